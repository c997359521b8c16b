/* ir.c -- zone IR construction and completion (see ir.h)
 * SPDX-License-Identifier: MIT
 *
 * The checks of ir_check() live in check.c; this file only builds the IR and
 * completes it for layout (empty non-terminals, canonical order, cut marks).
 */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "rrtype.h"

/* (RRset, rdata) pairs of the large RRsets; see rrset_has() */
typedef struct ir_dupset {
    const ir_rrset_t **set;
    const ir_rdata_t **rd;
    size_t cap, n;
} dupset_t;


ir_t *ir_new(void)
{
    ir_t *ir = xcalloc(1, sizeof *ir);
    ir->arena = arena_new(1u << 20);
    ir->zones_tail = &ir->zones;
    return ir;
}

void ir_free(ir_t *ir)
{
    if (!ir)
        return;
    for (ir_zone_t *z = ir->zones; z; z = z->next) {
        free(z->buckets);
        free(z->sorted);
        free(z->nested);
    }
    if (ir->dups) {
        free(ir->dups->set);
        free(ir->dups->rd);
        free(ir->dups);
    }
    arena_free(ir->arena);
    free(ir);
}

static const char *name_text(const uint8_t *name, char buf[DNAME_TEXT_MAX])
{
    dname_to_text(name, buf, DNAME_TEXT_MAX);
    return buf;
}

static inline uint8_t lower_byte(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* FNV-1a over the lowercase key. */
static uint64_t key_hash(const uint8_t *key, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= key[i];
        h *= 1099511628211ull;
    }
    return h;
}

ir_zone_t *ir_zone_find(ir_t *ir, const uint8_t *apex)
{
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        if (dname_equal(z->apex, apex))
            return z;
    return NULL;
}

ir_zone_t *ir_zone_add(ir_t *ir, const uint8_t *apex, loc_t loc)
{
    ir_zone_t *z = ir_zone_find(ir, apex);
    if (z) {
        char buf[DNAME_TEXT_MAX];
        diag_error(loc, "zone '%s' is defined more than once", name_text(apex, buf));
        diag_note(z->loc, "first defined here");
        return z;
    }
    z = arena_alloc(ir->arena, sizeof *z);
    z->apex_len = (uint8_t)dname_len(apex);
    z->apex = arena_memdup(ir->arena, apex, z->apex_len);
    z->loc = loc;
    z->default_ttl = 3600;
    z->nbuckets = 1024;
    z->buckets = xcalloc(z->nbuckets, sizeof *z->buckets);
    *ir->zones_tail = z;
    ir->zones_tail = &z->next;
    ir->zone_count++;
    return z;
}

static void zone_rehash(ir_zone_t *z)
{
    size_t nb = z->nbuckets * 4;
    ir_node_t **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < z->nbuckets; i++) {
        for (ir_node_t *n = z->buckets[i], *next; n; n = next) {
            next = n->hnext;
            size_t h = key_hash(n->key, n->name_len) & (nb - 1);
            n->hnext = b[h];
            b[h] = n;
        }
    }
    free(z->buckets);
    z->buckets = b;
    z->nbuckets = nb;
}

ir_node_t *ir_node_find(const ir_zone_t *zone, const uint8_t *name)
{
    /* key_hash() of the lowercase form, without copying it */
    uint64_t h = 1469598103934665603ull;
    size_t len = 0;
    for (;;) {
        uint8_t l = name[len];
        h = (h ^ l) * 1099511628211ull;
        len++;
        if (l == 0)
            break;
        for (size_t e = len + l; len < e; len++)
            h = (h ^ lower_byte(name[len])) * 1099511628211ull;
    }
    for (ir_node_t *n = zone->buckets[h & (zone->nbuckets - 1)]; n; n = n->hnext) {
        if (n->name_len != len)
            continue;
        size_t i = 0;
        while (i < len && n->key[i] == lower_byte(name[i]))
            i++;
        if (i == len)
            return n;
    }
    return NULL;
}

static ir_node_t *node_get(ir_t *ir, ir_zone_t *z, const uint8_t *name, loc_t loc);

ir_node_t *ir_node_add(ir_t *ir, ir_zone_t *zone, const uint8_t *name, loc_t loc)
{
    return node_get(ir, zone, name, loc);
}

