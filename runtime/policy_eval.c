/* policy_eval.c -- routing-policy evaluation over the blob's policy section
 * SPDX-License-Identifier: MIT
 *
 * Semantics (SPEC section 3, Route 53): a node is healthy when the value
 * set it would return is healthy. The compiler reduced failover, geo,
 * latency, proximity and cidr to "ordered" nodes (a preference list picked
 * by one longest-prefix lookup; the first healthy entry wins, else the
 * first), so only four decisions exist here: ordered, weighted, multivalue
 * and alias. Health is computed on demand by a second, draw-free walk, so
 * weighted and multivalue use no scratch arrays.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy_eval.h"
#include "policy_eval_int.h"
#include "health.h"
#include "query.h"

/* Whether the prefix table at word `off` of tables[0..words) is usable by
 * pt_lookup: header, node words, and the index header when there is one. */
static int table_ok(const uint32_t *tables, uint32_t words, uint32_t off)
{
    if ((uint64_t)off + PT_HEADER > words)
        return 0;
    const uint32_t *t = tables + off;
    uint64_t avail = words - off, stride = t[1], count = t[4];
    if (t[0] != PT_MAGIC || (stride != 2 && stride != 3) || count >= PT_LEAF ||
        count * stride > avail - PT_HEADER)
        return 0;
    uint64_t ixat = PT_HEADER + count * stride;
    if (ixat + 2 <= avail && t[ixat] == RT_PT_IX_MAGIC) {
        uint32_t k = t[ixat + 1];
        if (k < 1 || k > RT_PT_IX_MAXK || ixat + 2 + (2ull << k) > avail)
            return 0;
        uint64_t ck = ixat + 2 + (2ull << k);
        if (ck + 4 <= avail && t[ck] == RT_PT_CK_MAGIC) {
            uint32_t s0 = t[ck + 1], s1 = t[ck + 2], bits = t[ck + 3];
            if (s0 < 1 || s0 > 16 || s1 < 1 || s1 > 16 || bits < 1 || bits > RT_PT_CK_MAXB ||
                ck + 4 + (3ull << bits) > avail)
                return 0;
        }
    }
    return 1;
}

/* For a weighted or multivalue node flagged RT_PNF_ALLUP: a, b, c describe
 * exactly its children's checks (every child a value set, its check in word
 * a and in the mask b | c << 32, no other bit). */
static int allup_ok(const rt_policy_db_t *d, const rt_pnode_t *n, size_t words)
{
    if (n->a >= words || n->count == 0)
        return 0;
    uint64_t mask = 0;
    for (uint32_t k = 0; k < n->count; k++) {
        const rt_pnode_t *c = &d->nodes[d->items[n->first + k]];
        if (c->kind != RT_PN_VALUES)
            return 0;
        if (c->b == RT_PNONE)
            continue;
        if (c->b >> 6 != n->a)
            return 0;
        mask |= 1ull << (c->b & 63);
    }
    return mask == ((uint64_t)n->c << 32 | n->b);
}

/* --- opening ----------------------------------------------------------------- */

static int range_ok(uint64_t off, uint64_t n, uint64_t size, uint64_t total)
{
    return off <= total && n * size <= total - off;
}

