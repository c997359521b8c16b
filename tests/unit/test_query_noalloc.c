/* test_query_noalloc.c -- the packet path allocates nothing (STYLE §5, SPEC §6)
 * SPDX-License-Identifier: MIT
 *
 * This program defines malloc, calloc, realloc and free itself; the dynamic
 * linker resolves every caller (the runtime, libcmph, libc) to these, which
 * count calls while `g_counting` is set and forward to glibc's __libc_*.
 * That is the -Wl,--wrap=malloc idea, but it also catches calls from shared
 * libraries and needs no special link line. Under AddressSanitizer, whose
 * runtime owns malloc, the test is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "test_query_blob.h"

#if defined(__SANITIZE_ADDRESS__)
#define NOALLOC_SKIP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NOALLOC_SKIP 1
#endif
#endif

static volatile int g_counting;
static volatile unsigned long g_calls;

#ifndef NOALLOC_SKIP
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

void *malloc(size_t n)
{
    if (g_counting)
        g_calls++;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t s)
{
    if (g_counting)
        g_calls++;
    return __libc_calloc(n, s);
}

void *realloc(void *p, size_t n)
{
    if (g_counting)
        g_calls++;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    if (g_counting && p)
        g_calls++;
    __libc_free(p);
}
#endif

static uint64_t rs = 0x243f6a8885a308d3ull;
static __attribute__((unused)) uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static __attribute__((unused)) size_t make_query(uint8_t *b, const char *name, uint16_t type, int edns)
{
    size_t n = 12;
    memset(b, 0, 12);
    b[1] = 0x42;
    b[2] = 0x01;
    b[5] = 1;
    b[11] = (uint8_t)(edns ? 1 : 0);
    n += (size_t)tb_wire(b + n, name);
    wire_write_u16(b + n, type);
    wire_write_u16(b + n + 2, 1);
    n += 4;
    if (edns) {
        memcpy(b + n, "\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00", 11);
        n += 11;
    }
    return n;
}

static void test_noalloc(void **state)
{
    (void)state;
#ifdef NOALLOC_SKIP
    skip();
#else
    size_t blen;
    uint8_t *blob = tb_example(&blen);
    rt_db_t db;
    assert_int_equal(rt_db_open(&db, blob, blen), 0);
    rt_ctx_t ctx = {.db = &db, .rng = 1};
    static uint8_t buf[65536];
    static uint8_t queries[16][600];
    size_t qlen[16];
    const char *names[8] = {"www.example.com.", "a.sub.example.com.", "x.y.wild.example.com.",
                            "mx.example.com.", "nope.example.com.", "big.example.com.",
                            "alias.example.com.", "example.org."};
    for (int i = 0; i < 16; i++)
        qlen[i] = make_query(queries[i], names[i % 8], (uint16_t)(i < 8 ? 1 : 15), i & 1);
    rt_peer_t peer = {.family = 4};
    size_t total = 0;

    g_calls = 0;
    g_counting = 1;
    for (int it = 0; it < 100000; it++) {
        int k = it % 16;
        size_t len = qlen[k];
        memcpy(buf, queries[k], len);
        if (it % 5 == 4) { /* and some garbage */
            len = rnd() % 300;
            for (size_t i = 0; i < len; i++)
                buf[i] = (uint8_t)rnd();
            if (len > 2)
                buf[2] &= 0x7f;
        }
        peer.tcp = (uint8_t)(it & 1);
        total += rt_query_process(&ctx, buf, len, sizeof buf, &peer);
    }
    /* the batch path too (rt_query_process_batch, net.c's UDP loop) */
    static uint8_t bufs[32][4096];
    for (int it = 0; it < 3000; it++) {
        rt_qitem_t items[32];
        unsigned b = 1 + (unsigned)(rnd() % 32);
        for (unsigned i = 0; i < b; i++) {
            int k = (int)(rnd() % 16);
            memcpy(bufs[i], queries[k], qlen[k]);
            items[i].buf = bufs[i];
            items[i].len = qlen[k];
            memset(&items[i].peer, 0, sizeof items[i].peer);
            items[i].peer.family = 4;
        }
        rt_query_process_batch(&ctx, items, b, sizeof bufs[0]);
        for (unsigned i = 0; i < b; i++)
            total += items[i].len;
    }
    g_counting = 0;
    assert_int_equal(g_calls, 0);
    assert_true(total > 0);

    /* the counter works: a malloc while counting is seen */
    g_counting = 1;
    void *volatile p = malloc(16);
    g_counting = 0;
    assert_int_equal(g_calls, 1);
    free(p);
    free(blob);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_noalloc)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
