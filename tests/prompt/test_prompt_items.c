/* Items, variants and streaming through the public API on the bundled
 * sample: permutations, the variants' texts, the sink protocol (early stop,
 * errors, counts), files written atomically, and argument checks.
 * Usage: test_prompt_items SAMPLE_DIR SCRATCH_DIR */
#include <mirsafety/mirsafety.h>

#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testutil.h"

typedef struct collect {
    size_t lines, bytes, stop_after;
    int fail_with;
    uint64_t hash;
} collect;

static int collect_fn(void *ud, const char *line, size_t len)
{
    collect *c = ud;
    CHECK(len > 0 && line[len - 1] == '\n');
    CHECK(memchr(line, '\n', len - 1) == NULL); /* one line per call */
    c->lines++;
    c->bytes += len;
    for (size_t i = 0; i < len; i++) c->hash = (c->hash ^ (unsigned char)line[i]) * 0x100000001b3ull;
    if (c->stop_after && c->lines == c->stop_after) return c->fail_with ? c->fail_with : MIRS_DONE;
    return MIRS_OK;
}

static size_t progress_calls, progress_last, progress_total;
static void progress_fn(void *ud, size_t done, size_t total)
{
    (void)ud;
    progress_calls++;
    CHECK(done == progress_last + 1);
    progress_last = done;
    progress_total = total;
}

static int starts(const void *s, const char *prefix)
{
    return s && strncmp((const char *)s, prefix, strlen(prefix)) == 0;
}

static char *item_text(const mirs_item *it, mirs_prompt_options *o)
{
    mirs_buf b = {0, 0};
    if (mirs_prompt_item_text(it, o, &b) != MIRS_OK) {
        fprintf(stderr, "item_text: %s\n", mirs_error_last());
        return NULL;
    }
    char *s = strdup((char *)b.data);
    mirs_buf_free(&b);
    return s;
}

static void check_permutation(void)
{
    size_t p[8], q[8];
    CHECK_OK(mirs_prompt_permutation("Privacy/Analogy/3", 42, 4, p));
    CHECK_OK(mirs_prompt_permutation("Privacy/Analogy/3", 42, 4, q));
    CHECK(memcmp(p, q, sizeof(size_t) * 4) == 0);
    int seen[4] = {0};
    for (int i = 0; i < 4; i++) {
        CHECK(p[i] < 4);
        if (p[i] < 4) seen[p[i]]++;
    }
    CHECK(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 1);
    /* Every permutation of 3 shows up over seeds (a sanity check that the
     * stream is used, not a statistical test). */
    int hits[6] = {0};
    for (uint64_t s = 0; s < 200; s++) {
        CHECK_OK(mirs_prompt_permutation("k", s, 3, p));
        int code = (int)(p[0] * 2 + (p[1] > p[2]));
        if (code < 6) hits[code]++;
    }
    for (int i = 0; i < 6; i++) CHECK(hits[i] > 0);
    CHECK_OK(mirs_prompt_permutation("k", 1, 1, p));
    CHECK_EQ_INT(p[0], 0);
    CHECK_OK(mirs_prompt_permutation("k", 1, 0, NULL));
    CHECK_STATUS(mirs_prompt_permutation(NULL, 1, 2, p), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_prompt_permutation("k", 1, 100000, p), MIRS_E_LIMIT);
}

