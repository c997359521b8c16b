/* test_rrl.c -- unit tests for response rate limiting, privilege parsing and --cpus
 * SPDX-License-Identifier: MIT
 *
 * Responses are built by hand (header + question + an optional first
 * authority owner), classified, and charged to the limiter with a fake
 * clock; the counts of passed, slipped and dropped responses are exact.
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

#include "net.h"
#include "privs.h"
#include "rrl.h"

/* A response: flags2 = RCODE, aa, an/ns counts, question NAME/qtype, and
 * when ns > 0 and an == 0 an authority RR whose owner is `auth` (wire). */
static size_t mkresp(uint8_t *b, const char *qname_wire, size_t qlen, uint16_t qtype, int aa,
                     unsigned rcode, unsigned an, unsigned ns, const uint8_t *auth, size_t alen)
{
    memset(b, 0, 512);
    b[0] = 0x12;
    b[1] = 0x34;
    b[2] = (uint8_t)(0x80 | (aa ? 0x04 : 0));
    b[3] = (uint8_t)rcode;
    b[5] = 1;
    b[7] = (uint8_t)an;
    b[9] = (uint8_t)ns;
    memcpy(b + 12, qname_wire, qlen);
    size_t n = 12 + qlen;
    b[n++] = (uint8_t)(qtype >> 8);
    b[n++] = (uint8_t)qtype;
    b[n++] = 0;
    b[n++] = 1;
    if (auth) {
        memcpy(b + n, auth, alen);
        n += alen;
        memset(b + n, 0, 10); /* type, class, ttl, rdlen = 0 */
        n += 10;
    }
    return n;
}

#define WWW "\3www\7example\3com\0"
#define WWW_UP "\3WWW\7EXAMPLE\3com\0"

static void test_classify(void **state)
{
    (void)state;
    uint8_t b[512];
    rt_rrl_key_t k;
    size_t n = mkresp(b, WWW, (sizeof WWW - 1), 1, 1, 0, 1, 0, NULL, 0);
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_ANSWER);
    assert_int_equal(k.qtype, 1);
    assert_ptr_equal(k.name, b + 12);
    n = mkresp(b, WWW, (sizeof WWW - 1), 28, 1, 0, 0, 1, (const uint8_t *)"\xc0\x10", 2);
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_NODATA);
    /* referral: AA=0, no answer, the NS owner */
    n = mkresp(b, WWW, (sizeof WWW - 1), 1, 0, 0, 0, 2, (const uint8_t *)"\xc0\x0c", 2);
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_REFERRAL);
    assert_ptr_equal(k.name, b + 12 + (sizeof WWW - 1) + 4);
    n = mkresp(b, WWW, (sizeof WWW - 1), 1, 1, 3, 0, 1, (const uint8_t *)"\xc0\x10", 2);
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_NXDOMAIN);
    assert_non_null(k.name);
    n = mkresp(b, WWW, (sizeof WWW - 1), 1, 0, 5, 0, 0, NULL, 0);
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_ERROR);
    /* no question, a truncated one, a header only: errors, no crash */
    b[5] = 0;
    rt_rrl_classify(b, n, &k);
    assert_int_equal(k.cls, RT_RRL_ERROR);
    b[5] = 1;
    rt_rrl_classify(b, 14, &k);
    assert_int_equal(k.cls, RT_RRL_ERROR);
    rt_rrl_classify(b, 5, &k);
    assert_int_equal(k.cls, RT_RRL_ERROR);
}

static rt_peer_t peer4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    rt_peer_t p;
    memset(&p, 0, sizeof p);
    p.family = 4;
    p.addr[0] = a;
    p.addr[1] = b;
    p.addr[2] = c;
    p.addr[3] = d;
    return p;
}

