/* loadgen.c -- UDP DNS load generator for the benchmark (loopback targets only)
 * SPDX-License-Identifier: MIT
 *
 * Reads a dnsperf-style query file ("name TYPE" per line), encodes every query once, then
 * sends them round-robin over one connected UDP socket (or -k K sockets, batch by batch, so
 * that a server's SO_REUSEPORT group sees K source ports) with sendmmsg and reads answers
 * with recvmmsg. Every answer is checked: its ID must belong to an outstanding query and its
 * question must be that query's question; RCODEs and TC are counted.
 *
 * Modes (-m):
 *   closed   keep K (-c) queries in flight, as fast as answers come back: max answers/s;
 *            with -S 1 (default) it polls without sleeping, so its own wake-ups never
 *            hold the server back
 *   open     send at a fixed rate R (-Q) regardless of answers: CPU cost at a given load
 *   startup  `loadgen -m startup ... -- CMD ARGS...`: the process execs CMD (so the server
 *            keeps this PID and stays the shell's child); a detached probe process moves to
 *            CPU -A, sends one probe (-q "NAME TYPE") every 200 us and writes
 *            "RESULT mode=startup startup_ms=..." to -o FILE when the first correct answer
 *            (NOERROR, AA, an answer record) arrives. Time runs from just before exec.
 * Every run is bounded by a query count (-n) and a time limit (-l). With -P PID the server's
 * CPU time (all threads of PID and of all its descendants, from /proc/.../schedstat, or
 * utime+stime from /proc/.../stat where schedstat is missing) is read before and after, and
 * answers per CPU-second and CPU-seconds per million answers are reported.
 * Output: one line "RESULT key=value ..." on stdout. Exit 0 if the run completed (even with
 * lost answers), 1 on a measurement failure, 2 on usage errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXBATCH 256
#define QMAX 300                /* longest encoded query we build */
#define RBUF 4096               /* receive buffer per message */
#define RING (1u << 21)         /* send-order ring for timeouts; > rate x timeout */
#define MAX_INFLIGHT 60000
#define MAX_SOCKS 16

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *msg)
{
    fprintf(stderr, "loadgen: %s\n", msg);
    exit(2);
}

/* ---- query encoding ---- */

static const struct { const char *name; int code; } types[] = {
    {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"HINFO", 13}, {"MX", 15},
    {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"NAPTR", 35}, {"DS", 43}, {"SSHFP", 44},
    {"DNSKEY", 48}, {"TLSA", 52}, {"SVCB", 64}, {"HTTPS", 65}, {"SPF", 99}, {"ANY", 255},
    {"CAA", 257},
};

static int type_code(const char *s)
{
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(s, types[i].name) == 0)
            return types[i].code;
    if (strncasecmp(s, "TYPE", 4) == 0 && isdigit((unsigned char)s[4])) {
        long v = strtol(s + 4, NULL, 10);
        if (v > 0 && v < 65536)
            return (int)v;
    }
    return -1;
}

/* Encode "name" + type into a query with ID 0, RD=0, optional EDNS OPT (1232, no DO).
 * Returns the length, or -1. *qend receives the offset just past the question. */
static int encode_query(uint8_t *buf, const char *name, int type, int edns, int *qend)
{
    uint8_t *p = buf + 12;
    memset(buf, 0, 12);
    buf[5] = 1;                                 /* QDCOUNT = 1 */
    const char *s = name;
    if (strcmp(s, ".") != 0) {
        while (*s) {
            const char *dot = strchr(s, '.');
            size_t len = dot ? (size_t)(dot - s) : strlen(s);
            if (len == 0 || len > 63 || (p - buf) + len + 2 > 12 + 255)
                return -1;
            *p++ = (uint8_t)len;
            memcpy(p, s, len);
            p += len;
            s += len;
            if (*s == '.')
                s++;
        }
    }
    *p++ = 0;
    *p++ = (uint8_t)(type >> 8);
    *p++ = (uint8_t)type;
    *p++ = 0;
    *p++ = 1;                                   /* class IN */
    *qend = (int)(p - buf);
    if (edns) {
        buf[11] = 1;                            /* ARCOUNT = 1 */
        static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
        memcpy(p, opt, sizeof opt);
        p += sizeof opt;
    }
    return (int)(p - buf);
}

struct query { uint32_t off; uint16_t len, qend; };

static uint8_t *qbuf;
static struct query *qs;
static size_t nq;

