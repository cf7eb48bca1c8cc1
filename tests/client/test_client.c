/* The served-model client's C contract without a server: options, argument
 * checks, the output file's records for items that fail (a refused
 * connection on 127.0.0.1:1), error lines, duplicates, the lock, the cancel
 * flag, the key variable, and MIRS_E_UNSUPPORTED in builds without libcurl. */
#include "testutil.h"

#include <mirsafety/mirsafety.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct lines {
    const char *const *v;
    size_t n, i;
    int fail_at; /* return MIRS_E_IO at this index (-1: never) */
} lines;

static int next_line(void *userdata, const char **line, size_t *len)
{
    lines *l = userdata;
    if ((int)l->i == l->fail_at) return MIRS_E_IO;
    if (l->i >= l->n) return MIRS_DONE;
    *line = l->v[l->i++];
    *len = strlen(*line);
    return MIRS_OK;
}

static size_t progress_calls, progress_last_done;
static size_t progress_last_failed;
static void on_progress(void *userdata, size_t done, size_t total, size_t failed, size_t in_flight)
{
    (void)userdata, (void)total, (void)in_flight;
    progress_last_failed = failed;
    progress_calls++;
    progress_last_done = done;
}

static const char *const two[] = {
    "{\"custom_id\":\"a/1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\","
    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
    "{\"key\":\"a/2\",\"body\":{\"model\":\"m\",\"prompt\":\"x\"}}",
};

