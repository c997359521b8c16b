/* test_zpl.c -- unit tests of the ZPL scanner, parser, AST and zpl.c lowering
 * SPDX-License-Identifier: MIT
 *
 * Files are written into a fresh temporary directory that becomes the
 * working directory, so diagnostics name them by short relative paths and
 * can be compared verbatim. The SPEC section 3 example lives in
 * tests/unit/data/ (spec-example.zpl, its fixtures and spec-example.ast).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dname.h"
#include "ir.h"
#include "policy.h"
#include "rrtype.h"
#include "zpl.h"
#include "testutil.h"

static char tmpdir[256];
static char origdir[4096];

/* --- helpers --------------------------------------------------------------- */


/* Reads `path` with zpl_read_file into a new IR; returns the diagnostic
 * headlines and sets *ir (caller frees both). */
static char *run_zpl(const char *path, ir_t **irp, unsigned *errors)
{
    diag_reset();
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    diag_set_stream(m);
    ir_t *ir = ir_new();
    unsigned e = zpl_read_file(ir, path, (loc_t){0, 0, 0});
    fclose(m);
    diag_set_stream(NULL);
    if (errors)
        *errors = e;
    assert_int_equal(e, diag_error_count());
    if (irp)
        *irp = ir;
    else
        ir_free(ir);
    char *h = headlines(buf);
    free(buf);
    return h;
}

/* Asserts the diagnostics of reading `text` (as file `name`) equal `want`. */
static ir_t *expect_diags(const char *name, const char *text, const char *want)
{
    write_file(name, text);
    ir_t *ir;
    char *got = run_zpl(name, &ir, NULL);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "--- want:\n%s--- got:\n%s", want, got);
    assert_string_equal(got, want);
    free(got);
    return ir;
}

static ir_node_t *node(ir_zone_t *z, const char *name)
{
    uint8_t w[DNAME_MAX];
    size_t len;
    assert_int_equal(dname_from_text(w, &len, name, strlen(name), NULL), DNAME_OK);
    return ir_node_find(z, w);
}

static ir_zone_t *zone(ir_t *ir, const char *apex)
{
    uint8_t w[DNAME_MAX];
    size_t len;
    assert_int_equal(dname_from_text(w, &len, apex, strlen(apex), NULL), DNAME_OK);
    ir_zone_t *z = ir_zone_find(ir, w);
    assert_non_null(z);
    return z;
}

/* The rdata of name/type printed as text, RRs separated by " | ". */
static char *rrset_text(ir_zone_t *z, const char *name, uint16_t type, uint32_t *ttl)
{
    ir_node_t *n = node(z, name);
    if (!n)
        return strdup("<no node>");
    ir_rrset_t *s = ir_rrset_find(n, type);
    if (!s)
        return strdup("<no rrset>");
    if (ttl)
        *ttl = s->ttl;
    static char out[4096];
    out[0] = 0;
    for (ir_rdata_t *r = s->rdata; r; r = r->next) {
        char buf[1024];
        rrtype_rdata_to_text(type, r->data, r->len, buf, sizeof buf);
        if (out[0])
            strcat(out, " | ");
        strcat(out, buf);
    }
    return strdup(out);
}

static void expect_rrset(ir_zone_t *z, const char *name, uint16_t type, uint32_t ttl, const char *want)
{
    uint32_t got_ttl = 0;
    char *got = rrset_text(z, name, type, &got_ttl);
    assert_string_equal(got, want);
    assert_int_equal(got_ttl, ttl);
    free(got);
}

