/*
 * Entropy of attention rows. Design: a row is a set of contiguous runs of
 * keys (the intersection of the key spans with the mask, computed once per
 * call); a kernel (kernel_generic.c, or kernel_avx512.c / kernel_avx2.c /
 * kernel_sse2.c over kernel_simd.h) adds each run into the sums S = sum p and T = sum p ln p,
 * and H = ln S - T / S renormalises over the selected keys in the same pass. The kernel comes from the options
 * or, for AUTO, from the library's CPU-feature detector (util/cpu.c); rows are split across optional worker threads
 * in contiguous chunks, and errors are reported for the lowest failing row
 * whichever thread found it.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mirsafety/entropy.h>

#include "entropy/entropy_internal.h"
#include "entropy/kernel.h"
#include "util/util.h"
#include "util/versioned.h"

int mirs_entropy_options_init(mirs_entropy_options *opts, size_t size)
{
    static const mirs_entropy_options d = MIRS_ENTROPY_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_entropy_options, opts, size, &d);
}

/* The vector kernels need AVX2, FMA and F16C (all with OS support). */
#define AVX2_KERNEL_NEEDS (MIRS_CPU_AVX2 | MIRS_CPU_FMA | MIRS_CPU_F16C)
#define AVX512_KERNEL_NEEDS (AVX2_KERNEL_NEEDS | MIRS_CPU_AVX512)

/* AUTO: AVX-512 when the CPU has it, else AVX2, else SSE2 on x86-64, else
 * the portable kernel. No environment variable steers it; the tests ask for
 * each kernel through the kernel option. */
static const ent_kernel *auto_kernel(void)
{
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX512)
    if (mirs__cpu_has(AVX512_KERNEL_NEEDS)) return &mirs__ent_avx512;
#endif
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX2)
    if (mirs__cpu_has(AVX2_KERNEL_NEEDS)) return &mirs__ent_avx2;
#endif
#if defined(__x86_64__) && defined(MIRS_ENTROPY_SSE2)
    return &mirs__ent_sse2;
#else
    return &mirs__ent_generic;
#endif
}

int32_t mirs_entropy_auto_kernel(void)
{
    int32_t k = MIRS_ENTROPY_KERNEL_GENERIC;
    mirs_entropy_kernel_from_name(auto_kernel()->name, &k);
    return k;
}

size_t mirs__ent_dtype_size(int32_t dt)
{
    switch (dt) {
    case MIRS_ENTROPY_F32: return 4;
    case MIRS_ENTROPY_F16:
    case MIRS_ENTROPY_BF16: return 2;
    case MIRS_ENTROPY_F64: return 8;
    default: return 0;
    }
}

int mirs__ent_check_options(const mirs_entropy_options *in, mirs_entropy_options *o)
{
    static const mirs_entropy_options defaults = MIRS_ENTROPY_OPTIONS_INIT;
    *o = defaults;
    int rc = MIRS__STRUCT_IN(mirs_entropy_options, in, o);
    if (rc) return rc;
    if (o->bits < 0 || o->bits > 1 || o->normalize < 0 || o->normalize > 1 || o->logits < 0 || o->logits > 1)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy options: bits, normalize and logits are 0 or 1");
    if (o->policy < 0 || o->policy > 2)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy options: unknown policy %d", (int)o->policy);
    if (!(o->tolerance >= 0)) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy options: tolerance must be >= 0");
    if (!(o->temperature > 0 && o->temperature < INFINITY))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy options: temperature must be finite and > 0");
    if (o->kernel < 0 || o->kernel > MIRS_ENTROPY_KERNEL_AVX512)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy options: unknown kernel %d", (int)o->kernel);
    if (o->threads == 0) o->threads = 1;
    if (o->threads > 256) o->threads = 256;
    return MIRS_OK;
}

