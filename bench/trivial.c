/* trivial.c -- fixed-answer UDP DNS responder: the loopback ceiling for the benchmark
 * SPDX-License-Identifier: MIT
 *
 * usage: trivial -p PORT [-s 127.0.0.1] [-b BATCH] [-i] [-e] [-m MB [-n LINES]]
 *
 * One UDP socket, recvmmsg/sendmmsg in batches of 64. For every query it copies the header
 * and question, sets QR and AA, appends one fixed answer (owner = pointer to the question
 * name, A 192.0.2.1, TTL 300) and then the query's additional section unchanged (so an EDNS
 * OPT is echoed and the response has the size of a real one). No lookup, no validation
 * beyond finding the end of the question: this is what any server's per-packet work is
 * compared with. Binds loopback addresses only. Stops on SIGTERM/SIGINT.
 * Options that copy one feature of a real server's loop, to measure what it costs:
 *   -b N  datagrams per recvmmsg/sendmmsg call (1..64, default 64)
 *   -i    IP_PKTINFO: receive each datagram's destination address and send the reply from it
 *   -e    wait in epoll_wait, then recvmmsg with MSG_DONTWAIT (instead of a blocking
 *         recvmmsg with MSG_WAITFORONE)
 *   -m MB -n LINES  read LINES (default 1) cache lines per query from a table of MB MiB,
 *         at places drawn from a hash of the question: the memory a big zone's lookup
 *         reads, without the lookup (how much of a server's cost at 1M names is memory)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64
#define BUFSZ 2048

static volatile sig_atomic_t stop;
static const uint8_t *table;   /* -m: lines read per query, mapped and touched at start */
static size_t table_lines;
static unsigned lines_per_query = 1;
static volatile uint64_t table_sink;

/* -m: reads lines_per_query lines of table at places drawn from q[12..len). The reads
 * are independent of each other (they overlap), not of the query. */
static void read_table(const uint8_t *q, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the question */
    for (size_t i = 12; i < len; i++)
        h = (h ^ q[i]) * 0x100000001b3ull;
    uint64_t acc = 0;
    for (unsigned k = 0; k < lines_per_query; k++) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        acc += table[((h >> 16) % table_lines) * 64];
    }
    table_sink += acc;
}
static void on_signal(int sig) { (void)sig; stop = 1; }

static uint8_t in[BATCH][BUFSZ], out[BATCH][BUFSZ];
static struct sockaddr_storage peer[BATCH];
static struct iovec iin[BATCH], iout[BATCH];
static struct mmsghdr min_[BATCH], mout[BATCH];
typedef union {
    struct cmsghdr align;
    uint8_t b[CMSG_SPACE(sizeof(struct in_pktinfo))];
} ctrl_t;
static ctrl_t ctrl[BATCH];

static const uint8_t answer[16] = {
    0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 192, 0, 2, 1,
};

