/*
 * Accumulators: per (label, layer, head) Welford moments, min/max and a
 * fixed-bin histogram; per (label, item) one sample per layer plus one
 * overall, kept for the rank-based group tests. Merging uses Chan et al.'s
 * pairwise combination, so partial states merge in any order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <mirsafety/stats.h>

#include "entropy/entropy_internal.h"
#include "stats/stats_internal.h"
#include "util/util.h"
#include "util/versioned.h"

#define MAX_CELLS ((size_t)1 << 20)
#define MAX_BINS ((size_t)1 << 16)
#define MAX_HIST ((size_t)1 << 27)
#define MAX_ITEMS ((size_t)1 << 26) /* samples per label */
#define MAX_STATE_BYTES ((size_t)2 << 30)

typedef struct cell {
    uint64_t n;
    double mean, m2, min, max;
} cell;

struct mirs_entropy_acc {
    size_t L, H, bins;
    double lo, hi;
    cell *cells;    /* [2][L][H] */
    uint64_t *hist; /* [2][L][H][bins + 2] */
    double *smp[2]; /* [item][L + 1] */
    size_t nitems[2], cap[2];
};

static size_t ncell(const mirs_entropy_acc *a) { return a->L * a->H; }

int mirs_entropy_acc_new(size_t L, size_t H, size_t bins, double lo, double hi, mirs_entropy_acc **out)
{
    MIRS_CHECK_ARG(out, "out must not be NULL");
    size_t c;
    if (L == 0 || H == 0 || !mirs__mul_ok(L, H, &c) || c > MAX_CELLS)
        return mirs__fail(MIRS_E_LIMIT, "entropy accumulator: %zu x %zu (layers x heads) outside [1, 2^20] cells", L,
                          H);
    if (bins == 0 || bins > MAX_BINS)
        return mirs__fail(MIRS_E_LIMIT, "entropy accumulator: %zu bins outside [1, 65536]", bins);
    if (c * (bins + 2) > MAX_HIST)
        return mirs__fail(MIRS_E_LIMIT, "entropy accumulator: %zu histogram counters exceed 2^27", c * (bins + 2));
    if (!(lo < hi) || !isfinite(lo) || !isfinite(hi))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy accumulator: histogram range needs finite lo < hi");
    mirs_entropy_acc *a = mirs__calloc(1, sizeof *a);
    if (!a) return MIRS_E_NO_MEMORY;
    a->L = L, a->H = H, a->bins = bins, a->lo = lo, a->hi = hi;
    a->cells = mirs__calloc(2 * c, sizeof *a->cells);
    a->hist = mirs__calloc(2 * c * (bins + 2), sizeof *a->hist);
    if (!a->cells || !a->hist) {
        mirs_entropy_acc_free(a);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t i = 0; i < 2 * c; i++) a->cells[i].min = INFINITY, a->cells[i].max = -INFINITY;
    *out = a;
    return MIRS_OK;
}

void mirs_entropy_acc_free(mirs_entropy_acc *a)
{
    if (!a) return;
    free(a->cells);
    free(a->hist);
    free(a->smp[0]);
    free(a->smp[1]);
    free(a);
}

static void add_value(mirs_entropy_acc *a, int32_t label, size_t l, size_t h, double x)
{
    size_t i = (size_t)label * ncell(a) + l * a->H + h;
    cell *c = &a->cells[i];
    c->n++;
    double d = x - c->mean;
    c->mean += d / (double)c->n;
    c->m2 += d * (x - c->mean);
    if (x < c->min) c->min = x;
    if (x > c->max) c->max = x;
    size_t b;
    if (x < a->lo)
        b = 0;
    else if (x >= a->hi)
        b = a->bins + 1;
    else {
        b = (size_t)((x - a->lo) / (a->hi - a->lo) * (double)a->bins);
        if (b >= a->bins) b = a->bins - 1;
        b++;
    }
    a->hist[i * (a->bins + 2) + b]++;
}

