/* Thread-local last error, status names and version functions. */
#define _GNU_SOURCE
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MIRS_ERRBUF 1024

static _Thread_local char errbuf[MIRS_ERRBUF];
static _Thread_local int errstatus;

__attribute__((format(printf, 1, 0))) static void set_msgv(const char *fmt, va_list ap)
{
    /* vsnprintf of %s/%d/%zu does not depend on the locale's decimal point;
     * callers format doubles with mirs__snprintf_c first. */
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
}

int mirs__fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msgv(fmt, ap);
    va_end(ap);
    errstatus = status;
    return status;
}

int mirs__fail_arg(const char *func, const char *what)
{
    bool public_fn = strncmp(func, "mirs_", 5) == 0 && func[5] != '_';
    if (public_fn) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: %s", func, what);
    return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s", what);
}

int mirs__fail_errno(int status, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_msgv(fmt, ap);
    va_end(ap);
    char tmp[256];
    const char *es = strerror_r(errnum, tmp, sizeof tmp); /* GNU variant */
    size_t used = strlen(errbuf);
    if (used < sizeof errbuf) snprintf(errbuf + used, sizeof errbuf - used, ": %s", es);
    errstatus = status;
    return status;
}

int mirs__error_prefix(const char *fmt, ...)
{
    char old[MIRS_ERRBUF];
    memcpy(old, errbuf, sizeof old);
    char pre[MIRS_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t lp = strnlen(pre, sizeof errbuf - 3);
    memcpy(errbuf, pre, lp);
    memcpy(errbuf + lp, ": ", 2);
    size_t room = sizeof errbuf - lp - 3;
    size_t lo = strnlen(old, room);
    memcpy(errbuf + lp + 2, old, lo);
    errbuf[lp + 2 + lo] = '\0';
    return errstatus;
}

MIRS_API const char *mirs_error_last(void) { return errbuf; }
MIRS_API int mirs_error_last_status(void) { return errstatus; }
MIRS_API void mirs_error_clear(void)
{
    errbuf[0] = '\0';
    errstatus = MIRS_OK;
}

MIRS_API const char *mirs_status_str(int status)
{
    switch (status) {
    case MIRS_OK: return "MIRS_OK";
    case MIRS_DONE: return "MIRS_DONE";
    case MIRS_E_INVALID_ARGUMENT: return "MIRS_E_INVALID_ARGUMENT";
    case MIRS_E_NO_MEMORY: return "MIRS_E_NO_MEMORY";
    case MIRS_E_IO: return "MIRS_E_IO";
    case MIRS_E_NOT_FOUND: return "MIRS_E_NOT_FOUND";
    case MIRS_E_JSON: return "MIRS_E_JSON";
    case MIRS_E_SCHEMA: return "MIRS_E_SCHEMA";
    case MIRS_E_LIMIT: return "MIRS_E_LIMIT";
    case MIRS_E_UTF8: return "MIRS_E_UTF8";
    case MIRS_E_PATH: return "MIRS_E_PATH";
    case MIRS_E_DUPLICATE: return "MIRS_E_DUPLICATE";
    case MIRS_E_FORMAT: return "MIRS_E_FORMAT";
    case MIRS_E_CORRUPT: return "MIRS_E_CORRUPT";
    case MIRS_E_TRUNCATED: return "MIRS_E_TRUNCATED";
    case MIRS_E_UNSUPPORTED: return "MIRS_E_UNSUPPORTED";
    case MIRS_E_RANGE: return "MIRS_E_RANGE";
    case MIRS_E_STATE: return "MIRS_E_STATE";
    case MIRS_E_NUMERIC: return "MIRS_E_NUMERIC";
    case MIRS_E_VERSION: return "MIRS_E_VERSION";
    case MIRS_E_INTERNAL: return "MIRS_E_INTERNAL";
    case MIRS_E_TORN: return "MIRS_E_TORN";
    case MIRS_E_CONFLICT: return "MIRS_E_CONFLICT";
    case MIRS_E_MISMATCH: return "MIRS_E_MISMATCH";
    case MIRS_E_EMPTY: return "MIRS_E_EMPTY";
    case MIRS_E_OVERFLOW: return "MIRS_E_OVERFLOW";
    default: return "MIRS_E_UNKNOWN";
    }
}

MIRS_API int mirs_version_major(void) { return MIRS_VERSION_MAJOR; }
MIRS_API int mirs_version_minor(void) { return MIRS_VERSION_MINOR; }
MIRS_API int mirs_version_patch(void) { return MIRS_VERSION_PATCH; }
MIRS_API const char *mirs_version_string(void) { return MIRS_VERSION_STRING; }
MIRS_API int32_t mirs_version_number(void) { return MIRS_VERSION_NUMBER; }

MIRS_API void mirs_buf_free(mirs_buf *buf)
{
    if (!buf) return;
    free(buf->data);
    buf->data = NULL;
    buf->size = 0;
}

#ifdef MIRS_ASAN
#include <sanitizer/asan_interface.h>

void mirs__assert_live(const void *p, size_t n, const char *file, int line)
{
    if (!n) return;
    void *bad = __asan_region_is_poisoned((void *)(uintptr_t)p, n);
    if (!bad) return;
    fprintf(stderr,
            "mirsafety: %s:%d hands an uninstrumented library %zu bytes at %p, of which byte %zu is not live:\n", file,
            line, n, p, (size_t)((const char *)bad - (const char *)p));
    __asan_describe_address(bad);
    abort();
}
#endif
