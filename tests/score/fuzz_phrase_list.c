/* Fuzz target: phrase-list loading and matching. The first byte picks the
 * flags; the input is loaded as a phrase file, then each of its lines' text
 * is searched whole and streamed in uneven chunks, and the results must
 * agree. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    uint32_t flags = data[0] & 3u;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    mirs_matcher *m = NULL;
    if (mirs_matcher_load_text(text, len, flags, "fuzz", &m) != MIRS_OK) return 0;
    mirs_match whole, streamed;
    if (mirs_matcher_find(m, text, len, &whole) != MIRS_OK) abort();
    /* Every phrase occurs in the file it came from. */
    if (!whole.matched || whole.count < mirs_matcher_size(m)) abort();
    if (whole.offset + whole.length > len) abort();
    if (mirs_matcher_test(m, text, len) != 1) abort();
    mirs_matcher_stream *s;
    if (mirs_matcher_stream_new(m, &s) != MIRS_OK) abort();
    size_t step = 1 + (data[0] >> 2);
    for (size_t p = 0; p < len; p += step) mirs_matcher_stream_feed(s, text + p, len - p < step ? len - p : step);
    mirs_matcher_stream_result(s, &streamed);
    if (memcmp(&whole, &streamed, sizeof whole) != 0) abort();
    mirs_matcher_stream_free(s);
    mirs_matcher_free(m);
    return 0;
}
