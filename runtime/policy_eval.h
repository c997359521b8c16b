/* policy_eval.h -- the routing-policy evaluator and the EDNS Client Subnet codec
 * SPDX-License-Identifier: MIT
 *
 * rt_policy_eval() decides, for one query, which precompiled answer a
 * routing policy gives (SPEC section 3, Route 53 semantics). The server and
 * `zonec query` both call it with the same client, health bitmap and random
 * state, so they give the same answer. Zero allocation, no locks, bounded
 * recursion (RT_POLICY_MAX_DEPTH), reads only the blob and its arguments.
 *
 * ECS (RFC 7871): rt_ecs_parse() validates the option of a query and gives
 * the client address; rt_ecs_write() writes the option of the response with
 * the scope rt_policy_eval() reported.
 */
#ifndef ZONEC_POLICY_EVAL_H
#define ZONEC_POLICY_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "rt.h"
#include "rt_policy.h"

/* A validated view of the policy section; pointers into the blob. */
typedef struct rt_policy_db {
    const rt_policy_hdr_t *hdr;   /* NULL: the blob has no policies */
    const rt_pcheck_t *checks;
    const rt_ppolicy_t *policies;
    const rt_pnode_t *nodes;
    const uint32_t *items;
    const rt_image_t *images;
    const rt_pfrag_t *frags;
    const uint32_t *tables;
    const uint8_t *bytes;
    const struct rt_check_def *probes; /* health.h, [hdr->check_count]; NULL = none
                                          (added by H) */
} rt_policy_db_t;

/* Opens the section at `off` of the blob[0..len) (off 0 = no policies:
 * pdb->hdr = NULL and every lookup fails). Checks magic, bounds, alignment
 * and every index inside the section (node kinds, child ranges, images and
 * fragments inside the byte pool, prefix-table headers), so the evaluator
 * can trust it; probe definitions (probes_off) must pass
 * rt_health_validate() and agree with rt_pcheck[] (kind, flags, children).
 * Returns: 0, or RT_EBOUNDS / RT_EALIGN / RT_ECORRUPT / RT_EMAGIC (query.h). */
int rt_policy_open(rt_policy_db_t *pdb, const uint8_t *blob, size_t len, uint32_t off);

/* Who asks: the ECS address when the query has one, else the source. */
typedef struct rt_client {
    uint8_t family;        /* 4 or 6; 0 = unknown (location-free answers) */
    uint8_t src_len;       /* significant leading bits (ECS source prefix, else 32/128) */
    uint8_t addr[16];      /* network order, IPv4 in bytes 0..3, bits past src_len zero */
} rt_client_t;

enum {
    RT_PR_IMAGE = 1,       /* send `image` (rt.h image rules; no fixups) */
    RT_PR_FRAGS = 2,       /* send fragments frags[0..nfrags) as the answer */
    RT_PR_NODATA = 3,      /* no value applies: the zone's NODATA image */
    RT_PR_ERROR = 4,       /* depth limit or bad index: SERVFAIL */
};

typedef struct rt_policy_result {
    uint8_t kind;          /* RT_PR_* */
    uint8_t scope;         /* ECS scope prefix length; 0 when location did not decide */
    uint8_t located;       /* 1 when a location table was consulted */
    uint8_t nfrags;
    const rt_image_t *image;      /* RT_PR_IMAGE */
    const uint8_t *image_bytes;   /* image->off is relative to this */
    uint32_t frags[RT_POLICY_MAX_MULTI]; /* RT_PR_FRAGS: fragment indices, send order */
    /* RT_PR_FRAGS from a run (rt_policy.h RT_PNF_RUN), else run NULL: the
     * fragments are run_first + 0 .. run_first + nfrags-1 (record r at
     * run + r * run_len) in the order the draw `order` gives
     * (rt_policy_run_order(); frags[] is not filled: rt_policy_write_frags()
     * writes the records in that order without the index list) */
    const uint8_t *run;
    uint32_t run_first;
    uint32_t run_len;
    uint32_t order;
} rt_policy_result_t;

