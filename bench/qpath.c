/* qpath.c -- time of the packet path alone: rt_query_process() query by query against
 *            rt_query_process_batch() in batches, over a compiled blob and a query mix
 * SPDX-License-Identifier: MIT
 *
 * usage: qpath BLOB.bin QUERIES [ROUNDS] [BATCH]
 *   BLOB.bin  the blob of an output binary (`zonec build ... --emit-c DIR` keeps DIR/blob.bin);
 *             mapped from the file read-only, as the server maps its own
 *   QUERIES   "name TYPE" lines (bench/gen-queries.py), sent with EDNS 1232 as loadgen does
 * Every round answers every query once both ways (order alternating from round to round)
 * and prints nanoseconds per query for each; no sockets, no system calls in the timed part.
 * Build: cc -O2 -Iruntime bench/qpath.c build/libzrt.a -lcmph -lm -lpthread
 * Pin it (taskset) and compare medians: on big zones the difference is memory latency
 * that the staged batch overlaps. Times are the thread's CPU time (QPATH_WALL=1: wall).
 * QPATH_ONLY=batch or QPATH_ONLY=single times one way only (the other prints 0).
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "query.h"

#define QMAX 300
#define BUF 4096

static const struct {
    const char *name;
    int code;
} types[] = {{"A", 1},      {"NS", 2},    {"CNAME", 5}, {"SOA", 6},     {"PTR", 12},
             {"MX", 15},    {"TXT", 16},  {"AAAA", 28}, {"SRV", 33},    {"NAPTR", 35},
             {"DS", 43},    {"DNSKEY", 48}, {"SVCB", 64}, {"HTTPS", 65}, {"ANY", 255},
             {"CAA", 257}};

static int type_code(const char *s)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(s, types[i].name) == 0)
            return types[i].code;
    if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4]))
        return atoi(s + 4);
    return -1;
}

/* name + type -> query with EDNS (1232); returns the length or -1 */
static int encode(uint8_t *b, const char *name, int type)
{
    uint8_t *p = b + 12;
    memset(b, 0, 12);
    b[5] = 1;
    b[11] = 1;
    if (strcmp(name, ".") != 0)
        while (*name) {
            const char *dot = strchr(name, '.');
            size_t l = dot ? (size_t)(dot - name) : strlen(name);
            if (l == 0 || l > 63 || (size_t)(p - b) + l + 2 > 12 + 255)
                return -1;
            *p++ = (uint8_t)l;
            memcpy(p, name, l);
            p += l;
            name += l;
            if (*name == '.')
                name++;
        }
    *p++ = 0;
    *p++ = (uint8_t)(type >> 8);
    *p++ = (uint8_t)type;
    *p++ = 0;
    *p++ = 1;
    static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    memcpy(p, opt, 11);
    return (int)(p + 11 - b);
}

/* CPU time of this thread (QPATH_WALL=1: wall-clock time): on a shared machine the
 * time other processes hold the core does not count, their cache traffic still does */
static double now(void)
{
    static int clk = -1;
    struct timespec ts;
    if (clk < 0)
        clk = getenv("QPATH_WALL") && *getenv("QPATH_WALL") == '1' ? CLOCK_MONOTONIC
                                                                   : CLOCK_THREAD_CPUTIME_ID;
    clock_gettime(clk, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: qpath BLOB.bin QUERIES [ROUNDS] [BATCH]\n");
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 7;
    unsigned batch = argc > 4 ? (unsigned)atoi(argv[4]) : 32;
    if (rounds < 1 || batch < 1 || batch > RT_QBATCH_MAX)
        return 2;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 2;
    }
    void *blob = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    rt_db_t db;
    int rc = blob == MAP_FAILED ? RT_EBOUNDS : rt_db_open_lazy(&db, blob, (size_t)st.st_size);
    if (rc != RT_OK) {
        fprintf(stderr, "qpath: %s: %s\n", argv[1], rt_strerror(rc));
        return 2;
    }
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    size_t n = 0, cap = 1 << 16;
    uint8_t *qs = malloc(cap * QMAX);
    uint16_t *ql = malloc(cap * sizeof *ql);
    char line[1024], name[512], type[64];
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%511s %63s", name, type) != 2 || type_code(type) < 0)
            continue;
        if (n == cap) {
            cap *= 2;
            qs = realloc(qs, cap * QMAX);
            ql = realloc(ql, cap * sizeof *ql);
        }
        int l = encode(qs + n * QMAX, name, type_code(type));
        if (l > 0)
            ql[n++] = (uint16_t)l;
    }
    fclose(f);
    uint8_t(*bufs)[BUF] = malloc((size_t)RT_QBATCH_MAX * BUF);
    rt_ctx_t c1 = {.db = &db, .rng = 1}, c2 = {.db = &db, .rng = 1};
    rt_peer_t peer = {.family = 4, .addr = {127, 0, 0, 1}};
    double *t1 = malloc(sizeof(double) * (size_t)rounds), *t2 = malloc(sizeof(double) * (size_t)rounds);
    size_t sum1 = 0, sum2 = 0;
    for (int r = 0; r < rounds; r++) {
        for (int way = 0; way < 2; way++) {
            int batched = (way + r) & 1;
            double t0 = now();
            const char *only = getenv("QPATH_ONLY");
            if (only && strcmp(only, batched ? "single" : "batch") == 0) {
                (batched ? t2 : t1)[r] = 0;
                continue;
            }
            if (!batched) {
                for (size_t i = 0; i < n; i++) {
                    uint8_t *b = bufs[i % RT_QBATCH_MAX];
                    memcpy(b, qs + i * QMAX, ql[i]);
                    sum1 += rt_query_process(&c1, b, ql[i], BUF, &peer);
                }
                t1[r] = (now() - t0) / (double)n * 1e9;
            } else {
                rt_qitem_t items[RT_QBATCH_MAX];
                for (size_t i = 0; i < n; i += batch) {
                    unsigned k = (unsigned)(n - i < batch ? n - i : batch);
                    for (unsigned j = 0; j < k; j++) {
                        memcpy(bufs[j], qs + (i + j) * QMAX, ql[i + j]);
                        items[j].buf = bufs[j];
                        items[j].len = ql[i + j];
                        items[j].peer = peer;
                    }
                    rt_query_process_batch(&c2, items, k, BUF);
                    for (unsigned j = 0; j < k; j++)
                        sum2 += items[j].len;
                }
                t2[r] = (now() - t0) / (double)n * 1e9;
            }
        }
        printf("round %d: one by one %.1f ns/query, batches of %u %.1f ns/query\n", r + 1, t1[r],
               batch, t2[r]);
    }
    qsort(t1, (size_t)rounds, sizeof *t1, cmp_d);
    qsort(t2, (size_t)rounds, sizeof *t2, cmp_d);
    int same = sum1 == sum2 || getenv("QPATH_ONLY"); /* one way only: nothing to compare */
    printf("median: one by one %.1f ns/query, batches %.1f ns/query (%zu queries, %s)\n",
           t1[rounds / 2], t2[rounds / 2], n,
           sum1 != sum2 && same ? "one way only" : same ? "same response bytes" : "RESPONSES DIFFER");
    return same ? 0 : 1;
}
