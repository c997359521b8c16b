/* test_dname.c -- unit tests for wire-form domain names
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

#include "dname.h"

static int parse(const char *text, const uint8_t *origin, uint8_t *out, size_t *len)
{
    return dname_from_text(out, len, text, strlen(text), origin);
}

static const uint8_t *name(const char *text)
{
    static uint8_t buf[8][DNAME_MAX];
    static int k;
    uint8_t *b = buf[k++ % 8];
    size_t l;
    assert_int_equal(parse(text, NULL, b, &l), DNAME_OK);
    return b;
}

/* Parses text relative to `org` and prints it back. */
static const char *reprint(const char *text, const char *org)
{
    static char out[DNAME_TEXT_MAX];
    uint8_t w[DNAME_MAX];
    size_t l;
    assert_int_equal(parse(text, org ? name(org) : NULL, w, &l), DNAME_OK);
    assert_int_equal(l, dname_len(w));
    size_t n = dname_to_text(w, out, sizeof out);
    assert_int_equal(n, strlen(out));
    return out;
}

static void test_parse_print(void **state)
{
    (void)state;
    assert_string_equal(reprint("www.example.com.", NULL), "www.example.com.");
    assert_string_equal(reprint("www", "example.com."), "www.example.com.");
    assert_string_equal(reprint("@", "example.com."), "example.com.");
    assert_string_equal(reprint(".", NULL), ".");
    assert_string_equal(reprint("WwW.Example.COM.", NULL), "WwW.Example.COM.");
    assert_string_equal(reprint("*.example.com.", NULL), "*.example.com.");
    assert_string_equal(reprint("a\\.b.example.", NULL), "a\\.b.example.");
    assert_string_equal(reprint("\\065\\032b.", NULL), "A\\032b.");
    assert_string_equal(reprint("\\000\\255\\\\.", NULL), "\\000\\255\\\\.");
    assert_string_equal(reprint("sp\\ ace.", NULL), "sp\\032ace.");
    assert_string_equal(reprint("q\\\"(x);@$.", NULL), "q\\\"\\(x\\)\\;\\@\\$.");

    uint8_t w[DNAME_MAX];
    size_t l;
    assert_int_equal(parse("a.b.", NULL, w, &l), DNAME_OK);
    static const uint8_t ab[] = {1, 'a', 1, 'b', 0};
    assert_int_equal(l, sizeof ab);
    assert_memory_equal(w, ab, sizeof ab);
}

static void test_errors(void **state)
{
    (void)state;
    uint8_t w[DNAME_MAX];
    size_t l;
    assert_int_equal(parse("a..b.", NULL, w, &l), DNAME_E_EMPTY_LABEL);
    assert_int_equal(parse(".a.", NULL, w, &l), DNAME_E_EMPTY_LABEL);
    assert_int_equal(parse("", NULL, w, &l), DNAME_E_EMPTY_LABEL);
    assert_int_equal(parse("www", NULL, w, &l), DNAME_E_NO_ORIGIN);
    assert_int_equal(parse("@", NULL, w, &l), DNAME_E_NO_ORIGIN);
    assert_int_equal(parse("a\\", NULL, w, &l), DNAME_E_BAD_ESCAPE);
    assert_int_equal(parse("a\\25", NULL, w, &l), DNAME_E_BAD_ESCAPE);
    assert_int_equal(parse("a\\256.", NULL, w, &l), DNAME_E_BAD_ESCAPE);
    assert_int_equal(parse("a\\2x5.", NULL, w, &l), DNAME_E_BAD_ESCAPE);
    assert_string_equal(dname_strerror(DNAME_E_LABEL_LONG), "label longer than 63 bytes");
    assert_string_equal(dname_strerror(DNAME_E_NAME_LONG), "domain name longer than 255 bytes");
}

