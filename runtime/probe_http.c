/* probe_http.c -- HTTP/1.1 probe request writer and bounded response judge
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "probe_http.h"

/* framing position: S_END = one complete response seen, S_BAD = not HTTP
 * (malformed or over a limit): nothing more is parsed */
enum { S_HDR, S_BODY, S_CHSIZE, S_CHDATA, S_CHCRLF, S_TRAILER, S_END, S_BAD };

static int finish(rt_hresp_t *r, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets the verdict (the first one holds); framing goes on. */
static int finish(rt_hresp_t *r, int ok, const char *fmt, ...)
{
    if (r->done)
        return 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->ok = (uint8_t)ok;
    r->done = 1;
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
    r->keep = 0;
    r->extra = 0;
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
    if (r->done)
        return 1;
    char shown[44];
    size_t n = r->needle_len < 40 ? r->needle_len : 40, k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)r->needle[i];
        shown[k++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
    }
    shown[k] = 0;
    return finish(r, 0, "body lacks \"%s\"%s", shown, r->needle_len > 40 ? "..." : "");
}

/* Not HTTP: fails and stops parsing (the connection is not reusable). */
static int bad(rt_hresp_t *r, const char *what)
{
    r->stage = S_BAD;
    r->keep = 0;
    return finish(r, 0, "%s", what);
}

/* Appends decoded body bytes while the verdict is open. */
static void body_add(rt_hresp_t *r, const char *p, size_t n)
{
    if (r->done)
        return;
    size_t room = RT_HEALTH_BODY_MAX - r->body_len;
    size_t take = n < room ? n : room;
    size_t old = r->body_len;
    memcpy(r->body + old, p, take);
    r->body_len += (uint32_t)take;
    if (r->needle_len <= r->body_len) {
        size_t from = old + 1 > r->needle_len ? old + 1 - r->needle_len : 0;
        if (memmem(r->body + from, r->body_len - from, r->needle, r->needle_len)) {
            finish(r, 1, "status %d, body contains the text", r->status);
            return;
        }
    }
    if (r->body_len == RT_HEALTH_BODY_MAX)
        judge_body(r);
}

/* Does header line l[0..n) (after the colon) list token t (case-insensitive)? */
static int has_token(const char *l, size_t n, const char *t, size_t tn)
{
    for (size_t i = 0; i + tn <= n; i++)
        if (strncasecmp(l + i, t, tn) == 0 && (i == 0 || l[i - 1] == ' ' || l[i - 1] == ',' ||
                                               l[i - 1] == '\t'))
            return 1;
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
        return bad(r, "malformed status line");
    const char *p = h + 5;
    while (p < eol && ((*p >= '0' && *p <= '9') || *p == '.'))
        p++;
    if (p >= eol || *p != ' ')
        return bad(r, "malformed status line");
    int http10 = p - (h + 5) == 3 && memcmp(h + 5, "1.0", 3) == 0;
    while (p < eol && *p == ' ')
        p++;
    if (eol - p < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9' || (eol - p > 3 && p[3] != ' ' && p[3] != '\r'))
        return bad(r, "malformed status line");
    r->status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    /* the header fields that frame the body and say whether it persists */
    int close = 0, keep_alive = 0;
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
            else
                close = 1;         /* unusable length: never reuse */
        } else if (ll > 18 && strncasecmp(l, "transfer-encoding:", 18) == 0) {
            if (has_token(l + 18, ll - 18, "chunked", 7))
                r->chunked = 1;
        } else if (ll > 11 && strncasecmp(l, "connection:", 11) == 0) {
            close |= has_token(l + 11, ll - 11, "close", 5);
            keep_alive |= has_token(l + 11, ll - 11, "keep-alive", 10);
        }
        l = le < end ? le + 1 : end;
    }
    /* framing (RFC 9112 section 6.3): no body for 1xx/204/304, chunked wins
     * over a length (and then the connection is not trusted further), else
     * Content-Length, else until close */
    r->keep = (uint8_t)(!close && (!http10 || keep_alive));
    if (r->status < 200 || r->status == 204 || r->status == 304) {
        r->stage = S_END;
        if (r->status < 200)
            r->keep = 0;           /* an interim response: not followed further */
    } else if (r->chunked) {
        r->stage = S_CHSIZE;
        r->line_len = 0;
        if (r->clen >= 0)
            r->keep = 0;
    } else if (r->clen >= 0) {
        r->stage = r->clen == 0 ? S_END : S_BODY;
        r->chunk_left = (uint64_t)r->clen;
    } else {
        r->stage = S_BODY;
        r->chunk_left = UINT64_MAX;
        r->keep = 0;
    }
    if (r->status < r->lo || r->status > r->hi)
        return finish(r, 0, "status %d", r->status);
    if (r->needle_len == 0)
        return finish(r, 1, "status %d", r->status);
    if (r->stage == S_END)
        return judge_body(r);
    return 0;
}

