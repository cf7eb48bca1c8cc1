/*
 * Every versioned struct (the generated table versioned_structs.h: every
 * public struct that starts with size_t struct_size) through its init
 * function and every function that takes it, at the sizes callers of other
 * versions pass: an older caller (the struct up to its last field), this
 * header's size, and a newer caller (16 more bytes, zero: accepted; one
 * non-zero: MIRS_E_INVALID_ARGUMENT naming the struct and both sizes). Each
 * struct is allocated at exactly the size it claims, so AddressSanitizer
 * catches any read or write past it.
 *
 * Built twice: against this build's library, and (test 'struct-versions-
 * two-version') against a library built from headers with a field appended
 * to every versioned struct, while this program keeps the unmodified
 * headers; there (--two-version) the library is newer than the caller, so
 * every call must succeed and nothing may be touched past the caller's size.
 *
 * A function that takes a versioned struct needs a driver below (a call with
 * valid other arguments); the test fails for a function without one, so a
 * new struct or function in a header cannot go untested.
 */
#include <mirsafety/mirsafety.h>

#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../testutil.h"
#include "versioned_structs.h"

/* ---- fixtures ---- */

static char tmp_dir[256];
static const char *sample_dir;
static mirs_dataset *ds;
static const mirs_item *item;
static mirs_image *img;
static mirs_buf png;
static char png_path[300];
static mirs_responses *responses, *judge_outputs;
static mirs_records *rec_a, *rec_b, *rec_ja, *rec_jb;
static mirs_entropy_acc *acc;
static mirs_entropy_tensor *tensor;
static float probs[2][4] = {{0.25f, 0.25f, 0.25f, 0.25f}, {0.7f, 0.1f, 0.1f, 0.1f}};
static unsigned file_counter;

static void tmp_path(char *out, size_t n, const char *ext)
{
    snprintf(out, n, "%s/f%u%s", tmp_dir, file_counter++, ext);
}

static int records_text(const char *model, const char *judge, int shift, mirs_records **out)
{
    /* Three keys of the dataset: verdicts unsafe, safe, unsafe (shifted by
     * one for the second set, so both tables have every cell). */
    static const int32_t v[4] = {MIRS_VERDICT_UNSAFE, MIRS_VERDICT_SAFE, MIRS_VERDICT_UNSAFE, MIRS_VERDICT_SAFE};
    char text[4096] = "";
    for (int i = 0; i < 3; i++) {
        const mirs_item *it = mirs_dataset_get(ds, (size_t)i);
        if (!it) return -1;
        mirs_record r = MIRS_RECORD_INIT;
        r.key = mirs_item_key(it);
        r.model = model;
        r.judge = judge;
        r.verdict = v[i + shift];
        mirs_buf b = {0, 0};
        if (mirs_record_to_json(&r, &b)) return -1;
        strncat(text, (const char *)b.data, sizeof text - strlen(text) - 1);
        mirs_buf_free(&b);
    }
    return mirs_records_parse(text, strlen(text), "fixture", NULL, out);
}

static int setup(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/mirs-struct-versions-XXXXXX");
    if (!mkdtemp(tmp_dir)) return -1;
    if (mirs_dataset_open(sample_dir, NULL, &ds) || !(item = mirs_dataset_get(ds, 0))) return -1;
    uint8_t px[4 * 3 * 3];
    for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 7);
    if (mirs_image_from_pixels(4, 3, MIRS_LAYOUT_RGB8, px, 12, &img) || mirs_image_encode(img, NULL, &png)) return -1;
    tmp_path(png_path, sizeof png_path, ".png");
    FILE *f = fopen(png_path, "wb");
    if (!f || fwrite(png.data, 1, png.size, f) != png.size || fclose(f)) return -1;
    char r[2048], j[2048];
    snprintf(r, sizeof r, "{\"key\":\"%s\",\"response\":\"Sure.\"}\n", mirs_item_key(item));
    snprintf(j, sizeof j, "{\"key\":\"%s\",\"response\":\"Yes\"}\n", mirs_item_key(item));
    if (mirs_responses_parse(r, strlen(r), "responses", NULL, &responses) ||
        mirs_responses_parse(j, strlen(j), "judge", NULL, &judge_outputs))
        return -1;
    if (records_text("A", "j", 0, &rec_a) || records_text("B", "j", 1, &rec_b) || records_text("A", "j", 0, &rec_ja) ||
        records_text("A", "k", 1, &rec_jb))
        return -1;
    if (mirs_entropy_acc_new(1, 1, 4, 0.0, 2.0, &acc)) return -1;
    for (int i = 0; i < 6; i++) {
        double e = 0.5 + 0.1 * i;
        if (mirs_entropy_acc_add_item(acc, i % 2, &e, 1, 1, 1)) return -1;
    }
    char npy[300];
    tmp_path(npy, sizeof npy, ".npy");
    const double t[8] = {0.5, 0.5, 0.9, 0.1, 0.2, 0.8, 1.0, 0.0};
    const size_t shape[4] = {1, 2, 2, 2};
    if (mirs_entropy_npy_write_f64(npy, t, 4, shape) || mirs_entropy_tensor_open(npy, NULL, &tensor)) return -1;
    return 0;
}

