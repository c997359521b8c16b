/* test_pir.c -- unit tests of the policy IR: conversion, resolution, every validation
 * SPDX-License-Identifier: MIT
 *
 * Each case reads ZPL source the way the compiler does: zpl_read_file() puts
 * the static data into a fresh IR (its "routing policies are not supported
 * yet" errors are filtered out until the layout half exists), then the file
 * and its includes are parsed again with policy_parse() and handed to
 * pir_build(). Diagnostics are compared verbatim (headline lines only).
 *
 * Three groups:
 *   - inline cases, written into a temporary directory as t.zpl;
 *   - tests/golden/policy/NN_name.zpl + .expected, run from the repository
 *     root (one file per validation; the same format as tests/golden/diag);
 *   - the SPEC section 3 example (tests/unit/data/spec-example.zpl) with its
 *     fixtures: no diagnostics, and the resolved IR compared field by field
 *     and as a dump with tests/unit/data/spec-example.pir.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dname.h"
#include "ir.h"
#include "pir.h"
#include "policy.h"
#include "rrtype.h"
#include "zpl.h"
#include "testutil.h"

static char tmpdir[256];
static char origdir[4096];
static char rootdir[4096]; /* the repository root */

/* --- helpers --------------------------------------------------------------- */


typedef struct run {
    ir_t *ir;
    pir_t pir;
    unsigned errors;        /* pir_build's count */
    char *diags;            /* headlines of everything reported */
} run_t;

