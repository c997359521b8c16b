/* rt_policy.h -- ABI of the routing-policy section of the blob (see rt.h)
 * SPDX-License-Identifier: MIT
 *
 * Routing policies (SPEC section 3) are compiled by compiler/playout.c into
 * one pointer-free, little-endian, 8-aligned section appended to the blob.
 * rt_blob_header_t.policy_off locates it (0 = the blob has no policies; the
 * field replaces the reserved `flags`, RT_ABI_VERSION 2). Every offset below
 * is relative to the start of this section, so the compiler can build it on
 * its own and the layout step only copies it.
 *
 *   +----------------------+  policy_off (8-aligned)
 *   | rt_policy_hdr        |  magic, counts, section offsets (relative)
 *   +----------------------+
 *   | rt_pcheck[]          |  health checks, indexed like the health bitmap
 *   | rt_ppolicy[]         |  one per (owner, type): root node, TTL, owner
 *   | rt_pnode[]           |  flattened policy trees (all policies)
 *   | uint32 items[]       |  child lists, weights, preference lists
 *   | rt_image[]           |  value-set answers (rt.h image format)
 *   | rt_pfrag[]           |  the same answers one RR at a time
 *   | uint32 tables[]      |  longest-prefix tables (prefix_lookup.h format)
 *   | bytes                |  RR bytes of images/fragments, check names
 *   | rt_check_def[]       |  probe definitions (health.h), parallel to
 *   |                      |  rt_pcheck[]; strings in bytes, calculated
 *   |                      |  children in items[] (as rt_pcheck's)
 *   +----------------------+  policy_off + total_len
 *
 * TYPEENT. A typeent (rt.h) whose `image` has RT_TYPEENT_POLICY set holds a
 * policy index (image & ~RT_TYPEENT_POLICY) instead of an image index: the
 * packet path calls rt_policy_eval() and sends what it returns. A CNAME
 * policy is also listed under RT_T_CNAME_OTHER (and its node is flagged
 * RT_NODE_CNAME) so other qtypes get the CNAME, as for static data.
 *
 * ANSWERS. Every value set (and every static RRset an alias points at) is
 * compiled as RRs whose owner is the pointer 0xC00C (the question name at
 * offset 12; valid for any qname length, so no fixups), rdata names
 * uncompressed. Its RRs are consecutive in the byte pool and listed as
 * fragments (rt_pfrag: one RR each) and as one rt_image (answer section
 * only, AA, RCODE 0, no fixups, no cut points; `off` counts from this
 * section's byte pool). A single value set is sent with the ordinary image
 * copy; a multivalue answer concatenates the chosen fragments (any subset,
 * any order is valid: only ANCOUNT changes).
 *
 * NODES. rt_pnode.kind:
 *   RT_PN_VALUES    a = image, b = check index or RT_PNONE (always healthy),
 *                   first/count = its fragments.
 *   RT_PN_ALIAS     a = node to evaluate instead (a policy's root); the
 *                   answer keeps the qname as owner, health is the target's.
 *   RT_PN_ORDERED   failover, geo, latency, proximity, cidr: a preference
 *                   list of child nodes chosen by location; the first
 *                   healthy child answers, else the first child (Route 53:
 *                   "if no record is healthy, all are"); an empty list is
 *                   NODATA. items[first .. first+count] are count+1 item
 *                   indices: list i = items[items[first+i] .. items[first+i+1]).
 *                   a, b = word offsets of up to two prefix tables in
 *                   tables[] (RT_PNONE = absent): the outcome of the first
 *                   table that has one (PREFIX_NONE = none) is the list
 *                   index; without an outcome, list c (RT_PNONE = NODATA).
 *                   flags & RT_PNF_LOCATION: the tables decide by location
 *                   (the answer carries an ECS scope).
 *   RT_PN_WEIGHTED  items[first .. first+count) children,
 *                   items[first+count .. first+2*count) their weights 0..255,
 *                   items[first+2*count] the sum of the weights.
 *   RT_PN_MULTI     items[first .. first+count) children, each RT_PN_VALUES
 *                   with one fragment; items[first+count] = f: when flags has
 *                   RT_PNF_ALLUP, fragments f .. f+count are copies of the
 *                   children's records in child order, consecutive in the
 *                   byte pool; with RT_PNF_RUN also all of one length (a
 *                   "run": record i at frags[f].off + i * len); else RT_PNONE.
 *   Both: flags & RT_PNF_ALLUP when every child is a value set and all their
 *   checks are in one word of the health bitmap: a = that word, b | c << 32 =
 *   the mask of the children's checks in it (0: no child has a check). The
 *   evaluator then knows "every child healthy" from one word (the case that
 *   draws once, without health passes); else a = b = c = RT_PNONE.
 * Node indices are those of pir_t.nodes; a policy's nodes are contiguous.
 *
 * CHECKS. Bit i of the health bitmap (uint64 words, bit i%64 of word i/64)
 * is 1 when check i is healthy. The bitmap is owned by the server (prober,
 * --check-state pins); calculated checks are derived by
 * rt_policy_health_derive(). Check i's name is bytes[name_off, +name_len).
 * probes_off (when not 0) locates rt_check_def_t[check_count] (health.h):
 * what the prober runs for check i -- address, port, host/path/contains
 * (ranges of bytes[]), expect range, interval/timeout in ms, fall/rise;
 * calculated children are the same items[] range as rt_pcheck's.
 *
 * The prefix tables are prefix_lookup.h tables (magic, stride, roots,
 * node count, nodes) stored as little-endian words; the runtime walks them
 * with its own copy of the probe so libzrt does not depend on compiler/.
 *
 * First-level index (optional, right after a table's last node word, i.e. at
 * table + 5 + count * stride): word RT_PT_IX_MAGIC, word K (1..RT_PT_IX_MAXK),
 * then 2^K words for IPv4 and 2^K for IPv6. Entry i is where the walk from
 * that family's root over the K leading address bits i ends: an internal
 * node's index (< 2^31) when it is still inside the trie at depth K; a leaf
 * met at depth d <= K as RT_PT_IX_LEAF(d, outcome) (outcome PREFIX_NONE as
 * 0xffffff; a larger outcome is not indexed); or RT_PT_IX_WALK when the
 * table is malformed there: then the runtime walks from the root. The
 * runtime uses the index only when the walk cannot stop before depth K
 * (stride 2, or stride 3 with src_len >= K), so answers and scopes are
 * exactly those of the bit-by-bit walk. rt_policy_open checks every table
 * header and index header an ordered node names. The compiler adds the
 * index to tables with at least 16 nodes (K 4, 10 or 16 by size).
 *
 * Checkpoints (optional, right after the index's last entry): word
 * RT_PT_CK_MAGIC, words S0 and S (1..16), word B (1..RT_PT_CK_MAXB), then 2^B
 * slots of 3 words: key (low, high word), value. The checkpoint depths are
 * K + S0, K + S0 + S, K + S0 + 2S ... <= 64. Every internal node y at a
 * checkpoint depth below an internal node x at the previous one (or at K,
 * the index's depth) has one slot: key = x << 16 | the s address bits
 * between them (s = S0 or S), value = y. Slot of a key: linear probing from
 * (key * RT_PT_CK_HASH) >> (64 - B), at most RT_PT_CK_MAXPROBE slots; an
 * empty slot (key words 0xffffffff) ends the search. The runtime jumps s
 * levels while the key is found and the walk cannot stop before (depth + s
 * <= the walk's limit and <= 64); a missing key means the walk meets a leaf
 * within the next s levels. The compiler adds checkpoints (S0 8, S 16: at
 * 24, 40, 56, between the usual /32, /48 and /64 allocation boundaries) for
 * IPv6 to tables indexed with K 16.
 */
