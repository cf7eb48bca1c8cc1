/* The names of the store header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/store.h>

static const mirs__name durability_names[] = {
    {"none", MIRS_DURABLE_NONE},
    {"flush", MIRS_DURABLE_FLUSH},
    {"fsync", MIRS_DURABLE_FSYNC},
    {"fsync-every", MIRS_DURABLE_FSYNC_EVERY},
};
MIRS__NAME_PAIR(durability, durability_names, "durability")

static const mirs__name torn_names[] = {
    {"refuse", MIRS_TORN_REFUSE},
    {"truncate", MIRS_TORN_TRUNCATE},
    {"repair", MIRS_TORN_TRUNCATE},
};
MIRS__NAME_PAIR(torn, torn_names, "torn-tail policy")

static const mirs__name merge_policy_names[] = {
    {"strict", MIRS_MERGE_STRICT},
    {"last-wins", MIRS_MERGE_LAST_WINS},
};
MIRS__NAME_PAIR(merge_policy, merge_policy_names, "merge policy")
