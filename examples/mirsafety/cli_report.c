/* The report verbs of the mirsafety tool: judge-prompts, score, report,
 * compare. Everything here goes through the public API. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- shared helpers ---- */

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *base_name(const char *p, char *buf, size_t n)
{
    size_t l = strlen(p);
    while (l > 1 && p[l - 1] == '/') l--;
    size_t s = l;
    while (s > 0 && p[s - 1] != '/') s--;
    snprintf(buf, n, "%.*s", (int)(l - s), p + s);
    return buf;
}

static int print_json(cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!s) {
        fprintf(stderr, "mirsafety: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    puts(s);
    free(s);
    return CLI_EXIT_OK;
}

/* The names of the library's constant groups are its own (mirs_<group>_from_name): the tool keeps no table of them. */
/* html is not one report's rendering but the page of all of them (mirs_report_write_html). */
#define CLI_REPORT_HTML 100
static int parse_report_format(const char *v, int32_t *fmt)
{
    if (strcmp(v, "html") == 0) {
        *fmt = CLI_REPORT_HTML;
        return 0;
    }
    return mirs_report_format_from_name(v, fmt) == MIRS_OK ? 0 : -1;
}
static const cli_choice by_parts[] = {{"relation", MIRS_BY_RELATION}, {"category", MIRS_BY_CATEGORY},
                                      {"group", MIRS_BY_GROUP},       {"matrix", MIRS_BY_MATRIX},
                                      {"all", MIRS_BY_ALL},           {0}};

static int parse_strip(const char *v, int32_t *mode) { return mirs_strip_mode_from_name(v, mode) == MIRS_OK ? 0 : -1; }

static double parse_conf(const char *v)
{
    char *end;
    double c = strtod(v, &end);
    return *end || !(c > 0 && c < 1) ? -1 : c;
}

/* A list in a JSON summary: its count and at most CLI_JSON_EXAMPLES of its
 * entries, so that a summary of a large run stays a summary. */
#define CLI_JSON_EXAMPLES 5
static void json_examples(cJSON *j, const char *name, size_t n, const char *(*get)(const void *, size_t),
                          const void *obj)
{
    cJSON *o = cJSON_AddObjectToObject(j, name);
    if (!o) return;
    cJSON_AddNumberToObject(o, "count", (double)n);
    cJSON *a = cJSON_AddArrayToObject(o, "examples");
    for (size_t i = 0; a && i < n && i < CLI_JSON_EXAMPLES; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(get(obj, i)));
}

static const char *get_unknown(const void *m, size_t i) { return mirs_response_match_unknown(m, i); }
static const char *get_missing(const void *m, size_t i) { return mirs_response_match_missing(m, i); }
static const char *get_duplicate(const void *m, size_t i) { return mirs_response_match_duplicate(m, i); }
static const char *get_skipped(const void *r, size_t i) { return mirs_responses_diagnostic(r, i); }

/* Prints the counts of a response/dataset match to stderr (or into j). */
static void match_summary(const mirs_responses *r, const mirs_response_match *m, cJSON *j)
{
    size_t nu = mirs_response_match_unknown_count(m), nm = mirs_response_match_missing_count(m),
           nd = mirs_response_match_duplicate_count(m), nrd = mirs_responses_diagnostic_count(r);
    if (j) {
        cJSON_AddNumberToObject(j, "responses", (double)mirs_responses_count(r));
        cJSON_AddNumberToObject(j, "matched_items", (double)mirs_response_match_matched_count(m));
        json_examples(j, "unknown_keys", nu, get_unknown, m);
        json_examples(j, "missing_items", nm, get_missing, m);
        json_examples(j, "duplicate_items", nd, get_duplicate, m);
        json_examples(j, "skipped_lines", nrd, get_skipped, r);
        return;
    }
    fprintf(stderr, "responses %zu, matched items %zu, unknown keys %zu, missing items %zu, duplicated items %zu\n",
            mirs_responses_count(r), mirs_response_match_matched_count(m), nu, nm, nd);
    for (size_t i = 0; i < nu && i < CLI_JSON_EXAMPLES; i++)
        fprintf(stderr, "  unknown key: %s\n", mirs_response_match_unknown(m, i));
    if (nu > CLI_JSON_EXAMPLES) fprintf(stderr, "  ... %zu more unknown keys\n", nu - CLI_JSON_EXAMPLES);
    for (size_t i = 0; i < nm && i < CLI_JSON_EXAMPLES; i++)
        fprintf(stderr, "  missing: %s\n", mirs_response_match_missing(m, i));
    if (nm > CLI_JSON_EXAMPLES) fprintf(stderr, "  ... %zu more missing items\n", nm - CLI_JSON_EXAMPLES);
    for (size_t i = 0; i < nd && i < CLI_JSON_EXAMPLES; i++)
        fprintf(stderr, "  duplicated: %s\n", mirs_response_match_duplicate(m, i));
    if (nd > CLI_JSON_EXAMPLES) fprintf(stderr, "  ... %zu more duplicated items\n", nd - CLI_JSON_EXAMPLES);
    for (size_t i = 0; i < nrd && i < CLI_JSON_EXAMPLES; i++)
        fprintf(stderr, "  skipped: %s\n", mirs_responses_diagnostic(r, i));
    if (nrd > CLI_JSON_EXAMPLES) fprintf(stderr, "  ... %zu more skipped lines\n", nrd - CLI_JSON_EXAMPLES);
}

/* ---- judge-prompts ---- */

static const char jp_usage[] =
    "usage: mirsafety judge-prompts --dataset PATH --responses FILE|DIR [options]\n"
    "Writes one judge request per answered item as JSONL for batch runners\n"
    "(OpenAI batch input lines, custom_id = the item key). The behaviour is the\n"
    "item's original question, the generation the reasoning-stripped answer.\n"
    "  --dataset PATH        dataset folder or JSONL manifest ('-': standard input)\n"
    "  --responses PATH      batch output JSONL, simple JSONL, or results/infer/<model> folder ('-': stdin)\n"
    "  --judge NAME          harmbench-mir (default), harmbench, llamaguard3, jbb-llama3, jbb-refusal, or\n"
    "                        response-type (this project's rubric: the answer's type, a label word; its\n"
    "                        outputs go to 'mirsafety score --rtype-outputs')\n"
    "  --format F            completions (default: {prompt}) or chat ({messages})\n"
    "  --judge-model NAME    the body's \"model\" (default: the judge name)\n"
    "  --strip MODE          mir (default, the official rule), glm, glm-raw\n"
    "                        (raw GLM-4.1V outputs: extract_answer_only(extract_glm_answer())), tags, none\n"
    "  --skip-failed         leave out failed/crashed responses (the official code judges them too)\n"
    "  --lenient             skip bad response lines (listed) instead of failing\n"
    "  --strict              refuse dataset items the official code evaluates but the layout does not\n"
    "                        describe (oddities: see 'mirsafety validate'); default: accept them\n"
    "  -o, --out FILE        write to FILE (atomically) instead of stdout\n"
    "  --json                print a JSON summary on stdout (with -o; counts, and up to 5 examples of\n"
    "                        unknown keys, missing items...)\n";

/* The tokens a response-type label takes ("benign_help" is the longest), with room to spare. */

static void jp_progress(void *ud, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ud, done);
}

