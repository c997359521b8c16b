# failover: one primary, at most one secondary; blocks are not empty
zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    a A failover { secondary 192.0.2.10; }
    b A failover { primary 192.0.2.10; primary 192.0.2.11; secondary 192.0.2.12; secondary 192.0.2.13; }
    c A weighted { }
    d A multivalue { }
}
