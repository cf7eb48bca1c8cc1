/* Chat formats and the template language: byte-identical renderings against
 * the reference vectors, template files that reproduce every built-in, the
 * template syntax and its error messages. Usage:
 *   test_prompt_render REFERENCE_JSON TEMPLATES_DIR */
#include <mirsafety/mirsafety.h>

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdlib.h>

#include "../testutil.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = '\0';
    if (len) *len = (size_t)n;
    return b;
}

/* Renders with format/system/labels; returns a malloc'd string or NULL. */
static char *render(int32_t format, const char *system, int32_t labels, size_t n, const char *text,
                    const mirs_template *tmpl, const char *placeholder)
{
    static const char *imgs[] = {"a.png", "b.png", "c.png", "d.png", "e.png"};
    mirs_prompt_input in = MIRS_PROMPT_INPUT_INIT;
    in.text = text;
    in.images = imgs;
    in.image_count = n;
    in.relation = MIRS_RELATION_ANALOGY;
    in.category = MIRS_CATEGORY_SELF_HARM;
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    o.format = format;
    o.system = system;
    o.labels = labels;
    o.tmpl = tmpl;
    o.image_placeholder = placeholder;
    mirs_buf b = {0, 0};
    int st = mirs_prompt_render(&in, &o, &b);
    if (st != MIRS_OK) {
        fprintf(stderr, "render failed: %s\n", mirs_error_last());
        return NULL;
    }
    char *s = malloc(b.size + 1);
    memcpy(s, b.data, b.size + 1);
    mirs_buf_free(&b);
    return s;
}

static void check_reference(const char *ref_path)
{
    char *txt = slurp(ref_path, NULL);
    CHECK(txt != NULL);
    if (!txt) return;
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    CHECK(j != NULL);
    if (!j) return;
    const char *plain = cJSON_GetStringValue(cJSON_GetObjectItem(j, "render.qwen2_5_vl.mir_adapter_3_images"));
    const char *vid =
        cJSON_GetStringValue(cJSON_GetObjectItem(j, "render.qwen2_5_vl.mir_adapter_3_images.add_vision_id"));
    CHECK(plain && vid);
    /* The official adapter passes the system prompt "You are a helpful
     * assistant." explicitly; the template writes the same default when no
     * system prompt is given. Both must give the reference bytes. */
    char *r1 = render(MIRS_PROMPT_FORMAT_QWEN2_VL, NULL, MIRS_PROMPT_LABELS_AUTO, 3, "PROMPT", NULL, NULL);
    char *r2 = render(MIRS_PROMPT_FORMAT_QWEN2_VL, "You are a helpful assistant.", MIRS_PROMPT_LABELS_OFF, 3, "PROMPT",
                      NULL, NULL);
    char *r3 = render(MIRS_PROMPT_FORMAT_QWEN2_VL, NULL, MIRS_PROMPT_LABELS_ON, 3, "PROMPT", NULL, NULL);
    CHECK_STR(r1, plain);
    CHECK_STR(r2, plain);
    CHECK_STR(r3, vid);
    free(r1);
    free(r2);
    free(r3);
    cJSON_Delete(j);
}

static void check_handworked(void)
{
    char *s = render(MIRS_PROMPT_FORMAT_LLAVA_1_5, NULL, MIRS_PROMPT_LABELS_AUTO, 2, "Q?", NULL, NULL);
    CHECK_STR(s, "USER: <image>\n<image>\nQ? ASSISTANT:");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_LLAVA_1_5, "SYS", MIRS_PROMPT_LABELS_AUTO, 1, "Q?", NULL, NULL);
    CHECK_STR(s, "SYS USER: <image>\nQ? ASSISTANT:");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_INTERNVL, "S", MIRS_PROMPT_LABELS_AUTO, 2, "Q", NULL, NULL);
    CHECK_STR(s, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nImage-1: <image>\nImage-2: "
                 "<image>\nQ<|im_end|>\n<|im_start|>assistant\n");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_INTERNVL, "S", MIRS_PROMPT_LABELS_AUTO, 1, "Q", NULL, NULL);
    CHECK_STR(s, "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\n<image>\nQ<|im_end|>\n<|im_start|>assistant\n");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_GLM4_1V, NULL, MIRS_PROMPT_LABELS_AUTO, 2, "Q", NULL, NULL);
    CHECK_STR(s, "[gMASK]<sop><|user|>\n<|begin_of_image|><|image|><|end_of_image|><|begin_of_image|><|image|><|end_"
                 "of_image|>Q<|assistant|>\n");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_GLM4_1V, "S", MIRS_PROMPT_LABELS_AUTO, 0, "Q", NULL, NULL);
    CHECK_STR(s, "[gMASK]<sop><|system|>\nS<|user|>\nQ<|assistant|>\n");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_PLAIN, "S", MIRS_PROMPT_LABELS_ON, 2, "Q", NULL, "<img>");
    CHECK_STR(s, "S\n\nImage 1: <img>\nImage 2: <img>\nQ");
    free(s);
    s = render(MIRS_PROMPT_FORMAT_PLAIN, NULL, MIRS_PROMPT_LABELS_AUTO, 1, "Q", NULL, NULL);
    CHECK_STR(s, "<image>\nQ");
    free(s);
}

