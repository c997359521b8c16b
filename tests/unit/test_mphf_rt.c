/* test_mphf_rt.c -- the runtime's name hash (runtime/rt_mphf.h) against cmph itself
 * SPDX-License-Identifier: MIT
 *
 * For BDZ functions built by cmph with every rank block size cmph allows,
 * rt_bdz_lookup() (any key) and rt_bdz_lookup8() (8-byte keys) must return
 * what cmph_search_packed() returns: for every key, and for many non-keys
 * of every length 0..255 and every byte value, with garbage in the pad
 * bytes after each key. For the section compiler/mphf.c writes (digests +
 * BDZ), rt_mphf_lookup() must equal mphf_lookup() (cmph on the digest) for
 * every key and over a million non-keys. A CHD function goes through cmph
 * unchanged; malformed headers are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cmph.h>

#include "arena.h"
#include "mphf.h"
#include "rt_mphf.h"

typedef struct keyset {
    uint8_t **keys;
    uint8_t *lens;
    uint32_t n;
} keyset_t;

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

/* n distinct keys: half wire-name-like (lowercase labels + a counter), half
 * random bytes of random length 1..255 (high bytes and zero bytes too). */
static keyset_t make_keys(uint32_t n)
{
    keyset_t k = {xmalloc(n * sizeof *k.keys), xmalloc(n), n};
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = k.keys[i] = xmalloc(256 + RT_MPHF_KEY_PAD);
        size_t len;
        if (i % 2 == 0) {
            len = (size_t)snprintf((char *)p + 1, 40, "h%u", i);
            p[0] = (uint8_t)len;
            memcpy(p + 1 + len, "\7example\3com", 13);
            len += 1 + 13;
        } else {
            len = 5 + rnd() % 251; /* >= 5 bytes: the counter below keeps them distinct */
            for (size_t j = 0; j < len; j++)
                p[j] = (uint8_t)rnd();
            memcpy(p, &i, 4);
            p[4] = 0xff; /* never equal to a name-like key (p[4] is a letter or digit there) */
        }
        for (size_t j = 0; j < RT_MPHF_KEY_PAD; j++)
            p[len + j] = (uint8_t)rnd(); /* garbage after the key */
        k.lens[i] = (uint8_t)len;
    }
    return k;
}

static void free_keys(keyset_t *k)
{
    for (uint32_t i = 0; i < k->n; i++)
        free(k->keys[i]);
    free(k->keys);
    free(k->lens);
}

/* cmph_pack() of a function built with algo and rank block 2^b (0: default). */
static uint8_t *build(keyset_t *k, CMPH_ALGO algo, int b, size_t *len)
{
    for (unsigned seed = 1; seed < 20; seed++) {
        uint8_t *buf;
        if (mphf_cmph_build((const uint8_t *const *)k->keys, k->lens, k->n, algo, b, seed, &buf,
                            len) == 0)
            return buf;
    }
    fail_msg("cmph failed to build");
    return NULL;
}

/* Every key, then `nonkeys` random non-keys, against cmph_search_packed().
 * packed has 8 readable bytes after len: the reader is opened over len
 * bytes and over len + 8 (with b = 3 the second takes the 16-bit rank read,
 * with b = 5 the 64-bit one). */
