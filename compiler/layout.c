/* layout.c -- from the checked IR to the runtime blob (see layout.h, runtime/rt.h)
 * SPDX-License-Identifier: MIT
 *
 * Knot DNS 3.2.6 behaviour, measured with knotd + kdig +norec on 127.0.0.1
 * (the images below reproduce it; "in zone" = at or below the apex, not in
 * a deeper hosted zone):
 * - Positive answer: the RRset only, AA=1, no NS in authority.
 * - Additional for NS, MX, SRV, SVCB and HTTPS: A then AAAA RRset of each target
 *   in rdata order, for in-zone targets incl. glue below cuts, and also
 *   synthesized from a wildcard (owner = the target); no de-duplication
 *   (two MX to one host list its A/AAAA twice); CNAME targets not followed.
 * - NS query at the apex: NS RRset in answer + additional A/AAAA, AA=1.
 * - CNAME chains are chased inside the zone: at most 5 CNAMEs in the answer
 *   (a 6th CNAME node ends the answer, NOERROR, no SOA); data at the end of
 *   the 5th is still added. Loops stop at the first repeated node (NOERROR).
 * - Chains go through wildcards (synthesized owner = the chain name).
 * - Chain to a nonexistent in-zone name: RCODE NXDOMAIN, CNAMEs + SOA in
 *   authority; to an ENT or a name without the qtype: NOERROR, CNAMEs + SOA.
 * - Chain to a name at/below a cut: AA=1, CNAMEs in answer, the cut's NS in
 *   authority, glue in additional. Chain out of the zone: CNAMEs only.
 * - qtype CNAME at a CNAME node: the CNAME alone; qtype ANY there: the CNAME.
 * - Wildcards (RFC 4592): owner = qname, TTL of the wildcard; ENTs block
 *   (NODATA); wildcard CNAME is chased like any CNAME; qname = the parent of
 *   "*" is NODATA when it is an ENT.
 * - Empty non-terminal: NOERROR, SOA in authority (NODATA), AA=1.
 * - Referral (qname at or below a cut, any qtype except DS at the cut): AA=0,
 *   NS RRset of the cut in authority, A/AAAA of every in-zone NS target in
 *   additional (below the cut, elsewhere in the zone, or via a wildcard).
 * - DS at the cut: answered from the parent (AA=1), or NODATA + SOA; DS below
 *   the cut: referral. ANY at the cut: referral.
 * - NXDOMAIN/NODATA: SOA of the apex in authority, TTL = min(SOA TTL, MINIMUM).
 * - ANY (RFC 8482), UDP and TCP alike: only the RRset of the lowest type at
 *   the node (with its additional); ENT -> NODATA; NXDOMAIN as usual.
 * - qtype RRSIG, NSEC, DNSKEY, 65535, 254 (unsigned zone): NODATA + SOA.
 * - Answer section does not fit (512 without EDNS): header + question only,
 *   TC=1, AA as for the full answer, all counts 0. The same when a referral's
 *   NS RRset does not fit.
 * - Additional data that does not fit is filled greedily per RRset: an
 *   RRset that does not fit is skipped, later smaller ones still go in;
 *   no TC, except when a skipped RRset is glue below the referral's cut
 *   (then TC=1 with the partial additional section). Sibling glue: no TC.
 * - RRs of an RRset are in canonical rdata order (memcmp of the rdata with
 *   names lowercased); additional RRsets follow that order.
 * - Parent and child zones both hosted: a query goes to the deepest zone
 *   holding the qname, except DS, which goes to the zone holding the
 *   qname's parent (so DS at the child's apex is the parent's answer).
 *   Each zone answers from its own content only: CNAME chains, additional
 *   data and referrals of the parent use the parent's nodes at and below
 *   the child's apex (ir.h `nested`), never the child's.
 * - Name compression (sizes decide truncation, so they are reproduced): one
 *   "suffix" = the last name written with more than a bare pointer, first
 *   the qname; an owner equal to it becomes a pointer, other owners are
 *   compressed against the qname only; rdata names (NS CNAME SOA PTR MX)
 *   against the suffix; other rdata names are not compressed. The first
 *   answer RRset's owner points at the qname. An additional RRset's owner
 *   points at the rdata name of RR #0..14 of the RRset that caused it
 *   (Knot keeps 16 hint slots per RRset); from RR #15 on, normal rules.
 */
#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dname.h"
#include "mphf.h"
#include "playout.h"
#include "rrtype.h"
#include "rt.h"
#include "rt_policy.h"

/* Builder buffer; images over 65535 are errors. Any size > 65535 gives the
 * same results (the image only grows); just under 128 KiB keeps it in
 * malloc's (and ASan's) small-block pools instead of a mapping per build. */
#define IMG_CAP ((1u << 17) - 4096)
#define CHAIN_MAX 5         /* Knot puts at most 5 CNAMEs in one answer */
#define MAX_FIXUPS 255
#define MAX_CUTS 255

/* Where a name or one of its labels can be pointed at. */
enum { NL_IMG = 0, NL_QSUF = 1, NL_QNAME = 2 };
typedef struct nloc {
    uint8_t kind;   /* NL_IMG: image position v; NL_QSUF: the qname's suffix of
                       v bytes; NL_QNAME: the whole qname (offset 12) */
    uint16_t v;
} nloc_t;

/* A name written before the additional section (a pointer target that
 * stays put whatever units the runtime drops). */
typedef struct regent {
    const uint8_t *name;
    nloc_t loc;
} regent_t;

/* Knot's compression state (libknot compr.c): the last name written with
 * more than a bare pointer; names are compressed only against it, owners
 * against the qname. Emulated so that response sizes, and with them the
 * truncation decisions, match Knot's. */
typedef struct suf {
    int is_qname;
    const uint8_t *name;
    unsigned nlab;
    uint8_t lab_off[128];
    nloc_t loc[128];
} suf_t;

typedef struct pend {    /* additional processing owed by an answer/authority RRset */
    const ir_rrset_t *rrset;
    const ir_node_t *cut; /* referral: glue at or below it is required */
} pend_t;

typedef struct img {
    uint8_t *buf;
    size_t len;
    int overflow;
    uint16_t an, ns, ar;
    uint8_t rcode, aa;
    int exact;             /* qname known: final pointers */
    const uint8_t *qname;  /* exact: lowercase qname; else the known suffix S */
    uint8_t qlen;          /* length of qname (exact) or of S */
    uint8_t qsuf[DNAME_MAX + 1]; /* qsuf[l]: a suffix of l bytes starts at a label */
    regent_t *reg;
    size_t nreg, capreg;
    suf_t suf;
    size_t unit0_end;      /* start of the additional units (SIZE_MAX: none yet) */
    uint16_t fix[MAX_FIXUPS];
    unsigned nfix;
    uint16_t cut_len[MAX_CUTS], cut_ar[MAX_CUTS];
    unsigned ncuts;
    uint16_t unit;
    pend_t pend[64];
    unsigned npend;
} img_t;

