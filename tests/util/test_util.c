/* Internal utilities: UTF-8, JSON limits, hashes, base64, numbers, paths. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#if defined(__x86_64__) && defined(__GNUC__)
#include "util/utf8_avx2.h"

/* A whole-buffer validator made of the block check that report/pyjson.c runs
 * inside its string scan, to test that check exhaustively here. */
U8_TGT static bool utf8_valid_avx2(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    __m256i err = _mm256_setzero_si256(), prev = err, inc = err;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 32));
        if (!_mm256_movemask_epi8(_mm256_or_si256(a, b))) {
            err = _mm256_or_si256(err, inc);
            inc = _mm256_setzero_si256();
        } else {
            err = _mm256_or_si256(err, _mm256_or_si256(u8_block_errors(a, prev), u8_block_errors(b, a)));
            inc = u8_incomplete(b);
        }
        prev = b;
    }
    /* The tail, zero-padded (zeros are ASCII: they end nothing early). */
    while (i < n) {
        unsigned char buf[32] = {0};
        size_t k = n - i < 32 ? n - i : 32;
        memcpy(buf, s + i, k);
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)buf);
        err = _mm256_or_si256(err, u8_block_errors(a, prev));
        inc = u8_incomplete(a);
        prev = a;
        i += k;
    }
    err = _mm256_or_si256(err, inc);
    return _mm256_testz_si256(err, err);
}

/* The AVX2 validator against the scalar one: every sequence of up to four
 * bytes drawn from the values where the rules change, at offsets that put
 * it across 32- and 64-byte block edges and at the end of the buffer, then
 * random mixes of valid characters with random damage. */
U8_TGT static int avx2_vs_scalar(const unsigned char *b, size_t n)
{
    bool want = mirs__utf8_valid((const char *)b, n), got = utf8_valid_avx2((const char *)b, n);
    if (want != got) {
        fprintf(stderr, "utf8 avx2 %d, scalar %d, n %zu:", got, want, n);
        for (size_t i = 0; i < n; i++)
            if (b[i] >= 0x80) fprintf(stderr, " [%zu]=%02x", i, b[i]);
        fprintf(stderr, "\n");
        return 1;
    }
    return 0;
}

/* The library's one detector against the compiler's own (an independent
 * reading of CPUID and XGETBV). */
static void test_cpu_features(void)
{
    unsigned f = mirs__cpu_features();
    CHECK(f & MIRS_CPU_KNOWN);
    CHECK(mirs__cpu_features() == f);
#if defined(__x86_64__)
    CHECK(f & MIRS_CPU_SSE2);
    CHECK(!!(f & MIRS_CPU_AVX2) == !!__builtin_cpu_supports("avx2"));
    CHECK(!!(f & MIRS_CPU_FMA) == !!__builtin_cpu_supports("fma"));
    CHECK(!!(f & MIRS_CPU_BMI2) == !!__builtin_cpu_supports("bmi2"));
#else
    CHECK(!(f & MIRS_CPU_AVX2));
#endif
    printf("# cpu features: %#x\n", f);
}

static void test_utf8_avx2(void)
{
    if (!mirs__cpu_has(MIRS_CPU_AVX2)) {
        printf("# no AVX2 on this CPU: the AVX2 UTF-8 validator is not tested\n");
        return;
    }
    static const unsigned char v[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
                                      0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0,
                                      0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfe, 0xff};
    const size_t nv = sizeof v;
    static const size_t offs[][2] = {{0, 4}, {29, 33}, {30, 64}, {61, 65}, {62, 70}, {93, 97}, {124, 128}, {5, 9}};
    unsigned char b[160];
    int bad = 0;
    for (size_t len = 1; len <= 4 && !bad; len++) {
        size_t combos = 1;
        for (size_t k = 0; k < len; k++) combos *= nv;
        for (size_t o = 0; o < sizeof offs / sizeof offs[0] && !bad; o++) {
            size_t at = offs[o][0], n = offs[o][1];
            if (at + len > n) n = at + len;
            for (size_t c = 0; c < combos && !bad; c++) {
                memset(b, 'a', sizeof b);
                size_t x = c;
                for (size_t k = 0; k < len; k++, x /= nv) b[at + k] = v[x % nv];
                bad |= avx2_vs_scalar(b, n);
                bad |= avx2_vs_scalar(b, at + len); /* sequence at the very end */
            }
        }
    }
    CHECK(!bad);
    static const char *chars[] = {"a",
                                  "\xc3\xa9",
                                  "\xe2\x82\xac",
                                  "\xf0\x9f\x98\x80",
                                  "\xed\x9f\xbf",
                                  "\xf4\x8f\xbf\xbf",
                                  "\xe0\xa0\x80",
                                  "\xf0\x90\x80\x80",
                                  " ",
                                  "\xc2\x80"};
    unsigned long long rng = 88172645463325252ull;
    unsigned char big[600];
    for (int t = 0; t < 200000 && !bad; t++) {
        size_t n = 0;
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        size_t want = rng % 560;
        while (n < want) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            const char *ch = chars[rng % 10 < 5 ? 0 : rng % 10];
            size_t l = strlen(ch);
            memcpy(big + n, ch, l);
            n += l;
        }
        int damage = (int)(rng >> 40) % 4;
        for (int d = 0; d < damage && n; d++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            big[rng % n] = (unsigned char)(rng >> 32);
        }
        if ((rng >> 50) % 8 == 0 && n) n -= (size_t)(rng >> 20) % (n < 3 ? n : 3); /* cut inside a character */
        bad |= avx2_vs_scalar(big, n);
    }
    CHECK(!bad);
    CHECK(utf8_valid_avx2("", 0));
    CHECK(!utf8_valid_avx2("\xc3", 1));
}

