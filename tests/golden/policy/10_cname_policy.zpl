# a CNAME policy beside other data: static records, other policies; CNAME at the apex
check web tcp 192.0.2.10:80;

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    records {
        www  TXT   "hello"
        old  CNAME www
    }
    www CNAME weighted { 1 -> a.example.net.; 1 -> b.example.net.; }
    old A 192.0.2.5 check web;
    api CNAME weighted { 1 -> a.example.net.; }
    api AAAA weighted { 1 -> 2001:db8::1; }
    @ CNAME weighted { 1 -> a.example.net.; }
}
