/*
 * Model responses from OpenAI Batch output JSONL, the simple JSONL form and
 * the official results/infer/<model> tree, and their matching to dataset
 * items. Failures are kept as responses with a failed/crashed status (never
 * dropped), duplicate keys are counted, and matching lists unknown keys and
 * missing items.
 */
#define _GNU_SOURCE
#include "util/util.h"

#include <mirsafety/responses.h>
#include "util/versioned.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct mirs_responses {
    int32_t format;
    mirs__arena arena;
    mirs_response *v;
    size_t n, cap;
    size_t *by_key; /* indices sorted by (key, position) */
    mirs__strvec dups, diags;
};

int mirs_responses_options_init(mirs_responses_options *opts, size_t size)
{
    static const mirs_responses_options d = MIRS_RESPONSES_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_responses_options, opts, size, &d);
}

void mirs_responses_free(mirs_responses *r)
{
    if (!r) return;
    mirs__arena_free(&r->arena);
    free(r->v);
    free(r->by_key);
    mirs__strvec_free(&r->dups);
    mirs__strvec_free(&r->diags);
    free(r);
}

static const char *adup(mirs_responses *r, const char *s, size_t n)
{
    return mirs__arena_strndup(&r->arena, s ? s : "", s ? n : 0);
}

static int push(mirs_responses *r, const mirs_responses_options *o, const char *key, const char *text, size_t tlen,
                int32_t status, const char *finish, const char *error, const char *source, const char *model,
                int32_t origin)
{
    if (r->n >= o->max_records)
        return mirs__fail(MIRS_E_LIMIT, "%s: more than %llu responses", source, (unsigned long long)o->max_records);
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        mirs_response *nv = mirs__realloc(r->v, nc * sizeof *nv);
        if (!nv) return MIRS_E_NO_MEMORY;
        r->v = nv;
        r->cap = nc;
    }
    mirs_response x;
    x.key = adup(r, key, strlen(key));
    x.text = adup(r, text, text ? tlen : 0);
    x.text_len = text ? tlen : 0;
    x.status = status;
    x.finish_reason = adup(r, finish, finish ? strlen(finish) : 0);
    x.error = adup(r, error, error ? strlen(error) : 0);
    x.source = adup(r, source, strlen(source));
    x.model = adup(r, model, model ? strlen(model) : 0);
    x.origin = origin;
    if (!x.key || !x.text || !x.finish_reason || !x.error || !x.source || !x.model) return MIRS_E_NO_MEMORY;
    r->v[r->n++] = x;
    return MIRS_OK;
}

