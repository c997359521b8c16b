/* latency.h -- the latency data file: region coordinates and measured RTTs (YAML)
 * SPDX-License-Identifier: MIT
 *
 * A `latency "FILE";` statement names a YAML file (SPEC section 3):
 *
 *   regions:                       # every region a latency rule names
 *     us-east-1: { lat: 38.9, lon: -77.0 }
 *     eu-west-1: { lat: 53.3, lon: -6.3 }
 *   rtt:                           # optional measurements, longest prefix wins
 *     - prefix: 198.51.100.0/24
 *       ms: { us-east-1: 80, eu-west-1: 20 }
 *
 * latency rules order their regions by the RTT measured for the client's
 * prefix (the longest `rtt` prefix containing the client), else by distance
 * from the client's geodata coordinates to the regions' coordinates.
 *
 * Diagnostics point at the offending node (file:line:col from libyaml's
 * marks); every problem is reported and loading goes on with the next
 * entry:
 *   invalid YAML: <libyaml's problem> [<context>]
 *   more than one YAML document
 *   expected a mapping / expected a sequence / expected a scalar value
 *   unknown key '<k>' (expected 'regions' or 'rtt')
 *   unknown key '<k>' in region '<r>' (expected 'lat' and 'lon')
 *   unknown key '<k>' in an rtt entry (expected 'prefix' and 'ms')
 *   duplicate key '<k>'                    (+ note: first given here)
 *   duplicate region '<r>'                 (+ note: first defined here)
 *   latency file has no 'regions'
 *   region '<r>' has no '<lat|lon>'
 *   rtt entry has no '<prefix|ms>'
 *   bad latitude '<v>' (expected a number in -90..90)
 *   bad longitude '<v>' (expected a number in -180..180)
 *   bad RTT '<v>' (expected milliseconds: a number from 0 to 3600000)
 *   bad prefix '<v>': <not an IPv4 or IPv6 address | bad prefix length |
 *                       host bits set after the prefix length>
 *   duplicate prefix '<p>'                 (+ note: first given here)
 *   unknown region '<r>' (not in 'regions')
 * and for the file: cannot open '<path>': <strerror>.
 */
#ifndef ZONEC_LATENCY_H
#define ZONEC_LATENCY_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "prefix.h"

/* A region and its coordinates. */
typedef struct latency_region {
    const char *name;       /* NUL-terminated */
    int32_t lat_e6;         /* micro-degrees */
    int32_t lon_e6;
    loc_t loc;              /* its key in the file */
} latency_region_t;

/* "Not measured" in latency_rtt_t.rtt_us. */
#define LATENCY_NO_RTT UINT32_MAX

/* One `rtt` entry. */
typedef struct latency_rtt {
    prefix_cidr_t prefix;   /* outcome: PREFIX_NONE */
    uint32_t *rtt_us;       /* per region (index into regions), microseconds, or LATENCY_NO_RTT */
    loc_t loc;              /* the prefix value */
} latency_rtt_t;

typedef struct latency {
    latency_region_t *regions;  /* in file order */
    size_t region_count;
    latency_rtt_t *rtts;        /* in file order (entries with errors left out) */
    size_t rtt_count;
    uint32_t file;              /* diag file id */
} latency_t;

/* Reads and parses `path` (reported at `ref` when it cannot be read).
 * Returns: the data, possibly partial after errors (check
 * diag_error_count()); NULL when the file cannot be read.
 * Ownership: in `a`; the file text is kept there for diagnostics. */
latency_t *latency_load(arena_t *a, const char *path, loc_t ref);

/* Parses text[0..len) of registered file `file`. Returns: never NULL. */
latency_t *latency_parse(arena_t *a, uint32_t file, const char *text, size_t len);

/* The index of region `name` (len bytes), or -1. Linear: region lists are short. */
long latency_region_find(const latency_t *l, const char *name, size_t len);

#endif
