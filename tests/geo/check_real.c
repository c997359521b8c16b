/* check_real.c -- fold a real geodata CSV and compare the trie with a plain binary search
 * SPDX-License-Identifier: MIT
 *
 * usage: check_real FILE.csv [COUNT [SEED]]
 *
 * Loads FILE through geodata.c, folds it with prefix.c (outcome = country
 * index), then parses the same file again independently (fgets, inet_pton,
 * qsort) and, for COUNT random addresses (half IPv4, half IPv6, half of each
 * at or next to range edges), checks that prefix_lookup() gives the country
 * a binary search over the raw lines gives, and that the whole scope block
 * around the address maps to that country in the raw data. Prints timings
 * and sizes; exits 1 on any mismatch.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "diag.h"
#include "geodata.h"
#include "prefix.h"

typedef unsigned __int128 u128;

struct raw {
    int family;
    u128 lo, hi;
    char cc[3];
    long line;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static u128 to_u(int fam, const uint8_t *a)
{
    u128 v = 0;
    for (int i = 0; i < (fam == 4 ? 4 : 16); i++)
        v = v << 8 | a[i];
    return v;
}

static void from_u(int fam, u128 v, uint8_t *a)
{
    memset(a, 0, 16);
    for (int i = (fam == 4 ? 4 : 16) - 1; i >= 0; i--, v >>= 8)
        a[i] = (uint8_t)v;
}

static int raw_cmp(const void *x, const void *y)
{
    const struct raw *a = x, *b = y;
    if (a->family != b->family)
        return a->family - b->family;
    if (a->lo != b->lo)
        return a->lo < b->lo ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static struct raw *raw;
static size_t raw_n, raw_n4;

static u128 *raw_maxend; /* raw_maxend[i] = max(raw[b..i].hi) within the family */

/* The range that decides v: the last line containing it (lines overwrite
 * what they cover, in order), which is how geodata.c resolves overlaps. A
 * plain binary search for the last range starting at or before v, then a
 * walk back while an earlier range may still reach v. Returns: index or -1. */
static long raw_find(int fam, u128 v)
{
    size_t b = fam == 4 ? 0 : raw_n4, lo = b, hi = fam == 4 ? raw_n4 : raw_n;
    while (lo < hi) { /* first range starting after v */
        size_t mid = (lo + hi) / 2;
        if (raw[mid].lo <= v)
            lo = mid + 1;
        else
            hi = mid;
    }
    long best = -1;
    for (size_t k = lo; k > b && raw_maxend[k - 1] >= v; k--) {
        const struct raw *r = &raw[k - 1];
        if (r->hi < v)
            continue;
        if (best < 0 || r->line > raw[best].line)
            best = (long)(k - 1);
    }
    return best;
}

static const char *raw_cc(int fam, u128 v)
{
    long i = raw_find(fam, v);
    return i < 0 ? "" : raw[i].cc;
}

/* Whether every address of [lo, hi] maps to country cc in the raw data: the
 * answer can change only where a range starts or just past where one ends,
 * so check lo and every such point inside the block. */