int mirs__ent_kernel(const mirs_entropy_options *o, int32_t dtype, const ent_kernel **out)
{
    const ent_kernel *k = auto_kernel();
    if (o->kernel == MIRS_ENTROPY_KERNEL_GENERIC) k = &mirs__ent_generic;
    if (o->kernel == MIRS_ENTROPY_KERNEL_AVX2) {
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX2)
        if (!mirs__cpu_has(AVX2_KERNEL_NEEDS))
            return mirs__fail(MIRS_E_UNSUPPORTED, "entropy: this CPU lacks AVX2/FMA/F16C");
        k = &mirs__ent_avx2;
#else
        return mirs__fail(MIRS_E_UNSUPPORTED, "entropy: built without the AVX2 kernel");
#endif
    }
    if (o->kernel == MIRS_ENTROPY_KERNEL_AVX512) {
#if defined(__x86_64__) && defined(MIRS_ENTROPY_AVX512)
        if (!mirs__cpu_has(AVX512_KERNEL_NEEDS))
            return mirs__fail(MIRS_E_UNSUPPORTED, "entropy: this CPU or OS lacks AVX-512 F/BW/DQ/VL");
        k = &mirs__ent_avx512;
#else
        return mirs__fail(MIRS_E_UNSUPPORTED, "entropy: built without the AVX-512 kernel");
#endif
    }
    if (o->kernel == MIRS_ENTROPY_KERNEL_SSE2) {
#if defined(__x86_64__) && defined(MIRS_ENTROPY_SSE2)
        k = &mirs__ent_sse2;
#else
        return mirs__fail(MIRS_E_UNSUPPORTED, "entropy: the SSE2 kernel exists on x86-64 only");
#endif
    }
    if (!k->prob[dtype]) k = &mirs__ent_generic; /* f64 */
    *out = k;
    return MIRS_OK;
}

/* ---- runs ---- */

int mirs__ent_runs(size_t ncols, const size_t *spans, size_t nspans, const uint8_t *mask, ent_run **out, size_t *nruns,
                   size_t *nsel)
{
    size_t nsp = nspans ? nspans : 1, cap = 0, n = 0, sel = 0;
    ent_run *runs = NULL;
    for (size_t k = 0; k < nsp; k++) {
        size_t b = nspans ? spans[2 * k] : 0, e = nspans ? spans[2 * k + 1] : ncols;
        if (b > e || e > ncols) {
            free(runs);
            return mirs__fail(MIRS_E_RANGE, "entropy: key span %zu [%zu, %zu) is outside [0, %zu]", k, b, e, ncols);
        }
        for (size_t j = 0; j < k; j++) {
            size_t b2 = spans[2 * j], e2 = spans[2 * j + 1];
            if (b < e && b2 < e2 && b < e2 && b2 < e) {
                free(runs);
                return mirs__fail(MIRS_E_RANGE, "entropy: key spans %zu and %zu overlap", j, k);
            }
        }
        size_t i = b;
        while (i < e) {
            if (mask)
                while (i < e && !mask[i]) i++;
            if (i >= e) break;
            size_t j = i;
            if (mask)
                while (j < e && mask[j]) j++;
            else
                j = e;
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                ent_run *nr = mirs__realloc(runs, cap * sizeof *runs);
                if (!nr) {
                    free(runs);
                    return MIRS_E_NO_MEMORY;
                }
                runs = nr;
            }
            runs[n].b = i;
            runs[n].e = j;
            runs[n].span = k;
            n++;
            sel += j - i;
            i = j;
        }
    }
    *out = runs;
    *nruns = n;
    *nsel = sel;
    return MIRS_OK;
}

/* ---- rows ---- */

#define ERR_BAD 1
#define ERR_SUM 2
#define ERR_EMPTY 3

typedef struct chunk {
    const ent_job *j;
    size_t r0, r1;
    int status; /* MIRS_OK or MIRS_E_NUMERIC / MIRS_E_NO_MEMORY */
    size_t err_row;
    int err_kind;
    double err_value;
} chunk;

/* Row r = (l n1 + h) n2 + q, walked without a division per row. */
typedef struct {
    size_t l, h, q;
} row_it;

static inline row_it row_at(const ent_job *j, size_t r)
{
    row_it it = {r / j->n2 / j->n1, r / j->n2 % j->n1, r % j->n2};
    return it;
}

static inline void row_next(const ent_job *j, row_it *it)
{
    if (++it->q < j->n2) return;
    it->q = 0;
    if (++it->h < j->n1) return;
    it->h = 0;
    it->l++;
}

static inline const char *row_ptr(const ent_job *j, row_it it)
{
    return (const char *)j->base +
           ((int64_t)it.l * j->s0 + (int64_t)it.h * j->s1 + (int64_t)it.q * j->s2) * (int64_t)j->esz;
}

