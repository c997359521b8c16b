/* test_prefix.c -- unit tests for the prefix fold and the trie lookup
 * SPDX-License-Identifier: MIT
 *
 * Besides fixed cases, random range sets and random nested prefix sets are
 * folded and every lookup is compared with a brute-force scan of the input;
 * the returned scope is checked to be a block with one outcome that cannot
 * be widened (its parent block has two outcomes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "prefix.h"

typedef unsigned __int128 u128;

static u128 get(int fam, const uint8_t *a)
{
    u128 v = 0;
    for (int i = 0; i < (fam == 4 ? 4 : 16); i++)
        v = v << 8 | a[i];
    return v;
}

static void put(int fam, u128 v, uint8_t *a)
{
    memset(a, 0, 16);
    for (int i = (fam == 4 ? 4 : 16) - 1; i >= 0; i--, v >>= 8)
        a[i] = (uint8_t)v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static prefix_range_t range(const char *a, const char *b, uint32_t outcome)
{
    prefix_range_t r = {0};
    int f = prefix_parse_addr(a, strlen(a), r.start);
    assert_int_equal(prefix_parse_addr(b, strlen(b), r.end), f);
    r.family = (uint8_t)f;
    r.outcome = outcome;
    return r;
}

static uint32_t look(const prefix_fold_t *f, const char *a, unsigned src_len, unsigned *scope)
{
    uint8_t ad[16];
    int fam = prefix_parse_addr(a, strlen(a), ad);
    assert_true(fam > 0);
    return prefix_lookup(f->table, fam, ad, src_len, scope);
}

static const char *cidr_text(const prefix_cidr_t *c)
{
    static char buf[8][64];
    static int k;
    char *b = buf[k++ % 8];
    char p[48];
    snprintf(b, 64, "%s=%u", prefix_format(p, sizeof p, c), c->outcome);
    return b;
}

static void test_parse(void **state)
{
    prefix_cidr_t c;
    char buf[64];
    assert_int_equal(prefix_parse("10.0.0.0/8", 10, &c), PREFIX_OK);
    assert_int_equal(c.family, 4);
    assert_int_equal(c.len, 8);
    assert_string_equal(prefix_format(buf, sizeof buf, &c), "10.0.0.0/8");
    assert_int_equal(prefix_parse("2001:db8::/32", 13, &c), PREFIX_OK);
    assert_int_equal(c.family, 6);
    assert_int_equal(c.len, 32);
    assert_int_equal(prefix_parse("192.0.2.1", 9, &c), PREFIX_OK);
    assert_int_equal(c.len, 32);
    assert_int_equal(prefix_parse("::1", 3, &c), PREFIX_OK);
    assert_int_equal(c.len, 128);
    assert_int_equal(prefix_parse("0.0.0.0/0", 9, &c), PREFIX_OK);
    assert_int_equal(c.len, 0);
    assert_int_equal(prefix_parse("::/0", 4, &c), PREFIX_OK);
    assert_int_equal(c.len, 0);
    assert_int_equal(prefix_parse("::1/0", 5, &c), PREFIX_E_HOST);
    assert_int_equal(prefix_parse("1.0.0.0/0", 9, &c), PREFIX_E_HOST);
    assert_int_equal(prefix_parse("10.0.0.1/8", 10, &c), PREFIX_E_HOST);
    assert_int_equal(prefix_parse("10.0.0.0/33", 11, &c), PREFIX_E_LEN);
    assert_int_equal(prefix_parse("10.0.0.0/", 9, &c), PREFIX_E_LEN);
    assert_int_equal(prefix_parse("10.0.0.0/x", 10, &c), PREFIX_E_LEN);
    assert_int_equal(prefix_parse("::/129", 6, &c), PREFIX_E_LEN);
    assert_int_equal(prefix_parse("10.0.0/8", 8, &c), PREFIX_E_ADDR);
    assert_int_equal(prefix_parse("", 0, &c), PREFIX_E_ADDR);
    assert_int_equal(prefix_parse("1.2.3.4.5", 9, &c), PREFIX_E_ADDR);
    assert_string_equal(prefix_strerror(PREFIX_E_HOST), "host bits set after the prefix length");
}

/* Adjacent ranges with one outcome merge; holes stay holes. */
static void test_fold_fixed(void **state)
{
    prefix_range_t r[] = {
        range("10.0.0.0", "10.0.0.255", 1),
        range("10.0.1.0", "10.0.1.255", 1),     /* merges: 10.0.0.0/23 */
        range("10.0.2.0", "10.0.2.127", 2),
        range("10.0.3.0", "10.0.3.255", 2),     /* hole 10.0.2.128/25 */
        range("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 3),
    };
    prefix_fold_t f;
    size_t bad = 99;
    assert_int_equal(prefix_fold_ranges(r, 5, &f, &bad), 0);
    assert_int_equal(f.cidr_count, 4);
    assert_int_equal(f.cidr4_count, 3);
    assert_string_equal(cidr_text(&f.cidrs[0]), "10.0.0.0/23=1");
    assert_string_equal(cidr_text(&f.cidrs[1]), "10.0.2.0/25=2");
    assert_string_equal(cidr_text(&f.cidrs[2]), "10.0.3.0/24=2");
    assert_string_equal(cidr_text(&f.cidrs[3]), "2001:db8::/32=3");
    unsigned scope = 99;
    assert_int_equal(look(&f, "10.0.1.7", 32, &scope), 1);
    assert_int_equal(scope, 23);
    assert_int_equal(look(&f, "10.0.2.200", 32, &scope), PREFIX_NONE);
    assert_int_equal(scope, 25);
    assert_int_equal(look(&f, "10.0.3.1", 32, &scope), 2);
    assert_int_equal(scope, 24);
    assert_int_equal(look(&f, "11.0.0.0", 32, &scope), PREFIX_NONE);
    assert_int_equal(look(&f, "2001:db8:1::5", 128, &scope), 3);
    assert_int_equal(scope, 32);
    assert_int_equal(look(&f, "2001:db9::", 128, &scope), PREFIX_NONE);
    /* stride 2: a short client prefix is looked up zero-padded */
    assert_int_equal(look(&f, "10.0.0.0", 16, &scope), 1);
    assert_int_equal(scope, 23);
    prefix_fold_free(&f);

    /* overlaps and malformed ranges are refused with the index */
    prefix_range_t o[] = {range("10.0.0.0", "10.0.0.255", 1), range("10.0.0.255", "10.0.1.0", 2)};
    assert_int_equal(prefix_fold_ranges(o, 2, &f, &bad), -1);
    assert_int_equal(bad, 1);
    prefix_range_t o2[] = {range("10.0.1.0", "10.0.1.255", 1), range("10.0.0.0", "10.0.1.0", 2)};
    assert_int_equal(prefix_fold_ranges(o2, 2, &f, &bad), -1);
    assert_int_equal(bad, 0);
    prefix_range_t m[] = {range("10.0.0.9", "10.0.0.1", 1)};
    assert_int_equal(prefix_fold_ranges(m, 1, &f, &bad), -1);
    assert_int_equal(bad, 0);
    /* v4 and v6 may use the same numbers without overlapping */
    prefix_range_t d[] = {range("0.0.0.0", "255.255.255.255", 1), range("::", "::ffff:ffff", 2)};
    assert_int_equal(prefix_fold_ranges(d, 2, &f, &bad), 0);
    assert_int_equal(f.cidr_count, 2);
    assert_string_equal(cidr_text(&f.cidrs[0]), "0.0.0.0/0=1");
    assert_string_equal(cidr_text(&f.cidrs[1]), "::/96=2");
    assert_int_equal(look(&f, "1.2.3.4", 32, &scope), 1);
    assert_int_equal(scope, 0);
    prefix_fold_free(&f);
    /* empty input: both roots are holes */
    assert_int_equal(prefix_fold_ranges(NULL, 0, &f, &bad), 0);
    assert_int_equal(f.node_count, 0);
    assert_int_equal(look(&f, "::1", 128, &scope), PREFIX_NONE);
    assert_int_equal(scope, 0);
    prefix_fold_free(&f);
}

/* The minimal nested list: a /8 with a hole and an exception inside. */
static void test_minimal_fixed(void **state)
{
    prefix_range_t r[] = {
        range("10.0.0.0", "10.1.1.255", 1),
        range("10.1.2.0", "10.1.2.255", 2),     /* exception */
        range("10.1.3.0", "10.1.3.255", 1),
        /* hole 10.1.4.0/24 */
        range("10.1.5.0", "10.255.255.255", 1),
        range("2001:db8::", "2001:db8::ffff", 3),
    };
    prefix_fold_t f;
    size_t bad, n4 = 99;
    assert_int_equal(prefix_fold_ranges(r, 5, &f, &bad), 0);
    assert_true(f.cidr_count > 10); /* the disjoint cover needs many blocks */
    prefix_cidr_t *m;
    size_t n = prefix_minimal(&f, &m, &n4);
    assert_int_equal(n, 4);
    assert_int_equal(n4, 3);
    assert_string_equal(cidr_text(&m[0]), "10.0.0.0/8=1");
    assert_string_equal(cidr_text(&m[1]), "10.1.2.0/24=2");
    char buf[64];
    snprintf(buf, sizeof buf, "10.1.4.0/24=%u", PREFIX_NONE);
    assert_string_equal(cidr_text(&m[2]), buf); /* the hole */
    assert_string_equal(cidr_text(&m[3]), "2001:db8::/112=3");
    free(m);
    prefix_fold_free(&f);
    /* a fold with no ranges has an empty list */
    assert_int_equal(prefix_fold_ranges(NULL, 0, &f, &bad), 0);
    assert_int_equal(prefix_minimal(&f, &m, NULL), 0);
    free(m);
    prefix_fold_free(&f);
}

/* Brute force over a range set: the outcome at v, and whether [lo, hi] has
 * one outcome (outcomes change only at range starts and just past ends). */
static uint32_t brute(const prefix_range_t *r, size_t n, int fam, u128 v)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].family == fam && get(fam, r[i].start) <= v && v <= get(fam, r[i].end))
            return r[i].outcome;
    return PREFIX_NONE;
}