/* Finds or creates the node for `name`. */
static ir_node_t *node_get(ir_t *ir, ir_zone_t *z, const uint8_t *name, loc_t loc)
{
    ir_node_t *n = z->last;
    if (n) {
        size_t i = 0;
        while (i < n->name_len && n->key[i] == lower_byte(name[i]))
            i++;
        if (i == n->name_len) /* the root label ended both names at the same byte */
            return n;
    }
    n = ir_node_find(z, name);
    if (n)
        return z->last = n;
    if (z->node_count >= z->nbuckets)
        zone_rehash(z);
    size_t len = dname_len(name);
    n = arena_alloc(ir->arena, sizeof *n);
    n->name = arena_memdup(ir->arena, name, len);
    n->key = arena_memdup(ir->arena, name, len);
    dname_lower(n->key);
    n->name_len = (uint8_t)len;
    n->loc = loc;
    size_t h = key_hash(n->key, len) & (z->nbuckets - 1);
    n->hnext = z->buckets[h];
    z->buckets[h] = n;
    z->node_count++;
    return z->last = n;
}

ir_rrset_t *ir_rrset_find(const ir_node_t *node, uint16_t type)
{
    for (ir_rrset_t *s = node->rrsets; s; s = s->next)
        if (s->type == type)
            return s;
    return NULL;
}

/* RFC 2181 §5: an RRset holds no duplicates. Names inside rdata compare
 * case-insensitively (RFC 4343), so compare the canonical forms of the
 * types whose rdata is a single name; other rdata byte for byte. */
static int rdata_same(uint16_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen != blen)
        return 0;
    if (type == RR_NS || type == RR_CNAME || type == RR_PTR) {
        if (!rrtype_rdata_valid(type, a, alen) || !rrtype_rdata_valid(type, b, blen))
            return memcmp(a, b, alen) == 0;
        return dname_equal(a, b);
    }
    return memcmp(a, b, alen) == 0;
}

/* Duplicates in RRsets past DUP_LINEAR records are found through one hash
 * set of (RRset, rdata) for the whole IR instead of a scan, so a name with
 * very many records stays linear. The hash agrees with rdata_same(): names
 * of NS/CNAME/PTR rdata are hashed lowercase. */
#define DUP_LINEAR 16

static uint64_t rdata_hash(const ir_rrset_t *s, const uint8_t *d, size_t len)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)s;
    int name = (s->type == RR_NS || s->type == RR_CNAME || s->type == RR_PTR) &&
               rrtype_rdata_valid(s->type, d, len);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (name ? lower_byte(d[i]) : d[i])) * 1099511628211ull;
    return h ^ h >> 29;
}

static void dup_insert(dupset_t *ds, const ir_rrset_t *s, const ir_rdata_t *r);

static void dup_grow(dupset_t *ds)
{
    dupset_t old = *ds;
    ds->cap = old.cap ? old.cap * 2 : 1024;
    ds->set = xcalloc(ds->cap, sizeof *ds->set);
    ds->rd = xcalloc(ds->cap, sizeof *ds->rd);
    ds->n = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.set[i])
            dup_insert(ds, old.set[i], old.rd[i]);
    free(old.set);
    free(old.rd);
}

static void dup_insert(dupset_t *ds, const ir_rrset_t *s, const ir_rdata_t *r)
{
    if (2 * (ds->n + 1) > ds->cap)
        dup_grow(ds);
    size_t i = rdata_hash(s, r->data, r->len) & (ds->cap - 1);
    while (ds->set[i])
        i = (i + 1) & (ds->cap - 1);
    ds->set[i] = s;
    ds->rd[i] = r;
    ds->n++;
}

static int dup_has(const dupset_t *ds, const ir_rrset_t *s, const uint8_t *d, size_t len)
{
    for (size_t i = rdata_hash(s, d, len) & (ds->cap - 1); ds->set[i]; i = (i + 1) & (ds->cap - 1))
        if (ds->set[i] == s && rdata_same(s->type, ds->rd[i]->data, ds->rd[i]->len, d, len))
            return 1;
    return 0;
}

/* 1 when `s` already holds rdata equal to d[0..len). */
static int rrset_has(ir_t *ir, const ir_rrset_t *s, const uint8_t *d, size_t len)
{
    if (s->count < DUP_LINEAR) {
        for (const ir_rdata_t *r = s->rdata; r; r = r->next)
            if (rdata_same(s->type, r->data, r->len, d, len))
                return 1;
        return 0;
    }
    if (!ir->dups)
        ir->dups = xcalloc(1, sizeof *ir->dups);
    if (s->count == DUP_LINEAR) /* first time this large: index what it holds */
        for (const ir_rdata_t *r = s->rdata; r; r = r->next)
            dup_insert(ir->dups, s, r);
    return dup_has(ir->dups, s, d, len);
}

