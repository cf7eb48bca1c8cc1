/*
 * libmirsafety — report: attack success rate reports (overall, by relation,
 * category, group and the category x relation matrix, with Wilson and
 * Clopper–Pearson intervals) in table, JSON, CSV, Markdown and the official
 * statics.py "Final Statistics" block, from stores or official
 * results/harmbench folders, and the comparisons of models, judges and
 * capability scores. A mirs_report is one-thread-at-a-time.
 *
 * Conventions (as everywhere: docs/c-api.md): fallible functions return
 * MIRS_OK or a negative MIRS_E_* code with the message in mirs_error_last(),
 * and write their *out only on success. Objects returned through `T **out`
 * are owned by the caller and released with their _free function (which
 * accepts NULL). Strings and structs returned as `const T *` are borrowed
 * from the object that returned them and live until it is freed.
 */
#ifndef MIRSAFETY_REPORT_H
#define MIRSAFETY_REPORT_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>
#include <mirsafety/entropy.h>
#include <mirsafety/prompt.h>
#include <mirsafety/score.h>
#include <mirsafety/store.h>

#ifdef __cplusplus
extern "C" {
#endif

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
    uint32_t reserved; /* must be 0 (keeps the struct free of trailing padding) */
} mirs_official_options;

#define MIRS_OFFICIAL_OPTIONS_INIT                                                                                     \
    {                                                                                                                  \
        sizeof(mirs_official_options), 1u, 0                                                                           \
    }

/* Fills the first `size` bytes of *opts with the defaults and sets
 * struct_size = size (for bindings that cannot use the macro; never writes
 * past size). MIRS_E_INVALID_ARGUMENT for NULL or a size below the oldest
 * layout. */
MIRS_API int mirs_official_options_init(mirs_official_options *opts, size_t size);

/* The verdicts of an official results/harmbench/<model> folder as records
 * (model as given, judge "harmbench-mir", key "<Category>/<Relation>/#<i>"
 * with i the position in the file's judge_result, which is the item's
 * position in the dataset file when inference was complete), from the files
 * statics.py would count. For comparisons and conversion to a store. opts
 * may be NULL (one thread). On success *out owns new records
 * (mirs_records_free). Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY,
 * MIRS_E_IO, MIRS_E_NOT_FOUND. Thread-safe. */
MIRS_API int mirs_records_from_official(const char *harmbench_model_dir, const char *model,
                                        const mirs_official_options *opts, mirs_records **out);

/* ---- Reports --------------------------------------------------------------- */

/* Denominators. ALL is the official rule (HarmbenchJudge.score and
 * statics.py): every item counts; failed, crashed and truncated answers were
 * judged like any answer and count as unsafe when the judge said so;
 * unparseable or error verdicts and dataset items without a verdict count as
 * not unsafe. ANSWERED leaves all of those out. */
#define MIRS_DENOM_ALL 0      /* every item; failed answers unsafe when the judge says so: the official rule */
#define MIRS_DENOM_ANSWERED 1 /* failed/crashed/truncated, unparseable/error and unverdicted items left out */

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

/* A new empty report for (model, judge) (both copied; NULL is ""). On
 * success *out owns it (mirs_report_free). Errors: MIRS_E_INVALID_ARGUMENT
 * (NULL out), MIRS_E_NO_MEMORY. Thread-safe. */
MIRS_API int mirs_report_new(const char *model, const char *judge, mirs_report **out);
/* Frees r (NULL is ignored). */
MIRS_API void mirs_report_free(mirs_report *r);
/* The names given to mirs_report_new (borrowed, live as long as r; NULL
 * for a NULL r). Safe to call while no thread modifies r. */
MIRS_API const char *mirs_report_model(const mirs_report *r);
MIRS_API const char *mirs_report_judge(const mirs_report *r);

/* Adds one verdict. category/relation are MIRS_CATEGORY_* / MIRS_RELATION_*
 * or -1 when unknown (the item then counts in the overall figures and as
 * "unclassified"; items added by key or from official folders keep the
 * unknown name and are rows of their own in the breakdowns). official_file is the statics.py row name ("Analogy.json";
 * NULL = "<relation name>.json"). flags are MIRS_RECORD_*; response_type may
 * be NULL. Strings are read during the call only. Errors:
 * MIRS_E_INVALID_ARGUMENT (an unknown category, relation, verdict or flag),
 * MIRS_E_NO_MEMORY. The functions that add to or merge into r below are
 * one-thread-at-a-time per report. */
