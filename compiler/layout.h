/* layout.h -- from the checked IR to the runtime blob (runtime/rt.h)
 * SPDX-License-Identifier: MIT
 *
 * layout_build() decides, for every name the server can be asked about,
 * what each query type gets, and writes it as precompiled response images:
 *
 *  - nodes: every zone's names in canonical order (apex, owners, empty
 *    non-terminals, cuts, glue); slot = MPHF(lowercase wire name), so the
 *    rt_node array is in slot order, not canonical order;
 *  - per node, (qtype -> image) entries sorted by type: one per RRset
 *    (answer + additional A/AAAA for NS/MX/SRV targets inside the zone),
 *    CNAME chains chased inside the zone at compile time (one entry per
 *    qtype the chain's end has, and the CNAME entry for every other qtype),
 *    a referral image at delegation points, the minimal ANY answer;
 *  - per zone, NXDOMAIN and NODATA images with the SOA in authority (TTL =
 *    min(SOA TTL, SOA MINIMUM), RFC 2308 §3) stored with fixups so one image
 *    serves every qname length;
 *  - wildcard images (owner = the qname) with fixups.
 *
 * In the byte pool each node's name is followed by its record (rt.h NODE
 * RECORDS: copies of its type entries and their image headers) and then
 * by the bytes of its images, so one query touches one stretch of memory.
 *
 * Compression: owners point at the question (offset 12); names in rdata
 * that RFC 3597 §4 allows to compress point at a suffix of the qname or an
 * earlier name in the image. Cut points after each additional RR let the
 * runtime drop additional data instead of truncating (RFC 2181 §9).
 *
 * Same IR and seed => byte-identical blob.
 */
#ifndef ZONEC_LAYOUT_H
#define ZONEC_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "ir.h"

/* Builds the blob for all zones of `ir` (after ir_finish()). `seed` seeds
 * the MPHF construction (retries are deterministic).
 * Returns: 0 and sets *blob (xmalloc'd, caller frees) and *len; or -1 after
 * reporting a diagnostic (e.g. a response image over 65535 bytes). */
int layout_build(ir_t *ir, uint32_t seed, uint8_t **blob, size_t *len);

#endif
