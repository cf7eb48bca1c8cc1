/* jpeg_dsp.c (the two-thread JPEG decoder's output stage) against libjpeg-turbo itself, byte for
 * byte: JPEGs made in memory with libjpeg (4:2:0, 4:2:2, 4:4:4, gray; many sizes and qualities),
 * decoded by libjpeg with ISLOW and fancy upsampling to RGB / RGBA / gray for the expected pixels,
 * and read again with jpeg_read_coefficients for the stage's input. Every file is rendered whole,
 * in two ranges split at a middle MCU row, one MCU row per call and (large ones) in two halves on
 * two threads at once, with the AVX2 kernels (when the CPU has them) and with the C ones.
 * Rewritten files (jpeg_write_coefficients) add hostile coefficients and quantizers, where the
 * stage must match libjpeg or decline (-2), every (Cb, Cr) pair through the colour conversion,
 * and the DC correction jpeg_par.c uses. All of it runs three times: against libjpeg-turbo's AVX2
 * (default here), SSE2 and plain C code paths (see main). */
#include "image/jpeg_dsp.h"

#include "jpeg_ref.h"
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jpeglib.h>

static uint32_t rng;
static uint32_t rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng >> 8;
}

static int avx2_cpu;

/* ---- libjpeg helpers (more in jpeg_ref.h; its default error handler exits on errors: the test then fails) ---- */

