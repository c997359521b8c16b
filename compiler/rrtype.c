/* rrtype.c -- RR type table and rdata text <-> wire (see rrtype.h)
 * SPDX-License-Identifier: MIT
 *
 * One X-macro lists every type we know: mnemonic, code, whether its names
 * trigger additional-section processing, the names of its presentation
 * fields (for diagnostics) and its rdata blocks. Parsing, validation,
 * printing and the name walker all interpret the same block list; only the
 * RB_REMAINDER tails (hex digests, the CAA value, SVCB parameters) and a few
 * field syntaxes (addresses, SOA timers, DNSSEC algorithm mnemonics) are
 * special-cased by type.
 */
#include "rrtype.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"

/*    mnemonic code      add fields (for messages, '|'-separated)  blocks */
#define RRTYPE_TABLE(X)                                                                        \
    X(A, RR_A, 0, "address", RB_FIXED4)                                                         \
    X(NS, RR_NS, 1, "name server name", RB_DNAME_COMPRESS)                                      \
    X(CNAME, RR_CNAME, 0, "target name", RB_DNAME_COMPRESS)                                     \
    X(SOA, RR_SOA, 0, "primary server name|mailbox name|serial|refresh|retry|expire|minimum",  \
      RB_DNAME_COMPRESS, RB_DNAME_COMPRESS, RB_FIXED4, RB_FIXED4, RB_FIXED4, RB_FIXED4,         \
      RB_FIXED4)                                                                                \
    X(PTR, RR_PTR, 0, "target name", RB_DNAME_COMPRESS)                                         \
    X(HINFO, RR_HINFO, 0, "CPU|OS", RB_STRING, RB_STRING)                                       \
    X(MX, RR_MX, 1, "preference|exchange name", RB_FIXED2, RB_DNAME_COMPRESS)                   \
    X(TXT, RR_TXT, 0, "text", RB_STRINGS)                                                       \
    X(AAAA, RR_AAAA, 0, "address", RB_FIXED16)                                                  \
    X(SRV, RR_SRV, 1, "priority|weight|port|target name", RB_FIXED2, RB_FIXED2, RB_FIXED2,      \
      RB_DNAME)                                                                                 \
    X(NAPTR, RR_NAPTR, 0, "order|preference|flags|services|regexp|replacement name",           \
      RB_FIXED2, RB_FIXED2, RB_STRING, RB_STRING, RB_STRING, RB_DNAME)                          \
    X(DS, RR_DS, 0, "key tag|algorithm|digest type|digest", RB_FIXED2, RB_FIXED1, RB_FIXED1,    \
      RB_REMAINDER)                                                                             \
    X(SSHFP, RR_SSHFP, 0, "algorithm|fingerprint type|fingerprint", RB_FIXED1, RB_FIXED1,       \
      RB_REMAINDER)                                                                             \
    X(TLSA, RR_TLSA, 0, "usage|selector|matching type|certificate data", RB_FIXED1, RB_FIXED1,  \
      RB_FIXED1, RB_REMAINDER)                                                                  \
    X(SVCB, RR_SVCB, 1, "priority|target name|parameters", RB_FIXED2, RB_DNAME, RB_REMAINDER)   \
    X(HTTPS, RR_HTTPS, 1, "priority|target name|parameters", RB_FIXED2, RB_DNAME, RB_REMAINDER) \
    X(SPF, RR_SPF, 0, "text", RB_STRINGS)                                                       \
    X(CAA, RR_CAA, 0, "flags|tag|value", RB_FIXED1, RB_STRING, RB_REMAINDER)                    \
    X(RP, 17, 0, "mailbox name|text name", RB_DNAME, RB_DNAME)                                  \
    X(AFSDB, 18, 0, "subtype|host name", RB_FIXED2, RB_DNAME)                                   \
    X(DNSKEY, RR_DNSKEY, 0, "flags|protocol|algorithm|public key", RB_FIXED2, RB_FIXED1,        \
      RB_FIXED1, RB_REMAINDER)                                                                  \
    X(SMIMEA, 53, 0, "usage|selector|matching type|certificate data", RB_FIXED1, RB_FIXED1,     \
      RB_FIXED1, RB_REMAINDER)                                                                  \
    X(CDS, 59, 0, "key tag|algorithm|digest type|digest", RB_FIXED2, RB_FIXED1, RB_FIXED1,      \
      RB_REMAINDER)                                                                             \
    X(CDNSKEY, 60, 0, "flags|protocol|algorithm|public key", RB_FIXED2, RB_FIXED1, RB_FIXED1,   \
      RB_REMAINDER)                                                                             \
    X(OPENPGPKEY, 61, 0, "public key", RB_REMAINDER)                                            \
    X(ZONEMD, 63, 0, "serial|scheme|hash algorithm|digest", RB_FIXED4, RB_FIXED1, RB_FIXED1,    \
      RB_REMAINDER)                                                                             \
    X(URI, 256, 0, "priority|weight|target", RB_FIXED2, RB_FIXED2, RB_REMAINDER)

#define X_DESC(mn, code, add, fields, ...) {code, #mn, {__VA_ARGS__}, add},
static const rrtype_desc_t known[] = {RRTYPE_TABLE(X_DESC)};
#undef X_DESC

#define X_FIELDS(mn, code, add, fields, ...) fields,
static const char *const known_fields[] = {RRTYPE_TABLE(X_FIELDS)};
#undef X_FIELDS

#define KNOWN_COUNT (sizeof known / sizeof known[0])

/* Generic descriptors for types outside the table, made on first use and
 * kept for the life of the process (the compiler is one-shot). */
static rrtype_desc_t *generic_desc[65536];

static int known_index(uint16_t code)
{
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        if (known[i].code == code)
            return (int)i;
    return -1;
}

const rrtype_desc_t *rrtype_by_code(uint16_t code)
{
    int i = known_index(code);
    if (i >= 0)
        return &known[i];
    if (!generic_desc[code]) {
        rrtype_desc_t *d = xcalloc(1, sizeof *d);
        char name[16];
        snprintf(name, sizeof name, "TYPE%u", code);
        d->code = code;
        d->name = xstrdup(name);
        d->blocks[0] = RB_REMAINDER;
        generic_desc[code] = d;
    }
    return generic_desc[code];
}

