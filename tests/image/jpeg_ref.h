/* libjpeg as the reference for jpeg_dsp.c, shared by test_jpeg_dsp.c and bench_jpeg_dsp.c: JPEGs
 * made in memory, libjpeg's own pixels, and the stage's input read with jpeg_read_coefficients.
 * Header-only (static inline, so a program that uses only some of it gets no unused-function
 * warning). libjpeg's default error handler exits on errors: a test then fails, a benchmark stops. */
#ifndef MIRS_TESTS_JPEG_REF_H
#define MIRS_TESTS_JPEG_REF_H

#include "image/jpeg_dsp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

/* d reading the n bytes at jpg, its header read; jerr must live as long as d. */
static inline void open_decompress(struct jpeg_decompress_struct *d, struct jpeg_error_mgr *jerr, const uint8_t *jpg,
                                   unsigned long n)
{
    d->err = jpeg_std_error(jerr);
    jpeg_create_decompress(d);
    jpeg_mem_src(d, jpg, n);
    jpeg_read_header(d, TRUE);
}

/* px (comps 1 gray, 3 RGB; w * comps bytes a row) as a JPEG of the given quality, Y sampled hs x vs
 * (chroma 1x1); *len its size. The buffer is libjpeg's: free() it. */
static inline uint8_t *encode(const uint8_t *px, uint32_t w, uint32_t h, int comps, int quality, int hs, int vs,
                              unsigned long *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    *len = 0;
    jpeg_mem_dest(&c, &buf, len);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (comps == 3) {
        c.comp_info[0].h_samp_factor = hs;
        c.comp_info[0].v_samp_factor = vs;
        for (int k = 1; k < 3; k++) c.comp_info[k].h_samp_factor = c.comp_info[k].v_samp_factor = 1;
    }
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * (size_t)comps);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return buf;
}

/* libjpeg's pixels: ISLOW, fancy upsampling, ch 1 gray, 3 RGB, 4 RGBA; width * ch bytes a row, no
 * gap. Into px, or with px NULL into a new buffer (free() it); returns the buffer. Up to 16 rows
 * a call, as a real decoder reads them (the benchmark times this). */
static inline uint8_t *decode_ref(const uint8_t *jpg, unsigned long n, int ch, uint8_t *px)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    open_decompress(&d, &jerr, jpg, n);
    d.out_color_space = ch == 1 ? JCS_GRAYSCALE : ch == 3 ? JCS_EXT_RGB : JCS_EXT_RGBA;
    d.dct_method = JDCT_ISLOW;
    d.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&d);
    size_t rowb = (size_t)d.output_width * (size_t)ch;
    if (!px) px = malloc(rowb * d.output_height);
    while (d.output_scanline < d.output_height) {
        JSAMPROW rows[16];
        JDIMENSION left = d.output_height - d.output_scanline, k = left < 16 ? left : 16;
        for (JDIMENSION i = 0; i < k; i++) rows[i] = px + (size_t)(d.output_scanline + i) * rowb;
        jpeg_read_scanlines(&d, rows, k);
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return px;
}

/* The stage's input: coefficients rearranged MCU by MCU, quantizers, the frame. */
typedef struct coefs {
    int16_t *data;
    const int16_t **rows;
    uint16_t q[3][64];
    jdsp_frame f;
} coefs;

/* k filled from the file (f.channels 0, dc_delta and delta_row 0: the caller sets them); free_coefs
 * releases it. */
static inline void read_coefs(const uint8_t *jpg, unsigned long n, coefs *k)
{
    struct jpeg_decompress_struct d;
    struct jpeg_error_mgr jerr;
    open_decompress(&d, &jerr, jpg, n);
    jvirt_barray_ptr *arr = jpeg_read_coefficients(&d);
    memset(k, 0, sizeof *k);
    jdsp_frame *f = &k->f;
    f->width = d.image_width;
    f->height = d.image_height;
    f->ncomp = d.num_components;
    int bpm = 0;
    for (int c = 0; c < f->ncomp; c++) {
        jpeg_component_info *ci = &d.comp_info[c];
        f->h[c] = f->ncomp == 1 ? 1 : ci->h_samp_factor;
        f->v[c] = f->ncomp == 1 ? 1 : ci->v_samp_factor;
        bpm += f->h[c] * f->v[c];
        memcpy(k->q[c], ci->quant_table->quantval, sizeof k->q[c]);
        f->q[c] = k->q[c];
    }
    f->blocks_per_mcu = bpm;
    f->mcus_w = f->ncomp == 1 ? d.comp_info[0].width_in_blocks : d.MCUs_per_row;
    f->mcus_h = f->ncomp == 1 ? d.comp_info[0].height_in_blocks : d.MCU_rows_in_scan;
    size_t per_row = (size_t)f->mcus_w * (size_t)bpm * 64;
    k->data = malloc(per_row * f->mcus_h * sizeof(int16_t));
    k->rows = malloc(f->mcus_h * sizeof *k->rows);
    int first = 0;
    for (int c = 0; c < f->ncomp; c++) {
        int hc = f->h[c], vc = f->v[c];
        for (uint32_t br = 0; br < f->mcus_h * (uint32_t)vc; br++) {
            JBLOCKARRAY b = (*d.mem->access_virt_barray)((j_common_ptr)&d, arr[c], br, 1, FALSE);
            uint32_t r = br / (uint32_t)vc, by = br % (uint32_t)vc;
            for (uint32_t bc = 0; bc < f->mcus_w * (uint32_t)hc; bc++) {
                uint32_t m = bc / (uint32_t)hc, bx = bc % (uint32_t)hc;
                int16_t *dst =
                    k->data + r * per_row + ((size_t)m * (size_t)bpm + (size_t)first + by * (uint32_t)hc + bx) * 64;
                for (int i = 0; i < 64; i++) dst[i] = b[0][bc][i];
            }
        }
        first += hc * vc;
    }
    for (uint32_t r = 0; r < f->mcus_h; r++) k->rows[r] = k->data + r * per_row;
    f->mcu_row = k->rows;
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
}

static inline void free_coefs(coefs *k)
{
    free(k->data);
    free(k->rows);
}

#endif
