check web http 192.0.2.10:80 path "/healthz" interval 10s timeout 2s fall 3 rise 2;
check web6 https [2001:db8::1]:443 host "www.example.com" expect 200-399 contains "OK";
check db tcp 192.0.2.40:5432;
check all calculated (web, web6, db) at-least 2;
check drain http 192.0.2.99:80 inverted;
cidrset corp { 10.0.0.0/8, 2001:db8:100::/48 -> office; 192.0.2.0/24 -> lab; }
geodata "geo.csv";
latency "latency.yaml";
