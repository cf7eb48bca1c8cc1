/*
 * Opening a dataset: the official layout (<root>/<Category>/<Relation>_final.json)
 * or a JSONL manifest, validated item by item.
 *
 * Design: each JSON file is parsed with cJSON (depth and UTF-8 checked first
 * by mirs__json_parse), every item is validated against its cJSON node
 * before anything is copied, then its strings are copied into the dataset's
 * arena and the tree is freed, so the handle holds only metadata. Problems go
 * through problem(): in strict mode the first one fails the open, in
 * lenient mode it becomes a diagnostic and the item (or file) is skipped.
 * Items are kept in iteration order: categories and relations in official
 * order, items in file order (JSONL items are sorted into that order, ties
 * keep their line order). Keys are indexed by an open-addressing table over
 * mirs_key_hash.
 */
#define _GNU_SOURCE
#include "dataset_internal.h"
#include "util/versioned.h"

#include <cjson/cJSON.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FINAL_SUFFIX "_final.json"

MIRS_API int mirs_dataset_options_init(mirs_dataset_options *opts, size_t size)
{
    static const mirs_dataset_options d = MIRS_DATASET_OPTIONS_INIT;
    return MIRS__STRUCT_INIT(mirs_dataset_options, opts, size, &d);
}

/* ---- key table ---------------------------------------------------------- */

size_t mirs__dataset_lookup(const mirs_dataset *ds, const char *key, uint64_t hash)
{
    if (!ds->table_cap) return SIZE_MAX;
    size_t mask = ds->table_cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        uint32_t v = ds->table[i];
        if (!v) return SIZE_MAX;
        const mirs_item *it = &ds->items[v - 1];
        if (it->hash == hash && strcmp(it->key, key) == 0) return v - 1;
    }
}

static void table_put(mirs_dataset *ds, size_t index)
{
    size_t mask = ds->table_cap - 1;
    size_t i = (size_t)ds->items[index].hash & mask;
    while (ds->table[i]) i = (i + 1) & mask;
    ds->table[i] = (uint32_t)(index + 1);
}

/* Makes room for one more key (load factor <= 1/2) and rebuilds the table. */
static int table_grow(mirs_dataset *ds, size_t want)
{
    size_t cap = ds->table_cap ? ds->table_cap : 64;
    while (cap / 2 < want) {
        if (cap > SIZE_MAX / 4) return mirs__fail(MIRS_E_OVERFLOW, "dataset: too many items");
        cap *= 2;
    }
    if (cap == ds->table_cap) return MIRS_OK;
    uint32_t *t = mirs__calloc(cap, sizeof *t);
    if (!t) return MIRS_E_NO_MEMORY;
    free(ds->table);
    ds->table = t;
    ds->table_cap = cap;
    for (size_t i = 0; i < ds->count; i++) table_put(ds, i);
    return MIRS_OK;
}

/* ---- a small string -> int map for the image folder checks --------------- */

typedef struct dir_entry {
    char *path;
    uint64_t hash;
    int state; /* DIR_INSIDE, DIR_OUTSIDE, DIR_MISSING */
} dir_entry;

enum { DIR_INSIDE = 1, DIR_OUTSIDE, DIR_MISSING };

typedef struct dir_cache {
    dir_entry *e;
    size_t n, cap;
} dir_cache;

static void dir_cache_free(dir_cache *c)
{
    for (size_t i = 0; i < c->cap; i++) free(c->e[i].path);
    free(c->e);
    memset(c, 0, sizeof *c);
}

static dir_entry *dir_cache_slot(dir_cache *c, const char *p, size_t n, uint64_t h)
{
    size_t mask = c->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        dir_entry *e = &c->e[i];
        if (!e->path || (e->hash == h && strncmp(e->path, p, n) == 0 && e->path[n] == '\0')) return e;
    }
}

/* ---- the builder ---------------------------------------------------------- */

typedef struct builder {
    mirs_dataset *ds;
    mirs_dataset_options o;
    bool strict;
    char *root_real; /* realpath of the folder image paths may not leave; NULL: no file system checks */
    size_t root_real_len;
    dir_cache dirs;
    mirs__sb key;
    mirs__arena scratch; /* the current file's (or line's) JSON nodes */
    char *buf;           /* the current file's bytes until keep_buffer() */
} builder;

/* Records a problem. Strict: sets the error ("FILE: item N: reason") and
 * returns status, which fails the open. Lenient: stores a diagnostic and
 * returns MIRS_OK (the caller skips the item or file), or MIRS_E_NO_MEMORY. */
static int problem(builder *b, int status, const char *file, int64_t item, const char *fmt, ...) MIRS_PRINTF(5, 6);
static int problem(builder *b, int status, const char *file, int64_t item, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (b->strict) {
        if (item >= 0) return mirs__fail(status, "%s: item %lld: %s", file, (long long)item, why);
        return mirs__fail(status, "%s: %s", file, why);
    }
    mirs_dataset *ds = b->ds;
    if (ds->ndiag == ds->diag_cap) {
        size_t cap = ds->diag_cap ? ds->diag_cap * 2 : 16;
        mirs_diag *nd = mirs__realloc(ds->diags, cap * sizeof *nd);
        if (!nd) return MIRS_E_NO_MEMORY;
        ds->diags = nd;
        ds->diag_cap = cap;
    }
    mirs_diag *d = &ds->diags[ds->ndiag];
    d->status = status;
    d->item_index = item;
    d->reserved = 0;
    d->file = mirs__arena_strndup(&ds->arena, file, strlen(file));
    d->message = mirs__arena_strndup(&ds->arena, why, strlen(why));
    if (!d->file || !d->message) return MIRS_E_NO_MEMORY;
    ds->ndiag++;
    return MIRS_OK;
}

/* An oddity: something eval.py evaluates that the documented layout does
 * not have. Refused: a problem like any other (returns what problem()
 * returns: the caller returns it). Accepted: a diagnostic with status
 * MIRS_OK, and ODD_ACCEPTED for the caller to go on with the official
 * reading. */
