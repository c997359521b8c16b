/* test_emit.c -- unit tests of emit.c: templates, write-if-unchanged, banner
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dname.h"
#include "emit.h"
#include "ir.h"

static void test_expand_vars(void **state)
{
    (void)state;
    const emit_var_t vars[] = {{"A", "alpha"}, {"B_2", ""}, {"LONG_NAME", "x@y"}};
    const char *t = "<@@A@@|@@B_2@@|@@LONG_NAME@@|@@@@|@ @|a@@A@@@@A@@>";
    emit_buf_t b = {0};
    const char *bad = NULL;
    assert_int_equal(emit_expand(&b, t, strlen(t), vars, 3, &bad), 0);
    assert_string_equal(b.data, "<alpha||x@y|@@|@ @|aalphaalpha>");
    emit_buf_free(&b);

    /* no placeholder at all: copied byte for byte */
    assert_int_equal(emit_expand(&b, "plain", 5, vars, 3, NULL), 0);
    assert_string_equal(b.data, "plain");
    emit_buf_free(&b);
}

static void test_expand_errors(void **state)
{
    (void)state;
    const emit_var_t vars[] = {{"A", "alpha"}};
    emit_buf_t b = {0};
    const char *bad = NULL;
    const char *t1 = "x @@MISSING@@ y";
    assert_int_equal(emit_expand(&b, t1, strlen(t1), vars, 1, &bad), -1);
    assert_ptr_equal(bad, t1 + 2);
    emit_buf_free(&b);
    const char *t2 = "x @@A";
    assert_int_equal(emit_expand(&b, t2, strlen(t2), vars, 1, &bad), -1);
    emit_buf_free(&b);
    const char *t3 = "x @@a@@"; /* lowercase is not a variable name */
    assert_int_equal(emit_expand(&b, t3, strlen(t3), vars, 1, &bad), -1);
    emit_buf_free(&b);
}

static void test_templates_embedded(void **state)
{
    (void)state;
    size_t len = 0;
    const char *t = emit_template("tables.c.tmpl", &len);
    assert_non_null(t);
    assert_true(len > 100);
    assert_int_equal(t[len], '\0');
    assert_non_null(strstr(t, "rt_main(argc, argv, &gen_program)"));
    t = emit_template("blob.s.tmpl", &len);
    assert_non_null(t);
    assert_non_null(strstr(t, ".incbin \"blob.bin\""));
    assert_non_null(strstr(t, ".note.GNU-stack"));
    assert_null(emit_template("nope.tmpl", &len));
}

static void test_c_escapes(void **state)
{
    (void)state;
    emit_buf_t b = {0};
    emit_c_string(&b, "a\"b\\c\n?\?=");
    assert_string_equal(b.data, "a\\\"b\\\\c\\012?\\?=");
    emit_buf_free(&b);
    emit_c_comment(&b, "x*/y/*z\t");
    assert_null(strstr(b.data, "*/"));
    assert_null(strstr(b.data, "/*"));
    assert_null(strchr(b.data, '\t'));
    emit_buf_free(&b);
}

static void test_write_if_unchanged(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_emit.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], tmp[80];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);

    assert_int_equal(emit_write_file(path, "hello\n", 6), 1);
    struct stat st1, st2;
    assert_int_equal(stat(path, &st1), 0);
    assert_int_equal(st1.st_size, 6);
    assert_int_not_equal(access(tmp, F_OK), 0); /* temporary renamed away */

    /* same bytes: not rewritten (the inode stays, rename would replace it) */
    assert_int_equal(emit_write_file(path, "hello\n", 6), 0);
    assert_int_equal(stat(path, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);

    /* different bytes (also: same length, other content; and a prefix) */
    assert_int_equal(emit_write_file(path, "HELLO\n", 6), 1);
    assert_int_equal(emit_write_file(path, "HELL", 4), 1);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char buf[16] = {0};
    assert_int_equal(fread(buf, 1, sizeof buf, f), 4);
    fclose(f);
    assert_memory_equal(buf, "HELL", 4);

    /* errors: directory that does not exist */
    char bad[96];
    snprintf(bad, sizeof bad, "%s/no/such/dir/f", dir);
    assert_int_equal(emit_write_file(bad, "x", 1), -1);

    unlink(path);
    rmdir(dir);
}

