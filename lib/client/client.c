/*
 * The served-model runner (include/mirsafety/client.h).
 *
 * Design: one libcurl multi handle driven on the caller's thread. The run
 * owns `concurrency` slots; a slot holds one item from the moment its line
 * is read until its record is written, including the time it waits out a
 * backoff, so retries never let more requests than the caller allowed hit
 * the server. Lines are pulled from the source only when a slot is free,
 * which keeps memory bounded for sources that build requests lazily.
 *
 * Crash safety comes from the output file alone: records are appended with
 * one write(2) each (O_APPEND, exclusive flock), a torn last line is cut on
 * open, and only keys without an ok record are sent, so a kill at any
 * moment costs at most the requests in flight.
 */
#include <mirsafety/mirsafety.h>

#include "util/util.h"
#include "util/versioned.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef MIRS_HAVE_CURL
/* libcurl is opened with dlopen() by each run (its header only is used at
 * build time): a process that never runs the client never loads libcurl
 * and what it pulls in (TLS, LDAP, PKCS#11 modules with their own
 * constructors and destructors), and the library works where libcurl is
 * not installed. The calls below go through the run's table (r->cu). */
#define CURL_DISABLE_TYPECHECK 1
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#endif

int mirs_client_options_init(mirs_client_options *opts, size_t size)
{
    static const mirs_client_options d = MIRS_CLIENT_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_client_options, opts, size, &d);
}

#ifndef MIRS_HAVE_CURL

int mirs_client_available(void) { return 0; }

/* The arguments and structs are checked as with libcurl (a caller's
 * mistake is reported as such), then the call is refused. */
static int unsupported(const char *func, const mirs_client_options *opts, mirs_client_summary *summary)
{
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    int rc;
    if (summary && (rc = MIRS__STRUCT_OUT_CHECK(mirs_client_summary, summary))) return rc;
    if ((rc = MIRS__STRUCT_IN(mirs_client_options, opts, &o))) return rc;
    return mirs__fail(MIRS_E_UNSUPPORTED,
                      "%s: this libmirsafety was built without libcurl (install libcurl's development files and "
                      "configure with -Dclient=enabled for the served-model client)",
                      func);
}

int mirs_client_run(mirs_client_source_fn source, void *userdata, const char *output_path,
                    const mirs_client_options *opts, mirs_client_summary *summary)
{
    (void)userdata;
    MIRS_CHECK_ARG(source && output_path && opts, "source, output_path and opts must not be NULL");
    return unsupported("mirs_client_run", opts, summary);
}

int mirs_client_run_file(const char *requests_path, const char *output_path, const mirs_client_options *opts,
                         mirs_client_summary *summary)
{
    MIRS_CHECK_ARG(requests_path && output_path && opts, "requests_path, output_path and opts must not be NULL");
    return unsupported("mirs_client_run_file", opts, summary);
}

#else

#define MAX_REQUEST_LINE ((size_t)1 << 28)
#define MAX_OUTPUT_FILE ((size_t)1 << 36)
#define POLL_MS 100
#define ERROR_EXCERPT 300

typedef struct curl_api {
    void *dl;
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    time_t (*getdate)(const char *, const time_t *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    const char *(*multi_strerror)(CURLMcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    CURLUcode (*url_get)(const CURLU *, CURLUPart, char **, unsigned int);
    void (*free)(void *);
} curl_api;

#define LIBCURL_SONAME "libcurl.so.4"

/* Loads libcurl into *c; MIRS_E_UNSUPPORTED naming dlerror() when it
 * cannot be loaded or lacks a function. */
static int curl_open(curl_api *c)
{
    memset(c, 0, sizeof *c);
    if (!(c->dl = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL)))
        return mirs__fail(MIRS_E_UNSUPPORTED, "the served-model client needs %s: %s", LIBCURL_SONAME, dlerror());
    struct {
        const char *name;
        void **slot;
    } fns[] = {
        {"curl_global_init", (void **)&c->global_init},
        {"curl_global_cleanup", (void **)&c->global_cleanup},
        {"curl_easy_init", (void **)&c->easy_init},
        {"curl_easy_cleanup", (void **)&c->easy_cleanup},
        {"curl_easy_setopt", (void **)&c->easy_setopt},
        {"curl_easy_getinfo", (void **)&c->easy_getinfo},
        {"curl_easy_strerror", (void **)&c->easy_strerror},
        {"curl_getdate", (void **)&c->getdate},
        {"curl_multi_init", (void **)&c->multi_init},
        {"curl_multi_cleanup", (void **)&c->multi_cleanup},
        {"curl_multi_setopt", (void **)&c->multi_setopt},
        {"curl_multi_add_handle", (void **)&c->multi_add_handle},
        {"curl_multi_remove_handle", (void **)&c->multi_remove_handle},
        {"curl_multi_socket_action", (void **)&c->multi_socket_action},
        {"curl_multi_info_read", (void **)&c->multi_info_read},
        {"curl_multi_strerror", (void **)&c->multi_strerror},
        {"curl_slist_append", (void **)&c->slist_append},
        {"curl_slist_free_all", (void **)&c->slist_free_all},
        {"curl_url", (void **)&c->url},
        {"curl_url_cleanup", (void **)&c->url_cleanup},
        {"curl_url_set", (void **)&c->url_set},
        {"curl_url_get", (void **)&c->url_get},
        {"curl_free", (void **)&c->free},
    };
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        void *f = dlsym(c->dl, fns[i].name);
        if (!f) {
            int st = mirs__fail(MIRS_E_UNSUPPORTED, "%s has no %s (libcurl 7.66 or newer is needed)", LIBCURL_SONAME,
                                fns[i].name);
            dlclose(c->dl);
            c->dl = NULL;
            return st;
        }
        memcpy(fns[i].slot, &f, sizeof f);
    }
    return MIRS_OK;
}

static void curl_close(curl_api *c)
{
    if (c->dl) dlclose(c->dl);
    c->dl = NULL;
}

