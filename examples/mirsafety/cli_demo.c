/* mirsafety demo: the whole pipeline on the bundled sample, through the same
 * verbs a user runs by hand (prompts, judge-prompts, score, report), then the
 * HTML report. Everything it reads is bundled; nothing touches the network. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_prompts(int argc, char **argv);
int cli_judge_prompts(int argc, char **argv);
int cli_score(int argc, char **argv);
int cli_report(int argc, char **argv);

static const char *const demo_models[] = {"demo-strong-reasoner", "demo-balanced", "demo-cautious"};
#define NMODELS (sizeof demo_models / sizeof *demo_models)

/* snprintf that reports truncation instead of silently cutting a path. */
static int pathf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(out, n, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= n) {
        fprintf(stderr, "mirsafety demo: path too long\n");
        return -1;
    }
    return 0;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled data: relative to the working directory (the README runs the
 * demo from the repository root), else relative to the executable in a build
 * tree (build/examples/mirsafety/mirsafety -> ../../../examples/data). */
static int find_data(const char *rel, char *out, size_t n)
{
    if (is_dir(rel)) {
        if (pathf(out, n, "%s", rel) != 0) return -1;
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = '\0';
        char *s = strrchr(exe, '/');
        if (s) *s = '\0';
        if (pathf(out, n, "%s/../../../%s", exe, rel) != 0) return -1;
        if (is_dir(out)) return 0;
    }
    return -1;
}

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static bool quiet;

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", (unsigned char)*s);
        else
            putchar(*s);
    }
    putchar('"');
} /* --json: the steps' own output is not shown */

/* Runs a verb with the given arguments (argv[0] is the verb name). */
static int run_verb(cli_verb_fn fn, int argc, char **argv)
{
    fflush(stdout);
    int saved = -1;
    if (quiet) {
        int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        saved = dup(STDOUT_FILENO);
        if (devnull >= 0 && saved >= 0) dup2(devnull, STDOUT_FILENO);
        if (devnull >= 0) close(devnull);
    }
    int rc = fn(argc, argv);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    return rc;
}

#define say(...) (quiet ? (void)0 : (void)printf(__VA_ARGS__))

#define RUN(fn, ...)                                                                                                   \
    do {                                                                                                               \
        char *av_[] = {__VA_ARGS__};                                                                                   \
        int rc_ = run_verb(fn, (int)(sizeof av_ / sizeof *av_), av_);                                                  \
        if (rc_ != CLI_EXIT_OK) {                                                                                      \
            fprintf(stderr, "mirsafety demo: step '%s' failed (exit %d)\n", av_[0], rc_);                              \
            return rc_;                                                                                                \
        }                                                                                                              \
    } while (0)

/* Mean attention entropy of one bundled dump (every row of the tensor), or
 * NAN when the item has none. The demo dumps are f16 probabilities, whose
 * rows sum to 1 only within f16 rounding: renormalise them. */
static double item_entropy(const char *data, const char *key)
{
    char path[PATH_MAX];
    mirs_buf name = {0};
    if (mirs_entropy_dump_name(key, &name) != MIRS_OK) return NAN;
    int bad = pathf(path, sizeof path, "%s/attention/%s", data, (const char *)name.data);
    mirs_buf_free(&name);
    if (bad != 0 || access(path, R_OK) != 0) return NAN;
    mirs_entropy_tensor *t = NULL;
    if (mirs_entropy_tensor_open(path, NULL, &t) != MIRS_OK) return NAN;
    int32_t dtype;
    size_t ndim, shape[MIRS_ENTROPY_MAX_DIMS];
    int64_t strides[MIRS_ENTROPY_MAX_DIMS];
    double mean = NAN;
    if (mirs_entropy_tensor_info(t, &dtype, &ndim, shape, strides) == MIRS_OK && ndim >= 1 && strides[ndim - 1] == 1) {
        size_t rows = 1;
        for (size_t d = 0; d + 1 < ndim; d++) rows *= shape[d];
        double *h = malloc(rows * sizeof *h);
        mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
        o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
        if (h && mirs_entropy_rows(mirs_entropy_tensor_data(t), dtype, rows, shape[ndim - 1], shape[ndim - 1], &o, h) ==
                     MIRS_OK) {
            double sum = 0;
            for (size_t r = 0; r < rows; r++) sum += h[r];
            mean = sum / (double)rows;
        }
        free(h);
    }
    mirs_entropy_tensor_free(t);
    return mean;
}

#define ENT_BINS 20

/* Safe vs unsafe mean entropy of the first demo model's answers, one value
 * per item, into an accumulator state at path (what `mirsafety entropy
 * --label ... --state` builds from a model's own dumps). Returns 0 when
 * both groups have two items or more, else -1 (no entropy section). */
