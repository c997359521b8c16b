/* check.c -- semantic checks of the zone IR (ir_check, see ir.h)
 * SPDX-License-Identifier: MIT
 *
 * Runs before ir_finish(), so it computes delegation points itself. Findings
 * are collected first and reported sorted by source location, so the output
 * follows the input file whatever the hash order of the node table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "ir.h"
#include "rrtype.h"

typedef struct finding {
    loc_t loc;
    uint32_t seq;      /* creation order: tiebreak for equal locations */
    uint8_t warn;      /* 1 = warning -Woccluded */
    uint8_t has_note;
    loc_t note_loc;
    char *msg;
} finding_t;

typedef struct checker {
    ir_t *ir;
    finding_t *f;
    size_t n, cap;
    const uint8_t **apex;  /* every zone's apex, canonical order */
    size_t napex;
    int nested;            /* some zone lies inside another */
} checker_t;

static void add(checker_t *c, loc_t loc, int warn, const loc_t *note, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void add(checker_t *c, loc_t loc, int warn, const loc_t *note, const char *fmt, ...)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->f = xrealloc(c->f, c->cap * sizeof *c->f);
    }
    char buf[2 * DNAME_TEXT_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    finding_t *f = &c->f[c->n];
    memset(f, 0, sizeof *f);
    f->loc = loc;
    f->seq = (uint32_t)c->n++;
    f->warn = (uint8_t)warn;
    if (note) {
        f->has_note = 1;
        f->note_loc = *note;
    }
    f->msg = xstrdup(buf);
}

static int loc_cmp(loc_t a, loc_t b)
{
    if (a.file != b.file)
        return a.file < b.file ? -1 : 1;
    if (a.line != b.line)
        return a.line < b.line ? -1 : 1;
    if (a.col != b.col)
        return a.col < b.col ? -1 : 1;
    return 0;
}

static int finding_cmp(const void *a, const void *b)
{
    const finding_t *x = a, *y = b;
    int d = loc_cmp(x->loc, y->loc);
    if (d)
        return d;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *text(const uint8_t *name, char buf[DNAME_TEXT_MAX])
{
    dname_to_text(name, buf, DNAME_TEXT_MAX);
    return buf;
}

static int apex_cmp(const void *a, const void *b)
{
    return dname_canon_cmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b);
}

/* 1 when `name` (inside `z`) lies at or below the apex of a hosted zone
 * deeper than `z`: that zone answers for it, so `z`'s copy is not checked.
 * Each ancestor of `name` below z's apex is looked up among the apexes. */
static int in_deeper_zone(const checker_t *c, const ir_zone_t *z, const uint8_t *name)
{
    if (!c->nested)
        return 0;
    unsigned stop = dname_label_count(z->apex);
    for (const uint8_t *p = name; p && dname_label_count(p) > stop; p = dname_parent(p)) {
        size_t lo = 0, hi = c->napex;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int d = dname_canon_cmp(c->apex[mid], p);
            if (d == 0)
                return 1;
            if (d < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return 0;
}

static int is_cut(const ir_zone_t *z, const ir_node_t *n)
{
    return ir_rrset_find(n, RR_NS) && !dname_equal(n->key, z->apex);
}

/* The topmost delegation strictly above `name` inside `z`, or NULL. */
static const ir_node_t *cut_above(const ir_zone_t *z, const uint8_t *name)
{
    const ir_node_t *top = NULL;
    unsigned apex_labels = dname_label_count(z->apex);
    const uint8_t *p = dname_parent(name);
    while (p && dname_label_count(p) > apex_labels) {
        const ir_node_t *a = ir_node_find(z, p);
        if (a && is_cut(z, a))
            top = a;
        p = dname_parent(p);
    }
    return top;
}

/* 1 when `name` has an A or AAAA record in `z`, directly or through a
 * wildcard at its closest encloser (RFC 4592), as Knot finds glue. */
static int has_address(const ir_zone_t *z, const uint8_t *name)
{
    const ir_node_t *n = ir_node_find(z, name);
    if (n)
        return ir_rrset_find(n, RR_A) || ir_rrset_find(n, RR_AAAA);
    /* Empty non-terminals do not exist yet (ir_finish makes them), so the
     * closest encloser is approximated: the nearest ancestor that has a
     * wildcard child or is a node itself. */
    uint8_t wc[DNAME_MAX + 2];
    for (const uint8_t *p = dname_parent(name); p && dname_is_subdomain(p, z->apex);
         p = dname_parent(p)) {
        size_t pl = dname_len(p);
        if (pl + 2 <= DNAME_MAX) {
            wc[0] = 1;
            wc[1] = '*';
            memcpy(wc + 2, p, pl);
            const ir_node_t *w = ir_node_find(z, wc);
            if (w)
                return ir_rrset_find(w, RR_A) || ir_rrset_find(w, RR_AAAA);
        }
        if (ir_node_find(z, p))
            return 0;
    }
    return 0;
}

/* Glue targets: a small open-addressing set of lowercase names. */
typedef struct nameset {
    uint8_t **slot;
    size_t cap, n;
} nameset_t;

static uint64_t name_hash(const uint8_t *k, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)((k[i] >= 'A' && k[i] <= 'Z') ? k[i] + 32 : k[i]);
        h *= 1099511628211ull;
    }
    return h;
}

