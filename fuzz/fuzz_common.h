/* fuzz_common.h -- shared helpers of the libFuzzer targets in fuzz/
 * SPDX-License-Identifier: MIT
 *
 * Included by exactly one target per binary (everything is static).
 *
 *   fuzz_quiet()          diagnostics to /dev/null, once per process
 *   fuzz_block_files()    while on, the compiler cannot open any file but
 *                         the fixtures of fuzz/data and iso-codes: the
 *                         harness links with -Wl,--wrap=open,--wrap=fopen
 *                         (scripts/fuzz.sh), so an input that says
 *                         `include "/dev/zero"` or `$INCLUDE /etc/passwd`
 *                         gets ENOENT instead of touching the host
 *   fuzz_check_response() invariants every response must hold
 *   fuzz_compile_and_query()  the rest of the pipeline after a reader:
 *                         check, finish, layout, open the blob, ask every
 *                         name a few questions and check each response
 *   fuzz_add_skeleton()   apex SOA and NS for zones that lack them
 *
 * A broken invariant calls fuzz_fail(), which prints why and aborts, so
 * libFuzzer saves the input as a crash.
 */
#ifndef ZONEC_FUZZ_COMMON_H
#define ZONEC_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ir.h"
#include "layout.h"
#include "pir.h"
#include "playout.h"
#include "query.h"

/* ---- file access while an input is processed --------------------------- */

/* While blocked, the only files the compiler can open are the ISO 3166 code
 * lists (iso-codes, read-only system data) and the fixtures in fuzz/data/:
 * the inputs are read as "/nonexistent/<something>", so `geodata
 * "geo.csv"` and `latency "latency.yaml"` name /nonexistent/geo.csv and
 * /nonexistent/latency.yaml, which are redirected to $ZONEC_FUZZ_DATA
 * (default fuzz/data, relative to the repository root where fuzz.sh runs). */
static int fuzz_files_blocked;

static inline const char *fuzz_redirect(const char *path, char *buf, size_t cap)
{
    static const char *const fixtures[] = {"geo.csv", "latency.yaml"};
    static const char prefix[] = "/nonexistent/";
    if (strncmp(path, prefix, sizeof prefix - 1) == 0) {
        const char *name = path + sizeof prefix - 1;
        for (size_t i = 0; i < sizeof fixtures / sizeof *fixtures; i++) {
            if (strcmp(name, fixtures[i]) == 0) {
                const char *dir = getenv("ZONEC_FUZZ_DATA");
                snprintf(buf, cap, "%s/%s", dir ? dir : "fuzz/data", name);
                return buf;
            }
        }
    }
    if (!fuzz_files_blocked || strncmp(path, "/usr/share/iso-codes/", 21) == 0)
        return path;
    return NULL;
}

int __real_open(const char *path, int flags, ...);
FILE *__real_fopen(const char *path, const char *mode);
int __wrap_open(const char *path, int flags, ...);
FILE *__wrap_fopen(const char *path, const char *mode);

int __wrap_open(const char *path, int flags, ...)
{
    char buf[4096];
    const char *p = fuzz_redirect(path, buf, sizeof buf);
    if (!p) {
        errno = ENOENT;
        return -1;
    }
    int mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    return __real_open(p, flags, mode);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    char buf[4096];
    const char *p = fuzz_redirect(path, buf, sizeof buf);
    if (!p) {
        errno = ENOENT;
        return NULL;
    }
    return __real_fopen(p, mode);
}

static inline void fuzz_block_files(int on)
{
    fuzz_files_blocked = on;
}

/* ---- set-up ------------------------------------------------------------- */

static inline void fuzz_quiet(void)
{
    static FILE *devnull;
    if (getenv("ZONEC_FUZZ_VERBOSE")) /* show diagnostics when reproducing */
        return;
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        /* diagnostics are still formatted (ASan checks every argument),
         * but without a lock per character and with fewer writes */
        if (devnull) {
            __fsetlocking(devnull, FSETLOCKING_BYCALLER);
            setvbuf(devnull, NULL, _IOFBF, 1 << 16);
        }
    }
    diag_set_stream(devnull);
}

__attribute__((noreturn, format(printf, 1, 2))) static inline void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* ---- response invariants ------------------------------------------------ */

static inline uint16_t fuzz_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Skips a name at msg[pos..len): labels <= 63, pointers only backwards to
 * offsets >= 12, 255 bytes at most. Returns the position after it or 0. */