int mirs_client_available(void)
{
    curl_api c;
    if (curl_open(&c) != MIRS_OK) {
        mirs_error_clear();
        return 0;
    }
    curl_close(&c);
    return 1;
}

/* Every libcurl call site has the run in scope as r. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#define curl_global_init(...) r->cu.global_init(__VA_ARGS__)
#define curl_global_cleanup(...) r->cu.global_cleanup(__VA_ARGS__)
#define curl_easy_init(...) r->cu.easy_init(__VA_ARGS__)
#define curl_easy_cleanup(...) r->cu.easy_cleanup(__VA_ARGS__)
#define curl_easy_setopt(...) r->cu.easy_setopt(__VA_ARGS__)
#define curl_easy_getinfo(...) r->cu.easy_getinfo(__VA_ARGS__)
#define curl_easy_strerror(...) r->cu.easy_strerror(__VA_ARGS__)
#define curl_getdate(...) r->cu.getdate(__VA_ARGS__)
#define curl_multi_init(...) r->cu.multi_init(__VA_ARGS__)
#define curl_multi_cleanup(...) r->cu.multi_cleanup(__VA_ARGS__)
#define curl_multi_setopt(...) r->cu.multi_setopt(__VA_ARGS__)
#define curl_multi_add_handle(...) r->cu.multi_add_handle(__VA_ARGS__)
#define curl_multi_remove_handle(...) r->cu.multi_remove_handle(__VA_ARGS__)
#define curl_multi_socket_action(...) r->cu.multi_socket_action(__VA_ARGS__)
#define curl_multi_info_read(...) r->cu.multi_info_read(__VA_ARGS__)
#define curl_multi_strerror(...) r->cu.multi_strerror(__VA_ARGS__)
#define curl_slist_append(...) r->cu.slist_append(__VA_ARGS__)
#define curl_slist_free_all(...) r->cu.slist_free_all(__VA_ARGS__)
#define curl_url(...) r->cu.url(__VA_ARGS__)
#define curl_url_cleanup(...) r->cu.url_cleanup(__VA_ARGS__)
#define curl_url_set(...) r->cu.url_set(__VA_ARGS__)
#define curl_url_get(...) r->cu.url_get(__VA_ARGS__)
#define curl_free(...) r->cu.free(__VA_ARGS__)

typedef struct slot {
    bool used, running, too_big;
    char *key;
    char *body; /* the request body as sent (cJSON_PrintUnformatted) */
    size_t body_len;
    int32_t api;
    uint32_t retries, blanks, attempts;
    int64_t not_before, started;
    int64_t retry_after_ms; /* -1: none in this response */
    CURL *easy;
    mirs__sb resp;
    mirs__sb last_error;
    char errbuf[CURL_ERROR_SIZE];
    struct run *run;
} slot;

