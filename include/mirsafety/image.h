/*
 * libmirsafety — image module: safe PNG/JPEG decoding, resizing, encoding,
 * composites, base64/data: URLs and checksums for model inputs.
 *
 * The format of an input is always recognised from its bytes (the PNG
 * signature or the JPEG SOI marker), never from a file name: a file named
 * x.png that holds JPEG bytes decodes as JPEG.
 *
 * Decoded images are opaque mirs_image handles holding 8-bit interleaved
 * pixels in one of three layouts (MIRS_LAYOUT_*), rows top to bottom,
 * `stride` bytes apart. An image is immutable once returned: any number of
 * threads may read one image at once, and different images may be decoded,
 * resized and encoded on different threads at the same time (the codecs
 * keep no per-process state). Every function here runs on the calling
 * thread only, except mirs_image_batch_run(), which uses the number of
 * threads it is given (default 1) and joins them before it returns.
 * See docs/images.md for a guide and docs/threading.md.
 */
#ifndef MIRSAFETY_IMAGE_H
#define MIRSAFETY_IMAGE_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- formats and layouts ---- */

#define MIRS_IMAGE_FORMAT_NONE 0 /* an image built in memory (resize, composite, from_pixels) */
#define MIRS_IMAGE_FORMAT_PNG 1
#define MIRS_IMAGE_FORMAT_JPEG 2

/* Pixel layouts: 8 bits per sample, interleaved. */
#define MIRS_LAYOUT_RGB8 0  /* R,G,B (3 channels); the default */
#define MIRS_LAYOUT_RGBA8 1 /* R,G,B,A (4 channels), straight (not premultiplied) alpha */
#define MIRS_LAYOUT_GRAY8 2 /* luma (1 channel) */

/* Static MIME type of a format ("image/png", "image/jpeg"; NULL otherwise). */
MIRS_API const char *mirs_image_format_mime(int32_t format);
/* Channels of a layout (3, 4, 1), or 0 for an unknown layout. */
MIRS_API int32_t mirs_image_layout_channels(int32_t layout);

/* Recognises the format from the first bytes (8 are enough). Returns
 * MIRS_IMAGE_FORMAT_PNG, _JPEG, or MIRS_IMAGE_FORMAT_NONE when the bytes are
 * neither. Never fails; data may be NULL when len is 0. Thread-safe. */
MIRS_API int32_t mirs_image_detect_format(const uint8_t *data, size_t len);

/* ---- decoding options ---- */

/* What to do with libjpeg's "corrupt data" warnings (bad Huffman codes,
 * data segments cut by a marker, ...). A JPEG that ends early is always
 * MIRS_E_TRUNCATED, whatever the policy. Warnings that cannot affect the
 * pixels (extraneous bytes before a marker, unknown JFIF revision or Adobe
 * transform, a bad ICC chunk) are counted in mirs_image_warning_count()
 * but never fail. */
#define MIRS_JPEG_WARNINGS_STRICT 0   /* the first corrupt-data warning fails with MIRS_E_CORRUPT (default) */
#define MIRS_JPEG_WARNINGS_TOLERATE 1 /* up to max_jpeg_warnings are accepted, like PIL (pixels may be damaged) */

/* JPEG inverse DCT and chroma upsampling. */
#define MIRS_JPEG_DCT_EXACT 0 /* JDCT_ISLOW + fancy upsampling: the pixels PIL/libjpeg-turbo give (default) */
#define MIRS_JPEG_DCT_FAST 1  /* JDCT_IFAST + plain upsampling: faster, pixels differ by a few levels */

