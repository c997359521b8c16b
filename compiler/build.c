/* build.c -- run the C compiler over the generated sources, install OUT
 * SPDX-License-Identifier: MIT
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"

#define BUILD_TMP_OUT "zonec.out" /* the linker's output inside the work dir */

static char *dup_printf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
    char *s = xmalloc(n);
    snprintf(s, n, fmt, a, b ? b : "");
    return s;
}

char *build_libdir(void)
{
    const char *env = getenv("ZONEC_LIBDIR");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        fprintf(stderr, "zonec: cannot find the runtime library: /proc/self/exe: %s "
                        "(set ZONEC_LIBDIR)\n", strerror(errno));
        return NULL;
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == exe)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    /* build/ keeps libzrt.a beside zonec; an installed zonec in PREFIX/bin
     * finds it in PREFIX/lib/zonec. */
    char *lib = dup_printf("%s/%s", exe, "libzrt.a");
    int here = access(lib, R_OK) == 0;
    free(lib);
    if (!here) {
        char *alt = dup_printf("%s/%s", exe, "../lib/zonec");
        lib = dup_printf("%s/%s", alt, "libzrt.a");
        here = access(lib, R_OK) == 0;
        free(lib);
        if (here)
            return alt;
        free(alt);
    }
    return xstrdup(exe);
}

/* Appends the whitespace-separated words of `s` to argv (xstrdup'd). */
static void add_words(char **argv, size_t *argc, size_t max, const char *s)
{
    while (s && *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t' && *e != '\n')
            e++;
        if (e > s && *argc + 1 < max) {
            char *w = xmalloc((size_t)(e - s) + 1);
            memcpy(w, s, (size_t)(e - s));
            w[e - s] = '\0';
            argv[(*argc)++] = w;
        }
        s = e;
    }
}

/* 1 for the linker's warnings about glibc functions in a static link
 * ("Using 'dlopen' in statically linked applications requires ..."):
 * libcrypto.a mentions dlopen/getaddrinfo, which the server never calls. */
static int harmless_link_warning(const char *line)
{
    return strstr(line, "in statically linked applications requires at runtime") != NULL;
}

/* Copies the compiler's output from fd to stderr, leaving out the harmless
 * static-link warnings (and the "in function" line that introduces each). */
static void filter_output(int fd)
{
    FILE *in = fdopen(fd, "r");
    if (in == NULL) {
        close(fd);
        return;
    }
    char line[4096], held[4096];
    int have_held = 0;
    while (fgets(line, sizeof line, in)) {
        if (harmless_link_warning(line)) {
            have_held = 0;
            continue;
        }
        if (have_held)
            fputs(held, stderr);
        have_held = 0;
        if (strstr(line, ": in function `") || strstr(line, ": in function '")) {
            memcpy(held, line, sizeof held);
            have_held = 1;
            continue;
        }
        fputs(line, stderr);
    }
    if (have_held)
        fputs(held, stderr);
    fclose(in);
}

/* Runs argv in `dir` with stdout and stderr sent, filtered, to stderr.
 * Returns the exit status, or -1 when it could not run (message printed). */
