/* geocodes.c -- ISO 3166 code sets from iso-codes JSON, continent table
 * SPDX-License-Identifier: MIT
 *
 * The JSON files are large (iso_3166-2.json ~ 700 KB) and regular: arrays of
 * objects of strings. A scanner that tokenises JSON strings and keeps the
 * value after the keys "alpha_2" and "code" is all we need; a full JSON
 * parser would buy nothing.
 */
#include "geocodes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GEOCODES_SUB_MAX 8 /* "CC-XXX" + NUL, padded */

struct geocodes {
    unsigned char country[26 * 26]; /* 1 = known alpha-2 code */
    size_t country_count;
    char (*sub)[GEOCODES_SUB_MAX];  /* sorted subdivision codes */
    size_t sub_count;
};

static int cc_index(const char *cc)
{
    if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z')
        return -1;
    return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

/* Reads a whole file into `a`. Returns NULL after reporting at `ref`. */
static char *slurp(arena_t *a, const char *path, size_t *len, loc_t ref)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(ref, "cannot open '%s': %s (install the iso-codes package)", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        diag_error(ref, "cannot open '%s': %s", path, strerror(EIO));
        return NULL;
    }
    char *text = arena_memdup(a, buf, n);
    free(buf);
    *len = n;
    return text;
}

/* Calls fn(ctx, value, value_len) for every string value that follows the
 * key `key` ("key": "value"). Escapes are skipped, not decoded: codes are
 * plain ASCII. */
static void scan(const char *t, size_t len, const char *key, void (*fn)(void *, const char *, size_t), void *ctx)
{
    size_t klen = strlen(key);
    const char *prev = NULL; /* the last string token, if it may be a key */
    size_t prev_len = 0;
    int want_value = 0;
    for (size_t i = 0; i < len; i++) {
        char c = t[i];
        if (c == '"') {
            size_t s = ++i;
            while (i < len && t[i] != '"')
                i += t[i] == '\\' ? 2 : 1;
            if (i > len)
                i = len;
            if (want_value)
                fn(ctx, t + s, i - s);
            want_value = 0;
            prev = t + s;
            prev_len = i - s;
        } else if (c == ':') {
            want_value = prev && prev_len == klen && !memcmp(prev, key, klen);
            prev = NULL;
        } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            want_value = 0;
            prev = NULL;
        }
    }
}

static void add_country(void *ctx, const char *s, size_t n)
{
    geocodes_t *g = ctx;
    int k;
    if (n == 2 && (k = cc_index(s)) >= 0 && !g->country[k]) {
        g->country[k] = 1;
        g->country_count++;
    }
}

struct subs {
    char (*v)[GEOCODES_SUB_MAX];
    size_t n, cap;
};

static void add_sub(void *ctx, const char *s, size_t n)
{
    struct subs *v = ctx;
    if (n < 4 || n >= GEOCODES_SUB_MAX || s[2] != '-')
        return;
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 1024;
        v->v = xrealloc(v->v, v->cap * sizeof *v->v);
    }
    memset(v->v[v->n], 0, GEOCODES_SUB_MAX);
    memcpy(v->v[v->n++], s, n);
}

static int sub_cmp(const void *a, const void *b)
{
    return memcmp(a, b, GEOCODES_SUB_MAX);
}

/* Identity of a file for the cache: the same path with the same device,
 * inode, size and modification time is taken to hold the same codes. */
struct file_key {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

static int file_key(const char *path, struct file_key *k)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    memset(k, 0, sizeof *k);
    k->dev = st.st_dev;
    k->ino = st.st_ino;
    k->size = st.st_size;
    k->mtime = st.st_mtim;
    return 0;
}

static int file_key_eq(const struct file_key *x, const struct file_key *y)
{
    return x->dev == y->dev && x->ino == y->ino && x->size == y->size &&
           x->mtime.tv_sec == y->mtime.tv_sec && x->mtime.tv_nsec == y->mtime.tv_nsec;
}

/* Per-process cache of successful loads: a process that compiles many
 * inputs (the fuzz targets, the unit tests) scans the ~700 KB of JSON once
 * per directory, not once per compile. Entries are immutable and live until
 * the process exits (a static list, so leak checkers see them reachable);
 * only loads without an error are cached, so a failing load reports again. */
struct cache_entry {
    struct cache_entry *next;
    struct file_key k1, k2;
    geocodes_t g;
    char dir[]; /* NUL-terminated */
};

static struct cache_entry *cache;

