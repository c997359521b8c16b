/* test_geodata.c -- unit tests for the geodata CSV and MaxMind DB readers
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "geodata.h"
#include "prefix.h"
#include "testutil.h"

/* --- diagnostics capture: only the "file:line:col: kind: text" lines ------ */


static geodata_t *csv(arena_t *a, const char *text)
{
    uint32_t f = diag_add_file("t.csv", text, strlen(text));
    return geodata_parse_csv(a, f, text, strlen(text));
}

static const char *range_text(const geodata_range_t *r)
{
    static char buf[8][160];
    static int k;
    char *b = buf[k++ % 8], s[48], e[48];
    snprintf(b, 160, "%s-%s %s %s", prefix_format_addr(s, sizeof s, r->family, r->start),
             prefix_format_addr(e, sizeof e, r->family, r->end), r->country[0] ? r->country : "-",
             r->subdivision[0] ? r->subdivision : "-");
    if (r->has_coord)
        snprintf(b + strlen(b), 160 - strlen(b), " %d,%d", r->lat_e6, r->lon_e6);
    return b;
}

static const char *find(const geodata_t *g, const char *addr)
{
    uint8_t a[16];
    int fam = prefix_parse_addr(addr, strlen(addr), a);
    assert_true(fam > 0);
    const geodata_range_t *r = geodata_find(g, fam, a);
    return r ? r->country : "none";
}

static void test_coord(void **state)
{
    int32_t v;
    assert_int_equal(geodata_parse_coord("-74.01", 6, 180, &v), 0);
    assert_int_equal(v, -74010000);
    assert_int_equal(geodata_parse_coord("51", 2, 90, &v), 0);
    assert_int_equal(v, 51000000);
    assert_int_equal(geodata_parse_coord("+0.5", 4, 90, &v), 0);
    assert_int_equal(v, 500000);
    assert_int_equal(geodata_parse_coord("1.0000005", 9, 90, &v), 0);
    assert_int_equal(v, 1000001); /* rounds half away from zero */
    assert_int_equal(geodata_parse_coord("-1.0000004", 10, 90, &v), 0);
    assert_int_equal(v, -1000000);
    assert_int_equal(geodata_parse_coord(".5", 2, 90, &v), 0);
    assert_int_equal(v, 500000);
    assert_int_equal(geodata_parse_coord("90", 2, 90, &v), 0);
    assert_int_equal(geodata_parse_coord("90.000001", 9, 90, &v), -1);
    assert_int_equal(geodata_parse_coord("-180", 4, 180, &v), 0);
    assert_int_equal(v, -180000000);
    assert_int_equal(geodata_parse_coord("", 0, 90, &v), -1);
    assert_int_equal(geodata_parse_coord("-", 1, 90, &v), -1);
    assert_int_equal(geodata_parse_coord("1e3", 3, 90, &v), -1);
    assert_int_equal(geodata_parse_coord("12x", 3, 90, &v), -1);
    assert_int_equal(geodata_parse_coord("99999999999999", 14, 90, &v), -1);
}

