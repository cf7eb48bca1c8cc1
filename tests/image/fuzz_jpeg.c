/* Fuzz target: JPEG (any bytes, recognised by magic) decoded strictly and
 * tolerantly, in every layout, exact and fast IDCT, with and without DCT
 * scaling, and probed. Small limits keep each input cheap. */
#include <mirsafety/mirsafety.h>

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
        if (mirs_image_decode_memory(data, size, &o, &img) == MIRS_OK) {
            uint64_t c = 0;
            mirs_image_checksum_pixels(img, &c);
            mirs_image_free(img);
        }
    }
    return 0;
}
