/* Image decoding benchmark (never run by meson test; bench_image.py drives
 * it and PIL in the same run and prints ratios).
 *   bench_image time PNG JPEG REPS   -> one JSON line per variant (median and min seconds)
 *   bench_image mem FILE [TW TH]     -> peak RSS growth of one decode, in bytes
 *   bench_image batch REPS THREADS FILE... -> one JSON line: median and min
 *                                    seconds of mirs_image_batch_run() over the files
 * "direct" decoders call libpng / libjpeg-turbo the plain way a C programmer
 * would (sequential libpng reading rows from memory; jpeg_mem_src and
 * read_scanlines into RGB rows), as the baseline the library must stay
 * within 5% of for JPEG (libjpeg-turbo is the floor for exact decoding). */
#include <mirsafety/mirsafety.h>

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include <jpeglib.h>
#include <png.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

/* ---- direct libpng ---- */
typedef struct memrd {
    const uint8_t *d;
    size_t n, pos;
} memrd;

static void png_rd(png_structp p, png_bytep out, size_t n)
{
    memrd *m = png_get_io_ptr(p);
    if (n > m->n - m->pos) png_error(p, "eof");
    memcpy(out, m->d + m->pos, n);
    m->pos += n;
}

static int direct_png(const uint8_t *d, size_t n, uint8_t **pixels)
{
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    memrd m = {d, n, 0};
    uint8_t *volatile out = NULL;
    if (setjmp(png_jmpbuf(p))) {
        png_destroy_read_struct(&p, &info, NULL);
        free(out);
        return -1;
    }
    png_set_read_fn(p, &m, png_rd);
    png_read_info(p, info);
    png_set_expand(p);
    png_set_strip_16(p);
    png_set_strip_alpha(p);
    png_set_gray_to_rgb(p);
    png_read_update_info(p, info);
    uint32_t w = png_get_image_width(p, info), h = png_get_image_height(p, info);
    out = malloc((size_t)w * h * 3);
    for (uint32_t y = 0; y < h; y++) png_read_row(p, out + (size_t)y * w * 3, NULL);
    png_read_end(p, NULL);
    png_destroy_read_struct(&p, &info, NULL);
    *pixels = out;
    return 0;
}

/* ---- direct libjpeg-turbo ---- */
static int direct_jpeg(const uint8_t *d, size_t n, uint8_t **pixels)
{
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, d, (unsigned long)n);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    size_t stride = (size_t)ci.output_width * 3;
    uint8_t *out = malloc(stride * ci.output_height);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW rows[4];
        for (int k = 0; k < 4; k++) rows[k] = out + (size_t)(ci.output_scanline + (JDIMENSION)k) * stride;
        jpeg_read_scanlines(&ci, rows,
                            ci.output_height - ci.output_scanline < 4 ? ci.output_height - ci.output_scanline : 4);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    *pixels = out;
    return 0;
}

/* The process's peak resident size (VmHWM; getrusage's maxrss would
 * include the parent's peak, which survives exec). */