typedef struct tent {
    uint16_t type;
    uint32_t image;
} tent_t;

typedef struct lay {
    ir_t *ir;
    ir_zone_t *zone;
    uint8_t *pool;
    size_t pool_len, pool_cap;
    rt_image_t *images;
    size_t nimages, capimages;
    tent_t *te;
    size_t nte, capte;
    img_t b;
    uint32_t nodata_img, nxdomain_img;
    unsigned errors;
    /* canonical-order scratch for sorting rdata */
    uint8_t *sortbuf;
    size_t sortcap;
} lay_t;

/* ---- small helpers ------------------------------------------------------ */

static inline uint8_t lc(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static int bytes_ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lc(a[i]) != lc(b[i]))
            return 0;
    return 1;
}

static void pool_put(lay_t *L, const void *p, size_t n)
{
    if (L->pool_len + n > L->pool_cap) {
        while (L->pool_len + n > L->pool_cap)
            L->pool_cap = L->pool_cap ? L->pool_cap * 2 : (1u << 16);
        L->pool = xrealloc(L->pool, L->pool_cap);
    }
    memcpy(L->pool + L->pool_len, p, n);
    L->pool_len += n;
}

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* ---- image builder ------------------------------------------------------ */

static void suf_set_qname(img_t *b);

static void img_start_exact(img_t *b, const uint8_t *qname, uint8_t qlen)
{
    b->len = 0;
    b->overflow = 0;
    b->an = b->ns = b->ar = 0;
    b->rcode = 0;
    b->aa = 1;
    b->exact = 1;
    b->qname = qname;
    b->qlen = qlen;
    memset(b->qsuf, 0, sizeof b->qsuf);
    for (const uint8_t *p = qname;; p += *p + 1) {
        b->qsuf[qlen - (size_t)(p - qname)] = 1;
        if (!*p)
            break;
    }
    b->nreg = 0;
    b->unit0_end = SIZE_MAX;
    b->nfix = 0;
    b->ncuts = 0;
    b->unit = 0;
    b->npend = 0;
    suf_set_qname(b);
}

/* Qname unknown; every suffix of `s` is a suffix of it. */
static void img_start_suffix(img_t *b, const uint8_t *s, uint8_t slen)
{
    img_start_exact(b, s, slen);
    b->exact = 0;
}

/* Knot starts every owner's compression from the qname. */
static void suf_set_qname(img_t *b)
{
    suf_t *s = &b->suf;
    s->is_qname = 1;
    s->name = b->qname;
    s->nlab = 0;
    for (const uint8_t *p = b->qname; *p; p += *p + 1) {
        s->lab_off[s->nlab] = (uint8_t)(p - b->qname);
        s->loc[s->nlab] = (nloc_t){NL_QSUF, (uint16_t)(b->qlen - (size_t)(p - b->qname))};
        s->nlab++;
    }
}

