/* The image verbs of the mirsafety tool:
 *   mirsafety image info FILE... [--json] [--checksum]
 *   mirsafety image convert IN OUT [--format png|jpeg] [--quality Q] [--max-pixels N]
 *                                  [--layout rgb|rgba|gray] [--resize WxH|--smart-resize] [--method M] ... */
#include "cli.h"

#include <cjson/cJSON.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char image_usage[] = "usage: mirsafety image info FILE... [--json] [--checksum]\n"
                                  "       mirsafety image convert IN OUT [options]\n"
                                  "('mirsafety image info --help', 'mirsafety image convert --help')\n";

static const char info_usage[] =
    "usage: mirsafety image info FILE... [--json] [--checksum]\n"
    "Reads the header of each PNG or JPEG file (the format comes from the bytes, never the name)\n"
    "without decoding its pixels.\n"
    "FILE '-' is standard input.\n"
    "  --json       one JSON array, an object per file read: file, format, width, height, channels,\n"
    "               bit_depth, has_alpha, interlaced (and file_crc64, pixels_crc64 with --checksum)\n"
    "  --checksum   also the CRC-64/XZ of the file bytes and of the decoded RGB pixels\n"
    "exit status: 0 all files read, 3 a file could not be read or is not a valid image\n";

static const char convert_usage[] =
    "usage: mirsafety image convert IN OUT [options]   (or IN -o OUT)\n"
    "Decodes IN (PNG or JPEG, recognised from its bytes; '-' is standard input) and writes OUT\n"
    "atomically (-o, --out OUT: the same).\n"
    "  --format png|jpeg       output format (default: from OUT's extension, .jpg/.jpeg = jpeg, else png)\n"
    "  --quality Q             JPEG quality 1..100 (default 90)\n"
    "  --subsampling S         JPEG chroma subsampling 444, 422 or 420 (default 420)\n"
    "  --png-level L           zlib level 0..9 (default 6)\n"
    "  --layout rgb|rgba|gray  decoded layout (default rgb)\n"
    "  --max-pixels N          refuse inputs with more than N pixels (default 50000000)\n"
    "  --resize WxH            resize to W x H pixels\n"
    "  --smart-resize          resize to Qwen2-VL's smart_resize size (factor 28, 56*56..28*28*1280 pixels)\n"
    "  --method M              area (default), bilinear or bicubic (PIL-exact)\n"
    "  --json                  print a JSON summary of what was written\n"
    "exit status: 0 written, 2 usage error, 3 the input could not be decoded or OUT not written\n";

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    unsigned long long x = strtoull(s, &end, 10);
    if (*end) return -1;
    *v = x;
    return 0;
}

static int print_json(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) return cli_fail(MIRS_E_NO_MEMORY, "json");
    printf("%s\n", s);
    free(s);
    return CLI_EXIT_OK;
}

static int image_info(int argc, char **argv)
{
    bool json = false, checksum = false;
    int nfiles = 0, status = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            printf("%s", info_usage);
            return CLI_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--checksum") == 0)
            checksum = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("image info", "unknown option '%s'", argv[i]);
        else
            nfiles++;
    }
    if (!nfiles) return cli_usage_error("image info", "missing FILE");
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    if (json && !arr) return cli_fail(MIRS_E_NO_MEMORY, "json");
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (f[0] == '-' && f[1]) continue;
        const char *name = f; /* "-" is named so, not by its temporary copy */
        if (!(f = cli_input_path("image info", f))) {
            status = cli_input_failed();
            continue;
        }
        mirs_image_info info;
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        int st = mirs_image_probe_file(f, NULL, &info);
        uint64_t fcrc = 0, pcrc = 0;
        if (st == MIRS_OK && checksum) {
            mirs_image *img = NULL;
            st = mirs_image_checksum_file(f, &fcrc);
            if (st == MIRS_OK) st = mirs_image_decode_file(f, NULL, &img);
            if (st == MIRS_OK) st = mirs_image_checksum_pixels(img, &pcrc);
            mirs_image_free(img);
        }
        if (st != MIRS_OK) {
            status = cli_fail(st, name == f ? f : "standard input");
            continue;
        }
        char fc[17], pc[17];
        snprintf(fc, sizeof fc, "%016" PRIx64, fcrc);
        snprintf(pc, sizeof pc, "%016" PRIx64, pcrc);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "file", name);
            cJSON_AddStringToObject(o, "format", mirs_image_format_name(info.format));
            cJSON_AddNumberToObject(o, "width", info.width);
            cJSON_AddNumberToObject(o, "height", info.height);
            cJSON_AddNumberToObject(o, "channels", info.channels);
            cJSON_AddNumberToObject(o, "bit_depth", info.bit_depth);
            cJSON_AddBoolToObject(o, "has_alpha", info.has_alpha);
            cJSON_AddBoolToObject(o, "interlaced", info.interlaced);
            if (checksum) {
                cJSON_AddStringToObject(o, "file_crc64", fc);
                cJSON_AddStringToObject(o, "pixels_crc64", pc);
            }
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%s: %s %ux%u, %d channel%s, %d-bit%s%s", name, mirs_image_format_name(info.format), info.width,
                   info.height, (int)info.channels, info.channels == 1 ? "" : "s", (int)info.bit_depth,
                   info.has_alpha ? ", alpha" : "",
                   info.interlaced ? (info.format == MIRS_IMAGE_FORMAT_PNG ? ", interlaced" : ", progressive") : "");
            if (checksum) printf(", file crc64 %s, pixels crc64 %s", fc, pc);
            printf("\n");
        }
    }
    if (arr) {
        /* One document: the files read (the others are named on stderr). */
        int r = print_json(arr);
        if (r) status = r;
    }
    return status;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (n < m) return false;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

