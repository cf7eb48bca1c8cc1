/*
 * libmirsafety — scoring: the scoring pipeline: model responses and judge
 * outputs in, one verdict record per item appended to a store, resumable
 * (items whose verdict counts are skipped).
 *
 * Conventions (as everywhere: docs/c-api.md): fallible functions return
 * MIRS_OK or a negative MIRS_E_* code with the message in mirs_error_last(),
 * and write their *out only on success. Objects returned through `T **out`
 * are owned by the caller and released with their _free function (which
 * accepts NULL). Strings and structs returned as `const T *` are borrowed
 * from the object that returned them and live until it is freed.
 */
#ifndef MIRSAFETY_SCORING_H
#define MIRSAFETY_SCORING_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>
#include <mirsafety/score.h>
#include <mirsafety/responses.h>
#include <mirsafety/store.h>
#include <mirsafety/prompt.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Scoring a run ---------------------------------------------------------- */

/* Progress of mirs_score_responses(): (responses looked at, responses in
 * all). Called on the calling thread, at most about 1000 times per run
 * (every ceil(total / 1000) responses), with done never decreasing; a
 * successful run always ends with one call where done == total (also when
 * total is 0). Not called after an error. */
typedef void (*mirs_score_progress_fn)(void *userdata, size_t done, size_t total);

/* Options of mirs_score_responses(). A caller built against an older header
 * (struct_size ending at timestamp_ms) gets no progress calls. */
typedef struct mirs_score_options {
    size_t struct_size;              /* sizeof(mirs_score_options) */
    const char *model;               /* required: the model name written in every record */
    int32_t judge;                   /* MIRS_JUDGE_*; default MIRS_JUDGE_HARMBENCH_MIR */
    int32_t parse_mode;              /* MIRS_PARSE_*; default MIRS_PARSE_OFFICIAL (only an exact "Yes" is unsafe;
                                        outputs read from /v1/completions bodies, MIRS_RESPONSE_ORIGIN_COMPLETIONS,
                                        are parsed as MIRS_PARSE_OFFICIAL_SERVER) */
    int32_t strip_mode;              /* MIRS_STRIP_* used for the unterminated-reasoning flag; default MIRS_STRIP_MIR */
    int32_t keep_response;           /* non-zero: store the response text in each record */
    int64_t timestamp_ms;            /* written in every record; 0 = the current time of each record */
    mirs_score_progress_fn progress; /* called with the progress of the run; NULL (default) = none */
    void *progress_userdata;         /* passed to progress */
} mirs_score_options;

