/*
 * From dataset items to output lines: the experiment variants (which text,
 * which images in which order), the JSONL line of the text formats, the
 * request objects of the API formats with images embedded as base64 data,
 * and streaming a whole dataset to a callback or, atomically, to a file.
 * One line is built at a time in a reused buffer, so memory does not grow
 * with the number of items.
 */
#include "prompt_internal.h"

#include "image/image_internal.h"

#include <mirsafety/image.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PERMUTATION 65536u

/* ---- the shuffled variant's permutation ---- */

static void permute(uint64_t state, size_t n, size_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = i;
    /* splitmix64 stream: r_k = mix(state + (k+1) * golden), Fisher-Yates
     * from the end; mirs__splitmix64 adds the golden ratio itself. */
    for (size_t i = n; i > 1; i--) {
        uint64_t r = mirs__splitmix64(state);
        state += 0x9e3779b97f4a7c15ull;
        size_t j = (size_t)(r % (uint64_t)i);
        size_t t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
}

int mirs_prompt_permutation(const char *key, uint64_t seed, size_t n, size_t *out)
{
    MIRS_CHECK_ARG(key && (out || n == 0), "key must not be NULL; out must not be NULL when n > 0");
    if (n > MAX_PERMUTATION)
        return mirs__fail(MIRS_E_LIMIT, "permutation of %zu elements exceeds %u", n, MAX_PERMUTATION);
    permute(seed ^ mirs_key_hash(key), n, out);
    return MIRS_OK;
}

/* ---- one item as the model will see it ---- */

/* An item the official adapters would send to the model as failed inference
 * (its answer "[INFERENCE_FAILED: ...]"), not a failure of the job. */
typedef struct item_failure {
    bool failed;
    char answer[640]; /* the official answer text */
    char error[512];  /* our reason, naming the file */
} item_failure;

typedef struct view {
    mirs__prompt_ctx ctx;
    const char **files; /* image files in the order sent */
    size_t nfiles;
    size_t *perm;
    mirs__sb text;     /* the captions variant's text */
    mirs_image *tiled; /* the composite variant's image */
    char *tiled_path;  /* ... and its file name for the text formats */
    const char *tiled_ref[1];
    item_failure *fail;
} view;

static void view_free(view *v)
{
    free(v->files);
    free(v->perm);
    mirs__sb_free(&v->text);
    mirs_image_free(v->tiled);
    free(v->tiled_path);
    item_failure *f = v->fail;
    memset(v, 0, sizeof *v);
    v->fail = f;
}

/* The first n code points of s (Python's str(e)[:n]); s is valid UTF-8. */
static size_t utf8_prefix(const char *s, size_t n)
{
    size_t i = 0;
    for (size_t cp = 0; s[i] && cp < n; cp++) {
        i++;
        while ((s[i] & 0xC0) == 0x80) i++;
    }
    return i;
}

/* Marks the item failed: `official` is the error text the official adapter
 * would report (NULL: our own reason), cut as eval.py's dynamic_worker cuts
 * it (str(error)[:200]); the reason is the current error message. Returns
 * the status that ends the item (MIRS_E_NO_MEMORY and unrelated failures
 * pass through unchanged for the caller to treat as fatal). */
static int item_fail(view *v, int status, const char *official)
{
    if (status == MIRS_E_NO_MEMORY || !v->fail) return status;
    item_failure *f = v->fail;
    const char *why = mirs_error_last();
    size_t wn = strlen(why);
    if (!mirs__utf8_valid(why, wn)) wn = mirs__utf8_valid_prefix(why, wn);
    snprintf(f->error, sizeof f->error, "%.*s", (int)(wn < sizeof f->error ? wn : sizeof f->error - 1), why);
    if (!mirs__utf8_valid(f->error, strlen(f->error)))
        f->error[mirs__utf8_valid_prefix(f->error, strlen(f->error))] = 0;
    const char *src = official ? official : f->error;
    snprintf(f->answer, sizeof f->answer, "[INFERENCE_FAILED: %.*s]", (int)utf8_prefix(src, 200), src);
    f->failed = true;
    return status;
}

/* os.path.exists: anything stat() finds (a dangling symlink is missing). */
static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The official close_source_model.py error texts. */
#define OFFICIAL_IMAGE_FAILED "图片加载失败或未找到"
#define OFFICIAL_EMPTY_CONTENT "content_parts为空，输入无效"

/* ---- decoding, downscaling, tiling ---- */

static size_t byte_limit(const mirs_prompt_options *o)
{
    return o->max_image_bytes > SIZE_MAX ? SIZE_MAX : (size_t)o->max_image_bytes;
}

/* The largest size with the aspect ratio kept (rounded down) and at most
 * max_pixels pixels, each side at least 1. */
static void fit_pixels(uint32_t w, uint32_t h, uint64_t max_pixels, uint32_t *nw, uint32_t *nh)
{
    double scale = sqrt((double)max_pixels / ((double)w * (double)h));
    uint64_t a = (uint64_t)floor(w * scale), b = (uint64_t)floor(h * scale);
    if (a < 1) a = 1;
    if (b < 1) b = 1;
    while (a * b > max_pixels && (a > 1 || b > 1)) {
        if (a >= b && a > 1)
            a--;
        else
            b--;
    }
    *nw = (uint32_t)a;
    *nh = (uint32_t)b;
}

/* Downscales *img in place to fit max_pixels (area averaging); no-op when it fits. */
static int fit_image(const mirs_prompt_options *o, mirs_image **img)
{
    uint32_t w = mirs_image_width(*img), h = mirs_image_height(*img);
    if (!o->max_pixels || (uint64_t)w * h <= o->max_pixels) return MIRS_OK;
    uint32_t nw, nh;
    fit_pixels(w, h, o->max_pixels, &nw, &nh);
    mirs_image *r = NULL;
    int st = mirs_image_resize(*img, nw, nh, MIRS_RESIZE_AREA, &r);
    if (st) return st;
    mirs_image_free(*img);
    *img = r;
    return MIRS_OK;
}

static int encode_image(const mirs_prompt_options *o, const mirs_image *img, int32_t format, mirs_buf *out)
{
    mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    e.format = format;
    e.jpeg_quality = o->jpeg_quality;
    return mirs_image_encode(img, &e, out);
}

/* File name of an item's composite: the key with '/' as "__" and any byte
 * outside [A-Za-z0-9._-] as '_', then ".png", in dir. */
static char *composite_name(const char *dir, const char *key)
{
    mirs__sb sb;
    mirs__sb_init(&sb);
    if (dir && *dir) {
        mirs__sb_puts(&sb, dir);
        if (sb.len && sb.data[sb.len - 1] != '/') mirs__sb_putc(&sb, '/');
    }
    for (const char *k = key; *k; k++) {
        char c = *k;
        if (c == '/')
            mirs__sb_puts(&sb, "__");
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                 c == '_')
            mirs__sb_putc(&sb, c);
        else
            mirs__sb_putc(&sb, '_');
    }
    mirs__sb_puts(&sb, ".png");
    if (sb.oom) {
        mirs__sb_free(&sb);
        return NULL;
    }
    return sb.data;
}

