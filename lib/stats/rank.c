/* Average ranks with the tie term, as scipy.stats.rankdata(method='average'). */
#include "stats_internal.h"

#include <stdlib.h>

#include "util/util.h"

typedef struct {
    double v;
    size_t i;
} rank_item;

static int cmp_item(const void *pa, const void *pb)
{
    const rank_item *a = pa, *b = pb;
    if (a->v < b->v) return -1;
    if (a->v > b->v) return 1;
    return (a->i > b->i) - (a->i < b->i);
}

bool mirs__rank_average(const double *v, size_t n, double *out, double *tie_term)
{
    size_t bytes;
    if (!mirs__mul_ok(n, sizeof(rank_item), &bytes)) return false;
    rank_item *it = mirs__malloc(bytes ? bytes : 1);
    if (!it) return false;
    for (size_t i = 0; i < n; i++) {
        it[i].v = v[i];
        it[i].i = i;
    }
    qsort(it, n, sizeof *it, cmp_item);
    double tt = 0.0;
    for (size_t s = 0; s < n;) {
        size_t e = s + 1;
        while (e < n && it[e].v == it[s].v) e++;
        /* positions s+1 .. e (1-based): mean (s + 1 + e) / 2 */
        double r = 0.5 * ((double)s + 1.0 + (double)e);
        for (size_t j = s; j < e; j++) out[it[j].i] = r;
        double t = (double)(e - s);
        tt += t * t * t - t;
        s = e;
    }
    if (tie_term) *tie_term = tt;
    free(it);
    return true;
}
