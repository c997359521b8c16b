/* zpl.c -- reads ZPL policy files into the IR (see zpl.h)
 * SPDX-License-Identifier: MIT
 *
 * Parse (policy.c/grammar) -> walk statements in order -> includes recurse,
 * zones lower into the IR. Static data (ttl, soa, ns, records, value sets
 * without checks) becomes RRs now; routing constructs (check, cidrset,
 * geodata, latency and policy records) stay in the tree: every parsed file
 * is appended to ir->zpl_files, and pir_build() (pir.h) validates them once
 * all inputs are read.
 *
 * Includes: a path is relative to the including file; a file already on the
 * include stack is a cycle (error); a file already read completely through
 * another path is skipped (include once), so shared definitions included
 * by several files are defined once.
 */
#include "zpl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dname.h"
#include "pir.h"
#include "policy.h"
#include "rrtype.h"
#include "zonefile.h"

#define ZPL_MAX_DEPTH 64        /* include nesting */
#define ZPL_DEFAULT_TTL 3600    /* zone TTL when `ttl` is absent */
#define ZPL_RDATA_MAX 65535

/* SOA fields when omitted (RFC 1912 §2.2 style values) */
#define ZPL_SOA_SERIAL 1
#define ZPL_SOA_REFRESH 3600
#define ZPL_SOA_RETRY 900
#define ZPL_SOA_EXPIRE 604800
#define ZPL_SOA_MINIMUM 300

typedef struct zpl {
    ir_t *ir;
    arena_t *scratch;           /* per record, reset after each */
    struct zpl_id { dev_t dev; ino_t ino; } open[ZPL_MAX_DEPTH]; /* include stack */
    unsigned depth;
    struct zpl_id *done;        /* files read completely (include once) */
    size_t done_count;
    uint8_t rdata[ZPL_RDATA_MAX];
} zpl_t;

static const uint8_t root_name[1] = {0};

static void read_one(zpl_t *z, const char *path, const char *shown, loc_t include_loc);

/* The directory part of `path` (no trailing slash), "" when none. */
static char *dir_of(arena_t *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == path)
        return arena_strdup(a, "/");
    return arena_strndup(a, path, slash ? (size_t)(slash - path) : 0);
}

