/*
 * count_items: the same small job in C, Python (examples/python/count_items.py) and Rust
 * (bindings/rust/mirsafety/examples/count_items.rs); a test checks that all three print the same lines.
 *
 * Usage: count_items <dataset> [shard_index shard_count]
 * Prints the dataset's item count, the shard's item count, the shard's items per relation (official order) and
 * the first three keys the shard yields.
 */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: %s <dataset> [shard_index shard_count]\n", argv[0]);
        return 2;
    }
    mirs_filter filter = MIRS_FILTER_INIT;
    if (argc == 4) {
        filter.shard_index = (uint32_t)strtoul(argv[2], NULL, 10);
        filter.shard_count = (uint32_t)strtoul(argv[3], NULL, 10);
    }
    mirs_dataset *ds = NULL;
    int st = mirs_dataset_open(argv[1], NULL, &ds);
    if (st != MIRS_OK) {
        fprintf(stderr, "count_items: %s: %s\n", mirs_status_str(st), mirs_error_last());
        return 3;
    }
    mirs_iter *it = NULL;
    st = mirs_iter_new(ds, &filter, &it);
    if (st != MIRS_OK) {
        fprintf(stderr, "count_items: %s: %s\n", mirs_status_str(st), mirs_error_last());
        mirs_dataset_free(ds);
        return 3;
    }
    size_t per_relation[MIRS_RELATION_COUNT] = {0};
    const mirs_item *item;
    size_t n = 0;
    const char *first[3] = {NULL, NULL, NULL};
    while (mirs_iter_next(it, &item) == MIRS_OK) {
        int32_t r = mirs_item_relation(item);
        if (r >= 0 && r < MIRS_RELATION_COUNT) per_relation[r]++;
        if (n < 3) first[n] = mirs_item_key(item);
        n++;
    }
    printf("items: %zu\n", mirs_dataset_count(ds));
    printf("shard %u/%u: %zu items\n", (unsigned)filter.shard_index, (unsigned)filter.shard_count, n);
    for (int32_t r = 0; r < MIRS_RELATION_COUNT; r++) printf("%s %zu\n", mirs_relation_name(r), per_relation[r]);
    for (size_t i = 0; i < 3 && first[i]; i++) printf("first: %s\n", first[i]);
    mirs_iter_free(it);
    mirs_dataset_free(ds);
    return 0;
}
