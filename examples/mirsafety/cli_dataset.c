/* The dataset verbs of the mirsafety tool: info, list, validate. */
#include "cli.h"

#include <cjson/cJSON.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct ds_args {
    const char *path;
    cli_filter filter;
    bool json, images, strict;
} ds_args;

/* Parses PATH, the filter options, --json and the verb's flags. Returns -1
 * to go on, or an exit code. */
static int parse_args(const char *verb, const char *usage, int argc, char **argv, ds_args *a, bool allow_images,
                      bool allow_strict)
{
    memset(a, 0, sizeof *a);
    cli_filter_init(&a->filter);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (cli_is_help(s)) {
            printf("%s", usage);
            printf("%s", cli_filter_help);
            return CLI_EXIT_OK;
        }
        int r = cli_filter_option(&a->filter, verb, argc, argv, &i);
        if (r < 0) return CLI_EXIT_USAGE;
        if (r > 0) continue;
        if (strcmp(s, "--json") == 0)
            a->json = true;
        else if (allow_images && strcmp(s, "--images") == 0)
            a->images = true;
        else if (allow_strict && strcmp(s, "--strict") == 0)
            a->strict = true;
        else if (s[0] == '-' && s[1])
            return cli_usage_error(verb, "unknown option '%s'", s);
        else if (a->path)
            return cli_usage_error(verb, "only one PATH, got '%s' and '%s'", a->path, s);
        else
            a->path = s;
    }
    if (!a->path) return cli_usage_error(verb, "missing PATH (a dataset folder or a JSONL manifest)");
    if (!(a->path = cli_input_path(verb, a->path))) return cli_input_failed();
    return -1;
}

/* What every dataset verb does first: parse the arguments, open the dataset
 * leniently (probing the image files when check_images and --images) and
 * start the filtered walk. Returns -1 to go on, with *ds and *it set and
 * a->filter to free; otherwise an exit code, with everything freed. */
static int start_walk(const char *verb, const char *usage, int argc, char **argv, ds_args *a, bool allow_images,
                      bool allow_strict, bool check_images, mirs_dataset **ds, mirs_iter **it)
{
    *ds = NULL;
    *it = NULL;
    int rc = parse_args(verb, usage, argc, argv, a, allow_images, allow_strict);
    if (rc < 0) {
        mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
        o.mode = MIRS_READ_LENIENT;
        o.oddities = a->strict ? MIRS_DATASET_ODDITIES_REFUSE : MIRS_DATASET_ODDITIES_ACCEPT;
        o.check_images = check_images && a->images;
        int st = mirs_dataset_open(a->path, &o, ds);
        if (st != MIRS_OK)
            rc = cli_fail(st, a->path);
        else if ((st = mirs_iter_new(*ds, &a->filter.filter, it)) != MIRS_OK)
            rc = cli_fail(st, verb);
    }
    if (rc >= 0) {
        mirs_dataset_free(*ds);
        *ds = NULL;
        cli_filter_free(&a->filter);
    }
    return rc;
}

/* Accepted oddities are diagnostics with status MIRS_OK. */
static size_t count_oddities(const mirs_dataset *ds)
{
    size_t n = 0;
    for (size_t i = 0; i < mirs_dataset_diagnostic_count(ds); i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        if (d && d->status == MIRS_OK) n++;
    }
    return n;
}

/* "file:item: STATUS: message" ("-" for a problem with the whole file);
 * STATUS is "note" for an accepted oddity. */
static void print_diag(FILE *f, const mirs_dataset *ds, size_t i)
{
    const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
    if (!d) return;
    int st = d->status;
    const char *file = d->file, *msg = d->message;
    int64_t item = d->item_index;
    const char *what = st == MIRS_OK ? "note" : mirs_status_str(st);
    if (item >= 0)
        fprintf(f, "%s:%" PRId64 ": %s: %s\n", file, item, what, msg);
    else
        fprintf(f, "%s:-: %s: %s\n", file, what, msg);
}

enum { DIAG_ALL, DIAG_PROBLEMS, DIAG_NOTES };

static cJSON *diag_json(const mirs_dataset *ds, size_t from, size_t to, int which)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = from; arr && i < to; i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        if (!d) continue;
        int st = d->status;
        const char *file = d->file, *msg = d->message;
        int64_t item = d->item_index;
        if ((which == DIAG_PROBLEMS && st == MIRS_OK) || (which == DIAG_NOTES && st != MIRS_OK)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", file);
        if (item >= 0)
            cJSON_AddNumberToObject(o, "item", (double)item);
        else
            cJSON_AddNullToObject(o, "item");
        cJSON_AddStringToObject(o, "status", st == MIRS_OK ? "note" : mirs_status_str(st));
        cJSON_AddStringToObject(o, "message", msg);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static int print_json(cJSON *root)
{
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!s) {
        fprintf(stderr, "mirsafety: out of memory writing JSON\n");
        return CLI_EXIT_FAILURE;
    }
    printf("%s\n", s);
    free(s);
    return CLI_EXIT_OK;
}

