/* Every malformed case the dataset validator knows, on small trees written
 * to a temporary folder: the strict open fails with the specific status and
 * a message naming the file and item; the lenient open skips exactly the bad
 * item or file and records one diagnostic with the same status, file and
 * item index. */
#define _GNU_SOURCE
#include <mirsafety/mirsafety.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../testutil.h"

static char tmp_root[512];
static int case_no;

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static void write_file(const char *root, const char *rel, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdirs(path);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fwrite(data, 1, len, f);
    fclose(f);
}

static void put(const char *root, const char *rel, const char *text) { write_file(root, rel, text, strlen(text)); }

static char *new_root(char *buf, size_t n)
{
    snprintf(buf, n, "%s/case%d", tmp_root, ++case_no);
    mkdirs(buf);
    return buf;
}

/* A good item with n images under images/<rel>/. */
static const char *item(char *buf, size_t n, const char *id, int nimg)
{
    char imgs[512] = "", plain[64];
    size_t j = 0;
    for (const char *p = id; *p && j < sizeof plain - 1; p++)
        if (*p != '"') plain[j++] = *p;
    plain[j] = '\0';
    for (int k = 0; k < nimg; k++) {
        size_t l = strlen(imgs);
        snprintf(imgs + l, sizeof imgs - l, "%s\"images/Analogy/a_%s_%d.png\"", k ? ", " : "", plain, k);
    }
    snprintf(buf, n,
             "{\"id\": %s, \"original_question\": \"How do I bake bread?\", \"relationship_type\": \"Analogy\", "
             "\"revised_prompt\": \"Describe the steps in these pictures.\", \"image_descriptions\": [\"a\", \"b\"], "
             "\"image_keywords\": \"bread\", \"images\": [%s], \"iteration\": 1}",
             id, imgs);
    return buf;
}

/* Opens root strictly (must fail with status, naming file_part and the item)
 * and leniently (must succeed with want_items items and one diagnostic),
 * oddities refused (what `--strict` asks for; test_oddities checks that the
 * default accepts the ones the official code evaluates). */
static void expect_problem(const char *root, const mirs_dataset_options *base, int status, const char *file_part,
                           int64_t item_index, const char *reason_part, size_t want_items, int line)
{
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    if (base) o = *base;
    o.oddities = MIRS_DATASET_ODDITIES_REFUSE;
    o.mode = MIRS_READ_STRICT;
    mirs_dataset *ds = NULL;
    int st = mirs_dataset_open(root, &o, &ds);
    const char *msg = mirs_error_last();
    if (st != status) fprintf(stderr, "line %d: strict open gave %s: %s\n", line, mirs_status_str(st), msg);
    CHECK_EQ_INT(st, status);
    CHECK(ds == NULL);
    if (!strstr(msg, file_part)) fprintf(stderr, "line %d: message \"%s\" lacks \"%s\"\n", line, msg, file_part);
    CHECK(strstr(msg, file_part) != NULL);
    if (reason_part && !strstr(msg, reason_part))
        fprintf(stderr, "line %d: message \"%s\" lacks \"%s\"\n", line, msg, reason_part);
    CHECK(!reason_part || strstr(msg, reason_part) != NULL);
    char itemtxt[64];
    snprintf(itemtxt, sizeof itemtxt, ": item %lld: ", (long long)item_index);
    if (item_index >= 0)
        CHECK(strstr(msg, itemtxt) != NULL);
    else
        CHECK(strstr(msg, ": item ") == NULL);
    mirs_dataset_free(ds);

    o.mode = MIRS_READ_LENIENT;
    ds = NULL;
    st = mirs_dataset_open(root, &o, &ds);
    if (st != MIRS_OK)
        fprintf(stderr, "line %d: lenient open gave %s: %s\n", line, mirs_status_str(st), mirs_error_last());
    CHECK_EQ_INT(st, MIRS_OK);
    if (!ds) return;
    if (mirs_dataset_count(ds) != want_items)
        fprintf(stderr, "line %d: lenient items %zu\n", line, mirs_dataset_count(ds));
    CHECK_EQ_INT(mirs_dataset_count(ds), want_items);
    CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 1);
    const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, 0);
    CHECK(d != NULL);
    if (d) {
        CHECK_EQ_INT(d->status, status);
        CHECK_EQ_INT(d->item_index, item_index);
        CHECK(d->file && strstr(d->file, file_part) != NULL);
        CHECK(d->message && (!reason_part || strstr(d->message, reason_part) != NULL));
    }
    CHECK(mirs_dataset_diagnostic(ds, 1) == NULL);
    CHECK(mirs_dataset_diagnostic(NULL, 0) == NULL);
    mirs_dataset_free(ds);
}

