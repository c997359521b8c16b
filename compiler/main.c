/* main.c -- the zonec command line: build, check, query
 * SPDX-License-Identifier: MIT
 *
 * Pipeline: read every input (.zpl -> zpl.c, anything else -> zonefile.c)
 * -> ir_check() -> ir_finish() -> layout_build() -> emit + build (build),
 * nothing more (check), or one simulated query printed like dig (query).
 * The driver stops between phases as soon as any error was reported, so
 * nothing is written when there is an error. Exit: 0 ok, 1 input errors,
 * 2 usage or system errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "build.h"
#include "diag.h"
#include "dname.h"
#include "emit.h"
#include "ir.h"
#include "layout.h"
#include "pir.h"
#include "playout.h"
#include "print.h"
#include "query.h"
#include "rrtype.h"
#include "zonefile.h"
#include "zpl.h"

#define EXIT_INPUT 1
#define EXIT_USAGE 2

/* ZONEC_TIMING=1 in the environment: wall and CPU time (user + system, of
 * zonec and of the compiler it runs) of each phase on stderr. */
static int timing_on = -1;
static double timing_wall0, timing_cpu0;

static void timing_now(double *wall, double *cpu)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    *wall = (double)t.tv_sec + (double)t.tv_nsec / 1e9;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    *cpu = 0;
    const struct timeval *tv[4] = {&self.ru_utime, &self.ru_stime, &kids.ru_utime, &kids.ru_stime};
    for (int i = 0; i < 4; i++)
        *cpu += (double)tv[i]->tv_sec + (double)tv[i]->tv_usec / 1e6;
}

static void timing_start(void)
{
    if (timing_on < 0) {
        const char *e = getenv("ZONEC_TIMING");
        timing_on = e && *e && strcmp(e, "0") != 0;
    }
    if (timing_on)
        timing_now(&timing_wall0, &timing_cpu0);
}

/* Prints the time since the last timing_start() or timing_phase(). */
static void timing_phase(const char *phase)
{
    if (!timing_on)
        return;
    double wall, cpu;
    timing_now(&wall, &cpu);
    fprintf(stderr, "zonec: timing: %-12s %8.3f s wall %8.3f s cpu\n", phase, wall - timing_wall0,
            cpu - timing_cpu0);
    timing_wall0 = wall;
    timing_cpu0 = cpu;
}

static const char usage_text[] =
    "usage: zonec build FILE... -o OUT [--emit-c DIR] [--origin NAME] [--seed N]\n"
    "       zonec check FILE... [--origin NAME]\n"
    "       zonec query FILE... NAME TYPE [--client IP[/LEN]] [--down CHECK]...\n"
    "                   [--up CHECK]... [--seed N] [--origin NAME] [--tcp]\n"
    "       zonec --version | --help\n";

static const char help_text[] =
    "zonec compiles DNS zones into one static executable: an authoritative DNS\n"
    "server with its answers precompiled.\n"
    "\n"
    "Commands:\n"
    "  build FILE... -o OUT   compile FILEs into the server binary OUT\n"
    "  check FILE...          validate only: print diagnostics, exit 1 on any error\n"
    "  query FILE... NAME TYPE\n"
    "                         answer one query offline and print it like dig\n"
    "\n"
    "FILE is a policy file (.zpl) or an RFC 1035 master file (.zone, .db, ...;\n"
    "origin from $ORIGIN or --origin).\n"
    "\n"
    "Options (anywhere after the command):\n"
    "  -o OUT            output binary (build)\n"
    "  --emit-c DIR      keep the generated tables.c, blob.s, blob.bin in DIR (build)\n"
    "  --origin NAME     origin of master files that have no $ORIGIN\n"
    "  --seed N          seed of the hash construction and of random choices\n"
    "                    (default 0); same inputs + seed = byte-identical output\n"
    "  --client IP[/LEN] who asks, for `query`: IP alone is the packet's source\n"
    "                    address (default 127.0.0.1); IP/LEN sends an EDNS Client\n"
    "                    Subnet option (RFC 7871) for that prefix, as a resolver does\n"
    "  --tcp             `query` as if over TCP (no 1232-byte UDP limit)\n"
    "  --down CHECK, --up CHECK\n"
    "                    pin a health check's state for `query`, as the server's\n"
    "                    --check-state CHECK=down|up does (repeatable)\n"
    "                    `query --seed N` draws weighted/multivalue choices as a\n"
    "                    freshly started server with --seed N answers its first query\n"
    "  -Werror           treat warnings as errors;  -Wno-NAME  silence warning NAME\n"
    "  --version, --help\n"
    "\n"
    "Environment (build): ZONEC_CC (C compiler, default cc), ZONEC_CFLAGS (extra\n"
    "flags), ZONEC_STATIC=0 (link dynamically), ZONEC_LIBDIR (where libzrt.a and\n"
    "include/ are; default: the directory of this zonec).\n"
    "ZONEC_TIMING=1 prints the time of each phase on stderr.\n"
    "\n"
    "Exit status: 0 ok, 1 errors in the input, 2 usage or system error.\n";

