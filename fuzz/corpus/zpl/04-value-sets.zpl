zone fuzz.test. {
    ttl 1h;
    soa ns1 hostmaster.fuzz.test. serial 4294967295 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1, ns2.fuzz.test., ns.example.net.;
    ns1 A 192.0.2.53;
    ns2 AAAA 2001:db8::53;
    www A ttl 60 192.0.2.10, 192.0.2.11, 192.0.2.12;
    www AAAA 2001:db8::10;
    @ MX "10 mail", "20 mx2.example.net.";
    mail A 192.0.2.25;
    @ TXT "v=spf1 mx -all", "second";
    _sip._udp SRV "10 60 5060 sip";
    blog CNAME www;
    *.dev CNAME www;
    @ CAA "0 issue \"letsencrypt.org\"";
    lab NS ns1.lab;
    ns1.lab A 192.0.2.130;
}
