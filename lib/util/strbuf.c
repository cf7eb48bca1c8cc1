/* Allocation wrappers, the growable string, JSON/base64 writers and
 * locale-independent number formatting. */
#define _GNU_SOURCE
#include "util.h"

#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void *mirs__malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) mirs__fail(MIRS_E_NO_MEMORY, "out of memory allocating %zu bytes", n);
    return p;
}

void *mirs__calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) mirs__fail(MIRS_E_NO_MEMORY, "out of memory allocating %zu x %zu bytes", n, size);
    return p;
}

void *mirs__realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) mirs__fail(MIRS_E_NO_MEMORY, "out of memory allocating %zu bytes", n);
    return q;
}

char *mirs__strndup(const char *s, size_t n)
{
    char *d = mirs__malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *mirs__strdup(const char *s) { return mirs__strndup(s, strlen(s)); }

void mirs__sb_init(mirs__sb *sb) { memset(sb, 0, sizeof *sb); }

void mirs__sb_free(mirs__sb *sb)
{
    free(sb->data);
    memset(sb, 0, sizeof *sb);
}

void mirs__sb_clear(mirs__sb *sb)
{
    sb->len = 0;
    if (sb->data) sb->data[0] = '\0';
}

bool mirs__sb_reserve(mirs__sb *sb, size_t extra)
{
    if (sb->oom) return false;
    size_t need;
    if (!mirs__add_ok(sb->len, extra, &need) || !mirs__add_ok(need, 1, &need)) {
        sb->oom = true;
        mirs__fail(MIRS_E_OVERFLOW, "string too large");
        return false;
    }
    if (need <= sb->cap) return true;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    char *p = mirs__realloc(sb->data, cap);
    if (!p) {
        sb->oom = true;
        return false;
    }
    if (!sb->data) p[0] = '\0'; /* a reserved but unwritten string is still "" */
    sb->data = p;
    sb->cap = cap;
    return true;
}

bool mirs__sb_append(mirs__sb *sb, const void *data, size_t n)
{
    if (!mirs__sb_reserve(sb, n)) return false;
    if (n) memcpy(sb->data + sb->len, data, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return true;
}

bool mirs__sb_puts(mirs__sb *sb, const char *s) { return mirs__sb_append(sb, s, strlen(s)); }

bool mirs__sb_putc(mirs__sb *sb, char c) { return mirs__sb_append(sb, &c, 1); }

static locale_t c_locale(void)
{
    /* newlocale is thread-safe; one per process, created on first use. */
    static locale_t loc;
    static int once;
    if (!__atomic_load_n(&once, __ATOMIC_ACQUIRE)) {
        locale_t l = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        locale_t expected = (locale_t)0;
        if (!__atomic_compare_exchange_n(&loc, &expected, l, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) freelocale(l);
        __atomic_store_n(&once, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&loc, __ATOMIC_ACQUIRE);
}

__attribute__((format(printf, 3, 0))) static int vsnprintf_c(char *dst, size_t n, const char *fmt, va_list ap)
{
    locale_t loc = c_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    int r = vsnprintf(dst, n, fmt, ap);
    if (loc) uselocale(old);
    return r;
}

int mirs__snprintf_c(char *dst, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf_c(dst, n, fmt, ap);
    va_end(ap);
    return r;
}

double mirs__strtod_c(const char *s, char **end)
{
    locale_t loc = c_locale();
    if (loc) return strtod_l(s, end, loc);
    return strtod(s, end);
}

bool mirs__sb_printf(mirs__sb *sb, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf_c(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        sb->oom = true;
        mirs__fail(MIRS_E_INTERNAL, "formatting failed");
        return false;
    }
    if ((size_t)n < sizeof tmp) return mirs__sb_append(sb, tmp, (size_t)n);
    if (!mirs__sb_reserve(sb, (size_t)n)) return false;
    va_start(ap, fmt);
    vsnprintf_c(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
    return true;
}

bool mirs__sb_json_string(mirs__sb *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!mirs__sb_reserve(sb, n + 2)) return false;
    mirs__sb_putc(sb, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[6];
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        default:
            if (c < 0x20) {
                u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4], u[5] = hex[c & 15];
                mirs__sb_append(sb, s + i - run, run);
                run = 0;
                mirs__sb_append(sb, u, 6);
                continue;
            }
            run++;
            continue;
        }
        mirs__sb_append(sb, s + i - run, run);
        run = 0;
        mirs__sb_puts(sb, esc);
    }
    mirs__sb_append(sb, s + n - run, run);
    return mirs__sb_putc(sb, '"');
}

bool mirs__sb_json_double(mirs__sb *sb, double v)
{
    if (!isfinite(v)) return mirs__sb_puts(sb, "null");
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        mirs__snprintf_c(tmp, sizeof tmp, "%.*g", prec, v);
        if (mirs__strtod_c(tmp, NULL) == v) break;
    }
    /* JSON has no bare "inf"/"nan" (excluded above); "1e+20" is valid. */
    return mirs__sb_puts(sb, tmp);
}

int mirs__sb_to_buf(mirs__sb *sb, mirs_buf *out)
{
    if (sb->oom) {
        mirs__sb_free(sb);
        return mirs__fail(MIRS_E_NO_MEMORY, "out of memory building output");
    }
    if (!sb->data) {
        if (!mirs__sb_reserve(sb, 0)) return MIRS_E_NO_MEMORY;
        sb->data[0] = '\0'; /* an empty text is still NUL-terminated */
    }
    out->data = (uint8_t *)sb->data;
    out->size = sb->len;
    memset(sb, 0, sizeof *sb);
    return MIRS_OK;
}

size_t mirs__base64_len(size_t n) { return (n + 2) / 3 * 4; }

bool mirs__sb_base64(mirs__sb *sb, const void *data, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n > (SIZE_MAX / 4) * 3 - 3) {
        sb->oom = true;
        mirs__fail(MIRS_E_OVERFLOW, "base64 input too large");
        return false;
    }
    size_t olen = mirs__base64_len(n);
    if (!mirs__sb_reserve(sb, olen)) return false;
    const unsigned char *p = data;
    char *o = sb->data + sb->len;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = tbl[(v >> 6) & 63];
        *o++ = tbl[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = tbl[(v >> 6) & 63];
        *o++ = '=';
    }
    sb->len += olen;
    sb->data[sb->len] = '\0';
    return true;
}
