/* zonefile.h -- RFC 1035 master-file reader producing IR records
 * SPDX-License-Identifier: MIT
 *
 * Reads master-file text: $ORIGIN, $TTL, $INCLUDE (relative to the including
 * file), parentheses across lines, ";" comments, quoted strings, escapes,
 * omitted owner (previous owner), omitted TTL ($TTL, else the caller's
 * default, else 3600 with a -Wdefault-ttl warning; like Knot DNS, not the
 * previous RR's TTL of RFC 1035 §5.1) and omitted class (IN; any other class
 * is an error), every type of rrtype.h and RFC 3597 generic rdata. Each RR is
 * handed to ir_add_rr(); every problem is a diagnostic and reading resumes
 * at the next RR. Used for whole .zone files and for the text of a ZPL
 * `records { ... }` block (which starts at a given line and column).
 *
 * Owner omitted = the line is indented. In a records block (text not
 * starting at line 1, column 1) indentation counts relative to the block's
 * least indented record line, and the text on the opening line (after the
 * `{`) always has an owner, so a block may be indented as a whole.
 */
#ifndef ZONEC_ZONEFILE_H
#define ZONEC_ZONEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ir.h"

typedef struct zonefile_opts {
    const uint8_t *origin;   /* initial $ORIGIN (wire form); NULL = must come from the file */
    uint32_t default_ttl;    /* TTL when neither $TTL nor an earlier RR gives one */
    int have_default_ttl;    /* 0: an RR without any TTL is an error */
} zonefile_opts_t;

/* Reads text[0..len) belonging to registered file `file_id`, whose first
 * byte is at line `line`, column `col` of that file (1, 1 for a whole file).
 * Records go to `zone` (which must exist; ir_add_rr() checks that owners lie
 * inside it). `dir` is the directory for relative $INCLUDE paths.
 * Returns: number of errors reported. */
unsigned zonefile_read_text(ir_t *ir, ir_zone_t *zone, uint32_t file_id, const char *text,
                            size_t len, uint32_t line, uint32_t col, const char *dir,
                            const zonefile_opts_t *opts);

/* Reads a whole master file from `path` (registering it with diag). When
 * `zone` is NULL the zone is created from $ORIGIN (or opts->origin) at the
 * first record, as for `zonec build example.zone`.
 * Returns: number of errors reported (a missing file is one error at
 * `include_loc`). */
unsigned zonefile_read_file(ir_t *ir, ir_zone_t *zone, const char *path, loc_t include_loc,
                            const zonefile_opts_t *opts);

#endif
