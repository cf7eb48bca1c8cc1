/* After default decodes of large PNG and JPEG files (from memory and from
 * files) and batch runs on several threads, the process has exactly its own
 * one thread: the library keeps no thread between calls. Meson runs it as a
 * test, and once more under valgrind's leak check (definite and possible
 * leaks, no suppression file), which fails on any memory the library keeps.
 *   test_no_threads_left TMPDIR [WIDTH HEIGHT REPS] */
#include <mirsafety/mirsafety.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define EXPECT(cond)                                                                                                   \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "%s:%d: failed: %s (%s)\n", __FILE__, __LINE__, #cond, mirs_error_last());                 \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

/* Entries of /proc/self/task: one per thread of this process. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* A photo-like test picture: smooth gradients with some texture, so that the
 * entropy-coded data is neither trivial nor noise. */
static mirs_image *picture(uint32_t w, uint32_t h)
{
    uint8_t *px = malloc((size_t)w * h * 3);
    if (!px) return NULL;
    uint32_t s = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            s = s * 1103515245u + 12345u;
            uint8_t *p = px + ((size_t)y * w + x) * 3;
            p[0] = (uint8_t)(x * 255 / w + (s >> 28));
            p[1] = (uint8_t)(y * 255 / h + ((x / 37 + y / 29) % 2) * 40);
            p[2] = (uint8_t)((x ^ y) & 0xFF);
        }
    mirs_image *img = NULL;
    if (mirs_image_from_pixels(w, h, MIRS_LAYOUT_RGB8, px, (size_t)w * 3, &img) != MIRS_OK) img = NULL;
    free(px);
    return img;
}

static int write_file(const char *path, const mirs_buf *b)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = fwrite(b->data, 1, b->size, f);
    return fclose(f) == 0 && n == b->size ? 0 : -1;
}

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

int main(int argc, char **argv)
{
#ifdef UNDER_TSAN
    /* ThreadSanitizer's runtime keeps a background thread of its own, so the
     * count cannot be the process's alone; the gcc and ASan builds check it. */
    (void)argv;
    printf("SKIP: ThreadSanitizer runs a thread of its own; the thread count is checked in the other builds\n");
    (void)argc;
    return 77;
#endif
    if (argc != 2 && argc != 5) {
        fprintf(stderr, "usage: test_no_threads_left TMPDIR [WIDTH HEIGHT REPS]\n");
        return 2;
    }
    uint32_t w = argc == 5 ? (uint32_t)atoi(argv[2]) : 4000, h = argc == 5 ? (uint32_t)atoi(argv[3]) : 3000;
    int reps = argc == 5 ? atoi(argv[4]) : 3;
    EXPECT(thread_count() == 1);
    mirs_image *src = picture(w, h);
    EXPECT(src != NULL);
    if (!src) return 1;
    mirs_buf png = {0}, jpg = {0};
    mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    e.png_level = 1;
    EXPECT(mirs_image_encode(src, &e, &png) == MIRS_OK);
    e.format = MIRS_IMAGE_FORMAT_JPEG;
    EXPECT(mirs_image_encode(src, &e, &jpg) == MIRS_OK);
    mirs_image_free(src);
    char png_path[4096], jpg_path[4096];
    /* Named by pid: meson may run this program twice at once (plain and under valgrind). */
    snprintf(png_path, sizeof png_path, "%s/no-threads-left-%ld.png", argv[1], (long)getpid());
    snprintf(jpg_path, sizeof jpg_path, "%s/no-threads-left-%ld.jpg", argv[1], (long)getpid());
    EXPECT(write_file(png_path, &png) == 0 && write_file(jpg_path, &jpg) == 0);

    for (int r = 0; r < reps; r++) {
        /* Default options, one image at a time: memory and file, PNG and JPEG. */
        const mirs_buf *mem[2] = {&png, &jpg};
        const char *files[2] = {png_path, jpg_path};
        for (int k = 0; k < 2; k++) {
            mirs_image *img = NULL;
            EXPECT(mirs_image_decode_memory(mem[k]->data, mem[k]->size, NULL, &img) == MIRS_OK);
            EXPECT(img && mirs_image_width(img) == w);
            mirs_image_free(img);
            img = NULL;
            EXPECT(mirs_image_decode_file(files[k], NULL, &img) == MIRS_OK);
            mirs_image_free(img);
            EXPECT(thread_count() == 1);
        }
        /* A batch on three threads, with a failing input: all joined on return. */
        mirs_image_batch *b = NULL;
        EXPECT(mirs_image_batch_new(&b) == MIRS_OK);
        EXPECT(mirs_image_batch_add_file(b, png_path, 0, 0) == MIRS_OK);
        EXPECT(mirs_image_batch_add_file(b, jpg_path, w / 3, h / 3) == MIRS_OK);
        EXPECT(mirs_image_batch_add_memory(b, jpg.data, jpg.size / 2, 0, 0) == MIRS_OK);
        EXPECT(mirs_image_batch_add_memory(b, png.data, png.size, 0, 0) == MIRS_OK);
        mirs_image_batch_options bo = MIRS_IMAGE_BATCH_OPTIONS_INIT;
        bo.threads = 3;
        size_t failed = 0;
        EXPECT(mirs_image_batch_run(b, &bo, &failed) == MIRS_OK && failed == 1);
        EXPECT(mirs_image_batch_status(b, 2) == MIRS_E_TRUNCATED);
        mirs_image_batch_free(b);
        EXPECT(thread_count() == 1);
    }
    remove(png_path);
    remove(jpg_path);
    mirs_buf_free(&png);
    mirs_buf_free(&jpg);
    int n = thread_count();
    EXPECT(n == 1);
    printf("%d thread(s) after %d rounds of %ux%u PNG and JPEG decodes and batches; %d failure(s)\n", n, reps, w, h,
           failures);
    return failures ? 1 : 0;
}