void ir_add_rr(ir_t *ir, ir_zone_t *zone, const uint8_t *owner, uint16_t type, uint32_t ttl,
               const uint8_t *rdata, uint16_t rdlen, loc_t loc)
{
    char b1[DNAME_TEXT_MAX], b2[DNAME_TEXT_MAX];
    if (!dname_is_subdomain(owner, zone->apex)) {
        diag_error(loc, "owner '%s' is outside zone '%s'", name_text(owner, b1),
                   name_text(zone->apex, b2));
        return;
    }
    if (ttl > IR_TTL_MAX) {
        diag_error(loc, "TTL out of range (0..2147483647)");
        return;
    }
    ir_node_t *n = node_get(ir, zone, owner, loc);
    ir_rrset_t *s = ir_rrset_find(n, type);
    if (!s) {
        s = arena_alloc(ir->arena, sizeof *s);
        s->type = type;
        s->ttl = ttl;
        s->loc = loc;
        s->rdata_tail = &s->rdata;
        s->next = n->rrsets;
        n->rrsets = s;
    } else {
        if (rrset_has(ir, s, rdata, rdlen)) {
            diag_warning(loc, "duplicate", "duplicate record ignored");
            return;
        }
        if (ttl != s->ttl)
            diag_warning(loc, "ttl-mismatch", "TTL %u differs from the RRset's TTL %u; using %u",
                         ttl, s->ttl, s->ttl);
    }
    ir_rdata_t *r = arena_alloc(ir->arena, sizeof *r);
    r->loc = loc;
    r->len = rdlen;
    r->data = arena_memdup(ir->arena, rdata, rdlen);
    *s->rdata_tail = r;
    s->rdata_tail = &r->next;
    if (s->count++ >= DUP_LINEAR)
        dup_insert(ir->dups, s, r);
}

static uint32_t soa_serial(const ir_rrset_t *soa);

/* Sorts a node's RRsets by ascending type (insertion sort: lists are short). */
static void sort_rrsets(ir_node_t *n)
{
    ir_rrset_t *sorted = NULL;
    for (ir_rrset_t *s = n->rrsets, *next; s; s = next) {
        next = s->next;
        ir_rrset_t **p = &sorted;
        while (*p && (*p)->type < s->type)
            p = &(*p)->next;
        s->next = *p;
        *p = s;
    }
    n->rrsets = sorted;
}

/* Canonical order (RFC 4034 §6.1) as memcmp order: a node's sort key is its
 * lowercase labels from the root down, each followed by 0x00, with the bytes
 * 0x00 and 0x01 inside labels escaped as 0x01 0x01 and 0x01 0x02. A shorter
 * label sorts first and an ancestor's key is a prefix of its descendants'
 * keys, exactly as dname_canon_cmp() orders the names. The labels of the
 * zone's apex, common to all, are left out; the first 8 bytes, big-endian,
 * decide most comparisons. */
typedef struct skey {
    uint64_t pfx;
    const uint8_t *rk;
    size_t len;
    ir_node_t *node;
} skey_t;

static size_t canon_key(const uint8_t *key, unsigned skip, uint8_t *out)
{
    uint8_t off[128];
    unsigned n = 0;
    for (const uint8_t *p = key; *p; p += *p + 1)
        off[n++] = (uint8_t)(p - key);
    n -= skip;
    size_t k = 0;
    while (n > 0) {
        const uint8_t *l = key + off[--n];
        for (unsigned i = 1; i <= l[0]; i++) {
            if (l[i] <= 1) {
                out[k++] = 1;
                out[k++] = (uint8_t)(l[i] + 1);
            } else {
                out[k++] = l[i];
            }
        }
        out[k++] = 0;
    }
    return k;
}

static int skey_cmp(const void *x, const void *y)
{
    const skey_t *a = x, *b = y;
    if (a->pfx != b->pfx)
        return a->pfx < b->pfx ? -1 : 1;
    /* equal prefixes: a key under 8 bytes is then a prefix of the other
     * (a 0x00 is never followed by 0x00), so the shorter sorts first */
    size_t m = a->len < b->len ? a->len : b->len;
    if (m > 8) {
        int d = memcmp(a->rk + 8, b->rk + 8, m - 8);
        if (d)
            return d;
    }
    return (a->len > b->len) - (a->len < b->len);
}