typedef struct cli {
    const char *cmd;
    const char **pos;      /* positional arguments */
    size_t npos;
    const char *out;
    const char *emit_dir;
    const char *origin_text;
    uint8_t origin[DNAME_MAX];
    int have_origin;
    uint32_t seed;
    rt_peer_t peer;
    int client_len;        /* prefix length from --client, -1 = none */
    const char **checks;   /* --down / --up names, kept for policies */
    uint8_t *check_up;
    size_t nchecks;
} cli_t;

static void usage_error(const char *fmt, const char *arg)
{
    fputs("zonec: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'zonec --help' for more information.\n", stderr);
    exit(EXIT_USAGE);
}

/* Parses a decimal uint32 (no sign, no spaces). */
static int parse_u32(const char *s, uint32_t *v)
{
    if (!*s)
        return 0;
    unsigned long long x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        x = x * 10 + (unsigned)(*p - '0');
        if (x > UINT32_MAX)
            return 0;
    }
    *v = (uint32_t)x;
    return 1;
}

/* IP[/LEN] into peer (family, addr) and *plen (-1 when absent). */
static int parse_client(const char *s, rt_peer_t *peer, int *plen)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr)
        return 0;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    memset(peer, 0, sizeof *peer);
    unsigned max;
    if (inet_pton(AF_INET, addr, peer->addr) == 1) {
        peer->family = 4;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, peer->addr) == 1) {
        peer->family = 6;
        max = 128;
    } else {
        return 0;
    }
    *plen = -1;
    if (slash) {
        uint32_t l;
        if (!parse_u32(slash + 1, &l) || l > max || strlen(slash + 1) > 3)
            return 0;
        *plen = (int)l;
    }
    return 1;
}

/* Health check names as ZPL writes them: a letter, digit or '_', then
 * letters, digits, '-', '_' or '.'. */
static int valid_check_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                 || c == '_' || (i > 0 && (c == '-' || c == '.'));
        if (!ok)
            return 0;
    }
    return 1;
}

static void add_check(cli_t *c, const char *name, int up)
{
    if (!valid_check_name(name))
        usage_error("invalid health check name '%s'", name);
    for (size_t i = 0; i < c->nchecks; i++)
        if (strcmp(c->checks[i], name) == 0) {
            if (c->check_up[i] != up)
                usage_error("health check '%s' given both --up and --down", name);
            return;
        }
    c->checks = xrealloc(c->checks, (c->nchecks + 1) * sizeof *c->checks);
    c->check_up = xrealloc(c->check_up, c->nchecks + 1);
    c->checks[c->nchecks] = name;
    c->check_up[c->nchecks++] = (uint8_t)up;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        usage_error("option '%s' needs a value", name);
    return argv[++*i];
}

static void parse_args(int argc, char **argv, cli_t *c)
{
    memset(c, 0, sizeof *c);
    c->client_len = -1;
    c->peer.family = 4;
    c->peer.addr[0] = 127;
    c->peer.addr[3] = 1;
    c->cmd = argv[1];
    c->pos = xcalloc((size_t)argc, sizeof *c->pos);
    int only_pos = 0, tcp = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v;
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            c->pos[c->npos++] = a;
        } else if (strcmp(a, "--") == 0) {
            only_pos = 1;
        } else if ((v = opt_value(argc, argv, &i, "-o")) || (v = opt_value(argc, argv, &i, "--output"))) {
            if (c->out)
                usage_error("%s", "-o given twice");
            c->out = v;
        } else if ((v = opt_value(argc, argv, &i, "--emit-c"))) {
            c->emit_dir = v;
        } else if ((v = opt_value(argc, argv, &i, "--origin"))) {
            size_t len;
            static const uint8_t root[1] = {0};
            if (dname_from_text(c->origin, &len, v, strlen(v), root) != DNAME_OK)
                usage_error("invalid --origin name '%s'", v);
            c->origin_text = v;
            c->have_origin = 1;
        } else if ((v = opt_value(argc, argv, &i, "--seed"))) {
            if (!parse_u32(v, &c->seed))
                usage_error("--seed wants a number 0..4294967295, not '%s'", v);
        } else if ((v = opt_value(argc, argv, &i, "--client"))) {
            if (!parse_client(v, &c->peer, &c->client_len))
                usage_error("--client wants IP or IP/LEN, not '%s'", v);
        } else if ((v = opt_value(argc, argv, &i, "--down"))) {
            add_check(c, v, 0);
        } else if ((v = opt_value(argc, argv, &i, "--up"))) {
            add_check(c, v, 1);
        } else if (strcmp(a, "--tcp") == 0) {
            tcp = 1;
        } else if (strcmp(a, "-Werror") == 0) {
            diag_set_werror(1);
        } else if (strncmp(a, "-Wno-", 5) == 0 && a[5]) {
            diag_disable_warning(a + 5);
        } else if (strcmp(a, "--version") == 0) {
            printf("zonec %s\n", ZONEC_VERSION);
            exit(0);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            fputs("\n", stdout);
            fputs(help_text, stdout);
            exit(0);
        } else {
            usage_error("unknown option '%s'", a);
        }
    }
    c->peer.tcp = (uint8_t)tcp; /* after --client, which resets the peer */
}

