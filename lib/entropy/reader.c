/*
 * .npy and .safetensors readers. The file is memory-mapped read-only and
 * every header field is checked against the mapped size and the limits
 * below before any element is addressed; the tensor then points into the
 * mapping (no copy).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "entropy/entropy_internal.h"
#include "util/util.h"
#include "util/versioned.h"

#define NPY_MAX_HEADER (1u << 20)          /* numpy itself writes < 64 KiB headers */
#define ST_MAX_HEADER (100u * 1024 * 1024) /* the safetensors format's own limit */
#define MAX_DIM ((size_t)1 << 40)

struct mirs_entropy_tensor {
    void *map;
    size_t map_len;
    const char *data;
    int32_t dtype;
    size_t ndim;
    size_t shape[MIRS_ENTROPY_MAX_DIMS];
    int64_t strides[MIRS_ENTROPY_MAX_DIMS];
};

static int set_shape(mirs_entropy_tensor *t, const char *what, size_t avail, size_t want_bytes_exact, bool fortran)
{
    size_t n = 1, span = 1, esz = mirs__ent_dtype_size(t->dtype);
    for (size_t i = 0; i < t->ndim; i++)
        if (t->shape[i] > MAX_DIM || !mirs__mul_ok(n, t->shape[i], &n))
            return mirs__fail(MIRS_E_OVERFLOW, "%s: the shape's element count overflows", what);
    /* The strides multiply the dimensions with a zero one counted as 1, so
     * (0, 2^40, 2^40, 2^40) has no elements yet strides past 2^63: refuse
     * it before computing them (signed overflow), in bytes as the views use them. */
    for (size_t i = 0; i < t->ndim; i++)
        if (!mirs__mul_ok(span, t->shape[i] ? t->shape[i] : 1, &span))
            return mirs__fail(MIRS_E_OVERFLOW, "%s: the shape's strides overflow (%zu dimensions)", what, t->ndim);
    if (!mirs__mul_ok(span, esz, &span) || span > (size_t)INT64_MAX / 2)
        return mirs__fail(MIRS_E_OVERFLOW, "%s: the shape's strides overflow (%zu dimensions)", what, t->ndim);
    size_t bytes;
    if (!mirs__mul_ok(n, esz, &bytes) || bytes > (size_t)INT64_MAX / 2)
        return mirs__fail(MIRS_E_OVERFLOW, "%s: the tensor's byte size overflows", what);
    if (want_bytes_exact != SIZE_MAX && bytes != want_bytes_exact)
        return mirs__fail(MIRS_E_MISMATCH, "%s: shape and dtype give %zu bytes but data_offsets span %zu", what, bytes,
                          want_bytes_exact);
    if (bytes > avail)
        return mirs__fail(MIRS_E_TRUNCATED, "%s: %zu data bytes needed, %zu present", what, bytes, avail);
    int64_t s = 1;
    for (size_t k = 0; k < t->ndim; k++) {
        size_t i = fortran ? k : t->ndim - 1 - k;
        t->strides[i] = s;
        s *= (int64_t)(t->shape[i] ? t->shape[i] : 1);
    }
    return MIRS_OK;
}

/* ---- .npy ---- */

typedef struct {
    const char *p, *end;
} cur;

static void skip_ws(cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static bool take(cur *c, char ch)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool read_str(cur *c, char *out, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (n + 1 >= cap) return false;
        out[n++] = *c->p++;
    }
    if (c->p >= c->end) return false;
    c->p++;
    out[n] = 0;
    return true;
}

