/* mirs_score_responses' progress callback: done never decreases, a run ends
 * with done == total, large runs are reported at a bounded rate (not per
 * response), and a caller built against the header before the progress
 * fields (struct_size ending at timestamp_ms) is still accepted and gets no
 * calls. Uses the bundled sample dataset and demo responses. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mirsafety/mirsafety.h>

#include "../testutil.h"

typedef struct ticks {
    size_t calls, last_done, total, decreases, bad_total;
} ticks;

static void on_progress(void *ud, size_t done, size_t total)
{
    ticks *t = ud;
    if (t->calls && done < t->last_done) t->decreases++;
    if (t->calls && total != t->total) t->bad_total++;
    t->calls++;
    t->last_done = done;
    t->total = total;
}

/* The score options as they were before the progress fields. */
typedef struct score_options_v0 {
    size_t struct_size;
    const char *model;
    int32_t judge, parse_mode, strip_mode, keep_response;
    int64_t timestamp_ms;
} score_options_v0;

/* mirs_score_summary before without_verdict was appended. */
typedef struct score_summary_v0 {
    size_t struct_size;
    uint64_t scored, unsafe, unparseable, judge_errors;
    uint64_t already_in_store, awaiting_judge_output, outside_filter, unmatched;
} score_summary_v0;

static const char *sample, *demo, *tmpdir;

static int open_inputs(mirs_dataset **ds, mirs_responses **resp, mirs_responses **jo)
{
    char p[1024];
    int st = mirs_dataset_open(sample, NULL, ds);
    snprintf(p, sizeof p, "%s/responses/demo-balanced.jsonl", demo);
    if (!st) st = mirs_responses_open(p, NULL, resp);
    snprintf(p, sizeof p, "%s/judge/demo-balanced.jsonl", demo);
    if (!st) st = mirs_responses_open(p, NULL, jo);
    return st;
}

