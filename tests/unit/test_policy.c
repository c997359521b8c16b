/* test_policy.c -- the policy evaluator over playout-built tables
 * SPDX-License-Identifier: MIT
 *
 * Each case compiles ZPL source the way the compiler will: zpl_read_file()
 * for static data, policy_parse() + pir_build() for the routing half, then
 * playout_build() for the runtime section, opened with rt_policy_open() and
 * evaluated with rt_policy_eval() for chosen clients, check states and
 * seeds. Answers are decoded back to text ("192.0.2.10 192.0.2.11",
 * "NODATA") so the expectations read like SPEC section 3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dname.h"
#include "ir.h"
#include "layout.h"
#include "pir.h"
#include "playout.h"
#include "policy.h"
#include "policy_eval.h"
#include "query.h"
#include "rrtype.h"
#include "zpl.h"

static char tmpdir[256];
static char origdir[4096];
static char datadir[4096]; /* tests/unit/data, absolute */

typedef struct run {
    ir_t *ir;
    pir_t pir;
    playout_t pl;
    uint8_t *blob;          /* 8 bytes of padding, then the section */
    rt_policy_db_t db;
    uint64_t health[2];
} run_t;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void parse_tree(ir_t *ir, const char *path, const policy_file_t **files, size_t *n)
{
    size_t len;
    char *text = slurp(path, &len);
    char *copy = arena_memdup(ir->arena, text, len + 1);
    free(text);
    uint32_t id = diag_add_file(path, copy, len);
    policy_file_t *f = policy_parse(ir->arena, id, copy, len);
    assert_true(*n < 16);
    files[(*n)++] = f;
    for (const policy_stmt_t *s = f->stmts; s; s = s->next) {
        if (s->kind != POLICY_S_INCLUDE)
            continue;
        size_t sl;
        char *rel = policy_string(ir->arena, &s->arg, &sl, NULL);
        const char *slash = strrchr(path, '/');
        char *inc = slash ? arena_sprintf(ir->arena, "%.*s/%s", (int)(slash - path), path, rel)
                          : arena_strdup(ir->arena, rel);
        parse_tree(ir, inc, files, n);
    }
}

/* Compiles `path`; asserts pir_build and playout_build report nothing. */
static void run_path(run_t *r, const char *path)
{
    memset(r, 0, sizeof *r);
    diag_reset();
    FILE *sink = fopen("/dev/null", "w");
    diag_set_stream(sink);
    r->ir = ir_new();
    zpl_read_file(r->ir, path, (loc_t){0, 0, 0}); /* may complain about policies: ignored */
    const policy_file_t *files[16];
    size_t n = 0;
    parse_tree(r->ir, path, files, &n);
    diag_set_stream(stderr);
    unsigned e = pir_build(&r->pir, r->ir, files, n);
    assert_int_equal(e, 0);
    assert_int_equal(playout_build(&r->pl, &r->pir, r->ir), 0);
    fclose(sink);
    r->blob = aligned_alloc(8, 8 + r->pl.len);
    memset(r->blob, 0, 8);
    memcpy(r->blob + 8, r->pl.bytes, r->pl.len);
    assert_int_equal(rt_policy_open(&r->db, r->blob, 8 + r->pl.len, 8), 0);
    rt_policy_health_init(&r->db, r->health);
}

