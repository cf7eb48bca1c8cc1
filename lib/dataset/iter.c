/* Filtered, sharded and shuffled iteration. An iterator is a precomputed
 * list of item indices, so iteration itself never fails and the dataset is
 * only read. */
#include "dataset_internal.h"
#include "util/versioned.h"

#include <stdlib.h>
#include <string.h>

struct mirs_iter {
    const mirs_dataset *ds;
    size_t *order;
    size_t n, pos;
};

MIRS_API int mirs_filter_init(mirs_filter *filter, size_t size)
{
    static const mirs_filter f = MIRS_FILTER_INIT;
    return MIRS__STRUCT_INIT(mirs_filter, filter, size, &f);
}

MIRS_API uint64_t mirs_key_hash(const char *key)
{
    if (!key) key = "";
    return mirs__splitmix64(mirs__fnv1a64(key, strlen(key)));
}

MIRS_API uint32_t mirs_key_shard(const char *key, uint32_t shard_count)
{
    if (shard_count == 0) return 0;
    return (uint32_t)(mirs_key_hash(key) % shard_count);
}

typedef struct shuffle_ent {
    uint64_t rank;
    const mirs_item *item;
} shuffle_ent;

static int cmp_shuffle(const void *pa, const void *pb)
{
    const shuffle_ent *a = pa, *b = pb;
    if (a->rank != b->rank) return a->rank < b->rank ? -1 : 1;
    return strcmp(a->item->key, b->item->key);
}

MIRS_API int mirs_iter_new(const mirs_dataset *ds, const mirs_filter *filter, mirs_iter **out)
{
    MIRS_CHECK_ARG(ds != NULL, "ds must not be NULL");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    mirs_filter f = MIRS_FILTER_INIT;
    int rc = MIRS__STRUCT_IN(mirs_filter, filter, &f);
    if (rc) return rc;
    if ((f.categories >> MIRS_CATEGORY_COUNT) || (f.relations >> MIRS_RELATION_COUNT) || (f.groups >> MIRS_GROUP_COUNT))
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "mirs_iter_new: filter bits beyond the known categories, relations or groups "
                          "(categories 0x%x, relations 0x%x, groups 0x%x)",
                          f.categories, f.relations, f.groups);
    if (f.key_count && !f.keys)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_iter_new: key_count %zu with NULL keys", f.key_count);
    if (f.shard_count > 1 && f.shard_index >= f.shard_count)
        return mirs__fail(MIRS_E_RANGE, "mirs_iter_new: shard %u is not below the shard count %u", f.shard_index,
                          f.shard_count);
    if (f.shard_count <= 1 && f.shard_index != 0)
        return mirs__fail(MIRS_E_RANGE, "mirs_iter_new: shard %u given without a shard count", f.shard_index);

    mirs_iter *it = mirs__calloc(1, sizeof *it);
    if (!it) return MIRS_E_NO_MEMORY;
    it->ds = ds;
    it->order = mirs__malloc((ds->count ? ds->count : 1) * sizeof *it->order);
    unsigned char *wanted = NULL;
    if (f.keys) wanted = mirs__calloc(ds->count ? ds->count : 1, 1);
    if (!it->order || (f.keys && !wanted)) {
        free(wanted);
        mirs_iter_free(it);
        return MIRS_E_NO_MEMORY;
    }
    if (wanted)
        for (size_t k = 0; k < f.key_count; k++) {
            if (!f.keys[k]) continue;
            size_t i = mirs__dataset_lookup(ds, f.keys[k], mirs_key_hash(f.keys[k]));
            if (i != SIZE_MAX) wanted[i] = 1;
        }
    uint32_t groups_rel = 0;
    if (f.groups)
        for (int32_t r = 0; r < MIRS_RELATION_COUNT; r++)
            if (f.groups & (1u << mirs_relation_group(r))) groups_rel |= 1u << r;
    for (size_t i = 0; i < ds->count; i++) {
        const mirs_item *item = &ds->items[i];
        /* Unknown categories and relations (-1) match no bit. */
        if (f.categories && (item->category < 0 || !(f.categories & (1u << item->category)))) continue;
        if (f.relations && (item->relation < 0 || !(f.relations & (1u << item->relation)))) continue;
        if (f.groups && (item->relation < 0 || !(groups_rel & (1u << item->relation)))) continue;
        if (wanted && !wanted[i]) continue;
        if (f.shard_count > 1 && item->hash % f.shard_count != f.shard_index) continue;
        it->order[it->n++] = i;
    }
    free(wanted);
    if (f.shuffle && it->n > 1) {
        shuffle_ent *e = mirs__malloc(it->n * sizeof *e);
        if (!e) {
            mirs_iter_free(it);
            return MIRS_E_NO_MEMORY;
        }
        for (size_t k = 0; k < it->n; k++) {
            e[k].item = &ds->items[it->order[k]];
            e[k].rank = mirs__splitmix64(f.seed ^ e[k].item->hash);
        }
        qsort(e, it->n, sizeof *e, cmp_shuffle);
        for (size_t k = 0; k < it->n; k++) it->order[k] = e[k].item->index;
        free(e);
    }
    *out = it;
    return MIRS_OK;
}

MIRS_API int mirs_iter_next(mirs_iter *it, const mirs_item **out)
{
    MIRS_CHECK_ARG(it != NULL, "it must not be NULL");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    if (it->pos >= it->n) return MIRS_DONE;
    *out = &it->ds->items[it->order[it->pos++]];
    return MIRS_OK;
}

MIRS_API size_t mirs_iter_count(const mirs_iter *it) { return it ? it->n : 0; }
MIRS_API void mirs_iter_reset(mirs_iter *it)
{
    if (it) it->pos = 0;
}
MIRS_API void mirs_iter_free(mirs_iter *it)
{
    if (!it) return;
    free(it->order);
    free(it);
}
