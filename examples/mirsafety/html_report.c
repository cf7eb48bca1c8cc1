/* Self-contained HTML report: inline CSS and SVG only, so the file can be
 * mailed, archived or opened offline and renders the same everywhere. */
#define _POSIX_C_SOURCE 200809L
#include "html_report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const rtype_names[HTML_RTYPE_COUNT] = {"unsafe", "refusal", "misunderstanding", "evasive",
                                                          "benign help"};
static const char *const rtype_colors[HTML_RTYPE_COUNT] = {"#c0392b", "#2e86c1", "#f39c12", "#8e44ad", "#27ae60"};
static const char *const model_colors[] = {"#c0392b", "#2e86c1", "#27ae60", "#8e44ad",
                                           "#f39c12", "#16a085", "#7f8c8d", "#d35400"};
#define NCOLORS (sizeof model_colors / sizeof *model_colors)

static void esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

typedef struct cell {
    uint64_t k, n;
    double asr, lo, hi; /* percent; NaN when n == 0 */
} cell;

static cell make_cell(uint64_t k, uint64_t n)
{
    cell c = {k, n, NAN, NAN, NAN};
    if (n) {
        c.asr = 100.0 * (double)k / (double)n;
        double lo, hi;
        if (mirs_stats_wilson(k, n, 0.95, &lo, &hi) == MIRS_OK) c.lo = 100 * lo, c.hi = 100 * hi;
    }
    return c;
}

static cell model_relation(const html_model *m, int r)
{
    uint64_t k = 0, n = 0;
    for (int c = 0; c < MIRS_CATEGORY_COUNT; c++) k += m->unsafe[c][r], n += m->total[c][r];
    return make_cell(k, n);
}

static cell model_total(const html_model *m)
{
    uint64_t k = 0, n = 0;
    for (int c = 0; c < MIRS_CATEGORY_COUNT; c++)
        for (int r = 0; r < MIRS_RELATION_COUNT; r++) k += m->unsafe[c][r], n += m->total[c][r];
    return make_cell(k, n);
}

static void pct(FILE *f, double v)
{
    if (isnan(v))
        fputs("–", f);
    else
        fprintf(f, "%.1f%%", v);
}

static void write_models_table(FILE *f, const html_model *models, size_t n)
{
    fputs("<h2>Models</h2>\n<table id=\"models\"><thead><tr><th>Model</th><th>Unsafe</th><th>Judged</th>"
          "<th>ASR</th><th>95% Wilson interval</th></tr></thead><tbody>\n",
          f);
    for (size_t i = 0; i < n; i++) {
        cell c = model_total(&models[i]);
        fprintf(f, "<tr class=\"model-row\"><td><span class=\"swatch\" style=\"background:%s\"></span>",
                model_colors[i % NCOLORS]);
        esc(f, models[i].name);
        fprintf(f, "</td><td>%llu</td><td>%llu</td><td>", (unsigned long long)c.k, (unsigned long long)c.n);
        pct(f, c.asr);
        fputs("</td><td>", f);
        pct(f, c.lo);
        fputs(" – ", f);
        pct(f, c.hi);
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void write_relation_chart(FILE *f, const html_model *models, size_t n)
{
    const int left = 190, width = 460, row = 14 * (int)(n ? n : 1) + 10, top = 30;
    int height = top + row * MIRS_RELATION_COUNT + 30;
    fputs("<h2>ASR by relation (95% Wilson intervals)</h2>\n", f);
    fprintf(f,
            "<svg id=\"asr-by-relation\" class=\"chart\" width=\"%d\" height=\"%d\" role=\"img\" "
            "aria-label=\"ASR by relation\">\n",
            left + width + 60, height);
    for (int t = 0; t <= 100; t += 25) {
        int x = left + width * t / 100;
        fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"grid\"/>", x, top - 5, x, height - 25);
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%d%%</text>\n", x, height - 10, t);
    }
    for (int r = 0; r < MIRS_RELATION_COUNT; r++) {
        int y0 = top + r * row;
        fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"label\" text-anchor=\"end\">%s</text>\n", left - 8,
                y0 + row / 2 + 4, mirs_relation_display_name(r));
        for (size_t i = 0; i < n; i++) {
            cell c = model_relation(&models[i], r);
            int y = y0 + 5 + 14 * (int)i;
            if (isnan(c.asr)) continue;
            double w = width * c.asr / 100.0;
            fprintf(f,
                    "<rect class=\"bar\" data-model=\"%zu\" data-relation=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
                    "height=\"10\" fill=\"%s\"><title>",
                    i, mirs_relation_name(r), left, y, w, model_colors[i % NCOLORS]);
            esc(f, models[i].name);
            fprintf(f, " %s: %llu/%llu = %.1f%% [%.1f, %.1f]</title></rect>", mirs_relation_display_name(r),
                    (unsigned long long)c.k, (unsigned long long)c.n, c.asr, c.lo, c.hi);
            if (!isnan(c.lo))
                fprintf(f, "<line class=\"ci\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>",
                        left + width * c.lo / 100, left + width * c.hi / 100, y + 5, y + 5);
            fputc('\n', f);
        }
    }
    fputs("</svg>\n", f);
}

