# geo.zpl -- geolocation: the smallest matching area wins (subdivision >
# country > continent > default); an unhealthy area falls back to the larger one.
#
#   build/zonec query examples/policies/geo.zpl www.geo.example A --client 1.0.0.7/24

geodata "../data/countries.csv";

check us-east http 192.0.2.20:80 path "/healthz";
check eu      http 198.51.100.20:80 path "/healthz";

zone geo.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    www A ttl 60 geo {
        subdivision US-CA   -> 192.0.2.10;                 # California
        country US, CA      -> 192.0.2.20 check us-east;   # rest of the US and Canada
        continent NA        -> 192.0.2.30;                 # rest of North America
        continent EU        -> 198.51.100.20 check eu;
        country JP          -> 203.0.113.40;
        default             -> 203.0.113.1;
    }
}
