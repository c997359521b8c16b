/* health.h -- health checks: in-blob definitions, prober, published states
 * SPDX-License-Identifier: MIT
 *
 * SPEC section 3 (checks) and section 2 (--check-state). One prober thread
 * runs every tcp/http/https check from ONE epoll loop (non-blocking sockets,
 * a min-heap of deadlines, no thread per check); calculated checks are
 * derived from their children whenever a child changes. Results go through
 * fall/rise thresholds into one state word per check and into a published
 * bitmap that the packet path reads without locks.
 *
 * DEFINITIONS IN THE BLOB. rt_check_def_t is pointer-free, little-endian
 * (x86-64 only, like rt.h) and 72 bytes, 8-aligned. The compiler places an
 * array of them PARALLEL to rt_pcheck[] (rt_policy.h): def i describes check
 * i, whose health bit is bit i of the bitmap. Strings (name, host, path,
 * contains) are byte ranges [off, off+len) of a string pool -- for the policy
 * section that is its bytes[] pool, so name_off/name_len equal rt_pcheck's.
 * Calculated children are check indices children[child_first ..
 * child_first+child_count) -- for the policy section that is its items[]
 * array, the same range rt_pcheck.child_first/child_count give. Suggested
 * wiring (helper P / lead): rt_policy_hdr gains `probes_off` (0 = none) and
 * the section holds rt_check_def_t[check_count] there; the compiler fills
 * them from pir_check_t: interval/timeout converted from seconds to ms,
 * defaults already applied (port 80/443, path "/", expect 200..399, fall 3,
 * rise 3, at_least = child_count).
 *
 * STATE WORD (one _Atomic uint32_t per check, written only by the prober
 * thread and at start-up):
 *
 *     31   30   29 ..................... 8   7 ........ 0
 *   +----+----+----------------------------+-------------+
 *   |DOWN|PIN |  result sequence (wraps)   |  streak     |
 *   +----+----+----------------------------+-------------+
 *
 *   DOWN    the check is unhealthy (its bitmap bit is 0)
 *   PIN     fixed by --check-state; never probed, never changes
 *   seq     results seen so far (mod 2^22)
 *   streak  consecutive results that disagree with the current state; the
 *           state flips when it reaches fall (up->down) or rise (down->up)
 *
 * BITMAP. ceil(n/64) words (at least 1) of _Atomic uint64_t; bit i%64 of
 * word i/64 = 1 when check i is healthy (after `inverted`, thresholds, pins
 * and calculation) -- the layout rt_policy_eval()'s `health` expects. The
 * prober updates single bits with atomic fetch_or/fetch_and (release); the
 * packet path copies the words with rt_health_snapshot() (acquire loads) into
 * a stack array and passes that to rt_policy_eval(). No lock, no allocation.
 */
#ifndef ZONEC_HEALTH_H
#define ZONEC_HEALTH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* rt_check_def.kind: the numbering of rt_pcheck.kind (RT_PC_*). */
enum { RT_CK_TCP = 0, RT_CK_HTTP = 1, RT_CK_HTTPS = 2, RT_CK_CALCULATED = 3 };

/* rt_check_def.flags */
#define RT_CKF_INVERTED 0x01u /* healthy when the probe fails (RT_PCF_INVERTED) */
#define RT_CKF_IPV6 0x02u     /* addr is IPv6 (else IPv4 in addr[0..3]) */

