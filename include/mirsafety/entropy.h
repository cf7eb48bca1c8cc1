/*
 * libmirsafety — attention-entropy statistics: Shannon entropy of rows of
 * probabilities or logits (f32, f16, bf16, f64), tensor views
 * [layers, heads, queries, keys] with key spans, memory-mapped .npy and
 * .safetensors readers, mergeable per-(layer, head) accumulators with safe /
 * unsafe group tests, and an online monitor for serving. docs/entropy.md
 * describes the definitions, defaults, formats and limits.
 *
 * Definitions: H = -sum_i q_i ln q_i with q = p / sum(p) over the selected
 * keys (0 ln 0 = 0), so a row is always renormalised over what is selected;
 * the tolerance below only decides whether a full row that does not sum to
 * 1 is accepted. From logits x at temperature T: q = softmax(x / T).
 */
#ifndef MIRSAFETY_ENTROPY_H
#define MIRSAFETY_ENTROPY_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Element types (int32_t dtype arguments). */
#define MIRS_ENTROPY_F32 1
#define MIRS_ENTROPY_F16 2  /* IEEE binary16 */
#define MIRS_ENTROPY_BF16 3 /* bfloat16 (upper half of an f32) */
#define MIRS_ENTROPY_F64 4  /* always computed by the portable kernel */

/* What to do with a row that holds NaN, +Inf or negative values (for logits:
 * NaN or +Inf; -Inf logits are ordinary zero probabilities), that sums to
 * zero, or (full rows of probabilities only) whose sum differs from 1 by
 * more than the tolerance plus what rounding each value to the element type
 * can move the sum by (2^-8 + 2^-15 for bf16, 2^-11 + 2^-15 + ncols 2^-25 for
 * f16, 2^-24 + 2^-15 for f32, ncols 2^-53 for f64; docs/entropy.md), so that a
 * correctly rounded softmax always passes the default. */
#define MIRS_ENTROPY_POLICY_ERROR 0       /* fail with MIRS_E_NUMERIC naming the row (default) */
#define MIRS_ENTROPY_POLICY_RENORMALIZE 1 /* drop bad entries (as 0), renormalise; an empty row gives NaN */
#define MIRS_ENTROPY_POLICY_SKIP 2        /* the row's entropy is NaN (reductions ignore NaN) */

/* Kernel choice. AUTO picks AVX-512 (F, BW, DQ, VL, with AVX2+FMA+F16C) when
 * the CPU and OS have it, else AVX2+FMA+F16C, else SSE2 on x86-64, else the
 * portable C kernel. No environment variable changes the choice; ask for a
 * kernel explicitly to compare or test them. */
#define MIRS_ENTROPY_KERNEL_AUTO 0
#define MIRS_ENTROPY_KERNEL_GENERIC 1
#define MIRS_ENTROPY_KERNEL_AVX2 2   /* MIRS_E_UNSUPPORTED when the CPU or build lacks it */
#define MIRS_ENTROPY_KERNEL_SSE2 3   /* MIRS_E_UNSUPPORTED off x86-64 */
#define MIRS_ENTROPY_KERNEL_AVX512 4 /* MIRS_E_UNSUPPORTED when the CPU, OS or build lacks it */

typedef struct mirs_entropy_options {
    size_t struct_size;
    int32_t bits;       /* 0: nats (default); 1: bits (divide by ln 2) */
    int32_t normalize;  /* 1: divide by ln(n), n = number of selected keys (0 when n <= 1) */
    int32_t logits;     /* 1: rows are logits (softmax at temperature first) */
    int32_t policy;     /* MIRS_ENTROPY_POLICY_* (default ERROR) */
    double tolerance;   /* accepted |sum - 1| of a full row beyond its dtype's rounding (default 1e-3) */
    double temperature; /* logits only, > 0 (default 1) */
    int32_t kernel;     /* MIRS_ENTROPY_KERNEL_* (default AUTO) */
    uint32_t threads;   /* worker threads across rows (default 1; capped at 256) */
} mirs_entropy_options;

#define MIRS_ENTROPY_OPTIONS_INIT                                                                                      \
    {                                                                                                                  \
        sizeof(mirs_entropy_options), 0, 0, 0, MIRS_ENTROPY_POLICY_ERROR, 1e-3, 1.0, MIRS_ENTROPY_KERNEL_AUTO, 1       \
    }