static inline size_t fuzz_skip_name(const uint8_t *msg, size_t len, size_t pos)
{
    size_t after = 0, total = 0, p = pos;
    unsigned hops = 0;
    for (;;) {
        if (p >= len)
            return 0;
        uint8_t l = msg[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 2 > len)
                return 0;
            size_t target = (size_t)(fuzz_u16(msg + p) & 0x3fff);
            if (target < 12 || target >= p || ++hops > 128)
                return 0;
            if (!after)
                after = p + 2;
            p = target;
            continue;
        }
        if (l > 63)
            return 0;
        total += 1u + l;
        if (total > 255 || p + 1u + l > len)
            return 0;
        p += 1u + l;
        if (l == 0)
            return after ? after : p;
    }
}

/* Checks a response to `query` (qlen bytes, before processing).
 * `limit` is the most the transport allows (cap, or the UDP maximum). */
static inline void fuzz_check_response(const uint8_t *query, size_t qlen, const uint8_t *resp,
                                size_t rlen, size_t cap, int tcp)
{
    if (rlen > cap)
        fuzz_fail("response of %zu bytes is longer than the buffer (%zu)", rlen, cap);
    if (rlen == 0)
        return;
    if (rlen < 12)
        fuzz_fail("response of %zu bytes is shorter than a header", rlen);
    if (qlen < 12)
        fuzz_fail("answered a %zu-byte query (shorter than a header)", qlen);
    if (query[2] & 0x80)
        fuzz_fail("answered a query with QR=1");
    if (resp[0] != query[0] || resp[1] != query[1])
        fuzz_fail("ID not echoed");
    if (!(resp[2] & 0x80))
        fuzz_fail("QR not set in the response");
    if (!tcp && rlen > RT_EDNS_MAX_UDP)
        fuzz_fail("UDP response of %zu bytes (max %u)", rlen, RT_EDNS_MAX_UDP);
    unsigned qd = fuzz_u16(resp + 4), an = fuzz_u16(resp + 6), ns = fuzz_u16(resp + 8),
             ar = fuzz_u16(resp + 10);
    if (qd > 1)
        fuzz_fail("QDCOUNT %u in a response", qd);
    size_t pos = 12;
    if (qd) {
        size_t e = fuzz_skip_name(resp, rlen, pos);
        if (!e || e + 4 > rlen)
            fuzz_fail("question section malformed");
        /* the question is the client's, byte for byte (letter case too) */
        if (e + 4 > qlen || memcmp(resp + 12, query + 12, e + 4 - 12) != 0)
            fuzz_fail("question not echoed as sent");
        pos = e + 4;
    }
    unsigned opts = 0;
    for (unsigned i = 0; i < an + ns + ar; i++) {
        size_t owner = pos;
        size_t e = fuzz_skip_name(resp, rlen, pos);
        if (!e || e + 10 > rlen)
            fuzz_fail("RR %u of %u malformed (at %zu of %zu)", i, an + ns + ar, pos, rlen);
        uint16_t type = fuzz_u16(resp + e), rdlen = fuzz_u16(resp + e + 8);
        if (e + 10 + rdlen > rlen)
            fuzz_fail("RR %u rdata runs past the end", i);
        if (type == 41) {
            if (i < an + ns)
                fuzz_fail("OPT outside the additional section");
            if (resp[owner] != 0)
                fuzz_fail("OPT owner is not the root");
            if (++opts > 1)
                fuzz_fail("more than one OPT");
        }
        pos = e + 10 + rdlen;
    }
    if (pos != rlen)
        fuzz_fail("%zu bytes after the last RR (counts %u/%u/%u/%u)", rlen - pos, qd, an, ns, ar);
}

/* A pair of heap buffers of exactly `size` bytes each, so ASan sees any
 * write past them. The pairs of the last few sizes are kept for the life of
 * the process: a malloc and free of up to 64 KiB twice per query was half
 * of the query time of the zone and zpl targets. */
#define FUZZ_BUF_SIZES 4
static inline void fuzz_buffers(size_t size, uint8_t **a, uint8_t **b)
{
    static struct {
        size_t size;
        uint8_t *a, *b;
    } slot[FUZZ_BUF_SIZES];
    static unsigned next;
    for (unsigned i = 0; i < FUZZ_BUF_SIZES; i++)
        if (slot[i].a && slot[i].size == size) {
            *a = slot[i].a;
            *b = slot[i].b;
            return;
        }
    unsigned i = next++ % FUZZ_BUF_SIZES;
    free(slot[i].a);
    free(slot[i].b);
    slot[i].a = malloc(size);
    slot[i].b = malloc(size);
    if (!slot[i].a || !slot[i].b)
        abort();
    slot[i].size = size;
    *a = slot[i].a;
    *b = slot[i].b;
}

/* Runs the query in `q` (qlen bytes) through the packet path twice, with
 * different garbage in the 1 KiB after the query and the same random
 * state: both responses must be equal (nothing reads past the query or
 * uninitialised bytes) and valid. The buffer is exactly `cap` bytes (or
 * the query's length when longer) on the heap, so ASan sees any write past
 * it. The response is copied to `out` (cap bytes) unless NULL.
 * Returns the response length. */
