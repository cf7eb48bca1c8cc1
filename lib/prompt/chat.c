/*
 * Built-in chat formats, written out by hand from each model's published
 * chat template (docs/prompts.md cites the sources). They are deliberately
 * independent of the template engine: tests check that the template files in
 * examples/templates/ reproduce them byte for byte, and a Python script
 * renders the official Jinja templates to check both.
 */
#include "prompt_internal.h"
#include "util/versioned.h"

#include <math.h>
#include <string.h>

static const char *const format_names[MIRS_PROMPT_FORMAT_COUNT] = {
    "qwen2-vl", "llava-1.5", "internvl", "glm-4.1v", "plain", "template", "openai", "anthropic", "openai-batch",
};

static const char *const variant_names[MIRS_PROMPT_VARIANT_COUNT] = {
    "multi-image", "text-only", "captions", "composite", "shuffled",
};

const char *mirs_prompt_format_name(int32_t format)
{
    return format >= 0 && format < MIRS_PROMPT_FORMAT_COUNT ? format_names[format] : NULL;
}

const char *mirs_prompt_variant_name(int32_t variant)
{
    return variant >= 0 && variant < MIRS_PROMPT_VARIANT_COUNT ? variant_names[variant] : NULL;
}

int32_t mirs_prompt_format_is_request(int32_t format)
{
    if (format < 0 || format >= MIRS_PROMPT_FORMAT_COUNT) return -1;
    return format >= MIRS_PROMPT_FORMAT_OPENAI;
}

/* Lowercase alphanumerics only: "Qwen2.5-VL" -> "qwen25vl". */
static void squash(const char *s, char *dst, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 1 < cap; s++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) dst[o++] = c;
    }
    dst[o] = '\0';
}

static int parse_name(const char *name, const char *const *names, size_t n, const char *const *aliases,
                      const int32_t *alias_ids, const char *what, int32_t *out)
{
    MIRS_CHECK_ARG(name && out, "name and out must not be NULL");
    char want[64], have[64];
    if (strlen(name) >= sizeof want) return mirs__fail(MIRS_E_NOT_FOUND, "unknown %s '%.60s...'", what, name);
    squash(name, want, sizeof want);
    for (size_t i = 0; i < n; i++) {
        squash(names[i], have, sizeof have);
        if (strcmp(want, have) == 0) {
            *out = (int32_t)i;
            return MIRS_OK;
        }
    }
    for (size_t i = 0; aliases && aliases[i]; i++) {
        squash(aliases[i], have, sizeof have);
        if (strcmp(want, have) == 0) {
            *out = alias_ids[i];
            return MIRS_OK;
        }
    }
    return mirs__fail(MIRS_E_NOT_FOUND, "unknown %s '%s'", what, name);
}

int mirs_prompt_format_from_name(const char *name, int32_t *out)
{
    static const char *const aliases[] = {"qwen2.5-vl", "qwen",  "chatml", "llava",       "internvl2.5",
                                          "internvl2",  "glm4v", "glm",    "openai-chat", "chat-completions",
                                          "claude",     "batch", NULL};
    static const int32_t ids[] = {
        MIRS_PROMPT_FORMAT_QWEN2_VL,  MIRS_PROMPT_FORMAT_QWEN2_VL,  MIRS_PROMPT_FORMAT_QWEN2_VL,
        MIRS_PROMPT_FORMAT_LLAVA_1_5, MIRS_PROMPT_FORMAT_INTERNVL,  MIRS_PROMPT_FORMAT_INTERNVL,
        MIRS_PROMPT_FORMAT_GLM4_1V,   MIRS_PROMPT_FORMAT_GLM4_1V,   MIRS_PROMPT_FORMAT_OPENAI,
        MIRS_PROMPT_FORMAT_OPENAI,    MIRS_PROMPT_FORMAT_ANTHROPIC, MIRS_PROMPT_FORMAT_OPENAI_BATCH};
    return parse_name(name, format_names, MIRS_PROMPT_FORMAT_COUNT, aliases, ids, "prompt format", out);
}

int mirs_prompt_variant_from_name(const char *name, int32_t *out)
{
    static const char *const aliases[] = {"multi", "images", "text", "caption", "tiled", "shuffle", NULL};
    static const int32_t ids[] = {MIRS_PROMPT_VARIANT_MULTI_IMAGE, MIRS_PROMPT_VARIANT_MULTI_IMAGE,
                                  MIRS_PROMPT_VARIANT_TEXT_ONLY,   MIRS_PROMPT_VARIANT_CAPTIONS,
                                  MIRS_PROMPT_VARIANT_COMPOSITE,   MIRS_PROMPT_VARIANT_SHUFFLED};
    return parse_name(name, variant_names, MIRS_PROMPT_VARIANT_COUNT, aliases, ids, "prompt variant", out);
}

