/* net.c -- UDP (recvmmsg/sendmmsg) and TCP (epoll, RFC 7766) serving loops
 * SPDX-License-Identifier: MIT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"
#include "net.h"
#include "qlog.h"
#include "rrl.h"
#include "wire.h"

/* Out buffer: one maximal framed response always fits when it is empty,
 * plus slack so several small pipelined answers leave in one send(). */
#define TCP_OUT_CAP (2u + 65535u + 16384u)
#define TCP_CONN_MEM (RT_NET_TCP_IN + TCP_OUT_CAP)

/* epoll data: kind in the top byte, index below */
enum { EV_STOP = 1, EV_UDP = 2, EV_LISTEN = 3, EV_CONN = 4 };
#define EV_TAG(kind, idx) (((uint64_t)(kind) << 56) | (uint64_t)(idx))
#define EV_KIND(v) ((unsigned)((v) >> 56))
#define EV_IDX(v) ((uint32_t)(v))

typedef struct conn {
    int fd;              /* -1 = free */
    uint8_t want_out;    /* registered for EPOLLOUT (reading paused) */
    uint8_t eof;         /* peer closed its side: close once flushed */
    uint32_t in_len;
    uint32_t out_off, out_len;
    uint64_t last_ms;    /* last progress, for the idle timeout */
    uint64_t frame_ms;   /* when the incomplete message in `in` began; 0 = none */
    rt_peer_t peer;
    uint8_t *in;         /* RT_NET_TCP_IN bytes */
    uint8_t *out;        /* TCP_OUT_CAP bytes */
} conn_t;

typedef union ctrl_buf {
    struct cmsghdr align;
    uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
} ctrl_buf_t;

/* One worker = two threads sharing nothing writable: the UDP thread
 * (ctx, rrl, stats, qlog, the receive batch) and the TCP thread (tcp_ctx,
 * tcp_stats, tcp_qlog, the connection pool, ep). */
typedef struct worker {
    pthread_t tid;       /* UDP thread */
    pthread_t tcp_tid;
    int started, tcp_started;
    int stop;            /* set (release) before the UDP sockets are shut down */
    int ep;              /* TCP thread's epoll: listeners, connections, stopfd */
    int uep;             /* UDP thread's epoll when nsock > 1; -1 otherwise */
    int stopfd;
    int nsock;
    int udp[RT_NET_MAX_LISTEN];
    int tcp[RT_NET_MAX_LISTEN];
    uint8_t pktinfo[RT_NET_MAX_LISTEN]; /* udp[i] is bound to a wildcard: IP_PKTINFO on */
    rt_ctx_t ctx;
    rt_ctx_t tcp_ctx;
    /* msgs[i] always points at names[i], iov[i] -> ubuf slot i and ctrl[i]
     * (set once in worker_init); before each recvmmsg only the fields the
     * previous call changed are reset (rx_used entries, rx_ctrl = the
     * msg_controllen they are configured with). Replies that must skip
     * dropped queries are sent from copies in tx[]. */
    int rx_used;
    size_t rx_ctrl;
    struct mmsghdr msgs[RT_NET_BATCH];
    struct mmsghdr tx[RT_NET_BATCH];
    struct iovec iov[RT_NET_BATCH];
    struct sockaddr_storage names[RT_NET_BATCH];
    ctrl_buf_t ctrl[RT_NET_BATCH];
    rt_qitem_t items[RT_NET_BATCH]; /* msgs[i] for rt_query_process_batch(); buf fixed */
    uint8_t *ubuf;       /* RT_NET_BATCH * RT_NET_UDP_BUF */
    conn_t *conns;       /* RT_NET_MAX_CONN */
    uint8_t *conn_mem;   /* RT_NET_MAX_CONN * TCP_CONN_MEM, mmap'd lazily */
    uint32_t free_top;
    uint32_t free_list[RT_NET_MAX_CONN];
    uint64_t last_sweep;
    int cpu;             /* pin to this CPU; -1 = not pinned */
    rt_rrl_t rrl;
    rt_qlog_ring_t *qlog, *tcp_qlog;
    rt_stats_t *stats;   /* --http counters of the UDP thread (metrics.h); NULL = none */
    rt_stats_t *tcp_stats; /* and of the TCP thread */
} worker_t;

/* Counts one response for /metrics (H): by zone, qtype, rcode; and the
 * policy it evaluated. Thread-own counters: no lock, no allocation. */
