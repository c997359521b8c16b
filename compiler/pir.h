/* pir.h -- the policy IR: checks, cidrsets, data files and resolved routing-policy trees
 * SPDX-License-Identifier: MIT
 *
 * pir_build() turns the ZPL syntax trees (policy.h) of every input file into
 * a validated, resolved and AST-independent description of the routing
 * half of a build; a later layout step turns it into runtime tables. It is
 * the place where every semantic rule of routing policies is checked and
 * reported (file:line:col, GCC style; the message texts are listed at the
 * top of pir.c).
 *
 *   policy_file_t[] --pir_build--> pir_t { checks, cidrsets, regions,
 *                                          geodata/latency refs,
 *                                          policies -> nodes -> edges -> rdatas }
 *
 * Division of labour with zpl.c: zpl.c lowers static data (ttl, soa, ns,
 * records, value sets without `check`) into the IR and reports bad owners,
 * unknown types and bad TTLs of every record. pir_build() handles the
 * remaining records, the "policy records": an OWNER TYPE [ttl D] RULE whose
 * rule is a block, an alias, or a value set with `check`. It skips (without a
 * second message) a record whose owner, type or TTL zpl.c already rejected.
 * pir_build() must run after every input file (zone files too) is in the IR,
 * because it checks policies against static data (CNAME beside other data,
 * alias targets), and before ir_finish() (it does not need ENTs or order).
 *
 * Representation. Everything is an array in the pir_t, addressed by 32-bit
 * indices (PIR_NONE = absent), allocated from the IR arena; strings are
 * NUL-terminated arena copies; names are in wire form. Iteration orders are
 * source order (files in the order given, statements in file order), so two
 * builds of the same input give identical arrays.
 *
 *   pir_policy_t   one per (zone, owner, type): TTL and the root node.
 *                  The nodes of one policy are contiguous, in pre-order
 *                  (parent before children, children in source order).
 *   pir_node_t     VALUESET  rdatas[first .. first+count) + optional check
 *                  ALIAS     target name, resolved to a policy or an IR RRset
 *                  blocks    edges[first .. first+count), in source order
 *   pir_edge_t     one child of a block with its key (weight, location code,
 *                  region, coordinates + bias, cidr label, failover role,
 *                  default). A geo branch `country US, CA -> R` gives two
 *                  edges to the same child node.
 *   pir_rdata_t    one value in wire form (rrtype_rdata_from_text), names
 *                  uncompressed, case as written.
 *
 * Semantics per node kind (SPEC section 3; Route 53 where it defines them):
 *   FAILOVER    edges: exactly one PRIMARY, at most one SECONDARY.
 *   WEIGHTED    edges: WEIGHT 0..255 each.
 *   GEO         edges: SUBDIVISION ("US-CA") / COUNTRY ("US") / CONTINENT
 *               ("EU") codes, uppercase, each at most once; at most one DEFAULT.
 *   LATENCY     edges: REGION (index into regions[]), each at most once.
 *   PROXIMITY   edges: AT with lat/lon in micro-degrees and bias -99..99,
 *               each coordinate pair at most once.
 *   CIDR        node.cidrset; edges: LABEL (index into that set's labels,
 *               each at most once), at most one DEFAULT.
 *   MULTIVALUE  edges: NONE, each child a VALUESET with exactly one rdata
 *               (a `V1, V2 check C;` item is split into one child per value,
 *               sharing the check).
 */
#ifndef ZONEC_PIR_H
#define ZONEC_PIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"
#include "diag.h"
#include "ir.h"
#include "latency.h"
#include "policy.h"

#define PIR_NONE UINT32_MAX

/* Health-check defaults and limits (SPEC section 3; Route 53 thresholds). */
#define PIR_CHECK_INTERVAL 10       /* seconds */
#define PIR_CHECK_TIMEOUT 2         /* seconds */
#define PIR_CHECK_FALL 3
#define PIR_CHECK_RISE 3
#define PIR_CHECK_INTERVAL_MAX 86400
#define PIR_CHECK_THRESHOLD_MAX 10  /* fall and rise: 1..10 */
#define PIR_CHECK_EXPECT_MIN 200    /* default expected status range */
#define PIR_CHECK_EXPECT_MAX 399
#define PIR_CHECK_CONTAINS_MAX 255  /* bytes of a `contains` string */

#define PIR_WEIGHT_MAX 255
#define PIR_BIAS_MAX 99             /* bias is -99..99 */
#define PIR_CODE_MAX 8              /* "US-CA" + NUL fits; ISO 3166-2 is at most 6 */