typedef struct mirs_image_decode_options {
    size_t struct_size;           /* sizeof(mirs_image_decode_options) */
    int32_t layout;               /* MIRS_LAYOUT_*; default RGB8 */
    int32_t jpeg_warnings;        /* MIRS_JPEG_WARNINGS_*; default STRICT */
    int32_t jpeg_dct;             /* MIRS_JPEG_DCT_*; default EXACT */
    uint32_t max_width;           /* default 32768; 0 means the default */
    uint32_t max_height;          /* default 32768; 0 means the default */
    uint64_t max_pixels;          /* width*height limit; default 50,000,000; 0 means the default */
    uint64_t max_input_bytes;     /* size limit of a file or memory input; default 256 MiB; 0 means the default */
    uint32_t max_png_chunk_bytes; /* limit on any PNG chunk other than IDAT; default 8 MiB; 0 means the default */
    uint32_t max_png_chunks;      /* limit on the number of PNG chunks; default 100,000; 0 means the default */
    uint32_t max_jpeg_scans;      /* limit on scans of a progressive JPEG; default 64; 0 means the default */
    uint32_t max_jpeg_warnings;   /* with MIRS_JPEG_WARNINGS_TOLERATE; default 16; 0 means the default */
    /* Scale hint: the size the caller will resize to (0 = none). When both
     * are set and the JPEG is at least twice as large on both sides,
     * libjpeg-turbo decodes directly at 1/2, 1/4 or 1/8 scale (the
     * smallest one that stays >= the target on both sides), which is much
     * faster; the image is then ceil(w*s) x ceil(h*s). PNG ignores it. */
    uint32_t target_width;
    uint32_t target_height;
    /* Non-zero: decode every PNG with libpng, never the libdeflate fast path
     * used for 8-bit non-interlaced PNGs (both give the same pixels; this is
     * for comparisons and tests). Default 0. */
    int32_t png_libpng_only;
    uint32_t reserved; /* must be 0 (keeps the struct free of trailing padding) */
} mirs_image_decode_options;

#define MIRS_IMAGE_DECODE_OPTIONS_INIT                                                                                 \
    {                                                                                                                  \
        sizeof(mirs_image_decode_options), MIRS_LAYOUT_RGB8, MIRS_JPEG_WARNINGS_STRICT, MIRS_JPEG_DCT_EXACT, 32768u,   \
            32768u, 50000000u, 268435456u, 8388608u, 100000u, 64u, 16u, 0u, 0u, 0, 0u                                  \
    }

/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_image_decode_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_image_decode_options_init(mirs_image_decode_options *opts, size_t size);

/* ---- probing (header only, no pixel decoding) ---- */

typedef struct mirs_image_info {
    size_t struct_size;  /* set by the caller: sizeof(mirs_image_info) */
    int32_t format;      /* MIRS_IMAGE_FORMAT_PNG or _JPEG */
    uint32_t width;      /* pixels */
    uint32_t height;     /* pixels */
    int32_t channels;    /* as stored: PNG gray 1, gray+alpha 2, RGB 3, RGBA 4, palette 3 (4 with tRNS);
                            JPEG components 1, 3 or 4 (CMYK/YCCK) */
    int32_t bit_depth;   /* bits per sample as stored (PNG 1,2,4,8,16; JPEG 8: 12-bit JPEG is MIRS_E_UNSUPPORTED) */
    int32_t has_alpha;   /* 1 when the image carries alpha (PNG alpha channel or tRNS) */
    int32_t interlaced;  /* 1 for Adam7 PNG or progressive JPEG */
    int32_t color_model; /* PNG: the IHDR colour type (0,2,3,4,6); JPEG: libjpeg's J_COLOR_SPACE
                            (1 gray, 2 RGB, 3 YCbCr, 4 CMYK, 5 YCCK) */
} mirs_image_info;

/* Reads the header of an image in memory and fills *info (fields beyond
 * info->struct_size are left alone, so older callers stay safe). Decodes no
 * pixels and applies no width/height/pixel limits, so a hostile header's
 * claimed size is reported; mirs_image_check_limits() then applies them as
 * decoding would (opts may be NULL; only max_input_bytes,
 * max_png_chunks and max_png_chunk_bytes are used). PNG: the chunk framing
 * and CRCs of the whole file are checked; JPEG: the markers up to the
 * first scan. Errors: MIRS_E_INVALID_ARGUMENT,
 * MIRS_E_FORMAT (not PNG/JPEG), MIRS_E_UNSUPPORTED (GIF, WebP, BMP, TIFF...),
 * MIRS_E_TRUNCATED, MIRS_E_CORRUPT, MIRS_E_LIMIT. Thread-safe. */
MIRS_API int mirs_image_probe_memory(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                     mirs_image_info *info);
/* Same for a file (read whole, up to max_input_bytes). Adds MIRS_E_IO and
 * MIRS_E_NOT_FOUND; messages name the path. */
