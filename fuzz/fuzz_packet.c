/* fuzz_packet.c -- libFuzzer target: rt_query_process() on arbitrary packets
 * SPDX-License-Identifier: MIT
 *
 * At start-up the compiler's own modules (zonefile.c -> ir_check -> ir_finish
 * -> layout_build, as `zonec build` does) compile two blobs from zones kept
 * in this file: blob 0 hosts several zones with every feature the packet
 * path has (CNAME chains, wildcards, delegations with glue, DS, ENTs, large
 * RRsets that must be truncated, a nested child zone, 1,500 generated names);
 * blob 1 hosts the root zone, so no query is refused for being out of zone.
 *
 * blob 0 also has a ZPL zone with every kind of routing policy (pol.test.).
 *
 * Input: one control byte, then the DNS message.
 *   bit 0      TCP (no UDP size limit, AXFR over TCP)
 *   bit 1      (unused)
 *   bits 2-3   buffer size: 65535, 4096, 1232, 512
 *   bit 4      blob 1 (root zone) instead of blob 0
 *   bits 5-7   client address (fuzz_peer(): in or out of the geo, latency
 *              and cidr data)
 * Invariants: fuzz_common.h (length within the buffer, 0 or >= 12 bytes, ID
 * echoed, QR set, a well-formed message, same answer whatever follows the
 * query in the buffer). Then response rate limiting (rrl.h) classifies the
 * raw input and the response, charges the response to a small bucket, and
 * rewrites it into its slip reply, which must be a valid truncated
 * response.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "dname.h"
#include "ir.h"
#include "layout.h"
#include "query.h"
#include "rrl.h"
#include "zonefile.h"
#include "zpl.h"

#include "fuzz_common.h"

static const char zone_fuzz[] =
    "$TTL 3600\n"
    "@           SOA   ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
    "            NS    ns1\n"
    "            NS    ns2.fuzz.test.\n"
    "            NS    ns.outside.example.\n"
    "            MX    10 mail\n"
    "            MX    20 mail2\n"
    "            MX    30 mx.outside.example.\n"
    "            TXT   \"v=spf1 mx -all\"\n"
    "            CAA   0 issue \"letsencrypt.org\"\n"
    "            A     192.0.2.80\n"
    "            AAAA  2001:db8::80\n"
    "            HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.80\n"
    "ns1         A     192.0.2.53\n"
    "            AAAA  2001:db8::53\n"
    "ns2         A     198.51.100.53\n"
    "mail        A     192.0.2.25\n"
    "            AAAA  2001:db8::25\n"
    "            SSHFP 1 1 0123456789abcdef0123456789abcdef01234567\n"
    "mail2   600 A     192.0.2.26\n"
    "www         A     192.0.2.80\n"
    "            AAAA  2001:db8::80\n"
    "            TXT   \"hello\" \"world\"\n"
    "            HTTPS 0 svc.fuzz.test.\n"
    "svc         SVCB  1 www.fuzz.test. alpn=h2 port=8443\n"
    "_sip._udp   SRV   10 60 5060 sip\n"
    "sip         A     192.0.2.60\n"
    "_443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
    "naptr       NAPTR 100 10 \"U\" \"E2U+sip\" \"!^.*$!sip:info@fuzz.test!\" .\n"
    "ptr         PTR   www.fuzz.test.\n"
    "generic     TYPE65534 \\# 2 abcd\n"
    "            TYPE300 \\# 0\n"
    "MiXeD.CaSe  A     192.0.2.102\n"
    "dot\\.in\\.label A 192.0.2.103\n"
    "ttl0      0 A     192.0.2.110\n"
    "x.a.b       A     192.0.2.120\n"
    "deep.x.a.b  AAAA  2001:db8::120\n"
    "; CNAME chains\n"
    "c1          CNAME c2\n"
    "c2          CNAME c3\n"
    "c3          CNAME www\n"
    "loop1       CNAME loop2\n"
    "loop2       CNAME loop1\n"
    "nx          CNAME nope\n"
    "out         CNAME www.example.org.\n"
    "tosub       CNAME host.sub\n"
    "tochild     CNAME www.child\n"
    "toapex      CNAME @\n"
    "towc        CNAME anything.wc\n"
    "; wildcards\n"
    "*           TXT   \"wildcard\"\n"
    "*           MX    10 mail\n"
    "*.wc        A     192.0.2.99\n"
    "            AAAA  2001:db8::99\n"
    "*.cn        CNAME c1\n"
    "sub.*       TXT   \"not a wildcard\"\n"
    "a.ent.w     A     192.0.2.12\n"
    "*.w         A     192.0.2.10\n"
    "*._tcp.srv  SRV   10 5 443 mail\n"
    "; delegations: glue, DS, many NS, out of bailiwick\n"
    "sub         NS    ns1.sub\n"
    "            NS    ns2.sub\n"
    "            DS    12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n"
    "ns1.sub     A     192.0.2.11\n"
    "            AAAA  2001:db8::11\n"
    "ns2.sub     A     192.0.2.12\n"
    "outdel      NS    ns1.example.net.\n"
    "many        NS    a.ns.many\n"
    "            NS    b.ns.many\n"
    "            NS    c.ns.many\n"
    "            NS    d.ns.many\n"
    "a.ns.many   A     192.0.2.41\n"
    "            AAAA  2001:db8::41\n"
    "b.ns.many   A     192.0.2.42\n"
    "            AAAA  2001:db8::42\n"
    "c.ns.many   A     192.0.2.43\n"
    "            AAAA  2001:db8::43\n"
    "d.ns.many   A     192.0.2.44\n"
    "            AAAA  2001:db8::44\n"
    "deep.ent    NS    ns.deep.ent\n"
    "ns.deep.ent A     192.0.2.51\n"
    "child       NS    ns1\n";

static const char zone_child[] =
    "$TTL 300\n"
    "@    SOA ns1.fuzz.test. hostmaster.fuzz.test. 7 3600 600 604800 60\n"
    "     NS  ns1.fuzz.test.\n"
    "www  A   192.0.2.200\n"
    "*    AAAA 2001:db8::200\n";

static const char zone_root[] =
    "$TTL 86400\n"
    "@      SOA a.root-servers.net. nstld.verisign-grs.com. 2024010100 1800 900 604800 86400\n"
    "       NS  a.root-servers.net.\n"
    "       NS  b.root-servers.net.\n"
    "com    NS  a.gtld-servers.net.\n"
    "       DS  30909 8 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
    "net    NS  a.gtld-servers.net.\n"
    "a.gtld-servers.net. A 192.5.6.30\n"
    "a.root-servers.net. A 198.41.0.4\n"
    "                    AAAA 2001:503:ba3e::2:30\n"
    "b.root-servers.net. A 170.247.170.2\n"
    "arpa   NS  a.root-servers.net.\n"
    "*.wild TXT \"root wildcard\"\n"
    "test   TXT \"top\"\n";

/* Routing policies (fuzz/data supplies geo.csv and latency.yaml). */
static const char zpl_policies[] =
    "geodata \"geo.csv\";\n"
    "latency \"latency.yaml\";\n"
    "check web http 192.0.2.10:80 path \"/healthz\";\n"
    "check a tcp 192.0.2.21:53;\n"
    "check both calculated (web, a) at-least 1;\n"
    "cidrset corp { 10.0.0.0/8, 2001:db8:1::/48 -> office; 192.0.2.128/25 -> lab; }\n"
    "zone pol.test {\n"
    "    soa ns hostmaster; ns ns; ns A 192.0.2.1;\n"
    "    www A failover { primary 192.0.2.10 check web;\n"
    "                     secondary weighted { 1 -> 192.0.2.11; 2 -> 192.0.2.12; } }\n"
    "    www AAAA 2001:db8::10;\n"
    "    geo A geo { country US, CA -> 192.0.2.1; continent EU -> 192.0.2.2;\n"
    "                subdivision US-NY -> 192.0.2.3; default -> 192.0.2.4; }\n"
    "    geo6 AAAA geo { country BR -> 2001:db8::1; default -> 2001:db8::2; }\n"
    "    lat A latency { region eu-west-1 -> 192.0.2.5; region us-east-1 -> 192.0.2.6 check web;\n"
    "                    region ap-northeast-1 -> 192.0.2.7; }\n"
    "    prox A proximity { at 40.71, -74.01 bias 10 -> 192.0.2.7; at -33.9, 151.2 -> 192.0.2.8; }\n"
    "    net A cidr corp { office -> 10.0.0.1; lab -> 10.0.0.2; default -> 192.0.2.9; }\n"
    "    mv A multivalue { 192.0.2.21 check a; 192.0.2.22 check both; 192.0.2.23;\n"
    "                      192.0.2.24; 192.0.2.25; 192.0.2.26; 192.0.2.27; 192.0.2.28; }\n"
    "    cn CNAME weighted { 1 -> www; 3 -> \"geo.pol.test.\"; }\n"
    "    mx MX weighted { 1 -> \"10 mx1.example.net.\"; 1 -> \"10 mx2.example.net.\"; }\n"
    "    @ A alias www;\n"
    "    chk A 192.0.2.30, 192.0.2.31 check web;\n"
    "    *.wild A weighted { 1 -> 192.0.2.40; 1 -> 192.0.2.41; }\n"
    "}\n";

