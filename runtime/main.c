/* main.c -- start-up of a compiled zone server: flags, blob check, serve
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "http.h"
#include "metrics.h"
#include "net.h"
#include "privs.h"
#include "qlog.h"
#include "query.h"
#include "rrl.h"
#include "rt.h"

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--listen ADDR:PORT]... [--threads N] [--check-state CHECK=up|down]...\n"
            "          [--seed N] [--rrl RATE] [--rrl-slip N] [--cpus LIST] [--tcp-max N]\n"
            "          [--user NAME|UID[:GID]] [--chroot DIR] [--log-queries FILE|-]\n"
            "          [--http ADDR:PORT] [--no-probes]\n"
            "          [--version] [--help]\n"
            "  --listen ADDR:PORT  UDP and TCP on this address (repeatable), e.g.\n"
            "                      127.0.0.1:5300 or [::1]:5300;\n"
            "                      default 0.0.0.0:53 and [::]:53\n"
            "  --threads N         worker threads, each with its own sockets (default 1)\n"
            "  --check-state CHECK=up|down\n"
            "                      pin a health check's state (repeatable)\n"
            "  --seed N            start the random state of weighted/multivalue answers\n"
            "                      as `zonec query --seed N` does (per thread)\n"
            "  --rrl RATE          UDP responses per second per client network (/24, /56)\n"
            "                      and response kind (default 200; 0 = no rate limiting)\n"
            "  --rrl-slip N        every Nth rate-limited response goes out truncated\n"
            "                      (TC=1), the others are dropped (default 2; 0 = drop all)\n"
            "  --cpus LIST         pin worker threads to these CPUs, e.g. 0,2-3\n"
            "  --tcp-max N         TCP connections in all threads together (default 2048)\n"
            "  --user NAME|UID[:GID]  switch to this user after binding (NAME from /etc/passwd)\n"
            "  --chroot DIR        chroot to DIR after binding (before --user)\n"
            "  --log-queries FILE|-  one line per query to FILE (appended) or stdout\n"
            "  --http ADDR:PORT    serve /health (JSON) and /metrics (Prometheus) here,\n"
            "                      e.g. 127.0.0.1:9053\n"
            "  --no-probes         run no health probes: checks keep their initial state\n"
            "                      (healthy, inverted ones unhealthy) unless pinned, as\n"
            "                      `zonec query` assumes (tests, offline comparison)\n"
            "  --version           print the compiler version and the zones, then exit\n"
            "  --help              print this help and exit\n",
            prog);
}

/* ---- routing policies: --check-state and --seed (R1) ------------------
 * The health bitmap lives for the whole process; workers read it through
 * db->health (the prober, when it runs, stores whole words into it). A
 * pinned check keeps its state; calculated checks are derived from the
 * others. --seed N starts every worker thread's random state at the same
 * value as `zonec query --seed N`; each thread's state then advances by
 * one step per random draw of the queries it answers, so answers match
 * `zonec query` one to one only for the first query, or for a sequence of
 * queries sent to a server with --threads 1 replayed in the same order. */
#define RT_MAX_PINS 256

static int policy_setup(rt_db_t *db, char **pins, int npins, int have_seed, uint64_t seed,
                        const char *name)
{
    if (have_seed)
        db->rng_seed = rt_policy_seed(seed); /* as `zonec query --seed` (compiler/main.c) */
    if (db->pol.hdr == NULL) {
        if (npins > 0) {
            fprintf(stderr, "%s: unknown health check '%.*s' (this server has no checks)\n", name,
                    (int)strcspn(pins[0], "="), pins[0]);
            return -1;
        }
        return 0;
    }
    size_t hw = rt_policy_health_words(&db->pol);
    uint64_t *health = calloc(hw, sizeof *health), *pinned = calloc(hw, sizeof *pinned);
    if (health == NULL || pinned == NULL) {
        fprintf(stderr, "%s: out of memory\n", name);
        free(health);
        free(pinned);
        return -1;
    }
    rt_policy_health_init(&db->pol, health);
    for (int i = 0; i < npins; i++) {
        const char *eq = strrchr(pins[i], '=');
        int up = eq && strcmp(eq + 1, "up") == 0, down = eq && strcmp(eq + 1, "down") == 0;
        if (!up && !down) {
            fprintf(stderr, "%s: invalid --check-state '%s' (want CHECK=up or CHECK=down)\n", name,
                    pins[i]);
            goto fail;
        }
        long k = rt_policy_check_find(&db->pol, pins[i], (size_t)(eq - pins[i]));
        if (k < 0) {
            fprintf(stderr, "%s: unknown health check '%.*s'\n", name, (int)(eq - pins[i]), pins[i]);
            goto fail;
        }
        if (up)
            health[k / 64] |= 1ull << (k % 64);
        else
            health[k / 64] &= ~(1ull << (k % 64));
        pinned[k / 64] |= 1ull << (k % 64);
    }
    rt_policy_health_derive(&db->pol, health, pinned);
    free(pinned);
    db->health = health; /* lives until exit */
    return 0;
fail:
    free(health);
    free(pinned);
    return -1;
}

