/* pir.c -- ZPL syntax trees -> validated, resolved policy IR (see pir.h)
 * SPDX-License-Identifier: MIT
 *
 * Phases, each over every file in order, each reporting everything it finds:
 *   1. declarations: geodata/latency paths, checks (options, defaults),
 *      cidrsets (prefixes, labels);
 *   2. calculated checks: children resolved, cycles;
 *   3. the latency file (region names), when one is declared;
 *   4. policy records: one tree each, keys and values validated;
 *   5. aliases resolved, alias loops;
 *   6. policies against each other and against static data (CNAME rules,
 *      policy + static RRset of one type, delegations).
 */
#include "pir.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dname.h"
#include "geocodes.h"
#include "geodata.h"
#include "latency.h"
#include "prefix.h"
#include "rrtype.h"


/* --- every message pir.c reports (lowercase, names quoted, no period) ------ */

/* data files */
#define M_DATA_TWICE        "'%s' given twice"                       /* + N_FIRST_GIVEN */
#define M_DATA_OPEN         "cannot open %s file '%s': %s"
/* checks */
#define M_CHECK_TWICE       "check '%s' defined twice"               /* + N_FIRST_DEFINED */
#define M_OPT_TWICE         "'%s' given twice"                       /* + N_FIRST_GIVEN */
#define M_OPT_KIND          "'%s' does not apply to a %s check"
#define M_TARGET            "invalid check target '%s': expected ADDRESS:PORT or [IPv6]:PORT"
#define M_TARGET_PORT       "invalid port in check target '%s' (1..65535)"
#define M_TARGET_NO_PORT    "tcp check target '%s' has no port"
#define M_BAD_DURATION      "invalid duration '%s'"
#define M_INTERVAL_RANGE    "'%s' out of range (1s..1d)"
#define M_TIMEOUT_LONG      "timeout %us is longer than the interval %us"
#define M_THRESHOLD         "'%s' out of range (1..10)"
#define M_BAD_NUMBER        "invalid number '%s'"
#define M_EXPECT            "invalid expect range '%s': status codes are 100..599, low-high"
#define M_PATH_SLASH        "path must start with '/'"
#define M_BAD_CHARS         "%s must not contain spaces or control characters"
#define M_EMPTY_STRING      "empty '%s' string"
#define M_CONTAINS_LONG     "'contains' string longer than 255 bytes"
#define M_UNKNOWN_CHECK     "unknown check '%s'"
#define M_CHILD_TWICE       "check '%s' listed twice"
#define M_AT_LEAST          "at-least %u exceeds the number of checks (%u)"
#define M_CHECK_CYCLE       "calculated check '%s' depends on itself (%s)"
/* cidrsets */
#define M_CIDRSET_TWICE     "cidrset '%s' defined twice"             /* + N_FIRST_DEFINED */
#define M_BAD_PREFIX        "invalid prefix '%s': %s"
#define M_PREFIX_TWICE      "prefix '%s' appears twice in cidrset '%s'"  /* + N_FIRST_HERE */
/* policy records */
#define M_OUTSIDE_ZONE      "owner '%s' is outside zone '%s'"
#define M_TYPE_NO_POLICY    "%s records cannot have a routing policy"
#define M_CNAME_APEX        "CNAME at the zone apex '%s'"
#define M_POLICY_TWICE      "more than one routing policy for '%s' %s"   /* + N_FIRST_HERE */
#define M_POLICY_AND_STATIC "'%s' %s has both a routing policy and static records" /* + N_STATIC */
#define M_CNAME_OTHER       "CNAME and other data at '%s'"           /* + N_OTHER_DATA */
#define W_OCCLUDED          "record below the delegation at '%s' is not served"
#define M_EMPTY_RULE        "empty %s rule"
#define M_CNAME_VALUES      "a CNAME value set has more than one value"
#define W_DUP_VALUE         "duplicate value ignored"
#define M_MV_TYPE           "multivalue answers are not allowed for %s records"
#define M_ROLE_TWICE        "more than one '%s' in this %s rule"     /* + N_FIRST_HERE */
#define M_NO_PRIMARY        "failover rule without 'primary'"
#define M_WEIGHT            "weight out of range (0..255)"
#define M_COUNTRY           "unknown country code '%s' (ISO 3166-1 alpha-2)"
#define M_SUBDIVISION       "unknown subdivision code '%s' (ISO 3166-2)"
#define M_CONTINENT         "unknown continent code '%s' (AF, AN, AS, EU, NA, OC or SA)"
#define M_LOCATION_TWICE    "location '%s' appears twice in this geo rule"  /* + N_FIRST_HERE */
#define W_SHADOWED          "location '%s' can never match: this rule is only reached from %s"
#define W_GEO_NO_DEFAULT    "geo rule without 'default': some clients get NODATA"
#define W_NO_GEODATA        "%s rule but no 'geodata' file: client locations are unknown"
#define M_NO_LATENCY        "latency rule needs a 'latency' file with its regions"
#define M_REGION_TWICE      "region '%s' appears twice in this latency rule" /* + N_FIRST_HERE */
#define M_REGION_UNKNOWN    "unknown region '%s' (not in latency file '%s')"
#define M_BAD_COORD         "bad %s '%s' (expected a number in %s)"
#define M_BAD_BIAS          "invalid bias '%s'"
#define M_BIAS              "bias out of range (-99..99)"
#define M_AT_TWICE          "location %s, %s appears twice in this proximity rule" /* + N_FIRST_HERE */
#define M_CIDRSET_UNKNOWN   "unknown cidrset '%s'"
#define M_LABEL_UNKNOWN     "cidrset '%s' has no label '%s'"
#define M_LABEL_TWICE       "label '%s' appears twice in this cidr rule"   /* + N_FIRST_HERE */
#define W_CIDR_NO_DEFAULT   "cidr rule without 'default': clients outside cidrset '%s' get NODATA"
#define M_ALIAS_OUTSIDE     "alias target '%s' is outside zone '%s'"
#define M_ALIAS_MISSING     "alias target '%s' has no %s record"
#define M_ALIAS_LOOP        "alias loop: %s"
/* notes */
#define N_FIRST_GIVEN       "first given here"
#define N_FIRST_DEFINED     "first defined here"
#define N_FIRST_HERE        "the first is here"
#define N_STATIC            "static records are here"
#define N_OTHER_DATA        "other data is here"

/* warning names (-Wno-NAME) */
#define WN_DUPLICATE "duplicate"
#define WN_OCCLUDED "occluded"
#define WN_SHADOWED "shadowed"
#define WN_GEO_NO_DEFAULT "geo-no-default"
#define WN_CIDR_NO_DEFAULT "cidr-no-default"
#define WN_NO_GEODATA "no-geodata"

#define RDATA_MAX 65535
#define CHAIN_MAX 8 /* names shown in a cycle message */

/* --- small utilities -------------------------------------------------------- */

/* Appends one zeroed element to an arena array of `size`-byte elements,
 * doubling the capacity by copying (the old block stays in the arena).
 * Returns: the new element's index. */
static uint32_t push(arena_t *a, void **arr, uint32_t *count, uint32_t *cap, size_t size)
{
    if (*count == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 16;
        void *n = arena_alloc_array(a, ncap, size);
        if (*count)
            memcpy(n, *arr, (size_t)*count * size);
        *arr = n;
        *cap = ncap;
    }
    memset((char *)*arr + (size_t)*count * size, 0, size);
    return (*count)++;
}

#define PUSH(p, arr, count, cap) \
    push((p)->arena, (void **)&(p)->arr, &(p)->count, &(p)->cap, sizeof *(p)->arr)

/* Lookup table: byte-string key -> index (open addressing). Only used to
 * find things, never iterated, so its order does not reach any output. */
struct pir_map {
    uint32_t cap, count;
    struct pir_slot {
        const uint8_t *key;
        uint32_t len, val;
        uint64_t hash;
    } *slots;
};