MIRS_API int mirs_image_probe_file(const char *path, const mirs_image_decode_options *opts, mirs_image_info *info);
/* Applies to a probed header the width, height and pixel limits of opts
 * (NULL for the defaults) exactly as decoding does: the same check, so an
 * image that passes here is not refused for its size by any decoding path.
 * Validation (mirsafety validate --images) and request writing (every
 * mirs_prompt_options.image_format, ORIGINAL included) use it. Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_LIMIT and MIRS_E_CORRUPT (zero size), the
 * message naming the format and the limit. Thread-safe. */
MIRS_API int mirs_image_check_limits(const mirs_image_info *info, const mirs_image_decode_options *opts);

/* ---- decoding ---- */

typedef struct mirs_image mirs_image;

/* Decodes a PNG or JPEG held in memory into a new image in opts->layout
 * (opts may be NULL for the defaults). The width, height and pixel limits
 * are checked after the header and before any pixel memory is allocated.
 * Conversions (documented in docs/images.md, chosen to equal PIL's
 * Image.open(f).convert(mode)): palette, low-bit gray and 16-bit samples
 * become 8-bit (16-bit keeps the high byte); alpha is dropped for RGB8 and
 * GRAY8 (not blended); tRNS becomes alpha for RGBA8 only; GRAY8 from colour
 * is (19595 R + 38470 G + 7471 B + 32768) >> 16; CMYK and Adobe inverted
 * CMYK/YCCK JPEGs are converted to RGB like PIL does. Ancillary metadata
 * (gamma, ICC profiles, EXIF orientation) is ignored, like PIL's open().
 * On success *out owns a new image (mirs_image_free()).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_FORMAT, MIRS_E_UNSUPPORTED
 * (GIF/WebP/BMP/TIFF, 12-bit or lossless JPEG), MIRS_E_LIMIT (a limit in
 * opts), MIRS_E_TRUNCATED (input ends early), MIRS_E_CORRUPT (bad CRC, bad
 * zlib or Huffman data, inconsistent header), MIRS_E_NO_MEMORY. The message
 * names the format and, where known, the byte offset. No codec message is
 * ever printed. Thread-safe for different inputs. */
MIRS_API int mirs_image_decode_memory(const uint8_t *data, size_t len, const mirs_image_decode_options *opts,
                                      mirs_image **out);
/* Same for a file; adds MIRS_E_IO and MIRS_E_NOT_FOUND, and messages start
 * with the path. The file is read whole (up to max_input_bytes). */
MIRS_API int mirs_image_decode_file(const char *path, const mirs_image_decode_options *opts, mirs_image **out);

/* Makes a new image of the given size and layout from caller pixels (rows
 * `stride` bytes apart, stride >= width*channels), copying them. Limits:
 * width and height 1..1,000,000 and the byte size must fit memory.
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_LIMIT, MIRS_E_NO_MEMORY. */
MIRS_API int mirs_image_from_pixels(uint32_t width, uint32_t height, int32_t layout, const uint8_t *pixels,
                                    size_t stride, mirs_image **out);

/* Releases an image (NULL is fine). Pointers from mirs_image_pixels() die with it. */
MIRS_API void mirs_image_free(mirs_image *img);

/* Accessors (img must not be NULL). All are thread-safe. */
MIRS_API uint32_t mirs_image_width(const mirs_image *img);
MIRS_API uint32_t mirs_image_height(const mirs_image *img);
MIRS_API int32_t mirs_image_layout(const mirs_image *img);
MIRS_API int32_t mirs_image_channels(const mirs_image *img);
/* Bytes from one row to the next (currently always width*channels). */
MIRS_API size_t mirs_image_stride(const mirs_image *img);
/* The pixels, borrowed: valid until mirs_image_free(img). Never NULL. */
MIRS_API const uint8_t *mirs_image_pixels(const mirs_image *img);
/* Format the image was decoded from (MIRS_IMAGE_FORMAT_NONE for built ones). */
MIRS_API int32_t mirs_image_source_format(const mirs_image *img);
/* Size of the source image before any DCT scaling (equals width/height
 * unless the decode used the scale hint). */
MIRS_API uint32_t mirs_image_source_width(const mirs_image *img);
MIRS_API uint32_t mirs_image_source_height(const mirs_image *img);
/* Codec warnings accepted during decoding (libpng benign errors, tolerated
 * JPEG warnings); 0 for a clean file. */
