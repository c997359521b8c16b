/* rt.h -- ABI between the compiled zone image (the "blob") and the runtime
 * SPDX-License-Identifier: MIT
 *
 * The compiler (compiler/layout.c) writes one pointer-free, little-endian,
 * 8-byte-aligned blob per output binary; the generated code embeds it with
 * .incbin into .rodata, and the runtime reads it in place: nothing is parsed
 * or allocated at start-up, pages are touched only when a query needs them.
 * `zonec query` builds the same blob in memory and runs the same packet code
 * over it, so the offline simulation and the server cannot disagree.
 *
 *   +--------------------+  offset 0
 *   | rt_blob_header     |  magic, ABI version, section offsets and counts
 *   +--------------------+
 *   | rt_zone[]          |  one per hosted zone, in canonical name order
 *   | rt_node[]          |  one per name, indexed by MPHF slot, + 1 sentinel
 *   | rt_typeent[]       |  (qtype -> image) lists, sorted by type per node
 *   | rt_image[]         |  precompiled response bodies
 *   | bytes              |  names (lowercase wire form), node records, image bytes
 *   | MPHF section       |  rt_mphf.h: digest seed + cmph_pack() over name digests
 *   | policy section     |  rt_policy.h (when policy_off != 0)
 *   +--------------------+
 *
 * LOOKUP. Every name the server can be asked about inside a zone has a node:
 * owners, empty non-terminals (RFC 4592 §2.2.2), zone apexes, delegation
 * points, glue owners. The key of a node is its name in lowercase wire form
 * including the final root label. rt_mphf_lookup() maps any key to a slot;
 * keys that are not in the set map to arbitrary slots (even >= node_count), so
 * the runtime bounds-checks the slot and compares the name bytes before
 * trusting it. A qname that is not a node is resolved by stripping labels
 * from the left and probing again (closest encloser).
 *
 * IMAGES. A response is header + question (copied from the query, keeping the
 * client's letter case) + an image + optional OPT. An image holds the
 * answer, authority and additional sections ready in wire form, with the
 * section counts and RCODE beside it. Compression pointers in images point
 * at the question name at offset 12 or at earlier bytes of the image itself.
 * Both positions are fixed once the qname length is known:
 *
 *   target offset = 12 + qname_len + k
 *
 * where k = -(length of a suffix of the qname) for a qname suffix, and
 * k = 4 + (position inside the image) for image bytes (4 = QTYPE + QCLASS).
 * Images whose qname length is known at compile time (an exact name match)
 * are stored with final pointers and no fixups. Images used for several
 * qname lengths (wildcard synthesis, referrals below a cut, NXDOMAIN and
 * NODATA with the SOA of the apex) store, in place of each such pointer, the
 * big-endian 16-bit value k + RT_FIXUP_BIAS, and list the byte positions of
 * those pointers (relative to the image start) as fixups; the runtime writes
 * 0xC000 | (12 + qname_len + stored - RT_FIXUP_BIAS) there. The compiler never creates a
 * pointer target at image position >= RT_MAX_PTR_TARGET so every fixed-up
 * pointer stays below 0x4000 even for a 255-byte qname.
 *
 * TRUNCATION. Each image may list cut points: byte lengths at which the
 * image ends after a whole RR of the additional section, with the additional
 * count at that point. If the whole image does not fit the client's limit,
 * the runtime uses the longest cut point that fits; if none fits (or the
 * image has none) it sends header + question with TC=1 (RFC 2181 §9).
 * Cut points and fixups are stored in the byte pool right after the image
 * bytes: fixups first (uint16 positions), then cuts (uint16 len, uint16 arcount).
 *
 * NODE RECORDS (ABI 4). In the byte pool, right after each node's name, at
 * the next multiple of 4 (rt_node_rec_off()), lies the node's record: a
 * uint32 entry count, then that many rt_nodeent: each a copy of one of the
 * node's type entries (same order, same values) with, for an image, a copy
 * of its rt_image (zero for a policy entry). A BELOW_CUT node, which has no
 * entries, has instead one: a copy of its cut's RT_T_REFERRAL entry (no
 * entry when the cut has none: the runtime then looks at the cut). The
 * bytes of the images the node's own entries created follow the record. So
 * a query for an existing name reads the rt_node, then one stretch of the
 * pool (name, entries, image headers, image bytes: usually two adjacent
 * cache lines) instead of five scattered lines. rt_typeent[] and
 * rt_image[] stay whole and authoritative (rt_db_open() checks that every
 * record matches them); the packet path reads the records, and rt_image[]
 * only for the zones' NXDOMAIN and NODATA images.
 *
 * All multi-byte fields of the structs below are little-endian (x86-64 host
 * order); rt_blob_check() refuses a blob written for another ABI.
 *
 * DECISIONS (helper C, layout.c; measured against Knot 3.2.6, see the top of
 * compiler/layout.c). They refine the text above without changing the structs.
 *
 * Fixup positions and cut pairs after the image bytes are little-endian
 * uint16 like the structs; the k + RT_FIXUP_BIAS value inside the image is
 * big-endian (it sits where the pointer goes). A literal 0xC00C (the qname)
 * is never listed as a fixup.
 *
 * Cut points describe the additional section as a list of units (one RRset
 * each, e.g. the A RRset of one MX target; past 254 units the last one holds
 * all the remaining RRsets): cuts[0] = (end of the answer and
 * authority sections, 0), cuts[i] = (end of unit i, arcount up to and
 * including unit i). Names in a unit point only at the qname or before
 * cuts[0], never into a unit, so any subset of units can be kept in order:
 * copy the whole image, apply all fixups (positions relative to the image
 * start, some may lie inside units), then drop skipped units by moving the
 * following ones down. Knot fills the additional section
 * greedily: each unit that still fits is copied, a unit that does not fit is
 * skipped and later (smaller) units are still tried. If the bit
 * RT_CUT_REQUIRED is set in a unit's arcount field (strip it before use),
 * skipping that unit sets TC=1 (glue below the delegation in a referral);
 * skipping other units is silent. If even cuts[0] (or the whole image when
 * ncuts = 0) does not fit: header + question only, TC=1, AA/RCODE of the image.
 *
 * Answer selection for a qname (lowercased) and qtype:
 *  1. Exact node N (MPHF + name compare):
 *     a. N BELOW_CUT: the RT_T_REFERRAL image of nodes[N.aux].
 *     b. N CUT: qtype DS -> N's DS entry (always present at cuts: the DS
 *        answer or a NODATA image); every other qtype -> N's RT_T_REFERRAL.
 *     c. the entry for qtype, if N has one;
 *     d. qtype ANY (255) without an entry: the first entry whose type is not
 *        a pseudo type (RFC 8482: Knot answers the lowest-type RRset only);
 *     e. N CNAME: the RT_T_CNAME_OTHER entry;
 *     f. otherwise the zone's nodata_img (also for ENTs).
 *  2. No exact node: strip labels until a node C is found (none: REFUSED).
 *     a. C BELOW_CUT -> referral of nodes[C.aux]; C CUT -> referral of C;
 *     b. C WILDCARD: W = nodes[C.aux]; steps 1c-1f applied to W (its images
 *        all carry fixups, owner = 0xC00C, so they serve any qname);
 *     c. otherwise the zone's nxdomain_img.
 *  1c. A typeent whose image has RT_TYPEENT_POLICY (0x80000000, rt_policy.h)
 *      set names a routing policy (index = image & ~RT_TYPEENT_POLICY),
 *      evaluated per query (policy_eval.h), not an image.
 *  BELOW_CUT takes precedence over WILDCARD for the meaning of aux.
 *  Referral images have AA clear and always carry fixups (the owner of the
 *  NS RRset is a suffix of the qname). An image without RT_IMG_FIXUPS has
 *  final pointers for the qname length of its node.
 */
