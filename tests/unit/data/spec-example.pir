geodata "geo/countries.csv"
latency "latency.yaml"
check 0 web-use1 http 192.0.2.10:80 path "/healthz" expect 200-399 interval 10 timeout 2 fall 3 rise 2
check 1 web-euw1 https 198.51.100.10:443 host "www.example.com" path "/" expect 200-399 contains "OK" interval 10 timeout 2 fall 3 rise 3
check 2 db tcp 192.0.2.40:5432 interval 5 timeout 2 fall 3 rise 3
check 3 site calculated (web-use1, web-euw1) at-least 1
check 4 drain http 192.0.2.99:80 path "/maintenance" expect 200-399 interval 10 timeout 2 fall 3 rise 3 inverted
cidrset 0 corp
  10.0.0.0/8 -> office
  2001:db8:100::/48 -> office
  192.0.2.0/24 -> lab
region 0 us-east-1
region 1 us-west-2
policy 0 www.example.com. A ttl 60 @33:5
  failover @33:18
    primary ->
      weighted @34:17
        weight 70 ->
          values "192.0.2.10" check web-use1 @35:19
        weight 30 ->
          values "192.0.2.11" check web-use1 @36:19
    secondary ->
      values "203.0.113.5" @38:19
policy 1 api.example.com. AAAA ttl 300 @41:5
  geo @41:14
    subdivision US-CA ->
      values "2001:db8:c::1" @42:34
    country US, CA ->
      latency @43:34
        region us-east-1 ->
          values "2001:db8:a::1" check web-use1 @44:33
        region us-west-2 ->
          values "2001:db8:b::1" @45:33
    continent EU ->
      values "2001:db8:e::1" check web-euw1 @47:34
    default ->
      values "2001:db8:d::1" @48:34
policy 2 cdn.example.com. CNAME ttl 300 @51:5
  proximity @51:15
    at 40.710000, -74.010000 bias 10 ->
      values "nyc.cdn.example.net." @52:37
    at 51.510000, -0.130000 bias 0 ->
      values "lon.cdn.example.net." @53:37
policy 3 intranet.example.com. A ttl 300 @56:5
  cidr corp @56:16
    label office ->
      values "10.1.1.1" @57:20
    label lab ->
      values "192.0.2.200" @58:20
    default ->
      values "203.0.113.80" @59:20
policy 4 pool.example.com. A ttl 300 @62:5
  multivalue @62:12
    item ->
      values "192.0.2.21" check web-use1 @63:9
    item ->
      values "192.0.2.22" check web-euw1 @64:9
    item ->
      values "192.0.2.23" @65:9
policy 5 mx.example.com. MX ttl 300 @68:5
  weighted @68:11
    weight 1 ->
      values "10 mx1.example.net." @68:27
    weight 1 ->
      values "10 mx2.example.net." @68:55
policy 6 example.com. A ttl 300 @69:5
  alias www.example.com. -> policy 0 @69:15
