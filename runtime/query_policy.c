/* query_policy.c -- the packet path for names answered by a routing policy
 * SPDX-License-Identifier: MIT
 *
 * The client is the ECS address when the query carries one (RFC 7871 §7.1.1),
 * else the packet's source. The evaluator (policy_eval.c, shared with
 * `zonec query`) picks a precompiled image, a set of per-record fragments
 * (multivalue) or NODATA; this file turns that into the response. The
 * usual policy shapes are evaluated inline (policy_eval_int.h) and the
 * common answers (an image that fits, fragments) written inline
 * (query_int.h), as the static path writes its images.
 */
#include <stdint.h>
#include <string.h>

#include "health.h"
#include "policy_eval_int.h"
#include "query_int.h"

/* The live prober's bitmap copied into snap (one consistent view per
 * query). Out of line: its 8 KiB stack array is not the common case's. */
static __attribute__((noinline)) int eval_live(const rt_db_t *db, uint32_t pol,
                                               const rt_client_t *cl, uint64_t *rng,
                                               rt_policy_result_t *pr)
{
    uint64_t snap[RT_HEALTH_SNAP_WORDS];
    rt_health_snapshot(db->health_live, db->health_words, snap);
    return rt_policy_eval(&db->pol, pol, cl, snap, rng, pr);
}

size_t query_policy_response(rt_ctx_t *ctx, uint8_t *buf, size_t cap, size_t limit, qstate_t *q,
                             uint32_t pol, const rt_peer_t *peer)
{
    const rt_db_t *db = ctx->db;
    /* the client: fixed-size copies (the evaluator reads 4 address bytes
     * for IPv4, 16 for IPv6; an ECS address is zero past its source bits) */
    rt_client_t cl;
    if (q->has_ecs) {
        cl.family = q->ecs.family;
        cl.src_len = q->ecs.source;
        memcpy(cl.addr, q->ecs.addr, sizeof cl.addr);
    } else if (peer && (peer->family == 4 || peer->family == 6)) {
        cl.family = peer->family;
        cl.src_len = peer->family == 4 ? 32 : 128;
        memcpy(cl.addr, peer->addr, sizeof cl.addr);
    } else {
        cl.family = 0;
        cl.src_len = 0;
    }
    if (__builtin_expect(!ctx->rng_seeded || ctx->rng == 0, 0)) {
        if (!ctx->rng_seeded && db->rng_seed) /* --seed: every thread starts from db->rng_seed */
            ctx->rng = db->rng_seed;
        ctx->rng_seeded = 1;
        if (ctx->rng == 0)
            ctx->rng = 1; /* xorshift must not start at 0 */
    }
    ctx->last_policy = pol;
    rt_policy_result_t pr;
    int kind;
    if (ctx->health || !db->health_live || db->health_words > RT_HEALTH_SNAP_WORDS) {
        /* the usual shapes inline (policy_eval_int.h), else the general walk */
        const uint64_t *health = ctx->health ? ctx->health : db->health;
        kind = rt_policy_eval_flat(&db->pol, pol, &cl, health, &ctx->rng, &pr);
        if (kind == 0)
            kind = rt_policy_eval(&db->pol, pol, &cl, health, &ctx->rng, &pr);
    } else {
        kind = eval_live(db, pol, &cl, &ctx->rng, &pr);
    }
    q->ecs_scope = pr.scope;
    switch (kind) {
    case RT_PR_IMAGE: {
        size_t r = query_image_whole_inline(buf, limit, q, pr.image, pr.image_bytes);
        return r ? r : query_image_response(buf, limit, q, pr.image, pr.image_bytes);
    }
    case RT_PR_NODATA: {
        if (q->ans_zone >= db->hdr->zone_count)
            return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
        uint32_t img = db->zones[q->ans_zone].nodata_img;
        if (!query_image_valid(db, img))
            return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
        return query_image_response(buf, limit, q, &db->images[img], db->bytes);
    }
    case RT_PR_FRAGS: {
        /* multivalue: AA, NOERROR, answer section only; whole RRs while they fit */
        size_t opt_len = !q->has_opt ? 0
                                     : WIRE_OPT_FIXED_LEN +
                                           (q->ecs_echo ? 8u + (q->ecs.source + 7u) / 8u : 0u);
        size_t room = limit - q->q_end - opt_len, n;
        unsigned w = pr.nfrags;
        if (pr.run && pr.run_len == 16 && w == RT_POLICY_MAX_MULTI && 16u * w <= room) {
            /* eight A records (the most a multivalue answers) that fit, inline */
            run_shuffle16(buf + q->q_end, pr.run, RT_POLICY_MAX_MULTI, pr.order);
            n = 16u * RT_POLICY_MAX_MULTI;
        } else {
            n = rt_policy_write_frags(&db->pol, &pr, buf + q->q_end, room, &w);
        }
        size_t end = query_answer_tail_inline(buf, q, n, RT_IMG_AA, (uint16_t)w, 0, 0);
        if (w < pr.nfrags)
            WIRE_SET_TC(buf);
        return end;
    }
    default:
        return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
    }
}