/* frags[0..res->nfrags) of a run result (res->run != NULL), in send order;
 * for other results a copy of res->frags. */
void rt_policy_run_order(const rt_policy_result_t *res, uint32_t *frags);

/* Evaluates policy `policy_idx` for `client` (NULL = unknown location) with
 * check states `health` (NULL = every check healthy) and the xorshift state
 * *rng (advanced by weighted and multivalue draws; must not be 0).
 * Sets kind, scope, located, nfrags and run, and the fields of that kind
 * (the others are unspecified).
 * Returns: out->kind (never 0). */
int rt_policy_eval(const rt_policy_db_t *pdb, uint32_t policy_idx, const rt_client_t *client,
                   const uint64_t *health, uint64_t *rng, rt_policy_result_t *out);

/* The initial xorshift state for a user's seed (`zonec query --seed N`, the
 * server's --seed N): splitmix64 of N, so that nearby seeds start far apart
 * (xorshift from a small state gives correlated first draws). Never 0.
 * (Added by R1.) */
static inline uint64_t rt_policy_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

/* Writes the RR bytes of an RT_PR_FRAGS result at out[0..room): whole
 * fragments in order while they fit.
 * Returns: bytes written; *written = fragments written (ANCOUNT); when
 * *written < res->nfrags the answer was truncated (set TC over UDP). */
size_t rt_policy_write_frags(const rt_policy_db_t *pdb, const rt_policy_result_t *res,
                             uint8_t *out, size_t room, unsigned *written);

/* --- health ---------------------------------------------------------------- */

/* Words of the health bitmap for this section (at least 1). */
size_t rt_policy_health_words(const rt_policy_db_t *pdb);

/* Initial states (SPEC: before its first result a check is healthy, an
 * inverted one unhealthy), then derive_calculated. bitmap has
 * rt_policy_health_words() words. */
void rt_policy_health_init(const rt_policy_db_t *pdb, uint64_t *bitmap);

/* Recomputes every calculated check from its children (iterated to a fixed
 * point, children may be calculated too), leaving checks whose bit is set in
 * `pinned` (may be NULL) alone. Inverted calculated checks are inverted. */
void rt_policy_health_derive(const rt_policy_db_t *pdb, uint64_t *bitmap, const uint64_t *pinned);

/* Index of the check called name[0..len), or -1 (for --check-state). */
long rt_policy_check_find(const rt_policy_db_t *pdb, const char *name, size_t len);

/* --- EDNS Client Subnet (RFC 7871) --------------------------------------- */

#define RT_ECS_OPTION_CODE 8u

typedef struct rt_ecs {
    uint8_t family;        /* 4 or 6 (wire FAMILY 1 / 2) */
    uint8_t source;        /* SOURCE PREFIX-LENGTH */
    uint8_t scope;         /* SCOPE PREFIX-LENGTH */
    uint8_t addr[16];      /* address, zero past `source` */
} rt_ecs_t;

/* Parses the data of an ECS option (after OPTION-CODE and OPTION-LENGTH).
 * FORMERR cases (RFC 7871 §6, §7.1.2): data shorter than 4 bytes, FAMILY
 * not 1 or 2, SOURCE longer than the family's address, SCOPE not 0 in a
 * query, ADDRESS not exactly ceil(SOURCE/8) bytes, bits set past SOURCE.
 * Returns: 0 with *out filled, or -1 (answer FORMERR). */
int rt_ecs_parse(const uint8_t *data, size_t len, rt_ecs_t *out);

/* The client a parsed ECS option designates (src_len = source). */
void rt_ecs_client(const rt_ecs_t *ecs, rt_client_t *out);

/* Writes a whole ECS option (code, length, data) for a response: the
 * query's family, source and address, and `scope`. out has `room` bytes.
 * Returns: bytes written (8 + ceil(source/8) at most 24), 0 if room is short. */
size_t rt_ecs_write(uint8_t *out, size_t room, const rt_ecs_t *ecs, uint8_t scope);

#endif
