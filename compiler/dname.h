/* dname.h -- domain names in wire form: parse, print, compare, walk labels
 * SPDX-License-Identifier: MIT
 *
 * A name is a sequence of length-prefixed labels ending with the root label
 * (a zero byte), at most DNAME_MAX bytes in all, each label at most
 * DNAME_MAX_LABEL bytes (RFC 1035 §2.3.4). Functions here take names in that
 * form, never compressed. The canonical (lookup) form is lowercase ASCII;
 * other bytes are kept as they are.
 */
#ifndef ZONEC_DNAME_H
#define ZONEC_DNAME_H

#include <stddef.h>
#include <stdint.h>

#define DNAME_MAX 255
#define DNAME_MAX_LABEL 63
#define DNAME_TEXT_MAX (DNAME_MAX * 4 + 2) /* every byte as \DDD, + dot + NUL */

/* Results of dname_from_text() (0 = success). */
enum {
    DNAME_OK = 0,
    DNAME_E_EMPTY_LABEL = -1,  /* "a..b" or a leading dot */
    DNAME_E_LABEL_LONG = -2,   /* label over 63 bytes */
    DNAME_E_NAME_LONG = -3,    /* name over 255 bytes */
    DNAME_E_BAD_ESCAPE = -4,   /* "\" not followed by a char or \DDD > 255 */
    DNAME_E_NO_ORIGIN = -5,    /* relative name and no origin */
};

/* Parses the presentation name text[0..len) (escapes \X and \DDD, "@" for
 * the origin, a name without a trailing dot is relative to `origin`, which
 * may be NULL) into `out` (DNAME_MAX bytes). The case is kept.
 * Returns: DNAME_OK and sets *out_len, or a DNAME_E_* code. */
int dname_from_text(uint8_t *out, size_t *out_len, const char *text, size_t len,
                    const uint8_t *origin);

/* A message for a DNAME_E_* code ("label longer than 63 bytes", ...). */
const char *dname_strerror(int code);

/* Writes the presentation form with a trailing dot into buf (DNAME_TEXT_MAX
 * bytes suffice), escaping ". \ ( ) ; " @ $" and non-printable bytes.
 * Returns: the text length. */
size_t dname_to_text(const uint8_t *name, char *buf, size_t cap);

/* Wire length of a valid name, including the root label. */
size_t dname_len(const uint8_t *name);

/* Lowercases ASCII letters in place. */
void dname_lower(uint8_t *name);

/* Case-insensitive equality. */
int dname_equal(const uint8_t *a, const uint8_t *b);

/* RFC 4034 §6.1 canonical order (labels compared right to left, each as
 * lowercase bytes). Returns <0, 0, >0. */
int dname_canon_cmp(const uint8_t *a, const uint8_t *b);

/* 1 when `name` equals `parent` or lies below it (case-insensitive). */
int dname_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* Number of labels, not counting the root label ("." has 0). */
unsigned dname_label_count(const uint8_t *name);

/* The name without its first label, or NULL for the root. */
const uint8_t *dname_parent(const uint8_t *name);

/* 1 when the first label is "*" (a wildcard owner, RFC 4592). */
int dname_is_wildcard(const uint8_t *name);

#endif
