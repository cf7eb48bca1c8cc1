/* mirsafety strip: reasoning-trace stripping from stdin to stdout, with
 * the official MIR-SafetyBench rules or configured tag pairs. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define STRIP_MAX_INPUT ((size_t)1 << 30)

static const char strip_help[] =
    "usage: mirsafety strip [--mode mir|glm|glm-raw|tags|whitespace] [--tags OPEN,CLOSE]... [--finish-reason R]\n"
    "                       [--unterminated keep|empty|before] [--json]\n"
    "\n"
    "Reads one model answer from stdin (UTF-8) and writes the part a judge sees to stdout.\n"
    "  --mode mir         the official judge's extract_answer_only() (default)\n"
    "  --mode glm         the official GLM-4.1V adapter's extract_glm_answer()\n"
    "  --mode glm-raw     a raw GLM-4.1V output as the official pipeline judges it:\n"
    "                     extract_answer_only(extract_glm_answer(raw))\n"
    "  --mode tags        everything after the last closing tag of the tag pairs\n"
    "                     (default pairs <think>,</think> and "
    "\xE2\x97\x81think\xE2\x96\xB7,\xE2\x97\x81/think\xE2\x96\xB7)\n"
    "  --mode whitespace  only Python's str.strip()\n"
    "  --tags OPEN,CLOSE  a tag pair (repeatable, at most 16; implies --mode tags)\n"
    "  --unterminated P   --mode tags: what an unclosed opening tag leaves: keep (the text, as the\n"
    "                     official code does), empty, or before (the text before the tag)\n"
    "  --finish-reason R  the generation's finish_reason; \"length\" flags the answer as truncated\n"
    "  --json             print {\"answer\", \"start\", \"end\", \"flags\": [...]} instead of the text\n"
    "Exit: 0 ok, 2 usage, 3 error (e.g. invalid UTF-8, with its byte offset).\n";

static int read_stdin(char **data, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) return -1;
    for (;;) {
        if (n == cap) {
            if (cap >= STRIP_MAX_INPUT) {
                free(buf);
                return -2;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, stdin);
        n += r;
        if (r == 0) break;
    }
    if (ferror(stdin)) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

int cli_strip(int argc, char **argv);
int cli_strip(int argc, char **argv)
{
    const char *verb = "strip";
    int32_t mode = -1;
    bool json = false;
    const char *opens[MIRS_STRIP_MAX_TAGS], *closes[MIRS_STRIP_MAX_TAGS];
    char *tagbuf[MIRS_STRIP_MAX_TAGS];
    size_t ntags = 0;
    mirs_strip_options o = MIRS_STRIP_OPTIONS_INIT;
    int rc = CLI_EXIT_OK;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (cli_is_help(argv[i])) {
            fputs(strip_help, stdout);
            goto done;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if ((r = cli_opt_value("--mode", argc, argv, &i, &v))) {
            if (r < 0) {
                rc = cli_usage_error(verb, "--mode needs a value");
                goto done;
            }
            if (strcmp(v, "mir") == 0)
                mode = MIRS_STRIP_MIR;
            else if (strcmp(v, "glm") == 0)
                mode = MIRS_STRIP_GLM;
            else if (strcmp(v, "glm-raw") == 0)
                mode = MIRS_STRIP_GLM_RAW;
            else if (strcmp(v, "tags") == 0)
                mode = MIRS_STRIP_TAGS;
            else if (strcmp(v, "whitespace") == 0)
                mode = MIRS_STRIP_WHITESPACE;
            else {
                rc = cli_usage_error(verb, "unknown --mode '%s' (mir, glm, glm-raw, tags, whitespace)", v);
                goto done;
            }
        } else if ((r = cli_opt_value("--tags", argc, argv, &i, &v))) {
            const char *comma = r > 0 ? strchr(v, ',') : NULL;
            if (!comma || comma == v || !comma[1]) {
                rc = cli_usage_error(verb, "--tags needs OPEN,CLOSE");
                goto done;
            }
            if (ntags == MIRS_STRIP_MAX_TAGS) {
                rc = cli_usage_error(verb, "at most %d --tags", MIRS_STRIP_MAX_TAGS);
                goto done;
            }
            size_t vl = strlen(v);
            char *t = malloc(vl + 1);
            if (t) memcpy(t, v, vl + 1);
            if (!t) {
                rc = cli_fail(MIRS_E_NO_MEMORY, "strip");
                goto done;
            }
            t[comma - v] = '\0';
            tagbuf[ntags] = t;
            opens[ntags] = t;
            closes[ntags] = t + (comma - v) + 1;
            ntags++;
        } else if ((r = cli_opt_value("--finish-reason", argc, argv, &i, &v))) {
            if (r < 0) {
                rc = cli_usage_error(verb, "--finish-reason needs a value");
                goto done;
            }
            o.finish_reason = v;
        } else if ((r = cli_opt_value("--unterminated", argc, argv, &i, &v))) {
            if (r > 0 && strcmp(v, "keep") == 0)
                o.unterminated = MIRS_STRIP_UNTERMINATED_KEEP;
            else if (r > 0 && strcmp(v, "empty") == 0)
                o.unterminated = MIRS_STRIP_UNTERMINATED_EMPTY;
            else if (r > 0 && strcmp(v, "before") == 0)
                o.unterminated = MIRS_STRIP_UNTERMINATED_BEFORE;
            else {
                rc = cli_usage_error(verb, "--unterminated takes keep, empty or before");
                goto done;
            }
        } else {
            rc = cli_usage_error(verb, "unknown argument '%s'", argv[i]);
            goto done;
        }
    }
    if (mode < 0) mode = ntags ? MIRS_STRIP_TAGS : MIRS_STRIP_MIR;
    if (ntags && mode != MIRS_STRIP_TAGS) {
        rc = cli_usage_error(verb, "--tags only applies to --mode tags");
        goto done;
    }
    o.open_tags = opens;
    o.close_tags = closes;
    o.ntags = ntags;

    char *in;
    size_t len;
    int r = read_stdin(&in, &len);
    if (r) {
        fprintf(stderr, "mirsafety strip: %s\n", r == -2 ? "stdin is larger than 1 GiB" : "cannot read stdin");
        rc = CLI_EXIT_FAILURE;
        goto done;
    }
    size_t a, b;
    uint32_t fl;
    int st = mirs_strip_reasoning_span(in, len, mode, &o, &a, &b, &fl);
    if (st) {
        rc = cli_fail(st, "strip: stdin");
    } else if (json) {
        static const char *names[] = {"reasoning", "unterminated", "truncated", "empty", "answer_tag"};
        fputs("{\"answer\":\"", stdout);
        for (size_t k = a; k < b; k++) {
            unsigned char c = (unsigned char)in[k];
            if (c == '"' || c == '\\')
                printf("\\%c", c);
            else if (c == '\n')
                fputs("\\n", stdout);
            else if (c < 0x20 || c == 0x7F)
                printf("\\u%04x", c);
            else
                putchar(c); /* valid UTF-8: checked by the library */
        }
        printf("\",\"start\":%zu,\"end\":%zu,\"flags\":[", a, b);
        int nf = 0;
        for (int k = 0; k < 5; k++)
            if (fl & (1u << k)) printf("%s\"%s\"", nf++ ? "," : "", names[k]);
        fputs("]}\n", stdout);
    } else {
        fwrite(in + a, 1, b - a, stdout);
    }
    free(in);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        fprintf(stderr, "mirsafety strip: cannot write stdout\n");
        rc = CLI_EXIT_FAILURE;
    }
done:
    for (size_t k = 0; k < ntags; k++) free(tagbuf[k]);
    return rc;
}
