/* query_policy.c -- the packet path for names answered by a routing policy
 * SPDX-License-Identifier: MIT
 *
 * The client is the ECS address when the query carries one (RFC 7871 §7.1.1),
 * else the packet's source. The evaluator (policy_eval.c, shared with
 * `zonec query`) picks a precompiled image, a set of per-record fragments
 * (multivalue) or NODATA; this file turns that into the response.
 */
#include <stdint.h>
#include <string.h>

#include "health.h"
#include "query_int.h"

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
    if (!ctx->rng_seeded) { /* --seed: every thread starts from db->rng_seed */
        if (db->rng_seed)
            ctx->rng = db->rng_seed;
        ctx->rng_seeded = 1;
    }
    if (ctx->rng == 0)
        ctx->rng = 1; /* xorshift must not start at 0 */
    const uint64_t *health = ctx->health ? ctx->health : db->health;
    uint64_t snap[RT_HEALTH_SNAP_WORDS]; /* live prober: one consistent view per query */
    if (!ctx->health && db->health_live && db->health_words <= RT_HEALTH_SNAP_WORDS) {
        rt_health_snapshot(db->health_live, db->health_words, snap);
        health = snap;
    }
    ctx->last_policy = pol;
    rt_policy_result_t pr;
    switch (rt_policy_eval(&db->pol, pol, &cl, health, &ctx->rng, &pr)) {
    case RT_PR_IMAGE:
        q->ecs_scope = pr.scope;
        return query_image_response(buf, limit, q, pr.image, pr.image_bytes);
    case RT_PR_NODATA: {
        q->ecs_scope = pr.scope;
        if (q->ans_zone >= db->hdr->zone_count)
            return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
        uint32_t img = db->zones[q->ans_zone].nodata_img;
        if (!query_image_valid(db, img))
            return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
        return query_image_response(buf, limit, q, &db->images[img], db->bytes);
    }
    case RT_PR_FRAGS: {
        /* multivalue: AA, NOERROR, answer section only; whole RRs while they fit */
        q->ecs_scope = pr.scope;
        size_t opt_len = query_answer_opt_len(q);
        unsigned w = 0;
        size_t n = rt_policy_write_frags(&db->pol, &pr, buf + q->q_end,
                                         limit - q->q_end - opt_len, &w);
        query_set_header(buf, 0, 1);
        if (w < pr.nfrags)
            WIRE_SET_TC(buf);
        wire_set_counts(buf, 1, (uint16_t)w, 0, (uint16_t)(opt_len ? 1 : 0));
        size_t end = q->q_end + n;
        if (opt_len)
            end += query_write_opt(buf + end, q, 0, 0);
        return end;
    }
    default:
        return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
    }
}
