/* Unit tests of the image module: hand-worked values, hostile inputs with
 * their exact status codes, limits, round trips, data URLs, composites,
 * checksums and decoding from several threads.
 * usage: test_image DATA_DIR CORPUS_ROOT */
#include <mirsafety/mirsafety.h>

#include "testutil.h"

#include <jpeglib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static const char *data_dir, *corpus_root;

static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        *len = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static mirs_image *make_image(uint32_t w, uint32_t h, int32_t layout, uint32_t seed)
{
    int32_t ch = mirs_image_layout_channels(layout);
    uint8_t *px = malloc((size_t)w * h * (size_t)ch);
    for (size_t i = 0; i < (size_t)w * h * (size_t)ch; i++) px[i] = (uint8_t)((i * 7 + seed * 13 + (i / 5) * 3) & 0xFF);
    mirs_image *img = NULL;
    CHECK_OK(mirs_image_from_pixels(w, h, layout, px, (size_t)w * (size_t)ch, &img));
    free(px);
    return img;
}

static mirs_buf encode(const mirs_image *img, int32_t format)
{
    mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    e.format = format;
    mirs_buf b = {0};
    CHECK_OK(mirs_image_encode(img, &e, &b));
    return b;
}

static int decode_status(const uint8_t *d, size_t n, const mirs_image_decode_options *o)
{
    mirs_image *img = (mirs_image *)0x1;
    int st = mirs_image_decode_memory(d, n, o, &img);
    if (st == MIRS_OK)
        mirs_image_free(img);
    else if (img != (mirs_image *)0x1)
        return 999; /* *out must be untouched on failure */
    return st;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void fix_crc(uint8_t *chunk, uint32_t len) { put32(chunk + 8 + len, (uint32_t)crc32(0, chunk + 4, 4 + len)); }

static void test_smart_resize(void)
{
    /* Expected values from transformers' Qwen2-VL smart_resize (Python). */
    static const struct {
        uint32_t h, w, oh, ow;
    } cases[] = {{1024, 1024, 980, 980}, {1080, 1920, 728, 1316}, {42, 42, 56, 56},       {70, 70, 56, 56},
                 {14, 14, 56, 56},       {10, 2000, 28, 812},     {768, 1024, 756, 1036}, {28, 5600, 28, 5600},
                 {98, 126, 112, 112},    {2048, 1536, 1148, 840}, {500, 375, 504, 364},   {1, 1, 56, 56}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        uint32_t oh = 0, ow = 0;
        CHECK_OK(mirs_image_smart_resize(cases[i].h, cases[i].w, 28, 56 * 56, 14 * 14 * 4 * 1280, &oh, &ow));
        CHECK_EQ_INT(oh, cases[i].oh);
        CHECK_EQ_INT(ow, cases[i].ow);
    }
    uint32_t oh = 7, ow = 7;
    CHECK_STATUS(mirs_image_smart_resize(10, 2001, 28, 3136, 1003520, &oh, &ow), MIRS_E_RANGE);
    CHECK_EQ_INT(oh, 7); /* untouched on failure */
    CHECK_STATUS(mirs_image_smart_resize(0, 10, 28, 3136, 1003520, &oh, &ow), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_image_smart_resize(10, 10, 0, 3136, 1003520, &oh, &ow), MIRS_E_INVALID_ARGUMENT);
    /* Processor config values: min 256*28*28, max 1280*28*28. */
    CHECK_OK(mirs_image_smart_resize(1024, 1024, 28, 256 * 28 * 28, 1280 * 28 * 28, &oh, &ow));
    CHECK_EQ_INT(oh, 980);
}

static void test_area_hand_worked(void)
{
    /* 3x1 gray [0, 90, 255] -> 2x1: output 0 covers [0,1.5): (0 + 0.5*90)/1.5 = 30;
     * output 1 covers [1.5,3): (0.5*90 + 255)/1.5 = 200. */
    uint8_t px[3] = {0, 90, 255};
    mirs_image *a, *r;
    CHECK_OK(mirs_image_from_pixels(3, 1, MIRS_LAYOUT_GRAY8, px, 3, &a));
    CHECK_OK(mirs_image_resize(a, 2, 1, MIRS_RESIZE_AREA, &r));
    CHECK_EQ_INT(mirs_image_pixels(r)[0], 30);
    CHECK_EQ_INT(mirs_image_pixels(r)[1], 200);
    mirs_image_free(r);
    /* Rounding half up: [1, 2] -> 1 pixel = 1.5 -> 2. */
    uint8_t two[2] = {1, 2};
    mirs_image_free(a);
    CHECK_OK(mirs_image_from_pixels(2, 1, MIRS_LAYOUT_GRAY8, two, 2, &a));
    CHECK_OK(mirs_image_resize(a, 1, 1, MIRS_RESIZE_AREA, &r));
    CHECK_EQ_INT(mirs_image_pixels(r)[0], 2);
    mirs_image_free(r);
    /* A 2x2 RGB block average. */
    uint8_t rgb[12] = {10, 20, 30, 20, 30, 40, 30, 40, 50, 40, 50, 61};
    mirs_image_free(a);
    CHECK_OK(mirs_image_from_pixels(2, 2, MIRS_LAYOUT_RGB8, rgb, 6, &a));
    CHECK_OK(mirs_image_resize(a, 1, 1, MIRS_RESIZE_AREA, &r));
    CHECK_EQ_INT(mirs_image_pixels(r)[0], 25);
    CHECK_EQ_INT(mirs_image_pixels(r)[1], 35);
    CHECK_EQ_INT(mirs_image_pixels(r)[2], 45); /* 181/4 = 45.25 */
    mirs_image_free(r);
    CHECK_STATUS(mirs_image_resize(a, 0, 1, MIRS_RESIZE_AREA, &r), MIRS_E_LIMIT);
    CHECK_STATUS(mirs_image_resize(a, 1, 1, 99, &r), MIRS_E_INVALID_ARGUMENT);
    mirs_image_free(a);
}

static void test_roundtrip_and_probe(void)
{
    for (int32_t lay = 0; lay < 3; lay++) {
        mirs_image *img = make_image(37, 23, lay, (uint32_t)lay);
        mirs_buf png = encode(img, MIRS_IMAGE_FORMAT_PNG);
        CHECK_EQ_INT(mirs_image_detect_format(png.data, png.size), MIRS_IMAGE_FORMAT_PNG);
        mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
        o.layout = lay;
        mirs_image *back = NULL;
        CHECK_OK(mirs_image_decode_memory(png.data, png.size, &o, &back));
        uint64_t c1 = 0, c2 = 1;
        CHECK_OK(mirs_image_checksum_pixels(img, &c1));
        CHECK_OK(mirs_image_checksum_pixels(back, &c2));
        CHECK(c1 == c2);
        CHECK_EQ_INT(mirs_image_source_format(back), MIRS_IMAGE_FORMAT_PNG);
        mirs_image_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        CHECK_OK(mirs_image_probe_memory(png.data, png.size, NULL, &info));
        CHECK_EQ_INT(info.format, MIRS_IMAGE_FORMAT_PNG);
        CHECK_EQ_INT(info.width, 37);
        CHECK_EQ_INT(info.height, 23);
        CHECK_EQ_INT(info.channels, mirs_image_layout_channels(lay));
        CHECK_EQ_INT(info.bit_depth, 8);
        mirs_image_free(back);
        mirs_buf_free(&png);
        if (lay != MIRS_LAYOUT_RGBA8) {
            mirs_buf jpg = encode(img, MIRS_IMAGE_FORMAT_JPEG);
            CHECK_EQ_INT(mirs_image_detect_format(jpg.data, jpg.size), MIRS_IMAGE_FORMAT_JPEG);
            CHECK_OK(mirs_image_probe_memory(jpg.data, jpg.size, NULL, &info));
            CHECK_EQ_INT(info.format, MIRS_IMAGE_FORMAT_JPEG);
            CHECK_EQ_INT(info.width, 37);
            CHECK_EQ_INT(info.channels, lay == MIRS_LAYOUT_GRAY8 ? 1 : 3);
            CHECK_OK(mirs_image_decode_memory(jpg.data, jpg.size, &o, &back));
            CHECK_EQ_INT(mirs_image_width(back), 37);
            CHECK_EQ_INT(mirs_image_height(back), 23);
            mirs_image_free(back);
            mirs_buf_free(&jpg);
        } else {
            mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
            e.format = MIRS_IMAGE_FORMAT_JPEG;
            mirs_buf b = {0};
            CHECK_STATUS(mirs_image_encode(img, &e, &b), MIRS_E_UNSUPPORTED);
            CHECK(b.data == NULL);
        }
        mirs_image_free(img);
    }
    /* JPEG under a .png name, recognised by its bytes. */
    char path[1024];
    snprintf(path, sizeof path, "%s/jpeg_named.png", data_dir);
    mirs_image *img = NULL;
    CHECK_OK(mirs_image_decode_file(path, NULL, &img));
    CHECK_EQ_INT(mirs_image_source_format(img), MIRS_IMAGE_FORMAT_JPEG);
    CHECK_EQ_INT(mirs_image_width(img), 64);
    mirs_image_free(img);
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    snprintf(path, sizeof path, "%s/progressive.jpg", data_dir);
    CHECK_OK(mirs_image_probe_file(path, NULL, &info));
    CHECK_EQ_INT(info.interlaced, 1);
    CHECK_EQ_INT(info.height, 48);
    snprintf(path, sizeof path, "%s/cmyk.jpg", data_dir);
    CHECK_OK(mirs_image_probe_file(path, NULL, &info));
    CHECK_EQ_INT(info.channels, 4);
    snprintf(path, sizeof path, "%s/palette.png", data_dir);
    CHECK_OK(mirs_image_probe_file(path, NULL, &info));
    CHECK_EQ_INT(info.color_model, 3);
    snprintf(path, sizeof path, "%s/no-such-file.png", data_dir);
    CHECK_STATUS(mirs_image_decode_file(path, NULL, &img), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "no-such-file.png") != NULL);
}