/* Tiles the item's images in stored order (RGB, a grid of ceil(sqrt(n))
 * columns, cells the size of the largest image, white background) and
 * fits the result to max_pixels. */
static int build_composite(const mirs_item *item, const mirs_prompt_options *o, view *v)
{
    size_t n = mirs_item_image_count(item);
    if (n == 0) return mirs__fail(MIRS_E_SCHEMA, "%s: the composite variant needs images", v->ctx.key);
    for (size_t i = 0; i < n; i++)
        if (!file_exists(mirs_item_image_file(item, i)))
            return item_fail(v,
                             mirs__fail(MIRS_E_NOT_FOUND, "%s: composite: image %zu: %s: the file does not exist",
                                        v->ctx.key, i, mirs_item_image_file(item, i)),
                             NULL);
    mirs_image **imgs = mirs__calloc(n, sizeof *imgs);
    if (!imgs) return MIRS_E_NO_MEMORY;
    /* The item's images are independent: one batch on o->threads threads. */
    mirs_image_batch *b = NULL;
    int st = mirs_image_batch_new(&b);
    for (size_t i = 0; i < n && !st; i++) st = mirs_image_batch_add_file(b, mirs_item_image_file(item, i), 0, 0);
    mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    d.layout = MIRS_LAYOUT_RGB8; /* as PIL's convert("RGB") in the official adapters */
    d.max_input_bytes = o->max_image_bytes;
    mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.threads = o->threads ? o->threads : 1;
    bo.decode = &d;
    if (!st) st = mirs_image_batch_run(b, &bo, NULL);
    for (size_t i = 0; i < n && !st; i++) {
        st = mirs_image_batch_status(b, i);
        if (st)
            mirs__fail(st, "%s", mirs_image_batch_message(b, i)); /* the first failing image, in item order */
        else
            st = mirs_image_batch_take_image(b, i, &imgs[i]);
    }
    mirs_image_batch_free(b);
    if (!st) {
        mirs_image_composite_options c = MIRS_IMAGE_COMPOSITE_OPTIONS_INIT;
        c.arrangement = MIRS_COMPOSITE_GRID;
        st = mirs_image_composite((const mirs_image *const *)imgs, n, &c, &v->tiled);
    }
    for (size_t i = 0; i < n; i++) mirs_image_free(imgs[i]);
    free(imgs);
    if (!st) st = fit_image(o, &v->tiled);
    return st ? mirs__error_prefix("%s: composite", v->ctx.key) : MIRS_OK;
}

/* Text formats list image files for the caller's runner; a missing file is
 * handled as the official adapters handle it: the Qwen2.5-VL adapter
 * (models/qwen2_5_VL_3B.py, infer) sends only the paths that exist, the
 * GLM-4.1V adapter (models/GLM-4.1V-9B-Thinking.py, load_image) raises
 * FileNotFoundError, a failed inference; the formats without an official
 * adapter follow GLM's. Request formats find missing files when reading them. */
static int missing_images(const mirs_prompt_options *o, view *v, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (file_exists(v->files[i])) {
            v->files[k] = v->files[i];
            v->perm[k++] = v->perm[i];
            continue;
        }
        if (o->format == MIRS_PROMPT_FORMAT_QWEN2_VL) continue;
        int st = mirs__fail(MIRS_E_NOT_FOUND, "%s: image %zu: %s: the file does not exist", v->ctx.key, v->perm[i],
                            v->files[i]);
        if (o->format != MIRS_PROMPT_FORMAT_GLM4_1V) return item_fail(v, st, NULL);
        char official[512];
        snprintf(official, sizeof official, "Image not found at %s", v->files[i]);
        return item_fail(v, st, official);
    }
    *n = k;
    return MIRS_OK;
}

