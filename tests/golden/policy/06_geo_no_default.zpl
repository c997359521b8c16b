# warning only: a geo rule without default; a nested rule that covers its branch needs none
geodata "../../unit/data/geo/countries.csv";

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A geo {
        country US -> 192.0.2.10;
        continent EU -> 192.0.2.11;
    }
    api A geo {
        country US, CA -> geo {
            country US -> 192.0.2.20;
            country CA -> 192.0.2.21;
        }
        default -> 192.0.2.22;
    }
}
