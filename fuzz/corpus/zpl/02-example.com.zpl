# example.com.zpl -- a small company's zone, written in ZPL
#
# Compile and serve it:   build/zonec build examples/example.com.zpl -o example-server
#                         ./example-server --listen 127.0.0.1:5300
# Ask offline:            build/zonec query examples/example.com.zpl www.example.com A
#
# Names without a trailing dot are relative to the zone (example.com.).
# Inside `records { }` the lines are RFC 1035 master-file text (";" comments);
# outside, ZPL statements end with ";" and comments start with "#".

zone example.com {
    ttl 300;                        # default TTL of every record below
    soa ns1 hostmaster serial 2026112601 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1, ns2;

    records {
        ; name servers (in-zone, so they need addresses here)
        ns1            A      192.0.2.53
        ns1            AAAA   2001:db8::53
        ns2            A      198.51.100.53

        ; mail
        @              MX     10 mail
        @              MX     20 mx2.example.net.
        mail           A      192.0.2.25
        mail           AAAA   2001:db8::25
        @              TXT    "v=spf1 mx -all"
        _dmarc         TXT    "v=DMARC1; p=reject; rua=mailto:dmarc-reports@example.com"

        ; which CAs may issue certificates for us (RFC 8659)
        @              CAA    0 issue "letsencrypt.org"
        @              CAA    0 iodef "mailto:security@example.com"

        ; services
        _sip._udp      SRV    10 60 5060 sip
        _sip._tcp      SRV    10 60 5060 sip
        sip            A      192.0.2.60
        blog    3600   CNAME  www
        *.dev          CNAME  www       ; anything.dev.example.com -> www

        ; the lab runs its own name servers: a delegation with glue
        lab            NS     ns1.lab
        lab            NS     ns2.lab
        ns1.lab        A      192.0.2.130
        ns2.lab        AAAA   2001:db8:1::53
    }

    # value-set records: OWNER TYPE [ttl D] VALUE [, VALUE]... ;
    www  A     192.0.2.10, 192.0.2.11;
    www  AAAA  2001:db8::10;
    api  A     ttl 60 192.0.2.20;
    @    A     192.0.2.10;
}
