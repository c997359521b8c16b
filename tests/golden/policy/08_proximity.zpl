# coordinates in range, bias -99..99, each location once
geodata "../../unit/data/geo/countries.csv";

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A proximity {
        at 40.71, -74.01 bias 99   -> 192.0.2.10;
        at 91, 0                   -> 192.0.2.11;
        at 10, -180.5              -> 192.0.2.12;
        at 1.5, 2 bias 100         -> 192.0.2.13;
        at 1.5, 3 bias -100        -> 192.0.2.14;
        at 40.710, -74.01          -> 192.0.2.15;
        at north, 3                -> 192.0.2.16;
    }
}
