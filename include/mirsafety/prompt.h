/*
 * libmirsafety — prompt construction: how a benchmark item becomes exactly
 * what a model or an API receives.
 *
 *  - Chat formats render an item's images in stored order followed by its
 *    text (the official order) with an optional system prompt and optional
 *    per-image labels: Qwen2-VL / Qwen2.5-VL ChatML, LLaVA-1.5, InternVL2.5,
 *    GLM-4.1V and a plain form with a configurable image placeholder
 *    (docs/prompts.md gives each byte and where it comes from).
 *  - A small template language (mirs_template) so a new model family needs
 *    no code; every built-in chat format is expressible in it.
 *  - Request formats: OpenAI chat-completions bodies, Anthropic messages
 *    bodies and OpenAI Batch JSONL lines, with images embedded as base64.
 *  - Experiment variants: multi-image, text-only, captions, composite,
 *    shuffled.
 *  - Streaming generation over a whole dataset (filters, shards) to a
 *    callback or a file, in memory constant in the number of items.
 */
#ifndef MIRSAFETY_PROMPT_H
#define MIRSAFETY_PROMPT_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Formats and variants ------------------------------------------------ */

/* Text formats: the output is the model's prompt text. */
#define MIRS_PROMPT_FORMAT_QWEN2_VL 0  /* "qwen2-vl": Qwen2-VL / Qwen2.5-VL ChatML */
#define MIRS_PROMPT_FORMAT_LLAVA_1_5 1 /* "llava-1.5": llava-hf chat template */
#define MIRS_PROMPT_FORMAT_INTERNVL 2  /* "internvl": InternVL2.5 chat() with Image-N: lines */
#define MIRS_PROMPT_FORMAT_GLM4_1V 3   /* "glm-4.1v": GLM-4.1V-Thinking chat template */
#define MIRS_PROMPT_FORMAT_PLAIN 4     /* "plain": [system\n\n] placeholder\n per image, then the text */
#define MIRS_PROMPT_FORMAT_TEMPLATE 5  /* "template": a mirs_template given in the options */
/* Request formats: the output is one JSON request object. */
#define MIRS_PROMPT_FORMAT_OPENAI 6       /* "openai": chat-completions request body */
#define MIRS_PROMPT_FORMAT_ANTHROPIC 7    /* "anthropic": messages request body */
#define MIRS_PROMPT_FORMAT_OPENAI_BATCH 8 /* "openai-batch": a Batch API / vLLM run_batch input line */
#define MIRS_PROMPT_FORMAT_COUNT 9

#define MIRS_PROMPT_VARIANT_MULTI_IMAGE 0 /* "multi-image": the benchmark as designed */
#define MIRS_PROMPT_VARIANT_TEXT_ONLY 1   /* "text-only": the original question, no images */
#define MIRS_PROMPT_VARIANT_CAPTIONS 2    /* "captions": image descriptions as text instead of images */
#define MIRS_PROMPT_VARIANT_COMPOSITE 3   /* "composite": all images tiled into one */
#define MIRS_PROMPT_VARIANT_SHUFFLED 4    /* "shuffled": a seeded permutation of the image order */
#define MIRS_PROMPT_VARIANT_COUNT 5

/* Per-image labels ("Picture 1: " for Qwen, "Image-1: " for InternVL,
 * "Image 1: " elsewhere). AUTO is each format's own default: off for
 * Qwen2-VL (as the official MIR adapter sends), on for InternVL when there
 * are two or more images (as InternVL's multi-image chat does), off for the
 * others. */
#define MIRS_PROMPT_LABELS_AUTO 0
#define MIRS_PROMPT_LABELS_ON 1
#define MIRS_PROMPT_LABELS_OFF 2

/* How images travel in request formats. */
#define MIRS_PROMPT_IMAGE_ORIGINAL 0 /* the file's own bytes (media type from the bytes' magic) */
#define MIRS_PROMPT_IMAGE_PNG 1      /* decoded as PIL's convert("RGB") (every PNG mode) and re-encoded as PNG */
#define MIRS_PROMPT_IMAGE_JPEG 2     /* decoded and re-encoded as JPEG (jpeg_quality) */

/* Official run profiles: the sampling and vision settings the official
 * MIR-SafetyBench adapters fix in code, written into OPENAI and
 * OPENAI_BATCH request bodies in the fields vLLM's OpenAI-compatible server
 * and run_batch accept (docs/prompts.md lists each field). */