#define EXPECT(root, opts, status, file, idx, reason, items)                                                           \
    expect_problem(root, opts, status, file, idx, reason, items, __LINE__)

static void expect_ok(const char *root, const mirs_dataset_options *o, size_t want_items, int line)
{
    mirs_dataset *ds = NULL;
    int st = mirs_dataset_open(root, o, &ds);
    if (st != MIRS_OK) fprintf(stderr, "line %d: open gave %s: %s\n", line, mirs_status_str(st), mirs_error_last());
    CHECK_EQ_INT(st, MIRS_OK);
    CHECK_EQ_INT(mirs_dataset_count(ds), want_items);
    mirs_dataset_free(ds);
}
#define EXPECT_OK(root, o, n) expect_ok(root, o, n, __LINE__)

/* One relation file holding "[good, <bad>, good]" with the bad item in the middle. */
static void item_case(const char *bad, int status, const char *reason)
{
    char root[600], a[1024], c[1024], text[8192];
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "[%s,\n%s,\n%s]", item(a, sizeof a, "1", 2), bad, item(c, sizeof c, "3", 3));
    put(root, "Violence/Analogy_final.json", text);
    EXPECT(root, NULL, status, "Violence/Analogy_final.json", 1, reason, 2);
}

static void test_items(void)
{
    char b[1024];
    /* missing fields */
    item_case("{\"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a.png\", \"b.png\"]}",
              MIRS_E_SCHEMA, "missing field \"id\"");
    item_case("{\"id\": 2, \"revised_prompt\": \"p\", \"images\": [\"a.png\", \"b.png\"]}", MIRS_E_SCHEMA,
              "missing field \"original_question\"");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"images\": [\"a.png\", \"b.png\"]}", MIRS_E_SCHEMA,
              "missing field \"revised_prompt\"");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\"}", MIRS_E_SCHEMA,
              "missing field \"images\"");
    /* mistyped fields */
    item_case("{\"id\": true, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"]}",
              MIRS_E_SCHEMA, "\"id\" is a boolean");
    item_case("{\"id\": 2.5, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"]}",
              MIRS_E_SCHEMA, "not an integer");
    item_case("{\"id\": \"\", \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"]}",
              MIRS_E_SCHEMA, "empty string");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": 7, \"images\": [\"a\", \"b\"]}",
              MIRS_E_SCHEMA, "\"revised_prompt\" is a number");
    item_case("{\"id\": 2, \"original_question\": [\"q\"], \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"]}",
              MIRS_E_SCHEMA, "\"original_question\" is an array");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": \"a.png\"}",
              MIRS_E_SCHEMA, "\"images\" is a string");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", 3]}",
              MIRS_E_SCHEMA, "image 1 is a number");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"], "
              "\"image_descriptions\": 4}",
              MIRS_E_SCHEMA, "\"image_descriptions\" is a number");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"], "
              "\"image_keywords\": [\"k\", null]}",
              MIRS_E_SCHEMA, "\"image_keywords\": element 1");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"], "
              "\"iteration\": \"1\"}",
              MIRS_E_SCHEMA, "\"iteration\" is a string");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"], "
              "\"relationship_type\": {}}",
              MIRS_E_SCHEMA, "\"relationship_type\" is an object");
    item_case("[1, 2]", MIRS_E_SCHEMA, "not a JSON object");
    /* image counts */
    item_case(item(b, sizeof b, "2", 1), MIRS_E_RANGE, "1 images, outside the allowed 2 to 4");
    item_case(item(b, sizeof b, "2", 5), MIRS_E_RANGE, "5 images");
    item_case(item(b, sizeof b, "2", 0), MIRS_E_RANGE, "0 images");
    /* duplicates: the same id, an int and a string spelling of one id, a field twice */
    item_case(item(b, sizeof b, "1", 2), MIRS_E_DUPLICATE, "duplicate key \"Violence/Analogy/1\"");
    item_case(item(b, sizeof b, "\"1\"", 2), MIRS_E_DUPLICATE, "(first in Violence/Analogy_final.json item 0)");
    item_case("{\"id\": 2, \"id\": 4, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", "
              "\"b\"]}",
              MIRS_E_DUPLICATE, "field \"id\" appears twice");
    /* paths */
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", "
              "\"/etc/passwd\"]}",
              MIRS_E_PATH, "is absolute");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", "
              "\"images/../../x.png\"]}",
              MIRS_E_PATH, "leaves the dataset root");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"..\", \"b\"]}",
              MIRS_E_PATH, "image 0");
    item_case("{\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"\"]}",
              MIRS_E_PATH, "empty path");

    /* Configurable bounds: 1 to 5 images accepts both. */
    char root[600], a[1024], c[1024], text[4096];
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "[%s, %s]", item(a, sizeof a, "1", 1), item(c, sizeof c, "2", 5));
    put(root, "Privacy/Analogy_final.json", text);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.min_images = 1;
    o.max_images = 5;
    EXPECT_OK(root, &o, 2);
    mirs_dataset *ds = NULL;
    mirs_dataset_options refuse = MIRS_DATASET_OPTIONS_INIT;
    refuse.oddities = MIRS_DATASET_ODDITIES_REFUSE;
    CHECK_STATUS(mirs_dataset_open(root, &refuse, &ds), MIRS_E_RANGE);
    CHECK(strstr(mirs_error_last(), "Privacy/Analogy_final.json: item 0: 1 images") != NULL);

    /* Optional fields may be absent or null; a single object is one item. */
    new_root(root, sizeof root);
    put(root, "Privacy/Causality_final.json",
        "{\"id\": \"z\", \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"], "
        "\"iteration\": null, \"image_keywords\": null}");
    CHECK_OK(mirs_dataset_open(root, NULL, &ds));
    const mirs_item *it = NULL;
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Causality/z", &it));
    CHECK_STR(mirs_item_relationship_type(it), "");
    CHECK_EQ_INT(mirs_item_iteration(it), 0);
    CHECK_EQ_INT(mirs_item_keyword_count(it), 0);
    CHECK_EQ_INT(mirs_item_description_count(it), 0);
    mirs_dataset_free(ds);
}

