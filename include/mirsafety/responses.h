/*
 * libmirsafety — responses: model responses in: OpenAI batch output, simple
 * JSONL and the official results/infer tree, and their matching to a dataset.
 * docs/reporting.md describes every format with examples. mirs_responses and
 * mirs_response_match are immutable once made (any number of threads may
 * read one).
 *
 * Conventions (as everywhere: docs/c-api.md): fallible functions return
 * MIRS_OK or a negative MIRS_E_* code with the message in mirs_error_last(),
 * and write their *out only on success. Objects returned through `T **out`
 * are owned by the caller and released with their _free function (which
 * accepts NULL). Strings and structs returned as `const T *` are borrowed
 * from the object that returned them and live until it is freed.
 */
#ifndef MIRSAFETY_RESPONSES_H
#define MIRSAFETY_RESPONSES_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Responses ------------------------------------------------------------ */

/* Status of one response. */
#define MIRS_RESPONSE_OK 0      /* the model answered */
#define MIRS_RESPONSE_FAILED 1  /* the request failed (error line, non-200 status, "[INFERENCE_FAILED: ...]") */
#define MIRS_RESPONSE_CRASHED 2 /* the worker crashed ("[WORKER_CRASHED: ...]") */

#define MIRS_RESPONSES_AUTO                                                                                            \
    0                             /* a directory is OFFICIAL; a file's lines are BATCH or SIMPLE each by its own form  \
                                     (a "custom_id" or not), and the handle's format is the first record's */
#define MIRS_RESPONSES_BATCH 1    /* OpenAI Batch output JSONL */
#define MIRS_RESPONSES_SIMPLE 2   /* {"key","response","status","finish_reason"} JSONL ("output" for "response" too) */
#define MIRS_RESPONSES_OFFICIAL 3 /* results/infer/<model>/<Category>/<Relation>.json */

typedef struct mirs_responses_options {
    size_t struct_size;      /* sizeof(mirs_responses_options) */
    int32_t format;          /* MIRS_RESPONSES_*; default AUTO */
    int32_t mode;            /* MIRS_READ_STRICT or _LENIENT (bad lines/files skipped as diagnostics); default STRICT */
    uint32_t max_json_depth; /* default 64 */
    uint64_t max_line_bytes; /* one JSONL line; default 64 MiB */
    uint64_t max_file_bytes; /* one file; default 4 GiB */
    uint64_t max_records;    /* default 100,000,000 */
} mirs_responses_options;

