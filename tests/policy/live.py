#!/usr/bin/env python3
"""live.py -- routing policies against the LIVE server, and `zonec query` == server.

Usage: live.py --zonec build/zonec --work DIR [--triples 1000] [--weighted 12000]

DIR holds <example>-server binaries built from examples/policies/<example>.zpl
(tests/policy/run.sh builds them). Servers listen on 127.0.0.1:5500-5519 only.

Part 1 (per construct, dig with +subnet= for ECS; health via --check-state):
geo precedence and fallbacks, ECS scope, cidr longest match, latency by RTT
and by distance, proximity with bias, failover both ways, multivalue (<= 8,
healthy only), weighted proportions (binomial 99.9% bound), nested trees three
levels deep, alias at the apex.

Part 2: for N random (client, check states, seed) triples per example, the
server is started with exactly those --check-state pins and --seed, asked
once, and its answer (rcode, AA, answer RRs in order, ECS) must equal what
`zonec query FILE NAME TYPE --client ... --down/--up ... --seed N` prints.
One fresh server per triple: the server's random state advances with every
random draw of the queries a thread answers, so only a fresh server's first
answer is comparable one to one with `zonec query`.
"""
import argparse
import atexit
import concurrent.futures as cf
import ipaddress
import math
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsq  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EX = os.path.join(ROOT, "examples", "policies")
PORT0 = 5500

# example -> (checks, [(name, type)])
EXAMPLES = {
    "failover": (["web-primary", "web-standby"], [("www.failover.example", "A")]),
    "weighted": (["blue", "green", "old"], [("www.weighted.example", "A")]),
    "geo": (["us-east", "eu"], [("www.geo.example", "A")]),
    "latency": (["use1", "euw1"], [("api.latency.example", "AAAA")]),
    "proximity": ([], [("cdn.proximity.example", "CNAME"), ("cdn.proximity.example", "A")]),
    "cidr": ([], [("intranet.cidr.example", "A")]),
    "multivalue": (["n1", "n2", "n3"], [("pool.multivalue.example", "A")]),
    "nested": (["us-a", "us-b", "eu-a", "eu-b"], [("app.nested.example", "A")]),
    "alias": (["site-a"], [("alias.example", "A"), ("www.alias.example", "A")]),
}

failures = []
checks_run = 0


def expect(cond, what):
    global checks_run
    checks_run += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


LIVE = set()  # running servers, killed on exit whatever happens


def kill_all(*_):
    for p in list(LIVE):
        p.kill()
    if _:
        sys.exit(1)


atexit.register(kill_all)
signal.signal(signal.SIGTERM, kill_all)


class Server:
    def __init__(self, work, example, port, states=None, seed=None):
        # --rrl 0: the bulk tests send thousands of queries from one address
        # --no-probes: the examples' checks name documentation addresses off this
        # machine; the test drives health with --check-state pins only, and no probe
        # may leave loopback
        cmd = [os.path.join(work, example + "-server"), "--listen", "127.0.0.1:%d" % port, "--rrl", "0",
               "--no-probes"]
        for k, up in (states or {}).items():
            cmd += ["--check-state", "%s=%s" % (k, "up" if up else "down")]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        LIVE.add(self.p)
        line = self.p.stdout.readline()
        if "listening" not in line:
            err = self.p.stderr.read()
            self.p.wait()
            LIVE.discard(self.p)
            raise RuntimeError("server %s did not start: %s %s" % (cmd, line, err))
        self.port = port
        self.c = dnsq.Client(port)

    def ask(self, name, qtype, client=None):
        return self.c.ask(name, qtype, client)

    def stop(self):
        self.c.close()
        self.p.terminate()
        self.p.wait(timeout=5)
        LIVE.discard(self.p)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()


def addrs(res):
    return [r[3] for r in res["answer"]]


def dig(port, name, qtype, subnet=None):
    return dnsq.parse_zonec(dnsq.dig(port, name, qtype, subnet))


# ---------------------------------------------------------------- part 1


