/* playout.c -- compile routing-policy trees into the runtime policy section
 * SPDX-License-Identifier: MIT
 *
 * See playout.h for the mapping of each rule kind and runtime/rt_policy.h
 * for the format. Everything iterates the pir in its (source) order and
 * sorts with total orders, so the output is reproducible.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dname.h"
#include "geocodes.h"
#include "geodata.h"
#include "health.h"
#include "latency.h"
#include "playout.h"
#include "prefix.h"
#include "rrtype.h"
#include "rt.h"
#include "rt_policy.h"

#define RR_CNAME_CODE 5u

struct playout_key {
    const ir_zone_t *zone;
    uint8_t name[256];      /* lowercase wire form */
    uint8_t name_len;
    uint16_t type;
    uint32_t policy;
};

/* --- growable buffers ---------------------------------------------------------- */

typedef struct vec {
    uint8_t *p;
    size_t len, cap;
} vec_t;

static void *vec_grow(vec_t *v, size_t n)
{
    if (v->len + n > v->cap) {
        size_t c = v->cap ? v->cap : 256;
        while (c < v->len + n)
            c *= 2;
        v->p = xrealloc(v->p, c);
        v->cap = c;
    }
    void *r = v->p + v->len;
    v->len += n;
    return r;
}

static void vec_put(vec_t *v, const void *p, size_t n)
{
    if (n)
        memcpy(vec_grow(v, n), p, n);
}

typedef struct u32vec {
    uint32_t *p;
    size_t len, cap;
} u32vec_t;

static void u32_push(u32vec_t *v, uint32_t x)
{
    if (v->len == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->p = xrealloc(v->p, v->cap * sizeof *v->p);
    }
    v->p[v->len++] = x;
}

/* --- interned preference lists of one ordered node ------------------------------- */

typedef struct lists {
    u32vec_t data;          /* concatenated lists */
    u32vec_t start;         /* start[i], list i = data[start[i] .. start[i+1]) */
    uint32_t *hash;         /* open addressing: list index + 1, 0 = empty */
    size_t hcap;
} lists_t;

static uint64_t list_hash(const uint32_t *l, size_t n)
{
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ l[i]) * 1099511628211ull;
    return h;
}

static uint32_t lists_count(const lists_t *L)
{
    return L->start.len ? (uint32_t)L->start.len - 1 : 0;
}

static void lists_init(lists_t *L)
{
    memset(L, 0, sizeof *L);
    u32_push(&L->start, 0);
    L->hcap = 64;
    L->hash = xcalloc(L->hcap, sizeof *L->hash);
}

static void lists_rehash(lists_t *L)
{
    free(L->hash);
    L->hcap *= 2;
    L->hash = xcalloc(L->hcap, sizeof *L->hash);
    for (uint32_t i = 0; i < lists_count(L); i++) {
        const uint32_t *l = L->data.p + L->start.p[i];
        size_t n = L->start.p[i + 1] - L->start.p[i];
        size_t h = list_hash(l, n) & (L->hcap - 1);
        while (L->hash[h])
            h = (h + 1) & (L->hcap - 1);
        L->hash[h] = i + 1;
    }
}

/* Index of list l[0..n), added when new. */
static uint32_t lists_intern(lists_t *L, const uint32_t *l, size_t n)
{
    size_t h = list_hash(l, n) & (L->hcap - 1);
    while (L->hash[h]) {
        uint32_t i = L->hash[h] - 1;
        size_t m = L->start.p[i + 1] - L->start.p[i];
        if (m == n && (n == 0 || memcmp(L->data.p + L->start.p[i], l, n * sizeof *l) == 0))
            return i;
        h = (h + 1) & (L->hcap - 1);
    }
    uint32_t idx = lists_count(L);
    for (size_t i = 0; i < n; i++)
        u32_push(&L->data, l[i]);
    u32_push(&L->start, (uint32_t)L->data.len);
    L->hash[h] = idx + 1;
    if (2 * (size_t)lists_count(L) > L->hcap)
        lists_rehash(L);
    return idx;
}

static void lists_free(lists_t *L)
{
    free(L->data.p);
    free(L->start.p);
    free(L->hash);
}

/* --- the builder ----------------------------------------------------------------- */

typedef struct pb {
    const pir_t *p;
    ir_t *ir;
    unsigned errors;
    rt_pnode_t *nodes;
    u32vec_t items;
    vec_t images;           /* rt_image_t */
    vec_t frags;            /* rt_pfrag_t */
    u32vec_t tables;
    vec_t bytes;
    geodata_t *geo;
    int geo_tried;
} pb_t;

static void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends one RR (owner 0xC00C) as a fragment. Returns its length. */
static size_t put_rr(pb_t *b, uint16_t type, uint32_t ttl, const uint8_t *rd, uint16_t rdlen)
{
    uint8_t h[12];
    put_be16(h, 0xc00c);
    put_be16(h + 2, type);
    put_be16(h + 4, 1); /* IN */
    put_be32(h + 6, ttl);
    put_be16(h + 10, rdlen);
    rt_pfrag_t f = {(uint32_t)b->bytes.len, (uint16_t)(12u + rdlen), 0};
    vec_put(&b->bytes, h, sizeof h);
    vec_put(&b->bytes, rd, rdlen);
    vec_put(&b->frags, &f, sizeof f);
    return 12u + rdlen;
}

