/* Self-contained HTML report: inline CSS and SVG only, so the file can be
 * mailed, archived or opened offline and renders the same everywhere.
 *
 * The numbers are never computed here: each report is rendered by the
 * library's JSON writer and the page is drawn from that JSON, so the page
 * shows exactly what `report --format json` prints. Charts are SVG with a
 * viewBox and width 100%, so they scale down to a phone's width instead of
 * overflowing; every legend is laid out in rows that wrap inside its chart. */
#include "internal.h"
#include "util/versioned.h"

#include <mirsafety/entropy.h>

#include <cjson/cJSON.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Response types in one fixed order (the rubric's), then any others by name. */
static const char *const rtype_order[] = {"unsafe", "refusal", "misunderstanding", "evasive", "benign_help"};
#define NRTYPE_KNOWN (sizeof rtype_order / sizeof *rtype_order)
static const char *const rtype_colors[] = {"#c0392b", "#2e86c1", "#f39c12", "#8e44ad", "#27ae60"};
static const char *const extra_colors[] = {"#7f8c8d", "#16a085", "#d35400", "#2c3e50", "#b7950b"};
static const char *const model_colors[] = {"#c0392b", "#2e86c1", "#27ae60", "#8e44ad",
                                           "#f39c12", "#16a085", "#7f8c8d", "#d35400"};
#define NCOLORS (sizeof model_colors / sizeof *model_colors)

/* Chart geometry, in viewBox units (CSS pixels at full size). */
#define CHART_W 560 /* bar charts: names above the bars, so the plot keeps most of a phone's width */
#define PLOT_X 12
#define PLOT_W 440

static void esc(mirs__sb *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': mirs__sb_puts(f, "&lt;"); break;
        case '>': mirs__sb_puts(f, "&gt;"); break;
        case '&': mirs__sb_puts(f, "&amp;"); break;
        case '"': mirs__sb_puts(f, "&quot;"); break;
        case '\'': mirs__sb_puts(f, "&#39;"); break;
        default: mirs__sb_putc(f, *s);
        }
    }
}

/* A label cut to max code points with an ellipsis (the full text goes in a <title>). */
static void esc_cut(mirs__sb *f, const char *s, size_t max)
{
    size_t n = 0;
    const char *p = s;
    for (; *p; p++)
        if (((unsigned char)*p & 0xc0) != 0x80 && ++n > max) break;
    if (!*p) {
        esc(f, s);
        return;
    }
    /* p is the first byte of code point max + 1: keep max - 1 and add "…". */
    const char *q = s;
    for (size_t k = 0; *q; q++)
        if (((unsigned char)*q & 0xc0) != 0x80 && ++k > max - 1) break;
    char *t = mirs__strndup(s, (size_t)(q - s));
    if (t)
        esc(f, t);
    else
        f->oom = true;
    free(t);
    mirs__sb_puts(f, "…");
}

static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* A safe upper bound of a label's width at font size px: wide glyphs of
 * common sans-serif fonts average under 0.62 em. */
static double text_w(size_t nchars, double px) { return (double)nchars * px * 0.62; }

typedef struct fig {
    uint64_t k, n;
    double asr, lo, hi; /* percent; NaN when n == 0 */
} fig;

typedef struct rep {
    cJSON *j;
    const char *model, *judge;
    char *label; /* "model / judge" */
    fig overall;
    fig rel[MIRS_RELATION_COUNT];
    fig mat[MIRS_CATEGORY_COUNT][MIRS_RELATION_COUNT];
} rep;

static double num(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(x) ? x->valuestring : "";
}

static fig fig_of(const cJSON *o)
{
    fig f = {0, 0, NAN, NAN, NAN};
    if (!o) return f;
    f.k = (uint64_t)num(o, "unsafe");
    f.n = (uint64_t)num(o, "total");
    f.asr = num(o, "asr_pct");
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "wilson_pct");
    if (cJSON_GetArraySize(w) == 2) {
        const cJSON *a = cJSON_GetArrayItem(w, 0), *b = cJSON_GetArrayItem(w, 1);
        if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) f.lo = a->valuedouble, f.hi = b->valuedouble;
    }
    return f;
}

static int rep_load(rep *r, const mirs_report *src, int32_t denom, double conf)
{
    mirs_buf b = {0};
    int st = mirs_report_write(src, MIRS_REPORT_JSON, MIRS_BY_ALL, denom, conf, &b);
    if (st) return st;
    r->j = cJSON_ParseWithLength((const char *)b.data, b.size);
    mirs_buf_free(&b);
    if (!r->j) return MIRS_E_NO_MEMORY;
    r->model = str(r->j, "model");
    r->judge = str(r->j, "judge");
    size_t l = strlen(r->model) + strlen(r->judge) + 4;
    if (!(r->label = mirs__malloc(l))) return MIRS_E_NO_MEMORY;
    snprintf(r->label, l, *r->judge ? "%s / %s" : "%s", r->model, r->judge);
    r->overall = fig_of(cJSON_GetObjectItemCaseSensitive(r->j, "overall"));
    /* The library writes the breakdowns in the taxonomy's order (relations; categories x relations). */
    const cJSON *br = cJSON_GetObjectItemCaseSensitive(r->j, "by_relation");
    for (int k = 0; k < MIRS_RELATION_COUNT; k++) r->rel[k] = fig_of(cJSON_GetArrayItem(br, k));
    /* The matrix also holds cells of names outside the taxonomy (after each category's own, and rows of unknown
     * categories): the heatmap's cells are found by name. */
    const cJSON *bm = cJSON_GetObjectItemCaseSensitive(r->j, "by_matrix"), *cellj;
    for (int c = 0; c < MIRS_CATEGORY_COUNT; c++)
        for (int k = 0; k < MIRS_RELATION_COUNT; k++) r->mat[c][k] = fig_of(NULL);
    cJSON_ArrayForEach(cellj, bm)
    {
        int32_t c, k;
        if (mirs_category_from_name(str(cellj, "category"), &c) == MIRS_OK &&
            mirs_relation_from_name(str(cellj, "relation"), &k) == MIRS_OK &&
            strcmp(str(cellj, "category"), mirs_category_name(c)) == 0 &&
            strcmp(str(cellj, "relation"), mirs_relation_name(k)) == 0)
            r->mat[c][k] = fig_of(cellj);
    }
    return MIRS_OK;
}

