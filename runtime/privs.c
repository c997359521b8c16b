/* privs.c -- chroot and setuid/setgid without NSS
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privs.h"

/* Parses a decimal id (at most 2^31-1); returns -1 when `s` is not one. */
static long parse_id(const char *s, size_t n)
{
    long v = 0;
    if (n == 0 || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v > 0x7fffffffL ? -1 : v;
}

/* Finds the passwd line whose field `by` (0 = name, 2 = uid) equals key.
 * Returns: 1 found (uid, gid set), 0 not found, -1 cannot read the file. */
static int passwd_find(const char *path, int by, const char *key, size_t klen, long *uid,
                       long *gid)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char line[1024];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        /* name:passwd:uid:gid:gecos:home:shell */
        const char *fld[4];
        size_t len[4];
        const char *p = line;
        int k;
        for (k = 0; k < 4; k++) {
            const char *c = strchr(p, ':');
            if (c == NULL)
                break;
            fld[k] = p;
            len[k] = (size_t)(c - p);
            p = c + 1;
        }
        if (k < 4)
            continue;
        if (len[by] != klen || memcmp(fld[by], key, klen) != 0)
            continue;
        long u = parse_id(fld[2], len[2]), g = parse_id(fld[3], len[3]);
        if (u < 0 || g < 0)
            continue;
        *uid = u;
        *gid = g;
        found = 1;
    }
    fclose(f);
    return found;
}

int rt_privs_parse_user(rt_privs_t *p, const char *text, const char *passwd, char *err,
                        size_t errcap)
{
    const char *file = passwd ? passwd : "/etc/passwd";
    const char *colon = strchr(text, ':');
    size_t ulen = colon ? (size_t)(colon - text) : strlen(text);
    long uid = parse_id(text, ulen), gid = -1;
    if (colon) {
        gid = parse_id(colon + 1, strlen(colon + 1));
        if (uid < 0 || gid < 0) {
            snprintf(err, errcap, "invalid --user '%s' (want NAME, UID or UID:GID)", text);
            return -1;
        }
    } else {
        long u2, g2;
        int r = passwd_find(file, uid >= 0 ? 2 : 0, text, ulen, &u2, &g2);
        if (uid < 0 && r <= 0) {
            if (r < 0)
                snprintf(err, errcap, "cannot read %s to look up user '%s': %s", file, text,
                         strerror(errno));
            else
                snprintf(err, errcap, "unknown user '%s' (not in %s; give UID:GID instead)",
                         text, file);
            return -1;
        }
        if (r > 0) {
            uid = u2;
            gid = g2;
        } else {
            gid = uid;
        }
    }
    p->have_user = 1;
    p->uid = (uid_t)uid;
    p->gid = (gid_t)gid;
    return 0;
}

int rt_privs_apply(const rt_privs_t *p, char *err, size_t errcap)
{
    if (p->chroot_dir) {
        if (chroot(p->chroot_dir) < 0) {
            snprintf(err, errcap, "cannot chroot to '%s': %s", p->chroot_dir, strerror(errno));
            return -1;
        }
        if (chdir("/") < 0) {
            snprintf(err, errcap, "cannot chdir to / after chroot: %s", strerror(errno));
            return -1;
        }
    }
    if (!p->have_user)
        return 0;
    if (getuid() == p->uid && geteuid() == p->uid && getgid() == p->gid &&
        getegid() == p->gid && p->uid != 0) {
        /* already that user (tests, unprivileged runs): keep the groups */
        return 0;
    }
    gid_t g = p->gid;
    if (setgroups(1, &g) < 0) {
        snprintf(err, errcap, "cannot set supplementary groups to %u: %s", (unsigned)g,
                 strerror(errno));
        return -1;
    }
    if (setresgid(p->gid, p->gid, p->gid) < 0) {
        snprintf(err, errcap, "cannot set group id %u: %s", (unsigned)p->gid, strerror(errno));
        return -1;
    }
    if (setresuid(p->uid, p->uid, p->uid) < 0) {
        snprintf(err, errcap, "cannot set user id %u: %s", (unsigned)p->uid, strerror(errno));
        return -1;
    }
    if (p->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        snprintf(err, errcap, "privileges not dropped: root could be regained");
        return -1;
    }
    return 0;
}