static void load_queries(const char *path, int edns)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 1024, bcap = 1024 * QMAX, bused = 0;
    qs = malloc(cap * sizeof *qs);
    qbuf = malloc(bcap);
    char line[1024];
    size_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char name[512], type[64];
        if (line[0] == '#' || line[0] == ';' || sscanf(line, "%511s %63s", name, type) != 2)
            continue;
        int code = type_code(type), qend;
        if (code < 0) {
            fprintf(stderr, "loadgen: %s:%zu: unknown type '%s'\n", path, lineno, type);
            exit(2);
        }
        if (nq == cap) {
            cap *= 2;
            qs = realloc(qs, cap * sizeof *qs);
        }
        if (bused + QMAX > bcap) {
            bcap *= 2;
            qbuf = realloc(qbuf, bcap);
        }
        int len = encode_query(qbuf + bused, name, code, edns, &qend);
        if (len < 0) {
            fprintf(stderr, "loadgen: %s:%zu: bad name '%s'\n", path, lineno, name);
            exit(2);
        }
        qs[nq].off = (uint32_t)bused;
        qs[nq].len = (uint16_t)len;
        qs[nq].qend = (uint16_t)qend;
        nq++;
        bused += (size_t)len;
    }
    fclose(f);
    if (nq == 0)
        die("no queries in the query file");
}

/* ---- server CPU accounting ---- */

/* CPU nanoseconds of all threads of one process; -1 if it does not exist. */
static int64_t proc_cpu_ns(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int64_t total = 0;
    int have_sched = 1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p2[320];
        snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", pid, e->d_name);
        FILE *f = fopen(p2, "r");
        unsigned long long v;
        if (!f) {
            have_sched = 0;
            break;
        }
        if (fscanf(f, "%llu", &v) == 1)
            total += (int64_t)v;
        fclose(f);
    }
    closedir(d);
    if (have_sched)
        return total;
    /* fallback: utime + stime of the whole thread group, in clock ticks */
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (int64_t)((ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK)));
}

/* CPU of PID plus all its descendants (NSD serves from a grandchild of the process started). */
static int64_t server_cpu_ns(int pid)
{
    int64_t total = proc_cpu_ns(pid);
    if (total < 0)
        return -1;
    int tree[256], ntree = 1;
    tree[0] = pid;
    for (int pass = 0; pass < 8; pass++) {      /* depth bound; each pass adds one level */
        int grew = 0;
        DIR *d = opendir("/proc");
        if (!d)
            return total;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!isdigit((unsigned char)e->d_name[0]))
                continue;
            int p = atoi(e->d_name), known = 0;
            for (int i = 0; i < ntree; i++)
                known |= tree[i] == p;
            if (known || ntree == 256)
                continue;
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            size_t n = fread(buf, 1, sizeof buf - 1, f);
            fclose(f);
            buf[n] = 0;
            char *q = strrchr(buf, ')');
            int ppid;
            if (!q || sscanf(q + 2, "%*c %d", &ppid) != 1)
                continue;
            for (int i = 0; i < ntree; i++) {
                if (tree[i] == ppid) {
                    int64_t c = proc_cpu_ns(p);
                    if (c > 0)
                        total += c;
                    tree[ntree++] = p;
                    grew = 1;
                    break;
                }
            }
        }
        closedir(d);
        if (!grew)
            break;
    }
    return total;
}

/* ---- state of one run ---- */

struct slot { uint64_t t_sent; uint32_t qidx; uint32_t seq; uint8_t busy; };
struct ringent { uint32_t seq; uint16_t id; };

static struct slot slots[65536];
static struct ringent *ring;
static uint64_t ring_head, ring_tail;           /* head: oldest; tail: next free */
static uint32_t next_seq = 1;
static uint16_t next_id;
static uint64_t inflight;

static struct {
    uint64_t sent, answered, lost, unexpected, mismatch, errors, tc, malformed;
    uint64_t rcode[16];
    uint64_t lat_sum_ns;
} st;

static size_t qpos;
static int fd;                  /* the socket the next batch goes out on */
static int fds[MAX_SOCKS], nfds = 1;
static unsigned batch_no;
static uint8_t sbuf[MAXBATCH][QMAX];
static uint8_t rbuf[MAXBATCH][RBUF];
static struct mmsghdr smsg[MAXBATCH], rmsg[MAXBATCH];
static struct iovec siov[MAXBATCH], riov[MAXBATCH];
static uint16_t batch_ids[MAXBATCH];

static volatile sig_atomic_t interrupted;
static void on_signal(int sig) { (void)sig; interrupted = 1; }

