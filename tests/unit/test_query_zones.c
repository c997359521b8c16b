/* test_query_zones.c -- the packet path over blobs compiled from tests/zones
 * SPDX-License-Identifier: MIT
 *
 * Each .zone file of tests/zones goes through the real compiler pipeline
 * (zonefile -> ir_check -> ir_finish -> layout_build) and rt_db_open(); then
 * every node name of the blob, in random letter case, with and without a
 * label in front, is asked for a set of types over UDP (no EDNS, 1232) and
 * TCP. Every response must be well formed, echo the question byte for byte,
 * never be REFUSED for a name inside the zone, fit the transport limit, and
 * the names in its records must decompress inside the message. Protocol
 * details are compared with Knot by tests/diff; this checks the contract
 * between layout.c and query.c on real data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ir.h"
#include "layout.h"
#include "query.h"
#include "test_query_blob.h"
#include "zonefile.h"

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* Compiles one zone file; returns the blob (8-aligned copy) or NULL. */
static uint8_t *compile_zone(const char *path, size_t *len)
{
    static const loc_t cmdline = {0, 0, 0};
    zonefile_opts_t o = {.origin = NULL, .default_ttl = 3600, .have_default_ttl = 1};
    diag_reset();
    ir_t *ir = ir_new();
    zonefile_read_file(ir, NULL, path, cmdline, &o);
    if (diag_error_count() == 0)
        ir_check(ir);
    if (diag_error_count() == 0)
        ir_finish(ir);
    uint8_t *blob = NULL, *copy = NULL;
    if (diag_error_count() == 0 && layout_build(ir, 1, &blob, len) == 0) {
        copy = aligned_alloc(8, (*len + 7) & ~(size_t)7);
        memcpy(copy, blob, *len);
    }
    free(blob);
    ir_free(ir);
    return copy;
}

/* Compiles every .zone file of tests/zones (ZONEC_TEST_DIR/zones) and
 * calls fn with its opened blob. Returns: the number of zones (the test is
 * skipped when the directory is missing). */
static int for_each_zone(void (*fn)(const rt_db_t *db, void *arg), void *arg)
{
    const char *dir = getenv("ZONEC_TEST_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/zones", dir ? dir : "tests");
    DIR *d = opendir(path);
    if (d == NULL)
        skip();
    struct dirent *e;
    int zones = 0;
    FILE *devnull = fopen("/dev/null", "w");
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".zone") != 0)
            continue;
        char file[4600];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        size_t blen;
        diag_set_stream(devnull);
        uint8_t *blob = compile_zone(file, &blen);
        diag_set_stream(stderr);
        assert_non_null(blob);
        rt_db_t db;
        assert_int_equal(rt_db_open(&db, blob, blen), 0);
        fn(&db, arg);
        free(blob);
        zones++;
    }
    closedir(d);
    fclose(devnull);
    return zones;
}

