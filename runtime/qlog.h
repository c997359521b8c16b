/* qlog.h -- the query log (--log-queries): one line per answered query
 * SPDX-License-Identifier: MIT
 *
 * The packet path must neither allocate nor block, so each worker thread
 * appends fixed-size binary records to its own ring (single producer,
 * single consumer, no lock), and one writer thread formats and writes them
 * every 100 ms. When a ring is full the record is dropped and counted; the
 * count is printed on stderr at shutdown and as a log line when it grows.
 *
 * Line format (fields separated by one space):
 *   UNIXTIME.MS CLIENT QNAME QTYPE RCODE udp|tcp [rrl-slip|rrl-drop]
 * e.g. "1718000000.123 127.0.0.1 www.example.com. A NOERROR udp".
 */
#ifndef ZONEC_QLOG_H
#define ZONEC_QLOG_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define RT_QLOG_RING 4096u /* records per thread, power of two */

typedef struct rt_qlog_ring rt_qlog_ring_t;

/* Opens `path` for appending ("-" = stdout) and allocates `nrings` rings.
 * Call before chroot and privilege drop. Returns: 0, or -1 after printing
 * why (prefixed with progname). */
int rt_qlog_open(const char *path, int nrings, const char *progname);

/* The ring of worker `i` (0 <= i < nrings), or NULL when logging is off. */
rt_qlog_ring_t *rt_qlog_ring(int i);

/* Records the response resp[0..len) to a query from `peer`; `rrl` is the
 * rate limiter's verdict (RT_RRL_PASS/SLIP/DROP, 0 when not limited).
 * Packet path: no allocation, no lock, no system call. NULL ring: no-op. */
void rt_qlog_put(rt_qlog_ring_t *ring, const rt_peer_t *peer, const uint8_t *resp, size_t len,
                 int rrl);

/* Starts the writer thread. Returns: 0, or -1 (logging stays off). */
int rt_qlog_start(void);

/* Stops the writer after a last drain, closes the file and frees the rings.
 * Safe to call when nothing was opened. */
void rt_qlog_stop(void);

#endif