static void put(img_t *b, const void *p, size_t n)
{
    if (b->len + n > IMG_CAP) {
        b->overflow = 1;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void put16(img_t *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 2);
}

static void put32(img_t *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    put(b, x, 4);
}

/* Writes a pointer to a qname suffix of `slen` bytes. Returns 0 when the
 * image has no room for another fixup. */
static int ptr_qsuffix(img_t *b, size_t slen)
{
    if (b->exact) {
        put16(b, (uint16_t)(0xC000u | (12u + b->qlen - slen)));
        return 1;
    }
    if (b->nfix >= MAX_FIXUPS)
        return 0;
    if (b->len + 2 <= 0xffff)
        b->fix[b->nfix++] = (uint16_t)b->len;
    put16(b, (uint16_t)(RT_FIXUP_BIAS - slen));
    return 1;
}

static int ptr_image(img_t *b, uint16_t pos)
{
    if (b->exact) {
        put16(b, (uint16_t)(0xC000u | (12u + b->qlen + 4u + pos)));
        return 1;
    }
    if (b->nfix >= MAX_FIXUPS)
        return 0;
    if (b->len + 2 <= 0xffff)
        b->fix[b->nfix++] = (uint16_t)b->len;
    put16(b, (uint16_t)(RT_FIXUP_BIAS + 4u + pos));
    return 1;
}

/* Writes a pointer to `l`. Returns 0 when that is impossible (no room for
 * another fixup, or a target inside the additional units, which move). */
static int emit_loc(img_t *b, nloc_t l)
{
    switch (l.kind) {
    case NL_QNAME:
        put16(b, 0xC00C);
        return 1;
    case NL_QSUF:
        if (b->exact && l.v == b->qlen) {
            put16(b, 0xC00C);
            return 1;
        }
        return ptr_qsuffix(b, l.v);
    default:
        if (l.v >= b->unit0_end || l.v >= RT_MAX_PTR_TARGET)
            return 0;
        return ptr_image(b, l.v);
    }
}

static unsigned label_offsets(const uint8_t *name, uint8_t off[128])
{
    unsigned n = 0;
    for (const uint8_t *p = name; *p; p += *p + 1)
        off[n++] = (uint8_t)(p - name);
    return n;
}

/* A fixed place holding the whole `name`: a suffix of the qname or a name
 * written before the additional section. */
static int find_loc(const img_t *b, const uint8_t *name, nloc_t *out)
{
    size_t len = dname_len(name);
    if (len <= b->qlen && b->qsuf[len] && bytes_ieq(name, b->qname + b->qlen - len, len)) {
        *out = (nloc_t){NL_QSUF, (uint16_t)len};
        return 1;
    }
    for (size_t i = 0; i < b->nreg; i++)
        if (dname_len(b->reg[i].name) == len && bytes_ieq(b->reg[i].name, name, len)) {
            *out = b->reg[i].loc;
            return 1;
        }
    return 0;
}

static void reg_add(img_t *b, const uint8_t *name, nloc_t loc)
{
    if (b->unit != 0 || (loc.kind == NL_IMG && loc.v >= RT_MAX_PTR_TARGET))
        return;
    if (b->nreg == b->capreg) {
        b->capreg = b->capreg ? b->capreg * 2 : 64;
        b->reg = xrealloc(b->reg, b->capreg * sizeof *b->reg);
    }
    b->reg[b->nreg++] = (regent_t){name, loc};
}

/* Writes a pointer to the fixed place of `name`, or the name in full. */
static nloc_t put_name_anyhow(img_t *b, const uint8_t *name)
{
    nloc_t l;
    if (find_loc(b, name, &l) && emit_loc(b, l))
        return l;
    l = (nloc_t){NL_IMG, (uint16_t)(b->len > 0xffff ? 0xffff : b->len)};
    put(b, name, dname_len(name));
    return l;
}

/* Writes a name as Knot's knot_compr_put_dname does: the longest run of
 * trailing labels it shares with the compression suffix becomes a pointer;
 * a name written with more than a pointer becomes the new suffix. Names
 * that must not be compressed (RFC 3597 §4) are written in full. */
static nloc_t put_dname(img_t *b, const uint8_t *name, int compress)
{
    uint8_t off[128];
    unsigned n = label_offsets(name, off);
    size_t start = b->len;
    nloc_t first = {NL_IMG, (uint16_t)(start > 0xffff ? 0xffff : start)};
    if (!compress || n == 0) {
        put(b, name, dname_len(name));
        if (n)
            reg_add(b, name, first);
        return first;
    }
    const suf_t *s = &b->suf;
    unsigned run = 0;
    while (run < n && run < s->nlab) {
        const uint8_t *x = name + off[n - 1 - run], *y = s->name + s->lab_off[s->nlab - 1 - run];
        if (x[0] != y[0] || !bytes_ieq(x + 1, y + 1, x[0]))
            break;
        run++;
    }
    nloc_t locs[128];
    for (unsigned i = 0; i < n - run; i++) {
        locs[i] = (nloc_t){NL_IMG, (uint16_t)(b->len > 0xffff ? 0xffff : b->len)};
        put(b, name + off[i], (size_t)name[off[i]] + 1);
    }
    if (run > 0) {
        for (unsigned j = 0; j < run; j++)
            locs[n - run + j] = s->loc[s->nlab - run + j];
        if (!emit_loc(b, s->loc[s->nlab - run])) {
            nloc_t l = put_name_anyhow(b, name + off[n - run]);
            for (unsigned j = 0; j < run; j++)
                locs[n - run + j] = l; /* only locs[n - run] is exact; see below */
            run = 0;                   /* do not become the suffix */
            if (n > 0)
                reg_add(b, name, locs[0]);
            return locs[0];
        }
    } else {
        put(b, "", 1);
    }
    reg_add(b, name, locs[0]);
    size_t written = b->len - start;
    if (written > 2 && start + written < RT_MAX_PTR_TARGET) {
        suf_t *w = &b->suf;
        w->is_qname = 0;
        w->name = name;
        w->nlab = n;
        memcpy(w->lab_off, off, n);
        memcpy(w->loc, locs, n * sizeof *locs);
    }
    return locs[0];
}

static int suf_equals(const img_t *b, const uint8_t *name)
{
    const suf_t *s = &b->suf;
    if (s->is_qname && !b->exact)
        return 0; /* the qname is unknown: assume it is not this name */
    size_t len = dname_len(name);
    return dname_len(s->name) == len && bytes_ieq(s->name, name, len);
}

/* The owner of the `first` RR of an RRset, as Knot's write_owner: NULL =
 * the qname (first RRset of the answer); the owner of the last written
 * suffix; else compressed against the qname. Later RRs point at *rrloc. */
static void put_owner(img_t *b, const uint8_t *owner, int first, nloc_t *rrloc)
{
    if (first && rrloc->kind != NL_QNAME && owner) {
        /* a compression hint (Knot: the additional owner is the rdata name
         * of one of the first 15 RRs of the RRset that caused it) */
        if (emit_loc(b, *rrloc))
            return;
        *rrloc = put_name_anyhow(b, owner);
        return;
    }
    if (!first) {
        if (emit_loc(b, *rrloc))
            return;
        if (owner)
            put_name_anyhow(b, owner);
        else
            put16(b, 0xC00C);
        return;
    }
    if (!owner) {
        put16(b, 0xC00C);
        *rrloc = b->exact ? (nloc_t){NL_QSUF, b->qlen} : (nloc_t){NL_QNAME, 0};
        return;
    }
    if (suf_equals(b, owner)) {
        nloc_t l = b->suf.loc[0];
        if (emit_loc(b, l)) {
            *rrloc = l;
            return;
        }
        *rrloc = put_name_anyhow(b, owner);
        return;
    }
    suf_set_qname(b);
    *rrloc = put_dname(b, owner, 1);
}

struct names_acc {
    size_t off[16];
    uint8_t comp[16];
    unsigned n;
};

static void names_cb(void *arg, size_t off, int compress)
{
    struct names_acc *a = arg;
    if (a->n < 16) {
        a->off[a->n] = off;
        a->comp[a->n] = (uint8_t)compress;
        a->n++;
    }
}

/* One RR: owner (NULL = the qname), type, class IN, TTL, rdata. */
static void put_rr(img_t *b, const uint8_t *owner, int first, nloc_t *rrloc, uint16_t type,
                   uint32_t ttl, const ir_rdata_t *rd)
{
    put_owner(b, owner, first, rrloc);
    put16(b, type);
    put16(b, 1);
    put32(b, ttl);
    size_t lenpos = b->len;
    put16(b, 0);
    size_t start = b->len;
    struct names_acc a = {.n = 0};
    rrtype_rdata_names(type, rd->data, rd->len, names_cb, &a);
    size_t cur = 0;
    for (unsigned i = 0; i < a.n; i++) {
        put(b, rd->data + cur, a.off[i] - cur);
        const uint8_t *nm = rd->data + a.off[i];
        put_dname(b, nm, a.comp[i]);
        cur = a.off[i] + dname_len(nm);
    }
    put(b, rd->data + cur, rd->len - cur);
    if (!b->overflow) {
        size_t rdlen = b->len - start;
        b->buf[lenpos] = (uint8_t)(rdlen >> 8);
        b->buf[lenpos + 1] = (uint8_t)rdlen;
    }
}

/* ---- RRsets in canonical rdata order ------------------------------------ */

typedef struct sortent {
    const ir_rdata_t *rd;
    const uint8_t *key;  /* rdata with names lowercased */
} sortent_t;

static int sortent_cmp(const void *x, const void *y)
{
    const sortent_t *a = x, *b = y;
    size_t n = a->rd->len < b->rd->len ? a->rd->len : b->rd->len;
    int d = memcmp(a->key, b->key, n);
    if (d)
        return d;
    if (a->rd->len != b->rd->len)
        return a->rd->len < b->rd->len ? -1 : 1;
    d = memcmp(a->rd->data, b->rd->data, a->rd->len);
    if (d)
        return d;
    return (a->rd->loc.line > b->rd->loc.line) - (a->rd->loc.line < b->rd->loc.line);
}

struct lower_ctx {
    uint8_t *key;
};

static void lower_cb(void *arg, size_t off, int compress)
{
    (void)compress;
    struct lower_ctx *c = arg;
    dname_lower(c->key + off);
}

/* Fills `out` with the RRset's rdata in canonical order; returns the count.
 * `out` must hold rrset->count entries. */
static size_t sorted_rdata(lay_t *L, const ir_rrset_t *s, const ir_rdata_t **out)
{
    size_t n = 0;
    for (const ir_rdata_t *r = s->rdata; r; r = r->next)
        out[n++] = r;
    if (n < 2)
        return n;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += out[i]->len;
    if (total > L->sortcap) {
        L->sortcap = total * 2;
        L->sortbuf = xrealloc(L->sortbuf, L->sortcap);
    }
    sortent_t *e = xmalloc(n * sizeof *e);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t *k = L->sortbuf + off;
        memcpy(k, out[i]->data, out[i]->len);
        struct lower_ctx c = {k};
        rrtype_rdata_names(s->type, out[i]->data, out[i]->len, lower_cb, &c);
        e[i] = (sortent_t){out[i], k};
        off += out[i]->len;
    }
    qsort(e, n, sizeof *e, sortent_cmp);
    for (size_t i = 0; i < n; i++)
        out[i] = e[i].rd;
    free(e);
    return n;
}