static const char info_usage[] =
    "usage: mirsafety info PATH [--json] [--images] [filters]\n"
    "Counts per category x relation, items, image references, the content checksum and the\n"
    "diagnostics of a dataset (the official layout folder or a JSONL manifest), opened leniently.\n"
    "Filters restrict the counts; the checksum always covers the whole dataset.\n"
    "  --json            machine-readable output: items, images, counts {category: {relation: n}},\n"
    "                    checksum, diagnostics\n"
    "  --images          include the image files' bytes in the checksum (reads every image)\n";

int cli_info(int argc, char **argv);
int cli_info(int argc, char **argv)
{
    ds_args a;
    mirs_dataset *ds;
    mirs_iter *it;
    int rc = start_walk("info", info_usage, argc, argv, &a, true, false, false, &ds, &it);
    if (rc >= 0) return rc;
    rc = CLI_EXIT_OK;
    size_t counts[MIRS_CATEGORY_COUNT][MIRS_RELATION_COUNT] = {{0}};
    size_t items = 0, images = 0, odd_items = 0;
    const mirs_item *item;
    while (mirs_iter_next(it, &item) == MIRS_OK) {
        /* Items of unknown categories or relations (accepted oddities) are in no cell of the table. */
        if (mirs_item_category(item) >= 0 && mirs_item_relation(item) >= 0)
            counts[mirs_item_category(item)][mirs_item_relation(item)]++;
        else
            odd_items++;
        items++;
        images += mirs_item_image_count(item);
    }
    uint64_t crc = 0;
    int st = mirs_dataset_checksum(ds, a.images ? MIRS_CHECKSUM_IMAGES : MIRS_CHECKSUM_METADATA, &crc);
    if (st != MIRS_OK) {
        rc = cli_fail(st, "checksum");
        goto done;
    }
    char crchex[17];
    snprintf(crchex, sizeof crchex, "%016" PRIx64, crc);
    size_t ndiag = mirs_dataset_diagnostic_count(ds), noddities = count_oddities(ds);
    const char *fmt = mirs_dataset_format(ds) == MIRS_DATASET_FORMAT_JSONL ? "jsonl" : "official";

    if (a.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "path", a.path);
        cJSON_AddStringToObject(root, "format", fmt);
        cJSON_AddNumberToObject(root, "items", (double)items);
        cJSON_AddNumberToObject(root, "images", (double)images);
        cJSON *c = cJSON_AddObjectToObject(root, "counts");
        for (int32_t ci = 0; c && ci < MIRS_CATEGORY_COUNT; ci++) {
            cJSON *r = cJSON_AddObjectToObject(c, mirs_category_name(ci));
            for (int32_t ri = 0; r && ri < MIRS_RELATION_COUNT; ri++)
                cJSON_AddNumberToObject(r, mirs_relation_name(ri), (double)counts[ci][ri]);
        }
        cJSON_AddNumberToObject(root, "unknown_category_or_relation_items", (double)odd_items);
        cJSON_AddNumberToObject(root, "oddities", (double)noddities);
        cJSON_AddStringToObject(root, "checksum", crchex);
        cJSON_AddBoolToObject(root, "checksum_images", a.images);
        cJSON_AddItemToObject(root, "diagnostics", diag_json(ds, 0, ndiag, DIAG_ALL));
        rc = print_json(root);
        goto done;
    }
    printf("dataset      %s (%s)\n", a.path, fmt);
    printf("items        %zu\n", items);
    printf("images       %zu\n", images);
    printf("checksum     %s (%s)\n", crchex, a.images ? "metadata and image bytes" : "metadata");
    if (noddities)
        printf("diagnostics  %zu (%zu oddities: what the official code evaluates, accepted)\n", ndiag, noddities);
    else
        printf("diagnostics  %zu\n", ndiag);
    if (odd_items) printf("unknown      %zu items of unknown categories or relations (not in the table)\n", odd_items);
    printf("\n");
    printf("%-22s", "");
    for (int32_t ci = 0; ci < MIRS_CATEGORY_COUNT; ci++)
        printf(" %*s", (int)strlen(mirs_category_name(ci)) > 8 ? (int)strlen(mirs_category_name(ci)) : 8,
               mirs_category_name(ci));
    printf(" %8s\n", "total");
    size_t coltot[MIRS_CATEGORY_COUNT] = {0};
    for (int32_t ri = 0; ri < MIRS_RELATION_COUNT; ri++) {
        size_t tot = 0;
        printf("%-22s", mirs_relation_name(ri));
        for (int32_t ci = 0; ci < MIRS_CATEGORY_COUNT; ci++) {
            int w = (int)strlen(mirs_category_name(ci)) > 8 ? (int)strlen(mirs_category_name(ci)) : 8;
            printf(" %*zu", w, counts[ci][ri]);
            tot += counts[ci][ri];
            coltot[ci] += counts[ci][ri];
        }
        printf(" %8zu\n", tot);
    }
    printf("%-22s", "total");
    for (int32_t ci = 0; ci < MIRS_CATEGORY_COUNT; ci++) {
        int w = (int)strlen(mirs_category_name(ci)) > 8 ? (int)strlen(mirs_category_name(ci)) : 8;
        printf(" %*zu", w, coltot[ci]);
    }
    printf(" %8zu\n", items);
    if (ndiag) {
        printf("\n");
        for (size_t i = 0; i < ndiag; i++) print_diag(stdout, ds, i);
    }