/* Every built-in and its template file agree for every system / labels /
 * image-count / text combination. */
static void check_template_files(const char *dir)
{
    static const char *files[] = {"qwen2-vl.tmpl", "llava-1.5.tmpl", "internvl.tmpl", "glm-4.1v.tmpl", "plain.tmpl"};
    static const char *systems[] = {NULL, "", "You are careful.\nLine two {{x}}"};
    static const char *texts[] = {"PROMPT", "", "multi\nline \"quoted\" {{text}} 中文 ", "  spaced  "};
    for (int32_t f = 0; f < 5; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[f]);
        mirs_template *t = NULL;
        CHECK_OK(mirs_template_load(path, &t));
        if (!t) continue;
        int mismatches = 0;
        for (int s = 0; s < 3; s++)
            for (int32_t lab = 0; lab <= 2; lab++)
                for (size_t n = 0; n <= 4; n++)
                    for (int x = 0; x < 4; x++)
                        for (int ph = 0; ph < 2; ph++) {
                            const char *placeholder = ph ? "[IMG]" : NULL;
                            char *a = render(f, systems[s], lab, n, texts[x], NULL, placeholder);
                            char *b = render(MIRS_PROMPT_FORMAT_TEMPLATE, systems[s], lab, n, texts[x], t, placeholder);
                            if (!a || !b || strcmp(a, b) != 0) {
                                if (mismatches++ < 3)
                                    fprintf(stderr, "%s s=%d labels=%d n=%zu x=%d:\n builtin:  [%s]\n template: [%s]\n",
                                            files[f], s, (int)lab, n, x, a ? a : "(null)", b ? b : "(null)");
                            }
                            free(a);
                            free(b);
                        }
        CHECK_EQ_INT(mismatches, 0);
        mirs_template_free(t);
    }
}

static char *render_tmpl(const char *src, size_t n, const char *system)
{
    mirs_template *t = NULL;
    if (mirs_template_parse(src, strlen(src), "t", &t) != MIRS_OK) {
        fprintf(stderr, "parse failed: %s\n", mirs_error_last());
        return NULL;
    }
    char *r = render(MIRS_PROMPT_FORMAT_TEMPLATE, system, MIRS_PROMPT_LABELS_AUTO, n, "T", t, NULL);
    mirs_template_free(t);
    return r;
}