static void test_limits(void **state)
{
    (void)state;
    uint8_t w[DNAME_MAX];
    size_t l;
    char text[600];
    /* a 63-byte label is fine, 64 is not */
    memset(text, 'a', 63);
    strcpy(text + 63, ".");
    assert_int_equal(parse(text, NULL, w, &l), DNAME_OK);
    assert_int_equal(l, 65);
    memset(text, 'a', 64);
    strcpy(text + 64, ".");
    assert_int_equal(parse(text, NULL, w, &l), DNAME_E_LABEL_LONG);
    /* escapes count as one byte */
    text[0] = '\0';
    for (int i = 0; i < 63; i++)
        strcat(text, "\\065");
    strcat(text, ".");
    assert_int_equal(parse(text, NULL, w, &l), DNAME_OK);
    /* 255 bytes in all: 127 labels of 1 byte = 254 + root = 255 */
    text[0] = '\0';
    for (int i = 0; i < 127; i++)
        strcat(text, "a.");
    assert_int_equal(parse(text, NULL, w, &l), DNAME_OK);
    assert_int_equal(l, 255);
    assert_int_equal(dname_label_count(w), 127);
    strcat(text, "a.");
    assert_int_equal(parse(text, NULL, w, &l), DNAME_E_NAME_LONG);
    /* four 63-byte labels: 4*64 + 1 = 257 */
    text[0] = '\0';
    for (int i = 0; i < 4; i++) {
        size_t n = strlen(text);
        memset(text + n, 'b', 63);
        strcpy(text + n + 63, ".");
    }
    assert_int_equal(parse(text, NULL, w, &l), DNAME_E_NAME_LONG);
    /* relative name that overflows only with the origin */
    text[0] = '\0';
    for (int i = 0; i < 126; i++)
        strcat(text, "a.");
    strcat(text, "a");
    assert_int_equal(parse(text, name("."), w, &l), DNAME_OK);
    assert_int_equal(l, 255);
    assert_int_equal(parse(text, name("com."), w, &l), DNAME_E_NAME_LONG);
    /* the longest printed form fits DNAME_TEXT_MAX */
    uint8_t big[DNAME_MAX];
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        big[o++] = 63;
        memset(big + o, 0x01, 63);
        o += 63;
    }
    big[o++] = 61;
    memset(big + o, 0x01, 61);
    o += 61;
    big[o++] = 0;
    assert_int_equal(o, 255);
    char out[DNAME_TEXT_MAX];
    size_t n = dname_to_text(big, out, sizeof out);
    assert_int_equal(n, 250 * 4 + 4);
    assert_true(n < DNAME_TEXT_MAX);
    /* truncation keeps the buffer terminated */
    char small[8];
    dname_to_text(name("www.example.com."), small, sizeof small);
    assert_string_equal(small, "www.exa");
}

static void test_compare(void **state)
{
    (void)state;
    assert_true(dname_equal(name("WWW.example.COM."), name("www.EXAMPLE.com.")));
    assert_false(dname_equal(name("www.example.com."), name("ww.example.com.")));
    assert_true(dname_is_subdomain(name("a.b.Example.com."), name("example.COM.")));
    assert_true(dname_is_subdomain(name("example.com."), name("example.com.")));
    assert_true(dname_is_subdomain(name("example.com."), name(".")));
    assert_false(dname_is_subdomain(name("xexample.com."), name("example.com.")));
    assert_false(dname_is_subdomain(name("com."), name("example.com.")));

    uint8_t w[DNAME_MAX];
    memcpy(w, name("WwW.ExAmple."), 13);
    dname_lower(w);
    assert_memory_equal(w, name("www.example."), 13);

    assert_int_equal(dname_label_count(name(".")), 0);
    assert_int_equal(dname_label_count(name("a.b.c.")), 3);
    assert_null(dname_parent(name(".")));
    assert_true(dname_equal(dname_parent(name("a.b.c.")), name("b.c.")));
    assert_true(dname_is_wildcard(name("*.example.")));
    assert_false(dname_is_wildcard(name("\\*x.example.")));
    assert_false(dname_is_wildcard(name("a.*.example.")));
}

/* RFC 4034 §6.1 example order */
static void test_canonical_order(void **state)
{
    (void)state;
    static const char *const order[] = {
        "example.",        "a.example.", "yljkjljk.a.example.", "Z.a.example.",
        "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.",    "*.z.example.",
        "\\200.z.example.",
    };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++) {
        uint8_t a[DNAME_MAX];
        memcpy(a, name(order[i]), DNAME_MAX);
        assert_int_equal(dname_canon_cmp(a, a), 0);
        for (size_t j = i + 1; j < n; j++) {
            const uint8_t *b = name(order[j]);
            if (!(dname_canon_cmp(a, b) < 0))
                fail_msg("%s should sort before %s", order[i], order[j]);
            assert_true(dname_canon_cmp(b, a) > 0);
        }
    }
    assert_int_equal(dname_canon_cmp(name("A.Example."), name("a.example.")), 0);
    assert_true(dname_canon_cmp(name("."), name("com.")) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_print),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_canonical_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