static uint64_t hash_bytes(const void *k, size_t len)
{
    const uint8_t *p = k;
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static uint32_t map_get(const struct pir_map *m, const void *key, size_t len)
{
    if (!m || !m->cap)
        return PIR_NONE;
    uint64_t h = hash_bytes(key, len);
    for (uint32_t i = (uint32_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct pir_slot *s = &m->slots[i];
        if (!s->key)
            return PIR_NONE;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s->val;
    }
}

static void map_put(arena_t *a, struct pir_map **mp, const void *key, size_t len, uint32_t val)
{
    struct pir_map *m = *mp;
    if (!m)
        m = *mp = arena_alloc(a, sizeof *m);
    if ((m->count + 1) * 2 > m->cap) {
        struct pir_map old = *m;
        m->cap = old.cap ? old.cap * 2 : 64;
        m->slots = arena_alloc_array(a, m->cap, sizeof *m->slots);
        m->count = 0;
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.slots[i].key) {
                uint32_t j = (uint32_t)old.slots[i].hash & (m->cap - 1);
                while (m->slots[j].key)
                    j = (j + 1) & (m->cap - 1);
                m->slots[j] = old.slots[i];
                m->count++;
            }
    }
    uint64_t h = hash_bytes(key, len);
    uint32_t j = (uint32_t)h & (m->cap - 1);
    while (m->slots[j].key)
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = (struct pir_slot){arena_memdup(a, key, len ? len : 1), (uint32_t)len, val, h};
    m->count++;
}

/* The key of a policy: zone identity, type, lowercase owner. */
static size_t policy_key(uint8_t *key, const ir_zone_t *zone, const uint8_t *owner, uint16_t type)
{
    size_t n = dname_len(owner);
    memcpy(key, &zone, sizeof zone);
    key[sizeof zone] = (uint8_t)(type >> 8);
    key[sizeof zone + 1] = (uint8_t)type;
    memcpy(key + sizeof zone + 2, owner, n);
    dname_lower(key + sizeof zone + 2);
    return sizeof zone + 2 + n;
}

/* 1 when a is after b in the input (file order, then position). */
static int loc_after(loc_t a, loc_t b)
{
    if (a.file != b.file)
        return a.file > b.file;
    if (a.line != b.line)
        return a.line > b.line;
    return a.col > b.col;
}

static const char *name_str(arena_t *a, const uint8_t *name)
{
    char buf[DNAME_TEXT_MAX];
    dname_to_text(name, buf, sizeof buf);
    return arena_strdup(a, buf);
}

static const char *type_str(uint16_t type)
{
    static char buf[16];
    return rrtype_to_text(type, buf, sizeof buf);
}

/* --- geographic codes (geocodes.h) ------------------------------------------ */

/* 1 when area (ka, a) lies within area (kb, b). */
static int geo_within(pir_key_t ka, const char *a, pir_key_t kb, const char *b)
{
    if (ka == kb)
        return strcmp(a, b) == 0;
    char country[PIR_CODE_MAX];
    if (ka == PIR_KEY_SUBDIVISION) {
        const char *dash = strchr(a, '-');
        size_t n = dash ? (size_t)(dash - a) : strlen(a);
        memcpy(country, a, n);
        country[n] = 0;
        if (kb == PIR_KEY_COUNTRY)
            return strcmp(country, b) == 0;
    } else if (ka == PIR_KEY_COUNTRY) {
        strcpy(country, a);
    } else {
        return 0;
    }
    if (kb != PIR_KEY_CONTINENT)
        return 0;
    const char *cont = geocodes_continent(country);
    return cont && strcmp(cont, b) == 0;
}

/* --- the builder ------------------------------------------------------------ */

typedef struct geo_area {
    pir_key_t kind;
    char code[PIR_CODE_MAX];
} geo_area_t;

typedef struct pb {
    pir_t *p;
    ir_t *ir;
    arena_t *a;
    arena_t *scratch;
    const policy_check_t **check_ast;   /* per check: its statement */
    latency_t *lat;                     /* the latency file, when loaded */
    geocodes_t *geo;                    /* ISO 3166 codes, loaded at the first geo code */
    int geo_tried;
    uint32_t cap_check_ast;
    uint32_t *owner_next;               /* per policy: next policy at the same owner */
    struct pir_map *owner_map;          /* zone + lowercase owner -> first policy */
    uint32_t cap_owner_next;
    /* the policy being built */
    uint32_t pol;
    ir_zone_t *zone;
    uint16_t type;
    uint8_t rdata[RDATA_MAX];
} pb_t;

static char *tok_str(pb_t *b, const policy_tok_t *t)
{
    return policy_tok_str(b->a, t);
}

/* The directory of a registered file's path, with a trailing slash ("" for none). */
static const char *file_dir(arena_t *a, uint32_t file)
{
    const char *path = diag_file_path(file);
    const char *slash = strrchr(path, '/');
    return slash ? arena_strndup(a, path, (size_t)(slash - path) + 1) : "";
}

/* --- phase 1: data files ---------------------------------------------------- */

static void data_decl(pb_t *b, pir_data_t *d, const char *what, const policy_stmt_t *s,
                      uint32_t file)
{
    size_t n;
    const char *shown = policy_string(b->a, &s->arg, &n, NULL);
    const char *path = shown[0] == '/' ? shown : arena_sprintf(b->a, "%s%s", file_dir(b->a, file), shown);
    if (d->path) {
        if (strcmp(d->path, path) == 0)
            return; /* the same file again: harmless */
        diag_error(s->loc, M_DATA_TWICE, what);
        diag_note(d->loc, N_FIRST_GIVEN);
        return;
    }
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int e = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EISDIR : 0;
    if (fd >= 0)
        close(fd);
    if (e) {
        diag_error(s->arg.loc, M_DATA_OPEN, what, shown, strerror(e));
        return;
    }
    d->path = path;
    d->shown = shown;
    d->loc = s->arg.loc;
}

/* --- phase 1: checks -------------------------------------------------------- */

static const char *const opt_names[] = {
    [POLICY_OPT_PATH] = "path", [POLICY_OPT_HOST] = "host", [POLICY_OPT_INTERVAL] = "interval",
    [POLICY_OPT_TIMEOUT] = "timeout", [POLICY_OPT_FALL] = "fall", [POLICY_OPT_RISE] = "rise",
    [POLICY_OPT_EXPECT] = "expect", [POLICY_OPT_CONTAINS] = "contains",
    [POLICY_OPT_INVERTED] = "inverted", [POLICY_OPT_AT_LEAST] = "at-least",
    [POLICY_OPT_SERIAL] = "serial", [POLICY_OPT_REFRESH] = "refresh", [POLICY_OPT_RETRY] = "retry",
    [POLICY_OPT_EXPIRE] = "expire", [POLICY_OPT_MINIMUM] = "minimum",
};

/* Which options each check kind takes (bit per pir_check_kind_t). */
static unsigned opt_kinds(policy_opt_kind_t k)
{
    const unsigned web = 1u << PIR_CHECK_HTTP | 1u << PIR_CHECK_HTTPS;
    switch (k) {
    case POLICY_OPT_PATH: case POLICY_OPT_HOST: case POLICY_OPT_EXPECT: case POLICY_OPT_CONTAINS:
        return web;
    case POLICY_OPT_INTERVAL: case POLICY_OPT_TIMEOUT: case POLICY_OPT_FALL: case POLICY_OPT_RISE:
        return web | 1u << PIR_CHECK_TCP;
    case POLICY_OPT_INVERTED:
        return 0xf;
    case POLICY_OPT_AT_LEAST:
        return 1u << PIR_CHECK_CALCULATED;
    default:
        return 0;
    }
}

static int parse_port(const char *s, uint16_t *port)
{
    if (!*s)
        return 0;
    unsigned long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 65535)
            return 0;
    }
    *port = (uint16_t)v;
    return v > 0;
}

/* ADDR:PORT, [ADDR6]:PORT, or an address alone (http 80, https 443). */
static void check_target(pb_t *b, pir_check_t *c, const policy_tok_t *t)
{
    char *s = tok_str(b, t);
    char *port = NULL, *addr = s;
    if (s[0] == '[') {
        char *close_br = strchr(s, ']');
        if (!close_br || (close_br[1] && close_br[1] != ':'))
            goto bad;
        *close_br = 0;
        addr = s + 1;
        if (close_br[1] == ':')
            port = close_br + 2;
    } else if (!strchr(s, ':') || strchr(s, ':') != strrchr(s, ':')) {
        /* no colon, or several: an address alone (IPv6 without brackets) */
    } else {
        port = strchr(s, ':');
        *port++ = 0;
    }
    if (inet_pton(AF_INET, addr, c->addr.bytes) == 1)
        c->addr.family = 4;
    else if (inet_pton(AF_INET6, addr, c->addr.bytes) == 1)
        c->addr.family = 6;
    else
        goto bad;
    if (port) {
        if (!parse_port(port, &c->port))
            diag_error(t->loc, M_TARGET_PORT, tok_str(b, t));
    } else if (c->kind == PIR_CHECK_TCP) {
        diag_error(t->loc, M_TARGET_NO_PORT, tok_str(b, t));
    } else {
        c->port = c->kind == PIR_CHECK_HTTPS ? 443 : 80;
    }
    return;
bad:
    diag_error(t->loc, M_TARGET, tok_str(b, t));
}