static int run_in(const char *dir, char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int pfd[2];
    if (pipe(pfd) != 0) {
        fprintf(stderr, "zonec: pipe: %s\n", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "zonec: fork: %s\n", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    if (pid == 0) {
        close(pfd[0]);
        if (chdir(dir) != 0) {
            fprintf(stderr, "zonec: cannot enter '%s': %s\n", dir, strerror(errno));
            _exit(127);
        }
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[1]);
        execvp(argv[0], argv);
        fprintf(stderr, "zonec: cannot run C compiler '%s': %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    filter_output(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "zonec: waitpid: %s\n", strerror(errno));
            return -1;
        }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Copies `src` to "<out>.tmp.<pid>" in out's directory, then renames it to
 * `out` (mode 0755): readers of OUT never see a half-written file. */
static int install(const char *src, const char *out)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    char *tmp = dup_printf("%s%s", out, suffix);
    int in = open(src, O_RDONLY | O_CLOEXEC), fd = -1, rc = -1;
    if (in < 0) {
        fprintf(stderr, "zonec: cannot read '%s': %s\n", src, strerror(errno));
        goto done;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (fd < 0) {
        fprintf(stderr, "zonec: cannot write '%s': %s\n", out, strerror(errno));
        goto done;
    }
    char buf[1 << 16];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "zonec: cannot read '%s': %s\n", src, strerror(errno));
            goto done;
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                fprintf(stderr, "zonec: cannot write '%s': %s\n", out, strerror(errno));
                goto done;
            }
            off += w;
        }
    }
    if (fchmod(fd, 0755) != 0 || close(fd) != 0) {
        fd = -1;
        fprintf(stderr, "zonec: cannot write '%s': %s\n", out, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "zonec: cannot write '%s': %s\n", out, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    if (in >= 0)
        close(in);
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Removes the files build_output() creates in `dir` (and `dir` if asked). */
static void cleanup(const char *dir, int keep_sources, int remove_dir)
{
    static const char *const gen[] = {"tables.c", "blob.s", "blob.bin"};
    char *p = dup_printf("%s/%s", dir, BUILD_TMP_OUT);
    unlink(p);
    free(p);
    if (!keep_sources)
        for (size_t i = 0; i < sizeof gen / sizeof gen[0]; i++) {
            p = dup_printf("%s/%s", dir, gen[i]);
            unlink(p);
            free(p);
        }
    if (remove_dir)
        rmdir(dir);
}

int build_output(const char *out, const char *emit_dir, const emit_buf_t *tables_c,
                 const emit_buf_t *blob_s, const uint8_t *blob, size_t blob_len)
{
    char *libdir = build_libdir();
    if (!libdir)
        return -1;
    char *lib = dup_printf("%s/%s", libdir, "libzrt.a");
    char *incdir = dup_printf("%s/%s", libdir, "include");
    char *rth = dup_printf("%s/%s", incdir, "rt.h");
    char *dir = NULL;
    int rc = -1, made_tmp = 0;
    char *argv[64] = {0};
    size_t argc = 0;

    if (access(lib, R_OK) != 0 || access(rth, R_OK) != 0) {
        fprintf(stderr, "zonec: runtime not found: need %s and %s (run make, or set "
                        "ZONEC_LIBDIR)\n", lib, rth);
        goto done;
    }
    if (emit_dir) {
        if (mkdir(emit_dir, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "zonec: cannot create '%s': %s\n", emit_dir, strerror(errno));
            goto done;
        }
        dir = xstrdup(emit_dir);
    } else {
        const char *t = getenv("TMPDIR");
        dir = dup_printf("%s/%s", t && *t ? t : "/tmp", "zonec.XXXXXX");
        if (!mkdtemp(dir)) {
            fprintf(stderr, "zonec: cannot create a temporary directory '%s': %s\n", dir,
                    strerror(errno));
            goto done;
        }
        made_tmp = 1;
    }
    if (emit_write_dir(dir, tables_c, blob_s, blob, blob_len) != 0)
        goto cleanup_dir;

    const char *cc = getenv("ZONEC_CC");
    add_words(argv, &argc, 64, cc && *cc ? cc : "cc");
    const char *st = getenv("ZONEC_STATIC");
    int is_static = !(st && strcmp(st, "0") == 0);
    add_words(argv, &argc, 64, "-O2");
    if (is_static)
        add_words(argv, &argc, 64, "-static");
    argv[argc++] = dup_printf("-ffile-prefix-map=%s=.", dir, NULL);
    /* the runtime headers' directory, should ZONEC_CFLAGS ask for -g */
    argv[argc++] = dup_printf("-ffile-prefix-map=%s=zonec", libdir, NULL);
    add_words(argv, &argc, 64, "-o " BUILD_TMP_OUT " tables.c blob.s");
    argv[argc++] = dup_printf("-I%s", incdir, NULL);
    argv[argc++] = xstrdup(lib);
    /* OpenSSL: the health prober's https checks (runtime/health.c) */
    add_words(argv, &argc, 64, "-lssl -lcrypto -lcmph -lm -lpthread -Wl,--build-id=none");
    add_words(argv, &argc, 64, getenv("ZONEC_CFLAGS"));
    argv[argc] = NULL;

    int status = run_in(dir, argv);
    if (status != 0) {
        if (status > 0) {
            fprintf(stderr, "zonec: the C compiler failed (status %d):", status);
            for (size_t i = 0; i < argc; i++)
                fprintf(stderr, " %s", argv[i]);
            if (emit_dir)
                fprintf(stderr, "\nzonec: (in %s)\n", dir);
            else
                fprintf(stderr, "\nzonec: (in a temporary directory; --emit-c DIR keeps "
                                "the sources)\n");
        }
        goto cleanup_dir;
    }
    char *built = dup_printf("%s/%s", dir, BUILD_TMP_OUT);
    rc = install(built, out);
    free(built);

cleanup_dir:
    /* A failed build in a temporary directory keeps nothing; --emit-c keeps
     * the sources for inspection either way. */
    cleanup(dir, emit_dir != NULL, made_tmp);
done:
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(dir);
    free(rth);
    free(incdir);
    free(lib);
    free(libdir);
    return rc;
}