static void run_src(run_t *r, const char *src)
{
    FILE *f = fopen("t.zpl", "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    run_path(r, "t.zpl");
}

static void run_free(run_t *r)
{
    playout_free(&r->pl);
    ir_free(r->ir);
    free(r->blob);
}

static uint32_t policy_of(run_t *r, const char *owner, uint16_t type)
{
    uint8_t name[DNAME_MAX];
    size_t len;
    assert_int_equal(dname_from_text(name, &len, owner, strlen(owner), NULL), 0);
    for (uint32_t i = 0; i < r->pir.policy_count; i++)
        if (r->pir.policies[i].type == type && dname_equal(r->pir.policies[i].owner, name))
            return i;
    fail_msg("no policy %s", owner);
    return 0;
}

static void set_check(run_t *r, const char *name, int up)
{
    long i = rt_policy_check_find(&r->db, name, strlen(name));
    assert_true(i >= 0);
    if (up)
        r->health[i >> 6] |= 1ull << (i & 63);
    else
        r->health[i >> 6] &= ~(1ull << (i & 63));
    uint64_t pinned[2] = {0, 0};
    pinned[i >> 6] |= 1ull << (i & 63);
    rt_policy_health_derive(&r->db, r->health, pinned);
}

/* Appends the rdata of the RR at p in text ("192.0.2.1", "nyc.cdn.example.net.", "10 mx1..."). */
static size_t rr_text(const uint8_t *p, char *out, size_t cap)
{
    assert_int_equal(p[0], 0xc0); /* owner: the question name */
    assert_int_equal(p[1], 0x0c);
    uint16_t type = (uint16_t)(p[2] << 8 | p[3]), rdlen = (uint16_t)(p[10] << 8 | p[11]);
    const uint8_t *rd = p + 12;
    char buf[300];
    if (type == RR_A)
        inet_ntop(AF_INET, rd, buf, sizeof buf);
    else if (type == RR_AAAA)
        inet_ntop(AF_INET6, rd, buf, sizeof buf);
    else if (type == RR_CNAME)
        dname_to_text(rd, buf, sizeof buf);
    else if (type == RR_MX) {
        int k = snprintf(buf, sizeof buf, "%u ", rd[0] << 8 | rd[1]);
        dname_to_text(rd + 2, buf + k, sizeof buf - (size_t)k);
    } else
        snprintf(buf, sizeof buf, "type%u", type);
    size_t l = strlen(out);
    snprintf(out + l, cap - l, "%s%s", l ? " " : "", buf);
    return 12u + rdlen;
}

typedef struct ans {
    char text[512];
    unsigned scope;
    unsigned located;
} ans_t;

/* Evaluates policy `pi` for client "IP" or "IP/LEN" (NULL: none). */
static ans_t eval(run_t *r, uint32_t pi, const char *client, uint64_t *rng)
{
    rt_client_t cl, *clp = NULL;
    if (client) {
        memset(&cl, 0, sizeof cl);
        char ip[64];
        const char *slash = strchr(client, '/');
        size_t n = slash ? (size_t)(slash - client) : strlen(client);
        memcpy(ip, client, n);
        ip[n] = 0;
        if (inet_pton(AF_INET, ip, cl.addr) == 1)
            cl.family = 4, cl.src_len = 32;
        else {
            assert_int_equal(inet_pton(AF_INET6, ip, cl.addr), 1);
            cl.family = 6, cl.src_len = 128;
        }
        if (slash)
            cl.src_len = (uint8_t)atoi(slash + 1);
        clp = &cl;
    }
    rt_policy_result_t res;
    ans_t a;
    memset(&a, 0, sizeof a);
    int k = rt_policy_eval(&r->db, pi, clp, r->health, rng, &res);
    assert_int_equal(k, res.kind);
    a.scope = res.scope;
    a.located = res.located;
    if (k == RT_PR_NODATA) {
        strcpy(a.text, "NODATA");
    } else if (k == RT_PR_IMAGE) {
        const uint8_t *p = res.image_bytes + res.image->off;
        size_t off = 0;
        for (unsigned i = 0; i < res.image->ancount; i++)
            off += rr_text(p + off, a.text, sizeof a.text);
        assert_int_equal(off, res.image->len);
        assert_int_equal(res.image->nfixups, 0);
    } else if (k == RT_PR_FRAGS) {
        uint8_t buf[4096];
        unsigned w;
        size_t len = rt_policy_write_frags(&r->db, &res, buf, sizeof buf, &w);
        assert_int_equal(w, res.nfrags);
        size_t off = 0;
        for (unsigned i = 0; i < w; i++)
            off += rr_text(buf + off, a.text, sizeof a.text);
        assert_int_equal(off, len);
    } else {
        strcpy(a.text, "ERROR");
    }
    return a;
}

static ans_t eval1(run_t *r, const char *owner, uint16_t type, const char *client)
{
    uint64_t rng = 42;
    return eval(r, policy_of(r, owner, type), client, &rng);
}

#define ANSWER(r, owner, type, client) (eval1((r), (owner), (type), (client)).text)

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("ZONEC_TEST_DIR");
    assert_true(getcwd(origdir, sizeof origdir) != NULL);
    if (t)
        snprintf(datadir, sizeof datadir, "%s/unit/data", t);
    else
        snprintf(datadir, sizeof datadir, "%.4000s/tests/unit/data", origdir);
    strcpy(tmpdir, "/tmp/zonec-test-policy-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    assert_int_equal(chdir(tmpdir), 0);
    char cmd[9000];
    snprintf(cmd, sizeof cmd, "cp -r '%s/geo' '%s/latency.yaml' .", datadir, datadir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(chdir(origdir), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

#define ZONE "zone example.com {\n soa ns hostmaster;\n ns ns;\n ns A 192.0.2.1;\n"

/* 99.9% two-sided binomial bound: |k - np| <= 3.29 sqrt(np(1-p)). */
static void assert_binomial(unsigned k, unsigned n, double p)
{
    double sd = sqrt(n * p * (1 - p)), d = fabs((double)k - n * p);
    if (d > 3.29 * sd)
        fail_msg("count %u of %u outside the 99.9%% bound for p=%.3f", k, n, p);
}

/* --- the SPEC section 3 example ------------------------------------------------------- */

static void test_spec_failover_weighted_alias(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/spec-example.zpl", datadir);
    run_t r;
    run_path(&r, path);
    uint32_t www = policy_of(&r, "www.example.com.", RR_A), apex = policy_of(&r, "example.com.", RR_A);
    /* weighted 70/30 under a healthy primary, 10k draws */
    uint64_t rng = 1;
    unsigned n10 = 0, n11 = 0;
    for (int i = 0; i < 10000; i++) {
        ans_t a = eval(&r, www, "192.0.2.77", &rng);
        n10 += strcmp(a.text, "192.0.2.10") == 0;
        n11 += strcmp(a.text, "192.0.2.11") == 0;
        assert_int_equal(a.scope, 0); /* location did not decide */
    }
    assert_int_equal(n10 + n11, 10000);
    assert_binomial(n10, 10000, 0.7);
    /* the apex alias: the same answers, owner = the question (checked in rr_text) */
    rng = 1;
    unsigned a10 = 0;
    for (int i = 0; i < 10000; i++)
        a10 += strcmp(eval(&r, apex, NULL, &rng).text, "192.0.2.10") == 0;
    assert_int_equal(a10, n10); /* same seed, same evaluator, same draws */
    /* primary unhealthy -> secondary; the alias follows the target's health */
    set_check(&r, "web-use1", 0);
    assert_string_equal(ANSWER(&r, "www.example.com.", RR_A, NULL), "203.0.113.5");
    assert_string_equal(ANSWER(&r, "example.com.", RR_A, NULL), "203.0.113.5");
    set_check(&r, "web-use1", 1);
    assert_string_equal(ANSWER(&r, "example.com.", RR_A, NULL), "192.0.2.10");
    run_free(&r);
}

static void test_spec_geo_latency(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/spec-example.zpl", datadir);
    run_t r;
    run_path(&r, path);
    const char *api = "api.example.com.";
    /* subdivision beats country; the /24 of US-CA decides */
    ans_t a = eval1(&r, api, RR_AAAA, "1.0.0.1");
    assert_string_equal(a.text, "2001:db8:c::1");
    assert_int_equal(a.scope, 24);
    /* US-VA: country US -> latency by distance: us-east-1 first (three levels) */
    a = eval1(&r, api, RR_AAAA, "1.0.1.200");
    assert_string_equal(a.text, "2001:db8:a::1");
    assert_int_equal(a.scope, 24);
    /* us-east-1 unhealthy -> next region */
    set_check(&r, "web-use1", 0);
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "1.0.1.200"), "2001:db8:b::1");
    set_check(&r, "web-use1", 1);
    /* CA by country -> latency: Ottawa is nearer us-east-1 */
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "2.0.0.9"), "2001:db8:a::1");
    /* FR -> continent EU; unhealthy -> default */
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "3.0.0.1"), "2001:db8:e::1");
    set_check(&r, "web-euw1", 0);
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "3.0.0.1"), "2001:db8:d::1");
    /* JP (AS, no branch), an unknown address, no client at all: default */
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "4.0.0.1"), "2001:db8:d::1");
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "9.9.9.9"), "2001:db8:d::1");
    a = eval1(&r, api, RR_AAAA, NULL);
    assert_string_equal(a.text, "2001:db8:d::1");
    assert_int_equal(a.scope, 0);
    /* IPv6 geodata: DE -> EU (web-euw1 down -> default; up -> e::1) */
    assert_string_equal(ANSWER(&r, api, RR_AAAA, "2001:db8:1::5"), "2001:db8:d::1");
    set_check(&r, "web-euw1", 1);
    a = eval1(&r, api, RR_AAAA, "2001:db8:1::5/56");
    assert_string_equal(a.text, "2001:db8:e::1");
    assert_int_equal(a.scope, 48);
    run_free(&r);
}

