/* rrtype.h -- the table of RR types: mnemonic, code, rdata layout, text <-> wire
 * SPDX-License-Identifier: MIT
 *
 * One descriptor table (X-macro, in the manner of Knot's descriptor.c) drives
 * the zone-file reader (text -> wire), the checks (names inside rdata), the
 * compressor (which rdata names may be compressed, RFC 3597 §4) and the
 * `zonec query` printer (wire -> text). Types: A AAAA CNAME MX NS SOA TXT SRV
 * PTR CAA NAPTR SSHFP TLSA DS HTTPS SVCB SPF (and HINFO RP AFSDB DNSKEY CDS
 * CDNSKEY SMIMEA OPENPGPKEY ZONEMD URI, so that files Knot DNS reads load),
 * plus any type in RFC 3597 generic form (TYPE65534 \# 2 abcd).
 */
#ifndef ZONEC_RRTYPE_H
#define ZONEC_RRTYPE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

enum {
    RR_A = 1, RR_NS = 2, RR_CNAME = 5, RR_SOA = 6, RR_PTR = 12, RR_HINFO = 13,
    RR_MX = 15, RR_TXT = 16, RR_AAAA = 28, RR_SRV = 33, RR_NAPTR = 35,
    RR_DS = 43, RR_SSHFP = 44, RR_RRSIG = 46, RR_NSEC = 47, RR_DNSKEY = 48,
    RR_TLSA = 52, RR_SVCB = 64, RR_HTTPS = 65, RR_SPF = 99, RR_OPT = 41,
    RR_IXFR = 251, RR_AXFR = 252, RR_MAILB = 253, RR_MAILA = 254, RR_ANY = 255,
    RR_CAA = 257,
};

enum {
    CLASS_IN = 1, CLASS_CH = 3, CLASS_HS = 4, CLASS_ANY = 255,
};

/* Kinds of rdata blocks, in order within the rdata. */
typedef enum rdata_block {
    RB_END = 0,
    RB_DNAME_COMPRESS, /* a name that may be compressed on output (NS, CNAME, SOA, MX, PTR) */
    RB_DNAME,          /* a name that must not be compressed (SRV, NAPTR replacement, SVCB) */
    RB_FIXED1, RB_FIXED2, RB_FIXED4, RB_FIXED16, /* integers / addresses */
    RB_STRING,         /* one <character-string> */
    RB_STRINGS,        /* one or more <character-string>s to the end (TXT) */
    RB_REMAINDER,      /* opaque bytes to the end */
} rdata_block_t;

#define RRTYPE_MAX_BLOCKS 8

typedef struct rrtype_desc {
    uint16_t code;
    const char *name;       /* mnemonic, e.g. "AAAA" */
    rdata_block_t blocks[RRTYPE_MAX_BLOCKS];
    uint8_t additional;     /* names in rdata trigger additional A/AAAA (NS, MX, SRV) */
} rrtype_desc_t;

/* The descriptor for `code`; for types we do not know, a generic descriptor
 * whose rdata is one RB_REMAINDER block and whose name is "TYPEnnn". */
const rrtype_desc_t *rrtype_by_code(uint16_t code);

/* Parses a mnemonic ("aaaa" or "TYPE28", case-insensitive).
 * Returns: 1 and sets *code, or 0 when unknown. */
int rrtype_from_text(const char *text, size_t len, uint16_t *code);

/* Writes the mnemonic of `code` ("A", "TYPE65534") into buf. */
const char *rrtype_to_text(uint16_t code, char *buf, size_t cap);

/* Parses a duration as master files write TTLs and SOA timers: decimal
 * seconds ("3600") or number+unit groups with units s m h d w in any case
 * ("1h30m", "2D"), as BIND and Knot accept them.
 * Returns: 1 and sets *out; 0 for bad syntax; -1 when above 4294967295. */
int rrtype_time_from_text(const char *text, size_t len, uint32_t *out);

/* Text -> wire for one RR's rdata. `fields` are the presentation tokens of
 * the rdata (already split by the scanner, quotes removed for quoted
 * strings, `quoted[i]` set for those), `field_locs[i]` their locations.
 * Names are relative to `origin`. Handles the RFC 3597 form "\# LEN HEX".
 * On error reports a diagnostic at the offending field and returns -1.
 * Returns: rdata length written to out (RR rdata max 65535 bytes). */
typedef struct rdata_field {
    const char *text;
    size_t len;
    uint8_t quoted;
    loc_t loc;
} rdata_field_t;

int rrtype_rdata_from_text(uint16_t type, const rdata_field_t *fields, size_t nfields,
                           const uint8_t *origin, uint8_t *out, size_t cap, loc_t rr_loc);

/* Wire -> presentation for one RR's rdata (as dig prints it), into buf.
 * Malformed rdata is printed in RFC 3597 form. Returns the text length. */
size_t rrtype_rdata_to_text(uint16_t type, const uint8_t *rdata, size_t len, char *buf,
                            size_t cap);

/* Checks that rdata[0..len) is well formed for `type` (names valid, strings
 * within bounds). Returns 1 when it is. */
int rrtype_rdata_valid(uint16_t type, const uint8_t *rdata, size_t len);

/* Calls fn for each domain name inside well-formed rdata, with its offset in
 * the rdata and whether it may be compressed. */
void rrtype_rdata_names(uint16_t type, const uint8_t *rdata, size_t len,
                        void (*fn)(void *arg, size_t off, int compress), void *arg);

#endif
