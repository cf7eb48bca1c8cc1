/* The served-model verbs of the mirsafety tool: run (a model over a dataset
 * or a request file) and judge (a served judge over responses), both through
 * mirs_client_run(), with a progress line and Ctrl-C handling. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int cli_run(int argc, char **argv);
int cli_judge(int argc, char **argv);
int cli_judge_prompts(int argc, char **argv) __attribute__((weak));

/* ---- Ctrl-C: cancel the run, let the record being written finish ---- */

static volatile int32_t cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

static void catch_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- progress line: done/total, rate and ETA, cut to the terminal's width ---- */

typedef struct run_progress {
    bool enabled;
    size_t total, base; /* base: items done before this run started sending */
    double start, last;
    bool started;
} run_progress;

static void run_progress_cb(void *userdata, size_t done, size_t total, size_t failed, size_t in_flight)
{
    run_progress *p = userdata;
    if (!p->enabled) return;
    double now = cli_seconds();
    if (!p->started) {
        p->started = true;
        p->start = now;
        p->base = done;
    }
    size_t all = p->total > total ? p->total : total;
    if (done < all && now - p->last < 0.1) return;
    p->last = now;
    double el = now - p->start;
    double rate = el > 0 ? (double)(done - p->base) / el : 0;
    char eta[32] = "--:--";
    if (rate > 0 && all >= done) {
        double s = (double)(all - done) / rate;
        snprintf(eta, sizeof eta, "%d:%02d:%02d", (int)(s / 3600), (int)(s / 60) % 60, (int)s % 60);
    }
    char line[256];
    int n = snprintf(line, sizeof line, "requests %zu/%zu  %5.1f%%  %.1f/s  ETA %s  failed %zu  in flight %zu", done,
                     all, all ? 100.0 * (double)done / (double)all : 100.0, rate, eta, failed, in_flight);
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? (size_t)ws.ws_col - 1 : 79;
    if (n < 0) return;
    if ((size_t)n > width) n = (int)width;
    fprintf(stderr, "\r%.*s\033[K", n, line);
}

static void run_progress_end(run_progress *p)
{
    if (p->enabled && p->started) fputc('\n', stderr);
}

/* ---- options shared by run and judge ---- */

static const char client_help[] =
    "  --endpoint URL        base URL of the server, e.g. http://127.0.0.1:8000/v1 (required)\n"
    "  --api NAME            auto (default: from each request's url), chat, completions, anthropic\n"
    "  --api-key-env NAME    send the key held by this environment variable (never written anywhere)\n"
    "  --concurrency N       requests in flight at once (default 1)\n"
    "  --timeout-ms N        per attempt (default 149000)\n"
    "  --max-retries N       after 429/408/5xx, timeouts, connection errors, malformed bodies (default 8)\n"
    "  --blank-retries N     after a blank answer (default 10)\n"
    "  --backoff-ms BASE     first retry delay, doubled per retry (default 5000)\n"
    "  --backoff-cap-ms N    longest delay, also caps Retry-After (default 120000)\n"
    "  --jitter F            delays are multiplied by a uniform factor in [1-F, 1+F] (default 0.2)\n"
    "  --rpm N               at most N request starts per minute (default: no limit)\n"
    "  --tpm N               at most N tokens per minute, from the answers' usage (default: no limit)\n"
    "  --max-body-bytes N    largest response body (default 16777216)\n"
    "  --insecure            do not verify the server's TLS certificate\n"
    "  --fsync               fdatasync after every record (survives power loss; default: survives a kill)\n"
    "  --json                print the summary as JSON on stdout\n";

static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!v || !*v || *v == '-') return -1;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || errno) return -1;
    *out = x;
    return 0;
}

