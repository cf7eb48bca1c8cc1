/*
 * PNG through libpng, from memory.
 *
 * Before libpng sees a byte, walk() checks the chunk framing of the whole
 * file: signature, IHDR first and valid, every chunk complete, the chunk
 * count and non-IDAT chunk sizes within the limits, the CRC of every
 * non-IDAT chunk (libpng checks IDAT's), IEND present. The image size is
 * checked against the limits there too, so a file claiming 100000x100000
 * is refused before libpng allocates anything. libpng then decodes with
 * all ancillary chunks except tRNS ignored (no zTXt/iCCP inflation), CRC
 * errors fatal for every chunk, and each row copied into the output as
 * soon as it is ready (Adam7 passes combined in place).
 * libpng's setjmp/longjmp lives in decode_core() and encode_core() only.
 */
#include "image_internal.h"

#ifdef MIRS_HAVE_PNG
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int valid_depth(int ct, int bd)
{
    switch (ct) {
    case 0: return bd == 1 || bd == 2 || bd == 4 || bd == 8 || bd == 16;
    case 3: return bd == 1 || bd == 2 || bd == 4 || bd == 8;
    case 2:
    case 4:
    case 6: return bd == 8 || bd == 16;
    default: return 0;
    }
}

static int walk(const uint8_t *d, size_t len, const img_opts *o, png_walk *w)
{
    memset(w, 0, sizeof *w);
    if (len < 8 + 8 + 13 + 4) return mirs__fail(MIRS_E_TRUNCATED, "png: %zu bytes end inside the header", len);
    if (be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0)
        return mirs__fail(MIRS_E_CORRUPT, "png: the first chunk is not a 13-byte IHDR (byte 8)");
    const uint8_t *h = d + 16;
    w->width = be32(h);
    w->height = be32(h + 4);
    w->bit_depth = h[8];
    w->color_type = h[9];
    w->interlace = h[12];
    if (w->width == 0 || w->height == 0 || w->width > 0x7fffffffu || w->height > 0x7fffffffu)
        return mirs__fail(MIRS_E_CORRUPT, "png: invalid size %ux%u in IHDR", w->width, w->height);
    if (!valid_depth(w->color_type, w->bit_depth))
        return mirs__fail(MIRS_E_CORRUPT, "png: invalid colour type %d with bit depth %d in IHDR", w->color_type,
                          w->bit_depth);
    if (h[10] != 0 || h[11] != 0 || h[12] > 1)
        return mirs__fail(MIRS_E_CORRUPT, "png: invalid compression, filter or interlace method in IHDR");
    size_t pos = 8;
    int seen_idat = 0, idat_done = 0, seen_plte = 0;
    for (;;) {
        if (len - pos < 12)
            return mirs__fail(MIRS_E_TRUNCATED, "png: file ends at byte %zu before the IEND chunk", len);
        uint32_t n = be32(d + pos);
        const uint8_t *type = d + pos + 4;
        if (n > 0x7fffffffu) return mirs__fail(MIRS_E_CORRUPT, "png: chunk length %u at byte %zu is invalid", n, pos);
        for (int k = 0; k < 4; k++)
            if (!((type[k] >= 'A' && type[k] <= 'Z') || (type[k] >= 'a' && type[k] <= 'z')))
                return mirs__fail(MIRS_E_CORRUPT, "png: invalid chunk type at byte %zu", pos + 4);
        if (++w->chunks > o->max_png_chunks)
            return mirs__fail(MIRS_E_LIMIT, "png: more than %u chunks (max_png_chunks) at byte %zu", o->max_png_chunks,
                              pos);
        if (len - pos - 12 < n)
            return mirs__fail(MIRS_E_TRUNCATED, "png: file ends inside the %.4s chunk at byte %zu (needs %u bytes)",
                              (const char *)type, pos, n);
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (!is_idat && n > o->max_png_chunk_bytes)
            return mirs__fail(MIRS_E_LIMIT, "png: %.4s chunk of %u bytes at byte %zu exceeds max_png_chunk_bytes %u",
                              (const char *)type, n, pos, o->max_png_chunk_bytes);
        if (!is_idat) {
            MIRS_ASSERT_LIVE(type, 4 + (size_t)n);
            uint32_t crc = (uint32_t)crc32(0, type, 4 + (uInt)n);
            if (crc != be32(d + pos + 8 + n))
                return mirs__fail(MIRS_E_CORRUPT, "png: CRC error in the %.4s chunk at byte %zu", (const char *)type,
                                  pos);
        }
        if (is_idat) {
            if (idat_done) return mirs__fail(MIRS_E_CORRUPT, "png: IDAT chunks are not consecutive (byte %zu)", pos);
            seen_idat = 1;
        } else if (seen_idat)
            idat_done = 1;
        if (is_idat) {
            if (!w->idat_count) w->first_idat = pos;
            w->idat_count++;
            w->idat_bytes += n;
        } else if (type[0] >= 'A' && type[0] <= 'Z' && memcmp(type, "IHDR", 4) && memcmp(type, "PLTE", 4) &&
                   memcmp(type, "IEND", 4))
            w->odd = 1; /* unknown critical chunk: libpng decides */
        if (memcmp(type, "IHDR", 4) == 0 && pos != 8) w->odd = 1;
        if (memcmp(type, "PLTE", 4) == 0) {
            if (seen_plte || seen_idat) w->odd = 1;
            seen_plte = 1;
            w->plte = d + pos + 8;
            w->plte_len = n;
        }
        if (memcmp(type, "tRNS", 4) == 0) {
            if (w->trns || seen_idat) w->odd = 1;
            w->has_trns = 1;
            w->trns = d + pos + 8;
            w->trns_len = n;
        }
        if (memcmp(type, "IEND", 4) == 0) {
            w->end = pos + 12 + (size_t)n; /* bytes after IEND are ignored, as PIL does */
            break;
        }
        pos += 12 + (size_t)n;
    }
    if (!seen_idat) return mirs__fail(MIRS_E_CORRUPT, "png: no IDAT chunk");
    if (w->color_type == 3 && !seen_plte) return mirs__fail(MIRS_E_CORRUPT, "png: palette image without PLTE");
    return MIRS_OK;
}

