/* test_layout.c -- unit tests for compiler/layout.c (IR -> blob of runtime/rt.h)
 * SPDX-License-Identifier: MIT
 *
 * Builds blobs for small zones, opens them with the runtime's rt_db_open(),
 * decodes every image as DNS sections, and asks rt_query_process() the
 * questions whose answers Knot DNS 3.2 gives (see the top of layout.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "dname.h"
#include "ir.h"
#include "layout.h"
#include "mphf.h"
#include "query.h"
#include "rrtype.h"
#include "zonefile.h"

static const char *ZONE =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "@ NS ns2.example.com.\n"
    "@ MX 10 mail\n"
    "@ A 192.0.2.1\n"
    "ns1 A 192.0.2.53\n"
    "ns1 AAAA 2001:db8::53\n"
    "ns2 A 192.0.2.54\n"
    "mail A 192.0.2.25\n"
    "www A 192.0.2.80\n"
    "www TXT \"hello\"\n"
    "c1 CNAME c2\n"
    "c2 CNAME www\n"
    "cx CNAME nothere\n"
    "*.wild A 192.0.2.99\n"
    "*.wc CNAME www\n"
    "x.y.ent TXT \"deep\"\n"
    "sub NS ns.sub\n"
    "sub DS 1 8 2 00112233\n"
    "ns.sub A 192.0.2.200\n"
    "big MX 1 m1\nbig MX 2 m2\nbig MX 3 m3\nbig MX 4 m4\nbig MX 5 m5\nbig MX 6 m6\n"
    "big MX 7 m7\nbig MX 8 m8\nbig MX 9 m9\nbig MX 10 m10\nbig MX 11 m11\nbig MX 12 m12\n"
    "big MX 13 m13\nbig MX 14 m14\nbig MX 15 m15\nbig MX 16 m16\nbig MX 17 m17\nbig MX 18 m18\n"
    "big MX 19 m19\nbig MX 20 m20\nbig MX 21 m21\nbig MX 22 m22\nbig MX 23 m23\nbig MX 24 m24\n"
    "m1 A 10.0.0.1\nm2 A 10.0.0.2\nm3 A 10.0.0.3\nm4 A 10.0.0.4\nm5 A 10.0.0.5\nm6 A 10.0.0.6\n"
    "m7 A 10.0.0.7\nm8 A 10.0.0.8\nm9 A 10.0.0.9\nm10 A 10.0.0.10\nm11 A 10.0.0.11\n"
    "m12 A 10.0.0.12\nm13 A 10.0.0.13\nm14 A 10.0.0.14\nm15 A 10.0.0.15\nm16 A 10.0.0.16\n"
    "m17 A 10.0.0.17\nm18 A 10.0.0.18\nm19 A 10.0.0.19\nm20 A 10.0.0.20\nm21 A 10.0.0.21\n"
    "m22 A 10.0.0.22\nm23 A 10.0.0.23\nm24 A 10.0.0.24\n";

static uint8_t *blob_bytes;
static size_t blob_len;
static rt_db_t db;

static ir_t *load(const char *text)
{
    diag_reset();
    diag_set_stream(NULL);
    uint8_t apex[DNAME_MAX];
    size_t alen;
    dname_from_text(apex, &alen, "example.com.", 12, NULL);
    uint32_t fid = diag_add_file("l.zone", text, strlen(text));
    ir_t *ir = ir_new();
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){fid, 0, 0});
    zonefile_opts_t o = {apex, 3600, 1};
    assert_int_equal(zonefile_read_text(ir, z, fid, text, strlen(text), 1, 1, ".", &o), 0);
    assert_int_equal(ir_check(ir), 0);
    ir_finish(ir);
    return ir;
}

static int setup(void **state)
{
    (void)state;
    ir_t *ir = load(ZONE);
    uint8_t *b;
    size_t len;
    if (layout_build(ir, 7, &b, &len) != 0)
        return -1;
    blob_bytes = aligned_alloc(8, (len + 7) & ~(size_t)7);
    memcpy(blob_bytes, b, len);
    blob_len = len;
    free(b);
    ir_free(ir);
    return rt_db_open(&db, blob_bytes, blob_len) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(blob_bytes);
    return 0;
}

static void test_header(void **state)
{
    (void)state;
    const rt_blob_header_t *h = db.hdr;
    assert_int_equal(h->magic, RT_BLOB_MAGIC);
    assert_int_equal(h->abi, RT_ABI_VERSION);
    assert_int_equal(h->total_len, blob_len);
    assert_int_equal(h->zone_count, 1);
    assert_int_equal(h->zones_off % 8, 0);
    assert_int_equal(h->nodes_off % 8, 0);
    assert_int_equal(h->mphf_off % 8, 0);
    assert_int_equal(db.nodes[h->node_count].types_first, h->typeent_count);
}

/* Every node's name maps to its own slot. */
static void test_every_name_found(void **state)
{
    (void)state;
    const rt_blob_header_t *h = db.hdr;
    for (uint32_t i = 0; i < h->node_count; i++) {
        const rt_node_t *n = &db.nodes[i];
        const uint8_t *name = db.bytes + n->name_off;
        assert_int_equal(dname_len(name), n->name_len);
        assert_int_equal(mphf_lookup(db.mphf, name, n->name_len), i);
        for (unsigned j = 0; j < n->name_len; j++)
            assert_false(name[j] >= 'A' && name[j] <= 'Z');
        assert_true(n->types_first <= db.nodes[i + 1].types_first);
        /* entries sorted by type */
        for (uint32_t t = n->types_first + 1; t < db.nodes[i + 1].types_first; t++)
            assert_true(db.typeents[t - 1].type < db.typeents[t].type);
    }
}

