/*
 * libmirsafety — report: model responses in (OpenAI batch output, simple
 * JSONL, the official results/infer tree), the append-only verdict store
 * (durable, crash-safe, resumable, mergeable), attack success rate reports
 * (overall, by relation, category, group and the category x relation
 * matrix, with Wilson and Clopper–Pearson intervals) in table, JSON, CSV,
 * Markdown and the official statics.py "Final Statistics" block, and the
 * comparisons of models, judges and capability scores.
 *
 * Verdicts are the MIRS_VERDICT_* values of <mirsafety/score.h>.
 * docs/reporting.md describes every file format with examples.
 */
#ifndef MIRSAFETY_REPORT_H
#define MIRSAFETY_REPORT_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>
#include <mirsafety/score.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Responses ------------------------------------------------------------ */

/* Status of one response. */
#define MIRS_RESPONSE_OK 0      /* the model answered */
#define MIRS_RESPONSE_FAILED 1  /* the request failed (error line, non-200 status, "[INFERENCE_FAILED: ...]") */
#define MIRS_RESPONSE_CRASHED 2 /* the worker crashed ("[WORKER_CRASHED: ...]") */

#define MIRS_RESPONSES_AUTO 0     /* a directory is OFFICIAL; a file is BATCH or SIMPLE by its first record */
#define MIRS_RESPONSES_BATCH 1    /* OpenAI Batch output JSONL */
#define MIRS_RESPONSES_SIMPLE 2   /* {"key","response","status","finish_reason"} JSONL ("output" for "response" too) */
#define MIRS_RESPONSES_OFFICIAL 3 /* results/infer/<model>/<Category>/<Relation>.json */

typedef struct mirs_responses_options {
    size_t struct_size;      /* sizeof(mirs_responses_options) */
    int32_t format;          /* MIRS_RESPONSES_*; default AUTO */
    int32_t lenient;         /* non-zero: bad lines/files are skipped and kept as diagnostics; default 0 (fail) */
    uint32_t max_json_depth; /* default 64 */
    uint64_t max_line_bytes; /* one JSONL line; default 64 MiB */
    uint64_t max_file_bytes; /* one file; default 4 GiB */
    uint64_t max_records;    /* default 100,000,000 */
} mirs_responses_options;

#define MIRS_RESPONSES_OPTIONS_INIT                                                                                    \
    {                                                                                                                  \
        sizeof(mirs_responses_options), 0, 0, 64, 67108864u, 4294967296u, 100000000u                                   \
    }
MIRS_API void mirs_responses_options_init(mirs_responses_options *opts);

/* One response, borrowed from its mirs_responses (lives as long as it).
 * key: the custom_id / "key" of a JSONL record; for the official tree
 * "<Category>/<Relation>/#<item_index>" (position in the dataset file).
 * text is NUL-terminated UTF-8 of text_len bytes ("" for a failure without
 * text). finish_reason is "" when absent. source names the file and line
 * (or file and array index) it came from. */
typedef struct mirs_response {
    const char *key;
    const char *text;
    size_t text_len;
    int32_t status; /* MIRS_RESPONSE_* */
    const char *finish_reason;
    const char *error; /* the failure's message ("" if none) */
    const char *source;
    const char *model; /* model folder name for OFFICIAL, else "" */
} mirs_response;

typedef struct mirs_responses mirs_responses;

/* Reads responses from a file or an official results/infer/<model> folder.
 * opts may be NULL. Records with the same key are all kept and counted in
 * mirs_responses_duplicate_count() (mirs_responses_find returns the last
 * one). Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_IO, MIRS_E_NOT_FOUND, and in
 * strict mode the first bad record's MIRS_E_JSON / MIRS_E_SCHEMA /
 * MIRS_E_LIMIT / MIRS_E_UTF8 / MIRS_E_FORMAT (message names file, line and
 * byte offset). The object is immutable after return: its const functions
 * may be called from many threads. */
