/*
 * Internal utilities shared by every module (not installed). Everything here
 * follows the public error model: functions return MIRS_OK or a negative
 * status and set the thread-local message through mirs__fail().
 */
#ifndef MIRS_UTIL_H
#define MIRS_UTIL_H

#include <mirsafety/common.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define MIRS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MIRS_PRINTF(a, b)
#endif

/* ---- errors ---- */
/* Records status and message for the calling thread and returns status. */
int mirs__fail(int status, const char *fmt, ...) MIRS_PRINTF(2, 3);
/* Same, appending ": <strerror(errnum)>" (thread-safe strerror_r). */
int mirs__fail_errno(int status, int errnum, const char *fmt, ...) MIRS_PRINTF(3, 4);
/* Prepends "prefix: " to the current message, keeps the status; returns it. */
int mirs__error_prefix(const char *fmt, ...) MIRS_PRINTF(1, 2);
/* MIRS_E_INVALID_ARGUMENT with "<public function>: <what>"; `what` names
 * the argument and its valid values in the header's words ("out must not
 * be NULL", "method must be MIRS_MWU_AUTO, ..."), never the C expression.
 * The function's name is prefixed only for public functions (an internal
 * helper's name means nothing to the caller). */
int mirs__fail_arg(const char *func, const char *what);
#define MIRS_CHECK_ARG(cond, what)                                                                                     \
    do {                                                                                                               \
        if (!(cond)) return mirs__fail_arg(__func__, what);                                                            \
    } while (0)

/* ---- buffers handed to uninstrumented libraries ----
 * zlib, libdeflate, libpng and libjpeg are not built with the sanitizers, so
 * a read of freed or out-of-bounds memory inside them goes unseen (a
 * use-after-free in the PNG fast path did). In sanitizer builds every buffer
 * passed to them is first checked to be live and addressable in full: a
 * poisoned byte prints ASan's description of it and aborts. Other builds: no-op. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIRS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(MIRS_ASAN)
#define MIRS_ASAN 1
#endif
#ifdef MIRS_ASAN
void mirs__assert_live(const void *p, size_t n, const char *file, int line);
#define MIRS_ASSERT_LIVE(p, n) mirs__assert_live((p), (n), __FILE__, __LINE__)
#else
#define MIRS_ASSERT_LIVE(p, n) ((void)(p), (void)(n))
#endif

/* ---- CPU features (cpu.c: the library's only detector) ---- */
#define MIRS_CPU_KNOWN 1u /* always set in the result */
#define MIRS_CPU_SSE2 2u
#define MIRS_CPU_AVX2 4u /* AVX2 with OS support for the YMM registers */
#define MIRS_CPU_FMA 8u  /* FMA3, likewise */
#define MIRS_CPU_F16C 16u
#define MIRS_CPU_BMI2 32u
#define MIRS_CPU_AVX512 64u /* AVX-512 F, DQ, BW and VL with OS support for the opmask and ZMM registers */
/* MIRS_CPU_* bits of this machine. Thread-safe. */
unsigned mirs__cpu_features(void);
static inline bool mirs__cpu_has(unsigned bits) { return (mirs__cpu_features() & bits) == bits; }

/* ---- overflow-checked sizes ---- */
static inline bool mirs__mul_ok(size_t a, size_t b, size_t *out) { return !__builtin_mul_overflow(a, b, out); }
static inline bool mirs__add_ok(size_t a, size_t b, size_t *out) { return !__builtin_add_overflow(a, b, out); }

/* ---- allocation that reports MIRS_E_NO_MEMORY ---- */
void *mirs__malloc(size_t n);
void *mirs__calloc(size_t n, size_t size);
void *mirs__realloc(void *p, size_t n);
char *mirs__strdup(const char *s);
char *mirs__strndup(const char *s, size_t n);