/* Smooth gradients, noise and hard-edged rectangles (saturated colours included). */
static uint8_t *make_pixels(uint32_t w, uint32_t h, int comps, uint32_t seed)
{
    uint8_t *px = malloc((size_t)w * h * (size_t)comps);
    rng = seed;
    uint32_t rx = rnd() % (w + 1), ry = rnd() % (h + 1), rw = w / 3 + 1, rh = h / 4 + 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < comps; c++) {
                int v = (int)((x * 255) / (w > 1 ? w - 1 : 1) + (y * 255) / (h > 1 ? h - 1 : 1)) / 2;
                v = c == 1 ? 255 - v : c == 2 ? (v + 85 * (int)((x / 16 + y / 16) % 3)) % 256 : v;
                v += (int)(rnd() % 49) - 24;
                if (x >= rx && x < rx + rw && y >= ry && y < ry + rh) v = c == (int)(seed % 3) ? 255 : 0;
                if ((x + 2 * y) % 37 == 0) v = 255 - v;
                px[((size_t)y * w + x) * (size_t)comps + (size_t)c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    return px;
}

/* libjpeg warns on stderr about 16-bit quantizers (not baseline): expected here. */
static void quiet(j_common_ptr c, int level)
{
    (void)c;
    (void)level;
}

/* A file's coefficients and quantizers changed by mod, written again as a JPEG. */
typedef void (*mod_fn)(j_decompress_ptr d, jvirt_barray_ptr *arr, JQUANT_TBL **q, uint32_t seed);

static uint8_t *rewrite(const uint8_t *jpg, unsigned long n, mod_fn mod, uint32_t seed, unsigned long *len)
{
    struct jpeg_decompress_struct d;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr je1, je2;
    open_decompress(&d, &je1, jpg, n);
    c.err = jpeg_std_error(&je2);
    je2.emit_message = quiet;
    jvirt_barray_ptr *arr = jpeg_read_coefficients(&d);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    *len = 0;
    jpeg_mem_dest(&c, &buf, len);
    jpeg_copy_critical_parameters(&d, &c);
    mod(&d, arr, c.quant_tbl_ptrs, seed);
    jpeg_write_coefficients(&c, arr);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return buf;
}

/* ---- comparing ---- */

static int n_files, n_renders, n_declined, n_accepted_hostile;

/* Renders [y0, y1) into out (row y0 at out); returns the status. */
static int render(const jdsp_frame *f, uint32_t y0, uint32_t y1, uint8_t *out, size_t stride)
{
    n_renders++;
    return mirs__jdsp_render(f, y0, y1, out, stride);
}

typedef struct half {
    const jdsp_frame *f;
    uint32_t y0, y1;
    uint8_t *out;
    size_t stride;
    int st;
} half;

static void *render_half(void *arg)
{
    half *a = arg;
    a->st = mirs__jdsp_render(a->f, a->y0, a->y1, a->out, a->stride);
    return NULL;
}

/* Renders the whole image, then again as two ranges split at a middle MCU row (as the two threads
 * do), then one MCU row per call (every row's context computed at both ends), then (large images)
 * the two halves on two threads at once; compares with ref (and the bytes between rows must stay
 * untouched). hostile: -2 is allowed (then every way must say so). Returns the status, or 1
 * after a reported mismatch. */
static int check_render(const char *name, const jdsp_frame *f, const uint8_t *ref, int hostile)
{
    uint32_t w = f->width, h = f->height, mcuh = 8u * (uint32_t)(f->ncomp == 3 ? f->v[0] : 1);
    size_t rowb = (size_t)w * (size_t)f->channels, stride = rowb + 5;
    uint8_t *out = malloc(stride * h);
    uint32_t mid = f->mcus_h / 2 * mcuh;
    int status = 0;
    static const char *const how[4] = {"whole", "split", "by MCU row", "two threads"};
    for (int pass = 0; pass < 4; pass++) {
        if ((pass == 1 || pass == 3) && (mid == 0 || mid >= h)) continue;
        if (pass == 2 && f->mcus_h < 3) continue;
        if (pass == 3 && w < 600) continue;
        memset(out, 0xA5, stride * h);
        int st = 0;
        if (pass == 0)
            st = render(f, 0, h, out, stride);
        else if (pass == 1) {
            st = render(f, 0, mid, out, stride);
            int st2 = render(f, mid, h, out + (size_t)mid * stride, stride);
            /* a hostile block is checked whole only by the call that renders its rows */
            st = st ? st : st2;
        } else if (pass == 2)
            for (uint32_t y = 0; y < h; y += mcuh) {
                int st2 = render(f, y, y + mcuh < h ? y + mcuh : h, out + (size_t)y * stride, stride);
                st = st ? st : st2;
            }
        else {
            half top = {f, 0, mid, out, stride, 0}, bottom = {f, mid, h, out + (size_t)mid * stride, stride, 0};
            pthread_t t;
            n_renders += 2;
            if (pthread_create(&t, NULL, render_half, &bottom)) {
                fprintf(stderr, "%s: no thread\n", name);
                t_fail++;
                break;
            }
            render_half(&top);
            pthread_join(t, NULL);
            st = top.st ? top.st : bottom.st;
        }
        if (pass == 0) status = st;
        if (st != status) {
            fprintf(stderr, "%s: whole image gave %d, %s %d\n", name, status, how[pass], st);
            t_fail++;
            free(out);
            return 1;
        }
        if (st == -2 && hostile) continue;
        if (st != 0) {
            fprintf(stderr, "%s: render %s returned %d\n", name, how[pass], st);
            t_fail++;
            free(out);
            return 1;
        }
        for (uint32_t y = 0; y < h; y++) {
            const uint8_t *a = out + (size_t)y * stride, *b = ref + (size_t)y * rowb;
            if (memcmp(a, b, rowb)) {
                size_t i = 0;
                while (a[i] == b[i]) i++;
                fprintf(stderr, "%s (%s): first mismatch at x=%zu y=%u channel %zu: got %u, libjpeg %u\n", name,
                        how[pass], i / (size_t)f->channels, y, i % (size_t)f->channels, a[i], b[i]);
                t_fail++;
                free(out);
                return 1;
            }
            for (size_t g = rowb; g < stride; g++)
                if (a[g] != 0xA5) {
                    fprintf(stderr, "%s: wrote past the width in row %u\n", name, y);
                    t_fail++;
                    free(out);
                    return 1;
                }
        }
        t_pass++;
    }
    free(out);
    return status;
}

/* Every output the file allows, both kernels; the kernels must agree on the status. */
static void check_jpeg(const char *name, const uint8_t *jpg, unsigned long n, int hostile, const coefs *override)
{
    coefs k;
    if (override)
        k = *override;
    else
        read_coefs(jpg, n, &k);
    n_files++;
    int chans[3] = {3, 4, 1}, nch = k.f.ncomp == 1 ? 3 : 2;
    for (int ic = 0; ic < nch; ic++) {
        k.f.channels = chans[ic];
        uint8_t *ref = decode_ref(jpg, n, chans[ic], NULL);
        int st_c = 0;
        for (int kern = avx2_cpu ? 0 : 1; kern < 2; kern++) {
            char label[256];
            snprintf(label, sizeof label, "%s ch=%d %s", name, chans[ic], kern ? "C" : "AVX2");
            mirs__jdsp_force_c(kern);
            int st = check_render(label, &k.f, ref, hostile);
            if (kern == 0) st_c = st;
            if (kern == 1 && avx2_cpu && st != st_c) {
                fprintf(stderr, "%s: AVX2 returned %d, C %d\n", label, st_c, st);
                t_fail++;
            }
            if (st == -2) n_declined++;
            if (st == 0 && hostile) n_accepted_hostile++;
        }
        mirs__jdsp_force_c(0);
        free(ref);
    }
    if (!override) free_coefs(&k);
}

/* ---- hostile rewrites ---- */

static JBLOCKROW block_row(j_decompress_ptr d, jvirt_barray_ptr a, JDIMENSION r)
{
    return (*d->mem->access_virt_barray)((j_common_ptr)d, a, r, 1, TRUE)[0];
}

static JDIMENSION rows_of(j_decompress_ptr d, int c)
{
    jpeg_component_info *ci = &d->comp_info[c];
    int v = d->num_components == 1 ? 1 : ci->v_samp_factor;
    return (ci->height_in_blocks + (JDIMENSION)v - 1) / (JDIMENSION)v * (JDIMENSION)v;
}

static JDIMENSION cols_of(j_decompress_ptr d, int c)
{
    jpeg_component_info *ci = &d->comp_info[c];
    int h = d->num_components == 1 ? 1 : ci->h_samp_factor;
    return (ci->width_in_blocks + (JDIMENSION)h - 1) / (JDIMENSION)h * (JDIMENSION)h;
}

/* Coefficients (quantizer 1) of an 8x8 block of samples around 0 with a few spikes of 300-650:
 * its IDCT lands around the ends of [-512, 511] where the exact range check must decide. */
static void spike_block(JCOEF *blk)
{
    double f[64], pi = 3.14159265358979323846;
    int base = (int)(rnd() % 201) - 100;
    for (int i = 0; i < 64; i++) f[i] = base;
    for (int k = (int)(rnd() % 3); k >= 0; k--) f[rnd() % 64] = (rnd() % 2 ? 1 : -1) * (300.0 + rnd() % 351);
    for (int u = 0; u < 8; u++)
        for (int v = 0; v < 8; v++) {
            double acc = 0;
            for (int y = 0; y < 8; y++)
                for (int x = 0; x < 8; x++)
                    acc += f[y * 8 + x] * cos((2 * y + 1) * u * pi / 16) * cos((2 * x + 1) * v * pi / 16);
            acc *= (u ? 1 : sqrt(0.5)) * (v ? 1 : sqrt(0.5)) / 4;
            blk[u * 8 + v] = (JCOEF)lround(acc);
        }
}

/* seed % 100 < 20: seed % 5 picks the kind, else kind 4. 0 large AC values (up to the 1023 baseline Huffman coding
 * allows); 1 the same with 16-bit quantizers up to 32767; 2 small changes, quantizers up to 40 (values near the clamp);
 * 3 DC-only blocks, DC quantizers 4-16, samples before clamping mostly within [-600, 600];
 * 4 quantizers 1 and one spiky block. */
static void mod_hostile(j_decompress_ptr d, jvirt_barray_ptr *arr, JQUANT_TBL **q, uint32_t seed)
{
    rng = seed * 2654435761u + 7;
    int kind = (int)(seed % 100 < 20 ? seed % 5 : 4);
    for (int t = 0; t < NUM_QUANT_TBLS; t++) {
        if (!q[t]) continue;
        for (int i = 0; i < 64; i++) {
            UINT16 *v = &q[t]->quantval[i];
            if (kind == 1 && rnd() % 3 == 0) *v = (UINT16)(1 + rnd() % 32767);
            if (kind == 2 && rnd() % 4 == 0) *v = (UINT16)(1 + rnd() % 40);
            if (kind == 3 && i == 0) *v = (UINT16)(4 + rnd() % 13);
            if (kind == 4) *v = 1;
        }
    }
    int sc = (int)(rnd() % (uint32_t)d->num_components);
    JDIMENSION sr = rnd() % d->comp_info[sc].height_in_blocks, sx = rnd() % d->comp_info[sc].width_in_blocks;
    for (int c = 0; c < d->num_components; c++)
        for (JDIMENSION r = 0; r < rows_of(d, c); r++) {
            JBLOCKROW b = block_row(d, arr[c], r);
            for (JDIMENSION x = 0; x < cols_of(d, c); x++) {
                JCOEF *blk = b[x];
                if (kind == 4) {
                    if (c == sc && r == sr && x == sx) spike_block(blk);
                    continue;
                }
                if (kind == 3) {
                    if (rnd() % 2) {
                        memset(blk + 1, 0, 63 * sizeof(JCOEF));
                        int lim = 4800 / q[d->comp_info[c].quant_tbl_no]->quantval[0];
                        lim = lim > 1000 ? 1000 : lim;
                        blk[0] = (JCOEF)((int)(rnd() % (uint32_t)(2 * lim + 1)) - lim);
                    }
                    continue;
                }
                if (rnd() % 4) continue;
                for (int i = 1; i < 64; i++) {
                    uint32_t u = rnd();
                    if (kind == 2) {
                        if (u % 5 == 0) blk[i] = (JCOEF)(blk[i] + (int)(u / 5 % 21) - 10);
                    } else if (u % 13 == 0)
                        blk[i] = (JCOEF)((int)(u / 13 % 2047) - 1023);
                }
            }
        }
}

/* DC values of one component walked (steps within the 2047 a DC difference can code) down to
 * -32768, up to 32767 and back; every block of that component in scan order (gray or chroma). */
static void mod_dc_ramp(j_decompress_ptr d, jvirt_barray_ptr *arr, JQUANT_TBL **q, uint32_t seed)
{
    int c = d->num_components == 1 ? 0 : 1;
    int32_t v = 0, target = -32768;
    for (int i = 0; i < 64; i++)
        if (q[d->comp_info[c].quant_tbl_no]) q[d->comp_info[c].quant_tbl_no]->quantval[i] = (UINT16)(1 + (seed % 3));
    for (JDIMENSION r = 0; r < rows_of(d, c); r++) {
        JBLOCKROW b = block_row(d, arr[c], r);
        for (JDIMENSION x = 0; x < cols_of(d, c); x++) {
            if (v == target) target = target == -32768 ? 32767 : 0;
            int32_t step = target - v;
            step = step > 2000 ? 2000 : step < -2000 ? -2000 : step;
            v += step;
            b[x][0] = (JCOEF)v;
            if (seed % 2) memset(b[x] + 1, 0, 63 * sizeof(JCOEF));
        }
    }
}

/* Every (Cb, Cr) pair once, one 8x8 block each, with Y spread by a few AC terms. */
static void mod_all_chroma(j_decompress_ptr d, jvirt_barray_ptr *arr, JQUANT_TBL **q, uint32_t seed)
{
    (void)seed;
    for (int t = 0; t < NUM_QUANT_TBLS; t++)
        if (q[t])
            for (int i = 0; i < 64; i++) q[t]->quantval[i] = (UINT16)(i ? 2 : 8);
    for (int c = 0; c < 3; c++)
        for (JDIMENSION r = 0; r < rows_of(d, c); r++) {
            JBLOCKROW b = block_row(d, arr[c], r);
            for (JDIMENSION x = 0; x < cols_of(d, c); x++) {
                memset(b[x], 0, 64 * sizeof(JCOEF));
                /* DC * 8 = 8 * (value - 128): the block's samples are that value */
                if (c == 1) b[x][0] = (JCOEF)((int)(x % 256) - 128);
                if (c == 2) b[x][0] = (JCOEF)((int)(r % 256) - 128);
                if (c == 0) {
                    b[x][0] = (JCOEF)((int)((x * 7 + r * 13) % 256) - 128);
                    b[x][1] = (JCOEF)((int)(x % 61) - 30);
                    b[x][8] = (JCOEF)((int)(r % 53) - 26);
                    b[x][9] = (JCOEF)((int)((x + r) % 41) - 20);
                }
            }
        }
}

/* ---- cases ---- */

static const struct {
    uint32_t w, h;
} sizes[] = {{1, 1}, {7, 9}, {15, 17}, {16, 16}, {17, 33}, {33, 17}, {100, 75}, {257, 129}, {640, 480}, {1024, 1024},
             {2, 3}, {3, 2}, {4, 7},   {5, 5},   {6, 6},   {9, 1},   {1, 9},    {31, 47},   {48, 49}};
static const int qualities[] = {30, 75, 90, 95, 100};
static const struct {
    const char *name;
    int comps, hs, vs;
} subs[] = {{"420", 3, 2, 2}, {"422", 3, 2, 1}, {"444", 3, 1, 1}, {"gray", 1, 1, 1}};

static void natural_cases(void)
{
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t qi = 0; qi < sizeof qualities / sizeof qualities[0]; qi++)
            for (size_t m = 0; m < sizeof subs / sizeof subs[0]; m++) {
                uint32_t w = sizes[s].w, h = sizes[s].h;
                uint8_t *px = make_pixels(w, h, subs[m].comps, (uint32_t)(s * 131 + qi * 17 + m));
                unsigned long n;
                uint8_t *jpg = encode(px, w, h, subs[m].comps, qualities[qi], subs[m].hs, subs[m].vs, &n);
                char name[128];
                snprintf(name, sizeof name, "%ux%u q%d %s", w, h, qualities[qi], subs[m].name);
                check_jpeg(name, jpg, n, 0, NULL);
                free(jpg);
                free(px);
            }
}