/* What rounding each element of a correctly rounded probability row to the
 * element type can move the row's sum by, on top of the caller's tolerance:
 * each value moves by at most u |p| (u = 2^-(p) for p significand bits: 2^-8
 * bf16, 2^-11 f16, 2^-24 f32, 2^-53 f64), so the sum by u; f16 values below
 * 2^-14 are subnormal and move by up to 2^-25 each, whatever their size; and
 * the vector kernels sum blocks of at most 512 values in f32 (2^-15 relative).
 * Without this a bf16 softmax rounded to nearest fails the 1e-3 default on
 * peaky rows (issue #18). docs/entropy.md states the same bound. */
static double rounding_slack(int32_t dtype, size_t ncols)
{
    switch (dtype) {
    case MIRS_ENTROPY_BF16: return 0x1p-8 + 0x1p-15;
    case MIRS_ENTROPY_F16: return 0x1p-11 + 0x1p-15 + (double)ncols * 0x1p-25;
    case MIRS_ENTROPY_F32: return 0x1p-24 + 0x1p-15;
    default: return (double)ncols * 0x1p-53;
    }
}

/* Turns row r's sums into its entropy (or NaN) by the policy; returns 0, or
 * the error kind (with *val) when the policy is to fail. */
static int finish_row(const ent_job *j, size_t r, ent_sums tot, double inv_t, double sum_limit, double *val)
{
    const mirs_entropy_options *o = &j->opts;
    int kind = 0;
    if (tot.nbad) {
        kind = ERR_BAD;
        *val = (double)tot.nbad;
    } else if (!(tot.s > 0) || !(tot.s < INFINITY)) {
        kind = ERR_EMPTY;
        *val = tot.s;
    } else if (j->full_row && !o->logits && fabs(tot.s - 1.0) > sum_limit) {
        kind = ERR_SUM;
        *val = tot.s;
    }
    if (kind && o->policy == MIRS_ENTROPY_POLICY_ERROR) return kind;
    if (kind && o->policy == MIRS_ENTROPY_POLICY_SKIP) {
        j->out[r] = NAN;
        return 0;
    }
    if (!(tot.s > 0) || !(tot.s < INFINITY)) {
        *val = tot.s;
        if (o->policy == MIRS_ENTROPY_POLICY_ERROR) return ERR_EMPTY;
        j->out[r] = NAN;
        return 0;
    }
    double h = o->logits ? log(tot.s) - inv_t * tot.t / tot.s : log(tot.s) - tot.t / tot.s;
    if (h < 0) h = 0; /* rounding of a one-hot row */
    if (o->normalize) h = j->nsel > 1 ? h / log((double)j->nsel) : 0.0;
    if (o->bits) h /= 0.693147180559945309;
    j->out[r] = h;
    return 0;
}

#define ROW_BATCH 64 /* rows per call of a kernel's prob_rows */

/* Choosing between a kernel's prob_rows and prob_rows_far. The far prefetch
 * stream makes the AVX-512 f32 kernel 6-14% faster when the rows lie in
 * transparent huge pages (numpy advises them for large arrays) and 15-25%
 * slower on 4 KiB pages (Zen 4; docs/performance.md), and nothing cheap
 * tells the library which pages a caller's memory is on. So a chunk with at
 * least PF_MIN_BYTES of rows times both: PF_PROBES probes of at least
 * PF_PROBE_BYTES each (whole rows, over one or more kernel calls), in the
 * order near, far, far, near, near, far (a steady drift of the machine's
 * speed favours neither), and the one whose best probe took less time per
 * row runs the next PF_RUN_BYTES; then both are timed again. The probes are
 * long because the first 64 KiB after a switch to far run without far
 * prefetches: with 256 KiB probes the choice caught only part of far's gain.
 * Far must win by 3%, as losing costs more on 4 KiB pages than it gains on
 * huge ones. Only the speed depends on the clock: both variants sum the same
 * values in the same order, so the results are the same to the bit. */
#define PF_MIN_BYTES ((size_t)16 << 20)
#define PF_PROBE_BYTES ((size_t)1 << 20)
#define PF_RUN_BYTES ((size_t)256 << 20)
#define PF_PROBES 6
#define PF_FAR_ORDER 0x26 /* bit i: probe i runs far (0 1 1 0 0 1) */

