/* The verdict store: serialisation, torn tails, resume, merge. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/internal.h"

#include <mirsafety/mirsafety.h>
#include "../testutil.h"

static char dir[256];

static char *path_in(const char *name)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ & 3];
    snprintf(p, 512, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static mirs_record rec(const char *key, const char *model, const char *judge, int32_t verdict)
{
    mirs_record r = MIRS_RECORD_INIT;
    r.key = key;
    r.model = model;
    r.judge = judge;
    r.verdict = verdict;
    return r;
}

static void test_json(void)
{
    mirs_record r = rec("Violence/Analogy/7", "m\"1", "harmbench-mir", MIRS_VERDICT_UNSAFE);
    r.flags = MIRS_RECORD_TRUNCATED | MIRS_RECORD_FAILED;
    r.response = "line\nbreak \xc3\xa9";
    r.timestamp_ms = 1700000000123;
    mirs_buf b = {0};
    CHECK_OK(mirs_record_to_json(&r, &b));
    CHECK_STR((char *)b.data, "{\"key\":\"Violence/Analogy/7\",\"model\":\"m\\\"1\",\"judge\":\"harmbench-mir\","
                              "\"verdict\":\"unsafe\",\"flags\":[\"failed\",\"truncated\"],\"response\":\"line\\nbreak "
                              "\xc3\xa9\",\"ts\":1700000000123}\n");
    /* Round trip. */
    mirs_records *rs = NULL;
    CHECK_OK(mirs_records_parse((char *)b.data, b.size, "t", NULL, &rs));
    CHECK_EQ_INT(mirs_records_count(rs), 1);
    const mirs_record *g = mirs_records_get(rs, 0);
    CHECK_STR(g->model, "m\"1");
    CHECK_EQ_INT(g->flags, MIRS_RECORD_TRUNCATED | MIRS_RECORD_FAILED);
    CHECK_EQ_INT(g->verdict, MIRS_VERDICT_UNSAFE);
    CHECK_EQ_INT(g->timestamp_ms, 1700000000123);
    CHECK(g->judge_output == NULL);
    mirs_records_free(rs);
    mirs_buf_free(&b);

    r.verdict = 42;
    CHECK_STATUS(mirs_record_to_json(&r, &b), MIRS_E_INVALID_ARGUMENT);
    r.verdict = MIRS_RECORD_NO_VERDICT;
    r.flags = 0x100;
    CHECK_STATUS(mirs_record_to_json(&r, &b), MIRS_E_INVALID_ARGUMENT);
    r.flags = 0;
    r.response = "\xff";
    CHECK_STATUS(mirs_record_to_json(&r, &b), MIRS_E_UTF8);
    r.response = NULL;
    r.key = "";
    CHECK_STATUS(mirs_record_to_json(&r, &b), MIRS_E_INVALID_ARGUMENT);
    CHECK(b.data == NULL);
}

/* Response and judge output texts may hold U+0000: they are written and read back by length (issue #17, point 4),
 * C-string fields with U+0000 are refused by name, and a record of the size before the lengths still works. */
