/*
 * A validating scanner that accepts exactly the JSON texts CPython 3.11's
 * json.load() accepts (as statics.py calls it), without building a tree,
 * and extracts what the official statics.py looks at: the top-level
 * "judge_result" (the last one when the key repeats, as a dict keeps) and,
 * per element, whether its "label" is exactly "unsafe" and whether its
 * "answer" marks a failed or crashed inference.
 *
 * Python's rules reproduced: UTF-8 strictly decoded, a leading BOM refused,
 * whitespace is [ \t\n\r], NaN / Infinity / -Infinity allowed, numbers as
 * -?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)? with integers of more than 4300
 * digits refused (int max_str_digits), control characters refused inside
 * strings, escapes \" \\ \/ \b \f \n \r \t \uXXXX (lone surrogates
 * allowed), nesting deeper than CPython's recursion limit leaves refused.
 */
#include "pyjson.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#define PYJSON_X86 1
#include <immintrin.h>

#include "util/utf8_avx2.h"
#endif

/* json.load at statics.py's stack depth succeeds up to 992 nested containers
 * with CPython 3.11's default recursion limit of 1000 (measured). */
#define PY_MAX_DEPTH 992
#define PY_INT_MAX_DIGITS 4300

typedef struct scan {
    const unsigned char *s;
    size_t n, i;
    int depth;
    bool avx2;     /* AVX2 scan, validating UTF-8 as it goes */
    bool bad_utf8; /* the AVX2 scan saw an invalid sequence */
} scan;

/* A byte a string body can hold as it is: not '"', '\\' or a control
 * character (bytes >= 0x80 are whole-file validated UTF-8 already). */
static inline bool plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; }

#ifdef PYJSON_X86
#define SPECIAL256(v)                                                                                                  \
    _mm256_or_si256(                                                                                                   \
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')), _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))),    \
        _mm256_cmpeq_epi8(_mm256_subs_epu8(v, _mm256_set1_epi8(0x1f)), _mm256_setzero_si256()))

/*
 * The first position >= j whose byte is not plain(), or n. Every 64-byte
 * block read is also checked as UTF-8 (*bad set on an error), so that the
 * bytes are read once. Why that validates the whole file: in a text json
 * accepts, every byte >= 0x80 is in a string body, and every body is read
 * from its start (after the opening quote) and from after each escape, up
 * to its closing quote or next backslash, by this function. The bytes just
 * before j are ASCII ('"' or the end of an escape), so starting from a
 * zero "previous block" misses nothing: a sequence broken by the quote or
 * backslash at the end of a run is flagged at that byte, which lies in the
 * block that found it. Bytes past that point in the block are real bytes
 * of the file too, so what they flag is a real error. The last block of
 * the file is read from a zero-padded copy; zeros are control characters,
 * so the search stops there, and they flag a sequence cut by the end.
 */
__attribute__((target("avx2"))) static size_t skip_plain_avx2(const unsigned char *s, size_t j, size_t n, bool *bad)
{
    __m256i prev = _mm256_setzero_si256(), err = prev;
    unsigned char tail[64];
    for (;;) {
        const unsigned char *b = s + j;
        if (j + 64 > n) {
            memset(tail, 0, sizeof tail);
            memcpy(tail, s + j, n - j);
            b = tail;
        }
        __m256i va = _mm256_loadu_si256((const __m256i *)(const void *)b);
        __m256i vb = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
        if (_mm256_movemask_epi8(_mm256_or_si256(va, vb)))
            err = _mm256_or_si256(err, _mm256_or_si256(u8_block_errors(va, prev), u8_block_errors(vb, va)));
        else
            err = _mm256_or_si256(err, u8_incomplete(prev));
        __m256i ha = SPECIAL256(va), hb = SPECIAL256(vb);
        if (!_mm256_testz_si256(_mm256_or_si256(ha, hb), _mm256_or_si256(ha, hb))) {
            uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(ha) | (uint64_t)(uint32_t)_mm256_movemask_epi8(hb)
                                                                               << 32;
            j += (size_t)__builtin_ctzll(mask);
            break;
        }
        prev = vb;
        j += 64;
    }
    if (!_mm256_testz_si256(err, err)) *bad = true;
    return j < n ? j : n;
}

static size_t skip_plain_sse2(const unsigned char *s, size_t j, size_t n)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), ctl = _mm_set1_epi8(0x1f),
                  zero = _mm_setzero_si128();
    while (j + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                   _mm_cmpeq_epi8(_mm_subs_epu8(v, ctl), zero));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask) return j + (size_t)__builtin_ctz(mask);
        j += 16;
    }
    return j;
}
#endif

/* The end of the run of plain() bytes starting at j (n when it reaches it).
 * Without AVX2 the file was validated as UTF-8 beforehand. */
