/* The names of the score header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/score.h>

static const mirs__name strip_mode_names[] = {
    {"mir", MIRS_STRIP_MIR},         {"glm", MIRS_STRIP_GLM},
    {"tags", MIRS_STRIP_TAGS},       {"whitespace", MIRS_STRIP_WHITESPACE},
    {"glm-raw", MIRS_STRIP_GLM_RAW}, {"none", MIRS_STRIP_WHITESPACE},
};
MIRS__NAME_PAIR(strip_mode, strip_mode_names, "strip mode")

static const mirs__name strip_unterminated_names[] = {
    {"keep", MIRS_STRIP_UNTERMINATED_KEEP},
    {"empty", MIRS_STRIP_UNTERMINATED_EMPTY},
    {"before", MIRS_STRIP_UNTERMINATED_BEFORE},
};
MIRS__NAME_PAIR(strip_unterminated, strip_unterminated_names, "unterminated-trace rule")

static const mirs__name parse_mode_names[] = {
    {"lenient", MIRS_PARSE_LENIENT},
    {"official", MIRS_PARSE_OFFICIAL},
    {"official-server", MIRS_PARSE_OFFICIAL_SERVER},
};
MIRS__NAME_PAIR(parse_mode, parse_mode_names, "parse mode")