/* ---- inputs ------------------------------------------------------------- */

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

/* Reports `cannot open` for a missing/unreadable input; 1 when readable. */
static int input_readable(const char *path)
{
    static const loc_t cmdline = {0, 0, 0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        diag_error(cmdline, "cannot open '%s': %s", path, strerror(errno));
        return 0;
    }
    struct stat st;
    int ok = fstat(fd, &st) == 0;
    /* devices (/dev/zero) would be read forever: only files and pipes */
    int e = !ok ? errno
            : S_ISDIR(st.st_mode) ? EISDIR
            : (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) ? EINVAL : 0;
    close(fd);
    if (e) {
        diag_error(cmdline, "cannot open '%s': %s", path, e == EINVAL ? "not a regular file" : strerror(e));
        return 0;
    }
    return 1;
}

/* Reads every input into a new IR and runs the checks and layout.
 * Returns: the IR with *blob and *len set, or NULL when any error was reported. */
static ir_t *compile(const cli_t *c, const char *const *files, size_t nfiles, uint8_t **blob,
                     size_t *len)
{
    static const loc_t cmdline = {0, 0, 0};
    ir_t *ir = ir_new();
    timing_start();
    for (size_t i = 0; i < nfiles; i++) {
        const char *path = files[i];
        if (!input_readable(path))
            continue;
        if (has_suffix(path, ".zpl")) {
            zpl_read_file(ir, path, cmdline);
        } else {
            /* No default TTL: zonefile.c then uses 3600 with a warning
             * [-Wdefault-ttl] when neither $TTL nor an earlier RR gives one. */
            zonefile_opts_t o = {
                .origin = c->have_origin ? c->origin : NULL,
                .default_ttl = 0,
                .have_default_ttl = 0,
            };
            zonefile_read_file(ir, NULL, path, cmdline, &o);
        }
    }
    timing_phase("read");
    /* routing policies: validated against the static data of every input
     * (also after read errors: pir_build() skips the records zpl.c rejected,
     * so every problem is reported once); owners without static data get a
     * node before ir_finish() */
    static pir_t pir;
    unsigned read_errors = diag_error_count();
    if (pir_build(&pir, ir, ir->zpl_files, ir->zpl_file_count) == 0 && read_errors == 0)
        for (uint32_t i = 0; i < pir.policy_count; i++)
            if (playout_owner_missing(&pir, i))
                ir_node_add(ir, pir.policies[i].zone, pir.policies[i].owner, pir.policies[i].loc);
    timing_phase("policies");
    if (diag_error_count() == 0 && ir->zone_count == 0 && ir->zones == NULL)
        diag_error(cmdline, "no zone in the input files");
    if (diag_error_count() > 0)
        goto fail;
    ir_check(ir);
    timing_phase("check");
    if (diag_error_count() > 0)
        goto fail;
    ir_finish(ir);
    timing_phase("finish");
    if (diag_error_count() > 0)
        goto fail;
    static playout_t pl;
    playout_free(&pl);
    memset(&pl, 0, sizeof pl);
    if (pir.policy_count > 0 || pir.check_count > 0) {
        if (playout_build(&pl, &pir, ir) != 0 || diag_error_count() > 0)
            goto fail;
        ir->playout = &pl;
        timing_phase("policy layout");
    }
    if (layout_build(ir, c->seed, blob, len) != 0 || diag_error_count() > 0)
        goto fail;
    timing_phase("layout+mphf");
    return ir;
fail:
    /* everything is freed, so leak checkers stay quiet on input errors */
    free(*blob);
    *blob = NULL;
    ir_free(ir);
    return NULL;
}