MIRS_API uint32_t mirs_image_warning_count(const mirs_image *img);

/* ---- checksums (CRC-64/XZ, as used across libmirsafety) ---- */

/* CRC-64/XZ of the image's pixel bytes, row by row without padding, so the
 * same pixels give the same value whatever the stride. Thread-safe. */
MIRS_API int mirs_image_checksum_pixels(const mirs_image *img, uint64_t *out);
/* CRC-64/XZ of a byte range (e.g. an encoded file held in memory). */
MIRS_API uint64_t mirs_image_checksum_bytes(const uint8_t *data, size_t len);
/* CRC-64/XZ of a file's bytes, streamed (no size limit, constant memory).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_IO, MIRS_E_NOT_FOUND. */
MIRS_API int mirs_image_checksum_file(const char *path, uint64_t *out);

/* ---- resizing ---- */

/* Exact area average: every output pixel is the mean of the source area it
 * covers, with fractional coverage at the edges (the definition of OpenCV's
 * INTER_AREA for downscaling), computed in exact integer arithmetic and
 * rounded half up. The quality choice for downscaling. */
#define MIRS_RESIZE_AREA 0
/* PIL's Image.resize(..., BILINEAR): triangle filter on pixel centres
 * ((x + 0.5) * scale - 0.5 convention), widened by the scale factor when
 * downscaling (antialiased), 22-bit fixed point, horizontal pass first.
 * Bit-exact with PIL 9.x for RGB and GRAY images. */
#define MIRS_RESIZE_BILINEAR 1
/* PIL's Image.resize(..., BICUBIC) (a = -0.5), the filter Qwen2-VL's image
 * processor uses; same conventions and exactness as BILINEAR. */
#define MIRS_RESIZE_BICUBIC 2

/* Resizes img to width x height (each 1..1,000,000) into a new image of the
 * same layout. RGBA channels are filtered independently (straight alpha;
 * PIL premultiplies RGBA, so RGBA results differ from PIL's where alpha
 * varies). Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_LIMIT, MIRS_E_NO_MEMORY.
 * Thread-safe. */
MIRS_API int mirs_image_resize(const mirs_image *img, uint32_t width, uint32_t height, int32_t method,
                               mirs_image **out);

/* Qwen2-VL's smart_resize (transformers' image_processing_qwen2_vl.py):
 *   h = round(height / factor) * factor, w likewise (round half to even);
 *   if h*w > max_pixels: beta = sqrt(height*width / max_pixels),
 *       h = max(factor, floor(height / beta / factor) * factor), w likewise;
 *   else if h*w < min_pixels: beta = sqrt(min_pixels / (height*width)),
 *       h = ceil(height * beta / factor) * factor, w likewise.
 * Qwen2-VL's defaults are factor 28, min_pixels 56*56 = 3136 and
 * max_pixels 14*14*4*1280 = 1003520 (28*28*1280 in the processor config).
 * Errors: MIRS_E_INVALID_ARGUMENT (zero sizes or factor, NULL outputs),
 * MIRS_E_RANGE (aspect ratio max/min > 200, as Qwen raises ValueError),
 * MIRS_E_OVERFLOW (results that do not fit uint32). Thread-safe. */
MIRS_API int mirs_image_smart_resize(uint32_t height, uint32_t width, uint32_t factor, uint64_t min_pixels,
                                     uint64_t max_pixels, uint32_t *out_height, uint32_t *out_width);

/* ---- encoding ---- */

#define MIRS_JPEG_SUBSAMPLING_444 0
#define MIRS_JPEG_SUBSAMPLING_422 1
#define MIRS_JPEG_SUBSAMPLING_420 2 /* the default, like PIL and libjpeg */

typedef struct mirs_image_encode_options {
    size_t struct_size;       /* sizeof(mirs_image_encode_options) */
    int32_t format;           /* MIRS_IMAGE_FORMAT_PNG (default) or _JPEG */
    int32_t png_level;        /* zlib level 0..9; default 6 */
    int32_t jpeg_quality;     /* 1..100; default 90 */
    int32_t jpeg_subsampling; /* MIRS_JPEG_SUBSAMPLING_*; default 420 */
} mirs_image_encode_options;

