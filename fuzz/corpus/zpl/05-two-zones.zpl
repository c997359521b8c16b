zone a.test { soa ns hostmaster; ns ns; ns A 192.0.2.1; www A 192.0.2.2; }
zone b.test { ttl 30; soa ns.a.test. hostmaster.a.test. serial 1; ns ns.a.test.; @ A 192.0.2.3; }
zone sub.a.test { soa ns.a.test. h.a.test.; ns ns.a.test.; x TXT "child"; }
