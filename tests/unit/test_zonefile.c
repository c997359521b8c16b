/* test_zonefile.c -- unit tests for the RFC 1035 master-file reader
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "diag.h"
#include "dname.h"
#include "ir.h"
#include "rrtype.h"
#include "zonefile.h"

static char tmpdir[64];
static char *cap_buf;
static size_t cap_len;
static FILE *cap;
static ir_t *ir;

static int setup(void **state)
{
    (void)state;
    diag_reset();
    cap = open_memstream(&cap_buf, &cap_len);
    diag_set_stream(cap);
    strcpy(tmpdir, "/tmp/zonec-test-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    ir = ir_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", tmpdir);
    ir_free(ir);
    diag_set_stream(NULL);
    fclose(cap);
    free(cap_buf);
    cap_buf = NULL;
    diag_reset();
    return 0;
}

static const char *captured(void)
{
    fflush(cap);
    return cap_buf ? cap_buf : "";
}

static void expect_diag(const char *s)
{
    if (!strstr(captured(), s)) {
        fprintf(stderr, "diagnostics:\n%s", captured());
        fail_msg("expected '%s' in the diagnostics", s);
    }
}

static char *write_file(const char *name, const char *text)
{
    static char path[8][256];
    static int k;
    char *p = path[k++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return p;
}

static const uint8_t *wname(const char *text)
{
    static uint8_t buf[4][DNAME_MAX];
    static int k;
    uint8_t *b = buf[k++ % 4];
    size_t l;
    assert_int_equal(dname_from_text(b, &l, text, strlen(text), NULL), 0);
    return b;
}

static ir_zone_t *zone(const char *apex)
{
    ir_zone_t *z = ir_zone_find(ir, wname(apex));
    assert_non_null(z);
    return z;
}

/* The rrset (owner, type) printed as "TTL rdata | rdata ..." */
static const char *rrset_text(ir_zone_t *z, const char *owner, uint16_t type)
{
    static char out[4096];
    ir_node_t *n = ir_node_find(z, wname(owner));
    if (!n)
        return "(no node)";
    ir_rrset_t *s = ir_rrset_find(n, type);
    if (!s)
        return "(no rrset)";
    size_t w = (size_t)snprintf(out, sizeof out, "%u", s->ttl);
    for (ir_rdata_t *r = s->rdata; r; r = r->next) {
        w += (size_t)snprintf(out + w, sizeof out - w, r == s->rdata ? " " : " | ");
        w += rrtype_rdata_to_text(type, r->data, r->len, out + w, sizeof out - w);
    }
    return out;
}

static unsigned read_zone(const char *name, const char *text, const char *origin)
{
    char *p = write_file(name, text);
    zonefile_opts_t o = {0};
    if (origin)
        o.origin = wname(origin);
    return zonefile_read_file(ir, NULL, p, (loc_t){0, 0, 0}, &o);
}

static void test_basic(void **state)
{
    (void)state;
    unsigned e = read_zone("a.zone",
                           "; comment\n"
                           "$ORIGIN example.com.\n"
                           "$TTL 1h\n"
                           "@   IN  SOA ns1 hostmaster.example.com. (\n"
                           "        2026112601 ; serial\n"
                           "        2h 1h 2w   ; timers\n"
                           "        5m )\n"
                           "    IN  NS  ns1\n"
                           "        NS  ns2.example.net.\n"
                           "@ 300 IN MX 10 mail\n"
                           "@ IN 300 MX 20 mail2\n"
                           "ns1 A 192.0.2.53\n"
                           "mail 60 A 192.0.2.25\n"
                           "     AAAA 2001:db8::25\n"
                           "txt TXT \"v=spf1 mx -all\" two \"\\\"q\\\"\" ; c\n"
                           "esc\\.dot A 10.0.0.3\n"
                           "*.wild A 10.0.0.2\n"
                           "gen TYPE65534 \\# 2 abcd\n"
                           "empty TYPE65533 \\# 0\n"
                           "in TYPE1 \\# 4 0a000001\n"
                           "$TTL 5\n"
                           "late A 10.0.0.9\n"
                           "abs.example.com. A 10.0.0.10\n",
                           NULL);
    assert_int_equal(e, 0);
    assert_int_equal(diag_warning_count(), 0);
    ir_zone_t *z = zone("example.com.");
    assert_string_equal(rrset_text(z, "example.com.", RR_SOA),
                        "3600 ns1.example.com. hostmaster.example.com. 2026112601 7200 3600 1209600 300");
    assert_string_equal(rrset_text(z, "example.com.", RR_NS),
                        "3600 ns1.example.com. | ns2.example.net.");
    assert_string_equal(rrset_text(z, "example.com.", RR_MX),
                        "300 10 mail.example.com. | 20 mail2.example.com.");
    assert_string_equal(rrset_text(z, "mail.example.com.", RR_A), "60 192.0.2.25");
    assert_string_equal(rrset_text(z, "mail.example.com.", RR_AAAA), "3600 2001:db8::25");
    assert_string_equal(rrset_text(z, "txt.example.com.", RR_TXT),
                        "3600 \"v=spf1 mx -all\" \"two\" \"\\\"q\\\"\"");
    assert_string_equal(rrset_text(z, "esc\\.dot.example.com.", RR_A), "3600 10.0.0.3");
    assert_string_equal(rrset_text(z, "*.wild.example.com.", RR_A), "3600 10.0.0.2");
    assert_string_equal(rrset_text(z, "gen.example.com.", 65534), "3600 \\# 2 ABCD");
    assert_string_equal(rrset_text(z, "empty.example.com.", 65533), "3600 \\# 0");
    assert_string_equal(rrset_text(z, "in.example.com.", RR_A), "3600 10.0.0.1");
    assert_string_equal(rrset_text(z, "late.example.com.", RR_A), "5 10.0.0.9");
    assert_string_equal(rrset_text(z, "abs.example.com.", RR_A), "5 10.0.0.10");
    /* the record's location is its first token */
    ir_node_t *n = ir_node_find(z, wname("mail.example.com."));
    ir_rrset_t *s = ir_rrset_find(n, RR_AAAA);
    assert_int_equal(s->loc.line, 14);
    assert_int_equal(s->loc.col, 6);
}

