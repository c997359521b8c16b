/* fuzz_zone.c -- libFuzzer target: the RFC 1035 master-file reader
 * SPDX-License-Identifier: MIT
 *
 * Input: master-file text, read by zonefile_read_text() into zone
 * "fuzz.test." (the way a ZPL `records { }` block is read) with a default
 * TTL; an input that never mentions "soa" gets an apex SOA and NS, so short
 * inputs are complete zones. Then the rest of the pipeline runs on what was
 * read (ir_check, ir_finish, layout_build, rt_db_open and queries for every
 * name: fuzz_common.h), so the checker, the layout and the runtime see the
 * zones the reader makes. Files cannot be opened ($INCLUDE gets ENOENT).
 * Diagnostics go to /dev/null (ZONEC_FUZZ_VERBOSE=1 shows them).
 */
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "dname.h"
#include "ir.h"
#include "zonefile.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t apex[] = {4, 'f', 'u', 'z', 'z', 4, 't', 'e', 's', 't', 0};
    if (size > 1 << 20)
        return -1;
    diag_reset();
    fuzz_quiet();
    fuzz_block_files(1);
    ir_t *ir = ir_new();
    /* the text must outlive the call for diagnostics: copy it to the arena */
    char *text = arena_memdup(ir->arena, size ? (const void *)data : "", size ? size : 1);
    uint32_t file = diag_add_file("fuzz.zone", text, size);
    ir_zone_t *z = ir_zone_add(ir, apex, (loc_t){file, 1, 1});
    zonefile_opts_t o = {.origin = apex, .default_ttl = 3600, .have_default_ttl = 1};
    zonefile_read_text(ir, z, file, text, size, 1, 1, "/nonexistent", &o);
    if (!fuzz_mentions_soa(data, size))
        fuzz_add_skeleton(ir);
    fuzz_compile_and_query(ir);
    ir_free(ir);
    fuzz_block_files(0);
    return 0;
}
