/*
 * Image module front: options, format recognition (by magic bytes only),
 * probe/decode dispatch, the image handle, checksums, base64 and data: URLs.
 *
 * Design: inputs are decoded from memory (files are read whole, within
 * max_input_bytes) by png.c and jpeg.c, each of which confines libpng's or
 * libjpeg's setjmp/longjmp error handling to one function and never lets a
 * codec message reach stderr. Every size from the input is checked against
 * the limits before the output pixels are allocated, and the decoders write
 * rows straight into the output image (no full-size intermediate copy
 * except for GRAY8 output of interlaced colour PNGs).
 */
#include "image_internal.h"
#include "util/versioned.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIRS_IMAGE_DIM_LIMIT 1000000u

MIRS_API const char *mirs_image_format_mime(int32_t format)
{
    switch (format) {
    case MIRS_IMAGE_FORMAT_PNG: return "image/png";
    case MIRS_IMAGE_FORMAT_JPEG: return "image/jpeg";
    default: return NULL;
    }
}

MIRS_API int32_t mirs_image_layout_channels(int32_t layout)
{
    switch (layout) {
    case MIRS_LAYOUT_RGB8: return 3;
    case MIRS_LAYOUT_RGBA8: return 4;
    case MIRS_LAYOUT_GRAY8: return 1;
    default: return 0;
    }
}

static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

MIRS_API int32_t mirs_image_detect_format(const uint8_t *data, size_t len)
{
    if (!data) return MIRS_IMAGE_FORMAT_NONE;
    if (len >= 8 && memcmp(data, png_sig, 8) == 0) return MIRS_IMAGE_FORMAT_PNG;
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return MIRS_IMAGE_FORMAT_JPEG;
    return MIRS_IMAGE_FORMAT_NONE;
}

const char *mirs__image_other_format(const uint8_t *data, size_t len)
{
    if (len >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0)) return "GIF";
    if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0) return "WebP";
    if (len >= 2 && memcmp(data, "BM", 2) == 0) return "BMP";
    if (len >= 4 && (memcmp(data, "II*\0", 4) == 0 || memcmp(data, "MM\0*", 4) == 0)) return "TIFF";
    if (len >= 12 && memcmp(data + 4, "ftyp", 4) == 0 &&
        (memcmp(data + 8, "avif", 4) == 0 || memcmp(data + 8, "heic", 4) == 0 || memcmp(data + 8, "mif1", 4) == 0))
        return "AVIF/HEIF";
    if (len >= 12 && memcmp(data, "\0\0\0\x0cjP  ", 8) == 0) return "JPEG 2000";
    if (len >= 6 && memcmp(data, "\0\0\1\0", 4) == 0 && data[4] | data[5]) return "ICO";
    return NULL;
}

/* Names why bytes are not PNG/JPEG: MIRS_E_UNSUPPORTED for a known other
 * format, MIRS_E_TRUNCATED for a prefix of a signature, MIRS_E_FORMAT else. */
static int unknown_format(const uint8_t *data, size_t len)
{
    const char *other = mirs__image_other_format(data, len);
    if (other) return mirs__fail(MIRS_E_UNSUPPORTED, "%s images are not supported (only PNG and JPEG)", other);
    if (len == 0) return mirs__fail(MIRS_E_FORMAT, "empty input is not an image");
    if ((len < 8 && memcmp(data, png_sig, len) == 0) || (len < 3 && data[0] == 0xFF && (len == 1 || data[1] == 0xD8)))
        return mirs__fail(MIRS_E_TRUNCATED, "input of %zu bytes ends inside the image signature", len);
    return mirs__fail(MIRS_E_FORMAT, "not a PNG or JPEG image (starts with %02x %02x %02x %02x)", data[0],
                      len > 1 ? data[1] : 0, len > 2 ? data[2] : 0, len > 3 ? data[3] : 0);
}

/* ---- options ---- */

MIRS_API int mirs_image_decode_options_init(mirs_image_decode_options *opts, size_t size)
{
    static const mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_image_decode_options, opts, size, &d);
}