static int save_entropy(const mirs_records *recs, const char *data, const char *path)
{
    size_t n = mirs_records_count(recs), ns = 0, nu = 0;
    double *vs = malloc((n + 1) * sizeof *vs), *vu = malloc((n + 1) * sizeof *vu);
    for (size_t i = 0; vs && vu && i < n; i++) {
        const mirs_record *r = mirs_records_get(recs, i);
        if (strcmp(r->model, demo_models[0]) != 0 || !mirs_records_counted(recs, i)) continue;
        if (r->verdict != MIRS_VERDICT_SAFE && r->verdict != MIRS_VERDICT_UNSAFE) continue;
        double v = item_entropy(data, r->key);
        if (isnan(v)) continue;
        if (r->verdict == MIRS_VERDICT_UNSAFE)
            vu[nu++] = v;
        else
            vs[ns++] = v;
    }
    int rc = -1;
    if (vs && vu && ns >= 2 && nu >= 2) {
        /* The histogram spans the values seen, widened to round edges so its ticks read well. */
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < ns; i++) lo = fmin(lo, vs[i]), hi = fmax(hi, vs[i]);
        for (size_t i = 0; i < nu; i++) lo = fmin(lo, vu[i]), hi = fmax(hi, vu[i]);
        lo = floor(lo * 10) / 10;
        hi = ceil(hi * 10) / 10;
        if (hi <= lo) hi = lo + 0.1;
        hi = nextafter(hi, INFINITY); /* the largest value falls inside [lo, hi) */
        mirs_entropy_acc *acc = NULL;
        int st = mirs_entropy_acc_new(1, 1, ENT_BINS, lo, hi, &acc);
        for (size_t i = 0; i < ns && !st; i++)
            st = mirs_entropy_acc_add_item(acc, MIRS_ENTROPY_LABEL_SAFE, &vs[i], 1, 1, 1);
        for (size_t i = 0; i < nu && !st; i++)
            st = mirs_entropy_acc_add_item(acc, MIRS_ENTROPY_LABEL_UNSAFE, &vu[i], 1, 1, 1);
        if (!st) st = mirs_entropy_acc_save(acc, path);
        mirs_entropy_acc_free(acc);
        rc = st ? -1 : 0;
    }
    free(vs);
    free(vu);
    return rc;
}

static const char demo_help[] =
    "usage: mirsafety demo [-o|--out DIR] [--sample DIR] [--data DIR] [--json]\n"
    "Runs the whole evaluation pipeline on the bundled sample, offline:\n"
    "  1. writes OpenAI batch requests (images embedded) for each demo model   -> DIR/requests/\n"
    "  2. reads the bundled model responses and writes judge requests          -> DIR/judge-requests/\n"
    "  3. reads the bundled judge outputs and response types into a store      -> DIR/verdicts.jsonl\n"
    "  4. prints the ASR table                                                 -> stdout\n"
    "  5. writes the HTML report (report --format html, attention entropy too) -> DIR/report.html\n"
    "The store is resumable: rerunning skips what is already scored.\n"
    "  -o, --out DIR  output folder (default demo-out)\n"
    "  --sample DIR   the dataset (default examples/data/sample)\n"
    "  --data DIR     bundled responses and judge outputs (default examples/data/demo)\n"
    "  --json         print a JSON summary (files written, each model's ASR) instead of the steps\n";

