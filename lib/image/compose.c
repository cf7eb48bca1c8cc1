/*
 * Composites: an item's images tiled into one image (row, column or grid),
 * each centred unscaled in a cell the size of the largest input.
 */
#include "image_internal.h"
#include "util/versioned.h"

#include <stdlib.h>
#include <string.h>

MIRS_API int mirs_image_composite_options_init(mirs_image_composite_options *opts, size_t size)
{
    static const mirs_image_composite_options d = MIRS_IMAGE_COMPOSITE_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_image_composite_options, opts, size, &d);
}

static inline uint8_t blend(unsigned v, unsigned a, unsigned bg)
{
    return (uint8_t)((v * a + bg * (255u - a) + 127u) / 255u);
}

/* Converts one row of n pixels from src layout to dst layout. */
static void convert_row(const uint8_t *s, int sl, uint8_t *d, int dl, size_t n, const uint8_t bg[4])
{
    for (size_t i = 0; i < n; i++) {
        unsigned r, g, b, a = 255;
        if (sl == MIRS_LAYOUT_GRAY8) {
            r = g = b = *s++;
        } else {
            r = s[0];
            g = s[1];
            b = s[2];
            if (sl == MIRS_LAYOUT_RGBA8) a = s[3];
            s += sl == MIRS_LAYOUT_RGBA8 ? 4 : 3;
        }
        if (dl != MIRS_LAYOUT_RGBA8 && a != 255) {
            r = blend(r, a, bg[0]);
            g = blend(g, a, bg[1]);
            b = blend(b, a, bg[2]);
        }
        if (dl == MIRS_LAYOUT_GRAY8) {
            *d++ = sl == MIRS_LAYOUT_GRAY8 && a == 255 ? (uint8_t)r : mirs__luma(r, g, b);
        } else {
            *d++ = (uint8_t)r;
            *d++ = (uint8_t)g;
            *d++ = (uint8_t)b;
            if (dl == MIRS_LAYOUT_RGBA8) *d++ = (uint8_t)a;
        }
    }
}

MIRS_API int mirs_image_composite(const mirs_image *const *images, size_t n, const mirs_image_composite_options *opts,
                                  mirs_image **out)
{
    MIRS_CHECK_ARG(images && n >= 1 && out, "images and out must not be NULL, and n must be >= 1");
    mirs_image_composite_options o = MIRS_IMAGE_COMPOSITE_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_image_composite_options, opts, &o);
    if (rc) return rc;
    if (!o.max_pixels) o.max_pixels = 50000000u;
    int32_t ch = mirs_image_layout_channels(o.layout);
    if (ch == 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "composite: unknown layout %d", (int)o.layout);
    if (n > 1000000) return mirs__fail(MIRS_E_LIMIT, "composite: %zu images is too many", n);
    uint64_t cw = 0, chh = 0;
    for (size_t i = 0; i < n; i++) {
        if (!images[i]) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "composite: image %zu is NULL", i);
        if (images[i]->width > cw) cw = images[i]->width;
        if (images[i]->height > chh) chh = images[i]->height;
    }
    uint64_t cols, rows;
    switch (o.arrangement) {
    case MIRS_COMPOSITE_ROW:
        cols = n;
        rows = 1;
        break;
    case MIRS_COMPOSITE_COLUMN:
        cols = 1;
        rows = n;
        break;
    case MIRS_COMPOSITE_GRID:
        cols = o.columns;
        if (!cols) {
            cols = 1;
            while (cols * cols < n) cols++;
        }
        if (cols > n) cols = n;
        rows = (n + cols - 1) / cols;
        break;
    default: return mirs__fail(MIRS_E_INVALID_ARGUMENT, "composite: unknown arrangement %d", (int)o.arrangement);
    }
    /* All terms are < 2^32 * 2^20, so these cannot overflow 64 bits. */
    uint64_t W = cols * cw + (cols - 1) * o.spacing + 2 * (uint64_t)o.margin;
    uint64_t H = rows * chh + (rows - 1) * o.spacing + 2 * (uint64_t)o.margin;
    if (W > 1000000 || H > 1000000 || W * H > o.max_pixels)
        return mirs__fail(MIRS_E_LIMIT, "composite: result %llux%llu exceeds the limit of %llu pixels",
                          (unsigned long long)W, (unsigned long long)H, (unsigned long long)o.max_pixels);
    mirs_image *dst;
    int st = mirs__image_new((uint32_t)W, (uint32_t)H, o.layout, &dst);
    if (st) return st;
    /* Background. */
    uint8_t px[4];
    convert_row(o.background, MIRS_LAYOUT_RGBA8, px, o.layout, 1, o.background);
    if (o.layout == MIRS_LAYOUT_RGBA8) memcpy(px, o.background, 4);
    for (size_t i = 0; i < (size_t)W; i++) memcpy(dst->pixels + i * (size_t)ch, px, (size_t)ch);
    for (uint64_t y = 1; y < H; y++) memcpy(dst->pixels + (size_t)y * dst->stride, dst->pixels, dst->stride);
    for (size_t i = 0; i < n; i++) {
        const mirs_image *im = images[i];
        uint64_t c = i % cols, r = i / cols;
        uint64_t x0 = o.margin + c * (cw + o.spacing) + (cw - im->width) / 2;
        uint64_t y0 = o.margin + r * (chh + o.spacing) + (chh - im->height) / 2;
        for (uint32_t y = 0; y < im->height; y++)
            convert_row(im->pixels + (size_t)y * im->stride, im->layout,
                        dst->pixels + (size_t)(y0 + y) * dst->stride + (size_t)x0 * (size_t)ch, o.layout, im->width,
                        o.background);
    }
    *out = dst;
    return MIRS_OK;
}