static void test_files(void)
{
    char root[600], a[1024], text[4096];
    /* unknown category folder; files and dot folders in the root are ignored */
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "[%s]", item(a, sizeof a, "1", 2));
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Hate Speech/Analogy_final.json", text);
    put(root, "README.md", "notes");
    put(root, ".git/config", "x");
    EXPECT(root, NULL, MIRS_E_SCHEMA, "Hate Speech", -1, "unknown category folder", 1);

    /* unknown relation file; other files in a category folder are ignored */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Analogies_final.json", text);
    put(root, "Violence/notes.json", "not json");
    EXPECT(root, NULL, MIRS_E_SCHEMA, "Violence/Analogies_final.json", -1, "unknown relation file", 1);

    /* broken JSON */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Causality_final.json", "[{\"id\": 1,]");
    EXPECT(root, NULL, MIRS_E_JSON, "Violence/Causality_final.json", -1, "invalid JSON at byte", 1);
    /* a top level that is not a list or an item */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Causality_final.json", "42");
    EXPECT(root, NULL, MIRS_E_SCHEMA, "Violence/Causality_final.json", -1, "top-level value is a number", 1);
    /* invalid UTF-8 (an overlong encoding inside a string) */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Causality_final.json", "[{\"id\": \"\xc0\xaf\"}]");
    EXPECT(root, NULL, MIRS_E_UTF8, "Violence/Causality_final.json", -1, "invalid UTF-8 at byte 9", 1);
    /* nesting limit */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    char deep[300];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    deep[200] = '\0';
    put(root, "Violence/Causality_final.json", deep);
    EXPECT(root, NULL, MIRS_E_LIMIT, "Violence/Causality_final.json", -1, "nesting deeper than 64", 1);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.max_json_depth = 2; /* [ { ... [ ] } ]: items need 3 */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    EXPECT(root, &o, MIRS_E_LIMIT, "Violence/Analogy_final.json", -1, "nesting deeper than 2", 0);
    /* file size limit */
    mirs_dataset_options_init(&o, sizeof o);
    o.max_file_bytes = 100;
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Relevance_final.json", "[]");
    EXPECT(root, &o, MIRS_E_LIMIT, "Violence/Analogy_final.json", -1, "exceeds the limit of 100 bytes", 0);
    /* item limit: fatal in both modes */
    mirs_dataset_options_init(&o, sizeof o);
    o.max_items = 1;
    new_root(root, sizeof root);
    char b2[1024];
    snprintf(text, sizeof text, "[%s, %s]", item(a, sizeof a, "1", 2), item(b2, sizeof b2, "2", 2));
    put(root, "Violence/Analogy_final.json", text);
    mirs_dataset *ds = (mirs_dataset *)1;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_LIMIT);
    CHECK(strstr(mirs_error_last(), "Violence/Analogy_final.json: item 1: ") != NULL);
    o.mode = MIRS_READ_LENIENT;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_LIMIT);
    CHECK(ds == (mirs_dataset *)1);
    /* not a dataset */
    new_root(root, sizeof root);
    put(root, "other/x.json", "[]");
    CHECK_STATUS(mirs_dataset_open(root, NULL, &ds), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), root) != NULL);
    /* BOM, empty files and categories are fine */
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "\xef\xbb\xbf[%s]", item(a, sizeof a, "1", 2));
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Causality_final.json", "[]");
    put(root, "Privacy/images/x.txt", "");
    EXPECT_OK(root, NULL, 1);
}

