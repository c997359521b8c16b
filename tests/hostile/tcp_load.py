#!/usr/bin/env python3
# tcp_load.py -- TCP under load: 1,000 idle connections, slow-drip clients, pipelined bursts
# SPDX-License-Identifier: MIT
#
# usage: tcp_load.py --binary SERVER --port PORT [--origin NAME] [--idle-ms MS] [--read-ms MS]
#                    [--conns N] [--tcp-max M]
#
# Starts SERVER (a zonec-built binary) on 127.0.0.1:PORT with --threads 2 --tcp-max M, then:
#  - opens N idle TCP connections (RLIMIT_NOFILE raised as far as allowed); past the limits
#    the server closes the least recently active ones;
#  - a prober asks a UDP and a new-TCP question every 0.2 s for the whole run: every one
#    must be answered correctly;
#  - slow-drip clients send a query one byte every 200 ms: each is answered or closed after
#    the read timeout (a message must arrive within --read-ms), never answered wrongly;
#  - pipelined bursts: 100 queries in one write on each of 5 connections, all answered in
#    order of their IDs (each ID once);
#  - the idle connections are closed after the idle timeout (not much before, not much after).
# Bounded: about idle-ms + 5 s. Exit status: 0 when every check passed.

import argparse
import resource
import select
import socket
import struct
import subprocess
import sys
import threading
import time

import dns.message
import dns.rcode

FAILS = []
ADDR = None
ORIGIN = None


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL tcp_load: %s" % what)
    return cond


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def tcp_msg(s):
    n = struct.unpack("!H", recv_exact(s, 2))[0]
    return recv_exact(s, n)


def query(name, rdtype="SOA", qid=None):
    q = dns.message.make_query(name, rdtype, use_edns=False)
    if qid is not None:
        q.id = qid
    return q


def good_answer(q, wire):
    try:
        r = dns.message.from_wire(wire)
    except Exception:  # noqa: BLE001
        return False
    return r.id == q.id and r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1


def start(binary, port, *extra):
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % port] + list(extra),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    end = time.time() + 5
    while time.time() < end and p.poll() is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.1)
        try:
            s.sendto(query(ORIGIN).to_wire(), ADDR)
            s.recv(4096)
            return p
        except OSError:
            pass
        finally:
            s.close()
    p.kill()
    raise SystemExit("tcp_load: server did not start: %s"
                     % p.communicate()[0].decode(errors="replace")[-500:])


def prober(stop_ev, res):
    """UDP and new-TCP questions every 0.2 s; counts failures."""
    n = bad = 0
    notes = []
    while not stop_ev.is_set():
        for tcp in (False, True):
            q = query(ORIGIN)
            n += 1
            ok = False
            try:
                if tcp:
                    with socket.create_connection(ADDR, timeout=2) as s:
                        w = q.to_wire()
                        s.sendall(struct.pack("!H", len(w)) + w)
                        ok = good_answer(q, tcp_msg(s))
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(1.0)
                    try:
                        s.sendto(q.to_wire(), ADDR)
                        ok = good_answer(q, s.recv(65535))
                    finally:
                        s.close()
            except (OSError, ConnectionError) as e:
                notes.append("%s: %s" % ("tcp" if tcp else "udp", e))
            if not ok:
                bad += 1
        stop_ev.wait(0.2)
    res.update(n=n, bad=bad, notes=notes[:3])


