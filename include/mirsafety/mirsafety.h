/*
 * libmirsafety — the one header users include.
 *
 * Conventions (see docs/c-api.md): fallible functions return MIRS_OK or a
 * negative MIRS_E_* status and leave a thread-local message in
 * mirs_error_last(); *out parameters are written only on success; objects
 * returned through `T **out` are owned by the caller and released with their
 * mirs_*_free(); `const T *` results are borrowed for the documented time.
 */
#ifndef MIRSAFETY_H
#define MIRSAFETY_H

#include <mirsafety/common.h>
#include <mirsafety/dataset.h>
#include <mirsafety/image.h>
#include <mirsafety/prompt.h>
#include <mirsafety/stats.h>
#include <mirsafety/score.h>
#include <mirsafety/responses.h>
#include <mirsafety/store.h>
#include <mirsafety/report.h>
#include <mirsafety/scoring.h>
#include <mirsafety/entropy.h>
#include <mirsafety/client.h>

#endif