static inline size_t fuzz_query_twice(const rt_db_t *db, const uint8_t *q, size_t qlen, size_t cap,
                                       const rt_peer_t *peer, uint8_t *out)
{
    size_t size = qlen > cap ? qlen : cap;
    uint8_t *a, *b;
    fuzz_buffers(size, &a, &b);
    memcpy(a, q, qlen);
    memcpy(b, q, qlen);
    /* different garbage right after the query, where an overread would look */
    size_t fill = size - qlen < 1024 ? size - qlen : 1024;
    memset(a + qlen, 0x00, fill);
    memset(b + qlen, 0xA5, fill);
    rt_ctx_t ca = {.db = db, .rng = 0x9e3779b97f4a7c15ull}, cb = ca;
    size_t ra = rt_query_process(&ca, a, qlen, cap, peer);
    size_t rb = rt_query_process(&cb, b, qlen, cap, peer);
    fuzz_check_response(q, qlen, a, ra, cap, peer && peer->tcp);
    if (getenv("ZONEC_FUZZ_VERBOSE")) {
        if (ra >= 12)
            fprintf(stderr, "response: %zu bytes, flags %02x%02x, rcode %u, counts %u/%u/%u/%u\n", ra,
                    a[2], a[3], a[3] & 15u, fuzz_u16(a + 4), fuzz_u16(a + 6), fuzz_u16(a + 8),
                    fuzz_u16(a + 10));
        else
            fprintf(stderr, "response: none (%zu)\n", ra);
    }
    if (ra != rb || memcmp(a, b, ra) != 0)
        fuzz_fail("same query, different responses (%zu vs %zu bytes): a read past the query?",
                  ra, rb);
    if (out)
        memcpy(out, a, ra);
    return ra;
}

/* ---- the pipeline after a reader ----------------------------------------- */

/* A query for `name` (wire) / `type`, with EDNS when `edns`. */
static inline size_t fuzz_make_query(uint8_t *buf, const uint8_t *name, size_t nlen, uint16_t type,
                              int edns)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(buf, hdr, 12);
    buf[11] = edns ? 1 : 0;
    memcpy(buf + 12, name, nlen);
    size_t n = 12 + nlen;
    buf[n++] = (uint8_t)(type >> 8);
    buf[n++] = (uint8_t)type;
    buf[n++] = 0;
    buf[n++] = 1;
    if (edns) {
        static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
        memcpy(buf + n, opt, sizeof opt);
        n += sizeof opt;
    }
    return n;
}

#define FUZZ_MAX_QUERIES 48

/* Client addresses: in and out of fuzz/data/geo.csv and latency.yaml, so
 * geo, latency, proximity and cidr policies take different branches. */
static inline void fuzz_peer(unsigned i, int tcp, rt_peer_t *p)
{
    static const uint8_t v4[5][4] = {
        {192, 0, 2, 1}, {192, 0, 2, 200}, {198, 51, 100, 7}, {10, 1, 2, 3}, {203, 0, 113, 5}};
    static const uint8_t v6[3][16] = {
        {0x20, 0x01, 0x0d, 0xb8, [15] = 5},
        {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 9},
        {0xfe, 0x80, [15] = 1}};
    memset(p, 0, sizeof *p);
    p->tcp = (uint8_t)tcp;
    i %= 8;
    if (i < 5) {
        p->family = 4;
        memcpy(p->addr, v4[i], 4);
    } else {
        p->family = 6;
        memcpy(p->addr, v6[i - 5], 16);
    }
}

/* Does text[0..len) mention "soa" in any letter case? */
static inline int fuzz_mentions_soa(const uint8_t *text, size_t len)
{
    for (size_t i = 0; i + 3 <= len; i++)
        if ((text[i] | 0x20) == 's' && (text[i + 1] | 0x20) == 'o' && (text[i + 2] | 0x20) == 'a')
            return 1;
    return 0;
}

/* Gives every zone without an apex SOA an SOA, and without apex NS an NS
 * (ns.invalid.), so that mutated inputs which lost them still reach the
 * layout and the runtime. The targets call it only for inputs that never
 * mention "soa", so inputs that do still test the missing-SOA/NS checks. */
static inline void fuzz_add_skeleton(ir_t *ir)
{
    static const uint8_t soa[] = {2, 'n', 's', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
                                  1, 'h', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
                                  0, 0, 0, 1, 0, 0, 0x0e, 0x10, 0, 0, 0x02, 0x58,
                                  0, 0x09, 0x3a, 0x80, 0, 0, 0, 0x3c};
    static const uint8_t ns[] = {2, 'n', 's', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0};
    for (ir_zone_t *z = ir->zones; z; z = z->next) {
        const ir_node_t *apex = ir_node_find(z, z->apex);
        loc_t loc = z->loc;
        if (!apex || !ir_rrset_find(apex, 6))
            ir_add_rr(ir, z, z->apex, 6, 3600, soa, sizeof soa, loc);
        if (!apex || !ir_rrset_find(apex, 2))
            ir_add_rr(ir, z, z->apex, 2, 3600, ns, sizeof ns, loc);
    }
}