static void test_png_hostile(void)
{
    mirs_image *img = make_image(16, 12, MIRS_LAYOUT_RGB8, 3);
    mirs_buf png = encode(img, MIRS_IMAGE_FORMAT_PNG);
    mirs_image_free(img);
    size_t n = png.size;
    uint8_t *b = malloc(n);
    /* Every truncation is MIRS_E_TRUNCATED (a 0-byte input is not an image). */
    int all_truncated = 1;
    for (size_t k = 1; k < n; k++)
        if (decode_status(png.data, k, NULL) != MIRS_E_TRUNCATED) {
            all_truncated = 0;
            fprintf(stderr, "truncation at %zu: %s\n", k, mirs_error_last());
        }
    CHECK(all_truncated);
    CHECK_STATUS(decode_status(png.data, 0, NULL), MIRS_E_FORMAT);
    /* A flipped bit anywhere in the file is CORRUPT (CRCs cover every chunk
     * and the signature is checked), never a crash or a silent success,
     * except in the signature (not a PNG any more: FORMAT). */
    int all_named = 1;
    mirs_image_decode_options lp = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    lp.png_libpng_only = 1;
    for (size_t k = 0; k < n * 8; k++)
        for (int path = 0; path < 2; path++) {
            memcpy(b, png.data, n);
            b[k / 8] ^= (uint8_t)(1u << (k % 8));
            int st = decode_status(b, n, path ? &lp : NULL);
            int want = k / 8 < 8 ? MIRS_E_FORMAT : MIRS_E_CORRUPT;
            if (st != want && !(k / 8 >= 8 && st == MIRS_E_TRUNCATED)) {
                all_named = 0;
                fprintf(stderr, "bit flip at %zu.%zu: %s %s\n", k / 8, k % 8, mirs_status_str(st), mirs_error_last());
            }
        }
    CHECK(all_named);
    /* Huge dimensions with a correct CRC: refused by the limits. */
    memcpy(b, png.data, n);
    put32(b + 16, 100000);
    put32(b + 20, 100000);
    fix_crc(b + 8, 13);
    CHECK_STATUS(decode_status(b, n, NULL), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "width 100000") != NULL);
    /* Within the limits, but far more pixels than the IDAT data can hold:
     * refused before the 48 MB image is allocated. */
    put32(b + 16, 4000);
    put32(b + 20, 4000);
    fix_crc(b + 8, 13);
    CHECK_STATUS(decode_status(b, n, NULL), MIRS_E_TRUNCATED);
    CHECK(strstr(mirs_error_last(), "cannot hold") != NULL);
    put32(b + 16, 8000);
    put32(b + 20, 8000);
    fix_crc(b + 8, 13);
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_pixels = 1000000;
    CHECK_STATUS(decode_status(b, n, &o), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "pixels") != NULL);
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_width = 15;
    CHECK_STATUS(decode_status(png.data, n, &o), MIRS_E_LIMIT);
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_png_chunks = 2;
    CHECK_STATUS(decode_status(png.data, n, &o), MIRS_E_LIMIT);
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_input_bytes = 10;
    CHECK_STATUS(decode_status(png.data, n, &o), MIRS_E_LIMIT);
    /* The committed hostile seeds, each with its named error. */
    static const struct {
        const char *name;
        int status;
    } seeds[] = {
        {"png/bad_colortype.png", MIRS_E_CORRUPT},
        {"png/bad_crc_idat.png", MIRS_E_CORRUPT},
        {"png/bad_crc_ihdr.png", MIRS_E_CORRUPT},
        {"png/huge_dims.png", MIRS_E_LIMIT},
        {"png/no_plte.png", MIRS_E_CORRUPT},
        {"png/short_zlib.png", MIRS_E_TRUNCATED},
        {"png/truncated_header.png", MIRS_E_TRUNCATED},
        {"png/truncated_idat.png", MIRS_E_TRUNCATED},
        {"png/unknown_critical.png", MIRS_E_CORRUPT},
        {"png/zlib_bomb.png", MIRS_OK},
        {"png/big_text.png", MIRS_OK},
        {"png/ztxt.png", MIRS_OK},
        {"jpeg/huge_dims.jpg", MIRS_E_LIMIT},
        {"jpeg/truncated.jpg", MIRS_E_TRUNCATED},
        {"jpeg/header_only.jpg", MIRS_E_TRUNCATED},
        {"jpeg/stray_rst.jpg", MIRS_E_CORRUPT},
        {"jpeg/no_sof.jpg", MIRS_E_CORRUPT},
        {"jpeg/extraneous_bytes.jpg", MIRS_OK},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        size_t len;
        uint8_t *d = slurp(corpus_root, seeds[i].name, &len);
        int st = decode_status(d, len, NULL);
        if (st != seeds[i].status)
            fprintf(stderr, "%s: got %s (%s)\n", seeds[i].name, mirs_status_str(st), mirs_error_last());
        CHECK_EQ_INT(st, seeds[i].status);
        free(d);
    }
    /* A tEXt chunk over max_png_chunk_bytes. */
    size_t len;
    uint8_t *d = slurp(corpus_root, "png/big_text.png", &len);
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_png_chunk_bytes = 4096;
    CHECK_STATUS(decode_status(d, len, &o), MIRS_E_LIMIT);
    free(d);
    /* The zlib bomb (1x1 pixel, 64 MiB of compressed zeros) decodes its one
     * pixel without inflating the rest, and says it saw extra data. */
    d = slurp(corpus_root, "png/zlib_bomb.png", &len);
    CHECK_OK(mirs_image_decode_memory(d, len, NULL, &img));
    CHECK(mirs_image_warning_count(img) >= 1);
    mirs_image_free(img);
    free(d);
    free(b);
    mirs_buf_free(&png);
    /* Other formats and junk. */
    const uint8_t gif[] = "GIF89a\x01\x00\x01\x00";
    CHECK_STATUS(decode_status(gif, sizeof gif - 1, NULL), MIRS_E_UNSUPPORTED);
    CHECK(strstr(mirs_error_last(), "GIF") != NULL);
    const uint8_t junk[] = "hello, world";
    CHECK_STATUS(decode_status(junk, sizeof junk - 1, NULL), MIRS_E_FORMAT);
    CHECK_STATUS(decode_status((const uint8_t *)"\x89PN", 3, NULL), MIRS_E_TRUNCATED);
}