#define MIRS_PROMPT_PROFILE_NONE 0             /* "none": only the options' own fields */
#define MIRS_PROMPT_PROFILE_QWEN2_5_VL 1       /* "qwen2.5-vl": models/qwen2_5_VL_3B.py */
#define MIRS_PROMPT_PROFILE_GLM4_1V_THINKING 2 /* "glm-4.1v-thinking": models/GLM-4.1V-9B-Thinking.py */
#define MIRS_PROMPT_PROFILE_COUNT 3

/* Static names ("qwen2-vl", "multi-image"); NULL when out of range. */
MIRS_API const char *mirs_prompt_format_name(int32_t format);
MIRS_API const char *mirs_prompt_variant_name(int32_t variant);
/* Lenient parsing (case, spaces, underscores, hyphens and dots ignored:
 * "Qwen2_VL", "qwen2.5-vl", "GLM4.1V", "TextOnly"). MIRS_OK and *out, or
 * MIRS_E_NOT_FOUND. Thread-safe. */
MIRS_API int mirs_prompt_format_from_name(const char *name, int32_t *out);
MIRS_API int mirs_prompt_variant_from_name(const char *name, int32_t *out);
/* 1 for the request formats (OPENAI, ANTHROPIC, OPENAI_BATCH), 0 for the
 * text formats, -1 when out of range. */
MIRS_API int32_t mirs_prompt_format_is_request(int32_t format);

/* ---- Templates ------------------------------------------------------------ */

/* A parsed template (syntax in docs/prompts.md). Immutable after parsing:
 * one template may be used from any number of threads at once. */
typedef struct mirs_template mirs_template;

/* Parses template text (UTF-8, at most 1 MiB). `name` is used in error
 * messages ("name:LINE:COL: reason"); NULL means "template". Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_UTF8, MIRS_E_LIMIT, MIRS_E_FORMAT (a
 * syntax error or an unknown variable; the message names line and column),
 * MIRS_E_NO_MEMORY. On success *out owns a new template. */
MIRS_API int mirs_template_parse(const char *text, size_t len, const char *name, mirs_template **out);
/* Reads and parses a template file (every byte counts, including a final
 * newline). Also MIRS_E_IO / MIRS_E_NOT_FOUND for the file. */
MIRS_API int mirs_template_load(const char *path, mirs_template **out);
MIRS_API void mirs_template_free(mirs_template *tmpl);

/* ---- Options ---------------------------------------------------------------- */

/* Called once per written item with (items done, items in all). May be
 * NULL. Runs on the calling thread. */
typedef void (*mirs_prompt_progress_fn)(void *userdata, size_t done, size_t total);

/* Receives each output line, newline included (line[len - 1] == '\n'); the
 * bytes are valid only during the call. Return MIRS_OK to go on, MIRS_DONE
 * to stop early (the write then returns MIRS_OK), or a negative status to
 * stop with that status. */
typedef int (*mirs_prompt_sink_fn)(void *userdata, const char *line, size_t len);

