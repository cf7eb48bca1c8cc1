/* mirs_report_write_html: the page of several reports and an entropy
 * accumulator, delivered line by line to a sink (issue #23 moved it from the
 * tool into the library). The tool's output is compared with the committed
 * behaviour by tests/html/check_report.py; this pins the library contract:
 * lines, escaping, determinism, the sink's stop and error, argument checks. */
#include <mirsafety/mirsafety.h>

#include <stdlib.h>
#include <string.h>

#include "../testutil.h"

typedef struct page {
    char *data;
    size_t len, lines, bad_lines, stop_after;
    int fail_with;
} page;

static int collect(void *ud, const char *line, size_t len)
{
    page *p = ud;
    /* One line a call, newline included and nowhere else. */
    if (!len || line[len - 1] != '\n' || memchr(line, '\n', len - 1)) p->bad_lines++;
    char *nd = realloc(p->data, p->len + len + 1);
    if (!nd) return MIRS_E_NO_MEMORY;
    memcpy(nd + p->len, line, len);
    p->data = nd;
    p->len += len;
    p->data[p->len] = '\0';
    p->lines++;
    if (p->fail_with && p->lines == 2) return p->fail_with;
    if (p->stop_after && p->lines == p->stop_after) return MIRS_DONE;
    return MIRS_OK;
}

static void add(mirs_report *r, const char *key, int32_t verdict)
{
    mirs_record rec = MIRS_RECORD_INIT;
    rec.key = key;
    rec.model = "m";
    rec.judge = "j";
    rec.verdict = verdict;
    CHECK_OK(mirs_report_add_record(r, &rec));
}

int main(void)
{
    mirs_report *a = NULL, *b = NULL;
    CHECK_OK(mirs_report_new("model <a> & \"b\"", "harmbench-mir", &a));
    CHECK_OK(mirs_report_new("other", "llamaguard3", &b));
    add(a, "Violence/Analogy/1", MIRS_VERDICT_UNSAFE);
    add(a, "Violence/Analogy/2", MIRS_VERDICT_SAFE);
    add(a, "Privacy/Causality/1", MIRS_VERDICT_UNSAFE);
    add(b, "Violence/Analogy/1", MIRS_VERDICT_SAFE);
    mirs_entropy_acc *acc = NULL;
    CHECK_OK(mirs_entropy_acc_new(1, 1, 8, 0.0, 4.0, &acc));
    const double safe[4] = {1.0, 1.2, 1.4, 1.1}, unsafe[4] = {2.5, 2.7, 3.1, 2.9};
    for (int i = 0; i < 3; i++) {
        CHECK_OK(mirs_entropy_acc_add_item(acc, MIRS_ENTROPY_LABEL_SAFE, &safe[i], 1, 1, 1));
        CHECK_OK(mirs_entropy_acc_add_item(acc, MIRS_ENTROPY_LABEL_UNSAFE, &unsafe[i], 1, 1, 1));
    }
    const mirs_report *const reports[2] = {a, b};
    const mirs_report_html_entropy ent[1] = {{"my <model>", "nats", acc}};
    mirs_report_html_options o = MIRS_REPORT_HTML_OPTIONS_INIT;
    o.title = "T <1> & 2";
    o.note = "from \"here\"";

    page p = {0};
    CHECK_OK(mirs_report_write_html(reports, 2, ent, 1, &o, collect, &p));
    CHECK(p.lines > 10);
    CHECK_EQ_INT(p.bad_lines, 0);
    CHECK(p.data && strncmp(p.data, "<!DOCTYPE html>\n", 16) == 0);
    CHECK(p.data && p.len > 15 && strcmp(p.data + p.len - 15, "</body></html>\n") == 0);
    CHECK(p.data && strstr(p.data, "<title>T &lt;1&gt; &amp; 2</title>") != NULL);
    CHECK(p.data && strstr(p.data, "from &quot;here&quot;") != NULL);
    CHECK(p.data && strstr(p.data, "model &lt;a&gt; &amp; &quot;b&quot;") != NULL);
    CHECK(p.data && strstr(p.data, "my &lt;model&gt;") != NULL);
    CHECK(p.data && strstr(p.data, "<script") == NULL && strstr(p.data, "http://") == NULL);
    CHECK(p.data && strstr(p.data, "95% Wilson") != NULL);

    /* Same inputs, same bytes; NULL options are the defaults (title and all). */
    page q = {0};
    CHECK_OK(mirs_report_write_html(reports, 2, ent, 1, &o, collect, &q));
    CHECK(q.len == p.len && q.data && p.data && memcmp(q.data, p.data, p.len) == 0);
    page d = {0};
    CHECK_OK(mirs_report_write_html(reports, 1, NULL, 0, NULL, collect, &d));
    CHECK(d.data && strstr(d.data, "<title>Attack success rates</title>") != NULL);
    CHECK(d.data && strstr(d.data, "Attention entropy") == NULL);
    o.confidence = 0.9;
    o.denominator = MIRS_DENOM_ANSWERED;
    page n90 = {0};
    CHECK_OK(mirs_report_write_html(reports, 2, NULL, 0, &o, collect, &n90));
    CHECK(n90.data && strstr(n90.data, "90% Wilson") != NULL);

    /* The sink stops the page early (MIRS_DONE: success) or fails it (its status). */
    page stop = {0};
    stop.stop_after = 3;
    CHECK_OK(mirs_report_write_html(reports, 2, ent, 1, NULL, collect, &stop));
    CHECK_EQ_INT(stop.lines, 3);
    page fail = {0};
    fail.fail_with = MIRS_E_IO;
    CHECK_STATUS(mirs_report_write_html(reports, 2, ent, 1, NULL, collect, &fail), MIRS_E_IO);
    CHECK_EQ_INT(fail.lines, 2);

    /* Arguments: refused before the sink sees anything. */
    page none = {0};
    mirs_report_html_options bad = MIRS_REPORT_HTML_OPTIONS_INIT;
    bad.confidence = 1.5;
    CHECK_STATUS(mirs_report_write_html(reports, 2, NULL, 0, &bad, collect, &none), MIRS_E_INVALID_ARGUMENT);
    bad.confidence = 0.95;
    bad.denominator = 7;
    CHECK_STATUS(mirs_report_write_html(reports, 2, NULL, 0, &bad, collect, &none), MIRS_E_INVALID_ARGUMENT);
    const mirs_report *const holes[2] = {a, NULL};
    CHECK_STATUS(mirs_report_write_html(holes, 2, NULL, 0, NULL, collect, &none), MIRS_E_INVALID_ARGUMENT);
    const mirs_report_html_entropy no_acc[1] = {{"x", "nats", NULL}};
    CHECK_STATUS(mirs_report_write_html(reports, 2, no_acc, 1, NULL, collect, &none), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_report_write_html(reports, 2, NULL, 0, NULL, NULL, &none), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_report_write_html(NULL, 1, NULL, 0, NULL, collect, &none), MIRS_E_INVALID_ARGUMENT);
    CHECK_EQ_INT(none.lines, 0);
    mirs_report_html_options init;
    memset(&init, 0xff, sizeof init);
    CHECK_OK(mirs_report_html_options_init(&init, sizeof init));
    CHECK(init.title == NULL && init.note == NULL && init.confidence == 0.95 && init.denominator == MIRS_DENOM_ALL);

    page *all[] = {&p, &q, &d, &n90, &stop, &fail, &none};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]->data);
    mirs_entropy_acc_free(acc);
    mirs_report_free(a);
    mirs_report_free(b);
    return test_summary("report-html");
}