static void compare(const uint8_t *packed, size_t len, keyset_t *k, uint32_t nonkeys)
{
    rt_bdz_t m[2];
    assert_int_equal(rt_bdz_open(&m[0], packed, len), 0);
    assert_int_equal(rt_bdz_open(&m[1], packed, len + 8), 0);
    assert_int_equal(m[1].b3, m[1].b == 3);
    assert_int_equal(m[1].b5, m[1].b == 5);
    uint8_t *seen = xcalloc(k->n, 1);
    for (uint32_t i = 0; i < k->n; i++) {
        uint32_t want = cmph_search_packed((void *)packed, (const char *)k->keys[i], k->lens[i]);
        for (int r = 0; r < 2; r++) {
            uint32_t got = rt_bdz_lookup(&m[r], k->keys[i], k->lens[i]);
            if (got != want)
                fail_msg("key %u (len %u, reader %d): %u, cmph %u", i, k->lens[i], r, got, want);
        }
        assert_true(want < k->n);
        assert_false(seen[want]);
        seen[want] = 1;
    }
    free(seen);
    uint8_t buf[256 + RT_MPHF_KEY_PAD];
    for (uint32_t i = 0; i < nonkeys; i++) {
        uint32_t n = (uint32_t)(rnd() % 256); /* 0..255 bytes */
        if (i % 4 == 0)
            n = 8; /* rt_bdz_lookup8() too */
        for (size_t j = 0; j < sizeof buf; j++)
            buf[j] = (uint8_t)rnd();
        uint32_t want = cmph_search_packed((void *)packed, (const char *)buf, n);
        for (int r = 0; r < 2; r++) {
            uint32_t got = rt_bdz_lookup(&m[r], buf, n);
            if (n == 8) {
                uint64_t d;
                memcpy(&d, buf, 8);
                if (rt_bdz_lookup8(&m[r], d) != want)
                    fail_msg("8-byte non-key %u (reader %d): %u, cmph %u", i, r,
                             rt_bdz_lookup8(&m[r], d), want);
            }
            if (got != want)
                fail_msg("non-key %u (len %u, reader %d): %u, cmph %u", i, n, r, got, want);
        }
    }
}

/* compiler/mphf.c's section (digests, BDZ b = 5) over a zone-sized set:
 * rt_mphf_lookup() = mphf_lookup() (cmph on the digest) = the build's slots. */
static void test_compiler_function(void **state)
{
    (void)state;
    keyset_t k = make_keys(20000);
    uint8_t *packed = NULL;
    size_t plen = 0;
    uint32_t *slots = xmalloc(k.n * sizeof *slots);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, k.n, 7, &packed, &plen, slots), 0);
    rt_mphf_t m;
    assert_int_equal(rt_mphf_open(&m, packed, plen), 0);
    assert_int_equal(m.inline_bdz, 1);
    assert_int_equal(m.bdz.b, 5);
    assert_int_equal(m.bdz.b5, 1);
    for (uint32_t i = 0; i < k.n; i++) {
        assert_int_equal(mphf_lookup(packed, k.keys[i], k.lens[i]), slots[i]);
        assert_int_equal(rt_mphf_lookup(&m, k.keys[i], k.lens[i]), slots[i]);
    }
    uint8_t buf[256 + RT_MPHF_KEY_PAD];
    for (uint32_t i = 0; i < 1100000; i++) {
        uint32_t n = (uint32_t)(rnd() % 256);
        for (size_t j = 0; j < sizeof buf; j++)
            buf[j] = (uint8_t)rnd();
        uint32_t want = mphf_lookup(packed, buf, n), got = rt_mphf_lookup(&m, buf, n);
        if (got != want)
            fail_msg("non-key %u (len %u): %u, cmph %u", i, n, got, want);
    }
    /* the BDZ reader itself over the same bytes, on the digests' own keys */
    rt_bdz_t z;
    assert_int_equal(rt_bdz_open(&z, packed + RT_MPHF_HDR_LEN, plen - RT_MPHF_HDR_LEN), 0);
    free(slots);
    free(packed);
    free_keys(&k);
}

/* Names that differ in one 8-byte word never share a digest. */
static void test_digest(void **state)
{
    (void)state;
    uint8_t a[64 + RT_MPHF_KEY_PAD] = {0}, b[64 + RT_MPHF_KEY_PAD] = {0};
    for (int i = 0; i < 200000; i++) {
        uint32_t n = 1 + (uint32_t)(rnd() % 64);
        for (uint32_t j = 0; j < n; j++)
            a[j] = b[j] = (uint8_t)rnd();
        uint32_t pos = (uint32_t)(rnd() % n);
        b[pos] ^= (uint8_t)(1 + rnd() % 255);
        assert_true(rt_mphf_digest(3, a, n) != rt_mphf_digest(3, b, n));
        /* bytes after the key do not count */
        a[n] = (uint8_t)rnd();
        uint64_t d = rt_mphf_digest(3, a, n);
        a[n] ^= 0x5a;
        assert_true(rt_mphf_digest(3, a, n) == d);
    }
}