typedef struct rt_check_def {
    uint32_t name_off;     /*  0 name in strings[] (not NUL-terminated) */
    uint16_t name_len;     /*  4 */
    uint8_t kind;          /*  6 RT_CK_* */
    uint8_t flags;         /*  7 RT_CKF_* */
    uint8_t addr[16];      /*  8 network order; IPv4 in bytes 0..3 */
    uint16_t port;         /* 24 host order */
    uint8_t fall;          /* 26 consecutive failures to go down (0 = 3) */
    uint8_t rise;          /* 27 consecutive successes to come up (0 = 3) */
    uint32_t interval_ms;  /* 28 between probe starts (0 = 10000) */
    uint32_t timeout_ms;   /* 32 whole probe: connect+TLS+request+response (0 = 2000) */
    uint32_t host_off;     /* 36 Host header and SNI; len 0 = the address */
    uint32_t path_off;     /* 40 request path; len 0 = "/" */
    uint32_t contains_off; /* 44 body must contain these bytes; len 0 = no test */
    uint16_t host_len;     /* 48 */
    uint16_t path_len;     /* 50 */
    uint16_t contains_len; /* 52 at most 5120 (longer can never match) */
    uint16_t expect_lo;    /* 54 status range, inclusive (both 0 = 200..399) */
    uint16_t expect_hi;    /* 56 */
    uint16_t at_least;     /* 58 calculated: healthy when >= at_least children are */
    uint32_t child_first;  /* 60 calculated: children[child_first..+child_count) */
    uint32_t child_count;  /* 64 */
    uint32_t pad;          /* 68 zero */
} rt_check_def_t;

_Static_assert(sizeof(rt_check_def_t) == 72, "rt_check_def ABI");

#define RT_HS_DOWN 0x80000000u
#define RT_HS_PINNED 0x40000000u
#define RT_HS_SEQ_SHIFT 8
#define RT_HS_SEQ_MASK 0x3fffffu
#define RT_HS_STREAK_MASK 0xffu

#define RT_HEALTH_BODY_MAX 5120u  /* body bytes `contains` searches */
#define RT_HEALTH_HDR_MAX 8192u   /* response header bytes kept; more = unhealthy */
#define RT_HEALTH_MAX_CHECKS 65536u

/* Applies one probe result (healthy_result = 1 when the check passed, after
 * `inverted`) to state word st with thresholds fall/rise (0 = 3).
 * Returns: the new word; *changed = 1 when DOWN flipped. Pinned words are
 * returned unchanged. Pure: the prober and the unit tests share it. */
static inline uint32_t rt_health_step(uint32_t st, int healthy_result, unsigned fall,
                                      unsigned rise, int *changed)
{
    *changed = 0;
    if (st & RT_HS_PINNED)
        return st;
    uint32_t down = st & RT_HS_DOWN;
    uint32_t seq = ((st >> RT_HS_SEQ_SHIFT) + 1) & RT_HS_SEQ_MASK;
    uint32_t streak = st & RT_HS_STREAK_MASK;
    if ((healthy_result != 0) == (down == 0)) {
        streak = 0;
    } else {
        unsigned need = down ? (rise ? rise : 3) : (fall ? fall : 3);
        if (++streak >= need || streak >= RT_HS_STREAK_MASK) {
            down ^= RT_HS_DOWN;
            streak = 0;
            *changed = 1;
        }
    }
    return down | (seq << RT_HS_SEQ_SHIFT) | streak;
}

/* Copies the published bitmap (words words) into dst with acquire loads:
 * the packet path's only access. Each word is consistent on its own. */
static inline void rt_health_snapshot(const _Atomic uint64_t *bm, size_t words, uint64_t *dst)
{
    for (size_t i = 0; i < words; i++)
        dst[i] = atomic_load_explicit(&bm[i], memory_order_acquire);
}

/* Recomputes every calculated check of defs[0..n) from its children's bits
 * in bitmap (plain words), to a fixed point (nested calculated checks; at
 * most n rounds, so a cycle cannot loop), leaving checks whose bit is set in
 * `pinned` (may be NULL) alone. An inverted calculated check is healthy when
 * fewer than at_least children are. Pure (health_eval.c).
 * Returns: the number of calculated bits that changed. */
size_t rt_health_derive(const rt_check_def_t *defs, size_t n, const uint32_t *children,
                        uint64_t *bitmap, const uint64_t *pinned);

