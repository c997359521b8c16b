# errors inside a records { } block are located in the .zpl file, line and column
zone example.com {
    ttl 300;
    soa ns1 hostmaster serial 2024010101 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1;
    records {
        ns1   A      192.0.2.1
        www   A      192.0.2.300
        mail.example.org. A 192.0.2.25
    }
}