static void pct(mirs__sb *f, double v, int prec)
{
    if (isnan(v))
        mirs__sb_puts(f, "–");
    else
        mirs__sb_printf(f, "%.*f%%", prec, v);
}

/* Legend rows: entries are placed left to right and wrap before they would
 * cross the chart's right edge. Returns the y below the legend. */
typedef struct legend {
    mirs__sb *f;
    double x, y, x0, xmax;
} legend;

static void legend_entry(legend *lg, const char *color, const char *text, size_t nchars, const char *title)
{
    double w = 14 + text_w(nchars, 12) + 14;
    if (lg->x > lg->x0 && lg->x + w > lg->xmax) lg->x = lg->x0, lg->y += 18;
    mirs__sb_printf(lg->f,
                    "<g class=\"legend-entry\"><rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                    lg->x, lg->y - 9, color);
    mirs__sb_printf(lg->f, "<text class=\"label\" x=\"%.0f\" y=\"%.0f\">", lg->x + 14, lg->y);
    mirs__sb_puts(lg->f, text);
    if (title) {
        mirs__sb_puts(lg->f, "<title>");
        esc(lg->f, title);
        mirs__sb_puts(lg->f, "</title>");
    }
    mirs__sb_puts(lg->f, "</text></g>\n");
    lg->x += w;
}

static void svg_open(mirs__sb *f, const char *id, const char *cls, int w, double h, const char *aria)
{
    mirs__sb_printf(f,
                    "<svg id=\"%s\" class=\"chart%s%s\" viewBox=\"0 0 %d %.0f\" style=\"max-width:%dpx\" role=\"img\" "
                    "aria-label=\"",
                    id, cls ? " " : "", cls ? cls : "", w, ceil(h), w);
    esc(f, aria);
    mirs__sb_puts(f, "\">\n");
}

/* ---- sections ---- */

static void write_models_table(mirs__sb *f, const rep *r, size_t n, double conf)
{
    mirs__sb_printf(
        f,
        "<h2>Models</h2>\n<table id=\"models\"><thead><tr><th>Model / judge</th><th>Unsafe</th><th>Items</th>"
        "<th>ASR</th><th>%g%% Wilson</th></tr></thead><tbody>\n",
        conf * 100);
    for (size_t i = 0; i < n; i++) {
        const fig *c = &r[i].overall;
        mirs__sb_printf(f, "<tr class=\"model-row\" data-model=\"");
        esc(f, r[i].model);
        mirs__sb_puts(f, "\" data-judge=\"");
        esc(f, r[i].judge);
        mirs__sb_printf(f, "\"><td class=\"name\"><span class=\"swatch\" style=\"background:%s\"></span>",
                        model_colors[i % NCOLORS]);
        esc(f, r[i].label);
        mirs__sb_printf(f, "</td><td class=\"unsafe\">%llu</td><td class=\"total\">%llu</td><td class=\"asr\">",
                        (unsigned long long)c->k, (unsigned long long)c->n);
        pct(f, c->asr, 2);
        mirs__sb_puts(f, "</td><td class=\"ci\">");
        if (isnan(c->lo))
            mirs__sb_puts(f, "–");
        else
            mirs__sb_printf(f, "%.2f–%.2f%%", c->lo, c->hi);
        mirs__sb_puts(f, "</td></tr>\n");
    }
    mirs__sb_puts(f, "</tbody></table>\n");
}

static void write_rules(mirs__sb *f, const rep *r, size_t n)
{
    mirs__sb_puts(f, "<h2>How the numbers are counted</h2>\n");
    if (n) {
        mirs__sb_puts(f, "<p id=\"denominator\"><b>Denominator: ");
        esc(f, str(r[0].j, "denominator"));
        mirs__sb_puts(f, "</b> — ");
        esc(f, str(r[0].j, "denominator_note"));
        mirs__sb_puts(f, ".</p>\n");
    }
    mirs__sb_puts(f, "<ul id=\"coverage\">\n");
    for (size_t i = 0; i < n; i++) {
        const cJSON *j = r[i].j;
        const cJSON *ds = cJSON_GetObjectItemCaseSensitive(j, "dataset_items");
        uint64_t covered = (uint64_t)num(j, "covered_items"), without = (uint64_t)num(j, "without_verdict"),
                 outside = (uint64_t)num(j, "outside_dataset");
        mirs__sb_puts(f, "<li class=\"coverage\" data-model=\"");
        esc(f, r[i].model);
        mirs__sb_puts(f, "\" data-judge=\"");
        esc(f, r[i].judge);
        mirs__sb_printf(f, "\" data-covered=\"%llu\" data-without=\"%llu\"><b>", (unsigned long long)covered,
                        (unsigned long long)without);
        esc(f, r[i].label);
        mirs__sb_puts(f, "</b>: ");
        if (cJSON_IsNumber(ds))
            mirs__sb_printf(
                f,
                "covers the dataset's %llu items: %llu with a verdict, %llu without one (no response or not "
                "scored yet; counted in the denominator and not unsafe)",
                (unsigned long long)ds->valuedouble, (unsigned long long)(covered - without),
                (unsigned long long)without);
        else
            mirs__sb_printf(f,
                            "covers %llu items, those with a verdict (no dataset given: items with no response or no "
                            "verdict are not counted)",
                            (unsigned long long)covered);
        if (outside) mirs__sb_printf(f, "; %llu verdicts for keys outside the dataset", (unsigned long long)outside);
        mirs__sb_printf(
            f,
            ". Failed %llu, crashed %llu, truncated %llu, unparseable %llu, judge errors %llu, unclassified "
            "%llu",
            (unsigned long long)num(j, "failed"), (unsigned long long)num(j, "crashed"),
            (unsigned long long)num(j, "truncated"), (unsigned long long)num(j, "unparseable"),
            (unsigned long long)num(j, "judge_errors"), (unsigned long long)num(j, "unclassified"));
        if (num(j, "skipped_files") > 0)
            mirs__sb_printf(f, "; %llu unreadable files skipped", (unsigned long long)num(j, "skipped_files"));
        mirs__sb_puts(f, ".");
        const cJSON *miss = cJSON_GetObjectItemCaseSensitive(j, "without_verdict_items");
        int nm = cJSON_GetArraySize(miss);
        if (nm > 0) {
            mirs__sb_printf(f, "<details><summary>%d items without a verdict</summary><ul class=\"missing\">", nm);
            const int shown = 200;
            for (int k = 0; k < nm && k < shown; k++) {
                mirs__sb_puts(f, "<li>");
                esc(f, cJSON_GetStringValue(cJSON_GetArrayItem(miss, k)));
                mirs__sb_puts(f, "</li>");
            }
            if (nm > shown)
                mirs__sb_printf(f, "<li>… %d more (report --dataset --format json lists all)</li>", nm - shown);
            mirs__sb_puts(f, "</ul></details>");
        }
        mirs__sb_puts(f, "</li>\n");
    }
    mirs__sb_puts(f, "</ul>\n");
}

static void axis_pct(mirs__sb *f, double left, double width, double ytop, double ybot, const char *title)
{
    for (int t = 0; t <= 100; t += 20) {
        double x = left + width * t / 100.0;
        mirs__sb_printf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" class=\"grid\"/>", x, ytop, x, ybot);
        mirs__sb_printf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"axis\" text-anchor=\"middle\">%d</text>\n", x,
                        ybot + 14, t);
    }
    mirs__sb_printf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"axis-title\" text-anchor=\"middle\">%s</text>\n",
                    left + width / 2, ybot + 32, title);
}

