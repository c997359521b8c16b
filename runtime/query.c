/* query.c -- the packet path: parse, look up, copy a precompiled image
 * SPDX-License-Identifier: MIT
 *
 * Order of checks (each fact was checked against Knot DNS 3.2.6, the
 * reference of SPEC §5, and is noted where it is implemented):
 *   1. drop: shorter than a header, QR=1, QDCOUNT > 1, a question that does
 *      not parse;
 *   2. parse the answer, authority and additional sections: malformed ->
 *      FORMERR (question echoed, no OPT); a bad OPT -> FORMERR with OPT;
 *   3. EDNS version > 0 -> BADVERS; opcode != QUERY -> NOTIMP; no question
 *      -> FORMERR; meta qtypes; class -> REFUSED;
 *   4. lookup (exact / closest encloser) and copy the image.
 * Nothing here allocates or locks; all state is on the stack.
 */
#include <stdint.h>
#include <string.h>

#include "health.h"
#include "query.h"
#include "query_int.h"
#include "rt.h"
#include "wire.h"

/* The packet path's steps, inlined into both rt_query_process() and
 * rt_query_process_batch(): out of line, their calls cost ~80
 * instructions per query (callgrind). */
#define Q_INLINE static inline __attribute__((always_inline))


/* Lowercases ASCII A-Z in the 8 bytes x (SWAR). Label length bytes
 * (0..63) are below 'A' and pass unchanged, so a whole wire name can be
 * lowercased this way. */
Q_INLINE uint64_t lower8(uint64_t x)
{
    uint64_t low7 = x & 0x7f7f7f7f7f7f7f7full;
    uint64_t ge_a = low7 + 0x3f3f3f3f3f3f3f3full; /* high bit: byte >= 'A' */
    uint64_t gt_z = low7 + 0x2525252525252525ull; /* high bit: byte > 'Z' */
    uint64_t upper = (ge_a ^ gt_z) & ~x & 0x8080808080808080ull;
    return x | upper >> 2; /* 0x80 >> 2 = 0x20 */
}

/* Copies src[0..n) to dst lowercased, eight bytes at a time, rounded up to
 * a multiple of 8 (dst needs that room, src must be readable that far),
 * and returns the MPHF digest (rt_mphf.h) of the lowercased name with
 * seed dseed: the one pass that reads the name yields both. */
Q_INLINE uint64_t lower_copy_digest(uint8_t *dst, const uint8_t *src, size_t n, uint32_t dseed)
{
    uint64_t h = rt_mphf_digest_init(dseed, (uint32_t)n);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, src + i, 8);
        x = lower8(x);
        memcpy(dst + i, &x, 8);
        h = rt_mphf_digest_word(h, x);
    }
    if (i < n) {
        uint64_t x;
        memcpy(&x, src + i, 8);
        x = lower8(x);
        memcpy(dst + i, &x, 8);
        h = rt_mphf_digest_word(h, x & rt_mphf_digest_mask((uint32_t)(n - i)));
    }
    return h;
}

/* Parses the question at buf[12..): an uncompressed name of valid labels
 * (<= 63 bytes each, <= 255 in all) + type + class; lowercases into q.
 * buf must be readable up to 12 + 256 + 8 bytes (the caller's cap >= 512).
 * Returns: 0, or -1 when the question is malformed. */
Q_INLINE int parse_question(qstate_t *q, const uint8_t *buf, size_t len, uint32_t dseed)
{
    /* pos = 12 + bytes of the name so far; a label may end at lim at most:
     * lim = the packet's end or 12 + 255 (WIRE_NAME_MAX), whichever is less */
    size_t lim = len < WIRE_HEADER_LEN + WIRE_NAME_MAX ? len : WIRE_HEADER_LEN + WIRE_NAME_MAX;
    const uint8_t *name = buf + WIRE_HEADER_LEN, *p = name, *end = buf + lim;
    uint8_t *lo = q->lab_off; /* at most 128 labels fit in 255 bytes */
    unsigned l;
    do {
        if (p >= end) /* no room for even the root label */
            return -1;
        l = *p;
        if (l > WIRE_LABEL_MAX) /* pointer or reserved label type: no compression in a question */
            return -1;
        *lo++ = (uint8_t)(p - name);
        p += 1u + l;
    } while (l != 0);
    size_t n = (size_t)(p - name), pos = WIRE_HEADER_LEN + n;
    if (pos + 4 > len) /* also catches a last label running past lim */
        return -1;
    if (n > WIRE_NAME_MAX)
        return -1;
    q->digest0 = lower_copy_digest(q->lname, name, n, dseed);
    q->nlabels = (unsigned)(lo - q->lab_off) - 1;
    q->qname_len = n;
    q->qtype = wire_read_u16(buf + pos);
    q->qclass = wire_read_u16(buf + pos + 2);
    q->q_end = pos + 4;
    q->has_question = 1;
    return 0;
}

/* Skips a possibly compressed name at buf[pos..), validating every label
 * and pointer (pointers must go backwards, so chains end; 255 bytes max).
 * Returns: the position after the name, or 0 when malformed. */