typedef struct run {
    curl_api cu;
    mirs_client_options o;
    mirs_client_summary s;
    mirs_client_source_fn source;
    void *userdata;
    bool source_end;
    uint64_t line_no;
    CURLM *multi;
    int epfd;           /* the sockets libcurl wants watched (CURLMOPT_SOCKETFUNCTION) */
    int64_t curl_timer; /* when libcurl wants CURL_SOCKET_TIMEOUT (ms), -1 for never */
    slot *slots;
    uint32_t nslots;
    int fd;
    const char *path;
    mirs__strset done, seen;
    char *url[4];
    struct curl_slist *hdr_openai, *hdr_anthropic;
    struct curl_slist *resolve; /* "host:port:addr,..." resolved on the caller's thread (CURLOPT_RESOLVE) */
    char *key_value;            /* the API key (scrubbed from error texts, zeroed at the end) */
    uint64_t rng;
    size_t progress_done;
    int64_t last_progress; /* ms of the last progress call */
    int64_t next_start;    /* rpm spacing */
    double tpm_bucket;     /* tokens that may still be spent */
    int64_t tpm_refilled;  /* ms of the last refill */
    mirs__sb rec;
} run;

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp);
static int on_timer(CURLM *m, long timeout_ms, void *userp);

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double uniform01(run *r)
{
    r->rng += 0x9e3779b97f4a7c15u;
    return (double)(mirs__splitmix64(r->rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- the file source ---- */

typedef struct file_src {
    FILE *f;
    char *buf;
    size_t cap;
    const char *path;
} file_src;

static int file_next(void *userdata, const char **line, size_t *len)
{
    file_src *fs = userdata;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&fs->buf, &fs->cap, fs->f);
        if (n < 0) {
            if (errno && errno != EINVAL) return mirs__fail_errno(MIRS_E_IO, errno, "%s: read failed", fs->path);
            return MIRS_DONE;
        }
        size_t m = (size_t)n;
        if (m > MAX_REQUEST_LINE)
            return mirs__fail(MIRS_E_LIMIT, "%s: a request line of %zu bytes (limit %zu)", fs->path, m,
                              MAX_REQUEST_LINE);
        while (m && (fs->buf[m - 1] == '\n' || fs->buf[m - 1] == '\r')) m--;
        size_t i = 0;
        while (i < m && (fs->buf[i] == ' ' || fs->buf[i] == '\t')) i++;
        if (i == m) continue;
        *line = fs->buf;
        *len = m;
        return MIRS_OK;
    }
}

/* ---- the output file ---- */

/* Opens and locks the output, cuts a torn last line (as a store opened with
 * MIRS_TORN_TRUNCATE does) and collects the keys that already have an ok
 * record, read by the responses reader (the last record of a key is the one
 * that counts there; here any ok one is enough: it is never sent again). */
static int open_output(run *r)
{
    struct stat st;
    int rc = mirs__open_regular(AT_FDCWD, r->path, NULL, O_RDWR | O_APPEND | O_CREAT, 0644, &r->fd, &st);
    if (rc) {
        r->fd = -1;
        return mirs__error_prefix("cannot open the responses file");
    }
    if (flock(r->fd, LOCK_EX | LOCK_NB) != 0)
        return errno == EWOULDBLOCK ? mirs__fail(MIRS_E_STATE, "%s: another run writes this file", r->path)
                                    : mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot lock", r->path);
    char *data = NULL;
    size_t len = 0;
    if ((rc = mirs__read_file(r->path, MAX_OUTPUT_FILE, &data, &len))) return rc;
    size_t good = len;
    while (good && data[good - 1] != '\n') good--;
    if (good < len) {
        r->s.torn_bytes = len - good;
        if (ftruncate(r->fd, (off_t)good) != 0 || fsync(r->fd) != 0) {
            free(data);
            return mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot cut the torn tail at byte %zu", r->path, good);
        }
    }
    if (good) {
        mirs_responses_options ro = MIRS_RESPONSES_OPTIONS_INIT;
        ro.format = MIRS_RESPONSES_SIMPLE;
        ro.mode = MIRS_READ_LENIENT;
        mirs_responses *resp = NULL;
        rc = mirs_responses_parse(data, good, r->path, &ro, &resp);
        if (!rc) {
            size_t n = mirs_responses_count(resp);
            for (size_t i = 0; i < n && !rc; i++) {
                const mirs_response *x = mirs_responses_get(resp, i);
                if (x->status == MIRS_RESPONSE_OK && mirs__strset_add(&r->done, x->key) < 0) rc = MIRS_E_NO_MEMORY;
            }
        }
        mirs_responses_free(resp);
    }
    free(data);
    return rc;
}

static void scrub(run *r, mirs__sb *sb)
{
    if (!r->key_value || !r->key_value[0] || !sb->data) return;
    size_t kl = strlen(r->key_value);
    char *p;
    while ((p = strstr(sb->data, r->key_value)) != NULL) memset(p, '*', kl);
}

static void progress(run *r)
{
    if (!r->o.progress) return;
    size_t busy = 0;
    for (uint32_t i = 0; r->slots && i < r->nslots; i++) busy += r->slots[i].used;
    r->last_progress = now_ms();
    r->o.progress(r->o.progress_userdata, r->progress_done, (size_t)r->s.requests, (size_t)r->s.failed, busy);
}

/* Appends one record: a single write(2) of a complete line. */
static int write_record(run *r, const char *key, bool ok, const char *text, size_t tlen, const char *finish,
                        const cJSON *usage, const char *error, int64_t latency, uint32_t attempts)
{
    mirs__sb *b = &r->rec;
    mirs__sb_clear(b);
    mirs__sb_puts(b, "{\"key\":");
    mirs__sb_json_string(b, key, strlen(key));
    mirs__sb_puts(b, r->o.output == MIRS_CLIENT_OUTPUT_JUDGE ? ",\"output\":" : ",\"response\":");
    if (ok)
        mirs__sb_json_string(b, text, tlen);
    else
        mirs__sb_puts(b, "null");
    mirs__sb_puts(b, ok ? ",\"status\":\"ok\"" : ",\"status\":\"failed\"");
    if (finish && finish[0]) {
        mirs__sb_puts(b, ",\"finish_reason\":");
        mirs__sb_json_string(b, finish, strlen(finish));
    }
    if (usage && cJSON_IsObject(usage)) {
        char *u = cJSON_PrintUnformatted(usage);
        if (u) {
            mirs__sb_puts(b, ",\"usage\":");
            mirs__sb_puts(b, u);
            cJSON_free(u);
        }
    }
    if (error) {
        mirs__sb e;
        mirs__sb_init(&e);
        mirs__sb_puts(&e, error);
        scrub(r, &e);
        mirs__sb_puts(b, ",\"error\":");
        mirs__sb_json_string(b, e.data ? e.data : "", mirs__utf8_valid_prefix(e.data ? e.data : "", e.len));
        mirs__sb_free(&e);
    }
    mirs__sb_printf(b, ",\"latency_ms\":%lld,\"attempts\":%u}\n", (long long)latency, attempts);
    if (b->oom) return mirs__fail(MIRS_E_NO_MEMORY, "out of memory building the record of %s", key);
    struct stat st;
    off_t before = fstat(r->fd, &st) == 0 ? st.st_size : -1;
    if (mirs__write_all(r->fd, b->data, b->len) != 0) {
        int e = errno;
        if (before >= 0 && ftruncate(r->fd, before) != 0) { /* keep the write's error */
        }
        return mirs__fail_errno(MIRS_E_IO, e, "%s: write failed", r->path);
    }
    if (r->o.durability == MIRS_CLIENT_DURABLE_FSYNC && fdatasync(r->fd) != 0)
        return mirs__fail_errno(MIRS_E_IO, errno, "%s: fdatasync failed", r->path);
    if (ok)
        r->s.ok++;
    else
        r->s.failed++;
    r->progress_done++;
    progress(r);
    return MIRS_OK;
}

static void slot_release(slot *s)
{
    free(s->key);
    free(s->body);
    s->key = s->body = NULL;
    s->used = s->running = false;
    mirs__sb_clear(&s->resp);
    mirs__sb_clear(&s->last_error);
}

/* ---- curl callbacks ---- */

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    slot *s = userdata;
    size_t len = size * n;
    if (s->resp.len + len > s->run->o.max_body_bytes) {
        s->too_big = true;
        return 0; /* aborts the transfer (CURLE_WRITE_ERROR) */
    }
    if (!mirs__sb_append(&s->resp, p, len)) return 0;
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    slot *s = userdata;
    run *r = s->run;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && len < 256 && strncasecmp(p, name, sizeof name - 1) == 0) {
        char v[256];
        size_t a = sizeof name - 1, b = len;
        while (a < b && (p[a] == ' ' || p[a] == '\t')) a++;
        while (b > a && (p[b - 1] == '\r' || p[b - 1] == '\n' || p[b - 1] == ' ')) b--;
        memcpy(v, p + a, b - a);
        v[b - a] = 0;
        char *end;
        errno = 0;
        long long secs = strtoll(v, &end, 10);
        if (v[0] >= '0' && v[0] <= '9' && *end == 0 && errno == 0) {
            s->retry_after_ms = secs > INT64_MAX / 1000 ? INT64_MAX : secs * 1000;
        } else {
            time_t t = curl_getdate(v, NULL);
            if (t != (time_t)-1) {
                double d = difftime(t, time(NULL));
                s->retry_after_ms = d > 0 ? (int64_t)(d * 1000) : 0;
            }
        }
    }
    return len;
}

