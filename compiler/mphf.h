/* mphf.h -- minimal perfect hash over byte-string keys, built with cmph
 * SPDX-License-Identifier: MIT
 *
 * Keys are arbitrary bytes (wire-form names contain zero bytes, so cmph's
 * string adapters cannot be used). Construction is deterministic: srand(seed)
 * before every cmph_new(); BDZ with rank blocks of 2^3 first (the cheapest
 * lookup measured: ~430 instructions against ~900 for CHD), then CHD, then BDZ
 * with cmph's default block size; seeds tried in a
 * fixed sequence. After building, every key is looked up again and the
 * slots are checked to be a permutation of 0..n-1.
 *
 * cmph is built over 8-byte digests of the keys; the output is the MPHF
 * section of runtime/rt_mphf.h ("ZDG1", digest seed, cmph_pack() bytes),
 * which the runtime evaluates with rt_mphf_lookup(). A key outside the set
 * yields an arbitrary value, possibly >= n: callers must bounds-check the
 * slot and compare the key stored there.
 */
#ifndef ZONEC_MPHF_H
#define ZONEC_MPHF_H

#include <stddef.h>
#include <stdint.h>

/* Builds an MPHF over keys[i][0..lens[i]) (distinct, n >= 1).
 * Returns: 0 and sets *packed (xmalloc'd, caller frees) / *packed_len, and
 * slots[i] = the slot of key i; -1 if cmph failed on every seed. */
int mphf_build(const uint8_t *const *keys, const uint8_t *lens, uint32_t n, uint32_t seed,
               uint8_t **packed, size_t *packed_len, uint32_t *slots);

/* Slot of a key in a packed MPHF (may be >= n for non-keys), through
 * cmph_search_packed() on the key's digest (a reference for rt_mphf_lookup()). */
uint32_t mphf_lookup(const void *packed, const uint8_t *key, size_t len);

/* One cmph construction over keys[0..n) (any bytes) with algorithm algo (a
 * CMPH_ALGO value), BDZ rank block 2^b (0: cmph's default) and seed (cmph
 * draws from rand()): the cmph_pack() bytes in *packed (xmalloc'd; at
 * least 15 zero bytes follow them), their count in *size. Not verified.
 * Returns: 0, or -1 when cmph failed (another seed usually works). */
int mphf_cmph_build(const uint8_t *const *keys, const uint8_t *lens, uint32_t n, int algo, int b,
                    uint32_t seed, uint8_t **packed, size_t *size);

#endif
