/* One baseline JPEG decoded by two threads: a Huffman decoder of our own,
 * split speculatively in the middle of the entropy-coded data, and the
 * output stage of jpeg_dsp.c (see jpeg_par.c). Internal to the image
 * module; jpeg.c parses the headers with libjpeg and hands over what this
 * decoder needs. */
#ifndef MIRS_JPEG_PAR_H
#define MIRS_JPEG_PAR_H

#include <stddef.h>
#include <stdint.h>

typedef struct jpar_hdr {
    uint32_t width, height;
    int ncomp;                 /* 1 or 3, in scan order = frame order */
    int h[3], v[3];            /* sampling factors */
    const uint16_t *q[3];      /* quantizers, natural order */
    const uint8_t *dc_bits[3]; /* each component's DC table: bits[1..16] */
    const uint8_t *dc_vals[3]; /*   and huffval[] */
    const uint8_t *ac_bits[3]; /* AC table */
    const uint8_t *ac_vals[3];
    const uint8_t *scan; /* the first byte of entropy-coded data */
    size_t scan_len;     /* bytes from there to the end of the input */
    int channels;        /* output: 1 (gray file), 3 or 4 */
} jpar_hdr;

/* 1 when this CPU can run the decoder (AVX2 and BMI2; cached, thread-safe). */
int mirs__jpeg_par_supported(void);

/* Decodes into img (width x height, `channels` bytes per pixel, its own
 * stride) on two threads. MIRS_OK, or 1 when this decoder declines the
 * file: anything a clean baseline stream would not contain (an invalid
 * Huffman table or code, data running out or left over, a marker other
 * than EOI after the scan, extreme coefficients), or no memory or thread;
 * the caller then decodes with libjpeg, which reports exactly what it
 * always does. The pixels equal libjpeg-turbo's (ISLOW IDCT, fancy
 * upsampling). */
int mirs__jpeg_par_decode(const jpar_hdr *h, uint8_t *pixels, size_t stride);

#endif