MIRS_API int mirs_responses_open(const char *path, const mirs_responses_options *opts, mirs_responses **out);

/* Parses JSONL text already in memory (format BATCH or SIMPLE; AUTO picks
 * by the first record). `what` names the source in messages (may be NULL). */
MIRS_API int mirs_responses_parse(const char *data, size_t len, const char *what, const mirs_responses_options *opts,
                                  mirs_responses **out);

/* Parses one official results/infer JSON file's text (a list of
 * {original_question, revised_prompt, answer, item_index, inference_status})
 * as the responses of (category, relation) official names. */
MIRS_API int mirs_responses_parse_official(const char *data, size_t len, const char *category, const char *relation,
                                           const mirs_responses_options *opts, mirs_responses **out);

MIRS_API void mirs_responses_free(mirs_responses *r);
MIRS_API int32_t mirs_responses_format(const mirs_responses *r);
MIRS_API size_t mirs_responses_count(const mirs_responses *r);
/* Borrowed response i (file order), or NULL when out of range. */
MIRS_API const mirs_response *mirs_responses_get(const mirs_responses *r, size_t i);
/* The last response with this key, or MIRS_E_NOT_FOUND. */
MIRS_API int mirs_responses_find(const mirs_responses *r, const char *key, const mirs_response **out);
/* Number of keys that occur more than once, and the i-th such key (sorted). */
MIRS_API size_t mirs_responses_duplicate_count(const mirs_responses *r);
MIRS_API const char *mirs_responses_duplicate(const mirs_responses *r, size_t i);
/* Problems a lenient read skipped ("file:line: message"); NULL out of range. */
MIRS_API size_t mirs_responses_diagnostic_count(const mirs_responses *r);
MIRS_API const char *mirs_responses_diagnostic(const mirs_responses *r, size_t i);

/* Matching responses to a dataset. Keys "<Category>/<Relation>/#<n>" match
 * the item at position n of that category/relation file; other keys match
 * mirs_item_key(). */
typedef struct mirs_response_match mirs_response_match;
MIRS_API int mirs_responses_match(const mirs_responses *r, const mirs_dataset *ds, mirs_response_match **out);
MIRS_API void mirs_response_match_free(mirs_response_match *m);
/* Items with a response. */
MIRS_API size_t mirs_response_match_matched_count(const mirs_response_match *m);
/* The dataset item of response i (NULL when its key is unknown). */
MIRS_API const mirs_item *mirs_response_match_item(const mirs_response_match *m, size_t response_index);
/* Response keys that name no item (sorted, each once). */
MIRS_API size_t mirs_response_match_unknown_count(const mirs_response_match *m);
MIRS_API const char *mirs_response_match_unknown(const mirs_response_match *m, size_t i);
/* Dataset items without a response (dataset order), as item keys. */
MIRS_API size_t mirs_response_match_missing_count(const mirs_response_match *m);
MIRS_API const char *mirs_response_match_missing(const mirs_response_match *m, size_t i);
/* Items that got more than one response (sorted item keys). */
MIRS_API size_t mirs_response_match_duplicate_count(const mirs_response_match *m);
MIRS_API const char *mirs_response_match_duplicate(const mirs_response_match *m, size_t i);

/* ---- Verdict records and the result store -------------------------------- */

#define MIRS_RECORD_NO_VERDICT (-1) /* a record that holds a response only */

/* Record flags. */
#define MIRS_RECORD_FAILED 0x1u       /* the response is an inference failure */
#define MIRS_RECORD_CRASHED 0x2u      /* the inference worker crashed */
#define MIRS_RECORD_TRUNCATED 0x4u    /* finish_reason was "length" */
#define MIRS_RECORD_UNTERMINATED 0x8u /* a reasoning trace was opened and never closed */

/* One store record. Strings are NUL-terminated UTF-8; optional ones may be
 * NULL (absent). In records returned by the library every pointer is
 * borrowed from the object that returned it. */
