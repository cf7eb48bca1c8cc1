/*
 * libmirsafety — store: verdict records and the append-only verdict store
 * (durable, crash-safe, resumable, mergeable), with the one counting rule
 * (the record that counts per key, model and judge). Verdicts are the
 * MIRS_VERDICT_* values of <mirsafety/score.h>. mirs_records are immutable
 * once made; a mirs_store is one-thread-at-a-time.
 *
 * Conventions (as everywhere: docs/c-api.md): fallible functions return
 * MIRS_OK or a negative MIRS_E_* code with the message in mirs_error_last(),
 * and write their *out only on success. Objects returned through `T **out`
 * are owned by the caller and released with their _free function (which
 * accepts NULL). Strings and structs returned as `const T *` are borrowed
 * from the object that returned them and live until it is freed.
 */
#ifndef MIRSAFETY_STORE_H
#define MIRSAFETY_STORE_H

#include <mirsafety/common.h>
#include <mirsafety/score.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Verdict records and the result store -------------------------------- */

#define MIRS_RECORD_NO_VERDICT (-1) /* a record that holds a response only */

/* Record flags. */
#define MIRS_RECORD_FAILED 0x1u       /* the response is an inference failure */
#define MIRS_RECORD_CRASHED 0x2u      /* the inference worker crashed */
#define MIRS_RECORD_TRUNCATED 0x4u    /* finish_reason was "length" */
#define MIRS_RECORD_UNTERMINATED 0x8u /* a reasoning trace was opened and never closed */

/* One store record. Strings are NUL-terminated UTF-8; optional ones may be
 * NULL (absent). response and judge_output may hold U+0000 (a model's or a
 * judge's text): their lengths are response_len and judge_output_len, where
 * 0 means strlen() (so callers that never set them keep working); records
 * the library returns always have them set. In records returned by the
 * library every pointer is borrowed from the object that returned it. */
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
    size_t response_len;       /* bytes of response (U+0000 included); 0 = strlen(response) */
    size_t judge_output_len;   /* bytes of judge_output (U+0000 included); 0 = strlen(judge_output) */
} mirs_record;

#define MIRS_RECORD_INIT                                                                                               \
    {                                                                                                                  \
        sizeof(mirs_record), NULL, NULL, NULL, -1, 0, NULL, NULL, NULL, NULL, NULL, 0, 0, 0                            \
    }
/* Writes the defaults into the first `size` bytes of *rec and sets its
 * struct_size to size (pass sizeof(mirs_record)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_record_init(mirs_record *rec, size_t size);

/* Serialises a record as one JSON line with its '\n' (the store format)
 * into *out (library-owned text, released with mirs_buf_free; written only
 * on success). rec is read during the call only. Errors:
 * MIRS_E_INVALID_ARGUMENT (NULL key/model/judge, unknown verdict, unknown
 * flag bits, a struct_size this library does not accept), MIRS_E_UTF8,
 * MIRS_E_NO_MEMORY. Thread-safe. */
MIRS_API int mirs_record_to_json(const mirs_record *rec, mirs_buf *out);

/* Durability policies of a store writer. */
#define MIRS_DURABLE_NONE 0        /* records collect in memory, written at 64 KiB, sync() and close: fastest */
#define MIRS_DURABLE_FLUSH 1       /* one write() per record: survives a crash or kill of the process */
#define MIRS_DURABLE_FSYNC 2       /* write() and fdatasync() per record: survives power loss */
#define MIRS_DURABLE_FSYNC_EVERY 3 /* write() per record, fdatasync() every fsync_every records */

/* What opening a store does with a torn last line (no trailing newline:
 * what a crash during a write leaves). A newline-terminated last line that
 * is not a valid record is not torn but MIRS_E_CORRUPT (line and byte named)
 * under either policy: TRUNCATE never cuts a complete line. */
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
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_store_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_store_options_init(mirs_store_options *opts, size_t size);

typedef struct mirs_store mirs_store;