static int write_file_line(void *ud, const char *line, size_t len)
{
    return fwrite(line, 1, len, (FILE *)ud) == len ? MIRS_OK : MIRS_E_IO;
}

int cli_judge_prompts(int argc, char **argv);
int cli_judge_prompts(int argc, char **argv)
{
    const char *dsp = NULL, *rp = NULL, *judge_name = "harmbench-mir", *jmodel = NULL, *outp = NULL;
    bool chat = false, skip_failed = false, lenient = false, json = false, strict = false;
    int32_t strip = MIRS_STRIP_MIR;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            printf("%s", jp_usage);
            return CLI_EXIT_OK;
        }
        if ((r = cli_opt_value("--dataset", argc, argv, &i, &v)))
            dsp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--responses", argc, argv, &i, &v)))
            rp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--judge", argc, argv, &i, &v)))
            judge_name = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--judge-model", argc, argv, &i, &v)))
            jmodel = r > 0 ? v : NULL;
        else if ((r = cli_out_option(argc, argv, &i, &v)))
            outp = r > 0 ? v : NULL;
        else if ((r = cli_opt_value("--format", argc, argv, &i, &v))) {
            if (r < 0 || (strcmp(v, "chat") && strcmp(v, "completions")))
                return cli_usage_error("judge-prompts", "--format wants completions or chat");
            chat = strcmp(v, "chat") == 0;
        } else if ((r = cli_opt_value("--strip", argc, argv, &i, &v))) {
            if (r < 0 || parse_strip(v, &strip))
                return cli_usage_error("judge-prompts", "--strip wants mir, glm, glm-raw, tags or none");
        } else if (strcmp(argv[i], "--skip-failed") == 0)
            skip_failed = true;
        else if (strcmp(argv[i], "--lenient") == 0)
            lenient = true;
        else if (strcmp(argv[i], "--strict") == 0)
            strict = true;
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_usage_error("judge-prompts", "unknown argument '%s'", argv[i]);
        if (r < 0) return cli_usage_error("judge-prompts", "%s needs a value", argv[i]);
    }
    if (!dsp || !rp || !judge_name) return cli_usage_error("judge-prompts", "--dataset and --responses are required");
    if (json && !outp)
        return cli_usage_error("judge-prompts", "--json prints a summary on stdout: give the requests -o FILE");
    int32_t judge = -1;
    bool rtype = strcmp(judge_name, "response-type") == 0 || strcmp(judge_name, "rtype") == 0;
    if (!rtype && mirs_judge_from_name(judge_name, &judge) != MIRS_OK)
        return cli_usage_error("judge-prompts", "unknown judge '%s'", judge_name);
    if (judge == MIRS_JUDGE_HARMBENCH_CONTEXTUAL)
        return cli_usage_error("judge-prompts", "harmbench-contextual needs a context, which items do not have");
    if (!jmodel) jmodel = rtype ? "response-type" : mirs_judge_name(judge);
    if (!(dsp = cli_input_path("judge-prompts", dsp)) || !(rp = cli_input_path("judge-prompts", rp)))
        return cli_input_failed();

    mirs_dataset *ds = NULL;
    mirs_responses *resp = NULL;
    mirs_response_match *m = NULL;
    cli_out out = {stdout, NULL, NULL, false};
    int rc = CLI_EXIT_OK, st;
    mirs_responses_options ro = MIRS_RESPONSES_OPTIONS_INIT;
    ro.mode = lenient ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
    mirs_dataset_options dso = MIRS_DATASET_OPTIONS_INIT;
    dso.oddities = strict ? MIRS_DATASET_ODDITIES_REFUSE : MIRS_DATASET_ODDITIES_ACCEPT;
    if ((st = mirs_dataset_open(dsp, &dso, &ds))) return cli_fail(st, dsp);
    if ((st = mirs_responses_open(rp, &ro, &resp))) {
        rc = cli_fail(st, rp);
        goto done;
    }
    if ((st = mirs_responses_match(resp, ds, &m))) {
        rc = cli_fail(st, "matching responses to the dataset");
        goto done;
    }
    if ((rc = cli_out_open(&out, outp))) goto done;
    cli_progress pg;
    cli_progress_start(&pg, "judge prompts", mirs_responses_count(resp));
    mirs_judge_requests_options jo = MIRS_JUDGE_REQUESTS_OPTIONS_INIT;
    jo.judge = rtype ? MIRS_JUDGE_HARMBENCH_MIR : judge;
    jo.rubric = rtype;
    jo.chat = chat;
    jo.strip_mode = strip;
    jo.skip_failed = skip_failed;
    jo.model = jmodel;
    jo.progress = jp_progress;
    jo.progress_userdata = &pg;
    mirs_judge_requests_summary sum;
    memset(&sum, 0, sizeof sum);
    sum.struct_size = sizeof sum;
    if ((st = mirs_judge_requests_write(resp, m, &jo, write_file_line, out.f, &sum))) {
        cli_progress_stop(&pg);
        rc = cli_fail(st, "writing judge requests");
        goto done;
    }
    size_t written = (size_t)sum.written, skipped = (size_t)sum.skipped_failed;
    cli_progress_finish(&pg);
    rc = cli_out_close(&out, true);
    if (rc) goto done;
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "judge", rtype ? "response-type" : mirs_judge_name(judge));
        cJSON_AddNumberToObject(j, "written", (double)written);
        cJSON_AddNumberToObject(j, "skipped_failed", (double)skipped);
        match_summary(resp, m, j);
        rc = print_json(j);
    } else {
        fprintf(stderr, "%zu %s requests written, %zu failed responses skipped\n", written,
                rtype ? "response-type judge" : "judge", skipped);
        match_summary(resp, m, NULL);
    }
done:
    if (out.tmp || out.direct) cli_out_close(&out, false);
    mirs_response_match_free(m);
    mirs_responses_free(resp);
    mirs_dataset_free(ds);
    return rc;
}

/* ---- score ---- */

