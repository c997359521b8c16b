/* test_geocodes.c -- unit tests for ISO 3166 validation and the continent table
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "geocodes.h"

static int have_iso_codes(void)
{
    return access(GEOCODES_DEFAULT_DIR "/iso_3166-1.json", R_OK) == 0 &&
           access(GEOCODES_DEFAULT_DIR "/iso_3166-2.json", R_OK) == 0;
}

static void test_iso(void **state)
{
    if (!have_iso_codes()) {
        print_message("      iso-codes not installed: skipped\n");
        skip();
    }
    arena_t *a = arena_new(0);
    diag_reset();
    geocodes_t *g = geocodes_load(a, GEOCODES_DEFAULT_DIR, (loc_t){0, 0, 0});
    assert_non_null(g);
    assert_int_equal(diag_error_count(), 0);
    assert_true(geocodes_country_count(g) >= 249);
    assert_true(geocodes_subdivision_count(g) >= 4000);
    assert_true(geocodes_is_country(g, "US", 2));
    assert_true(geocodes_is_country(g, "DE", 2));
    assert_true(geocodes_is_country(g, "AQ", 2));
    assert_true(geocodes_is_country(g, "XK", 2));  /* user-assigned, accepted */
    assert_false(geocodes_is_country(g, "UK", 2)); /* not ISO (GB is) */
    assert_false(geocodes_is_country(g, "EU", 2));
    assert_false(geocodes_is_country(g, "us", 2));
    assert_false(geocodes_is_country(g, "USA", 3));
    assert_false(geocodes_is_country(g, "U", 1));
    assert_true(geocodes_is_subdivision(g, "US-CA", 5));
    assert_true(geocodes_is_subdivision(g, "GB-ENG", 6));
    assert_true(geocodes_is_subdivision(g, "FR-75", 5) || geocodes_is_subdivision(g, "FR-75C", 6));
    assert_true(geocodes_is_subdivision(g, "CA-QC", 5));
    assert_false(geocodes_is_subdivision(g, "US-XX", 5));
    assert_false(geocodes_is_subdivision(g, "US", 2));
    assert_false(geocodes_is_subdivision(g, "US-CALIF", 8));
    arena_free(a);
}

static void test_missing_dir(void **state)
{
    arena_t *a = arena_new(0);
    diag_reset();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    diag_set_stream(f);
    uint32_t file = diag_add_file("site.zpl", NULL, 0);
    assert_null(geocodes_load(a, "/nonexistent", (loc_t){file, 2, 5}));
    fclose(f);
    diag_set_stream(NULL);
    assert_string_equal(buf, "site.zpl:2:5: error: cannot open '/nonexistent/iso_3166-1.json': "
                             "No such file or directory (install the iso-codes package)\n");
    free(buf);
    /* a file without codes */
    char dir[] = "/tmp/zonec-test-geocodes-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[128], p2[128];
    snprintf(p1, sizeof p1, "%s/iso_3166-1.json", dir);
    snprintf(p2, sizeof p2, "%s/iso_3166-2.json", dir);
    FILE *w = fopen(p1, "w");
    fputs("{\"3166-1\": [{\"alpha_2\": \"AA\", \"name\": \"x \\\" alpha_2\"}, {\"alpha_2\":\"BB\"}]}", w);
    fclose(w);
    w = fopen(p2, "w");
    fputs("{\"3166-2\": []}", w);
    fclose(w);
    buf = NULL;
    f = open_memstream(&buf, &len);
    diag_set_stream(f);
    assert_null(geocodes_load(a, dir, (loc_t){0, 0, 0}));
    fclose(f);
    diag_set_stream(NULL);
    char want[256];
    snprintf(want, sizeof want, "<command line>: error: '%s' has no ISO 3166 codes\n", p2);
    assert_string_equal(buf, want);
    free(buf);
    /* $ZONEC_ISO_CODES_DIR, and the scanner on a tiny file */
    w = fopen(p2, "w");
    fputs("{\"3166-2\": [{\"code\": \"AA-1\", \"name\": \"code\"}, {\"code\":\"BB-XYZ\"}]}", w);
    fclose(w);
    setenv("ZONEC_ISO_CODES_DIR", dir, 1);
    diag_reset();
    geocodes_t *g = geocodes_load(a, NULL, (loc_t){0, 0, 0});
    unsetenv("ZONEC_ISO_CODES_DIR");
    assert_non_null(g);
    assert_int_equal(geocodes_country_count(g), 3); /* AA BB + XK */
    assert_true(geocodes_is_country(g, "BB", 2));
    assert_true(geocodes_is_subdivision(g, "BB-XYZ", 6));
    assert_true(geocodes_is_subdivision(g, "AA-1", 4));
    assert_false(geocodes_is_subdivision(g, "AA-2", 4));
    remove(p1);
    remove(p2);
    rmdir(dir);
    arena_free(a);
}

