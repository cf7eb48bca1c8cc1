/* Fuzz target: the bytes are parsed as a <Relation>_final.json and as a JSONL
 * manifest, strictly and leniently, through the same code path as
 * mirs_dataset_open (minus the file system); whatever opens is then walked
 * through every accessor, lookups, filtered/shuffled/sharded iteration and
 * the checksum. */
#include "dataset/dataset_internal.h"

#include <cjson/cJSON.h>

#include <stdlib.h>
#include <string.h>

/* cJSON copies at most 63 characters of a number; longer ones may differ. */
static int has_long_number(const uint8_t *d, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        int c = d[i];
        run = ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') ? run + 1 : 0;
        if (run >= 60) return 1;
    }
    return 0;
}

/* Ordered structural equality (cJSON_Compare looks members up by name, which
 * is wrong for objects with a repeated member name). */
static int same_tree(const cJSON *a, const cJSON *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if ((a->type & 0xFF) != (b->type & 0xFF)) return 0;
        if ((a->string == NULL) != (b->string == NULL) || (a->string && strcmp(a->string, b->string) != 0)) return 0;
        if (cJSON_IsString(a) && strcmp(a->valuestring, b->valuestring) != 0) return 0;
        if (cJSON_IsNumber(a) && !(a->valuedouble == b->valuedouble ||
                                   (a->valuedouble != a->valuedouble && b->valuedouble != b->valuedouble)))
            return 0;
        if (!same_tree(a->child, b->child)) return 0;
    }
    return a == NULL && b == NULL;
}

/* Differential check of the dataset's JSON parser: whatever it accepts,
 * cJSON must parse to an equal tree (cJSON is looser, so not the converse). */
static void differential(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy) return;
    memcpy(copy, data, size);
    copy[size] = '\0';
    mirs__arena scratch = {0};
    struct cJSON *mine = NULL;
    int st = mirs__json_fast_parse(copy, size, 32, &scratch, &mine);
    if (st == MIRS_OK && !has_long_number(data, size)) {
        cJSON *ref = cJSON_ParseWithLength((const char *)data, size);
        if (!ref || !same_tree(mine, ref)) abort();
        cJSON_Delete(ref);
    } else if (st != MIRS_OK && st != MIRS_E_JSON && st != MIRS_E_UTF8 && st != MIRS_E_LIMIT &&
               st != MIRS_E_UNSUPPORTED)
        abort();
    mirs__arena_free(&scratch);
    free(copy);
}

/* refuse_oddities: every diagnostic is a problem (status < 0); otherwise
 * accepted oddities (status MIRS_OK) may come too, and they alone in strict
 * mode (strict_mode). */
static void walk(const mirs_dataset *ds, int refuse_oddities, int strict_mode)
{
    size_t n = mirs_dataset_count(ds), sum = 0;
    for (size_t i = 0; i < n; i++) {
        const mirs_item *it = mirs_dataset_get(ds, i), *again;
        if (!it) abort();
        if (mirs_dataset_find(ds, mirs_item_key(it), &again) != MIRS_OK || again != it) abort();
        sum += strlen(mirs_item_id(it)) + strlen(mirs_item_revised_prompt(it)) +
               strlen(mirs_item_original_question(it)) + strlen(mirs_item_relationship_type(it));
        for (size_t k = 0; k < mirs_item_image_count(it); k++)
            sum += strlen(mirs_item_image_path(it, k)) + strlen(mirs_item_image_file(it, k));
        for (size_t k = 0; k < mirs_item_description_count(it); k++) sum += strlen(mirs_item_description(it, k));
        for (size_t k = 0; k < mirs_item_keyword_count(it); k++) sum += strlen(mirs_item_keyword(it, k));
        if (mirs_item_image_path(it, mirs_item_image_count(it)) != NULL) abort();
    }
    for (size_t i = 0; i < mirs_dataset_diagnostic_count(ds); i++) {
        const mirs_diagnostic *d = mirs_dataset_diagnostic(ds, i);
        if (!d || d->status > 0) abort();
        int st = d->status;
        const char *file = d->file, *msg = d->message;
        if (st == MIRS_OK && refuse_oddities) abort();
        if (st < 0 && strict_mode) abort();
        sum += strlen(file) + strlen(msg);
    }
    for (size_t i = 0; i < n; i++) {
        const mirs_item *it = mirs_dataset_get(ds, i);
        if (!it) abort();
        /* Names of known categories and relations are the official ones. */
        if (strcmp(mirs_item_category_name(it), mirs_category_name(mirs_item_category(it))) ||
            strcmp(mirs_item_relation_name(it), mirs_relation_name(mirs_item_relation(it))))
            abort();
    }
    mirs_filter f = MIRS_FILTER_INIT;
    f.shuffle = 1;
    f.seed = sum;
    f.shard_count = 3;
    f.shard_index = (uint32_t)(sum % 3);
    mirs_iter *it = NULL;
    size_t seen = 0;
    for (uint32_t k = 0; k < 3; k++) {
        f.shard_index = k;
        if (mirs_iter_new(ds, &f, &it) != MIRS_OK) abort();
        const mirs_item *item;
        while (mirs_iter_next(it, &item) == MIRS_OK) seen++;
        mirs_iter_free(it);
    }
    if (seen != n) abort();
    uint64_t crc;
    if (mirs_dataset_checksum(ds, MIRS_CHECKSUM_METADATA, &crc) != MIRS_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    differential(data, size);
    mirs_dataset_options o = MIRS_DATASET_OPTIONS_INIT;
    o.max_json_depth = 32;
    o.max_items = 4096;
    for (int format = MIRS_DATASET_FORMAT_OFFICIAL; format <= MIRS_DATASET_FORMAT_JSONL; format++)
        for (int mode = 0; mode < 4; mode++) {
            o.mode = mode & 1 ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
            o.oddities = mode & 2 ? MIRS_DATASET_ODDITIES_REFUSE : MIRS_DATASET_ODDITIES_ACCEPT;
            o.min_images = size % 2;
            mirs_dataset *ds = NULL;
            int st = mirs__dataset_parse_memory((const char *)data, size, format, MIRS_CATEGORY_PRIVACY,
                                                MIRS_RELATION_ANALOGY, &o, &ds);
            if (st == MIRS_OK) {
                if (!ds) abort();
                if (o.mode == MIRS_READ_STRICT && o.oddities == MIRS_DATASET_ODDITIES_REFUSE &&
                    mirs_dataset_diagnostic_count(ds))
                    abort();
                walk(ds, o.oddities == MIRS_DATASET_ODDITIES_REFUSE, o.mode == MIRS_READ_STRICT);
                mirs_dataset_free(ds);
            } else if (ds || st >= 0 || !*mirs_error_last())
                abort();
        }
    return 0;
}
