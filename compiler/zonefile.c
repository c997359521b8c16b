/* zonefile.c -- RFC 1035 master-file reader producing IR records (see zonefile.h)
 * SPDX-License-Identifier: MIT
 *
 * The zl_ scanner (grammar/zone.l) cuts the text into tokens; this file
 * groups them into logical lines (one RR or directive; newlines inside
 * parentheses do not end it), then reads directives and RRs. Behaviour
 * follows Knot DNS 3.x, the reference server, where RFC 1035 leaves room:
 *  - an omitted TTL is $TTL, else the default (opts, else 3600 with a
 *    warning), not the previous record's TTL (RFC 1035 §5.1 would say so;
 *    Knot and this reader do not);
 *  - $INCLUDE starts with the including file's origin and $TTL and no
 *    previous owner; its $ORIGIN/$TTL changes stay inside it.
 * Every problem is reported and reading resumes at the next logical line.
 */
#include "zonefile.h"

#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dname.h"
#include "rrtype.h"
#include "zone.lex.h"

#define ZONEFILE_MAX_INCLUDE_DEPTH 16
#define ZONEFILE_DEFAULT_TTL 3600

/* State shared by a file and the files it includes. */
typedef struct zshared {
    ir_t *ir;
    ir_zone_t *zone;              /* NULL until created (when create) */
    int create;                   /* zonefile_read_file(zone == NULL) */
    const zonefile_opts_t *opts;
    uint8_t first_origin[DNAME_MAX];
    int have_first_origin;
    loc_t first_origin_loc;
    int dead;                     /* no origin: records are skipped */
    const char *top_path;
    uint32_t top_file;
    rdata_field_t *fields;
    size_t fields_cap;
    uint8_t rdata[65536];         /* last: scratch, not zeroed (zshared_new) */
} zshared_t;

/* A zeroed zshared_t but for rdata, which every record writes before use:
 * zeroing 64 KiB per call was most of the cost of reading a short text. */
static zshared_t *zshared_new(void)
{
    zshared_t *sh = xmalloc(sizeof *sh);
    memset(sh, 0, offsetof(zshared_t, rdata));
    return sh;
}

/* State of one file (or one records block). */
typedef struct zfile {
    zshared_t *sh;
    uint32_t file_id;
    const char *dir;
    int depth;
    uint8_t origin[DNAME_MAX];
    int have_origin;
    uint32_t ttl;                 /* $TTL */
    int have_ttl;
    uint8_t owner[DNAME_MAX];
    int have_owner;
    int owner_poisoned;           /* the previous owner was bad: skip silently */
    int warned_ttl;
    /* owner-omitted detection: indentation above base_indent, except on a
     * first line that starts mid-line (a ZPL records block) */
    uint32_t base_indent;
    uint32_t first_line;
    int partial_first;
} zfile_t;

/* One logical line. */
typedef struct zline {
    zl_token_t *tok;
    size_t n, cap;
    loc_t loc;                    /* first token (of any kind) */
    int owner_present;
    int error;                    /* already reported: skip */
    int eof;
} zline_t;

static loc_t tok_loc(const zfile_t *f, const zl_token_t *t)
{
    return (loc_t){f->file_id, t->line, t->col};
}

/* Printable copy of a token for messages (escapes non-printables). */
static const char *show(const zl_token_t *t, char *buf, size_t cap)
{
    return diag_show(t->text, t->len, 60, buf, cap);
}

static int tok_ieq(const zl_token_t *t, const char *s)
{
    size_t n = strlen(s);
    if (t->len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = t->text[i], b = s[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 32);
        if (a != b)
            return 0;
    }
    return 1;
}

/* Reads the next logical line. Returns 0 at the end of the input with
 * nothing read. */
