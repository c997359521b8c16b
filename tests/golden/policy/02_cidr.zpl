# unknown cidrset, unknown label, label twice, default twice, no default
cidrset corp {
    10.0.0.0/8, 2001:db8:100::/48 -> office;
    192.0.2.0/24 -> lab;
}

zone example.com {
    soa ns hostmaster;
    ns ns;
    ns A 192.0.2.1;
    a A cidr crop { default -> 192.0.2.1; }
    b A cidr corp {
        office -> 192.0.2.2;
        offcie -> 192.0.2.3;
        office -> 192.0.2.4;
        default -> 192.0.2.5;
        default -> 192.0.2.6;
    }
    c A cidr corp { lab -> 192.0.2.7; }
}