static int ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z')
            x = (char)(x - 32);
        if (y >= 'a' && y <= 'z')
            y = (char)(y - 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* Strict unsigned decimal: digits only, no sign, value <= max. */
static int parse_uint(const char *t, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0 || len > 20)
        return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] < '0' || t[i] > '9')
            return 0;
        if (v > (UINT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (uint64_t)(t[i] - '0');
    }
    if (v > max)
        return 0;
    *out = v;
    return 1;
}

int rrtype_from_text(const char *text, size_t len, uint16_t *code)
{
    for (size_t i = 0; i < KNOWN_COUNT; i++)
        if (ieq(text, len, known[i].name)) {
            *code = known[i].code;
            return 1;
        }
    uint64_t v;
    if (len > 4 && ieq(text, 4, "TYPE") && parse_uint(text + 4, len - 4, 65535, &v)) {
        *code = (uint16_t)v;
        return 1;
    }
    return 0;
}

const char *rrtype_to_text(uint16_t code, char *buf, size_t cap)
{
    int i = known_index(code);
    if (i >= 0)
        snprintf(buf, cap, "%s", known[i].name);
    else
        snprintf(buf, cap, "TYPE%u", code);
    return buf;
}

int rrtype_time_from_text(const char *t, size_t len, uint32_t *out)
{
    /* number | (number unit)+ with units s m h d w (any case), as Knot and BIND */
    if (len == 0 || t[0] < '0' || t[0] > '9')
        return 0;
    uint64_t total = 0;
    size_t i = 0;
    int had_unit = 0;
    while (i < len) {
        uint64_t n = 0;
        size_t start = i;
        while (i < len && t[i] >= '0' && t[i] <= '9') {
            n = n * 10 + (uint64_t)(t[i] - '0');
            if (n > UINT32_MAX)
                return -1;
            i++;
        }
        if (i == start)
            return 0;
        if (i == len) {
            if (had_unit)
                return 0; /* "1h30" lacks the last unit */
            total = n;
            break;
        }
        uint64_t mult;
        switch (t[i] | 0x20) {
        case 's': mult = 1; break;
        case 'm': mult = 60; break;
        case 'h': mult = 3600; break;
        case 'd': mult = 86400; break;
        case 'w': mult = 604800; break;
        default: return 0;
        }
        i++;
        had_unit = 1;
        total += n * mult;
        if (total > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)total;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* text -> wire                                                              */

typedef struct pctx {
    uint16_t type;
    const char *tname;
    const char *fieldnames;   /* '|'-separated, NULL for generic types */
    const rdata_field_t *f;
    size_t n, i;
    const uint8_t *origin;
    uint8_t *out;
    size_t cap, len;
    loc_t rr_loc;
} pctx_t;

/* A short printable rendering of a field for messages. */
static const char *show(const rdata_field_t *f, char *buf, size_t cap)
{
    return diag_show(f->text, f->len, 40, buf, cap);
}

static void perr(pctx_t *c, loc_t loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void perr(pctx_t *c, loc_t loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(loc, "invalid %s rdata: %s", c->tname, msg);
}

/* The name of field number `idx` of the current type. */
static const char *field_name(const pctx_t *c, unsigned idx, char *buf, size_t cap)
{
    const char *p = c->fieldnames;
    if (!p)
        return "data";
    for (unsigned k = 0; k < idx && p; k++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p)
        return "data";
    const char *e = strchr(p, '|');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static const rdata_field_t *need(pctx_t *c, const char *what)
{
    if (c->i >= c->n) {
        perr(c, c->rr_loc, "missing %s", what);
        return NULL;
    }
    return &c->f[c->i++];
}

static int put(pctx_t *c, const void *p, size_t n, loc_t loc)
{
    if (c->len + n > c->cap) {
        perr(c, loc, "rdata longer than %zu bytes", c->cap);
        return -1;
    }
    memcpy(c->out + c->len, p, n);
    c->len += n;
    return 0;
}

static int put16(pctx_t *c, uint16_t v, loc_t loc)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return put(c, b, 2, loc);
}

static int put32(pctx_t *c, uint32_t v, loc_t loc)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return put(c, b, 4, loc);
}

/* Decodes a <character-string> body (escapes \X and \DDD) into out.
 * Returns the length, or -1 on a bad escape, -2 when longer than cap. */
static long decode_cstr(const char *t, size_t len, uint8_t *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = (unsigned char)t[i];
        if (c == '\\') {
            if (i + 1 >= len)
                return -1;
            if (t[i + 1] >= '0' && t[i + 1] <= '9') {
                if (i + 3 >= len)
                    return -1;
                if (!(t[i + 2] >= '0' && t[i + 2] <= '9') || !(t[i + 3] >= '0' && t[i + 3] <= '9'))
                    return -1;
                c = (unsigned)(t[i + 1] - '0') * 100 + (unsigned)(t[i + 2] - '0') * 10 +
                    (unsigned)(t[i + 3] - '0');
                if (c > 255)
                    return -1;
                i += 4;
            } else {
                c = (unsigned char)t[i + 1];
                i += 2;
            }
        } else {
            i++;
        }
        if (w >= cap)
            return -2;
        out[w++] = (uint8_t)c;
    }
    return (long)w;
}

/* An unquoted field may not hold a bare '"' (the scanner lets one through
 * inside a word for SVCB key="value"); Knot rejects it too. */
static int unquoted_quote(pctx_t *c, const rdata_field_t *f)
{
    if (f->quoted)
        return 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->text[i] == '\\') {
            i++;
        } else if (f->text[i] == '"') {
            char s[200];
            perr(c, f->loc, "unescaped '\"' in '%s'", show(f, s, sizeof s));
            return 1;
        }
    }
    return 0;
}

/* One <character-string> with its length byte. */
static int parse_cstr(pctx_t *c, const rdata_field_t *f)
{
    uint8_t buf[256];
    if (unquoted_quote(c, f))
        return -1;
    long n = decode_cstr(f->text, f->len, buf, 255);
    if (n == -1) {
        char s[200];
        perr(c, f->loc, "bad escape in '%s'", show(f, s, sizeof s));
        return -1;
    }
    if (n == -2) {
        diag_error(f->loc, "character-string longer than 255 bytes");
        return -1;
    }
    uint8_t l = (uint8_t)n;
    if (put(c, &l, 1, f->loc) < 0 || put(c, buf, (size_t)n, f->loc) < 0)
        return -1;
    return 0;
}