static ir_t *small_ir(void)
{
    ir_t *ir = ir_new();
    static const loc_t l = {0, 0, 0};
    uint8_t name[DNAME_MAX];
    size_t n;
    assert_int_equal(dname_from_text(name, &n, "example.net.", 12, NULL), DNAME_OK);
    ir_zone_add(ir, name, l)->serial = 7;
    assert_int_equal(dname_from_text(name, &n, "Example.COM.", 12, NULL), DNAME_OK);
    ir_zone_add(ir, name, l)->serial = 42;
    return ir;
}

static void test_version_text(void **state)
{
    (void)state;
    ir_t *ir = small_ir();
    char *v = emit_version_text(ir);
    /* canonical order, case as written */
    assert_string_equal(v, "zonec " ZONEC_VERSION "; zones: Example.COM. serial 42, "
                           "example.net. serial 7");
    free(v);
    ir_free(ir);
}

static void test_sources_banner(void **state)
{
    (void)state;
    ir_t *ir = small_ir();
    const char *inputs[] = {"examples/example.com.zpl", "zones/x.zone"};
    emit_info_t info = {inputs, 2, "example.org.", 1234, 4096};
    emit_buf_t t = {0}, s = {0}, t2 = {0}, s2 = {0};
    assert_int_equal(emit_sources(ir, &info, &t, &s), 0);

    const char *banner = "/* Generated by zonec " ZONEC_VERSION
                         " from examples/example.com.zpl zones/x.zone (seed 1234). DO NOT EDIT. */\n";
    assert_int_equal(strncmp(t.data, banner, strlen(banner)), 0);
    assert_int_equal(strncmp(s.data, banner, strlen(banner)), 0);
    assert_non_null(strstr(t.data, "--origin example.org. --seed 1234"));
    assert_non_null(strstr(t.data, ".blob_len = 4096u,"));
    assert_non_null(strstr(t.data, ".version_text = \"zonec " ZONEC_VERSION
                                   "; zones: Example.COM. serial 42, example.net. serial 7\","));
    assert_non_null(strstr(t.data, "Example.COM."));
    assert_null(strstr(t.data, "@@"));
    assert_null(strstr(s.data, "@@"));
    assert_non_null(strstr(s.data, ".size gen_blob, 4096"));

    /* no absolute path (the working directory) and no date or host */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_null(strstr(t.data, cwd));
    assert_null(strstr(t.data, "/tmp"));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%Y", &tm);
    assert_null(strstr(t.data, date));
    assert_null(strstr(s.data, date));
    strftime(date, sizeof date, "%b", &tm);
    assert_null(strstr(t.data, date));
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) == 0 && strlen(host) > 3)
        assert_null(strstr(t.data, host));

    /* reproducible: a second run gives the same bytes */
    assert_int_equal(emit_sources(ir, &info, &t2, &s2), 0);
    assert_int_equal(t.len, t2.len);
    assert_memory_equal(t.data, t2.data, t.len);
    assert_int_equal(s.len, s2.len);
    assert_memory_equal(s.data, s2.data, s.len);

    emit_buf_free(&t);
    emit_buf_free(&s);
    emit_buf_free(&t2);
    emit_buf_free(&s2);
    ir_free(ir);
}

static void test_write_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_emit.XXXXXX";
    assert_non_null(mkdtemp(dir));
    emit_buf_t t = {0}, s = {0};
    emit_buf_puts(&t, "int x;\n");
    emit_buf_puts(&s, "# nothing\n");
    static const uint8_t blob[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(emit_write_dir(dir, &t, &s, blob, sizeof blob), 0);
    const char *names[] = {"tables.c", "blob.s", "blob.bin"};
    for (int i = 0; i < 3; i++) {
        char p[96];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        unlink(p);
    }
    rmdir(dir);
    emit_buf_free(&t);
    emit_buf_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_vars),
        cmocka_unit_test(test_expand_errors),
        cmocka_unit_test(test_templates_embedded),
        cmocka_unit_test(test_c_escapes),
        cmocka_unit_test(test_write_if_unchanged),
        cmocka_unit_test(test_version_text),
        cmocka_unit_test(test_sources_banner),
        cmocka_unit_test(test_write_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
