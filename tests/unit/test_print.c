/* test_print.c -- unit tests of print.c: safe name decompression, dig layout
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "print.h"

/* Prints msg into a string (caller frees). Sets *rc to print_packet's result. */
static char *render(const uint8_t *msg, size_t len, int *rc)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    assert_non_null(f);
    *rc = print_packet(f, msg, len);
    fclose(f);
    return out;
}

static void test_read_name(void **state)
{
    (void)state;
    /* "www.example.com." at 12, then a pointer to "example.com." (offset 16) */
    static const uint8_t msg[] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
        4, 'm', 'a', 'i', 'l', 0xc0, 16,
    };
    uint8_t name[DNAME_MAX];
    size_t pos = 12;
    assert_int_equal(print_read_name(msg, sizeof msg, &pos, name), 17);
    assert_int_equal(pos, 29);
    assert_int_equal(print_read_name(msg, sizeof msg, &pos, name), 18);
    assert_int_equal(pos, sizeof msg); /* after the pointer, not after its target */
    char text[DNAME_TEXT_MAX];
    dname_to_text(name, text, sizeof text);
    assert_string_equal(text, "mail.example.com.");
}

static void test_read_name_hostile(void **state)
{
    (void)state;
    uint8_t name[DNAME_MAX];
    size_t pos;
    /* pointer to itself: a loop */
    static const uint8_t loop[] = {0xc0, 0};
    pos = 0;
    assert_int_equal(print_read_name(loop, sizeof loop, &pos, name), 0);
    /* two pointers to each other */
    static const uint8_t loop2[] = {0xc0, 2, 0xc0, 0};
    pos = 0;
    assert_int_equal(print_read_name(loop2, sizeof loop2, &pos, name), 0);
    /* pointer past the end */
    static const uint8_t far[] = {0xc0, 0x40};
    pos = 0;
    assert_int_equal(print_read_name(far, sizeof far, &pos, name), 0);
    /* label running past the end; truncated pointer; reserved label type */
    static const uint8_t cut[] = {5, 'a', 'b'};
    pos = 0;
    assert_int_equal(print_read_name(cut, sizeof cut, &pos, name), 0);
    static const uint8_t half[] = {1, 'a', 0xc0};
    pos = 0;
    assert_int_equal(print_read_name(half, sizeof half, &pos, name), 0);
    static const uint8_t ext[] = {0x41, 0};
    pos = 0;
    assert_int_equal(print_read_name(ext, sizeof ext, &pos, name), 0);
    /* a name over 255 bytes built from a pointer chain of 63-byte labels */
    uint8_t big[5 * 66 + 2];
    size_t o = 0;
    for (int i = 0; i < 5; i++) {
        big[o] = 63;
        memset(big + o + 1, 'x', 63);
        big[o + 64] = 0xc0;
        big[o + 65] = (uint8_t)(o + 66); /* next chunk */
        o += 66;
    }
    big[o - 1] = 0;
    big[o - 2] = 0xc0; /* last one points to the start: loop as well */
    pos = 0;
    assert_int_equal(print_read_name(big, o, &pos, name), 0);
}

static void test_print_answer(void **state)
{
    (void)state;
    /* id 7, QR AA, 1 question, 2 answers (A, MX with compressed exchange), OPT */
    static const uint8_t msg[] = {
        0, 7, 0x84, 0x00, 0, 1, 0, 2, 0, 0, 0, 1,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 15, 0, 1,
        0xc0, 12, 0, 15, 0, 1, 0, 0, 1, 44, 0, 9, 0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12,
        0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
        0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0,
    };
    int rc;
    char *out = render(msg, sizeof msg, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, ";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 7\n"));
    assert_non_null(strstr(out, ";; flags: qr aa; QUERY: 1, ANSWER: 2, AUTHORITY: 0, "
                                "ADDITIONAL: 1\n"));
    assert_non_null(strstr(out, "; EDNS: version: 0, flags:; udp: 1232\n"));
    assert_non_null(strstr(out, ";example.com.\t\t\tIN\tMX\n"));
    assert_non_null(strstr(out, "example.com.\t\t300\tIN\tMX\t10 mail.example.com.\n"));
    assert_non_null(strstr(out, "example.com.\t\t60\tIN\tA\t192.0.2.1\n"));
    assert_null(strstr(out, "WARNING"));
    free(out);
}

static void test_print_rcodes_and_truncation(void **state)
{
    (void)state;
    /* NXDOMAIN, no question; extended RCODE 16 (BADVERS) via OPT */
    static const uint8_t badvers[] = {
        0, 1, 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0, 1,
        0, 0, 41, 4, 208, 1, 0, 0, 0, 0, 0,
    };
    int rc;
    char *out = render(badvers, sizeof badvers, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "status: BADVERS"));
    free(out);

    /* counts promise more than the message holds */
    static const uint8_t shortmsg[] = {0, 1, 0x84, 0x03, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    out = render(shortmsg, sizeof shortmsg, &rc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(out, "status: NXDOMAIN"));
    assert_non_null(strstr(out, "WARNING: message truncated/malformed"));
    free(out);

    out = render(shortmsg, 5, &rc);
    assert_int_equal(rc, -1);
    free(out);

    assert_string_equal(print_rcode_name(3), "NXDOMAIN");
    assert_null(print_rcode_name(12));
}

static void test_type_names(void **state)
{
    (void)state;
    char buf[16];
    uint16_t t;
    assert_string_equal(print_type_name(255, buf, sizeof buf), "ANY");
    assert_string_equal(print_type_name(1, buf, sizeof buf), "A");
    assert_string_equal(print_type_name(65534, buf, sizeof buf), "TYPE65534");
    assert_int_equal(print_type_from_text("any", &t), 1);
    assert_int_equal(t, 255);
    assert_int_equal(print_type_from_text("aaaa", &t), 1);
    assert_int_equal(t, 28);
    assert_int_equal(print_type_from_text("nonsense", &t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_name),
        cmocka_unit_test(test_read_name_hostile),
        cmocka_unit_test(test_print_answer),
        cmocka_unit_test(test_print_rcodes_and_truncation),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