/* Build the response for q[0..len) into r; returns its length or 0 to drop. */
static size_t respond(const uint8_t *q, size_t len, uint8_t *r)
{
    if (len < 17 || (q[2] & 0x80))
        return 0;
    size_t p = 12;
    while (p < len && q[p] != 0) {
        if (q[p] > 63)
            return 0;
        p += (size_t)q[p] + 1;
    }
    p += 5;                                     /* root label + QTYPE + QCLASS */
    if (p > len || len + sizeof answer > BUFSZ)
        return 0;
    memcpy(r, q, p);
    r[2] = (uint8_t)((q[2] & 0x79) | 0x84);     /* QR, AA; keep opcode and RD */
    r[3] = 0;                                   /* RA=0, RCODE NOERROR */
    r[6] = 0;
    r[7] = 1;                                   /* ANCOUNT 1 */
    r[8] = 0;
    r[9] = 0;                                   /* NSCOUNT 0 */
    memcpy(r + p, answer, sizeof answer);
    memcpy(r + p + sizeof answer, q + p, len - p);  /* additional section (OPT) as sent */
    return len + sizeof answer;
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    int port = 0, c, batch = BATCH, pktinfo = 0, use_epoll = 0;
    size_t table_mb = 0;
    while ((c = getopt(argc, argv, "s:p:b:iem:n:")) != -1) {
        if (c == 's')
            addr = optarg;
        else if (c == 'p')
            port = atoi(optarg);
        else if (c == 'b')
            batch = atoi(optarg);
        else if (c == 'i')
            pktinfo = 1;
        else if (c == 'e')
            use_epoll = 1;
        else if (c == 'm')
            table_mb = (size_t)atoi(optarg);
        else if (c == 'n')
            lines_per_query = (unsigned)atoi(optarg);
        else {
            fprintf(stderr, "usage: trivial -p PORT [-s 127.0.0.1] [-b BATCH] [-i] [-e] "
                            "[-m MB [-n LINES]]\n");
            return 2;
        }
    }
    if (batch < 1 || batch > BATCH) {
        fprintf(stderr, "trivial: -b must be in 1..%d\n", BATCH);
        return 2;
    }
    if (table_mb > 4096 || lines_per_query < 1 || lines_per_query > 64) {
        fprintf(stderr, "trivial: -m must be at most 4096 and -n in 1..64\n");
        return 2;
    }
    if (table_mb) {
        table_lines = table_mb << 14; /* 64-byte lines per MiB */
        uint8_t *t = malloc(table_lines * 64);
        if (t == NULL) {
            perror("trivial: -m");
            return 1;
        }
        memset(t, 1, table_lines * 64); /* resident before the first query */
        table = t;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
        (ntohl(a.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "trivial: need -p PORT and a 127.x.y.z address\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1, buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("trivial: bind");
        return 1;
    }
    if (pktinfo)
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    int ep = -1;
    if (use_epoll) {
        struct epoll_event ev = {.events = EPOLLIN};
        ep = epoll_create1(0);
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            perror("trivial: epoll");
            return 1;
        }
    }
    struct sigaction sa = {.sa_handler = on_signal};    /* no SA_RESTART: recvmmsg returns */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (int i = 0; i < BATCH; i++) {
        iin[i] = (struct iovec){in[i], BUFSZ};
        iout[i] = (struct iovec){out[i], 0};
    }
    while (!stop) {
        for (int i = 0; i < batch; i++)
            min_[i].msg_hdr = (struct msghdr){.msg_name = &peer[i], .msg_namelen = sizeof peer[i],
                                             .msg_iov = &iin[i], .msg_iovlen = 1,
                                             .msg_control = pktinfo ? &ctrl[i] : NULL,
                                             .msg_controllen = pktinfo ? sizeof ctrl[i] : 0};
        if (use_epoll) {
            struct epoll_event ev;
            if (epoll_wait(ep, &ev, 1, 500) <= 0)
                continue;
        }
        int n = recvmmsg(fd, min_, (unsigned)batch, use_epoll ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
        if (n <= 0) {
            if (n < 0 && errno != EINTR)
                perror("trivial: recvmmsg");
            continue;
        }
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (table)
                read_table(in[i], min_[i].msg_len);
            size_t len = respond(in[i], min_[i].msg_len, out[m]);
            if (!len)
                continue;
            iout[m].iov_base = out[m];
            iout[m].iov_len = len;
            mout[m].msg_hdr = (struct msghdr){.msg_name = &peer[i],
                                              .msg_namelen = min_[i].msg_hdr.msg_namelen,
                                              .msg_iov = &iout[m], .msg_iovlen = 1};
            if (pktinfo && min_[i].msg_hdr.msg_controllen > 0) {
                /* reply from the address the query was sent to */
                struct cmsghdr *cm = CMSG_FIRSTHDR(&min_[i].msg_hdr);
                if (cm && cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                    struct in_pktinfo pi;
                    memcpy(&pi, CMSG_DATA(cm), sizeof pi);
                    pi.ipi_spec_dst = pi.ipi_addr;
                    pi.ipi_ifindex = 0;
                    memcpy(CMSG_DATA(cm), &pi, sizeof pi);
                    mout[m].msg_hdr.msg_control = &ctrl[i];
                    mout[m].msg_hdr.msg_controllen = min_[i].msg_hdr.msg_controllen;
                }
            }
            m++;
        }
        for (int done = 0; done < m;) {
            int r = sendmmsg(fd, mout + done, (unsigned)(m - done), 0);
            if (r <= 0)
                break;
            done += r;
        }
    }
    if (ep >= 0)
        close(ep);
    close(fd);
    return 0;
}
