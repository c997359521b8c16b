/* test_check.c -- unit tests for compiler/check.c (ir_check diagnostics)
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag.h"
#include "dname.h"
#include "ir.h"
#include "zonefile.h"

static char *out_buf;
static size_t out_len;

/* Reads `text` as zone example.com. from file "t.zone", runs ir_check and
 * returns its error count; the diagnostics are in out_buf. */
static unsigned run(const char *text)
{
    diag_reset();
    free(out_buf);
    out_buf = NULL;
    FILE *f = open_memstream(&out_buf, &out_len);
    diag_set_stream(f);
    uint8_t apex[DNAME_MAX];
    size_t alen;
    dname_from_text(apex, &alen, "example.com.", 12, NULL);
    uint32_t fid = diag_add_file("t.zone", text, strlen(text));
    ir_t *ir = ir_new();
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){fid, 0, 0});
    zonefile_opts_t o = {apex, 3600, 1};
    unsigned perr = zonefile_read_text(ir, z, fid, text, strlen(text), 1, 1, ".", &o);
    assert_int_equal(perr, 0);
    unsigned e = ir_check(ir);
    fflush(f);
    diag_set_stream(NULL);
    fclose(f);
    ir_free(ir);
    return e;
}

#define HEAD "@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"

static void expect(const char *needle)
{
    if (!out_buf || !strstr(out_buf, needle)) {
        print_error("expected: %s\ngot:\n%s\n", needle, out_buf ? out_buf : "(nothing)");
        fail();
    }
}

static void test_clean_zone(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "www A 192.0.2.2\n"), 0);
    assert_true(out_len == 0);
}

static void test_cname_and_other(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "www A 192.0.2.2\nwww CNAME ns1\n"), 1);
    expect("t.zone:5:1: error: CNAME and other data at 'www.example.com.'");
    expect("t.zone:4:1: note: other data is here");
    /* the later of the two is reported, whichever type it is */
    assert_int_equal(run(HEAD "www CNAME ns1\nwww TXT \"x\"\n"), 1);
    expect("t.zone:5:1: error: CNAME and other data at 'www.example.com.'");
    expect("t.zone:4:1: note: other data is here");
}

static void test_cname_apex(void **state)
{
    (void)state;
    assert_true(run(HEAD "@ CNAME www.example.net.\n") >= 1);
    expect("t.zone:4:1: error: CNAME at the zone apex 'example.com.'");
}

static void test_two_cnames(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "www CNAME a\nwww CNAME b\n"), 1);
    expect("t.zone:5:1: error: more than one CNAME at 'www.example.com.'");
}

static void test_no_soa(void **state)
{
    (void)state;
    assert_int_equal(run("@ NS ns1\nns1 A 192.0.2.1\n"), 1);
    expect("t.zone: error: zone 'example.com.' has no SOA record");
}

static void test_soa_outside_apex(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "sub SOA ns1 hm 1 2 3 4 5\n"), 1);
    expect("t.zone:4:1: error: SOA record outside the zone apex");
}

static void test_two_soa(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "@ SOA ns2 hm 2 2 3 4 5\n"), 1);
    expect("t.zone:4:1: error: more than one SOA record in zone 'example.com.'");
}

static void test_no_ns(void **state)
{
    (void)state;
    assert_int_equal(run("@ SOA ns1 hm 1 2 3 4 5\nns1 A 192.0.2.1\n"), 1);
    expect("t.zone: error: zone 'example.com.' has no NS records at the apex");
}

static void test_ns_without_address(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "@ NS ns2\n"), 1);
    expect("t.zone:4:1: error: name server 'ns2.example.com.' is inside the zone but has no A or AAAA record");
    /* delegations too; glue below the cut satisfies it */
    assert_int_equal(run(HEAD "sub NS ns.sub\nsub NS ns.other.net.\n"), 1);
    expect("t.zone:4:1: error: name server 'ns.sub.example.com.' is inside the zone but has no A or AAAA record");
    assert_int_equal(run(HEAD "sub NS ns.sub\nns.sub AAAA 2001:db8::1\n"), 0);
    /* an address from a wildcard counts (Knot uses it as glue) */
    assert_int_equal(run(HEAD "@ NS a.w\n*.w A 192.0.2.9\n"), 0);
}

static void test_occluded(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "sub NS ns.sub\nns.sub A 192.0.2.7\nx.sub TXT \"hidden\"\n"
                              "ns.sub TXT \"also hidden\"\n"),
                     0);
    expect("t.zone:6:1: warning: record below the delegation at 'sub.example.com.' is not served [-Woccluded]");
    expect("t.zone:7:1: warning: record below the delegation at 'sub.example.com.' is not served [-Woccluded]");
    /* the glue itself is not reported */
    assert_null(strstr(out_buf, "t.zone:5:"));
}

static void test_source_order(void **state)
{
    (void)state;
    assert_int_equal(run(HEAD "b CNAME x\nb CNAME y\na CNAME x\na CNAME y\n"), 2);
    char *first = strstr(out_buf, "t.zone:5:1"), *second = strstr(out_buf, "t.zone:7:1");
    assert_non_null(first);
    assert_non_null(second);
    assert_true(first < second);
}

static void test_bad_rdata_direct(void **state)
{
    (void)state;
    diag_reset();
    free(out_buf);
    out_buf = NULL;
    FILE *f = open_memstream(&out_buf, &out_len);
    diag_set_stream(f);
    ir_t *ir = ir_new();
    uint8_t apex[] = "\7example\3com";
    uint32_t fid = diag_add_file("d.zone", NULL, 0);
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){fid, 0, 0});
    uint8_t soa[64] = "\3ns1\7example\3com\0\2hm\7example\3com";
    size_t soalen = 17 + 16 + 20;
    ir_add_rr(ir, z, apex, 6, 60, soa, (uint16_t)soalen, (loc_t){fid, 1, 1});
    ir_add_rr(ir, z, apex, 2, 60, (const uint8_t *)"\3ns1\7example\3com", 17, (loc_t){fid, 2, 1});
    uint8_t ns1[] = "\3ns1\7example\3com";
    ir_add_rr(ir, z, ns1, 1, 60, (const uint8_t *)"\1\2\3\4", 4, (loc_t){fid, 3, 1});
    ir_add_rr(ir, z, ns1, 1, 60, (const uint8_t *)"\1\2\3", 3, (loc_t){fid, 4, 1});
    assert_int_equal(ir_check(ir), 1);
    fflush(f);
    diag_set_stream(NULL);
    fclose(f);
    expect("d.zone:4:1: error: invalid A rdata");
    ir_free(ir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_zone),
        cmocka_unit_test(test_cname_and_other),
        cmocka_unit_test(test_cname_apex),
        cmocka_unit_test(test_two_cnames),
        cmocka_unit_test(test_no_soa),
        cmocka_unit_test(test_soa_outside_apex),
        cmocka_unit_test(test_two_soa),
        cmocka_unit_test(test_no_ns),
        cmocka_unit_test(test_ns_without_address),
        cmocka_unit_test(test_occluded),
        cmocka_unit_test(test_source_order),
        cmocka_unit_test(test_bad_rdata_direct),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    free(out_buf);
    return r;
}