/* ---- requests ---- */

static int32_t api_of(const run *r, const cJSON *line, bool params)
{
    if (r->o.api != MIRS_CLIENT_API_AUTO) return r->o.api;
    if (params) return MIRS_CLIENT_API_ANTHROPIC;
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(line, "url");
    if (cJSON_IsString(u)) {
        size_t n = strlen(u->valuestring);
        const char *s = u->valuestring;
        if (n >= 9 && strcmp(s + n - 9, "/messages") == 0) return MIRS_CLIENT_API_ANTHROPIC;
        if (n >= 17 && strcmp(s + n - 17, "/chat/completions") == 0) return MIRS_CLIENT_API_OPENAI_CHAT;
        if (n >= 12 && strcmp(s + n - 12, "/completions") == 0) return MIRS_CLIENT_API_OPENAI_COMPLETIONS;
    }
    return MIRS_CLIENT_API_OPENAI_CHAT;
}

/* Reads one request line into slot s. *skip when the key is done already
 * or the line was an error record (written here). */
static int take_line(run *r, slot *s, const char *line, size_t len, bool *skip)
{
    *skip = false;
    char what[64];
    mirs__snprintf_c(what, sizeof what, "request line %llu", (unsigned long long)r->line_no);
    cJSON *j = NULL;
    int rc = mirs__json_parse(line, len, 256, what, &j);
    if (rc) return rc;
    rc = MIRS_OK;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "custom_id");
    if (!k) k = cJSON_GetObjectItemCaseSensitive(j, "key");
    cJSON *body = cJSON_GetObjectItemCaseSensitive(j, "body");
    bool params = false;
    if (!body && (body = cJSON_GetObjectItemCaseSensitive(j, "params"))) params = true;
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
    if (!cJSON_IsObject(j) || !cJSON_IsString(k) || !k->valuestring[0] ||
        mirs__json_strlen(k) != strlen(k->valuestring)) {
        rc = mirs__fail(MIRS_E_SCHEMA, "%s: no \"custom_id\" or \"key\" string", what);
        goto out;
    }
    r->s.requests++;
    if (mirs__strset_has(&r->done, k->valuestring)) {
        r->s.already_done++;
        r->progress_done++;
        progress(r);
        *skip = true;
        goto out;
    }
    int added = mirs__strset_add(&r->seen, k->valuestring);
    if (added < 0) {
        rc = MIRS_E_NO_MEMORY;
        goto out;
    }
    if (added == 0) {
        rc = mirs__fail(MIRS_E_DUPLICATE, "%s: the key %s occurs twice in the requests", what, k->valuestring);
        goto out;
    }
    if (!cJSON_IsObject(body)) {
        if (cJSON_IsString(err)) {
            *skip = true;
            rc = write_record(r, k->valuestring, false, NULL, 0, NULL, NULL, err->valuestring, 0, 0);
        } else {
            rc = mirs__fail(MIRS_E_SCHEMA, "%s: no \"body\" (or \"params\") object", what);
        }
        goto out;
    }
    if (r->o.model) {
        cJSON *m = cJSON_CreateString(r->o.model);
        if (!m) {
            rc = MIRS_E_NO_MEMORY;
            goto out;
        }
        if (cJSON_GetObjectItemCaseSensitive(body, "model"))
            cJSON_ReplaceItemInObjectCaseSensitive(body, "model", m);
        else
            cJSON_AddItemToObject(body, "model", m);
    }
    char *text = cJSON_PrintUnformatted(body);
    if (!text || !(s->body = mirs__strdup(text)) || !(s->key = mirs__strdup(k->valuestring))) {
        if (text) cJSON_free(text);
        free(s->body);
        s->body = NULL;
        rc = MIRS_E_NO_MEMORY;
        goto out;
    }
    cJSON_free(text);
    s->body_len = strlen(s->body);
    s->api = api_of(r, j, params);
    s->used = true;
    s->running = false;
    s->retries = s->blanks = s->attempts = 0;
    s->not_before = 0;
out:
    cJSON_Delete(j);
    return rc;
}

static int start_attempt(run *r, slot *s, int64_t now)
{
    mirs__sb_clear(&s->resp);
    s->too_big = false;
    s->retry_after_ms = -1;
    s->errbuf[0] = 0;
    CURL *e = s->easy;
    curl_easy_setopt(e, CURLOPT_URL, r->url[s->api]);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->api == MIRS_CLIENT_API_ANTHROPIC ? r->hdr_anthropic : r->hdr_openai);
    CURLMcode mc = curl_multi_add_handle(r->multi, e);
    if (mc != CURLM_OK) return mirs__fail(MIRS_E_INTERNAL, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
    s->running = true;
    s->started = now;
    s->attempts++;
    r->s.attempts++;
    return MIRS_OK;
}

static bool retryable_curl(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY: return true;
    default: return false;
    }
}

static int fail_item(run *r, slot *s, int64_t now)
{
    int rc = write_record(r, s->key, false, NULL, 0, NULL, NULL, s->last_error.data ? s->last_error.data : "failed",
                          now - s->started, s->attempts);
    slot_release(s);
    return rc;
}

