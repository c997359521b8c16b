# one policy per owner and type, not beside static records of its type, not for SOA/NS
zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    records {
        www   A   192.0.2.10
        sub   NS  ns.sub
        ns.sub A  192.0.2.53
    }
    www A weighted { 1 -> 192.0.2.11; }
    api A weighted { 1 -> 192.0.2.12; }
    api A weighted { 1 -> 192.0.2.13; }
    sub NS weighted { 1 -> ns1.example.net.; }
    x.sub A weighted { 1 -> 192.0.2.14; }
    other.example.net. A weighted { 1 -> 192.0.2.15; }
}