int rt_policy_open(rt_policy_db_t *pdb, const uint8_t *blob, size_t len, uint32_t off)
{
    memset(pdb, 0, sizeof *pdb);
    if (off == 0)
        return RT_OK;
    if (off % 8 || (uintptr_t)blob % 8)
        return RT_EALIGN;
    if ((uint64_t)off + sizeof(rt_policy_hdr_t) > len)
        return RT_EBOUNDS;
    const uint8_t *base = blob + off;
    const rt_policy_hdr_t *h = (const rt_policy_hdr_t *)base;
    if (h->magic != RT_POLICY_MAGIC)
        return RT_EMAGIC;
    uint64_t tot = h->total_len;
    if (tot < sizeof *h || off + tot > len)
        return RT_EBOUNDS;
    uint32_t offs[] = {h->checks_off, h->policies_off, h->nodes_off, h->items_off,
                       h->images_off, h->frags_off, h->tables_off, h->bytes_off};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        if (offs[i] % 8)
            return RT_EALIGN;
    if (!range_ok(h->checks_off, h->check_count, sizeof(rt_pcheck_t), tot) ||
        !range_ok(h->policies_off, h->policy_count, sizeof(rt_ppolicy_t), tot) ||
        !range_ok(h->nodes_off, h->node_count, sizeof(rt_pnode_t), tot) ||
        !range_ok(h->items_off, h->item_count, 4, tot) ||
        !range_ok(h->images_off, h->image_count, sizeof(rt_image_t), tot) ||
        !range_ok(h->frags_off, h->frag_count, sizeof(rt_pfrag_t), tot) ||
        !range_ok(h->tables_off, h->table_words, 4, tot) ||
        !range_ok(h->bytes_off, h->bytes_len, 1, tot))
        return RT_EBOUNDS;
    rt_policy_db_t d;
    d.hdr = h;
    d.checks = (const rt_pcheck_t *)(base + h->checks_off);
    d.policies = (const rt_ppolicy_t *)(base + h->policies_off);
    d.nodes = (const rt_pnode_t *)(base + h->nodes_off);
    d.items = (const uint32_t *)(base + h->items_off);
    d.images = (const rt_image_t *)(base + h->images_off);
    d.frags = (const rt_pfrag_t *)(base + h->frags_off);
    d.tables = (const uint32_t *)(base + h->tables_off);
    d.bytes = base + h->bytes_off;
    d.probes = NULL;
    if (h->probes_off) { /* probe definitions (health.h), parallel to checks[] */
        if (h->probes_off % 8)
            return RT_EALIGN;
        if (!range_ok(h->probes_off, h->check_count, sizeof(rt_check_def_t), tot))
            return RT_EBOUNDS;
        d.probes = (const rt_check_def_t *)(base + h->probes_off);
        char err[8];
        if (rt_health_validate(d.probes, h->check_count, (const char *)d.bytes, h->bytes_len,
                               d.items, h->item_count, err, sizeof err) < 0)
            return RT_ECORRUPT;
        for (uint32_t i = 0; i < h->check_count; i++) {
            const rt_check_def_t *p = &d.probes[i];
            const rt_pcheck_t *c = &d.checks[i];
            if (p->kind != c->kind || (p->flags & RT_CKF_INVERTED) != (c->flags & RT_PCF_INVERTED) ||
                (p->kind == RT_CK_CALCULATED &&
                 (p->child_first != c->child_first || p->child_count != c->child_count)))
                return RT_ECORRUPT;
        }
    }

    uint64_t nitems = h->item_count;
    for (uint32_t i = 0; i < h->check_count; i++) {
        const rt_pcheck_t *c = &d.checks[i];
        if ((uint64_t)c->name_off + c->name_len > h->bytes_len ||
            (uint64_t)c->child_first + c->child_count > nitems)
            return RT_ECORRUPT;
        for (uint32_t k = 0; k < c->child_count; k++)
            if (d.items[c->child_first + k] >= h->check_count)
                return RT_ECORRUPT;
    }
    for (uint32_t i = 0; i < h->policy_count; i++) {
        const rt_ppolicy_t *p = &d.policies[i];
        if (p->root >= h->node_count || (uint64_t)p->name_off + p->name_len > h->bytes_len)
            return RT_ECORRUPT;
    }
    for (uint32_t i = 0; i < h->image_count; i++) {
        const rt_image_t *im = &d.images[i];
        if ((uint64_t)im->off + im->len > h->bytes_len || im->nfixups || im->ncuts)
            return RT_ECORRUPT;
    }
    for (uint32_t i = 0; i < h->frag_count; i++)
        if ((uint64_t)d.frags[i].off + d.frags[i].len > h->bytes_len)
            return RT_ECORRUPT;
    for (uint32_t i = 0; i < h->node_count; i++) {
        const rt_pnode_t *n = &d.nodes[i];
        switch (n->kind) {
        case RT_PN_VALUES:
            if (n->a >= h->image_count || (uint64_t)n->first + n->count > h->frag_count ||
                (n->b != RT_PNONE && n->b >= h->check_count))
                return RT_ECORRUPT;
            break;
        case RT_PN_ALIAS:
            if (n->a >= h->node_count)
                return RT_ECORRUPT;
            break;
        case RT_PN_ORDERED: {
            if ((uint64_t)n->first + n->count + 1 > nitems)
                return RT_ECORRUPT;
            for (uint32_t k = 0; k < n->count; k++) {
                uint32_t s = d.items[n->first + k], e = d.items[n->first + k + 1];
                if (s > e || e > nitems)
                    return RT_ECORRUPT;
                for (uint32_t j = s; j < e; j++)
                    if (d.items[j] >= h->node_count)
                        return RT_ECORRUPT;
            }
            uint32_t tabs[2] = {n->a, n->b};
            for (int k = 0; k < 2; k++)
                if (tabs[k] != RT_PNONE && !table_ok(d.tables, h->table_words, tabs[k]))
                    return RT_ECORRUPT;
            if (n->c != RT_PNONE && n->c >= n->count)
                return RT_ECORRUPT;
            break;
        }
        case RT_PN_WEIGHTED:
        case RT_PN_MULTI: {
            /* children, (weights,) then the weight sum or the fragment copies */
            uint64_t span = (n->kind == RT_PN_WEIGHTED ? 2ull * n->count : n->count) + 1;
            if ((uint64_t)n->first + span > nitems)
                return RT_ECORRUPT;
            for (uint32_t k = 0; k < n->count; k++) {
                uint32_t ch = d.items[n->first + k];
                if (ch >= h->node_count)
                    return RT_ECORRUPT;
                if (n->kind == RT_PN_MULTI && (d.nodes[ch].kind != RT_PN_VALUES || d.nodes[ch].count != 1))
                    return RT_ECORRUPT;
            }
            uint32_t last = d.items[n->first + span - 1];
            if (n->kind == RT_PN_WEIGHTED) {
                uint64_t sum = 0;
                for (uint32_t k = 0; k < n->count; k++)
                    sum += d.items[n->first + n->count + k];
                if (sum != last)
                    return RT_ECORRUPT;
            }
            if (!(n->flags & RT_PNF_ALLUP))
                break;
            if (!allup_ok(&d, n, rt_policy_health_words(&d)))
                return RT_ECORRUPT;
            if (n->kind == RT_PN_MULTI) { /* the copies: the children's records in order */
                if (n->count > RT_POLICY_MAX_MULTI || (uint64_t)last + n->count > h->frag_count)
                    return RT_ECORRUPT;
                const rt_pfrag_t *f = &d.frags[last];
                for (uint32_t k = 0; k < n->count; k++) {
                    const rt_pfrag_t *g = &d.frags[d.nodes[d.items[n->first + k]].first];
                    if (f[k].len != g->len || memcmp(d.bytes + f[k].off, d.bytes + g->off, g->len) != 0)
                        return RT_ECORRUPT;
                    if ((n->flags & RT_PNF_RUN) &&
                        (f[k].len != f[0].len || f[k].off != f[0].off + (uint64_t)k * f[0].len))
                        return RT_ECORRUPT;
                }
            }
            break;
        }
        default:
            return RT_ECORRUPT;
        }
    }
    *pdb = d;
    return RT_OK;
}