/* Every rank block size cmph accepts (2^3 .. 2^10), small and larger sets. */
static void test_bdz_block_sizes(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 2, 3, 5, 17, 1000, 70000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        keyset_t k = make_keys(sizes[s]);
        for (int b = 3; b <= 10; b++) {
            size_t len;
            uint8_t *packed = build(&k, CMPH_BDZ, b, &len);
            compare(packed, len, &k, sizes[s] >= 1000 ? 30000 : 3000);
            free(packed);
        }
        free_keys(&k);
    }
}

/* A CHD function (compiler/mphf.c's fallback) is left to cmph. */
static void test_chd_passthrough(void **state)
{
    (void)state;
    keyset_t k = make_keys(3000);
    size_t len;
    uint8_t *packed = build(&k, CMPH_CHD, 0, &len);
    rt_bdz_t z;
    assert_int_equal(rt_bdz_open(&z, packed, len), 1);
    /* as a section: header + the CHD bytes, looked up through cmph */
    uint8_t *sec = xcalloc(1, RT_MPHF_HDR_LEN + len);
    uint32_t magic = RT_MPHF_MAGIC, dseed = 77;
    memcpy(sec, &magic, 4);
    memcpy(sec + 4, &dseed, 4);
    memcpy(sec + RT_MPHF_HDR_LEN, packed, len);
    rt_mphf_t m;
    assert_int_equal(rt_mphf_open(&m, sec, RT_MPHF_HDR_LEN + len), 0);
    assert_int_equal(m.inline_bdz, 0);
    for (uint32_t i = 0; i < k.n; i++)
        assert_int_equal(rt_mphf_lookup(&m, k.keys[i], k.lens[i]),
                         mphf_lookup(sec, k.keys[i], k.lens[i]));
    free(sec);
    free(packed);
    free_keys(&k);
}

/* Truncated or inconsistent headers are refused, so a lookup never reads
 * past the section. */
static void test_malformed(void **state)
{
    (void)state;
    keyset_t k = make_keys(1000);
    size_t len;
    uint8_t *packed = build(&k, CMPH_BDZ, 3, &len);
    rt_bdz_t m;
    assert_int_equal(rt_bdz_open(&m, packed, len), 0);
    for (size_t cut = 4; cut < len; cut += (cut < 64 ? 1 : 97))
        assert_int_equal(rt_bdz_open(&m, packed, cut), -1);
    uint8_t *bad = xmalloc(len);
    static const struct {
        size_t off;
        uint32_t val;
    } edits[] = {{4, 1}, {12, 0}, {12, 0x7fffffffu}, {16, 0}, {16, 0xffffffffu}};
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; e++) {
        memcpy(bad, packed, len);
        memcpy(bad + edits[e].off, &edits[e].val, 4);
        assert_int_equal(rt_bdz_open(&m, bad, len), -1);
    }
    /* b outside 3..10 */
    uint32_t rts;
    memcpy(&rts, packed + 16, 4);
    memcpy(bad, packed, len);
    bad[20 + 4 * rts] = 2;
    assert_int_equal(rt_bdz_open(&m, bad, len), -1);
    /* a section without the magic, or too short */
    rt_mphf_t s;
    assert_int_equal(rt_mphf_open(&s, packed, len), -1);
    assert_int_equal(rt_mphf_open(&s, packed, 3), -1);
    free(bad);
    free(packed);
    free_keys(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compiler_function),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_bdz_block_sizes),
        cmocka_unit_test(test_chd_passthrough),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