static void test_origin_option_and_default_ttl(void **state)
{
    (void)state;
    unsigned e = read_zone("b.zone",
                           "@ SOA ns1 host 1 2 3 4 5\n"
                           "  NS ns1\n"
                           "ns1 A 192.0.2.1\n",
                           "example.org.");
    assert_int_equal(e, 0);
    assert_int_equal(diag_warning_count(), 1);
    expect_diag("b.zone:1:1: warning: no TTL given; using 3600 [-Wdefault-ttl]");
    ir_zone_t *z = zone("example.org.");
    assert_string_equal(rrset_text(z, "ns1.example.org.", RR_A), "3600 192.0.2.1");
}

static void test_opts_default_ttl(void **state)
{
    (void)state;
    ir_zone_t *z = ir_zone_add(ir, wname("example.net."), (loc_t){0, 0, 0});
    char *p = write_file("c.zone", "www 60 A 192.0.2.1\nftp A 192.0.2.2\n");
    zonefile_opts_t o = {.origin = NULL, .default_ttl = 77, .have_default_ttl = 1};
    assert_int_equal(zonefile_read_file(ir, z, p, (loc_t){0, 0, 0}, &o), 0);
    assert_int_equal(diag_warning_count(), 0);
    /* the origin defaults to the zone apex; the previous TTL is not inherited (as Knot) */
    assert_string_equal(rrset_text(z, "www.example.net.", RR_A), "60 192.0.2.1");
    assert_string_equal(rrset_text(z, "ftp.example.net.", RR_A), "77 192.0.2.2");
}

static void test_include(void **state)
{
    (void)state;
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    write_file("sub/inc.zone", "inc A 192.0.2.3\n$TTL 5\ninc2 A 192.0.2.4\n$INCLUDE deeper.zone\n");
    write_file("sub/deeper.zone", "deep A 192.0.2.6\n");
    write_file("sub/other.zone", "x A 192.0.2.5\n");
    unsigned e = read_zone("main.zone",
                           "$ORIGIN example.com.\n$TTL 100\n"
                           "$INCLUDE sub/inc.zone\n"
                           "$INCLUDE \"sub/other.zone\" other.example.com.\n"
                           "after A 192.0.2.9\n"
                           "$INCLUDE nothere.zone\n",
                           NULL);
    assert_int_equal(e, 1);
    expect_diag("main.zone:6:10: error: cannot open included file 'nothere.zone': No such file or directory");
    ir_zone_t *z = zone("example.com.");
    assert_string_equal(rrset_text(z, "inc.example.com.", RR_A), "100 192.0.2.3");
    assert_string_equal(rrset_text(z, "inc2.example.com.", RR_A), "5 192.0.2.4");
    assert_string_equal(rrset_text(z, "deep.example.com.", RR_A), "5 192.0.2.6");
    assert_string_equal(rrset_text(z, "x.other.example.com.", RR_A), "100 192.0.2.5");
    /* $TTL inside the include does not leak out */
    assert_string_equal(rrset_text(z, "after.example.com.", RR_A), "100 192.0.2.9");
}

static void test_include_loop(void **state)
{
    (void)state;
    unsigned e = read_zone("loop.zone", "$ORIGIN example.com.\na A 10.0.0.1\n$INCLUDE loop.zone\n", NULL);
    assert_int_equal(e, 1);
    expect_diag("loop.zone:3:10: error: $INCLUDE nested more than 16 levels deep");
}

