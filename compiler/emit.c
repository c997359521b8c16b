/* emit.c -- template expansion and the generated sources of an output binary
 * SPDX-License-Identifier: MIT
 */
#include "emit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "dname.h"
#include "rt.h"

/* ---- buffers ------------------------------------------------------------ */

static void buf_reserve(emit_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > SIZE_MAX / 2)
            cap = b->len + extra + 1;
        else
            cap *= 2;
    }
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void emit_buf_append(emit_buf_t *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void emit_buf_puts(emit_buf_t *b, const char *s)
{
    emit_buf_append(b, s, strlen(s));
}

void emit_buf_printf(emit_buf_t *b, const char *fmt, ...)
{
    buf_reserve(b, 128);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void emit_buf_free(emit_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- templates ---------------------------------------------------------- */

static int is_var_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

int emit_expand(emit_buf_t *out, const char *tmpl, size_t len, const emit_var_t *vars,
                size_t nvars, const char **bad)
{
    const char *p = tmpl, *end = tmpl + len;
    while (p < end) {
        const char *at = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '@' && q[1] == '@') {
                at = q;
                break;
            }
        if (!at) {
            emit_buf_append(out, p, (size_t)(end - p));
            break;
        }
        emit_buf_append(out, p, (size_t)(at - p));
        const char *name = at + 2, *ne = name;
        while (ne < end && is_var_char(*ne))
            ne++;
        if (ne + 1 >= end || ne[0] != '@' || ne[1] != '@') {
            if (bad)
                *bad = at;
            return -1;
        }
        size_t nlen = (size_t)(ne - name);
        if (nlen == 0) {
            emit_buf_append(out, "@@", 2); /* "@@@@" */
        } else {
            const emit_var_t *v = NULL;
            for (size_t i = 0; i < nvars; i++)
                if (strlen(vars[i].name) == nlen && memcmp(vars[i].name, name, nlen) == 0) {
                    v = &vars[i];
                    break;
                }
            if (!v) {
                if (bad)
                    *bad = at;
                return -1;
            }
            emit_buf_puts(out, v->value);
        }
        p = ne + 2;
    }
    return 0;
}

/* Defined in tmpl_data.s. */
extern const char emit_tmpl_tables_c[], emit_tmpl_tables_c_end[];
extern const char emit_tmpl_blob_s[], emit_tmpl_blob_s_end[];

const char *emit_template(const char *name, size_t *len)
{
    if (strcmp(name, "tables.c.tmpl") == 0) {
        *len = (size_t)(emit_tmpl_tables_c_end - emit_tmpl_tables_c);
        return emit_tmpl_tables_c;
    }
    if (strcmp(name, "blob.s.tmpl") == 0) {
        *len = (size_t)(emit_tmpl_blob_s_end - emit_tmpl_blob_s);
        return emit_tmpl_blob_s;
    }
    return NULL;
}

/* ---- files -------------------------------------------------------------- */

/* 1 when `path` holds exactly data[0..len). */
static int same_content(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    int same = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
        char buf[65536];
        size_t off = 0;
        same = 1;
        while (off < len) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0 || (size_t)n > len - off
                || memcmp(buf, (const char *)data + off, (size_t)n) != 0) {
                same = 0;
                break;
            }
            off += (size_t)n;
        }
    }
    close(fd);
    return same;
}

int emit_write_file(const char *path, const void *data, size_t len)
{
    if (same_content(path, data, len))
        return 0;
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 5);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        p += n;
        left -= (size_t)n;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 1;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
}

int emit_write_dir(const char *dir, const emit_buf_t *tables_c, const emit_buf_t *blob_s,
                   const uint8_t *blob, size_t blob_len)
{
    static const char *const names[3] = {"tables.c", "blob.s", "blob.bin"};
    const void *datas[3] = {tables_c->data, blob_s->data, blob};
    size_t lens[3] = {tables_c->len, blob_s->len, blob_len};
    for (int i = 0; i < 3; i++) {
        emit_buf_t path = {0};
        emit_buf_printf(&path, "%s/%s", dir, names[i]);
        if (emit_write_file(path.data, datas[i], lens[i]) < 0) {
            fprintf(stderr, "zonec: cannot write '%s': %s\n", path.data, strerror(errno));
            emit_buf_free(&path);
            return -1;
        }
        emit_buf_free(&path);
    }
    return 0;
}

/* ---- C text helpers ----------------------------------------------------- */

void emit_c_string(emit_buf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            emit_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            emit_buf_printf(b, "\\%03o", *p);
        else if (*p == '?' && p[1] == '?')
            emit_buf_puts(b, "?\\"); /* no trigraphs */
        else
            emit_buf_append(b, p, 1);
    }
}

void emit_c_comment(emit_buf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            emit_buf_append(b, "?", 1);
        else if (*p == '*' && p[1] == '/')
            emit_buf_append(b, "* ", 2);
        else if (*p == '/' && p[1] == '*')
            emit_buf_append(b, "/ ", 2);
        else
            emit_buf_append(b, p, 1);
    }
}

/* ---- generated sources -------------------------------------------------- */

static int zone_cmp(const void *a, const void *b)
{
    const ir_zone_t *za = *(const ir_zone_t *const *)a, *zb = *(const ir_zone_t *const *)b;
    return dname_canon_cmp(za->apex, zb->apex);
}

/* The zones of `ir` in canonical order (xmalloc'd array of *count). */
static ir_zone_t **sorted_zones(const ir_t *ir, size_t *count)
{
    size_t n = 0;
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        n++;
    ir_zone_t **v = xmalloc((n ? n : 1) * sizeof *v);
    n = 0;
    for (ir_zone_t *z = ir->zones; z; z = z->next)
        v[n++] = z;
    qsort(v, n, sizeof *v, zone_cmp); /* apexes are distinct: a total order */
    *count = n;
    return v;
}

