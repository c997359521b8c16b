/* main.c -- start-up of a compiled zone server: flags, blob check, serve
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        if (rt_qlog_open(log_path, threads, name) < 0)
            return 2;
        nopts.log_queries = 1;
    }
    nopts.addrs = addrs;
    nopts.naddrs = naddrs;
    nopts.threads = threads;
    nopts.privs = privs.have_user || privs.chroot_dir ? &privs : NULL;
    return rt_net_serve_opts(&db, &nopts, name) == 0 ? 0 : 2;
}