static void test_nul_texts(void)
{
    mirs_record r = rec("Violence/Analogy/7", "m", "harmbench-mir", MIRS_VERDICT_SAFE);
    r.response = "Sure.\0NUL";
    r.response_len = 9;
    r.judge_output = "Yes\0";
    r.judge_output_len = 4;
    mirs_buf b = {0};
    CHECK_OK(mirs_record_to_json(&r, &b));
    CHECK(strstr((char *)b.data, "\"judge_output\":\"Yes\\u0000\",\"response\":\"Sure.\\u0000NUL\"") != NULL);
    mirs_records *rs = NULL;
    CHECK_OK(mirs_records_parse((char *)b.data, b.size, "t", NULL, &rs));
    const mirs_record *g = mirs_records_get(rs, 0);
    CHECK_EQ_INT(g->response_len, 9);
    CHECK(memcmp(g->response, "Sure.\0NUL", 9) == 0);
    CHECK_EQ_INT(g->judge_output_len, 4);
    CHECK(memcmp(g->judge_output, "Yes\0", 4) == 0);
    mirs_buf b2 = {0};
    CHECK_OK(mirs_record_to_json(g, &b2)); /* a read record writes the same line */
    CHECK(b2.size == b.size && memcmp(b2.data, b.data, b.size) == 0);
    mirs_buf_free(&b2);
    mirs_records_free(rs);
    mirs_buf_free(&b);
    /* Lengths 0: strlen, as for callers that never set them; an older struct_size ends before them. */
    r.response_len = r.judge_output_len = 0;
    r.struct_size = offsetof(mirs_record, response_len);
    CHECK_OK(mirs_record_to_json(&r, &b));
    CHECK(strstr((char *)b.data, "\"judge_output\":\"Yes\",\"response\":\"Sure.\"") != NULL);
    mirs_buf_free(&b);
    r.struct_size = offsetof(mirs_record, timestamp_ms);
    CHECK_STATUS(mirs_record_to_json(&r, &b), MIRS_E_INVALID_ARGUMENT);
    /* An interior line whose key holds U+0000 is a bad record that names the reason, not a key cut at the NUL. */
    const char *bad = "{\"key\":\"K\\u0000x\",\"model\":\"m\",\"judge\":\"j\"}\n"
                      "{\"key\":\"K\",\"model\":\"m\",\"judge\":\"j\"}\n";
    CHECK_STATUS(mirs_records_parse(bad, strlen(bad), "t", NULL, &rs), MIRS_E_CORRUPT);
    CHECK(strstr(mirs_error_last(), "U+0000") != NULL);
}

static void test_read_torn_and_corrupt(void)
{
    const char *good = "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n";
    char text[1024];
    mirs_records *rs = NULL;
    mirs_records_options lenient = MIRS_RECORDS_OPTIONS_INIT;
    lenient.mode = MIRS_READ_LENIENT;
    /* Unterminated last line, even valid JSON, is torn. */
    snprintf(text, sizeof text, "%s%s", good, "{\"key\":\"b\",\"model\":\"m\",\"judge\":\"j\"}");
    CHECK_OK(mirs_records_parse(text, strlen(text), "t", NULL, &rs));
    CHECK_EQ_INT(mirs_records_count(rs), 1);
    CHECK_EQ_INT(mirs_records_torn_bytes(rs), strlen(text) - strlen(good));
    mirs_records_free(rs);
    /* Terminated but invalid last line: not torn (a record and its newline
     * go out in one append) but corrupt, named by line and byte (issue #16:
     * repair used to delete such a complete line). */
    snprintf(text, sizeof text, "%s{\"key\":\"b\",\"mo\n", good);
    rs = NULL;
    CHECK_STATUS(mirs_records_parse(text, strlen(text), "t", NULL, &rs), MIRS_E_CORRUPT);
    CHECK(strstr(mirs_error_last(), "t: line 2 (byte 53)") != NULL);
    CHECK(rs == NULL);
    CHECK_OK(mirs_records_parse(text, strlen(text), "t", &lenient, &rs));
    CHECK_EQ_INT(mirs_records_count(rs), 1);
    CHECK_EQ_INT(mirs_records_diagnostic_count(rs), 1);
    CHECK_EQ_INT(mirs_records_torn_bytes(rs), 0);
    mirs_records_free(rs);
    /* An interior bad line is corruption, with line and byte. */
    snprintf(text, sizeof text, "%sgarbage\n%s", good, good);
    rs = NULL;
    CHECK_STATUS(mirs_records_parse(text, strlen(text), "s.jsonl", NULL, &rs), MIRS_E_CORRUPT);
    CHECK(strstr(mirs_error_last(), "s.jsonl: line 2 (byte 53)") != NULL);
    CHECK(rs == NULL);
    CHECK_OK(mirs_records_parse(text, strlen(text), "s.jsonl", &lenient, &rs));
    CHECK_EQ_INT(mirs_records_count(rs), 2);
    CHECK_EQ_INT(mirs_records_diagnostic_count(rs), 1);
    mirs_records_free(rs);
    /* Schema problems. */
    const char *bad[] = {"{\"key\":\"a\",\"model\":\"m\"}\n\n",
                         "{\"key\":\"\",\"model\":\"m\",\"judge\":\"\"}\n\n",
                         "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"\",\"verdict\":\"Yes\"}\n\n",
                         "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"\",\"flags\":[\"x\"]}\n\n",
                         "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"\",\"ts\":-1}\n\n",
                         "[1]\n\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text, "%s%s", bad[i], good);
        CHECK_STATUS(mirs_records_parse(text, strlen(text), "t", NULL, &rs), MIRS_E_CORRUPT);
    }
    /* The one read-mode knob: an unknown mode is refused, not read as "lenient" (non-zero). */
    mirs_records_options odd = MIRS_RECORDS_OPTIONS_INIT;
    odd.mode = 2;
    rs = NULL;
    CHECK_STATUS(mirs_records_parse(good, strlen(good), "t", &odd, &rs), MIRS_E_INVALID_ARGUMENT);
    CHECK(strstr(mirs_error_last(), "mirs_records_options: mode 2") != NULL);
    CHECK(rs == NULL);
    int32_t m = -1;
    CHECK_OK(mirs_read_mode_from_name("Lenient", &m));
    CHECK_EQ_INT(m, MIRS_READ_LENIENT);
    CHECK_STR(mirs_read_mode_name(MIRS_READ_STRICT), "strict");
    CHECK(mirs_read_mode_name(2) == NULL);
    CHECK_STATUS(mirs_read_mode_from_name("loose", &m), MIRS_E_NOT_FOUND);
}