static const char score_usage[] =
    "usage: mirsafety score --dataset PATH --responses PATH --judge-outputs FILE --store FILE --model NAME\n"
    "                       [options]\n"
    "Turns judge outputs into verdicts appended to a result store (JSONL). Items\n"
    "already in the store for this model and judge are skipped (resume). One of the\n"
    "input files (--dataset, --responses, --judge-outputs, --rtype-outputs) may be '-', stdin.\n"
    "  --judge NAME          the judge that produced the outputs (default harmbench-mir)\n"
    "  --judge-outputs FILE  batch output JSONL (custom_id = item key) or {\"key\",\"output\"} JSONL\n"
    "  --rtype-outputs FILE  optional response-type judge outputs, same forms (requests:\n"
    "                        'mirsafety judge-prompts --judge response-type')\n"
    "  --parse MODE          official (default: only an exact \"Yes\" is unsafe for harmbench-mir, as HF\n"
    "                        batch_decode gives it; outputs from /v1/completions bodies keep a server's\n"
    "                        leading space, which is dropped first), official-server (every output is a\n"
    "                        server's completion text: drop one leading space, then the official rule),\n"
    "                        or lenient. Outputs that are neither \"Yes\" nor \"No\" are counted and warned about\n"
    "  --strip MODE          for the unterminated-reasoning flag: mir (default), glm, glm-raw, tags, none\n"
    "  --durability D        none, flush (default), fsync, or every:N\n"
    "  --repair              cut a torn last line of the store instead of refusing\n"
    "  --keep-response       store the response text in each record\n"
    "  --lenient             skip bad lines of the input files (listed) instead of failing\n"
    "  --json                JSON summary on stdout (counts, and up to 5 examples of unknown keys,\n"
    "                        missing items...)\n"
    "  filters (only these items are scored; --shard K/N scores one shard of a run,\n"
    "  and the shards' stores merge into the whole run's: docs/scale-out.md):\n";

int cli_score(int argc, char **argv);
int cli_score(int argc, char **argv)
{
    const char *dsp = NULL, *rp = NULL, *jop = NULL, *rtp = NULL, *storep = NULL, *model = NULL,
               *judge_name = "harmbench-mir";
    bool lenient = false, json = false, keep = false;
    int32_t strip = MIRS_STRIP_MIR, pmode = MIRS_PARSE_OFFICIAL;
    mirs_store_options so = MIRS_STORE_OPTIONS_INIT;
    cli_filter filt;
    cli_filter_init(&filt);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = 0;
        if (cli_is_help(argv[i])) {
            printf("%s%s", score_usage, cli_filter_help);
            printf("exit: 0 done, 1 some items have no judge output yet or had problems, 3 error\n");
            cli_filter_free(&filt);
            return CLI_EXIT_OK;
        }
        int fr = cli_filter_option(&filt, "score", argc, argv, &i);
        if (fr < 0) {
            cli_filter_free(&filt);
            return CLI_EXIT_USAGE;
        }
        if (fr > 0) continue;
        if ((r = cli_opt_value("--dataset", argc, argv, &i, &v)))
            dsp = v;
        else if ((r = cli_opt_value("--responses", argc, argv, &i, &v)))
            rp = v;
        else if ((r = cli_opt_value("--judge-outputs", argc, argv, &i, &v)))
            jop = v;
        else if ((r = cli_opt_value("--rtype-outputs", argc, argv, &i, &v)))
            rtp = v;
        else if ((r = cli_opt_value("--store", argc, argv, &i, &v)))
            storep = v;
        else if ((r = cli_opt_value("--model", argc, argv, &i, &v)))
            model = v;
        else if ((r = cli_opt_value("--judge", argc, argv, &i, &v)))
            judge_name = v;
        else if ((r = cli_opt_value("--parse", argc, argv, &i, &v))) {
            if (r > 0 && mirs_parse_mode_from_name(v, &pmode) != MIRS_OK)
                return cli_usage_error("score", "--parse wants official, official-server or lenient");
        } else if ((r = cli_opt_value("--strip", argc, argv, &i, &v))) {
            if (r > 0 && parse_strip(v, &strip))
                return cli_usage_error("score", "--strip wants mir, glm, glm-raw, tags or none");
        } else if ((r = cli_opt_value("--durability", argc, argv, &i, &v))) {
            if (r > 0 && (mirs_durability_from_name(v, &so.durability) != MIRS_OK ||
                          so.durability == MIRS_DURABLE_FSYNC_EVERY)) {
                if (strncmp(v, "every:", 6) != 0 || atoi(v + 6) <= 0)
                    return cli_usage_error("score", "--durability wants none, flush, fsync or every:N");
                so.durability = MIRS_DURABLE_FSYNC_EVERY;
                so.fsync_every = (uint32_t)atoi(v + 6);
            }
        } else if (strcmp(argv[i], "--repair") == 0)
            so.torn = MIRS_TORN_TRUNCATE;
        else if (strcmp(argv[i], "--keep-response") == 0)
            keep = true;
        else if (strcmp(argv[i], "--lenient") == 0)
            lenient = true;
        else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else
            return cli_usage_error("score", "unknown argument '%s'", argv[i]);
        if (r < 0) return cli_usage_error("score", "%s needs a value", argv[i]);
    }
    if (!dsp || !rp || !jop || !storep || !model)
        return cli_usage_error("score", "--dataset, --responses, --judge-outputs, --store and --model are required");
    int32_t judge;
    if (mirs_judge_from_name(judge_name, &judge) != MIRS_OK)
        return cli_usage_error("score", "unknown judge '%s'", judge_name);
    judge_name = mirs_judge_name(judge);
    if (!(dsp = cli_input_path("score", dsp)) || !(rp = cli_input_path("score", rp)) ||
        !(jop = cli_input_path("score", jop)) || (rtp && !(rtp = cli_input_path("score", rtp)))) {
        cli_filter_free(&filt);
        return cli_input_failed();
    }

    mirs_dataset *ds = NULL;
    mirs_responses *resp = NULL, *jo = NULL, *rt = NULL;
    mirs_response_match *m = NULL;
    mirs_store *store = NULL;
    int rc = CLI_EXIT_OK, st;
    mirs_responses_options ro = MIRS_RESPONSES_OPTIONS_INIT;
    ro.mode = lenient ? MIRS_READ_LENIENT : MIRS_READ_STRICT;
    if ((st = mirs_dataset_open(dsp, NULL, &ds))) return cli_fail(st, dsp);
    if ((st = mirs_responses_open(rp, &ro, &resp))) {
        rc = cli_fail(st, rp);
        goto done;
    }
    if ((st = mirs_responses_open(jop, &ro, &jo))) {
        rc = cli_fail(st, jop);
        goto done;
    }
    if (rtp && (st = mirs_responses_open(rtp, &ro, &rt))) {
        rc = cli_fail(st, rtp);
        goto done;
    }
    if ((st = mirs_responses_match(resp, ds, &m))) {
        rc = cli_fail(st, "matching responses to the dataset");
        goto done;
    }
    if ((st = mirs_store_open(storep, &so, &store))) {
        rc = cli_fail(st, storep);
        goto done;
    }
    if (mirs_store_torn_bytes(store))
        fprintf(stderr, "mirsafety score: cut a torn last record of %llu bytes from %s\n",
                (unsigned long long)mirs_store_torn_bytes(store), storep);
    mirs_score_options sopt = MIRS_SCORE_OPTIONS_INIT;
    sopt.model = model;
    sopt.judge = judge;
    sopt.parse_mode = pmode;
    sopt.strip_mode = strip;
    sopt.keep_response = keep;
    cli_progress pg; /* on stderr when it is a terminal */
    cli_progress_start(&pg, "scoring", mirs_responses_count(resp));
    sopt.progress = cli_progress_cb;
    sopt.progress_userdata = &pg;
    mirs_score_summary sum = {sizeof sum, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if ((st = mirs_score_responses(ds, &filt.filter, resp, jo, rt, &sopt, store, &sum))) {
        cli_progress_stop(&pg);
        rc = cli_fail(st, storep);
        goto done;
    }
    cli_progress_finish(&pg);
    uint64_t scored = sum.scored, resumed = sum.already_in_store, awaiting = sum.awaiting_judge_output,
             unsafe = sum.unsafe, failed_judge = sum.judge_errors, unparseable = sum.unparseable;
    st = mirs_store_close(store);
    store = NULL;
    if (st) {
        rc = cli_fail(st, storep);
        goto done;
    }
    if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "scored", (double)scored);
        cJSON_AddNumberToObject(j, "unsafe", (double)unsafe);
        cJSON_AddNumberToObject(j, "judge_errors", (double)failed_judge);
        cJSON_AddNumberToObject(j, "unparseable", (double)unparseable);
        cJSON_AddNumberToObject(j, "already_in_store", (double)resumed);
        cJSON_AddNumberToObject(j, "awaiting_judge_output", (double)awaiting);
        cJSON_AddNumberToObject(j, "outside_filter", (double)sum.outside_filter);
        cJSON_AddNumberToObject(j, "without_verdict", (double)sum.without_verdict);
        cJSON_AddNumberToObject(j, "server_outputs", (double)sum.server_outputs);
        cJSON_AddNumberToObject(j, "nonstandard_outputs", (double)sum.nonstandard_outputs);
        match_summary(resp, m, j);
        rc = print_json(j);
    } else {
        printf("scored %llu (unsafe %llu, unparseable %llu, judge errors %llu), already in the store %llu, "
               "awaiting a judge output %llu\n",
               (unsigned long long)scored, (unsigned long long)unsafe, (unsigned long long)unparseable,
               (unsigned long long)failed_judge, (unsigned long long)resumed, (unsigned long long)awaiting);
        printf("%llu items of the dataset have no verdict yet (no response or no judge output); a report over the "
               "dataset counts them as not unsafe\n",
               (unsigned long long)sum.without_verdict);
        match_summary(resp, m, NULL);
    }
    if (sum.nonstandard_outputs)
        fprintf(stderr,
                "mirsafety score: warning: %llu of %llu judge outputs are neither \"Yes\" nor \"No\"%s; the official "
                "rule counts them safe. Outputs of an OpenAI-compatible server written as simple JSONL need "
                "--parse official-server (docs/scoring.md)\n",
                (unsigned long long)sum.nonstandard_outputs, (unsigned long long)(scored - failed_judge),
                sum.server_outputs ? " (after dropping the leading space of server completions)" : "");
    if (rc == CLI_EXIT_OK &&
        (awaiting || mirs_response_match_unknown_count(m) || mirs_response_match_missing_count(m) ||
         mirs_responses_diagnostic_count(resp) || mirs_responses_diagnostic_count(jo)))
        rc = CLI_EXIT_PROBLEMS;
