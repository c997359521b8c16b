/* policy_eval_int.h -- the evaluator's fast path, inline (internal to
 *                      runtime/policy_eval.c and runtime/query_policy.c)
 * SPDX-License-Identifier: MIT
 *
 * The usual policy shapes (a root whose children are value sets) are
 * decided by eval_flat(); policy_eval.c's rt_policy_eval() calls it first,
 * and the packet path (query_policy.c) inlines it through
 * rt_policy_eval_flat() so a policy answer costs no call, no frame and no
 * copy of the result for them. Both go through the same code, so they
 * give the same answers, scopes and draws. Not part of the runtime's
 * contract (that is policy_eval.h).
 */
#ifndef ZONEC_POLICY_EVAL_INT_H
#define ZONEC_POLICY_EVAL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy_eval.h"

/* --- prefix tables (compiler/prefix_lookup.h format) ------------------------ */

#define PT_MAGIC 0x5a504654u
#define PT_HEADER 5u
#define PT_LEAF 0x80000000u
#define PT_NONE 0x7fffffffu

/* The trie walk from `ref` at `depth` over the left-aligned 64-bit word `A`
 * (IPv4, or one half of IPv6), masked to src_len bits and shifted one bit
 * per level; STRIDE is a constant so the node index is a shift. Stopping
 * rule, in the reference walk's order: a leaf ends the walk; a ref out of
 * range fails; at depth == width the walk fails; else at depth >= src_len a
 * stride-3 table answers the node's own outcome (n[2]). `limit` is the
 * first depth where one of the last two holds; at depth == LIMIT the walk
 * jumps to AT. */
#define PT_WALK(A, LIMIT, STRIDE, AT)                                                       \
    do {                                                                                  \
        for (;;) {                                                                        \
            if (ref >= count) { /* a leaf (bit 31; count < 2^31), or out of range */     \
                if (ref & PT_LEAF)                                                        \
                    break;                                                                \
                return PT_NONE;                                                           \
            }                                                                             \
            if (depth == (LIMIT))                                                         \
                goto AT;                                                                  \
            ref = nodes[(size_t)ref * (STRIDE) + (unsigned)(A >> 63)];                    \
            A <<= 1;                                                                      \
            depth++;                                                                      \
        }                                                                                 \
    } while (0)

/* Longest-prefix probe; same results as compiler/prefix_lookup.c, kept here
 * so the runtime library has no compiler dependency. rt_policy_open checked
 * the header (magic, stride, node words inside `words`) and the index
 * header; refs are still checked as the walk meets them. A first-level
 * index (rt_policy.h) replaces the first K levels when the walk cannot stop
 * before depth K: one load gives the node at depth K or the leaf met on the
 * way (with its depth, the scope). */
