/*
 * The verdict store: one JSON record per line, appended with O_APPEND.
 *
 * A line is committed by its trailing '\n'; each record goes out in one
 * write() (the kernel may still split a large one when the process is
 * killed mid-copy), so a crash leaves at most one incomplete line at the
 * end. Opening a store for writing checks every line, refuses or cuts away
 * that torn tail, and builds the resume set. Merging sorts by key, model
 * and judge so that the result never depends on the order of the inputs.
 */
#define _GNU_SOURCE
#include "store_internal.h"

#include <mirsafety/score.h>
#include "util/versioned.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_MAX_FILE ((size_t)1 << 40)
#define NONE_BUFFER_BYTES 65536

static const struct {
    uint32_t bit;
    const char *name;
} flag_names[] = {{MIRS_RECORD_FAILED, "failed"},
                  {MIRS_RECORD_CRASHED, "crashed"},
                  {MIRS_RECORD_TRUNCATED, "truncated"},
                  {MIRS_RECORD_UNTERMINATED, "unterminated"}};
#define FLAG_COUNT (sizeof flag_names / sizeof *flag_names)
#define KNOWN_FLAGS (MIRS_RECORD_FAILED | MIRS_RECORD_CRASHED | MIRS_RECORD_TRUNCATED | MIRS_RECORD_UNTERMINATED)

int mirs_record_init(mirs_record *rec, size_t size)
{
    static const mirs_record d = MIRS_RECORD_INIT;
    return MIRS__STRUCT_INIT(mirs_record, rec, size, &d);
}

int mirs_store_options_init(mirs_store_options *opts, size_t size)
{
    static const mirs_store_options d = MIRS_STORE_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_store_options, opts, size, &d);
}

/* ---- serialisation ---- */

/* n == 0: strlen(v); texts that may hold U+0000 pass their length. */
static int put_str_n(mirs__sb *sb, const char *name, const char *v, size_t n, bool required)
{
    if (!v) return required ? mirs__fail(MIRS_E_INVALID_ARGUMENT, "record: \"%s\" is required", name) : MIRS_OK;
    if (!n) n = strlen(v);
    if (!mirs__utf8_valid(v, n)) return mirs__fail(MIRS_E_UTF8, "record: \"%s\" is not valid UTF-8", name);
    mirs__sb_printf(sb, ",\"%s\":", name);
    mirs__sb_json_string(sb, v, n);
    return MIRS_OK;
}

static int put_str(mirs__sb *sb, const char *name, const char *v, bool required)
{
    return put_str_n(sb, name, v, 0, required);
}

static int record_json(const mirs_record *user, mirs__sb *sb)
{
    if (!user) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "record: the mirs_record is NULL");
    mirs_record r = MIRS_RECORD_INIT;
    int rc = MIRS__STRUCT_IN(mirs_record, user, &r);
    if (rc) return rc;
    const mirs_record *rec = &r;
    if (!rec->key || !*rec->key) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "record: empty key");
    if (rec->verdict != MIRS_RECORD_NO_VERDICT && !mirs_verdict_name(rec->verdict))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "record %s: unknown verdict %d", rec->key, (int)rec->verdict);
    if (rec->flags & ~KNOWN_FLAGS)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "record %s: unknown flag bits 0x%x", rec->key,
                          (unsigned)(rec->flags & ~KNOWN_FLAGS));
    if (rec->timestamp_ms < 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "record %s: negative timestamp", rec->key);
    size_t kl = strlen(rec->key);
    if (!mirs__utf8_valid(rec->key, kl)) return mirs__fail(MIRS_E_UTF8, "record: key is not valid UTF-8");
    mirs__sb_puts(sb, "{\"key\":");
    mirs__sb_json_string(sb, rec->key, kl);
    int st;
    if ((st = put_str(sb, "model", rec->model, true)) || (st = put_str(sb, "judge", rec->judge, true))) return st;
    if (rec->verdict != MIRS_RECORD_NO_VERDICT)
        mirs__sb_printf(sb, ",\"verdict\":\"%s\"", mirs_verdict_name(rec->verdict));
    if (rec->flags) {
        mirs__sb_puts(sb, ",\"flags\":[");
        bool first = true;
        for (size_t i = 0; i < FLAG_COUNT; i++)
            if (rec->flags & flag_names[i].bit) {
                mirs__sb_printf(sb, "%s\"%s\"", first ? "" : ",", flag_names[i].name);
                first = false;
            }
        mirs__sb_putc(sb, ']');
    }
    if ((st = put_str(sb, "response_type", rec->response_type, false)) ||
        (st = put_str(sb, "finish_reason", rec->finish_reason, false)) ||
        (st = put_str(sb, "categories", rec->categories, false)) ||
        (st = put_str_n(sb, "judge_output", rec->judge_output, rec->judge_output_len, false)) ||
        (st = put_str_n(sb, "response", rec->response, rec->response_len, false)))
        return st;
    if (rec->timestamp_ms) mirs__sb_printf(sb, ",\"ts\":%lld", (long long)rec->timestamp_ms);
    mirs__sb_puts(sb, "}\n");
    return sb->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}

