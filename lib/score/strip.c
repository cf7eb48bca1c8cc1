/*
 * Reasoning-trace stripping. The MIR and GLM modes transcribe the official
 * MIR-SafetyBench functions step by step (extract_answer_only in
 * harmbench_judge.py, extract_glm_answer in models/GLM-4.1V-9B-Thinking.py):
 * Python's str.find/rfind on code points equal byte searches on valid
 * UTF-8 (the encoding is self-synchronising), and every result is a slice
 * of the input, so we return byte ranges and never copy until asked.
 */
#include "score_internal.h"
#include "util/util.h"
#include "util/versioned.h"

#include <string.h>

int mirs_strip_options_init(mirs_strip_options *opts, size_t size)
{
    static const mirs_strip_options d = MIRS_STRIP_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_strip_options, opts, size, &d);
}

int32_t mirs_is_python_space(uint32_t c)
{
    if (c <= 0x20) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
    switch (c) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return 1;
    default: return c >= 0x2000 && c <= 0x200A;
    }
}

/* Decodes the code point starting at s[i] (valid UTF-8 assumed) and its length. */
static uint32_t decode_at(const unsigned char *s, size_t i, size_t *len)
{
    unsigned char c = s[i];
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if (c < 0xE0) {
        *len = 2;
        return ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
    }
    if (c < 0xF0) {
        *len = 3;
        return ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
    }
    *len = 4;
    return ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) | ((uint32_t)(s[i + 2] & 0x3F) << 6) |
           (s[i + 3] & 0x3F);
}

void mirs__py_strip(const char *text, size_t *start, size_t *end)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t a = *start, b = *end, n;
    while (a < b) {
        if (!mirs_is_python_space(decode_at(s, a, &n))) break;
        a += n;
    }
    while (b > a) {
        size_t p = b - 1;
        while (p > a && (s[p] & 0xC0) == 0x80) p--;
        if (!mirs_is_python_space(decode_at(s, p, &n))) break;
        b = p;
    }
    *start = a;
    *end = b;
}

size_t mirs__find(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m == 0) return 0;
    if (m > n) return SIZE_MAX;
    const char *p = hay, *lim = hay + (n - m);
    while (p <= lim) {
        const char *q = memchr(p, (unsigned char)needle[0], (size_t)(lim - p) + 1);
        if (!q) return SIZE_MAX;
        if (memcmp(q, needle, m) == 0) return (size_t)(q - hay);
        p = q + 1;
    }
    return SIZE_MAX;
}

size_t mirs__rfind(const char *hay, size_t n, const char *needle, size_t m)
{
    if (m > n) return SIZE_MAX;
    if (m == 0) return n;
    for (size_t i = n - m + 1; i-- > 0;) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0) return i;
    }
    return SIZE_MAX;
}

#define LIT(s) s, (sizeof(s) - 1)

static const char *const default_open[] = {"<think>", "\xE2\x97\x81think\xE2\x96\xB7"};
static const char *const default_close[] = {"</think>", "\xE2\x97\x81/think\xE2\x96\xB7"};

/* MIRS_STRIP_FLAG_UNTERMINATED: some pair's last opening tag has no closing tag after it. */
static bool unterminated(const char *t, size_t n, const char *const *open, const char *const *close, size_t np)
{
    for (size_t k = 0; k < np; k++) {
        size_t lo = strlen(open[k]), lc = strlen(close[k]);
        size_t o = mirs__rfind(t, n, open[k], lo);
        if (o == SIZE_MAX) continue;
        if (mirs__find(t + o + lo, n - o - lo, close[k], lc) == SIZE_MAX) return true;
    }
    return false;
}

