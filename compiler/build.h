/* build.h -- turn the generated sources into the output executable
 * SPDX-License-Identifier: MIT
 *
 * build_output() writes tables.c, blob.s and blob.bin into a fresh
 * temporary directory (or the --emit-c directory, which keeps them), runs
 * the C compiler there with relative file names only, so no path of the
 * build machine reaches the binary:
 *
 *   ${ZONEC_CC:-cc} -O2 -static -ffile-prefix-map=DIR=. \
 *       -ffile-prefix-map=LIBDIR=zonec -o zonec.out \
 *       tables.c blob.s -IINCDIR LIBDIR/libzrt.a -lcmph -lm -lpthread \
 *       -Wl,--build-id=none $ZONEC_CFLAGS
 *
 * and moves the result to OUT atomically (copied next to OUT under a
 * temporary name, then rename()d), mode 0755.
 *
 * LIBDIR holds libzrt.a, INCDIR = LIBDIR/include holds rt.h: by default the
 * directory of the running zonec (/proc/self/exe), as `make` lays out
 * build/, else ../lib/zonec from there (an installed PREFIX/bin/zonec);
 * ZONEC_LIBDIR overrides both. Environment:
 *
 *   ZONEC_CC       C compiler command (split at spaces; default "cc")
 *   ZONEC_CFLAGS   extra flags for that command (e.g. -fsanitize=address,undefined)
 *   ZONEC_STATIC   "0" links dynamically (sanitizer builds of the runtime)
 *   ZONEC_LIBDIR   where libzrt.a and include/ are
 *
 * The same inputs and the same zonec and toolchain give a byte-identical OUT:
 * nothing time- or place-dependent is passed to the compiler.
 */
#ifndef ZONEC_BUILD_H
#define ZONEC_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "emit.h"

/* Writes the sources, compiles, and installs `out`.
 * `emit_dir`: keep the sources there (created if missing), or NULL for a
 * temporary directory that is removed afterwards.
 * Returns: 0; or -1 after printing why to stderr (I/O error, missing
 * runtime library, C compiler failure with its own output shown) -- an
 * exit status 2 situation. */
int build_output(const char *out, const char *emit_dir, const emit_buf_t *tables_c,
                 const emit_buf_t *blob_s, const uint8_t *blob, size_t blob_len);

/* The directory holding libzrt.a and include/ (see above), xmalloc'd.
 * Returns NULL and prints a message when it cannot be determined. */
char *build_libdir(void);

#endif