done:
    if (store) mirs_store_close(store);
    mirs_response_match_free(m);
    mirs_responses_free(resp);
    mirs_responses_free(jo);
    mirs_responses_free(rt);
    mirs_dataset_free(ds);
    cli_filter_free(&filt);
    return rc;
}

/* ---- report ---- */

static const char report_usage[] =
    "usage: mirsafety report INPUT... [options]\n"
    "Attack success rates from verdict stores (one report per model and judge in\n"
    "them) or official results/harmbench/<model> folders (read exactly as the\n"
    "official statics.py reads them). INPUT '-' is a store on standard input.\n"
    "  --format F        table (default), json (one array of reports, one object per model and judge), csv,\n"
    "                    markdown,\n"
    "                    mir (exactly the \"Final Statistics\" block statics.py prints), html (one\n"
    "                    self-contained page: every model and judge, charts, coverage; no scripts)\n"
    "  --by B            relation (default), category, group, matrix, all; repeatable or comma-separated\n"
    "  --denominator D   all (default, the official rule: every item counts; failed, crashed and\n"
    "                    truncated answers were judged like any answer and count as unsafe when the\n"
    "                    judge said so) or answered (they, unparseable or failed judge outputs and\n"
    "                    items without a verdict are left out)\n"
    "  --confidence C    interval level (default 0.95)\n"
    "  --model M         only this model's records (stores)\n"
    "  --judge J         only this judge's records (stores)\n"
    "  --merge           one report over all inputs (shards of one run)\n"
    "  --dataset PATH    cover the whole dataset (stores only): items with no response or no verdict\n"
    "                    count as not unsafe, as the official code counts a failed inference, and are\n"
    "                    listed; without it a report covers only the items with a verdict, and says so\n"
    "  --threads N       threads reading official folders (default 1)\n"
    "  --json            same as --format json\n"
    "  -o, --out FILE    write the report to FILE (atomically) instead of stdout\n"
    "  html only:\n"
    "  --entropy [NAME=]ACC.json  add the safe vs unsafe histograms of an entropy accumulator state ('-': stdin)\n"
    "                    (mirsafety entropy --state); NAME (default: the file name) says whose; repeatable\n"
    "  --entropy-unit U  the unit the states were filled in: nats (default), bits or normalised\n"
    "  --title TEXT      the page title; --note TEXT a sentence under it (e.g. where the data comes from)\n";

typedef struct rep_list {
    mirs_report **v;
    size_t n;
} rep_list;

/* The report of (model, judge); fresh = always a new one (official folders
 * are separate reports, as separate statics.py runs are). */
static mirs_report *rep_for(rep_list *l, const char *model, const char *judge, bool merge, bool fresh)
{
    for (size_t i = 0; i < l->n && !(fresh && !merge); i++)
        if (merge || (strcmp(mirs_report_model(l->v[i]), model) == 0 && strcmp(mirs_report_judge(l->v[i]), judge) == 0))
            return l->v[i];
    mirs_report *r = NULL;
    if (mirs_report_new(merge ? "merged" : model, merge ? "" : judge, &r) != MIRS_OK) return NULL;
    mirs_report **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv) {
        mirs_report_free(r);
        return NULL;
    }
    l->v = nv;
    l->v[l->n++] = r;
    return r;
}

static int parse_by(const char *v, uint32_t *by)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int part;
        if (cli_choose(t, by_parts, &part)) return -1;
        *by |= (uint32_t)part;
    }
    return 0;
}

