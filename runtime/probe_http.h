/* probe_http.h -- HTTP/1.1 probe request writer and bounded response judge
 * SPDX-License-Identifier: MIT
 *
 * Pure code (no I/O, no allocation): the prober (health.c) feeds it the
 * bytes it reads and it says when the answer is known. Memory is bounded by
 * the struct: at most RT_HEALTH_HDR_MAX header bytes and RT_HEALTH_BODY_MAX
 * (decoded) body bytes are kept; an endless body is cut there. Bodies may be
 * identity (Content-Length or until close) or chunked.
 *
 * Keep-alive: besides the verdict the judge follows the message's framing
 * (Content-Length, chunked with trailers, no body for 204/304) through every
 * byte it is fed, also after the verdict, so rt_hresp_reusable() can say
 * whether the connection ended exactly at the end of one complete response
 * that did not ask to close it -- the only case in which the prober may send
 * its next request on the same connection.
 */
#ifndef ZONEC_PROBE_HTTP_H
#define ZONEC_PROBE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "health.h"

typedef struct rt_hresp {
    /* the test: status in [lo, hi], body (first 5120 bytes) contains needle */
    const char *needle;
    size_t needle_len;
    uint16_t lo, hi;
    /* state */
    uint8_t stage;             /* internal: framing position */
    uint8_t chunked;
    uint8_t done;              /* 1: result below is final */
    uint8_t ok;                /* 1: passed */
    uint8_t keep;              /* the response allows another request (no close) */
    uint8_t extra;             /* bytes came after the end of the response */
    int status;                /* parsed status code, 0 before */
    int64_t clen;              /* Content-Length, -1 unknown */
    uint64_t chunk_left;
    uint64_t raw_seen;         /* bytes fed */
    uint32_t hdr_len, body_len;
    uint8_t line_len;
    char line[24];             /* chunk-size line */
    char reason[112];          /* why it passed / failed (for the log) */
    char hdr[RT_HEALTH_HDR_MAX];
    char body[RT_HEALTH_BODY_MAX];
} rt_hresp_t;

/* Resets r for a new probe with the given test (lo = hi = 0: 200..399;
 * needle_len 0: no body test). needle must outlive the probe. */
void rt_hresp_reset(rt_hresp_t *r, uint16_t lo, uint16_t hi, const char *needle,
                    size_t needle_len);

/* Feeds received bytes. Returns: 1 when the result is final (r->done,
 * r->ok, r->reason), 0 when more bytes are wanted. Bytes after the result
 * only advance the framing (see rt_hresp_reusable); every byte of data is
 * consumed. */
int rt_hresp_feed(rt_hresp_t *r, const char *data, size_t len);

/* Returns: 1 when the bytes fed so far are exactly one complete response
 * (status >= 200, delimited by Content-Length, chunked encoding or a
 * bodiless status) that did not say `Connection: close` (HTTP/1.0: that
 * said `keep-alive`), so the connection may carry another request. */
int rt_hresp_reusable(const rt_hresp_t *r);

/* The peer closed the connection. Returns: 1 (the result is now final). */
int rt_hresp_eof(rt_hresp_t *r);

/* Writes the probe request "GET path HTTP/1.1\r\nHost: host\r\nConnection:
 * close\r\nUser-Agent: zonec\r\n\r\n" into out[0..cap); with keep_alive
 * the Connection line is left out (HTTP/1.1 connections persist by default).
 * Returns: its length, or 0 if it does not fit. */
size_t rt_hreq_write(char *out, size_t cap, const char *path, size_t path_len,
                     const char *host, size_t host_len, int keep_alive);

#endif
