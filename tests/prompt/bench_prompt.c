/* Benchmark: writes the OpenAI Batch request file (images embedded as
 * base64) for a whole dataset and prints the best wall times of `reps` runs,
 * dataset opening included: first through mirs_prompt_write() to a plain
 * buffered file (the same work as the Python baseline, no fsync), then
 * through mirs_prompt_write_file() (temporary file, fsync, rename). Run by
 * bench_prompt.py, which times the same job in Python in the same run.
 * Usage: bench_prompt DATASET OUT [REPS] */
#define _POSIX_C_SOURCE 200809L
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int to_file(void *ud, const char *line, size_t len)
{
    return fwrite(line, 1, len, (FILE *)ud) == len ? MIRS_OK : MIRS_E_IO;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s DATASET OUT [REPS]\n", argv[0]);
        return 2;
    }
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    double best[2] = {1e300, 1e300};
    size_t lines = 0;
    for (int mode = 0; mode < 2; mode++)
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            mirs_dataset *ds = NULL;
            int st = mirs_dataset_open(argv[1], NULL, &ds);
            if (st) {
                fprintf(stderr, "open: %s\n", mirs_error_last());
                return 1;
            }
            mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
            o.format = MIRS_PROMPT_FORMAT_OPENAI_BATCH;
            o.model = "gpt-4o";
            o.max_tokens = 1024;
            o.temperature = 0;
            if (mode == 0) {
                FILE *f = fopen(argv[2], "wb");
                if (!f) return 1;
                st = mirs_prompt_write(ds, NULL, &o, to_file, f, &lines);
                if (fclose(f) != 0 && !st) st = MIRS_E_IO;
            } else {
                st = mirs_prompt_write_file(ds, NULL, &o, argv[2], &lines);
            }
            mirs_dataset_free(ds);
            if (st) {
                fprintf(stderr, "write: %s\n", mirs_error_last());
                return 1;
            }
            double t = now() - t0;
            if (t < best[mode]) best[mode] = t;
        }
    printf("%.6f %zu %.6f\n", best[0], lines, best[1]);
    return 0;
}