static void hostile_cases(void)
{
    static const struct {
        uint32_t w, h;
    } hs[] = {{100, 75}, {33, 17}, {130, 140}};
    for (size_t s = 0; s < sizeof hs / sizeof hs[0]; s++)
        for (size_t m = 0; m < sizeof subs / sizeof subs[0]; m++) {
            uint32_t w = hs[s].w, h = hs[s].h;
            uint8_t *px = make_pixels(w, h, subs[m].comps, (uint32_t)(1000 + s * 7 + m));
            unsigned long n;
            uint8_t *jpg = encode(px, w, h, subs[m].comps, 75, subs[m].hs, subs[m].vs, &n);
            for (uint32_t seed = 0; seed < 44; seed++) {
                unsigned long n2;
                uint8_t *j2 = rewrite(jpg, n, mod_hostile, seed + 100 * (uint32_t)(s * 4 + m), &n2);
                char name[160];
                snprintf(name, sizeof name, "%ux%u %s hostile kind %u seed %u", w, h, subs[m].name,
                         seed < 20 ? seed % 5 : 4, seed);
                check_jpeg(name, j2, n2, 1, NULL);
                free(j2);
            }
            for (uint32_t seed = 0; seed < 6; seed++) {
                unsigned long n2;
                uint8_t *j2 = rewrite(jpg, n, mod_dc_ramp, seed, &n2);
                char name[160];
                snprintf(name, sizeof name, "%ux%u %s DC ramp %u", w, h, subs[m].name, seed);
                check_jpeg(name, j2, n2, 1, NULL);
                free(j2);
            }
            free(jpg);
            free(px);
        }
}

