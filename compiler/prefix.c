/* prefix.c -- fold ranges/prefixes into disjoint CIDR blocks and a leaf-pushed trie
 * SPDX-License-Identifier: MIT
 *
 * Both folds work on 128-bit integers (IPv4 as the low 32 bits of a 32-bit
 * space). Ranges become "segments": a partition of the whole address space
 * into maximal runs of one outcome (holes included, as PREFIX_NONE). The trie
 * is then built top-down over aligned blocks: a block inside one segment is a
 * leaf, any other block has two children. Because adjacent segments differ,
 * no two sibling leaves share an outcome and every leaf is a maximal block.
 */
#include "prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

typedef unsigned __int128 u128;

static u128 addr_get(int family, const uint8_t *a)
{
    u128 v = 0;
    for (int i = 0; i < (family == 4 ? 4 : 16); i++)
        v = v << 8 | a[i];
    return v;
}

static void addr_put(int family, u128 v, uint8_t *a)
{
    int n = family == 4 ? 4 : 16;
    memset(a, 0, 16);
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        a[i] = (uint8_t)v;
}

static u128 family_max(int family)
{
    return family == 4 ? (u128)0xffffffffu : ~(u128)0;
}

/* The host part of a /len prefix in a width-bit family. */
static u128 host_mask(unsigned width, unsigned len)
{
    if (len >= width)
        return 0;
    return width - len == 128 ? ~(u128)0 : ((u128)1 << (width - len)) - 1;
}

/* --- output vectors ------------------------------------------------------ */

struct build {
    uint32_t *words;            /* header + nodes */
    size_t words_len, words_cap;
    uint32_t stride;
    prefix_cidr_t *cidrs;
    size_t cidr_count, cidr_cap;
    /* range fold: the segments of the family being built */
    const struct seg *seg;
    size_t seg_count, cur;
    int family;
    unsigned width;
    int overflow;               /* more than 2^31 nodes */
};

struct seg {
    u128 lo, hi;
    uint32_t outcome;
    size_t idx;                 /* input index (range fold) */
};

static uint32_t node_alloc(struct build *b)
{
    size_t idx = (b->words_len - PREFIX_TABLE_HEADER) / b->stride;
    if (idx >= PREFIX_LEAF) {
        b->overflow = 1;
        return 0;
    }
    if (b->words_len + b->stride > b->words_cap) {
        b->words_cap = b->words_cap ? b->words_cap * 2 : 1024;
        b->words = xrealloc(b->words, b->words_cap * sizeof *b->words);
    }
    memset(b->words + b->words_len, 0, b->stride * sizeof *b->words);
    b->words_len += b->stride;
    return (uint32_t)idx;
}

static uint32_t *node_at(struct build *b, uint32_t idx)
{
    return b->words + PREFIX_TABLE_HEADER + (size_t)idx * b->stride;
}

static void cidr_add(struct build *b, u128 lo, unsigned len, uint32_t outcome)
{
    if (outcome == PREFIX_NONE)
        return;
    if (b->cidr_count == b->cidr_cap) {
        b->cidr_cap = b->cidr_cap ? b->cidr_cap * 2 : 256;
        b->cidrs = xrealloc(b->cidrs, b->cidr_cap * sizeof *b->cidrs);
    }
    prefix_cidr_t *c = &b->cidrs[b->cidr_count++];
    c->family = (uint8_t)b->family;
    c->len = (uint8_t)len;
    addr_put(b->family, lo, c->addr);
    c->outcome = outcome;
}

static void build_init(struct build *b, uint32_t stride)
{
    memset(b, 0, sizeof *b);
    b->stride = stride;
    b->words_cap = 1024;
    b->words = xmalloc(b->words_cap * sizeof *b->words);
    b->words_len = PREFIX_TABLE_HEADER;
    b->words[0] = PREFIX_TABLE_MAGIC;
    b->words[1] = stride;
    b->words[2] = b->words[3] = PREFIX_LEAF | PREFIX_NONE;
}