/* The wording of the captions variant (docs/prompts.md). */
#define CAPTIONS_HEAD "The images are described below, in order.\n"

/* v->fail is set by the caller (NULL: every problem is an error). */
static int view_build(const mirs_item *item, const mirs_prompt_options *o, view *v)
{
    item_failure *fail = v->fail;
    memset(v, 0, sizeof *v);
    v->fail = fail;
    mirs__prompt_ctx *c = &v->ctx;
    size_t n = mirs_item_image_count(item);
    c->system = o->system;
    c->prompt = mirs_item_revised_prompt(item);
    c->question = mirs_item_original_question(item);
    c->key = mirs_item_key(item);
    c->id = mirs_item_id(item);
    mirs__prompt_ctx_names(c, mirs_item_relation(item), mirs_item_category(item));
    /* Unknown ones (accepted oddities) keep the names their key has. */
    if (mirs_item_relation(item) < 0) c->relation = mirs_item_relation_name(item);
    if (mirs_item_category(item) < 0) c->category = mirs_item_category_name(item);
    c->placeholder = o->image_placeholder ? o->image_placeholder : "<image>";
    c->text = c->prompt;
    switch (o->variant) {
    case MIRS_PROMPT_VARIANT_MULTI_IMAGE:
    case MIRS_PROMPT_VARIANT_SHUFFLED:
        if (n > MAX_PERMUTATION) return mirs__fail(MIRS_E_LIMIT, "%s: %zu images", c->key, n);
        v->files = mirs__calloc(n ? n : 1, sizeof *v->files);
        v->perm = mirs__calloc(n ? n : 1, sizeof *v->perm);
        if (!v->files || !v->perm) return MIRS_E_NO_MEMORY;
        if (o->variant == MIRS_PROMPT_VARIANT_SHUFFLED)
            permute(o->seed ^ mirs_key_hash(c->key), n, v->perm);
        else
            for (size_t i = 0; i < n; i++) v->perm[i] = i;
        for (size_t i = 0; i < n; i++) {
            v->files[i] = mirs_item_image_file(item, v->perm[i]);
            /* The dataset path comes from the caller, not the data: keep the output valid JSON. */
            if (!mirs__utf8_valid(v->files[i], strlen(v->files[i])))
                return mirs__fail(MIRS_E_UTF8, "%s: image path %zu is not valid UTF-8", c->key, v->perm[i]);
        }
        if (!mirs_prompt_format_is_request(o->format)) {
            int st = missing_images(o, v, &n);
            if (st) return st;
        }
        v->nfiles = n;
        break;
    case MIRS_PROMPT_VARIANT_TEXT_ONLY:
        /* The seed baseline: the original question, no images. */
        c->text = c->question;
        break;
    case MIRS_PROMPT_VARIANT_CAPTIONS: {
        size_t nd = mirs_item_description_count(item);
        if (nd == 0)
            return mirs__fail(MIRS_E_SCHEMA, "%s: the captions variant needs image descriptions, the item has none",
                              c->key);
        mirs__sb_puts(&v->text, CAPTIONS_HEAD);
        for (size_t i = 0; i < nd; i++)
            mirs__sb_printf(&v->text, "Image %zu: %s\n", i + 1, mirs_item_description(item, i));
        mirs__sb_putc(&v->text, '\n');
        mirs__sb_puts(&v->text, c->prompt);
        if (v->text.oom) return MIRS_E_NO_MEMORY;
        c->text = v->text.data;
        break;
    }
    case MIRS_PROMPT_VARIANT_COMPOSITE: {
        int st = build_composite(item, o, v);
        if (st) return st;
        v->tiled_path = composite_name(o->composite_dir, c->key);
        if (!v->tiled_path) return MIRS_E_NO_MEMORY;
        v->tiled_ref[0] = v->tiled_path;
        c->images = v->tiled_ref;
        c->image_count = 1;
        c->labels = mirs__prompt_labels(o->format, o->labels, 1);
        c->labels_mode = o->labels;
        return MIRS_OK;
    }
    default: return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown variant %d", (int)o->variant);
    }
    c->images = v->files;
    c->image_count = v->nfiles;
    c->labels = mirs__prompt_labels(o->format, o->labels, v->nfiles);
    c->labels_mode = o->labels;
    return MIRS_OK;
}

static int render_text(const mirs_prompt_options *o, const mirs__prompt_ctx *c, mirs__sb *out)
{
    return o->format == MIRS_PROMPT_FORMAT_TEMPLATE ? mirs__template_render(o->tmpl, c, out)
                                                    : mirs__chat_render(o->format, c, out);
}

/* ---- images in requests ---- */

static const char *sniff_mime(const unsigned char *p, size_t n)
{
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF) return "image/jpeg";
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0)) return "image/gif";
    if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return "image/webp";
    return NULL;
}

/* One image of a request: the bytes it travels with and their media type,
 * and, when it must be re-encoded, the format and size to re-encode to. */
