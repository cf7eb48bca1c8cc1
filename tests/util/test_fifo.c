/* Every opener refuses a FIFO promptly with MIRS_E_IO naming the path: a
 * FIFO at the place of an input would otherwise block open() (no writer) or
 * read() forever. alarm() turns a regression into a failure, not a hang. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mirsafety/mirsafety.h>

#include "util/util.h"
#include "../testutil.h"

static char dir[256], fifo[300];

/* The last failure named the FIFO and said why. */
static void check_named(const char *path)
{
    CHECK(strstr(mirs_error_last(), path) != NULL);
    CHECK(strstr(mirs_error_last(), "not a regular file") != NULL);
    if (!strstr(mirs_error_last(), "not a regular file")) fprintf(stderr, "  message: %s\n", mirs_error_last());
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void test_helper(void)
{
    int fd = -1;
    struct stat st;
    CHECK_STATUS(mirs__open_regular(AT_FDCWD, fifo, NULL, O_RDONLY, 0, &fd, &st), MIRS_E_IO);
    check_named(fifo);
    CHECK_EQ_INT(fd, -1); /* *fd_out is written only on success */
    /* Read-write and creating (the store), write-only (no reader: ENXIO). */
    CHECK_STATUS(mirs__open_regular(AT_FDCWD, fifo, NULL, O_RDWR | O_APPEND | O_CREAT, 0644, &fd, NULL), MIRS_E_IO);
    check_named(fifo);
    CHECK_STATUS(mirs__open_regular(AT_FDCWD, fifo, "shown", O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, NULL), MIRS_E_IO);
    check_named("shown");
    char *d;
    size_t n;
    CHECK_STATUS(mirs__read_file(fifo, 100, &d, &n), MIRS_E_IO);
    check_named(fifo);

    /* A regular file comes back as a blocking descriptor. */
    char reg[320];
    snprintf(reg, sizeof reg, "%s/reg.txt", dir);
    put(reg, "abc");
    CHECK_OK(mirs__open_regular(AT_FDCWD, reg, NULL, O_RDONLY, 0, &fd, &st));
    CHECK(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK) && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
    CHECK_EQ_INT(st.st_size, 3);
    if (fd >= 0) close(fd);
    /* Relative to a folder descriptor, as the official results scan does. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECK_STATUS(mirs__open_regular(dfd, "fifo", "fifo-disp", O_RDONLY, 0, &fd, NULL), MIRS_E_IO);
    check_named("fifo-disp");
    CHECK_OK(mirs__open_regular(dfd, "reg.txt", NULL, O_RDONLY, 0, &fd, NULL));
    close(fd);
    close(dfd);
    CHECK_STATUS(mirs__read_file(dir, 100, &d, &n), MIRS_E_IO); /* a folder is not a regular file either */

    /* The atomic writer's temporary name is a FIFO. */
    char out[320], tmp[360];
    snprintf(out, sizeof out, "%s/out.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    CHECK(mkfifo(tmp, 0600) == 0);
    CHECK_STATUS(mirs__write_file_atomic(out, "{}", 2), MIRS_E_IO);
    check_named(tmp);
    unlink(tmp);
}

static void test_public(void)
{
    mirs_dataset *ds = NULL;
    mirs_dataset_options dopts = MIRS_DATASET_OPTIONS_INIT;
    /* A FIFO named as a JSONL manifest (strict: the open fails). */
    char man[320];
    snprintf(man, sizeof man, "%s/m.jsonl", dir);
    CHECK(mkfifo(man, 0600) == 0);
    CHECK_STATUS(mirs_dataset_open(man, &dopts, &ds), MIRS_E_IO);
    check_named(man);

    mirs_template *tp = NULL;
    CHECK_STATUS(mirs_template_load(fifo, &tp), MIRS_E_IO);
    check_named(fifo);
    mirs_matcher *m = NULL;
    CHECK_STATUS(mirs_matcher_load_file(fifo, 0, &m), MIRS_E_IO);
    check_named(fifo);
    mirs_entropy_acc *acc = NULL;
    CHECK_STATUS(mirs_entropy_acc_load(fifo, &acc), MIRS_E_IO);
    check_named(fifo);
    mirs_entropy_tensor *t = NULL;
    CHECK_STATUS(mirs_entropy_tensor_open(fifo, NULL, &t), MIRS_E_IO);
    check_named(fifo);
    mirs_responses *r = NULL;
    CHECK_STATUS(mirs_responses_open(fifo, NULL, &r), MIRS_E_IO);
    check_named(fifo);
    mirs_records *recs = NULL;
    CHECK_STATUS(mirs_records_read(fifo, NULL, &recs), MIRS_E_IO);
    check_named(fifo);
    mirs_store *s = NULL;
    CHECK_STATUS(mirs_store_open(fifo, NULL, &s), MIRS_E_IO);
    check_named(fifo);
    mirs_image_info info;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK_STATUS(mirs_image_probe_file(fifo, NULL, &info), MIRS_E_IO);
    check_named(fifo);
    mirs_image *img = NULL;
    CHECK_STATUS(mirs_image_decode_file(fifo, NULL, &img), MIRS_E_IO);
    check_named(fifo);
    uint64_t crc = 0;
    CHECK_STATUS(mirs_image_checksum_file(fifo, &crc), MIRS_E_IO);
    check_named(fifo);
    mirs_buf b = {0};
    CHECK_STATUS(mirs_image_data_url_file(fifo, 0, &b), MIRS_E_IO);
    check_named(fifo);

    /* Official results: a FIFO among the result files is skipped, as an
     * unreadable file is (statics.py prints the error and goes on). */
    char res[320], cat[340], rf[380];
    snprintf(res, sizeof res, "%s/results", dir);
    snprintf(cat, sizeof cat, "%s/Violence", res);
    snprintf(rf, sizeof rf, "%s/Analogy.json", cat);
    CHECK(mkdir(res, 0700) == 0 && mkdir(cat, 0700) == 0 && mkfifo(rf, 0600) == 0);
    mirs_report *rep = NULL;
    CHECK_OK(mirs_report_new("m", "harmbench-mir", &rep));
    CHECK_OK(mirs_report_add_official(rep, res, NULL));
    mirs_report_free(rep);
    CHECK_OK(mirs_records_from_official(res, "m", NULL, &recs));
    CHECK_EQ_INT(mirs_records_count(recs), 0);
    mirs_records_free(recs);
}

static int discard(void *userdata, const char *line, size_t len)
{
    (void)userdata;
    (void)line;
    (void)len;
    return 0;
}

/* The dataset of /work/shared/hostile/fifo_tree: its second image is a FIFO. */
static void test_dataset_images(const char *src)
{
    char root[320], cmd[1024], img[400];
    snprintf(root, sizeof root, "%s/tree", dir);
    snprintf(cmd, sizeof cmd, "cp -r '%s' '%s' && chmod -R u+w '%s'", src, root, root);
    CHECK(system(cmd) == 0);
    snprintf(img, sizeof img, "%s/Violence/images/Analogy/Analogy_1_1.png", root);
    CHECK(mkfifo(img, 0600) == 0);
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(root, NULL, &ds));
    if (!ds) return;
    uint64_t crc;
    CHECK_STATUS(mirs_dataset_checksum(ds, MIRS_CHECKSUM_IMAGES, &crc), MIRS_E_IO);
    check_named("Analogy_1_1.png");
    CHECK(strstr(mirs_error_last(), "image 1") != NULL);
    mirs_prompt_options po = MIRS_PROMPT_OPTIONS_INIT;
    po.format = MIRS_PROMPT_FORMAT_OPENAI;
    po.model = "m";
    const int32_t fmts[] = {MIRS_PROMPT_IMAGE_ORIGINAL, MIRS_PROMPT_IMAGE_PNG, MIRS_PROMPT_IMAGE_JPEG};
    for (size_t i = 0; i < 3; i++) {
        po.image_format = fmts[i];
        CHECK_STATUS(mirs_prompt_write(ds, NULL, &po, discard, NULL, NULL), MIRS_E_IO);
        check_named("Analogy_1_1.png");
    }
    po.image_format = MIRS_PROMPT_IMAGE_ORIGINAL;
    po.variant = MIRS_PROMPT_VARIANT_COMPOSITE;
    CHECK_STATUS(mirs_prompt_write(ds, NULL, &po, discard, NULL, NULL), MIRS_E_IO);
    check_named("Analogy_1_1.png");
    /* The prompt file's temporary name is a FIFO. */
    char out[320], tmp[360];
    snprintf(out, sizeof out, "%s/p.jsonl", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", out, (long)getpid());
    CHECK(mkfifo(tmp, 0600) == 0);
    po.variant = MIRS_PROMPT_VARIANT_TEXT_ONLY;
    CHECK_STATUS(mirs_prompt_write_file(ds, NULL, &po, out, NULL), MIRS_E_IO);
    check_named(tmp);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.check_images = 1;
    mirs_dataset *ds2 = NULL;
    CHECK_STATUS(mirs_dataset_open(root, &o, &ds2), MIRS_E_NOT_FOUND); /* docs/dataset.md: not a regular file */
    mirs_dataset_free(ds);
}

int main(int argc, char **argv)
{
    alarm(60);
    snprintf(dir, sizeof dir, "%s/mirs-fifo-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) return 1;
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    test_helper();
    test_public();
    if (argc > 1) test_dataset_images(argv[1]);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return test_summary("fifo");
}