static void test_csv_good(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    geodata_t *g = csv(a,
        "ip_range_start,ip_range_end,country_code\n"
        "# a comment\n"
        "\n"
        "2001:db8::,2001:db8::ffff,fr,,48.8566,2.3522\r\n"
        "1.0.0.0,1.0.0.255,AU\n"
        " 1.0.1.0 , 1.0.1.255 , au \n"            /* merges with the line above */
        "\"2.0.0.0\",\"2.0.0.255\",\"US\",\"CA\"\n" /* bare subdivision: US-CA */
        "2.0.1.0,2.0.1.255,,US-NY,40.71,-74.01\n" /* country from the subdivision */
        "3.0.0.0,3.0.0.255,,,,\n"                 /* no location at all */
        "2.0.2.0,2.0.2.255,DE,,,\n");
    assert_string_equal(cap_end(), "");
    assert_int_equal(diag_error_count(), 0);
    assert_int_equal(g->count, 6);
    assert_int_equal(g->count4, 5);
    assert_string_equal(range_text(&g->ranges[0]), "1.0.0.0-1.0.1.255 AU -");
    assert_int_equal(g->ranges[0].line, 5);
    assert_string_equal(range_text(&g->ranges[1]), "2.0.0.0-2.0.0.255 US US-CA");
    assert_string_equal(range_text(&g->ranges[2]), "2.0.1.0-2.0.1.255 US US-NY 40710000,-74010000");
    assert_string_equal(range_text(&g->ranges[3]), "2.0.2.0-2.0.2.255 DE -");
    assert_string_equal(range_text(&g->ranges[4]), "3.0.0.0-3.0.0.255 - -");
    assert_string_equal(range_text(&g->ranges[5]), "2001:db8::-2001:db8::ffff FR - 48856600,2352200");
    assert_string_equal(find(g, "1.0.1.7"), "AU");
    assert_string_equal(find(g, "2.0.2.255"), "DE");
    assert_string_equal(find(g, "2.0.3.0"), "none");
    assert_string_equal(find(g, "0.0.0.0"), "none");
    assert_string_equal(find(g, "3.0.0.1"), "");
    assert_string_equal(find(g, "2001:db8::1"), "FR");
    assert_string_equal(find(g, "2001:db8::1:0"), "none");
    assert_string_equal(find(g, "::1"), "none");
    arena_free(a);
}

/* Every diagnostic, with its file:line:col, and loading goes on. */
static void test_csv_errors(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    geodata_t *g = csv(a,
        "1.0.0.0,1.0.0.255,AU\n"
        "1.0.0.x,1.0.1.255,AU\n"
        "1.0.2.0,::1,AU\n"
        "1.0.3.9,1.0.3.1,AU\n"
        "1.0.4.0,1.0.4.255,USA\n"
        "1.0.5.0,1.0.5.255,U1\n"
        "1.0.6.0,1.0.6.255,US,CA-QC\n"
        "1.0.7.0,1.0.7.255,US,US-TOOLONG\n"
        "1.0.8.0,1.0.8.255,,QC\n"
        "1.0.9.0,1.0.9.255,US,,91,0\n"
        "1.0.10.0,1.0.10.255,US,,0,-180.5\n"
        "1.0.11.0,1.0.11.255,US,,1\n"
        "1.0.12.0,1.0.12.255,US,,,5\n"
        "1.0.13.0,1.0.13.255\n"
        "1.0.14.0,1.0.14.255,US,,1,2,x\n"
        "bogus,,\n"
        "1.0.15.0,1.0.15.255,NZ\n");
    assert_string_equal(cap_end(),
        "t.csv:2:1: error: '1.0.0.x' is not an IPv4 or IPv6 address\n"
        "t.csv:3:9: error: range mixes IPv4 and IPv6 addresses\n"
        "t.csv:4:1: error: range start is after its end\n"
        "t.csv:5:19: error: bad country code 'USA' (expected two letters, ISO 3166-1 alpha-2)\n"
        "t.csv:6:19: error: bad country code 'U1' (expected two letters, ISO 3166-1 alpha-2)\n"
        "t.csv:7:22: error: subdivision 'CA-QC' is not in country 'US'\n"
        "t.csv:8:22: error: bad subdivision code 'US-TOOLONG' (expected an ISO 3166-2 code like US-CA)\n"
        "t.csv:9:20: error: bad subdivision code 'QC' (expected an ISO 3166-2 code like US-CA)\n"
        "t.csv:10:23: error: bad latitude '91' (expected a number in -90..90)\n"
        "t.csv:11:27: error: bad longitude '-180.5' (expected a number in -180..180)\n"
        "t.csv:12:25: error: latitude and longitude must be given together\n"
        "t.csv:13:25: error: latitude and longitude must be given together\n"
        "t.csv:14:1: error: expected at least 3 fields (start,end,country), found 2\n"
        "t.csv:15:29: error: too many fields (expected start,end,country[,subdivision[,latitude,longitude]])\n"
        "t.csv:16:1: error: 'bogus' is not an IPv4 or IPv6 address\n"
        "t.csv:16:7: error: '' is not an IPv4 or IPv6 address\n");
    assert_int_equal(diag_error_count(), 16);
    assert_int_equal(g->count, 2); /* the good lines */
    assert_string_equal(find(g, "1.0.15.1"), "NZ");
    arena_free(a);
}

