/* health.c -- the prober: one thread, one epoll loop, every check
 * SPDX-License-Identifier: MIT
 *
 * Why this shape: probes are I/O bound and tiny, so one thread multiplexing
 * non-blocking sockets costs far less than a thread per check, and a binary
 * min-heap keyed by each check's next event (its next start when idle, its
 * deadline when in flight) makes each wake-up O(log n) instead of a scan.
 * Everything a probe needs (request text, response buffer, TLS object) is
 * made at start-up; a probe only connects and disconnects its check's
 * socket (kept between probes when the descriptor limit allows). A tcp probe
 * is always a new TCP connection from a new port, ended with a RST; an
 * http/https check at an interval under 10 s reuses its connection (HTTP/1.1
 * keep-alive, bounded: see KEEP_MAX_MS) and ends it with a RST too. Cost of
 * 1000 checks a second, measured: docs/operations.md, "Measured cost".
 *
 * TLS is OpenSSL (libssl.a/libcrypto.a from libssl-dev link statically; see
 * docs/operations.md): no verification, SNI = host, one shared SSL_CTX and
 * one SSL per https check reused with SSL_clear().
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "health.h"
#include "probe_http.h"

enum { PH_IDLE, PH_CONNECT, PH_TLS, PH_SEND, PH_RECV };

#define TICK_MS 10 /* timer granularity of the prober's loop */

/* HTTP keep-alive (http/https checks): a connection that ended a PASSING
 * probe with one complete, delimited response that did not ask to close is
 * kept and carries the check's next probe -- while it is younger than
 * KEEP_MAX_MS and has carried fewer than KEEP_MAX_PROBES probes; then the
 * probe opens a new connection. So a backend that stops accepting new
 * connections but still serves old ones is noticed within KEEP_MAX_MS (plus
 * the usual interval x fall + timeout: every probe after a failure opens a
 * new connection), and checks at intervals of KEEP_MAX_MS or more keep
 * making one new connection per probe. */
#define KEEP_MAX_MS 10000
#define KEEP_MAX_PROBES 10

#define NBUCKETS 13
static const double lat_bounds[NBUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                            0.25,  0.5,    1,     2.5,  5,    10};
static const char *const lat_labels[NBUCKETS] = {"0.001", "0.0025", "0.005", "0.01", "0.025",
                                                 "0.05",  "0.1",    "0.25",  "0.5",  "1",
                                                 "2.5",   "5",      "10"};

/* What /health and /metrics show; written under rt_health.mu. */
typedef struct hinfo {
    uint8_t has_result, last_ok, down, pinned;
    uint32_t last_latency_us;
    int64_t since;                 /* unix seconds of the last change (or start) */
    uint64_t transitions;
    uint64_t probes_ok, probes_fail;
    uint64_t lat_bucket[NBUCKETS]; /* non-cumulative */
    uint64_t lat_sum_us;
    char reason[112];
} hinfo_t;

typedef struct hent {
    uint64_t key;                  /* key() of check i when filed */
    uint32_t i;
} hent_t;

typedef struct hcheck {
    const rt_check_def_t *def;
    int fd;
    uint8_t phase;
    uint8_t probed;                /* tcp/http/https and not pinned */
    uint8_t ka;                    /* http/https that may reuse its connection */
    uint8_t kept;                  /* fd holds a finished, reusable connection */
    uint8_t reused;                /* the probe in flight runs on a kept one */
    uint8_t conn_uses;             /* probes the kept connection has carried */
    uint8_t lazy;                  /* counted in nlazy */
    int64_t start_real_ns;         /* CLOCK_REALTIME at the start (for rx_real_ns) */
    int64_t rx_real_ns;            /* kernel's arrival stamp of the last answer bytes, 0 = none */
    uint64_t conn_ms;              /* when it was opened */
    uint32_t events;               /* current epoll interest */
    uint32_t heap_pos;             /* UINT32_MAX: not in the heap */
    uint64_t next_ms, deadline_ms, start_us;
    uint64_t rng;
    struct sockaddr_storage sa;
    socklen_t salen;
    SSL *ssl;
    char *req;                     /* http/https: the request, made once */
    uint32_t req_len, req_sent;
    rt_hresp_t *resp;              /* http/https */
    char host[64];                 /* SNI (NUL-terminated), empty = none */
} hcheck_t;

struct rt_health {
    rt_health_cfg_t cfg;
    size_t n, words;
    _Atomic uint32_t *state;
    _Atomic uint64_t *bitmap;      /* published */
    _Atomic uint64_t gen;
    uint64_t *cur;                 /* the prober's own copy */
    uint64_t *pinned;
    hcheck_t *ck;
    hinfo_t *info, *snap;
    hent_t *heap;
    uint32_t hn;
    uint32_t inflight;             /* probes not idle */
    uint32_t nlazy;                /* of those: plain http waiting for the answer */
    int ep, evfd;
    int thread_started;
    int reuse;                     /* keep each check's socket between probes */
    pthread_t th;
    pthread_mutex_t mu, render_mu;
    SSL_CTX *tls;
    FILE *log;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int64_t unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec;
}

static uint32_t ival_ms(const rt_check_def_t *d) { return d->interval_ms ? d->interval_ms : 10000; }
static uint32_t tmo_ms(const rt_check_def_t *d) { return d->timeout_ms ? d->timeout_ms : 2000; }

static const char *name_of(const rt_health_t *h, size_t i, int *len)
{
    *len = h->ck[i].def->name_len;
    return h->cfg.strings + h->ck[i].def->name_off;
}

/* --- heap of next events ---------------------------------------------------- */

static uint64_t key(const rt_health_t *h, uint32_t i)
{
    const hcheck_t *c = &h->ck[i];
    return c->phase == PH_IDLE ? c->next_ms : c->deadline_ms;
}

