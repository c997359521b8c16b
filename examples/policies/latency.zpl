# latency.zpl -- latency-based routing: regions ordered by the RTT measured
# for the client's prefix (latency data), else by distance from the client's
# geodata location; the first healthy region answers.
#
#   build/zonec query examples/policies/latency.zpl api.latency.example AAAA --client 3.0.0.1

geodata "../data/countries.csv";
latency "../data/latency.yaml";

check use1 tcp 192.0.2.41:443;
check euw1 tcp 198.51.100.41:443;

zone latency.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    api AAAA ttl 60 latency {
        region us-east-1      -> 2001:db8:a::1 check use1;
        region us-west-2      -> 2001:db8:b::1;
        region eu-west-1      -> 2001:db8:e::1 check euw1;
        region ap-northeast-1 -> 2001:db8:f::1;
    }
}
