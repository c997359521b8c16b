# comments run to end of line
# (includes cannot be opened while fuzzing)
geodata "geo.csv";            # IP → location database, compiled in (CSV or .mmdb)
latency "latency.yaml";                 # region coordinates + measured RTTs (YAML)

check web-use1 http 192.0.2.10:80 path "/healthz" interval 10s timeout 2s fall 3 rise 2;
check web-euw1 https 198.51.100.10:443 host "www.example.com" path "/" expect 200-399 contains "OK";
check db       tcp 192.0.2.40:5432 interval 5s;
check site     calculated (web-use1, web-euw1) at-least 1;
check drain    http 192.0.2.99:80 path "/maintenance" inverted;

cidrset corp {
    10.0.0.0/8, 2001:db8:100::/48 -> office;
    192.0.2.0/24                  -> lab;
}

zone example.com {
    ttl 300;
    soa ns1 hostmaster serial 2026112601 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1, ns2;

    # inside records { } lines are RFC 1035 master-file syntax (";" comments, "(" ")" continuation)
    records {
        @      MX    10 mail
        ns1    A     192.0.2.53
        ns2    A     198.51.100.53
        mail   A     192.0.2.25
        @      TXT   "v=spf1 mx -all"
        *.dev  CNAME www
    }


    www A ttl 60 failover {
        primary weighted {
            70 -> 192.0.2.10 check web-use1;
            30 -> 192.0.2.11 check web-use1;
        }
        secondary 203.0.113.5;
    }

    api AAAA geo {
        subdivision US-CA     -> 2001:db8:c::1;
        country US, CA        -> latency {
            region us-east-1 -> 2001:db8:a::1 check web-use1;
            region us-west-2 -> 2001:db8:b::1;
        }
        continent EU          -> 2001:db8:e::1 check web-euw1;
        default               -> 2001:db8:d::1;
    }

    cdn CNAME proximity {
        at 40.71, -74.01 bias 10 -> nyc.cdn.example.net.;
        at 51.51, -0.13          -> lon.cdn.example.net.;
    }

    intranet A cidr corp {
        office  -> 10.1.1.1;
        lab     -> 192.0.2.200;
        default -> 203.0.113.80;
    }

    pool A multivalue {
        192.0.2.21 check web-use1;
        192.0.2.22 check web-euw1;
        192.0.2.23;
    }

    mx MX weighted { 1 -> "10 mx1.example.net."; 1 -> "10 mx2.example.net."; }
    @ A alias www;                      # apex alias: answers what www A answers, owner @
}
