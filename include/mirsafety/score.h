/* libmirsafety — score module (declarations arrive with the module). */
#ifndef MIRSAFETY_SCORE_H
#define MIRSAFETY_SCORE_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