static size_t skip_name(const uint8_t *buf, size_t len, size_t pos)
{
    size_t after = 0, total = 0, p = pos;
    for (;;) {
        if (p >= len)
            return 0;
        uint8_t l = buf[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 2 > len)
                return 0;
            size_t target = wire_read_u16(buf + p) & 0x3fffu;
            if (target >= p)
                return 0;
            if (after == 0)
                after = p + 2;
            p = target;
            continue;
        }
        if (l > WIRE_LABEL_MAX)
            return 0;
        total += 1u + l;
        if (total > WIRE_NAME_MAX || p + 1u + l > len)
            return 0;
        p += 1u + l;
        if (l == 0)
            return after ? after : p;
    }
}

/* Parses one OPT RR's fixed part and options (RFC 6891 §6.1.2).
 * Returns: 0, or -1 when the options overrun the RDATA. */
static int parse_opt(qstate_t *q, const uint8_t *rr, const uint8_t *rdata, uint16_t rdlen)
{
    /* Knot 3.2: an option whose length overruns the OPT RDATA -> FORMERR without OPT */
    for (size_t o = 0; o < rdlen;) {
        if (o + 4 > rdlen)
            return -1;
        uint16_t code = wire_read_u16(rdata + o), olen = wire_read_u16(rdata + o + 2);
        if (code == RT_ECS_OPTION_CODE && o + 4u + olen <= rdlen) {
            /* RFC 7871 §7.1.2: a malformed option (or a second one) -> FORMERR */
            if (q->has_ecs || rt_ecs_parse(rdata + o + 4, olen, &q->ecs) < 0)
                q->ecs_bad = 1;
            else
                q->has_ecs = 1;
        }
        o += 4u + olen;
        if (o > rdlen)
            return -1;
    }
    q->opt_payload = wire_read_u16(rr + 2);
    q->opt_version = rr[5];
    q->opt_flags = wire_read_u16(rr + 6);
    return 0;
}

/* Walks the answer, authority and additional sections after the question
 * and notes the OPT RR. RRs of the answer and authority sections are
 * skipped (Knot 3.2 answers a query that carries them normally).
 * Returns: 0, or -1 when a section is malformed or bytes trail it. */
Q_INLINE int parse_sections(qstate_t *q, const uint8_t *buf, size_t len, size_t pos)
{
    /* the common shape first: no answer or authority RRs and one OPT with
     * owner "." and no options, ending the packet; the loop below reads it
     * the same way (parse_opt() with rdlen 0) */
    if (pos + 11 == len && buf[pos] == 0 && WIRE_ANCOUNT(buf) == 0 && WIRE_NSCOUNT(buf) == 0 &&
        WIRE_ARCOUNT(buf) == 1 && wire_read_u16(buf + pos + 1) == WIRE_TYPE_OPT &&
        wire_read_u16(buf + pos + 9) == 0) {
        q->has_opt = 1;
        q->opt_payload = wire_read_u16(buf + pos + 3);
        q->opt_version = buf[pos + 6];
        q->opt_flags = wire_read_u16(buf + pos + 7);
        return 0;
    }
    unsigned an = WIRE_ANCOUNT(buf), ns = WIRE_NSCOUNT(buf), ar = WIRE_ARCOUNT(buf);
    unsigned total = an + ns + ar;
    for (unsigned i = 0; i < total; i++) {
        size_t owner = pos;
        pos = skip_name(buf, len, pos);
        if (pos == 0 || pos + 10 > len)
            return -1;
        const uint8_t *rr = buf + pos;
        uint16_t type = wire_read_u16(rr), rdlen = wire_read_u16(rr + 8);
        if (pos + 10u + rdlen > len)
            return -1;
        if (i >= an + ns && type == WIRE_TYPE_OPT) {
            if (q->has_opt) {
                q->opt_bad = 1; /* RFC 6891 §6.1.1: more than one OPT -> FORMERR */
            } else {
                if (parse_opt(q, rr, rr + 10, rdlen) < 0)
                    return -1;
                q->has_opt = 1;
                /* RFC 6891 §6.1.2: the OPT owner MUST be root (Knot 3.2 accepts
                 * any owner; we answer FORMERR, still with an OPT) */
                if (pos != owner + 1)
                    q->opt_bad = 1;
            }
        }
        pos += 10u + rdlen;
    }
    /* Knot 3.2: bytes after the last counted RR -> FORMERR */
    return pos == len ? 0 : -1;
}

/* ---- lookup ----------------------------------------------------------- */

/* Node of the name at lname[off..qname_len), or -1. (Not inlined, so that
 * profiles show the cost of the name lookup, hash and compare, apart.) */