/* Reads and scans both files into `a`. */
static geocodes_t *load_files(arena_t *a, const char *p1, const char *p2, loc_t ref)
{
    size_t l1, l2;
    char *t1 = slurp(a, p1, &l1, ref);
    char *t2 = t1 ? slurp(a, p2, &l2, ref) : NULL;
    if (!t1 || !t2)
        return NULL;
    geocodes_t *g = arena_alloc(a, sizeof *g);
    scan(t1, l1, "alpha_2", add_country, g);
    if (g->country_count == 0) {
        diag_error(ref, "'%s' has no ISO 3166 codes", p1);
        return NULL;
    }
    add_country(g, "XK", 2);
    struct subs v = {0};
    scan(t2, l2, "code", add_sub, &v);
    if (v.n == 0) {
        free(v.v);
        diag_error(ref, "'%s' has no ISO 3166 codes", p2);
        return NULL;
    }
    qsort(v.v, v.n, sizeof *v.v, sub_cmp);
    g->sub = v.v; /* xrealloc'd: the caller keeps or copies it */
    g->sub_count = v.n;
    return g;
}

geocodes_t *geocodes_load(arena_t *a, const char *dir, loc_t ref)
{
    if (!dir)
        dir = getenv("ZONEC_ISO_CODES_DIR");
    if (!dir || !*dir)
        dir = GEOCODES_DEFAULT_DIR;
    char *p1 = arena_sprintf(a, "%s/iso_3166-1.json", dir);
    char *p2 = arena_sprintf(a, "%s/iso_3166-2.json", dir);
    struct file_key k1, k2;
    int keyed = file_key(p1, &k1) == 0 && file_key(p2, &k2) == 0;
    if (keyed)
        for (struct cache_entry *c = cache; c; c = c->next)
            if (strcmp(c->dir, dir) == 0 && file_key_eq(&c->k1, &k1) && file_key_eq(&c->k2, &k2))
                return &c->g;
    /* The file texts are read into a scratch arena: only the code sets are
     * kept (in `a`, or in the cache). */
    arena_t *scratch = arena_new(0);
    geocodes_t *g = load_files(scratch, p1, p2, ref);
    geocodes_t *out = NULL;
    if (g && keyed) {
        size_t dlen = strlen(dir) + 1;
        struct cache_entry *c = xmalloc(sizeof *c + dlen);
        c->k1 = k1;
        c->k2 = k2;
        c->g = *g; /* takes the xrealloc'd subdivision array */
        memcpy(c->dir, dir, dlen);
        c->next = cache;
        cache = c;
        out = &c->g;
    } else if (g) {
        out = arena_alloc(a, sizeof *out);
        *out = *g;
        out->sub = arena_memdup(a, g->sub, g->sub_count * sizeof *g->sub);
        free(g->sub);
    }
    arena_free(scratch);
    return out;
}

int geocodes_is_country(const geocodes_t *g, const char *cc, size_t len)
{
    int k;
    return len == 2 && (k = cc_index(cc)) >= 0 && g->country[k];
}

int geocodes_is_subdivision(const geocodes_t *g, const char *code, size_t len)
{
    if (len < 4 || len >= GEOCODES_SUB_MAX)
        return 0;
    char key[GEOCODES_SUB_MAX] = {0};
    memcpy(key, code, len);
    return bsearch(key, g->sub, g->sub_count, sizeof *g->sub, sub_cmp) != NULL;
}

size_t geocodes_country_count(const geocodes_t *g)
{
    return g->country_count;
}

size_t geocodes_subdivision_count(const geocodes_t *g)
{
    return g->sub_count;
}

/* Country -> continent (see geocodes.h for the source). One line per
 * continent, countries in alphabetical order. */
static const struct {
    char code[3];
    const char *countries;
} continents[] = {
    {"AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG "
           "ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"},
    {"AN", "AQ BV GS HM TF"},
    {"AS", "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB "
           "LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TW UZ VN YE"},
    {"EU", "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT "
           "LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM TR UA VA XK"},
    {"NA", "AG AI AN AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX "
           "NI PA PM PR SV SX TC TT US VC VG VI"},
    {"OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"},
    {"SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"},
};

int geocodes_is_continent(const char *code, size_t len)
{
    for (size_t i = 0; len == 2 && i < sizeof continents / sizeof *continents; i++)
        if (!memcmp(code, continents[i].code, 2))
            return 1;
    return 0;
}

const char *geocodes_continent(const char *cc)
{
    static signed char by_cc[26 * 26]; /* continent index + 1; built on first use */
    static int built;
    if (!built) {
        for (size_t i = 0; i < sizeof continents / sizeof *continents; i++)
            for (const char *p = continents[i].countries; *p; p += p[2] ? 3 : 2)
                by_cc[cc_index(p)] = (signed char)(i + 1);
        built = 1;
    }
    int k = cc_index(cc);
    return k < 0 || !by_cc[k] ? NULL : continents[by_cc[k] - 1].code;
}
