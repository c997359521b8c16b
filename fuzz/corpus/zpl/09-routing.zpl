geodata "geo.csv";
latency "latency.yaml";
check web http 192.0.2.10:80 path "/healthz";
check a tcp 192.0.2.21:53;
check both calculated (web, a) at-least 1;
cidrset corp { 10.0.0.0/8, 2001:db8:1::/48 -> office; 192.0.2.128/25 -> lab; }
zone fuzz.test {
    soa ns hostmaster; ns ns; ns A 192.0.2.1;
    www A failover { primary 192.0.2.10 check web; secondary weighted { 1 -> 192.0.2.11; 2 -> 192.0.2.12; } }
    geo A geo { country US, CA -> 192.0.2.1; continent EU -> 192.0.2.2; subdivision US-NY -> 192.0.2.3; default -> 192.0.2.4; }
    lat A latency { region eu-west-1 -> 192.0.2.5; region us-east-1 -> 192.0.2.6 check web; }
    prox A proximity { at 40.71, -74.01 bias 10 -> 192.0.2.7; at -33.9, 151.2 -> 192.0.2.8; }
    net A cidr corp { office -> 10.0.0.1; lab -> 10.0.0.2; default -> 192.0.2.9; }
    mv A multivalue { 192.0.2.21 check a; 192.0.2.22 check both; 192.0.2.23; }
    cn CNAME weighted { 1 -> www; 3 -> "geo.fuzz.test."; }
    @ A alias www;
    chk A 192.0.2.30, 192.0.2.31 check web;
}