static void test_store_resume(void)
{
    const char *p = path_in("s1.jsonl");
    unlink(p);
    mirs_store *s = NULL;
    mirs_store_options o = MIRS_STORE_OPTIONS_INIT;
    for (int pol = 0; pol < 4; pol++) {
        unlink(p);
        o.durability = pol;
        o.fsync_every = 2;
        CHECK_OK(mirs_store_open(p, &o, &s));
        mirs_store *s2 = NULL;
        CHECK_STATUS(mirs_store_open(p, &o, &s2), MIRS_E_STATE); /* one writer at a time */
        mirs_record r = rec("k1", "m", "j", MIRS_VERDICT_SAFE);
        CHECK_OK(mirs_store_append(s, &r));
        r = rec("k2", "m", "j", MIRS_VERDICT_ERROR);
        CHECK_OK(mirs_store_append(s, &r));
        r = rec("k3", "m2", "j", MIRS_VERDICT_UNSAFE);
        CHECK_OK(mirs_store_append(s, &r));
        CHECK_EQ_INT(mirs_store_done(s, "k1", "m", "j"), 1);
        CHECK_EQ_INT(mirs_store_done(s, "k2", "m", "j"), 0); /* errors are retried */
        CHECK_EQ_INT(mirs_store_done(s, "k3", NULL, NULL), 1);
        CHECK_EQ_INT(mirs_store_done(s, "k3", "m", NULL), 0);
        CHECK_OK(mirs_store_close(s));
        CHECK_OK(mirs_store_open(p, &o, &s));
        CHECK_EQ_INT(mirs_store_record_count(s), 3);
        CHECK_EQ_INT(mirs_store_done(s, "k1", "m", "j"), 1);
        CHECK_EQ_INT(mirs_store_done(s, "k3", "m2", "j"), 1);
        CHECK_EQ_INT(mirs_store_done(s, "k2", NULL, NULL), 0);
        CHECK_EQ_INT(mirs_store_done(s, "k9", NULL, NULL), 0);
        /* A bad argument is not a "no". */
        CHECK_STATUS(mirs_store_done(s, NULL, NULL, NULL), MIRS_E_INVALID_ARGUMENT);
        CHECK_STATUS(mirs_store_done(NULL, "k1", NULL, NULL), MIRS_E_INVALID_ARGUMENT);
        CHECK_OK(mirs_store_close(s));
    }
    /* Many keys: exercises the resume set's growth. */
    unlink(p);
    o.durability = MIRS_DURABLE_NONE;
    CHECK_OK(mirs_store_open(p, &o, &s));
    char key[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "Violence/Analogy/%d", i);
        mirs_record r = rec(key, "m", "j", i % 3 ? MIRS_VERDICT_SAFE : MIRS_VERDICT_UNSAFE);
        mirs_store_append(s, &r);
    }
    CHECK_OK(mirs_store_close(s));
    CHECK_OK(mirs_store_open(p, &o, &s));
    int found = 0;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "Violence/Analogy/%d", i);
        found += mirs_store_done(s, key, "m", "j");
    }
    CHECK_EQ_INT(found, 5000);
    CHECK_EQ_INT(mirs_store_done(s, "Violence/Analogy/5000", NULL, NULL), 0);
    CHECK_OK(mirs_store_close(s));
}