/* Heap entries carry their key: sifting compares keys in one small array
 * instead of reaching into each check's (large) hcheck_t. */
static void heap_set(rt_health_t *h, uint32_t pos, hent_t e)
{
    h->heap[pos] = e;
    h->ck[e.i].heap_pos = pos;
}

/* Re-files check i after its key() changed. */
static void heap_fix(rt_health_t *h, uint32_t i)
{
    uint32_t p = h->ck[i].heap_pos;
    hent_t e = {key(h, i), i};
    while (p > 0 && h->heap[(p - 1) / 2].key > e.key) {
        heap_set(h, p, h->heap[(p - 1) / 2]);
        p = (p - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * p + 1, r = l + 1, m = l;
        if (l >= h->hn)
            break;
        if (r < h->hn && h->heap[r].key < h->heap[l].key)
            m = r;
        if (h->heap[m].key >= e.key)
            break;
        heap_set(h, p, h->heap[m]);
        p = m;
    }
    heap_set(h, p, e);
}

/* --- output helpers ----------------------------------------------------------- */

void rt_out_write(rt_out_t *o, const void *p, size_t len)
{
    const char *s = p;
    while (len > 0 && !o->failed) {
        if (o->len == o->cap) {
            if (!o->flush || o->flush(o) < 0) {
                o->failed = 1;
                return;
            }
            continue;
        }
        size_t k = o->cap - o->len < len ? o->cap - o->len : len;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        len -= k;
    }
}

void rt_out_printf(rt_out_t *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        rt_out_write(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void rt_out_json_str(rt_out_t *o, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rt_out_write(o, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            /* names are ASCII; anything else is shown as an escape, never raw */
            rt_out_printf(o, "\\u%04x", c);
        } else {
            rt_out_write(o, &p[i], 1);
        }
    }
}

void rt_out_prom_label(rt_out_t *o, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\\' || c == '"')
            rt_out_write(o, "\\", 1), rt_out_write(o, &c, 1);
        else if (c == '\n')
            rt_out_write(o, "\\n", 2);
        else
            rt_out_write(o, &c, 1);
    }
}

/* --- transitions ----------------------------------------------------------- */

static void log_transition(rt_health_t *h, size_t i, int down, const char *reason)
{
    int nl;
    const char *nm = name_of(h, i, &nl);
    char line[320];
    int k = snprintf(line, sizeof line, "health: %.*s %s -> %s (reason: %s)\n", nl, nm,
                     down ? "up" : "down", down ? "down" : "up", reason);
    if (k > (int)sizeof line - 1) {
        k = (int)sizeof line - 1;
        line[k - 1] = '\n';
    }
    /* one write: lines from concurrent writers do not interleave */
    fwrite(line, 1, (size_t)k, h->log);
    fflush(h->log);
}

/* Publishes every word of cur that differs from the published bitmap. */
static void publish(rt_health_t *h)
{
    int any = 0;
    for (size_t w = 0; w < h->words; w++) {
        if (atomic_load_explicit(&h->bitmap[w], memory_order_relaxed) != h->cur[w]) {
            atomic_store_explicit(&h->bitmap[w], h->cur[w], memory_order_release);
            any = 1;
        }
    }
    if (any)
        atomic_fetch_add_explicit(&h->gen, 1, memory_order_release);
}

static void set_bit(uint64_t *bm, size_t i, int v)
{
    if (v)
        bm[i >> 6] |= (uint64_t)1 << (i & 63);
    else
        bm[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* Re-derives calculated checks after a change; logs and records theirs. */
static void derive(rt_health_t *h, int64_t now)
{
    uint64_t before[h->words];
    memcpy(before, h->cur, sizeof before);
    if (rt_health_derive(h->cfg.defs, h->n, h->cfg.children, h->cur, h->pinned) == 0)
        return;
    for (size_t i = 0; i < h->n; i++) {
        int was = (before[i >> 6] >> (i & 63)) & 1, is = (h->cur[i >> 6] >> (i & 63)) & 1;
        if (was == is)
            continue;
        const rt_check_def_t *d = h->ck[i].def;
        uint32_t up = 0;
        for (uint32_t k = 0; k < d->child_count; k++) {
            uint32_t c = h->cfg.children[d->child_first + k];
            up += (uint32_t)((h->cur[c >> 6] >> (c & 63)) & 1);
        }
        char why[112];
        snprintf(why, sizeof why, "%u of %u children up, need %u%s", up, d->child_count,
                 d->at_least ? d->at_least : d->child_count,
                 d->flags & RT_CKF_INVERTED ? ", inverted" : "");
        uint32_t st = atomic_load_explicit(&h->state[i], memory_order_relaxed);
        st = is ? st & ~RT_HS_DOWN : st | RT_HS_DOWN;
        atomic_store_explicit(&h->state[i], st, memory_order_relaxed);
        pthread_mutex_lock(&h->mu);
        h->info[i].down = (uint8_t)!is;
        h->info[i].since = now;
        h->info[i].transitions++;
        snprintf(h->info[i].reason, sizeof h->info[i].reason, "%s", why);
        pthread_mutex_unlock(&h->mu);
        log_transition(h, i, !is, why);
    }
}

/* --- probes ---------------------------------------------------------------- */

/* Every probe socket is registered ONCE, edge-triggered for both directions:
 * no EPOLL_CTL_MOD when a probe turns from writing to reading. Edge-triggered
 * is safe because drive() only waits after a call returned EAGAIN (or an
 * SSL_ERROR_WANT_* that came from one); `rearm` (a MOD, which re-reports a
 * socket that is still ready) is for the rare yield in drive(). */
#define PROBE_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET)

static void wait_io(rt_health_t *h, uint32_t i, int rearm)
{
    hcheck_t *c = &h->ck[i];
    if (c->events && !rearm)
        return;
    struct epoll_event e = {.events = PROBE_EVENTS, .data.u32 = i};
    epoll_ctl(h->ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &e);
    c->events = PROBE_EVENTS;
}

static void close_probe(rt_health_t *h, uint32_t i)
{
    hcheck_t *c = &h->ck[i];
    if (c->ssl) {
        if (!SSL_clear(c->ssl)) {
            SSL_free(c->ssl);
            c->ssl = SSL_new(h->tls);
        }
    }
    if (c->fd >= 0) {
        /* The connection ends abortively (RST): a prober ending thousands of
         * connections a second must not leave them in TIME_WAIT and run out
         * of ports. With h->reuse the socket object is kept for the check's
         * next probe: connect(AF_UNSPEC) sends the RST, releases the port
         * and leaves a fresh unconnected socket (the next probe is still a
         * new connection from a new port), which saves socket(), the file
         * teardown and a setsockopt() per probe. Disconnect leaves
         * ECONNRESET pending (cleared through SO_ERROR) and a registered
         * socket leaves the epoll set so no stale edge reaches the next
         * probe. Otherwise, or if disconnect fails: close() with SO_LINGER
         * 0 (set at socket()). */
        static const struct sockaddr unspec = {.sa_family = AF_UNSPEC};
        if (h->reuse) {
            if (c->events)
                epoll_ctl(h->ep, EPOLL_CTL_DEL, c->fd, NULL);
            if (connect(c->fd, &unspec, sizeof unspec) == 0) {
                int err;
                socklen_t el = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                c->events = 0;
                return;
            }
        }
        close(c->fd);
    }
    c->fd = -1;
    c->events = 0;
}

static void start_probe_io(rt_health_t *h, uint32_t i);

/* The probe of check i ended with raw result ok (before `inverted`). */
static void finish(rt_health_t *h, uint32_t i, int ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(rt_health_t *h, uint32_t i, int ok, const char *fmt, ...)
{
    hcheck_t *c = &h->ck[i];
    const rt_check_def_t *d = c->def;
    uint64_t now_us = mono_us();
    uint64_t lat = now_us - c->start_us;
    if (!ok && c->reused && c->resp->raw_seen == 0 && now_us / 1000 < c->deadline_ms) {
        /* the kept connection was gone before any answer (the server closed
         * it between probes, or died): the same probe, same deadline, on a
         * new connection -- what an HTTP client does for an idempotent
         * request (RFC 9112 section 9.3.1). At most once: reused is now 0. */
        close_probe(h, i);
        c->kept = c->reused = 0;
        if (c->lazy) {
            c->lazy = 0;
            h->nlazy--;
        }
        c->phase = PH_CONNECT;
        start_probe_io(h, i);
        return;
    }
    /* the answer's arrival, as the kernel stamped it: exact even when the
     * prober took it up to a tick later */
    if (c->rx_real_ns) {
        int64_t l = (c->rx_real_ns - c->start_real_ns) / 1000;
        if (l >= 0 && (uint64_t)l <= lat)
            lat = (uint64_t)l;
        c->rx_real_ns = 0;
    }
    h->inflight--;
    if (c->lazy) {
        c->lazy = 0;
        h->nlazy--;
    }
    if (ok && c->ka && c->phase == PH_RECV && rt_hresp_reusable(c->resp)) {
        c->kept = 1;
        c->conn_uses++;
    } else {
        close_probe(h, i);
        c->kept = 0;
    }
    c->reused = 0;

    char reason[112];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);

    int inverted = (d->flags & RT_CKF_INVERTED) != 0;
    int healthy = inverted ? !ok : ok;
    int changed;
    uint32_t st = atomic_load_explicit(&h->state[i], memory_order_relaxed);
    st = rt_health_step(st, healthy, d->fall, d->rise, &changed);
    atomic_store_explicit(&h->state[i], st, memory_order_relaxed);

    int64_t wall = unix_now();
    pthread_mutex_lock(&h->mu);
    hinfo_t *in = &h->info[i];
    in->has_result = 1;
    in->last_ok = (uint8_t)ok;
    in->last_latency_us = (uint32_t)(lat > UINT32_MAX ? UINT32_MAX : lat);
    if (ok)
        in->probes_ok++;
    else
        in->probes_fail++;
    double s = (double)lat / 1e6;
    for (int b = 0; b < NBUCKETS; b++)
        if (s <= lat_bounds[b]) {
            in->lat_bucket[b]++;
            break;
        }
    in->lat_sum_us += lat;
    snprintf(in->reason, sizeof in->reason, "%s", reason);
    if (changed) {
        in->down = (st & RT_HS_DOWN) != 0;
        in->since = wall;
        in->transitions++;
    }
    pthread_mutex_unlock(&h->mu);

    if (changed) {
        char why[160];
        if (inverted)
            snprintf(why, sizeof why, "probe %s, inverted: %s", ok ? "passed" : "failed", reason);
        else
            snprintf(why, sizeof why, "%s", reason);
        log_transition(h, i, (st & RT_HS_DOWN) != 0, why);
        set_bit(h->cur, i, !(st & RT_HS_DOWN));
        derive(h, wall);
        publish(h);
    }

    /* next start: interval after this start, minus a deterministic jitter
     * of up to 10% (never later than the interval promises) */
    uint32_t iv = ival_ms(d);
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    uint64_t next = c->start_us / 1000 + iv - (c->rng % (iv / 10 + 1));
    uint64_t now_ms = now_us / 1000;
    c->next_ms = next > now_ms ? next : now_ms;
    c->phase = PH_IDLE;
    heap_fix(h, i);
}

static void fail_errno(rt_health_t *h, uint32_t i, const char *what, int err)
{
    char msg[96];
    snprintf(msg, sizeof msg, "%s", strerror(err));
    if (msg[0] >= 'A' && msg[0] <= 'Z')
        msg[0] = (char)(msg[0] - 'A' + 'a');
    if (what)
        finish(h, i, 0, "%s: %s", what, msg);
    else
        finish(h, i, 0, "%s", msg);
}

static void drive(rt_health_t *h, uint32_t i, uint32_t ev);

static void start_probe(rt_health_t *h, uint32_t i, uint64_t now_us)
{
    hcheck_t *c = &h->ck[i];
    const rt_check_def_t *d = c->def;
    c->start_us = now_us;
    c->deadline_ms = now_us / 1000 + tmo_ms(d);
    h->inflight++;
    if (d->kind == RT_CK_HTTP) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        c->start_real_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        c->rx_real_ns = 0;
    }
    if (c->kept) {
        if (c->conn_uses < KEEP_MAX_PROBES && now_us / 1000 - c->conn_ms < KEEP_MAX_MS) {
            /* the request goes out on the kept connection at once; its
             * socket is still registered (edge-triggered), so the answer
             * raises a fresh EPOLLIN edge */
            c->reused = 1;
            c->phase = PH_SEND;
            c->req_sent = 0;
            rt_hresp_reset(c->resp, d->expect_lo, d->expect_hi, h->cfg.strings + d->contains_off,
                           d->contains_len);
            drive(h, i, EPOLLOUT);
            if (c->phase != PH_IDLE)
                heap_fix(h, i);
            return;
        }
        close_probe(h, i);         /* old enough: a new connection */
        c->kept = 0;
    }
    c->phase = PH_CONNECT;
    /* heap_fix waits until the probe is known to stay in flight: most
     * nearby probes finish inside this call, and finish() re-files them */
    start_probe_io(h, i);
    if (c->phase != PH_IDLE)
        heap_fix(h, i);
}

static void start_probe_io(rt_health_t *h, uint32_t i)
{
    hcheck_t *c = &h->ck[i];
    c->conn_ms = mono_us() / 1000;
    c->conn_uses = 0;
    if (c->fd < 0) {
        c->fd = socket(c->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            fail_errno(h, i, "socket", errno);
            return;
        }
        static const struct linger abort_close = {.l_onoff = 1, .l_linger = 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
        if (c->def->kind == RT_CK_HTTP) {
            static const int on = 1; /* arrival stamps of answers (see prober_main) */
            setsockopt(c->fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
        }
    }
    if (connect(c->fd, (struct sockaddr *)&c->sa, c->salen) < 0) {
        if (errno != EINPROGRESS) {
            fail_errno(h, i, NULL, errno);
            return;
        }
        /* A nearby peer (loopback, same host) has usually completed the
         * handshake by the time connect() returns EINPROGRESS: one
         * getpeername() then saves the epoll registration, a wake-up and the
         * SO_ERROR query. Not connected yet (or refused): wait for epoll. */
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        if (getpeername(c->fd, (struct sockaddr *)&peer, &pl) < 0) {
            wait_io(h, i, 0);
            return;
        }
    }
    drive(h, i, EPOLLOUT);
}

static void tls_fail(rt_health_t *h, uint32_t i, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[96] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    finish(h, i, 0, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

/* Advances check i's probe as far as its socket allows; ev: the epoll
 * events that woke it (EPOLLOUT alone when connect() is known to be done). */
static void drive(rt_health_t *h, uint32_t i, uint32_t ev)
{
    hcheck_t *c = &h->ck[i];
    const rt_check_def_t *d = c->def;
    for (int rounds = 0; rounds < 64; rounds++) {
        switch (c->phase) {
        case PH_CONNECT: {
            /* SO_ERROR only when epoll reports a problem: a plain EPOLLOUT
             * on a connecting socket means the handshake completed */
            if (ev & (EPOLLERR | EPOLLHUP)) {
                int err = 0;
                socklen_t el = sizeof err;
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
                    err = errno;
                fail_errno(h, i, NULL, err ? err : ECONNRESET);
                return;
            }
            if (!(ev & EPOLLOUT))
                return;            /* not connected yet */
            if (d->kind == RT_CK_TCP) {
                finish(h, i, 1, "connected");
                return;
            }
            c->req_sent = 0;
            rt_hresp_reset(c->resp, d->expect_lo, d->expect_hi,
                           h->cfg.strings + d->contains_off, d->contains_len);
            if (d->kind == RT_CK_HTTPS) {
                if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
                    tls_fail(h, i, "TLS set-up failed");
                    return;
                }
                if (c->host[0])
                    SSL_set_tlsext_host_name(c->ssl, c->host);
                SSL_set_connect_state(c->ssl);
                c->phase = PH_TLS;
            } else {
                c->phase = PH_SEND;
            }
            break;
        }
        case PH_TLS: {
            ERR_clear_error();
            int r = SSL_do_handshake(c->ssl);
            if (r == 1) {
                c->phase = PH_SEND;
                break;
            }
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ) {
                wait_io(h, i, 0);
                return;
            }
            if (e == SSL_ERROR_WANT_WRITE) {
                wait_io(h, i, 0);
                return;
            }
            if (e == SSL_ERROR_SYSCALL && errno)
                fail_errno(h, i, "TLS handshake", errno);
            else
                tls_fail(h, i, "TLS handshake failed");
            return;
        }
        case PH_SEND: {
            const char *p = c->req + c->req_sent;
            size_t left = c->req_len - c->req_sent;
            ssize_t w;
            if (c->ssl && d->kind == RT_CK_HTTPS) {
                ERR_clear_error();
                int r = SSL_write(c->ssl, p, (int)left);
                if (r <= 0) {
                    int e = SSL_get_error(c->ssl, r);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        wait_io(h, i, 0);
                        return;
                    }
                    tls_fail(h, i, "TLS write failed");
                    return;
                }
                w = r;
            } else {
                w = send(c->fd, p, left, MSG_NOSIGNAL);
                if (w < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) {
                        wait_io(h, i, 0);
                        return;
                    }
                    fail_errno(h, i, "send", errno);
                    return;
                }
            }
            c->req_sent += (uint32_t)w;
            if (c->req_sent == c->req_len) {
                c->phase = PH_RECV;
                if (d->kind == RT_CK_HTTP) {
                    c->lazy = 1;
                    h->nlazy++;
                }
                if (d->kind == RT_CK_HTTP && !c->events) {
                    /* just sent on a socket connected synchronously: the
                     * answer cannot be here yet, so register and wait (an
                     * edge-triggered ADD reports data that already came) */
                    wait_io(h, i, 0);
                    return;
                }
            }
            break;
        }
        case PH_RECV: {
            char buf[4096];
            ssize_t r;
            if (d->kind == RT_CK_HTTPS) {
                ERR_clear_error();
                int k = SSL_read(c->ssl, buf, sizeof buf);
                if (k <= 0) {
                    int e = SSL_get_error(c->ssl, k);
                    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                        wait_io(h, i, 0);
                        return;
                    }
                    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))
                        r = 0;
                    else if (e == SSL_ERROR_SYSCALL) {
                        fail_errno(h, i, NULL, errno);
                        return;
                    } else {
                        tls_fail(h, i, "TLS read failed");
                        return;
                    }
                } else {
                    r = k;
                }
            } else {
                /* edge-triggered: a wake-up without input (the EPOLLOUT of
                 * the connect) needs no recv that would only say EAGAIN;
                 * data arriving later raises its own EPOLLIN edge */
                if (!(ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
                    return;
                struct iovec iov = {buf, sizeof buf};
                union {
                    char b[CMSG_SPACE(sizeof(struct timespec))];
                    struct cmsghdr align;
                } cm;
                struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
                                    .msg_controllen = sizeof cm.b};
                r = recvmsg(c->fd, &mh, 0);
                struct cmsghdr *cmh = r > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
                if (cmh && cmh->cmsg_level == SOL_SOCKET && cmh->cmsg_type == SCM_TIMESTAMPNS) {
                    struct timespec ts;
                    memcpy(&ts, CMSG_DATA(cmh), sizeof ts);
                    c->rx_real_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
                }
                if (r < 0) {
                    if (errno == EAGAIN || errno == EWOULDBLOCK) {
                        wait_io(h, i, 0);
                        return;
                    }
                    fail_errno(h, i, NULL, errno);
                    return;
                }
            }
            int done = r == 0 ? rt_hresp_eof(c->resp) : rt_hresp_feed(c->resp, buf, (size_t)r);
            if (done) {
                /* more bytes may be waiting behind a full buffer: then the
                 * connection is not known to end with this response */
                if (r == (ssize_t)sizeof buf || (c->ssl && SSL_has_pending(c->ssl)))
                    c->resp->extra = 1;
                finish(h, i, c->resp->ok, "%s", c->resp->reason);
                return;
            }
            break;
        }
        default:
            return;
        }
    }
    /* a fast peer: yield to other checks; the MOD re-reports the socket */
    wait_io(h, i, 1);
}