/* ---- commands ----------------------------------------------------------- */

static int cmd_check(const cli_t *c)
{
    if (c->npos == 0)
        usage_error("%s", "check: no input files");
    uint8_t *blob = NULL;
    size_t len = 0;
    ir_t *ir = compile(c, c->pos, c->npos, &blob, &len);
    free(blob);
    if (!ir)
        return EXIT_INPUT;
    ir_free(ir);
    return 0;
}

static int cmd_build(const cli_t *c)
{
    if (c->npos == 0)
        usage_error("%s", "build: no input files");
    if (!c->out)
        usage_error("%s", "build: no output given (-o OUT)");
    uint8_t *blob = NULL;
    size_t len = 0;
    ir_t *ir = compile(c, c->pos, c->npos, &blob, &len);
    if (!ir) {
        free(blob);
        return EXIT_INPUT;
    }
    emit_info_t info = {
        .inputs = c->pos,
        .input_count = c->npos,
        .origin = c->origin_text,
        .seed = c->seed,
        .blob_len = len,
    };
    emit_buf_t tables = {0}, stub = {0};
    int rc = EXIT_USAGE;
    timing_start();
    if (emit_sources(ir, &info, &tables, &stub) == 0) {
        timing_phase("emit");
        if (build_output(c->out, c->emit_dir, &tables, &stub, blob, len) == 0)
            rc = 0;
        timing_phase("cc+link");
    }
    emit_buf_free(&tables);
    emit_buf_free(&stub);
    free(blob);
    ir_free(ir);
    return rc;
}

/* Writes a query for name/type with RD=0 and EDNS (udp 1232) into buf;
 * with ecs_len >= 0 the OPT carries an EDNS Client Subnet option (RFC 7871)
 * for peer's address / ecs_len, as a resolver would send it.
 * Returns its length. */
static size_t make_query(uint8_t *buf, uint16_t id, const uint8_t *name, size_t nlen,
                         uint16_t type, const rt_peer_t *peer, int ecs_len)
{
    size_t n = 0;
    buf[n++] = (uint8_t)(id >> 8);
    buf[n++] = (uint8_t)id;
    buf[n++] = 0; /* QR=0 opcode QUERY, RD=0 */
    buf[n++] = 0;
    static const uint8_t counts[8] = {0, 1, 0, 0, 0, 0, 0, 1};
    memcpy(buf + n, counts, sizeof counts);
    n += sizeof counts;
    memcpy(buf + n, name, nlen);
    n += nlen;
    buf[n++] = (uint8_t)(type >> 8);
    buf[n++] = (uint8_t)type;
    buf[n++] = 0;
    buf[n++] = CLASS_IN;
    /* OPT (RFC 6891 §6.1.2): root owner, type 41, class = UDP size, TTL 0 */
    static const uint8_t opt[11] = {0, 0, 41, RT_EDNS_MAX_UDP >> 8, RT_EDNS_MAX_UDP & 0xff,
                                    0, 0, 0, 0, 0, 0};
    memcpy(buf + n, opt, sizeof opt);
    n += sizeof opt;
    if (ecs_len >= 0) {
        /* OPTION-CODE 8, FAMILY, SOURCE, SCOPE 0, ceil(SOURCE/8) address bytes, zero past SOURCE */
        size_t alen = ((size_t)ecs_len + 7) / 8;
        uint8_t *o = buf + n;
        o[0] = 0, o[1] = 8, o[2] = 0, o[3] = (uint8_t)(4 + alen);
        o[4] = 0, o[5] = peer->family == 6 ? 2 : 1, o[6] = (uint8_t)ecs_len, o[7] = 0;
        memcpy(o + 8, peer->addr, alen);
        if (ecs_len % 8)
            o[8 + alen - 1] &= (uint8_t)(0xff00u >> (ecs_len % 8));
        buf[n - 1] = (uint8_t)(8 + alen); /* OPT RDLENGTH */
        n += 8 + alen;
    }
    return n;
}