static inline void count_response(rt_stats_t *st, uint32_t zone, uint32_t policy,
                                  const uint8_t *resp, size_t len)
{
    if (st == NULL)
        return;
    rt_stats_count_wire(st, zone, resp, len);
    if (policy != RT_PNONE)
        rt_stats_decision(st, policy);
}

/* recvmmsg/sendmmsg without glibc's wrappers: those are cancellation
 * points and pay for it on every call (~60 instructions each under
 * callgrind, against ~10 here); no thread here is ever cancelled. On
 * x86-64 the system call is issued inline; elsewhere through syscall(). */
static inline long sys_call5(long nr, long a1, long a2, long a3, long a4, long a5)
{
#if defined(__x86_64__) && defined(__linux__)
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
#else
    return syscall(nr, a1, a2, a3, a4, a5);
#endif
}

static inline int sys_recvmmsg(int fd, struct mmsghdr *m, unsigned n, int flags)
{
    return (int)sys_call5(SYS_recvmmsg, fd, (long)m, n, flags, 0);
}

static inline int sys_sendmmsg(int fd, struct mmsghdr *m, unsigned n, int flags)
{
    return (int)sys_call5(SYS_sendmmsg, fd, (long)m, n, flags, 0);
}

/* 0: answer a UDP batch query by query (rt_query_process) instead of in
 * stages (rt_query_process_batch); a build switch for A/B measurements. */
#ifndef RT_NET_STAGED
#define RT_NET_STAGED 1
#endif

/* TCP connections open in all threads, and the limit. */
static uint32_t g_tcp_open;
static uint32_t g_tcp_max = RT_NET_TCP_MAX;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void peer_from(rt_peer_t *p, const struct sockaddr_storage *ss, int tcp)
{
    memset(p, 0, sizeof *p);
    p->tcp = (uint8_t)tcp;
    if (ss->ss_family == AF_INET) {
        p->family = 4;
        memcpy(p->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
    } else if (ss->ss_family == AF_INET6) {
        p->family = 6;
        memcpy(p->addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
    }
}

/* ---- addresses -------------------------------------------------------- */

int rt_net_parse_listen(const char *text, rt_listen_t *out)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *colon, *h = text;
    size_t hlen;
    memset(out, 0, sizeof *out);
    if (text[0] == '[') {
        const char *end = strchr(text, ']');
        if (end == NULL || end[1] != ':')
            return -1;
        h = text + 1;
        hlen = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return -1;
        hlen = (size_t)(colon - text);
    }
    if (hlen == 0 || hlen >= sizeof host)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = 0;
    char *endp;
    const char *ptext = colon + 1;
    if (*ptext < '0' || *ptext > '9')
        return -1;
    unsigned long port = strtoul(ptext, &endp, 10);
    if (*endp != 0 || port > 65535)
        return -1;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->addr;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->addr;
    if (text[0] != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        out->addr_len = sizeof *s4;
        return 0;
    }
    if (text[0] == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        out->addr_len = sizeof *s6;
        return 0;
    }
    return -1;
}

void rt_net_format_listen(const rt_listen_t *l, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN];
    if (l->addr.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&l->addr;
        inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
        snprintf(buf, cap, "%s:%u", host, ntohs(s4->sin_port));
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&l->addr;
        inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
        snprintf(buf, cap, "[%s]:%u", host, ntohs(s6->sin6_port));
    }
}

/* ---- UDP -------------------------------------------------------------- */

/* Turns the received destination address into the reply's source address. */
static void fix_pktinfo(struct msghdr *mh)
{
    if (mh->msg_controllen == 0)
        return;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            pi.ipi_spec_dst = pi.ipi_addr;
            pi.ipi_ifindex = 0;
            memcpy(CMSG_DATA(c), &pi, sizeof pi);
        }
    }
}

/* Points every receive entry at its own buffers (once per thread). */
static void udp_setup(worker_t *w)
{
    for (int i = 0; i < RT_NET_BATCH; i++) {
        w->iov[i].iov_base = w->items[i].buf = w->ubuf + (size_t)i * RT_NET_UDP_BUF;
        w->iov[i].iov_len = RT_NET_UDP_BUF;
        struct msghdr *mh = &w->msgs[i].msg_hdr;
        mh->msg_name = &w->names[i];
        mh->msg_namelen = sizeof w->names[i];
        mh->msg_iov = &w->iov[i];
        mh->msg_iovlen = 1;
        mh->msg_control = &w->ctrl[i];
        mh->msg_controllen = sizeof w->ctrl[i];
        mh->msg_flags = 0;
    }
    w->rx_used = 0;
    w->rx_ctrl = sizeof w->ctrl[0];
}

