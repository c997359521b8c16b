# data files must open; one of each kind
geodata "missing.csv";
geodata "../../unit/data/geo/countries.csv";
geodata "../../unit/data/geo/countries.csv";
geodata "latency.yaml";
latency "latency.yaml";
