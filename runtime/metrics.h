/* metrics.h -- per-thread query and policy counters for /metrics
 * SPDX-License-Identifier: MIT
 *
 * The packet path counts into its OWN rt_stats_t (one per worker thread,
 * cache-line aligned, allocated at start-up): a counter is written only by
 * its thread, with a relaxed load + relaxed store (a plain increment on
 * x86-64, but never torn for the reader). The /metrics renderer sums the
 * threads. No lock, no allocation, no shared cache line on the packet path.
 *
 * HOOK (net.c, after rt_query_process() returned len > 0 for a query):
 *     rt_stats_count_wire(st, ctx.last_zone, resp, len);
 *     if (ctx.last_policy != RT_PNONE) rt_stats_decision(st, ctx.last_policy);
 * where st = rt_metrics_thread(m, thread_index), fetched by runtime/main.c
 * into rt_db_t.thread_stats[] (query.h) so that net.c uses only the inline
 * counters here and does not link the renderer.
 */
#ifndef ZONEC_METRICS_H
#define ZONEC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"

#define RT_STATS_QTYPES 16u   /* buckets, see rt_stats_qtype_bucket() */
#define RT_STATS_RCODES 8u    /* NOERROR..REFUSED, NOTAUTH, other */
#define RT_STATS_NOZONE 0xffffffffu

typedef struct rt_stats {
    uint64_t *q;              /* [(zones + 1) * QTYPES * RCODES]; zone slot 0 = none */
    uint64_t *decisions;      /* [rules] */
    uint32_t zones, rules;
} rt_stats_t;

static inline unsigned rt_stats_qtype_bucket(uint16_t qtype)
{
    switch (qtype) {
    case 1: return 0;      /* A */
    case 2: return 1;      /* NS */
    case 5: return 2;      /* CNAME */
    case 6: return 3;      /* SOA */
    case 12: return 4;     /* PTR */
    case 15: return 5;     /* MX */
    case 16: return 6;     /* TXT */
    case 28: return 7;     /* AAAA */
    case 33: return 8;     /* SRV */
    case 35: return 9;     /* NAPTR */
    case 43: return 10;    /* DS */
    case 48: return 11;    /* DNSKEY */
    case 64: return 12;    /* SVCB */
    case 65: return 13;    /* HTTPS */
    case 255: return 14;   /* ANY */
    default: return 15;    /* other */
    }
}

static inline unsigned rt_stats_rcode_bucket(unsigned rcode)
{
    return rcode <= 5 ? rcode : rcode == 9 ? 6 : 7;
}

static inline void rt_stats_bump(uint64_t *c)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Counts one answered query. zone: blob zone index or RT_STATS_NOZONE. */
static inline void rt_stats_query(rt_stats_t *st, uint32_t zone, uint16_t qtype, unsigned rcode)
{
    if (!st)
        return;
    uint32_t z = zone < st->zones ? zone + 1 : 0;
    rt_stats_bump(&st->q[((size_t)z * RT_STATS_QTYPES + rt_stats_qtype_bucket(qtype)) *
                             RT_STATS_RCODES + rt_stats_rcode_bucket(rcode)]);
}

/* Counts one evaluation of policy `rule`. */
static inline void rt_stats_decision(rt_stats_t *st, uint32_t rule)
{
    if (st && rule < st->rules)
        rt_stats_bump(&st->decisions[rule]);
}

/* Counts a response by its wire image: RCODE from the header, QTYPE from
 * the question (other if there is none or it is malformed). Inline, so the
 * packet path (net.c) links without the renderer and its TLS library. */
static inline void rt_stats_count_wire(rt_stats_t *st, uint32_t zone, const uint8_t *resp, size_t len)
{
    if (!st || len < 12)
        return;
    unsigned rcode = resp[3] & 0x0f;
    uint16_t qtype = 0;
    if (((resp[4] << 8) | resp[5]) >= 1) {
        size_t p = 12;
        while (p < len && resp[p] != 0 && (resp[p] & 0xc0) == 0)
            p += (size_t)resp[p] + 1;
        if (p + 2 < len && resp[p] == 0)
            qtype = (uint16_t)((resp[p + 1] << 8) | resp[p + 2]);
    }
    rt_stats_query(st, zone, qtype, rcode);
}

typedef struct rt_metrics rt_metrics_t;

typedef struct rt_metrics_cfg {
    unsigned threads;         /* packet threads, each gets one rt_stats_t */
    uint32_t zones;           /* zone label values 0..zones-1 */
    uint32_t rules;           /* policy label values 0..rules-1 */
    /* Label text of zone / rule i into buf[0..cap); returns its length.
     * NULL: "zone<i>" / "rule<i>". Called only by the renderer. */
    size_t (*zone_name)(void *ctx, uint32_t i, char *buf, size_t cap);
    size_t (*rule_name)(void *ctx, uint32_t i, char *buf, size_t cap);
    void *ctx;
} rt_metrics_cfg_t;

/* Allocates every thread's counters. Returns NULL when out of memory. */
rt_metrics_t *rt_metrics_new(const rt_metrics_cfg_t *cfg);
void rt_metrics_free(rt_metrics_t *m);

/* Thread t's counters (t < threads), NULL for m NULL or t out of range. */
rt_stats_t *rt_metrics_thread(rt_metrics_t *m, unsigned t);

/* The whole /metrics body: query and decision counters (m may be NULL),
 * then the health families (h may be NULL). */
void rt_metrics_render(rt_metrics_t *m, rt_health_t *h, rt_out_t *o);

#endif
