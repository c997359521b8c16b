/* wire.h -- alignment-safe wire access and the DNS header layout
 * SPDX-License-Identifier: MIT
 *
 * Every multi-byte read or write on a packet or on the blob goes through
 * the helpers below: they copy with memcpy (no unaligned loads, no strict
 * aliasing games) and convert with be16toh/le32toh and friends. Compilers
 * turn each into a single load + bswap on x86-64.
 *
 * The DNS message header (RFC 1035 §4.1.1, RFC 6895 §2):
 *
 *                                  1  1  1  1  1  1
 *    0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |  bytes 0-1
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |  byte 2 = FLAGS1, byte 3 = FLAGS2
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    QDCOUNT                    |  bytes 4-5
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ANCOUNT                    |  bytes 6-7
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    NSCOUNT                    |  bytes 8-9
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                    ARCOUNT                    |  bytes 10-11
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * The flag macros work on the two flag bytes separately (WIRE_FLAGS1 is
 * byte 2, WIRE_FLAGS2 byte 3), like NSD's packet.h: MASK names the bits,
 * GET/SET/CLR act on a header in a buffer.
 *
 * The OPT pseudo-RR (RFC 6891 §6.1.2), as it appears in the additional
 * section: owner "." (one zero byte), TYPE 41, CLASS = requestor's UDP
 * payload size, TTL = extended RCODE (8 bits) | VERSION (8) | DO (1) | Z (15),
 * RDLEN, then options (code 16, length 16, data).
 */
#ifndef ZONEC_WIRE_H
#define ZONEC_WIRE_H

#include <endian.h>
#include <stdint.h>
#include <string.h>

/* ---- scalar access ---------------------------------------------------- */

static inline uint16_t wire_read_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return be16toh(v);
}

static inline uint32_t wire_read_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return be32toh(v);
}

static inline void wire_write_u16(uint8_t *p, uint16_t v)
{
    v = htobe16(v);
    memcpy(p, &v, sizeof v);
}

static inline void wire_write_u32(uint8_t *p, uint32_t v)
{
    v = htobe32(v);
    memcpy(p, &v, sizeof v);
}

/* Little-endian readers for the byte pool of the blob (runtime/rt.h: the
 * blob is little-endian; fixup and cut-point lists live at odd offsets). */
static inline uint16_t wire_read_le16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return le16toh(v);
}

static inline uint32_t wire_read_le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32toh(v);
}

/* ---- header ----------------------------------------------------------- */

#define WIRE_HEADER_LEN 12u

#define WIRE_OFF_ID 0u
#define WIRE_OFF_FLAGS1 2u
#define WIRE_OFF_FLAGS2 3u
#define WIRE_OFF_QDCOUNT 4u
#define WIRE_OFF_ANCOUNT 6u
#define WIRE_OFF_NSCOUNT 8u
#define WIRE_OFF_ARCOUNT 10u

/* FLAGS1 (byte 2) */
#define WIRE_QR_MASK 0x80u
#define WIRE_OPCODE_MASK 0x78u
#define WIRE_OPCODE_SHIFT 3
#define WIRE_AA_MASK 0x04u
#define WIRE_TC_MASK 0x02u
#define WIRE_RD_MASK 0x01u

/* FLAGS2 (byte 3) */
#define WIRE_RA_MASK 0x80u
#define WIRE_Z_MASK 0x40u
#define WIRE_AD_MASK 0x20u
#define WIRE_CD_MASK 0x10u
#define WIRE_RCODE_MASK 0x0fu

#define WIRE_FLAGS1(h) ((h)[WIRE_OFF_FLAGS1])
#define WIRE_FLAGS2(h) ((h)[WIRE_OFF_FLAGS2])