static void test_spec_proximity_cidr_multivalue(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/spec-example.zpl", datadir);
    run_t r;
    run_path(&r, path);
    /* proximity: Virginia -> nyc, Paris -> lon */
    assert_string_equal(ANSWER(&r, "cdn.example.com.", RR_CNAME, "1.0.1.1"), "nyc.cdn.example.net.");
    assert_string_equal(ANSWER(&r, "cdn.example.com.", RR_CNAME, "3.0.0.1"), "lon.cdn.example.net.");
    /* cidr: longest match, else default; a client prefix shorter than the block misses */
    ans_t a = eval1(&r, "intranet.example.com.", RR_A, "10.1.2.3");
    assert_string_equal(a.text, "10.1.1.1");
    assert_int_equal(a.scope, 8);
    assert_string_equal(ANSWER(&r, "intranet.example.com.", RR_A, "192.0.2.9"), "192.0.2.200");
    assert_string_equal(ANSWER(&r, "intranet.example.com.", RR_A, "2001:db8:100:5::1"), "10.1.1.1");
    assert_string_equal(ANSWER(&r, "intranet.example.com.", RR_A, "8.8.8.8"), "203.0.113.80");
    a = eval1(&r, "intranet.example.com.", RR_A, "10.0.0.0/4");
    assert_string_equal(a.text, "203.0.113.80");
    assert_true(a.scope <= 4);
    /* multivalue: every healthy value, shuffled */
    uint32_t pool = policy_of(&r, "pool.example.com.", RR_A);
    uint64_t rng = 7;
    int first21 = 0;
    for (int i = 0; i < 200; i++) {
        ans_t m = eval(&r, pool, NULL, &rng);
        assert_int_equal(strlen(m.text), strlen("192.0.2.21 192.0.2.22 192.0.2.23"));
        assert_non_null(strstr(m.text, "192.0.2.21"));
        assert_non_null(strstr(m.text, "192.0.2.22"));
        assert_non_null(strstr(m.text, "192.0.2.23"));
        first21 += strncmp(m.text, "192.0.2.21", 10) == 0;
    }
    assert_true(first21 > 20 && first21 < 120); /* the order varies */
    set_check(&r, "web-use1", 0);
    for (int i = 0; i < 50; i++) {
        ans_t m = eval(&r, pool, NULL, &rng);
        assert_null(strstr(m.text, "192.0.2.21"));
        assert_int_equal(strlen(m.text), strlen("192.0.2.22 192.0.2.23"));
    }
    set_check(&r, "web-euw1", 0);
    assert_string_equal(ANSWER(&r, "pool.example.com.", RR_A, NULL), "192.0.2.23");
    /* weighted MX 1:1 */
    uint32_t mx = policy_of(&r, "mx.example.com.", RR_MX);
    unsigned m1 = 0;
    for (int i = 0; i < 10000; i++)
        m1 += strcmp(eval(&r, mx, NULL, &rng).text, "10 mx1.example.net.") == 0;
    assert_binomial(m1, 10000, 0.5);
    run_free(&r);
}

/* --- inline cases ---------------------------------------------------------------------- */

static void test_failover_rules(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check p tcp 192.0.2.9:22;\ncheck s tcp 192.0.2.8:22;\n" ZONE
                " a A failover { primary 192.0.2.10 check p; secondary 192.0.2.11 check s; }\n"
                " b A failover { primary 192.0.2.20 check p; }\n"
                "}\n");
    assert_string_equal(ANSWER(&r, "a.example.com.", RR_A, NULL), "192.0.2.10");
    set_check(&r, "p", 0);
    assert_string_equal(ANSWER(&r, "a.example.com.", RR_A, NULL), "192.0.2.11");
    set_check(&r, "s", 0); /* both down: the primary */
    assert_string_equal(ANSWER(&r, "a.example.com.", RR_A, NULL), "192.0.2.10");
    assert_string_equal(ANSWER(&r, "b.example.com.", RR_A, NULL), "192.0.2.20");
    set_check(&r, "p", 1);
    assert_string_equal(ANSWER(&r, "a.example.com.", RR_A, NULL), "192.0.2.10");
    run_free(&r);
}

/* Counts answers of policy `pi` over n draws into counts[i] for values[i]. */
static void tally(run_t *r, uint32_t pi, const char *const *values, unsigned *counts, unsigned nv,
                  unsigned n)
{
    uint64_t rng = 12345;
    memset(counts, 0, nv * sizeof *counts);
    for (unsigned i = 0; i < n; i++) {
        ans_t a = eval(r, pi, NULL, &rng);
        unsigned k = 0;
        while (k < nv && strcmp(a.text, values[k]) != 0)
            k++;
        if (k == nv)
            fail_msg("unexpected answer %s", a.text);
        counts[k]++;
    }
}