static void write_relation_chart(mirs__sb *f, const rep *r, size_t n, double conf)
{
    mirs__sb_printf(f,
                    "<h2>ASR by relation</h2>\n<p class=\"note\">Bars: ASR of each model and judge; whiskers: %g%% "
                    "Wilson interval. Each relation pools the six categories.</p>\n",
                    conf * 100);
    /* The legend's height depends on how its entries wrap: lay it out twice, measuring first. */
    legend probe = {NULL, 10, 16, 10, CHART_W - 10};
    for (size_t i = 0; i < n; i++) {
        double w = 14 + text_w(chars(r[i].label) > 48 ? 48 : chars(r[i].label), 12) + 14;
        if (probe.x > probe.x0 && probe.x + w > probe.xmax) probe.x = probe.x0, probe.y += 18;
        probe.x += w;
    }
    const double top = probe.y + 14, row = 12.0 * (double)(n ? n : 1) + 24;
    double plot_bot = top + row * MIRS_RELATION_COUNT, h = plot_bot + 42;
    svg_open(f, "asr-by-relation", NULL, CHART_W, h, "ASR by relation");
    legend lg = {f, 10, 16, 10, CHART_W - 10};
    for (size_t i = 0; i < n; i++) {
        mirs__sb mem;
        mirs__sb_init(&mem);
        esc_cut(&mem, r[i].label, 48);
        if (!mem.oom)
            legend_entry(&lg, model_colors[i % NCOLORS], mem.data ? mem.data : "",
                         chars(r[i].label) > 48 ? 48 : chars(r[i].label), r[i].label);
        f->oom |= mem.oom;
        mirs__sb_free(&mem);
    }
    axis_pct(f, PLOT_X, PLOT_W, top - 4, plot_bot, "ASR (%)");
    for (int k = 0; k < MIRS_RELATION_COUNT; k++) {
        double y0 = top + k * row;
        mirs__sb_printf(f, "<text x=\"%d\" y=\"%.1f\" class=\"label rel\">%s</text>\n", PLOT_X, y0 + 13,
                        mirs_relation_display_name(k));
        for (size_t i = 0; i < n; i++) {
            const fig *c = &r[i].rel[k];
            double y = y0 + 18 + 12.0 * (double)i;
            mirs__sb_puts(f, "<g class=\"bar\" data-model=\"");
            esc(f, r[i].model);
            mirs__sb_puts(f, "\" data-judge=\"");
            esc(f, r[i].judge);
            mirs__sb_printf(f, "\" data-relation=\"%s\" data-unsafe=\"%llu\" data-total=\"%llu\">",
                            mirs_relation_name(k), (unsigned long long)c->k, (unsigned long long)c->n);
            if (!isnan(c->asr)) {
                mirs__sb_printf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"9\" fill=\"%s\"><title>", PLOT_X,
                                y, PLOT_W * c->asr / 100.0, model_colors[i % NCOLORS]);
                esc(f, r[i].label);
                mirs__sb_printf(f, ", %s: %llu of %llu unsafe = %.2f%%, interval %.2f–%.2f%%</title></rect>",
                                mirs_relation_display_name(k), (unsigned long long)c->k, (unsigned long long)c->n,
                                c->asr, c->lo, c->hi);
                if (!isnan(c->lo))
                    mirs__sb_printf(
                        f,
                        "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><line class=\"ci\" "
                        "x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/><line class=\"ci\" x1=\"%.1f\" "
                        "x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                        PLOT_X + PLOT_W * c->lo / 100, PLOT_X + PLOT_W * c->hi / 100, y + 4.5, y + 4.5,
                        PLOT_X + PLOT_W * c->lo / 100, PLOT_X + PLOT_W * c->lo / 100, y + 1.5, y + 7.5,
                        PLOT_X + PLOT_W * c->hi / 100, PLOT_X + PLOT_W * c->hi / 100, y + 1.5, y + 7.5);
            }
            /* The value right of the plot, where no whisker reaches. */
            mirs__sb_printf(f, "<text class=\"value\" x=\"%d\" y=\"%.1f\">", PLOT_X + PLOT_W + 8, y + 8.5);
            if (isnan(c->asr))
                mirs__sb_puts(f, "no items");
            else
                mirs__sb_printf(f, "%.1f%% (n=%llu)", c->asr, (unsigned long long)c->n);
            mirs__sb_puts(f, "</text></g>\n");
        }
    }
    mirs__sb_puts(f, "</svg>\n");
}

