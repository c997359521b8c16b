/* http.c -- the --http endpoint: one thread, one connection at a time
 * SPDX-License-Identifier: MIT
 *
 * Why serial: /health and /metrics are scraped every few seconds by one or
 * two collectors; serving one connection at a time under hard time and size
 * limits keeps this thread trivially bounded (no per-client state to grow).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"

#define REQ_MAX 4096
#define REQ_TIMEOUT_MS 2000
#define RESP_TIMEOUT_MS 5000

struct rt_http {
    int lfd, evfd;
    pthread_t th;
    rt_health_t *h;
    rt_metrics_t *m;
    char out[16384];
};

typedef struct conn {
    int fd;
    int64_t deadline_ms;
} conn_t;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends the buffer before the response deadline, or fails. */
static int flush_conn(rt_out_t *o)
{
    conn_t *c = o->ctx;
    size_t off = 0;
    while (off < o->len) {
        int64_t left = c->deadline_ms - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        int r = poll(&p, 1, (int)left);
        if (r <= 0)
            return -1;
        ssize_t w = send(c->fd, o->buf + off, o->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            return -1;
        }
        off += (size_t)w;
    }
    o->len = 0;
    return 0;
}

static void respond(rt_out_t *o, int code, const char *reason, const char *type)
{
    rt_out_printf(o,
                  "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nCache-Control: no-store\r\n"
                  "Connection: close\r\n\r\n",
                  code, reason, type);
}

static void serve(rt_http_t *s, int fd)
{
    conn_t c = {.fd = fd, .deadline_ms = now_ms() + REQ_TIMEOUT_MS};
    rt_out_t o = {.buf = s->out, .cap = sizeof s->out, .flush = flush_conn, .ctx = &c};
    char req[REQ_MAX + 1];
    size_t len = 0;
    int complete = 0;
    while (!complete && len < REQ_MAX) {
        int64_t left = c.deadline_ms - now_ms();
        if (left <= 0)
            return;                       /* too slow: just close */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            return;
        ssize_t r = recv(fd, req + len, REQ_MAX - len, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (r <= 0)
            return;
        len += (size_t)r;
        req[len] = 0;
        complete = strstr(req, "\r\n\r\n") || strstr(req, "\n\n");
    }
    c.deadline_ms = now_ms() + RESP_TIMEOUT_MS;
    if (!complete) {
        respond(&o, 400, "Bad Request", "text/plain");
        rt_out_printf(&o, "request too large\n");
        goto out;
    }
    /* request line: METHOD SP TARGET SP HTTP/x */
    char *sp1 = memchr(req, ' ', len);
    char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(req + len - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
        respond(&o, 400, "Bad Request", "text/plain");
        rt_out_printf(&o, "malformed request\n");
        goto out;
    }
    int head = sp1 - req == 4 && memcmp(req, "HEAD", 4) == 0;
    if (!head && !(sp1 - req == 3 && memcmp(req, "GET", 3) == 0)) {
        respond(&o, 405, "Method Not Allowed", "text/plain");
        rt_out_printf(&o, "only GET\n");
        goto out;
    }
    size_t tl = (size_t)(sp2 - sp1 - 1);
    char *q = memchr(sp1 + 1, '?', tl);
    if (q)
        tl = (size_t)(q - sp1 - 1);
    const char *t = sp1 + 1;
    if (tl == 7 && memcmp(t, "/health", 7) == 0) {
        respond(&o, 200, "OK", "application/json");
        if (!head)
            rt_health_render_json(s->h, &o);
    } else if (tl == 8 && memcmp(t, "/metrics", 8) == 0) {
        respond(&o, 200, "OK", "text/plain; version=0.0.4; charset=utf-8");
        if (!head)
            rt_metrics_render(s->m, s->h, &o);
    } else if (tl == 1 && t[0] == '/') {
        respond(&o, 200, "OK", "text/plain");
        if (!head)
            rt_out_printf(&o, "zonec: /health (JSON), /metrics (Prometheus)\n");
    } else {
        respond(&o, 404, "Not Found", "text/plain");
        rt_out_printf(&o, "not found\n");
    }
out:
    if (!o.failed && o.len)
        flush_conn(&o);
}

static void *http_main(void *arg)
{
    rt_http_t *s = arg;
    for (;;) {
        struct pollfd p[2] = {{.fd = s->lfd, .events = POLLIN}, {.fd = s->evfd, .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (p[1].revents)
            return NULL;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            continue;                     /* EMFILE, ECONNABORTED: try again later */
        serve(s, fd);
        /* no lingering: RST-free close after a complete response */
        shutdown(fd, SHUT_WR);
        close(fd);
    }
}

/* "1.2.3.4:80", "[::1]:80" -> sockaddr. */
static int parse_addr(const char *a, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon = strrchr(a, ':');
    if (!colon || colon == a)
        return -1;
    size_t hl = (size_t)(colon - a);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535 || colon[1] == 0)
        return -1;
    memset(ss, 0, sizeof *ss);
    if (a[0] == '[') {
        if (hl < 3 || a[hl - 1] != ']' || hl - 2 >= sizeof host)
            return -1;
        memcpy(host, a + 1, hl - 2);
        host[hl - 2] = 0;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
            return -1;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        *len = sizeof *s6;
        return 0;
    }
    if (hl >= sizeof host)
        return -1;
    memcpy(host, a, hl);
    host[hl] = 0;
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return -1;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    *len = sizeof *s4;
    return 0;
}

int rt_http_start(const char *addr, rt_health_t *h, rt_metrics_t *m, rt_http_t **out,
                  char *err, size_t errlen)
{
    *out = NULL;
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_addr(addr, &ss, &sl) < 0) {
        snprintf(err, errlen, "--http: '%s' is not ADDR:PORT (IPv6 as [::1]:PORT)", addr);
        return -1;
    }
    rt_http_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->h = h;
    s->m = m;
    s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int one = 1;
    if (s->lfd < 0 || s->evfd < 0 ||
        setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(s->lfd, 16) < 0) {
        snprintf(err, errlen, "--http %s: %s", addr, strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&s->th, NULL, http_main, s);
    if (rc) {
        snprintf(err, errlen, "--http: cannot start the thread: %s", strerror(rc));
        goto fail;
    }
    *out = s;
    return 0;
fail:
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->evfd >= 0)
        close(s->evfd);
    free(s);
    return -1;
}

void rt_http_stop(rt_http_t *s)
{
    if (!s)
        return;
    uint64_t one = 1;
    if (write(s->evfd, &one, sizeof one) == sizeof one)
        pthread_join(s->th, NULL);
    close(s->lfd);
    close(s->evfd);
    free(s);
}
