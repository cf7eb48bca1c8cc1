/* libmirsafety — report module (declarations arrive with the module). */
#ifndef MIRSAFETY_REPORT_H
#define MIRSAFETY_REPORT_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
