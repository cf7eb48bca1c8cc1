/* Driver for diff_judge.py. Reads records from stdin, u32 little-endian
 * integers and length-prefixed byte strings:
 *   'P' judge has_generation behavior generation context -> prompt (or 0xFFFFFFFF)
 *   'V' judge mode output                                -> verdict, categories
 * and writes the results the same way. */
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

static char *get_str(uint32_t *n)
{
    if (!get_u32(n)) exit(2);
    char *s = malloc((size_t)*n + 1);
    if (!s || fread(s, 1, *n, stdin) != *n) exit(2);
    s[*n] = '\0';
    return s;
}

static void put_u32(uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    fwrite(b, 1, 4, stdout);
}

static void put_buf(const mirs_buf *b)
{
    put_u32((uint32_t)b->size);
    fwrite(b->data, 1, b->size, stdout);
}

int main(void)
{
    int c;
    while ((c = getchar()) != EOF) {
        uint32_t judge, x, n;
        if (!get_u32(&judge) || !get_u32(&x)) return 2;
        if (c == 'P') {
            char *b = get_str(&n), *g = get_str(&n), *ctx = get_str(&n);
            mirs_buf out = {0};
            if (mirs_judge_prompt((int32_t)judge, b, x ? g : NULL, ctx, NULL, &out) == MIRS_OK)
                put_buf(&out);
            else
                put_u32(0xFFFFFFFFu);
            mirs_buf_free(&out);
            free(b);
            free(g);
            free(ctx);
        } else if (c == 'V') {
            char *o = get_str(&n);
            int32_t v = -1;
            mirs_buf cats = {0};
            if (mirs_judge_parse((int32_t)judge, (int32_t)x, o, n, &v, &cats) != MIRS_OK) return 3;
            put_u32((uint32_t)v);
            put_buf(&cats);
            mirs_buf_free(&cats);
            free(o);
        } else {
            return 2;
        }
    }
    return fflush(stdout) == 0 ? 0 : 2;
}
