/* rt_mphf.h -- the name -> node-slot function: a 64-bit digest, then cmph's BDZ read inline
 * SPDX-License-Identifier: MIT
 *
 * THE SECTION (rt.h mphf_off/mphf_len, written by compiler/mphf.c):
 *
 *   "ZDG1" | digest seed (uint32 LE) | cmph_pack() bytes, over the digests
 *
 * The keys cmph is built over are not the names but their 8-byte digests
 * rt_mphf_digest(seed, name) (little-endian): cmph's Jenkins hash then
 * always sees 8 bytes, one mixing round instead of one per 12 bytes of
 * name, and the digest reads the name 8 bytes at a time. The compiler
 * picks the digest seed so that no two names share a digest (a different
 * seed when they do, which practically never happens), so the function is
 * still minimal and perfect over the names. As before, a name outside the
 * set maps to an arbitrary slot: callers compare the name stored there.
 *
 * cmph_search_packed() walks a generic dispatch (algorithm, hash type,
 * three calls) and hashes byte by byte; for BDZ, the algorithm the compiler
 * tries first, rt_bdz_*() below evaluate cmph's packed bytes inline and
 * return exactly the value cmph_search_packed() returns for every key
 * (tests/unit/test_mphf_rt.c checks every key of many sets and millions of
 * non-keys against cmph). Other algorithms (the CHD fallback) go to cmph.
 *
 * What cmph 2.0's packed BDZ holds (all uint32 little-endian, unaligned):
 *
 *   algo (CMPH_BDZ = 5) | hash type (CMPH_HASH_JENKINS = 0) | Jenkins seed |
 *   r | ranktablesize | ranktable[ranktablesize] | b (1 byte) | g[ceil(3r / 4)]
 *
 * Lookup of key k: Bob Jenkins' 1996 hash ("lookup2": a = b = 0x9e3779b9,
 * c = seed; 12-byte blocks read as three little-endian words and mixed; c +=
 * length; the last 0..11 bytes added to a, b and c << 8; a final mix) gives
 * the words h0, h1, h2; the three vertices are v_i = h_i mod r + i * r;
 * g holds one 2-bit value per vertex (3 = unassigned); the chosen vertex is
 * v_j with j = (g[v0] + g[v1] + g[v2]) mod 3; the result is its rank, the
 * number of assigned vertices below it: ranktable[v >> b] counts those
 * below the block start (v >> b) << b, the rest are counted in g.
 *
 * The open functions check every size against the section length, so a
 * lookup never reads outside it even when the bytes are corrupt.
 */
#ifndef ZONEC_RT_MPHF_H
#define ZONEC_RT_MPHF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The lookup is a few dozen instructions on the packet path: inlined always. */
#define RT_MPHF_INLINE static inline __attribute__((always_inline))

#define RT_MPHF_MAGIC 0x3147445au /* "ZDG1" little-endian */
#define RT_MPHF_HDR_LEN 8u        /* magic + digest seed; cmph's bytes follow */

/* Bytes a key must be followed by (readable, any value) for the lookups
 * below: the last word or block of a key is read whole and masked. */
#define RT_MPHF_KEY_PAD 12u

/* cmph's packed BDZ, read in place. */
typedef struct rt_bdz {
    const uint8_t *g;        /* 2-bit values, 4 per byte, low bits first */
    const uint8_t *rank;     /* ranktable (uint32 LE, maybe unaligned) */
    uint64_t r_inv;          /* UINT64_MAX / r + 1: x mod r by multiplication */
    uint32_t r;              /* vertices per part (n = 3r) */
    uint32_t seed;           /* Jenkins seed */
    uint8_t b;               /* rank block = 2^b vertices */
    uint8_t b3;              /* b = 3 and a byte after g: 16-bit rank read */
    uint8_t b5;              /* b = 5 and 7 bytes after g: 64-bit rank read */
} rt_bdz_t;

/* The section, opened. */
typedef struct rt_mphf {
    rt_bdz_t bdz;
    const void *cmph;        /* cmph_pack() bytes */
    uint32_t dseed;          /* digest seed */
    uint8_t inline_bdz;      /* 1: rt_bdz_*(); 0: cmph_search_packed() */
} rt_mphf_t;

/* Reads cmph_pack() bytes (len of them).
 * Returns: 0 for a BDZ function with Jenkins hashing, 1 for another
 * algorithm, -1 when a BDZ header is cut short by `len` or inconsistent. */
int rt_bdz_open(rt_bdz_t *m, const void *packed, size_t len);

/* Opens a whole MPHF section (the layout above).
 * Returns: 0, or -1 when the header or a BDZ function is malformed. */
int rt_mphf_open(rt_mphf_t *m, const void *section, size_t len);

/* cmph_search_packed() over the digest, for the non-BDZ case (rt_mphf.c). */
uint32_t rt_mphf_lookup_cmph(const rt_mphf_t *m, uint64_t digest);

static inline uint32_t rt_mphf_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v; /* little-endian hosts only (db.c) */
}