def t_geo(work):
    with Server(work, "geo", PORT0) as s:
        cases = [("1.0.0.7/32", "192.0.2.10", "subdivision US-CA"),
                 ("1.0.1.5/24", "192.0.2.20", "country US (US-NY has no rule)"),
                 ("1.0.4.9/32", "192.0.2.20", "country US, no subdivision in geodata"),
                 ("2.0.0.5/24", "192.0.2.20", "country CA (second code of the branch)"),
                 ("2.0.1.5/24", "192.0.2.30", "continent NA (MX)"),
                 ("3.0.0.5/24", "198.51.100.20", "continent EU (FR)"),
                 ("3.0.1.5/24", "198.51.100.20", "continent EU (DE)"),
                 ("4.0.0.5/24", "203.0.113.40", "country JP"),
                 ("5.0.0.5/24", "203.0.113.1", "default (BR: no rule for SA)"),
                 ("9.9.9.9/32", "203.0.113.1", "default (not in the geodata)"),
                 ("2001:db8:1::1/48", "198.51.100.20", "IPv6 client in DE -> EU"),
                 ("2001:db8:2::1/56", "192.0.2.10", "IPv6 client in US-CA")]
        for cl, want, why in cases:
            r = dig(s.port, "www.geo.example", "A", cl)
            expect(addrs(r) == [want], "geo %s (%s): want %s got %s" % (cl, why, want, addrs(r)))
        # ECS scope: the located answer carries the decided prefix, at most /24 here
        r = dig(s.port, "www.geo.example", "A", "1.0.0.7/32")
        expect(r["ecs"] is not None and r["ecs"][1] == 32 and 0 < r["ecs"][2] <= 24,
               "geo ECS scope for 1.0.0.7/32 in 1.0.0.0/24: got %s" % (r["ecs"],))
        r = dig(s.port, "www.geo.example", "A", "1.0.0.0/24")
        expect(r["ecs"] == ("1.0.0.0", 24, 24), "geo ECS echo 1.0.0.0/24 scope 24: got %s" % (r["ecs"],))
        r = dig(s.port, "ns1.geo.example", "A", "1.0.0.0/24")
        expect(r["ecs"] == ("1.0.0.0", 24, 0) and addrs(r) == ["192.0.2.53"],
               "static answer echoes ECS with scope 0: got %s" % (r["ecs"],))
        r = dig(s.port, "www.geo.example", "A")
        expect(r["ecs"] is None and addrs(r) == ["203.0.113.1"],
               "no ECS in the query: source 127.0.0.1 -> default, no ECS option: got %s %s"
               % (addrs(r), r["ecs"]))
        # a malformed ECS option -> FORMERR (RFC 7871 section 7.1.2): bits set past SOURCE
        bad = b"\x00\x08\x00\x07\x00\x01\x10\x00\x01\x00\x05"
        r = s.c.ask("www.geo.example", "A", raw_ecs=bad)
        expect(r["rcode"] == "FORMERR", "bad ECS (bits past source) -> FORMERR: got %s" % r["rcode"])
    # fallbacks: an unhealthy area climbs to the next larger one
    with Server(work, "geo", PORT0 + 1, {"us-east": False, "eu": True}) as s:
        for cl, want, why in [("1.0.1.5/24", "192.0.2.30", "US down -> continent NA"),
                              ("2.0.0.5/24", "192.0.2.30", "CA down -> continent NA"),
                              ("1.0.0.7/32", "192.0.2.10", "US-CA has no check")]:
            r = dig(s.port, "www.geo.example", "A", cl)
            expect(addrs(r) == [want], "geo fallback %s (%s): got %s" % (cl, why, addrs(r)))
    with Server(work, "geo", PORT0 + 2, {"us-east": True, "eu": False}) as s:
        r = dig(s.port, "www.geo.example", "A", "3.0.0.5/24")
        expect(addrs(r) == ["203.0.113.1"], "geo EU down -> default: got %s" % addrs(r))


def t_cidr(work):
    with Server(work, "cidr", PORT0 + 3) as s:
        for cl, want, why in [("10.1.2.3/32", "10.1.1.1", "office /8"),
                              ("10.20.5.5/32", "10.20.0.53", "vpn /16 beats office /8"),
                              ("10.20.0.0/16", "10.20.0.53", "client /16 = block /16"),
                              ("10.20.0.0/12", "10.1.1.1", "client /12 inside the /8 only"),
                              ("10.0.0.0/7", "203.0.113.80", "client /7 shorter than every block"),
                              ("192.0.2.77/32", "192.0.2.200", "lab"),
                              ("8.8.8.8/32", "203.0.113.80", "default"),
                              ("2001:db8:100:5::1/64", "10.1.1.1", "IPv6 office /48"),
                              ("2001:db8:101::/64", "203.0.113.80", "IPv6 outside")]:
            r = dig(s.port, "intranet.cidr.example", "A", cl)
            expect(addrs(r) == [want], "cidr %s (%s): want %s got %s" % (cl, why, want, addrs(r)))
        r = dig(s.port, "intranet.cidr.example", "A", "10.20.5.5/32")
        expect(r["ecs"] is not None and r["ecs"][2] == 16,
               "cidr ECS scope = the /16 that decided: got %s" % (r["ecs"],))
        r = dig(s.port, "intranet.cidr.example", "A", "10.1.2.3/32")
        expect(r["ecs"] is not None and 8 <= r["ecs"][2] <= 32,
               "cidr ECS scope for the /8 branch: got %s" % (r["ecs"],))


