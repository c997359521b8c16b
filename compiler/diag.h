/* diag.h -- GCC-style diagnostics: file:line:col: error: message, source line, caret
 * SPDX-License-Identifier: MIT
 *
 * Diagnostics are data, not control flow: every phase reports what it finds
 * and keeps going (resynchronising at the end of the statement or line), and
 * the driver stops between phases when diag_error_count() > 0. Nothing is
 * written to the output when any error was reported.
 *
 * Output format, one diagnostic per report (what GCC and clang print):
 *
 *   site.zpl:12:9: error: CNAME at the zone apex
 *      12 |     @ CNAME www
 *         |         ^
 *
 * Lines and columns are 1-based; columns count bytes. Warnings end with
 * " [-Wname]" so operators can tell which check spoke. A location with
 * line 0 names only the file ("file: error: ..."); file_id 0 is "<command line>".
 *
 * There is one diagnostics context per process (the compiler is a one-shot
 * program); diag_reset() clears it for unit tests.
 */
#ifndef ZONEC_DIAG_H
#define ZONEC_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A position in an input file. */
typedef struct loc {
    uint32_t file; /* id from diag_add_file(); 0 = command line */
    uint32_t line; /* 1-based; 0 = whole file */
    uint32_t col;  /* 1-based byte column; 0 = whole line */
} loc_t;

/* Registers an input file so diagnostics can name it and quote its lines.
 * `path` is printed as given (keep it relative for reproducible output);
 * `text`/`len` is the file's content, which must stay alive until exit
 * (pass NULL when unknown: no source excerpt is printed then).
 * Returns: the file id (>= 1). */
uint32_t diag_add_file(const char *path, const char *text, size_t len);

/* The path registered for `file` ("<command line>" for 0). */
const char *diag_file_path(uint32_t file);

/* Reports an error at `loc`. Formats like printf. */
void diag_error(loc_t loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a warning named `wname` (printed as [-Wwname]). */
void diag_warning(loc_t loc, const char *wname, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a note (follows an error or warning, e.g. "previous definition"). */
void diag_note(loc_t loc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Number of errors reported so far (warnings promoted by -Werror count). */
unsigned diag_error_count(void);
unsigned diag_warning_count(void);

/* -Werror: every warning becomes an error. -Wno-NAME: silence one warning. */
void diag_set_werror(int on);
void diag_disable_warning(const char *wname);

/* Where diagnostics go (default stderr); used by tests to capture them. */
void diag_set_stream(FILE *f);

/* A printable rendering of text[0..len) for messages, in buf (cap bytes):
 * non-printables and "'" as \DDD, "..." after max bytes of text.
 * Returns: buf. */
const char *diag_show(const char *text, size_t len, size_t max, char *buf, size_t cap);

/* Forgets all files and counts (unit tests). */
void diag_reset(void);

#endif
