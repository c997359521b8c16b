/* print.c -- dig-style text of a DNS message
 * SPDX-License-Identifier: MIT
 */
#include "print.h"

#include <string.h>
#include <strings.h>

#include "dname.h"
#include "rrtype.h"

#define PRINT_MAX_JUMPS 64 /* compression pointers followed per name */

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

size_t print_read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out)
{
    size_t p = *pos, n = 0, end = 0;
    unsigned jumps = 0;
    for (;;) {
        if (p >= len)
            return 0;
        uint8_t c = msg[p];
        if ((c & 0xc0) == 0xc0) {
            if (p + 1 >= len || ++jumps > PRINT_MAX_JUMPS)
                return 0;
            if (!end)
                end = p + 2;
            p = (size_t)(c & 0x3f) << 8 | msg[p + 1];
            continue;
        }
        if (c & 0xc0) /* 0x40, 0x80: extended / reserved label types */
            return 0;
        if (p + 1 + c > len || n + 1 + c > DNAME_MAX)
            return 0;
        memcpy(out + n, msg + p, (size_t)c + 1);
        n += (size_t)c + 1;
        p += (size_t)c + 1;
        if (c == 0)
            break;
    }
    *pos = end ? end : p;
    return n;
}

/* Types that only appear in questions (RFC 1035 §3.2.3, RFC 1995). */
static const struct {
    const char *name;
    uint16_t code;
} qtypes[] = {
    {"IXFR", 251}, {"AXFR", 252}, {"MAILB", 253}, {"MAILA", 254}, {"ANY", 255},
};

const char *print_type_name(uint16_t type, char *buf, size_t cap)
{
    for (size_t i = 0; i < sizeof qtypes / sizeof qtypes[0]; i++)
        if (qtypes[i].code == type) {
            snprintf(buf, cap, "%s", qtypes[i].name);
            return buf;
        }
    return rrtype_to_text(type, buf, cap);
}

/* Query types that zonec holds no records of (DNSSEC of an unsigned zone,
 * EDNS, transaction signatures): accepted as `zonec query` input only, so
 * printing keeps the TYPEnnn form the rdata printer uses for them. */
static const struct {
    const char *name;
    uint16_t code;
} query_only_types[] = {
    {"OPT", 41}, {"RRSIG", 46}, {"NSEC", 47}, {"NSEC3", 50}, {"NSEC3PARAM", 51},
    {"TKEY", 249}, {"TSIG", 250},
};

int print_type_from_text(const char *text, uint16_t *type)
{
    for (size_t i = 0; i < sizeof qtypes / sizeof qtypes[0]; i++)
        if (strcasecmp(text, qtypes[i].name) == 0) {
            *type = qtypes[i].code;
            return 1;
        }
    if (rrtype_from_text(text, strlen(text), type))
        return 1;
    for (size_t i = 0; i < sizeof query_only_types / sizeof query_only_types[0]; i++)
        if (strcasecmp(text, query_only_types[i].name) == 0) {
            *type = query_only_types[i].code;
            return 1;
        }
    return 0;
}

const char *print_rcode_name(unsigned rcode)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    if (rcode < sizeof names / sizeof names[0])
        return names[rcode];
    if (rcode == 16)
        return "BADVERS";
    return NULL;
}

static const char *opcode_name(unsigned op)
{
    switch (op) {
    case 0: return "QUERY";
    case 1: return "IQUERY";
    case 2: return "STATUS";
    case 4: return "NOTIFY";
    case 5: return "UPDATE";
    default: return NULL;
    }
}

/* dig's column layout (BIND's master-file style): owner, then TTL at
 * column 24, class at 32, type at 40, rdata at 48, tab stops every 8. Moving
 * to a column writes at least one character: tabs when a tab stop lies
 * between, else spaces. The ";" before a question is not counted, and a
 * question has no TTL column. */
typedef struct print_line {
    FILE *f;
    size_t col;
} print_line_t;

static void line_puts(print_line_t *l, const char *s)
{
    fputs(s, l->f);
    l->col += strlen(s);
}

