/* Fuzz target: one official results/infer JSON file. */
#include <mirsafety/mirsafety.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int32_t lenient = 0; lenient < 2; lenient++) {
        mirs_responses_options o = MIRS_RESPONSES_OPTIONS_INIT;
        o.mode = lenient ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
        o.max_json_depth = 32;
        mirs_responses *r = NULL;
        if (mirs_responses_parse_official((const char *)data, size, "Violence", "Analogy", &o, &r) == MIRS_OK) {
            for (size_t i = 0; i < mirs_responses_count(r); i++)
                if (!mirs_responses_get(r, i)->key) __builtin_trap();
            mirs_responses_free(r);
        }
    }
    return 0;
}
