/* geodata.c -- read CSV and MaxMind DB location databases into one range list
 * SPDX-License-Identifier: MIT
 *
 * CSV: one pass over the text, fields sliced in place, one range array sized
 * by the line count up front (no allocation per line). Sorting happens only
 * when the file is not already in order, which published files are.
 */
#include "geodata.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "prefix.h"

#if defined(__has_include)
#if __has_include(<maxminddb.h>)
#include <dlfcn.h>
#include <maxminddb.h>
#define GEODATA_MMDB 1
#endif
#endif

#define MMDB_MARKER "\xab\xcd\xefMaxMind.com"

/* Crossing overlaps warned about one by one before a summary. */
#define GEODATA_MAX_OVERLAP_WARNINGS 10

/* --- small helpers ---------------------------------------------------------- */

static int cmp_addr(const uint8_t *a, const uint8_t *b)
{
    return memcmp(a, b, 16);
}

/* a + 1 == b for 16-byte big-endian numbers of one family (IPv4 in bytes 0..3). */
static int adjacent(int family, const uint8_t *a, const uint8_t *b)
{
    uint8_t n[16];
    memcpy(n, a, 16);
    int i = (family == 4 ? 4 : 16) - 1;
    for (; i >= 0; i--)
        if (++n[i] != 0)
            break;
    if (i < 0)
        return 0; /* a is the family's last address */
    return memcmp(n, b, 16) == 0;
}

static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(int c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static int upper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }

int geodata_parse_coord(const char *s, size_t len, int32_t limit, int32_t *out_e6)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    int64_t ip = 0, frac = 0;
    int idigits = 0, fdigits = 0, round_up = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, idigits++)
        if (ip <= 1000)
            ip = ip * 10 + (s[i] - '0');
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fdigits++) {
            if (fdigits < 6)
                frac = frac * 10 + (s[i] - '0');
            else if (fdigits == 6)
                round_up = s[i] >= '5';
        }
    }
    if (i != len || idigits + fdigits == 0)
        return -1;
    for (int d = fdigits; d < 6; d++)
        frac *= 10;
    int64_t v = ip * 1000000 + frac + round_up;
    if (v > (int64_t)limit * 1000000)
        return -1;
    *out_e6 = (int32_t)(neg ? -v : v);
    return 0;
}

/* --- CSV ----------------------------------------------------------------- */

struct field {
    const char *s;
    size_t len;
    uint32_t col;
};

/* Splits line[0..len) at commas, trimming blanks and surrounding quotes.
 * Returns: the number of fields (up to max + 1: one more means "too many"). */
static int split(const char *line, size_t len, struct field *f, int max)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        size_t j = i;
        while (j < len && line[j] != ',')
            j++;
        if (n <= max) {
            size_t a = i, b = j;
            while (a < b && (line[a] == ' ' || line[a] == '\t'))
                a++;
            while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t'))
                b--;
            if (b - a >= 2 && line[a] == '"' && line[b - 1] == '"')
                a++, b--;
            f[n] = (struct field){line + a, b - a, (uint32_t)(a + 1)};
        }
        n++;
        if (j >= len)
            return n > max + 1 ? max + 1 : n;
        i = j + 1;
    }
}

static loc_t at(uint32_t file, uint32_t line, uint32_t col)
{
    return (loc_t){file, line, col};
}

/* Parses one non-blank CSV line into *r. Returns: 1 when r holds a range,
 * 0 when the line had errors (all of them reported). */
