# alias targets must exist with the same type in the zone, without loops
zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    mail TXT "v=spf1 -all";
    a A alias nowhere;
    b A alias mail;
    c A alias www.example.net.;
    d A failover { primary alias e; secondary 192.0.2.9; }
    e A weighted { 1 -> alias f; 1 -> 192.0.2.8; }
    f A alias d;
    g A alias g;
}
