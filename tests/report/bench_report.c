/* Benchmark body: the statics.py block of every folder named on the command
 * line, through the library; prints the best of N wall times in seconds, the output size and the best
 * CPU time (all threads).
 *   bench_report [--threads N] REPEATS DIR...   (default one thread, the library's default) */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double now(void) { return clk(CLOCK_MONOTONIC); }

int main(int argc, char **argv)
{
    mirs_official_options oo = MIRS_OFFICIAL_OPTIONS_INIT;
    if (argc > 2 && strcmp(argv[1], "--threads") == 0) {
        oo.threads = (uint32_t)atoi(argv[2]);
        argv += 2, argc -= 2;
    }
    if (argc < 3) return 2;
    int reps = atoi(argv[1]);
    double best = 1e30, best_cpu = 1e30;
    size_t bytes = 0;
    for (int k = 0; k < reps; k++) {
        double t0 = now(), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
        bytes = 0;
        for (int i = 2; i < argc; i++) {
            mirs_report *r = NULL;
            mirs_buf b = {0};
            if (mirs_report_new(argv[i], "harmbench-mir", &r) || mirs_report_add_official(r, argv[i], &oo) ||
                mirs_report_write(r, MIRS_REPORT_MIR, 0, MIRS_DENOM_ALL, 0.95, &b)) {
                fprintf(stderr, "%s: %s\n", argv[i], mirs_error_last());
                return 3;
            }
            bytes += b.size;
            mirs_buf_free(&b);
            mirs_report_free(r);
        }
        double t = now() - t0, c = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
        if (t < best) best = t;
        if (c < best_cpu) best_cpu = c;
    }
    printf("%.6f %zu %.6f\n", best, bytes, best_cpu);
    return 0;
}
