/* Small string containers shared by the modules: an owned string vector and
 * a string set (open addressing). */
#include "util.h"

#include <stdlib.h>
#include <string.h>

int mirs__strvec_push(mirs__strvec *sv, const char *s, size_t n)
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

void mirs__strvec_free(mirs__strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
    memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void mirs__strvec_sort_unique(mirs__strvec *sv)
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

static size_t strset_pos(char *const *slots, size_t nslots, const char *s)
{
    size_t p = (size_t)mirs__splitmix64(mirs__fnv1a64(s, strlen(s))) & (nslots - 1);
    while (slots[p] && strcmp(slots[p], s) != 0) p = (p + 1) & (nslots - 1);
    return p;
}

bool mirs__strset_has(const mirs__strset *set, const char *s)
{
    return set->nslots && set->slots[strset_pos(set->slots, set->nslots, s)] != NULL;
}

int mirs__strset_add(mirs__strset *set, const char *s)
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

void mirs__strset_free(mirs__strset *set)
{
    for (size_t i = 0; i < set->nslots; i++) free(set->slots[i]);
    free(set->slots);
    memset(set, 0, sizeof *set);
}
