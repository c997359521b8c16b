/* db.c -- open and validate a compiled zone blob (runtime/rt.h)
 * SPDX-License-Identifier: MIT
 *
 * rt_db_open() checks everything a query can follow: the header, each
 * section's bounds and alignment, every zone, node, type entry and image
 * (O(names): `zonec query`, tests). rt_db_open_lazy() checks the header,
 * the sections and the zones only, so a server with a million names starts
 * without touching its tables; the packet path bounds-checks every index it
 * follows anyway (query.c), so a bad entry gives SERVFAIL, never a crash.
 * rt_db_open() also checks that every node record (rt.h NODE RECORDS), which
 * the packet path reads, matches the type entries and images it copies.
 * The MPHF's header is checked against its section (rt_mphf_open()); its
 * results are bounds-checked per query.
 */
#include <stdint.h>
#include <string.h>

#include "query.h"
#include "rt.h"
#include "wire.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the blob is little-endian and read in place: little-endian hosts only"
#endif

/* 1 when [off, off + count * size) lies inside [0, total). */
static int section_ok(uint32_t off, uint64_t count, uint64_t size, uint32_t total)
{
    return (uint64_t)off + count * size <= total;
}

/* A wire name of exactly `len` bytes: labels <= 63, ends with the root label. */
static int name_ok(const uint8_t *p, uint32_t len)
{
    uint32_t i = 0;
    if (len == 0 || len > WIRE_NAME_MAX)
        return 0;
    while (i < len) {
        uint8_t l = p[i];
        if (l == 0)
            return i + 1 == len;
        if (l > WIRE_LABEL_MAX)
            return 0;
        i += 1u + l;
    }
    return 0;
}

static int image_ok(const rt_db_t *db, uint32_t idx)
{
    const rt_blob_header_t *h = db->hdr;
    if (idx >= h->image_count)
        return 0;
    const rt_image_t *im = &db->images[idx];
    uint64_t end = (uint64_t)im->off + im->len + 2u * im->nfixups + 4u * im->ncuts;
    if (end > h->bytes_len)
        return 0;
    const uint8_t *p = db->bytes + im->off + im->len;
    for (unsigned i = 0; i < im->nfixups; i++, p += 2) {
        uint32_t pos = wire_read_le16(p);
        if (pos + 2u > im->len)
            return 0;
    }
    for (unsigned i = 0; i < im->ncuts; i++, p += 4) {
        if (wire_read_le16(p) > im->len)
            return 0;
    }
    return 1;
}

/* Header, sections and zones: O(zones), touches a few pages. */
static int open_header(rt_db_t *db, const void *blob, size_t len)
{
    const uint8_t *base = blob;
    memset(db, 0, sizeof *db);
    if (blob == NULL || len < sizeof(rt_blob_header_t))
        return RT_EBOUNDS;
    if ((uintptr_t)blob % 8 != 0)
        return RT_EALIGN;
    const rt_blob_header_t *h = blob;
    if (h->magic != RT_BLOB_MAGIC)
        return RT_EMAGIC;
    if (h->abi != RT_ABI_VERSION)
        return RT_EABI;
    if (h->total_len > len || h->total_len < sizeof *h)
        return RT_EBOUNDS;
    uint32_t t = h->total_len;
    if ((h->zones_off | h->nodes_off | h->typeents_off | h->images_off | h->bytes_off |
         h->mphf_off) % 8 != 0)
        return RT_EALIGN;
    if (!section_ok(h->zones_off, h->zone_count, sizeof(rt_zone_t), t) ||
        !section_ok(h->nodes_off, (uint64_t)h->node_count + 1, sizeof(rt_node_t), t) ||
        !section_ok(h->typeents_off, h->typeent_count, sizeof(rt_typeent_t), t) ||
        !section_ok(h->images_off, h->image_count, sizeof(rt_image_t), t) ||
        !section_ok(h->bytes_off, h->bytes_len, 1, t) || !section_ok(h->mphf_off, h->mphf_len, 1, t))
        return RT_EBOUNDS;
    if (h->node_count > 0 && (h->mphf_len == 0 || h->zone_count == 0))
        return RT_EBOUNDS;

    db->hdr = h;
    db->zones = (const rt_zone_t *)(base + h->zones_off);
    db->nodes = (const rt_node_t *)(base + h->nodes_off);
    db->typeents = (const rt_typeent_t *)(base + h->typeents_off);
    db->images = (const rt_image_t *)(base + h->images_off);
    db->bytes = base + h->bytes_off;
    db->mphf = base + h->mphf_off;
    if (h->node_count > 0 && rt_mphf_open(&db->mph, db->mphf, h->mphf_len) < 0)
        return RT_ECORRUPT;
    int pe = rt_policy_open(&db->pol, base, t, h->policy_off);
    if (pe != RT_OK)
        return pe;

    for (uint32_t z = 0; z < h->zone_count; z++) {
        const rt_zone_t *zn = &db->zones[z];
        if (zn->apex_node >= h->node_count || !image_ok(db, zn->nxdomain_img) ||
            !image_ok(db, zn->nodata_img) || (uint64_t)zn->name_off + zn->name_len > h->bytes_len)
            return RT_ECORRUPT;
    }
    /* node_count + 1 entries: the sentinel closes the last node's typeent range */
    if (db->nodes[h->node_count].types_first > h->typeent_count)
        return RT_ECORRUPT;
    return RT_OK;
}