/* Adds one INPUT to the reports. */
static int add_input(rep_list *l, const char *in, const char *fmodel, const char *fjudge, bool merge, uint32_t threads)
{
    int st;
    if (is_dir(in)) {
        char nb[512];
        mirs_report *r = rep_for(l, base_name(in, nb, sizeof nb), "harmbench-mir", merge, true);
        if (!r) return cli_fail(MIRS_E_NO_MEMORY, in);
        mirs_official_options oo = MIRS_OFFICIAL_OPTIONS_INIT;
        oo.threads = threads;
        if ((st = mirs_report_add_official(r, in, &oo))) return cli_fail(st, in);
        if (mirs_report_skipped_files(r))
            fprintf(stderr, "mirsafety report: %s: %llu files skipped (unreadable or not JSON, as statics.py does)\n",
                    in, (unsigned long long)mirs_report_skipped_files(r));
        return CLI_EXIT_OK;
    }
    mirs_records *recs = NULL;
    if ((st = mirs_records_read(in, NULL, &recs))) return cli_fail(st, in);
    if (mirs_records_torn_bytes(recs))
        fprintf(stderr, "mirsafety report: %s: ignoring a torn last record of %llu bytes\n", in,
                (unsigned long long)mirs_records_torn_bytes(recs));
    size_t n = mirs_records_count(recs);
    for (size_t i = 0; i < n; i++) {
        const mirs_record *x = mirs_records_get(recs, i);
        if (!mirs_records_counted(recs, i)) continue; /* the one verdict of its (key, model, judge) */
        if ((fmodel && strcmp(fmodel, x->model)) || (fjudge && strcmp(fjudge, x->judge))) continue;
        mirs_report *r = rep_for(l, x->model, x->judge, merge, false);
        if (!r || (st = mirs_report_add_record(r, x))) {
            mirs_records_free(recs);
            return cli_fail(r ? st : MIRS_E_NO_MEMORY, in);
        }
    }
    mirs_records_free(recs);
    return CLI_EXIT_OK;
}

typedef struct ent_list {
    mirs_report_html_entropy *v;
    mirs_entropy_acc **acc;
    char **names;
    size_t n;
} ent_list;

static void ent_free(ent_list *e)
{
    for (size_t i = 0; i < e->n; i++) {
        mirs_entropy_acc_free(e->acc[i]);
        free(e->names[i]);
    }
    free(e->v);
    free(e->acc);
    free(e->names);
}

/* Loads "[NAME=]ACC.json": an existing file by its whole name wins over a NAME= prefix. */
static int ent_add(ent_list *e, const char *arg, const char *unit)
{
    const char *path = arg, *eq = strchr(arg, '=');
    char nb[512];
    char *name;
    struct stat st_;
    if (eq && eq != arg && stat(arg, &st_) != 0) {
        path = eq + 1;
        name = strndup(arg, (size_t)(eq - arg));
    } else {
        base_name(path, nb, sizeof nb);
        size_t l = strlen(nb);
        if (l > 5 && strcmp(nb + l - 5, ".json") == 0) nb[l - 5] = '\0';
        name = strdup(strcmp(path, "-") == 0 ? "stdin" : nb);
    }
    if (!(path = cli_input_path("report", path))) {
        free(name);
        return cli_input_failed();
    }
    mirs_report_html_entropy *nv = realloc(e->v, (e->n + 1) * sizeof *nv);
    if (nv) e->v = nv;
    mirs_entropy_acc **na = realloc(e->acc, (e->n + 1) * sizeof *na);
    if (na) e->acc = na;
    char **nn = realloc(e->names, (e->n + 1) * sizeof *nn);
    if (nn) e->names = nn;
    if (!name || !nv || !na || !nn) {
        free(name);
        return cli_fail(MIRS_E_NO_MEMORY, path);
    }
    mirs_entropy_acc *acc = NULL;
    int st = mirs_entropy_acc_load(path, &acc);
    if (st) {
        free(name);
        return cli_fail(st, path);
    }
    e->acc[e->n] = acc;
    e->names[e->n] = name;
    e->v[e->n] = (mirs_report_html_entropy){name, unit, acc};
    e->n++;
    return CLI_EXIT_OK;
}

