/* test_health.c -- unit tests of the pure parts of the health checker:
 * thresholds (rt_health_step), the HTTP response judge (probe_http.c),
 * calculated checks, pins and validation (health_eval.c), the per-thread
 * query counters (metrics.h inline hooks).
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"
#include "metrics.h"
#include "probe_http.h"

static void test_step_thresholds(void **state)
{
    (void)state;
    int ch;
    uint32_t st = 0; /* up */
    st = rt_health_step(st, 0, 3, 2, &ch);
    assert_int_equal(ch, 0);
    st = rt_health_step(st, 0, 3, 2, &ch);
    assert_int_equal(ch, 0);
    st = rt_health_step(st, 1, 3, 2, &ch); /* a success resets the streak */
    st = rt_health_step(st, 0, 3, 2, &ch);
    st = rt_health_step(st, 0, 3, 2, &ch);
    assert_false(st & RT_HS_DOWN);
    st = rt_health_step(st, 0, 3, 2, &ch);
    assert_int_equal(ch, 1);
    assert_true(st & RT_HS_DOWN);
    st = rt_health_step(st, 1, 3, 2, &ch);
    assert_true(st & RT_HS_DOWN);
    st = rt_health_step(st, 1, 3, 2, &ch);
    assert_int_equal(ch, 1);
    assert_false(st & RT_HS_DOWN);
    assert_int_equal((st >> RT_HS_SEQ_SHIFT) & RT_HS_SEQ_MASK, 8);
    /* defaults: 0 means 3 */
    st = 0;
    for (int i = 0; i < 2; i++)
        st = rt_health_step(st, 0, 0, 0, &ch);
    assert_false(st & RT_HS_DOWN);
    st = rt_health_step(st, 0, 0, 0, &ch);
    assert_true(st & RT_HS_DOWN);
    /* pinned never moves */
    st = RT_HS_PINNED;
    for (int i = 0; i < 10; i++)
        st = rt_health_step(st, 0, 1, 1, &ch);
    assert_int_equal(st, RT_HS_PINNED);
}

static rt_hresp_t R;

static int feed_all(const char *txt, const char *needle, uint16_t lo, uint16_t hi, size_t step)
{
    rt_hresp_reset(&R, lo, hi, needle, needle ? strlen(needle) : 0);
    size_t n = strlen(txt);
    for (size_t i = 0; i < n; i += step)
        if (rt_hresp_feed(&R, txt + i, n - i < step ? n - i : step))
            return R.ok;
    rt_hresp_eof(&R);
    return R.ok;
}

static void test_http_judge(void **state)
{
    (void)state;
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall OK!";
    for (size_t step = 1; step < 50; step += 7) {
        assert_int_equal(feed_all(ok, NULL, 0, 0, step), 1);
        assert_int_equal(feed_all(ok, "OK!", 0, 0, step), 1);
        assert_int_equal(feed_all(ok, "ok!", 0, 0, step), 0); /* case-sensitive */
        assert_string_equal(R.reason, "body lacks \"ok!\"");
    }
    assert_int_equal(feed_all("HTTP/1.0 503 Busy\r\n\r\n", NULL, 0, 0, 100), 0);
    assert_string_equal(R.reason, "status 503");
    assert_int_equal(feed_all("HTTP/1.1 302 Found\r\n\r\n", NULL, 0, 0, 100), 1);
    assert_int_equal(feed_all("HTTP/1.1 302 Found\r\n\r\n", NULL, 200, 200, 100), 0);
    assert_int_equal(feed_all("HTTP/1.1 204 No\n\n", NULL, 200, 204, 3), 1); /* bare LF */
    assert_int_equal(feed_all("garbage\r\n\r\n", NULL, 0, 0, 100), 0);
    assert_string_equal(R.reason, "malformed status line");
    assert_int_equal(feed_all("", NULL, 0, 0, 100), 0);
    assert_string_equal(R.reason, "empty response");
    assert_int_equal(feed_all("HTTP/1.1 200 OK\r\nX: y", NULL, 0, 0, 100), 0);
    /* chunked: the needle spans two chunks */
    const char *ch = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n4;ext=1\r\nd OK\r\n0\r\n\r\n";
    for (size_t step = 1; step < 20; step++)
        assert_int_equal(feed_all(ch, "cd OK", 0, 0, step), 1);
    assert_int_equal(feed_all(ch, "abcd", 0, 0, 5), 1);    /* decoded: "abcd OK" */
    assert_int_equal(feed_all(ch, "abc\r\n", 0, 0, 5), 0); /* framing is not body */
}

