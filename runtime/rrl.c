/* rrl.c -- response rate limiting: token buckets per network, class and name
 * SPDX-License-Identifier: MIT
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rrl.h"
#include "wire.h"

static uint64_t g_k0 = 0x736f6d6570736575ull, g_k1 = 0x646f72616e646f6dull;

void rt_rrl_global_init(uint64_t seed)
{
    uint64_t k[2] = {0, 0};
    if (seed) {
        k[0] = seed * 0x9e3779b97f4a7c15ull;
        k[1] = ~seed * 0xbf58476d1ce4e5b9ull;
    } else if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, k, sizeof k) != (ssize_t)sizeof k) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec;
            k[1] = (uint64_t)getpid() * 0xbf58476d1ce4e5b9ull ^ (uint64_t)(uintptr_t)&ts;
        }
        if (fd >= 0)
            close(fd);
    }
    g_k0 ^= k[0];
    g_k1 ^= k[1];
}

int rt_rrl_init(rt_rrl_t *r, uint32_t rate, uint32_t slip)
{
    memset(r, 0, sizeof *r);
    r->rate = rate;
    r->slip = slip;
    if (rate == 0)
        return 0;
    r->slots = calloc(RT_RRL_SLOTS, sizeof *r->slots);
    return r->slots ? 0 : -1;
}

void rt_rrl_free(rt_rrl_t *r)
{
    free(r->slots);
    r->slots = NULL;
}

/* ---- SipHash-2-4 (Aumasson & Bernstein), keyed by g_k0/g_k1 ----------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                     \
    do {                                                                             \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                    \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                       \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                       \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                    \
    } while (0)

static uint64_t siphash(const uint8_t *in, size_t len)
{
    uint64_t v0 = 0x736f6d6570736575ull ^ g_k0, v1 = 0x646f72616e646f6dull ^ g_k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ g_k0, v3 = 0x7465646279746573ull ^ g_k1;
    uint64_t b = (uint64_t)len << 56, m;
    size_t i;
    for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&m, in + i, 8);
        m = le64toh(m);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; i + j < len; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- reading the response ---------------------------------------------- */

/* Offset just past the (possibly compressed) name at `off`, or 0 when it
 * does not parse. */
static size_t name_skip(const uint8_t *msg, size_t len, size_t off)
{
    while (off < len) {
        uint8_t l = msg[off];
        if (l == 0)
            return off + 1;
        if ((l & 0xc0) == 0xc0)
            return off + 2 <= len ? off + 2 : 0;
        if (l & 0xc0)
            return 0;
        off += 1u + l;
    }
    return 0;
}

/* Copies the name at `off` into out[] lowercased and uncompressed.
 * Returns: its length, or 0 when it does not parse. */
