/* test_rrtype.c -- unit tests for the RR type table and rdata text <-> wire
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
#include "rrtype.h"

static uint8_t origin[DNAME_MAX];

/* Diagnostics captured per test. */
static char *cap_buf;
static size_t cap_len;
static FILE *cap;

static int setup(void **state)
{
    (void)state;
    diag_reset();
    cap = open_memstream(&cap_buf, &cap_len);
    diag_set_stream(cap);
    size_t ol;
    dname_from_text(origin, &ol, "example.com.", 12, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
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

/* Splits presentation rdata the way the scanner does: blanks separate
 * fields, "..." is one quoted field, a word may hold "..." segments. */
static size_t split(const char *text, rdata_field_t *f, size_t max)
{
    size_t n = 0;
    const char *p = text;
    while (*p && n < max) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        f[n].loc = (loc_t){1, 1, (uint32_t)(p - text) + 1};
        if (*p == '"') {
            const char *s = ++p;
            while (*p && *p != '"')
                p += (*p == '\\' && p[1]) ? 2 : 1;
            f[n].text = s;
            f[n].len = (size_t)(p - s);
            f[n].quoted = 1;
            if (*p)
                p++;
        } else {
            const char *s = p;
            int inq = 0;
            while (*p && (inq || *p != ' ')) {
                if (*p == '\\' && p[1]) {
                    p += 2;
                    continue;
                }
                if (*p == '"')
                    inq = !inq;
                p++;
            }
            f[n].text = s;
            f[n].len = (size_t)(p - s);
            f[n].quoted = 0;
        }
        n++;
    }
    return n;
}

static int from_text(uint16_t type, const char *text, uint8_t *out)
{
    rdata_field_t f[64];
    size_t n = split(text, f, 64);
    return rrtype_rdata_from_text(type, f, n, origin, out, 65535, (loc_t){1, 1, 1});
}

/* text -> wire -> text gives `expect`, and `expect` parses to the same wire. */
static void roundtrip(uint16_t type, const char *text, const char *expect)
{
    static uint8_t w1[65536], w2[65536];
    static char t1[300000];
    int l1 = from_text(type, text, w1);
    if (l1 < 0)
        fail_msg("parse failed for '%s': %s", text, captured());
    assert_true(rrtype_rdata_valid(type, w1, (size_t)l1));
    rrtype_rdata_to_text(type, w1, (size_t)l1, t1, sizeof t1);
    assert_string_equal(t1, expect);
    int l2 = from_text(type, expect, w2);
    assert_int_equal(l1, l2);
    assert_memory_equal(w1, w2, (size_t)l1);
    assert_int_equal(diag_error_count(), 0);
}

static void test_roundtrips(void **state)
{
    (void)state;
    roundtrip(RR_A, "192.0.2.1", "192.0.2.1");
    roundtrip(RR_AAAA, "2001:DB8:0:0::1", "2001:db8::1");
    roundtrip(RR_NS, "ns1", "ns1.example.com.");
    roundtrip(RR_NS, "NS1.Example.NET.", "ns1.example.net.");
    roundtrip(RR_CNAME, "@", "example.com.");
    roundtrip(RR_PTR, "host.example.net.", "host.example.net.");
    roundtrip(RR_MX, "10 mail", "10 mail.example.com.");
    roundtrip(RR_SOA, "ns1 hostmaster 2026112601 2h 1H30m 2w 5m",
              "ns1.example.com. hostmaster.example.com. 2026112601 7200 5400 1209600 300");
    roundtrip(RR_TXT, "\"v=spf1 mx -all\"", "\"v=spf1 mx -all\"");
    roundtrip(RR_TXT, "\"a\" b \"\"", "\"a\" \"b\" \"\"");
    roundtrip(RR_TXT, "\"q\\\"uote\\\\ \\065\\255\"", "\"q\\\"uote\\\\ A\\255\"");
    roundtrip(RR_SPF, "\"v=spf1 -all\"", "\"v=spf1 -all\"");
    roundtrip(RR_HINFO, "\"PC\" Linux", "\"PC\" \"Linux\"");
    roundtrip(RR_SRV, "0 5 5060 sip", "0 5 5060 sip.example.com.");
    roundtrip(RR_NAPTR, "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.",
              "100 10 \"S\" \"SIP+D2U\" \"\" _sip._udp.example.com.");
    roundtrip(RR_DS, "12345 RSASHA256 2 49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de 49fd46e6c4b45c55d4ac69cb",
              "12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE49FD46E6C4B45C55 D4AC69CB");
    roundtrip(RR_SSHFP, "1 1 dd465c09cfa51fb45020cc83316fff21b9ec74ac",
              "1 1 DD465C09CFA51FB45020CC83316FFF21B9EC74AC");
    roundtrip(RR_TLSA, "3 1 1 0c72ac70", "3 1 1 0C72AC70");
    roundtrip(RR_CAA, "0 issue \"ca.example\"", "0 issue \"ca.example\"");
    roundtrip(RR_CAA, "128 tbs Unknown", "128 tbs \"Unknown\"");
    roundtrip(RR_SVCB, "1 . alpn=\"h2,h3\" port=8443", "1 . alpn=\"h2,h3\" port=8443");
    roundtrip(RR_SVCB, "0 foo.example.net.", "0 foo.example.net.");
    roundtrip(RR_HTTPS, "1 . port=443 alpn=h2 mandatory=port,alpn ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1",
              "1 . mandatory=alpn,port alpn=\"h2\" port=443 ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1");
    roundtrip(RR_HTTPS, "2 svc no-default-alpn alpn=h3 key65000=\"abc\" ech=AEj+DQBE",
              "2 svc.example.com. alpn=\"h3\" no-default-alpn ech=AEj+DQBE key65000=\"abc\"");
    roundtrip(RR_HTTPS, "1 . alpn=\"a\\\\,b,c\"", "1 . alpn=\"a\\\\,b,c\"");
    roundtrip(RR_SVCB, "1 . key999 key4=\\192\\000\\002\\001", "1 . ipv4hint=192.0.2.1 key999");
    roundtrip(65534, "\\# 2 abcd", "\\# 2 ABCD");
    roundtrip(65533, "\\# 0", "\\# 0");
    roundtrip(RR_A, "\\# 4 C0 00 02 01", "192.0.2.1");
    roundtrip(RR_DNSKEY, "256 3 ECDSAP256SHA256 mdsswUyr3DPW132mOi8V9xESWE8jTo0d xCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
              "256 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+ KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==");
    roundtrip(60, "0 3 0 AA==", "0 3 0 AA==");
    roundtrip(59, "0 0 0 00", "0 0 0 00");
    roundtrip(61, "mQINBFit2jsBEAC7", "mQINBFit2jsBEAC7");
    roundtrip(53, "3 1 1 abcdef", "3 1 1 ABCDEF");
    roundtrip(63, "2018031500 1 1 FEBE3D4C", "2018031500 1 1 FEBE3D4C");
    roundtrip(256, "10 1 \"ftp://ftp1.example.com/public\"", "10 1 \"ftp://ftp1.example.com/public\"");
    roundtrip(17, "Admin txt.example.net.", "admin.example.com. txt.example.net.");
    roundtrip(18, "1 afs", "1 afs.example.com.");
}

static void test_generic_len(void **state)
{
    (void)state;
    uint8_t w[65536];
    assert_int_equal(from_text(RR_A, "\\# 4 c00002", w), -1);
    assert_non_null(strstr(captured(), "invalid A rdata: generic rdata length 4 does not match the 3 bytes given"));
    assert_int_equal(from_text(65000, "1 2 3", w), -1);
    assert_int_equal(from_text(RR_A, "\\# 3 c00002", w), -1);
    assert_non_null(strstr(captured(), "generic rdata is not well formed"));
}

/* Each bad input gives exactly one error containing `msg`. */
static void bad(uint16_t type, const char *text, const char *msg)
{
    uint8_t w[65536];
    unsigned before = diag_error_count();
    int rc = from_text(type, text, w);
    if (rc >= 0)
        fail_msg("'%s' was accepted", text);
    assert_int_equal(diag_error_count(), before + 1);
    if (!strstr(captured(), msg))
        fail_msg("expected '%s' in:\n%s", msg, captured());
}

static void test_bad_rdata(void **state)
{
    (void)state;
    bad(RR_A, "1.2.3", "invalid A rdata: '1.2.3' is not an IPv4 address");
    bad(RR_A, "", "invalid A rdata: missing address");
    bad(RR_A, "1.2.3.4 5.6.7.8", "invalid A rdata: unexpected field '5.6.7.8'");
    bad(RR_AAAA, "1.2.3.4", "invalid AAAA rdata: '1.2.3.4' is not an IPv6 address");
    bad(RR_MX, "10", "invalid MX rdata: missing exchange name");
    bad(RR_MX, "70000 mx", "invalid MX rdata: '70000' is not a valid preference (0..65535)");
    bad(RR_MX, "x mx", "invalid MX rdata: 'x' is not a valid preference");
    bad(RR_NS, "a..b", "empty label in domain name");
    bad(RR_NS, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.", "label longer than 63 bytes");
    bad(RR_CNAME, "", "invalid CNAME rdata: missing target name");
    bad(RR_SOA, "ns1 host 1 2 3 4", "invalid SOA rdata: missing minimum");
    bad(RR_SOA, "ns1 host 1 2 3 4 5x", "invalid SOA rdata: '5x' is not a valid minimum");
    bad(RR_SOA, "ns1 host 1h 2 3 4 5", "invalid SOA rdata: '1h' is not a valid serial");
    bad(RR_TXT, "", "invalid TXT rdata: missing text");
    bad(RR_TXT, "\"\\300\"", "invalid TXT rdata: bad escape");
    bad(RR_TXT, "a\"b\"c", "invalid TXT rdata: unescaped '\"'");
    bad(RR_HINFO, "cpu", "invalid HINFO rdata: missing OS");
    bad(RR_SRV, "1 2 3", "invalid SRV rdata: missing target name");
    bad(RR_SRV, "1 2 99999 t", "invalid SRV rdata: '99999' is not a valid port (0..65535)");
    bad(RR_NAPTR, "1 2 \"S\" \"x\" \"\"", "invalid NAPTR rdata: missing replacement name");
    bad(RR_DS, "1 8 2", "invalid DS rdata: missing digest");
    bad(RR_DS, "1 8 2 abc", "invalid DS rdata: digest has an odd number of hex digits");
    bad(RR_DS, "1 8 2 zz", "invalid DS rdata: digest 'zz' is not hexadecimal");
    bad(RR_DS, "1 FOO 2 aa", "invalid DS rdata: 'FOO' is not a valid algorithm (0..255)");
    bad(RR_SSHFP, "1 256 aa", "invalid SSHFP rdata: '256' is not a valid fingerprint type (0..255)");
    bad(RR_TLSA, "3 1 1", "invalid TLSA rdata: missing certificate data");
    bad(RR_CAA, "0 is-sue \"x\"", "invalid CAA rdata: tag 'is-sue' must be letters and digits");
    bad(RR_CAA, "0 issue", "invalid CAA rdata: missing value");
    bad(RR_CAA, "0 issue a b", "invalid CAA rdata: unexpected field 'b'");
    bad(RR_SVCB, "1 . alpn=h2 alpn=h3", "invalid SVCB rdata: duplicate parameter 'alpn'");
    bad(RR_SVCB, "1 . foo=bar", "invalid SVCB rdata: unknown parameter 'foo=bar'");
    bad(RR_SVCB, "1 . port=x", "invalid SVCB rdata: 'port=x' is not a valid port");
    bad(RR_SVCB, "1 . mandatory=port", "invalid SVCB rdata: mandatory key 'port' is not present");
    bad(RR_HTTPS, "1 . no-default-alpn=x", "invalid HTTPS rdata: parameter 'no-default-alpn' takes no value");
    bad(RR_HTTPS, "1 . alpn", "invalid HTTPS rdata: parameter 'alpn' needs a value");
    bad(RR_HTTPS, "1 . ipv4hint=1.2.3", "invalid HTTPS rdata: bad IPv4 address in ipv4hint");
    bad(RR_HTTPS, "1 . key3=x", "invalid HTTPS rdata: 'key3=x' is not a valid port value");
    bad(RR_HTTPS, "1 . key65535", "invalid HTTPS rdata: key65535 is reserved");
    bad(RR_HTTPS, "1 . ech=***", "invalid HTTPS rdata: ech value is not base64");
    bad(RR_HTTPS, "x .", "invalid HTTPS rdata: 'x' is not a valid priority (0..65535)");
    bad(RR_DNSKEY, "257 3 8", "invalid DNSKEY rdata: missing public key");
    bad(RR_DNSKEY, "257 3 8 AwE", "invalid DNSKEY rdata: public key is not valid base64");
    bad(256, "10 1", "invalid URI rdata: missing target");
    bad(65000, "\\# x", "invalid TYPE65000 rdata: 'x' is not a valid generic rdata length");
    bad(65000, "\\# 1 zz", "invalid TYPE65000 rdata: generic rdata 'zz' is not hexadecimal");
}

static void test_long_string(void **state)
{
    (void)state;
    char text[600];
    memset(text, 'x', 256);
    text[256] = '\0';
    bad(RR_TXT, text, "error: character-string longer than 255 bytes");
    text[255] = '\0';
    uint8_t w[65536];
    assert_int_equal(from_text(RR_TXT, text, w), 256);
}

static void test_location(void **state)
{
    (void)state;
    uint8_t w[16];
    rdata_field_t f = {"1.2.3", 5, 0, {1, 7, 12}};
    diag_add_file("z.zone", NULL, 0);
    assert_int_equal(rrtype_rdata_from_text(RR_A, &f, 1, origin, w, sizeof w, (loc_t){1, 7, 1}), -1);
    assert_non_null(strstr(captured(), "z.zone:7:12: error: invalid A rdata: '1.2.3' is not an IPv4 address"));
    /* missing fields are reported at the record */
    assert_int_equal(rrtype_rdata_from_text(RR_MX, &f, 0, origin, w, sizeof w, (loc_t){1, 8, 3}), -1);
    assert_non_null(strstr(captured(), "z.zone:8:3: error: invalid MX rdata: missing preference"));
}

static void test_mnemonics(void **state)
{
    (void)state;
    uint16_t c;
    char buf[32];
    assert_true(rrtype_from_text("aaaa", 4, &c));
    assert_int_equal(c, RR_AAAA);
    assert_true(rrtype_from_text("TYPE28", 6, &c));
    assert_int_equal(c, 28);
    assert_true(rrtype_from_text("type65535", 9, &c));
    assert_int_equal(c, 65535);
    assert_false(rrtype_from_text("TYPE65536", 9, &c));
    assert_false(rrtype_from_text("TYPE", 4, &c));
    assert_false(rrtype_from_text("FOO", 3, &c));
    assert_false(rrtype_from_text("TYPE-1", 6, &c));
    assert_string_equal(rrtype_to_text(RR_CAA, buf, sizeof buf), "CAA");
    assert_string_equal(rrtype_to_text(65534, buf, sizeof buf), "TYPE65534");
    assert_string_equal(rrtype_by_code(65534)->name, "TYPE65534");
    assert_int_equal(rrtype_by_code(65534)->blocks[0], RB_REMAINDER);
    assert_true(rrtype_by_code(RR_MX)->additional);
    assert_false(rrtype_by_code(RR_TXT)->additional);
}

static void test_time(void **state)
{
    (void)state;
    uint32_t t;
    assert_int_equal(rrtype_time_from_text("3600", 4, &t), 1);
    assert_int_equal(t, 3600);
    assert_int_equal(rrtype_time_from_text("1h30m", 5, &t), 1);
    assert_int_equal(t, 5400);
    assert_int_equal(rrtype_time_from_text("1W2d3H4M5S", 10, &t), 1);
    assert_int_equal(t, 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
    assert_int_equal(rrtype_time_from_text("1h30", 4, &t), 0);
    assert_int_equal(rrtype_time_from_text("h", 1, &t), 0);
    assert_int_equal(rrtype_time_from_text("1x", 2, &t), 0);
    assert_int_equal(rrtype_time_from_text("4294967295", 10, &t), 1);
    assert_int_equal(rrtype_time_from_text("4294967296", 10, &t), -1);
    assert_int_equal(rrtype_time_from_text("8000w", 5, &t), -1);
}

struct names {
    size_t off[8];
    int comp[8];
    size_t n;
};

static void collect(void *arg, size_t off, int compress)
{
    struct names *n = arg;
    n->off[n->n] = off;
    n->comp[n->n++] = compress;
}

static void test_names_and_validity(void **state)
{
    (void)state;
    uint8_t w[65536];
    struct names nm = {0};
    int l = from_text(RR_SOA, "ns1 host 1 2 3 4 5", w);
    rrtype_rdata_names(RR_SOA, w, (size_t)l, collect, &nm);
    assert_int_equal(nm.n, 2);
    assert_int_equal(nm.off[0], 0);
    assert_int_equal(nm.off[1], 17);
    assert_true(nm.comp[0] && nm.comp[1]);

    memset(&nm, 0, sizeof nm);
    l = from_text(RR_SRV, "1 2 3 t", w);
    rrtype_rdata_names(RR_SRV, w, (size_t)l, collect, &nm);
    assert_int_equal(nm.n, 1);
    assert_int_equal(nm.off[0], 6);
    assert_false(nm.comp[0]);

    memset(&nm, 0, sizeof nm);
    l = from_text(RR_MX, "1 mx", w);
    rrtype_rdata_names(RR_MX, w, (size_t)l, collect, &nm);
    assert_int_equal(nm.n, 1);
    assert_true(nm.comp[0]);

    memset(&nm, 0, sizeof nm);
    l = from_text(RR_HTTPS, "1 svc alpn=h2", w);
    rrtype_rdata_names(RR_HTTPS, w, (size_t)l, collect, &nm);
    assert_int_equal(nm.n, 1);
    assert_false(nm.comp[0]);

    /* malformed rdata: no names, printed in RFC 3597 form */
    static const uint8_t badmx[] = {0, 10, 5, 'a'};
    memset(&nm, 0, sizeof nm);
    rrtype_rdata_names(RR_MX, badmx, sizeof badmx, collect, &nm);
    assert_int_equal(nm.n, 0);
    assert_false(rrtype_rdata_valid(RR_MX, badmx, sizeof badmx));
    char t[128];
    rrtype_rdata_to_text(RR_MX, badmx, sizeof badmx, t, sizeof t);
    assert_string_equal(t, "\\# 4 000A0561");
    assert_false(rrtype_rdata_valid(RR_A, badmx, 3));
    assert_false(rrtype_rdata_valid(RR_TXT, badmx, 0));
    static const uint8_t badsvc[] = {0, 1, 0, 0, 0, 3, 0, 1, 5}; /* port of 1 byte */
    assert_false(rrtype_rdata_valid(RR_SVCB, badsvc, sizeof badsvc));
    static const uint8_t unsorted[] = {0, 1, 0, 0, 0, 3, 0, 2, 0, 1, 0, 1, 0, 2, 'h', '2'};
    assert_false(rrtype_rdata_valid(RR_SVCB, unsorted, sizeof unsorted));
    assert_true(rrtype_rdata_valid(65000, badmx, 0));
}

static void test_to_text_truncates(void **state)
{
    (void)state;
    uint8_t w[64];
    char t[8];
    int l = from_text(RR_TXT, "\"hello world\"", w);
    size_t n = rrtype_rdata_to_text(RR_TXT, w, (size_t)l, t, sizeof t);
    assert_int_equal(n, 7);
    assert_string_equal(t, "\"hello ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generic_len, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rdata, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mnemonics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_and_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_text_truncates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
