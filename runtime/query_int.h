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
#include <string.h>

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

/* Bytes of the OPT RR of an answer to q: none without an OPT in the query;
 * the fixed part, and the ECS option when it is echoed (q->ecs_echo). */
static inline size_t query_answer_opt_len_inline(const qstate_t *q)
{
    if (!q->has_opt)
        return 0;
    return WIRE_OPT_FIXED_LEN + (q->ecs_echo ? 8u + (q->ecs.source + 7u) / 8u : 0u);
}

/* The fixed part of a response's OPT RR at out (RFC 6891 §6.1.2): payload
 * 1232, version 0, DO copied, the extended RCODE bits of ext_rcode, RDLEN
 * rdlen (the caller writes the options after it, at out + 11). */
static inline void query_write_opt_fixed(uint8_t *out, const qstate_t *q, unsigned ext_rcode,
                                         uint16_t rdlen)
{
    out[0] = 0;
    wire_write_u16(out + 1, WIRE_TYPE_OPT);
    wire_write_u16(out + 3, RT_EDNS_MAX_UDP);
    out[5] = (uint8_t)(ext_rcode >> 4);
    out[6] = 0;
    wire_write_u16(out + 7, q->opt_flags & WIRE_OPT_DO_MASK);
    wire_write_u16(out + 9, rdlen);
}

/* query_write_opt() without EDE, inline: the OPT RR at out with the
 * extended RCODE bits of ext_rcode, ECS with q->ecs_scope when q->ecs_echo.
 * Returns: its length. */
static inline size_t query_write_opt_ecs(uint8_t *out, const qstate_t *q, unsigned ext_rcode)
{
    size_t e = q->ecs_echo ? rt_ecs_write(out + 11, 24, &q->ecs, q->ecs_scope) : 0;
    query_write_opt_fixed(out, q, ext_rcode, (uint16_t)e);
    return WIRE_OPT_FIXED_LEN + e;
}

/* The OPT RR of an answer (no extended RCODE, no EDE). Returns: its length. */
static inline size_t query_write_answer_opt(uint8_t *out, const qstate_t *q)
{
    return query_write_opt_ecs(out, q, 0);
}

/* Added by P2 (policy answers). The end of an answer whose body[0..body)
 * already follows the question: header (QR, opcode and RD kept, AA and
 * RCODE from img_flags, rt.h RT_IMG_*), counts, and the OPT RR of an answer
 * (query_write_opt() with no extended RCODE and no EDE; ECS when
 * q->ecs_echo). The caller checked that the OPT (query_answer_opt_len())
 * fits. Inline: what query_image_response() and query_write_opt() do for
 * an answer, without their calls. Returns: the response length. */
static inline size_t query_answer_tail_inline(uint8_t *buf, const qstate_t *q, size_t body,
                                              unsigned img_flags, uint16_t an, uint16_t ns,
                                              uint16_t ar)
{
    uint8_t f1 = (uint8_t)(WIRE_QR_MASK | (WIRE_FLAGS1(buf) & (WIRE_OPCODE_MASK | WIRE_RD_MASK)));
    if (img_flags & RT_IMG_AA)
        f1 |= WIRE_AA_MASK;
    WIRE_FLAGS1(buf) = f1;
    WIRE_FLAGS2(buf) = (uint8_t)(img_flags & RT_IMG_RCODE_MASK & WIRE_RCODE_MASK);
    size_t pos = q->q_end + body;
    if (!q->has_opt) {
        wire_set_counts(buf, 1, an, ns, ar);
        return pos;
    }
    wire_set_counts(buf, 1, an, ns, (uint16_t)(ar + 1));
    return pos + query_write_answer_opt(buf + pos, q);
}

/* Added by P2. query_image_response() for the common case, inline: image
 * im fits whole within limit and has no fixups (so its cut points do not
 * matter). Returns: the response length, or 0 when the case does not
 * apply (call query_image_response()). */
static inline size_t query_image_whole_inline(uint8_t *buf, size_t limit, const qstate_t *q,
                                              const rt_image_t *im, const uint8_t *pool)
{
    size_t len = im->len;
    size_t opt_len = query_answer_opt_len_inline(q);
    /* q_end + opt_len <= 12 + 255 + 4 + 35 < 512 <= limit */
    if ((im->flags & RT_IMG_FIXUPS) || len > limit - q->q_end - opt_len)
        return 0;
    const uint8_t *src = pool + im->off;
    uint8_t *out = buf + q->q_end;
    if (len >= 16 && len <= 32) { /* an A or AAAA record: two overlapping moves, no call */
        uint8_t a[16], b[16];
        memcpy(a, src, 16);
        memcpy(b, src + len - 16, 16);
        memcpy(out, a, 16);
        memcpy(out + len - 16, b, 16);
    } else {
        memcpy(out, src, len);
    }
    return query_answer_tail_inline(buf, q, len, im->flags, im->ancount, im->nscount,
                                    im->arcount);
}

/* Answers a name whose type entry is routing policy pol (RT_TYPEENT_POLICY
 * stripped): picks the client (ECS, else peer), evaluates the policy
 * against the health bits and the thread's random state, writes the chosen
 * image, fragments or the zone's NODATA. limit is the response size limit.
 * Sets ctx->last_policy. Returns: the response length. */
size_t query_policy_response(rt_ctx_t *ctx, uint8_t *buf, size_t cap, size_t limit, qstate_t *q,
                             uint32_t pol, const rt_peer_t *peer);

#endif