#ifndef ZONEC_RT_H
#define ZONEC_RT_H

#include <stddef.h>
#include <stdint.h>

#define RT_BLOB_MAGIC 0x4e4f5a5au /* "ZZON" little-endian */
#define RT_ABI_VERSION 4u /* 3: MPHF over name digests (rt_mphf.h); 4: node records */

#define RT_MAX_PTR_TARGET 0x3e00u /* 0x4000 - 12 - 255 - 4 - slack */
#define RT_FIXUP_BIAS 256u        /* k is stored as k + 256 (k >= -255) */

/* Pseudo types in rt_typeent.type. Real RR types are 1..65535 except these
 * reserved codes, which DNS never puts in a question as a data type. */
#define RT_T_REFERRAL 0u   /* referral image at a delegation point */
#define RT_T_CNAME_OTHER 65535u /* CNAME node: answer for qtypes without an entry */

/* In the arcount field of a cut pair (see DECISIONS): skipping this unit sets TC. */
#define RT_CUT_REQUIRED 0x8000u

/* rt_node.flags */
#define RT_NODE_APEX 0x01u      /* zone apex */
#define RT_NODE_CUT 0x02u       /* delegation point (NS, not apex): referral at or below */
#define RT_NODE_BELOW_CUT 0x04u /* strictly below a cut (glue, occluded): aux = cut node */
#define RT_NODE_WILDCARD 0x08u  /* has a child "*": aux = that node's index */
#define RT_NODE_CNAME 0x10u     /* has a CNAME: RT_T_CNAME_OTHER answers qtypes not listed */
#define RT_NODE_ENT 0x20u       /* empty non-terminal: no data of its own */
#define RT_NODE_IS_WILDCARD 0x40u /* this node's own first label is "*" */

