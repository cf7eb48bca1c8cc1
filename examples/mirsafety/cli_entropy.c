/* mirsafety entropy / entropy-compare: attention entropy of a .npy or
 * .safetensors file, safe/unsafe accumulation into a state file, and the
 * group tests on that state. docs/entropy.md describes the definitions. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char entropy_help[] =
    "usage: mirsafety entropy FILE [options]   (FILE '-': standard input)\n"
    "Shannon entropy per (layer, head, query) of attention stored in a .npy or .safetensors file.\n\n"
    "  --tensor NAME       the .safetensors tensor to read (needed when the file holds several)\n"
    "  --layout L          axis letters in file order: lhqk, hqk, qk, lhkq, ... (default by rank: qk, hqk, lhqk)\n"
    "  --queries A:B       only queries A..B-1 (e.g. the generated tokens; A: or :B allowed)\n"
    "  --keys A:B[,C:D]    restrict to key spans (renormalised); the mass on each span is reported\n"
    "  --logits            the tensor holds logits (softmax first); --temperature T (default 1)\n"
    "  --bits              entropy in bits (default nats)\n"
    "  --normalize         divide by ln(number of selected keys)\n"
    "  --policy P          error (default), renormalize or skip for NaN/Inf/negative or rows not summing to 1\n"
    "  --threads N         worker threads (default 1)\n"
    "  -o, --out OUT.npy   write the [layers, heads, queries] entropies as float64 .npy (atomically;\n"
    "                      --per-row OUT.npy is the same option)\n"
    "  --label safe|unsafe --state ACC.json\n"
    "                      add this item to the accumulator state (created if missing; written atomically);\n"
    "                      --bins N, --lo X, --hi X set the histogram of a new state (default 64 bins on\n"
    "                      [0, ln(keys)] in the chosen unit, [0, 1] with --normalize)\n"
    "  --json              machine-readable output\n";

static int parse_range(const char *s, size_t *a, size_t *b)
{
    char *end;
    *a = 0;
    *b = SIZE_MAX;
    const char *colon = strchr(s, ':');
    if (!colon) return -1;
    if (colon != s) {
        *a = strtoull(s, &end, 10);
        if (end != colon) return -1;
    }
    if (colon[1]) {
        *b = strtoull(colon + 1, &end, 10);
        if (*end && *end != ',') return -1;
    }
    return *a <= *b ? 0 : -1;
}

static void print_double(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        printf("null");
}

/* mirs_entropy_view_compute over queries [q0, q0 + nq) of every layer and
 * head, with a progress bar when stderr is a terminal. Then the view goes in
 * chunks sized to take about 0.1 s each (from 1M elements up, growing at most
 * 8x a chunk), so the bar moves ~10 times a second while the cost of a call
 * (threads started and joined) stays out of sight. Going through the rows in
 * layer-major order, a chunk is a run of queries of one (layer, head), of
 * whole heads of one layer, or of whole layers: a sub-view whose results are
 * the next stretch of the output, written in place, and whose rows lie
 * together in a C-order file. Elsewhere it is one call. */