int mirs__image_opts(const mirs_image_decode_options *user, img_opts *o)
{
    mirs_image_decode_options u = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_image_decode_options, user, &u);
    if (rc) return rc;
    const mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    if (mirs_image_layout_channels(u.layout) == 0)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image decode options: unknown layout %d", (int)u.layout);
    if (u.jpeg_warnings != MIRS_JPEG_WARNINGS_STRICT && u.jpeg_warnings != MIRS_JPEG_WARNINGS_TOLERATE)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image decode options: unknown jpeg_warnings %d",
                          (int)u.jpeg_warnings);
    if (u.jpeg_dct != MIRS_JPEG_DCT_EXACT && u.jpeg_dct != MIRS_JPEG_DCT_FAST)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image decode options: unknown jpeg_dct %d", (int)u.jpeg_dct);
    o->layout = u.layout;
    o->jpeg_warnings = u.jpeg_warnings;
    o->jpeg_dct = u.jpeg_dct;
#define DEF(f) o->f = u.f ? u.f : d.f
    DEF(max_width);
    DEF(max_height);
    DEF(max_pixels);
    DEF(max_input_bytes);
    DEF(max_png_chunk_bytes);
    DEF(max_png_chunks);
    DEF(max_jpeg_scans);
    DEF(max_jpeg_warnings);
#undef DEF
    o->target_width = u.target_width;
    o->target_height = u.target_height;
    o->png_libpng_only = u.png_libpng_only != 0;
    o->gray16_clip = 0;
    if (o->max_input_bytes > SIZE_MAX) o->max_input_bytes = SIZE_MAX;
    return MIRS_OK;
}

int mirs__image_check_size(const img_opts *o, const char *what, uint64_t w, uint64_t h)
{
    if (w == 0 || h == 0)
        return mirs__fail(MIRS_E_CORRUPT, "%s: image has zero size (%llux%llu)", what, (unsigned long long)w,
                          (unsigned long long)h);
    if (w > o->max_width)
        return mirs__fail(MIRS_E_LIMIT, "%s: width %llu exceeds the limit of %u", what, (unsigned long long)w,
                          o->max_width);
    if (h > o->max_height)
        return mirs__fail(MIRS_E_LIMIT, "%s: height %llu exceeds the limit of %u", what, (unsigned long long)h,
                          o->max_height);
    if (w * h > o->max_pixels)
        return mirs__fail(MIRS_E_LIMIT, "%s: %llux%llu = %llu pixels exceeds the limit of %llu", what,
                          (unsigned long long)w, (unsigned long long)h, (unsigned long long)(w * h),
                          (unsigned long long)o->max_pixels);
    return MIRS_OK;
}

/* ---- the image handle ---- */