static inline __attribute__((always_inline)) uint32_t
pt_lookup(const uint32_t *t, uint32_t words, int family, const uint8_t *addr, unsigned src_len,
          unsigned *scope)
{
    uint32_t stride = t[1], count = t[4];
    const uint32_t *nodes = t + PT_HEADER;
    unsigned width = family == 4 ? 32u : 128u, depth = 0;
    if (src_len > width)
        src_len = width;
    unsigned limit = stride == 3 ? src_len : width;
    uint32_t ref = t[family == 4 ? 2 : 3];
    uint32_t ixat = PT_HEADER + count * stride; /* no overflow: checked at open */
    const uint32_t *ix = NULL;
    unsigned k = 0;
    if (ixat + 2 <= words && t[ixat] == RT_PT_IX_MAGIC) {
        k = t[ixat + 1]; /* 1..RT_PT_IX_MAXK, and the entries fit: checked at open */
        if (limit >= k)
            ix = t + ixat + 2 + (family == 4 ? 0 : (1u << k));
    }
    *scope = 0;
    uint64_t a, lo = 0; /* the address left-aligned: IPv4, or the high and low IPv6 words */
    if (family == 4) {
        uint32_t v;
        memcpy(&v, addr, 4);
        a = (uint64_t)__builtin_bswap32(v) << 32;
    } else {
        memcpy(&a, addr, 8);
        memcpy(&lo, addr + 8, 8);
        a = __builtin_bswap64(a);
        lo = __builtin_bswap64(lo);
    }
    if (src_len <= 64) {
        a &= src_len ? ~0ull << (64 - src_len) : 0;
        lo = 0;
    } else {
        lo &= src_len < 128 ? ~0ull << (128 - src_len) : ~0ull;
    }
    if (ix) {
        uint32_t r = ix[a >> (64 - k)];
        if (r < PT_LEAF) {
            ref = r;
            depth = k;
            a <<= k;
            /* checkpoints (rt_policy.h), right after the index: S levels a probe */
            uint32_t ckat = ixat + 2 + (2u << k); /* no overflow: checked at open */
            const uint32_t *ck = t + ckat;
            if (family == 6 && ckat + 4 <= words && ck[0] == RT_PT_CK_MAGIC) {
                unsigned sbits = ck[1], bits = ck[3], lim = limit < 64 ? limit : 64;
                uint64_t mask = (1ull << bits) - 1;
                const uint32_t *slots = ck + 4;
                while (depth + sbits <= lim) {
                    uint64_t key = (uint64_t)ref << 16 | a >> (64 - sbits);
                    uint64_t h = (key * RT_PT_CK_HASH) >> (64 - bits);
                    int found = 0;
                    uint32_t v = 0;
                    for (unsigned p = 0; p < RT_PT_CK_MAXPROBE; p++) {
                        const uint32_t *sl = slots + 3 * ((h + p) & mask);
                        uint64_t kk = (uint64_t)sl[1] << 32 | sl[0];
                        if (kk == key) {
                            v = sl[2];
                            found = 1;
                            break;
                        }
                        if (kk == ~0ull)
                            break;
                    }
                    if (!found)
                        break; /* a leaf within sbits levels */
                    ref = v; /* (a leaf value would end the walk below at once) */
                    depth += sbits;
                    a <<= sbits;
                    if (v >= count)
                        break;
                    sbits = ck[2];
                }
            }
        } else if (r != RT_PT_IX_WALK && ((r >> 24) & 0x7fu) <= k) {
            *scope = (r >> 24) & 0x7fu; /* a leaf at that depth */
            r &= RT_PT_IX_NONE;
            return r == RT_PT_IX_NONE ? PT_NONE : r;
        }
    }
    if (family == 4) {
        if (stride == 2)
            PT_WALK(a, limit, 2, stop);
        else
            PT_WALK(a, limit, 3, stop);
    } else {
        unsigned lim1 = limit < 64 ? limit : 64;
        if (stride == 2)
            PT_WALK(a, lim1, 2, low);
        else
            PT_WALK(a, lim1, 3, low);
        goto done;
    low: /* depth == lim1: the real limit, or on to the low word */
        if (depth == limit)
            goto stop;
        if (stride == 2)
            PT_WALK(lo, limit, 2, stop);
        else
            PT_WALK(lo, limit, 3, stop);
    }
done:
    *scope = depth;
    return ref & ~PT_LEAF;
stop:
    if (depth >= width)
        return PT_NONE;
    *scope = depth; /* stride 3, depth >= src_len: this node's own outcome */
    return nodes[(size_t)ref * 3 + 2];
}

/* --- evaluation: the fast path ----------------------------------------------- */

typedef struct ev {
    const rt_policy_db_t *d;
    const rt_client_t *client;
    const uint64_t *health;
    unsigned scope;
    int located;
    int error;
} ev_t;

static inline uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull; /* xorshift64*: a zero state would stick */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Uniform draw in [0, n), n > 0 (multiply-shift; bias < n / 2^32). */
static inline uint32_t draw(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((next_rand(s) >> 32) * (uint64_t)n) >> 32);
}

static inline int check_up(const ev_t *e, uint32_t c)
{
    if (c == RT_PNONE || e->health == NULL)
        return 1;
    return (int)((e->health[c >> 6] >> (c & 63)) & 1u);
}

/* RT_PNF_ALLUP: whether every child of n is healthy, from one bitmap word. */
static inline int all_up(const ev_t *e, const rt_pnode_t *n)
{
    uint64_t m = (uint64_t)n->c << 32 | n->b;
    return e->health == NULL || (e->health[n->a] & m) == m;
}

