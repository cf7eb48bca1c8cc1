/* Reasoning-trace stripping: the official vectors, Python's whitespace set,
 * flags, tag pairs and errors. */
#include <mirsafety/mirsafety.h>

#include "../testutil.h"
#include "score_test_util.h"

static char *strip(const char *s, int32_t mode, const mirs_strip_options *o, uint32_t *flags)
{
    mirs_buf b = {0};
    if (mirs_strip_reasoning(s, strlen(s), mode, o, &b, flags) != MIRS_OK) return NULL;
    return (char *)b.data;
}

static void check_strip(const char *in, int32_t mode, const char *want)
{
    char *got = strip(in, mode, NULL, NULL);
    CHECK_STR(got, want);
    free(got);
}

static void test_vectors(cJSON *v)
{
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(v, "reasoning_strip_cases"), *c;
    int n = 0;
    cJSON_ArrayForEach(c, cases)
    {
        const char *in = cJSON_GetObjectItem(c, "input")->valuestring;
        check_strip(in, MIRS_STRIP_MIR, cJSON_GetObjectItem(c, "mir_harmbench_judge.extract_answer_only")->valuestring);
        check_strip(in, MIRS_STRIP_GLM, cJSON_GetObjectItem(c, "mir_glm.extract_glm_answer")->valuestring);
        n++;
    }
    CHECK_EQ_INT(n, 9);
}

static void test_python_space(void)
{
    /* Every code point str.isspace() accepts, and close neighbours it does not. */
    static const uint32_t yes[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x1C,   0x1D,   0x1E,   0x1F,   0x20,
                                   0x85,   0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
                                   0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
    static const uint32_t no[] = {0x00,   0x08,   0x0E,   0x1B,   0x21,   0x84,   0x86,   0x9F,   0xA1,  0x180E,
                                  0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x3001, 0x1FFF, 0x202E, 0x2030};
    int count = 0;
    for (uint32_t c = 0; c < 0x110000; c++) count += mirs_is_python_space(c);
    CHECK_EQ_INT(count, 29);
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) CHECK(mirs_is_python_space(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) CHECK(!mirs_is_python_space(no[i]));
    /* U+0085, U+00A0, U+3000, U+2029, \x1c on both ends go; U+200B and U+FEFF stay. */
    check_strip("\xC2\x85\xC2\xA0\xE3\x80\x80 a b \xE2\x80\xA9\x1c", MIRS_STRIP_MIR, "a b");
    check_strip("\xE2\x80\x8B a \xEF\xBB\xBF", MIRS_STRIP_WHITESPACE, "\xE2\x80\x8B a \xEF\xBB\xBF");
    check_strip(" \xE2\x80\x8B a \xEF\xBB\xBF\t", MIRS_STRIP_WHITESPACE, "\xE2\x80\x8B a \xEF\xBB\xBF");
    check_strip("\xE1\x9A\x80\xE2\x80\x8A\xE2\x80\xAF\xE2\x81\x9F", MIRS_STRIP_GLM, "");
    check_strip("x\xC2\xA0", MIRS_STRIP_WHITESPACE, "x");
    /* A multibyte non-space character at the end right after a space. */
    check_strip(" \xC3\xA9", MIRS_STRIP_WHITESPACE, "\xC3\xA9");
}

static void test_official_edge_cases(void)
{
    /* "</answer>" before "<answer>": Python slices text[start:end] with end < start to "". */
    check_strip("</answer> x <answer> y", MIRS_STRIP_MIR, "");
    /* GLM searches "</answer>" only after "<answer>", from the right. */
    check_strip("</answer> x <answer> y", MIRS_STRIP_GLM, "y");
    check_strip("<answer>a</answer>b</answer>", MIRS_STRIP_GLM, "a</answer>b");
    check_strip("<answer>a</answer>b</answer>", MIRS_STRIP_MIR, "a");
    /* <answer> wins over </think> even when it comes first. */
    check_strip("<answer>A</think>B", MIRS_STRIP_MIR, "A</think>B");
    /* The last </think> wins over a later Kimi marker in MIR mode. */
    check_strip("\xE2\x97\x81/think\xE2\x96\xB7 k </think> t", MIRS_STRIP_MIR, "t");
    check_strip("</think> t \xE2\x97\x81/think\xE2\x96\xB7 k", MIRS_STRIP_MIR, "t \xE2\x97\x81/think\xE2\x96\xB7 k");
    check_strip("<answer>", MIRS_STRIP_MIR, "");
    check_strip("<answer></answer>", MIRS_STRIP_GLM, "");
    check_strip("<answer</answer>", MIRS_STRIP_GLM, "<answer</answer>");
    check_strip("\t\n", MIRS_STRIP_MIR, "");
}

static void test_flags(void)
{
    uint32_t f;
    mirs_strip_options o = MIRS_STRIP_OPTIONS_INIT;
    char *s = strip("<think>a</think> b", MIRS_STRIP_MIR, NULL, &f);
    CHECK_STR(s, "b");
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_REASONING);
    free(s);
    s = strip("<think>only reasoning", MIRS_STRIP_MIR, NULL, &f);
    CHECK_STR(s, "<think>only reasoning");
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_UNTERMINATED);
    free(s);
    s = strip("<think>a</think>b<think>c", MIRS_STRIP_GLM, NULL, &f);
    CHECK_STR(s, "b<think>c");
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_REASONING | MIRS_STRIP_FLAG_UNTERMINATED);
    free(s);
    o.finish_reason = "length";
    s = strip("<answer> ", MIRS_STRIP_MIR, &o, &f);
    CHECK_STR(s, "");
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_REASONING | MIRS_STRIP_FLAG_ANSWER_TAG | MIRS_STRIP_FLAG_TRUNCATED |
                        MIRS_STRIP_FLAG_EMPTY);
    free(s);
    o.finish_reason = "stop";
    s = strip("x", MIRS_STRIP_MIR, &o, &f);
    CHECK_EQ_INT(f, 0);
    free(s);
    /* Kimi markers count for the unterminated flag too. */
    s = strip("\xE2\x97\x81think\xE2\x96\xB7 r", MIRS_STRIP_MIR, NULL, &f);
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_UNTERMINATED);
    free(s);
}