typedef struct {
    int probe;         /* the probe under way, or -1 */
    int far;           /* between probes: whether far runs */
    size_t rows;       /* rows the probe under way has run */
    size_t probe_rows; /* rows per probe */
    size_t row_bytes;
    size_t left;    /* bytes before the next probes (0: no more probes) */
    double t0;      /* when the probe under way began */
    double best[2]; /* this round's best seconds per row, near and far */
} pf_pick;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static pf_pick pf_start(const ent_kernel *k, int dt, size_t nrows, size_t row_bytes)
{
    pf_pick pf = {-1, 0, 0, 1, row_bytes, 0, 0, {0, 0}};
    if (row_bytes && row_bytes < PF_PROBE_BYTES) pf.probe_rows = (PF_PROBE_BYTES + row_bytes - 1) / row_bytes;
    if (k->prob_rows_far[dt] && nrows * row_bytes >= PF_MIN_BYTES) pf.probe = 0;
    return pf;
}

/* Whether the next batch runs far; trims *cnt so that it ends with its probe */
static int pf_next(pf_pick *pf, size_t *cnt)
{
    if (pf->probe < 0) return pf->far;
    if (*cnt > pf->probe_rows - pf->rows) *cnt = pf->probe_rows - pf->rows;
    if (!pf->rows) pf->t0 = now_s();
    return PF_FAR_ORDER >> pf->probe & 1;
}

/* After a batch of cnt rows */
static void pf_done(pf_pick *pf, size_t cnt)
{
    if (pf->probe < 0) {
        if (!pf->left) return;
        if (pf->left > cnt * pf->row_bytes) {
            pf->left -= cnt * pf->row_bytes;
            return;
        }
        pf->left = 0;
        pf->probe = 0;
        return;
    }
    if ((pf->rows += cnt) < pf->probe_rows) return;
    int far = PF_FAR_ORDER >> pf->probe & 1;
    double per_row = (now_s() - pf->t0) / (double)pf->rows;
    if (pf->probe < 2 || per_row < pf->best[far]) pf->best[far] = per_row; /* probes 0 and 1 set them */
    pf->rows = 0;
    if (++pf->probe < PF_PROBES) return;
    pf->probe = -1;
    pf->far = pf->best[1] < 0.97 * pf->best[0];
    pf->left = PF_RUN_BYTES;
}