int mirs_record_to_json(const mirs_record *rec, mirs_buf *out)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    mirs__sb sb;
    mirs__sb_init(&sb);
    int st = record_json(rec, &sb);
    if (st == MIRS_OK) st = mirs__sb_to_buf(&sb, out);
    mirs__sb_free(&sb);
    return st;
}

/* ---- parsing one line ---- */

/* len == NULL: a C string, refused when it holds U+0000; else the text and its length. */
static int get_str_n(const cJSON *o, const char *name, bool required, mirs__arena *a, const char **out, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v || cJSON_IsNull(v)) {
        if (required) return mirs__fail(MIRS_E_SCHEMA, "missing \"%s\"", name);
        *out = NULL;
        return MIRS_OK;
    }
    if (!cJSON_IsString(v)) return mirs__fail(MIRS_E_SCHEMA, "\"%s\" is not a string", name);
    size_t n = mirs__json_strlen(v);
    if (!len && n != strlen(v->valuestring))
        return mirs__fail(MIRS_E_UNSUPPORTED, "\"%s\" holds U+0000 (not supported in this field)", name);
    char *c = mirs__arena_strndup(a, v->valuestring, n);
    if (!c) return MIRS_E_NO_MEMORY;
    *out = c;
    if (len) *len = n;
    return MIRS_OK;
}

static int get_str(const cJSON *o, const char *name, bool required, mirs__arena *a, const char **out)
{
    return get_str_n(o, name, required, a, out, NULL);
}

/* Parses one line (without its '\n') into *rec with strings in the arena. */
static int parse_line(const char *line, size_t len, unsigned depth, mirs__arena *a, mirs_record *rec)
{
    cJSON *j = NULL;
    int st = mirs__json_parse(line, len, depth, "record", &j);
    if (st) return st;
    mirs_record r = MIRS_RECORD_INIT;
    if (!cJSON_IsObject(j)) {
        st = mirs__fail(MIRS_E_SCHEMA, "a record is not a JSON object");
        goto done;
    }
    if ((st = get_str(j, "key", true, a, &r.key)) || (st = get_str(j, "model", true, a, &r.model)) ||
        (st = get_str(j, "judge", true, a, &r.judge)) ||
        (st = get_str(j, "response_type", false, a, &r.response_type)) ||
        (st = get_str(j, "finish_reason", false, a, &r.finish_reason)) ||
        (st = get_str(j, "categories", false, a, &r.categories)) ||
        (st = get_str_n(j, "judge_output", false, a, &r.judge_output, &r.judge_output_len)) ||
        (st = get_str_n(j, "response", false, a, &r.response, &r.response_len)))
        goto done;
    if (!*r.key) {
        st = mirs__fail(MIRS_E_SCHEMA, "empty \"key\"");
        goto done;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "verdict");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) || mirs__verdict_parse(v->valuestring, &r.verdict) != MIRS_OK) {
            st =
                mirs__fail(MIRS_E_SCHEMA,
                           "\"verdict\" is not a verdict name (safe, unsafe, unparseable, error, refusal, compliance)");
            goto done;
        }
    }
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(j, "flags");
    if (f && !cJSON_IsNull(f)) {
        if (!cJSON_IsArray(f)) {
            st = mirs__fail(MIRS_E_SCHEMA, "\"flags\" is not an array");
            goto done;
        }
        const cJSON *e;
        cJSON_ArrayForEach(e, f)
        {
            size_t i = 0;
            if (cJSON_IsString(e))
                for (; i < FLAG_COUNT; i++)
                    if (strcmp(e->valuestring, flag_names[i].name) == 0) break;
            if (!cJSON_IsString(e) || i == FLAG_COUNT) {
                st = mirs__fail(MIRS_E_SCHEMA, "unknown flag in \"flags\"");
                goto done;
            }
            r.flags |= flag_names[i].bit;
        }
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "ts");
    if (t && !cJSON_IsNull(t)) {
        if (!cJSON_IsNumber(t) || !(t->valuedouble >= 0 && t->valuedouble < 9.2e18) ||
            t->valuedouble != (double)(int64_t)t->valuedouble) {
            st = mirs__fail(MIRS_E_SCHEMA, "\"ts\" is not a non-negative integer");
            goto done;
        }
        r.timestamp_ms = (int64_t)t->valuedouble;
    }
    *rec = r;
