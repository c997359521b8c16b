/* test_query.c -- unit tests of the packet path (runtime/query.c, db.c)
 * SPDX-License-Identifier: MIT
 *
 * Drives rt_query_process() over the hand-made blob of test_query_blob.h:
 * answers of every kind (exact, NXDOMAIN, NODATA, wildcard, referral,
 * CNAME, truncation with additional units), the protocol rules measured on
 * Knot 3.2.6 (see runtime/query.c), and hostile input: random bytes,
 * mutated queries, compression loops. Every response is re-parsed and must
 * be a well-formed DNS message whose counts match its sections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "rt.h"
#include "test_query_blob.h"
#include "wire.h"

static uint8_t *g_blob;
static size_t g_blob_len;
static rt_db_t g_db;
static rt_ctx_t g_ctx;
static uint8_t g_buf[65536];

static int setup(void **state)
{
    (void)state;
    g_blob = tb_example(&g_blob_len);
    if (rt_db_open(&g_db, g_blob, g_blob_len) != 0)
        return -1;
    g_ctx.db = &g_db;
    g_ctx.rng = 1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(g_blob);
    return 0;
}

/* ---- building queries ------------------------------------------------- */

typedef struct qb {
    uint8_t b[4096];
    size_t len;
} qb_t;

static void qb_header(qb_t *q, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    wire_write_u16(q->b, 0xbeef);
    wire_write_u16(q->b + 2, flags);
    wire_set_counts(q->b, qd, an, ns, ar);
    q->len = 12;
}

/* name keeps its case */
static void qb_name(qb_t *q, const char *text)
{
    if (strcmp(text, ".") == 0)
        text = "";
    while (*text) {
        const char *dot = strchr(text, '.');
        size_t l = dot ? (size_t)(dot - text) : strlen(text);
        q->b[q->len++] = (uint8_t)l;
        memcpy(q->b + q->len, text, l);
        q->len += l;
        text += l;
        if (*text == '.')
            text++;
    }
    q->b[q->len++] = 0;
}

static void qb_u16(qb_t *q, unsigned v)
{
    wire_write_u16(q->b + q->len, (uint16_t)v);
    q->len += 2;
}

static void qb_opt(qb_t *q, unsigned payload, unsigned version, int dnssec_ok,
                   const uint8_t *opts, size_t optlen)
{
    q->b[q->len++] = 0;
    qb_u16(q, 41);
    qb_u16(q, payload);
    q->b[q->len++] = 0;
    q->b[q->len++] = (uint8_t)version;
    qb_u16(q, dnssec_ok ? 0x8000 : 0);
    qb_u16(q, (unsigned)optlen);
    if (optlen)
        memcpy(q->b + q->len, opts, optlen);
    q->len += optlen;
}

/* A standard query NAME TYPE, with an OPT when payload > 0. */
static void qb_query(qb_t *q, const char *name, unsigned type, unsigned payload)
{
    qb_header(q, 0x0100, 1, 0, 0, payload ? 1 : 0);
    qb_name(q, name);
    qb_u16(q, type);
    qb_u16(q, 1);
    if (payload)
        qb_opt(q, payload, 0, 0, NULL, 0);
}

/* Runs a query (copied into g_buf) and parses the response. */
static size_t run(const qb_t *q, int tcp, resp_t *r)
{
    rt_peer_t peer = {.family = 4, .tcp = (uint8_t)tcp, .addr = {127, 0, 0, 1}};
    memcpy(g_buf, q->b, q->len);
    size_t n = rt_query_process(&g_ctx, g_buf, q->len, sizeof g_buf, &peer);
    if (n > 0) {
        assert_int_equal(parse_resp(g_buf, n, r), 0);
        assert_int_equal(r->qr, 1);
        assert_int_equal(wire_read_u16(g_buf), 0xbeef);
    }
    return n;
}

/* ---- answers ---------------------------------------------------------- */