static int csv_line(uint32_t file, uint32_t ln, const char *line, size_t len, geodata_range_t *r)
{
    struct field f[7];
    int nf = split(line, len, f, 6);
    int ok = 1;
    if (nf < 3) {
        diag_error(at(file, ln, 1), "expected at least 3 fields (start,end,country), found %d", nf);
        return 0;
    }
    if (nf > 6) {
        diag_error(at(file, ln, f[6].col),
                   "too many fields (expected start,end,country[,subdivision[,latitude,longitude]])");
        ok = 0;
    }
    memset(r, 0, sizeof *r);
    r->line = ln;
    int fs = prefix_parse_addr(f[0].s, f[0].len, r->start);
    if (fs < 0) {
        diag_error(at(file, ln, f[0].col), "'%.*s' is not an IPv4 or IPv6 address", (int)f[0].len, f[0].s);
        ok = 0;
    }
    int fe = prefix_parse_addr(f[1].s, f[1].len, r->end);
    if (fe < 0) {
        diag_error(at(file, ln, f[1].col), "'%.*s' is not an IPv4 or IPv6 address", (int)f[1].len, f[1].s);
        ok = 0;
    }
    if (fs > 0 && fe > 0) {
        if (fs != fe) {
            diag_error(at(file, ln, f[1].col), "range mixes IPv4 and IPv6 addresses");
            ok = 0;
        } else if (cmp_addr(r->start, r->end) > 0) {
            diag_error(at(file, ln, f[0].col), "range start is after its end");
            ok = 0;
        }
    }
    r->family = (uint8_t)fs;
    /* country */
    if (f[2].len) {
        if (f[2].len != 2 || !is_alpha(f[2].s[0]) || !is_alpha(f[2].s[1])) {
            diag_error(at(file, ln, f[2].col),
                       "bad country code '%.*s' (expected two letters, ISO 3166-1 alpha-2)",
                       (int)f[2].len, f[2].s);
            ok = 0;
        } else {
            r->country[0] = (char)upper(f[2].s[0]);
            r->country[1] = (char)upper(f[2].s[1]);
        }
    }
    /* subdivision: CC-XXX, or XXX completed with the country */
    if (nf >= 4 && f[3].len) {
        const char *s = f[3].s;
        size_t n = f[3].len, k = 0;
        int has_cc = n >= 4 && s[2] == '-';
        size_t tail = has_cc ? 3 : 0;
        int good = n - tail >= 1 && n - tail <= 3 && (!has_cc || (is_alpha(s[0]) && is_alpha(s[1])));
        for (size_t i = tail; good && i < n; i++)
            good = is_alnum(s[i]);
        if (!good || (!has_cc && !r->country[0] && f[2].len == 0)) {
            diag_error(at(file, ln, f[3].col),
                       "bad subdivision code '%.*s' (expected an ISO 3166-2 code like US-CA)", (int)n, s);
            ok = 0;
        } else if (r->country[0] || has_cc) {
            char cc[3] = {has_cc ? (char)upper(s[0]) : r->country[0],
                          has_cc ? (char)upper(s[1]) : r->country[1], 0};
            if (r->country[0] && memcmp(cc, r->country, 2) != 0) {
                diag_error(at(file, ln, f[3].col), "subdivision '%.*s' is not in country '%s'",
                           (int)n, s, r->country);
                ok = 0;
            }
            if (!r->country[0] && f[2].len == 0)
                memcpy(r->country, cc, 3); /* the subdivision names its country */
            r->subdivision[k++] = cc[0];
            r->subdivision[k++] = cc[1];
            r->subdivision[k++] = '-';
            for (size_t i = tail; i < n; i++)
                r->subdivision[k++] = (char)upper(s[i]);
        }
    }
    /* coordinates */
    if (nf == 5) {
        diag_error(at(file, ln, f[4].col), "latitude and longitude must be given together");
        ok = 0;
    } else if (nf >= 6 && (f[4].len || f[5].len)) {
        if (!f[4].len || !f[5].len) {
            diag_error(at(file, ln, f[f[4].len ? 5 : 4].col),
                       "latitude and longitude must be given together");
            ok = 0;
        } else {
            if (geodata_parse_coord(f[4].s, f[4].len, 90, &r->lat_e6)) {
                diag_error(at(file, ln, f[4].col), "bad latitude '%.*s' (expected a number in -90..90)",
                           (int)f[4].len, f[4].s);
                ok = 0;
            }
            if (geodata_parse_coord(f[5].s, f[5].len, 180, &r->lon_e6)) {
                diag_error(at(file, ln, f[5].col),
                           "bad longitude '%.*s' (expected a number in -180..180)", (int)f[5].len, f[5].s);
                ok = 0;
            }
            r->has_coord = 1;
        }
    }
    return ok;
}

/* A header line: the first line, whose first field is no address and starts
 * with a letter ("start", "ip_range_start", "network"). */
static int is_header(const char *line, size_t len)
{
    struct field f[7];
    split(line, len, f, 6);
    uint8_t a[16];
    return f[0].len > 0 && is_alpha(f[0].s[0]) && prefix_parse_addr(f[0].s, f[0].len, a) < 0;
}

static int range_cmp(const void *x, const void *y)
{
    const geodata_range_t *a = x, *b = y;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    int c = cmp_addr(a->start, b->start);
    if (c)
        return c;
    return a->line < b->line ? -1 : a->line > b->line;
}