static int build_finish(struct build *b, size_t cidr4, prefix_fold_t *out)
{
    if (b->overflow) {
        free(b->words);
        free(b->cidrs);
        return -1;
    }
    size_t nodes = (b->words_len - PREFIX_TABLE_HEADER) / b->stride;
    b->words[4] = (uint32_t)nodes;
    out->table = b->words;
    out->table_words = b->words_len;
    out->cidrs = b->cidrs;
    out->cidr_count = b->cidr_count;
    out->cidr4_count = cidr4;
    out->node_count = nodes;
    return 0;
}

/* --- range fold ------------------------------------------------------------ */

/* Builds the block [lo, lo + 2^k - 1] (depth width - k) over the segments.
 * Nodes are numbered in pre-order, so the root is node 0 of its family and
 * a walk moves forward through memory. */
static uint32_t build_block(struct build *b, u128 lo, unsigned k)
{
    u128 last = k == 128 ? ~(u128)0 : lo + (((u128)1 << k) - 1);
    while (b->seg[b->cur].hi < lo)
        b->cur++;
    const struct seg *s = &b->seg[b->cur];
    if (s->hi >= last) {
        cidr_add(b, lo, b->width - k, s->outcome);
        return PREFIX_LEAF | s->outcome;
    }
    uint32_t idx = node_alloc(b);
    if (b->overflow)
        return PREFIX_LEAF | PREFIX_NONE;
    uint32_t l = build_block(b, lo, k - 1);
    uint32_t r = build_block(b, lo + ((u128)1 << (k - 1)), k - 1);
    node_at(b, idx)[0] = l;
    node_at(b, idx)[1] = r;
    return idx;
}

static int seg_cmp(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Appends `s` to the partition part[0..p), merging it into the last run when
 * the outcomes agree (s starts right after that run). Returns: the new p. */
static size_t seg_append(struct seg *part, size_t p, struct seg s)
{
    if (p > 0 && part[p - 1].outcome == s.outcome) {
        part[p - 1].hi = s.hi;
        return p;
    }
    part[p] = s;
    return p + 1;
}

int prefix_fold_ranges(const prefix_range_t *r, size_t n, prefix_fold_t *out, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        int f = r[i].family;
        if ((f != 4 && f != 6) || addr_get(f, r[i].start) > addr_get(f, r[i].end) ||
            (r[i].outcome > PREFIX_MAX_OUTCOME && r[i].outcome != PREFIX_NONE)) {
            if (bad)
                *bad = i;
            return -1;
        }
    }
    /* Input segments sorted per family, then the partition of each family's
     * space into merged runs (at most 2n + 1 entries). */
    struct seg *in = xmalloc((n ? n : 1) * sizeof *in);
    struct seg *part = xmalloc((2 * n + 1) * sizeof *part);
    struct build b;
    build_init(&b, 2);
    size_t cidr4 = 0;
    int rc = 0;
    for (int fam = 4; fam <= 6 && rc == 0; fam += 2) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (r[i].family == fam)
                in[m++] = (struct seg){addr_get(fam, r[i].start), addr_get(fam, r[i].end),
                                       r[i].outcome, i};
        qsort(in, m, sizeof *in, seg_cmp);
        size_t p = 0;
        u128 next = 0;          /* first address not yet in the partition */
        int full = 0;           /* the partition reached the family's end */
        for (size_t i = 0; i < m; i++) {
            if (i > 0 && in[i].lo <= in[i - 1].hi) {
                if (bad)
                    *bad = in[i].idx;
                rc = -1;
                break;
            }
            if (in[i].lo > next) /* a hole before this range */
                p = seg_append(part, p, (struct seg){next, in[i].lo - 1, PREFIX_NONE, 0});
            p = seg_append(part, p, in[i]);
            if (in[i].hi == family_max(fam))
                full = 1;
            else
                next = in[i].hi + 1;
        }
        if (rc)
            break;
        if (!full)
            p = seg_append(part, p, (struct seg){next, family_max(fam), PREFIX_NONE, 0});
        b.seg = part;
        b.seg_count = p;
        b.cur = 0;
        b.family = fam;
        b.width = fam == 4 ? 32 : 128;
        uint32_t root = build_block(&b, 0, b.width);
        b.words[fam == 4 ? 2 : 3] = root;
        if (fam == 4)
            cidr4 = b.cidr_count;
    }
    free(in);
    free(part);
    if (rc) {
        free(b.words);
        free(b.cidrs);
        return -1;
    }
    if (build_finish(&b, cidr4, out)) {
        if (bad)
            *bad = n;
        return -1;
    }
    return 0;
}