static void test_limit_and_slip(void **state)
{
    (void)state;
    rt_rrl_t r;
    rt_rrl_global_init(42);
    assert_int_equal(rt_rrl_init(&r, 10, 2), 0);
    uint8_t b[512], c[512];
    size_t n = mkresp(b, WWW, (sizeof WWW - 1), 1, 1, 0, 1, 0, NULL, 0);
    size_t m = mkresp(c, WWW_UP, (sizeof WWW_UP - 1), 1, 1, 0, 1, 0, NULL, 0);
    rt_peer_t p1 = peer4(10, 0, 0, 1), p2 = peer4(10, 0, 0, 200), p3 = peer4(10, 0, 1, 1);
    uint64_t t = 1000000;
    int pass = 0, slip = 0, drop = 0;
    for (int i = 0; i < 30; i++) {
        /* alternate two addresses of one /24 and the name's case: one bucket */
        int v = i & 1 ? rt_rrl_check(&r, &p1, b, n, NULL, t) : rt_rrl_check(&r, &p2, c, m, NULL, t);
        pass += v == RT_RRL_PASS;
        slip += v == RT_RRL_SLIP;
        drop += v == RT_RRL_DROP;
    }
    assert_int_equal(pass, 10); /* one second's burst */
    assert_int_equal(slip, 10);
    assert_int_equal(drop, 10);
    /* another /24 and another qtype have their own buckets */
    assert_int_equal(rt_rrl_check(&r, &p3, b, n, NULL, t), RT_RRL_PASS);
    b[12 + (sizeof WWW - 1) + 1] = 28;
    assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    b[12 + (sizeof WWW - 1) + 1] = 1;
    /* 100 ms later one token (10/s) is back */
    t += 100;
    assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    assert_int_not_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    /* after a long pause the bucket is full again, but no fuller */
    t += 60000;
    pass = 0;
    for (int i = 0; i < 30; i++)
        pass += rt_rrl_check(&r, &p1, b, n, NULL, t) == RT_RRL_PASS;
    assert_int_equal(pass, 10);
    rt_rrl_free(&r);

    /* slip 0 drops all, slip 1 slips all; rate 0 is off */
    assert_int_equal(rt_rrl_init(&r, 1, 0), 0);
    assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_DROP);
    rt_rrl_free(&r);
    assert_int_equal(rt_rrl_init(&r, 1, 1), 0);
    assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    for (int i = 0; i < 5; i++)
        assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_SLIP);
    rt_rrl_free(&r);
    assert_int_equal(rt_rrl_init(&r, 0, 2), 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(rt_rrl_check(&r, &p1, b, n, NULL, t), RT_RRL_PASS);
    rt_rrl_free(&r);
}

static void test_nxdomain_per_zone(void **state)
{
    (void)state;
    rt_rrl_t r;
    assert_int_equal(rt_rrl_init(&r, 5, 2), 0);
    rt_peer_t p = peer4(192, 0, 2, 1);
    uint8_t b[512];
    int pass = 0;
    char q[64];
    for (int i = 0; i < 20; i++) {
        /* random-looking names under one zone: one NXDOMAIN bucket (the SOA owner) */
        int l = snprintf(q + 1, sizeof q - 1, "x%d", i * 7919);
        q[0] = (char)l;
        memcpy(q + 1 + l, "\7example\3com\0", 13);
        size_t n = mkresp(b, q, (size_t)l + 14, 1, 1, 3, 0, 1, (const uint8_t *)"\7exAMPle\3com\0", 13);
        pass += rt_rrl_check(&r, &p, b, n, NULL, 5000) == RT_RRL_PASS;
    }
    assert_int_equal(pass, 5);
    rt_rrl_free(&r);
}