/* Ends a value set of `n` RRs that started at byte `off`, fragment `frag0`. */
static void end_values(pb_t *b, uint32_t ni, uint32_t off, uint32_t frag0, uint32_t n,
                       uint32_t check, loc_t loc)
{
    size_t len = b->bytes.len - off;
    if (len > 65535 - 512) {
        diag_error(loc, "policy answer is too large (%zu bytes)", len);
        b->errors++;
        len = 0;
    }
    rt_image_t im;
    memset(&im, 0, sizeof im);
    im.off = off;
    im.len = (uint16_t)len;
    im.ancount = (uint16_t)n;
    im.flags = RT_IMG_AA;
    rt_pnode_t *rn = &b->nodes[ni];
    rn->kind = RT_PN_VALUES;
    rn->a = (uint32_t)(b->images.len / sizeof im);
    rn->b = check == PIR_NONE ? RT_PNONE : check;
    rn->first = frag0;
    rn->count = n;
    vec_put(&b->images, &im, sizeof im);
}

static uint32_t frag_count(const pb_t *b)
{
    return (uint32_t)(b->frags.len / sizeof(rt_pfrag_t));
}

static void do_valueset(pb_t *b, uint32_t ni, const pir_policy_t *pol)
{
    const pir_node_t *n = &b->p->nodes[ni];
    uint32_t off = (uint32_t)b->bytes.len, f0 = frag_count(b);
    for (uint32_t i = 0; i < n->count; i++) {
        const pir_rdata_t *rd = &b->p->rdatas[n->first + i];
        put_rr(b, pol->type, pol->ttl, rd->data, rd->len);
    }
    end_values(b, ni, off, f0, n->count, n->check, n->loc);
}

static void do_alias(pb_t *b, uint32_t ni, const pir_policy_t *pol)
{
    const pir_node_t *n = &b->p->nodes[ni];
    if (n->alias_policy != PIR_NONE) {
        b->nodes[ni].kind = RT_PN_ALIAS;
        b->nodes[ni].a = b->p->policies[n->alias_policy].root;
        return;
    }
    uint32_t off = (uint32_t)b->bytes.len, f0 = frag_count(b), cnt = 0;
    if (n->alias_rrset)
        for (const ir_rdata_t *rd = n->alias_rrset->rdata; rd; rd = rd->next, cnt++)
            put_rr(b, pol->type, n->alias_rrset->ttl, rd->data, rd->len);
    end_values(b, ni, off, f0, cnt, PIR_NONE, n->loc);
}

/* --- checkpoints of a prefix table (rt_policy.h) ------------------------------ */

#define CK_S0 8u /* levels from the index to the first checkpoint */
#define CK_S 16u /* levels between checkpoints */

typedef struct ck_ent {
    uint64_t key;
    uint32_t val;
} ck_ent_t;

typedef struct ck_list {
    ck_ent_t *p;
    size_t len, cap;
} ck_list_t;

/* Adds a slot for every internal node s levels below the internal node x at
 * depth d, and recursively CK_S levels below those, while the depth stays
 * <= 64. */
static void ck_collect(const uint32_t *t, uint32_t stride, uint32_t count, uint32_t x, unsigned d,
                       unsigned s, ck_list_t *L)
{
    if (d + s > 64)
        return;
    struct {
        uint32_t ref, path;
        unsigned rd;
    } st[2 * 16 + 2];
    size_t sp = 0;
    st[sp].ref = x;
    st[sp].path = 0;
    st[sp++].rd = 0;
    while (sp) {
        sp--;
        uint32_t r = st[sp].ref, path = st[sp].path;
        unsigned rd = st[sp].rd;
        if (r >= count) /* a leaf (or malformed): the walk ends before */
            continue;
        if (rd == s) {
            if (L->len == L->cap) {
                L->cap = L->cap ? 2 * L->cap : 1024;
                L->p = xrealloc(L->p, L->cap * sizeof *L->p);
            }
            L->p[L->len].key = (uint64_t)x << 16 | path;
            L->p[L->len++].val = r;
            ck_collect(t, stride, count, r, d + s, CK_S, L);
            continue;
        }
        const uint32_t *nd = t + PREFIX_TABLE_HEADER + (size_t)r * stride;
        for (unsigned bit = 0; bit < 2; bit++) {
            st[sp].ref = nd[bit];
            st[sp].path = path << 1 | bit;
            st[sp++].rd = rd + 1;
        }
    }
}

/* Appends the checkpoints of table t (stride, count) whose index has width k
 * and lies at ix (2^k entries per family), for IPv6. */