static int read_line(zfile_t *f, yyscan_t sc, zl_state_t *st, zline_t *ln)
{
    int depth = 0, started = 0;
    loc_t lparen = {0, 0, 0};
    ln->n = 0;
    ln->error = 0;
    ln->owner_present = 0;
    for (;;) {
        int k = zl_lex(sc);
        const zl_token_t *t = &st->tok;
        if (k == ZL_EOF) {
            if (depth > 0) {
                diag_error(lparen, "'(' without matching ')'");
                ln->error = 1;
            }
            ln->eof = 1;
            return started;
        }
        if (k == ZL_NEWLINE) {
            if (depth == 0 && started)
                return 1;
            continue;
        }
        if (!started) {
            started = 1;
            ln->loc = tok_loc(f, t);
            int first_partial = f->partial_first && t->line == f->first_line;
            ln->owner_present = (k == ZL_WORD || k == ZL_QSTRING) &&
                                (first_partial || (t->first_on_line && t->indent <= f->base_indent));
        }
        switch (k) {
        case ZL_LPAREN:
            if (depth > 0) {
                diag_error(tok_loc(f, t), "nested '('");
                ln->error = 1;
            }
            depth = 1;
            lparen = tok_loc(f, t);
            break;
        case ZL_RPAREN:
            if (depth == 0) {
                diag_error(tok_loc(f, t), "')' without matching '('");
                ln->error = 1;
            }
            depth = 0;
            break;
        case ZL_ERROR:
            diag_error(tok_loc(f, t), "%.*s", (int)t->len, t->text);
            ln->error = 1;
            break;
        default:
            if (ln->n == ln->cap) {
                ln->cap = ln->cap ? ln->cap * 2 : 64;
                ln->tok = xrealloc(ln->tok, ln->cap * sizeof *ln->tok);
            }
            ln->tok[ln->n++] = *t;
            break;
        }
    }
}

/* Decodes \X and \DDD in a token into a NUL-terminated path; 0 if it holds
 * a NUL byte or a bad escape. */
static int token_path(const zl_token_t *t, char *out, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < t->len; i++) {
        unsigned c = (unsigned char)t->text[i];
        if (c == '\\' && i + 1 < t->len) {
            if (t->text[i + 1] >= '0' && t->text[i + 1] <= '9') {
                if (i + 3 >= t->len)
                    return 0;
                c = (unsigned)(t->text[i + 1] - '0') * 100 + (unsigned)(t->text[i + 2] - '0') * 10 +
                    (unsigned)(t->text[i + 3] - '0');
                i += 3;
            } else {
                c = (unsigned char)t->text[++i];
            }
        }
        if (c == 0 || c > 255 || w + 1 >= cap)
            return 0;
        out[w++] = (char)c;
    }
    out[w] = '\0';
    return w > 0;
}

static int parse_name_tok(zfile_t *f, const zl_token_t *t, uint8_t *out)
{
    size_t len;
    int rc = dname_from_text(out, &len, t->text, t->len, f->have_origin ? f->origin : NULL);
    if (rc != DNAME_OK) {
        diag_error(tok_loc(f, t), "%s", dname_strerror(rc));
        return -1;
    }
    return 0;
}

/* Parses a TTL token; reports and returns -1 when bad. */
static int parse_ttl_tok(zfile_t *f, const zl_token_t *t, uint32_t *ttl)
{
    char s[300];
    int rc = rrtype_time_from_text(t->text, t->len, ttl);
    if (rc == 0) {
        diag_error(tok_loc(f, t), "invalid TTL '%s'", show(t, s, sizeof s));
        return -1;
    }
    if (rc < 0 || *ttl > IR_TTL_MAX) {
        diag_error(tok_loc(f, t), "TTL out of range (0..2147483647)");
        return -1;
    }
    return 0;
}

static unsigned read_file(zshared_t *sh, const char *path, const char *shown_path, loc_t inc_loc,
                          const uint8_t *origin, const uint32_t *ttl, int depth);