#ifndef ZONEC_RT_POLICY_H
#define ZONEC_RT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "rt.h"

#define RT_POLICY_MAGIC 0x4c4f505au    /* "ZPOL" little-endian */
#define RT_TYPEENT_POLICY 0x80000000u  /* in rt_typeent.image: a policy index */
#define RT_PNONE 0xffffffffu           /* absent index */
#define RT_POLICY_MAX_DEPTH 32u        /* nesting (incl. alias hops) the evaluator follows */
#define RT_POLICY_MAX_MULTI 8u         /* multivalue: at most 8 values */
#define RT_PT_IX_MAGIC 0x5a32584au     /* "JX2Z": a prefix table's first-level index */
#define RT_PT_IX_MAXK 20u              /* largest index width K */
#define RT_PT_IX_WALK 0xffffffffu      /* index entry: walk from the root */
/* index entry: a leaf met at depth d <= K (bits 24..30), outcome in bits 0..23 */
#define RT_PT_IX_LEAF(d, o) (0x80000000u | (uint32_t)(d) << 24 | ((o) & 0xffffffu))
#define RT_PT_IX_NONE 0xffffffu        /* the outcome field of a hole (PREFIX_NONE) */
#define RT_PT_CK_MAGIC 0x5a4b4350u     /* "PCKZ": a prefix table's checkpoints */
#define RT_PT_CK_MAXB 30u              /* largest log2 of the slot count */
#define RT_PT_CK_MAXPROBE 32u          /* slots a search may visit */
#define RT_PT_CK_HASH 0x9e3779b97f4a7c15ull