#define CHECK_LABEL(label)                                                                                             \
    do {                                                                                                               \
        if ((label) != MIRS_ENTROPY_LABEL_SAFE && (label) != MIRS_ENTROPY_LABEL_UNSAFE)                                \
            return mirs__fail(MIRS_E_INVALID_ARGUMENT, "entropy accumulator: label %d is not safe (0) or unsafe (1)",  \
                              (int)(label));                                                                           \
    } while (0)

int mirs_entropy_acc_add(mirs_entropy_acc *a, int32_t label, size_t layer, size_t head, double value)
{
    MIRS_CHECK_ARG(a, "acc must not be NULL");
    CHECK_LABEL(label);
    if (layer >= a->L || head >= a->H)
        return mirs__fail(MIRS_E_RANGE, "entropy accumulator: (layer %zu, head %zu) outside %zu x %zu", layer, head,
                          a->L, a->H);
    if (isnan(value)) return MIRS_OK;
    add_value(a, label, layer, head, value);
    return MIRS_OK;
}

static int push_item(mirs_entropy_acc *a, int32_t label, const double *row)
{
    size_t w = a->L + 1;
    if (a->nitems[label] == a->cap[label]) {
        size_t nc = a->cap[label] ? 2 * a->cap[label] : 64, bytes;
        if (nc > MAX_ITEMS) nc = MAX_ITEMS;
        if (nc <= a->nitems[label])
            return mirs__fail(MIRS_E_LIMIT, "entropy accumulator: more than %zu items per label", MAX_ITEMS);
        if (!mirs__mul_ok(nc, w * sizeof(double), &bytes)) return mirs__fail(MIRS_E_OVERFLOW, "accumulator size");
        double *ns = mirs__realloc(a->smp[label], bytes);
        if (!ns) return MIRS_E_NO_MEMORY;
        a->smp[label] = ns;
        a->cap[label] = nc;
    }
    memcpy(a->smp[label] + a->nitems[label] * w, row, w * sizeof *row);
    a->nitems[label]++;
    return MIRS_OK;
}

int mirs_entropy_acc_add_item(mirs_entropy_acc *a, int32_t label, const double *e, size_t L, size_t H, size_t Q)
{
    MIRS_CHECK_ARG(a, "acc must not be NULL");
    CHECK_LABEL(label);
    if (L != a->L || H != a->H)
        return mirs__fail(MIRS_E_MISMATCH, "entropy accumulator: item has %zu x %zu (layers x heads), state %zu x %zu",
                          L, H, a->L, a->H);
    MIRS_CHECK_ARG(e || Q == 0, "entropy must not be NULL when queries > 0");
    double *row = mirs__malloc((L + 1) * sizeof *row);
    if (!row) return MIRS_E_NO_MEMORY;
    double all = 0;
    size_t nall = 0, layers_with = 0;
    for (size_t l = 0; l < L; l++) {
        double s = 0;
        size_t n = 0;
        for (size_t i = 0; i < H * Q; i++) {
            double x = e[l * H * Q + i];
            if (isnan(x)) continue;
            s += x;
            n++;
        }
        row[l] = n ? s / (double)n : NAN;
        all += s;
        nall += n;
        layers_with += n > 0;
    }
    if (!nall || layers_with != L) {
        free(row);
        return mirs__fail(MIRS_E_EMPTY, "entropy accumulator: item has a layer without any finite entropy");
    }
    row[L] = all / (double)nall;
    int st = push_item(a, label, row);
    free(row);
    if (st) return st;
    for (size_t l = 0; l < L; l++)
        for (size_t h = 0; h < H; h++)
            for (size_t q = 0; q < Q; q++) {
                double x = e[(l * H + h) * Q + q];
                if (!isnan(x)) add_value(a, label, l, h, x);
            }
    return MIRS_OK;
}

