/* latency.c -- read the latency YAML with libyaml's document API
 * SPDX-License-Identifier: MIT
 *
 * The document API gives a tree with marks on every node, which is all the
 * checks need; the file is small. Aliases resolve to shared nodes, but the
 * walk below follows the fixed shape of the file, so it is bounded whatever
 * the YAML does.
 */
#include "latency.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "geodata.h"

struct ctx {
    arena_t *a;
    uint32_t file;
    yaml_document_t *doc;
    latency_t *l;
};

static loc_t node_loc(const struct ctx *c, const yaml_node_t *n)
{
    return (loc_t){c->file, (uint32_t)n->start_mark.line + 1, (uint32_t)n->start_mark.column + 1};
}

static yaml_node_t *node(const struct ctx *c, int idx)
{
    return yaml_document_get_node(c->doc, idx);
}

/* The scalar's text as a NUL-terminated copy, or NULL after an error. */
static char *scalar(const struct ctx *c, const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE) {
        diag_error(node_loc(c, n), "expected a scalar value");
        return NULL;
    }
    return arena_strndup(c->a, (const char *)n->data.scalar.value, n->data.scalar.length);
}

static int expect(const struct ctx *c, const yaml_node_t *n, yaml_node_type_t type)
{
    if (n->type == type)
        return 1;
    diag_error(node_loc(c, n), "expected a %s", type == YAML_MAPPING_NODE ? "mapping" : "sequence");
    return 0;
}

/* Iterates the pairs of mapping `m`, reporting a key that repeats one
 * before it; calls fn for each first occurrence with the key text. */
typedef void (*pair_fn)(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg);

static void each_pair(struct ctx *c, yaml_node_t *m, pair_fn fn, void *arg, int dup_check)
{
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (!k || !v)
            continue;
        char *key = scalar(c, k);
        if (!key)
            continue;
        int dup = 0;
        for (yaml_node_pair_t *q = m->data.mapping.pairs.start; dup_check && q < p && !dup; q++) {
            yaml_node_t *qk = node(c, q->key);
            if (qk && qk->type == YAML_SCALAR_NODE && qk->data.scalar.length == strlen(key) &&
                !memcmp(qk->data.scalar.value, key, strlen(key))) {
                diag_error(node_loc(c, k), "duplicate key '%s'", key);
                diag_note(node_loc(c, qk), "first given here");
                dup = 1;
            }
        }
        if (!dup)
            fn(c, key, k, v, arg);
    }
}

/* --- regions ---------------------------------------------------------------- */

struct coord {
    int32_t lat, lon;
    int have_lat, have_lon, bad;
    const char *region;
};

static void coord_pair(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    struct coord *co = arg;
    int is_lat = !strcmp(key, "lat"), is_lon = !strcmp(key, "lon");
    if (!is_lat && !is_lon) {
        diag_error(node_loc(c, k), "unknown key '%s' in region '%s' (expected 'lat' and 'lon')", key,
                   co->region);
        co->bad = 1;
        return;
    }
    char *s = scalar(c, v);
    if (!s) {
        co->bad = 1;
        return;
    }
    if (geodata_parse_coord(s, strlen(s), is_lat ? 90 : 180, is_lat ? &co->lat : &co->lon)) {
        diag_error(node_loc(c, v), is_lat ? "bad latitude '%s' (expected a number in -90..90)"
                                          : "bad longitude '%s' (expected a number in -180..180)", s);
        co->bad = 1;
    }
    *(is_lat ? &co->have_lat : &co->have_lon) = 1;
}

static void region_pair(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    latency_t *l = c->l;
    for (size_t i = 0; i < l->region_count; i++)
        if (!strcmp(l->regions[i].name, key)) {
            diag_error(node_loc(c, k), "duplicate region '%s'", key);
            diag_note(l->regions[i].loc, "first defined here");
            return;
        }
    struct coord co = {.region = key};
    if (!expect(c, v, YAML_MAPPING_NODE))
        return;
    each_pair(c, v, coord_pair, &co, 1);
    if (!co.have_lat || !co.have_lon) {
        diag_error(node_loc(c, k), "region '%s' has no '%s'", key, co.have_lat ? "lon" : "lat");
        co.bad = 1;
    }
    /* a region with bad coordinates is still registered, so rtt entries
     * naming it do not cascade into "unknown region" */
    latency_region_t *r = &l->regions[l->region_count++];
    r->name = key;
    r->lat_e6 = co.lat;
    r->lon_e6 = co.lon;
    r->loc = node_loc(c, k);
}

