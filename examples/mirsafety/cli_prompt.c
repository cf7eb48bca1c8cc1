/* mirsafety prompts: model prompts or API request files for a dataset, as JSONL. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char prompts_help[] =
    "usage: mirsafety prompts PATH --format F [options] [filters]\n"
    "\n"
    "Writes one JSON line per item of the dataset at PATH (official layout folder or\n"
    "JSONL manifest; '-' reads the manifest from standard input). Text formats give {\"key\", \"text\", \"images\": "
    "[files]}; request\n"
    "formats give the request object itself, images embedded as base64.\n"
    "\n"
    "  --format F          text: qwen2-vl, llava-1.5, internvl, glm-4.1v, plain, template\n"
    "                      requests: openai, anthropic, openai-batch\n"
    "  --variant V         multi-image (default), text-only, captions, composite, shuffled\n"
    "  --system TEXT       system prompt (default: none given; the format's own default applies)\n"
    "  --labels on|off     per-image labels (default: the format's own rule)\n"
    "  --template FILE     the template of --format template (syntax in docs/prompts.md)\n"
    "  --placeholder S     image marker of --format plain (default <image>)\n"
    "  --seed N            seed of --variant shuffled (default 0)\n"
    "  --model NAME        model field of the request formats (required there)\n"
    "  --max-tokens N      max_tokens of the requests (anthropic default 4096; else omitted)\n"
    "  --temperature T     temperature of the requests (omitted unless given)\n"
    "  --detail D          openai image detail: low, high or auto (omitted unless given)\n"
    "  --image-format F    original (default), png or jpeg: how images travel in requests\n"
    "  --jpeg-quality Q    1..100 for --image-format jpeg (default 90)\n"
    "  --max-pixels N      downscale larger images to at most N pixels before sending\n"
    "  --threads N         threads re-encoding a request's images (default 1)\n"
    "  --composite-dir D   where --variant composite writes tiled PNGs for the text formats\n"
    "  --profile P         official run settings in openai/openai-batch bodies: qwen2.5-vl or\n"
    "                      glm-4.1v-thinking (sampling, and qwen's pixel bounds; docs/prompts.md)\n"
    "  -o, --out FILE      write atomically to FILE (default: standard output)\n"
    "  --failed FILE       where items the official adapters count as failed inference (a missing\n"
    "                      image) go, as failed response records (default: FILE.failed.jsonl with\n"
    "                      --out, else standard error); the job goes on without them\n"
    "  --json              with --out: print a JSON summary on standard output\n"
    "  --strict            refuse dataset items the official code evaluates but the layout does not\n"
    "                      describe (oddities: see 'mirsafety validate'); default: accept them\n"
    "\n"
    "filters:\n";

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno) return -1;
    *out = v;
    return 0;
}

int cli_prompts(int argc, char **argv); /* called through main.c's verb table */

