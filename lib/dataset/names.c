/* The names of the dataset header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/dataset.h>

static const mirs__name dataset_format_names[] = {
    {"auto", MIRS_DATASET_FORMAT_AUTO},
    {"official", MIRS_DATASET_FORMAT_OFFICIAL},
    {"jsonl", MIRS_DATASET_FORMAT_JSONL},
};
MIRS__NAME_PAIR(dataset_format, dataset_format_names, "dataset format")

static const mirs__name dataset_oddities_names[] = {
    {"accept", MIRS_DATASET_ODDITIES_ACCEPT},
    {"refuse", MIRS_DATASET_ODDITIES_REFUSE},
};
MIRS__NAME_PAIR(dataset_oddities, dataset_oddities_names, "oddities mode")

static const mirs__name checksum_names[] = {
    {"metadata", MIRS_CHECKSUM_METADATA},
    {"images", MIRS_CHECKSUM_IMAGES},
};
MIRS__NAME_PAIR(checksum, checksum_names, "checksum kind")