static void test_db_open(void **state)
{
    (void)state;
    rt_db_t db;
    uint8_t *copy = aligned_alloc(8, g_blob_len + 8);
    memcpy(copy, g_blob, g_blob_len);
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_OK);
    assert_int_equal(rt_db_open(&db, copy, 10), RT_EBOUNDS);
    assert_int_equal(rt_db_open(&db, copy, g_blob_len - 1), RT_EBOUNDS);
    rt_blob_header_t *h = (rt_blob_header_t *)copy;
    h->magic ^= 1;
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_EMAGIC);
    h->magic ^= 1;
    h->abi = 99;
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_EABI);
    h->abi = RT_ABI_VERSION;
    h->nodes_off += 4;
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_EALIGN);
    h->nodes_off -= 4;
    h->node_count += 1000;
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_EBOUNDS);
    h->node_count -= 1000;
    rt_node_t *nodes = (rt_node_t *)(copy + h->nodes_off);
    nodes[1].types_first = h->typeent_count + 5; /* not monotonic */
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_ECORRUPT);
    memcpy(copy, g_blob, g_blob_len);
    rt_image_t *imgs = (rt_image_t *)(copy + h->images_off);
    imgs[0].len = 60000;
    assert_int_equal(rt_db_open(&db, copy, g_blob_len), RT_ECORRUPT);
    assert_int_equal(rt_db_open(&db, copy + 8, g_blob_len), RT_EMAGIC);
    assert_int_equal(rt_db_open(&db, copy + 4, g_blob_len), RT_EALIGN);
    assert_string_equal(rt_strerror(RT_EMAGIC), "not a zonec blob (bad magic)");
    free(copy);
}

static void test_exact(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    qb_query(&q, "WwW.ExAmple.COM", 1, 0);
    assert_int_not_equal(run(&q, 0, &r), 0);
    assert_int_equal(r.rcode, 0);
    assert_int_equal(r.aa, 1);
    assert_int_equal(r.rd, 1);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.ar, 0);
    assert_string_equal(r.rr[0].owner, "www.example.com.");
    assert_int_equal(r.rr[0].type, 1);
    assert_memory_equal(g_buf + r.rr[0].rdata, "\xc0\x00\x02\x0a", 4);
    /* the question keeps the client's case (SPEC §4) */
    assert_memory_equal(g_buf + 12, "\x03WwW\x07" "ExAmple\x03" "COM", 17);

    qb_query(&q, "example.com", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_string_equal(r.rr[0].owner, "example.com.");
    qb_query(&q, "deep.ent.example.com", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
}

static void test_nxdomain_nodata(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    const char *nx[] = {"nope.example.com", "a.b.c.www.example.com", "x.deep.ent.example.com",
                        "Q.EXAMPLE.COM", "*.example.com"};
    for (size_t i = 0; i < sizeof nx / sizeof nx[0]; i++) {
        qb_query(&q, nx[i], 1, 0);
        assert_int_not_equal(run(&q, 0, &r), 0);
        assert_int_equal(r.rcode, 3);
        assert_int_equal(r.aa, 1);
        assert_int_equal(r.an, 0);
        assert_int_equal(r.ns, 1);
        assert_string_equal(r.rr[0].owner, "example.com.");
        assert_int_equal(r.rr[0].type, 6);
        char mname[1100];
        assert_int_not_equal(read_name(g_buf, r.len, r.rr[0].rdata, mname), 0);
        assert_string_equal(mname, "ns1.example.com.");
    }
    /* NODATA: name exists (also an ENT), type does not */
    const char *nd[] = {"www.example.com", "ent.example.com", "wild.example.com"};
    for (size_t i = 0; i < 3; i++) {
        qb_query(&q, nd[i], 28, 0);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 0);
        assert_int_equal(r.aa, 1);
        assert_int_equal(r.an, 0);
        assert_int_equal(r.ns, 1);
        assert_string_equal(r.rr[0].owner, "example.com.");
    }
    /* qtypes that are data types for the lookup (Knot 3.2: NODATA) */
    unsigned odd[] = {41, 249, 250, 253, 254, 65534, 65535, 128};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        qb_query(&q, "www.example.com", odd[i], 0);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 0);
        assert_int_equal(r.ns, 1);
    }
}