__attribute__((noinline)) static int64_t find_node(const rt_db_t *db, const qstate_t *q,
                                                   size_t off)
{
    const uint8_t *key = q->lname + off;
    uint32_t klen = (uint32_t)(q->qname_len - off);
    uint32_t slot = off != 0      ? rt_mphf_lookup(&db->mph, key, klen)
                    : q->have_slot0 ? q->slot0
                                    : rt_mphf_lookup_digest(&db->mph, q->digest0);
    /* the MPHF returns arbitrary slots (even >= n) for non-keys: check, then compare */
    if (slot >= db->hdr->node_count)
        return -1;
    const rt_node_t *n = &db->nodes[slot];
    if (n->name_len != klen || (uint64_t)n->name_off + klen > db->hdr->bytes_len ||
        memcmp(db->bytes + n->name_off, key, klen) != 0)
        return -1;
    return slot;
}

/* The entries of node n's record (rt.h NODE RECORDS) and their count in
 * *count, or NULL (*count 0) when the record does not lie inside the pool
 * (rt_db_open_lazy does not scan nodes). */
Q_INLINE const rt_nodeent_t *node_rec(const rt_db_t *db, const rt_node_t *n, uint32_t *count)
{
    uint64_t off = rt_node_rec_off(n->name_off, n->name_len), lim = db->hdr->bytes_len;
    uint32_t c;
    *count = 0;
    if (off + 4 > lim)
        return NULL;
    memcpy(&c, db->bytes + off, 4);
    if ((uint64_t)c * sizeof(rt_nodeent_t) > lim - off - 4)
        return NULL;
    *count = c;
    return (const rt_nodeent_t *)(const void *)(db->bytes + off + 4);
}

/* The entry of `type` among e[0..count), or NULL. Entries are sorted by type. */
static const rt_nodeent_t *find_type(const rt_nodeent_t *e, uint32_t count, uint16_t type)
{
    uint32_t lo = 0, hi = count;
    while (hi - lo > 8) { /* narrow [lo, hi) while keeping the match inside */
        uint32_t mid = lo + (hi - lo) / 2;
        if (type < e[mid].type)
            hi = mid;
        else
            lo = mid;
    }
    for (; lo < hi; lo++)
        if (e[lo].type == type)
            return &e[lo];
    return NULL;
}

#define NO_IMAGE UINT32_MAX
#define BROKEN_IMAGE (UINT32_MAX - 1)

/* Image `idx` of rt_image[] (a zone's NXDOMAIN or NODATA): *im = its
 * header, NULL when idx is out of range. */
Q_INLINE uint32_t zone_image(const rt_db_t *db, uint32_t idx, const rt_image_t **im)
{
    *im = idx < db->hdr->image_count ? &db->images[idx] : NULL;
    return idx;
}

/* Image of the referral at cut node `cut`; *im = its header (the record's copy). */
static uint32_t referral_image(const rt_db_t *db, uint32_t cut, const rt_image_t **im)
{
    if (cut >= db->hdr->node_count)
        return BROKEN_IMAGE;
    uint32_t c;
    const rt_nodeent_t *e = node_rec(db, &db->nodes[cut], &c);
    const rt_nodeent_t *te = find_type(e, c, RT_T_REFERRAL);
    if (!te)
        return BROKEN_IMAGE;
    *im = &te->im;
    return te->image;
}

/* Image answering qtype at node idx (exact or wildcard data), rt.h
 * DECISIONS 1c-1f: the type's entry; for ANY the lowest real type (RFC 8482,
 * Knot 3.2 answers one RRset); a CNAME node's RT_T_CNAME_OTHER; NODATA.
 * *im = the image's header. */
static uint32_t data_image(const rt_db_t *db, uint32_t idx, uint16_t qtype, qstate_t *q,
                           const rt_image_t **im)
{
    if (idx >= db->hdr->node_count)
        return BROKEN_IMAGE;
    const rt_node_t *n = &db->nodes[idx];
    if (n->zone >= db->hdr->zone_count)
        return BROKEN_IMAGE;
    q->ans_zone = n->zone; /* a policy may answer NODATA (RT_TYPEENT_POLICY passes through) */
    uint32_t c;
    const rt_nodeent_t *e = node_rec(db, n, &c);
    const rt_nodeent_t *te = find_type(e, c, qtype);
    if (te == NULL && qtype == WIRE_TYPE_ANY) {
        for (uint32_t i = 0; i < c; i++) {
            uint16_t t = e[i].type;
            if (t != RT_T_REFERRAL && t != RT_T_CNAME_OTHER) {
                te = &e[i];
                break;
            }
        }
    }
    /* Knot 3.2: qtype RRSIG and NSEC do not follow a CNAME (NODATA there) */
    if (te == NULL && (n->flags & RT_NODE_CNAME) && qtype != WIRE_TYPE_RRSIG &&
        qtype != WIRE_TYPE_NSEC)
        te = find_type(e, c, RT_T_CNAME_OTHER);
    if (te) {
        *im = &te->im;
        return te->image;
    }
    return zone_image(db, db->zones[n->zone].nodata_img, im);
}

/* Zones scanned by deepest_apex(); with more, the walk probes every suffix. */
#define APEX_SCAN_MAX 16u

/* The label index of the deepest zone apex that is a suffix of the qname:
 * every node lies at or below an apex, so the closest-encloser walk never
 * needs to probe above it, and at it the node is the zone's apex_node (the
 * MPHF slot of that very name: node names are distinct keys) without a hash.
 * Returns: 1 and sets *label / *apex; 0 when no zone holds the name;
 * -1 when there are too many zones to scan (walk all suffixes). */
