/* A self-contained HTML report (inline SVG and CSS, no scripts, no external
 * references, nothing fetched) of the ASR reports of any number of models
 * and judges, with optional entropy accumulators. `mirsafety report
 * --format html` and `mirsafety demo` both write it. */
#ifndef MIRS_HTML_REPORT_H
#define MIRS_HTML_REPORT_H

#include <mirsafety/mirsafety.h>

#include <stdint.h>
#include <stdio.h>

/* One entropy accumulator to draw: safe vs unsafe histograms of every value
 * it holds (all layers and heads pooled) and the item-level group tests. */
typedef struct html_entropy {
    const char *name; /* what it holds, e.g. the model; shown in the heading */
    const char *unit; /* the unit of its values: "nats", "bits" or "normalised" */
    const mirs_entropy_acc *acc;
} html_entropy;

typedef struct html_options {
    const char *title;   /* NULL: a default */
    const char *note;    /* a sentence under the title (data source); may be NULL */
    int32_t denominator; /* MIRS_DENOM_* */
    double confidence;   /* interval level, e.g. 0.95 */
} html_options;

/* Writes the page to f. Every figure comes from mirs_report_write()'s JSON
 * rendering of each report (by = MIRS_BY_ALL), so the page and `report
 * --format json` cannot disagree. Output depends only on the inputs (no
 * time stamps). Returns a MIRS_* status (message in mirs_error_last()). */
int html_report_render(FILE *f, const html_options *opts, mirs_report *const *reports, size_t nreports,
                       const html_entropy *entropy, size_t nentropy);

#endif