static void test_wildcard(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    qb_query(&q, "X.y.wild.example.com", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 0);
    assert_int_equal(r.an, 1);
    assert_string_equal(r.rr[0].owner, "x.y.wild.example.com.");
    assert_memory_equal(g_buf + r.rr[0].rdata, "\xc0\x00\x02\x63", 4);
    qb_query(&q, "x.wild.example.com", 28, 0);
    run(&q, 0, &r);
    assert_int_equal(r.an, 0);
    assert_int_equal(r.ns, 1);
    assert_int_equal(r.rcode, 0);
    /* the "*" name itself answers like any name */
    qb_query(&q, "*.wild.example.com", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
}

static void test_referral(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    const char *names[] = {"a.sub.example.com", "sub.example.com", "ns.sub.example.com",
                           "x.ns.sub.example.com", "very.deep.below.sub.example.com"};
    for (size_t i = 0; i < 5; i++) {
        qb_query(&q, names[i], 1, 1232);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 0);
        assert_int_equal(r.aa, 0);
        assert_int_equal(r.tc, 0);
        assert_int_equal(r.an, 0);
        assert_int_equal(r.ns, 1);
        assert_int_equal(r.ar, 4);
        assert_string_equal(r.rr[0].owner, "sub.example.com.");
        char ns[1100];
        assert_int_not_equal(read_name(g_buf, r.len, r.rr[0].rdata, ns), 0);
        assert_string_equal(ns, "ns.sub.example.com.");
        for (int k = 1; k <= 3; k++)
            assert_string_equal(r.rr[k].owner, "ns.sub.example.com.");
        assert_int_equal(r.rr[4].type, 41);
    }
    /* 512 bytes: the 600-byte glue unit is skipped, the AAAA after it moves
     * and its fixup must follow; a required unit was skipped: TC=1 */
    qb_query(&q, "a.sub.example.com", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.tc, 1);
    assert_int_equal(r.ns, 1);
    assert_int_equal(r.ar, 2);
    assert_string_equal(r.rr[1].owner, "ns.sub.example.com.");
    assert_int_equal(r.rr[1].type, 1);
    assert_string_equal(r.rr[2].owner, "ns.sub.example.com.");
    assert_int_equal(r.rr[2].type, 28);
    /* DS at the cut is answered by the parent: NODATA, AA */
    qb_query(&q, "sub.example.com", 43, 0);
    run(&q, 0, &r);
    assert_int_equal(r.aa, 1);
    assert_int_equal(r.ns, 1);
    assert_string_equal(r.rr[0].owner, "example.com.");
    /* DS below the cut: still the referral */
    qb_query(&q, "a.sub.example.com", 43, 0);
    run(&q, 0, &r);
    assert_int_equal(r.aa, 0);
    assert_string_equal(r.rr[0].owner, "sub.example.com.");
}

static void test_cname_any(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    unsigned types[] = {1, 28, 15, 255, 5};
    for (size_t i = 0; i < 5; i++) {
        qb_query(&q, "alias.example.com", types[i], 0);
        run(&q, 0, &r);
        assert_int_equal(r.an, 1);
        assert_int_equal(r.rr[0].type, 5);
        char t[1100];
        read_name(g_buf, r.len, r.rr[0].rdata, t);
        assert_string_equal(t, "www.example.com.");
    }
    /* Knot 3.2: RRSIG and NSEC do not follow the CNAME: NODATA */
    for (unsigned t = 46; t <= 47; t++) {
        qb_query(&q, "alias.example.com", t, 0);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 0);
        assert_int_equal(r.an, 0);
        assert_int_equal(r.ns, 1);
    }
    /* ANY without an ANY entry: the lowest real type (RFC 8482 minimal) */
    qb_query(&q, "mx.example.com", 255, 1232);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.rr[0].type, 15);
    /* class ANY is answered like IN (Knot 3.2) */
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + q.len - 2, 255);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.qclass, 255);
}

