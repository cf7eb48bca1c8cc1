/* Internals shared by the report module's files. */
#ifndef MIRS_REPORT_INTERNAL_H
#define MIRS_REPORT_INTERNAL_H

#include <mirsafety/report.h>

#include "dataset/dataset_internal.h"
#include "store/store_internal.h"
#include "util/util.h"

#endif
