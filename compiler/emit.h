/* emit.h -- code generation: templates -> tables.c, blob.s, blob.bin
 * SPDX-License-Identifier: MIT
 *
 * The output binary is built from three generated files:
 *
 *   tables.c   banner, ABI guards, a decoded zone table (comment), the
 *              rt_program_t descriptor and main(), which calls rt_main()
 *   blob.s     .incbin "blob.bin" into .rodata as gen_blob..gen_blob_end
 *   blob.bin   the blob from layout_build(), byte for byte
 *
 * tables.c and blob.s come from templates/tables.c.tmpl and
 * templates/blob.s.tmpl, which are compiled INTO zonec (compiler/tmpl_data.s)
 * so zonec works from any directory. Template syntax: every "@@NAME@@" is
 * replaced by the value of variable NAME (NAME is [A-Z0-9_]+); "@@@@"
 * stands for a literal "@@". Anything else is copied unchanged.
 *
 * Reproducibility (STYLE.md §7): the output depends only on the inputs as
 * named on the command line, the seed, the IR and the blob -- no date, no
 * host name, no absolute path unless the user typed one. Files are written
 * to a temporary name and renamed, and left alone when their bytes would
 * not change, so make-style tools do not rebuild needlessly.
 */
#ifndef ZONEC_EMIT_H
#define ZONEC_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

#define ZONEC_VERSION "0.1.0"

/* A growable byte buffer (xmalloc'd; emit_buf_free() releases it). The
 * data is always NUL-terminated so it can be used as a C string. */
typedef struct emit_buf {
    char *data;
    size_t len, cap;
} emit_buf_t;

void emit_buf_append(emit_buf_t *b, const void *p, size_t n);
void emit_buf_puts(emit_buf_t *b, const char *s);
void emit_buf_printf(emit_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_buf_free(emit_buf_t *b);

/* One template variable. */
typedef struct emit_var {
    const char *name;
    const char *value;
} emit_var_t;

/* Appends tmpl[0..len) to `out`, replacing each @@NAME@@ by the value of
 * the variable of that name in vars[0..nvars).
 * Returns: 0; or -1 when the template names a variable that is not given or
 * has an unterminated "@@" (then *bad points at the offending text and out
 * holds the expansion so far). */
int emit_expand(emit_buf_t *out, const char *tmpl, size_t len, const emit_var_t *vars,
                size_t nvars, const char **bad);

/* The embedded template `name` ("tables.c.tmpl", "blob.s.tmpl").
 * Returns: its text (NUL-terminated, static) and sets *len; NULL if unknown. */
const char *emit_template(const char *name, size_t *len);

/* Writes data[0..len) to `path` unless the file already holds exactly
 * these bytes: writes "<path>.tmp", then rename()s it over `path`.
 * Returns: 1 written, 0 unchanged, -1 on error (errno set; the temporary
 * file is removed). */
int emit_write_file(const char *path, const void *data, size_t len);

/* Appends `s` as the body of a C string literal (escapes " \ and
 * non-printable bytes as octal). */
void emit_c_string(emit_buf_t *b, const char *s);

/* Appends `s` safe for use inside a C comment ("*" + "/" is broken up,
 * control bytes become '?'). */
void emit_c_comment(emit_buf_t *b, const char *s);

/* What the generated files are made from. */
typedef struct emit_info {
    const char *const *inputs; /* input paths as the user gave them */
    size_t input_count;
    const char *origin;        /* --origin text or NULL */
    uint32_t seed;
    size_t blob_len;
} emit_info_t;

/* The runtime's --version text: "zonec 0.1.0; zones: example.com. serial
 * 2026112601, example.net. serial 7" (zones in canonical order).
 * Returns: an xmalloc'd string (caller frees). */
char *emit_version_text(const ir_t *ir);

/* Generates tables.c and blob.s for `ir` (after ir_finish()) into the two
 * buffers (appended). Returns: 0, or -1 if an embedded template is broken
 * (message printed; a zonec bug). */
int emit_sources(const ir_t *ir, const emit_info_t *info, emit_buf_t *tables_c,
                 emit_buf_t *blob_s);

/* Writes tables.c, blob.s and blob.bin into directory `dir` (which must
 * exist), each with emit_write_file().
 * Returns: 0, or -1 after printing "zonec: cannot write ..." to stderr. */
int emit_write_dir(const char *dir, const emit_buf_t *tables_c, const emit_buf_t *blob_s,
                   const uint8_t *blob, size_t blob_len);

#endif