static inline size_t skip_plain(scan *p, size_t j)
{
    const unsigned char *s = p->s;
    size_t n = p->n;
#ifdef PYJSON_X86
    if (p->avx2) return skip_plain_avx2(s, j, n, &p->bad_utf8);
#endif
    for (;;) {
#ifdef PYJSON_X86
        j = skip_plain_sse2(s, j, n);
#endif
        /* 8 at a time (no '"', no '\\', no byte < 0x20; exact test). */
        while (j + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + j, 8);
            uint64_t q = w ^ 0x2222222222222222ull, b = w ^ 0x5c5c5c5c5c5c5c5cull;
            uint64_t hit = ((q - 0x0101010101010101ull) & ~q) | ((b - 0x0101010101010101ull) & ~b) |
                           ((w - 0x2020202020202020ull) & ~w);
            if (hit & 0x8080808080808080ull) break;
            j += 8;
        }
        if (j >= n || !plain(s[j])) return j;
        j++;
    }
}

/* PYJSON_SCAN_AUTO means this, unless a test program asked for another
 * scan (mirs__pyjson_test_scan). No environment variable changes it. */
static atomic_int test_scan = PYJSON_SCAN_AUTO;

void mirs__pyjson_test_scan(int scan_kind) { atomic_store(&test_scan, scan_kind); }

static inline void ws(scan *p)
{
    while (p->i < p->n) {
        unsigned char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->i++;
    }
}

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_cp(char *out, size_t cap, size_t *len, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    for (size_t k = 0; k < n; k++) {
        if (*len < cap) out[*len] = b[k];
        (*len)++;
    }
}

/* A string starting at p->i (the opening quote). The decoded text's first
 * `cap` bytes go to out (NULL: not wanted) and its full decoded length
 * (UTF-8 bytes, surrogates as 3 bytes each) to *dlen. */
static bool string(scan *p, char *out, size_t cap, size_t *dlen)
{
    size_t len = 0;
    p->i++;
    for (;;) {
        size_t j = skip_plain(p, p->i);
        if (out && len < cap) {
            size_t k = j - p->i < cap - len ? j - p->i : cap - len;
            memcpy(out + len, p->s + p->i, k);
        }
        len += j - p->i;
        p->i = j;
        if (j >= p->n) return false; /* unterminated */
        unsigned char c = p->s[j];
        if (c == '"') {
            p->i++;
            if (dlen) *dlen = len;
            return true;
        }
        if (c < 0x20) return false; /* strict: control character */
        /* Escape. */
        if (j + 1 >= p->n) return false;
        unsigned char e = p->s[j + 1];
        char one = 0;
        switch (e) {
        case '"': one = '"'; break;
        case '\\': one = '\\'; break;
        case '/': one = '/'; break;
        case 'b': one = '\b'; break;
        case 'f': one = '\f'; break;
        case 'n': one = '\n'; break;
        case 'r': one = '\r'; break;
        case 't': one = '\t'; break;
        case 'u': break;
        default: return false;
        }
        if (e != 'u') {
            if (out && len < cap) out[len] = one;
            len++;
            p->i = j + 2;
            continue;
        }
        if (j + 6 > p->n) return false;
        uint32_t cp = 0;
        for (int k = 0; k < 4; k++) {
            int h = hexv(p->s[j + 2 + k]);
            if (h < 0) return false;
            cp = cp << 4 | (uint32_t)h;
        }
        p->i = j + 6;
        if (cp >= 0xd800 && cp <= 0xdbff && p->i + 6 <= p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
            uint32_t c2 = 0;
            for (int k = 0; k < 4; k++) {
                int h = hexv(p->s[p->i + 2 + k]);
                if (h < 0) return false;
                c2 = c2 << 4 | (uint32_t)h;
            }
            if (c2 >= 0xdc00 && c2 <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (c2 - 0xdc00);
                p->i += 6;
            }
        }
        put_cp(out, out ? cap : 0, &len, cp);
    }
}

static bool lit(scan *p, const char *w)
{
    size_t n = strlen(w);
    if (p->n - p->i < n || memcmp(p->s + p->i, w, n) != 0) return false;
    p->i += n;
    return true;
}

static bool number(scan *p)
{
    size_t i = p->i, digits = 0;
    bool is_int = true;
    if (i < p->n && p->s[i] == '-') i++;
    if (i < p->n && p->s[i] >= '1' && p->s[i] <= '9') {
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++, digits++;
    } else if (i < p->n && p->s[i] == '0') {
        i++;
        digits = 1;
    } else
        return false;
    if (i + 1 < p->n && p->s[i] == '.' && p->s[i + 1] >= '0' && p->s[i + 1] <= '9') {
        i += 2;
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        is_int = false;
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t k = i + 1;
        if (k < p->n && (p->s[k] == '+' || p->s[k] == '-')) k++;
        if (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') {
            while (k < p->n && p->s[k] >= '0' && p->s[k] <= '9') k++;
            i = k;
            is_int = false;
        }
    }
    if (is_int && digits > PY_INT_MAX_DIGITS) return false; /* ValueError from int() */
    p->i = i;
    return true;
}

