/* Benchmark: open a dataset and iterate every item, touching every field,
 * repeated; prints the best and median wall time, the metadata checksum
 * time and the peak RSS as one JSON line (bench_dataset.py runs the Python
 * baseline on the same tree and prints the ratios).
 * usage: bench_dataset PATH [REPEATS] */
#define _POSIX_C_SOURCE 200809L
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time (user + system) of the process: steadier than wall time on a busy machine. */
static double cpu(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_dataset PATH [REPEATS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 10;
    if (reps < 1 || reps > 1000) reps = 10;
    double *t = calloc((size_t)reps, sizeof *t), *tc = calloc((size_t)reps, sizeof *tc);
    size_t items = 0, bytes = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now(), c0 = cpu();
        mirs_dataset *ds = NULL;
        int st = mirs_dataset_open(argv[1], NULL, &ds);
        if (st != MIRS_OK) {
            fprintf(stderr, "open: %s\n", mirs_error_last());
            return 1;
        }
        mirs_iter *it = NULL;
        mirs_iter_new(ds, NULL, &it);
        const mirs_item *item;
        items = bytes = 0;
        while (mirs_iter_next(it, &item) == MIRS_OK) {
            items++;
            bytes += strlen(mirs_item_key(item)) + strlen(mirs_item_revised_prompt(item)) +
                     strlen(mirs_item_original_question(item)) + strlen(mirs_item_relationship_type(item));
            for (size_t k = 0; k < mirs_item_image_count(item); k++) bytes += strlen(mirs_item_image_file(item, k));
            for (size_t k = 0; k < mirs_item_description_count(item); k++)
                bytes += strlen(mirs_item_description(item, k));
            for (size_t k = 0; k < mirs_item_keyword_count(item); k++) bytes += strlen(mirs_item_keyword(item, k));
        }
        mirs_iter_free(it);
        mirs_dataset_free(ds);
        t[r] = now() - t0;
        tc[r] = cpu() - c0;
    }
    mirs_dataset *ds = NULL;
    mirs_dataset_open(argv[1], NULL, &ds);
    double c0 = now();
    uint64_t crc = 0;
    mirs_dataset_checksum(ds, MIRS_CHECKSUM_METADATA, &crc);
    double ct = now() - c0;
    mirs_dataset_free(ds);
    qsort(t, (size_t)reps, sizeof *t, cmp_d);
    qsort(tc, (size_t)reps, sizeof *tc, cmp_d);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("{\"items\": %zu, \"text_bytes\": %zu, \"best_s\": %.6f, \"median_s\": %.6f, \"checksum_s\": %.6f, "
           "\"cpu_best_s\": %.6f, \"cpu_median_s\": %.6f, \"peak_rss_kb\": %ld, \"repeats\": %d}\n",
           items, bytes, t[0], t[reps / 2], ct, tc[0], tc[reps / 2], ru.ru_maxrss, reps);
    free(t);
    free(tc);
    return 0;
}