static void teardown(void)
{
    mirs_entropy_tensor_free(tensor);
    mirs_entropy_acc_free(acc);
    mirs_records_free(rec_a);
    mirs_records_free(rec_b);
    mirs_records_free(rec_ja);
    mirs_records_free(rec_jb);
    mirs_responses_free(responses);
    mirs_responses_free(judge_outputs);
    mirs_buf_free(&png);
    mirs_image_free(img);
    mirs_dataset_free(ds);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_dir);
}

/* ---- fills: the fields a call needs, set on an initialised struct ---- */

static void fill_record(void *p)
{
    mirs_record *r = p;
    r->key = mirs_item_key(item);
    r->model = "m";
    r->judge = "j";
    r->verdict = MIRS_VERDICT_SAFE;
}

static void fill_score_options(void *p) { ((mirs_score_options *)p)->model = "m"; }

static void fill_prompt_input(void *p) { ((mirs_prompt_input *)p)->text = "Describe the pictures."; }

static void fill_view(void *p)
{
    mirs_entropy_view *v = p;
    v->data = probs;
    v->dtype = MIRS_ENTROPY_F32;
    v->shape[0] = v->shape[1] = 1;
    v->shape[2] = 2;
    v->shape[3] = 4;
    v->strides[0] = v->strides[1] = 8;
    v->strides[2] = 4;
    v->strides[3] = 1;
}

/* ---- calls: one per (function, struct) of the generated table ---- */

static int sink(void *userdata, const char *line, size_t len)
{
    (void)userdata, (void)line, (void)len;
    return 0;
}

static int free_buf(int st, mirs_buf *b)
{
    mirs_buf_free(b);
    return st;
}

static int free_image(int st, mirs_image *im)
{
    mirs_image_free(im);
    return st;
}

static int c_dataset_open(void *s)
{
    mirs_dataset *d = NULL;
    int st = mirs_dataset_open(sample_dir, s, &d);
    mirs_dataset_free(d);
    return st;
}

static int c_iter_new(void *s)
{
    mirs_iter *it = NULL;
    int st = mirs_iter_new(ds, s, &it);
    mirs_iter_free(it);
    return st;
}

static int c_prompt_write_filter(void *s) { return mirs_prompt_write(ds, s, NULL, sink, NULL, NULL); }
static int c_prompt_write_opts(void *s) { return mirs_prompt_write(ds, NULL, s, sink, NULL, NULL); }
static int c_prompt_options_check(void *s) { return mirs_prompt_options_check(s); }

static int c_prompt_write_file_filter(void *s)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    return mirs_prompt_write_file(ds, s, NULL, p, NULL);
}

static int c_prompt_write_file_opts(void *s)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    return mirs_prompt_write_file(ds, NULL, s, p, NULL);
}

static int score(const mirs_filter *f, const mirs_score_options *o, mirs_score_summary *sum)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    mirs_store *store = NULL;
    int st = mirs_store_open(p, NULL, &store);
    if (st) return st;
    mirs_score_options d = MIRS_SCORE_OPTIONS_INIT;
    d.model = "m";
    st = mirs_score_responses(ds, f, responses, judge_outputs, NULL, o ? o : &d, store, sum);
    int st2 = mirs_store_close(store);
    return st ? st : st2;
}

