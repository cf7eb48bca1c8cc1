/*
 * A one-pass JSON parser for dataset files that builds cJSON-shaped nodes in
 * a scratch arena and decodes strings in place in the (mutable) input.
 *
 * Why not cJSON_Parse: profiling the full-size tree showed cJSON plus the
 * separate depth pre-scan at two thirds of the open time (one malloc per
 * node and per string, two passes per string). The nodes here are real
 * cJSON structs, so the item validation reads them through the ordinary
 * cJSON accessors; they must never be passed to cJSON_Delete (free the
 * arena instead). The grammar is strict RFC 8259 (cJSON is looser: it takes
 * control characters as whitespace and in strings); the fuzz target checks
 * that every text this parser accepts, cJSON parses to an equal tree.
 */
#include "dataset_internal.h"

#include <cjson/cJSON.h>

#include <limits.h>
#include <string.h>

typedef struct jp {
    char *s;
    size_t len, pos;
    unsigned depth, max_depth;
    mirs__arena *a;
    int status;
    size_t err_at;
    const char *why;
    size_t nuls; /* "\u0000" escapes decoded so far */
} jp;

static cJSON *fail(jp *p, int status, size_t at, const char *why)
{
    if (!p->status) {
        p->status = status;
        p->err_at = at;
        p->why = why;
    }
    return NULL;
}

static void skip_ws(jp *p)
{
    const char *s = p->s;
    size_t i = p->pos, n = p->len;
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    p->pos = i;
}

static cJSON *node(jp *p, int type)
{
    cJSON *n = mirs__arena_alloc(p->a, sizeof *n);
    if (!n) return fail(p, MIRS_E_NO_MEMORY, p->pos, "out of memory");
    memset(n, 0, sizeof *n);
    n->type = type;
    return n;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Parses the string at p->pos (the opening quote) and returns it decoded in
 * place, NUL-terminated (the decoded form is never longer than the source). */
static char *parse_string(jp *p)
{
    char *s = p->s;
    size_t i = p->pos + 1, start = i;
    /* Fast path: no escapes. Skip 8 bytes at a time while none of them is
     * '"', '\\' or a control character (SWAR byte tests). */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= p->len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w);
        if (hit & highs) break;
        i += 8;
    }
    while (i < p->len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            s[i] = '\0';
            p->pos = i + 1;
            return s + start;
        }
        if (c == '\\') break;
        if (c < 0x20) return (char *)fail(p, MIRS_E_JSON, i, "control character in a string");
        i++;
    }
    size_t o = i;
    while (i < p->len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') {
            s[o] = '\0';
            p->pos = i + 1;
            return s + start;
        }
        if (c < 0x20) return (char *)fail(p, MIRS_E_JSON, i, "control character in a string");
        if (c != '\\') {
            s[o++] = (char)c;
            i++;
            continue;
        }
        if (i + 1 >= p->len) break;
        char e = s[i + 1];
        const char *m = strchr("\"\\/bfnrt", e);
        if (e && m) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            s[o++] = out[m - "\"\\/bfnrt"];
            i += 2;
            continue;
        }
        if (e != 'u') return (char *)fail(p, MIRS_E_JSON, i, "invalid escape in a string");
        if (i + 6 > p->len) break;
        int u = hex4(s + i + 2);
        if (u < 0) return (char *)fail(p, MIRS_E_JSON, i, "invalid \\u escape");
        size_t esc = i;
        i += 6;
        unsigned long cp = (unsigned long)u;
        if (u >= 0xDC00 && u <= 0xDFFF) return (char *)fail(p, MIRS_E_JSON, esc, "lone low surrogate");
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 6 > p->len || s[i] != '\\' || s[i + 1] != 'u')
                return (char *)fail(p, MIRS_E_JSON, esc, "high surrogate without a low one");
            int lo = hex4(s + i + 2);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return (char *)fail(p, MIRS_E_JSON, esc, "high surrogate without a low one");
            cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
            i += 6;
        }
        /* Dataset text is kept as C strings (every item accessor returns one): a NUL would cut the field
         * there without a word, so the node is marked (MIRS__JSON_HAS_NUL) and its item refused by name
         * (docs/dataset.md). The NUL is still written, so the C string is what cJSON gives. */
        if (cp == 0) p->nuls++;
        if (cp < 0x80)
            s[o++] = (char)cp;
        else if (cp < 0x800) {
            s[o++] = (char)(0xC0 | (cp >> 6));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[o++] = (char)(0xE0 | (cp >> 12));
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[o++] = (char)(0xF0 | (cp >> 18));
            s[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    return (char *)fail(p, MIRS_E_JSON, p->len, "unterminated string");
}

static cJSON *parse_number(jp *p)
{
    const char *s = p->s;
    size_t i = p->pos, start = i;
    bool neg = false, simple = true;
    if (s[i] == '-') neg = true, i++;
    if (i >= p->len || s[i] < '0' || s[i] > '9') return fail(p, MIRS_E_JSON, i, "invalid number");
    uint64_t v = 0;
    size_t digits = 0;
    if (s[i] == '0')
        i++, digits = 1;
    else
        while (i < p->len && s[i] >= '0' && s[i] <= '9') v = v * 10 + (uint64_t)(s[i++] - '0'), digits++;
    if (i < p->len && s[i] == '.') {
        simple = false;
        i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9') return fail(p, MIRS_E_JSON, i, "invalid number");
        while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        simple = false;
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= p->len || s[i] < '0' || s[i] > '9') return fail(p, MIRS_E_JSON, i, "invalid number");
        while (i < p->len && s[i] >= '0' && s[i] <= '9') i++;
    }
    double d;
    if (simple && digits <= 15)
        d = neg ? -(double)v : (double)v; /* exact, and what strtod gives */
    else {
        char buf[64];
        size_t n = i - start;
        if (n >= sizeof buf) {
            /* Long numbers: strtod reads the digits in place (they end at a non-number byte or len). */
            char *tmp = mirs__arena_strndup(p->a, s + start, n);
            if (!tmp) return fail(p, MIRS_E_NO_MEMORY, start, "out of memory");
            d = mirs__strtod_c(tmp, NULL);
        } else {
            memcpy(buf, s + start, n);
            buf[n] = '\0';
            d = mirs__strtod_c(buf, NULL);
        }
    }
    cJSON *n = node(p, cJSON_Number);
    if (!n) return NULL;
    n->valuedouble = d;
    n->valueint = d >= INT_MAX ? INT_MAX : d <= (double)INT_MIN ? INT_MIN : (int)d;
    p->pos = i;
    return n;
}

