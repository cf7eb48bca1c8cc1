/*
 * JPEG through libjpeg-turbo, from memory.
 *
 * A custom error manager keeps every message away from stderr: errors
 * longjmp back into decode_core()/encode_core() (the only functions that
 * call setjmp) with a status chosen from libjpeg's message code; warnings
 * are counted and, by policy, turned into MIRS_E_CORRUPT (a premature end
 * of data is always MIRS_E_TRUNCATED). A progress monitor refuses
 * progressive files with more than max_jpeg_scans scans before they can
 * burn CPU. The size limits are checked after jpeg_read_header() and before
 * jpeg_start_decompress() allocates anything image-sized.
 *
 * Colour: libjpeg converts YCbCr/gray straight to the output layout
 * (JCS_EXT_RGB/RGBA, gray), written into the output rows. CMYK and YCCK are
 * read as CMYK and converted the way PIL does (PIL assumes Adobe's inverted
 * CMYK for every 4-component JPEG), and GRAY8 from colour uses PIL's luma,
 * so every layout equals PIL's convert() of the same file.
 */
#include "image_internal.h"

#ifdef MIRS_HAVE_JPEG
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

typedef struct jctx {
    struct jpeg_error_mgr pub; /* first: libjpeg hands back this pointer */
    jmp_buf jb;
    struct jpeg_progress_mgr progress;
    const img_opts *o;
    int status;
    int probe_only;
    uint32_t warnings, benign;
    char msg[JMSG_LENGTH_MAX + 64];
    mirs_image *img;
    mirs_image_info *info;
    uint8_t *tmp; /* conversion rows */
    mirs__sb *sb; /* encoding */
    struct jpeg_destination_mgr dest;
    uint8_t outbuf[16384];
} jctx;

static int classify_error(int code)
{
    switch (code) {
    case JERR_OUT_OF_MEMORY: return MIRS_E_NO_MEMORY;
    case JERR_NO_SOI: return MIRS_E_FORMAT;
    case JERR_INPUT_EMPTY:
    case JERR_INPUT_EOF: return MIRS_E_TRUNCATED;
    case JERR_BAD_PRECISION:
    case JERR_SOF_UNSUPPORTED:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL: return MIRS_E_UNSUPPORTED;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW: return MIRS_E_LIMIT;
    default: return MIRS_E_CORRUPT;
    }
}

static void fail_jump(j_common_ptr ci, int status)
{
    jctx *c = (jctx *)ci->err;
    if (!c->status) c->status = status;
    char buf[JMSG_LENGTH_MAX];
    ci->err->format_message(ci, buf);
    mirs__snprintf_c(c->msg, sizeof c->msg, "%s", buf);
    longjmp(c->jb, 1);
}

static void error_exit(j_common_ptr ci) { fail_jump(ci, classify_error(ci->err->msg_code)); }

static void output_message(j_common_ptr ci) { (void)ci; }

static void emit_message(j_common_ptr ci, int level)
{
    if (level >= 0) return; /* trace messages */
    jctx *c = (jctx *)ci->err;
    int code = ci->err->msg_code;
    ci->err->num_warnings++;
    if (code == JWRN_JPEG_EOF) fail_jump(ci, MIRS_E_TRUNCATED);
    /* Warnings about metadata, or junk between markers that libjpeg skips
     * (some encoders pad before markers): the pixels are not affected. */
    if (code == JWRN_ADOBE_XFORM || code == JWRN_JFIF_MAJOR || code == JWRN_BOGUS_ICC || code == JWRN_EXTRANEOUS_DATA) {
        c->benign++;
        return;
    }
    c->warnings++;
    if (c->o->jpeg_warnings == MIRS_JPEG_WARNINGS_STRICT || c->warnings > c->o->max_jpeg_warnings)
        fail_jump(ci, MIRS_E_CORRUPT);
}

static void progress_monitor(j_common_ptr ci)
{
    jctx *c = (jctx *)ci->err;
    if (!ci->is_decompressor) return;
    j_decompress_ptr d = (j_decompress_ptr)ci;
    if (d->input_scan_number > 0 && (uint32_t)d->input_scan_number > c->o->max_jpeg_scans) {
        if (!c->status) c->status = MIRS_E_LIMIT;
        mirs__snprintf_c(c->msg, sizeof c->msg, "more than %u scans (max_jpeg_scans)", c->o->max_jpeg_scans);
        longjmp(c->jb, 1);
    }
}

