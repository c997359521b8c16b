# ISO 3166-1 countries, ISO 3166-2 subdivisions, the seven continents
geodata "../../unit/data/geo/countries.csv";

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A geo {
        subdivision US-CA, US-ZZ -> 192.0.2.10;
        country FR, XX, USA     -> 192.0.2.11;
        continent EU, EA        -> 192.0.2.12;
        country us              -> 192.0.2.13;
        default                 -> 192.0.2.14;
    }
}