static int same_location(const geodata_range_t *a, const geodata_range_t *b)
{
    return !memcmp(a->country, b->country, sizeof a->country) &&
           !memcmp(a->subdivision, b->subdivision, sizeof a->subdivision) &&
           a->has_coord == b->has_coord &&
           (!a->has_coord || (a->lat_e6 == b->lat_e6 && a->lon_e6 == b->lon_e6));
}

typedef unsigned __int128 u128;

static u128 to_u128(int family, const uint8_t *a)
{
    u128 v = 0;
    for (int i = 0; i < (family == 4 ? 4 : 16); i++)
        v = v << 8 | a[i];
    return v;
}

static void from_u128(int family, u128 v, uint8_t *a)
{
    memset(a, 0, 16);
    for (int i = (family == 4 ? 4 : 16) - 1; i >= 0; i--, v >>= 8)
        a[i] = (uint8_t)v;
}

/* Sweep state for resolving overlaps: ranges as numbers, and a binary heap
 * of the ranges covering the sweep point, the most specific on top. */
struct span {
    u128 s, e;
    uint32_t idx;               /* into the range array */
};

struct sweep {
    struct span *sp;
    uint32_t *heap;
    size_t heap_len;
    const geodata_range_t *r;
};

/* a wins over b: the later line (lines overwrite what they cover, in order). */
static int wins(const struct sweep *w, uint32_t a, uint32_t b)
{
    return w->r[w->sp[a].idx].line > w->r[w->sp[b].idx].line;
}

static void heap_push(struct sweep *w, uint32_t x)
{
    size_t i = w->heap_len++;
    while (i > 0 && wins(w, x, w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = x;
}

static void heap_pop(struct sweep *w)
{
    uint32_t x = w->heap[--w->heap_len];
    size_t i = 0, n = w->heap_len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && wins(w, w->heap[c + 1], w->heap[c]))
            c++;
        if (!wins(w, w->heap[c], x))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n)
        w->heap[i] = x;
}

