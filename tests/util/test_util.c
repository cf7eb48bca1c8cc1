/* Internal utilities: UTF-8, JSON limits, hashes, base64, numbers, paths. */
#include <locale.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "util/util.h"
#include "../testutil.h"

static void test_utf8(void)
{
    CHECK(mirs__utf8_valid("plain ascii text, long enough for the fast path", 47));
    CHECK(mirs__utf8_valid("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9));
    CHECK_EQ_INT(mirs__utf8_valid_prefix("ab\xc0\xaf", 4), 2);            /* overlong '/' */
    CHECK_EQ_INT(mirs__utf8_valid_prefix("abcdefgh\xed\xa0\x80", 11), 8); /* surrogate */
    CHECK_EQ_INT(mirs__utf8_valid_prefix("\xf4\x90\x80\x80", 4), 0);      /* > U+10FFFF */
    CHECK_EQ_INT(mirs__utf8_valid_prefix("x\xe2\x82", 3), 1);             /* truncated */
    CHECK_EQ_INT(mirs__utf8_valid_prefix("\xff", 1), 0);
}

static void test_json(void)
{
    cJSON *j = NULL;
    CHECK_OK(mirs__json_parse("[1, {\"a\": [2]}]", 15, 3, "t", &j));
    cJSON_Delete(j);
    j = NULL;
    CHECK_STATUS(mirs__json_parse("[[[[1]]]]", 9, 3, "t", &j), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "byte 3") != NULL);
    /* Brackets inside strings do not count. */
    CHECK_OK(mirs__json_parse("[\"[[[[[\\\"[[[\"]", 14, 1, "t", &j));
    cJSON_Delete(j);
    CHECK_STATUS(mirs__json_parse("[1,]", 4, 8, "f.json", &j), MIRS_E_JSON);
    CHECK(strstr(mirs_error_last(), "f.json") != NULL);
    CHECK_STATUS(mirs__json_parse("[1] x", 5, 8, "t", &j), MIRS_E_JSON);
    CHECK_STATUS(mirs__json_parse("[\"\xff\"]", 4, 8, "t", &j), MIRS_E_UTF8);
}

static void test_hash(void)
{
    /* Check values of the catalogued CRC-64/XZ and FNV-1a 64. */
    CHECK(mirs__crc64(0, "123456789", 9) == 0x995DC9BBDF1939FAull);
    uint64_t inc = mirs__crc64(mirs__crc64(0, "1234", 4), "56789", 5);
    CHECK(inc == 0x995DC9BBDF1939FAull);
    CHECK(mirs__fnv1a64("", 0) == 0xcbf29ce484222325ull);
    CHECK(mirs__fnv1a64("a", 1) == 0xaf63dc4c8601ec8cull);
}

static void test_sb(void)
{
    mirs_sb sb;
    mirs_sb_init(&sb);
    mirs_sb_base64(&sb, "Man", 3);
    mirs_sb_base64(&sb, "Ma", 2);
    mirs_sb_base64(&sb, "M", 1);
    CHECK_STR(sb.data, "TWFuTWE=TQ==");
    mirs_sb_clear(&sb);
    mirs_sb_json_string(&sb, "a\"b\\c\n\x01\xc3\xa9", 9);
    CHECK_STR(sb.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    mirs_sb_clear(&sb);
    mirs_sb_json_double(&sb, 0.1);
    mirs_sb_putc(&sb, ' ');
    mirs_sb_json_double(&sb, 1.0 / 3.0);
    mirs_sb_putc(&sb, ' ');
    mirs_sb_json_double(&sb, 0.0 / 0.0);
    CHECK_STR(sb.data, "0.1 0.3333333333333333 null"); /* shortest round trip: 16 digits */
    /* The host's locale must not change numbers (skip if not installed). */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        mirs_sb_clear(&sb);
        mirs_sb_json_double(&sb, 2.5);
        CHECK_STR(sb.data, "2.5");
        CHECK(mirs__strtod_c("2.5", NULL) == 2.5);
        setlocale(LC_NUMERIC, "C");
    }
    mirs_buf b;
    CHECK_OK(mirs_sb_to_buf(&sb, &b));
    CHECK(sb.data == NULL);
    mirs_buf_free(&b);
}

static void test_paths(void)
{
    CHECK(mirs__path_is_contained("images/a/b.png"));
    CHECK(mirs__path_is_contained("a/..b/c"));
    CHECK(!mirs__path_is_contained("../x.png"));
    CHECK(!mirs__path_is_contained("a/../../x.png"));
    CHECK(!mirs__path_is_contained("a/.."));
    CHECK(!mirs__path_is_contained("/etc/passwd"));
    CHECK(!mirs__path_is_contained(""));
    char *p = mirs__path_join("root/", "a/b");
    CHECK_STR(p, "root/a/b");
    free(p);
    p = mirs__path_dirname("x/y/z.json");
    CHECK_STR(p, "x/y");
    free(p);
    p = mirs__path_dirname("z.json");
    CHECK_STR(p, ".");
    free(p);
}

static void test_errors(void)
{
    CHECK_EQ_INT(mirs__fail(MIRS_E_PATH, "file %s item %d", "a.json", 3), MIRS_E_PATH);
    CHECK_STR(mirs_error_last(), "file a.json item 3");
    CHECK_EQ_INT(mirs_error_last_status(), MIRS_E_PATH);
    mirs__error_prefix("outer");
    CHECK_STR(mirs_error_last(), "outer: file a.json item 3");
    char *d;
    size_t n;
    CHECK_STATUS(mirs__read_file("/nonexistent/file", 10, &d, &n), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "/nonexistent/file") != NULL);
    mirs_error_clear();
    CHECK_STR(mirs_error_last(), "");
}

int main(void)
{
    test_utf8();
    test_json();
    test_hash();
    test_sb();
    test_paths();
    test_errors();
    return test_summary("util");
}
