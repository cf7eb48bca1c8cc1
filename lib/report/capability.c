/*
 * Capability scores: the "model,score" CSV the capability comparison reads
 * (one row per model; the paper correlates ASR with multi-image reasoning
 * scores). Fields may be quoted as RFC 4180 says ("" is a quote inside a
 * quoted field); a first row whose score is not a number is a header; blank
 * lines are skipped. Every refusal names the file (what) and the line.
 */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CAPABILITY_FILE ((size_t)16 << 20)

struct mirs_capability {
    char **model;
    double *score;
    size_t n, cap;
};

void mirs_capability_free(mirs_capability *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->model[i]);
    free(c->model);
    free(c->score);
    free(c);
}

size_t mirs_capability_count(const mirs_capability *c) { return c ? c->n : 0; }
const char *mirs_capability_model(const mirs_capability *c, size_t i) { return c && i < c->n ? c->model[i] : NULL; }
double mirs_capability_score(const mirs_capability *c, size_t i) { return c && i < c->n ? c->score[i] : NAN; }

int mirs_capability_find(const mirs_capability *c, const char *model, size_t *index)
{
    MIRS_CHECK_ARG(c && model && index, "c, model and index must not be NULL");
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->model[i], model) == 0) {
            *index = i;
            return MIRS_OK;
        }
    return mirs__fail(MIRS_E_NOT_FOUND, "no capability score for model \"%.200s\"", model);
}

/* One CSV field from *p (up to a ',' or the end of the line) into sb; *p is
 * left on the ',' or the line end. Returns false for a quote that does not
 * close on the line or text after a closing quote. */
static bool field(const char **p, const char *end, mirs__sb *sb)
{
    const char *s = *p;
    mirs__sb_clear(sb);
    if (s < end && *s == '"') {
        s++;
        for (;;) {
            if (s >= end) return false;
            if (*s == '"') {
                if (s + 1 < end && s[1] == '"') {
                    mirs__sb_putc(sb, '"');
                    s += 2;
                    continue;
                }
                s++;
                break;
            }
            mirs__sb_putc(sb, *s++);
        }
        if (s < end && *s != ',') return false;
    } else {
        const char *e = memchr(s, ',', (size_t)(end - s));
        if (!e) e = end;
        if (memchr(s, '"', (size_t)(e - s))) return false;
        mirs__sb_append(sb, s, (size_t)(e - s));
        s = e;
    }
    *p = s;
    return true;
}

static bool parse_score(const char *s, double *out)
{
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return false;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t') end++;
    if (*end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static int add_row(mirs_capability *c, const char *model, double score)
{
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        char **nm = mirs__realloc(c->model, nc * sizeof *nm);
        if (!nm) return MIRS_E_NO_MEMORY;
        c->model = nm;
        double *ns = mirs__realloc(c->score, nc * sizeof *ns);
        if (!ns) return MIRS_E_NO_MEMORY;
        c->score = ns;
        c->cap = nc;
    }
    if (!(c->model[c->n] = mirs__strdup(model))) return MIRS_E_NO_MEMORY;
    c->score[c->n++] = score;
    return MIRS_OK;
}

int mirs_capability_parse(const char *data, size_t len, const char *what, mirs_capability **out)
{
    MIRS_CHECK_ARG((data || !len) && out, "data (when len > 0) and out must not be NULL");
    if (!what) what = "capability scores";
    if (len > MAX_CAPABILITY_FILE)
        return mirs__fail(MIRS_E_LIMIT, "%s: %zu bytes exceeds the limit of %zu bytes", what, len, MAX_CAPABILITY_FILE);
    if (len && memchr(data, '\0', len)) return mirs__fail(MIRS_E_FORMAT, "%s: holds a NUL byte (not a CSV text)", what);
    if (!mirs__utf8_valid(data, len)) return mirs__fail(MIRS_E_UTF8, "%s: not valid UTF-8", what);
    mirs_capability *c = mirs__calloc(1, sizeof *c);
    if (!c) return MIRS_E_NO_MEMORY;
    mirs__sb a, b;
    mirs__sb_init(&a);
    mirs__sb_init(&b);
    int st = MIRS_OK;
    size_t line = 0;
    bool first = true;
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* a spreadsheet's BOM */
    while (!st && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *q = p;
        p = nl ? nl + 1 : end;
        if (le > q && le[-1] == '\r') le--;
        line++;
        if (q == le) continue; /* blank line */
        /* Exactly two fields: a model and its score. */
        bool two = field(&q, le, &a) && q < le;
        if (two) {
            q++;
            two = field(&q, le, &b) && q == le;
        }
        if (!two) {
            st = mirs__fail(MIRS_E_SCHEMA,
                            "%s: line %zu: expected two fields, \"model,score\" (quote a model name that holds a "
                            "comma or a quote)",
                            what, line);
            break;
        }
        if (a.oom || b.oom) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        mirs__sb_putc(&a, '\0');
        mirs__sb_putc(&b, '\0');
        double v;
        if (!parse_score(b.data, &v)) {
            if (first) { /* a header row */
                first = false;
                continue;
            }
            st = mirs__fail(MIRS_E_SCHEMA, "%s: line %zu: score \"%.100s\" is not a finite number", what, line, b.data);
            break;
        }
        first = false;
        if (!*a.data) {
            st = mirs__fail(MIRS_E_SCHEMA, "%s: line %zu: empty model name", what, line);
            break;
        }
        for (size_t i = 0; !st && i < c->n; i++)
            if (strcmp(c->model[i], a.data) == 0)
                st = mirs__fail(MIRS_E_DUPLICATE, "%s: line %zu: model \"%.200s\" has a score already", what, line,
                                a.data);
        if (!st) st = add_row(c, a.data, v);
    }
    mirs__sb_free(&a);
    mirs__sb_free(&b);
    if (st) {
        mirs_capability_free(c);
        return st;
    }
    *out = c;
    return MIRS_OK;
}

int mirs_capability_read(const char *path, mirs_capability **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    char *data = NULL;
    size_t len = 0;
    int st = mirs__read_file(path, MAX_CAPABILITY_FILE, &data, &len);
    if (st) return st;
    st = mirs_capability_parse(data, len, path, out);
    free(data);
    return st;
}