/* ---- live health and the --http endpoint (H) ---------------------------
 * When the blob carries probe definitions (rt_policy_hdr.probes_off), the
 * prober (health.h) runs every tcp/http/https check and publishes a bitmap;
 * db->health_live points at it and each policy evaluation snapshots it.
 * --check-state pins go to the prober too (a pinned check is never probed),
 * so the pinned states are exactly those policy_setup() computed. With
 * --http, per-thread counters (metrics.h) are handed to net.c through
 * db->thread_stats, and rt_http serves /health and /metrics. */
typedef struct live {
    rt_health_t *health;
    rt_metrics_t *metrics;
    rt_http_t *http;
    rt_stats_t **stats;
    rt_pin_t *pins;
    const rt_db_t *db;
} live_t;

/* Text of a wire name (lowercase, from the blob) with the trailing dot. */
static size_t name_text(const uint8_t *w, size_t wlen, char *buf, size_t cap)
{
    size_t n = 0, p = 0;
    if (cap == 0)
        return 0;
    while (p < wlen && w[p] != 0 && p + 1 + w[p] <= wlen) {
        for (size_t k = 1; k <= w[p]; k++) {
            unsigned char c = w[p + k];
            if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f)
                n += (size_t)snprintf(buf + (n < cap ? n : cap - 1), n < cap ? cap - n : 1,
                                      "\\%03u", c);
            else if (n + 1 < cap)
                buf[n++] = (char)c;
        }
        if (n + 1 < cap)
            buf[n++] = '.';
        p += 1u + w[p];
    }
    if (n == 0 && cap > 1)
        buf[n++] = '.';
    if (n >= cap)
        n = cap - 1;
    buf[n] = 0;
    return n;
}

static size_t zone_name_cb(void *ctx, uint32_t i, char *buf, size_t cap)
{
    const rt_db_t *db = ctx;
    if (i >= db->hdr->zone_count)
        return 0;
    const rt_zone_t *z = &db->zones[i];
    if ((uint64_t)z->name_off + z->name_len > db->hdr->bytes_len)
        return 0;
    return name_text(db->bytes + z->name_off, z->name_len, buf, cap);
}

static const char *type_mnemonic(uint16_t t, char *tmp, size_t cap)
{
    switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 12: return "PTR";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 257: return "CAA";
    default: snprintf(tmp, cap, "TYPE%u", t); return tmp;
    }
}

/* A policy's label: "owner./TYPE", e.g. "www.example.com./A". */
static size_t rule_name_cb(void *ctx, uint32_t i, char *buf, size_t cap)
{
    const rt_db_t *db = ctx;
    const rt_policy_db_t *pd = &db->pol;
    if (pd->hdr == NULL || i >= pd->hdr->policy_count || cap < 2)
        return 0;
    const rt_ppolicy_t *p = &pd->policies[i];
    size_t n = name_text(pd->bytes + p->name_off, p->name_len, buf, cap);
    char tmp[16];
    int k = snprintf(buf + n, cap - n, "/%s", type_mnemonic(p->type, tmp, sizeof tmp));
    n += k > 0 ? (size_t)k : 0;
    return n < cap ? n : cap - 1;
}