/* Send up to want queries; returns how many went out. */
static int send_batch(int want, uint64_t now)
{
    if (want > MAXBATCH)
        want = MAXBATCH;
    int n = 0;
    while (n < want && inflight + (uint64_t)n < MAX_INFLIGHT && ring_tail - ring_head < RING) {
        uint16_t id = next_id;
        int tries = 0;
        while (slots[id].busy && tries++ < 65536)
            id++;
        if (slots[id].busy)
            break;
        next_id = (uint16_t)(id + 1);
        const struct query *q = &qs[qpos];
        memcpy(sbuf[n], qbuf + q->off, q->len);
        sbuf[n][0] = (uint8_t)(id >> 8);
        sbuf[n][1] = (uint8_t)id;
        siov[n].iov_base = sbuf[n];
        siov[n].iov_len = q->len;
        slots[id].busy = 1;                     /* reserve: no duplicate IDs in a batch */
        slots[id].qidx = (uint32_t)qpos;
        batch_ids[n] = id;
        qpos = qpos + 1 == nq ? 0 : qpos + 1;
        n++;
    }
    if (n == 0)
        return 0;
    fd = fds[batch_no++ % (unsigned)nfds];
    int r = sendmmsg(fd, smsg, (unsigned)n, 0);
    if (r < 0) {
        if (errno != ECONNREFUSED && errno != EAGAIN && errno != ENOBUFS)
            st.errors++;
        r = 0;
    }
    for (int i = 0; i < n; i++) {
        uint16_t id = batch_ids[i];
        if (i >= r) {
            slots[id].busy = 0;
            continue;
        }
        slots[id].t_sent = now;
        slots[id].seq = next_seq;
        ring[ring_tail & (RING - 1)] = (struct ringent){next_seq, id};
        ring_tail++;
        next_seq++;
    }
    if (r < n)                                  /* rewind so no query is skipped */
        qpos = (qpos + nq - (size_t)(n - r) % nq) % nq;
    st.sent += (uint64_t)r;
    inflight += (uint64_t)r;
    return r;
}

static void check_answer(const uint8_t *p, size_t len, uint64_t now)
{
    if (len < 12 || !(p[2] & 0x80)) {
        st.malformed++;
        return;
    }
    uint16_t id = (uint16_t)(p[0] << 8 | p[1]);
    struct slot *s = &slots[id];
    if (!s->busy) {
        st.unexpected++;
        return;
    }
    const struct query *q = &qs[s->qidx];
    if (len < q->qend || memcmp(p + 4, qbuf + q->off + 4, 2) != 0 ||
        memcmp(p + 12, qbuf + q->off + 12, (size_t)q->qend - 12) != 0) {
        st.mismatch++;
        return;
    }
    s->busy = 0;
    inflight--;
    st.answered++;
    st.rcode[p[3] & 0x0f]++;
    if (p[2] & 0x02)
        st.tc++;
    st.lat_sum_ns += now - s->t_sent;
}

/* Read everything available on socket s without blocking; returns the number of datagrams. */
static int drain_one(int s)
{
    int total = 0;
    for (;;) {
        for (int i = 0; i < MAXBATCH; i++)
            rmsg[i].msg_hdr.msg_iovlen = 1;
        int r = recvmmsg(s, rmsg, MAXBATCH, MSG_DONTWAIT, NULL);
        if (r <= 0) {
            if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNREFUSED &&
                errno != EINTR)
                st.errors++;
            return total;
        }
        uint64_t now = now_ns();
        for (int i = 0; i < r; i++)
            check_answer(rbuf[i], rmsg[i].msg_len, now);
        total += r;
        if (r < MAXBATCH)
            return total;
    }
}

static int drain(void)
{
    int total = 0;
    for (int i = 0; i < nfds; i++)
        total += drain_one(fds[i]);
    return total;
}

/* Give up on queries older than timeout; answered ones leave the ring lazily. */
static void expire(uint64_t now, uint64_t timeout_ns, int all)
{
    while (ring_head != ring_tail) {
        struct ringent e = ring[ring_head & (RING - 1)];
        struct slot *s = &slots[e.id];
        if (s->busy && s->seq == e.seq) {
            if (!all && now - s->t_sent < timeout_ns)
                return;
            s->busy = 0;
            inflight--;
            st.lost++;
        }
        ring_head++;
    }
}

static void wait_readable(int64_t ns)
{
    if (ns <= 0)
        return;
    struct pollfd pfd[MAX_SOCKS];
    for (int i = 0; i < nfds; i++)
        pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    ppoll(pfd, (nfds_t)nfds, &ts, NULL);
}

