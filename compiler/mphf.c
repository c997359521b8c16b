/* mphf.c -- minimal perfect hash over byte-string keys, built with cmph (see mphf.h)
 * SPDX-License-Identifier: MIT
 *
 * Keys reach cmph through our own io adapter because wire names contain zero
 * bytes. cmph draws its hash seeds from rand(), so srand() before every
 * cmph_new() makes the packed bytes a function of (keys, seed) only.
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
static int try_build(struct key_src *src, CMPH_ALGO algo, uint32_t seed, uint8_t **packed,
                     size_t *packed_len, uint32_t *slots)
{
    cmph_io_adapter_t io = {src, src->n, src_read, src_dispose, src_rewind};
    src->pos = 0;
    srand(seed);
    cmph_config_t *cfg = cmph_config_new(&io);
    cmph_config_set_algo(cfg, algo);
    cmph_config_set_verbosity(cfg, 0);
    if (algo == CMPH_BDZ)
        cmph_config_set_graphsize(cfg, 1.23);
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
    static const CMPH_ALGO algos[] = {CMPH_CHD, CMPH_BDZ};
    for (unsigned a = 0; a < 2; a++)
        for (uint32_t i = 0; i < MPHF_TRIES; i++)
            if (try_build(&src, algos[a], seed + i, packed, packed_len, slots) == 0)
                return 0;
    return -1;
}

uint32_t mphf_lookup(const void *packed, const uint8_t *key, size_t len)
{
    return cmph_search_packed((void *)packed, (const char *)key, (cmph_uint32)len);
}
