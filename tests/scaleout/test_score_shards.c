/* Scoring by shards: k/n shards scored into separate stores and merged give
 * exactly the single-process records and report; every response is counted
 * once; rerunning resumes. Uses the bundled sample and demo data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mirsafety/mirsafety.h>

#include "../testutil.h"

static const char *sample, *demo, *tmpdir;

static int score_into(const char *store_path, uint32_t k, uint32_t n, mirs_score_summary *sum)
{
    mirs_dataset *ds = NULL;
    mirs_responses *resp = NULL, *jo = NULL, *rt = NULL;
    mirs_store *store = NULL;
    char p[1024];
    int st = mirs_dataset_open(sample, NULL, &ds);
    snprintf(p, sizeof p, "%s/responses/demo-balanced.jsonl", demo);
    if (!st) st = mirs_responses_open(p, NULL, &resp);
    snprintf(p, sizeof p, "%s/judge/demo-balanced.jsonl", demo);
    if (!st) st = mirs_responses_open(p, NULL, &jo);
    snprintf(p, sizeof p, "%s/response-types/demo-balanced.jsonl", demo);
    if (!st) st = mirs_responses_open(p, NULL, &rt);
    if (!st) st = mirs_store_open(store_path, NULL, &store);
    mirs_filter f = MIRS_FILTER_INIT;
    f.shard_index = k;
    f.shard_count = n;
    mirs_score_options o = MIRS_SCORE_OPTIONS_INIT;
    o.model = "demo-balanced";
    o.timestamp_ms = 1700000000000; /* fixed: byte-identical stores */
    sum->struct_size = sizeof *sum;
    if (!st) st = mirs_score_responses(ds, &f, resp, jo, rt, &o, store, sum);
    if (store) {
        int st2 = mirs_store_close(store);
        if (!st) st = st2;
    }
    mirs_responses_free(resp);
    mirs_responses_free(jo);
    mirs_responses_free(rt);
    mirs_dataset_free(ds);
    if (st) fprintf(stderr, "score_into %s: %s\n", store_path, mirs_error_last());
    return st;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (b) b[n] = '\0';
    fclose(f);
    return b;
}

static void report_counts(const char *store_path, uint64_t out[2])
{
    mirs_records *r = NULL;
    mirs_report *rep = NULL;
    out[0] = out[1] = 0;
    if (mirs_records_read(store_path, NULL, &r) || mirs_report_new("demo-balanced", "harmbench-mir", &rep)) return;
    for (size_t i = 0; i < mirs_records_count(r); i++) mirs_report_add_record(rep, mirs_records_get(r, i));
    mirs_report_counts(rep, -1, -1, -1, MIRS_DENOM_ALL, &out[0], &out[1]);
    mirs_report_free(rep);
    mirs_records_free(r);
}

int main(int argc, char **argv)
{
    if (argc < 4) return 2;
    sample = argv[1], demo = argv[2], tmpdir = argv[3];
    char one[1024], merged[1024], parts[3][1024];
    snprintf(one, sizeof one, "%s/one.jsonl", tmpdir);
    snprintf(merged, sizeof merged, "%s/merged.jsonl", tmpdir);
    unlink(one);
    mirs_score_summary all, again, s[3];
    CHECK_OK(score_into(one, 0, 1, &all));
    CHECK(all.scored > 0);
    CHECK_EQ_INT(all.scored + all.unmatched + all.awaiting_judge_output, 81);
    /* Rerun: everything is already there. */
    CHECK_OK(score_into(one, 0, 1, &again));
    CHECK_EQ_INT(again.scored, 0);
    CHECK_EQ_INT(again.already_in_store, all.scored);

    uint64_t scored = 0, outside = 0;
    const char *inputs[3];
    for (uint32_t k = 0; k < 3; k++) {
        snprintf(parts[k], sizeof parts[k], "%s/part-%u-of-3.jsonl", tmpdir, k);
        unlink(parts[k]);
        CHECK_OK(score_into(parts[k], k, 3, &s[k]));
        scored += s[k].scored;
        outside += s[k].outside_filter;
        inputs[k] = parts[k];
    }
    CHECK_EQ_INT(scored, all.scored);
    CHECK_EQ_INT(outside, 2 * all.scored); /* each item is outside 2 of the 3 shards */
    /* Merge in two different orders: identical bytes, identical to one process. */
    const char *rev[3] = {parts[2], parts[0], parts[1]};
    char merged2[1024];
    snprintf(merged2, sizeof merged2, "%s/merged2.jsonl", tmpdir);
    uint64_t nrec = 0, dup = 0, conf = 0;
    CHECK_OK(mirs_store_merge(inputs, 3, merged, MIRS_MERGE_STRICT, &nrec, &dup, &conf));
    CHECK_OK(mirs_store_merge(rev, 3, merged2, MIRS_MERGE_STRICT, NULL, NULL, NULL));
    const char *single[1] = {one};
    char one_sorted[1024];
    snprintf(one_sorted, sizeof one_sorted, "%s/one-sorted.jsonl", tmpdir);
    CHECK_OK(mirs_store_merge(single, 1, one_sorted, MIRS_MERGE_STRICT, NULL, NULL, NULL));
    CHECK_EQ_INT(nrec, all.scored);
    CHECK_EQ_INT(dup + conf, 0);
    char *a = slurp(merged), *b = slurp(merged2), *c = slurp(one_sorted);
    CHECK(a && b && c && strcmp(a, b) == 0 && strcmp(a, c) == 0);
    free(a), free(b), free(c);
    uint64_t r1[2], r2[2];
    report_counts(one, r1);
    report_counts(merged, r2);
    CHECK(r1[1] > 0 && r1[0] == r2[0] && r1[1] == r2[1]);
    /* A shard merged twice (a redone shard's output kept by mistake) is not counted twice. */
    const char *twice[4] = {parts[0], parts[1], parts[2], parts[1]};
    CHECK_OK(mirs_store_merge(twice, 4, merged2, MIRS_MERGE_STRICT, &nrec, &dup, &conf));
    CHECK_EQ_INT(nrec, all.scored);
    CHECK_EQ_INT(dup, s[1].scored);
    return test_summary("score-shards");
}
