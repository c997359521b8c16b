/* tmpl_data.s -- the templates/ files embedded into the zonec binary
 * SPDX-License-Identifier: MIT
 *
 * Assembled from the repository root (see the Makefile), so the .incbin paths
 * are relative to it. Each template is followed by a NUL byte; emit.c finds
 * them by name through emit_template(). */
	.section .rodata
	.balign 8
	.globl emit_tmpl_tables_c
	.type emit_tmpl_tables_c, @object
emit_tmpl_tables_c:
	.incbin "templates/tables.c.tmpl"
	.globl emit_tmpl_tables_c_end
emit_tmpl_tables_c_end:
	.byte 0

	.balign 8
	.globl emit_tmpl_blob_s
	.type emit_tmpl_blob_s, @object
emit_tmpl_blob_s:
	.incbin "templates/blob.s.tmpl"
	.globl emit_tmpl_blob_s_end
emit_tmpl_blob_s_end:
	.byte 0

	.section .note.GNU-stack,"",@progbits