/* Restores the lengths recvmmsg and the reply path changed in the entries
 * the previous call used; ctrl = control buffer size for this socket (0
 * when it is bound to a specific address: no IP_PKTINFO). */
static void udp_rearm(worker_t *w, size_t ctrl)
{
    int k = w->rx_used;
    if (ctrl != w->rx_ctrl) {
        k = RT_NET_BATCH;
        w->rx_ctrl = ctrl;
    }
    for (int i = 0; i < k; i++) {
        w->iov[i].iov_len = RT_NET_UDP_BUF;
        w->msgs[i].msg_hdr.msg_namelen = sizeof w->names[i];
        w->msgs[i].msg_hdr.msg_controllen = ctrl;
    }
    w->rx_used = 0;
}

/* One recvmmsg call on UDP socket `sock` (flags: MSG_DONTWAIT or
 * MSG_WAITFORONE), then the answers in one sendmmsg.
 * Returns: the datagrams received, 0 when the worker is stopping, or -1
 * (errno) when nothing was received. */
__attribute__((noinline)) /* bench/callgrind.sh counts its calls */
static int udp_batch(worker_t *w, int sock, int flags)
{
    int fd = w->udp[sock];
    udp_rearm(w, w->pktinfo[sock] ? sizeof w->ctrl[0] : 0);
    int n = sys_recvmmsg(fd, w->msgs, RT_NET_BATCH, flags);
    if (__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
        return 0; /* the socket was shut down: what it returned is not a query */
    if (n <= 0)
        return n < 0 ? -1 : 0;
    w->rx_used = n;
    uint64_t now = w->rrl.rate ? now_ms() : 0;
    int m = 0, compact = 0;
    if (n == 1 || !RT_NET_STAGED) { /* nothing to overlap */
        for (int i = 0; i < n; i++) {
            rt_qitem_t *it = &w->items[i];
            peer_from(&it->peer, &w->names[i], 0);
            it->len = w->msgs[i].msg_hdr.msg_flags & MSG_TRUNC
                          ? 0 /* over RT_NET_UDP_BUF: not a query we answer */
                          : rt_query_process(&w->ctx, it->buf, w->msgs[i].msg_len, RT_NET_UDP_BUF,
                                             &it->peer);
            it->zone = w->ctx.last_zone;
            it->policy = w->ctx.last_policy;
        }
    } else {
        for (int i = 0; i < n; i++) {
            rt_qitem_t *it = &w->items[i];
            /* len 0 (over RT_NET_UDP_BUF: not a query we answer) is dropped */
            it->len = w->msgs[i].msg_hdr.msg_flags & MSG_TRUNC ? 0 : w->msgs[i].msg_len;
            peer_from(&it->peer, &w->names[i], 0);
        }
        rt_query_process_batch(&w->ctx, w->items, (unsigned)n, RT_NET_UDP_BUF);
    }
    for (int i = 0; i < n; i++) {
        rt_qitem_t *it = &w->items[i];
        struct msghdr *mh = &w->msgs[i].msg_hdr;
        uint8_t *buf = it->buf;
        size_t len = it->len;
        if (len == 0)
            continue;
        const rt_peer_t *peer = &it->peer;
        count_response(w->stats, it->zone, it->policy, buf, len);
        if (w->rrl.rate) {
            int v = rt_rrl_check(&w->rrl, peer, buf, len, NULL, now);
            rt_qlog_put(w->qlog, peer, buf, len, v);
            if (v == RT_RRL_DROP)
                continue;
            if (v == RT_RRL_SLIP)
                len = rt_rrl_slip_reply(buf, len);
        } else if (w->qlog) {
            rt_qlog_put(w->qlog, peer, buf, len, 0);
        }
        w->iov[i].iov_len = len;
        if (mh->msg_flags & MSG_CTRUNC)
            mh->msg_controllen = 0;
        fix_pktinfo(mh);
        mh->msg_flags = 0;
        if (m != i) { /* a query was dropped: send from compacted copies */
            if (!compact)
                for (int c = 0; c < m; c++)
                    w->tx[c].msg_hdr = w->msgs[c].msg_hdr;
            compact = 1;
            w->tx[m].msg_hdr = *mh;
        }
        m++;
    }
    struct mmsghdr *out = compact ? w->tx : w->msgs;
    for (int sent = 0; sent < m;) {
        int r = sys_sendmmsg(fd, out + sent, (unsigned)(m - sent), MSG_DONTWAIT);
        if (r > 0)
            sent += r;
        else if (r < 0 && errno == EINTR)
            continue;
        else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break; /* socket buffer full: drop the rest, as a router would */
        else
            sent++; /* this datagram cannot be sent (e.g. unreachable): skip it */
    }
    return n;
}

/* Drains UDP socket `sock` (at most 8 full batches, then back to epoll). */
static void udp_ready(worker_t *w, int sock)
{
    for (int round = 0; round < 8; round++)
        if (udp_batch(w, sock, MSG_DONTWAIT) < RT_NET_BATCH)
            return;
}

/* ---- TCP -------------------------------------------------------------- */

static void conn_close(worker_t *w, uint32_t idx)
{
    conn_t *c = &w->conns[idx];
    if (c->fd < 0)
        return;
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    w->free_list[w->free_top++] = idx;
    __atomic_fetch_sub(&g_tcp_open, 1, __ATOMIC_RELAXED);
}

static void conn_want_out(worker_t *w, uint32_t idx, int want)
{
    conn_t *c = &w->conns[idx];
    if (c->want_out == want)
        return;
    struct epoll_event ev = {.events = want ? EPOLLOUT : EPOLLIN, .data.u64 = EV_TAG(EV_CONN, idx)};
    epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = (uint8_t)want;
}

/* Sends pending output. Returns: 1 when all is sent, 0 when some is left
 * (socket full), -1 on a connection error. */
static int conn_flush(conn_t *c, uint64_t now)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->out_off += (uint32_t)n;
            c->last_ms = now;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return 0;
        } else {
            return -1;
        }
    }
    c->out_off = c->out_len = 0;
    return 1;
}