#define ODD_ACCEPTED 1
static int oddity(builder *b, int status, const char *file, int64_t item, const char *fmt, ...) MIRS_PRINTF(5, 6);
static int oddity(builder *b, int status, const char *file, int64_t item, const char *fmt, ...)
{
    char why[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (b->o.oddities == MIRS_DATASET_ODDITIES_REFUSE) return problem(b, status, file, item, "%s", why);
    bool strict = b->strict;
    b->strict = false; /* recorded in both modes */
    int st = problem(b, MIRS_OK, file, item, "%s (accepted: the official code evaluates it)", why);
    b->strict = strict;
    return st ? st : ODD_ACCEPTED;
}
#define ODD(...)                                                                                                       \
    do {                                                                                                               \
        int odd_ = oddity(b, __VA_ARGS__);                                                                             \
        if (odd_ != ODD_ACCEPTED) return odd_;                                                                         \
    } while (0)

/* Hard limit on images per item, also when an unusual count is accepted. */
#define MAX_IMAGES_HARD 65536u

static const char *json_type_name(const cJSON *j)
{
    if (!j) return "missing";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNull(j)) return "null";
    if (cJSON_IsArray(j)) return "an array";
    if (cJSON_IsObject(j)) return "an object";
    return "invalid";
}

/* Integral JSON numbers that a double holds exactly. */
static bool json_int(const cJSON *j, int64_t *out)
{
    if (!cJSON_IsNumber(j)) return false;
    double v = j->valuedouble;
    if (!(v >= -9007199254740992.0 && v <= 9007199254740992.0) || floor(v) != v) return false;
    *out = (int64_t)v;
    return true;
}

/* A "list or single string" field: checks the shape, returns its length. */
static bool string_list_shape(const cJSON *j, uint32_t *n, size_t *bad)
{
    *bad = SIZE_MAX;
    if (!j || cJSON_IsNull(j)) {
        *n = 0;
        return true;
    }
    if (cJSON_IsString(j)) {
        *n = 1;
        return true;
    }
    if (!cJSON_IsArray(j)) return false;
    uint32_t k = 0;
    for (const cJSON *e = j->child; e; e = e->next, k++) {
        if (!cJSON_IsString(e)) {
            *bad = k;
            return false;
        }
        if (k == UINT32_MAX - 1) return false;
    }
    *n = k;
    return true;
}

/* The strings stay where the parser decoded them: in the file's buffer,
 * which the dataset keeps (see keep_buffer). */
static const char **list_strings(mirs__arena *a, const cJSON *j, uint32_t n)
{
    const char **v = mirs__arena_alloc(a, (n ? n : 1) * sizeof *v);
    if (!v) return NULL;
    if (cJSON_IsString(j)) {
        v[0] = j->valuestring;
        return v;
    }
    uint32_t k = 0;
    for (const cJSON *e = j ? j->child : NULL; e && k < n; e = e->next, k++) v[k] = e->valuestring;
    return v;
}

static bool inside_root(const builder *b, const char *real)
{
    if (b->root_real_len == 1) return real[0] == '/';
    return strncmp(real, b->root_real, b->root_real_len) == 0 &&
           (real[b->root_real_len] == '/' || real[b->root_real_len] == '\0');
}

/* Where the folder part of an image file resolves: inside, outside or missing (cached). */
static int dir_state(builder *b, const char *file, size_t n)
{
    dir_cache *c = &b->dirs;
    if (c->n + 1 > c->cap / 2) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        dir_entry *ne = mirs__calloc(cap, sizeof *ne);
        if (!ne) return MIRS_E_NO_MEMORY;
        dir_cache old = *c;
        c->e = ne;
        c->cap = cap;
        for (size_t i = 0; i < old.cap; i++)
            if (old.e[i].path) *dir_cache_slot(c, old.e[i].path, strlen(old.e[i].path), old.e[i].hash) = old.e[i];
        free(old.e);
    }
    uint64_t h = mirs__fnv1a64(file, n);
    dir_entry *e = dir_cache_slot(c, file, n, h);
    if (e->path) return e->state;
    char *dir = mirs__strndup(file, n);
    if (!dir) return MIRS_E_NO_MEMORY;
    char *real = realpath(dir, NULL);
    int state = !real ? DIR_MISSING : inside_root(b, real) ? DIR_INSIDE : DIR_OUTSIDE;
    free(real);
    e->path = dir;
    e->hash = h;
    e->state = state;
    c->n++;
    return state;
}

/* Image file checks that need the file system. *escape is set when the
 * file's folder, or the file itself as a symlink, resolves outside the root
 * (the caller decides: an oddity, as eval.py follows it). With check_images
 * the file must exist and be regular. Returns a problem status with *why
 * set, MIRS_OK, or a fatal error (< 0 with *why empty). */
static int check_image_file(builder *b, const char *file, bool *escape, char *why, size_t whylen)
{
    why[0] = '\0';
    *escape = false;
    const char *slash = strrchr(file, '/');
    int dstate = DIR_INSIDE;
    if (slash) {
        dstate = dir_state(b, file, (size_t)((slash - file) ? slash - file : 1));
        if (dstate < 0) return dstate;
    }
    if (dstate == DIR_OUTSIDE) {
        *escape = true;
        snprintf(why, whylen, "its folder resolves outside the dataset root (symlink)");
    }
    bool missing = dstate == DIR_MISSING;
    struct stat st;
    if (!missing) {
        if (lstat(file, &st) != 0)
            missing = true;
        else if (S_ISLNK(st.st_mode)) {
            char *real = realpath(file, NULL);
            if (!real)
                missing = true;
            else {
                bool in = inside_root(b, real);
                free(real);
                if (!in && !*escape) {
                    *escape = true;
                    snprintf(why, whylen, "it is a symlink that resolves outside the dataset root");
                }
                if (b->o.check_images && stat(file, &st) != 0) missing = true;
            }
        }
    }
    if (b->o.check_images) {
        if (missing) {
            snprintf(why, whylen, "the file does not exist");
            return MIRS_E_NOT_FOUND;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(why, whylen, "not a regular file");
            return MIRS_E_NOT_FOUND;
        }
    }
    return MIRS_OK;
}

/* eval.py build_image_paths: os.path.join(base_dir, p), which is p itself
 * when p is absolute and base_dir + "/" + p otherwise (no normalisation). */
static void image_join(mirs__sb *out, const char *base, const char *p)
{
    mirs__sb_clear(out);
    if (p[0] != '/') {
        mirs__sb_puts(out, base);
        mirs__sb_putc(out, '/');
    }
    mirs__sb_puts(out, p);
}

typedef struct item_ctx {
    int32_t category, relation;      /* -1: unknown (an accepted oddity) */
    const char *cat_name, *rel_name; /* as keys spell them (arena copies for unknown ones) */
    const char *file_rel;            /* stored in the item (arena copy) */
    const char *file_disp;           /* names the file in messages */
    const char *base;                /* folder the image paths are relative to; NULL: no file system checks */
    bool jsonl;
} item_ctx;