/* ---- growable byte string (always NUL-terminated when data != NULL) ---- */
typedef struct mirs__sb {
    char *data;
    size_t len, cap;
    bool oom; /* sticky: an append failed */
} mirs__sb;
void mirs__sb_init(mirs__sb *sb);
void mirs__sb_free(mirs__sb *sb);
bool mirs__sb_reserve(mirs__sb *sb, size_t extra);
bool mirs__sb_append(mirs__sb *sb, const void *data, size_t n);
bool mirs__sb_puts(mirs__sb *sb, const char *s);
bool mirs__sb_putc(mirs__sb *sb, char c);
bool mirs__sb_printf(mirs__sb *sb, const char *fmt, ...) MIRS_PRINTF(2, 3);
/* Appends s as a JSON string literal (quotes included); s must be UTF-8. */
bool mirs__sb_json_string(mirs__sb *sb, const char *s, size_t n);
/* Appends a double the way JSON wants it, locale-independent: shortest
 * round-trip ("%.17g" tried from 15 digits up); NaN/Inf become null. */
bool mirs__sb_json_double(mirs__sb *sb, double v);
void mirs__sb_clear(mirs__sb *sb);
/* Hands the contents to a mirs_buf (sb is left empty). MIRS_E_NO_MEMORY if oom. */
int mirs__sb_to_buf(mirs__sb *sb, mirs_buf *out);

/* ---- locale-independent numbers ---- */
/* Formats like snprintf(fmt) in the "C" locale whatever the host set. */
int mirs__snprintf_c(char *dst, size_t n, const char *fmt, ...) MIRS_PRINTF(3, 4);
/* strtod in the "C" locale. */
double mirs__strtod_c(const char *s, char **end);

/* ---- UTF-8 ---- */
/* Length of the valid prefix; == n when all of s[0..n) is valid UTF-8
 * (no overlongs, no surrogates, <= U+10FFFF). */
size_t mirs__utf8_valid_prefix(const char *s, size_t n);
static inline bool mirs__utf8_valid(const char *s, size_t n) { return mirs__utf8_valid_prefix(s, n) == n; }

/* ---- files ---- */
struct stat;
/* Opens path (relative to dir_fd, AT_FDCWD for the working folder) with
 * flags plus O_NONBLOCK|O_CLOEXEC so that a FIFO or device cannot block
 * open(), then refuses anything but a regular file: MIRS_E_IO "<disp>: not a
 * regular file" (disp names the file in messages; NULL means path). A
 * missing file is MIRS_E_NOT_FOUND (without O_CREAT), other open failures
 * MIRS_E_IO. On
 * success *fd_out is a blocking descriptor the caller closes and *st_out
 * (optional) its fstat. Every file the library opens goes through here. */
int mirs__open_regular(int dir_fd, const char *path, const char *disp, int flags, unsigned mode, int *fd_out,
                       struct stat *st_out);
/* Reads a whole regular file; MIRS_E_LIMIT when larger than limit. The
 * result is NUL-terminated (not counted in *len). Caller frees with free(). */
int mirs__read_file(const char *path, size_t limit, char **data, size_t *len);
/* Writes data to path atomically (temp file in the same folder, fsync,
 * rename, fsync of the folder). */
/* Writes all len bytes (retrying short writes and EINTR): 0, or -1 with errno. */
int mirs__write_all(int fd, const void *data, size_t len);
int mirs__write_file_atomic(const char *path, const void *data, size_t len);
/* For an output path that exists and is not a regular file (a device such
 * as /dev/null, a FIFO, a socket): opens it for writing in place and
 * returns 1 with *fd (blocking); 0 when path is a regular file or does not
 * exist (write a temporary file and rename it); < 0 for a folder or an open
 * failure (a FIFO without a reader fails at once). Writers that rename a
 * temporary file over their output must ask this first, so that no output
 * path replaces a device. */
int mirs__open_special_output(const char *path, int *fd);
/* Joins a and b with one '/'. NULL on OOM (error set). */
char *mirs__path_join(const char *a, const char *b);
/* True when rel is a relative path with no empty, "." or ".." component
 * that would leave its base (lexical check). */
bool mirs__path_is_contained(const char *rel);
/* The directory part of a path ("." when there is none); malloc'd. */
char *mirs__path_dirname(const char *path);

/* ---- JSON with limits ---- */
struct cJSON;
/* Checks nesting depth before cJSON sees the text (cJSON recurses) and
 * that the text is UTF-8, then parses. what names the source in messages.
 * On failure the message names what and the byte offset. */
