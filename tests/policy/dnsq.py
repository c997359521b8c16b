"""dnsq.py -- a minimal DNS client for the policy tests (stdlib only).

Builds a query (EDNS, optional Client Subnet option, RFC 7871), sends it
over UDP to a loopback server and decodes the response into a small dict:
rcode, flags, answer RRs as (owner, ttl, type, rdata text) and the ECS
option (family, source, scope, address). The same tuple form is made from
the dig-style text `zonec query` prints (parse_zonec), so the two can be
compared with ==.
"""
import ipaddress
import random
import socket
import struct
import subprocess

TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 15: "MX", 16: "TXT", 28: "AAAA"}
CODES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def ecs_option(client):
    """ECS option bytes for 'IP' or 'IP/LEN' (address bits past LEN cleared)."""
    if "/" in client:
        addr, plen = client.split("/")
        plen = int(plen)
    else:
        addr, plen = client, None
    ip = ipaddress.ip_address(addr)
    fam = 1 if ip.version == 4 else 2
    if plen is None:
        plen = 32 if fam == 1 else 128
    net = ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)
    raw = net.network_address.packed[: (plen + 7) // 8]
    data = struct.pack("!HBB", fam, plen, 0) + raw
    return struct.pack("!HH", 8, len(data)) + data


def make_query(name, qtype, client=None, qid=None, raw_ecs=None):
    qid = random.randrange(65536) if qid is None else qid
    opts = b""
    if client is not None:
        opts = ecs_option(client)
    if raw_ecs is not None:
        opts = raw_ecs
    hdr = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1)
    q = wire_name(name) + struct.pack("!HH", CODES[qtype], 1)
    opt = b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opts)) + opts
    return hdr + q + opt


def read_name(msg, pos):
    labels, jumps, end = [], 0, None
    while True:
        l = msg[pos]
        if l & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = struct.unpack("!H", msg[pos:pos + 2])[0] & 0x3FFF
            jumps += 1
            if jumps > 64:
                raise ValueError("pointer loop")
            continue
        if l == 0:
            pos += 1
            break
        labels.append(msg[pos + 1:pos + 1 + l].decode("ascii", "replace"))
        pos += 1 + l
    return (".".join(labels) + ".").lower(), (end if end is not None else pos)


def rdata_text(msg, t, pos, rdlen):
    rd = msg[pos:pos + rdlen]
    if t == 1:
        return str(ipaddress.IPv4Address(rd))
    if t == 28:
        return str(ipaddress.IPv6Address(rd))
    if t in (2, 5):
        return read_name(msg, pos)[0]
    if t == 15:
        return "%d %s" % (struct.unpack("!H", rd[:2])[0], read_name(msg, pos + 2)[0])
    return rd.hex()


def parse_response(msg):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    pos = 12
    for _ in range(qd):
        _, pos = read_name(msg, pos)
        pos += 4
    res = {"rcode": RCODES.get(flags & 15, str(flags & 15)), "aa": bool(flags & 0x400),
           "tc": bool(flags & 0x200), "answer": [], "ecs": None}
    for i in range(an + ns + ar):
        owner, pos = read_name(msg, pos)
        t, cls, ttl, rdlen = struct.unpack("!HHIH", msg[pos:pos + 10])
        pos += 10
        if i < an:
            res["answer"].append((owner, ttl, TYPES.get(t, str(t)), rdata_text(msg, t, pos, rdlen)))
        if t == 41:
            o = pos
            while o + 4 <= pos + rdlen:
                code, olen = struct.unpack("!HH", msg[o:o + 4])
                if code == 8:
                    fam, src, scope = struct.unpack("!HBB", msg[o + 4:o + 8])
                    raw = msg[o + 8:o + 4 + olen]
                    size = 4 if fam == 1 else 16
                    addr = ipaddress.ip_address(raw + b"\0" * (size - len(raw)))
                    res["ecs"] = (str(addr), src, scope)
                o += 4 + olen
        pos += rdlen
    return res


class Client:
    """One UDP socket to 127.0.0.1:port."""

    def __init__(self, port, timeout=1.0):
        self.addr = ("127.0.0.1", port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(timeout)

    def ask(self, name, qtype, client=None, raw_ecs=None):
        q = make_query(name, qtype, client, raw_ecs=raw_ecs)
        for _ in range(3):
            self.s.sendto(q, self.addr)
            try:
                while True:
                    r, _ = self.s.recvfrom(65535)
                    if r[:2] == q[:2]:
                        return parse_response(r)
            except socket.timeout:
                continue
        raise TimeoutError("no answer from %s:%d" % self.addr)

    def close(self):
        self.s.close()


def parse_zonec(text):
    """The same dict from `zonec query` output (dig-style text)."""
    res = {"rcode": None, "aa": False, "tc": False, "answer": [], "ecs": None}
    section = None
    for line in text.splitlines():
        if "status:" in line:
            res["rcode"] = line.split("status:")[1].split(",")[0].strip()
        elif line.startswith(";; flags:"):
            fl = line.split(";")[2].split(":")[1].split()
            res["aa"] = "aa" in fl
            res["tc"] = "tc" in fl
        elif line.startswith("; CLIENT-SUBNET:"):
            a, src, scope = line.split(":", 1)[1].strip().rsplit("/", 2)
            res["ecs"] = (str(ipaddress.ip_address(a)), int(src), int(scope))
        elif line.startswith(";; ") and line.endswith("SECTION:"):
            section = line[3:].split()[0]
        elif line.strip() == "":
            section = None
        elif section == "ANSWER" and not line.startswith(";"):
            f = line.split(None, 4)
            rd = f[4].strip()
            if f[3] in ("CNAME", "NS"):
                rd = rd.lower()
            if f[3] == "MX":
                p, n = rd.split()
                rd = "%s %s" % (p, n.lower())
            if f[3] == "AAAA":
                rd = str(ipaddress.IPv6Address(rd))
            res["answer"].append((f[0].lower(), int(f[1]), f[3], rd))
    return res


def dig(port, name, qtype, subnet=None):
    """What dig prints (+subnet= for ECS): used by the per-construct tests."""
    cmd = ["dig", "@127.0.0.1", "-p", str(port), "+norec", "+time=2", "+tries=2", name, qtype]
    if subnet:
        cmd.insert(5, "+subnet=" + subnet)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
