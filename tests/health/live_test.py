#!/usr/bin/env python3
"""Live-binary health tests (issue 5, must-show 1 and 5): a ZPL zone whose
checks point at real loopback backends is compiled with `zonec build`, the
server runs with --http, and its DNS answers are watched while the backends
are stopped, restarted and switched:

  backend                      check              records that use it
  python HTTP  127.0.0.1:5561  web1  http /health fo (failover), mv (multivalue)
  openssl s_server -www :5562  tls1  https        fotls (failover)
  python TCP   127.0.0.1:5563  tcp1  tcp          w (weighted), mv, geo (US)
  python HTTP  127.0.0.1:5564  web2  http /health w, mv, geo (continent NA)

Every check: interval 1s timeout 1s fall 2 rise 2, so an answer must move
away from a dead endpoint within 1*2+1+1 = 4 s and back within 4 s, and
after that bound NOT ONE answer may name the dead endpoint (resp. lack the
revived one). The client is 127.0.0.1, placed in US by the compiled-in geo
data, so `geo` climbs from country US to continent NA when tcp1 dies.
/health must be valid JSON naming the same states, /metrics must pass the
strict text-format reader of health_test.py (and promtool when present).

usage: live_test.py ZONEC WORKDIR      (ports 5560-5599 only; < 90 s)
LIVE_SERVER_ARGS adds server flags: LIVE_SERVER_ARGS=--no-probes must fail
(the answers then never move), which shows the test can fail.
"""
import json
import os
import random
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "policy"))
import dnsq  # noqa: E402  (tests/policy/dnsq.py: stdlib DNS client)
from backends import HOST, Listener, Tls, check, failures, h_tcp, read_request  # noqa: E402
from health_test import check_prom, parse_prom, PROM_FAMILIES  # noqa: E402  (the text-format readers)

ZONEC, WORK = sys.argv[1], sys.argv[2]
P_DNS, P_WEB1, P_TLS, P_TCP, P_WEB2, P_HTTP = 5560, 5561, 5562, 5563, 5564, 5598
IV, TMO, FALL, RISE = 1, 1, 2, 2
DOWN_BOUND = IV * FALL + TMO + 1
UP_BOUND = IV * RISE + TMO + 1


# --- backends (and backends.py) -----------------------------------------------

class Web:
    """HTTP backend answering /health with a switchable status."""

    def __init__(self, port):
        self.status = 200
        self.listener = Listener(port, self.handle, close=True)

    def handle(self, c):
        req = read_request(c)
        if "\r\n\r\n" not in req:
            return
        path = req.split(" ")[1] if req.count(" ") >= 2 else "/"
        status = self.status if path == "/health" else 404
        body = b"OK\n" if status == 200 else b"no\n"
        c.sendall(b"HTTP/1.1 %d X\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
                  % (status, len(body)) + body)


# --- the zone ----------------------------------------------------------------

T = "interval %ds timeout %ds fall %d rise %d" % (IV, TMO, FALL, RISE)
ZPL = """
geodata "geo.csv";
check web1 http 127.0.0.1:%(web1)d path "/health" %(t)s;
check tls1 https 127.0.0.1:%(tls)d host "tls.live.test" path "/" %(t)s;
check tcp1 tcp 127.0.0.1:%(tcp)d %(t)s;
check web2 http 127.0.0.1:%(web2)d path "/health" %(t)s;

zone live.test {
    ttl 300;
    soa ns1 hostmaster serial 1 refresh 2h retry 1h expire 14d minimum 5m;
    ns ns1;
    records {
        ns1 A 192.0.2.53
    }
    fo A ttl 1 failover {
        primary 192.0.2.1 check web1;
        secondary 192.0.2.2;
    }
    fotls A ttl 1 failover {
        primary 192.0.2.11 check tls1;
        secondary 192.0.2.12;
    }
    w A ttl 1 weighted {
        50 -> 192.0.2.21 check tcp1;
        50 -> 192.0.2.22 check web2;
    }
    mv A ttl 1 multivalue {
        192.0.2.31 check web1;
        192.0.2.32 check web2;
        192.0.2.33;
    }
    geo A ttl 1 geo {
        country US   -> 192.0.2.41 check tcp1;
        continent NA -> 192.0.2.42 check web2;
        default      -> 192.0.2.49;
    }
}
""" % {"web1": P_WEB1, "tls": P_TLS, "tcp": P_TCP, "web2": P_WEB2, "t": T}

# 127.0.0.0/8 is in the US: the test client (127.0.0.1) gets the US answer
GEO = "127.0.0.0,127.255.255.255,US\n"

NAMES = ["fo", "fotls", "w", "mv", "geo"]


CLIENT = None


def answers(name):
    """The set of A addresses the live server gives for NAME.live.test
    (None when it does not answer)."""
    global CLIENT
    if CLIENT is None:
        CLIENT = dnsq.Client(P_DNS, timeout=0.5)
    try:
        r = CLIENT.ask(name + ".live.test", "A")
    except TimeoutError:
        return None
    return frozenset(rr[3] for rr in r["answer"] if rr[2] == "A")