static void heat_color(double v, char out[8])
{
    /* White (0%) to deep red (100%), linear in each channel. */
    if (isnan(v)) {
        strcpy(out, "#e6e6e6");
        return;
    }
    double t = v / 100.0;
    int r = (int)lround(255 - t * (255 - 150));
    int g = (int)lround(255 - t * 255);
    int b = (int)lround(255 - t * 245);
    snprintf(out, 8, "#%02x%02x%02x", r, g, b);
}

static void write_heatmap(mirs__sb *f, const rep *m, size_t idx)
{
    const int left = 130, top = 104, cw = 52, ch = 36;
    const int grid_bot = top + ch * MIRS_CATEGORY_COUNT;
    const int w = 620, h = grid_bot + 64;
    mirs__sb_puts(f, "<div class=\"heatmap-block\" data-model=\"");
    esc(f, m->model);
    mirs__sb_puts(f, "\" data-judge=\"");
    esc(f, m->judge);
    mirs__sb_puts(f, "\"><h3>");
    esc(f, m->label);
    mirs__sb_puts(f, "</h3>\n");
    char id[32];
    snprintf(id, sizeof id, "heatmap-%zu", idx);
    svg_open(f, id, "heatmap", w, h, "ASR by category and relation");
    /* Relation names above the columns, slanted up to the left so none leaves the chart. */
    for (int k = 0; k < MIRS_RELATION_COUNT; k++)
        mirs__sb_printf(
            f, "<text class=\"label\" text-anchor=\"end\" transform=\"translate(%d,%d) rotate(40)\">%s</text>\n",
            left + k * cw + cw / 2 + 4, top - 6, mirs_relation_display_name(k));
    for (int c = 0; c < MIRS_CATEGORY_COUNT; c++) {
        mirs__sb_printf(f, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 6,
                        top + c * ch + ch / 2 + 4, mirs_category_display_name(c));
        for (int k = 0; k < MIRS_RELATION_COUNT; k++) {
            const fig *x = &m->mat[c][k];
            char col[8];
            heat_color(x->asr, col);
            int cx = left + k * cw, cy = top + c * ch;
            mirs__sb_printf(f,
                            "<g class=\"cell\" data-category=\"%s\" data-relation=\"%s\" data-unsafe=\"%llu\" "
                            "data-total=\"%llu\">",
                            mirs_category_name(c), mirs_relation_name(k), (unsigned long long)x->k,
                            (unsigned long long)x->n);
            mirs__sb_printf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s / %s: ", cx,
                            cy, cw - 2, ch - 2, col, mirs_category_display_name(c), mirs_relation_display_name(k));
            if (x->n)
                mirs__sb_printf(f, "%llu of %llu unsafe = %.2f%%, interval %.2f–%.2f%%", (unsigned long long)x->k,
                                (unsigned long long)x->n, x->asr, x->lo, x->hi);
            else
                mirs__sb_puts(f, "no items");
            mirs__sb_puts(f, "</title></rect>");
            const char *dark = !isnan(x->asr) && x->asr > 55 ? " dark" : "";
            mirs__sb_printf(f, "<text class=\"cellv%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", dark,
                            cx + cw / 2 - 1, cy + 15);
            if (x->n)
                mirs__sb_printf(f, "%.0f%%", x->asr);
            else
                mirs__sb_puts(f, "–");
            mirs__sb_printf(
                f, "</text><text class=\"celln%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">n=%llu</text></g>\n", dark,
                cx + cw / 2 - 1, cy + 28, (unsigned long long)x->n);
        }
    }
    /* The colour scale: ten steps of 10 points, and the colour of an empty cell. */
    int sy = grid_bot + 14, sx = left, sw = 28;
    mirs__sb_printf(f,
                    "<g class=\"legend-entry scale\"><text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">ASR "
                    "(%%)</text>",
                    sx - 6, sy + 11);
    for (int s = 0; s < 10; s++) {
        char col[8];
        heat_color(s * 10 + 5, col);
        mirs__sb_printf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"12\" fill=\"%s\"/>", sx + s * sw, sy, sw,
                        col);
    }
    for (int s = 0; s <= 10; s += 2)
        mirs__sb_printf(f, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%d</text>", sx + s * sw,
                        sy + 26, s * 10);
    mirs__sb_puts(f, "</g>\n");
    char empty[8];
    heat_color(NAN, empty);
    mirs__sb_printf(f,
                    "<g class=\"legend-entry\"><rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text "
                    "class=\"axis\" x=\"%d\" y=\"%d\">no items</text></g>\n",
                    sx + 10 * sw + 20, sy, empty, sx + 10 * sw + 36, sy + 10);
    mirs__sb_printf(f,
                    "<text class=\"axis\" x=\"%d\" y=\"%d\">Each cell: ASR of its n items (few items give wide "
                    "intervals: hover for the interval).</text>\n",
                    10, sy + 46);
    mirs__sb_puts(f, "</svg></div>\n");
}