static int is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

static int open_socket(const char *addr, int port, int lport)
{
    struct sockaddr_storage ss = {0}, ls = {0};
    socklen_t sl;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        sl = sizeof *a4;
        struct sockaddr_in *l = (struct sockaddr_in *)&ls;
        l->sin_family = AF_INET;
        l->sin_port = htons((uint16_t)lport);
        l->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        sl = sizeof *a6;
        struct sockaddr_in6 *l = (struct sockaddr_in6 *)&ls;
        l->sin6_family = AF_INET6;
        l->sin6_port = htons((uint16_t)lport);
        l->sin6_addr = in6addr_loopback;
    } else {
        die("-s must be a numeric IPv4 or IPv6 address");
    }
    if (!is_loopback(&ss))
        die("refusing a non-loopback target: this tool only sends to 127.0.0.0/8 or ::1");
    int s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        die("socket failed");
    int buf = 4 << 20;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    if (lport && bind(s, (struct sockaddr *)&ls, sl) < 0) {
        perror("loadgen: bind");
        exit(2);
    }
    if (connect(s, (struct sockaddr *)&ss, sl) < 0) {
        perror("loadgen: connect");
        exit(2);
    }
    return s;
}

static void setup_msgs(void)
{
    for (int i = 0; i < MAXBATCH; i++) {
        smsg[i].msg_hdr.msg_iov = &siov[i];
        smsg[i].msg_hdr.msg_iovlen = 1;
        riov[i].iov_base = rbuf[i];
        riov[i].iov_len = RBUF;
        rmsg[i].msg_hdr.msg_iov = &riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
    }
}

