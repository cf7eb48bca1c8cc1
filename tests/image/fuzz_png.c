/* Fuzz target: PNG (any bytes, recognised by magic) decoded in every
 * layout by both PNG paths (libdeflate fast path and libpng), probed, and
 * the decoded image resized and re-encoded. The two paths must give the same
 * status and the same pixels: the fast path succeeds only on files it proves
 * well-formed and leaves everything else to libpng (png_fast.c). Small
 * limits keep each input cheap; the decoder must never crash, leak or
 * print, and a decoded image must survive a round trip.
 *
 * Under libFuzzer (-Dfuzzing=libfuzzer) a structure-aware mutator keeps the
 * chunk framing and CRCs valid, so mutations reach the zlib stream, the
 * filters and the pixel conversions instead of dying at the first CRC: it
 * edits IHDR fields, the inflated image data (re-deflated with a random
 * window, level and IDAT split), chunk bodies and the chunk list, and only
 * now and then leaves a CRC wrong. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

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
        if (st != st_ref) abort();
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

#ifdef MIRS_LIBFUZZER
#include <zlib.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define MAX_CHUNKS 64

typedef struct chunk {
    char type[4];
    uint8_t *body;
    size_t len;
    int bad_crc;
} chunk;

typedef struct png_doc {
    chunk c[MAX_CHUNKS];
    int n;
} png_doc;

static uint32_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return n ? (rng_state >> 8) % n : 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void doc_free(png_doc *d)
{
    for (int i = 0; i < d->n; i++) free(d->c[i].body);
    d->n = 0;
}

static int doc_add(png_doc *d, int at, const char *type, const uint8_t *body, size_t len)
{
    if (d->n >= MAX_CHUNKS || at < 0 || at > d->n) return 0;
    uint8_t *b = malloc(len ? len : 1);
    if (!b) return 0;
    if (len) memcpy(b, body, len);
    memmove(&d->c[at + 1], &d->c[at], (size_t)(d->n - at) * sizeof d->c[0]);
    memcpy(d->c[at].type, type, 4);
    d->c[at].body = b;
    d->c[at].len = len;
    d->c[at].bad_crc = 0;
    d->n++;
    return 1;
}

static void doc_del(png_doc *d, int at)
{
    free(d->c[at].body);
    memmove(&d->c[at], &d->c[at + 1], (size_t)(d->n - at - 1) * sizeof d->c[0]);
    d->n--;
}

/* Parses signature + chunks; a broken tail is dropped. 0 if nothing usable. */
static int doc_parse(const uint8_t *p, size_t n, png_doc *d)
{
    d->n = 0;
    if (n < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0) return 0;
    size_t pos = 8;
    while (n - pos >= 12 && d->n < MAX_CHUNKS) {
        uint32_t len = rd32(p + pos);
        if (len > n - pos - 12) break;
        if (!doc_add(d, d->n, (const char *)p + pos + 4, p + pos + 8, len)) break;
        pos += 12 + (size_t)len;
    }
    return d->n > 0;
}

static size_t doc_write(const png_doc *d, uint8_t *out, size_t max)
{
    if (max < 8) return 0;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    size_t pos = 8;
    for (int i = 0; i < d->n; i++) {
        const chunk *c = &d->c[i];
        if (max - pos < 12 || c->len > max - pos - 12) break;
        wr32(out + pos, (uint32_t)c->len);
        memcpy(out + pos + 4, c->type, 4);
        if (c->len) memcpy(out + pos + 8, c->body, c->len);
        uint32_t crc = (uint32_t)crc32(0, out + pos + 4, (uInt)(4 + c->len));
        wr32(out + pos + 8 + c->len, c->bad_crc ? crc ^ (1u + rnd(0xffff)) : crc);
        pos += 12 + c->len;
    }
    return pos;
}

static int find(const png_doc *d, const char *type)
{
    for (int i = 0; i < d->n; i++)
        if (memcmp(d->c[i].type, type, 4) == 0) return i;
    return -1;
}

/* Inflates the joined IDAT data, mutates the image bytes, deflates them
 * again with a random window/level and splits them over 1-4 IDAT chunks. */