/* --- prefix (LPM) fold ------------------------------------------------------ */

/* A plain binary trie of the input prefixes (scratch). */
struct pnode {
    uint32_t child[2];          /* 0 = none (node 0 is the root, never a child) */
    uint32_t outcome;           /* PREFIX_NONE unless a prefix ends here */
    uint32_t has;               /* a prefix ends here */
};

struct ptrie {
    struct pnode *n;
    size_t len, cap;
};

static uint32_t pnode_new(struct ptrie *t)
{
    if (t->len == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->n = xrealloc(t->n, t->cap * sizeof *t->n);
    }
    t->n[t->len] = (struct pnode){{0, 0}, PREFIX_NONE, 0};
    return (uint32_t)t->len++;
}

/* Leaf-pushes the subtree under `s` (0 = empty) at depth `d` whose
 * inherited longest-match outcome is `inh`. A node whose children are two
 * leaves of its own fallback outcome collapses into that leaf; it was the
 * last node allocated, so it is simply popped. */
static uint32_t push(struct build *b, const struct ptrie *t, uint32_t s, int empty, uint32_t inh,
                     u128 lo, unsigned d)
{
    if (!empty && t->n[s].has)
        inh = t->n[s].outcome;
    if (empty || (!t->n[s].child[0] && !t->n[s].child[1])) {
        cidr_add(b, lo, d, inh);
        return PREFIX_LEAF | inh;
    }
    size_t mark = b->cidr_count;
    uint32_t idx = node_alloc(b);
    if (b->overflow)
        return PREFIX_LEAF | PREFIX_NONE;
    u128 half = (u128)1 << (b->width - d - 1);
    uint32_t c0 = t->n[s].child[0], c1 = t->n[s].child[1];
    uint32_t l = push(b, t, c0, c0 == 0, inh, lo, d + 1);
    uint32_t r = push(b, t, c1, c1 == 0, inh, lo + half, d + 1);
    if (l == r && l == (PREFIX_LEAF | inh)) {
        b->words_len -= b->stride;
        b->cidr_count = mark;
        cidr_add(b, lo, d, inh);
        return l;
    }
    uint32_t *w = node_at(b, idx);
    w[0] = l;
    w[1] = r;
    w[2] = inh;
    return idx;
}

int prefix_fold_cidrs(const prefix_cidr_t *p, size_t n, prefix_fold_t *out, size_t *bad)
{
    struct ptrie t[2] = {{0}, {0}};
    pnode_new(&t[0]);
    pnode_new(&t[1]);
    for (size_t i = 0; i < n; i++) {
        int f = p[i].family;
        unsigned width = f == 4 ? 32 : 128;
        int ok = (f == 4 || f == 6) && p[i].len <= width &&
                 (p[i].outcome <= PREFIX_MAX_OUTCOME || p[i].outcome == PREFIX_NONE);
        u128 v = ok ? addr_get(f, p[i].addr) : 0;
        if (ok && (v & host_mask(width, p[i].len)))
            ok = 0; /* host bits set */
        struct ptrie *tr = &t[f == 6];
        uint32_t s = 0;
        for (unsigned d = 0; ok && d < p[i].len; d++) {
            unsigned bit = (unsigned)(v >> (width - 1 - d)) & 1u;
            if (!tr->n[s].child[bit]) {
                uint32_t c = pnode_new(tr);
                tr->n[s].child[bit] = c;
            }
            s = tr->n[s].child[bit];
        }
        if (ok && tr->n[s].has)
            ok = 0; /* duplicate */
        if (!ok) {
            free(t[0].n);
            free(t[1].n);
            if (bad)
                *bad = i;
            return -1;
        }
        tr->n[s].has = 1;
        tr->n[s].outcome = p[i].outcome;
    }
    struct build b;
    build_init(&b, 3);
    size_t cidr4 = 0;
    for (int fam = 4; fam <= 6; fam += 2) {
        b.family = fam;
        b.width = fam == 4 ? 32 : 128;
        uint32_t root = push(&b, &t[fam == 6], 0, 0, PREFIX_NONE, 0, 0); /* may move b.words */
        b.words[fam == 4 ? 2 : 3] = root;
        if (fam == 4)
            cidr4 = b.cidr_count;
    }
    free(t[0].n);
    free(t[1].n);
    if (build_finish(&b, cidr4, out)) {
        if (bad)
            *bad = n;
        return -1;
    }
    return 0;
}