/* A retryable failure: wait and go again, or give up after max_retries. */
static int retry_or_fail(run *r, slot *s, int64_t now)
{
    if (s->retries >= r->o.max_retries) {
        mirs__sb_printf(&s->last_error, " (gave up after %u attempts)", s->attempts);
        return fail_item(r, s, now);
    }
    s->retries++;
    r->s.retries++;
    int64_t d = r->o.backoff_base_ms;
    for (uint32_t i = 1; i < s->retries && d < r->o.backoff_cap_ms; i++) d *= 2;
    if (d > r->o.backoff_cap_ms) d = r->o.backoff_cap_ms;
    double f = 1.0 + r->o.backoff_jitter * (2.0 * uniform01(r) - 1.0);
    int64_t delay = (int64_t)((double)d * f);
    if (s->retry_after_ms >= 0)
        delay = s->retry_after_ms < r->o.backoff_cap_ms ? s->retry_after_ms : r->o.backoff_cap_ms;
    s->not_before = now + delay;
    return MIRS_OK;
}

static bool blank_text(const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] != ' ' && t[i] != '\t' && t[i] != '\n' && t[i] != '\r' && t[i] != '\f' && t[i] != '\v') return false;
    return true;
}

static uint64_t usage_num(const cJSON *u, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(u, name);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e18 ? (uint64_t)v->valuedouble : 0;
}

/* The text, finish reason and usage of a 2xx body; false when the body
 * does not hold an answer of the API's shape. */
static bool extract(const slot *s, const cJSON *j, mirs__sb *text, const char **finish, const cJSON **usage)
{
    *usage = cJSON_GetObjectItemCaseSensitive(j, "usage");
    if (s->api == MIRS_CLIENT_API_ANTHROPIC) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(j, "content");
        if (!cJSON_IsArray(content)) return false;
        const cJSON *c;
        cJSON_ArrayForEach(c, content)
        {
            const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(c, "text");
            if (cJSON_IsString(t) && strcmp(t->valuestring, "text") == 0 && cJSON_IsString(x))
                mirs__sb_append(text, x->valuestring, mirs__json_strlen(x));
        }
        const cJSON *sr = cJSON_GetObjectItemCaseSensitive(j, "stop_reason");
        *finish = cJSON_IsString(sr) ? sr->valuestring : NULL;
        return true;
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(j, "choices");
    const cJSON *c0 = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
    if (!cJSON_IsObject(c0)) return false;
    const cJSON *x;
    if (s->api == MIRS_CLIENT_API_OPENAI_COMPLETIONS) {
        x = cJSON_GetObjectItemCaseSensitive(c0, "text");
    } else {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(c0, "message");
        if (!cJSON_IsObject(m)) return false;
        x = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (!cJSON_IsString(x)) {
            const cJSON *refusal = cJSON_GetObjectItemCaseSensitive(m, "refusal");
            if (cJSON_IsString(refusal))
                x = refusal;
            else if (!x || cJSON_IsNull(x))
                x = NULL; /* no content at all: a blank answer */
            else
                return false;
        }
    }
    const cJSON *fr = cJSON_GetObjectItemCaseSensitive(c0, "finish_reason");
    *finish = cJSON_IsString(fr) ? fr->valuestring : NULL;
    if (!x) return true;
    if (!cJSON_IsString(x)) return false;
    mirs__sb_append(text, x->valuestring, mirs__json_strlen(x));
    return true;
}

static void error_excerpt(mirs__sb *dst, const mirs__sb *body)
{
    size_t n = body->len < ERROR_EXCERPT ? body->len : ERROR_EXCERPT;
    if (!n) return;
    n = mirs__utf8_valid_prefix(body->data, n);
    mirs__sb_puts(dst, ": ");
    for (size_t i = 0; i < n; i++)
        mirs__sb_putc(dst, body->data[i] == '\n' || body->data[i] == '\r' ? ' ' : body->data[i]);
}

static int finish_attempt(run *r, slot *s, CURLcode res, int64_t now)
{
    curl_multi_remove_handle(r->multi, s->easy);
    s->running = false;
    long code = 0;
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
    mirs__sb_clear(&s->last_error);
    if (s->too_big) {
        mirs__sb_printf(&s->last_error, "response body larger than max_body_bytes (%llu bytes) [MIRS_E_LIMIT]",
                        (unsigned long long)r->o.max_body_bytes);
        return fail_item(r, s, now);
    }
    if (res != CURLE_OK) {
        if (res == CURLE_OPERATION_TIMEDOUT)
            mirs__sb_printf(&s->last_error, "timeout after %lld ms", (long long)r->o.timeout_ms);
        else
            mirs__sb_printf(&s->last_error, "%s%s%s", curl_easy_strerror(res), s->errbuf[0] ? ": " : "", s->errbuf);
        return retryable_curl(res) ? retry_or_fail(r, s, now) : fail_item(r, s, now);
    }
    if (code < 200 || code > 299) {
        mirs__sb_printf(&s->last_error, "HTTP status %ld", code);
        error_excerpt(&s->last_error, &s->resp);
        if (code == 429 || code == 408 || code >= 500) return retry_or_fail(r, s, now);
        return fail_item(r, s, now);
    }
    cJSON *j = NULL;
    if (!s->resp.data || mirs__json_parse(s->resp.data, s->resp.len, 64, "response body", &j) != MIRS_OK) {
        mirs__sb_printf(&s->last_error, "malformed JSON body: %s", mirs_error_last());
        mirs_error_clear();
        return retry_or_fail(r, s, now);
    }
    mirs__sb text;
    mirs__sb_init(&text);
    const char *finish = NULL;
    const cJSON *usage = NULL;
    int rc = MIRS_OK;
    if (!extract(s, j, &text, &finish, &usage)) {
        mirs__sb_puts(&s->last_error, "the body holds no answer");
        error_excerpt(&s->last_error, &s->resp);
        rc = retry_or_fail(r, s, now);
    } else if (text.oom) {
        rc = mirs__fail(MIRS_E_NO_MEMORY, "out of memory reading the answer of %s", s->key);
    } else if (blank_text(text.data ? text.data : "", text.len) && s->blanks < r->o.blank_retries) {
        s->blanks++;
        r->s.blank_retries++;
        s->not_before = now; /* at once, no backoff: the server is fine, the sample was blank */
    } else {
        uint64_t pt = usage_num(usage, "prompt_tokens") + usage_num(usage, "input_tokens");
        uint64_t ct = usage_num(usage, "completion_tokens") + usage_num(usage, "output_tokens");
        uint64_t tt = usage_num(usage, "total_tokens");
        r->s.prompt_tokens += pt;
        r->s.completion_tokens += ct;
        if (r->o.tpm) r->tpm_bucket -= (double)(tt ? tt : pt + ct);
        rc = write_record(r, s->key, true, text.data ? text.data : "", text.len, finish, usage, NULL, now - s->started,
                          s->attempts);
        slot_release(s);
    }
    mirs__sb_free(&text);
    cJSON_Delete(j);
    return rc;
}

