/* test_query_blob.h -- a tiny hand-made blob (runtime/rt.h) for packet-path tests
 * SPDX-License-Identifier: MIT
 *
 * Builds, without the compiler, one zone "example.com." whose images are
 * written by hand the way rt.h describes them (exact images with final
 * pointers, shared images with fixups, additional-section units with cut
 * points), so the runtime can be tested on its own; and a strict parser
 * of responses (parse_resp) shared by the packet-path tests. Test-only code:
 * it allocates freely and aborts on failure.
 */
#ifndef ZONEC_TEST_QUERY_BLOB_H
#define ZONEC_TEST_QUERY_BLOB_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mphf.h"
#include "query.h"
#include "rt.h"
#include "wire.h"

#define TB_MAX_IMG 32
#define TB_MAX_NODE 32

typedef struct tb_img {
    uint8_t b[4096];
    uint16_t len, an, ns, ar;
    uint8_t flags;
    uint16_t fix[32];
    int nfix;
    uint16_t cut[16][2];
    int ncut;
    int qlen; /* qname length for exact images (final pointers), 0 = shared */
} tb_img_t;

typedef struct tb_node {
    uint8_t name[256];
    uint8_t name_len;
    uint8_t flags;
    uint32_t aux;
    int ntypes;
    uint16_t type[8];
    uint32_t img[8];
} tb_node_t;

typedef struct tb {
    tb_img_t img[TB_MAX_IMG];
    int nimg;
    tb_node_t node[TB_MAX_NODE];
    int nnode;
} tb_t;

/* "www.Example.com." -> lowercase wire form; returns the length. */
static inline int tb_wire(uint8_t *out, const char *text)
{
    int n = 0;
    while (*text) {
        const char *dot = strchr(text, '.');
        int l = (int)(dot ? dot - text : (long)strlen(text));
        out[n++] = (uint8_t)l;
        for (int i = 0; i < l; i++) {
            char c = text[i];
            out[n++] = (uint8_t)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
        }
        text += l;
        if (*text == '.')
            text++;
    }
    out[n++] = 0;
    return n;
}

static inline void ib_u8(tb_img_t *im, unsigned v) { im->b[im->len++] = (uint8_t)v; }
static inline void ib_u16(tb_img_t *im, unsigned v) { wire_write_u16(im->b + im->len, (uint16_t)v); im->len += 2; }
static inline void ib_u32(tb_img_t *im, uint32_t v) { wire_write_u32(im->b + im->len, v); im->len += 4; }
static inline void ib_bytes(tb_img_t *im, const void *p, size_t n) { memcpy(im->b + im->len, p, n); im->len += (uint16_t)n; }
/* labels without the root label (to be followed by a pointer) */
static inline void ib_labels(tb_img_t *im, const char *text)
{
    uint8_t w[256];
    int n = tb_wire(w, text);
    ib_bytes(im, w, (size_t)n - 1);
}
/* pointer to the qname suffix of length s (k = -s) */
static inline void ib_ptr_suffix(tb_img_t *im, int s)
{
    if (im->qlen) {
        ib_u16(im, 0xc000u | (unsigned)(12 + im->qlen - s));
    } else {
        im->fix[im->nfix++] = im->len;
        ib_u16(im, (unsigned)(-s + (int)RT_FIXUP_BIAS));
    }
}
/* pointer to image byte position p (k = 4 + p) */
static inline void ib_ptr_img(tb_img_t *im, int p)
{
    if (im->qlen) {
        ib_u16(im, 0xc000u | (unsigned)(12 + im->qlen + 4 + p));
    } else {
        im->fix[im->nfix++] = im->len;
        ib_u16(im, (unsigned)(4 + p + (int)RT_FIXUP_BIAS));
    }
}
static inline void ib_rrhead(tb_img_t *im, unsigned type, uint32_t ttl, unsigned rdlen)
{
    ib_u16(im, type);
    ib_u16(im, 1);
    ib_u32(im, ttl);
    ib_u16(im, rdlen);
}
static inline void ib_cut(tb_img_t *im, unsigned ar, int required)
{
    im->cut[im->ncut][0] = im->len;
    im->cut[im->ncut][1] = (uint16_t)(ar | (required ? RT_CUT_REQUIRED : 0));
    im->ncut++;
}

