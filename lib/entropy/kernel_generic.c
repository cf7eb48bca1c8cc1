/* Portable kernels: every element in double with libm log/exp. They are the
 * reference the vector kernels are tested against and the path for non-x86
 * builds, CPUs without AVX2/FMA/F16C, f64 data and MIRS_ENTROPY_KERNEL_GENERIC. */
#include <math.h>
#include <string.h>

#include <mirsafety/entropy.h>

#include "entropy/kernel.h"

static inline double load(const void *row, size_t i, int dt)
{
    switch (dt) {
    case MIRS_ENTROPY_F32: {
        float f;
        memcpy(&f, (const char *)row + 4 * i, 4);
        return f;
    }
    case MIRS_ENTROPY_F64: {
        double d;
        memcpy(&d, (const char *)row + 8 * i, 8);
        return d;
    }
    default: {
        uint16_t h;
        memcpy(&h, (const char *)row + 2 * i, 2);
        return dt == MIRS_ENTROPY_F16 ? ent_f16_to_f32(h) : ent_bf16_to_f32(h);
    }
    }
}

static inline void prob_any(const void *row, size_t n, ent_sums *acc, int dt)
{
    double s = 0, t = 0;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        double p = load(row, i, dt);
        if (!(p >= 0 && p <= 1.7976931348623157e308)) { /* NaN, negative, +Inf */
            bad++;
            continue;
        }
        if (p > 0) {
            s += p;
            t += p * log(p);
        }
    }
    acc->s += s;
    acc->t += t;
    acc->nbad += bad;
}

static inline float lmax_any(const void *row, size_t n, size_t *nbad, int dt)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double x = load(row, i, dt);
        if (!(x < INFINITY)) {
            ++*nbad;
            continue;
        }
        if (x > m) m = x;
    }
    return (float)m;
}

static inline void lexp_any(const void *row, size_t n, float shift, float inv_t, ent_sums *acc, int dt)
{
    double s = 0, t = 0;
    for (size_t i = 0; i < n; i++) {
        double x = load(row, i, dt);
        if (!(x < INFINITY)) {
            acc->nbad++;
            continue;
        }
        double d = x - (double)shift;
        double e = exp(d * (double)inv_t);
        if (e > 0) {
            s += e;
            t += e * d;
        }
    }
    acc->s += s;
    acc->t += t;
}

#define DEFINE(suffix, dt)                                                                                             \
    static void prob_##suffix(const void *row, size_t n, ent_sums *acc) { prob_any(row, n, acc, dt); }                 \
    static float lmax_##suffix(const void *row, size_t n, size_t *nbad) { return lmax_any(row, n, nbad, dt); }         \
    static void lexp_##suffix(const void *row, size_t n, float shift, float inv_t, ent_sums *acc)                      \
    {                                                                                                                  \
        lexp_any(row, n, shift, inv_t, acc, dt);                                                                       \
    }
DEFINE(f32, MIRS_ENTROPY_F32)
DEFINE(f16, MIRS_ENTROPY_F16)
DEFINE(bf16, MIRS_ENTROPY_BF16)
DEFINE(f64, MIRS_ENTROPY_F64)

const ent_kernel mirs__ent_generic = {
    "generic",
    {NULL, prob_f32, prob_f16, prob_bf16, prob_f64},
    {NULL, lmax_f32, lmax_f16, lmax_bf16, lmax_f64},
    {NULL, lexp_f32, lexp_f16, lexp_bf16, lexp_f64},
    {NULL, NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
