/* libmirsafety — prompt module (declarations arrive with the module). */
#ifndef MIRSAFETY_PROMPT_H
#define MIRSAFETY_PROMPT_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
