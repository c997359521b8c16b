#!/usr/bin/env python3
# rrl.py -- response rate limiting: a single-source flood is cut, other clients are not
# SPDX-License-Identifier: MIT
#
# usage: rrl.py --binary SERVER --port PORT [--origin NAME] [--rate R] [--seconds S] [--count N]
#
# Starts SERVER (a zonec-built binary) twice on 127.0.0.1:PORT, loopback only, bounded:
#  1. default flags (RRL on, 200/s, slip 2): 127.0.0.2 floods one name (N queries in S
#     seconds); the answers it gets are cut to about the rate, most of the rest as TC=1
#     slips, and bytes out / bytes in is reported. Meanwhile 127.0.1.3 (another /24) asks
#     the same name and 127.0.0.3 (same /24) another name, a few per second: every one
#     of their queries gets a full answer.
#  2. --rrl 0: a shorter flood is answered in full, no TC.
# Exit status: 0 when every check passed.

import argparse
import socket
import struct
import subprocess
import sys
import threading
import time

import dns.flags
import dns.message
import dns.rcode

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL rrl: %s" % what)
    return cond


def start(binary, port, *extra):
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % port] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    end = time.time() + 5
    q = dns.message.make_query("invalid.", "A").to_wire()
    while time.time() < end:
        if p.poll() is not None:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.1)
        try:
            s.sendto(q, ("127.0.0.1", port))
            s.recv(4096)
            return p
        except OSError:
            pass
        finally:
            s.close()
    out = p.communicate(timeout=2)[0] if p.poll() is not None else b""
    stop(p)
    raise SystemExit("rrl: server did not start: %s" % out.decode(errors="replace")[-500:])


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            return p.communicate(timeout=3)[0].decode(errors="replace")
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
    return ""