/* A progressive JPEG with 190 scans (one per AC coefficient and
 * component): valid, and exactly what max_jpeg_scans is for. */
static mirs_buf many_scans_jpeg(void)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    jpeg_mem_dest(&ci, &out, &outlen);
    ci.image_width = 16;
    ci.image_height = 16;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    static jpeg_scan_info scans[1 + 63 * 3];
    scans[0].comps_in_scan = 3;
    for (int c = 0; c < 3; c++) scans[0].component_index[c] = c;
    scans[0].Ss = scans[0].Se = scans[0].Ah = scans[0].Al = 0;
    int k = 1;
    for (int c = 0; c < 3; c++)
        for (int s = 1; s < 64; s++, k++) {
            scans[k].comps_in_scan = 1;
            scans[k].component_index[0] = c;
            scans[k].Ss = scans[k].Se = s;
            scans[k].Ah = scans[k].Al = 0;
        }
    ci.scan_info = scans;
    ci.num_scans = k;
    jpeg_start_compress(&ci, TRUE);
    uint8_t row[16 * 3];
    for (int i = 0; i < 48; i++) row[i] = (uint8_t)(i * 5);
    while (ci.next_scanline < 16) {
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    mirs_buf b = {out, outlen};
    return b;
}

static void test_jpeg_hostile(void)
{
    mirs_image *img = make_image(64, 40, MIRS_LAYOUT_RGB8, 5);
    mirs_buf jpg = encode(img, MIRS_IMAGE_FORMAT_JPEG);
    mirs_image_free(img);
    int all_named = 1;
    for (size_t k = 1; k < jpg.size - 2; k += 3) {
        int st = decode_status(jpg.data, k, NULL);
        if (st != MIRS_E_TRUNCATED && st != MIRS_E_CORRUPT) {
            all_named = 0;
            fprintf(stderr, "jpeg truncation at %zu: %s %s\n", k, mirs_status_str(st), mirs_error_last());
        }
    }
    CHECK(all_named);
    /* Corrupt-data warnings: strict fails, tolerant decodes and counts. */
    size_t len;
    uint8_t *d = slurp(corpus_root, "jpeg/stray_rst.jpg", &len);
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    CHECK_STATUS(decode_status(d, len, &o), MIRS_E_CORRUPT);
    CHECK(strstr(mirs_error_last(), "Corrupt JPEG data") != NULL);
    o.jpeg_warnings = MIRS_JPEG_WARNINGS_TOLERATE;
    CHECK_OK(mirs_image_decode_memory(d, len, &o, &img));
    CHECK(mirs_image_warning_count(img) >= 1);
    mirs_image_free(img);
    free(d);
    /* Junk bytes before a marker: skipped by libjpeg, pixels intact, counted. */
    d = slurp(corpus_root, "jpeg/extraneous_bytes.jpg", &len);
    CHECK_OK(mirs_image_decode_memory(d, len, NULL, &img));
    CHECK_EQ_INT(mirs_image_warning_count(img), 1);
    mirs_image_free(img);
    free(d);
    /* Scan limit. */
    mirs_buf many = many_scans_jpeg();
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    CHECK_STATUS(decode_status(many.data, many.size, &o), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "scans") != NULL);
    o.max_jpeg_scans = 200;
    CHECK_OK(decode_status(many.data, many.size, &o));
    if (getenv("MIRS_WRITE_SEEDS")) { /* how tests/fuzz/corpus/jpeg/many_scans.jpg was made */
        FILE *f = fopen(getenv("MIRS_WRITE_SEEDS"), "wb");
        if (f) fwrite(many.data, 1, many.size, f), fclose(f);
    }
    mirs_buf_free(&many);
    /* DCT scaling picks 1/2, 1/4, 1/8 and never goes below the target. */
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.target_width = 16;
    o.target_height = 10;
    CHECK_OK(mirs_image_decode_memory(jpg.data, jpg.size, &o, &img));
    CHECK_EQ_INT(mirs_image_width(img), 16);
    CHECK_EQ_INT(mirs_image_height(img), 10);
    CHECK_EQ_INT(mirs_image_source_width(img), 64);
    mirs_image_free(img);
    o.target_width = 40;
    CHECK_OK(mirs_image_decode_memory(jpg.data, jpg.size, &o, &img));
    CHECK_EQ_INT(mirs_image_width(img), 64); /* 1/2 would give 32 < 40 */
    mirs_image_free(img);
    mirs_buf_free(&jpg);
}

