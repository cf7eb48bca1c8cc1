/* Internals shared by the report module's files. */
#ifndef MIRS_REPORT_INTERNAL_H
#define MIRS_REPORT_INTERNAL_H

#include <mirsafety/report.h>
#include <mirsafety/score.h>

#include "util/util.h"

/* Verdict <-> store name (mirs_verdict_name()'s names). */
const char *mirs__verdict_name(int32_t verdict);
int mirs__verdict_parse(const char *name, int32_t *verdict);

/* Official names of the taxonomy (NULL when out of range) and exact lookups. */
const char *mirs__category_str(int32_t c);
const char *mirs__relation_str(int32_t r);
const char *mirs__group_str(int32_t g);
int32_t mirs__relation_group_of(int32_t r);
int32_t mirs__category_exact(const char *s, size_t n);
int32_t mirs__relation_exact(const char *s, size_t n);
/* Splits "<Category>/<Relation>/..." into ids (-1 when unknown). */
void mirs__key_cell(const char *key, int32_t *category, int32_t *relation);

/* A string vector (owned copies). */
typedef struct mirs_strvec {
    char **v;
    size_t n, cap;
} mirs_strvec;
int mirs__strvec_push(mirs_strvec *sv, const char *s, size_t n);
void mirs__strvec_free(mirs_strvec *sv);
void mirs__strvec_sort_unique(mirs_strvec *sv);

/* A set of strings (owned copies): open addressing, grows at half full. */
typedef struct mirs_strset {
    char **slots;
    size_t nslots, n;
} mirs_strset;
/* Adds s; 1 when it was new, 0 when present, MIRS_E_NO_MEMORY. */
int mirs__strset_add(mirs_strset *set, const char *s);
bool mirs__strset_has(const mirs_strset *set, const char *s);
void mirs__strset_free(mirs_strset *set);

/* A bump arena for many small strings. */
typedef struct mirs_rep_arena {
    struct mirs_rep_arena_block *head;
} mirs_rep_arena;
char *mirs__rep_strndup(mirs_rep_arena *a, const char *s, size_t n);
void mirs__rep_arena_free(mirs_rep_arena *a);

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
