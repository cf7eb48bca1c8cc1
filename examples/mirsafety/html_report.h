/* A self-contained HTML report (inline SVG and CSS, no scripts, no external
 * assets, nothing fetched) of ASR results for one or more models. */
#ifndef MIRS_HTML_REPORT_H
#define MIRS_HTML_REPORT_H

#include <mirsafety/mirsafety.h>

#include <stdint.h>

#define HTML_RTYPE_COUNT 5 /* unsafe, refusal, misunderstanding, evasive, benign_help */

typedef struct html_model {
    const char *name;
    uint64_t unsafe[MIRS_CATEGORY_COUNT][MIRS_RELATION_COUNT];
    uint64_t total[MIRS_CATEGORY_COUNT][MIRS_RELATION_COUNT];
    int has_rtypes;
    uint64_t rtypes[HTML_RTYPE_COUNT];
} html_model;

typedef struct html_entropy {
    double lo, hi; /* histogram range */
    size_t nbins;
    const uint64_t *safe, *unsafe; /* nbins counts each */
    double mean_safe, mean_unsafe;
    double p_value; /* Mann-Whitney or Welch, NaN if unknown */
    const char *test_name;
} html_entropy;

/* Writes the report atomically to path; entropy may be NULL. Returns a
 * MIRS_* status (message in mirs_error_last() or errno text). */
int html_report_write(const char *path, const char *title, const html_model *models, size_t nmodels,
                      const html_entropy *entropy, const char *footer);

#endif