/* Reads a possibly compressed name at msg[*pos]; pointers must go backwards. */
static int read_name(const uint8_t *msg, size_t len, size_t *pos)
{
    size_t p = *pos, hops = 0, total = 0;
    int jumped = 0;
    for (;;) {
        if (p >= len)
            return -1;
        uint8_t c = msg[p];
        if ((c & 0xC0) == 0xC0) {
            if (p + 1 >= len)
                return -1;
            size_t t = (size_t)(c & 0x3f) << 8 | msg[p + 1];
            if (t >= p || ++hops > 64)
                return -1;
            if (!jumped)
                *pos = p + 2;
            jumped = 1;
            p = t;
            continue;
        }
        if (c > 63)
            return -1;
        total += c + 1u;
        if (total > 255)
            return -1;
        if (c == 0) {
            if (!jumped)
                *pos = p + 1;
            return 0;
        }
        p += c + 1u;
    }
}

/* Puts header + question(qname) + image (fixups applied) into msg and checks
 * that the sections decode with the image's counts. */
static void check_image(uint32_t idx, const uint8_t *qname, size_t qlen)
{
    const rt_image_t *im = &db.images[idx];
    uint8_t msg[70000];
    memset(msg, 0, 12);
    memcpy(msg + 12, qname, qlen);
    size_t base = 12 + qlen + 4;
    memcpy(msg + base, db.bytes + im->off, im->len);
    const uint8_t *tail = db.bytes + im->off + im->len;
    for (unsigned f = 0; f < im->nfixups; f++) {
        unsigned pos = tail[2 * f] | tail[2 * f + 1] << 8;
        assert_true(im->flags & RT_IMG_FIXUPS);
        assert_true(pos + 2u <= im->len);
        unsigned stored = msg[base + pos] << 8 | msg[base + pos + 1];
        unsigned target = (unsigned)(12 + qlen + stored - RT_FIXUP_BIAS);
        assert_true(target < 0x4000);
        msg[base + pos] = (uint8_t)(0xC0 | target >> 8);
        msg[base + pos + 1] = (uint8_t)target;
    }
    size_t end = base + im->len, p = base;
    unsigned rrs = (unsigned)im->ancount + im->nscount + im->arcount;
    for (unsigned r = 0; r < rrs; r++) {
        assert_int_equal(read_name(msg, end, &p), 0);
        assert_true(p + 10 <= end);
        unsigned rdlen = msg[p + 8] << 8 | msg[p + 9];
        unsigned type = msg[p] << 8 | msg[p + 1];
        p += 10;
        assert_true(p + rdlen <= end);
        if (type == RR_NS || type == RR_CNAME) {
            size_t q = p;
            assert_int_equal(read_name(msg, end, &q), 0);
            assert_int_equal(q, p + rdlen);
        }
        p += rdlen;
    }
    assert_int_equal(p, end);
    /* cut points: (end of mandatory part, 0), then growing units */
    const uint8_t *c = tail + 2 * im->nfixups;
    unsigned prev_len = 0, prev_ar = 0;
    for (unsigned k = 0; k < im->ncuts; k++) {
        unsigned l = c[4 * k] | c[4 * k + 1] << 8;
        unsigned ar = (c[4 * k + 2] | c[4 * k + 3] << 8) & ~RT_CUT_REQUIRED;
        if (k == 0)
            assert_int_equal(ar, 0);
        else
            assert_true(l > prev_len && ar > prev_ar);
        prev_len = l;
        prev_ar = ar;
    }
    if (im->ncuts) {
        assert_int_equal(prev_len, im->len);
        assert_int_equal(prev_ar, im->arcount);
    }
}