def t_latency(work):
    with Server(work, "latency", PORT0 + 4) as s:
        for cl, want, why in [("1.0.1.5/32", "2001:db8:b::1", "RTT: NY measured closer to us-west-2"),
                              ("3.0.0.5/32", "2001:db8:e::1", "RTT /16: eu-west-1"),
                              ("3.0.1.5/32", "2001:db8:a::1", "RTT /24 beats /16: us-east-1"),
                              ("4.0.0.5/32", "2001:db8:f::1", "distance: Tokyo"),
                              ("1.0.0.5/32", "2001:db8:b::1", "distance: SF -> us-west-2"),
                              ("2.0.0.5/32", "2001:db8:a::1", "distance: Toronto -> us-east-1"),
                              ("5.0.0.5/32", "2001:db8:a::1", "distance: Sao Paulo -> us-east-1")]:
            r = dig(s.port, "api.latency.example", "AAAA", cl)
            expect(addrs(r) == [want], "latency %s (%s): want %s got %s" % (cl, why, want, addrs(r)))
    with Server(work, "latency", PORT0 + 5, {"use1": False, "euw1": False}) as s:
        for cl, want, why in [("3.0.0.5/32", "2001:db8:b::1", "RTT order, both down: next us-west-2"),
                              ("2.0.0.5/32", "2001:db8:b::1", "distance order, us-east-1 down")]:
            r = dig(s.port, "api.latency.example", "AAAA", cl)
            expect(addrs(r) == [want], "latency %s (%s): want %s got %s" % (cl, why, want, addrs(r)))


def great_circle(a, b):
    la1, lo1, la2, lo2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def t_proximity(work):
    ends = [((40.71, -74.01), 30, "nyc.cdn.example.net."), ((51.51, -0.13), 0, "lon.cdn.example.net."),
            ((35.68, 139.69), -50, "tyo.cdn.example.net.")]
    clients = {"1.0.1.5": (40.71, -74.01), "3.0.2.5": (51.51, -0.13), "3.0.0.5": (48.86, 2.35),
               "4.0.0.5": (35.68, 139.69), "4.0.1.5": (-33.87, 151.21), "5.0.0.5": (-23.55, -46.63),
               "1.0.0.5": (37.77, -122.42)}

    def biased(d, b):
        return d * (1 - b / 100) if b > 0 else d / (1 + b / 100) if b < 0 else d

    with Server(work, "proximity", PORT0 + 6) as s:
        for ip, loc in clients.items():
            want = min(ends, key=lambda e: biased(great_circle(loc, e[0]), e[1]))[2]
            r = dig(s.port, "cdn.proximity.example", "CNAME", ip + "/32")
            expect(addrs(r) == [want], "proximity %s: want %s got %s" % (ip, want, addrs(r)))
        # the bias matters: Sydney is nearer Tokyo, but Tokyo's bias -50 and NYC's +30 flip it
        syd = clients["4.0.1.5"]
        expect(great_circle(syd, ends[2][0]) < great_circle(syd, ends[0][0]), "fixture: Sydney nearer Tokyo")
        r = dig(s.port, "cdn.proximity.example", "CNAME", "4.0.1.5/32")
        expect(addrs(r) == ["nyc.cdn.example.net."], "proximity bias flips Sydney to nyc: got %s" % addrs(r))


def t_failover(work):
    for states, want in [({"web-primary": True, "web-standby": True}, "192.0.2.10"),
                         ({"web-primary": False, "web-standby": True}, "203.0.113.5"),
                         ({"web-primary": True, "web-standby": False}, "192.0.2.10"),
                         ({"web-primary": False, "web-standby": False}, "192.0.2.10")]:
        with Server(work, "failover", PORT0 + 7, states) as s:
            r = dig(s.port, "www.failover.example", "A")
            expect(addrs(r) == [want] and r["answer"][0][1] == 60,
                   "failover %s: want %s ttl 60, got %s" % (states, want, r["answer"]))


