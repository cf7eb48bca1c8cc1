/* Fuzz target: store lines. Every record read back serialises, and the
 * serialisation reads back to the same record. */
#include <mirsafety/mirsafety.h>

#include <string.h>

static int same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int32_t lenient = 0; lenient < 2; lenient++) {
        mirs_records *r = NULL;
        mirs_records_options o = MIRS_RECORDS_OPTIONS_INIT;
        o.mode = lenient ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
        if (mirs_records_parse((const char *)data, size, "fuzz", &o, &r) != MIRS_OK) continue;
        if (mirs_records_torn_bytes(r) > size) __builtin_trap();
        for (size_t i = 0; i < mirs_records_count(r); i++) {
            const mirs_record *x = mirs_records_get(r, i);
            mirs_buf b = {0};
            if (mirs_record_to_json(x, &b) != MIRS_OK) continue; /* e.g. strings with NUL escapes */
            mirs_records *back = NULL;
            if (mirs_records_parse((const char *)b.data, b.size, "back", NULL, &back) != MIRS_OK ||
                mirs_records_count(back) != 1)
                __builtin_trap();
            const mirs_record *y = mirs_records_get(back, 0);
            if (!same(x->key, y->key) || !same(x->model, y->model) || !same(x->judge, y->judge) ||
                x->verdict != y->verdict || x->flags != y->flags || x->timestamp_ms != y->timestamp_ms ||
                !same(x->response, y->response))
                __builtin_trap();
            mirs_records_free(back);
            mirs_buf_free(&b);
        }
        mirs_records_free(r);
    }
    return 0;
}