typedef struct mirs_prompt_options {
    size_t struct_size;            /* sizeof(mirs_prompt_options) */
    int32_t format;                /* MIRS_PROMPT_FORMAT_*; default QWEN2_VL */
    int32_t variant;               /* MIRS_PROMPT_VARIANT_*; default MULTI_IMAGE */
    int32_t labels;                /* MIRS_PROMPT_LABELS_*; default AUTO */
    const char *system;            /* system prompt; NULL = none given (the format's default applies) */
    const char *image_placeholder; /* PLAIN format's image marker; NULL = "<image>" */
    const mirs_template *tmpl;     /* the template of FORMAT_TEMPLATE (borrowed for the call) */
    uint64_t seed;                 /* SHUFFLED variant seed; default 0 */
    /* Request formats. */
    const char *model;        /* "model" field; required by the request formats */
    int64_t max_tokens;       /* > 0: sent as max_tokens; 0 = omitted (ANTHROPIC, which requires it: 4096) */
    double temperature;       /* >= 0: sent; < 0 (default -1) = omitted */
    const char *detail;       /* OPENAI image_url "detail" ("low", "high", "auto"); NULL = omitted */
    int32_t image_format;     /* MIRS_PROMPT_IMAGE_*; default ORIGINAL */
    int32_t jpeg_quality;     /* 1..100 for IMAGE_JPEG; default 90 */
    uint64_t max_pixels;      /* > 0: images with more pixels are downscaled to fit (aspect kept) and
                                 re-encoded (ORIGINAL keeps each image's own format); 0 = no limit */
    uint64_t max_image_bytes; /* limit on one image file; default 64 MiB */
    /* COMPOSITE variant with a text format: folder where the tiled images
     * are written as PNG (<key with '/' as '__'>.png); required there. */
    const char *composite_dir;
    /* Streaming. */
    mirs_prompt_progress_fn progress;
    void *progress_userdata;
    /* MIRS_PROMPT_PROFILE_*; default NONE. Only with OPENAI / OPENAI_BATCH
     * (MIRS_E_INVALID_ARGUMENT otherwise). A profile's max_tokens and
     * temperature apply where the options leave them unset (0 / < 0). */
    int32_t profile;
    /* Threads that decode one item's images where they are decoded (the
     * COMPOSITE variant; request formats with image_format PNG/JPEG or
     * max_pixels, which also re-encode them), the calling thread included:
     * default 1; 0 means 1. Started and joined inside each call
     * (mirs_image_batch_run()); the bytes do not depend on the number. */
    uint32_t threads;
    /* Items the official adapters count as failed inference (an image
     * missing or unreadable, an empty request: docs/prompts.md) reach this
     * sink as a response record, one JSON line {"key", "response":
     * "[INFERENCE_FAILED: ...]", "status": "failed", "error"} in the simple
     * response format, and the job goes on. NULL (the default): such an item
     * fails the job with its error, as before. Called on the calling thread;
     * its return value is handled as the line sink's. */
    mirs_prompt_sink_fn failed_sink;
    void *failed_userdata;
} mirs_prompt_options;

#define MIRS_PROMPT_OPTIONS_INIT                                                                                       \
    {                                                                                                                  \
        sizeof(mirs_prompt_options), MIRS_PROMPT_FORMAT_QWEN2_VL, MIRS_PROMPT_VARIANT_MULTI_IMAGE,                     \
            MIRS_PROMPT_LABELS_AUTO, NULL, NULL, NULL, 0, NULL, 0, -1.0, NULL, MIRS_PROMPT_IMAGE_ORIGINAL, 90, 0,      \
            67108864u, NULL, NULL, NULL, MIRS_PROMPT_PROFILE_NONE, 1u, NULL, NULL                                      \
    }
/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_prompt_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_prompt_options_init(mirs_prompt_options *opts, size_t size);

/* Checks options as a whole job would before writing anything (the
 * mirs_prompt_write family runs the same checks): a request format needs a
 * model, a run profile the openai or openai-batch format, the composite
 * variant with a text format a composite_dir, string options valid UTF-8.
 * Lets a tool refuse its command line before opening a dataset. MIRS_OK,
 * or MIRS_E_INVALID_ARGUMENT / MIRS_E_UTF8 with the reason. Thread-safe. */
MIRS_API int mirs_prompt_options_check(const mirs_prompt_options *opts);

/* ---- Rendering plain inputs --------------------------------------------- */

/* What a chat format or template renders, without a dataset: useful for
 * new data and for checking formats. Strings are UTF-8 and borrowed for the
 * call. */
typedef struct mirs_prompt_input {
    size_t struct_size;        /* sizeof(mirs_prompt_input) */
    const char *text;          /* the user text (required) */
    const char *const *images; /* image references (paths); may be NULL when image_count is 0 */
    size_t image_count;
    int32_t relation;     /* MIRS_RELATION_* or -1 (unknown: names render as "") */
    int32_t category;     /* MIRS_CATEGORY_* or -1 */
    const char *key;      /* optional ("" when NULL) */
    const char *question; /* optional original question ("" when NULL) */
} mirs_prompt_input;

#define MIRS_PROMPT_INPUT_INIT                                                                                         \
    {                                                                                                                  \
        sizeof(mirs_prompt_input), NULL, NULL, 0, -1, -1, NULL, NULL                                                   \
    }
