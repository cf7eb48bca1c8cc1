/*
 * libmirsafety — client: runs request files against a served model (vLLM,
 * an OpenAI-compatible server, the OpenAI or Anthropic API) and appends
 * each outcome to a crash-safe, resumable responses file.
 *
 * Requests are JSONL lines, one per item: an OpenAI batch input line
 * {"custom_id", "method", "url", "body"} (what `mirsafety prompts --format
 * openai-batch` and `mirsafety judge-prompts` write), an Anthropic batch
 * line {"custom_id", "params"}, or {"key", "body"}. A line
 * {"custom_id"|"key", "error": "..."} without a body is recorded as a
 * failure without being sent (an item the prompt writer could not build).
 *
 * Outcomes go to the simple JSONL format that mirs_responses_open() reads
 * (docs/reporting.md): {"key","response","status":"ok","finish_reason",
 * "usage","latency_ms","attempts"} or {"key","response":null,
 * "status":"failed","error",...}; with MIRS_CLIENT_OUTPUT_JUDGE the text
 * is under "output" (the judge-outputs form `mirsafety score` reads). Each
 * record is one write(2) to a file opened with O_APPEND and an exclusive
 * lock, so a kill at any moment loses no completed record and leaves at
 * most one torn last line, which the next run cuts away (as a store opened
 * with MIRS_TORN_TRUNCATE). A run sends only the keys that have no "ok"
 * record in the file yet, so every key ends with at most one ok record.
 *
 * Transfers run through the libcurl multi interface on the calling thread:
 * the library starts no thread. libcurl is loaded by each run (dlopen of
 * libcurl.so.4), so a process that never runs the client never loads it.
 * Built without libcurl's header, or where libcurl.so.4 cannot be loaded,
 * every function but mirs_client_options_init() and
 * mirs_client_available() returns MIRS_E_UNSUPPORTED. docs/running.md has
 * the guide.
 *
 * The API key is read from the environment variable the caller names
 * (options.api_key_env), inside the call; it is sent in a request header
 * and never written to a file, an error message or a progress callback.
 */
#ifndef MIRSAFETY_CLIENT_H
#define MIRSAFETY_CLIENT_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The API spoken (mirs_client_options.api). */
#define MIRS_CLIENT_API_AUTO                                                                                           \
    0                                 /* per line: a "url" ending in "/completions" but not "/chat/completions" is     \
                                         COMPLETIONS, one ending in "/messages" or a "params" body is ANTHROPIC,       \
                                         anything else CHAT */
#define MIRS_CLIENT_API_OPENAI_CHAT 1 /* POST <endpoint>/chat/completions */
#define MIRS_CLIENT_API_OPENAI_COMPLETIONS 2 /* POST <endpoint>/completions */
#define MIRS_CLIENT_API_ANTHROPIC 3          /* POST <endpoint>/messages (x-api-key, anthropic-version 2023-06-01) */

/* The output records' text field (mirs_client_options.output). */
#define MIRS_CLIENT_OUTPUT_RESPONSES 0 /* "response": model answers, read by mirs_responses_open */
#define MIRS_CLIENT_OUTPUT_JUDGE 1     /* "output": judge outputs, read by `mirsafety score --judge-outputs` */

/* Durability of the output file (mirs_client_options.durability). */
#define MIRS_CLIENT_DURABLE_WRITE 0 /* one write(2) per record: survives a kill of the process (default) */
#define MIRS_CLIENT_DURABLE_FSYNC 1 /* write(2) and fdatasync(2) per record: survives power loss */

/* Called on the calling thread after each record is written, after each
 * line read that needs no request, and at least every 500 ms while
 * requests are in flight: done = items finished (a record written by this
 * run, or an ok record from before), total = request lines read so far
 * (the final count once the source has ended; a caller that knows the
 * count beforehand uses its own), failed = failed records written by this
 * run, in_flight = items being sent or waiting out a backoff. A rate is
 * done's growth over the caller's clock. */
typedef void (*mirs_client_progress_fn)(void *userdata, size_t done, size_t total, size_t failed, size_t in_flight);

/* Every default is the official adapter's value unless said otherwise. */
typedef struct mirs_client_options {
    size_t struct_size;      /* sizeof(mirs_client_options) */
    const char *endpoint;    /* base URL, e.g. "http://127.0.0.1:8000/v1" (required; http or https) */
    const char *model;       /* non-NULL: replaces the "model" of every request body; NULL keeps it */
    const char *api_key_env; /* NAME of the environment variable holding the API key; NULL = send no key */
    int32_t api;             /* MIRS_CLIENT_API_*; default AUTO */
    int32_t output;          /* MIRS_CLIENT_OUTPUT_*; default RESPONSES */
    uint32_t concurrency;    /* requests in flight (or waiting out a backoff) at once: default 1 (the caller
                                decides; 0 means 1) */
    uint32_t max_retries;    /* further attempts after a 429, 408, 5xx, timeout, connection error or
                                malformed body: default 8 */
    uint32_t blank_retries;  /* further attempts after a blank answer (empty or only white space): default 10 */
    int32_t tls_verify;      /* non-zero: verify the server's certificate and name: default 1 */
    int64_t timeout_ms;      /* whole-attempt timeout: default 149000 */
    int64_t backoff_base_ms; /* delay before retry n: min(cap, base * 2^(n-1)), times a uniform factor in
                                [1 - jitter, 1 + jitter]: default 5000 */
    int64_t backoff_cap_ms;  /* default 120000; also caps a server's Retry-After */
    double backoff_jitter;   /* 0 <= jitter < 1: default 0.2 */
    uint64_t rpm;            /* request starts per minute (attempts), 0 = no limit (default) */
    uint64_t tpm;            /* tokens per minute (usage.total_tokens of the answers), 0 = no limit (default) */
    uint64_t max_body_bytes; /* largest response body; a larger one aborts the transfer and fails the item
                                (not retried): default 16 MiB (this library's own limit) */
    int32_t durability;      /* MIRS_CLIENT_DURABLE_*; default WRITE */
    uint32_t reserved;       /* must be 0 */
    uint64_t seed;           /* seed of the backoff jitter; default 0 */
    mirs_client_progress_fn progress; /* may be NULL */
    void *progress_userdata;
    /* Non-NULL: the run polls *cancel (at least every 100 ms) and, once it
     * is non-zero, aborts the transfers in flight (their items get no
     * record and are sent again by the next run), finishes the record it
     * is writing and returns MIRS_E_STATE ("cancelled"). A signal handler
     * may set it. */
    const volatile int32_t *cancel;
} mirs_client_options;

