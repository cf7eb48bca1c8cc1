/* The served-model client starts no thread (the caller owns every thread):
 * pthread_create is interposed for the whole process, libcurl included
 * (this program exports it, and the dynamic linker binds libcurl's and the
 * library's calls to it). Debian's libcurl resolves host names in a thread
 * of its own; the client resolves the endpoint's name on the caller's thread
 * and pins the addresses (CURLOPT_RESOLVE), so that thread never starts.
 *   - control: a library call asked for 2 threads is seen creating them;
 *   - a name that does not resolve: a clear MIRS_E_NOT_FOUND, no thread;
 *   - the machine's own host name, when it resolves: every request is made
 *     (a refused connection on port 1 is enough), no thread.
 * Not built with sanitizers, which interpose pthread_create themselves. */
#define _GNU_SOURCE
#include "testutil.h"

#include <mirsafety/mirsafety.h>

#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int created;

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
    atomic_fetch_add(&created, 1);
    int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    void *sym = dlsym(RTLD_NEXT, "pthread_create");
    memcpy(&real, &sym, sizeof sym);
    return real(t, a, fn, arg);
}

typedef struct lines {
    const char *const *v;
    size_t n, i;
} lines;

static int next_line(void *userdata, const char **line, size_t *len)
{
    lines *l = userdata;
    if (l->i >= l->n) return MIRS_DONE;
    *line = l->v[l->i++];
    *len = strlen(*line);
    return MIRS_OK;
}

static const char *const three[] = {
    "{\"key\":\"a/1\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
    "{\"key\":\"a/2\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
    "{\"key\":\"a/3\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
};

int main(void)
{
    if (!mirs_client_available()) {
        printf("SKIP: built without libcurl\n");
        return 77;
    }
    /* control: the interposition sees the library's own threads */
    enum { ROWS = 1 << 14, COLS = 64 };
    float *p = malloc(sizeof(float) * ROWS * COLS);
    double *h = malloc(sizeof(double) * ROWS);
    CHECK(p && h);
    if (!p || !h) return test_summary("client threads");
    for (size_t i = 0; i < (size_t)ROWS * COLS; i++) p[i] = 1.0f / COLS;
    mirs_entropy_options eo = MIRS_ENTROPY_OPTIONS_INIT;
    eo.threads = 2;
    CHECK_OK(mirs_entropy_rows(p, MIRS_ENTROPY_F32, ROWS, COLS, COLS, &eo, h));
    CHECK(atomic_load(&created) >= 1);
    free(p);
    free(h);

    char dir[] = "/tmp/mirs-client-threads-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char out[256];
    snprintf(out, sizeof out, "%s/out.jsonl", dir);
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    o.max_retries = 0;
    o.timeout_ms = 3000;
    o.concurrency = 3;
    mirs_client_summary s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;

    /* a name that does not resolve: refused at once, naming it; no resolver thread */
    atomic_store(&created, 0);
    o.endpoint = "http://mirs-no-such-host.invalid:1/v1";
    lines a = {three, 3, 0};
    CHECK_STATUS(mirs_client_run(next_line, &a, out, &o, &s), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "mirs-no-such-host.invalid") != NULL);
    CHECK_EQ_INT(atomic_load(&created), 0);

    /* the machine's own name (not "localhost", which libcurl answers itself) */
    char host[256] = "";
    struct addrinfo *res = NULL;
    if (gethostname(host, sizeof host - 1) == 0 && host[0] && strcmp(host, "localhost") != 0 &&
        getaddrinfo(host, NULL, NULL, &res) == 0) {
        freeaddrinfo(res);
        char url[400];
        snprintf(url, sizeof url, "http://%s:1/v1", host);
        o.endpoint = url;
        unlink(out);
        atomic_store(&created, 0);
        lines b = {three, 3, 0};
        CHECK_OK(mirs_client_run(next_line, &b, out, &o, &s));
        CHECK_EQ_INT(s.requests, 3);
        CHECK_EQ_INT(s.attempts, 3);
        CHECK_EQ_INT(atomic_load(&created), 0);
    } else
        printf("note: the host name \"%s\" does not resolve here; only the unresolvable case ran\n", host);
    unlink(out);
    rmdir(dir);
    return test_summary("client threads");
}