done:
    cJSON_Delete(j);
    return st;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
    return true;
}

/* ---- reading ---- */

struct mirs_records {
    mirs__arena arena;
    mirs_record *v;
    size_t n, cap;
    uint64_t torn;
    mirs__strvec diags;
    unsigned char *counted; /* per record: the verdict that counts (verdicts.c) */
};

static int records_push(mirs_records *r, const mirs_record *rec)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 256;
        mirs_record *nv = mirs__realloc(r->v, nc * sizeof *nv);
        if (!nv) return MIRS_E_NO_MEMORY;
        r->v = nv;
        r->cap = nc;
    }
    r->v[r->n++] = *rec;
    return MIRS_OK;
}

/* Calls fn for each complete record line; reports the torn tail through
 * *good_end (offset after the last good line) and *torn (bytes after it).
 * Interior bad lines: MIRS_E_CORRUPT, or skipped into diags when lenient. */
typedef int (*line_fn)(void *ctx, const mirs_record *rec, uint64_t line_no);

static int scan_lines(const char *what, const char *data, size_t len, unsigned depth, uint64_t max_line, bool lenient,
                      mirs__arena *a, mirs__strvec *diags, line_fn fn, void *ctx, size_t *good_end, uint64_t *torn)
{
    size_t pos = 0, end_ok = 0;
    uint64_t line_no = 0;
    while (pos < len) {
        line_no++;
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (data + pos)) : len - pos;
        if (!nl) {
            /* No newline: the record was never committed, whatever it holds. */
            *good_end = end_ok;
            *torn = len - end_ok;
            return MIRS_OK;
        }
        if (!blank(data + pos, ll)) {
            mirs_record rec;
            int st = ll > max_line
                         ? mirs__fail(MIRS_E_LIMIT, "line longer than %llu bytes", (unsigned long long)max_line)
                         : parse_line(data + pos, ll, depth, a, &rec);
            if (st == MIRS_E_NO_MEMORY) return st;
            if (st) {
                /* A bad line that ends in a newline is never torn, not even
                 * the last one: a record is written with its newline in one
                 * append, so a complete line that does not parse (an unknown
                 * verdict, a hand edit) is damage that repair must not cut. */
                if (!lenient) {
                    char why[512];
                    snprintf(why, sizeof why, "%s", mirs_error_last());
                    return mirs__fail(MIRS_E_CORRUPT, "%s: line %llu (byte %zu): corrupt record: %s", what,
                                      (unsigned long long)line_no, pos, why);
                }
                mirs__sb m;
                mirs__sb_init(&m);
                mirs__sb_printf(&m, "%s:%llu: %s", what, (unsigned long long)line_no, mirs_error_last());
                int ps = m.oom ? MIRS_E_NO_MEMORY : mirs__strvec_push(diags, m.data, m.len);
                mirs__sb_free(&m);
                if (ps) return ps;
            } else if ((st = fn(ctx, &rec, line_no)))
                return st;
        }
        pos += ll + 1;
        end_ok = pos;
    }
    *good_end = end_ok;
    *torn = 0;
    return MIRS_OK;
}

mirs_records *mirs__records_new(void) { return mirs__calloc(1, sizeof(mirs_records)); }

int mirs__records_add(mirs_records *r, const char *key, const char *model, const char *judge, int32_t verdict,
                      uint32_t flags)
{
    mirs_record rec = MIRS_RECORD_INIT;
    rec.key = mirs__arena_strndup(&r->arena, key, strlen(key));
    rec.model = mirs__arena_strndup(&r->arena, model, strlen(model));
    rec.judge = mirs__arena_strndup(&r->arena, judge, strlen(judge));
    if (!rec.key || !rec.model || !rec.judge) return MIRS_E_NO_MEMORY;
    rec.verdict = verdict;
    rec.flags = flags;
    return records_push(r, &rec);
}

int mirs__records_seal(mirs_records *r)
{
    free(r->counted);
    r->counted = NULL;
    return mirs__verdicts_counted(r->v, r->n, &r->counted);
}

static int push_fn(void *ctx, const mirs_record *rec, uint64_t line_no)
{
    (void)line_no;
    return records_push(ctx, rec);
}

