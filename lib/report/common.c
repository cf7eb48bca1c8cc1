/* Verdict names, taxonomy lookups by exact official name, small containers. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Verdict and taxonomy names come from the modules that own them (score
 * and dataset); the store and the report match them exactly, as the
 * official code spells them in keys, folders and file stems. */
#include <mirsafety/dataset.h>
#include <mirsafety/score.h>

const char *mirs__verdict_name(int32_t verdict) { return mirs_verdict_name(verdict); }

int mirs__verdict_parse(const char *name, int32_t *verdict)
{
    for (int32_t i = 0; i < MIRS_VERDICT_COUNT; i++)
        if (strcmp(name, mirs_verdict_name(i)) == 0) {
            *verdict = i;
            return MIRS_OK;
        }
    return MIRS_E_SCHEMA;
}

const char *mirs__category_str(int32_t c) { return mirs_category_name(c); }
const char *mirs__relation_str(int32_t r) { return mirs_relation_name(r); }
const char *mirs__group_str(int32_t g) { return mirs_group_name(g); }
int32_t mirs__relation_group_of(int32_t r) { return mirs_relation_group(r); }

static int32_t lookup(const char *(*name)(int32_t), int32_t count, const char *s, size_t n)
{
    for (int32_t i = 0; i < count; i++) {
        const char *x = name(i);
        if (strlen(x) == n && memcmp(x, s, n) == 0) return i;
    }
    return -1;
}

int32_t mirs__category_exact(const char *s, size_t n) { return lookup(mirs_category_name, MIRS_CATEGORY_COUNT, s, n); }

int32_t mirs__relation_exact(const char *s, size_t n) { return lookup(mirs_relation_name, MIRS_RELATION_COUNT, s, n); }

void mirs__key_cell(const char *key, int32_t *category, int32_t *relation)
{
    *category = *relation = -1;
    const char *a = strchr(key, '/');
    if (!a) return;
    const char *b = strchr(a + 1, '/');
    if (!b) return;
    *category = mirs__category_exact(key, (size_t)(a - key));
    *relation = mirs__relation_exact(a + 1, (size_t)(b - a - 1));
}

int mirs__strvec_push(mirs_strvec *sv, const char *s, size_t n)
{
    if (sv->n == sv->cap) {
        size_t nc = sv->cap ? sv->cap * 2 : 16;
        char **nv = mirs__realloc(sv->v, nc * sizeof *nv);
        if (!nv) return MIRS_E_NO_MEMORY;
        sv->v = nv;
        sv->cap = nc;
    }
    char *c = mirs__strndup(s, n);
    if (!c) return MIRS_E_NO_MEMORY;
    sv->v[sv->n++] = c;
    return MIRS_OK;
}

void mirs__strvec_free(mirs_strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void mirs__strvec_sort_unique(mirs_strvec *sv)
{
    if (sv->n < 2) return;
    qsort(sv->v, sv->n, sizeof *sv->v, cmp_str);
    size_t o = 1;
    for (size_t i = 1; i < sv->n; i++) {
        if (strcmp(sv->v[i], sv->v[o - 1]) == 0)
            free(sv->v[i]);
        else
            sv->v[o++] = sv->v[i];
    }
    sv->n = o;
}

struct mirs_rep_arena_block {
    struct mirs_rep_arena_block *next;
    size_t used, cap;
    char data[];
};

char *mirs__rep_strndup(mirs_rep_arena *a, const char *s, size_t n)
{
    size_t need;
    if (!mirs__add_ok(n, 1, &need)) {
        mirs__fail(MIRS_E_OVERFLOW, "string too large");
        return NULL;
    }
    struct mirs_rep_arena_block *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > 65536 ? need : 65536;
        b = mirs__malloc(sizeof *b + cap);
        if (!b) return NULL;
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = '\0';
    b->used += need;
    return p;
}

void mirs__rep_arena_free(mirs_rep_arena *a)
{
    struct mirs_rep_arena_block *b = a->head;
    while (b) {
        struct mirs_rep_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
}

static size_t strset_pos(char *const *slots, size_t nslots, const char *s)
{
    size_t p = (size_t)mirs__splitmix64(mirs__fnv1a64(s, strlen(s))) & (nslots - 1);
    while (slots[p] && strcmp(slots[p], s) != 0) p = (p + 1) & (nslots - 1);
    return p;
}

bool mirs__strset_has(const mirs_strset *set, const char *s)
{
    return set->nslots && set->slots[strset_pos(set->slots, set->nslots, s)] != NULL;
}

int mirs__strset_add(mirs_strset *set, const char *s)
{
    if (mirs__strset_has(set, s)) return 0;
    if ((set->n + 1) * 2 > set->nslots) {
        size_t ns = set->nslots ? set->nslots * 2 : 256;
        char **sl = mirs__calloc(ns, sizeof *sl);
        if (!sl) return MIRS_E_NO_MEMORY;
        for (size_t i = 0; i < set->nslots; i++)
            if (set->slots[i]) sl[strset_pos(sl, ns, set->slots[i])] = set->slots[i];
        free(set->slots);
        set->slots = sl;
        set->nslots = ns;
    }
    char *c = mirs__strdup(s);
    if (!c) return MIRS_E_NO_MEMORY;
    set->slots[strset_pos(set->slots, set->nslots, s)] = c;
    set->n++;
    return 1;
}

void mirs__strset_free(mirs_strset *set)
{
    for (size_t i = 0; i < set->nslots; i++) free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}