/* The rest of the pipeline after the readers, in the order of
 * compiler/main.c: policies, checks, finish, policy layout, layout.
 * Returns: 0 with *blob set (the caller frees it), 1 when a phase reported
 * an error (nothing to free). A failure without a diagnostic is a bug. */
static inline int fuzz_build_blob(ir_t *ir, uint32_t seed, uint8_t **blob, size_t *len)
{
    unsigned before = diag_error_count();
    *blob = NULL;
    *len = 0;
    pir_t pir;
    memset(&pir, 0, sizeof pir);
    /* without ZPL files (fuzz_zone) there is nothing to build: skip its
     * set-up (two 64 KiB blocks per call) */
    if (ir->zpl_file_count > 0 &&
        (pir_build(&pir, ir, ir->zpl_files, ir->zpl_file_count) != 0 || diag_error_count() > before))
        return 1;
    for (uint32_t i = 0; i < pir.policy_count; i++)
        if (playout_owner_missing(&pir, i))
            ir_node_add(ir, pir.policies[i].zone, pir.policies[i].owner, pir.policies[i].loc);
    ir_check(ir);
    if (diag_error_count() > before)
        return 1;
    ir_finish(ir);
    if (diag_error_count() > before)
        return 1;
    playout_t pl;
    memset(&pl, 0, sizeof pl);
    if (pir.policy_count > 0 || pir.check_count > 0) {
        if (playout_build(&pl, &pir, ir) != 0 || diag_error_count() > before) {
            playout_free(&pl);
            return 1;
        }
        ir->playout = &pl;
    }
    int rc = layout_build(ir, seed, blob, len);
    ir->playout = NULL;
    playout_free(&pl);
    if (rc != 0 || diag_error_count() > before) {
        if (diag_error_count() == before)
            fuzz_fail("layout_build failed (%d) without a diagnostic", rc);
        free(*blob);
        *blob = NULL;
        return 1;
    }
    return 0;
}

/* After a reader: the rest of the pipeline (fuzz_build_blob). The IR holds
 * only what the reader accepted (a bad record is reported and dropped), so
 * this runs even after reader errors: phases that report nothing new must
 * give a blob that rt_db_open() accepts; then a few queries per name (up
 * to FUZZ_MAX_QUERIES in all) must give valid responses. */
static inline void fuzz_compile_and_query(ir_t *ir)
{
    if (ir->zones == NULL)
        return;
    uint8_t *blob;
    size_t len;
    if (fuzz_build_blob(ir, 0, &blob, &len) != 0)
        return;
    int rc;
    rt_db_t db;
    rc = rt_db_open(&db, blob, len);
    if (rc != 0)
        fuzz_fail("the runtime rejects a blob the compiler made: %s", rt_strerror(rc));
    static const uint16_t types[] = {1, 255, 28, 15, 6, 16};
    unsigned nq = 0;
    uint8_t q[512];
    for (ir_zone_t *z = ir->zones; z && nq < FUZZ_MAX_QUERIES; z = z->next) {
        for (size_t i = 0; i < z->node_count && nq < FUZZ_MAX_QUERIES; i++) {
            const ir_node_t *n = z->sorted ? z->sorted[i] : NULL;
            if (!n)
                break;
            uint16_t first = n->rrsets ? n->rrsets->type : 1;
            for (unsigned t = 0; t < 3 && nq < FUZZ_MAX_QUERIES; t++, nq++) {
                uint16_t type = t == 0 ? first : types[(i + t) % (sizeof types / sizeof *types)];
                size_t ql = fuzz_make_query(q, n->name, n->name_len, type, t == 1);
                rt_peer_t peer;
                fuzz_peer(nq, t == 2, &peer);
                fuzz_query_twice(&db, q, ql, t == 2 ? 65535 : 4096, &peer, NULL);
            }
            /* a child name: wildcard synthesis or NXDOMAIN */
            if (n->name_len + 2 <= 255 && nq < FUZZ_MAX_QUERIES) {
                uint8_t child[256] = {1, 'x'};
                memcpy(child + 2, n->name, n->name_len);
                size_t ql = fuzz_make_query(q, child, n->name_len + 2u, 1, 1);
                rt_peer_t peer;
                fuzz_peer(nq, 0, &peer);
                fuzz_query_twice(&db, q, ql, 4096, &peer, NULL);
                nq++;
            }
        }
    }
    free(blob);
}

#endif