void mirs_records_free(mirs_records *r)
{
    if (!r) return;
    mirs__arena_free(&r->arena);
    free(r->v);
    free(r->counted);
    mirs__strvec_free(&r->diags);
    free(r);
}

int mirs_records_options_init(mirs_records_options *opts, size_t size)
{
    static const mirs_records_options d = MIRS_RECORDS_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_records_options, opts, size, &d);
}

int mirs_records_parse(const char *data, size_t len, const char *what, const mirs_records_options *opts,
                       mirs_records **out)
{
    MIRS_CHECK_ARG(out && (data || !len), "out must not be NULL; data must not be NULL when len > 0");
    mirs_records_options o = MIRS_RECORDS_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_records_options, opts, &o);
    if (rc) return rc;
    if ((rc = mirs__read_mode_check(o.mode, "mirs_records_options"))) return rc;
    mirs_records *r = mirs__calloc(1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    size_t good;
    int st = scan_lines(what ? what : "store", data, len, 16, (uint64_t)1 << 26, o.mode == MIRS_READ_LENIENT, &r->arena,
                        &r->diags, push_fn, r, &good, &r->torn);
    if (!st) st = mirs__records_seal(r);
    if (st) {
        mirs_records_free(r);
        return st;
    }
    *out = r;
    return MIRS_OK;
}

int mirs_records_read(const char *path, const mirs_records_options *opts, mirs_records **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    char *data;
    size_t len;
    int st = mirs__read_file(path, STORE_MAX_FILE, &data, &len);
    if (st) return st;
    st = mirs_records_parse(data, len, path, opts, out);
    free(data);
    return st;
}

size_t mirs_records_count(const mirs_records *r) { return r ? r->n : 0; }
const mirs_record *mirs_records_get(const mirs_records *r, size_t i) { return r && i < r->n ? &r->v[i] : NULL; }
uint64_t mirs_records_torn_bytes(const mirs_records *r) { return r ? r->torn : 0; }
int mirs_records_counted(const mirs_records *r, size_t i) { return r && i < r->n && r->counted ? r->counted[i] : 0; }
size_t mirs_records_diagnostic_count(const mirs_records *r) { return r ? r->diags.n : 0; }
const char *mirs_records_diagnostic(const mirs_records *r, size_t i)
{
    return r && i < r->diags.n ? r->diags.v[i] : NULL;
}

/* ---- the resume set: key -> chain of (model, judge) ---- */

/* final: the item has a verdict other than error (done, never redone: the
 * counting rule of verdicts.c); an entry without it holds only errors. */
typedef struct done_entry {
    const char *key, *model, *judge;
    int32_t next;
    bool final;
} done_entry;

typedef struct done_set {
    int32_t *slots; /* index into entries of the chain head, -1 empty */
    size_t nslots;
    done_entry *e;
    size_t n, cap;
    mirs__arena arena;
} done_set;

static uint64_t hstr(const char *s) { return mirs__splitmix64(mirs__fnv1a64(s, strlen(s))); }

static int done_grow(done_set *d)
{
    size_t ns = d->nslots ? d->nslots * 2 : 1024;
    int32_t *sl = mirs__malloc(ns * sizeof *sl);
    if (!sl) return MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < ns; i++) sl[i] = -1;
    /* Re-insert chain heads: entries of a key are chained through next;
     * the head is the entry whose key first appeared. */
    for (size_t i = 0; i < d->nslots; i++) {
        int32_t h = d->slots[i];
        if (h < 0) continue;
        size_t p = hstr(d->e[h].key) & (ns - 1);
        while (sl[p] >= 0) p = (p + 1) & (ns - 1);
        sl[p] = h;
    }
    free(d->slots);
    d->slots = sl;
    d->nslots = ns;
    return MIRS_OK;
}

static int32_t *done_slot(const done_set *d, const char *key)
{
    if (!d->nslots) return NULL;
    size_t p = hstr(key) & (d->nslots - 1);
    while (d->slots[p] >= 0) {
        if (strcmp(d->e[d->slots[p]].key, key) == 0) return &d->slots[p];
        p = (p + 1) & (d->nslots - 1);
    }
    return &d->slots[p];
}

static bool done_has(const done_set *d, const char *key, const char *model, const char *judge, bool need_final)
{
    int32_t *s = done_slot(d, key);
    if (!s || *s < 0) return false;
    for (int32_t i = *s; i >= 0; i = d->e[i].next)
        if ((!model || strcmp(model, d->e[i].model) == 0) && (!judge || strcmp(judge, d->e[i].judge) == 0) &&
            (!need_final || d->e[i].final))
            return true;
    return false;
}

