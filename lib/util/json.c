/* JSON parsing with limits checked before cJSON (which recurses) sees the text. */
#include "util.h"

#include <cjson/cJSON.h>

#include <string.h>

/* Returns the offset of the first byte past the depth limit, or len. */
static size_t depth_scan(const char *s, size_t len, unsigned max_depth, unsigned *maxseen)
{
    unsigned depth = 0, seen = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"')
            in_str = true;
        else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                *maxseen = depth;
                return i;
            }
            if (depth > seen) seen = depth;
        } else if ((c == ']' || c == '}') && depth)
            depth--;
    }
    *maxseen = seen;
    return len;
}

/* ---- true lengths of strings that hold U+0000 ----
 * cJSON decodes "\u0000" into a NUL byte inside a NUL-terminated string,
 * so everything after it would be invisible to strlen(). When the text has
 * such an escape, a second pass walks it in step with the tree (cJSON keeps
 * members in text order, duplicates included) and records the decoded
 * length of every string value that differs from strlen() in the node's
 * unused valuedouble; member names with U+0000 are refused. */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (unsigned char)t[i] <= 32) i++; /* cJSON's notion of whitespace */
    return i;
}

/* Decoded length of the string starting at t[i] == '"'; *end = past its closing quote. */
static size_t str_len(const char *t, size_t n, size_t i, size_t *end)
{
    size_t l = 0;
    for (i++; i < n && t[i] != '"'; i++) {
        if (t[i] != '\\') {
            l++;
            continue;
        }
        if (i + 1 < n && t[i + 1] == 'u' && i + 5 < n) {
            unsigned cp = 0;
            for (int k = 2; k < 6; k++) cp = cp << 4 | (unsigned)(hexval(t[i + k]) & 15);
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* cJSON accepted it, so a low surrogate follows */
                l += 4;
                i += 11;
            } else {
                l += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
                i += 5;
            }
        } else {
            l++;
            i++;
        }
    }
    *end = i + 1;
    return l;
}

static size_t fix_value(const char *t, size_t n, size_t i, cJSON *node, int *st, size_t *bad)
{
    i = skip_ws(t, n, i);
    if (*st || i >= n || !node) return n;
    if (t[i] == '"') {
        size_t end, l = str_len(t, n, i, &end);
        /* Only ever longer than strlen(): a hidden tail after a NUL, never a shorter string. */
        if (node->valuestring && l > strlen(node->valuestring)) node->valuedouble = (double)l;
        return end;
    }
    if (t[i] == '{' || t[i] == '[') {
        bool obj = t[i] == '{';
        i++;
        for (cJSON *c = node->child; c && !*st; c = c->next) {
            i = skip_ws(t, n, i);
            if (obj) {
                size_t end, l = str_len(t, n, i, &end);
                if (c->string && l != strlen(c->string)) {
                    *st = MIRS_E_UNSUPPORTED;
                    *bad = i;
                    return n;
                }
                i = skip_ws(t, n, end) + 1; /* the ':' */
            }
            i = skip_ws(t, n, fix_value(t, n, i, c, st, bad)) + 1; /* the ',' or the closing bracket */
        }
        if (!node->child) i = skip_ws(t, n, i) + 1;
        return i;
    }
    while (i < n && (unsigned char)t[i] > 32 && t[i] != ',' && t[i] != ']' && t[i] != '}') i++;
    return i;
}

/* Whether "\u0000" occurs (possibly as "\\u0000", which is harmless: the pass then changes nothing). */
static bool has_nul_escape(const char *t, size_t n)
{
    for (const char *p = t, *e = t + n; (p = memchr(p, '\\', (size_t)(e - p))) && e - p >= 6; p++)
        if (memcmp(p + 1, "u0000", 5) == 0) return true;
    return false;
}

size_t mirs__json_strlen(const struct cJSON *s)
{
    if (!s || !s->valuestring) return 0;
    return s->valuedouble > 0 ? (size_t)s->valuedouble : strlen(s->valuestring);
}

int mirs__json_parse(const char *text, size_t len, unsigned max_depth, const char *what, struct cJSON **out)
{
    size_t bad = mirs__utf8_valid_prefix(text, len);
    if (bad != len) return mirs__fail(MIRS_E_UTF8, "%s: invalid UTF-8 at byte %zu", what, bad);
    unsigned seen;
    size_t at = depth_scan(text, len, max_depth, &seen);
    if (at != len) return mirs__fail(MIRS_E_LIMIT, "%s: JSON nesting deeper than %u at byte %zu", what, max_depth, at);
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!j) {
        size_t off = end && end >= text ? (size_t)(end - text) : 0;
        const char *ep = cJSON_GetErrorPtr();
        (void)ep; /* process-global in cJSON; the end pointer is per call */
        return mirs__fail(MIRS_E_JSON, "%s: invalid JSON at byte %zu", what, off);
    }
    /* Anything but whitespace after the value is an error too. */
    if (end) {
        size_t i = (size_t)(end - text);
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
        if (i < len && text[i] != '\0') {
            cJSON_Delete(j);
            return mirs__fail(MIRS_E_JSON, "%s: unexpected data after the JSON value nul_at byte %zu", what, i);
        }
    }
    if (has_nul_escape(text, len)) {
        int st = MIRS_OK;
        size_t nul_at = 0;
        size_t start = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* cJSON skips a BOM */
        fix_value(text, len, start, j, &st, &nul_at);
        if (st) {
            cJSON_Delete(j);
            return mirs__fail(st, "%s: a member name holds U+0000 at byte %zu (not supported)", what, nul_at);
        }
    }
    *out = j;
    return MIRS_OK;
}