static int raw_uniform(int fam, u128 lo, u128 hi, const char *cc)
{
    if (strcmp(raw_cc(fam, lo), cc) != 0)
        return 0;
    size_t b = fam == 4 ? 0 : raw_n4, e = fam == 4 ? raw_n4 : raw_n, k = b, n = e;
    while (k < n) { /* first range starting at or after lo */
        size_t mid = (k + n) / 2;
        if (raw[mid].lo < lo)
            k = mid + 1;
        else
            n = mid;
    }
    for (size_t i = k; i > b && raw_maxend[i - 1] >= lo; i--) /* ranges around lo ending inside */
        if (raw[i - 1].hi >= lo && raw[i - 1].hi < hi && strcmp(raw_cc(fam, raw[i - 1].hi + 1), cc))
            return 0;
    for (; k < e && raw[k].lo <= hi; k++) {
        if (raw[k].lo > lo && strcmp(raw_cc(fam, raw[k].lo), cc))
            return 0;
        if (raw[k].hi < hi && strcmp(raw_cc(fam, raw[k].hi + 1), cc))
            return 0;
    }
    return 1;
}

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.csv [COUNT [SEED]]\n", argv[0]);
        return 2;
    }
    long count = argc > 2 ? atol(argv[2]) : 100000;
    if (argc > 3)
        rs = strtoull(argv[3], NULL, 0) | 1;

    /* 1. load + fold */
    double t0 = now();
    arena_t *a = arena_new(0);
    geodata_t *g = geodata_load(a, argv[1], (loc_t){0, 0, 0});
    double t1 = now();
    if (!g || diag_error_count()) {
        fprintf(stderr, "check_real: %u errors loading %s\n", diag_error_count(), argv[1]);
        return 1;
    }
    char codes[26 * 26][3];
    int index[26 * 26];
    int ncodes = 0;
    memset(index, -1, sizeof index);
    prefix_range_t *pr = xmalloc((g->count ? g->count : 1) * sizeof *pr);
    for (size_t i = 0; i < g->count; i++) {
        const geodata_range_t *r = &g->ranges[i];
        pr[i].family = r->family;
        memcpy(pr[i].start, r->start, 16);
        memcpy(pr[i].end, r->end, 16);
        pr[i].outcome = PREFIX_NONE;
        if (r->country[0]) {
            int k = (r->country[0] - 'A') * 26 + (r->country[1] - 'A');
            if (index[k] < 0) {
                index[k] = ncodes;
                memcpy(codes[ncodes++], r->country, 3);
            }
            pr[i].outcome = (uint32_t)index[k];
        }
    }
    prefix_fold_t f;
    size_t bad;
    if (prefix_fold_ranges(pr, g->count, &f, &bad)) {
        fprintf(stderr, "check_real: fold failed at range %zu\n", bad);
        return 1;
    }
    double t2 = now();

    /* 2. independent parse */
    FILE *in = fopen(argv[1], "r");
    if (!in)
        return perror(argv[1]), 2;
    size_t cap = 1 << 20;
    raw = xmalloc(cap * sizeof *raw);
    char line[512];
    long ln = 0;
    while (fgets(line, sizeof line, in)) {
        ln++;
        char *s = strtok(line, ",\r\n"), *e = strtok(NULL, ",\r\n"), *c = strtok(NULL, ",\r\n");
        if (!s || !e)
            continue;
        uint8_t as[16] = {0}, ae[16] = {0};
        int fam = strchr(s, ':') ? 6 : 4;
        if (inet_pton(fam == 4 ? AF_INET : AF_INET6, s, as) != 1 ||
            inet_pton(fam == 4 ? AF_INET : AF_INET6, e, ae) != 1)
            continue;
        if (raw_n == cap)
            raw = xrealloc(raw, (cap *= 2) * sizeof *raw);
        struct raw *r = &raw[raw_n++];
        r->family = fam;
        r->lo = to_u(fam, as);
        r->hi = to_u(fam, ae);
        snprintf(r->cc, sizeof r->cc, "%s", c ? c : "");
        r->line = ln;
    }
    fclose(in);
    qsort(raw, raw_n, sizeof *raw, raw_cmp);
    while (raw_n4 < raw_n && raw[raw_n4].family == 4)
        raw_n4++;
    raw_maxend = xmalloc((raw_n ? raw_n : 1) * sizeof *raw_maxend);
    for (size_t i = 0; i < raw_n; i++)
        raw_maxend[i] = i == 0 || i == raw_n4 || raw_maxend[i - 1] < raw[i].hi ? raw[i].hi : raw_maxend[i - 1];

    /* 3. random lookups */
    long bad_cc = 0, bad_scope = 0;
    unsigned long scope_sum = 0;
    for (long q = 0; q < count; q++) {
        int fam = q % 2 ? 6 : 4;
        u128 v = ((u128)rnd() << 64) | rnd();
        if (q % 4 >= 2 && raw_n) {
            size_t k = fam == 4 ? rnd() % raw_n4 : raw_n4 + rnd() % (raw_n - raw_n4);
            v = (rnd() % 2 ? raw[k].lo : raw[k].hi) + (rnd() % 3) - 1;
        } else if (fam == 6 && rnd() % 2) {
            v = (v >> 3) | ((u128)1 << 125); /* 2000::/3 */
        }
        if (fam == 4)
            v &= 0xffffffffu;
        uint8_t ad[16];
        from_u(fam, v, ad);
        unsigned scope;
        uint32_t o = prefix_lookup(f.table, fam, ad, fam == 4 ? 32 : 128, &scope);
        scope_sum += scope;
        const char *got = o == PREFIX_NONE ? "" : codes[o];
        const char *want = raw_cc(fam, v);
        if (strcmp(got, want) != 0) {
            char t[64];
            if (bad_cc++ < 10)
                fprintf(stderr, "MISMATCH %s: trie '%s', csv '%s'\n",
                        inet_ntop(fam == 4 ? AF_INET : AF_INET6, ad, t, sizeof t), got, want);
            continue;
        }
        unsigned w = fam == 4 ? 32 : 128;
        u128 mask = scope == 0 ? (fam == 4 ? (u128)0xffffffffu : ~(u128)0)
                               : scope == w ? 0 : (((u128)1 << (w - scope)) - 1);
        if (!raw_uniform(fam, v & ~mask, (v & ~mask) | mask, want)) {
            char t[64];
            if (bad_scope++ < 10)
                fprintf(stderr, "SCOPE %s/%u is not all '%s'\n",
                        inet_ntop(fam == 4 ? AF_INET : AF_INET6, ad, t, sizeof t), scope, want);
        }
    }
    /* 4. lookup speed without the checks: random addresses, then one hot address */
    enum { BATCH = 1 << 20 };
    uint8_t (*addrs)[16] = xmalloc(BATCH * sizeof *addrs);
    for (size_t q = 0; q < BATCH; q++) {
        u128 v = ((u128)rnd() << 64) | rnd();
        if (q % 2)
            v = (v >> 3) | ((u128)1 << 125);
        from_u(q % 2 ? 6 : 4, q % 2 ? v : v & 0xffffffffu, addrs[q]);
    }
    volatile uint32_t sink = 0;
    double tb = now();
    for (size_t q = 0; q < BATCH; q++)
        sink += prefix_lookup(f.table, q % 2 ? 6 : 4, addrs[q], q % 2 ? 128 : 32, NULL);
    double t_rand = (now() - tb) / BATCH;
    tb = now();
    for (size_t q = 0; q < BATCH; q++)
        sink += prefix_lookup(f.table, 4, addrs[0], 32, NULL);
    double t_hot = (now() - tb) / BATCH;
    free(addrs);
    printf("file:            %s\n", argv[1]);
    printf("csv lines:       %zu ranges (%zu IPv4, %zu IPv6)\n", raw_n, raw_n4, raw_n - raw_n4);
    printf("geodata:         %zu merged ranges (%zu IPv4), %d countries\n", g->count, g->count4, ncodes);
    printf("load:            %.3f s\n", t1 - t0);
    printf("fold:            %.3f s\n", t2 - t1);
    printf("load+fold:       %.3f s\n", t2 - t0);
    printf("folded prefixes: %zu (%zu IPv4, %zu IPv6)\n", f.cidr_count, f.cidr4_count,
           f.cidr_count - f.cidr4_count);
    printf("trie:            %zu nodes, %zu bytes (%.1f MiB)\n", f.node_count, f.table_words * 4,
           f.table_words * 4 / 1048576.0);
    printf("checked lookups: %ld, mean scope %.1f\n", count, count ? (double)scope_sum / count : 0);
    printf("lookup speed:    %.0f ns random IPv4/IPv6 address, %.0f ns same address (%u)\n",
           t_rand * 1e9, t_hot * 1e9, (unsigned)(sink & 1));
    printf("mismatches:      %ld country, %ld scope\n", bad_cc, bad_scope);
    prefix_cidr_t *m;
    double tm0 = now();
    size_t m4 = 0, mn = prefix_minimal(&f, &m, &m4);
    printf("minimal nested:  %zu prefixes (%zu IPv4, %zu IPv6) by ORTC in %.3f s\n", mn, m4, mn - m4, now() - tm0);
    /* cross-check: the nested list folded back by longest match answers like the ranges */
    prefix_fold_t f2;
    long bad_min = 0;
    if (prefix_fold_cidrs(m, mn, &f2, &bad)) {
        fprintf(stderr, "check_real: folding the minimal list failed at %zu\n", bad);
        bad_min = 1;
    } else {
        for (long q = 0; q < count; q++) {
            int fam = q % 2 ? 6 : 4;
            u128 v = ((u128)rnd() << 64) | rnd();
            if (q % 4 >= 2) {
                size_t k = fam == 4 ? rnd() % raw_n4 : raw_n4 + rnd() % (raw_n - raw_n4);
                v = (rnd() % 2 ? raw[k].lo : raw[k].hi) + (rnd() % 3) - 1;
            }
            if (fam == 4)
                v &= 0xffffffffu;
            uint8_t ad[16];
            from_u(fam, v, ad);
            unsigned w = fam == 4 ? 32 : 128;
            bad_min += prefix_lookup(f.table, fam, ad, w, NULL) != prefix_lookup(f2.table, fam, ad, w, NULL);
        }
        prefix_fold_free(&f2);
    }
    printf("minimal check:   %ld of %ld lookups differ after folding the minimal list back\n", bad_min, count);
    bad_cc += bad_min;
    free(m);
    prefix_fold_free(&f);
    free(pr);
    free(raw);
    free(raw_maxend);
    arena_free(a);
    return bad_cc || bad_scope ? 1 : 0;
}