static void put_checkpoints(pb_t *b, const uint32_t *t, uint32_t stride, uint32_t count, unsigned k,
                            const uint32_t *ix)
{
    ck_list_t L = {0};
    for (uint32_t i = 1u << k; i < (2u << k); i++) /* IPv6 only: IPv4 walks are short */
        if (ix[i] < count)
            ck_collect(t, stride, count, ix[i], k, CK_S0, &L);
    if (L.len == 0)
        return;
    unsigned bits = 4;
    while ((1ull << bits) < 2 * L.len)
        bits++;
    uint32_t *slots = NULL;
    for (; bits <= RT_PT_CK_MAXB; bits++) {
        size_t n = (size_t)1 << bits;
        slots = xrealloc(slots, 3 * n * sizeof *slots);
        memset(slots, 0xff, 3 * n * sizeof *slots);
        int ok = 1;
        for (size_t e = 0; e < L.len && ok; e++) {
            uint64_t h = (L.p[e].key * RT_PT_CK_HASH) >> (64 - bits);
            unsigned pr = 0;
            while (pr < RT_PT_CK_MAXPROBE && slots[3 * ((h + pr) & (n - 1))] != 0xffffffffu)
                pr++;
            if (pr == RT_PT_CK_MAXPROBE) {
                ok = 0; /* a long cluster: twice the slots */
                break;
            }
            uint32_t *sl = slots + 3 * ((h + pr) & (n - 1));
            sl[0] = (uint32_t)L.p[e].key;
            sl[1] = (uint32_t)(L.p[e].key >> 32);
            sl[2] = L.p[e].val;
        }
        if (ok)
            break;
    }
    if (bits <= RT_PT_CK_MAXB) {
        u32_push(&b->tables, RT_PT_CK_MAGIC);
        u32_push(&b->tables, CK_S0);
        u32_push(&b->tables, CK_S);
        u32_push(&b->tables, bits);
        for (size_t i = 0; i < 3 * ((size_t)1 << bits); i++)
            u32_push(&b->tables, slots[i]);
    }
    free(slots);
    free(L.p);
}

/* Appends a prefix-fold table to tables[]. Returns its word offset. */
static uint32_t put_table(pb_t *b, const prefix_fold_t *f)
{
    uint32_t at = (uint32_t)b->tables.len;
    for (size_t i = 0; i < f->table_words; i++)
        u32_push(&b->tables, f->table[i]);
    /* first-level index (rt_policy.h): the ref after the first K bits */
    const uint32_t *t = f->table;
    if (f->table_words < PREFIX_TABLE_HEADER || t[0] != PREFIX_TABLE_MAGIC)
        return at;
    uint32_t stride = t[1], count = t[4];
    if (count < 16 || (uint64_t)count * stride + PREFIX_TABLE_HEADER > f->table_words)
        return at;
    unsigned k = count >= 65536 ? 16 : count >= 1024 ? 10 : 4;
    u32_push(&b->tables, RT_PT_IX_MAGIC);
    u32_push(&b->tables, k);
    for (int fam = 0; fam < 2; fam++)
        for (uint32_t i = 0; i < (1u << k); i++) {
            uint32_t ref = t[2 + fam];
            unsigned d = 0;
            for (; d < k && ref < count; d++)
                ref = t[PREFIX_TABLE_HEADER + (size_t)ref * stride + ((i >> (k - 1 - d)) & 1u)];
            uint32_t e = RT_PT_IX_WALK; /* malformed here: the runtime walks */
            if (ref & PREFIX_LEAF) {
                uint32_t o = ref & ~PREFIX_LEAF;
                if (o == PREFIX_NONE)
                    e = RT_PT_IX_LEAF(d, RT_PT_IX_NONE);
                else if (o < RT_PT_IX_NONE)
                    e = RT_PT_IX_LEAF(d, o);
            } else if (ref < count) {
                e = ref; /* d == k: inside the trie */
            }
            u32_push(&b->tables, e);
        }
    if (k == 16) {
        uint32_t ixw = at + (uint32_t)f->table_words + 2; /* the index entries, both families */
        uint32_t *ix = xmalloc((2u << k) * sizeof *ix);
        memcpy(ix, b->tables.p + ixw, (2u << k) * sizeof *ix);
        put_checkpoints(b, t, stride, count, k, ix);
        free(ix);
    }
    return at;
}

/* Writes an ordered node from its interned lists. */
static void end_ordered(pb_t *b, uint32_t ni, lists_t *L, uint32_t ta, uint32_t tb, uint32_t fallback,
                        int located)
{
    rt_pnode_t *rn = &b->nodes[ni];
    uint32_t nl = lists_count(L);
    rn->kind = RT_PN_ORDERED;
    rn->flags = located ? RT_PNF_LOCATION : 0;
    rn->first = (uint32_t)b->items.len;
    rn->count = nl;
    rn->a = ta;
    rn->b = tb;
    rn->c = fallback;
    uint32_t base = (uint32_t)b->items.len + nl + 1;
    for (uint32_t i = 0; i <= nl; i++)
        u32_push(&b->items, base + L->start.p[i]);
    for (size_t i = 0; i < L->data.len; i++)
        u32_push(&b->items, L->data.p[i]);
}

static geodata_t *need_geo(pb_t *b)
{
    if (!b->geo_tried) {
        b->geo_tried = 1;
        if (b->p->geodata.path) {
            unsigned before = diag_error_count();
            b->geo = geodata_load(b->ir->arena, b->p->geodata.path, b->p->geodata.loc);
            b->errors += diag_error_count() - before;
        }
    }
    return b->geo;
}

/* Folds geodata ranges mapped by `outcome` (PREFIX_NONE = leave out) into a
 * table. Returns its offset or RT_PNONE when there is no geodata. */