static void test_diagnostics(void **state)
{
    (void)state;
    unsigned e = read_zone(
        "bad.zone",
        "$ORIGIN example.com.\n"                                                       /* 1 */
        "$TTL 2147483648\n"                                                            /* 2 */
        "a 4294967296 A 10.0.0.1\n"                                                    /* 3 */
        "b CH A 10.0.0.1\n"                                                            /* 4 */
        "c 60 FOO 10.0.0.1\n"                                                          /* 5 */
        "d A 1.2.3\n"                                                                  /* 6 */
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa A 10.0.0.1\n" /* 7 */
        "e MX 10\n"                                                                    /* 8 */
        "f TXT \"ok\" \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"\n" /* 9 */
        "g TXT \"unterminated\n"                                                       /* 10 */
        "h A ( 10.0.0.1\n"                                                             /* 11 */
        "i A 10.0.0.2 )\n"                                                             /* 12 (inside the parens of 11) */
        "j A 10.0.0.3 )\n"                                                             /* 13 */
        "$FOO bar\n"                                                                   /* 14 */
        "ok A 10.0.0.4\n"                                                              /* 15 */
        "k 1x A 10.0.0.1\n"                                                            /* 16 */
        "l\n"                                                                          /* 17 */
        "m TYPE255 \\# 0\n"                                                            /* 18 */
        "n A \\# 3 010203\n",                                                          /* 19 */
        NULL);
    expect_diag("bad.zone:2:6: error: TTL out of range (0..2147483647)");
    expect_diag("bad.zone:3:3: error: TTL out of range (0..2147483647)");
    expect_diag("bad.zone:4:3: error: class CH is not supported (only IN)");
    expect_diag("bad.zone:5:6: error: unknown record type 'FOO'");
    expect_diag("bad.zone:6:5: error: invalid A rdata: '1.2.3' is not an IPv4 address");
    expect_diag("bad.zone:7:1: error: label longer than 63 bytes");
    expect_diag("bad.zone:8:1: error: invalid MX rdata: missing exchange name");
    expect_diag("bad.zone:9:12: error: character-string longer than 255 bytes");
    expect_diag("bad.zone:10:7: error: unterminated quoted string");
    expect_diag("bad.zone:12:1: error: invalid A rdata: unexpected field 'i'");
    expect_diag("bad.zone:13:14: error: ')' without matching '('");
    expect_diag("bad.zone:14:1: error: unknown directive '$FOO'");
    expect_diag("bad.zone:16:3: error: invalid TTL '1x'");
    expect_diag("bad.zone:17:1: error: missing record type");
    expect_diag("bad.zone:18:3: error: record type TYPE255 cannot appear in a zone");
    expect_diag("bad.zone:19:5: error: invalid A rdata: generic rdata is not well formed for this type");
    assert_int_equal(e, 16);
    /* the good record after the errors is there */
    assert_string_equal(rrset_text(zone("example.com."), "ok.example.com.", RR_A), "3600 10.0.0.4");
}

