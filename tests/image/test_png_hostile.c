/* Hostile PNGs (tests/data/hostile, from the fuzzing campaign of issue #16):
 * decoded from an exact-size heap buffer (so a read past it or after it is
 * freed is seen by ASan, or by the MMU for the 1 MiB case) and from the file,
 * in every layout, by the fast path and by libpng alone. Both must give the
 * same status and the same pixels, and the status is the one expected.
 * Then, in sanitizer builds, that a buffer handed to an uninstrumented
 * library after it was freed is caught (MIRS_ASSERT_LIVE). */
#include <mirsafety/mirsafety.h>

#include "testutil.h"
#include "util/util.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
    if (d && fread(d, 1, (size_t)n, f) != (size_t)n) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void check_file(const char *dir, const char *name, int want)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    uint8_t *d = slurp(path, &len);
    CHECK(d != NULL);
    if (!d) return;
    for (int32_t lay = 0; lay < 3; lay++) {
        mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
        o.layout = lay;
        mirs_image *fast = NULL, *ref = NULL, *file = NULL;
        int st_fast = mirs_image_decode_memory(d, len, &o, &fast);
        o.png_libpng_only = 1;
        int st_ref = mirs_image_decode_memory(d, len, &o, &ref);
        o.png_libpng_only = 0;
        int st_file = mirs_image_decode_file(path, &o, &file);
        if (st_fast != want) fprintf(stderr, "%s layout %d: %s\n", name, lay, mirs_error_last());
        CHECK_EQ_INT(st_fast, want);
        CHECK_EQ_INT(st_ref, want);
        CHECK_EQ_INT(st_file, want);
        if (st_fast == MIRS_OK && st_ref == MIRS_OK && st_file == MIRS_OK) {
            uint64_t a = 0, b = 1, c = 2;
            mirs_image_checksum_pixels(fast, &a);
            mirs_image_checksum_pixels(ref, &b);
            mirs_image_checksum_pixels(file, &c);
            CHECK(a == b && b == c);
        }
        mirs_image_free(fast);
        mirs_image_free(ref);
        mirs_image_free(file);
    }
    free(d);
}

/* The class of the original defect: a buffer freed before an uninstrumented
 * library reads it. In sanitizer builds the check must abort the process. */
static int check_assert_live(void)
{
#ifdef MIRS_ASAN
    pid_t pid = fork();
    if (pid == 0) {
        uint8_t *p = malloc(4096);
        memset(p, 1, 4096);
        MIRS_ASSERT_LIVE(p, 4096); /* live: passes */
        free(p);
        MIRS_ASSERT_LIVE(p, 4096); /* released: must abort */
        _exit(0);
    }
    int ws = 0;
    CHECK(pid > 0 && waitpid(pid, &ws, 0) == pid);
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGABRT);
    uint8_t *q = malloc(16);
    MIRS_ASSERT_LIVE(q, 16);
    MIRS_ASSERT_LIVE(q + 8, 8);
    free(q);
    return 1;
#else
    printf("MIRS_ASSERT_LIVE: not a sanitizer build, the use-after-release check is compiled out\n");
    return 0;
#endif
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_png_hostile DATA_DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    /* More compressed data than the image needs, over two IDAT chunks: the
     * fast path used to free the joined stream and then inflate from it. */
    check_file(dir, "uaf_small.png", MIRS_OK);
    check_file(dir, "uaf_tree/Violence/images/Analogy/Analogy_1_1.png", MIRS_OK);
    check_file(dir, "uaf_tree/Violence/images/Analogy/Analogy_1_0.png", MIRS_OK);
    /* Files the two paths used to disagree on: now libpng's verdict. A bad
     * Adler-32 in its own IDAT chunk is never read by libpng's progressive
     * reader (the image is complete before it), a 256-byte declared window
     * makes zlib refuse the stream's far distances, a missing Adler-32 is
     * "not enough compressed data". */
    check_file(dir, "badadler_split.png", MIRS_OK);
    check_file(dir, "cinfo0.png", MIRS_E_TRUNCATED);
    check_file(dir, "notrailer.png", MIRS_E_CORRUPT);
    check_assert_live();
    return test_summary("png-hostile");
}
