/* libmirsafety — stats module (declarations arrive with the module). */
#ifndef MIRSAFETY_STATS_H
#define MIRSAFETY_STATS_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
