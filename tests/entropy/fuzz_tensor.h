/* Shared by the .npy and .safetensors fuzz targets: once a tensor opens,
 * every element it claims is read (entropy of all rows, as probabilities and
 * as logits), so a header that points outside the input is caught by ASan. */
#ifndef MIRS_TESTS_FUZZ_TENSOR_H
#define MIRS_TESTS_FUZZ_TENSOR_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mirsafety/mirsafety.h>

static void touch(const mirs_entropy_tensor *t)
{
    int32_t dt;
    size_t nd, shape[MIRS_ENTROPY_MAX_DIMS], n = 1;
    int64_t strides[MIRS_ENTROPY_MAX_DIMS];
    if (mirs_entropy_tensor_info(t, &dt, &nd, shape, strides) != MIRS_OK) return;
    for (size_t i = 0; i < nd; i++) n *= shape[i];
    if (nd == 0 || n == 0 || n > (1u << 22)) return;
    mirs_entropy_view v; /* an output struct: zeroed, its struct_size saying how much the library may fill */
    memset(&v, 0, sizeof v);
    v.struct_size = sizeof v;
    const char *layouts[] = {"", "", "qk", "hqk", "lhqk"};
    if (nd < 2 || nd > 4 || mirs_entropy_tensor_view(t, layouts[nd], &v) != MIRS_OK) {
        /* read it as one row */
        double h;
        mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
        o.policy = MIRS_ENTROPY_POLICY_SKIP;
        if (strides[nd - 1] == 1 && nd == 1) mirs_entropy_rows(mirs_entropy_tensor_data(t), dt, 1, n, n, &o, &h);
        return;
    }
    size_t rows = v.shape[0] * v.shape[1] * v.shape[2];
    double *out = malloc((rows ? rows : 1) * sizeof *out);
    if (!out) return;
    mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
    o.policy = MIRS_ENTROPY_POLICY_SKIP;
    mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, &o, out, NULL);
    o.logits = 1;
    mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, &o, out, NULL);
    free(out);
}

#endif