static void heat_color(double v, char out[8])
{
    /* White (0%) to deep red (100%), linear in each channel. */
    if (isnan(v)) {
        strcpy(out, "#eeeeee");
        return;
    }
    double t = v / 100.0;
    int r = (int)lround(255 - t * (255 - 165));
    int g = (int)lround(255 - t * 255);
    int b = (int)lround(255 - t * 255);
    snprintf(out, 8, "#%02x%02x%02x", r, g, b);
}

static void write_heatmap(FILE *f, const html_model *m, size_t idx)
{
    const int left = 150, top = 110, cw = 62, ch = 30;
    int width = left + cw * MIRS_RELATION_COUNT + 70, height = top + ch * MIRS_CATEGORY_COUNT + 10;
    fputs("<h3>", f);
    esc(f, m->name);
    fputs("</h3>\n", f);
    fprintf(f, "<svg id=\"heatmap-%zu\" class=\"chart heatmap\" width=\"%d\" height=\"%d\" role=\"img\">\n", idx, width,
            height);
    for (int r = 0; r < MIRS_RELATION_COUNT; r++)
        fprintf(f, "<text class=\"label\" transform=\"translate(%d,%d) rotate(-40)\">%s</text>\n",
                left + r * cw + cw / 2, top - 8, mirs_relation_display_name(r));
    for (int c = 0; c < MIRS_CATEGORY_COUNT; c++) {
        fprintf(f, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8,
                top + c * ch + ch / 2 + 4, mirs_category_display_name(c));
        for (int r = 0; r < MIRS_RELATION_COUNT; r++) {
            cell x = make_cell(m->unsafe[c][r], m->total[c][r]);
            char col[8];
            heat_color(x.asr, col);
            fprintf(f, "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s / %s: ",
                    left + r * cw, top + c * ch, cw - 2, ch - 2, col, mirs_category_display_name(c),
                    mirs_relation_display_name(r));
            if (x.n)
                fprintf(f, "%llu/%llu = %.1f%%", (unsigned long long)x.k, (unsigned long long)x.n, x.asr);
            else
                fputs("no items", f);
            fputs("</title></rect>", f);
            fprintf(f, "<text class=\"cellv%s\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x.asr > 60 ? " dark" : "",
                    left + r * cw + cw / 2 - 1, top + c * ch + ch / 2 + 3);
            if (x.n)
                fprintf(f, "%.0f", x.asr);
            else
                fputs("–", f);
            fputs("</text>\n", f);
        }
    }
    fputs("</svg>\n", f);
}

static void write_rtypes(FILE *f, const html_model *models, size_t n)
{
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) shown += models[i].has_rtypes != 0;
    if (!shown) return;
    const int left = 190, width = 460, row = 26, top = 10;
    int height = top + row * (int)shown + 40;
    fputs("<h2>Response types</h2>\n<p class=\"note\">Many answers that a judge calls safe only misunderstand or "
          "evade the request; this breakdown separates them from real refusals.</p>\n",
          f);
    fprintf(f, "<svg id=\"response-types\" class=\"chart\" width=\"%d\" height=\"%d\" role=\"img\">\n",
            left + width + 20, height);
    int y = top;
    for (size_t i = 0; i < n; i++) {
        const html_model *m = &models[i];
        if (!m->has_rtypes) continue;
        uint64_t tot = 0;
        for (int t = 0; t < HTML_RTYPE_COUNT; t++) tot += m->rtypes[t];
        fprintf(f, "<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8, y + 14);
        esc(f, m->name);
        fputs("</text>\n", f);
        double x = left;
        for (int t = 0; t < HTML_RTYPE_COUNT && tot; t++) {
            double w = width * (double)m->rtypes[t] / (double)tot;
            fprintf(f,
                    "<rect class=\"seg\" data-type=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\">"
                    "<title>%s: %llu of %llu</title></rect>\n",
                    rtype_names[t], x, y, w, rtype_colors[t], rtype_names[t], (unsigned long long)m->rtypes[t],
                    (unsigned long long)tot);
            x += w;
        }
        y += row;
    }
    int lx = left;
    for (int t = 0; t < HTML_RTYPE_COUNT; t++) {
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text class=\"axis\" x=\"%d\" "
                "y=\"%d\">%s</text>\n",
                lx, y + 6, rtype_colors[t], lx + 14, y + 15, rtype_names[t]);
        lx += 130;
    }
    fputs("</svg>\n", f);
}