#define WIRE_QR(h) (WIRE_FLAGS1(h) & WIRE_QR_MASK)
#define WIRE_AA(h) (WIRE_FLAGS1(h) & WIRE_AA_MASK)
#define WIRE_TC(h) (WIRE_FLAGS1(h) & WIRE_TC_MASK)
#define WIRE_RD(h) (WIRE_FLAGS1(h) & WIRE_RD_MASK)
#define WIRE_CD(h) (WIRE_FLAGS2(h) & WIRE_CD_MASK)
#define WIRE_OPCODE(h) ((WIRE_FLAGS1(h) & WIRE_OPCODE_MASK) >> WIRE_OPCODE_SHIFT)
#define WIRE_RCODE(h) (WIRE_FLAGS2(h) & WIRE_RCODE_MASK)

#define WIRE_SET_TC(h) (WIRE_FLAGS1(h) |= WIRE_TC_MASK)
#define WIRE_SET_AA(h) (WIRE_FLAGS1(h) |= WIRE_AA_MASK)
#define WIRE_SET_RCODE(h, r) \
    (WIRE_FLAGS2(h) = (uint8_t)((WIRE_FLAGS2(h) & ~WIRE_RCODE_MASK) | ((r) & WIRE_RCODE_MASK)))

#define WIRE_QDCOUNT(h) wire_read_u16((h) + WIRE_OFF_QDCOUNT)
#define WIRE_ANCOUNT(h) wire_read_u16((h) + WIRE_OFF_ANCOUNT)
#define WIRE_NSCOUNT(h) wire_read_u16((h) + WIRE_OFF_NSCOUNT)
#define WIRE_ARCOUNT(h) wire_read_u16((h) + WIRE_OFF_ARCOUNT)

/* Sets all four section counts at once. */
static inline void wire_set_counts(uint8_t *h, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    wire_write_u16(h + WIRE_OFF_QDCOUNT, qd);
    wire_write_u16(h + WIRE_OFF_ANCOUNT, an);
    wire_write_u16(h + WIRE_OFF_NSCOUNT, ns);
    wire_write_u16(h + WIRE_OFF_ARCOUNT, ar);
}

/* ---- codes ------------------------------------------------------------ */

/* Opcodes (RFC 1035 §4.1.1, RFC 1996, RFC 2136) */
#define WIRE_OPCODE_QUERY 0u

/* RCODEs (RFC 1035 §4.1.1, RFC 2136, RFC 6891) */
#define WIRE_RCODE_NOERROR 0u
#define WIRE_RCODE_FORMERR 1u
#define WIRE_RCODE_SERVFAIL 2u
#define WIRE_RCODE_NXDOMAIN 3u
#define WIRE_RCODE_NOTIMP 4u
#define WIRE_RCODE_REFUSED 5u
#define WIRE_RCODE_NOTAUTH 9u
#define WIRE_RCODE_BADVERS 16u /* extended: upper 8 bits in the OPT TTL */

/* Classes and the types the packet path treats specially */
#define WIRE_CLASS_IN 1u
#define WIRE_CLASS_CH 3u
#define WIRE_CLASS_ANY 255u
#define WIRE_TYPE_OPT 41u
#define WIRE_TYPE_DS 43u
#define WIRE_TYPE_RRSIG 46u
#define WIRE_TYPE_NSEC 47u
#define WIRE_TYPE_IXFR 251u
#define WIRE_TYPE_AXFR 252u
#define WIRE_TYPE_ANY 255u

/* ---- OPT -------------------------------------------------------------- */

#define WIRE_OPT_FIXED_LEN 11u /* owner "." + type + class + ttl + rdlen */
#define WIRE_OPT_DO_MASK 0x8000u /* in the low 16 bits of the OPT TTL */
#define WIRE_EDNS_MIN_UDP 512u   /* RFC 6891 §6.2.5: smaller values mean 512 */
#define WIRE_EDNS_OPT_EDE 15u    /* Extended DNS Error option, RFC 8914 */
#define WIRE_EDE_NOT_AUTHORITATIVE 20u

/* Maximum sizes (RFC 1035 §2.3.4) */
#define WIRE_NAME_MAX 255u
#define WIRE_LABEL_MAX 63u
#define WIRE_UDP_PLAIN_MAX 512u /* RFC 1035 §4.2.1: UDP without EDNS */

#endif