def flood(port, src, name, count, seconds, result):
    """Sends `count` queries for `name` from `src` evenly over `seconds`, collects replies."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
    s.bind((src, 0))
    s.setblocking(False)
    wires = []
    for i in range(256):
        q = dns.message.make_query(name, "A", use_edns=False)
        q.id = i
        wires.append(q.to_wire())
    sent = sent_bytes = got = got_bytes = tc = full = 0
    t0 = time.time()
    step = 50
    while sent < count:
        due = t0 + seconds * (sent + step) / count
        for _ in range(min(step, count - sent)):
            w = wires[sent & 255]
            try:
                s.sendto(w, ("127.0.0.1", port))
                sent_bytes += len(w)
            except BlockingIOError:
                pass
            sent += 1
        while True:
            try:
                r = s.recv(65535)
            except BlockingIOError:
                break
            got += 1
            got_bytes += len(r)
            if len(r) >= 12 and r[2] & 0x02:
                tc += 1
            else:
                full += 1
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
    end = time.time() + 0.5
    while time.time() < end:
        try:
            r = s.recv(65535)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        got += 1
        got_bytes += len(r)
        if len(r) >= 12 and r[2] & 0x02:
            tc += 1
        else:
            full += 1
    s.close()
    result.update(sent=sent, sent_bytes=sent_bytes, got=got, got_bytes=got_bytes, tc=tc,
                  full=full, took=time.time() - t0)


def bystander(port, src, name, stop_at, result):
    """A normal client: one query at a time, ~20 per second, each must be fully answered."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(1.0)
    asked = ok = 0
    bad = []
    while time.time() < stop_at:
        q = dns.message.make_query(name, "A", use_edns=False)
        asked += 1
        try:
            s.sendto(q.to_wire(), ("127.0.0.1", port))
            r = dns.message.from_wire(s.recv(65535))
            if r.id == q.id and not (r.flags & dns.flags.TC) and r.rcode() == dns.rcode.NOERROR \
                    and r.answer:
                ok += 1
            else:
                bad.append("%s TC=%d" % (dns.rcode.to_text(r.rcode()), bool(r.flags & dns.flags.TC)))
        except (OSError, dns.exception.DNSException) as e:
            bad.append(type(e).__name__)
        time.sleep(0.05)
    s.close()
    result.update(asked=asked, ok=ok, bad=bad[:5])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--port", type=int, default=5521)
    ap.add_argument("--origin", default="basic.test.")
    ap.add_argument("--name", help="flooded name (default: the origin)")
    ap.add_argument("--other", help="name asked by the same-/24 bystander (default www.ORIGIN)")
    ap.add_argument("--rate", type=int, default=200, help="the server's RRL rate (default flags)")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--count", type=int, default=20000)
    a = ap.parse_args()
    origin = a.origin if a.origin.endswith(".") else a.origin + "."
    name = a.name or origin
    other = a.other or "www." + origin
    t0 = time.time()

    # 1. RRL on (the default)
    p = start(a.binary, a.port)
    try:
        fl, by1, by2 = {}, {}, {}
        ths = [threading.Thread(target=flood, args=(a.port, "127.0.0.2", name, a.count,
                                                     a.seconds, fl))]
        stop_at = time.time() + a.seconds
        ths.append(threading.Thread(target=bystander, args=(a.port, "127.0.1.3", name, stop_at, by1)))
        ths.append(threading.Thread(target=bystander, args=(a.port, "127.0.0.3", other, stop_at, by2)))
        for t in ths:
            t.start()
        for t in ths:
            t.join()
    finally:
        log = stop(p)
    limited = fl["sent"] - fl["full"]
    ratio = fl["got_bytes"] / max(1, fl["sent_bytes"])
    print("rrl: flood from 127.0.0.2: %d queries (%d bytes) in %.1fs -> %d full answers, "
          "%d TC=1 slips, %d dropped; bytes out / bytes in = %.2f"
          % (fl["sent"], fl["sent_bytes"], fl["took"], fl["full"], fl["tc"],
             fl["sent"] - fl["got"], ratio))
    print("rrl: bystander 127.0.1.3 (same name, other /24): %d of %d answered in full %s"
          % (by1["ok"], by1["asked"], by1["bad"] or ""))
    print("rrl: bystander 127.0.0.3 (same /24, other name): %d of %d answered in full %s"
          % (by2["ok"], by2["asked"], by2["bad"] or ""))
    for line in log.splitlines():
        if "rate limiting" in line:
            print("rrl: server says: %s" % line.split(": ", 1)[-1])
    allowed = a.rate * (fl["took"] + 1) * 1.25 + 50
    check(fl["full"] <= allowed, "flood got %d full answers, more than ~%d allowed at %d/s"
          % (fl["full"], allowed, a.rate))
    check(fl["full"] >= a.rate * a.seconds * 0.5,
          "flood got only %d full answers: the limit is far below %d/s" % (fl["full"], a.rate))
    check(fl["tc"] >= limited * 0.3 and fl["tc"] > fl["full"],
          "flood: %d TC slips for %d limited responses (slip 2 wants about half)"
          % (fl["tc"], limited))
    check(ratio < 1.0, "flood: bytes out / bytes in = %.2f (amplification)" % ratio)
    for label, by in (("127.0.1.3", by1), ("127.0.0.3", by2)):
        check(by["asked"] > 10 and by["ok"] >= by["asked"] - 1,
              "bystander %s: %d of %d answered in full" % (label, by["ok"], by["asked"]))

    # 2. --rrl 0: everything answered
    p = start(a.binary, a.port, "--rrl", "0")
    try:
        fl0 = {}
        n0 = min(a.count, 4000)
        flood(a.port, "127.0.0.2", name, n0, 1.0, fl0)
    finally:
        stop(p)
    print("rrl: --rrl 0: %d queries -> %d full answers, %d TC" % (fl0["sent"], fl0["full"],
                                                                 fl0["tc"]))
    check(fl0["tc"] == 0 and fl0["full"] >= fl0["sent"] * 0.9,
          "--rrl 0: %d of %d answered in full, %d TC" % (fl0["full"], fl0["sent"], fl0["tc"]))
    print("rrl: %s (%.1fs)" % ("ok" if not FAILS else "%d checks FAILED" % len(FAILS),
                               time.time() - t0))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
