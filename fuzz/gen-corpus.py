#!/usr/bin/python3
# gen-corpus.py -- writes the packet seeds of fuzz/corpus/packet (run once; the output is committed)
# SPDX-License-Identifier: MIT
#
# usage: /usr/bin/python3 fuzz/gen-corpus.py [DIR]   (default fuzz/corpus/packet)
#
# Each seed is one control byte (see fuzz/fuzz_packet.c: bit 0 TCP, bits 2-3
# buffer 65535/4096/1232/512, bit 4 the root-zone blob, bits 5-7 the client
# address, fuzz_common.h fuzz_peer()) followed by a
# DNS message: real queries for the built-in zones (hits, CNAME chains,
# wildcards, referrals, NXDOMAIN, NODATA, truncation), EDNS variants and
# malformed messages. File names say what each one is.

import os
import struct
import sys

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

UDP, TCP = 0, 1
V6 = 5 << 5  # client 2001:db8::5


def peer(i):
    """Control bits of client i of fuzz_peer(): 192.0.2.1, 192.0.2.200, 198.51.100.7,
    10.1.2.3, 203.0.113.5, 2001:db8::5, 2001:db8:1::9, fe80::1."""
    return i << 5
CAP4096, CAP1232, CAP512 = 4, 8, 12
ROOT = 16


def q(name, rdtype="A", edns=-1, payload=1232, do=False, rd=False, options=None, qid=0x1234,
      rdclass="IN"):
    m = dns.message.make_query(name, rdtype, rdclass=rdclass, use_edns=edns, payload=payload,
                               want_dnssec=do, options=options or [])
    m.id = qid
    if not rd:
        m.flags &= ~dns.flags.RD
    return m.to_wire()