typedef struct payload {
    char *data; /* malloc'd */
    size_t len;
    const char *mime;
    int32_t target;  /* MIRS_IMAGE_FORMAT_NONE: send the file's own bytes */
    uint32_t tw, th; /* re-encode at this size (0 x 0: the decoded size) */
} payload;

/* Reads an image and decides how it travels: the file's own bytes, or
 * decoded (RGB), fitted to max_pixels and re-encoded. ORIGINAL with
 * max_pixels re-encodes only the images over the budget, each in its own
 * format. The size to fit comes from the header (the decoded size). */
static int read_payload(const mirs_prompt_options *o, const char *file, payload *p)
{
    int st = mirs__read_file(file, byte_limit(o), &p->data, &p->len);
    if (st) return st;
    p->mime = sniff_mime((const unsigned char *)p->data, p->len);
    if (!p->mime)
        return mirs__fail(MIRS_E_FORMAT, "%s: not a PNG, JPEG, GIF or WebP image (unknown magic bytes)", file);
    p->target = o->image_format == MIRS_PROMPT_IMAGE_PNG    ? MIRS_IMAGE_FORMAT_PNG
                : o->image_format == MIRS_PROMPT_IMAGE_JPEG ? MIRS_IMAGE_FORMAT_JPEG
                                                            : MIRS_IMAGE_FORMAT_NONE;
    if (strcmp(p->mime, "image/png") != 0 && strcmp(p->mime, "image/jpeg") != 0) return MIRS_OK;
    /* PNG and JPEG are checked as validation checks them, also when they
     * travel as they are: a header no decoder would accept (size limits,
     * broken framing) is refused here, not by the model's API. */
    mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    d.max_input_bytes = o->max_image_bytes;
    mirs_image_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    st = mirs_image_probe_memory((const uint8_t *)p->data, p->len, &d, &info);
    if (!st) st = mirs_image_check_limits(&info, &d);
    if (st) return mirs__error_prefix("%s", file);
    if (!o->max_pixels || (uint64_t)info.width * info.height <= o->max_pixels) return MIRS_OK;
    if (p->target == MIRS_IMAGE_FORMAT_NONE) p->target = info.format;
    fit_pixels(info.width, info.height, o->max_pixels, &p->tw, &p->th);
    return MIRS_OK;
}

/* Re-encodes every payload whose target is `format`, as one image batch on
 * o->threads threads (the images of a request are independent). Area
 * averaging from a full-size decode, as a single image is fitted, so the
 * bytes do not depend on the thread count. *bad gets the lowest index that
 * failed (or stays). */
static int reencode(const mirs_prompt_options *o, const view *v, payload *pl, int32_t format, size_t *bad,
                    int *bad_status, char *bad_msg, size_t bad_cap)
{
    size_t n = v->nfiles, count = 0;
    for (size_t i = 0; i < n; i++) count += pl[i].target == format;
    if (!count) return MIRS_OK;
    mirs_image_batch *b = NULL;
    int st = mirs_image_batch_new(&b);
    if (!st) mirs__image_batch_pil(b); /* PIL's convert("RGB") for every PNG mode, as the official adapters */
    for (size_t i = 0; !st && i < n; i++)
        if (pl[i].target == format)
            st = mirs_image_batch_add_memory(b, (const uint8_t *)pl[i].data, pl[i].len, pl[i].tw, pl[i].th);
    mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    d.layout = MIRS_LAYOUT_RGB8; /* as PIL's convert("RGB") in the official adapters */
    d.max_input_bytes = o->max_image_bytes;
    mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    e.format = format;
    e.jpeg_quality = o->jpeg_quality;
    mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    bo.threads = o->threads ? o->threads : 1;
    bo.resize_method = MIRS_RESIZE_AREA;
    bo.dct_scaling = 0;
    bo.decode = &d;
    bo.encode = &e;
    if (!st) st = mirs_image_batch_run(b, &bo, NULL);
    for (size_t i = 0, k = 0; !st && i < n; i++) {
        if (pl[i].target != format) continue;
        size_t j = k++;
        int s = mirs_image_batch_status(b, j);
        if (s) {
            if (i < *bad) {
                *bad = i;
                *bad_status = s;
                mirs__snprintf_c(bad_msg, bad_cap, "%s", mirs_image_batch_message(b, j));
            }
            continue;
        }
        size_t len = 0;
        const uint8_t *enc = mirs_image_batch_encoded(b, j, &len);
        char *copy = mirs__malloc(len ? len : 1);
        if (!copy) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        memcpy(copy, enc, len);
        free(pl[i].data);
        pl[i].data = copy;
        pl[i].len = len;
        pl[i].mime = sniff_mime((const unsigned char *)copy, len);
    }
    mirs_image_batch_free(b);
    return st;
}

/* ---- request objects ---- */

static void json_str(mirs__sb *sb, const char *s) { mirs__sb_json_string(sb, s, strlen(s)); }

/* Base64 is most of the CPU time of a request file: a table of all 4096
 * two-character pairs turns each 3 input bytes into two 16-bit copies. The
 * output is the same as mirs__sb_base64 (RFC 4648, padded). */
static char b64_pairs[4096][2];
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 4096; i++) {
        b64_pairs[i][0] = tbl[i >> 6];
        b64_pairs[i][1] = tbl[i & 63];
    }
}