int cli_report(int argc, char **argv);
int cli_report(int argc, char **argv)
{
    int32_t fmt = MIRS_REPORT_TABLE, denom = MIRS_DENOM_ALL;
    uint32_t by = 0;
    double conf = 0.95;
    const char *fmodel = NULL, *fjudge = NULL, *dsp = NULL, *outp = NULL, *title = NULL, *note = NULL, *unit = "nats";
    mirs_dataset *ds = NULL;
    bool merge = false;
    uint32_t threads = 1;
    const char **inputs = calloc((size_t)argc, sizeof *inputs), **ents = calloc((size_t)argc, sizeof *ents);
    size_t nin = 0, nent = 0;
    rep_list l = {NULL, 0};
    ent_list el = {NULL, NULL, NULL, 0};
    cli_out out = {stdout, NULL, NULL, false};
    if (!inputs || !ents) {
        free(inputs);
        free(ents);
        return cli_fail(MIRS_E_NO_MEMORY, "report");
    }
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r = 0;
        if (cli_is_help(argv[i])) {
            printf("%s", report_usage);
            free(inputs);
            free(ents);
            return CLI_EXIT_OK;
        }
        if ((r = cli_opt_value("--format", argc, argv, &i, &v))) {
            if (r < 0) break;
            if (parse_report_format(v, &fmt)) {
                rc = cli_usage_error("report", "--format wants table, json, csv, markdown, mir or html");
                goto done;
            }
        } else if ((r = cli_opt_value("--by", argc, argv, &i, &v))) {
            if (r > 0 && parse_by(v, &by)) {
                rc = cli_usage_error("report", "--by wants relation, category, group, matrix or all");
                goto done;
            }
        } else if ((r = cli_opt_value("--denominator", argc, argv, &i, &v))) {
            if (r > 0 && mirs_denominator_from_name(v, &denom) != MIRS_OK) {
                rc = cli_usage_error("report", "--denominator wants all or answered");
                goto done;
            }
        } else if ((r = cli_opt_value("--confidence", argc, argv, &i, &v))) {
            if (r > 0 && (conf = parse_conf(v)) < 0) {
                rc = cli_usage_error("report", "--confidence wants a number in (0, 1)");
                goto done;
            }
        } else if ((r = cli_opt_value("--threads", argc, argv, &i, &v))) {
            if (r > 0 && (atoi(v) < 1 || atoi(v) > 256)) {
                rc = cli_usage_error("report", "--threads wants 1..256");
                goto done;
            }
            if (r > 0) threads = (uint32_t)atoi(v);
        } else if ((r = cli_opt_value("--model", argc, argv, &i, &v)))
            fmodel = v;
        else if ((r = cli_opt_value("--judge", argc, argv, &i, &v)))
            fjudge = v;
        else if ((r = cli_opt_value("--dataset", argc, argv, &i, &v)))
            dsp = v;
        else if ((r = cli_out_option(argc, argv, &i, &v)))
            outp = v;
        else if ((r = cli_opt_value("--entropy", argc, argv, &i, &v))) {
            if (r > 0) ents[nent++] = v;
        } else if ((r = cli_opt_value("--entropy-unit", argc, argv, &i, &v))) {
            if (r > 0 && strcmp(v, "nats") && strcmp(v, "bits") && strcmp(v, "normalised") && strcmp(v, "normalized")) {
                rc = cli_usage_error("report", "--entropy-unit wants nats, bits or normalised");
                goto done;
            }
            unit = v;
        } else if ((r = cli_opt_value("--title", argc, argv, &i, &v)))
            title = v;
        else if ((r = cli_opt_value("--note", argc, argv, &i, &v)))
            note = v;
        else if (strcmp(argv[i], "--merge") == 0)
            merge = true;
        else if (strcmp(argv[i], "--json") == 0)
            fmt = MIRS_REPORT_JSON;
        else if (argv[i][0] == '-' && argv[i][1]) {
            rc = cli_usage_error("report", "unknown option '%s'", argv[i]);
            goto done;
        } else
            inputs[nin++] = argv[i];
        if (r < 0) {
            rc = cli_usage_error("report", "%s needs a value", argv[i]);
            goto done;
        }
    }
    if (!nin) {
        rc = cli_usage_error("report", "missing INPUT (a verdict store or a results/harmbench/<model> folder)");
        goto done;
    }
    if ((nent || title || note) && fmt != CLI_REPORT_HTML) {
        rc = cli_usage_error("report", "--entropy, --title and --note go with --format html");
        goto done;
    }
    if (!by) by = fmt == MIRS_REPORT_JSON || fmt == MIRS_REPORT_CSV ? MIRS_BY_ALL : MIRS_BY_RELATION;
    for (size_t i = 0; dsp && i < nin; i++)
        if (is_dir(inputs[i])) {
            rc = cli_usage_error("report",
                                 "--dataset works with verdict stores: %s is a folder (official results "
                                 "carry no item keys)",
                                 inputs[i]);
            goto done;
        }
    if (strcmp(unit, "normalized") == 0) unit = "normalised";
    for (size_t i = 0; i < nin; i++)
        if (!(inputs[i] = cli_input_path("report", inputs[i]))) {
            rc = cli_input_failed();
            goto done;
        }
    if (dsp && !(dsp = cli_input_path("report", dsp))) {
        rc = cli_input_failed();
        goto done;
    }
    int st;
    if (dsp && (st = mirs_dataset_open(dsp, NULL, &ds))) {
        rc = cli_fail(st, dsp);
        goto done;
    }
    for (size_t i = 0; i < nent && rc == CLI_EXIT_OK; i++) rc = ent_add(&el, ents[i], unit);
    for (size_t i = 0; i < nin && rc == CLI_EXIT_OK; i++) rc = add_input(&l, inputs[i], fmodel, fjudge, merge, threads);
    for (size_t i = 0; ds && i < l.n && rc == CLI_EXIT_OK; i++)
        if ((st = mirs_report_add_dataset(l.v[i], ds))) rc = cli_fail(st, dsp);
    if (rc == CLI_EXIT_OK && l.n == 0) fprintf(stderr, "mirsafety report: no verdicts found\n");
    if (rc == CLI_EXIT_OK) rc = cli_out_open(&out, outp);
    if (rc != CLI_EXIT_OK) goto done;
    if (fmt == CLI_REPORT_HTML) {
        /* The page states the coverage and lists the items without a verdict itself. */
        mirs_report_html_options ho = MIRS_REPORT_HTML_OPTIONS_INIT;
        ho.title = title;
        ho.note = note;
        ho.denominator = denom;
        ho.confidence = conf;
        cli_lines sink = {out.f, 0};
        if ((st = mirs_report_write_html((const mirs_report *const *)l.v, l.n, el.v, el.n, &ho, cli_lines_sink, &sink)))
            rc = cli_fail(st, "html report");
    }
    for (size_t i = 0; i < l.n && rc == CLI_EXIT_OK && fmt != CLI_REPORT_HTML; i++) {
        /* The mir block is exactly statics.py's (its Total Count is the coverage) and CSV rows hold only counts:
         * the coverage in words and the list of items without a verdict go to stderr. */
        uint64_t u = 0, t = 0;
        mirs_report_counts(l.v[i], -1, -1, -1, MIRS_DENOM_ALL, &u, &t);
        size_t nm = mirs_report_missing_count(l.v[i]);
        if (fmt == MIRS_REPORT_MIR && !ds)
            fprintf(stderr,
                    "mirsafety report: %s / %s covers %llu items, those with a verdict (give --dataset to count "
                    "items with no response or no verdict)\n",
                    mirs_report_model(l.v[i]), mirs_report_judge(l.v[i]), (unsigned long long)t);
        if ((fmt == MIRS_REPORT_MIR || fmt == MIRS_REPORT_CSV) && ds) {
            fprintf(stderr,
                    "mirsafety report: %s / %s covers %llu items: the dataset's %llu, %zu of them without a verdict "
                    "(counted as not unsafe)\n",
                    mirs_report_model(l.v[i]), mirs_report_judge(l.v[i]), (unsigned long long)t,
                    (unsigned long long)mirs_report_dataset_items(l.v[i]), nm);
            for (size_t k = 0; k < nm && k < CLI_JSON_EXAMPLES; k++)
                fprintf(stderr, "  no verdict: %s\n", mirs_report_missing(l.v[i], k));
            if (nm > CLI_JSON_EXAMPLES)
                fprintf(stderr, "  ... %zu more (the JSON report lists them all)\n", nm - CLI_JSON_EXAMPLES);
        }
        mirs_buf b = {0};
        st = mirs_report_write(l.v[i], fmt, by, denom, conf, &b);
        if (st) {
            rc = cli_fail(st, "report");
            break;
        }
        const char *text = (const char *)b.data;
        if (fmt == MIRS_REPORT_CSV && i > 0) text = strchr(text, '\n') + 1; /* one header */
        if (fmt == MIRS_REPORT_TABLE && i > 0) fputc('\n', out.f);
        if (fmt == MIRS_REPORT_JSON) {
            /* One JSON document, as every --json output is: an array of the reports (one object each). */
            size_t tl = strlen(text);
            while (tl && text[tl - 1] == '\n') tl--;
            fputs(i ? "," : "[", out.f);
            fwrite(text, 1, tl, out.f);
        } else
            fputs(text, out.f);
        mirs_buf_free(&b);
    }
    if (fmt == MIRS_REPORT_JSON && rc == CLI_EXIT_OK) fputs(l.n ? "]\n" : "[]\n", out.f);
    {
        int crc = cli_out_close(&out, rc == CLI_EXIT_OK);
        if (rc == CLI_EXIT_OK) rc = crc;
    }
done:
    for (size_t i = 0; i < l.n; i++) mirs_report_free(l.v[i]);
    free(l.v);
    ent_free(&el);
    mirs_dataset_free(ds);
    free(inputs);
    free(ents);
    return rc;
}

/* ---- compare ---- */