static int parse_npy(mirs_entropy_tensor *t, const unsigned char *d, size_t size, const char *what)
{
    if (size < 10 || memcmp(d, "\x93NUMPY", 6) != 0) return mirs__fail(MIRS_E_FORMAT, "%s: not a .npy file", what);
    unsigned major = d[6];
    size_t hlen, off;
    if (major == 1) {
        hlen = (size_t)d[8] | (size_t)d[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) return mirs__fail(MIRS_E_TRUNCATED, "%s: .npy preamble ends at byte %zu", what, size);
        hlen = (size_t)d[8] | (size_t)d[9] << 8 | (size_t)d[10] << 16 | (size_t)d[11] << 24;
        off = 12;
    } else
        return mirs__fail(MIRS_E_UNSUPPORTED, "%s: .npy format version %u.%u", what, major, d[7]);
    if (hlen > NPY_MAX_HEADER) return mirs__fail(MIRS_E_LIMIT, "%s: .npy header of %zu bytes", what, hlen);
    if (hlen > size - off)
        return mirs__fail(MIRS_E_TRUNCATED, "%s: .npy header of %zu bytes at byte %zu passes the end", what, hlen, off);
    if (major < 3) {
        for (size_t i = 0; i < hlen; i++)
            if (d[off + i] >= 0x80)
                return mirs__fail(MIRS_E_FORMAT, "%s: non-ASCII .npy header byte %zu", what, off + i);
    } else if (!mirs__utf8_valid((const char *)d + off, hlen))
        return mirs__fail(MIRS_E_UTF8, "%s: .npy header is not UTF-8", what);
    cur c = {(const char *)d + off, (const char *)d + off + hlen};
    char descr[32] = "";
    int fortran = -1;
    bool have_shape = false;
    if (!take(&c, '{')) goto bad;
    for (;;) {
        char key[32];
        if (take(&c, '}')) break;
        if (!read_str(&c, key, sizeof key) || !take(&c, ':')) goto bad;
        skip_ws(&c);
        if (strcmp(key, "descr") == 0) {
            if (!read_str(&c, descr, sizeof descr)) goto bad;
        } else if (strcmp(key, "fortran_order") == 0) {
            if ((size_t)(c.end - c.p) >= 4 && memcmp(c.p, "True", 4) == 0)
                fortran = 1, c.p += 4;
            else if ((size_t)(c.end - c.p) >= 5 && memcmp(c.p, "False", 5) == 0)
                fortran = 0, c.p += 5;
            else
                goto bad;
        } else if (strcmp(key, "shape") == 0) {
            if (!take(&c, '(')) goto bad;
            t->ndim = 0;
            for (;;) {
                if (take(&c, ')')) break;
                skip_ws(&c);
                size_t v = 0;
                const char *s0 = c.p;
                while (c.p < c.end && *c.p >= '0' && *c.p <= '9') {
                    if (v > MAX_DIM) return mirs__fail(MIRS_E_LIMIT, "%s: .npy dimension too large", what);
                    v = v * 10 + (size_t)(*c.p++ - '0');
                }
                if (c.p == s0) goto bad;
                if (t->ndim == MIRS_ENTROPY_MAX_DIMS)
                    return mirs__fail(MIRS_E_LIMIT, "%s: more than %d dimensions", what, MIRS_ENTROPY_MAX_DIMS);
                t->shape[t->ndim++] = v;
                if (!take(&c, ',')) {
                    if (!take(&c, ')')) goto bad;
                    break;
                }
            }
            have_shape = true;
        } else
            goto bad;
        if (!take(&c, ',')) {
            if (!take(&c, '}')) goto bad;
            break;
        }
    }
    if (!descr[0] || fortran < 0 || !have_shape)
        return mirs__fail(MIRS_E_SCHEMA, "%s: .npy header lacks descr, fortran_order or shape", what);
    if (strcmp(descr, "<f4") == 0)
        t->dtype = MIRS_ENTROPY_F32;
    else if (strcmp(descr, "<f2") == 0)
        t->dtype = MIRS_ENTROPY_F16;
    else if (strcmp(descr, "<f8") == 0)
        t->dtype = MIRS_ENTROPY_F64;
    else if (strcmp(descr, "<V2") == 0 || strcmp(descr, "|V2") == 0)
        t->dtype = MIRS_ENTROPY_BF16;
    else
        return mirs__fail(MIRS_E_UNSUPPORTED, "%s: .npy dtype '%s' (want '<f4', '<f2', '<f8' or '|V2' for bf16)", what,
                          descr);
    t->data = (const char *)d + off + hlen;
    return set_shape(t, what, size - off - hlen, SIZE_MAX, fortran == 1);
bad:
    return mirs__fail(MIRS_E_FORMAT, "%s: malformed .npy header near byte %zu", what, (size_t)(c.p - (const char *)d));
}

/* ---- .safetensors ---- */

