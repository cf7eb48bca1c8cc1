/* Prints the built-in chat formats' renderings for a grid of inputs as JSON
 * lines, for check_official.py to compare with the official Jinja templates
 * rendered by jinja2 (and InternVL's conversation code re-stated in Python). */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <string.h>

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

int main(void)
{
    static const char *imgs[] = {"a.png", "b.png", "c.png", "d.png"};
    static const char *systems[] = {NULL, "", "You are a careful assistant.\nBe brief."};
    static const char *texts[] = {"PROMPT", "What links these pictures?\nAnswer step by step: \"why\" & <how> 中文 ",
                                  ""};
    for (int32_t f = MIRS_PROMPT_FORMAT_QWEN2_VL; f <= MIRS_PROMPT_FORMAT_PLAIN; f++)
        for (int s = 0; s < 3; s++)
            for (int32_t lab = 0; lab <= 2; lab++)
                for (size_t n = 0; n <= 4; n++)
                    for (int x = 0; x < 3; x++) {
                        mirs_prompt_input in = MIRS_PROMPT_INPUT_INIT;
                        in.text = texts[x];
                        in.images = imgs;
                        in.image_count = n;
                        mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
                        o.format = f;
                        o.system = systems[s];
                        o.labels = lab;
                        mirs_buf b = {0, 0};
                        if (mirs_prompt_render(&in, &o, &b) != MIRS_OK) {
                            fprintf(stderr, "render failed: %s\n", mirs_error_last());
                            return 1;
                        }
                        printf("{\"format\":");
                        json_str(mirs_prompt_format_name(f));
                        printf(",\"system\":");
                        if (systems[s])
                            json_str(systems[s]);
                        else
                            printf("null");
                        printf(",\"labels\":%d,\"n\":%zu,\"text\":", (int)lab, n);
                        json_str(texts[x]);
                        printf(",\"out\":");
                        json_str((const char *)b.data);
                        printf("}\n");
                        mirs_buf_free(&b);
                    }
    return 0;
}
