/*
 * Image batches: decode, resize and encode many inputs on caller-chosen
 * threads.
 *
 * Design: the inputs are independent, so the threads share nothing but an
 * atomic index of the next input to take; each writes only its input's
 * result slot, and results come back in input order whatever thread did the
 * work. With more than one thread the inputs are taken largest first (by
 * their byte size, a file's from stat): the last inputs taken are then the
 * smallest, so the threads finish close together instead of one waiting out
 * a large image taken last (longest-processing-time-first scheduling). The
 * calling thread works too, so threads = 1 starts no thread at
 * all, and every started thread is joined before mirs_image_batch_run()
 * returns (if a thread cannot be started, the others do its share). The
 * error message of a failed input is copied from the worker's thread-local
 * message into the input's slot before the worker moves on.
 */
#include "image_internal.h"
#include "util/versioned.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BATCH_MAX_THREADS 256u

typedef struct batch_item {
    char *path;          /* owned; NULL for a memory input */
    const uint8_t *data; /* borrowed memory input */
    size_t len;
    uint32_t tw, th;
    /* results */
    int status;
    char *message; /* owned; NULL when OK */
    mirs_image *img;
    mirs_buf enc;
} batch_item;

struct mirs_image_batch {
    batch_item *items;
    size_t n, cap;
    int pil_gray; /* memory inputs decode as PIL's convert("RGB") (mirs__image_batch_pil) */
};

void mirs__image_batch_pil(mirs_image_batch *b) { b->pil_gray = 1; }

typedef struct batch_run {
    mirs_image_batch *b;
    mirs_image_decode_options decode;        /* the caller's, read once by the struct rule */
    const mirs_image_encode_options *encode; /* NULL: keep images */
    int32_t method;
    int dct_scaling;
    const size_t *order; /* inputs in the order to take them; NULL: input order */
    atomic_size_t next;
} batch_run;

MIRS_API int mirs_image_batch_options_init(mirs_image_batch_options *opts, size_t size)
{
    const mirs_image_batch_options d = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_image_batch_options, opts, size, &d);
}

MIRS_API int mirs_image_batch_new(mirs_image_batch **out)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    mirs_image_batch *b = mirs__calloc(1, sizeof *b);
    if (!b) return MIRS_E_NO_MEMORY;
    *out = b;
    return MIRS_OK;
}

static void clear_result(batch_item *it)
{
    free(it->message);
    it->message = NULL;
    mirs_image_free(it->img);
    it->img = NULL;
    mirs_buf_free(&it->enc);
    it->enc.data = NULL;
    it->enc.size = 0;
    it->status = MIRS_E_STATE;
}

MIRS_API void mirs_image_batch_free(mirs_image_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) {
        clear_result(&b->items[i]);
        free(b->items[i].path);
    }
    free(b->items);
    free(b);
}

static int add_item(mirs_image_batch *b, batch_item *it)
{
    if ((it->tw == 0) != (it->th == 0))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image batch: target %ux%u has one side 0 (give both or neither)",
                          it->tw, it->th);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        if (cap > SIZE_MAX / sizeof *b->items) return mirs__fail(MIRS_E_NO_MEMORY, "image batch: too many inputs");
        batch_item *p = realloc(b->items, cap * sizeof *p);
        if (!p) return mirs__fail(MIRS_E_NO_MEMORY, "image batch: out of memory");
        b->items = p;
        b->cap = cap;
    }
    it->status = MIRS_E_STATE;
    b->items[b->n++] = *it;
    return MIRS_OK;
}

MIRS_API int mirs_image_batch_add_file(mirs_image_batch *b, const char *path, uint32_t target_width,
                                       uint32_t target_height)
{
    MIRS_CHECK_ARG(b && path, "batch and path must not be NULL");
    batch_item it;
    memset(&it, 0, sizeof it);
    it.tw = target_width;
    it.th = target_height;
    it.path = strdup(path);
    if (!it.path) return mirs__fail(MIRS_E_NO_MEMORY, "image batch: out of memory");
    int st = add_item(b, &it);
    if (st) free(it.path);
    return st;
}

MIRS_API int mirs_image_batch_add_memory(mirs_image_batch *b, const uint8_t *data, size_t len, uint32_t target_width,
                                         uint32_t target_height)
{
    MIRS_CHECK_ARG(b && (data || len == 0), "batch must not be NULL, nor data when len > 0");
    batch_item it;
    memset(&it, 0, sizeof it);
    it.data = data;
    it.len = len;
    it.tw = target_width;
    it.th = target_height;
    return add_item(b, &it);
}

MIRS_API size_t mirs_image_batch_count(const mirs_image_batch *b) { return b ? b->n : 0; }

/* One input, on whatever thread took it; sets the thread's error message on failure. */
static int prepare(const batch_run *r, batch_item *it)
{
    mirs_image_decode_options d = r->decode;
    d.target_width = r->dct_scaling ? it->tw : 0;
    d.target_height = r->dct_scaling ? it->th : 0;
    mirs_image *img = NULL;
    int st = it->path         ? mirs_image_decode_file(it->path, &d, &img)
             : r->b->pil_gray ? mirs__image_decode_memory_pil(it->data, it->len, &d, &img)
                              : mirs_image_decode_memory(it->data, it->len, &d, &img);
    if (st) return st;
    if (it->tw && (mirs_image_width(img) != it->tw || mirs_image_height(img) != it->th)) {
        mirs_image *rs = NULL;
        st = mirs_image_resize(img, it->tw, it->th, r->method, &rs);
        mirs_image_free(img);
        if (st) return it->path ? mirs__error_prefix("%s: resize", it->path) : st;
        img = rs;
    }
    if (r->encode) {
        st = mirs_image_encode(img, r->encode, &it->enc);
        mirs_image_free(img);
        if (st) return it->path ? mirs__error_prefix("%s: encode", it->path) : st;
        return MIRS_OK;
    }
    it->img = img;
    return MIRS_OK;
}

