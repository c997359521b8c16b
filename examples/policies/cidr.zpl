# cidr.zpl -- IP-based routing: the longest prefix of the client in the
# cidrset picks the branch; everyone else gets the default.
#
#   build/zonec query examples/policies/cidr.zpl intranet.cidr.example A --client 10.20.0.1

cidrset corp {
    10.0.0.0/8, 2001:db8:100::/48 -> office;
    10.20.0.0/16                  -> vpn;      # longer than the office /8: wins for 10.20/16
    192.0.2.0/24                  -> lab;
}

zone cidr.example {
    ttl 300;
    soa ns1 hostmaster serial 2026112601;
    ns ns1;
    records {
        ns1  A  192.0.2.53
    }

    intranet A ttl 60 cidr corp {
        office  -> 10.1.1.1;
        vpn     -> 10.20.0.53;
        lab     -> 192.0.2.200;
        default -> 203.0.113.80;
    }
}