static void line_indent(print_line_t *l, size_t to)
{
    if (to < l->col + 1)
        to = l->col + 1;
    size_t ntabs = to / 8 - l->col / 8, nspaces = ntabs ? to % 8 : to - l->col;
    while (ntabs--)
        fputc('\t', l->f);
    while (nspaces--)
        fputc(' ', l->f);
    l->col = to;
}

static void line_name(print_line_t *l, const uint8_t *name)
{
    char text[DNAME_TEXT_MAX];
    dname_to_text(name, text, sizeof text);
    line_puts(l, text);
}

static void line_class_type(print_line_t *l, uint16_t cls, uint16_t type)
{
    char buf[24];
    line_indent(l, 32);
    switch (cls) {
    case CLASS_IN: line_puts(l, "IN"); break;
    case CLASS_CH: line_puts(l, "CH"); break;
    case CLASS_HS: line_puts(l, "HS"); break;
    case CLASS_ANY: line_puts(l, "ANY"); break;
    default:
        snprintf(buf, sizeof buf, "CLASS%u", cls);
        line_puts(l, buf);
        break;
    }
    line_indent(l, 40);
    line_puts(l, print_type_name(type, buf, sizeof buf));
}

/* Copies the rdata at msg[off..off+rdlen) into out with every name
 * decompressed, following the type's block layout; the names a server may
 * compress (RFC 3597 §4) can point anywhere in the message.
 * Returns the new length, or 0 when the layout does not fit (the caller
 * then prints the raw bytes, which rrtype_rdata_to_text shows as \#). */
static size_t expand_rdata(uint16_t type, const uint8_t *msg, size_t len, size_t off,
                           size_t rdlen, uint8_t *out, size_t cap)
{
    const rrtype_desc_t *d = rrtype_by_code(type);
    size_t p = off, end = off + rdlen, n = 0;
    for (int i = 0; i < RRTYPE_MAX_BLOCKS && d->blocks[i] != RB_END; i++) {
        size_t k = 0;
        switch (d->blocks[i]) {
        case RB_DNAME_COMPRESS:
        case RB_DNAME: {
            uint8_t name[DNAME_MAX];
            size_t q = p;
            size_t nl = print_read_name(msg, end, &q, name);
            if (nl == 0 || n + nl > cap)
                return 0;
            memcpy(out + n, name, nl);
            n += nl;
            p = q;
            continue;
        }
        case RB_FIXED1: k = 1; break;
        case RB_FIXED2: k = 2; break;
        case RB_FIXED4: k = 4; break;
        case RB_FIXED16: k = 16; break;
        case RB_STRING:
            if (p >= end)
                return 0;
            k = (size_t)msg[p] + 1;
            break;
        case RB_STRINGS:
        case RB_REMAINDER:
            k = end - p;
            break;
        default:
            return 0;
        }
        if (k > end - p || n + k > cap)
            return 0;
        memcpy(out + n, msg + p, k);
        n += k;
        p += k;
    }
    (void)len;
    return p == end ? n : 0;
}

static void print_rdata(FILE *f, uint16_t type, const uint8_t *msg, size_t off, size_t rdlen)
{
    static uint8_t rd[65536 + 1024];
    static char text[65536 * 4 + 64];
    size_t n = expand_rdata(type, msg, off + rdlen, off, rdlen, rd, sizeof rd);
    const uint8_t *data = rd;
    if (n == 0 && rdlen > 0) {
        data = msg + off;
        n = rdlen;
    }
    rrtype_rdata_to_text(type, data, n, text, sizeof text);
    fputs(text, f);
}