static bool value(scan *p);

static bool container_enter(scan *p) { return ++p->depth <= PY_MAX_DEPTH; }

static bool object_generic(scan *p)
{
    if (!container_enter(p)) return false;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        if (p->i >= p->n || p->s[p->i] != '"' || !string(p, NULL, 0, NULL)) return false;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != ':') return false;
        p->i++;
        ws(p);
        if (!value(p)) return false;
        ws(p);
        if (p->i >= p->n) return false;
        if (p->s[p->i] == '}') {
            p->i++;
            p->depth--;
            return true;
        }
        if (p->s[p->i] != ',') return false;
        p->i++;
        ws(p);
    }
}

static bool array_generic(scan *p)
{
    if (!container_enter(p)) return false;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        if (!value(p)) return false;
        ws(p);
        if (p->i >= p->n) return false;
        if (p->s[p->i] == ']') {
            p->i++;
            p->depth--;
            return true;
        }
        if (p->s[p->i] != ',') return false;
        p->i++;
        ws(p);
    }
}

static bool value(scan *p)
{
    if (p->i >= p->n) return false;
    switch (p->s[p->i]) {
    case '"': return string(p, NULL, 0, NULL);
    case '{': return object_generic(p);
    case '[': return array_generic(p);
    case 'n': return lit(p, "null");
    case 't': return lit(p, "true");
    case 'f': return lit(p, "false");
    case 'N': return lit(p, "NaN");
    case 'I': return lit(p, "Infinity");
    case '-':
        if (p->i + 1 < p->n && p->s[p->i + 1] == 'I') return lit(p, "-Infinity");
        return number(p);
    default: return number(p);
    }
}

/* ---- the statics.py view ---- */

static bool key_is(scan *p, const char *want, bool *match)
{
    char buf[16];
    size_t dl;
    if (!string(p, buf, sizeof buf, &dl)) return false;
    size_t wl = strlen(want);
    *match = dl == wl && memcmp(buf, want, wl) == 0;
    return true;
}

/* One element of judge_result that is an object: last "label" and "answer". */
static bool element_object(scan *p, pyjson_item *it)
{
    if (!container_enter(p)) return false;
    it->unsafe = 0;
    it->answer_flags = 0;
    p->i++;
    ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        if (p->i >= p->n || p->s[p->i] != '"') return false;
        bool is_label, is_answer = false;
        char kb[16];
        size_t kl;
        if (!string(p, kb, sizeof kb, &kl)) return false;
        is_label = kl == 5 && memcmp(kb, "label", 5) == 0;
        is_answer = kl == 6 && memcmp(kb, "answer", 6) == 0;
        ws(p);
        if (p->i >= p->n || p->s[p->i] != ':') return false;
        p->i++;
        ws(p);
        if ((is_label || is_answer) && p->i < p->n && p->s[p->i] == '"') {
            char vb[24];
            size_t vl;
            if (!string(p, vb, sizeof vb, &vl)) return false;
            if (is_label)
                it->unsafe = vl == 6 && memcmp(vb, "unsafe", 6) == 0;
            else {
                it->answer_flags = 0;
                if (vl >= 18 && memcmp(vb, "[INFERENCE_FAILED:", 18) == 0) it->answer_flags = PYJSON_FAILED;
                if (vl >= 16 && memcmp(vb, "[WORKER_CRASHED:", 16) == 0) it->answer_flags = PYJSON_CRASHED;
            }
        } else {
            if (is_label) it->unsafe = 0; /* a later non-string label replaces the earlier one */
            if (is_answer) it->answer_flags = 0;
            if (!value(p)) return false;
        }
        ws(p);
        if (p->i >= p->n) return false;
        if (p->s[p->i] == '}') {
            p->i++;
            p->depth--;
            return true;
        }
        if (p->s[p->i] != ',') return false;
        p->i++;
        ws(p);
    }
}

static int push_item(pyjson_result *r, const pyjson_item *it)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        pyjson_item *nv = mirs__realloc(r->items, nc * sizeof *nv);
        if (!nv) return MIRS_E_NO_MEMORY;
        r->items = nv;
        r->cap = nc;
    }
    r->items[r->n++] = *it;
    return MIRS_OK;
}