/* Writes a whole RRset into the current section; `hint`, when not NULL, is
 * where the owner is already written. */
static void put_rrset_hint(lay_t *L, const uint8_t *owner, const ir_rrset_t *s, uint32_t ttl,
                           const nloc_t *hint)
{
    img_t *b = &L->b;
    const ir_rdata_t *stackv[16];
    const ir_rdata_t **v = s->count <= 16 ? stackv : xmalloc(s->count * sizeof *v);
    size_t n = sorted_rdata(L, s, v);
    nloc_t rrloc = hint ? *hint : (nloc_t){NL_QNAME, 0};
    for (size_t i = 0; i < n; i++)
        put_rr(b, owner, i == 0, &rrloc, s->type, ttl, v[i]);
    if (v != stackv)
        free(v);
}

static void put_rrset(lay_t *L, const uint8_t *owner, const ir_rrset_t *s, uint32_t ttl)
{
    put_rrset_hint(L, owner, s, ttl, NULL);
}

/* ---- zone lookups --------------------------------------------------------- */

/* In the zone's own content (Knot answers from one zone's content: a name
 * inside a hosted child zone is looked up among the parent's nested nodes). */
static int in_zone(const lay_t *L, const uint8_t *name)
{
    return dname_is_subdomain(name, L->zone->apex);
}

/* The "*" child of `n`, or NULL. */
static ir_node_t *wildcard_child(const ir_zone_t *z, const uint8_t *name)
{
    uint8_t wc[DNAME_MAX + 2];
    size_t len = dname_len(name);
    if (len + 2 > DNAME_MAX)
        return NULL;
    wc[0] = 1;
    wc[1] = '*';
    memcpy(wc + 2, name, len);
    return ir_node_find(z, wc);
}

/* Closest existing ancestor of an in-zone name (the apex at worst). */
static ir_node_t *closest_encloser(const ir_zone_t *z, const uint8_t *name)
{
    for (const uint8_t *p = dname_parent(name); p; p = dname_parent(p)) {
        ir_node_t *n = ir_node_find(z, p);
        if (n)
            return n;
    }
    return z->apex_node;
}

static const ir_rdata_t *first_rdata(const ir_node_t *n, uint16_t type)
{
    const ir_rrset_t *s = ir_rrset_find(n, type);
    return s ? s->rdata : NULL;
}

struct first_name {
    const uint8_t *rdata;
    const uint8_t *name;
};

static void first_name_cb(void *arg, size_t off, int compress)
{
    (void)compress;
    struct first_name *f = arg;
    if (!f->name)
        f->name = f->rdata + off;
}

static const uint8_t *rdata_target(uint16_t type, const ir_rdata_t *rd)
{
    struct first_name f = {rd->data, NULL};
    rrtype_rdata_names(type, rd->data, rd->len, first_name_cb, &f);
    return f.name;
}

/* ---- additional section ----------------------------------------------------- */

static void owe_additional(img_t *b, const ir_rrset_t *s, const ir_node_t *cut)
{
    /* NS, MX, SRV, and (Knot 3.2 does it too) SVCB and HTTPS targets */
    if (!rrtype_by_code(s->type)->additional)
        return;
    if (b->npend < sizeof b->pend / sizeof b->pend[0])
        b->pend[b->npend++] = (pend_t){s, cut};
}

/* The address RRset of `type` for an in-zone target, directly or through a
 * wildcard at its closest encloser. */
static const ir_rrset_t *address_rrset(lay_t *L, const uint8_t *target, uint16_t type)
{
    if (!in_zone(L, target))
        return NULL;
    const ir_node_t *n = ir_node_find(L->zone, target);
    if (!n) {
        const ir_node_t *ce = closest_encloser(L->zone, target);
        if (ce->is_cut || ce->below_cut)
            return NULL;
        n = wildcard_child(L->zone, ce->key);
        if (!n)
            return NULL;
    }
    return ir_rrset_find(n, type);
}

static void emit_additional(lay_t *L)
{
    img_t *b = &L->b;
    if (b->npend == 0)
        return;
    int started = 0;
    for (unsigned i = 0; i < b->npend; i++) {
        const ir_rrset_t *s = b->pend[i].rrset;
        const ir_rdata_t *stackv[16];
        const ir_rdata_t **v = s->count <= 16 ? stackv : xmalloc(s->count * sizeof *v);
        size_t n = sorted_rdata(L, s, v);
        for (size_t j = 0; j < n; j++) {
            const uint8_t *target = rdata_target(s->type, v[j]);
            if (!target)
                continue;
            static const uint16_t at[2] = {RR_A, RR_AAAA};
            for (int k = 0; k < 2; k++) {
                const ir_rrset_t *a = address_rrset(L, target, at[k]);
                if (!a)
                    continue;
                if (!started) {
                    b->cut_len[0] = (uint16_t)(b->len > 0xffff ? 0xffff : b->len);
                    b->cut_ar[0] = 0;
                    b->ncuts = 1;
                    b->unit0_end = b->len;
                    started = 1;
                }
                b->unit++;
                /* Knot keeps compression hints for the first 15 rdata names
                 * of an RRset (KNOT_COMPR_HINT_COUNT 16, slot 0 = owner) */
                nloc_t hint;
                if (j < 15 && find_loc(b, target, &hint) && hint.kind != NL_QNAME)
                    put_rrset_hint(L, target, a, a->ttl, &hint);
                else
                    put_rrset(L, target, a, a->ttl);
                b->ar = (uint16_t)(b->ar + a->count);
                uint16_t flag = 0;
                if (b->pend[i].cut && dname_is_subdomain(target, b->pend[i].cut->key))
                    flag = RT_CUT_REQUIRED;
                /* past 255 cut pairs the last unit grows to hold the rest */
                unsigned ci;
                if (b->ncuts < MAX_CUTS) {
                    ci = b->ncuts++;
                } else {
                    ci = MAX_CUTS - 1;
                    flag |= b->cut_ar[ci] & RT_CUT_REQUIRED;
                }
                b->cut_len[ci] = (uint16_t)(b->len > 0xffff ? 0xffff : b->len);
                b->cut_ar[ci] = (uint16_t)(b->ar | flag);
            }
        }
        if (v != stackv)
            free(v);
    }
}

