/* Fuzz target: PNG (any bytes, recognised by magic) decoded in every
 * layout by both PNG paths (libdeflate fast path and libpng, which must
 * agree), probed, and the decoded image resized and re-encoded. Small
 * limits keep each input cheap; the decoder must never crash, leak or
 * print, and a decoded image must survive a round trip. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_pixels = 1u << 20;
    o.max_png_chunk_bytes = 1u << 16;
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    (void)mirs_image_probe_memory(data, size, &o, &info);
    for (int32_t lay = 0; lay < 3; lay++) {
        o.layout = lay;
        mirs_image *img = NULL, *ref = NULL;
        /* Differential: the libdeflate fast path and libpng must agree. */
        o.png_libpng_only = 1;
        int st_ref = mirs_image_decode_memory(data, size, &o, &ref);
        o.png_libpng_only = 0;
        int st = mirs_image_decode_memory(data, size, &o, &img);
        if ((st == MIRS_OK) != (st_ref == MIRS_OK)) abort();
        if (st == MIRS_OK) {
            uint64_t a = 0, b = 1;
            mirs_image_checksum_pixels(img, &a);
            mirs_image_checksum_pixels(ref, &b);
            if (a != b) abort();
        }
        mirs_image_free(ref);
        if (st != MIRS_OK) continue;
        if (lay == MIRS_LAYOUT_RGBA8) {
            mirs_image *r = NULL;
            if (mirs_image_resize(img, mirs_image_width(img) / 3 + 1, mirs_image_height(img) / 2 + 1, MIRS_RESIZE_AREA,
                                  &r) == MIRS_OK) {
                mirs_buf b = {0};
                mirs_image *back = NULL;
                if (mirs_image_encode(r, NULL, &b) != MIRS_OK) abort();
                o.layout = MIRS_LAYOUT_RGBA8;
                if (mirs_image_decode_memory(b.data, b.size, &o, &back) != MIRS_OK) abort();
                uint64_t c1 = 0, c2 = 0;
                mirs_image_checksum_pixels(r, &c1);
                mirs_image_checksum_pixels(back, &c2);
                if (c1 != c2) abort();
                mirs_image_free(back);
                mirs_buf_free(&b);
                mirs_image_free(r);
            }
        }
        mirs_image_free(img);
    }
    return 0;
}
