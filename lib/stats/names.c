/* The names of the stats header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/stats.h>

static const mirs__name mwu_method_names[] = {
    {"auto", MIRS_MWU_AUTO},
    {"exact", MIRS_MWU_EXACT},
    {"asymptotic", MIRS_MWU_ASYMPTOTIC},
};
MIRS__NAME_PAIR(mwu_method, mwu_method_names, "Mann-Whitney method")