static int u128_cmp(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

/* Appends [s, e] with the location of `src` to out[0..*n), merging with the
 * last range when adjacent and equal. */
static void emit_span(geodata_range_t *out, size_t *n, const geodata_range_t *src, int family, u128 s, u128 e)
{
    if (*n > 0) {
        geodata_range_t *p = &out[*n - 1];
        if (p->family == family && to_u128(family, p->end) + 1 == s && same_location(p, src)) {
            from_u128(family, e, p->end);
            return;
        }
    }
    geodata_range_t *q = &out[(*n)++];
    *q = *src;
    from_u128(family, s, q->start);
    from_u128(family, e, q->end);
}

/* Flattens the sorted, overlapping ranges r[0..n) of one family into
 * out (room for 2n): where ranges overlap, the one from the later line wins.
 * Returns: the number written. */
static size_t flatten(const geodata_range_t *r, size_t n, int family, geodata_range_t *out)
{
    size_t m = n ? n : 1;
    struct sweep w = {xmalloc(m * sizeof *w.sp), xmalloc(m * sizeof *w.heap), 0, r};
    u128 *ends = xmalloc(m * sizeof *ends);
    u128 max = family == 4 ? (u128)0xffffffffu : ~(u128)0;
    size_t ne = 0, on = 0;
    for (size_t i = 0; i < n; i++) {
        w.sp[i] = (struct span){to_u128(family, r[i].start), to_u128(family, r[i].end), (uint32_t)i};
        if (w.sp[i].e != max)
            ends[ne++] = w.sp[i].e + 1;
    }
    qsort(ends, ne, sizeof *ends, u128_cmp);
    size_t i = 0, j = 0;
    while (i < n || j < ne) {
        u128 x = i < n && (j >= ne || w.sp[i].s <= ends[j]) ? w.sp[i].s : ends[j];
        while (i < n && w.sp[i].s == x)
            heap_push(&w, (uint32_t)i++);
        while (j < ne && ends[j] == x)
            j++;
        while (w.heap_len && w.sp[w.heap[0]].e < x)
            heap_pop(&w);
        if (!w.heap_len)
            continue;
        int more = i < n || j < ne;
        u128 next = !more ? max : (i < n && (j >= ne || w.sp[i].s <= ends[j]) ? w.sp[i].s : ends[j]) - 1;
        emit_span(out, &on, &r[w.sp[w.heap[0]].idx], family, x, next);
    }
    free(w.sp);
    free(w.heap);
    free(ends);
    return on;
}

/* Sorts (if needed), resolves overlaps, merges adjacent ranges with the same
 * location, counts IPv4. Lines apply in file order, each overwriting the
 * addresses it covers -- what MaxMind DB writers do when they insert the
 * same lines, and what ip-location-db's own .mmdb files hold. Nested ranges
 * are how published files refine a block (a registry block, then geofeed
 * parts of it), so they pass silently; a range that crosses the end of
 * another, or repeats its span with another location, gets a warning (the
 * first few; then one summary). */
static void normalise(arena_t *a, geodata_t *g, int report)
{
    geodata_range_t *r = g->ranges;
    size_t n = g->count, out = 0;
    int sorted = 1;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = range_cmp(&r[i - 1], &r[i]) < 0;
    if (!sorted)
        qsort(r, n, sizeof *r, range_cmp);
    /* overlap scan: a chain of open ranges (those whose end is not passed) */
    size_t *open = xmalloc((n ? n : 1) * sizeof *open), depth = 0;
    int overlaps = 0;
    unsigned crossings = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && r[i].family != r[i - 1].family)
            depth = 0;
        while (depth && cmp_addr(r[open[depth - 1]].end, r[i].start) < 0)
            depth--;
        if (depth) {
            const geodata_range_t *p = &r[open[depth - 1]];
            overlaps = 1;
            int cross = cmp_addr(p->end, r[i].end) < 0;
            int same = !cross && !cmp_addr(p->start, r[i].start) && !cmp_addr(p->end, r[i].end) &&
                       !same_location(p, &r[i]);
            if (report && (cross || same) && ++crossings <= GEODATA_MAX_OVERLAP_WARNINGS) {
                if (cross)
                    diag_warning(at(g->file, r[i].line, 1), "geodata-overlap",
                                 "range partially overlaps the range on line %u; "
                                 "the later line wins where they overlap", p->line);
                else
                    diag_warning(at(g->file, r[i].line, 1), "geodata-overlap",
                                 "range repeats the range on line %u with another location; "
                                 "this line wins", p->line);
            }
        }
        open[depth++] = i;
    }
    free(open);
    if (report && crossings > GEODATA_MAX_OVERLAP_WARNINGS)
        diag_warning(at(g->file, 0, 0), "geodata-overlap", "%u more ranges partially overlap others",
                     crossings - GEODATA_MAX_OVERLAP_WARNINGS);
    if (overlaps) {
        geodata_range_t *flat = arena_alloc_array(a, 2 * n, sizeof *flat);
        size_t n4 = 0;
        while (n4 < n && r[n4].family == 4)
            n4++;
        out = flatten(r, n4, 4, flat);
        out += flatten(r + n4, n - n4, 6, flat + out);
        g->ranges = r = flat;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (out > 0 && r[out - 1].family == r[i].family &&
                adjacent(r[i].family, r[out - 1].end, r[i].start) && same_location(&r[out - 1], &r[i])) {
                memcpy(r[out - 1].end, r[i].end, 16);
                continue;
            }
            r[out++] = r[i];
        }
    }
    g->count = out;
    g->count4 = 0;
    while (g->count4 < out && r[g->count4].family == 4)
        g->count4++;
}

geodata_t *geodata_parse_csv(arena_t *a, uint32_t file, const char *text, size_t len)
{
    geodata_t *g = arena_alloc(a, sizeof *g);
    g->file = file;
    size_t lines = 1;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        lines++;
    g->ranges = arena_alloc_array(a, lines, sizeof *g->ranges);
    const char *p = text, *end = text + len;
    for (uint32_t ln = 1; p < end; ln++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n && p[n - 1] == '\r')
            n--;
        size_t k = 0;
        while (k < n && (p[k] == ' ' || p[k] == '\t'))
            k++;
        if (k < n && p[k] != '#' && !(ln == 1 && is_header(p, n)) &&
            csv_line(file, ln, p, n, &g->ranges[g->count]))
            g->count++;
        p = nl ? nl + 1 : end;
    }
    normalise(a, g, 1);
    return g;
}

/* --- files ------------------------------------------------------------------ */