#define MIRS_CLIENT_OPTIONS_INIT                                                                                       \
    {                                                                                                                  \
        sizeof(mirs_client_options), NULL, NULL, NULL, MIRS_CLIENT_API_AUTO, MIRS_CLIENT_OUTPUT_RESPONSES, 1u, 8u,     \
            10u, 1, 149000, 5000, 120000, 0.2, 0u, 0u, 16777216u, MIRS_CLIENT_DURABLE_WRITE, 0u, 0u, NULL, NULL, NULL  \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_client_options)); never writes past
 * size bytes. MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below
 * sizeof(size_t) or above 64 KiB). Works without libcurl too. */
MIRS_API int mirs_client_options_init(mirs_client_options *opts, size_t size);

/* What a run did (a result struct: set struct_size, zero the rest). */
typedef struct mirs_client_summary {
    size_t struct_size;         /* sizeof(mirs_client_summary) */
    uint64_t requests;          /* lines read from the source */
    uint64_t already_done;      /* of those, keys with an ok record from before (not sent) */
    uint64_t ok;                /* ok records written by this run */
    uint64_t failed;            /* failed records written by this run */
    uint64_t attempts;          /* HTTP attempts started (retries included) */
    uint64_t retries;           /* attempts after a retryable failure */
    uint64_t blank_retries;     /* attempts after a blank answer */
    uint64_t torn_bytes;        /* torn last line cut from the output file on open */
    uint64_t prompt_tokens;     /* usage of the ok answers of this run */
    uint64_t completion_tokens; /* likewise */
    int32_t cancelled;          /* 1 when *options.cancel stopped the run */
    uint32_t reserved;
} mirs_client_summary;

/* Hands the run its next request line: *line (len bytes, no newline
 * needed) stays valid until the next call. Return MIRS_OK with a line,
 * MIRS_DONE at the end, or a negative status to stop the run with it. Called
 * on the calling thread only when a slot is free, so a source that builds
 * its lines lazily keeps memory bounded by the concurrency. */
typedef int (*mirs_client_source_fn)(void *userdata, const char **line, size_t *len);

/* 1 when the client works here: the library was built with libcurl's
 * header and libcurl.so.4 can be loaded; else 0. Thread-safe. */
MIRS_API int mirs_client_available(void);

/* Sends every request of `source` whose key has no ok record in
 * output_path yet and appends one record per finished item (the file is
 * created when missing). Retries follow the options; an item that still
 * fails gets a failed record naming the last error (the next run retries
 * it). Keys must be unique within one run (a repeated key is
 * MIRS_E_DUPLICATE). opts may not be NULL (endpoint is required); summary
 * may be NULL. Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY, MIRS_E_IO
 * (the output; also MIRS_E_STATE when another run holds its lock),
 * MIRS_E_NOT_FOUND (the named key variable is not set, or the endpoint's
 * host name does not resolve: it is resolved once, on the calling thread,
 * and pinned, so that libcurl starts no resolver thread), MIRS_E_JSON /
 * MIRS_E_SCHEMA (a request line, named by number), MIRS_E_DUPLICATE,
 * MIRS_E_STATE (cancelled), MIRS_E_UNSUPPORTED (no libcurl), a status the
 * source returned. Records written before an error stay in the file. The
 * summary is filled on success and on failure. Thread-safe for different
 * output files (everything lives in the call). */
MIRS_API int mirs_client_run(mirs_client_source_fn source, void *userdata, const char *output_path,
                             const mirs_client_options *opts, mirs_client_summary *summary);

/* Same, with the request lines read from a JSONL file (blank lines
 * skipped; a line is at most 256 MiB). Errors also MIRS_E_IO,
 * MIRS_E_NOT_FOUND and MIRS_E_LIMIT for the requests file. */
MIRS_API int mirs_client_run_file(const char *requests_path, const char *output_path, const mirs_client_options *opts,
                                  mirs_client_summary *summary);

/* ---- Names of the constant groups ------------------------------------------ */

/* As in every header: mirs_<group>_name(value) gives the static canonical
 * name (NULL outside the group), mirs_<group>_from_name(name, &out) the
 * value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_E_NOT_FOUND
 * lists the choices). Thread-safe; they work without libcurl too. */
/* MIRS_CLIENT_API_* ("openai-chat" and "openai-completions" are accepted too): "auto", "chat", "completions",
 * "anthropic". */
MIRS_API const char *mirs_client_api_name(int32_t value);
MIRS_API int mirs_client_api_from_name(const char *name, int32_t *out);
/* MIRS_CLIENT_OUTPUT_*: "responses", "judge". */
MIRS_API const char *mirs_client_output_name(int32_t value);
MIRS_API int mirs_client_output_from_name(const char *name, int32_t *out);
/* MIRS_CLIENT_DURABLE_*: "write", "fsync". */
MIRS_API const char *mirs_client_durability_name(int32_t value);
MIRS_API int mirs_client_durability_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
