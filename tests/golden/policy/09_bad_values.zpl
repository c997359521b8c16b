# values must fit the record type
check web tcp 192.0.2.10:80;

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A weighted { 1 -> 192.0.2.300; 1 -> 2001:db8::1; }
    v6 AAAA 192.0.2.1 check web;
    mx MX failover { primary "10"; secondary "mail.example.com."; }
    txt TXT weighted { 1 -> "ok"; 1 -> "ok"; }
    c CNAME weighted { 1 -> a.example.net., b.example.net.; }
}