static void directive(zfile_t *f, zline_t *ln)
{
    const zl_token_t *d = &ln->tok[0];
    char s[300];
    if (tok_ieq(d, "$ORIGIN")) {
        if (ln->n < 2) {
            diag_error(tok_loc(f, d), "$ORIGIN needs a domain name");
            return;
        }
        if (ln->n > 2) {
            diag_error(tok_loc(f, &ln->tok[2]), "unexpected '%s' after $ORIGIN",
                       show(&ln->tok[2], s, sizeof s));
            return;
        }
        uint8_t name[DNAME_MAX];
        if (parse_name_tok(f, &ln->tok[1], name) < 0)
            return;
        memcpy(f->origin, name, dname_len(name));
        f->have_origin = 1;
        if (!f->sh->have_first_origin) {
            memcpy(f->sh->first_origin, name, dname_len(name));
            f->sh->have_first_origin = 1;
            f->sh->first_origin_loc = ln->loc;
        }
    } else if (tok_ieq(d, "$TTL")) {
        if (ln->n < 2) {
            diag_error(tok_loc(f, d), "$TTL needs a value");
            return;
        }
        if (ln->n > 2) {
            diag_error(tok_loc(f, &ln->tok[2]), "unexpected '%s' after $TTL",
                       show(&ln->tok[2], s, sizeof s));
            return;
        }
        uint32_t ttl;
        if (parse_ttl_tok(f, &ln->tok[1], &ttl) < 0)
            return;
        f->ttl = ttl;
        f->have_ttl = 1;
    } else if (tok_ieq(d, "$INCLUDE")) {
        if (ln->n < 2) {
            diag_error(tok_loc(f, d), "$INCLUDE needs a file name");
            return;
        }
        if (ln->n > 3) {
            diag_error(tok_loc(f, &ln->tok[3]), "unexpected '%s' after $INCLUDE",
                       show(&ln->tok[3], s, sizeof s));
            return;
        }
        const zl_token_t *ft = &ln->tok[1];
        char file[4096];
        if (!token_path(ft, file, sizeof file)) {
            diag_error(tok_loc(f, ft), "invalid file name '%s'", show(ft, s, sizeof s));
            return;
        }
        uint8_t iorigin[DNAME_MAX];
        const uint8_t *org = f->have_origin ? f->origin : NULL;
        if (ln->n == 3) {
            if (parse_name_tok(f, &ln->tok[2], iorigin) < 0)
                return;
            org = iorigin;
        }
        if (f->depth + 1 > ZONEFILE_MAX_INCLUDE_DEPTH) {
            diag_error(tok_loc(f, ft), "$INCLUDE nested more than %d levels deep",
                       ZONEFILE_MAX_INCLUDE_DEPTH);
            return;
        }
        char *full;
        if (file[0] == '/' || !f->dir || !f->dir[0] || strcmp(f->dir, ".") == 0)
            full = arena_strdup(f->sh->ir->arena, file);
        else
            full = arena_sprintf(f->sh->ir->arena, "%s/%s", f->dir, file);
        read_file(f->sh, full, file, tok_loc(f, ft), org, f->have_ttl ? &f->ttl : NULL,
                  f->depth + 1);
    } else {
        diag_error(tok_loc(f, d), "unknown directive '%s'", show(d, s, sizeof s));
    }
}

