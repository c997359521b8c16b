/* diag.c -- GCC-style diagnostics with source excerpts and carets
 * SPDX-License-Identifier: MIT
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

/* Past this many errors further errors are counted but not printed, so a
 * wrong file type (say, a binary) does not bury the terminal. */
#define DIAG_MAX_PRINTED 200

struct diag_file {
    char *path;
    const char *text;
    size_t len;
};

static struct diag_file *files;
static uint32_t file_count;
static unsigned errors, warnings, printed;
static int werror;
static char **disabled;
static size_t disabled_count;
static FILE *out;

uint32_t diag_add_file(const char *path, const char *text, size_t len)
{
    if (file_count == 0) {
        files = xrealloc(files, sizeof *files);
        files[0] = (struct diag_file){xstrdup("<command line>"), NULL, 0};
        file_count = 1;
    }
    files = xrealloc(files, (file_count + 1) * sizeof *files);
    files[file_count] = (struct diag_file){xstrdup(path), text, len};
    return file_count++;
}

const char *diag_file_path(uint32_t file)
{
    if (file == 0 || file >= file_count)
        return "<command line>";
    return files[file].path;
}

/* Prints the source line `line` of `file` and a caret under column `col`. */
static void excerpt(FILE *f, loc_t loc)
{
    if (loc.file == 0 || loc.file >= file_count || loc.line == 0)
        return;
    const struct diag_file *df = &files[loc.file];
    if (!df->text)
        return;
    const char *p = df->text, *end = df->text + df->len;
    for (uint32_t l = 1; l < loc.line && p < end; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return;
        p = nl + 1;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    if (eol > p && eol[-1] == '\r')
        eol--;
    fprintf(f, "%5u | ", loc.line);
    for (const char *q = p; q < eol; q++)
        fputc(*q == '\t' ? ' ' : (*q >= 0x20 && *q < 0x7f ? *q : '?'), f);
    fputc('\n', f);
    if (loc.col == 0)
        return;
    fputs("      | ", f);
    for (uint32_t c = 1; c < loc.col && p + c - 1 < eol; c++)
        fputc(' ', f);
    fputs("^\n", f);
}

static void emit(loc_t loc, const char *kind, const char *wname, const char *fmt, va_list ap)
{
    FILE *f = out ? out : stderr;
    if (printed >= DIAG_MAX_PRINTED) {
        if (printed++ == DIAG_MAX_PRINTED)
            fprintf(f, "zonec: too many diagnostics, further ones are not shown\n");
        return;
    }
    printed++;
    fputs(diag_file_path(loc.file), f);
    if (loc.line) {
        fprintf(f, ":%u", loc.line);
        if (loc.col)
            fprintf(f, ":%u", loc.col);
    }
    fprintf(f, ": %s: ", kind);
    vfprintf(f, fmt, ap);
    if (wname)
        fprintf(f, " [-W%s%s]", werror ? "error=" : "", wname);
    fputc('\n', f);
    excerpt(f, loc);
}

void diag_error(loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errors++;
    emit(loc, "error", NULL, fmt, ap);
    va_end(ap);
}

void diag_warning(loc_t loc, const char *wname, const char *fmt, ...)
{
    for (size_t i = 0; i < disabled_count; i++)
        if (strcmp(disabled[i], wname) == 0)
            return;
    va_list ap;
    va_start(ap, fmt);
    if (werror)
        errors++;
    else
        warnings++;
    emit(loc, werror ? "error" : "warning", wname, fmt, ap);
    va_end(ap);
}

void diag_note(loc_t loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(loc, "note", NULL, fmt, ap);
    va_end(ap);
}

unsigned diag_error_count(void)
{
    return errors;
}

unsigned diag_warning_count(void)
{
    return warnings;
}

void diag_set_werror(int on)
{
    werror = on;
}

void diag_disable_warning(const char *wname)
{
    disabled = xrealloc(disabled, (disabled_count + 1) * sizeof *disabled);
    disabled[disabled_count++] = xstrdup(wname);
}

void diag_set_stream(FILE *f)
{
    out = f;
}

void diag_reset(void)
{
    for (uint32_t i = 0; i < file_count; i++)
        free(files[i].path);
    free(files);
    files = NULL;
    file_count = 0;
    errors = warnings = printed = 0;
    werror = 0;
    for (size_t i = 0; i < disabled_count; i++)
        free(disabled[i]);
    free(disabled);
    disabled = NULL;
    disabled_count = 0;
}

const char *diag_show(const char *text, size_t len, size_t max, char *buf, size_t cap)
{
    size_t w = 0;
    for (size_t i = 0; i < len && w + 5 < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        if (i == max) {
            w += (size_t)snprintf(buf + w, cap - w, "...");
            break;
        }
        if (c < 0x20 || c >= 0x7f || c == '\'')
            w += (size_t)snprintf(buf + w, cap - w, "\\%03u", c);
        else
            buf[w++] = (char)c;
    }
    buf[w] = '\0';
    return buf;
}
