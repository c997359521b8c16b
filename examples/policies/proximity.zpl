# proximity.zpl -- geoproximity: the nearest endpoint by great-circle
# distance from the client's geodata location, scaled by each endpoint's bias
# (bias 30: distances to it count 30% less; bias -50: they count 1.5x more).
#
#   build/zonec query examples/policies/proximity.zpl cdn.proximity.example CNAME --client 3.0.0.9

geodata "../data/countries.csv";

zone proximity.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    cdn CNAME ttl 120 proximity {
        at 40.71, -74.01 bias 30  -> nyc.cdn.example.net.;
        at 51.51, -0.13           -> lon.cdn.example.net.;
        at 35.68, 139.69 bias -50 -> tyo.cdn.example.net.;
    }
}