/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_entropy_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_entropy_options_init(mirs_entropy_options *opts, size_t size);

/* The kernel AUTO selects in this process: MIRS_ENTROPY_KERNEL_AVX512,
 * _AVX2, _SSE2 or _GENERIC (its name: mirs_entropy_kernel_name()).
 * Thread-safe. */
MIRS_API int32_t mirs_entropy_auto_kernel(void);

/* Entropy of nrows rows of ncols elements of `dtype` starting at data; row r
 * starts at element r * row_stride (stride in ELEMENTS, >= ncols; a byte
 * stride must be a multiple of the element size). out[r] receives the
 * entropy (NaN for rows skipped by the policy). opts may be NULL (defaults).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NUMERIC (policy ERROR; the message
 * names the row and the reason), MIRS_E_UNSUPPORTED (kernel). out is
 * written only on success. Thread-safe (data and out are borrowed for the
 * call only). */
MIRS_API int mirs_entropy_rows(const void *data, int32_t dtype, size_t nrows, size_t ncols, size_t row_stride,
                               const mirs_entropy_options *opts, double *out);

/* Like mirs_entropy_rows, restricted to key spans and/or a key mask.
 * spans holds nspans [begin, end) pairs (2 * nspans values, each within
 * [0, ncols], non-overlapping); nspans = 0 means all keys. mask (ncols
 * bytes, nonzero = keep) or NULL further restricts the keys. Entropy is
 * computed over the union of the selected keys, renormalised. mass (or
 * NULL) receives nrows * nspans values: for probabilities the raw sum of
 * each span's (masked) values, for logits the softmax mass of the span
 * within the whole row. */
MIRS_API int mirs_entropy_rows_spans(const void *data, int32_t dtype, size_t nrows, size_t ncols, size_t row_stride,
                                     const size_t *spans, size_t nspans, const uint8_t *mask,
                                     const mirs_entropy_options *opts, double *entropy, double *mass);

/* A strided view of attention [layers, heads, queries, keys]. Strides are
 * in elements and may be negative or zero (broadcast); the caller
 * guarantees every addressed element lies inside its buffer. */
typedef struct mirs_entropy_view {
    size_t struct_size;
    const void *data;
    int32_t dtype;
    size_t shape[4];
    int64_t strides[4];
} mirs_entropy_view;

/* Fills a view of a C-contiguous [L, H, Q, K] tensor: the first `size`
 * bytes of *view (pass sizeof(mirs_entropy_view)), struct_size = size, as
 * the options init functions do; never writes past size bytes. MIRS_OK or
 * MIRS_E_INVALID_ARGUMENT (NULL view; size below sizeof(size_t) or above
 * 64 KiB). data is borrowed: it must outlive every use of the view. */
MIRS_API int mirs_entropy_view_init(mirs_entropy_view *view, size_t size, const void *data, int32_t dtype,
                                    size_t layers, size_t heads, size_t queries, size_t keys);

/* Entropy per (layer, head, query) for queries [q_begin, q_end) (use 0 and
 * SIZE_MAX for all), keys restricted as in mirs_entropy_rows_spans.
 * entropy receives L * H * nq values (layer-major, nq = q_end - q_begin
 * after clamping), mass (or NULL) L * H * nq * nspans. Rows whose key
 * stride is not 1 are gathered into a scratch row first. Same errors as
 * mirs_entropy_rows; MIRS_E_RANGE for q_begin > q_end or beyond queries;
 * MIRS_E_OVERFLOW when the output size overflows. */
MIRS_API int mirs_entropy_view_compute(const mirs_entropy_view *view, size_t q_begin, size_t q_end, const size_t *spans,
                                       size_t nspans, const uint8_t *mask, const mirs_entropy_options *opts,
                                       double *entropy, double *mass);

/* Axes for mirs_entropy_reduce (OR them together). */
#define MIRS_ENTROPY_AXIS_LAYERS 1u
#define MIRS_ENTROPY_AXIS_HEADS 2u
#define MIRS_ENTROPY_AXIS_QUERIES 4u

/* Mean of a [L, H, Q] array over the chosen axes, ignoring NaN (a cell with
 * no finite value becomes NaN). out has the remaining axes in order, e.g.
 * axes = HEADS|QUERIES gives L values, all three give 1. Pure; thread-safe. */