/* --- evaluation -------------------------------------------------------------- */

/* locate_in() out of line, for the general walk (choose(), healthy()). */
static __attribute__((noinline)) uint32_t locate(ev_t *e, const rt_pnode_t *n)
{
    return locate_in(e, n);
}

/* The preference list of an ordered node for this client: [*lo, *hi) in items. */
static inline void ordered_list(ev_t *e, const rt_pnode_t *n, uint32_t *lo, uint32_t *hi)
{
    const rt_policy_db_t *d = e->d;
    uint32_t list = (n->a & n->b) == RT_PNONE ? n->c : locate(e, n);
    if (list == RT_PNONE) {
        *lo = *hi = 0;
        return;
    }
    *lo = d->items[n->first + list];
    *hi = d->items[n->first + list + 1];
}

static inline int node_up(ev_t *e, uint32_t ni, unsigned depth);

static int healthy(ev_t *e, uint32_t ni, unsigned depth)
{
    if (depth > RT_POLICY_MAX_DEPTH) {
        e->error = 1;
        return 0;
    }
    const rt_policy_db_t *d = e->d;
    const rt_pnode_t *n = &d->nodes[ni];
    switch (n->kind) {
    case RT_PN_VALUES:
        return check_up(e, n->b);
    case RT_PN_ALIAS:
        return healthy(e, n->a, depth + 1);
    case RT_PN_ORDERED: {
        uint32_t lo, hi;
        ordered_list(e, n, &lo, &hi);
        for (uint32_t i = lo; i < hi; i++)
            if (node_up(e, d->items[i], depth + 1))
                return 1;
        return 0; /* NODATA counts as unhealthy, so a parent prefers a real answer */
    }
    case RT_PN_WEIGHTED:
    case RT_PN_MULTI:
        if ((n->flags & RT_PNF_ALLUP) && depth < RT_POLICY_MAX_DEPTH && all_up(e, n))
            return 1;
        for (uint32_t i = 0; i < n->count; i++)
            if (node_up(e, d->items[n->first + i], depth + 1))
                return 1;
        return 0;
    default:
        e->error = 1;
        return 0;
    }
}

