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
 *
 * ABI 4: b = 5 instead of 3. The runtime reads a rank block as the one
 * aligned 8-byte word of g that holds the vertex's own 2 bits (the same
 * cache line), so the cost per lookup is the same as with b = 3, but the
 * rank table is 4 times smaller (1M-record bench zone: 107 KB instead of
 * 427 KB, beside 214 KB of g), which keeps more of the function in the
 * core's cache between queries. The values (ranks) do not depend on b.
 *
 * Since ABI 3 cmph is built over 8-byte digests of the names, not the names
 * (runtime/rt_mphf.h: the section starts with "ZDG1" and the digest seed):
 * Jenkins then costs one mixing round per lookup instead of one per 12
 * bytes, and the runtime evaluates BDZ inline. BDZ b = 3 lookup of the
 * 100k-record bench zone's names under callgrind: ~250 Ir through cmph on
 * the names, ~150 inline on the names, ~110 inline on the digests (digest
 * included). A digest seed under which two names collide is skipped.
 */
#include "mphf.h"

#include <cmph.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "rt_mphf.h"

#define MPHF_TRIES 16
#define DIGEST_TRIES 8

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

int mphf_cmph_build(const uint8_t *const *keys, const uint8_t *lens, uint32_t n, int algo, int b,
                    uint32_t seed, uint8_t **packed, size_t *size)
{
    struct key_src src = {keys, lens, n, 0};
    cmph_io_adapter_t io = {&src, n, src_read, src_dispose, src_rewind};
    srand(seed);
    cmph_config_t *cfg = cmph_config_new(&io);
    cmph_config_set_algo(cfg, (CMPH_ALGO)algo);
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
    uint8_t *buf = xcalloc(1, (size_t)sz + 16);
    cmph_pack(h, buf);
    cmph_destroy(h);
    *packed = buf;
    *size = sz;
    return 0;
}

/* One construction attempt with a given algorithm and seed, verified. */
static int try_build(struct key_src *src, CMPH_ALGO algo, int b, uint32_t seed,
                     uint8_t **packed, size_t *packed_len, uint32_t *slots)
{
    uint8_t *buf;
    size_t sz;
    if (mphf_cmph_build(src->keys, src->lens, src->n, algo, b, seed, &buf, &sz) != 0)
        return -1;
    if (!verify(buf, src->keys, src->lens, src->n, slots)) {
        free(buf);
        return -1;
    }
    /* Rounded up to 8 so the blob stays aligned; the tail is zeroed and at
     * least 7 bytes long (rt_bdz_open(): with b = 5 the rank reads 8 bytes
     * of g, with b = 3 two). */
    *packed = buf;
    *packed_len = (sz + 7 + 7) & ~(size_t)7;
    return 0;
}

/* The digest of one name (rt_mphf_digest() reads whole words: copy first). */
static uint64_t digest_of(uint32_t dseed, const uint8_t *key, size_t len)
{
    uint8_t tmp[256 + RT_MPHF_KEY_PAD];
    if (len > 256)
        len = 256; /* not a wire name: any digest will do (lookups only) */
    memcpy(tmp, key, len);
    return rt_mphf_digest(dseed, tmp, (uint32_t)len);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* cmph over the digests; on success prepends the section header. */
static int build_digests(const uint8_t *const *dkeys, const uint8_t *dlens, uint32_t n,
                         uint32_t seed, uint32_t dseed, uint8_t **packed, size_t *packed_len,
                         uint32_t *slots)
{
    struct key_src src = {dkeys, dlens, n, 0};
    static const struct {
        CMPH_ALGO algo;
        int b; /* BDZ rank block 2^b; 0 = cmph's default */
    } order[] = {{CMPH_BDZ, 5}, {CMPH_CHD, 0}, {CMPH_BDZ, 0}};
    for (unsigned a = 0; a < sizeof order / sizeof order[0]; a++)
        for (uint32_t i = 0; i < MPHF_TRIES; i++) {
            uint8_t *body;
            size_t blen;
            if (try_build(&src, order[a].algo, order[a].b, seed + i, &body, &blen, slots) != 0)
                continue;
            uint8_t *out = xcalloc(1, RT_MPHF_HDR_LEN + blen);
            uint32_t magic = RT_MPHF_MAGIC;
            memcpy(out, &magic, 4);
            memcpy(out + 4, &dseed, 4);
            memcpy(out + RT_MPHF_HDR_LEN, body, blen);
            free(body);
            *packed = out;
            *packed_len = RT_MPHF_HDR_LEN + blen;
            return 0;
        }
    return -1;
}

int mphf_build(const uint8_t *const *keys, const uint8_t *lens, uint32_t n, uint32_t seed,
               uint8_t **packed, size_t *packed_len, uint32_t *slots)
{
    if (n == 0)
        return -1;
    /* Tiny sets (n = 1..3) sometimes fail a try; the next seed works. */
    uint8_t *dig = xmalloc((size_t)n * 8);
    uint8_t *dlens = xmalloc(n);
    const uint8_t **dkeys = xmalloc((size_t)n * sizeof *dkeys);
    uint64_t *sorted = xmalloc((size_t)n * sizeof *sorted);
    int rc = -1;
    for (uint32_t t = 0; t < DIGEST_TRIES && rc != 0; t++) {
        uint32_t dseed = seed + t;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t d = digest_of(dseed, keys[i], lens[i]);
            memcpy(dig + 8 * (size_t)i, &d, 8); /* little-endian, as the runtime reads it */
            sorted[i] = d;
            dkeys[i] = dig + 8 * (size_t)i;
            dlens[i] = 8;
        }
        qsort(sorted, n, sizeof *sorted, cmp_u64);
        int dup = 0;
        for (uint32_t i = 1; i < n && !dup; i++)
            dup = sorted[i] == sorted[i - 1];
        if (!dup)
            rc = build_digests(dkeys, dlens, n, seed, dseed, packed, packed_len, slots);
    }
    free(sorted);
    free(dkeys);
    free(dlens);
    free(dig);
    return rc;
}

uint32_t mphf_lookup(const void *packed, const uint8_t *key, size_t len)
{
    const uint8_t *p = packed;
    uint32_t dseed;
    memcpy(&dseed, p + 4, 4);
    uint64_t d = digest_of(dseed, key, len);
    uint8_t dk[8];
    memcpy(dk, &d, 8);
    return cmph_search_packed((void *)(p + RT_MPHF_HDR_LEN), (const char *)dk, 8);
}