static const cJSON *get(const cJSON *o, const char *name) { return cJSON_GetObjectItemCaseSensitive(o, name); }
static const char *gstr(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Text that keeps its length (a "\u0000" in it included): NULL when absent. */
static const char *gtext(const cJSON *v, size_t *len)
{
    if (!cJSON_IsString(v)) return NULL;
    *len = mirs__json_strlen(v);
    return v->valuestring;
}

/* Keys and finish reasons are C strings in mirs_response: one that holds
 * U+0000 is refused by name rather than cut at it. */
static int no_nul(const cJSON *o, const char *name)
{
    const cJSON *v = get(o, name);
    if (cJSON_IsString(v) && mirs__json_strlen(v) != strlen(v->valuestring))
        return mirs__fail(MIRS_E_UNSUPPORTED, "\"%s\" holds U+0000 (not supported in this field)", name);
    return MIRS_OK;
}

/* One Batch output line. */
static int batch_line(mirs_responses *r, const mirs_responses_options *o, const cJSON *j, const char *src)
{
    const char *key = gstr(j, "custom_id");
    if (!key || !*key) return mirs__fail(MIRS_E_SCHEMA, "missing \"custom_id\"");
    int nul = no_nul(j, "custom_id");
    if (nul) return nul;
    const cJSON *err = get(j, "error");
    const cJSON *resp = get(j, "response");
    char msg[512];
    if (err && !cJSON_IsNull(err)) {
        const char *m = cJSON_IsObject(err) ? gstr(err, "message") : NULL;
        const char *c = cJSON_IsObject(err) ? gstr(err, "code") : NULL;
        snprintf(msg, sizeof msg, "%s%s%s", c ? c : "", c && m ? ": " : "", m ? m : (c ? "" : "batch error"));
        return push(r, o, key, NULL, 0, MIRS_RESPONSE_FAILED, NULL, msg, src, NULL, MIRS_RESPONSE_ORIGIN_GIVEN);
    }
    if (!cJSON_IsObject(resp)) return mirs__fail(MIRS_E_SCHEMA, "neither \"response\" nor \"error\"");
    const cJSON *sc = get(resp, "status_code");
    const cJSON *body = get(resp, "body");
    int code = -1; /* missing or null: a failure without a status */
    if (sc && !cJSON_IsNull(sc)) {
        /* Checked before any conversion: (int) of 1e300 is undefined, and
         * 200.7 is no HTTP status (it must not pass as 200). */
        double v = cJSON_IsNumber(sc) ? sc->valuedouble : -1;
        if (!cJSON_IsNumber(sc) || !(v >= 100 && v <= 599) || v != (double)(int)v) {
            char num[40];
            if (cJSON_IsNumber(sc))
                mirs__snprintf_c(num, sizeof num, "%.15g", v);
            else
                snprintf(num, sizeof num, "(not a number)");
            return mirs__fail(MIRS_E_SCHEMA, "\"status_code\" %s is not an integer HTTP status (100 to 599)", num);
        }
        code = (int)v;
    }
    if (code != 200) {
        const cJSON *be = cJSON_IsObject(body) ? get(body, "error") : NULL;
        const char *m = cJSON_IsObject(be) ? gstr(be, "message") : NULL;
        snprintf(msg, sizeof msg, "HTTP status %d%s%s", code, m ? ": " : "", m ? m : "");
        return push(r, o, key, NULL, 0, MIRS_RESPONSE_FAILED, NULL, msg, src, NULL, MIRS_RESPONSE_ORIGIN_GIVEN);
    }
    const cJSON *choices = cJSON_IsObject(body) ? get(body, "choices") : NULL;
    const cJSON *c0 = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
    if (!cJSON_IsObject(c0))
        return push(r, o, key, NULL, 0, MIRS_RESPONSE_FAILED, NULL, "no choices", src, NULL,
                    MIRS_RESPONSE_ORIGIN_GIVEN);
    const char *finish = gstr(c0, "finish_reason");
    if ((nul = no_nul(c0, "finish_reason"))) return nul;
    const cJSON *message = get(c0, "message");
    const char *text = NULL;
    size_t tlen = 0;
    int32_t origin = MIRS_RESPONSE_ORIGIN_COMPLETIONS; /* completions endpoint: choices[0].text */
    if (cJSON_IsObject(message)) {
        origin = MIRS_RESPONSE_ORIGIN_CHAT;
        text = gtext(get(message, "content"), &tlen);
        if (!text) text = gtext(get(message, "refusal"), &tlen); /* a structured refusal is the answer */
    } else
        text = gtext(get(c0, "text"), &tlen);
    if (!text) return push(r, o, key, NULL, 0, MIRS_RESPONSE_FAILED, finish, "no message content", src, NULL, origin);
    return push(r, o, key, text, tlen, MIRS_RESPONSE_OK, finish, NULL, src, NULL, origin);
}

static int simple_line(mirs_responses *r, const mirs_responses_options *o, const cJSON *j, const char *src)
{
    const char *key = gstr(j, "key");
    if (!key || !*key) return mirs__fail(MIRS_E_SCHEMA, "missing \"key\"");
    int nul = no_nul(j, "key");
    if (!nul) nul = no_nul(j, "finish_reason");
    if (nul) return nul;
    const cJSON *st = get(j, "status");
    int32_t status = MIRS_RESPONSE_OK;
    if (st && !cJSON_IsNull(st)) {
        if (!cJSON_IsString(st)) return mirs__fail(MIRS_E_SCHEMA, "\"status\" is not a string");
        if (strcmp(st->valuestring, "ok") == 0)
            status = MIRS_RESPONSE_OK;
        else if (strcmp(st->valuestring, "failed") == 0)
            status = MIRS_RESPONSE_FAILED;
        else if (strcmp(st->valuestring, "crashed") == 0)
            status = MIRS_RESPONSE_CRASHED;
        else
            return mirs__fail(MIRS_E_SCHEMA, "\"status\" is not ok, failed or crashed");
    }
    const cJSON *resp = get(j, "response");
    if (!resp) resp = get(j, "output"); /* judge outputs: {"key", "output"} */
    if (resp && !cJSON_IsNull(resp) && !cJSON_IsString(resp))
        return mirs__fail(MIRS_E_SCHEMA, "\"response\" is not a string");
    size_t tlen = 0;
    const char *text = gtext(resp, &tlen);
    if (!text && status == MIRS_RESPONSE_OK) return mirs__fail(MIRS_E_SCHEMA, "status ok without \"response\"");
    const cJSON *fr = get(j, "finish_reason");
    if (fr && !cJSON_IsNull(fr) && !cJSON_IsString(fr))
        return mirs__fail(MIRS_E_SCHEMA, "\"finish_reason\" is not a string");
    return push(r, o, key, text, tlen, status, cJSON_IsString(fr) ? fr->valuestring : NULL, gstr(j, "error"), src, NULL,
                MIRS_RESPONSE_ORIGIN_GIVEN);
}

static int diag(mirs_responses *r, const char *src)
{
    mirs__sb m;
    mirs__sb_init(&m);
    mirs__sb_printf(&m, "%s: %s", src, mirs_error_last());
    int st = m.oom ? MIRS_E_NO_MEMORY : mirs__strvec_push(&r->diags, m.data, m.len);
    mirs__sb_free(&m);
    return st;
}

static int parse_jsonl(mirs_responses *r, const char *data, size_t len, const char *what,
                       const mirs_responses_options *o)
{
    size_t pos = 0;
    uint64_t line = 0;
    char src[600];
    bool per_line = r->format == MIRS_RESPONSES_AUTO; /* a format given by the caller holds for every line */
    while (pos < len) {
        line++;
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
        size_t start = pos;
        pos += ll + (nl ? 1 : 0);
        size_t a = 0;
        while (a < ll && (data[start + a] == ' ' || data[start + a] == '\t' || data[start + a] == '\r')) a++;
        if (a == ll) continue;
        snprintf(src, sizeof src, "%s:%llu", what, (unsigned long long)line);
        int st;
        cJSON *j = NULL;
        if (ll > o->max_line_bytes)
            st = mirs__fail(MIRS_E_LIMIT, "line longer than %llu bytes", (unsigned long long)o->max_line_bytes);
        else
            st = mirs__json_parse(data + start, ll, o->max_json_depth, "line", &j);
        if (!st && !cJSON_IsObject(j)) st = mirs__fail(MIRS_E_SCHEMA, "a line is not a JSON object");
        if (!st) {
            /* Each line by its own form: failed records from `prompts` (simple
             * lines) may be appended to a batch output file. The handle's
             * format is the first line's. */
            bool batch = per_line ? get(j, "custom_id") != NULL : r->format == MIRS_RESPONSES_BATCH;
            if (r->format == MIRS_RESPONSES_AUTO) r->format = batch ? MIRS_RESPONSES_BATCH : MIRS_RESPONSES_SIMPLE;
            st = batch ? batch_line(r, o, j, src) : simple_line(r, o, j, src);
        }
        cJSON_Delete(j);
        if (st == MIRS_E_NO_MEMORY) return st;
        if (st) {
            if (o->mode == MIRS_READ_STRICT) {
                char why[512];
                snprintf(why, sizeof why, "%s", mirs_error_last());
                return mirs__fail(st, "%s (byte %zu): %s", src, start, why);
            }
            if ((st = diag(r, src))) return st;
        }
    }
    return MIRS_OK;
}

/* One official results/infer file (category, relation known). */
static int parse_official(mirs_responses *r, const char *data, size_t len, const char *category, const char *relation,
                          const char *what, const char *model, const mirs_responses_options *o)
{
    cJSON *j = NULL;
    int st = mirs__json_parse(data, len, o->max_json_depth, what, &j);
    if (st) return st;
    cJSON *list = j;
    cJSON *wrap = NULL;
    if (cJSON_IsObject(j)) { /* eval.py treats a single object as a list of one */
        wrap = cJSON_CreateArray();
        if (!wrap) {
            cJSON_Delete(j);
            return mirs__fail(MIRS_E_NO_MEMORY, "out of memory");
        }
        cJSON_AddItemReferenceToArray(wrap, j);
        list = wrap;
    }
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(j);
        return mirs__fail(MIRS_E_SCHEMA, "%s: not a JSON list", what);
    }
    char src[700], key[600];
    size_t pos = 0;
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    bool by_position = first && !get(first, "item_index"); /* eval.py's fallback */
    const cJSON *it;
    cJSON_ArrayForEach(it, list)
    {
        snprintf(src, sizeof src, "%s[%zu]", what, pos);
        int s = MIRS_OK;
        if (!cJSON_IsObject(it))
            s = mirs__fail(MIRS_E_SCHEMA, "%s: not an object", src);
        else {
            long long idx = (long long)pos;
            const cJSON *ix = get(it, "item_index");
            if (!by_position) {
                if (!cJSON_IsNumber(ix) || ix->valuedouble < 0 || ix->valuedouble > 1e15 ||
                    ix->valuedouble != (double)(long long)ix->valuedouble)
                    s = mirs__fail(MIRS_E_SCHEMA, "%s: \"item_index\" is not a non-negative integer", src);
                else
                    idx = (long long)ix->valuedouble;
            }
            size_t alen = 0;
            const char *ans = gtext(get(it, "answer"), &alen);
            if (!s && !ans) s = mirs__fail(MIRS_E_SCHEMA, "%s: \"answer\" is missing or not a string", src);
            if (!s) {
                const char *stt = gstr(it, "inference_status");
                int32_t status = MIRS_RESPONSE_OK;
                if (stt && strcmp(stt, "failed") == 0)
                    status = MIRS_RESPONSE_FAILED;
                else if (stt && strcmp(stt, "crashed") == 0)
                    status = MIRS_RESPONSE_CRASHED;
                else if (stt && strcmp(stt, "success") != 0)
                    s = mirs__fail(MIRS_E_SCHEMA, "%s: unknown \"inference_status\" \"%s\"", src, stt);
                else if (!stt && strncmp(ans, "[INFERENCE_FAILED:", 18) == 0)
                    status = MIRS_RESPONSE_FAILED;
                else if (!stt && strncmp(ans, "[WORKER_CRASHED:", 16) == 0)
                    status = MIRS_RESPONSE_CRASHED;
                if (!s) {
                    snprintf(key, sizeof key, "%s/%s/#%lld", category, relation, idx);
                    s = push(r, o, key, ans, alen, status, NULL, status == MIRS_RESPONSE_OK ? NULL : ans, src, model,
                             MIRS_RESPONSE_ORIGIN_GIVEN);
                }
            }
        }
        if (s == MIRS_E_NO_MEMORY) {
            st = s;
            break;
        }
        if (s) {
            if (o->mode == MIRS_READ_STRICT) {
                st = s;
                break;
            }
            if ((st = diag(r, src))) break;
        }
        pos++;
    }
    if (wrap) {
        cJSON_Delete(wrap); /* holds only a reference */
    }
    cJSON_Delete(j);
    return st;
}