/* A string option; 0 when empty or (for path/host) containing bad bytes. */
static const char *check_string(pb_t *b, const policy_opt_t *o, uint32_t *len_out)
{
    size_t n;
    const char *s = policy_string(b->a, &o->val, &n, NULL);
    if (n == 0) {
        diag_error(o->val.loc, M_EMPTY_STRING, opt_names[o->kind]);
        return NULL;
    }
    if (o->kind != POLICY_OPT_CONTAINS) {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) {
                diag_error(o->val.loc, M_BAD_CHARS, opt_names[o->kind]);
                return NULL;
            }
        if (o->kind == POLICY_OPT_PATH && s[0] != '/') {
            diag_error(o->val.loc, M_PATH_SLASH);
            return NULL;
        }
    } else if (n > PIR_CHECK_CONTAINS_MAX || strlen(s) != n) {
        diag_error(o->val.loc, M_CONTAINS_LONG);
        return NULL;
    }
    if (len_out)
        *len_out = (uint32_t)n;
    return s;
}

/* "200" or "200-399", each 100..599, low <= high. */
static void check_expect(pb_t *b, pir_check_t *c, const policy_tok_t *t)
{
    unsigned lo = 0, hi = 0;
    int n = 0;
    char *s = tok_str(b, t);
    if (sscanf(s, "%3u-%3u%n", &lo, &hi, &n) == 2 && (size_t)n == strlen(s)) {
        /* range */
    } else if (sscanf(s, "%3u%n", &lo, &n) == 1 && (size_t)n == strlen(s)) {
        hi = lo;
    } else {
        lo = 0;
    }
    if (s[0] < '0' || s[0] > '9' || lo < 100 || hi > 599 || lo > hi) {
        diag_error(t->loc, M_EXPECT, s);
        return;
    }
    c->expect_min = (uint16_t)lo;
    c->expect_max = (uint16_t)hi;
}

static void check_decl(pb_t *b, const policy_check_t *ast)
{
    pir_t *p = b->p;
    const char *name = tok_str(b, &ast->name);
    uint32_t prev = map_get(p->check_map, name, strlen(name));
    if (prev != PIR_NONE) {
        diag_error(ast->name.loc, M_CHECK_TWICE, name);
        diag_note(p->checks[prev].loc, N_FIRST_DEFINED);
        return;
    }
    uint32_t ci = PUSH(p, checks, check_count, cap_checks);
    if (ci >= b->cap_check_ast) { /* check_ast grows with checks */
        uint32_t ncap = p->cap_checks;
        const policy_check_t **n = arena_alloc_array(b->a, ncap, sizeof *n);
        if (ci)
            memcpy(n, b->check_ast, ci * sizeof *n);
        b->check_ast = n;
        b->cap_check_ast = ncap;
    }
    b->check_ast[ci] = ast;
    map_put(b->a, &p->check_map, name, strlen(name), ci);
    pir_check_t *c = &p->checks[ci];
    c->name = name;
    c->loc = ast->name.loc;
    c->kind = ast->kind == POLICY_CHECK_TCP   ? PIR_CHECK_TCP
              : ast->kind == POLICY_CHECK_HTTP ? PIR_CHECK_HTTP
              : ast->kind == POLICY_CHECK_HTTPS ? PIR_CHECK_HTTPS
                                                : PIR_CHECK_CALCULATED;
    c->child_first = c->child_count = 0;
    c->at_least = PIR_NONE;
    if (c->kind != PIR_CHECK_CALCULATED) {
        c->interval = PIR_CHECK_INTERVAL;
        c->timeout = PIR_CHECK_TIMEOUT;
        c->fall = PIR_CHECK_FALL;
        c->rise = PIR_CHECK_RISE;
        check_target(b, c, &ast->target);
    }
    if (c->kind == PIR_CHECK_HTTP || c->kind == PIR_CHECK_HTTPS) {
        c->path = "/";
        c->expect_min = PIR_CHECK_EXPECT_MIN;
        c->expect_max = PIR_CHECK_EXPECT_MAX;
    }
    const policy_opt_t *seen[POLICY_OPT_MINIMUM + 1] = {0};
    for (const policy_opt_t *o = ast->opts; o; o = o->next) {
        if (!(opt_kinds(o->kind) >> c->kind & 1)) {
            diag_error(o->loc, M_OPT_KIND, opt_names[o->kind], pir_check_kind_name(c->kind));
            continue;
        }
        if (seen[o->kind]) {
            diag_error(o->loc, M_OPT_TWICE, opt_names[o->kind]);
            diag_note(seen[o->kind]->loc, N_FIRST_GIVEN);
            continue;
        }
        seen[o->kind] = o;
        uint32_t v;
        int rc;
        switch (o->kind) {
        case POLICY_OPT_PATH:
            if ((c->path = check_string(b, o, NULL)) == NULL)
                c->path = "/";
            break;
        case POLICY_OPT_HOST:
            c->host = check_string(b, o, NULL);
            break;
        case POLICY_OPT_CONTAINS:
            c->contains = check_string(b, o, &c->contains_len);
            break;
        case POLICY_OPT_EXPECT:
            check_expect(b, c, &o->val);
            break;
        case POLICY_OPT_INTERVAL:
        case POLICY_OPT_TIMEOUT:
            rc = policy_duration(&o->val, UINT32_MAX, &v);
            if (rc == -1)
                diag_error(o->val.loc, M_BAD_DURATION, tok_str(b, &o->val));
            else if (rc != 0 || v < 1 || v > PIR_CHECK_INTERVAL_MAX)
                diag_error(o->val.loc, M_INTERVAL_RANGE, opt_names[o->kind]);
            else if (o->kind == POLICY_OPT_INTERVAL)
                c->interval = v;
            else
                c->timeout = v;
            break;
        case POLICY_OPT_FALL:
        case POLICY_OPT_RISE:
            rc = policy_number(&o->val, UINT32_MAX, &v);
            if (rc == -1)
                diag_error(o->val.loc, M_BAD_NUMBER, tok_str(b, &o->val));
            else if (rc != 0 || v < 1 || v > PIR_CHECK_THRESHOLD_MAX)
                diag_error(o->val.loc, M_THRESHOLD, opt_names[o->kind]);
            else if (o->kind == POLICY_OPT_FALL)
                c->fall = (uint8_t)v;
            else
                c->rise = (uint8_t)v;
            break;
        case POLICY_OPT_INVERTED:
            c->inverted = 1;
            break;
        case POLICY_OPT_AT_LEAST:
            if (policy_number(&o->val, UINT32_MAX - 1, &v) != 0)
                diag_error(o->val.loc, M_BAD_NUMBER, tok_str(b, &o->val));
            else
                c->at_least = v;
            break;
        default:
            break;
        }
    }
    if (c->kind != PIR_CHECK_CALCULATED && c->timeout > c->interval) {
        const policy_opt_t *o = seen[POLICY_OPT_TIMEOUT] ? seen[POLICY_OPT_TIMEOUT]
                                                          : seen[POLICY_OPT_INTERVAL];
        diag_error(o ? o->loc : c->loc, M_TIMEOUT_LONG, c->timeout, c->interval);
    }
}

/* --- phase 1: cidrsets ------------------------------------------------------ */

static void cidrset_decl(pb_t *b, const policy_stmt_t *s)
{
    pir_t *p = b->p;
    const char *name = tok_str(b, &s->arg);
    uint32_t prev = map_get(p->cidrset_map, name, strlen(name));
    if (prev != PIR_NONE) {
        diag_error(s->arg.loc, M_CIDRSET_TWICE, name);
        diag_note(p->cidrsets[prev].loc, N_FIRST_DEFINED);
        return;
    }
    uint32_t si = PUSH(p, cidrsets, cidrset_count, cap_cidrsets);
    map_put(b->a, &p->cidrset_map, name, strlen(name), si);
    p->cidrsets[si].name = name;
    p->cidrsets[si].loc = s->arg.loc;
    p->cidrsets[si].cidr_first = p->cidr_count;
    p->cidrsets[si].label_first = p->label_count;
    struct pir_map *prefixes = NULL;
    for (const policy_cidr_entry_t *e = s->entries; e; e = e->next) {
        const char *label = tok_str(b, &e->label);
        uint32_t li = PIR_NONE;
        for (uint32_t i = p->cidrsets[si].label_first; i < p->label_count; i++)
            if (strcmp(p->labels[i], label) == 0)
                li = i - p->cidrsets[si].label_first;
        if (li == PIR_NONE) {
            li = PUSH(p, labels, label_count, cap_labels) - p->cidrsets[si].label_first;
            p->labels[p->label_count - 1] = label;
        }
        for (const policy_value_t *v = e->prefixes; v; v = v->next) {
            prefix_cidr_t pc;
            int rc = v->tok.quoted ? PREFIX_E_ADDR : prefix_parse(v->tok.text, v->tok.len, &pc);
            if (rc != PREFIX_OK) {
                diag_error(v->tok.loc, M_BAD_PREFIX, tok_str(b, &v->tok), prefix_strerror(rc));
                continue;
            }
            pir_prefix_t pfx;
            memset(&pfx, 0, sizeof pfx);
            pfx.addr.family = pc.family;
            memcpy(pfx.addr.bytes, pc.addr, pc.family == 4 ? 4 : 16);
            pfx.len = pc.len;
            uint32_t dup = map_get(prefixes, &pfx, sizeof pfx);
            if (dup != PIR_NONE) {
                diag_error(v->tok.loc, M_PREFIX_TWICE, tok_str(b, &v->tok), name);
                diag_note(p->cidrs[dup].loc, N_FIRST_HERE);
                continue;
            }
            uint32_t ci = PUSH(p, cidrs, cidr_count, cap_cidrs);
            map_put(b->scratch, &prefixes, &pfx, sizeof pfx, ci);
            p->cidrs[ci].prefix = pfx;
            p->cidrs[ci].label = li;
            p->cidrs[ci].loc = v->tok.loc;
        }
    }
    p->cidrsets[si].cidr_count = p->cidr_count - p->cidrsets[si].cidr_first;
    p->cidrsets[si].label_count = p->label_count - p->cidrsets[si].label_first;
}

