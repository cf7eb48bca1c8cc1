/* Benchmark: refusal matching throughput of a compiled matcher.
 *
 * usage: bench_refusal FILE [PRESET] [REPEAT]
 * FILE holds answers separated by NUL bytes (bench_refusal.py writes it).
 * For case-sensitive and case-insensitive matching it times
 * mirs_matcher_test() per answer (what scoring does) and
 * mirs_matcher_find() over the whole buffer, best of REPEAT runs, and
 * prints one JSON line per measurement with the number of answers that
 * matched (the driver checks them against Python). */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_refusal FILE [PRESET] [REPEAT]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) return 1;
    fclose(f);
    size_t len = (size_t)sz;
    int32_t preset = MIRS_PRESET_HARMBENCH;
    if (argc > 2 && mirs_preset_from_name(argv[2], &preset) != MIRS_OK) {
        fprintf(stderr, "%s\n", mirs_error_last());
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 3;
    /* Answer boundaries. */
    size_t n = 0, cap = 1024;
    size_t *starts = malloc(cap * sizeof *starts), *lens = malloc(cap * sizeof *lens);
    for (size_t p = 0; p <= len;) {
        char *z = memchr(buf + p, 0, len - p);
        size_t e = z ? (size_t)(z - buf) : len;
        if (n == cap) {
            cap *= 2;
            starts = realloc(starts, cap * sizeof *starts);
            lens = realloc(lens, cap * sizeof *lens);
        }
        starts[n] = p;
        lens[n] = e - p;
        n++;
        p = e + 1;
    }
    for (int ci = 0; ci < 2; ci++) {
        mirs_matcher *m;
        if (mirs_matcher_new_preset(preset, ci ? MIRS_MATCH_CASE_INSENSITIVE : 0, &m) != MIRS_OK) {
            fprintf(stderr, "%s\n", mirs_error_last());
            return 1;
        }
        double best_t = 1e30, best_f = 1e30;
        size_t matched = 0;
        unsigned long long count = 0;
        for (int r = 0; r < repeat; r++) {
            double t0 = now();
            size_t k = 0;
            for (size_t i = 0; i < n; i++) k += (size_t)mirs_matcher_test(m, buf + starts[i], lens[i]);
            double t1 = now();
            mirs_match res;
            mirs_matcher_find(m, buf, len, &res);
            double t2 = now();
            matched = k;
            count = (unsigned long long)res.count;
            if (t1 - t0 < best_t) best_t = t1 - t0;
            if (t2 - t1 < best_f) best_f = t2 - t1;
        }
        printf("{\"case_insensitive\":%d,\"answers\":%zu,\"bytes\":%zu,\"matched\":%zu,\"test_s\":%.6f,"
               "\"test_gbps\":%.3f,\"find_all_s\":%.6f,\"find_all_gbps\":%.3f,\"all_matches\":%llu}\n",
               ci, n, len, matched, best_t, (double)len / best_t / 1e9, best_f, (double)len / best_f / 1e9, count);
        mirs_matcher_free(m);
    }
    free(starts);
    free(lens);
    free(buf);
    return 0;
}