static void test_paths(void)
{
    char root[600], a[1024], text[4096], path[1200], outside[700];
    snprintf(outside, sizeof outside, "%s/outside", tmp_root);
    put(outside, "secret.png", "secret");
    put(outside, "images/Analogy/a_1_0.png", "x");
    put(outside, "images/Analogy/a_1_1.png", "x");

    /* An image that is a symlink to a file outside the root. */
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "[%s]", item(a, sizeof a, "1", 2));
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/images/Analogy/a_1_0.png", "png");
    snprintf(path, sizeof path, "%s/Violence/images/Analogy/a_1_1.png", root);
    char target[800];
    snprintf(target, sizeof target, "%s/secret.png", outside);
    CHECK(symlink(target, path) == 0);
    EXPECT(root, NULL, MIRS_E_PATH, "Violence/Analogy_final.json", 0, "symlink that resolves outside", 0);

    /* A symlink that stays inside the root is fine, with or without check_images. */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/images/Analogy/a_1_0.png", "png");
    put(root, "Violence/shared.png", "png");
    snprintf(path, sizeof path, "%s/Violence/images/Analogy/a_1_1.png", root);
    CHECK(symlink("../../shared.png", path) == 0);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.check_images = 1;
    EXPECT_OK(root, &o, 1);

    /* A symlinked images folder that points outside the root. */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    snprintf(path, sizeof path, "%s/Violence/images", root);
    snprintf(target, sizeof target, "%s/images", outside);
    CHECK(symlink(target, path) == 0);
    EXPECT(root, NULL, MIRS_E_PATH, "Violence/Analogy_final.json", 0, "folder resolves outside", 0);

    /* Missing images: fine by default, a problem with check_images. */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/images/Analogy/a_1_0.png", "png");
    EXPECT_OK(root, NULL, 1);
    EXPECT(root, &o, MIRS_E_NOT_FOUND, "Violence/Analogy_final.json", 0, "image 1 \"images/Analogy/a_1_1.png\"", 0);
    /* A folder where an image should be. */
    snprintf(path, sizeof path, "%s/Violence/images/Analogy/a_1_1.png", root);
    mkdirs(path);
    EXPECT(root, &o, MIRS_E_NOT_FOUND, "Violence/Analogy_final.json", 0, "not a regular file", 0);
    /* A dangling symlink counts as missing. */
    new_root(root, sizeof root);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/images/Analogy/a_1_0.png", "png");
    snprintf(path, sizeof path, "%s/Violence/images/Analogy/a_1_1.png", root);
    CHECK(symlink("nowhere.png", path) == 0);
    EXPECT_OK(root, NULL, 1);
    EXPECT(root, &o, MIRS_E_NOT_FOUND, "Violence/Analogy_final.json", 0, "does not exist", 0);
}