static int compute_view(const mirs_entropy_view *v, size_t q0, size_t nq, const size_t *spans, size_t nspans,
                        const mirs_entropy_options *o, double *ent, double *mass)
{
    size_t L = v->shape[0], H = v->shape[1], K = v->shape[3] ? v->shape[3] : 1, n = L * H * nq;
    size_t budget = (size_t)1 << 20, block = nq * K; /* elements of the next chunk; of one (layer, head) */
    cli_progress pg;
    cli_progress_start(&pg, "entropy", n);
    int st = MIRS_OK;
    if (!pg.enabled || n * K <= budget) {
        st = mirs_entropy_view_compute(v, q0, q0 + nq, spans, nspans, NULL, o, ent, mass);
    } else {
        int64_t esz = v->dtype == MIRS_ENTROPY_F64 ? 8 : v->dtype == MIRS_ENTROPY_F32 ? 4 : 2;
        size_t l = 0, h = 0, qa = 0, done = 0;
        while (l < L) {
            size_t ln = 1, hn = 1, qn = nq - qa;
            if (qa || budget < block) { /* queries of one (layer, head) */
                if (qn > budget / K) qn = budget / K ? budget / K : 1;
            } else if (h || budget < H * block) { /* heads of one layer */
                hn = H - h < budget / block ? H - h : budget / block;
            } else { /* whole layers */
                hn = H;
                ln = L - l < budget / (H * block) ? L - l : budget / (H * block);
            }
            size_t at = (l * H + h) * nq + qa;
            mirs_entropy_view sub = *v;
            sub.data = (const char *)v->data + ((int64_t)l * v->strides[0] + (int64_t)h * v->strides[1]) * esz;
            sub.shape[0] = ln;
            sub.shape[1] = hn;
            double t0 = cli_seconds();
            st = mirs_entropy_view_compute(&sub, q0 + qa, q0 + qa + qn, spans, nspans, NULL, o, ent + at,
                                           mass ? mass + at * nspans : NULL);
            if (st) break;
            double dt = cli_seconds() - t0, grow = dt > 0.1 / 8 ? 0.1 / dt : 8;
            size_t elems = ln * hn * qn * K;
            budget =
                (double)elems * grow < (double)((size_t)1 << 20) ? (size_t)1 << 20 : (size_t)((double)elems * grow);
            done += ln * hn * qn;
            cli_progress_update(&pg, done);
            /* Advance past the chunk: queries, then heads, then layers. */
            if ((qa += qn) == nq) {
                qa = 0;
                if ((h += hn) == H) h = 0, l += ln;
            }
        }
        /* A bad row is named by its place in the sub-view: redo the whole
         * range so the message is the very one a single call gives. */
        if (st == MIRS_E_NUMERIC) {
            int whole = mirs_entropy_view_compute(v, q0, q0 + nq, spans, nspans, NULL, o, ent, mass);
            if (whole) st = whole;
        }
    }
    if (st)
        cli_progress_stop(&pg);
    else
        cli_progress_finish(&pg);
    return st;
}

