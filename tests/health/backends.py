"""Loopback backends and the check/failure bookkeeping shared by the health
tests (health_test.py, live_test.py): a TCP listener with a per-connection
behaviour that can be stopped (connection refused) and restarted, a plain
TCP behaviour, an HTTP request reader, and an `openssl s_server` for https
checks. Everything listens on loopback only."""

import os
import socket
import subprocess
import threading
import time

HOST = "127.0.0.1"

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Listener:
    """A TCP server on a port whose behaviour `handle(conn)` runs per
    connection; stop() closes the port (connection refused), start() reopens.
    With close=True a connection is closed when handle returns; otherwise
    handle closes it, or it stays open until stop() (the last 200 are kept)."""

    def __init__(self, port, handle, host=HOST, close=False):
        self.port, self.handle, self.sock, self.conns, self.host = port, handle, None, [], host
        self.close = close
        self.start()

    def start(self):
        s = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for _ in range(50):
            try:
                s.bind((self.host, self.port))
                break
            except OSError:
                time.sleep(0.1)
        s.listen(64)
        self.sock = s
        threading.Thread(target=self._loop, args=(s,), daemon=True).start()

    def _loop(self, s):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            self.conns.append(c)
            if len(self.conns) > 200:
                old = self.conns.pop(0)
                try:
                    old.close()
                except OSError:
                    pass
            threading.Thread(target=self._one, args=(c,), daemon=True).start()

    def _one(self, c):
        try:
            self.handle(c)
        except OSError:
            pass
        finally:
            if self.close:
                c.close()

    def stop(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass
        self.conns = []


def read_request(c):
    """The request head (up to the empty line, at most 64 KiB), as text."""
    data = b""
    c.settimeout(3)
    while b"\r\n\r\n" not in data and len(data) < 65536:
        b = c.recv(4096)
        if not b:
            break
        data += b
    return data.decode("latin-1")


def h_tcp(c):
    """A TCP backend: accepts, waits a little, closes."""
    time.sleep(0.2)
    c.close()


class Tls:
    """`openssl s_server -www` with a fresh self-signed certificate for cn."""

    def __init__(self, port, tmp, cn="tls.example.test"):
        self.port = port
        self.key, self.crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=" + cn, "-keyout", self.key, "-out", self.crt],
                       check=True, capture_output=True)
        self.p = None
        self.start()

    def start(self):
        self.p = subprocess.Popen(["openssl", "s_server", "-www", "-accept",
                                   "%s:%d" % (HOST, self.port), "-key", self.key,
                                   "-cert", self.crt, "-quiet"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        for _ in range(50):
            try:
                socket.create_connection((HOST, self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.1)

    def stop(self):
        if self.p and self.p.poll() is None:
            self.p.terminate()
            self.p.wait(5)