def t_multivalue(work):
    all_v = ["192.0.2.%d" % i for i in range(21, 31)]
    n1 = {"192.0.2.21", "192.0.2.24", "192.0.2.25", "192.0.2.26"}
    for states, allowed, count in [({}, set(all_v), 8),
                                   ({"n1": False}, set(all_v) - n1, 6),
                                   ({"n1": False, "n2": False, "n3": False},
                                    {"192.0.2.27", "192.0.2.28", "192.0.2.29", "192.0.2.30"}, 4)]:
        with Server(work, "multivalue", PORT0 + 8, states) as s:
            seen, orders = set(), set()
            for i in range(200):
                r = s.ask("pool.multivalue.example", "A")
                a = addrs(r)
                expect(len(a) == count and len(set(a)) == len(a) and set(a) <= allowed,
                       "multivalue %s: %d distinct healthy values, got %s" % (states, count, a))
                seen |= set(a)
                orders.add(tuple(a))
            expect(seen == allowed, "multivalue %s: every healthy value appears: %s" % (states, seen))
            expect(len(orders) > 20, "multivalue %s: answers are shuffled (%d orders)" % (states, len(orders)))


def binomial_ok(k, n, p, z=3.2905):
    """k successes of n within the two-sided 99.9% normal bound of Binomial(n, p)."""
    sd = math.sqrt(n * p * (1 - p))
    return abs(k - n * p) <= z * sd + 0.5


def t_weighted(work, nq):
    for states, probs in [({}, {"192.0.2.10": .7, "192.0.2.11": .2, "192.0.2.12": .1}),
                          ({"blue": False}, {"192.0.2.11": 2 / 3, "192.0.2.12": 1 / 3}),
                          ({"blue": False, "green": False, "old": False}, {"192.0.2.99": 1.0})]:
        with Server(work, "weighted", PORT0 + 10, states) as s:
            n = nq if len(probs) > 1 else 200
            counts = {}
            for i in range(n):
                a = addrs(s.ask("www.weighted.example", "A"))
                expect(len(a) == 1, "weighted: one value per answer")
                counts[a[0]] = counts.get(a[0], 0) + 1
            expect(set(counts) <= set(probs), "weighted %s: only %s, got %s" % (states, list(probs), counts))
            for v, p in probs.items():
                k = counts.get(v, 0)
                expect(binomial_ok(k, n, p), "weighted %s: %s %d/%d, expected p=%.3f (99.9%% bound)"
                       % (states, v, k, n, p))
            print("  weighted %s: %s of %d" % (states or "all up", counts, n), flush=True)


def t_nested(work):
    def dist(states, client, n=400):
        with Server(work, "nested", PORT0 + 11, states) as s:
            c = {}
            for i in range(n):
                a = addrs(s.ask("app.nested.example", "A", client))
                c[a[0] if len(a) == 1 else str(a)] = c.get(a[0] if len(a) == 1 else str(a), 0) + 1
            return c
    eu = "3.0.0.5/24"
    c = dist({}, eu)
    expect(set(c) == {"198.51.100.10", "198.51.100.11"}, "nested EU all up: 50/50 weighted: %s" % c)
    c = dist({"eu-a": False}, eu)
    expect(set(c) == {"198.51.100.11"}, "nested EU, eu-a down: weighted skips it: %s" % c)
    c = dist({"eu-a": False, "eu-b": False}, eu)
    expect(set(c) == {"192.0.2.10"}, "nested EU both down: failover to the secondary: %s" % c)
    c = dist({"eu-a": False, "eu-b": False, "us-a": False}, eu)
    expect(set(c) == {"192.0.2.11"},
           "nested EU branch all down: geo climbs to default, whose weighted skips us-a: %s" % c)
    c = dist({"eu-a": False, "eu-b": False, "us-a": False, "us-b": False}, eu)
    expect(set(c) == {"203.0.113.9"}, "nested everything down: default's secondary: %s" % c)
    c = dist({}, "1.0.1.5/24")
    expect(set(c) == {"192.0.2.10", "192.0.2.11"} and c["192.0.2.10"] > c["192.0.2.11"],
           "nested default branch: 80/20: %s" % c)
    c = dist({"us-a": False, "us-b": False}, "1.0.1.5/24")
    expect(set(c) == {"203.0.113.9"}, "nested default branch down: secondary: %s" % c)


def t_alias(work):
    for states, want in [({"site-a": True}, "192.0.2.10"), ({"site-a": False}, "203.0.113.10")]:
        with Server(work, "alias", PORT0 + 12, states) as s:
            r = dig(s.port, "alias.example", "A")
            expect(r["answer"] == [("alias.example.", 60, "A", want)] and r["aa"],
                   "alias at the apex %s: want alias.example. 60 A %s, got %s" % (states, want, r["answer"]))
            r = dig(s.port, "alias.example", "MX")
            expect(addrs(r) == ["10 mail.alias.example."], "apex MX beside the alias: %s" % addrs(r))
            r = dig(s.port, "alias.example", "AAAA")
            expect(r["rcode"] == "NOERROR" and r["answer"] == [], "apex AAAA: NODATA: %s" % r)