/* healthy() with the common case inline: a value set's health is one bit. */
static inline int node_up(ev_t *e, uint32_t ni, unsigned depth)
{
    const rt_pnode_t *n = &e->d->nodes[ni];
    if (n->kind == RT_PN_VALUES && depth <= RT_POLICY_MAX_DEPTH)
        return check_up(e, n->b);
    return healthy(e, ni, depth);
}

static inline int kid_up(ev_t *e, const uint32_t *kids, uint32_t i, uint64_t up, unsigned depth)
{
    return i < 64 ? (int)((up >> i) & 1u) : node_up(e, kids[i], depth + 1);
}

/* The child a weighted node at `depth` answers with, or RT_PNONE (no
 * children: NODATA; e->error: an error). */
static uint32_t pick_weighted(ev_t *e, const rt_pnode_t *n, unsigned depth, uint64_t *rng)
{
    const uint32_t *kids = e->d->items + n->first, *w = kids + n->count;
    uint32_t cnt = n->count;
    if ((n->flags & RT_PNF_ALLUP) && depth < RT_POLICY_MAX_DEPTH && all_up(e, n)) {
        /* every child healthy: one draw against the weights (their sum is
         * w[cnt]); the same child as the tiers below would pick */
        uint32_t sum = w[cnt], i = 0;
        if (sum == 0)
            return kids[draw(rng, cnt)]; /* all zero: equally */
        uint32_t r = draw(rng, sum);
        while (i + 1 < cnt && r >= w[i])
            r -= w[i++];
        return kids[i];
    }
    /* tiers (SPEC): healthy nonzero by weight; healthy zero-weight equally;
     * nothing healthy: nonzero by weight as if healthy; all zero: all equally */
    uint64_t sum = 0, up = 0; /* up: health of children 0..63, reused by the draw pass */
    uint32_t zeros = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        if (!node_up(e, kids[i], depth + 1))
            continue;
        if (i < 64)
            up |= 1ull << i;
        if (w[i])
            sum += w[i];
        else
            zeros++;
    }
    int mode; /* 1: healthy nonzero, 2: healthy zero, 3: all nonzero, 4: all */
    if (sum)
        mode = 1;
    else if (zeros) {
        mode = 2;
        sum = zeros;
    } else {
        mode = 3;
        for (uint32_t i = 0; i < cnt; i++)
            sum += w[i];
        if (sum == 0) {
            mode = 4;
            sum = cnt;
        }
    }
    if (sum == 0)
        return RT_PNONE;
    uint32_t r = draw(rng, (uint32_t)sum);
    for (uint32_t i = 0; i < cnt; i++) {
        uint32_t share;
        if (mode == 1)
            share = w[i] && kid_up(e, kids, i, up, depth) ? w[i] : 0;
        else if (mode == 2)
            share = !w[i] && kid_up(e, kids, i, up, depth) ? 1 : 0;
        else if (mode == 3)
            share = w[i];
        else
            share = 1;
        if (r < share)
            return kids[i];
        r -= share;
    }
    e->error = 1; /* health changed between passes: cannot happen (pure function) */
    return RT_PNONE;
}

