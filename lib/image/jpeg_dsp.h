/* The output stage of the two-thread JPEG decoder (jpeg_par.c): quantized
 * DCT coefficients in, final pixels out, bit-exact with libjpeg-turbo 2.1.5
 * decoding with dct_method = JDCT_ISLOW, do_fancy_upsampling = TRUE and
 * out_color_space JCS_EXT_RGB / JCS_EXT_RGBA (JCS_GRAYSCALE for gray files),
 * no scaling. AVX2 kernels where the CPU has them, a plain C reference
 * otherwise; both give the same bytes and the same return codes. Internal to
 * the image module (not public API). */
#ifndef MIRS_JPEG_DSP_H
#define MIRS_JPEG_DSP_H

#include <stddef.h>
#include <stdint.h>

/* 1 when this CPU runs the AVX2 kernels (cached after the first call; thread-safe). Setting
 * MIRS_JDSP_KERNEL=c in the environment (read once) or mirs__jdsp_force_c(1) makes it 0. */
int mirs__jdsp_have_avx2(void);

/* Tests and benchmarks only: nonzero makes every later render use the C kernels, 0 goes back
 * to the default. Process-wide; do not call while a render is running. */
void mirs__jdsp_force_c(int on);

typedef struct jdsp_frame {
    uint32_t width, height;        /* image size in pixels */
    int ncomp;                     /* 1 (gray) or 3 (YCbCr) */
    int h[3], v[3];                /* sampling factors in scan order (component 0 = Y). Supported:
                                      gray 1x1; 3 comps with Y 1x1/C 1x1 (4:4:4), Y 2x1/C 1x1 (4:2:2),
                                      Y 2x2/C 1x1 (4:2:0). For a gray image h[0], v[0] are not read:
                                      its single-component scan has one block per MCU. */
    const uint16_t *q[3];          /* each component's 64 quantizer values, natural (row-major) order */
    uint32_t mcus_w, mcus_h;       /* MCUs per MCU row, MCU rows */
    int blocks_per_mcu;            /* sum of h[c]*v[c] (1 for gray) */
    const int16_t *const *mcu_row; /* mcu_row[r]: the mcus_w MCUs of MCU row r, one after another; each MCU
                                      is its blocks_per_mcu blocks in scan order (component 0's h*v blocks
                                      row by row, then component 1's, then 2's), each block 64 quantized
                                      coefficients (not yet multiplied by q) in natural order */
    int channels;                  /* output: 3 RGB, 4 RGBA (alpha 255); 1 only for a 1-component image;
                                      a 1-component image with 3/4 channels gives R=G=B=gray */
    /* Appended for jpeg_par.c (zero them when unused, e.g. memset the whole struct): in MCU rows
     * r >= delta_row every block's DC coefficient of component c is read as
     * (int16_t)(stored + dc_delta[c]), wrapping modulo 2^16 like libjpeg's JCOEF store. */
    int32_t dc_delta[3];
    uint32_t delta_row;
} jdsp_frame;

/* Writes output rows [y0, y1) of the image: row y at out + (size_t)(y - y0) * stride, `channels`
 * bytes per pixel, exactly `width` pixels per row (nothing past them is written). y0 must be a
 * multiple of the MCU height (8 * max v) and y1 a multiple of it or the image height. Reads
 * mcu_row[r] only for the MCU rows covering [y0, y1) and, for 4:2:0, the chroma blocks of the
 * MCU row above and of the one below them where they exist (the upsampler's context: of those
 * only the one sample row next to the range is computed and checked; the call that renders
 * those rows checks their blocks whole).
 *
 * Reentrant: any number of threads may render disjoint row ranges of one
 * frame at once; the frame and the coefficients are only read. Scratch memory (about 70 *
 * width bytes for 4:2:0) is malloc'ed and freed inside each call.
 *
 * Returns 0; -1 when out of memory; -2 when this stage declines the frame: a layout or
 * argument it does not support (see jdsp_frame), or a block whose values leave the range in
 * which libjpeg-turbo's SIMD ISLOW IDCT (16-bit intermediates) is known to equal its C IDCT,
 * and so the result could depend on which libjpeg build decodes it: some |coef * q| >
 * 16383, a first-pass output outside [-16384, 16383], or an output sample before range
 * limiting outside [-512, 511] (relative to 128; where libjpeg's C range_limit table stops
 * agreeing with a clamp). Real encoders' files stay far inside (about 4x margin); on -2 the
 * caller decodes the image with libjpeg. The rows already written are then unspecified. */
int mirs__jdsp_render(const jdsp_frame *f, uint32_t y0, uint32_t y1, uint8_t *out, size_t stride);

#endif
