/* A scoring run: responses + judge outputs -> verdict records in a store.
 * The CLI's `score` verb and the distributed driver both call this, so a
 * shard scored anywhere writes exactly the records one process would. */
#define _POSIX_C_SOURCE 200809L
#include "store/store_internal.h"
#include "util/util.h"

#include <mirsafety/scoring.h>
#include "util/versioned.h"

#include <mirsafety/mirsafety.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

MIRS_API int mirs_score_options_init(mirs_score_options *opts, size_t size)
{
    static const mirs_score_options d = MIRS_SCORE_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_score_options, opts, size, &d);
}

/* The set of item indices a filter keeps (NULL filter: all). */
static int filter_mask(const mirs_dataset *ds, const mirs_filter *filter, unsigned char **out)
{
    size_t n = mirs_dataset_count(ds);
    unsigned char *mask = mirs__calloc(n ? n : 1, 1);
    if (!mask) return MIRS_E_NO_MEMORY;
    mirs_filter f = MIRS_FILTER_INIT;
    int st = MIRS__STRUCT_IN(mirs_filter, filter, &f);
    if (st) {
        free(mask);
        return st;
    }
    f.shuffle = 0; /* order does not matter for a set */
    mirs_iter *it = NULL;
    st = mirs_iter_new(ds, &f, &it);
    if (st) {
        free(mask);
        return st;
    }
    const mirs_item *item;
    while (mirs_iter_next(it, &item) == MIRS_OK) mask[mirs_item_index(item)] = 1;
    mirs_iter_free(it);
    *out = mask;
    return MIRS_OK;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

MIRS_API int mirs_score_responses(const mirs_dataset *ds, const mirs_filter *filter, const mirs_responses *responses,
                                  const mirs_responses *judge_outputs, const mirs_responses *rtype_outputs,
                                  const mirs_score_options *in_opts, mirs_store *store, mirs_score_summary *summary)
{
    MIRS_CHECK_ARG(ds && responses && judge_outputs && in_opts && store,
                   "ds, responses, judge_outputs, opts and store must not be NULL");
    mirs_score_options o = MIRS_SCORE_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_score_options, in_opts, &o);
    if (rc) return rc;
    if (summary && (rc = MIRS__STRUCT_OUT_CHECK(mirs_score_summary, summary))) return rc;
    const mirs_score_options *opts = &o;
    if (!opts->model)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "mirs_score_responses: opts->model is NULL (the model name is required)");
    const char *judge_name = mirs_judge_name(opts->judge);
    if (!judge_name)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_score_responses: unknown judge %d", (int)opts->judge);
    mirs_score_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.struct_size = sizeof sum;
    unsigned char *mask = NULL;
    mirs_response_match *m = NULL;
    int st = filter_mask(ds, filter, &mask);
    if (!st) st = mirs_responses_match(responses, ds, &m);
    size_t n = st ? 0 : mirs_responses_count(responses);
    /* Progress every `step` responses: at most ~1000 calls, whatever n. */
    size_t step = n / 1000 + (n % 1000 != 0);
    for (size_t i = 0; i < n; i++) {
        if (opts->progress && i && i % step == 0) opts->progress(opts->progress_userdata, i, n);
        const mirs_response *x = mirs_responses_get(responses, i);
        const mirs_item *it = mirs_response_match_item(m, i);
        if (!it || !mirs_responses_latest(responses, i)) {
            sum.unmatched++;
            continue;
        }
        if (!mask[mirs_item_index(it)]) {
            sum.outside_filter++;
            continue;
        }
        const char *key = mirs_item_key(it);
        int done = mirs_store_done(store, key, opts->model, judge_name);
        if (done < 0) {
            st = done;
            break;
        }
        if (done == 1) {
            sum.already_in_store++;
            continue;
        }
        const mirs_response *out = NULL;
        if (mirs_responses_find(judge_outputs, key, &out) != MIRS_OK) {
            sum.awaiting_judge_output++;
            continue;
        }
        mirs_record rec = MIRS_RECORD_INIT;
        mirs_buf cats = {0, 0};
        rec.key = key;
        rec.model = opts->model;
        rec.judge = judge_name;
        /* The official rule reads HF batch_decode text; a completions server's text of the same token keeps a
         * leading space that the official parse maps away (MIRS_PARSE_OFFICIAL_SERVER). */
        int32_t pmode = opts->parse_mode;
        if (pmode == MIRS_PARSE_OFFICIAL && out->origin == MIRS_RESPONSE_ORIGIN_COMPLETIONS)
            pmode = MIRS_PARSE_OFFICIAL_SERVER;
        if (out->status != MIRS_RESPONSE_OK)
            rec.verdict = MIRS_VERDICT_ERROR;
        else if ((st = mirs_judge_parse(opts->judge, pmode, out->text, out->text_len, &rec.verdict, &cats)))
            break;
        if (out->status == MIRS_RESPONSE_OK && pmode == MIRS_PARSE_OFFICIAL_SERVER) sum.server_outputs++;
        if (out->status == MIRS_RESPONSE_OK && pmode != MIRS_PARSE_LENIENT && opts->judge == MIRS_JUDGE_HARMBENCH_MIR &&
            mirs_judge_official_answer(out->text, out->text_len, pmode) < 0)
            sum.nonstandard_outputs++;
        if (cats.size) rec.categories = (const char *)cats.data;
        rec.judge_output = out->status == MIRS_RESPONSE_OK ? out->text : out->error;
        rec.judge_output_len = out->status == MIRS_RESPONSE_OK ? out->text_len : 0; /* the text may hold U+0000 */
        if (x->status == MIRS_RESPONSE_FAILED) rec.flags |= MIRS_RECORD_FAILED;
        if (x->status == MIRS_RESPONSE_CRASHED) rec.flags |= MIRS_RECORD_CRASHED;
        if (strcmp(x->finish_reason, "length") == 0) rec.flags |= MIRS_RECORD_TRUNCATED;
        uint32_t sflags = 0;
        size_t a, b;
        if (mirs_strip_reasoning_span(x->text, x->text_len, opts->strip_mode, NULL, &a, &b, &sflags) == MIRS_OK &&
            (sflags & MIRS_STRIP_FLAG_UNTERMINATED))
            rec.flags |= MIRS_RECORD_UNTERMINATED;
        if (*x->finish_reason) rec.finish_reason = x->finish_reason;
        if (opts->keep_response) {
            rec.response = x->text;
            rec.response_len = x->text_len;
        }
        const mirs_response *rto = NULL;
        if (rtype_outputs && mirs_responses_find(rtype_outputs, key, &rto) == MIRS_OK) {
            int32_t rtype;
            if (rto->status != MIRS_RESPONSE_OK)
                rtype = MIRS_RTYPE_ERROR;
            else if (mirs_response_type_parse(rto->text, rto->text_len, &rtype) != MIRS_OK)
                rtype = MIRS_RTYPE_UNPARSEABLE;
            rec.response_type = mirs_response_type_name(rtype);
        }
        rec.timestamp_ms = opts->timestamp_ms ? opts->timestamp_ms : now_ms();
        st = mirs_store_append(store, &rec);
        mirs_buf_free(&cats);
        if (st) break;
        sum.scored++;
        sum.unsafe += rec.verdict == MIRS_VERDICT_UNSAFE;
        sum.judge_errors += rec.verdict == MIRS_VERDICT_ERROR;
        sum.unparseable += rec.verdict == MIRS_VERDICT_UNPARSEABLE;
    }
    /* Items still without any verdict: those a report over the dataset lists and counts as not unsafe (judge
     * errors are verdicts there, counted apart). */
    for (size_t i = 0, ni = mirs_dataset_count(ds); !st && i < ni; i++) {
        const mirs_item *it = mask[i] ? mirs_dataset_get(ds, i) : NULL;
        if (!it) continue;
        sum.without_verdict += !mirs__store_has_verdict(store, mirs_item_key(it), opts->model, judge_name);
    }
    mirs_response_match_free(m);
    free(mask);
    if (!st && opts->progress) opts->progress(opts->progress_userdata, n, n);
    if (!st && summary) mirs__struct_out(summary, &sum, sizeof sum);
    return st;
}