MIRS_API int mirs_entropy_reduce(const double *values, size_t layers, size_t heads, size_t queries, uint32_t axes,
                                 double *out);

/* ---- tensors from files ---------------------------------------------- */

/* The file name of an item's attention dump, as the tool, the Python
 * distributed driver and the scripts name it: the item key with every "/"
 * written "__", then ".npy" ("Violence/Analogy/12" gives
 * "Violence__Analogy__12.npy"). Two keys that differ only in "/" against
 * "__" share a name; the official keys never hold "__". Errors:
 * MIRS_E_INVALID_ARGUMENT (NULL, an empty key), MIRS_E_LIMIT (a name over
 * 255 bytes, the file system's limit), MIRS_E_NO_MEMORY. On success *out
 * holds the NUL-terminated name (mirs_buf_free). Thread-safe. */
MIRS_API int mirs_entropy_dump_name(const char *key, mirs_buf *out);

/* A tensor read from a memory-mapped .npy (format versions 1.0, 2.0, 3.0;
 * descr '<f4', '<f2', '<f8', and '<V2'/'|V2' read as bf16 since numpy has
 * no bf16 type; C or Fortran order) or .safetensors file (F32, F16, BF16,
 * F64). Every header field is
 * validated against the file size and the limits in docs/entropy.md before
 * use. Immutable once opened: shareable across threads. */
typedef struct mirs_entropy_tensor mirs_entropy_tensor;

#define MIRS_ENTROPY_MAX_DIMS 8

/* Opens path. For .safetensors, name picks the tensor (NULL: the file must
 * hold exactly one tensor); for .npy name must be NULL. The format is told
 * by the magic bytes, not the file name (MIRS_E_FORMAT for bytes that are
 * neither). Errors: MIRS_E_IO, MIRS_E_FORMAT,
 * MIRS_E_TRUNCATED, MIRS_E_JSON, MIRS_E_SCHEMA, MIRS_E_LIMIT,
 * MIRS_E_OVERFLOW, MIRS_E_UNSUPPORTED (dtype, big-endian), MIRS_E_NOT_FOUND
 * (name). The message names the file and the byte offset. */
MIRS_API int mirs_entropy_tensor_open(const char *path, const char *name, mirs_entropy_tensor **out);

/* Same over caller memory, which must outlive the tensor (no copy). */
MIRS_API int mirs_entropy_tensor_open_memory(const void *data, size_t size, const char *name,
                                             mirs_entropy_tensor **out);

/* Shape and element strides (Fortran order gives reversed strides). ndim <=
 * MIRS_ENTROPY_MAX_DIMS; shape and strides must hold that many entries. */
MIRS_API int mirs_entropy_tensor_info(const mirs_entropy_tensor *t, int32_t *dtype, size_t *ndim, size_t *shape,
                                      int64_t *strides);

/* First element, valid until mirs_entropy_tensor_free. */
MIRS_API const void *mirs_entropy_tensor_data(const mirs_entropy_tensor *t);

/* Unmaps and frees t (NULL is ignored); views and data pointers of t end with it. */
MIRS_API void mirs_entropy_tensor_free(mirs_entropy_tensor *t);

/* Builds a view from a tensor of 2 to 4 dimensions. layout names the axes
 * in file order with one letter each: l (layers), h (heads), q (queries),
 * k (keys), e.g. "lhqk", "hqk", "qk", "lhkq"; missing axes get size 1.
 * Errors: MIRS_E_INVALID_ARGUMENT (layout), MIRS_E_MISMATCH (ndim). */
MIRS_API int mirs_entropy_tensor_view(const mirs_entropy_tensor *t, const char *layout, mirs_entropy_view *view);

/* Writes a C-order '<f8' .npy (format 1.0) atomically. */
MIRS_API int mirs_entropy_npy_write_f64(const char *path, const double *data, size_t ndim, const size_t *shape);

/* ---- accumulators ---------------------------------------------------- */

/* Per (label, layer, head): count, mean, M2, min, max and a histogram of
 * `bins` equal bins over [lo, hi) plus underflow and overflow counts,
 * updated one value at a time (Welford) and merged with Chan et al.'s
 * parallel combination. Per (label, item) it also keeps one sample per
 * layer and one overall (mean over heads and queries), which the group tests
 * use. One thread at a time. */
