# TTL out of range in a ZPL statement, inside records { }, and in a policy record
zone example.com {
    ttl 2147483648;
    soa ns1 hostmaster serial 1 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1;
    records {
        ns1 A 192.0.2.1
        www 99999999999 A 192.0.2.2
    }
    api A ttl 4294967296 192.0.2.3;
}