/* 256 x 256 blocks: block (x, y) has Cb = x, Cr = y. */
static void all_chroma_case(void)
{
    uint32_t w = 2048, h = 2048;
    uint8_t *px = calloc((size_t)w * h, 3);
    unsigned long n, n2;
    uint8_t *jpg = encode(px, w, h, 3, 90, 1, 1, &n);
    uint8_t *j2 = rewrite(jpg, n, mod_all_chroma, 0, &n2);
    check_jpeg("2048x2048 444 every (Cb, Cr)", j2, n2, 0, NULL);
    free(j2);
    free(jpg);
    free(px);
}

/* jpeg_par.c's DC correction: rows from delta_row on hold DC - delta (mod 2^16). */
static void dc_delta_case(void)
{
    for (size_t m = 0; m < sizeof subs / sizeof subs[0]; m++) {
        uint8_t *px = make_pixels(200, 150, subs[m].comps, 77 + (uint32_t)m);
        unsigned long n;
        uint8_t *jpg = encode(px, 200, 150, subs[m].comps, 85, subs[m].hs, subs[m].vs, &n);
        coefs k;
        read_coefs(jpg, n, &k);
        static const int32_t deltas[3] = {1000, -7, 70000};
        k.f.delta_row = k.f.mcus_h / 2 - 1;
        int first = 0;
        for (int c = 0; c < k.f.ncomp; c++) {
            k.f.dc_delta[c] = deltas[c];
            for (uint32_t r = k.f.delta_row; r < k.f.mcus_h; r++)
                for (uint32_t mc = 0; mc < k.f.mcus_w; mc++)
                    for (int b = 0; b < k.f.h[c] * k.f.v[c]; b++) {
                        int16_t *blk = k.data + ((size_t)r * k.f.mcus_w + mc) * (size_t)k.f.blocks_per_mcu * 64 +
                                       (size_t)(first + b) * 64;
                        uint32_t u = ((uint32_t)(int32_t)blk[0] - (uint32_t)deltas[c]) & 0xFFFFu;
                        blk[0] = (int16_t)(u >= 0x8000u ? (int32_t)u - 0x10000 : (int32_t)u);
                    }
            first += k.f.h[c] * k.f.v[c];
        }
        char name[64];
        snprintf(name, sizeof name, "200x150 %s DC delta", subs[m].name);
        check_jpeg(name, jpg, n, 0, &k);
        free_coefs(&k);
        free(jpg);
        free(px);
    }
}

