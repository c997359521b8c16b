zone { }
zone x.test { ttl 99999999999; ttl 5; soa; ns; }
zone x.test { }
zone y.test { soa ns hostmaster serial -1 bogus 5; ns a..b; www A 1.2.3; www FOO bar; aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A 192.0.2.1; }
check ;
cidrset c { 300.0.0.0/8 -> x; 10.0.0.0/33 -> y; }
"unterminated