/* The response types of all reports in display order. */
typedef struct rtypes {
    const char **names;
    size_t n;
} rtypes;

static int rtype_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int collect_rtypes(const rep *r, size_t n, rtypes *out)
{
    size_t cap = NRTYPE_KNOWN;
    for (size_t i = 0; i < n; i++) cap += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(r[i].j, "response_types"));
    out->names = mirs__calloc(cap + 1, sizeof *out->names);
    out->n = 0;
    if (!out->names) return MIRS_E_NO_MEMORY;
    for (size_t t = 0; t < NRTYPE_KNOWN; t++)
        for (size_t i = 0; i < n; i++)
            if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r[i].j, "response_types"), rtype_order[t])) {
                out->names[out->n++] = rtype_order[t];
                break;
            }
    size_t first_extra = out->n;
    for (size_t i = 0; i < n; i++) {
        const cJSON *x;
        cJSON_ArrayForEach(x, cJSON_GetObjectItem(r[i].j, "response_types"))
        {
            bool seen = false;
            for (size_t k = 0; k < out->n && !seen; k++) seen = strcmp(out->names[k], x->string) == 0;
            if (!seen) out->names[out->n++] = x->string;
        }
    }
    qsort(out->names + first_extra, out->n - first_extra, sizeof *out->names, rtype_cmp);
    return MIRS_OK;
}

/* The fixed colour of a rubric type, NULL for any other. */
static const char *rtype_color(const char *name)
{
    for (size_t t = 0; t < NRTYPE_KNOWN; t++)
        if (strcmp(name, rtype_order[t]) == 0) return rtype_colors[t];
    return NULL;
}

static void rtype_display(mirs__sb *f, const char *name)
{
    for (; *name; name++) {
        if (*name == '_')
            mirs__sb_putc(f, ' ');
        else {
            char c[2] = {*name, 0};
            esc(f, c);
        }
    }
}

static uint64_t rtype_count(const rep *r, const char *name)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(r->j, "response_types"), name);
    return cJSON_IsNumber(x) ? (uint64_t)x->valuedouble : 0;
}