int mirs__png_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info)
{
    png_walk w;
    int st = walk(data, len, o, &w);
    if (st) return st;
    static const int ch[7] = {1, 0, 3, 3, 2, 0, 4};
    info->format = MIRS_IMAGE_FORMAT_PNG;
    info->width = w.width;
    info->height = w.height;
    info->channels = ch[w.color_type] + (w.color_type == 3 && w.has_trns);
    info->bit_depth = w.bit_depth;
    info->has_alpha = (w.color_type & 4) || w.has_trns;
    info->interlaced = w.interlace;
    info->color_model = w.color_type;
    return MIRS_OK;
}

/* ---- decoding ---- */

/* libpng's progressive ("push") reader is used rather than the sequential
 * one because it stops inflating as soon as the last row is complete: the
 * sequential reader inflates any extra compressed data to its end, so a
 * 1x1 PNG carrying a zlib bomb would cost ~1000x its size in CPU. */
typedef struct pctx {
    const img_opts *o;
    const png_walk *w;
    int status; /* set before png_error by our own callbacks, else classified */
    uint32_t warnings;
    char msg[160];
    mirs_image *img;
    int via_rgb, interlaced, done;
    int clip16; /* 16-bit gray rows clipped to 8 bits here (img_opts.gray16_clip) */
    uint32_t rows_seen;
    int last_pass, complete; /* the row that completes the image, and whether it came */
    uint32_t last_row;
    uint8_t *tmp;    /* GRAY8 from colour: RGB rows (one, or all when interlaced) */
    png_bytep *rows; /* interlaced: row pointers into the output or tmp */
    mirs__sb *sb;    /* encoding */
} pctx;