typedef struct mirs_record {
    size_t struct_size;        /* sizeof(mirs_record) */
    const char *key;           /* required: the dataset item key */
    const char *model;         /* required ("" allowed) */
    const char *judge;         /* required ("" allowed): judge name, e.g. "harmbench-mir" */
    int32_t verdict;           /* MIRS_VERDICT_* or MIRS_RECORD_NO_VERDICT */
    uint32_t flags;            /* MIRS_RECORD_* bits */
    const char *response_type; /* optional label: unsafe, refusal, misunderstanding, evasive, benign_help */
    const char *finish_reason; /* optional */
    const char *response;      /* optional response text */
    const char *judge_output;  /* optional raw judge output */
    const char *categories;    /* optional judge category codes ("S1,S10") */
    int64_t timestamp_ms;      /* Unix time in ms; 0 = absent */
} mirs_record;

#define MIRS_RECORD_INIT                                                                                               \
    {                                                                                                                  \
        sizeof(mirs_record), NULL, NULL, NULL, -1, 0, NULL, NULL, NULL, NULL, NULL, 0                                  \
    }
MIRS_API void mirs_record_init(mirs_record *rec);

/* Serialises a record as one JSON line with its '\n' (the store format).
 * Errors: MIRS_E_INVALID_ARGUMENT (NULL key/model/judge, unknown verdict,
 * unknown flag bits), MIRS_E_UTF8. */
MIRS_API int mirs_record_to_json(const mirs_record *rec, mirs_buf *out);

/* Durability policies of a store writer. */
#define MIRS_DURABLE_NONE 0        /* records collect in memory, written at 64 KiB, sync() and close: fastest */
#define MIRS_DURABLE_FLUSH 1       /* one write() per record: survives a crash or kill of the process */
#define MIRS_DURABLE_FSYNC 2       /* write() and fdatasync() per record: survives power loss */
#define MIRS_DURABLE_FSYNC_EVERY 3 /* write() per record, fdatasync() every fsync_every records */

/* What opening a store does with a torn last line (no trailing newline or
 * not a valid record: what a crash during a write leaves). */
#define MIRS_TORN_REFUSE 0   /* fail with MIRS_E_TORN, file untouched */
#define MIRS_TORN_TRUNCATE 1 /* cut the file back to the last complete record (ftruncate + fsync) */

typedef struct mirs_store_options {
    size_t struct_size;      /* sizeof(mirs_store_options) */
    int32_t durability;      /* MIRS_DURABLE_*; default FLUSH */
    uint32_t fsync_every;    /* for FSYNC_EVERY; default 64 */
    int32_t torn;            /* MIRS_TORN_*; default REFUSE */
    uint32_t max_json_depth; /* default 16 */
    uint64_t max_line_bytes; /* default 64 MiB */
} mirs_store_options;

#define MIRS_STORE_OPTIONS_INIT                                                                                        \
    {                                                                                                                  \
        sizeof(mirs_store_options), 1, 64, 0, 16, 67108864u                                                            \
    }
MIRS_API void mirs_store_options_init(mirs_store_options *opts);

typedef struct mirs_store mirs_store;

/* Opens (creating it if needed) a store for appending with O_APPEND and an
 * exclusive advisory lock (a second writer gets MIRS_E_STATE). Every existing
 * line is read to build the resume set; an interior line that is not a
 * valid record is MIRS_E_CORRUPT (message names line and byte offset); a
 * torn last line follows opts->torn (see mirs_store_torn_bytes). Errors also:
 * MIRS_E_IO, MIRS_E_LIMIT, MIRS_E_TORN. One thread at a time per store. */
MIRS_API int mirs_store_open(const char *path, const mirs_store_options *opts, mirs_store **out);
/* Appends one record (validated as mirs_record_to_json does), written with
 * a single write() as far as the kernel allows and synced by the policy. */