/* The list an ordered node with prefix tables picks for this client: the
 * outcome of the first table that has one, else n->c. Location tables
 * report their scope into e. */
static inline __attribute__((always_inline)) uint32_t locate_in(ev_t *e, const rt_pnode_t *n)
{
    const rt_client_t *cl = e->client;
    if (!cl || (cl->family != 4 && cl->family != 6) || cl->src_len == 0)
        return n->c;
    const rt_policy_db_t *d = e->d;
    uint32_t tabs[2] = {n->a, n->b};
    for (int k = 0; k < 2; k++) {
        if (tabs[k] == RT_PNONE)
            continue;
        unsigned sc;
        uint32_t o = pt_lookup(d->tables + tabs[k], d->hdr->table_words - tabs[k], cl->family,
                               cl->addr, cl->src_len, &sc);
        if (n->flags & RT_PNF_LOCATION) {
            e->located = 1;
            if (sc > e->scope)
                e->scope = sc; /* the answer holds where every lookup's block does */
        }
        if (o != PT_NONE && o < n->count)
            return o;
    }
    return n->c;
}

/* The preference list of an ordered node for this client: [*lo, *hi) in
 * items; the lookup inline (eval_flat(): a root's one lookup). */
static inline __attribute__((always_inline)) void ordered_list_in(ev_t *e, const rt_pnode_t *n,
                                                                  uint32_t *lo, uint32_t *hi)
{
    const rt_policy_db_t *d = e->d;
    uint32_t list = (n->a & n->b) == RT_PNONE ? n->c : locate_in(e, n);
    if (list == RT_PNONE) {
        *lo = *hi = 0;
        return;
    }
    *lo = d->items[n->first + list];
    *hi = d->items[n->first + list + 1];
}

/* The digits of one 32-bit draw for a random order of k <= 8 items: u is
 * the fraction u / 2^32 in [0, 1); digit i (i = 1 .. k-1) is the integer
 * part of u * (i + 1), u keeping the fraction (exact in 64 bits). Every
 * digit tuple, so every order of the Fisher-Yates below, gets 2^32 / k!
 * (>= 106,522) draws give or take one. */
static inline uint32_t order_draw(uint64_t *rng)
{
    return (uint32_t)(next_rand(rng) >> 32);
}

/* pick[0..k) = base + 0 .. base + k-1 in the order the draw u gives
 * (inside-out Fisher-Yates, digits as order_draw() says). */
static inline void order_of(uint32_t *pick, uint32_t k, uint32_t base, uint64_t u)
{
    if (k == 0)
        return;
    pick[0] = base;
#pragma GCC unroll 8
    for (uint32_t i = 1; i < RT_POLICY_MAX_MULTI; i++) {
        if (i == k)
            break;
        u *= i + 1;
        uint32_t j = (uint32_t)(u >> 32);
        u &= 0xffffffffu;
        pick[i] = pick[j];
        pick[j] = base + i;
    }
}

/* pick[0..k) = base + 0 .. base + k-1 in a random order. No draw for k < 2. */
static inline void random_order(uint32_t *pick, uint32_t k, uint32_t base, uint64_t *rng)
{
    order_of(pick, k, base, k < 2 ? 0 : order_draw(rng));
}

/* Multivalue with RT_PNF_ALLUP, every child healthy (count <= 8): all of
 * them in a random order, from the copies of their records. */
static inline void multi_all(const rt_policy_db_t *d, const rt_pnode_t *n, uint64_t *rng,
                             rt_policy_result_t *out)
{
    uint32_t cnt = n->count, f = d->items[n->first + cnt];
    if (n->flags & RT_PNF_RUN) { /* the order is applied by rt_policy_write_frags */
        out->order = cnt < 2 ? 0 : order_draw(rng);
        out->run_first = f;
        out->run_len = d->frags[f].len;
        out->run = d->bytes + d->frags[f].off;
    } else {
        random_order(out->frags, cnt, f, rng);
    }
    out->kind = RT_PR_FRAGS;
    out->nfrags = (uint8_t)cnt;
}

/* The usual shapes, decided without the general walk: a root whose children
 * are value sets (a value set; weighted and multivalue with every child
 * healthy, RT_PNF_ALLUP; an ordered node whose list holds value sets). Same
 * answers, scopes and draws as choose().
 * Returns: out->kind, or 0 when choose() must decide. */