static long hwm_bytes(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    if (f) fclose(f);
    return kb * 1024;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef int (*decode_fn)(const void *ctx);

typedef struct bctx {
    const uint8_t *d;
    size_t n;
    const char *path;
    int kind; /* 0 lib memory, 1 lib file, 2 direct png, 3 direct jpeg */
    uint32_t tw, th;
    int fast, libpng_only;
} bctx;

static int one(const bctx *c)
{
    mirs_image *img = NULL;
    uint8_t *px = NULL;
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.target_width = c->tw;
    o.target_height = c->th;
    if (c->fast) o.jpeg_dct = MIRS_JPEG_DCT_FAST;
    o.png_libpng_only = c->libpng_only;
    int st = 0;
    switch (c->kind) {
    case 0: st = mirs_image_decode_memory(c->d, c->n, &o, &img); break;
    case 1: st = mirs_image_decode_file(c->path, &o, &img); break;
    case 2: st = direct_png(c->d, c->n, &px); break;
    case 3: st = direct_jpeg(c->d, c->n, &px); break;
    }
    mirs_image_free(img);
    free(px);
    return st;
}

/* Runs every variant once per round, round after round, so a change in
 * machine load hits all of them alike; reports median and minimum. The
 * order is shuffled every round (a fixed seed): a decode runs faster right
 * after a decode of the same kind (warm instruction cache, branch predictors,
 * heap), so a fixed order favoured whichever variant followed its twin.
 * With the fixed order the libjpeg-turbo direct call always ran right after
 * the library's file decode of the same image and the library's memory decode
 * right after a PNG decode, which made the library look 6-8% slower; with
 * the two swapped the library was 1-2% faster (AMD EPYC, idle). */
static void run_interleaved(const char **names, const bctx *cs, int nv, int reps)
{
    double *t = malloc((size_t)nv * (size_t)reps * sizeof *t);
    for (int v = 0; v < nv; v++) one(&cs[v]); /* warm-up */
    int order[32];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < nv; i++) order[i] = i;
        for (int i = nv - 1; i > 0; i--) { /* Fisher-Yates with a 64-bit LCG */
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            int k = (int)((seed >> 33) % (uint64_t)(i + 1)), tmp = order[i];
            order[i] = order[k];
            order[k] = tmp;
        }
        for (int i = 0; i < nv; i++) {
            int v = order[i];
            double s = now();
            if (one(&cs[v]) != 0) {
                fprintf(stderr, "%s: decode failed: %s\n", names[v], mirs_error_last());
                exit(1);
            }
            t[v * reps + r] = now() - s;
        }
    }
    for (int v = 0; v < nv; v++) {
        qsort(t + v * reps, (size_t)reps, sizeof *t, cmp_double);
        printf("{\"name\":\"%s\",\"median\":%.9f,\"min\":%.9f}\n", names[v], t[v * reps + reps / 2], t[v * reps]);
    }
    free(t);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "time") == 0) {
        int reps = atoi(argv[4]);
        size_t pn, jn;
        uint8_t *p = slurp(argv[2], &pn), *j = slurp(argv[3], &jn);
        if (!p || !j) return 1;
        const char *names[] = {"png_lib_memory",
                               "png_lib_file",
                               "png_direct",
                               "png_lib_libpng_only",
                               "jpeg_lib_memory",
                               "jpeg_lib_file",
                               "jpeg_direct",
                               "jpeg_lib_file_fast",
                               "jpeg_lib_file_scaled_half",
                               "jpeg_lib_file_scaled_quarter"};
        bctx cs[10] = {
            {p, pn, argv[2], 0, 0, 0, 0, 0},     {p, pn, argv[2], 1, 0, 0, 0, 0}, {p, pn, argv[2], 2, 0, 0, 0, 0},
            {p, pn, argv[2], 0, 0, 0, 0, 1},     {j, jn, argv[3], 0, 0, 0, 0, 0}, {j, jn, argv[3], 1, 0, 0, 0, 0},
            {j, jn, argv[3], 3, 0, 0, 0, 0},     {j, jn, argv[3], 1, 0, 0, 1, 0}, {j, jn, argv[3], 1, 448, 448, 0, 0},
            {j, jn, argv[3], 1, 224, 224, 0, 0},
        };
        run_interleaved(names, cs, 10, reps);
        free(p);
        free(j);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "mem") == 0) {
        long h0 = hwm_bytes();
        mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
        if (argc >= 5) o.target_width = (uint32_t)atoi(argv[3]), o.target_height = (uint32_t)atoi(argv[4]);
        mirs_image *img = NULL;
        if (mirs_image_decode_file(argv[2], &o, &img) != MIRS_OK) return 1;
        printf("{\"peak_growth\":%ld,\"output\":%zu}\n", hwm_bytes() - h0,
               mirs_image_stride(img) * mirs_image_height(img));
        mirs_image_free(img);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "batch") == 0) {
        int reps = atoi(argv[2]);
        mirs_image_batch *b = NULL;
        if (reps < 1 || mirs_image_batch_new(&b) != MIRS_OK) return 1;
        for (int i = 4; i < argc; i++)
            if (mirs_image_batch_add_file(b, argv[i], 0, 0) != MIRS_OK) return 1;
        mirs_image_batch_options o = MIRS_IMAGE_BATCH_OPTIONS_INIT;
        o.threads = (uint32_t)atoi(argv[3]);
        double *t = malloc((size_t)reps * sizeof *t);
        size_t failed = 0;
        mirs_image_batch_run(b, &o, &failed); /* warm-up */
        for (int r = 0; r < reps; r++) {
            double s = now();
            if (mirs_image_batch_run(b, &o, &failed) != MIRS_OK || failed) {
                fprintf(stderr, "batch failed: %s\n", mirs_image_batch_message(b, 0));
                return 1;
            }
            t[r] = now() - s;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        printf("{\"threads\":%u,\"median\":%.9f,\"min\":%.9f}\n", o.threads, t[reps / 2], t[0]);
        free(t);
        mirs_image_batch_free(b);
        return 0;
    }
    fprintf(stderr, "usage: bench_image time PNG JPEG REPS | mem FILE [TW TH] | batch REPS THREADS FILE...\n");
    return 2;
}