static void test_jsonl(void)
{
    char root[600], path[800], a[1024], b[1024];
    new_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/m.jsonl", root);
    /* category + relation fields; relationship_type as fallback; blank lines; CRLF. */
    char text[8192];
    item(a, sizeof a, "1", 2);
    a[strlen(a) - 1] = '\0';
    item(b, sizeof b, "2", 3);
    b[strlen(b) - 1] = '\0';
    snprintf(text, sizeof text,
             "%s, \"category\": \"self harm\", \"relation\": \"Temporal_Jump\"}\r\n"
             "\n   \n"
             "%s, \"category\": \"Privacy\"}\n",
             a, b);
    put(root, "m.jsonl", text);
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(path, NULL, &ds));
    const mirs_item *it;
    CHECK_EQ_INT(mirs_dataset_count(ds), 2);
    /* "relation" wins over relationship_type ("Analogy"); the second line falls back to it. */
    CHECK_OK(mirs_dataset_find(ds, "Self-Harm/Temporal_Jump/1", &it));
    CHECK_EQ_INT(mirs_item_source_index(it), 0);
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/2", &it));
    CHECK_EQ_INT(mirs_item_source_index(it), 3);
    CHECK_STR(mirs_item_source_file(it), "m.jsonl");
    snprintf(path, sizeof path, "%s/images/Analogy/a_2_0.png", root);
    CHECK_STR(mirs_item_image_file(it, 0), path);
    mirs_dataset_free(ds);

    /* Problems per line: the item index is the line number - 1. */
    static const struct {
        const char *tail;
        int status;
        const char *reason;
    } cases[] = {
        {"}", MIRS_E_SCHEMA, "field \"category\" is missing"},
        {", \"category\": \"Spam\"}", MIRS_E_SCHEMA, "unknown category \"Spam\""},
        {", \"category\": 5}", MIRS_E_SCHEMA, "field \"category\" is a number"},
        {", \"category\": \"Privacy\", \"relation\": \"Sarcasm\"}", MIRS_E_SCHEMA, "unknown relation \"Sarcasm\""},
        {", \"category\": \"Privacy\", \"relation\": 1}", MIRS_E_SCHEMA, "field \"relation\" is a number"},
        {", \"category\": \"Privacy\"", MIRS_E_JSON, "invalid JSON"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        new_root(root, sizeof root);
        snprintf(path, sizeof path, "%s/m.jsonl", root);
        snprintf(text, sizeof text, "%s, \"category\": \"Privacy\"}\n\n%s%s\n", a, b, cases[k].tail);
        put(root, "m.jsonl", text);
        EXPECT(path, NULL, cases[k].status, "m.jsonl", 2, cases[k].reason, 1);
    }
    /* relationship_type alone, without a parseable relation */
    new_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/m.jsonl", root);
    put(root, "m.jsonl",
        "{\"id\": 1, \"category\": \"Privacy\", \"original_question\": \"q\", \"revised_prompt\": "
        "\"p\", \"images\": [\"a\", \"b\"]}\n");
    EXPECT(path, NULL, MIRS_E_SCHEMA, "m.jsonl", 0, "missing field \"relation\"", 0);
    /* invalid UTF-8 on one line only skips that line */
    new_root(root, sizeof root);
    snprintf(path, sizeof path, "%s/m.jsonl", root);
    snprintf(text, sizeof text, "\"\xff\"\n%s, \"category\": \"Privacy\"}\n", a);
    put(root, "m.jsonl", text);
    EXPECT(path, NULL, MIRS_E_UTF8, "m.jsonl", 0, "invalid UTF-8 at byte 1", 1);
    /* line length limit */
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.max_line_bytes = 100;
    snprintf(text, sizeof text, "%s, \"category\": \"Privacy\"}\n", a);
    put(root, "m.jsonl", text);
    EXPECT(path, &o, MIRS_E_LIMIT, "m.jsonl", 0, "exceeds the limit of 100 bytes", 0);
    /* a path escaping the manifest's folder */
    snprintf(text, sizeof text,
             "{\"id\": 1, \"category\": \"Privacy\", \"relation\": \"Analogy\", \"original_question\": \"q\", "
             "\"revised_prompt\": \"p\", \"images\": [\"a\", \"../b\"]}\n");
    put(root, "m.jsonl", text);
    EXPECT(path, NULL, MIRS_E_PATH, "m.jsonl", 0, "leaves the dataset root", 0);
    /* duplicate keys across lines (sorted into iteration order afterwards) */
    snprintf(text, sizeof text,
             "%s, \"category\": \"Privacy\"}\n%s, \"category\": \"Harassment\"}\n%s, \"category\": \"privacy\"}\n", a,
             a, a);
    put(root, "m.jsonl", text);
    EXPECT(path, NULL, MIRS_E_DUPLICATE, "m.jsonl", 2, "duplicate key \"Privacy/Analogy/1\" (first in m.jsonl item 0)",
           2);
}