static int done_add(done_set *d, const char *key, const char *model, const char *judge, bool final)
{
    int32_t *h = done_slot(d, key);
    for (int32_t i = h ? *h : -1; i >= 0; i = d->e[i].next)
        if (strcmp(model, d->e[i].model) == 0 && strcmp(judge, d->e[i].judge) == 0) {
            d->e[i].final |= final; /* an error after a final verdict does not undo it */
            return MIRS_OK;
        }
    if (d->n >= INT32_MAX) return mirs__fail(MIRS_E_LIMIT, "too many records in the resume set");
    if ((d->n + 1) * 2 > d->nslots && done_grow(d)) return MIRS_E_NO_MEMORY;
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 1024;
        done_entry *ne = mirs__realloc(d->e, nc * sizeof *ne);
        if (!ne) return MIRS_E_NO_MEMORY;
        d->e = ne;
        d->cap = nc;
    }
    int32_t *s = done_slot(d, key);
    done_entry en;
    en.key = *s >= 0 ? d->e[*s].key : mirs__arena_strndup(&d->arena, key, strlen(key));
    en.model = mirs__arena_strndup(&d->arena, model, strlen(model));
    en.judge = mirs__arena_strndup(&d->arena, judge, strlen(judge));
    if (!en.key || !en.model || !en.judge) return MIRS_E_NO_MEMORY;
    en.next = *s;
    en.final = final;
    d->e[d->n] = en;
    *s = (int32_t)d->n++;
    return MIRS_OK;
}

static void done_free(done_set *d)
{
    free(d->slots);
    free(d->e);
    mirs__arena_free(&d->arena);
}

/* ---- the writer ---- */

struct mirs_store {
    int fd;
    char *path;
    mirs_store_options opts;
    uint64_t size; /* bytes committed to the file (after the last complete line) */
    uint64_t torn, records, since_sync;
    done_set done;
    mirs__sb line, pending;
};

static int resume_fn(void *ctx, const mirs_record *rec, uint64_t line_no)
{
    (void)line_no;
    mirs_store *s = ctx;
    s->records++;
    /* Errors are retried on resume, but the item is known to have been scored. */
    return done_add(&s->done, rec->key, rec->model, rec->judge, rec->verdict != MIRS_VERDICT_ERROR);
}

int mirs_store_open(const char *path, const mirs_store_options *opts, mirs_store **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    mirs_store_options o = MIRS_STORE_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_store_options, opts, &o);
    if (rc) return rc;
    MIRS_CHECK_ARG(o.durability >= MIRS_DURABLE_NONE && o.durability <= MIRS_DURABLE_FSYNC_EVERY,
                   "opts->durability must be a MIRS_DURABLE_* value (0..3)");
    MIRS_CHECK_ARG(o.torn == MIRS_TORN_REFUSE || o.torn == MIRS_TORN_TRUNCATE,
                   "opts->torn must be MIRS_TORN_REFUSE or MIRS_TORN_TRUNCATE");
    MIRS_CHECK_ARG(o.durability != MIRS_DURABLE_FSYNC_EVERY || o.fsync_every > 0,
                   "opts->fsync_every must be > 0 with MIRS_DURABLE_FSYNC_EVERY");
    if (!o.max_json_depth) o.max_json_depth = 16;
    if (!o.max_line_bytes) o.max_line_bytes = (uint64_t)1 << 26;

    mirs_store *s = mirs__calloc(1, sizeof *s);
    if (!s) return MIRS_E_NO_MEMORY;
    s->fd = -1;
    s->opts = o;
    mirs__sb_init(&s->line);
    mirs__sb_init(&s->pending);
    int st = MIRS_OK;
    if (!(s->path = mirs__strdup(path))) {
        st = MIRS_E_NO_MEMORY;
        goto fail;
    }
    /* Read-write and creating, yet a FIFO named as the store must not block
     * (open) nor be read from (the resume scan): the helper refuses it. */
    if ((st = mirs__open_regular(AT_FDCWD, path, NULL, O_RDWR | O_APPEND | O_CREAT, 0644, &s->fd, NULL))) {
        s->fd = -1;
        mirs__error_prefix("cannot open the store");
        goto fail;
    }
    if (flock(s->fd, LOCK_EX | LOCK_NB) != 0) {
        st = errno == EWOULDBLOCK ? mirs__fail(MIRS_E_STATE, "%s: another writer holds the store", path)
                                  : mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot lock the store", path);
        goto fail;
    }
    char *data;
    size_t len;
    if ((st = mirs__read_file(path, STORE_MAX_FILE, &data, &len))) goto fail;
    mirs__arena tmp = {0};
    size_t good;
    st = scan_lines(path, data, len, o.max_json_depth, o.max_line_bytes, false, &tmp, NULL, resume_fn, s, &good,
                    &s->torn);
    mirs__arena_free(&tmp);
    free(data);
    if (st) goto fail;
    if (s->torn) {
        if (o.torn == MIRS_TORN_REFUSE) {
            st = mirs__fail(MIRS_E_TORN,
                            "%s: the last %llu bytes (from byte %zu) are an incomplete record, left by a crash "
                            "during a write; open with MIRS_TORN_TRUNCATE to cut them away",
                            path, (unsigned long long)s->torn, good);
            goto fail;
        }
        if (ftruncate(s->fd, (off_t)good) != 0 || fsync(s->fd) != 0) {
            st = mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot cut the torn tail at byte %zu", path, good);
            goto fail;
        }
    }
    s->size = good;
    *out = s;
    return MIRS_OK;