static void run_chunk(chunk *c)
{
    const ent_job *j = c->j;
    const mirs_entropy_options *o = &j->opts;
    const ent_kernel *k = j->kernel;
    int dt = j->dtype;
    size_t esz = j->esz, nsp = j->nspans;
    double *ms = NULL;
    char *scratch = NULL;
    c->status = MIRS_OK;
    if (j->mass && nsp) {
        ms = malloc(nsp * sizeof *ms);
        if (!ms) goto oom;
    }
    if (j->sk != 1) {
        scratch = malloc(j->ncols * esz + 1);
        if (!scratch) goto oom;
    }
    const double inv_t = 1.0 / o->temperature;
    const double sum_limit = o->tolerance + rounding_slack(dt, j->ncols);
    int kind = 0;
    double val = 0;
    size_t r = c->r0;
    row_it it = row_at(j, r), nx = it;
    /* Probabilities over one contiguous run per row: whole batches of rows
     * (consecutive queries, one stride apart) go to the kernel at once, so
     * its stream of loads does not stop between rows. */
    if (!o->logits && !scratch && !ms && j->nruns == 1 && k->prob_rows[dt]) {
        const ent_run *ru = &j->runs[0];
        pf_pick pf = pf_start(k, dt, c->r1 - c->r0, (ru->e - ru->b) * esz);
        ent_sums sums[ROW_BATCH];
        while (r < c->r1) {
            size_t cnt = c->r1 - r, left = j->n2 - it.q;
            if (cnt > left) cnt = left;
            if (cnt > ROW_BATCH) cnt = ROW_BATCH;
            int far = pf_next(&pf, &cnt);
            (far ? k->prob_rows_far : k->prob_rows)[dt](row_ptr(j, it) + ru->b * esz, cnt,
                                                        (ptrdiff_t)(j->s2 * (int64_t)esz), ru->e - ru->b, sums);
            pf_done(&pf, cnt);
            for (size_t i = 0; i < cnt; i++, r++, row_next(j, &it)) {
                kind = finish_row(j, r, sums[i], inv_t, sum_limit, &val);
                if (kind) goto done;
            }
        }
        goto done;
    }
    /* Logits over whole contiguous rows: the kernel takes the next row's
     * maximum while it sums this one, so each row is read from memory once. */
    const bool fuse = o->logits && k->lexp_next[dt] && !scratch && !ms && j->nruns == 1 && j->runs[0].b == 0 &&
                      j->runs[0].e == j->ncols;
    bool have_shift = false;
    float next_shift = 0;
    for (; r < c->r1; r++, it = nx) {
        row_next(j, &nx); /* nx: row r + 1 */
        const char *row = row_ptr(j, it);
        if (scratch) {
            for (size_t i = 0; i < j->ncols; i++)
                memcpy(scratch + i * esz, row + (int64_t)i * j->sk * (int64_t)esz, esz);
            row = scratch;
        }
        ent_sums tot = {0, 0, 0};
        if (ms) memset(ms, 0, nsp * sizeof *ms);
        double zfull = 0;
        float shift = 0;
        if (o->logits) {
            size_t dummy = 0;
            shift = have_shift ? next_shift : k->lmax[dt](row, j->ncols, &dummy);
            have_shift = false;
            if (ms) {
                ent_sums f = {0, 0, 0};
                k->lexp[dt](row, j->ncols, shift, (float)inv_t, &f);
                zfull = f.s;
            }
        }
        for (size_t u = 0; u < j->nruns; u++) {
            const ent_run *ru = &j->runs[u];
            ent_sums rs = {0, 0, 0};
            if (o->logits && fuse && r + 1 < c->r1)
                have_shift = k->lexp_next[dt](row, j->ncols, shift, (float)inv_t, &rs, row_ptr(j, nx), &next_shift);
            else if (o->logits)
                k->lexp[dt](row + ru->b * esz, ru->e - ru->b, shift, (float)inv_t, &rs);
            else
                k->prob[dt](row + ru->b * esz, ru->e - ru->b, &rs);
            tot.s += rs.s;
            tot.t += rs.t;
            tot.nbad += rs.nbad;
            if (ms) ms[ru->span] += rs.s;
        }
        if (ms)
            for (size_t s = 0; s < nsp; s++)
                j->mass[r * nsp + s] = o->logits ? (zfull > 0 ? ms[s] / zfull : NAN) : ms[s];
        kind = finish_row(j, r, tot, inv_t, sum_limit, &val);
        if (kind) goto done;
    }
done: /* kind != 0: row r failed under the ERROR policy */
    if (kind) {
        c->status = MIRS_E_NUMERIC;
        c->err_row = r;
        c->err_kind = kind;
        c->err_value = val;
    }
    free(ms);
    free(scratch);
    return;
oom:
    free(ms);
    c->status = MIRS_E_NO_MEMORY;
    c->err_row = c->r0;
}

static void *chunk_thread(void *arg)
{
    run_chunk(arg);
    return NULL;
}

int mirs__ent_run_job(const ent_job *j)
{
    size_t nrows = j->n0 * j->n1 * j->n2;
    if (nrows == 0) return MIRS_OK;
    size_t nt = j->opts.threads;
    /* Threads only pay off with some work per thread. */
    size_t work = nrows * (j->ncols + 16);
    if (nt > nrows) nt = nrows;
    while (nt > 1 && work / nt < 32768) nt--;
    chunk stack_chunks[8];
    chunk *ch = nt <= 8 ? stack_chunks : mirs__calloc(nt, sizeof *ch);
    if (!ch) return MIRS_E_NO_MEMORY;
    pthread_t tid[256];
    bool started[256] = {false};
    for (size_t t = 0; t < nt; t++) {
        ch[t].j = j;
        ch[t].r0 = nrows * t / nt;
        ch[t].r1 = nrows * (t + 1) / nt;
        ch[t].status = MIRS_OK;
    }
    for (size_t t = 1; t < nt; t++) started[t] = pthread_create(&tid[t], NULL, chunk_thread, &ch[t]) == 0;
    run_chunk(&ch[0]);
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            run_chunk(&ch[t]); /* could not start a thread: do it here */
    }
    int st = MIRS_OK;
    const chunk *bad = NULL;
    for (size_t t = 0; t < nt && !bad; t++)
        if (ch[t].status != MIRS_OK) bad = &ch[t];
    if (bad) {
        size_t r = bad->err_row, q = r % j->n2, l = r / j->n2 / j->n1, h = r / j->n2 % j->n1;
        char where[96];
        if (j->is_view)
            snprintf(where, sizeof where, "row %zu (layer %zu, head %zu, query %zu)", r, l, h, q + j->q_offset);
        else
            snprintf(where, sizeof where, "row %zu", r);
        if (bad->status == MIRS_E_NO_MEMORY)
            st = mirs__fail(MIRS_E_NO_MEMORY, "entropy: out of memory");
        else if (bad->err_kind == ERR_BAD)
            st = mirs__fail(MIRS_E_NUMERIC, "entropy: %s has %.0f NaN, Inf or negative values (policy error)", where,
                            bad->err_value);
        else if (bad->err_kind == ERR_SUM)
            st = mirs__fail(MIRS_E_NUMERIC,
                            "entropy: %s sums to %.9g, not 1 within tolerance %g + %g for the rounding of its element "
                            "type (policy error)",
                            where, bad->err_value, j->opts.tolerance, rounding_slack(j->dtype, j->ncols));
        else
            st = mirs__fail(MIRS_E_NUMERIC, "entropy: %s has no positive mass over the selected keys", where);
    }
    if (ch != stack_chunks) free(ch);
    return st;
}

