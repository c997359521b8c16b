zone fuzz.test {
    soa ns hostmaster;
    ns ns;
    records { ns A 192.0.2.1
        @ MX 10 mail ; comment inside
        mail ( A
               192.0.2.25 )
        $TTL 60
        www A 192.0.2.80
            AAAA 2001:db8::80
        txt TXT "braces { } inside" "semi;colon"
    }
    records {
    }
}