static void test_images_decode(void **state)
{
    (void)state;
    const rt_blob_header_t *h = db.hdr;
    for (uint32_t i = 0; i < h->node_count; i++) {
        const rt_node_t *n = &db.nodes[i];
        for (uint32_t t = n->types_first; t < db.nodes[i + 1].types_first; t++)
            check_image(db.typeents[t].image, db.bytes + n->name_off, n->name_len);
    }
    const rt_zone_t *z = &db.zones[0];
    check_image(z->nxdomain_img, (const uint8_t *)"\3abc\7example\3com", 17);
    check_image(z->nodata_img, (const uint8_t *)"\7example\3com", 13);
    assert_int_equal(db.images[z->nxdomain_img].flags & RT_IMG_RCODE_MASK, 3);
}

/* ---- answers through the runtime ---------------------------------------------- */

typedef struct resp {
    uint8_t buf[RT_BUF_MIN];
    size_t len;
    unsigned rcode, aa, tc, an, ns, ar;
} resp_t;

static resp_t R;

static void ask(const char *name, uint16_t type, unsigned bufsize)
{
    uint8_t *q = R.buf;
    memset(q, 0, 12);
    q[0] = 0x12;
    q[5] = 1;
    size_t nl;
    assert_int_equal(dname_from_text(q + 12, &nl, name, strlen(name), NULL), 0);
    size_t n = 12 + nl;
    q[n++] = (uint8_t)(type >> 8);
    q[n++] = (uint8_t)type;
    q[n++] = 0;
    q[n++] = 1;
    if (bufsize) {
        q[11] = 1;
        uint8_t opt[11] = {0, 0, 41, (uint8_t)(bufsize >> 8), (uint8_t)bufsize, 0, 0, 0, 0, 0, 0};
        memcpy(q + n, opt, 11);
        n += 11;
    }
    rt_ctx_t ctx = {.db = &db, .rng = 1};
    rt_peer_t peer = {4, 0, {127, 0, 0, 1}};
    R.len = rt_query_process(&ctx, q, n, RT_BUF_MIN, &peer);
    assert_true(R.len >= 12);
    R.rcode = q[3] & 15;
    R.aa = (q[2] >> 2) & 1;
    R.tc = (q[2] >> 1) & 1;
    R.an = q[6] << 8 | q[7];
    R.ns = q[8] << 8 | q[9];
    R.ar = (unsigned)(q[10] << 8 | q[11]) - (bufsize ? 1u : 0u);
}

static void expect_resp(unsigned rcode, unsigned aa, unsigned tc, unsigned an, unsigned ns,
                        unsigned ar)
{
    if (R.rcode != rcode || R.aa != aa || R.tc != tc || R.an != an || R.ns != ns || R.ar != ar) {
        print_error("got rcode %u aa %u tc %u an %u ns %u ar %u\n", R.rcode, R.aa, R.tc, R.an,
                    R.ns, R.ar);
        fail();
    }
}

