/* libmirsafety — entropy module (declarations arrive with the module). */
#ifndef MIRSAFETY_ENTROPY_H
#define MIRSAFETY_ENTROPY_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