/* pick[0..k) in a random order (the same draw and digits as random_order). */
static inline void shuffle(uint32_t *pick, uint32_t k, uint64_t *rng)
{
    if (k < 2)
        return;
    uint64_t u = order_draw(rng);
    for (uint32_t i = 1; i < k; i++) {
        u *= i + 1;
        uint32_t j = (uint32_t)(u >> 32);
        u &= 0xffffffffu;
        uint32_t v = pick[i];
        pick[i] = pick[j];
        pick[j] = v;
    }
}

static void choose_multi(ev_t *e, const rt_pnode_t *n, unsigned depth, uint64_t *rng,
                         rt_policy_result_t *out)
{
    const rt_policy_db_t *d = e->d;
    const uint32_t *kids = d->items + n->first;
    uint32_t cnt = n->count;
    /* The picks are fragment indices (a child's only record) from the start.
     * Children are single-record value sets (rt_policy_open checks): health
     * is one bit; past the depth limit every child is an error, as in
     * healthy(). */
    uint32_t *pick = out->frags;
    uint32_t k = 0;
    if ((n->flags & RT_PNF_ALLUP) && depth < RT_POLICY_MAX_DEPTH && all_up(e, n)) {
        multi_all(d, n, rng, out);
        return;
    }
    int deep = depth + 1 > RT_POLICY_MAX_DEPTH;
    if (deep && cnt)
        e->error = 1;
    if (cnt <= RT_POLICY_MAX_MULTI) {
        /* no reservoir draws: every eligible child in order */
        uint32_t up = 0;
        const uint64_t *hb = e->health;
        for (uint32_t i = 0; i < cnt; i++) {
            const rt_pnode_t *c = &d->nodes[kids[i]];
            uint32_t b = c->b;
            pick[i] = c->first;
            up |= (uint32_t)(b == RT_PNONE || hb == NULL || ((hb[b >> 6] >> (b & 63)) & 1u)) << i;
        }
        if (deep)
            up = 0;
        if (up == 0 || up == (1u << cnt) - 1) {
            k = cnt; /* all healthy, or none: all of them */
        } else {
            for (uint32_t i = 0; i < cnt; i++)
                if ((up >> i) & 1u)
                    pick[k++] = pick[i];
            for (uint32_t i = k; i < cnt; i++)
                pick[i] = 0; /* as if never written (rt_policy_eval zeroes out) */
        }
    } else {
        int want_healthy = 0;
        for (uint32_t i = 0; i < cnt && !want_healthy; i++)
            want_healthy = !deep && check_up(e, d->nodes[kids[i]].b);
        /* reservoir sampling: a uniform subset of <= 8 of the eligible children */
        uint32_t seen = 0;
        for (uint32_t i = 0; i < cnt; i++) {
            const rt_pnode_t *c = &d->nodes[kids[i]];
            if ((!deep && check_up(e, c->b)) != want_healthy)
                continue;
            seen++;
            if (k < RT_POLICY_MAX_MULTI) {
                pick[k++] = c->first;
            } else {
                uint32_t j = draw(rng, seen);
                if (j < RT_POLICY_MAX_MULTI)
                    pick[j] = c->first;
            }
        }
    }
    shuffle(pick, k, rng);
    if (k == 0) {
        out->kind = RT_PR_NODATA;
        return;
    }
    out->kind = RT_PR_FRAGS;
    out->nfrags = (uint8_t)k;
}