enum {
    F_ID,
    F_ORIGINAL_QUESTION,
    F_RELATIONSHIP_TYPE,
    F_REVISED_PROMPT,
    F_IMAGE_DESCRIPTIONS,
    F_IMAGE_KEYWORDS,
    F_IMAGES,
    F_ITERATION,
    F_CATEGORY,
    F_RELATION,
    F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "id",     "original_question", "relationship_type", "revised_prompt", "image_descriptions", "image_keywords",
    "images", "iteration",         "category",          "relation",
};

/* Validates one item and, if it is good, appends it. Returns MIRS_OK (added,
 * or skipped with a diagnostic) or a status that fails the open. */
/* True when a node of the tree under j holds U+0000 in a string or a member name. */
static bool has_nul(const cJSON *j)
{
    if (j->type & MIRS__JSON_HAS_NUL) return true;
    for (const cJSON *c = j->child; c; c = c->next)
        if (has_nul(c)) return true;
    return false;
}

static int add_item(builder *b, const cJSON *obj, const item_ctx *cx, int64_t idx)
{
    mirs_dataset *ds = b->ds;
    const char *file = cx->file_disp;
    if (!cJSON_IsObject(obj))
        return problem(b, MIRS_E_SCHEMA, file, idx, "not a JSON object but %s", json_type_name(obj));
    /* Text with NUL would be cut there (items give C strings): the item is refused by name, not truncated. */
    for (const cJSON *c = obj->child; c; c = c->next)
        if (has_nul(c))
            return problem(b, MIRS_E_UNSUPPORTED, file, idx,
                           "field \"%.100s\" holds U+0000 (\\u0000): dataset text with NUL is not supported (it "
                           "would be cut there), so the item is refused",
                           c->string ? c->string : "?");

    const cJSON *f[F_COUNT] = {0};
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!c->string) continue;
        for (int k = 0; k < F_COUNT; k++)
            if (strcmp(c->string, field_names[k]) == 0) {
                if (f[k]) return problem(b, MIRS_E_DUPLICATE, file, idx, "field \"%s\" appears twice", field_names[k]);
                f[k] = c;
                break;
            }
    }

    int32_t cat = cx->category, rel = cx->relation;
    if (cx->jsonl) {
        if (!cJSON_IsString(f[F_CATEGORY]))
            return problem(b, MIRS_E_SCHEMA, file, idx, "field \"category\" is %s, not a string",
                           json_type_name(f[F_CATEGORY]));
        if (mirs_category_from_name(f[F_CATEGORY]->valuestring, &cat) != MIRS_OK)
            return problem(b, MIRS_E_SCHEMA, file, idx, "unknown category \"%.200s\"", f[F_CATEGORY]->valuestring);
        const cJSON *r = f[F_RELATION] && !cJSON_IsNull(f[F_RELATION]) ? f[F_RELATION] : f[F_RELATIONSHIP_TYPE];
        const char *rname = r == f[F_RELATION] ? "relation" : "relationship_type";
        if (!r) return problem(b, MIRS_E_SCHEMA, file, idx, "missing field \"relation\" (or \"relationship_type\")");
        if (!cJSON_IsString(r))
            return problem(b, MIRS_E_SCHEMA, file, idx, "field \"%s\" is %s, not a string", rname, json_type_name(r));
        if (mirs_relation_from_name(r->valuestring, &rel) != MIRS_OK)
            return problem(b, MIRS_E_SCHEMA, file, idx, "unknown relation \"%.200s\" in field \"%s\"", r->valuestring,
                           rname);
    }

    /* id */
    const cJSON *jid = f[F_ID];
    char idbuf[32];
    const char *idtext;
    int32_t id_is_int = 0;
    int64_t iv;
    /* eval.py never reads "id" (results are matched by position): an item
     * without a usable one is keyed by its position, "#N". */
    snprintf(idbuf, sizeof idbuf, "#%lld", (long long)idx);
    idtext = idbuf;
    if (!jid)
        ODD(MIRS_E_SCHEMA, file, idx, "missing field \"id\"");
    else if (cJSON_IsNumber(jid)) {
        if (!json_int(jid, &iv))
            ODD(MIRS_E_SCHEMA, file, idx, "field \"id\" is a number but not an integer within +-2^53");
        else {
            snprintf(idbuf, sizeof idbuf, "%lld", (long long)iv);
            id_is_int = 1;
        }
    } else if (cJSON_IsString(jid)) {
        if (!*jid->valuestring)
            ODD(MIRS_E_SCHEMA, file, idx, "field \"id\" is an empty string");
        else
            idtext = jid->valuestring;
    } else
        ODD(MIRS_E_SCHEMA, file, idx, "field \"id\" is %s, not an integer or a string", json_type_name(jid));

    /* required and optional strings */
    /* eval.py reads both with .get(name, ''): a missing one is empty. */
    static const int required[] = {F_ORIGINAL_QUESTION, F_REVISED_PROMPT};
    for (size_t k = 0; k < 2; k++) {
        const cJSON *j = f[required[k]];
        if (!j)
            ODD(MIRS_E_SCHEMA, file, idx, "missing field \"%s\"", field_names[required[k]]);
        else if (!cJSON_IsString(j))
            return problem(b, MIRS_E_SCHEMA, file, idx, "field \"%s\" is %s, not a string", field_names[required[k]],
                           json_type_name(j));
    }
    /* The official code reads neither relationship_type nor iteration. */
    const cJSON *jrt = f[F_RELATIONSHIP_TYPE];
    if (jrt && !cJSON_IsNull(jrt) && !cJSON_IsString(jrt)) {
        ODD(MIRS_E_SCHEMA, file, idx, "field \"relationship_type\" is %s, not a string", json_type_name(jrt));
        jrt = NULL;
    }
    int64_t iteration = 0;
    const cJSON *jit = f[F_ITERATION];
    if (jit && !cJSON_IsNull(jit) && !json_int(jit, &iteration)) {
        ODD(MIRS_E_SCHEMA, file, idx, "field \"iteration\" is %s, not an integer", json_type_name(jit));
        iteration = 0;
    }

    /* descriptions and keywords: a list of strings or one string */
    uint32_t ndesc, nkw;
    size_t bad;
    static const int lists[] = {F_IMAGE_DESCRIPTIONS, F_IMAGE_KEYWORDS};
    uint32_t *counts[] = {&ndesc, &nkw};
    const cJSON *jlists[2] = {f[F_IMAGE_DESCRIPTIONS], f[F_IMAGE_KEYWORDS]};
    for (size_t k = 0; k < 2; k++)
        if (!string_list_shape(jlists[k], counts[k], &bad)) {
            /* Not read by the official code either: kept as an empty list. */
            if (bad != SIZE_MAX)
                ODD(MIRS_E_SCHEMA, file, idx, "field \"%s\": element %zu is not a string", field_names[lists[k]], bad);
            else
                ODD(MIRS_E_SCHEMA, file, idx, "field \"%s\" is %s, not a list of strings or a string",
                    field_names[lists[k]], json_type_name(jlists[k]));
            *counts[k] = 0;
            jlists[k] = NULL;
        }

    /* images */
    const cJSON *jim = f[F_IMAGES];
    if (!jim) ODD(MIRS_E_SCHEMA, file, idx, "missing field \"images\""); /* .get('images', []) */
    if (jim && !cJSON_IsArray(jim))
        return problem(b, MIRS_E_SCHEMA, file, idx, "field \"images\" is %s, not a list", json_type_name(jim));
    uint32_t nimg = 0;
    for (const cJSON *e = jim ? jim->child : NULL; e; e = e->next) {
        if (!cJSON_IsString(e))
            return problem(b, MIRS_E_SCHEMA, file, idx, "image %u is %s, not a path string", nimg, json_type_name(e));
        const char *p = e->valuestring;
        /* eval.py joins an empty path to the file's folder and the worker fails to open it: the item is
         * evaluated (an inference failure), so it is kept with a note; opening its image fails its item only. */
        if (!*p) ODD(MIRS_E_PATH, file, idx, "image %u has an empty path (names the category folder itself)", nimg);
        /* eval.py follows an absolute path and a ".." component (os.path.join): the item is evaluated with
         * that file, so it is kept with a note, and the image is read from where eval.py reads it. */
        if (p[0] == '/') ODD(MIRS_E_PATH, file, idx, "image %u path \"%.200s\" is absolute", nimg, p);
        if (*p && p[0] != '/' && !mirs__path_is_contained(p))
            ODD(MIRS_E_PATH, file, idx, "image %u path \"%.200s\" leaves the dataset root (\"..\")", nimg, p);
        if (nimg == MAX_IMAGES_HARD) return problem(b, MIRS_E_LIMIT, file, idx, "more than %u images", MAX_IMAGES_HARD);
        nimg++;
    }
    if (nimg < b->o.min_images || nimg > b->o.max_images)
        ODD(MIRS_E_RANGE, file, idx, "%u images, outside the allowed %u to %u", nimg, b->o.min_images, b->o.max_images);

    /* key and duplicates */
    const char *cname = cx->jsonl ? mirs_category_name(cat) : cx->cat_name;
    const char *rname = cx->jsonl ? mirs_relation_name(rel) : cx->rel_name;
    mirs__sb_clear(&b->key);
    mirs__sb_printf(&b->key, "%s/%s/", cname, rname);
    mirs__sb_puts(&b->key, idtext);
    if (b->key.oom) return MIRS_E_NO_MEMORY;
    uint64_t h = mirs_key_hash(b->key.data);
    size_t prev = mirs__dataset_lookup(ds, b->key.data, h);
    if (prev != SIZE_MAX)
        return problem(b, MIRS_E_DUPLICATE, file, idx, "duplicate key \"%.300s\" (first in %s item %lld)", b->key.data,
                       ds->items[prev].source_file, (long long)ds->items[prev].source_index);

    /* file system checks of every image */
    char why[256];
    mirs__sb path;
    mirs__sb_init(&path);
    if (cx->base && b->root_real && jim) {
        uint32_t k = 0;
        for (const cJSON *e = jim->child; e && k < nimg; e = e->next, k++) {
            image_join(&path, cx->base, e->valuestring);
            if (path.oom) {
                mirs__sb_free(&path);
                return MIRS_E_NO_MEMORY;
            }
            bool escape = false;
            int st = check_image_file(b, path.data, &escape, why, sizeof why);
            if (st < 0 && !why[0]) {
                mirs__sb_free(&path);
                return st;
            }
            if (st < 0) {
                mirs__sb_free(&path);
                return problem(b, st, file, idx, "image %u \"%.200s\": %s", k, e->valuestring, why);
            }
            /* A path already noted as absolute or with ".." is not noted twice; a symlink out of the root is
             * followed by eval.py as well: an oddity. */
            const char *ep = e->valuestring;
            if (escape && ep[0] != '/' && mirs__path_is_contained(ep)) {
                int odd = oddity(b, MIRS_E_PATH, file, idx, "image %u \"%.200s\": %s", k, ep, why);
                if (odd != ODD_ACCEPTED) {
                    mirs__sb_free(&path);
                    return odd;
                }
            }
        }
    }
    mirs__sb_free(&path);

    if (ds->count >= b->o.max_items || ds->count >= UINT32_MAX - 1)
        return mirs__fail(MIRS_E_LIMIT, "%s: item %lld: more than the limit of %llu items in the dataset", file,
                          (long long)idx, (unsigned long long)b->o.max_items);

    /* copy */
    if (ds->count == ds->cap) {
        size_t cap = ds->cap ? ds->cap * 2 : 256;
        mirs_item *ni = mirs__realloc(ds->items, cap * sizeof *ni);
        if (!ni) return MIRS_E_NO_MEMORY;
        ds->items = ni;
        ds->cap = cap;
    }
    if (table_grow(ds, ds->count + 1) != MIRS_OK) return MIRS_E_NO_MEMORY;
    mirs__arena *a = &ds->arena;
    mirs_item *it = &ds->items[ds->count];
    memset(it, 0, sizeof *it);
    it->category = cat;
    it->relation = rel;
    it->category_name = cname;
    it->relation_name = rname;
    it->id_is_int = id_is_int;
    it->iteration = iteration;
    it->source_index = idx;
    it->source_file = cx->file_rel;
    it->hash = h;
    it->key = mirs__arena_strndup(a, b->key.data, b->key.len);
    it->id = it->key ? it->key + strlen(cname) + strlen(rname) + 2 : NULL;
    it->revised_prompt = f[F_REVISED_PROMPT] ? f[F_REVISED_PROMPT]->valuestring : "";
    it->original_question = f[F_ORIGINAL_QUESTION] ? f[F_ORIGINAL_QUESTION]->valuestring : "";
    it->relationship_type = cJSON_IsString(jrt) ? jrt->valuestring : "";
    it->nimages = nimg;
    it->ndesc = ndesc;
    it->nkw = nkw;
    it->descriptions = list_strings(a, jlists[0], ndesc);
    it->keywords = list_strings(a, jlists[1], nkw);
    it->image_paths = mirs__arena_alloc(a, (size_t)(nimg ? nimg : 1) * 2 * sizeof(char *));
    if (!it->key || !it->revised_prompt || !it->original_question || !it->relationship_type || !it->descriptions ||
        !it->keywords || !it->image_paths)
        return MIRS_E_NO_MEMORY;
    it->image_files = it->image_paths + nimg;
    uint32_t k = 0;
    mirs__sb full;
    mirs__sb_init(&full);
    for (const cJSON *e = jim ? jim->child : NULL; e && k < nimg; e = e->next, k++) {
        const char *p = it->image_paths[k] = e->valuestring;
        if (!cx->base) {
            it->image_files[k] = p;
            continue;
        }
        image_join(&full, cx->base, p); /* the same join the file system checks above used */
        it->image_files[k] = full.oom ? NULL : mirs__arena_strndup(a, full.data, full.len);
        if (!it->image_files[k]) {
            mirs__sb_free(&full);
            return MIRS_E_NO_MEMORY;
        }
    }
    mirs__sb_free(&full);
    ds->image_total += nimg;
    if (cat >= 0 && rel >= 0) ds->counts[cat][rel]++;
    table_put(ds, ds->count);
    ds->count++;
    return MIRS_OK;
}