static int cmp_idx_ctx(const void *a, const void *b, void *ctx)
{
    const mirs_responses *r = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(r->v[x].key, r->v[y].key);
    if (c) return c;
    return x < y ? -1 : x > y;
}

static int finish(mirs_responses *r)
{
    r->by_key = mirs__malloc((r->n ? r->n : 1) * sizeof *r->by_key);
    if (!r->by_key) return MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < r->n; i++) r->by_key[i] = i;
    qsort_r(r->by_key, r->n, sizeof *r->by_key, cmp_idx_ctx, r);
    for (size_t i = 1; i < r->n; i++) {
        const char *a = r->v[r->by_key[i - 1]].key, *b = r->v[r->by_key[i]].key;
        if (strcmp(a, b) == 0 && (r->dups.n == 0 || strcmp(r->dups.v[r->dups.n - 1], b) != 0)) {
            int st = mirs__strvec_push(&r->dups, b, strlen(b));
            if (st) return st;
        }
    }
    return MIRS_OK;
}

static int resolve_opts(const mirs_responses_options *opts, mirs_responses_options *o)
{
    mirs_responses_options d = MIRS_RESPONSES_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_responses_options, opts, &d);
    if (rc) return rc;
    if (d.format < MIRS_RESPONSES_AUTO || d.format > MIRS_RESPONSES_OFFICIAL)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "mirs_responses_options: format %d is not one of MIRS_RESPONSES_AUTO, _BATCH, _SIMPLE, "
                          "_OFFICIAL (0..3)",
                          (int)d.format);
    if ((rc = mirs__read_mode_check(d.mode, "mirs_responses_options"))) return rc;
    if (!d.max_json_depth) d.max_json_depth = 64;
    if (!d.max_line_bytes) d.max_line_bytes = 67108864u;
    if (!d.max_file_bytes) d.max_file_bytes = 4294967296u;
    if (!d.max_records) d.max_records = 100000000u;
    *o = d;
    return MIRS_OK;
}