static void error_cb(png_structp png, png_const_charp msg)
{
    pctx *c = png_get_error_ptr(png);
    if (!c->status) {
        if (strstr(msg, "CRC"))
            c->status = MIRS_E_CORRUPT;
        else if (strstr(msg, "exceeds") || strstr(msg, "too large") || strstr(msg, "limit"))
            c->status = MIRS_E_LIMIT;
        else if (strstr(msg, "memory"))
            c->status = MIRS_E_NO_MEMORY;
        else
            c->status = MIRS_E_CORRUPT;
    }
    mirs__snprintf_c(c->msg, sizeof c->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void warning_cb(png_structp png, png_const_charp msg)
{
    (void)msg;
    pctx *c = png_get_error_ptr(png);
    c->warnings++;
}

static void fail_in_callback(png_structp png, pctx *c, int status, const char *msg)
{
    c->status = status;
    png_error(png, msg);
}

static void info_cb(png_structp png, png_infop info)
{
    pctx *c = png_get_progressive_ptr(png);
    int ct = png_get_color_type(png, info), bd = png_get_bit_depth(png, info);
    int layout = c->o->layout;
    int trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    int gray_src = !(ct & PNG_COLOR_MASK_COLOR);
    c->via_rgb = layout == MIRS_LAYOUT_GRAY8 && !gray_src; /* decode RGB, then PIL's luma */
    /* PIL opens 16-bit gray as mode "I" and clips it to 8 bits (40000 -> 255);
     * libpng has no such transform, so those rows arrive as 16 bits and
     * clip16_row converts them. Every other 16-bit mode PIL reads by its high
     * byte, as png_set_strip_16 does. */
    c->clip16 = c->o->gray16_clip && bd == 16 && ct == PNG_COLOR_TYPE_GRAY && layout != MIRS_LAYOUT_RGBA8;
    int want_ch = c->clip16 ? 1 : c->via_rgb ? 3 : mirs_image_layout_channels(layout);
    int want_bd = c->clip16 ? 16 : 8;
    if (bd == 16 && !c->clip16) png_set_strip_16(png);
    if (ct == PNG_COLOR_TYPE_PALETTE) {
        /* Indices past the PLTE entries read as gray i, as in PIL (whose
         * palettes start as a gray ramp); libpng would give black. */
        png_colorp pal = NULL;
        int np = 0, full = 1 << bd;
        if (png_get_PLTE(png, info, &pal, &np) && np < full) {
            png_color padded[256];
            for (int i = 0; i < full; i++) padded[i].red = padded[i].green = padded[i].blue = (png_byte)i;
            memcpy(padded, pal, (size_t)np * sizeof *pal);
            png_set_PLTE(png, info, padded, full);
        }
        png_set_palette_to_rgb(png);
    }
    if (gray_src && bd < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (layout == MIRS_LAYOUT_RGBA8) {
        if (trns && ct != PNG_COLOR_TYPE_PALETTE) png_set_tRNS_to_alpha(png);
        if (gray_src) png_set_gray_to_rgb(png);
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    } else {
        png_set_strip_alpha(png);
        if (gray_src && layout == MIRS_LAYOUT_RGB8 && !c->clip16) png_set_gray_to_rgb(png);
    }
    c->interlaced = png_set_interlace_handling(png) > 1;
    /* The last row libpng delivers: of the last non-empty Adam7 pass. */
    static const uint32_t x0[7] = {0, 4, 0, 2, 0, 1, 0}, y0[7] = {0, 0, 4, 0, 2, 0, 1}, dy[7] = {8, 8, 8, 4, 4, 2, 2};
    if (!c->interlaced) {
        c->last_pass = 0;
        c->last_row = c->w->height - 1;
    } else
        for (int p = 0; p < 7; p++)
            if (c->w->width > x0[p] && c->w->height > y0[p]) {
                c->last_pass = p;
                c->last_row = y0[p] + (c->w->height - 1 - y0[p]) / dy[p] * dy[p];
            }
    png_read_update_info(png, info);
    uint32_t w = c->w->width, h = c->w->height;
    if (png_get_channels(png, info) != want_ch || png_get_bit_depth(png, info) != want_bd ||
        png_get_rowbytes(png, info) != (size_t)w * (size_t)want_ch * (size_t)(want_bd / 8))
        fail_in_callback(png, c, MIRS_E_INTERNAL, "unexpected row format after transformations");
    int st = mirs__image_new(w, h, layout, &c->img);
    if (st) fail_in_callback(png, c, st, "cannot allocate the image");
    size_t rowbytes = (size_t)w * (size_t)want_ch * (size_t)(want_bd / 8), total;
    if (c->via_rgb || (c->clip16 && c->interlaced)) {
        size_t n = c->interlaced ? h : 1;
        if (!mirs__mul_ok(rowbytes, n, &total) || !(c->tmp = calloc(total, 1)))
            fail_in_callback(png, c, MIRS_E_NO_MEMORY, "out of memory");
    }
    if (c->interlaced) {
        /* Adam7 rows are combined pass by pass into their final place. */
        if (!(c->rows = malloc((size_t)h * sizeof *c->rows)))
            fail_in_callback(png, c, MIRS_E_NO_MEMORY, "out of memory");
        for (uint32_t y = 0; y < h; y++)
            c->rows[y] = c->tmp ? c->tmp + (size_t)y * rowbytes : c->img->pixels + (size_t)y * c->img->stride;
        if (!c->tmp) memset(c->img->pixels, 0, c->img->stride * h);
    }
}

/* n big-endian 16-bit gray samples to n pixels of ch (1 or 3) channels,
 * clipped to 255 as PIL converts mode "I". */
static void clip16_row(const uint8_t *src, uint8_t *dst, int ch, size_t n)
{
    for (size_t x = 0; x < n; x++) {
        unsigned v = (unsigned)src[2 * x] << 8 | src[2 * x + 1];
        uint8_t b = v > 255 ? 255 : (uint8_t)v;
        for (int k = 0; k < ch; k++) *dst++ = b;
    }
}

static void row_cb(png_structp png, png_bytep row, png_uint_32 y, int pass)
{
    (void)pass;
    pctx *c = png_get_progressive_ptr(png);
    if (!row || y >= c->w->height) return;
    c->rows_seen++;
    if (pass == c->last_pass && y == c->last_row) c->complete = 1;
    if (c->interlaced)
        png_progressive_combine_row(png, c->rows[y], row);
    else if (c->via_rgb)
        mirs__rows_to_gray(row, 3, c->img->pixels + (size_t)y * c->img->stride, c->w->width);
    else if (c->clip16)
        clip16_row(row, c->img->pixels + (size_t)y * c->img->stride, c->img->channels, c->w->width);
    else
        memcpy(c->img->pixels + (size_t)y * c->img->stride, row, c->img->stride);
}

static void end_cb(png_structp png, png_infop info)
{
    (void)info;
    pctx *c = png_get_progressive_ptr(png);
    c->done = 1;
}

/* Ancillary chunks libpng would otherwise parse (and, for zTXt/iTXt/iCCP,
 * inflate); nothing here affects the pixels PIL's open() returns. */
static const png_byte skip_chunks[] = "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0"
                                      "sCAL\0sPLT\0sRGB\0tEXt\0tIME\0zTXt\0";

static int decode_core(pctx *c, const uint8_t *data, size_t len)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, error_cb, warning_cb);
    if (!png) return mirs__fail(MIRS_E_NO_MEMORY, "png: cannot create the decoder");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return mirs__fail(MIRS_E_NO_MEMORY, "png: cannot create the decoder");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return mirs__fail(c->status ? c->status : MIRS_E_CORRUPT, "png: %s", c->msg);
    }
    png_set_progressive_read_fn(png, c, info_cb, row_cb, end_cb);
    png_set_user_limits(png, c->o->max_width, c->o->max_height);
    png_set_chunk_cache_max(png, c->o->max_png_chunks);
    png_set_chunk_malloc_max(png, c->o->max_png_chunk_bytes);
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, 0);
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skip_chunks, (int)(sizeof skip_chunks / 5));
    MIRS_ASSERT_LIVE(data, len);
    png_process_data(png, info, (png_bytep)(uintptr_t)data, len);
    png_destroy_read_struct(&png, &info, NULL);
    return MIRS_OK;
}