static size_t skip_bom(const char *s, size_t n)
{
    return n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF ? 3 : 0;
}

/* One <Relation>_final.json: an array of items, or a single object. */
static int parse_official_text(builder *b, char *text, size_t len, const item_ctx *cx)
{
    size_t bom = skip_bom(text, len);
    cJSON *root = NULL;
    mirs__arena_reset(&b->scratch);
    int st = mirs__json_fast_parse(text + bom, len - bom, b->o.max_json_depth, &b->scratch, &root);
    if (st != MIRS_OK) {
        if (st == MIRS_E_NO_MEMORY || st == MIRS_E_OVERFLOW) return st;
        return problem(b, st, cx->file_disp, -1, "%s", mirs_error_last());
    }
    if (cJSON_IsArray(root)) {
        int64_t i = 0;
        for (const cJSON *e = root->child; e; e = e->next, i++)
            if ((st = add_item(b, e, cx, i)) != MIRS_OK) break;
    } else if (cJSON_IsObject(root))
        st = add_item(b, root, cx, 0);
    else
        st = problem(b, MIRS_E_SCHEMA, cx->file_disp, -1, "the top-level value is %s, not a list of items or an item",
                     json_type_name(root));
    return st;
}

/* A manifest: one item per line; blank lines are skipped. */
static int parse_jsonl_text(builder *b, char *text, size_t len, const item_ctx *cx)
{
    size_t pos = skip_bom(text, len);
    int64_t line = 0;
    int st = MIRS_OK;
    for (; pos < len && st == MIRS_OK; line++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos;
        char *s = text + pos;
        pos = end + 1;
        if (n && s[n - 1] == '\r') n--;
        size_t k = 0;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k == n) continue;
        if (n > b->o.max_line_bytes) {
            st = problem(b, MIRS_E_LIMIT, cx->file_disp, line, "line of %zu bytes exceeds the limit of %llu bytes", n,
                         (unsigned long long)b->o.max_line_bytes);
            continue;
        }
        cJSON *j = NULL;
        if (b->scratch.total > 4 * 1024 * 1024) mirs__arena_reset(&b->scratch);
        st = mirs__json_fast_parse(s, n, b->o.max_json_depth, &b->scratch, &j);
        if (st != MIRS_OK) {
            if (st == MIRS_E_NO_MEMORY || st == MIRS_E_OVERFLOW) return st;
            st = problem(b, st, cx->file_disp, line, "%s", mirs_error_last());
            continue;
        }
        st = add_item(b, j, cx, line);
    }
    return st;
}