/* A domain name. `lower`: store it in lowercase, as Knot DNS (the
 * reference) does for the types of RFC 4034 §6.2 (NS, CNAME, SOA, PTR, MX,
 * SRV, NAPTR, RP, AFSDB here); SVCB targets keep their case. */
static int parse_name(pctx_t *c, const rdata_field_t *f, int lower)
{
    uint8_t name[DNAME_MAX];
    size_t nl;
    int rc = dname_from_text(name, &nl, f->text, f->len, c->origin);
    if (rc != DNAME_OK) {
        diag_error(f->loc, "%s", dname_strerror(rc));
        return -1;
    }
    if (lower)
        dname_lower(name);
    return put(c, name, nl, f->loc);
}

static int parse_num(pctx_t *c, const rdata_field_t *f, uint64_t max, const char *what,
                     uint64_t *v)
{
    char s[200];
    if (f->quoted || !parse_uint(f->text, f->len, max, v)) {
        perr(c, f->loc, "'%s' is not a valid %s (0..%llu)", show(f, s, sizeof s), what,
             (unsigned long long)max);
        return -1;
    }
    return 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Hex digits from every remaining field (may be split by whitespace). */
static int parse_hex_rest(pctx_t *c, const char *what, int allow_empty)
{
    size_t start = c->len;
    int half = -1;
    loc_t last = c->rr_loc;
    if (c->i >= c->n && !allow_empty) {
        perr(c, c->rr_loc, "missing %s", what);
        return -1;
    }
    for (; c->i < c->n; c->i++) {
        const rdata_field_t *f = &c->f[c->i];
        last = f->loc;
        for (size_t k = 0; k < f->len; k++) {
            int v = hexval((unsigned char)f->text[k]);
            if (v < 0 || f->quoted) {
                char s[200];
                perr(c, f->loc, "%s '%s' is not hexadecimal", what, show(f, s, sizeof s));
                return -1;
            }
            if (half < 0) {
                half = v;
            } else {
                uint8_t b = (uint8_t)(half << 4 | v);
                if (put(c, &b, 1, f->loc) < 0)
                    return -1;
                half = -1;
            }
        }
    }
    if (half >= 0) {
        perr(c, last, "%s has an odd number of hex digits", what);
        return -1;
    }
    if (c->len == start && !allow_empty) {
        perr(c, last, "missing %s", what);
        return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    uint8_t code;
} dnssec_algs[] = {
    {"RSAMD5", 1}, {"DH", 2}, {"DSA", 3}, {"RSASHA1", 5}, {"DSA-NSEC3-SHA1", 6},
    {"RSASHA1-NSEC3-SHA1", 7}, {"RSASHA256", 8}, {"RSASHA512", 10}, {"ECC-GOST", 12},
    {"ECDSAP256SHA256", 13}, {"ECDSAP384SHA384", 14}, {"ED25519", 15}, {"ED448", 16},
    {"INDIRECT", 252}, {"PRIVATEDNS", 253}, {"PRIVATEOID", 254},
};

/* A FIXED block: an integer, or a type-specific syntax. */
static int parse_fixed(pctx_t *c, rdata_block_t b, unsigned idx, const char *what)
{
    const rdata_field_t *f = need(c, what);
    if (!f)
        return -1;
    char s[200];
    uint64_t v = 0;
    if (b == RB_FIXED4 && c->type == RR_A) {
        char tmp[64];
        uint8_t a[4];
        if (f->len >= sizeof tmp || f->quoted) {
            perr(c, f->loc, "'%s' is not an IPv4 address", show(f, s, sizeof s));
            return -1;
        }
        memcpy(tmp, f->text, f->len);
        tmp[f->len] = '\0';
        if (inet_pton(AF_INET, tmp, a) != 1) {
            perr(c, f->loc, "'%s' is not an IPv4 address", show(f, s, sizeof s));
            return -1;
        }
        return put(c, a, 4, f->loc);
    }
    if (b == RB_FIXED16) {
        char tmp[64];
        uint8_t a[16];
        if (f->len >= sizeof tmp || f->quoted) {
            perr(c, f->loc, "'%s' is not an IPv6 address", show(f, s, sizeof s));
            return -1;
        }
        memcpy(tmp, f->text, f->len);
        tmp[f->len] = '\0';
        if (inet_pton(AF_INET6, tmp, a) != 1) {
            perr(c, f->loc, "'%s' is not an IPv6 address", show(f, s, sizeof s));
            return -1;
        }
        return put(c, a, 16, f->loc);
    }
    if (c->type == RR_SOA && idx >= 3) {
        /* RFC 1035 §3.3.13 timers; units as for TTLs (BIND, Knot) */
        uint32_t t;
        if (f->quoted || rrtype_time_from_text(f->text, f->len, &t) != 1) {
            perr(c, f->loc, "'%s' is not a valid %s (0..4294967295, units s m h d w)",
                 show(f, s, sizeof s), what);
            return -1;
        }
        return put32(c, t, f->loc);
    }
    if ((((c->type == RR_DS || c->type == 59) && idx == 1) ||
         ((c->type == RR_DNSKEY || c->type == 60) && idx == 2)) && !f->quoted) {
        for (size_t k = 0; k < sizeof dnssec_algs / sizeof dnssec_algs[0]; k++)
            if (ieq(f->text, f->len, dnssec_algs[k].name))
                return put(c, &dnssec_algs[k].code, 1, f->loc);
    }
    uint64_t max = b == RB_FIXED1 ? 0xff : b == RB_FIXED2 ? 0xffff : 0xffffffffu;
    if (parse_num(c, f, max, what, &v) < 0)
        return -1;
    if (b == RB_FIXED1) {
        uint8_t x = (uint8_t)v;
        return put(c, &x, 1, f->loc);
    }
    if (b == RB_FIXED2)
        return put16(c, (uint16_t)v, f->loc);
    return put32(c, (uint32_t)v, f->loc);
}

/* --- SVCB / HTTPS parameters (RFC 9460 §2.1, appendix A) --- */

enum {
    SVC_MANDATORY = 0, SVC_ALPN = 1, SVC_NDALPN = 2, SVC_PORT = 3, SVC_IPV4HINT = 4,
    SVC_ECH = 5, SVC_IPV6HINT = 6, SVC_DOHPATH = 7, SVC_OHTTP = 8,
};

static const char *const svc_names[] = {
    "mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint", "dohpath",
    "ohttp",
};
#define SVC_NAMED (sizeof svc_names / sizeof svc_names[0])

/* Key from its presentation name; -1 when not a key, -2 for key65535. */
static long svc_key_from_text(const char *t, size_t len)
{
    for (size_t k = 0; k < SVC_NAMED; k++)
        if (len == strlen(svc_names[k]) && memcmp(t, svc_names[k], len) == 0)
            return (long)k;
    uint64_t v;
    if (len > 3 && memcmp(t, "key", 3) == 0 && parse_uint(t + 3, len - 3, 65535, &v))
        return v == 65535 ? -2 : (long)v;
    return -1;
}

static int b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

/* Base64 (RFC 4648 with padding) into out; returns length or -1. */
static long b64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    if (len % 4)
        return -1;
    size_t w = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4], pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=') {
                if (i + 4 != len || k < 2)
                    return -1;
                v[k] = 0;
                pad++;
            } else {
                if (pad)
                    return -1;
                v[k] = b64val(in[i + k]);
                if (v[k] < 0)
                    return -1;
            }
        }
        uint32_t q = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t nb = 3 - (size_t)pad;
        if (w + nb > cap)
            return -1;
        out[w++] = (uint8_t)(q >> 16);
        if (nb > 1)
            out[w++] = (uint8_t)(q >> 8);
        if (nb > 2)
            out[w++] = (uint8_t)q;
    }
    return (long)w;
}