int cli_entropy(int argc, char **argv);
int cli_entropy(int argc, char **argv)
{
    const char *file = NULL, *tensor = NULL, *layout = NULL, *queries = NULL, *keys = NULL, *per_row = NULL;
    const char *label = NULL, *state = NULL, *v;
    bool json = false;
    size_t bins = 64;
    double lo = 0, hi = NAN;
    mirs_entropy_options o = MIRS_ENTROPY_OPTIONS_INIT;
    for (int i = 1; i < argc; i++) {
        int r = 0;
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(entropy_help, stdout);
            return CLI_EXIT_OK;
        }
#define OPT(name, var)                                                                                                 \
    if ((r = cli_opt_value(name, argc, argv, &i, &v))) {                                                               \
        if (r < 0) return cli_usage_error("entropy", "%s needs a value", name);                                        \
        var = v;                                                                                                       \
        continue;                                                                                                      \
    }
        OPT("--tensor", tensor)
        OPT("--layout", layout)
        OPT("--queries", queries)
        OPT("--keys", keys)
        OPT("--per-row", per_row)
        OPT("-o", per_row)
        OPT("--out", per_row)
        OPT("--label", label)
        OPT("--state", state)
        if ((r = cli_opt_value("--temperature", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy", "--temperature needs a value");
            o.temperature = atof(v);
            continue;
        }
        if ((r = cli_opt_value("--threads", argc, argv, &i, &v))) {
            if (r < 0 || atoi(v) < 1) return cli_usage_error("entropy", "--threads needs a positive number");
            o.threads = (uint32_t)atoi(v);
            continue;
        }
        if ((r = cli_opt_value("--bins", argc, argv, &i, &v))) {
            if (r < 0 || atoi(v) < 1) return cli_usage_error("entropy", "--bins needs a positive number");
            bins = (size_t)atoi(v);
            continue;
        }
        if ((r = cli_opt_value("--lo", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy", "--lo needs a value");
            lo = atof(v);
            continue;
        }
        if ((r = cli_opt_value("--hi", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy", "--hi needs a value");
            hi = atof(v);
            continue;
        }
        if ((r = cli_opt_value("--policy", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy", "--policy needs a value");
            if (strcmp(v, "error") == 0)
                o.policy = MIRS_ENTROPY_POLICY_ERROR;
            else if (strcmp(v, "renormalize") == 0)
                o.policy = MIRS_ENTROPY_POLICY_RENORMALIZE;
            else if (strcmp(v, "skip") == 0)
                o.policy = MIRS_ENTROPY_POLICY_SKIP;
            else
                return cli_usage_error("entropy", "unknown policy '%s'", v);
            continue;
        }
        if (strcmp(a, "--logits") == 0)
            o.logits = 1;
        else if (strcmp(a, "--bits") == 0)
            o.bits = 1;
        else if (strcmp(a, "--normalize") == 0)
            o.normalize = 1;
        else if (strcmp(a, "--json") == 0)
            json = true;
        else if (a[0] == '-' && a[1])
            return cli_usage_error("entropy", "unknown option '%s'", a);
        else if (file)
            return cli_usage_error("entropy", "one FILE only");
        else
            file = a;
    }
    if (!file) return cli_usage_error("entropy", "FILE is required");
    if (!label != !state) return cli_usage_error("entropy", "--label and --state go together");
    int32_t lab = 0;
    if (label) {
        if (strcmp(label, "safe") == 0)
            lab = MIRS_ENTROPY_LABEL_SAFE;
        else if (strcmp(label, "unsafe") == 0)
            lab = MIRS_ENTROPY_LABEL_UNSAFE;
        else
            return cli_usage_error("entropy", "--label is safe or unsafe");
    }
    size_t q0 = 0, q1 = SIZE_MAX;
    if (queries && parse_range(queries, &q0, &q1) != 0)
        return cli_usage_error("entropy", "--queries wants A:B, got '%s'", queries);
    size_t spans[2 * 64], nspans = 0;
    if (keys) {
        const char *p = keys;
        while (*p) {
            if (nspans == 64) return cli_usage_error("entropy", "at most 64 key spans");
            if (parse_range(p, &spans[2 * nspans], &spans[2 * nspans + 1]) != 0)
                return cli_usage_error("entropy", "--keys wants A:B[,C:D...], got '%s'", keys);
            nspans++;
            const char *c = strchr(p, ',');
            if (!c) break;
            p = c + 1;
        }
    }

    if (!(file = cli_input_path("entropy", file))) return cli_input_failed();
    mirs_entropy_tensor *t = NULL;
    int st = mirs_entropy_tensor_open(file, tensor, &t);
    if (st) return cli_fail(st, file);
    int32_t dt;
    size_t nd;
    size_t shape[MIRS_ENTROPY_MAX_DIMS];
    mirs_entropy_tensor_info(t, &dt, &nd, shape, NULL);
    if (!layout) layout = nd == 2 ? "qk" : nd == 3 ? "hqk" : "lhqk";
    mirs_entropy_view view;
    view.struct_size = sizeof view;
    if ((st = mirs_entropy_tensor_view(t, layout, &view))) {
        mirs_entropy_tensor_free(t);
        return cli_fail(st, file);
    }
    size_t L = view.shape[0], H = view.shape[1], K = view.shape[3];
    for (size_t s = 0; s < nspans; s++)
        if (spans[2 * s + 1] == SIZE_MAX) spans[2 * s + 1] = K;
    if (q1 > view.shape[2]) q1 = view.shape[2];
    if (q0 > q1) {
        mirs_entropy_tensor_free(t);
        return cli_usage_error("entropy", "--queries starts after the %zu queries", view.shape[2]);
    }
    size_t nq = q1 - q0, n = L * H * nq;
    double *ent = malloc((n ? n : 1) * sizeof *ent), *mass = malloc((n && nspans ? n * nspans : 1) * sizeof *mass);
    if (!ent || !mass) {
        free(ent);
        free(mass);
        mirs_entropy_tensor_free(t);
        fprintf(stderr, "mirsafety entropy: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    int rc = CLI_EXIT_OK;
    st = compute_view(&view, q0, nq, nspans ? spans : NULL, nspans, &o, ent, nspans ? mass : NULL);
    if (st) {
        rc = cli_fail(st, file);
        goto done;
    }
    double overall, *per_layer = malloc((L ? L : 1) * sizeof *per_layer);
    if (!per_layer) {
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    mirs_entropy_reduce(ent, L, H, nq, 7, &overall);
    mirs_entropy_reduce(ent, L, H, nq, MIRS_ENTROPY_AXIS_HEADS | MIRS_ENTROPY_AXIS_QUERIES, per_layer);
    if (per_row) {
        size_t sh[3] = {L, H, nq};
        if ((st = mirs_entropy_npy_write_f64(per_row, ent, 3, sh))) {
            rc = cli_fail(st, per_row);
            free(per_layer);
            goto done;
        }
    }
    if (state) {
        mirs_entropy_acc *acc = NULL;
        struct stat sb;
        if (stat(state, &sb) == 0)
            st = mirs_entropy_acc_load(state, &acc);
        else {
            size_t nsel = K;
            if (nspans) {
                nsel = 0;
                for (size_t s = 0; s < nspans; s++) nsel += spans[2 * s + 1] - spans[2 * s];
            }
            double h =
                isnan(hi) ? (o.normalize ? 1.0 : log(nsel > 1 ? (double)nsel : 2.0) / (o.bits ? log(2.0) : 1.0)) : hi;
            st = mirs_entropy_acc_new(L, H, bins, lo, h, &acc);
        }
        if (!st) st = mirs_entropy_acc_add_item(acc, lab, ent, L, H, nq);
        if (!st) st = mirs_entropy_acc_save(acc, state);
        mirs_entropy_acc_free(acc);
        if (st) {
            rc = cli_fail(st, state);
            free(per_layer);
            goto done;
        }
    }
    const char *unit = o.normalize ? "normalized" : o.bits ? "bits" : "nats";
    if (json) {
        printf("{\"file\":\"");
        for (const char *p = file; *p; p++) printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
        printf("\",\"layout\":\"%s\",\"layers\":%zu,\"heads\":%zu,\"queries\":%zu,\"query_begin\":%zu,\"keys\":%zu,"
               "\"unit\":\"%s\",\"kernel\":\"%s\",\"mean\":",
               layout, L, H, nq, q0, K, unit, mirs_entropy_kernel_name(mirs_entropy_auto_kernel()));
        print_double(overall);
        printf(",\"per_layer\":[");
        for (size_t l = 0; l < L; l++) {
            if (l) putchar(',');
            print_double(per_layer[l]);
        }
        printf("]");
        if (nspans) {
            printf(",\"span_mass\":[");
            for (size_t s = 0; s < nspans; s++) {
                double sum = 0;
                size_t c = 0;
                for (size_t r = 0; r < n; r++)
                    if (!isnan(mass[r * nspans + s])) sum += mass[r * nspans + s], c++;
                if (s) putchar(',');
                printf("{\"begin\":%zu,\"end\":%zu,\"mean_mass\":", spans[2 * s], spans[2 * s + 1]);
                print_double(c ? sum / (double)c : NAN);
                putchar('}');
            }
            printf("]");
        }
        printf("}\n");
    } else {
        printf("%s: %zu layers x %zu heads x %zu queries (from %zu) x %zu keys, layout %s, kernel %s\n", file, L, H, nq,
               q0, K, layout, mirs_entropy_kernel_name(mirs_entropy_auto_kernel()));
        printf("mean entropy (%s): %.6f\n", unit, overall);
        for (size_t l = 0; l < L; l++) printf("  layer %3zu: %.6f\n", l, per_layer[l]);
        for (size_t s = 0; s < nspans; s++) {
            double sum = 0;
            size_t c = 0;
            for (size_t r = 0; r < n; r++)
                if (!isnan(mass[r * nspans + s])) sum += mass[r * nspans + s], c++;
            printf("  keys %zu:%zu mean attention mass %.6f\n", spans[2 * s], spans[2 * s + 1],
                   c ? sum / (double)c : NAN);
        }
    }
    free(per_layer);
done:
    free(ent);
    free(mass);
    mirs_entropy_tensor_free(t);
    return rc;
}

static const char compare_help[] =
    "usage: mirsafety entropy-compare ACC.json [--reps N] [--seed S] [--json]   (ACC.json '-': stdin)\n"
    "Safe vs unsafe tests on the item samples of an accumulator state, per layer and overall:\n"
    "Welch's t, Mann-Whitney U, Cohen's d, AUROC (safe = positive) with a seeded 95% bootstrap interval\n"
    "(--reps resamples, default 1000; --seed, default 0), and the Youden threshold for the monitor.\n";

static void print_test(bool json, const char *name, const mirs_entropy_group_test *g, double thr)
{
    if (json) {
        printf("{\"layer\":%s,\"n_safe\":%llu,\"n_unsafe\":%llu,\"mean_safe\":", name, (unsigned long long)g->n_safe,
               (unsigned long long)g->n_unsafe);
        double vals[] = {g->mean_safe, g->mean_unsafe, g->welch_t, g->welch_df, g->welch_p,  g->mwu_u,
                         g->mwu_p,     g->cohen_d,     g->auroc,   g->auroc_lo, g->auroc_hi, thr};
        const char *keys[] = {NULL,    "mean_unsafe", "welch_t", "welch_df", "welch_p",  "mwu_u",
                              "mwu_p", "cohen_d",     "auroc",   "auroc_lo", "auroc_hi", "youden_threshold"};
        for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
            if (keys[i]) printf(",\"%s\":", keys[i]);
            print_double(vals[i]);
        }
        printf("}");
    } else
        printf("%-8s %5llu %5llu %9.5f %9.5f %8.3f %10.3g %10.1f %10.3g %7.3f %6.3f [%5.3f, %5.3f] %9.5f\n", name,
               (unsigned long long)g->n_safe, (unsigned long long)g->n_unsafe, g->mean_safe, g->mean_unsafe, g->welch_t,
               g->welch_p, g->mwu_u, g->mwu_p, g->cohen_d, g->auroc, g->auroc_lo, g->auroc_hi, thr);
}

int cli_entropy_compare(int argc, char **argv);
int cli_entropy_compare(int argc, char **argv)
{
    const char *file = NULL, *v;
    bool json = false;
    uint32_t reps = 1000;
    uint64_t seed = 0;
    for (int i = 1; i < argc; i++) {
        int r;
        if (cli_is_help(argv[i])) {
            fputs(compare_help, stdout);
            return CLI_EXIT_OK;
        }
        if ((r = cli_opt_value("--reps", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy-compare", "--reps needs a value");
            reps = (uint32_t)strtoul(v, NULL, 10);
            continue;
        }
        if ((r = cli_opt_value("--seed", argc, argv, &i, &v))) {
            if (r < 0) return cli_usage_error("entropy-compare", "--seed needs a value");
            seed = strtoull(v, NULL, 10);
            continue;
        }
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("entropy-compare", "unknown option '%s'", argv[i]);
        else if (file)
            return cli_usage_error("entropy-compare", "one state file only");
        else
            file = argv[i];
    }
    if (!file) return cli_usage_error("entropy-compare", "ACC.json is required");
    if (!(file = cli_input_path("entropy-compare", file))) return cli_input_failed();
    mirs_entropy_acc *acc = NULL;
    int st = mirs_entropy_acc_load(file, &acc);
    if (st) return cli_fail(st, file);
    size_t L;
    mirs_entropy_acc_shape(acc, &L, NULL, NULL, NULL, NULL, NULL, NULL);
    if (json)
        printf("{\"file\":\"%s\",\"reps\":%u,\"seed\":%llu,\"tests\":[", file, reps, (unsigned long long)seed);
    else
        printf("%-8s %5s %5s %9s %9s %8s %10s %10s %10s %7s %6s %16s %9s\n", "layer", "nsafe", "nunsf", "mean_safe",
               "mean_unsf", "welch_t", "welch_p", "mwu_u", "mwu_p", "cohen_d", "auroc", "95% interval", "youden");
    int rc = CLI_EXIT_OK;
    for (size_t l = 0; l <= L; l++) {
        size_t layer = l == L ? MIRS_ENTROPY_ALL_LAYERS : l;
        mirs_entropy_group_test g;
        memset(&g, 0, sizeof g);
        g.struct_size = sizeof g;
        double thr = NAN;
        st = mirs_entropy_acc_compare(acc, layer, reps, seed, &g);
        if (!st) st = mirs_entropy_acc_threshold(acc, layer, MIRS_ENTROPY_THRESHOLD_YOUDEN, &thr);
        if (st) {
            if (json) printf("]}\n");
            rc = cli_fail(st, file);
            break;
        }
        char name[32];
        if (l == L)
            snprintf(name, sizeof name, json ? "\"all\"" : "all");
        else
            snprintf(name, sizeof name, "%zu", l);
        if (json && l) putchar(',');
        print_test(json, name, &g, thr);
    }
    if (json && rc == CLI_EXIT_OK) printf("]}\n");
    mirs_entropy_acc_free(acc);
    return rc;
}
