/* arena.c -- chunked bump allocator (see arena.h for the contract)
 * SPDX-License-Identifier: MIT
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (64 * 1024)
/* The first chunk is at most this big; each new chunk doubles up to
 * chunk_size, so a small IR does not pay for a 1 MiB chunk and a big one
 * reaches full-size chunks after a few. */
#define ARENA_FIRST_CHUNK (64 * 1024)

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
    struct chunk *head; /* current chunk; older chunks follow */
    size_t chunk_size;  /* the size chunks grow to */
    size_t next_size;   /* the size of the next chunk (<= chunk_size) */
    size_t used;
};

static void oom(size_t size)
{
    fprintf(stderr, "zonec: out of memory (%zu bytes)\n", size);
    exit(2);
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        oom(size);
    return p;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = xmalloc(sizeof *c + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

arena_t *arena_new(size_t chunk_size)
{
    arena_t *a = xcalloc(1, sizeof *a);
    a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
    size_t first = a->chunk_size < ARENA_FIRST_CHUNK ? a->chunk_size : ARENA_FIRST_CHUNK;
    a->head = chunk_new(first);
    a->next_size = first;
    return a;
}

void arena_free(arena_t *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void arena_reset(arena_t *a)
{
    struct chunk *c = a->head;
    /* keep the oldest chunk (the last in the list): the first one made */
    while (c->next) {
        struct chunk *n = c->next;
        free(c);
        c = n;
    }
    c->used = 0;
    a->head = c;
    a->next_size = c->size;
    a->used = 0;
}

void *arena_alloc(arena_t *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size)
        oom(size);
    struct chunk *c = a->head;
    if (c->size - c->used < need) {
        /* big requests get a chunk of their own so the remainder is not wasted */
        if (a->next_size < a->chunk_size)
            a->next_size = a->next_size * 2 < a->chunk_size ? a->next_size * 2 : a->chunk_size;
        size_t csize = need > a->next_size ? need : a->next_size;
        c = chunk_new(csize);
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, size);
    return p;
}

void *arena_alloc_array(arena_t *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        oom(SIZE_MAX);
    return arena_alloc(a, count * size);
}

void *arena_memdup(arena_t *a, const void *p, size_t len)
{
    void *q = arena_alloc(a, len);
    if (len)
        memcpy(q, p, len);
    return q;
}

char *arena_strndup(arena_t *a, const char *s, size_t len)
{
    char *q = arena_alloc(a, len + 1);
    memcpy(q, s, len);
    q[len] = '\0';
    return q;
}

char *arena_strdup(arena_t *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(arena_t *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = arena_alloc(a, (size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

size_t arena_used(const arena_t *a)
{
    return a->used;
}
