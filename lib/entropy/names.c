/* The names of the entropy header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/entropy.h>

static const mirs__name entropy_dtype_names[] = {
    {"f32", MIRS_ENTROPY_F32},       {"f16", MIRS_ENTROPY_F16},     {"bf16", MIRS_ENTROPY_BF16},
    {"f64", MIRS_ENTROPY_F64},       {"float32", MIRS_ENTROPY_F32}, {"float16", MIRS_ENTROPY_F16},
    {"bfloat16", MIRS_ENTROPY_BF16}, {"float64", MIRS_ENTROPY_F64},
};
MIRS__NAME_PAIR(entropy_dtype, entropy_dtype_names, "dtype")

static const mirs__name entropy_policy_names[] = {
    {"error", MIRS_ENTROPY_POLICY_ERROR},
    {"renormalize", MIRS_ENTROPY_POLICY_RENORMALIZE},
    {"skip", MIRS_ENTROPY_POLICY_SKIP},
};
MIRS__NAME_PAIR(entropy_policy, entropy_policy_names, "entropy policy")

static const mirs__name entropy_kernel_names[] = {
    {"auto", MIRS_ENTROPY_KERNEL_AUTO}, {"generic", MIRS_ENTROPY_KERNEL_GENERIC}, {"avx2", MIRS_ENTROPY_KERNEL_AVX2},
    {"sse2", MIRS_ENTROPY_KERNEL_SSE2}, {"avx512", MIRS_ENTROPY_KERNEL_AVX512},
};
MIRS__NAME_PAIR(entropy_kernel, entropy_kernel_names, "entropy kernel")

static const mirs__name entropy_label_names[] = {
    {"safe", MIRS_ENTROPY_LABEL_SAFE},
    {"unsafe", MIRS_ENTROPY_LABEL_UNSAFE},
};
MIRS__NAME_PAIR(entropy_label, entropy_label_names, "label")

static const mirs__name entropy_threshold_names[] = {
    {"midpoint", MIRS_ENTROPY_THRESHOLD_MIDPOINT},
    {"youden", MIRS_ENTROPY_THRESHOLD_YOUDEN},
};
MIRS__NAME_PAIR(entropy_threshold, entropy_threshold_names, "threshold method")
