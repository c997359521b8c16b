/* prefix_lookup.c -- walk a leaf-pushed binary trie (see prefix_lookup.h)
 * SPDX-License-Identifier: MIT
 */
#include "prefix_lookup.h"

uint32_t prefix_lookup(const uint32_t *table, int family, const uint8_t *addr,
                       unsigned src_len, unsigned *scope)
{
    unsigned width = family == 4 ? 32 : 128, depth = 0;
    if (scope)
        *scope = 0;
    if (table[0] != PREFIX_TABLE_MAGIC || (family != 4 && family != 6))
        return PREFIX_NONE;
    uint32_t stride = table[1], count = table[4];
    const uint32_t *nodes = table + PREFIX_TABLE_HEADER;
    uint32_t ref = table[family == 4 ? 2 : 3];
    if (src_len > width)
        src_len = width;
    while (!(ref & PREFIX_LEAF)) {
        if (ref >= count || depth >= width)
            return PREFIX_NONE; /* corrupt table: never read out of bounds */
        const uint32_t *n = nodes + (uint64_t)ref * stride;
        if (depth >= src_len && stride == 3) {
            if (scope)
                *scope = depth;
            return n[2];
        }
        unsigned bit = depth < src_len ? (addr[depth >> 3] >> (7 - (depth & 7))) & 1u : 0u;
        ref = n[bit];
        depth++;
    }
    if (scope)
        *scope = depth;
    return ref & ~PREFIX_LEAF;
}