static int setup(void **state)
{
    (void)state;
    assert_non_null(getcwd(origdir, sizeof origdir));
    strcpy(tmpdir, "/tmp/zonec-test-zpl-XXXXXX");
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

static const char *data_dir(void)
{
    static char dir[8400];
    const char *t = getenv("ZONEC_TEST_DIR");
    if (!t)
        t = "tests";
    if (t[0] == '/')
        snprintf(dir, sizeof dir, "%.4096s/unit/data", t);
    else /* relative to where the test was started */
        snprintf(dir, sizeof dir, "%.4096s/%.4096s/unit/data", origdir, t);
    return dir;
}

/* --- tests ----------------------------------------------------------------- */

/* The SPEC section 3 example parses without error into the expected tree. */
static void test_spec_ast(void **state)
{
    (void)state;
    assert_int_equal(chdir(data_dir()), 0);
    size_t len, want_len;
    char *text = read_whole("spec-example.zpl", &len);
    char *want = read_whole("spec-example.ast", &want_len);
    assert_non_null(text);
    assert_non_null(want);
    diag_reset();
    arena_t *a = arena_new(0);
    uint32_t id = diag_add_file("spec-example.zpl", text, len);
    policy_file_t *pf = policy_parse(a, id, text, len);
    assert_int_equal(diag_error_count(), 0);
    char *got = NULL;
    size_t got_len = 0;
    FILE *m = open_memstream(&got, &got_len);
    policy_dump(m, pf);
    fclose(m);
    assert_string_equal(got, want);
    free(got);
    free(want);
    arena_free(a);
    diag_reset();
    free(text);
    assert_int_equal(chdir(tmpdir), 0);
}

/* Lowering the SPEC example: static parts in the IR, routing constructs
 * left for pir_build() without a message, included files and `records
 * from` read. */
static void test_spec_lower(void **state)
{
    (void)state;
    assert_int_equal(chdir(data_dir()), 0);
    ir_t *ir;
    unsigned errors;
    char *got = run_zpl("spec-example.zpl", &ir, &errors);
    assert_int_equal(chdir(tmpdir), 0);
    /* routing constructs are left to pir_build(): zpl.c reports nothing */
    assert_string_equal(got, "");
    /* every parsed file is kept for pir_build(): the example and common.zpl */
    assert_int_equal(ir->zpl_file_count, 2);
    assert_int_equal(errors, 0);
    free(got);

    ir_zone_t *c = zone(ir, "common.example.");
    assert_int_equal(c->default_ttl, 3600);
    expect_rrset(c, "common.example.", RR_SOA, 3600,
                 "ns.common.example. hostmaster.common.example. 7 3600 900 604800 300");
    expect_rrset(c, "common.example.", RR_NS, 3600, "ns.common.example.");
    expect_rrset(c, "ns.common.example.", RR_A, 3600, "192.0.2.1");
    expect_rrset(c, "www.common.example.", RR_A, 3600, "192.0.2.2 | 192.0.2.3");

    ir_zone_t *z = zone(ir, "example.com.");
    assert_ptr_equal(ir->zones, c); /* include first, in statement order */
    assert_int_equal(z->default_ttl, 300);
    expect_rrset(z, "example.com.", RR_SOA, 300,
                 "ns1.example.com. hostmaster.example.com. 2026112601 7200 3600 1209600 300");
    expect_rrset(z, "example.com.", RR_NS, 300, "ns1.example.com. | ns2.example.com.");
    expect_rrset(z, "example.com.", RR_MX, 300, "10 mail.example.com.");
    expect_rrset(z, "example.com.", RR_TXT, 300, "\"v=spf1 mx -all\"");
    expect_rrset(z, "ns2.example.com.", RR_A, 300, "198.51.100.53");
    expect_rrset(z, "*.dev.example.com.", RR_CNAME, 300, "www.example.com.");
    expect_rrset(z, "old.example.com.", RR_A, 300, "192.0.2.80");
    /* policy records are not static data: pir_build() takes them */
    assert_null(node(z, "www.example.com."));
    assert_null(node(z, "pool.example.com."));
    /* record locations point into the .zpl */
    ir_rrset_t *mx = ir_rrset_find(node(z, "example.com."), RR_MX);
    assert_int_equal(mx->loc.line, 24);
    assert_int_equal(mx->loc.col, 9);
    ir_free(ir);
}

/* Syntax errors: every one reported with its position, parsing resumes at
 * the next statement or block, the good statements still count. */
static void test_syntax_recovery(void **state)
{
    (void)state;
    ir_t *ir = expect_diags("bad.zpl",
        "zone example.com {\n"
        "    ttl 300\n"                                            /* 2: missing ';' */
        "    soa ns1 hostmaster serial 1;\n"
        "    ns ns1, ns2;\n"
        "    www A 192.0.2.1 192.0.2.2;\n"                         /* 5: missing ',' */
        "    api A failover { primary 1.2.3.4 secondary 5.6.7.8; }\n" /* 6 */
        "    x A weighted { 70 -> 1.1.1.1; abc -> 2.2.2.2; }\n"   /* 7 */
        "    ok A 192.0.2.9;\n"
        "    y A \"unterminated;\n"                                /* 9 */
        "    z A 1.2.3.4 $ ;\n"                                    /* 10 */
        "    ns1 A 192.0.2.53;\n"
        "}\n"
        "zone { ttl 5; }\n"                                         /* 13: skipped block */
        "check c1 http 1.2.3.4:80 fall x;\n"                        /* 14 */
        "zone two.example { ns a; a A 192.0.2.1 }\n",               /* 15 */
        "bad.zpl:3:5: error: syntax error, unexpected 'soa', expecting ';'\n"
        "bad.zpl:5:21: error: syntax error, unexpected name, expecting 'check' or ';' or ','\n"
        "bad.zpl:6:38: error: syntax error, unexpected 'secondary', expecting 'check' or ';' or ','\n"
        "bad.zpl:7:35: error: syntax error, unexpected name, expecting number or '}'\n"
        "bad.zpl:9:9: error: unterminated string\n"
        "bad.zpl:10:17: error: unexpected character '$'\n"
        "bad.zpl:13:6: error: syntax error, unexpected '{'\n"
        "bad.zpl:14:31: error: syntax error, unexpected name, expecting number\n"
        "bad.zpl:15:40: error: syntax error, unexpected '}', expecting 'check' or ';' or ','\n");
    ir_zone_t *z = zone(ir, "example.com.");
    expect_rrset(z, "ok.example.com.", RR_A, 3600, "192.0.2.9");
    expect_rrset(z, "ns1.example.com.", RR_A, 3600, "192.0.2.53");
    expect_rrset(z, "example.com.", RR_NS, 3600, "ns1.example.com. | ns2.example.com.");
    assert_null(node(z, "www.example.com."));
    /* the zone with the broken last record is still declared */
    expect_rrset(zone(ir, "two.example."), "two.example.", RR_NS, 3600, "a.two.example.");
    ir_free(ir);
}

/* A missing `}` at the end of the file and a stray `}`. */
static void test_syntax_eof(void **state)
{
    (void)state;
    ir_free(expect_diags("eof.zpl", "zone a.example {\n  ns b;\n",
                         "eof.zpl:3:1: error: syntax error, unexpected end of file\n"));
    ir_free(expect_diags("stray.zpl", "}\nzone a.example { ns b; }\n}",
                         "stray.zpl:1:1: error: syntax error, unexpected '}'\n"
                         "stray.zpl:3:1: error: syntax error, unexpected '}'\n"));
    ir_free(expect_diags("rec.zpl", "zone a.example {\n  records {\n  @ NS b\n",
                         "rec.zpl:2:11: error: unterminated records block (no matching '}')\n"));
}

static void test_include(void **state)
{
    (void)state;
    assert_int_equal(system("mkdir -p sub"), 0);
    write_file("sub/inc.zpl", "zone inc.example { soa ns h; ns ns; ns A 192.0.2.1; }\n"
                              "include \"../missing.zpl\";\n");
    ir_t *ir = expect_diags("main.zpl",
        "include \"sub/inc.zpl\";\n"
        "include \"nope.zpl\";\n",
        "sub/inc.zpl:2:9: error: cannot open included file '../missing.zpl': No such file or directory\n"
        "main.zpl:2:9: error: cannot open included file 'nope.zpl': No such file or directory\n");
    expect_rrset(zone(ir, "inc.example."), "ns.inc.example.", RR_A, 3600, "192.0.2.1");
    ir_free(ir);

    /* the top-level file itself */
    char *got = run_zpl("absent.zpl", NULL, NULL);
    assert_string_equal(got, "<command line>: error: cannot open 'absent.zpl': No such file or directory\n");
    free(got);
}

static void test_include_cycle(void **state)
{
    (void)state;
    write_file("b.zpl", "include \"c.zpl\";\n");
    write_file("c.zpl", "zone c.example { ns ns.c.example.; }\ninclude \"a.zpl\";\n");
    ir_t *ir = expect_diags("a.zpl", "include \"b.zpl\";\n",
                            "c.zpl:2:9: error: include cycle: 'a.zpl' includes itself\n");
    zone(ir, "c.example."); /* read once */
    ir_free(ir);
    /* a diamond: shared.zpl reached twice, read once (no duplicate zone) */
    write_file("x.zpl", "include \"shared.zpl\";\n");
    write_file("y.zpl", "include \"shared.zpl\";\n");
    write_file("shared.zpl", "zone shared.example { ns ns.example.; }\n");
    ir = expect_diags("d.zpl", "include \"x.zpl\";\ninclude \"y.zpl\";\n", "");
    zone(ir, "shared.example.");
    assert_int_equal(ir->zone_count, 1);
    ir_free(ir);
    ir_free(expect_diags("self.zpl", "# me\ninclude \"self.zpl\";\n",
                         "self.zpl:2:9: error: include cycle: 'self.zpl' includes itself\n"));
}

/* Devices and directories are not read (SPEC section 7: no input may hang). */
static void test_include_not_regular(void **state)
{
    (void)state;
    assert_int_equal(system("mkdir -p adir"), 0);
    ir_free(expect_diags("dev.zpl",
        "include \"/dev/zero\";\n"
        "include \"adir\";\n"
        "zone dev.example { soa ns h; ns ns; ns A 192.0.2.1; records from \"/dev/zero\"; }\n",
        "dev.zpl:1:9: error: cannot open included file '/dev/zero': not a regular file\n"
        "dev.zpl:2:9: error: cannot open included file 'adir': Is a directory\n"
        "dev.zpl:3:66: error: cannot open included file '/dev/zero': not a regular file\n"));
}

/* zpl_read_text: the same reader over text in memory, named as a file. */
static void test_read_text(void **state)
{
    (void)state;
    write_file("mem-inc.zpl", "zone inc.mem.example { soa ns h; ns ns; ns A 192.0.2.9; }\n");
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    char *path = NULL;
    assert_true(asprintf(&path, "%s/virtual.zpl", cwd) > 0);
    diag_reset();
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    diag_set_stream(m);
    ir_t *ir = ir_new();
    /* not NUL-terminated: the reader must stop at len */
    static const char text[] = "zone mem.example { soa ns h; ns ns; ns A 192.0.2.8; }\n"
                               "include \"mem-inc.zpl\";\nwww A 1;XXXX";
    unsigned e = zpl_read_text(ir, path, text, sizeof text - 1 - 4);
    fclose(m);
    diag_set_stream(NULL);
    assert_int_equal(e, 1);
    assert_non_null(strstr(buf, "virtual.zpl:3:1: error: syntax error"));
    expect_rrset(zone(ir, "mem.example."), "ns.mem.example.", RR_A, 3600, "192.0.2.8");
    expect_rrset(zone(ir, "inc.mem.example."), "ns.inc.mem.example.", RR_A, 3600, "192.0.2.9");
    ir_free(ir);
    free(buf);
    free(path);
    /* empty text: nothing, no error */
    diag_reset();
    ir = ir_new();
    assert_int_equal(zpl_read_text(ir, "empty.zpl", "", 0), 0);
    assert_null(ir->zones);
    ir_free(ir);
}

/* ttl, soa defaults and explicit fields, ns list, value sets, TTL errors. */
static void test_zone_statements(void **state)
{
    (void)state;
    ir_t *ir = expect_diags("z.zpl",
        "zone Example.COM. {\n"
        "    soa ns1.example.net. hostmaster;\n"
        "    ns ns1.example.net., ns2;\n"
        "    www A 192.0.2.1, 192.0.2.2;\n"
        "    mx MX ttl 60 \"10 mx1.example.net.\";\n"
        "    txt TXT \"v=spf1 mx -all\", \"\\\"two\\\" \\\"strings\\\"\";\n"
        "    caa CAA \"0 issue \\\"ca.example.net\\\"\";\n"
        "    @ AAAA ttl 1w 2001:db8::1;\n"
        "    ns A 192.0.2.7;\n"
        "    ns2 a 192.0.2.8;\n"
        "    check A 192.0.2.9;\n"
        "    office->x CNAME y;\n"
        "    ttl 1h30m;\n"
        "}\n"
        "zone b.example { ttl 2147483648; soa a b serial 4294967296 refresh 4000000000; }\n"
        "zone c.example { ttl 1; ttl 2; x A ttl 99999999999 1.2.3.4; y BOGUS 1; z A 1.2.3; }\n",
        "z.zpl:12:11: error: syntax error, unexpected '->', expecting name or 'ns' or 'soa'\n"
        "z.zpl:15:22: error: TTL out of range (0..2147483647)\n"
        "z.zpl:15:49: error: serial out of range (0..4294967295)\n"
        "z.zpl:15:68: error: TTL out of range (0..2147483647)\n"
        "z.zpl:16:25: error: 'ttl' given twice in zone\n"
        "z.zpl:16:18: note: first given here\n"
        "z.zpl:16:40: error: TTL out of range (0..2147483647)\n"
        "z.zpl:16:63: error: unknown record type 'BOGUS'\n"
        "z.zpl:16:76: error: invalid A rdata: '1.2.3' is not an IPv4 address\n");
    ir_zone_t *z = zone(ir, "example.com.");
    assert_int_equal(z->default_ttl, 5400);
    expect_rrset(z, "example.com.", RR_SOA, 5400,
                 "ns1.example.net. hostmaster.Example.COM. 1 3600 900 604800 300");
    expect_rrset(z, "example.com.", RR_NS, 5400, "ns1.example.net. | ns2.Example.COM.");
    expect_rrset(z, "www.example.com.", RR_A, 5400, "192.0.2.1 | 192.0.2.2");
    expect_rrset(z, "mx.example.com.", RR_MX, 60, "10 mx1.example.net.");
    expect_rrset(z, "txt.example.com.", RR_TXT, 5400,
                 "\"v=spf1 mx -all\" | \"two\" \"strings\"");
    expect_rrset(z, "caa.example.com.", RR_CAA, 5400, "0 issue \"ca.example.net\"");
    expect_rrset(z, "example.com.", RR_AAAA, 604800, "2001:db8::1");
    expect_rrset(z, "ns.example.com.", RR_A, 5400, "192.0.2.7");
    expect_rrset(z, "ns2.example.com.", RR_A, 5400, "192.0.2.8");
    expect_rrset(z, "check.example.com.", RR_A, 5400, "192.0.2.9");
    ir_free(ir);
}

/* Errors inside quoted rdata point at the field within the string. */
static void test_value_field_locations(void **state)
{
    (void)state;
    ir_free(expect_diags("v.zpl",
        "zone v.example {\n"
        "  mx MX \"10 mx1.example.net.\", \"20\tx123456789012345678901234567890123456789012345678901234567890abcd\";\n"
        "  w A 1.2.3.4, 5.6.7;\n"
        "  t TXT \"\\\"a\\\" \\\"b\", \"c\";\n"
        "}\n",
        "v.zpl:2:36: error: label longer than 63 bytes\n"
        "v.zpl:3:16: error: invalid A rdata: '5.6.7' is not an IPv4 address\n"
        "v.zpl:4:16: error: unterminated string in value\n"));
}

/* An error inside records { } points at its line and column in the .zpl. */
static void test_records_block_locations(void **state)
{
    (void)state;
    ir_t *ir = expect_diags("r.zpl",
        "zone r.example { ttl 120; records { @ NS ns1\n"
        "  ns1  A  192.0.2.1 ; a } in a comment\n"
        "  t    TXT \"a } in a string\"\n"
        "  bad  A  300.1.2.3\n"
        "  x    BOGUS 1 }\n"
        "  records {} records { www A 192.0.2.5 }\n"
        "}\n",
        "r.zpl:4:11: error: invalid A rdata: '300.1.2.3' is not an IPv4 address\n"
        "r.zpl:5:8: error: unknown record type 'BOGUS'\n");
    ir_zone_t *z = zone(ir, "r.example.");
    expect_rrset(z, "r.example.", RR_NS, 120, "ns1.r.example.");
    expect_rrset(z, "ns1.r.example.", RR_A, 120, "192.0.2.1");
    expect_rrset(z, "t.r.example.", RR_TXT, 120, "\"a } in a string\"");
    expect_rrset(z, "www.r.example.", RR_A, 120, "192.0.2.5");
    ir_rrset_t *ns = ir_rrset_find(node(z, "r.example."), RR_NS);
    assert_int_equal(ns->loc.line, 1);
    assert_int_equal(ns->loc.col, 37);
    ir_free(ir);
}

/* Keywords stay usable as names where no statement starts with them. */
static void test_keywords_as_names(void **state)
{
    (void)state;
    ir_t *ir = expect_diags("k.zpl",
        "zone k.example {\n"
        "  soa ns hostmaster;\n"
        "  ns ns;\n"
        "  ns NS ns.other.example.;\n"
        "  zone A 192.0.2.1;\n"
        "  default CNAME geo;\n"
        "  records A 192.0.2.2;\n"
        "  ttl TXT ttl;\n"
        "  10 PTR check;\n"
        "}\n",
        "");
    ir_zone_t *z = zone(ir, "k.example.");
    expect_rrset(z, "k.example.", RR_NS, 3600, "ns.k.example.");
    expect_rrset(z, "ns.k.example.", RR_NS, 3600, "ns.other.example.");
    expect_rrset(z, "zone.k.example.", RR_A, 3600, "192.0.2.1");
    expect_rrset(z, "default.k.example.", RR_CNAME, 3600, "geo.k.example.");
    expect_rrset(z, "records.k.example.", RR_A, 3600, "192.0.2.2");
    expect_rrset(z, "ttl.k.example.", RR_TXT, 3600, "\"ttl\"");
    expect_rrset(z, "10.k.example.", RR_PTR, 3600, "check.k.example.");
    ir_free(ir);
}

/* Arrows without spaces, nesting, keyword-named labels. */
static void test_parse_shapes(void **state)
{
    (void)state;
    const char *text =
        "cidrset s { 10.0.0.0/8->a; 2001:db8::/32 , 192.0.2.0/24 -> b; }\n"
        "check v6 https [2001:db8::1]:443 expect 200;\n"
        "zone p.example {\n"
        "  x A weighted { 1->failover { primary geo { default -> multivalue { 1.1.1.1; } }\n"
        "                 secondary alias y; } 0 -> 2.2.2.2 check c; }\n"
        "  y A proximity { at -1, 2 bias -10 -> 3.3.3.3; }\n"
        "}\n";
    diag_reset();
    arena_t *a = arena_new(0);
    uint32_t id = diag_add_file("p.zpl", text, strlen(text));
    policy_file_t *pf = policy_parse(a, id, text, strlen(text));
    assert_int_equal(diag_error_count(), 0);
    char *got = NULL;
    size_t got_len = 0;
    FILE *m = open_memstream(&got, &got_len);
    policy_dump(m, pf);
    fclose(m);
    assert_string_equal(got,
        "cidrset s @1:1\n"
        "  prefixes 10.0.0.0/8 -> a @1:13\n"
        "  prefixes 2001:db8::/32 192.0.2.0/24 -> b @1:28\n"
        "check v6 https [2001:db8::1]:443 @2:1\n"
        "  expect 200 @2:34\n"
        "zone p.example @3:1\n"
        "  record x A @4:3\n"
        "    weighted @4:7\n"
        "      weight 1 @4:18\n"
        "        failover @4:21\n"
        "          primary @4:32\n"
        "            geo @4:40\n"
        "              default @4:46\n"
        "                multivalue @4:57\n"
        "                  item @4:70\n"
        "                    values 1.1.1.1 @4:70\n"
        "          secondary @5:18\n"
        "            alias y @5:28\n"
        "      weight 0 @5:39\n"
        "        values 2.2.2.2 check c @5:44\n"
        "  record y A @6:3\n"
        "    proximity @6:7\n"
        "      at -1 2 bias -10 @6:19\n"
        "        values 3.3.3.3 @6:40\n");
    free(got);
    arena_free(a);
    diag_reset();
}

static void test_conversions(void **state)
{
    (void)state;
    uint32_t v = 0;
#define TOK(s) (&(policy_tok_t){(s), (uint32_t)strlen(s), 0, {0, 0, 0}})
    assert_int_equal(policy_duration(TOK("30"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 30);
    assert_int_equal(policy_duration(TOK("30s"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 30);
    assert_int_equal(policy_duration(TOK("5m"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 300);
    assert_int_equal(policy_duration(TOK("2h"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 7200);
    assert_int_equal(policy_duration(TOK("14d"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 1209600);
    assert_int_equal(policy_duration(TOK("1W"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 604800);
    assert_int_equal(policy_duration(TOK("1h30m"), IR_TTL_MAX, &v), 0);
    assert_int_equal(v, 5400);
    assert_int_equal(policy_duration(TOK("2147483647"), IR_TTL_MAX, &v), 0);
    assert_int_equal(policy_duration(TOK("2147483648"), IR_TTL_MAX, &v), -2);
    assert_int_equal(policy_duration(TOK("99999999999999999999w"), IR_TTL_MAX, &v), -2);
    assert_int_equal(policy_duration(TOK("3550w"), IR_TTL_MAX, &v), 0);
    assert_int_equal(policy_duration(TOK("3551w"), IR_TTL_MAX, &v), -2);
    assert_int_equal(policy_duration(TOK("1h30"), IR_TTL_MAX, &v), -1);
    assert_int_equal(policy_duration(TOK("h"), IR_TTL_MAX, &v), -1);
    assert_int_equal(policy_duration(TOK("1x"), IR_TTL_MAX, &v), -1);
    assert_int_equal(policy_number(TOK("4294967295"), UINT32_MAX, &v), 0);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(policy_number(TOK("4294967296"), UINT32_MAX, &v), -2);
    assert_int_equal(policy_number(TOK("12a"), UINT32_MAX, &v), -1);

    arena_t *a = arena_new(0);
    policy_tok_t q = {"a\\\"b\\\\c\\065", 11, 1, {0, 0, 0}};
    size_t n;
    uint32_t *map;
    char *s = policy_string(a, &q, &n, &map);
    assert_string_equal(s, "a\"b\\c\\065");
    assert_int_equal(n, 9);
    assert_int_equal(map[0], 0);
    assert_int_equal(map[1], 1);  /* the quote came from offset 1 (the backslash) */
    assert_int_equal(map[2], 3);
    assert_int_equal(map[4], 6);
    assert_int_equal(map[9], 11);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_ast),
        cmocka_unit_test(test_spec_lower),
        cmocka_unit_test(test_syntax_recovery),
        cmocka_unit_test(test_syntax_eof),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_include_cycle),
        cmocka_unit_test(test_include_not_regular),
        cmocka_unit_test(test_read_text),
        cmocka_unit_test(test_zone_statements),
        cmocka_unit_test(test_value_field_locations),
        cmocka_unit_test(test_records_block_locations),
        cmocka_unit_test(test_keywords_as_names),
        cmocka_unit_test(test_parse_shapes),
        cmocka_unit_test(test_conversions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
