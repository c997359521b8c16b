/* net.h -- UDP and TCP serving loops around rt_query_process()
 * SPDX-License-Identifier: MIT
 *
 * Threading model: `threads` workers, each with its own UDP and TCP
 * sockets on every listen address (SO_REUSEPORT lets the kernel spread
 * packets and connections) and its own buffers, all allocated before the
 * first packet. A worker runs two threads that share nothing writable: a
 * UDP thread and a TCP thread (its own epoll instance), each with its own
 * rt_ctx_t, counters and query-log ring (RT_NET_SLOTS). Workers share
 * nothing but the read-only database and a stop eventfd; no locks on the
 * packet path.
 *
 * UDP: recvmmsg/sendmmsg in batches of RT_NET_BATCH, replies leave from the
 * address the query came to (IP_PKTINFO / IPV6_RECVPKTINFO) so wildcard
 * binds work on multi-homed hosts. With one listen address the UDP thread
 * sleeps in recvmmsg(MSG_WAITFORONE) on its blocking socket (stopped by
 * shutdown() of the socket); with several it waits in an epoll of its own.
 *
 * TCP (RFC 7766): non-blocking connections from a fixed pool of
 * RT_NET_MAX_CONN per thread, 2-byte length framing, several queries per
 * connection answered in order (pipelining), partial writes kept and
 * resumed (reading stops meanwhile: back-pressure), idle timeout
 * RT_NET_IDLE_MS, and a read timeout RT_NET_READ_MS for a message that
 * started to arrive but is not complete (slow-drip clients). When the
 * thread's pool is full, or all threads together hold the global limit
 * (rt_net_opts_t.tcp_max), the thread's least recently active connection
 * is closed for the new one (a thread with none refuses the new one). A
 * frame shorter than a DNS header or longer than the input buffer closes
 * the connection.
 *
 * UDP responses go through response rate limiting (rrl.h) unless it is off;
 * TCP is exempt. Both can be logged (qlog.h). After binding, the process
 * drops privileges (privs.h) before the workers start.
 */
#ifndef ZONEC_NET_H
#define ZONEC_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "privs.h"
#include "query.h"

#define RT_NET_BATCH 64         /* datagrams per recvmmsg/sendmmsg call (as bench/trivial.c) */
#define RT_NET_UDP_BUF 4096     /* per datagram; larger queries are dropped */
#define RT_NET_MAX_CONN 512     /* TCP connections per thread */
#define RT_NET_TCP_IN 4096      /* per-connection input buffer (frames up to 4094 bytes) */
#define RT_NET_IDLE_MS 10000    /* TCP idle timeout */
#define RT_NET_READ_MS 3000     /* TCP: a started message must be complete within this */
#define RT_NET_TCP_MAX 2048     /* default global TCP connection limit (all threads) */
#define RT_NET_MAX_CPUS 1024    /* entries of a --cpus list */
#define RT_NET_MAX_LISTEN 32    /* --listen addresses */
#define RT_NET_MAX_THREADS 256

/* Per-thread slots of --http counters (rt_db_t.thread_stats) and query-log
 * rings (rt_qlog_open()) a server with `threads` workers needs: slot t is
 * worker t's UDP thread, slot threads + t its TCP thread. */
#define RT_NET_SLOTS(threads) (2 * (threads))

/* One listen address. */
typedef struct rt_listen {
    struct sockaddr_storage addr;
    socklen_t addr_len;
} rt_listen_t;

/* Parses "1.2.3.4:53" or "[::1]:53" into `out`.
 * Returns: 0, or -1 when the text is not such an address. */
int rt_net_parse_listen(const char *text, rt_listen_t *out);

/* Writes "ADDR:PORT" / "[ADDR]:PORT" into buf (>= 64 bytes). */
void rt_net_format_listen(const rt_listen_t *l, char *buf, size_t cap);

/* Everything rt_net_serve_opts() needs. Zero-initialised fields mean the
 * defaults noted. */
typedef struct rt_net_opts {
    const rt_listen_t *addrs;
    int naddrs;
    int threads;             /* 0 = 1 */
    const int *cpus;         /* thread t runs on cpus[t % ncpus]; NULL = not pinned */
    int ncpus;
    unsigned rrl_rate;       /* responses/s per bucket; 0 = RRL off */
    unsigned rrl_slip;       /* every Nth limited response as TC=1; 0 = drop all */
    unsigned tcp_max;        /* global TCP connection limit; 0 = RT_NET_TCP_MAX */
    const rt_privs_t *privs; /* chroot/user to switch to after binding; NULL = none */
    int log_queries;         /* rt_qlog_open(RT_NET_SLOTS) was called: log through its rings */
} rt_net_opts_t;

/* Parses a CPU list "0,2-3" into out[] (at most cap entries).
 * Returns: the number of CPUs, or -1 when the text is not such a list. */
int rt_net_parse_cpus(const char *text, int *out, int cap);

/* Binds UDP and TCP sockets for every address and thread, applies
 * opts->privs, starts the query log writer and the workers (pinned when
 * asked), prints one "listening on ..." line to stdout, and serves until
 * SIGTERM or SIGINT (blocked in every thread and waited for here).
 * Returns: 0 after a clean stop, or -1 after printing why start-up failed
 * (bind error, out of memory, privilege drop). Ownership: everything
 * allocated here is released before returning (the query log included). */
int rt_net_serve_opts(const rt_db_t *db, const rt_net_opts_t *opts, const char *progname);

/* rt_net_serve_opts() with only these set, RRL on at RT_RRL_DEFAULT_RATE
 * and RT_RRL_DEFAULT_SLIP, and the other defaults. (Kept for callers of
 * the first version.) */
int rt_net_serve(const rt_db_t *db, const rt_listen_t *addrs, int naddrs, int threads,
                 const char *progname);

#endif
