/* prefix.h -- fold address ranges or CIDR prefixes into a longest-prefix table
 * SPDX-License-Identifier: MIT
 *
 * Location-dependent policies (geo, latency, cidr) decide by the client's
 * address. The compiler turns each policy's location logic into a map from
 * addresses to small integer outcomes ("answer 3", "preference list 7") and
 * folds that map here into
 *
 *   - the minimal list of disjoint CIDR prefixes that covers it: adjacent
 *     ranges and prefixes with the same outcome are merged, and every prefix
 *     is a maximal aligned block with one outcome, so a longest-prefix match
 *     over the list gives exactly the outcome of the ranges and its length is
 *     the ECS scope for every address inside it;
 *   - the same thing encoded as a flat, pointer-free uint32_t table that
 *     prefix_lookup() (compiler/prefix_lookup.h, runtime-ready) probes in at
 *     most 32/128 steps with no allocation, returning (outcome, scope).
 *
 * Addresses are 16-byte arrays in network order; an IPv4 address uses the
 * first 4 bytes (the rest is ignored) and lives in its own family: IPv4 and
 * IPv6 get separate tries.
 */
#ifndef ZONEC_PREFIX_H
#define ZONEC_PREFIX_H

#include <stddef.h>
#include <stdint.h>

#include "prefix_lookup.h"

/* An inclusive address range and its outcome (<= PREFIX_MAX_OUTCOME, or
 * PREFIX_NONE for an explicit "no outcome", the same as leaving it out). */
typedef struct prefix_range {
    uint8_t family;     /* 4 or 6 */
    uint8_t start[16];
    uint8_t end[16];
    uint32_t outcome;
} prefix_range_t;

/* A CIDR prefix and its outcome. */
typedef struct prefix_cidr {
    uint8_t family;     /* 4 or 6 */
    uint8_t len;        /* 0..32 or 0..128 */
    uint8_t addr[16];   /* host bits zero */
    uint32_t outcome;
} prefix_cidr_t;

/* The result of a fold. */
typedef struct prefix_fold {
    uint32_t *table;        /* the prefix_lookup() table */
    size_t table_words;     /* its length in uint32_t words */
    prefix_cidr_t *cidrs;   /* the folded prefixes with an outcome (holes left out),
                               IPv4 first, each family in address order */
    size_t cidr_count;
    size_t cidr4_count;     /* how many of them are IPv4 */
    size_t node_count;      /* trie nodes (both families) */
} prefix_fold_t;

/* Folds `n` ranges. Ranges of one family must not overlap; input order does
 * not matter. The table has stride 2 (see prefix_lookup.h): a client prefix
 * shorter than the data's blocks is looked up as its zero-padded address.
 * Returns: 0; or -1 when a range is malformed (family not 4/6, start > end,
 * outcome > PREFIX_MAX_OUTCOME and not PREFIX_NONE) or overlaps another, with
 * *bad (when not NULL) set to the input index of that range (for an overlap,
 * the one of the two that starts later). `out` is untouched on error.
 * Ownership: out's arrays are xmalloc'd; release them with prefix_fold_free(). */
int prefix_fold_ranges(const prefix_range_t *r, size_t n, prefix_fold_t *out, size_t *bad);

/* Folds `n` possibly nested prefixes with longest-prefix-match semantics
 * (cidrset blocks): an address gets the outcome of the longest prefix that
 * contains it. The table has stride 3: a client prefix of length L gets the
 * longest prefix of length <= L that contains it ("a client prefix shorter
 * than a block does not match it"), with scope L when longer ones exist.
 * Returns: 0; or -1 when a prefix is malformed (bad family or length, host
 * bits set, bad outcome) or repeats an earlier one (same family, address and
 * length), *bad set to its index. Ownership: as prefix_fold_ranges(). */
int prefix_fold_cidrs(const prefix_cidr_t *p, size_t n, prefix_fold_t *out, size_t *bad);

/* The smallest list of possibly nested prefixes that gives, by longest-prefix
 * match, the same outcome as the fold for every address (ORTC: Draves, King,
 * Venkatachary, Zill, "Constructing Optimal IP Routing Tables", INFOCOM
 * 1999). Where a hole (no outcome) lies inside a covering prefix, the list
 * holds a prefix with outcome PREFIX_NONE. Useful for reports and for
 * emitting compact prefix lists; the lookup table itself stays leaf-pushed.
 * Only address semantics are kept (a stride-3 table's fallbacks are not).
 * Returns: the number of prefixes; *out (xmalloc'd, caller frees) holds them,
 * IPv4 first, each family in address order with shorter prefixes first;
 * *count4 (when not NULL) the IPv4 ones. */
size_t prefix_minimal(const prefix_fold_t *f, prefix_cidr_t **out, size_t *count4);

/* Releases the arrays of a fold (not `f` itself). */
void prefix_fold_free(prefix_fold_t *f);

/* --- parsing and printing ---------------------------------------------- */

/* Error codes of the parsers below; prefix_strerror() gives the message. */
enum {
    PREFIX_OK = 0,
    PREFIX_E_ADDR = -1,     /* "not an IPv4 or IPv6 address" */
    PREFIX_E_LEN = -2,      /* "bad prefix length" */
    PREFIX_E_HOST = -3,     /* "host bits set after the prefix length" */
};

/* A message for a PREFIX_E_* code, e.g. "bad prefix length". */
const char *prefix_strerror(int code);

/* Parses an IPv4 or IPv6 address of `len` bytes (not NUL-terminated).
 * Returns: 4 or 6 with `addr` filled (IPv4 in bytes 0..3, the rest zero), or
 * PREFIX_E_ADDR. */
int prefix_parse_addr(const char *s, size_t len, uint8_t addr[16]);

/* Parses "ADDR/LEN", or a bare address (a host prefix: /32 or /128), into
 * `out` (outcome set to PREFIX_NONE). Host bits set are an error.
 * Returns: PREFIX_OK or a PREFIX_E_* code. */
int prefix_parse(const char *s, size_t len, prefix_cidr_t *out);

/* Formats "ADDR/LEN" into buf (room for 44 bytes suffices). Returns: buf. */
char *prefix_format(char *buf, size_t cap, const prefix_cidr_t *p);

/* Formats one address of `family`. Returns: buf (room for 40 bytes). */
char *prefix_format_addr(char *buf, size_t cap, int family, const uint8_t addr[16]);

#endif