static size_t name_copy(const uint8_t *msg, size_t len, size_t off, uint8_t out[256])
{
    size_t n = 0;
    for (int jumps = 0; off < len;) {
        uint8_t l = msg[off];
        if ((l & 0xc0) == 0xc0) {
            if (off + 1 >= len || ++jumps > 64)
                return 0;
            off = ((size_t)(l & 0x3f) << 8) | msg[off + 1];
            continue;
        }
        if (l & 0xc0 || off + 1u + l > len || n + 1u + l > 255)
            return 0;
        out[n++] = l;
        if (l == 0)
            return n;
        for (size_t i = 1; i <= l; i++) {
            uint8_t c = msg[off + i];
            out[n++] = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        off += 1u + l;
    }
    return 0;
}

void rt_rrl_classify(const uint8_t *msg, size_t len, rt_rrl_key_t *key)
{
    key->cls = RT_RRL_ERROR;
    key->qtype = 0;
    key->name = NULL;
    if (len < WIRE_HEADER_LEN || wire_read_u16(msg + 4) != 1)
        return;
    size_t qend = name_skip(msg, len, WIRE_HEADER_LEN);
    if (qend == 0 || qend + 4 > len)
        return;
    unsigned rcode = msg[3] & 0x0f;
    unsigned an = wire_read_u16(msg + 6), ns = wire_read_u16(msg + 8);
    int aa = (msg[2] & 0x04) != 0;
    const uint8_t *auth = ns > 0 && an == 0 && qend + 4 < len ? msg + qend + 4 : NULL;
    if (rcode == 0) {
        if (an == 0 && !aa && auth) {
            key->cls = RT_RRL_REFERRAL;
            key->name = auth; /* the first NS owner: the delegation */
        } else {
            key->cls = an > 0 ? RT_RRL_ANSWER : RT_RRL_NODATA;
            key->qtype = wire_read_u16(msg + qend);
            key->name = msg + WIRE_HEADER_LEN;
        }
    } else if (rcode == 3) {
        key->cls = RT_RRL_NXDOMAIN;
        key->name = auth; /* the SOA's owner: the zone; NULL = one bucket */
    }
}

int rt_rrl_check(rt_rrl_t *r, const rt_peer_t *peer, const uint8_t *msg, size_t len,
                 const rt_rrl_key_t *key, uint64_t now_ms)
{
    if (r->rate == 0 || r->slots == NULL)
        return RT_RRL_PASS;
    rt_rrl_key_t k;
    if (key == NULL) {
        rt_rrl_classify(msg, len, &k);
        key = &k;
    }
    /* key material: class, family, network prefix, qtype, name */
    uint8_t mat[4 + 8 + 256];
    size_t n = 0;
    mat[n++] = key->cls;
    mat[n++] = peer ? peer->family : 0;
    mat[n++] = (uint8_t)(key->qtype >> 8);
    mat[n++] = (uint8_t)key->qtype;
    memset(mat + n, 0, 8);
    if (peer && peer->family == 4)
        memcpy(mat + n, peer->addr, 3);           /* /24 */
    else if (peer && peer->family == 6)
        memcpy(mat + n, peer->addr, 7);           /* /56 */
    n += 8;
    if (key->name && key->name >= msg && key->name < msg + len)
        n += name_copy(msg, len, (size_t)(key->name - msg), mat + n);
    uint64_t h = siphash(mat, n) | 1;
    rt_rrl_slot_t *s = &r->slots[(h >> 20) & (RT_RRL_SLOTS - 1)];
    uint32_t now = (uint32_t)now_ms;
    int32_t cap = (int32_t)(r->rate > 2000000u ? 2000000u : r->rate) * 1000;
    if (s->key != h) {
        s->key = h;
        s->milli = cap;
        s->last_ms = now;
        s->limited = 0;
    } else {
        uint32_t dt = now - s->last_ms;
        if (dt > 0) {
            /* rate tokens per 1000 ms = rate milli-tokens per ms */
            int64_t m = (int64_t)s->milli + (int64_t)dt * r->rate;
            s->milli = m > cap ? cap : (int32_t)m;
            s->last_ms = now;
        }
    }
    if (s->milli >= 1000) {
        s->milli -= 1000;
        r->passed++;
        return RT_RRL_PASS;
    }
    s->limited++;
    if (r->slip > 0 && s->limited % r->slip == 0) {
        r->slipped++;
        return RT_RRL_SLIP;
    }
    r->dropped++;
    return RT_RRL_DROP;
}

size_t rt_rrl_slip_reply(uint8_t *msg, size_t len)
{
    if (len < WIRE_HEADER_LEN)
        return len;
    size_t end = WIRE_HEADER_LEN, off = WIRE_HEADER_LEN;
    unsigned qd = wire_read_u16(msg + 4), keep_qd = 0;
    if (qd == 1) {
        size_t q = name_skip(msg, len, WIRE_HEADER_LEN);
        if (q && q + 4 <= len) {
            end = off = q + 4;
            keep_qd = 1;
        }
    }
    /* find the OPT record (RFC 6891: an EDNS query gets one back) */
    size_t opt = 0, opt_len = 0;
    if (keep_qd) {
        unsigned rrs = (unsigned)wire_read_u16(msg + 6) + wire_read_u16(msg + 8) +
                       wire_read_u16(msg + 10);
        for (unsigned i = 0; i < rrs; i++) {
            size_t o = name_skip(msg, len, off);
            if (o == 0 || o + 10 > len)
                break;
            size_t next = o + 10 + wire_read_u16(msg + o + 8);
            if (next > len)
                break;
            if (wire_read_u16(msg + o) == 41 && msg[off] == 0) {
                opt = off;
                opt_len = next - off;
            }
            off = next;
        }
    }
    if (opt && opt != end)
        memmove(msg + end, msg + opt, opt_len);
    msg[2] |= 0x02; /* TC */
    wire_write_u16(msg + 4, (uint16_t)keep_qd);
    wire_write_u16(msg + 6, 0);
    wire_write_u16(msg + 8, 0);
    wire_write_u16(msg + 10, opt ? 1 : 0);
    return end + (opt ? opt_len : 0);
}