def slow_drip(clients, delay, read_ms):
    q = query(ORIGIN, qid=0x5151)
    w = q.to_wire()
    data = struct.pack("!H", len(w)) + w
    socks = []
    for _ in range(clients):
        s = socket.create_connection(ADDR, timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        socks.append(s)
    t0 = time.time()
    closed_at = {}
    answered = wrong = 0
    i = 0
    limit = t0 + read_ms / 1000.0 + 3.0
    while time.time() < limit and len(closed_at) < clients:
        for k, s in enumerate(socks):
            if k in closed_at:
                continue
            if i < len(data):
                try:
                    s.send(data[i:i + 1])
                except OSError:
                    closed_at[k] = time.time() - t0
                    continue
            try:
                got = s.recv(4096)
                if got == b"":
                    closed_at[k] = time.time() - t0
                else:
                    s.setblocking(True)
                    s.settimeout(1)
                    buf = got
                    while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                        buf += s.recv(4096)
                    if good_answer(q, buf[2:]):
                        answered += 1
                    else:
                        wrong += 1
                    closed_at[k] = -1
            except BlockingIOError:
                pass
            except OSError:
                closed_at[k] = time.time() - t0
        i += 1
        time.sleep(delay)
    for s in socks:
        s.close()
    times = sorted(v for v in closed_at.values() if v >= 0)
    print("tcp_load: slow-drip (%d clients, 1 byte / %d ms, %d-byte message): %d answered, %d "
          "closed after %s s" % (clients, delay * 1000, len(data), answered, len(times),
                                 ", ".join("%.1f" % t for t in times[:3]) + (" ..." if len(times) > 3 else "")))
    check(wrong == 0, "slow-drip: %d wrong answers" % wrong)
    check(len(closed_at) == clients, "slow-drip: %d of %d clients neither answered nor closed "
          "within %.1f s" % (clients - len(closed_at), clients, read_ms / 1000.0 + 3))
    if len(data) * delay > read_ms / 1000.0 + 1:
        check(all(t >= read_ms / 1000.0 * 0.8 for t in times),
              "slow-drip: closed before the read timeout of %d ms: %s" % (read_ms, times))


def pipeline(conns=5, burst=100):
    names = [ORIGIN, "nonexistent." + ORIGIN, "www." + ORIGIN]
    types = ["SOA", "A", "NS", "TXT", "AAAA"]
    socks = []
    for _ in range(conns):
        socks.append(socket.create_connection(ADDR, timeout=5))
    for j, s in enumerate(socks):
        wires = []
        for i in range(burst):
            q = query(names[i % 3], types[i % 5], qid=j * 1000 + i)
            w = q.to_wire()
            wires.append(struct.pack("!H", len(w)) + w)
        s.sendall(b"".join(wires))
    total = 0
    for j, s in enumerate(socks):
        ids = []
        try:
            for _ in range(burst):
                r = tcp_msg(s)
                ids.append(struct.unpack("!H", r[:2])[0])
        except (OSError, ConnectionError) as e:
            print("tcp_load: pipeline connection %d: %s after %d answers" % (j, e, len(ids)))
        s.close()
        total += len(ids)
        check(sorted(ids) == [j * 1000 + i for i in range(burst)],
              "pipeline connection %d: %d of %d answered (ids %s...)" % (j, len(ids), burst, ids[:5]))
    print("tcp_load: pipelined bursts: %d of %d answered on %d connections" %
          (total, conns * burst, conns))


def main():
    global ADDR, ORIGIN
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--port", type=int, default=5522)
    ap.add_argument("--origin", default="basic.test.")
    ap.add_argument("--idle-ms", type=int, default=10000)
    ap.add_argument("--read-ms", type=int, default=3000)
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--tcp-max", type=int, default=900)
    a = ap.parse_args()
    ADDR = ("127.0.0.1", a.port)
    ORIGIN = a.origin if a.origin.endswith(".") else a.origin + "."
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.conns + 200
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        except (ValueError, OSError):
            pass
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    conns = min(a.conns, soft - 100)
    t_start = time.time()
    p = start(a.binary, a.port, "--threads", "2", "--tcp-max", str(a.tcp_max))
    stop_ev = threading.Event()
    pres = {}
    pt = threading.Thread(target=prober, args=(stop_ev, pres))
    try:
        pt.start()
        idle = []
        t_open = time.time()
        for _ in range(conns):
            try:
                s = socket.create_connection(ADDR, timeout=2)
                idle.append(s)
            except OSError as e:
                print("tcp_load: connect %d failed: %s" % (len(idle), e))
                break
        print("tcp_load: %d idle connections opened in %.1fs (server limit %d in all)"
              % (len(idle), time.time() - t_open, a.tcp_max))
        check(len(idle) == conns, "only %d of %d connections could be opened" % (len(idle), conns))
        slow_drip(5, 0.2, a.read_ms)
        pipeline()
        # idle connections: watch them close
        poller = select.poll()
        fds = {}
        for s in idle:
            poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
            fds[s.fileno()] = s
        closed = {}
        limit = t_open + a.idle_ms / 1000.0 + 3.0
        while len(closed) < len(idle) and time.time() < limit:
            for fd, _ev in poller.poll(200):
                if fd in closed:
                    continue
                try:
                    data = fds[fd].recv(1)
                except OSError:
                    data = b""
                if data == b"":
                    closed[fd] = time.time() - t_open
                    poller.unregister(fd)
        still = len(idle) - len(closed)
        early = sum(1 for t in closed.values() if t < a.idle_ms / 1000.0 * 0.8)
        print("tcp_load: idle connections: %d closed early (over the limits), %d at the idle "
              "timeout, %d still open %.1fs after opening" % (early, len(closed) - early, still,
                                                               limit - t_open))
        check(still == 0, "%d idle connections still open %.1f s after the idle timeout"
              % (still, limit - t_open - a.idle_ms / 1000.0))
        check(len(closed) - early >= min(a.tcp_max, 512 * 2) * 0.5,
              "only %d idle connections lasted until the idle timeout" % (len(closed) - early))
        for s in idle:
            s.close()
    finally:
        stop_ev.set()
        pt.join()
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(3)
            except subprocess.TimeoutExpired:
                p.kill()
        alive = p.returncode in (0, -15)
        check(alive, "server exit status %s" % p.returncode)
    print("tcp_load: prober: %d UDP+TCP questions during the run, %d not answered correctly %s"
          % (pres.get("n", 0), pres.get("bad", 0), pres.get("notes") or ""))
    check(pres.get("n", 0) > 20 and pres.get("bad", 1) == 0,
          "prober: %d of %d questions failed" % (pres.get("bad", 0), pres.get("n", 0)))
    print("tcp_load: %s (%.1fs)" % ("ok" if not FAILS else "%d checks FAILED" % len(FAILS),
                                    time.time() - t_start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