static int deepest_apex(const rt_db_t *db, const qstate_t *q, unsigned *label, uint32_t *apex)
{
    uint32_t zc = db->hdr->zone_count;
    if (zc > APEX_SCAN_MAX)
        return -1;
    int hit = 0;
    unsigned best = 0;
    for (uint32_t z = 0; z < zc; z++) {
        const rt_zone_t *zn = &db->zones[z];
        size_t al = zn->name_len;
        if (al > q->qname_len || (uint64_t)zn->name_off + al > db->hdr->bytes_len)
            continue;
        size_t off = q->qname_len - al;
        unsigned i = 0;
        while (i < q->nlabels && q->lab_off[i] < off) /* off on a label boundary? */
            i++;
        if (q->lab_off[i] != off || (hit && i >= best) ||
            memcmp(db->bytes + zn->name_off, q->lname + off, al) != 0)
            continue;
        hit = 1;
        best = i;
        *apex = zn->apex_node;
    }
    *label = best;
    return hit;
}

/* Chooses the image for the question (rt.h DECISIONS 1-2).
 * Returns: NO_IMAGE when no zone holds the name (REFUSED), BROKEN_IMAGE
 * when a cut has no referral image (a compiler bug: SERVFAIL).
 * After the first miss the walk stops at the deepest hosted apex above the
 * qname (deepest_apex()), so an NXDOMAIN one label below an apex costs one
 * hash, and a name outside every zone is refused without further probes. */
Q_INLINE uint32_t lookup(const rt_db_t *db, qstate_t *q, const rt_image_t **im)
{
    *im = NULL;
    if (db->hdr->node_count == 0)
        return NO_IMAGE;
    unsigned last = q->nlabels; /* deepest label worth probing */
    uint32_t apex = UINT32_MAX;  /* node at label `last`, known without a probe */
    for (unsigned i = 0; i <= last; i++) {
        int64_t found;
        if (i == last && apex < db->hdr->node_count)
            found = apex;
        else
            found = find_node(db, q, q->lab_off[i]);
        if (found < 0) {
            /* the first miss (not an exact match): bound the walk by the zones */
            if (i == 0 && deepest_apex(db, q, &last, &apex) == 0)
                return NO_IMAGE;
            continue;
        }
        uint32_t idx = (uint32_t)found;
        const rt_node_t *n = &db->nodes[idx];
        q->ans_zone = n->zone; /* for the caller's counters (ctx->last_zone) */
        if (n->flags & RT_NODE_BELOW_CUT) { /* takes precedence over WILDCARD for aux */
            /* the record's copy of the cut's referral entry (rt.h NODE RECORDS) */
            uint32_t c;
            const rt_nodeent_t *e = node_rec(db, n, &c);
            if (c == 1 && e[0].type == RT_T_REFERRAL) {
                *im = &e[0].im;
                return e[0].image;
            }
            return referral_image(db, n->aux, im);
        }
        if (n->flags & RT_NODE_CUT) {
            /* RFC 4035 §3.1.4.1: the parent answers DS at the cut itself */
            if (i == 0 && q->qtype == WIRE_TYPE_DS)
                return data_image(db, idx, q->qtype, q, im);
            return referral_image(db, idx, im);
        }
        if (i == 0)
            return data_image(db, idx, q->qtype, q, im);
        /* RFC 4592 §3.3.1: the closest encloser's "*" child synthesizes the answer */
        if (n->flags & RT_NODE_WILDCARD)
            return data_image(db, n->aux, q->qtype, q, im);
        if (n->zone >= db->hdr->zone_count)
            return BROKEN_IMAGE;
        return zone_image(db, db->zones[n->zone].nxdomain_img, im);
    }
    return NO_IMAGE;
}

/* 1 when image idx and its fixup/cut lists lie inside the byte pool. */
Q_INLINE int image_valid(const rt_db_t *db, uint32_t idx)
{
    if (idx >= db->hdr->image_count)
        return 0;
    const rt_image_t *im = &db->images[idx];
    return (uint64_t)im->off + im->len + 2u * im->nfixups + 4u * im->ncuts <= db->hdr->bytes_len;
}

/* 1 when img is an image index and its header im (lookup()'s: a record's
 * copy or rt_image[img]) and fixup/cut lists lie inside the byte pool. */
Q_INLINE int image_hdr_valid(const rt_db_t *db, uint32_t img, const rt_image_t *im)
{
    return img < db->hdr->image_count && im != NULL &&
           (uint64_t)im->off + im->len + 2u * im->nfixups + 4u * im->ncuts <= db->hdr->bytes_len;
}

int query_image_valid(const rt_db_t *db, uint32_t idx)
{
    return image_valid(db, idx);
}

/* ---- response --------------------------------------------------------- */

size_t query_answer_opt_len(const qstate_t *q)
{
    return query_answer_opt_len_inline(q);
}