/* Writes the defaults into the first `size` bytes of *in and sets its
 * struct_size to size (pass sizeof(mirs_prompt_input)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_prompt_input_init(mirs_prompt_input *in, size_t size);

/* Renders `in` with a text format (QWEN2_VL .. TEMPLATE) into *out (text,
 * NUL-terminated). The variant is ignored here: the input is rendered as
 * given. Errors: MIRS_E_INVALID_ARGUMENT (NULL, a request format, a
 * TEMPLATE format without tmpl), MIRS_E_UTF8, MIRS_E_NO_MEMORY. Thread-safe. */
MIRS_API int mirs_prompt_render(const mirs_prompt_input *in, const mirs_prompt_options *opts, mirs_buf *out);

/* The permutation the SHUFFLED variant applies to n images of the item
 * with this key: out[k] = the stored index of the image sent k-th.
 * Fisher-Yates from the last position down, with j = r % (i + 1) and r
 * drawn from splitmix64 seeded with seed ^ mirs_key_hash(key) (docs/prompts.md
 * has the exact steps): the same on every machine. n <= 65536. */
MIRS_API int mirs_prompt_permutation(const char *key, uint64_t seed, size_t n, size_t *out);

/* ---- Items ----------------------------------------------------------------- */

/* The text of a text format for one item with the options' variant (the
 * model-facing text only). Errors as mirs_prompt_render, plus MIRS_E_SCHEMA
 * (CAPTIONS on an item without image descriptions) and, for COMPOSITE,
 * the image module's errors. Thread-safe (the item is read only). */
MIRS_API int mirs_prompt_item_text(const mirs_item *item, const mirs_prompt_options *opts, mirs_buf *out);

/* One output line for the item, without the newline: for text formats
 * {"key": ..., "text": ..., "images": [image files in the order sent]}; for
 * request formats the request object (images read and base64-encoded; an
 * empty text sends no text part, as the official adapter). As the official
 * adapters: QWEN2_VL lists only the image files that exist; the other text
 * formats need every file to exist (MIRS_E_NOT_FOUND).
 * Errors: as above, MIRS_E_INVALID_ARGUMENT (request format without a
 * model), MIRS_E_IO / MIRS_E_LIMIT / MIRS_E_FORMAT for image files (the
 * message names the file). With COMPOSITE and a text format the tiled
 * image is also written (atomically) into options.composite_dir, which is
 * then required. Thread-safe (two threads must not write the same item's
 * composite at once). */
MIRS_API int mirs_prompt_item_line(const mirs_item *item, const mirs_prompt_options *opts, mirs_buf *out);

/* ---- Streaming a dataset ----------------------------------------------------- */

/* Writes one line per item that passes `filter` (NULL = all), in the
 * iterator's order, to `sink` (or, for an item the official adapters count
 * as failed inference, a record to options.failed_sink when one is set).
 * Memory stays constant in the number of items (one line is built at a
 * time). *written (may be NULL) receives the number of lines handed to
 * `sink` (failed records not counted), also on failure; progress counts
 * every item. Not thread-safe with
 * respect to the sink; the dataset is only read. */
MIRS_API int mirs_prompt_write(const mirs_dataset *ds, const mirs_filter *filter, const mirs_prompt_options *opts,
                               mirs_prompt_sink_fn sink, void *userdata, size_t *written);

/* Same, to a file, atomically: lines go to "<path>.tmp.<pid>", which is
 * fsynced and renamed over `path` only when every item succeeded. On any
 * failure the temporary file is removed and an existing `path` is left
 * untouched (a killed process can leave the temporary file behind; it is
 * never read). There is no partial resume: split large jobs with shards. */
MIRS_API int mirs_prompt_write_file(const mirs_dataset *ds, const mirs_filter *filter, const mirs_prompt_options *opts,
                                    const char *path, size_t *written);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_PROMPT_LABELS_*: "auto", "on", "off". */
MIRS_API const char *mirs_prompt_labels_name(int32_t value);
MIRS_API int mirs_prompt_labels_from_name(const char *name, int32_t *out);
/* MIRS_PROMPT_IMAGE_* ("jpg" is accepted too): "original", "png", "jpeg". */
MIRS_API const char *mirs_prompt_image_name(int32_t value);
MIRS_API int mirs_prompt_image_from_name(const char *name, int32_t *out);
/* MIRS_PROMPT_PROFILE_*: "none", "qwen2.5-vl", "glm-4.1v-thinking". */
MIRS_API const char *mirs_prompt_profile_name(int32_t value);
MIRS_API int mirs_prompt_profile_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