typedef struct mirs_entropy_acc mirs_entropy_acc;

#define MIRS_ENTROPY_LABEL_SAFE 0
#define MIRS_ENTROPY_LABEL_UNSAFE 1

/* layers, heads >= 1, layers * heads <= 1<<20, 1 <= bins <= 1<<16, lo < hi. */
MIRS_API int mirs_entropy_acc_new(size_t layers, size_t heads, size_t bins, double lo, double hi,
                                  mirs_entropy_acc **out);
MIRS_API void mirs_entropy_acc_free(mirs_entropy_acc *acc);

/* Adds one value to (label, layer, head); NaN is ignored. */
MIRS_API int mirs_entropy_acc_add(mirs_entropy_acc *acc, int32_t label, size_t layer, size_t head, double value);

/* Adds one item's [L, H, Q] entropies (L, H must match the accumulator):
 * every finite value into its (layer, head), and the item's per-layer and
 * overall means as samples. Errors: MIRS_E_MISMATCH, MIRS_E_EMPTY (no finite
 * value). */
MIRS_API int mirs_entropy_acc_add_item(mirs_entropy_acc *acc, int32_t label, const double *entropy, size_t layers,
                                       size_t heads, size_t queries);

/* Merges src into dst (same layers, heads, bins, lo, hi; else
 * MIRS_E_MISMATCH). Counts and histograms add exactly; moments combine
 * with Chan's formula, so any merge order equals the single pass up to
 * rounding. */
MIRS_API int mirs_entropy_acc_merge(mirs_entropy_acc *dst, const mirs_entropy_acc *src);

typedef struct mirs_entropy_summary {
    size_t struct_size;
    uint64_t count;
    double mean, variance; /* unbiased (n - 1); NaN when count < 2 */
    double min, max;       /* NaN when count = 0 */
} mirs_entropy_summary;

/* Moments of (label, layer, head). *out must have struct_size set. */
MIRS_API int mirs_entropy_acc_summary(const mirs_entropy_acc *acc, int32_t label, size_t layer, size_t head,
                                      mirs_entropy_summary *out);

/* Histogram of (label, layer, head): counts[0] underflow (< lo or -Inf),
 * counts[1..bins] the bins, counts[bins + 1] overflow (>= hi). counts holds
 * bins + 2 values. */
MIRS_API int mirs_entropy_acc_histogram(const mirs_entropy_acc *acc, int32_t label, size_t layer, size_t head,
                                        uint64_t *counts);

/* Dimensions and item sample counts per label. Any pointer may be NULL. */
MIRS_API int mirs_entropy_acc_shape(const mirs_entropy_acc *acc, size_t *layers, size_t *heads, size_t *bins,
                                    double *lo, double *hi, uint64_t *items_safe, uint64_t *items_unsafe);

/* JSON state (format "mirsafety-entropy-acc" version 1; docs/entropy.md);
 * doubles are written with 17 significant digits so a load gives back the
 * same bits. */
MIRS_API int mirs_entropy_acc_to_json(const mirs_entropy_acc *acc, mirs_buf *out);
MIRS_API int mirs_entropy_acc_from_json(const char *text, size_t len, mirs_entropy_acc **out);
/* File versions; save writes atomically (temp file, fsync, rename). */
MIRS_API int mirs_entropy_acc_save(const mirs_entropy_acc *acc, const char *path);
MIRS_API int mirs_entropy_acc_load(const char *path, mirs_entropy_acc **out);

/* Safe vs unsafe comparison of the item samples of one layer, or of the
 * overall samples with layer = MIRS_ENTROPY_ALL_LAYERS. Statistics come
 * from the stats module (mirs_stats_*): Welch from the two groups' moments,
 * Mann–Whitney U (MIRS_MWU_AUTO), Cohen's d (pooled), AUROC with safe as
 * the positive class (safe should have the higher entropy) and a 95%
 * bootstrap interval from `reps` resamples seeded with `seed`. Each group
 * needs >= 2 samples (else MIRS_E_EMPTY). */
#define MIRS_ENTROPY_ALL_LAYERS ((size_t)-1)

typedef struct mirs_entropy_group_test {
    size_t struct_size;
    uint64_t n_safe, n_unsafe;
    double mean_safe, mean_unsafe, var_safe, var_unsafe;
    double welch_t, welch_df, welch_p;
    double mwu_u, mwu_p;
    double cohen_d;
    double auroc, auroc_lo, auroc_hi;
} mirs_entropy_group_test;

