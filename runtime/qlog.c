/* qlog.c -- per-thread query log rings drained by one writer thread
 * SPDX-License-Identifier: MIT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qlog.h"
#include "rrl.h"
#include "wire.h"

typedef struct qlog_rec {
    uint64_t ms;          /* wall clock */
    uint16_t qtype;
    uint8_t family, tcp, rcode, rrl, namelen;
    uint8_t addr[16];
    uint8_t name[255];
} qlog_rec_t;

struct rt_qlog_ring {
    uint32_t head;        /* written by the worker */
    uint32_t tail;        /* written by the writer */
    uint64_t dropped;     /* written by the worker */
    qlog_rec_t recs[RT_QLOG_RING];
};

static FILE *g_out;
static int g_close_out;
static int g_nrings;
static rt_qlog_ring_t *g_rings;
static pthread_t g_writer;
static int g_running, g_stop;
static uint64_t g_dropped_reported;

int rt_qlog_open(const char *path, int nrings, const char *progname)
{
    if (strcmp(path, "-") == 0) {
        g_out = stdout;
    } else {
        g_out = fopen(path, "ae");
        if (g_out == NULL) {
            fprintf(stderr, "%s: cannot open query log '%s': %s\n", progname, path,
                    strerror(errno));
            return -1;
        }
        g_close_out = 1;
    }
    g_rings = calloc((size_t)nrings, sizeof *g_rings);
    if (g_rings == NULL) {
        fprintf(stderr, "%s: cannot allocate the query log: %s\n", progname, strerror(errno));
        if (g_close_out)
            fclose(g_out);
        g_out = NULL;
        return -1;
    }
    g_nrings = nrings;
    return 0;
}

rt_qlog_ring_t *rt_qlog_ring(int i)
{
    return g_rings && i >= 0 && i < g_nrings ? &g_rings[i] : NULL;
}

void rt_qlog_put(rt_qlog_ring_t *ring, const rt_peer_t *peer, const uint8_t *resp, size_t len,
                 int rrl)
{
    if (ring == NULL || len < WIRE_HEADER_LEN)
        return;
    uint32_t head = ring->head;
    uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= RT_QLOG_RING) {
        ring->dropped++;
        return;
    }
    qlog_rec_t *r = &ring->recs[head & (RT_QLOG_RING - 1)];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts); /* vDSO: no system call */
    r->ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    r->family = peer ? peer->family : 0;
    r->tcp = peer ? peer->tcp : 0;
    if (peer)
        memcpy(r->addr, peer->addr, 16);
    r->rcode = resp[3] & 0x0f;
    r->rrl = (uint8_t)rrl;
    r->namelen = 0;
    r->qtype = 0;
    if (wire_read_u16(resp + 4) >= 1) {
        /* the question as the response carries it: uncompressed */
        size_t off = WIRE_HEADER_LEN, n = 0;
        while (off < len) {
            uint8_t l = resp[off];
            if (l & 0xc0 || off + 1u + l > len || n + 1u + l > sizeof r->name) {
                n = 0;
                break;
            }
            memcpy(r->name + n, resp + off, 1u + l);
            n += 1u + l;
            off += 1u + l;
            if (l == 0) {
                if (off + 2 <= len)
                    r->qtype = wire_read_u16(resp + off);
                break;
            }
        }
        r->namelen = (uint8_t)n;
    }
    __atomic_store_n(&ring->head, head + 1, __ATOMIC_RELEASE);
}