/* --- phase 2: calculated checks and cycles ---------------------------------- */

/* A directed graph for cycle detection: vertices 0..n-1, succ() gives the
 * k-th successor of v (PIR_NONE to skip) and the location of that edge. */
typedef struct graph {
    void *ctx;
    uint32_t n;
    uint32_t (*degree)(void *ctx, uint32_t v);
    uint32_t (*succ)(void *ctx, uint32_t v, uint32_t k, loc_t *loc);
    /* reports the cycle path[0] -> ... -> path[len-1] -> path[0], closed by
     * the edge at `loc` */
    void (*cycle)(void *ctx, const uint32_t *path, uint32_t len, loc_t loc);
} graph_t;

/* Depth-first search without recursion; each back edge is reported once, so
 * every cycle is reported at least once and the run is linear. */
static void graph_cycles(const graph_t *g)
{
    if (!g->n)
        return;
    uint8_t *color = xcalloc(g->n, 1); /* 0 new, 1 on the stack, 2 done */
    uint32_t *stack = xmalloc(g->n * sizeof *stack);
    uint32_t *next = xmalloc(g->n * sizeof *next);
    for (uint32_t root = 0; root < g->n; root++) {
        if (color[root])
            continue;
        uint32_t sp = 0;
        stack[sp++] = root;
        next[root] = 0;
        color[root] = 1;
        while (sp) {
            uint32_t v = stack[sp - 1];
            if (next[v] == g->degree(g->ctx, v)) {
                color[v] = 2;
                sp--;
                continue;
            }
            loc_t loc;
            uint32_t w = g->succ(g->ctx, v, next[v]++, &loc);
            if (w == PIR_NONE || color[w] == 2)
                continue;
            if (color[w] == 1) {
                uint32_t i = sp;
                while (stack[i - 1] != w)
                    i--;
                g->cycle(g->ctx, stack + i - 1, sp - i + 1, loc);
                continue;
            }
            color[w] = 1;
            next[w] = 0;
            stack[sp++] = w;
        }
    }
    free(color);
    free(stack);
    free(next);
}

static uint32_t check_degree(void *ctx, uint32_t v)
{
    pb_t *b = ctx;
    return b->p->checks[v].child_count;
}

static uint32_t check_succ(void *ctx, uint32_t v, uint32_t k, loc_t *loc)
{
    pb_t *b = ctx;
    const policy_value_t *c = b->check_ast[v]->children;
    for (uint32_t i = 0; i < k; i++)
        c = c->next;
    *loc = c->tok.loc;
    return b->p->check_children[b->p->checks[v].child_first + k];
}

static void check_cycle(void *ctx, const uint32_t *path, uint32_t len, loc_t loc)
{
    pb_t *b = ctx;
    const char *chain = "";
    for (uint32_t i = 0; i <= len && i <= CHAIN_MAX; i++)
        chain = arena_sprintf(b->a, "%s%s%s", chain, i ? " -> " : "",
                              i == CHAIN_MAX ? "..." : b->p->checks[path[i % len]].name);
    diag_error(loc, M_CHECK_CYCLE, b->p->checks[path[0]].name, chain);
}

static void checks_resolve(pb_t *b)
{
    pir_t *p = b->p;
    for (uint32_t ci = 0; ci < p->check_count; ci++) {
        if (p->checks[ci].kind != PIR_CHECK_CALCULATED)
            continue;
        const policy_check_t *ast = b->check_ast[ci];
        uint32_t first = p->check_child_count, count = 0;
        for (const policy_value_t *v = ast->children; v; v = v->next) {
            const char *n = tok_str(b, &v->tok);
            uint32_t k = map_get(p->check_map, n, strlen(n));
            if (k == PIR_NONE)
                diag_error(v->tok.loc, M_UNKNOWN_CHECK, n);
            for (const policy_value_t *u = ast->children; u != v; u = u->next)
                if (u->tok.len == v->tok.len && memcmp(u->tok.text, v->tok.text, v->tok.len) == 0) {
                    diag_error(v->tok.loc, M_CHILD_TWICE, n);
                    break;
                }
            uint32_t i = PUSH(p, check_children, check_child_count, cap_check_children);
            p->check_children[i] = k;
            count++;
        }
        pir_check_t *c = &p->checks[ci];
        c->child_first = first;
        c->child_count = count;
        if (c->at_least == PIR_NONE) {
            c->at_least = count;
        } else if (c->at_least > count) {
            const policy_opt_t *o = ast->opts;
            while (o && o->kind != POLICY_OPT_AT_LEAST)
                o = o->next;
            diag_error(o ? o->val.loc : c->loc, M_AT_LEAST, c->at_least, count);
        }
    }
    graph_t g = {b, p->check_count, check_degree, check_succ, check_cycle};
    graph_cycles(&g);
}

/* --- phase 4: policy trees -------------------------------------------------- */

static uint32_t new_node(pb_t *b, pir_node_kind_t kind, loc_t loc)
{
    pir_t *p = b->p;
    uint32_t ni = PUSH(p, nodes, node_count, cap_nodes);
    p->nodes[ni].kind = kind;
    p->nodes[ni].loc = loc;
    p->nodes[ni].check = PIR_NONE;
    p->nodes[ni].cidrset = PIR_NONE;
    p->nodes[ni].alias_policy = PIR_NONE;
    return ni;
}

/* Resolves `check C` of a value set; PIR_NONE when absent or unknown. */
static uint32_t value_check(pb_t *b, const policy_rule_t *r)
{
    if (!r->check.text)
        return PIR_NONE;
    const char *n = tok_str(b, &r->check);
    uint32_t ci = map_get(b->p->check_map, n, strlen(n));
    if (ci == PIR_NONE)
        diag_error(r->check.loc, M_UNKNOWN_CHECK, n);
    return ci;
}

/* A VALUESET node from `count` values starting at `v` (all when 0). */
static uint32_t build_values(pb_t *b, const policy_value_t *v, uint32_t count, uint32_t check)
{
    pir_t *p = b->p;
    uint32_t ni = new_node(b, PIR_VALUESET, v->tok.loc);
    p->nodes[ni].check = check;
    p->nodes[ni].first = p->rdata_count;
    uint32_t n = 0;
    for (uint32_t k = 0; v && (count == 0 || k < count); v = v->next, k++) {
        rdata_field_t *fields;
        size_t nf = policy_value_fields(b->scratch, b->type, &v->tok, &fields);
        if (nf == 0)
            continue;
        int len = rrtype_rdata_from_text(b->type, fields, nf, b->zone->apex, b->rdata,
                                         sizeof b->rdata, v->tok.loc);
        if (len < 0)
            continue;
        int dup = 0;
        for (uint32_t i = p->nodes[ni].first; i < p->rdata_count && !dup; i++)
            dup = p->rdatas[i].len == len && memcmp(p->rdatas[i].data, b->rdata, (size_t)len) == 0;
        if (dup) {
            diag_warning(v->tok.loc, WN_DUPLICATE, W_DUP_VALUE);
            continue;
        }
        if (b->type == RR_CNAME && n == 1)
            diag_error(v->tok.loc, M_CNAME_VALUES);
        uint32_t ri = PUSH(p, rdatas, rdata_count, cap_rdatas);
        p->rdatas[ri].data = arena_memdup(b->a, b->rdata, (size_t)len);
        p->rdatas[ri].len = (uint16_t)len;
        p->rdatas[ri].loc = v->tok.loc;
        n++;
    }
    p->nodes[ni].count = n;
    return ni;
}