static void mutate_image_data(png_doc *d, size_t max_raw)
{
    size_t zlen = 0;
    for (int i = 0; i < d->n; i++)
        if (memcmp(d->c[i].type, "IDAT", 4) == 0) zlen += d->c[i].len;
    uint8_t *z = malloc(zlen + 1), *raw = malloc(max_raw);
    int first = -1;
    size_t k = 0;
    for (int i = 0; i < d->n; i++)
        if (memcmp(d->c[i].type, "IDAT", 4) == 0) {
            if (first < 0) first = i;
            memcpy(z + k, d->c[i].body, d->c[i].len);
            k += d->c[i].len;
        }
    uLongf rawlen = 0;
    if (z && raw && first >= 0) {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (inflateInit(&s) == Z_OK) {
            s.next_in = z, s.avail_in = (uInt)zlen, s.next_out = raw, s.avail_out = (uInt)max_raw;
            inflate(&s, Z_SYNC_FLUSH); /* whatever it gives before an error */
            rawlen = max_raw - s.avail_out;
            inflateEnd(&s);
        }
    }
    if (!z || !raw || first < 0) {
        free(z), free(raw);
        return;
    }
    rawlen = LLVMFuzzerMutate(raw, rawlen, max_raw);
    int wbits = 8 + (int)rnd(8), level = (int)rnd(10);
    uLong bound = compressBound(rawlen) + 64;
    uint8_t *out = malloc(bound);
    z_stream s;
    memset(&s, 0, sizeof s);
    size_t outlen = 0;
    if (out && deflateInit2(&s, level, Z_DEFLATED, wbits, 8, rnd(4) ? Z_DEFAULT_STRATEGY : (int)rnd(5)) == Z_OK) {
        s.next_in = raw, s.avail_in = (uInt)rawlen, s.next_out = out, s.avail_out = (uInt)bound;
        if (deflate(&s, Z_FINISH) == Z_STREAM_END) outlen = bound - s.avail_out;
        deflateEnd(&s);
        /* Now and then: a stream the image does not fit exactly. */
        if (outlen > 6 && rnd(8) == 0) outlen -= 1 + rnd(4);
        if (outlen > 2 && rnd(16) == 0) out[0] = (uint8_t)(out[0] & 0x0f) | (uint8_t)(rnd(8) << 4);
    }
    if (outlen) {
        for (int i = d->n - 1; i >= 0; i--)
            if (memcmp(d->c[i].type, "IDAT", 4) == 0) doc_del(d, i);
        int parts = 1 + (int)rnd(4);
        size_t pos = 0;
        for (int p = 0; p < parts; p++) {
            size_t take = p == parts - 1 ? outlen - pos : rnd((uint32_t)(outlen - pos + 1));
            doc_add(d, first + p, "IDAT", out + pos, take);
            pos += take;
        }
    }
    free(out);
    free(z);
    free(raw);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    rng_state = seed;
    png_doc d;
    if (rnd(20) == 0 || !doc_parse(data, size, &d)) return LLVMFuzzerMutate(data, size, max_size);
    int ihdr = find(&d, "IHDR");
    switch (rnd(6)) {
    case 0: /* IHDR fields: small sizes, every depth/type/interlace */
        if (ihdr >= 0 && d.c[ihdr].len == 13) {
            uint8_t *h = d.c[ihdr].body;
            static const uint8_t depth[] = {1, 2, 4, 8, 16};
            switch (rnd(4)) {
            case 0: wr32(h, 1 + rnd(64)); break;
            case 1: wr32(h + 4, 1 + rnd(64)); break;
            case 2: h[8] = depth[rnd(5)], h[9] = (uint8_t)(rnd(4) ? rnd(7) : rnd(256)); break;
            default: h[12] = (uint8_t)rnd(2); break;
            }
        }
        break;
    case 1:
    case 2: mutate_image_data(&d, 1u << 16); break;
    case 3: { /* a chunk body */
        int i = (int)rnd((uint32_t)d.n);
        size_t cap = d.c[i].len * 2 + 64;
        uint8_t *b = realloc(d.c[i].body, cap);
        if (b) {
            d.c[i].body = b;
            d.c[i].len = LLVMFuzzerMutate(b, d.c[i].len, cap);
        }
        break;
    }
    case 4: { /* the chunk list: add PLTE/tRNS/ancillary, drop, duplicate, move */
        static const char *types[] = {"PLTE", "tRNS", "IDAT", "IEND", "gAMA", "tEXt", "zTXt", "iCCP", "sBIT", "bKGD"};
        uint8_t body[768];
        size_t len = rnd(4) ? 3 * (1 + rnd(256)) : rnd(sizeof body);
        for (size_t j = 0; j < len; j++) body[j] = (uint8_t)rnd(256);
        switch (rnd(4)) {
        case 0: doc_add(&d, 1 + (int)rnd((uint32_t)d.n), types[rnd(10)], body, len); break;
        case 1:
            if (d.n > 1) doc_del(&d, 1 + (int)rnd((uint32_t)d.n - 1));
            break;
        case 2: {
            int i = (int)rnd((uint32_t)d.n);
            doc_add(&d, (int)rnd((uint32_t)d.n + 1), d.c[i].type, d.c[i].body, d.c[i].len);
            break;
        }
        default:
            if (d.n > 2) {
                int i = 1 + (int)rnd((uint32_t)d.n - 1), j = 1 + (int)rnd((uint32_t)d.n - 1);
                chunk t = d.c[i];
                d.c[i] = d.c[j];
                d.c[j] = t;
            }
        }
        break;
    }
    default: { /* raw compressed bytes of one IDAT (zlib's error paths) */
        for (int i = 0; i < d.n; i++)
            if (memcmp(d.c[i].type, "IDAT", 4) == 0 && rnd(2)) {
                size_t cap = d.c[i].len + 16;
                uint8_t *b = realloc(d.c[i].body, cap);
                if (b) {
                    d.c[i].body = b;
                    d.c[i].len = LLVMFuzzerMutate(b, d.c[i].len, cap);
                }
                break;
            }
    }
    }
    if (rnd(32) == 0 && d.n) d.c[rnd((uint32_t)d.n)].bad_crc = 1;
    size_t n = doc_write(&d, data, max_size);
    doc_free(&d);
    return n ? n : LLVMFuzzerMutate(data, size, max_size);
}
#endif