fail:
    mirs_store_close(s);
    return st;
}

static int store_flush_pending(mirs_store *s)
{
    if (!s->pending.len) return MIRS_OK;
    if (mirs__write_all(s->fd, s->pending.data, s->pending.len) != 0) {
        int e = errno;
        /* Leave no partial record behind us. */
        if (ftruncate(s->fd, (off_t)s->size) != 0) { /* keep the first error */
        }
        mirs__sb_clear(&s->pending);
        return mirs__fail_errno(MIRS_E_IO, e, "%s: write failed", s->path);
    }
    s->size += s->pending.len;
    mirs__sb_clear(&s->pending);
    return MIRS_OK;
}

int mirs_store_append(mirs_store *s, const mirs_record *rec)
{
    MIRS_CHECK_ARG(s && rec && s->fd >= 0, "the store must be open and rec must not be NULL");
    mirs__sb_clear(&s->line);
    int st = record_json(rec, &s->line);
    if (st) return st;
    if (s->line.len > s->opts.max_line_bytes)
        return mirs__fail(MIRS_E_LIMIT, "record %s: %zu bytes exceeds the line limit", rec->key, s->line.len);
    if (s->opts.durability == MIRS_DURABLE_NONE) {
        if (!mirs__sb_append(&s->pending, s->line.data, s->line.len)) return MIRS_E_NO_MEMORY;
        if (s->pending.len >= NONE_BUFFER_BYTES && (st = store_flush_pending(s))) return st;
    } else {
        if (mirs__write_all(s->fd, s->line.data, s->line.len) != 0) {
            int e = errno;
            if (ftruncate(s->fd, (off_t)s->size) != 0) {
            }
            return mirs__fail_errno(MIRS_E_IO, e, "%s: write failed", s->path);
        }
        s->size += s->line.len;
        if (s->opts.durability == MIRS_DURABLE_FSYNC ||
            (s->opts.durability == MIRS_DURABLE_FSYNC_EVERY && ++s->since_sync >= s->opts.fsync_every)) {
            if (fdatasync(s->fd) != 0) return mirs__fail_errno(MIRS_E_IO, errno, "%s: fdatasync failed", s->path);
            s->since_sync = 0;
        }
    }
    s->records++;
    if ((st = done_add(&s->done, rec->key, rec->model, rec->judge, rec->verdict != MIRS_VERDICT_ERROR))) return st;
    return MIRS_OK;
}

int mirs_store_sync(mirs_store *s)
{
    MIRS_CHECK_ARG(s && s->fd >= 0, "the store must not be NULL or closed");
    int st = store_flush_pending(s);
    if (st) return st;
    if (fdatasync(s->fd) != 0) return mirs__fail_errno(MIRS_E_IO, errno, "%s: fdatasync failed", s->path);
    s->since_sync = 0;
    return MIRS_OK;
}

int mirs_store_close(mirs_store *s)
{
    if (!s) return MIRS_OK;
    int st = MIRS_OK;
    if (s->fd >= 0) {
        st = store_flush_pending(s);
        if (st == MIRS_OK && s->opts.durability != MIRS_DURABLE_FLUSH && s->opts.durability != MIRS_DURABLE_NONE &&
            fdatasync(s->fd) != 0)
            st = mirs__fail_errno(MIRS_E_IO, errno, "%s: fdatasync failed", s->path);
        if (close(s->fd) != 0 && st == MIRS_OK) st = mirs__fail_errno(MIRS_E_IO, errno, "%s: close failed", s->path);
    }
    free(s->path);
    done_free(&s->done);
    mirs__sb_free(&s->line);
    mirs__sb_free(&s->pending);
    free(s);
    return st;
}

