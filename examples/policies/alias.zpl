# alias.zpl -- an alias at the zone apex (where a CNAME is not allowed):
# the apex answers what www answers, under its own name, with www's health.
#
#   build/zonec query examples/policies/alias.zpl alias.example A --down site-a

check site-a http 192.0.2.10:80 path "/";

zone alias.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A     192.0.2.53
        @    MX    10 mail
        mail A     192.0.2.25
    }

    www A ttl 60 failover {
        primary   192.0.2.10 check site-a;
        secondary 203.0.113.10;
    }
    @ A alias www;
}