static int c_score_filter(void *s) { return score(s, NULL, NULL); }
static int c_score_opts(void *s) { return score(NULL, s, NULL); }
static int c_score_summary(void *s) { return score(NULL, NULL, s); }

static int judge_requests(const mirs_judge_requests_options *o, mirs_judge_requests_summary *sum)
{
    mirs_response_match *m = NULL;
    int st = mirs_responses_match(responses, ds, &m);
    if (!st) st = mirs_judge_requests_write(responses, m, o, sink, NULL, sum);
    mirs_response_match_free(m);
    return st;
}

static int c_judge_requests_opts(void *s) { return judge_requests(s, NULL); }
static int c_judge_requests_summary(void *s) { return judge_requests(NULL, s); }

static int c_probe_memory_opts(void *s)
{
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    return mirs_image_probe_memory(png.data, png.size, s, &info);
}

static int c_probe_memory_info(void *s) { return mirs_image_probe_memory(png.data, png.size, NULL, s); }

/* The limits of a probed header: the info is an input here. */
static int c_check_limits_opts(void *s)
{
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    int st = mirs_image_probe_memory(png.data, png.size, NULL, &info);
    return st ? st : mirs_image_check_limits(&info, s);
}

static int c_check_limits_info(void *s)
{
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    int st = mirs_image_probe_memory(png.data, png.size, NULL, &info);
    if (st) return st;
    /* The caller's struct: its own size, the probed fields copied in as far as it reaches. */
    size_t size = ((mirs_image_info *)s)->struct_size, n = size < sizeof info ? size : sizeof info;
    if (n > sizeof(size_t)) memcpy((char *)s + sizeof(size_t), (char *)&info + sizeof(size_t), n - sizeof(size_t));
    return mirs_image_check_limits(s, NULL);
}

static int c_batch_run(void *s)
{
    mirs_image_batch *b = NULL;
    int st = mirs_image_batch_new(&b);
    if (!st) st = mirs_image_batch_add_memory(b, png.data, png.size, 2, 2);
    size_t failed = 1;
    if (!st) st = mirs_image_batch_run(b, s, &failed);
    if (!st && (failed || mirs_image_batch_status(b, 0))) st = MIRS_E_INTERNAL;
    mirs_image_batch_free(b);
    return st;
}

static int c_probe_file_opts(void *s)
{
    mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
    return mirs_image_probe_file(png_path, s, &info);
}

static int c_probe_file_info(void *s) { return mirs_image_probe_file(png_path, NULL, s); }

static int c_decode_memory(void *s)
{
    mirs_image *im = NULL;
    return free_image(mirs_image_decode_memory(png.data, png.size, s, &im), im);
}

static int c_decode_file(void *s)
{
    mirs_image *im = NULL;
    return free_image(mirs_image_decode_file(png_path, s, &im), im);
}

static int c_encode(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_image_encode(img, s, &b), &b);
}

static int c_encode_data_url(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_image_encode_data_url(img, s, &b), &b);
}

static int c_composite(void *s)
{
    const mirs_image *ims[2] = {img, img};
    mirs_image *im = NULL;
    return free_image(mirs_image_composite(ims, 2, s, &im), im);
}

static int c_render_input(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_prompt_render(s, NULL, &b), &b);
}

static int c_render_opts(void *s)
{
    mirs_prompt_input in = MIRS_PROMPT_INPUT_INIT;
    in.text = "Describe the pictures.";
    mirs_buf b = {0, 0};
    return free_buf(mirs_prompt_render(&in, s, &b), &b);
}

static int c_item_text(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_prompt_item_text(item, s, &b), &b);
}

static int c_item_line(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_prompt_item_line(item, s, &b), &b);
}

static const char think_text[] = "<think>hmm</think>The answer.";

static int c_strip_span(void *s)
{
    size_t a, e;
    return mirs_strip_reasoning_span(think_text, strlen(think_text), MIRS_STRIP_TAGS, s, &a, &e, NULL);
}

static int c_strip(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_strip_reasoning(think_text, strlen(think_text), MIRS_STRIP_TAGS, s, &b, NULL), &b);
}

static int c_judge_prompt(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_judge_prompt(MIRS_JUDGE_LLAMAGUARD3, "behaviour", "generation", NULL, s, &b), &b);
}

