# names defined twice: checks, cidrsets, prefixes within a cidrset
check web tcp 192.0.2.10:80;
check web tcp 192.0.2.11:80;
cidrset corp { 10.0.0.0/8 -> office; 10.0.0.0/8 -> lab; 10.1.0.0/8 -> lab; 2001:db8::/129 -> x; }
cidrset corp { 192.0.2.0/24 -> lab; }
