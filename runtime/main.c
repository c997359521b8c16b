/* main.c -- start-up of a compiled zone server: flags, blob check, serve
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "query.h"
#include "rt.h"

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--listen ADDR:PORT]... [--threads N] [--version] [--help]\n"
            "  --listen ADDR:PORT  UDP and TCP on this address (repeatable), e.g.\n"
            "                      127.0.0.1:5300 or [::1]:5300;\n"
            "                      default 0.0.0.0:53 and [::]:53\n"
            "  --threads N         worker threads, each with its own sockets (default 1)\n"
            "  --version           print the compiler version and the zones, then exit\n"
            "  --help              print this help and exit\n",
            prog);
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
    return rt_net_serve(&db, addrs, naddrs, threads, name) == 0 ? 0 : 2;
}