static void test_answers(void **state)
{
    (void)state;
    ask("www.example.com.", RR_A, 1232);
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("WWW.Example.COM.", RR_TXT, 1232);
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("www.example.com.", RR_MX, 1232); /* NODATA */
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("nope.example.com.", RR_A, 1232); /* NXDOMAIN */
    expect_resp(3, 1, 0, 0, 1, 0);
    ask("example.com.", RR_NS, 1232); /* NS + A, AAAA of ns1 + A of ns2 */
    expect_resp(0, 1, 0, 2, 0, 3);
    ask("example.com.", RR_MX, 1232);
    expect_resp(0, 1, 0, 1, 0, 1);
    ask("example.com.", RR_ANY, 1232); /* lowest type only: A */
    expect_resp(0, 1, 0, 1, 0, 0);
}

static void test_cname(void **state)
{
    (void)state;
    ask("c1.example.com.", RR_A, 1232);
    expect_resp(0, 1, 0, 3, 0, 0);
    ask("c1.example.com.", RR_MX, 1232); /* chain + NODATA */
    expect_resp(0, 1, 0, 2, 1, 0);
    ask("c1.example.com.", RR_CNAME, 1232);
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("c1.example.com.", RR_ANY, 1232);
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("cx.example.com.", RR_A, 1232); /* chain to a nonexistent name */
    expect_resp(3, 1, 0, 1, 1, 0);
    ask("q.wc.example.com.", RR_TXT, 1232); /* wildcard CNAME, chased */
    expect_resp(0, 1, 0, 2, 0, 0);
}

static void test_wildcard_ent(void **state)
{
    (void)state;
    ask("a.b.wild.example.com.", RR_A, 1232);
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("a.wild.example.com.", RR_MX, 1232);
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("wild.example.com.", RR_A, 1232); /* ENT */
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("y.ent.example.com.", RR_A, 1232);
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("z.y.ent.example.com.", RR_A, 1232);
    expect_resp(3, 1, 0, 0, 1, 0);
}

static void test_referral(void **state)
{
    (void)state;
    ask("sub.example.com.", RR_A, 1232);
    expect_resp(0, 0, 0, 0, 1, 1);
    ask("a.b.sub.example.com.", RR_MX, 1232);
    expect_resp(0, 0, 0, 0, 1, 1);
    ask("ns.sub.example.com.", RR_A, 1232);
    expect_resp(0, 0, 0, 0, 1, 1);
    ask("sub.example.com.", RR_DS, 1232); /* DS at the cut: authoritative */
    expect_resp(0, 1, 0, 1, 0, 0);
}

/* 24 MX: the answer fits 512 but not all of the additional data; Knot
 * drops additional RRsets silently (no TC). */
static void test_truncation(void **state)
{
    (void)state;
    ask("big.example.com.", RR_MX, 0);
    assert_int_equal(R.tc, 0);
    assert_int_equal(R.an, 24);
    assert_true(R.ar < 24);
    assert_true(R.len <= 512);
    ask("big.example.com.", RR_MX, 1232);
    expect_resp(0, 1, 0, 24, 0, 24);
}

/* Same IR and seed: byte-identical blob. */
static void test_reproducible(void **state)
{
    (void)state;
    uint8_t *b1, *b2;
    size_t l1, l2;
    ir_t *ir1 = load(ZONE);
    assert_int_equal(layout_build(ir1, 7, &b1, &l1), 0);
    ir_t *ir2 = load(ZONE);
    assert_int_equal(layout_build(ir2, 7, &b2, &l2), 0);
    assert_int_equal(l1, l2);
    assert_memory_equal(b1, b2, l1);
    assert_int_equal(l1, blob_len);
    assert_memory_equal(b1, blob_bytes, l1);
    free(b1);
    free(b2);
    ir_free(ir1);
    ir_free(ir2);
}

/* ---- ir_finish(): canonical order, empty non-terminals, nested zones ------------- */

