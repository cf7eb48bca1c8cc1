/* Test helper driven by compare_pil.py: decodes, resizes or encodes with
 * the library and writes raw results the script compares with PIL.
 *   image_tool decode FILE LAYOUT [fast] [libpng] [TW TH] > "W H C\n" + pixels
 *   image_tool resize FILE LAYOUT W H METHOD      > same, resized
 *   image_tool encode FILE OUT png|jpeg LEVEL_OR_QUALITY [SUBSAMPLING]
 *   image_tool batch < commands (one of the above per line)
 * Errors print "ERR <status name>" on stdout and exit 3. */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t layout_of(const char *s)
{
    if (strcmp(s, "rgba") == 0) return MIRS_LAYOUT_RGBA8;
    if (strcmp(s, "gray") == 0) return MIRS_LAYOUT_GRAY8;
    return MIRS_LAYOUT_RGB8;
}

static int fail(int st)
{
    printf("ERR %s\n", mirs_status_str(st));
    fprintf(stderr, "%s\n", mirs_error_last());
    return 3;
}

static void dump(const mirs_image *img)
{
    printf("%u %u %d\n", mirs_image_width(img), mirs_image_height(img), (int)mirs_image_channels(img));
    for (uint32_t y = 0; y < mirs_image_height(img); y++)
        fwrite(mirs_image_pixels(img) + y * mirs_image_stride(img), 1,
               (size_t)mirs_image_width(img) * (size_t)mirs_image_channels(img), stdout);
}

static int run(int argc, char **argv)
{
    if (argc < 4) return 2;
    mirs_image_decode_options o = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    o.layout = layout_of(argv[3]);
    mirs_image *img = NULL;
    int st;
    if (strcmp(argv[1], "decode") == 0) {
        int a = 4;
        if (argc > a && strcmp(argv[a], "fast") == 0) o.jpeg_dct = MIRS_JPEG_DCT_FAST, a++;
        if (argc > a && strcmp(argv[a], "libpng") == 0) o.png_libpng_only = 1, a++;
        if (argc > a + 1) o.target_width = (uint32_t)atoi(argv[a]), o.target_height = (uint32_t)atoi(argv[a + 1]);
        if ((st = mirs_image_decode_file(argv[2], &o, &img))) return fail(st);
        dump(img);
    } else if (strcmp(argv[1], "resize") == 0 && argc == 7) {
        if ((st = mirs_image_decode_file(argv[2], &o, &img))) return fail(st);
        int32_t m = strcmp(argv[6], "area") == 0       ? MIRS_RESIZE_AREA
                    : strcmp(argv[6], "bilinear") == 0 ? MIRS_RESIZE_BILINEAR
                                                       : MIRS_RESIZE_BICUBIC;
        mirs_image *r;
        if ((st = mirs_image_resize(img, (uint32_t)atoi(argv[4]), (uint32_t)atoi(argv[5]), m, &r))) return fail(st);
        dump(r);
        mirs_image_free(r);
    } else if (strcmp(argv[1], "encode") == 0 && argc >= 6) {
        if ((st = mirs_image_decode_file(argv[2], &o, &img))) return fail(st);
        mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
        e.format = strcmp(argv[4], "jpeg") == 0 ? MIRS_IMAGE_FORMAT_JPEG : MIRS_IMAGE_FORMAT_PNG;
        e.png_level = e.jpeg_quality = atoi(argv[5]);
        if (e.format == MIRS_IMAGE_FORMAT_PNG)
            e.jpeg_quality = 90;
        else
            e.png_level = 6;
        if (argc > 6) e.jpeg_subsampling = atoi(argv[6]);
        mirs_buf b = {0};
        if ((st = mirs_image_encode(img, &e, &b))) return fail(st);
        FILE *f = fopen(argv[3], "wb");
        if (!f) return 1;
        fwrite(b.data, 1, b.size, f);
        fclose(f);
        printf("OK %zu\n", b.size);
        mirs_buf_free(&b);
    } else
        return 2;
    mirs_image_free(img);
    return 0;
}

/* "batch": one command per stdin line (space-separated, no quoting), the
 * results concatenated on stdout, so a test runs thousands of cases in one
 * process (cheap under sanitizers). */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "batch") == 0) {
        char line[4096];
        while (fgets(line, sizeof line, stdin)) {
            char *av[16];
            int ac = 0;
            av[ac++] = argv[0];
            for (char *t = strtok(line, " \n"); t && ac < 15; t = strtok(NULL, " \n")) av[ac++] = t;
            av[ac] = NULL;
            int rc = run(ac, av);
            if (rc == 2) printf("ERR usage\n");
            fflush(stdout);
        }
        return 0;
    }
    return run(argc, argv);
}
