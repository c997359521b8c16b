/* arena.h -- chunked bump allocator for compile-time data with explicit lifetimes
 * SPDX-License-Identifier: MIT
 *
 * The compiler never frees individual objects. Everything that lives as long
 * as a phase (the parse of one file, the IR, one record's scratch space) is
 * allocated from an arena and released all at once with arena_free() or
 * arena_reset(). Semantic values of the bison parsers point into arenas, so
 * error recovery cannot leak.
 *
 * Out of memory is fatal: every allocation function either returns usable
 * memory or prints a message and exits with status 2. Callers never check
 * for NULL.
 */
#ifndef ZONEC_ARENA_H
#define ZONEC_ARENA_H

#include <stddef.h>

typedef struct arena arena_t;

/* Creates an empty arena whose chunks grow to `chunk_size` bytes (0 picks
 * a default of 64 KiB): the first chunk is at most 64 KiB, each new one
 * twice the last until chunk_size; a request bigger than that gets a
 * chunk of its own.
 * Returns: the arena; never NULL.
 * Ownership: the caller releases it with arena_free(). */
arena_t *arena_new(size_t chunk_size);

/* Releases every chunk and the arena itself. NULL is accepted. */
void arena_free(arena_t *a);

/* Forgets every allocation but keeps the first chunk for reuse, so a
 * per-record scratch arena costs no malloc after the first record. */
void arena_reset(arena_t *a);

/* Returns `size` bytes aligned to 16, zero-filled. */
void *arena_alloc(arena_t *a, size_t size);

/* Returns zero-filled room for `count` objects of `size` bytes; aborts on
 * multiplication overflow (NSD region_alloc_array). */
void *arena_alloc_array(arena_t *a, size_t count, size_t size);

/* Copies `len` bytes into the arena. */
void *arena_memdup(arena_t *a, const void *p, size_t len);

/* Copies a NUL-terminated string into the arena. */
char *arena_strdup(arena_t *a, const char *s);

/* Copies `len` bytes and appends a NUL. */
char *arena_strndup(arena_t *a, const char *s, size_t len);

/* printf into the arena. */
char *arena_sprintf(arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Total bytes handed out since creation or the last reset (for stats). */
size_t arena_used(const arena_t *a);

/* xmalloc family for the few large build-time arrays that have one owner and
 * one free (cmph key vectors, blob buffers). Abort on failure like arenas. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

#endif