/* Adds a node known to be absent (an empty non-terminal). */
static ir_node_t *node_insert(ir_t *ir, ir_zone_t *z, const uint8_t *name, size_t len)
{
    if (z->node_count >= z->nbuckets)
        zone_rehash(z);
    ir_node_t *n = arena_alloc(ir->arena, sizeof *n);
    n->name = arena_memdup(ir->arena, name, len);
    n->key = arena_memdup(ir->arena, name, len);
    dname_lower(n->key);
    n->name_len = (uint8_t)len;
    size_t h = key_hash(n->key, len) & (z->nbuckets - 1);
    n->hnext = z->buckets[h];
    z->buckets[h] = n;
    z->node_count++;
    return n;
}

static int zone_apex_cmp(const void *x, const void *y)
{
    const ir_zone_t *a = *(ir_zone_t *const *)x, *b = *(ir_zone_t *const *)y;
    return dname_canon_cmp(a->apex, b->apex);
}

/* Sets every zone's `parent`: the deepest other zone whose apex is a
 * proper ancestor of its apex (binary search over the apexes in order). */
static void link_parents(ir_t *ir)
{
    size_t nz = ir->zone_count, k = 0;
    if (nz < 2)
        return;
    ir_zone_t **v = xmalloc(nz * sizeof *v);
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        v[k++] = z;
    qsort(v, k, sizeof *v, zone_apex_cmp);
    for (size_t i = 0; i < k; i++) {
        for (const uint8_t *p = dname_parent(v[i]->apex); p && !v[i]->parent; p = dname_parent(p)) {
            size_t lo = 0, hi = i; /* ancestors sort before their descendants */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int d = dname_canon_cmp(v[mid]->apex, p);
                if (d == 0) {
                    v[i]->parent = v[mid];
                    break;
                }
                if (d < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
        }
    }
    free(v);
}

/* A zone's nodes in canonical order with each one's parent, between the
 * passes of ir_finish(). */
typedef struct walk {
    ir_node_t **all, **par;
    size_t nall;
} walk_t;

/* One zone: empty non-terminals and canonical order into *wk. */
static void order_zone(ir_t *ir, ir_zone_t *z, walk_t *wk)
{
    /* the apex always exists, even for a zone with no records yet */
    ir_node_t *apex = node_get(ir, z, z->apex, z->loc);
    size_t n0 = z->node_count;
    skey_t *sk = xmalloc(n0 * sizeof *sk);
    size_t total = 0, k = 0;
    for (size_t i = 0; i < z->nbuckets; i++) {
        if (i + 8 < z->nbuckets)
            __builtin_prefetch(z->buckets[i + 8]); /* prefetching NULL is harmless */
        for (ir_node_t *n = z->buckets[i]; n; n = n->hnext) {
            sk[k++].node = n;
            total += 2u * n->name_len;
        }
    }
    unsigned apex_labels = dname_label_count(z->apex);
    uint8_t *rkbuf = xmalloc(total ? total : 1), *w = rkbuf;
    for (size_t i = 0; i < k; i++) {
        /* the nodes are in hash order, so every key is a cache miss: ask early */
        if (i + 8 < k)
            __builtin_prefetch(sk[i + 8].node->key);
        size_t len = canon_key(sk[i].node->key, apex_labels, w);
        uint64_t pfx = 0;
        for (size_t j = 0; j < 8; j++)
            pfx = pfx << 8 | (j < len ? w[j] : 0);
        sk[i].pfx = pfx;
        sk[i].rk = w;
        sk[i].len = len;
        w += len;
    }
    qsort(sk, k, sizeof *sk, skey_cmp);

    /* Walk the names in canonical order (a pre-order of the name tree, the
     * apex first) keeping the chain of ancestors: the missing ones between a
     * name and its nearest existing ancestor are the empty non-terminals
     * (RFC 4592 §2.2.2: they exist, and they stop wildcard matching); each
     * goes just before its first descendant. */
    ir_node_t **all = xmalloc((n0 + 1) * sizeof *all);
    ir_node_t **par = xmalloc((n0 + 1) * sizeof *par);
    size_t nall = 0, capall = n0 + 1;
    struct anc {
        ir_node_t *node;
        size_t len;         /* of its sort key */
        unsigned labels;    /* below the apex */
        const uint8_t *rk;
    } chain[130];
    unsigned depth = 0;
    for (size_t i = 0; i < k; i++) {
        ir_node_t *n = sk[i].node;
        const uint8_t *rk = sk[i].rk;
        while (depth > 0 && !(chain[depth - 1].len < sk[i].len &&
                              memcmp(chain[depth - 1].rk, rk, chain[depth - 1].len) == 0))
            depth--;
        ir_node_t *parent = depth ? chain[depth - 1].node : NULL;
        unsigned have = depth ? chain[depth - 1].labels : 0, nl = 0;
        for (size_t j = 0; j < sk[i].len; j++)
            nl += rk[j] == 0;
        if (nall + (nl > have ? nl - have : 1) > capall) {
            capall = 2 * capall + nl;
            all = xrealloc(all, capall * sizeof *all);
            par = xrealloc(par, capall * sizeof *par);
        }
        if (nl > have + 1) {
            /* the ancestor with m labels below the apex (have < m < nl) */
            uint8_t off[128];
            unsigned cnt = 0;
            for (const uint8_t *p = n->name; *p; p += *p + 1)
                off[cnt++] = (uint8_t)(p - n->name);
            size_t elen = 0;
            for (unsigned seen = 0; seen < have; elen++)
                seen += rk[elen] == 0;
            for (unsigned m = have + 1; m < nl; m++) {
                unsigned o = off[nl - m];
                ir_node_t *e = node_insert(ir, z, n->name + o, n->name_len - o);
                e->is_ent = 1;
                par[nall] = parent;
                all[nall++] = e;
                while (rk[elen++] != 0) /* its key: n's key up to the m-th 0x00 */
                    ;
                chain[depth++] = (struct anc){e, elen, m, rk};
                parent = e;
            }
        }
        par[nall] = parent;
        all[nall++] = n;
        chain[depth++] = (struct anc){n, sk[i].len, nl, rk};
    }

    apex->is_apex = 1;
    z->apex_node = apex;
    free(sk);
    free(rkbuf);
    wk->all = all;
    wk->par = par;
    wk->nall = nall;
}

/* Marks apex, cuts, below a cut (from the topmost cut: names below a cut are
 * not ours) and nested nodes (below a node already marked nested), then
 * splits the zone's nodes into `sorted` and `nested`. */
static void mark_zone(ir_zone_t *z, walk_t *wk)
{
    ir_node_t **all = wk->all, **par = wk->par;
    size_t nall = wk->nall;
    size_t nnested = 0;
    for (size_t i = 0; i < nall; i++) {
        ir_node_t *n = all[i], *parent = par[i];
        if (i + 16 < nall)
            __builtin_prefetch(all[i + 16]);
        if (i + 8 < nall)
            __builtin_prefetch(all[i + 8]->rrsets);
        sort_rrsets(n);
        if (!n->is_apex && ir_rrset_find(n, RR_NS))
            n->is_cut = 1;
        if (parent && (parent->is_cut || parent->below_cut)) {
            n->below_cut = 1;
            n->cut = parent->below_cut ? parent->cut : parent;
        }
        if (parent && parent->nested)
            n->nested = 1;
        nnested += n->nested;
    }
    free(z->sorted);
    free(z->nested);
    z->sorted = xmalloc((nall - nnested) * sizeof *z->sorted);
    z->nested = nnested ? xmalloc(nnested * sizeof *z->nested) : NULL;
    size_t ns = 0, nn = 0;
    for (size_t i = 0; i < nall; i++) {
        ir_node_t *n = all[i];
        if (n->nested) {
            n->index = (uint32_t)nn;
            z->nested[nn++] = n;
        } else {
            n->index = (uint32_t)ns;
            z->sorted[ns++] = n;
        }
    }
    z->node_count = ns;
    z->nested_count = nn;
    z->serial = soa_serial(ir_rrset_find(z->apex_node, RR_SOA));
    free(all);
    free(par);
}

static uint32_t soa_serial(const ir_rrset_t *soa)
{
    if (!soa || !soa->rdata)
        return 0;
    const uint8_t *d = soa->rdata->data;
    size_t len = soa->rdata->len;
    if (!rrtype_rdata_valid(RR_SOA, d, len))
        return 0;
    size_t off = dname_len(d);
    off += dname_len(d + off);
    return (uint32_t)d[off] << 24 | (uint32_t)d[off + 1] << 16 | (uint32_t)d[off + 2] << 8 | d[off + 3];
}

void ir_finish(ir_t *ir)
{
    link_parents(ir);
    walk_t *wk = xcalloc(ir->zone_count ? ir->zone_count : 1, sizeof *wk);
    size_t i = 0;
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        order_zone(ir, z, &wk[i++]);
    /* a hosted child's apex (a node of the parent once the ENTs exist) and
     * everything below it is the child's to serve */
    for (ir_zone_t *o = ir->zones; o; o = o->next) {
        ir_node_t *m = o->parent ? ir_node_find(o->parent, o->apex) : NULL;
        if (m)
            m->nested = 1;
    }
    i = 0;
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        mark_zone(z, &wk[i++]);
    free(wk);
}