static void argument_cases(void)
{
    uint8_t *px = make_pixels(40, 40, 3, 5);
    unsigned long n;
    uint8_t *jpg = encode(px, 40, 40, 3, 80, 2, 2, &n);
    coefs k;
    read_coefs(jpg, n, &k);
    k.f.channels = 3;
    uint8_t *out = malloc(40 * 40 * 4);
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 0, 40, out, 120), 0);
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 8, 40, out, 120), -2); /* y0 inside an MCU row */
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 0, 24, out, 120), -2); /* y1 inside one */
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 0, 41, out, 120), -2); /* past the height */
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 16, 16, out, 120), 0); /* nothing to do */
    CHECK_EQ_INT(mirs__jdsp_render(&k.f, 0, 40, out, 119), -2); /* stride below a row */
    jdsp_frame f = k.f;
    f.channels = 1;
    CHECK_EQ_INT(mirs__jdsp_render(&f, 0, 40, out, 120), -2);
    f = k.f;
    f.h[0] = 1; /* Y 1x2 */
    CHECK_EQ_INT(mirs__jdsp_render(&f, 0, 40, out, 120), -2);
    f = k.f;
    f.mcus_w = 2;
    CHECK_EQ_INT(mirs__jdsp_render(&f, 0, 40, out, 120), -2);
    free(out);
    free_coefs(&k);
    free(jpg);
    free(px);
}

