/* print.h -- dig-style text of a DNS message (for `zonec query`)
 * SPDX-License-Identifier: MIT
 *
 * Prints what `dig` prints for a response, so answers of `zonec query` and
 * of a running server can be compared by eye or with diff:
 *
 *   ;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: 1
 *   ;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1
 *
 *   ;; OPT PSEUDOSECTION:
 *   ; EDNS: version: 0, flags:; udp: 1232
 *   ;; QUESTION SECTION:
 *   ;www.example.com.		IN	A
 *
 *   ;; ANSWER SECTION:
 *   www.example.com.	300	IN	A	192.0.2.10
 *
 * The message is untrusted input: compressed names are followed with a
 * bounded number of jumps, every read is bounds-checked, and a message that
 * ends early is reported as ";; WARNING: message truncated/malformed" after
 * whatever could be printed.
 */
#ifndef ZONEC_PRINT_H
#define ZONEC_PRINT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints msg[0..len) to `f`.
 * Returns: 0 when the whole message was well formed, -1 otherwise. */
int print_packet(FILE *f, const uint8_t *msg, size_t len);

/* Reads the possibly compressed name at msg[*pos] into `out` (wire form,
 * uncompressed, DNAME_MAX bytes) and advances *pos past it in the message.
 * Returns: the name's length, or 0 when malformed (pointer loop, pointer
 * out of range, name over 255 bytes, reserved label type). */
size_t print_read_name(const uint8_t *msg, size_t len, size_t *pos, uint8_t *out);

/* The mnemonic of a type, including the question-only ones (ANY, AXFR,
 * IXFR, MAILA, MAILB) that rrtype.c leaves out: "A", "ANY", "TYPE65534". */
const char *print_type_name(uint16_t type, char *buf, size_t cap);

/* Parses a query type as a user types it ("aaaa", "ANY", "TYPE65534").
 * Returns: 1 and sets *type, or 0 when unknown. */
int print_type_from_text(const char *text, uint16_t *type);

/* The mnemonic of an RCODE ("NOERROR", "NXDOMAIN", "BADVERS", ...), or NULL. */
const char *print_rcode_name(unsigned rcode);

#endif