static bool json_size(const cJSON *j, size_t *out)
{
    if (!cJSON_IsNumber(j)) return false;
    double v = j->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v)) return false;
    *out = (size_t)v;
    return true;
}

static int parse_safetensors(mirs_entropy_tensor *t, const unsigned char *d, size_t size, const char *name,
                             const char *what)
{
    if (size < 8) return mirs__fail(MIRS_E_TRUNCATED, "%s: %zu bytes is not a .safetensors file", what, size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | d[i];
    if (n > ST_MAX_HEADER)
        return mirs__fail(MIRS_E_LIMIT, "%s: .safetensors header of %llu bytes", what, (unsigned long long)n);
    if (n > size - 8)
        return mirs__fail(MIRS_E_TRUNCATED, "%s: .safetensors header of %llu bytes passes the end of the file", what,
                          (unsigned long long)n);
    if (n < 2 || d[8] != '{') return mirs__fail(MIRS_E_FORMAT, "%s: .safetensors header is not a JSON object", what);
    cJSON *root = NULL;
    int st = mirs__json_parse((const char *)d + 8, (size_t)n, 4, what, &root);
    if (st) return st;
    size_t data_len = size - 8 - (size_t)n;
    const cJSON *found = NULL;
    size_t count = 0;
    st = MIRS_OK;
    if (!cJSON_IsObject(root)) {
        st = mirs__fail(MIRS_E_SCHEMA, "%s: .safetensors header is not a JSON object", what);
        goto out;
    }
    for (const cJSON *e = root->child; e; e = e->next) {
        if (!e->string) continue;
        if (strcmp(e->string, "__metadata__") == 0) continue;
        count++;
        if (count > (1u << 20)) {
            st = mirs__fail(MIRS_E_LIMIT, "%s: more than %u tensors", what, 1u << 20);
            goto out;
        }
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
        size_t b, en;
        if (!cJSON_IsObject(e) || !cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 ||
            !json_size(cJSON_GetArrayItem(off, 0), &b) || !json_size(cJSON_GetArrayItem(off, 1), &en)) {
            st = mirs__fail(MIRS_E_SCHEMA, "%s: tensor '%s' lacks valid data_offsets", what, e->string);
            goto out;
        }
        if (b > en || en > data_len) {
            st = mirs__fail(MIRS_E_RANGE, "%s: tensor '%s' data_offsets [%zu, %zu] outside the %zu data bytes", what,
                            e->string, b, en, data_len);
            goto out;
        }
        if (name ? strcmp(e->string, name) == 0 : true) {
            if (found && name) {
                st = mirs__fail(MIRS_E_DUPLICATE, "%s: tensor '%s' occurs twice", what, name);
                goto out;
            }
            found = e;
        }
    }
    if (!name && count != 1) {
        st = mirs__fail(MIRS_E_NOT_FOUND, "%s: holds %zu tensors; choose one by name", what, count);
        goto out;
    }
    if (!found) {
        st = mirs__fail(MIRS_E_NOT_FOUND, "%s: no tensor named '%s'", what, name);
        goto out;
    }
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(found, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(found, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(found, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape)) {
        st = mirs__fail(MIRS_E_SCHEMA, "%s: tensor '%s' lacks dtype or shape", what, found->string);
        goto out;
    }
    const char *ds = dt->valuestring;
    t->dtype = strcmp(ds, "F32") == 0    ? MIRS_ENTROPY_F32
               : strcmp(ds, "F16") == 0  ? MIRS_ENTROPY_F16
               : strcmp(ds, "BF16") == 0 ? MIRS_ENTROPY_BF16
               : strcmp(ds, "F64") == 0  ? MIRS_ENTROPY_F64
                                         : 0;
    if (!t->dtype) {
        st = mirs__fail(MIRS_E_UNSUPPORTED, "%s: tensor '%s' has dtype %s (want F32, F16, BF16 or F64)", what,
                        found->string, ds);
        goto out;
    }
    int nd = cJSON_GetArraySize(shape);
    if (nd > MIRS_ENTROPY_MAX_DIMS) {
        st = mirs__fail(MIRS_E_LIMIT, "%s: tensor '%s' has %d dimensions", what, found->string, nd);
        goto out;
    }
    t->ndim = (size_t)nd;
    for (int i = 0; i < nd; i++)
        if (!json_size(cJSON_GetArrayItem(shape, i), &t->shape[i]) || t->shape[i] > MAX_DIM) {
            st = mirs__fail(MIRS_E_SCHEMA, "%s: tensor '%s' has a bad dimension %d", what, found->string, i);
            goto out;
        }
    size_t b, en;
    json_size(cJSON_GetArrayItem(off, 0), &b);
    json_size(cJSON_GetArrayItem(off, 1), &en);
    t->data = (const char *)d + 8 + n + b;
    st = set_shape(t, what, en - b, en - b, false);
out:
    cJSON_Delete(root);
    return st;
}

static int open_bytes(const void *data, size_t size, const char *name, const char *what, mirs_entropy_tensor **out,
                      void *map)
{
    mirs_entropy_tensor *t = mirs__calloc(1, sizeof *t);
    if (!t) return MIRS_E_NO_MEMORY;
    const unsigned char *d = data;
    int st;
    if (size >= 6 && memcmp(d, "\x93NUMPY", 6) == 0) {
        st = name ? mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: a .npy file holds one unnamed tensor", what)
                  : parse_npy(t, d, size, what);
    } else if (size >= 9 && d[8] == '{') {
        /* A .safetensors file: 8 bytes of header length, then the JSON header. */
        st = parse_safetensors(t, d, size, name, what);
    } else
        st = mirs__fail(MIRS_E_FORMAT,
                        "%s: neither a .npy file (starting with \\x93NUMPY) nor a .safetensors file (an 8-byte "
                        "header length, then '{')",
                        what);
    if (st) {
        free(t);
        return st;
    }
    t->map = map;
    t->map_len = size;
    *out = t;
    return MIRS_OK;
}

int mirs_entropy_tensor_open_memory(const void *data, size_t size, const char *name, mirs_entropy_tensor **out)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    MIRS_CHECK_ARG(data || size == 0, "data must not be NULL when size > 0");
    return open_bytes(data ? data : "", size, name, "memory", out, NULL);
}

int mirs_entropy_tensor_open(const char *path, const char *name, mirs_entropy_tensor **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    int fd;
    struct stat sb;
    int st = mirs__open_regular(AT_FDCWD, path, NULL, O_RDONLY, 0, &fd, &sb);
    if (st != MIRS_OK) return st;
    size_t size = (size_t)sb.st_size;
    if (size == 0) {
        close(fd);
        return mirs__fail(MIRS_E_TRUNCATED, "%s: empty file", path);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (map == MAP_FAILED) return mirs__fail_errno(MIRS_E_IO, e, "%s: mmap", path);
    st = open_bytes(map, size, name, path, out, map);
    if (st) munmap(map, size);
    return st;
}

int mirs_entropy_tensor_info(const mirs_entropy_tensor *t, int32_t *dtype, size_t *ndim, size_t *shape,
                             int64_t *strides)
{
    MIRS_CHECK_ARG(t, "t must not be NULL");
    if (dtype) *dtype = t->dtype;
    if (ndim) *ndim = t->ndim;
    for (size_t i = 0; i < t->ndim; i++) {
        if (shape) shape[i] = t->shape[i];
        if (strides) strides[i] = t->strides[i];
    }
    return MIRS_OK;
}

const void *mirs_entropy_tensor_data(const mirs_entropy_tensor *t) { return t ? t->data : NULL; }

void mirs_entropy_tensor_free(mirs_entropy_tensor *t)
{
    if (!t) return;
    if (t->map) munmap(t->map, t->map_len);
    free(t);
}

int mirs_entropy_tensor_view(const mirs_entropy_tensor *t, const char *layout, mirs_entropy_view *v)
{
    MIRS_CHECK_ARG(t && layout && v, "t, layout and view must not be NULL");
    size_t n = strlen(layout);
    if (n < 2 || n > 4 || !strchr(layout, 'q') || !strchr(layout, 'k'))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "layout '%s': 2 to 4 of the letters l, h, q, k with q and k",
                          layout);
    static const char axes[] = "lhqk";
    int seen[4] = {-1, -1, -1, -1};
    for (size_t i = 0; i < n; i++) {
        const char *a = strchr(axes, layout[i]);
        if (!a || !layout[i] || seen[a - axes] >= 0)
            return mirs__fail(MIRS_E_INVALID_ARGUMENT, "layout '%s': unknown or repeated axis '%c'", layout, layout[i]);
        seen[a - axes] = (int)i;
    }
    if (n != t->ndim)
        return mirs__fail(MIRS_E_MISMATCH, "layout '%s' names %zu axes but the tensor has %zu", layout, n, t->ndim);
    int rc = MIRS__STRUCT_OUT_CHECK(mirs_entropy_view, v);
    if (rc) return rc;
    mirs_entropy_view w;
    memset(&w, 0, sizeof w);
    w.struct_size = sizeof w;
    w.data = t->data;
    w.dtype = t->dtype;
    for (int a = 0; a < 4; a++) {
        w.shape[a] = seen[a] >= 0 ? t->shape[seen[a]] : 1;
        w.strides[a] = seen[a] >= 0 ? t->strides[seen[a]] : 0;
    }
    mirs__struct_out(v, &w, sizeof w);
    return MIRS_OK;
}

int mirs_entropy_npy_write_f64(const char *path, const double *data, size_t ndim, const size_t *shape)
{
    MIRS_CHECK_ARG(path && ndim <= MIRS_ENTROPY_MAX_DIMS && (ndim == 0 || shape),
                   "path must not be NULL, ndim at most MIRS_ENTROPY_MAX_DIMS, and shape not NULL when ndim > 0");
    size_t n = 1;
    for (size_t i = 0; i < ndim; i++)
        if (!mirs__mul_ok(n, shape[i], &n)) return mirs__fail(MIRS_E_OVERFLOW, "npy: shape overflows");
    size_t bytes;
    if (!mirs__mul_ok(n, 8, &bytes)) return mirs__fail(MIRS_E_OVERFLOW, "npy: size overflows");
    MIRS_CHECK_ARG(n == 0 || data, "data must not be NULL when n > 0");
    mirs__sb h;
    mirs__sb_init(&h);
    mirs__sb_puts(&h, "{'descr': '<f8', 'fortran_order': False, 'shape': (");
    for (size_t i = 0; i < ndim; i++) mirs__sb_printf(&h, i ? ", %zu" : "%zu", shape[i]);
    mirs__sb_puts(&h, ndim == 1 ? ",), }" : "), }");
    while ((10 + h.len + 1) % 64) mirs__sb_putc(&h, ' ');
    mirs__sb_putc(&h, '\n');
    mirs__sb f;
    mirs__sb_init(&f);
    unsigned char pre[10] = {
        0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(h.len & 0xff), (unsigned char)(h.len >> 8)};
    if (!mirs__sb_reserve(&f, 10 + h.len + bytes)) {
        mirs__sb_free(&h);
        mirs__sb_free(&f);
        return MIRS_E_NO_MEMORY;
    }
    mirs__sb_append(&f, pre, 10);
    mirs__sb_append(&f, h.data, h.len);
    if (bytes) mirs__sb_append(&f, data, bytes); /* little-endian host (x86-64, aarch64) */
    int st = h.oom || f.oom ? MIRS_E_NO_MEMORY : mirs__write_file_atomic(path, f.data, f.len);
    mirs__sb_free(&h);
    mirs__sb_free(&f);
    return st;
}

int mirs_entropy_dump_name(const char *key, mirs_buf *out)
{
    MIRS_CHECK_ARG(key && *key && out, "key must be a non-empty string and out must not be NULL");
    mirs__sb sb;
    mirs__sb_init(&sb);
    for (const char *k = key; *k; k++)
        if (*k == '/')
            mirs__sb_puts(&sb, "__");
        else
            mirs__sb_putc(&sb, *k);
    mirs__sb_puts(&sb, ".npy");
    if (!sb.oom && sb.len > 255) {
        size_t n = sb.len;
        mirs__sb_free(&sb);
        return mirs__fail(MIRS_E_LIMIT, "key \"%.100s...\": its dump name would be %zu bytes (the limit is 255)", key,
                          n);
    }
    int st = mirs__sb_to_buf(&sb, out);
    mirs__sb_free(&sb);
    return st;
}