#define MIRS_SCORE_OPTIONS_INIT                                                                                        \
    {                                                                                                                  \
        sizeof(mirs_score_options), NULL, 0, 1, 0, 0, 0, NULL, NULL                                                    \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_score_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_score_options_init(mirs_score_options *opts, size_t size);

/* What a scoring run did. Every response is counted exactly once: in
 * scored, already_in_store, awaiting_judge_output, outside_filter, or (not
 * matched to an item, or an earlier duplicate of a key) unmatched.
 * without_verdict counts dataset items instead: those within the filter
 * that have no verdict at all in the store for (model, judge) after the run
 * (no response, or no judge output yet): the items a report over the
 * dataset lists and counts as not unsafe (judge errors are verdicts there,
 * counted apart, and retried by the next run). It was appended: a caller
 * whose struct_size ends before it does not get it.
 * server_outputs: scored judge outputs read as a server's completion text
 * (MIRS_PARSE_OFFICIAL_SERVER, given or chosen for completions outputs).
 * nonstandard_outputs: harmbench-mir outputs under an official parse mode
 * that are neither "Yes" nor "No" after that mapping
 * (mirs_judge_official_answer() < 0): the official rule counts them safe,
 * so a caller should warn with the count. A caller whose struct_size
 * ends before a field does not get it (the library writes only what fits). */
typedef struct mirs_score_summary {
    size_t struct_size; /* sizeof(mirs_score_summary) */
    uint64_t scored, unsafe, unparseable, judge_errors;
    uint64_t already_in_store, awaiting_judge_output, outside_filter, unmatched;
    uint64_t without_verdict;
    uint64_t server_outputs, nonstandard_outputs;
} mirs_score_summary;

/* Turns judge outputs into verdict records appended to `store`: for each
 * response matched to an item of ds that passes `filter` (NULL = all; only
 * its category, relation, group, key and shard fields matter), in response
 * order, the last response of a key wins; items the store already holds for
 * (model, judge) are skipped (resume). The judge output of the item's key is
 * parsed with opts->judge and opts->parse_mode (a failed judge call gives
 * MIRS_VERDICT_ERROR); flags record failed/crashed/truncated responses and
 * unterminated reasoning; rtype_outputs (may be NULL) give the response
 * type. This is what `mirsafety score` runs; shards with disjoint filters
 * write stores that mirs_store_merge() combines into the single-process
 * result. The objects, filter and opts are only read (during the call);
 * the store is one-thread-at-a-time; *summary (or NULL) is the caller's,
 * with struct_size set, filled up to it on success. Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, and the store's write errors
 * (records appended before the failure stay in the store). */
MIRS_API int mirs_score_responses(const mirs_dataset *ds, const mirs_filter *filter, const mirs_responses *responses,
                                  const mirs_responses *judge_outputs, const mirs_responses *rtype_outputs,
                                  const mirs_score_options *opts, mirs_store *store, mirs_score_summary *summary);

/* ---- Judge requests ----------------------------------------------------------- */

/* The largest answer the response-type rubric asks for (one label word). */
#define MIRS_RTYPE_MAX_TOKENS 16

/* Options of mirs_judge_requests_write(). */
typedef struct mirs_judge_requests_options {
    size_t struct_size;  /* sizeof(mirs_judge_requests_options) */
    int32_t judge;       /* MIRS_JUDGE_*; default MIRS_JUDGE_HARMBENCH_MIR (HARMBENCH_CONTEXTUAL is refused:
                            items have no context) */
    int32_t rubric;      /* non-zero: the response-type rubric's requests (mirs_response_type_prompt_len, with
                            the item's image descriptions; max_tokens MIRS_RTYPE_MAX_TOKENS) instead of the
                            judge's; default 0 */
    int32_t chat;        /* non-zero: /v1/chat/completions bodies (one user message); default 0:
                            /v1/completions bodies with "prompt", as the HarmBench classifiers are served */
    int32_t strip_mode;  /* MIRS_STRIP_* applied to each answer first; default MIRS_STRIP_MIR (the official
                            judge's extract_answer_only) */
    int32_t skip_failed; /* non-zero: failed and crashed responses get no request; default 0 (the official
                            code judges their "[INFERENCE_FAILED: ...]" text like any answer) */
    uint32_t reserved;   /* 0 */
    const char *model;   /* the body's "model"; NULL (default) = the judge's name ("response-type" for the
                            rubric) */
    mirs_score_progress_fn progress; /* (responses looked at, responses in all), as mirs_score_options */
    void *progress_userdata;
} mirs_judge_requests_options;

#define MIRS_JUDGE_REQUESTS_OPTIONS_INIT                                                                               \
    {                                                                                                                  \
        sizeof(mirs_judge_requests_options), MIRS_JUDGE_HARMBENCH_MIR, 0, 0, MIRS_STRIP_MIR, 0, 0u, NULL, NULL, NULL   \
    }

/* Writes the defaults into opts (size bytes; the struct rule of docs/c-api.md). */
MIRS_API int mirs_judge_requests_options_init(mirs_judge_requests_options *opts, size_t size);

/* What mirs_judge_requests_write() wrote. Set struct_size before the call. */
typedef struct mirs_judge_requests_summary {
    size_t struct_size;      /* sizeof(mirs_judge_requests_summary) */
    uint64_t written;        /* request lines */
    uint64_t skipped_failed; /* failed or crashed responses left out (skip_failed) */
    uint64_t unmatched;      /* responses whose key is not in the dataset (listed by m) */
    uint64_t superseded;     /* earlier responses of a key: only its last one is judged */
} mirs_judge_requests_summary;

/* Writes one judge request per item that has a response: the last response
 * of each key (mirs_responses_latest, the rule scoring and the official
 * resume follow), matched to its dataset item by m, its answer stripped,
 * the judge's prompt built by length (an answer with U+0000 reaches the
 * judge whole), as an OpenAI batch-input line
 * {"custom_id":KEY,"method":"POST","url":...,"body":{"model":...,
 * "prompt"|"messages":...,"max_tokens":N,"temperature":0}} with a trailing
 * newline, in response order, to sink (which may stop the run early by
 * returning a positive value, after which the call succeeds with the lines
 * written so far, or fail it with a negative status, which is returned). max_tokens is the judge's
 * (mirs_judge_max_new_tokens). opts may be NULL (defaults); summary may be
 * NULL. Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, the strip and
 * prompt errors (naming the response's source), the sink's status.
 * Thread-safe (resp, m and ds are only read). */
MIRS_API int mirs_judge_requests_write(const mirs_responses *resp, const mirs_response_match *m,
                                       const mirs_judge_requests_options *opts, mirs_prompt_sink_fn sink,
                                       void *userdata, mirs_judge_requests_summary *summary);

#ifdef __cplusplus
}
#endif

#endif
