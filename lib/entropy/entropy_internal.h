/* Internal pieces shared by the entropy module's files. */
#ifndef MIRS_ENTROPY_INTERNAL_H
#define MIRS_ENTROPY_INTERNAL_H

#include <stdbool.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

typedef struct ent_run {
    size_t b, e, span;
} ent_run;

/* One call's rows: row r = (l, h, q) in an n0 x n1 x n2 grid. */
typedef struct ent_job {
    mirs_entropy_options opts;
    const ent_kernel *kernel;
    const void *base;
    int32_t dtype;
    size_t esz;
    size_t n0, n1, n2;
    int64_t s0, s1, s2, sk; /* element strides */
    size_t ncols;
    ent_run *runs;
    size_t nruns, nsel, nspans;
    bool full_row, is_view;
    size_t q_offset;
    double *out, *mass;
} ent_job;

size_t mirs__ent_dtype_size(int32_t dt);
int mirs__ent_check_options(const mirs_entropy_options *in, mirs_entropy_options *o);
int mirs__ent_kernel(const mirs_entropy_options *o, int32_t dtype, const ent_kernel **out);
int mirs__ent_runs(size_t ncols, const size_t *spans, size_t nspans, const uint8_t *mask, ent_run **out, size_t *nruns,
                   size_t *nsel);
int mirs__ent_run_job(const ent_job *j);

#endif