static void test_tags(void)
{
    mirs_strip_options o;
    mirs_strip_options_init(&o, sizeof o);
    CHECK_EQ_INT(o.struct_size, sizeof o);
    check_strip("<think>a</think> b \xE2\x97\x81think\xE2\x96\xB7r\xE2\x97\x81/think\xE2\x96\xB7 c", MIRS_STRIP_TAGS,
                "c");
    check_strip("\xE2\x97\x81think\xE2\x96\xB7r\xE2\x97\x81/think\xE2\x96\xB7 c <think>a</think> b", MIRS_STRIP_TAGS,
                "b");
    check_strip("<answer>a</answer>", MIRS_STRIP_TAGS, "<answer>a</answer>");
    const char *op[] = {"[R]", "<reasoning>"}, *cl[] = {"[/R]", "</reasoning>"};
    o.open_tags = op;
    o.close_tags = cl;
    o.ntags = 2;
    uint32_t f;
    char *s = strip("[R]x[/R] y [R] z", MIRS_STRIP_TAGS, &o, &f);
    CHECK_STR(s, "y [R] z");
    CHECK_EQ_INT(f, MIRS_STRIP_FLAG_REASONING | MIRS_STRIP_FLAG_UNTERMINATED);
    free(s);
    o.unterminated = MIRS_STRIP_UNTERMINATED_BEFORE;
    s = strip("[R]x[/R] y [R] z", MIRS_STRIP_TAGS, &o, &f);
    CHECK_STR(s, "y");
    free(s);
    o.unterminated = MIRS_STRIP_UNTERMINATED_EMPTY;
    s = strip("[R]x[/R] y [R] z", MIRS_STRIP_TAGS, &o, &f);
    CHECK_STR(s, "");
    CHECK(f & MIRS_STRIP_FLAG_EMPTY);
    free(s);
    s = strip("<reasoning>a</reasoning>b", MIRS_STRIP_TAGS, &o, &f);
    CHECK_STR(s, "b");
    free(s);
    /* Span form: offsets into the input. */
    size_t a, b;
    CHECK_OK(mirs_strip_reasoning_span("<think>q</think>  ans ", 22, MIRS_STRIP_MIR, NULL, &a, &b, NULL));
    CHECK_EQ_INT(a, 18);
    CHECK_EQ_INT(b, 21);
    CHECK_OK(mirs_strip_reasoning_span(NULL, 0, MIRS_STRIP_GLM, NULL, &a, &b, NULL));
    CHECK_EQ_INT(a, 0);
    CHECK_EQ_INT(b, 0);
}

static void test_errors(void)
{
    mirs_buf b = {0};
    size_t x, y;
    CHECK_STATUS(mirs_strip_reasoning("a\xFF", 2, MIRS_STRIP_MIR, NULL, &b, NULL), MIRS_E_UTF8);
    CHECK(strstr(mirs_error_last(), "offset 1") != NULL);
    CHECK(b.data == NULL);
    CHECK_STATUS(mirs_strip_reasoning("a", 1, 7, NULL, &b, NULL), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_strip_reasoning_span("a", 1, MIRS_STRIP_MIR, NULL, NULL, &y, NULL), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_strip_reasoning_span(NULL, 3, MIRS_STRIP_MIR, NULL, &x, &y, NULL), MIRS_E_INVALID_ARGUMENT);
    mirs_strip_options o = MIRS_STRIP_OPTIONS_INIT;
    const char *op[] = {""}, *cl[] = {"x"};
    o.open_tags = op;
    o.close_tags = cl;
    o.ntags = 1;
    CHECK_STATUS(mirs_strip_reasoning("a", 1, MIRS_STRIP_TAGS, &o, &b, NULL), MIRS_E_INVALID_ARGUMENT);
    o.ntags = MIRS_STRIP_MAX_TAGS + 1;
    CHECK_STATUS(mirs_strip_reasoning("a", 1, MIRS_STRIP_TAGS, &o, &b, NULL), MIRS_E_LIMIT);
    o.ntags = 0;
    o.unterminated = 9;
    CHECK_STATUS(mirs_strip_reasoning("a", 1, MIRS_STRIP_TAGS, &o, &b, NULL), MIRS_E_INVALID_ARGUMENT);
    /* Tags are not used outside MIRS_STRIP_TAGS, so bad ones do not matter there. */
    o.unterminated = 0;
    o.ntags = 1;
    CHECK_OK(mirs_strip_reasoning("a", 1, MIRS_STRIP_MIR, &o, &b, NULL));
    mirs_buf_free(&b);
}

int main(int argc, char **argv)
{
    cJSON *v = load_vectors(argc > 1 ? argv[1] : "tests/data");
    test_vectors(v);
    test_python_space();
    test_official_edge_cases();
    test_flags();
    test_tags();
    test_errors();
    cJSON_Delete(v);
    return test_summary("score-strip");
}
