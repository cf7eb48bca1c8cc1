/*
 * Resizing and Qwen2-VL's smart_resize.
 *
 * AREA is computed exactly: with the source axis of length n mapped onto m
 * output pixels, measure positions in units of 1/m source pixels (source
 * pixel i spans [i*m, (i+1)*m), output pixel o spans [o*n, (o+1)*n)), so
 * every coverage weight is an integer and a 2-D output value is
 * sum(wx*wy*p) / (n_w*n_h), rounded half up, with no floating point at all.
 * The separable passes keep exact integer sums (uint32 after the
 * horizontal pass, uint64 after the vertical one).
 *
 * BILINEAR and BICUBIC reproduce Pillow's Resample.c (precompute_coeffs,
 * 22-bit fixed-point coefficients, horizontal pass into an 8-bit temporary
 * limited to the rows the vertical pass needs, then the vertical pass), so
 * the results are bit-identical to Image.resize() for RGB and L images.
 */
#include "image_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RESIZE_DIM_LIMIT 1000000u

/* ---- exact area ---- */

typedef struct area_axis {
    uint32_t *start; /* first source index per output */
    uint32_t *count; /* number of source indices */
    uint32_t *off;   /* offset of the first weight in w */
    uint32_t *w;     /* weights, in units of 1/out source pixels */
} area_axis;

static void area_axis_free(area_axis *a)
{
    free(a->start);
    free(a->count);
    free(a->off);
    free(a->w);
}

static int area_axis_make(uint32_t in, uint32_t out, area_axis *a)
{
    memset(a, 0, sizeof *a);
    /* Each output touches at most in/out + 2 sources; the total is <= in + out. */
    size_t total = (size_t)in + (size_t)out + 1;
    a->start = malloc(out * sizeof *a->start);
    a->count = malloc(out * sizeof *a->count);
    a->off = malloc(out * sizeof *a->off);
    a->w = malloc(total * sizeof *a->w);
    if (!a->start || !a->count || !a->off || !a->w) {
        area_axis_free(a);
        return mirs__fail(MIRS_E_NO_MEMORY, "resize: out of memory");
    }
    size_t k = 0;
    for (uint32_t o = 0; o < out; o++) {
        uint64_t lo = (uint64_t)o * in, hi = (uint64_t)(o + 1) * in;               /* in units of 1/out */
        uint32_t i0 = (uint32_t)(lo / out), i1 = (uint32_t)((hi + out - 1) / out); /* [i0, i1) */
        a->start[o] = i0;
        a->count[o] = i1 - i0;
        a->off[o] = (uint32_t)k;
        for (uint32_t i = i0; i < i1; i++) {
            uint64_t s = (uint64_t)i * out, e = s + out;
            uint64_t l = s > lo ? s : lo, r = e < hi ? e : hi;
            a->w[k++] = (uint32_t)(r - l);
        }
    }
    return MIRS_OK;
}

static int resize_area(const mirs_image *src, mirs_image *dst)
{
    uint32_t sw = src->width, sh = src->height, dw = dst->width, dh = dst->height;
    int ch = src->channels;
    area_axis ax, ay;
    int st = area_axis_make(sw, dw, &ax);
    if (st) return st;
    if ((st = area_axis_make(sh, dh, &ay))) {
        area_axis_free(&ax);
        return st;
    }
    size_t rowlen = (size_t)dw * (size_t)ch;
    uint32_t *hrow = malloc(rowlen * sizeof *hrow);
    uint64_t *acc = malloc(rowlen * sizeof *acc);
    if (!hrow || !acc) {
        st = mirs__fail(MIRS_E_NO_MEMORY, "resize: out of memory");
        goto done;
    }
    const uint64_t denom = (uint64_t)sw * (uint64_t)sh;
    int64_t cached = -1;
    for (uint32_t oy = 0; oy < dh; oy++) {
        memset(acc, 0, rowlen * sizeof *acc);
        for (uint32_t j = 0; j < ay.count[oy]; j++) {
            uint32_t sy = ay.start[oy] + j;
            uint64_t wy = ay.w[ay.off[oy] + j];
            if (cached != (int64_t)sy) {
                const uint8_t *in = src->pixels + (size_t)sy * src->stride;
                for (uint32_t ox = 0; ox < dw; ox++) {
                    const uint32_t *wx = ax.w + ax.off[ox];
                    const uint8_t *p = in + (size_t)ax.start[ox] * (size_t)ch;
                    uint32_t n = ax.count[ox];
                    for (int c = 0; c < ch; c++) {
                        uint32_t s = 0;
                        for (uint32_t i = 0; i < n; i++) s += wx[i] * p[(size_t)i * (size_t)ch + (size_t)c];
                        hrow[(size_t)ox * (size_t)ch + (size_t)c] = s;
                    }
                }
                cached = sy;
            }
            for (size_t k = 0; k < rowlen; k++) acc[k] += wy * hrow[k];
        }
        uint8_t *out = dst->pixels + (size_t)oy * dst->stride;
        for (size_t k = 0; k < rowlen; k++) out[k] = (uint8_t)((2 * acc[k] + denom) / (2 * denom));
    }
    st = MIRS_OK;
done:
    free(hrow);
    free(acc);
    area_axis_free(&ax);
    area_axis_free(&ay);
    return st;
}

