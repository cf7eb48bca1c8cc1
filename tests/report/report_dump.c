/* Prints the report of official results/harmbench/<model> folders through
 * the library alone (the differential test's C side):
 *   report_dump [--generic] [--threads N] mir|json|table DIR...
 * --generic runs the portable scan on any machine (through the test-only
 * hook of the internal header; the library reads no environment). */
#include <mirsafety/mirsafety.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/pyjson.h"

int main(int argc, char **argv)
{
    mirs_official_options oo = MIRS_OFFICIAL_OPTIONS_INIT;
    while (argc > 1 && strncmp(argv[1], "--", 2) == 0) {
        if (strcmp(argv[1], "--generic") == 0) {
            mirs__pyjson_test_scan(PYJSON_SCAN_GENERIC);
            argv++, argc--;
        } else if (strcmp(argv[1], "--threads") == 0 && argc > 2) {
            oo.threads = (uint32_t)atoi(argv[2]);
            argv += 2, argc -= 2;
        } else
            return 2;
    }
    if (argc < 3) return 2;
    int32_t fmt = strcmp(argv[1], "mir") == 0    ? MIRS_REPORT_MIR
                  : strcmp(argv[1], "json") == 0 ? MIRS_REPORT_JSON
                                                 : MIRS_REPORT_TABLE;
    for (int i = 2; i < argc; i++) {
        mirs_report *r = NULL;
        mirs_buf b = {0};
        if (mirs_report_new(argv[i], "harmbench", &r) || mirs_report_add_official(r, argv[i], &oo) ||
            mirs_report_write(r, fmt, MIRS_BY_ALL, MIRS_DENOM_ALL, 0.95, &b)) {
            fprintf(stderr, "report_dump: %s: %s\n", argv[i], mirs_error_last());
            mirs_report_free(r);
            return 3;
        }
        fwrite(b.data, 1, b.size, stdout);
        mirs_buf_free(&b);
        mirs_report_free(r);
    }
    return 0;
}