/* rt_pnode.kind */
enum { RT_PN_VALUES = 1, RT_PN_ALIAS = 2, RT_PN_ORDERED = 3, RT_PN_WEIGHTED = 4, RT_PN_MULTI = 5 };
/* rt_pnode.flags */
#define RT_PNF_LOCATION 0x01u
#define RT_PNF_ALLUP 0x02u             /* weighted/multivalue: see NODES */
#define RT_PNF_RUN 0x04u               /* multivalue with RT_PNF_ALLUP: see NODES */

/* rt_pcheck.kind (pir_check_kind_t order) and flags */
enum { RT_PC_TCP = 0, RT_PC_HTTP = 1, RT_PC_HTTPS = 2, RT_PC_CALCULATED = 3 };
#define RT_PCF_INVERTED 0x01u

typedef struct rt_policy_hdr {
    uint32_t magic;        /* RT_POLICY_MAGIC */
    uint32_t total_len;    /* bytes of the whole section */
    uint32_t check_count;
    uint32_t policy_count;
    uint32_t node_count;
    uint32_t item_count;   /* uint32 words */
    uint32_t image_count;
    uint32_t frag_count;
    uint32_t table_words;
    uint32_t bytes_len;
    uint32_t checks_off;   /* offsets from the section start, 8-aligned */
    uint32_t policies_off;
    uint32_t nodes_off;
    uint32_t items_off;
    uint32_t images_off;
    uint32_t frags_off;
    uint32_t tables_off;
    uint32_t bytes_off;
    uint32_t probes_off;   /* rt_check_def_t[check_count] (health.h), parallel to
                              rt_pcheck[]; 0 = none (added by H) */
    uint32_t pad;          /* zero */
} rt_policy_hdr_t;

typedef struct rt_pcheck {
    uint32_t name_off;     /* check name in bytes[] (not NUL-terminated) */
    uint8_t name_len;
    uint8_t kind;          /* RT_PC_* */
    uint8_t flags;         /* RT_PCF_* */
    uint8_t pad;
    uint32_t child_first;  /* calculated: child check indices in items[] */
    uint16_t child_count;
    uint16_t at_least;     /* calculated: healthy when >= at_least children are */
} rt_pcheck_t;

typedef struct rt_ppolicy {
    uint32_t root;         /* node index */
    uint32_t ttl;
    uint32_t name_off;     /* owner, lowercase wire form, in bytes[] */
    uint16_t type;
    uint8_t name_len;
    uint8_t pad;
} rt_ppolicy_t;

typedef struct rt_pnode {
    uint8_t kind;          /* RT_PN_* */
    uint8_t flags;         /* RT_PNF_* */
    uint16_t pad;
    uint32_t first;        /* see NODES above */
    uint32_t count;
    uint32_t a, b, c;
} rt_pnode_t;

typedef struct rt_pfrag {
    uint32_t off;          /* one whole RR in bytes[] */
    uint16_t len;
    uint16_t pad;
} rt_pfrag_t;

_Static_assert(sizeof(rt_policy_hdr_t) == 80, "rt_policy_hdr ABI");
_Static_assert(sizeof(rt_pcheck_t) == 16, "rt_pcheck ABI");
_Static_assert(sizeof(rt_ppolicy_t) == 16, "rt_ppolicy ABI");
_Static_assert(sizeof(rt_pnode_t) == 24, "rt_pnode ABI");
_Static_assert(sizeof(rt_pfrag_t) == 8, "rt_pfrag ABI");

#endif
