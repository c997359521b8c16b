# a semantic check (after parsing) on a ZPL zone
zone example.com {
    ttl 300;
    soa ns1 hostmaster serial 2024010101 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1;
    records {
        ns1   A      192.0.2.1
        www   A      192.0.2.80
        www   CNAME  ns1
    }
}