/* Overlaps: the later line wins; crossings warn. */
static void test_csv_overlap(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    geodata_t *g = csv(a,
        "2.58.196.0,2.58.197.255,DE\n"
        "2.58.197.15,2.58.197.15,BE\n"       /* nested: BE for one address */
        "2.58.197.16,2.58.197.255,DE\n"      /* nested, same country */
        "5.0.0.0,5.0.0.255,FR\n"
        "5.0.0.0,5.0.0.15,IT\n"              /* same start, smaller */
        "6.0.0.0,6.0.0.255,ES\n"
        "6.0.0.128,6.0.1.127,PT\n"           /* crosses the end of ES */
        "7.0.0.0,7.0.0.255,NL\n"
        "7.0.0.0,7.0.0.255,BE\n"             /* same span, another country */
        "7.0.0.0,7.0.0.255,BE\n");           /* same span, same country: silent */
    assert_string_equal(cap_end(),
        "t.csv:7:1: warning: range partially overlaps the range on line 6; the later line wins "
        "where they overlap [-Wgeodata-overlap]\n"
        "t.csv:9:1: warning: range repeats the range on line 8 with another location; this line wins "
        "[-Wgeodata-overlap]\n");
    assert_int_equal(diag_error_count(), 0);
    assert_string_equal(find(g, "2.58.197.14"), "DE");
    assert_string_equal(find(g, "2.58.197.15"), "BE");
    assert_string_equal(find(g, "2.58.197.16"), "DE");
    assert_string_equal(find(g, "5.0.0.15"), "IT");
    assert_string_equal(find(g, "5.0.0.16"), "FR");
    assert_string_equal(find(g, "6.0.0.127"), "ES");
    assert_string_equal(find(g, "6.0.0.128"), "PT");
    assert_string_equal(find(g, "6.0.1.0"), "PT");
    assert_string_equal(find(g, "7.0.0.1"), "BE");
    /* the result is sorted, disjoint, merged */
    for (size_t i = 1; i < g->count; i++)
        if (g->ranges[i].family == g->ranges[i - 1].family)
            assert_true(memcmp(g->ranges[i - 1].end, g->ranges[i].start, 16) < 0);
    assert_string_equal(range_text(&g->ranges[0]), "2.58.196.0-2.58.197.14 DE -");
    arena_free(a);

    /* more than 10 crossings: 10 warnings, then a count */
    a = arena_new(0);
    char text[4096] = "";
    for (int i = 0; i < 13; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "9.0.%d.0,9.0.%d.255,US\n9.0.%d.128,9.0.%d.127,CA\n",
                 2 * i, 2 * i, 2 * i, 2 * i + 1);
    cap_start();
    csv(a, text);
    const char *out = cap_end();
    assert_non_null(strstr(out, "t.csv:20:1: warning: range partially overlaps the range on line 19"));
    assert_null(strstr(out, "t.csv:22:1:"));
    assert_non_null(strstr(out, "t.csv: warning: 3 more ranges partially overlap others [-Wgeodata-overlap]\n"));
    assert_int_equal(diag_warning_count(), 11);
    arena_free(a);
}

/* Random nested and crossing ranges, in random order (so the file is also
 * sorted by the reader), against a brute-force "last line that contains the
 * address" scan. */