static inline uint32_t tb_new_img(tb_t *t, int qlen, unsigned flags)
{
    tb_img_t *im = &t->img[t->nimg];
    memset(im, 0, sizeof *im);
    im->qlen = qlen;
    im->flags = (uint8_t)(flags | (qlen ? 0 : RT_IMG_FIXUPS));
    return (uint32_t)t->nimg++;
}

static inline uint32_t tb_node(tb_t *t, const char *name, unsigned flags)
{
    tb_node_t *n = &t->node[t->nnode];
    memset(n, 0, sizeof *n);
    n->name_len = (uint8_t)tb_wire(n->name, name);
    n->flags = (uint8_t)flags;
    return (uint32_t)t->nnode++;
}

static inline void tb_type(tb_t *t, uint32_t node, uint16_t type, uint32_t img)
{
    tb_node_t *n = &t->node[node];
    int i = n->ntypes++;
    while (i > 0 && n->type[i - 1] > type) { /* keep sorted by type */
        n->type[i] = n->type[i - 1];
        n->img[i] = n->img[i - 1];
        i--;
    }
    n->type[i] = type;
    n->img[i] = img;
}

#define TB_ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

/* Serializes t into a fresh 8-aligned blob; zone 0 = node 0 (the apex).
 * nx/nodata: image indexes of the zone's NXDOMAIN and NODATA images. */