/* Writes the OPT RR at out (RFC 6891 §6.1.2): payload 1232, our version 0,
 * DO copied, extended RCODE high bits; for an answer to a query with ECS
 * (q->ecs_echo) the ECS option with the answer's scope (RFC 7871 §7.2.1).
 * Returns its length. */
size_t query_write_opt(uint8_t *out, const qstate_t *q, unsigned ext_rcode, int ede)
{
    if (!ede)
        return query_write_opt_ecs(out, q, ext_rcode);
    /* Knot 3.2 adds EDE 20 "Not Authoritative" (RFC 8914 §4.21) to REFUSED */
    query_write_opt_fixed(out, q, ext_rcode, 6);
    wire_write_u16(out + 11, WIRE_EDNS_OPT_EDE);
    wire_write_u16(out + 13, 2);
    wire_write_u16(out + 15, WIRE_EDE_NOT_AUTHORITATIVE);
    return WIRE_OPT_FIXED_LEN + 6;
}

/* Sets the header for a response: ID kept, QR=1, opcode kept, RD copied,
 * AA/TC/RA/Z/AD/CD cleared (Knot 3.2 copies RD only, clears CD and AD). */
void query_set_header(uint8_t *buf, unsigned rcode, int aa)
{
    uint8_t f1 = (uint8_t)(WIRE_QR_MASK | (WIRE_FLAGS1(buf) & (WIRE_OPCODE_MASK | WIRE_RD_MASK)));
    if (aa)
        f1 |= WIRE_AA_MASK;
    WIRE_FLAGS1(buf) = f1;
    WIRE_FLAGS2(buf) = (uint8_t)(rcode & WIRE_RCODE_MASK);
}

/* A response without records: header + question (if any) + OPT (if the
 * query had one and with_opt is set; with_opt 2 adds EDE 20). */
size_t query_error_response(uint8_t *buf, size_t cap, const qstate_t *q, unsigned rcode,
                             int with_opt)
{
    size_t pos = q->has_question ? q->q_end : WIRE_HEADER_LEN;
    int opt = with_opt && q->has_opt;
    int ede = with_opt == 2; /* EDE 20 only for a name outside our zones (Knot 3.2) */
    query_set_header(buf, rcode, 0);
    if (opt && pos + query_answer_opt_len(q) + (ede ? 6u : 0u) > cap)
        opt = 0;
    wire_set_counts(buf, q->has_question, 0, 0, (uint16_t)opt);
    if (opt)
        pos += query_write_opt(buf + pos, q, rcode, ede);
    return pos;
}

/* The UDP/TCP size limit of the response. */
static size_t response_limit(const qstate_t *q, const rt_peer_t *peer, size_t cap)
{
    size_t limit;
    if (peer && peer->tcp)
        limit = 65535;
    else if (!q->has_opt)
        limit = WIRE_UDP_PLAIN_MAX; /* RFC 1035 §4.2.1 */
    else {
        /* RFC 6891 §6.2.5: below 512 means 512; ours is at most 1232 */
        limit = q->opt_payload < WIRE_EDNS_MIN_UDP ? WIRE_EDNS_MIN_UDP : q->opt_payload;
        if (limit > RT_EDNS_MAX_UDP)
            limit = RT_EDNS_MAX_UDP;
    }
    return limit < cap ? limit : cap;
}

/* query_image_response() for an image that fits whole (the common case):
 * copy, fixups, header, OPT. Returns 0 when it does not fit or a fixup is
 * out of range (the general function decides then). */
Q_INLINE size_t image_response_whole(uint8_t *buf, size_t limit, const qstate_t *q,
                                     const rt_image_t *im, const uint8_t *pool)
{
    size_t opt_len = query_answer_opt_len_inline(q);
    size_t len = im->len;
    if (len > limit - q->q_end - opt_len) /* q_end + 11 <= 282 < 512 <= limit */
        return 0;
    const uint8_t *src = pool + im->off;
    uint8_t *out = buf + q->q_end;
    memcpy(out, src, len);
    if (im->flags & RT_IMG_FIXUPS) {
        const uint8_t *fix = src + len;
        for (unsigned i = 0; i < im->nfixups; i++) {
            size_t p = wire_read_le16(fix + 2u * i);
            if (p + 2 > len)
                continue; /* corrupt fixup (not scanned by rt_db_open_lazy) */
            /* rt.h: target = 12 + qname_len + k, stored big-endian as k + RT_FIXUP_BIAS */
            int64_t target = (int64_t)WIRE_HEADER_LEN + (int64_t)q->qname_len +
                             (int64_t)wire_read_u16(src + p) - (int64_t)RT_FIXUP_BIAS;
            if (target < (int64_t)WIRE_HEADER_LEN || target >= 0x4000)
                return 0;
            wire_write_u16(out + p, (uint16_t)(0xc000u | (uint16_t)target));
        }
    }
    query_set_header(buf, im->flags & RT_IMG_RCODE_MASK, im->flags & RT_IMG_AA);
    wire_set_counts(buf, 1, im->ancount, im->nscount, (uint16_t)(im->arcount + (opt_len ? 1 : 0)));
    size_t pos = q->q_end + len;
    if (opt_len)
        pos += query_write_answer_opt(buf + pos, q);
    return pos;
}