static void test_http_bounds(void **state)
{
    (void)state;
    /* an endless body is cut at 5120 bytes; the needle after that is not seen */
    static char big[20000];
    int k = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n\r\n");
    memset(big + k, 'x', sizeof big - (size_t)k - 10);
    memcpy(big + sizeof big - 10, "NEEDLE", 7);
    assert_int_equal(feed_all(big, "NEEDLE", 0, 0, 1000), 0);
    assert_true(R.done);
    assert_int_equal(R.body_len, RT_HEALTH_BODY_MAX);
    assert_true(R.raw_seen < 8000); /* stopped reading after the limit */
    /* the needle as the last bytes of the first 5120 is seen */
    k = snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n\r\n");
    memset(big + k, 'x', 5120);
    memcpy(big + k + 5120 - 6, "NEEDLE", 6);
    big[k + 5120] = 0;
    assert_int_equal(feed_all(big, "NEEDLE", 0, 0, 333), 1);
    /* endless headers */
    static char hdr[20000];
    k = snprintf(hdr, sizeof hdr, "HTTP/1.1 200 OK\r\n");
    memset(hdr + k, 'h', sizeof hdr - (size_t)k - 1);
    assert_int_equal(feed_all(hdr, NULL, 0, 0, 4096), 0);
    assert_string_equal(R.reason, "response headers longer than 8192 bytes");
}

/* keep-alive: reusable only after exactly one complete, delimited response
 * that did not ask to close, whatever the verdict and however it is split */
static void test_http_reusable(void **state)
{
    (void)state;
    static const struct {
        const char *txt, *needle;
        int ok, reuse;
    } cases[] = {
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall OK!", NULL, 1, 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall OK!", "all", 1, 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall OK", "all", 1, 0},   /* short */
        {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nall OK!X", NULL, 1, 0},  /* extra */
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK", NULL, 1, 0},
        {"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 0\r\n\r\n", NULL, 1, 0},
        {"HTTP/1.1 200 OK\r\n\r\nuntil close", NULL, 1, 0},                  /* no framing */
        {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK", NULL, 1, 0},      /* 1.0 closes */
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nOK", NULL, 1, 1},
        {"HTTP/1.1 204 No Content\r\n\r\n", NULL, 1, 1},
        {"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy", NULL, 0, 1}, /* framing holds */
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n\r\n", "OK", 1, 1},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\nX-T: 1\r\n\r\n", NULL, 1, 1},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nOK\r\n0\r\n", "OK", 1, 0},
        {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nOK\r\n0\r\n\r\n", NULL, 1, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", NULL, 1, 0},
        {"HTTP/1.1 100 Continue\r\n\r\n", NULL, 0, 0},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOKHTTP/1.1 200 OK\r\n\r\n", NULL, 1, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        for (size_t step = 1; step < 40; step += 6) {
            const char *t = cases[k].txt;
            size_t n = strlen(t);
            rt_hresp_reset(&R, 0, 0, cases[k].needle, cases[k].needle ? strlen(cases[k].needle) : 0);
            /* the prober stops reading at the verdict, but every byte of
             * the read that gave it is fed */
            int done = 0;
            for (size_t i = 0; i < n && !done; i += step)
                done = rt_hresp_feed(&R, t + i, n - i < step ? n - i : step);
            if (!done)
                rt_hresp_eof(&R);
            int reuse = rt_hresp_reusable(&R);
            if (R.raw_seen < n)
                reuse = cases[k].reuse; /* the rest was never read: not judged */
            if (R.ok != cases[k].ok || reuse != cases[k].reuse)
                fail_msg("case %zu step %zu: ok %d reusable %d (%s)", k, step, R.ok, reuse,
                         R.reason);
        }
    }
}

static void test_request(void **state)
{
    (void)state;
    char buf[256];
    size_t n = rt_hreq_write(buf, sizeof buf, "/healthz", 8, "www.example.com", 15, 0);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "GET /healthz HTTP/1.1\r\nHost: www.example.com\r\nConnection: "
                             "close\r\nUser-Agent: zonec\r\n\r\n");
    n = rt_hreq_write(buf, sizeof buf, "", 0, "h", 1, 0);
    assert_memory_equal(buf, "GET / HTTP/1.1\r\n", 16);
    assert_int_equal(rt_hreq_write(buf, 10, "/", 1, "h", 1, 0), 0);
    /* keep-alive: no Connection line (HTTP/1.1 persists by default) */
    n = rt_hreq_write(buf, sizeof buf, "/", 1, "h", 1, 1);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: zonec\r\n\r\n");
}

/* checks: 0 a (tcp), 1 b (tcp), 2 s = calc(a,b) at-least 1, 3 t = calc(s, b)
 * all, 4 i = calc(a) inverted */
static const char pool[] = "abstiXY";
static rt_check_def_t D[5];
static const uint32_t kids[] = {0, 1, 2, 1, 0};

