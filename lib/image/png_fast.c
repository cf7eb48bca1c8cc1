/*
 * Fast path for the PNGs model inputs usually are: 8-bit, not interlaced,
 * any colour type. zlib's inflate is most of the cost of decoding a PNG, and
 * libdeflate inflates 2-3x faster, but only whole buffers: so the IDAT data
 * (after walk() has checked the framing) is inflated in one call into a
 * buffer of exactly the expected size (h rows of 1 filter byte + the row),
 * the rows are unfiltered in place and packed down to the output stride in
 * the same buffer, which then becomes the image's pixels when no layout
 * conversion is needed.
 *
 * The rule that keeps this path honest: it only ever succeeds on a file it
 * has proven well-formed (every IDAT CRC, a plain zlib header, a deflate
 * stream with a valid Adler-32 that fills exactly the image and ends exactly
 * at the end of the IDAT data, valid filter bytes); anything else, and
 * anything unusual (16-bit or low-bit samples, Adam7, odd chunk order, odd
 * tRNS), returns 1 and libpng decodes the file. So every error, warning and
 * borderline case is libpng's, and the library's answer never depends on
 * which path ran (fuzz_png checks status and pixels of both paths). The
 * input is never modified. Without libdeflate at build time this file only
 * returns 1.
 */
#include "image_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#ifdef MIRS_HAVE_LIBDEFLATE
#include <libdeflate.h>

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint8_t paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return (uint8_t)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* Unfilters row (n bytes) given the previous unfiltered row (zeros for the first). */
static int unfilter(int f, uint8_t *restrict r, const uint8_t *restrict p, size_t n, size_t bpp)
{
    size_t i;
    switch (f) {
    case 0: break;
    case 1:
        for (i = bpp; i < n; i++) r[i] = (uint8_t)(r[i] + r[i - bpp]);
        break;
    case 2:
        for (i = 0; i < n; i++) r[i] = (uint8_t)(r[i] + p[i]);
        break;
    case 3:
        for (i = 0; i < bpp; i++) r[i] = (uint8_t)(r[i] + (p[i] >> 1));
        for (; i < n; i++) r[i] = (uint8_t)(r[i] + ((r[i - bpp] + p[i]) >> 1));
        break;
    case 4:
        for (i = 0; i < bpp; i++) r[i] = (uint8_t)(r[i] + p[i]);
        for (; i < n; i++) r[i] = (uint8_t)(r[i] + paeth(r[i - bpp], p[i], p[i - bpp]));
        break;
    default: return -1;
    }
    return 0;
}

/* One packed source row (ct, 8-bit) to one output row. */
static void convert(const uint8_t *s, uint8_t *d, uint32_t w, int ct, int layout, uint8_t (*pal)[4], const png_walk *pw)
{
    int trns16 = -1;
    uint8_t tr[3] = {0, 0, 0};
    int trns_rgb = 0;
    if (pw->trns && ct == 0 && pw->trns_len == 2) trns16 = (int)(pw->trns[0] << 8 | pw->trns[1]);
    if (pw->trns && ct == 2 && pw->trns_len == 6) {
        trns_rgb = 1;
        tr[0] = pw->trns[1], tr[1] = pw->trns[3], tr[2] = pw->trns[5];
    }
    for (uint32_t x = 0; x < w; x++) {
        unsigned r, g, b, a = 255;
        switch (ct) {
        case 0:
            r = g = b = *s++;
            if ((int)r == trns16) a = 0;
            break;
        case 2:
            r = s[0], g = s[1], b = s[2];
            if (trns_rgb && s[0] == tr[0] && s[1] == tr[1] && s[2] == tr[2]) a = 0;
            s += 3;
            break;
        case 3:
            r = pal[*s][0], g = pal[*s][1], b = pal[*s][2], a = pal[*s][3];
            s++;
            break;
        case 4:
            r = g = b = s[0];
            a = s[1];
            s += 2;
            break;
        default:
            r = s[0], g = s[1], b = s[2], a = s[3];
            s += 4;
            break;
        }
        if (layout == MIRS_LAYOUT_GRAY8) {
            *d++ = (ct == 0 || ct == 4) ? (uint8_t)r : mirs__luma(r, g, b);
        } else {
            *d++ = (uint8_t)r;
            *d++ = (uint8_t)g;
            *d++ = (uint8_t)b;
            if (layout == MIRS_LAYOUT_RGBA8) *d++ = (uint8_t)a;
        }
    }
}

