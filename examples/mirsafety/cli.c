/* Shared option handling, errors and progress for the mirsafety tool. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_fail(int status, const char *what)
{
    fprintf(stderr, "mirsafety: %s: %s [%s]\n", what, mirs_error_last(), mirs_status_str(status));
    return CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mirsafety %s: ", verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'mirsafety %s --help')\n", verb);
    return CLI_EXIT_USAGE;
}

bool cli_is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

int cli_choose(const char *v, const cli_choice *choices, int *out)
{
    for (; choices->name; choices++)
        if (strcmp(v, choices->name) == 0) {
            *out = choices->value;
            return 0;
        }
    return -1;
}

int cli_opt_value(const char *opt, int argc, char **argv, int *i, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) != 0) return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0') return 0;
    if (*i + 1 >= argc) return -1;
    *val = argv[++*i];
    return 1;
}

const char cli_filter_help[] =
    "  --category C      keep only category C (repeatable; e.g. Self-Harm, \"self harm\")\n"
    "  --relation R      keep only relation R (repeatable; e.g. Temporal_Jump)\n"
    "  --group G         keep only relation group G (repeatable: temporal, spatial, semantic, logical)\n"
    "  --key K           keep only item key K (repeatable)\n"
    "  --shard K/N       keep shard K of N (0-based; a stable hash of the key)\n"
    "  --shuffle SEED    seeded order, the same on every machine\n";

void cli_filter_init(cli_filter *f)
{
    memset(f, 0, sizeof *f);
    mirs_filter_init(&f->filter, sizeof f->filter);
}

void cli_filter_free(cli_filter *f) { free(f->keys); }

int cli_filter_option(cli_filter *f, const char *verb, int argc, char **argv, int *i)
{
    const char *v;
    int r;
    int32_t id;
    if ((r = cli_opt_value("--category", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--category needs a value"), -1;
        if (mirs_category_parse(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown category '%s'", v), -1;
        f->filter.categories |= 1u << id;
        return 1;
    }
    if ((r = cli_opt_value("--relation", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--relation needs a value"), -1;
        if (mirs_relation_parse(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown relation '%s'", v), -1;
        f->filter.relations |= 1u << id;
        return 1;
    }
    if ((r = cli_opt_value("--group", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--group needs a value"), -1;
        if (mirs_group_parse(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown group '%s'", v), -1;
        f->filter.groups |= 1u << id;
        return 1;
    }
    if ((r = cli_opt_value("--key", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--key needs a value"), -1;
        const char **nk = realloc(f->keys, (f->nkeys + 1) * sizeof *nk);
        if (!nk) return cli_usage_error(verb, "out of memory"), -1;
        f->keys = nk;
        f->keys[f->nkeys++] = v;
        f->filter.keys = f->keys;
        f->filter.key_count = f->nkeys;
        return 1;
    }
    if ((r = cli_opt_value("--shard", argc, argv, i, &v))) {
        unsigned k, n;
        char tail;
        if (r < 0 || sscanf(v, "%u/%u%c", &k, &n, &tail) != 2 || n == 0 || k >= n)
            return cli_usage_error(verb, "--shard wants K/N with 0 <= K < N, got '%s'", r < 0 ? "" : v), -1;
        f->filter.shard_index = k;
        f->filter.shard_count = n;
        return 1;
    }
    if ((r = cli_opt_value("--shuffle", argc, argv, i, &v))) {
        char *end;
        if (r < 0 || !*v) return cli_usage_error(verb, "--shuffle needs a seed"), -1;
        unsigned long long seed = strtoull(v, &end, 10);
        if (*end) return cli_usage_error(verb, "--shuffle wants an unsigned integer seed, got '%s'", v), -1;
        f->filter.shuffle = 1;
        f->filter.seed = seed;
        return 1;
    }
    return 0;
}

double cli_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_start(cli_progress *p, const char *label, size_t total)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->total = total;
    p->enabled = isatty(STDERR_FILENO) && !getenv("MIRSAFETY_NO_PROGRESS");
    p->start = cli_seconds();
}

void cli_progress_update(cli_progress *p, size_t done)
{
    p->done = done;
    if (!p->enabled) return;
    /* Redraw at most ~200 times over the whole job. */
    size_t step = p->total / 200 + 1;
    if (done != p->total && done - p->last_drawn < step && done > p->last_drawn) return;
    p->last_drawn = done;
    p->drawn = true;
    enum { width = 30 };
    int fill = p->total ? (int)((double)done / (double)p->total * width) : width;
    char bar[width + 1];
    for (int k = 0; k < width; k++) bar[k] = k < fill ? '#' : '.';
    bar[width] = '\0';
    /* One write per draw: stderr is unbuffered, and a write per character
     * costs a terminal round trip each. */
    char line[160];
    snprintf(line, sizeof line, "\r%-18s [%s] %zu/%zu %.1fs", p->label, bar, done, p->total, cli_seconds() - p->start);
    fputs(line, stderr);
    fflush(stderr);
}

void cli_progress_finish(cli_progress *p)
{
    if (!p->enabled) return;
    cli_progress_update(p, p->total);
    fputc('\n', stderr);
}

void cli_progress_stop(cli_progress *p)
{
    if (p->enabled && p->drawn) fputc('\n', stderr);
    p->enabled = false;
}

void cli_progress_cb(void *userdata, size_t done, size_t total)
{
    (void)total;
    cli_progress_update((cli_progress *)userdata, done);
}

FILE *cli_fopen_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", path, strerror(errno),
                mirs_status_str(errno == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO));
        return NULL;
    }
    struct stat st;
    int fl;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((fl = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
        why = strerror(errno);
    if (why) {
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", path, why, mirs_status_str(MIRS_E_IO));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", path, strerror(errno), mirs_status_str(MIRS_E_IO));
        close(fd);
    }
    return f;
}

void cli_json_put_string(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 32)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}