static void test_weighted_rules(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check a tcp 192.0.2.9:22;\ncheck b tcp 192.0.2.8:22;\n" ZONE
                " w A weighted { 10 -> 192.0.2.1 check a; 30 -> 192.0.2.2 check b; 0 -> 192.0.2.3; }\n"
                " z A weighted { 0 -> 192.0.2.4; 0 -> 192.0.2.5; }\n"
                " u A weighted { 1 -> 192.0.2.6 check a; 3 -> 192.0.2.7 check a; 0 -> 192.0.2.8 check b; }\n"
                "}\n");
    static const char *const v[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3"};
    unsigned c[3];
    uint32_t w = policy_of(&r, "w.example.com.", RR_A);
    tally(&r, w, v, c, 3, 10000);
    assert_int_equal(c[2], 0); /* zero weight unused while a nonzero child is healthy */
    assert_binomial(c[0], 10000, 0.25);
    set_check(&r, "a", 0);
    tally(&r, w, v, c, 3, 1000);
    assert_int_equal(c[1], 1000);
    set_check(&r, "b", 0); /* every nonzero child down: the zero-weight one */
    tally(&r, w, v, c, 3, 1000);
    assert_int_equal(c[2], 1000);
    /* all zero: equal */
    static const char *const z[] = {"192.0.2.4", "192.0.2.5"};
    tally(&r, policy_of(&r, "z.example.com.", RR_A), z, c, 2, 10000);
    assert_binomial(c[0], 10000, 0.5);
    /* everything unhealthy: the nonzero ones by weight, as if healthy */
    static const char *const u[] = {"192.0.2.6", "192.0.2.7", "192.0.2.8"};
    tally(&r, policy_of(&r, "u.example.com.", RR_A), u, c, 3, 10000);
    assert_int_equal(c[2], 0);
    assert_binomial(c[0], 10000, 0.25);
    run_free(&r);
}

static void test_multivalue_eight(void **state)
{
    (void)state;
    char src[4096];
    int k = snprintf(src, sizeof src, "check d tcp 192.0.2.9:22;\n" ZONE " m A multivalue {\n");
    for (int i = 1; i <= 12; i++) /* .1-.6 down with d, .7-.12 always up */
        k += snprintf(src + k, sizeof src - (size_t)k, "  192.0.2.%d%s;\n", i, i <= 6 ? " check d" : "");
    snprintf(src + k, sizeof src - (size_t)k, " }\n n A multivalue { 192.0.2.50 check d; 192.0.2.51 check d; }\n}\n");
    run_t r;
    run_src(&r, src);
    uint32_t m = policy_of(&r, "m.example.com.", RR_A);
    uint64_t rng = 99;
    unsigned seen[13] = {0};
    for (int it = 0; it < 500; it++) {
        ans_t a = eval(&r, m, NULL, &rng);
        unsigned cnt = 0;
        for (char *t = strtok(a.text, " "); t; t = strtok(NULL, " ")) {
            int last = atoi(strrchr(t, '.') + 1);
            seen[last]++;
            cnt++;
        }
        assert_int_equal(cnt, 8);
    }
    for (int i = 1; i <= 12; i++)
        assert_true(seen[i] > 0); /* every value gets its turn */
    set_check(&r, "d", 0);
    for (int it = 0; it < 100; it++) {
        ans_t a = eval(&r, m, NULL, &rng);
        unsigned cnt = 0;
        for (char *t = strtok(a.text, " "); t; t = strtok(NULL, " ")) {
            assert_true(atoi(strrchr(t, '.') + 1) >= 7); /* only healthy ones */
            cnt++;
        }
        assert_int_equal(cnt, 6);
    }
    /* none healthy: the unhealthy ones */
    ans_t a = eval(&r, policy_of(&r, "n.example.com.", RR_A), NULL, &rng);
    assert_int_equal(strlen(a.text), strlen("192.0.2.50 192.0.2.51"));
    run_free(&r);
}

/* The order of the last octets of an A-record answer in buf (16-byte RRs) as a
 * permutation index 0..n!-1 (Lehmer code of the values relative to base). */
static unsigned order_index(const uint8_t *buf, unsigned n, unsigned base)
{
    unsigned v[8], idx = 0;
    for (unsigned i = 0; i < n; i++)
        v[i] = buf[16 * i + 15] - base;
    for (unsigned i = 0; i < n; i++) {
        unsigned smaller = 0;
        for (unsigned j = i + 1; j < n; j++)
            smaller += v[j] < v[i];
        idx = idx * (n - i) + smaller;
    }
    return idx;
}

/* Multivalue draws one number per answer for its order: every order of 8
 * values still comes up (8! = 40320), with every check up (the fast path)
 * and with one down (7 healthy values: 7! orders); the fixed-size writer and
 * the per-fragment one (a short buffer) write the same records. */