/* ---- two-band JPEG decoding: the same result as one thread ---- */

typedef struct jspec {
    uint32_t w, h;
    int gray, rgb; /* gray: 1 component; rgb: stored as RGB (no YCbCr) */
    int hs, vs;    /* luma sampling factors (chroma 1x1): 2,2 = 4:2:0 */
    int quality;
    unsigned restart_interval, restart_rows; /* in MCUs / MCU rows; 0 none */
    int noise;                               /* amplitude of the pseudo-random noise */
} jspec;

/* A picture like the dataset's: smooth shading, hard-edged boxes, noise. */
static mirs_buf make_jpeg(const jspec *sp)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr err;
    ci.err = jpeg_std_error(&err);
    jpeg_create_compress(&ci);
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    jpeg_mem_dest(&ci, &out, &outlen);
    ci.image_width = sp->w;
    ci.image_height = sp->h;
    ci.input_components = sp->gray ? 1 : 3;
    ci.in_color_space = sp->gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&ci);
    if (sp->rgb) jpeg_set_colorspace(&ci, JCS_RGB);
    jpeg_set_quality(&ci, sp->quality, TRUE);
    if (!sp->gray) {
        ci.comp_info[0].h_samp_factor = sp->hs;
        ci.comp_info[0].v_samp_factor = sp->vs;
        for (int k = 1; k < 3; k++) ci.comp_info[k].h_samp_factor = ci.comp_info[k].v_samp_factor = 1;
    }
    ci.restart_interval = sp->restart_interval;
    ci.restart_in_rows = (int)sp->restart_rows;
    jpeg_start_compress(&ci, TRUE);
    size_t nc = sp->gray ? 1 : 3;
    uint8_t *row = malloc(sp->w * nc);
    uint32_t rng = sp->w * 2654435761u + sp->h;
    while (ci.next_scanline < sp->h) {
        uint32_t y = ci.next_scanline;
        for (uint32_t x = 0; x < sp->w; x++)
            for (size_t c = 0; c < nc; c++) {
                rng = rng * 1664525u + 1013904223u;
                int v = (int)((x * (3 + c) + y * (5 - c)) / 4 % 256);
                if ((x / 97 + y / 61 + c) % 5 == 0) v = (int)((x / 97 * 71 + y / 61 * 37 + c * 50) % 256);
                v += (int)(rng >> 24) % (2 * sp->noise + 1) - sp->noise;
                row[x * nc + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        JSAMPROW r = row;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    free(row);
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    mirs_buf b = {out, outlen};
    return b;
}

/* Decodes alone and as three copies in a batch on two threads; all four
 * must give the same status, message, pixels and warning count. */
static void same_batched(const uint8_t *d, size_t n, mirs_image_decode_options o, const char *what)
{
    mirs_image *one = NULL;
    int s1 = mirs_image_decode_memory(d, n, &o, &one);
    char msg1[512];
    snprintf(msg1, sizeof msg1, "%s", mirs_error_last());
    mirs_image_batch *b = NULL;
    CHECK_OK(mirs_image_batch_new(&b));
    for (int k = 0; k < 3; k++) CHECK_OK(mirs_image_batch_add_memory(b, d, n, 0, 0));
    mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.threads = 2;
    bo.decode = &o;
    size_t failed = 99;
    CHECK_OK(mirs_image_batch_run(b, &bo, &failed));
    CHECK_EQ_INT(failed, s1 == MIRS_OK ? 0 : 3);
    int same = 1;
    for (size_t k = 0; k < 3; k++) {
        const mirs_image *two = mirs_image_batch_image(b, k);
        same = same && mirs_image_batch_status(b, k) == s1;
        if (same && s1 != MIRS_OK) same = strcmp(msg1, mirs_image_batch_message(b, k)) == 0 && !two;
        if (same && s1 == MIRS_OK) {
            size_t bytes = mirs_image_stride(one) * mirs_image_height(one);
            same = two && !strcmp(mirs_image_batch_message(b, k), "") &&
                   mirs_image_width(one) == mirs_image_width(two) && mirs_image_height(one) == mirs_image_height(two) &&
                   mirs_image_stride(two) * mirs_image_height(two) == bytes &&
                   memcmp(mirs_image_pixels(one), mirs_image_pixels(two), bytes) == 0 &&
                   mirs_image_warning_count(one) == mirs_image_warning_count(two);
        }
    }
    if (!same)
        fprintf(stderr, "batched decode differs: %s layout %d dct %d warnings %d: %s/%s \"%s\" vs \"%s\"\n", what,
                (int)o.layout, (int)o.jpeg_dct, (int)o.jpeg_warnings, mirs_status_str(s1),
                mirs_status_str(mirs_image_batch_status(b, 0)), msg1, mirs_image_batch_message(b, 0));
    CHECK(same);
    mirs_image_batch_free(b);
    mirs_image_free(one);
}

static void test_jpeg_batched(void)
{
    static const jspec specs[] = {
        {1024, 1024, 0, 0, 2, 2, 90, 0, 0, 3},                                       /* the benchmark's kind */
        {640, 480, 0, 0, 2, 2, 75, 0, 0, 2},   {517, 613, 0, 0, 2, 2, 90, 0, 0, 3},  /* odd sizes */
        {2049, 131, 0, 0, 2, 2, 95, 0, 0, 4},  {333, 1001, 0, 0, 2, 1, 90, 0, 0, 3}, /* 4:2:2 */
        {700, 401, 0, 0, 1, 1, 90, 0, 0, 3},                                         /* 4:4:4 */
        {600, 457, 0, 0, 1, 2, 85, 0, 0, 3},                                         /* 4:4:0 */
        {800, 411, 1, 0, 1, 1, 90, 0, 0, 3},                                         /* grayscale */
        {640, 509, 0, 1, 1, 1, 90, 0, 0, 2},                                         /* stored as RGB */
        {777, 555, 0, 0, 2, 2, 90, 7, 0, 3},                                         /* restart every 7 MCUs */
        {640, 640, 0, 0, 2, 2, 90, 0, 1, 3},                                         /* restart every MCU row */
        {600, 437, 1, 0, 1, 1, 80, 0, 2, 3},   /* grayscale, restart every 2 rows */
        {512, 512, 0, 0, 2, 2, 100, 0, 0, 40}, /* dense entropy data */
        {1000, 300, 0, 0, 2, 2, 50, 0, 0, 0},  /* sparse entropy data */
    };
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        const jspec *sp = &specs[i];
        char what[96];
        snprintf(what, sizeof what, "%ux%u%s hs %d vs %d q %d rst %u/%u", sp->w, sp->h, sp->gray ? " gray" : "", sp->hs,
                 sp->vs, sp->quality, sp->restart_interval, sp->restart_rows);
        mirs_buf j = make_jpeg(sp);
        for (int k = 0; k < 4; k++) {
            o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
            o.layout = k == 3 ? MIRS_LAYOUT_RGB8 : k;
            o.jpeg_dct = k == 3 ? MIRS_JPEG_DCT_FAST : MIRS_JPEG_DCT_EXACT;
            same_batched(j.data, j.size, o, what);
        }
        /* Damaged copies: cut short (with and without the last bytes of
         * data), and bytes overwritten or inserted in the entropy-coded data
         * at several places. Strict and tolerant policies must give the
         * one-image status, message, pixels and warning count. */
        uint8_t *bad = malloc(j.size + 16);
        for (int v = 0; v < 14; v++) {
            size_t n = j.size;
            memcpy(bad, j.data, j.size);
            size_t at = j.size / 8 + (j.size * 6 / 8) * (size_t)(v % 7) / 6; /* spread over the scan */
            switch (v / 7) {
            case 0:
                if (v % 7 == 6)
                    n = j.size - 2; /* no EOI */
                else
                    n = at;
                break;
            default:
                if (v % 2) {
                    bad[at] ^= 0x5A;
                    bad[at + 1] = (uint8_t)(bad[at + 1] + 77);
                } else { /* a stray marker */
                    memmove(bad + at + 2, bad + at, j.size - at);
                    bad[at] = 0xFF;
                    bad[at + 1] = (uint8_t)(0xD0 + v % 8);
                    n = j.size + 2;
                }
            }
            for (int pol = 0; pol < 2; pol++) {
                o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
                o.jpeg_warnings = pol ? MIRS_JPEG_WARNINGS_TOLERATE : MIRS_JPEG_WARNINGS_STRICT;
                o.max_jpeg_warnings = pol ? 1000 : 0;
                same_batched(bad, n, o, what);
            }
            o.max_jpeg_warnings = 2;
            same_batched(bad, n, o, what);
        }
        free(bad);
        mirs_buf_free(&j);
    }
    /* A progressive file (DCT-scaled batch inputs: test_batch). */
    mirs_buf many = many_scans_jpeg();
    o = (mirs_image_decode_options)MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.max_jpeg_scans = 200;
    same_batched(many.data, many.size, o, "progressive");
    mirs_buf_free(&many);
}

static void test_data_url_and_checksums(void)
{
    const uint8_t bytes[] = {0xFF, 0xD8, 0xFF, 0xE0, 'x'};
    mirs_buf b = {0};
    CHECK_OK(mirs_image_data_url(bytes, sizeof bytes, &b));
    CHECK_STR((const char *)b.data, "data:image/jpeg;base64,/9j/4Hg=");
    mirs_buf_free(&b);
    CHECK_OK(mirs_image_base64((const uint8_t *)"Man", 3, &b));
    CHECK_STR((const char *)b.data, "TWFu");
    CHECK_EQ_INT(b.size, 4);
    mirs_buf_free(&b);
    CHECK_STATUS(mirs_image_data_url((const uint8_t *)"abc", 3, &b), MIRS_E_FORMAT);
    /* The original file bytes, unchanged, typed by content (a JPEG named .png). */
    char path[1024];
    snprintf(path, sizeof path, "%s/jpeg_named.png", data_dir);
    CHECK_OK(mirs_image_data_url_file(path, 0, &b));
    CHECK(strncmp((const char *)b.data, "data:image/jpeg;base64,/9j/", 27) == 0);
    size_t len;
    uint8_t *d = slurp(data_dir, "jpeg_named.png", &len);
    CHECK_EQ_INT(b.size, 23 + (len + 2) / 3 * 4);
    mirs_buf_free(&b);
    CHECK_STATUS(mirs_image_data_url_file(path, 100, &b), MIRS_E_LIMIT);
    /* CRC-64/XZ check value, and file == bytes. */
    CHECK(mirs_image_checksum_bytes((const uint8_t *)"123456789", 9) == 0x995DC9BBDF1939FAull);
    uint64_t c = 0;
    CHECK_OK(mirs_image_checksum_file(path, &c));
    CHECK(c == mirs_image_checksum_bytes(d, len));
    free(d);
    mirs_image *img = make_image(5, 4, MIRS_LAYOUT_RGB8, 1);
    CHECK_OK(mirs_image_encode_data_url(img, NULL, &b));
    CHECK(strncmp((const char *)b.data, "data:image/png;base64,iVBORw0KGgo", 33) == 0);
    mirs_buf_free(&b);
    mirs_image_free(img);
}

static void test_composite(void)
{
    uint8_t red[2 * 2 * 3], blue[4 * 1 * 3];
    for (int i = 0; i < 4; i++) red[i * 3] = 255, red[i * 3 + 1] = 0, red[i * 3 + 2] = 0;
    for (int i = 0; i < 4; i++) blue[i * 3] = 0, blue[i * 3 + 1] = 0, blue[i * 3 + 2] = 255;
    mirs_image *a, *b, *out;
    CHECK_OK(mirs_image_from_pixels(2, 2, MIRS_LAYOUT_RGB8, red, 6, &a));
    CHECK_OK(mirs_image_from_pixels(4, 1, MIRS_LAYOUT_RGB8, blue, 12, &b));
    const mirs_image *imgs[2] = {a, b};
    mirs_image_composite_options o = MIRS_IMAGE_COMPOSITE_OPTIONS_INIT;
    o.spacing = 1;
    o.background[0] = 9, o.background[1] = 8, o.background[2] = 7;
    CHECK_OK(mirs_image_composite(imgs, 2, &o, &out));
    /* cells 4x2, one column of spacing: 9x2. */
    CHECK_EQ_INT(mirs_image_width(out), 9);
    CHECK_EQ_INT(mirs_image_height(out), 2);
    const uint8_t *p = mirs_image_pixels(out);
    /* red centred in cell 0: x = 1..2; x = 0 is background. */
    CHECK_EQ_INT(p[0], 9);
    CHECK_EQ_INT(p[3], 255);
    CHECK_EQ_INT(p[4 * 3 + 0], 9);         /* the spacing column */
    CHECK_EQ_INT(p[5 * 3 + 2], 255);       /* blue starts at x=5, row 0 (offset (2-1)/2 = 0) */
    CHECK_EQ_INT(p[9 * 3 + 5 * 3 + 0], 9); /* row 1 under blue: background */
    mirs_image_free(out);
    o = (mirs_image_composite_options)MIRS_IMAGE_COMPOSITE_OPTIONS_INIT;
    o.arrangement = MIRS_COMPOSITE_GRID;
    const mirs_image *three[3] = {a, b, a};
    CHECK_OK(mirs_image_composite(three, 3, &o, &out));
    CHECK_EQ_INT(mirs_image_width(out), 8);
    CHECK_EQ_INT(mirs_image_height(out), 4);
    mirs_image_free(out);
    o.arrangement = MIRS_COMPOSITE_COLUMN;
    o.margin = 2;
    o.layout = MIRS_LAYOUT_GRAY8;
    CHECK_OK(mirs_image_composite(three, 3, &o, &out));
    CHECK_EQ_INT(mirs_image_width(out), 8);
    CHECK_EQ_INT(mirs_image_height(out), 10);
    CHECK_EQ_INT(mirs_image_pixels(out)[2 * 8 + 3], (19595 * 255 + 32768) >> 16); /* red in gray */
    mirs_image_free(out);
    o.max_pixels = 10;
    CHECK_STATUS(mirs_image_composite(three, 3, &o, &out), MIRS_E_LIMIT);
    CHECK_STATUS(mirs_image_composite(three, 0, &o, &out), MIRS_E_INVALID_ARGUMENT);
    mirs_image_free(a);
    mirs_image_free(b);
}

/* ---- threads: different images decoded at once give the same pixels ---- */

typedef struct job {
    const mirs_buf *inputs;
    size_t n;
    const uint64_t *want;
    int bad;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    for (int rep = 0; rep < 20; rep++)
        for (size_t i = 0; i < j->n; i++) {
            mirs_image *img;
            uint64_t c = 0;
            if (mirs_image_decode_memory(j->inputs[i].data, j->inputs[i].size, NULL, &img) != MIRS_OK) {
                j->bad++;
                continue;
            }
            mirs_image_checksum_pixels(img, &c);
            if (c != j->want[i]) j->bad++;
            mirs_image_free(img);
            /* A failing decode on this thread must not disturb the others. */
            if (mirs_image_decode_memory(j->inputs[i].data, j->inputs[i].size / 2, NULL, &img) == MIRS_OK) j->bad++;
        }
    return NULL;
}

static void test_threads(void)
{
    /* Four small images and one larger JPEG. */
    mirs_buf inputs[5];
    uint64_t want[5];
    for (int i = 0; i < 5; i++) {
        if (i == 4) {
            jspec sp = {640, 480, 0, 0, 2, 2, 90, 0, 0, 3};
            inputs[i] = make_jpeg(&sp);
        } else {
            mirs_image *img = make_image(96 + (uint32_t)i * 8, 64, MIRS_LAYOUT_RGB8, (uint32_t)i);
            inputs[i] = encode(img, i % 2 ? MIRS_IMAGE_FORMAT_JPEG : MIRS_IMAGE_FORMAT_PNG);
            mirs_image_free(img);
        }
        mirs_image *d;
        CHECK_OK(mirs_image_decode_memory(inputs[i].data, inputs[i].size, NULL, &d));
        CHECK_OK(mirs_image_checksum_pixels(d, &want[i]));
        mirs_image_free(d);
    }
    pthread_t t[4];
    job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){inputs, 5, want, 0};
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_EQ_INT(jobs[i].bad, 0);
    }
    for (int i = 0; i < 5; i++) mirs_buf_free(&inputs[i]);
}

