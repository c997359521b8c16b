/* metrics.c -- per-thread counters and the /metrics body
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics.h"

struct rt_metrics {
    rt_metrics_cfg_t cfg;
    rt_stats_t *threads;
    uint64_t *sum;            /* renderer scratch: one thread's worth */
    int64_t started;
};

static const char *const qtype_names[RT_STATS_QTYPES] = {
    "A", "NS", "CNAME", "SOA", "PTR", "MX", "TXT", "AAAA",
    "SRV", "NAPTR", "DS", "DNSKEY", "SVCB", "HTTPS", "ANY", "OTHER"};
static const char *const rcode_names[RT_STATS_RCODES] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "NOTAUTH", "OTHER"};

static size_t qcount(const rt_metrics_t *m)
{
    return ((size_t)m->cfg.zones + 1) * RT_STATS_QTYPES * RT_STATS_RCODES;
}

/* Rounded up to whole cache lines so two threads never share one. */
static void *lines(size_t bytes)
{
    size_t sz = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, sz ? sz : 64);
    if (p)
        memset(p, 0, sz ? sz : 64);
    return p;
}

rt_metrics_t *rt_metrics_new(const rt_metrics_cfg_t *cfg)
{
    rt_metrics_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cfg = *cfg;
    if (m->cfg.threads == 0)
        m->cfg.threads = 1;
    m->threads = lines(m->cfg.threads * sizeof *m->threads);
    m->sum = lines(qcount(m) * sizeof(uint64_t));
    if (!m->threads || !m->sum) {
        rt_metrics_free(m);
        return NULL;
    }
    for (unsigned t = 0; t < m->cfg.threads; t++) {
        rt_stats_t *st = &m->threads[t];
        st->zones = cfg->zones;
        st->rules = cfg->rules;
        st->q = lines(qcount(m) * sizeof(uint64_t));
        st->decisions = lines((size_t)cfg->rules * sizeof(uint64_t));
        if (!st->q || !st->decisions) {
            rt_metrics_free(m);
            return NULL;
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->started = (int64_t)ts.tv_sec;
    return m;
}

void rt_metrics_free(rt_metrics_t *m)
{
    if (!m)
        return;
    for (unsigned t = 0; m->threads && t < m->cfg.threads; t++) {
        free(m->threads[t].q);
        free(m->threads[t].decisions);
    }
    free(m->threads);
    free(m->sum);
    free(m);
}

rt_stats_t *rt_metrics_thread(rt_metrics_t *m, unsigned t)
{
    return m && t < m->cfg.threads ? &m->threads[t] : NULL;
}

static void zone_label(rt_metrics_t *m, rt_out_t *o, uint32_t z)
{
    char buf[300];
    size_t n;
    if (z == 0) {
        rt_out_write(o, "", 0);
        return;
    }
    if (m->cfg.zone_name)
        n = m->cfg.zone_name(m->cfg.ctx, z - 1, buf, sizeof buf);
    else
        n = (size_t)snprintf(buf, sizeof buf, "zone%u", z - 1);
    rt_out_prom_label(o, buf, n < sizeof buf ? n : sizeof buf - 1);
}

void rt_metrics_render(rt_metrics_t *m, rt_health_t *h, rt_out_t *o)
{
    rt_out_printf(o, "# HELP zonec_queries_total Queries answered, by zone (empty: none of "
                     "ours), query type and response code.\n"
                     "# TYPE zonec_queries_total counter\n");
    if (m) {
        size_t n = qcount(m);
        memset(m->sum, 0, n * sizeof *m->sum);
        for (unsigned t = 0; t < m->cfg.threads; t++)
            for (size_t k = 0; k < n; k++)
                m->sum[k] += __atomic_load_n(&m->threads[t].q[k], __ATOMIC_RELAXED);
        for (size_t k = 0; k < n; k++) {
            if (!m->sum[k])
                continue;
            uint32_t z = (uint32_t)(k / (RT_STATS_QTYPES * RT_STATS_RCODES));
            unsigned qt = (unsigned)(k / RT_STATS_RCODES % RT_STATS_QTYPES);
            unsigned rc = (unsigned)(k % RT_STATS_RCODES);
            rt_out_printf(o, "zonec_queries_total{zone=\"");
            zone_label(m, o, z);
            rt_out_printf(o, "\",qtype=\"%s\",rcode=\"%s\"} %llu\n", qtype_names[qt],
                          rcode_names[rc], (unsigned long long)m->sum[k]);
        }
    }
    rt_out_printf(o, "# HELP zonec_policy_decisions_total Routing-policy evaluations, by "
                     "rule (owner/type).\n# TYPE zonec_policy_decisions_total counter\n");
    if (m) {
        for (uint32_t r = 0; r < m->cfg.rules; r++) {
            uint64_t s = 0;
            for (unsigned t = 0; t < m->cfg.threads; t++)
                s += __atomic_load_n(&m->threads[t].decisions[r], __ATOMIC_RELAXED);
            char buf[300];
            size_t n = m->cfg.rule_name ? m->cfg.rule_name(m->cfg.ctx, r, buf, sizeof buf)
                                        : (size_t)snprintf(buf, sizeof buf, "rule%u", r);
            rt_out_printf(o, "zonec_policy_decisions_total{rule=\"");
            rt_out_prom_label(o, buf, n < sizeof buf ? n : sizeof buf - 1);
            rt_out_printf(o, "\"} %llu\n", (unsigned long long)s);
        }
        rt_out_printf(o, "# HELP zonec_start_time_seconds Unix time the server started.\n"
                         "# TYPE zonec_start_time_seconds gauge\nzonec_start_time_seconds %lld\n",
                      (long long)m->started);
    }
    rt_health_render_prom(h, o);
}