done:
    mirs_iter_free(it);
    mirs_dataset_free(ds);
    cli_filter_free(&a.filter);
    return rc;
}

static const char list_usage[] = "usage: mirsafety list PATH [--json] [filters]\n"
                                 "One item key (<Category>/<Relation>/<id>) per line, in iteration order.\n"
                                 "  --json            a JSON array of {key, category, relation, id, images}\n";

int cli_list(int argc, char **argv);
int cli_list(int argc, char **argv)
{
    ds_args a;
    mirs_dataset *ds;
    mirs_iter *it;
    int rc = start_walk("list", list_usage, argc, argv, &a, false, false, false, &ds, &it);
    if (rc >= 0) return rc;
    rc = CLI_EXIT_OK;
    const mirs_item *item;
    if (a.json) {
        cJSON *arr = cJSON_CreateArray();
        while (arr && mirs_iter_next(it, &item) == MIRS_OK) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "key", mirs_item_key(item));
            cJSON_AddStringToObject(o, "category", mirs_item_category_name(item));
            cJSON_AddStringToObject(o, "relation", mirs_item_relation_name(item));
            cJSON_AddStringToObject(o, "id", mirs_item_id(item));
            cJSON_AddNumberToObject(o, "images", (double)mirs_item_image_count(item));
            cJSON_AddItemToArray(arr, o);
        }
        rc = print_json(arr);
        goto done;
    }
    while (mirs_iter_next(it, &item) == MIRS_OK) printf("%s\n", mirs_item_key(item));
done:;
    size_t nprob = ds ? mirs_dataset_diagnostic_count(ds) - count_oddities(ds) : 0;
    if (nprob)
        fprintf(stderr, "mirsafety list: %zu problem%s skipped (see 'mirsafety validate %s')\n", nprob,
                nprob == 1 ? "" : "s", a.path);
    mirs_iter_free(it);
    mirs_dataset_free(ds);
    cli_filter_free(&a.filter);
    return rc;
}

static const char validate_usage[] =
    "usage: mirsafety validate PATH [--images] [--strict] [--json] [filters]\n"
    "Checks a dataset and prints one line per problem, \"file:item: STATUS: message\"\n"
    "(item is the position in the file, \"-\" for a problem with the whole file).\n"
    "Exit status 0 when there is none, 1 when problems were found, 3 when the dataset cannot be read.\n"
    "Filters restrict the item count in the summary; problems are reported for the whole dataset.\n"
    "  --images          also check that every image file exists and holds a PNG or JPEG whose header\n"
    "                    is valid and within the decoding limits (for the filtered items; progress on a terminal)\n"
    "  --strict          refuse what the official code accepts (notes become problems) and stop at the\n"
    "                    first problem (the one a strict open reports)\n"
    "  --json            {\"ok\", \"items\", \"problems\": [{file, item, status, message}], \"notes\": [...]}\n"
    "Notes (status \"note\") are oddities the official code evaluates: the items are kept.\n";