static void test_long_name(void **state)
{
    (void)state;
    char name[400];
    size_t w = 0;
    for (int i = 0; i < 5; i++)
        w += (size_t)snprintf(name + w, sizeof name - w, "%.60s.",
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    char full[1200];
    snprintf(full, sizeof full, "$ORIGIN example.com.\n%s A 10.0.0.1\nx CNAME %s\n", name, name);
    unsigned e = read_zone("long.zone", full, NULL);
    assert_int_equal(e, 2);
    expect_diag("long.zone:2:1: error: domain name longer than 255 bytes");
    expect_diag("long.zone:3:9: error: domain name longer than 255 bytes");
}

static void test_no_origin(void **state)
{
    (void)state;
    unsigned e = read_zone("noorg.zone", "www A 10.0.0.1\nftp A 10.0.0.2\n", NULL);
    assert_int_equal(e, 1);
    expect_diag("noorg.zone: error: no $ORIGIN and no --origin for '");
    assert_null(ir->zones);
}

static void test_missing_owner(void **state)
{
    (void)state;
    unsigned e = read_zone("own.zone",
                           "$ORIGIN example.com.\n  A 10.0.0.1\nbad..name A 10.0.0.1\n  AAAA ::1\nok A 10.0.0.2\n",
                           NULL);
    /* the indented line after a bad owner is skipped silently */
    assert_int_equal(e, 2);
    expect_diag("own.zone:2:3: error: no owner name, and no previous record to take it from");
    expect_diag("own.zone:3:1: error: empty label in domain name");
}

static void test_unbalanced_paren_at_eof(void **state)
{
    (void)state;
    unsigned e = read_zone("par.zone", "$ORIGIN example.com.\n@ SOA ( ns1 host 1 2 3 4 5\n", NULL);
    assert_int_equal(e, 1);
    expect_diag("par.zone:2:7: error: '(' without matching ')'");
}

static void test_records_block(void **state)
{
    (void)state;
    /* a ZPL records { } block: indented as a whole, starts mid-line */
    const char *src = "zone example.com {\n"
                      "    records {   ; the block\n"
                      "        @      MX    10 mail\n"
                      "        mail   A     192.0.2.25\n"
                      "               AAAA  2001:db8::25\n"
                      "        txt    TXT   ( \"a\"\n"
                      "    \"b\" )\n"
                      "        *.dev  CNAME www\n"
                      "        bad    A     1.2.3\n"
                      "    }\n";
    uint32_t id = diag_add_file("site.zpl", src, strlen(src));
    ir_zone_t *z = ir_zone_add(ir, wname("example.com."), (loc_t){id, 1, 1});
    const char *start = strchr(src, '{');
    start = strchr(start + 1, '{') + 1;
    const char *end = strrchr(src, '}');
    zonefile_opts_t o = {.origin = z->apex, .default_ttl = 300, .have_default_ttl = 1};
    unsigned e = zonefile_read_text(ir, z, id, start, (size_t)(end - start), 2, 14, ".", &o);
    assert_int_equal(e, 1);
    expect_diag("site.zpl:9:22: error: invalid A rdata: '1.2.3' is not an IPv4 address");
    assert_string_equal(rrset_text(z, "example.com.", RR_MX), "300 10 mail.example.com.");
    assert_string_equal(rrset_text(z, "mail.example.com.", RR_A), "300 192.0.2.25");
    assert_string_equal(rrset_text(z, "mail.example.com.", RR_AAAA), "300 2001:db8::25");
    assert_string_equal(rrset_text(z, "txt.example.com.", RR_TXT), "300 \"a\" \"b\"");
    assert_string_equal(rrset_text(z, "*.dev.example.com.", RR_CNAME), "300 www.example.com.");
    ir_rrset_t *s = ir_rrset_find(ir_node_find(z, wname("example.com.")), RR_MX);
    assert_int_equal(s->loc.line, 3);
    assert_int_equal(s->loc.col, 9);
}

static void test_records_block_one_line(void **state)
{
    (void)state;
    const char *src = "records { www A 192.0.2.1 }";
    uint32_t id = diag_add_file("one.zpl", src, strlen(src));
    ir_zone_t *z = ir_zone_add(ir, wname("example.com."), (loc_t){id, 1, 1});
    zonefile_opts_t o = {.origin = z->apex, .default_ttl = 300, .have_default_ttl = 1};
    assert_int_equal(zonefile_read_text(ir, z, id, src + 9, 17, 1, 10, ".", &o), 0);
    assert_string_equal(rrset_text(z, "www.example.com.", RR_A), "300 192.0.2.1");
}

static void test_garbage(void **state)
{
    (void)state;
    char buf[4096];
    unsigned seed = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        seed = seed * 1103515245 + 12345;
        buf[i] = (char)(seed >> 16);
    }
    char *p = write_file("garbage.zone", "");
    FILE *f = fopen(p, "wb");
    fwrite(buf, 1, sizeof buf, f);
    fclose(f);
    zonefile_opts_t o = {.origin = wname("example.com.")};
    unsigned e = zonefile_read_file(ir, NULL, p, (loc_t){0, 0, 0}, &o);
    assert_true(e > 0);
    /* NUL bytes and CRLF */
    static const char nul[] = "$ORIGIN example.com.\r\na A 10.0.0.1\r\nb\0c A 10.0.0.2\n";
    p = write_file("nul.zone", "");
    f = fopen(p, "wb");
    fwrite(nul, 1, sizeof nul - 1, f);
    fclose(f);
    zonefile_read_file(ir, NULL, p, (loc_t){0, 0, 0}, &(zonefile_opts_t){0});
    ir_zone_t *z = zone("example.com.");
    assert_string_equal(rrset_text(z, "a.example.com.", RR_A), "3600 10.0.0.1");
    static const uint8_t bc[] = {3, 'b', 0, 'c', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0};
    assert_non_null(ir_node_find(z, bc));
}

static void test_missing_file(void **state)
{
    (void)state;
    zonefile_opts_t o = {0};
    unsigned e = zonefile_read_file(ir, NULL, "/nonexistent/x.zone", (loc_t){0, 0, 0}, &o);
    assert_int_equal(e, 1);
    expect_diag("error: cannot open '/nonexistent/x.zone': No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origin_option_and_default_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opts_default_ttl, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include, setup, teardown),
        cmocka_unit_test_setup_teardown(test_include_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diagnostics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbalanced_paren_at_eof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records_block_one_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
