/* check_continents.c -- compare geocodes.c's continent table with libGeoIP's
 * SPDX-License-Identifier: MIT
 *
 * libGeoIP (MaxMind's legacy C library, Debian libgeoip1) carries the
 * published country -> continent mapping the table in geocodes.c follows.
 * Every real country code of libGeoIP must map to the same continent here;
 * its pseudo-codes (AP EU A1 A2 O1 --) are skipped.
 */
#include <GeoIP.h>
#include <stdio.h>
#include <string.h>

#include "geocodes.h"

int main(void)
{
    unsigned n = GeoIP_num_countries(), checked = 0, bad = 0;
    for (unsigned i = 0; i < n; i++) {
        const char *cc = GeoIP_code_by_id((int)i), *want = GeoIP_continent_by_id((int)i);
        if (!cc || strlen(cc) != 2 || !want || !strcmp(want, "--") || !strcmp(cc, "AP") || !strcmp(cc, "EU"))
            continue;
        const char *got = geocodes_continent(cc);
        checked++;
        if (!got || strcmp(got, want)) {
            printf("MISMATCH %s: geocodes %s, libGeoIP %s\n", cc, got ? got : "none", want);
            bad++;
        }
    }
    printf("continents: %u countries compared with libGeoIP, %u mismatches\n", checked, bad);
    return bad ? 1 : 0;
}