/* 1 = IN, 0 = not a class, -1 = another class. */
static int class_of(const zl_token_t *t)
{
    if (t->kind != ZL_WORD)
        return 0;
    if (tok_ieq(t, "IN") || tok_ieq(t, "CLASS1"))
        return 1;
    static const char *const other[] = {"CH", "CHAOS", "HS", "HESIOD", "CS", "NONE", "ANY"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (tok_ieq(t, other[i]))
            return -1;
    if (t->len > 5 && tok_ieq(&(zl_token_t){.text = t->text, .len = 5}, "CLASS")) {
        for (size_t i = 5; i < t->len; i++)
            if (t->text[i] < '0' || t->text[i] > '9')
                return 0;
        return -1;
    }
    return 0;
}

static int zone_ready(zfile_t *f, loc_t loc)
{
    zshared_t *sh = f->sh;
    if (sh->zone)
        return 1;
    if (sh->dead)
        return 0;
    if (sh->opts && sh->opts->origin) {
        sh->zone = ir_zone_add(sh->ir, sh->opts->origin, (loc_t){sh->top_file, 0, 0});
        return 1;
    }
    if (sh->have_first_origin) {
        sh->zone = ir_zone_add(sh->ir, sh->first_origin, sh->first_origin_loc);
        return 1;
    }
    diag_error((loc_t){sh->top_file, 0, 0}, "no $ORIGIN and no --origin for '%s'", sh->top_path);
    sh->dead = 1;
    (void)loc;
    return 0;
}

static void record(zfile_t *f, zline_t *ln)
{
    zshared_t *sh = f->sh;
    char s[300];
    size_t i = 0;
    uint8_t owner[DNAME_MAX];

    if (sh->create && !zone_ready(f, ln->loc))
        return;
    if (ln->owner_present) {
        if (parse_name_tok(f, &ln->tok[0], owner) < 0) {
            f->have_owner = 0;
            f->owner_poisoned = 1;
            return;
        }
        memcpy(f->owner, owner, dname_len(owner));
        f->have_owner = 1;
        f->owner_poisoned = 0;
        i = 1;
    } else {
        if (!f->have_owner) {
            if (!f->owner_poisoned)
                diag_error(ln->loc, "no owner name, and no previous record to take it from");
            return;
        }
        memcpy(owner, f->owner, dname_len(f->owner));
    }

    /* [TTL] [class] or [class] [TTL], then the type (RFC 1035 §5.1) */
    uint32_t ttl = 0;
    int have_ttl = 0, have_class = 0;
    for (; i < ln->n && (!have_ttl || !have_class); i++) {
        const zl_token_t *t = &ln->tok[i];
        if (!have_ttl && t->kind == ZL_WORD && t->len && t->text[0] >= '0' && t->text[0] <= '9') {
            if (parse_ttl_tok(f, t, &ttl) < 0)
                return;
            have_ttl = 1;
            continue;
        }
        int cl = have_class ? 0 : class_of(t);
        if (cl < 0) {
            diag_error(tok_loc(f, t), "class %s is not supported (only IN)", show(t, s, sizeof s));
            return;
        }
        if (cl == 0)
            break;
        have_class = 1;
    }
    if (i >= ln->n) {
        diag_error(ln->loc, "missing record type");
        return;
    }
    const zl_token_t *tt = &ln->tok[i++];
    uint16_t type;
    if (tt->kind != ZL_WORD || !rrtype_from_text(tt->text, tt->len, &type)) {
        diag_error(tok_loc(f, tt), "unknown record type '%s'", show(tt, s, sizeof s));
        return;
    }
    if (type == RR_OPT || (type >= 249 && type <= 255) || type == 0) {
        char tn[16];
        diag_error(tok_loc(f, tt), "record type %s cannot appear in a zone",
                   rrtype_to_text(type, tn, sizeof tn));
        return;
    }
    if (!have_ttl) {
        if (f->have_ttl) {
            ttl = f->ttl;
        } else if (sh->opts && sh->opts->have_default_ttl) {
            ttl = sh->opts->default_ttl;
        } else {
            ttl = ZONEFILE_DEFAULT_TTL;
            if (!f->warned_ttl) {
                f->warned_ttl = 1;
                diag_warning(ln->loc, "default-ttl", "no TTL given; using %u", ZONEFILE_DEFAULT_TTL);
            }
        }
    }

    size_t nf = ln->n - i;
    if (nf > sh->fields_cap) {
        sh->fields_cap = nf * 2;
        sh->fields = xrealloc(sh->fields, sh->fields_cap * sizeof *sh->fields);
    }
    for (size_t k = 0; k < nf; k++) {
        const zl_token_t *t = &ln->tok[i + k];
        sh->fields[k] = (rdata_field_t){t->text, t->len, t->kind == ZL_QSTRING, tok_loc(f, t)};
    }
    int len = rrtype_rdata_from_text(type, sh->fields, nf, f->have_origin ? f->origin : NULL,
                                     sh->rdata, 65535, ln->loc);
    if (len < 0)
        return;
    ir_add_rr(sh->ir, sh->zone, owner, type, ttl, sh->rdata, (uint16_t)len, ln->loc);
}

/* Smallest indentation of the lines that start a record, skipping the
 * first line when it starts mid-line: the block's own indentation. */
static uint32_t base_indent(const char *text, size_t len, uint32_t line, int partial_first)
{
    zl_state_t st = {.line = line, .col = 1, .at_bol = 1};
    yyscan_t sc;
    if (zl_lex_init_extra(&st, &sc) != 0) {
        fprintf(stderr, "zonec: out of memory\n");
        exit(2);
    }
    YY_BUFFER_STATE b = zl__scan_bytes(text, (int)len, sc);
    uint32_t best = UINT32_MAX;
    int depth = 0, k;
    while ((k = zl_lex(sc)) != ZL_EOF) {
        const zl_token_t *t = &st.tok;
        if (k == ZL_NEWLINE)
            continue;
        if (t->first_on_line && depth == 0 && !(partial_first && t->line == line) &&
            t->indent < best)
            best = t->indent;
        if (k == ZL_LPAREN)
            depth = 1;
        else if (k == ZL_RPAREN)
            depth = 0;
    }
    zl__delete_buffer(b, sc);
    zl_lex_destroy(sc);
    return best == UINT32_MAX ? 0 : best;
}

static void read_text(zfile_t *f, const char *text, size_t len, uint32_t line, uint32_t col)
{
    zl_state_t st = {.line = line, .col = col, .at_bol = 1};
    yyscan_t sc;
    if (len > (size_t)INT32_MAX) {
        diag_error((loc_t){f->file_id, 0, 0}, "file too large");
        return;
    }
    if (zl_lex_init_extra(&st, &sc) != 0) {
        fprintf(stderr, "zonec: out of memory\n");
        exit(2);
    }
    YY_BUFFER_STATE b = zl__scan_bytes(text, (int)len, sc);
    zline_t ln = {0};
    while (!ln.eof) {
        if (!read_line(f, sc, &st, &ln))
            break;
        if (ln.error || ln.n == 0)
            continue;
        const zl_token_t *t0 = &ln.tok[0];
        if (t0->kind == ZL_WORD && t0->len && t0->text[0] == '$')
            directive(f, &ln);
        else
            record(f, &ln);
    }
    free(ln.tok);
    zl__delete_buffer(b, sc);
    zl_lex_destroy(sc);
}

static void zfile_init(zfile_t *f, zshared_t *sh, uint32_t file_id, const char *dir,
                       const uint8_t *origin, const uint32_t *ttl, int depth)
{
    memset(f, 0, sizeof *f);
    f->sh = sh;
    f->file_id = file_id;
    f->dir = dir;
    f->depth = depth;
    if (origin) {
        memcpy(f->origin, origin, dname_len(origin));
        f->have_origin = 1;
    }
    if (ttl) {
        f->ttl = *ttl;
        f->have_ttl = 1;
    }
}

/* The directory part of `path` ("" when it has none), in the IR arena. */
static const char *dir_of(arena_t *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return "";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* Reads a whole file into the IR arena; NULL and errno on failure. */
/* Largest master file read (4 GiB of text is far beyond any real zone). */
#define ZONEFILE_MAX_BYTES ((size_t)1 << 32)

static char *slurp(arena_t *a, const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    /* A device (/dev/zero) or a directory would be read forever or fail
     * oddly: only regular files and pipes are master files. */
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        fclose(fp);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap >= ZONEFILE_MAX_BYTES) { /* a pipe that never ends */
                fclose(fp);
                free(buf);
                errno = EFBIG;
                return NULL;
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (r == 0) {
            if (ferror(fp)) {
                int e = errno ? errno : EIO;
                fclose(fp);
                free(buf);
                errno = e;
                return NULL;
            }
            break;
        }
    }
    fclose(fp);
    char *text = arena_memdup(a, buf, n);
    free(buf);
    *len = n;
    return text;
}

static unsigned read_file(zshared_t *sh, const char *path, const char *shown_path, loc_t inc_loc,
                          const uint8_t *origin, const uint32_t *ttl, int depth)
{
    unsigned before = diag_error_count();
    size_t len = 0;
    char *text = slurp(sh->ir->arena, path, &len);
    if (!text) {
        int e = errno;
        if (depth == 0 && inc_loc.file == 0)
            diag_error(inc_loc, "cannot open '%s': %s", shown_path, e == EINVAL ? "not a regular file" : strerror(e));
        else
            diag_error(inc_loc, "cannot open included file '%s': %s", shown_path, e == EINVAL ? "not a regular file" : strerror(e));
        return diag_error_count() - before;
    }
    uint32_t id = diag_add_file(path, text, len);
    if (depth == 0)
        sh->top_file = id;
    zfile_t f;
    zfile_init(&f, sh, id, dir_of(sh->ir->arena, path), origin, ttl, depth);
    f.first_line = 1;
    read_text(&f, text, len, 1, 1);
    return diag_error_count() - before;
}

unsigned zonefile_read_text(ir_t *ir, ir_zone_t *zone, uint32_t file_id, const char *text,
                            size_t len, uint32_t line, uint32_t col, const char *dir,
                            const zonefile_opts_t *opts)
{
    unsigned before = diag_error_count();
    zshared_t *sh = zshared_new();
    sh->ir = ir;
    sh->zone = zone;
    sh->opts = opts;
    sh->top_file = file_id;
    sh->top_path = diag_file_path(file_id);
    sh->create = zone == NULL;
    const uint8_t *origin = opts && opts->origin ? opts->origin : zone ? zone->apex : NULL;
    zfile_t f;
    zfile_init(&f, sh, file_id, dir, origin, NULL, 0);
    if (line == 0)
        line = 1;
    if (col == 0)
        col = 1;
    f.first_line = line;
    f.partial_first = col > 1;
    if (line != 1 || col != 1)
        f.base_indent = base_indent(text, len, line, f.partial_first);
    read_text(&f, text, len, line, col);
    if (sh->create && !sh->zone && !sh->dead)
        zone_ready(&f, (loc_t){file_id, 0, 0});
    free(sh->fields);
    free(sh);
    return diag_error_count() - before;
}

unsigned zonefile_read_file(ir_t *ir, ir_zone_t *zone, const char *path, loc_t include_loc,
                            const zonefile_opts_t *opts)
{
    unsigned before = diag_error_count();
    zshared_t *sh = zshared_new();
    sh->ir = ir;
    sh->zone = zone;
    sh->opts = opts;
    sh->top_path = path;
    sh->create = zone == NULL;
    const uint8_t *origin = opts && opts->origin ? opts->origin : zone ? zone->apex : NULL;
    read_file(sh, path, path, include_loc, origin, NULL, 0);
    if (sh->create && !sh->zone && !sh->dead && sh->top_file) {
        zfile_t f;
        zfile_init(&f, sh, sh->top_file, "", NULL, NULL, 0);
        zone_ready(&f, (loc_t){sh->top_file, 0, 0});
    }
    free(sh->fields);
    free(sh);
    return diag_error_count() - before;
}