static void merge_cell(cell *d, const cell *s)
{
    if (s->n == 0) return;
    if (d->n == 0) {
        *d = *s;
        return;
    }
    double na = (double)d->n, nb = (double)s->n, n = na + nb, delta = s->mean - d->mean;
    d->mean = d->mean + delta * (nb / n);
    d->m2 = d->m2 + s->m2 + delta * delta * (na * nb / n);
    d->n += s->n;
    if (s->min < d->min) d->min = s->min;
    if (s->max > d->max) d->max = s->max;
}

int mirs_entropy_acc_merge(mirs_entropy_acc *d, const mirs_entropy_acc *s)
{
    MIRS_CHECK_ARG(d && s && d != s, "dst and src must not be NULL and must differ");
    if (d->L != s->L || d->H != s->H || d->bins != s->bins || d->lo != s->lo || d->hi != s->hi)
        return mirs__fail(MIRS_E_MISMATCH, "entropy accumulators differ in layers, heads or histogram bins");
    for (int lab = 0; lab < 2; lab++)
        if (s->nitems[lab] && d->nitems[lab] + s->nitems[lab] > MAX_ITEMS)
            return mirs__fail(MIRS_E_LIMIT, "entropy accumulator: more than %zu items per label", MAX_ITEMS);
    /* Reserve first so that a failure leaves dst unchanged. */
    size_t w = d->L + 1;
    for (int lab = 0; lab < 2; lab++) {
        size_t need = d->nitems[lab] + s->nitems[lab];
        if (need > d->cap[lab]) {
            double *ns = mirs__realloc(d->smp[lab], need * w * sizeof(double));
            if (!ns) return MIRS_E_NO_MEMORY;
            d->smp[lab] = ns;
            d->cap[lab] = need;
        }
    }
    size_t c = 2 * ncell(d);
    for (size_t i = 0; i < c; i++) merge_cell(&d->cells[i], &s->cells[i]);
    for (size_t i = 0; i < c * (d->bins + 2); i++) d->hist[i] += s->hist[i];
    for (int lab = 0; lab < 2; lab++) {
        if (s->nitems[lab]) memcpy(d->smp[lab] + d->nitems[lab] * w, s->smp[lab], s->nitems[lab] * w * sizeof(double));
        d->nitems[lab] += s->nitems[lab];
    }
    return MIRS_OK;
}

static int cell_of(const mirs_entropy_acc *a, int32_t label, size_t l, size_t h, size_t *idx)
{
    MIRS_CHECK_ARG(a, "acc must not be NULL");
    CHECK_LABEL(label);
    if (l >= a->L || h >= a->H)
        return mirs__fail(MIRS_E_RANGE, "entropy accumulator: (layer %zu, head %zu) outside %zu x %zu", l, h, a->L,
                          a->H);
    *idx = (size_t)label * ncell(a) + l * a->H + h;
    return MIRS_OK;
}

int mirs_entropy_acc_summary(const mirs_entropy_acc *a, int32_t label, size_t l, size_t h, mirs_entropy_summary *out)
{
    size_t i = 0;
    int st = cell_of(a, label, l, h, &i);
    if (st) return st;
    st = MIRS__STRUCT_OUT_CHECK(mirs_entropy_summary, out);
    if (st) return st;
    const cell *c = &a->cells[i];
    mirs_entropy_summary s;
    s.struct_size = sizeof s;
    s.count = c->n;
    s.mean = c->n ? c->mean : NAN;
    s.variance = c->n >= 2 ? c->m2 / (double)(c->n - 1) : NAN;
    s.min = c->n ? c->min : NAN;
    s.max = c->n ? c->max : NAN;
    mirs__struct_out(out, &s, sizeof s);
    return MIRS_OK;
}

int mirs_entropy_acc_histogram(const mirs_entropy_acc *a, int32_t label, size_t l, size_t h, uint64_t *counts)
{
    size_t i = 0;
    int st = cell_of(a, label, l, h, &i);
    if (st) return st;
    MIRS_CHECK_ARG(counts, "counts must not be NULL");
    memcpy(counts, a->hist + i * (a->bins + 2), (a->bins + 2) * sizeof *counts);
    return MIRS_OK;
}