static void init_err(jctx *c)
{
    jpeg_std_error(&c->pub);
    c->pub.error_exit = error_exit;
    c->pub.output_message = output_message;
    c->pub.emit_message = emit_message;
}

/* Largest 1/2^k scale (k <= 3) keeping the image >= the target on both sides. */
static int pick_denom(const img_opts *o, uint32_t w, uint32_t h)
{
    if (!o->target_width || !o->target_height) return 1;
    int denom = 1;
    for (int d = 2; d <= 8; d *= 2) {
        uint64_t sw = ((uint64_t)w + (uint64_t)d - 1) / (uint64_t)d, sh = ((uint64_t)h + (uint64_t)d - 1) / (uint64_t)d;
        if (sw >= o->target_width && sh >= o->target_height) denom = d;
    }
    return denom;
}

/* PIL's CMYK;I unpacking followed by its cmyk2rgb. */
static inline uint8_t cmyk_channel(unsigned v, unsigned nk)
{
    unsigned t = v * nk + 128;
    int r = (int)nk - (int)(((t >> 8) + t) >> 8);
    return (uint8_t)(r < 0 ? 0 : r);
}

static void cmyk_row(const uint8_t *in, uint8_t *out, size_t n, int layout)
{
    for (size_t i = 0; i < n; i++, in += 4) {
        unsigned nk = (unsigned)in[3]; /* 255 - (255 - k) */
        uint8_t r = cmyk_channel(255u - in[0], nk), g = cmyk_channel(255u - in[1], nk),
                b = cmyk_channel(255u - in[2], nk);
        if (layout == MIRS_LAYOUT_GRAY8)
            *out++ = mirs__luma(r, g, b);
        else {
            *out++ = r;
            *out++ = g;
            *out++ = b;
            if (layout == MIRS_LAYOUT_RGBA8) *out++ = 255;
        }
    }
}

/* Output colour space, IDCT, upsampling and scale, after jpeg_read_header(). */
static void set_output(j_decompress_ptr ci, const img_opts *o, int cmyk)
{
    int layout = o->layout;
    if (cmyk)
        ci->out_color_space = JCS_CMYK;
    else if (layout == MIRS_LAYOUT_GRAY8 && ci->jpeg_color_space == JCS_GRAYSCALE)
        ci->out_color_space = JCS_GRAYSCALE;
    else if (layout == MIRS_LAYOUT_RGBA8)
        ci->out_color_space = JCS_EXT_RGBA;
    else
        ci->out_color_space = JCS_EXT_RGB;
    if (o->jpeg_dct == MIRS_JPEG_DCT_FAST) {
        ci->dct_method = JDCT_IFAST;
        ci->do_fancy_upsampling = FALSE;
    } else {
        ci->dct_method = JDCT_ISLOW;
        ci->do_fancy_upsampling = TRUE;
    }
    ci->scale_num = 1;
    ci->scale_denom = (unsigned)pick_denom(o, ci->image_width, ci->image_height);
}