static int uniform(const prefix_range_t *r, size_t n, int fam, u128 lo, u128 hi)
{
    uint32_t o = brute(r, n, fam, lo);
    for (size_t i = 0; i < n; i++) {
        if (r[i].family != fam)
            continue;
        u128 s = get(fam, r[i].start), e = get(fam, r[i].end);
        if (s > lo && s <= hi && brute(r, n, fam, s) != o)
            return 0;
        if (e >= lo && e < hi && brute(r, n, fam, e + 1) != o)
            return 0;
    }
    return 1;
}

static u128 block_lo(int fam, u128 v, unsigned len)
{
    unsigned w = fam == 4 ? 32 : 128;
    return len == 0 ? 0 : v & ~((((u128)1) << (w - len)) - 1) & (fam == 4 ? (u128)0xffffffffu : ~(u128)0);
}

static u128 block_hi(int fam, u128 v, unsigned len)
{
    unsigned w = fam == 4 ? 32 : 128;
    u128 mask = len == w ? 0 : (len == 0 && w == 128) ? ~(u128)0 : ((((u128)1) << (w - len)) - 1);
    return block_lo(fam, v, len) | mask;
}

/* A random address near `base`, inside a window of 2^bits. */
static u128 near(u128 base, unsigned bits)
{
    u128 x = ((u128)rnd() << 64) | rnd();
    return base + (bits >= 128 ? x : x & ((((u128)1) << bits) - 1));
}