static const char compare_usage[] =
    "usage: mirsafety compare models A [B] [--model-a M] [--model-b M] [--judge J] [--confidence C] [--json]\n"
    "       mirsafety compare judges A [B] --judge-a J1 --judge-b J2 [--model M] [--json]\n"
    "       mirsafety compare capability SCORES.csv INPUT... [--judge J] [--denominator all|answered] [--json]\n"
    "A, B and INPUT are verdict stores or official results/harmbench/<model> folders ('-': stdin).\n"
    "  models      paired comparison over the items both models have: 2x2 table, exact McNemar\n"
    "              p-value, ASR difference (A - B) with Newcombe's interval\n"
    "  judges      confusion matrix of two judges' verdicts on the same items and Cohen's kappa\n"
    "  capability  Spearman and Kendall correlation (with p-values) of each model's ASR with a\n"
    "              capability score; SCORES.csv has lines \"model,score\" (a header line is skipped)\n";

static int load_records(const char *in, mirs_records **out)
{
    int st;
    if (is_dir(in)) {
        char nb[512];
        st = mirs_records_from_official(in, base_name(in, nb, sizeof nb), NULL, out);
    } else
        st = mirs_records_read(in, NULL, out);
    return st ? cli_fail(st, in) : CLI_EXIT_OK;
}

static const char *only_model(const mirs_records *r)
{
    const char *m = NULL;
    for (size_t i = 0; i < mirs_records_count(r); i++) {
        const char *x = mirs_records_get(r, i)->model;
        if (m && strcmp(m, x)) return NULL;
        m = x;
    }
    return m;
}

static void add_num(cJSON *j, const char *k, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(j, k);
    else
        cJSON_AddNumberToObject(j, k, v);
}

static int compare_models(const char *a, const char *b, const char *ma, const char *mb, const char *judge, double conf,
                          bool json)
{
    mirs_records *ra = NULL, *rb = NULL;
    int rc = load_records(a, &ra);
    if (rc) return rc;
    if (b && (rc = load_records(b, &rb))) {
        mirs_records_free(ra);
        return rc;
    }
    const mirs_records *sb = rb ? rb : ra;
    if (!ma) ma = only_model(ra);
    if (!mb) mb = rb ? only_model(rb) : NULL;
    if (!ma || !mb) {
        mirs_records_free(ra);
        mirs_records_free(rb);
        return cli_usage_error("compare", "name the models with --model-a and --model-b");
    }
    mirs_model_comparison c = {sizeof c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    int st = mirs_compare_models(ra, ma, judge, sb, mb, judge, conf, &c);
    if (st)
        rc = cli_fail(st, "compare models");
    else if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "model_a", ma);
        cJSON_AddStringToObject(j, "model_b", mb);
        cJSON_AddNumberToObject(j, "both_unsafe", (double)c.both_unsafe);
        cJSON_AddNumberToObject(j, "a_only_unsafe", (double)c.a_only);
        cJSON_AddNumberToObject(j, "b_only_unsafe", (double)c.b_only);
        cJSON_AddNumberToObject(j, "both_safe", (double)c.both_safe);
        cJSON_AddNumberToObject(j, "only_in_a", (double)c.only_in_a);
        cJSON_AddNumberToObject(j, "only_in_b", (double)c.only_in_b);
        add_num(j, "asr_a_pct", c.asr_a);
        add_num(j, "asr_b_pct", c.asr_b);
        add_num(j, "diff", c.diff);
        add_num(j, "diff_lo", c.diff_lo);
        add_num(j, "diff_hi", c.diff_hi);
        add_num(j, "confidence", conf);
        add_num(j, "mcnemar_p", c.mcnemar_p);
        rc = print_json(j);
    } else {
        uint64_t n = c.both_unsafe + c.a_only + c.b_only + c.both_safe;
        printf("%s vs %s over %llu common items (%llu only in A, %llu only in B)\n", ma, mb, (unsigned long long)n,
               (unsigned long long)c.only_in_a, (unsigned long long)c.only_in_b);
        printf("                 B unsafe   B safe\nA unsafe       %10llu %8llu\nA safe         %10llu %8llu\n",
               (unsigned long long)c.both_unsafe, (unsigned long long)c.a_only, (unsigned long long)c.b_only,
               (unsigned long long)c.both_safe);
        printf("ASR A %.2f%%, ASR B %.2f%%, difference %.2f points [%.2f, %.2f] (%g%%, Newcombe)\n", c.asr_a, c.asr_b,
               c.diff * 100, c.diff_lo * 100, c.diff_hi * 100, conf * 100);
        printf("exact McNemar p = %.6g\n", c.mcnemar_p);
    }
    mirs_records_free(ra);
    mirs_records_free(rb);
    return rc;
}

static int compare_judges(const char *a, const char *b, const char *ja, const char *jb, const char *model, bool json)
{
    if (!ja || !jb) return cli_usage_error("compare", "judges needs --judge-a and --judge-b");
    mirs_records *ra = NULL, *rb = NULL;
    int rc = load_records(a, &ra);
    if (rc) return rc;
    if (b && (rc = load_records(b, &rb))) {
        mirs_records_free(ra);
        return rc;
    }
    mirs_judge_comparison c;
    memset(&c, 0, sizeof c);
    c.struct_size = sizeof c;
    int st = mirs_compare_judges(ra, ja, rb ? rb : ra, jb, model, &c);
    if (st)
        rc = cli_fail(st, "compare judges");
    else if (json) {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "judge_a", ja);
        cJSON_AddStringToObject(j, "judge_b", jb);
        cJSON_AddNumberToObject(j, "common", (double)c.common);
        cJSON_AddNumberToObject(j, "only_in_a", (double)c.only_in_a);
        cJSON_AddNumberToObject(j, "only_in_b", (double)c.only_in_b);
        add_num(j, "kappa", c.kappa);
        add_num(j, "agreement", c.agreement);
        cJSON *m = cJSON_AddObjectToObject(j, "confusion");
        for (int32_t x = 0; x < MIRS_VERDICT_COUNT; x++) {
            cJSON *row = NULL;
            for (int32_t y = 0; y < MIRS_VERDICT_COUNT; y++) {
                uint64_t v = c.matrix[x * MIRS_JUDGE_MATRIX_DIM + y];
                if (!v) continue;
                if (!row) row = cJSON_AddObjectToObject(m, mirs_verdict_name(x));
                cJSON_AddNumberToObject(row, mirs_verdict_name(y), (double)v);
            }
        }
        rc = print_json(j);
    } else {
        printf("%s (rows) vs %s (columns) over %llu common items (%llu only in A, %llu only in B)\n", ja, jb,
               (unsigned long long)c.common, (unsigned long long)c.only_in_a, (unsigned long long)c.only_in_b);
        printf("%-12s", "");
        for (int32_t y = 0; y < MIRS_VERDICT_COUNT; y++) printf(" %11s", mirs_verdict_name(y));
        printf("\n");
        for (int32_t x = 0; x < MIRS_VERDICT_COUNT; x++) {
            printf("%-12s", mirs_verdict_name(x));
            for (int32_t y = 0; y < MIRS_VERDICT_COUNT; y++)
                printf(" %11llu", (unsigned long long)c.matrix[x * MIRS_JUDGE_MATRIX_DIM + y]);
            printf("\n");
        }
        printf("agreement %.4f, Cohen's kappa %.4f (items both judged safe or unsafe)\n", c.agreement, c.kappa);
    }
    mirs_records_free(ra);
    mirs_records_free(rb);
    return rc;
}