static int svc_value_valid(uint16_t key, const uint8_t *v, size_t vl);

typedef struct svc_param {
    uint16_t key;
    size_t off, len; /* value in the scratch buffer */
    loc_t loc;
} svc_param_t;

static int svc_cmp(const void *a, const void *b)
{
    const svc_param_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    /* equal keys are an error; keep input order for the report */
    return x->off < y->off ? -1 : x->off > y->off;
}

static int u16_cmp(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Splits v[0..len) at commas; `escapes` honours "\," and "\\" inside items
 * (the alpn value-list rule of RFC 9460 A.1). Calls item() for each item
 * with the unescaped bytes. Returns -1 when item() fails. */
static int svc_split(const uint8_t *v, size_t len, int escapes,
                     int (*item)(void *arg, const uint8_t *p, size_t n), void *arg)
{
    uint8_t buf[65536];
    size_t w = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || v[i] == ',') {
            if (item(arg, buf, w) < 0)
                return -1;
            w = 0;
            continue;
        }
        if (escapes && v[i] == '\\' && i + 1 < len)
            i++;
        buf[w++] = v[i];
    }
    return 0;
}

typedef struct svc_item_ctx {
    pctx_t *c;
    uint8_t *out;  /* value being built */
    size_t len, cap;
    uint16_t key;
    loc_t loc;
    const char *err;
} svc_item_ctx_t;

static int svc_item(void *arg, const uint8_t *p, size_t n)
{
    svc_item_ctx_t *s = arg;
    char tmp[64];
    switch (s->key) {
    case SVC_MANDATORY: {
        long k = n < 32 ? svc_key_from_text((const char *)p, n) : -1;
        if (k < 0) {
            s->err = "unknown key in mandatory list";
            return -1;
        }
        if (s->len + 2 > s->cap)
            return -1;
        s->out[s->len++] = (uint8_t)(k >> 8);
        s->out[s->len++] = (uint8_t)k;
        return 0;
    }
    case SVC_ALPN:
        if (n == 0 || n > 255) {
            s->err = n ? "alpn identifier longer than 255 bytes" : "empty alpn identifier";
            return -1;
        }
        if (s->len + 1 + n > s->cap)
            return -1;
        s->out[s->len++] = (uint8_t)n;
        memcpy(s->out + s->len, p, n);
        s->len += n;
        return 0;
    case SVC_IPV4HINT:
    case SVC_IPV6HINT: {
        int af = s->key == SVC_IPV4HINT ? AF_INET : AF_INET6;
        size_t al = af == AF_INET ? 4 : 16;
        if (n >= sizeof tmp) {
            s->err = af == AF_INET ? "bad IPv4 address in ipv4hint" : "bad IPv6 address in ipv6hint";
            return -1;
        }
        memcpy(tmp, p, n);
        tmp[n] = '\0';
        if (s->len + al > s->cap || inet_pton(af, tmp, s->out + s->len) != 1) {
            s->err = af == AF_INET ? "bad IPv4 address in ipv4hint" : "bad IPv6 address in ipv6hint";
            return -1;
        }
        s->len += al;
        return 0;
    }
    }
    return -1;
}

