/*
 * Online monitor: one generated token's attention rows at a time. Each row
 * goes straight to the kernel (one run over all keys, no allocation), and
 * only per-layer running sums are kept, so a token costs O(keys) per row and
 * the monitor O(layers) memory whatever the sequence length.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "entropy/entropy_internal.h"
#include "util/util.h"

struct mirs_entropy_monitor {
    size_t L, H;
    double threshold;
    mirs_entropy_options opts;
    double *tok_sum, *run_sum;
    uint64_t *tok_n, *run_n;
    size_t fed;
};

int mirs_entropy_monitor_new(size_t L, size_t H, double threshold, const mirs_entropy_options *opts,
                             mirs_entropy_monitor **out)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    if (L == 0 || H == 0 || L > (1u << 16) || H > (1u << 16))
        return mirs__fail(MIRS_E_LIMIT, "entropy monitor: layers and heads must be in [1, 65536]");
    MIRS_CHECK_ARG(!isnan(threshold), "threshold must not be NaN");
    mirs_entropy_monitor *m = mirs__calloc(1, sizeof *m);
    if (!m) return MIRS_E_NO_MEMORY;
    int st = mirs__ent_check_options(opts, &m->opts);
    if (st) {
        free(m);
        return st;
    }
    m->opts.threads = 1;
    m->L = L, m->H = H, m->threshold = threshold;
    m->tok_sum = mirs__calloc(L, sizeof(double));
    m->run_sum = mirs__calloc(L, sizeof(double));
    m->tok_n = mirs__calloc(L, sizeof(uint64_t));
    m->run_n = mirs__calloc(L, sizeof(uint64_t));
    if (!m->tok_sum || !m->run_sum || !m->tok_n || !m->run_n) {
        mirs_entropy_monitor_free(m);
        return MIRS_E_NO_MEMORY;
    }
    *out = m;
    return MIRS_OK;
}

void mirs_entropy_monitor_free(mirs_entropy_monitor *m)
{
    if (!m) return;
    free(m->tok_sum);
    free(m->run_sum);
    free(m->tok_n);
    free(m->run_n);
    free(m);
}

int mirs_entropy_monitor_feed(mirs_entropy_monitor *m, size_t layer, size_t head, const void *row, int32_t dtype,
                              size_t nkeys)
{
    MIRS_CHECK_ARG(m && row && nkeys > 0, "the monitor and row must not be NULL, and nkeys must be > 0");
    MIRS_CHECK_ARG(mirs__ent_dtype_size(dtype) != 0, "dtype must be MIRS_ENTROPY_F32, _F16, _BF16 or _F64");
    if (layer >= m->L || head >= m->H)
        return mirs__fail(MIRS_E_RANGE, "entropy monitor: (layer %zu, head %zu) outside %zu x %zu", layer, head, m->L,
                          m->H);
    ent_job j;
    memset(&j, 0, sizeof j);
    j.opts = m->opts;
    int st = mirs__ent_kernel(&j.opts, dtype, &j.kernel);
    if (st) return st;
    ent_run run = {0, nkeys, 0};
    double h = NAN;
    j.base = row;
    j.dtype = dtype;
    j.esz = mirs__ent_dtype_size(dtype);
    j.n0 = j.n1 = j.n2 = 1;
    j.sk = 1;
    j.ncols = nkeys;
    j.runs = &run;
    j.nruns = 1;
    j.nsel = nkeys;
    j.full_row = true;
    j.out = &h;
    if ((st = mirs__ent_run_job(&j))) return st;
    if (isnan(h)) return MIRS_OK; /* skipped by the policy */
    m->tok_sum[layer] += h;
    m->tok_n[layer]++;
    m->fed++;
    return MIRS_OK;
}

static double score_of(const mirs_entropy_monitor *m)
{
    double s = 0;
    size_t n = 0;
    for (size_t l = 0; l < m->L; l++)
        if (m->run_n[l]) {
            s += m->run_sum[l] / (double)m->run_n[l];
            n++;
        }
    return n ? s / (double)n : NAN;
}

int mirs_entropy_monitor_token_end(mirs_entropy_monitor *m, int32_t *flagged, double *score)
{
    MIRS_CHECK_ARG(m, "m must not be NULL");
    if (!m->fed) return mirs__fail(MIRS_E_STATE, "entropy monitor: token ended without any row fed");
    for (size_t l = 0; l < m->L; l++) {
        if (m->tok_n[l]) {
            m->run_sum[l] += m->tok_sum[l] / (double)m->tok_n[l];
            m->run_n[l]++;
        }
        m->tok_sum[l] = 0;
        m->tok_n[l] = 0;
    }
    m->fed = 0;
    double sc = score_of(m);
    if (flagged) *flagged = sc < m->threshold;
    if (score) *score = sc;
    return MIRS_OK;
}

double mirs_entropy_monitor_layer_mean(const mirs_entropy_monitor *m, size_t layer)
{
    if (!m || layer >= m->L || !m->run_n[layer]) return NAN;
    return m->run_sum[layer] / (double)m->run_n[layer];
}

void mirs_entropy_monitor_reset(mirs_entropy_monitor *m)
{
    if (!m) return;
    memset(m->tok_sum, 0, m->L * sizeof(double));
    memset(m->run_sum, 0, m->L * sizeof(double));
    memset(m->tok_n, 0, m->L * sizeof(uint64_t));
    memset(m->run_n, 0, m->L * sizeof(uint64_t));
    m->fed = 0;
}
