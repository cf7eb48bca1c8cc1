/* Shared option handling, errors and progress for the mirsafety tool. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The library's messages speak to C callers; the tool's users get its flags instead. */
static const struct {
    const char *c, *tool;
} hints[] = {
    {"open with MIRS_TORN_TRUNCATE to cut them away", "rerun 'mirsafety score' with --repair to cut them away"},
    {"repair it by opening it for writing with MIRS_TORN_TRUNCATE first",
     "repair it first: 'mirsafety score --store FILE ... --repair' cuts the torn record away"},
};

int cli_fail(int status, const char *what)
{
    const char *msg = mirs_error_last();
    size_t wl = what ? strlen(what) : 0;
    /* The library's messages name their file first: name it once. */
    bool named = wl && strncmp(msg, what, wl) == 0 && msg[wl] == ':';
    char buf[2048];
    for (size_t k = 0; k < sizeof hints / sizeof *hints; k++) {
        const char *at = strstr(msg, hints[k].c);
        if (!at) continue;
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - msg), msg, hints[k].tool, at + strlen(hints[k].c));
        msg = buf;
        break;
    }
    if (named || !wl)
        fprintf(stderr, "mirsafety: %s [%s]\n", msg, mirs_status_str(status));
    else
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", what, msg, mirs_status_str(status));
    return CLI_EXIT_FAILURE;
}

int cli_usage_bare(const char *usage)
{
    fputs(usage, stderr);
    return CLI_EXIT_USAGE;
}

int cli_out_option(int argc, char **argv, int *i, const char **val)
{
    int r = cli_opt_value("-o", argc, argv, i, val);
    return r ? r : cli_opt_value("--out", argc, argv, i, val);
}

/* ---- temporary files removed on the signals that end a run ---- */

enum { CLEANUP_MAX = 16, CLEANUP_PATH = 4096 };
static char cleanup_paths[CLEANUP_MAX][CLEANUP_PATH];
static volatile sig_atomic_t cleanup_used[CLEANUP_MAX];
static bool cleanup_handlers;
static char stdin_dir[CLEANUP_PATH - 64], stdin_file[CLEANUP_PATH]; /* "-": the copy of standard input */
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};

static void cleanup_on_signal(int sig)
{
    for (int k = 0; k < CLEANUP_MAX; k++)
        if (cleanup_used[k]) unlink(cleanup_paths[k]); /* async-signal-safe */
    if (stdin_dir[0]) rmdir(stdin_dir);
    signal(sig, SIG_DFL);
    raise(sig); /* die of the signal, as the shell expects */
}