static void test_truncation(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    /* 1300 bytes of TXT without cuts: TC, header + question (+OPT), AA kept */
    qb_query(&q, "big.example.com", 16, 0);
    run(&q, 0, &r);
    assert_int_equal(r.tc, 1);
    assert_int_equal(r.aa, 1);
    assert_int_equal(r.an + r.ns + r.ar, 0);
    qb_query(&q, "big.example.com", 16, 4096);
    assert_int_equal(run(&q, 0, &r), 12 + 17 + 4 + 11);
    assert_int_equal(r.tc, 1);
    assert_int_equal(r.ar, 1);
    assert_int_equal(r.opt_payload, 1232);
    assert_int_equal(run(&q, 1, &r) > 1300, 1); /* TCP: whole */
    assert_int_equal(r.tc, 0);
    assert_int_equal(r.an, 6);

    /* MX: 512 bytes drop the 472-byte filler unit but keep the AAAA after
     * it; not required units: no TC (RFC 2181 §9) */
    qb_query(&q, "mx.example.com", 15, 0);
    run(&q, 0, &r);
    assert_int_equal(r.tc, 0);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.ar, 2);
    assert_int_equal(r.rr[1].type, 1);
    assert_int_equal(r.rr[2].type, 28);
    assert_string_equal(r.rr[2].owner, "mail.example.com.");
    /* payload below 512 counts as 512 (RFC 6891 §6.2.5) */
    qb_query(&q, "mx.example.com", 15, 100);
    run(&q, 0, &r);
    assert_int_equal(r.ar, 3); /* 2 + OPT */
    assert_int_equal(r.len <= 512, 1);
    qb_query(&q, "mx.example.com", 15, 1232);
    run(&q, 0, &r);
    assert_int_equal(r.ar, 4);
}

/* ---- protocol rules (Knot 3.2.6 behaviour) ---------------------------- */

static void test_drops(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    for (size_t l = 0; l < 12; l++) {
        memset(g_buf, 0, 12);
        assert_int_equal(rt_query_process(&g_ctx, g_buf, l, sizeof g_buf, NULL), 0);
    }
    qb_query(&q, "www.example.com", 1, 0);
    q.b[2] |= 0x80; /* QR=1 */
    assert_int_equal(run(&q, 0, &r), 0);
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 4, 2); /* QDCOUNT 2 */
    assert_int_equal(run(&q, 0, &r), 0);
    qb_header(&q, 0, 1, 0, 0, 0); /* question missing */
    assert_int_equal(run(&q, 0, &r), 0);
    qb_query(&q, "www.example.com", 1, 0);
    q.len -= 3; /* truncated question */
    assert_int_equal(run(&q, 0, &r), 0);
    /* compression pointer in the question (a loop to itself) */
    qb_header(&q, 0, 1, 0, 0, 0);
    memcpy(q.b + 12, "\x03www\xc0\x0c\x00\x01\x00\x01", 10);
    q.len = 22;
    assert_int_equal(run(&q, 0, &r), 0);
    /* label of 64 bytes, reserved label types */
    qb_header(&q, 0, 1, 0, 0, 0);
    q.b[12] = 64;
    memset(q.b + 13, 'a', 64);
    memcpy(q.b + 77, "\x00\x00\x01\x00\x01", 5);
    q.len = 82;
    assert_int_equal(run(&q, 0, &r), 0);
    q.b[12] = 0x40;
    assert_int_equal(run(&q, 0, &r), 0);
    q.b[12] = 0x80;
    assert_int_equal(run(&q, 0, &r), 0);
    /* 255-byte name is fine (REFUSED: not ours), 256 is dropped */
    qb_header(&q, 0, 1, 0, 0, 0);
    for (int i = 0; i < 3; i++) {
        q.b[q.len++] = 63;
        memset(q.b + q.len, 'a', 63);
        q.len += 63;
    }
    q.b[q.len++] = 61;
    memset(q.b + q.len, 'a', 61);
    q.len += 61;
    q.b[q.len++] = 0;
    qb_u16(&q, 1);
    qb_u16(&q, 1);
    assert_int_not_equal(run(&q, 0, &r), 0);
    assert_int_equal(r.rcode, 5);
    q.b[12 + 3 * 64] = 62;
    memmove(q.b + 12 + 3 * 64 + 1 + 62, q.b + 12 + 3 * 64 + 1 + 61, 5);
    q.b[12 + 3 * 64 + 62] = 'a';
    q.len++;
    assert_int_equal(run(&q, 0, &r), 0);
}