uint64_t mirs_store_torn_bytes(const mirs_store *s) { return s ? s->torn : 0; }
uint64_t mirs_store_record_count(const mirs_store *s) { return s ? s->records : 0; }

int mirs_store_done(const mirs_store *s, const char *key, const char *model, const char *judge)
{
    if (!s) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_store_done: the store is NULL");
    if (!key) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_store_done: key is NULL");
    return done_has(&s->done, key, model, judge, true) ? 1 : 0;
}

int mirs__store_has_verdict(const mirs_store *s, const char *key, const char *model, const char *judge)
{
    if (!s || !key) return 0;
    return done_has(&s->done, key, model, judge, false) ? 1 : 0;
}

/* ---- merging ---- */

typedef struct merge_item {
    const mirs_record *rec;
    size_t input, line;
    char *json; /* canonical line */
} merge_item;

static int cmp_triple(const merge_item *a, const merge_item *b)
{
    int c = strcmp(a->rec->key, b->rec->key);
    if (!c) c = strcmp(a->rec->model, b->rec->model);
    if (!c) c = strcmp(a->rec->judge, b->rec->judge);
    return c;
}

/* Triple, then input and line: each input's records of a triple in store
 * order, as the counting rule reads them. */
static int cmp_merge(const void *pa, const void *pb)
{
    const merge_item *a = pa, *b = pb;
    int c = cmp_triple(a, b);
    if (!c) c = a->input < b->input ? -1 : a->input > b->input;
    if (!c) c = a->line < b->line ? -1 : a->line > b->line;
    return c;
}

static const char *verdict_or_none(int32_t v) { return v == MIRS_RECORD_NO_VERDICT ? "none" : mirs_verdict_name(v); }

/* The smallest canonical line of the listed items: a choice that does not
 * depend on the order of the inputs. */
static size_t smallest_line(const merge_item *items, const size_t *idx, size_t n)
{
    size_t best = idx[0];
    for (size_t k = 1; k < n; k++)
        if (strcmp(items[idx[k]].json, items[best].json) < 0) best = idx[k];
    return best;
}

static bool later(const merge_item *a, const merge_item *b)
{
    if (a->rec->timestamp_ms != b->rec->timestamp_ms) return a->rec->timestamp_ms > b->rec->timestamp_ms;
    if (a->input != b->input) return a->input > b->input;
    return a->line > b->line;
}

