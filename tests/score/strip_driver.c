/* Driver for diff_strip.py: reads records (u32 little-endian length, bytes)
 * from stdin and writes, for each, the MIR, GLM, whitespace-only and GLM-raw
 * results as records (length 0xFFFFFFFF for an error). */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>

static int get_u32(uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, stdin) != 4) return 0;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

static void put_u32(uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

int main(void)
{
    uint32_t n;
    static const int32_t modes[] = {MIRS_STRIP_MIR, MIRS_STRIP_GLM, MIRS_STRIP_WHITESPACE, MIRS_STRIP_GLM_RAW};
    while (get_u32(&n)) {
        char *buf = malloc(n ? n : 1);
        if (!buf || fread(buf, 1, n, stdin) != n) return 2;
        for (int k = 0; k < 4; k++) {
            size_t a, b;
            if (mirs_strip_reasoning_span(buf, n, modes[k], NULL, &a, &b, NULL) != MIRS_OK) {
                put_u32(0xFFFFFFFFu);
                continue;
            }
            put_u32((uint32_t)(b - a));
            fwrite(buf + a, 1, b - a, stdout);
        }
        free(buf);
    }
    return fflush(stdout) == 0 ? 0 : 2;
}
