/* Internals of the store module shared with the modules above it (report,
 * scoring): building records in memory, and the counting rule. */
#ifndef MIRS_STORE_INTERNAL_H
#define MIRS_STORE_INTERNAL_H

#include <mirsafety/store.h>

#include "util/util.h"

/* Verdict <-> store name, exactly as mirs_verdict_name() spells them
 * (MIRS_E_SCHEMA, with no message, for any other name). */
int mirs__verdict_parse(const char *name, int32_t *verdict);

/* Building a mirs_records in memory (strings copied). */
mirs_records *mirs__records_new(void);
int mirs__records_add(mirs_records *r, const char *key, const char *model, const char *judge, int32_t verdict,
                      uint32_t flags);
/* 1 when the store holds any record with a verdict (an error too) for the
 * item, unlike mirs_store_done, which wants a final one. */
int mirs__store_has_verdict(const mirs_store *s, const char *key, const char *model, const char *judge);
/* Marks the records that count (mirs_records_counted) once all are added. */
int mirs__records_seal(mirs_records *r);

/* The counting rule (verdicts.c), the one place it lives: of the records of
 * one (key, model, judge) in store order, the index of the one that counts
 * (the latest final verdict, else the latest error), SIZE_MAX when none
 * holds a verdict. */
size_t mirs__verdict_pick(const mirs_record *const *v, size_t n);
/* Orders records by key, model, judge. */
int mirs__triple_cmp(const mirs_record *a, const mirs_record *b);
/* counted[i] = 1 for the record of v that counts for its (key, model,
 * judge); *out is freed with free(). */
int mirs__verdicts_counted(const mirs_record *v, size_t n, unsigned char **out);

#endif