/* Adds zone `apex` with `text` to `ir`. */
static ir_zone_t *add_zone(ir_t *ir, const char *apex_text, const char *text)
{
    uint8_t apex[DNAME_MAX];
    size_t alen;
    assert_int_equal(dname_from_text(apex, &alen, apex_text, strlen(apex_text), NULL), 0);
    uint32_t fid = diag_add_file(apex_text, text, strlen(text));
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){fid, 0, 0});
    zonefile_opts_t o = {apex, 3600, 1};
    assert_int_equal(zonefile_read_text(ir, z, fid, text, strlen(text), 1, 1, ".", &o), 0);
    return z;
}

/* Names that stress the sort keys: case, bytes 0x00, 0x01 and 0xff inside
 * labels, "*", a label that is a prefix of another, deep ENT chains. */
static void test_canonical_order(void **state)
{
    (void)state;
    diag_reset();
    diag_set_stream(NULL);
    ir_t *ir = ir_new();
    ir_zone_t *z = add_zone(ir, "Example.COM.",
                            "@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n"
                            "a A 192.0.2.2\nZ A 192.0.2.2\n\\000 A 192.0.2.3\n"
                            "\\001 A 192.0.2.3\n\\001\\000 A 192.0.2.3\n\\000\\001 A 192.0.2.3\n"
                            "\\255 A 192.0.2.3\n* A 192.0.2.4\n*.b TXT x\nab A 192.0.2.5\n"
                            "a.ab A 192.0.2.5\nAAAAAAAA.BBBBBBBB.c TXT y\nq.r.s.t.u.v.w TXT deep\n"
                            "zz.yy.a TXT x\n\\001.yy.a TXT x\ncut NS ns.cut\nns.cut A 192.0.2.9\n"
                            "x.y.cut TXT occluded\n");
    diag_disable_warning("occluded");
    ir_check(ir);
    ir_finish(ir);
    assert_ptr_equal(z->sorted[0], z->apex_node);
    assert_true(z->apex_node->is_apex);
    unsigned ents = 0;
    for (size_t i = 0; i < z->node_count; i++) {
        const ir_node_t *n = z->sorted[i];
        assert_int_equal(n->index, i);
        if (i > 0) {
            assert_true(dname_canon_cmp(z->sorted[i - 1]->key, n->key) < 0);
            /* every ancestor exists: the parent is a node */
            const ir_node_t *p = ir_node_find(z, dname_parent(n->key));
            assert_non_null(p);
            assert_true(p->index < n->index);
            assert_int_equal(n->below_cut, p->is_cut || p->below_cut);
        }
        ents += n->is_ent;
    }
    /* b c s t.s ... w yy.a y.cut r.s.t.u.v.w = ENTs; BBBBBBBB.c too */
    assert_int_equal(ents, 11);
    const ir_node_t *occ = ir_node_find(z, (const uint8_t *)"\1x\1y\3cut\7example\3com");
    assert_non_null(occ);
    assert_true(occ->below_cut);
    assert_string_equal((const char *)occ->cut->key, "\3cut\7example\3com");
    assert_int_equal(z->nested_count, 0);
    assert_null(z->parent);
    ir_free(ir);
}

/* Parent and child hosted together: the child serves its names, the parent
 * answers DS at the child's apex, CNAMEs into the child and glue from its own
 * content (as Knot does). */