static void base64_fast(mirs__sb *sb, const void *data, size_t n)
{
    size_t full = n / 3 * 3;
    if (full < 48) { /* small inputs: the plain encoder */
        mirs__sb_base64(sb, data, n);
        return;
    }
    pthread_once(&b64_once, b64_init);
    if (!mirs__sb_reserve(sb, mirs__base64_len(full))) return;
    const unsigned char *p = data;
    char *o = sb->data + sb->len;
    for (size_t i = 0; i < full; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        memcpy(o, b64_pairs[v >> 12], 2);
        memcpy(o + 2, b64_pairs[v & 0xFFF], 2);
        o += 4;
    }
    sb->len += mirs__base64_len(full);
    sb->data[sb->len] = '\0';
    mirs__sb_base64(sb, p + full, n - full); /* the padded tail */
}

static void image_part(const mirs_prompt_options *o, bool anthropic, const char *mime, const void *data, size_t len,
                       mirs__sb *sb)
{
    if (anthropic) {
        mirs__sb_puts(sb, "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"");
        mirs__sb_puts(sb, mime);
        mirs__sb_puts(sb, "\",\"data\":\"");
        base64_fast(sb, data, len);
        mirs__sb_puts(sb, "\"}}");
    } else {
        mirs__sb_puts(sb, "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:");
        mirs__sb_puts(sb, mime);
        mirs__sb_puts(sb, ";base64,");
        base64_fast(sb, data, len);
        mirs__sb_putc(sb, '"');
        if (o->detail) {
            mirs__sb_puts(sb, ",\"detail\":");
            json_str(sb, o->detail);
        }
        mirs__sb_puts(sb, "}}");
    }
}

static int image_parts(const mirs_prompt_options *o, view *v, bool anthropic, mirs__sb *sb)
{
    if (v->tiled) {
        /* A composite has no original bytes: PNG unless JPEG is asked for. */
        int32_t fmt = o->image_format == MIRS_PROMPT_IMAGE_JPEG ? MIRS_IMAGE_FORMAT_JPEG : MIRS_IMAGE_FORMAT_PNG;
        mirs_buf enc = {0, 0};
        int st = encode_image(o, v->tiled, fmt, &enc);
        if (st) return mirs__error_prefix("%s: composite", v->ctx.key);
        image_part(o, anthropic, mirs_image_format_mime(fmt), enc.data, enc.size, sb);
        mirs_buf_free(&enc);
        return sb->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
    }
    size_t n = v->nfiles;
    payload *pl = n ? mirs__calloc(n, sizeof *pl) : NULL;
    if (n && !pl) return MIRS_E_NO_MEMORY;
    int st = MIRS_OK;
    for (size_t i = 0; !st && i < n; i++) {
        /* eval.py's worker turns a missing image into None, and the adapter
         * fails the item (close_source_model.py, _single_infer). Other image
         * errors (over the limits, not a regular file, corrupt) still stop the
         * job: hostile input is refused, not sent as a failed item. */
        if (!file_exists(v->files[i]))
            st = item_fail(v,
                           mirs__fail(MIRS_E_NOT_FOUND, "%s: image %zu: %s: the file does not exist", v->ctx.key,
                                      v->perm[i], v->files[i]),
                           OFFICIAL_IMAGE_FAILED);
        else if ((st = read_payload(o, v->files[i], &pl[i])))
            mirs__error_prefix("%s: image %zu", v->ctx.key, i);
    }
    size_t bad = SIZE_MAX;
    int bad_status = MIRS_OK;
    char bad_msg[512] = "";
    if (!st) st = reencode(o, v, pl, MIRS_IMAGE_FORMAT_PNG, &bad, &bad_status, bad_msg, sizeof bad_msg);
    if (!st) st = reencode(o, v, pl, MIRS_IMAGE_FORMAT_JPEG, &bad, &bad_status, bad_msg, sizeof bad_msg);
    if (!st && bad != SIZE_MAX)
        st = mirs__fail(bad_status, "%s: image %zu: %s: re-encoding: %s", v->ctx.key, bad, v->files[bad], bad_msg);
    for (size_t i = 0; !st && i < n; i++) {
        if (i) mirs__sb_putc(sb, ',');
        image_part(o, anthropic, pl[i].mime, pl[i].data, pl[i].len, sb);
        if (sb->oom) st = MIRS_E_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++) free(pl[i].data);
    free(pl);
    return st;
}

/* The content parts: every image, then the text unless it is empty
 * (close_source_model.py, _single_infer: "if prompt:"); no part at all is
 * the adapter's "content_parts is empty" failure. */
static int content_parts(const mirs_prompt_options *o, view *v, bool anthropic, mirs__sb *sb)
{
    size_t before = sb->len;
    int st = image_parts(o, v, anthropic, sb);
    if (st) return st;
    const char *text = v->ctx.text;
    if (text && *text) {
        if (sb->len > before) mirs__sb_putc(sb, ',');
        mirs__sb_puts(sb, "{\"type\":\"text\",\"text\":");
        json_str(sb, text);
        mirs__sb_putc(sb, '}');
    } else if (sb->len == before) {
        return item_fail(v, mirs__fail(MIRS_E_SCHEMA, "%s: nothing to send: no image and an empty text", v->ctx.key),
                         OFFICIAL_EMPTY_CONTENT);
    }
    return sb->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}

/* ---- official run profiles ---- */

/* The sampling and vision settings the official adapters fix in code,
 * SamplingParams(...) in each adapter's infer(); qwen's pixel bounds are
 * the per-image min_pixels / max_pixels its messages give qwen_vl_utils
 * (224 * 224 and 1280 * 28 * 28). 0 / -1 = not set. */
typedef struct profile {
    int64_t max_tokens;
    double temperature, top_p, repetition_penalty;
    uint32_t min_pixels, max_pixels;
} profile;

static const profile profiles[MIRS_PROMPT_PROFILE_COUNT] = {
    [MIRS_PROMPT_PROFILE_NONE] = {0, -1.0, 0, 0, 0, 0},
    [MIRS_PROMPT_PROFILE_QWEN2_5_VL] = {4096, 0.0, 0.001, 1.05, 224 * 224, 1280 * 28 * 28},
    [MIRS_PROMPT_PROFILE_GLM4_1V_THINKING] = {8192, 0.8, 0.9, 0, 0, 0},
};

static int openai_body(const mirs_prompt_options *o, view *v, mirs__sb *sb)
{
    mirs__sb_puts(sb, "{\"model\":");
    json_str(sb, o->model);
    mirs__sb_puts(sb, ",\"messages\":[");
    if (o->system) {
        mirs__sb_puts(sb, "{\"role\":\"system\",\"content\":");
        json_str(sb, o->system);
        mirs__sb_puts(sb, "},");
    }
    mirs__sb_puts(sb, "{\"role\":\"user\",\"content\":[");
    int st = content_parts(o, v, false, sb);
    if (st) return st;
    mirs__sb_puts(sb, "]}]");
    const profile *p = &profiles[o->profile];
    int64_t max_tokens = o->max_tokens > 0 ? o->max_tokens : p->max_tokens;
    double temperature = o->temperature >= 0 ? o->temperature : p->temperature;
    if (max_tokens > 0) mirs__sb_printf(sb, ",\"max_tokens\":%lld", (long long)max_tokens);
    if (temperature >= 0) {
        mirs__sb_puts(sb, ",\"temperature\":");
        mirs__sb_json_double(sb, temperature);
    }
    if (p->top_p > 0) {
        mirs__sb_puts(sb, ",\"top_p\":");
        mirs__sb_json_double(sb, p->top_p);
    }
    if (p->repetition_penalty > 0) {
        mirs__sb_puts(sb, ",\"repetition_penalty\":");
        mirs__sb_json_double(sb, p->repetition_penalty);
    }
    if (p->max_pixels)
        mirs__sb_printf(sb, ",\"mm_processor_kwargs\":{\"min_pixels\":%u,\"max_pixels\":%u}", p->min_pixels,
                        p->max_pixels);
    mirs__sb_putc(sb, '}');
    return sb->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}

static int anthropic_body(const mirs_prompt_options *o, view *v, mirs__sb *sb)
{
    mirs__sb_puts(sb, "{\"model\":");
    json_str(sb, o->model);
    mirs__sb_printf(sb, ",\"max_tokens\":%lld", (long long)(o->max_tokens > 0 ? o->max_tokens : 4096));
    if (o->system) {
        mirs__sb_puts(sb, ",\"system\":");
        json_str(sb, o->system);
    }
    mirs__sb_puts(sb, ",\"messages\":[{\"role\":\"user\",\"content\":[");
    int st = content_parts(o, v, true, sb);
    if (st) return st;
    mirs__sb_puts(sb, "]}]");
    if (o->temperature >= 0) {
        mirs__sb_puts(sb, ",\"temperature\":");
        mirs__sb_json_double(sb, o->temperature);
    }
    mirs__sb_putc(sb, '}');
    return sb->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}

/* Checks the options once per call or job. */
static int check_options(const mirs_prompt_options *in, mirs_prompt_options *o)
{
    int st = mirs__prompt_options_get(in, o);
    if (st) return st;
    const char *strs[] = {o->system, o->image_placeholder, o->model, o->detail, o->composite_dir};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (strs[i] && !mirs__utf8_valid(strs[i], strlen(strs[i])))
            return mirs__fail(MIRS_E_UTF8, "prompt options: a string option is not valid UTF-8");
    if (mirs_prompt_format_is_request(o->format) && (!o->model || !o->model[0]))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "the '%s' request format needs a model name",
                          mirs_prompt_format_name(o->format));
    if (o->profile < 0 || o->profile >= MIRS_PROMPT_PROFILE_COUNT)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown prompt profile %d", (int)o->profile);
    if (o->profile != MIRS_PROMPT_PROFILE_NONE && o->format != MIRS_PROMPT_FORMAT_OPENAI &&
        o->format != MIRS_PROMPT_FORMAT_OPENAI_BATCH)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "run profiles go into vLLM request bodies: they need the openai or openai-batch format, "
                          "not '%s'",
                          mirs_prompt_format_name(o->format));
    return MIRS_OK;
}