static void add_zone(ir_t *ir, const char *apex_text, const char *text, size_t len)
{
    uint8_t apex[DNAME_MAX];
    size_t alen;
    if (dname_from_text(apex, &alen, apex_text, strlen(apex_text), NULL) != DNAME_OK)
        fuzz_fail("bad apex %s", apex_text);
    uint32_t file = diag_add_file(apex_text, text, len);
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){file, 1, 1});
    zonefile_opts_t o = {.origin = apex, .default_ttl = 3600, .have_default_ttl = 1};
    zonefile_read_text(ir, z, file, text, len, 1, 1, ".", &o);
}

/* big.test.: many names (a real MPHF), large RRsets (truncation, cut points). */
static char *make_big_zone(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *s = malloc(cap);
    if (!s)
        abort();
    n += (size_t)snprintf(s + n, cap - n,
                          "@ SOA ns1 hostmaster 1 3600 600 604800 60\n@ NS ns1\n@ NS ns2\n"
                          "ns1 A 192.0.2.1\nns2 A 192.0.2.2\n");
    for (unsigned i = 0; i < 1500; i++)
        n += (size_t)snprintf(s + n, cap - n, "h%u A 10.%u.%u.1\n", i, i / 256, i % 256);
    for (unsigned i = 0; i < 120; i++) /* 120 A: over 1232 bytes */
        n += (size_t)snprintf(s + n, cap - n, "wide A 10.200.%u.%u\n", i / 250, i % 250 + 1);
    for (unsigned i = 0; i < 40; i++) /* ~40 x 200 bytes of TXT */
        n += (size_t)snprintf(s + n, cap - n,
                              "fat TXT \"%03u-%0196u\"\n", i, i);
    for (unsigned i = 0; i < 30; i++) { /* MX with many targets: big additional */
        n += (size_t)snprintf(s + n, cap - n, "mx MX %u m%u\n", i, i);
        n += (size_t)snprintf(s + n, cap - n, "m%u A 10.201.0.%u\nm%u AAAA 2001:db8::%x\n",
                              i, i + 1, i, i + 1);
    }
    *len = n;
    return s;
}