int mirs_store_merge(const char *const *inputs, size_t n_inputs, const char *output, int32_t policy,
                     uint64_t *records_out, uint64_t *duplicates, uint64_t *conflicts)
{
    MIRS_CHECK_ARG((inputs || !n_inputs) && output,
                   "output must not be NULL; inputs must not be NULL when n_inputs > 0");
    MIRS_CHECK_ARG(policy == MIRS_MERGE_STRICT || policy == MIRS_MERGE_LAST_WINS,
                   "policy must be MIRS_MERGE_STRICT or MIRS_MERGE_LAST_WINS");
    for (size_t i = 0; i < n_inputs; i++) MIRS_CHECK_ARG(inputs[i], "inputs must not hold NULL paths");
    mirs_records **rs = mirs__calloc(n_inputs ? n_inputs : 1, sizeof *rs);
    if (!rs) return MIRS_E_NO_MEMORY;
    merge_item *items = NULL;
    size_t *cand = NULL;
    const mirs_record **group = NULL;
    size_t total = 0, nitems = 0;
    uint64_t dup = 0, conf = 0, kept = 0;
    mirs__sb outsb, tmp;
    mirs__sb_init(&outsb);
    mirs__sb_init(&tmp);
    int st = MIRS_OK;
    for (size_t i = 0; i < n_inputs; i++) {
        if ((st = mirs_records_read(inputs[i], NULL, &rs[i]))) goto done;
        if (rs[i]->torn) {
            st = mirs__fail(MIRS_E_TORN,
                            "%s: ends with a torn record (%llu bytes); repair it by opening it "
                            "for writing with MIRS_TORN_TRUNCATE first",
                            inputs[i], (unsigned long long)rs[i]->torn);
            goto done;
        }
        total += rs[i]->n;
    }
    items = mirs__calloc(total ? total : 1, sizeof *items);
    if (!items) {
        st = MIRS_E_NO_MEMORY;
        goto done;
    }
    for (size_t i = 0; i < n_inputs; i++)
        for (size_t k = 0; k < rs[i]->n; k++) {
            mirs__sb_clear(&tmp);
            if ((st = record_json(&rs[i]->v[k], &tmp))) goto done;
            merge_item *m = &items[nitems++];
            m->rec = &rs[i]->v[k];
            m->input = i;
            m->line = k;
            if (!(m->json = mirs__strndup(tmp.data, tmp.len))) {
                st = MIRS_E_NO_MEMORY;
                goto done;
            }
        }
    qsort(items, nitems, sizeof *items, cmp_merge);
    /* Per triple: response-only records are kept once (a verdict beside them
     * is a conflict, as before); of the verdicts, each input contributes the
     * one that counts in it (mirs__verdict_pick: a retry's verdict
     * supersedes the error it retried), and those must agree unless they are
     * errors, which a final verdict from another input supersedes. */
    cand = mirs__calloc(nitems ? nitems : 1, sizeof *cand);
    group = mirs__calloc(nitems ? nitems : 1, sizeof *group);
    if (!cand || !group) {
        st = MIRS_E_NO_MEMORY;
        goto done;
    }
    for (size_t g = 0; g < nitems;) {
        size_t e = g, nnone = 0, ncand = 0, nfinal = 0;
        while (e < nitems && cmp_triple(&items[g], &items[e]) == 0)
            nnone += items[e++].rec->verdict == MIRS_RECORD_NO_VERDICT;
        size_t pick = SIZE_MAX, other = SIZE_MAX;
        if (nnone == e - g) {
            for (size_t k = g; k < e; k++) cand[ncand++] = k;
            pick = smallest_line(items, cand, ncand);
        } else if (nnone) {
            for (size_t k = g; k < e; k++)
                if (items[k].rec->verdict == MIRS_RECORD_NO_VERDICT)
                    pick = k;
                else
                    other = k;
        } else {
            for (size_t k = g; k < e;) {
                size_t ke = k, n = 0;
                while (ke < e && items[ke].input == items[k].input) group[n++] = items[ke++].rec;
                cand[ncand++] = k + mirs__verdict_pick(group, n);
                k = ke;
            }
            /* Finals first: errors are left only when no input has a final verdict. */
            for (size_t k = 0; k < ncand; k++)
                if (items[cand[k]].rec->verdict != MIRS_VERDICT_ERROR) {
                    size_t t = cand[nfinal];
                    cand[nfinal++] = cand[k];
                    cand[k] = t;
                }
            size_t n = nfinal ? nfinal : ncand;
            for (size_t k = 1; k < n && other == SIZE_MAX; k++)
                if (items[cand[k]].rec->verdict != items[cand[0]].rec->verdict) {
                    pick = cand[0];
                    other = cand[k];
                }
            if (other == SIZE_MAX)
                pick = smallest_line(items, cand, n);
            else if (policy == MIRS_MERGE_LAST_WINS) {
                pick = cand[0];
                for (size_t k = 1; k < n; k++)
                    if (later(&items[cand[k]], &items[pick])) pick = cand[k];
            }
        }
        if (other != SIZE_MAX) {
            conf++;
            if (policy == MIRS_MERGE_STRICT) {
                st = mirs__fail(MIRS_E_CONFLICT,
                                "key %s, model %s, judge %s: verdict %s in %s but %s in %s (use the last-wins policy "
                                "to let the latest timestamp decide)",
                                items[g].rec->key, items[g].rec->model, items[g].rec->judge,
                                verdict_or_none(items[pick].rec->verdict), inputs[items[pick].input],
                                verdict_or_none(items[other].rec->verdict), inputs[items[other].input]);
                goto done;
            }
            if (nnone) /* last wins over every record, response-only ones too */
                for (size_t k = g; k < e; k++)
                    if (later(&items[k], &items[pick])) pick = k;
        }
        dup += e - g - 1;
        mirs__sb_puts(&outsb, items[pick].json);
        kept++;
        g = e;
    }
    if (outsb.oom) {
        st = MIRS_E_NO_MEMORY;
        goto done;
    }
    if ((st = mirs__write_file_atomic(output, outsb.data ? outsb.data : "", outsb.len))) goto done;
    if (records_out) *records_out = kept;
    if (duplicates) *duplicates = dup;
    if (conflicts) *conflicts = conf;
done:
    for (size_t i = 0; i < nitems; i++) free(items[i].json);
    free(items);
    free(cand);
    free(group);
    for (size_t i = 0; i < n_inputs; i++) mirs_records_free(rs[i]);
    free(rs);
    mirs__sb_free(&outsb);
    mirs__sb_free(&tmp);
    return st;
}
