#!/usr/bin/env python3
"""End-to-end tests of the zonec prober (runtime/health.c) and the --http
endpoint, driven through tests/health/probe-driver. Every backend is a real
loopback server run from this process (threads), or `openssl s_server -www`.

Bounds asserted (SPEC/issue 5): a check goes down within
interval*fall + timeout + 1 s of its backend breaking, and up again within
interval*rise + timeout + 1 s of it healing.

HTTP keep-alive (runtime/health.c): a check at an interval under 10 s reuses
its connection for at most 10 probes when the backend allows it. Asserted:
reuse happens and is bounded (http and https); latencies stay exact (most
loopback answers within 5 ms although plain-http answers may be taken on
the prober's 10 ms grid); a kept-alive backend process killed while the
connection is open goes down within the usual bound; a backend that stops
accepting new connections but keeps serving the old one goes down within
10 probes + the usual bound; backends that close kept connections (idle, or
on the next request without answering) cause no failed probe; `Connection:
close` backends (the Web backend) get one request per connection.
"""
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backends import HOST, Listener, Tls, check, failures, h_tcp, read_request  # noqa: E402

DRV = sys.argv[1]
P_HTTP, P_TCP, P_SILENT, P_GARBAGE, P_ENDLESS, P_RESET, P_TLS = 5431, 5433, 5434, 5435, 5436, 5437, 5438
P_KA, P_KA_KILL, P_KA_CLOSE, P_KA_TLS = 5430, 5432, 5439, 5640   # keep-alive backends
KEEP_MAX_PROBES = 10                                # runtime/health.c
P_ENDPOINT = 5490
IV, TMO, FALL, RISE = 300, 400, 2, 2
DOWN_BOUND = IV * FALL / 1000 + TMO / 1000 + 1
UP_BOUND = IV * RISE / 1000 + TMO / 1000 + 1


# --- backends (and backends.py) ------------------------------------------------

class Web:
    """Switchable HTTP backend: per path a (status, body, chunked) answer."""

    def __init__(self):
        self.answers = {"/health": (200, "all OK here", False), "/maintenance": (404, "no", False)}
        self.requests = []

    def handle(self, c):
        req = read_request(c)
        self.requests.append(req)
        path = req.split(" ")[1] if " " in req else "/"
        status, body, chunked = self.answers.get(path, (404, "not found", False))
        body = body.encode()
        head = "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nConnection: close\r\n" % status
        if chunked:
            out = head.encode() + b"Transfer-Encoding: chunked\r\n\r\n"
            for i in range(0, len(body), 3):
                part = body[i:i + 3]
                out += b"%x\r\n" % len(part) + part + b"\r\n"
            out += b"0\r\n\r\n"
        else:
            out = head.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body
        c.sendall(out)
        c.close()


class KeepAlive:
    """HTTP/1.1 backend that keeps connections open; counts requests per
    connection. mode "idle": closes a connection 50 ms after each answer
    (a keep-alive timeout shorter than the interval); "second": closes a
    connection, unanswered, when its second request arrives."""

    def __init__(self, mode=None):
        self.mode, self.per_conn = mode, []

    def handle(self, c):
        k = len(self.per_conn)
        self.per_conn.append(0)
        buf = b""
        c.settimeout(30)
        while True:
            while b"\r\n\r\n" not in buf:
                if self.mode == "idle" and self.per_conn[k]:
                    c.settimeout(0.05)
                try:
                    b = c.recv(4096)
                except socket.timeout:
                    b = b""
                if not b:
                    c.close()
                    return
                buf += b
            _, buf = buf.split(b"\r\n\r\n", 1)
            self.per_conn[k] += 1
            if self.mode == "second" and self.per_conn[k] == 2:
                c.close()
                return
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nalive OK")


# the same backend as a process of its own, to be killed
KA_PROCESS = r'''
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "8")
        self.end_headers()
        self.wfile.write(b"alive OK")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer.handle_error = lambda *a: None   # resets at reconnects
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
'''