static void check_items(const mirs_dataset *ds)
{
    const mirs_item *it = mirs_dataset_get(ds, 0);
    CHECK(it != NULL);
    if (!it) return;
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    o.format = MIRS_PROMPT_FORMAT_PLAIN;
    o.image_placeholder = "<I>";
    char *s = item_text(it, &o);
    size_t n = mirs_item_image_count(it);
    CHECK(s && strlen(s) == 4 * n + strlen(mirs_item_revised_prompt(it)));
    CHECK(s && strcmp(s + 4 * n, mirs_item_revised_prompt(it)) == 0);
    free(s);
    o.variant = MIRS_PROMPT_VARIANT_TEXT_ONLY;
    s = item_text(it, &o);
    CHECK_STR(s, mirs_item_original_question(it));
    free(s);
    o.variant = MIRS_PROMPT_VARIANT_CAPTIONS;
    s = item_text(it, &o);
    CHECK(starts(s, "The images are described below, in order.\nImage 1: "));
    CHECK(s && strstr(s, mirs_item_description(it, 0)) != NULL);
    free(s);
    o.variant = MIRS_PROMPT_VARIANT_COMPOSITE; /* one tiled image in place of all */
    o.labels = MIRS_PROMPT_LABELS_ON;
    s = item_text(it, &o);
    CHECK(starts(s, "Image 1: <I>\n") && s && strstr(s, "Image 2:") == NULL);
    free(s);
    o.labels = MIRS_PROMPT_LABELS_AUTO;
    mirs_buf nb = {0, 0};
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &nb), MIRS_E_INVALID_ARGUMENT); /* no composite_dir */
    /* The template variables see the item. */
    mirs_template *t = NULL;
    const char *src = "{{key}}|{{id}}|{{relation}}|{{category}}|{{image_count}}|{{question}}|{{prompt}}";
    CHECK_OK(mirs_template_parse(src, strlen(src), "t", &t));
    o.format = MIRS_PROMPT_FORMAT_TEMPLATE;
    o.tmpl = t;
    o.variant = MIRS_PROMPT_VARIANT_MULTI_IMAGE;
    s = item_text(it, &o);
    char want[8192];
    snprintf(want, sizeof want, "%s|%s|%s|%s|%zu|%s|%s", mirs_item_key(it), mirs_item_id(it),
             mirs_relation_name(mirs_item_relation(it)), mirs_category_name(mirs_item_category(it)), n,
             mirs_item_original_question(it), mirs_item_revised_prompt(it));
    CHECK_STR(s, want);
    free(s);
    mirs_template_free(t);
    /* Shuffled: the line lists the files in mirs_prompt_permutation order. */
    o = (mirs_prompt_options)MIRS_PROMPT_OPTIONS_INIT;
    o.format = MIRS_PROMPT_FORMAT_QWEN2_VL;
    o.variant = MIRS_PROMPT_VARIANT_SHUFFLED;
    o.seed = 99;
    mirs_buf b = {0, 0};
    CHECK_OK(mirs_prompt_item_line(it, &o, &b));
    size_t perm[16];
    CHECK_OK(mirs_prompt_permutation(mirs_item_key(it), 99, n, perm));
    const char *at = b.data ? (const char *)b.data : "";
    for (size_t k = 0; k < n && n <= 16; k++) {
        const char *f = strstr(at, mirs_item_image_file(it, perm[k]));
        CHECK(f != NULL);
        if (f) at = f;
    }
    mirs_buf_free(&b);
    /* Request formats need a model. */
    o.format = MIRS_PROMPT_FORMAT_OPENAI;
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_prompt_item_text(it, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.model = "m";
    o.system = "\xff";
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_UTF8);
    o.system = NULL;
    CHECK_OK(mirs_prompt_item_line(it, &o, &b));
    CHECK(starts(b.data, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\""));
    mirs_buf_free(&b);
    CHECK_STATUS(mirs_prompt_item_line(NULL, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.jpeg_quality = 0;
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.jpeg_quality = 90;
    o.temperature = 0.0 / 0.0;
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_INVALID_ARGUMENT);
    o.struct_size = 3;
    o.temperature = -1;
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_INVALID_ARGUMENT);
    CHECK(b.data == NULL);
}

