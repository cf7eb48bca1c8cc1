/* Shared pieces of the mirsafety tool: exit codes, errors, filter options,
 * progress bars. Each module's verbs live in cli_<module>.c. */
#ifndef MIRS_CLI_H
#define MIRS_CLI_H

#include <mirsafety/mirsafety.h>

#include <stdbool.h>
#include <stdio.h>

/* Exit codes a script can rely on (docs/cli.md). */
#define CLI_EXIT_OK 0       /* success */
#define CLI_EXIT_PROBLEMS 1 /* the command ran and found problems (validate, compare) */
#define CLI_EXIT_USAGE 2    /* bad command line */
#define CLI_EXIT_FAILURE 3  /* the library reported an error (message on stderr) */

typedef int (*cli_verb_fn)(int argc, char **argv);

/* Prints "mirsafety: <what>: <library message> [STATUS]" to stderr; returns CLI_EXIT_FAILURE.
 * A path is named once: when the library's message already starts with what, what is not repeated.
 * Hints of the library's message that name C constants are given as the tool's flags
 * ("open with MIRS_TORN_TRUNCATE" -> "run 'mirsafety score' with --repair"). */
int cli_fail(int status, const char *what);
/* Prints "mirsafety <verb>: <message>" and a pointer to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Filter options shared by every verb that walks a dataset:
 * --category C, --relation R, --group G (repeatable, lenient names),
 * --key K (repeatable), --shard K/N, --shuffle SEED. */
typedef struct cli_filter {
    mirs_filter filter;
    const char **keys;
    size_t nkeys;
} cli_filter;
void cli_filter_init(cli_filter *f);
void cli_filter_free(cli_filter *f);
/* If argv[*i] is a filter option, consumes it (and its value), advances *i
 * and returns 1; returns 0 if it is not one; returns -1 after printing a
 * usage error. */
int cli_filter_option(cli_filter *f, const char *verb, int argc, char **argv, int *i);
extern const char cli_filter_help[];

/* Fetches the value of an option that takes one: "--opt VALUE" or "--opt=VALUE".
 * Returns 1 and sets *val when argv[*i] is opt, 0 when it is not, -1 when the value is missing. */
int cli_opt_value(const char *opt, int argc, char **argv, int *i, const char **val);
bool cli_is_help(const char *arg);
/* "-o FILE", "--out FILE", "-o=FILE", "--out=FILE": every verb that writes a file takes both spellings. */
int cli_out_option(int argc, char **argv, int *i, const char **val);
/* For a verb run with no arguments at all when it needs some: prints its usage to stderr and
 * returns CLI_EXIT_USAGE (stdout stays empty, as for every usage error). */
int cli_usage_bare(const char *usage);

/* An output file written atomically: "<path>.tmp.<pid>" beside it, renamed over it only when
 * everything was written. The temporary file is removed on failure, on SIGINT, SIGTERM, SIGHUP
 * and SIGPIPE (the handler unlinks it and dies of the signal), and temporary files of the same
 * output left by a process that no longer exists (a kill -9, a power cut) are removed when the
 * next run opens it. path NULL or "-" is standard output. */
typedef struct cli_out {
    FILE *f;
    const char *path;
    char *tmp;
    bool direct; /* path is a device, FIFO or socket (/dev/null, /dev/stdout): written in place, never renamed over */
} cli_out;
int cli_out_open(cli_out *o, const char *path);
/* Commits (ok) or removes the temporary file; CLI_EXIT_OK or CLI_EXIT_FAILURE (message printed). */
int cli_out_close(cli_out *o, bool ok);
/* Removes "<path>.tmp.<pid>" files whose process is gone; returns how many. */
size_t cli_out_clean_stale(const char *path);
/* Registers a file to remove when the tool is killed by SIGINT/SIGTERM/SIGHUP/SIGPIPE (at most 16 at
 * once), and forgets it again. For files the tool writes through a library call. */
void cli_cleanup_add(const char *path);
void cli_cleanup_remove(const char *path);

/* An input file argument: "-" is standard input, copied to a private temporary file (removed at
 * exit and on the signals above) whose path is returned; any other path is returned as is. NULL
 * after printing the error. Standard input can be read once: a second "-" is a usage error. */
const char *cli_input_path(const char *verb, const char *path);
/* The exit code after cli_input_path() returned NULL: CLI_EXIT_USAGE or CLI_EXIT_FAILURE. */
int cli_input_failed(void);

/* One accepted value of an option and what it stands for. */
typedef struct cli_choice {
    const char *name;
    int value;
} cli_choice;
/* Sets *out to the value of v's entry in choices (ended by a NULL name);
 * returns 0, or -1 (and leaves *out alone) when v is not one of them. */
int cli_choose(const char *v, const cli_choice *choices, int *out);

/* Opens a file the tool reads itself (the library opens the others) the way
 * the library does: O_NONBLOCK so that a FIFO cannot block open(), then
 * anything but a regular file is refused. NULL after printing
 * "mirsafety: <path>: not a regular file [MIRS_E_IO]" or the open error.
 * (The library's helper is internal: the tool links only the public API.) */
FILE *cli_fopen_regular(const char *path);

/* Monotonic clock, in seconds. */
double cli_seconds(void);

/* Writes s[0..n) as a JSON string, escaped exactly as cJSON_PrintUnformatted
 * does, but with its length: a U+0000 in it becomes "\u0000" instead of
 * ending the string (cJSON strings are C strings). */
void cli_json_put_string(FILE *f, const char *s, size_t n);

/* A progress bar on stderr, drawn only when stderr is a terminal, in one line that fits its
 * width (TIOCGWINSZ; 80 columns when the terminal does not say): the bar shrinks first, then the
 * label, so that a redraw never wraps. */
typedef struct cli_progress {
    const char *label;
    size_t total, done, last_drawn;
    int columns;
    bool enabled, drawn;
    double start;
} cli_progress;
void cli_progress_start(cli_progress *p, const char *label, size_t total);
void cli_progress_update(cli_progress *p, size_t done);
void cli_progress_finish(cli_progress *p);
/* Ends the bar's line where it stands (after an error: the bar is not filled). */
void cli_progress_stop(cli_progress *p);
/* A library progress callback (mirs_prompt_progress_fn, mirs_score_progress_fn)
 * whose userdata is a cli_progress. */
void cli_progress_cb(void *userdata, size_t done, size_t total);

/* A library line sink (mirs_prompt_sink_fn) whose userdata is a cli_lines:
 * writes each line to f and counts it (MIRS_E_IO when a write fails). */
typedef struct cli_lines {
    FILE *f;
    size_t n;
} cli_lines;
int cli_lines_sink(void *userdata, const char *line, size_t len);

#endif