/* Reads a whole regular file into a new NUL-terminated buffer (b->buf). The
 * parser decodes strings in place there and items point into it, so the
 * dataset keeps the buffer (keep_buffer) instead of copying every string.
 * Returns MIRS_OK with *len, or a status with the reason as the message. */
static int read_whole(builder *b, const char *path, size_t limit, size_t *len)
{
    b->buf = NULL;
    return mirs__read_file(path, limit, &b->buf, len);
}

/* Hands b->buf to the dataset when items point into it, else frees it. */
static int keep_buffer(builder *b, size_t count_before)
{
    mirs_dataset *ds = b->ds;
    char *buf = b->buf;
    b->buf = NULL;
    if (!buf) return MIRS_OK;
    if (ds->count == count_before) {
        free(buf);
        return MIRS_OK;
    }
    if (ds->nbufs == ds->bufs_cap) {
        size_t cap = ds->bufs_cap ? ds->bufs_cap * 2 : 64;
        char **nb = mirs__realloc(ds->bufs, cap * sizeof *nb);
        if (!nb) {
            free(buf);
            return MIRS_E_NO_MEMORY;
        }
        ds->bufs = nb;
        ds->bufs_cap = cap;
    }
    ds->bufs[ds->nbufs++] = buf;
    return MIRS_OK;
}

static int read_and_parse(builder *b, const char *path, const item_ctx *cx)
{
    size_t len = 0;
    size_t limit = b->o.max_file_bytes > SIZE_MAX / 4 ? SIZE_MAX / 4 : (size_t)b->o.max_file_bytes;
    int st = read_whole(b, path, limit, &len);
    if (st != MIRS_OK) {
        if (st == MIRS_E_NO_MEMORY) return st;
        return problem(b, st, cx->file_disp, -1, "%s", mirs_error_last());
    }
    size_t before = b->ds->count;
    st = cx->jsonl ? parse_jsonl_text(b, b->buf, len, cx) : parse_official_text(b, b->buf, len, cx);
    int kst = keep_buffer(b, before);
    return st != MIRS_OK ? st : kst;
}

/* ---- directory walking ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

typedef struct name_list {
    char **v;
    size_t n;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* The entries of a folder (no dot files), sorted so diagnostics come in a stable order. */