/* An IPv4 or IPv6 address; IPv4 uses bytes[0..3], the rest are zero. */
typedef struct pir_addr {
    uint8_t family;                 /* 4 or 6 */
    uint8_t bytes[16];
} pir_addr_t;

/* --- health checks --------------------------------------------------------- */

typedef enum pir_check_kind {
    PIR_CHECK_TCP, PIR_CHECK_HTTP, PIR_CHECK_HTTPS, PIR_CHECK_CALCULATED,
} pir_check_kind_t;

/* One `check` statement, validated, defaults applied. Checks are numbered
 * in declaration order; that number is what value sets refer to and what the
 * runtime's health-state array is indexed by. */
typedef struct pir_check {
    const char *name;
    loc_t loc;                      /* the name token */
    pir_check_kind_t kind;
    /* tcp/http/https */
    pir_addr_t addr;
    uint16_t port;                  /* http 80 and https 443 when omitted */
    const char *host;               /* Host header and SNI; NULL = the address */
    const char *path;               /* http/https: "/" when omitted; else NULL */
    const char *contains;           /* NULL when not given */
    uint32_t contains_len;
    uint16_t expect_min, expect_max;/* http/https: 200..399 when omitted */
    uint32_t interval, timeout;     /* seconds (calculated: 0) */
    uint8_t fall, rise;             /* consecutive results to change state */
    uint8_t inverted;
    /* calculated: healthy when at least `at_least` children are healthy */
    uint32_t child_first, child_count; /* into pir_t.check_children */
    uint32_t at_least;              /* defaults to child_count */
} pir_check_t;

/* --- cidrsets -------------------------------------------------------------- */

typedef struct pir_prefix {
    pir_addr_t addr;                /* bits beyond len are zero */
    uint8_t len;
} pir_prefix_t;

typedef struct pir_cidr {
    pir_prefix_t prefix;
    uint32_t label;                 /* index within the set's labels */
    loc_t loc;                      /* the prefix token */
} pir_cidr_t;

/* `cidrset NAME { P, P -> LABEL; ... }`: prefixes in source order, labels
 * interned per set in order of first appearance. */
typedef struct pir_cidrset {
    const char *name;
    loc_t loc;                      /* the name token */
    uint32_t cidr_first, cidr_count;   /* into pir_t.cidrs */
    uint32_t label_first, label_count; /* into pir_t.labels */
} pir_cidrset_t;

/* --- data files ------------------------------------------------------------ */

/* A `geodata "F";` or `latency "F";` statement. `path` is the file as the
 * compiler opens it (relative to the declaring file's directory), `shown`
 * as written. Both NULL when the statement is absent. */
typedef struct pir_data {
    const char *path;
    const char *shown;
    loc_t loc;                      /* the path string */
} pir_data_t;

/* --- policy trees ---------------------------------------------------------- */

typedef enum pir_node_kind {
    PIR_VALUESET, PIR_ALIAS, PIR_FAILOVER, PIR_WEIGHTED, PIR_GEO, PIR_LATENCY,
    PIR_PROXIMITY, PIR_CIDR, PIR_MULTIVALUE,
} pir_node_kind_t;

typedef enum pir_key {
    PIR_KEY_NONE,                   /* multivalue items */
    PIR_KEY_PRIMARY, PIR_KEY_SECONDARY,
    PIR_KEY_WEIGHT,
    PIR_KEY_SUBDIVISION, PIR_KEY_COUNTRY, PIR_KEY_CONTINENT,
    PIR_KEY_DEFAULT,                /* geo and cidr */
    PIR_KEY_REGION,
    PIR_KEY_AT,
    PIR_KEY_LABEL,
} pir_key_t;

typedef struct pir_rdata {
    uint8_t *data;                  /* wire form */
    uint16_t len;
    loc_t loc;                      /* the value token */
} pir_rdata_t;

typedef struct pir_edge {
    pir_key_t key;
    uint32_t child;                 /* node index */
    loc_t loc;                      /* the key token (the branch keyword for
                                       PRIMARY/SECONDARY/DEFAULT/AT) */
    uint32_t weight;                /* WEIGHT */
    char code[PIR_CODE_MAX];        /* SUBDIVISION/COUNTRY/CONTINENT, uppercase */
    uint32_t region;                /* REGION: index into pir_t.regions */
    int32_t lat_e6, lon_e6;         /* AT: micro-degrees */
    int32_t bias;                   /* AT: -99..99 */
    uint32_t label;                 /* LABEL: index within the node's cidrset */
} pir_edge_t;