/* The value of a "judge_result" key: replaces what an earlier one gave. */
static int judge_result(scan *p, pyjson_result *r, bool *ok)
{
    r->n = 0;
    r->counts = false;
    *ok = false;
    if (p->i >= p->n) return MIRS_OK;
    unsigned char c = p->s[p->i];
    if (c == '[') {
        if (!container_enter(p)) return MIRS_OK;
        bool all_dicts = true;
        p->i++;
        ws(p);
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            p->depth--;
        } else
            for (;;) {
                if (p->i < p->n && p->s[p->i] == '{') {
                    pyjson_item it;
                    if (!element_object(p, &it)) return MIRS_OK;
                    if (push_item(r, &it)) return MIRS_E_NO_MEMORY;
                } else {
                    if (!value(p)) return MIRS_OK;
                    all_dicts = false; /* item.get() raises AttributeError */
                }
                ws(p);
                if (p->i >= p->n) return MIRS_OK;
                if (p->s[p->i] == ']') {
                    p->i++;
                    p->depth--;
                    break;
                }
                if (p->s[p->i] != ',') return MIRS_OK;
                p->i++;
                ws(p);
            }
        r->counts = all_dicts;
        if (!all_dicts) r->n = 0;
        *ok = true;
        return MIRS_OK;
    }
    if (c == '{') {
        /* len(dict) items; iterating gives str keys, whose .get() raises
         * unless the dict is empty. */
        size_t start = p->i;
        if (!object_generic(p)) return MIRS_OK;
        size_t k = start + 1;
        while (k < p->i && (p->s[k] == ' ' || p->s[k] == '\t' || p->s[k] == '\n' || p->s[k] == '\r')) k++;
        r->counts = p->s[k] == '}';
        *ok = true;
        return MIRS_OK;
    }
    if (c == '"') {
        size_t dl;
        if (!string(p, NULL, 0, &dl)) return MIRS_OK;
        r->counts = dl == 0; /* "" is an empty iterable; any character raises */
        *ok = true;
        return MIRS_OK;
    }
    /* Numbers, booleans, null: len() raises TypeError. */
    *ok = value(p);
    return MIRS_OK;
}

bool mirs__pyjson_have_avx2(void)
{
#ifdef PYJSON_X86
    return mirs__cpu_has(MIRS_CPU_AVX2);
#else
    return false;
#endif
}

int mirs__pyjson_statics(const char *data, size_t len, pyjson_result *r)
{
    return mirs__pyjson_statics_scan(data, len, r, atomic_load(&test_scan));
}

int mirs__pyjson_statics_scan(const char *data, size_t len, pyjson_result *r, int scan_kind)
{
    r->n = 0;
    r->counts = false;
    r->valid = false;
    /* open(encoding='utf-8').read() decodes the whole file before json
     * parses anything: one invalid sequence anywhere fails the file. */
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) return MIRS_OK; /* "Unexpected UTF-8 BOM" */
    bool avx2 = scan_kind != PYJSON_SCAN_GENERIC && mirs__pyjson_have_avx2();
    scan p = {(const unsigned char *)data, len, 0, 0, avx2, false};
    if (!p.avx2 && !mirs__utf8_valid(data, len)) return MIRS_OK; /* UnicodeDecodeError */
    ws(&p);
    if (p.i >= p.n) return MIRS_OK;
    bool have_jr = false;
    if (p.s[p.i] == '{') {
        if (!container_enter(&p)) return MIRS_OK;
        p.i++;
        ws(&p);
        if (p.i < p.n && p.s[p.i] == '}') {
            p.i++;
        } else
            for (;;) {
                if (p.i >= p.n || p.s[p.i] != '"') return MIRS_OK;
                bool is_jr;
                if (!key_is(&p, "judge_result", &is_jr)) return MIRS_OK;
                ws(&p);
                if (p.i >= p.n || p.s[p.i] != ':') return MIRS_OK;
                p.i++;
                ws(&p);
                if (is_jr) {
                    bool ok;
                    int st = judge_result(&p, r, &ok);
                    if (st) return st;
                    if (!ok) return MIRS_OK;
                    have_jr = true;
                } else if (!value(&p))
                    return MIRS_OK;
                ws(&p);
                if (p.i >= p.n) return MIRS_OK;
                if (p.s[p.i] == '}') {
                    p.i++;
                    break;
                }
                if (p.s[p.i] != ',') return MIRS_OK;
                p.i++;
                ws(&p);
            }
    } else if (!value(&p))
        return MIRS_OK;
    ws(&p);
    if (p.i != p.n) return MIRS_OK; /* "Extra data" */
    if (p.bad_utf8) return MIRS_OK; /* UnicodeDecodeError */
    r->valid = true;
    if (!have_jr) {
        /* Not a dict with judge_result: nothing is counted ('in' on a list
         * or str, or a TypeError for other values, is no contribution). */
        r->counts = false;
        r->n = 0;
    }
    return MIRS_OK;
}