/* Copies image `img` after the question, applying fixups and, when the
 * image does not fit, the additional-section units of rt.h DECISIONS. */
size_t query_image_response(uint8_t *buf, size_t limit, const qstate_t *q,
                             const rt_image_t *im, const uint8_t *pool)
{
    const uint8_t *src = pool + im->off;
    const uint8_t *fix = src + im->len;
    const uint8_t *cuts = fix + 2u * im->nfixups;
    size_t opt_len = query_answer_opt_len(q);
    size_t room = limit - q->q_end - opt_len; /* q_end + 11 <= 282 < 512 <= limit */
    uint8_t *out = buf + q->q_end;
    size_t body;
    unsigned arcount = im->arcount;
    int tc = 0, moved = 0;
    uint16_t shift[256]; /* per unit: bytes dropped before it; UINT16_MAX = skipped */

    if (im->len <= room) {
        memcpy(out, src, im->len);
        body = im->len;
    } else if (im->ncuts == 0 || wire_read_le16(cuts) > room || wire_read_le16(cuts) > im->len) {
        /* Knot 3.2: header + question (+ OPT), TC=1, AA and RCODE of the answer kept */
        size_t pos = q->q_end;
        query_set_header(buf, im->flags & RT_IMG_RCODE_MASK, im->flags & RT_IMG_AA);
        WIRE_SET_TC(buf);
        wire_set_counts(buf, 1, 0, 0, (uint16_t)(opt_len ? 1 : 0));
        if (opt_len)
            pos += query_write_opt(buf + pos, q, 0, 0);
        return pos;
    } else {
        /* RFC 2181 §9 / Knot 3.2: fill the additional section greedily, unit
         * by unit; a skipped RT_CUT_REQUIRED unit (glue, RFC 9471) sets TC */
        size_t prev = wire_read_le16(cuts);
        unsigned prev_ar = wire_read_le16(cuts + 2) & ~RT_CUT_REQUIRED;
        memcpy(out, src, prev);
        body = prev;
        arcount = prev_ar;
        shift[0] = 0;
        for (unsigned i = 1; i < im->ncuts; i++) {
            size_t end = wire_read_le16(cuts + 4u * i);
            unsigned ar_field = wire_read_le16(cuts + 4u * i + 2);
            unsigned ar = ar_field & ~RT_CUT_REQUIRED;
            size_t ulen = end >= prev ? end - prev : 0;
            if (body + ulen <= room && ar >= prev_ar && end <= im->len) {
                memcpy(out + body, src + prev, ulen);
                shift[i] = (uint16_t)(prev - body);
                body += ulen;
                arcount += ar - prev_ar;
            } else {
                shift[i] = UINT16_MAX;
                moved = 1;
                if (ar_field & RT_CUT_REQUIRED)
                    tc = 1;
            }
            prev = end;
            prev_ar = ar;
        }
    }
    if (im->flags & RT_IMG_FIXUPS) {
        for (unsigned i = 0; i < im->nfixups; i++) {
            size_t p = wire_read_le16(fix + 2u * i), outp = p;
            if (p + 2 > im->len)
                continue; /* corrupt fixup (not scanned by rt_db_open_lazy) */
            if (moved || body < im->len) {
                /* which unit holds p: unit 0 = up to cuts[0], unit i ends at cuts[i] */
                unsigned u = 0;
                while (u < im->ncuts && p >= wire_read_le16(cuts + 4u * u))
                    u++;
                if (u >= im->ncuts || shift[u] == UINT16_MAX)
                    continue;
                outp = p - shift[u];
                if (outp + 2 > body)
                    continue; /* straddles a unit: corrupt blob */
            }
            /* rt.h: target = 12 + qname_len + k, stored big-endian as k + RT_FIXUP_BIAS */
            int64_t target = (int64_t)WIRE_HEADER_LEN + (int64_t)q->qname_len +
                             (int64_t)wire_read_u16(src + p) - (int64_t)RT_FIXUP_BIAS;
            if (target < (int64_t)WIRE_HEADER_LEN || target >= 0x4000)
                return query_error_response(buf, limit, q, WIRE_RCODE_SERVFAIL, 1);
            wire_write_u16(out + outp, (uint16_t)(0xc000u | (uint16_t)target));
        }
    }
    query_set_header(buf, im->flags & RT_IMG_RCODE_MASK, im->flags & RT_IMG_AA);
    if (tc)
        WIRE_SET_TC(buf);
    size_t pos = q->q_end + body;
    wire_set_counts(buf, 1, im->ancount, im->nscount, (uint16_t)(arcount + (opt_len ? 1 : 0)));
    if (opt_len)
        pos += query_write_opt(buf + pos, q, 0, 0);
    return pos;
}

/* What query_begin() leaves to do. */
#define Q_DONE 0   /* the response is decided (length in *out, 0 = drop) */
#define Q_LOOKUP 1 /* an ordinary query: look the name up (query_finish()) */

/* Everything before the name lookup: parse, then the checks that answer
 * without it. Returns Q_DONE with *out set, or Q_LOOKUP. */