static void *prober_main(void *arg)
{
    rt_health_t *h = arg;
    struct epoll_event evs[64];
    int more = 0;                  /* the last epoll_wait filled evs */
    for (;;) {
        uint64_t now_us = mono_us(), now_ms = now_us / 1000;
        while (h->hn > 0 && h->heap[0].key <= now_ms) {
            uint32_t i = h->heap[0].i;
            hcheck_t *c = &h->ck[i];
            if (c->phase == PH_IDLE) {
                start_probe(h, i, now_us);
            } else {
                uint64_t ms = (now_us - c->start_us) / 1000;
                finish(h, i, 0, "timeout after %llu ms", (unsigned long long)ms);
            }
        }
        /* wake on a TICK_MS grid: the probes and deadlines due in one tick
         * are handled in one wake-up instead of one each (at most TICK_MS
         * late; starts stay spread over the interval, TICK_MS apart) */
        int wait = 1000;
        if (h->hn > 0) {
            uint64_t k = h->heap[0].key;
            k = (k + TICK_MS - 1) / TICK_MS * TICK_MS;
            uint64_t nm = mono_us() / 1000;
            wait = k <= nm ? 0 : k - nm > 1000 ? 1000 : (int)(k - nm);
        }
        int ne;
        if (h->nlazy > 0 && h->nlazy == h->inflight) {
            /* every probe in flight waits for a plain-HTTP answer, whose
             * arrival the kernel stamps (SO_TIMESTAMPNS): sleep to the next
             * tick and take all answers that came in one wake-up instead of
             * one wake-up each (1000 checks a second: ~170 wake-ups a
             * second instead of ~700-1000, about 10% less prober CPU).
             * Verdicts come at most TICK_MS late; latencies stay exact. */
            if (!more) {
                uint64_t nm = mono_us();
                uint64_t k = (nm / 1000 / TICK_MS + 1) * TICK_MS * 1000;
                if (nm + (uint64_t)wait * 1000 < k)
                    k = nm + (uint64_t)wait * 1000;
                if (k > nm) {
                    struct timespec ts = {(time_t)((k - nm) / 1000000),
                                          (long)((k - nm) % 1000000) * 1000};
                    nanosleep(&ts, NULL);
                }
            }
            ne = epoll_wait(h->ep, evs, 64, 0);
        } else {
            ne = epoll_wait(h->ep, evs, 64, more ? 0 : wait);
        }
        more = ne == 64;
        for (int e = 0; e < ne; e++) {
            uint32_t i = evs[e].data.u32;
            if (i == UINT32_MAX)
                return NULL;       /* stop */
            if (i >= h->n || h->ck[i].fd < 0)
                continue;
            if (h->ck[i].phase != PH_IDLE)
                drive(h, i, evs[e].events);
            else if (h->ck[i].kept && (evs[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                /* a kept connection that the server closed, reset or sent
                 * unasked bytes on (epoll reports the socket's state as of
                 * now): dropped, the next probe makes a new one */
                close_probe(h, i);
                h->ck[i].kept = 0;
            }
        }
    }
}

/* --- start / stop ---------------------------------------------------------- */

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t x = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        x = (x ^ (unsigned char)p[i]) * 0x100000001b3u;
    return x ? x : 1;
}

int rt_health_start(const rt_health_cfg_t *cfg, rt_health_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (rt_health_validate(cfg->defs, cfg->n, cfg->strings, cfg->strings_len, cfg->children,
                           cfg->nchildren, err, errlen) < 0)
        return -1;
    rt_health_t *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->cfg = *cfg;
    h->n = cfg->n;
    h->words = cfg->n ? (cfg->n + 63) / 64 : 1;
    h->log = cfg->log ? cfg->log : stderr;
    h->ep = h->evfd = -1;
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->render_mu, NULL);
    size_t n1 = h->n ? h->n : 1;
    h->state = calloc(n1, sizeof *h->state);
    h->bitmap = calloc(h->words, sizeof *h->bitmap);
    h->cur = calloc(h->words, sizeof *h->cur);
    h->pinned = calloc(h->words, sizeof *h->pinned);
    h->ck = calloc(n1, sizeof *h->ck);
    h->info = calloc(n1, sizeof *h->info);
    h->snap = calloc(n1, sizeof *h->snap);
    h->heap = calloc(n1, sizeof *h->heap);
    if (!h->state || !h->bitmap || !h->cur || !h->pinned || !h->ck || !h->info || !h->snap ||
        !h->heap) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    int64_t wall = unix_now();
    int need_thread = 0, need_tls = 0;
    for (size_t i = 0; i < h->n; i++) {
        const rt_check_def_t *d = &cfg->defs[i];
        hcheck_t *c = &h->ck[i];
        c->def = d;
        c->fd = -1;
        c->heap_pos = UINT32_MAX;
        int up = !(d->flags & RT_CKF_INVERTED);
        set_bit(h->cur, i, up);
        atomic_store_explicit(&h->state[i], up ? 0 : RT_HS_DOWN, memory_order_relaxed);
        h->info[i].down = (uint8_t)!up;
        h->info[i].since = wall;
    }
    for (size_t p = 0; p < cfg->npins; p++) {
        uint32_t i = cfg->pins[p].check;
        if (i >= h->n) {
            snprintf(err, errlen, "pin of check %u: no such check", i);
            goto fail;
        }
        set_bit(h->pinned, i, 1);
        set_bit(h->cur, i, cfg->pins[p].up);
        atomic_store_explicit(&h->state[i], RT_HS_PINNED | (cfg->pins[p].up ? 0 : RT_HS_DOWN),
                              memory_order_relaxed);
        h->info[i].down = (uint8_t)!cfg->pins[p].up;
        h->info[i].pinned = 1;
        snprintf(h->info[i].reason, sizeof h->info[i].reason, "pinned by --check-state");
    }
    rt_health_derive(cfg->defs, h->n, cfg->children, h->cur, h->pinned);
    for (size_t i = 0; i < h->n; i++) {
        if (cfg->defs[i].kind == RT_CK_CALCULATED && !h->info[i].pinned) {
            int up = (h->cur[i >> 6] >> (i & 63)) & 1;
            atomic_store_explicit(&h->state[i], up ? 0 : RT_HS_DOWN, memory_order_relaxed);
            h->info[i].down = (uint8_t)!up;
        }
    }
    for (size_t w = 0; w < h->words; w++)
        atomic_store_explicit(&h->bitmap[w], h->cur[w], memory_order_release);

    /* per-check probe resources */
    uint64_t now_ms = mono_us() / 1000;
    for (size_t i = 0; i < h->n; i++) {
        const rt_check_def_t *d = &cfg->defs[i];
        hcheck_t *c = &h->ck[i];
        if (d->kind == RT_CK_CALCULATED || h->info[i].pinned)
            continue;
        c->probed = 1;
        need_thread = 1;
        if (d->flags & RT_CKF_IPV6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->sa;
            s6->sin6_family = AF_INET6;
            s6->sin6_port = htons(d->port);
            memcpy(&s6->sin6_addr, d->addr, 16);
            c->salen = sizeof *s6;
        } else {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&c->sa;
            s4->sin_family = AF_INET;
            s4->sin_port = htons(d->port);
            memcpy(&s4->sin_addr, d->addr, 4);
            c->salen = sizeof *s4;
        }
        int nl;
        const char *nm = name_of(h, i, &nl);
        c->rng = fnv(nm, (size_t)nl);
        uint32_t iv = ival_ms(d);
        /* first probes spread over the first interval (at most 1 s late) */
        c->next_ms = now_ms + c->rng % (iv < 1000 ? iv : 1000);
        c->heap_pos = h->hn;
        h->heap[h->hn++] = (hent_t){c->next_ms, (uint32_t)i};
        heap_fix(h, (uint32_t)i);
        if (d->kind == RT_CK_HTTP || d->kind == RT_CK_HTTPS) {
            char host[300];
            size_t hl;
            if (d->host_len) {
                hl = (size_t)snprintf(host, sizeof host, "%.*s", (int)d->host_len,
                                      cfg->strings + d->host_off);
                if (d->host_len < sizeof c->host)
                    snprintf(c->host, sizeof c->host, "%.*s", (int)d->host_len,
                             cfg->strings + d->host_off);
            } else {
                char a[INET6_ADDRSTRLEN];
                inet_ntop(d->flags & RT_CKF_IPV6 ? AF_INET6 : AF_INET, d->addr, a, sizeof a);
                int dflt = d->port == (d->kind == RT_CK_HTTPS ? 443 : 80);
                const char *fmt = d->flags & RT_CKF_IPV6 ? (dflt ? "[%s]" : "[%s]:%u")
                                                         : (dflt ? "%s" : "%s:%u");
                hl = (size_t)snprintf(host, sizeof host, fmt, a, d->port);
            }
            size_t cap = d->path_len + hl + 128;
            c->req = malloc(cap);
            c->resp = malloc(sizeof *c->resp);
            if (!c->req || !c->resp) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            c->ka = ival_ms(d) < KEEP_MAX_MS;
            c->req_len = (uint32_t)rt_hreq_write(c->req, cap, cfg->strings + d->path_off,
                                                 d->path_len, host, hl, c->ka);
            if (d->kind == RT_CK_HTTPS)
                need_tls = 1;
        }
    }
    if (need_tls) {
        h->tls = SSL_CTX_new(TLS_client_method());
        if (!h->tls) {
            snprintf(err, errlen, "TLS: cannot create a context");
            goto fail;
        }
        SSL_CTX_set_verify(h->tls, SSL_VERIFY_NONE, NULL);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
        SSL_CTX_set_options(h->tls, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
        for (size_t i = 0; i < h->n; i++)
            if (h->ck[i].probed && cfg->defs[i].kind == RT_CK_HTTPS) {
                h->ck[i].ssl = SSL_new(h->tls);
                if (!h->ck[i].ssl) {
                    snprintf(err, errlen, "TLS: out of memory");
                    goto fail;
                }
            }
    }
    if (need_thread) {
        /* one kept socket per probed check: only when the descriptor limit
         * leaves ample room (raised up to the hard limit if need be) */
        size_t np = 0;
        for (size_t i = 0; i < h->n; i++)
            np += h->ck[i].probed;
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            rlim_t want = (rlim_t)np + 1024;
            if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want &&
                (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want)) {
                rl.rlim_cur = want;
                setrlimit(RLIMIT_NOFILE, &rl);
                getrlimit(RLIMIT_NOFILE, &rl);
            }
            h->reuse = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want;
        }
        /* kept connections need the same descriptor room */
        for (size_t i = 0; i < h->n && !h->reuse; i++)
            h->ck[i].ka = 0;
        h->ep = epoll_create1(EPOLL_CLOEXEC);
        h->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (h->ep < 0 || h->evfd < 0) {
            snprintf(err, errlen, "epoll: %s", strerror(errno));
            goto fail;
        }
        struct epoll_event e = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
        epoll_ctl(h->ep, EPOLL_CTL_ADD, h->evfd, &e);
        int rc = pthread_create(&h->th, NULL, prober_main, h);
        if (rc) {
            snprintf(err, errlen, "cannot start the prober: %s", strerror(rc));
            goto fail;
        }
        h->thread_started = 1;
        pthread_setname_np(h->th, "zonec-probe"); /* for top -H and /proc/PID/task */
    }
    *out = h;
    return 0;