static int parse_svc_params(pctx_t *c)
{
    size_t np = c->n - c->i;
    svc_param_t *ps = xcalloc(np ? np : 1, sizeof *ps);
    /* two blocks, not one of 128 KiB: allocators map blocks that big on
     * every call (glibc past its mmap threshold, ASan past 128 KiB) */
    uint8_t *scratch = xmalloc(65536);
    size_t used = 0, cnt = 0;
    /* a decoded value is never longer than its field */
    size_t dcap = 0;
    for (size_t k = c->i; k < c->n; k++)
        dcap = c->f[k].len > dcap ? c->f[k].len : dcap;
    dcap = dcap < 65535 ? dcap : 65535;
    uint8_t *dec = xmalloc(dcap + 1);
    int rc = -1;
    char s[200];

    for (; c->i < c->n; c->i++) {
        const rdata_field_t *f = &c->f[c->i];
        const char *t = f->text;
        size_t len = f->len;
        const char *eq = memchr(t, '=', len);
        size_t klen = eq ? (size_t)(eq - t) : len;
        long key = f->quoted ? -1 : svc_key_from_text(t, klen);
        if (key == -2) {
            perr(c, f->loc, "key65535 is reserved");
            goto out;
        }
        if (key < 0) {
            perr(c, f->loc, "unknown parameter '%s'", show(f, s, sizeof s));
            goto out;
        }
        const char *v = eq ? eq + 1 : NULL;
        size_t vlen = eq ? len - klen - 1 : 0;
        if (v && vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
            v++;
            vlen -= 2;
        } else if (v && vlen >= 1 && v[0] == '"') {
            perr(c, f->loc, "unterminated quoted value in '%s'", show(f, s, sizeof s));
            goto out;
        }
        long dl = 0;
        if (v) {
            dl = decode_cstr(v, vlen, dec, dcap);
            if (dl < 0) {
                perr(c, f->loc, "bad escape in '%s'", show(f, s, sizeof s));
                goto out;
            }
        }
        svc_param_t *p = &ps[cnt++];
        p->key = (uint16_t)key;
        p->loc = f->loc;
        p->off = used;
        uint8_t *val = scratch + used;
        size_t room = 65535 - used;
        size_t vl = 0;
        const char *kname = (size_t)key < SVC_NAMED ? svc_names[key] : "key";
        int named = (size_t)klen == strlen(kname) && memcmp(t, kname, klen) == 0;
        if (!named) {
            /* keyNNNNN: the value is taken as opaque bytes (as Knot), but a
             * known key's value must still have that key's wire form */
            if ((size_t)dl > room)
                goto toolong;
            memcpy(val, dec, (size_t)dl);
            vl = (size_t)dl;
            if (!svc_value_valid((uint16_t)key, val, vl)) {
                perr(c, f->loc, "'%s' is not a valid %s value", show(f, s, sizeof s),
                     (size_t)key < SVC_NAMED ? svc_names[key] : "parameter");
                goto out;
            }
        } else if (key == SVC_NDALPN || key == SVC_OHTTP) {
            if (v) {
                perr(c, f->loc, "parameter '%s' takes no value", kname);
                goto out;
            }
        } else {
            if (!v || dl == 0) {
                perr(c, f->loc, "parameter '%s' needs a value", kname);
                goto out;
            }
            if (key == SVC_PORT) {
                uint64_t port;
                if (!parse_uint((const char *)dec, (size_t)dl, 65535, &port)) {
                    perr(c, f->loc, "'%s' is not a valid port (0..65535)", show(f, s, sizeof s));
                    goto out;
                }
                val[0] = (uint8_t)(port >> 8);
                val[1] = (uint8_t)port;
                vl = 2;
            } else if (key == SVC_ECH) {
                long bl = b64_decode(dec, (size_t)dl, val, room);
                if (bl < 0) {
                    perr(c, f->loc, "ech value is not base64");
                    goto out;
                }
                vl = (size_t)bl;
            } else if (key == SVC_DOHPATH) {
                memcpy(val, dec, (size_t)dl);
                vl = (size_t)dl;
            } else {
                svc_item_ctx_t ic = {c, val, 0, room, (uint16_t)key, f->loc, NULL};
                if (svc_split(dec, (size_t)dl, key == SVC_ALPN, svc_item, &ic) < 0) {
                    perr(c, f->loc, "%s in '%s'", ic.err ? ic.err : "value too long",
                         show(f, s, sizeof s));
                    goto out;
                }
                vl = ic.len;
                if (key == SVC_MANDATORY) {
                    /* on the heap: a 64 KiB array on the stack made every
                     * call of rrtype_rdata_from_text() (this is inlined)
                     * pay for the frame under ASan */
                    size_t nk = vl / 2;
                    uint16_t *keys = xmalloc((nk ? nk : 1) * sizeof *keys);
                    for (size_t k = 0; k < nk; k++)
                        keys[k] = (uint16_t)(val[2 * k] << 8 | val[2 * k + 1]);
                    qsort(keys, nk, sizeof keys[0], u16_cmp);
                    const char *bad = NULL;
                    for (size_t k = 0; k < nk && !bad; k++) {
                        if (keys[k] == SVC_MANDATORY)
                            bad = "mandatory must not list itself";
                        else if (k && keys[k] == keys[k - 1])
                            bad = "duplicate key in mandatory list";
                        val[2 * k] = (uint8_t)(keys[k] >> 8);
                        val[2 * k + 1] = (uint8_t)keys[k];
                    }
                    free(keys);
                    if (bad) {
                        perr(c, f->loc, "%s", bad);
                        goto out;
                    }
                }
            }
        }
        p->len = vl;
        used += vl;
    }

    qsort(ps, cnt, sizeof *ps, svc_cmp);
    for (size_t k = 1; k < cnt; k++)
        if (ps[k].key == ps[k - 1].key) {
            char kb[16];
            snprintf(kb, sizeof kb, "key%u", ps[k].key);
            perr(c, ps[k].loc, "duplicate parameter '%s'",
                 ps[k].key < SVC_NAMED ? svc_names[ps[k].key] : kb);
            goto out;
        }
    for (size_t k = 0; k < cnt; k++) {
        if (ps[k].key != SVC_MANDATORY)
            continue;
        const uint8_t *m = scratch + ps[k].off;
        for (size_t j = 0; j + 1 < ps[k].len; j += 2) {
            uint16_t mk = (uint16_t)(m[j] << 8 | m[j + 1]);
            int found = 0;
            for (size_t q = 0; q < cnt; q++)
                found |= ps[q].key == mk;
            if (!found) {
                char kb[16];
                snprintf(kb, sizeof kb, "key%u", mk);
                perr(c, ps[k].loc, "mandatory key '%s' is not present",
                     mk < SVC_NAMED ? svc_names[mk] : kb);
                goto out;
            }
        }
    }
    for (size_t k = 0; k < cnt; k++) {
        if (put16(c, ps[k].key, ps[k].loc) < 0 || put16(c, (uint16_t)ps[k].len, ps[k].loc) < 0 ||
            put(c, scratch + ps[k].off, ps[k].len, ps[k].loc) < 0)
            goto out;
    }
    rc = 0;
    goto out;
toolong:
    perr(c, c->f[c->i].loc, "parameters longer than 65535 bytes");
out:
    free(ps);
    free(scratch);
    free(dec);
    return rc;
}