/* Text formats list files: the composite is written as PNG where the line
 * says it is (atomically, so a reader never sees half a file). */
static int write_composite(const mirs_prompt_options *o, const view *v)
{
    if (!o->composite_dir || !o->composite_dir[0])
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "%s: the composite variant with a text format needs options.composite_dir", v->ctx.key);
    mirs_buf enc = {0, 0};
    int st = encode_image(o, v->tiled, MIRS_IMAGE_FORMAT_PNG, &enc);
    if (!st) st = mirs__write_file_atomic(v->tiled_path, enc.data, enc.size);
    mirs_buf_free(&enc);
    return st ? mirs__error_prefix("%s: composite", v->ctx.key) : MIRS_OK;
}

/* What a whole job needs beyond check_options, checked before any output. */
static int check_job(const mirs_prompt_options *o)
{
    if (o->variant == MIRS_PROMPT_VARIANT_COMPOSITE && !mirs_prompt_format_is_request(o->format) &&
        (!o->composite_dir || !o->composite_dir[0]))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "the composite variant with a text format needs options.composite_dir");
    return MIRS_OK;
}

MIRS_API int mirs_prompt_options_check(const mirs_prompt_options *opts)
{
    mirs_prompt_options o;
    int st = check_options(opts, &o);
    return st ? st : check_job(&o);
}

