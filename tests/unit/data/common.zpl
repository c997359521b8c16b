# Included by spec-example.zpl: a small static zone written with value sets.
zone common.example {
    soa ns hostmaster serial 7;
    ns ns;
    ns A 192.0.2.1;
    www A 192.0.2.2, 192.0.2.3;
}