static int live_start(live_t *lv, rt_db_t *db, char **pins, int npins, int threads,
                      const char *http_addr, int no_probes, const char *name)
{
    char err[256];
    memset(lv, 0, sizeof *lv);
    lv->db = db;
    const rt_policy_db_t *pd = &db->pol;
    if (!no_probes && pd->hdr && pd->probes && pd->hdr->check_count > 0) {
        lv->pins = calloc(npins > 0 ? (size_t)npins : 1, sizeof *lv->pins);
        if (lv->pins == NULL) {
            fprintf(stderr, "%s: out of memory\n", name);
            return -1;
        }
        for (int i = 0; i < npins; i++) { /* validated by policy_setup() */
            const char *eq = strrchr(pins[i], '=');
            long k = rt_policy_check_find(pd, pins[i], (size_t)(eq - pins[i]));
            lv->pins[i].check = (uint32_t)k;
            lv->pins[i].up = strcmp(eq + 1, "up") == 0;
        }
        rt_health_cfg_t cfg = {pd->probes, pd->hdr->check_count, (const char *)pd->bytes,
                               pd->hdr->bytes_len, pd->items, pd->hdr->item_count,
                               lv->pins, (size_t)npins, NULL};
        if (rt_health_start(&cfg, &lv->health, err, sizeof err) < 0) {
            fprintf(stderr, "%s: health checks: %s\n", name, err);
            return -1;
        }
        if (rt_health_words(lv->health) != rt_policy_health_words(pd)) {
            fprintf(stderr, "%s: health checks: bitmap size mismatch\n", name);
            return -1;
        }
        db->health_live = rt_health_bitmap(lv->health);
        db->health_words = rt_health_words(lv->health);
    }
    if (http_addr == NULL)
        return 0;
    rt_metrics_cfg_t mc = {(unsigned)threads, db->hdr->zone_count,
                           pd->hdr ? pd->hdr->policy_count : 0, zone_name_cb, rule_name_cb,
                           (void *)db};
    lv->metrics = rt_metrics_new(&mc);
    lv->stats = calloc((size_t)threads, sizeof *lv->stats);
    if (lv->metrics == NULL || lv->stats == NULL) {
        fprintf(stderr, "%s: out of memory\n", name);
        return -1;
    }
    for (int t = 0; t < threads; t++)
        lv->stats[t] = rt_metrics_thread(lv->metrics, (unsigned)t);
    db->thread_stats = lv->stats;
    db->nthread_stats = (unsigned)threads;
    if (rt_http_start(http_addr, lv->health, lv->metrics, &lv->http, err, sizeof err) < 0) {
        fprintf(stderr, "%s: --http %s: %s\n", name, http_addr, err);
        return -1;
    }
    return 0;
}

/* After the workers stopped: endpoint first (it reads the others). */
static void live_stop(live_t *lv)
{
    rt_http_stop(lv->http);
    rt_health_stop(lv->health);
    rt_metrics_free(lv->metrics);
    free(lv->stats);
    free(lv->pins);
    memset(lv, 0, sizeof *lv);
}

/* A decimal number 0..max into *out. Returns: 0, or -1 when `v` is not one. */
static int parse_uint(const char *v, unsigned long max, unsigned *out)
{
    char *end;
    if (*v < '0' || *v > '9')
        return -1;
    unsigned long n = strtoul(v, &end, 10);
    if (*end != 0 || n > max)
        return -1;
    *out = (unsigned)n;
    return 0;
}