geodata_t *geodata_load(arena_t *a, const char *path, loc_t ref)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        diag_error(ref, "cannot open '%s': %s", path, strerror(errno));
        if (f)
            fclose(f);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    /* The MMDB metadata marker sits in the last 128 KiB of the file. */
    static char tailbuf[128 * 1024];
    size_t tail = size > sizeof tailbuf ? size - sizeof tailbuf : 0;
    size_t tn = 0;
    if (fseek(f, (long)tail, SEEK_SET) == 0)
        tn = fread(tailbuf, 1, size - tail, f);
    if (memmem(tailbuf, tn, MMDB_MARKER, sizeof MMDB_MARKER - 1)) {
        fclose(f);
        return geodata_read_mmdb(a, path, ref);
    }
    char *text = arena_alloc(a, size + 1);
    rewind(f);
    size_t got = fread(text, 1, size, f);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err || got != size) {
        diag_error(ref, "cannot open '%s': %s", path, strerror(err ? err : EIO));
        return NULL;
    }
    uint32_t file = diag_add_file(path, text, size);
    return geodata_parse_csv(a, file, text, size);
}

const geodata_range_t *geodata_find(const geodata_t *g, int family, const uint8_t *addr)
{
    uint8_t key[16] = {0};
    memcpy(key, addr, family == 4 ? 4 : 16);
    size_t lo = family == 4 ? 0 : g->count4, hi = family == 4 ? g->count4 : g->count;
    while (lo < hi) { /* first range whose end >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_addr(g->ranges[mid].end, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < (family == 4 ? g->count4 : g->count) && cmp_addr(g->ranges[lo].start, key) <= 0)
        return &g->ranges[lo];
    return NULL;
}

/* --- MaxMind DB ------------------------------------------------------------ */

#ifdef GEODATA_MMDB

/* libmaxminddb is opened with dlopen() on first use: the headers are needed
 * to build, the library only when a .mmdb file is actually read, and the
 * link line needs no -lmaxminddb (zonec's outputs never use it). */
static struct {
    int tried, ok;
    int (*open)(const char *, uint32_t, MMDB_s *);
    void (*close)(MMDB_s *);
    int (*read_node)(const MMDB_s *, uint32_t, MMDB_search_node_s *);
    int (*get_value)(MMDB_entry_s *, MMDB_entry_data_s *, ...);
    const char *(*strerror)(int);
} mmdb;

int geodata_have_mmdb(void)
{
    if (!mmdb.tried) {
        mmdb.tried = 1;
        void *h = dlopen("libmaxminddb.so.0", RTLD_NOW | RTLD_LOCAL);
        if (!h)
            return 0;
        *(void **)&mmdb.open = dlsym(h, "MMDB_open");
        *(void **)&mmdb.close = dlsym(h, "MMDB_close");
        *(void **)&mmdb.read_node = dlsym(h, "MMDB_read_node");
        *(void **)&mmdb.get_value = dlsym(h, "MMDB_get_value");
        *(void **)&mmdb.strerror = dlsym(h, "MMDB_strerror");
        mmdb.ok = mmdb.open && mmdb.close && mmdb.read_node && mmdb.get_value && mmdb.strerror;
    }
    return mmdb.ok;
}

#define MMDB_open mmdb.open
#define MMDB_close mmdb.close
#define MMDB_read_node mmdb.read_node
#define MMDB_get_value mmdb.get_value
#define MMDB_strerror mmdb.strerror

struct mm {
    MMDB_s db;
    arena_t *a;
    loc_t ref;
    const char *path;
    uint32_t ipv4_node;         /* the node at ::/96 in an IPv6 tree (or UINT32_MAX) */
    unsigned width;             /* 32 or 128 */
    geodata_range_t *v;         /* growing vector (xrealloc), copied into the arena at the end */
    size_t n, cap;
    uint32_t last_off;          /* decode cache: the data record decoded last */
    geodata_range_t last;
    int failed;
};

/* Copies a string entry of at most `max` bytes; 0 when absent or too long. */
static size_t mm_string(MMDB_entry_data_s *d, char *out, size_t max)
{
    if (!d->has_data || d->type != MMDB_DATA_TYPE_UTF8_STRING || d->data_size == 0 || d->data_size > max)
        return 0;
    memcpy(out, d->utf8_string, d->data_size);
    out[d->data_size] = 0;
    return d->data_size;
}

static int mm_number(MMDB_entry_data_s *d, double *v)
{
    if (!d->has_data)
        return 0;
    switch (d->type) {
    case MMDB_DATA_TYPE_DOUBLE: *v = d->double_value; return 1;
    case MMDB_DATA_TYPE_FLOAT: *v = d->float_value; return 1;
    case MMDB_DATA_TYPE_INT32: *v = d->int32; return 1;
    case MMDB_DATA_TYPE_UINT16: *v = d->uint16; return 1;
    case MMDB_DATA_TYPE_UINT32: *v = d->uint32; return 1;
    }
    return 0;
}

static int32_t to_e6(double v)
{
    double x = v * 1e6;
    return (int32_t)(x < 0 ? x - 0.5 : x + 0.5);
}

/* Decodes the location of one data record into m->last. */
static void mm_decode(struct mm *m, MMDB_entry_s *e)
{
    geodata_range_t *r = &m->last;
    memset(r, 0, sizeof *r);
    MMDB_entry_data_s d;
    char cc[8] = "", sub[8] = "";
    if (MMDB_get_value(e, &d, "country", "iso_code", NULL) != MMDB_SUCCESS || !mm_string(&d, cc, 2))
        if (MMDB_get_value(e, &d, "country_code", NULL) != MMDB_SUCCESS || !mm_string(&d, cc, 2))
            cc[0] = 0;
    if (strlen(cc) == 2 && is_alpha(cc[0]) && is_alpha(cc[1])) {
        r->country[0] = (char)upper(cc[0]);
        r->country[1] = (char)upper(cc[1]);
    }
    if (r->country[0] && MMDB_get_value(e, &d, "subdivisions", "0", "iso_code", NULL) == MMDB_SUCCESS &&
        mm_string(&d, sub, 3)) {
        int good = 1;
        for (const char *s = sub; *s; s++)
            good &= is_alnum(*s);
        if (good) { /* "US" + "CA" -> "US-CA" (sub is 1..3 bytes) */
            memcpy(r->subdivision, r->country, 2);
            r->subdivision[2] = '-';
            memcpy(r->subdivision + 3, sub, strlen(sub) + 1);
        }
    }
    double lat, lon;
    int have = MMDB_get_value(e, &d, "location", "latitude", NULL) == MMDB_SUCCESS && mm_number(&d, &lat);
    have = have && MMDB_get_value(e, &d, "location", "longitude", NULL) == MMDB_SUCCESS && mm_number(&d, &lon);
    if (!have) {
        have = MMDB_get_value(e, &d, "latitude", NULL) == MMDB_SUCCESS && mm_number(&d, &lat);
        have = have && MMDB_get_value(e, &d, "longitude", NULL) == MMDB_SUCCESS && mm_number(&d, &lon);
    }
    if (have && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) {
        r->has_coord = 1;
        r->lat_e6 = to_e6(lat);
        r->lon_e6 = to_e6(lon);
    }
}

/* Adds the network bits/len (a data record) to the vector. */
static void mm_emit(struct mm *m, const uint8_t *bits, unsigned len, MMDB_entry_s *e)
{
    if (e->offset != m->last_off) {
        mm_decode(m, e);
        m->last_off = e->offset;
    }
    if (!m->last.country[0] && !m->last.has_coord)
        return; /* nothing we use */
    int family = 6;
    unsigned width = m->width, off = 0;
    if (width == 32) {
        family = 4;
    } else if (len >= 96) {
        static const uint8_t zero[12];
        if (!memcmp(bits, zero, 12)) { /* ::/96 is the IPv4 space */
            family = 4;
            off = 96;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 4096;
        m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    geodata_range_t *r = &m->v[m->n++];
    *r = m->last;
    r->family = (uint8_t)family;
    memset(r->start, 0, 16);
    memset(r->end, 0, 16);
    unsigned fw = family == 4 ? 32 : 128;
    for (unsigned i = 0; i < fw; i++) {
        unsigned src = i + off;
        unsigned bit = i < len - off ? (bits[src >> 3] >> (7 - (src & 7))) & 1u : 0u;
        if (bit)
            r->start[i >> 3] |= (uint8_t)(0x80 >> (i & 7));
        if (bit || i >= len - off)
            r->end[i >> 3] |= (uint8_t)(0x80 >> (i & 7));
    }
}

/* Walks the subtree at `node` (depth bits in `bits`; `zero`: all of them 0). */
static void mm_walk(struct mm *m, uint32_t node, unsigned depth, uint8_t *bits, int zero)
{
    MMDB_search_node_s sn;
    if (m->failed)
        return;
    int st = MMDB_read_node(&m->db, node, &sn);
    if (st != MMDB_SUCCESS) {
        diag_error(m->ref, "cannot read MaxMind DB '%s': %s", m->path, MMDB_strerror(st));
        m->failed = 1;
        return;
    }
    for (unsigned side = 0; side < 2; side++) {
        uint64_t rec = side ? sn.right_record : sn.left_record;
        uint8_t type = side ? sn.right_record_type : sn.left_record_type;
        MMDB_entry_s *e = side ? &sn.right_record_entry : &sn.left_record_entry;
        if (side)
            bits[depth >> 3] |= (uint8_t)(0x80 >> (depth & 7));
        switch (type) {
        case MMDB_RECORD_TYPE_SEARCH_NODE:
            if (depth + 1 >= m->width) {
                diag_error(m->ref, "cannot read MaxMind DB '%s': search tree deeper than %u bits",
                           m->path, m->width);
                m->failed = 1;
                break;
            }
            /* IPv4 aliases (::ffff:0:0/96, 2002::/16) point at the ::/96
             * node; only the path of 96 zero bits walks it. */
            if ((uint32_t)rec == m->ipv4_node && !(depth + 1 == 96 && side == 0 && zero))
                break;
            mm_walk(m, (uint32_t)rec, depth + 1, bits, zero && side == 0);
            break;
        case MMDB_RECORD_TYPE_DATA:
            mm_emit(m, bits, depth + 1, e);
            if (m->width == 128 && depth + 1 < 96 && zero && side == 0)
                mm_emit(m, bits, 96, e); /* a network containing ::/96: all of IPv4 too */
            break;
        case MMDB_RECORD_TYPE_EMPTY:
            break;
        default:
            diag_error(m->ref, "cannot read MaxMind DB '%s': corrupt search tree", m->path);
            m->failed = 1;
            break;
        }
        if (side)
            bits[depth >> 3] &= (uint8_t)~(0x80 >> (depth & 7));
        if (m->failed)
            return;
    }
}

geodata_t *geodata_read_mmdb(arena_t *a, const char *path, loc_t ref)
{
    if (!geodata_have_mmdb()) {
        diag_error(ref, "cannot read MaxMind DB '%s': libmaxminddb is not installed (libmaxminddb0)", path);
        return NULL;
    }
    struct mm m;
    memset(&m, 0, sizeof m);
    m.a = a;
    m.ref = ref;
    m.path = path;
    m.last_off = UINT32_MAX;
    int st = MMDB_open(path, MMDB_MODE_MMAP, &m.db);
    if (st != MMDB_SUCCESS) {
        if (st == MMDB_IO_ERROR)
            diag_error(ref, "cannot open '%s': %s", path, strerror(errno));
        else
            diag_error(ref, "cannot read MaxMind DB '%s': %s", path, MMDB_strerror(st));
        return NULL;
    }
    m.width = m.db.metadata.ip_version == 4 ? 32 : 128;
    m.ipv4_node = UINT32_MAX;
    if (m.width == 128) {
        /* follow 96 zero bits from the root */
        uint32_t node = 0;
        MMDB_search_node_s sn;
        unsigned d = 0;
        for (; d < 96; d++) {
            if (MMDB_read_node(&m.db, node, &sn) != MMDB_SUCCESS ||
                sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
                break;
            node = (uint32_t)sn.left_record;
        }
        if (d == 96)
            m.ipv4_node = node;
    }
    uint32_t file = diag_add_file(path, NULL, 0);
    uint8_t bits[16] = {0};
    if (m.db.metadata.node_count > 0)
        mm_walk(&m, 0, 0, bits, 1);
    MMDB_close(&m.db);
    if (m.failed) {
        free(m.v);
        return NULL;
    }
    geodata_t *g = arena_alloc(a, sizeof *g);
    g->file = file;
    g->count = m.n;
    g->ranges = m.n ? arena_memdup(a, m.v, m.n * sizeof *m.v) : NULL;
    free(m.v);
    normalise(a, g, 0);
    return g;
}

#else /* no <maxminddb.h> */

int geodata_have_mmdb(void)
{
    return 0;
}

geodata_t *geodata_read_mmdb(arena_t *a, const char *path, loc_t ref)
{
    diag_error(ref, "MaxMind DB support is not built in (install libmaxminddb-dev and rebuild)");
    return NULL;
}

#endif