static void check_syntax(void)
{
    char *s;
    s = render_tmpl("{{#images}}[{{index}}/{{index0}}/{{image}}{{#if first}}F{{/if}}{{#if last}}L{{/if}}]{{/images}}"
                    "{{image_count}}",
                    3, NULL);
    CHECK_STR(s, "[1/0/a.pngF][2/1/b.png][3/2/c.pngL]3");
    free(s);
    s = render_tmpl("{{relation}}|{{relation_display}}|{{category}}|{{category_display}}|{{group}}|{{text}}|{{prompt}}",
                    0, NULL);
    if (s) {
        /* Display names come from the dataset module; check the official ones exactly. */
        CHECK(strncmp(s, "Analogy|", 8) == 0);
        CHECK(strstr(s, "|Self-Harm|") != NULL);
        CHECK(strstr(s, "|Logical|T|T") != NULL);
        free(s);
        s = render_tmpl("{{relation_description}}", 0, NULL);
        CHECK_STR(s, mirs_relation_description(MIRS_RELATION_ANALOGY));
    }
    CHECK(s != NULL);
    free(s);
    s = render_tmpl("a {{- text -}} \n b", 0, NULL);
    CHECK_STR(s, "aTb");
    free(s);
    s = render_tmpl("a{{'{{text}}'}}b {{'  x  ' -}}  \n", 0, NULL);
    CHECK_STR(s, "a{{text}}b   x  ");
    free(s);
    s = render_tmpl("{{! a comment }}x{{!-}}\n\n", 0, NULL);
    CHECK_STR(s, "x");
    free(s);
    s = render_tmpl("{{#if system}}[{{system}}]{{else}}none{{/if}}{{#unless system}}!{{/unless}}", 0, "");
    CHECK_STR(s, "[]");
    free(s);
    s = render_tmpl("{{#if system}}[{{system}}]{{else}}none{{/if}}{{#unless system}}!{{/unless}}", 0, NULL);
    CHECK_STR(s, "none!");
    free(s);
    s = render_tmpl("{{#if images}}I{{/if}}{{#if multi}}M{{/if}}{{#if labels}}L{{/if}}{{#if question}}Q{{/if}}", 2,
                    NULL);
    CHECK_STR(s, "IM");
    free(s);
    s = render_tmpl("{{! nothing }}", 0, NULL); /* an empty rendering is "" */
    CHECK_STR(s, "");
    free(s);
    s = render_tmpl("single { brace } and }} alone", 0, NULL);
    CHECK_STR(s, "single { brace } and }} alone");
    free(s);

    struct {
        const char *src;
        const char *msg;
    } bad[] = {
        {"ok\n  {{txt}}", "t:2:3: unknown variable 'txt'"},
        {"{{index}}", "t:1:1: only valid inside {{#images}}: 'index'"},
        {"{{#images}}{{#images}}{{/images}}{{/images}}", "t:1:12: {{#images}} cannot be nested"},
        {"{{#if system}}x", "t:1:1: block is never closed '#if'"},
        {"x\n{{/if}}", "t:2:1: unexpected closing tag"},
        {"{{else}}", "t:1:1: {{else}} outside {{#if}}/{{#unless}}"},
        {"ab{{text", "t:1:3: unterminated tag (no closing }})"},
        {"{{'abc}}", "t:1:1: unterminated quoted literal (wanted ' followed by }})"},
        {"{{  }}", "t:1:1: empty tag"},
        {"{{#each x}}", "t:1:1: unknown block tag '#each x'"},
        {"{{#if nope}}{{/if}}", "t:1:1: unknown condition 'nope'"},
        {"é{{#if system}}a{{else}}b{{else}}c{{/if}}", "t:1:2: block has two {{else}}"},
        {"{{#images}}a{{else}}b{{/images}}", "t:1:1: {{else}} is not valid in {{#images}}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        mirs_template *t = NULL;
        CHECK_STATUS(mirs_template_parse(bad[i].src, strlen(bad[i].src), "t", &t), MIRS_E_FORMAT);
        CHECK_STR(mirs_error_last(), bad[i].msg);
        CHECK(t == NULL);
    }
    mirs_template *t = NULL;
    CHECK_STATUS(mirs_template_parse("\xff", 1, "t", &t), MIRS_E_UTF8);
    CHECK_STATUS(mirs_template_parse("ab\n{{text}}\0x", 13, "t", &t), MIRS_E_FORMAT);
    CHECK_STR(mirs_error_last(), "t:2:9: NUL byte in template");
    CHECK_STATUS(mirs_template_load("/nonexistent/x.tmpl", &t), MIRS_E_NOT_FOUND);
    char deep[4096] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "{{#if text}}");
    CHECK_STATUS(mirs_template_parse(deep, strlen(deep), "t", &t), MIRS_E_FORMAT);
    mirs_template_free(NULL);
}