#define MIRS_IMAGE_ENCODE_OPTIONS_INIT                                                                                 \
    {                                                                                                                  \
        sizeof(mirs_image_encode_options), MIRS_IMAGE_FORMAT_PNG, 6, 90, MIRS_JPEG_SUBSAMPLING_420                     \
    }

/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_image_encode_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_image_encode_options_init(mirs_image_encode_options *opts, size_t size);

/* Encodes img (opts may be NULL: PNG level 6) into out, a library-owned
 * buffer released with mirs_buf_free(). PNG keeps the layout (RGB, RGBA or
 * gray, 8-bit, not interlaced, no metadata chunks). JPEG is baseline
 * (ISLOW DCT, JFIF header) from RGB8 or GRAY8; RGBA8 is refused with
 * MIRS_E_UNSUPPORTED (drop alpha first, e.g. by decoding as RGB8).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_UNSUPPORTED, MIRS_E_NO_MEMORY,
 * MIRS_E_INTERNAL (a codec failure). *out is written only on success.
 * Thread-safe. */
MIRS_API int mirs_image_encode(const mirs_image *img, const mirs_image_encode_options *opts, mirs_buf *out);

/* ---- base64 and data: URLs ---- */

/* Standard base64 (RFC 4648, '+' '/', '=' padding, no line breaks) of any
 * bytes, NUL-terminated text in out. Errors: MIRS_E_INVALID_ARGUMENT,
 * MIRS_E_NO_MEMORY, MIRS_E_OVERFLOW. */
MIRS_API int mirs_image_base64(const uint8_t *data, size_t len, mirs_buf *out);
/* "data:image/png;base64,..." (or image/jpeg) for encoded image bytes,
 * passed through unchanged. The MIME type comes from the detected format,
 * never a file name; bytes that are neither PNG nor JPEG give
 * MIRS_E_FORMAT (MIRS_E_UNSUPPORTED for GIF/WebP/BMP/TIFF). The bytes are
 * not decoded: call mirs_image_probe_memory() first to validate them. */
MIRS_API int mirs_image_data_url(const uint8_t *data, size_t len, mirs_buf *out);
/* Same for a file's bytes, unchanged (read up to max_bytes; 0 means 256 MiB).
 * Adds MIRS_E_IO, MIRS_E_NOT_FOUND, MIRS_E_LIMIT. */
MIRS_API int mirs_image_data_url_file(const char *path, uint64_t max_bytes, mirs_buf *out);
/* Encodes img with opts (as mirs_image_encode) and returns its data: URL. */
MIRS_API int mirs_image_encode_data_url(const mirs_image *img, const mirs_image_encode_options *opts, mirs_buf *out);

/* ---- composites ---- */

#define MIRS_COMPOSITE_ROW 0    /* left to right */
#define MIRS_COMPOSITE_COLUMN 1 /* top to bottom */
#define MIRS_COMPOSITE_GRID 2   /* row-major grid of `columns` columns */

typedef struct mirs_image_composite_options {
    size_t struct_size;    /* sizeof(mirs_image_composite_options) */
    int32_t arrangement;   /* MIRS_COMPOSITE_*; default ROW */
    int32_t layout;        /* layout of the result, MIRS_LAYOUT_*; default RGB8 */
    uint32_t columns;      /* GRID only; 0 = ceil(sqrt(n)) (2 for 2-4 images) */
    uint32_t spacing;      /* pixels between neighbouring cells; default 0 */
    uint32_t margin;       /* pixels around the whole composite; default 0 */
    uint8_t background[4]; /* R,G,B,A of the empty area; default white, opaque */
    uint64_t max_pixels;   /* limit on the result; default 50,000,000; 0 means the default */
} mirs_image_composite_options;

#define MIRS_IMAGE_COMPOSITE_OPTIONS_INIT                                                                              \
    {                                                                                                                  \
        sizeof(mirs_image_composite_options), MIRS_COMPOSITE_ROW, MIRS_LAYOUT_RGB8, 0u, 0u, 0u, {255, 255, 255, 255},  \
            50000000u                                                                                                  \
    }

/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_image_composite_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_image_composite_options_init(mirs_image_composite_options *opts, size_t size);

