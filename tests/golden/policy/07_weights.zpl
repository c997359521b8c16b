# weights are 0..255
zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A weighted {
        255 -> 192.0.2.10;
        256 -> 192.0.2.11;
        0   -> 192.0.2.12;
        99999999999 -> 192.0.2.13;
    }
}
