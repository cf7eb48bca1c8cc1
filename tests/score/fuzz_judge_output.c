/* Fuzz target: judge-output parsers (every judge, both modes) and the
 * response-type parser. Checks the outcome is always a known constant and
 * the category list is well formed. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (int32_t j = 0; j < MIRS_JUDGE_COUNT; j++)
        for (int32_t mode = 0; mode < 2; mode++) {
            int32_t v = -1;
            mirs_buf cats = {0};
            if (mirs_judge_parse(j, mode, size ? s : "", size, &v, &cats) != MIRS_OK) abort();
            if (v < 0 || v >= MIRS_VERDICT_COUNT || v == MIRS_VERDICT_ERROR) abort();
            if (!cats.data || strlen((const char *)cats.data) != cats.size) abort();
            for (size_t i = 0; i < cats.size; i++) {
                char c = (char)cats.data[i];
                if (!(c == 'S' || c == ',' || (c >= '0' && c <= '9'))) abort();
            }
            if (cats.size && v != MIRS_VERDICT_UNSAFE) abort();
            mirs_buf_free(&cats);
        }
    int32_t t = -1;
    if (mirs_response_type_parse(size ? s : "", size, &t) != MIRS_OK) abort();
    if (t < 0 || t > MIRS_RTYPE_UNPARSEABLE) abort();
    return 0;
}
