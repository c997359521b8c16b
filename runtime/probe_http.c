/* probe_http.c -- HTTP/1.1 probe request writer and bounded response judge
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe_http.h"

enum { S_HDR, S_BODY, S_CHSIZE, S_CHDATA, S_CHCRLF, S_DONE };

static int finish(rt_hresp_t *r, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int finish(rt_hresp_t *r, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->ok = (uint8_t)ok;
    r->done = 1;
    r->stage = S_DONE;
    return 1;
}

void rt_hresp_reset(rt_hresp_t *r, uint16_t lo, uint16_t hi, const char *needle,
                    size_t needle_len)
{
    r->needle = needle;
    r->needle_len = needle_len;
    r->lo = lo || hi ? lo : 200;
    r->hi = lo || hi ? hi : 399;
    r->stage = S_HDR;
    r->chunked = 0;
    r->done = 0;
    r->ok = 0;
    r->status = 0;
    r->clen = -1;
    r->chunk_left = 0;
    r->raw_seen = 0;
    r->hdr_len = 0;
    r->body_len = 0;
    r->line_len = 0;
    r->reason[0] = 0;
}

/* The body test failed: say which needle (printable prefix). */
static int judge_body(rt_hresp_t *r)
{
    char shown[44];
    size_t n = r->needle_len < 40 ? r->needle_len : 40, k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)r->needle[i];
        shown[k++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
    }
    shown[k] = 0;
    return finish(r, 0, "body lacks \"%s\"%s", shown, r->needle_len > 40 ? "..." : "");
}

/* Appends decoded body bytes; returns 1 when the result is final. */
static int body_add(rt_hresp_t *r, const char *p, size_t n)
{
    size_t room = RT_HEALTH_BODY_MAX - r->body_len;
    size_t take = n < room ? n : room;
    size_t old = r->body_len;
    memcpy(r->body + old, p, take);
    r->body_len += (uint32_t)take;
    if (r->needle_len <= r->body_len) {
        size_t from = old + 1 > r->needle_len ? old + 1 - r->needle_len : 0;
        if (memmem(r->body + from, r->body_len - from, r->needle, r->needle_len))
            return finish(r, 1, "status %d, body contains the text", r->status);
    }
    if (r->body_len == RT_HEALTH_BODY_MAX)
        return judge_body(r);
    return 0;
}