int mirs__image_new(uint32_t w, uint32_t h, int32_t layout, mirs_image **out)
{
    int32_t ch = mirs_image_layout_channels(layout);
    size_t stride, total;
    if (ch == 0 || w == 0 || h == 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image: bad size or layout");
    if (!mirs__mul_ok(w, (size_t)ch, &stride) || !mirs__mul_ok(stride, h, &total))
        return mirs__fail(MIRS_E_OVERFLOW, "image: %ux%u pixels do not fit in memory", w, h);
    mirs_image *img = mirs__calloc(1, sizeof *img);
    if (!img) return MIRS_E_NO_MEMORY;
    img->pixels = mirs__malloc(total);
    if (!img->pixels) {
        free(img);
        return MIRS_E_NO_MEMORY;
    }
    img->width = img->source_width = w;
    img->height = img->source_height = h;
    img->layout = layout;
    img->channels = ch;
    img->stride = stride;
    img->source_format = MIRS_IMAGE_FORMAT_NONE;
    *out = img;
    return MIRS_OK;
}

MIRS_API int mirs_image_from_pixels(uint32_t width, uint32_t height, int32_t layout, const uint8_t *pixels,
                                    size_t stride, mirs_image **out)
{
    MIRS_CHECK_ARG(pixels && out, "pixels and out must not be NULL");
    int32_t ch = mirs_image_layout_channels(layout);
    if (ch == 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_image_from_pixels: unknown layout %d", (int)layout);
    if (width == 0 || height == 0 || width > MIRS_IMAGE_DIM_LIMIT || height > MIRS_IMAGE_DIM_LIMIT)
        return mirs__fail(MIRS_E_LIMIT, "mirs_image_from_pixels: size %ux%u outside 1..%u", width, height,
                          MIRS_IMAGE_DIM_LIMIT);
    if (stride < (size_t)width * (size_t)ch)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_image_from_pixels: stride %zu < width*channels", stride);
    mirs_image *img;
    int st = mirs__image_new(width, height, layout, &img);
    if (st) return st;
    for (uint32_t y = 0; y < height; y++)
        memcpy(img->pixels + (size_t)y * img->stride, pixels + (size_t)y * stride, img->stride);
    *out = img;
    return MIRS_OK;
}

MIRS_API void mirs_image_free(mirs_image *img)
{
    if (!img) return;
    free(img->pixels);
    free(img);
}

MIRS_API uint32_t mirs_image_width(const mirs_image *img) { return img ? img->width : 0; }
MIRS_API uint32_t mirs_image_height(const mirs_image *img) { return img ? img->height : 0; }
MIRS_API int32_t mirs_image_layout(const mirs_image *img) { return img ? img->layout : -1; }
MIRS_API int32_t mirs_image_channels(const mirs_image *img) { return img ? img->channels : 0; }
MIRS_API size_t mirs_image_stride(const mirs_image *img) { return img ? img->stride : 0; }
MIRS_API const uint8_t *mirs_image_pixels(const mirs_image *img) { return img ? img->pixels : NULL; }
MIRS_API int32_t mirs_image_source_format(const mirs_image *img)
{
    return img ? img->source_format : MIRS_IMAGE_FORMAT_NONE;
}
MIRS_API uint32_t mirs_image_source_width(const mirs_image *img) { return img ? img->source_width : 0; }
MIRS_API uint32_t mirs_image_source_height(const mirs_image *img) { return img ? img->source_height : 0; }
MIRS_API uint32_t mirs_image_warning_count(const mirs_image *img) { return img ? img->warnings : 0; }

void mirs__rows_to_gray(const uint8_t *src, int src_ch, uint8_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++, src += src_ch) dst[i] = mirs__luma(src[0], src[1], src[2]);
}

/* ---- probe and decode ---- */

MIRS_API int mirs_image_probe_memory(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                     mirs_image_info *info)
{
    MIRS_CHECK_ARG((data || len == 0) && info, "info must not be NULL; data must not be NULL when len > 0");
    int st = MIRS__STRUCT_OUT_CHECK(mirs_image_info, info);
    if (st) return st;
    img_opts o;
    st = mirs__image_opts(opts, &o);
    if (st) return st;
    if (len > o.max_input_bytes)
        return mirs__fail(MIRS_E_LIMIT, "image input of %zu bytes exceeds the limit of %llu bytes", len,
                          (unsigned long long)o.max_input_bytes);
    mirs_image_info tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.struct_size = sizeof tmp;
    switch (mirs_image_detect_format(data, len)) {
    case MIRS_IMAGE_FORMAT_PNG: st = mirs__png_probe(data, len, &o, &tmp); break;
    case MIRS_IMAGE_FORMAT_JPEG: st = mirs__jpeg_probe(data, len, &o, &tmp); break;
    default: return unknown_format(data, len);
    }
    if (st) return st;
    mirs__struct_out(info, &tmp, sizeof tmp);
    return MIRS_OK;
}

MIRS_API int mirs_image_check_limits(const mirs_image_info *info, const mirs_image_decode_options *opts)
{
    MIRS_CHECK_ARG(info, "info must not be NULL");
    mirs_image_info in;
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    int st = MIRS__STRUCT_IN(mirs_image_info, info, &in);
    if (st) return st;
    img_opts o;
    if ((st = mirs__image_opts(opts, &o))) return st;
    return mirs__image_check_size(&o, in.format == MIRS_IMAGE_FORMAT_JPEG ? "jpeg" : "png", in.width, in.height);
}

static int read_input(const char *path, uint64_t limit, char **data, size_t *len)
{
    return mirs__read_file(path, limit > SIZE_MAX - 1 ? SIZE_MAX - 1 : (size_t)limit, data, len);
}

MIRS_API int mirs_image_probe_file(const char *path, const mirs_image_decode_options *opts, mirs_image_info *info)
{
    MIRS_CHECK_ARG(path && info, "path and info must not be NULL");
    img_opts o;
    int st = mirs__image_opts(opts, &o);
    if (st) return st;
    char *data;
    size_t len;
    st = read_input(path, o.max_input_bytes, &data, &len);
    if (st) return st;
    st = mirs_image_probe_memory((const uint8_t *)data, len, opts, info);
    free(data);
    if (st) mirs__error_prefix("%s", path);
    return st;
}

/* Both memory decoders: gray16_clip gives PIL's convert("RGB") of 16-bit gray (request files). */
static int decode_memory(const uint8_t *data, size_t len, const mirs_image_decode_options *opts, int gray16_clip,
                         mirs_image **out)
{
    img_opts o;
    int st = mirs__image_opts(opts, &o);
    if (st) return st;
    o.gray16_clip = gray16_clip;
    if (len > o.max_input_bytes)
        return mirs__fail(MIRS_E_LIMIT, "image input of %zu bytes exceeds the limit of %llu bytes", len,
                          (unsigned long long)o.max_input_bytes);
    switch (mirs_image_detect_format(data, len)) {
    case MIRS_IMAGE_FORMAT_PNG: return mirs__png_decode(data, len, &o, out);
    case MIRS_IMAGE_FORMAT_JPEG: return mirs__jpeg_decode(data, len, &o, out);
    default: return unknown_format(data, len);
    }
}

MIRS_API int mirs_image_decode_memory(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                      mirs_image **out)
{
    /* Checked here, so the message names the public function. */
    MIRS_CHECK_ARG((data || len == 0) && out, "out must not be NULL; data must not be NULL when len > 0");
    return decode_memory(data, len, opts, 0, out);
}

int mirs__image_decode_memory_pil(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                  mirs_image **out)
{
    MIRS_CHECK_ARG((data || len == 0) && out, "out must not be NULL; data must not be NULL when len > 0");
    return decode_memory(data, len, opts, 1, out);
}

MIRS_API int mirs_image_decode_file(const char *path, const mirs_image_decode_options *opts, mirs_image **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    img_opts o;
    int st = mirs__image_opts(opts, &o);
    if (st) return st;
    char *data;
    size_t len;
    st = read_input(path, o.max_input_bytes, &data, &len);
    if (st) return st;
    switch (mirs_image_detect_format((const uint8_t *)data, len)) {
    case MIRS_IMAGE_FORMAT_PNG: st = mirs__png_decode((const uint8_t *)data, len, &o, out); break;
    case MIRS_IMAGE_FORMAT_JPEG: st = mirs__jpeg_decode((const uint8_t *)data, len, &o, out); break;
    default: st = unknown_format((const uint8_t *)data, len);
    }
    free(data);
    if (st) mirs__error_prefix("%s", path);
    return st;
}

/* ---- checksums ---- */

MIRS_API int mirs_image_checksum_pixels(const mirs_image *img, uint64_t *out)
{
    MIRS_CHECK_ARG(img && out, "img and out must not be NULL");
    uint64_t crc = 0;
    size_t row = (size_t)img->width * (size_t)img->channels;
    for (uint32_t y = 0; y < img->height; y++) crc = mirs__crc64(crc, img->pixels + (size_t)y * img->stride, row);
    *out = crc;
    return MIRS_OK;
}

MIRS_API uint64_t mirs_image_checksum_bytes(const uint8_t *data, size_t len)
{
    return data ? mirs__crc64(0, data, len) : 0;
}

MIRS_API int mirs_image_checksum_file(const char *path, uint64_t *out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    int fd;
    int st = mirs__open_regular(AT_FDCWD, path, NULL, O_RDONLY, 0, &fd, NULL);
    if (st != MIRS_OK) return st;
    uint8_t *buf = mirs__malloc(1 << 16);
    if (!buf) {
        close(fd);
        return MIRS_E_NO_MEMORY;
    }
    uint64_t crc = 0;
    for (;;) {
        ssize_t r = read(fd, buf, 1 << 16);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return mirs__fail_errno(MIRS_E_IO, e, "%s: read failed", path);
        }
        crc = mirs__crc64(crc, buf, (size_t)r);
    }
    free(buf);
    close(fd);
    *out = crc;
    return MIRS_OK;
}

