# regions must be in the latency file, once per rule
latency "latency.yaml";

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    www A latency {
        region us-east-1 -> 192.0.2.10;
        region eu-west-1 -> 192.0.2.11;
        region ap-south-9 -> 192.0.2.12;
        region us-east-1 -> 192.0.2.13;
    }
}