int main(void)
{
    mirs_client_options d = MIRS_CLIENT_OPTIONS_INIT, o;
    CHECK_OK(mirs_client_options_init(&o, sizeof o));
    CHECK(memcmp(&d, &o, sizeof o) == 0);
    CHECK_EQ_INT(o.concurrency, 1);
    CHECK_EQ_INT(o.timeout_ms, 149000);
    CHECK_EQ_INT(o.max_retries, 8);
    CHECK_EQ_INT(o.blank_retries, 10);
    CHECK_EQ_INT(o.backoff_base_ms, 5000);
    CHECK_EQ_INT(o.backoff_cap_ms, 120000);
    CHECK(o.backoff_jitter == 0.2);
    CHECK_EQ_INT(o.tls_verify, 1);
    CHECK_EQ_INT(o.rpm, 0);
    CHECK_EQ_INT(o.tpm, 0);
    CHECK_STATUS(mirs_client_options_init(NULL, sizeof o), MIRS_E_INVALID_ARGUMENT);

    char dir[] = "/tmp/mirs-client-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char out[256];
    snprintf(out, sizeof out, "%s/out.jsonl", dir);
    lines src = {two, 2, 0, -1};
    mirs_client_summary s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;

    o.endpoint = "http://127.0.0.1:1/v1";
    o.max_retries = 2;
    o.backoff_base_ms = 1;
    o.backoff_cap_ms = 4;
    o.concurrency = 2;
    o.progress = on_progress;

    if (!mirs_client_available()) {
        CHECK_STATUS(mirs_client_run(next_line, &src, out, &o, &s), MIRS_E_UNSUPPORTED);
        CHECK_STATUS(mirs_client_run_file(out, out, &o, &s), MIRS_E_UNSUPPORTED);
        return test_summary("client (without libcurl)");
    }

    /* argument checks */
    CHECK_STATUS(mirs_client_run(NULL, &src, out, &o, &s), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_client_run(next_line, &src, out, NULL, &s), MIRS_E_INVALID_ARGUMENT);
    mirs_client_options bad = o;
    bad.endpoint = "ftp://127.0.0.1/";
    CHECK_STATUS(mirs_client_run(next_line, &src, out, &bad, &s), MIRS_E_INVALID_ARGUMENT);
    bad = o;
    bad.backoff_jitter = 1.5;
    CHECK_STATUS(mirs_client_run(next_line, &src, out, &bad, &s), MIRS_E_INVALID_ARGUMENT);
    bad = o;
    bad.reserved = 1;
    CHECK_STATUS(mirs_client_run(next_line, &src, out, &bad, &s), MIRS_E_INVALID_ARGUMENT);
    bad = o;
    bad.api = 9;
    CHECK_STATUS(mirs_client_run(next_line, &src, out, &bad, &s), MIRS_E_INVALID_ARGUMENT);
    CHECK(access(out, F_OK) != 0); /* nothing was created by refused calls */

    /* a refused connection: retried max_retries times, then a failed record per item */
    progress_calls = 0;
    CHECK_OK(mirs_client_run(next_line, &src, out, &o, &s));
    CHECK_EQ_INT(s.requests, 2);
    CHECK_EQ_INT(s.failed, 2);
    CHECK_EQ_INT(s.ok, 0);
    CHECK_EQ_INT(s.attempts, 6);
    CHECK_EQ_INT(s.retries, 4);
    CHECK(progress_calls >= 3);
    CHECK_EQ_INT(progress_last_done, 2);
    CHECK_EQ_INT(progress_last_failed, 2);
    mirs_responses *r = NULL;
    CHECK_OK(mirs_responses_open(out, NULL, &r));
    CHECK_EQ_INT(mirs_responses_count(r), 2);
    for (size_t i = 0; i < mirs_responses_count(r); i++) {
        const mirs_response *x = mirs_responses_get(r, i);
        CHECK_EQ_INT(x->status, MIRS_RESPONSE_FAILED);
        CHECK(strstr(x->error, "gave up after 3 attempts") != NULL);
    }
    mirs_responses_free(r);

    /* a line that is an error record is written without a request */
    static const char *const err_line[] = {"{\"custom_id\":\"e/1\",\"error\":\"image 0: missing\"}"};
    lines es = {err_line, 1, 0, -1};
    CHECK_OK(mirs_client_run(next_line, &es, out, &o, &s));
    CHECK_EQ_INT(s.attempts, 0);
    CHECK_EQ_INT(s.failed, 1);

    /* duplicates, schema errors and a source error stop the run with their status */
    const char *const dup[] = {two[0], two[0]};
    lines ds = {dup, 2, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &ds, out, &o, &s), MIRS_E_DUPLICATE);
    static const char *const nokey[] = {"{\"body\":{}}"};
    lines nk = {nokey, 1, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &nk, out, &o, &s), MIRS_E_SCHEMA);
    static const char *const notjson[] = {"{\"key\":"};
    lines nj = {notjson, 1, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &nj, out, &o, &s), MIRS_E_JSON);
    lines fe = {two, 2, 0, 1};
    CHECK_STATUS(mirs_client_run(next_line, &fe, out, &o, &s), MIRS_E_IO);

    /* the cancel flag */
    volatile int32_t cancel = 1;
    mirs_client_options c = o;
    c.cancel = &cancel;
    lines cs = {two, 2, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &cs, out, &c, &s), MIRS_E_STATE);
    CHECK_EQ_INT(s.cancelled, 1);

    /* the key variable must be set; its name (never a value) is in the message */
    mirs_client_options k = o;
    k.api_key_env = "MIRS_TEST_CLIENT_UNSET_VARIABLE_42";
    unsetenv(k.api_key_env);
    lines ks = {two, 2, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &ks, out, &k, &s), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "MIRS_TEST_CLIENT_UNSET_VARIABLE_42") != NULL);

    /* another writer holds the file */
    int fd = open(out, O_RDWR);
    CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
    lines ls = {two, 2, 0, -1};
    CHECK_STATUS(mirs_client_run(next_line, &ls, out, &o, &s), MIRS_E_STATE);
    close(fd);

    /* a request file that does not exist */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.jsonl", dir);
    CHECK_STATUS(mirs_client_run_file(missing, out, &o, &s), MIRS_E_NOT_FOUND);

    unlink(out);
    rmdir(dir);
    return test_summary("client");
}