int mirs_entropy_acc_shape(const mirs_entropy_acc *a, size_t *L, size_t *H, size_t *bins, double *lo, double *hi,
                           uint64_t *items_safe, uint64_t *items_unsafe)
{
    MIRS_CHECK_ARG(a, "acc must not be NULL");
    if (L) *L = a->L;
    if (H) *H = a->H;
    if (bins) *bins = a->bins;
    if (lo) *lo = a->lo;
    if (hi) *hi = a->hi;
    if (items_safe) *items_safe = a->nitems[0];
    if (items_unsafe) *items_unsafe = a->nitems[1];
    return MIRS_OK;
}

/* ---- JSON ---- */

int mirs_entropy_acc_to_json(const mirs_entropy_acc *a, mirs_buf *out)
{
    MIRS_CHECK_ARG(a && out, "acc and out must not be NULL");
    mirs__sb sb;
    mirs__sb_init(&sb);
    mirs__sb_printf(&sb,
                    "{\"format\":\"mirsafety-entropy-acc\",\"version\":1,\"layers\":%zu,\"heads\":%zu,\"bins\":%zu,",
                    a->L, a->H, a->bins);
    mirs__sb_puts(&sb, "\"lo\":");
    mirs__sb_json_double(&sb, a->lo);
    mirs__sb_puts(&sb, ",\"hi\":");
    mirs__sb_json_double(&sb, a->hi);
    static const char *names[2] = {"safe", "unsafe"};
    for (int lab = 0; lab < 2; lab++) {
        mirs__sb_printf(&sb, ",\n\"%s\":{\"cells\":[", names[lab]);
        for (size_t i = 0; i < ncell(a); i++) {
            const cell *c = &a->cells[(size_t)lab * ncell(a) + i];
            mirs__sb_printf(&sb, "%s[%llu,", i ? ",\n" : "\n", (unsigned long long)c->n);
            mirs__sb_json_double(&sb, c->mean);
            mirs__sb_putc(&sb, ',');
            mirs__sb_json_double(&sb, c->m2);
            mirs__sb_putc(&sb, ',');
            mirs__sb_json_double(&sb, c->n ? c->min : NAN); /* null when empty */
            mirs__sb_putc(&sb, ',');
            mirs__sb_json_double(&sb, c->n ? c->max : NAN);
            mirs__sb_puts(&sb, ",[");
            const uint64_t *hh = a->hist + ((size_t)lab * ncell(a) + i) * (a->bins + 2);
            for (size_t b = 0; b < a->bins + 2; b++)
                mirs__sb_printf(&sb, b ? ",%llu" : "%llu", (unsigned long long)hh[b]);
            mirs__sb_puts(&sb, "]]");
        }
        mirs__sb_puts(&sb, "],\"items\":[");
        for (size_t it = 0; it < a->nitems[lab]; it++) {
            mirs__sb_puts(&sb, it ? ",\n[" : "\n[");
            for (size_t l = 0; l <= a->L; l++) {
                if (l) mirs__sb_putc(&sb, ',');
                mirs__sb_json_double(&sb, a->smp[lab][it * (a->L + 1) + l]);
            }
            mirs__sb_putc(&sb, ']');
        }
        mirs__sb_puts(&sb, "]}");
    }
    mirs__sb_puts(&sb, "}\n");
    return mirs__sb_to_buf(&sb, out);
}

static bool get_count(const cJSON *j, uint64_t *out)
{
    if (!cJSON_IsNumber(j)) return false;
    double v = j->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v)) return false;
    *out = (uint64_t)v;
    return true;
}

static bool get_double(const cJSON *j, double *out, bool null_ok)
{
    if (null_ok && cJSON_IsNull(j)) {
        *out = NAN;
        return true;
    }
    if (!cJSON_IsNumber(j)) return false;
    *out = j->valuedouble;
    return isfinite(*out);
}