/* Follows the policy from node ni down to its answer: every decision but
 * multivalue's picks one child, so this is a loop, one step per level. */
static void choose(ev_t *e, uint32_t ni, uint64_t *rng, rt_policy_result_t *out)
{
    const rt_policy_db_t *d = e->d;
    for (unsigned depth = 0; depth <= RT_POLICY_MAX_DEPTH; depth++) {
        const rt_pnode_t *n = &d->nodes[ni];
        switch (n->kind) {
        case RT_PN_VALUES:
            out->kind = RT_PR_IMAGE;
            out->image = &d->images[n->a];
            out->image_bytes = d->bytes;
            return;
        case RT_PN_ALIAS:
            ni = n->a;
            continue;
        case RT_PN_ORDERED: {
            uint32_t lo, hi;
            ordered_list(e, n, &lo, &hi);
            if (lo == hi) {
                out->kind = RT_PR_NODATA;
                return;
            }
            ni = d->items[lo];
            for (uint32_t i = lo; i < hi; i++)
                if (node_up(e, d->items[i], depth + 1)) {
                    ni = d->items[i];
                    break;
                }
            continue;
        }
        case RT_PN_WEIGHTED:
            ni = pick_weighted(e, n, depth, rng);
            if (ni == RT_PNONE) {
                out->kind = RT_PR_NODATA;
                return;
            }
            continue;
        case RT_PN_MULTI:
            choose_multi(e, n, depth, rng, out);
            return;
        default:
            e->error = 1;
            return;
        }
    }
    e->error = 1; /* deeper than RT_POLICY_MAX_DEPTH */
}

int rt_policy_eval(const rt_policy_db_t *pdb, uint32_t policy_idx, const rt_client_t *client,
                   const uint64_t *health, uint64_t *rng, rt_policy_result_t *out)
{
    int k = rt_policy_eval_flat(pdb, policy_idx, client, health, rng, out);
    if (k)
        return k;
    if (pdb->hdr == NULL || policy_idx >= pdb->hdr->policy_count) {
        memset(out, 0, sizeof *out);
        out->kind = RT_PR_ERROR;
        return out->kind;
    }
    uint32_t root = pdb->policies[policy_idx].root;
    memset(out, 0, sizeof *out);
    ev_t e = {pdb, client, health, 0, 0, 0};
    choose(&e, root, rng, out);
    if (e.error || out->kind == 0) {
        memset(out, 0, sizeof *out);
        out->kind = RT_PR_ERROR;
        return out->kind;
    }
    out->located = (uint8_t)e.located;
    out->scope = (uint8_t)(e.located ? e.scope : 0);
    return out->kind;
}

/* Records are short (an A record is 16 bytes, AAAA 28): 8..32 bytes are
 * copied as two overlapping fixed-size moves instead of a libc call. */
