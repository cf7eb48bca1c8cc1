/* JSON parsing with limits checked before cJSON (which recurses) sees the text. */
#include "util.h"

#include <cjson/cJSON.h>

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
            return mirs__fail(MIRS_E_JSON, "%s: unexpected data after the JSON value at byte %zu", what, i);
        }
    }
    *out = j;
    return MIRS_OK;
}