int rt_db_open_lazy(rt_db_t *db, const void *blob, size_t len)
{
    int rc = open_header(db, blob, len);
    if (rc != RT_OK)
        memset(db, 0, sizeof *db);
    return rc;
}

int rt_db_open(rt_db_t *db, const void *blob, size_t len)
{
    int rc = open_header(db, blob, len);
    if (rc != RT_OK)
        goto fail;
    const rt_blob_header_t *h = db->hdr;
    rc = RT_ECORRUPT;
    for (uint32_t i = 0; i < h->image_count; i++)
        if (!image_ok(db, i))
            goto fail;
    for (uint32_t i = 0; i < h->typeent_count; i++)
    {
        uint32_t im = db->typeents[i].image;
        if ((im & RT_TYPEENT_POLICY) ? (!db->pol.hdr || (im & ~RT_TYPEENT_POLICY) >= db->pol.hdr->policy_count)
                                     : im >= h->image_count)
            goto fail;
    }
    for (uint32_t i = 0; i < h->node_count; i++) {
        const rt_node_t *n = &db->nodes[i];
        if (n->types_first > db->nodes[i + 1].types_first || n->zone >= h->zone_count ||
            (uint64_t)n->name_off + n->name_len > h->bytes_len ||
            !name_ok(db->bytes + n->name_off, n->name_len))
            goto fail;
        if ((n->flags & (RT_NODE_BELOW_CUT | RT_NODE_WILDCARD)) && n->aux >= h->node_count)
            goto fail;
        /* the record (rt.h NODE RECORDS): a copy of the node's entries and images */
        uint64_t ro = rt_node_rec_off(n->name_off, n->name_len);
        uint32_t first = n->types_first, cnt = db->nodes[i + 1].types_first - first, c;
        if (ro + 4 > h->bytes_len)
            goto fail;
        memcpy(&c, db->bytes + ro, 4);
        if ((n->flags & RT_NODE_BELOW_CUT) && cnt == 0 && c == 1) {
            /* no entries of its own: the copy of its cut's referral entry */
            const rt_node_t *cn = &db->nodes[n->aux];
            first = cn->types_first;
            cnt = first < db->nodes[n->aux + 1].types_first && first < h->typeent_count &&
                          db->typeents[first].type == RT_T_REFERRAL
                      ? 1
                      : 0;
        }
        if (c != cnt || ro + 4 + (uint64_t)c * sizeof(rt_nodeent_t) > h->bytes_len)
            goto fail;
        for (uint32_t k = 0; k < c; k++) {
            rt_nodeent_t e;
            const rt_typeent_t *te = &db->typeents[first + k];
            memcpy(&e, db->bytes + ro + 4 + (uint64_t)k * sizeof e, sizeof e);
            if (e.type != te->type || e.image != te->image ||
                (!(e.image & RT_TYPEENT_POLICY) && memcmp(&e.im, &db->images[e.image], sizeof e.im) != 0))
                goto fail;
        }
    }
    return RT_OK;
fail:
    memset(db, 0, sizeof *db);
    return rc;
}

/* One table for codes, symbolic names and messages (Knot libzscanner style). */
static const struct {
    int code;
    const char *name;
    const char *msg;
} rt_errors[] = {
    {RT_OK, "RT_OK", "success"},
    {RT_EMAGIC, "RT_EMAGIC", "not a zonec blob (bad magic)"},
    {RT_EABI, "RT_EABI", "blob written for another zonec ABI version"},
    {RT_EBOUNDS, "RT_EBOUNDS", "a blob section lies outside the blob"},
    {RT_EALIGN, "RT_EALIGN", "blob or blob section not 8-byte aligned"},
    {RT_ECORRUPT, "RT_ECORRUPT", "blob table entry points outside its target"},
};

const char *rt_strerror(int code)
{
    for (size_t i = 0; i < sizeof rt_errors / sizeof rt_errors[0]; i++)
        if (rt_errors[i].code == code)
            return rt_errors[i].msg;
    return "unknown error";
}
