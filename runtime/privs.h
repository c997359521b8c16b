/* privs.h -- chroot and privilege drop after the sockets are bound
 * SPDX-License-Identifier: MIT
 *
 * The server binds port 53 as root, then gives root up: --chroot DIR
 * (chroot + chdir "/"; the zone data is in the binary, so nothing is read
 * afterwards) and --user NAME|UID[:GID] (setgroups, setgid, setuid, then a
 * check that root cannot be regained). The binary is static, where glibc's
 * getpwnam needs NSS modules it cannot load, so a NAME is looked up in
 * /etc/passwd directly (at flag parsing time, before any chroot).
 * Every step fails closed: the caller prints the message and exits 2.
 */
#ifndef ZONEC_PRIVS_H
#define ZONEC_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct rt_privs {
    int have_user;        /* --user given */
    uid_t uid;
    gid_t gid;
    const char *chroot_dir; /* NULL = none */
} rt_privs_t;

/* Resolves "NAME", "UID" or "UID:GID" into p->uid/gid (a bare UID takes
 * its group from /etc/passwd, else GID = UID). `passwd` is the file to
 * read (NULL = /etc/passwd). Returns: 0, or -1 with a message in err. */
int rt_privs_parse_user(rt_privs_t *p, const char *text, const char *passwd, char *err,
                        size_t errcap);

/* Applies p: chroot, then the identity change. Call after binding and
 * before starting threads. Returns: 0, or -1 with a message in err. */
int rt_privs_apply(const rt_privs_t *p, char *err, size_t errcap);

#endif