int mirs_entropy_rows_spans(const void *data, int32_t dtype, size_t nrows, size_t ncols, size_t row_stride,
                            const size_t *spans, size_t nspans, const uint8_t *mask, const mirs_entropy_options *opts,
                            double *entropy, double *mass)
{
    MIRS_CHECK_ARG(mirs__ent_dtype_size(dtype) != 0, "dtype must be MIRS_ENTROPY_F32, _F16, _BF16 or _F64");
    MIRS_CHECK_ARG(nrows == 0 || (data && entropy), "data and entropy must not be NULL when nrows > 0");
    MIRS_CHECK_ARG(nspans == 0 || spans, "spans must not be NULL when nspans > 0");
    MIRS_CHECK_ARG(row_stride >= ncols || nrows <= 1, "row_stride must be >= ncols (with more than one row)");
    MIRS_CHECK_ARG(row_stride <= INT64_MAX / 8, "row_stride must be at most INT64_MAX / 8 elements");
    ent_job j;
    memset(&j, 0, sizeof j);
    int st = mirs__ent_check_options(opts, &j.opts);
    if (st) return st;
    if ((st = mirs__ent_kernel(&j.opts, dtype, &j.kernel))) return st;
    if ((st = mirs__ent_runs(ncols, spans, nspans, mask, &j.runs, &j.nruns, &j.nsel))) return st;
    j.base = data;
    j.dtype = dtype;
    j.esz = mirs__ent_dtype_size(dtype);
    j.n0 = 1;
    j.n1 = 1;
    j.n2 = nrows;
    j.s2 = (int64_t)row_stride;
    j.sk = 1;
    j.ncols = ncols;
    j.nspans = nspans;
    j.full_row = nspans == 0 && mask == NULL;
    j.out = entropy;
    j.mass = nspans ? mass : NULL;
    st = mirs__ent_run_job(&j);
    free(j.runs);
    return st;
}

int mirs_entropy_rows(const void *data, int32_t dtype, size_t nrows, size_t ncols, size_t row_stride,
                      const mirs_entropy_options *opts, double *out)
{
    return mirs_entropy_rows_spans(data, dtype, nrows, ncols, row_stride, NULL, 0, NULL, opts, out, NULL);
}

int mirs_entropy_view_init(mirs_entropy_view *v, size_t size, const void *data, int32_t dtype, size_t layers,
                           size_t heads, size_t queries, size_t keys)
{
    mirs_entropy_view w;
    memset(&w, 0, sizeof w);
    w.struct_size = sizeof w;
    w.data = data;
    w.dtype = dtype;
    w.shape[0] = layers;
    w.shape[1] = heads;
    w.shape[2] = queries;
    w.shape[3] = keys;
    w.strides[3] = 1;
    w.strides[2] = (int64_t)keys;
    w.strides[1] = (int64_t)(keys * queries);
    w.strides[0] = (int64_t)(keys * queries * heads);
    return MIRS__STRUCT_INIT(mirs_entropy_view, v, size, &w);
}