/* Opens (creating it if needed) a store for appending with O_APPEND and an
 * exclusive advisory lock (a second writer gets MIRS_E_STATE). Every existing
 * line is read to build the resume set; an interior line that is not a
 * valid record is MIRS_E_CORRUPT (message names line and byte offset); a
 * torn last line follows opts->torn (see mirs_store_torn_bytes). opts may
 * be NULL (defaults). On success *out owns the store; mirs_store_close
 * writes, unlocks and frees it. Errors also: MIRS_E_INVALID_ARGUMENT,
 * MIRS_E_NO_MEMORY, MIRS_E_IO, MIRS_E_LIMIT, MIRS_E_TORN. One thread at a
 * time per store (every function below that takes it). */
MIRS_API int mirs_store_open(const char *path, const mirs_store_options *opts, mirs_store **out);
/* Appends one record (validated as mirs_record_to_json does; read during
 * the call only), written with a single write() as far as the kernel allows
 * and synced by the policy. Errors: those of mirs_record_to_json,
 * MIRS_E_LIMIT (longer than max_line_bytes), MIRS_E_IO (the record may be
 * partly written; reopening truncates or refuses the torn line). */
MIRS_API int mirs_store_append(mirs_store *s, const mirs_record *rec);
/* Writes buffered records and fdatasync()s the file. MIRS_OK,
 * MIRS_E_INVALID_ARGUMENT or MIRS_E_IO. */
MIRS_API int mirs_store_sync(mirs_store *s);
/* Writes buffered records, syncs per the policy, unlocks and frees. Returns
 * the status of that last write/sync; s is freed in every case (NULL ok). */
MIRS_API int mirs_store_close(mirs_store *s);
/* Bytes of torn tail that were found when opening (and cut away with
 * MIRS_TORN_TRUNCATE); 0 when the file ended cleanly or s is NULL. */
MIRS_API uint64_t mirs_store_torn_bytes(const mirs_store *s);
/* Records in the file when opened plus those appended since (0 for NULL). */
MIRS_API uint64_t mirs_store_record_count(const mirs_store *s);
/* 1 when a record with this key (and model / judge unless NULL) with a
 * verdict (or, for response records, any record) is in the store, 0 when
 * none is, MIRS_E_INVALID_ARGUMENT (negative) for a NULL store or key: test
 * `== 1`, not non-zero. Error verdicts do not count as done (they are
 * retried), and a later error never undoes a final verdict: the rule of
 * mirs_records_counted(). */
MIRS_API int mirs_store_done(const mirs_store *s, const char *key, const char *model, const char *judge);

/* ---- Reading stores ---- */

typedef struct mirs_records mirs_records;

typedef struct mirs_records_options {
    size_t struct_size; /* sizeof(mirs_records_options) */
    int32_t mode;       /* MIRS_READ_STRICT or _LENIENT (bad lines skipped as diagnostics); default STRICT */
    uint32_t reserved;  /* must be 0 (keeps the struct free of trailing padding) */
} mirs_records_options;