char *emit_version_text(const ir_t *ir)
{
    size_t n;
    ir_zone_t **zones = sorted_zones(ir, &n);
    emit_buf_t b = {0};
    emit_buf_puts(&b, "zonec " ZONEC_VERSION "; zones:");
    for (size_t i = 0; i < n; i++) {
        char name[DNAME_TEXT_MAX];
        dname_to_text(zones[i]->apex, name, sizeof name);
        emit_buf_printf(&b, "%s %s serial %u", i ? "," : "", name, zones[i]->serial);
    }
    if (n == 0)
        emit_buf_puts(&b, " none");
    free(zones);
    return b.data;
}

/* Space-separated inputs as given, for the banner (comment-safe). */
static void inputs_text(emit_buf_t *b, const emit_info_t *info)
{
    for (size_t i = 0; i < info->input_count; i++) {
        if (i)
            emit_buf_puts(b, " ");
        emit_c_comment(b, info->inputs[i]);
    }
}

/* The decoded zone table: one comment row per zone. */
static void zone_table(emit_buf_t *b, const ir_t *ir)
{
    size_t n;
    ir_zone_t **zones = sorted_zones(ir, &n);
    size_t w = 4;
    char name[DNAME_TEXT_MAX];
    for (size_t i = 0; i < n; i++) {
        size_t l = dname_to_text(zones[i]->apex, name, sizeof name);
        if (l > w)
            w = l;
    }
    emit_buf_printf(b, " *   %-*s  %10s  %8s\n", (int)w, "zone", "serial", "names");
    for (size_t i = 0; i < n; i++) {
        emit_buf_t c = {0};
        dname_to_text(zones[i]->apex, name, sizeof name);
        emit_c_comment(&c, name);
        emit_buf_printf(b, " *   %-*s  %10u  %8zu\n", (int)w, c.data, zones[i]->serial,
                        zones[i]->node_count);
        emit_buf_free(&c);
    }
    free(zones);
}

static int expand_named(emit_buf_t *out, const char *tname, const emit_var_t *vars, size_t n)
{
    size_t len;
    const char *t = emit_template(tname, &len);
    const char *bad = NULL;
    if (!t || emit_expand(out, t, len, vars, n, &bad) != 0) {
        fprintf(stderr, "zonec: internal error: template %s: bad placeholder near '%.20s'\n",
                tname, bad ? bad : "");
        return -1;
    }
    return 0;
}

int emit_sources(const ir_t *ir, const emit_info_t *info, emit_buf_t *tables_c,
                 emit_buf_t *blob_s)
{
    emit_buf_t inputs = {0}, command = {0}, zones = {0}, vtext = {0};
    char seed[16], blob_len[24], abi[16], magic[16];
    char s_hdr[8], s_zone[8], s_node[8], s_type[8], s_img[8];

    inputs_text(&inputs, info);
    emit_buf_puts(&command, "zonec build ");
    emit_buf_append(&command, inputs.data, inputs.len);
    if (info->origin) {
        emit_buf_puts(&command, " --origin ");
        emit_c_comment(&command, info->origin);
    }
    emit_buf_printf(&command, " --seed %u", info->seed);
    zone_table(&zones, ir);
    /* the last row's newline belongs to the template */
    if (zones.len && zones.data[zones.len - 1] == '\n')
        zones.data[--zones.len] = '\0';
    char *version = emit_version_text(ir);
    emit_c_string(&vtext, version);
    free(version);

    snprintf(seed, sizeof seed, "%u", info->seed);
    snprintf(blob_len, sizeof blob_len, "%zu", info->blob_len);
    snprintf(abi, sizeof abi, "%u", (unsigned)RT_ABI_VERSION);
    snprintf(magic, sizeof magic, "0x%08x", (unsigned)RT_BLOB_MAGIC);
    snprintf(s_hdr, sizeof s_hdr, "%zu", sizeof(rt_blob_header_t));
    snprintf(s_zone, sizeof s_zone, "%zu", sizeof(rt_zone_t));
    snprintf(s_node, sizeof s_node, "%zu", sizeof(rt_node_t));
    snprintf(s_type, sizeof s_type, "%zu", sizeof(rt_typeent_t));
    snprintf(s_img, sizeof s_img, "%zu", sizeof(rt_image_t));

    const emit_var_t vars[] = {
        {"VERSION", ZONEC_VERSION},
        {"INPUTS", inputs.data ? inputs.data : ""},
        {"COMMAND", command.data},
        {"SEED", seed},
        {"BLOB_LEN", blob_len},
        {"ABI", abi},
        {"MAGIC", magic},
        {"SIZEOF_HEADER", s_hdr},
        {"SIZEOF_ZONE", s_zone},
        {"SIZEOF_NODE", s_node},
        {"SIZEOF_TYPEENT", s_type},
        {"SIZEOF_IMAGE", s_img},
        {"ZONE_TABLE", zones.data ? zones.data : " *   (no zones)"},
        {"VERSION_TEXT", vtext.data ? vtext.data : ""},
    };
    size_t nv = sizeof vars / sizeof vars[0];
    int rc = 0;
    if (expand_named(tables_c, "tables.c.tmpl", vars, nv) != 0
        || expand_named(blob_s, "blob.s.tmpl", vars, nv) != 0)
        rc = -1;
    emit_buf_free(&inputs);
    emit_buf_free(&command);
    emit_buf_free(&zones);
    emit_buf_free(&vtext);
    return rc;
}