static int nameset_has(const nameset_t *s, const uint8_t *name)
{
    if (!s->cap)
        return 0;
    size_t len = dname_len(name);
    for (size_t i = name_hash(name, len) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (!s->slot[i])
            return 0;
        if (dname_equal(s->slot[i], name))
            return 1;
    }
}

static void nameset_add(nameset_t *s, uint8_t *name)
{
    if (nameset_has(s, name))
        return;
    if (2 * (s->n + 1) > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        uint8_t **ns = xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slot[i])
                continue;
            size_t j = name_hash(s->slot[i], dname_len(s->slot[i])) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = s->slot[i];
        }
        free(s->slot);
        s->slot = ns;
        s->cap = ncap;
    }
    size_t j = name_hash(name, dname_len(name)) & (s->cap - 1);
    while (s->slot[j])
        j = (j + 1) & (s->cap - 1);
    s->slot[j] = name;
    s->n++;
}

static void check_cname(checker_t *c, const ir_zone_t *z, const ir_node_t *n, int apex)
{
    char b1[DNAME_TEXT_MAX], b2[DNAME_TEXT_MAX];
    ir_rrset_t *cn = ir_rrset_find(n, RR_CNAME);
    if (!cn)
        return;
    if (apex) {
        for (ir_rdata_t *r = cn->rdata; r; r = r->next)
            add(c, r->loc, 0, NULL, "CNAME at the zone apex '%s'", text(z->apex, b1));
        return;
    }
    /* RFC 2181 §10.1: one CNAME per name */
    for (ir_rdata_t *r = cn->rdata ? cn->rdata->next : NULL; r; r = r->next)
        add(c, r->loc, 0, NULL, "more than one CNAME at '%s'", text(n->name, b2));
    /* RFC 1034 §3.6.2: no other data beside a CNAME (RFC 4035 allows RRSIG/NSEC) */
    const ir_rdata_t *other = NULL;
    for (ir_rrset_t *s = n->rrsets; s; s = s->next) {
        if (s->type == RR_CNAME || s->type == RR_RRSIG || s->type == RR_NSEC)
            continue;
        for (ir_rdata_t *r = s->rdata; r; r = r->next)
            if (!other || loc_cmp(r->loc, other->loc) < 0)
                other = r;
    }
    if (!other || !cn->rdata)
        return;
    loc_t a = cn->rdata->loc, b = other->loc;
    if (loc_cmp(a, b) < 0)
        add(c, b, 0, &a, "CNAME and other data at '%s'", text(n->name, b2));
    else
        add(c, a, 0, &b, "CNAME and other data at '%s'", text(n->name, b2));
}

struct ns_ctx {
    const uint8_t *rdata;
    const uint8_t *target;
};

static void first_name(void *arg, size_t off, int compress)
{
    (void)compress;
    struct ns_ctx *x = arg;
    if (!x->target)
        x->target = x->rdata + off;
}

