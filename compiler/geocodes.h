/* geocodes.h -- ISO 3166 country/subdivision validation and the continent table
 * SPDX-License-Identifier: MIT
 *
 * geo rules name locations: `continent EU`, `country US, CA`,
 * `subdivision US-CA`. The compiler checks every code here:
 *
 *   - countries (ISO 3166-1 alpha-2) and subdivisions (ISO 3166-2) come from
 *     Debian's iso-codes package, read at compile time from
 *     /usr/share/iso-codes/json/iso_3166-1.json and iso_3166-2.json (another
 *     directory through geocodes_load()'s argument or $ZONEC_ISO_CODES_DIR).
 *     XK (Kosovo) is accepted as well: it is user-assigned, not in ISO 3166-1,
 *     but geolocation data uses it;
 *   - continents are the seven codes AF AN AS EU NA OC SA, and the country ->
 *     continent table is data in geocodes.c (no file needed). Its source is
 *     the mapping MaxMind published with its GeoIP C library (libGeoIP 1.6,
 *     Debian package libgeoip1, GeoIP_country_continent), the convention
 *     geolocation databases follow (e.g. RU and TR in EU, CY and the
 *     Caucasus in AS, AQ/BV/GS/HM/TF in AN), plus XK -> EU and the withdrawn
 *     AN (Netherlands Antilles, still in some data) -> NA.
 *     tests/geo/check-continents.sh compares the table with libGeoIP's.
 */
#ifndef ZONEC_GEOCODES_H
#define ZONEC_GEOCODES_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"

typedef struct geocodes geocodes_t;

/* Default location of the iso-codes JSON files. */
#define GEOCODES_DEFAULT_DIR "/usr/share/iso-codes/json"

/* Reads iso_3166-1.json and iso_3166-2.json from `dir` (NULL: the
 * $ZONEC_ISO_CODES_DIR environment variable, else GEOCODES_DEFAULT_DIR).
 * Reports at `ref` and returns NULL when a file cannot be read
 * ("cannot open '<path>': <strerror> (install the iso-codes package)") or
 * holds no codes ("'<path>' has no ISO 3166 codes").
 * A successful load is cached for the life of the process, keyed by the
 * directory and both files' device, inode, size and mtime: the next call
 * for unchanged files returns the same set without reading them (a process
 * that compiles many inputs, like the fuzz targets, scans the JSON once).
 * Ownership: read-only, valid at least as long as `a` (it is in `a` or in
 * the process-wide cache); the caller frees nothing. */
geocodes_t *geocodes_load(arena_t *a, const char *dir, loc_t ref);

/* Whether `cc` (len bytes; case-sensitive, upper case) is an ISO 3166-1
 * alpha-2 code (or XK). */
int geocodes_is_country(const geocodes_t *g, const char *cc, size_t len);

/* Whether `code` (len bytes, e.g. "US-CA") is an ISO 3166-2 subdivision code. */
int geocodes_is_subdivision(const geocodes_t *g, const char *code, size_t len);

/* How many countries / subdivisions were loaded (tests, statistics). */
size_t geocodes_country_count(const geocodes_t *g);
size_t geocodes_subdivision_count(const geocodes_t *g);

/* Whether `code` (len bytes) is one of AF AN AS EU NA OC SA. */
int geocodes_is_continent(const char *code, size_t len);

/* The continent of country `cc` (two upper-case letters) as a static
 * two-letter string, or NULL for a code the table does not know. */
const char *geocodes_continent(const char *cc);

#endif
