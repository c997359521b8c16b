# a value set, a multivalue item and a calculated check name checks that do not exist
check web tcp 192.0.2.10:80;
check both calculated (web, db);

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A 192.0.2.10 check wbe;
    pool A multivalue {
        192.0.2.21 check web;
        192.0.2.22 check dbb;
    }
}