/* An input and its cost estimate, sorted largest first (ties in input order). */
typedef struct ranked {
    uint64_t cost;
    size_t index;
} ranked;

static int ranked_cmp(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->cost != b->cost) return a->cost > b->cost ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static void *worker(void *arg)
{
    batch_run *r = arg;
    mirs_image_batch *b = r->b;
    for (;;) {
        size_t k = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (k >= b->n) break;
        batch_item *it = &b->items[r->order ? r->order[k] : k];
        it->status = prepare(r, it);
        if (it->status) {
            it->message = strdup(mirs_error_last());
            /* Without memory for the message the status still says what failed. */
        }
    }
    return NULL;
}

MIRS_API int mirs_image_batch_run(mirs_image_batch *b, const mirs_image_batch_options *opts, size_t *failed)
{
    MIRS_CHECK_ARG(b, "batch must not be NULL");
    mirs_image_batch_options o = MIRS_IMAGE_BATCH_OPTIONS_INIT;
    int st = MIRS__STRUCT_IN(mirs_image_batch_options, opts, &o);
    if (st) return st;
    if (o.resize_method < MIRS_RESIZE_AREA || o.resize_method > MIRS_RESIZE_BICUBIC)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "image batch options: unknown resize_method %d",
                          (int)o.resize_method);
    /* Check the shared options once, so a bad option fails the call rather than every input. */
    img_opts check;
    if ((st = mirs__image_opts(o.decode, &check))) return st;
    mirs_image_encode_options enc = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    if (o.encode && (st = MIRS__STRUCT_IN(mirs_image_encode_options, o.encode, &enc))) return st;
    for (size_t i = 0; i < b->n; i++) clear_result(&b->items[i]);

    batch_run r;
    r.b = b;
    mirs_image_decode_options dec = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    if ((st = MIRS__STRUCT_IN(mirs_image_decode_options, o.decode, &dec))) return st;
    r.decode = dec;
    r.encode = o.encode ? &enc : NULL;
    r.method = o.resize_method;
    r.dct_scaling = o.dct_scaling != 0;
    atomic_init(&r.next, 0);
    size_t nt = o.threads ? o.threads : 1;
    if (nt > BATCH_MAX_THREADS) nt = BATCH_MAX_THREADS;
    if (nt > b->n) nt = b->n ? b->n : 1;
    r.order = NULL;
    size_t *order = NULL;
    ranked *rk = NULL;
    if (nt > 1 && (order = malloc(b->n * sizeof *order)) && (rk = malloc(b->n * sizeof *rk))) {
        for (size_t i = 0; i < b->n; i++) {
            struct stat sb;
            rk[i].index = i;
            rk[i].cost = b->items[i].path ? (stat(b->items[i].path, &sb) == 0 ? (uint64_t)sb.st_size : 0)
                                          : (uint64_t)b->items[i].len;
        }
        qsort(rk, b->n, sizeof *rk, ranked_cmp);
        for (size_t i = 0; i < b->n; i++) order[i] = rk[i].index;
        r.order = order;
    }
    free(rk);
    pthread_t tid[BATCH_MAX_THREADS];
    size_t started = 0;
    for (size_t t = 1; t < nt; t++)
        if (pthread_create(&tid[started], NULL, worker, &r) == 0) started++;
    worker(&r);
    for (size_t t = 0; t < started; t++) pthread_join(tid[t], NULL);
    free(order);

    size_t bad = 0;
    for (size_t i = 0; i < b->n; i++) bad += b->items[i].status != MIRS_OK;
    if (failed) *failed = bad;
    return MIRS_OK;
}

MIRS_API int mirs_image_batch_status(const mirs_image_batch *b, size_t i)
{
    if (!b || i >= b->n) return MIRS_E_RANGE;
    return b->items[i].status;
}

MIRS_API const char *mirs_image_batch_message(const mirs_image_batch *b, size_t i)
{
    if (!b || i >= b->n) return "";
    const batch_item *it = &b->items[i];
    if (it->status == MIRS_OK) return "";
    if (it->message) return it->message;
    return it->status == MIRS_E_STATE ? "not run yet" : mirs_status_str(it->status);
}

MIRS_API const mirs_image *mirs_image_batch_image(const mirs_image_batch *b, size_t i)
{
    return b && i < b->n ? b->items[i].img : NULL;
}

MIRS_API int mirs_image_batch_take_image(mirs_image_batch *b, size_t i, mirs_image **out)
{
    MIRS_CHECK_ARG(b && out, "batch and out must not be NULL");
    if (i >= b->n) return mirs__fail(MIRS_E_RANGE, "image batch: input %zu of %zu", i, b->n);
    if (!b->items[i].img)
        return mirs__fail(MIRS_E_NOT_FOUND, "image batch: input %zu has no image (failed, encoded or taken)", i);
    *out = b->items[i].img;
    b->items[i].img = NULL;
    return MIRS_OK;
}

MIRS_API const uint8_t *mirs_image_batch_encoded(const mirs_image_batch *b, size_t i, size_t *len)
{
    if (!b || i >= b->n || !b->items[i].enc.data) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = b->items[i].enc.size;
    return (const uint8_t *)b->items[i].enc.data;
}
