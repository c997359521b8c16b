/* rt_mphf.c -- open the MPHF section and cmph's packed BDZ (rt_mphf.h)
 * SPDX-License-Identifier: MIT
 */
#include "rt_mphf.h"

#include <cmph.h>

/* cmph_types.h: CMPH_BDZ = 5, CMPH_HASH_JENKINS = 0 (packed as uint32). */
#define PACKED_BDZ 5u
#define PACKED_JENKINS 0u

int rt_bdz_open(rt_bdz_t *m, const void *packed, size_t len)
{
    const uint8_t *p = packed;
    memset(m, 0, sizeof *m);
    if (len < 4 || rt_mphf_le32(p) != PACKED_BDZ)
        return 1; /* another algorithm: cmph evaluates it */
    /* algo, hash type, seed, r, ranktablesize, then the table, b and g */
    if (len < 20 || rt_mphf_le32(p + 4) != PACKED_JENKINS)
        return -1;
    uint32_t seed = rt_mphf_le32(p + 8), r = rt_mphf_le32(p + 12), rts = rt_mphf_le32(p + 16);
    if (r == 0 || r > UINT32_MAX / 3)
        return -1;
    uint64_t rank_end = 20 + 4ull * rts;
    if (rank_end + 1 > len)
        return -1;
    uint8_t b = p[rank_end];
    uint64_t n = 3ull * r, glen = (n + 3) / 4;
    /* cmph keeps b in 3..10; the rank table has one entry per 2^b vertices */
    if (b < 3 || b > 10 || rts != (n + (1ull << b) - 1) >> b || rank_end + 1 + glen > len)
        return -1;
    m->g = p + rank_end + 1;
    m->rank = p + 20;
    m->r = r;
    m->r_inv = UINT64_MAX / r + 1;
    m->seed = seed;
    m->b = b;
    m->b3 = b == 3 && rank_end + 1 + glen + 1 <= len;
    m->b5 = b == 5 && rank_end + 1 + glen + 7 <= len;
    return 0;
}

int rt_mphf_open(rt_mphf_t *m, const void *section, size_t len)
{
    const uint8_t *p = section;
    memset(m, 0, sizeof *m);
    if (len < RT_MPHF_HDR_LEN + 4 || rt_mphf_le32(p) != RT_MPHF_MAGIC)
        return -1;
    m->dseed = rt_mphf_le32(p + 4);
    m->cmph = p + RT_MPHF_HDR_LEN;
    int rc = rt_bdz_open(&m->bdz, p + RT_MPHF_HDR_LEN, len - RT_MPHF_HDR_LEN);
    if (rc < 0)
        return -1;
    m->inline_bdz = rc == 0;
    return 0;
}

uint32_t rt_mphf_lookup_cmph(const rt_mphf_t *m, uint64_t digest)
{
    uint8_t key[8];
    memcpy(key, &digest, 8); /* little-endian, as compiler/mphf.c hands it to cmph */
    return cmph_search_packed((void *)m->cmph, (const char *)key, 8);
}
