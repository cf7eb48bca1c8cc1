/* The names of the report header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/report.h>

static const mirs__name denominator_names[] = {
    {"all", MIRS_DENOM_ALL},
    {"answered", MIRS_DENOM_ANSWERED},
};
MIRS__NAME_PAIR(denominator, denominator_names, "denominator")

static const mirs__name report_format_names[] = {
    {"table", MIRS_REPORT_TABLE},       {"json", MIRS_REPORT_JSON}, {"csv", MIRS_REPORT_CSV},
    {"markdown", MIRS_REPORT_MARKDOWN}, {"mir", MIRS_REPORT_MIR},
};
MIRS__NAME_PAIR(report_format, report_format_names, "report format")