/* EDNS option text, dig-like. */
static void print_option(FILE *f, uint16_t code, const uint8_t *p, uint16_t olen)
{
    if (code == 8 && olen >= 4) { /* RFC 7871 client subnet */
        uint16_t family = get16(p);
        uint8_t src = p[2], scope = p[3];
        uint8_t addr[16] = {0};
        size_t alen = olen - 4u;
        if (alen > 16)
            alen = 16;
        memcpy(addr, p + 4, alen);
        fputs("; CLIENT-SUBNET: ", f);
        if (family == 1)
            fprintf(f, "%u.%u.%u.%u", addr[0], addr[1], addr[2], addr[3]);
        else if (family == 2)
            for (int i = 0; i < 16; i += 2)
                fprintf(f, "%s%x", i ? ":" : "", get16(addr + i));
        else
            fprintf(f, "family %u", family);
        fprintf(f, "/%u/%u\n", src, scope);
        return;
    }
    if (code == 15 && olen >= 2) { /* RFC 8914 extended DNS error */
        static const char *const ede[] = {
            "Other", "Unsupported DNSKEY Algorithm", "Unsupported DS Digest Type",
            "Stale Answer", "Forged Answer", "DNSSEC Indeterminate", "DNSSEC Bogus",
            "Signature Expired", "Signature Not Yet Valid", "DNSKEY Missing",
            "RRSIGs Missing", "No Zone Key Bit Set", "NSEC Missing", "Cached Error",
            "Not Ready", "Blocked", "Censored", "Filtered", "Prohibited",
            "Stale NXDOMAIN Answer", "Not Authoritative", "Not Supported",
            "No Reachable Authority", "Network Error", "Invalid Data",
        };
        uint16_t info = get16(p);
        fprintf(f, "; EDE: %u", info);
        if (info < sizeof ede / sizeof ede[0])
            fprintf(f, " (%s)", ede[info]);
        if (olen > 2) {
            fputs(": (", f);
            for (uint16_t i = 2; i < olen; i++)
                fputc(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?', f);
            fputc(')', f);
        }
        fputc('\n', f);
        return;
    }
    if (code == 10)
        fputs("; COOKIE: ", f);
    else
        fprintf(f, "; OPT=%u: ", code);
    for (uint16_t i = 0; i < olen; i++)
        fprintf(f, "%02x", p[i]);
    fputc('\n', f);
}

/* Skips one RR at *pos; fills its parts. Returns 0 when malformed. */
typedef struct print_rr {
    uint8_t owner[DNAME_MAX];
    uint16_t type, cls, rdlen;
    uint32_t ttl;
    size_t rdata_off;
} print_rr_t;

static int read_rr(const uint8_t *msg, size_t len, size_t *pos, print_rr_t *rr)
{
    if (print_read_name(msg, len, pos, rr->owner) == 0 || len - *pos < 10)
        return 0;
    const uint8_t *p = msg + *pos;
    rr->type = get16(p);
    rr->cls = get16(p + 2);
    rr->ttl = get32(p + 4);
    rr->rdlen = get16(p + 8);
    rr->rdata_off = *pos + 10;
    if (rr->rdlen > len - rr->rdata_off)
        return 0;
    *pos = rr->rdata_off + rr->rdlen;
    return 1;
}

/* Finds the OPT RR in the additional section. Returns 1 and fills *opt. */
static int find_opt(const uint8_t *msg, size_t len, size_t pos, unsigned skip, unsigned ar,
                    print_rr_t *opt)
{
    print_rr_t rr;
    for (unsigned i = 0; i < skip + ar; i++) {
        if (!read_rr(msg, len, &pos, &rr))
            return 0;
        if (i >= skip && rr.type == RR_OPT) {
            *opt = rr;
            return 1;
        }
    }
    return 0;
}

int print_packet(FILE *f, const uint8_t *msg, size_t len)
{
    if (len < 12) {
        fprintf(f, ";; WARNING: message of %zu bytes is shorter than a DNS header\n", len);
        return -1;
    }
    uint16_t id = get16(msg), fl = get16(msg + 2);
    unsigned counts[4] = {get16(msg + 4), get16(msg + 6), get16(msg + 8), get16(msg + 10)};
    unsigned opcode = (fl >> 11) & 0xf, rcode = fl & 0xf;

    /* Skip the question to find the OPT record (extended RCODE). */
    size_t pos = 12;
    int ok = 1;
    for (unsigned i = 0; i < counts[0] && ok; i++) {
        uint8_t name[DNAME_MAX];
        if (print_read_name(msg, len, &pos, name) == 0 || len - pos < 4)
            ok = 0;
        else
            pos += 4;
    }
    print_rr_t opt;
    int have_opt = ok && find_opt(msg, len, pos, counts[1] + counts[2], counts[3], &opt);
    if (have_opt)
        rcode |= (unsigned)(opt.ttl >> 24) << 4;

    const char *on = opcode_name(opcode), *rn = print_rcode_name(rcode);
    fputs(";; ->>HEADER<<- opcode: ", f);
    if (on)
        fputs(on, f);
    else
        fprintf(f, "RESERVED%u", opcode);
    fputs(", status: ", f);
    if (rn)
        fputs(rn, f);
    else
        fprintf(f, "RESERVED%u", rcode);
    fprintf(f, ", id: %u\n", id);
    static const struct { uint16_t bit; const char *name; } flags[] = {
        {0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
        {0x0080, "ra"}, {0x0020, "ad"}, {0x0010, "cd"},
    };
    fputs(";; flags:", f);
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (fl & flags[i].bit)
            fprintf(f, " %s", flags[i].name);
    fprintf(f, "; QUERY: %u, ANSWER: %u, AUTHORITY: %u, ADDITIONAL: %u\n", counts[0],
            counts[1], counts[2], counts[3]);
    fputc('\n', f);

    if (have_opt) {
        unsigned version = (opt.ttl >> 16) & 0xff;
        fputs(";; OPT PSEUDOSECTION:\n", f);
        fprintf(f, "; EDNS: version: %u, flags:%s; udp: %u\n", version,
                (opt.ttl & 0x8000) ? " do" : "", opt.cls);
        const uint8_t *p = msg + opt.rdata_off, *e = p + opt.rdlen;
        while (e - p >= 4) {
            uint16_t code = get16(p), olen = get16(p + 2);
            if (olen > e - p - 4)
                break;
            print_option(f, code, p + 4, olen);
            p += 4 + olen;
        }
    }

    /* Question. */
    pos = 12;
    if (counts[0])
        fputs(";; QUESTION SECTION:\n", f);
    for (unsigned i = 0; i < counts[0]; i++) {
        uint8_t name[DNAME_MAX];
        if (print_read_name(msg, len, &pos, name) == 0 || len - pos < 4) {
            ok = 0;
            goto out;
        }
        print_line_t l = {f, 0};
        fputc(';', f);
        line_name(&l, name);
        line_class_type(&l, get16(msg + pos + 2), get16(msg + pos)); /* no TTL column */
        fputc('\n', f);
        pos += 4;
    }

    static const char *const sect[3] = {"ANSWER", "AUTHORITY", "ADDITIONAL"};
    for (int s = 0; s < 3; s++) {
        int header = 0;
        for (unsigned i = 0; i < counts[s + 1]; i++) {
            print_rr_t rr;
            if (!read_rr(msg, len, &pos, &rr)) {
                ok = 0;
                goto out;
            }
            if (rr.type == RR_OPT && s == 2)
                continue; /* shown as the pseudosection */
            if (!header) {
                fprintf(f, "\n;; %s SECTION:\n", sect[s]);
                header = 1;
            }
            print_line_t l = {f, 0};
            char ttl[16];
            snprintf(ttl, sizeof ttl, "%u", rr.ttl);
            line_name(&l, rr.owner);
            line_indent(&l, 24);
            line_puts(&l, ttl);
            line_class_type(&l, rr.cls, rr.type);
            line_indent(&l, 48);
            print_rdata(f, rr.type, msg, rr.rdata_off, rr.rdlen);
            fputc('\n', f);
        }
    }
    if (pos != len)
        ok = 0;
out:
    fprintf(f, "\n;; MSG SIZE  rcvd: %zu\n\n", len);
    if (!ok) {
        fputs(";; WARNING: message truncated/malformed\n", f);
        return -1;
    }
    return 0;
}