int cli_prompts(int argc, char **argv)
{
    const char *verb = "prompts";
    const char *path = NULL, *out = NULL, *template_path = NULL, *failed_path = NULL;
    bool json = false, have_format = false, strict = false;
    mirs_prompt_options o = MIRS_PROMPT_OPTIONS_INIT;
    cli_filter f;
    cli_filter_init(&f);
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r;
        if (cli_is_help(a)) {
            fputs(prompts_help, stdout);
            fputs(cli_filter_help, stdout);
            cli_filter_free(&f);
            return CLI_EXIT_OK;
        }
        if ((r = cli_filter_option(&f, verb, argc, argv, &i))) {
            if (r < 0) {
                cli_filter_free(&f);
                return CLI_EXIT_USAGE;
            }
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--strict") == 0) {
            strict = true;
        } else if ((r = cli_opt_value("--format", argc, argv, &i, &v))) {
            if (r < 0 || mirs_prompt_format_from_name(v, &o.format) != MIRS_OK) {
                rc = cli_usage_error(verb, "unknown --format '%s'", r < 0 ? "" : v);
                goto done;
            }
            have_format = true;
        } else if ((r = cli_opt_value("--variant", argc, argv, &i, &v))) {
            if (r < 0 || mirs_prompt_variant_from_name(v, &o.variant) != MIRS_OK) {
                rc = cli_usage_error(verb, "unknown --variant '%s'", r < 0 ? "" : v);
                goto done;
            }
        } else if ((r = cli_opt_value("--labels", argc, argv, &i, &v))) {
            if (r <= 0 || mirs_prompt_labels_from_name(v, &o.labels) != MIRS_OK) {
                rc = cli_usage_error(verb, "--labels wants on, off or auto");
                goto done;
            }
        } else if ((r = cli_opt_value("--image-format", argc, argv, &i, &v))) {
            if (r <= 0 || mirs_prompt_image_from_name(v, &o.image_format) != MIRS_OK) {
                rc = cli_usage_error(verb, "--image-format wants original, png or jpeg");
                goto done;
            }
        } else if ((r = cli_opt_value("--system", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            o.system = v;
        } else if ((r = cli_opt_value("--template", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            template_path = v;
        } else if ((r = cli_opt_value("--placeholder", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            o.image_placeholder = v;
        } else if ((r = cli_opt_value("--model", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            o.model = v;
        } else if ((r = cli_opt_value("--detail", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            o.detail = v;
        } else if ((r = cli_opt_value("--composite-dir", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            o.composite_dir = v;
        } else if ((r = cli_opt_value("--profile", argc, argv, &i, &v))) {
            int32_t p;
            if (r < 0 || mirs_prompt_profile_from_name(v, &p) != MIRS_OK) {
                rc = cli_usage_error(verb, "--profile wants qwen2.5-vl, glm-4.1v-thinking or none");
                goto done;
            }
            o.profile = p;
        } else if ((r = cli_opt_value("--failed", argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            failed_path = v;
        } else if ((r = cli_out_option(argc, argv, &i, &v))) {
            if (r < 0) goto missing;
            out = v;
        } else if ((r = cli_opt_value("--seed", argc, argv, &i, &v))) {
            if (r < 0 || parse_u64(v, &o.seed)) {
                rc = cli_usage_error(verb, "--seed wants an unsigned integer");
                goto done;
            }
        } else if ((r = cli_opt_value("--max-pixels", argc, argv, &i, &v))) {
            if (r < 0 || parse_u64(v, &o.max_pixels)) {
                rc = cli_usage_error(verb, "--max-pixels wants an unsigned integer");
                goto done;
            }
        } else if ((r = cli_opt_value("--threads", argc, argv, &i, &v))) {
            uint64_t n;
            if (r < 0 || parse_u64(v, &n) || n < 1 || n > 256) {
                rc = cli_usage_error(verb, "--threads wants 1..256");
                goto done;
            }
            o.threads = (uint32_t)n;
        } else if ((r = cli_opt_value("--max-tokens", argc, argv, &i, &v))) {
            uint64_t n;
            if (r < 0 || parse_u64(v, &n) || n == 0 || n > INT64_MAX) {
                rc = cli_usage_error(verb, "--max-tokens wants a positive integer");
                goto done;
            }
            o.max_tokens = (int64_t)n;
        } else if ((r = cli_opt_value("--jpeg-quality", argc, argv, &i, &v))) {
            uint64_t n;
            if (r < 0 || parse_u64(v, &n) || n < 1 || n > 100) {
                rc = cli_usage_error(verb, "--jpeg-quality wants 1..100");
                goto done;
            }
            o.jpeg_quality = (int32_t)n;
        } else if ((r = cli_opt_value("--temperature", argc, argv, &i, &v))) {
            char *end;
            double t = r > 0 ? strtod(v, &end) : -1;
            if (r < 0 || end == v || *end || !isfinite(t) || t < 0) {
                rc = cli_usage_error(verb, "--temperature wants a number >= 0");
                goto done;
            }
            o.temperature = t;
        } else if (a[0] == '-' && a[1]) {
            rc = cli_usage_error(verb, "unknown option '%s'", a);
            goto done;
        } else if (!path) {
            path = a;
        } else {
            rc = cli_usage_error(verb, "unexpected argument '%s'", a);
            goto done;
        }
        continue;
    missing:
        rc = cli_usage_error(verb, "%s needs a value", a);
        goto done;
    }
    if (!path) {
        rc = cli_usage_error(verb, "missing the dataset PATH");
        goto done;
    }
    if (!have_format) {
        rc = cli_usage_error(verb, "missing --format");
        goto done;
    }
    if (o.format == MIRS_PROMPT_FORMAT_TEMPLATE && !template_path) {
        rc = cli_usage_error(verb, "--format template needs --template FILE");
        goto done;
    }

    if (json && !out) {
        rc = cli_usage_error(verb, "--json prints a summary on stdout: give the prompts -o FILE");
        goto done;
    }
    if (!(path = cli_input_path(verb, path)) ||
        (template_path && !(template_path = cli_input_path(verb, template_path)))) {
        rc = cli_input_failed();
        goto done;
    }
    mirs_template *tmpl = NULL;
    if (template_path) {
        int st = mirs_template_load(template_path, &tmpl);
        if (st) {
            rc = cli_fail(st, "cannot load the template");
            goto done;
        }
        o.tmpl = tmpl;
    }
    /* The library's own checks of the options, before the dataset is opened: a usage error here. */
    if (mirs_prompt_options_check(&o) != MIRS_OK) {
        rc = cli_usage_error(verb, "%s (see --model, --profile, --composite-dir)", mirs_error_last());
        mirs_template_free(tmpl);
        goto done;
    }
    mirs_dataset *ds = NULL;
    mirs_dataset_options dso = MIRS_DATASET_OPTIONS_INIT;
    dso.oddities = strict ? MIRS_DATASET_ODDITIES_REFUSE : MIRS_DATASET_ODDITIES_ACCEPT;
    int st = mirs_dataset_open(path, &dso, &ds);
    if (st) {
        rc = cli_fail(st, path);
        mirs_template_free(tmpl);
        goto done;
    }
    /* Failed items are data, not errors: the official code records them as
     * failed inference and goes on. */
    char *failed_default = NULL;
    if (!failed_path && out) {
        size_t n = strlen(out) + sizeof ".failed.jsonl";
        if ((failed_default = malloc(n))) snprintf(failed_default, n, "%s.failed.jsonl", out);
        failed_path = failed_default;
    }
    cli_lines fs = {stderr, 0};
    /* Atomic as the output is: an interrupted run leaves neither file behind. */
    cli_out fo = {stderr, NULL, NULL, false};
    if (failed_path && (rc = cli_out_open(&fo, failed_path)) != CLI_EXIT_OK) {
        mirs_dataset_free(ds);
        mirs_template_free(tmpl);
        free(failed_default);
        goto done;
    }
    if (failed_path) fs.f = fo.f;
    o.failed_sink = cli_lines_sink;
    o.failed_userdata = &fs;
    cli_progress prog;
    mirs_iter *it = NULL;
    size_t total = 0;
    if (mirs_iter_new(ds, &f.filter, &it) == MIRS_OK) {
        total = mirs_iter_count(it);
        mirs_iter_free(it);
    }
    size_t written = 0;
    /* The tool writes --out itself (not mirs_prompt_write_file) so that its temporary file is the one
     * removed on SIGINT/SIGTERM and found stale by the next run. */
    cli_out of = {stdout, NULL, NULL, false};
    if ((rc = cli_out_open(&of, out)) != CLI_EXIT_OK) {
        if (failed_path) cli_out_close(&fo, false);
        free(failed_default);
        mirs_dataset_free(ds);
        mirs_template_free(tmpl);
        goto done;
    }
    /* Lines go to standard output or to the temporary file of an atomic --out. */
    cli_lines s = {of.f, 0};
    if (out) {
        cli_progress_start(&prog, "prompts", total);
        o.progress = cli_progress_cb;
        o.progress_userdata = &prog;
    }
    st = mirs_prompt_write(ds, &f.filter, &o, cli_lines_sink, &s, &written);
    if (out) {
        if (st)
            cli_progress_stop(&prog); /* a failed run does not show a full bar */
        else
            cli_progress_finish(&prog);
    }
    bool close_failed = cli_out_close(&of, st == MIRS_OK) != CLI_EXIT_OK && !st; /* message printed */
    bool failed_io = failed_path && cli_out_close(&fo, st == MIRS_OK && !close_failed) != CLI_EXIT_OK && !st &&
                     !close_failed; /* message printed */
    if (close_failed) {
        rc = CLI_EXIT_FAILURE;
        st = MIRS_E_IO;
    } else if (failed_io) {
        rc = CLI_EXIT_FAILURE;
    } else if (st) {
        rc = cli_fail(st, out ? out : "writing prompts");
    } else if (out) {
        if (json)
            printf("{\"lines\":%zu,\"failed\":%zu,\"format\":\"%s\",\"variant\":\"%s\"}\n", written, fs.n,
                   mirs_prompt_format_name(o.format), mirs_prompt_variant_name(o.variant));
        else
            fprintf(stderr, "wrote %zu lines (%s, %s)\n", written, mirs_prompt_format_name(o.format),
                    mirs_prompt_variant_name(o.variant));
    }
    if (!st && fs.n)
        fprintf(stderr,
                "warning: %zu items failed as the official adapters fail them (missing image...): records in %s\n",
                fs.n, failed_path ? failed_path : "standard error");
    free(failed_default);
    mirs_dataset_free(ds);
    mirs_template_free(tmpl);
done:
    cli_filter_free(&f);
    return rc;
}
