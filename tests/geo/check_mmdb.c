/* check_mmdb.c -- compare geodata.c's walk of a MaxMind DB with libmaxminddb lookups
 * SPDX-License-Identifier: MIT
 *
 * usage: check_mmdb FILE.mmdb [COUNT [FILE.csv]]
 *
 * geodata_load() extracts every network of the file by walking its search
 * tree; libmaxminddb's own MMDB_lookup_sockaddr() is the reference. For COUNT
 * random addresses (half IPv4, half IPv6; half of them at or next to range
 * edges) the country must agree. For IPv6 trees it also counts IPv4 lookups
 * that answer differently through ::ffff:a.b.c.d (files without the alias),
 * for information. With FILE.csv (the same data as CSV, e.g. ip-location-db
 * publishes both), the two range lists geodata.c makes must be identical
 * range for range -- which checks the CSV overlap rule against the
 * publisher's own .mmdb build. Exit 1 on any mismatch.
 */
#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "diag.h"
#include "geodata.h"
#include "prefix.h"

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

/* The country libmaxminddb gives for addr, "" when none. */
static void lib_country(MMDB_s *db, int fam, const uint8_t *addr, int mapped, char out[3])
{
    struct sockaddr_in s4 = {0};
    struct sockaddr_in6 s6 = {0};
    const struct sockaddr *sa;
    if (fam == 4 && !mapped) {
        s4.sin_family = AF_INET;
        memcpy(&s4.sin_addr, addr, 4);
        sa = (const struct sockaddr *)&s4;
    } else {
        s6.sin6_family = AF_INET6;
        if (fam == 4) { /* ::ffff:a.b.c.d */
            s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
            memcpy(&s6.sin6_addr.s6_addr[12], addr, 4);
        } else {
            memcpy(&s6.sin6_addr, addr, 16);
        }
        sa = (const struct sockaddr *)&s6;
    }
    int err;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, sa, &err);
    out[0] = 0;
    if (err != MMDB_SUCCESS || !r.found_entry)
        return;
    MMDB_entry_data_s d;
    if ((MMDB_get_value(&r.entry, &d, "country", "iso_code", NULL) == MMDB_SUCCESS && d.has_data) ||
        (MMDB_get_value(&r.entry, &d, "country_code", NULL) == MMDB_SUCCESS && d.has_data))
        if (d.type == MMDB_DATA_TYPE_UTF8_STRING && d.data_size == 2) {
            memcpy(out, d.utf8_string, 2);
            out[2] = 0;
        }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.mmdb [COUNT]\n", argv[0]);
        return 2;
    }
    long count = argc > 2 ? atol(argv[2]) : 100000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    arena_t *a = arena_new(0);
    geodata_t *g = geodata_load(a, argv[1], (loc_t){0, 0, 0});
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!g || diag_error_count())
        return 1;
    MMDB_s db;
    if (MMDB_open(argv[1], MMDB_MODE_MMAP, &db) != MMDB_SUCCESS)
        return 2;
    long bad = 0, no_alias = 0;
    for (long q = 0; q < count; q++) {
        int fam = q % 2 ? 6 : 4;
        if (fam == 6 && db.metadata.ip_version == 4)
            fam = 4;
        uint8_t ad[16] = {0};
        size_t b = fam == 4 ? 0 : g->count4, e = fam == 4 ? g->count4 : g->count;
        if (q % 4 >= 2 && e > b) {
            const geodata_range_t *r = &g->ranges[b + rnd() % (e - b)];
            memcpy(ad, rnd() % 2 ? r->start : r->end, 16);
            int last = (fam == 4 ? 4 : 16) - 1, step = (int)(rnd() % 3) - 1;
            for (int i = last; i >= 0 && step; i--) { /* +-1 with carry */
                int v = ad[i] + step;
                ad[i] = (uint8_t)v;
                if (v >= 0 && v <= 255)
                    break;
            }
        } else {
            for (int i = 0; i < 16; i++)
                ad[i] = (uint8_t)rnd();
            if (fam == 4)
                memset(ad + 4, 0, 12);
            else if (rnd() % 2)
                ad[0] = (uint8_t)(0x20 | (ad[0] & 0x1f)); /* 2000::/3 */
        }
        const geodata_range_t *r = geodata_find(g, fam, ad);
        const char *got = r ? r->country : "";
        char want[3];
        lib_country(&db, fam, ad, 0, want);
        int ok = strcmp(got, want) == 0;
        if (ok && fam == 4 && db.metadata.ip_version == 6) {
            char mapped[3];
            lib_country(&db, fam, ad, 1, mapped);
            no_alias += strcmp(mapped, want) != 0; /* files without the ::ffff:0:0/96 alias */
        }
        if (!ok && bad++ < 10) {
            char t[64];
            fprintf(stderr, "MISMATCH %s: geodata '%s', libmaxminddb '%s'\n",
                    inet_ntop(fam == 4 ? AF_INET : AF_INET6, ad, t, sizeof t), got, want);
        }
    }
    printf("file:        %s (IPv%d tree, %u nodes, record size %u)\n", argv[1], db.metadata.ip_version,
           db.metadata.node_count, db.metadata.record_size);
    printf("walk:        %zu ranges (%zu IPv4, %zu IPv6) in %.3f s\n", g->count, g->count4, g->count - g->count4,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("compared:    %ld addresses, %ld mismatches\n", count, bad);
    if (db.metadata.ip_version == 6)
        printf("aliases:     %ld IPv4 lookups through ::ffff:a.b.c.d answered differently%s\n", no_alias,
               no_alias ? " (the file has no ::ffff:0:0/96 alias; geodata reads IPv4 from ::/96)" : "");
    if (argc > 3) {
        geodata_t *c = geodata_load(a, argv[3], (loc_t){0, 0, 0});
        if (!c || diag_error_count())
            return 1;
        size_t diff = c->count != g->count;
        for (size_t i = 0; i < c->count && i < g->count; i++) {
            const geodata_range_t *x = &c->ranges[i], *y = &g->ranges[i];
            if (x->family != y->family || memcmp(x->start, y->start, 16) || memcmp(x->end, y->end, 16) ||
                strcmp(x->country, y->country)) {
                if (diff++ < 5) {
                    char t[64];
                    fprintf(stderr, "DIFFER at %zu: csv %s %s (line %u), mmdb %s\n", i,
                            prefix_format_addr(t, sizeof t, x->family, x->start), x->country, x->line, y->country);
                }
            }
        }
        printf("vs csv:      %s: %zu ranges vs %zu, %zu differ\n", argv[3], c->count, g->count, diff);
        bad += (long)diff;
    }
    MMDB_close(&db);
    arena_free(a);
    return bad ? 1 : 0;
}
