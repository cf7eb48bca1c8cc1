/* The library's atomic writers (a temporary file renamed over the output) write a device, FIFO or socket in
 * place instead: renamed over /dev/null, the temporary file replaced the device for the whole machine. Checked
 * through a symlink to /dev/null, which a rename would replace, so /dev/null itself is never at risk here. */
#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void still_link(const char *p, const char *what)
{
    struct stat st;
    CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
    if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode)) fprintf(stderr, "%s replaced the symlink\n", what);
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    snprintf(dir, sizeof dir, "/tmp/mirs_special_XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    char link[512], store[512], acc_path[512];
    snprintf(link, sizeof link, "%s/null", dir);
    snprintf(store, sizeof store, "%s/store.jsonl", dir);
    CHECK(symlink("/dev/null", link) == 0);

    /* mirs_store_merge writes its output atomically. */
    mirs_store *s = NULL;
    CHECK_OK(mirs_store_open(store, NULL, &s));
    mirs_record r = MIRS_RECORD_INIT;
    r.key = "Violence/Analogy/1";
    r.model = "m";
    r.judge = "harmbench-mir";
    r.verdict = MIRS_VERDICT_SAFE;
    CHECK_OK(mirs_store_append(s, &r));
    CHECK_OK(mirs_store_close(s));
    const char *in[1] = {store};
    CHECK_OK(mirs_store_merge(in, 1, link, MIRS_MERGE_STRICT, NULL, NULL, NULL));
    still_link(link, "mirs_store_merge");

    /* mirs_entropy_acc_save. */
    mirs_entropy_acc *acc = NULL;
    CHECK_OK(mirs_entropy_acc_new(1, 1, 4, 0.0, 1.0, &acc));
    CHECK_OK(mirs_entropy_acc_save(acc, link));
    still_link(link, "mirs_entropy_acc_save");
    mirs_entropy_acc_free(acc);

    /* mirs_prompt_write_file. */
    mirs_dataset *ds = NULL;
    CHECK_OK(mirs_dataset_open(argv[1], NULL, &ds));
    mirs_prompt_options po = MIRS_PROMPT_OPTIONS_INIT;
    size_t written = 0;
    CHECK_OK(mirs_prompt_write_file(ds, NULL, &po, link, &written));
    CHECK(written == mirs_dataset_count(ds));
    still_link(link, "mirs_prompt_write_file");
    mirs_dataset_free(ds);

    /* A folder is refused, not replaced. */
    CHECK_STATUS(mirs_entropy_acc_save(NULL, dir), MIRS_E_INVALID_ARGUMENT);
    CHECK_OK(mirs_entropy_acc_new(1, 1, 4, 0.0, 1.0, &acc));
    CHECK_STATUS(mirs_entropy_acc_save(acc, dir), MIRS_E_IO);
    mirs_entropy_acc_free(acc);
    snprintf(acc_path, sizeof acc_path, "%s", dir);
    struct stat st;
    CHECK(stat(acc_path, &st) == 0 && S_ISDIR(st.st_mode));

    unlink(link);
    unlink(store);
    rmdir(dir);
    return test_summary("special outputs");
}
