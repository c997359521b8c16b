/* fuzz_zpl.c -- libFuzzer target: the ZPL reader (grammar/policy.{l,y}, zpl.c)
 * SPDX-License-Identifier: MIT
 *
 * Input: ZPL text, read by zpl_read_text() as "/nonexistent/fuzz.zpl";
 * includes and `records from` cannot open any file (fuzz_common.h). Zones
 * of an input that never mentions "soa" get an apex SOA and NS. Then the
 * IR goes on through the whole pipeline (ir_check, ir_finish, layout_build,
 * rt_db_open, queries for every name). Diagnostics go to /dev/null
 * (ZONEC_FUZZ_VERBOSE=1 shows them).
 */
#include <stdint.h>

#include "diag.h"
#include "ir.h"
#include "zpl.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return -1;
    diag_reset();
    fuzz_quiet();
    fuzz_block_files(1);
    ir_t *ir = ir_new();
    zpl_read_text(ir, "/nonexistent/fuzz.zpl", (const char *)data, size);
    if (!fuzz_mentions_soa(data, size))
        fuzz_add_skeleton(ir);
    fuzz_compile_and_query(ir);
    ir_free(ir);
    fuzz_block_files(0);
    return 0;
}
