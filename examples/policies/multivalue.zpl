# multivalue.zpl -- multivalue answer: up to 8 healthy addresses, picked at
# random and shuffled; when none is healthy, up to 8 of the unhealthy ones.
#
#   build/zonec query examples/policies/multivalue.zpl pool.multivalue.example A --down n1

check n1 tcp 192.0.2.21:443;
check n2 tcp 192.0.2.22:443;
check n3 tcp 192.0.2.23:443;

zone multivalue.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    pool A ttl 30 multivalue {
        192.0.2.21 check n1;
        192.0.2.22 check n2;
        192.0.2.23 check n3;
        192.0.2.24, 192.0.2.25, 192.0.2.26 check n1;
        192.0.2.27;
        192.0.2.28;
        192.0.2.29;
        192.0.2.30;
    }
}