void cli_cleanup_add(const char *path)
{
    if (!path || strlen(path) >= CLEANUP_PATH) return;
    if (!cleanup_handlers) {
        cleanup_handlers = true;
        for (size_t k = 0; k < sizeof cleanup_signals / sizeof *cleanup_signals; k++) {
            struct sigaction sa, old;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = cleanup_on_signal;
            sigemptyset(&sa.sa_mask);
            /* A signal the caller ignores (nohup, a shell's SIGPIPE) stays ignored. */
            if (sigaction(cleanup_signals[k], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
            sigaction(cleanup_signals[k], &sa, NULL);
        }
    }
    for (int k = 0; k < CLEANUP_MAX; k++)
        if (!cleanup_used[k]) {
            memcpy(cleanup_paths[k], path, strlen(path) + 1);
            cleanup_used[k] = 1;
            return;
        }
}

void cli_cleanup_remove(const char *path)
{
    for (int k = 0; path && k < CLEANUP_MAX; k++)
        if (cleanup_used[k] && strcmp(cleanup_paths[k], path) == 0) {
            cleanup_used[k] = 0;
            return;
        }
}

size_t cli_out_clean_stale(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[CLEANUP_PATH];
    const char *base = slash ? slash + 1 : path;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path);
    else
        snprintf(dir, sizeof dir, ".");
    size_t bl = strlen(base), removed = 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    for (struct dirent *e; (e = readdir(d));) {
        const char *n = e->d_name;
        if (strncmp(n, base, bl) != 0 || strncmp(n + bl, ".tmp.", 5) != 0) continue;
        char *end;
        errno = 0;
        long pid = strtol(n + bl + 5, &end, 10);
        if (*end || end == n + bl + 5 || errno || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* its writer may still be running */
        char full[2 * CLEANUP_PATH];
        snprintf(full, sizeof full, "%s%s", slash ? dir : "", n);
        if (unlink(full) == 0) removed++;
    }
    closedir(d);
    return removed;
}

int cli_out_open(cli_out *o, const char *path)
{
    o->f = stdout;
    o->path = NULL;
    o->tmp = NULL;
    o->direct = false;
    if (!path || strcmp(path, "-") == 0) return CLI_EXIT_OK;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* A temporary file renamed over a device would replace it (as root, /dev/null itself): write in place. A
         * FIFO nobody reads fails at once rather than hanging. */
        int fd = S_ISDIR(sb.st_mode) ? -1 : open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        int fl = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
        if (fd < 0 || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || !(o->f = fdopen(fd, "wb"))) {
            fprintf(stderr, "mirsafety: %s: %s [%s]\n", path, S_ISDIR(sb.st_mode) ? "is a folder" : strerror(errno),
                    mirs_status_str(MIRS_E_IO));
            if (fd >= 0) close(fd);
            o->f = stdout;
            return CLI_EXIT_FAILURE;
        }
        o->path = path;
        o->direct = true;
        return CLI_EXIT_OK;
    }
    size_t n = strlen(path) + 32;
    if (!(o->tmp = malloc(n))) return cli_fail(MIRS_E_NO_MEMORY, path);
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    size_t stale = cli_out_clean_stale(path);
    if (stale)
        fprintf(stderr, "mirsafety: removed %zu temporary file%s of %s left by an interrupted run\n", stale,
                stale == 1 ? "" : "s", path);
    cli_cleanup_add(o->tmp);
    if (!(o->f = fopen(o->tmp, "wb"))) {
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", path, strerror(errno), mirs_status_str(MIRS_E_IO));
        cli_cleanup_remove(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        o->f = stdout;
        return CLI_EXIT_FAILURE;
    }
    o->path = path;
    return CLI_EXIT_OK;
}

int cli_out_close(cli_out *o, bool ok)
{
    if (o->direct) {
        bool bad = ferror(o->f) || fclose(o->f) != 0;
        o->direct = false;
        o->f = stdout;
        if (bad && ok) {
            fprintf(stderr, "mirsafety: %s: %s [%s]\n", o->path, strerror(errno ? errno : EIO),
                    mirs_status_str(MIRS_E_IO));
            return CLI_EXIT_FAILURE;
        }
        return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    if (!o->tmp) {
        if (fflush(stdout) != 0 && ok) {
            fprintf(stderr, "mirsafety: standard output: %s\n", strerror(errno));
            return CLI_EXIT_FAILURE;
        }
        return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    int rc = CLI_EXIT_OK;
    errno = 0;
    bool bad = ferror(o->f) || fflush(o->f) != 0 || fsync(fileno(o->f)) != 0;
    if (fclose(o->f) != 0) bad = true;
    if (ok && (bad || rename(o->tmp, o->path) != 0)) {
        fprintf(stderr, "mirsafety: %s: %s [%s]\n", o->path, strerror(errno ? errno : EIO), mirs_status_str(MIRS_E_IO));
        rc = CLI_EXIT_FAILURE;
    }
    if (!ok || rc) unlink(o->tmp);
    cli_cleanup_remove(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    o->f = stdout;
    return ok ? rc : CLI_EXIT_FAILURE;
}

/* ---- "-" for standard input ---- */

static int input_rc = CLI_EXIT_FAILURE;

int cli_input_failed(void) { return input_rc; }

static void stdin_cleanup(void)
{
    if (stdin_file[0]) unlink(stdin_file);
    if (stdin_dir[0]) rmdir(stdin_dir);
}

const char *cli_input_path(const char *verb, const char *path)
{
    if (!path || strcmp(path, "-") != 0) return path;
    if (stdin_file[0]) {
        input_rc = cli_usage_error(verb, "standard input ('-') can be read only once");
        return NULL;
    }
    input_rc = CLI_EXIT_FAILURE;
    /* The library reads files by name (it maps, probes and seeks them): standard input goes to a
     * private copy first, in the current folder so that a manifest's relative image paths mean
     * what they mean to the user (they are relative to the manifest's folder), else in TMPDIR
     * (the tool, not the library, reads the environment). */
    char head[16] = {0};
    size_t hn = fread(head, 1, sizeof head, stdin);
    /* A name the library's readers recognise by its extension; the content decides the rest. */
    const char *ext = hn >= 6 && memcmp(head, "\x93NUMPY", 6) == 0 ? ".npy"
                      : hn >= 9 && head[8] == '{'                  ? ".safetensors"
                                                                   : "";
    snprintf(stdin_file, sizeof stdin_file, ".mirsafety-stdin-XXXXXX%s", ext);
    int fd = mkstemps(stdin_file, (int)strlen(ext));
    if (fd < 0) {
        const char *t = getenv("TMPDIR");
        snprintf(stdin_dir, sizeof stdin_dir, "%s/mirsafety-stdin.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(stdin_dir)) {
            fprintf(stderr, "mirsafety: standard input: cannot create a temporary file: %s\n", strerror(errno));
            stdin_dir[0] = stdin_file[0] = '\0';
            return NULL;
        }
        snprintf(stdin_file, sizeof stdin_file, "%s/stdin%s", stdin_dir, ext);
        fd = open(stdin_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    atexit(stdin_cleanup);
    cli_cleanup_add(stdin_file);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    bool ok = f && fwrite(head, 1, hn, f) == hn;
    char buf[65536];
    for (size_t n; ok && (n = fread(buf, 1, sizeof buf, stdin)) > 0;) ok = fwrite(buf, 1, n, f) == n;
    if (ferror(stdin)) ok = false;
    if (f && fclose(f) != 0) ok = false;
    if (!f && fd >= 0) close(fd);
    if (!ok) {
        fprintf(stderr, "mirsafety: standard input: cannot copy it to %s: %s\n", stdin_file, strerror(errno));
        return NULL;
    }
    return stdin_file;
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
        if (mirs_category_from_name(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown category '%s'", v), -1;
        f->filter.categories |= 1u << id;
        return 1;
    }
    if ((r = cli_opt_value("--relation", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--relation needs a value"), -1;
        if (mirs_relation_from_name(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown relation '%s'", v), -1;
        f->filter.relations |= 1u << id;
        return 1;
    }
    if ((r = cli_opt_value("--group", argc, argv, i, &v))) {
        if (r < 0) return cli_usage_error(verb, "--group needs a value"), -1;
        if (mirs_group_from_name(v, &id) != MIRS_OK) return cli_usage_error(verb, "unknown group '%s'", v), -1;
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
    p->columns = 0;
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
    /* Asked at every draw: the window may have been resized since. */
    struct winsize ws;
    int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    if (cols > 200) cols = 200;
    char tail[96];
    int tn = snprintf(tail, sizeof tail, " %zu/%zu %.1fs", done, p->total, cli_seconds() - p->start);
    /* The line stays below the last column, where a terminal would wrap: label (18) " [" bar (30) "]" tail,
     * the bar shrinking to 10 first, then the label, then the bar again. */
    int room = cols - 1 - tn, lw = 18, bw = 30;
    if ((int)strlen(p->label) > lw) lw = (int)strlen(p->label);
    if (lw + 3 + bw > room) bw = room - lw - 3;
    if (bw < 10) {
        bw = 10;
        lw = room - 3 - bw;
        if (lw < 1) {
            lw = 0;
            bw = room - 2;
        }
    }
    char line[256];
    if (bw < 1) { /* not even a bar: the counts, cut to the width */
        snprintf(line, sizeof line, "\r%.*s", cols - 1 > 0 ? cols - 1 : 0, tail + 1);
    } else {
        int fill = p->total ? (int)((double)done / (double)p->total * bw) : bw;
        char bar[64];
        for (int k = 0; k < bw; k++) bar[k] = k < fill ? '#' : '.';
        bar[bw] = '\0';
        if (lw)
            snprintf(line, sizeof line, "\r%-*.*s [%s]%s", lw, lw, p->label, bar, tail);
        else
            snprintf(line, sizeof line, "\r[%s]%s", bar, tail);
    }
    p->columns = cols;
    /* One write per draw: stderr is unbuffered, and a write per character
     * costs a terminal round trip each. */
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

int cli_lines_sink(void *userdata, const char *line, size_t len)
{
    cli_lines *s = userdata;
    if (fwrite(line, 1, len, s->f) != len) return MIRS_E_IO;
    s->n++;
    return MIRS_OK;
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