static inline uint8_t *tb_finish(tb_t *t, uint32_t nx, uint32_t nodata, size_t *out_len)
{
    uint32_t nn = (uint32_t)t->nnode;
    uint8_t *packed = NULL;
    size_t packed_len = 0;
    uint32_t slot_of[TB_MAX_NODE];
    if (nn > 0) {
        /* the compiler's own MPHF section (compiler/mphf.c, runtime/rt_mphf.h) */
        const uint8_t *keys[TB_MAX_NODE];
        uint8_t lens[TB_MAX_NODE];
        for (uint32_t i = 0; i < nn; i++) {
            keys[i] = t->node[i].name;
            lens[i] = t->node[i].name_len;
        }
        if (mphf_build(keys, lens, nn, 1, &packed, &packed_len, slot_of) != 0)
            abort();
        for (uint32_t i = 0; i < nn; i++)
            if (slot_of[i] >= nn)
                abort();
    }
    /* byte pool: each name followed by its record (rt.h NODE RECORDS, written
     * once the image headers are known), then the images with their fixups
     * and cuts */
    static uint8_t pool[1 << 17];
    memset(pool, 0, sizeof pool);
    size_t plen = 0;
    uint32_t name_off[TB_MAX_NODE];
    size_t rec_off[TB_MAX_NODE];
    for (uint32_t i = 0; i < nn; i++) {
        name_off[i] = (uint32_t)plen;
        memcpy(pool + plen, t->node[i].name, t->node[i].name_len);
        rec_off[i] = (size_t)rt_node_rec_off(name_off[i], t->node[i].name_len);
        plen = rec_off[i] + 4 + (size_t)t->node[i].ntypes * sizeof(rt_nodeent_t);
    }
    rt_image_t imgs[TB_MAX_IMG];
    memset(imgs, 0, sizeof imgs);
    for (int i = 0; i < t->nimg; i++) {
        tb_img_t *im = &t->img[i];
        imgs[i].off = (uint32_t)plen;
        imgs[i].len = im->len;
        imgs[i].ancount = im->an;
        imgs[i].nscount = im->ns;
        imgs[i].arcount = im->ar;
        imgs[i].flags = im->flags;
        imgs[i].nfixups = (uint8_t)im->nfix;
        imgs[i].ncuts = (uint8_t)im->ncut;
        memcpy(pool + plen, im->b, im->len);
        plen += im->len;
        for (int f = 0; f < im->nfix; f++, plen += 2) {
            pool[plen] = (uint8_t)im->fix[f];
            pool[plen + 1] = (uint8_t)(im->fix[f] >> 8);
        }
        for (int c = 0; c < im->ncut; c++, plen += 4) {
            pool[plen] = (uint8_t)im->cut[c][0];
            pool[plen + 1] = (uint8_t)(im->cut[c][0] >> 8);
            pool[plen + 2] = (uint8_t)im->cut[c][1];
            pool[plen + 3] = (uint8_t)(im->cut[c][1] >> 8);
        }
    }
    for (uint32_t i = 0; i < nn; i++) {
        const tb_node_t *n = &t->node[i];
        uint32_t c = (uint32_t)n->ntypes;
        memcpy(pool + rec_off[i], &c, 4);
        for (int k = 0; k < n->ntypes; k++) {
            rt_nodeent_t e;
            memset(&e, 0, sizeof e);
            e.type = n->type[k];
            e.image = n->img[k];
            if (n->img[k] < (uint32_t)t->nimg)
                e.im = imgs[n->img[k]];
            memcpy(pool + rec_off[i] + 4 + (size_t)k * sizeof e, &e, sizeof e);
        }
    }
    /* nodes in slot order, typeents per node in that order */
    rt_node_t nodes[TB_MAX_NODE + 1];
    rt_typeent_t tes[TB_MAX_NODE * 8];
    uint32_t nte = 0;
    int by_slot[TB_MAX_NODE];
    for (uint32_t i = 0; i < nn; i++)
        by_slot[slot_of[i]] = (int)i;
    memset(nodes, 0, sizeof nodes);
    for (uint32_t s = 0; s < nn; s++) {
        tb_node_t *n = &t->node[by_slot[s]];
        nodes[s].name_off = name_off[by_slot[s]];
        nodes[s].name_len = n->name_len;
        nodes[s].flags = n->flags;
        nodes[s].aux = n->aux < nn ? slot_of[n->aux] : 0;
        nodes[s].zone = 0;
        nodes[s].types_first = nte;
        for (int k = 0; k < n->ntypes; k++) {
            tes[nte].type = n->type[k];
            tes[nte].pad = 0;
            tes[nte].image = n->img[k];
            nte++;
        }
    }
    nodes[nn].types_first = nte;
    rt_zone_t zone;
    memset(&zone, 0, sizeof zone);
    zone.apex_node = nn ? slot_of[0] : 0;
    zone.nxdomain_img = nx;
    zone.nodata_img = nodata;
    zone.serial = 1;
    zone.name_off = 0;
    zone.name_len = nn ? t->node[0].name_len : 0;

    rt_blob_header_t h;
    memset(&h, 0, sizeof h);
    size_t off = TB_ALIGN8(sizeof h);
    h.magic = RT_BLOB_MAGIC;
    h.abi = RT_ABI_VERSION;
    h.zone_count = 1;
    h.node_count = nn;
    h.typeent_count = nte;
    h.image_count = (uint32_t)t->nimg;
    h.bytes_len = (uint32_t)plen;
    h.zones_off = (uint32_t)off;
    off = TB_ALIGN8(off + sizeof zone);
    h.nodes_off = (uint32_t)off;
    off = TB_ALIGN8(off + (nn + 1) * sizeof(rt_node_t));
    h.typeents_off = (uint32_t)off;
    off = TB_ALIGN8(off + nte * sizeof(rt_typeent_t));
    h.images_off = (uint32_t)off;
    off = TB_ALIGN8(off + (size_t)t->nimg * sizeof(rt_image_t));
    h.bytes_off = (uint32_t)off;
    off = TB_ALIGN8(off + plen);
    h.mphf_off = (uint32_t)off;
    h.mphf_len = (uint32_t)packed_len;
    off = TB_ALIGN8(off + packed_len);
    h.total_len = (uint32_t)off;
    uint8_t *blob = aligned_alloc(8, off);
    memset(blob, 0, off);
    memcpy(blob, &h, sizeof h);
    memcpy(blob + h.zones_off, &zone, sizeof zone);
    memcpy(blob + h.nodes_off, nodes, (nn + 1) * sizeof(rt_node_t));
    memcpy(blob + h.typeents_off, tes, nte * sizeof(rt_typeent_t));
    memcpy(blob + h.images_off, imgs, (size_t)t->nimg * sizeof(rt_image_t));
    memcpy(blob + h.bytes_off, pool, plen);
    if (packed_len)
        memcpy(blob + h.mphf_off, packed, packed_len);
    free(packed);
    *out_len = off;
    return blob;
}