static uint64_t rs = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void test_csv_random_overlap(void **state)
{
    for (int round = 0; round < 200; round++) {
        enum { N = 24 };
        unsigned lo[N], hi[N];
        char cc[N][3];
        char text[N * 64] = "";
        for (int i = 0; i < N; i++) {
            lo[i] = (unsigned)(rnd() % 1000);
            hi[i] = lo[i] + (unsigned)(rnd() % (rnd() % 2 ? 20 : 300));
            if (hi[i] > 1023)
                hi[i] = 1023;
            cc[i][0] = (char)('A' + rnd() % 3);
            cc[i][1] = 'X';
            cc[i][2] = 0;
            snprintf(text + strlen(text), sizeof text - strlen(text), "10.0.%u.%u,10.0.%u.%u,%s\n",
                     lo[i] >> 8, lo[i] & 255, hi[i] >> 8, hi[i] & 255, cc[i]);
        }
        arena_t *a = arena_new(0);
        cap_start();
        geodata_t *g = csv(a, text);
        cap_end();
        assert_int_equal(diag_error_count(), 0);
        for (unsigned v = 0; v < 1024; v++) {
            int best = -1;
            for (int i = 0; i < N; i++)
                if (lo[i] <= v && v <= hi[i])
                    best = i;
            uint8_t ad[16] = {10, 0, (uint8_t)(v >> 8), (uint8_t)v};
            const geodata_range_t *r = geodata_find(g, 4, ad);
            if (best < 0)
                assert_null(r);
            else {
                assert_non_null(r);
                assert_string_equal(r->country, cc[best]);
            }
        }
        for (size_t i = 1; i < g->count; i++)
            assert_true(memcmp(g->ranges[i - 1].end, g->ranges[i].start, 16) < 0);
        arena_free(a);
    }
}

/* 600k lines load in about a second (generous bound: shared CI machines). */
static void test_csv_big(void **state)
{
    enum { LINES = 600000 };
    size_t room = (size_t)LINES * 48, n = 0;
    char *text = malloc(room);
    assert_non_null(text);
    for (unsigned i = 0; i < LINES; i++) {
        unsigned v4 = i * 64u, v6 = i;
        if (i % 3)
            n += (size_t)snprintf(text + n, room - n, "%u.%u.%u.%u,%u.%u.%u.%u,%c%c\n", v4 >> 24, (v4 >> 16) & 255,
                                  (v4 >> 8) & 255, v4 & 255, v4 >> 24, (v4 >> 16) & 255, (v4 >> 8) & 255,
                                  (v4 & 255) + 63, 'A' + i % 26, 'A' + (i / 26) % 26);
        else
            n += (size_t)snprintf(text + n, room - n, "2001:db8:%x:%x::,2001:db8:%x:%x::ffff,%c%c\n",
                                  v6 >> 16, v6 & 0xffff, v6 >> 16, v6 & 0xffff, 'A' + i % 26, 'B');
    }
    arena_t *a = arena_new(0);
    cap_start();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    geodata_t *g = csv(a, text);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_string_equal(cap_end(), "");
    assert_int_equal(g->count, LINES);
    assert_int_equal(g->count4, LINES - (LINES + 2) / 3);
    print_message("      600k lines parsed in %.3f s\n", s);
    assert_true(s < 5.0);
    arena_free(a);
    free(text);
}

static const char *dir(void)
{
    const char *d = getenv("ZONEC_TEST_DIR");
    return d ? d : "tests";
}

static geodata_t *load(arena_t *a, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/geo/%s", dir(), name);
    return geodata_load(a, path, (loc_t){0, 0, 0});
}