int mirs_responses_parse(const char *data, size_t len, const char *what, const mirs_responses_options *opts,
                         mirs_responses **out)
{
    MIRS_CHECK_ARG(out && (data || !len), "out must not be NULL; data must not be NULL when len > 0");
    mirs_responses_options o;
    int st = resolve_opts(opts, &o);
    if (st) return st;
    MIRS_CHECK_ARG(
        o.format != MIRS_RESPONSES_OFFICIAL,
        "opts->format MIRS_RESPONSES_OFFICIAL needs a folder (mirs_responses_open); text is BATCH, SIMPLE or AUTO");
    mirs_responses *r = mirs__calloc(1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    r->format = o.format;
    st = parse_jsonl(r, data, len, what ? what : "responses", &o);
    if (!st) st = finish(r);
    if (st) {
        mirs_responses_free(r);
        return st;
    }
    if (r->format == MIRS_RESPONSES_AUTO) r->format = MIRS_RESPONSES_SIMPLE;
    *out = r;
    return MIRS_OK;
}

int mirs_responses_parse_official(const char *data, size_t len, const char *category, const char *relation,
                                  const mirs_responses_options *opts, mirs_responses **out)
{
    MIRS_CHECK_ARG(out && (data || !len) && category && relation,
                   "out, category and relation must not be NULL; data must not be NULL when len > 0");
    mirs_responses_options o;
    int st = resolve_opts(opts, &o);
    if (st) return st;
    mirs_responses *r = mirs__calloc(1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    r->format = MIRS_RESPONSES_OFFICIAL;
    st = parse_official(r, data, len, category, relation, "official results", NULL, &o);
    if (!st) st = finish(r);
    if (st) {
        mirs_responses_free(r);
        return st;
    }
    *out = r;
    return MIRS_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted names of the entries of dir (directories or files as asked). */
static int list_dir(const char *dir, bool want_dirs, mirs__strvec *out)
{
    DIR *d = opendir(dir);
    if (!d) return mirs__fail_errno(errno == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO, errno, "%s: cannot open", dir);
    struct dirent *e;
    int st = MIRS_OK;
    while (!st && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *p = mirs__path_join(dir, e->d_name);
        if (!p) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        struct stat sb;
        if (stat(p, &sb) == 0 && (want_dirs ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)))
            st = mirs__strvec_push(out, e->d_name, strlen(e->d_name));
        free(p);
    }
    closedir(d);
    if (!st && out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return st;
}

static int open_official(mirs_responses *r, const char *path, const mirs_responses_options *o)
{
    const char *slash = strrchr(path, '/');
    size_t pl = strlen(path);
    while (pl > 1 && path[pl - 1] == '/') pl--;
    char *trimmed = mirs__strndup(path, pl);
    if (!trimmed) return MIRS_E_NO_MEMORY;
    slash = strrchr(trimmed, '/');
    const char *model = slash ? slash + 1 : trimmed;
    mirs__strvec cats = {0};
    int st = list_dir(trimmed, true, &cats);
    for (size_t c = 0; !st && c < cats.n; c++) {
        char *cdir = mirs__path_join(trimmed, cats.v[c]);
        if (!cdir) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        mirs__strvec files = {0};
        st = list_dir(cdir, false, &files);
        for (size_t f = 0; !st && f < files.n; f++) {
            size_t fl = strlen(files.v[f]);
            if (fl < 6 || strcmp(files.v[f] + fl - 5, ".json") != 0) continue;
            char *fp = mirs__path_join(cdir, files.v[f]);
            if (!fp) {
                st = MIRS_E_NO_MEMORY;
                break;
            }
            char *data;
            size_t len;
            st = mirs__read_file(fp, o->max_file_bytes > SIZE_MAX ? SIZE_MAX : (size_t)o->max_file_bytes, &data, &len);
            if (!st) {
                files.v[f][fl - 5] = '\0';
                st = parse_official(r, data, len, cats.v[c], files.v[f], fp, model, o);
                free(data);
            }
            if (st && st != MIRS_E_NO_MEMORY && o->mode == MIRS_READ_LENIENT) st = diag(r, fp);
            free(fp);
        }
        mirs__strvec_free(&files);
        free(cdir);
    }
    mirs__strvec_free(&cats);
    free(trimmed);
    return st;
}

int mirs_responses_open(const char *path, const mirs_responses_options *opts, mirs_responses **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    mirs_responses_options o;
    int st = resolve_opts(opts, &o);
    if (st) return st;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return mirs__fail_errno(errno == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO, errno, "%s: cannot open", path);
    bool dir = S_ISDIR(sb.st_mode);
    if (o.format == MIRS_RESPONSES_AUTO && dir) o.format = MIRS_RESPONSES_OFFICIAL;
    if ((o.format == MIRS_RESPONSES_OFFICIAL) != dir)
        return mirs__fail(MIRS_E_FORMAT, "%s: the official format is a folder, the JSONL formats are files", path);
    mirs_responses *r = mirs__calloc(1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    r->format = o.format;
    if (dir)
        st = open_official(r, path, &o);
    else {
        char *data;
        size_t len;
        st = mirs__read_file(path, o.max_file_bytes > SIZE_MAX ? SIZE_MAX : (size_t)o.max_file_bytes, &data, &len);
        if (!st) {
            st = parse_jsonl(r, data, len, path, &o);
            free(data);
        }
        if (r->format == MIRS_RESPONSES_AUTO) r->format = MIRS_RESPONSES_SIMPLE;
    }
    if (!st) st = finish(r);
    if (st) {
        mirs_responses_free(r);
        return st;
    }
    *out = r;
    return MIRS_OK;
}

int32_t mirs_responses_format(const mirs_responses *r) { return r ? r->format : -1; }
size_t mirs_responses_count(const mirs_responses *r) { return r ? r->n : 0; }
const mirs_response *mirs_responses_get(const mirs_responses *r, size_t i) { return r && i < r->n ? &r->v[i] : NULL; }
size_t mirs_responses_duplicate_count(const mirs_responses *r) { return r ? r->dups.n : 0; }
const char *mirs_responses_duplicate(const mirs_responses *r, size_t i)
{
    return r && i < r->dups.n ? r->dups.v[i] : NULL;
}
size_t mirs_responses_diagnostic_count(const mirs_responses *r) { return r ? r->diags.n : 0; }
const char *mirs_responses_diagnostic(const mirs_responses *r, size_t i)
{
    return r && i < r->diags.n ? r->diags.v[i] : NULL;
}

int mirs_responses_find(const mirs_responses *r, const char *key, const mirs_response **out)
{
    MIRS_CHECK_ARG(r && key && out, "r, key and out must not be NULL");
    /* The last entry with this key in (key, position) order. */
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(r->v[r->by_key[mid]].key, key) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || strcmp(r->v[r->by_key[lo - 1]].key, key) != 0)
        return mirs__fail(MIRS_E_NOT_FOUND, "no response with key %s", key);
    *out = &r->v[r->by_key[lo - 1]];
    return MIRS_OK;
}
