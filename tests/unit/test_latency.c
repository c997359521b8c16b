/* test_latency.c -- unit tests for the latency YAML reader
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

#include "latency.h"
#include "testutil.h"


static latency_t *parse(arena_t *a, const char *text)
{
    uint32_t f = diag_add_file("lat.yaml", text, strlen(text));
    return latency_parse(a, f, text, strlen(text));
}

/* The SPEC example, verbatim. */
static void test_spec_example(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    latency_t *l = parse(a,
        "regions:                       # every region a latency rule names\n"
        "  us-east-1: { lat: 38.9, lon: -77.0 }\n"
        "  eu-west-1: { lat: 53.3, lon: -6.3 }\n"
        "rtt:                           # optional measurements, longest prefix wins\n"
        "  - prefix: 198.51.100.0/24\n"
        "    ms: { us-east-1: 80, eu-west-1: 20 }\n");
    assert_string_equal(cap_end(), "");
    assert_int_equal(l->region_count, 2);
    assert_string_equal(l->regions[0].name, "us-east-1");
    assert_int_equal(l->regions[0].lat_e6, 38900000);
    assert_int_equal(l->regions[0].lon_e6, -77000000);
    assert_int_equal(l->regions[0].loc.line, 2);
    assert_int_equal(l->regions[0].loc.col, 3);
    assert_string_equal(l->regions[1].name, "eu-west-1");
    assert_int_equal(l->regions[1].lon_e6, -6300000);
    assert_int_equal(l->rtt_count, 1);
    char buf[64];
    assert_string_equal(prefix_format(buf, sizeof buf, &l->rtts[0].prefix), "198.51.100.0/24");
    assert_int_equal(l->rtts[0].rtt_us[0], 80000);
    assert_int_equal(l->rtts[0].rtt_us[1], 20000);
    assert_int_equal(l->rtts[0].loc.line, 5);
    assert_int_equal(l->rtts[0].loc.col, 13);
    assert_int_equal(latency_region_find(l, "eu-west-1", 9), 1);
    assert_int_equal(latency_region_find(l, "eu-west", 7), -1);
    arena_free(a);
}

static void test_good_variants(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    latency_t *l = parse(a,
        "regions:\n"
        "  a:\n"
        "    lat: 0\n"
        "    lon: \"180\"\n"
        "  b: {lat: -90, lon: -180}\n"
        "rtt:\n"
        "  - prefix: 2001:db8::/32\n"
        "    ms: {a: 12.5}\n"        /* b not measured */
        "  - {prefix: 192.0.2.1, ms: {b: 0.0015}}\n");
    assert_string_equal(cap_end(), "");
    assert_int_equal(l->region_count, 2);
    assert_int_equal(l->regions[0].lon_e6, 180000000);
    assert_int_equal(l->rtt_count, 2);
    assert_int_equal(l->rtts[0].rtt_us[0], 12500);
    assert_int_equal(l->rtts[0].rtt_us[1], LATENCY_NO_RTT);
    assert_int_equal(l->rtts[1].prefix.len, 32);
    assert_int_equal(l->rtts[1].rtt_us[1], 1);
    arena_free(a);
    /* rtt is optional */
    a = arena_new(0);
    cap_start();
    l = parse(a, "regions: {x: {lat: 1, lon: 2}}\n");
    assert_string_equal(cap_end(), "");
    assert_int_equal(l->region_count, 1);
    assert_int_equal(l->rtt_count, 0);
    arena_free(a);
}