static void test_formerr(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    /* QDCOUNT 0 -> FORMERR, header only */
    qb_header(&q, 0x0100, 0, 0, 0, 0);
    assert_int_equal(run(&q, 0, &r), 12);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.qd, 0);
    /* ... with an OPT: the OPT comes back (Knot 3.2) */
    qb_header(&q, 0, 0, 0, 0, 1);
    qb_opt(&q, 1232, 0, 0, NULL, 0);
    assert_int_equal(run(&q, 0, &r), 23);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.has_opt, 1);
    /* trailing garbage -> FORMERR, question echoed, no OPT */
    qb_query(&q, "www.example.com", 1, 1232);
    q.b[q.len++] = 0;
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.qd, 1);
    assert_int_equal(r.has_opt, 0);
    assert_string_equal(r.qname, "www.example.com.");
    /* counts promise records that are not there */
    for (int sec = 0; sec < 3; sec++) {
        qb_query(&q, "www.example.com", 1, 0);
        wire_write_u16(q.b + 6 + 2 * sec, 1);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 1);
        assert_int_equal(r.an + r.ns + r.ar, 0);
    }
    /* an option overrunning the OPT RDATA -> FORMERR without OPT */
    uint8_t bad[] = {0xfd, 0xe9, 0x00, 0x09, 'a', 'b', 'c'};
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 10, 1);
    qb_opt(&q, 1232, 0, 0, bad, sizeof bad);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.has_opt, 0);
    /* two OPTs -> FORMERR with one OPT (RFC 6891 §6.1.1) */
    qb_query(&q, "www.example.com", 1, 1232);
    wire_write_u16(q.b + 10, 2);
    qb_opt(&q, 1232, 0, 0, NULL, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.has_opt, 1);
    assert_int_equal(r.ar, 1);
    /* OPT with a non-root owner -> FORMERR with OPT */
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 10, 1);
    memcpy(q.b + q.len, "\x01" "a", 2);
    q.len += 2;
    qb_opt(&q, 1232, 0, 0, NULL, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 1);
    assert_int_equal(r.has_opt, 1);
    /* compression loop and forward pointer in the additional section */
    const uint8_t *evil[] = {(const uint8_t *)"\xc0\x22", (const uint8_t *)"\xc0\xff",
                             (const uint8_t *)"\xff\xff"};
    for (int k = 0; k < 3; k++) {
        qb_query(&q, "www.example.com", 1, 0);
        wire_write_u16(q.b + 10, 1);
        size_t at = q.len;
        memcpy(q.b + q.len, evil[k], 2);
        q.len += 2;
        if (k == 0)
            wire_write_u16(q.b + at, (uint16_t)(0xc000 | at)); /* points at itself */
        qb_u16(&q, 1);
        qb_u16(&q, 1);
        qb_u16(&q, 0);
        qb_u16(&q, 0);
        qb_u16(&q, 0);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 1);
    }
    /* a valid backward pointer is fine: RRs in the answer section are skipped */
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 6, 1);
    memcpy(q.b + q.len, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x01\x02\x03\x04", 16);
    q.len += 16;
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 0);
    assert_int_equal(r.an, 1);
}

static void test_edns(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 10, 1);
    qb_opt(&q, 4096, 0, 1, NULL, 0);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.has_opt, 1);
    assert_int_equal(r.opt_payload, 1232);
    assert_int_equal(r.opt_do, 1);
    assert_int_equal(r.opt_version, 0);
    assert_int_equal(r.opt_rdlen, 0);
    /* version 1 -> BADVERS: header RCODE 0, OPT ext-rcode 1, version 0, no answer, DO kept */
    for (unsigned v = 1; v < 256; v += 127) {
        qb_query(&q, "www.example.com", 1, 0);
        wire_write_u16(q.b + 10, 1);
        qb_opt(&q, 1232, v, 1, NULL, 0);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 0);
        assert_int_equal(r.aa, 0);
        assert_int_equal(r.an + r.ns, 0);
        assert_int_equal(r.has_opt, 1);
        assert_int_equal(r.opt_ext_rcode, 1);
        assert_int_equal(r.opt_version, 0);
        assert_int_equal(r.opt_do, 1);
    }
    /* BADVERS beats opcode, class and zone checks (Knot 3.2) */
    qb_query(&q, "www.example.org", 1, 0);
    q.b[2] |= 1 << 3;
    wire_write_u16(q.b + 10, 1);
    qb_opt(&q, 1232, 1, 0, NULL, 0);
    run(&q, 0, &r);
    assert_int_equal(r.opt_ext_rcode, 1);
    assert_int_equal(r.opcode, 1);
    /* unknown options are ignored */
    uint8_t opts[] = {0xfd, 0xe9, 0x00, 0x03, 'a', 'b', 'c', 0x00, 0x0a, 0x00, 0x00};
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 10, 1);
    qb_opt(&q, 1232, 0, 0, opts, sizeof opts);
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.opt_rdlen, 0);
    /* other RRs in the additional section around the OPT are fine */
    qb_query(&q, "www.example.com", 1, 0);
    wire_write_u16(q.b + 10, 3);
    memcpy(q.b + q.len, "\x01" "a\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x01\x02\x03\x04", 17);
    q.len += 17;
    qb_opt(&q, 1232, 0, 0, NULL, 0);
    memcpy(q.b + q.len, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x00\x00\x00\x00", 12);
    q.len += 12;
    run(&q, 0, &r);
    assert_int_equal(r.an, 1);
    assert_int_equal(r.has_opt, 1);
}