int mirs__json_parse(const char *text, size_t len, unsigned max_depth, const char *what, struct cJSON **out);
/* The length in bytes of a string node's value from mirs__json_parse(),
 * U+0000 included: "\u0000" escapes decode to NUL bytes that strlen()
 * would stop at, so mirs__json_parse() records the true length of such
 * strings (in the node's otherwise unused valuedouble) and refuses member
 * names that hold U+0000 (MIRS_E_UNSUPPORTED). 0 for NULL or a non-string. */
size_t mirs__json_strlen(const struct cJSON *s);

/* ---- hashing ---- */
uint64_t mirs__fnv1a64(const void *data, size_t n);
uint64_t mirs__splitmix64(uint64_t x);
/* CRC-64/XZ (ECMA-182 polynomial, reflected), incremental: start with 0. */
uint64_t mirs__crc64(uint64_t crc, const void *data, size_t n);

/* ---- base64 ---- */
size_t mirs__base64_len(size_t n); /* encoded length without NUL */
bool mirs__sb_base64(mirs__sb *sb, const void *data, size_t n);

/* A string vector (owned copies). */
typedef struct mirs__strvec {
    char **v;
    size_t n, cap;
} mirs__strvec;
int mirs__strvec_push(mirs__strvec *sv, const char *s, size_t n);
void mirs__strvec_free(mirs__strvec *sv);
/* Sorts (strcmp) and drops repeats. */
void mirs__strvec_sort_unique(mirs__strvec *sv);

/* A set of strings (owned copies): open addressing, grows at half full. */
typedef struct mirs__strset {
    char **slots;
    size_t nslots, n;
} mirs__strset;
/* Adds s; 1 when it was new, 0 when present, MIRS_E_NO_MEMORY. */
int mirs__strset_add(mirs__strset *set, const char *s);
bool mirs__strset_has(const mirs__strset *set, const char *s);
void mirs__strset_free(mirs__strset *set);

/* A bump allocator: many strings and small arrays live in a few large
 * blocks freed together (a dataset's metadata, the strings of responses and
 * records), with no per-string bookkeeping. Zero-initialise to start. */
typedef struct mirs__arena_block {
    struct mirs__arena_block *next;
    size_t used, cap;
    max_align_t data[];
} mirs__arena_block;

typedef struct mirs__arena {
    mirs__arena_block *head;
    size_t total;
} mirs__arena;

void *mirs__arena_alloc(mirs__arena *a, size_t n);
char *mirs__arena_strndup(mirs__arena *a, const char *s, size_t n);
void mirs__arena_free(mirs__arena *a);
/* Forgets every allocation but keeps one block for reuse. */
void mirs__arena_reset(mirs__arena *a);

/* A name of a public constant group (MIRS_STRIP_*, MIRS_DURABLE_*, ...).
 * Each group's table lists its canonical names first, in value order, then
 * any aliases; mirs_<group>_name() gives the first name of a value and
 * mirs_<group>_from_name() accepts any, ignoring ASCII case, spaces, '_'
 * and '-' (mirs__name_eq). */
typedef struct mirs__name {
    const char *name;
    int32_t value;
} mirs__name;
bool mirs__name_eq(const char *a, const char *b);
const char *mirs__name_of(const mirs__name *t, size_t n, int32_t value);
/* MIRS_OK with *out; MIRS_E_NOT_FOUND naming `what` and listing the
 * canonical names; MIRS_E_INVALID_ARGUMENT for NULL. */
int mirs__from_name(const mirs__name *t, size_t n, const char *name, const char *what, int32_t *out);
/* MIRS_OK when mode is MIRS_READ_STRICT or _LENIENT, else MIRS_E_INVALID_ARGUMENT
 * naming `what` (the options struct): the one check of every reader's mode. */
int mirs__read_mode_check(int32_t mode, const char *what);
/* Defines the public pair mirs_<group>_name / mirs_<group>_from_name over a table. */
#define MIRS__NAME_PAIR(group, table, what)                                                                            \
    MIRS_API const char *mirs_##group##_name(int32_t value)                                                            \
    {                                                                                                                  \
        return mirs__name_of(table, sizeof table / sizeof *table, value);                                              \
    }                                                                                                                  \
    MIRS_API int mirs_##group##_from_name(const char *name, int32_t *out)                                              \
    {                                                                                                                  \
        return mirs__from_name(table, sizeof table / sizeof *table, name, what, out);                                  \
    }

#endif
