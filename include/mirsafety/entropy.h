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
 * more than the tolerance. */
#define MIRS_ENTROPY_POLICY_ERROR 0       /* fail with MIRS_E_NUMERIC naming the row (default) */
#define MIRS_ENTROPY_POLICY_RENORMALIZE 1 /* drop bad entries (as 0), renormalise; an empty row gives NaN */
#define MIRS_ENTROPY_POLICY_SKIP 2        /* the row's entropy is NaN (reductions ignore NaN) */

/* Kernel choice. AUTO picks AVX2+FMA+F16C when the CPU has them (checked
 * once per process), else the portable C kernel; the environment variable
 * MIRS_ENTROPY_KERNEL=generic forces the portable kernel under AUTO. */
#define MIRS_ENTROPY_KERNEL_AUTO 0
#define MIRS_ENTROPY_KERNEL_GENERIC 1
#define MIRS_ENTROPY_KERNEL_AVX2 2 /* MIRS_E_UNSUPPORTED when the CPU or build lacks it */

typedef struct mirs_entropy_options {
    size_t struct_size;
    int32_t bits;       /* 0: nats (default); 1: bits (divide by ln 2) */
    int32_t normalize;  /* 1: divide by ln(n), n = number of selected keys (0 when n <= 1) */
    int32_t logits;     /* 1: rows are logits (softmax at temperature first) */
    int32_t policy;     /* MIRS_ENTROPY_POLICY_* (default ERROR) */
    double tolerance;   /* accepted |sum - 1| of a full probability row (default 1e-3) */
    double temperature; /* logits only, > 0 (default 1) */
    int32_t kernel;     /* MIRS_ENTROPY_KERNEL_* (default AUTO) */
    uint32_t threads;   /* worker threads across rows (default 1; capped at 256) */
} mirs_entropy_options;

#define MIRS_ENTROPY_OPTIONS_INIT                                                                                      \
    {                                                                                                                  \
        sizeof(mirs_entropy_options), 0, 0, 0, MIRS_ENTROPY_POLICY_ERROR, 1e-3, 1.0, MIRS_ENTROPY_KERNEL_AUTO, 1       \
    }

/* Fills *opts with the defaults above (for bindings). */
MIRS_API void mirs_entropy_options_init(mirs_entropy_options *opts);

/* Name of the kernel AUTO selects in this process ("avx2" or "generic").
 * Static string; thread-safe. */
MIRS_API const char *mirs_entropy_kernel_name(void);

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

/* Fills a view of a C-contiguous [L, H, Q, K] tensor. */
MIRS_API void mirs_entropy_view_init(mirs_entropy_view *view, const void *data, int32_t dtype, size_t layers,
                                     size_t heads, size_t queries, size_t keys);

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

#ifdef __cplusplus
}
#endif

#endif