static void pin_to(int cpu)
{
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

/* Startup probe: runs in the forked child while the parent execs the server. */
static int startup_probe(const char *probe, uint64_t t0, double limit_s, const char *out,
                         int edns, int server_pid)
{
    char name[512], type[64];
    if (sscanf(probe, "%511s %63s", name, type) != 2 || type_code(type) < 0)
        die("-q wants \"NAME TYPE\"");
    uint8_t q[QMAX], r[RBUF];
    int qend;
    int len = encode_query(q, name, type_code(type), edns, &qend);
    if (len < 0)
        die("bad probe name");
    uint64_t deadline = t0 + (uint64_t)(limit_s * 1e9);
    uint16_t id = 0;
    uint64_t probes = 0, other = 0;
    double ms = -1;
    while (now_ns() < deadline && !interrupted) {
        id++;
        q[0] = (uint8_t)(id >> 8);
        q[1] = (uint8_t)id;
        if (send(fd, q, (size_t)len, 0) == len)
            probes++;
        uint64_t next = now_ns() + 200000;
        int done = 0;
        for (;;) {
            ssize_t n = recv(fd, r, sizeof r, MSG_DONTWAIT);
            if (n >= 12 && (r[2] & 0x80) && n >= qend &&
                memcmp(r + 12, q + 12, (size_t)qend - 12) == 0) {
                uint16_t rid = (uint16_t)(r[0] << 8 | r[1]);
                int rc = r[3] & 0x0f, aa = r[2] & 0x04, an = r[6] << 8 | r[7];
                if ((uint16_t)(id - rid) < 60000 && rc == 0 && aa && an > 0) {
                    ms = (double)(now_ns() - t0) / 1e6;
                    done = 1;
                    break;
                }
                other++;
                continue;
            }
            if (n >= 0)
                continue;
            int64_t left = (int64_t)(next - now_ns());
            if (left <= 0)
                break;
            wait_readable(left);
        }
        if (done)
            break;
        if (kill(server_pid, 0) < 0 && errno == ESRCH)
            break;                              /* server died */
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return 1;
    fprintf(f, "RESULT mode=startup startup_ms=%.3f probes=%llu early_answers=%llu\n", ms,
            (unsigned long long)probes, (unsigned long long)other);
    fclose(f);
    rename(tmp, out);
    return ms < 0;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: loadgen -m closed|open -d QUERYFILE -p PORT [-s 127.0.0.1] [-x LOCALPORT]\n"
        "               [-c INFLIGHT] [-Q RATE] [-n MAXQUERIES] [-l SECONDS] [-t TIMEOUT_S]\n"
        "               [-b BATCH] [-e 0|1] [-S 0|1] [-P SERVERPID] [-L LABEL] [-A CPU]\n"
        "               [-k SOCKETS (bound to LOCALPORT, LOCALPORT+1, ...)]\n"
        "       loadgen -m startup -p PORT -q 'NAME TYPE' -o RESULTFILE [-l SECONDS] [-A CPU]\n"
        "               -- SERVER-COMMAND ARGS...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *mode = NULL, *file = NULL, *addr = "127.0.0.1", *label = "-", *probe = NULL,
               *out = NULL;
    int port = 0, lport = 0, inflight_k = 200, batch = 32, edns = 1, spid = 0, cpu = -1, spin = 1;
    int nsock = 1;
    double rate = 0, limit_s = 10, timeout_s = 1.0;
    unsigned long long maxq = 10000000;
    int c;
    while ((c = getopt(argc, argv, "m:d:s:p:x:c:Q:n:l:t:b:e:P:L:q:o:A:S:k:h")) != -1) {
        switch (c) {
        case 'm': mode = optarg; break;
        case 'd': file = optarg; break;
        case 's': addr = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'x': lport = atoi(optarg); break;
        case 'c': inflight_k = atoi(optarg); break;
        case 'Q': rate = atof(optarg); break;
        case 'n': maxq = strtoull(optarg, NULL, 10); break;
        case 'l': limit_s = atof(optarg); break;
        case 't': timeout_s = atof(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'e': edns = atoi(optarg); break;
        case 'P': spid = atoi(optarg); break;
        case 'L': label = optarg; break;
        case 'q': probe = optarg; break;
        case 'o': out = optarg; break;
        case 'A': cpu = atoi(optarg); break;
        case 'S': spin = atoi(optarg); break;
        case 'k': nsock = atoi(optarg); break;
        default: usage();
        }
    }
    if (!mode || port <= 0 || port > 65535 || lport < 0 || lport > 65535)
        usage();
    if (limit_s <= 0 || limit_s > 600)
        die("-l must be in (0, 600] seconds");
    if (maxq == 0 || maxq > 1000000000ull)
        die("-n must be in 1..1e9");
    if (batch < 1 || batch > MAXBATCH)
        die("-b must be in 1..256");
    if (timeout_s <= 0 || timeout_s > 10)
        die("-t must be in (0, 10] seconds");
    if (nsock < 1 || nsock > MAX_SOCKS || (lport && lport + nsock - 1 > 65535))
        die("-k must be in 1..16 (and LOCALPORT+K-1 a port)");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    if (strcmp(mode, "startup") == 0) {
        if (!probe || !out || optind >= argc)
            usage();
        fd = open_socket(addr, port, lport);   /* refuses non-loopback before anything runs */
        unlink(out);
        /* The probe runs in a grandchild (reparented away at once), so the server starts
         * with no child of ours to reap; it learns t0, taken just before exec, via a pipe. */
        int pfd[2];
        if (pipe2(pfd, O_CLOEXEC) < 0)
            die("pipe failed");
        int parent = getpid();
        pid_t pid = fork();
        if (pid < 0)
            die("fork failed");
        if (pid == 0) {
            if (fork() != 0)
                _exit(0);
            close(pfd[1]);
            pin_to(cpu);
            uint64_t t0 = 0;
            if (read(pfd[0], &t0, sizeof t0) != (ssize_t)sizeof t0)
                _exit(1);                       /* exec never happened */
            _exit(startup_probe(probe, t0, limit_s, out, edns, parent));
        }
        close(pfd[0]);
        close(fd);
        waitpid(pid, NULL, 0);
        uint64_t t0 = now_ns();
        if (write(pfd[1], &t0, sizeof t0) != (ssize_t)sizeof t0)
            die("pipe write failed");
        execvp(argv[optind], argv + optind);
        perror("loadgen: exec");
        _exit(127);
    }

    int closed = strcmp(mode, "closed") == 0;
    if (!closed && strcmp(mode, "open") != 0)
        usage();
    if (!file)
        usage();
    if (closed && (inflight_k < 1 || inflight_k > MAX_INFLIGHT))
        die("-c must be in 1..60000");
    if (!closed && (rate <= 0 || rate > 5e6))
        die("open mode needs -Q RATE in (0, 5e6]");
    pin_to(cpu);
    load_queries(file, edns);
    ring = malloc(RING * sizeof *ring);
    if (!ring)
        die("out of memory");
    nfds = nsock;
    for (int i = 0; i < nfds; i++)
        fds[i] = open_socket(addr, port, lport ? lport + i : 0);
    fd = fds[0];
    setup_msgs();

    int64_t cpu0 = spid ? server_cpu_ns(spid) : 0;
    if (spid && cpu0 < 0)
        die("-P: no such process");
    int64_t gen_cpu0 = proc_cpu_ns(getpid());
    uint64_t timeout_ns = (uint64_t)(timeout_s * 1e9);
    uint64_t t0 = now_ns();
    uint64_t t_end = t0 + (uint64_t)(limit_s * 1e9);
    uint64_t last_expire = t0;
    uint64_t t_last_send = t0;
    int sending = 1;
    while (!interrupted) {
        uint64_t now = now_ns();
        if (sending && (now >= t_end || st.sent >= maxq)) {
            sending = 0;
            t_last_send = now;
        }
        if (!sending && (inflight == 0 || now - t_last_send > timeout_ns))
            break;
        int64_t wait = 0;
        if (sending) {
            uint64_t left = maxq - st.sent;
            if (closed) {
                uint64_t want = inflight < (uint64_t)inflight_k ? (uint64_t)inflight_k - inflight : 0;
                if (want > left)
                    want = left;
                if (want > (uint64_t)batch)
                    want = (uint64_t)batch;
                if (want)
                    send_batch((int)want, now);
            } else {
                uint64_t due = (uint64_t)((double)(now - t0) * rate / 1e9) + 1;
                if (due > maxq)
                    due = maxq;
                if (due > st.sent) {
                    uint64_t want = due - st.sent;
                    send_batch((int)(want > (uint64_t)batch ? (uint64_t)batch : want), now);
                }
                uint64_t next = t0 + (uint64_t)((double)st.sent / rate * 1e9);
                wait = (int64_t)(next - now_ns());
            }
        }
        int got = drain();
        now = now_ns();
        if (now - last_expire > 1000000) {
            expire(now, timeout_ns, 0);
            last_expire = now;
        }
        if (!got) {
            if (!sending)
                wait = 1000000;
            else if (closed && inflight >= (uint64_t)inflight_k)
                wait = spin ? 0 : 1000000;      /* spinning: never pay a wake-up */
            wait_readable(wait);
        }
    }
    uint64_t t1 = now_ns();
    expire(t1, 0, 1);
    int64_t cpu1 = spid ? server_cpu_ns(spid) : 0;
    int64_t gen_cpu = proc_cpu_ns(getpid()) - gen_cpu0;
    double secs = (double)(t_last_send - t0) / 1e9;
    if (secs <= 0)
        secs = (double)(t1 - t0) / 1e9;
    double srv_cpu = spid ? (double)(cpu1 - cpu0) / 1e9 : 0;
    uint64_t other = 0;
    for (int i = 6; i < 16; i++)
        if (i != 9)
            other += st.rcode[i];
    printf("RESULT label=%s mode=%s target=%s:%d sent=%llu answered=%llu lost=%llu "
           "unexpected=%llu mismatch=%llu malformed=%llu errors=%llu noerror=%llu "
           "formerr=%llu servfail=%llu nxdomain=%llu notimp=%llu refused=%llu notauth=%llu "
           "rcode_other=%llu tc=%llu secs=%.3f qps=%.0f lat_us=%.1f gen_cpu_s=%.4f",
           label, mode, addr, port, (unsigned long long)st.sent, (unsigned long long)st.answered,
           (unsigned long long)st.lost, (unsigned long long)st.unexpected,
           (unsigned long long)st.mismatch, (unsigned long long)st.malformed,
           (unsigned long long)st.errors, (unsigned long long)st.rcode[0],
           (unsigned long long)st.rcode[1], (unsigned long long)st.rcode[2],
           (unsigned long long)st.rcode[3], (unsigned long long)st.rcode[4],
           (unsigned long long)st.rcode[5], (unsigned long long)st.rcode[9],
           (unsigned long long)other, (unsigned long long)st.tc, secs,
           (double)st.answered / secs,
           st.answered ? (double)st.lat_sum_ns / (double)st.answered / 1e3 : 0.0,
           (double)gen_cpu / 1e9);
    if (spid) {
        if (cpu1 < 0) {
            printf(" srv_cpu_s=NA cap=NA cpu_per_m=NA\n");
            return 1;
        }
        printf(" srv_cpu_s=%.4f cap=%.0f cpu_per_m=%.4f", srv_cpu,
               srv_cpu > 0 ? (double)st.answered / srv_cpu : 0.0,
               st.answered ? srv_cpu / (double)st.answered * 1e6 : 0.0);
    }
    printf("\n");
    return 0;
}