/* ---- finishing an image ------------------------------------------------------- */

static uint32_t img_finish(lay_t *L, const ir_node_t *where, uint16_t qtype)
{
    img_t *b = &L->b;
    emit_additional(L);
    if (b->overflow || b->len > 0xffff) {
        char nb[DNAME_TEXT_MAX], tb[32];
        dname_to_text(where ? where->name : L->zone->apex, nb, sizeof nb);
        diag_error(where ? where->loc : L->zone->loc,
                   "the response for '%s' %s is larger than 65535 bytes", nb,
                   qtype ? rrtype_to_text(qtype, tb, sizeof tb) : "(NXDOMAIN/NODATA)");
        L->errors++;
        b->len = 0;
        b->an = b->ns = b->ar = 0;
        b->nfix = b->ncuts = 0;
    }
    if (L->nimages == L->capimages) {
        L->capimages = L->capimages ? L->capimages * 2 : 1024;
        L->images = xrealloc(L->images, L->capimages * sizeof *L->images);
    }
    rt_image_t *im = &L->images[L->nimages];
    memset(im, 0, sizeof *im);
    im->off = (uint32_t)L->pool_len;
    im->len = (uint16_t)b->len;
    im->ancount = b->an;
    im->nscount = b->ns;
    im->arcount = b->ar;
    im->flags = (uint8_t)((b->rcode & RT_IMG_RCODE_MASK) | (b->aa ? RT_IMG_AA : 0) |
                          (b->exact ? 0 : RT_IMG_FIXUPS));
    im->nfixups = (uint8_t)b->nfix;
    im->ncuts = (uint8_t)b->ncuts;
    pool_put(L, b->buf, b->len);
    uint8_t x[4];
    for (unsigned i = 0; i < b->nfix; i++) {
        put_le16(x, b->fix[i]);
        pool_put(L, x, 2);
    }
    for (unsigned i = 0; i < b->ncuts; i++) {
        put_le16(x, b->cut_len[i]);
        put_le16(x + 2, b->cut_ar[i]);
        pool_put(L, x, 4);
    }
    if (L->pool_len > 0xffffffffu) {
        fprintf(stderr, "zonec: blob larger than 4 GiB\n");
        exit(2);
    }
    return (uint32_t)L->nimages++;
}

/* ---- pieces of answers ---------------------------------------------------------- */

static const ir_rrset_t *zone_soa(const lay_t *L)
{
    return L->zone->apex_node ? ir_rrset_find(L->zone->apex_node, RR_SOA) : NULL;
}

/* SOA of the apex in authority with the negative-caching TTL (RFC 2308 §3). */
static void put_soa_authority(lay_t *L)
{
    const ir_rrset_t *soa = zone_soa(L);
    if (!soa || !soa->rdata)
        return;
    const ir_rdata_t *rd = soa->rdata;
    uint32_t ttl = soa->ttl;
    if (rd->len >= 4) {
        const uint8_t *m = rd->data + rd->len - 4;
        uint32_t min = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
        if (min < ttl)
            ttl = min;
    }
    nloc_t rrloc = {NL_QNAME, 0};
    put_rr(&L->b, L->zone->apex_node->name, 1, &rrloc, RR_SOA, ttl, rd);
    L->b.ns++;
}

/* NS RRset of `cut` in authority and its glue owed to the additional section. */
static void put_referral(lay_t *L, const ir_node_t *cut)
{
    const ir_rrset_t *ns = ir_rrset_find(cut, RR_NS);
    if (!ns)
        return;
    put_rrset(L, cut->name, ns, ns->ttl);
    L->b.ns = (uint16_t)(L->b.ns + ns->count);
    owe_additional(&L->b, ns, cut);
}

static void put_answer_rrset(lay_t *L, const uint8_t *owner, const ir_rrset_t *s)
{
    put_rrset(L, owner, s, s->ttl);
    L->b.an = (uint16_t)(L->b.an + s->count);
    owe_additional(&L->b, s, NULL);
}

/* ---- CNAME chains ------------------------------------------------------------------ */

enum { END_DATA, END_CUT, END_NX, END_STOP };

typedef struct chain {
    const ir_node_t *node[CHAIN_MAX];   /* CNAME nodes in answer order */
    const uint8_t *owner[CHAIN_MAX];    /* their owner (NULL = the qname) */
    unsigned n;
    int end;
    const ir_node_t *end_node;          /* DATA: node (maybe a wildcard); CUT: the cut */
    const uint8_t *end_owner;           /* DATA: the name asked for */
    int cut_exact;                      /* CUT: the chain's name is the cut itself */
} chain_t;

static void chain_walk(lay_t *L, const ir_node_t *start, chain_t *c)
{
    const ir_zone_t *z = L->zone;
    memset(c, 0, sizeof *c);
    const ir_node_t *cur = start;
    const uint8_t *cur_owner = NULL;
    for (;;) {
        c->node[c->n] = cur;
        c->owner[c->n] = cur_owner;
        c->n++;
        const ir_rdata_t *rd = first_rdata(cur, RR_CNAME);
        const uint8_t *t = rd ? rdata_target(RR_CNAME, rd) : NULL;
        if (!t || !in_zone(L, t)) {
            c->end = END_STOP;
            return;
        }
        const ir_node_t *m = ir_node_find(z, t);
        if (m) {
            if (m->below_cut) {
                c->end = END_CUT;
                c->end_node = m->cut;
                return;
            }
            if (m->is_cut) {
                c->end = END_CUT;
                c->end_node = m;
                c->cut_exact = 1;
                return;
            }
        } else {
            const ir_node_t *ce = closest_encloser(z, t);
            if (ce->below_cut || ce->is_cut) {
                c->end = END_CUT;
                c->end_node = ce->below_cut ? ce->cut : ce;
                return;
            }
            m = wildcard_child(z, ce->key);
            if (!m) {
                c->end = END_NX;
                return;
            }
        }
        if (ir_rrset_find(m, RR_CNAME)) {
            int seen = 0;
            for (unsigned i = 0; i < c->n; i++)
                seen |= c->node[i] == m;
            if (seen || c->n == CHAIN_MAX) {
                c->end = END_STOP;
                return;
            }
            cur = m;
            cur_owner = t;
            continue;
        }
        c->end = END_DATA;
        c->end_node = m;
        c->end_owner = t;
        return;
    }
}