/* Parses `path` and, recursively, its includes into files[]. */
static void parse_tree(ir_t *ir, const char *path, const policy_file_t **files, size_t *n)
{
    size_t len;
    char *text = read_whole(path, &len);
    assert_non_null(text);
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

/* Reads `path` (static data through zpl.c, then pir_build over the tree). */
static void run_path(run_t *r, const char *path)
{
    diag_reset();
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    diag_set_stream(m);
    r->ir = ir_new();
    zpl_read_file(r->ir, path, (loc_t){0, 0, 0});
    const policy_file_t *files[16];
    size_t n = 0;
    parse_tree(r->ir, path, files, &n);
    r->errors = pir_build(&r->pir, r->ir, files, n);
    fclose(m);
    diag_set_stream(stderr);
    r->diags = headlines(buf);
    free(buf);
}

/* Writes `src` as t.zpl in the temporary directory and runs it. */
static void run_src(run_t *r, const char *src)
{
    write_file("t.zpl", src);
    run_path(r, "t.zpl");
}

static void run_free(run_t *r)
{
    ir_free(r->ir);
    free(r->diags);
}

/* Runs `src` and expects exactly the diagnostics `want` (headlines). */
#define EXPECT_DIAGS(src, want)                                                                    \
    do {                                                                                           \
        run_t r_;                                                                                  \
        run_src(&r_, src);                                                                         \
        assert_string_equal(r_.diags, want);                                                       \
        run_free(&r_);                                                                             \
    } while (0)

/* Four lines of a valid zone head; records start on line 5. */
#define ZONE "zone example.com {\n soa ns hostmaster;\n ns ns;\n ns A 192.0.2.1;\n"

static int setup(void **state)
{
    (void)state;
    const char *t = getenv("ZONEC_TEST_DIR");
    assert_true(getcwd(origdir, sizeof origdir) != NULL);
    if (t)
        snprintf(rootdir, sizeof rootdir, "%s/..", t);
    else
        snprintf(rootdir, sizeof rootdir, "%s", origdir);
    strcpy(tmpdir, "/tmp/zonec-test-pir-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    assert_int_equal(chdir(tmpdir), 0);
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

/* --- inline cases ----------------------------------------------------------- */

static void test_valid_tree(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check a tcp 192.0.2.9:22;\n"
                "check b http [2001:db8::9] path \"/x\";\n"
                ZONE
                " www A ttl 60 failover {\n"
                "  primary weighted { 0 -> 192.0.2.10, 192.0.2.11 check a; 255 -> 192.0.2.12; }\n"
                "  secondary 192.0.2.13;\n"
                " }\n"
                " alt A alias www;\n"
                "}\n");
    assert_string_equal(r.diags, "");
    assert_int_equal(r.errors, 0);
    pir_t *p = &r.pir;
    assert_int_equal(p->check_count, 2);
    assert_int_equal(p->checks[0].kind, PIR_CHECK_TCP);
    assert_int_equal(p->checks[0].port, 22);
    assert_int_equal(p->checks[0].interval, 10);
    assert_int_equal(p->checks[0].timeout, 2);
    assert_int_equal(p->checks[0].fall, 3);
    assert_int_equal(p->checks[0].rise, 3);
    assert_null(p->checks[0].path);
    assert_int_equal(p->checks[1].addr.family, 6);
    assert_int_equal(p->checks[1].port, 80);
    assert_string_equal(p->checks[1].path, "/x");
    assert_int_equal(p->checks[1].expect_min, 200);
    assert_int_equal(p->checks[1].expect_max, 399);

    assert_int_equal(p->policy_count, 2);
    const pir_policy_t *www = &p->policies[0];
    assert_int_equal(www->type, RR_A);
    assert_int_equal(www->ttl, 60);
    assert_int_equal(www->loc.line, 7);
    assert_int_equal(www->loc.col, 2);
    assert_int_equal(www->node_first, 0);
    assert_int_equal(www->node_count, 5); /* failover, weighted, 2 valuesets, valueset */
    const pir_node_t *fo = &p->nodes[www->root];
    assert_int_equal(fo->kind, PIR_FAILOVER);
    assert_int_equal(fo->count, 2);
    assert_int_equal(p->edges[fo->first].key, PIR_KEY_PRIMARY);
    assert_int_equal(p->edges[fo->first + 1].key, PIR_KEY_SECONDARY);
    const pir_node_t *w = &p->nodes[p->edges[fo->first].child];
    assert_int_equal(w->kind, PIR_WEIGHTED);
    assert_int_equal(p->edges[w->first].weight, 0);
    assert_int_equal(p->edges[w->first + 1].weight, 255);
    const pir_node_t *v = &p->nodes[p->edges[w->first].child];
    assert_int_equal(v->kind, PIR_VALUESET);
    assert_int_equal(v->count, 2);
    assert_int_equal(v->check, 0);
    assert_int_equal(p->rdatas[v->first].len, 4);
    assert_memory_equal(p->rdatas[v->first + 1].data, "\xc0\x00\x02\x0b", 4);
    assert_int_equal(p->nodes[p->edges[w->first + 1].child].check, PIR_NONE);

    const pir_policy_t *alt = &p->policies[1];
    assert_int_equal(alt->ttl, 3600); /* the zone's default */
    assert_int_equal(p->nodes[alt->root].kind, PIR_ALIAS);
    assert_int_equal(p->nodes[alt->root].alias_policy, 0);

    uint8_t name[DNAME_MAX];
    size_t len;
    assert_int_equal(dname_from_text(name, &len, "WWW.example.com.", 16, NULL), 0);
    assert_int_equal(pir_policy_find(p, www->zone, name, RR_A), 0);
    assert_int_equal(pir_policy_find(p, www->zone, name, RR_AAAA), PIR_NONE);
    assert_int_equal(pir_check_find(p, "b"), 1);
    assert_int_equal(pir_check_find(p, "c"), PIR_NONE);
    run_free(&r);
}

static void test_alias_to_static(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, ZONE " www A 192.0.2.7;\n @ A alias www;\n}\n");
    assert_string_equal(r.diags, "");
    const pir_node_t *n = &r.pir.nodes[r.pir.policies[0].root];
    assert_int_equal(n->alias_policy, PIR_NONE);
    assert_non_null(n->alias_rrset);
    assert_int_equal(n->alias_rrset->type, RR_A);
    run_free(&r);
}

static void test_multivalue_split(void **state)
{
    (void)state;
    run_t r;
    run_src(&r, "check c tcp 192.0.2.1:1;\n" ZONE
                " pool A multivalue { 192.0.2.1, 192.0.2.2 check c; 192.0.2.3; }\n}\n");
    assert_string_equal(r.diags, "");
    const pir_node_t *mv = &r.pir.nodes[r.pir.policies[0].root];
    assert_int_equal(mv->kind, PIR_MULTIVALUE);
    assert_int_equal(mv->count, 3);
    for (uint32_t i = 0; i < 3; i++) {
        const pir_node_t *v = &r.pir.nodes[r.pir.edges[mv->first + i].child];
        assert_int_equal(v->kind, PIR_VALUESET);
        assert_int_equal(v->count, 1);
        assert_int_equal(v->check, i < 2 ? 0 : PIR_NONE);
    }
    run_free(&r);
}

static void test_check_options(void **state)
{
    (void)state;
    EXPECT_DIAGS("check a tcp 192.0.2.1:22 path \"/\" host \"h\" expect 200 contains \"x\";\n"
                 "check b calculated (a) interval 5s fall 2;\n"
                 "check c http 192.0.2.1:80 at-least 1 path \"/a\" path \"/b\";\n",
                 "t.zpl:1:26: error: 'path' does not apply to a tcp check\n"
                 "t.zpl:1:35: error: 'host' does not apply to a tcp check\n"
                 "t.zpl:1:44: error: 'expect' does not apply to a tcp check\n"
                 "t.zpl:1:55: error: 'contains' does not apply to a tcp check\n"
                 "t.zpl:2:24: error: 'interval' does not apply to a calculated check\n"
                 "t.zpl:2:36: error: 'fall' does not apply to a calculated check\n"
                 "t.zpl:3:27: error: 'at-least' does not apply to a http check\n"
                 "t.zpl:3:48: error: 'path' given twice\n"
                 "t.zpl:3:38: note: first given here\n");
}

static void test_check_values(void **state)
{
    (void)state;
    EXPECT_DIAGS("check a http 192.0.2.1:80 expect 99-200;\n"
                 "check b http 192.0.2.1:80 expect 300-200;\n"
                 "check c https 192.0.2.1:443 expect 600;\n"
                 "check d http 192.0.2.1:80 expect 200-399 path \"x\" host \"a b\";\n"
                 "check e tcp 192.0.2.1:80 fall 0 rise 11 interval 0s;\n"
                 "check f tcp 192.0.2.1:80 interval 5s timeout 6s;\n"
                 "check g tcp 192.0.2.1;\n"
                 "check h tcp 192.0.2.1:70000;\n"
                 "check i http example.com:80;\n"
                 "check a tcp 192.0.2.1:80;\n"
                 "check j https [2001:db8::1]:443 contains \"\";\n",
                 "t.zpl:1:34: error: invalid expect range '99-200': status codes are 100..599, low-high\n"
                 "t.zpl:2:34: error: invalid expect range '300-200': status codes are 100..599, low-high\n"
                 "t.zpl:3:36: error: invalid expect range '600': status codes are 100..599, low-high\n"
                 "t.zpl:4:47: error: path must start with '/'\n"
                 "t.zpl:4:56: error: host must not contain spaces or control characters\n"
                 "t.zpl:5:31: error: 'fall' out of range (1..10)\n"
                 "t.zpl:5:38: error: 'rise' out of range (1..10)\n"
                 "t.zpl:5:50: error: 'interval' out of range (1s..1d)\n"
                 "t.zpl:6:38: error: timeout 6s is longer than the interval 5s\n"
                 "t.zpl:7:13: error: tcp check target '192.0.2.1' has no port\n"
                 "t.zpl:8:13: error: invalid port in check target '192.0.2.1:70000' (1..65535)\n"
                 "t.zpl:9:14: error: invalid check target 'example.com:80': expected ADDRESS:PORT or [IPv6]:PORT\n"
                 "t.zpl:10:7: error: check 'a' defined twice\n"
                 "t.zpl:1:7: note: first defined here\n"
                 "t.zpl:11:42: error: empty 'contains' string\n");
}

static void test_calculated(void **state)
{
    (void)state;
    EXPECT_DIAGS("check a calculated (b, x, b);\n"
                 "check b calculated (c) at-least 2;\n"
                 "check c calculated (a);\n"
                 "check d calculated (d);\n",
                 "t.zpl:1:24: error: unknown check 'x'\n"
                 "t.zpl:1:27: error: check 'b' listed twice\n"
                 "t.zpl:2:33: error: at-least 2 exceeds the number of checks (1)\n"
                 "t.zpl:3:21: error: calculated check 'a' depends on itself (a -> b -> c -> a)\n"
                 "t.zpl:4:21: error: calculated check 'd' depends on itself (d -> d)\n");
}

static void test_unknown_refs(void **state)
{
    (void)state;
    EXPECT_DIAGS(ZONE
                 " a A 192.0.2.1 check nope;\n"
                 " b A cidr nope { default -> 192.0.2.1; }\n"
                 "}\n",
                 "t.zpl:5:22: error: unknown check 'nope'\n"
                 "t.zpl:6:11: error: unknown cidrset 'nope'\n");
}

static void test_values(void **state)
{
    (void)state;
    EXPECT_DIAGS("check c tcp 192.0.2.1:1;\n" ZONE
                 " a A 192.0.2.1, 192.0.2.300 check c;\n"
                 " b CNAME weighted { 1 -> x, y; }\n"
                 " c MX weighted { 1 -> \"10 mx.example.net.\", \"10 mx.example.net.\"; 2 -> \"x y\"; }\n"
                 " d CNAME multivalue { x; }\n"
                 "}\n",
                 "t.zpl:6:17: error: invalid A rdata: '192.0.2.300' is not an IPv4 address\n"
                 "t.zpl:7:29: error: a CNAME value set has more than one value\n"
                 "t.zpl:8:45: warning: duplicate value ignored [-Wduplicate]\n"
                 "t.zpl:8:73: error: invalid MX rdata: 'x' is not a valid preference (0..65535)\n"
                 "t.zpl:9:10: error: multivalue answers are not allowed for CNAME records\n");
}

static void test_failover_weighted(void **state)
{
    (void)state;
    EXPECT_DIAGS(ZONE
                 " a A failover { secondary 192.0.2.1; }\n"
                 " b A failover { primary 192.0.2.1; primary 192.0.2.2; secondary 192.0.2.3; }\n"
                 " c A weighted { 256 -> 192.0.2.1; 1 -> 192.0.2.2; }\n"
                 " d A weighted { }\n"
                 "}\n",
                 "t.zpl:5:6: error: failover rule without 'primary'\n"
                 "t.zpl:6:36: error: more than one 'primary' in this failover rule\n"
                 "t.zpl:6:17: note: the first is here\n"
                 "t.zpl:7:17: error: weight out of range (0..255)\n"
                 "t.zpl:8:6: error: empty weighted rule\n");
}

static void test_spec_example(void **state)
{
    (void)state;
    assert_int_equal(chdir(rootdir), 0);
    run_t r;
    run_path(&r, "tests/unit/data/spec-example.zpl");
    assert_int_equal(chdir(tmpdir), 0);
    assert_string_equal(r.diags, "");
    assert_int_equal(r.errors, 0);
    pir_t *p = &r.pir;

    /* checks: every field of the five declarations, defaults applied */
    assert_int_equal(p->check_count, 5);
    const pir_check_t *c = &p->checks[0];
    assert_string_equal(c->name, "web-use1");
    assert_int_equal(c->kind, PIR_CHECK_HTTP);
    assert_int_equal(c->addr.family, 4);
    assert_memory_equal(c->addr.bytes, "\xc0\x00\x02\x0a", 4);
    assert_int_equal(c->port, 80);
    assert_string_equal(c->path, "/healthz");
    assert_null(c->host);
    assert_int_equal(c->interval, 10);
    assert_int_equal(c->timeout, 2);
    assert_int_equal(c->fall, 3);
    assert_int_equal(c->rise, 2);
    c = &p->checks[1];
    assert_int_equal(c->kind, PIR_CHECK_HTTPS);
    assert_string_equal(c->host, "www.example.com");
    assert_string_equal(c->contains, "OK");
    assert_int_equal(c->contains_len, 2);
    assert_int_equal(c->expect_min, 200);
    assert_int_equal(c->expect_max, 399);
    assert_int_equal(c->rise, 3);
    c = &p->checks[2];
    assert_int_equal(c->kind, PIR_CHECK_TCP);
    assert_int_equal(c->port, 5432);
    assert_int_equal(c->interval, 5);
    c = &p->checks[3];
    assert_int_equal(c->kind, PIR_CHECK_CALCULATED);
    assert_int_equal(c->child_count, 2);
    assert_int_equal(p->check_children[c->child_first], 0);
    assert_int_equal(p->check_children[c->child_first + 1], 1);
    assert_int_equal(c->at_least, 1);
    assert_int_equal(p->checks[4].inverted, 1);
    assert_int_equal(p->checks[0].inverted, 0);

    /* cidrset corp: three prefixes, two labels */
    assert_int_equal(p->cidrset_count, 1);
    assert_int_equal(p->cidrsets[0].cidr_count, 3);
    assert_int_equal(p->cidrsets[0].label_count, 2);
    assert_int_equal(p->cidrs[1].prefix.addr.family, 6);
    assert_int_equal(p->cidrs[1].prefix.len, 48);
    assert_int_equal(p->cidrs[1].label, 0);
    assert_int_equal(p->cidrs[2].label, 1);

    assert_string_equal(p->geodata.shown, "geo/countries.csv");
    assert_string_equal(p->latency.shown, "latency.yaml");

    /* seven policies in source order; the apex alias resolves to www A */
    assert_int_equal(p->policy_count, 7);
    static const uint16_t types[] = {RR_A, RR_AAAA, RR_CNAME, RR_A, RR_A, RR_MX, RR_A};
    for (uint32_t i = 0; i < 7; i++)
        assert_int_equal(p->policies[i].type, types[i]);
    assert_int_equal(p->policies[0].ttl, 60);
    assert_int_equal(p->policies[1].ttl, 300);
    const pir_node_t *apex = &p->nodes[p->policies[6].root];
    assert_int_equal(apex->kind, PIR_ALIAS);
    assert_int_equal(apex->alias_policy, 0);

    /* geo: subdivision, two countries sharing one latency child, continent, default */
    const pir_node_t *geo = &p->nodes[p->policies[1].root];
    assert_int_equal(geo->kind, PIR_GEO);
    assert_int_equal(geo->count, 5);
    const pir_edge_t *e = &p->edges[geo->first];
    assert_int_equal(e[0].key, PIR_KEY_SUBDIVISION);
    assert_string_equal(e[0].code, "US-CA");
    assert_string_equal(e[1].code, "US");
    assert_string_equal(e[2].code, "CA");
    assert_int_equal(e[1].child, e[2].child);
    assert_int_equal(p->nodes[e[1].child].kind, PIR_LATENCY);
    assert_int_equal(e[3].key, PIR_KEY_CONTINENT);
    assert_int_equal(e[4].key, PIR_KEY_DEFAULT);
    assert_int_equal(p->region_count, 2);
    assert_string_equal(p->regions[0], "us-east-1");

    /* proximity: coordinates in micro-degrees, bias */
    const pir_node_t *prox = &p->nodes[p->policies[2].root];
    e = &p->edges[prox->first];
    assert_int_equal(e[0].lat_e6, 40710000);
    assert_int_equal(e[0].lon_e6, -74010000);
    assert_int_equal(e[0].bias, 10);
    assert_int_equal(e[1].lon_e6, -130000);
    assert_int_equal(e[1].bias, 0);

    /* cidr: labels resolved to the set's indices */
    const pir_node_t *cidr = &p->nodes[p->policies[3].root];
    assert_int_equal(cidr->cidrset, 0);
    e = &p->edges[cidr->first];
    assert_int_equal(e[0].label, 0);
    assert_int_equal(e[1].label, 1);
    assert_int_equal(e[2].key, PIR_KEY_DEFAULT);

    /* the whole IR as text */
    char *got = NULL;
    size_t got_len = 0;
    FILE *m = open_memstream(&got, &got_len);
    pir_dump(m, p);
    fclose(m);
    char path[4200];
    snprintf(path, sizeof path, "%s/tests/unit/data/spec-example.pir", rootdir);
    size_t want_len;
    char *want = read_whole(path, &want_len);
    if (!want || strcmp(want, got) != 0) {
        fprintf(stderr, "pir dump differs from %s; got:\n%s", path, got);
        fail();
    }
    free(want);
    free(got);
    run_free(&r);
}

/* Same input twice: identical dumps (determinism). */
static void test_deterministic(void **state)
{
    (void)state;
    assert_int_equal(chdir(rootdir), 0);
    char *d[2];
    for (int i = 0; i < 2; i++) {
        run_t r;
        run_path(&r, "tests/unit/data/spec-example.zpl");
        size_t n;
        FILE *m = open_memstream(&d[i], &n);
        pir_dump(m, &r.pir);
        fclose(m);
        run_free(&r);
    }
    assert_int_equal(chdir(tmpdir), 0);
    assert_string_equal(d[0], d[1]);
    free(d[0]);
    free(d[1]);
}

/* --- golden files: tests/golden/policy/NN_name.zpl + .expected -------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden(void **state)
{
    (void)state;
    assert_int_equal(chdir(rootdir), 0);
    DIR *d = opendir("tests/golden/policy");
    assert_non_null(d);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".zpl") == 0 && n < 256)
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp_str);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char path[512], exp_path[512];
        snprintf(path, sizeof path, "tests/golden/policy/%s", names[i]);
        snprintf(exp_path, sizeof exp_path, "tests/golden/policy/%.*s.expected",
                 (int)(strlen(names[i]) - 4), names[i]);
        size_t len;
        char *want = read_whole(exp_path, &len);
        run_t r;
        run_path(&r, path);
        if (!want || strcmp(want, r.diags) != 0) {
            fprintf(stderr, "golden %s differs; got:\n%s", path, r.diags);
            failed++;
        }
        free(want);
        free(names[i]);
        run_free(&r);
    }
    assert_int_equal(chdir(tmpdir), 0);
    assert_true(n >= 10);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_tree),
        cmocka_unit_test(test_alias_to_static),
        cmocka_unit_test(test_multivalue_split),
        cmocka_unit_test(test_check_options),
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_calculated),
        cmocka_unit_test(test_unknown_refs),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_failover_weighted),
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_golden),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