/* May a request start now? Updates *wake with when it may. */
static bool rate_ok(run *r, int64_t now, int64_t *wake)
{
    if (r->o.tpm) {
        double add = (double)(now - r->tpm_refilled) * (double)r->o.tpm / 60000.0;
        r->tpm_refilled = now;
        r->tpm_bucket += add;
        if (r->tpm_bucket > (double)r->o.tpm) r->tpm_bucket = (double)r->o.tpm;
        if (r->tpm_bucket <= 0) {
            int64_t w = now + (int64_t)(-r->tpm_bucket * 60000.0 / (double)r->o.tpm) + 1;
            if (w < *wake) *wake = w;
            return false;
        }
    }
    if (r->o.rpm) {
        if (now < r->next_start) {
            if (r->next_start < *wake) *wake = r->next_start;
            return false;
        }
        int64_t gap = (int64_t)(60000 / r->o.rpm);
        r->next_start = (r->next_start > now - gap ? r->next_start : now) + gap;
    }
    return true;
}

static int check_options(const mirs_client_options *o)
{
    MIRS_CHECK_ARG(o->endpoint && (strncmp(o->endpoint, "http://", 7) == 0 || strncmp(o->endpoint, "https://", 8) == 0),
                   "opts->endpoint must be an http:// or https:// URL");
    MIRS_CHECK_ARG(o->api >= MIRS_CLIENT_API_AUTO && o->api <= MIRS_CLIENT_API_ANTHROPIC,
                   "opts->api must be a MIRS_CLIENT_API_* value (0..3)");
    MIRS_CHECK_ARG(o->output == MIRS_CLIENT_OUTPUT_RESPONSES || o->output == MIRS_CLIENT_OUTPUT_JUDGE,
                   "opts->output must be MIRS_CLIENT_OUTPUT_RESPONSES or MIRS_CLIENT_OUTPUT_JUDGE");
    MIRS_CHECK_ARG(o->durability == MIRS_CLIENT_DURABLE_WRITE || o->durability == MIRS_CLIENT_DURABLE_FSYNC,
                   "opts->durability must be MIRS_CLIENT_DURABLE_WRITE or MIRS_CLIENT_DURABLE_FSYNC");
    MIRS_CHECK_ARG(o->concurrency <= 4096, "opts->concurrency must be at most 4096");
    MIRS_CHECK_ARG(o->timeout_ms > 0 && o->backoff_base_ms >= 0 && o->backoff_cap_ms >= o->backoff_base_ms,
                   "opts->timeout_ms must be > 0 and 0 <= backoff_base_ms <= backoff_cap_ms");
    MIRS_CHECK_ARG(o->backoff_jitter >= 0 && o->backoff_jitter < 1, "opts->backoff_jitter must be in [0, 1)");
    MIRS_CHECK_ARG(o->max_body_bytes > 0, "opts->max_body_bytes must be > 0");
    MIRS_CHECK_ARG(o->reserved == 0, "opts->reserved must be 0");
    return MIRS_OK;
}

/* Resolves the endpoint's host name once, on the caller's thread, and pins
 * the addresses for every transfer with CURLOPT_RESOLVE: libcurl then finds
 * them in its DNS cache and never starts its threaded resolver (Debian's
 * libcurl resolves in a thread of its own), so the run starts no thread.
 * An IP literal needs nothing (libcurl does not resolve it). A name that
 * does not resolve fails the run at once (MIRS_E_NOT_FOUND) rather than
 * failing every request after its retries. */
static int pin_host(run *r)
{
    CURLU *u = curl_url();
    if (!u) return mirs__fail(MIRS_E_NO_MEMORY, "curl_url failed");
    char *host = NULL, *port = NULL;
    int st = MIRS_OK;
    mirs__sb e;
    mirs__sb_init(&e);
    if (curl_url_set(u, CURLUPART_URL, r->url[0], 0) != CURLUE_OK || curl_url_get(u, CURLUPART_HOST, &host, 0) ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT)) {
        st = mirs__fail(MIRS_E_INVALID_ARGUMENT, "endpoint \"%.300s\": not a URL with a host", r->o.endpoint);
        goto done;
    }
    unsigned char a4[4];
    if (host[0] == '[' || inet_pton(AF_INET, host, a4) == 1) goto done; /* a literal address */
    for (const unsigned char *c = (const unsigned char *)host; *c; c++)
        if (*c >= 0x80) {
            st = mirs__fail(MIRS_E_INVALID_ARGUMENT,
                            "endpoint \"%.300s\": give the host name in its ASCII (punycode) form", r->o.endpoint);
            goto done;
        }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0) {
        st = mirs__fail(MIRS_E_NOT_FOUND, "endpoint \"%.300s\": cannot resolve the host \"%.200s\": %s", r->o.endpoint,
                        host, g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
        goto done;
    }
    mirs__sb_printf(&e, "%s:%s:", host, port);
    size_t head = e.len;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char txt[INET6_ADDRSTRLEN + 2];
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, txt, sizeof txt);
        else if (ai->ai_family == AF_INET6) {
            txt[0] = '[';
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, txt + 1, sizeof txt - 2);
            strcat(txt, "]");
        } else
            continue;
        if (e.len > head) mirs__sb_putc(&e, ',');
        mirs__sb_puts(&e, txt);
    }
    freeaddrinfo(res);
    if (e.oom) {
        st = MIRS_E_NO_MEMORY;
        goto done;
    }
    if (e.len == head) {
        st = mirs__fail(MIRS_E_NOT_FOUND, "endpoint \"%.300s\": the host \"%.200s\" has no IPv4 or IPv6 address",
                        r->o.endpoint, host);
        goto done;
    }
    if (!(r->resolve = curl_slist_append(NULL, e.data))) st = MIRS_E_NO_MEMORY;