/* Appends the item's output line (no newline) to sb. With fail, an item
 * the official adapters count as failed inference sets fail->failed (and
 * returns that failure's status) instead of being an error of the job. */
static int build_line(const mirs_item *item, const mirs_prompt_options *o, mirs__sb *sb, item_failure *fail)
{
    view v;
    v.fail = fail;
    int st = view_build(item, o, &v);
    if (st) {
        view_free(&v);
        return st;
    }
    switch (o->format) {
    case MIRS_PROMPT_FORMAT_OPENAI: st = openai_body(o, &v, sb); break;
    case MIRS_PROMPT_FORMAT_ANTHROPIC: st = anthropic_body(o, &v, sb); break;
    case MIRS_PROMPT_FORMAT_OPENAI_BATCH:
        mirs__sb_puts(sb, "{\"custom_id\":");
        json_str(sb, v.ctx.key);
        mirs__sb_puts(sb, ",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":");
        st = openai_body(o, &v, sb);
        mirs__sb_putc(sb, '}');
        break;
    default: {
        /* Text formats: {"key","text","images"}; the text is rendered into
         * a scratch string first so it can be escaped as one JSON string. */
        mirs__sb text;
        mirs__sb_init(&text);
        if (v.tiled) st = write_composite(o, &v);
        if (!st) st = render_text(o, &v.ctx, &text);
        if (!st) {
            mirs__sb_puts(sb, "{\"key\":");
            json_str(sb, v.ctx.key);
            mirs__sb_puts(sb, ",\"text\":");
            mirs__sb_json_string(sb, text.data ? text.data : "", text.len);
            mirs__sb_puts(sb, ",\"images\":[");
            for (size_t i = 0; i < v.ctx.image_count; i++) {
                if (i) mirs__sb_putc(sb, ',');
                json_str(sb, v.ctx.images[i]);
            }
            mirs__sb_puts(sb, "]}");
        }
        mirs__sb_free(&text);
    }
    }
    view_free(&v);
    if (!st && sb->oom) st = MIRS_E_NO_MEMORY;
    return st;
}

int mirs_prompt_item_text(const mirs_item *item, const mirs_prompt_options *opts, mirs_buf *out)
{
    MIRS_CHECK_ARG(item && out, "item and out must not be NULL");
    mirs_prompt_options o;
    int st = check_options(opts, &o);
    if (st) return st;
    if (mirs_prompt_format_is_request(o.format))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_prompt_item_text: '%s' is a request format",
                          mirs_prompt_format_name(o.format));
    view v;
    v.fail = NULL;
    st = view_build(item, &o, &v);
    mirs__sb sb;
    mirs__sb_init(&sb);
    if (!st) st = render_text(&o, &v.ctx, &sb);
    view_free(&v);
    if (st) {
        mirs__sb_free(&sb);
        return st;
    }
    return mirs__sb_to_buf(&sb, out);
}

int mirs_prompt_item_line(const mirs_item *item, const mirs_prompt_options *opts, mirs_buf *out)
{
    MIRS_CHECK_ARG(item && out, "item and out must not be NULL");
    mirs_prompt_options o;
    int st = check_options(opts, &o);
    if (st) return st;
    mirs__sb sb;
    mirs__sb_init(&sb);
    st = build_line(item, &o, &sb, NULL);
    if (st) {
        mirs__sb_free(&sb);
        return st;
    }
    return mirs__sb_to_buf(&sb, out);
}

/* ---- streaming ---- */