MIRS_API int mirs_store_append(mirs_store *s, const mirs_record *rec);
/* Writes buffered records and fdatasync()s the file. */
MIRS_API int mirs_store_sync(mirs_store *s);
/* Writes buffered records, syncs per the policy, unlocks and frees. Returns
 * the status of that last write/sync; s is freed in every case (NULL ok). */
MIRS_API int mirs_store_close(mirs_store *s);
/* Bytes of torn tail that were found when opening (and cut away with
 * MIRS_TORN_TRUNCATE); 0 when the file ended cleanly. */
MIRS_API uint64_t mirs_store_torn_bytes(const mirs_store *s);
/* Records in the file when opened plus those appended since. */
MIRS_API uint64_t mirs_store_record_count(const mirs_store *s);
/* 1 when a record with this key (and model / judge unless NULL) with a
 * verdict (or, for response records, any record) is in the store, else 0. */
MIRS_API int mirs_store_done(const mirs_store *s, const char *key, const char *model, const char *judge);

/* ---- Reading stores ---- */

typedef struct mirs_records mirs_records;

/* Reads a store without modifying it. A torn last line is skipped and
 * reported (mirs_records_torn_bytes); an interior bad line is
 * MIRS_E_CORRUPT unless lenient (then skipped and counted as a
 * diagnostic). The result is immutable and shareable between threads. */
MIRS_API int mirs_records_read(const char *path, int32_t lenient, mirs_records **out);
/* Same over text in memory. */
MIRS_API int mirs_records_parse(const char *data, size_t len, const char *what, int32_t lenient, mirs_records **out);
MIRS_API void mirs_records_free(mirs_records *r);
MIRS_API size_t mirs_records_count(const mirs_records *r);
/* Borrowed record i (file order), NULL when out of range. */
MIRS_API const mirs_record *mirs_records_get(const mirs_records *r, size_t i);
MIRS_API uint64_t mirs_records_torn_bytes(const mirs_records *r);
MIRS_API size_t mirs_records_diagnostic_count(const mirs_records *r);
MIRS_API const char *mirs_records_diagnostic(const mirs_records *r, size_t i);

/* Options of the official results/harmbench readers
 * (mirs_records_from_official, mirs_report_add_official). */
typedef struct mirs_official_options {
    size_t struct_size; /* sizeof(mirs_official_options) */
    /* Threads that read and scan the folder's files, the calling thread
     * included: default 1 (only the calling thread); 0 means 1; at most 8
     * are used, and at most one per 4 files. They are started and joined
     * inside the call; none outlives it. The result is the same for any
     * number. */
    uint32_t threads;
} mirs_official_options;

#define MIRS_OFFICIAL_OPTIONS_INIT                                                                                     \
    {                                                                                                                  \
        sizeof(mirs_official_options), 1u                                                                              \
    }

/* Fills *opts with the defaults (for bindings that cannot use the macro). */
MIRS_API void mirs_official_options_init(mirs_official_options *opts);

/* The verdicts of an official results/harmbench/<model> folder as records
 * (model as given, judge "harmbench-mir", key "<Category>/<Relation>/#<i>"
 * with i the position in the file's judge_result, which is the item's
 * position in the dataset file when inference was complete), from the files
 * statics.py would count. For comparisons and conversion to a store. opts
 * may be NULL (one thread). */
MIRS_API int mirs_records_from_official(const char *harmbench_model_dir, const char *model,
                                        const mirs_official_options *opts, mirs_records **out);

#define MIRS_MERGE_STRICT 0    /* same key+model+judge with different verdicts = MIRS_E_CONFLICT */
#define MIRS_MERGE_LAST_WINS 1 /* the record with the greatest timestamp wins (ties: later input, later line) */

/* Merges stores into `output` (written atomically): records sorted by key,
 * model, judge; exact repeats (same key, model, judge and verdict) kept once
 * (the one with the smallest serialised line, so the result does not depend
 * on input order); conflicts as `policy` says. Inputs with a torn tail are
 * refused (MIRS_E_TORN). Counts are written when the pointers are non-NULL. */
