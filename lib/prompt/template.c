/*
 * The prompt template language (docs/prompts.md defines it). Text outside
 * {{ }} is copied byte for byte; tags are variables, an {{#images}} block
 * repeated per image, {{#if}}/{{#unless}} conditionals with {{else}},
 * comments, quoted literals and Jinja-style "-" whitespace trimming. The
 * parser builds a small tree once; rendering walks it without allocating
 * beyond the output string. Unknown names are parse errors, so a typo in a
 * template fails when it is loaded, not silently at render time.
 */
#include "prompt_internal.h"

#include <stdlib.h>
#include <string.h>

#define TEMPLATE_MAX_BYTES (1u << 20)
#define TEMPLATE_MAX_DEPTH 32

enum node_type { N_TEXT, N_VAR, N_IF, N_IMAGES };

/* Variables. The first group is valid anywhere; IMAGE_ONLY ones only
 * inside {{#images}}. Conditions accept all of them plus the flags. */
enum var {
    V_TEXT,
    V_PROMPT,
    V_QUESTION,
    V_SYSTEM,
    V_KEY,
    V_ID,
    V_RELATION,
    V_RELATION_DISPLAY,
    V_RELATION_DESCRIPTION,
    V_CATEGORY,
    V_CATEGORY_DISPLAY,
    V_GROUP,
    V_IMAGE_COUNT,
    V_PLACEHOLDER,
    V_INDEX, /* first image-only variable */
    V_INDEX0,
    V_IMAGE,
    V_COUNT_VALUES,
    /* condition-only flags */
    C_LABELS = V_COUNT_VALUES,
    C_NOLABELS,
    C_MULTI,
    C_IMAGES,
    C_FIRST, /* image-only */
    C_LAST,  /* image-only */
    C_COUNT
};

static const char *const var_names[] = {
    "text",
    "prompt",
    "question",
    "system",
    "key",
    "id",
    "relation",
    "relation_display",
    "relation_description",
    "category",
    "category_display",
    "group",
    "image_count",
    "placeholder",
    "index",
    "index0",
    "image",
    "labels",
    "nolabels",
    "multi",
    "images",
    "first",
    "last",
};
_Static_assert(sizeof var_names / sizeof *var_names == C_COUNT, "one name per variable");

static bool image_only(int v) { return (v >= V_INDEX && v < V_COUNT_VALUES) || v == C_FIRST || v == C_LAST; }

typedef struct node node;
typedef struct node_list {
    node *v;
    size_t n, cap;
} node_list;

struct node {
    int type;
    int var;         /* N_VAR, N_IF */
    bool negate;     /* N_IF from {{#unless}} */
    size_t off, len; /* N_TEXT: bytes of the template copy */
    node_list body, alt;
};

struct mirs_template {
    char *src;
    size_t len;
    node_list root;
};

static void list_free(node_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        list_free(&l->v[i].body);
        list_free(&l->v[i].alt);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

void mirs_template_free(mirs_template *t)
{
    if (!t) return;
    list_free(&t->root);
    free(t->src);
    free(t);
}

static node *list_push(node_list *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        node *v = mirs__realloc(l->v, cap * sizeof *v);
        if (!v) return NULL;
        l->v = v;
        l->cap = cap;
    }
    node *nd = &l->v[l->n++];
    memset(nd, 0, sizeof *nd);
    return nd;
}

/* ---- parsing ---- */

typedef struct parser {
    const char *src;
    size_t len, pos;
    const char *name;
    bool trim_next; /* the previous tag ended with "-}}" */
} parser;