/* Base64 from every remaining field (RFC 4648; may be split by blanks). */
static int parse_b64_rest(pctx_t *c, const char *what)
{
    if (c->i >= c->n) {
        perr(c, c->rr_loc, "missing %s", what);
        return -1;
    }
    /* room for the fields' text, 128 KiB at most (more is an error) */
    size_t total = 0;
    for (size_t k = c->i; k < c->n; k++)
        total += c->f[k].len;
    uint8_t *txt = xmalloc(total < 65536 * 2 ? total : 65536 * 2);
    size_t tl = 0;
    int rc = -1;
    loc_t first = c->f[c->i].loc;
    for (; c->i < c->n; c->i++) {
        const rdata_field_t *f = &c->f[c->i];
        if (f->quoted || tl + f->len > 65536 * 2) {
            char s[200];
            perr(c, f->loc, "%s '%s' is not base64", what, show(f, s, sizeof s));
            goto out;
        }
        memcpy(txt + tl, f->text, f->len);
        tl += f->len;
    }
    long n = b64_decode(txt, tl, c->out + c->len, c->cap - c->len);
    if (n <= 0) {
        perr(c, first, "%s is not valid base64", what);
        goto out;
    }
    c->len += (size_t)n;
    rc = 0;
out:
    free(txt);
    return rc;
}

static int parse_remainder(pctx_t *c, const char *what)
{
    switch (c->type) {
    case RR_DS:
    case RR_SSHFP:
    case RR_TLSA:
    case 53: /* SMIMEA */
    case 59: /* CDS */
    case 63: /* ZONEMD */
        return parse_hex_rest(c, what, 0);
    case RR_DNSKEY:
    case 60: /* CDNSKEY */
    case 61: /* OPENPGPKEY */
        return parse_b64_rest(c, what);
    case RR_SVCB:
    case RR_HTTPS:
        return parse_svc_params(c);
    case RR_CAA:
    case 256: { /* URI */
        /* RFC 8659 §4.1.1, RFC 7553 §4.5: the rest of the rdata, no length */
        const rdata_field_t *f = need(c, what);
        if (!f || unquoted_quote(c, f))
            return -1;
        /* the decoded value is never longer than the field */
        size_t bcap = f->len < 65535 ? f->len : 65535;
        uint8_t *buf = xmalloc(bcap + 1);
        long n = decode_cstr(f->text, f->len, buf, bcap);
        int rc = -1;
        if (n == -1) {
            char s[200];
            perr(c, f->loc, "bad escape in '%s'", show(f, s, sizeof s));
        } else if (n == -2) {
            perr(c, f->loc, "value longer than 65535 bytes");
        } else {
            rc = put(c, buf, (size_t)n, f->loc);
        }
        free(buf);
        return rc;
    }
    }
    return parse_hex_rest(c, what, 1);
}

/* RFC 3597 §5: "\# LEN HEX..." */
static int parse_generic(pctx_t *c)
{
    char s[200];
    c->i = 1;
    const rdata_field_t *lf = need(c, "generic rdata length");
    if (!lf)
        return -1;
    uint64_t want;
    if (lf->quoted || !parse_uint(lf->text, lf->len, 65535, &want)) {
        perr(c, lf->loc, "'%s' is not a valid generic rdata length (0..65535)",
             show(lf, s, sizeof s));
        return -1;
    }
    const char *saved = c->fieldnames;
    c->fieldnames = NULL;
    int rc = parse_hex_rest(c, "generic rdata", 1);
    c->fieldnames = saved;
    if (rc < 0)
        return -1;
    if (c->len != want) {
        perr(c, lf->loc, "generic rdata length %llu does not match the %zu bytes given",
             (unsigned long long)want, c->len);
        return -1;
    }
    if (known_index(c->type) >= 0 && !rrtype_rdata_valid(c->type, c->out, c->len)) {
        perr(c, c->f[0].loc, "generic rdata is not well formed for this type");
        return -1;
    }
    return (int)c->len;
}

int rrtype_rdata_from_text(uint16_t type, const rdata_field_t *fields, size_t nfields,
                           const uint8_t *origin, uint8_t *out, size_t cap, loc_t rr_loc)
{
    const rrtype_desc_t *d = rrtype_by_code(type);
    int ki = known_index(type);
    pctx_t c = {
        .type = type, .tname = d->name, .fieldnames = ki >= 0 ? known_fields[ki] : NULL,
        .f = fields, .n = nfields, .i = 0, .origin = origin, .out = out,
        .cap = cap > 65535 ? 65535 : cap, .len = 0, .rr_loc = rr_loc,
    };
    if (nfields > 0 && !fields[0].quoted && fields[0].len == 2 && fields[0].text[0] == '\\' &&
        fields[0].text[1] == '#')
        return parse_generic(&c);
    if (ki < 0) {
        perr(&c, nfields ? fields[0].loc : rr_loc,
             "a type without a known presentation format needs the generic form \\# LENGTH HEX");
        return -1;
    }
    char what[64];
    for (unsigned bi = 0; bi < RRTYPE_MAX_BLOCKS && d->blocks[bi] != RB_END; bi++) {
        rdata_block_t b = d->blocks[bi];
        field_name(&c, bi, what, sizeof what);
        const rdata_field_t *f;
        switch (b) {
        case RB_FIXED1:
        case RB_FIXED2:
        case RB_FIXED4:
        case RB_FIXED16:
            if (parse_fixed(&c, b, bi, what) < 0)
                return -1;
            break;
        case RB_DNAME:
        case RB_DNAME_COMPRESS:
            if (!(f = need(&c, what)) ||
                parse_name(&c, f, b == RB_DNAME_COMPRESS || type == RR_SRV || type == RR_NAPTR ||
                                      type == 17 || type == 18) < 0)
                return -1;
            break;
        case RB_STRING:
            if (!(f = need(&c, what)))
                return -1;
            if (type == RR_CAA) {
                /* RFC 8659 §4.1: the tag is letters and digits */
                int ok = f->len > 0 && f->len <= 255;
                for (size_t k = 0; k < f->len && ok; k++) {
                    char ch = f->text[k];
                    ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                         (ch >= '0' && ch <= '9');
                }
                if (!ok) {
                    char s[200];
                    perr(&c, f->loc, "tag '%s' must be letters and digits", show(f, s, sizeof s));
                    return -1;
                }
            }
            if (parse_cstr(&c, f) < 0)
                return -1;
            break;
        case RB_STRINGS:
            if (!(f = need(&c, what)))
                return -1;
            do {
                if (parse_cstr(&c, f) < 0)
                    return -1;
            } while (c.i < c.n && (f = &c.f[c.i++]));
            break;
        case RB_REMAINDER:
            if (parse_remainder(&c, what) < 0)
                return -1;
            break;
        case RB_END:
            break;
        }
    }
    if (c.i < c.n) {
        char s[200];
        perr(&c, c.f[c.i].loc, "unexpected field '%s'", show(&c.f[c.i], s, sizeof s));
        return -1;
    }
    return (int)c.len;
}