/* SOA RR of example.com. with every name a pointer to the qname suffix. */
static inline void tb_soa(tb_img_t *im)
{
    ib_ptr_suffix(im, 13);
    ib_rrhead(im, 6, 300, 4 + 2 + 11 + 2 + 20);
    ib_labels(im, "ns1");
    ib_ptr_suffix(im, 13);
    ib_labels(im, "hostmaster");
    ib_ptr_suffix(im, 13);
    for (int i = 0; i < 5; i++)
        ib_u32(im, (uint32_t)(i + 1) * 100u);
}

/* The test zone:
 *   example.com.          APEX   A 192.0.2.1
 *   www.example.com.             A 192.0.2.10
 *   mx.example.com.              MX 10 mail.example.com. + units: A, filler(460), AAAA
 *   sub.example.com.      CUT    referral (NS ns.sub + glue A [req], filler 600 [req], AAAA [req])
 *   ns.sub.example.com.   BELOW_CUT
 *   wild.example.com.     WILDCARD (ENT) -> *.wild.example.com. A 192.0.2.99
 *   alias.example.com.    CNAME www
 *   big.example.com.      TXT of 1300 bytes, no cuts
 *   deep.ent.example.com. A 192.0.2.5, ent.example.com. ENT
 */
static inline uint8_t *tb_example(size_t *len)
{
    static tb_t t;
    memset(&t, 0, sizeof t);
    const unsigned AA = RT_IMG_AA;
    uint32_t nx = tb_new_img(&t, 0, AA | 3);
    tb_soa(&t.img[nx]);
    t.img[nx].ns = 1;
    uint32_t nodata = tb_new_img(&t, 0, AA | 0);
    tb_soa(&t.img[nodata]);
    t.img[nodata].ns = 1;

    uint32_t apex = tb_node(&t, "example.com.", RT_NODE_APEX);
    uint32_t im = tb_new_img(&t, 13, AA);
    ib_u16(&t.img[im], 0xc00c);
    ib_rrhead(&t.img[im], 1, 3600, 4);
    ib_bytes(&t.img[im], "\xc0\x00\x02\x01", 4);
    t.img[im].an = 1;
    tb_type(&t, apex, 1, im);

    uint32_t www = tb_node(&t, "www.example.com.", 0);
    im = tb_new_img(&t, 17, AA);
    ib_u16(&t.img[im], 0xc00c);
    ib_rrhead(&t.img[im], 1, 3600, 4);
    ib_bytes(&t.img[im], "\xc0\x00\x02\x0a", 4);
    t.img[im].an = 1;
    tb_type(&t, www, 1, im);

    uint32_t mx = tb_node(&t, "mx.example.com.", 0);
    im = tb_new_img(&t, 16, AA);
    tb_img_t *m = &t.img[im];
    ib_u16(m, 0xc00c);
    ib_rrhead(m, 15, 3600, 2 + 5 + 2);
    ib_u16(m, 10);
    ib_labels(m, "mail"); /* mail + example.com (qname suffix) */
    ib_ptr_suffix(m, 13);
    m->an = 1;
    ib_cut(m, 0, 0);
    ib_ptr_img(m, 14); /* owner = the MX exchange name at image byte 14 */
    ib_rrhead(m, 1, 3600, 4);
    ib_bytes(m, "\xc0\x00\x02\x19", 4);
    ib_cut(m, 1, 0);
    ib_ptr_img(m, 14);
    ib_rrhead(m, 99, 3600, 460);
    memset(m->b + m->len, 'f', 460);
    m->len += 460;
    ib_cut(m, 2, 0);
    ib_ptr_img(m, 14);
    ib_rrhead(m, 28, 3600, 16);
    ib_bytes(m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x19", 16);
    ib_cut(m, 3, 0);
    m->ar = 3;
    tb_type(&t, mx, 15, im);

    uint32_t sub = tb_node(&t, "sub.example.com.", RT_NODE_CUT);
    im = tb_new_img(&t, 0, 0);
    m = &t.img[im];
    ib_ptr_suffix(m, 17); /* owner sub.example.com */
    ib_rrhead(m, 2, 3600, 3 + 2);
    ib_labels(m, "ns"); /* image bytes 12..16: ns + ptr */
    ib_ptr_suffix(m, 17);
    m->ns = 1;
    ib_cut(m, 0, 0);
    ib_ptr_img(m, 12);
    ib_rrhead(m, 1, 3600, 4);
    ib_bytes(m, "\xc0\x00\x02\x4d", 4);
    ib_cut(m, 1, 1);
    ib_ptr_img(m, 12);
    ib_rrhead(m, 99, 3600, 600);
    memset(m->b + m->len, 'g', 600);
    m->len += 600;
    ib_cut(m, 2, 1);
    ib_ptr_img(m, 12);
    ib_rrhead(m, 28, 3600, 16);
    ib_bytes(m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x4d", 16);
    ib_cut(m, 3, 1);
    m->ar = 3;
    tb_type(&t, sub, RT_T_REFERRAL, im);
    tb_type(&t, sub, 43, nodata);
    uint32_t nssub = tb_node(&t, "ns.sub.example.com.", RT_NODE_BELOW_CUT);
    t.node[nssub].aux = sub;

    uint32_t wild = tb_node(&t, "wild.example.com.", RT_NODE_WILDCARD | RT_NODE_ENT);
    uint32_t star = tb_node(&t, "*.wild.example.com.", RT_NODE_IS_WILDCARD);
    t.node[wild].aux = star;
    im = tb_new_img(&t, 0, AA);
    ib_u16(&t.img[im], 0xc00c);
    ib_rrhead(&t.img[im], 1, 3600, 4);
    ib_bytes(&t.img[im], "\xc0\x00\x02\x63", 4);
    t.img[im].an = 1;
    tb_type(&t, star, 1, im);

    uint32_t alias = tb_node(&t, "alias.example.com.", RT_NODE_CNAME);
    im = tb_new_img(&t, 19, AA);
    m = &t.img[im];
    ib_u16(m, 0xc00c);
    ib_rrhead(m, 5, 3600, 4 + 2);
    ib_labels(m, "www");
    ib_ptr_suffix(m, 13);
    m->an = 1;
    tb_type(&t, alias, RT_T_CNAME_OTHER, im);

    uint32_t big = tb_node(&t, "big.example.com.", 0);
    im = tb_new_img(&t, 17, AA);
    m = &t.img[im];
    for (int r = 0; r < 6; r++) {
        ib_u16(m, 0xc00c);
        ib_rrhead(m, 16, 3600, 221);
        ib_u8(m, 220);
        memset(m->b + m->len, 'a' + r, 220);
        m->len += 220;
    }
    m->an = 6;
    tb_type(&t, big, 16, im);

    tb_node(&t, "ent.example.com.", RT_NODE_ENT);
    uint32_t deep = tb_node(&t, "deep.ent.example.com.", 0);
    im = tb_new_img(&t, 22, AA);
    ib_u16(&t.img[im], 0xc00c);
    ib_rrhead(&t.img[im], 1, 3600, 4);
    ib_bytes(&t.img[im], "\xc0\x00\x02\x05", 4);
    t.img[im].an = 1;
    tb_type(&t, deep, 1, im);

    return tb_finish(&t, nx, nodata, len);
}

/* ---- parsing responses ------------------------------------------------ */

typedef struct rr {
    char owner[1100];
    uint16_t type, klass, rdlen;
    uint32_t ttl;
    size_t rdata; /* offset in the response */
} rr_t;

typedef struct resp {
    size_t len;
    unsigned rcode, opcode, qr, aa, tc, rd, cd, ad;
    unsigned qd, an, ns, ar;
    char qname[1100];
    uint16_t qtype, qclass;
    rr_t rr[64];
    int nrr;
    int has_opt;
    unsigned opt_payload, opt_ext_rcode, opt_version, opt_do;
    uint16_t opt_rdlen;
} resp_t;

/* Decompresses the name at p into text; returns the position after it, 0 if
 * malformed (pointers must go backwards). */
static inline size_t read_name(const uint8_t *m, size_t len, size_t p, char *out)
{
    size_t after = 0, n = 0, total = 0;
    int jumps = 0;
    out[0] = 0;
    for (;;) {
        if (p >= len)
            return 0;
        uint8_t l = m[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 2 > len)
                return 0;
            size_t t = wire_read_u16(m + p) & 0x3fff;
            if (t >= p || ++jumps > 128)
                return 0;
            if (!after)
                after = p + 2;
            p = t;
            continue;
        }
        if (l > 63 || p + 1 + l > len)
            return 0;
        total += 1 + l;
        if (total > 255)
            return 0;
        if (l == 0) {
            if (n == 0)
                out[n++] = '.';
            out[n] = 0;
            return after ? after : p + 1;
        }
        for (unsigned i = 0; i < l; i++) {
            char c = (char)m[p + 1 + i];
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
        }
        out[n++] = '.';
        p += 1 + l;
    }
}

/* Parses a response strictly; returns 0 when well-formed. */
static inline int parse_resp(const uint8_t *m, size_t len, resp_t *r)
{
    memset(r, 0, sizeof *r);
    r->len = len;
    if (len < 12)
        return -1;
    r->qr = m[2] >> 7;
    r->opcode = (m[2] >> 3) & 15;
    r->aa = (m[2] >> 2) & 1;
    r->tc = (m[2] >> 1) & 1;
    r->rd = m[2] & 1;
    r->ad = (m[3] >> 5) & 1;
    r->cd = (m[3] >> 4) & 1;
    r->rcode = m[3] & 15;
    r->qd = WIRE_QDCOUNT(m);
    r->an = WIRE_ANCOUNT(m);
    r->ns = WIRE_NSCOUNT(m);
    r->ar = WIRE_ARCOUNT(m);
    size_t p = 12;
    if (r->qd > 1)
        return -1;
    if (r->qd == 1) {
        p = read_name(m, len, p, r->qname);
        if (!p || p + 4 > len)
            return -1;
        r->qtype = wire_read_u16(m + p);
        r->qclass = wire_read_u16(m + p + 2);
        p += 4;
    }
    unsigned total = r->an + r->ns + r->ar;
    for (unsigned i = 0; i < total; i++) {
        rr_t tmp, *rr = r->nrr < 64 ? &r->rr[r->nrr] : &tmp;
        p = read_name(m, len, p, rr->owner);
        if (!p || p + 10 > len)
            return -1;
        rr->type = wire_read_u16(m + p);
        rr->klass = wire_read_u16(m + p + 2);
        rr->ttl = wire_read_u32(m + p + 4);
        rr->rdlen = wire_read_u16(m + p + 8);
        rr->rdata = p + 10;
        if (p + 10 + rr->rdlen > len)
            return -1;
        if (rr->type == 41) {
            if (i < r->an + r->ns || r->has_opt || strcmp(rr->owner, ".") != 0)
                return -1;
            r->has_opt = 1;
            r->opt_payload = rr->klass;
            r->opt_ext_rcode = m[p + 4];
            r->opt_version = m[p + 5];
            r->opt_do = m[p + 6] >> 7;
            r->opt_rdlen = rr->rdlen;
        }
        p += 10 + rr->rdlen;
        r->nrr++;
    }
    return p == len ? 0 : -1;
}

#endif