/* ---- base64 and data: URLs ---- */

static int base64_into(const char *prefix, const uint8_t *data, size_t len, mirs_buf *out)
{
    size_t need;
    if (len > (SIZE_MAX - 64) / 4 * 3 || !mirs__add_ok(mirs__base64_len(len), strlen(prefix) + 1, &need))
        return mirs__fail(MIRS_E_OVERFLOW, "base64 of %zu bytes does not fit in memory", len);
    mirs__sb sb;
    mirs__sb_init(&sb);
    if (!mirs__sb_reserve(&sb, need)) {
        mirs__sb_free(&sb);
        return mirs__fail(MIRS_E_NO_MEMORY, "out of memory for %zu bytes of base64", need);
    }
    mirs__sb_puts(&sb, prefix);
    mirs__sb_base64(&sb, data, len);
    return mirs__sb_to_buf(&sb, out);
}

MIRS_API int mirs_image_base64(const uint8_t *data, size_t len, mirs_buf *out)
{
    MIRS_CHECK_ARG((data || len == 0) && out, "out must not be NULL; data must not be NULL when len > 0");
    return base64_into("", data ? data : (const uint8_t *)"", len, out);
}

MIRS_API int mirs_image_data_url(const uint8_t *data, size_t len, mirs_buf *out)
{
    MIRS_CHECK_ARG((data || len == 0) && out, "out must not be NULL; data must not be NULL when len > 0");
    int32_t fmt = mirs_image_detect_format(data, len);
    if (fmt == MIRS_IMAGE_FORMAT_NONE) return unknown_format(data, len);
    char prefix[40];
    mirs__snprintf_c(prefix, sizeof prefix, "data:%s;base64,", mirs_image_format_mime(fmt));
    return base64_into(prefix, data, len, out);
}

