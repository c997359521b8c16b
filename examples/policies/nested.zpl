# nested.zpl -- policies compose as trees (Route 53 traffic flow): geo at the
# top, failover per area, weighted pools inside: three levels deep.
#
#   build/zonec query examples/policies/nested.zpl app.nested.example A --client 3.0.0.1 --down eu-a

geodata "../data/countries.csv";

check us-a tcp 192.0.2.10:443;
check us-b tcp 192.0.2.11:443;
check eu-a tcp 198.51.100.10:443;
check eu-b tcp 198.51.100.11:443;

zone nested.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    app A ttl 60 geo {
        continent EU -> failover {
            primary weighted {
                50 -> 198.51.100.10 check eu-a;
                50 -> 198.51.100.11 check eu-b;
            }
            secondary 192.0.2.10 check us-a;
        }
        default -> failover {
            primary weighted {
                80 -> 192.0.2.10 check us-a;
                20 -> 192.0.2.11 check us-b;
            }
            secondary 203.0.113.9;
        }
    }
}