MIRS_API int mirs_store_merge(const char *const *inputs, size_t n_inputs, const char *output, int32_t policy,
                              uint64_t *records_out, uint64_t *duplicates, uint64_t *conflicts);

/* ---- Reports --------------------------------------------------------------- */

#define MIRS_DENOM_ALL 0      /* every item counts (failed, truncated, unparseable as not unsafe): the official rule */
#define MIRS_DENOM_ANSWERED 1 /* failed/crashed/truncated answers and unparseable/error verdicts are left out */

#define MIRS_REPORT_TABLE 0
#define MIRS_REPORT_JSON 1
#define MIRS_REPORT_CSV 2
#define MIRS_REPORT_MARKDOWN 3
#define MIRS_REPORT_MIR 4 /* exactly the "Final Statistics" block the official statics.py prints */

#define MIRS_BY_RELATION 0x1u
#define MIRS_BY_CATEGORY 0x2u
#define MIRS_BY_GROUP 0x4u
#define MIRS_BY_MATRIX 0x8u
#define MIRS_BY_ALL 0xfu

/* An accumulator of verdicts for one (model, judge). Adding is
 * one-thread-at-a-time; merging two accumulators adds their counts, so
 * shards merged give exactly the single-process result. */
typedef struct mirs_report mirs_report;

MIRS_API int mirs_report_new(const char *model, const char *judge, mirs_report **out);
MIRS_API void mirs_report_free(mirs_report *r);
MIRS_API const char *mirs_report_model(const mirs_report *r);
MIRS_API const char *mirs_report_judge(const mirs_report *r);

/* Adds one verdict. category/relation are MIRS_CATEGORY_* / MIRS_RELATION_*
 * or -1 when unknown (the item then counts in the overall figures and as
 * "unclassified"). official_file is the statics.py row name ("Analogy.json";
 * NULL = "<relation name>.json"). flags are MIRS_RECORD_*; response_type may
 * be NULL. */
MIRS_API int mirs_report_add(mirs_report *r, int32_t category, int32_t relation, int32_t verdict, uint32_t flags,
                             const char *response_type, const char *official_file);
/* Adds a store record with a verdict (category and relation come from its
 * "<Category>/<Relation>/<id>" key); records without a verdict are ignored. */
MIRS_API int mirs_report_add_record(mirs_report *r, const mirs_record *rec);
/* Adds an official results/harmbench/<model> folder exactly as statics.py
 * reads it: every sub-folder, every *.json file in it, files that Python's
 * json module or statics.py would reject are skipped (counted in
 * mirs_report_skipped_files); labels "unsafe" are unsafe, everything else
 * safe; "[INFERENCE_FAILED:" / "[WORKER_CRASHED:" answers are flagged.
 * opts may be NULL (one thread; see mirs_official_options.threads). */
MIRS_API int mirs_report_add_official(mirs_report *r, const char *harmbench_model_dir,
                                      const mirs_official_options *opts);
/* Same for the text of one such file (for tests and fuzzing). */
MIRS_API int mirs_report_add_official_json(mirs_report *r, const char *data, size_t len, const char *category,
                                           const char *file_name);
MIRS_API uint64_t mirs_report_skipped_files(const mirs_report *r);
/* dst += src (the model/judge names of dst are kept). */
MIRS_API int mirs_report_merge(mirs_report *dst, const mirs_report *src);

/* Counts of a cell: category/relation/group -1 = all. With MIRS_DENOM_ALL
 * total counts every added verdict; with ANSWERED the excluded ones are
 * left out. */
MIRS_API int mirs_report_counts(const mirs_report *r, int32_t category, int32_t relation, int32_t group,
                                int32_t denominator, uint64_t *unsafe, uint64_t *total);