/* --- minimal nested prefix list (ORTC) ----------------------------------- */

struct ortc {
    const uint32_t *nodes;
    uint32_t stride;
    uint32_t *set_off, *set_len;    /* per node: its candidate set in pool */
    uint32_t *pool;
    size_t pool_len, pool_cap;
    prefix_cidr_t *out;
    size_t out_len, out_cap;
    int family;
    unsigned width;
};

static void pool_need(struct ortc *o, size_t n)
{
    if (o->pool_len + n > o->pool_cap) {
        while (o->pool_len + n > o->pool_cap)
            o->pool_cap = o->pool_cap ? o->pool_cap * 2 : 4096;
        o->pool = xrealloc(o->pool, o->pool_cap * sizeof *o->pool);
    }
}

/* The candidate set of a ref: a leaf's is its outcome. */
static const uint32_t *ortc_set(const struct ortc *o, uint32_t ref, uint32_t *one, size_t *len)
{
    if (ref & PREFIX_LEAF) {
        *one = ref & ~PREFIX_LEAF;
        *len = 1;
        return one;
    }
    *len = o->set_len[ref];
    return o->pool + o->set_off[ref];
}

/* Pass 2 (bottom-up): set = A n B when not empty, else A u B (sorted arrays). */
static void ortc_up(struct ortc *o, uint32_t idx)
{
    const uint32_t *w = o->nodes + (size_t)idx * o->stride;
    for (int c = 0; c < 2; c++)
        if (!(w[c] & PREFIX_LEAF))
            ortc_up(o, w[c]);
    uint32_t one[2];
    size_t na, nb;
    ortc_set(o, w[0], &one[0], &na);
    ortc_set(o, w[1], &one[1], &nb);
    pool_need(o, na + nb); /* may move the pool: fetch the sets after this */
    const uint32_t *a = ortc_set(o, w[0], &one[0], &na), *b = ortc_set(o, w[1], &one[1], &nb);
    uint32_t *dst = o->pool + o->pool_len;
    size_t n = 0, i = 0, j = 0;
    while (i < na && j < nb) { /* intersection */
        if (a[i] == b[j])
            dst[n++] = a[i++], j++;
        else if (a[i] < b[j])
            i++;
        else
            j++;
    }
    if (n == 0) { /* union */
        for (i = j = 0; i < na || j < nb;) {
            if (j >= nb || (i < na && a[i] < b[j]))
                dst[n++] = a[i++];
            else if (i >= na || b[j] < a[i])
                dst[n++] = b[j++];
            else
                dst[n++] = a[i++], j++;
        }
    }
    o->set_off[idx] = (uint32_t)o->pool_len;
    o->set_len[idx] = (uint32_t)n;
    o->pool_len += n;
}

static int set_has(const uint32_t *s, size_t n, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == v)
            return 1;
    return 0;
}

static void ortc_emit(struct ortc *o, u128 lo, unsigned len, uint32_t outcome)
{
    if (o->out_len == o->out_cap) {
        o->out_cap = o->out_cap ? o->out_cap * 2 : 256;
        o->out = xrealloc(o->out, o->out_cap * sizeof *o->out);
    }
    prefix_cidr_t *c = &o->out[o->out_len++];
    c->family = (uint8_t)o->family;
    c->len = (uint8_t)len;
    addr_put(o->family, lo, c->addr);
    c->outcome = outcome;
}

/* Pass 3 (top-down): a node needs a prefix only when the inherited outcome
 * is not among its candidates; it then takes its smallest candidate (any
 * choice is optimal; the smallest keeps the output deterministic). */