static uint32_t geo_table(pb_t *b, const uint32_t *outcome)
{
    geodata_t *g = b->geo;
    if (!g)
        return RT_PNONE;
    prefix_range_t *r = xcalloc(g->count ? g->count : 1, sizeof *r);
    size_t n = 0;
    for (size_t i = 0; i < g->count; i++) {
        if (outcome[i] == PREFIX_NONE)
            continue;
        r[n].family = g->ranges[i].family;
        memcpy(r[n].start, g->ranges[i].start, 16);
        memcpy(r[n].end, g->ranges[i].end, 16);
        r[n].outcome = outcome[i];
        n++;
    }
    prefix_fold_t f;
    size_t bad;
    uint32_t at = RT_PNONE;
    if (prefix_fold_ranges(r, n, &f, &bad) == 0) {
        at = put_table(b, &f);
        prefix_fold_free(&f);
    }
    free(r);
    return at;
}

/* Appends `c` to l[*n] unless it is already the last entry. */
static void list_add(uint32_t *l, size_t *n, uint32_t c)
{
    for (size_t i = 0; i < *n; i++)
        if (l[i] == c)
            return;
    l[(*n)++] = c;
}

static void do_geo(pb_t *b, uint32_t ni)
{
    const pir_node_t *n = &b->p->nodes[ni];
    const pir_edge_t *e = b->p->edges + n->first;
    lists_t L;
    lists_init(&L);
    uint32_t dflt = PIR_NONE;
    for (uint32_t i = 0; i < n->count; i++)
        if (e[i].key == PIR_KEY_DEFAULT)
            dflt = e[i].child;
    uint32_t fb = lists_intern(&L, &dflt, dflt == PIR_NONE ? 0 : 1);
    geodata_t *g = need_geo(b);
    uint32_t ta = RT_PNONE;
    if (g) {
        uint32_t *out = xcalloc(g->count ? g->count : 1, sizeof *out);
        uint32_t *l = xcalloc(4 * (size_t)n->count + 1, sizeof *l);
        for (size_t r = 0; r < g->count; r++) {
            const geodata_range_t *gr = &g->ranges[r];
            const char *cont = gr->country[0] ? geocodes_continent(gr->country) : NULL;
            size_t k = 0;
            static const pir_key_t order[3] = {PIR_KEY_SUBDIVISION, PIR_KEY_COUNTRY, PIR_KEY_CONTINENT};
            for (int o = 0; o < 3; o++) {
                const char *want = o == 0 ? gr->subdivision : o == 1 ? gr->country : cont;
                if (!want || !want[0])
                    continue;
                for (uint32_t i = 0; i < n->count; i++)
                    if (e[i].key == order[o] && strcmp(e[i].code, want) == 0)
                        list_add(l, &k, e[i].child);
            }
            if (dflt != PIR_NONE)
                list_add(l, &k, dflt);
            uint32_t idx = lists_intern(&L, l, k);
            out[r] = idx == fb ? PREFIX_NONE : idx;
        }
        ta = geo_table(b, out);
        free(out);
        free(l);
    }
    end_ordered(b, ni, &L, ta, RT_PNONE, fb, ta != RT_PNONE);
    lists_free(&L);
}

static void do_failover(pb_t *b, uint32_t ni)
{
    const pir_node_t *n = &b->p->nodes[ni];
    const pir_edge_t *e = b->p->edges + n->first;
    uint32_t l[2];
    size_t k = 0;
    for (int want = 0; want < 2; want++)
        for (uint32_t i = 0; i < n->count; i++)
            if (e[i].key == (want ? PIR_KEY_SECONDARY : PIR_KEY_PRIMARY))
                list_add(l, &k, e[i].child);
    lists_t L;
    lists_init(&L);
    uint32_t fb = lists_intern(&L, l, k);
    end_ordered(b, ni, &L, RT_PNONE, RT_PNONE, fb, 0);
    lists_free(&L);
}

static void do_cidr(pb_t *b, uint32_t ni)
{
    const pir_node_t *n = &b->p->nodes[ni];
    const pir_edge_t *e = b->p->edges + n->first;
    const pir_cidrset_t *set = &b->p->cidrsets[n->cidrset];
    lists_t L;
    lists_init(&L);
    uint32_t dflt = PIR_NONE;
    for (uint32_t i = 0; i < n->count; i++)
        if (e[i].key == PIR_KEY_DEFAULT)
            dflt = e[i].child;
    uint32_t fb = lists_intern(&L, &dflt, dflt == PIR_NONE ? 0 : 1);
    prefix_cidr_t *pc = xcalloc(set->cidr_count ? set->cidr_count : 1, sizeof *pc);
    for (uint32_t c = 0; c < set->cidr_count; c++) {
        const pir_cidr_t *cd = &b->p->cidrs[set->cidr_first + c];
        uint32_t l[2];
        size_t k = 0;
        for (uint32_t i = 0; i < n->count; i++)
            if (e[i].key == PIR_KEY_LABEL && e[i].label == cd->label)
                list_add(l, &k, e[i].child);
        /* an unhealthy branch falls back to the default, like geo */
        if (k && dflt != PIR_NONE)
            list_add(l, &k, dflt);
        uint32_t idx = k ? lists_intern(&L, l, k) : fb;
        pc[c].family = cd->prefix.addr.family;
        pc[c].len = cd->prefix.len;
        memcpy(pc[c].addr, cd->prefix.addr.bytes, 16);
        pc[c].outcome = idx;
    }
    prefix_fold_t f;
    size_t bad;
    uint32_t ta = RT_PNONE;
    if (prefix_fold_cidrs(pc, set->cidr_count, &f, &bad) == 0) {
        ta = put_table(b, &f);
        prefix_fold_free(&f);
    } else {
        diag_error(b->p->cidrs[set->cidr_first + bad].loc, "cannot fold cidrset '%s'", set->name);
        b->errors++;
    }
    free(pc);
    end_ordered(b, ni, &L, ta, RT_PNONE, fb, ta != RT_PNONE);
    lists_free(&L);
}

