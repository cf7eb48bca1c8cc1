/* mirsafety: the command-line face of libmirsafety. Each verb lives in the
 * cli_<module>.c file of its module; this file only dispatches. */
#include "cli.h"

#include <string.h>

static int cli_version(int argc, char **argv);

static const struct verb {
    const char *name;
    cli_verb_fn fn;
    const char *help;
} verbs[] = {
    {"info", cli_info, "counts, images, checksum and diagnostics of a dataset"},
    {"list", cli_list, "one item key per line, in iteration order"},
    {"validate", cli_validate, "check a dataset; one line per problem"},
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
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) fprintf(f, "  %-16s %s\n", verbs[i].name, verbs[i].help);
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
        if (strcmp(argv[1], verbs[i].name) == 0) return verbs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "mirsafety: unknown verb '%s'\n", argv[1]);
    usage(stderr);
    return CLI_EXIT_USAGE;
}