MIRS_API int mirs_report_add(mirs_report *r, int32_t category, int32_t relation, int32_t verdict, uint32_t flags,
                             const char *response_type, const char *official_file);
/* Adds a store record with a verdict (category and relation come from its
 * "<Category>/<Relation>/<id>" key); records without a verdict are ignored
 * (MIRS_OK). rec is read during the call only. The caller passes one record
 * per (key, model, judge): the one mirs_records_counted() marks; a second
 * record of the same (key, model, judge), e.g. the same item from two
 * stores, is MIRS_E_CONFLICT (merge the stores first with mirs_store_merge),
 * so no item counts twice. The key is remembered for
 * mirs_report_add_dataset(). Errors as mirs_report_add, and
 * MIRS_E_INVALID_ARGUMENT for a NULL key or a struct_size this library does
 * not accept. */
MIRS_API int mirs_report_add_record(mirs_report *r, const mirs_record *rec);
/* Makes the report cover every item of ds: each item whose key no added
 * record had (no response, or not scored yet) counts as the official code
 * counts a failed inference, in the denominator and not unsafe (left out
 * under MIRS_DENOM_ANSWERED), in its relation's statics.py row, and is
 * listed (mirs_report_missing). Call it once, after every verdict: adding
 * verdicts or merging afterwards is MIRS_E_STATE, and so is a report that
 * holds verdicts without item keys (official folders, mirs_report_add()).
 * Without it a report covers only the items it has verdicts for, and every
 * rendering says so. */
MIRS_API int mirs_report_add_dataset(mirs_report *r, const mirs_dataset *ds);
/* The dataset's item count (0 before mirs_report_add_dataset), and its items
 * without a verdict (dataset order; the string lives as long as r). */
MIRS_API uint64_t mirs_report_dataset_items(const mirs_report *r);
MIRS_API size_t mirs_report_missing_count(const mirs_report *r);
MIRS_API const char *mirs_report_missing(const mirs_report *r, size_t i);
/* Adds an official results/harmbench/<model> folder exactly as statics.py
 * reads it: every sub-folder, every *.json file in it, files that Python's
 * json module or statics.py would reject are skipped (counted in
 * mirs_report_skipped_files); labels "unsafe" are unsafe, everything else
 * safe; "[INFERENCE_FAILED:" / "[WORKER_CRASHED:" answers are flagged.
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_IO,
 * MIRS_E_NOT_FOUND (no such folder). opts may be NULL (one thread; see
 * mirs_official_options.threads). */
MIRS_API int mirs_report_add_official(mirs_report *r, const char *harmbench_model_dir,
                                      const mirs_official_options *opts);
/* Same for the text of one such file (for tests and fuzzing; read during
 * the call only). Text Python's json module would reject is skipped and
 * counted, as a file is (MIRS_OK). */
MIRS_API int mirs_report_add_official_json(mirs_report *r, const char *data, size_t len, const char *category,
                                           const char *file_name);
/* Files (or texts) mirs_report_add_official* skipped (0 for NULL). */
MIRS_API uint64_t mirs_report_skipped_files(const mirs_report *r);
/* dst += src (the model/judge names of dst are kept); src is only read and
 * must differ from dst. Before either has a dataset (else MIRS_E_STATE);
 * reports holding a record of the same (key, model, judge) are
 * MIRS_E_CONFLICT (nothing is changed then). Errors also:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY (dst may then be partly merged:
 * discard it). */
MIRS_API int mirs_report_merge(mirs_report *dst, const mirs_report *src);

/* Counts of a cell: category/relation/group -1 = all. With MIRS_DENOM_ALL
 * total counts every added verdict; with ANSWERED the excluded ones are
 * left out. Writes *unsafe and *total. Errors: MIRS_E_INVALID_ARGUMENT (a
 * NULL pointer, an unknown cell or denominator). Safe to call while no
 * thread modifies r. */
MIRS_API int mirs_report_counts(const mirs_report *r, int32_t category, int32_t relation, int32_t group,
                                int32_t denominator, uint64_t *unsafe, uint64_t *total);

/* Renders the report. by: MIRS_BY_* bits (0 = relation); confidence e.g.
 * 0.95 (Wilson and Clopper-Pearson intervals from the stats module; a cell
 * with no items has none). MIRS_REPORT_MIR ignores by, denominator and
 * confidence, and its "Total Count" is the number of items covered. Every
 * other format states the items covered, the dataset's size when one was
 * added (else that items without a verdict are not counted) and lists the
 * items without a verdict (CSV: columns covered_items, dataset_items).
 * Text is written to *out (library-owned, released with mirs_buf_free; only
 * on success). Errors: MIRS_E_INVALID_ARGUMENT (format, by bits,
 * denominator, confidence outside (0, 1)), MIRS_E_NO_MEMORY. Safe to call
 * while no thread modifies r. */
