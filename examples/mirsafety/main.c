/* mirsafety: the command-line face of libmirsafety. Each verb lives in the
 * cli_<module>.c file of its module; this file only dispatches. */
#include "cli.h"

#include <string.h>
#include <unistd.h>

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

static const char version_usage[] = "usage: mirsafety version   (also: mirsafety --version, mirsafety -V)\n"
                                    "Prints the tool's version and the version of the library it runs on.\n";

static int cli_version(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(version_usage, stdout);
            return CLI_EXIT_OK;
        }
        return cli_usage_error("version", "unexpected argument '%s'", argv[i]);
    }
    printf("mirsafety %s (library %s)\n", MIRS_VERSION_STRING, mirs_version_string());
    return CLI_EXIT_OK;
}

/* Verbs that do their work without arguments; every other verb run bare
 * prints its usage to stderr and exits 2. */
static const char *const runs_bare[] = {"demo", "strip", "version"};

static void usage(FILE *f)
{
    fprintf(f, "usage: mirsafety VERB [options]   ('mirsafety help VERB' or 'mirsafety VERB --help' for a verb's "
               "options)\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (verbs[i].fn) fprintf(f, "  %-16s %s\n", verbs[i].name, verbs[i].help);
    fprintf(f, "\noptions: -h, --help (this text), -V, --version\n");
    fprintf(f, "exit codes: 0 success, 1 problems found, 2 usage error, 3 library error\n");
}

static const struct verb *find_verb(const char *name)
{
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcmp(name, verbs[i].name) == 0) return &verbs[i];
    return NULL;
}

/* A verb's --help, on stderr (a bare verb) or stdout (mirsafety help VERB). */
static int verb_help(const struct verb *v, bool to_stderr)
{
    char *av[] = {(char *)v->name, "--help", NULL};
    fflush(stdout);
    int saved = to_stderr ? dup(STDOUT_FILENO) : -1;
    if (saved >= 0) dup2(STDERR_FILENO, STDOUT_FILENO);
    int rc = v->fn(2, av);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (cli_is_help(argv[1]) || (strcmp(argv[1], "help") == 0 && argc == 2)) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) return cli_version(argc - 1, argv + 1);
    bool help = strcmp(argv[1], "help") == 0;
    if (help && argc > 3) return cli_usage_error("help", "one VERB at a time");
    const char *name = help ? argv[2] : argv[1];
    const struct verb *v = find_verb(name);
    if (!v) {
        fprintf(stderr, "mirsafety: unknown verb '%s'\n", name);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!v->fn) {
        fprintf(stderr, "mirsafety: '%s' is not available in this build\n", name);
        return CLI_EXIT_USAGE;
    }
    if (help) return verb_help(v, false);
    if (argc == 2) {
        bool bare_ok = false;
        for (size_t i = 0; i < sizeof runs_bare / sizeof *runs_bare; i++) bare_ok |= strcmp(name, runs_bare[i]) == 0;
        if (!bare_ok) {
            verb_help(v, true);
            return CLI_EXIT_USAGE;
        }
    }
    return v->fn(argc - 1, argv + 1);
}