/* Validates defs against the pool and child array sizes: kinds, string
 * ranges, child indices, at_least <= child_count, contains_len <= 5120.
 * Returns: 0, or -1 with a message in err[0..errlen). */
int rt_health_validate(const rt_check_def_t *defs, size_t n, const char *strings,
                       size_t strings_len, const uint32_t *children, size_t nchildren,
                       char *err, size_t errlen);

/* --- pins (--check-state NAME=up|down) -------------------------------------- */

typedef struct rt_pin {
    uint32_t check;        /* index into defs */
    uint8_t up;            /* 1 = healthy, 0 = unhealthy */
} rt_pin_t;

/* Parses "NAME=up" / "NAME=down" against defs' names.
 * Returns: 0 with *out set, or -1 with a message in err[0..errlen). */
int rt_health_pin_parse(const rt_check_def_t *defs, size_t n, const char *strings,
                        const char *arg, rt_pin_t *out, char *err, size_t errlen);

/* --- the prober ----------------------------------------------------------- */

typedef struct rt_health rt_health_t;

typedef struct rt_health_cfg {
    const rt_check_def_t *defs;   /* n definitions (may be 0) */
    size_t n;
    const char *strings;          /* string pool of defs */
    size_t strings_len;
    const uint32_t *children;     /* calculated children */
    size_t nchildren;
    const rt_pin_t *pins;         /* --check-state */
    size_t npins;
    FILE *log;                    /* transitions; NULL = stderr */
} rt_health_cfg_t;

/* Validates cfg, allocates everything the prober will ever use (sockets
 * are opened by the probes and kept per check -- see health.c for HTTP
 * keep-alive; buffers, TLS objects, the heap are made here), sets
 * initial states (healthy, inverted ones unhealthy, pins, calculated derived)
 * and starts the prober thread when at least one check needs probing.
 * cfg's arrays must outlive the prober (they are the blob's).
 * Returns: 0 with *out set, or -1 with a message in err[0..errlen). */
int rt_health_start(const rt_health_cfg_t *cfg, rt_health_t **out, char *err, size_t errlen);

/* Stops and joins the prober, closes its sockets, frees everything. NULL ok. */
void rt_health_stop(rt_health_t *h);

/* The published bitmap and its length in words (>= 1). Valid until stop. */
const _Atomic uint64_t *rt_health_bitmap(const rt_health_t *h);
size_t rt_health_words(const rt_health_t *h);

/* Check i's current state word (RT_HS_*). */
uint32_t rt_health_state(const rt_health_t *h, size_t i);

/* Incremented (release) after every published change of the bitmap: a
 * reader that caches a snapshot can compare this cheaply. */
uint64_t rt_health_generation(const rt_health_t *h);

/* --- reports for the --http endpoint (http.c, metrics.c) ------------------ */

/* A sink the renderers write into; http.c streams it to the client. */
typedef struct rt_out {
    char *buf;
    size_t len, cap;
    int failed;                          /* set when flush failed; writes are dropped */
    int (*flush)(struct rt_out *o);      /* empties buf; returns -1 on failure */
    void *ctx;
} rt_out_t;

void rt_out_write(rt_out_t *o, const void *p, size_t len);
void rt_out_printf(rt_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes p[0..len) as the inside of a JSON string (quotes not included). */
void rt_out_json_str(rt_out_t *o, const char *p, size_t len);
/* Writes p[0..len) as a Prometheus label value (\\, \", \n escaped). */
void rt_out_prom_label(rt_out_t *o, const char *p, size_t len);

/* /health body: {"checks":[{"name","kind","state","pinned","last_result",
 * "last_reason","last_latency_ms","since","transitions","probes"}...]}.
 * h may be NULL (no checks). */
void rt_health_render_json(rt_health_t *h, rt_out_t *o);

/* Prometheus families zonec_check_up, zonec_check_transitions_total,
 * zonec_probe_latency_seconds (histogram), zonec_probes_total{result}. */
void rt_health_render_prom(rt_health_t *h, rt_out_t *o);

#endif
