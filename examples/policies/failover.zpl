# failover.zpl -- active-passive: the primary site while its health check
# passes, else the standby, else (both down) the primary anyway (Route 53).
#
#   build/zonec query examples/policies/failover.zpl www.failover.example A --down web-primary

check web-primary http 192.0.2.10:80 path "/healthz" interval 10s timeout 2s fall 3 rise 2;
check web-standby tcp 203.0.113.5:443 interval 30s;

zone failover.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1, ns2;
    records {
        ns1  A  192.0.2.53
        ns2  A  198.51.100.53
    }

    www A ttl 60 failover {
        primary   192.0.2.10 check web-primary;
        secondary 203.0.113.5 check web-standby;
    }
}
