/* http.h -- the --http ADDR:PORT endpoint: /health (JSON) and /metrics
 * SPDX-License-Identifier: MIT
 *
 * One small thread, separate from the prober and the packet threads; it
 * only reads their published state (health.h snapshots, metrics.h
 * counters). Hostile clients are bounded: a request is at most 4096 bytes
 * and must arrive within 2 s, a response must be taken within 5 s, one
 * connection is served at a time (a stuck client delays only this
 * endpoint, never the prober or the packet path), then it is closed.
 *
 *   GET /health    200 application/json   (rt_health_render_json)
 *   GET /metrics   200 text/plain; version=0.0.4 (Prometheus text format)
 *   GET /          200 text/plain, a short index
 *   other paths 404, other methods 405, oversized / malformed requests 400.
 */
#ifndef ZONEC_HTTP_H
#define ZONEC_HTTP_H

#include "health.h"
#include "metrics.h"

typedef struct rt_http rt_http_t;

/* Binds addr ("127.0.0.1:9053", "[::1]:9053", "0.0.0.0:9053") and starts the
 * thread. h and m may be NULL (empty families) and must outlive the thread.
 * Returns: 0 with *out set, or -1 with a message in err[0..errlen). */
int rt_http_start(const char *addr, rt_health_t *h, rt_metrics_t *m, rt_http_t **out,
                  char *err, size_t errlen);

/* Stops and joins the thread, closes the socket. NULL ok. */
void rt_http_stop(rt_http_t *s);

#endif