static void test_multivalue_orders(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check d tcp 192.0.2.9:22;\ncheck e tcp 192.0.2.9:23;\n" ZONE
                " m A multivalue { 192.0.2.1 check d; 192.0.2.2; 192.0.2.3; 192.0.2.4 check e;\n"
                "  192.0.2.5; 192.0.2.6; 192.0.2.7 check d; 192.0.2.8; }\n}\n");
    uint32_t m = policy_of(&r, "m.example.com.", RR_A);
    static uint8_t seen[40320];
    uint8_t buf[512], small[100];
    uint64_t rng = rt_policy_seed(5);
    unsigned first1 = 0, n = 600000;
    for (unsigned it = 0; it < n; it++) {
        rt_policy_result_t res;
        assert_int_equal(rt_policy_eval(&r.db, m, NULL, r.health, &rng, &res), RT_PR_FRAGS);
        unsigned w;
        assert_int_equal(rt_policy_write_frags(&r.db, &res, buf, sizeof buf, &w), 128);
        assert_int_equal(w, 8);
        seen[order_index(buf, 8, 1)] = 1;
        first1 += buf[15] == 1;
        if (it < 1000) { /* truncated: whole records in the same order */
            assert_int_equal(rt_policy_write_frags(&r.db, &res, small, sizeof small, &w), 96);
            assert_int_equal(w, 6);
            assert_memory_equal(small, buf, 96);
        }
    }
    unsigned orders = 0;
    for (unsigned i = 0; i < 40320; i++)
        orders += seen[i];
    assert_int_equal(orders, 40320);
    assert_binomial(first1, n, 1.0 / 8);
    /* 192.0.2.4 down: the 7 others, every order */
    set_check(&r, "e", 0);
    memset(seen, 0, sizeof seen);
    for (unsigned it = 0; it < 100000; it++) {
        rt_policy_result_t res;
        assert_int_equal(rt_policy_eval(&r.db, m, NULL, r.health, &rng, &res), RT_PR_FRAGS);
        unsigned w;
        assert_int_equal(rt_policy_write_frags(&r.db, &res, buf, sizeof buf, &w), 112);
        uint8_t v[7 * 16];
        for (unsigned i = 0; i < 7; i++) { /* relabel 5..8 as 4..7 */
            memcpy(v + 16 * i, buf + 16 * i, 16);
            assert_int_not_equal(buf[16 * i + 15], 4);
            if (v[16 * i + 15] > 4)
                v[16 * i + 15]--;
        }
        seen[order_index(v, 7, 1)] = 1;
    }
    orders = 0;
    for (unsigned i = 0; i < 5040; i++)
        orders += seen[i];
    assert_int_equal(orders, 5040);
    run_free(&r);
}

static void test_geo_nodata_and_nesting(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "geodata \"geo/countries.csv\";\ncheck c tcp 192.0.2.9:22;\ncheck d tcp 192.0.2.9:23;\n" ZONE
                " g A geo { country FR -> 192.0.2.1; }\n"
                " n A failover {\n"
                "  primary geo {\n"
                "   country US -> weighted { 1 -> 192.0.2.10 check c; 0 -> 192.0.2.11 check d; }\n"
                "   default -> 192.0.2.12 check d;\n"
                "  }\n"
                "  secondary 192.0.2.13;\n"
                " }\n"
                "}\n");
    /* no match and no default: NODATA, with the location's scope */
    ans_t a = eval1(&r, "g.example.com.", RR_A, "1.0.0.1");
    assert_string_equal(a.text, "NODATA");
    assert_int_equal(a.located, 1);
    assert_string_equal(ANSWER(&r, "g.example.com.", RR_A, "3.0.0.1"), "192.0.2.1");
    assert_string_equal(ANSWER(&r, "g.example.com.", RR_A, NULL), "NODATA");
    /* three levels: failover -> geo -> weighted */
    const char *n = "n.example.com.";
    assert_string_equal(ANSWER(&r, n, RR_A, "1.0.0.1"), "192.0.2.10");
    set_check(&r, "c", 0); /* weighted: the zero-weight child */
    assert_string_equal(ANSWER(&r, n, RR_A, "1.0.0.1"), "192.0.2.11");
    set_check(&r, "d", 0); /* US branch and default down: the geo rule is unhealthy -> secondary */
    assert_string_equal(ANSWER(&r, n, RR_A, "1.0.0.1"), "192.0.2.13");
    set_check(&r, "d", 1); /* c still down */
    uint64_t rng = 3;
    uint32_t pi = policy_of(&r, n, RR_A);
    /* c down, d up: the weighted rule is healthy through its zero-weight child */
    assert_string_equal(eval(&r, pi, "1.0.0.1", &rng).text, "192.0.2.11");
    assert_string_equal(eval(&r, pi, "3.0.0.1", &rng).text, "192.0.2.12");
    run_free(&r);
}

static void test_latency_rtt_and_bias(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "geodata \"geo/countries.csv\";\nlatency \"latency.yaml\";\ncheck e tcp 192.0.2.9:22;\n" ZONE
                " l A latency {\n"
                "  region us-east-1 -> 192.0.2.1;\n"
                "  region us-west-2 -> 192.0.2.2;\n"
                "  region eu-west-1 -> 192.0.2.3 check e;\n"
                " }\n"
                " p A proximity {\n"
                "  at 40.71, -74.01 -> 192.0.2.10;\n"
                "  at 51.51, -0.13 bias 90 -> 192.0.2.11;\n"
                " }\n"
                " q A proximity {\n"
                "  at 40.71, -74.01 -> 192.0.2.20;\n"
                "  at 51.51, -0.13 bias -90 -> 192.0.2.21;\n"
                " }\n"
                "}\n");
    /* RTT data: 198.51.100.0/24 measures eu-west-1 fastest */
    ans_t a = eval1(&r, "l.example.com.", RR_A, "198.51.100.20");
    assert_string_equal(a.text, "192.0.2.3");
    assert_int_equal(a.scope, 24);
    set_check(&r, "e", 0); /* next by RTT: us-east-1 (80) before us-west-2 (90) */
    assert_string_equal(ANSWER(&r, "l.example.com.", RR_A, "198.51.100.20"), "192.0.2.1");
    set_check(&r, "e", 1);
    /* no RTT: distance from geodata coordinates (San Francisco -> us-west-2) */
    assert_string_equal(ANSWER(&r, "l.example.com.", RR_A, "1.0.0.1"), "192.0.2.2");
    assert_string_equal(ANSWER(&r, "l.example.com.", RR_A, "3.0.0.1"), "192.0.2.3");
    /* unknown location: regions in source order */
    assert_string_equal(ANSWER(&r, "l.example.com.", RR_A, "9.9.9.9"), "192.0.2.1");
    /* proximity: Virginia is ~330 km from NYC, ~5900 km from London:
     * bias 90 shrinks London's to ~590 -> still NYC; Paris goes to London */
    assert_string_equal(ANSWER(&r, "p.example.com.", RR_A, "1.0.1.1"), "192.0.2.10");
    assert_string_equal(ANSWER(&r, "p.example.com.", RR_A, "3.0.0.1"), "192.0.2.11");
    /* bias -90: London's distance x10 -> Paris (~340 km -> 3400) vs NYC 5800: London still */
    assert_string_equal(ANSWER(&r, "q.example.com.", RR_A, "3.0.0.1"), "192.0.2.21");
    /* Tokyo: NYC ~10800, London ~9560 (x10 with bias -90) -> NYC */
    assert_string_equal(ANSWER(&r, "q.example.com.", RR_A, "4.0.0.1"), "192.0.2.20");
    assert_string_equal(ANSWER(&r, "p.example.com.", RR_A, "4.0.0.1"), "192.0.2.11");
    run_free(&r);
}