/* ------------------------------------------------------------------------ */
/* validation and walking                                                    */

/* Length of a valid uncompressed name at p[0..len), or 0 when malformed. */
static size_t name_len_at(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t l = p[i];
        if (l == 0)
            return i + 1 <= DNAME_MAX ? i + 1 : 0;
        if (l > DNAME_MAX_LABEL)
            return 0;
        i += (size_t)l + 1;
        if (i >= DNAME_MAX)
            return 0;
    }
    return 0;
}

/* RFC 9460 §7: the wire form of one known parameter's value. */
static int svc_value_valid(uint16_t key, const uint8_t *v, size_t vl)
{
    switch (key) {
    case SVC_MANDATORY:
        if (vl == 0 || vl % 2)
            return 0;
        for (size_t k = 0; k < vl; k += 2) {
            uint16_t mk = (uint16_t)(v[k] << 8 | v[k + 1]);
            if (mk == SVC_MANDATORY || (k && mk <= (uint16_t)(v[k - 2] << 8 | v[k - 1])))
                return 0;
        }
        return 1;
    case SVC_ALPN:
        if (vl == 0)
            return 0;
        for (size_t k = 0; k < vl;) {
            if (v[k] == 0 || k + 1 + v[k] > vl)
                return 0;
            k += 1 + (size_t)v[k];
        }
        return 1;
    case SVC_NDALPN:
    case SVC_OHTTP:
        return vl == 0;
    case SVC_PORT:
        return vl == 2;
    case SVC_IPV4HINT:
        return vl && vl % 4 == 0;
    case SVC_IPV6HINT:
        return vl && vl % 16 == 0;
    }
    return 1;
}

static int svc_params_valid(const uint8_t *p, size_t len)
{
    long prev = -1;
    size_t i = 0;
    while (i < len) {
        if (len - i < 4)
            return 0;
        uint16_t key = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint16_t vl = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
        i += 4;
        if ((long)key <= prev || key == 65535 || len - i < vl)
            return 0;
        prev = key;
        if (!svc_value_valid(key, p + i, vl))
            return 0;
        i += vl;
    }
    return 1;
}

/* Walks the blocks of `type` over rdata; calls fn for names (when fn is
 * not NULL). Returns 1 when the rdata is well formed. */
static int walk(uint16_t type, const uint8_t *rdata, size_t len,
                void (*fn)(void *arg, size_t off, int compress), void *arg)
{
    const rrtype_desc_t *d = rrtype_by_code(type);
    size_t off = 0;
    for (unsigned bi = 0; bi < RRTYPE_MAX_BLOCKS && d->blocks[bi] != RB_END; bi++) {
        rdata_block_t b = d->blocks[bi];
        size_t n;
        switch (b) {
        case RB_DNAME:
        case RB_DNAME_COMPRESS:
            n = name_len_at(rdata + off, len - off);
            if (!n)
                return 0;
            if (fn)
                fn(arg, off, b == RB_DNAME_COMPRESS);
            off += n;
            break;
        case RB_FIXED1: n = 1; goto fixed;
        case RB_FIXED2: n = 2; goto fixed;
        case RB_FIXED4: n = 4; goto fixed;
        case RB_FIXED16: n = 16;
        fixed:
            if (len - off < n)
                return 0;
            off += n;
            break;
        case RB_STRING:
            if (off >= len || len - off < 1u + rdata[off])
                return 0;
            if (type == RR_CAA) {
                if (rdata[off] == 0)
                    return 0;
                for (size_t k = 1; k <= rdata[off]; k++) {
                    uint8_t ch = rdata[off + k];
                    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9')))
                        return 0;
                }
            }
            off += 1u + rdata[off];
            break;
        case RB_STRINGS:
            if (off >= len)
                return 0;
            while (off < len) {
                if (len - off < 1u + rdata[off])
                    return 0;
                off += 1u + rdata[off];
            }
            break;
        case RB_REMAINDER:
            if ((type == RR_SVCB || type == RR_HTTPS) && !svc_params_valid(rdata + off, len - off))
                return 0;
            if ((type == RR_DS || type == RR_SSHFP || type == RR_TLSA || type == 53 ||
                 type == 59 || type == 63 || type == RR_DNSKEY || type == 60 || type == 61) &&
                off >= len)
                return 0;
            off = len;
            break;
        case RB_END:
            break;
        }
    }
    return off == len;
}

int rrtype_rdata_valid(uint16_t type, const uint8_t *rdata, size_t len)
{
    return walk(type, rdata, len, NULL, NULL);
}

void rrtype_rdata_names(uint16_t type, const uint8_t *rdata, size_t len,
                        void (*fn)(void *arg, size_t off, int compress), void *arg)
{
    if (walk(type, rdata, len, NULL, NULL))
        walk(type, rdata, len, fn, arg);
}

/* ------------------------------------------------------------------------ */
/* wire -> text                                                              */

typedef struct tbuf {
    char *buf;
    size_t cap, len;
} tbuf_t;

static void tput(tbuf_t *t, const char *s, size_t n)
{
    if (t->cap == 0)
        return;
    size_t room = t->cap - 1 - t->len;
    if (n > room)
        n = room;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void tputs(tbuf_t *t, const char *s)
{
    tput(t, s, strlen(s));
}

static void tprintf(tbuf_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tprintf(tbuf_t *t, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        tput(t, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Bytes as the inside of a quoted <character-string>: " and \ escaped,
 * other non-printable bytes as \DDD (as BIND prints them). */
static void put_escaped(tbuf_t *t, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            tput(t, e, 2);
        } else if (ch < 0x20 || ch >= 0x7f) {
            tprintf(t, "\\%03u", ch);
        } else {
            tput(t, (const char *)&ch, 1);
        }
    }
}

static void put_qstring(tbuf_t *t, const uint8_t *p, size_t n)
{
    tput(t, "\"", 1);
    put_escaped(t, p, n);
    tput(t, "\"", 1);
}

/* Upper-case hex in 56-digit groups separated by spaces, as dig prints
 * digests and generic rdata. */
static void put_hex(tbuf_t *t, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        if (i && i % 28 == 0)
            tput(t, " ", 1);
        char b[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
        tput(t, b, 2);
    }
}

static void put_generic(tbuf_t *t, const uint8_t *p, size_t n)
{
    tprintf(t, "\\# %zu", n);
    if (n) {
        tput(t, " ", 1);
        put_hex(t, p, n);
    }
}

/* Base64; `split` breaks it into 56-character groups as dig does for keys. */
static void put_b64(tbuf_t *t, const uint8_t *p, size_t n, int split)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        if (split && i && i % 42 == 0)
            tput(t, " ", 1);
        uint32_t q = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char o[4] = {b64[q >> 18 & 63], b64[q >> 12 & 63], i + 1 < n ? b64[q >> 6 & 63] : '=',
                     i + 2 < n ? b64[q & 63] : '='};
        tput(t, o, 4);
    }
}