done:
    mirs__sb_free(&e);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return st;
}

static int setup(run *r)
{
    if (r->o.api_key_env && r->o.api_key_env[0]) {
        const char *k = getenv(r->o.api_key_env); /* the one variable the caller names */
        if (!k || !k[0])
            return mirs__fail(MIRS_E_NOT_FOUND, "the environment variable %s (named for the API key) is not set",
                              r->o.api_key_env);
        if (!(r->key_value = mirs__strdup(k))) return MIRS_E_NO_MEMORY;
    }
    size_t el = strlen(r->o.endpoint);
    while (el && r->o.endpoint[el - 1] == '/') el--;
    static const char *const tails[4] = {"/chat/completions", "/chat/completions", "/completions", "/messages"};
    for (int i = 0; i < 4; i++) {
        mirs__sb u;
        mirs__sb_init(&u);
        mirs__sb_append(&u, r->o.endpoint, el);
        mirs__sb_puts(&u, tails[i]);
        if (u.oom) {
            mirs__sb_free(&u);
            return MIRS_E_NO_MEMORY;
        }
        r->url[i] = u.data;
    }
    int pst = pin_host(r);
    if (pst != MIRS_OK) return pst;
    struct curl_slist *h = NULL, *a = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = h ? curl_slist_append(h, "Expect:") : NULL;
    a = curl_slist_append(a, "Content-Type: application/json");
    a = a ? curl_slist_append(a, "Expect:") : NULL;
    a = a ? curl_slist_append(a, "anthropic-version: 2023-06-01") : NULL;
    if (h && a && r->key_value) {
        mirs__sb x;
        mirs__sb_init(&x);
        mirs__sb_printf(&x, "Authorization: Bearer %s", r->key_value);
        h = x.oom ? NULL : curl_slist_append(h, x.data);
        explicit_bzero(x.data, x.len);
        mirs__sb_clear(&x);
        mirs__sb_printf(&x, "x-api-key: %s", r->key_value);
        a = x.oom ? NULL : curl_slist_append(a, x.data);
        explicit_bzero(x.data, x.len);
        mirs__sb_free(&x);
    }
    r->hdr_openai = h;
    r->hdr_anthropic = a;
    if (!h || !a) return mirs__fail(MIRS_E_NO_MEMORY, "out of memory building the request headers");
    if (!(r->multi = curl_multi_init())) return mirs__fail(MIRS_E_NO_MEMORY, "curl_multi_init failed");
    if ((r->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) return mirs__fail_errno(MIRS_E_IO, errno, "epoll_create1 failed");
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(r->multi, CURLMOPT_SOCKETDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(r->multi, CURLMOPT_TIMERDATA, r);
    curl_multi_setopt(r->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r->nslots);
    if (!(r->slots = mirs__calloc(r->nslots, sizeof *r->slots))) return MIRS_E_NO_MEMORY;
    for (uint32_t i = 0; i < r->nslots; i++) {
        slot *s = &r->slots[i];
        s->run = r;
        mirs__sb_init(&s->resp);
        mirs__sb_init(&s->last_error);
        CURL *e = s->easy = curl_easy_init();
        if (!e) return mirs__fail(MIRS_E_NO_MEMORY, "curl_easy_init failed");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->o.timeout_ms);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
        curl_easy_setopt(e, CURLOPT_PRIVATE, s);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r->o.tls_verify ? 1L : 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r->o.tls_verify ? 2L : 0L);
        /* libcurl would read http_proxy and friends: the library reads no
         * environment the caller did not name. */
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        if (r->resolve) curl_easy_setopt(e, CURLOPT_RESOLVE, r->resolve);
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        curl_easy_setopt(e, CURLOPT_POST, 1L);
    }
    return MIRS_OK;
}

static void teardown(run *r)
{
    for (uint32_t i = 0; r->slots && i < r->nslots; i++) {
        slot *s = &r->slots[i];
        if (s->running) curl_multi_remove_handle(r->multi, s->easy);
        if (s->easy) curl_easy_cleanup(s->easy);
        slot_release(s);
        mirs__sb_free(&s->resp);
        mirs__sb_free(&s->last_error);
    }
    free(r->slots);
    if (r->multi) curl_multi_cleanup(r->multi);
    if (r->epfd >= 0) close(r->epfd);
    /* The key's header copies live inside the lists: wipe them first. */
    for (struct curl_slist *l = r->hdr_openai; l; l = l->next) explicit_bzero(l->data, strlen(l->data));
    for (struct curl_slist *l = r->hdr_anthropic; l; l = l->next) explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(r->hdr_openai);
    curl_slist_free_all(r->hdr_anthropic);
    curl_slist_free_all(r->resolve);
    if (r->key_value) explicit_bzero(r->key_value, strlen(r->key_value));
    free(r->key_value);
    for (int i = 0; i < 4; i++) free(r->url[i]);
    mirs__strset_free(&r->done);
    mirs__strset_free(&r->seen);
    mirs__sb_free(&r->rec);
    if (r->fd >= 0) close(r->fd);
}

