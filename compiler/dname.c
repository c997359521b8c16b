/* dname.c -- domain names in wire form (see dname.h)
 * SPDX-License-Identifier: MIT
 */
#include "dname.h"

#include <stdio.h>
#include <string.h>

static inline uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

const char *dname_strerror(int code)
{
    switch (code) {
    case DNAME_OK: return "ok";
    case DNAME_E_EMPTY_LABEL: return "empty label in domain name";
    case DNAME_E_LABEL_LONG: return "label longer than 63 bytes";
    case DNAME_E_NAME_LONG: return "domain name longer than 255 bytes";
    case DNAME_E_BAD_ESCAPE: return "bad escape in domain name";
    case DNAME_E_NO_ORIGIN: return "relative domain name without an origin";
    }
    return "bad domain name";
}

int dname_from_text(uint8_t *out, size_t *out_len, const char *text, size_t len,
                    const uint8_t *origin)
{
    if (len == 1 && text[0] == '@') {
        if (!origin)
            return DNAME_E_NO_ORIGIN;
        *out_len = dname_len(origin);
        memcpy(out, origin, *out_len);
        return DNAME_OK;
    }
    if (len == 1 && text[0] == '.') {
        out[0] = 0;
        *out_len = 1;
        return DNAME_OK;
    }
    size_t pos = 0;   /* where the current label's length byte is */
    size_t w = 1;     /* write position */
    int absolute = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        if (c == '.') {
            size_t lab = w - pos - 1;
            if (lab == 0)
                return DNAME_E_EMPTY_LABEL;
            out[pos] = (uint8_t)lab;
            pos = w++;
            i++;
            if (i == len)
                absolute = 1;
            if (w > DNAME_MAX)
                return DNAME_E_NAME_LONG;
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= len)
                return DNAME_E_BAD_ESCAPE;
            if (text[i + 1] >= '0' && text[i + 1] <= '9') {
                if (i + 3 >= len || !(text[i + 2] >= '0' && text[i + 2] <= '9') ||
                    !(text[i + 3] >= '0' && text[i + 3] <= '9'))
                    return DNAME_E_BAD_ESCAPE;
                unsigned v = (unsigned)(text[i + 1] - '0') * 100 + (unsigned)(text[i + 2] - '0') * 10 +
                             (unsigned)(text[i + 3] - '0');
                if (v > 255)
                    return DNAME_E_BAD_ESCAPE;
                c = (unsigned char)v;
                i += 4;
            } else {
                c = (unsigned char)text[i + 1];
                i += 2;
            }
        } else {
            i++;
        }
        if (w - pos - 1 >= DNAME_MAX_LABEL)
            return DNAME_E_LABEL_LONG;
        if (w >= DNAME_MAX)
            return DNAME_E_NAME_LONG;
        out[w++] = c;
    }
    if (!absolute) {
        size_t lab = w - pos - 1;
        if (lab == 0)
            return DNAME_E_EMPTY_LABEL;
        out[pos] = (uint8_t)lab;
        pos = w;
        if (!origin)
            return DNAME_E_NO_ORIGIN;
        size_t ol = dname_len(origin);
        if (pos + ol > DNAME_MAX)
            return DNAME_E_NAME_LONG;
        memcpy(out + pos, origin, ol);
        *out_len = pos + ol;
        return DNAME_OK;
    }
    out[pos] = 0;
    *out_len = pos + 1;
    return DNAME_OK;
}

size_t dname_to_text(const uint8_t *name, char *buf, size_t cap)
{
    char tmp[DNAME_TEXT_MAX];
    size_t w = 0;
    if (name[0] == 0)
        tmp[w++] = '.';
    for (const uint8_t *p = name; *p; p += *p + 1) {
        for (unsigned i = 1; i <= *p; i++) {
            uint8_t c = p[i];
            if (c == '.' || c == '\\' || c == '(' || c == ')' || c == ';' || c == '"' ||
                c == '@' || c == '$') {
                tmp[w++] = '\\';
                tmp[w++] = (char)c;
            } else if (c <= 0x20 || c >= 0x7f) {
                w += (size_t)snprintf(tmp + w, 5, "\\%03u", c);
            } else {
                tmp[w++] = (char)c;
            }
        }
        tmp[w++] = '.';
    }
    tmp[w] = '\0';
    if (cap) {
        size_t n = w < cap ? w : cap - 1;
        memcpy(buf, tmp, n);
        buf[n] = '\0';
    }
    return w;
}

size_t dname_len(const uint8_t *name)
{
    const uint8_t *p = name;
    while (*p)
        p += *p + 1;
    return (size_t)(p - name) + 1;
}

void dname_lower(uint8_t *name)
{
    for (uint8_t *p = name; *p; p += *p + 1)
        for (unsigned i = 1; i <= *p; i++)
            p[i] = lower(p[i]);
}

int dname_equal(const uint8_t *a, const uint8_t *b)
{
    size_t la = dname_len(a), lb = dname_len(b);
    if (la != lb)
        return 0;
    for (size_t i = 0; i < la; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

/* Fills `starts` with the offsets of each label; returns the label count. */
static unsigned label_offsets(const uint8_t *name, uint8_t starts[128])
{
    unsigned n = 0;
    for (const uint8_t *p = name; *p; p += *p + 1)
        starts[n++] = (uint8_t)(p - name);
    return n;
}

int dname_canon_cmp(const uint8_t *a, const uint8_t *b)
{
    uint8_t sa[128], sb[128];
    unsigned na = label_offsets(a, sa), nb = label_offsets(b, sb);
    while (na > 0 && nb > 0) {
        const uint8_t *la = a + sa[--na], *lb = b + sb[--nb];
        unsigned n = la[0] < lb[0] ? la[0] : lb[0];
        for (unsigned i = 1; i <= n; i++) {
            int d = (int)lower(la[i]) - (int)lower(lb[i]);
            if (d)
                return d;
        }
        if (la[0] != lb[0])
            return (int)la[0] - (int)lb[0];
    }
    return (int)na - (int)nb;
}

int dname_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
    size_t ln = dname_len(name), lp = dname_len(parent);
    const uint8_t *p = name;
    while (ln > lp) {
        ln -= (size_t)*p + 1;
        p += *p + 1;
    }
    return ln == lp && dname_equal(p, parent);
}

unsigned dname_label_count(const uint8_t *name)
{
    unsigned n = 0;
    for (const uint8_t *p = name; *p; p += *p + 1)
        n++;
    return n;
}

const uint8_t *dname_parent(const uint8_t *name)
{
    return name[0] ? name + name[0] + 1 : NULL;
}

int dname_is_wildcard(const uint8_t *name)
{
    return name[0] == 1 && name[1] == '*';
}