static void test_fold_random(void **state)
{
    enum { ROUNDS = 300, MAXR = 40 };
    for (int round = 0; round < ROUNDS; round++) {
        prefix_range_t r[MAXR];
        size_t n = 0;
        int fams[2] = {4, 6};
        for (int fi = 0; fi < 2; fi++) {
            int fam = fams[fi];
            unsigned win = fam == 4 ? (round % 3 == 0 ? 32 : 12) : (round % 3 == 0 ? 128 : 16);
            u128 base = fam == 4 ? 0 : (round % 3 == 0 ? 0 : (u128)0x20010db8u << 96);
            if (win == 32 && fam == 4)
                base = 0;
            /* sorted random cut points, then every other gap a range */
            size_t k = 2 + rnd() % (MAXR / 2 - 2);
            u128 cut[MAXR];
            for (size_t i = 0; i < k; i++)
                cut[i] = near(base, win);
            for (size_t i = 1; i < k; i++) /* insertion sort */
                for (size_t j = i; j > 0 && cut[j] < cut[j - 1]; j--) {
                    u128 t = cut[j]; cut[j] = cut[j - 1]; cut[j - 1] = t;
                }
            u128 prev_end = 0;
            int have_prev = 0;
            for (size_t i = 0; i + 1 < k; i++) {
                u128 s = cut[i], e = cut[i + 1] - (rnd() % 2 && cut[i + 1] > cut[i] ? 1 : 0);
                if (have_prev && s <= prev_end)
                    s = prev_end + 1;
                if (s > e || rnd() % 4 == 0)
                    continue;
                prefix_range_t *x = &r[n++];
                x->family = (uint8_t)fam;
                put(fam, s, x->start);
                put(fam, e, x->end);
                x->outcome = rnd() % 5 == 0 ? PREFIX_NONE : (uint32_t)(rnd() % 3);
                prev_end = e;
                have_prev = 1;
            }
        }
        /* shuffle: the fold must not depend on input order */
        for (size_t i = n; i > 1; i--) {
            size_t j = rnd() % i;
            prefix_range_t t = r[i - 1]; r[i - 1] = r[j]; r[j] = t;
        }
        prefix_fold_t f;
        size_t bad;
        assert_int_equal(prefix_fold_ranges(r, n, &f, &bad), 0);
        /* the cidr list: disjoint, each uniform, each maximal */
        for (size_t i = 0; i < f.cidr_count; i++) {
            const prefix_cidr_t *c = &f.cidrs[i];
            u128 v = get(c->family, c->addr);
            assert_true(uniform(r, n, c->family, block_lo(c->family, v, c->len), block_hi(c->family, v, c->len)));
            assert_int_equal(brute(r, n, c->family, v), c->outcome);
            if (c->len > 0)
                assert_false(uniform(r, n, c->family, block_lo(c->family, v, c->len - 1),
                                     block_hi(c->family, v, c->len - 1)));
            if (i > 0 && f.cidrs[i - 1].family == c->family)
                assert_true(block_hi(c->family, get(c->family, f.cidrs[i - 1].addr), f.cidrs[i - 1].len) < v);
        }
        /* lookups: random addresses and every range edge */
        for (int q = 0; q < 400; q++) {
            int fam = q % 2 ? 6 : 4;
            u128 v;
            if (q % 4 < 2) {
                v = fam == 4 ? near(0, 32) : near(0, 128);
                if (round % 3 && fam == 6)
                    v = near((u128)0x20010db8u << 96, 17);
                if (round % 3 && fam == 4)
                    v = near(0, 13);
            } else {
                const prefix_range_t *x = &r[rnd() % (n ? n : 1)];
                if (!n || x->family != fam)
                    continue;
                v = get(fam, rnd() % 2 ? x->start : x->end) + (rnd() % 3) - 1;
                if (fam == 4)
                    v &= 0xffffffffu;
            }
            uint8_t a[16];
            put(fam, v, a);
            unsigned scope;
            uint32_t got = prefix_lookup(f.table, fam, a, fam == 4 ? 32 : 128, &scope);
            assert_int_equal(got, brute(r, n, fam, v));
            assert_true(uniform(r, n, fam, block_lo(fam, v, scope), block_hi(fam, v, scope)));
            if (scope > 0 && uniform(r, n, fam, block_lo(fam, v, scope - 1), block_hi(fam, v, scope - 1))) {
                char t[64];
                fprintf(stderr, "round %d fam %d scope %u got %u addr %s\n", round, fam, scope, got,
                        prefix_format_addr(t, sizeof t, fam, a));
                for (size_t i = 0; i < n; i++) {
                    char s1[64], s2[64];
                    fprintf(stderr, "  %s - %s = %u\n", prefix_format_addr(s1, 64, r[i].family, r[i].start),
                            prefix_format_addr(s2, 64, r[i].family, r[i].end), r[i].outcome);
                }
                fail();
            }
        }
        /* the minimal nested list answers like the ranges, with fewer entries */
        prefix_cidr_t *m;
        size_t mn = prefix_minimal(&f, &m, NULL);
        size_t real = 0;
        for (size_t i = 0; i < mn; i++)
            real += m[i].outcome != PREFIX_NONE;
        assert_true(real <= f.cidr_count);
        for (int q = 0; q < 200; q++) {
            int fam = q % 2 ? 6 : 4;
            u128 v = fam == 4 ? near(0, round % 3 ? 13 : 32) : (round % 3 ? near((u128)0x20010db8u << 96, 17) : near(0, 128));
            if (q % 4 >= 2 && n) {
                const prefix_range_t *x = &r[rnd() % n];
                if (x->family != fam)
                    continue;
                v = get(fam, rnd() % 2 ? x->start : x->end) + (rnd() % 3) - 1;
                if (fam == 4)
                    v &= 0xffffffffu;
            }
            int best = -1;
            uint32_t o = PREFIX_NONE;
            for (size_t i = 0; i < mn; i++)
                if (m[i].family == fam && (int)m[i].len > best && block_lo(fam, v, m[i].len) == get(fam, m[i].addr))
                    best = m[i].len, o = m[i].outcome;
            assert_int_equal(o, brute(r, n, fam, v));
        }
        free(m);
        prefix_fold_free(&f);
    }
}