static void test_alias_static_and_calculated(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check a tcp 192.0.2.9:22;\ncheck b tcp 192.0.2.9:23;\n"
                "check both calculated (a, b);\ncheck one calculated (a, b) at-least 1;\n"
                "check not inverted tcp 192.0.2.9:24 inverted;\n" ZONE
                " web A 192.0.2.30, 192.0.2.31;\n"
                " al A alias web;\n"
                " f A failover { primary 192.0.2.40 check both; secondary 192.0.2.41 check one; }\n"
                "}\n");
    assert_string_equal(ANSWER(&r, "al.example.com.", RR_A, NULL), "192.0.2.30 192.0.2.31");
    /* defaults: every check up, the inverted one down */
    assert_true(r.health[0] & (1ull << 2));
    assert_false(r.health[0] & (1ull << 4));
    assert_string_equal(ANSWER(&r, "f.example.com.", RR_A, NULL), "192.0.2.40");
    set_check(&r, "a", 0); /* both -> down, one -> up */
    assert_string_equal(ANSWER(&r, "f.example.com.", RR_A, NULL), "192.0.2.41");
    assert_int_equal(rt_policy_check_find(&r.db, "one", 3), 3);
    assert_int_equal(rt_policy_check_find(&r.db, "nope", 4), -1);
    run_free(&r);
}

static void test_deterministic(void **state)
{
    (void)state;
    char path[4200];
    snprintf(path, sizeof path, "%s/spec-example.zpl", datadir);
    run_t a, b;
    run_path(&a, path);
    run_path(&b, path);
    assert_int_equal(a.pl.len, b.pl.len);
    assert_memory_equal(a.pl.bytes, b.pl.bytes, a.pl.len);
    /* typeents for layout: www A, cdn CNAME (+ CNAME_OTHER) */
    playout_tent_t t[4];
    uint8_t name[DNAME_MAX];
    size_t len;
    assert_int_equal(dname_from_text(name, &len, "CDN.example.com.", 16, NULL), 0);
    const ir_zone_t *z = a.pir.policies[0].zone;
    assert_int_equal(playout_node_entries(&a.pl, z, name, t, 4), 2);
    assert_int_equal(t[0].type, RR_CNAME);
    assert_int_equal(t[1].type, RT_T_CNAME_OTHER);
    assert_int_equal(t[0].image, RT_TYPEENT_POLICY | policy_of(&a, "cdn.example.com.", RR_CNAME));
    /* a corrupt section is refused */
    a.blob[8 + a.db.hdr->nodes_off] = 77;
    assert_int_equal(rt_policy_open(&a.db, a.blob, 8 + a.pl.len, 8), RT_ECORRUPT);
    run_free(&a);
    run_free(&b);
}

static void test_ecs(void **state)
{
    (void)state;
    rt_ecs_t e;
    /* 198.51.100.0/24 */
    static const uint8_t q4[] = {0, 1, 24, 0, 198, 51, 100};
    assert_int_equal(rt_ecs_parse(q4, sizeof q4, &e), 0);
    assert_int_equal(e.family, 4);
    assert_int_equal(e.source, 24);
    rt_client_t c;
    rt_ecs_client(&e, &c);
    assert_int_equal(c.src_len, 24);
    assert_memory_equal(c.addr, "\xc6\x33\x64\x00", 4);
    uint8_t out[32];
    assert_int_equal(rt_ecs_write(out, sizeof out, &e, 16), 11);
    static const uint8_t r4[] = {0, 8, 0, 7, 0, 1, 24, 16, 198, 51, 100};
    assert_memory_equal(out, r4, sizeof r4);
    assert_int_equal(rt_ecs_write(out, 10, &e, 16), 0);
    /* /0 and IPv6 /56 */
    static const uint8_t q0[] = {0, 1, 0, 0};
    assert_int_equal(rt_ecs_parse(q0, sizeof q0, &e), 0);
    assert_int_equal(rt_ecs_write(out, sizeof out, &e, 0), 8);
    static const uint8_t q6[] = {0, 2, 56, 0, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0};
    assert_int_equal(rt_ecs_parse(q6, sizeof q6, &e), 0);
    assert_int_equal(e.family, 6);
    /* FORMERR cases */
    static const uint8_t bad_fam[] = {0, 3, 0, 0};
    static const uint8_t bad_src[] = {0, 1, 33, 0, 1, 2, 3, 4, 5};
    static const uint8_t bad_scope[] = {0, 1, 24, 8, 198, 51, 100};
    static const uint8_t bad_len[] = {0, 1, 24, 0, 198, 51, 100, 0};
    static const uint8_t bad_bits[] = {0, 1, 23, 0, 198, 51, 101};
    static const uint8_t short_[] = {0, 1, 24};
    assert_int_equal(rt_ecs_parse(bad_fam, sizeof bad_fam, &e), -1);
    assert_int_equal(rt_ecs_parse(bad_src, sizeof bad_src, &e), -1);
    assert_int_equal(rt_ecs_parse(bad_scope, sizeof bad_scope, &e), -1);
    assert_int_equal(rt_ecs_parse(bad_len, sizeof bad_len, &e), -1);
    assert_int_equal(rt_ecs_parse(bad_bits, sizeof bad_bits, &e), -1);
    assert_int_equal(rt_ecs_parse(short_, sizeof short_, &e), -1);
}

/* ---- the packet path (query.c + layout.c + main.c's wiring, added by R1) ---- */