/* The digest of key[0..len) (bytes up to len + 8 readable): 8-byte words,
 * the last one zero-padded, each folded in by xor, multiply, xor-shift.
 * Every step is a bijection of the state for a fixed word, so two keys of
 * the same length that differ in one word never collide. */
#define RT_MPHF_DIGEST_K 0x9e3779b97f4a7c15ull

/* The digest's steps, for callers that produce the key a word at a time
 * (query.c lowercases and digests the qname in one pass): the state for a
 * key of len bytes; one 8-byte word folded in; the mask of the last word. */
RT_MPHF_INLINE uint64_t rt_mphf_digest_init(uint32_t seed, uint32_t len)
{
    return ((uint64_t)seed << 32 | len) * RT_MPHF_DIGEST_K;
}

RT_MPHF_INLINE uint64_t rt_mphf_digest_word(uint64_t h, uint64_t w)
{
    h = (h ^ w) * RT_MPHF_DIGEST_K;
    return h ^ (h >> 29);
}

RT_MPHF_INLINE uint64_t rt_mphf_digest_mask(uint32_t rem) /* rem = 1..7 bytes */
{
    return (1ull << (8 * rem)) - 1;
}

RT_MPHF_INLINE uint64_t rt_mphf_digest(uint32_t seed, const uint8_t *key, uint32_t len)
{
    uint64_t h = rt_mphf_digest_init(seed, len);
    uint32_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = rt_mphf_digest_word(h, w);
    }
    if (i < len) {
        uint64_t w;
        memcpy(&w, key + i, 8);
        h = rt_mphf_digest_word(h, w & rt_mphf_digest_mask(len - i));
    }
    return h;
}

#define RT_MPHF_MIX(a, b, c)                                                                       \
    do {                                                                                           \
        a -= b; a -= c; a ^= (c >> 13);                                                           \
        b -= c; b -= a; b ^= (a << 8);                                                            \
        c -= a; c -= b; c ^= (b >> 13);                                                           \
        a -= b; a -= c; a ^= (c >> 12);                                                           \
        b -= c; b -= a; b ^= (a << 16);                                                           \
        c -= a; c -= b; c ^= (b >> 5);                                                            \
        a -= b; a -= c; a ^= (c >> 3);                                                            \
        b -= c; b -= a; b ^= (a << 10);                                                           \
        c -= a; c -= b; c ^= (b >> 15);                                                           \
    } while (0)

/* x mod r for 32-bit x by two multiplications (Lemire, Kaser, Kurz 2019:
 * with r_inv = floor((2^64 - 1) / r) + 1 this is exact for all x, r < 2^32). */
RT_MPHF_INLINE uint32_t rt_bdz_mod(uint32_t x, uint64_t r_inv, uint32_t r)
{
    uint64_t low = r_inv * x;
    return (uint32_t)(((unsigned __int128)low * r) >> 64);
}