int cli_validate(int argc, char **argv);
int cli_validate(int argc, char **argv)
{
    ds_args a;
    mirs_dataset *ds;
    mirs_iter *it;
    /* The images are probed below, item by item, rather than by the open: an item with a missing image
     * stays in the walk, so validate counts the items info counts, and names its files the same way. */
    int rc = start_walk("validate", validate_usage, argc, argv, &a, true, true, false, &ds, &it);
    if (rc >= 0) return rc;
    rc = CLI_EXIT_OK;
    /* Accepted oddities (only without --strict) are notes, not problems. */
    size_t n = mirs_dataset_diagnostic_count(ds), nnotes = count_oddities(ds), ndiag = n;
    n -= nnotes;
    if (a.strict && n > 1) n = ndiag = 1;
    /* With --images, every image's header is probed as a decoder would read it. */
    cJSON *img_problems = cJSON_CreateArray();
    size_t nimg = 0;
    if (a.images && !(a.strict && n) && img_problems) {
        cli_progress pg;
        cli_progress_start(&pg, "checking images", mirs_iter_count(it));
        const mirs_item *item;
        size_t done_items = 0;
        while (mirs_iter_next(it, &item) == MIRS_OK && !(a.strict && nimg)) {
            for (size_t k = 0; k < mirs_item_image_count(item); k++) {
                mirs_image_info info = {sizeof info, 0, 0, 0, 0, 0, 0, 0, 0};
                const char *file = mirs_item_image_file(item, k);
                int pst = mirs_image_probe_file(file, NULL, &info);
                /* The limits every decoding path applies (probing alone reports any claimed size). */
                bool probed = pst == MIRS_OK;
                if (probed && (pst = mirs_image_check_limits(&info, NULL)) == MIRS_OK) continue;
                char msg[1024]; /* the probe's message names the file; the limit check's does not */
                snprintf(msg, sizeof msg, "%s%s%s", probed ? file : "", probed ? ": " : "", mirs_error_last());
                cJSON *o = cJSON_CreateObject();
                /* Named as the library names the files of its diagnostics: the dataset path, then the file. */
                char src[4096];
                const char *sf = mirs_item_source_file(item);
                if (mirs_dataset_format(ds) == MIRS_DATASET_FORMAT_JSONL || sf[0] == '/')
                    snprintf(src, sizeof src, "%s", mirs_dataset_format(ds) == MIRS_DATASET_FORMAT_JSONL ? a.path : sf);
                else
                    snprintf(src, sizeof src, "%s%s%s", a.path,
                             a.path[0] && a.path[strlen(a.path) - 1] == '/' ? "" : "/", sf);
                cJSON_AddStringToObject(o, "file", src);
                cJSON_AddNumberToObject(o, "item", (double)mirs_item_source_index(item));
                cJSON_AddStringToObject(o, "status", mirs_status_str(pst));
                cJSON_AddStringToObject(o, "message", msg);
                cJSON_AddItemToArray(img_problems, o);
                nimg++;
                if (a.strict) break;
            }
            cli_progress_update(&pg, ++done_items);
        }
        cli_progress_finish(&pg);
        mirs_iter_reset(it);
    }
    if (a.json) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddBoolToObject(root, "ok", n + nimg == 0);
        cJSON_AddNumberToObject(root, "items", (double)mirs_iter_count(it));
        cJSON *probs = diag_json(ds, 0, ndiag, DIAG_PROBLEMS);
        cJSON_AddItemToObject(root, "notes", diag_json(ds, 0, ndiag, DIAG_NOTES));
        while (nimg && cJSON_GetArraySize(img_problems) > 0)
            cJSON_AddItemToArray(probs, cJSON_DetachItemFromArray(img_problems, 0));
        cJSON_AddItemToObject(root, "problems", probs);
        cJSON_Delete(img_problems);
        rc = print_json(root);
        if (rc == CLI_EXIT_OK && n + nimg) rc = CLI_EXIT_PROBLEMS;
        goto done;
    }
    for (size_t i = 0; i < ndiag; i++) print_diag(stdout, ds, i);
    for (cJSON *o = img_problems ? img_problems->child : NULL; o; o = o->next)
        printf("%s:%d: %s: %s\n", cJSON_GetObjectItem(o, "file")->valuestring,
               (int)cJSON_GetObjectItem(o, "item")->valuedouble, cJSON_GetObjectItem(o, "status")->valuestring,
               cJSON_GetObjectItem(o, "message")->valuestring);
    cJSON_Delete(img_problems);
    n += nimg;
    if (n) {
        fprintf(stderr, "%s: %zu problem%s found\n", a.path, n, n == 1 ? "" : "s");
        rc = CLI_EXIT_PROBLEMS;
    } else
        fprintf(stderr, "%s: ok, %zu items, no problems%s\n", a.path, mirs_iter_count(it),
                nnotes ? " (notes: items the official code evaluates, accepted)" : "");
done:
    mirs_iter_free(it);
    mirs_dataset_free(ds);
    cli_filter_free(&a.filter);
    return rc;
}
