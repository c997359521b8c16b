# latency rules need a latency file; geo and proximity warn without geodata
zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    a A latency { region us-east-1 -> 192.0.2.10; }
    b A geo { default -> 192.0.2.11; }
    c A proximity { at 1, 2 -> 192.0.2.12; }
}
