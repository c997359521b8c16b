/* testutil.h -- small helpers shared by the unit tests (files, captured diagnostics)
 * SPDX-License-Identifier: MIT
 *
 * Header-only (static functions): each test program includes it after
 * <cmocka.h>, and every helper a program does not use is dropped by the
 * compiler (marked unused so -Wunused-function stays quiet).
 */
#ifndef ZONEC_TESTUTIL_H
#define ZONEC_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define TU_UNUSED __attribute__((unused))

/* Writes `text` to `path`, failing the test when it cannot. */
static TU_UNUSED void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The whole file in a malloc'd buffer (*len bytes), or NULL. */
static TU_UNUSED char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    *len = cap;
    return buf;
}

/* Keeps only the "file:line:col: error|warning|note: ..." lines of `all`
 * (no source excerpts). Returns: a malloc'd string. */
static TU_UNUSED char *headlines(const char *all)
{
    char *out = calloc(1, strlen(all) + 1);
    for (const char *p = all; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (p[0] != ' ' && (strstr(p, ": error: ") || strstr(p, ": warning: ") || strstr(p, ": note: ")))
            strncat(out, p, n);
        p += n;
    }
    return out;
}

/* Diagnostics capture: cap_start() resets diag and sends its output to a
 * memory stream; cap_end() restores stderr and returns the first line of
 * each diagnostic (no source excerpts), in a static buffer. */
static TU_UNUSED char *tu_cap_buf;
static TU_UNUSED size_t tu_cap_len;
static TU_UNUSED FILE *tu_cap;

static TU_UNUSED void cap_start(void)
{
    diag_reset();
    free(tu_cap_buf);
    tu_cap_buf = NULL;
    tu_cap = open_memstream(&tu_cap_buf, &tu_cap_len);
    diag_set_stream(tu_cap);
}

static TU_UNUSED const char *cap_end(void)
{
    static char out[16384];
    fclose(tu_cap);
    diag_set_stream(NULL);
    out[0] = 0;
    for (char *l = tu_cap_buf; l && *l;) {
        char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (*l != ' ' && !(*l >= '0' && *l <= '9') && strlen(out) + n + 2 < sizeof out) {
            strncat(out, l, n);
            strcat(out, "\n");
        }
        l = nl ? nl + 1 : l + n;
    }
    return out;
}

#endif