/* 1 when argv[*i] was a client option (consumed), 0 when not, -1 after a usage error. */
static int client_option(const char *verb, mirs_client_options *o, bool *json, int argc, char **argv, int *i)
{
    const char *v;
    int r;
    uint64_t x;
#define U64_OPT(name, field, max)                                                                                      \
    if ((r = cli_opt_value(name, argc, argv, i, &v))) {                                                                \
        if (r < 0 || parse_u64(v, &x) || x > (max)) {                                                                  \
            cli_usage_error(verb, "%s wants a whole number up to %llu", name, (unsigned long long)(max));              \
            return -1;                                                                                                 \
        }                                                                                                              \
        o->field = x;                                                                                                  \
        return 1;                                                                                                      \
    }
    if ((r = cli_opt_value("--endpoint", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--endpoint needs a URL"), -1;
        o->endpoint = v;
        return 1;
    }
    if ((r = cli_opt_value("--api-key-env", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--api-key-env needs a variable name"), -1;
        o->api_key_env = v;
        return 1;
    }
    if ((r = cli_opt_value("--api", argc, argv, i, &v))) {
        int32_t a;
        if (r < 0 || mirs_client_api_from_name(v, &a) != MIRS_OK)
            return cli_usage_error(verb, "--api wants auto, chat, completions or anthropic"), -1;
        o->api = a;
        return 1;
    }
    U64_OPT("--concurrency", concurrency, 4096)
    U64_OPT("--timeout-ms", timeout_ms, INT64_MAX / 2)
    U64_OPT("--max-retries", max_retries, 1000000)
    U64_OPT("--blank-retries", blank_retries, 1000000)
    U64_OPT("--backoff-ms", backoff_base_ms, INT64_MAX / 4)
    U64_OPT("--backoff-cap-ms", backoff_cap_ms, INT64_MAX / 4)
    U64_OPT("--rpm", rpm, UINT64_MAX)
    U64_OPT("--tpm", tpm, UINT64_MAX)
    U64_OPT("--max-body-bytes", max_body_bytes, UINT64_MAX)
#undef U64_OPT
    if ((r = cli_opt_value("--jitter", argc, argv, i, &v))) {
        char *end;
        double d = r > 0 ? strtod(v, &end) : -1;
        if (r < 0 || *end || !(d >= 0 && d < 1)) return cli_usage_error(verb, "--jitter wants a number in [0, 1)"), -1;
        o->backoff_jitter = d;
        return 1;
    }
    if (strcmp(argv[*i], "--insecure") == 0) {
        o->tls_verify = 0;
        return 1;
    }
    if (strcmp(argv[*i], "--fsync") == 0) {
        o->durability = MIRS_CLIENT_DURABLE_FSYNC;
        return 1;
    }
    if (strcmp(argv[*i], "--json") == 0) {
        *json = true;
        return 1;
    }
    return 0;
}

/* Runs the client and prints the summary; the exit code. */
static int client_go(const char *verb, mirs_client_source_fn src, void *ud, const char *outp, mirs_client_options *o,
                     size_t total, bool json)
{
    if (o->backoff_cap_ms < o->backoff_base_ms) o->backoff_cap_ms = o->backoff_base_ms;
    run_progress pg = {0};
    pg.enabled = isatty(STDERR_FILENO) && !getenv("MIRSAFETY_NO_PROGRESS");
    pg.total = total;
    o->progress = run_progress_cb;
    o->progress_userdata = &pg;
    o->cancel = &cancel_flag;
    catch_sigint();
    mirs_client_summary s;
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    int st = mirs_client_run(src, ud, outp, o, &s);
    run_progress_end(&pg);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (json) {
        printf("{\"requests\":%llu,\"already_done\":%llu,\"ok\":%llu,\"failed\":%llu,\"attempts\":%llu,"
               "\"retries\":%llu,\"blank_retries\":%llu,\"torn_bytes\":%llu,\"prompt_tokens\":%llu,"
               "\"completion_tokens\":%llu,\"cancelled\":%s}\n",
               (unsigned long long)s.requests, (unsigned long long)s.already_done, (unsigned long long)s.ok,
               (unsigned long long)s.failed, (unsigned long long)s.attempts, (unsigned long long)s.retries,
               (unsigned long long)s.blank_retries, (unsigned long long)s.torn_bytes,
               (unsigned long long)s.prompt_tokens, (unsigned long long)s.completion_tokens,
               s.cancelled ? "true" : "false");
    } else {
        fprintf(stderr,
                "%s: %llu requests, %llu already answered, %llu ok, %llu failed; %llu attempts (%llu retries, "
                "%llu after blank answers)%s\n",
                verb, (unsigned long long)s.requests, (unsigned long long)s.already_done, (unsigned long long)s.ok,
                (unsigned long long)s.failed, (unsigned long long)s.attempts, (unsigned long long)s.retries,
                (unsigned long long)s.blank_retries, s.torn_bytes ? "; a torn last line was cut" : "");
    }
    if (s.cancelled) {
        fprintf(stderr, "mirsafety %s: interrupted; run the same command again to send the rest\n", verb);
        return 130;
    }
    if (st) return cli_fail(st, verb);
    return s.failed ? CLI_EXIT_PROBLEMS : CLI_EXIT_OK;
}

/* ---- request sources ---- */

/* Request lines built lazily from a dataset: one item's images are read
 * only when a slot is free for it. */
typedef struct ds_source {
    mirs_iter *it;
    mirs_prompt_options *po;
    bool anthropic;
    mirs_buf line, wrapped;
} ds_source;

static int ds_next(void *userdata, const char **line, size_t *len)
{
    ds_source *d = userdata;
    const mirs_item *item;
    int st = mirs_iter_next(d->it, &item);
    if (st != MIRS_OK) return st;
    mirs_buf_free(&d->line);
    mirs_buf_free(&d->wrapped);
    const char *key = mirs_item_key(item);
    st = mirs_prompt_item_line(item, d->po, &d->line);
    cJSON *j = cJSON_CreateObject();
    if (!j) return MIRS_E_NO_MEMORY;
    cJSON_AddStringToObject(j, "custom_id", key);
    if (st == MIRS_E_NO_MEMORY || st == MIRS_E_INVALID_ARGUMENT) {
        cJSON_Delete(j);
        return st;
    }
    if (st) {
        /* An item the official adapters count as failed inference: recorded as failed, never sent. */
        cJSON_AddStringToObject(j, "error", mirs_error_last());
    } else if (!d->anthropic) {
        cJSON_Delete(j);
        *line = (const char *)d->line.data;
        *len = d->line.size;
        return MIRS_OK;
    } else {
        cJSON *body = cJSON_ParseWithLength((const char *)d->line.data, d->line.size);
        if (!body) {
            cJSON_Delete(j);
            return MIRS_E_NO_MEMORY;
        }
        cJSON_AddItemToObject(j, "params", body);
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s) return MIRS_E_NO_MEMORY;
    size_t n = strlen(s);
    d->wrapped.data = malloc(n + 1);
    if (!d->wrapped.data) {
        free(s);
        return MIRS_E_NO_MEMORY;
    }
    memcpy(d->wrapped.data, s, n + 1);
    free(s);
    *line = (const char *)d->wrapped.data;
    *len = n;
    return MIRS_OK;
}

typedef struct file_source {
    FILE *f;
    char *buf;
    size_t cap;
} file_source;

static int file_next(void *userdata, const char **line, size_t *len)
{
    file_source *fs = userdata;
    for (;;) {
        ssize_t n = getline(&fs->buf, &fs->cap, fs->f);
        if (n < 0) return ferror(fs->f) ? MIRS_E_IO : MIRS_DONE;
        while (n > 0 && (fs->buf[n - 1] == '\n' || fs->buf[n - 1] == '\r')) n--;
        if (n == 0) continue;
        *line = fs->buf;
        *len = (size_t)n;
        return MIRS_OK;
    }
}

/* Non-blank lines, for the progress line's total (read in blocks: a
 * request file of images is large). */
static size_t count_lines(FILE *f)
{
    static char buf[1 << 16];
    size_t n = 0, got;
    bool empty = true; /* the current line has nothing but its newline so far */
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        for (const char *p = buf, *e = buf + got; p < e;) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            if (!nl) {
                empty = false;
                break;
            }
            if (nl > p || !empty) n++;
            empty = true;
            p = nl + 1;
        }
    }
    if (!empty) n++;
    rewind(f);
    return n;
}

static int run_file(const char *verb, const char *path, const char *outp, mirs_client_options *o, bool json)
{
    FILE *f = cli_fopen_regular(path);
    if (!f) return CLI_EXIT_FAILURE;
    file_source fs = {f, NULL, 0};
    size_t total = count_lines(f);
    int rc = client_go(verb, file_next, &fs, outp, o, total, json);
    free(fs.buf);
    fclose(f);
    return rc;
}

/* ---- run ---- */

static const char run_usage[] =
    "usage: mirsafety run DATASET --endpoint URL --model NAME -o RESPONSES [options]\n"
    "       mirsafety run --requests FILE --endpoint URL -o RESPONSES [options]\n"
    "Sends one request per item (or per line of a request file: OpenAI batch input lines,\n"
    "{\"custom_id\",\"params\"} or {\"key\",\"body\"}) to a served model and appends each answer\n"
    "to RESPONSES (simple JSONL: key, response, status, finish_reason, usage, latency_ms).\n"
    "Items that already have an ok answer there are not sent again: re-run the same command\n"
    "after a crash, a Ctrl-C (exit 130) or failures (exit 1). docs/running.md has the guide.\n"
    "  --model NAME          the served model's name (required with DATASET; with --requests it\n"
    "                        replaces each body's \"model\")\n"
    "  --format F            openai (default: chat completions with image_url parts) or anthropic\n"
    "  --profile P           none (default), qwen2.5-vl, glm-4.1v-thinking (official sampling settings)\n"
    "  --variant V           multi-image (default), text-only, captions, composite, shuffled\n"
    "  --max-tokens N        sent as max_tokens\n"
    "  --temperature T       sent as temperature\n"
    "  --system TEXT         system prompt\n"
    "  --image-format F      original (default: the files' bytes), png (as the official API adapter sends\n"
    "                        them: PNG data URLs) or jpeg\n"
    "  --max-pixels N        downscale larger images to fit (aspect kept)\n"
    "  --requests FILE       send this request file instead of building requests from a dataset\n"
    "  -o FILE               the responses file (appended to; required)\n";

int cli_run(int argc, char **argv)
{
    const char *dsp = NULL, *reqp = NULL, *outp = NULL, *model = NULL;
    bool json = false, anthropic = false;
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    mirs_prompt_options po = MIRS_PROMPT_OPTIONS_INIT;
    po.format = MIRS_PROMPT_FORMAT_OPENAI_BATCH;
    cli_filter filt;
    cli_filter_init(&filt);
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            printf("%s%s  filters (only these items are sent):\n%s", run_usage, client_help, cli_filter_help);
            cli_filter_free(&filt);
            return CLI_EXIT_OK;
        }
        if ((r = client_option("run", &o, &json, argc, argv, &i))) {
            if (r < 0) goto usage;
            continue;
        }
        if ((r = cli_filter_option(&filt, "run", argc, argv, &i))) {
            if (r < 0) goto usage;
            continue;
        }
        if ((r = cli_opt_value("--model", argc, argv, &i, &v)))
            model = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--requests", argc, argv, &i, &v)))
            reqp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("-o", argc, argv, &i, &v)))
            outp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--system", argc, argv, &i, &v)))
            po.system = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--format", argc, argv, &i, &v))) {
            if (r < 0 || (strcmp(v, "openai") && strcmp(v, "anthropic"))) {
                cli_usage_error("run", "--format wants openai or anthropic");
                goto usage;
            }
            anthropic = strcmp(v, "anthropic") == 0;
        } else if ((r = cli_opt_value("--profile", argc, argv, &i, &v))) {
            static const cli_choice profiles[] = {{"none", MIRS_PROMPT_PROFILE_NONE},
                                                  {"qwen2.5-vl", MIRS_PROMPT_PROFILE_QWEN2_5_VL},
                                                  {"glm-4.1v-thinking", MIRS_PROMPT_PROFILE_GLM4_1V_THINKING},
                                                  {NULL, 0}};
            int p = 0;
            if (r < 0 || cli_choose(v, profiles, &p)) {
                cli_usage_error("run", "unknown --profile '%s'", r > 0 ? v : "");
                goto usage;
            }
            po.profile = p;
        } else if ((r = cli_opt_value("--variant", argc, argv, &i, &v))) {
            if (r < 0 || mirs_prompt_variant_from_name(v, &po.variant) != MIRS_OK) {
                cli_usage_error("run", "unknown --variant '%s'", r > 0 ? v : "");
                goto usage;
            }
        } else if ((r = cli_opt_value("--image-format", argc, argv, &i, &v))) {
            static const cli_choice imf[] = {{"original", MIRS_PROMPT_IMAGE_ORIGINAL},
                                             {"png", MIRS_PROMPT_IMAGE_PNG},
                                             {"jpeg", MIRS_PROMPT_IMAGE_JPEG},
                                             {NULL, 0}};
            int f = 0;
            if (r < 0 || cli_choose(v, imf, &f)) {
                cli_usage_error("run", "--image-format wants original, png or jpeg");
                goto usage;
            }
            po.image_format = f;
        } else if ((r = cli_opt_value("--max-pixels", argc, argv, &i, &v))) {
            uint64_t x;
            if (r < 0 || parse_u64(v, &x)) {
                cli_usage_error("run", "--max-pixels wants a whole number");
                goto usage;
            }
            po.max_pixels = x;
        } else if ((r = cli_opt_value("--max-tokens", argc, argv, &i, &v))) {
            uint64_t x;
            if (r < 0 || parse_u64(v, &x) || x > INT64_MAX) {
                cli_usage_error("run", "--max-tokens wants a whole number");
                goto usage;
            }
            po.max_tokens = (int64_t)x;
        } else if ((r = cli_opt_value("--temperature", argc, argv, &i, &v))) {
            char *end;
            po.temperature = r > 0 ? strtod(v, &end) : -1;
            if (r < 0 || *end || !(po.temperature >= 0)) {
                cli_usage_error("run", "--temperature wants a number >= 0");
                goto usage;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("run", "unknown argument '%s'", argv[i]);
            goto usage;
        } else if (!dsp)
            dsp = argv[i];
        else {
            cli_usage_error("run", "one dataset only ('%s')", argv[i]);
            goto usage;
        }
        if (r < 0) {
            cli_usage_error("run", "%s needs a value", argv[i]);
            goto usage;
        }
    }
    if (!outp || !o.endpoint || (!dsp == !reqp)) {
        cli_usage_error("run", "-o, --endpoint and either DATASET or --requests are required");
        goto usage;
    }
    if (dsp && !model) {
        cli_usage_error("run", "--model is required with a dataset");
        goto usage;
    }
    if (!mirs_client_available()) {
        rc = cli_fail(MIRS_E_UNSUPPORTED, "run: this build has no libcurl");
        goto done;
    }
    if (reqp) {
        o.model = model;
        rc = run_file("run", reqp, outp, &o, json);
        goto done;
    }
    {
        if (anthropic) {
            po.format = MIRS_PROMPT_FORMAT_ANTHROPIC;
            o.api = MIRS_CLIENT_API_ANTHROPIC;
        }
        po.model = model;
        mirs_dataset *ds = NULL;
        int st = mirs_dataset_open(dsp, NULL, &ds);
        if (st) {
            rc = cli_fail(st, dsp);
            goto done;
        }
        mirs_iter *it = NULL;
        size_t total = 0;
        const mirs_item *item;
        if ((st = mirs_iter_new(ds, &filt.filter, &it)) == MIRS_OK) {
            while (mirs_iter_next(it, &item) == MIRS_OK) total++;
            mirs_iter_free(it);
            it = NULL;
            st = mirs_iter_new(ds, &filt.filter, &it);
        }
        if (st) {
            rc = cli_fail(st, "filter");
            mirs_dataset_free(ds);
            goto done;
        }
        ds_source d = {it, &po, anthropic, {0}, {0}};
        rc = client_go("run", ds_next, &d, outp, &o, total, json);
        mirs_buf_free(&d.line);
        mirs_buf_free(&d.wrapped);
        mirs_iter_free(it);
        mirs_dataset_free(ds);
    }