fail:
    rt_health_stop(h);
    return -1;
}

void rt_health_stop(rt_health_t *h)
{
    if (!h)
        return;
    if (h->thread_started) {
        uint64_t one = 1;
        if (write(h->evfd, &one, sizeof one) < 0) {
            /* eventfd writes fail only on overflow; the thread is told anyway */
        }
        pthread_join(h->th, NULL);
    }
    for (size_t i = 0; h->ck && i < h->n; i++) {
        hcheck_t *c = &h->ck[i];
        if (c->fd >= 0)
            close(c->fd);
        if (c->ssl)
            SSL_free(c->ssl);
        free(c->req);
        free(c->resp);
    }
    if (h->tls)
        SSL_CTX_free(h->tls);
    if (h->ep >= 0)
        close(h->ep);
    if (h->evfd >= 0)
        close(h->evfd);
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->render_mu);
    free(h->state);
    free((void *)h->bitmap);
    free(h->cur);
    free(h->pinned);
    free(h->ck);
    free(h->info);
    free(h->snap);
    free(h->heap);
    free(h);
}

const _Atomic uint64_t *rt_health_bitmap(const rt_health_t *h) { return h->bitmap; }
size_t rt_health_words(const rt_health_t *h) { return h->words; }

uint32_t rt_health_state(const rt_health_t *h, size_t i)
{
    return i < h->n ? atomic_load_explicit(&h->state[i], memory_order_acquire) : 0;
}

