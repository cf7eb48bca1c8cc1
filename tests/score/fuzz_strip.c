/* Fuzz target: reasoning stripping in every mode, with custom tag pairs
 * taken from the input ("OPEN\x01CLOSE\x02text..."). The answer must be a
 * range of the input without Python whitespace at either end. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char open[80] = "", close[80] = "";
    const char *body = s;
    size_t blen = size;
    const char *sep = memchr(s, 2, size);
    const char *mid = sep ? memchr(s, 1, (size_t)(sep - s)) : NULL;
    if (mid && (size_t)(mid - s) < sizeof open && (size_t)(sep - mid - 1) < sizeof close) {
        memcpy(open, s, (size_t)(mid - s));
        memcpy(close, mid + 1, (size_t)(sep - mid - 1));
        body = sep + 1;
        blen = size - (size_t)(body - s);
    }
    const char *op[1] = {open}, *cl[1] = {close};
    for (int32_t mode = 0; mode <= MIRS_STRIP_WHITESPACE; mode++)
        for (int32_t unt = 0; unt < 3; unt++) {
            mirs_strip_options o = MIRS_STRIP_OPTIONS_INIT;
            o.unterminated = unt;
            o.finish_reason = "length";
            if (open[0] && close[0]) {
                o.open_tags = op;
                o.close_tags = cl;
                o.ntags = 1;
            }
            size_t a, b;
            uint32_t fl;
            int st = mirs_strip_reasoning_span(blen ? body : NULL, blen, mode, &o, &a, &b, &fl);
            if (st != MIRS_OK) continue;
            if (a > b || b > blen) abort();
            if (!(fl & MIRS_STRIP_FLAG_TRUNCATED)) abort();
            if ((a == b) != !!(fl & MIRS_STRIP_FLAG_EMPTY)) abort();
            if (a < b && (body[a] == ' ' || body[a] == '\n' || body[b - 1] == ' ' || body[b - 1] == '\t')) abort();
            mirs_buf out = {0};
            if (mirs_strip_reasoning(blen ? body : NULL, blen, mode, &o, &out, NULL) != MIRS_OK) abort();
            if (out.size != b - a || memcmp(out.data, body + a, out.size) != 0 || out.data[out.size]) abort();
            mirs_buf_free(&out);
        }
    return 0;
}