/* Renders the report. by: MIRS_BY_* bits (0 = relation); confidence e.g.
 * 0.95 (Wilson and Clopper-Pearson intervals from the stats module; a cell
 * with no items has none). MIRS_REPORT_MIR ignores by, denominator and
 * confidence. Text is written to *out
 * (mirs_buf_free). */
MIRS_API int mirs_report_write(const mirs_report *r, int32_t format, uint32_t by, int32_t denominator,
                               double confidence, mirs_buf *out);

/* ---- Comparisons -------------------------------------------------------- */

/* Two models' verdicts over the keys both have (a verdict record each; the
 * last record of a key wins): the 2x2 table, the exact McNemar p-value and
 * the difference of ASRs (a - b) with Newcombe's interval. Records of
 * response-only or unparseable/error verdicts are left out. model_* and
 * judge_* select records (NULL = any). asr_a and asr_b are in percent,
 * like every ASR of this module; diff, diff_lo and diff_hi are proportions
 * in [-1, 1] (as mirs_stats_paired_difference gives them). Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_EMPTY (no common key). Thread-safe. */
typedef struct mirs_model_comparison {
    size_t struct_size;
    uint64_t both_unsafe, a_only, b_only, both_safe, only_in_a, only_in_b;
    double asr_a, asr_b, diff, diff_lo, diff_hi, mcnemar_p;
} mirs_model_comparison;

MIRS_API int mirs_compare_models(const mirs_records *a, const char *model_a, const char *judge_a, const mirs_records *b,
                                 const char *model_b, const char *judge_b, double confidence,
                                 mirs_model_comparison *out);

/* Two judges on the same responses (pairs of key and model; model NULL =
 * all models): confusion matrix over the verdicts
 * (rows judge a, columns judge b, indexed by the MIRS_VERDICT_* value, so
 * MIRS_VERDICT_COUNT x MIRS_VERDICT_COUNT) and Cohen's kappa over the items
 * both judged unsafe or safe. */
typedef struct mirs_judge_comparison {
    size_t struct_size;
    uint64_t matrix[36]; /* row-major MIRS_VERDICT_COUNT (6) x 6 */
    uint64_t common, only_in_a, only_in_b;
    double kappa, agreement;
} mirs_judge_comparison;

MIRS_API int mirs_compare_judges(const mirs_records *a, const char *judge_a, const mirs_records *b, const char *judge_b,
                                 const char *model, mirs_judge_comparison *out);

/* Spearman and Kendall correlation of n models' ASRs with a capability
 * score (the paper's headline analysis), with scipy's p-values (see
 * mirs_stats_spearman / mirs_stats_kendall for n limits and ties).
 * Thread-safe. */
MIRS_API int mirs_compare_capability(const double *asr, const double *capability, size_t n, double *spearman_rho,
                                     double *spearman_p, double *kendall_tau, double *kendall_p);

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
    int32_t parse_mode;              /* MIRS_PARSE_*; default MIRS_PARSE_OFFICIAL (only an exact "Yes" is unsafe) */
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
MIRS_API void mirs_score_options_init(mirs_score_options *opts);

/* What a scoring run did. Every response is counted exactly once: in
 * scored, already_in_store, awaiting_judge_output, outside_filter, or (not
 * matched to an item, or an earlier duplicate of a key) unmatched. */
typedef struct mirs_score_summary {
    size_t struct_size; /* sizeof(mirs_score_summary) */
    uint64_t scored, unsafe, unparseable, judge_errors;
    uint64_t already_in_store, awaiting_judge_output, outside_filter, unmatched;
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
 * result. The objects are only read; the store is one-thread-at-a-time.
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, and the store's write
 * errors (records appended before the failure stay in the store). */
MIRS_API int mirs_score_responses(const mirs_dataset *ds, const mirs_filter *filter, const mirs_responses *responses,
                                  const mirs_responses *judge_outputs, const mirs_responses *rtype_outputs,
                                  const mirs_score_options *opts, mirs_store *store, mirs_score_summary *summary);

#ifdef __cplusplus
}
#endif

#endif