static inline void copy_frag(uint8_t *dst, const uint8_t *src, size_t len)
{
    if (len == 16) { /* an A record */
        memcpy(dst, src, 16);
    } else if (len > 16 && len <= 32) {
        uint8_t a[16], b[16];
        memcpy(a, src, 16);
        memcpy(b, src + len - 16, 16);
        memcpy(dst, a, 16);
        memcpy(dst + len - 16, b, 16);
    } else if (len >= 8 && len < 16) {
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + len - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + len - 8, &b, 8);
    } else {
        memcpy(dst, src, len);
    }
}

/* Any fragments, each bounded by the room left. */
static __attribute__((noinline)) size_t write_frags_any(const rt_policy_db_t *pdb,
                                                        const rt_policy_result_t *res, uint8_t *out,
                                                        size_t room, unsigned *written)
{
    size_t pos = 0;
    unsigned k = 0, nf = res->nfrags;
    const rt_pfrag_t *frags = pdb->frags; /* locals: the byte stores alias everything */
    const uint8_t *bytes = pdb->bytes;
    const uint32_t *idx = res->frags;
    for (; k < nf; k++) {
        const rt_pfrag_t *f = &frags[idx[k]];
        size_t len = f->len;
        if (len > room - pos)
            break;
        copy_frag(out + pos, bytes + f->off, len);
        pos += len;
    }
    *written = k;
    return pos;
}

void rt_policy_run_order(const rt_policy_result_t *res, uint32_t *frags)
{
    unsigned nf = res->nfrags <= RT_POLICY_MAX_MULTI ? res->nfrags : RT_POLICY_MAX_MULTI;
    if (res->run)
        order_of(frags, nf, res->run_first, res->order);
    else
        memcpy(frags, res->frags, nf * sizeof *frags);
}

/* Any other run: its index list, then as any fragments. */
static __attribute__((noinline)) size_t write_run_any(const rt_policy_db_t *pdb,
                                                      const rt_policy_result_t *res, uint8_t *out,
                                                      size_t room, unsigned *written)
{
    rt_policy_result_t r = *res;
    rt_policy_run_order(res, r.frags);
    r.run = NULL;
    return write_frags_any(pdb, &r, out, room, written);
}

size_t rt_policy_write_frags(const rt_policy_db_t *pdb, const rt_policy_result_t *res,
                             uint8_t *out, size_t room, unsigned *written)
{
    unsigned nf = res->nfrags;
    if (res->run) {
        if (res->run_len == 16 && nf <= RT_POLICY_MAX_MULTI && nf * 16u <= room) {
            /* a run of A records (RT_PNF_RUN) that fits: shuffled in place */
            if (nf == RT_POLICY_MAX_MULTI)
                run_shuffle16(out, res->run, RT_POLICY_MAX_MULTI, res->order);
            else if (nf)
                run_shuffle16(out, res->run, nf, res->order);
            *written = nf;
            return 16u * nf;
        }
        return write_run_any(pdb, res, out, room, written);
    }
    return write_frags_any(pdb, res, out, room, written);
}

/* --- health ------------------------------------------------------------------ */

size_t rt_policy_health_words(const rt_policy_db_t *pdb)
{
    uint32_t n = pdb->hdr ? pdb->hdr->check_count : 0;
    return n ? (n + 63u) / 64u : 1u;
}

static void bit_set(uint64_t *b, uint32_t i, int v)
{
    if (v)
        b[i >> 6] |= 1ull << (i & 63);
    else
        b[i >> 6] &= ~(1ull << (i & 63));
}

void rt_policy_health_init(const rt_policy_db_t *pdb, uint64_t *bitmap)
{
    size_t words = rt_policy_health_words(pdb);
    memset(bitmap, 0, words * sizeof *bitmap);
    if (!pdb->hdr)
        return;
    for (uint32_t i = 0; i < pdb->hdr->check_count; i++)
        bit_set(bitmap, i, !(pdb->checks[i].flags & RT_PCF_INVERTED));
    rt_policy_health_derive(pdb, bitmap, NULL);
}

