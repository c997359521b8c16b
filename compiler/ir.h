/* ir.h -- the zone IR: zones, names, RRsets; built by the front ends, checked, laid out
 * SPDX-License-Identifier: MIT
 *
 * Front ends (zonefile.c for RFC 1035 text, zpl.c for policy files) create
 * zones and add records one at a time with ir_add_rr(); the IR groups them
 * into nodes (one per owner name) and RRsets (one per owner and type), keeps
 * the first location of each for diagnostics, and later passes read it:
 *
 *   front ends --ir_add_rr--> ir_t --ir_check()--> ir_finish() --> layout.c
 *
 * All IR memory comes from ir->arena and lives until the compiler exits.
 * Names are stored in wire form as written (case kept, for output) with a
 * lowercase copy as the key. Iteration orders exposed to later passes are
 * canonical (RFC 4034 §6.1), never hash order, so output is reproducible.
 *
 * Routing policies (a later stage) attach to nodes as `ir_policy` trees
 * beside the static RRsets; the static path below does not depend on them.
 */
#ifndef ZONEC_IR_H
#define ZONEC_IR_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

#define IR_TTL_MAX 0x7fffffffu /* RFC 2181 §8 */

typedef struct ir_rdata {
    struct ir_rdata *next;  /* insertion order */
    loc_t loc;              /* where this RR was written */
    uint16_t len;
    uint8_t *data;          /* wire rdata, names uncompressed, case as written */
} ir_rdata_t;

typedef struct ir_rrset {
    struct ir_rrset *next;  /* within a node: ascending type after ir_finish() */
    uint16_t type;
    uint32_t ttl;           /* first RR's TTL; others must match (warning) */
    loc_t loc;              /* first RR */
    uint32_t count;
    ir_rdata_t *rdata, **rdata_tail;
} ir_rrset_t;

typedef struct ir_node {
    uint8_t *name;          /* wire form as first written */
    uint8_t *key;           /* lowercase wire form */
    uint8_t name_len;
    loc_t loc;              /* first record at this name (file 0 for ENTs) */
    ir_rrset_t *rrsets;
    struct ir_node *hnext;  /* hash chain in the zone's node table */
    /* filled in by ir_finish(): */
    uint32_t index;         /* position in the zone's `sorted` (or `nested`) */
    uint8_t is_ent;         /* empty non-terminal created by ir_finish() */
    uint8_t is_apex;
    uint8_t is_cut;         /* NS here and not the apex: a delegation */
    uint8_t below_cut;      /* strictly below a delegation */
    uint8_t nested;         /* at or below the apex of a deeper hosted zone: in
                               zone->nested, not in zone->sorted (see ir_zone_t) */
    struct ir_node *cut;    /* the delegation above when below_cut */
} ir_node_t;

typedef struct ir_zone {
    struct ir_zone *next;
    uint8_t *apex;          /* wire form, as written */
    uint8_t apex_len;
    loc_t loc;              /* where the zone was declared / first record */
    uint32_t default_ttl;
    /* node table (open hashing on the lowercase key) */
    ir_node_t **buckets;
    size_t nbuckets, node_count;
    /* filled by ir_finish(): nodes in canonical order, apex first */
    ir_node_t **sorted;
    ir_node_t *apex_node;
    uint32_t serial;
    /* filled by ir_finish(): when another hosted zone lies inside this one
     * (a parent and its child both hosted), the names at or below the child's
     * apex are the child's to serve, so the parent's nodes there leave
     * `sorted` (and node_count) and are kept here, in canonical order. They
     * stay in the node table: ir_node_find() sees the zone's whole content,
     * which is what Knot answers CNAME chains, additional data and DS at the
     * child's apex from. Every name is in exactly one zone's `sorted`. */
    ir_node_t **nested;
    size_t nested_count;
    struct ir_zone *parent; /* nearest hosted zone strictly above this one, or NULL */
    struct ir_node *last;   /* ir_add_rr()'s last node (records come grouped by owner) */
} ir_zone_t;

struct policy_file;
struct playout;

typedef struct ir {
    arena_t *arena;
    ir_zone_t *zones, **zones_tail; /* declaration order */
    size_t zone_count;
    /* Routing policies (added by R1): every parsed .zpl file in reading
     * order (zpl.c appends; includes are separate entries), for pir_build();
     * and the compiled policy section layout_build() appends (NULL: none). */
    const struct policy_file **zpl_files;
    size_t zpl_file_count;
    const struct playout *playout;
    struct ir_dupset *dups; /* ir.c: duplicate detection in large RRsets */
} ir_t;

/* Creates an empty IR with its own arena. */
ir_t *ir_new(void);
void ir_free(ir_t *ir);

/* Declares zone `apex` (wire form). A second zone with the same apex is an
 * error at `loc` (with a note at the first) and returns the existing zone. */
ir_zone_t *ir_zone_add(ir_t *ir, const uint8_t *apex, loc_t loc);

/* Finds a zone by apex (case-insensitive); NULL when absent. */
ir_zone_t *ir_zone_find(ir_t *ir, const uint8_t *apex);

/* Adds one RR of class IN. Reports (and drops) an owner outside the zone,
 * a TTL above IR_TTL_MAX, and an exact duplicate (warning). A TTL that
 * differs within an RRset is a warning (RFC 2181 §5.2) and the first is kept.
 * Copies owner and rdata into the IR arena. */
void ir_add_rr(ir_t *ir, ir_zone_t *zone, const uint8_t *owner, uint16_t type, uint32_t ttl,
               const uint8_t *rdata, uint16_t rdlen, loc_t loc);

/* Finds or creates the node `name` (wire form, inside the zone) without
 * data: the owner of a routing policy that has no static RRs. (Added by R1.) */
ir_node_t *ir_node_add(ir_t *ir, ir_zone_t *zone, const uint8_t *name, loc_t loc);

/* Looks a name up in a zone (case-insensitive); NULL when absent. After
 * ir_finish() it also finds empty non-terminals and the zone's nested nodes. */
ir_node_t *ir_node_find(const ir_zone_t *zone, const uint8_t *name);

/* The RRset of `type` at `node`, or NULL. */
ir_rrset_t *ir_rrset_find(const ir_node_t *node, uint16_t type);

/* Runs the semantic checks of a zone set and reports every problem:
 * missing SOA or NS at the apex, SOA elsewhere, more than one SOA, CNAME
 * beside other data and at the apex, more than one CNAME, in-zone NS
 * targets without address records (glue), data occluded below a delegation
 * (warning), rdata that is not well formed for its type.
 * Returns: number of errors. */
unsigned ir_check(ir_t *ir);

/* Completes the IR for layout: adds empty non-terminals, sorts each zone's
 * nodes canonically and RRsets by type, marks apex/cut/below-cut nodes,
 * moves the nodes inside deeper hosted zones to `nested` and sets `parent`.
 * Call once, after ir_check() found no error. */
void ir_finish(ir_t *ir);

#endif