/* A lenient open of a tree with several problems keeps every good item and
 * lists the problems in a stable order. */
static void test_lenient_many(void)
{
    char root[600], a[1024], b[1024], c[1024], text[8192];
    new_root(root, sizeof root);
    snprintf(text, sizeof text, "[%s, %s, %s, %s]", item(a, sizeof a, "1", 2), item(b, sizeof b, "2", 9),
             item(c, sizeof c, "3", 4), "{\"id\": 4}");
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/Decomposition_final.json", text);
    put(root, "Zeta/Analogy_final.json", "[]");
    put(root, "Alpha/Analogy_final.json", "[]");
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.mode = MIRS_READ_LENIENT;
    o.oddities = MIRS_DATASET_ODDITIES_REFUSE; /* every oddity a problem, as before they were accepted */
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(root, &o, &ds));
    if (!ds) return;
    CHECK_EQ_INT(mirs_dataset_count(ds), 4);
    CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 6);
    static const struct {
        int status;
        const char *file;
        int64_t item;
    } want[] = {
        {MIRS_E_SCHEMA, "/Alpha", -1},
        {MIRS_E_SCHEMA, "/Zeta", -1},
        {MIRS_E_RANGE, "Violence/Analogy_final.json", 1},
        {MIRS_E_SCHEMA, "Violence/Analogy_final.json", 3},
        {MIRS_E_RANGE, "Violence/Decomposition_final.json", 1},
        {MIRS_E_SCHEMA, "Violence/Decomposition_final.json", 3},
    };
    for (size_t i = 0; i < 6; i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        CHECK(d != NULL);
        if (!d) continue;
        int st = d->status;
        const char *file = d->file;
        int64_t idx = d->item_index;
        CHECK_EQ_INT(st, want[i].status);
        CHECK_EQ_INT(idx, want[i].item);
        CHECK(strstr(file, want[i].file) != NULL);
    }
    const mirs_item *it = mirs_dataset_get(ds, 3);
    CHECK(it != NULL);
    CHECK_STR(mirs_item_key(it), "Violence/Decomposition/3");
    CHECK_EQ_INT(mirs_item_source_index(it), 2);
    mirs_dataset_free(ds);
}

/* Oddities: what eval.py evaluates although the documented layout does not
 * have it is accepted by default, read as the official code reads it, with
 * one note (status MIRS_OK) per oddity, in strict mode too. */
/* Image paths out of the root: eval.py's os.path.join follows an absolute
 * path (the path itself), a ".." component and a symlink, so by default the
 * item is kept with one note per such image (status MIRS_OK) and its image
 * file is the one eval.py opens; with check_images that file must exist. */