int mirs_prompt_options_init(mirs_prompt_options *opts, size_t size)
{
    static const mirs_prompt_options d = MIRS_PROMPT_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_prompt_options, opts, size, &d);
}

int mirs_prompt_input_init(mirs_prompt_input *in, size_t size)
{
    static const mirs_prompt_input d = MIRS_PROMPT_INPUT_INIT;
    return MIRS__STRUCT_INIT(mirs_prompt_input, in, size, &d);
}

int mirs__prompt_options_get(const mirs_prompt_options *in, mirs_prompt_options *out)
{
    static const mirs_prompt_options defaults = MIRS_PROMPT_OPTIONS_INIT;
    *out = defaults;
    if (!in) return MIRS_OK;
    int rc = MIRS__STRUCT_IN(mirs_prompt_options, in, out);
    if (rc) return rc;
    if (out->format < 0 || out->format >= MIRS_PROMPT_FORMAT_COUNT)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown prompt format %d", (int)out->format);
    if (out->variant < 0 || out->variant >= MIRS_PROMPT_VARIANT_COUNT)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown prompt variant %d", (int)out->variant);
    if (out->labels < MIRS_PROMPT_LABELS_AUTO || out->labels > MIRS_PROMPT_LABELS_OFF)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown labels mode %d", (int)out->labels);
    if (out->image_format < MIRS_PROMPT_IMAGE_ORIGINAL || out->image_format > MIRS_PROMPT_IMAGE_JPEG)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "unknown image format %d", (int)out->image_format);
    if (out->jpeg_quality < 1 || out->jpeg_quality > 100)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "jpeg_quality %d outside 1..100", (int)out->jpeg_quality);
    if (out->max_tokens < 0) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "max_tokens must not be negative");
    if (isnan(out->temperature) || isinf(out->temperature))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "temperature must be finite");
    if (out->format == MIRS_PROMPT_FORMAT_TEMPLATE && !out->tmpl)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "the template format needs options.tmpl");
    if (out->max_image_bytes == 0) out->max_image_bytes = 67108864u;
    return MIRS_OK;
}

bool mirs__prompt_labels(int32_t format, int32_t labels, size_t image_count)
{
    if (labels == MIRS_PROMPT_LABELS_ON) return true;
    if (labels == MIRS_PROMPT_LABELS_OFF) return false;
    /* InternVL's chat() puts a bare "<image>\n" before a single image's
     * question; its multi-image usage numbers them "Image-N: <image>". */
    return format == MIRS_PROMPT_FORMAT_INTERNVL && image_count >= 2;
}

void mirs__prompt_ctx_names(mirs__prompt_ctx *c, int32_t relation, int32_t category)
{
    const char *s;
    c->relation = (s = mirs_relation_name(relation)) ? s : "";
    c->relation_display = (s = mirs_relation_display_name(relation)) ? s : "";
    c->relation_description = (s = mirs_relation_description(relation)) ? s : "";
    c->group = (s = mirs_group_name(mirs_relation_group(relation))) ? s : "";
    c->category = (s = mirs_category_name(category)) ? s : "";
    c->category_display = (s = mirs_category_display_name(category)) ? s : "";
}

/* Appends "<prefix><k>: " e.g. "Picture 2: ". */
static void label(mirs__sb *out, const char *prefix, size_t k) { mirs__sb_printf(out, "%s%zu: ", prefix, k); }