static int compare_capability(const char *csv, const char **inputs, size_t nin, const char *judge, int32_t denom,
                              bool json)
{
    mirs_capability *caps = NULL;
    int st = mirs_capability_read(csv, &caps);
    if (st) return cli_fail(st, csv);
    size_t nrows = mirs_capability_count(caps);
    int rc = CLI_EXIT_OK;
    rep_list l = {NULL, 0};
    for (size_t i = 0; i < nin && rc == CLI_EXIT_OK; i++) rc = add_input(&l, inputs[i], NULL, judge, false, 1);
    double *asr = calloc(nrows + 1, sizeof *asr), *cap = calloc(nrows + 1, sizeof *cap);
    size_t n = 0;
    cJSON *j = json ? cJSON_CreateObject() : NULL;
    cJSON *jm = j ? cJSON_AddArrayToObject(j, "models") : NULL;
    if (!json && rc == CLI_EXIT_OK) printf("%-32s %10s %8s %8s\n", "model", "capability", "ASR(%)", "items");
    for (size_t i = 0; i < nrows && rc == CLI_EXIT_OK; i++) {
        mirs_report *r = NULL;
        for (size_t k = 0; k < l.n; k++)
            if (strcmp(mirs_report_model(l.v[k]), mirs_capability_model(caps, i)) == 0) r = l.v[k];
        uint64_t u = 0, t = 0;
        if (r) mirs_report_counts(r, -1, -1, -1, denom, &u, &t);
        if (!r || !t) {
            fprintf(stderr, "mirsafety compare: no verdicts for model '%s'\n", mirs_capability_model(caps, i));
            continue;
        }
        asr[n] = (double)u / (double)t * 100.0;
        cap[n] = mirs_capability_score(caps, i);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "model", mirs_capability_model(caps, i));
            cJSON_AddNumberToObject(o, "capability", cap[n]);
            cJSON_AddNumberToObject(o, "asr_pct", asr[n]);
            cJSON_AddNumberToObject(o, "unsafe", (double)u);
            cJSON_AddNumberToObject(o, "total", (double)t);
            cJSON_AddItemToArray(jm, o);
        } else
            printf("%-32s %10g %8.2f %8llu\n", mirs_capability_model(caps, i), cap[n], asr[n], (unsigned long long)t);
        n++;
    }
    for (size_t k = 0; k < l.n; k++) {
        bool listed = false;
        for (size_t i = 0; i < nrows; i++)
            listed |= strcmp(mirs_report_model(l.v[k]), mirs_capability_model(caps, i)) == 0;
        if (!listed)
            fprintf(stderr, "mirsafety compare: model '%s' has no capability score\n", mirs_report_model(l.v[k]));
    }
    if (rc == CLI_EXIT_OK) {
        double rho, rp, tau, tp;
        st = mirs_compare_capability(asr, cap, n, &rho, &rp, &tau, &tp);
        if (st)
            rc = cli_fail(st, "compare capability");
        else if (json) {
            cJSON_AddNumberToObject(j, "n", (double)n);
            add_num(j, "spearman_rho", rho);
            add_num(j, "spearman_p", rp);
            add_num(j, "kendall_tau", tau);
            add_num(j, "kendall_p", tp);
            cJSON_AddStringToObject(j, "denominator", denom == MIRS_DENOM_ALL ? "all" : "answered");
            rc = print_json(j);
            j = NULL;
        } else
            printf("%zu models: Spearman rho %.4f (p = %.4g), Kendall tau-b %.4f (p = %.4g)\n", n, rho, rp, tau, tp);
    }
    cJSON_Delete(j);
    free(asr);
    free(cap);
    mirs_capability_free(caps);
    for (size_t k = 0; k < l.n; k++) mirs_report_free(l.v[k]);
    free(l.v);
    return rc;
}

int cli_compare(int argc, char **argv);
int cli_compare(int argc, char **argv)
{
    if (argc < 2) return cli_usage_bare(compare_usage);
    if (cli_is_help(argv[1])) {
        printf("%s", compare_usage);
        return CLI_EXIT_OK;
    }
    const char *what = argv[1];
    const char *ma = NULL, *mb = NULL, *judge = NULL, *ja = NULL, *jb = NULL, *model = NULL;
    double conf = 0.95;
    int32_t denom = MIRS_DENOM_ALL;
    bool json = false;
    const char **pos = calloc((size_t)argc, sizeof *pos);
    size_t npos = 0;
    if (!pos) return CLI_EXIT_FAILURE;
    int rc = -1;
    for (int i = 2; i < argc && rc < 0; i++) {
        const char *v;
        int r = 0;
        if (cli_is_help(argv[i])) {
            printf("%s", compare_usage);
            rc = CLI_EXIT_OK;
        } else if ((r = cli_opt_value("--model-a", argc, argv, &i, &v)))
            ma = v;
        else if ((r = cli_opt_value("--model-b", argc, argv, &i, &v)))
            mb = v;
        else if ((r = cli_opt_value("--judge-a", argc, argv, &i, &v)))
            ja = v;
        else if ((r = cli_opt_value("--judge-b", argc, argv, &i, &v)))
            jb = v;
        else if ((r = cli_opt_value("--judge", argc, argv, &i, &v)))
            judge = v;
        else if ((r = cli_opt_value("--model", argc, argv, &i, &v)))
            model = v;
        else if ((r = cli_opt_value("--confidence", argc, argv, &i, &v))) {
            if (r > 0 && (conf = parse_conf(v)) < 0) rc = cli_usage_error("compare", "--confidence wants (0, 1)");
        } else if ((r = cli_opt_value("--denominator", argc, argv, &i, &v))) {
            if (r > 0 && mirs_denominator_from_name(v, &denom) != MIRS_OK)
                rc = cli_usage_error("compare", "--denominator wants all or answered");
        } else if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            rc = cli_usage_error("compare", "unknown option '%s'", argv[i]);
        else
            pos[npos++] = argv[i];
        if (r < 0) rc = cli_usage_error("compare", "%s needs a value", argv[i]);
    }
    for (size_t k = 0; rc < 0 && k < npos; k++)
        if (!(pos[k] = cli_input_path("compare", pos[k]))) rc = cli_input_failed();
    if (rc < 0) {
        if (strcmp(what, "models") == 0 && (npos == 1 || npos == 2))
            rc = compare_models(pos[0], npos == 2 ? pos[1] : NULL, ma, mb, judge, conf, json);
        else if (strcmp(what, "judges") == 0 && (npos == 1 || npos == 2))
            rc = compare_judges(pos[0], npos == 2 ? pos[1] : NULL, ja, jb, model, json);
        else if (strcmp(what, "capability") == 0 && npos >= 2)
            rc = compare_capability(pos[0], pos + 1, npos - 1, judge, denom, json);
        else
            rc = cli_usage_error("compare", "expected 'models A [B]', 'judges A [B]' or 'capability CSV INPUT...'");
    }
    free(pos);
    return rc;
}
