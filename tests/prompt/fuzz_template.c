/* Fuzz target: the template parser and renderer on arbitrary bytes. Parsing
 * must fail cleanly or give a template that renders with any input. */
#include <mirsafety/mirsafety.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mirs_template *t = NULL;
    if (mirs_template_parse((const char *)data, size, "fuzz", &t) != MIRS_OK) {
        if (t) abort(); /* *out is written only on success */
        return 0;
    }
    static const char *imgs[] = {"a.png", "", "c.png"};
    static const char *systems[] = {NULL, "", "sys"};
    for (size_t n = 0; n <= 3; n++) {
        mirs_prompt_input in = MIRS_PROMPT_INPUT_INIT;
        in.text = n == 1 ? "" : "text";
        in.images = imgs;
        in.image_count = n;
        in.relation = (int32_t)n - 1;
        in.category = (int32_t)n;
        mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
        o.format = MIRS_PROMPT_FORMAT_TEMPLATE;
        o.tmpl = t;
        o.system = systems[n % 3];
        o.labels = (int32_t)(n % 3);
        mirs_buf b = {0, 0};
        if (mirs_prompt_render(&in, &o, &b) != MIRS_OK) abort();
        if (!b.data || strlen((const char *)b.data) != b.size) abort();
        mirs_buf_free(&b);
    }
    mirs_template_free(t);
    return 0;
}
