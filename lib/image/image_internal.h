/* Internal pieces shared by the image module's files (not installed). */
#ifndef MIRS_IMAGE_INTERNAL_H
#define MIRS_IMAGE_INTERNAL_H

#include <mirsafety/image.h>

#include "util/util.h"

struct mirs_image {
    uint32_t width, height;
    int32_t layout, channels;
    size_t stride;
    uint8_t *pixels;
    int32_t source_format;
    uint32_t source_width, source_height;
    uint32_t warnings;
};

/* Decode options with every default filled in. */
typedef struct img_opts {
    int32_t layout, jpeg_warnings, jpeg_dct;
    uint32_t max_width, max_height;
    uint64_t max_pixels, max_input_bytes;
    uint32_t max_png_chunk_bytes, max_png_chunks, max_jpeg_scans, max_jpeg_warnings;
    uint32_t target_width, target_height;
    int png_libpng_only;
    int gray16_clip; /* 16-bit gray PNG: clip to 255 as PIL's mode "I" does, not keep the high byte */
} img_opts;

int mirs__image_opts(const mirs_image_decode_options *user, img_opts *o);
/* Checks w x h against the limits (MIRS_E_LIMIT naming what); what is "png"/"jpeg". */
int mirs__image_check_size(const img_opts *o, const char *what, uint64_t w, uint64_t h);
/* A new image with uninitialised pixels (size overflow-checked). */
int mirs__image_new(uint32_t w, uint32_t h, int32_t layout, mirs_image **out);
/* PIL's ITU-R 601 luma: (19595 R + 38470 G + 7471 B + 0x8000) >> 16. */
static inline uint8_t mirs__luma(unsigned r, unsigned g, unsigned b)
{
    return (uint8_t)((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}
/* src has src_ch (3 or 4) channels; writes n gray bytes. */
void mirs__rows_to_gray(const uint8_t *src, int src_ch, uint8_t *dst, size_t n);

/* What png.c's framing walk learned (pointers into the input). */
typedef struct png_walk {
    uint32_t width, height;
    int bit_depth, color_type, interlace;
    int has_trns;
    int odd; /* something unusual (chunk order, unknown critical chunk): leave it to libpng */
    uint32_t chunks, idat_count;
    size_t first_idat; /* offset of the first IDAT chunk */
    size_t end;        /* offset just past IEND */
    uint64_t idat_bytes;
    const uint8_t *plte, *trns;
    uint32_t plte_len, trns_len;
} png_walk;
/* The libdeflate fast path for common PNGs: MIRS_OK with *out set, a
 * negative status, or 1 when it does not handle this file (libpng will). */
int mirs__png_decode_fast(const uint8_t *data, size_t len, const img_opts *o, const png_walk *w, mirs_image **out);

/* Codecs: memory in, image out. info->struct_size is sizeof(mirs_image_info). */
int mirs__png_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info);
int mirs__png_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out);
int mirs__png_encode(const mirs_image *img, int level, mirs__sb *sb);
int mirs__jpeg_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info);
int mirs__jpeg_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out);
int mirs__jpeg_encode(const mirs_image *img, int quality, int subsampling, mirs__sb *sb);

/* mirs_image_decode_memory with the pixels PIL's Image.open(f).convert()
 * gives for every PNG mode: as the public decoder, except that 16-bit gray
 * (with or without tRNS; RGB8 and GRAY8 layouts) is clipped to 255 as
 * PIL's mode "I" is, where the public decoder keeps the high byte. For the
 * request files, which must carry the bytes the official adapters send. */
/* Makes a batch's memory inputs decode as mirs__image_decode_memory_pil does. */
void mirs__image_batch_pil(mirs_image_batch *b);
int mirs__image_decode_memory_pil(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                  mirs_image **out);

/* Names other image formats by their magic (for clear errors); NULL if none. */
const char *mirs__image_other_format(const uint8_t *data, size_t len);

#endif