/* A representative set, each checked against the published mapping (MaxMind
 * GeoIP, libGeoIP's GeoIP_country_continent). tests/geo/check-continents.sh
 * compares every code when libGeoIP is installed. */
static void test_continents(void **state)
{
    static const char *cases[][2] = {
        {"US", "NA"}, {"CA", "NA"}, {"MX", "NA"}, {"PA", "NA"}, {"GL", "NA"}, {"PR", "NA"}, {"CW", "NA"},
        {"BR", "SA"}, {"AR", "SA"}, {"FK", "SA"}, {"GF", "SA"},
        {"DE", "EU"}, {"GB", "EU"}, {"RU", "EU"}, {"TR", "EU"}, {"UA", "EU"}, {"IS", "EU"}, {"XK", "EU"},
        {"VA", "EU"}, {"SJ", "EU"},
        {"CN", "AS"}, {"IN", "AS"}, {"JP", "AS"}, {"CY", "AS"}, {"GE", "AS"}, {"AM", "AS"}, {"AZ", "AS"},
        {"KZ", "AS"}, {"IL", "AS"}, {"IO", "AS"},
        {"EG", "AF"}, {"ZA", "AF"}, {"NG", "AF"}, {"RE", "AF"}, {"YT", "AF"}, {"SH", "AF"}, {"EH", "AF"},
        {"AU", "OC"}, {"NZ", "OC"}, {"FJ", "OC"}, {"UM", "OC"}, {"GU", "OC"},
        {"AQ", "AN"}, {"BV", "AN"}, {"GS", "AN"}, {"HM", "AN"}, {"TF", "AN"},
        {"AN", "NA"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *c = geocodes_continent(cases[i][0]);
        if (!c || strcmp(c, cases[i][1]) != 0)
            fail_msg("%s: got %s, want %s", cases[i][0], c ? c : "NULL", cases[i][1]);
    }
    assert_null(geocodes_continent("ZZ"));
    assert_null(geocodes_continent("EU"));
    assert_null(geocodes_continent("u1"));
    assert_true(geocodes_is_continent("EU", 2));
    assert_true(geocodes_is_continent("AN", 2));
    assert_false(geocodes_is_continent("AP", 2));
    assert_false(geocodes_is_continent("E", 1));
    /* every ISO country has a continent */
    if (have_iso_codes()) {
        arena_t *a = arena_new(0);
        geocodes_t *g = geocodes_load(a, NULL, (loc_t){0, 0, 0});
        assert_non_null(g);
        int n = 0;
        for (char x = 'A'; x <= 'Z'; x++)
            for (char y = 'A'; y <= 'Z'; y++) {
                char cc[3] = {x, y, 0};
                if (geocodes_is_country(g, cc, 2)) {
                    n++;
                    if (!geocodes_continent(cc))
                        fail_msg("%s has no continent", cc);
                }
            }
        assert_int_equal((size_t)n, geocodes_country_count(g));
        arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso),
        cmocka_unit_test(test_missing_dir),
        cmocka_unit_test(test_continents),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    diag_reset();
    return rc;
}