int mirs_prompt_write(const mirs_dataset *ds, const mirs_filter *filter, const mirs_prompt_options *opts,
                      mirs_prompt_sink_fn sink, void *userdata, size_t *written)
{
    if (written) *written = 0;
    MIRS_CHECK_ARG(ds && sink, "ds and sink must not be NULL");
    mirs_prompt_options o;
    int st = check_options(opts, &o);
    if (!st) st = check_job(&o);
    if (st) return st;
    mirs_iter *it = NULL;
    if ((st = mirs_iter_new(ds, filter, &it))) return st;
    size_t total = mirs_iter_count(it), done = 0, items = 0;
    mirs__sb sb;
    mirs__sb_init(&sb);
    item_failure fail;
    const mirs_item *item;
    while ((st = mirs_iter_next(it, &item)) == MIRS_OK) {
        mirs__sb_clear(&sb);
        fail.failed = false;
        mirs_prompt_sink_fn to = sink;
        void *ud = userdata;
        bool to_failed = false;
        if ((st = build_line(item, &o, &sb, o.failed_sink ? &fail : NULL))) {
            if (!fail.failed) break;
            /* The item goes to the failed sink as the official adapters
             * record it: a response whose answer is the failure text. */
            mirs__sb_clear(&sb);
            mirs__sb_puts(&sb, "{\"key\":");
            json_str(&sb, mirs_item_key(item));
            mirs__sb_puts(&sb, ",\"response\":");
            json_str(&sb, fail.answer);
            mirs__sb_puts(&sb, ",\"status\":\"failed\",\"error\":");
            json_str(&sb, fail.error);
            mirs__sb_putc(&sb, '}');
            to = o.failed_sink;
            ud = o.failed_userdata;
            to_failed = true;
        }
        mirs__sb_putc(&sb, '\n');
        if (sb.oom) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        int r = to(ud, sb.data, sb.len);
        if (r == MIRS_DONE) {
            st = MIRS_DONE;
            if (!to_failed) done++;
            break;
        }
        if (r != MIRS_OK) {
            st = r < 0 ? r : MIRS_E_INVALID_ARGUMENT;
            if (mirs_error_last_status() != st)
                mirs__fail(st, "the prompt sink stopped the job with status %d after %zu lines", r, done);
            break;
        }
        st = MIRS_OK;
        if (!to_failed) done++;
        items++;
        if (written) *written = done;
        if (o.progress) o.progress(o.progress_userdata, items, total);
    }
    if (written) *written = done;
    mirs__sb_free(&sb);
    mirs_iter_free(it);
    return st == MIRS_DONE ? MIRS_OK : st;
}

typedef struct file_sink {
    int fd;
    const char *path;
    char *buf;
    size_t len, cap;
} file_sink;

static int flush_sink(file_sink *f)
{
    size_t off = 0;
    while (off < f->len) {
        ssize_t w = write(f->fd, f->buf + off, f->len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            return mirs__fail_errno(MIRS_E_IO, errno, "%s: write failed", f->path);
        }
        off += (size_t)w;
    }
    f->len = 0;
    return MIRS_OK;
}

static int file_sink_fn(void *ud, const char *line, size_t len)
{
    file_sink *f = ud;
    if (f->len + len > f->cap) {
        int st = flush_sink(f);
        if (st) return st;
    }
    if (len > f->cap) {
        const char *saved = f->buf;
        size_t saved_len = f->len;
        f->buf = (char *)line;
        f->len = len;
        int st = flush_sink(f);
        f->buf = (char *)saved;
        f->len = saved_len;
        return st;
    }
    memcpy(f->buf + f->len, line, len);
    f->len += len;
    return MIRS_OK;
}

int mirs_prompt_write_file(const mirs_dataset *ds, const mirs_filter *filter, const mirs_prompt_options *opts,
                           const char *path, size_t *written)
{
    if (written) *written = 0;
    MIRS_CHECK_ARG(ds && path && *path, "ds and path must not be NULL, path not empty");
    mirs_prompt_options o;
    int st = check_options(opts, &o); /* before creating anything */
    if (!st) st = check_job(&o);
    if (st) return st;
    int special_fd;
    int special = mirs__open_special_output(path, &special_fd);
    if (special < 0) return special;
    if (special) { /* a device or FIFO (/dev/null, /dev/stdout): written in place */
        file_sink d = {special_fd, path, NULL, 0, 1u << 20};
        if (!(d.buf = mirs__malloc(d.cap))) {
            close(special_fd);
            return MIRS_E_NO_MEMORY;
        }
        st = mirs_prompt_write(ds, filter, opts, file_sink_fn, &d, written);
        if (!st) st = flush_sink(&d);
        close(special_fd);
        free(d.buf);
        return st;
    }
    mirs__sb tmp;
    mirs__sb_init(&tmp);
    if (!mirs__sb_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) {
        mirs__sb_free(&tmp);
        return MIRS_E_NO_MEMORY;
    }
    file_sink f = {-1, tmp.data, NULL, 0, 1u << 20};
    f.buf = mirs__malloc(f.cap);
    if (!f.buf) {
        mirs__sb_free(&tmp);
        return MIRS_E_NO_MEMORY;
    }
    if ((st = mirs__open_regular(AT_FDCWD, tmp.data, NULL, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f.fd, NULL))) {
        free(f.buf);
        mirs__sb_free(&tmp);
        return st;
    }
    st = mirs_prompt_write(ds, filter, opts, file_sink_fn, &f, written);
    if (!st) st = flush_sink(&f);
    if (!st && fsync(f.fd) != 0) st = mirs__fail_errno(MIRS_E_IO, errno, "%s: fsync failed", tmp.data);
    if (close(f.fd) != 0 && !st) st = mirs__fail_errno(MIRS_E_IO, errno, "%s: close failed", tmp.data);
    if (!st && rename(tmp.data, path) != 0) st = mirs__fail_errno(MIRS_E_IO, errno, "%s: rename failed", path);
    if (st) {
        unlink(tmp.data);
    } else {
        char *dir = mirs__path_dirname(path);
        if (dir) {
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
            free(dir);
        }
    }
    free(f.buf);
    mirs__sb_free(&tmp);
    return st;
}