uint64_t rt_health_generation(const rt_health_t *h)
{
    return atomic_load_explicit(&h->gen, memory_order_acquire);
}

/* --- reports --------------------------------------------------------------- */

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = {"tcp", "http", "https", "calculated"};
    return k <= RT_CK_CALCULATED ? names[k] : "unknown";
}

/* Copies the per-check info under the lock; the caller holds render_mu. */
static void take_snapshot(rt_health_t *h)
{
    pthread_mutex_lock(&h->mu);
    memcpy(h->snap, h->info, h->n * sizeof *h->snap);
    pthread_mutex_unlock(&h->mu);
}

void rt_health_render_json(rt_health_t *h, rt_out_t *o)
{
    rt_out_printf(o, "{\"checks\":[");
    if (!h) {
        rt_out_printf(o, "]}\n");
        return;
    }
    pthread_mutex_lock(&h->render_mu);
    take_snapshot(h);
    for (size_t i = 0; i < h->n; i++) {
        const hinfo_t *in = &h->snap[i];
        const rt_check_def_t *d = h->ck[i].def;
        int nl;
        const char *nm = name_of(h, i, &nl);
        rt_out_printf(o, "%s\n{\"name\":\"", i ? "," : "");
        rt_out_json_str(o, nm, (size_t)nl);
        rt_out_printf(o, "\",\"kind\":\"%s\",\"state\":\"%s\",\"pinned\":%s,\"inverted\":%s",
                      kind_name(d->kind), in->down ? "down" : "up", in->pinned ? "true" : "false",
                      d->flags & RT_CKF_INVERTED ? "true" : "false");
        if (d->kind != RT_CK_CALCULATED) {
            char a[INET6_ADDRSTRLEN];
            inet_ntop(d->flags & RT_CKF_IPV6 ? AF_INET6 : AF_INET, d->addr, a, sizeof a);
            rt_out_printf(o, d->flags & RT_CKF_IPV6 ? ",\"target\":\"[%s]:%u\"" : ",\"target\":\"%s:%u\"",
                          a, d->port);
        }
        if (in->has_result)
            rt_out_printf(o, ",\"last_result\":\"%s\",\"last_latency_ms\":%.3f",
                          in->last_ok ? "pass" : "fail", in->last_latency_us / 1000.0);
        else
            rt_out_printf(o, ",\"last_result\":null,\"last_latency_ms\":null");
        rt_out_printf(o, ",\"reason\":\"");
        rt_out_json_str(o, in->reason, strlen(in->reason));
        rt_out_printf(o, "\",\"since\":%lld,\"transitions\":%llu,\"probes\":%llu}",
                      (long long)in->since, (unsigned long long)in->transitions,
                      (unsigned long long)(in->probes_ok + in->probes_fail));
    }
    pthread_mutex_unlock(&h->render_mu);
    rt_out_printf(o, "\n]}\n");
}