/* --- rtt -------------------------------------------------------------------- */

/* Parses milliseconds with up to 3 decimals into microseconds. */
static int parse_ms(const char *s, uint32_t *us)
{
    uint64_t v = 0;
    int digits = 0, frac = -1;
    for (; *s; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (*s < '0' || *s > '9')
            return -1;
        if (frac >= 0 && ++frac > 3)
            continue; /* sub-microsecond digits are dropped */
        v = v * 10 + (uint64_t)(*s - '0');
        digits++;
        if (v > 3600000000ull)
            return -1;
    }
    if (!digits)
        return -1;
    for (int f = frac < 0 ? 0 : (frac > 3 ? 3 : frac); f < 3; f++)
        v *= 10;
    if (v > 3600000000ull)
        return -1;
    *us = (uint32_t)v;
    return 0;
}

struct entry {
    latency_rtt_t *e;
    yaml_node_t *prefix, *ms;
    int bad;
};

static void ms_pair(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    struct entry *en = arg;
    long r = latency_region_find(c->l, key, strlen(key));
    if (r < 0) {
        diag_error(node_loc(c, k), "unknown region '%s' (not in 'regions')", key);
        en->bad = 1;
        return;
    }
    char *s = scalar(c, v);
    uint32_t us;
    if (!s || parse_ms(s, &us)) {
        if (s)
            diag_error(node_loc(c, v), "bad RTT '%s' (expected milliseconds: a number from 0 to 3600000)", s);
        en->bad = 1;
        return;
    }
    en->e->rtt_us[r] = us;
}

static void entry_pair(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    struct entry *en = arg;
    if (!strcmp(key, "prefix"))
        en->prefix = v;
    else if (!strcmp(key, "ms"))
        en->ms = v;
    else {
        diag_error(node_loc(c, k), "unknown key '%s' in an rtt entry (expected 'prefix' and 'ms')", key);
        en->bad = 1;
    }
}

static void rtt_entry(struct ctx *c, yaml_node_t *item)
{
    latency_t *l = c->l;
    if (!expect(c, item, YAML_MAPPING_NODE))
        return;
    latency_rtt_t *e = &l->rtts[l->rtt_count];
    e->rtt_us = arena_alloc_array(c->a, l->region_count ? l->region_count : 1, sizeof *e->rtt_us);
    for (size_t i = 0; i < l->region_count; i++)
        e->rtt_us[i] = LATENCY_NO_RTT;
    struct entry en = {e, NULL, NULL, 0};
    each_pair(c, item, entry_pair, &en, 1);
    if (!en.prefix || !en.ms) {
        diag_error(node_loc(c, item), "rtt entry has no '%s'", en.prefix ? "ms" : "prefix");
        en.bad = 1;
    }
    if (en.prefix) {
        char *s = scalar(c, en.prefix);
        int rc = s ? prefix_parse(s, strlen(s), &e->prefix) : PREFIX_E_ADDR;
        e->loc = node_loc(c, en.prefix);
        if (s && rc != PREFIX_OK)
            diag_error(e->loc, "bad prefix '%s': %s", s, prefix_strerror(rc));
        if (rc != PREFIX_OK)
            en.bad = 1;
        for (size_t i = 0; rc == PREFIX_OK && i < l->rtt_count; i++) {
            const prefix_cidr_t *p = &l->rtts[i].prefix;
            if (p->family == e->prefix.family && p->len == e->prefix.len && !memcmp(p->addr, e->prefix.addr, 16)) {
                diag_error(e->loc, "duplicate prefix '%s'", s);
                diag_note(l->rtts[i].loc, "first given here");
                en.bad = 1;
                break;
            }
        }
    }
    if (en.ms && expect(c, en.ms, YAML_MAPPING_NODE))
        each_pair(c, en.ms, ms_pair, &en, 1);
    else if (en.ms)
        en.bad = 1;
    if (!en.bad)
        l->rtt_count++;
}

