#!/usr/bin/env python3
# gen-zone.py -- write a synthetic RFC 1035 zone of about N records with a realistic type mix
# SPDX-License-Identifier: MIT
#
# usage: gen-zone.py N OUT.zone ORIGIN [--seed S]
#
# The mix, by records: ~55% A, ~20% AAAA, ~7% CNAME, ~4% TXT, ~3% MX, ~3% SRV, ~8% NS
# delegations (half with in-bailiwick glue A/AAAA), the rest multi-address A sets.
# No wildcards (so NXDOMAIN queries stay NXDOMAIN). Output is deterministic for a seed.
# Owners are written relative to $ORIGIN; every line is "owner TTL IN TYPE RDATA" with the
# owner always present, which bench/gen-queries.py relies on.
import random
import sys

WORDS = ("www mail api cdn app web db cache edge auth shop blog img static vpn git ci docs "
         "wiki chat ftp smtp imap pop proxy lb node srv host gw mon log dev test stage prod "
         "east west north south core dmz lab office eu us ap sa").split()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    seed = 1
    if "--seed" in sys.argv:
        seed = int(sys.argv[sys.argv.index("--seed") + 1])
        args = [a for a in args if a != str(seed)]
    if len(args) != 3:
        sys.exit("usage: gen-zone.py N OUT.zone ORIGIN [--seed S]")
    n = int(args[0])
    out = args[1]
    origin = args[2].rstrip(".") + "."
    rnd = random.Random(seed)

    lines = []
    used = set()
    hosts = []          # owners that have an address (targets for CNAME/MX/SRV)

    def add(owner, ttl, rtype, rdata):
        lines.append("%s %d IN %s %s" % (owner, ttl, rtype, rdata))

    def v4():
        return "%d.%d.%d.%d" % (rnd.choice((192, 198, 203, 10, 172)), rnd.randrange(256),
                                rnd.randrange(256), rnd.randrange(1, 255))

    def v6():
        return "2001:db8:%x:%x::%x" % (rnd.randrange(65536), rnd.randrange(65536),
                                       rnd.randrange(1, 65536))

    serial = 2026010100
    add("@", 3600, "SOA", "ns1 hostmaster %d 7200 3600 1209600 300" % serial)
    add("@", 3600, "NS", "ns1")
    add("@", 3600, "NS", "ns2")
    add("@", 3600, "MX", "10 mail")
    add("@", 3600, "TXT", '"v=spf1 mx -all"')
    add("@", 300, "A", "192.0.2.80")
    for h, a in (("ns1", "192.0.2.53"), ("ns2", "198.51.100.53"), ("mail", "192.0.2.25"),
                 ("www", "192.0.2.80")):
        add(h, 3600, "A", a)
        used.add(h)
        hosts.append(h)
    add("ns1", 3600, "AAAA", "2001:db8::53")

    seq = 0

    def fresh():
        nonlocal seq
        while True:
            seq += 1
            w = rnd.choice(WORDS)
            depth = rnd.random()
            if depth < 0.70:
                name = "%s-%x" % (w, seq)
            elif depth < 0.95:
                name = "%s-%x.%s" % (w, seq, rnd.choice(WORDS))
            else:
                name = "%s-%x.%s.%s" % (w, seq, rnd.choice(WORDS), rnd.choice(WORDS))
            if name not in used:
                used.add(name)
                return name

    while len(lines) < n:
        r = rnd.random()
        ttl = rnd.choice((60, 300, 300, 3600, 3600, 86400))
        if r < 0.48:                                    # plain host, sometimes dual-stack
            h = fresh()
            add(h, ttl, "A", v4())
            if rnd.random() < 0.30:
                add(h, ttl, "AAAA", v6())
            hosts.append(h)
        elif r < 0.60:                                  # IPv6-only host
            h = fresh()
            add(h, ttl, "AAAA", v6())
            hosts.append(h)
        elif r < 0.67:                                  # alias, mostly in-zone
            h = fresh()
            if rnd.random() < 0.8:
                add(h, ttl, "CNAME", rnd.choice(hosts))
            else:
                add(h, ttl, "CNAME", "%s.cdn.example.net." % rnd.choice(WORDS))
        elif r < 0.71:                                  # TXT (verification tokens, SPF)
            h = fresh()
            add(h, ttl, "TXT", '"site-verification=%032x"' % rnd.getrandbits(128))
        elif r < 0.74:                                  # MX at a sub-domain, with its A
            h = fresh()
            add(h, ttl, "MX", "10 %s" % rnd.choice(hosts))
            add(h, ttl, "MX", "20 mail")
        elif r < 0.77:                                  # SRV
            h = fresh()
            add("_sip._udp." + h, ttl, "SRV", "10 60 5060 %s" % rnd.choice(hosts))
        elif r < 0.85:                                  # delegation
            h = fresh()
            if rnd.random() < 0.5:                      # in-bailiwick servers with glue
                add(h, 86400, "NS", "ns1." + h)
                add(h, 86400, "NS", "ns2." + h)
                add("ns1." + h, 86400, "A", v4())
                add("ns2." + h, 86400, "A", v4())
                if rnd.random() < 0.3:
                    add("ns1." + h, 86400, "AAAA", v6())
            else:
                add(h, 86400, "NS", "ns1.%s.example.net." % rnd.choice(WORDS))
                add(h, 86400, "NS", "ns2.%s.example.net." % rnd.choice(WORDS))
        else:                                           # round-robin address set
            h = fresh()
            for _ in range(rnd.randrange(2, 5)):
                add(h, ttl, "A", v4())
            hosts.append(h)

    with open(out, "w") as f:
        f.write("; synthetic benchmark zone, %d records, seed %d (bench/gen-zone.py)\n"
                % (len(lines), seed))
        f.write("$ORIGIN %s\n$TTL 3600\n" % origin)
        f.write("\n".join(lines))
        f.write("\n")


if __name__ == "__main__":
    main()
