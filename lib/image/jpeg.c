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
#define _GNU_SOURCE /* sched_getaffinity */
#include "image_internal.h"

#ifdef MIRS_HAVE_JPEG
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include <jerror.h>
#include <jpeglib.h>

#include "jpeg_par.h"

typedef struct jctx {
    struct jpeg_error_mgr pub; /* first: libjpeg hands back this pointer */
    jmp_buf jb;
    struct jpeg_progress_mgr progress;
    const img_opts *o;
    int status;
    int probe_only;
    int banded; /* a band of a two-thread decode: any warning gives up (see banded_decode) */
    uint32_t warnings, benign;
    char msg[JMSG_LENGTH_MAX + 64];
    mirs_image *img;
    mirs_image_info *info;
    uint8_t *tmp; /* conversion rows */
    mirs_sb *sb;  /* encoding */
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
    if (c->banded) fail_jump(ci, MIRS_E_CORRUPT); /* the one-thread decode will report it */
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

/* Output colour space, IDCT, upsampling and scale, after jpeg_read_header()
 * (the same for the one-thread decode and both bands of a banded one). */
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

/* ---- one JPEG on two threads ----
 *
 * A large baseline JPEG is decoded as two bands of rows by two independent
 * decompress objects over the same input: this thread decodes rows [0, s)
 * and stops; a helper thread calls jpeg_skip_scanlines(s), which only
 * entropy-decodes the iMCU rows above s (the Huffman data is sequential, so
 * it must be read) except the last one, which it decodes fully and discards
 * so that fancy upsampling has its context row, then decodes rows [s, h)
 * and reads the file to its end (EOI) like the one-thread decode. Both bands
 * write their rows straight into the output image. The pixels are those of
 * the one-thread decode (tests/image/test_image.c compares them on many
 * files).
 *
 * Errors and warnings: a band gives up at the first libjpeg warning or
 * error of any kind, and the whole decode is then redone on one thread,
 * which reports exactly what it always does (the named error, the
 * max_jpeg_warnings policy, the warning count). The two bands together
 * read every byte the one-thread decode reads, so a file that passes both
 * bands cleanly has no warning there either. Corrupt files thus cost one
 * extra partial decode; clean ones are what this path is for. */

#define BAND_MIN_PIXELS 262144u

typedef struct jband {
    jctx c; /* first: libjpeg hands back &c.pub */
    struct jpeg_decompress_struct ci;
    const uint8_t *data;
    size_t len;
    mirs_image *img;
    uint32_t y0, y1; /* rows [y0, y1) are this band's */
    atomic_int *stop;
    int ok;
    int started; /* band 0: the helper thread runs */
    pthread_t tid;
} jband;

static int usable_cpus(void)
{
    static atomic_int cached;
    int n = atomic_load_explicit(&cached, memory_order_relaxed);
    if (n > 0) return n;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    else {
        long v = sysconf(_SC_NPROCESSORS_ONLN);
        n = v > 0 && v < 4096 ? (int)v : 1;
    }
    if (n < 1) n = 1;
    atomic_store_explicit(&cached, n, memory_order_relaxed);
    return n;
}

static _Noreturn void band_give_up(jband *b)
{
    if (!b->c.status) b->c.status = MIRS_E_CORRUPT;
    longjmp(b->c.jb, 1);
}

/* Decodes rows up to b->y1 into the image (inside the caller's setjmp). */
static void band_rows(jband *b)
{
    j_decompress_ptr ci = &b->ci;
    mirs_image *img = b->img;
    int step = ci->rec_outbuf_height > 0 && ci->rec_outbuf_height <= 16 ? ci->rec_outbuf_height : 1;
    JSAMPROW rows[16];
    while (ci->output_scanline < b->y1) {
        if (atomic_load_explicit(b->stop, memory_order_relaxed)) band_give_up(b);
        uint32_t y = ci->output_scanline;
        int n = step;
        if ((uint32_t)n > b->y1 - y) n = (int)(b->y1 - y);
        for (int k = 0; k < n; k++) rows[k] = img->pixels + (size_t)(y + (uint32_t)k) * img->stride;
        if (jpeg_read_scanlines(ci, rows, (JDIMENSION)n) == 0) band_give_up(b);
    }
}

/* The helper thread's band: rows [y0, h), then the rest of the file. */
static void band_bottom(jband *b)
{
    j_decompress_ptr ci = &b->ci;
    if (setjmp(b->c.jb)) {
        jpeg_destroy_decompress(ci);
        return;
    }
    jpeg_create_decompress(ci);
    jpeg_mem_src(ci, b->data, (unsigned long)b->len);
    jpeg_read_header(ci, TRUE);
    set_output(ci, b->c.o, 0);
    jpeg_start_decompress(ci);
    if (ci->output_width != b->img->width || ci->output_height != b->img->height || ci->output_height < b->y1)
        band_give_up(b);
    if (jpeg_skip_scanlines(ci, b->y0) != b->y0) band_give_up(b);
    band_rows(b);
    jpeg_finish_decompress(ci);
    jpeg_destroy_decompress(ci);
    b->ok = 1;
}

static void *band_thread(void *arg)
{
    jband *b = arg;
    band_bottom(b);
    if (!b->ok) atomic_store(b->stop, 1);
    return NULL;
}

/* Where to split: this thread decodes rows [0, s) in s*T (T the time of a
 * full decode per row); the helper starts up (C), entropy-decodes those
 * rows (E per row) and then decodes [s, h): C + s*E + (h - s)*T. Both end
 * together for s = (h*T + C) / (2T - E). The costs come from a model of
 * libjpeg-turbo 2.1 (x86-64, AVX2) fitted to per-thread CPU times on
 * 1024x1024 files of quality 50-95, 4:2:0/4:2:2/4:4:4/gray and noise, in ns:
 * with b = 8x8 blocks per 64 pixels (1.5 for 4:2:0, 3 for 4:4:4, 1 for
 * gray), E = 0.2 b per pixel + 10 per entropy-coded byte, T = E + (1.4 +
 * 0.67 b) per pixel, C = 80 us. A split off by 5% costs about 2%. s is
 * rounded to whole iMCU rows (mcu_h rows). */
static uint32_t band_split(j_decompress_ptr ci, size_t scan_bytes, uint32_t mcu_h)
{
    int hmax = 1, vmax = 1, sum = 0;
    for (int k = 0; k < ci->num_components; k++) {
        const jpeg_component_info *c = &ci->comp_info[k];
        if (c->h_samp_factor > hmax) hmax = c->h_samp_factor;
        if (c->v_samp_factor > vmax) vmax = c->v_samp_factor;
        sum += c->h_samp_factor * c->v_samp_factor;
    }
    uint32_t h = ci->image_height;
    double b = ci->num_components == 1 ? 1.0 : (double)sum / (hmax * vmax);
    double px = (double)ci->image_width * (double)h;
    double e = 0.2 * b * px + 10.0 * (double)scan_bytes, t = e + (1.4 + 0.67 * b) * px;
    double s = (double)h * (t + 80000.0) / (2.0 * t - e);
    uint32_t r = (uint32_t)(s / mcu_h + 0.5) * mcu_h;
    if (r < mcu_h) r = mcu_h;
    if (r > h - mcu_h) r = (h - mcu_h) / mcu_h * mcu_h;
    return r;
}

/* After a libjpeg error or a give-up in this thread's part: stops and
 * joins the helper if one runs, frees everything; 1 (not done here). */
static int band_abort(jband *a)
{
    atomic_store(a->stop, 1);
    if (a->started) pthread_join(a->tid, NULL);
    a->started = 0;
    jpeg_destroy_decompress(&a->ci);
    mirs_image_free(a->img);
    a->img = NULL;
    return 1;
}

/* Reads the headers into a->ci (inside the caller's setjmp: libjpeg's
 * errors longjmp there). */
static void band_open(jband *a)
{
    jpeg_create_decompress(&a->ci);
    jpeg_mem_src(&a->ci, a->data, (unsigned long)a->len);
    jpeg_read_header(&a->ci, TRUE);
}

/* The end of a two-thread decode: the image, or 1 (freed) when it failed. */
static int two_thread_result(mirs_image *img, int ok, uint32_t w, uint32_t h, mirs_image **out)
{
    if (!ok) {
        mirs_image_free(img);
        return 1;
    }
    img->source_width = w;
    img->source_height = h;
    img->source_format = MIRS_IMAGE_FORMAT_JPEG;
    img->warnings = 0; /* both paths give up at the first warning */
    img->decode_threads = 2;
    *out = img;
    return MIRS_OK;
}

/* This thread's band; starts the helper. MIRS_OK with *out set, or 1:
 * not eligible or something went wrong, decode on one thread instead. */
static int band_top(jband *a, jband *b, mirs_image **out)
{
    j_decompress_ptr ci = &a->ci;
    if (setjmp(a->c.jb)) return band_abort(a);
    band_open(a);
    const img_opts *o = a->c.o;
    uint32_t w = ci->image_width, h = ci->image_height;
    int cs = ci->jpeg_color_space, nc = ci->num_components, vmax = 1;
    for (int k = 0; k < nc; k++)
        if (ci->comp_info[k].v_samp_factor > vmax) vmax = ci->comp_info[k].v_samp_factor;
    uint32_t mcu_h = 8u * (uint32_t)vmax;
    /* One interleaved Huffman scan (not progressive, not one scan per
     * component, not arithmetic-coded), colour straight into the output
     * rows, no DCT scaling, within the limits, and big enough to pay for a
     * thread. */
    int colour = (cs == JCS_GRAYSCALE && nc == 1) ||
                 ((cs == JCS_YCbCr || cs == JCS_RGB) && nc == 3 && o->layout != MIRS_LAYOUT_GRAY8);
    if (!colour || ci->progressive_mode || ci->arith_code || ci->comps_in_scan != nc || ci->data_precision != 8 ||
        pick_denom(o, w, h) != 1 || (uint64_t)w * h < BAND_MIN_PIXELS || h < 2 * mcu_h ||
        mirs__image_check_size(o, "jpeg", w, h) != MIRS_OK) {
        jpeg_destroy_decompress(ci);
        return 1;
    }
    uint32_t s = band_split(ci, ci->src->bytes_in_buffer, mcu_h);
    if (mirs__image_new(w, h, o->layout, &a->img) != MIRS_OK) band_give_up(a);
    a->y0 = 0;
    a->y1 = s;
    b->img = a->img;
    b->y0 = s;
    b->y1 = h;
    a->started = pthread_create(&a->tid, NULL, band_thread, b) == 0;
    if (!a->started) band_give_up(a);
    set_output(ci, o, 0);
    jpeg_start_decompress(ci);
    if (ci->output_width != w || ci->output_height != h) band_give_up(a);
    band_rows(a);
    jpeg_destroy_decompress(ci); /* rows past s are the helper's */
    pthread_join(a->tid, NULL);
    a->started = 0;
    return two_thread_result(a->img, b->ok, w, h, out);
}

/* Pixels claimed by the first SOF marker when it is a sequential Huffman
 * one (SOF0/SOF1), else 0: a walk over the marker segments so that small
 * or progressive files go to the one-thread decode without a second
 * header parse. Anything unexpected gives 0 (libjpeg then judges it). */
static uint64_t sequential_sof_pixels(const uint8_t *d, size_t n)
{
    size_t i = 2;
    while (i + 4 <= n) {
        if (d[i] != 0xFF) return 0;
        unsigned m = d[i + 1];
        if (m == 0xFF) { /* fill byte */
            i++;
            continue;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            i += 2;
            continue;
        }
        size_t seg = ((size_t)d[i + 2] << 8) | d[i + 3];
        if (seg < 2) return 0;
        if (m == 0xC0 || m == 0xC1) {
            if (i + 9 > n) return 0;
            uint64_t h = ((uint64_t)d[i + 5] << 8) | d[i + 6], w = ((uint64_t)d[i + 7] << 8) | d[i + 8];
            return w * h;
        }
        if ((m >= 0xC2 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xDA || m == 0xD9) return 0;
        i += 2 + seg;
    }
    return 0;
}

/* ---- one JPEG on two threads, our own Huffman decoder (jpeg_par.c) ----
 *
 * libjpeg reads the headers (any warning declines, as for the bands); a
 * baseline, single-scan YCbCr 4:2:0/4:2:2/4:4:4 or grayscale file without
 * restart markers, decoded with the exact IDCT straight to RGB8/RGBA8 (or
 * GRAY8 from gray), goes to jpeg_par.c. What it declines goes on to the
 * bands, then to one thread. MIRS_JPEG_TWO_THREADS=bands in the
 * environment skips this path (the tests run both). */

static int par_wanted(void)
{
    static atomic_int cached; /* 0 unknown, 1 yes, 2 no */
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!v) {
        const char *e = getenv("MIRS_JPEG_TWO_THREADS");
        v = e && strcmp(e, "bands") == 0 ? 2 : 1;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v == 1;
}

static int par_top(jband *a, mirs_image **out)
{
    j_decompress_ptr ci = &a->ci;
    if (setjmp(a->c.jb)) return band_abort(a);
    band_open(a);
    const img_opts *o = a->c.o;
    uint32_t w = ci->image_width, h = ci->image_height;
    int cs = ci->jpeg_color_space, nc = ci->num_components;
    jpar_hdr hd;
    memset(&hd, 0, sizeof hd);
    int ok = !ci->progressive_mode && !ci->arith_code && ci->data_precision == 8 && ci->restart_interval == 0 &&
             ci->comps_in_scan == nc && ci->Ss == 0 && ci->Se == 63 && ci->Ah == 0 && ci->Al == 0 &&
             pick_denom(o, w, h) == 1 && (uint64_t)w * h >= BAND_MIN_PIXELS &&
             mirs__image_check_size(o, "jpeg", w, h) == MIRS_OK;
    if (ok && nc == 1)
        ok = cs == JCS_GRAYSCALE && ci->comp_info[0].h_samp_factor == 1 && ci->comp_info[0].v_samp_factor == 1;
    else if (ok && nc == 3) {
        const jpeg_component_info *c = ci->comp_info;
        int hy = c[0].h_samp_factor, vy = c[0].v_samp_factor;
        ok = cs == JCS_YCbCr && o->layout != MIRS_LAYOUT_GRAY8 &&
             ((hy == 1 && vy == 1) || (hy == 2 && vy == 1) || (hy == 2 && vy == 2));
        for (int k = 1; ok && k < 3; k++) ok = c[k].h_samp_factor == 1 && c[k].v_samp_factor == 1;
    } else
        ok = 0;
    for (int k = 0; ok && k < nc; k++) {
        const jpeg_component_info *c = &ci->comp_info[k];
        ok = ci->cur_comp_info[k] == c && c->quant_tbl_no >= 0 && c->quant_tbl_no < NUM_QUANT_TBLS &&
             ci->quant_tbl_ptrs[c->quant_tbl_no] && c->dc_tbl_no >= 0 && c->dc_tbl_no < NUM_HUFF_TBLS &&
             c->ac_tbl_no >= 0 && c->ac_tbl_no < NUM_HUFF_TBLS && ci->dc_huff_tbl_ptrs[c->dc_tbl_no] &&
             ci->ac_huff_tbl_ptrs[c->ac_tbl_no];
        if (!ok) break;
        hd.h[k] = c->h_samp_factor;
        hd.v[k] = c->v_samp_factor;
        hd.q[k] = ci->quant_tbl_ptrs[c->quant_tbl_no]->quantval;
        hd.dc_bits[k] = ci->dc_huff_tbl_ptrs[c->dc_tbl_no]->bits;
        hd.dc_vals[k] = ci->dc_huff_tbl_ptrs[c->dc_tbl_no]->huffval;
        hd.ac_bits[k] = ci->ac_huff_tbl_ptrs[c->ac_tbl_no]->bits;
        hd.ac_vals[k] = ci->ac_huff_tbl_ptrs[c->ac_tbl_no]->huffval;
    }
    if (!ok) {
        jpeg_destroy_decompress(ci);
        return 1;
    }
    hd.width = w;
    hd.height = h;
    hd.ncomp = nc;
    hd.scan = ci->src->next_input_byte;
    hd.scan_len = ci->src->bytes_in_buffer;
    if (mirs__image_new(w, h, o->layout, &a->img) != MIRS_OK) band_give_up(a);
    hd.channels = a->img->channels;
    int st = mirs__jpeg_par_decode(&hd, a->img->pixels, a->img->stride);
    jpeg_destroy_decompress(ci);
    return two_thread_result(a->img, st == MIRS_OK, w, h, out);
}

/* A band with nothing decoded yet, reading data[0, len). */
static void band_init(jband *b, const uint8_t *data, size_t len, const img_opts *o, atomic_int *stop)
{
    memset(b, 0, sizeof *b);
    b->c.o = o;
    b->c.banded = 1;
    init_err(&b->c);
    b->ci.err = &b->c.pub;
    b->data = data;
    b->len = len;
    b->stop = stop;
}

static int banded_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    /* Auto uses a second thread only where it can run at the same time;
     * an explicit 2 always does (the tests rely on it). */
    if (o->threads == 1 || sequential_sof_pixels(data, len) < BAND_MIN_PIXELS || (o->threads == 0 && usable_cpus() < 2))
        return 1;
    jband *b = malloc(2 * sizeof *b);
    if (!b) return 1;
    atomic_int stop;
    atomic_init(&stop, 0);
    for (int k = 0; k < 2; k++) band_init(&b[k], data, len, o, &stop);
    int st = 1;
    if (o->jpeg_dct != MIRS_JPEG_DCT_FAST && par_wanted() && mirs__jpeg_par_supported()) st = par_top(&b[0], out);
    if (st != MIRS_OK) {
        band_init(&b[0], data, len, o, &stop); /* a fresh start for the bands */
        atomic_store(&stop, 0);
        st = band_top(&b[0], &b[1], out);
    }
    free(b);
    return st;
}

int mirs__jpeg_probe(const uint8_t *data, size_t len, const img_opts *o, mirs_image_info *info)
{
    return run_decoder(data, len, o, info, NULL);
}

int mirs__jpeg_decode(const uint8_t *data, size_t len, const img_opts *o, mirs_image **out)
{
    if (banded_decode(data, len, o, out) == MIRS_OK) return MIRS_OK;
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
    if (!mirs_sb_append(c->sb, c->outbuf, sizeof c->outbuf)) fail_jump((j_common_ptr)ci, MIRS_E_NO_MEMORY);
    ci->dest->next_output_byte = c->outbuf;
    ci->dest->free_in_buffer = sizeof c->outbuf;
    return TRUE;
}

static void dest_term(j_compress_ptr ci)
{
    jctx *c = (jctx *)ci->err;
    if (!mirs_sb_append(c->sb, c->outbuf, sizeof c->outbuf - ci->dest->free_in_buffer))
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
    jpeg_start_compress(ci, TRUE);
    while (ci->next_scanline < ci->image_height) {
        JSAMPROW row = (JSAMPROW)(img->pixels + (size_t)ci->next_scanline * img->stride);
        jpeg_write_scanlines(ci, &row, 1);
    }
    jpeg_finish_compress(ci);
    jpeg_destroy_compress(ci);
    return MIRS_OK;
}

int mirs__jpeg_encode(const mirs_image *img, int quality, int subsampling, mirs_sb *sb)
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

int mirs__jpeg_encode(const mirs_image *img, int quality, int subsampling, mirs_sb *sb)
{
    (void)img, (void)quality, (void)subsampling, (void)sb;
    return mirs__fail(MIRS_E_UNSUPPORTED, "jpeg: this build has no JPEG support (-Djpeg=disabled)");
}

#endif