/* Great-circle distance in km between two micro-degree coordinates. */
static double gc_km(int32_t lat1, int32_t lon1, int32_t lat2, int32_t lon2)
{
    const double r = M_PI / 180e6;
    double p1 = lat1 * r, p2 = lat2 * r, dp = (lat2 - lat1) * r, dl = ((double)lon2 - lon1) * r;
    double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
    if (a > 1)
        a = 1;
    return 2 * 6371.0 * asin(sqrt(a));
}

typedef struct rank {
    double key;
    uint32_t edge;
} rank_t;

static int rank_cmp(const void *x, const void *y)
{
    const rank_t *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->edge < b->edge ? -1 : a->edge > b->edge;
}

/* Interns the children of edges sorted by rk[0..n). */
static uint32_t intern_ranked(lists_t *L, const pir_edge_t *e, rank_t *rk, size_t n, uint32_t *tmp)
{
    qsort(rk, n, sizeof *rk, rank_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        list_add(tmp, &k, e[rk[i].edge].child);
    return lists_intern(L, tmp, k);
}

/* latency (bias_mode 0) and proximity (1). */
static void do_nearest(pb_t *b, uint32_t ni, int proximity)
{
    const pir_node_t *n = &b->p->nodes[ni];
    const pir_edge_t *e = b->p->edges + n->first;
    const latency_t *lat = b->p->latency_data;
    lists_t L;
    lists_init(&L);
    rank_t *rk = xcalloc(n->count + 1, sizeof *rk);
    uint32_t *tmp = xcalloc(n->count + 1, sizeof *tmp);
    /* per edge: coordinates (proximity: its own; latency: its region's) */
    int32_t *clat = xcalloc(n->count + 1, sizeof *clat), *clon = xcalloc(n->count + 1, sizeof *clon);
    long *reg = xcalloc(n->count + 1, sizeof *reg);
    uint8_t *has = xcalloc(n->count + 1, 1);
    for (uint32_t i = 0; i < n->count; i++) {
        reg[i] = -1;
        if (proximity) {
            clat[i] = e[i].lat_e6;
            clon[i] = e[i].lon_e6;
            has[i] = 1;
        } else if (lat && e[i].region < b->p->region_count) {
            const char *name = b->p->regions[e[i].region];
            reg[i] = latency_region_find(lat, name, strlen(name));
            if (reg[i] >= 0) {
                clat[i] = lat->regions[reg[i]].lat_e6;
                clon[i] = lat->regions[reg[i]].lon_e6;
                has[i] = 1;
            }
        }
    }
    for (uint32_t i = 0; i < n->count; i++)
        rk[i] = (rank_t){(double)i, i};
    uint32_t fb = intern_ranked(&L, e, rk, n->count, tmp); /* unknown location: source order */

    uint32_t ta = RT_PNONE, tb = RT_PNONE;
    if (!proximity && lat && lat->rtt_count) {
        prefix_cidr_t *pc = xcalloc(lat->rtt_count, sizeof *pc);
        for (size_t r = 0; r < lat->rtt_count; r++) {
            for (uint32_t i = 0; i < n->count; i++) {
                uint32_t us = reg[i] >= 0 ? lat->rtts[r].rtt_us[reg[i]] : LATENCY_NO_RTT;
                rk[i] = (rank_t){us == LATENCY_NO_RTT ? 1e18 : (double)us, i};
            }
            pc[r] = lat->rtts[r].prefix;
            pc[r].outcome = intern_ranked(&L, e, rk, n->count, tmp);
        }
        prefix_fold_t f;
        size_t bad;
        if (prefix_fold_cidrs(pc, lat->rtt_count, &f, &bad) == 0) {
            ta = put_table(b, &f);
            prefix_fold_free(&f);
        }
        free(pc);
    }
    geodata_t *g = need_geo(b);
    if (g) {
        uint32_t *out = xcalloc(g->count ? g->count : 1, sizeof *out);
        for (size_t r = 0; r < g->count; r++) {
            const geodata_range_t *gr = &g->ranges[r];
            if (!gr->has_coord) {
                out[r] = PREFIX_NONE;
                continue;
            }
            for (uint32_t i = 0; i < n->count; i++) {
                double d = has[i] ? gc_km(gr->lat_e6, gr->lon_e6, clat[i], clon[i]) : 1e12;
                if (proximity && e[i].bias > 0)
                    d = d * (1.0 - e[i].bias / 100.0);
                else if (proximity && e[i].bias < 0)
                    d = d / (1.0 + e[i].bias / 100.0);
                rk[i] = (rank_t){d, i};
            }
            uint32_t idx = intern_ranked(&L, e, rk, n->count, tmp);
            out[r] = idx == fb ? PREFIX_NONE : idx;
        }
        uint32_t t = geo_table(b, out);
        if (ta == RT_PNONE)
            ta = t;
        else
            tb = t;
        free(out);
    }
    end_ordered(b, ni, &L, ta, tb, fb, ta != RT_PNONE);
    lists_free(&L);
    free(rk);
    free(tmp);
    free(clat);
    free(clon);
    free(reg);
    free(has);
}

static void do_children(pb_t *b, uint32_t ni, int weighted)
{
    const pir_node_t *n = &b->p->nodes[ni];
    const pir_edge_t *e = b->p->edges + n->first;
    rt_pnode_t *rn = &b->nodes[ni];
    rn->kind = weighted ? RT_PN_WEIGHTED : RT_PN_MULTI;
    rn->first = (uint32_t)b->items.len;
    rn->count = n->count;
    rn->a = rn->b = rn->c = RT_PNONE;
    for (uint32_t i = 0; i < n->count; i++)
        u32_push(&b->items, e[i].child);
    uint32_t sum = 0;
    if (weighted)
        for (uint32_t i = 0; i < n->count; i++) {
            u32_push(&b->items, e[i].weight);
            sum += e[i].weight;
        }
    /* weighted: the sum; multivalue: the fragment copies, set by fast_paths() */
    u32_push(&b->items, weighted ? sum : RT_PNONE);
}

/* RT_PNF_ALLUP (rt_policy.h) for weighted and multivalue nodes whose children
 * are all value sets with their checks in one bitmap word; multivalue nodes
 * (at most RT_POLICY_MAX_MULTI children) also get copies of their children's
 * fragments in child order. Runs when every node is written. */
static void fast_paths(pb_t *b, uint32_t node_count)
{
    for (uint32_t ni = 0; ni < node_count; ni++) {
        rt_pnode_t *rn = &b->nodes[ni];
        if ((rn->kind != RT_PN_WEIGHTED && rn->kind != RT_PN_MULTI) || rn->count == 0)
            continue;
        if (rn->kind == RT_PN_MULTI && rn->count > RT_POLICY_MAX_MULTI)
            continue;
        const uint32_t *kids = b->items.p + rn->first;
        uint32_t word = RT_PNONE;
        uint64_t mask = 0;
        int ok = 1;
        for (uint32_t i = 0; i < rn->count && ok; i++) {
            const rt_pnode_t *c = &b->nodes[kids[i]];
            if (c->kind != RT_PN_VALUES || (rn->kind == RT_PN_MULTI && c->count != 1)) {
                ok = 0;
            } else if (c->b != RT_PNONE) {
                if (word == RT_PNONE)
                    word = c->b >> 6;
                ok = word == c->b >> 6;
                mask |= 1ull << (c->b & 63);
            }
        }
        if (!ok)
            continue;
        rn->flags |= RT_PNF_ALLUP;
        rn->a = word == RT_PNONE ? 0 : word;
        rn->b = (uint32_t)mask;
        rn->c = (uint32_t)(mask >> 32);
        if (rn->kind == RT_PN_MULTI) {
            /* copies of the children's records, consecutive in the byte pool */
            b->items.p[rn->first + rn->count] = frag_count(b);
            int run = 1;
            uint16_t len0 = 0;
            for (uint32_t i = 0; i < rn->count; i++) {
                rt_pfrag_t f = ((const rt_pfrag_t *)b->frags.p)[b->nodes[kids[i]].first];
                uint8_t *dst = vec_grow(&b->bytes, f.len);
                memcpy(dst, b->bytes.p + f.off, f.len);
                f.off = (uint32_t)(dst - b->bytes.p);
                if (i == 0)
                    len0 = f.len;
                run = run && f.len == len0;
                vec_put(&b->frags, &f, sizeof f);
            }
            if (run)
                rn->flags |= RT_PNF_RUN;
        }
    }
}

/* Depth of the tree under node ni, alias hops included (loops are rejected
 * by pir_build; `guard` stops anyway). */
static unsigned tree_depth(const pir_t *p, uint32_t ni, unsigned guard)
{
    if (guard > 2 * RT_POLICY_MAX_DEPTH)
        return guard;
    const pir_node_t *n = &p->nodes[ni];
    if (n->kind == PIR_VALUESET)
        return 0;
    if (n->kind == PIR_ALIAS)
        return n->alias_policy == PIR_NONE ? 0
                                           : 1 + tree_depth(p, p->policies[n->alias_policy].root, guard + 1);
    unsigned m = 0;
    for (uint32_t i = 0; i < n->count; i++) {
        unsigned d = tree_depth(p, p->edges[n->first + i].child, guard + 1);
        if (d > m)
            m = d;
    }
    return m + 1;
}

/* --- keys -------------------------------------------------------------------------- */

static int key_cmp(const void *x, const void *y)
{
    const struct playout_key *a = x, *b = y;
    int c = dname_canon_cmp(a->name, b->name);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return a->policy < b->policy ? -1 : a->policy > b->policy;
}

static void lower_name(uint8_t *out, const uint8_t *name, size_t len)
{
    memcpy(out, name, len);
    dname_lower(out);
}

/* Appends a string of a check to the byte pool; off/len give its range (0/0 for NULL). */
static void probe_str(pb_t *b, const char *s, size_t n, uint32_t *off, uint16_t *len)
{
    *off = 0;
    *len = 0;
    if (s == NULL || n == 0)
        return;
    if (n > UINT16_MAX)
        n = UINT16_MAX;
    *off = (uint32_t)b->bytes.len;
    *len = (uint16_t)n;
    vec_put(&b->bytes, s, n);
}

/* The prober's definition of check c (health.h), whose rt_pcheck is pc:
 * same name range and calculated children; seconds become milliseconds. */
static void probe_def(pb_t *b, const pir_check_t *c, const rt_pcheck_t *pc, rt_check_def_t *d)
{
    memset(d, 0, sizeof *d);
    d->name_off = pc->name_off;
    d->name_len = pc->name_len;
    d->kind = pc->kind;
    d->flags = c->inverted ? RT_CKF_INVERTED : 0;
    if (c->kind == PIR_CHECK_CALCULATED) {
        d->child_first = pc->child_first;
        d->child_count = pc->child_count;
        d->at_least = (uint16_t)c->at_least;
        return;
    }
    if (c->addr.family == 6)
        d->flags |= RT_CKF_IPV6;
    memcpy(d->addr, c->addr.bytes, sizeof d->addr);
    d->port = c->port;
    d->fall = c->fall;
    d->rise = c->rise;
    d->interval_ms = c->interval * 1000u;
    d->timeout_ms = c->timeout * 1000u;
    if (c->kind == PIR_CHECK_TCP)
        return;
    probe_str(b, c->host, c->host ? strlen(c->host) : 0, &d->host_off, &d->host_len);
    probe_str(b, c->path, c->path ? strlen(c->path) : 0, &d->path_off, &d->path_len);
    probe_str(b, c->contains, c->contains_len, &d->contains_off, &d->contains_len);
    d->expect_lo = c->expect_min;
    d->expect_hi = c->expect_max;
}

unsigned playout_build(playout_t *out, const pir_t *p, ir_t *ir)
{
    memset(out, 0, sizeof *out);
    pb_t b;
    memset(&b, 0, sizeof b);
    b.p = p;
    b.ir = ir;
    b.nodes = xcalloc(p->node_count ? p->node_count : 1, sizeof *b.nodes);
    for (uint32_t i = 0; i < p->node_count; i++)
        b.nodes[i].a = b.nodes[i].b = b.nodes[i].c = RT_PNONE;

    /* checks: names first in the byte pool */
    rt_pcheck_t *checks = xcalloc(p->check_count ? p->check_count : 1, sizeof *checks);
    for (uint32_t i = 0; i < p->check_count; i++) {
        const pir_check_t *c = &p->checks[i];
        size_t nl = strlen(c->name);
        if (nl > 255)
            nl = 255;
        checks[i].name_off = (uint32_t)b.bytes.len;
        checks[i].name_len = (uint8_t)nl;
        vec_put(&b.bytes, c->name, nl);
        checks[i].kind = (uint8_t)c->kind;
        checks[i].flags = c->inverted ? RT_PCF_INVERTED : 0;
        checks[i].child_first = (uint32_t)b.items.len;
        checks[i].child_count = (uint16_t)c->child_count;
        checks[i].at_least = (uint16_t)(c->kind == PIR_CHECK_CALCULATED ? c->at_least : 0);
        for (uint32_t k = 0; k < c->child_count; k++)
            u32_push(&b.items, p->check_children[c->child_first + k]);
    }
    /* probe definitions (runtime/health.h), parallel to checks[] */
    rt_check_def_t *probes = xcalloc(p->check_count ? p->check_count : 1, sizeof *probes);
    for (uint32_t i = 0; i < p->check_count; i++)
        probe_def(&b, &p->checks[i], &checks[i], &probes[i]);

    rt_ppolicy_t *pols = xcalloc(p->policy_count ? p->policy_count : 1, sizeof *pols);
    out->keys = xcalloc(p->policy_count ? p->policy_count : 1, sizeof *out->keys);
    for (uint32_t pi = 0; pi < p->policy_count; pi++) {
        const pir_policy_t *pol = &p->policies[pi];
        uint8_t low[256];
        lower_name(low, pol->owner, pol->owner_len);
        pols[pi].root = pol->root;
        pols[pi].ttl = pol->ttl;
        pols[pi].type = pol->type;
        pols[pi].name_off = (uint32_t)b.bytes.len;
        pols[pi].name_len = pol->owner_len;
        vec_put(&b.bytes, low, pol->owner_len);
        struct playout_key *k = &out->keys[pi];
        k->zone = pol->zone;
        memcpy(k->name, low, pol->owner_len);
        k->name_len = pol->owner_len;
        k->type = pol->type;
        k->policy = pi;

        if (tree_depth(p, pol->root, 0) > RT_POLICY_MAX_DEPTH) {
            diag_error(pol->loc, "policy is nested deeper than %u levels", RT_POLICY_MAX_DEPTH);
            b.errors++;
        }
        for (uint32_t ni = pol->node_first; ni < pol->node_first + pol->node_count; ni++) {
            switch (p->nodes[ni].kind) {
            case PIR_VALUESET: do_valueset(&b, ni, pol); break;
            case PIR_ALIAS: do_alias(&b, ni, pol); break;
            case PIR_FAILOVER: do_failover(&b, ni); break;
            case PIR_WEIGHTED: do_children(&b, ni, 1); break;
            case PIR_MULTIVALUE: do_children(&b, ni, 0); break;
            case PIR_GEO: do_geo(&b, ni); break;
            case PIR_LATENCY: do_nearest(&b, ni, 0); break;
            case PIR_PROXIMITY: do_nearest(&b, ni, 1); break;
            case PIR_CIDR: do_cidr(&b, ni); break;
            }
        }
    }
    out->key_count = p->policy_count;
    qsort(out->keys, out->key_count, sizeof *out->keys, key_cmp);
    out->policy_count = p->policy_count;

    fast_paths(&b, p->node_count);

    /* nodes no policy reached (should not happen): an empty ordered node = NODATA */
    for (uint32_t i = 0; i < p->node_count; i++)
        if (b.nodes[i].kind == 0) {
            b.nodes[i].kind = RT_PN_ORDERED;
            b.nodes[i].first = (uint32_t)b.items.len;
            b.nodes[i].count = 0;
            b.nodes[i].c = RT_PNONE;
            u32_push(&b.items, (uint32_t)b.items.len + 1);
        }

    /* assemble */
    rt_policy_hdr_t h;
    memset(&h, 0, sizeof h);
    h.magic = RT_POLICY_MAGIC;
    h.check_count = p->check_count;
    h.policy_count = p->policy_count;
    h.node_count = p->node_count;
    h.item_count = (uint32_t)b.items.len;
    h.image_count = (uint32_t)(b.images.len / sizeof(rt_image_t));
    h.frag_count = frag_count(&b);
    h.table_words = (uint32_t)b.tables.len;
    h.bytes_len = (uint32_t)b.bytes.len;
    vec_t o = {0};
    static const uint8_t zeros[8];
#define SECTION(field, ptr, n)                                                                     \
    do {                                                                                           \
        vec_put(&o, zeros, (8 - o.len % 8) % 8);                                                   \
        h.field = (uint32_t)o.len;                                                                 \
        vec_put(&o, (ptr), (n));                                                                   \
    } while (0)
    vec_put(&o, &h, sizeof h);
    SECTION(checks_off, checks, p->check_count * sizeof *checks);
    SECTION(policies_off, pols, p->policy_count * sizeof *pols);
    SECTION(nodes_off, b.nodes, p->node_count * sizeof *b.nodes);
    SECTION(items_off, b.items.p, b.items.len * 4);
    SECTION(images_off, b.images.p, b.images.len);
    SECTION(frags_off, b.frags.p, b.frags.len);
    SECTION(tables_off, b.tables.p, b.tables.len * 4);
    SECTION(bytes_off, b.bytes.p, b.bytes.len);
    if (p->check_count)
        SECTION(probes_off, probes, p->check_count * sizeof *probes);
#undef SECTION
    vec_put(&o, zeros, (8 - o.len % 8) % 8);
    h.total_len = (uint32_t)o.len;
    memcpy(o.p, &h, sizeof h);
    out->bytes = o.p;
    out->len = o.len;

    free(checks);
    free(probes);
    free(pols);
    free(b.nodes);
    free(b.items.p);
    free(b.images.p);
    free(b.frags.p);
    free(b.tables.p);
    free(b.bytes.p);
    return b.errors;
}

size_t playout_node_entries(const playout_t *pl, const ir_zone_t *z, const uint8_t *name,
                            playout_tent_t *out, size_t cap)
{
    uint8_t low[256];
    size_t len = dname_len(name);
    lower_name(low, name, len);
    /* lower bound by name */
    size_t lo = 0, hi = pl->key_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (dname_canon_cmp(pl->keys[mid].name, low) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    int cname = -1;
    for (size_t i = lo; i < pl->key_count && dname_canon_cmp(pl->keys[i].name, low) == 0; i++) {
        if (pl->keys[i].zone != z)
            continue;
        if (n < cap)
            out[n] = (playout_tent_t){pl->keys[i].type, RT_TYPEENT_POLICY | pl->keys[i].policy};
        if (pl->keys[i].type == RR_CNAME_CODE)
            cname = (int)pl->keys[i].policy;
        n++;
    }
    if (cname >= 0) { /* RT_T_CNAME_OTHER (65535) sorts last */
        if (n < cap)
            out[n] = (playout_tent_t){RT_T_CNAME_OTHER, RT_TYPEENT_POLICY | (uint32_t)cname};
        n++;
    }
    return n;
}

int playout_owner_missing(const pir_t *p, uint32_t i)
{
    const pir_policy_t *pol = &p->policies[i];
    return ir_node_find(pol->zone, pol->owner) == NULL;
}

void playout_free(playout_t *pl)
{
    free(pl->bytes);
    free(pl->keys);
    memset(pl, 0, sizeof *pl);
}