def watch(seconds, t0):
    """Queries every name about every 50 ms for `seconds`; returns
    {name: [(time since t0, answer set)]}."""
    obs = {n: [] for n in NAMES}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for n in NAMES:
            a = answers(n)
            if a is not None:
                obs[n].append((time.monotonic() - t0, a))
        time.sleep(0.05)
    return obs


def judge(obs, name, bad, bound, what, need_after=None):
    """bad(answer) is True for an answer that must not be given after
    `bound`. Checks: some answer before the bound or not, no bad answer after
    it, and (need_after) every answer after it satisfies need_after."""
    series = obs[name]
    after = [a for t, a in series if t > bound]
    last_bad = max([t for t, a in series if bad(a)], default=None)
    check(len(after) >= 10, "%s: %d answers after the %.1f s bound" % (what, len(after), bound))
    n_bad = sum(1 for a in after if bad(a))
    check(n_bad == 0, "%s: switched after %s s (bound %.1f s); %d of %d later answers wrong%s" %
          (what, "%.2f" % last_bad if last_bad is not None else "0", bound, n_bad, len(after),
           "" if n_bad == 0 else ": " + str(sorted(set(tuple(sorted(a)) for a in after
                                                        if bad(a))))))
    if need_after:
        check(any(need_after(a) for a in after), "%s: the expected answer is given" % what)


def judge_back(obs, name, value, bound, what):
    """A weighted value that came back: first given within `bound`, and about
    half of the answers after the bound (50/50 weights; 25..75 %)."""
    series = obs[name]
    first = min([t for t, a in series if value in a], default=None)
    check(first is not None and first <= bound, "%s: %s first given after %s s (bound %.1f s)" %
          (what, value, "never" if first is None else "%.2f" % first, bound))
    after = [a for t, a in series if t > bound]
    share = sum(1 for a in after if a == {value}) / max(1, len(after))
    check(len(after) >= 10 and 0.25 <= share <= 0.75 and all(len(a) == 1 for a in after),
          "%s: %.0f %% of %d later answers are %s" % (what, 100 * share, len(after), value))


def get(path):
    with urllib.request.urlopen("http://%s:%d%s" % (HOST, P_HTTP, path), timeout=3) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def health_states():
    _, _, body = get("/health")
    return {c["name"]: c for c in json.loads(body)["checks"]}


def check_endpoint(expect_down):
    st, ctype, body = get("/health")
    try:
        doc = json.loads(body)
        ok = isinstance(doc.get("checks"), list)
    except ValueError:
        doc, ok = None, False
    check(st == 200 and "json" in (ctype or "") and ok, "/health is valid JSON (%s)" % ctype)
    if ok:
        states = {c["name"]: c["state"] for c in doc["checks"]}
        want = {n: ("down" if n in expect_down else "up") for n in ("web1", "tls1", "tcp1", "web2")}
        check(all(states.get(k) == v for k, v in want.items()),
              "/health states %s match %s" % (states, want))
        check(all("since" in c and "last_result" in c for c in doc["checks"]),
              "/health has since and last_result for every check")
    st, ctype, body = get("/metrics")
    errs = check_prom(body)
    check(st == 200 and not errs, "/metrics passes the strict text-format reader%s" %
          ("" if not errs else ": " + "; ".join(errs[:5])))
    errs = parse_prom(body, PROM_FAMILIES)
    check(st == 200 and not errs, "/metrics parses with prometheus_client%s" %
          ("" if not errs else ": " + "; ".join(errs[:5])))
    for fam in ("zonec_queries_total{zone=\"live.test.\",qtype=\"A\",rcode=\"NOERROR\"}",
                "zonec_policy_decisions_total{rule=\"fo.live.test./A\"}",
                "zonec_check_up{check=\"web1\"}", "zonec_check_transitions_total{check=\"tls1\"}"):
        check(fam in body, "/metrics has %s" % fam)
    if any(os.access(os.path.join(d, "promtool"), os.X_OK)
           for d in os.environ.get("PATH", "").split(":")):
        r = subprocess.run(["promtool", "check", "metrics"], input=body, text=True,
                           capture_output=True)
        check(r.returncode == 0, "promtool check metrics: %s" % (r.stdout + r.stderr).strip())