/* Answers every complete frame in the input buffer, in order, into the
 * output buffer. Returns: -1 to close the connection, 0 otherwise. */
static int conn_frames(worker_t *w, conn_t *c, uint64_t now)
{
    uint32_t off = 0;
    int rc = 0;
    while (c->in_len - off >= 2) {
        uint32_t flen = wire_read_u16(c->in + off);
        if (flen < WIRE_HEADER_LEN || flen > RT_NET_TCP_IN - 2) {
            rc = -1; /* not a DNS message we accept: RFC 7766 lets us close */
            break;
        }
        if (c->in_len - off < 2 + flen)
            break;
        if (TCP_OUT_CAP - c->out_len < 2u + 65535u) {
            int f = conn_flush(c, now);
            if (f < 0) {
                rc = -1;
                break;
            }
            if (f == 0)
                break; /* resume after EPOLLOUT */
        }
        uint8_t *dst = c->out + c->out_len;
        memcpy(dst + 2, c->in + off + 2, flen);
        size_t rlen = rt_query_process(&w->tcp_ctx, dst + 2, flen, 65535, &c->peer);
        off += 2 + flen;
        if (rlen == 0)
            continue; /* dropped (e.g. QR=1): nothing to send */
        count_response(w->tcp_stats, w->tcp_ctx.last_zone, w->tcp_ctx.last_policy, dst + 2, rlen);
        rt_qlog_put(w->tcp_qlog, &c->peer, dst + 2, rlen, 0);
        wire_write_u16(dst, (uint16_t)rlen);
        c->out_len += 2u + (uint32_t)rlen;
    }
    if (off > 0) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
        c->frame_ms = 0; /* a message completed: the next one starts its clock now */
    }
    if (c->in_len == 0)
        c->frame_ms = 0;
    else if (c->frame_ms == 0)
        c->frame_ms = now;
    return rc;
}