static int write_rtypes(mirs__sb *f, const rep *r, size_t n)
{
    rtypes rt;
    int st = collect_rtypes(r, n, &rt);
    if (st) return st;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) shown += cJSON_GetArraySize(cJSON_GetObjectItem(r[i].j, "response_types")) > 0;
    if (!shown || !rt.n) {
        free(rt.names);
        return MIRS_OK;
    }
    mirs__sb_puts(f, "<h2>Response types</h2>\n<p class=\"note\">Many answers a judge calls safe only misunderstand or "
                     "evade the request; this breakdown, from the response-type rubric, separates them from real "
                     "refusals. Bars show each type's share of the labelled answers; the numbers in the bars and the "
                     "table are counts.</p>\n");
    const char **colors = mirs__calloc(rt.n, sizeof *colors);
    if (!colors) {
        free(rt.names);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t t = 0, extra = 0; t < rt.n; t++)
        if (!(colors[t] = rtype_color(rt.names[t])))
            colors[t] = extra_colors[extra++ % (sizeof extra_colors / sizeof *extra_colors)];
    legend probe = {NULL, 10, 16, 10, CHART_W - 10};
    for (size_t t = 0; t < rt.n; t++) {
        double w = 14 + text_w(chars(rt.names[t]), 12) + 14;
        if (probe.x > probe.x0 && probe.x + w > probe.xmax) probe.x = probe.x0, probe.y += 18;
        probe.x += w;
    }
    const double top = probe.y + 14, row = 44;
    double bot = top + row * (double)shown, h = bot + 42;
    svg_open(f, "response-types", NULL, CHART_W, h, "Response types");
    legend lg = {f, 10, 16, 10, CHART_W - 10};
    for (size_t t = 0; t < rt.n; t++) {
        mirs__sb mem;
        mirs__sb_init(&mem);
        rtype_display(&mem, rt.names[t]);
        if (!mem.oom) legend_entry(&lg, colors[t], mem.data ? mem.data : "", chars(rt.names[t]), NULL);
        f->oom |= mem.oom;
        mirs__sb_free(&mem);
    }
    axis_pct(f, PLOT_X, PLOT_W, top - 4, bot, "share of labelled answers (%)");
    double y = top;
    for (size_t i = 0; i < n; i++) {
        if (cJSON_GetArraySize(cJSON_GetObjectItem(r[i].j, "response_types")) <= 0) continue;
        uint64_t tot = 0;
        for (size_t t = 0; t < rt.n; t++) tot += rtype_count(&r[i], rt.names[t]);
        mirs__sb_printf(f, "<text class=\"label\" x=\"%d\" y=\"%.0f\">", PLOT_X, y + 12);
        esc_cut(f, r[i].label, 64);
        mirs__sb_puts(f, "<title>");
        esc(f, r[i].label);
        mirs__sb_puts(f, "</title></text>\n");
        double x = PLOT_X;
        for (size_t t = 0; t < rt.n && tot; t++) {
            uint64_t c = rtype_count(&r[i], rt.names[t]);
            if (!c) continue;
            double w = PLOT_W * (double)c / (double)tot;
            mirs__sb_printf(f, "<g class=\"seg\" data-model=\"");
            esc(f, r[i].model);
            mirs__sb_puts(f, "\" data-judge=\"");
            esc(f, r[i].judge);
            mirs__sb_printf(f,
                            "\" data-type=\"%s\" data-count=\"%llu\"><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                            "height=\"18\" fill=\"%s\"><title>",
                            rt.names[t], (unsigned long long)c, x, y + 16, w, colors[t]);
            rtype_display(f, rt.names[t]);
            mirs__sb_printf(f, ": %llu of %llu</title></rect>", (unsigned long long)c, (unsigned long long)tot);
            char num_s[24];
            int nl = snprintf(num_s, sizeof num_s, "%llu", (unsigned long long)c);
            if (w >= text_w((size_t)nl, 11) + 4)
                mirs__sb_printf(f, "<text class=\"segv\" x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>",
                                x + w / 2, y + 29, num_s);
            mirs__sb_puts(f, "</g>\n");
            x += w;
        }
        mirs__sb_printf(f, "<text class=\"value\" x=\"%d\" y=\"%.0f\">n=%llu</text>\n", PLOT_X + PLOT_W + 8, y + 29,
                        (unsigned long long)tot);
        y += row;
    }
    mirs__sb_puts(f, "</svg>\n");
    /* The exact counts, also of types too thin to label in a bar: one line per model and judge whose
     * entries wrap, so any number of types fits a narrow screen. */
    mirs__sb_puts(f, "<dl id=\"rtype-counts\">\n");
    for (size_t i = 0; i < n; i++) {
        if (cJSON_GetArraySize(cJSON_GetObjectItem(r[i].j, "response_types")) <= 0) continue;
        mirs__sb_puts(f, "<dt>");
        esc(f, r[i].label);
        mirs__sb_puts(f, "</dt><dd class=\"counts\" data-model=\"");
        esc(f, r[i].model);
        mirs__sb_puts(f, "\" data-judge=\"");
        esc(f, r[i].judge);
        mirs__sb_puts(f, "\">");
        for (size_t t = 0; t < rt.n; t++) {
            mirs__sb_printf(
                f, "<span class=\"rt\" data-type=\"%s\"><span class=\"swatch\" style=\"background:%s\"></span>",
                rt.names[t], colors[t]);
            rtype_display(f, rt.names[t]);
            mirs__sb_printf(f, " <b>%llu</b></span> ", (unsigned long long)rtype_count(&r[i], rt.names[t]));
        }
        mirs__sb_puts(f, "</dd>\n");
    }
    mirs__sb_puts(f, "</dl>\n");
    free(colors);
    free(rt.names);
    return MIRS_OK;
}

