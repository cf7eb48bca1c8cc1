/* Comparisons: two models (paired, exact McNemar), two judges (confusion
 * matrix, Cohen's kappa), many models against a capability score (rank
 * correlations). The statistics come from the stats module. */
#include "internal.h"
#include "util/versioned.h"

#include <math.h>
#include <mirsafety/stats.h>
#include <stdlib.h>
#include <string.h>

typedef struct kv {
    const char *key, *model;
    int32_t verdict;
    size_t line;
} kv;

static int cmp_kv(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (!c) c = strcmp(x->model, y->model);
    if (!c) c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

/* The verdict that counts (mirs_records_counted) per (key[, model]) of the
 * records that pass the filters, sorted by key; with judge NULL and several
 * judges, the last of them. binary_only: safe/unsafe only. */
static int collect(const mirs_records *r, const char *model, const char *judge, bool by_model, bool binary_only,
                   kv **out, size_t *n)
{
    size_t cnt = mirs_records_count(r), k = 0;
    kv *v = mirs__calloc(cnt ? cnt : 1, sizeof *v);
    if (!v) return MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < cnt; i++) {
        const mirs_record *x = mirs_records_get(r, i);
        if (!mirs_records_counted(r, i)) continue; /* one verdict per (key, model, judge) */
        if (model && strcmp(model, x->model) != 0) continue;
        if (judge && strcmp(judge, x->judge) != 0) continue;
        if (binary_only && x->verdict != MIRS_VERDICT_UNSAFE && x->verdict != MIRS_VERDICT_SAFE) continue;
        v[k].key = x->key;
        v[k].model = by_model ? x->model : "";
        v[k].verdict = x->verdict;
        v[k].line = i;
        k++;
    }
    qsort(v, k, sizeof *v, cmp_kv);
    /* Keep the last of each run. */
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        if (i + 1 < k && strcmp(v[i].key, v[i + 1].key) == 0 && strcmp(v[i].model, v[i + 1].model) == 0) continue;
        v[o++] = v[i];
    }
    *out = v;
    *n = o;
    return MIRS_OK;
}

int mirs_compare_models(const mirs_records *a, const char *model_a, const char *judge_a, const mirs_records *b,
                        const char *model_b, const char *judge_b, double confidence, mirs_model_comparison *out)
{
    MIRS_CHECK_ARG(a && b, "a and b must not be NULL");
    int rc = MIRS__STRUCT_OUT_CHECK(mirs_model_comparison, out);
    if (rc) return rc;
    if (!(confidence > 0 && confidence < 1))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_compare_models: confidence %g is not in (0, 1)", confidence);
    kv *va = NULL, *vb = NULL;
    size_t na, nb;
    int st = collect(a, model_a, judge_a, false, true, &va, &na);
    if (!st) st = collect(b, model_b, judge_b, false, true, &vb, &nb);
    if (st) goto done;
    mirs_model_comparison c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        int cmp = i == na ? 1 : j == nb ? -1 : strcmp(va[i].key, vb[j].key);
        if (cmp < 0) {
            c.only_in_a++;
            i++;
        } else if (cmp > 0) {
            c.only_in_b++;
            j++;
        } else {
            bool ua = va[i].verdict == MIRS_VERDICT_UNSAFE, ub = vb[j].verdict == MIRS_VERDICT_UNSAFE;
            if (ua && ub)
                c.both_unsafe++;
            else if (ua)
                c.a_only++;
            else if (ub)
                c.b_only++;
            else
                c.both_safe++;
            i++;
            j++;
        }
    }
    uint64_t n = c.both_unsafe + c.a_only + c.b_only + c.both_safe;
    if (!n) {
        st = mirs__fail(MIRS_E_EMPTY, "the two record sets share no key with a safe/unsafe verdict");
        goto done;
    }
    c.asr_a = (double)(c.both_unsafe + c.a_only) / (double)n * 100.0;
    c.asr_b = (double)(c.both_unsafe + c.b_only) / (double)n * 100.0;
    if ((st = mirs_stats_mcnemar_exact(c.a_only, c.b_only, &c.mcnemar_p))) goto done;
    if ((st = mirs_stats_paired_difference(c.both_unsafe, c.a_only, c.b_only, c.both_safe, confidence, &c.diff,
                                           &c.diff_lo, &c.diff_hi)))
        goto done;
    mirs__struct_out(out, &c, sizeof c);
