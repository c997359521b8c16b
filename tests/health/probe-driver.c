/* probe-driver.c -- runs the prober and the --http endpoint on checks given
 * on the command line (tests/health/run.sh), before the blob carries checks.
 * SPDX-License-Identifier: MIT
 *
 *   probe-driver [--http ADDR:PORT] [--check-state NAME=up|down]...
 *                [--duration SECONDS] [--fake-queries N] CHECK...
 *   CHECK = name=N,kind=tcp|http|https|calculated[,addr=IP][,port=P][,host=H]
 *           [,path=P][,contains=S][,expect=LO-HI][,interval=MS][,timeout=MS]
 *           [,fall=N][,rise=N][,inverted][,children=A+B+C][,atleast=N]
 * Runs until SIGTERM/SIGINT or the duration; exit 0.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "http.h"
#include "metrics.h"

#define MAXC 4096

static char pool[1 << 20];
static size_t pool_len;
static rt_check_def_t defs[MAXC];
static char *child_names[MAXC];
static uint32_t children[MAXC * 4];
static size_t nchildren;
static volatile sig_atomic_t stop;

static void on_sig(int s) { (void)s; stop = 1; }

static uint32_t put(const char *s, size_t n)
{
    if (pool_len + n > sizeof pool) {
        fprintf(stderr, "probe-driver: string pool full\n");
        exit(2);
    }
    memcpy(pool + pool_len, s, n);
    pool_len += n;
    return (uint32_t)(pool_len - n);
}

static void die(const char *m, const char *a)
{
    fprintf(stderr, "probe-driver: %s: %s\n", m, a);
    exit(2);
}

static void parse_check(rt_check_def_t *d, char *spec, size_t idx)
{
    memset(d, 0, sizeof *d);
    d->kind = 255;
    for (char *save = NULL, *f = strtok_r(spec, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char *v = strchr(f, '=');
        if (v)
            *v++ = 0;
        if (strcmp(f, "inverted") == 0) {
            d->flags |= RT_CKF_INVERTED;
            continue;
        }
        if (!v)
            die("field without value", f);
        if (strcmp(f, "name") == 0) {
            d->name_len = (uint16_t)strlen(v);
            d->name_off = put(v, d->name_len);
        } else if (strcmp(f, "kind") == 0) {
            d->kind = strcmp(v, "tcp") == 0 ? RT_CK_TCP : strcmp(v, "http") == 0 ? RT_CK_HTTP
                    : strcmp(v, "https") == 0 ? RT_CK_HTTPS
                    : strcmp(v, "calculated") == 0 ? RT_CK_CALCULATED : 255;
        } else if (strcmp(f, "addr") == 0) {
            if (inet_pton(AF_INET, v, d->addr) == 1)
                ;
            else if (inet_pton(AF_INET6, v, d->addr) == 1)
                d->flags |= RT_CKF_IPV6;
            else
                die("bad address", v);
        } else if (strcmp(f, "port") == 0) {
            d->port = (uint16_t)atoi(v);
        } else if (strcmp(f, "host") == 0) {
            d->host_len = (uint16_t)strlen(v);
            d->host_off = put(v, d->host_len);
        } else if (strcmp(f, "path") == 0) {
            d->path_len = (uint16_t)strlen(v);
            d->path_off = put(v, d->path_len);
        } else if (strcmp(f, "contains") == 0) {
            d->contains_len = (uint16_t)strlen(v);
            d->contains_off = put(v, d->contains_len);
        } else if (strcmp(f, "expect") == 0) {
            unsigned lo, hi;
            if (sscanf(v, "%u-%u", &lo, &hi) != 2)
                die("bad expect", v);
            d->expect_lo = (uint16_t)lo;
            d->expect_hi = (uint16_t)hi;
        } else if (strcmp(f, "interval") == 0) {
            d->interval_ms = (uint32_t)atol(v);
        } else if (strcmp(f, "timeout") == 0) {
            d->timeout_ms = (uint32_t)atol(v);
        } else if (strcmp(f, "fall") == 0) {
            d->fall = (uint8_t)atoi(v);
        } else if (strcmp(f, "rise") == 0) {
            d->rise = (uint8_t)atoi(v);
        } else if (strcmp(f, "children") == 0) {
            child_names[idx] = strdup(v);
        } else if (strcmp(f, "atleast") == 0) {
            d->at_least = (uint16_t)atoi(v);
        } else {
            die("unknown field", f);
        }
    }
    if (d->kind == 255 || d->name_len == 0)
        die("check needs name= and kind=", spec);
    if (d->kind != RT_CK_CALCULATED && d->port == 0)
        d->port = d->kind == RT_CK_HTTPS ? 443 : 80;
}

int main(int argc, char **argv)
{
    const char *http = NULL;
    char *pins_txt[64];
    size_t npins_txt = 0, n = 0;
    double duration = 0;
    unsigned fake = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--http") == 0 && i + 1 < argc)
            http = argv[++i];
        else if (strcmp(argv[i], "--check-state") == 0 && i + 1 < argc && npins_txt < 64)
            pins_txt[npins_txt++] = argv[++i];
        else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc)
            duration = atof(argv[++i]);
        else if (strcmp(argv[i], "--fake-queries") == 0 && i + 1 < argc)
            fake = (unsigned)atoi(argv[++i]);
        else if (n < MAXC)
            parse_check(&defs[n], argv[i], n), n++;
        else
            die("too many checks", argv[i]);
    }
    /* calculated children by name */
    for (size_t i = 0; i < n; i++) {
        if (defs[i].kind != RT_CK_CALCULATED)
            continue;
        defs[i].child_first = (uint32_t)nchildren;
        for (char *save = NULL, *c = child_names[i] ? strtok_r(child_names[i], "+", &save) : NULL;
             c; c = strtok_r(NULL, "+", &save)) {
            size_t k;
            for (k = 0; k < n; k++)
                if (defs[k].name_len == strlen(c) && memcmp(pool + defs[k].name_off, c, strlen(c)) == 0)
                    break;
            if (k == n)
                die("unknown child", c);
            children[nchildren++] = (uint32_t)k;
            defs[i].child_count++;
        }
    }
    char err[256];
    rt_pin_t pins[64];
    for (size_t p = 0; p < npins_txt; p++)
        if (rt_health_pin_parse(defs, n, pool, pins_txt[p], &pins[p], err, sizeof err) < 0)
            die(err, pins_txt[p]);

    rt_health_cfg_t cfg = {.defs = defs, .n = n, .strings = pool, .strings_len = pool_len,
                           .children = children, .nchildren = nchildren, .pins = pins,
                           .npins = npins_txt};
    rt_health_t *h;
    if (rt_health_start(&cfg, &h, err, sizeof err) < 0)
        die("start", err);
    rt_metrics_cfg_t mc = {.threads = 2, .zones = 1, .rules = 1};
    rt_metrics_t *m = rt_metrics_new(&mc);
    for (unsigned q = 0; q < fake; q++) {
        rt_stats_query(rt_metrics_thread(m, q % 2), 0, 1, 0);
        rt_stats_query(rt_metrics_thread(m, q % 2), RT_STATS_NOZONE, 28, 5);
        rt_stats_decision(rt_metrics_thread(m, q % 2), 0);
    }
    rt_http_t *srv = NULL;
    if (http && rt_http_start(http, h, m, &srv, err, sizeof err) < 0)
        die("http", err);
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    fprintf(stderr, "probe-driver: %zu checks running\n", n);
    for (double t = 0; !stop && (duration <= 0 || t < duration); t += 0.05)
        usleep(50000);
    rt_http_stop(srv);
    rt_health_stop(h);
    rt_metrics_free(m);
    for (size_t i = 0; i < n; i++)
        free(child_names[i]);
    return 0;
}
