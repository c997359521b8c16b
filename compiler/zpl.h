/* zpl.h -- reader for ZPL policy files (grammar/policy.y) into the IR
 * SPDX-License-Identifier: MIT
 *
 * Parses a .zpl file with the reentrant flex scanner and pure bison parser
 * in grammar/, follows `include` (relative to the including file, cycles
 * reported), and turns each `zone` block into IR: `ttl`, `soa`, `ns`,
 * `records { ... }` (master-file text handed to zonefile.c at its line and
 * column), `records from "file"`, and value-set records
 * (`OWNER TYPE [ttl D] V [, V]...;`). Routing-policy constructs are parsed
 * into the AST of policy.h.
 */
#ifndef ZONEC_ZPL_H
#define ZONEC_ZPL_H

#include "diag.h"
#include "ir.h"

/* Reads `path` and everything it includes into `ir`.
 * Returns: number of errors reported. */
unsigned zpl_read_file(ir_t *ir, const char *path, loc_t include_loc);

/* Reads ZPL text already in memory (copied into the IR's arena) as if it
 * were the file `path`: messages name `path` and includes are relative to
 * its directory. Used by the fuzzer (fuzz/fuzz_zpl.c).
 * Returns: number of errors reported. */
unsigned zpl_read_text(ir_t *ir, const char *path, const char *text, size_t len);

#endif