int mirs__png_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    png_walk w;
    int st = walk(data, len, o, &w);
    if (st) return st;
    if ((st = mirs__image_check_size(o, "png", w.width, w.height))) return st;
    /* deflate expands at most ~1032:1: IDAT data that cannot hold the
     * claimed image is refused before any image-sized allocation. */
    static const int spp[7] = {1, 0, 3, 1, 2, 0, 4};
    uint64_t min_raw = ((uint64_t)w.width * (uint64_t)(spp[w.color_type] * w.bit_depth) + 7) / 8 * w.height;
    if (w.idat_bytes * 1100 + 1024 < min_raw)
        return mirs__fail(MIRS_E_TRUNCATED, "png: %llu bytes of IDAT data cannot hold a %ux%u image",
                          (unsigned long long)w.idat_bytes, w.width, w.height);
    st = o->png_libpng_only ? 1 : mirs__png_decode_fast(data, len, o, &w, out);
    if (st <= 0) return st; /* done, or a definite error */
    pctx c;
    memset(&c, 0, sizeof c);
    c.o = o;
    c.w = &w;
    st = decode_core(&c, data, w.end);
    if (st == MIRS_OK && !(c.done && c.complete))
        st =
            mirs__fail(MIRS_E_TRUNCATED, "png: the image data ends before the last row (%u rows decoded)", c.rows_seen);
    if (st == MIRS_OK && c.via_rgb && c.interlaced)
        for (uint32_t y = 0; y < w.height; y++)
            mirs__rows_to_gray(c.rows[y], 3, c.img->pixels + (size_t)y * c.img->stride, w.width);
    if (st == MIRS_OK && c.clip16 && c.interlaced)
        for (uint32_t y = 0; y < w.height; y++)
            clip16_row(c.rows[y], c.img->pixels + (size_t)y * c.img->stride, c.img->channels, w.width);
    free(c.tmp);
    free(c.rows);
    if (st) {
        mirs_image_free(c.img);
        return st;
    }
    c.img->source_format = MIRS_IMAGE_FORMAT_PNG;
    c.img->warnings = c.warnings;
    *out = c.img;
    return MIRS_OK;
}