/* The value of a flag given as "--flag VALUE" or "--flag=VALUE"; advances *i. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag)
{
    size_t fl = strlen(flag);
    const char *a = argv[*i];
    if (strncmp(a, flag, fl) != 0)
        return NULL;
    if (a[fl] == '=')
        return a + fl + 1;
    if (a[fl] != 0)
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

int rt_main(int argc, char **argv, const rt_program_t *prog)
{
    const char *name = argc > 0 && argv[0] ? argv[0] : "zonec-server";
    const char *slash = strrchr(name, '/');
    if (slash)
        name = slash + 1;
    static rt_listen_t addrs[RT_NET_MAX_LISTEN];
    int naddrs = 0, threads = 1;
    static char *pins[RT_MAX_PINS]; /* --check-state CHECK=up|down */
    int npins = 0, have_seed = 0;
    uint64_t seed = 0;
    /* server flags (R2) */
    static int cpus[RT_NET_MAX_CPUS];
    static rt_privs_t privs;
    rt_net_opts_t nopts;
    memset(&nopts, 0, sizeof nopts);
    nopts.rrl_rate = RT_RRL_DEFAULT_RATE;
    nopts.rrl_slip = RT_RRL_DEFAULT_SLIP;
    const char *log_path = NULL;
    const char *http_addr = NULL;
    int no_probes = 0;

    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--version") == 0) {
            printf("%s\n", prog->version_text ? prog->version_text : "zonec");
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout, name);
            return 0;
        } else if ((v = flag_value(argc, argv, &i, "--listen")) != NULL) {
            if (naddrs == RT_NET_MAX_LISTEN) {
                fprintf(stderr, "%s: too many --listen addresses (at most %d)\n", name,
                        RT_NET_MAX_LISTEN);
                return 2;
            }
            if (rt_net_parse_listen(v, &addrs[naddrs]) < 0) {
                fprintf(stderr, "%s: invalid --listen address '%s' (want 127.0.0.1:5300 or [::1]:5300)\n",
                        name, v);
                return 2;
            }
            naddrs++;
        } else if ((v = flag_value(argc, argv, &i, "--threads")) != NULL) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*v == 0 || *end != 0 || n < 1 || n > RT_NET_MAX_THREADS) {
                fprintf(stderr, "%s: invalid --threads '%s' (1..%d)\n", name, v, RT_NET_MAX_THREADS);
                return 2;
            }
            threads = (int)n;
        } else if ((v = flag_value(argc, argv, &i, "--check-state")) != NULL) {
            if (npins == RT_MAX_PINS) {
                fprintf(stderr, "%s: too many --check-state flags (at most %d)\n", name, RT_MAX_PINS);
                return 2;
            }
            pins[npins++] = (char *)v;
        } else if ((v = flag_value(argc, argv, &i, "--seed")) != NULL) {
            char *end;
            unsigned long long n = strtoull(v, &end, 10);
            if (*v == 0 || *v == '-' || *end != 0 || n > UINT32_MAX) {
                fprintf(stderr, "%s: invalid --seed '%s' (0..4294967295)\n", name, v);
                return 2;
            }
            seed = n;
            have_seed = 1;
        } else if ((v = flag_value(argc, argv, &i, "--rrl")) != NULL) {
            if (parse_uint(v, 1000000, &nopts.rrl_rate) < 0) {
                fprintf(stderr, "%s: invalid --rrl '%s' (0..1000000 responses/s; 0 = off)\n", name, v);
                return 2;
            }
        } else if ((v = flag_value(argc, argv, &i, "--rrl-slip")) != NULL) {
            if (parse_uint(v, 100, &nopts.rrl_slip) < 0) {
                fprintf(stderr, "%s: invalid --rrl-slip '%s' (0..100)\n", name, v);
                return 2;
            }
        } else if ((v = flag_value(argc, argv, &i, "--tcp-max")) != NULL) {
            if (parse_uint(v, 1000000, &nopts.tcp_max) < 0 || nopts.tcp_max == 0) {
                fprintf(stderr, "%s: invalid --tcp-max '%s' (1..1000000)\n", name, v);
                return 2;
            }
        } else if ((v = flag_value(argc, argv, &i, "--cpus")) != NULL) {
            nopts.ncpus = rt_net_parse_cpus(v, cpus, RT_NET_MAX_CPUS);
            if (nopts.ncpus <= 0) {
                fprintf(stderr, "%s: invalid --cpus '%s' (want a list like 0,2-3)\n", name, v);
                return 2;
            }
            nopts.cpus = cpus;
        } else if ((v = flag_value(argc, argv, &i, "--user")) != NULL) {
            char err[300];
            if (rt_privs_parse_user(&privs, v, NULL, err, sizeof err) < 0) {
                fprintf(stderr, "%s: %s\n", name, err);
                return 2;
            }
        } else if ((v = flag_value(argc, argv, &i, "--chroot")) != NULL) {
            if (*v == 0) {
                fprintf(stderr, "%s: --chroot needs a directory\n", name);
                return 2;
            }
            privs.chroot_dir = v;
        } else if (strcmp(argv[i], "--no-probes") == 0) {
            no_probes = 1;
        } else if ((v = flag_value(argc, argv, &i, "--http")) != NULL) {
            if (*v == 0) {
                fprintf(stderr, "%s: --http needs ADDR:PORT (e.g. 127.0.0.1:9053)\n", name);
                return 2;
            }
            http_addr = v;
        } else if ((v = flag_value(argc, argv, &i, "--log-queries")) != NULL) {
            if (*v == 0) {
                fprintf(stderr, "%s: --log-queries needs a file name or -\n", name);
                return 2;
            }
            log_path = v;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n", name, argv[i]);
            usage(stderr, name);
            return 2;
        }
    }
    if (naddrs == 0) {
        rt_net_parse_listen("0.0.0.0:53", &addrs[naddrs++]);
        rt_net_parse_listen("[::]:53", &addrs[naddrs++]);
    }

    static rt_db_t db;
    /* lazy: a million names must not be scanned (SPEC §6: first answer < 10 ms);
     * the packet path bounds-checks every table index it follows */
    int rc = rt_db_open_lazy(&db, prog->blob, prog->blob_len);
    if (rc < 0) {
        fprintf(stderr, "%s: embedded zone data rejected: %s\n", name, rt_strerror(rc));
        return 2;
    }
    if (policy_setup(&db, pins, npins, have_seed, seed, name) < 0)
        return 2;
    if (log_path) {
        if (rt_qlog_open(log_path, RT_NET_SLOTS(threads), name) < 0)
            return 2;
        nopts.log_queries = 1;
    }
    nopts.addrs = addrs;
    nopts.naddrs = naddrs;
    nopts.threads = threads;
    nopts.privs = privs.have_user || privs.chroot_dir ? &privs : NULL;
    static live_t live;
    if (live_start(&live, &db, pins, npins, RT_NET_SLOTS(threads), http_addr, no_probes, name) < 0) {
        live_stop(&live);
        return 2;
    }
    int serve_rc = rt_net_serve_opts(&db, &nopts, name);
    live_stop(&live);
    return serve_rc == 0 ? 0 : 2;
}