int cli_demo(int argc, char **argv);
int cli_demo(int argc, char **argv)
{
    const char *out = "demo-out", *sample_arg = NULL, *data_arg = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            fputs(demo_help, stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            quiet = true;
        } else if ((r = cli_out_option(argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("demo", "--out needs a folder");
            out = v;
        } else if ((r = cli_opt_value("--sample", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("demo", "--sample needs a folder");
            sample_arg = v;
        } else if ((r = cli_opt_value("--data", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("demo", "--data needs a folder");
            data_arg = v;
        } else
            return cli_usage_error("demo", "unknown option '%s'", argv[i]);
    }
    char sample[PATH_MAX], data[PATH_MAX];
    if (sample_arg ? pathf(sample, sizeof sample, "%s", sample_arg) != 0
                   : find_data("examples/data/sample", sample, sizeof sample) != 0)
        return cli_usage_error("demo",
                               "cannot find examples/data/sample: run from the repository root or pass --sample");
    if (data_arg ? pathf(data, sizeof data, "%s", data_arg) != 0
                 : find_data("examples/data/demo", data, sizeof data) != 0)
        return cli_usage_error("demo", "cannot find examples/data/demo: run from the repository root or pass --data");

    char p1[PATH_MAX], p2[PATH_MAX], p3[PATH_MAX], p4[PATH_MAX], p5[PATH_MAX], store[PATH_MAX];
    if (pathf(p1, sizeof p1, "%s/requests", out) != 0) return CLI_EXIT_USAGE;
    if (pathf(p2, sizeof p2, "%s/judge-requests", out) != 0) return CLI_EXIT_USAGE;
    if (mkdir_p(p1) != 0 || mkdir_p(p2) != 0) {
        fprintf(stderr, "mirsafety demo: cannot create %s: %s\n", out, strerror(errno));
        return CLI_EXIT_FAILURE;
    }
    if (pathf(store, sizeof store, "%s/verdicts.jsonl", out) != 0) return CLI_EXIT_USAGE;

    say("== 1. model requests (OpenAI batch JSONL, images embedded)\n");
    for (size_t m = 0; m < NMODELS; m++) {
        if (pathf(p1, sizeof p1, "%s/requests/%s.jsonl", out, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        RUN(cli_prompts, "prompts", sample, "--format", "openai-batch", "--model", (char *)demo_models[m],
            "--max-tokens", "1024", "--out", p1);
        say("   %s\n", p1);
    }
    say("== 2. judge requests (harmbench-mir, reasoning stripped as the official code does)\n");
    for (size_t m = 0; m < NMODELS; m++) {
        if (pathf(p3, sizeof p3, "%s/responses/%s.jsonl", data, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        if (pathf(p2, sizeof p2, "%s/judge-requests/%s.jsonl", out, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        RUN(cli_judge_prompts, "judge-prompts", "--dataset", sample, "--responses", p3, "--judge", "harmbench-mir",
            "-o", p2);
        say("   %s\n", p2);
    }
    say("== 3. verdicts (official rule: only an exact \"Yes\" is unsafe) -> %s\n", store);
    for (size_t m = 0; m < NMODELS; m++) {
        if (pathf(p3, sizeof p3, "%s/responses/%s.jsonl", data, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        if (pathf(p4, sizeof p4, "%s/judge/%s.jsonl", data, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        if (pathf(p5, sizeof p5, "%s/response-types/%s.jsonl", data, demo_models[m]) != 0) return CLI_EXIT_USAGE;
        RUN(cli_score, "score", "--dataset", sample, "--responses", p3, "--judge-outputs", p4, "--rtype-outputs", p5,
            "--store", store, "--model", (char *)demo_models[m]);
    }
    say("== 4. attack success rates\n");
    RUN(cli_report, "report", store, "--by", "relation");

    if (pathf(p5, sizeof p5, "%s/report.html", out) != 0) return CLI_EXIT_USAGE;
    if (pathf(p4, sizeof p4, "%s/entropy.json", out) != 0) return CLI_EXIT_USAGE;
    mirs_records *recs = NULL;
    int st = mirs_records_read(store, NULL, &recs);
    if (st != MIRS_OK) return cli_fail(st, store);
    bool have_ent = save_entropy(recs, data, p4) == 0;
    mirs_records_free(recs);
    char ent_arg[PATH_MAX + 64];
    if (pathf(ent_arg, sizeof ent_arg, "%s=%s", demo_models[0], p4) != 0) return CLI_EXIT_USAGE;
    say("== 5. HTML report (the same page `mirsafety report --format html` writes for any stores)\n");
    if (have_ent) {
        say("   attention entropy of %s's answers, one value per item -> %s\n", demo_models[0], p4);
        RUN(cli_report, "report", store, "--format", "html", "-o", p5, "--entropy", ent_arg, "--title",
            "MIR-SafetyBench demo report (bundled sample, fictional models)", "--note",
            "Data: the bundled sample and fictional demo models; not real benchmark results.");
    } else
        RUN(cli_report, "report", store, "--format", "html", "-o", p5, "--title",
            "MIR-SafetyBench demo report (bundled sample, fictional models)", "--note",
            "Data: the bundled sample and fictional demo models; not real benchmark results.");
    say("== HTML report: %s\n", p5);
    if (quiet) {
        printf("{\"out\": ");
        json_str(out);
        printf(", \"store\": ");
        json_str(store);
        printf(", \"report\": ");
        json_str(p5);
        printf(", \"models\": {");
        mirs_records *rr = NULL;
        if ((st = mirs_records_read(store, NULL, &rr)) != MIRS_OK) return cli_fail(st, store);
        for (size_t m = 0; m < NMODELS; m++) {
            uint64_t u = 0, t = 0;
            for (size_t i = 0; i < mirs_records_count(rr); i++) {
                const mirs_record *r = mirs_records_get(rr, i);
                if (strcmp(r->model, demo_models[m]) != 0 || !mirs_records_counted(rr, i) || r->verdict < 0) continue;
                t++;
                u += r->verdict == MIRS_VERDICT_UNSAFE;
            }
            printf("%s\"%s\": {\"unsafe\": %llu, \"total\": %llu}", m ? ", " : "", demo_models[m],
                   (unsigned long long)u, (unsigned long long)t);
        }
        mirs_records_free(rr);
        printf("}}\n");
    }
    return CLI_EXIT_OK;
}
