/* query.h -- the packet path: one query in, one response out, in place
 * SPDX-License-Identifier: MIT
 *
 * rt_query_process() is the only entry point of the authoritative logic. The
 * server loop (net.c) and `zonec query` both call it, so the simulation is
 * the server. It works in the caller's buffer: the query is read from
 * buf[0..len) and the response is written over it, up to `cap` bytes (cap
 * must be at least RT_BUF_MIN). It allocates nothing and takes no lock.
 */
#ifndef ZONEC_QUERY_H
#define ZONEC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "policy_eval.h"
#include "rt.h"
#include "rt_mphf.h"

#define RT_BUF_MIN 65535u /* callers give a buffer that holds any TCP message */
#define RT_EDNS_MAX_UDP 1232u /* our advertised and maximum UDP payload */

/* A validated view of a blob; plain pointers into it, no copies. */
typedef struct rt_db {
    const rt_blob_header_t *hdr;
    const rt_zone_t *zones;
    const rt_node_t *nodes;
    const rt_typeent_t *typeents;
    const rt_image_t *images;
    const uint8_t *bytes;
    const void *mphf; /* cmph packed */
    rt_mphf_t mph;    /* its reader (rt_mphf.h), set by rt_db_open*() */
    rt_policy_db_t pol; /* routing policies (pol.hdr NULL: none) */
    /* Process-wide settings the server (runtime/main.c) or `zonec query` sets
     * after opening; rt_db_open*() leave them 0. (Added by R1.) */
    const uint64_t *health; /* check states, rt_policy_health_words() words, used
                               when ctx->health is NULL; NULL = all healthy.
                               The prober stores whole words (relaxed). */
    uint64_t rng_seed;      /* != 0: a ctx with rng_seeded == 0 starts its rng
                               from this value at its first random draw (--seed) */
    /* Live health (added by H): the prober's published bitmap (health.h),
     * health_words words. When set (and ctx->health is NULL) every policy
     * evaluation takes a snapshot of it (acquire loads into a stack array)
     * instead of reading db->health. */
    const _Atomic uint64_t *health_live;
    size_t health_words;
    struct rt_stats *const *thread_stats; /* --http counters (metrics.h) of worker
                                             thread t < nthread_stats, counted by
                                             net.c; NULL = none */
    unsigned nthread_stats;
} rt_db_t;

/* Checks magic, ABI version, section bounds and alignment of `blob`, and
 * every zone, node, type entry and image in it (O(names)), and fills `db`.
 * Returns: 0, or a negative RT_E* code (rt_strerror()). */
int rt_db_open(rt_db_t *db, const void *blob, size_t len);

/* The same checks for the header, the sections and the zones only: O(zones),
 * so start-up does not touch the tables of a large blob (the server uses it
 * for its own embedded blob; rt_query_process() bounds-checks every table
 * index it follows, so a corrupt entry yields SERVFAIL, not a crash).
 * Returns: 0, or a negative RT_E* code. (Added by D.) */
int rt_db_open_lazy(rt_db_t *db, const void *blob, size_t len);

/* Where a query came from: the transport address, later also the basis
 * for client-dependent answers (EDNS Client Subnet, RFC 7871). */
typedef struct rt_peer {
    uint8_t family;    /* 4 or 6 (0 = unknown) */
    uint8_t tcp;       /* 1 when the query came over TCP (no UDP size limit) */
    uint8_t addr[16];  /* IPv4 in the first 4 bytes */
} rt_peer_t;

/* Per-thread state of the packet path, set up once at start-up. */
typedef struct rt_ctx {
    const rt_db_t *db;
    uint64_t rng;      /* xorshift state for policies that draw at random */
    const uint64_t *health; /* check states, rt_policy_health_words() words;
                               NULL = db->health */
    uint8_t rng_seeded;     /* 0: take db->rng_seed (if set) before the first policy */
    /* Set by every rt_query_process() call, for the caller's counters (H): */
    uint32_t last_zone;     /* zone index of the answer; RT_CTX_NOZONE: none (REFUSED ...) */
    uint32_t last_policy;   /* policy evaluated for it; RT_PNONE: none */
} rt_ctx_t;

#define RT_CTX_NOZONE 0xffffffffu /* == RT_STATS_NOZONE (metrics.h) */
#define RT_HEALTH_SNAP_WORDS 1024u /* the snapshot's stack array: 65536 checks */

/* Answers the DNS message in buf[0..len) in place.
 * The response never exceeds min(cap, the transport limit): 65535 over TCP,
 * 512 over UDP without EDNS, else the client's payload clamped to
 * 512..RT_EDNS_MAX_UDP. So a UDP caller may pass a smaller buffer (cap >=
 * max(len, RT_EDNS_MAX_UDP)); cap < 512 or cap < len drops the packet.
 * `peer` may be NULL (treated as UDP). Protocol choices (drop vs FORMERR,
 * NOTIMP, REFUSED, BADVERS ...) follow Knot DNS 3.2.6; see query.c.
 * Returns: the response length, or 0 when the packet must be dropped (QR=1,
 * shorter than a header, QDCOUNT > 1, a question that does not parse).
 * Thread-safety: reentrant; ctx is per thread. */
size_t rt_query_process(rt_ctx_t *ctx, uint8_t *buf, size_t len, size_t cap,
                        const rt_peer_t *peer);

/* One datagram of a batch for rt_query_process_batch(). */
typedef struct rt_qitem {
    uint8_t *buf;          /* in: the query; out: the response, in place */
    size_t len;            /* in: the query's length; out: the response's, 0 = drop */
    rt_peer_t peer;        /* in: where it came from */
    uint32_t zone;         /* out: ctx->last_zone for this response */
    uint32_t policy;       /* out: ctx->last_policy for this response */
} rt_qitem_t;

#define RT_QBATCH_MAX 32u /* larger batches are taken in pieces of this size */

/* rt_query_process() for n queries (each buf with `cap` bytes), with the
 * same responses and the same effect on ctx as calling it on them in
 * order, but faster on big zones: the table entries every query needs are
 * prefetched for the whole batch before the answers are built.
 * Thread-safety: as rt_query_process(). */
void rt_query_process_batch(rt_ctx_t *ctx, rt_qitem_t *items, unsigned n, size_t cap);

/* Error codes of the runtime's start-up functions. */
enum {
    RT_OK = 0,
    RT_EMAGIC = -1,   /* not a zonec blob */
    RT_EABI = -2,     /* blob from another zonec ABI version */
    RT_EBOUNDS = -3,  /* a section lies outside the blob */
    RT_EALIGN = -4,   /* blob or a section is not 8-byte aligned (added by D) */
    RT_ECORRUPT = -5, /* a table entry points outside its target (added by D) */
};

/* A short message for an RT_E* code. */
const char *rt_strerror(int code);

#endif