# ---------------------------------------------------------------- part 2

CLIENT_BASES = ["1.0.0.0/24", "1.0.1.0/24", "1.0.2.0/23", "1.0.4.0/24", "2.0.0.0/24", "2.0.1.0/24",
                "3.0.0.0/24", "3.0.1.0/24", "3.0.2.0/24", "3.0.3.0/24", "4.0.0.0/24", "4.0.1.0/24",
                "5.0.0.0/24", "10.0.0.0/8", "10.20.0.0/16", "192.0.2.0/24", "0.0.0.0/0",
                "2001:db8:1::/48", "2001:db8:2::/48", "2001:db8:100::/48", "::/0"]


def random_client(rng):
    if rng.random() < 0.05:
        return "127.0.0.1"  # no ECS: the packet source, as a resolver without ECS
    net = ipaddress.ip_network(rng.choice(CLIENT_BASES))
    a = int(net.network_address) + rng.randrange(net.num_addresses)
    ip = ipaddress.ip_address(a)
    if ip.version == 4:
        plen = rng.choice([32, 32, 24, 24, 24, 16, 20, 8, 28, rng.randrange(0, 33)])
    else:
        plen = rng.choice([128, 64, 56, 48, 48, 32, rng.randrange(0, 129)])
    return "%s/%d" % (ip, plen)


def compare_one(work, zonec, example, port, client, states, seed, name, qtype):
    cmd = [zonec, "query", os.path.join(EX, example + ".zpl"), name, qtype, "--client", client,
           "--seed", str(seed)]
    for k, up in states.items():
        cmd += ["--up" if up else "--down", k]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        return "zonec query failed: %s: %s" % (" ".join(cmd), out.stderr.strip())
    want = dnsq.parse_zonec(out.stdout)
    with Server(work, example, port, states, seed) as s:
        got = s.ask(name, qtype, None if "/" not in client else client)
    if got != want:
        return "%s %s %s client %s states %s seed %d:\n  zonec query: %s\n  server:      %s" % (
            example, name, qtype, client, states, seed, want, got)
    return None


def t_compare(work, zonec, ntriples, seed):
    rng = random.Random(seed)
    jobs = []
    for example, (checks, names) in EXAMPLES.items():
        for i in range(ntriples):
            states = {c: rng.random() < 0.6 for c in checks}
            name, qtype = names[i % len(names)]
            jobs.append((example, random_client(rng), states, rng.randrange(2 ** 32), name, qtype))
    ports = list(range(PORT0 + 13, PORT0 + 20))
    t0 = time.time()
    bad = 0
    with cf.ThreadPoolExecutor(max_workers=len(ports)) as ex:
        futs = []
        for k, (example, client, states, sd, name, qtype) in enumerate(jobs):
            futs.append(ex.submit(compare_one, work, zonec, example, ports[k % len(ports)], client,
                                  states, sd, name, qtype))
            if len(futs) >= len(ports):
                # keep one job per port in flight: ports are not shared
                for f in futs:
                    r = f.result()
                    expect(r is None, r or "")
                    bad += r is not None
                futs = []
        for f in futs:
            r = f.result()
            expect(r is None, r or "")
            bad += r is not None
    print("  compared %d triples (%d examples x %d): %d differ, %.1fs"
          % (len(jobs), len(EXAMPLES), ntriples, bad, time.time() - t0), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zonec", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--triples", type=int, default=1000)
    ap.add_argument("--weighted", type=int, default=12000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    tests = [("geo", lambda: t_geo(a.work)), ("cidr", lambda: t_cidr(a.work)),
             ("latency", lambda: t_latency(a.work)), ("proximity", lambda: t_proximity(a.work)),
             ("failover", lambda: t_failover(a.work)), ("multivalue", lambda: t_multivalue(a.work)),
             ("weighted", lambda: t_weighted(a.work, a.weighted)), ("nested", lambda: t_nested(a.work)),
             ("alias", lambda: t_alias(a.work)),
             ("compare", lambda: t_compare(a.work, a.zonec, a.triples, a.seed))]
    for name, fn in tests:
        if a.only and name not in a.only.split(","):
            continue
        t0 = time.time()
        before = len(failures)
        fn()
        print("%-10s %s (%.1fs)" % (name, "ok" if len(failures) == before else "FAILED", time.time() - t0),
              flush=True)
    print("policy: %d checks, %d failed" % (checks_run, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