static void test_store_torn(void)
{
    const char *p = path_in("torn.jsonl");
    const char *good = "{\"key\":\"a\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n";
    char text[512];
    snprintf(text, sizeof text, "%s{\"key\":\"b\",\"mod", good);
    write_text(p, text);
    mirs_store *s = NULL;
    mirs_store_options o = MIRS_STORE_OPTIONS_INIT;
    CHECK_STATUS(mirs_store_open(p, &o, &s), MIRS_E_TORN);
    CHECK(strstr(mirs_error_last(), "last 15 bytes (from byte 53)") != NULL);
    CHECK_STR(read_text(p), text); /* refused: untouched */
    o.torn = MIRS_TORN_TRUNCATE;
    CHECK_OK(mirs_store_open(p, &o, &s));
    CHECK_EQ_INT(mirs_store_torn_bytes(s), 15);
    mirs_record r = rec("c", "m", "j", MIRS_VERDICT_UNSAFE);
    CHECK_OK(mirs_store_append(s, &r));
    CHECK_OK(mirs_store_close(s));
    snprintf(text, sizeof text, "%s{\"key\":\"c\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"unsafe\"}\n", good);
    CHECK_STR(read_text(p), text);
    /* Interior corruption is refused whatever the torn policy. */
    snprintf(text, sizeof text, "%s\x01\n%s", good, good);
    write_text(p, text);
    CHECK_STATUS(mirs_store_open(p, &o, &s), MIRS_E_CORRUPT);
    /* A complete last line that is no record (an unknown verdict) is not
     * torn: repair refuses it naming the line and leaves the file alone. */
    snprintf(text, sizeof text, "%s{\"key\":\"b\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"maybe\"}\n", good);
    write_text(p, text);
    for (int torn = 0; torn < 2; torn++) {
        o.torn = torn ? MIRS_TORN_TRUNCATE : MIRS_TORN_REFUSE;
        s = NULL;
        CHECK_STATUS(mirs_store_open(p, &o, &s), MIRS_E_CORRUPT);
        CHECK(s == NULL);
        CHECK(strstr(mirs_error_last(), "line 2 (byte 53)") != NULL);
        CHECK(strstr(mirs_error_last(), "verdict") != NULL);
        CHECK_STR(read_text(p), text);
    }
    o.torn = MIRS_TORN_TRUNCATE;
    /* A tail of NUL bytes (what a power loss can leave) is torn. */
    FILE *f = fopen(p, "wb");
    fputs(good, f);
    fwrite("\0\0\0\0", 1, 4, f);
    fclose(f);
    CHECK_OK(mirs_store_open(p, &o, &s));
    CHECK_EQ_INT(mirs_store_torn_bytes(s), 4);
    CHECK_OK(mirs_store_close(s));
    CHECK_STR(read_text(p), good);
}