static int c_judge_prompt_len(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_judge_prompt_len(MIRS_JUDGE_LLAMAGUARD3, "behaviour", 9, "gen\0eration", 11, NULL, 0, s, &b),
                    &b);
}

/* An official results/harmbench/<model> folder with one category and no files: read, nothing counted. */
static int official_dir(char *p, size_t n)
{
    snprintf(p, n, "%s/official", tmp_dir);
    char cat[400];
    snprintf(cat, sizeof cat, "%s/Violence", p);
    if ((mkdir(p, 0700) && errno != EEXIST) || (mkdir(cat, 0700) && errno != EEXIST)) return -1;
    return 0;
}

static int c_records_from_official(void *s)
{
    char p[300];
    if (official_dir(p, sizeof p)) return MIRS_E_IO;
    mirs_records *r = NULL;
    int st = mirs_records_from_official(p, "m", s, &r);
    mirs_records_free(r);
    return st;
}

static int c_report_add_official(void *s)
{
    char p[300];
    if (official_dir(p, sizeof p)) return MIRS_E_IO;
    mirs_report *r = NULL;
    int st = mirs_report_new("m", "harmbench-mir", &r);
    if (!st) st = mirs_report_add_official(r, p, s);
    mirs_report_free(r);
    return st;
}

/* A new .jsonl file holding text; its path in p. */
static int tmp_file(char *p, size_t n, const char *text)
{
    tmp_path(p, n, ".jsonl");
    FILE *f = fopen(p, "w");
    if (!f) return -1;
    int bad = fputs(text, f) < 0;
    return fclose(f) || bad ? -1 : 0;
}

static int c_responses_open(void *s)
{
    char p[300];
    if (tmp_file(p, sizeof p, "{\"key\":\"k\",\"response\":\"r\"}\n")) return MIRS_E_IO;
    mirs_responses *r = NULL;
    int st = mirs_responses_open(p, s, &r);
    mirs_responses_free(r);
    return st;
}

static int c_responses_parse(void *s)
{
    const char *t = "{\"key\":\"k\",\"response\":\"r\"}\n";
    mirs_responses *r = NULL;
    int st = mirs_responses_parse(t, strlen(t), "t", s, &r);
    mirs_responses_free(r);
    return st;
}

static int c_records_read(void *s)
{
    char p[300];
    if (tmp_file(p, sizeof p, "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n"))
        return MIRS_E_IO;
    mirs_records *r = NULL;
    int st = mirs_records_read(p, s, &r);
    mirs_records_free(r);
    return st;
}

static int c_records_parse(void *s)
{
    const char *t = "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n";
    mirs_records *r = NULL;
    int st = mirs_records_parse(t, strlen(t), "t", s, &r);
    mirs_records_free(r);
    return st;
}

static int c_responses_parse_official(void *s)
{
    const char *t = "[{\"answer\":\"a\"}]";
    mirs_responses *r = NULL;
    int st = mirs_responses_parse_official(t, strlen(t), "Privacy", "Relevance", s, &r);
    mirs_responses_free(r);
    return st;
}

static int c_record_to_json(void *s)
{
    mirs_buf b = {0, 0};
    return free_buf(mirs_record_to_json(s, &b), &b);
}

static int open_store(const mirs_store_options *o, mirs_store **out)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    return mirs_store_open(p, o, out);
}

static int c_store_append(void *s)
{
    mirs_store *store = NULL;
    int st = open_store(NULL, &store);
    if (st) return st;
    st = mirs_store_append(store, s);
    int st2 = mirs_store_close(store);
    return st ? st : st2;
}

static int c_store_open(void *s)
{
    mirs_store *store = NULL;
    int st = open_store(s, &store);
    int st2 = mirs_store_close(store);
    return st ? st : st2;
}

static int c_report_add_record(void *s)
{
    mirs_report *r = NULL;
    int st = mirs_report_new("m", "j", &r);
    if (!st) st = mirs_report_add_record(r, s);
    mirs_report_free(r);
    return st;
}

static int count_lines(void *ud, const char *line, size_t len)
{
    (void)line;
    (void)len;
    ++*(size_t *)ud;
    return MIRS_OK;
}