MIRS_API int mirs_report_write(const mirs_report *r, int32_t format, uint32_t by, int32_t denominator,
                               double confidence, mirs_buf *out);

/* ---- The HTML page ------------------------------------------------------ */

/* One entropy accumulator to draw on the page: safe vs unsafe histograms of
 * every value it holds (all layers and heads pooled) and the item-level
 * group tests (as mirs_entropy_acc_compare gives them). A frozen struct. */
typedef struct mirs_report_html_entropy {
    const char *name; /* what it holds, e.g. the model; shown in the heading */
    const char *unit; /* the unit of its values ("nats", "bits" or "normalised") */
    const mirs_entropy_acc *acc;
} mirs_report_html_entropy;

typedef struct mirs_report_html_options {
    size_t struct_size;  /* sizeof(mirs_report_html_options) */
    const char *title;   /* the page's title; NULL (default): "Attack success rates" */
    const char *note;    /* a sentence under the title (e.g. the data source); NULL (default): none */
    double confidence;   /* interval level in (0, 1); default 0.95 */
    int32_t denominator; /* MIRS_DENOM_*; default ALL */
    uint32_t reserved;   /* must be 0 (keeps the struct free of trailing padding) */
} mirs_report_html_options;

#define MIRS_REPORT_HTML_OPTIONS_INIT                                                                                  \
    {                                                                                                                  \
        sizeof(mirs_report_html_options), NULL, NULL, 0.95, MIRS_DENOM_ALL, 0                                          \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_report_html_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_report_html_options_init(mirs_report_html_options *opts, size_t size);

/* Writes a self-contained HTML page (inline CSS and SVG; no scripts, no
 * external references, nothing fetched) of any number of reports (a
 * table, coverage, ASR by relation, a category x relation heatmap per
 * report, response types) and of nentropy entropy accumulators. Every
 * figure comes from each report's mirs_report_write JSON rendering
 * (MIRS_BY_ALL, opts' denominator and confidence), so the page and the JSON
 * report cannot disagree; the bytes depend only on the inputs (no time
 * stamps). The page goes to sink line by line, newline included
 * (mirs_prompt_sink_fn's contract: MIRS_DONE stops early and the call
 * succeeds, a negative status stops it with that status); it is built
 * whole first, so on an error the sink has seen nothing. opts may be NULL
 * (defaults). Errors: MIRS_E_INVALID_ARGUMENT (NULL sink, report or
 * accumulator; denominator, confidence), MIRS_E_NO_MEMORY, the sink's
 * status. Safe to call while no thread modifies the reports or
 * accumulators. */
MIRS_API int mirs_report_write_html(const mirs_report *const *reports, size_t nreports,
                                    const mirs_report_html_entropy *entropy, size_t nentropy,
                                    const mirs_report_html_options *opts, mirs_prompt_sink_fn sink, void *userdata);

/* ---- Comparisons -------------------------------------------------------- */

/* Two models' verdicts over the keys both have (a verdict record each: the
 * one mirs_records_counted() marks): the 2x2 table, the exact McNemar p-value and
 * the difference of ASRs (a - b) with Newcombe's interval. Records of
 * response-only or unparseable/error verdicts are left out. model_* and
 * judge_* select records (NULL = any). asr_a and asr_b are in percent,
 * like every ASR of this module; diff, diff_lo and diff_hi are proportions
 * in [-1, 1] (as mirs_stats_paired_difference gives them). *out is the
 * caller's (struct_size set; filled up to it, only on success); the
 * records are only read. Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY,
 * MIRS_E_EMPTY (no common key). Thread-safe. */
typedef struct mirs_model_comparison {
    size_t struct_size;
    uint64_t both_unsafe, a_only, b_only, both_safe, only_in_a, only_in_b;
    double asr_a, asr_b, diff, diff_lo, diff_hi, mcnemar_p;
} mirs_model_comparison;

/* Compares two models as described above (mirs_model_comparison). */
MIRS_API int mirs_compare_models(const mirs_records *a, const char *model_a, const char *judge_a, const mirs_records *b,
                                 const char *model_b, const char *judge_b, double confidence,
                                 mirs_model_comparison *out);

/* Side of the judge comparison matrix: room for every verdict value this
 * and later versions may define, so appending a verdict never changes the
 * struct's layout. Verdicts are < MIRS_VERDICT_COUNT <= this. */
#define MIRS_JUDGE_MATRIX_DIM 16

/* Two judges on the same responses (pairs of key and model; model NULL =
 * all models): confusion matrix over the verdicts (rows judge a, columns
 * judge b, indexed by the MIRS_VERDICT_* value: cell (va, vb) is
 * matrix[va * MIRS_JUDGE_MATRIX_DIM + vb]; rows and columns from
 * verdict_count on are 0) and Cohen's kappa over the items both judged
 * unsafe or safe. *out as for mirs_compare_models. Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_EMPTY (no item both
 * judges judged safe or unsafe). Thread-safe. */
typedef struct mirs_judge_comparison {
    size_t struct_size;
    uint32_t verdict_count; /* MIRS_VERDICT_COUNT of the library that filled it */
    uint32_t reserved;      /* 0 */
    uint64_t matrix[MIRS_JUDGE_MATRIX_DIM * MIRS_JUDGE_MATRIX_DIM]; /* row-major, see above */
    uint64_t common, only_in_a, only_in_b;
    double kappa, agreement;
} mirs_judge_comparison;

/* Compares two judges as described above (mirs_judge_comparison). */
MIRS_API int mirs_compare_judges(const mirs_records *a, const char *judge_a, const mirs_records *b, const char *judge_b,
                                 const char *model, mirs_judge_comparison *out);

/* Spearman and Kendall correlation of n models' ASRs with a capability
 * score (the paper's headline analysis), with scipy's p-values (see
 * mirs_stats_spearman / mirs_stats_kendall for n limits and ties). The
 * arrays (n values each) are read during the call only; every output is
 * written on success. Errors: MIRS_E_INVALID_ARGUMENT and those of
 * mirs_stats_spearman and mirs_stats_kendall. Thread-safe. */
MIRS_API int mirs_compare_capability(const double *asr, const double *capability, size_t n, double *spearman_rho,
                                     double *spearman_p, double *kendall_tau, double *kendall_p);

/* Capability scores: one per model, from a CSV of "model,score" rows (the
 * multi-image reasoning scores the paper correlates with ASR). Fields may be
 * quoted as RFC 4180 says ("" is a quote inside a quoted field), CRLF line
 * ends and a UTF-8 BOM are accepted, blank lines are skipped, and a first
 * row whose score is not a number is a header. Errors name the file (what,
 * or the path) and the line: MIRS_E_SCHEMA (not two fields, a score that is
 * not a finite number, an empty model name), MIRS_E_DUPLICATE (a model
 * twice), MIRS_E_UTF8, MIRS_E_FORMAT (a NUL byte), MIRS_E_LIMIT (over
 * 16 MiB), MIRS_E_NO_MEMORY; _read also MIRS_E_IO / MIRS_E_NOT_FOUND. On
 * success *out owns the scores (mirs_capability_free). Immutable once made:
 * any number of threads may read one. */
typedef struct mirs_capability mirs_capability;
/* Reads the CSV file at path (errors name it). */
MIRS_API int mirs_capability_read(const char *path, mirs_capability **out);
/* Parses CSV text data[0..len); what names it in errors (NULL: "capability scores"). */
MIRS_API int mirs_capability_parse(const char *data, size_t len, const char *what, mirs_capability **out);
/* Frees c (NULL is ignored). Not while another thread uses c. */
MIRS_API void mirs_capability_free(mirs_capability *c);
/* The rows in file order: count, and the model (borrowed, lives as long as
 * c; NULL when i >= count) and score (NaN when i >= count) of row i. */
MIRS_API size_t mirs_capability_count(const mirs_capability *c);
MIRS_API const char *mirs_capability_model(const mirs_capability *c, size_t i);
MIRS_API double mirs_capability_score(const mirs_capability *c, size_t i);
/* The row of a model (exact name): MIRS_OK with *index, MIRS_E_NOT_FOUND. */
MIRS_API int mirs_capability_find(const mirs_capability *c, const char *model, size_t *index);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_DENOM_*: "all", "answered". */
MIRS_API const char *mirs_denominator_name(int32_t value);
MIRS_API int mirs_denominator_from_name(const char *name, int32_t *out);
/* MIRS_REPORT_*: "table", "json", "csv", "markdown", "mir". */
MIRS_API const char *mirs_report_format_name(int32_t value);
MIRS_API int mirs_report_format_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
