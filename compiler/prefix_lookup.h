/* prefix_lookup.h -- longest-prefix lookup in a folded prefix table (no dependencies)
 * SPDX-License-Identifier: MIT
 *
 * The policy compiler folds "address range -> outcome" maps (geodata
 * countries, cidrsets, latency prefixes) into one flat array of uint32_t
 * words with prefix_fold_*() (compiler/prefix.h). This file is the probe: plain
 * C over <stdint.h>, no allocation, no compiler headers, so it can move to
 * runtime/ unchanged.
 *
 * Table layout (all words host-endian in memory; the emitter serialises them
 * little-endian and the runtime checks endianness at startup):
 *
 *   word 0  PREFIX_TABLE_MAGIC
 *   word 1  stride: words per node, 2 or 3
 *   word 2  root of the IPv4 trie  (a "ref", see below)
 *   word 3  root of the IPv6 trie
 *   word 4  node count N
 *   word 5.. N nodes of `stride` words, in pre-order (a walk's left turns
 *           stay in the same cache lines; a cluster-by-subtree layout was
 *           measured and gained nothing on the real country table):
 *           [0] ref of the child for bit 0, [1] ref of the child for bit 1,
 *           [2] (stride 3 only) the node's fallback outcome: what a client
 *               prefix that ends exactly at this node gets (cidr semantics,
 *               "a client prefix shorter than a block does not match it").
 *
 * A ref is either a node index (< 2^31) or a leaf: PREFIX_LEAF | outcome.
 * Outcome PREFIX_NONE means "no outcome" (an address no range covers), so
 * the leaf 0xffffffff is a hole. The tries are leaf-pushed binary tries: each
 * leaf is one maximal aligned block of addresses with a single outcome, so a
 * lookup walks at most 32 (IPv4) or 128 (IPv6) nodes and the depth at which it
 * meets its leaf is the widest prefix around the address whose outcome is
 * certainly the same -- the ECS scope prefix length (RFC 7871 section 7.2.1).
 *
 *     root ──0──> node ──0──> leaf US      e.g. 0.0.0.0/2 -> US (scope 2)
 *                   └──1──> leaf NONE            64.0.0.0/2 -> none
 *          ──1──> leaf CA                        128.0.0.0/1 -> CA (scope 1)
 */
#ifndef ZONEC_PREFIX_LOOKUP_H
#define ZONEC_PREFIX_LOOKUP_H

#include <stdint.h>

#define PREFIX_TABLE_MAGIC 0x5a504654u /* "ZPFT" */
#define PREFIX_TABLE_HEADER 5u         /* words before the first node */
#define PREFIX_LEAF 0x80000000u        /* ref bit: the low 31 bits are an outcome */
#define PREFIX_NONE 0x7fffffffu        /* the "no outcome" outcome */
#define PREFIX_MAX_OUTCOME 0x7ffffffeu /* largest real outcome */

/* Looks up `addr` (4 bytes for family 4, 16 for family 6, network order) in
 * `table`. `src_len` is the number of significant leading bits of the client
 * address (the ECS source prefix length; 32/128 for a plain source address);
 * bits past it are treated as zero. When the walk reaches depth `src_len`
 * still inside the trie: a stride-3 table answers the node's fallback outcome
 * with scope `src_len`; a stride-2 table keeps walking with zero bits (the
 * answer is then the one for the zero-padded address and the scope may exceed
 * `src_len`, which RFC 7871 section 7.2.1 allows).
 * `*scope` (when not NULL) receives the scope prefix length.
 * Returns: the outcome, or PREFIX_NONE (also for a family the table lacks,
 * which has the root PREFIX_LEAF|PREFIX_NONE, and for a malformed table).
 * Thread-safety: reads only. */
uint32_t prefix_lookup(const uint32_t *table, int family, const uint8_t *addr,
                       unsigned src_len, unsigned *scope);

#endif