static void check_names_and_args(void)
{
    int32_t v = -1;
    CHECK_OK(mirs_prompt_format_from_name("Qwen2.5-VL", &v));
    CHECK_EQ_INT(v, MIRS_PROMPT_FORMAT_QWEN2_VL);
    CHECK_OK(mirs_prompt_format_from_name("GLM4.1V", &v));
    CHECK_EQ_INT(v, MIRS_PROMPT_FORMAT_GLM4_1V);
    CHECK_OK(mirs_prompt_format_from_name("OPENAI_BATCH", &v));
    CHECK_EQ_INT(v, MIRS_PROMPT_FORMAT_OPENAI_BATCH);
    CHECK_STATUS(mirs_prompt_format_from_name("gpt", &v), MIRS_E_NOT_FOUND);
    CHECK_OK(mirs_prompt_variant_from_name("Text Only", &v));
    CHECK_EQ_INT(v, MIRS_PROMPT_VARIANT_TEXT_ONLY);
    CHECK_STATUS(mirs_prompt_variant_from_name(NULL, &v), MIRS_E_INVALID_ARGUMENT);
    for (int32_t f = 0; f < MIRS_PROMPT_FORMAT_COUNT; f++) {
        CHECK_OK(mirs_prompt_format_from_name(mirs_prompt_format_name(f), &v));
        CHECK_EQ_INT(v, f);
    }
    for (int32_t f = 0; f < MIRS_PROMPT_VARIANT_COUNT; f++) {
        CHECK_OK(mirs_prompt_variant_from_name(mirs_prompt_variant_name(f), &v));
        CHECK_EQ_INT(v, f);
    }
    CHECK(mirs_prompt_format_name(99) == NULL);
    CHECK_EQ_INT(mirs_prompt_format_is_request(MIRS_PROMPT_FORMAT_OPENAI), 1);
    CHECK_EQ_INT(mirs_prompt_format_is_request(MIRS_PROMPT_FORMAT_PLAIN), 0);
    CHECK_EQ_INT(mirs_prompt_format_is_request(-3), -1);

    mirs_prompt_input in = MIRS_PROMPT_INPUT_INIT;
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    mirs_buf b = {0, 0};
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_INVALID_ARGUMENT); /* no text */
    in.text = "x";
    in.image_count = 2;
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_INVALID_ARGUMENT); /* images NULL */
    in.image_count = 0;
    o.format = MIRS_PROMPT_FORMAT_OPENAI;
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.format = MIRS_PROMPT_FORMAT_TEMPLATE;
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.format = 42;
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.format = MIRS_PROMPT_FORMAT_PLAIN;
    in.text = "\xc3";
    CHECK_STATUS(mirs_prompt_render(&in, &o, &b), MIRS_E_UTF8);
    CHECK(b.data == NULL);
    in.text = "ok";
    CHECK_OK(mirs_prompt_render(&in, NULL, &b)); /* NULL options: Qwen2-VL defaults */
    CHECK(b.data && strstr((char *)b.data, "You are a helpful assistant.") != NULL);
    mirs_buf_free(&b);
}

/* A parsed template is shared by threads that render at the same time. */
typedef struct thread_arg {
    const mirs_template *t;
    int id, bad;
} thread_arg;

static void *render_thread(void *p)
{
    thread_arg *a = p;
    char text[64];
    for (int i = 0; i < 300; i++) {
        snprintf(text, sizeof text, "thread %d item %d", a->id, i);
        char *x = render(MIRS_PROMPT_FORMAT_QWEN2_VL, NULL, i % 3, (size_t)(i % 5), text, NULL, NULL);
        char *y = render(MIRS_PROMPT_FORMAT_TEMPLATE, NULL, i % 3, (size_t)(i % 5), text, a->t, NULL);
        if (!x || !y || strcmp(x, y) != 0) a->bad++;
        free(x);
        free(y);
    }
    return NULL;
}

static void check_threads(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/qwen2-vl.tmpl", dir);
    mirs_template *t = NULL;
    CHECK_OK(mirs_template_load(path, &t));
    if (!t) return;
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){t, i, 0};
        CHECK(pthread_create(&th[i], NULL, render_thread, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_EQ_INT(args[i].bad, 0);
    }
    mirs_template_free(t);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s REFERENCE_JSON TEMPLATES_DIR\n", argv[0]);
        return 2;
    }
    check_reference(argv[1]);
    check_handworked();
    check_template_files(argv[2]);
    check_syntax();
    check_names_and_args();
    check_threads(argv[2]);
    return test_summary("prompt-render");
}