/* Fills *out (struct_size set by the caller) with the comparison described
 * above. Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_RANGE (layer), MIRS_E_EMPTY,
 * MIRS_E_NO_MEMORY. Thread-safe while no thread modifies acc. */
MIRS_API int mirs_entropy_acc_compare(const mirs_entropy_acc *acc, size_t layer, uint32_t reps, uint64_t seed,
                                      mirs_entropy_group_test *out);

/* Threshold on the mean entropy of a layer (or ALL_LAYERS) that separates
 * the groups: MIDPOINT = (mean_safe + mean_unsafe) / 2; YOUDEN = the cut t
 * maximising TPR - FPR for "unsafe when entropy < t" over the item samples
 * (midpoint between adjacent sorted samples). */
#define MIRS_ENTROPY_THRESHOLD_MIDPOINT 0
#define MIRS_ENTROPY_THRESHOLD_YOUDEN 1
/* Writes the threshold of method (MIRS_ENTROPY_THRESHOLD_*) to *threshold.
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_RANGE, MIRS_E_EMPTY. */
MIRS_API int mirs_entropy_acc_threshold(const mirs_entropy_acc *acc, size_t layer, int32_t method, double *threshold);

/* ---- online monitor -------------------------------------------------- */

/* Fed one generated token's attention rows (one per layer and head) at a
 * time: O(keys) per row, O(layers) memory. Keeps per layer the running mean
 * over tokens of the token's mean entropy over heads, and flags the
 * sequence when the mean over layers of those running means falls below the
 * threshold (lower entropy = more suspicious). One thread at a time. */
typedef struct mirs_entropy_monitor mirs_entropy_monitor;

/* opts is copied (NULL: defaults; threads ignored). */
MIRS_API int mirs_entropy_monitor_new(size_t layers, size_t heads, double threshold, const mirs_entropy_options *opts,
                                      mirs_entropy_monitor **out);
MIRS_API void mirs_entropy_monitor_free(mirs_entropy_monitor *m);
/* One attention row of the current token. */
MIRS_API int mirs_entropy_monitor_feed(mirs_entropy_monitor *m, size_t layer, size_t head, const void *row,
                                       int32_t dtype, size_t nkeys);
/* Closes the current token: *flagged (or NULL) = 1 when the running mean is
 * below the threshold, *score (or NULL) = that running mean. A token with
 * no rows fed is MIRS_E_STATE. */
MIRS_API int mirs_entropy_monitor_token_end(mirs_entropy_monitor *m, int32_t *flagged, double *score);
/* Running mean of one layer: NaN before the first token, and for a NULL m
 * or a layer out of range (a getter by position never fails). */
MIRS_API double mirs_entropy_monitor_layer_mean(const mirs_entropy_monitor *m, size_t layer);
/* Forgets every token (new sequence). */
MIRS_API void mirs_entropy_monitor_reset(mirs_entropy_monitor *m);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_ENTROPY_F32, _F16, _BF16, _F64 (numpy's names "float32" ... are accepted too): "f32", "f16", "bf16", "f64". */
MIRS_API const char *mirs_entropy_dtype_name(int32_t value);
MIRS_API int mirs_entropy_dtype_from_name(const char *name, int32_t *out);
/* MIRS_ENTROPY_POLICY_*: "error", "renormalize", "skip". */
MIRS_API const char *mirs_entropy_policy_name(int32_t value);
MIRS_API int mirs_entropy_policy_from_name(const char *name, int32_t *out);
/* MIRS_ENTROPY_KERNEL_*: "auto", "generic", "avx2", "sse2", "avx512". */
MIRS_API const char *mirs_entropy_kernel_name(int32_t value);
MIRS_API int mirs_entropy_kernel_from_name(const char *name, int32_t *out);
/* MIRS_ENTROPY_LABEL_*: "safe", "unsafe". */
MIRS_API const char *mirs_entropy_label_name(int32_t value);
MIRS_API int mirs_entropy_label_from_name(const char *name, int32_t *out);
/* MIRS_ENTROPY_THRESHOLD_*: "midpoint", "youden". */
MIRS_API const char *mirs_entropy_threshold_name(int32_t value);
MIRS_API int mirs_entropy_threshold_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
