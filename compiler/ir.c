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
    }
    arena_free(ir->arena);
    free(ir);
}

static const char *name_text(const uint8_t *name, char buf[DNAME_TEXT_MAX])
{
    dname_to_text(name, buf, DNAME_TEXT_MAX);
    return buf;
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
    uint8_t key[DNAME_MAX];
    size_t len = dname_len(name);
    memcpy(key, name, len);
    dname_lower(key);
    for (ir_node_t *n = zone->buckets[key_hash(key, len) & (zone->nbuckets - 1)]; n; n = n->hnext)
        if (n->name_len == len && memcmp(n->key, key, len) == 0)
            return n;
    return NULL;
}

/* Finds or creates the node for `name`. */
static ir_node_t *node_get(ir_t *ir, ir_zone_t *z, const uint8_t *name, loc_t loc)
{
    ir_node_t *n = ir_node_find(z, name);
    if (n)
        return n;
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
    return n;
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
        for (ir_rdata_t *r = s->rdata; r; r = r->next) {
            if (rdata_same(type, r->data, r->len, rdata, rdlen)) {
                diag_warning(loc, "duplicate", "duplicate record ignored");
                return;
            }
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
    s->count++;
}

static int node_cmp(const void *a, const void *b)
{
    const ir_node_t *x = *(ir_node_t *const *)a, *y = *(ir_node_t *const *)b;
    return dname_canon_cmp(x->key, y->key);
}

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

/* Removes from `z` every node at or below the apex of another hosted zone
 * that lies inside `z`: the server answers those names from the deeper zone
 * (as Knot does), and a name must be one key of the lookup table. */
static void drop_nested(ir_t *ir, ir_zone_t *z)
{
    for (ir_zone_t *o = ir->zones; o; o = o->next) {
        if (o == z || !dname_is_subdomain(o->apex, z->apex) || dname_equal(o->apex, z->apex))
            continue;
        for (size_t i = 0; i < z->nbuckets; i++) {
            for (ir_node_t **p = &z->buckets[i]; *p;) {
                if (dname_is_subdomain((*p)->key, o->apex)) {
                    *p = (*p)->hnext;
                    z->node_count--;
                } else {
                    p = &(*p)->hnext;
                }
            }
        }
    }
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
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        drop_nested(ir, z);
    for (ir_zone_t *z = ir->zones; z; z = z->next) {
        /* the apex always exists, even for a zone with no records yet */
        ir_node_t *apex = node_get(ir, z, z->apex, z->loc);
        /* empty non-terminals: every ancestor up to the apex is a node
         * (RFC 4592 §2.2.2: they exist, and they stop wildcard matching) */
        size_t n0 = z->node_count;
        ir_node_t **orig = xmalloc((n0 ? n0 : 1) * sizeof *orig);
        size_t k = 0;
        for (size_t i = 0; i < z->nbuckets; i++)
            for (ir_node_t *n = z->buckets[i]; n; n = n->hnext)
                orig[k++] = n;
        for (size_t i = 0; i < k; i++) {
            for (const uint8_t *p = dname_parent(orig[i]->name);
                 p && p[0] && dname_label_count(p) > dname_label_count(z->apex); p = dname_parent(p)) {
                if (ir_node_find(z, p))
                    break; /* its ancestors were handled when it was added */
                ir_node_t *e = node_get(ir, z, p, (loc_t){0, 0, 0});
                e->is_ent = 1;
            }
        }
        free(orig);
        free(z->sorted);
        z->sorted = xmalloc(z->node_count * sizeof *z->sorted);
        k = 0;
        for (size_t i = 0; i < z->nbuckets; i++)
            for (ir_node_t *n = z->buckets[i]; n; n = n->hnext)
                z->sorted[k++] = n;
        qsort(z->sorted, k, sizeof *z->sorted, node_cmp);
        z->apex_node = apex;
        apex->is_apex = 1;
        for (size_t i = 0; i < k; i++) {
            ir_node_t *n = z->sorted[i];
            n->index = (uint32_t)i;
            sort_rrsets(n);
            if (!n->is_apex && ir_rrset_find(n, RR_NS))
                n->is_cut = 1;
        }
        /* canonical order puts every ancestor before its descendants, so the
         * nearest enclosing cut is known when a node is reached; the referral
         * comes from the topmost cut (names below a cut are not ours) */
        for (size_t i = 0; i < k; i++) {
            ir_node_t *n = z->sorted[i];
            if (n->is_apex)
                continue;
            const uint8_t *p = dname_parent(n->key);
            ir_node_t *parent = p ? ir_node_find(z, p) : NULL;
            if (parent && (parent->is_cut || parent->below_cut)) {
                n->below_cut = 1;
                n->cut = parent->below_cut ? parent->cut : parent;
            }
        }
        z->serial = soa_serial(ir_rrset_find(apex, RR_SOA));
    }
}