static int decode_core(jctx *c, struct jpeg_decompress_struct *ci, const uint8_t *data, size_t len)
{
    if (setjmp(c->jb)) {
        jpeg_destroy_decompress(ci);
        mirs_image_free(c->img);
        c->img = NULL;
        return mirs__fail(c->status ? c->status : MIRS_E_CORRUPT, "jpeg: %s", c->msg);
    }
    jpeg_create_decompress(ci);
    c->progress.progress_monitor = progress_monitor;
    ci->progress = &c->progress;
    MIRS_ASSERT_LIVE(data, len); /* libjpeg reads it until the decode ends: it must stay live that long */
    jpeg_mem_src(ci, data, (unsigned long)len);
    jpeg_read_header(ci, TRUE);
    int cs = ci->jpeg_color_space, nc = ci->num_components;
    int cmyk = cs == JCS_CMYK || cs == JCS_YCCK;
    if (c->probe_only) {
        mirs_image_info *in = c->info;
        in->format = MIRS_IMAGE_FORMAT_JPEG;
        in->width = ci->image_width;
        in->height = ci->image_height;
        in->channels = nc;
        in->bit_depth = ci->data_precision;
        in->has_alpha = 0;
        in->interlaced = ci->progressive_mode ? 1 : 0;
        in->color_model = cs;
        jpeg_destroy_decompress(ci);
        return MIRS_OK;
    }
    if (!((cs == JCS_GRAYSCALE && nc == 1) || ((cs == JCS_YCbCr || cs == JCS_RGB) && nc == 3) || (cmyk && nc == 4))) {
        c->status = MIRS_E_UNSUPPORTED;
        mirs__snprintf_c(c->msg, sizeof c->msg, "unsupported colour space %d with %d components", cs, nc);
        longjmp(c->jb, 1);
    }
    if (mirs__image_check_size(c->o, "jpeg", ci->image_width, ci->image_height)) {
        c->status = mirs_error_last_status();
        mirs__snprintf_c(c->msg, sizeof c->msg, "%s", mirs_error_last() + 6);
        longjmp(c->jb, 1);
    }
    int layout = c->o->layout;
    int via_rgb = layout == MIRS_LAYOUT_GRAY8 && cs != JCS_GRAYSCALE && !cmyk;
    set_output(ci, c->o, cmyk);
    jpeg_start_decompress(ci);
    int st = mirs__image_new(ci->output_width, ci->output_height, layout, &c->img);
    if (st) {
        c->status = st;
        mirs__snprintf_c(c->msg, sizeof c->msg, "cannot allocate a %ux%u image", ci->output_width, ci->output_height);
        longjmp(c->jb, 1);
    }
    mirs_image *img = c->img;
    img->source_width = ci->image_width;
    img->source_height = ci->image_height;
    int direct = !cmyk && !via_rgb;
    int step = ci->rec_outbuf_height > 0 && ci->rec_outbuf_height <= 16 ? ci->rec_outbuf_height : 1;
    size_t tmp_row = (size_t)ci->output_width * (size_t)ci->output_components;
    if (!direct) {
        c->tmp = malloc(tmp_row * (size_t)step);
        if (!c->tmp) {
            c->status = MIRS_E_NO_MEMORY;
            mirs__snprintf_c(c->msg, sizeof c->msg, "out of memory");
            longjmp(c->jb, 1);
        }
    }
    JSAMPROW rows[16];
    while (ci->output_scanline < ci->output_height) {
        uint32_t y = ci->output_scanline;
        int n = step;
        if ((uint32_t)n > ci->output_height - y) n = (int)(ci->output_height - y);
        for (int k = 0; k < n; k++)
            rows[k] = direct ? img->pixels + (size_t)(y + (uint32_t)k) * img->stride : c->tmp + (size_t)k * tmp_row;
        JDIMENSION got = jpeg_read_scanlines(ci, rows, (JDIMENSION)n);
        if (!direct)
            for (JDIMENSION k = 0; k < got; k++) {
                uint8_t *dst = img->pixels + (size_t)(y + k) * img->stride;
                if (cmyk)
                    cmyk_row(rows[k], dst, ci->output_width, layout);
                else
                    mirs__rows_to_gray(rows[k], 3, dst, ci->output_width);
            }
        if (got == 0) {
            c->status = MIRS_E_TRUNCATED;
            mirs__snprintf_c(c->msg, sizeof c->msg, "no more scanlines at row %u", y);
            longjmp(c->jb, 1);
        }
    }
    jpeg_finish_decompress(ci);
    jpeg_destroy_decompress(ci);
    return MIRS_OK;
}

static int run_decoder(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info, mirs_image **out)
{
    jctx *c = mirs__calloc(1, sizeof *c);
    if (!c) return MIRS_E_NO_MEMORY;
    struct jpeg_decompress_struct ci;
    memset(&ci, 0, sizeof ci);
    c->o = o;
    c->info = info;
    c->probe_only = info != NULL;
    init_err(c);
    ci.err = &c->pub;
    int st = decode_core(c, &ci, data, len);
    free(c->tmp);
    if (st == MIRS_OK && out) {
        c->img->source_format = MIRS_IMAGE_FORMAT_JPEG;
        c->img->warnings = c->warnings + c->benign;
        *out = c->img;
    }
    free(c);
    return st;
}

int mirs__jpeg_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info)
{
    return run_decoder(data, len, o, info, NULL);
}

int mirs__jpeg_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    return run_decoder(data, len, o, NULL, out);
}

/* ---- encoding ---- */

