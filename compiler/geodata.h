/* geodata.h -- IP -> location databases (CSV or MaxMind DB) as one sorted range list
 * SPDX-License-Identifier: MIT
 *
 * A `geodata "FILE";` statement names a database mapping client addresses to
 * a location: country (ISO 3166-1 alpha-2), subdivision (ISO 3166-2, "US-CA")
 * and coordinates. geo and latency rules decide by it. Two formats are read
 * (SPEC section 3, "Data files"):
 *
 *   CSV   one range per line: start,end,country[,subdivision[,latitude,longitude]]
 *         inclusive ranges, IPv4 or IPv6, as published by ip-location-db and
 *         DB-IP lite. Empty fields are allowed ("1.0.0.0,1.0.0.255,,,"), as
 *         are blank lines, '#' comment lines, a header line (a first line whose
 *         first field starts with a letter and is not an address), CRLF line
 *         ends, spaces around fields and double quotes around a field. A
 *         subdivision without its country prefix ("CA" on a US line) is
 *         completed to "US-CA".
 *   MMDB  MaxMind DB files (GeoLite2/GeoIP2, DB-IP, ip-location-db), read with
 *         libmaxminddb by walking the whole search tree. Per network:
 *         country.iso_code (else ip-location-db's country_code),
 *         subdivisions[0].iso_code prefixed with the country, and
 *         location.latitude/longitude (else top-level latitude/longitude).
 *         In an IPv6 database the IPv4 space is the subtree at ::/96; the
 *         aliases of it that MaxMind writers add (::ffff:0:0/96, 2002::/16)
 *         are skipped so IPv4 networks appear once, as IPv4.
 *
 * Either way the result is one list, IPv4 ranges first, each family sorted by
 * start address, non-overlapping, with adjacent ranges that carry the same
 * location merged. Overlapping input ranges are resolved in file order:
 * each line overwrites the addresses it covers, so an address gets the
 * location of the LAST line that contains it (a file that is not sorted is
 * sorted first by start address, keeping the line order of equal starts).
 * This is what MaxMind DB writers do with the same lines, and it matches
 * ip-location-db's own .mmdb builds of its CSVs. Nested ranges are normal in
 * published files (ip-location-db lists a registry block, then the geofeed
 * refinements inside it) and pass silently; a range that crosses the end of
 * another, or repeats a span with another location, is warned about
 * [-Wgeodata-overlap] (the first 10 per file, then one count). Codes are checked for shape here (two letters; CC-XXX);
 * whether they exist in ISO 3166 is geocodes.h's business (real data uses
 * e.g. XK for Kosovo, which is not in ISO 3166-1).
 *
 * Diagnostics (file:line:col of the offending field, every error reported,
 * loading continues with the next line):
 *   '<text>' is not an IPv4 or IPv6 address
 *   range mixes IPv4 and IPv6 addresses
 *   range start is after its end
 *   warning: range partially overlaps the range on line N; the later line
 *            wins where they overlap [-Wgeodata-overlap]
 *   warning: range repeats the range on line N with another location; this
 *            line wins [-Wgeodata-overlap]
 *   warning: N more ranges partially overlap others [-Wgeodata-overlap]  (file)
 *   bad country code '<text>' (expected two letters, ISO 3166-1 alpha-2)
 *   bad subdivision code '<text>' (expected an ISO 3166-2 code like US-CA)
 *   subdivision '<code>' is not in country '<CC>'
 *   bad latitude '<text>' (expected a number in -90..90)
 *   bad longitude '<text>' (expected a number in -180..180)
 *   latitude and longitude must be given together
 *   expected at least 3 fields (start,end,country), found N
 *   too many fields (expected start,end,country[,subdivision[,latitude,longitude]])
 * and for files: cannot open '<path>': <strerror>; for MMDB:
 *   cannot read MaxMind DB '<path>': <libmaxminddb message>
 *   cannot read MaxMind DB '<path>': libmaxminddb is not installed (libmaxminddb0)
 *   MaxMind DB support is not built in (install libmaxminddb-dev and rebuild)
 * (libmaxminddb is loaded with dlopen() when a .mmdb file is first read.)
 */
#ifndef ZONEC_GEODATA_H
#define ZONEC_GEODATA_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

/* One range of addresses with one location. */
typedef struct geodata_range {
    uint8_t start[16];      /* network order; IPv4 in bytes 0..3, the rest zero */
    uint8_t end[16];        /* inclusive */
    uint8_t family;         /* 4 or 6 */
    uint8_t has_coord;      /* lat_e6/lon_e6 are meaningful */
    char country[3];        /* "US", or "" when unknown */
    char subdivision[8];    /* "US-CA", or "" */
    int32_t lat_e6;         /* latitude in micro-degrees, -90e6..90e6 */
    int32_t lon_e6;         /* longitude in micro-degrees, -180e6..180e6 */
    uint32_t line;          /* CSV line of the range (the first, when merged); 0 for MMDB */
} geodata_range_t;

/* A loaded database. */
typedef struct geodata {
    geodata_range_t *ranges;
    size_t count;
    size_t count4;          /* ranges[0..count4) are IPv4, the rest IPv6 */
    uint32_t file;          /* diag file id of the database (0 when none) */
} geodata_t;

/* Loads `path`: a MaxMind DB when the file carries the MMDB metadata marker,
 * CSV otherwise. The file is registered with diag_add_file() (CSV text is kept
 * for source excerpts). `ref` is where an unreadable file is reported (the
 * geodata statement's path token).
 * Returns: the database, possibly partial when errors were reported (check
 * diag_error_count()); NULL when the file cannot be read at all.
 * Ownership: everything in `a`, which must outlive the result. */
geodata_t *geodata_load(arena_t *a, const char *path, loc_t ref);

/* Parses CSV text[0..len) of registered file `file`.
 * Returns: the database (never NULL). Ownership: in `a`; `text` must stay
 * alive as long as diagnostics may quote it (until exit). */
geodata_t *geodata_parse_csv(arena_t *a, uint32_t file, const char *text, size_t len);

/* Reads a MaxMind DB file. Returns: the database, or NULL after reporting
 * an error at `ref` (unreadable, corrupt, or no libmaxminddb support). */
geodata_t *geodata_read_mmdb(arena_t *a, const char *path, loc_t ref);

/* Whether this build can read MaxMind DB files. */
int geodata_have_mmdb(void);

/* The range containing `addr` (4 or 16 bytes by `family`), or NULL.
 * Binary search: O(log n). */
const geodata_range_t *geodata_find(const geodata_t *g, int family, const uint8_t *addr);

/* Parses a decimal degree value ("-74.01", "51", "+0.5") of `len` bytes into
 * micro-degrees, rounding half away from zero past the sixth decimal, and
 * checks it is within -limit..limit degrees.
 * Returns: 0, or -1 when it is not a number or out of range. */
int geodata_parse_coord(const char *s, size_t len, int32_t limit, int32_t *out_e6);

#endif
