/* query_int.h -- what the packet path's files share (internal to runtime/query*.c)
 * SPDX-License-Identifier: MIT
 *
 * query.c parses the query, looks the name up and answers static data;
 * query_policy.c answers names whose data is a routing policy. Both build
 * responses with the helpers below, in the caller's buffer, without
 * allocating. Nothing here is part of the runtime's public contract
 * (that is query.h).
 */
#ifndef ZONEC_QUERY_INT_H
#define ZONEC_QUERY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"
#include "rt.h"
#include "wire.h"

/* Everything learnt from the query; a fixed struct on the stack. */
typedef struct qstate {
    size_t qname_len;      /* wire length of the qname incl. the root label */
    size_t q_end;          /* end of the question = 12 + qname_len + 4 */
    uint16_t qtype;
    uint16_t qclass;
    uint8_t has_question;
    uint8_t has_opt;       /* a well-formed OPT was found */
    uint8_t opt_bad;       /* RFC 6891 §6.1.1: 2nd OPT or owner not root */
    uint8_t opt_version;
    uint16_t opt_payload;
    uint16_t opt_flags;    /* DO bit and Z */
    uint8_t has_ecs;       /* a valid EDNS Client Subnet option (RFC 7871) */
    uint8_t ecs_bad;       /* a malformed or second ECS option: FORMERR */
    uint8_t ecs_echo;      /* write ECS into this response's OPT (answers only) */
    uint8_t ecs_scope;     /* SCOPE PREFIX-LENGTH of the answer (0: static) */
    rt_ecs_t ecs;
    uint32_t ans_zone;     /* zone of the node that answered (policy NODATA) */
    uint64_t digest0;      /* MPHF digest of lname (rt_mphf.h), from parse_question() */
    uint32_t slot0;        /* MPHF slot of the whole qname, when have_slot0 */
    uint8_t have_slot0;    /* set by rt_query_process_batch() before lookup */
    unsigned nlabels;
    uint8_t lab_off[128];  /* offsets of labels in lname; [nlabels] = root */
    /* + 16: lower_copy works in 8-byte words; rt_mphf_lookup() reads up to
     * RT_MPHF_KEY_PAD bytes past a key, which ends at qname_len <= 255 */
    uint8_t lname[WIRE_NAME_MAX + 1 + 16];
} qstate_t;

_Static_assert(sizeof(((qstate_t *)0)->lname) >= WIRE_NAME_MAX + RT_MPHF_KEY_PAD,
               "rt_mphf_lookup() reads RT_MPHF_KEY_PAD bytes past the qname");

/* Whether image idx exists and its bytes, fixups and cut points lie inside
 * the blob's byte pool (rt_db_open_lazy does not scan images). */
int query_image_valid(const rt_db_t *db, uint32_t idx);

/* Bytes of the OPT RR query_write_opt() writes for an answer (0 without
 * EDNS in the query). */
size_t query_answer_opt_len(const qstate_t *q);

/* Writes the response's OPT RR at out: payload 1232, version 0, DO copied,
 * the extended RCODE bits of ext_rcode; for answers to ECS queries
 * (q->ecs_echo) the ECS option with q->ecs_scope; ede adds EDE 20.
 * Returns: its length. */
size_t query_write_opt(uint8_t *out, const qstate_t *q, unsigned ext_rcode, int ede);

/* Turns the query header in buf into a response header with rcode and AA. */
void query_set_header(uint8_t *buf, unsigned rcode, int aa);

/* A response without records (header, question, OPT when with_opt and the
 * query had one; with_opt 2 adds EDE 20). Returns: its length. */
size_t query_error_response(uint8_t *buf, size_t cap, const qstate_t *q, unsigned rcode,
                            int with_opt);

/* Copies image im (bytes in pool) after the question, applies its fixups and
 * truncation rules within limit. Returns: the response length. */
size_t query_image_response(uint8_t *buf, size_t limit, const qstate_t *q,
                            const rt_image_t *im, const uint8_t *pool);

/* Answers a name whose type entry is routing policy pol (RT_TYPEENT_POLICY
 * stripped): picks the client (ECS, else peer), evaluates the policy
 * against the health bits and the thread's random state, writes the chosen
 * image, fragments or the zone's NODATA. limit is the response size limit.
 * Sets ctx->last_policy. Returns: the response length. */
size_t query_policy_response(rt_ctx_t *ctx, uint8_t *buf, size_t cap, size_t limit, qstate_t *q,
                             uint32_t pol, const rt_peer_t *peer);

#endif