Q_INLINE int query_begin(rt_ctx_t *ctx, qstate_t *q,
                                                             uint8_t *buf, size_t len,
                                                             size_t cap, const rt_peer_t *peer,
                                                             size_t *out)
{
    ctx->last_zone = RT_CTX_NOZONE;
    ctx->last_policy = RT_PNONE;
    *out = 0;
    if (len < WIRE_HEADER_LEN || WIRE_QR(buf) || cap < len || cap < 512)
        return Q_DONE; /* never answer a response (RFC 1035 §4.1.1), no header: drop */
    unsigned qdcount = WIRE_QDCOUNT(buf);
    if (qdcount > 1)
        return Q_DONE; /* Knot 3.2 drops QDCOUNT > 1 */
    q->has_question = 0;
    q->has_opt = 0;
    q->opt_bad = 0;
    q->opt_flags = 0;
    q->has_ecs = 0;
    q->ecs_bad = 0;
    q->ecs_echo = 0;
    q->ecs_scope = 0;
    q->ans_zone = 0;
    q->have_slot0 = 0;
    size_t pos = WIRE_HEADER_LEN;
    if (qdcount == 1) {
        if (parse_question(q, buf, len, ctx->db->mph.dseed) < 0)
            return Q_DONE; /* Knot 3.2 drops compressed/truncated/overlong questions */
        pos = q->q_end;
    }
    if (parse_sections(q, buf, len, pos) < 0) {
        q->has_opt = 0; /* Knot 3.2: FORMERR, question echoed, no OPT */
        *out = query_error_response(buf, cap, q, WIRE_RCODE_FORMERR, 0);
        return Q_DONE;
    }
    if (q->opt_bad || q->ecs_bad) { /* RFC 7871 §7.1.2: malformed ECS -> FORMERR */
        *out = query_error_response(buf, cap, q, WIRE_RCODE_FORMERR, 1);
        return Q_DONE;
    }
    /* Knot 3.2: BADVERS comes before every other check, even opcode and class */
    if (q->has_opt && q->opt_version > 0) {
        size_t p = q->has_question ? q->q_end : WIRE_HEADER_LEN;
        query_set_header(buf, 0, 0);
        wire_set_counts(buf, q->has_question, 0, 0, 1);
        *out = p + query_write_opt(buf + p, q, WIRE_RCODE_BADVERS, 0);
        return Q_DONE;
    }
    unsigned rcode = 0;
    if (WIRE_OPCODE(buf) != WIRE_OPCODE_QUERY)
        rcode = WIRE_RCODE_NOTIMP;
    else if (!q->has_question)
        rcode = WIRE_RCODE_FORMERR; /* Knot 3.2: QDCOUNT 0 */
    else {
        int tcp = peer && peer->tcp;
        int meta = q->qtype == 0 || q->qtype == WIRE_TYPE_AXFR || q->qtype == WIRE_TYPE_IXFR;
        /* Knot 3.2, class CH: qtype 0/AXFR/IXFR -> NOTIMP, anything else REFUSED
         * (we serve no CH names); classes other than IN, ANY, CH -> REFUSED */
        if (q->qclass == WIRE_CLASS_CH && meta)
            rcode = WIRE_RCODE_NOTIMP;
        else if (q->qclass != WIRE_CLASS_IN && q->qclass != WIRE_CLASS_ANY)
            rcode = WIRE_RCODE_REFUSED;
        /* Knot 3.2 without ACLs (IN and ANY, any name): qtype 0 and AXFR over UDP
         * -> NOTIMP, AXFR over TCP and IXFR -> NOTAUTH; before the zone lookup */
        else if (q->qtype == 0 || (q->qtype == WIRE_TYPE_AXFR && !tcp))
            rcode = WIRE_RCODE_NOTIMP;
        else if (meta)
            rcode = WIRE_RCODE_NOTAUTH;
    }
    if (rcode) {
        *out = query_error_response(buf, cap, q, rcode, 1);
        return Q_DONE;
    }
    return Q_LOOKUP;
}

/* The answer of a query query_begin() left at Q_LOOKUP, whose lookup()
 * gave img and its header im. */
Q_INLINE size_t query_answer(rt_ctx_t *ctx, qstate_t *q, uint8_t *buf, size_t cap,
                             const rt_peer_t *peer, uint32_t img, const rt_image_t *im)
{
    const rt_db_t *db = ctx->db;
    ctx->last_zone = img == NO_IMAGE ? RT_CTX_NOZONE : q->ans_zone;
    if (img == NO_IMAGE) /* Knot 3.2: not our zone -> REFUSED, AA=0, question echoed */
        return query_error_response(buf, cap, q, WIRE_RCODE_REFUSED, 2);
    if (img == BROKEN_IMAGE)
        return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
    q->ecs_echo = q->has_ecs; /* RFC 7871 §7.2.1: answers echo ECS, scope 0 unless located */
    size_t limit = response_limit(q, peer, cap);
    if (img & RT_TYPEENT_POLICY)
        return query_policy_response(ctx, buf, cap, limit, q, img & ~RT_TYPEENT_POLICY, peer);
    if (!image_hdr_valid(db, img, im))
        return query_error_response(buf, cap, q, WIRE_RCODE_SERVFAIL, 1);
    size_t r = image_response_whole(buf, limit, q, im, db->bytes);
    return r ? r : query_image_response(buf, limit, q, im, db->bytes);
}

