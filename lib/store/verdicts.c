/*
 * Which verdict counts: the one rule every reader of a store follows.
 *
 * A store is an append-only log, so one (key, model, judge) can hold several
 * records: a judge error and the retry that fixed it, or the same verdict
 * written by a run and by a resumed one. Reports, comparisons, resume and
 * merges must all see one verdict per item, the one a single fresh run over
 * the final inputs would have written. The official code keeps one result
 * per item too (eval.py's writer_process: "new overrides existing" per
 * item_index, with failed items retried and finished ones never redone), so
 * the rule is: the latest record with a final verdict (anything but
 * `error`); when the item has none, its latest `error`. A final verdict is
 * never displaced by a later error (resume never writes one, and a retry
 * that fails again must not undo an earlier success). Response-only records
 * hold no verdict and never count.
 */
#include "store_internal.h"

#include <mirsafety/score.h>

#include <stdlib.h>
#include <string.h>

size_t mirs__verdict_pick(const mirs_record *const *v, size_t n)
{
    size_t last_final = SIZE_MAX, last_error = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (v[i]->verdict == MIRS_RECORD_NO_VERDICT) continue;
        if (v[i]->verdict == MIRS_VERDICT_ERROR)
            last_error = i;
        else
            last_final = i;
    }
    return last_final != SIZE_MAX ? last_final : last_error;
}

int mirs__triple_cmp(const mirs_record *a, const mirs_record *b)
{
    int c = strcmp(a->key, b->key);
    if (!c) c = strcmp(a->model, b->model);
    if (!c) c = strcmp(a->judge, b->judge);
    return c;
}

typedef struct ref {
    const mirs_record *rec;
    size_t i;
} ref;

static int cmp_ref(const void *pa, const void *pb)
{
    const ref *a = pa, *b = pb;
    int c = mirs__triple_cmp(a->rec, b->rec);
    if (!c) c = a->i < b->i ? -1 : a->i > b->i;
    return c;
}

int mirs__verdicts_counted(const mirs_record *v, size_t n, unsigned char **out)
{
    unsigned char *counted = mirs__calloc(n ? n : 1, 1);
    ref *refs = mirs__calloc(n ? n : 1, sizeof *refs);
    const mirs_record **group = mirs__calloc(n ? n : 1, sizeof *group);
    if (!counted || !refs || !group) {
        free(counted);
        free(refs);
        free(group);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        refs[i].rec = &v[i];
        refs[i].i = i;
    }
    qsort(refs, n, sizeof *refs, cmp_ref);
    for (size_t g = 0; g < n;) {
        size_t e = g;
        while (e < n && mirs__triple_cmp(refs[g].rec, refs[e].rec) == 0) {
            group[e - g] = refs[e].rec;
            e++;
        }
        size_t pick = mirs__verdict_pick(group, e - g);
        if (pick != SIZE_MAX) counted[refs[g + pick].i] = 1;
        g = e;
    }
    free(refs);
    free(group);
    *out = counted;
    return MIRS_OK;
}

int mirs__verdict_parse(const char *name, int32_t *verdict)
{
    for (int32_t i = 0; i < MIRS_VERDICT_COUNT; i++)
        if (strcmp(name, mirs_verdict_name(i)) == 0) {
            *verdict = i;
            return MIRS_OK;
        }
    return MIRS_E_SCHEMA;
}