def start_ka_process():
    p = subprocess.Popen([sys.executable, "-c", KA_PROCESS, str(P_KA_KILL)])
    for _ in range(50):
        try:
            socket.create_connection((HOST, P_KA_KILL), 0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return p


def client_conns(port):
    """Local ports of established IPv4 connections to HOST:port (/proc/net/tcp)."""
    out = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        if f[2] == "0100007F:%04X" % port and f[3] == "01":
            out.add(f[1])
    return out


def probes_failed(name):
    _, _, body = get("/metrics")
    m = re.search(r'^zonec_probes_total\{check="%s",result="fail"\} (\d+)$' % re.escape(name), body, re.M)
    return int(m.group(1)) if m else -1


def h_silent(c):
    time.sleep(30)        # accepts, never answers


def h_garbage(c):
    read_request(c)
    c.sendall(b"\x00\x01garbage that is not HTTP\r\n\r\n")
    c.close()


def h_endless(c):
    read_request(c)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    chunk = b"x" * 65536
    c.settimeout(5)
    sent = 0
    while sent < 512 * 1024 * 1024:     # far more than the prober may keep
        c.sendall(chunk)
        sent += len(chunk)


def h_reset(c):
    read_request(c)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()


# --- the endpoint ----------------------------------------------------------

def get(path, timeout=3):
    with urllib.request.urlopen("http://%s:%d%s" % (HOST, P_ENDPOINT, path), timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def states():
    _, ctype, body = get("/health")
    doc = json.loads(body)
    return {c["name"]: c for c in doc["checks"]}


def wait_state(name, want, bound, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < bound + 3:
        st = states()[name]
        if st["state"] == want:
            el = time.monotonic() - t0
            check(el <= bound, "%s: %s %s after %.2f s (bound %.2f s)" % (what, name, want, el, bound))
            return st
        time.sleep(0.05)
    check(False, "%s: %s never became %s within %.2f s" % (what, name, want, bound + 3))
    return states()[name]


PROM_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
PROM_SAMPLE = re.compile(r"^(%s)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\n]|\\[\\\"n])*\",?)*)\})? "
                         r"(NaN|[+-]?Inf|[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)$" % PROM_NAME)


def check_prom(text):
    """A strict reader of the Prometheus text format 0.0.4: HELP/TYPE before
    samples, families contiguous, no duplicate series, histograms cumulative
    with +Inf == _count. Returns a list of problems."""
    errs, types, seen, done_fam, cur = [], {}, set(), set(), None
    hist = {}
    if not text.endswith("\n"):
        errs.append("no final newline")
    for ln, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % PROM_NAME, line)
            if not m:
                errs.append("%d: bad comment" % ln)
                continue
            if m.group(1) == "TYPE":
                if m.group(3) not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    errs.append("%d: bad type" % ln)
                if m.group(2) in types:
                    errs.append("%d: second TYPE for %s" % (ln, m.group(2)))
                types[m.group(2)] = m.group(3)
            if cur and m.group(2) != cur:
                done_fam.add(cur)
            if m.group(2) in done_fam:
                errs.append("%d: family %s not contiguous" % (ln, m.group(2)))
            cur = m.group(2)
            continue
        m = PROM_SAMPLE.match(line)
        if not m:
            errs.append("%d: bad sample %r" % (ln, line))
            continue
        name, labels = m.group(1), m.group(3) or ""
        fam = re.sub(r"_(bucket|sum|count)$", "", name) if re.sub(r"_(bucket|sum|count)$", "", name) in types else name
        if fam not in types:
            errs.append("%d: sample before TYPE: %s" % (ln, name))
        if fam != cur:
            errs.append("%d: sample of %s inside family %s" % (ln, fam, cur))
        if (name, labels) in seen:
            errs.append("%d: duplicate series" % ln)
        seen.add((name, labels))
        if types.get(fam) == "counter" and float(m.group(4)) < 0:
            errs.append("%d: negative counter" % ln)
        if types.get(fam) == "histogram":
            base = re.sub(r',?le="[^"]*"', "", labels)
            hh = hist.setdefault((fam, base), {"b": [], "count": None})
            if name.endswith("_bucket"):
                hh["b"].append(float(m.group(4)))
            elif name.endswith("_count"):
                hh["count"] = float(m.group(4))
    for k, hh in hist.items():
        if hh["b"] != sorted(hh["b"]) or not hh["b"] or hh["b"][-1] != hh["count"]:
            errs.append("histogram %s not cumulative or +Inf != count" % (k,))
    return errs


def parse_prom(text, want):
    """Parses text with the Prometheus client library's text-format parser
    (Debian python3-prometheus-client; pyenv interpreters do not see
    dist-packages, so it is added to the path). want: {family: type}; each
    must be present with that type and at least one sample. Returns a list
    of problems (a missing library is one: this is must-show 5)."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            return ["prometheus_client is missing (apt-get install python3-prometheus-client)"]
    try:
        fams = {f.name: f for f in text_string_to_metric_families(text)}
    except Exception as e:  # the parser raises ValueError (and others) on bad input
        return ["prometheus_client parser: %s: %s" % (type(e).__name__, e)]
    errs = []
    for name, typ in want.items():
        f = fams.get(name)
        if f is None:
            errs.append("prometheus_client: no family %s" % name)
        elif f.type != typ or not f.samples:
            errs.append("prometheus_client: %s is %s with %d samples, want %s" % (name, f.type, len(f.samples), typ))
    nsamples = sum(len(f.samples) for f in fams.values())
    nlines = sum(1 for ln in text.split("\n") if ln and not ln.startswith("#"))
    if nsamples != nlines:
        errs.append("prometheus_client read %d samples from %d sample lines" % (nsamples, nlines))
    return errs


# families the endpoint always has (parser names: counters without _total)
PROM_FAMILIES = {"zonec_check_up": "gauge", "zonec_check_transitions": "counter",
                 "zonec_probes": "counter", "zonec_probe_latency_seconds": "histogram",
                 "zonec_queries": "counter", "zonec_policy_decisions": "counter"}


def main():
    tmp = tempfile.mkdtemp(prefix="zonec-health-")
    web = Web()
    backends = {
        "http": Listener(P_HTTP, web.handle),
        "tcp": Listener(P_TCP, h_tcp),
        "tcp6": Listener(P_TCP, h_tcp, "::1"),
        "silent": Listener(P_SILENT, h_silent),
        "garbage": Listener(P_GARBAGE, h_garbage),
        "endless": Listener(P_ENDLESS, h_endless),
        "reset": Listener(P_RESET, h_reset),
    }
    ka, ka_idle, ka_second = KeepAlive(), KeepAlive("idle"), KeepAlive("second")
    backends["ka"] = Listener(P_KA, ka.handle)
    backends["ka_close"] = Listener(P_KA_CLOSE, ka_idle.handle)
    ka_proc = start_ka_process()
    tls = Tls(P_TLS, tmp)
    ka_tls = KeepAlive()
    tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_ctx.load_cert_chain(tls.crt, tls.key)
    backends["ka_tls"] = Listener(P_KA_TLS, lambda c: ka_tls.handle(tls_ctx.wrap_socket(c, server_side=True)))
    t = "interval=%d,timeout=%d,fall=%d,rise=%d" % (IV, TMO, FALL, RISE)
    checks = [
        "name=web,kind=http,addr=127.0.0.1,port=%d,path=/health,host=www.example.test,contains=OK,%s" % (P_HTTP, t),
        "name=exp,kind=http,addr=127.0.0.1,port=%d,path=/health,expect=200-200,%s" % (P_HTTP, t),
        "name=drain,kind=http,addr=127.0.0.1,port=%d,path=/maintenance,inverted,%s" % (P_HTTP, t),
        "name=db,kind=tcp,addr=127.0.0.1,port=%d,%s" % (P_TCP, t),
        "name=db6,kind=tcp,addr=::1,port=%d,%s" % (P_TCP, t),
        "name=silent,kind=http,addr=127.0.0.1,port=%d,%s" % (P_SILENT, t),
        "name=garbage,kind=http,addr=127.0.0.1,port=%d,%s" % (P_GARBAGE, t),
        "name=endless,kind=http,addr=127.0.0.1,port=%d,contains=NEVER,%s" % (P_ENDLESS, t),
        "name=endless-ok,kind=http,addr=127.0.0.1,port=%d,%s" % (P_ENDLESS, t),
        "name=reset,kind=http,addr=127.0.0.1,port=%d,%s" % (P_RESET, t),
        "name=tls,kind=https,addr=127.0.0.1,port=%d,host=tls.example.test,contains=Ciphers,%s" % (P_TLS, t),
        "name=pinned,kind=tcp,addr=127.0.0.1,port=%d,%s" % (P_TCP, t),
        "name=ka,kind=http,addr=127.0.0.1,port=%d,contains=alive,%s" % (P_KA, t),
        "name=kakill,kind=http,addr=127.0.0.1,port=%d,contains=alive,%s" % (P_KA_KILL, t),
        "name=kaclose,kind=http,addr=127.0.0.1,port=%d,contains=alive,%s" % (P_KA_CLOSE, t),
        "name=katls,kind=https,addr=127.0.0.1,port=%d,host=tls.example.test,contains=alive,%s" % (P_KA_TLS, t),
        "name=site,kind=calculated,children=web+db,atleast=1",
        "name=both,kind=calculated,children=web+db",
        "name=top,kind=calculated,children=site+drain,atleast=2",
    ]
    drv = subprocess.Popen([DRV, "--http", "%s:%d" % (HOST, P_ENDPOINT), "--check-state", "pinned=down",
                            "--fake-queries", "5", "--duration", "100"] + checks,
                           stderr=subprocess.PIPE, text=True)
    log = []
    threading.Thread(target=lambda: log.extend(drv.stderr), daemon=True).start()
    try:
        for _ in range(50):
            try:
                states()
                break
            except OSError:
                time.sleep(0.1)
        s0 = states()
        check(s0["drain"]["state"] == "down", "inverted check starts down")
        check(s0["pinned"]["pinned"] is True and s0["pinned"]["state"] == "down", "pin holds the check down")

        # steady state
        for n, want in [("web", "up"), ("exp", "up"), ("db", "up"), ("db6", "up"), ("tls", "up"),
                        ("endless-ok", "up"), ("drain", "up"), ("top", "up")]:
            wait_state(n, want, UP_BOUND + 1, "start")
        for n in ["silent", "garbage", "endless", "reset"]:
            st = wait_state(n, "down", DOWN_BOUND + 1, "hostile backend")
        s = states()
        check("timeout after" in s["silent"]["reason"], "silent backend: reason timeout (%s)" % s["silent"]["reason"])
        check("malformed status line" in s["garbage"]["reason"], "garbage: reason (%s)" % s["garbage"]["reason"])
        check('body lacks "NEVER"' in s["endless"]["reason"], "endless body: reason (%s)" % s["endless"]["reason"])
        check("reset" in s["reset"]["reason"], "reset: reason (%s)" % s["reset"]["reason"])
        check(s["pinned"]["state"] == "down" and s["pinned"]["probes"] == 0, "pinned check never probed")
        check(s["site"]["state"] == "up" and s["both"]["state"] == "up", "calculated up at start")
        reqs = [r for r in web.requests if r.startswith("GET /health ")]
        check(any("\r\nHost: www.example.test\r\n" in r for r in reqs), "Host header sent")
        check(any("Host: 127.0.0.1:%d\r\n" % P_HTTP in r for r in reqs), "Host defaults to the address:port")
        check(all(r.startswith("GET /health HTTP/1.1\r\n") for r in reqs), "request line")

        # expect: 302 with OK in the body -> web (200-399) stays up, exp (200-200) goes down
        web.answers["/health"] = (302, "moved, OK", False)
        wait_state("exp", "down", DOWN_BOUND, "expect 200-200 vs 302")
        check(states()["web"]["state"] == "up", "default expect accepts 302")
        web.answers["/health"] = (200, "all OK here", False)
        wait_state("exp", "up", UP_BOUND, "expect healed")

        # contains (chunked body too)
        web.answers["/health"] = (200, "all fine here", True)
        st = wait_state("web", "down", DOWN_BOUND, "contains missing")
        check('body lacks "OK"' in st["reason"], "contains reason (%s)" % st["reason"])
        check(states()["site"]["state"] == "up" and states()["both"]["state"] == "down",
              "calculated: at-least 1 up, all down when one child is down")
        web.answers["/health"] = (200, "chunked and OK", True)
        wait_state("web", "up", UP_BOUND, "contains in a chunked body")

        # status
        web.answers["/health"] = (503, "OK but unavailable", False)
        st = wait_state("web", "down", DOWN_BOUND, "status 503")
        check("status 503" in st["reason"], "status reason (%s)" % st["reason"])
        web.answers["/health"] = (200, "all OK here", False)
        wait_state("web", "up", UP_BOUND, "status healed")

        # inverted: the maintenance page appears -> drain goes down; nested calculated follows
        web.answers["/maintenance"] = (200, "draining", False)
        wait_state("drain", "down", DOWN_BOUND, "inverted: probe passes")
        wait_state("top", "down", 0.5, "nested calculated follows its child")
        web.answers["/maintenance"] = (404, "no", False)
        wait_state("drain", "up", UP_BOUND, "inverted healed")
        wait_state("top", "up", 0.5, "nested calculated healed")

        # stop and restart servers: http (refused), tcp, tls
        backends["http"].stop()
        st = wait_state("web", "down", DOWN_BOUND, "http server stopped")
        check("refused" in st["reason"], "refused reason (%s)" % st["reason"])
        backends["tcp"].stop()
        backends["tcp6"].stop()
        wait_state("db", "down", DOWN_BOUND, "tcp listener stopped")
        wait_state("db6", "down", DOWN_BOUND, "tcp listener on ::1 stopped")
        wait_state("site", "down", 0.5, "calculated: no child up")
        wait_state("top", "down", 0.5, "nested calculated: child down")
        tls.stop()
        wait_state("tls", "down", DOWN_BOUND, "TLS server stopped")
        backends["http"].start()
        backends["tcp"].start()
        backends["tcp6"].start()
        tls.start()
        wait_state("web", "up", UP_BOUND, "http server restarted")
        wait_state("db", "up", UP_BOUND, "tcp listener restarted")
        wait_state("tls", "up", UP_BOUND, "TLS server restarted")
        wait_state("site", "up", 0.5, "calculated healed")

        # keep-alive: reuse happens, at most KEEP_MAX_PROBES probes a connection
        wait_state("ka", "up", UP_BOUND, "keep-alive backend")
        time.sleep(IV * (KEEP_MAX_PROBES + 3) / 1000)
        done = ka.per_conn[:-1]
        check(done and max(done) >= 2 and max(ka.per_conn) <= KEEP_MAX_PROBES,
              "keep-alive: requests per connection %s (2..%d)" % (ka.per_conn, KEEP_MAX_PROBES))
        # latency stays exact when the prober takes answers on its 10 ms
        # grid (the kernel's arrival stamp): most loopback answers < 5 ms
        _, _, body = get("/metrics")
        le5 = re.search(r'^zonec_probe_latency_seconds_bucket\{check="ka",le="0.005"\} (\d+)$', body, re.M)
        tot = re.search(r'^zonec_probe_latency_seconds_count\{check="ka"\} (\d+)$', body, re.M)
        check(le5 and tot and int(le5.group(1)) >= 0.7 * int(tot.group(1)),
              "keep-alive latency: %s of %s probes within 5 ms" % (le5 and le5.group(1), tot and tot.group(1)))
        done = ka_tls.per_conn[:-1]
        check(states()["katls"]["state"] == "up" and probes_failed("katls") == 0 and done
              and max(done) >= 2 and max(ka_tls.per_conn) <= KEEP_MAX_PROBES,
              "https keep-alive: requests per connection %s, %d failed" % (ka_tls.per_conn, probes_failed("katls")))
        check(len(web.requests) > 0 and all("Connection: close" not in r for r in web.requests[-5:]),
              "a check at a short interval does not ask to close")
        # a backend that closes each kept connection while idle (a short
        # keep-alive timeout), then one that closes it on the next request
        # without answering: the prober reconnects, no probe fails
        check(probes_failed("kaclose") == 0 and states()["kaclose"]["state"] == "up",
              "backend closing idle kept connections: no failed probe (%d failed)" % probes_failed("kaclose"))
        backends["ka_close"].handle = ka_second.handle
        backends["ka_close"].stop()
        backends["ka_close"].start()
        time.sleep(IV * 2 / 1000)     # a probe may have met the port closed
        f0 = probes_failed("kaclose")
        time.sleep(IV * 8 / 1000)
        check(probes_failed("kaclose") == f0 and states()["kaclose"]["state"] == "up"
              and ka_second.per_conn.count(2) >= 2,
              "backend closing kept connections on the next request: retried on a new one "
              "(%d failed, per connection %s, last: %s)" % (probes_failed("kaclose") - f0,
                                                              ka_second.per_conn[-8:],
                                                              states()["kaclose"]["reason"]))
        # the backend process dies while the prober holds a kept connection
        wait_state("kakill", "up", UP_BOUND, "keep-alive process backend")
        for _ in range(40):
            if client_conns(P_KA_KILL):
                break
            time.sleep(0.025)
        held = client_conns(P_KA_KILL)
        ka_proc.kill()
        ka_proc.wait()
        check(len(held) >= 1, "a kept-alive connection was open when the backend died")
        st = wait_state("kakill", "down", DOWN_BOUND, "keep-alive backend process killed")
        check("refused" in st["reason"], "killed keep-alive backend: reason (%s)" % st["reason"])
        ka_proc = start_ka_process()
        wait_state("kakill", "up", UP_BOUND, "keep-alive backend process restarted")
        # the backend stops accepting new connections but keeps serving the
        # kept one: noticed when the connection is renewed (<= 10 probes)
        backends["ka"].sock.shutdown(socket.SHUT_RDWR)
        backends["ka"].sock.close()
        st = wait_state("ka", "down", IV * KEEP_MAX_PROBES / 1000 + DOWN_BOUND,
                        "backend stops accepting, serves its kept connection")
        check("refused" in st["reason"], "stopped accepting: reason (%s)" % st["reason"])

        # the endpoint
        code, ctype, body = get("/metrics")
        check(code == 200 and ctype.startswith("text/plain; version=0.0.4"), "/metrics content type")
        errs = check_prom(body)
        check(not errs, "/metrics strict text-format check %s" % errs[:5])
        errs = parse_prom(body, PROM_FAMILIES)
        check(not errs, "/metrics parses with prometheus_client %s" % errs[:5])
        check(parse_prom("zonec_x{a=\"1} 3\n", {}) != [], "prometheus_client rejects a broken line")
        for fam in ["zonec_check_up", "zonec_check_transitions_total", "zonec_probe_latency_seconds_bucket",
                    "zonec_queries_total", "zonec_policy_decisions_total"]:
            check(fam in body, "/metrics has %s" % fam)
        check('zonec_queries_total{zone="zone0",qtype="A",rcode="NOERROR"} 5' in body, "query counters summed")
        check('zonec_check_up{check="pinned"} 0' in body, "check_up of a pinned check")
        if shutil.which("promtool"):
            r = subprocess.run(["promtool", "check", "metrics"], input=body, text=True, capture_output=True)
            check(r.returncode == 0, "promtool check metrics: %s" % r.stdout + r.stderr)
        code, ctype, body = get("/health")
        try:
            doc = json.loads(body)
        except ValueError as e:
            doc = {"error": str(e)}
        check(ctype == "application/json" and isinstance(doc.get("checks"), list) and doc["checks"]
              and all(isinstance(c.get("name"), str) and c.get("state") in ("up", "down") for c in doc["checks"]),
              "/health is valid JSON with every check's name and state")
        try:
            get("/nope")
            check(False, "404 for unknown paths")
        except urllib.error.HTTPError as e:
            check(e.code == 404, "404 for unknown paths")

        # hostile clients: an idle one, an oversized request; the endpoint stays usable
        idle = socket.create_connection((HOST, P_ENDPOINT))
        big = socket.create_connection((HOST, P_ENDPOINT))
        try:
            big.sendall(b"GET /" + b"a" * 10000)
        except OSError:
            pass
        t0 = time.monotonic()
        code, _, _ = get("/health", timeout=8)
        check(code == 200 and time.monotonic() - t0 < 6, "endpoint survives idle/oversized clients (%.1f s)" % (time.monotonic() - t0))
        idle.close()
        big.close()

        # bounded resources: file descriptors and memory after minutes of hostile probing
        pid = drv.pid
        fds = len(os.listdir("/proc/%d/fd" % pid))
        check(fds < 40, "prober holds %d fds" % fds)
        rss1 = int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read()).group(1))
        time.sleep(3)
        rss2 = int(re.search(r"VmRSS:\s+(\d+)", open("/proc/%d/status" % pid).read()).group(1))
        check(rss2 - rss1 < 512, "memory flat under hostile backends (%d -> %d KiB)" % (rss1, rss2))
        check(drv.poll() is None, "prober still running")
    finally:
        drv.terminate()
        try:
            drv.wait(10)
        except subprocess.TimeoutExpired:
            drv.kill()
        for b in backends.values():
            b.stop()
        tls.stop()
        ka_proc.kill()
        ka_proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    time.sleep(0.2)
    lines = [l for l in log if l.startswith("health: ")]
    pat = re.compile(r"^health: \S+ (up -> down|down -> up) \(reason: .+\)$")
    check(lines and all(pat.match(l.rstrip("\n")) for l in lines), "transition log lines (%d)" % len(lines))
    check(any("health: web up -> down (reason: status 503)" in l for l in lines), "log names check, states and reason")
    check(drv.returncode == 0, "driver exits 0 on SIGTERM (%s)" % drv.returncode)
    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
