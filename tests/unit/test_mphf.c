/* test_mphf.c -- unit tests for compiler/mphf.c (cmph over binary keys)
 * SPDX-License-Identifier: MIT
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

/* n distinct wire names "\x04hNNN\x07example\x03com\x00"-like, with zero
 * bytes inside the labels too, so a string adapter would cut them. */
typedef struct keyset {
    uint8_t **keys;
    uint8_t *lens;
    uint32_t n;
} keyset_t;

static keyset_t make_keys(uint32_t n)
{
    keyset_t k = {xmalloc(n * sizeof *k.keys), xmalloc(n), n};
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = k.keys[i] = xmalloc(32);
        p[0] = 6;
        p[1] = 'h';
        p[2] = 0; /* a zero byte inside the label */
        memcpy(p + 3, &i, 4);
        memcpy(p + 7, "\7example\3com", 12);
        p[19] = 0;
        k.lens[i] = 20;
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

static void check_n(uint32_t n)
{
    keyset_t k = make_keys(n);
    uint8_t *packed = NULL;
    size_t plen = 0;
    uint32_t *slots = xmalloc(n * sizeof *slots);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, n, 42, &packed, &plen, slots), 0);
    assert_non_null(packed);
    assert_true(plen > 0);
    assert_int_equal(plen % 8, 0);
    uint8_t *seen = xcalloc(n, 1);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = mphf_lookup(packed, k.keys[i], k.lens[i]);
        assert_true(s < n);
        assert_int_equal(s, slots[i]);
        assert_false(seen[s]);
        seen[s] = 1;
    }
    free(seen);
    free(slots);
    free(packed);
    free_keys(&k);
}

static void test_tiny(void **state)
{
    (void)state;
    check_n(1);
    check_n(2);
    check_n(3);
}

static void test_1000(void **state)
{
    (void)state;
    check_n(1000);
}

static void test_100000(void **state)
{
    (void)state;
    check_n(100000);
}

/* Non-keys give arbitrary values (possibly >= n) but never crash. */
static void test_non_keys(void **state)
{
    (void)state;
    keyset_t k = make_keys(1000);
    uint8_t *packed;
    size_t plen;
    uint32_t *slots = xmalloc(1000 * sizeof *slots);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, 1000, 7, &packed, &plen, slots), 0);
    uint64_t x = 88172645463325252ull;
    uint8_t buf[255];
    uint32_t above = 0;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = 1 + (size_t)(x % 254);
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)(x >> (j % 56));
        uint32_t s = mphf_lookup(packed, buf, len);
        above += s >= 1000;
    }
    (void)above; /* any value is allowed; reaching here means no crash */
    free(slots);
    free(packed);
    free_keys(&k);
}

/* Same keys and seed => same bytes (reproducible builds). */
static void test_deterministic(void **state)
{
    (void)state;
    keyset_t k = make_keys(5000);
    uint8_t *p1, *p2;
    size_t l1, l2;
    uint32_t *s1 = xmalloc(5000 * sizeof *s1), *s2 = xmalloc(5000 * sizeof *s2);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, 5000, 99, &p1, &l1, s1), 0);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, 5000, 99, &p2, &l2, s2), 0);
    assert_int_equal(l1, l2);
    assert_memory_equal(p1, p2, l1);
    assert_memory_equal(s1, s2, 5000 * sizeof *s1);
    free(p1);
    free(p2);
    free(s1);
    free(s2);
    free_keys(&k);
}

/* The cheapest lookup is chosen (mphf.c): BDZ with a rank block of 2^3.
 * cmph_pack() starts with the algorithm; BDZ's packed body then holds the
 * hash type, the hash state and r, ranktablesize, the rank table and b. */
static void test_algorithm_bdz(void **state)
{
    (void)state;
    keyset_t k = make_keys(1000);
    uint8_t *packed = NULL;
    size_t plen = 0;
    uint32_t *slots = xmalloc(1000 * sizeof *slots);
    assert_int_equal(mphf_build((const uint8_t *const *)k.keys, k.lens, 1000, 7, &packed, &plen, slots), 0);
    uint32_t algo; /* after the digest header (runtime/rt_mphf.h) */
    memcpy(&algo, packed + RT_MPHF_HDR_LEN, 4);
    assert_int_equal(algo, CMPH_BDZ);
    free(slots);
    free(packed);
    free_keys(&k);
}

static void test_zero_keys(void **state)
{
    (void)state;
    uint8_t *p = NULL;
    size_t l = 0;
    assert_int_equal(mphf_build(NULL, NULL, 0, 1, &p, &l, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_1000),
        cmocka_unit_test(test_100000),
        cmocka_unit_test(test_non_keys),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_zero_keys),
        cmocka_unit_test(test_algorithm_bdz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