static void test_mmdb(void **state)
{
    if (!geodata_have_mmdb()) {
        print_message("      libmaxminddb not available: MaxMind DB tests skipped\n");
        skip();
    }
    static const char *expect =
        "1.2.3.0-1.2.3.255 US US-CA 37774900,-122419400|"
        "1.2.4.0-1.2.5.255 CA -|"
        "5.0.0.0-5.255.255.255 DE - 51000000,9000000|"
        "2001:db8::-2001:db8:0:ffff:ffff:ffff:ffff:ffff FR - 48856600,2352200|"
        "2001:db8:1::-2001:db8:1:ffff:ffff:ffff:ffff:ffff GB GB-ENG|"
        "2001:db8:2::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff FR - 48856600,2352200|"
        "2a00::-2a00:ffff:ffff:ffff:ffff:ffff:ffff:ffff NL -|";
    const char *files[] = {"city6-28.mmdb", "city6-32.mmdb"};
    for (int k = 0; k < 2; k++) {
        arena_t *a = arena_new(0);
        cap_start();
        geodata_t *g = load(a, files[k]);
        assert_string_equal(cap_end(), "");
        assert_non_null(g);
        char got[2048] = "";
        for (size_t i = 0; i < g->count; i++) {
            strcat(got, range_text(&g->ranges[i]));
            strcat(got, "|");
        }
        /* IPv4 appears once, as IPv4: the ::ffff:0:0/96 and 2002::/16 aliases are skipped */
        assert_string_equal(got, expect);
        assert_int_equal(g->count4, 3);
        assert_string_equal(find(g, "1.2.3.4"), "US");
        assert_string_equal(find(g, "2001:db8:1::1"), "GB");
        arena_free(a);
    }
    arena_t *a = arena_new(0);
    cap_start();
    geodata_t *g = load(a, "country4-24.mmdb");
    assert_string_equal(cap_end(), "");
    assert_int_equal(g->count, 2);
    assert_string_equal(range_text(&g->ranges[0]), "10.0.0.0-10.255.255.255 JP -");
    assert_string_equal(range_text(&g->ranges[1]), "11.0.0.0-11.255.255.255 AU -");
    arena_free(a);
}

static void test_files(void **state)
{
    arena_t *a = arena_new(0);
    cap_start();
    uint32_t f = diag_add_file("site.zpl", NULL, 0);
    assert_null(geodata_load(a, "/nonexistent/geo.csv", (loc_t){f, 3, 9}));
    assert_string_equal(cap_end(),
                        "site.zpl:3:9: error: cannot open '/nonexistent/geo.csv': No such file or directory\n");
    /* a CSV file on disk */
    cap_start();
    geodata_t *g = load(a, "small.csv");
    assert_string_equal(cap_end(), "");
    assert_non_null(g);
    assert_string_equal(find(g, "198.51.100.7"), "US");
    /* a truncated MaxMind DB is refused with libmaxminddb's reason */
    if (geodata_have_mmdb()) {
        char src[512], dst[] = "/tmp/zonec-test-geodata-XXXXXX";
        snprintf(src, sizeof src, "%s/geo/city6-28.mmdb", dir());
        FILE *in = fopen(src, "rb");
        assert_non_null(in);
        char buf[4096];
        size_t n = fread(buf, 1, sizeof buf, in);
        fclose(in);
        int fd = mkstemp(dst);
        assert_true(fd >= 0);
        FILE *o = fdopen(fd, "wb");
        /* keep the metadata (the end), destroy the tree and data section */
        memset(buf, 0xff, 64);
        fwrite(buf, 1, n, o);
        fclose(o);
        cap_start();
        g = geodata_load(a, dst, (loc_t){0, 0, 0});
        const char *out = cap_end();
        remove(dst);
        assert_null(g);
        assert_non_null(strstr(out, "error: cannot read MaxMind DB '"));
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coord),
        cmocka_unit_test(test_csv_good),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_overlap),
        cmocka_unit_test(test_csv_random_overlap),
        cmocka_unit_test(test_csv_big),
        cmocka_unit_test(test_mmdb),
        cmocka_unit_test(test_files),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    diag_reset();
    free(tu_cap_buf);
    return rc;
}