static void ortc_down(struct ortc *o, uint32_t ref, u128 lo, unsigned d, uint32_t inh)
{
    uint32_t one;
    size_t n;
    const uint32_t *s = ortc_set(o, ref, &one, &n);
    if (!set_has(s, n, inh)) {
        inh = s[0];
        ortc_emit(o, lo, d, inh);
    }
    if (ref & PREFIX_LEAF)
        return;
    const uint32_t *w = o->nodes + (size_t)ref * o->stride;
    ortc_down(o, w[0], lo, d + 1, inh);
    ortc_down(o, w[1], lo + ((u128)1 << (o->width - d - 1)), d + 1, inh);
}

size_t prefix_minimal(const prefix_fold_t *f, prefix_cidr_t **out, size_t *count4)
{
    const uint32_t *t = f->table;
    size_t nodes = t[4];
    struct ortc o = {t + PREFIX_TABLE_HEADER, t[1], xmalloc((nodes ? nodes : 1) * sizeof(uint32_t)),
                     xmalloc((nodes ? nodes : 1) * sizeof(uint32_t)), NULL, 0, 0, NULL, 0, 0, 0, 0};
    for (int fam = 4; fam <= 6; fam += 2) {
        uint32_t root = t[fam == 4 ? 2 : 3];
        o.family = fam;
        o.width = fam == 4 ? 32 : 128;
        if (!(root & PREFIX_LEAF))
            ortc_up(&o, root);
        /* above the root the outcome is "none": no prefix matches at all */
        ortc_down(&o, root, 0, 0, PREFIX_NONE);
        if (fam == 4 && count4)
            *count4 = o.out_len;
    }
    free(o.set_off);
    free(o.set_len);
    free(o.pool);
    *out = o.out;
    return o.out_len;
}

void prefix_fold_free(prefix_fold_t *f)
{
    if (!f)
        return;
    free(f->table);
    free(f->cidrs);
    memset(f, 0, sizeof *f);
}

/* --- parsing and printing ---------------------------------------------- */

const char *prefix_strerror(int code)
{
    switch (code) {
    case PREFIX_OK: return "no error";
    case PREFIX_E_ADDR: return "not an IPv4 or IPv6 address";
    case PREFIX_E_LEN: return "bad prefix length";
    case PREFIX_E_HOST: return "host bits set after the prefix length";
    }
    return "unknown error";
}

int prefix_parse_addr(const char *s, size_t len, uint8_t addr[16])
{
    char buf[64];
    memset(addr, 0, 16);
    if (len == 0 || len >= sizeof buf)
        return PREFIX_E_ADDR;
    memcpy(buf, s, len);
    buf[len] = 0;
    if (memchr(buf, ':', len))
        return inet_pton(AF_INET6, buf, addr) == 1 ? 6 : PREFIX_E_ADDR;
    return inet_pton(AF_INET, buf, addr) == 1 ? 4 : PREFIX_E_ADDR;
}

int prefix_parse(const char *s, size_t len, prefix_cidr_t *out)
{
    memset(out, 0, sizeof *out);
    out->outcome = PREFIX_NONE;
    const char *slash = memchr(s, '/', len);
    size_t alen = slash ? (size_t)(slash - s) : len;
    int f = prefix_parse_addr(s, alen, out->addr);
    if (f < 0)
        return f;
    out->family = (uint8_t)f;
    unsigned width = f == 4 ? 32 : 128, plen = width;
    if (slash) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return PREFIX_E_LEN;
        plen = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return PREFIX_E_LEN;
            plen = plen * 10 + (unsigned)(*p - '0');
        }
        if (plen > width)
            return PREFIX_E_LEN;
    }
    out->len = (uint8_t)plen;
    u128 v = addr_get(f, out->addr);
    if (v & host_mask(width, plen))
        return PREFIX_E_HOST;
    return PREFIX_OK;
}

char *prefix_format_addr(char *buf, size_t cap, int family, const uint8_t addr[16])
{
    if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)cap))
        snprintf(buf, cap, "?");
    return buf;
}

char *prefix_format(char *buf, size_t cap, const prefix_cidr_t *p)
{
    char a[INET6_ADDRSTRLEN];
    prefix_format_addr(a, sizeof a, p->family, p->addr);
    snprintf(buf, cap, "%s/%u", a, p->len);
    return buf;
}