static void check_streaming(const mirs_dataset *ds, const char *scratch)
{
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    o.format = MIRS_PROMPT_FORMAT_OPENAI_BATCH;
    o.model = "m";
    o.progress = progress_fn;
    collect all = {0, 0, 0, 0, 0xcbf29ce484222325ull};
    size_t written = 99;
    CHECK_OK(mirs_prompt_write(ds, NULL, &o, collect_fn, &all, &written));
    CHECK_EQ_INT(written, mirs_dataset_count(ds));
    CHECK_EQ_INT(all.lines, mirs_dataset_count(ds));
    CHECK_EQ_INT(progress_calls, mirs_dataset_count(ds));
    CHECK_EQ_INT(progress_total, mirs_dataset_count(ds));
    /* Same bytes again (determinism), and shards add up. */
    collect again = {0, 0, 0, 0, 0xcbf29ce484222325ull};
    o.progress = NULL;
    CHECK_OK(mirs_prompt_write(ds, NULL, &o, collect_fn, &again, NULL));
    CHECK(again.hash == all.hash && again.bytes == all.bytes);
    size_t lines = 0, bytes = 0;
    for (uint32_t k = 0; k < 4; k++) {
        mirs_filter f = MIRS_FILTER_INIT;
        f.shard_index = k;
        f.shard_count = 4;
        collect part = {0, 0, 0, 0, 0};
        CHECK_OK(mirs_prompt_write(ds, &f, &o, collect_fn, &part, NULL));
        lines += part.lines;
        bytes += part.bytes;
    }
    CHECK_EQ_INT(lines, all.lines);
    CHECK_EQ_INT(bytes, all.bytes);
    /* Early stop and sink errors. */
    collect stop = {0, 0, 3, 0, 0};
    CHECK_OK(mirs_prompt_write(ds, NULL, &o, collect_fn, &stop, &written));
    CHECK_EQ_INT(stop.lines, 3);
    CHECK_EQ_INT(written, 3);
    collect bad = {0, 0, 2, MIRS_E_IO, 0};
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &o, collect_fn, &bad, &written), MIRS_E_IO);
    CHECK_EQ_INT(written, 1);
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &o, NULL, NULL, NULL), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_prompt_write(NULL, NULL, &o, collect_fn, &bad, NULL), MIRS_E_INVALID_ARGUMENT);
    mirs_filter badf = MIRS_FILTER_INIT;
    badf.shard_index = 5;
    badf.shard_count = 2;
    CHECK_STATUS(mirs_prompt_write(ds, &badf, &o, collect_fn, &bad, NULL), MIRS_E_RANGE);

    /* Files: written atomically; a failing job leaves the old file. */
    char path[4096];
    snprintf(path, sizeof path, "%s/prompt-items-test.jsonl", scratch);
    unlink(path);
    CHECK_OK(mirs_prompt_write_file(ds, NULL, &o, path, &written));
    CHECK_EQ_INT(written, all.lines);
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (fp) {
        fseek(fp, 0, SEEK_END);
        CHECK_EQ_INT(ftell(fp), (long)all.bytes);
        fclose(fp);
    }
    o.model = NULL; /* fails before anything is created */
    CHECK_STATUS(mirs_prompt_write_file(ds, NULL, &o, path, &written), MIRS_E_INVALID_ARGUMENT);
    fp = fopen(path, "rb");
    if (fp) {
        fseek(fp, 0, SEEK_END);
        CHECK_EQ_INT(ftell(fp), (long)all.bytes);
        fclose(fp);
    }
    o.model = "m";
    char nodir[4096];
    snprintf(nodir, sizeof nodir, "%s/no/such/dir/x.jsonl", scratch);
    CHECK_STATUS(mirs_prompt_write_file(ds, NULL, &o, nodir, &written), MIRS_E_IO);
    unlink(path);
}

/* Issue #17: failed items through the library (failed_sink, and the old
 * behaviour without it), no text part for an empty prompt, profiles, and an
 * options struct from before those fields. */
typedef struct strsink {
    char buf[4096];
    size_t len, lines;
} strsink;

static int strsink_fn(void *ud, const char *line, size_t len)
{
    strsink *s = ud;
    if (s->len + len < sizeof s->buf) {
        memcpy(s->buf + s->len, line, len);
        s->len += len;
        s->buf[s->len] = '\0';
    }
    s->lines++;
    return MIRS_OK;
}