MIRS_API int mirs_image_data_url_file(const char *path, uint64_t max_bytes, mirs_buf *out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    char *data;
    size_t len;
    int st = read_input(path, max_bytes ? max_bytes : 268435456u, &data, &len);
    if (st) return st;
    st = mirs_image_data_url((const uint8_t *)data, len, out);
    free(data);
    if (st) mirs__error_prefix("%s", path);
    return st;
}

/* ---- encoding ---- */

MIRS_API int mirs_image_encode_options_init(mirs_image_encode_options *opts, size_t size)
{
    static const mirs_image_encode_options d = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_image_encode_options, opts, size, &d);
}

MIRS_API int mirs_image_encode(const mirs_image *img, const mirs_image_encode_options *opts, mirs_buf *out)
{
    MIRS_CHECK_ARG(img && out, "img and out must not be NULL");
    mirs_image_encode_options o = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    int rc = MIRS__STRUCT_IN(mirs_image_encode_options, opts, &o);
    if (rc) return rc;
    mirs__sb sb;
    mirs__sb_init(&sb);
    int st;
    if (o.format == MIRS_IMAGE_FORMAT_PNG) {
        if (o.png_level < 0 || o.png_level > 9)
            return mirs__fail(MIRS_E_INVALID_ARGUMENT, "png_level %d outside 0..9", (int)o.png_level);
        st = mirs__png_encode(img, o.png_level, &sb);
    } else if (o.format == MIRS_IMAGE_FORMAT_JPEG) {
        if (o.jpeg_quality < 1 || o.jpeg_quality > 100)
            return mirs__fail(MIRS_E_INVALID_ARGUMENT, "jpeg_quality %d outside 1..100", (int)o.jpeg_quality);
        if (o.jpeg_subsampling < MIRS_JPEG_SUBSAMPLING_444 || o.jpeg_subsampling > MIRS_JPEG_SUBSAMPLING_420)
            return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown jpeg_subsampling %d", (int)o.jpeg_subsampling);
        if (img->layout == MIRS_LAYOUT_RGBA8)
            return mirs__fail(MIRS_E_UNSUPPORTED, "JPEG cannot store alpha: decode or convert to RGB8 first");
        st = mirs__jpeg_encode(img, o.jpeg_quality, o.jpeg_subsampling, &sb);
    } else
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown encode format %d", (int)o.format);
    if (st) {
        mirs__sb_free(&sb);
        return st;
    }
    return mirs__sb_to_buf(&sb, out);
}

MIRS_API int mirs_image_encode_data_url(const mirs_image *img, const mirs_image_encode_options *opts, mirs_buf *out)
{
    MIRS_CHECK_ARG(img && out, "img and out must not be NULL");
    mirs_buf enc = {0};
    int st = mirs_image_encode(img, opts, &enc);
    if (st) return st;
    st = mirs_image_data_url(enc.data, enc.size, out);
    mirs_buf_free(&enc);
    return st;
}