static int c_report_write_html(void *s)
{
    mirs_report *r = NULL;
    int st = mirs_report_new("m", "j", &r);
    size_t lines = 0;
    const mirs_report *const rs[1] = {r};
    if (!st) st = mirs_report_write_html(rs, 1, NULL, 0, s, count_lines, &lines);
    mirs_report_free(r);
    return !st && lines == 0 ? MIRS_E_INTERNAL : st;
}

static int c_compare_models(void *s) { return mirs_compare_models(rec_a, "A", "j", rec_b, "B", "j", 0.95, s); }
static int c_compare_judges(void *s) { return mirs_compare_judges(rec_ja, "j", rec_jb, "k", "A", s); }

static int c_entropy_rows(void *s)
{
    double out[2];
    return mirs_entropy_rows(probs, MIRS_ENTROPY_F32, 2, 4, 4, s, out);
}

static int c_entropy_rows_spans(void *s)
{
    const size_t spans[2] = {0, 4};
    double e[2], m[2];
    return mirs_entropy_rows_spans(probs, MIRS_ENTROPY_F32, 2, 4, 4, spans, 1, NULL, s, e, m);
}

static int c_view_compute_opts(void *s)
{
    mirs_entropy_view v;
    int st = mirs_entropy_view_init(&v, sizeof v, probs, MIRS_ENTROPY_F32, 1, 1, 2, 4);
    double e[2];
    return st ? st : mirs_entropy_view_compute(&v, 0, SIZE_MAX, NULL, 0, NULL, s, e, NULL);
}

static int c_view_compute_view(void *s)
{
    double e[2];
    return mirs_entropy_view_compute(s, 0, SIZE_MAX, NULL, 0, NULL, NULL, e, NULL);
}

static int c_monitor_new(void *s)
{
    mirs_entropy_monitor *m = NULL;
    int st = mirs_entropy_monitor_new(1, 1, 0.5, s, &m);
    mirs_entropy_monitor_free(m);
    return st;
}

static int c_tensor_view(void *s) { return mirs_entropy_tensor_view(tensor, "lhqk", s); }
static int c_acc_summary(void *s) { return mirs_entropy_acc_summary(acc, MIRS_ENTROPY_LABEL_SAFE, 0, 0, s); }
static int c_acc_compare(void *s) { return mirs_entropy_acc_compare(acc, MIRS_ENTROPY_ALL_LAYERS, 20, 1, s); }

/* The client: an empty source (nothing is sent) into a new file; without
 * libcurl the structs are checked all the same, then MIRS_E_UNSUPPORTED. */
static int empty_source(void *userdata, const char **line, size_t *len)
{
    (void)userdata, (void)line, (void)len;
    return MIRS_DONE;
}

static void fill_client_options(void *p) { ((mirs_client_options *)p)->endpoint = "http://127.0.0.1:1/v1"; }

static int client_status(int st) { return st == MIRS_E_UNSUPPORTED && !mirs_client_available() ? MIRS_OK : st; }

static int c_client_run_opts(void *s)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    return client_status(mirs_client_run(empty_source, NULL, p, s, NULL));
}

static int c_client_run_summary(void *s)
{
    char p[300];
    tmp_path(p, sizeof p, ".jsonl");
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    fill_client_options(&o);
    return client_status(mirs_client_run(empty_source, NULL, p, &o, s));
}

static int client_file(char *req, size_t n)
{
    tmp_path(req, n, ".jsonl");
    FILE *f = fopen(req, "wb");
    return f && fclose(f) == 0 ? 0 : -1;
}

static int c_client_run_file_opts(void *s)
{
    char p[300], req[300];
    tmp_path(p, sizeof p, ".jsonl");
    if (client_file(req, sizeof req)) return MIRS_E_IO;
    return client_status(mirs_client_run_file(req, p, s, NULL));
}

static int c_client_run_file_summary(void *s)
{
    char p[300], req[300];
    tmp_path(p, sizeof p, ".jsonl");
    if (client_file(req, sizeof req)) return MIRS_E_IO;
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    fill_client_options(&o);
    return client_status(mirs_client_run_file(req, p, &o, s));
}

typedef struct driver {
    const char *function, *struct_name;
    void (*fill)(void *p);
    int (*call)(void *s);
} driver;

