#!/usr/bin/env python3
"""Prober cost: N checks at a 1 s interval against a local listener (asyncio,
accepts and answers HTTP 200). Prints the prober's CPU share over 10 s.
usage: bench.py DRIVER [N] [tcp|http]   (ports 5439, 5499)"""
import asyncio, os, subprocess, sys, threading, time

drv, n, kind = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000, sys.argv[3] if len(sys.argv) > 3 else "tcp"

async def handle(r, w):
    try:
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 3)
        w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
        await w.drain()
    except Exception:
        pass
    w.close()

def serve():
    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.start_server(handle, "127.0.0.1", 5439, backlog=4096))
    loop.run_forever()

threading.Thread(target=serve, daemon=True).start()
time.sleep(0.5)
checks = ["name=c%d,kind=%s,addr=127.0.0.1,port=5439,interval=1000,timeout=2000%s" % (i, kind, ",contains=OK" if kind == "http" else "") for i in range(n)]
p = subprocess.Popen([drv, "--http", "127.0.0.1:5499", "--duration", "30"] + checks, stderr=subprocess.DEVNULL)
time.sleep(3)
def cpu():
    f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
def ucpu():
    f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
    return int(f[11]) / os.sysconf("SC_CLK_TCK")
c0, u0, t0 = cpu(), ucpu(), time.monotonic()
time.sleep(10)
c1, u1, t1 = cpu(), ucpu(), time.monotonic()
import urllib.request, json
h = json.loads(urllib.request.urlopen("http://127.0.0.1:5499/health").read())
up = sum(1 for c in h["checks"] if c["state"] == "up")
probes = sum(c["probes"] for c in h["checks"])
p.terminate(); p.wait()
print("%d %s checks, 1 s interval: prober CPU %.2f%% of one core (user %.2f%%); %d/%d up; %d probes" % (n, kind, 100 * (c1 - c0) / (t1 - t0), 100 * (u1 - u0) / (t1 - t0), up, n, probes))