/* The answer to `qtype` through chain `c` (qtype 0 = a type the end lacks). */
static void put_chain(lay_t *L, const chain_t *c, uint16_t qtype)
{
    img_t *b = &L->b;
    for (unsigned i = 0; i < c->n; i++) {
        const ir_rrset_t *s = ir_rrset_find(c->node[i], RR_CNAME);
        nloc_t rrloc = {NL_QNAME, 0};
        put_rr(b, c->owner[i], 1, &rrloc, RR_CNAME, s->ttl, s->rdata);
        b->an++;
    }
    const ir_rrset_t *s;
    switch (c->end) {
    case END_DATA:
        s = qtype ? ir_rrset_find(c->end_node, qtype) : NULL;
        if (s)
            put_answer_rrset(L, c->end_owner, s);
        else
            put_soa_authority(L);
        break;
    case END_NX:
        b->rcode = 3;
        put_soa_authority(L);
        break;
    case END_CUT:
        if (qtype == RR_DS && c->cut_exact) {
            s = ir_rrset_find(c->end_node, RR_DS);
            if (s)
                put_answer_rrset(L, c->end_node->name, s);
            else
                put_soa_authority(L);
        } else {
            put_referral(L, c->end_node);
        }
        break;
    default:
        break;
    }
}

/* ---- per-node type entries ------------------------------------------------------------ */

static void tent_add(lay_t *L, uint16_t type, uint32_t image)
{
    if (L->nte == L->capte) {
        L->capte = L->capte ? L->capte * 2 : 4096;
        L->te = xrealloc(L->te, L->capte * sizeof *L->te);
    }
    L->te[L->nte++] = (tent_t){type, image};
}

/* Starts an image answering for node `n` (exact qname, or any name a
 * wildcard node stands for). */
static void start_for(lay_t *L, const ir_node_t *n)
{
    if (dname_is_wildcard(n->key)) {
        const uint8_t *parent = dname_parent(n->key);
        img_start_suffix(&L->b, parent, (uint8_t)dname_len(parent));
    } else {
        img_start_exact(&L->b, n->key, n->name_len);
    }
}

static int tent_cmp(const void *x, const void *y)
{
    const tent_t *a = x, *b = y;
    return (a->type > b->type) - (a->type < b->type);
}

/* DS at the apex of a zone whose parent zone is hosted too: the parent's
 * answer from its own content (Knot picks the zone of a DS query by the
 * qname's parent, RFC 4035 §3.1.4.1): its DS at the delegation, NODATA,
 * NXDOMAIN, a referral from a cut above, or a CNAME chain. */
static uint32_t parent_ds_image(lay_t *L, const ir_node_t *apex)
{
    ir_zone_t *self = L->zone, *z = self->parent;
    L->zone = z;
    img_start_exact(&L->b, apex->key, apex->name_len);
    const ir_node_t *m = ir_node_find(z, apex->key), *cut = NULL;
    if (!m) {
        const ir_node_t *ce = closest_encloser(z, apex->key);
        if (ce->is_cut || ce->below_cut)
            cut = ce->below_cut ? ce->cut : ce;
        else
            m = wildcard_child(z, ce->key);
    } else if (m->below_cut) {
        cut = m->cut;
    }
    const ir_rrset_t *ds = m ? ir_rrset_find(m, RR_DS) : NULL;
    if (cut) {
        L->b.aa = 0;
        put_referral(L, cut);
    } else if (!m) {
        L->b.rcode = 3;
        put_soa_authority(L);
    } else if (!m->is_cut && ir_rrset_find(m, RR_CNAME)) {
        chain_t c;
        chain_walk(L, m, &c);
        put_chain(L, &c, RR_DS);
    } else if (ds) {
        put_answer_rrset(L, NULL, ds);
    } else {
        put_soa_authority(L);
    }
    uint32_t img = img_finish(L, apex, RR_DS);
    L->zone = self;
    return img;
}

/* Appends the type entries of node `n` (sorted by type). */
static void node_entries(lay_t *L, const ir_node_t *n)
{
    size_t first = L->nte;
    if (n->below_cut || n->is_ent)
        return;
    if (n->is_apex && L->zone->parent) {
        /* first, so that the loop below can skip the zone's own DS */
        tent_add(L, RR_DS, parent_ds_image(L, n));
    }
    if (n->is_cut) {
        img_start_suffix(&L->b, n->key, n->name_len);
        L->b.aa = 0;
        put_referral(L, n);
        tent_add(L, RT_T_REFERRAL, img_finish(L, n, RR_NS));
        const ir_rrset_t *ds = ir_rrset_find(n, RR_DS);
        if (ds) {
            start_for(L, n);
            put_answer_rrset(L, NULL, ds);
            tent_add(L, RR_DS, img_finish(L, n, RR_DS));
        } else {
            tent_add(L, RR_DS, L->nodata_img);
        }
        return;
    }
    if (ir_rrset_find(n, RR_CNAME)) {
        chain_t c;
        chain_walk(L, n, &c);
        const ir_rrset_t *cn = ir_rrset_find(n, RR_CNAME);
        start_for(L, n);
        nloc_t rrloc = {NL_QNAME, 0};
        put_rr(&L->b, NULL, 1, &rrloc, RR_CNAME, cn->ttl, cn->rdata);
        L->b.an++;
        uint32_t cimg = img_finish(L, n, RR_CNAME);
        tent_add(L, RR_CNAME, cimg);
        tent_add(L, RR_ANY, cimg);
        if (c.end == END_DATA) {
            for (const ir_rrset_t *s = c.end_node->rrsets; s; s = s->next) {
                if (s->type == RR_CNAME || s->type == RR_ANY || s->type == RT_T_CNAME_OTHER ||
                    s->type == RT_T_REFERRAL)
                    continue;
                start_for(L, n);
                put_chain(L, &c, s->type);
                tent_add(L, s->type, img_finish(L, n, s->type));
            }
        } else if (c.end == END_CUT && c.cut_exact) {
            start_for(L, n);
            put_chain(L, &c, RR_DS);
            tent_add(L, RR_DS, img_finish(L, n, RR_DS));
        }
        start_for(L, n);
        put_chain(L, &c, 0);
        tent_add(L, RT_T_CNAME_OTHER, img_finish(L, n, RR_CNAME));
    } else {
        for (const ir_rrset_t *s = n->rrsets; s; s = s->next) {
            if (s->type == RR_DS && n->is_apex && L->zone->parent)
                continue;
            start_for(L, n);
            put_answer_rrset(L, NULL, s);
            tent_add(L, s->type, img_finish(L, n, s->type));
        }
    }
    if (L->ir->playout) {
        /* routing policies at this owner: typeents naming a policy (rt_policy.h) */
        playout_tent_t pt[16];
        size_t k = playout_node_entries(L->ir->playout, L->zone, n->key, pt, 16);
        for (size_t i = 0; i < k && i < 16; i++)
            tent_add(L, pt[i].type, pt[i].image);
    }
    qsort(L->te + first, L->nte - first, sizeof *L->te, tent_cmp);
}