static cJSON *parse_value(jp *p);

static cJSON *parse_container(jp *p, bool object)
{
    size_t open_at = p->pos;
    if (++p->depth > p->max_depth) return fail(p, MIRS_E_LIMIT, open_at, "nesting");
    cJSON *n = node(p, object ? cJSON_Object : cJSON_Array);
    if (!n) return NULL;
    p->pos++;
    skip_ws(p);
    char close = object ? '}' : ']';
    if (p->pos < p->len && p->s[p->pos] == close) {
        p->pos++;
        p->depth--;
        return n;
    }
    cJSON *last = NULL;
    for (;;) {
        char *key = NULL;
        size_t key_nuls = p->nuls;
        if (object) {
            if (p->pos >= p->len || p->s[p->pos] != '"') return fail(p, MIRS_E_JSON, p->pos, "expected a member name");
            if (!(key = parse_string(p))) return NULL;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') return fail(p, MIRS_E_JSON, p->pos, "expected ':'");
            p->pos++;
            skip_ws(p);
        }
        key_nuls = p->nuls - key_nuls;
        cJSON *v = parse_value(p);
        if (!v) return NULL;
        v->string = key;
        if (key_nuls) v->type |= MIRS__JSON_HAS_NUL; /* the member name holds U+0000 */
        if (last) {
            last->next = v;
            v->prev = last;
        } else
            n->child = v;
        last = v;
        n->child->prev = last;
        skip_ws(p);
        if (p->pos >= p->len) return fail(p, MIRS_E_JSON, p->pos, "unexpected end");
        char c = p->s[p->pos];
        if (c == ',') {
            p->pos++;
            skip_ws(p);
            continue;
        }
        if (c == close) {
            p->pos++;
            p->depth--;
            return n;
        }
        return fail(p, MIRS_E_JSON, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static bool literal(jp *p, const char *w, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0) return false;
    p->pos += n;
    return true;
}

static cJSON *parse_value(jp *p)
{
    if (p->pos >= p->len) return fail(p, MIRS_E_JSON, p->pos, "unexpected end");
    char c = p->s[p->pos];
    switch (c) {
    case '{': return parse_container(p, true);
    case '[': return parse_container(p, false);
    case '"': {
        size_t nuls = p->nuls;
        char *s = parse_string(p);
        if (!s) return NULL;
        cJSON *n = node(p, cJSON_String | (p->nuls != nuls ? MIRS__JSON_HAS_NUL : 0));
        if (n) n->valuestring = s;
        return n;
    }
    case 't':
        if (literal(p, "true", 4)) {
            cJSON *n = node(p, cJSON_True);
            if (n) n->valueint = 1;
            return n;
        }
        break;
    case 'f':
        if (literal(p, "false", 5)) return node(p, cJSON_False);
        break;
    case 'n':
        if (literal(p, "null", 4)) return node(p, cJSON_NULL);
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p);
    }
    return fail(p, MIRS_E_JSON, p->pos, "unexpected character");
}

int mirs__json_fast_parse(char *text, size_t len, unsigned max_depth, mirs__arena *scratch, struct cJSON **out)
{
    size_t bad = mirs__utf8_valid_prefix(text, len);
    if (bad != len) return mirs__fail(MIRS_E_UTF8, "invalid UTF-8 at byte %zu", bad);
    jp p = {text, len, 0, 0, max_depth, scratch, 0, 0, NULL, 0};
    skip_ws(&p);
    cJSON *root = parse_value(&p);
    if (root) {
        skip_ws(&p);
        if (p.pos < len) fail(&p, MIRS_E_JSON, p.pos, "unexpected data after the JSON value");
    }
    if (p.status == MIRS_E_LIMIT)
        return mirs__fail(MIRS_E_LIMIT, "JSON nesting deeper than %u at byte %zu", max_depth, p.err_at);
    if (p.status == MIRS_E_NO_MEMORY) return MIRS_E_NO_MEMORY;
    if (p.status) return mirs__fail(p.status, "invalid JSON at byte %zu: %s", p.err_at, p.why);
    *out = root;
    return MIRS_OK;
}