static void test_codes(void **state)
{
    (void)state;
    qb_t q;
    resp_t r;
    for (unsigned op = 1; op < 16; op++) {
        qb_query(&q, "www.example.com", 1, op & 1 ? 1232 : 0);
        q.b[2] = (uint8_t)((op << 3) | 1);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 4);
        assert_int_equal(r.opcode, op);
        assert_int_equal(r.rd, 1);
        assert_int_equal(r.aa, 0);
        assert_int_equal(r.qd, 1);
        assert_int_equal(r.an + r.ns, 0);
        assert_int_equal(r.has_opt, op & 1);
    }
    /* opcode NOTIMP without a question too */
    qb_header(&q, 1 << 11, 0, 0, 0, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 4);
    /* outside every zone -> REFUSED, AA=0; with EDNS: EDE 20 (Knot 3.2) */
    qb_query(&q, "www.example.org", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 5);
    assert_int_equal(r.aa, 0);
    assert_string_equal(r.qname, "www.example.org.");
    qb_query(&q, "com", 1, 1232);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 5);
    assert_int_equal(r.opt_rdlen, 6);
    qb_query(&q, ".", 1, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 5);
    /* classes other than IN/ANY -> REFUSED */
    unsigned classes[] = {0, 2, 3, 4, 254, 65535};
    for (size_t i = 0; i < 6; i++) {
        qb_query(&q, "www.example.com", 1, 0);
        wire_write_u16(q.b + q.len - 2, (uint16_t)classes[i]);
        run(&q, 0, &r);
        assert_int_equal(r.rcode, 5);
    }
    qb_query(&q, "www.example.com", 1, 1232); /* CH with EDNS: no EDE (Knot 3.2) */
    wire_write_u16(q.b + q.len - 11 - 2, 3);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 5);
    assert_int_equal(r.has_opt, 1);
    assert_int_equal(r.opt_rdlen, 0);
    /* meta qtypes: 0 and AXFR/UDP NOTIMP, AXFR/TCP and IXFR NOTAUTH */
    qb_query(&q, "www.example.com", 0, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 4);
    qb_query(&q, "example.com", 252, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 4);
    run(&q, 1, &r);
    assert_int_equal(r.rcode, 9);
    qb_query(&q, "example.com", 251, 0);
    run(&q, 0, &r);
    assert_int_equal(r.rcode, 9);
    run(&q, 1, &r);
    assert_int_equal(r.rcode, 9);
    qb_query(&q, "example.org", 252, 0);
    run(&q, 1, &r);
    assert_int_equal(r.rcode, 9);
    /* the class decides first: CH -> NOTIMP, HS/NONE/0 -> REFUSED (Knot 3.2) */
    unsigned meta[] = {0, 251, 252};
    for (size_t i = 0; i < 3; i++) {
        qb_query(&q, "example.com", meta[i], 0);
        wire_write_u16(q.b + q.len - 2, 3);
        run(&q, 1, &r);
        assert_int_equal(r.rcode, 4);
        wire_write_u16(q.b + q.len - 2, 4);
        run(&q, 1, &r);
        assert_int_equal(r.rcode, 5);
        wire_write_u16(q.b + q.len - 2, 255);
        run(&q, 1, &r);
        assert_int_equal(r.rcode, meta[i] ? 9 : 4);
    }
    /* header flags: RD copied; AA TC RA Z AD CD from the query are not */
    qb_query(&q, "www.example.com", 1, 0);
    q.b[2] = 0x07;
    q.b[3] = 0xf0;
    run(&q, 0, &r);
    assert_int_equal(r.rd, 1);
    assert_int_equal(r.tc, 0);
    assert_int_equal(r.cd, 0);
    assert_int_equal(r.ad, 0);
    assert_int_equal(g_buf[3], 0);
}