void rt_policy_health_derive(const rt_policy_db_t *pdb, uint64_t *bitmap, const uint64_t *pinned)
{
    if (!pdb->hdr)
        return;
    uint32_t n = pdb->hdr->check_count;
    /* the compiler rejects cycles, so n passes reach the fixed point */
    for (uint32_t pass = 0; pass <= n; pass++) {
        int changed = 0;
        for (uint32_t i = 0; i < n; i++) {
            const rt_pcheck_t *c = &pdb->checks[i];
            if (c->kind != RT_PC_CALCULATED)
                continue;
            if (pinned && ((pinned[i >> 6] >> (i & 63)) & 1u))
                continue;
            uint32_t up = 0;
            for (uint32_t k = 0; k < c->child_count; k++) {
                uint32_t ch = pdb->items[c->child_first + k];
                up += (uint32_t)((bitmap[ch >> 6] >> (ch & 63)) & 1u);
            }
            int v = up >= c->at_least;
            if (c->flags & RT_PCF_INVERTED)
                v = !v;
            if (v != (int)((bitmap[i >> 6] >> (i & 63)) & 1u)) {
                bit_set(bitmap, i, v);
                changed = 1;
            }
        }
        if (!changed)
            break;
    }
}

long rt_policy_check_find(const rt_policy_db_t *pdb, const char *name, size_t len)
{
    if (!pdb->hdr)
        return -1;
    for (uint32_t i = 0; i < pdb->hdr->check_count; i++) {
        const rt_pcheck_t *c = &pdb->checks[i];
        if (c->name_len == len && memcmp(pdb->bytes + c->name_off, name, len) == 0)
            return (long)i;
    }
    return -1;
}

/* --- ECS ------------------------------------------------------------------------ */

int rt_ecs_parse(const uint8_t *data, size_t len, rt_ecs_t *out)
{
    memset(out, 0, sizeof *out);
    if (len < 4)
        return -1;
    unsigned fam = (unsigned)data[0] << 8 | data[1];
    unsigned src = data[2], scope = data[3];
    unsigned width;
    if (fam == 1)
        width = 32;
    else if (fam == 2)
        width = 128;
    else
        return -1; /* RFC 7871 §6: unknown FAMILY -> FORMERR */
    if (src > width || scope != 0) /* §6: SCOPE PREFIX-LENGTH MUST be 0 in queries */
        return -1;
    size_t alen = (src + 7u) / 8u;
    if (len - 4 != alen) /* §6: ADDRESS is exactly ceil(SOURCE/8) bytes */
        return -1;
    memcpy(out->addr, data + 4, alen);
    if (src % 8 && (out->addr[alen - 1] & (uint8_t)(0xffu >> (src % 8))))
        return -1; /* §6: bits past SOURCE PREFIX-LENGTH MUST be zero */
    out->family = fam == 1 ? 4 : 6;
    out->source = (uint8_t)src;
    out->scope = 0;
    return 0;
}

void rt_ecs_client(const rt_ecs_t *ecs, rt_client_t *out)
{
    memset(out, 0, sizeof *out);
    out->family = ecs->family;
    out->src_len = ecs->source;
    memcpy(out->addr, ecs->addr, sizeof out->addr);
}

size_t rt_ecs_write(uint8_t *out, size_t room, const rt_ecs_t *ecs, uint8_t scope)
{
    size_t alen = (ecs->source + 7u) / 8u, n = 8 + alen;
    if (room < n || (ecs->family != 4 && ecs->family != 6))
        return 0;
    out[0] = 0;
    out[1] = RT_ECS_OPTION_CODE;
    out[2] = (uint8_t)((4 + alen) >> 8);
    out[3] = (uint8_t)(4 + alen);
    out[4] = 0;
    out[5] = ecs->family == 4 ? 1 : 2;
    out[6] = ecs->source;
    out[7] = scope;
    memcpy(out + 8, ecs->addr, alen);
    return n;
}