static void conn_event(worker_t *w, uint32_t idx, uint32_t events)
{
    conn_t *c = &w->conns[idx];
    uint64_t now = now_ms();
    if (c->fd < 0)
        return;
    if ((events & (EPOLLERR | EPOLLHUP)) && !(events & (EPOLLIN | EPOLLOUT)))
        goto close;
    if (events & EPOLLIN && !c->eof && c->in_len < RT_NET_TCP_IN) {
        ssize_t n = recv(c->fd, c->in + c->in_len, RT_NET_TCP_IN - c->in_len, MSG_DONTWAIT);
        if (n > 0) {
            c->in_len += (uint32_t)n;
            c->last_ms = now;
        } else if (n == 0) {
            c->eof = 1;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            goto close;
        }
    }
    for (;;) {
        if (conn_frames(w, c, now) < 0)
            goto close;
        int f = conn_flush(c, now);
        if (f < 0)
            goto close;
        if (f == 0) {
            conn_want_out(w, idx, 1);
            return;
        }
        /* all sent: more complete frames may be waiting behind the ones done */
        if (c->in_len < 2 || c->in_len < 2u + wire_read_u16(c->in))
            break;
    }
    if (c->eof)
        goto close;
    conn_want_out(w, idx, 0);
    return;
close:
    conn_close(w, idx);
}

static void tcp_accept(worker_t *w, int lfd)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        uint64_t now = now_ms();
        if (w->free_top == 0 ||
            __atomic_load_n(&g_tcp_open, __ATOMIC_RELAXED) >= g_tcp_max) {
            /* this pool or all of them full: our least recently active
             * connection makes room; with none of our own, refuse */
            uint32_t old = UINT32_MAX;
            for (uint32_t i = 0; i < RT_NET_MAX_CONN; i++)
                if (w->conns[i].fd >= 0 &&
                    (old == UINT32_MAX || w->conns[i].last_ms < w->conns[old].last_ms))
                    old = i;
            if (old == UINT32_MAX) {
                close(fd);
                continue;
            }
            conn_close(w, old);
        }
        __atomic_fetch_add(&g_tcp_open, 1, __ATOMIC_RELAXED);
        uint32_t idx = w->free_list[--w->free_top];
        conn_t *c = &w->conns[idx];
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        c->want_out = 0;
        c->eof = 0;
        c->in_len = c->out_off = c->out_len = 0;
        c->last_ms = now;
        c->frame_ms = 0;
        peer_from(&c->peer, &ss, 1);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_TAG(EV_CONN, idx)};
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            conn_close(w, idx);
    }
}

static void sweep_idle(worker_t *w, uint64_t now)
{
    for (uint32_t i = 0; i < RT_NET_MAX_CONN; i++) {
        const conn_t *c = &w->conns[i];
        if (c->fd < 0)
            continue;
        if (now - c->last_ms >= RT_NET_IDLE_MS ||
            (c->frame_ms && !c->want_out && now - c->frame_ms >= RT_NET_READ_MS))
            conn_close(w, i);
    }
}

/* ---- workers ---------------------------------------------------------- */

/* The TCP thread: listeners and connections, idle sweep every 250 ms. */
static void *tcp_main(void *arg)
{
    worker_t *w = arg;
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(w->ep, evs, 64, 250);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            uint64_t d = evs[i].data.u64;
            switch (EV_KIND(d)) {
            case EV_STOP:
                return NULL;
            case EV_LISTEN:
                tcp_accept(w, w->tcp[EV_IDX(d)]);
                break;
            case EV_CONN:
                conn_event(w, EV_IDX(d), evs[i].events);
                break;
            }
        }
        uint64_t now = now_ms();
        if (now - w->last_sweep >= 250) {
            sweep_idle(w, now);
            w->last_sweep = now;
        }
    }
    return NULL;
}

/* The UDP thread. With one socket it sleeps in recvmmsg(MSG_WAITFORONE)
 * itself: one system call fewer per wake-up than epoll_wait + recvmmsg,
 * and no epoll wake-up in the kernel; the stop is a shutdown() of the
 * socket, which wakes it. With several sockets it waits in its own epoll. */
static void *udp_main(void *arg)
{
    worker_t *w = arg;
    if (w->uep < 0) {
        while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE))
            udp_batch(w, 0, MSG_WAITFORONE);
        return NULL;
    }
    struct epoll_event evs[RT_NET_MAX_LISTEN + 1];
    for (;;) {
        int n = epoll_wait(w->uep, evs, RT_NET_MAX_LISTEN + 1, -1);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < n; i++) {
            uint64_t d = evs[i].data.u64;
            if (EV_KIND(d) == EV_STOP)
                return NULL;
            udp_ready(w, (int)EV_IDX(d));
        }
    }
    return NULL;
}

