#!/usr/bin/env python3
# gen-queries.py -- dnsperf-format query file ("name TYPE" per line) for a gen-zone.py zone
# SPDX-License-Identifier: MIT
#
# usage: gen-queries.py ZONE OUT [--count N] [--seed S] [--all]
#
# Default mix over N queries (default 100000): ~80% hits (an existing owner with one of its
# types, uniformly over RRsets, referrals for delegated names included), ~10% NXDOMAIN
# (random labels under the apex), ~10% NODATA (an existing host asked for a type it lacks).
# --all: every owner name once (with one of its types), in zone order: the "touch every name"
# pass that precedes the peak-RSS reading. Deterministic for a seed.
import random
import sys

NODATA_TYPES = ("MX", "TXT", "SRV", "CAA", "HTTPS", "PTR")


def main():
    argv = sys.argv[1:]
    count, seed, touch_all = 100000, 2, False
    pos = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--count":
            count = int(argv[i + 1]); i += 2; continue
        if a == "--seed":
            seed = int(argv[i + 1]); i += 2; continue
        if a == "--all":
            touch_all = True; i += 1; continue
        pos.append(a); i += 1
    if len(pos) != 2:
        sys.exit("usage: gen-queries.py ZONE OUT [--count N] [--seed S] [--all]")
    zone, out = pos
    origin = None
    types = {}          # owner (absolute, lower case) -> list of types, zone order
    order = []
    cuts = set()
    with open(zone) as f:
        for line in f:
            if not line.strip() or line[0] == ";":
                continue
            if line.startswith("$ORIGIN"):
                origin = line.split()[1]
                continue
            if line[0] == "$":
                continue
            owner, _ttl, _cls, rtype = line.split(None, 4)[:4]
            name = origin if owner == "@" else owner + "." + origin
            if name not in types:
                types[name] = []
                order.append(name)
            if rtype not in types[name]:
                types[name].append(rtype)
            if rtype == "NS" and name != origin:
                cuts.add(name)
    if origin is None:
        sys.exit("gen-queries.py: %s has no $ORIGIN" % zone)

    def below_cut(name):
        labels = name.split(".")
        return any(".".join(labels[i:]) in cuts for i in range(1, len(labels)))

    rnd = random.Random(seed)
    lines = []
    if touch_all:
        for name in order:
            lines.append("%s %s" % (name, types[name][0]))
    else:
        rrsets = [(n, t) for n in order for t in types[n]]
        plain = [n for n in order if n not in cuts and not below_cut(n)
                 and "CNAME" not in types[n]]
        for _ in range(count):
            r = rnd.random()
            if r < 0.80:
                n, t = rnd.choice(rrsets)
                lines.append("%s %s" % (n, t))
            elif r < 0.90:
                lines.append("nx-%08x.%s %s" % (rnd.getrandbits(32), origin,
                                                rnd.choice(("A", "A", "AAAA", "MX"))))
            else:
                n = rnd.choice(plain)
                t = rnd.choice([t for t in NODATA_TYPES if t not in types[n]])
                lines.append("%s %s" % (n, t))
    with open(out, "w") as f:
        f.write("\n".join(lines))
        f.write("\n")


if __name__ == "__main__":
    main()