int mirs__chat_render(int32_t format, const mirs__prompt_ctx *c, mirs__sb *out)
{
    size_t n = c->image_count;
    switch (format) {
    case MIRS_PROMPT_FORMAT_QWEN2_VL:
        /* Qwen2-VL chat_template: a first message that is not a system
         * message gets the default system turn; a system message's string
         * content is written as is. */
        mirs__sb_puts(out, "<|im_start|>system\n");
        mirs__sb_puts(out, c->system ? c->system : "You are a helpful assistant.");
        mirs__sb_puts(out, "<|im_end|>\n<|im_start|>user\n");
        for (size_t k = 1; k <= n; k++) {
            if (c->labels) label(out, "Picture ", k);
            mirs__sb_puts(out, "<|vision_start|><|image_pad|><|vision_end|>");
        }
        mirs__sb_puts(out, c->text);
        mirs__sb_puts(out, "<|im_end|>\n<|im_start|>assistant\n");
        break;
    case MIRS_PROMPT_FORMAT_LLAVA_1_5:
        /* llava-hf chat_template.json: a system turn has no role prefix;
         * every text part is followed by one space. */
        if (c->system) {
            mirs__sb_puts(out, c->system);
            mirs__sb_putc(out, ' ');
        }
        mirs__sb_puts(out, "USER: ");
        for (size_t k = 1; k <= n; k++) {
            if (c->labels) label(out, "Image ", k);
            mirs__sb_puts(out, "<image>\n");
        }
        mirs__sb_puts(out, c->text);
        mirs__sb_puts(out, " ASSISTANT:");
        break;
    case MIRS_PROMPT_FORMAT_INTERNVL:
        /* internvl2_5 conversation (MPT separator style) around the
         * question that chat() builds. */
        mirs__sb_puts(out, "<|im_start|>system\n");
        mirs__sb_puts(out, c->system ? c->system : MIRS__INTERNVL_DEFAULT_SYSTEM);
        mirs__sb_puts(out, "<|im_end|>\n<|im_start|>user\n");
        for (size_t k = 1; k <= n; k++) {
            if (c->labels) label(out, "Image-", k);
            mirs__sb_puts(out, "<image>\n");
        }
        mirs__sb_puts(out, c->text);
        /* MPT style skips the separator of an empty message. */
        if (n || c->text[0]) mirs__sb_puts(out, "<|im_end|>\n");
        mirs__sb_puts(out, "<|im_start|>assistant\n");
        break;
    case MIRS_PROMPT_FORMAT_GLM4_1V:
        /* GLM-4.1V-9B-Thinking chat_template (trim_blocks, lstrip_blocks). */
        mirs__sb_puts(out, "[gMASK]<sop>");
        if (c->system) {
            mirs__sb_puts(out, "<|system|>\n");
            mirs__sb_puts(out, c->system);
        }
        mirs__sb_puts(out, "<|user|>\n");
        for (size_t k = 1; k <= n; k++) {
            if (c->labels) label(out, "Image ", k);
            mirs__sb_puts(out, "<|begin_of_image|><|image|><|end_of_image|>");
        }
        mirs__sb_puts(out, c->text);
        mirs__sb_puts(out, "<|assistant|>\n");
        break;
    case MIRS_PROMPT_FORMAT_PLAIN:
        if (c->system) {
            mirs__sb_puts(out, c->system);
            mirs__sb_puts(out, "\n\n");
        }
        for (size_t k = 1; k <= n; k++) {
            if (c->labels) label(out, "Image ", k);
            mirs__sb_puts(out, c->placeholder);
            mirs__sb_putc(out, '\n');
        }
        mirs__sb_puts(out, c->text);
        break;
    default: return mirs__fail(MIRS_E_INVALID_ARGUMENT, "format %d is not a built-in chat format", (int)format);
    }
    return out->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}

static bool valid_str(const char *s) { return !s || mirs__utf8_valid(s, strlen(s)); }

int mirs_prompt_render(const mirs_prompt_input *in, const mirs_prompt_options *opts, mirs_buf *out)
{
    MIRS_CHECK_ARG(in && out, "in and out must not be NULL");
    mirs_prompt_input pin = MIRS_PROMPT_INPUT_INIT;
    int st = MIRS__STRUCT_IN(mirs_prompt_input, in, &pin);
    if (st) return st;
    mirs_prompt_options o;
    st = mirs__prompt_options_get(opts, &o);
    if (st) return st;
    if (mirs_prompt_format_is_request(o.format))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_prompt_render: '%s' is a request format",
                          mirs_prompt_format_name(o.format));
    MIRS_CHECK_ARG(pin.text, "in->text must not be NULL");
    MIRS_CHECK_ARG(pin.images || pin.image_count == 0, "in->images must not be NULL when in->image_count > 0");
    if (!valid_str(pin.text) || !valid_str(o.system) || !valid_str(pin.key) || !valid_str(pin.question) ||
        !valid_str(o.image_placeholder))
        return mirs__fail(MIRS_E_UTF8, "mirs_prompt_render: text is not valid UTF-8");
    for (size_t i = 0; i < pin.image_count; i++) {
        if (!pin.images[i]) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_prompt_render: image %zu is NULL", i);
        if (!valid_str(pin.images[i])) return mirs__fail(MIRS_E_UTF8, "image reference %zu is not valid UTF-8", i);
    }
    mirs__prompt_ctx c;
    memset(&c, 0, sizeof c);
    c.system = o.system;
    c.images = pin.images;
    c.image_count = pin.image_count;
    c.text = pin.text;
    c.prompt = pin.text;
    c.question = pin.question ? pin.question : "";
    c.key = pin.key ? pin.key : "";
    c.id = "";
    mirs__prompt_ctx_names(&c, pin.relation, pin.category);
    c.labels = mirs__prompt_labels(o.format, o.labels, pin.image_count);
    c.labels_mode = o.labels;
    c.placeholder = o.image_placeholder ? o.image_placeholder : "<image>";
    mirs__sb sb;
    mirs__sb_init(&sb);
    st = o.format == MIRS_PROMPT_FORMAT_TEMPLATE ? mirs__template_render(o.tmpl, &c, &sb)
                                                 : mirs__chat_render(o.format, &c, &sb);
    if (st) {
        mirs__sb_free(&sb);
        return st;
    }
    return mirs__sb_to_buf(&sb, out);
}