static int check_tags(const mirs_strip_options *opts, const char *const **open, const char *const **close, size_t *np)
{
    if (!opts || opts->ntags == 0) {
        *open = default_open;
        *close = default_close;
        *np = 2;
        return MIRS_OK;
    }
    if (!opts->open_tags || !opts->close_tags)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "strip: ntags is %zu but open_tags or close_tags is NULL",
                          opts->ntags);
    if (opts->ntags > MIRS_STRIP_MAX_TAGS)
        return mirs__fail(MIRS_E_LIMIT, "strip: %zu tag pairs (at most %d)", opts->ntags, MIRS_STRIP_MAX_TAGS);
    for (size_t k = 0; k < opts->ntags; k++) {
        const char *tg[2] = {opts->open_tags[k], opts->close_tags[k]};
        for (int j = 0; j < 2; j++) {
            if (!tg[j]) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "strip: tag pair %zu has a NULL tag", k);
            size_t l = strnlen(tg[j], MIRS_STRIP_MAX_TAG_LEN + 1);
            if (l == 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "strip: tag pair %zu has an empty tag", k);
            if (l > MIRS_STRIP_MAX_TAG_LEN)
                return mirs__fail(MIRS_E_LIMIT, "strip: tag pair %zu: a tag longer than %d bytes", k,
                                  MIRS_STRIP_MAX_TAG_LEN);
            if (!mirs__utf8_valid(tg[j], l))
                return mirs__fail(MIRS_E_UTF8, "strip: tag pair %zu: a tag that is not valid UTF-8", k);
        }
    }
    *open = opts->open_tags;
    *close = opts->close_tags;
    *np = opts->ntags;
    return MIRS_OK;
}

/* extract_answer_only (harmbench_judge.py) on the slice text[*a..*b):
 * narrows it to the answer before the final strip(). */
static void mir_span(const char *text, size_t *a, size_t *b, uint32_t *fl)
{
    const char *t = text + *a;
    size_t n = *b - *a, p, q;
    /* if "<answer>" in text: text[find+8 : find("</answer>")] or text[find+8:] */
    if ((p = mirs__find(t, n, LIT("<answer>"))) != SIZE_MAX) {
        *fl |= MIRS_STRIP_FLAG_REASONING | MIRS_STRIP_FLAG_ANSWER_TAG;
        q = mirs__find(t, n, LIT("</answer>"));
        if (q != SIZE_MAX) *b = *a + (q < p + 8 ? p + 8 : q); /* Python: an end before the start slices to "" */
        *a += p + 8;
    } else if ((p = mirs__rfind(t, n, LIT("</think>"))) != SIZE_MAX) {
        *fl |= MIRS_STRIP_FLAG_REASONING;
        *a += p + 8;
    } else if ((p = mirs__rfind(t, n, LIT("\xE2\x97\x81/think\xE2\x96\xB7"))) != SIZE_MAX) {
        *fl |= MIRS_STRIP_FLAG_REASONING;
        *a += p + 12;
    }
}

/* extract_glm_answer (models/GLM-4.1V-9B-Thinking.py) on text[*a..*b). */
static void glm_span(const char *text, size_t *a, size_t *b, uint32_t *fl)
{
    const char *t = text + *a;
    size_t n = *b - *a, p, q;
    /* content = text[find("<answer>")+8:]; cut at content.rfind("</answer>") */
    if ((p = mirs__find(t, n, LIT("<answer>"))) != SIZE_MAX) {
        *fl |= MIRS_STRIP_FLAG_REASONING | MIRS_STRIP_FLAG_ANSWER_TAG;
        q = mirs__rfind(t + p + 8, n - p - 8, LIT("</answer>"));
        if (q != SIZE_MAX) *b = *a + p + 8 + q;
        *a += p + 8;
    } else if ((p = mirs__rfind(t, n, LIT("</think>"))) != SIZE_MAX) {
        *fl |= MIRS_STRIP_FLAG_REASONING;
        *a += p + 8;
    }
}