static int list_dir(const char *dir, name_list *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return mirs__fail_errno(errno == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO, errno, "%s: cannot open folder", dir);
    size_t cap = 0;
    struct dirent *e;
    int st = MIRS_OK;
    errno = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nv = mirs__realloc(out->v, cap * sizeof *nv);
            if (!nv) {
                st = MIRS_E_NO_MEMORY;
                break;
            }
            out->v = nv;
        }
        if (!(out->v[out->n] = mirs__strdup(e->d_name))) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        out->n++;
    }
    closedir(d);
    if (st != MIRS_OK) {
        names_free(out);
        return st;
    }
    if (out->n) qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return MIRS_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* eval.py (extract_category_method): the method is the file's stem with
 * every "_final" removed (pathlib's stem, then str.replace). */
static char *official_method(const char *name)
{
    size_t n = strlen(name);
    const char *dot = NULL;
    for (const char *p = name + 1; *p; p++) /* a leading dot does not start a suffix */
        if (*p == '.') dot = p;
    size_t stem = dot ? (size_t)(dot - name) : n;
    mirs__sb sb;
    mirs__sb_init(&sb);
    for (size_t i = 0; i < stem;) {
        if (i + 6 <= stem && memcmp(name + i, "_final", 6) == 0) {
            i += 6;
            continue;
        }
        mirs__sb_putc(&sb, name[i++]);
    }
    if (!sb.data) mirs__sb_puts(&sb, "");
    if (sb.oom) {
        mirs__sb_free(&sb);
        return NULL;
    }
    return sb.data;
}

typedef struct rel_file {
    int32_t relation;   /* -1: unknown */
    const char *method; /* arena copy: the relation as keys spell it */
    const char *name;   /* the file name */
} rel_file;

static int cmp_rel_file(const void *pa, const void *pb)
{
    const rel_file *a = pa, *b = pb;
    /* Official relations in official order, then unknown ones by file name. */
    if ((a->relation < 0) != (b->relation < 0)) return a->relation < 0 ? 1 : -1;
    if (a->relation >= 0 && a->relation != b->relation) return a->relation < b->relation ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* One category folder: c is MIRS_CATEGORY_* or -1 for an accepted unknown
 * folder named cname. */
static int open_category(builder *b, int32_t c, const char *cname)
{
    const char *root = b->ds->path;
    char *cdir = mirs__path_join(root, cname);
    if (!cdir) return MIRS_E_NO_MEMORY;
    name_list names = {0};
    int st = list_dir(cdir, &names);
    if (st != MIRS_OK) {
        st = st == MIRS_E_NO_MEMORY ? st : problem(b, st, cdir, -1, "cannot list the category folder");
        free(cdir);
        return st;
    }
    rel_file *files = mirs__calloc(names.n ? names.n : 1, sizeof *files);
    size_t nfiles = 0;
    if (!files) st = MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < names.n && st == MIRS_OK; i++) {
        const char *nm = names.v[i];
        if (!ends_with(nm, FINAL_SUFFIX)) continue;
        char *method = official_method(nm);
        char *full = mirs__path_join(cdir, nm);
        if (!method || !full) {
            free(method);
            free(full);
            st = MIRS_E_NO_MEMORY;
            break;
        }
        int32_t r = -1;
        for (int32_t k = 0; k < MIRS_RELATION_COUNT; k++)
            if (strcmp(method, mirs_relation_name(k)) == 0) r = k;
        struct stat sb;
        if (stat(full, &sb) == 0 && !S_ISREG(sb.st_mode))
            st = problem(b, MIRS_E_SCHEMA, full, -1, "a relation file that is not a regular file");
        else if (!mirs__utf8_valid(method, strlen(method)) || strchr(method, '/'))
            st = problem(b, MIRS_E_UTF8, full, -1, "a relation file name that is not valid UTF-8");
        else {
            bool ok = true;
            if (r < 0) {
                int o = oddity(b, MIRS_E_SCHEMA, full, -1,
                               "unknown relation file (the stem before \"_final.json\" must be an official relation "
                               "name): its items are kept as relation \"%.200s\"",
                               method);
                ok = o == ODD_ACCEPTED;
                if (!ok) st = o;
            }
            if (ok) {
                const char *m = mirs__arena_strndup(&b->ds->arena, method, strlen(method));
                const char *n = mirs__arena_strndup(&b->ds->arena, nm, strlen(nm));
                if (!m || !n)
                    st = MIRS_E_NO_MEMORY;
                else
                    files[nfiles++] = (rel_file){r, m, n};
            }
        }
        free(method);
        free(full);
    }
    if (nfiles > 1) qsort(files, nfiles, sizeof *files, cmp_rel_file);
    const char *cname_kept = c >= 0 ? mirs_category_name(c) : mirs__arena_strndup(&b->ds->arena, cname, strlen(cname));
    if (!cname_kept && st == MIRS_OK) st = MIRS_E_NO_MEMORY;
    for (size_t i = 0; i < nfiles && st == MIRS_OK; i++) {
        int32_t r = files[i].relation;
        mirs__sb rel;
        mirs__sb_init(&rel);
        mirs__sb_printf(&rel, "%s/%s", cname, files[i].name);
        char *full = rel.oom ? NULL : mirs__path_join(root, rel.data);
        char *frel = rel.oom ? NULL : mirs__arena_strndup(&b->ds->arena, rel.data, rel.len);
        mirs__sb_free(&rel);
        if (!full || !frel) {
            free(full);
            st = MIRS_E_NO_MEMORY;
            break;
        }
        const char *rname = r >= 0 ? mirs_relation_name(r) : files[i].method;
        item_ctx cx = {c, r, cname_kept, rname, frel, full, cdir, false};
        st = read_and_parse(b, full, &cx);
        free(full);
    }
    free(files);
    names_free(&names);
    free(cdir);
    return st;
}

static int open_official(builder *b)
{
    const char *root = b->ds->path;
    name_list names = {0};
    int st = list_dir(root, &names);
    if (st != MIRS_OK) return st;
    bool present[MIRS_CATEGORY_COUNT] = {0};
    bool any = false;
    for (size_t i = 0; i < names.n; i++)
        for (int32_t k = 0; k < MIRS_CATEGORY_COUNT; k++)
            if (strcmp(names.v[i], mirs_category_name(k)) == 0) present[k] = any = true;
    /* A folder without any category folder is not a dataset at all, whatever else it holds. */
    if (!any) {
        names_free(&names);
        return mirs__fail(MIRS_E_NOT_FOUND, "%s: no category folders (Hate_Speech, Violence, ...) found: not a dataset",
                          root);
    }
    bool *unknown = mirs__calloc(names.n ? names.n : 1, sizeof *unknown);
    if (!unknown) {
        names_free(&names);
        return MIRS_E_NO_MEMORY;
    }
    for (size_t i = 0; i < names.n && st == MIRS_OK; i++) {
        int32_t c = -1;
        for (int32_t k = 0; k < MIRS_CATEGORY_COUNT; k++)
            if (strcmp(names.v[i], mirs_category_name(k)) == 0) c = k;
        char *full = mirs__path_join(root, names.v[i]);
        if (!full) {
            st = MIRS_E_NO_MEMORY;
            break;
        }
        struct stat sb;
        if (stat(full, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            /* Files in the root (README, licences) are not part of the layout; a
             * category name that is not a folder is a problem. */
            if (c >= 0) {
                present[c] = false;
                st = problem(b, MIRS_E_SCHEMA, full, -1, "a category that is not a folder");
            }
        } else if (c < 0 && !mirs__utf8_valid(names.v[i], strlen(names.v[i])))
            st = problem(b, MIRS_E_UTF8, full, -1, "a category folder name that is not valid UTF-8");
        else if (c < 0) {
            /* eval.py (load_json_files) reads every folder of the root. */
            int o = oddity(b, MIRS_E_SCHEMA, full, -1,
                           "unknown category folder (expected Hate_Speech, Violence, Self-Harm, "
                           "Illegal_Activities, Harassment or Privacy): its items are kept as category \"%.200s\"",
                           names.v[i]);
            if (o == ODD_ACCEPTED)
                unknown[i] = true;
            else
                st = o;
        }
        free(full);
    }
    for (int32_t c = 0; c < MIRS_CATEGORY_COUNT && st == MIRS_OK; c++)
        if (present[c]) st = open_category(b, c, mirs_category_name(c));
    for (size_t i = 0; i < names.n && st == MIRS_OK; i++)
        if (unknown[i]) st = open_category(b, -1, names.v[i]);
    free(unknown);
    names_free(&names);
    return st;
}

static int cmp_item(const void *pa, const void *pb)
{
    const mirs_item *a = pa, *b = pb;
    if (a->category != b->category) return a->category < b->category ? -1 : 1;
    if (a->relation != b->relation) return a->relation < b->relation ? -1 : 1;
    return a->source_index < b->source_index ? -1 : a->source_index > b->source_index;
}

static void finish_order(mirs_dataset *ds)
{
    if (ds->format == MIRS_DATASET_FORMAT_JSONL && ds->count > 1) {
        qsort(ds->items, ds->count, sizeof *ds->items, cmp_item);
        memset(ds->table, 0, ds->table_cap * sizeof *ds->table);
        for (size_t i = 0; i < ds->count; i++) table_put(ds, i);
    }
    for (size_t i = 0; i < ds->count; i++) ds->items[i].index = i;
}

static int check_options(const mirs_dataset_options *opts, mirs_dataset_options *o)
{
    static const mirs_dataset_options defaults = MIRS_DATASET_OPTIONS_INIT;
    *o = defaults;
    if (!opts) return MIRS_OK;
    int rc = MIRS__STRUCT_IN(mirs_dataset_options, opts, o);
    if (rc) return rc;
    if (o->format < 0 || o->format > MIRS_DATASET_FORMAT_JSONL)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_dataset_open: unknown format %d", (int)o->format);
    if ((rc = mirs__read_mode_check(o->mode, "mirs_dataset_options"))) return rc;
    if (o->oddities != MIRS_DATASET_ODDITIES_ACCEPT && o->oddities != MIRS_DATASET_ODDITIES_REFUSE)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_dataset_open: unknown oddities setting %d", (int)o->oddities);
    if (o->min_images > o->max_images)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT, "mirs_dataset_open: min_images %u > max_images %u", o->min_images,
                          o->max_images);
    if (o->max_json_depth < 2 || o->max_json_depth > MIRS_DATASET_MAX_JSON_DEPTH || o->max_file_bytes == 0 ||
        o->max_line_bytes == 0)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "mirs_dataset_open: max_json_depth must be within 2..%d and the byte limits non-zero",
                          MIRS_DATASET_MAX_JSON_DEPTH);
    return MIRS_OK;
}