size_t rt_query_process(rt_ctx_t *ctx, uint8_t *buf, size_t len, size_t cap,
                        const rt_peer_t *peer)
{
    qstate_t q;
    size_t out;
    if (query_begin(ctx, &q, buf, len, cap, peer, &out) == Q_DONE)
        return out;
    const rt_image_t *im;
    uint32_t img = lookup(ctx->db, &q, &im);
    return query_answer(ctx, &q, buf, cap, peer, img, im);
}

/* Batches: the same steps for every query of the batch, stage by stage,
 * so that the table entries each query needs are fetched from memory for
 * all of them at once (prefetch) instead of one miss after another:
 *   1. query_begin(); for an ordinary query, the MPHF vertices of the
 *      qname; prefetch what their rank reads (rt_bdz_prefetch());
 *   1b. the MPHF slot; prefetch its node;
 *   2. prefetch the stretch of the pool the node's name starts: the name,
 *      the node's record (entries and image headers) and, right after
 *      them, the bytes of the node's first images (rt.h NODE RECORDS);
 *   3. lookup() (it reads only the blob and the query); prefetch the
 *      image's bytes (usually already on the way: the same stretch);
 *   4. query_answer(), in order (policies draw from ctx's random state).
 * Each query's answer, and every change to ctx, is exactly what
 * rt_query_process() on the queries one after another gives. */
void rt_query_process_batch(rt_ctx_t *ctx, rt_qitem_t *items, unsigned n, size_t cap)
{
    qstate_t qs[RT_QBATCH_MAX];
    uint32_t img[RT_QBATCH_MAX];
    const rt_image_t *ims[RT_QBATCH_MAX];
    uint32_t vtx[RT_QBATCH_MAX][3]; /* MPHF vertices (rt_mphf.h) of each qname */
    uint8_t state[RT_QBATCH_MAX];
    const rt_db_t *db = ctx->db;
    int inl = db->mph.inline_bdz;
    uint32_t nn = db->hdr->node_count, ni = db->hdr->image_count;
    while (n > RT_QBATCH_MAX) {
        rt_query_process_batch(ctx, items, RT_QBATCH_MAX, cap);
        items += RT_QBATCH_MAX;
        n -= RT_QBATCH_MAX;
    }
    for (unsigned i = 0; i < n; i++) {
        rt_qitem_t *it = &items[i];
        qstate_t *q = &qs[i];
        size_t out;
        state[i] = (uint8_t)query_begin(ctx, q, it->buf, it->len, cap, &it->peer, &out);
        if (state[i] == Q_DONE) {
            it->len = out;
            it->zone = ctx->last_zone;
            it->policy = ctx->last_policy;
            continue;
        }
        if (nn == 0)
            continue;
        if (inl) {
            rt_bdz_vertices8(&db->mph.bdz, q->digest0, vtx[i]);
            rt_bdz_prefetch(&db->mph.bdz, vtx[i]);
            continue;
        }
        q->slot0 = rt_mphf_lookup_digest(&db->mph, q->digest0);
        q->have_slot0 = 1;
        if (q->slot0 < nn)
            __builtin_prefetch(&db->nodes[q->slot0]);
    }
    for (unsigned i = 0; inl && nn && i < n; i++) {
        qstate_t *q = &qs[i];
        if (state[i] != Q_LOOKUP)
            continue;
        q->slot0 = rt_bdz_rank(&db->mph.bdz, vtx[i]);
        q->have_slot0 = 1;
        if (q->slot0 < nn)
            __builtin_prefetch(&db->nodes[q->slot0]);
    }
    for (unsigned i = 0; i < n; i++) {
        const qstate_t *q = &qs[i];
        if (state[i] != Q_LOOKUP || !q->have_slot0 || q->slot0 >= nn)
            continue;
        const uint8_t *p = db->bytes + db->nodes[q->slot0].name_off;
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
    }
    for (unsigned i = 0; i < n; i++) {
        if (state[i] != Q_LOOKUP)
            continue;
        img[i] = lookup(db, &qs[i], &ims[i]);
        if (img[i] < ni && ims[i]) /* an image (not NO_IMAGE, BROKEN_IMAGE or a policy) */
            __builtin_prefetch(db->bytes + ims[i]->off);
    }
    for (unsigned i = 0; i < n; i++) {
        rt_qitem_t *it = &items[i];
        if (state[i] != Q_LOOKUP)
            continue;
        ctx->last_zone = RT_CTX_NOZONE;
        ctx->last_policy = RT_PNONE;
        it->len = query_answer(ctx, &qs[i], it->buf, cap, &it->peer, img[i], ims[i]);
        it->zone = ctx->last_zone;
        it->policy = ctx->last_policy;
    }
}