static void check_zone(checker_t *c, ir_zone_t *z)
{
    char b1[DNAME_TEXT_MAX], b2[DNAME_TEXT_MAX];
    size_t cnt = 0;
    ir_node_t **nodes = xmalloc((z->node_count ? z->node_count : 1) * sizeof *nodes);
    for (size_t i = 0; i < z->nbuckets; i++)
        for (ir_node_t *n = z->buckets[i]; n; n = n->hnext)
            if (!in_deeper_zone(c, z, n->key))
                nodes[cnt++] = n;

    ir_node_t *apex = ir_node_find(z, z->apex);
    ir_rrset_t *soa = apex ? ir_rrset_find(apex, RR_SOA) : NULL;
    if (!soa)
        add(c, z->loc, 0, NULL, "zone '%s' has no SOA record", text(z->apex, b1));
    else
        for (ir_rdata_t *r = soa->rdata->next; r; r = r->next)
            add(c, r->loc, 0, NULL, "more than one SOA record in zone '%s'", text(z->apex, b1));
    if (!apex || !ir_rrset_find(apex, RR_NS))
        add(c, z->loc, 0, NULL, "zone '%s' has no NS records at the apex", text(z->apex, b1));

    /* every in-zone NS target: glue is allowed below cuts */
    nameset_t glue = {0};
    for (size_t i = 0; i < cnt; i++) {
        ir_rrset_t *ns = ir_rrset_find(nodes[i], RR_NS);
        if (!ns)
            continue;
        for (ir_rdata_t *r = ns->rdata; r; r = r->next) {
            struct ns_ctx x = {r->data, NULL};
            if (!rrtype_rdata_valid(RR_NS, r->data, r->len))
                continue;
            rrtype_rdata_names(RR_NS, r->data, r->len, first_name, &x);
            if (x.target && dname_is_subdomain(x.target, z->apex))
                nameset_add(&glue, (uint8_t *)x.target);
        }
    }

    for (size_t i = 0; i < cnt; i++) {
        ir_node_t *n = nodes[i];
        int is_apex = dname_equal(n->key, z->apex);
        const ir_node_t *cut = is_apex ? NULL : cut_above(z, n->key);
        for (ir_rrset_t *s = n->rrsets; s; s = s->next) {
            char tb[32];
            for (ir_rdata_t *r = s->rdata; r; r = r->next)
                if (!rrtype_rdata_valid(s->type, r->data, r->len))
                    add(c, r->loc, 0, NULL, "invalid %s rdata: malformed wire data",
                        rrtype_to_text(s->type, tb, sizeof tb));
            if (s->type == RR_SOA && !is_apex)
                for (ir_rdata_t *r = s->rdata; r; r = r->next)
                    add(c, r->loc, 0, NULL, "SOA record outside the zone apex");
            if (cut && !((s->type == RR_A || s->type == RR_AAAA) && nameset_has(&glue, n->key)))
                for (ir_rdata_t *r = s->rdata; r; r = r->next)
                    add(c, r->loc, 1, NULL, "record below the delegation at '%s' is not served",
                        text(cut->name, b1));
        }
        if (!cut)
            check_cname(c, z, n, is_apex);
        /* in-zone name servers need addresses (apex and delegations we serve) */
        ir_rrset_t *ns = cut ? NULL : ir_rrset_find(n, RR_NS);
        for (ir_rdata_t *r = ns ? ns->rdata : NULL; r; r = r->next) {
            struct ns_ctx x = {r->data, NULL};
            if (!rrtype_rdata_valid(RR_NS, r->data, r->len))
                continue;
            rrtype_rdata_names(RR_NS, r->data, r->len, first_name, &x);
            if (x.target && dname_is_subdomain(x.target, z->apex) &&
                !in_deeper_zone(c, z, x.target) && !has_address(z, x.target))
                add(c, r->loc, 0, NULL,
                    "name server '%s' is inside the zone but has no A or AAAA record",
                    text(x.target, b2));
        }
    }
    free(glue.slot);
    free(nodes);
}

unsigned ir_check(ir_t *ir)
{
    unsigned before = diag_error_count();
    checker_t c = {ir, NULL, 0, 0, NULL, 0, 0};
    c.apex = xmalloc((ir->zone_count ? ir->zone_count : 1) * sizeof *c.apex);
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        c.apex[c.napex++] = z->apex;
    qsort(c.apex, c.napex, sizeof *c.apex, apex_cmp);
    /* canonical order is a pre-order of the name tree: when a zone lies
     * inside another, the apex right after the outer one lies inside it */
    for (size_t i = 1; i < c.napex && !c.nested; i++)
        c.nested = dname_is_subdomain(c.apex[i], c.apex[i - 1]);
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        check_zone(&c, z);
    if (c.n)
        qsort(c.f, c.n, sizeof *c.f, finding_cmp);
    for (size_t i = 0; i < c.n; i++) {
        finding_t *f = &c.f[i];
        if (f->warn)
            diag_warning(f->loc, "occluded", "%s", f->msg);
        else
            diag_error(f->loc, "%s", f->msg);
        if (f->has_note)
            diag_note(f->note_loc, "other data is here");
        free(f->msg);
    }
    free(c.f);
    free(c.apex);
    return diag_error_count() - before;
}
