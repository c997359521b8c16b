/* rrl.h -- response rate limiting (RRL) for UDP answers
 * SPDX-License-Identifier: MIT
 *
 * The scheme of BIND, NSD and Knot: every UDP response is put in a bucket
 * keyed by the client's network (IPv4 /24, IPv6 /56), a response class and a
 * name, and each bucket earns `rate` tokens per second (at most `rate`
 * banked, so a burst of one second's worth passes). A response that finds
 * its bucket empty is "limited": every `slip`-th limited response leaves as
 * a minimal truncated reply (TC=1, question only), which sends a real
 * resolver to TCP, where no limit applies; the others are dropped. An
 * attacker forging a victim's address thus gains no amplification.
 *
 * Classes and their names (read from the response bytes, rt_rrl_classify):
 *   ANSWER    NOERROR with answers          qname + qtype
 *   NODATA    NOERROR, AA, no answers       qname + qtype
 *   REFERRAL  NOERROR, AA=0, authority      the delegation (first NS owner)
 *   NXDOMAIN  NXDOMAIN                      the zone (owner of the SOA)
 *   ERROR     any other RCODE               none (one bucket per network)
 * Names are compared case-insensitively. Wildcard answers are keyed by the
 * query name (the response does not say that a wildcard made them).
 *
 * Memory: one table of RT_RRL_SLOTS buckets per worker thread, allocated at
 * start-up (rt_rrl_init); the packet path (rt_rrl_check) allocates nothing,
 * takes no lock and makes no system call. A bucket's slot is chosen by a
 * hash with a per-process random key (rt_rrl_global_init), so a client
 * cannot aim its queries at one slot; a slot taken by another key is
 * reused (the newcomer starts with a full bucket), as in NSD.
 */
#ifndef ZONEC_RRL_H
#define ZONEC_RRL_H

#include <stddef.h>
#include <stdint.h>

#include "query.h"

#define RT_RRL_DEFAULT_RATE 200u /* responses per second per bucket */
#define RT_RRL_DEFAULT_SLIP 2u
#define RT_RRL_SLOTS 65536u      /* per thread, power of two */

/* Response classes. */
enum {
    RT_RRL_ANSWER = 1,
    RT_RRL_NODATA = 2,
    RT_RRL_REFERRAL = 3,
    RT_RRL_NXDOMAIN = 4,
    RT_RRL_ERROR = 5,
};

/* What decides the bucket of one response. rt_rrl_classify() fills it from
 * the response bytes; a caller that knows better (e.g. the packet path,
 * which knows the zone or the wildcard that answered) may fill it itself:
 * `name` then points at an uncompressed wire name, or is NULL. */
typedef struct rt_rrl_key {
    uint8_t cls;          /* RT_RRL_* */
    uint16_t qtype;       /* ANSWER and NODATA only, else 0 */
    const uint8_t *name;  /* in `msg` (compression pointers followed), or NULL */
} rt_rrl_key_t;

/* One bucket. */
typedef struct rt_rrl_slot {
    uint64_t key;         /* keyed hash of network + class + name; 0 = empty */
    int32_t milli;        /* tokens x 1000 */
    uint32_t last_ms;     /* time of the last refill (low 32 bits of ms) */
    uint32_t limited;     /* limited responses so far, for the slip */
    uint32_t pad;
} rt_rrl_slot_t;

/* Per-thread state. */
typedef struct rt_rrl {
    uint32_t rate;        /* 0 = off: rt_rrl_check() always passes */
    uint32_t slip;        /* 0 = drop every limited response, 1 = slip all */
    rt_rrl_slot_t *slots; /* RT_RRL_SLOTS */
    uint64_t passed, slipped, dropped; /* counters (this thread only) */
} rt_rrl_t;

/* Verdicts of rt_rrl_check(). */
enum { RT_RRL_PASS = 0, RT_RRL_SLIP = 1, RT_RRL_DROP = 2 };

/* Draws the per-process hash key (getrandom, else /dev/urandom, else time
 * and pid). Call once before the workers start. Seeded for tests when
 * `seed` is non-zero. */
void rt_rrl_global_init(uint64_t seed);

/* Sets up `r` with a table of RT_RRL_SLOTS buckets (none when rate is 0).
 * Returns: 0, or -1 when out of memory. Release with rt_rrl_free(). */
int rt_rrl_init(rt_rrl_t *r, uint32_t rate, uint32_t slip);
void rt_rrl_free(rt_rrl_t *r);

/* Fills `key` from the response msg[0..len). Never fails: a response it
 * cannot read is an ERROR. */
void rt_rrl_classify(const uint8_t *msg, size_t len, rt_rrl_key_t *key);

/* Charges one response to its bucket at time `now_ms` (any monotonic
 * millisecond clock). `key` may be NULL: then rt_rrl_classify() decides.
 * Returns: RT_RRL_PASS, RT_RRL_SLIP (send rt_rrl_slip_reply() instead) or
 * RT_RRL_DROP. */
int rt_rrl_check(rt_rrl_t *r, const rt_peer_t *peer, const uint8_t *msg, size_t len,
                 const rt_rrl_key_t *key, uint64_t now_ms);

/* Rewrites the response in msg[0..len) into the minimal truncated reply:
 * same header (ID, opcode, RD, AA, RCODE) with TC=1, the question and the
 * OPT record (if any) kept, everything else removed. Returns: its length
 * (<= len). */
size_t rt_rrl_slip_reply(uint8_t *msg, size_t len);

#endif