/* `rel` relative to directory `dir` (as returned by dir_of). */
static char *join(arena_t *a, const char *dir, const char *rel)
{
    if (rel[0] == '/' || dir[0] == 0)
        return arena_strdup(a, rel);
    return arena_sprintf(a, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", rel);
}

/* A path from a string token, joined to `dir`; NUL bytes are refused.
 * *shown is the name as written (for messages). */
static char *path_from_tok(zpl_t *z, const policy_tok_t *t, const char *dir, const char **shown)
{
    size_t n;
    char *s = policy_string(z->ir->arena, t, &n, NULL);
    if (n == 0 || strlen(s) != n) {
        diag_error(t->loc, "invalid file name");
        return NULL;
    }
    if (shown)
        *shown = s;
    return join(z->ir->arena, dir, s);
}

/* A domain name token relative to `origin`; reports and returns 0 on error. */
static int name_from_tok(const policy_tok_t *t, const uint8_t *origin, uint8_t *out)
{
    size_t len = 0;
    int rc = dname_from_text(out, &len, t->text, t->len, origin);
    if (rc != DNAME_OK) {
        diag_error(t->loc, "%s", dname_strerror(rc));
        return 0;
    }
    return 1;
}

static int ttl_from_tok(const policy_tok_t *t, uint32_t *out)
{
    int rc = policy_duration(t, IR_TTL_MAX, out);
    if (rc == -2)
        diag_error(t->loc, "TTL out of range (0..2147483647)");
    else if (rc < 0)
        diag_error(t->loc, "invalid duration '%.*s'", (int)t->len, t->text);
    return rc == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* soa MNAME RNAME [serial N] [refresh D] [retry D] [expire D] [minimum D]; */
static void lower_soa(zpl_t *z, ir_zone_t *zone, const policy_zitem_t *it, uint32_t ttl)
{
    static const char *const names[] = {
        [POLICY_OPT_SERIAL] = "serial", [POLICY_OPT_REFRESH] = "refresh",
        [POLICY_OPT_RETRY] = "retry",   [POLICY_OPT_EXPIRE] = "expire",
        [POLICY_OPT_MINIMUM] = "minimum",
    };
    uint32_t v[5] = {ZPL_SOA_SERIAL, ZPL_SOA_REFRESH, ZPL_SOA_RETRY, ZPL_SOA_EXPIRE, ZPL_SOA_MINIMUM};
    const policy_opt_t *seen[5] = {0};
    uint8_t mname[DNAME_MAX], rname[DNAME_MAX];
    int ok = name_from_tok(&it->mname, zone->apex, mname);
    ok &= name_from_tok(&it->rname, zone->apex, rname);
    for (const policy_opt_t *o = it->opts; o; o = o->next) {
        unsigned i = o->kind - POLICY_OPT_SERIAL;
        if (seen[i]) {
            diag_error(o->loc, "'%s' given twice", names[o->kind]);
            diag_note(seen[i]->loc, "first given here");
            ok = 0;
            continue;
        }
        seen[i] = o;
        if (o->kind == POLICY_OPT_SERIAL) {
            if (policy_number(&o->val, UINT32_MAX, &v[i]) != 0) {
                diag_error(o->val.loc, "serial out of range (0..4294967295)");
                ok = 0;
            }
        } else {
            ok &= ttl_from_tok(&o->val, &v[i]);
        }
    }
    if (!ok)
        return;
    size_t ml = dname_len(mname), rl = dname_len(rname);
    memcpy(z->rdata, mname, ml);
    memcpy(z->rdata + ml, rname, rl);
    for (unsigned i = 0; i < 5; i++)
        put32(z->rdata + ml + rl + 4 * i, v[i]);
    ir_add_rr(z->ir, zone, zone->apex, RR_SOA, ttl, z->rdata, (uint16_t)(ml + rl + 20), it->loc);
}

/* ns A, B; */
static void lower_ns(zpl_t *z, ir_zone_t *zone, const policy_zitem_t *it, uint32_t ttl)
{
    for (const policy_value_t *v = it->names; v; v = v->next) {
        uint8_t name[DNAME_MAX];
        if (name_from_tok(&v->tok, zone->apex, name))
            ir_add_rr(z->ir, zone, zone->apex, RR_NS, ttl, name, (uint16_t)dname_len(name), v->tok.loc);
    }
}

/* OWNER TYPE [ttl D] RULE */
static void lower_record(zpl_t *z, ir_zone_t *zone, const policy_zitem_t *it, uint32_t ttl)
{
    uint8_t owner[DNAME_MAX];
    uint16_t type = 0;
    int ok = name_from_tok(&it->owner, zone->apex, owner);
    if (!rrtype_from_text(it->type.text, it->type.len, &type)) {
        diag_error(it->type.loc, "unknown record type '%.*s'", (int)it->type.len, it->type.text);
        ok = 0;
    }
    if (it->ttl.text)
        ok &= ttl_from_tok(&it->ttl, &ttl);
    const policy_rule_t *r = it->rule;
    if (pir_is_policy_record(it) || !ok)
        return; /* a policy record: pir_build() takes it from ir->zpl_files */
    for (const policy_value_t *v = r->values; v; v = v->next) {
        rdata_field_t *fields;
        size_t n = policy_value_fields(z->scratch, type, &v->tok, &fields);
        if (n == 0)
            continue;
        int len = rrtype_rdata_from_text(type, fields, n, zone->apex, z->rdata, sizeof z->rdata,
                                         it->owner.loc);
        if (len >= 0)
            ir_add_rr(z->ir, zone, owner, type, ttl, z->rdata, (uint16_t)len, it->owner.loc);
    }
    arena_reset(z->scratch);
}

/* zone NAME { ... } */
static void lower_zone(zpl_t *z, const policy_stmt_t *s, uint32_t file, const char *dir)
{
    uint8_t apex[DNAME_MAX];
    if (!name_from_tok(&s->arg, root_name, apex))
        return;
    ir_zone_t *zone = ir_zone_add(z->ir, apex, s->arg.loc);

    /* the zone TTL applies to every statement, wherever it is written */
    uint32_t ttl = ZPL_DEFAULT_TTL;
    const policy_zitem_t *ttl_item = NULL;
    for (const policy_zitem_t *it = s->items; it; it = it->next) {
        if (it->kind != POLICY_Z_TTL)
            continue;
        if (ttl_item) {
            diag_error(it->loc, "'ttl' given twice in zone");
            diag_note(ttl_item->loc, "first given here");
            continue;
        }
        ttl_item = it;
        ttl_from_tok(&it->arg, &ttl);
    }
    zone->default_ttl = ttl;

    zonefile_opts_t opts = {.origin = zone->apex, .default_ttl = ttl, .have_default_ttl = 1};
    for (const policy_zitem_t *it = s->items; it; it = it->next) {
        switch (it->kind) {
        case POLICY_Z_TTL:
            break;
        case POLICY_Z_SOA:
            lower_soa(z, zone, it, ttl);
            break;
        case POLICY_Z_NS:
            lower_ns(z, zone, it, ttl);
            break;
        case POLICY_Z_RECORDS:
            zonefile_read_text(z->ir, zone, file, it->arg.text, it->arg.len, it->arg.loc.line,
                               it->arg.loc.col, dir[0] ? dir : ".", &opts);
            break;
        case POLICY_Z_RECORDS_FROM: {
            char *path = path_from_tok(z, &it->arg, dir, NULL);
            struct stat st;
            if (path && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                /* a device or FIFO could be read forever or block */
                diag_error(it->arg.loc, "cannot open included file '%s': %s", path,
                           S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
                break;
            }
            if (path)
                zonefile_read_file(z->ir, zone, path, it->arg.loc, &opts);
            break;
        }
        case POLICY_Z_RECORD:
            lower_record(z, zone, it, ttl);
            break;
        }
    }
    arena_reset(z->scratch);
}

/* Statements of one parsed file, in order. */
static void lower_file(zpl_t *z, const policy_file_t *f, const char *path)
{
    const char *dir = dir_of(z->ir->arena, path);
    for (const policy_stmt_t *s = f->stmts; s; s = s->next) {
        switch (s->kind) {
        case POLICY_S_INCLUDE: {
            const char *shown = NULL;
            char *inc = path_from_tok(z, &s->arg, dir, &shown);
            if (inc)
                read_one(z, inc, shown, s->arg.loc);
            break;
        }
        case POLICY_S_GEODATA:
        case POLICY_S_LATENCY:
        case POLICY_S_CHECK:
        case POLICY_S_CIDRSET:
            break; /* pir_build() reads these from ir->zpl_files */
        case POLICY_S_ZONE:
            lower_zone(z, s, f->file, dir);
            break;
        }
    }
}

/* Reads a whole file into the IR arena. Returns 0 or an errno value. */
static int slurp(arena_t *a, int fd, char **text, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return e;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *text = arena_memdup(a, buf, n ? n : 1);
    *len = n;
    free(buf);
    return 0;
}

/* Registers `text` (alive until exit) as file `path`, parses and lowers it. */
static void parse_and_lower(zpl_t *z, const char *path, char *text, size_t len)
{
    uint32_t file = diag_add_file(path, text, len);
    policy_file_t *f = policy_parse(z->ir->arena, file, text, len);
    /* for pir_build(): every parsed file, in reading order (arena-owned;
     * doubling keeps the copies O(n) in all) */
    ir_t *ir = z->ir;
    size_t n = ir->zpl_file_count;
    if ((n & (n - 1)) == 0) { /* 0, 1, 2, 4, ...: full, grow */
        const policy_file_t **grown = arena_alloc_array(ir->arena, n ? 2 * n : 4, sizeof *grown);
        if (n)
            memcpy(grown, ir->zpl_files, n * sizeof *grown);
        ir->zpl_files = grown;
    }
    ir->zpl_files[ir->zpl_file_count++] = f;
    lower_file(z, f, path);
}

/* Reads, parses and lowers `path`; `shown` is how messages name it (the
 * include string as written). */
static void read_one(zpl_t *z, const char *path, const char *shown, loc_t include_loc)
{
    int top = include_loc.file == 0 && include_loc.line == 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (top)
            diag_error(include_loc, "cannot open '%s': %s", path, strerror(e));
        else
            diag_error(include_loc, "cannot open included file '%s': %s", shown, strerror(e));
        if (fd >= 0)
            close(fd);
        return;
    }
    for (unsigned i = 0; i < z->depth; i++) {
        if (z->open[i].dev == st.st_dev && z->open[i].ino == st.st_ino) {
            diag_error(include_loc, "include cycle: '%s' includes itself", shown);
            close(fd);
            return;
        }
    }
    /* A file reached again by another path (a diamond of includes) was
     * read already: its zones and checks must not be defined twice. */
    for (size_t i = 0; i < z->done_count; i++) {
        if (z->done[i].dev == st.st_dev && z->done[i].ino == st.st_ino) {
            close(fd);
            return;
        }
    }
    if (z->depth == ZPL_MAX_DEPTH) {
        diag_error(include_loc, "includes nested too deeply (more than %d)", ZPL_MAX_DEPTH);
        close(fd);
        return;
    }
    /* Only regular files are included: a device (/dev/zero) or a FIFO could
     * make the compiler read forever or block. */
    if (!top && !S_ISREG(st.st_mode)) {
        diag_error(include_loc, "cannot open included file '%s': %s", shown,
                   S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
        close(fd);
        return;
    }
    char *text = NULL;
    size_t len = 0;
    int e = slurp(z->ir->arena, fd, &text, &len);
    close(fd);
    if (e) {
        if (top)
            diag_error(include_loc, "cannot open '%s': %s", path, strerror(e));
        else
            diag_error(include_loc, "cannot open included file '%s': %s", shown, strerror(e));
        return;
    }
    if (len > INT32_MAX) {
        diag_error(include_loc, "'%s' is too large", shown);
        return;
    }
    z->open[z->depth].dev = st.st_dev;
    z->open[z->depth].ino = st.st_ino;
    z->depth++;
    parse_and_lower(z, path, text, len);
    z->depth--;
    z->done = xrealloc(z->done, (z->done_count + 1) * sizeof *z->done);
    z->done[z->done_count++] = (struct zpl_id){st.st_dev, st.st_ino};
}

static zpl_t *zpl_new(ir_t *ir)
{
    /* rdata is scratch, written before every use: only the rest is zeroed
     * (not 64 KiB per file read) */
    zpl_t *z = xmalloc(sizeof *z);
    memset(z, 0, offsetof(zpl_t, rdata));
    z->ir = ir;
    z->scratch = arena_new(0);
    return z;
}

static void zpl_free(zpl_t *z)
{
    arena_free(z->scratch);
    free(z->done);
    free(z);
}

unsigned zpl_read_text(ir_t *ir, const char *path, const char *text, size_t len)
{
    unsigned before = diag_error_count();
    if (len > INT32_MAX) {
        diag_error((loc_t){0, 0, 0}, "'%s' is too large", path);
        return diag_error_count() - before;
    }
    zpl_t *z = zpl_new(ir);
    char *copy = arena_memdup(ir->arena, len ? text : "", len ? len : 1);
    parse_and_lower(z, path, copy, len);
    zpl_free(z);
    return diag_error_count() - before;
}

unsigned zpl_read_file(ir_t *ir, const char *path, loc_t include_loc)
{
    unsigned before = diag_error_count();
    zpl_t *z = zpl_new(ir);
    read_one(z, path, path, include_loc);
    zpl_free(z);
    return diag_error_count() - before;
}
