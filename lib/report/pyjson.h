/* The statics.py view of one results/harmbench JSON file (pyjson.c). */
#ifndef MIRS_REPORT_PYJSON_H
#define MIRS_REPORT_PYJSON_H

#include "internal.h"

#define PYJSON_FAILED 1
#define PYJSON_CRASHED 2

typedef struct pyjson_item {
    uint8_t unsafe;       /* label == "unsafe" */
    uint8_t answer_flags; /* PYJSON_FAILED / PYJSON_CRASHED from the answer's prefix */
} pyjson_item;

typedef struct pyjson_result {
    bool valid;  /* json.load() would succeed */
    bool counts; /* statics.py adds this file's counts (items[0..n), possibly none) */
    pyjson_item *items;
    size_t n, cap;
} pyjson_result;

/* Fills r (items reallocated as needed; free r->items yourself). Returns
 * MIRS_OK or MIRS_E_NO_MEMORY; r->valid / r->counts say what Python does. */
int mirs__pyjson_statics(const char *data, size_t len, pyjson_result *r);

/* The same with the scan chosen: PYJSON_SCAN_AUTO (AVX2 when the CPU has
 * it), _GENERIC (UTF-8 validated first, then SSE2/scalar), _AVX2 (UTF-8
 * validated in the scan; only when the CPU has AVX2). For tests comparing
 * the two. */
#define PYJSON_SCAN_AUTO 0
#define PYJSON_SCAN_GENERIC 1
#define PYJSON_SCAN_AVX2 2
int mirs__pyjson_statics_scan(const char *data, size_t len, pyjson_result *r, int scan);
bool mirs__pyjson_have_avx2(void);
/* Test programs only (linked with the internal static modules): the scan
 * that mirs__pyjson_statics() uses from now on, for every thread, so that
 * the whole official-results reader can be run over the portable scan on a
 * machine with AVX2. Call before any reader runs. */
void mirs__pyjson_test_scan(int scan_kind);

#endif
