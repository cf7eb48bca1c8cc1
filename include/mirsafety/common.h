/*
 * libmirsafety — common definitions: export macro, version, status codes,
 * the thread-local error message and library-owned byte buffers.
 *
 * Plain C99. Users include <mirsafety/mirsafety.h>, not this file directly.
 */
#ifndef MIRSAFETY_COMMON_H
#define MIRSAFETY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(MIRS_BUILDING_LIBRARY) && defined(__GNUC__)
#define MIRS_API __attribute__((visibility("default")))
#else
#define MIRS_API
#endif

/* Version of the headers. mirs_version_*() return the library's own; the
 * bindings compare the two and refuse a library that cannot serve them
 * (another major; in 0.x another minor; from 1.0 an older minor; the patch
 * never matters): docs/c-api.md, "Versions and compatibility". */
#define MIRS_VERSION_MAJOR 0
#define MIRS_VERSION_MINOR 1
#define MIRS_VERSION_PATCH 0
#define MIRS_VERSION_STRING "0.1.0"
#define MIRS_VERSION_NUMBER (MIRS_VERSION_MAJOR * 10000 + MIRS_VERSION_MINOR * 100 + MIRS_VERSION_PATCH)

/* Status codes. Fallible functions return MIRS_OK (0), MIRS_DONE (1) at the
 * end of an iteration, or one of the negative codes below. Values never
 * change once released; new codes are only ever appended. */
#define MIRS_OK 0
#define MIRS_DONE 1
#define MIRS_E_INVALID_ARGUMENT (-1) /* a NULL pointer, bad flag or option value */
#define MIRS_E_NO_MEMORY (-2)        /* an allocation failed */
#define MIRS_E_IO (-3)               /* open/read/write/fsync failed (errno text in the message) */
#define MIRS_E_NOT_FOUND (-4)        /* a key, file, tensor or name does not exist */
#define MIRS_E_JSON (-5)             /* JSON text that does not parse */
#define MIRS_E_SCHEMA (-6)           /* a missing or mistyped field, an unknown name */
#define MIRS_E_LIMIT (-7)            /* a size, depth, count or pixel limit was exceeded */
#define MIRS_E_UTF8 (-8)             /* text that is not valid UTF-8 */
#define MIRS_E_PATH (-9)             /* a path that is absolute or leaves its root */
#define MIRS_E_DUPLICATE (-10)       /* a key that occurs twice */
#define MIRS_E_FORMAT (-11)          /* bytes of an unknown or unexpected format */
#define MIRS_E_CORRUPT (-12)         /* a stream that is damaged (bad CRC, bad Huffman code, ...) */
#define MIRS_E_TRUNCATED (-13)       /* input that ends too early */
#define MIRS_E_UNSUPPORTED (-14)     /* valid input this library does not handle (documented) */
#define MIRS_E_RANGE (-15)           /* an index, shard or value outside its range */
#define MIRS_E_STATE (-16)           /* a call that is not valid in the object's current state */
#define MIRS_E_NUMERIC (-17)         /* NaN, Inf, or rows that violate the chosen numeric policy */
#define MIRS_E_VERSION (-18)         /* a file or state written by an incompatible version */
#define MIRS_E_INTERNAL (-19)        /* a bug in the library; please report it */
#define MIRS_E_TORN (-20)            /* a record store whose last line is incomplete */
#define MIRS_E_CONFLICT (-21)        /* two records or states that cannot be merged */
#define MIRS_E_MISMATCH (-22)        /* shapes, dtypes or parameters that do not agree */
#define MIRS_E_EMPTY (-23)           /* not enough data for the requested statistic */
#define MIRS_E_OVERFLOW (-24)        /* a size computation that would overflow */

/* Static, never-NULL name of a status code ("MIRS_E_IO", ...; "MIRS_E_UNKNOWN"
 * for values this version does not know). Thread-safe. */
MIRS_API const char *mirs_status_str(int status);

/* The message that explains the last failure on the calling thread. Never
 * NULL; "" when nothing failed yet. The pointer is valid until the next call
 * into the library on the same thread. Thread-safe (per-thread storage). */
MIRS_API const char *mirs_error_last(void);

/* The status of the last failure on the calling thread (MIRS_OK if none). */
MIRS_API int mirs_error_last_status(void);

/* Clears the calling thread's last error. */
MIRS_API void mirs_error_clear(void);

/* The library's own version (compare with the MIRS_VERSION_* macros). */
MIRS_API int mirs_version_major(void);
MIRS_API int mirs_version_minor(void);
MIRS_API int mirs_version_patch(void);
MIRS_API const char *mirs_version_string(void);
MIRS_API int32_t mirs_version_number(void);

/* Bytes or text owned by the library. A function that fills a mirs_buf
 * overwrites it only on success; text is NUL-terminated (the NUL is not
 * counted in size). Release with mirs_buf_free(), which accepts NULL and a
 * zeroed buffer and leaves the buffer zeroed. */
typedef struct mirs_buf {
    uint8_t *data;
    size_t size;
} mirs_buf;

/* Frees buf's data and zeroes it (NULL and a zeroed buffer are ignored). */
MIRS_API void mirs_buf_free(mirs_buf *buf);

/* How a reader treats bad input: the `mode` field of every reader's options
 * (mirs_dataset_options, mirs_responses_options, mirs_records_options). */
#define MIRS_READ_STRICT 0  /* the first problem fails the read */
#define MIRS_READ_LENIENT 1 /* bad records are skipped and kept as diagnostics on the handle */

/* MIRS_READ_*: "strict", "lenient" (the name pair every constant group has:
 * docs/c-api.md). mirs_read_mode_name gives a static string, NULL outside
 * the group; mirs_read_mode_from_name ignores ASCII case, spaces, '_' and
 * '-': MIRS_OK with *out, MIRS_E_NOT_FOUND (the message lists the names),
 * MIRS_E_INVALID_ARGUMENT for NULL. Thread-safe. */
MIRS_API const char *mirs_read_mode_name(int32_t value);
MIRS_API int mirs_read_mode_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