static void test_slip_reply(void **state)
{
    (void)state;
    uint8_t b[512];
    size_t n = mkresp(b, WWW, (sizeof WWW - 1), 1, 1, 3, 0, 1, (const uint8_t *)"\xc0\x10", 2);
    size_t m = rt_rrl_slip_reply(b, n);
    assert_int_equal(m, 12 + (sizeof WWW - 1) + 4);
    assert_true(b[2] & 0x02);
    assert_true(b[2] & 0x80);
    assert_int_equal(b[3] & 0x0f, 3);
    assert_int_equal(b[5], 1);
    assert_int_equal(b[7] | b[9] | b[11], 0);
    assert_int_equal(b[0], 0x12);
    /* with an OPT in the additional section: kept, right after the question */
    n = mkresp(b, WWW, (sizeof WWW - 1), 1, 1, 0, 1, 0, NULL, 0);
    static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    static const uint8_t opt[] = {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0};
    memcpy(b + n, rr, sizeof rr);
    n += sizeof rr;
    memcpy(b + n, opt, sizeof opt);
    n += sizeof opt;
    b[11] = 1;
    m = rt_rrl_slip_reply(b, n);
    assert_int_equal(m, 12 + (sizeof WWW - 1) + 4 + sizeof opt);
    assert_memory_equal(b + 12 + (sizeof WWW - 1) + 4, opt, sizeof opt);
    assert_int_equal(b[7], 0);
    assert_int_equal(b[11], 1);
}

static void test_privs_parse(void **state)
{
    (void)state;
    char path[] = "/tmp/zonec-test-passwd.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *txt = "root:x:0:0:root:/root:/bin/sh\n"
                      "# a comment line\n"
                      "broken line without colons\n"
                      "zonec:x:105:110:zonec server,,,:/nonexistent:/usr/sbin/nologin\n";
    assert_int_equal(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    rt_privs_t p;
    char err[300];
    memset(&p, 0, sizeof p);
    assert_int_equal(rt_privs_parse_user(&p, "zonec", path, err, sizeof err), 0);
    assert_int_equal(p.uid, 105);
    assert_int_equal(p.gid, 110);
    assert_int_equal(rt_privs_parse_user(&p, "105", path, err, sizeof err), 0);
    assert_int_equal(p.gid, 110);
    assert_int_equal(rt_privs_parse_user(&p, "4000", path, err, sizeof err), 0);
    assert_int_equal(p.gid, 4000);
    assert_int_equal(rt_privs_parse_user(&p, "4000:5", path, err, sizeof err), 0);
    assert_int_equal(p.uid, 4000);
    assert_int_equal(p.gid, 5);
    assert_int_equal(rt_privs_parse_user(&p, "nobody-here", path, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown user"));
    assert_int_equal(rt_privs_parse_user(&p, "zon", path, err, sizeof err), -1);
    assert_int_equal(rt_privs_parse_user(&p, "1:x", path, err, sizeof err), -1);
    assert_int_equal(rt_privs_parse_user(&p, "zonec", "/nonexistent/passwd", err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot read"));
    unlink(path);
}

static void test_cpus(void **state)
{
    (void)state;
    int c[8];
    assert_int_equal(rt_net_parse_cpus("0", c, 8), 1);
    assert_int_equal(rt_net_parse_cpus("0,2-4,7", c, 8), 5);
    assert_int_equal(c[1], 2);
    assert_int_equal(c[3], 4);
    assert_int_equal(c[4], 7);
    assert_int_equal(rt_net_parse_cpus("", c, 8), -1);
    assert_int_equal(rt_net_parse_cpus("1,", c, 8), -1);
    assert_int_equal(rt_net_parse_cpus("3-1", c, 8), -1);
    assert_int_equal(rt_net_parse_cpus("a", c, 8), -1);
    assert_int_equal(rt_net_parse_cpus("0-8", c, 8), -1); /* 9 entries */
    assert_int_equal(rt_net_parse_cpus("99999", c, 8), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_limit_and_slip),
        cmocka_unit_test(test_nxdomain_per_zone),
        cmocka_unit_test(test_slip_reply),
        cmocka_unit_test(test_privs_parse),
        cmocka_unit_test(test_cpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