static const driver drivers[] = {
    {"mirs_dataset_open", "mirs_dataset_options", NULL, c_dataset_open},
    {"mirs_iter_new", "mirs_filter", NULL, c_iter_new},
    {"mirs_prompt_write", "mirs_filter", NULL, c_prompt_write_filter},
    {"mirs_prompt_write_file", "mirs_filter", NULL, c_prompt_write_file_filter},
    {"mirs_score_responses", "mirs_filter", NULL, c_score_filter},
    {"mirs_image_probe_memory", "mirs_image_decode_options", NULL, c_probe_memory_opts},
    {"mirs_image_probe_file", "mirs_image_decode_options", NULL, c_probe_file_opts},
    {"mirs_image_decode_memory", "mirs_image_decode_options", NULL, c_decode_memory},
    {"mirs_image_decode_file", "mirs_image_decode_options", NULL, c_decode_file},
    {"mirs_image_probe_memory", "mirs_image_info", NULL, c_probe_memory_info},
    {"mirs_image_batch_run", "mirs_image_batch_options", NULL, c_batch_run},
    {"mirs_records_from_official", "mirs_official_options", NULL, c_records_from_official},
    {"mirs_report_add_official", "mirs_official_options", NULL, c_report_add_official},
    {"mirs_image_check_limits", "mirs_image_decode_options", NULL, c_check_limits_opts},
    {"mirs_image_check_limits", "mirs_image_info", NULL, c_check_limits_info},
    {"mirs_image_probe_file", "mirs_image_info", NULL, c_probe_file_info},
    {"mirs_image_encode", "mirs_image_encode_options", NULL, c_encode},
    {"mirs_image_encode_data_url", "mirs_image_encode_options", NULL, c_encode_data_url},
    {"mirs_image_composite", "mirs_image_composite_options", NULL, c_composite},
    {"mirs_prompt_render", "mirs_prompt_options", NULL, c_render_opts},
    {"mirs_prompt_item_text", "mirs_prompt_options", NULL, c_item_text},
    {"mirs_prompt_item_line", "mirs_prompt_options", NULL, c_item_line},
    {"mirs_prompt_write", "mirs_prompt_options", NULL, c_prompt_write_opts},
    {"mirs_prompt_options_check", "mirs_prompt_options", NULL, c_prompt_options_check},
    {"mirs_prompt_write_file", "mirs_prompt_options", NULL, c_prompt_write_file_opts},
    {"mirs_prompt_render", "mirs_prompt_input", fill_prompt_input, c_render_input},
    {"mirs_strip_reasoning_span", "mirs_strip_options", NULL, c_strip_span},
    {"mirs_strip_reasoning", "mirs_strip_options", NULL, c_strip},
    {"mirs_judge_prompt", "mirs_judge_options", NULL, c_judge_prompt},
    {"mirs_judge_prompt_len", "mirs_judge_options", NULL, c_judge_prompt_len},
    {"mirs_responses_open", "mirs_responses_options", NULL, c_responses_open},
    {"mirs_responses_parse", "mirs_responses_options", NULL, c_responses_parse},
    {"mirs_responses_parse_official", "mirs_responses_options", NULL, c_responses_parse_official},
    {"mirs_record_to_json", "mirs_record", fill_record, c_record_to_json},
    {"mirs_store_append", "mirs_record", fill_record, c_store_append},
    {"mirs_report_add_record", "mirs_record", fill_record, c_report_add_record},
    {"mirs_store_open", "mirs_store_options", NULL, c_store_open},
    {"mirs_records_read", "mirs_records_options", NULL, c_records_read},
    {"mirs_records_parse", "mirs_records_options", NULL, c_records_parse},
    {"mirs_report_write_html", "mirs_report_html_options", NULL, c_report_write_html},
    {"mirs_compare_models", "mirs_model_comparison", NULL, c_compare_models},
    {"mirs_compare_judges", "mirs_judge_comparison", NULL, c_compare_judges},
    {"mirs_score_responses", "mirs_score_options", fill_score_options, c_score_opts},
    {"mirs_score_responses", "mirs_score_summary", NULL, c_score_summary},
    {"mirs_judge_requests_write", "mirs_judge_requests_options", NULL, c_judge_requests_opts},
    {"mirs_judge_requests_write", "mirs_judge_requests_summary", NULL, c_judge_requests_summary},
    {"mirs_entropy_rows", "mirs_entropy_options", NULL, c_entropy_rows},
    {"mirs_entropy_rows_spans", "mirs_entropy_options", NULL, c_entropy_rows_spans},
    {"mirs_entropy_view_compute", "mirs_entropy_options", NULL, c_view_compute_opts},
    {"mirs_entropy_monitor_new", "mirs_entropy_options", NULL, c_monitor_new},
    {"mirs_entropy_view_compute", "mirs_entropy_view", fill_view, c_view_compute_view},
    {"mirs_entropy_tensor_view", "mirs_entropy_view", NULL, c_tensor_view},
    {"mirs_entropy_acc_summary", "mirs_entropy_summary", NULL, c_acc_summary},
    {"mirs_entropy_acc_compare", "mirs_entropy_group_test", NULL, c_acc_compare},
    {"mirs_client_run", "mirs_client_options", fill_client_options, c_client_run_opts},
    {"mirs_client_run_file", "mirs_client_options", fill_client_options, c_client_run_file_opts},
    {"mirs_client_run", "mirs_client_summary", NULL, c_client_run_summary},
    {"mirs_client_run_file", "mirs_client_summary", NULL, c_client_run_file_summary},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* ---- the harness ---- */

static int two_version;

/* A struct as a caller of `size` bytes passes it: the header's defaults (the
 * init function into a heap block of exactly sizeof, or a zeroed struct with
 * struct_size for output structs), the fields the call needs, cut to or
 * padded to `size` (pad: -1 zero bytes, else a non-zero byte in the pad),
 * in a heap block of exactly `size` bytes. */
static int call_at(const vs_struct *vs, const driver *d, size_t size, int pad)
{
    unsigned char *proto = malloc(vs->size);
    unsigned char *p = malloc(size);
    int st = MIRS_E_NO_MEMORY;
    if (!proto || !p) goto done;
    memset(proto, 0, vs->size);
    memcpy(proto, &vs->size, sizeof vs->size);
    if (vs->init && (st = vs->init(proto, vs->size)) != MIRS_OK) goto done;
    if (d->fill) d->fill(proto);
    memcpy(p, proto, size < vs->size ? size : vs->size);
    if (size > vs->size) memset(p + vs->size, 0, size - vs->size);
    if (pad >= 0) p[vs->size + (size_t)pad] = 1;
    memcpy(p, &size, sizeof size);
    st = d->call(p);
    size_t kept;
    memcpy(&kept, p, sizeof kept);
    if (kept != size) {
        fprintf(stderr, "%s: %s changed struct_size from %zu to %zu\n", vs->name, d->function, size, kept);
        st = MIRS_E_INTERNAL;
    }
done:
    free(p);
    free(proto);
    return st;
}

static void check_use(const vs_struct *vs, const driver *d)
{
    struct {
        const char *what;
        size_t size;
        int pad;
    } cases[] = {
        {"older caller", vs->older_size, -1},
        {"this header", vs->size, -1},
        {"newer caller, zero padding", vs->size + 16, -1},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        int st = call_at(vs, d, cases[i].size, cases[i].pad);
        if (st == MIRS_OK)
            t_pass++;
        else {
            t_fail++;
            fprintf(stderr, "%s(%s) as %s (struct_size %zu): %s: %s\n", d->function, vs->name, cases[i].what,
                    cases[i].size, mirs_status_str(st), mirs_error_last());
        }
    }
    if (vs->on_stack) {
        /* A stack variable set from the _INIT macro, as C callers write it. */
        int st = vs->on_stack(d->fill, d->call);
        if (st == MIRS_OK)
            t_pass++;
        else {
            t_fail++;
            fprintf(stderr, "%s(%s) from the _INIT macro: %s: %s\n", d->function, vs->name, mirs_status_str(st),
                    mirs_error_last());
        }
    }
    int st = call_at(vs, d, vs->size + 16, 5);
    if (two_version) {
        /* The library's struct has 8 more bytes (its appended field): a
         * non-zero byte there is a valid value, which proves the library
         * really is the grown one. */
        if (st == MIRS_OK)
            t_pass++;
        else {
            t_fail++;
            fprintf(stderr, "%s(%s): the library does not know the appended field: %s: %s\n", d->function, vs->name,
                    mirs_status_str(st), mirs_error_last());
        }
        return;
    }
    char want_name[128], want_sizes[64];
    snprintf(want_name, sizeof want_name, "%s:", vs->name);
    snprintf(want_sizes, sizeof want_sizes, "struct_size %zu is larger than this library's %zu", vs->size + 16,
             vs->size);
    const char *msg = mirs_error_last();
    if (st == MIRS_E_INVALID_ARGUMENT && strstr(msg, want_name) && strstr(msg, want_sizes))
        t_pass++;
    else {
        t_fail++;
        fprintf(stderr, "%s(%s) with a non-zero byte past the struct: %s: %s\n", d->function, vs->name,
                mirs_status_str(st), msg);
    }
    /* A struct_size that is no size of the struct: refused, nothing read. */
    unsigned char *p = malloc(sizeof(size_t));
    size_t four = 4;
    if (p) {
        memcpy(p, &four, sizeof four);
        CHECK_STATUS(d->call(p), MIRS_E_INVALID_ARGUMENT);
        free(p);
    }
}

static void check_init(const vs_struct *vs)
{
    /* Heap blocks of exactly the size given: an init function that writes
     * its own sizeof past a smaller caller struct is a heap overflow. */
    const size_t sizes[3] = {vs->older_size, vs->size, vs->size + 16};
    for (size_t i = 0; i < (two_version ? 2u : 3u); i++) {
        size_t n = sizes[i];
        unsigned char *p = malloc(n);
        if (!p) continue;
        memset(p, 0xA5, n);
        CHECK_OK(vs->init(p, n));
        size_t got;
        memcpy(&got, p, sizeof got);
        CHECK_EQ_INT(got, n);
        if (!two_version) {
            int zero = 1;
            for (size_t k = vs->size; k < n; k++) zero &= p[k] == 0;
            CHECK(zero);
        }
        free(p);
    }
    unsigned char small[sizeof(size_t)];
    CHECK_STATUS(vs->init(small, 4), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(vs->init(NULL, vs->size), MIRS_E_INVALID_ARGUMENT);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SAMPLE_DATASET [--two-version]\n", argv[0]);
        return 2;
    }
    sample_dir = argv[1];
    two_version = argc > 2 && strcmp(argv[2], "--two-version") == 0;
    if (setup()) {
        fprintf(stderr, "fixture setup failed: %s\n", mirs_error_last());
        teardown();
        return 1;
    }
    for (size_t i = 0; i < COUNT(vs_structs); i++)
        if (vs_structs[i].init) check_init(&vs_structs[i]);
    /* Every use in the headers has a driver, and every driver a use. */
    for (size_t u = 0; u < COUNT(vs_uses); u++) {
        const driver *d = NULL;
        for (size_t k = 0; k < COUNT(drivers) && !d; k++)
            if (!strcmp(drivers[k].function, vs_uses[u].function) &&
                !strcmp(drivers[k].struct_name, vs_uses[u].struct_name))
                d = &drivers[k];
        const vs_struct *vs = NULL;
        for (size_t k = 0; k < COUNT(vs_structs) && !vs; k++)
            if (!strcmp(vs_structs[k].name, vs_uses[u].struct_name)) vs = &vs_structs[k];
        if (!d || !vs) {
            t_fail++;
            fprintf(stderr, "%s takes a %s but tests/abi/test_struct_versions.c has no driver for it: add one\n",
                    vs_uses[u].function, vs_uses[u].struct_name);
            continue;
        }
        check_use(vs, d);
    }
    for (size_t k = 0; k < COUNT(drivers); k++) {
        int found = 0;
        for (size_t u = 0; u < COUNT(vs_uses); u++)
            found |= !strcmp(drivers[k].function, vs_uses[u].function) &&
                     !strcmp(drivers[k].struct_name, vs_uses[u].struct_name);
        if (!found) {
            t_fail++;
            fprintf(stderr, "driver %s(%s) matches no function of the headers\n", drivers[k].function,
                    drivers[k].struct_name);
        }
    }
    teardown();
    return test_summary(two_version ? "struct-versions-two-version" : "struct-versions");
}