static pir_node_kind_t block_kind(policy_rule_kind_t k)
{
    switch (k) {
    case POLICY_RULE_VALUES: return PIR_VALUESET;
    case POLICY_RULE_ALIAS: return PIR_ALIAS;
    case POLICY_RULE_FAILOVER: return PIR_FAILOVER;
    case POLICY_RULE_WEIGHTED: return PIR_WEIGHTED;
    case POLICY_RULE_GEO: return PIR_GEO;
    case POLICY_RULE_LATENCY: return PIR_LATENCY;
    case POLICY_RULE_PROXIMITY: return PIR_PROXIMITY;
    case POLICY_RULE_CIDR: return PIR_CIDR;
    case POLICY_RULE_MULTIVALUE: return PIR_MULTIVALUE;
    }
    return PIR_VALUESET;
}

/* Number of edges a branch produces. */
static uint32_t branch_edges(const policy_branch_t *br)
{
    uint32_t n = 0;
    const policy_value_t *v;
    switch (br->kind) {
    case POLICY_BR_SUBDIVISION: case POLICY_BR_COUNTRY: case POLICY_BR_CONTINENT:
        for (v = br->keys; v; v = v->next)
            n++;
        return n;
    case POLICY_BR_ITEM:
        for (v = br->rule->values; v; v = v->next)
            n++;
        return n;
    default:
        return 1;
    }
}

/* An integer with an optional sign, |v| <= 99. 0, -1 syntax, -2 range. */
static int parse_bias(const policy_tok_t *t, int32_t *out)
{
    const char *s = t->text, *end = t->text + t->len;
    int neg = 0;
    if (s < end && (*s == '-' || *s == '+'))
        neg = *s++ == '-';
    if (s == end || t->quoted)
        return -1;
    int32_t v = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v <= PIR_BIAS_MAX)
            v = v * 10 + (*s - '0');
    }
    if (v > PIR_BIAS_MAX)
        return -2;
    *out = neg ? -v : v;
    return 0;
}

typedef struct geo_ctx {
    const geo_area_t *areas;        /* the enclosing geo branch's codes; NULL = anywhere */
    uint32_t count;
} geo_ctx_t;

static uint32_t build_rule(pb_t *b, const policy_rule_t *r, geo_ctx_t g);

/* The description of a geo context for messages: 'US', 'CA'. */
static const char *geo_ctx_str(pb_t *b, geo_ctx_t g)
{
    const char *s = "";
    for (uint32_t i = 0; i < g.count; i++)
        s = arena_sprintf(b->a, "%s%s'%s'", s, i ? ", " : "", g.areas[i].code);
    return s;
}