/* Fills free slots from the source. */
static int fill(run *r)
{
    for (uint32_t i = 0; i < r->nslots && !r->source_end; i++) {
        slot *s = &r->slots[i];
        while (!s->used && !r->source_end) {
            const char *line = NULL;
            size_t len = 0;
            int rc = r->source(r->userdata, &line, &len);
            if (rc == MIRS_DONE) {
                r->source_end = true;
                break;
            }
            if (rc < 0) return rc;
            if (rc != MIRS_OK || !line)
                return mirs__fail(MIRS_E_INVALID_ARGUMENT, "the request source returned %d without a line", rc);
            r->line_no++;
            bool skip;
            if ((rc = take_line(r, s, line, len, &skip))) return rc;
        }
    }
    return MIRS_OK;
}

/* libcurl's socket and timer callbacks: only the sockets with events are
 * handed back to libcurl (curl_multi_socket_action), so a wake-up costs the
 * same with 4 or 4,096 transfers in flight (curl_multi_perform would visit
 * every transfer, and poll() every socket, on each one). */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e, (void)socketp;
    run *r = userp;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(r->epfd, EPOLL_CTL_DEL, fd, NULL);
        return 0;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT &&
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return -1;
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    run *r = userp;
    r->curl_timer = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    return 0;
}

#define MAX_EVENTS 256

static int loop(run *r)
{
    struct epoll_event ev[MAX_EVENTS];
    for (;;) {
        if (r->o.cancel && *r->o.cancel) {
            r->s.cancelled = 1;
            return mirs__fail(MIRS_E_STATE, "cancelled: the requests in flight were abandoned (the next run sends "
                                            "them again)");
        }
        int rc = fill(r);
        if (rc) return rc;
        int64_t now = now_ms(), wake = now + POLL_MS;
        bool busy = false;
        for (uint32_t i = 0; i < r->nslots; i++) {
            slot *s = &r->slots[i];
            if (!s->used) continue;
            busy = true;
            if (s->running) continue;
            if (s->not_before > now) {
                if (s->not_before < wake) wake = s->not_before;
                continue;
            }
            if (!rate_ok(r, now, &wake)) continue;
            if ((rc = start_attempt(r, s, now))) return rc;
        }
        if (!busy && r->source_end) return MIRS_OK;
        if (r->o.progress && now - r->last_progress >= 500) progress(r);
        if (r->curl_timer >= 0 && r->curl_timer < wake) wake = r->curl_timer;
        now = now_ms();
        int timeout = wake > now ? (int)(wake - now) : 0;
        int n = epoll_wait(r->epfd, ev, MAX_EVENTS, timeout);
        if (n < 0) {
            if (errno != EINTR) return mirs__fail_errno(MIRS_E_INTERNAL, errno, "epoll_wait failed");
            n = 0;
        }
        int still = 0;
        CURLMcode mc = CURLM_OK;
        for (int i = 0; i < n && mc == CURLM_OK; i++) {
            int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            mc = curl_multi_socket_action(r->multi, ev[i].data.fd, flags, &still);
        }
        if (mc == CURLM_OK && r->curl_timer >= 0 && now_ms() >= r->curl_timer) {
            r->curl_timer = -1;
            mc = curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &still);
        }
        if (mc != CURLM_OK) return mirs__fail(MIRS_E_INTERNAL, "curl_multi_socket_action: %s", curl_multi_strerror(mc));
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(r->multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            slot *s = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            CURLcode res = m->data.result;
            if ((rc = finish_attempt(r, s, res, now_ms()))) return rc;
        }
    }
}

int mirs_client_run(mirs_client_source_fn source, void *userdata, const char *output_path,
                    const mirs_client_options *opts, mirs_client_summary *summary)
{
    MIRS_CHECK_ARG(source && output_path && opts, "source, output_path and opts must not be NULL");
    int rc;
    if (summary && (rc = MIRS__STRUCT_OUT_CHECK(mirs_client_summary, summary))) return rc;
    run *r = mirs__calloc(1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    r->o = (mirs_client_options)MIRS_CLIENT_OPTIONS_INIT;
    if ((rc = MIRS__STRUCT_IN(mirs_client_options, opts, &r->o)) || (rc = check_options(&r->o))) {
        free(r);
        return rc;
    }
    r->s.struct_size = sizeof r->s;
    r->fd = -1;
    r->epfd = -1;
    r->curl_timer = -1;
    r->path = output_path;
    r->source = source;
    r->userdata = userdata;
    r->nslots = r->o.concurrency ? r->o.concurrency : 1;
    r->rng = r->o.seed;
    r->tpm_bucket = (double)r->o.tpm;
    r->tpm_refilled = now_ms();
    mirs__sb_init(&r->rec);
    if ((rc = curl_open(&r->cu))) {
        free(r);
        return rc;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        curl_close(&r->cu);
        free(r);
        return mirs__fail(MIRS_E_INTERNAL, "curl_global_init failed");
    }
    rc = open_output(r);
    if (!rc) rc = setup(r);
    if (!rc) {
        progress(r);
        rc = loop(r);
    }
    /* The summary counts what was done, also when the run failed. */
    if (summary) mirs__struct_out(summary, &r->s, sizeof r->s);
    teardown(r);
    curl_global_cleanup();
    curl_close(&r->cu);
    free(r);
    return rc;
}

int mirs_client_run_file(const char *requests_path, const char *output_path, const mirs_client_options *opts,
                         mirs_client_summary *summary)
{
    MIRS_CHECK_ARG(requests_path && output_path && opts, "requests_path, output_path and opts must not be NULL");
    int fd;
    int rc = mirs__open_regular(AT_FDCWD, requests_path, NULL, O_RDONLY, 0, &fd, NULL);
    if (rc) return rc;
    file_src fs = {fdopen(fd, "rb"), NULL, 0, requests_path};
    if (!fs.f) {
        close(fd);
        return mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot open", requests_path);
    }
    rc = mirs_client_run(file_next, &fs, output_path, opts, summary);
    free(fs.buf);
    fclose(fs.f);
    return rc;
}

#endif