static void write_entropy(FILE *f, const html_entropy *e)
{
    if (!e || !e->nbins) return;
    const int left = 60, width = 560, top = 20, hgt = 200;
    uint64_t ts = 0, tu = 0;
    for (size_t b = 0; b < e->nbins; b++) ts += e->safe[b], tu += e->unsafe[b];
    double maxd = 0;
    for (size_t b = 0; b < e->nbins; b++) {
        double ds = ts ? (double)e->safe[b] / (double)ts : 0, du = tu ? (double)e->unsafe[b] / (double)tu : 0;
        if (ds > maxd) maxd = ds;
        if (du > maxd) maxd = du;
    }
    if (maxd <= 0) maxd = 1;
    fputs("<h2>Attention entropy: safe vs unsafe generations</h2>\n", f);
    fprintf(f, "<p class=\"note\">Mean entropy: safe %.4f, unsafe %.4f", e->mean_safe, e->mean_unsafe);
    if (!isnan(e->p_value)) {
        fputs("; ", f);
        esc(f, e->test_name ? e->test_name : "test");
        fprintf(f, " p = %.3g", e->p_value);
    }
    fputs(".</p>\n", f);
    fprintf(f, "<svg id=\"entropy-hist\" class=\"chart\" width=\"%d\" height=\"%d\" role=\"img\">\n",
            left + width + 130, top + hgt + 40);
    const char *cols[2] = {"#2e86c1", "#c0392b"};
    const char *names[2] = {"safe", "unsafe"};
    for (int g = 0; g < 2; g++) {
        const uint64_t *h = g ? e->unsafe : e->safe;
        uint64_t tot = g ? tu : ts;
        fprintf(f,
                "<polyline class=\"hist\" data-group=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
                names[g], cols[g]);
        for (size_t b = 0; b < e->nbins; b++) {
            double d = tot ? (double)h[b] / (double)tot : 0;
            double x0 = left + width * (double)b / (double)e->nbins,
                   x1 = left + width * (double)(b + 1) / (double)e->nbins;
            double y = top + hgt - hgt * d / maxd;
            fprintf(f, "%.1f,%.1f %.1f,%.1f ", x0, y, x1, y);
        }
        fputs("\"/>\n", f);
        fprintf(f,
                "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text class=\"axis\" x=\"%d\" "
                "y=\"%d\">%s (n=%llu)</text>\n",
                left + width + 10, top + 10 + 18 * g, cols[g], left + width + 24, top + 19 + 18 * g, names[g],
                (unsigned long long)tot);
    }
    fprintf(f, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>", left, left + width, top + hgt,
            top + hgt);
    for (int t = 0; t <= 4; t++) {
        double v = e->lo + (e->hi - e->lo) * t / 4.0;
        fprintf(f, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2f</text>\n", left + width * t / 4,
                top + hgt + 16, v);
    }
    fputs("</svg>\n", f);
}

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1000px;color:#222}"
    "h1{font-size:1.6em}h2{margin-top:1.6em;font-size:1.25em;border-bottom:1px solid #ddd}"
    "table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.swatch{display:inline-block;width:10px;height:10px;margin-right:"
    "6px}"
    ".grid{stroke:#ddd}.axis{font-size:11px;fill:#555}.label{font-size:12px;fill:#222}"
    ".ci{stroke:#222;stroke-width:1.5}.cellv{font-size:11px;fill:#222}.cellv.dark{fill:#fff}"
    ".note{color:#555;font-size:.92em}footer{margin-top:2em;color:#777;font-size:.85em}";

int html_report_write(const char *path, const char *title, const html_model *models, size_t nmodels,
                      const html_entropy *entropy, const char *footer)
{
    size_t tl = strlen(path) + 16;
    char *tmp = malloc(tl);
    if (!tmp) return MIRS_E_NO_MEMORY;
    snprintf(tmp, tl, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(tmp);
        return MIRS_E_IO;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>%s</style></head>\n<body>\n<h1 id=\"title\">", css);
    esc(f, title);
    fputs("</h1>\n<p class=\"note\">Attack success rate (ASR) = unsafe verdicts / judged items. Intervals are 95% "
          "Wilson score intervals.</p>\n",
          f);
    write_models_table(f, models, nmodels);
    write_relation_chart(f, models, nmodels);
    fputs("<h2>Category × relation</h2>\n", f);
    for (size_t i = 0; i < nmodels; i++) write_heatmap(f, &models[i], i);
    write_rtypes(f, models, nmodels);
    write_entropy(f, entropy);
    fputs("<footer>", f);
    if (footer) esc(f, footer);
    fprintf(f, " Generated by libmirsafety %s.</footer>\n</body></html>\n", mirs_version_string());
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) bad = 1;
    if (fclose(f) != 0) bad = 1;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return MIRS_E_IO;
    }
    free(tmp);
    return MIRS_OK;
}
