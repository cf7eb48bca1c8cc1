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

#endif
