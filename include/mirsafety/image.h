/* libmirsafety — image module (declarations arrive with the module). */
#ifndef MIRSAFETY_IMAGE_H
#define MIRSAFETY_IMAGE_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