int mirs_entropy_view_compute(const mirs_entropy_view *v, size_t q_begin, size_t q_end, const size_t *spans,
                              size_t nspans, const uint8_t *mask, const mirs_entropy_options *opts, double *entropy,
                              double *mass)
{
    if (!v) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_entropy_view_compute: view is NULL");
    mirs_entropy_view view;
    memset(&view, 0, sizeof view);
    view.struct_size = sizeof view;
    int rc = MIRS__STRUCT_IN(mirs_entropy_view, v, &view);
    if (rc) return rc;
    v = &view;
    if (mirs__ent_dtype_size(v->dtype) == 0)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "mirs_entropy_view_compute: view dtype %d is not one of MIRS_ENTROPY_F32, _F16, _BF16, _F64",
                          (int)v->dtype);
    MIRS_CHECK_ARG(nspans == 0 || spans, "spans must not be NULL when nspans > 0");
    if (q_end > v->shape[2]) q_end = v->shape[2];
    if (q_begin > q_end)
        return mirs__fail(MIRS_E_RANGE, "entropy: query range [%zu, %zu) is outside [0, %zu)", q_begin, q_end,
                          v->shape[2]);
    size_t nq = q_end - q_begin, n, tmp;
    if (!mirs__mul_ok(v->shape[0], v->shape[1], &n) || !mirs__mul_ok(n, nq, &n) ||
        (nspans && !mirs__mul_ok(n, nspans, &tmp)) || !mirs__mul_ok(n, sizeof(double), &tmp))
        return mirs__fail(MIRS_E_OVERFLOW, "entropy: output size overflows");
    MIRS_CHECK_ARG(n == 0 || (v->data && entropy), "view->data and entropy must not be NULL for a non-empty view");
    ent_job j;
    memset(&j, 0, sizeof j);
    int st = mirs__ent_check_options(opts, &j.opts);
    if (st) return st;
    if ((st = mirs__ent_kernel(&j.opts, v->dtype, &j.kernel))) return st;
    if ((st = mirs__ent_runs(v->shape[3], spans, nspans, mask, &j.runs, &j.nruns, &j.nsel))) return st;
    j.dtype = v->dtype;
    j.esz = mirs__ent_dtype_size(v->dtype);
    j.base = (const char *)v->data + (int64_t)q_begin * v->strides[2] * (int64_t)j.esz;
    j.n0 = v->shape[0];
    j.n1 = v->shape[1];
    j.n2 = nq;
    j.s0 = v->strides[0];
    j.s1 = v->strides[1];
    j.s2 = v->strides[2];
    j.sk = v->strides[3];
    j.ncols = v->shape[3];
    j.nspans = nspans;
    j.full_row = nspans == 0 && mask == NULL;
    j.out = entropy;
    j.mass = nspans ? mass : NULL;
    j.is_view = true;
    j.q_offset = q_begin;
    st = mirs__ent_run_job(&j);
    free(j.runs);
    return st;
}

int mirs_entropy_reduce(const double *values, size_t L, size_t H, size_t Q, uint32_t axes, double *out)
{
    MIRS_CHECK_ARG(axes <= 7, "axes must be an OR of MIRS_ENTROPY_AXIS_LAYERS, _HEADS, _QUERIES");
    size_t n;
    if (!mirs__mul_ok(L, H, &n) || !mirs__mul_ok(n, Q, &n))
        return mirs__fail(MIRS_E_OVERFLOW, "reduce: size overflows");
    MIRS_CHECK_ARG(n == 0 || values, "values must not be NULL when n > 0");
    MIRS_CHECK_ARG(out, "out must not be NULL");
    size_t oL = (axes & MIRS_ENTROPY_AXIS_LAYERS) ? 1 : L, oH = (axes & MIRS_ENTROPY_AXIS_HEADS) ? 1 : H,
           oQ = (axes & MIRS_ENTROPY_AXIS_QUERIES) ? 1 : Q, on = oL * oH * oQ;
    double *sum = mirs__calloc(on ? on : 1, sizeof *sum);
    uint64_t *cnt = mirs__calloc(on ? on : 1, sizeof *cnt);
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
            for (size_t q = 0; q < Q; q++) {
                double x = values[(l * H + h) * Q + q];
                if (isnan(x)) continue;
                size_t o = ((oL == 1 ? 0 : l) * oH + (oH == 1 ? 0 : h)) * oQ + (oQ == 1 ? 0 : q);
                sum[o] += x;
                cnt[o]++;
            }
    for (size_t o = 0; o < on; o++) out[o] = cnt[o] ? sum[o] / (double)cnt[o] : NAN;
    if (on == 0 && (axes == 7)) out[0] = NAN;
    free(sum);
    free(cnt);
    return MIRS_OK;
}