static rt_db_t dbs[2];
static rt_rrl_t rrl;

static void build_blob(int which, rt_db_t *db)
{
    ir_t *ir = ir_new();
    if (which == 0) {
        add_zone(ir, "fuzz.test.", zone_fuzz, sizeof zone_fuzz - 1);
        add_zone(ir, "child.fuzz.test.", zone_child, sizeof zone_child - 1);
        size_t blen;
        static char *big; /* kept: diag may quote it */
        big = make_big_zone(&blen);
        add_zone(ir, "big.test.", big, blen);
        zpl_read_text(ir, "/nonexistent/packet.zpl", zpl_policies, sizeof zpl_policies - 1);
    } else {
        add_zone(ir, ".", zone_root, sizeof zone_root - 1);
    }
    uint8_t *blob = NULL;
    size_t len = 0;
    if (diag_error_count() != 0 || fuzz_build_blob(ir, 1, &blob, &len) != 0)
        fuzz_fail("the built-in zones do not compile (blob %d)", which);
    int rc = rt_db_open(db, blob, len);
    if (rc != 0)
        fuzz_fail("blob %d rejected: %s", which, rt_strerror(rc));
    ir_free(ir); /* the blob stands alone; it stays for the life of the process */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    build_blob(0, &dbs[0]);
    build_blob(1, &dbs[1]);
    rt_rrl_global_init(1);
    if (rt_rrl_init(&rrl, 5, 2) != 0)
        fuzz_fail("rt_rrl_init");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[4] = {65535, 4096, 1232, 512};
    static uint8_t resp[65536];
    static uint64_t now_ms;
    if (size < 1 || size > 65536)
        return -1;
    uint8_t ctl = data[0];
    rt_peer_t peer;
    fuzz_peer(ctl >> 5, ctl & 1, &peer);
    size_t cap = caps[(ctl >> 2) & 3];
    size_t rlen = fuzz_query_twice(&dbs[(ctl >> 4) & 1], data + 1, size - 1, cap, &peer, resp);

    /* response rate limiting over the same bytes: classify anything, and
     * the slip reply of a real response must still be a valid response */
    rt_rrl_key_t key;
    rt_rrl_classify(data + 1, size - 1, &key);
    if (rlen > 0) {
        rt_rrl_classify(resp, rlen, &key);
        now_ms += 7; /* a slow clock: buckets run dry, some responses slip */
        int v = rt_rrl_check(&rrl, &peer, resp, rlen, NULL, now_ms);
        if (v != RT_RRL_PASS && v != RT_RRL_SLIP && v != RT_RRL_DROP)
            fuzz_fail("rt_rrl_check verdict %d", v);
        size_t slen = rt_rrl_slip_reply(resp, rlen);
        if (slen > rlen)
            fuzz_fail("slip reply longer (%zu) than the response (%zu)", slen, rlen);
        fuzz_check_response(data + 1, size - 1, resp, slen, cap, peer.tcp);
        if (slen >= 12 && !(resp[2] & 0x02))
            fuzz_fail("slip reply without TC");
    }
    return 0;
}