/* rt_image.flags (low 4 bits hold the RCODE) */
#define RT_IMG_RCODE_MASK 0x0fu
#define RT_IMG_AA 0x10u          /* set AA in the header (off for referrals) */
#define RT_IMG_FIXUPS 0x20u      /* has fixups: pointers hold k, see above */

typedef struct rt_blob_header {
    uint32_t magic;       /* RT_BLOB_MAGIC */
    uint32_t abi;         /* RT_ABI_VERSION */
    uint32_t total_len;   /* bytes in the whole blob */
    uint32_t zone_count;
    uint32_t node_count;  /* names; rt_node[] has node_count + 1 entries */
    uint32_t typeent_count;
    uint32_t image_count;
    uint32_t bytes_len;
    uint32_t zones_off;   /* offsets from the start of the blob, 8-aligned */
    uint32_t nodes_off;
    uint32_t typeents_off;
    uint32_t images_off;
    uint32_t bytes_off;
    uint32_t mphf_off;
    uint32_t mphf_len;
    uint32_t policy_off;  /* routing-policy section (rt_policy.h), 8-aligned; 0 = none */
} rt_blob_header_t;

typedef struct rt_zone {
    uint32_t apex_node;    /* node index of the apex */
    uint32_t nxdomain_img; /* RCODE 3 + SOA in authority; fixups (owner = apex) */
    uint32_t nodata_img;   /* RCODE 0 + SOA in authority; fixups */
    uint32_t serial;       /* SOA serial, for --version and logs */
    uint32_t name_off;     /* apex name in the byte pool, lowercase wire form */
    uint8_t name_len;
    uint8_t pad[3];
} rt_zone_t;

typedef struct rt_node {
    uint32_t name_off;     /* lowercase wire name in the byte pool */
    uint32_t types_first;  /* index of the first rt_typeent; the node's
                              entries end at nodes[i + 1].types_first */
    uint32_t aux;          /* BELOW_CUT: cut node; WILDCARD: the "*" child */
    uint16_t zone;         /* index into rt_zone[] */
    uint8_t name_len;
    uint8_t flags;         /* RT_NODE_* */
} rt_node_t;

typedef struct rt_typeent {
    uint16_t type;         /* qtype this entry answers (or RT_T_* pseudo type) */
    uint16_t pad;
    uint32_t image;        /* index into rt_image[] */
} rt_typeent_t;

typedef struct rt_image {
    uint32_t off;          /* first byte in the byte pool */
    uint16_t len;          /* bytes of the sections */
    uint16_t ancount;
    uint16_t nscount;
    uint16_t arcount;
    uint8_t flags;         /* RCODE | RT_IMG_* */
    uint8_t nfixups;       /* uint16 positions following the bytes */
    uint8_t ncuts;         /* (uint16 len, uint16 arcount) pairs after fixups */
    uint8_t pad;
} rt_image_t;

/* One entry of a node record (see NODE RECORDS). */
typedef struct rt_nodeent {
    uint16_t type;         /* = rt_typeent.type */
    uint16_t pad;
    uint32_t image;        /* = rt_typeent.image */
    rt_image_t im;         /* = rt_image[image]; zeros for a policy entry */
} rt_nodeent_t;

/* Offset in the byte pool of the record of a node whose name is at
 * name_off (name_len bytes): the next multiple of 4. */
static inline uint64_t rt_node_rec_off(uint32_t name_off, uint8_t name_len)
{
    return ((uint64_t)name_off + name_len + 3u) & ~(uint64_t)3u;
}

_Static_assert(sizeof(rt_blob_header_t) == 64, "blob header ABI");
_Static_assert(sizeof(rt_nodeent_t) == 24, "rt_nodeent ABI");
_Static_assert(sizeof(rt_zone_t) == 24, "rt_zone ABI");
_Static_assert(sizeof(rt_node_t) == 16, "rt_node ABI");
_Static_assert(sizeof(rt_typeent_t) == 8, "rt_typeent ABI");
_Static_assert(sizeof(rt_image_t) == 16, "rt_image ABI");

/* What the generated code hands the runtime: the generated tables.c defines
 * one `static const rt_program_t` and `int main(argc, argv)` that calls
 * rt_main() with it. */
typedef struct rt_program {
    const uint8_t *blob;      /* the .incbin'd blob, 8-aligned, in .rodata */
    size_t blob_len;
    const char *version_text; /* "zonec X.Y.Z; zones: example.com. serial N, ..." */
} rt_program_t;

/* The server: parses the flags of SPEC §2 (--listen, --threads, --version,
 * ...), opens the blob, binds, serves until SIGTERM/SIGINT.
 * Returns: the process exit status. Defined in runtime/main.c. */
int rt_main(int argc, char **argv, const rt_program_t *prog);

#endif