static void label(rt_out_t *o, rt_health_t *h, size_t i)
{
    int nl;
    const char *nm = name_of(h, i, &nl);
    rt_out_write(o, "{check=\"", 8);
    rt_out_prom_label(o, nm, (size_t)nl);
    rt_out_write(o, "\"", 1);
}

void rt_health_render_prom(rt_health_t *h, rt_out_t *o)
{
    rt_out_printf(o, "# HELP zonec_check_up 1 when the check is healthy (after thresholds, "
                     "inversion, pins and calculation).\n# TYPE zonec_check_up gauge\n");
    if (!h)
        return;
    pthread_mutex_lock(&h->render_mu);
    take_snapshot(h);
    for (size_t i = 0; i < h->n; i++) {
        rt_out_write(o, "zonec_check_up", 14);
        label(o, h, i);
        rt_out_printf(o, "} %d\n", !h->snap[i].down);
    }
    rt_out_printf(o, "# HELP zonec_check_pinned 1 when --check-state fixes the check.\n"
                     "# TYPE zonec_check_pinned gauge\n");
    for (size_t i = 0; i < h->n; i++) {
        rt_out_write(o, "zonec_check_pinned", 18);
        label(o, h, i);
        rt_out_printf(o, "} %d\n", h->snap[i].pinned);
    }
    rt_out_printf(o, "# HELP zonec_check_transitions_total Changes of state since start.\n"
                     "# TYPE zonec_check_transitions_total counter\n");
    for (size_t i = 0; i < h->n; i++) {
        rt_out_write(o, "zonec_check_transitions_total", 29);
        label(o, h, i);
        rt_out_printf(o, "} %llu\n", (unsigned long long)h->snap[i].transitions);
    }
    rt_out_printf(o, "# HELP zonec_probes_total Probes run, by raw result (before inversion).\n"
                     "# TYPE zonec_probes_total counter\n");
    for (size_t i = 0; i < h->n; i++) {
        if (!h->ck[i].probed)
            continue;
        for (int r = 0; r < 2; r++) {
            rt_out_write(o, "zonec_probes_total", 18);
            label(o, h, i);
            rt_out_printf(o, ",result=\"%s\"} %llu\n", r ? "fail" : "pass",
                          (unsigned long long)(r ? h->snap[i].probes_fail : h->snap[i].probes_ok));
        }
    }
    rt_out_printf(o, "# HELP zonec_probe_latency_seconds Time from the probe's start (connect, or "
                     "the request on a kept connection) to its answer.\n"
                     "# TYPE zonec_probe_latency_seconds histogram\n");
    for (size_t i = 0; i < h->n; i++) {
        if (!h->ck[i].probed)
            continue;
        const hinfo_t *in = &h->snap[i];
        uint64_t cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += in->lat_bucket[b];
            rt_out_write(o, "zonec_probe_latency_seconds_bucket", 34);
            label(o, h, i);
            rt_out_printf(o, ",le=\"%s\"} %llu\n", lat_labels[b], (unsigned long long)cum);
        }
        uint64_t total = in->probes_ok + in->probes_fail;
        rt_out_write(o, "zonec_probe_latency_seconds_bucket", 34);
        label(o, h, i);
        rt_out_printf(o, ",le=\"+Inf\"} %llu\n", (unsigned long long)total);
        rt_out_write(o, "zonec_probe_latency_seconds_sum", 31);
        label(o, h, i);
        rt_out_printf(o, "} %.6f\n", in->lat_sum_us / 1e6);
        rt_out_write(o, "zonec_probe_latency_seconds_count", 33);
        label(o, h, i);
        rt_out_printf(o, "} %llu\n", (unsigned long long)total);
    }
    pthread_mutex_unlock(&h->render_mu);
}