/* Assigned (!= 3) 2-bit values among the lowest `pairs` (0..32) of w. */
RT_MPHF_INLINE uint32_t rt_bdz_assigned(uint64_t w, unsigned pairs)
{
    uint64_t three = w & (w >> 1) & 0x5555555555555555ull;
    if (pairs < 32)
        three &= (1ull << (2 * pairs)) - 1;
    /* popcount of bits at even positions only */
    three = (three & 0x3333333333333333ull) + ((three >> 2) & 0x3333333333333333ull);
    three = (three + (three >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return pairs - (uint32_t)((three * 0x0101010101010101ull) >> 56);
}

/* The three vertices of Jenkins' result words a, b, c (v[i] in part i). */
RT_MPHF_INLINE void rt_bdz_vertices(const rt_bdz_t *m, uint32_t a, uint32_t b, uint32_t c,
                                    uint32_t v[3])
{
    uint32_t r = m->r;
    v[0] = rt_bdz_mod(a, m->r_inv, r);
    v[1] = rt_bdz_mod(b, m->r_inv, r) + r;
    v[2] = rt_bdz_mod(c, m->r_inv, r) + 2 * r;
}

/* Asks the cache for the g bytes of the vertices v[0..2], which
 * rt_bdz_rank() reads first (the rank-table word it reads then lies in a
 * table half the size of g with b = 5: prefetching it too measured no
 * faster at 1M names and cost ~28 instructions a query). For a caller with
 * several keys at hand (query.c's batches): vertices and prefetches for
 * all of them first, then the ranks, so the misses overlap. */
RT_MPHF_INLINE void rt_bdz_prefetch(const rt_bdz_t *m, const uint32_t v[3])
{
    for (int i = 0; i < 3; i++) {
        __builtin_prefetch(m->g + (v[i] >> 2));
    }
}

/* The BDZ value of the key whose vertices are v[0..2]. */
RT_MPHF_INLINE uint32_t rt_bdz_rank(const rt_bdz_t *m, const uint32_t vv[3])
{
    const uint8_t *g = m->g;
    uint32_t v0 = vv[0], v1 = vv[1], v2 = vv[2];
    unsigned s = ((g[v0 >> 2] >> ((v0 & 3) << 1)) & 3) + ((g[v1 >> 2] >> ((v1 & 3) << 1)) & 3) +
                 ((g[v2 >> 2] >> ((v2 & 3) << 1)) & 3);
    /* s in 0..9; s mod 3 selects the vertex */
    uint32_t v = s % 3 == 0 ? v0 : s % 3 == 1 ? v1 : v2;

    if (m->b3) { /* the block is the 2 bytes at 2 * (v >> 3); g[glen] is readable */
        uint16_t w16;
        memcpy(&w16, g + 2 * (v >> 3), 2);
        return rt_mphf_le32(m->rank + 4u * (v >> 3)) + rt_bdz_assigned(w16, v & 7);
    }
    if (m->b5) { /* the block is the aligned 8 bytes holding g[v >> 2]: the same line */
        uint64_t w64;
        memcpy(&w64, g + 8 * (v >> 5), 8);
        return rt_mphf_le32(m->rank + 4u * (v >> 5)) + rt_bdz_assigned(w64, v & 31);
    }
    uint32_t blk = v >> m->b;
    uint32_t rank = rt_mphf_le32(m->rank + 4u * blk);
    uint32_t i = (blk << m->b) >> 2; /* first byte of the block */
    uint32_t e = v >> 2;             /* byte holding v */
    for (; e - i >= 8; i += 8) {
        uint64_t w;
        memcpy(&w, g + i, 8);
        rank += rt_bdz_assigned(w, 32);
    }
    /* bytes i..e-1 whole, then the values of byte e below v */
    uint64_t w = 0;
    for (uint32_t j = i; j <= e; j++)
        w |= (uint64_t)g[j] << (8 * (j - i));
    return rank + rt_bdz_assigned(w, 4 * (e - i) + (v & 3));
}

/* The BDZ value for Jenkins' result words a, b, c. */
RT_MPHF_INLINE uint32_t rt_bdz_slot(const rt_bdz_t *m, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t v[3];
    rt_bdz_vertices(m, a, b, c, v);
    return rt_bdz_rank(m, v);
}

/* cmph_search_packed() of a BDZ function for key[0..len) (bytes up to
 * len + RT_MPHF_KEY_PAD readable). */
static inline uint32_t rt_bdz_lookup(const rt_bdz_t *m, const uint8_t *key, uint32_t len)
{
    uint32_t a = 0x9e3779b9u, b = 0x9e3779b9u, c = m->seed;
    const uint8_t *k = key;
    uint32_t rem = len;
    while (rem >= 12) {
        a += rt_mphf_le32(k);
        b += rt_mphf_le32(k + 4);
        c += rt_mphf_le32(k + 8);
        RT_MPHF_MIX(a, b, c);
        k += 12;
        rem -= 12;
    }
    c += len;
    if (rem) {
        uint64_t lo;
        memcpy(&lo, k, 8);
        uint32_t hi = rt_mphf_le32(k + 8);
        if (rem < 8)
            lo &= (1ull << (8 * rem)) - 1;
        hi = rem > 8 ? hi & ((1u << (8 * (rem - 8))) - 1) : 0;
        a += (uint32_t)lo;
        b += (uint32_t)(lo >> 32);
        c += hi << 8; /* the low byte of c holds the length */
    }
    RT_MPHF_MIX(a, b, c);
    return rt_bdz_slot(m, a, b, c);
}

/* The same for the 8-byte key d (little-endian): Jenkins' short path. */
RT_MPHF_INLINE uint32_t rt_bdz_lookup8(const rt_bdz_t *m, uint64_t d)
{
    uint32_t a = 0x9e3779b9u + (uint32_t)d, b = 0x9e3779b9u + (uint32_t)(d >> 32);
    uint32_t c = m->seed + 8;
    RT_MPHF_MIX(a, b, c);
    return rt_bdz_slot(m, a, b, c);
}

/* The vertices of the 8-byte key d (Jenkins' short path). */
RT_MPHF_INLINE void rt_bdz_vertices8(const rt_bdz_t *m, uint64_t d, uint32_t v[3])
{
    uint32_t a = 0x9e3779b9u + (uint32_t)d, b = 0x9e3779b9u + (uint32_t)(d >> 32);
    uint32_t c = m->seed + 8;
    RT_MPHF_MIX(a, b, c);
    rt_bdz_vertices(m, a, b, c, v);
}

/* The slot of the name whose digest (m->dseed) is d. */
RT_MPHF_INLINE uint32_t rt_mphf_lookup_digest(const rt_mphf_t *m, uint64_t d)
{
    if (!m->inline_bdz)
        return rt_mphf_lookup_cmph(m, d);
    return rt_bdz_lookup8(&m->bdz, d);
}

/* The slot of name key[0..len) (bytes up to len + RT_MPHF_KEY_PAD readable).
 * For names outside the set: an arbitrary value, maybe >= the name count. */
RT_MPHF_INLINE uint32_t rt_mphf_lookup(const rt_mphf_t *m, const uint8_t *key, uint32_t len)
{
    return rt_mphf_lookup_digest(m, rt_mphf_digest(m->dseed, key, len));
}

#endif