done:
    cli_filter_free(&filt);
    return rc;
usage:
    cli_filter_free(&filt);
    return CLI_EXIT_USAGE;
}

/* ---- judge ---- */

static const char judge_usage[] =
    "usage: mirsafety judge --endpoint URL --dataset PATH --responses FILE -o JUDGE_OUTPUTS [options]\n"
    "Builds the judge requests of 'mirsafety judge-prompts' and sends them to a served judge,\n"
    "appending {\"key\",\"output\",\"status\"} lines that 'mirsafety score --judge-outputs' reads.\n"
    "Resumable like 'mirsafety run'.\n"
    "  --judge NAME          harmbench-mir (default), harmbench, llamaguard3, jbb-llama3, jbb-refusal\n"
    "  --judge-model NAME    the served judge's name (default: the judge name)\n"
    "  --format F            completions (default) or chat\n"
    "  --strip MODE          mir (default), glm, glm-raw, tags, none (as judge-prompts)\n"
    "  --skip-failed         do not judge failed responses\n"
    "  -o FILE               the judge outputs file (appended to; required)\n";

int cli_judge(int argc, char **argv)
{
    const char *dsp = NULL, *rp = NULL, *outp = NULL, *jname = "harmbench-mir", *jmodel = NULL, *fmt = NULL,
               *strip = NULL;
    bool json = false, skip_failed = false;
    mirs_client_options o = MIRS_CLIENT_OPTIONS_INIT;
    o.output = MIRS_CLIENT_OUTPUT_JUDGE;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            printf("%s%s", judge_usage, client_help);
            return CLI_EXIT_OK;
        }
        if ((r = client_option("judge", &o, &json, argc, argv, &i))) {
            if (r < 0) return CLI_EXIT_USAGE;
            continue;
        }
        if ((r = cli_opt_value("--dataset", argc, argv, &i, &v)))
            dsp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--responses", argc, argv, &i, &v)))
            rp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("-o", argc, argv, &i, &v)))
            outp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--judge", argc, argv, &i, &v)))
            jname = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--judge-model", argc, argv, &i, &v)))
            jmodel = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--format", argc, argv, &i, &v)))
            fmt = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--strip", argc, argv, &i, &v)))
            strip = r > 0 ? v : NULL;
        else if (strcmp(argv[i], "--skip-failed") == 0)
            skip_failed = true;
        else
            return cli_usage_error("judge", "unknown argument '%s'", argv[i]);
        if (r < 0) return cli_usage_error("judge", "%s needs a value", argv[i]);
    }
    if (!dsp || !rp || !outp || !o.endpoint || !jname)
        return cli_usage_error("judge", "--endpoint, --dataset, --responses and -o are required");
    if (!cli_judge_prompts) {
        fprintf(stderr, "mirsafety judge: judge-prompts is not available in this build\n");
        return CLI_EXIT_USAGE;
    }
    if (!mirs_client_available()) return cli_fail(MIRS_E_UNSUPPORTED, "judge: this build has no libcurl");
    /* The requests go through a temporary file beside the output (judge
     * prompts are text: small), written by the judge-prompts verb itself so
     * that both verbs build byte-identical requests. */
    size_t tl = strlen(outp) + 64;
    char *tmp = malloc(tl);
    if (!tmp) return cli_fail(MIRS_E_NO_MEMORY, "judge");
    snprintf(tmp, tl, "%s.requests.%ld.tmp", outp, (long)getpid());
    const char *jp[20];
    int n = 0;
    jp[n++] = "judge-prompts";
    jp[n++] = "--dataset";
    jp[n++] = dsp;
    jp[n++] = "--responses";
    jp[n++] = rp;
    jp[n++] = "--judge";
    jp[n++] = jname;
    if (jmodel) jp[n++] = "--judge-model", jp[n++] = jmodel;
    if (fmt) jp[n++] = "--format", jp[n++] = fmt;
    if (strip) jp[n++] = "--strip", jp[n++] = strip;
    if (skip_failed) jp[n++] = "--skip-failed";
    jp[n++] = "-o";
    jp[n++] = tmp;
    jp[n] = NULL;
    int rc = cli_judge_prompts(n, (char **)jp);
    if (rc == CLI_EXIT_OK) rc = run_file("judge", tmp, outp, &o, json);
    unlink(tmp);
    free(tmp);
    return rc;
}