def main():
    os.makedirs(WORK, exist_ok=True)
    with open(os.path.join(WORK, "live.zpl"), "w") as f:
        f.write(ZPL)
    with open(os.path.join(WORK, "geo.csv"), "w") as f:
        f.write(GEO)
    srv_bin = os.path.join(WORK, "live-server")
    r = subprocess.run([ZONEC, "build", os.path.join(WORK, "live.zpl"), "-o", srv_bin],
                       capture_output=True, text=True)
    check(r.returncode == 0 and r.stderr == "", "zonec build: rc %d, stderr %r" %
          (r.returncode, r.stderr[-500:]))
    if r.returncode != 0:
        return
    # zonec query with --down agrees with what the live server will do
    q = subprocess.run([ZONEC, "query", os.path.join(WORK, "live.zpl"), "fo.live.test", "A",
                        "--down", "web1"], capture_output=True, text=True)
    check("192.0.2.2" in q.stdout and "192.0.2.1\n" not in q.stdout,
          "zonec query --down web1 answers the secondary")

    web1, web2 = Web(P_WEB1), Web(P_WEB2)
    tcp1 = Listener(P_TCP, h_tcp)
    tls1 = Tls(P_TLS, WORK, "tls.live.test")
    log = open(os.path.join(WORK, "live-server.log"), "w")
    srv = subprocess.Popen([srv_bin, "--listen", "%s:%d" % (HOST, P_DNS), "--http",
                            "%s:%d" % (HOST, P_HTTP), "--rrl", "0", "--threads", "2"] +
                           os.environ.get("LIVE_SERVER_ARGS", "").split(),
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if answers("fo") is not None:
                break
            time.sleep(0.05)
        # phase 0: everything healthy (gives probes time to pass once)
        time.sleep(1.5)
        t0 = time.monotonic()
        obs = watch(2.0, t0)
        check(all(a == {"192.0.2.1"} for _, a in obs["fo"]), "fo: healthy primary answered")
        check(all(a == {"192.0.2.11"} for _, a in obs["fotls"]), "fotls: healthy https primary answered")
        check(set().union(*[a for _, a in obs["w"]]) == {"192.0.2.21", "192.0.2.22"},
              "w: both weighted values answered while healthy")
        check(all(a == {"192.0.2.31", "192.0.2.32", "192.0.2.33"} for _, a in obs["mv"]),
              "mv: all three values while healthy")
        check(all(a == {"192.0.2.41"} for _, a in obs["geo"]), "geo: country answer while healthy")
        check_endpoint(())

        # phase 1: web1, tls1, tcp1 die (connection refused)
        web1.listener.stop()
        tls1.stop()
        tcp1.stop()
        t0 = time.monotonic()
        obs = watch(DOWN_BOUND + 3.0, t0)
        judge(obs, "fo", lambda a: a != {"192.0.2.2"}, DOWN_BOUND, "failover (http dead)")
        judge(obs, "fotls", lambda a: a != {"192.0.2.12"}, DOWN_BOUND, "failover (https dead)")
        judge(obs, "w", lambda a: a != {"192.0.2.22"}, DOWN_BOUND, "weighted (tcp dead)")
        judge(obs, "mv", lambda a: "192.0.2.31" in a or not a, DOWN_BOUND,
              "multivalue (http dead)", lambda a: a == {"192.0.2.32", "192.0.2.33"})
        judge(obs, "geo", lambda a: a != {"192.0.2.42"}, DOWN_BOUND, "geo fallback (tcp dead)")
        check_endpoint(("web1", "tls1", "tcp1"))

        # phase 2: they come back
        web1.listener.start()
        tls1.start()
        tcp1.start()
        t0 = time.monotonic()
        obs = watch(UP_BOUND + 3.0, t0)
        judge(obs, "fo", lambda a: a != {"192.0.2.1"}, UP_BOUND, "failover (http back)")
        judge(obs, "fotls", lambda a: a != {"192.0.2.11"}, UP_BOUND, "failover (https back)")
        judge_back(obs, "w", "192.0.2.21", UP_BOUND, "weighted (tcp back)")
        judge(obs, "mv", lambda a: a != {"192.0.2.31", "192.0.2.32", "192.0.2.33"}, UP_BOUND,
              "multivalue (http back)")
        judge(obs, "geo", lambda a: a != {"192.0.2.41"}, UP_BOUND, "geo (tcp back)")

        # phase 3: web2 answers 503 (alive, wrong status): weighted and geo move
        web2.status = 503
        t0 = time.monotonic()
        obs = watch(DOWN_BOUND + 2.0, t0)
        judge(obs, "w", lambda a: a != {"192.0.2.21"}, DOWN_BOUND, "weighted (http 503)")
        judge(obs, "mv", lambda a: "192.0.2.32" in a or not a, DOWN_BOUND, "multivalue (http 503)")
        web2.status = 200
        t0 = time.monotonic()
        obs = watch(UP_BOUND + 2.0, t0)
        judge(obs, "mv", lambda a: "192.0.2.32" not in a, UP_BOUND, "multivalue (http 200 again)")
        judge_back(obs, "w", "192.0.2.22", UP_BOUND, "weighted (http 200 again)")
        check_endpoint(())
    finally:
        srv.terminate()
        try:
            rc = srv.wait(5)
        except subprocess.TimeoutExpired:
            srv.kill()
            rc = srv.wait(5)
        tls1.stop()
        log.close()
    check(rc == 0, "server exits 0 on SIGTERM (rc %s)" % rc)
    text = open(os.path.join(WORK, "live-server.log")).read()
    for c in ("web1", "tls1", "tcp1"):
        check("%s up -> down" % c in text and "%s down -> up" % c in text,
              "transition lines logged for %s" % c)
    print("live: %d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    random.seed(1)
    main()