static int run_all(const char *libjpeg)
{
    avx2_cpu = mirs__jdsp_have_avx2();
    printf("[libjpeg %s] AVX2 kernels %s\n", libjpeg, avx2_cpu ? "tested" : "not available: C kernels only");
    argument_cases();
    natural_cases();
    dc_delta_case();
    all_chroma_case();
    hostile_cases();
    printf("[libjpeg %s] %d files, %d renders; hostile files: %d renders declined (-2), %d matched libjpeg\n", libjpeg,
           n_files, n_renders, n_declined, n_accepted_hostile);
    /* the hostile files must exercise both outcomes */
    CHECK(n_declined > 0);
    CHECK(n_accepted_hostile > 0);
    char name[64];
    snprintf(name, sizeof name, "jpeg-dsp [libjpeg %s]", libjpeg);
    return test_summary(name);
}

/* libjpeg-turbo picks its kernels once per process (JSIMD_FORCE* in the environment), so its
 * SSE2 and plain C code paths are checked in children forked before it is first used: the
 * stage's -2 bounds are exactly where those agree with the AVX2 asm. */
int main(void)
{
    static const char *const force[2] = {"JSIMD_FORCENONE", "JSIMD_FORCESSE2"};
    static const char *const label[2] = {"C code", "SSE2"};
    int failed = 0;
    for (int i = 0; i < 2; i++) {
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            setenv(force[i], "1", 1);
            int rc = run_all(label[i]);
            fflush(stdout);
            _exit(rc);
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
            fprintf(stderr, "run against libjpeg's %s failed\n", label[i]);
            failed = 1;
        }
    }
    return run_all("default (AVX2 here)") || failed;
}