typedef struct pir_node {
    pir_node_kind_t kind;
    loc_t loc;                      /* keyword, or the first value */
    uint32_t first, count;          /* VALUESET: rdatas; blocks: edges */
    uint32_t check;                 /* VALUESET: check index or PIR_NONE */
    uint32_t cidrset;               /* CIDR: cidrset index */
    /* ALIAS: the target (same zone, same type as the policy), resolved to
     * another policy, or else to a static RRset of the IR. */
    const uint8_t *alias_name;      /* wire form as written */
    uint32_t alias_policy;          /* PIR_NONE when the target is static */
    ir_node_t *alias_node;          /* static target, NULL for a policy */
    ir_rrset_t *alias_rrset;
} pir_node_t;

typedef struct pir_policy {
    ir_zone_t *zone;
    const uint8_t *owner;           /* wire form as written */
    uint8_t owner_len;
    uint16_t type;
    uint32_t ttl;                   /* `ttl D`, else the zone's TTL */
    loc_t loc;                      /* the owner token */
    uint32_t root;                  /* node index */
    uint32_t node_first, node_count;/* the tree's nodes, pre-order */
} pir_policy_t;

struct pir_map;

typedef struct pir {
    arena_t *arena;                 /* the IR's arena */

    pir_check_t *checks;
    uint32_t check_count;
    uint32_t *check_children;       /* check indices of calculated checks */
    uint32_t check_child_count;

    pir_cidrset_t *cidrsets;
    uint32_t cidrset_count;
    pir_cidr_t *cidrs;
    uint32_t cidr_count;
    const char **labels;            /* cidr labels, grouped per set */
    uint32_t label_count;

    const char **regions;           /* latency regions named by rules, interned */
    uint32_t region_count;

    pir_data_t geodata, latency;
    latency_t *latency_data;        /* the latency file as read by pir_build()
                                       (regions, RTTs), for the layout step;
                                       NULL when absent or unreadable */

    pir_policy_t *policies;         /* source order */
    uint32_t policy_count;
    pir_node_t *nodes;
    uint32_t node_count;
    pir_edge_t *edges;
    uint32_t edge_count;
    pir_rdata_t *rdatas;
    uint32_t rdata_count;

    /* private: capacities and lookup tables */
    uint32_t cap_checks, cap_check_children, cap_cidrsets, cap_cidrs, cap_labels, cap_regions,
        cap_policies, cap_nodes, cap_edges, cap_rdatas;
    struct pir_map *check_map, *cidrset_map, *region_map, *policy_map;
} pir_t;

/* Converts and validates the routing half of `files` (nfiles parsed .zpl
 * files, in the order they were read; includes are separate entries) against
 * the static data already in `ir`, reporting every problem with diag_error()
 * / diag_warning(). `out` is overwritten. The `latency` file, when one is
 * declared, is read to check region names.
 * Returns: the number of errors reported. The pir is complete and consistent
 * only when that is 0; with errors it holds whatever was valid.
 * Ownership: every array and string lives in ir->arena. */
unsigned pir_build(pir_t *out, ir_t *ir, const policy_file_t *const *files, size_t nfiles);

/* 1 when the record item (POLICY_Z_RECORD) is a policy record, handled by
 * pir_build() rather than lowered as static data by zpl.c: its rule is not a
 * plain value set without `check`. */
int pir_is_policy_record(const policy_zitem_t *it);

/* Lookups (exact, case-sensitive for names; case-insensitive owner).
 * Returns: the index, or PIR_NONE. */
uint32_t pir_check_find(const pir_t *p, const char *name);
uint32_t pir_cidrset_find(const pir_t *p, const char *name);
uint32_t pir_policy_find(const pir_t *p, const ir_zone_t *zone, const uint8_t *owner, uint16_t type);

/* Names for messages and dumps: "failover", "geo", ...; "tcp", "http", ...;
 * "primary", "country", .... */
const char *pir_node_kind_name(pir_node_kind_t k);
const char *pir_check_kind_name(pir_check_kind_t k);
const char *pir_key_name(pir_key_t k);

/* Prints the whole pir in a stable, indented, line-per-item text form:
 * checks with every field, cidrsets, data files, then each policy's tree
 * with rdata in presentation form (tests, `--dump` style debugging). */
void pir_dump(FILE *f, const pir_t *p);

#endif
