/* The capability-score reader (mirs_capability_*) and the attention-dump
 * name rule (mirs_entropy_dump_name): library pieces the tool, the Python
 * binding and the scripts share (issue #23). */
#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

static mirs_capability *parse_ok(const char *text)
{
    mirs_capability *c = NULL;
    CHECK_OK(mirs_capability_parse(text, strlen(text), "caps.csv", &c));
    return c;
}

static void parse_bad(const char *text, size_t len, int status, const char *reason)
{
    mirs_capability *c = (mirs_capability *)0x1;
    CHECK_STATUS(mirs_capability_parse(text, len, "caps.csv", &c), status);
    CHECK(c == (mirs_capability *)0x1); /* out untouched on failure */
    if (!strstr(mirs_error_last(), reason)) fprintf(stderr, "message '%s' lacks '%s'\n", mirs_error_last(), reason);
    CHECK(strstr(mirs_error_last(), reason) != NULL);
}

static void test_capability(void)
{
    /* A header, CRLF ends, a BOM, blank lines, quotes with a comma and a quote inside. */
    mirs_capability *c = parse_ok("\xEF\xBB\xBFmodel,score\r\n"
                                  "qwen2.5-vl-7b,61.5\r\n"
                                  "\r\n"
                                  "\"glm, 4.1v\",70\n"
                                  "\"say \"\"hi\"\"\", -1e-3 \n");
    CHECK(mirs_capability_count(c) == 3);
    CHECK_STR(mirs_capability_model(c, 0), "qwen2.5-vl-7b");
    CHECK(mirs_capability_score(c, 0) == 61.5);
    CHECK_STR(mirs_capability_model(c, 1), "glm, 4.1v");
    CHECK(mirs_capability_score(c, 1) == 70);
    CHECK_STR(mirs_capability_model(c, 2), "say \"hi\"");
    CHECK(mirs_capability_score(c, 2) == -1e-3);
    CHECK(mirs_capability_model(c, 3) == NULL && isnan(mirs_capability_score(c, 3)));
    size_t i = 99;
    CHECK_OK(mirs_capability_find(c, "glm, 4.1v", &i));
    CHECK(i == 1);
    CHECK_STATUS(mirs_capability_find(c, "GLM, 4.1V", &i), MIRS_E_NOT_FOUND);
    mirs_capability_free(c);
    mirs_capability_free(NULL);
    CHECK(mirs_capability_count(NULL) == 0);

    /* No header: the first row is data. An empty text has no rows. */
    c = parse_ok("a,1\nb,2");
    CHECK(mirs_capability_count(c) == 2 && mirs_capability_score(c, 1) == 2);
    mirs_capability_free(c);
    c = parse_ok("");
    CHECK(mirs_capability_count(c) == 0);
    mirs_capability_free(c);

    /* Refusals name the file and the line. */
    parse_bad("model,score\na,1\nb,x\n", 20, MIRS_E_SCHEMA, "caps.csv: line 3: score \"x\" is not a finite number");
    parse_bad("a,1\nb,nan\n", 10, MIRS_E_SCHEMA, "line 2: score \"nan\"");
    parse_bad("a,1\nb,inf\n", 10, MIRS_E_SCHEMA, "line 2");
    parse_bad("a,1\nb\n", 6, MIRS_E_SCHEMA, "line 2: expected two fields");
    parse_bad("a,1\nb,c,2\n", 10, MIRS_E_SCHEMA, "line 2: expected two fields");
    parse_bad("\"a,1\n", 5, MIRS_E_SCHEMA, "line 1: expected two fields");
    parse_bad("\"a\"x,1\n", 7, MIRS_E_SCHEMA, "line 1");
    parse_bad("a,1\n,2\n", 7, MIRS_E_SCHEMA, "line 2: empty model name");
    parse_bad("a,1\nb,2\na,3\n", 12, MIRS_E_DUPLICATE, "line 3: model \"a\" has a score already");
    parse_bad("a,1\0\n", 5, MIRS_E_FORMAT, "NUL");
    parse_bad("\xff,1\n", 4, MIRS_E_UTF8, "caps.csv");
    CHECK_STATUS(mirs_capability_parse(NULL, 1, "x", &c), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_capability_parse("a,1", 3, "x", NULL), MIRS_E_INVALID_ARGUMENT);

    /* From a file, then the correlation the comparison reports. */
    char path[] = "/tmp/mirs_caps_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("model,score\nm1,10\nm2,20\nm3,30\nm4,40\n", f);
    fclose(f);
    CHECK_OK(mirs_capability_read(path, &c));
    CHECK(mirs_capability_count(c) == 4);
    double asr[4] = {5, 7, 6, 9}, cap[4];
    for (size_t k = 0; k < 4; k++) cap[k] = mirs_capability_score(c, k);
    double rho, rp, tau, tp;
    CHECK_OK(mirs_compare_capability(asr, cap, 4, &rho, &rp, &tau, &tp));
    CHECK(fabs(rho - 0.8) < 1e-12);
    mirs_capability_free(c);
    remove(path);
    CHECK_STATUS(mirs_capability_read(path, &c), MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), path) != NULL);
}

static void test_dump_name(void)
{
    mirs_buf b = {0};
    CHECK_OK(mirs_entropy_dump_name("Violence/Analogy/12", &b));
    CHECK_STR((const char *)b.data, "Violence__Analogy__12.npy");
    CHECK(b.size == strlen("Violence__Analogy__12.npy"));
    mirs_buf_free(&b);
    CHECK_OK(mirs_entropy_dump_name("Privacy/Irony/#3", &b));
    CHECK_STR((const char *)b.data, "Privacy__Irony__#3.npy");
    mirs_buf_free(&b);
    CHECK_STATUS(mirs_entropy_dump_name("", &b), MIRS_E_INVALID_ARGUMENT);
    CHECK_STATUS(mirs_entropy_dump_name(NULL, &b), MIRS_E_INVALID_ARGUMENT);
    char key[300];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = 0;
    key[251 - 1] = 0; /* 250 bytes + ".npy" = 254 */
    CHECK_OK(mirs_entropy_dump_name(key, &b));
    CHECK(b.size == 254);
    mirs_buf_free(&b);
    key[251 - 1] = 'k';
    key[252] = 0; /* 252 bytes + 4 = 256 */
    CHECK_STATUS(mirs_entropy_dump_name(key, &b), MIRS_E_LIMIT);
    CHECK(b.data == NULL);
}

int main(void)
{
    test_capability();
    test_dump_name();
    return test_summary("capability");
}