/* --- top level -------------------------------------------------------------- */

struct top {
    yaml_node_t *regions, *rtt;
};

static void top_pair(struct ctx *c, const char *key, yaml_node_t *k, yaml_node_t *v, void *arg)
{
    struct top *t = arg;
    if (!strcmp(key, "regions"))
        t->regions = v;
    else if (!strcmp(key, "rtt"))
        t->rtt = v;
    else
        diag_error(node_loc(c, k), "unknown key '%s' (expected 'regions' or 'rtt')", key);
}

static void yaml_problem(uint32_t file, const yaml_parser_t *p)
{
    loc_t loc = {file, (uint32_t)p->problem_mark.line + 1, (uint32_t)p->problem_mark.column + 1};
    if (p->context)
        diag_error(loc, "invalid YAML: %s %s", p->problem ? p->problem : "error", p->context);
    else
        diag_error(loc, "invalid YAML: %s", p->problem ? p->problem : "error");
}

latency_t *latency_parse(arena_t *a, uint32_t file, const char *text, size_t len)
{
    latency_t *l = arena_alloc(a, sizeof *l);
    l->file = file;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        diag_error((loc_t){file, 0, 0}, "invalid YAML: out of memory");
        return l;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_problem(file, &parser);
        yaml_parser_delete(&parser);
        return l;
    }
    struct ctx c = {a, file, &doc, l};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    struct top t = {NULL, NULL};
    if (root && expect(&c, root, YAML_MAPPING_NODE))
        each_pair(&c, root, top_pair, &t, 1);
    if (!t.regions) {
        if (!root || root->type == YAML_MAPPING_NODE)
            diag_error(root ? node_loc(&c, root) : (loc_t){file, 0, 0}, "latency file has no 'regions'");
    } else if (expect(&c, t.regions, YAML_MAPPING_NODE)) {
        size_t n = (size_t)(t.regions->data.mapping.pairs.top - t.regions->data.mapping.pairs.start);
        l->regions = arena_alloc_array(a, n ? n : 1, sizeof *l->regions);
        each_pair(&c, t.regions, region_pair, NULL, 0);
    }
    if (t.rtt && expect(&c, t.rtt, YAML_SEQUENCE_NODE)) {
        size_t n = (size_t)(t.rtt->data.sequence.items.top - t.rtt->data.sequence.items.start);
        l->rtts = arena_alloc_array(a, n ? n : 1, sizeof *l->rtts);
        for (yaml_node_item_t *i = t.rtt->data.sequence.items.start; i < t.rtt->data.sequence.items.top; i++) {
            yaml_node_t *item = node(&c, *i);
            if (item)
                rtt_entry(&c, item);
        }
    }
    /* a second document is a mistake (and may hide a syntax error) */
    yaml_document_t doc2;
    if (!yaml_parser_load(&parser, &doc2)) {
        yaml_problem(file, &parser);
    } else {
        yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
        if (r2)
            diag_error((loc_t){file, (uint32_t)r2->start_mark.line + 1, (uint32_t)r2->start_mark.column + 1},
                       "more than one YAML document");
        yaml_document_delete(&doc2);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return l;
}

latency_t *latency_load(arena_t *a, const char *path, loc_t ref)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(ref, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, n = 0, got;
    char *buf = xmalloc(cap);
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err) {
        free(buf);
        diag_error(ref, "cannot open '%s': %s", path, strerror(err));
        return NULL;
    }
    char *text = arena_memdup(a, buf, n + 1);
    text[n] = 0;
    free(buf);
    uint32_t file = diag_add_file(path, text, n);
    return latency_parse(a, file, text, n);
}

long latency_region_find(const latency_t *l, const char *name, size_t len)
{
    for (size_t i = 0; i < l->region_count; i++)
        if (strlen(l->regions[i].name) == len && !memcmp(l->regions[i].name, name, len))
            return (long)i;
    return -1;
}