/* Tiles n >= 1 images into one new image. Every cell has the size of the
 * largest input (max width x max height over all inputs); each image is
 * drawn unscaled, centred in its cell (offsets rounded down); the rest is
 * the background colour. Cells are `spacing` pixels apart and the whole is
 * surrounded by `margin` pixels. Inputs of any layout are converted to the
 * result layout: gray is replicated, RGB gets alpha 255, alpha is blended
 * over the background when the result has none, and GRAY8 results use the
 * luma formula of decoding. Resize the inputs first (mirs_image_resize) to
 * scale them to a common height. Errors: MIRS_E_INVALID_ARGUMENT,
 * MIRS_E_LIMIT (result larger than max_pixels), MIRS_E_NO_MEMORY.
 * Thread-safe. */
MIRS_API int mirs_image_composite(const mirs_image *const *images, size_t n, const mirs_image_composite_options *opts,
                                  mirs_image **out);

/* ---- batches: many images on caller-chosen threads ----
 *
 * A batch holds a list of inputs (files or memory), each with its own
 * target size, and prepares them all in one call: decode (JPEG at 1/2, 1/4
 * or 1/8 scale through libjpeg-turbo's scaled IDCT when the target is at
 * most half the source on both sides and dct_scaling is on), resize to the
 * exact target, and optionally encode. Results stay in input order; each
 * input has its own status and message, and a failed input never stops the
 * others. A batch is one-thread-at-a-time (add, run and read it from one
 * thread at a time); mirs_image_batch_run() itself uses opts->threads
 * threads, all joined before it returns. */

typedef struct mirs_image_batch mirs_image_batch;

typedef struct mirs_image_batch_options {
    size_t struct_size; /* sizeof(mirs_image_batch_options) */
    /* Threads that work on the batch, the calling thread included: default
     * 1 (only the calling thread); 0 means 1. More threads than inputs are
     * not started. The threads are joined before mirs_image_batch_run()
     * returns; none outlives the call. */
    uint32_t threads;
    /* MIRS_RESIZE_* for inputs with a target size; default BICUBIC (Qwen2-VL's). */
    int32_t resize_method;
    /* Non-zero (default 1): a JPEG whose target is at most half its size on
     * both sides is decoded at the smallest 1/2^k scale that stays >= the
     * target (faster; pixels differ slightly from a full decode followed
     * by the same resize). 0: always decode at full size. */
    int32_t dct_scaling;
    uint32_t reserved; /* must be 0 */
    /* Decoding options for every input (NULL: the defaults). Their
     * target_width/target_height are ignored (each input has its own). */
    const mirs_image_decode_options *decode;
    /* NULL (default): keep each decoded (and resized) image, read with
     * mirs_image_batch_image(). Otherwise each result is encoded with these
     * options, the pixels are dropped, and mirs_image_batch_encoded() gives
     * the bytes. */
    const mirs_image_encode_options *encode;
} mirs_image_batch_options;

#define MIRS_IMAGE_BATCH_OPTIONS_INIT                                                                                  \
    {                                                                                                                  \
        sizeof(mirs_image_batch_options), 1u, MIRS_RESIZE_BICUBIC, 1, 0, NULL, NULL                                    \
    }

/* Fills the first `size` bytes of *opts with the defaults and sets
 * struct_size = size (for bindings that cannot use the macro; never writes
 * past size). MIRS_E_INVALID_ARGUMENT for NULL or a size below the oldest
 * layout. */
MIRS_API int mirs_image_batch_options_init(mirs_image_batch_options *opts, size_t size);

/* A new empty batch, owned by the caller (mirs_image_batch_free()).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY. */
MIRS_API int mirs_image_batch_new(mirs_image_batch **out);
/* Releases a batch, its results and its copies of paths (NULL is fine). */
MIRS_API void mirs_image_batch_free(mirs_image_batch *batch);

/* Appends a file input (the path is copied). target_width x target_height
 * is the size of the result; 0 x 0 keeps the decoded size (one of them 0
 * and not the other is MIRS_E_INVALID_ARGUMENT). Errors:
 * MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY. The file is read only by
 * mirs_image_batch_run(). */
MIRS_API int mirs_image_batch_add_file(mirs_image_batch *batch, const char *path, uint32_t target_width,
                                       uint32_t target_height);