/* Every diagnostic with its line:col. */
static void test_errors(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    latency_t *l = parse(a,
        "regions:\n"                                   /* 1 */
        "  us-east-1: { lat: 38.9, lon: -77.0 }\n"     /* 2 */
        "  us-east-1: { lat: 1, lon: 1 }\n"            /* 3 duplicate region */
        "  r2: { lat: 91, lon: x }\n"                  /* 4 bad lat, bad lon */
        "  r3: { lat: 1, alt: 5 }\n"                   /* 5 unknown key, no lon */
        "  r4: [1, 2]\n"                               /* 6 not a mapping */
        "  r5: { lat: 1, lon: 2, lat: 3 }\n"           /* 7 duplicate key */
        "rtt:\n"                                       /* 8 */
        "  - prefix: 198.51.100.1/24\n"                /* 9 host bits */
        "    ms: { us-east-1: 80 }\n"                  /* 10 */
        "  - prefix: 10.0.0.0/33\n"                    /* 11 bad length */
        "    ms: { us-east-1: 1 }\n"                   /* 12 */
        "  - prefix: 10.0.0\n"                         /* 13 bad address */
        "    ms: { us-east-1: 1 }\n"                   /* 14 */
        "  - prefix: 10.0.0.0/8\n"                     /* 15 */
        "    ms: { nowhere: 5, us-east-1: -1, r2: 1x }\n" /* 16 unknown region, bad RTTs */
        "  - prefix: 10.0.0.0/8\n"                     /* 17 */
        "    ms: { us-east-1: 5 }\n"                   /* 18 */
        "  - prefix: 10.0.0.0/8\n"                     /* 19 duplicate prefix */
        "    ms: { us-east-1: 6 }\n"                   /* 20 */
        "  - ms: { us-east-1: 5 }\n"                   /* 21 no prefix */
        "  - prefix: 10.1.0.0/16\n"                    /* 22 no ms */
        "    when: now\n"                              /* 23 unknown key */
        "  - just a string\n"                          /* 24 not a mapping */
        "  - prefix: [1]\n"                            /* 25 not a scalar */
        "    ms: { us-east-1: 5 }\n"                   /* 26 */
        "extra: 1\n");                                 /* 27 unknown top key */
    assert_string_equal(cap_end(),
        "lat.yaml:27:1: error: unknown key 'extra' (expected 'regions' or 'rtt')\n"
        "lat.yaml:3:3: error: duplicate region 'us-east-1'\n"
        "lat.yaml:2:3: note: first defined here\n"
        "lat.yaml:4:14: error: bad latitude '91' (expected a number in -90..90)\n"
        "lat.yaml:4:23: error: bad longitude 'x' (expected a number in -180..180)\n"
        "lat.yaml:5:17: error: unknown key 'alt' in region 'r3' (expected 'lat' and 'lon')\n"
        "lat.yaml:5:3: error: region 'r3' has no 'lon'\n"
        "lat.yaml:6:7: error: expected a mapping\n"
        "lat.yaml:7:25: error: duplicate key 'lat'\n"
        "lat.yaml:7:9: note: first given here\n"
        "lat.yaml:9:13: error: bad prefix '198.51.100.1/24': host bits set after the prefix length\n"
        "lat.yaml:11:13: error: bad prefix '10.0.0.0/33': bad prefix length\n"
        "lat.yaml:13:13: error: bad prefix '10.0.0': not an IPv4 or IPv6 address\n"
        "lat.yaml:16:11: error: unknown region 'nowhere' (not in 'regions')\n"
        "lat.yaml:16:34: error: bad RTT '-1' (expected milliseconds: a number from 0 to 3600000)\n"
        "lat.yaml:16:42: error: bad RTT '1x' (expected milliseconds: a number from 0 to 3600000)\n"
        "lat.yaml:19:13: error: duplicate prefix '10.0.0.0/8'\n"
        "lat.yaml:17:13: note: first given here\n"
        "lat.yaml:21:5: error: rtt entry has no 'prefix'\n"
        "lat.yaml:23:5: error: unknown key 'when' in an rtt entry (expected 'prefix' and 'ms')\n"
        "lat.yaml:22:5: error: rtt entry has no 'ms'\n"
        "lat.yaml:24:5: error: expected a mapping\n"
        "lat.yaml:25:13: error: expected a scalar value\n");
    assert_int_equal(diag_error_count(), 20);
    /* the good parts are kept */
    assert_true(l->region_count >= 1);
    assert_string_equal(l->regions[0].name, "us-east-1");
    assert_int_equal(l->rtt_count, 1);
    assert_int_equal(l->rtts[0].rtt_us[0], 5000);
    arena_free(a);
}

/* Bad YAML and bad shapes never crash and always point somewhere. */
static void test_bad_yaml(void **state)
{
    static const struct {
        const char *text, *diag;
    } cases[] = {
        {"", "lat.yaml: error: latency file has no 'regions'\n"},
        {"regions: {a: {lat: 1, lon: 2}\n", "lat.yaml:2:1: error: invalid YAML: did not find expected ',' or '}' while parsing a flow mapping\n"},
        {"regions:\n  a: {lat: 1, lon: 2}\n bad indent: 1\n", "lat.yaml:3:2: error: invalid YAML: did not find expected key while parsing a block mapping\n"},
        {"- 1\n- 2\n", "lat.yaml:1:1: error: expected a mapping\n"},
        {"regions: 5\n", "lat.yaml:1:10: error: expected a mapping\n"},
        {"regions: {}\nrtt: {a: 1}\n", "lat.yaml:2:6: error: expected a sequence\n"},
        {"regions: {}\n---\nregions: {}\n", "lat.yaml:3:1: error: more than one YAML document\n"},
        {"regions: {}\nrtt: *nothing\n", "lat.yaml:2:6: error: invalid YAML: found undefined alias\n"},
        {"\"unterminated\n", "lat.yaml:2:1: error: invalid YAML: found unexpected end of stream while scanning a quoted scalar\n"},
        {"regions: &r {a: {lat: 1, lon: 2}}\nrtt:\n  - {prefix: \"::/0\", ms: *r}\n",
         "lat.yaml:1:17: error: expected a scalar value\n"},     /* an alias: the node's own mark */
        {"\t\x01\xff", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        arena_t *a = arena_new(0);
        cap_start();
        latency_t *l = parse(a, cases[i].text);
        const char *out = cap_end();
        assert_non_null(l);
        if (cases[i].diag)
            assert_string_equal(out, cases[i].diag);
        else
            assert_true(diag_error_count() > 0);
        arena_free(a);
    }
}

static void test_files(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    uint32_t f = diag_add_file("site.zpl", NULL, 0);
    assert_null(latency_load(a, "/nonexistent/latency.yaml", (loc_t){f, 4, 9}));
    assert_string_equal(cap_end(),
                        "site.zpl:4:9: error: cannot open '/nonexistent/latency.yaml': No such file or directory\n");
    const char *d = getenv("ZONEC_TEST_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/geo/latency.yaml", d ? d : "tests");
    cap_start();
    latency_t *l = latency_load(a, path, (loc_t){0, 0, 0});
    assert_string_equal(cap_end(), "");
    assert_non_null(l);
    assert_int_equal(l->region_count, 3);
    assert_int_equal(l->rtt_count, 2);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_good_variants),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_yaml),
        cmocka_unit_test(test_files),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    diag_reset();
    free(tu_cap_buf);
    return rc;
}