static int cmd_query(const cli_t *c)
{
    if (c->npos < 3)
        usage_error("%s", "query: need FILE... NAME TYPE");
    const char *name_text = c->pos[c->npos - 2], *type_text = c->pos[c->npos - 1];
    static const uint8_t root[1] = {0};
    uint8_t qname[DNAME_MAX];
    size_t qlen;
    int e = dname_from_text(qname, &qlen, name_text, strlen(name_text), root);
    if (e != DNAME_OK) {
        fprintf(stderr, "zonec: invalid query name '%s': %s\n", name_text, dname_strerror(e));
        return EXIT_USAGE;
    }
    uint16_t qtype;
    if (!print_type_from_text(type_text, &qtype)) {
        fprintf(stderr, "zonec: unknown query type '%s'\n", type_text);
        return EXIT_USAGE;
    }
    uint8_t *blob = NULL;
    size_t len = 0;
    ir_t *ir = compile(c, c->pos, c->npos - 2, &blob, &len);
    if (!ir) {
        free(blob);
        return EXIT_INPUT;
    }
    rt_db_t db;
    int rc = rt_db_open(&db, blob, len);
    if (rc != 0) {
        fprintf(stderr, "zonec: internal error: the compiled zones were rejected: %s\n",
                rt_strerror(rc));
        free(blob);
        ir_free(ir);
        return EXIT_USAGE;
    }
    uint8_t *buf = xmalloc(RT_BUF_MIN);
    uint16_t id = (uint16_t)(c->seed * 2654435761u >> 16);
    size_t n = make_query(buf, id, qname, qlen, qtype, &c->peer, c->client_len);
    /* check states, as the server's --check-state sets them: defaults
     * (healthy; inverted checks unhealthy), then --down/--up pins, then the
     * calculated checks derived from the rest */
    size_t hw = rt_policy_health_words(&db.pol);
    uint64_t *health = xcalloc(hw, sizeof *health), *pinned = xcalloc(hw, sizeof *pinned);
    rt_policy_health_init(&db.pol, health);
    for (size_t i = 0; i < c->nchecks; i++) {
        long k = rt_policy_check_find(&db.pol, c->checks[i], strlen(c->checks[i]));
        if (k < 0) {
            fprintf(stderr, "zonec: unknown health check '%s'\n", c->checks[i]);
            free(health);
            free(pinned);
            free(buf);
            free(blob);
            ir_free(ir);
            return EXIT_USAGE;
        }
        if (c->check_up[i])
            health[k / 64] |= 1ull << (k % 64);
        else
            health[k / 64] &= ~(1ull << (k % 64));
        pinned[k / 64] |= 1ull << (k % 64);
    }
    rt_policy_health_derive(&db.pol, health, pinned);
    free(pinned);
    /* xorshift state from --seed (never 0), so random choices repeat. */
    rt_ctx_t ctx = {.db = &db, .rng = rt_policy_seed(c->seed), .health = health, .rng_seeded = 1};
    char type_buf[16];
    char peer_text[INET6_ADDRSTRLEN];
    inet_ntop(c->peer.family == 6 ? AF_INET6 : AF_INET, c->peer.addr, peer_text,
              sizeof peer_text);
    char qtext[DNAME_TEXT_MAX];
    dname_to_text(qname, qtext, sizeof qtext);
    char ecs_text[16] = "";
    if (c->client_len >= 0)
        snprintf(ecs_text, sizeof ecs_text, "/%d ECS", c->client_len);
    printf("; <<>> zonec %s query <<>> %s %s (client %s%s%s, seed %u)\n", ZONEC_VERSION, qtext,
           print_type_name(qtype, type_buf, sizeof type_buf), peer_text, ecs_text,
           c->peer.tcp ? ", tcp" : "", c->seed);
    size_t rlen = rt_query_process(&ctx, buf, n, RT_BUF_MIN, &c->peer);
    int status = 0;
    if (rlen == 0) {
        printf(";; no response: the server drops this query\n");
    } else {
        printf(";; Got answer:\n");
        if (print_packet(stdout, buf, rlen) != 0)
            status = EXIT_USAGE; /* a malformed response is a zonec bug */
    }
    free(health);
    free(buf);
    free(blob);
    ir_free(ir);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("zonec %s\n", ZONEC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        fputs("\n", stdout);
        fputs(help_text, stdout);
        return 0;
    }
    cli_t c;
    if (strcmp(cmd, "build") != 0 && strcmp(cmd, "check") != 0 && strcmp(cmd, "query") != 0)
        usage_error("unknown command '%s'", cmd);
    parse_args(argc, argv, &c);
    int rc;
    if (strcmp(cmd, "build") == 0)
        rc = cmd_build(&c);
    else if (strcmp(cmd, "check") == 0)
        rc = cmd_check(&c);
    else
        rc = cmd_query(&c);
    free(c.pos);
    free(c.checks);
    free(c.check_up);
    return rc;
}