static void test_path_oddities(void)
{
    char root[600], outside[700], text[4096], path[1200], target[800];
    snprintf(outside, sizeof outside, "%s/outside-odd", tmp_root);
    put(outside, "abs.png", "png");
    put(outside, "imgs/l.png", "png");
    new_root(root, sizeof root);
    snprintf(text, sizeof text,
             "[{\"id\": 1, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a.png\", "
             "\"%s/abs.png\"]},\n"
             " {\"id\": 2, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a.png\", "
             "\"../../outside-odd/abs.png\"]},\n"
             " {\"id\": 3, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a.png\", "
             "\"imgs/l.png\"]}]",
             outside);
    put(root, "Violence/Analogy_final.json", text);
    put(root, "Violence/a.png", "png");
    snprintf(path, sizeof path, "%s/Violence/imgs", root);
    snprintf(target, sizeof target, "%s/imgs", outside);
    CHECK(symlink(target, path) == 0);

    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.check_images = 1; /* every file eval.py would open exists */
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(root, &o, &ds));
    if (!ds) return;
    CHECK_EQ_INT(mirs_dataset_count(ds), 3);
    CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 3);
    static const char *const why[] = {"is absolute", "leaves the dataset root", "resolves outside the dataset root"};
    for (size_t i = 0; i < 3; i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        CHECK(d != NULL);
        if (!d) continue;
        CHECK_EQ_INT(d->status, MIRS_OK);
        CHECK_EQ_INT(d->item_index, (int64_t)i);
        CHECK(d->message && strstr(d->message, why[i]) && strstr(d->message, "image 1"));
    }
    const mirs_item *it = NULL;
    char want[1400];
    CHECK_OK(mirs_dataset_find(ds, "Violence/Analogy/1", &it));
    snprintf(want, sizeof want, "%s/abs.png", outside);
    if (it) CHECK_STR(mirs_item_image_file(it, 1), want); /* os.path.join(base, "/x") is "/x" */
    CHECK_OK(mirs_dataset_find(ds, "Violence/Analogy/2", &it));
    snprintf(want, sizeof want, "%s/Violence/../../outside-odd/abs.png", root);
    if (it) CHECK_STR(mirs_item_image_file(it, 1), want); /* joined, not normalised */
    CHECK_OK(mirs_dataset_find(ds, "Violence/Analogy/3", &it));
    snprintf(want, sizeof want, "%s/Violence/imgs/l.png", root);
    if (it) CHECK_STR(mirs_item_image_file(it, 1), want);
    mirs_dataset_free(ds);

    /* check_images still reads where eval.py reads: a missing target is a problem. */
    snprintf(path, sizeof path, "%s/abs.png", outside);
    CHECK(unlink(path) == 0);
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "item 0") != NULL);
    put(outside, "abs.png", "png");

    /* Refused (validate --strict): each is a MIRS_E_PATH problem; lenient keeps nothing of the three. */
    o.oddities = MIRS_DATASET_ODDITIES_REFUSE;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_PATH);
    o.mode = MIRS_READ_LENIENT;
    CHECK_OK(mirs_dataset_open(root, &o, &ds));
    if (ds) {
        CHECK_EQ_INT(mirs_dataset_count(ds), 0);
        CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 3);
    }
    mirs_dataset_free(ds);
}