/* ---- encoding ---- */

static void write_cb(png_structp png, png_bytep data, size_t n)
{
    pctx *c = png_get_io_ptr(png);
    if (!mirs__sb_append(c->sb, data, n)) {
        c->status = MIRS_E_NO_MEMORY;
        png_error(png, "out of memory");
    }
}

static void flush_cb(png_structp png) { (void)png; }

static int encode_core(pctx *c, const mirs_image *img, int level)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, error_cb, warning_cb);
    if (!png) return mirs__fail(MIRS_E_NO_MEMORY, "png: cannot create the encoder");
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return mirs__fail(MIRS_E_NO_MEMORY, "png: cannot create the encoder");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return mirs__fail(c->status == MIRS_E_NO_MEMORY ? MIRS_E_NO_MEMORY : MIRS_E_INTERNAL, "png: encoding: %s",
                          c->msg);
    }
    png_set_write_fn(png, c, write_cb, flush_cb);
    png_set_compression_level(png, level);
    int ct = img->layout == MIRS_LAYOUT_RGBA8   ? PNG_COLOR_TYPE_RGB_ALPHA
             : img->layout == MIRS_LAYOUT_GRAY8 ? PNG_COLOR_TYPE_GRAY
                                                : PNG_COLOR_TYPE_RGB;
    png_set_IHDR(png, info, img->width, img->height, 8, ct, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    MIRS_ASSERT_LIVE(img->pixels, img->stride * img->height);
    for (uint32_t y = 0; y < img->height; y++) png_write_row(png, img->pixels + (size_t)y * img->stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return MIRS_OK;
}

int mirs__png_encode(const mirs_image *img, int level, mirs__sb *sb)
{
    pctx c;
    memset(&c, 0, sizeof c);
    c.sb = sb;
    return encode_core(&c, img, level);
}

#else /* !MIRS_HAVE_PNG */

int mirs__png_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info)
{
    (void)data, (void)len, (void)o, (void)info;
    return mirs__fail(MIRS_E_UNSUPPORTED, "png: this build has no PNG support (-Dpng=disabled)");
}

int mirs__png_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    (void)data, (void)len, (void)o, (void)out;
    return mirs__fail(MIRS_E_UNSUPPORTED, "png: this build has no PNG support (-Dpng=disabled)");
}

int mirs__png_encode(const mirs_image *img, int level, mirs__sb *sb)
{
    (void)img, (void)level, (void)sb;
    return mirs__fail(MIRS_E_UNSUPPORTED, "png: this build has no PNG support (-Dpng=disabled)");
}

#endif