/* Brute-force longest match of a client prefix v/L over nested prefixes. */
static uint32_t brute_lpm(const prefix_cidr_t *p, size_t n, int fam, u128 v, unsigned L)
{
    int best = -1;
    uint32_t o = PREFIX_NONE;
    for (size_t i = 0; i < n; i++) {
        if (p[i].family != fam || p[i].len > L || (int)p[i].len <= best)
            continue;
        if (block_lo(fam, v, p[i].len) == get(fam, p[i].addr)) {
            best = p[i].len;
            o = p[i].outcome;
        }
    }
    return o;
}

static void test_fold_cidrs(void **state)
{
    prefix_cidr_t p[4];
    assert_int_equal(prefix_parse("10.0.0.0/8", 10, &p[0]), 0);
    p[0].outcome = 1;
    assert_int_equal(prefix_parse("10.1.0.0/16", 11, &p[1]), 0);
    p[1].outcome = 2;
    assert_int_equal(prefix_parse("10.1.2.0/24", 11, &p[2]), 0);
    p[2].outcome = 1;
    assert_int_equal(prefix_parse("2001:db8:100::/48", 17, &p[3]), 0);
    p[3].outcome = 1;
    prefix_fold_t f;
    size_t bad;
    unsigned scope;
    assert_int_equal(prefix_fold_cidrs(p, 4, &f, &bad), 0);
    assert_int_equal(look(&f, "10.1.2.3", 32, &scope), 1);
    assert_int_equal(scope, 24);
    assert_int_equal(look(&f, "10.1.3.3", 32, &scope), 2);
    assert_int_equal(scope, 24);
    assert_int_equal(look(&f, "10.2.3.3", 32, &scope), 1);
    assert_int_equal(scope, 15);
    /* a /16 client prefix inside 10.1/16 does not match the /24 */
    assert_int_equal(look(&f, "10.1.0.0", 16, &scope), 2);
    assert_int_equal(scope, 16);
    assert_int_equal(look(&f, "10.0.0.0", 8, &scope), 1);
    assert_int_equal(scope, 8);
    assert_int_equal(look(&f, "0.0.0.0", 0, &scope), PREFIX_NONE);
    assert_int_equal(scope, 0);
    assert_int_equal(look(&f, "2001:db8:100:1::", 56, &scope), 1);
    assert_int_equal(scope, 48);
    assert_int_equal(look(&f, "2001:db8::", 32, &scope), PREFIX_NONE);
    prefix_fold_free(&f);
    /* default routes */
    prefix_cidr_t d[2];
    assert_int_equal(prefix_parse("::/0", 4, &d[0]), 0);
    d[0].outcome = 7;
    assert_int_equal(prefix_parse("0.0.0.0/0", 9, &d[1]), 0);
    d[1].outcome = 8;
    assert_int_equal(prefix_fold_cidrs(d, 2, &f, &bad), 0);
    assert_int_equal(look(&f, "2001:db8::1", 128, &scope), 7);
    assert_int_equal(scope, 0);
    assert_int_equal(look(&f, "192.0.2.1", 24, &scope), 8);
    assert_int_equal(scope, 0);
    assert_int_equal(f.node_count, 0);
    prefix_fold_free(&f);
    /* duplicate and host bits */
    p[1] = p[0];
    assert_int_equal(prefix_fold_cidrs(p, 2, &f, &bad), -1);
    assert_int_equal(bad, 1);
    p[1].addr[3] = 1;
    assert_int_equal(prefix_fold_cidrs(p, 2, &f, &bad), -1);
    assert_int_equal(bad, 1);

    /* random nested sets against brute force, for every client length */
    for (int round = 0; round < 200; round++) {
        prefix_cidr_t q[30];
        size_t n = 0;
        for (int i = 0; i < 30; i++) {
            int fam = rnd() % 2 ? 4 : 6;
            unsigned w = fam == 4 ? 32 : 128;
            u128 base = fam == 4 ? (u128)0x0a000000u : (u128)0x20010db8u << 96;
            unsigned len = fam == 4 ? 8 + rnd() % 25 : 32 + rnd() % 97;
            u128 v = block_lo(fam, near(base, w - (fam == 4 ? 8 : 32)), len);
            prefix_cidr_t c = {.family = (uint8_t)fam, .len = (uint8_t)len, .outcome = (uint32_t)(rnd() % 3)};
            put(fam, v, c.addr);
            int dup = 0;
            for (size_t j = 0; j < n; j++)
                dup |= q[j].family == c.family && q[j].len == c.len && !memcmp(q[j].addr, c.addr, 16);
            if (!dup)
                q[n++] = c;
        }
        assert_int_equal(prefix_fold_cidrs(q, n, &f, &bad), 0);
        for (int t = 0; t < 300; t++) {
            int fam = t % 2 ? 4 : 6;
            unsigned w = fam == 4 ? 32 : 128;
            u128 v;
            if (t % 3 == 0 && n) {
                const prefix_cidr_t *c = &q[rnd() % n];
                fam = c->family;
                w = fam == 4 ? 32 : 128;
                v = get(fam, c->addr) + (rnd() % 2 ? 0 : block_hi(fam, 0, c->len)) + (rnd() % 3) - 1;
                if (fam == 4)
                    v &= 0xffffffffu;
            } else {
                v = fam == 4 ? near(0x0a000000u, 24) : near((u128)0x20010db8u << 96, 96);
            }
            unsigned L = rnd() % 2 ? w : (unsigned)(rnd() % (w + 1));
            v = block_lo(fam, v, L);
            uint8_t a[16];
            put(fam, v, a);
            unsigned sc;
            uint32_t got = prefix_lookup(f.table, fam, a, L, &sc);
            assert_int_equal(got, brute_lpm(q, n, fam, v, L));
            assert_true(sc <= L);
            /* every address in the scope block answers the same at full length */
            if (sc == L || L == w)
                for (int s = 0; s < 8; s++) {
                    u128 x = block_lo(fam, v, sc) | (near(0, w) & (block_hi(fam, 0, sc)));
                    assert_int_equal(brute_lpm(q, n, fam, x, L), got);
                }
        }
        prefix_fold_free(&f);
    }
}

/* A corrupt table never reads out of bounds. */
static void test_lookup_corrupt(void **state)
{
    uint32_t t[PREFIX_TABLE_HEADER + 2] = {PREFIX_TABLE_MAGIC, 2, 0, 5, 1, 0, 0};
    uint8_t a[16] = {0};
    unsigned scope;
    assert_int_equal(prefix_lookup(t, 4, a, 32, &scope), PREFIX_NONE); /* self loop ends at width */
    assert_int_equal(prefix_lookup(t, 6, a, 128, &scope), PREFIX_NONE); /* root out of range */
    t[0] = 0;
    assert_int_equal(prefix_lookup(t, 4, a, 32, &scope), PREFIX_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_fold_fixed),
        cmocka_unit_test(test_fold_random),
        cmocka_unit_test(test_minimal_fixed),
        cmocka_unit_test(test_fold_cidrs),
        cmocka_unit_test(test_lookup_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
