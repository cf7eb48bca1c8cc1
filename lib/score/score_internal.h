/* Internal helpers shared by the score module's files (not installed). */
#ifndef MIRS_SCORE_INTERNAL_H
#define MIRS_SCORE_INTERNAL_H

#include <mirsafety/score.h>

#include <stdbool.h>
#include <stddef.h>

/* Python's str.strip() on valid UTF-8 text[*start..*end): narrows the range. */
void mirs__py_strip(const char *text, size_t *start, size_t *end);

/* Byte offset of the first / last occurrence of needle in hay, or SIZE_MAX. */
size_t mirs__find(const char *hay, size_t n, const char *needle, size_t m);
size_t mirs__rfind(const char *hay, size_t n, const char *needle, size_t m);

#endif