static unsigned check_name(rt_ctx_t *ctx, const uint8_t *wire, size_t wlen, unsigned qtype,
                           int edns, int tcp, int inside)
{
    static uint8_t buf[65536];
    uint8_t q[600];
    size_t n = 12;
    memset(q, 0, 12);
    q[0] = 0x5a;
    q[1] = 0xa5;
    q[2] = 0x01;
    q[5] = 1;
    q[11] = (uint8_t)(edns ? 1 : 0);
    memcpy(q + n, wire, wlen);
    for (size_t i = 0; i < wlen; i++) /* random 0x20 case, length bytes are < 'A' */
        if (q[n + i] >= 'a' && q[n + i] <= 'z' && (rnd() & 1))
            q[n + i] ^= 0x20;
    n += wlen;
    wire_write_u16(q + n, (uint16_t)qtype);
    wire_write_u16(q + n + 2, 1);
    n += 4;
    if (edns) {
        memcpy(q + n, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
        n += 11;
    }
    memcpy(buf, q, n);
    rt_peer_t peer = {.family = 4, .tcp = (uint8_t)tcp};
    size_t rlen = rt_query_process(ctx, buf, n, sizeof buf, &peer);
    resp_t r;
    assert_true(rlen >= 12);
    assert_int_equal(parse_resp(buf, rlen, &r), 0);
    assert_memory_equal(buf, q, 2);
    assert_memory_equal(buf + 12, q + 12, wlen + 4); /* question, case kept */
    assert_int_equal(r.qr, 1);
    assert_int_equal(r.has_opt, edns);
    assert_true(rlen <= (tcp ? 65535u : edns ? RT_EDNS_MAX_UDP : 512u));
    if (inside)
        assert_int_not_equal(r.rcode, 5);
    assert_true(r.rcode == 0 || r.rcode == 3 || r.rcode == 5);
    if (!r.tc && r.rcode == 0 && r.aa)
        assert_true(r.an > 0 || r.ns > 0); /* an answer or a NODATA SOA */
    return r.rcode;
}

/* Every node name, with and without a label in front, for each type. */
static void zone_queries(const rt_db_t *db, void *arg)
{
    unsigned long *queries = arg;
    rt_ctx_t ctx = {.db = db, .rng = 1};
    static const unsigned types[] = {1, 28, 2, 15, 16, 6, 5, 43, 255, 33, 46, 65535, 12};
    for (uint32_t i = 0; i < db->hdr->node_count; i++) {
        const rt_node_t *n = &db->nodes[i];
        const uint8_t *name = db->bytes + n->name_off;
        uint8_t child[300];
        for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
            check_name(&ctx, name, n->name_len, types[t], 0, 0, 1);
            check_name(&ctx, name, n->name_len, types[t], 1, 0, 1);
            check_name(&ctx, name, n->name_len, types[t], 0, 1, 1);
            *queries += 3;
            if (n->name_len + 4u <= 255u) { /* a name below it: NXDOMAIN, wildcard or referral */
                memcpy(child, "\x03zzq", 4);
                memcpy(child + 4, name, n->name_len);
                check_name(&ctx, child, n->name_len + 4u, types[t], (int)(t & 1), 0, 1);
                (*queries)++;
            }
        }
    }
    /* outside the zone */
    assert_int_equal(check_name(&ctx, (const uint8_t *)"\x07invalid\x00", 9, 1, 0, 0, 0), 5);
}

static void test_zones(void **state)
{
    (void)state;
    unsigned long queries = 0;
    int zones = for_each_zone(zone_queries, &queries);
    assert_true(zones > 0);
    printf("  %d zones, %lu queries\n", zones, queries);
}

/* One query into q: name (random letter case), type, EDNS (0 none, 1 bare
 * OPT, 2 OPT with an ECS option), and now and then a malformed variant.
 * Returns its length. */