static inline __attribute__((always_inline)) int eval_flat(const rt_policy_db_t *d, const rt_pnode_t *n, const rt_client_t *client,
                            const uint64_t *health, uint64_t *rng, rt_policy_result_t *out)
{
    ev_t e = {d, client, health, 0, 0, 0};
    const rt_pnode_t *c;
    switch (n->kind) {
    case RT_PN_VALUES:
        c = n;
        break;
    case RT_PN_WEIGHTED: {
        if (!(n->flags & RT_PNF_ALLUP) || !all_up(&e, n))
            return 0;
        const uint32_t *kids = d->items + n->first, *w = kids + n->count;
        uint32_t cnt = n->count, sum = w[cnt], i = 0;
        if (sum == 0) {
            i = draw(rng, cnt);
        } else {
            uint32_t r = draw(rng, sum);
            while (i + 1 < cnt && r >= w[i])
                r -= w[i++];
        }
        c = &d->nodes[kids[i]];
        break;
    }
    case RT_PN_MULTI:
        if (!(n->flags & RT_PNF_ALLUP) || !all_up(&e, n))
            return 0;
        multi_all(d, n, rng, out);
        return out->kind;
    case RT_PN_ORDERED: {
        uint32_t lo, hi;
        ordered_list_in(&e, n, &lo, &hi);
        out->located = (uint8_t)e.located;
        out->scope = (uint8_t)(e.located ? e.scope : 0);
        if (lo == hi) {
            out->kind = RT_PR_NODATA;
            return out->kind;
        }
        c = NULL;
        for (uint32_t i = lo; i < hi; i++) {
            const rt_pnode_t *x = &d->nodes[d->items[i]];
            if (x->kind != RT_PN_VALUES)
                return 0;
            if (check_up(&e, x->b)) {
                c = x;
                break;
            }
        }
        if (c == NULL)
            c = &d->nodes[d->items[lo]]; /* none healthy: the first */
        break;
    }
    default:
        return 0;
    }
    out->kind = RT_PR_IMAGE;
    out->image = &d->images[c->a];
    out->image_bytes = d->bytes;
    return out->kind;
}

/* rt_policy_eval() for the usual shapes (eval_flat()), inline: the packet
 * path calls this first and rt_policy_eval() only when it returns 0 (it
 * draws nothing then, and rt_policy_eval() decides from the start).
 * Returns: out->kind, or 0. */
static inline __attribute__((always_inline)) int
rt_policy_eval_flat(const rt_policy_db_t *pdb, uint32_t policy_idx, const rt_client_t *client,
                    const uint64_t *health, uint64_t *rng, rt_policy_result_t *out)
{
    /* what every kind sets; eval_flat() fills the rest of its kind */
    _Static_assert(offsetof(rt_policy_result_t, nfrags) == 3, "kind..nfrags: 4 bytes");
    memset(out, 0, 4); /* kind, scope, located, nfrags */
    out->run = NULL;
    if (pdb->hdr == NULL || policy_idx >= pdb->hdr->policy_count)
        return 0;
    return eval_flat(pdb, &pdb->nodes[pdb->policies[policy_idx].root], client, health, rng, out);
}

/* The records of a run of A records (16 bytes each) in the order of the
 * draw u: the inside-out Fisher-Yates of order_of() done on the records in
 * out themselves (slot i takes slot j's record, slot j record i), so no
 * index list is built and each record is moved at most twice. */
static inline __attribute__((always_inline)) void run_shuffle16(uint8_t *out, const uint8_t *run,
                                                                unsigned nf, uint64_t u)
{
    memcpy(out, run, 16);
#pragma GCC unroll 8
    for (unsigned i = 1; i < RT_POLICY_MAX_MULTI; i++) {
        if (i == nf)
            break;
        u *= i + 1;
        size_t j = (size_t)(u >> 32);
        u &= 0xffffffffu;
        uint8_t t[16];
        memcpy(t, out + 16 * j, 16);
        memcpy(out + 16 * i, t, 16);
        memcpy(out + 16 * j, run + 16 * (size_t)i, 16);
    }
}

#endif