/* ---- hostile input ---------------------------------------------------- */

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Process buf[0..len) with a canary after cap; check length and shape. */
static void hostile_one(uint8_t *pkt, size_t len, size_t cap, int tcp)
{
    static uint8_t b[65536 + 64];
    rt_peer_t peer = {.family = 6, .tcp = (uint8_t)tcp};
    memcpy(b, pkt, len);
    memset(b + cap, 0xa5, 64);
    size_t n = rt_query_process(&g_ctx, b, len, cap, &peer);
    assert_true(n <= cap);
    if (!tcp)
        assert_true(n <= RT_EDNS_MAX_UDP);
    for (int i = 0; i < 64; i++)
        assert_int_equal(b[cap + i], 0xa5);
    if (n) {
        resp_t r;
        assert_int_equal(parse_resp(b, n, &r), 0);
        assert_int_equal(r.qr, 1);
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    uint8_t pkt[1024];
    for (int it = 0; it < 100000; it++) {
        size_t len = rnd() % sizeof pkt;
        for (size_t i = 0; i < len; i++)
            pkt[i] = (uint8_t)rnd();
        if (it & 1 && len > 3) /* half of them look like queries */
            pkt[2] &= 0x7f, pkt[4] = 0, pkt[5] = (uint8_t)(rnd() & 1);
        hostile_one(pkt, len, it % 3 == 0 ? 4096 : 65535, it & 4);
    }
}

static void test_mutations(void **state)
{
    (void)state;
    const char *names[] = {"www.example.com", "a.sub.example.com", "x.wild.example.com",
                           "mx.example.com", "nope.example.com", "big.example.com",
                           "alias.example.com", "example.org"};
    unsigned types[] = {1, 28, 15, 16, 255, 43, 2, 6};
    for (int it = 0; it < 100000; it++) {
        qb_t q;
        qb_query(&q, names[rnd() % 8], types[rnd() % 8], rnd() & 1 ? (unsigned)(rnd() % 5000) : 0);
        int flips = 1 + (int)(rnd() % 4);
        for (int f = 0; f < flips; f++) {
            switch (rnd() % 4) {
            case 0: q.b[rnd() % q.len] ^= (uint8_t)(1u << (rnd() % 8)); break;
            case 1: q.b[rnd() % q.len] = (uint8_t)rnd(); break;
            case 2: if (q.len > 1) q.len -= 1 + rnd() % (q.len / 2 + 1); break;
            default: if (q.len < 4000) q.b[q.len++] = (uint8_t)rnd(); break;
            }
            if (q.len > 2)
                q.b[2] &= 0x7f;
        }
        hostile_one(q.b, q.len, 65535, it & 1);
    }
}

/* A corrupt table behind rt_db_open_lazy() (which does not scan nodes,
 * type entries or images) must give SERVFAIL or some answer, never a crash
 * or a write past the buffer. The cmph section is left alone. */
static void test_corrupt_tables(void **state)
{
    (void)state;
    uint8_t *copy = aligned_alloc(8, g_blob_len);
    const rt_blob_header_t *h = (const rt_blob_header_t *)g_blob;
    const char *names[] = {"www.example.com", "a.sub.example.com", "x.wild.example.com",
                           "mx.example.com", "nope.example.com", "alias.example.com"};
    int opened = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, g_blob, g_blob_len);
        int flips = 1 + (int)(rnd() % 8);
        for (int f = 0; f < flips; f++) {
            size_t span = h->mphf_off - h->nodes_off;
            size_t at = h->nodes_off + rnd() % span;
            copy[at] = (uint8_t)rnd();
        }
        rt_db_t db;
        if (rt_db_open_lazy(&db, copy, g_blob_len) != 0)
            continue;
        opened++;
        if (rt_db_open(&db, copy, g_blob_len) == 0)
            continue; /* harmless change: the full check accepts it */
        rt_db_open_lazy(&db, copy, g_blob_len);
        rt_ctx_t ctx = {.db = &db, .rng = 1};
        for (size_t k = 0; k < 6; k++) {
            qb_t q;
            qb_query(&q, names[k], k & 1 ? 15 : 1, k & 2 ? 1232 : 0);
            static uint8_t b[4096 + 64];
            memcpy(b, q.b, q.len);
            memset(b + 4096, 0xa5, 64);
            rt_peer_t peer = {.family = 4};
            size_t n = rt_query_process(&ctx, b, q.len, 4096, &peer);
            assert_true(n <= 4096);
            for (int i = 0; i < 64; i++)
                assert_int_equal(b[4096 + i], 0xa5);
        }
    }
    assert_true(opened > 100);
    free(copy);
}

