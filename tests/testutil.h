/* A tiny test harness: CHECK records a failure and goes on; the program's
 * exit status and last line report the totals. */
#ifndef MIRS_TESTUTIL_H
#define MIRS_TESTUTIL_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond)                                                                                                      \
            t_pass++;                                                                                                  \
        else {                                                                                                         \
            t_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                                   \
        }                                                                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                             \
    do {                                                                                                               \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                                          \
        if (va_ == vb_)                                                                                                \
            t_pass++;                                                                                                  \
        else {                                                                                                         \
            t_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, va_, vb_);           \
        }                                                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                                                \
    do {                                                                                                               \
        const char *sa_ = (a), *sb_ = (b);                                                                             \
        if (sa_ && sb_ && strcmp(sa_, sb_) == 0)                                                                       \
            t_pass++;                                                                                                  \
        else {                                                                                                         \
            t_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b,                  \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                                                       \
        }                                                                                                              \
    } while (0)

/* A call that must return the given status; prints the library message if not. */
#define CHECK_STATUS(call, want)                                                                                       \
    do {                                                                                                               \
        int st_ = (call);                                                                                              \
        if (st_ == (want))                                                                                             \
            t_pass++;                                                                                                  \
        else {                                                                                                         \
            t_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s (%d), wanted %s: %s\n", __FILE__, __LINE__, #call,                  \
                    mirs_status_str(st_), st_, #want, mirs_error_last());                                              \
        }                                                                                                              \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, MIRS_OK)

static inline int test_summary(const char *name)
{
    printf("%s: %d checks passed, %d failed\n", name, t_pass, t_fail);
    return t_fail ? 1 : 0;
}

#endif