static int builder_init(builder *b, const char *path, const mirs_dataset_options *opts)
{
    memset(b, 0, sizeof *b);
    int st = check_options(opts, &b->o);
    if (st != MIRS_OK) return st;
    b->strict = b->o.mode == MIRS_READ_STRICT;
    mirs__sb_init(&b->key);
    b->ds = mirs__calloc(1, sizeof *b->ds);
    if (!b->ds) return MIRS_E_NO_MEMORY;
    b->ds->path = mirs__strdup(path);
    if (!b->ds->path) return MIRS_E_NO_MEMORY;
    return MIRS_OK;
}

static void builder_done(builder *b, int st, mirs_dataset **out)
{
    if (st == MIRS_OK) {
        finish_order(b->ds);
        *out = b->ds;
    } else
        mirs_dataset_free(b->ds);
    free(b->root_real);
    mirs__arena_free(&b->scratch);
    free(b->buf);
    dir_cache_free(&b->dirs);
    mirs__sb_free(&b->key);
}

MIRS_API int mirs_dataset_open(const char *path, const mirs_dataset_options *opts, mirs_dataset **out)
{
    MIRS_CHECK_ARG(path != NULL && *path, "path must not be NULL or empty");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    builder b;
    int st = builder_init(&b, path, opts);
    if (st != MIRS_OK) {
        builder_done(&b, st, out);
        return st;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        st = mirs__fail_errno(errno == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO, errno, "%s: cannot open dataset", path);
        builder_done(&b, st, out);
        return st;
    }
    int32_t fmt = b.o.format;
    if (fmt == MIRS_DATASET_FORMAT_AUTO)
        fmt = S_ISDIR(sb.st_mode) ? MIRS_DATASET_FORMAT_OFFICIAL : MIRS_DATASET_FORMAT_JSONL;
    b.ds->format = fmt;
    if (fmt == MIRS_DATASET_FORMAT_OFFICIAL) {
        if (!S_ISDIR(sb.st_mode))
            st = mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: the official layout needs a folder", path);
        else if (!(b.root_real = realpath(path, NULL)))
            st = mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot resolve the dataset root", path);
        else {
            b.root_real_len = strlen(b.root_real);
            st = open_official(&b);
        }
    } else {
        char *dir = mirs__path_dirname(path);
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        char *frel = mirs__arena_strndup(&b.ds->arena, base, strlen(base));
        if (!dir || !frel)
            st = MIRS_E_NO_MEMORY;
        else if (S_ISDIR(sb.st_mode))
            st = mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: a JSONL manifest must be a file, not a folder", path);
        else if (!(b.root_real = realpath(dir, NULL)))
            st = mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot resolve the manifest's folder", dir);
        else {
            b.root_real_len = strlen(b.root_real);
            item_ctx cx = {0, 0, NULL, NULL, frel, path, dir, true};
            st = read_and_parse(&b, path, &cx);
        }
        free(dir);
    }
    builder_done(&b, st, out);
    return st;
}