/* 1 when l is 0.0.0.0 or [::]. */
static int listen_is_wildcard(const rt_listen_t *l)
{
    if (l->addr.ss_family == AF_INET)
        return ((const struct sockaddr_in *)&l->addr)->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&l->addr)->sin6_addr);
}

static int open_socket(const rt_listen_t *l, int type, const char *progname)
{
    char name[80];
    int one = 1;
    int fam = l->addr.ss_family;
    int fd = socket(fam, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    rt_net_format_listen(l, name, sizeof name);
    if (fd < 0)
        goto fail;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
        goto fail;
    if (fam == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
        goto fail;
    if (type == SOCK_DGRAM) {
        /* bursts: room for a few thousand queries (capped by net.core.rmem_max) */
        int sz = 4 << 20;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0) /* root only */
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
        /* the reply's source address: only a wildcard bind needs the
         * query's destination (a bound address is already the source);
         * without it the kernel skips building and parsing the cmsg */
        if (listen_is_wildcard(l)) {
            if (fam == AF_INET)
                setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
            else
                setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
        }
    }
    if (bind(fd, (const struct sockaddr *)&l->addr, l->addr_len) < 0)
        goto fail;
    if (type == SOCK_STREAM && listen(fd, 1024) < 0)
        goto fail;
    return fd;
fail:
    fprintf(stderr, "%s: cannot listen on %s (%s): %s\n", progname, name,
            type == SOCK_DGRAM ? "udp" : "tcp", strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static void worker_free(worker_t *w)
{
    for (int i = 0; i < w->nsock; i++) {
        if (w->udp[i] >= 0)
            close(w->udp[i]);
        if (w->tcp[i] >= 0)
            close(w->tcp[i]);
    }
    if (w->conns)
        for (uint32_t i = 0; i < RT_NET_MAX_CONN; i++)
            if (w->conns[i].fd >= 0)
                close(w->conns[i].fd);
    if (w->ep >= 0)
        close(w->ep);
    if (w->uep >= 0)
        close(w->uep);
    free(w->ubuf);
    free(w->conns);
    rt_rrl_free(&w->rrl);
    if (w->conn_mem)
        munmap(w->conn_mem, (size_t)RT_NET_MAX_CONN * TCP_CONN_MEM);
}

static int worker_init(worker_t *w, const rt_db_t *db, const rt_listen_t *addrs, int naddrs,
                       int stopfd, uint64_t seed, const rt_net_opts_t *o, int t, int threads,
                       const char *progname)
{
    w->ep = w->uep = -1;
    w->stopfd = stopfd;
    w->ctx.db = w->tcp_ctx.db = db;
    w->ctx.rng = seed | 1;
    w->tcp_ctx.rng = (seed ^ 0x6a09e667f3bcc909ull) | 1;
    /* slots (RT_NET_SLOTS): t = this worker's UDP thread, threads + t its TCP thread */
    unsigned us = (unsigned)t, ts = (unsigned)(threads + t);
    w->stats = db->thread_stats && us < db->nthread_stats ? db->thread_stats[us] : NULL;
    w->tcp_stats = db->thread_stats && ts < db->nthread_stats ? db->thread_stats[ts] : NULL;
    for (int i = 0; i < naddrs; i++)
        w->udp[i] = w->tcp[i] = -1;
    w->nsock = naddrs;
    for (int i = 0; i < naddrs; i++) {
        if ((w->udp[i] = open_socket(&addrs[i], SOCK_DGRAM, progname)) < 0)
            return -1;
        /* a single UDP socket is read blocking (udp_main); sends stay MSG_DONTWAIT */
        if (naddrs == 1 && fcntl(w->udp[i], F_SETFL, fcntl(w->udp[i], F_GETFL) & ~O_NONBLOCK) < 0)
            return -1;
        w->pktinfo[i] = (uint8_t)listen_is_wildcard(&addrs[i]);
        if ((w->tcp[i] = open_socket(&addrs[i], SOCK_STREAM, progname)) < 0)
            return -1;
    }
    w->ubuf = malloc((size_t)RT_NET_BATCH * RT_NET_UDP_BUF);
    w->conns = calloc(RT_NET_MAX_CONN, sizeof *w->conns);
    for (uint32_t i = 0; w->conns && i < RT_NET_MAX_CONN; i++)
        w->conns[i].fd = -1;
    w->conn_mem = mmap(NULL, (size_t)RT_NET_MAX_CONN * TCP_CONN_MEM, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (w->conn_mem == MAP_FAILED)
        w->conn_mem = NULL;
    w->ep = epoll_create1(EPOLL_CLOEXEC);
    if (naddrs > 1)
        w->uep = epoll_create1(EPOLL_CLOEXEC);
    int rrl_rc = rt_rrl_init(&w->rrl, o->rrl_rate, o->rrl_slip);
    w->qlog = o->log_queries ? rt_qlog_ring((int)us) : NULL;
    w->tcp_qlog = o->log_queries ? rt_qlog_ring((int)ts) : NULL;
    w->cpu = o->cpus && o->ncpus > 0 ? o->cpus[t % o->ncpus] : -1;
    if (!w->ubuf || !w->conns || !w->conn_mem || w->ep < 0 || (naddrs > 1 && w->uep < 0) ||
        rrl_rc < 0) {
        fprintf(stderr, "%s: cannot allocate worker state: %s\n", progname, strerror(errno));
        return -1;
    }
    for (uint32_t i = 0; i < RT_NET_MAX_CONN; i++) {
        conn_t *c = &w->conns[i];
        c->in = w->conn_mem + (size_t)i * TCP_CONN_MEM;
        c->out = c->in + RT_NET_TCP_IN;
        w->free_list[RT_NET_MAX_CONN - 1 - i] = i; /* hand out slot 0 first */
    }
    w->free_top = RT_NET_MAX_CONN;
    udp_setup(w);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_TAG(EV_STOP, 0)};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, stopfd, &ev) < 0)
        return -1;
    if (w->uep >= 0 && epoll_ctl(w->uep, EPOLL_CTL_ADD, stopfd, &ev) < 0)
        return -1;
    for (int i = 0; i < naddrs; i++) {
        ev.data.u64 = EV_TAG(EV_UDP, i);
        if (w->uep >= 0 && epoll_ctl(w->uep, EPOLL_CTL_ADD, w->udp[i], &ev) < 0)
            return -1;
        ev.data.u64 = EV_TAG(EV_LISTEN, i);
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tcp[i], &ev) < 0)
            return -1;
    }
    w->last_sweep = now_ms();
    return 0;
}