/* The zlib header of a stream that zlib (libpng's inflater) and libdeflate
 * read the same way: deflate with a 32 KiB window (CINFO 7: every distance
 * deflate can code is inside it; a smaller declared window makes zlib refuse
 * far distances that libdeflate takes), no preset dictionary, valid check. */
static int plain_zlib_header(const uint8_t *z, size_t n)
{
    return n >= 2 && z[0] == 0x78 && !(z[1] & 0x20) && ((unsigned)z[0] << 8 | z[1]) % 31 == 0;
}

int mirs__png_decode_fast(const uint8_t *data, size_t len, const img_opts *o, const png_walk *w, mirs_image **out)
{
    (void)len;
    int ct = w->color_type, layout = o->layout;
    if (w->bit_depth != 8 || w->interlace || w->odd) return 1;
    if (ct == 3 && (!w->plte || w->plte_len % 3 || w->plte_len == 0 || w->plte_len > 768)) return 1;
    if (ct != 3 && w->plte) return 1; /* suggested palettes: libpng's rules */
    if (w->trns) {
        if (ct == 3 && (w->trns_len > w->plte_len / 3 || w->trns_len == 0)) return 1;
        /* Out-of-range 16-bit values: libpng masks them, leave that to it. */
        if (ct == 0 && (w->trns_len != 2 || w->trns[0])) return 1;
        if (ct == 2 && (w->trns_len != 6 || w->trns[0] || w->trns[2] || w->trns[4])) return 1;
        if (ct == 4 || ct == 6) return 1;
    }
    static const int spp[7] = {1, 0, 3, 1, 2, 0, 4};
    size_t bpp = (size_t)spp[ct], rowlen = (size_t)w->width * bpp, raw_size;
    if (!mirs__add_ok(rowlen, 1, &raw_size) || !mirs__mul_ok(raw_size, w->height, &raw_size)) return 1;
    /* From here on, anything this path cannot prove well-formed (a CRC, the
     * zlib header, the stream, its Adler-32, its exact length, a filter byte)
     * returns 1 and libpng decides: the answer never depends on the path. */
    size_t pos = w->first_idat;
    for (uint32_t i = 0; i < w->idat_count; i++) {
        uint32_t n = be32(data + pos);
        MIRS_ASSERT_LIVE(data + pos + 4, 4 + (size_t)n);
        if (libdeflate_crc32(0, data + pos + 4, 4 + (size_t)n) != be32(data + pos + 8 + n)) return 1;
        pos += 12 + (size_t)n;
    }
    /* The compressed stream: one IDAT chunk is used in place, several are
     * copied together (the input stays intact for libpng). */
    const uint8_t *z = data + w->first_idat + 8;
    size_t zlen = (size_t)w->idat_bytes;
    uint8_t *joined = NULL;
    if (w->idat_count > 1) {
        if (!(joined = malloc(zlen ? zlen : 1))) return mirs__fail(MIRS_E_NO_MEMORY, "png: out of memory");
        size_t k = 0;
        pos = w->first_idat;
        for (uint32_t i = 0; i < w->idat_count; i++) {
            uint32_t n = be32(data + pos);
            memcpy(joined + k, data + pos + 8, n);
            k += n;
            pos += 12 + (size_t)n;
        }
        z = joined;
    }
    if (!plain_zlib_header(z, zlen)) {
        free(joined);
        return 1;
    }
    uint8_t *raw = malloc(raw_size);
    struct libdeflate_decompressor *dec = raw ? libdeflate_alloc_decompressor() : NULL;
    if (!dec) {
        free(joined);
        free(raw);
        return mirs__fail(MIRS_E_NO_MEMORY, "png: out of memory for %zu bytes of image data", raw_size);
    }
    size_t in_used = 0, got = 0;
    MIRS_ASSERT_LIVE(z, zlen);
    MIRS_ASSERT_LIVE(raw, raw_size);
    enum libdeflate_result r = libdeflate_zlib_decompress_ex(dec, z, zlen, raw, raw_size, &in_used, &got);
    libdeflate_free_decompressor(dec);
    free(joined); /* z is not read after this */
    /* Exactly the image, from exactly the IDAT data: extra or missing data
     * (libpng warns or fails by its own rules) goes to libpng. */
    if (r != LIBDEFLATE_SUCCESS || got != raw_size || in_used != zlen) {
        free(raw);
        return 1;
    }
    /* Unfilter in place, then pack the rows down over the filter bytes. */
    static const uint8_t zeros[64];
    uint8_t *zrow = rowlen > sizeof zeros ? calloc(rowlen, 1) : NULL;
    if (rowlen > sizeof zeros && !zrow) {
        free(raw);
        return mirs__fail(MIRS_E_NO_MEMORY, "png: out of memory");
    }
    const uint8_t *prev = zrow ? zrow : zeros;
    for (uint32_t y = 0; y < w->height; y++) {
        uint8_t *row = raw + (size_t)y * (rowlen + 1);
        if (unfilter(row[0], row + 1, prev, rowlen, bpp)) { /* an invalid filter type: libpng names it */
            free(zrow);
            free(raw);
            return 1;
        }
        memmove(raw + (size_t)y * rowlen, row + 1, rowlen);
        prev = raw + (size_t)y * rowlen;
    }
    free(zrow);
    int same = (ct == 2 && layout == MIRS_LAYOUT_RGB8) || (ct == 6 && layout == MIRS_LAYOUT_RGBA8) ||
               (ct == 0 && layout == MIRS_LAYOUT_GRAY8);
    mirs_image *img;
    if (same) {
        img = mirs__calloc(1, sizeof *img);
        if (!img) {
            free(raw);
            return MIRS_E_NO_MEMORY;
        }
        uint8_t *shrunk = realloc(raw, rowlen * w->height);
        img->pixels = shrunk ? shrunk : raw;
        img->width = img->source_width = w->width;
        img->height = img->source_height = w->height;
        img->layout = layout;
        img->channels = mirs_image_layout_channels(layout);
        img->stride = rowlen;
    } else {
        int st = mirs__image_new(w->width, w->height, layout, &img);
        if (st) {
            free(raw);
            return st;
        }
        /* Indices past the PLTE entries read as gray i (PIL's palette ramp). */
        uint8_t pal[256][4];
        for (int i = 0; i < 256; i++) pal[i][0] = pal[i][1] = pal[i][2] = (uint8_t)i, pal[i][3] = 255;
        if (ct == 3) {
            for (uint32_t i = 0; i < w->plte_len / 3; i++) memcpy(pal[i], w->plte + 3 * i, 3);
            if (w->trns && layout == MIRS_LAYOUT_RGBA8)
                for (uint32_t i = 0; i < w->trns_len; i++) pal[i][3] = w->trns[i];
        }
        const png_walk *tw = layout == MIRS_LAYOUT_RGBA8 ? w : NULL;
        png_walk none;
        if (!tw) {
            memset(&none, 0, sizeof none);
            tw = &none;
        }
        for (uint32_t y = 0; y < w->height; y++)
            convert(raw + (size_t)y * rowlen, img->pixels + (size_t)y * img->stride, w->width, ct, layout, pal, tw);
        free(raw);
    }
    img->source_format = MIRS_IMAGE_FORMAT_PNG;
    *out = img;
    return MIRS_OK;
}

#else

int mirs__png_decode_fast(const uint8_t *data, size_t len, const img_opts *o, const png_walk *w, mirs_image **out)
{
    (void)data, (void)len, (void)o, (void)w, (void)out;
    return 1;
}

#endif
