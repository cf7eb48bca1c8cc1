/* The names of the responses header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/responses.h>

static const mirs__name response_status_names[] = {
    {"ok", MIRS_RESPONSE_OK},
    {"failed", MIRS_RESPONSE_FAILED},
    {"crashed", MIRS_RESPONSE_CRASHED},
};
MIRS__NAME_PAIR(response_status, response_status_names, "response status")

static const mirs__name responses_format_names[] = {
    {"auto", MIRS_RESPONSES_AUTO},
    {"batch", MIRS_RESPONSES_BATCH},
    {"simple", MIRS_RESPONSES_SIMPLE},
    {"official", MIRS_RESPONSES_OFFICIAL},
};
MIRS__NAME_PAIR(responses_format, responses_format_names, "responses format")

static const mirs__name response_origin_names[] = {
    {"given", MIRS_RESPONSE_ORIGIN_GIVEN},
    {"completions", MIRS_RESPONSE_ORIGIN_COMPLETIONS},
    {"chat", MIRS_RESPONSE_ORIGIN_CHAT},
};
MIRS__NAME_PAIR(response_origin, response_origin_names, "response origin")
