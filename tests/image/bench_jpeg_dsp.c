/* Speed of jpeg_dsp.c's output stage against libjpeg-turbo's own, in one run (never run by meson
 * test). A 1024x1024 quality-90 4:2:0 JPEG of smooth gradients plus noise, made in memory:
 *   render   mirs__jdsp_render of the whole image on one thread (AVX2 kernels where the CPU has
 *            them; the C kernels are timed too, for reference)
 *   libjpeg  its output stage (IDCT, upsampling, colour conversion), estimated as a full
 *            jpeg_read_scanlines decode to RGB (ISLOW, fancy upsampling) minus
 *            jpeg_read_coefficients of the same file (the Huffman decoding)
 * Each figure is the median of 30 runs.
 * usage: bench_jpeg_dsp [REPS] */
#include "image/jpeg_dsp.h"

#include "jpeg_ref.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static uint8_t *make_jpeg(uint32_t w, uint32_t h, unsigned long *len)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    uint32_t s = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                s = s * 1664525u + 1013904223u;
                int v = (int)((x * (3 + (uint32_t)c) + y * (5 - (uint32_t)c)) % 512);
                v = (v > 255 ? 511 - v : v) + (int)((s >> 8) % 33) - 16;
                px[((size_t)y * w + x) * 3 + (size_t)c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    uint8_t *jpg = encode(px, w, h, 3, 90, 2, 2, len);
    free(px);
    return jpg;
}

/* jpeg_read_coefficients alone: the Huffman decoding, subtracted from a full decode. */
static void read_coefs_only(const uint8_t *jpg, unsigned long n)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    open_decompress(&d, &jerr, jpg, n);
    jpeg_read_coefficients(&d);
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 30;
    if (reps < 1 || reps > 10000) reps = 30;
    const uint32_t w = 1024, h = 1024;
    unsigned long n;
    uint8_t *jpg = make_jpeg(w, h, &n);
    coefs k;
    read_coefs(jpg, n, &k);
    k.f.channels = 3;
    const jdsp_frame *f = &k.f;
    uint8_t *ref = malloc((size_t)w * h * 3), *out = malloc((size_t)w * h * 3);
    double *t = malloc((size_t)reps * sizeof *t);

    decode_ref(jpg, n, 3, ref);
    int have = mirs__jdsp_have_avx2();
    if (mirs__jdsp_render(f, 0, h, out, (size_t)w * 3) || memcmp(out, ref, (size_t)w * h * 3)) {
        fprintf(stderr, "render differs from libjpeg\n");
        return 1;
    }
    /* the three measured in turn in each round, so that load from elsewhere hits them alike */
    double *tr = malloc((size_t)reps * sizeof *tr), *tf = malloc((size_t)reps * sizeof *tf);
    double *tc = malloc((size_t)reps * sizeof *tc);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        mirs__jdsp_render(f, 0, h, out, (size_t)w * 3);
        double t1 = now();
        decode_ref(jpg, n, 3, out);
        double t2 = now();
        read_coefs_only(jpg, n);
        double t3 = now();
        tr[i] = t1 - t0;
        tf[i] = t2 - t1;
        tc[i] = t3 - t2;
    }
    double t_render = median(tr, reps), t_full = median(tf, reps), t_coef = median(tc, reps);
    mirs__jdsp_force_c(1);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        mirs__jdsp_render(f, 0, h, out, (size_t)w * 3);
        t[i] = now() - t0;
    }
    double t_render_c = median(t, reps);
    mirs__jdsp_force_c(0);
    double t_lj = t_full - t_coef;
    printf("1024x1024 q90 4:2:0, %lu bytes, median of %d runs\n", n, reps);
    printf("libjpeg full decode           %8.3f ms\n", t_full * 1e3);
    printf("libjpeg read_coefficients     %8.3f ms\n", t_coef * 1e3);
    printf("libjpeg output stage (diff)   %8.3f ms\n", t_lj * 1e3);
    printf("mirs__jdsp_render (%s)      %8.3f ms   ratio render / libjpeg output stage = %.3f\n",
           have ? "AVX2" : "C   ", t_render * 1e3, t_render / t_lj);
    printf("mirs__jdsp_render (C)         %8.3f ms   ratio = %.3f\n", t_render_c * 1e3, t_render_c / t_lj);
    free(t);
    free(tr);
    free(tf);
    free(tc);
    free(out);
    free(ref);
    free_coefs(&k);
    free(jpg);
    return 0;
}