/* Feeds bytes that follow the header block: the body test while the verdict
 * is open, the framing always. */
static void feed_body(rt_hresp_t *r, const char *p, size_t n)
{
    while (n > 0) {
        switch (r->stage) {
        case S_BODY: {
            size_t take = n < r->chunk_left ? n : (size_t)r->chunk_left;
            body_add(r, p, take);
            if (r->chunk_left != UINT64_MAX) {
                r->chunk_left -= take;
                if (r->chunk_left == 0) {
                    r->stage = S_END;
                    judge_body(r);
                }
            }
            p += take;
            n -= take;
            break;
        }
        case S_CHSIZE: {
            char c = *p++;
            n--;
            if (c != '\n') {
                if (r->line_len >= sizeof r->line - 1) {
                    bad(r, "malformed chunked body");
                    return;
                }
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
                if (++digits > 15) {
                    bad(r, "malformed chunked body");
                    return;
                }
                sz = sz * 16 + (uint64_t)v;
            }
            if (digits == 0) {
                bad(r, "malformed chunked body");
                return;
            }
            r->line_len = 0;
            if (sz == 0) {
                r->stage = S_TRAILER;  /* trailer fields, then an empty line */
                judge_body(r);
                break;
            }
            r->chunk_left = sz;
            r->stage = S_CHDATA;
            break;
        }
        case S_CHDATA: {
            size_t take = n < r->chunk_left ? n : (size_t)r->chunk_left;
            body_add(r, p, take);
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
            else if (c != '\r') {
                bad(r, "malformed chunked body");
                return;
            }
            break;
        }
        case S_TRAILER: {
            char c = *p++;
            n--;
            if (c == '\n') {
                if (r->line_len == 0)
                    r->stage = S_END;
                r->line_len = 0;
            } else if (c != '\r') {
                r->line_len = 1;   /* inside a trailer field */
            }
            break;
        }
        case S_END:
            r->extra = 1;          /* bytes nobody asked for */
            return;
        default:
            return;
        }
    }
}

int rt_hresp_feed(rt_hresp_t *r, const char *data, size_t len)
{
    r->raw_seen += len;
    if (r->stage != S_HDR) {
        feed_body(r, data, len);
        return r->done;
    }

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
        if (r->hdr_len == RT_HEALTH_HDR_MAX) {
            r->stage = S_BAD;
            r->keep = 0;
            return finish(r, 0, "response headers longer than %u bytes", RT_HEALTH_HDR_MAX);
        }
        if (r->hdr_len >= 5 && memcmp(r->hdr, "HTTP/", 5) != 0)
            return bad(r, "malformed status line");
        return 0;
    }
    size_t extra = r->hdr_len - e;
    r->hdr_len = (uint32_t)e;
    headers_done(r);
    if (r->stage == S_BAD)
        return 1;
    if (extra)
        feed_body(r, r->hdr + e, extra);
    if (len > take)
        feed_body(r, data + take, len - take);
    return r->done;
}

int rt_hresp_eof(rt_hresp_t *r)
{
    r->keep = 0;
    if (r->done)
        return 1;
    if (r->stage == S_HDR)
        return r->hdr_len == 0 ? finish(r, 0, "empty response")
                               : finish(r, 0, "connection closed inside the response headers");
    return judge_body(r);
}

int rt_hresp_reusable(const rt_hresp_t *r)
{
    return r->stage == S_END && r->keep && !r->extra && r->status >= 200;
}

size_t rt_hreq_write(char *out, size_t cap, const char *path, size_t path_len,
                     const char *host, size_t host_len, int keep_alive)
{
    if (path_len == 0) {
        path = "/";
        path_len = 1;
    }
    int n = snprintf(out, cap,
                     "GET %.*s HTTP/1.1\r\nHost: %.*s\r\n%sUser-Agent: zonec\r\n\r\n",
                     (int)path_len, path, (int)host_len, host,
                     keep_alive ? "" : "Connection: close\r\n");
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}