static void on_signal(int sig)
{
    (void)sig; /* never runs: the signals stay blocked and go to sigwait() */
}

int rt_net_parse_cpus(const char *text, int *out, int cap)
{
    int n = 0;
    const char *p = text;
    if (*p == 0)
        return -1;
    for (;;) {
        char *end;
        if (*p < '0' || *p > '9')
            return -1;
        long a = strtol(p, &end, 10), b = a;
        p = end;
        if (*p == '-') {
            p++;
            if (*p < '0' || *p > '9')
                return -1;
            b = strtol(p, &end, 10);
            p = end;
        }
        if (a < 0 || b < a || b >= CPU_SETSIZE)
            return -1;
        for (long c = a; c <= b; c++) {
            if (n == cap)
                return -1;
            out[n++] = (int)c;
        }
        if (*p == 0)
            return n;
        if (*p++ != ',')
            return -1;
    }
}

int rt_net_serve(const rt_db_t *db, const rt_listen_t *addrs, int naddrs, int threads,
                 const char *progname)
{
    rt_net_opts_t o;
    memset(&o, 0, sizeof o);
    o.addrs = addrs;
    o.naddrs = naddrs;
    o.threads = threads;
    o.rrl_rate = RT_RRL_DEFAULT_RATE;
    o.rrl_slip = RT_RRL_DEFAULT_SLIP;
    return rt_net_serve_opts(db, &o, progname);
}

