/* Fuzz target: JPEG (any bytes, recognised by magic) decoded strictly and
 * tolerantly, in every layout, exact and fast IDCT, with and without DCT
 * scaling, and probed. Small limits keep each input cheap. Each decode is
 * done alone and through an image batch, which must agree on status,
 * message, pixels and warning count (abort() otherwise). */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_pixels = 1u << 20;
    o.max_jpeg_scans = 32;
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    (void)mirs_image_probe_memory(data, size, &o, &info);
    for (int k = 0; k < 6; k++) {
        o.layout = k % 3;
        o.jpeg_warnings = k < 3 ? MIRS_JPEG_WARNINGS_STRICT : MIRS_JPEG_WARNINGS_TOLERATE;
        o.jpeg_dct = k & 1 ? MIRS_JPEG_DCT_FAST : MIRS_JPEG_DCT_EXACT;
        o.target_width = k == 4 ? 8 : 0;
        o.target_height = k == 4 ? 8 : 0;
        mirs_image *img = NULL;
        int st = mirs_image_decode_memory(data, size, &o, &img);
        char msg[512];
        strncpy(msg, mirs_error_last(), sizeof msg - 1);
        msg[sizeof msg - 1] = 0;
        if (k == 4) { /* a batch takes each input's own target, not the hint */
            mirs_image_free(img);
            continue;
        }
        mirs_image_batch *b = NULL;
        if (mirs_image_batch_new(&b) != MIRS_OK || mirs_image_batch_add_memory(b, data, size, 0, 0) != MIRS_OK) abort();
        mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
        bo.decode = &o;
        if (mirs_image_batch_run(b, &bo, NULL) != MIRS_OK || mirs_image_batch_status(b, 0) != st) abort();
        if (st != MIRS_OK && strncmp(msg, mirs_image_batch_message(b, 0), sizeof msg - 1) != 0) abort();
        const mirs_image *two = mirs_image_batch_image(b, 0);
        if (st == MIRS_OK) {
            uint64_t c = 0, c2 = 1;
            mirs_image_checksum_pixels(img, &c);
            mirs_image_checksum_pixels(two, &c2);
            if (c != c2 || mirs_image_warning_count(img) != mirs_image_warning_count(two)) abort();
            mirs_image_free(img);
        }
        mirs_image_batch_free(b);
    }
    return 0;
}
