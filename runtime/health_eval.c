/* health_eval.c -- pure parts of the health checker: validation, pins,
 * calculated checks (shared by the prober and the unit tests)
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "health.h"

#define BIT(bm, i) (((bm)[(i) >> 6] >> ((i) & 63)) & 1u)

size_t rt_health_derive(const rt_check_def_t *defs, size_t n, const uint32_t *children,
                        uint64_t *bitmap, const uint64_t *pinned)
{
    size_t changed = 0;
    /* n rounds reach the fixed point of any acyclic nesting; a cycle (the
     * compiler refuses them) merely stops changing after n rounds. */
    for (size_t round = 0; round <= n; round++) {
        size_t this_round = 0;
        for (size_t i = 0; i < n; i++) {
            const rt_check_def_t *d = &defs[i];
            if (d->kind != RT_CK_CALCULATED || (pinned && BIT(pinned, i)))
                continue;
            uint32_t up = 0;
            for (uint32_t k = 0; k < d->child_count; k++) {
                uint32_t c = children[d->child_first + k];
                up += (uint32_t)BIT(bitmap, c);
            }
            uint32_t need = d->at_least ? d->at_least : d->child_count;
            int healthy = up >= need;
            if (d->flags & RT_CKF_INVERTED)
                healthy = !healthy;
            if ((int)BIT(bitmap, i) != healthy) {
                bitmap[i >> 6] ^= (uint64_t)1 << (i & 63);
                this_round++;
            }
        }
        changed += this_round;
        if (this_round == 0)
            break;
    }
    return changed;
}

int rt_health_validate(const rt_check_def_t *defs, size_t n, const char *strings,
                       size_t strings_len, const uint32_t *children, size_t nchildren,
                       char *err, size_t errlen)
{
    (void)strings;
    if (n > RT_HEALTH_MAX_CHECKS) {
        snprintf(err, errlen, "%zu checks (at most %u)", n, RT_HEALTH_MAX_CHECKS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const rt_check_def_t *d = &defs[i];
#define RANGE(off, len)                                                                            \
    ((uint64_t)(off) + (len) > strings_len && (len) > 0)
        if (RANGE(d->name_off, d->name_len) || RANGE(d->host_off, d->host_len) ||
            RANGE(d->path_off, d->path_len) || RANGE(d->contains_off, d->contains_len)) {
            snprintf(err, errlen, "check %zu: string outside the pool", i);
            return -1;
        }
#undef RANGE
        if (d->kind > RT_CK_CALCULATED) {
            snprintf(err, errlen, "check %zu: unknown kind %u", i, d->kind);
            return -1;
        }
        if (d->kind == RT_CK_CALCULATED) {
            if ((uint64_t)d->child_first + d->child_count > nchildren ||
                d->at_least > d->child_count) {
                snprintf(err, errlen, "check %zu: bad children", i);
                return -1;
            }
            for (uint32_t k = 0; k < d->child_count; k++)
                if (children[d->child_first + k] >= n) {
                    snprintf(err, errlen, "check %zu: child index out of range", i);
                    return -1;
                }
        } else if (d->contains_len > RT_HEALTH_BODY_MAX) {
            snprintf(err, errlen, "check %zu: contains longer than %u bytes", i,
                     RT_HEALTH_BODY_MAX);
            return -1;
        }
    }
    return 0;
}

int rt_health_pin_parse(const rt_check_def_t *defs, size_t n, const char *strings,
                        const char *arg, rt_pin_t *out, char *err, size_t errlen)
{
    const char *eq = strrchr(arg, '=');
    if (!eq || eq == arg || (strcmp(eq + 1, "up") != 0 && strcmp(eq + 1, "down") != 0)) {
        snprintf(err, errlen, "--check-state wants CHECK=up or CHECK=down, not '%s'", arg);
        return -1;
    }
    size_t len = (size_t)(eq - arg);
    for (size_t i = 0; i < n; i++) {
        if (defs[i].name_len == len && memcmp(strings + defs[i].name_off, arg, len) == 0) {
            out->check = (uint32_t)i;
            out->up = eq[1] == 'u';
            return 0;
        }
    }
    snprintf(err, errlen, "--check-state: no check named '%.*s'", (int)len, arg);
    return -1;
}