def header(qid=0x1234, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def qname(text):
    out = b""
    for label in text.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def opt_rr(payload=1232, ext_rcode=0, version=0, flags=0, rdata=b"", owner=b"\0"):
    return owner + struct.pack(">HHBBHH", 41, payload, ext_rcode, version, flags, len(rdata)) + rdata


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/packet"
    os.makedirs(out, exist_ok=True)
    seeds = {}
    # plain hits, each type, both transports
    seeds["a-www"] = bytes([UDP]) + q("www.fuzz.test.")
    seeds["a-www-edns"] = bytes([UDP]) + q("www.fuzz.test.", edns=0)
    seeds["a-www-tcp"] = bytes([TCP]) + q("www.fuzz.test.", rd=True)
    seeds["a-mixed-case"] = bytes([UDP | V6]) + q("WwW.FuZz.TeSt.", edns=0)
    seeds["aaaa-mail"] = bytes([UDP]) + q("mail.fuzz.test.", "AAAA", edns=0)
    seeds["mx-apex"] = bytes([UDP]) + q("fuzz.test.", "MX", edns=0)
    seeds["any-apex"] = bytes([UDP | CAP512]) + q("fuzz.test.", "ANY")
    seeds["any-apex-tcp"] = bytes([TCP]) + q("fuzz.test.", "ANY", edns=0)
    seeds["soa-apex"] = bytes([UDP]) + q("fuzz.test.", "SOA")
    seeds["ns-apex"] = bytes([UDP]) + q("fuzz.test.", "NS", edns=0, do=True)
    seeds["txt-www"] = bytes([UDP]) + q("www.fuzz.test.", "TXT")
    seeds["https-apex"] = bytes([UDP]) + q("fuzz.test.", "HTTPS", edns=0)
    seeds["srv"] = bytes([UDP]) + q("_sip._udp.fuzz.test.", "SRV")
    seeds["tlsa"] = bytes([UDP]) + q("_443._tcp.www.fuzz.test.", "TLSA")
    seeds["naptr"] = bytes([UDP]) + q("naptr.fuzz.test.", "NAPTR")
    seeds["generic"] = bytes([UDP]) + q("generic.fuzz.test.", "TYPE65534")
    seeds["escaped-label"] = bytes([UDP]) + header() + b"\x0cdot.in.label\x04fuzz\x04test\x00\x00\x01\x00\x01"
    # CNAME chains, loops, out of zone, into a delegation and a child zone
    for n in ("c1", "loop1", "nx", "out", "tosub", "tochild", "toapex", "towc"):
        seeds["cname-" + n] = bytes([UDP]) + q(n + ".fuzz.test.", edns=0)
    # wildcards
    seeds["wild-txt"] = bytes([UDP]) + q("anything.fuzz.test.", "TXT")
    seeds["wild-deep"] = bytes([UDP]) + q("a.b.c.wc.fuzz.test.", "AAAA", edns=0)
    seeds["wild-cname"] = bytes([UDP]) + q("x.cn.fuzz.test.", edns=0)
    seeds["wild-ent-block"] = bytes([UDP]) + q("x.ent.w.fuzz.test.")
    seeds["wild-srv"] = bytes([UDP]) + q("_x._tcp.srv.fuzz.test.", "SRV")
    # delegations
    seeds["referral"] = bytes([UDP]) + q("host.sub.fuzz.test.", edns=0)
    seeds["referral-ds"] = bytes([UDP]) + q("sub.fuzz.test.", "DS", edns=0, do=True)
    seeds["referral-many-512"] = bytes([UDP | CAP512]) + q("x.many.fuzz.test.")
    seeds["referral-deep-ent"] = bytes([UDP]) + q("deep.ent.fuzz.test.", "NS")
    seeds["child-zone"] = bytes([UDP]) + q("www.child.fuzz.test.", edns=0)
    seeds["child-wild"] = bytes([TCP]) + q("x.child.fuzz.test.", "AAAA")
    # negative answers
    seeds["nxdomain"] = bytes([UDP]) + q("nope.fuzz.test.", edns=0)
    seeds["nodata"] = bytes([UDP]) + q("www.fuzz.test.", "MX")
    seeds["nodata-ent"] = bytes([UDP]) + q("a.b.fuzz.test.", edns=0)
    seeds["refused"] = bytes([UDP]) + q("www.example.org.")
    # big answers: truncation and cut points
    seeds["tc-wide"] = bytes([UDP]) + q("wide.big.test.")
    seeds["tc-wide-edns"] = bytes([UDP]) + q("wide.big.test.", edns=0, payload=1232)
    seeds["wide-tcp"] = bytes([TCP]) + q("wide.big.test.", edns=0)
    seeds["tc-fat-txt"] = bytes([UDP | CAP4096]) + q("fat.big.test.", "TXT", edns=0, payload=4096)
    seeds["mx-many-additional"] = bytes([UDP]) + q("mx.big.test.", "MX", edns=0, payload=700)
    seeds["mx-many-512"] = bytes([UDP | CAP512]) + q("mx.big.test.", "MX")
    seeds["big-host"] = bytes([UDP]) + q("h777.big.test.")
    # the root zone blob
    seeds["root-soa"] = bytes([ROOT]) + q(".", "SOA", edns=0)
    seeds["root-referral"] = bytes([ROOT]) + q("www.example.com.", edns=0, do=True)
    seeds["root-wild"] = bytes([ROOT | TCP]) + q("x.wild.", "TXT")
    seeds["root-nx"] = bytes([ROOT]) + q("nonexistent-tld.")
    # EDNS manners (RFC 6891)
    seeds["edns-badvers"] = bytes([UDP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr(version=1)
    seeds["edns-two-opt"] = bytes([UDP]) + header(ar=2) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr() + opt_rr()
    seeds["edns-small-payload"] = bytes([UDP]) + q("wide.big.test.", edns=0, payload=100)
    seeds["edns-owner-not-root"] = bytes([UDP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr(owner=b"\x01a\x00")
    seeds["edns-options"] = bytes([UDP]) + q("www.fuzz.test.", edns=0, options=[
        dns.edns.GenericOption(10, b"\x01\x02\x03\x04\x05\x06\x07\x08"),             # cookie
        dns.edns.ECSOption("192.0.2.0", 24),
        dns.edns.GenericOption(65001, b"unknown"),
        dns.edns.GenericOption(12, b"\0" * 20)])                                       # padding
    seeds["edns-bad-option-len"] = bytes([UDP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr(rdata=b"\x00\x0a\x00\x20\x01")
    seeds["edns-do-ext-rcode"] = bytes([UDP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr(ext_rcode=3, flags=0x8000)
    seeds["edns-opt-in-answer"] = bytes([UDP]) + header(an=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr()
    seeds["edns-no-question"] = bytes([UDP]) + header(qd=0, ar=1) + opt_rr()
    # opcodes, flags, classes, meta types
    for op, name in ((1, "iquery"), (2, "status"), (4, "notify"), (5, "update"), (15, "op15")):
        seeds["opcode-" + name] = bytes([UDP]) + header(flags=op << 11) + qname("fuzz.test.") + b"\0\6\0\1"
    seeds["qr-set"] = bytes([UDP]) + header(flags=0x8000) + qname("www.fuzz.test.") + b"\0\1\0\1"
    seeds["flags-tc-aa-ad-cd"] = bytes([UDP]) + header(flags=0x0630) + qname("www.fuzz.test.") + b"\0\1\0\1"
    seeds["class-ch"] = bytes([UDP]) + q("version.bind.", "TXT", rdclass="CH")
    seeds["class-any"] = bytes([UDP]) + header() + qname("www.fuzz.test.") + b"\0\1\0\xff"
    seeds["class-none"] = bytes([UDP]) + header() + qname("www.fuzz.test.") + b"\0\1\0\xfe"
    seeds["axfr-udp"] = bytes([UDP]) + q("fuzz.test.", "AXFR")
    seeds["axfr-tcp"] = bytes([TCP]) + q("fuzz.test.", "AXFR")
    seeds["ixfr"] = bytes([TCP]) + q("fuzz.test.", "IXFR")
    seeds["qtype-0"] = bytes([UDP]) + header() + qname("www.fuzz.test.") + b"\0\0\0\1"
    seeds["qtype-rrsig"] = bytes([UDP]) + q("www.fuzz.test.", "RRSIG", edns=0, do=True)
    # malformed
    seeds["short-11"] = bytes([UDP]) + header()[:11]
    seeds["header-only"] = bytes([UDP]) + header(qd=0)
    seeds["qdcount-0"] = bytes([UDP]) + header(qd=0) + qname("www.fuzz.test.") + b"\0\1\0\1"
    seeds["qdcount-2"] = bytes([UDP]) + header(qd=2) + (qname("www.fuzz.test.") + b"\0\1\0\1") * 2
    seeds["question-truncated"] = bytes([UDP]) + header() + qname("www.fuzz.test.")[:-1]
    seeds["question-no-type"] = bytes([UDP]) + header() + qname("www.fuzz.test.") + b"\0"
    seeds["question-pointer"] = bytes([UDP]) + header() + b"\xc0\x0c\0\1\0\1"
    seeds["label-64"] = bytes([UDP]) + header() + b"\x40" + b"a" * 64 + b"\0\0\1\0\1"
    seeds["name-256"] = bytes([UDP]) + header() + (b"\x3f" + b"a" * 63) * 4 + b"\x03abc\0\0\1\0\1"
    seeds["name-255"] = bytes([UDP]) + header() + (b"\x3f" + b"a" * 63) * 3 + b"\x3d" + b"b" * 61 + b"\0\0\1\0\1"
    seeds["labels-127"] = bytes([UDP]) + header() + b"\x01a" * 127 + b"\0\0\1\0\1"
    seeds["reserved-label-type"] = bytes([UDP]) + header() + b"\x41abc\0\0\1\0\1"
    seeds["trailing-garbage"] = bytes([UDP]) + q("www.fuzz.test.") + b"\xde\xad\xbe\xef"
    seeds["count-too-high"] = bytes([UDP]) + header(an=3, ns=2, ar=5) + qname("www.fuzz.test.") + b"\0\1\0\1"
    answer_rr = b"\xc0\x0c\0\1\0\1\0\0\0\x3c\0\4\xc0\0\2\1"
    seeds["answer-in-query"] = bytes([UDP]) + header(an=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + answer_rr
    seeds["ptr-loop-in-answer"] = bytes([UDP]) + header(an=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + b"\xc0\x1f" + b"\0\1\0\1\0\0\0\0\0\0"
    seeds["ptr-forward"] = bytes([UDP]) + header(an=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + b"\xc0\x40" + b"\0\1\0\1\0\0\0\0\0\0"
    seeds["rdlen-past-end"] = bytes([UDP]) + header(ns=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + b"\0\0\6\0\1\0\0\0\0\xff\xff"
    seeds["tsig-like"] = bytes([UDP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + b"\x03key\0\0\xfa\0\xff\0\0\0\0\0\0"
    seeds["big-query-tcp"] = bytes([TCP]) + header(ar=1) + qname("www.fuzz.test.") + b"\0\1\0\1" + opt_rr(rdata=b"\x00\x0c\x0f\x00" + b"\0" * 3840)
    # routing policies (pol.test.), each from several clients
    for owner, rdtype in (("www", "A"), ("geo", "A"), ("geo6", "AAAA"), ("lat", "A"),
                          ("prox", "A"), ("net", "A"), ("mv", "A"), ("cn", "A"), ("mx", "MX"),
                          ("pol.test.", "A"), ("chk", "A"), ("x.wild", "A")):
        for i in (0, 2, 3, 6):
            name = owner if owner.endswith(".") else owner + ".pol.test."
            seeds["policy-%s-%s-peer%d" % (owner.rstrip(".").replace(".", "_"), rdtype, i)] = \
                bytes([UDP | peer(i)]) + q(name, rdtype, edns=0 if i % 2 else -1)
    seeds["policy-mv-tcp-any"] = bytes([TCP | peer(1)]) + q("mv.pol.test.", "ANY", edns=0)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(seeds), out))


if __name__ == "__main__":
    main()