#define MIRS_RECORDS_OPTIONS_INIT                                                                                      \
    {                                                                                                                  \
        sizeof(mirs_records_options), MIRS_READ_STRICT, 0                                                              \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_records_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_records_options_init(mirs_records_options *opts, size_t size);

/* Reads a store without modifying it (no lock is taken). A torn last line
 * (no newline) is skipped and reported (mirs_records_torn_bytes); any other
 * bad line is MIRS_E_CORRUPT unless opts->mode is MIRS_READ_LENIENT (then
 * skipped and counted as a diagnostic); opts may be NULL (strict). On success *out owns the records
 * (mirs_records_free). Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_IO, MIRS_E_NOT_FOUND, MIRS_E_LIMIT
 * (file size), MIRS_E_CORRUPT; an unknown mode is MIRS_E_INVALID_ARGUMENT. Thread-safe; the result is immutable and
 * shareable between threads. */
MIRS_API int mirs_records_read(const char *path, const mirs_records_options *opts, mirs_records **out);
/* Same over text in memory (read during the call only; `what` names it in
 * messages, may be NULL). */
MIRS_API int mirs_records_parse(const char *data, size_t len, const char *what, const mirs_records_options *opts,
                                mirs_records **out);
/* Frees r and every record borrowed from it (NULL is ignored). Not while
 * another thread uses r. */
MIRS_API void mirs_records_free(mirs_records *r);
/* The accessors below never fail (0 / NULL for a NULL r or an index out
 * of range) and are thread-safe. Number of records. */
MIRS_API size_t mirs_records_count(const mirs_records *r);
/* Record i (file order), borrowed with all its strings: lives as long as r.
 * Its struct_size is this library's sizeof(mirs_record); read only the
 * fields your header declares. */
MIRS_API const mirs_record *mirs_records_get(const mirs_records *r, size_t i);
/* Bytes of a torn last line that was skipped (0 if none). */
MIRS_API uint64_t mirs_records_torn_bytes(const mirs_records *r);
/* Lines a lenient read skipped ("what:line: message"; borrowed, lives as
 * long as r). */
MIRS_API size_t mirs_records_diagnostic_count(const mirs_records *r);
MIRS_API const char *mirs_records_diagnostic(const mirs_records *r, size_t i);
/* 1 when record i is the verdict that counts for its (key, model, judge),
 * else 0 (also out of range). Exactly one record per (key, model, judge)
 * with a verdict counts: the latest (in file order) with a final verdict
 * (anything but MIRS_VERDICT_ERROR), or, when there is none, the latest
 * error; a later error never displaces a final verdict, and response-only
 * records never count. This is the one rule behind reports, comparisons,
 * resume (mirs_store_done) and merges, so that re-scoring, retries and
 * resumed runs give the figures of one fresh run (docs/reporting.md).
 * Thread-safe. */
MIRS_API int mirs_records_counted(const mirs_records *r, size_t i);

#define MIRS_MERGE_STRICT 0    /* inputs with different final verdicts for one key+model+judge = MIRS_E_CONFLICT */
#define MIRS_MERGE_LAST_WINS 1 /* then the greatest timestamp wins (ties: later input, later line) */

/* Merges stores into `output` (written atomically): one record per (key,
 * model, judge), sorted by key, model, judge. Each input contributes the
 * verdict that counts in it (mirs_records_counted: a retry supersedes the
 * error it retried); a final verdict supersedes errors from other inputs;
 * inputs whose final verdicts differ are a conflict, handled as `policy`
 * says (a response-only record beside a verdict is one too); among equal
 * verdicts the record with the smallest serialised line is kept, so the
 * result does not depend on input order. `duplicates` counts the records
 * left out without a conflict (repeats and superseded records). Inputs with
 * a torn tail are refused (MIRS_E_TORN). Counts are written when the
 * pointers are non-NULL (only on success). The inputs are only read; output
 * is written to a temporary file and renamed over. Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_IO, MIRS_E_CORRUPT,
 * MIRS_E_TORN, MIRS_E_CONFLICT (MIRS_MERGE_STRICT). Thread-safe (do not
 * write the same output from two threads). */
MIRS_API int mirs_store_merge(const char *const *inputs, size_t n_inputs, const char *output, int32_t policy,
                              uint64_t *records_out, uint64_t *duplicates, uint64_t *conflicts);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_DURABLE_*: "none", "flush", "fsync", "fsync-every". */
MIRS_API const char *mirs_durability_name(int32_t value);
MIRS_API int mirs_durability_from_name(const char *name, int32_t *out);
/* MIRS_TORN_* ("repair", the tool's flag, is TRUNCATE too): "refuse", "truncate". */
MIRS_API const char *mirs_torn_name(int32_t value);
MIRS_API int mirs_torn_from_name(const char *name, int32_t *out);
/* MIRS_MERGE_*: "strict", "last-wins". */
MIRS_API const char *mirs_merge_policy_name(int32_t value);
MIRS_API int mirs_merge_policy_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