static void check_official_adapters(const char *scratch)
{
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/official17", scratch);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/img.png", dir);
    /* a 1x1 8-bit gray PNG */
    static const unsigned char png[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b, 0x55, 0x00,
        0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01,
        0x48, 0xaf, 0xa4, 0x71, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fwrite(png, 1, sizeof png, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/m.jsonl", dir);
    f = fopen(path, "w");
    if (!f) return;
    fputs("{\"id\":1,\"category\":\"Privacy\",\"relation\":\"Analogy\",\"original_question\":\"q\",\"revised_prompt\":"
          "\"\",\"images\":[\"img.png\",\"img.png\"]}\n"
          "{\"id\":2,\"category\":\"Privacy\",\"relation\":\"Analogy\",\"original_question\":\"q\",\"revised_prompt\":"
          "\"p\",\"images\":[\"img.png\",\"gone.png\"]}\n",
          f);
    fclose(f);
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(path, NULL, &ds));
    if (!ds) return;
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    o.format = MIRS_PROMPT_FORMAT_OPENAI;
    o.model = "m";
    strsink lines = {{0}, 0, 0}, failed = {{0}, 0, 0};
    size_t written = 0;
    /* Without a failed sink the missing image fails the job, as before. */
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &o, strsink_fn, &lines, &written), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "gone.png") != NULL);
    CHECK_EQ_INT(written, 1);
    memset(&lines, 0, sizeof lines);
    o.failed_sink = strsink_fn;
    o.failed_userdata = &failed;
    o.profile = MIRS_PROMPT_PROFILE_QWEN2_5_VL;
    CHECK_OK(mirs_prompt_write(ds, NULL, &o, strsink_fn, &lines, &written));
    CHECK_EQ_INT(written, 1);
    CHECK_EQ_INT(lines.lines, 1);
    CHECK_EQ_INT(failed.lines, 1);
    CHECK(strstr(lines.buf, "\"type\":\"text\"") == NULL); /* empty prompt: no text part */
    CHECK(strstr(lines.buf, "\"}},{\"type\":\"image_url\"") != NULL && strstr(lines.buf, "\"}}]}]") != NULL);
    CHECK(strstr(lines.buf, "]}],\"max_tokens\":4096,\"temperature\":0,\"top_p\":0.001,\"repetition_penalty\":1.05,"
                            "\"mm_processor_kwargs\":{\"min_pixels\":50176,\"max_pixels\":1003520}}\n") != NULL);
    CHECK(starts(failed.buf, "{\"key\":\"Privacy/Analogy/2\",\"response\":\"[INFERENCE_FAILED: "
                             "图片加载失败或未找到]\",\"status\":\"failed\",\"error\":\""));
    /* A single item: the error, whatever the failed sink. */
    const mirs_item *it = NULL;
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/2", &it));
    mirs_buf b = {0, 0};
    CHECK_STATUS(mirs_prompt_item_line(it, &o, &b), MIRS_E_NOT_FOUND);
    /* Profiles only in vLLM bodies; unknown profiles refused. */
    o.format = MIRS_PROMPT_FORMAT_ANTHROPIC;
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &o, strsink_fn, &lines, NULL), MIRS_E_INVALID_ARGUMENT);
    o.format = MIRS_PROMPT_FORMAT_OPENAI;
    o.profile = MIRS_PROMPT_PROFILE_COUNT;
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &o, strsink_fn, &lines, NULL), MIRS_E_INVALID_ARGUMENT);
    /* A caller built before the profile and failed-sink fields: their defaults. */
    o.profile = MIRS_PROMPT_PROFILE_GLM4_1V_THINKING;
    o.struct_size = offsetof(mirs_prompt_options, profile);
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/1", &it));
    CHECK_OK(mirs_prompt_item_line(it, &o, &b));
    CHECK(b.data && strstr((const char *)b.data, "top_p") == NULL);
    mirs_buf_free(&b);
    mirs_dataset_free(ds);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s SAMPLE_DIR SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(argv[1], NULL, &ds));
    if (!ds) return test_summary("prompt-items");
    check_permutation();
    check_items(ds);
    check_streaming(ds, argv[2]);
    check_official_adapters(argv[2]);
    mirs_dataset_free(ds);
    return test_summary("prompt-items");
}