#define MIRS_RESPONSES_OPTIONS_INIT                                                                                    \
    {                                                                                                                  \
        sizeof(mirs_responses_options), 0, 0, 64, 67108864u, 4294967296u, 100000000u                                   \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_responses_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_responses_options_init(mirs_responses_options *opts, size_t size);

/* Where a response's text came from (mirs_response.origin). */
#define MIRS_RESPONSE_ORIGIN_GIVEN 0       /* simple JSONL or the official tree: the text as its writer stored it */
#define MIRS_RESPONSE_ORIGIN_COMPLETIONS 1 /* choices[0].text of an OpenAI-compatible /v1/completions body */
#define MIRS_RESPONSE_ORIGIN_CHAT 2        /* choices[0].message.content (or .refusal) of a chat completions body */

/* One response, borrowed from its mirs_responses (lives as long as it).
 * key: the custom_id / "key" of a JSONL record; for the official tree
 * "<Category>/<Relation>/#<item_index>" (position in the dataset file).
 * text is UTF-8 of text_len bytes followed by a NUL ("" for a failure
 * without text); it may itself hold U+0000 (a "\u0000" escape in the
 * JSON), so always use text_len. key and finish_reason are C strings: a
 * record whose key or finish_reason holds U+0000 is refused
 * (MIRS_E_UNSUPPORTED, or skipped as a diagnostic when lenient).
 * finish_reason is "" when absent. source names the file and line (or file
 * and array index) it came from. */
typedef struct mirs_response {
    const char *key;
    const char *text;
    size_t text_len;
    int32_t status; /* MIRS_RESPONSE_* */
    const char *finish_reason;
    const char *error; /* the failure's message ("" if none) */
    const char *source;
    const char *model; /* model folder name for OFFICIAL, else "" */
    int32_t origin;    /* MIRS_RESPONSE_ORIGIN_* */
} mirs_response;

typedef struct mirs_responses mirs_responses;

/* Reads responses from a file or an official results/infer/<model> folder.
 * opts may be NULL (defaults). Records with the same key are all kept and
 * counted in mirs_responses_duplicate_count() (mirs_responses_find returns
 * the last one). On success *out owns a new object (mirs_responses_free);
 * the text is copied, nothing stays borrowed. Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_IO, MIRS_E_NOT_FOUND,
 * and in strict mode the first bad record's MIRS_E_JSON / MIRS_E_SCHEMA /
 * MIRS_E_LIMIT / MIRS_E_UTF8 / MIRS_E_FORMAT (message names file, line and
 * byte offset). Thread-safe; the object is immutable after return: its
 * const functions may be called from many threads. */
MIRS_API int mirs_responses_open(const char *path, const mirs_responses_options *opts, mirs_responses **out);

/* Parses JSONL text already in memory (format BATCH or SIMPLE; AUTO picks
 * by the first record; OFFICIAL is MIRS_E_INVALID_ARGUMENT). `what` names
 * the source in messages (may be NULL). data is read during the call only
 * (copied); ownership, errors (no MIRS_E_IO / MIRS_E_NOT_FOUND) and
 * thread-safety as mirs_responses_open. */
MIRS_API int mirs_responses_parse(const char *data, size_t len, const char *what, const mirs_responses_options *opts,
                                  mirs_responses **out);

/* Parses one official results/infer JSON file's text (a list of
 * {original_question, revised_prompt, answer, item_index, inference_status})
 * as the responses of (category, relation) official names. Arguments are
 * read during the call only; ownership, errors and thread-safety as
 * mirs_responses_parse. */
MIRS_API int mirs_responses_parse_official(const char *data, size_t len, const char *category, const char *relation,
                                           const mirs_responses_options *opts, mirs_responses **out);

/* Frees r and everything borrowed from it (NULL is ignored). Not while
 * another thread uses r. */
MIRS_API void mirs_responses_free(mirs_responses *r);
/* The format that was read (MIRS_RESPONSES_BATCH, _SIMPLE or _OFFICIAL; -1
 * for NULL). Thread-safe. */
MIRS_API int32_t mirs_responses_format(const mirs_responses *r);
/* Number of responses (0 for NULL). Thread-safe. */
MIRS_API size_t mirs_responses_count(const mirs_responses *r);
/* Response i (file order), borrowed: lives as long as r. NULL when r is
 * NULL or i is out of range. Thread-safe. */
MIRS_API const mirs_response *mirs_responses_get(const mirs_responses *r, size_t i);
/* The last response with this key in *out (borrowed, lives as long as r).
 * MIRS_OK, MIRS_E_NOT_FOUND (no such key; *out untouched) or
 * MIRS_E_INVALID_ARGUMENT (NULL r, key or out). Thread-safe. */
MIRS_API int mirs_responses_find(const mirs_responses *r, const char *key, const mirs_response **out);
/* 1 when response i is the one that counts for its key (the last one with
 * that key, as mirs_responses_find returns it), else 0 (also out of range).
 * Judge requests and scoring use only these responses. Thread-safe. */
MIRS_API int mirs_responses_latest(const mirs_responses *r, size_t i);
/* Number of keys that occur more than once, and the i-th such key (sorted;
 * borrowed, lives as long as r; NULL out of range). Thread-safe. */
MIRS_API size_t mirs_responses_duplicate_count(const mirs_responses *r);
MIRS_API const char *mirs_responses_duplicate(const mirs_responses *r, size_t i);
/* Problems a lenient read skipped ("file:line: message"; borrowed, lives as
 * long as r; NULL out of range). Thread-safe. */
MIRS_API size_t mirs_responses_diagnostic_count(const mirs_responses *r);
MIRS_API const char *mirs_responses_diagnostic(const mirs_responses *r, size_t i);

/* Matching responses to a dataset. Keys "<Category>/<Relation>/#<n>" match
 * the item at position n of that category/relation file; other keys match
 * mirs_item_key(). On success *out owns a new immutable match
 * (mirs_response_match_free), which refers to both r and ds: they must
 * outlive it. Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY.
 * Thread-safe; the match may be read from many threads. */
typedef struct mirs_response_match mirs_response_match;
/* Matches r to ds as described above; *out owns the match. */
MIRS_API int mirs_responses_match(const mirs_responses *r, const mirs_dataset *ds, mirs_response_match **out);
/* Frees m (NULL is ignored). Not while another thread uses m. */
MIRS_API void mirs_response_match_free(mirs_response_match *m);
/* The accessors below never fail: 0 / NULL for a NULL m or an index out of
 * range. Strings and items are borrowed: keys live as long as m, items as
 * long as the dataset. Thread-safe. */
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

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_RESPONSE_OK, _FAILED, _CRASHED: "ok", "failed", "crashed". */
MIRS_API const char *mirs_response_status_name(int32_t value);
MIRS_API int mirs_response_status_from_name(const char *name, int32_t *out);
/* MIRS_RESPONSES_*: "auto", "batch", "simple", "official". */
MIRS_API const char *mirs_responses_format_name(int32_t value);
MIRS_API int mirs_responses_format_from_name(const char *name, int32_t *out);
/* MIRS_RESPONSE_ORIGIN_*: "given", "completions", "chat". */
MIRS_API const char *mirs_response_origin_name(int32_t value);
MIRS_API int mirs_response_origin_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