int mirs_entropy_acc_from_json(const char *text, size_t len, mirs_entropy_acc **out)
{
    MIRS_CHECK_ARG(text && out, "text and out must not be NULL");
    cJSON *root = NULL;
    int st = mirs__json_parse(text, len, 6, "entropy state", &root);
    if (st) return st;
    mirs_entropy_acc *a = NULL;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "version");
    uint64_t L, H, B, v;
    double lo, hi;
    if (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, "mirsafety-entropy-acc") != 0) {
        st = mirs__fail(MIRS_E_FORMAT, "entropy state: not a mirsafety-entropy-acc document");
        goto out;
    }
    if (!get_count(ver, &v) || v != 1) {
        st =
            mirs__fail(MIRS_E_VERSION, "entropy state: version %s is not 1", cJSON_IsNumber(ver) ? "other" : "missing");
        goto out;
    }
    if (!get_count(cJSON_GetObjectItemCaseSensitive(root, "layers"), &L) ||
        !get_count(cJSON_GetObjectItemCaseSensitive(root, "heads"), &H) ||
        !get_count(cJSON_GetObjectItemCaseSensitive(root, "bins"), &B) ||
        !get_double(cJSON_GetObjectItemCaseSensitive(root, "lo"), &lo, false) ||
        !get_double(cJSON_GetObjectItemCaseSensitive(root, "hi"), &hi, false)) {
        st = mirs__fail(MIRS_E_SCHEMA, "entropy state: layers, heads, bins, lo and hi are required numbers");
        goto out;
    }
    if (L > MAX_CELLS || H > MAX_CELLS || B > MAX_BINS) {
        st = mirs__fail(MIRS_E_LIMIT, "entropy state: dimensions beyond the limits");
        goto out;
    }
    if ((st = mirs_entropy_acc_new((size_t)L, (size_t)H, (size_t)B, lo, hi, &a))) goto out;
    static const char *names[2] = {"safe", "unsafe"};
    for (int lab = 0; lab < 2; lab++) {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, names[lab]);
        const cJSON *cells = cJSON_GetObjectItemCaseSensitive(g, "cells");
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(g, "items");
        if (!cJSON_IsArray(cells) || !cJSON_IsArray(items) || (size_t)cJSON_GetArraySize(cells) != ncell(a)) {
            st = mirs__fail(MIRS_E_SCHEMA, "entropy state: '%s' needs %zu cells and an items array", names[lab],
                            ncell(a));
            goto out;
        }
        size_t i = 0;
        for (const cJSON *c = cells->child; c; c = c->next, i++) {
            cell *x = &a->cells[(size_t)lab * ncell(a) + i];
            const cJSON *hh = cJSON_GetArrayItem(c, 5);
            double mn, mx;
            if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != 6 || !get_count(c->child, &x->n) ||
                !get_double(cJSON_GetArrayItem(c, 1), &x->mean, false) ||
                !get_double(cJSON_GetArrayItem(c, 2), &x->m2, false) ||
                !get_double(cJSON_GetArrayItem(c, 3), &mn, true) || !get_double(cJSON_GetArrayItem(c, 4), &mx, true) ||
                !cJSON_IsArray(hh) || (size_t)cJSON_GetArraySize(hh) != a->bins + 2 || x->m2 < 0 ||
                (x->n && (isnan(mn) || isnan(mx)))) {
                st = mirs__fail(MIRS_E_SCHEMA, "entropy state: '%s' cell %zu is malformed", names[lab], i);
                goto out;
            }
            x->min = x->n ? mn : INFINITY;
            x->max = x->n ? mx : -INFINITY;
            uint64_t *dst = a->hist + ((size_t)lab * ncell(a) + i) * (a->bins + 2), total = 0;
            size_t b = 0;
            for (const cJSON *e = hh->child; e; e = e->next, b++)
                if (!get_count(e, &dst[b]) || __builtin_add_overflow(total, dst[b], &total)) {
                    st =
                        mirs__fail(MIRS_E_SCHEMA, "entropy state: '%s' cell %zu histogram is malformed", names[lab], i);
                    goto out;
                }
            if (total != x->n) {
                st = mirs__fail(MIRS_E_CORRUPT, "entropy state: '%s' cell %zu histogram total %llu != count %llu",
                                names[lab], i, (unsigned long long)total, (unsigned long long)x->n);
                goto out;
            }
        }
        size_t nit = (size_t)cJSON_GetArraySize(items);
        if (nit > MAX_ITEMS) {
            st = mirs__fail(MIRS_E_LIMIT, "entropy state: more than %zu items", MAX_ITEMS);
            goto out;
        }
        double *row = mirs__malloc((a->L + 1) * sizeof *row);
        if (!row) {
            st = MIRS_E_NO_MEMORY;
            goto out;
        }
        size_t k = 0;
        for (const cJSON *it = items->child; it; it = it->next, k++) {
            bool ok = cJSON_IsArray(it) && (size_t)cJSON_GetArraySize(it) == a->L + 1;
            size_t l = 0;
            for (const cJSON *e = ok ? it->child : NULL; e && ok; e = e->next, l++) ok = get_double(e, &row[l], false);
            if (!ok) {
                free(row);
                st = mirs__fail(MIRS_E_SCHEMA, "entropy state: '%s' item %zu needs %zu finite numbers", names[lab], k,
                                a->L + 1);
                goto out;
            }
            if ((st = push_item(a, lab, row))) {
                free(row);
                goto out;
            }
        }
        free(row);
    }