/* Inserts the record of the node whose name ends the pool at name_end (rt.h
 * NODE RECORDS) between the name and the bytes of the images node_entries()
 * just wrote: those bytes (from name_end on) move up by the record's size,
 * and the images created since image `img0` with them; then the record:
 * padding to 4, the entry count, the entries from te[te0] on with copies of
 * their image headers; for a node below a cut (no entries of its own),
 * cut_ref: the cut's RT_T_REFERRAL entry. */
static void node_record(lay_t *L, size_t name_end, size_t img0, size_t te0,
                        const rt_typeent_t *cut_ref)
{
    size_t count = cut_ref ? 1 : L->nte - te0;
    size_t pad = ((name_end + 3u) & ~(size_t)3u) - name_end;
    size_t rec = pad + 4u + count * sizeof(rt_nodeent_t);
    size_t tail = L->pool_len - name_end;
    uint8_t zero[sizeof(rt_nodeent_t)] = {0};
    for (size_t i = 0; i < rec; i += sizeof zero) /* grow by rec bytes */
        pool_put(L, zero, rec - i < sizeof zero ? rec - i : sizeof zero);
    memmove(L->pool + name_end + rec, L->pool + name_end, tail);
    for (size_t k = img0; k < L->nimages; k++)
        L->images[k].off += (uint32_t)rec;
    uint8_t *p = L->pool + name_end;
    memset(p, 0, pad);
    p += pad;
    uint32_t c32 = (uint32_t)count;
    memcpy(p, &c32, 4); /* little-endian hosts (rt.h) */
    p += 4;
    for (size_t k = 0; k < count; k++, p += sizeof(rt_nodeent_t)) {
        rt_nodeent_t e;
        memset(&e, 0, sizeof e);
        e.type = cut_ref ? cut_ref->type : L->te[te0 + k].type;
        e.image = cut_ref ? cut_ref->image : L->te[te0 + k].image;
        if (!(e.image & RT_TYPEENT_POLICY))
            e.im = L->images[e.image];
        memcpy(p, &e, sizeof e);
    }
}

/* Whether a CNAME policy owns node `n` (the node then needs RT_NODE_CNAME). */
static int policy_cname(const ir_t *ir, const ir_zone_t *z, const ir_node_t *n)
{
    if (!ir->playout)
        return 0;
    playout_tent_t pt[16];
    size_t k = playout_node_entries(ir->playout, z, n->key, pt, 16);
    for (size_t i = 0; i < k && i < 16; i++)
        if (pt[i].type == RT_T_CNAME_OTHER)
            return 1;
    return 0;
}

/* ---- the blob ---------------------------------------------------------------------------- */

static int zone_ptr_cmp(const void *x, const void *y)
{
    const ir_zone_t *a = *(ir_zone_t *const *)x, *b = *(ir_zone_t *const *)y;
    return dname_canon_cmp(a->apex, b->apex);
}

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