/* ---- Pillow's convolution resampling ---- */

#define PRECISION_BITS (32 - 8 - 2)

typedef struct filter {
    double (*fn)(double);
    double support;
} filter;

static double bilinear_filter(double x)
{
    if (x < 0.0) x = -x;
    if (x < 1.0) return 1.0 - x;
    return 0.0;
}

static double bicubic_filter(double x)
{
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

/* Pillow's precompute_coeffs + normalize_coeffs_8bpc. */
static int precompute(uint32_t in_size, uint32_t out_size, const filter *f, int *ksize_out, int **bounds_out,
                      int32_t **kk_out)
{
    double scale = (double)in_size / out_size, filterscale = scale;
    if (filterscale < 1.0) filterscale = 1.0;
    double support = f->support * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    size_t n;
    if (!mirs__mul_ok(out_size, (size_t)ksize, &n)) return mirs__fail(MIRS_E_OVERFLOW, "resize: kernel too large");
    double *kk = malloc(n * sizeof *kk);
    int32_t *ik = malloc(n * sizeof *ik);
    int *bounds = malloc((size_t)out_size * 2 * sizeof *bounds);
    if (!kk || !ik || !bounds) {
        free(kk);
        free(ik);
        free(bounds);
        return mirs__fail(MIRS_E_NO_MEMORY, "resize: out of memory");
    }
    for (uint32_t xx = 0; xx < out_size; xx++) {
        double center = 0.0 + (xx + 0.5) * scale;
        double ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > (int)in_size) xmax = (int)in_size;
        xmax -= xmin;
        double *k = &kk[(size_t)xx * (size_t)ksize];
        int x;
        for (x = 0; x < xmax; x++) {
            double w = f->fn((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0) k[x] /= ww;
        for (; x < ksize; x++) k[x] = 0;
        bounds[xx * 2 + 0] = xmin;
        bounds[xx * 2 + 1] = xmax;
    }
    for (size_t i = 0; i < n; i++)
        ik[i] = kk[i] < 0 ? (int32_t)(-0.5 + kk[i] * (1 << PRECISION_BITS))
                          : (int32_t)(0.5 + kk[i] * (1 << PRECISION_BITS));
    free(kk);
    *ksize_out = ksize;
    *bounds_out = bounds;
    *kk_out = ik;
    return MIRS_OK;
}

static inline uint8_t clip8(int64_t v)
{
    if (v >= ((int64_t)1 << PRECISION_BITS << 8)) return 255;
    if (v <= 0) return 0;
    return (uint8_t)(v >> PRECISION_BITS);
}

static void pass_horizontal(const uint8_t *in, size_t in_stride, uint8_t *out, size_t out_stride, uint32_t rows,
                            uint32_t out_w, int ch, int ksize, const int *bounds, const int32_t *kk)
{
    for (uint32_t y = 0; y < rows; y++) {
        const uint8_t *src = in + (size_t)y * in_stride;
        uint8_t *dst = out + (size_t)y * out_stride;
        for (uint32_t x = 0; x < out_w; x++) {
            int xmin = bounds[x * 2], xmax = bounds[x * 2 + 1];
            const int32_t *k = &kk[(size_t)x * (size_t)ksize];
            for (int c = 0; c < ch; c++) {
                int64_t ss = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < xmax; i++) ss += (int64_t)src[(size_t)(i + xmin) * (size_t)ch + (size_t)c] * k[i];
                dst[(size_t)x * (size_t)ch + (size_t)c] = clip8(ss);
            }
        }
    }
}

static void pass_vertical(const uint8_t *in, size_t in_stride, uint8_t *out, size_t out_stride, uint32_t out_h,
                          uint32_t w, int ch, int ksize, const int *bounds, const int32_t *kk, int shift)
{
    size_t rowlen = (size_t)w * (size_t)ch;
    for (uint32_t y = 0; y < out_h; y++) {
        int ymin = bounds[y * 2] - shift, ymax = bounds[y * 2 + 1];
        const int32_t *k = &kk[(size_t)y * (size_t)ksize];
        uint8_t *dst = out + (size_t)y * out_stride;
        for (size_t i = 0; i < rowlen; i++) {
            int64_t ss = 1 << (PRECISION_BITS - 1);
            for (int j = 0; j < ymax; j++) ss += (int64_t)in[(size_t)(j + ymin) * in_stride + i] * k[j];
            dst[i] = clip8(ss);
        }
    }
}

static int resize_conv(const mirs_image *src, mirs_image *dst, const filter *f)
{
    uint32_t sw = src->width, sh = src->height, dw = dst->width, dh = dst->height;
    int ch = src->channels;
    int need_h = dw != sw, need_v = dh != sh;
    int ksh = 0, ksv = 0, *bh = NULL, *bv = NULL;
    int32_t *kh = NULL, *kv = NULL;
    uint8_t *tmp = NULL;
    int st;
    if ((st = precompute(sw, dw, f, &ksh, &bh, &kh))) return st;
    if ((st = precompute(sh, dh, f, &ksv, &bv, &kv))) goto done;
    if (!need_h && !need_v) {
        memcpy(dst->pixels, src->pixels, src->stride * sh);
        goto done;
    }
    int first = bv[0], last = bv[(dh - 1) * 2] + bv[(dh - 1) * 2 + 1];
    if (need_h && !need_v) {
        pass_horizontal(src->pixels, src->stride, dst->pixels, dst->stride, sh, dw, ch, ksh, bh, kh);
    } else if (need_h) {
        uint32_t rows = (uint32_t)(last - first);
        size_t tstride = (size_t)dw * (size_t)ch, total;
        if (!mirs__mul_ok(tstride, rows, &total) || !(tmp = malloc(total ? total : 1))) {
            st = mirs__fail(MIRS_E_NO_MEMORY, "resize: out of memory");
            goto done;
        }
        pass_horizontal(src->pixels + (size_t)first * src->stride, src->stride, tmp, tstride, rows, dw, ch, ksh, bh,
                        kh);
        pass_vertical(tmp, tstride, dst->pixels, dst->stride, dh, dw, ch, ksv, bv, kv, first);
    } else {
        pass_vertical(src->pixels, src->stride, dst->pixels, dst->stride, dh, dw, ch, ksv, bv, kv, 0);
    }
done:
    free(tmp);
    free(bh);
    free(bv);
    free(kh);
    free(kv);
    return st;
}

MIRS_API int mirs_image_resize(const mirs_image *img, uint32_t width, uint32_t height, int32_t method, mirs_image **out)
{
    MIRS_CHECK_ARG(img && out, "img and out must not be NULL");
    if (width == 0 || height == 0 || width > RESIZE_DIM_LIMIT || height > RESIZE_DIM_LIMIT)
        return mirs__fail(MIRS_E_LIMIT, "resize: target %ux%u outside 1..%u", width, height, RESIZE_DIM_LIMIT);
    if (method != MIRS_RESIZE_AREA && method != MIRS_RESIZE_BILINEAR && method != MIRS_RESIZE_BICUBIC)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "resize: unknown method %d", (int)method);
    mirs_image *dst;
    int st = mirs__image_new(width, height, img->layout, &dst);
    if (st) return st;
    static const filter bilinear = {bilinear_filter, 1.0}, bicubic = {bicubic_filter, 2.0};
    if (method == MIRS_RESIZE_AREA)
        st = resize_area(img, dst);
    else
        st = resize_conv(img, dst, method == MIRS_RESIZE_BILINEAR ? &bilinear : &bicubic);
    if (st) {
        mirs_image_free(dst);
        return st;
    }
    *out = dst;
    return MIRS_OK;
}