#else
static void test_utf8_avx2(void) {}
#endif

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

/* Strings with "\u0000" keep their true length (mirs__json_strlen); member names with it are refused. */
static void test_json_nul(void)
{
    struct cJSON *j = NULL;
    const char *t = "\xEF\xBB\xBF {\"a\" : [\"x\\u0000y\", 1.5e3, {\"b\":\"\\u00e9\\u0000\\ud83d\\ude00z\"}],"
                    " \"c\":\"\\\\u0000\", \"d\": [], \"e\": {}, \"f\": \"\\u0000\"}";
    CHECK_OK(mirs__json_parse(t, strlen(t), 8, "t", &j));
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "a");
    CHECK_EQ_INT(mirs__json_strlen(cJSON_GetArrayItem(a, 0)), 3);
    CHECK(memcmp(cJSON_GetArrayItem(a, 0)->valuestring, "x\0y", 3) == 0);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a, 2), "b");
    CHECK_EQ_INT(mirs__json_strlen(b), 8); /* e-acute 2, NUL 1, U+1F600 4, z 1 */
    CHECK(memcmp(b->valuestring, "\xC3\xA9\0\xF0\x9F\x98\x80z", 8) == 0);
    /* An escaped backslash before "u0000" is no NUL. */
    CHECK_EQ_INT(mirs__json_strlen(cJSON_GetObjectItemCaseSensitive(j, "c")), 6);
    CHECK_EQ_INT(mirs__json_strlen(cJSON_GetObjectItemCaseSensitive(j, "f")), 1);
    CHECK_EQ_INT(mirs__json_strlen(cJSON_GetObjectItemCaseSensitive(j, "d")), 0);
    cJSON_Delete(j);
    const char *k = "{\"custom_id\\u0000x\": 1}";
    CHECK_STATUS(mirs__json_parse(k, strlen(k), 8, "t", &j), MIRS_E_UNSUPPORTED);
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
    mirs__sb sb;
    mirs__sb_init(&sb);
    mirs__sb_base64(&sb, "Man", 3);
    mirs__sb_base64(&sb, "Ma", 2);
    mirs__sb_base64(&sb, "M", 1);
    CHECK_STR(sb.data, "TWFuTWE=TQ==");
    mirs__sb_clear(&sb);
    mirs__sb_json_string(&sb, "a\"b\\c\n\x01\xc3\xa9", 9);
    CHECK_STR(sb.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"");
    mirs__sb_clear(&sb);
    mirs__sb_json_double(&sb, 0.1);
    mirs__sb_putc(&sb, ' ');
    mirs__sb_json_double(&sb, 1.0 / 3.0);
    mirs__sb_putc(&sb, ' ');
    mirs__sb_json_double(&sb, 0.0 / 0.0);
    CHECK_STR(sb.data, "0.1 0.3333333333333333 null"); /* shortest round trip: 16 digits */
    /* The host's locale must not change numbers (skip if not installed). */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        mirs__sb_clear(&sb);
        mirs__sb_json_double(&sb, 2.5);
        CHECK_STR(sb.data, "2.5");
        CHECK(mirs__strtod_c("2.5", NULL) == 2.5);
        setlocale(LC_NUMERIC, "C");
    }
    mirs_buf b;
    CHECK_OK(mirs__sb_to_buf(&sb, &b));
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
    test_cpu_features();
    test_utf8();
    test_utf8_avx2();
    test_json();
    test_json_nul();
    test_hash();
    test_sb();
    test_paths();
    test_errors();
    return test_summary("util");
}
