/* Internal layout of the dataset handle, shared by the files of the module
 * and by tests/fuzz targets through mirsafety_internal_dep. */
#ifndef MIRS_DATASET_INTERNAL_H
#define MIRS_DATASET_INTERNAL_H

#include "util/util.h"

#include <mirsafety/dataset.h>

/* Exact lookups of the official names (folder names, file stems, key
 * parts): the index, or -1 for any other spelling. */
int32_t mirs__category_exact(const char *s, size_t n);
int32_t mirs__relation_exact(const char *s, size_t n);
/* Splits "<Category>/<Relation>/..." into ids (-1 when unknown or absent). */
void mirs__key_cell(const char *key, int32_t *category, int32_t *relation);

/* The largest max_json_depth accepted (the parser recurses once per level). */
#define MIRS_DATASET_MAX_JSON_DEPTH 1024

struct cJSON;
/* Parses strict JSON (RFC 8259) from a mutable buffer: UTF-8 is checked
 * first, nesting deeper than max_depth is MIRS_E_LIMIT, strings are decoded
 * in place (text is modified) and nodes are cJSON structs allocated in
 * scratch. The tree lives until scratch is reset or freed and must NOT be
 * given to cJSON_Delete. Messages: "invalid JSON at byte N: why", ... */
/* A node type bit (beside cJSON's, which use the low 10 bits) of the nodes
 * of mirs__json_fast_parse whose string value or member name holds U+0000:
 * the C string stops at the NUL, so the dataset refuses the item. */
#define MIRS__JSON_HAS_NUL (1 << 14)
int mirs__json_fast_parse(char *text, size_t len, unsigned max_depth, mirs__arena *scratch, struct cJSON **out);

struct mirs_item {
    const char *key, *id, *revised_prompt, *original_question, *relationship_type, *source_file;
    const char *category_name, *relation_name; /* as in the key (unknown ones: folder and file names) */
    const char **image_paths, **image_files, **descriptions, **keywords;
    uint64_t hash; /* mirs_key_hash(key) */
    int64_t iteration, source_index;
    size_t index;
    uint32_t nimages, ndesc, nkw;
    int32_t category, relation, id_is_int;
};

typedef mirs_diagnostic mirs_diag;

struct mirs_dataset {
    char *path;
    int32_t format;
    mirs__arena arena; /* keys, joined image files, pointer lists, diagnostics */
    char **bufs;       /* the files' bytes: item strings point into them (decoded in place) */
    size_t nbufs, bufs_cap;
    mirs_item *items;
    size_t count, cap;
    size_t image_total;
    size_t counts[MIRS_CATEGORY_COUNT][MIRS_RELATION_COUNT];
    mirs_diag *diags;
    size_t ndiag, diag_cap;
    uint32_t *table; /* open addressing over key hashes: item index + 1, 0 = empty */
    size_t table_cap;
};

/* Index of the item with this key, or SIZE_MAX. */
size_t mirs__dataset_lookup(const mirs_dataset *ds, const char *key, uint64_t hash);

/* Parses one file's bytes through the same code path as mirs_dataset_open,
 * without touching the file system (no image checks). For FORMAT_OFFICIAL
 * the bytes are a <Relation>_final.json of the given category and relation;
 * for FORMAT_JSONL a manifest. Used by the fuzz target and tests. */
int mirs__dataset_parse_memory(const char *data, size_t len, int32_t format, int32_t category, int32_t relation,
                               const mirs_dataset_options *opts, mirs_dataset **out);

#endif
