# the same location twice, two defaults, and a location a nested rule never sees
geodata "../../unit/data/geo/countries.csv";

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A geo {
        country US, CA -> 192.0.2.10;
        country FR     -> 192.0.2.11;
        country CA     -> 192.0.2.12;
        default        -> 192.0.2.13;
        default        -> 192.0.2.14;
    }
    api A geo {
        continent EU -> geo {
            country FR -> 192.0.2.20;
            country JP -> 192.0.2.21;
            default    -> 192.0.2.22;
        }
        default -> 192.0.2.23;
    }
}