int layout_build(ir_t *ir, uint32_t seed, uint8_t **blob, size_t *len)
{
    lay_t L;
    memset(&L, 0, sizeof L);
    L.ir = ir;
    L.b.buf = xmalloc(IMG_CAP);
    unsigned err0 = diag_error_count();

    size_t nz = 0;
    ir_zone_t **zones = xmalloc((ir->zone_count ? ir->zone_count : 1) * sizeof *zones);
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        if (z->sorted)
            zones[nz++] = z;
    qsort(zones, nz, sizeof *zones, zone_ptr_cmp);

    size_t total = 0;
    for (size_t i = 0; i < nz; i++)
        total += zones[i]->node_count;
    if (total >= 0xffffffffu || nz > 0xffff) {
        diag_error((loc_t){0, 0, 0}, "too many names for one blob");
        free(zones);
        free(L.b.buf);
        return -1;
    }
    size_t *base = xmalloc((nz ? nz : 1) * sizeof *base);
    uint32_t *te_first = xmalloc((total + 1) * sizeof *te_first);
    uint32_t *name_off = xmalloc((total ? total : 1) * sizeof *name_off);
    rt_zone_t *rz = xcalloc(nz ? nz : 1, sizeof *rz);

    size_t g = 0;
    for (size_t zi = 0; zi < nz; zi++) {
        ir_zone_t *z = zones[zi];
        L.zone = z;
        base[zi] = g;
        img_start_suffix(&L.b, z->apex_node->key, z->apex_node->name_len);
        L.b.rcode = 3;
        put_soa_authority(&L);
        L.nxdomain_img = img_finish(&L, z->apex_node, 0);
        img_start_suffix(&L.b, z->apex_node->key, z->apex_node->name_len);
        put_soa_authority(&L);
        L.nodata_img = img_finish(&L, z->apex_node, 0);
        rz[zi].nxdomain_img = L.nxdomain_img;
        rz[zi].nodata_img = L.nodata_img;
        rz[zi].serial = z->serial;
        rz[zi].name_off = (uint32_t)L.pool_len;
        rz[zi].name_len = z->apex_node->name_len;
        pool_put(&L, z->apex_node->key, z->apex_node->name_len);
        for (size_t i = 0; i < z->node_count; i++, g++) {
            const ir_node_t *n = z->sorted[i];
            te_first[g] = (uint32_t)L.nte;
            name_off[g] = (uint32_t)L.pool_len;
            pool_put(&L, n->key, n->name_len);
            size_t name_end = L.pool_len, img0 = L.nimages;
            node_entries(&L, n);
            /* below a cut: a copy of the cut's referral entry (rt.h NODE
             * RECORDS); the cut precedes its descendants in canonical order
             * and its RT_T_REFERRAL (type 0) entry sorts first */
            rt_typeent_t ref = {0, 0, 0}, *cut_ref = NULL;
            if (n->below_cut && n->cut) {
                size_t cg = base[zi] + n->cut->index;
                if (cg < g && te_first[cg] < te_first[cg + 1] &&
                    L.te[te_first[cg]].type == RT_T_REFERRAL) {
                    ref.type = RT_T_REFERRAL;
                    ref.image = L.te[te_first[cg]].image;
                    cut_ref = &ref;
                }
            }
            node_record(&L, name_end, img0, te_first[g], cut_ref);
        }
    }
    te_first[total] = (uint32_t)L.nte;

    /* MPHF over every node name, in canonical order */
    const uint8_t **keys = xmalloc((total ? total : 1) * sizeof *keys);
    uint8_t *klen = xmalloc(total ? total : 1);
    uint32_t *slot = xmalloc((total ? total : 1) * sizeof *slot);
    g = 0;
    for (size_t zi = 0; zi < nz; zi++)
        for (size_t i = 0; i < zones[zi]->node_count; i++, g++) {
            /* the pool's copy: cmph reads the keys several times, and the
             * pool holds them in order, close together */
            keys[g] = L.pool + name_off[g];
            klen[g] = zones[zi]->sorted[i]->name_len;
        }
    uint8_t *mph = NULL;
    size_t mph_len = 0;
    int rc = 0;
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (total > 0 && mphf_build(keys, klen, (uint32_t)total, seed, &mph, &mph_len, slot) != 0) {
        diag_error((loc_t){0, 0, 0}, "cannot build the name hash (cmph failed on every seed)");
        rc = -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    const char *tenv = getenv("ZONEC_TIMING"); /* see compiler/main.c */
    if (tenv && *tenv && strcmp(tenv, "0") != 0)
        fprintf(stderr, "zonec: timing: %-12s %8.3f s wall %8.3f s cpu\n", "(mphf)",
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
                (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9);
    if (diag_error_count() != err0)
        rc = -1;

    if (rc == 0) {
        /* nodes in slot order, type entries regrouped to follow them */
        rt_node_t *nodes = xcalloc(total + 1, sizeof *nodes);
        rt_typeent_t *tes = xcalloc(L.nte ? L.nte : 1, sizeof *tes);
        uint32_t *inv = xmalloc((total ? total : 1) * sizeof *inv);
        for (size_t i = 0; i < total; i++)
            inv[slot[i]] = (uint32_t)i;
        g = 0;
        for (size_t zi = 0; zi < nz; zi++) {
            ir_zone_t *z = zones[zi];
            rz[zi].apex_node = slot[base[zi] + z->apex_node->index];
            for (size_t i = 0; i < z->node_count; i++, g++) {
                const ir_node_t *n = z->sorted[i];
                rt_node_t *r = &nodes[slot[g]];
                r->name_off = name_off[g];
                r->name_len = n->name_len;
                r->zone = (uint16_t)zi;
                uint8_t fl = 0;
                if (n->is_apex)
                    fl |= RT_NODE_APEX;
                if (n->is_ent)
                    fl |= RT_NODE_ENT;
                if (dname_is_wildcard(n->key))
                    fl |= RT_NODE_IS_WILDCARD;
                if (n->below_cut) {
                    fl |= RT_NODE_BELOW_CUT;
                    r->aux = slot[base[zi] + n->cut->index];
                } else {
                    if (n->is_cut)
                        fl |= RT_NODE_CUT;
                    if (!n->is_cut && (ir_rrset_find(n, RR_CNAME) || policy_cname(ir, z, n)))
                        fl |= RT_NODE_CNAME;
                    /* a leaf (the next name in canonical order is not below
                     * it) has no "*" child: most names, no hash lookup */
                    int leaf = i + 1 >= z->node_count ||
                               !dname_is_subdomain(z->sorted[i + 1]->key, n->key);
                    const ir_node_t *w = n->is_cut || leaf ? NULL : wildcard_child(z, n->key);
                    if (w && !w->nested) {
                        fl |= RT_NODE_WILDCARD;
                        r->aux = slot[base[zi] + w->index];
                    }
                }
                r->flags = fl;
            }
        }
        uint32_t t = 0;
        for (size_t s = 0; s < total; s++) {
            uint32_t gi = inv[s];
            nodes[s].types_first = t;
            for (uint32_t k = te_first[gi]; k < te_first[gi + 1]; k++, t++) {
                tes[t].type = L.te[k].type;
                tes[t].image = L.te[k].image;
            }
        }
        nodes[total].types_first = t;

        size_t off = sizeof(rt_blob_header_t);
        size_t zones_off = off;
        off = align8(off + nz * sizeof(rt_zone_t));
        size_t nodes_off = off;
        off = align8(off + (total + 1) * sizeof(rt_node_t));
        size_t tes_off = off;
        off = align8(off + L.nte * sizeof(rt_typeent_t));
        size_t img_off = off;
        off = align8(off + L.nimages * sizeof(rt_image_t));
        size_t bytes_off = off;
        off = align8(off + L.pool_len);
        size_t mph_off = off;
        off = align8(off + mph_len);
        size_t pol_off = 0; /* the routing-policy section (playout.h), 8-aligned */
        if (ir->playout && ir->playout->len) {
            pol_off = off;
            off = align8(off + ir->playout->len);
        }
        if (off > 0xffffffffu) {
            diag_error((loc_t){0, 0, 0}, "the compiled zones exceed 4 GiB");
            rc = -1;
        } else {
            uint8_t *out = xcalloc(1, off);
            rt_blob_header_t h;
            memset(&h, 0, sizeof h);
            h.magic = RT_BLOB_MAGIC;
            h.abi = RT_ABI_VERSION;
            h.total_len = (uint32_t)off;
            h.zone_count = (uint32_t)nz;
            h.node_count = (uint32_t)total;
            h.typeent_count = (uint32_t)L.nte;
            h.image_count = (uint32_t)L.nimages;
            h.bytes_len = (uint32_t)L.pool_len;
            h.zones_off = (uint32_t)zones_off;
            h.nodes_off = (uint32_t)nodes_off;
            h.typeents_off = (uint32_t)tes_off;
            h.images_off = (uint32_t)img_off;
            h.bytes_off = (uint32_t)bytes_off;
            h.mphf_off = (uint32_t)mph_off;
            h.mphf_len = (uint32_t)mph_len;
            h.policy_off = (uint32_t)pol_off;
            memcpy(out, &h, sizeof h);
            if (nz)
                memcpy(out + zones_off, rz, nz * sizeof *rz);
            memcpy(out + nodes_off, nodes, (total + 1) * sizeof *nodes);
            if (L.nte)
                memcpy(out + tes_off, tes, L.nte * sizeof *tes);
            if (L.nimages)
                memcpy(out + img_off, L.images, L.nimages * sizeof *L.images);
            if (L.pool_len)
                memcpy(out + bytes_off, L.pool, L.pool_len);
            if (mph_len)
                memcpy(out + mph_off, mph, mph_len);
            if (pol_off)
                memcpy(out + pol_off, ir->playout->bytes, ir->playout->len);
            *blob = out;
            *len = off;
        }
        free(nodes);
        free(tes);
        free(inv);
    }
    free(mph);
    free(keys);
    free(klen);
    free(slot);
    free(base);
    free(te_first);
    free(name_off);
    free(rz);
    free(zones);
    free(L.pool);
    free(L.images);
    free(L.te);
    free(L.b.buf);
    free(L.b.reg);
    free(L.sortbuf);
    return rc;
}