done:
    free(va);
    free(vb);
    return st;
}

int mirs_compare_judges(const mirs_records *a, const char *judge_a, const mirs_records *b, const char *judge_b,
                        const char *model, mirs_judge_comparison *out)
{
    MIRS_CHECK_ARG(a && b, "a and b must not be NULL");
    int rc = MIRS__STRUCT_OUT_CHECK(mirs_judge_comparison, out);
    if (rc) return rc;
    kv *va = NULL, *vb = NULL;
    size_t na, nb;
    int st = collect(a, model, judge_a, true, false, &va, &nb);
    na = nb;
    if (!st) st = collect(b, model, judge_b, true, false, &vb, &nb);
    if (st) goto done;
    mirs_judge_comparison c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    c.verdict_count = MIRS_VERDICT_COUNT;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        int cmp = i == na ? 1 : j == nb ? -1 : strcmp(va[i].key, vb[j].key);
        if (!cmp) cmp = strcmp(va[i].model, vb[j].model);
        if (cmp < 0) {
            c.only_in_a++;
            i++;
        } else if (cmp > 0) {
            c.only_in_b++;
            j++;
        } else {
            c.matrix[va[i].verdict * MIRS_JUDGE_MATRIX_DIM + vb[j].verdict]++;
            c.common++;
            i++;
            j++;
        }
    }
    /* Kappa on the unsafe/safe decisions both judges made. */
    uint64_t m2[4] = {c.matrix[MIRS_VERDICT_UNSAFE * MIRS_JUDGE_MATRIX_DIM + MIRS_VERDICT_UNSAFE],
                      c.matrix[MIRS_VERDICT_UNSAFE * MIRS_JUDGE_MATRIX_DIM + MIRS_VERDICT_SAFE],
                      c.matrix[MIRS_VERDICT_SAFE * MIRS_JUDGE_MATRIX_DIM + MIRS_VERDICT_UNSAFE],
                      c.matrix[MIRS_VERDICT_SAFE * MIRS_JUDGE_MATRIX_DIM + MIRS_VERDICT_SAFE]};
    uint64_t tot = m2[0] + m2[1] + m2[2] + m2[3];
    if (!tot) {
        st = mirs__fail(MIRS_E_EMPTY, "the two judges share no item both judged safe or unsafe");
        goto done;
    }
    c.agreement = (double)(m2[0] + m2[3]) / (double)tot;
    if ((st = mirs_stats_cohen_kappa(m2, 2, &c.kappa))) goto done;
    mirs__struct_out(out, &c, sizeof c);
done:
    free(va);
    free(vb);
    return st;
}

int mirs_compare_capability(const double *asr, const double *capability, size_t n, double *spearman_rho,
                            double *spearman_p, double *kendall_tau, double *kendall_p)
{
    MIRS_CHECK_ARG(asr && capability && spearman_rho && spearman_p && kendall_tau && kendall_p,
                   "asr, capability, spearman_rho, spearman_p, kendall_tau and kendall_p must not be NULL");
    double r, rp, t, tp;
    int st = mirs_stats_spearman(asr, capability, n, &r, &rp);
    if (st) return st;
    if ((st = mirs_stats_kendall(asr, capability, n, &t, &tp))) return st;
    *spearman_rho = r;
    *spearman_p = rp;
    *kendall_tau = t;
    *kendall_p = tp;
    return MIRS_OK;
}