static void test_merge(void)
{
    const char *a = path_in("ma.jsonl"), *b = path_in("mb.jsonl"), *out = path_in("mo.jsonl");
    write_text(a, "{\"key\":\"k2\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n"
                  "{\"key\":\"k1\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"unsafe\",\"ts\":5}\n");
    write_text(b, "{\"key\":\"k1\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"unsafe\",\"ts\":3}\n"
                  "{\"key\":\"k0\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n");
    const char *ab[] = {a, b}, *ba[] = {b, a};
    uint64_t n = 0, d = 0, c = 0;
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(d, 1);
    CHECK_EQ_INT(c, 0);
    char first[4096];
    snprintf(first, sizeof first, "%s", read_text(out));
    CHECK_STR(first, "{\"key\":\"k0\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n"
                     "{\"key\":\"k1\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"unsafe\",\"ts\":3}\n"
                     "{\"key\":\"k2\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n");
    CHECK_OK(mirs_store_merge(ba, 2, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_STR(read_text(out), first);
    /* Conflict. */
    write_text(b, "{\"key\":\"k1\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\",\"ts\":9}\n");
    CHECK_STATUS(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c), MIRS_E_CONFLICT);
    CHECK(strstr(mirs_error_last(), "key k1") != NULL);
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_LAST_WINS, &n, &d, &c));
    CHECK_EQ_INT(c, 1);
    CHECK_STR(read_text(out), "{\"key\":\"k1\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\",\"ts\":9}\n"
                              "{\"key\":\"k2\",\"model\":\"m\",\"judge\":\"j\",\"verdict\":\"safe\"}\n");
    CHECK_OK(mirs_store_merge(ba, 2, out, MIRS_MERGE_LAST_WINS, &n, &d, &c));
    CHECK(strstr(read_text(out), "\"safe\",\"ts\":9") != NULL);
    /* A torn input is refused. */
    write_text(b, "{\"key\":\"k1\"");
    CHECK_STATUS(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c), MIRS_E_TORN);
}

#define L(k, m, v, extra) "{\"key\":\"" k "\",\"model\":\"" m "\",\"judge\":\"j\",\"verdict\":\"" v "\"" extra "}\n"

/* One verdict per (key, model, judge) counts: the latest final one, else
 * the latest error; a later error never displaces a final verdict. */