static size_t make_query(uint8_t *q, const uint8_t *wire, size_t wlen, unsigned qtype, int edns)
{
    size_t n = 12;
    memset(q, 0, 12);
    q[0] = (uint8_t)rnd();
    q[1] = (uint8_t)rnd();
    q[5] = 1;
    q[11] = (uint8_t)(edns ? 1 : 0);
    memcpy(q + n, wire, wlen);
    for (size_t i = 0; i < wlen; i++)
        if (q[n + i] >= 'a' && q[n + i] <= 'z' && (rnd() & 1))
            q[n + i] ^= 0x20;
    n += wlen;
    wire_write_u16(q + n, (uint16_t)qtype);
    wire_write_u16(q + n + 2, 1);
    n += 4;
    if (edns == 1) {
        memcpy(q + n, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
        n += 11;
    } else if (edns == 2) { /* ECS 192.0.2.0/24 */
        memcpy(q + n, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x0b\x00\x08\x00\x07\x00\x01\x18\x00\xc0\x00\x02", 22);
        n += 22;
    }
    switch (rnd() % 16) {
    case 0: q[2] |= 0x80; break;                   /* a response: dropped */
    case 1: q[5] = 2; break;                       /* QDCOUNT 2: dropped */
    case 2: q[2] = (uint8_t)(q[2] | 0x10); break;  /* opcode 2: NOTIMP */
    case 3: q[n - (edns ? 9 : 1)] ^= 3; break;     /* class or OPT field */
    case 4: n -= 1 + rnd() % 4; break;             /* cut short */
    case 5: q[n++] = 0; break;                     /* a trailing byte: FORMERR */
    default: break;
    }
    return n;
}

/* 60 random batches of 1..45 queries over one zone (see test_batch). */
static void zone_batches(const rt_db_t *db, void *arg)
{
    unsigned long *total = arg;
    enum { CAP = 4096, MAXB = 45 };
    uint8_t *one = malloc((size_t)MAXB * CAP), *many = malloc((size_t)MAXB * CAP);
    static const unsigned types[] = {1, 28, 2, 15, 16, 6, 5, 43, 255, 33, 46, 0, 252, 251, 12};
    rt_ctx_t c1 = {.db = db, .rng = 5}, c2 = {.db = db, .rng = 5};
    uint32_t nn = db->hdr->node_count;
    for (int round = 0; round < 60; round++) {
        unsigned b = 1 + (unsigned)(rnd() % MAXB);
        rt_qitem_t items[MAXB];
        for (unsigned i = 0; i < b; i++) {
            uint8_t name[300];
            size_t nl;
            uint32_t k = (uint32_t)(rnd() % (nn + 2));
            if (k >= nn) { /* outside the zone, or the root */
                nl = k == nn ? 9 : 1;
                memcpy(name, k == nn ? "\x07invalid\x00" : "\x00", nl);
            } else {
                const rt_node_t *n = &db->nodes[k];
                nl = n->name_len;
                memcpy(name, db->bytes + n->name_off, nl);
                if ((rnd() & 3) == 0 && nl + 4 <= 255) { /* a name below it */
                    memmove(name + 4, name, nl);
                    memcpy(name, "\x03zzq", 4);
                    nl += 4;
                }
            }
            uint8_t *q1 = one + (size_t)i * CAP, *q2 = many + (size_t)i * CAP;
            size_t ql = make_query(q1, name, nl, types[rnd() % (sizeof types / sizeof types[0])],
                                   (int)(rnd() % 3));
            memcpy(q2, q1, ql);
            items[i].buf = q2;
            items[i].len = ql;
            memset(&items[i].peer, 0, sizeof items[i].peer);
            items[i].peer.family = 4;
            items[i].peer.addr[0] = 127;
            items[i].peer.addr[3] = (uint8_t)(1 + rnd() % 3);
            items[i].zone = items[i].policy = 12345;
        }
        size_t want[MAXB];
        uint32_t wz[MAXB], wp[MAXB];
        for (unsigned i = 0; i < b; i++) {
            want[i] = rt_query_process(&c1, one + (size_t)i * CAP, items[i].len, CAP, &items[i].peer);
            wz[i] = c1.last_zone;
            wp[i] = c1.last_policy;
        }
        rt_query_process_batch(&c2, items, b, CAP);
        for (unsigned i = 0; i < b; i++) {
            assert_int_equal(items[i].len, want[i]);
            assert_memory_equal(items[i].buf, one + (size_t)i * CAP, want[i]);
            assert_int_equal(items[i].zone, wz[i]);
            assert_int_equal(items[i].policy, wp[i]);
        }
        assert_int_equal(c1.rng, c2.rng);
        *total += b;
    }
    free(one);
    free(many);
}

/* rt_query_process_batch() answers like rt_query_process() on the same
 * queries in order: same bytes, lengths, zone and policy per query, and
 * the same random state afterwards; batches of 1..45 (over RT_QBATCH_MAX). */
static void test_batch(void **state)
{
    (void)state;
    unsigned long total = 0;
    for_each_zone(zone_batches, &total);
    assert_true(total > 0);
    printf("  %lu queries, one by one and in batches\n", total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_zones), cmocka_unit_test(test_batch)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