static mirs_store *fresh_store(const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    unlink(p);
    mirs_store *s = NULL;
    mirs_store_options so = MIRS_STORE_OPTIONS_INIT;
    so.durability = MIRS_DURABLE_NONE;
    if (mirs_store_open(p, &so, &s) != MIRS_OK) fprintf(stderr, "%s: %s\n", p, mirs_error_last());
    return s;
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    sample = argv[1], demo = argv[2], tmpdir = argv[3];
    mirs_dataset *ds = NULL;
    mirs_responses *resp = NULL, *jo = NULL;
    CHECK_OK(open_inputs(&ds, &resp, &jo));
    if (!ds || !resp || !jo) return test_summary("score-progress");
    size_t n = mirs_responses_count(resp);
    CHECK(n > 0 && n < 1000);

    /* A small run: every response is reported, the last call is (n, n). */
    mirs_store *store = fresh_store("progress-small.jsonl");
    ticks t = {0, 0, 0, 0, 0};
    mirs_score_options o = MIRS_SCORE_OPTIONS_INIT;
    CHECK(o.progress == NULL && o.progress_userdata == NULL);
    o.model = "demo-balanced";
    o.timestamp_ms = 1;
    o.progress = on_progress;
    o.progress_userdata = &t;
    mirs_score_summary sum = {sizeof sum, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_OK(mirs_score_responses(ds, NULL, resp, jo, NULL, &o, store, &sum));
    CHECK(sum.scored > 0);
    uint64_t scored = sum.scored;
    /* Every scored record is a distinct item with a verdict (a judge error too). */
    CHECK_EQ_INT(sum.without_verdict, mirs_dataset_count(ds) - sum.scored);
    CHECK_EQ_INT(t.calls, n);
    CHECK_EQ_INT(t.decreases, 0);
    CHECK_EQ_INT(t.bad_total, 0);
    CHECK_EQ_INT(t.last_done, n);
    CHECK_EQ_INT(t.total, n);
    /* Resumed (everything already in the store): still ends at (n, n). */
    memset(&t, 0, sizeof t);
    CHECK_OK(mirs_score_responses(ds, NULL, resp, jo, NULL, &o, store, &sum));
    CHECK_EQ_INT(sum.already_in_store, scored);
    CHECK_EQ_INT(t.last_done, n);
    CHECK_EQ_INT(t.decreases, 0);
    CHECK_OK(mirs_store_close(store));

    /* A large run (25,000 responses whose keys name no item): at most about
     * 1000 calls, done non-decreasing, the last one (total, total). */
    const size_t big = 25000;
    char *lines = malloc(big * 64);
    size_t len = 0;
    for (size_t i = 0; lines && i < big; i++)
        len += (size_t)snprintf(lines + len, 64, "{\"key\":\"nowhere/%zu\",\"response\":\"x\"}\n", i);
    mirs_responses *many = NULL, *none = NULL;
    CHECK_OK(mirs_responses_parse(lines, len, "many", NULL, &many));
    CHECK_OK(mirs_responses_parse("", 0, "none", NULL, &none));
    free(lines);
    store = fresh_store("progress-big.jsonl");
    memset(&t, 0, sizeof t);
    CHECK_OK(mirs_score_responses(ds, NULL, many, jo, NULL, &o, store, &sum));
    CHECK_EQ_INT(sum.unmatched, big);
    CHECK(t.calls >= 100 && t.calls <= 1001);
    CHECK_EQ_INT(t.decreases, 0);
    CHECK_EQ_INT(t.bad_total, 0);
    CHECK_EQ_INT(t.last_done, big);
    CHECK_EQ_INT(t.total, big);
    /* No responses at all: one call, (0, 0). */
    memset(&t, 0, sizeof t);
    t.last_done = 99;
    CHECK_OK(mirs_score_responses(ds, NULL, none, jo, NULL, &o, store, &sum));
    CHECK_EQ_INT(t.calls, 1);
    CHECK_EQ_INT(t.last_done, 0);
    CHECK_EQ_INT(t.total, 0);
    CHECK_OK(mirs_store_close(store));

    /* A caller built against the older header: its struct ends at
     * timestamp_ms, allocated to exactly that size (so a read past it is
     * caught by AddressSanitizer). Accepted, and no progress call. */
    CHECK_EQ_INT(sizeof(score_options_v0), offsetof(mirs_score_options, progress));
    score_options_v0 *old = malloc(sizeof *old);
    CHECK(old != NULL);
    if (old) {
        mirs_score_options d = MIRS_SCORE_OPTIONS_INIT;
        old->struct_size = sizeof *old;
        old->model = "demo-balanced";
        old->judge = d.judge;
        old->parse_mode = d.parse_mode;
        old->strip_mode = d.strip_mode;
        old->keep_response = 0;
        old->timestamp_ms = 1;
        store = fresh_store("progress-old.jsonl");
        /* ... with an old summary too, allocated to exactly its size: it gets what fits. */
        CHECK_EQ_INT(sizeof(score_summary_v0), offsetof(mirs_score_summary, without_verdict));
        score_summary_v0 *s2 = calloc(1, sizeof *s2);
        CHECK(s2 != NULL);
        if (s2) {
            s2->struct_size = sizeof *s2;
            CHECK_OK(mirs_score_responses(ds, NULL, resp, jo, NULL, (const mirs_score_options *)(void *)old, store,
                                          (mirs_score_summary *)(void *)s2));
            CHECK_EQ_INT(s2->scored, scored);
            CHECK_EQ_INT(s2->struct_size, sizeof *s2);
        }
        CHECK_OK(mirs_store_close(store));
        /* A summary of the size before the output counts: filled up to its end, its struct_size kept. */
        mirs_score_summary s3;
        memset(&s3, 0xAB, sizeof s3);
        s3.struct_size = offsetof(mirs_score_summary, server_outputs);
        store = fresh_store("progress-old-summary.jsonl");
        CHECK_OK(mirs_score_responses(ds, NULL, resp, jo, NULL, (const mirs_score_options *)(void *)old, store, &s3));
        CHECK_EQ_INT(s3.scored, scored);
        CHECK_EQ_INT(s3.struct_size, offsetof(mirs_score_summary, server_outputs));
        CHECK(s3.server_outputs == 0xABABABABABABABABull && s3.nonstandard_outputs == 0xABABABABABABABABull);
        CHECK_OK(mirs_store_close(store));
        s3.struct_size = offsetof(mirs_score_summary, unmatched);
        store = fresh_store("progress-short-summary.jsonl");
        CHECK_STATUS(
            mirs_score_responses(ds, NULL, resp, jo, NULL, (const mirs_score_options *)(void *)old, store, &s3),
            MIRS_E_INVALID_ARGUMENT);
        CHECK_OK(mirs_store_close(store));
        /* Smaller than the oldest layout: refused. */
        old->struct_size = offsetof(mirs_score_options, timestamp_ms);
        store = fresh_store("progress-short.jsonl");
        CHECK_STATUS(
            mirs_score_responses(ds, NULL, resp, jo, NULL, (const mirs_score_options *)(void *)old, store, &sum),
            MIRS_E_INVALID_ARGUMENT);
        CHECK_OK(mirs_store_close(store));
        free(old);
        free(s2);
    }
    mirs_responses_free(many);
    mirs_responses_free(none);
    mirs_responses_free(resp);
    mirs_responses_free(jo);
    mirs_dataset_free(ds);
    return test_summary("score-progress");
}
