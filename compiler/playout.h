/* playout.h -- from the policy IR (pir.h) to the blob's policy section (runtime/rt_policy.h)
 * SPDX-License-Identifier: MIT
 *
 * playout_build() compiles every routing policy of a validated pir_t into
 * the pointer-free section described in runtime/rt_policy.h:
 *
 *   - checks in declaration order (their index is the health-bitmap bit);
 *   - one rt_pnode per pir node (same indices): value sets become answer
 *     images + per-RR fragments (owner 0xC00C, rdata names uncompressed);
 *     alias to a static RRset becomes a value set, alias to a policy a jump
 *     to its root;
 *   - failover, geo, latency, proximity and cidr become "ordered" nodes: a
 *     preference list per location outcome and up to two longest-prefix
 *     tables (prefix.h) mapping the client address to that outcome:
 *       failover   one list [primary, secondary], no table;
 *       geo        geodata ranges -> [subdivision, country, continent, default]
 *                  (the matching ones), holes and list==[default] -> fallback;
 *       latency    rtt prefixes (stride 3) -> regions by measured RTT, then
 *                  geodata coordinates -> regions by great-circle distance;
 *                  unknown location -> regions in source order;
 *       proximity  geodata coordinates -> endpoints by biased distance
 *                  (b > 0: d*(1-b/100), b < 0: d/(1+b/100));
 *       cidr       the cidrset's prefixes (stride 3, longest match) ->
 *                  [branch, default]; no match -> [default] (or NODATA);
 *   - weighted and multivalue keep their children (and weights).
 *
 * The layout step (layout.c) uses three calls: the owners that need a node
 * (policy owners without static data: main.c adds them to the IR before
 * ir_finish(), see the lead's hook), the typeents of a node
 * (playout_node_entries), and the section bytes to append at an 8-aligned
 * offset recorded in rt_blob_header_t.policy_off.
 *
 * Same pir and data files => byte-identical section.
 */
#ifndef ZONEC_PLAYOUT_H
#define ZONEC_PLAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"
#include "pir.h"

/* One typeent a policy contributes: `image` is RT_TYPEENT_POLICY | policy. */
typedef struct playout_tent {
    uint16_t type;          /* the policy's type, or RT_T_CNAME_OTHER for a CNAME policy */
    uint32_t image;
} playout_tent_t;

struct playout_key;

typedef struct playout {
    uint8_t *bytes;         /* the section (rt_policy_hdr_t first), xmalloc'd */
    size_t len;             /* a multiple of 8 */
    uint32_t policy_count;
    /* private: (zone, lowercase owner, type) -> policy, sorted */
    struct playout_key *keys;
    size_t key_count;
} playout_t;

/* Compiles `p` (pir_build() returned 0). Loads the geodata file when a geo,
 * latency or proximity policy needs it (geodata_load(), into ir->arena).
 * Returns: the number of errors reported (an answer over 65535 bytes, a
 * tree deeper than RT_POLICY_MAX_DEPTH, unreadable data); `out` is valid
 * (possibly empty) either way; release with playout_free(). */
unsigned playout_build(playout_t *out, const pir_t *p, ir_t *ir);

/* The typeents the policies at owner `name` (any case, wire form) of zone
 * `z` contribute, in ascending type order, at most `cap` written.
 * Returns: how many there are (may exceed cap). A CNAME policy yields two:
 * (CNAME, policy) and (RT_T_CNAME_OTHER, policy); the node must then carry
 * RT_NODE_CNAME. */
size_t playout_node_entries(const playout_t *pl, const ir_zone_t *z, const uint8_t *name,
                            playout_tent_t *out, size_t cap);

/* Whether policy `i`'s owner has no node in its zone yet; used to create
 * the missing nodes before ir_finish(). */
int playout_owner_missing(const pir_t *p, uint32_t i);

void playout_free(playout_t *pl);

#endif