/* A node record (rt.h NODE RECORDS) that does not match the type entries or
 * images it copies: the full check refuses the blob, the lazy open accepts it
 * and the packet path stays inside the buffer. */
static void test_record_mismatch(void **state)
{
    (void)state;
    const rt_blob_header_t *h = (const rt_blob_header_t *)g_blob;
    const rt_node_t *nodes = (const rt_node_t *)(g_blob + h->nodes_off);
    int tried = 0;
    for (uint32_t i = 0; i < h->node_count; i++) {
        if (nodes[i + 1].types_first == nodes[i].types_first)
            continue;
        size_t rec = h->bytes_off + (size_t)rt_node_rec_off(nodes[i].name_off, nodes[i].name_len);
        /* the count, the first entry's type, its image index, its image's length */
        const size_t at[] = {0, 4, 8, 12 + 4};
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            uint8_t *copy = aligned_alloc(8, g_blob_len);
            memcpy(copy, g_blob, g_blob_len);
            copy[rec + at[k]] ^= 0x41;
            rt_db_t db;
            assert_int_not_equal(rt_db_open(&db, copy, g_blob_len), 0);
            assert_int_equal(rt_db_open_lazy(&db, copy, g_blob_len), 0);
            rt_ctx_t ctx = {.db = &db, .rng = 1};
            static uint8_t b[4096 + 64];
            qb_t q;
            const uint8_t *nm = g_blob + h->bytes_off + nodes[i].name_off;
            char text[300];
            size_t tl = 0;
            for (size_t p = 0; nm[p]; p += 1u + nm[p]) {
                memcpy(text + tl, nm + p + 1, nm[p]);
                tl += nm[p];
                text[tl++] = '.';
            }
            text[tl ? tl - 1 : 0] = 0;
            qb_query(&q, text, 1, 1232);
            memcpy(b, q.b, q.len);
            memset(b + 4096, 0xa5, 64);
            size_t n = rt_query_process(&ctx, b, q.len, 4096, NULL);
            assert_true(n <= 4096);
            for (int j = 0; j < 64; j++)
                assert_int_equal(b[4096 + j], 0xa5);
            free(copy);
            tried++;
        }
    }
    assert_true(tried > 8);
}

/* An empty database (no zones) answers REFUSED to everything. */
static void test_empty_db(void **state)
{
    (void)state;
    static tb_t t;
    memset(&t, 0, sizeof t);
    size_t len;
    uint8_t *blob = tb_finish(&t, 0, 0, &len);
    rt_db_t db;
    ((rt_blob_header_t *)blob)->zone_count = 0;
    assert_int_equal(rt_db_open(&db, blob, len), 0);
    rt_ctx_t ctx = {.db = &db};
    qb_t q;
    resp_t r;
    qb_query(&q, "www.example.com", 1, 0);
    memcpy(g_buf, q.b, q.len);
    size_t n = rt_query_process(&ctx, g_buf, q.len, sizeof g_buf, NULL);
    assert_int_equal(parse_resp(g_buf, n, &r), 0);
    assert_int_equal(r.rcode, 5);
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_db_open),       cmocka_unit_test(test_exact),
        cmocka_unit_test(test_nxdomain_nodata), cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_referral),      cmocka_unit_test(test_cname_any),
        cmocka_unit_test(test_truncation),    cmocka_unit_test(test_drops),
        cmocka_unit_test(test_formerr),       cmocka_unit_test(test_edns),
        cmocka_unit_test(test_codes),         cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_mutations),     cmocka_unit_test(test_empty_db),
        cmocka_unit_test(test_corrupt_tables),
        cmocka_unit_test(test_record_mismatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