static const char *type_name(uint16_t t, char *buf, size_t cap)
{
    static const struct { uint16_t code; const char *name; } tab[] = {
        {1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"}, {13, "HINFO"}, {15, "MX"},
        {16, "TXT"}, {28, "AAAA"}, {29, "LOC"}, {33, "SRV"}, {35, "NAPTR"}, {39, "DNAME"},
        {41, "OPT"}, {43, "DS"}, {44, "SSHFP"}, {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
        {50, "NSEC3"}, {52, "TLSA"}, {64, "SVCB"}, {65, "HTTPS"}, {99, "SPF"}, {251, "IXFR"},
        {252, "AXFR"}, {255, "ANY"}, {256, "URI"}, {257, "CAA"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (tab[i].code == t)
            return tab[i].name;
    snprintf(buf, cap, "TYPE%u", t);
    return buf;
}

static const char *rcode_name(unsigned rc, char *buf, size_t cap)
{
    static const char *const tab[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
                                      "REFUSED"};
    if (rc < sizeof tab / sizeof tab[0])
        return tab[rc];
    snprintf(buf, cap, "RCODE%u", rc);
    return buf;
}

/* Presentation form with the trailing dot; odd bytes as \DDD. */
static void name_text(const uint8_t *w, size_t n, char *out, size_t cap)
{
    size_t o = 0, i = 0;
    if (n == 0) {
        snprintf(out, cap, "-");
        return;
    }
    if (w[0] == 0) {
        snprintf(out, cap, ".");
        return;
    }
    while (i < n && w[i] != 0 && o + 8 < cap) {
        uint8_t l = w[i++];
        for (uint8_t k = 0; k < l && i < n && o + 8 < cap; k++, i++) {
            uint8_t c = w[i];
            if (c == '.' || c == '\\')
                o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
            else if (c <= 0x20 || c >= 0x7f)
                o += (size_t)snprintf(out + o, cap - o, "\\%03u", c);
            else
                out[o++] = (char)c;
        }
        out[o++] = '.';
    }
    out[o] = 0;
}

static void drain(void)
{
    uint64_t dropped = 0;
    for (int i = 0; i < g_nrings; i++) {
        rt_qlog_ring_t *ring = &g_rings[i];
        uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
        uint32_t tail = ring->tail;
        for (; tail != head; tail++) {
            const qlog_rec_t *r = &ring->recs[tail & (RT_QLOG_RING - 1)];
            char addr[INET6_ADDRSTRLEN], name[1100], tb[16], rb[16];
            if (r->family == 4)
                inet_ntop(AF_INET, r->addr, addr, sizeof addr);
            else if (r->family == 6)
                inet_ntop(AF_INET6, r->addr, addr, sizeof addr);
            else
                snprintf(addr, sizeof addr, "-");
            name_text(r->name, r->namelen, name, sizeof name);
            fprintf(g_out, "%llu.%03u %s %s %s %s %s%s\n",
                    (unsigned long long)(r->ms / 1000), (unsigned)(r->ms % 1000), addr, name,
                    type_name(r->qtype, tb, sizeof tb), rcode_name(r->rcode, rb, sizeof rb),
                    r->tcp ? "tcp" : "udp",
                    r->rrl == RT_RRL_SLIP ? " rrl-slip" : r->rrl == RT_RRL_DROP ? " rrl-drop" : "");
        }
        __atomic_store_n(&ring->tail, tail, __ATOMIC_RELEASE);
        dropped += __atomic_load_n(&ring->dropped, __ATOMIC_RELAXED);
    }
    if (dropped > g_dropped_reported) {
        fprintf(g_out, "# query log: %llu lines dropped so far (ring full)\n",
                (unsigned long long)dropped);
        g_dropped_reported = dropped;
    }
    fflush(g_out);
}

static void *writer_main(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
        drain();
    }
    drain();
    return NULL;
}

int rt_qlog_start(void)
{
    if (g_rings == NULL)
        return 0;
    if (pthread_create(&g_writer, NULL, writer_main, NULL) != 0)
        return -1;
    g_running = 1;
    return 0;
}

void rt_qlog_stop(void)
{
    if (g_running) {
        __atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
        pthread_join(g_writer, NULL);
        g_running = 0;
    }
    if (g_rings && g_dropped_reported)
        fprintf(stderr, "query log: %llu lines dropped (ring full)\n",
                (unsigned long long)g_dropped_reported);
    if (g_out && g_close_out)
        fclose(g_out);
    else if (g_out)
        fflush(g_out);
    g_out = NULL;
    free(g_rings);
    g_rings = NULL;
    g_nrings = 0;
}