/* Validates a location code of a geo branch into e->code; 0 when invalid. */
static int geo_code(pb_t *b, pir_edge_t *e, const policy_tok_t *t)
{
    char code[PIR_CODE_MAX] = {0};
    int ok = t->len > 0 && t->len < PIR_CODE_MAX && !t->quoted;
    for (uint32_t i = 0; ok && i < t->len; i++) {
        char c = t->text[i];
        code[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    }
    if (ok && e->key != PIR_KEY_CONTINENT && !b->geo_tried) {
        b->geo_tried = 1;
        b->geo = geocodes_load(b->a, NULL, t->loc);
    }
    if (ok && e->key != PIR_KEY_CONTINENT && !b->geo)
        ok = 2; /* no code list (reported once): accept, avoid a cascade */
    switch (e->key) {
    case PIR_KEY_SUBDIVISION:
        ok = ok == 2 || (ok && geocodes_is_subdivision(b->geo, code, t->len));
        if (!ok)
            diag_error(t->loc, M_SUBDIVISION, tok_str(b, t));
        break;
    case PIR_KEY_COUNTRY:
        ok = ok == 2 || (ok && geocodes_is_country(b->geo, code, t->len));
        if (!ok)
            diag_error(t->loc, M_COUNTRY, tok_str(b, t));
        break;
    default:
        ok = ok && geocodes_is_continent(code, t->len);
        if (!ok)
            diag_error(t->loc, M_CONTINENT, tok_str(b, t));
        break;
    }
    memcpy(e->code, code, sizeof code);
    return ok;
}

/* The edges of a block node: keys validated, children built. */
static void build_block(pb_t *b, uint32_t ni, const policy_rule_t *r, geo_ctx_t g)
{
    pir_t *p = b->p;
    uint32_t n = 0;
    for (const policy_branch_t *br = r->branches; br; br = br->next)
        n += branch_edges(br);
    if (n == 0) {
        diag_error(r->loc, M_EMPTY_RULE, pir_node_kind_name(p->nodes[ni].kind));
        return;
    }
    /* reserve the node's edges so they are contiguous */
    uint32_t first = p->edge_count;
    for (uint32_t i = 0; i < n; i++)
        PUSH(p, edges, edge_count, cap_edges);
    p->nodes[ni].first = first;
    p->nodes[ni].count = n;

    pir_node_kind_t kind = p->nodes[ni].kind;
    const pir_cidrset_t *set = p->nodes[ni].cidrset != PIR_NONE ? &p->cidrsets[p->nodes[ni].cidrset] : NULL;
    const policy_branch_t *primary = NULL, *secondary = NULL, *dflt = NULL;
    geo_area_t *areas = arena_alloc_array(b->scratch, n, sizeof *areas); /* this geo's codes */
    uint32_t narea = 0;
    uint32_t ei = first;
    for (const policy_branch_t *br = r->branches; br; br = br->next) {
        const policy_branch_t **role = br->kind == POLICY_BR_PRIMARY     ? &primary
                                       : br->kind == POLICY_BR_SECONDARY ? &secondary
                                       : br->kind == POLICY_BR_DEFAULT   ? &dflt
                                                                         : NULL;
        if (role && *role) {
            const char *what = br->kind == POLICY_BR_PRIMARY     ? "primary"
                               : br->kind == POLICY_BR_SECONDARY ? "secondary"
                                                                 : "default";
            diag_error(br->loc, M_ROLE_TWICE, what, pir_node_kind_name(kind));
            diag_note((*role)->loc, N_FIRST_HERE);
        } else if (role) {
            *role = br;
        }
        pir_edge_t e = {.loc = br->loc, .region = PIR_NONE, .label = PIR_NONE};
        geo_ctx_t child_g = g;
        uint32_t branch_first = ei;
        switch (br->kind) {
        case POLICY_BR_PRIMARY: e.key = PIR_KEY_PRIMARY; break;
        case POLICY_BR_SECONDARY: e.key = PIR_KEY_SECONDARY; break;
        case POLICY_BR_DEFAULT: e.key = PIR_KEY_DEFAULT; break;
        case POLICY_BR_ITEM: e.key = PIR_KEY_NONE; break;
        case POLICY_BR_WEIGHT: {
            uint32_t w = 0;
            e.key = PIR_KEY_WEIGHT;
            e.loc = br->keys->tok.loc;
            if (policy_number(&br->keys->tok, PIR_WEIGHT_MAX, &w) != 0)
                diag_error(br->keys->tok.loc, M_WEIGHT);
            e.weight = w;
            break;
        }
        case POLICY_BR_SUBDIVISION: case POLICY_BR_COUNTRY: case POLICY_BR_CONTINENT: {
            e.key = br->kind == POLICY_BR_SUBDIVISION ? PIR_KEY_SUBDIVISION
                    : br->kind == POLICY_BR_COUNTRY   ? PIR_KEY_COUNTRY
                                                      : PIR_KEY_CONTINENT;
            child_g.areas = areas + narea;
            child_g.count = 0;
            uint32_t k = 0;
            for (const policy_value_t *v = br->keys; v; v = v->next, k++) {
                pir_edge_t *ce = &p->edges[ei + k];
                *ce = e;
                ce->loc = v->tok.loc;
                if (!geo_code(b, ce, &v->tok))
                    continue;
                int dup = 0;
                for (uint32_t i = first; i < ei + k && !dup; i++) {
                    if (p->edges[i].key == ce->key && strcmp(p->edges[i].code, ce->code) == 0) {
                        diag_error(v->tok.loc, M_LOCATION_TWICE, ce->code);
                        diag_note(p->edges[i].loc, N_FIRST_HERE);
                        dup = 1;
                    }
                }
                if (dup)
                    continue;
                int reachable = g.areas == NULL;
                for (uint32_t i = 0; i < g.count && !reachable; i++)
                    reachable = geo_within(ce->key, ce->code, g.areas[i].kind, g.areas[i].code) ||
                                geo_within(g.areas[i].kind, g.areas[i].code, ce->key, ce->code);
                if (!reachable)
                    diag_warning(v->tok.loc, WN_SHADOWED, W_SHADOWED, ce->code, geo_ctx_str(b, g));
                areas[narea].kind = ce->key;
                memcpy(areas[narea].code, ce->code, PIR_CODE_MAX);
                narea++;
                child_g.count++;
            }
            break;
        }
        case POLICY_BR_REGION: {
            e.key = PIR_KEY_REGION;
            e.loc = br->keys->tok.loc;
            const char *name = tok_str(b, &br->keys->tok);
            uint32_t ri = map_get(p->region_map, name, strlen(name));
            if (ri == PIR_NONE) {
                ri = PUSH(p, regions, region_count, cap_regions);
                p->regions[ri] = name;
                map_put(b->a, &p->region_map, name, strlen(name), ri);
            }
            e.region = ri;
            for (uint32_t i = first; i < ei; i++)
                if (p->edges[i].region == ri) {
                    diag_error(e.loc, M_REGION_TWICE, name);
                    diag_note(p->edges[i].loc, N_FIRST_HERE);
                    break;
                }
            if (b->lat && latency_region_find(b->lat, name, strlen(name)) < 0)
                diag_error(e.loc, M_REGION_UNKNOWN, name, p->latency.shown);
            break;
        }
        case POLICY_BR_AT: {
            e.key = PIR_KEY_AT;
            const policy_tok_t *lat = &br->keys->tok, *lon = &br->keys->next->tok;
            int ok = 1, rc;
            if (lat->quoted || geodata_parse_coord(lat->text, lat->len, 90, &e.lat_e6) != 0) {
                diag_error(lat->loc, M_BAD_COORD, "latitude", tok_str(b, lat), "-90..90");
                ok = 0;
            }
            if (lon->quoted || geodata_parse_coord(lon->text, lon->len, 180, &e.lon_e6) != 0) {
                diag_error(lon->loc, M_BAD_COORD, "longitude", tok_str(b, lon), "-180..180");
                ok = 0;
            }
            if (br->bias.text) {
                rc = parse_bias(&br->bias, &e.bias);
                if (rc == -1)
                    diag_error(br->bias.loc, M_BAD_BIAS, tok_str(b, &br->bias));
                else if (rc == -2)
                    diag_error(br->bias.loc, M_BIAS);
            }
            for (uint32_t i = first; ok && i < ei; i++)
                if (p->edges[i].lat_e6 == e.lat_e6 && p->edges[i].lon_e6 == e.lon_e6) {
                    diag_error(br->loc, M_AT_TWICE, tok_str(b, lat), tok_str(b, lon));
                    diag_note(p->edges[i].loc, N_FIRST_HERE);
                    break;
                }
            break;
        }
        case POLICY_BR_LABEL: {
            e.key = PIR_KEY_LABEL;
            e.loc = br->keys->tok.loc;
            const char *name = tok_str(b, &br->keys->tok);
            for (uint32_t i = 0; set && i < set->label_count; i++)
                if (strcmp(p->labels[set->label_first + i], name) == 0)
                    e.label = i;
            if (set && e.label == PIR_NONE)
                diag_error(e.loc, M_LABEL_UNKNOWN, set->name, name);
            for (uint32_t i = first; e.label != PIR_NONE && i < ei; i++)
                if (p->edges[i].key == PIR_KEY_LABEL && p->edges[i].label == e.label) {
                    diag_error(e.loc, M_LABEL_TWICE, name);
                    diag_note(p->edges[i].loc, N_FIRST_HERE);
                    break;
                }
            break;
        }
        }
        /* children */
        if (br->kind == POLICY_BR_ITEM) {
            uint32_t check = value_check(b, br->rule);
            for (const policy_value_t *v = br->rule->values; v; v = v->next) {
                uint32_t child = build_values(b, v, 1, check);
                p->edges[ei] = e;
                p->edges[ei].loc = v->tok.loc;
                p->edges[ei++].child = child;
            }
            continue;
        }
        uint32_t child = build_rule(b, br->rule, child_g);
        if (e.key == PIR_KEY_SUBDIVISION || e.key == PIR_KEY_COUNTRY || e.key == PIR_KEY_CONTINENT) {
            for (ei = branch_first; ei < branch_first + branch_edges(br); ei++)
                p->edges[ei].child = child;
            continue;
        }
        p->edges[ei] = e;
        p->edges[ei++].child = child;
    }

    switch (kind) {
    case PIR_FAILOVER:
        if (!primary)
            diag_error(r->loc, M_NO_PRIMARY);
        break;
    case PIR_GEO: {
        if (dflt)
            break;
        /* inside a geo branch, codes that cover the whole branch need no default */
        int covered = g.areas != NULL;
        for (uint32_t i = 0; i < g.count && covered; i++) {
            int in = 0;
            for (uint32_t k = 0; k < narea && !in; k++)
                in = geo_within(g.areas[i].kind, g.areas[i].code, areas[k].kind, areas[k].code);
            covered = in;
        }
        if (!covered)
            diag_warning(r->loc, WN_GEO_NO_DEFAULT, W_GEO_NO_DEFAULT);
        break;
    }
    case PIR_CIDR:
        if (!dflt && set)
            diag_warning(r->loc, WN_CIDR_NO_DEFAULT, W_CIDR_NO_DEFAULT, set->name);
        break;
    default:
        break;
    }
}

static uint32_t build_rule(pb_t *b, const policy_rule_t *r, geo_ctx_t g)
{
    pir_t *p = b->p;
    if (r->kind == POLICY_RULE_VALUES)
        return build_values(b, r->values, 0, value_check(b, r));
    uint32_t ni = new_node(b, block_kind(r->kind), r->loc);
    switch (r->kind) {
    case POLICY_RULE_ALIAS: {
        uint8_t name[DNAME_MAX];
        size_t len = 0;
        int rc = dname_from_text(name, &len, r->name.text, r->name.len, b->zone->apex);
        if (rc != DNAME_OK) {
            diag_error(r->name.loc, "%s", dname_strerror(rc));
            return ni;
        }
        p->nodes[ni].alias_name = arena_memdup(b->a, name, len);
        p->nodes[ni].loc = r->name.loc;
        if (!dname_is_subdomain(name, b->zone->apex))
            diag_error(r->name.loc, M_ALIAS_OUTSIDE, name_str(b->a, name), name_str(b->a, b->zone->apex));
        return ni;
    }
    case POLICY_RULE_CIDR: {
        const char *n = tok_str(b, &r->name);
        p->nodes[ni].cidrset = map_get(p->cidrset_map, n, strlen(n));
        if (p->nodes[ni].cidrset == PIR_NONE)
            diag_error(r->name.loc, M_CIDRSET_UNKNOWN, n);
        break;
    }
    case POLICY_RULE_MULTIVALUE:
        if (b->type == RR_CNAME)
            diag_error(r->loc, M_MV_TYPE, type_str(b->type));
        break;
    case POLICY_RULE_GEO:
    case POLICY_RULE_PROXIMITY:
        if (!p->geodata.path)
            diag_warning(r->loc, WN_NO_GEODATA, W_NO_GEODATA, pir_node_kind_name(p->nodes[ni].kind));
        break;
    case POLICY_RULE_LATENCY:
        if (!p->latency.path)
            diag_error(r->loc, M_NO_LATENCY);
        break;
    default:
        break;
    }
    build_block(b, ni, r, g);
    return ni;
}

/* OWNER TYPE [ttl D] RULE of a policy record in `zone`. */
static void policy_record(pb_t *b, ir_zone_t *zone, const policy_zitem_t *it)
{
    pir_t *p = b->p;
    uint8_t owner[DNAME_MAX];
    size_t olen = 0;
    uint16_t type;
    uint32_t ttl = zone->default_ttl;
    /* zpl.c reports bad owners, types and TTLs of every record */
    if (dname_from_text(owner, &olen, it->owner.text, it->owner.len, zone->apex) != DNAME_OK ||
        !rrtype_from_text(it->type.text, it->type.len, &type) ||
        (it->ttl.text && policy_duration(&it->ttl, IR_TTL_MAX, &ttl) != 0))
        return;
    if (!dname_is_subdomain(owner, zone->apex)) {
        diag_error(it->owner.loc, M_OUTSIDE_ZONE, name_str(b->a, owner), name_str(b->a, zone->apex));
        return;
    }
    if (type == RR_SOA || type == RR_NS) {
        diag_error(it->type.loc, M_TYPE_NO_POLICY, type_str(type));
        return;
    }
    if (type == RR_CNAME && dname_equal(owner, zone->apex)) {
        diag_error(it->owner.loc, M_CNAME_APEX, name_str(b->a, zone->apex));
        return;
    }
    uint8_t key[sizeof(void *) + 2 + DNAME_MAX];
    size_t klen = policy_key(key, zone, owner, type);
    uint32_t prev = map_get(p->policy_map, key, klen);
    if (prev != PIR_NONE) {
        diag_error(it->owner.loc, M_POLICY_TWICE, name_str(b->a, owner), type_str(type));
        diag_note(p->policies[prev].loc, N_FIRST_HERE);
        return;
    }
    uint32_t pi = PUSH(p, policies, policy_count, cap_policies);
    map_put(b->a, &p->policy_map, key, klen, pi);
    /* owner chain: every policy at one owner, in source order */
    if (pi >= b->cap_owner_next) {
        uint32_t ncap = p->cap_policies;
        uint32_t *n = arena_alloc_array(b->a, ncap, sizeof *n);
        if (pi)
            memcpy(n, b->owner_next, pi * sizeof *n);
        b->owner_next = n;
        b->cap_owner_next = ncap;
    }
    b->owner_next[pi] = PIR_NONE;
    size_t oklen = policy_key(key, zone, owner, 0);
    uint32_t at = map_get(b->owner_map, key, oklen);
    if (at == PIR_NONE) {
        map_put(b->a, &b->owner_map, key, oklen, pi);
    } else {
        while (b->owner_next[at] != PIR_NONE)
            at = b->owner_next[at];
        b->owner_next[at] = pi;
    }

    pir_policy_t *pol = &p->policies[pi];
    pol->zone = zone;
    pol->owner = arena_memdup(b->a, owner, olen);
    pol->owner_len = (uint8_t)olen;
    pol->type = type;
    pol->ttl = ttl;
    pol->loc = it->owner.loc;
    pol->node_first = p->node_count;
    b->pol = pi;
    b->zone = zone;
    b->type = type;
    geo_ctx_t g = {NULL, 0};
    uint32_t root = build_rule(b, it->rule, g);
    pol = &p->policies[pi];
    pol->root = root;
    pol->node_count = p->node_count - pol->node_first;
}

static void zone_policies(pb_t *b, const policy_stmt_t *s)
{
    uint8_t apex[DNAME_MAX];
    size_t len = 0;
    static const uint8_t root[1] = {0};
    if (dname_from_text(apex, &len, s->arg.text, s->arg.len, root) != DNAME_OK)
        return; /* reported by zpl.c */
    ir_zone_t *zone = ir_zone_find(b->ir, apex);
    if (!zone)
        return;
    for (const policy_zitem_t *it = s->items; it; it = it->next) {
        if (it->kind == POLICY_Z_RECORD && pir_is_policy_record(it)) {
            policy_record(b, zone, it);
            arena_reset(b->scratch);
        }
    }
}

/* --- phase 5: aliases --------------------------------------------------------- */

static void aliases_resolve(pb_t *b)
{
    pir_t *p = b->p;
    for (uint32_t pi = 0; pi < p->policy_count; pi++) {
        const pir_policy_t *pol = &p->policies[pi];
        for (uint32_t ni = pol->node_first; ni < pol->node_first + pol->node_count; ni++) {
            pir_node_t *n = &p->nodes[ni];
            if (n->kind != PIR_ALIAS || !n->alias_name || !dname_is_subdomain(n->alias_name, pol->zone->apex))
                continue;
            uint8_t key[sizeof(void *) + 2 + DNAME_MAX];
            size_t klen = policy_key(key, pol->zone, n->alias_name, pol->type);
            n->alias_policy = map_get(p->policy_map, key, klen);
            if (n->alias_policy != PIR_NONE)
                continue;
            n->alias_node = ir_node_find(pol->zone, n->alias_name);
            n->alias_rrset = n->alias_node ? ir_rrset_find(n->alias_node, pol->type) : NULL;
            if (!n->alias_rrset)
                diag_error(n->loc, M_ALIAS_MISSING, name_str(b->a, n->alias_name), type_str(pol->type));
        }
    }
}

/* The alias graph: policy -> policies its ALIAS nodes point at. */
static uint32_t alias_degree(void *ctx, uint32_t v)
{
    pb_t *b = ctx;
    return b->p->policies[v].node_count;
}

static uint32_t alias_succ(void *ctx, uint32_t v, uint32_t k, loc_t *loc)
{
    pb_t *b = ctx;
    const pir_node_t *n = &b->p->nodes[b->p->policies[v].node_first + k];
    *loc = n->loc;
    return n->kind == PIR_ALIAS ? n->alias_policy : PIR_NONE;
}

static void alias_cycle(void *ctx, const uint32_t *path, uint32_t len, loc_t loc)
{
    pb_t *b = ctx;
    const char *chain = "";
    for (uint32_t i = 0; i <= len && i <= CHAIN_MAX; i++) {
        const pir_policy_t *pol = &b->p->policies[path[i % len]];
        chain = i == CHAIN_MAX ? arena_sprintf(b->a, "%s -> ...", chain)
                               : arena_sprintf(b->a, "%s%s'%s' %s", chain, i ? " -> " : "",
                                               name_str(b->a, pol->owner), type_str(pol->type));
    }
    diag_error(loc, M_ALIAS_LOOP, chain);
}

/* --- phase 6: policies against static data and each other --------------------- */

static void conflict(pb_t *b, const uint8_t *owner, loc_t x, loc_t y)
{
    loc_t later = loc_after(x, y) ? x : y, earlier = loc_after(x, y) ? y : x;
    diag_error(later, M_CNAME_OTHER, name_str(b->a, owner));
    diag_note(earlier, N_OTHER_DATA);
}

static void conflicts(pb_t *b)
{
    pir_t *p = b->p;
    for (uint32_t pi = 0; pi < p->policy_count; pi++) {
        const pir_policy_t *pol = &p->policies[pi];
        const ir_node_t *node = ir_node_find(pol->zone, pol->owner);
        for (const ir_rrset_t *s = node ? node->rrsets : NULL; s; s = s->next) {
            if (s->type == pol->type) {
                diag_error(pol->loc, M_POLICY_AND_STATIC, name_str(b->a, pol->owner), type_str(pol->type));
                diag_note(s->loc, N_STATIC);
            } else if (pol->type == RR_CNAME || s->type == RR_CNAME) {
                conflict(b, pol->owner, pol->loc, s->loc);
            }
        }
        /* later policies at the same owner (each pair once) */
        for (uint32_t q = b->owner_next[pi]; q != PIR_NONE; q = b->owner_next[q])
            if (pol->type == RR_CNAME || p->policies[q].type == RR_CNAME)
                conflict(b, pol->owner, pol->loc, p->policies[q].loc);
        /* RFC 1034 §4.2.1: nothing at or below a delegation but glue is served */
        for (const uint8_t *n = pol->owner; n && !dname_equal(n, pol->zone->apex); n = dname_parent(n)) {
            const ir_node_t *cut = ir_node_find(pol->zone, n);
            if (cut && ir_rrset_find(cut, RR_NS) && !(n == pol->owner && pol->type == RR_DS)) {
                diag_warning(pol->loc, WN_OCCLUDED, W_OCCLUDED, name_str(b->a, cut->name));
                break;
            }
        }
    }
}

/* --- driver --------------------------------------------------------------------- */

int pir_is_policy_record(const policy_zitem_t *it)
{
    return it->rule && (it->rule->kind != POLICY_RULE_VALUES || it->rule->check.text != NULL);
}

unsigned pir_build(pir_t *out, ir_t *ir, const policy_file_t *const *files, size_t nfiles)
{
    unsigned before = diag_error_count();
    memset(out, 0, sizeof *out);
    out->arena = ir->arena;
    /* rdata is scratch, written before every use: only the rest is zeroed */
    pb_t *b = xmalloc(sizeof *b);
    memset(b, 0, offsetof(pb_t, rdata));
    b->p = out;
    b->ir = ir;
    b->a = ir->arena;
    b->scratch = arena_new(0);

    for (size_t f = 0; f < nfiles; f++) {
        for (const policy_stmt_t *s = files[f]->stmts; s; s = s->next) {
            switch (s->kind) {
            case POLICY_S_GEODATA: data_decl(b, &out->geodata, "geodata", s, files[f]->file); break;
            case POLICY_S_LATENCY: data_decl(b, &out->latency, "latency", s, files[f]->file); break;
            case POLICY_S_CHECK: check_decl(b, s->check); break;
            case POLICY_S_CIDRSET: cidrset_decl(b, s); break;
            default: break;
            }
        }
        arena_reset(b->scratch);
    }
    checks_resolve(b);
    if (out->latency.path)
        b->lat = out->latency_data = latency_load(b->a, out->latency.path, out->latency.loc);

    for (size_t f = 0; f < nfiles; f++)
        for (const policy_stmt_t *s = files[f]->stmts; s; s = s->next)
            if (s->kind == POLICY_S_ZONE)
                zone_policies(b, s);

    aliases_resolve(b);
    graph_t g = {b, out->policy_count, alias_degree, alias_succ, alias_cycle};
    graph_cycles(&g);
    conflicts(b);

    arena_free(b->scratch);
    free(b);
    return diag_error_count() - before;
}

/* --- lookups, names, dump --------------------------------------------------- */

uint32_t pir_check_find(const pir_t *p, const char *name)
{
    return map_get(p->check_map, name, strlen(name));
}

uint32_t pir_cidrset_find(const pir_t *p, const char *name)
{
    return map_get(p->cidrset_map, name, strlen(name));
}

uint32_t pir_policy_find(const pir_t *p, const ir_zone_t *zone, const uint8_t *owner, uint16_t type)
{
    uint8_t key[sizeof(void *) + 2 + DNAME_MAX];
    return map_get(p->policy_map, key, policy_key(key, zone, owner, type));
}

const char *pir_node_kind_name(pir_node_kind_t k)
{
    static const char *const n[] = {
        [PIR_VALUESET] = "values", [PIR_ALIAS] = "alias", [PIR_FAILOVER] = "failover",
        [PIR_WEIGHTED] = "weighted", [PIR_GEO] = "geo", [PIR_LATENCY] = "latency",
        [PIR_PROXIMITY] = "proximity", [PIR_CIDR] = "cidr", [PIR_MULTIVALUE] = "multivalue",
    };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

const char *pir_check_kind_name(pir_check_kind_t k)
{
    static const char *const n[] = {
        [PIR_CHECK_TCP] = "tcp", [PIR_CHECK_HTTP] = "http", [PIR_CHECK_HTTPS] = "https",
        [PIR_CHECK_CALCULATED] = "calculated",
    };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

const char *pir_key_name(pir_key_t k)
{
    static const char *const n[] = {
        [PIR_KEY_NONE] = "item", [PIR_KEY_PRIMARY] = "primary", [PIR_KEY_SECONDARY] = "secondary",
        [PIR_KEY_WEIGHT] = "weight", [PIR_KEY_SUBDIVISION] = "subdivision",
        [PIR_KEY_COUNTRY] = "country", [PIR_KEY_CONTINENT] = "continent",
        [PIR_KEY_DEFAULT] = "default", [PIR_KEY_REGION] = "region", [PIR_KEY_AT] = "at",
        [PIR_KEY_LABEL] = "label",
    };
    return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

static void dump_addr(FILE *f, const pir_addr_t *a)
{
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, buf, sizeof buf);
    fputs(buf, f);
}

static void dump_micro(FILE *f, int32_t v)
{
    fprintf(f, "%s%d.%06d", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000000, (v < 0 ? -v : v) % 1000000);
}

static void dump_node(FILE *f, const pir_t *p, const pir_policy_t *pol, uint32_t ni, int ind)
{
    const pir_node_t *n = &p->nodes[ni];
    fprintf(f, "%*s%s", ind, "", pir_node_kind_name(n->kind));
    if (n->kind == PIR_VALUESET) {
        for (uint32_t i = n->first; i < n->first + n->count; i++) {
            char buf[8192];
            rrtype_rdata_to_text(pol->type, p->rdatas[i].data, p->rdatas[i].len, buf, sizeof buf);
            fprintf(f, "%s \"%s\"", i > n->first ? "," : "", buf);
        }
        if (n->check != PIR_NONE)
            fprintf(f, " check %s", p->checks[n->check].name);
    } else if (n->kind == PIR_ALIAS && n->alias_name) {
        char buf[DNAME_TEXT_MAX];
        dname_to_text(n->alias_name, buf, sizeof buf);
        fprintf(f, " %s -> %s", buf, n->alias_policy != PIR_NONE ? "policy" : n->alias_rrset ? "static" : "?");
        if (n->alias_policy != PIR_NONE)
            fprintf(f, " %u", n->alias_policy);
    } else if (n->kind == PIR_CIDR && n->cidrset != PIR_NONE) {
        fprintf(f, " %s", p->cidrsets[n->cidrset].name);
    }
    fprintf(f, " @%u:%u\n", n->loc.line, n->loc.col);
    if (n->kind == PIR_VALUESET || n->kind == PIR_ALIAS)
        return;
    for (uint32_t i = n->first; i < n->first + n->count; i++) {
        const pir_edge_t *e = &p->edges[i];
        fprintf(f, "%*s%s", ind + 2, "", pir_key_name(e->key));
        switch (e->key) {
        case PIR_KEY_WEIGHT: fprintf(f, " %u", e->weight); break;
        case PIR_KEY_SUBDIVISION: case PIR_KEY_COUNTRY: case PIR_KEY_CONTINENT:
            fprintf(f, " %s", e->code);
            /* consecutive codes sharing the child print as one line */
            while (i + 1 < n->first + n->count && p->edges[i + 1].child == e->child &&
                   p->edges[i + 1].key == e->key)
                fprintf(f, ", %s", p->edges[++i].code);
            break;
        case PIR_KEY_REGION: fprintf(f, " %s", e->region != PIR_NONE ? p->regions[e->region] : "?"); break;
        case PIR_KEY_AT:
            fputc(' ', f);
            dump_micro(f, e->lat_e6);
            fputs(", ", f);
            dump_micro(f, e->lon_e6);
            fprintf(f, " bias %d", e->bias);
            break;
        case PIR_KEY_LABEL:
            if (n->cidrset != PIR_NONE && e->label != PIR_NONE)
                fprintf(f, " %s", p->labels[p->cidrsets[n->cidrset].label_first + e->label]);
            break;
        default: break;
        }
        fputs(" ->\n", f);
        dump_node(f, p, pol, e->child, ind + 4);
    }
}

void pir_dump(FILE *f, const pir_t *p)
{
    if (p->geodata.path)
        fprintf(f, "geodata \"%s\"\n", p->geodata.shown);
    if (p->latency.path)
        fprintf(f, "latency \"%s\"\n", p->latency.shown);
    for (uint32_t i = 0; i < p->check_count; i++) {
        const pir_check_t *c = &p->checks[i];
        fprintf(f, "check %u %s %s", i, c->name, pir_check_kind_name(c->kind));
        if (c->kind == PIR_CHECK_CALCULATED) {
            fputs(" (", f);
            for (uint32_t k = 0; k < c->child_count; k++) {
                uint32_t ch = p->check_children[c->child_first + k];
                fprintf(f, "%s%s", k ? ", " : "", ch != PIR_NONE ? p->checks[ch].name : "?");
            }
            fprintf(f, ") at-least %u", c->at_least);
        } else {
            fputc(' ', f);
            if (c->addr.family == 6)
                fputc('[', f);
            if (c->addr.family)
                dump_addr(f, &c->addr);
            fprintf(f, "%s:%u", c->addr.family == 6 ? "]" : "", c->port);
            if (c->host)
                fprintf(f, " host \"%s\"", c->host);
            if (c->path)
                fprintf(f, " path \"%s\"", c->path);
            if (c->kind != PIR_CHECK_TCP)
                fprintf(f, " expect %u-%u", c->expect_min, c->expect_max);
            if (c->contains)
                fprintf(f, " contains \"%s\"", c->contains);
            fprintf(f, " interval %u timeout %u fall %u rise %u", c->interval, c->timeout, c->fall, c->rise);
        }
        if (c->inverted)
            fputs(" inverted", f);
        fputc('\n', f);
    }
    for (uint32_t i = 0; i < p->cidrset_count; i++) {
        const pir_cidrset_t *s = &p->cidrsets[i];
        fprintf(f, "cidrset %u %s\n", i, s->name);
        for (uint32_t k = s->cidr_first; k < s->cidr_first + s->cidr_count; k++) {
            fputs("  ", f);
            dump_addr(f, &p->cidrs[k].prefix.addr);
            fprintf(f, "/%u -> %s\n", p->cidrs[k].prefix.len, p->labels[s->label_first + p->cidrs[k].label]);
        }
    }
    for (uint32_t i = 0; i < p->region_count; i++)
        fprintf(f, "region %u %s\n", i, p->regions[i]);
    for (uint32_t i = 0; i < p->policy_count; i++) {
        const pir_policy_t *pol = &p->policies[i];
        char buf[DNAME_TEXT_MAX];
        dname_to_text(pol->owner, buf, sizeof buf);
        fprintf(f, "policy %u %s %s ttl %u @%u:%u\n", i, buf, type_str(pol->type), pol->ttl,
                pol->loc.line, pol->loc.col);
        dump_node(f, p, pol, pol->root, 2);
    }
}