int mirs__dataset_parse_memory(const char *data, size_t len, int32_t format, int32_t category, int32_t relation,
                               const mirs_dataset_options *opts, mirs_dataset **out)
{
    MIRS_CHECK_ARG(data != NULL || len == 0, "data must not be NULL when len > 0");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    MIRS_CHECK_ARG(format == MIRS_DATASET_FORMAT_OFFICIAL || format == MIRS_DATASET_FORMAT_JSONL,
                   "format must be MIRS_DATASET_FORMAT_OFFICIAL or MIRS_DATASET_FORMAT_JSONL");
    MIRS_CHECK_ARG(mirs_category_name(category) && mirs_relation_name(relation),
                   "category and relation must be MIRS_CATEGORY_* and MIRS_RELATION_* values");
    builder b;
    int st = builder_init(&b, "<memory>", opts);
    if (st == MIRS_OK) {
        b.ds->format = format;
        if (len > b.o.max_file_bytes)
            st = mirs__fail(MIRS_E_LIMIT, "<memory>: %zu bytes exceeds the limit", len);
        else {
            bool jsonl = format == MIRS_DATASET_FORMAT_JSONL;
            item_ctx cx = {
                category, relation, mirs_category_name(category), mirs_relation_name(relation), "<memory>", "<memory>",
                NULL,     jsonl};
            char *copy = b.buf = mirs__malloc(len + 1); /* the parser decodes strings in place */
            if (!copy)
                st = MIRS_E_NO_MEMORY;
            else {
                if (len) memcpy(copy, data, len);
                copy[len] = '\0';
                st = jsonl ? parse_jsonl_text(&b, copy, len, &cx) : parse_official_text(&b, copy, len, &cx);
                int kst = keep_buffer(&b, 0);
                if (st == MIRS_OK) st = kst;
            }
        }
    }
    builder_done(&b, st, out);
    return st;
}

MIRS_API void mirs_dataset_free(mirs_dataset *ds)
{
    if (!ds) return;
    mirs__arena_free(&ds->arena);
    for (size_t i = 0; i < ds->nbufs; i++) free(ds->bufs[i]);
    free(ds->bufs);
    free(ds->items);
    free(ds->diags);
    free(ds->table);
    free(ds->path);
    free(ds);
}

/* ---- accessors ------------------------------------------------------------ */

MIRS_API const char *mirs_dataset_path(const mirs_dataset *ds) { return ds ? ds->path : NULL; }
MIRS_API int32_t mirs_dataset_format(const mirs_dataset *ds) { return ds ? ds->format : 0; }
MIRS_API size_t mirs_dataset_count(const mirs_dataset *ds) { return ds ? ds->count : 0; }
MIRS_API size_t mirs_dataset_image_total(const mirs_dataset *ds) { return ds ? ds->image_total : 0; }
MIRS_API size_t mirs_dataset_count_cell(const mirs_dataset *ds, int32_t category, int32_t relation)
{
    if (!ds || !mirs_category_name(category) || !mirs_relation_name(relation)) return 0;
    return ds->counts[category][relation];
}

MIRS_API size_t mirs_dataset_diagnostic_count(const mirs_dataset *ds) { return ds ? ds->ndiag : 0; }

MIRS_API const mirs_diagnostic *mirs_dataset_diagnostic(const mirs_dataset *ds, size_t i)
{
    return ds && i < ds->ndiag ? &ds->diags[i] : NULL;
}

MIRS_API const mirs_item *mirs_dataset_get(const mirs_dataset *ds, size_t index)
{
    return ds && index < ds->count ? &ds->items[index] : NULL;
}

MIRS_API int mirs_dataset_find(const mirs_dataset *ds, const char *key, const mirs_item **out)
{
    MIRS_CHECK_ARG(ds != NULL, "ds must not be NULL");
    MIRS_CHECK_ARG(key != NULL, "key must not be NULL");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    size_t i = mirs__dataset_lookup(ds, key, mirs_key_hash(key));
    if (i == SIZE_MAX) return mirs__fail(MIRS_E_NOT_FOUND, "no item with key \"%.300s\"", key);
    *out = &ds->items[i];
    return MIRS_OK;
}

MIRS_API const char *mirs_item_key(const mirs_item *it) { return it ? it->key : NULL; }
MIRS_API const char *mirs_item_id(const mirs_item *it) { return it ? it->id : NULL; }
MIRS_API int32_t mirs_item_id_is_int(const mirs_item *it) { return it ? it->id_is_int : 0; }
MIRS_API int32_t mirs_item_category(const mirs_item *it) { return it ? it->category : -1; }
MIRS_API int32_t mirs_item_relation(const mirs_item *it) { return it ? it->relation : -1; }
MIRS_API const char *mirs_item_category_name(const mirs_item *it) { return it ? it->category_name : NULL; }
MIRS_API const char *mirs_item_relation_name(const mirs_item *it) { return it ? it->relation_name : NULL; }
MIRS_API size_t mirs_item_index(const mirs_item *it) { return it ? it->index : 0; }
MIRS_API const char *mirs_item_revised_prompt(const mirs_item *it) { return it ? it->revised_prompt : NULL; }
MIRS_API const char *mirs_item_original_question(const mirs_item *it) { return it ? it->original_question : NULL; }
MIRS_API const char *mirs_item_relationship_type(const mirs_item *it) { return it ? it->relationship_type : NULL; }
MIRS_API int64_t mirs_item_iteration(const mirs_item *it) { return it ? it->iteration : 0; }
MIRS_API const char *mirs_item_source_file(const mirs_item *it) { return it ? it->source_file : NULL; }
MIRS_API int64_t mirs_item_source_index(const mirs_item *it) { return it ? it->source_index : -1; }
MIRS_API size_t mirs_item_image_count(const mirs_item *it) { return it ? it->nimages : 0; }
MIRS_API const char *mirs_item_image_path(const mirs_item *it, size_t i)
{
    return it && i < it->nimages ? it->image_paths[i] : NULL;
}
MIRS_API const char *mirs_item_image_file(const mirs_item *it, size_t i)
{
    return it && i < it->nimages ? it->image_files[i] : NULL;
}
MIRS_API size_t mirs_item_description_count(const mirs_item *it) { return it ? it->ndesc : 0; }
MIRS_API const char *mirs_item_description(const mirs_item *it, size_t i)
{
    return it && i < it->ndesc ? it->descriptions[i] : NULL;
}
MIRS_API size_t mirs_item_keyword_count(const mirs_item *it) { return it ? it->nkw : 0; }
MIRS_API const char *mirs_item_keyword(const mirs_item *it, size_t i)
{
    return it && i < it->nkw ? it->keywords[i] : NULL;
}
