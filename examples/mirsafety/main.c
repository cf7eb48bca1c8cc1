/* mirsafety: the command-line face of libmirsafety. Each verb lives in the
 * cli_<module>.c file of its module; this file only dispatches. */
#include "cli.h"

#include <string.h>

static int cli_version(int argc, char **argv);

/* Each module's verbs are defined in its cli_<module>.c; weak references
 * let the tool build while a module is configured out (e.g. -Dpng=disabled
 * still builds the dataset verbs), and such a verb then says so. */
#define VERB(name) int name(int argc, char **argv) __attribute__((weak));
VERB(cli_info)
VERB(cli_list)
VERB(cli_validate)
VERB(cli_image)
VERB(cli_prompts)
VERB(cli_strip)
VERB(cli_judge_prompts)
VERB(cli_score)
VERB(cli_report)
VERB(cli_compare)
VERB(cli_entropy)
VERB(cli_entropy_compare)
VERB(cli_demo)
VERB(cli_run)
VERB(cli_judge)
#undef VERB

static const struct verb {
    const char *name;
    cli_verb_fn fn;
    const char *help;
} verbs[] = {
    {"demo", cli_demo, "run the whole pipeline on the bundled sample and write the report"},
    {"info", cli_info, "counts, images, checksum and diagnostics of a dataset"},
    {"list", cli_list, "one item key per line, in iteration order"},
    {"validate", cli_validate, "check a dataset; one line per problem"},
    {"image", cli_image, "image info and conversion (image info FILE, image convert IN OUT)"},
    {"prompts", cli_prompts, "write model prompts or API requests for a dataset as JSONL"},
    {"run", cli_run, "send a dataset's requests to a served model; resumable responses file"},
    {"judge", cli_judge, "send judge requests for responses to a served judge; resumable"},
    {"strip", cli_strip, "strip reasoning traces from stdin to stdout"},
    {"judge-prompts", cli_judge_prompts, "write judge prompts or judge request files"},
    {"score", cli_score, "turn responses and judge outputs into verdicts in a result store"},
    {"report", cli_report, "attack success rates with intervals from verdict stores or official results"},
    {"compare", cli_compare, "compare two models, two judges, or many models against a capability score"},
    {"entropy", cli_entropy, "attention-entropy statistics of a .npy or .safetensors file"},
    {"entropy-compare", cli_entropy_compare, "safe vs unsafe group tests on entropy accumulators"},
    {"version", cli_version, "print the library and tool version"},
};

static int cli_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("mirsafety %s (library %s)\n", MIRS_VERSION_STRING, mirs_version_string());
    return CLI_EXIT_OK;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mirsafety VERB [options]   ('mirsafety VERB --help' for a verb's options)\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (verbs[i].fn) fprintf(f, "  %-16s %s\n", verbs[i].name, verbs[i].help);
    fprintf(f, "\nexit codes: 0 success, 1 problems found, 2 usage error, 3 library error\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_is_help(argv[1])) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) return cli_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(argv[1], verbs[i].name) == 0) {
            if (!verbs[i].fn) {
                fprintf(stderr, "mirsafety: '%s' is not available in this build\n", argv[1]);
                return CLI_EXIT_USAGE;
            }
            return verbs[i].fn(argc - 1, argv + 1);
        }
    fprintf(stderr, "mirsafety: unknown verb '%s'\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