/* ---- batches ---- */

static void test_batch(void)
{
    char png_path[1024], jpg_path[1024], missing[1024];
    snprintf(png_path, sizeof png_path, "%s/rgb.png", data_dir);
    snprintf(jpg_path, sizeof jpg_path, "%s/baseline.jpg", data_dir);
    snprintf(missing, sizeof missing, "%s/no-such-file.png", data_dir);
    jspec sp = {640, 480, 0, 0, 2, 2, 90, 0, 0, 3};
    mirs_buf j = make_jpeg(&sp);
    const uint8_t junk[] = "not an image at all";

    mirs_image_batch *b = NULL;
    CHECK_STATUS(mirs_image_batch_new(NULL), MIRS_E_INVALID_ARGUMENT);
    CHECK_OK(mirs_image_batch_new(&b));
    CHECK_EQ_INT(mirs_image_batch_count(b), 0);
    size_t failed = 99;
    CHECK_OK(mirs_image_batch_run(b, NULL, &failed)); /* an empty batch runs */
    CHECK_EQ_INT(failed, 0);
    CHECK_STATUS(mirs_image_batch_add_file(b, png_path, 10, 0), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_image_batch_add_file(b, NULL, 0, 0), MIRS_E_INVALID_ARGUMENT);
    CHECK_OK(mirs_image_batch_add_file(b, png_path, 0, 0));             /* 0 */
    CHECK_OK(mirs_image_batch_add_memory(b, j.data, j.size, 0, 0));     /* 1 */
    CHECK_OK(mirs_image_batch_add_file(b, missing, 0, 0));              /* 2: fails */
    CHECK_OK(mirs_image_batch_add_memory(b, junk, sizeof junk, 0, 0));  /* 3: fails */
    CHECK_OK(mirs_image_batch_add_memory(b, j.data, j.size, 100, 75));  /* 4: 1/4 scale, then bicubic */
    CHECK_OK(mirs_image_batch_add_file(b, jpg_path, 0, 0));             /* 5 */
    CHECK_OK(mirs_image_batch_add_memory(b, j.data, j.size / 2, 0, 0)); /* 6: truncated */
    CHECK_EQ_INT(mirs_image_batch_count(b), 7);
    CHECK_EQ_INT(mirs_image_batch_status(b, 0), MIRS_E_STATE);
    CHECK_EQ_INT(mirs_image_batch_status(b, 7), MIRS_E_RANGE);
    CHECK(mirs_image_batch_image(b, 0) == NULL);

    /* What each input gives on its own. */
    uint64_t want[7] = {0};
    mirs_image *img = NULL;
    CHECK_OK(mirs_image_decode_file(png_path, NULL, &img));
    CHECK_OK(mirs_image_checksum_pixels(img, &want[0]));
    mirs_image_free(img);
    CHECK_OK(mirs_image_decode_memory(j.data, j.size, NULL, &img));
    CHECK_OK(mirs_image_checksum_pixels(img, &want[1]));
    mirs_image_free(img);
    mirs_image_decode_options hint = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    hint.target_width = 100;
    hint.target_height = 75;
    CHECK_OK(mirs_image_decode_memory(j.data, j.size, &hint, &img));
    CHECK_EQ_INT(mirs_image_width(img), 160); /* 640 / 4 */
    mirs_image *rs = NULL;
    CHECK_OK(mirs_image_resize(img, 100, 75, MIRS_RESIZE_BICUBIC, &rs));
    CHECK_OK(mirs_image_checksum_pixels(rs, &want[4]));
    mirs_image_free(rs);
    mirs_image_free(img);
    CHECK_OK(mirs_image_decode_file(jpg_path, NULL, &img));
    CHECK_OK(mirs_image_checksum_pixels(img, &want[5]));
    mirs_image_free(img);

    for (uint32_t threads = 0; threads <= 9; threads += 3) {
        mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
        CHECK_EQ_INT(bo.threads, 1);
        bo.threads = threads;
        failed = 99;
        CHECK_OK(mirs_image_batch_run(b, &bo, &failed));
        CHECK_EQ_INT(failed, 3);
        for (size_t i = 0; i < 7; i++) {
            int bad = i == 2 || i == 3 || i == 6;
            const mirs_image *im = mirs_image_batch_image(b, i);
            uint64_t c = 0;
            if (bad) {
                CHECK(im == NULL);
                CHECK(mirs_image_batch_status(b, i) < 0);
                CHECK(strlen(mirs_image_batch_message(b, i)) > 0);
            } else {
                CHECK_OK(mirs_image_batch_status(b, i));
                CHECK_STR(mirs_image_batch_message(b, i), "");
                CHECK(im && mirs_image_checksum_pixels(im, &c) == MIRS_OK && c == want[i]);
            }
        }
        CHECK_EQ_INT(mirs_image_batch_status(b, 2), MIRS_E_NOT_FOUND);
        CHECK(strstr(mirs_image_batch_message(b, 2), "no-such-file.png") != NULL);
        CHECK_EQ_INT(mirs_image_batch_status(b, 3), MIRS_E_FORMAT);
        CHECK_EQ_INT(mirs_image_batch_status(b, 6), MIRS_E_TRUNCATED);
        CHECK_EQ_INT(mirs_image_width(mirs_image_batch_image(b, 4)), 100);
        CHECK_EQ_INT(mirs_image_height(mirs_image_batch_image(b, 4)), 75);
    }
    /* Without DCT scaling: a full decode, then the same resize. */
    mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.dct_scaling = 0;
    bo.resize_method = MIRS_RESIZE_AREA;
    CHECK_OK(mirs_image_batch_run(b, &bo, NULL));
    CHECK_OK(mirs_image_decode_memory(j.data, j.size, NULL, &img));
    CHECK_OK(mirs_image_resize(img, 100, 75, MIRS_RESIZE_AREA, &rs));
    uint64_t c1 = 0, c2 = 0;
    CHECK_OK(mirs_image_checksum_pixels(rs, &c1));
    CHECK_OK(mirs_image_checksum_pixels(mirs_image_batch_image(b, 4), &c2));
    CHECK(c1 == c2);
    mirs_image_free(rs);
    mirs_image_free(img);
    /* Taking an image moves it out. */
    CHECK_OK(mirs_image_batch_take_image(b, 0, &img));
    CHECK(mirs_image_batch_image(b, 0) == NULL);
    CHECK_STATUS(mirs_image_batch_take_image(b, 0, &rs), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_image_batch_take_image(b, 2, &rs), MIRS_E_NOT_FOUND);
    CHECK_STATUS(mirs_image_batch_take_image(b, 70, &rs), MIRS_E_RANGE);
    mirs_image_free(img);
    /* Encoding: the bytes of mirs_image_encode() of the same image. */
    mirs_image_encode_options eo = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    eo.format = MIRS_IMAGE_FORMAT_JPEG;
    bo = (mirs_image_batch_options)MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.threads = 2;
    bo.encode = &eo;
    CHECK_OK(mirs_image_batch_run(b, &bo, &failed));
    CHECK_EQ_INT(failed, 3);
    CHECK(mirs_image_batch_image(b, 1) == NULL);
    size_t len = 1;
    CHECK(mirs_image_batch_encoded(b, 2, &len) == NULL && len == 0);
    const uint8_t *enc = mirs_image_batch_encoded(b, 1, &len);
    CHECK_OK(mirs_image_decode_memory(j.data, j.size, NULL, &img));
    mirs_buf e = {0, 0};
    CHECK_OK(mirs_image_encode(img, &eo, &e));
    CHECK(enc && len == e.size && memcmp(enc, e.data, len) == 0);
    mirs_buf_free(&e);
    mirs_image_free(img);
    /* Bad options fail the call, not the inputs. */
    bo = (mirs_image_batch_options)MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.resize_method = 9;
    CHECK_STATUS(mirs_image_batch_run(b, &bo, NULL), MIRS_E_INVALID_ARGUMENT);
    bo = (mirs_image_batch_options)MIRS_IMAGE_BATCH_OPTIONS_INIT;
    mirs_image_decode_options bad = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    bad.layout = 77;
    bo.decode = &bad;
    CHECK_STATUS(mirs_image_batch_run(b, &bo, NULL), MIRS_E_INVALID_ARGUMENT);
    bo.struct_size = 4;
    CHECK_STATUS(mirs_image_batch_run(b, &bo, NULL), MIRS_E_INVALID_ARGUMENT);
    mirs_image_batch_options init;
    memset(&init, 0xAB, sizeof init);
    CHECK_OK(mirs_image_batch_options_init(&init, sizeof init));
    CHECK_EQ_INT(init.threads, 1);
    CHECK_EQ_INT(init.resize_method, MIRS_RESIZE_BICUBIC);
    CHECK_EQ_INT(init.dct_scaling, 1);
    CHECK(init.decode == NULL && init.encode == NULL);
    mirs_image_batch_free(b);
    mirs_image_batch_free(NULL);
    mirs_buf_free(&j);
}