int mirs_strip_reasoning_span(const char *text, size_t len, int32_t mode, const mirs_strip_options *opts, size_t *start,
                              size_t *end, uint32_t *flags)
{
    MIRS_CHECK_ARG(text || len == 0, "text must not be NULL when len > 0");
    MIRS_CHECK_ARG(start && end, "start and end must not be NULL");
    if (mode < MIRS_STRIP_MIR || mode > MIRS_STRIP_GLM_RAW)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "strip: unknown mode %d", (int)mode);
    mirs_strip_options o = MIRS_STRIP_OPTIONS_INIT;
    int st = MIRS__STRUCT_IN(mirs_strip_options, opts, &o);
    if (st) return st;
    const char *const *open = default_open, *const *close = default_close;
    size_t np = 2;
    st = check_tags(mode == MIRS_STRIP_TAGS ? &o : NULL, &open, &close, &np);
    if (st) return st;
    if (o.unterminated < MIRS_STRIP_UNTERMINATED_KEEP || o.unterminated > MIRS_STRIP_UNTERMINATED_BEFORE)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "strip: unknown unterminated policy %d", (int)o.unterminated);
    if (!text) text = "";
    size_t bad = mirs__utf8_valid_prefix(text, len);
    if (bad != len) return mirs__fail(MIRS_E_UTF8, "strip: invalid UTF-8 at byte offset %zu", bad);

    uint32_t fl = 0;
    size_t a = 0, b = len, p, q;
    switch (mode) {
    case MIRS_STRIP_MIR: mir_span(text, &a, &b, &fl); break;
    case MIRS_STRIP_GLM: glm_span(text, &a, &b, &fl); break;
    case MIRS_STRIP_GLM_RAW:
        /* What the official pipeline judges for GLM-4.1V: the adapter stores
         * extract_glm_answer(raw) (stripped), the judge then applies
         * extract_answer_only to that string. Both results are slices, so
         * the composition is one too: the MIR rule runs on the GLM span. */
        glm_span(text, &a, &b, &fl);
        mirs__py_strip(text, &a, &b);
        mir_span(text, &a, &b, &fl);
        break;
    case MIRS_STRIP_TAGS: {
        bool cut = false;
        for (size_t k = 0; k < np; k++) {
            size_t lc = strlen(close[k]);
            q = mirs__rfind(text, len, close[k], lc);
            if (q != SIZE_MAX && (!cut || q + lc > a)) {
                a = q + lc;
                cut = true;
            }
        }
        if (cut) fl |= MIRS_STRIP_FLAG_REASONING;
        if (o.unterminated != MIRS_STRIP_UNTERMINATED_KEEP && unterminated(text + a, len - a, open, close, np)) {
            /* The earliest opening tag after the cut whose pair is never closed after it. */
            size_t u = len;
            for (size_t k = 0; k < np; k++) {
                size_t lo = strlen(open[k]), lc = strlen(close[k]);
                p = mirs__find(text + a, len - a, open[k], lo);
                if (p == SIZE_MAX) continue;
                if (mirs__find(text + a + p + lo, len - a - p - lo, close[k], lc) != SIZE_MAX) continue;
                if (a + p < u) u = a + p;
            }
            fl |= MIRS_STRIP_FLAG_REASONING;
            if (o.unterminated == MIRS_STRIP_UNTERMINATED_EMPTY)
                a = b = len;
            else
                b = u;
        }
        break;
    }
    default: break;
    }
    mirs__py_strip(text, &a, &b);
    if (unterminated(text, len, open, close, np)) fl |= MIRS_STRIP_FLAG_UNTERMINATED;
    if (o.finish_reason && strcmp(o.finish_reason, "length") == 0) fl |= MIRS_STRIP_FLAG_TRUNCATED;
    if (a == b) fl |= MIRS_STRIP_FLAG_EMPTY;
    *start = a;
    *end = b;
    if (flags) *flags = fl;
    return MIRS_OK;
}

int mirs_strip_reasoning(const char *text, size_t len, int32_t mode, const mirs_strip_options *opts, mirs_buf *out,
                         uint32_t *flags)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    size_t a, b;
    uint32_t fl;
    int st = mirs_strip_reasoning_span(text, len, mode, opts, &a, &b, &fl);
    if (st) return st;
    char *d = mirs__malloc(b - a + 1);
    if (!d) return MIRS_E_NO_MEMORY;
    if (b > a) memcpy(d, text + a, b - a);
    d[b - a] = '\0';
    out->data = (uint8_t *)d;
    out->size = b - a;
    if (flags) *flags = fl;
    return MIRS_OK;
}