out:
    cJSON_Delete(root);
    if (st) {
        mirs_entropy_acc_free(a);
        return st;
    }
    *out = a;
    return MIRS_OK;
}

int mirs_entropy_acc_save(const mirs_entropy_acc *a, const char *path)
{
    MIRS_CHECK_ARG(a && path, "acc and path must not be NULL");
    mirs_buf b = {0};
    int st = mirs_entropy_acc_to_json(a, &b);
    if (st) return st;
    st = mirs__write_file_atomic(path, b.data, b.size);
    mirs_buf_free(&b);
    return st;
}

int mirs_entropy_acc_load(const char *path, mirs_entropy_acc **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    char *text = NULL;
    size_t len = 0;
    int st = mirs__read_file(path, MAX_STATE_BYTES, &text, &len);
    if (st) return st;
    st = mirs_entropy_acc_from_json(text, len, out);
    free(text);
    if (st) mirs__error_prefix("%s", path);
    return st;
}

/* ---- group tests ---- */

static int column(const mirs_entropy_acc *a, int lab, size_t col, double **out)
{
    size_t n = a->nitems[lab];
    double *v = mirs__malloc((n ? n : 1) * sizeof *v);
    if (!v) return MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < n; i++) v[i] = a->smp[lab][i * (a->L + 1) + col];
    *out = v;
    return MIRS_OK;
}

static int columns(const mirs_entropy_acc *a, size_t layer, double **s, double **u)
{
    MIRS_CHECK_ARG(a, "acc must not be NULL");
    if (layer != MIRS_ENTROPY_ALL_LAYERS && layer >= a->L)
        return mirs__fail(MIRS_E_RANGE, "entropy accumulator: layer %zu of %zu", layer, a->L);
    if (a->nitems[0] < 2 || a->nitems[1] < 2)
        return mirs__fail(MIRS_E_EMPTY, "entropy accumulator: %zu safe and %zu unsafe items (each group needs 2)",
                          a->nitems[0], a->nitems[1]);
    size_t col = layer == MIRS_ENTROPY_ALL_LAYERS ? a->L : layer;
    int st = column(a, 0, col, s);
    if (st) return st;
    if ((st = column(a, 1, col, u))) free(*s);
    return st;
}