static int write_all(const char *path, const mirs_buf *b)
{
    cli_out o;
    int rc = cli_out_open(&o, path);
    if (rc) return rc;
    bool ok = fwrite(b->data, 1, b->size, o.f) == b->size;
    return cli_out_close(&o, ok);
}

static int image_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *v;
    mirs_image_decode_options d = MIRS_IMAGE_DECODE_OPTIONS_INIT;
    mirs_image_encode_options e = MIRS_IMAGE_ENCODE_OPTIONS_INIT;
    int32_t format = -1, method = MIRS_RESIZE_AREA;
    uint64_t rw = 0, rh = 0, x;
    bool json = false, smart = false;
    const char *verb = "image convert";
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int r;
        if (cli_is_help(s)) {
            printf("%s", convert_usage);
            return CLI_EXIT_OK;
        }
        if (strcmp(s, "--json") == 0) {
            json = true;
        } else if (strcmp(s, "--smart-resize") == 0) {
            smart = true;
        } else if ((r = cli_opt_value("--format", argc, argv, &i, &v))) {
            if (r < 0 || (strcmp(v, "png") && strcmp(v, "jpeg") && strcmp(v, "jpg")))
                return cli_usage_error(verb, "--format wants png or jpeg");
            format = strcmp(v, "png") == 0 ? MIRS_IMAGE_FORMAT_PNG : MIRS_IMAGE_FORMAT_JPEG;
        } else if ((r = cli_opt_value("--quality", argc, argv, &i, &v))) {
            if (r < 0 || parse_u64(v, &x) || x < 1 || x > 100) return cli_usage_error(verb, "--quality wants 1..100");
            e.jpeg_quality = (int32_t)x;
        } else if ((r = cli_opt_value("--png-level", argc, argv, &i, &v))) {
            if (r < 0 || parse_u64(v, &x) || x > 9) return cli_usage_error(verb, "--png-level wants 0..9");
            e.png_level = (int32_t)x;
        } else if ((r = cli_opt_value("--subsampling", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error(verb, "--subsampling needs a value");
            if (strcmp(v, "444") == 0)
                e.jpeg_subsampling = MIRS_JPEG_SUBSAMPLING_444;
            else if (strcmp(v, "422") == 0)
                e.jpeg_subsampling = MIRS_JPEG_SUBSAMPLING_422;
            else if (strcmp(v, "420") == 0)
                e.jpeg_subsampling = MIRS_JPEG_SUBSAMPLING_420;
            else
                return cli_usage_error(verb, "--subsampling wants 444, 422 or 420");
        } else if ((r = cli_opt_value("--max-pixels", argc, argv, &i, &v))) {
            if (r < 0 || parse_u64(v, &x) || x == 0) return cli_usage_error(verb, "--max-pixels wants N > 0");
            d.max_pixels = x;
        } else if ((r = cli_opt_value("--layout", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error(verb, "--layout needs a value");
            if (strcmp(v, "rgb") == 0)
                d.layout = MIRS_LAYOUT_RGB8;
            else if (strcmp(v, "rgba") == 0)
                d.layout = MIRS_LAYOUT_RGBA8;
            else if (strcmp(v, "gray") == 0)
                d.layout = MIRS_LAYOUT_GRAY8;
            else
                return cli_usage_error(verb, "--layout wants rgb, rgba or gray");
        } else if ((r = cli_opt_value("--resize", argc, argv, &i, &v))) {
            unsigned a, b;
            char tail;
            if (r < 0 || sscanf(v, "%ux%u%c", &a, &b, &tail) != 2 || !a || !b)
                return cli_usage_error(verb, "--resize wants WxH, e.g. 448x448");
            rw = a;
            rh = b;
        } else if ((r = cli_opt_value("--method", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error(verb, "--method needs a value");
            if (strcmp(v, "area") == 0)
                method = MIRS_RESIZE_AREA;
            else if (strcmp(v, "bilinear") == 0)
                method = MIRS_RESIZE_BILINEAR;
            else if (strcmp(v, "bicubic") == 0)
                method = MIRS_RESIZE_BICUBIC;
            else
                return cli_usage_error(verb, "--method wants area, bilinear or bicubic");
        } else if ((r = cli_out_option(argc, argv, &i, &v))) {
            if (r < 0 || out) return cli_usage_error(verb, "one OUT: the second argument or -o/--out FILE");
            out = v;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error(verb, "unknown option '%s'", s);
        } else if (!in) {
            in = s;
        } else if (!out) {
            out = s;
        } else
            return cli_usage_error(verb, "unexpected argument '%s'", s);
    }
    if (!in || !out) return cli_usage_error(verb, "needs IN and OUT");
    const char *in_name = in;
    if (!(in = cli_input_path(verb, in))) return cli_input_failed();
    if (smart && rw) return cli_usage_error(verb, "--resize and --smart-resize exclude each other");
    if (format < 0)
        format = ends_with(out, ".jpg") || ends_with(out, ".jpeg") ? MIRS_IMAGE_FORMAT_JPEG : MIRS_IMAGE_FORMAT_PNG;
    e.format = format;
    if (format == MIRS_IMAGE_FORMAT_JPEG && d.layout == MIRS_LAYOUT_RGBA8)
        return cli_usage_error(verb, "JPEG cannot store alpha: use --layout rgb or gray");
    mirs_image *img = NULL, *resized = NULL;
    int st = mirs_image_decode_file(in, &d, &img);
    if (st) return cli_fail(st, in == in_name ? in : "standard input");
    if (smart) {
        uint32_t h2, w2;
        st = mirs_image_smart_resize(mirs_image_height(img), mirs_image_width(img), 28, 56 * 56, 28 * 28 * 1280, &h2,
                                     &w2);
        if (st) {
            mirs_image_free(img);
            return cli_fail(st, "image convert");
        }
        rw = w2;
        rh = h2;
    }
    if (rw) {
        st = mirs_image_resize(img, (uint32_t)rw, (uint32_t)rh, method, &resized);
        if (st) {
            mirs_image_free(img);
            return cli_fail(st, "image convert");
        }
        mirs_image_free(img);
        img = resized;
    }
    mirs_buf b = {0};
    st = mirs_image_encode(img, &e, &b);
    if (st) {
        mirs_image_free(img);
        return cli_fail(st, "image convert");
    }
    int rc = write_all(out, &b);
    if (rc == CLI_EXIT_OK && json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "input", in_name);
        cJSON_AddStringToObject(o, "output", out);
        cJSON_AddStringToObject(o, "format", mirs_image_format_name(format));
        cJSON_AddNumberToObject(o, "width", mirs_image_width(img));
        cJSON_AddNumberToObject(o, "height", mirs_image_height(img));
        cJSON_AddNumberToObject(o, "channels", mirs_image_channels(img));
        cJSON_AddNumberToObject(o, "bytes", (double)b.size);
        rc = print_json(o);
    }
    mirs_buf_free(&b);
    mirs_image_free(img);
    return rc;
}

int cli_image(int argc, char **argv);

int cli_image(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "%s", image_usage);
        return CLI_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        printf("%s", image_usage);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "info") == 0) return image_info(argc - 1, argv + 1);
    if (strcmp(argv[1], "convert") == 0) return image_convert(argc - 1, argv + 1);
    return cli_usage_error("image", "unknown subcommand '%s' (info or convert)", argv[1]);
}