/* Writes a query for name/A (EDNS; ECS option bytes `ecs` when given). */
static size_t packet_query(uint8_t *buf, const char *name, const uint8_t *ecs, size_t ecs_len)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
    size_t n = 12, wl;
    memcpy(buf, hdr, 12);
    assert_int_equal(dname_from_text(buf + n, &wl, name, strlen(name), NULL), 0);
    n += wl;
    static const uint8_t tail[] = {0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0};
    memcpy(buf + n, tail, sizeof tail);
    n += sizeof tail;
    buf[n++] = (uint8_t)(ecs_len >> 8);
    buf[n++] = (uint8_t)ecs_len;
    if (ecs_len)
        memcpy(buf + n, ecs, ecs_len);
    return n + ecs_len;
}

/* A whole blob (static data and policies) built from ZPL source src, opened
 * with rt_db_open(): what the server answers from. */
typedef struct pkt {
    ir_t *ir;
    pir_t pir;
    playout_t pl;
    uint8_t *blob;
    rt_db_t db;
} pkt_t;

static void pkt_build(pkt_t *p, const char *src)
{
    memset(p, 0, sizeof *p);
    FILE *f = fopen("p.zpl", "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    diag_reset();
    FILE *sink = fopen("/dev/null", "w");
    diag_set_stream(sink); /* expected warnings (-Wcidr-no-default) */
    p->ir = ir_new();
    ir_t *ir = p->ir;
    assert_int_equal(zpl_read_file(ir, "p.zpl", (loc_t){0, 0, 0}), 0);
    assert_int_equal(ir->zpl_file_count, 1);
    assert_int_equal(pir_build(&p->pir, ir, ir->zpl_files, ir->zpl_file_count), 0);
    diag_set_stream(stderr);
    fclose(sink);
    for (uint32_t i = 0; i < p->pir.policy_count; i++)
        if (playout_owner_missing(&p->pir, i))
            ir_node_add(ir, p->pir.policies[i].zone, p->pir.policies[i].owner, p->pir.policies[i].loc);
    assert_int_equal(ir_check(ir), 0);
    ir_finish(ir);
    assert_int_equal(playout_build(&p->pl, &p->pir, ir), 0);
    ir->playout = &p->pl;
    size_t len = 0;
    assert_int_equal(layout_build(ir, 0, &p->blob, &len), 0);
    assert_int_equal(rt_db_open(&p->db, p->blob, len), 0);
    assert_non_null(p->db.pol.hdr);
}

static void pkt_free(pkt_t *p)
{
    free(p->blob);
    playout_free(&p->pl);
    ir_free(p->ir);
}

static void test_packet_path(void **state)
{
    (void)state;
    pkt_t pk;
    pkt_build(&pk, "cidrset corp { 10.0.0.0/8 -> office; 10.1.0.0/16 -> lab; }\n"
          "check c1 tcp 192.0.2.1:80;\n"
          "zone t.example {\n"
          "  soa ns hostmaster; ns ns;\n"
          "  records {\n  ns A 192.0.2.53\n  }\n"
          "  www A ttl 60 cidr corp { office -> 10.0.0.1; lab -> 10.1.0.1; }\n"
          "  pool A multivalue { 192.0.2.1 check c1; 192.0.2.2; 192.0.2.3; }\n"
          "}\n");
    rt_db_t db = pk.db;
    uint64_t health[1] = {~0ull};
    rt_ctx_t ctx = {.db = &db, .rng = 1, .health = health, .rng_seeded = 1};
    static uint8_t buf[RT_BUF_MIN];
    rt_peer_t peer = {.family = 4, .addr = {10, 1, 0, 5}};

    /* ECS 10.1.2.0/24: the lab /16 decides; ECS echoed with scope 16 */
    static const uint8_t e24[] = {0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2};
    size_t n = packet_query(buf, "www.t.example.", e24, sizeof e24);
    size_t r = rt_query_process(&ctx, buf, n, sizeof buf, NULL);
    assert_true(r > 16);
    assert_int_equal(buf[3] & 15, 0);
    assert_int_equal(buf[7], 1); /* ANCOUNT */
    size_t q_end = 12 + 15 + 4;
    assert_memory_equal(buf + q_end + 12, "\x0a\x01\x00\x01", 4);
    static const uint8_t echo[] = {0, 8, 0, 7, 0, 1, 24, 16, 10, 1, 2};
    assert_memory_equal(buf + r - sizeof echo, echo, sizeof echo);

    /* no ECS: the source address decides, the response has no ECS */
    n = packet_query(buf, "www.t.example.", NULL, 0);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_memory_equal(buf + q_end + 12, "\x0a\x01\x00\x01", 4);
    assert_int_equal(buf[r - 2], 0); /* OPT RDLENGTH 0 */
    assert_int_equal(buf[r - 1], 0);

    /* outside every block, no default: NODATA with the SOA, ECS echoed */
    static const uint8_t e8[] = {0, 8, 0, 5, 0, 1, 8, 0, 11};
    n = packet_query(buf, "www.t.example.", e8, sizeof e8);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_int_equal(buf[3] & 15, 0);
    assert_int_equal(buf[7], 0); /* ANCOUNT */
    assert_int_equal(buf[9], 1); /* NSCOUNT: the SOA */
    assert_int_equal(buf[r - 3], 8); /* source 8 */

    /* a static answer echoes ECS with scope 0 */
    n = packet_query(buf, "ns.t.example.", e24, sizeof e24);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_int_equal(buf[7], 1);
    assert_int_equal(buf[r - 4], 0); /* scope */
    assert_int_equal(buf[r - 5], 24); /* source */

    /* malformed ECS (bits past SOURCE) -> FORMERR (RFC 7871 section 7.1.2) */
    static const uint8_t bad[] = {0, 8, 0, 7, 0, 1, 16, 0, 10, 1, 2};
    n = packet_query(buf, "www.t.example.", bad, sizeof bad);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_int_equal(buf[3] & 15, 1);

    /* multivalue: every value while c1 is up, two when it is down */
    n = packet_query(buf, "pool.t.example.", NULL, 0);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_int_equal(buf[3] & 15, 0);
    assert_true(buf[2] & 0x04); /* AA */
    assert_int_equal(buf[7], 3);
    health[0] &= ~1ull;
    n = packet_query(buf, "pool.t.example.", NULL, 0);
    r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
    assert_int_equal(buf[7], 2);

    pkt_free(&pk);
}

/* The packet path evaluates the usual policy shapes inline (query_policy.c,
 * policy_eval_int.h) and writes eight A records of a multivalue in place:
 * its answers and draws must be exactly rt_policy_eval()'s and
 * rt_policy_write_frags()'s, for every shape, healthy or not. */
static void test_packet_path_matches_eval(void **state)
{
    (void)state;
    pkt_t pk;
    pkt_build(&pk, "cidrset corp { 10.0.0.0/8 -> office; 10.1.0.0/16 -> lab; }\n"
                   "check c1 tcp 192.0.2.1:80;\ncheck c2 tcp 192.0.2.2:80;\n"
                   "zone t.example {\n"
                   "  soa ns hostmaster; ns ns;\n"
                   "  records {\n  ns A 192.0.2.53\n  }\n"
                   "  m8 A multivalue { 192.0.2.1 check c1; 192.0.2.2; 192.0.2.3 check c2;\n"
                   "    192.0.2.4; 192.0.2.5; 192.0.2.6 check c1; 192.0.2.7; 192.0.2.8; }\n"
                   "  m3 A multivalue { 192.0.2.1 check c1; 192.0.2.2; 192.0.2.3 check c2; }\n"
                   "  m6 AAAA multivalue { 2001:db8::1 check c1; 2001:db8::2; 2001:db8::3;\n"
                   "    2001:db8::4; 2001:db8::5 check c2; 2001:db8::6; }\n"
                   "  w A weighted { 70 -> 192.0.2.10 check c1; 20 -> 192.0.2.11 check c2;\n"
                   "    10 -> 192.0.2.12; }\n"
                   "  f A failover { primary 192.0.2.20 check c1; secondary 192.0.2.21 check c2; }\n"
                   "  c A cidr corp { office -> 10.0.0.1 check c1; lab -> 10.1.0.1 check c2;\n"
                   "    default -> 10.9.9.9; }\n"
                   "}\n");
    rt_db_t *db = &pk.db;
    static const char *const names[] = {"m8", "m3", "m6", "w", "f", "c"};
    static const uint16_t types[] = {RR_A, RR_A, RR_AAAA, RR_A, RR_A, RR_A};
    uint64_t health[1];
    rt_ctx_t ctx = {.db = db, .health = health, .rng_seeded = 1};
    static uint8_t buf[RT_BUF_MIN], want[RT_BUF_MIN];
    unsigned checked = 0;
    for (unsigned hs = 0; hs < 4; hs++) { /* c1, c2 up or down */
        health[0] = ~0ull & ~(uint64_t)hs;
        for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
            char qn[64];
            snprintf(qn, sizeof qn, "%s.t.example.", names[k]);
            uint8_t wn[DNAME_MAX];
            size_t wl;
            assert_int_equal(dname_from_text(wn, &wl, qn, strlen(qn), NULL), 0);
            uint32_t pol = RT_PNONE;
            for (uint32_t i = 0; i < db->pol.hdr->policy_count; i++) {
                const rt_ppolicy_t *pp = &db->pol.policies[i];
                if (pp->type == types[k] && pp->name_len == wl &&
                    memcmp(db->pol.bytes + pp->name_off, wn, wl) == 0)
                    pol = i;
            }
            assert_int_not_equal(pol, RT_PNONE);
            for (unsigned it = 0; it < 300; it++) {
                /* the server's answer from rng state s ... */
                uint64_t s = rt_policy_seed(it * 8 + k + 100 * hs);
                ctx.rng = s;
                size_t n = packet_query(buf, qn, NULL, 0);
                buf[12 + wl + 1] = (uint8_t)types[k]; /* qtype (low byte) */
                rt_peer_t peer = {.family = 4, .addr = {10, 1, 0, (uint8_t)it}};
                size_t r = rt_query_process(&ctx, buf, n, sizeof buf, &peer);
                size_t q_end = 12 + wl + 4;
                assert_true(r >= q_end + 11);
                /* ... and the evaluator's from the same state */
                rt_client_t cl = {.family = 4, .src_len = 32, .addr = {10, 1, 0, (uint8_t)it}};
                rt_policy_result_t res;
                uint64_t s2 = s;
                int kind = rt_policy_eval(&db->pol, pol, &cl, health, &s2, &res);
                assert_int_equal(ctx.rng, s2);
                size_t wlen;
                unsigned an;
                if (kind == RT_PR_IMAGE) {
                    wlen = res.image->len;
                    memcpy(want, res.image_bytes + res.image->off, wlen);
                    an = res.image->ancount;
                } else {
                    assert_int_equal(kind, RT_PR_FRAGS);
                    wlen = rt_policy_write_frags(&db->pol, &res, want, sizeof want, &an);
                    assert_int_equal(an, res.nfrags);
                }
                assert_int_equal(buf[3] & 15, 0);
                assert_int_equal(buf[7], an); /* ANCOUNT */
                assert_int_equal(r - q_end - 11, wlen); /* + OPT without ECS */
                assert_memory_equal(buf + q_end, want, wlen);
                checked++;
            }
        }
    }
    assert_int_equal(checked, 4 * 6 * 300);
    pkt_free(&pk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_failover_weighted_alias),
        cmocka_unit_test(test_spec_geo_latency),
        cmocka_unit_test(test_spec_proximity_cidr_multivalue),
        cmocka_unit_test(test_failover_rules),
        cmocka_unit_test(test_weighted_rules),
        cmocka_unit_test(test_multivalue_eight),
        cmocka_unit_test(test_multivalue_orders),
        cmocka_unit_test(test_geo_nodata_and_nesting),
        cmocka_unit_test(test_latency_rtt_and_bias),
        cmocka_unit_test(test_alias_static_and_calculated),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_ecs),
        cmocka_unit_test(test_packet_path),
        cmocka_unit_test(test_packet_path_matches_eval),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