/* Parses the header block hdr[0..hdr_len) (terminator excluded). */
static int headers_done(rt_hresp_t *r)
{
    const char *h = r->hdr, *end = r->hdr + r->hdr_len;
    const char *eol = memchr(h, '\n', r->hdr_len);
    if (!eol)
        eol = end;
    /* status line: HTTP/<digits>.<digits> SP 3DIGIT */
    if (eol - h < 12 || memcmp(h, "HTTP/", 5) != 0)
        return finish(r, 0, "malformed status line");
    const char *p = h + 5;
    while (p < eol && ((*p >= '0' && *p <= '9') || *p == '.'))
        p++;
    if (p >= eol || *p != ' ')
        return finish(r, 0, "malformed status line");
    while (p < eol && *p == ' ')
        p++;
    if (eol - p < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9' || (eol - p > 3 && p[3] != ' ' && p[3] != '\r'))
        return finish(r, 0, "malformed status line");
    r->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    /* the header fields that frame the body */
    for (const char *l = eol < end ? eol + 1 : end; l < end;) {
        const char *le = memchr(l, '\n', (size_t)(end - l));
        if (!le)
            le = end;
        size_t ll = (size_t)(le - l);
        if (ll > 15 && strncasecmp(l, "content-length:", 15) == 0) {
            int64_t v = 0;
            int any = 0;
            for (const char *q = l + 15; q < le; q++) {
                if (*q >= '0' && *q <= '9') {
                    if (v < (int64_t)1 << 50)
                        v = v * 10 + (*q - '0');
                    any = 1;
                } else if (*q != ' ' && *q != '\t' && *q != '\r') {
                    any = 0;
                    break;
                }
            }
            if (any)
                r->clen = v;
        } else if (ll > 18 && strncasecmp(l, "transfer-encoding:", 18) == 0) {
            for (const char *q = l + 18; q + 7 <= le; q++)
                if (strncasecmp(q, "chunked", 7) == 0)
                    r->chunked = 1;
        }
        l = le < end ? le + 1 : end;
    }
    if (r->status < r->lo || r->status > r->hi)
        return finish(r, 0, "status %d", r->status);
    if (r->needle_len == 0)
        return finish(r, 1, "status %d", r->status);
    if (r->status == 204 || r->status == 304 || (r->status >= 100 && r->status < 200) ||
        (!r->chunked && r->clen == 0))
        return judge_body(r);
    if (r->chunked) {
        r->stage = S_CHSIZE;
        r->line_len = 0;
    } else {
        r->stage = S_BODY;
        r->chunk_left = r->clen >= 0 ? (uint64_t)r->clen : UINT64_MAX;
    }
    return 0;
}

/* Feeds bytes that follow the header block. */
static int feed_body(rt_hresp_t *r, const char *p, size_t n)
{
    while (n > 0 && !r->done) {
        switch (r->stage) {
        case S_BODY: {
            size_t take = n < r->chunk_left ? n : (size_t)r->chunk_left;
            if (body_add(r, p, take))
                return 1;
            if (r->chunk_left != UINT64_MAX) {
                r->chunk_left -= take;
                if (r->chunk_left == 0)
                    return judge_body(r);
            }
            p += take;
            n -= take;
            break;
        }
        case S_CHSIZE: {
            char c = *p++;
            n--;
            if (c != '\n') {
                if (r->line_len >= sizeof r->line - 1)
                    return finish(r, 0, "malformed chunked body");
                r->line[r->line_len++] = c;
                break;
            }
            uint64_t sz = 0;
            int digits = 0;
            for (unsigned i = 0; i < r->line_len; i++) {
                char d = r->line[i];
                int v = d >= '0' && d <= '9' ? d - '0'
                        : d >= 'a' && d <= 'f' ? d - 'a' + 10
                        : d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
                if (v < 0)
                    break;     /* ";ext" or CR ends the size */
                if (++digits > 15)
                    return finish(r, 0, "malformed chunked body");
                sz = sz * 16 + (uint64_t)v;
            }
            if (digits == 0)
                return finish(r, 0, "malformed chunked body");
            r->line_len = 0;
            if (sz == 0)
                return judge_body(r);
            r->chunk_left = sz;
            r->stage = S_CHDATA;
            break;
        }
        case S_CHDATA: {
            size_t take = n < r->chunk_left ? n : (size_t)r->chunk_left;
            if (body_add(r, p, take))
                return 1;
            r->chunk_left -= take;
            p += take;
            n -= take;
            if (r->chunk_left == 0)
                r->stage = S_CHCRLF;
            break;
        }
        case S_CHCRLF: {
            char c = *p++;
            n--;
            if (c == '\n')
                r->stage = S_CHSIZE;
            else if (c != '\r')
                return finish(r, 0, "malformed chunked body");
            break;
        }
        default:
            return 1;
        }
    }
    return r->done;
}

int rt_hresp_feed(rt_hresp_t *r, const char *data, size_t len)
{
    if (r->done)
        return 1;
    r->raw_seen += len;
    if (r->stage != S_HDR)
        return feed_body(r, data, len);

    size_t room = RT_HEALTH_HDR_MAX - r->hdr_len;
    size_t take = len < room ? len : room;
    size_t from = r->hdr_len >= 3 ? r->hdr_len - 3 : 0;
    memcpy(r->hdr + r->hdr_len, data, take);
    r->hdr_len += (uint32_t)take;
    /* the end of the header block: CRLF CRLF (or bare LF LF) */
    size_t e = 0;
    for (size_t i = from; i < r->hdr_len && !e; i++) {
        if (r->hdr[i] != '\n')
            continue;
        if (i + 1 < r->hdr_len && r->hdr[i + 1] == '\n')
            e = i + 2;
        else if (i + 2 < r->hdr_len && r->hdr[i + 1] == '\r' && r->hdr[i + 2] == '\n')
            e = i + 3;
    }
    if (!e) {
        if (r->hdr_len == RT_HEALTH_HDR_MAX)
            return finish(r, 0, "response headers longer than %u bytes", RT_HEALTH_HDR_MAX);
        if (r->hdr_len >= 5 && memcmp(r->hdr, "HTTP/", 5) != 0)
            return finish(r, 0, "malformed status line");
        return 0;
    }
    size_t extra = r->hdr_len - e;
    r->hdr_len = (uint32_t)e;
    if (headers_done(r))
        return 1;
    if (extra && feed_body(r, r->hdr + e, extra))
        return 1;
    if (len > take)
        return feed_body(r, data + take, len - take);
    return 0;
}

int rt_hresp_eof(rt_hresp_t *r)
{
    if (r->done)
        return 1;
    if (r->stage == S_HDR)
        return r->hdr_len == 0 ? finish(r, 0, "empty response")
                               : finish(r, 0, "connection closed inside the response headers");
    return judge_body(r);
}

size_t rt_hreq_write(char *out, size_t cap, const char *path, size_t path_len,
                     const char *host, size_t host_len)
{
    if (path_len == 0) {
        path = "/";
        path_len = 1;
    }
    int n = snprintf(out, cap,
                     "GET %.*s HTTP/1.1\r\nHost: %.*s\r\nConnection: close\r\n"
                     "User-Agent: zonec\r\n\r\n",
                     (int)path_len, path, (int)host_len, host);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
