/* mphf.c -- minimal perfect hash over byte-string keys, built with cmph (see mphf.h)
 * SPDX-License-Identifier: MIT
 *
 * Keys reach cmph through our own io adapter because wire names contain zero
 * bytes. cmph draws its hash seeds from rand(), so srand() before every
 * cmph_new() makes the packed bytes a function of (keys, seed) only.
 *
 * Algorithm order, by the cost of cmph_search_packed() (callgrind, names of
 * the 100k-record bench zone, 71k keys; build time of the 1M-record zone's
 * 696k keys, not under valgrind):
 *   BDZ, rank block 2^3   ~427 Ir per lookup  7.4 bits/key  0.73 s
 *   BDZ, rank block 2^4    434                4.9           0.55 s
 *   BDZ, default 2^7       520                2.8           0.74 s
 *   BMZ                    575                37            1.8 s (71k keys)
 *   CHM                    580                67            1.1 s (71k keys)
 *   FCH                    612                4.9           48 s (71k keys)
 *   CHD                    904                4.2           0.14 s
 * The Jenkins hash (one pass, ~250 Ir for a 20-byte name) is common to all;
 * the rest is BDZ's rank: a smaller rank block means fewer bytes to count.
 * So: BDZ with b = 3 first; CHD, then BDZ with cmph's default b, as
 * fallbacks (tiny sets occasionally fail a BDZ try).
 */
#include "mphf.h"

#include <cmph.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define MPHF_TRIES 16

struct key_src {
    const uint8_t *const *keys;
    const uint8_t *lens;
    uint32_t n, pos;
};

/* cmph only reads the keys it is given (as its own vector adapter shows),
 * so we lend the caller's bytes and dispose is a no-op. */
static int src_read(void *data, char **key, cmph_uint32 *len)
{
    struct key_src *s = data;
    uint32_t i = s->pos++ % s->n;
    *key = (char *)(uintptr_t)s->keys[i];
    *len = s->lens[i];
    return (int)s->lens[i];
}

static void src_dispose(void *data, char *key, cmph_uint32 len)
{
    (void)data;
    (void)key;
    (void)len;
}

static void src_rewind(void *data)
{
    ((struct key_src *)data)->pos = 0;
}

/* Checks that the packed function maps the keys onto 0..n-1 exactly once. */
static int verify(void *packed, const uint8_t *const *keys, const uint8_t *lens, uint32_t n,
                  uint32_t *slots)
{
    uint8_t *seen = xcalloc(n, 1);
    int ok = 1;
    for (uint32_t i = 0; i < n && ok; i++) {
        uint32_t s = cmph_search_packed(packed, (const char *)keys[i], lens[i]);
        if (s >= n || seen[s])
            ok = 0;
        else {
            seen[s] = 1;
            slots[i] = s;
        }
    }
    free(seen);
    return ok;
}

/* One construction attempt with a given algorithm and seed. */
static int try_build(struct key_src *src, CMPH_ALGO algo, int b, uint32_t seed,
                     uint8_t **packed, size_t *packed_len, uint32_t *slots)
{
    cmph_io_adapter_t io = {src, src->n, src_read, src_dispose, src_rewind};
    src->pos = 0;
    srand(seed);
    cmph_config_t *cfg = cmph_config_new(&io);
    cmph_config_set_algo(cfg, algo);
    cmph_config_set_verbosity(cfg, 0);
    if (algo == CMPH_BDZ)
        cmph_config_set_graphsize(cfg, 1.23);
    if (b > 0)
        cmph_config_set_b(cfg, (cmph_uint32)b);
    cmph_t *h = cmph_new(cfg);
    cmph_config_destroy(cfg);
    if (!h)
        return -1;
    cmph_uint32 sz = cmph_packed_size(h);
    if (sz == 0) {
        cmph_destroy(h);
        return -1;
    }
    /* Round up to 8 so the blob stays aligned; the tail is zeroed. */
    size_t cap = ((size_t)sz + 7) & ~(size_t)7;
    uint8_t *buf = xcalloc(1, cap);
    cmph_pack(h, buf);
    cmph_destroy(h);
    if (!verify(buf, src->keys, src->lens, src->n, slots)) {
        free(buf);
        return -1;
    }
    *packed = buf;
    *packed_len = cap;
    return 0;
}

int mphf_build(const uint8_t *const *keys, const uint8_t *lens, uint32_t n, uint32_t seed,
               uint8_t **packed, size_t *packed_len, uint32_t *slots)
{
    if (n == 0)
        return -1;
    /* Tiny sets (n = 1..3) sometimes fail a try; the next seed works. */
    struct key_src src = {keys, lens, n, 0};
    static const struct {
        CMPH_ALGO algo;
        int b; /* BDZ rank block 2^b; 0 = cmph's default */
    } order[] = {{CMPH_BDZ, 3}, {CMPH_CHD, 0}, {CMPH_BDZ, 0}};
    for (unsigned a = 0; a < sizeof order / sizeof order[0]; a++)
        for (uint32_t i = 0; i < MPHF_TRIES; i++)
            if (try_build(&src, order[a].algo, order[a].b, seed + i, packed, packed_len,
                          slots) == 0)
                return 0;
    return -1;
}

uint32_t mphf_lookup(const void *packed, const uint8_t *key, size_t len)
{
    return cmph_search_packed((void *)packed, (const char *)key, (cmph_uint32)len);
}