static void put_svc_key(tbuf_t *t, uint16_t key)
{
    if (key < SVC_NAMED)
        tputs(t, svc_names[key]);
    else
        tprintf(t, "key%u", key);
}

static void put_svc_params(tbuf_t *t, const uint8_t *p, size_t len)
{
    char a[64];
    for (size_t i = 0; i < len;) {
        uint16_t key = (uint16_t)(p[i] << 8 | p[i + 1]);
        uint16_t vl = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
        const uint8_t *v = p + i + 4;
        i += 4u + vl;
        tput(t, " ", 1);
        put_svc_key(t, key);
        switch (key) {
        case SVC_MANDATORY:
            tput(t, "=", 1);
            for (size_t k = 0; k < vl; k += 2) {
                if (k)
                    tput(t, ",", 1);
                put_svc_key(t, (uint16_t)(v[k] << 8 | v[k + 1]));
            }
            break;
        case SVC_ALPN:
            /* value-list inside a quoted string: "," and "\" in an item are
             * escaped twice (RFC 9460 A.1) */
            tput(t, "=\"", 2);
            for (size_t k = 0; k < vl;) {
                if (k)
                    tput(t, ",", 1);
                size_t n = v[k++];
                for (size_t q = 0; q < n; q++, k++) {
                    uint8_t ch = v[k];
                    if (ch == ',' || ch == '\\')
                        tput(t, "\\\\", 2);
                    put_escaped(t, &ch, 1);
                }
            }
            tput(t, "\"", 1);
            break;
        case SVC_NDALPN:
        case SVC_OHTTP:
            break;
        case SVC_PORT:
            tprintf(t, "=%u", (unsigned)(v[0] << 8 | v[1]));
            break;
        case SVC_IPV4HINT:
        case SVC_IPV6HINT: {
            int af = key == SVC_IPV4HINT ? AF_INET : AF_INET6;
            size_t al = af == AF_INET ? 4 : 16;
            tput(t, "=", 1);
            for (size_t k = 0; k < vl; k += al) {
                if (k)
                    tput(t, ",", 1);
                inet_ntop(af, v + k, a, sizeof a);
                tputs(t, a);
            }
            break;
        }
        case SVC_ECH:
            tput(t, "=", 1);
            put_b64(t, v, vl, 0);
            break;
        default:
            if (vl) {
                tput(t, "=", 1);
                put_qstring(t, v, vl);
            }
            break;
        }
    }
}

size_t rrtype_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len, char *buf,
                            size_t cap)
{
    tbuf_t t = {buf, cap, 0};
    if (cap)
        buf[0] = '\0';
    int ki = known_index(type);
    if (ki < 0 || !rrtype_rdata_valid(type, rdata, len)) {
        put_generic(&t, rdata, len);
        return t.len;
    }
    const rrtype_desc_t *d = &known[ki];
    char a[DNAME_TEXT_MAX];
    size_t off = 0;
    for (unsigned bi = 0; bi < RRTYPE_MAX_BLOCKS && d->blocks[bi] != RB_END; bi++) {
        rdata_block_t b = d->blocks[bi];
        if (bi)
            tput(&t, " ", 1);
        switch (b) {
        case RB_DNAME:
        case RB_DNAME_COMPRESS:
            dname_to_text(rdata + off, a, sizeof a);
            tputs(&t, a);
            off += dname_len(rdata + off);
            break;
        case RB_FIXED1:
            tprintf(&t, "%u", rdata[off]);
            off += 1;
            break;
        case RB_FIXED2:
            tprintf(&t, "%u", (unsigned)(rdata[off] << 8 | rdata[off + 1]));
            off += 2;
            break;
        case RB_FIXED4:
            if (type == RR_A) {
                inet_ntop(AF_INET, rdata + off, a, sizeof a);
                tputs(&t, a);
            } else {
                tprintf(&t, "%lu",
                        (unsigned long)((uint32_t)rdata[off] << 24 | (uint32_t)rdata[off + 1] << 16 |
                                        (uint32_t)rdata[off + 2] << 8 | rdata[off + 3]));
            }
            off += 4;
            break;
        case RB_FIXED16:
            inet_ntop(AF_INET6, rdata + off, a, sizeof a);
            tputs(&t, a);
            off += 16;
            break;
        case RB_STRING:
            if (type == RR_CAA)
                tput(&t, (const char *)rdata + off + 1, rdata[off]);
            else
                put_qstring(&t, rdata + off + 1, rdata[off]);
            off += 1u + rdata[off];
            break;
        case RB_STRINGS:
            for (int first = 1; off < len; first = 0) {
                if (!first)
                    tput(&t, " ", 1);
                put_qstring(&t, rdata + off + 1, rdata[off]);
                off += 1u + rdata[off];
            }
            break;
        case RB_REMAINDER:
            if (type == RR_CAA || type == 256) {
                put_qstring(&t, rdata + off, len - off);
            } else if (type == RR_DNSKEY || type == 60 || type == 61) {
                put_b64(&t, rdata + off, len - off, 1);
            } else if (type == RR_SVCB || type == RR_HTTPS) {
                if (t.len && t.buf[t.len - 1] == ' ')
                    t.buf[--t.len] = '\0'; /* each parameter brings its own space */
                put_svc_params(&t, rdata + off, len - off);
            } else {
                put_hex(&t, rdata + off, len - off);
            }
            off = len;
            break;
        case RB_END:
            break;
        }
    }
    return t.len;
}