static void test_counted(void)
{
    const char *text = L("a", "m", "error", "")             /* 0: retried below */
        L("a", "m", "safe", "")                             /* 1: counts */
        L("b", "m", "error", "")                            /* 2 */
        L("b", "m", "error", ",\"judge_output\":\"again\"") /* 3: only errors: the latest counts */
        L("c", "m", "unsafe", "")                           /* 4: counts, the error after it does not */
        L("c", "m", "error", "")                            /* 5 */
        L("a", "m2", "unsafe", "")                          /* 6: another model: its own item */
        "{\"key\":\"d\",\"model\":\"m\",\"judge\":\"j\"}\n" /* 7: response only: never counts */
        L("e", "m", "safe", "")                             /* 8 */
        L("e", "m", "safe", "");                            /* 9: the latest of equal verdicts counts */
    static const int want[] = {0, 1, 0, 1, 1, 0, 1, 0, 0, 1};
    mirs_records *r = NULL;
    CHECK_OK(mirs_records_parse(text, strlen(text), "t", NULL, &r));
    CHECK_EQ_INT(mirs_records_count(r), 10);
    for (size_t i = 0; i < 10; i++) CHECK_EQ_INT(mirs_records_counted(r, i), want[i]);
    CHECK_EQ_INT(mirs_records_counted(r, 10), 0);
    CHECK_EQ_INT(mirs_records_counted(NULL, 0), 0);
    mirs_records_free(r);

    /* Resume agrees: an item is done when a final verdict counts for it. */
    const char *p = path_in("counted.jsonl");
    write_text(p, text);
    mirs_store *s = NULL;
    CHECK_OK(mirs_store_open(p, NULL, &s));
    CHECK_EQ_INT(mirs_store_done(s, "a", "m", "j"), 1);
    CHECK_EQ_INT(mirs_store_done(s, "b", "m", "j"), 0);
    CHECK_EQ_INT(mirs_store_done(s, "c", "m", "j"), 1);
    CHECK_OK(mirs_store_close(s));

    /* Merge keeps exactly the records that count, and a store merged alone
     * is no conflict for having an error and its retry. */
    const char *out = path_in("counted-out.jsonl");
    const char *one[] = {p};
    uint64_t n = 0, d = 0, c = 0;
    CHECK_OK(mirs_store_merge(one, 1, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_EQ_INT(n, 6);
    CHECK_EQ_INT(d, 4);
    CHECK_EQ_INT(c, 0);
    CHECK_STR(read_text(out),
              L("a", "m", "safe", "") L("a", "m2", "unsafe", "") L("b", "m", "error", ",\"judge_output\":\"again\"") L(
                  "c", "m", "unsafe", "") "{\"key\":\"d\",\"model\":\"m\",\"judge\":\"j\"}\n" L("e", "m", "safe", ""));
}

/* Merging parts: a final verdict in one part supersedes an error in
 * another; conflicting final verdicts stay conflicts. */
static void test_merge_supersede(void)
{
    const char *a = path_in("sa.jsonl"), *b = path_in("sb.jsonl"), *out = path_in("so.jsonl");
    const char *ab[] = {a, b}, *ba[] = {b, a};
    uint64_t n = 0, d = 0, c = 0;
    write_text(a, L("k", "m", "error", ",\"ts\":9") L("x", "m", "safe", ""));
    write_text(b, L("k", "m", "unsafe", ",\"ts\":1"));
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(d, 1);
    CHECK_EQ_INT(c, 0);
    char first[4096];
    snprintf(first, sizeof first, "%s", read_text(out));
    CHECK_STR(first, L("k", "m", "unsafe", ",\"ts\":1") L("x", "m", "safe", ""));
    CHECK_OK(mirs_store_merge(ba, 2, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_STR(read_text(out), first);
    /* Even a later-timestamped error does not beat a final verdict under last-wins. */
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_LAST_WINS, &n, &d, &c));
    CHECK_EQ_INT(c, 0);
    CHECK_STR(read_text(out), first);
    /* Errors only: kept once. */
    write_text(b, L("k", "m", "error", ",\"ts\":3"));
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c));
    CHECK_EQ_INT(c, 0);
    CHECK_STR(read_text(out), L("k", "m", "error", ",\"ts\":3") L("x", "m", "safe", ""));
    /* A part whose own retry fixed its error, against a part with another final verdict: a conflict. */
    write_text(a, L("k", "m", "error", "") L("k", "m", "safe", ",\"ts\":2"));
    write_text(b, L("k", "m", "unsafe", ",\"ts\":1"));
    CHECK_STATUS(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c), MIRS_E_CONFLICT);
    CHECK(strstr(mirs_error_last(), "key k") != NULL);
    CHECK(strstr(mirs_error_last(), "safe in") != NULL && strstr(mirs_error_last(), "unsafe in") != NULL);
    CHECK_OK(mirs_store_merge(ab, 2, out, MIRS_MERGE_LAST_WINS, &n, &d, &c));
    CHECK_EQ_INT(c, 1);
    CHECK_STR(read_text(out), L("k", "m", "safe", ",\"ts\":2"));
    /* A response-only record beside a verdict is a conflict, as it always was. */
    write_text(b, "{\"key\":\"k\",\"model\":\"m\",\"judge\":\"j\"}\n");
    CHECK_STATUS(mirs_store_merge(ab, 2, out, MIRS_MERGE_STRICT, &n, &d, &c), MIRS_E_CONFLICT);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/mirs-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    test_json();
    test_nul_texts();
    test_read_torn_and_corrupt();
    test_store_resume();
    test_store_torn();
    test_merge();
    test_counted();
    test_merge_supersede();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
    return test_summary("store");
}