static void test_oddities(void)
{
    char root[600];
    new_root(root, sizeof root);
    put(root, "Privacy/Analogy_final.json",
        "[{\"original_question\": \"q0\", \"revised_prompt\": \"p0\", \"images\": [\"a\"]},"
        " {\"id\": 1.5, \"original_question\": \"q1\", \"revised_prompt\": \"p1\", \"images\": [\"a\", \"b\"],"
        "  \"iteration\": \"2\", \"image_keywords\": [1, \"k\"], \"relationship_type\": 7},"
        " {\"id\": 7, \"images\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\"]},"
        " {\"id\": \"\", \"original_question\": \"q3\", \"revised_prompt\": \"p3\"}]");
    put(root, "Privacy/Irony_final.json",
        "{\"id\": 1, \"original_question\": \"q\", \"revised_prompt\": \"p\", "
        "\"images\": [\"a\", \"b\"]}");
    put(root, "Privacy/Odd_final_x_final.json", "[]");
    put(root, "Scams/Analogy_final.json",
        "[{\"id\": 3, \"original_question\": \"q\", \"revised_prompt\": \"p\", \"images\": [\"a\", \"b\"]}]");
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(root, NULL, &ds)); /* strict mode, oddities accepted */
    if (!ds) return;
    CHECK_EQ_INT(mirs_dataset_count(ds), 6);
    static const char *const keys[] = {"Privacy/Analogy/#0", "Privacy/Analogy/#1", "Privacy/Analogy/7",
                                       "Privacy/Analogy/#3", "Privacy/Irony/1",    "Scams/Analogy/3"};
    for (size_t i = 0; i < 6; i++) {
        const mirs_item *it = mirs_dataset_get(ds, i);
        CHECK(it != NULL);
        if (it) CHECK_STR(mirs_item_key(it), keys[i]);
    }
    const mirs_item *it = NULL;
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/#1", &it));
    if (it) {
        CHECK_EQ_INT(mirs_item_iteration(it), 0);
        CHECK_EQ_INT(mirs_item_keyword_count(it), 0);
        CHECK_STR(mirs_item_relationship_type(it), "");
        CHECK_EQ_INT(mirs_item_id_is_int(it), 0);
    }
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/7", &it));
    if (it) {
        CHECK_EQ_INT(mirs_item_image_count(it), 6);
        CHECK_STR(mirs_item_revised_prompt(it), "");
        CHECK_STR(mirs_item_original_question(it), "");
    }
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Analogy/#3", &it));
    if (it) CHECK_EQ_INT(mirs_item_image_count(it), 0);
    CHECK_OK(mirs_dataset_find(ds, "Scams/Analogy/3", &it));
    if (it) {
        CHECK_EQ_INT(mirs_item_category(it), -1);
        CHECK_EQ_INT(mirs_item_relation(it), MIRS_RELATION_ANALOGY);
        CHECK_STR(mirs_item_category_name(it), "Scams");
        CHECK_STR(mirs_item_relation_name(it), "Analogy");
    }
    CHECK_OK(mirs_dataset_find(ds, "Privacy/Irony/1", &it));
    if (it) {
        CHECK_EQ_INT(mirs_item_relation(it), -1);
        CHECK_STR(mirs_item_relation_name(it), "Irony");
    }
    /* A filter on categories or relations leaves the unknown ones out; no filter keeps them. */
    mirs_filter f = MIRS_FILTER_INIT;
    f.categories = 1u << MIRS_CATEGORY_PRIVACY;
    mirs_iter *iter = NULL;
    CHECK_OK(mirs_iter_new(ds, &f, &iter));
    CHECK_EQ_INT(mirs_iter_count(iter), 5);
    mirs_iter_free(iter);
    f.categories = 0;
    f.relations = 1u << MIRS_RELATION_ANALOGY;
    CHECK_OK(mirs_iter_new(ds, &f, &iter));
    CHECK_EQ_INT(mirs_iter_count(iter), 5);
    mirs_iter_free(iter);
    CHECK_EQ_INT(mirs_dataset_count_cell(ds, MIRS_CATEGORY_PRIVACY, MIRS_RELATION_ANALOGY), 4);
    /* One note per oddity: the folder, the two files, item 0 (id, 1 image),
     * item 1 (id, iteration, keywords, relationship_type), item 2 (6 images,
     * question, prompt), item 3 (empty id, no images, 0 images). */
    size_t notes = 0;
    for (size_t i = 0; i < mirs_dataset_diagnostic_count(ds); i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        CHECK(d != NULL);
        notes += d && d->status == MIRS_OK;
    }
    CHECK_EQ_INT(mirs_dataset_diagnostic_count(ds), 15);
    CHECK_EQ_INT(notes, 15);
    uint64_t crc = 0;
    CHECK_OK(mirs_dataset_checksum(ds, MIRS_CHECKSUM_METADATA, &crc));
    mirs_dataset_free(ds);
    /* Refused, each one is a problem again. */
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.oddities = MIRS_DATASET_ODDITIES_REFUSE;
    ds = NULL;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_SCHEMA);
    o.mode = MIRS_READ_LENIENT;
    CHECK_OK(mirs_dataset_open(root, &o, &ds));
    if (ds) CHECK_EQ_INT(mirs_dataset_count(ds), 0);
    mirs_dataset_free(ds);
    o.oddities = 2;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds), MIRS_E_INVALID_ARGUMENT);
}

int main(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_root, sizeof tmp_root, "%s/mirs-malformed-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 2;
    }
    test_items();
    test_files();
    test_paths();
    test_jsonl();
    test_lenient_many();
    test_path_oddities();
    test_oddities();
    int rc = test_summary("dataset-malformed");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
    if (rc == 0 && system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
    return rc;
}
