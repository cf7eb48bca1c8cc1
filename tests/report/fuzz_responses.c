/* Fuzz target: batch output / simple JSONL responses (strict and lenient). */
#include <mirsafety/mirsafety.h>

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int32_t lenient = 0; lenient < 2; lenient++) {
        mirs_responses_options o = MIRS_RESPONSES_OPTIONS_INIT;
        o.mode = lenient ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
        o.max_json_depth = 32;
        mirs_responses *r = NULL;
        if (mirs_responses_parse((const char *)data, size, "fuzz", &o, &r) == MIRS_OK) {
            size_t n = mirs_responses_count(r);
            for (size_t i = 0; i < n; i++) {
                const mirs_response *x = mirs_responses_get(r, i);
                const mirs_response *y = NULL;
                if (strlen(x->text) > x->text_len || mirs_responses_find(r, x->key, &y) != MIRS_OK) __builtin_trap();
            }
            for (size_t i = 0; i < mirs_responses_duplicate_count(r); i++)
                if (!mirs_responses_duplicate(r, i)) __builtin_trap();
            mirs_responses_free(r);
        } else if (r)
            __builtin_trap(); /* *out written only on success */
    }
    return 0;
}
