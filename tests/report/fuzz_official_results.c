/* Fuzz target: one official results/harmbench JSON file, read with
 * CPython json semantics; the report built from it must render, and its
 * counts must agree between the statics.py rows and the cells. */
#include <mirsafety/mirsafety.h>

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mirs_report *r = NULL;
    if (mirs_report_new("m", "j", &r) != MIRS_OK) return 0;
    if (mirs_report_add_official_json(r, (const char *)data, size, "Violence", "Analogy.json") == MIRS_OK) {
        uint64_t u, t, u2, t2;
        mirs_report_counts(r, -1, -1, -1, MIRS_DENOM_ALL, &u, &t);
        mirs_report_counts(r, MIRS_CATEGORY_VIOLENCE, MIRS_RELATION_ANALOGY, -1, MIRS_DENOM_ALL, &u2, &t2);
        if (u != u2 || t != t2 || u > t) __builtin_trap();
        for (int32_t f = 0; f <= MIRS_REPORT_MIR; f++) {
            mirs_buf b = {0};
            if (mirs_report_write(r, f, MIRS_BY_ALL, MIRS_DENOM_ANSWERED, 0.95, &b) != MIRS_OK) __builtin_trap();
            if (strlen((const char *)b.data) != b.size) __builtin_trap();
            mirs_buf_free(&b);
        }
    }
    mirs_report_free(r);
    return 0;
}