static void line_col(const parser *p, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off && i < p->len; i++) {
        unsigned char ch = (unsigned char)p->src[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int perr(const parser *p, size_t off, const char *msg, const char *arg)
{
    size_t line, col;
    line_col(p, off, &line, &col);
    return mirs__fail(MIRS_E_FORMAT, "%s:%zu:%zu: %s%s%s%s", p->name, line, col, msg, arg ? " '" : "", arg ? arg : "",
                      arg ? "'" : "");
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Adds literal text [off, off+len) to l, merging with a preceding text node. */
static int add_text(node_list *l, size_t off, size_t len)
{
    if (!len) return MIRS_OK;
    if (l->n && l->v[l->n - 1].type == N_TEXT && l->v[l->n - 1].off + l->v[l->n - 1].len == off) {
        l->v[l->n - 1].len += len;
        return MIRS_OK;
    }
    node *nd = list_push(l);
    if (!nd) return MIRS_E_NO_MEMORY;
    nd->type = N_TEXT;
    nd->off = off;
    nd->len = len;
    return MIRS_OK;
}

/* Removes trailing whitespace of the last text node of l ("{{-"). */
static void rtrim_last(const parser *p, node_list *l, size_t at)
{
    if (!l->n || l->v[l->n - 1].type != N_TEXT) return;
    node *nd = &l->v[l->n - 1];
    if (nd->off + nd->len != at) return; /* only the text right before the tag */
    while (nd->len && is_ws(p->src[nd->off + nd->len - 1])) nd->len--;
    if (!nd->len) l->n--;
}

static int lookup_var(const char *s, size_t n)
{
    for (int i = 0; i < C_COUNT; i++)
        if (strlen(var_names[i]) == n && memcmp(var_names[i], s, n) == 0) return i;
    return -1;
}

/* A parsed tag. */
typedef enum {
    T_END,
    T_TEXTLIT,
    T_VAR,
    T_OPEN_IMAGES,
    T_CLOSE_IMAGES,
    T_IF,
    T_UNLESS,
    T_ELSE,
    T_CLOSE_IF,
    T_CLOSE_UNLESS,
    T_COMMENT
} tag_kind;

typedef struct tag {
    tag_kind kind;
    size_t at; /* offset of "{{" */
    int var;   /* T_VAR, T_IF, T_UNLESS */
    size_t lit_off, lit_len;
} tag;

/* Reads literal text up to the next tag into l, then the tag. */
static int next_tag(parser *p, node_list *l, tag *t)
{
    size_t start = p->pos;
    const char *open = NULL;
    for (size_t i = p->pos; i + 1 < p->len; i++)
        if (p->src[i] == '{' && p->src[i + 1] == '{') {
            open = p->src + i;
            break;
        }
    size_t text_end = open ? (size_t)(open - p->src) : p->len;
    size_t ts = start;
    if (p->trim_next) {
        while (ts < text_end && is_ws(p->src[ts])) ts++;
        p->trim_next = false;
    }
    int st = add_text(l, ts, text_end - ts);
    if (st) return st;
    memset(t, 0, sizeof *t);
    if (!open) {
        p->pos = p->len;
        t->kind = T_END;
        return MIRS_OK;
    }
    size_t at = text_end;
    t->at = at;
    size_t q = at + 2;
    bool trim_before = false, trim_after = false;
    if (q < p->len && p->src[q] == '-') {
        trim_before = true;
        q++;
    }
    while (q < p->len && (p->src[q] == ' ' || p->src[q] == '\t')) q++;
    if (q < p->len && p->src[q] == '\'') {
        /* Quoted literal: up to a quote followed by [spaces][-]}}. */
        size_t lit = q + 1;
        for (size_t k = lit; k < p->len; k++) {
            if (p->src[k] != '\'') continue;
            size_t e = k + 1;
            while (e < p->len && (p->src[e] == ' ' || p->src[e] == '\t')) e++;
            bool ta = false;
            if (e < p->len && p->src[e] == '-') {
                ta = true;
                e++;
            }
            if (e + 1 < p->len && p->src[e] == '}' && p->src[e + 1] == '}') {
                t->kind = T_TEXTLIT;
                t->lit_off = lit;
                t->lit_len = k - lit;
                trim_after = ta;
                p->pos = e + 2;
                goto done;
            }
        }
        return perr(p, at, "unterminated quoted literal (wanted ' followed by }})", NULL);
    }
    const char *close = NULL;
    for (size_t i = q; i + 1 < p->len; i++)
        if (p->src[i] == '}' && p->src[i + 1] == '}') {
            close = p->src + i;
            break;
        }
    if (!close) return perr(p, at, "unterminated tag (no closing }})", NULL);
    size_t cs = q, ce = (size_t)(close - p->src);
    p->pos = ce + 2;
    if (cs < ce && p->src[cs] == '!') {
        t->kind = T_COMMENT;
        if (ce > cs && p->src[ce - 1] == '-') trim_after = true;
        goto done;
    }
    if (ce > cs && p->src[ce - 1] == '-') {
        trim_after = true;
        ce--;
    }
    while (ce > cs && (p->src[ce - 1] == ' ' || p->src[ce - 1] == '\t')) ce--;
    if (cs == ce) return perr(p, at, "empty tag", NULL);
    const char *c = p->src + cs;
    size_t n = ce - cs;
    char word[64];
    if (n >= sizeof word) return perr(p, at, "tag too long", NULL);
    memcpy(word, c, n);
    word[n] = '\0';
    if (strcmp(word, "#images") == 0)
        t->kind = T_OPEN_IMAGES;
    else if (strcmp(word, "/images") == 0)
        t->kind = T_CLOSE_IMAGES;
    else if (strcmp(word, "else") == 0)
        t->kind = T_ELSE;
    else if (strcmp(word, "/if") == 0)
        t->kind = T_CLOSE_IF;
    else if (strcmp(word, "/unless") == 0)
        t->kind = T_CLOSE_UNLESS;
    else if (strncmp(word, "#if ", 4) == 0 || strncmp(word, "#unless ", 8) == 0) {
        bool unless = word[1] == 'u';
        const char *v = word + (unless ? 8 : 4);
        while (*v == ' ' || *v == '\t') v++;
        int id = lookup_var(v, strlen(v));
        if (id < 0) return perr(p, at, "unknown condition", v);
        t->kind = unless ? T_UNLESS : T_IF;
        t->var = id;
    } else if (word[0] == '#' || word[0] == '/') {
        return perr(p, at, "unknown block tag", word);
    } else {
        int id = lookup_var(word, n);
        if (id < 0 || id >= V_COUNT_VALUES) return perr(p, at, "unknown variable", word);
        t->kind = T_VAR;
        t->var = id;
    }
done:
    if (trim_before) rtrim_last(p, l, at);
    p->trim_next = trim_after;
    return MIRS_OK;
}

/* Parses into l until the closing tag that `until` names (T_END for the
 * top level); reports which tag ended the list in *ended. */
static int parse_list(parser *p, node_list *l, int depth, bool in_images, tag_kind until, tag_kind *ended,
                      size_t open_at)
{
    if (depth > TEMPLATE_MAX_DEPTH) return perr(p, open_at, "blocks nested too deeply", NULL);
    for (;;) {
        tag t;
        int st = next_tag(p, l, &t);
        if (st) return st;
        switch (t.kind) {
        case T_END:
            if (until != T_END)
                return perr(p, open_at, "block is never closed",
                            until == T_CLOSE_IMAGES ? "#images" : (until == T_CLOSE_IF ? "#if" : "#unless"));
            *ended = T_END;
            return MIRS_OK;
        case T_COMMENT: break;
        case T_TEXTLIT:
            if ((st = add_text(l, t.lit_off, t.lit_len))) return st;
            break;
        case T_VAR: {
            if (image_only(t.var) && !in_images)
                return perr(p, t.at, "only valid inside {{#images}}:", var_names[t.var]);
            node *nd = list_push(l);
            if (!nd) return MIRS_E_NO_MEMORY;
            nd->type = N_VAR;
            nd->var = t.var;
            break;
        }
        case T_OPEN_IMAGES: {
            if (in_images) return perr(p, t.at, "{{#images}} cannot be nested", NULL);
            node *nd = list_push(l);
            if (!nd) return MIRS_E_NO_MEMORY;
            nd->type = N_IMAGES;
            size_t idx = l->n - 1;
            node_list body = {0};
            tag_kind e;
            st = parse_list(p, &body, depth + 1, true, T_CLOSE_IMAGES, &e, t.at);
            l->v[idx].body = body;
            if (st) return st;
            if (e != T_CLOSE_IMAGES) return perr(p, t.at, "{{else}} is not valid in {{#images}}", NULL);
            break;
        }
        case T_IF:
        case T_UNLESS: {
            if (image_only(t.var) && !in_images)
                return perr(p, t.at, "only valid inside {{#images}}:", var_names[t.var]);
            node *nd = list_push(l);
            if (!nd) return MIRS_E_NO_MEMORY;
            nd->type = N_IF;
            nd->var = t.var;
            nd->negate = t.kind == T_UNLESS;
            size_t idx = l->n - 1;
            tag_kind close = t.kind == T_IF ? T_CLOSE_IF : T_CLOSE_UNLESS;
            node_list body = {0}, alt = {0};
            tag_kind e;
            st = parse_list(p, &body, depth + 1, in_images, close, &e, t.at);
            l->v[idx].body = body;
            if (st) return st;
            if (e == T_ELSE) {
                st = parse_list(p, &alt, depth + 1, in_images, close, &e, t.at);
                l->v[idx].alt = alt;
                if (st) return st;
                if (e == T_ELSE) return perr(p, t.at, "block has two {{else}}", NULL);
            }
            break;
        }
        case T_ELSE:
            if (until != T_CLOSE_IF && until != T_CLOSE_UNLESS && until != T_CLOSE_IMAGES)
                return perr(p, t.at, "{{else}} outside {{#if}}/{{#unless}}", NULL);
            *ended = T_ELSE;
            return MIRS_OK;
        case T_CLOSE_IMAGES:
        case T_CLOSE_IF:
        case T_CLOSE_UNLESS:
            if (t.kind != until) return perr(p, t.at, "unexpected closing tag", NULL);
            *ended = t.kind;
            return MIRS_OK;
        }
    }
}

int mirs_template_parse(const char *text, size_t len, const char *name, mirs_template **out)
{
    MIRS_CHECK_ARG(text && out, "text and out must not be NULL");
    if (!name) name = "template";
    if (len > TEMPLATE_MAX_BYTES)
        return mirs__fail(MIRS_E_LIMIT, "%s: template of %zu bytes exceeds the %u-byte limit", name, len,
                          TEMPLATE_MAX_BYTES);
    size_t bad = mirs__utf8_valid_prefix(text, len);
    if (bad != len) return mirs__fail(MIRS_E_UTF8, "%s: invalid UTF-8 at byte %zu", name, bad);
    const char *nul = memchr(text, '\0', len);
    if (nul) { /* the rendered text is handed out NUL-terminated: no NUL inside */
        parser q = {text, len, 0, name, false};
        return perr(&q, (size_t)(nul - text), "NUL byte in template", NULL);
    }
    mirs_template *t = mirs__calloc(1, sizeof *t);
    if (!t) return MIRS_E_NO_MEMORY;
    t->src = mirs__strndup(text, len);
    if (!t->src) {
        free(t);
        return MIRS_E_NO_MEMORY;
    }
    t->len = len;
    parser p = {t->src, len, 0, name, false};
    tag_kind e;
    int st = parse_list(&p, &t->root, 0, false, T_END, &e, 0);
    if (st) {
        mirs_template_free(t);
        return st;
    }
    *out = t;
    return MIRS_OK;
}

int mirs_template_load(const char *path, mirs_template **out)
{
    MIRS_CHECK_ARG(path && out, "path and out must not be NULL");
    char *data;
    size_t len;
    int st = mirs__read_file(path, TEMPLATE_MAX_BYTES, &data, &len);
    if (st) return st;
    st = mirs_template_parse(data, len, path, out);
    free(data);
    return st;
}

/* ---- rendering ---- */

static const char *var_str(const mirs__prompt_ctx *c, int v)
{
    switch (v) {
    case V_TEXT: return c->text;
    case V_PROMPT: return c->prompt;
    case V_QUESTION: return c->question;
    case V_SYSTEM: return c->system ? c->system : "";
    case V_KEY: return c->key;
    case V_ID: return c->id;
    case V_RELATION: return c->relation;
    case V_RELATION_DISPLAY: return c->relation_display;
    case V_RELATION_DESCRIPTION: return c->relation_description;
    case V_CATEGORY: return c->category;
    case V_CATEGORY_DISPLAY: return c->category_display;
    case V_GROUP: return c->group;
    case V_PLACEHOLDER: return c->placeholder;
    default: return "";
    }
}

static bool cond(const mirs__prompt_ctx *c, int v, size_t k)
{
    switch (v) {
    case V_SYSTEM: return c->system != NULL;
    case V_IMAGE_COUNT:
    case C_IMAGES: return c->image_count > 0;
    case C_LABELS: return c->labels_mode == MIRS_PROMPT_LABELS_ON;
    case C_NOLABELS: return c->labels_mode == MIRS_PROMPT_LABELS_OFF;
    case C_MULTI: return c->image_count >= 2;
    case V_INDEX: return true; /* 1-based: never zero */
    case V_INDEX0: return k > 0;
    case V_IMAGE: return c->images && c->images[k] && c->images[k][0];
    case C_FIRST: return k == 0;
    case C_LAST: return k + 1 == c->image_count;
    default: return var_str(c, v)[0] != '\0';
    }
}

static void render_list(const mirs_template *t, const node_list *l, const mirs__prompt_ctx *c, size_t k, mirs__sb *out)
{
    for (size_t i = 0; i < l->n; i++) {
        const node *nd = &l->v[i];
        switch (nd->type) {
        case N_TEXT: mirs__sb_append(out, t->src + nd->off, nd->len); break;
        case N_VAR:
            if (nd->var == V_IMAGE_COUNT)
                mirs__sb_printf(out, "%zu", c->image_count);
            else if (nd->var == V_INDEX)
                mirs__sb_printf(out, "%zu", k + 1);
            else if (nd->var == V_INDEX0)
                mirs__sb_printf(out, "%zu", k);
            else if (nd->var == V_IMAGE)
                mirs__sb_puts(out, c->images && c->images[k] ? c->images[k] : "");
            else
                mirs__sb_puts(out, var_str(c, nd->var));
            break;
        case N_IF:
            if (cond(c, nd->var, k) != nd->negate)
                render_list(t, &nd->body, c, k, out);
            else
                render_list(t, &nd->alt, c, k, out);
            break;
        case N_IMAGES:
            for (size_t j = 0; j < c->image_count; j++) render_list(t, &nd->body, c, j, out);
            break;
        }
    }
}

int mirs__template_render(const mirs_template *t, const mirs__prompt_ctx *c, mirs__sb *out)
{
    if (!t) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "no template");
    render_list(t, &t->root, c, 0, out);
    return out->oom ? MIRS_E_NO_MEMORY : MIRS_OK;
}