/* Appends an input held in memory, borrowed: data must stay valid and
 * unchanged until the last mirs_image_batch_run() of this batch returns.
 * Targets as for mirs_image_batch_add_file(). */
MIRS_API int mirs_image_batch_add_memory(mirs_image_batch *batch, const uint8_t *data, size_t len,
                                         uint32_t target_width, uint32_t target_height);
/* Number of inputs added (0 for NULL). */
MIRS_API size_t mirs_image_batch_count(const mirs_image_batch *batch);

/* Prepares every input (opts may be NULL for the defaults: one thread,
 * bicubic, DCT scaling, default decode options, no encoding), replacing the
 * results of an earlier run. Returns MIRS_OK when the batch ran, even if
 * some inputs failed (like a lenient load: the failures stay on the batch,
 * read each with mirs_image_batch_status()); *failed (may be NULL)
 * receives the number of failed inputs. Errors, when it could not run at
 * all: MIRS_E_INVALID_ARGUMENT, MIRS_E_NO_MEMORY. */
MIRS_API int mirs_image_batch_run(mirs_image_batch *batch, const mirs_image_batch_options *opts, size_t *failed);

/* Result of input i after a run: MIRS_OK or the negative status that
 * reading, decoding, resizing or encoding that input gave. MIRS_E_RANGE for
 * an index out of range, MIRS_E_STATE when no run has happened since the
 * input was added. */
MIRS_API int mirs_image_batch_status(const mirs_image_batch *batch, size_t i);
/* Message of input i's failure, naming the file for file inputs ("" when
 * it succeeded). Borrowed: valid until the next run or the free. Never NULL. */
MIRS_API const char *mirs_image_batch_message(const mirs_image_batch *batch, size_t i);
/* Input i's image (NULL when it failed or was encoded). Borrowed: valid
 * until the next run, mirs_image_batch_take_image() or the free. */
MIRS_API const mirs_image *mirs_image_batch_image(const mirs_image_batch *batch, size_t i);
/* Moves input i's image to the caller (*out, freed with mirs_image_free()).
 * Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_RANGE, MIRS_E_NOT_FOUND (the input
 * failed, was encoded or was already taken). */
MIRS_API int mirs_image_batch_take_image(mirs_image_batch *batch, size_t i, mirs_image **out);
/* Input i's encoded bytes when the run had encode options (NULL with
 * *len = 0 otherwise). Borrowed: valid until the next run or the free. */
MIRS_API const uint8_t *mirs_image_batch_encoded(const mirs_image_batch *batch, size_t i, size_t *len);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_IMAGE_FORMAT_*: "none", "png", "jpeg". */
MIRS_API const char *mirs_image_format_name(int32_t value);
MIRS_API int mirs_image_format_from_name(const char *name, int32_t *out);
/* MIRS_LAYOUT_* ("rgb", "rgba", "gray" and PIL's "L" are accepted too): "rgb8", "rgba8", "gray8". */
MIRS_API const char *mirs_layout_name(int32_t value);
MIRS_API int mirs_layout_from_name(const char *name, int32_t *out);
/* MIRS_JPEG_WARNINGS_*: "strict", "tolerate". */
MIRS_API const char *mirs_jpeg_warnings_name(int32_t value);
MIRS_API int mirs_jpeg_warnings_from_name(const char *name, int32_t *out);
/* MIRS_JPEG_DCT_*: "exact", "fast". */
MIRS_API const char *mirs_jpeg_dct_name(int32_t value);
MIRS_API int mirs_jpeg_dct_from_name(const char *name, int32_t *out);
/* MIRS_JPEG_SUBSAMPLING_*: "444", "422", "420". */
MIRS_API const char *mirs_jpeg_subsampling_name(int32_t value);
MIRS_API int mirs_jpeg_subsampling_from_name(const char *name, int32_t *out);
/* MIRS_RESIZE_*: "area", "bilinear", "bicubic". */
MIRS_API const char *mirs_resize_name(int32_t value);
MIRS_API int mirs_resize_from_name(const char *name, int32_t *out);
/* MIRS_COMPOSITE_*: "row", "column", "grid". */
MIRS_API const char *mirs_composite_name(int32_t value);
MIRS_API int mirs_composite_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