static void dest_init(j_compress_ptr ci)
{
    jctx *c = (jctx *)ci->err;
    ci->dest->next_output_byte = c->outbuf;
    ci->dest->free_in_buffer = sizeof c->outbuf;
}

static boolean dest_empty(j_compress_ptr ci)
{
    jctx *c = (jctx *)ci->err;
    if (!mirs__sb_append(c->sb, c->outbuf, sizeof c->outbuf)) fail_jump((j_common_ptr)ci, MIRS_E_NO_MEMORY);
    ci->dest->next_output_byte = c->outbuf;
    ci->dest->free_in_buffer = sizeof c->outbuf;
    return TRUE;
}

static void dest_term(j_compress_ptr ci)
{
    jctx *c = (jctx *)ci->err;
    if (!mirs__sb_append(c->sb, c->outbuf, sizeof c->outbuf - ci->dest->free_in_buffer))
        fail_jump((j_common_ptr)ci, MIRS_E_NO_MEMORY);
}

static int encode_core(jctx *c, struct jpeg_compress_struct *ci, const mirs_image *img, int quality, int ss)
{
    if (setjmp(c->jb)) {
        jpeg_destroy_compress(ci);
        return mirs__fail(c->status == MIRS_E_NO_MEMORY ? MIRS_E_NO_MEMORY : MIRS_E_INTERNAL, "jpeg: encoding: %s",
                          c->msg);
    }
    jpeg_create_compress(ci);
    c->dest.init_destination = dest_init;
    c->dest.empty_output_buffer = dest_empty;
    c->dest.term_destination = dest_term;
    ci->dest = &c->dest;
    ci->image_width = img->width;
    ci->image_height = img->height;
    int gray = img->layout == MIRS_LAYOUT_GRAY8;
    ci->input_components = gray ? 1 : 3;
    ci->in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(ci);
    jpeg_set_quality(ci, quality, TRUE);
    ci->dct_method = JDCT_ISLOW;
    if (!gray) {
        ci->comp_info[0].h_samp_factor = ss == MIRS_JPEG_SUBSAMPLING_444 ? 1 : 2;
        ci->comp_info[0].v_samp_factor = ss == MIRS_JPEG_SUBSAMPLING_420 ? 2 : 1;
        for (int k = 1; k < 3; k++) ci->comp_info[k].h_samp_factor = ci->comp_info[k].v_samp_factor = 1;
    }
    MIRS_ASSERT_LIVE(img->pixels, img->stride * img->height);
    jpeg_start_compress(ci, TRUE);
    while (ci->next_scanline < ci->image_height) {
        JSAMPROW row = (JSAMPROW)(img->pixels + (size_t)ci->next_scanline * img->stride);
        jpeg_write_scanlines(ci, &row, 1);
    }
    jpeg_finish_compress(ci);
    jpeg_destroy_compress(ci);
    return MIRS_OK;
}

int mirs__jpeg_encode(const mirs_image *img, int quality, int subsampling, mirs__sb *sb)
{
    jctx *c = mirs__calloc(1, sizeof *c);
    if (!c) return MIRS_E_NO_MEMORY;
    struct jpeg_compress_struct ci;
    memset(&ci, 0, sizeof ci);
    img_opts o;
    memset(&o, 0, sizeof o);
    c->o = &o;
    c->sb = sb;
    init_err(c);
    ci.err = &c->pub;
    int st = encode_core(c, &ci, img, quality, subsampling);
    free(c);
    return st;
}

#else /* !MIRS_HAVE_JPEG */

int mirs__jpeg_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info)
{
    (void)data, (void)len, (void)o, (void)info;
    return mirs__fail(MIRS_E_UNSUPPORTED, "jpeg: this build has no JPEG support (-Djpeg=disabled)");
}

int mirs__jpeg_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    (void)data, (void)len, (void)o, (void)out;
    return mirs__fail(MIRS_E_UNSUPPORTED, "jpeg: this build has no JPEG support (-Djpeg=disabled)");
}

int mirs__jpeg_encode(const mirs_image *img, int quality, int subsampling, mirs__sb *sb)
{
    (void)img, (void)quality, (void)subsampling, (void)sb;
    return mirs__fail(MIRS_E_UNSUPPORTED, "jpeg: this build has no JPEG support (-Djpeg=disabled)");
}

#endif