static void setup_defs(void)
{
    memset(D, 0, sizeof D);
    for (int i = 0; i < 5; i++) {
        D[i].name_off = (uint32_t)i;
        D[i].name_len = 1;
    }
    D[2].kind = D[3].kind = D[4].kind = RT_CK_CALCULATED;
    D[2].child_first = 0, D[2].child_count = 2, D[2].at_least = 1;
    D[3].child_first = 2, D[3].child_count = 2;
    D[4].child_first = 4, D[4].child_count = 1, D[4].flags = RT_CKF_INVERTED;
}

#define BIT(bm, i) ((int)(((bm) >> (i)) & 1))

static void test_derive(void **state)
{
    (void)state;
    setup_defs();
    char err[128];
    assert_int_equal(rt_health_validate(D, 5, pool, 7, kids, 5, err, sizeof err), 0);
    uint64_t bm = 0x3; /* a, b up; calculated bits stale */
    rt_health_derive(D, 5, kids, &bm, NULL);
    assert_int_equal(BIT(bm, 2), 1);
    assert_int_equal(BIT(bm, 3), 1);
    assert_int_equal(BIT(bm, 4), 0); /* inverted: a is up */
    bm &= ~(uint64_t)2;              /* b down: s still up (1 of 2), t down */
    rt_health_derive(D, 5, kids, &bm, NULL);
    assert_int_equal(BIT(bm, 2), 1);
    assert_int_equal(BIT(bm, 3), 0);
    bm &= ~(uint64_t)1; /* a down too: s down, nested t down, i up */
    rt_health_derive(D, 5, kids, &bm, NULL);
    assert_int_equal(BIT(bm, 2), 0);
    assert_int_equal(BIT(bm, 4), 1);
    bm |= 3; /* both back; t depends on s which must be updated first */
    size_t changed = rt_health_derive(D, 5, kids, &bm, NULL);
    assert_true(changed >= 3);
    assert_int_equal(BIT(bm, 3), 1);
    /* pinned s stays down */
    uint64_t pin = 1u << 2;
    bm &= ~(uint64_t)(1u << 2);
    rt_health_derive(D, 5, kids, &bm, &pin);
    assert_int_equal(BIT(bm, 2), 0);
    assert_int_equal(BIT(bm, 3), 0);
    /* validation */
    D[2].at_least = 3;
    assert_int_equal(rt_health_validate(D, 5, pool, 7, kids, 5, err, sizeof err), -1);
    setup_defs();
    D[0].host_off = 6, D[0].host_len = 2;
    assert_int_equal(rt_health_validate(D, 5, pool, 7, kids, 5, err, sizeof err), -1);
    setup_defs();
    assert_int_equal(rt_health_validate(D, 5, pool, 7, kids, 4, err, sizeof err), -1);
}

static void test_pins(void **state)
{
    (void)state;
    setup_defs();
    rt_pin_t p;
    char err[128];
    assert_int_equal(rt_health_pin_parse(D, 5, pool, "t=down", &p, err, sizeof err), 0);
    assert_int_equal(p.check, 3);
    assert_int_equal(p.up, 0);
    assert_int_equal(rt_health_pin_parse(D, 5, pool, "a=up", &p, err, sizeof err), 0);
    assert_int_equal(p.up, 1);
    assert_int_equal(rt_health_pin_parse(D, 5, pool, "zz=up", &p, err, sizeof err), -1);
    assert_int_equal(rt_health_pin_parse(D, 5, pool, "a=maybe", &p, err, sizeof err), -1);
    assert_int_equal(rt_health_pin_parse(D, 5, pool, "=up", &p, err, sizeof err), -1);
}

static void test_stats(void **state)
{
    (void)state;
    uint64_t q[3 * RT_STATS_QTYPES * RT_STATS_RCODES] = {0}, d[2] = {0};
    rt_stats_t st = {.q = q, .decisions = d, .zones = 2, .rules = 2};
    rt_stats_query(&st, 1, 28, 3);
    rt_stats_query(&st, RT_STATS_NOZONE, 1, 5);
    rt_stats_query(&st, 7, 99, 9); /* unknown zone -> slot 0 */
    rt_stats_decision(&st, 1);
    rt_stats_decision(&st, 5);     /* ignored */
    assert_int_equal(q[(2 * RT_STATS_QTYPES + 7) * RT_STATS_RCODES + 3], 1);
    assert_int_equal(q[(0 * RT_STATS_QTYPES + 0) * RT_STATS_RCODES + 5], 1);
    assert_int_equal(q[(0 * RT_STATS_QTYPES + 15) * RT_STATS_RCODES + 6], 1);
    assert_int_equal(d[1], 1);
    assert_int_equal(d[0], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_thresholds), cmocka_unit_test(test_http_judge),
        cmocka_unit_test(test_http_bounds),     cmocka_unit_test(test_http_reusable), cmocka_unit_test(test_request),
        cmocka_unit_test(test_derive),          cmocka_unit_test(test_pins),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
