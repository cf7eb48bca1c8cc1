/* What the two entropy benchmarks (bench_entropy.c, bench_entropy_ops.c)
 * share: a monotonic clock, and the last-level cache's size, from which they
 * size their arrays so that "out of cache" is out of cache. */
#ifndef MIRS_BENCH_COMMON_H
#define MIRS_BENCH_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Seconds on the monotonic clock. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Size in bytes of the highest-level CPU cache that sysfs lists for cpu0
 * (0 when unknown). */
static size_t llc_bytes(void)
{
    size_t best = 0;
    int best_level = 0;
    for (int i = 0; i < 16; i++) {
        char path[96], buf[64];
        int level = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fscanf(f, "%d", &level) != 1) level = 0;
        fclose(f);
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!(f = fopen(path, "r"))) continue;
        if (fgets(buf, sizeof buf, f)) {
            char *end;
            size_t v = (size_t)strtoull(buf, &end, 10);
            if (*end == 'K') v <<= 10;
            if (*end == 'M') v <<= 20;
            if (level > best_level || (level == best_level && v > best)) best_level = level, best = v;
        }
        fclose(f);
    }
    return best;
}
#endif