/* ---- Qwen2-VL smart_resize ---- */

MIRS_API int mirs_image_smart_resize(uint32_t height, uint32_t width, uint32_t factor, uint64_t min_pixels,
                                     uint64_t max_pixels, uint32_t *out_height, uint32_t *out_width)
{
    MIRS_CHECK_ARG(out_height && out_width, "out_height and out_width must not be NULL");
    if (height == 0 || width == 0 || factor == 0)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "smart_resize: height, width and factor must be > 0 (got %u, %u, %u)", height, width, factor);
    double hi = height > width ? height : width, lo = height > width ? width : height;
    if (hi / lo > 200)
        return mirs__fail(MIRS_E_RANGE, "smart_resize: absolute aspect ratio must be smaller than 200, got %.17g",
                          hi / lo);
    const double f = factor, H = height, W = width;
    /* Python's round() rounds half to even, as rint() does in the default mode. */
    double h_bar = rint(H / f) * f, w_bar = rint(W / f) * f;
    /* Products of exact integers below 2^53 are exact doubles, as in Python. */
    double hw = H * W;
    if (h_bar * w_bar > (double)max_pixels) {
        double beta = sqrt(hw / (double)max_pixels);
        h_bar = fmax(f, floor(H / beta / f) * f);
        w_bar = fmax(f, floor(W / beta / f) * f);
    } else if (h_bar * w_bar < (double)min_pixels) {
        double beta = sqrt((double)min_pixels / hw);
        h_bar = ceil(H * beta / f) * f;
        w_bar = ceil(W * beta / f) * f;
    }
    if (h_bar > 4294967295.0 || w_bar > 4294967295.0)
        return mirs__fail(MIRS_E_OVERFLOW, "smart_resize: result %.0fx%.0f does not fit 32 bits", h_bar, w_bar);
    *out_height = (uint32_t)h_bar;
    *out_width = (uint32_t)w_bar;
    return MIRS_OK;
}