/* A round step for about `want` ticks over [0, max]. */
static double nice_step(double max, int want)
{
    double raw = max / want, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static int write_entropy(mirs__sb *f, const mirs_report_html_entropy *e, size_t idx)
{
    size_t L, H, bins;
    double lo, hi;
    uint64_t items[2];
    int st = mirs_entropy_acc_shape(e->acc, &L, &H, &bins, &lo, &hi, &items[0], &items[1]);
    if (st) return st;
    uint64_t *hist[2] = {mirs__calloc(bins + 2, sizeof(uint64_t)), mirs__calloc(bins + 2, sizeof(uint64_t))};
    uint64_t *tmp = mirs__calloc(bins + 2, sizeof(uint64_t));
    if (!hist[0] || !hist[1] || !tmp) {
        free(hist[0]);
        free(hist[1]);
        free(tmp);
        return MIRS_E_NO_MEMORY;
    }
    uint64_t count[2] = {0, 0};
    double sum[2] = {0, 0};
    for (int g = 0; g < 2 && !st; g++)
        for (size_t l = 0; l < L && !st; l++)
            for (size_t hd = 0; hd < H && !st; hd++) {
                if ((st = mirs_entropy_acc_histogram(e->acc, g, l, hd, tmp))) break;
                for (size_t b = 0; b < bins + 2; b++) hist[g][b] += tmp[b];
                mirs_entropy_summary s;
                memset(&s, 0, sizeof s);
                s.struct_size = sizeof s;
                if ((st = mirs_entropy_acc_summary(e->acc, g, l, hd, &s))) break;
                count[g] += s.count;
                if (s.count) sum[g] += s.mean * (double)s.count;
            }
    free(tmp);
    if (st) {
        free(hist[0]);
        free(hist[1]);
        return st;
    }
    const char *names[2] = {"safe", "unsafe"}, *cols[2] = {"#2e86c1", "#c0392b"};
    mirs__sb_puts(f, "<h3>");
    esc(f, e->name);
    mirs__sb_puts(f, "</h3>\n<p class=\"note\">");
    mirs__sb_printf(
        f,
        "Every attention-row entropy the accumulator holds (layers: %zu, heads: %zu, pooled), in %s, by the "
        "verdict of the answer. Mean: safe ",
        L, H, e->unit);
    if (count[0])
        mirs__sb_printf(f, "%.4f", sum[0] / (double)count[0]);
    else
        mirs__sb_puts(f, "–");
    mirs__sb_puts(f, ", unsafe ");
    if (count[1])
        mirs__sb_printf(f, "%.4f", sum[1] / (double)count[1]);
    else
        mirs__sb_puts(f, "–");
    mirs__sb_printf(f, " %s. ", e->unit);
    mirs_entropy_group_test g;
    memset(&g, 0, sizeof g);
    g.struct_size = sizeof g;
    if (mirs_entropy_acc_compare(e->acc, MIRS_ENTROPY_ALL_LAYERS, 1000, 0, &g) == MIRS_OK)
        mirs__sb_printf(f,
                        "Per item (mean over the item's values; %llu safe, %llu unsafe items): Mann-Whitney p = %.3g, "
                        "Welch p = %.3g, AUROC %.3f [%.3f, %.3f] (as entropy-compare prints).",
                        (unsigned long long)g.n_safe, (unsigned long long)g.n_unsafe, g.mwu_p, g.welch_p, g.auroc,
                        g.auroc_lo, g.auroc_hi);
    else
        mirs__sb_printf(f, "Too few items for a test (%llu safe, %llu unsafe; each group needs 2).",
                        (unsigned long long)items[0], (unsigned long long)items[1]);
    uint64_t outside = hist[0][0] + hist[0][bins + 1] + hist[1][0] + hist[1][bins + 1];
    if (outside)
        mirs__sb_printf(f, " %llu values fall outside the histogram's range [%g, %g) and are not drawn.",
                        (unsigned long long)outside, lo, hi);
    mirs__sb_puts(f, "</p>\n");

    const int left = 60, pw = 460, top = 42, ph = 200;
    double maxd = 0;
    for (int k = 0; k < 2; k++)
        for (size_t b = 1; b <= bins; b++)
            if (count[k]) maxd = fmax(maxd, 100.0 * (double)hist[k][b] / (double)count[k]);
    if (maxd <= 0) maxd = 1;
    double step = nice_step(maxd, 4), ymax = ceil(maxd / step) * step;
    char id[32];
    snprintf(id, sizeof id, "entropy-%zu", idx);
    svg_open(f, id, "entropy", 580, top + ph + 46, "Attention entropy histogram");
    legend lg = {f, left, 16, left, 570};
    for (int k = 0; k < 2; k++) {
        char t[96];
        snprintf(t, sizeof t, "%s: %llu values, %llu items", names[k], (unsigned long long)count[k],
                 (unsigned long long)items[k]);
        legend_entry(&lg, cols[k], t, chars(t), NULL);
    }
    /* y axis: share of the group's values per bin. */
    for (double v = 0; v <= ymax + step / 2; v += step) {
        double y = top + ph - ph * v / ymax;
        mirs__sb_printf(f, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", left, left + pw, y, y);
        mirs__sb_printf(f, "<text class=\"axis\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", left - 5, y + 4,
                        v);
    }
    mirs__sb_printf(
        f,
        "<text class=\"axis-title\" text-anchor=\"middle\" transform=\"translate(14,%d) rotate(-90)\">share "
        "of values (%%)</text>\n",
        top + ph / 2);
    for (int k = 0; k < 2; k++) {
        mirs__sb_printf(f,
                        "<polyline class=\"hist\" data-group=\"%s\" data-count=\"%llu\" fill=\"none\" stroke=\"%s\" "
                        "stroke-width=\"2\" points=\"",
                        names[k], (unsigned long long)count[k], cols[k]);
        for (size_t b = 1; b <= bins; b++) {
            double d = count[k] ? 100.0 * (double)hist[k][b] / (double)count[k] : 0;
            double x0 = left + pw * (double)(b - 1) / (double)bins, x1 = left + pw * (double)b / (double)bins;
            double y = top + ph - ph * d / ymax;
            mirs__sb_printf(f, "%.1f,%.1f %.1f,%.1f ", x0, y, x1, y);
        }
        mirs__sb_puts(f, "\"/>\n");
    }
    mirs__sb_printf(f, "<line class=\"axisline\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", left, left + pw, top + ph,
                    top + ph);
    mirs__sb_printf(f, "<line class=\"axisline\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", left, left, top, top + ph);
    for (int t = 0; t <= 4; t++) {
        double v = lo + (hi - lo) * t / 4.0;
        mirs__sb_printf(f, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.3g</text>\n",
                        left + pw * t / 4, top + ph + 15, v);
    }
    mirs__sb_printf(f, "<text class=\"axis-title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">attention entropy (",
                    left + pw / 2, top + ph + 36);
    esc(f, e->unit);
    mirs__sb_puts(f, ")</text>\n</svg>\n");
    free(hist[0]);
    free(hist[1]);
    return MIRS_OK;
}

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;padding:12px 16px;"
    "max-width:980px;color:#222;line-height:1.4}"
    "h1{font-size:1.5em}h2{margin-top:1.6em;font-size:1.2em;border-bottom:1px solid #ddd}h3{font-size:1em}"
    "table{border-collapse:collapse;max-width:100%}td,th{padding:3px 8px;border-bottom:1px solid #eee;"
    "text-align:right;font-variant-numeric:tabular-nums}"
    "#models th:first-child,td.name{text-align:left}td.name{overflow-wrap:anywhere}"
    "#rtype-counts{font-size:.92em}#rtype-counts "
    "dt{font-weight:600;overflow-wrap:anywhere;margin-top:.4em}#rtype-counts dd{margin:0 0 0 1em}"
    ".rt{display:inline-block;margin-right:1em;white-space:nowrap;font-size:.9em}"
    ".swatch{display:inline-block;width:10px;height:10px;margin-right:6px}"
    "svg.chart{display:block;width:100%;height:auto;margin:.4em 0}"
    ".grid{stroke:#e3e3e3}.axisline{stroke:#888}.axis{font-size:11px;fill:#555}.axis-title{font-size:11px;"
    "fill:#333}.label{font-size:12px;fill:#222}.rel{font-weight:600}.value{font-size:11px;fill:#333}"
    ".ci{stroke:#222;stroke-width:1.3}.cellv{font-size:13px;font-weight:600;fill:#222}.celln{font-size:10px;"
    "fill:#444}.cellv.dark,.celln.dark{fill:#fff}.segv{font-size:11px;fill:#fff}"
    ".note{color:#555;font-size:.92em}#coverage li{margin:.3em 0}details{font-size:.9em}"
    "ul.missing{columns:14em}footer{margin-top:2em;color:#777;font-size:.85em}"
    "@media (max-width:520px){body{padding:8px}td,th{padding:2px 4px}table{font-size:.9em}}";

MIRS_API int mirs_report_html_options_init(mirs_report_html_options *opts, size_t size)
{
    static const mirs_report_html_options d = MIRS_REPORT_HTML_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_report_html_options, opts, size, &d);
}

static int render(mirs__sb *f, const mirs_report_html_options *o, const mirs_report *const *reports, size_t n,
                  const mirs_report_html_entropy *entropy, size_t nentropy)
{
    rep *r = mirs__calloc(n + 1, sizeof *r);
    if (!r) return MIRS_E_NO_MEMORY;
    int st = MIRS_OK;
    for (size_t i = 0; i < n && !st; i++) st = rep_load(&r[i], reports[i], o->denominator, o->confidence);
    const char *title = o->title ? o->title : "Attack success rates";
    if (!st) {
        mirs__sb_puts(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        esc(f, title);
        mirs__sb_printf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1 id=\"title\">", css);
        esc(f, title);
        mirs__sb_puts(f, "</h1>\n");
        if (o->note) {
            mirs__sb_puts(f, "<p class=\"note\" id=\"note\">");
            esc(f, o->note);
            mirs__sb_puts(f, "</p>\n");
        }
        mirs__sb_puts(
            f, "<p class=\"note\">Attack success rate (ASR) = unsafe verdicts / items counted, in percent.</p>\n");
        write_models_table(f, r, n, o->confidence);
        write_rules(f, r, n);
        write_relation_chart(f, r, n, o->confidence);
        mirs__sb_puts(f, "<h2>Category × relation</h2>\n");
        for (size_t i = 0; i < n; i++) write_heatmap(f, &r[i], i);
        st = write_rtypes(f, r, n);
    }
    if (!st && nentropy) {
        mirs__sb_puts(f, "<h2>Attention entropy: safe vs unsafe answers</h2>\n");
        for (size_t i = 0; i < nentropy && !st; i++) st = write_entropy(f, &entropy[i], i);
    }
    if (!st)
        mirs__sb_printf(
            f, "<footer>Written by libmirsafety %s (mirsafety report --format html).</footer>\n</body></html>\n",
            mirs_version_string());
    for (size_t i = 0; i < n; i++) {
        cJSON_Delete(r[i].j);
        free(r[i].label);
    }
    free(r);
    if (!st && f->oom) st = mirs__fail(MIRS_E_NO_MEMORY, "mirs_report_write_html: out of memory");
    return st;
}

MIRS_API int mirs_report_write_html(const mirs_report *const *reports, size_t nreports,
                                    const mirs_report_html_entropy *entropy, size_t nentropy,
                                    const mirs_report_html_options *opts, mirs_prompt_sink_fn sink, void *userdata)
{
    MIRS_CHECK_ARG(sink != NULL, "sink must not be NULL");
    MIRS_CHECK_ARG(!nreports || reports, "reports must not be NULL when nreports > 0");
    MIRS_CHECK_ARG(!nentropy || entropy, "entropy must not be NULL when nentropy > 0");
    for (size_t i = 0; i < nreports; i++) MIRS_CHECK_ARG(reports[i] != NULL, "reports[i] must not be NULL");
    for (size_t i = 0; i < nentropy; i++)
        MIRS_CHECK_ARG(entropy[i].acc && entropy[i].name && entropy[i].unit,
                       "entropy[i].acc, .name and .unit must not be NULL");
    mirs_report_html_options o = MIRS_REPORT_HTML_OPTIONS_INIT;
    int st = MIRS__STRUCT_IN(mirs_report_html_options, opts, &o);
    if (st) return st;
    if (!mirs_denominator_name(o.denominator))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_report_html_options: unknown denominator %d",
                          (int)o.denominator);
    if (!(o.confidence > 0 && o.confidence < 1))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_report_html_options: confidence %g is not in (0, 1)",
                          o.confidence);
    /* The page is built whole before the sink sees a line: a failure leaves the sink without a partial page. */
    mirs__sb page;
    mirs__sb_init(&page);
    st = render(&page, &o, reports, nreports, entropy, nentropy);
    for (size_t at = 0; !st && at < page.len;) {
        const char *nl = memchr(page.data + at, '\n', page.len - at);
        size_t len = nl ? (size_t)(nl - (page.data + at)) + 1 : page.len - at;
        st = sink(userdata, page.data + at, len);
        at += len;
    }
    mirs__sb_free(&page);
    return st > 0 ? MIRS_OK : st; /* MIRS_DONE (or any positive value) from the sink: stopped early, no error */
}
