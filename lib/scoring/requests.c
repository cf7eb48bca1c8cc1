/* Judge requests: the batch-input lines a judge is run on, one per item that
 * has a response (the tool's judge-prompts and the served-model runner's
 * judge step write them through here). */
#include "util/util.h"
#include "util/versioned.h"

#include <mirsafety/scoring.h>

#include <stdlib.h>
#include <string.h>

MIRS_API int mirs_judge_requests_options_init(mirs_judge_requests_options *opts, size_t size)
{
    static const mirs_judge_requests_options d = MIRS_JUDGE_REQUESTS_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_judge_requests_options, opts, size, &d);
}

/* The prompt of one response: its answer stripped, then the judge's or the rubric's prompt, by length. */
static int build_prompt(const mirs_judge_requests_options *o, const mirs_item *it, const mirs_response *x,
                        mirs_buf *prompt)
{
    mirs_buf ans = {0};
    mirs_strip_options so = MIRS_STRIP_OPTIONS_INIT;
    so.finish_reason = x->finish_reason;
    const char *q = mirs_item_original_question(it);
    int st = mirs_strip_reasoning(x->text, x->text_len, o->strip_mode, &so, &ans, NULL);
    if (st) return st;
    if (o->rubric) {
        /* The rubric sees what the model saw: the images' descriptions, when the item has them. */
        size_t nd = mirs_item_description_count(it);
        const char *descs[8];
        if (nd > sizeof descs / sizeof *descs) nd = sizeof descs / sizeof *descs;
        for (size_t k = 0; k < nd; k++) descs[k] = mirs_item_description(it, k);
        st = mirs_response_type_prompt_len(q, strlen(q), nd ? descs : NULL, nd, (const char *)ans.data, ans.size,
                                           prompt);
    } else
        st = mirs_judge_prompt_len(o->judge, q, strlen(q), (const char *)ans.data, ans.size, NULL, 0, NULL, prompt);
    mirs_buf_free(&ans);
    return st;
}

MIRS_API int mirs_judge_requests_write(const mirs_responses *resp, const mirs_response_match *m,
                                       const mirs_judge_requests_options *opts, mirs_prompt_sink_fn sink,
                                       void *userdata, mirs_judge_requests_summary *summary)
{
    MIRS_CHECK_ARG(resp && m && sink, "resp, m and sink must not be NULL");
    mirs_judge_requests_options o = MIRS_JUDGE_REQUESTS_OPTIONS_INIT;
    int st = MIRS__STRUCT_IN(mirs_judge_requests_options, opts, &o);
    if (st) return st;
    if (summary && (st = MIRS__STRUCT_OUT_CHECK(mirs_judge_requests_summary, summary))) return st;
    if (!o.rubric) {
        MIRS_CHECK_ARG(mirs_judge_name(o.judge) != NULL, "opts->judge must be a MIRS_JUDGE_* value");
        if (o.judge == MIRS_JUDGE_HARMBENCH_CONTEXTUAL)
            return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                              "mirs_judge_requests_write: harmbench-contextual needs a context, which items do not "
                              "have");
    }
    MIRS_CHECK_ARG(mirs_strip_mode_name(o.strip_mode) != NULL, "opts->strip_mode must be a MIRS_STRIP_* value");
    const char *model = o.model ? o.model : o.rubric ? "response-type" : mirs_judge_name(o.judge);
    int max_tokens = o.rubric ? MIRS_RTYPE_MAX_TOKENS : (int)mirs_judge_max_new_tokens(o.judge);
    mirs_judge_requests_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.struct_size = sizeof sum;
    size_t n = mirs_responses_count(resp);
    size_t every = n / 1000 + 1;
    mirs__sb line;
    mirs__sb_init(&line);
    for (size_t i = 0; i < n && !st; i++) {
        if (o.progress && i % every == 0) o.progress(o.progress_userdata, i, n);
        const mirs_response *x = mirs_responses_get(resp, i);
        const mirs_item *it = mirs_response_match_item(m, i);
        if (!it) {
            sum.unmatched++;
            continue;
        }
        if (!mirs_responses_latest(resp, i)) {
            sum.superseded++;
            continue;
        }
        if (o.skip_failed && x->status != MIRS_RESPONSE_OK) {
            sum.skipped_failed++;
            continue;
        }
        mirs_buf prompt = {0};
        if ((st = build_prompt(&o, it, x, &prompt))) {
            if (st != MIRS_E_NO_MEMORY) mirs__error_prefix("%s: ", x->source ? x->source : mirs_item_key(it));
            break;
        }
        /* The line as cJSON_PrintUnformatted writes it, with the prompt written by length. */
        const char *key = mirs_item_key(it);
        mirs__sb_clear(&line);
        mirs__sb_puts(&line, "{\"custom_id\":");
        mirs__sb_json_string(&line, key, strlen(key));
        mirs__sb_printf(&line, ",\"method\":\"POST\",\"url\":\"%s\",\"body\":{\"model\":",
                        o.chat ? "/v1/chat/completions" : "/v1/completions");
        mirs__sb_json_string(&line, model, strlen(model));
        mirs__sb_puts(&line, o.chat ? ",\"messages\":[{\"role\":\"user\",\"content\":" : ",\"prompt\":");
        mirs__sb_json_string(&line, (const char *)prompt.data, prompt.size);
        mirs__sb_printf(&line, "%s,\"max_tokens\":%d,\"temperature\":0}}\n", o.chat ? "}]" : "", max_tokens);
        mirs_buf_free(&prompt);
        if (line.oom) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        if ((st = sink(userdata, line.data, line.len)) != MIRS_OK) break;
        sum.written++;
    }
    mirs__sb_free(&line);
    if (st < 0) return st;
    if (st > 0) { /* the sink stopped the run: what was written stands */
        if (summary) mirs__struct_out(summary, &sum, sizeof sum);
        return MIRS_OK;
    }
    if (o.progress) o.progress(o.progress_userdata, n, n);
    if (summary) mirs__struct_out(summary, &sum, sizeof sum);
    return MIRS_OK;
}