/* Validation's limit check (mirs_image_check_limits on a probed header) and
 * decoding refuse the same headers: the hostile 50000x50000 PNG and
 * 60000x60000 JPEG, and a PNG within the side limits but over the pixels. */
static void test_check_limits(void)
{
    char path[1024];
    const char *bombs[] = {"bomb_hdr/Violence/images/Analogy/Analogy_1_1.png",
                           "bomb_jpeg/Violence/images/Analogy/Analogy_1_1.jpg"};
    const uint32_t side[] = {50000, 60000};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/../%s", data_dir, bombs[k]);
        mirs_image_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        CHECK_OK(mirs_image_probe_file(path, NULL, &info)); /* probing reports the claimed size */
        CHECK_EQ_INT(info.width, side[k]);
        CHECK_STATUS(mirs_image_check_limits(&info, NULL), MIRS_E_LIMIT);
        CHECK(strstr(mirs_error_last(), k ? "jpeg: width 60000" : "png: width 50000") != NULL);
        mirs_image *img = NULL;
        CHECK_STATUS(mirs_image_decode_file(path, NULL, &img), MIRS_E_LIMIT);
        CHECK(img == NULL);
    }
    /* 10000x10000: each side within 32768, 10^8 pixels over 5*10^7. */
    mirs_image *small = make_image(4, 4, MIRS_LAYOUT_RGB8, 1);
    mirs_buf png = encode(small, MIRS_IMAGE_FORMAT_PNG);
    mirs_image_free(small);
    put32(png.data + 16, 10000);
    put32(png.data + 20, 10000);
    fix_crc(png.data + 8, 13);
    mirs_image_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK_OK(mirs_image_probe_memory(png.data, png.size, NULL, &info));
    CHECK_STATUS(mirs_image_check_limits(&info, NULL), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "pixels exceeds the limit of 50000000") != NULL);
    CHECK_STATUS(decode_status(png.data, png.size, NULL), MIRS_E_LIMIT);
    mirs_image_decode_options big = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    big.max_pixels = 100000000u;
    CHECK_OK(mirs_image_check_limits(&info, &big)); /* the caller's limits, as decoding takes them */
    mirs_buf_free(&png);
    info.width = 0;
    CHECK_STATUS(mirs_image_check_limits(&info, NULL), MIRS_E_CORRUPT);
    CHECK_STATUS(mirs_image_check_limits(NULL, NULL), MIRS_E_INVALID_ARGUMENT);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test_image DATA_DIR CORPUS_ROOT\n");
        return 2;
    }
    data_dir = argv[1];
    corpus_root = argv[2];
    test_smart_resize();
    test_area_hand_worked();
    test_roundtrip_and_probe();
    test_png_hostile();
    test_jpeg_hostile();
    test_check_limits();
    test_jpeg_batched();
    test_batch();
    test_data_url_and_checksums();
    test_composite();
    test_threads();
    return test_summary("image");
}