int rt_net_serve_opts(const rt_db_t *db, const rt_net_opts_t *opts, const char *progname)
{
    const rt_listen_t *addrs = opts->addrs;
    int naddrs = opts->naddrs, threads = opts->threads > 0 ? opts->threads : 1;
    char err[512];
    g_tcp_max = opts->tcp_max ? opts->tcp_max : RT_NET_TCP_MAX;
    g_tcp_open = 0;
    rt_rrl_global_init(0);
    sigset_t set, old;
    int rc = -1, sig = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    /* workers inherit the mask: only sigwait() below sees the stop signals */
    pthread_sigmask(SIG_BLOCK, &set, &old);
    /* a handler, so that an inherited SIG_IGN (background job of a
     * non-interactive shell) cannot make sigwait() miss the signal */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    worker_t *ws = calloc((size_t)threads, sizeof *ws);
    if (stopfd < 0 || ws == NULL) {
        fprintf(stderr, "%s: cannot start: %s\n", progname, strerror(errno));
        goto out;
    }
    for (int t = 0; t < threads; t++)
        ws[t].ep = ws[t].uep = -1; /* worker_free() of a worker never initialised closes nothing */
    for (int t = 0; t < threads; t++) {
        if (worker_init(&ws[t], db, addrs, naddrs, stopfd, 0x9e3779b97f4a7c15ull * (uint64_t)(t + 1),
                        opts, t, threads, progname) < 0)
            goto out;
    }
    /* every socket is bound: give up root before any thread runs */
    if (opts->privs && rt_privs_apply(opts->privs, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", progname, err);
        goto out;
    }
    if (opts->log_queries && rt_qlog_start() < 0) {
        fprintf(stderr, "%s: cannot start the query log writer\n", progname);
        goto out;
    }
    char line[RT_NET_MAX_LISTEN * 64 + 128];
    size_t pos = (size_t)snprintf(line, sizeof line, "%s: listening on", progname);
    for (int i = 0; i < naddrs && pos < sizeof line; i++) {
        char a[80];
        rt_net_format_listen(&addrs[i], a, sizeof a);
        pos += (size_t)snprintf(line + pos, sizeof line - pos, " %s", a);
    }
    printf("%s (udp+tcp, %d thread%s)\n", line, threads, threads == 1 ? "" : "s");
    fflush(stdout);

    int all = 1;
    for (int t = 0; t < threads && all; t++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        if (ws[t].cpu >= 0) {
            cpu_set_t cs;
            CPU_ZERO(&cs);
            CPU_SET(ws[t].cpu, &cs);
            pthread_attr_setaffinity_np(&attr, sizeof cs, &cs);
        }
        int e = pthread_create(&ws[t].tid, &attr, udp_main, &ws[t]);
        ws[t].started = e == 0;
        if (e == 0) {
            e = pthread_create(&ws[t].tcp_tid, &attr, tcp_main, &ws[t]);
            ws[t].tcp_started = e == 0;
        }
        pthread_attr_destroy(&attr);
        if (e != 0) {
            if (ws[t].cpu >= 0)
                fprintf(stderr, "%s: cannot start thread %d on CPU %d: %s\n", progname, t,
                        ws[t].cpu, strerror(e));
            else
                fprintf(stderr, "%s: cannot start thread %d: %s\n", progname, t, strerror(e));
            all = 0;
        }
    }
    if (all) {
        while (sigwait(&set, &sig) != 0)
            ;
        rc = 0;
    }
    /* stop: the TCP threads (and UDP threads in epoll) see the eventfd; a
     * UDP thread asleep in recvmmsg is woken by shutdown() of its socket
     * (Linux wakes the receiver of an unconnected UDP socket too, and every
     * later recvmmsg returns at once), after it can see w->stop */
    uint64_t one = 1;
    if (write(stopfd, &one, sizeof one) < 0)
        rc = -1;
    for (int t = 0; t < threads; t++) {
        __atomic_store_n(&ws[t].stop, 1, __ATOMIC_RELEASE);
        if (ws[t].uep < 0 && ws[t].nsock == 1 && ws[t].udp[0] >= 0)
            shutdown(ws[t].udp[0], SHUT_RD);
    }
    for (int t = 0; t < threads; t++) {
        if (ws[t].started)
            pthread_join(ws[t].tid, NULL);
        if (ws[t].tcp_started)
            pthread_join(ws[t].tcp_tid, NULL);
    }
    if (opts->rrl_rate) {
        uint64_t sl = 0, dr = 0;
        for (int t = 0; t < threads; t++) {
            sl += ws[t].rrl.slipped;
            dr += ws[t].rrl.dropped;
        }
        if (sl || dr)
            fprintf(stderr, "%s: rate limiting: %llu responses slipped (TC=1), %llu dropped\n",
                    progname, (unsigned long long)sl, (unsigned long long)dr);
    }
out:
    rt_qlog_stop();
    if (ws)
        for (int t = 0; t < threads; t++)
            worker_free(&ws[t]);
    free(ws);
    if (stopfd >= 0)
        close(stopfd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