static void test_nested_zones(void **state)
{
    (void)state;
    diag_reset();
    diag_set_stream(NULL);
    ir_t *ir = ir_new();
    ir_zone_t *c = add_zone(ir, "c.p.example.",
                            "@ SOA ns1 hm 2 2 3 4 600\n@ NS ns1\nns1 A 192.0.2.153\n"
                            "www A 192.0.2.154\n@ DS 2 8 2 0011\n");
    ir_zone_t *p = add_zone(ir, "p.example.",
                            "@ SOA ns1 hm 1 2 3 4 300\n@ NS ns1\n@ NS ns1.c\nns1 A 192.0.2.1\n"
                            "c NS ns1.c\nc DS 1 8 2 00112233\nns1.c A 192.0.2.53\n"
                            "www.c A 192.0.2.99\nalias CNAME www.c\nx.y.e A 192.0.2.8\n"
                            "k.l NS ns.k.l\nns.k.l A 192.0.2.9\n");
    ir_zone_t *e = add_zone(ir, "e.p.example.", "@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n");
    ir_zone_t *f = add_zone(ir, "f.p.example.", "@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n");
    ir_zone_t *kl = add_zone(ir, "k.l.p.example.", "@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n");
    assert_int_equal(ir_check(ir), 0);
    ir_finish(ir);
    assert_ptr_equal(c->parent, p);
    assert_ptr_equal(e->parent, p);
    assert_ptr_equal(kl->parent, p);
    assert_ptr_equal(f->parent, p);
    assert_null(p->parent);
    /* p keeps c, ns1.c, www.c, e (ENT), y.e (ENT), x.y.e and k.l, ns.k.l aside */
    assert_int_equal(p->nested_count, 8);
    for (size_t i = 0; i < p->nested_count; i++) {
        assert_true(p->nested[i]->nested);
        if (i)
            assert_true(dname_canon_cmp(p->nested[i - 1]->key, p->nested[i]->key) < 0);
    }
    for (size_t i = 0; i < p->node_count; i++)
        assert_false(p->sorted[i]->nested);
    assert_non_null(ir_node_find(p, (const uint8_t *)"\3www\1c\1p\7example")); /* still found */
    const ir_node_t *l = ir_node_find(p, (const uint8_t *)"\1l\1p\7example");
    assert_non_null(l); /* an ENT of the parent above a hosted child */
    assert_false(l->nested);
    assert_true(l->is_ent);

    uint8_t *b;
    size_t len;
    assert_int_equal(layout_build(ir, 3, &b, &len), 0);
    uint8_t *mem = aligned_alloc(8, (len + 7) & ~(size_t)7);
    memcpy(mem, b, len);
    free(b);
    rt_db_t saved = db;
    assert_int_equal(rt_db_open(&db, mem, len), 0);
    assert_int_equal(db.hdr->zone_count, 5);

    ask("c.p.example.", RR_DS, 1232); /* the parent's DS, TTL of the parent */
    expect_resp(0, 1, 0, 1, 0, 0);
    assert_memory_equal(R.buf + R.len - 11 - 4, "\0\x11\x22\x33", 4);
    ask("c.p.example.", RR_SOA, 1232); /* the child's apex */
    expect_resp(0, 1, 0, 1, 0, 0);
    ask("www.c.p.example.", RR_A, 1232); /* the child's www, not the parent's */
    expect_resp(0, 1, 0, 1, 0, 0);
    assert_memory_equal(R.buf + R.len - 11 - 4, "\xc0\x00\x02\x9a", 4);
    ask("alias.p.example.", RR_A, 1232); /* the parent's referral to c */
    expect_resp(0, 1, 0, 1, 1, 1);
    ask("p.example.", RR_NS, 1232); /* glue of ns1.c from the parent */
    expect_resp(0, 1, 0, 2, 0, 2);
    ask("e.p.example.", RR_DS, 1232); /* an ENT of the parent: NODATA */
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("f.p.example.", RR_DS, 1232); /* nothing in the parent: NXDOMAIN */
    expect_resp(3, 1, 0, 0, 1, 0);
    ask("l.p.example.", RR_A, 1232); /* ENT of the parent */
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("k.l.p.example.", RR_DS, 1232); /* delegation without DS: NODATA */
    expect_resp(0, 1, 0, 0, 1, 0);
    ask("x.y.e.p.example.", RR_A, 1232); /* the child's NXDOMAIN */
    expect_resp(3, 1, 0, 0, 1, 0);

    db = saved;
    free(mem);
    ir_free(ir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_every_name_found),
        cmocka_unit_test(test_images_decode),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_cname),
        cmocka_unit_test(test_wildcard_ent),
        cmocka_unit_test(test_referral),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_reproducible),
        cmocka_unit_test(test_canonical_order),
        cmocka_unit_test(test_nested_zones),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