int mirs_entropy_acc_compare(const mirs_entropy_acc *a, size_t layer, uint32_t reps, uint64_t seed,
                             mirs_entropy_group_test *out)
{
    int st = MIRS__STRUCT_OUT_CHECK(mirs_entropy_group_test, out);
    if (st) return st;
    double *s = NULL, *u = NULL;
    st = columns(a, layer, &s, &u);
    if (st) return st;
    size_t ns = a->nitems[0], nu = a->nitems[1];
    mirs_entropy_group_test g;
    memset(&g, 0, sizeof g);
    g.struct_size = sizeof g;
    g.n_safe = ns;
    g.n_unsafe = nu;
    mirs__mean_var(s, ns, &g.mean_safe, &g.var_safe);
    mirs__mean_var(u, nu, &g.mean_unsafe, &g.var_unsafe);
    g.auroc_lo = g.auroc_hi = NAN;
    if ((st = mirs_stats_welch_moments((double)ns, g.mean_safe, g.var_safe, (double)nu, g.mean_unsafe, g.var_unsafe,
                                       &g.welch_t, &g.welch_df, &g.welch_p)))
        goto out;
    if ((st = mirs_stats_mann_whitney(s, ns, u, nu, MIRS_MWU_AUTO, &g.mwu_u, &g.mwu_p))) goto out;
    if ((st = mirs_stats_cohen_d(s, ns, u, nu, &g.cohen_d))) goto out;
    if ((st = mirs_stats_auroc(s, ns, u, nu, &g.auroc))) goto out;
    if (reps && (st = mirs_stats_auroc_bootstrap(s, ns, u, nu, reps, seed, 0.95, &g.auroc_lo, &g.auroc_hi))) goto out;
    mirs__struct_out(out, &g, sizeof g);
out:
    free(s);
    free(u);
    return st;
}

static int cmp_pair(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

int mirs_entropy_acc_threshold(const mirs_entropy_acc *a, size_t layer, int32_t method, double *threshold)
{
    MIRS_CHECK_ARG(threshold, "threshold must not be NULL");
    MIRS_CHECK_ARG(method == MIRS_ENTROPY_THRESHOLD_MIDPOINT || method == MIRS_ENTROPY_THRESHOLD_YOUDEN,
                   "method must be MIRS_ENTROPY_THRESHOLD_MIDPOINT or MIRS_ENTROPY_THRESHOLD_YOUDEN");
    double *s = NULL, *u = NULL;
    int st = columns(a, layer, &s, &u);
    if (st) return st;
    size_t ns = a->nitems[0], nu = a->nitems[1], n = ns + nu;
    double t = NAN;
    if (method == MIRS_ENTROPY_THRESHOLD_MIDPOINT) {
        double ms, mu, v;
        mirs__mean_var(s, ns, &ms, &v);
        mirs__mean_var(u, nu, &mu, &v);
        t = (ms + mu) / 2;
    } else {
        /* pairs (value, is_unsafe) sorted by value; cut between distinct values */
        double *p = mirs__malloc(2 * n * sizeof *p);
        if (!p) {
            st = MIRS_E_NO_MEMORY;
            goto out;
        }
        for (size_t i = 0; i < ns; i++) p[2 * i] = s[i], p[2 * i + 1] = 0;
        for (size_t i = 0; i < nu; i++) p[2 * (ns + i)] = u[i], p[2 * (ns + i) + 1] = 1;
        qsort(p, n, 2 * sizeof *p, cmp_pair);
        double best = -INFINITY;
        size_t below_u = 0, below_s = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[2 * i + 1] != 0)
                below_u++;
            else
                below_s++;
            if (i + 1 < n && p[2 * (i + 1)] == p[2 * i]) continue;
            double j = (double)below_u / (double)nu - (double)below_s / (double)ns;
            if (j > best) {
                best = j;
                t = i + 1 < n ? (p[2 * i] + p[2 * (i + 1)]) / 2 : nextafter(p[2 * i], INFINITY);
            }
        }
        free(p);
    }
    *threshold = t;
out:
    free(s);
    free(u);
    return st;
}
