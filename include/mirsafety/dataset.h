/*
 * libmirsafety — dataset: the MIR-SafetyBench taxonomy, opening the official
 * on-disk layout or a JSONL manifest, validation, items, filtered/sharded/
 * shuffled iteration and content checksums.
 */
#ifndef MIRSAFETY_DATASET_H
#define MIRSAFETY_DATASET_H

#include <mirsafety/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Taxonomy ---------------------------------------------------------- */

/* Risk categories, in the official order. Official names are the folder
 * names: Hate_Speech, Violence, Self-Harm, Illegal_Activities, Harassment,
 * Privacy. */
#define MIRS_CATEGORY_HATE_SPEECH 0
#define MIRS_CATEGORY_VIOLENCE 1
#define MIRS_CATEGORY_SELF_HARM 2
#define MIRS_CATEGORY_ILLEGAL_ACTIVITIES 3
#define MIRS_CATEGORY_HARASSMENT 4
#define MIRS_CATEGORY_PRIVACY 5
#define MIRS_CATEGORY_COUNT 6

/* Multi-image relation types, in the official order. Official names are
 * the file stems: Temporal_Continuity, Temporal_Jump, Spatial_Juxtaposition,
 * Spatial_Embedding, Relevance, Complementarity, Analogy, Causality,
 * Decomposition. */
#define MIRS_RELATION_TEMPORAL_CONTINUITY 0
#define MIRS_RELATION_TEMPORAL_JUMP 1
#define MIRS_RELATION_SPATIAL_JUXTAPOSITION 2
#define MIRS_RELATION_SPATIAL_EMBEDDING 3
#define MIRS_RELATION_RELEVANCE 4
#define MIRS_RELATION_COMPLEMENTARITY 5
#define MIRS_RELATION_ANALOGY 6
#define MIRS_RELATION_CAUSALITY 7
#define MIRS_RELATION_DECOMPOSITION 8
#define MIRS_RELATION_COUNT 9

/* Relation groups: Temporal, Spatial, Semantic (Relevance,
 * Complementarity), Logical (Analogy, Causality, Decomposition). */
#define MIRS_GROUP_TEMPORAL 0
#define MIRS_GROUP_SPATIAL 1
#define MIRS_GROUP_SEMANTIC 2
#define MIRS_GROUP_LOGICAL 3
#define MIRS_GROUP_COUNT 4

/* Official names ("Self-Harm", "Temporal_Jump", "Semantic"); NULL when the
 * value is out of range. Static strings; thread-safe. */
MIRS_API const char *mirs_category_name(int32_t category);
MIRS_API const char *mirs_relation_name(int32_t relation);
MIRS_API const char *mirs_group_name(int32_t group);

/* Display names for people ("Self-Harm", "Temporal Jump", "Illegal
 * Activities"); NULL when out of range. Static; thread-safe. */
MIRS_API const char *mirs_category_display_name(int32_t category);
MIRS_API const char *mirs_relation_display_name(int32_t relation);

/* One line, in this project's words, of what a relation asks the model to
 * do across its images. NULL when out of range. Static; thread-safe. */
MIRS_API const char *mirs_relation_description(int32_t relation);

/* The group of a relation, or -1 when out of range. */
MIRS_API int32_t mirs_relation_group(int32_t relation);

/* Lenient name parsing: case, spaces, underscores and hyphens are ignored
 * ("self harm", "SELF_HARM", "Self-Harm" are all MIRS_CATEGORY_SELF_HARM).
 * Returns MIRS_OK and writes *out, or MIRS_E_NOT_FOUND. Thread-safe. */
MIRS_API int mirs_category_from_name(const char *name, int32_t *out);
MIRS_API int mirs_relation_from_name(const char *name, int32_t *out);
MIRS_API int mirs_group_from_name(const char *name, int32_t *out);

/* ---- Opening ----------------------------------------------------------- */

typedef struct mirs_dataset mirs_dataset;
typedef struct mirs_item mirs_item;
typedef struct mirs_iter mirs_iter;

#define MIRS_DATASET_FORMAT_AUTO 0     /* a directory is the official layout, a file a JSONL manifest */
#define MIRS_DATASET_FORMAT_OFFICIAL 1 /* <root>/<Category>/<Relation>_final.json */
#define MIRS_DATASET_FORMAT_JSONL 2    /* one item per line with a "category" field */

/* Oddities: items the official eval.py evaluates although they are not what
 * the documented layout describes (docs/dataset.md lists them: an image count
 * outside min_images..max_images, an unknown category folder or relation
 * file, no usable "id", a non-integer "iteration", non-string keywords or
 * descriptions, a missing prompt or question...). ACCEPT (the default) keeps
 * such an item, with the official code's reading of the odd field, and
 * records one diagnostic per oddity whose status is MIRS_OK (in both read modes);
 * REFUSE treats each as a problem (the mode then decides). */
#define MIRS_DATASET_ODDITIES_ACCEPT 0
#define MIRS_DATASET_ODDITIES_REFUSE 1

typedef struct mirs_dataset_options {
    size_t struct_size;      /* sizeof(mirs_dataset_options) */
    int32_t format;          /* MIRS_DATASET_FORMAT_*; default AUTO */
    int32_t mode;            /* MIRS_READ_STRICT (the first problem fails the open) or _LENIENT; default STRICT */
    int32_t check_images;    /* non-zero: a missing or non-regular image file is a problem; default 0 */
    uint32_t min_images;     /* default 2 */
    uint32_t max_images;     /* default 4 */
    uint32_t max_json_depth; /* nesting limit of any JSON file, 2..1024; default 64 */
    uint64_t max_file_bytes; /* size limit of one JSON file or manifest; default 256 MiB */
    uint64_t max_items;      /* limit on items in the whole dataset; default 10,000,000 */
    uint64_t max_line_bytes; /* size limit of one JSONL line; default 16 MiB */
    int32_t oddities;        /* MIRS_DATASET_ODDITIES_*; default ACCEPT */
    uint32_t reserved;       /* must be 0 (keeps the struct free of trailing padding) */
} mirs_dataset_options;

#define MIRS_DATASET_OPTIONS_INIT                                                                                      \
    {                                                                                                                  \
        sizeof(mirs_dataset_options), 0, 0, 0, 2, 4, 64, 268435456u, 10000000u, 16777216u,                             \
            MIRS_DATASET_ODDITIES_ACCEPT, 0                                                                            \
    }

/* Writes the defaults into the first `size` bytes of *opts and sets its
 * struct_size to size (pass sizeof(mirs_dataset_options)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_dataset_options_init(mirs_dataset_options *opts, size_t size);

/* Opens a dataset. path is the root directory of the official layout or a
 * JSONL manifest file (image paths relative to the manifest's folder; each
 * line needs "category" and a relation in "relation" or, failing that,
 * "relationship_type", both parsed leniently); opts may be NULL for the
 * defaults. On success *out owns a new immutable dataset, freed with
 * mirs_dataset_free(). Errors: MIRS_E_INVALID_ARGUMENT, MIRS_E_IO,
 * MIRS_E_NOT_FOUND (no such path, or a folder without any category
 * folder), MIRS_E_LIMIT (more than max_items, in both modes), and in strict
 * mode the first problem's code (MIRS_E_JSON, MIRS_E_SCHEMA, MIRS_E_LIMIT,
 * MIRS_E_UTF8, MIRS_E_PATH, MIRS_E_DUPLICATE, MIRS_E_RANGE, and with
 * check_images MIRS_E_NOT_FOUND) with the message "FILE: item N: reason"
 * ("FILE: reason" for a problem with a whole file). docs/dataset.md lists
 * every rule. An opened dataset is immutable: every const function below
 * may be called from any number of threads at once. */
MIRS_API int mirs_dataset_open(const char *path, const mirs_dataset_options *opts, mirs_dataset **out);
MIRS_API void mirs_dataset_free(mirs_dataset *ds);

/* The path given to mirs_dataset_open (borrowed, lives as long as ds). */
MIRS_API const char *mirs_dataset_path(const mirs_dataset *ds);
/* MIRS_DATASET_FORMAT_OFFICIAL or _JSONL. */
MIRS_API int32_t mirs_dataset_format(const mirs_dataset *ds);
/* Number of items, and of image references over all items. */
MIRS_API size_t mirs_dataset_count(const mirs_dataset *ds);
MIRS_API size_t mirs_dataset_image_total(const mirs_dataset *ds);
/* Items with the given category and relation (0 when out of range;
 * items of unknown categories or relations are in no cell). */
MIRS_API size_t mirs_dataset_count_cell(const mirs_dataset *ds, int32_t category, int32_t relation);

/* One diagnostic of a lenient open (strict opens record only oddities),
 * borrowed from its dataset: the struct and its strings live as long as ds.
 * A frozen struct (like mirs_buf): it never changes layout. */
typedef struct mirs_diagnostic {
    const char *file;    /* the dataset path joined with the file's (or folder's) relative path */
    const char *message; /* the reason alone */
    int64_t item_index;  /* the item's position in its file (line number - 1 for JSONL); -1: the file itself */
    int32_t status;      /* the problem's status (the item or file was skipped), or MIRS_OK for an accepted oddity */
    uint32_t reserved;   /* 0 */
} mirs_diagnostic;

/* Number of diagnostics, and diagnostic i in a stable order (NULL for a
 * NULL ds or i out of range). Thread-safe. */
MIRS_API size_t mirs_dataset_diagnostic_count(const mirs_dataset *ds);
MIRS_API const mirs_diagnostic *mirs_dataset_diagnostic(const mirs_dataset *ds, size_t i);

/* Item `index` (positions follow the iteration order of an unfiltered
 * iterator: categories in official order, then relations in official
 * order, then items in file order; manifest items are sorted into this
 * order, keeping line order within a category and relation), or NULL for a
 * NULL ds or an index out of range (see mirs_dataset_count). The item is
 * borrowed and lives as long as ds. */
MIRS_API const mirs_item *mirs_dataset_get(const mirs_dataset *ds, size_t index);
/* The item with the given key: MIRS_OK with *out (borrowed, lives as long
 * as ds), MIRS_E_NOT_FOUND, or MIRS_E_INVALID_ARGUMENT. */
MIRS_API int mirs_dataset_find(const mirs_dataset *ds, const char *key, const mirs_item **out);

#define MIRS_CHECKSUM_METADATA 0 /* every item's fields, in order */
#define MIRS_CHECKSUM_IMAGES 1   /* also the bytes of every image file */

/* A CRC-64/XZ-style content checksum over the dataset (not a security hash:
 * it detects accidental change, not tampering). Same data, same value on
 * every machine. With MIRS_CHECKSUM_IMAGES a missing image is MIRS_E_IO. */
MIRS_API int mirs_dataset_checksum(const mirs_dataset *ds, int32_t flags, uint64_t *out);

/* ---- Items --------------------------------------------------------------- */

/* Every string below is borrowed from the dataset, NUL-terminated, valid
 * UTF-8, and lives as long as the dataset. Items are immutable; thread-safe. */

/* "<Category>/<Relation>/<id>" with official names (see
 * mirs_item_category_name). An item without a usable "id" (an accepted
 * oddity) has the id "#N", N its position in its file. */
MIRS_API const char *mirs_item_key(const mirs_item *item);
/* The id as text (integers in decimal) and whether the file held an integer. */
MIRS_API const char *mirs_item_id(const mirs_item *item);
MIRS_API int32_t mirs_item_id_is_int(const mirs_item *item);
/* MIRS_CATEGORY_* / MIRS_RELATION_*, or -1 for an accepted unknown category
 * folder or relation file (see oddities). */
MIRS_API int32_t mirs_item_category(const mirs_item *item);
MIRS_API int32_t mirs_item_relation(const mirs_item *item);
/* The category and relation as the key spells them: the official name, or
 * an unknown folder's name and an unknown file's relation as eval.py derives
 * it (the file name's stem with every "_final" removed). */
MIRS_API const char *mirs_item_category_name(const mirs_item *item);
MIRS_API const char *mirs_item_relation_name(const mirs_item *item);
/* Position in the dataset (mirs_dataset_get order). */
MIRS_API size_t mirs_item_index(const mirs_item *item);
/* What the model sees, and the seed question (the judge's behaviour). */
MIRS_API const char *mirs_item_revised_prompt(const mirs_item *item);
MIRS_API const char *mirs_item_original_question(const mirs_item *item);
/* The item's "relationship_type" field as written ("" when absent). */
MIRS_API const char *mirs_item_relationship_type(const mirs_item *item);
/* The "iteration" field (0 when absent). */
MIRS_API int64_t mirs_item_iteration(const mirs_item *item);
/* The file the item came from (relative to the dataset path) and its
 * position there (array index, or line number - 1 for JSONL). */
MIRS_API const char *mirs_item_source_file(const mirs_item *item);
MIRS_API int64_t mirs_item_source_index(const mirs_item *item);

/* Images in stored order. image_path is as written in the file (relative
 * to the category folder, or to the manifest's folder); image_file is that
 * path joined to its base as eval.py joins it (os.path.join: an absolute
 * path is itself, ".." is kept as written), ready to open. NULL when i is
 * out of range. */
MIRS_API size_t mirs_item_image_count(const mirs_item *item);
MIRS_API const char *mirs_item_image_path(const mirs_item *item, size_t i);
MIRS_API const char *mirs_item_image_file(const mirs_item *item, size_t i);
/* Descriptions and keywords, always as lists (a single string in the file
 * is a list of one). NULL when i is out of range. */
MIRS_API size_t mirs_item_description_count(const mirs_item *item);
MIRS_API const char *mirs_item_description(const mirs_item *item, size_t i);
MIRS_API size_t mirs_item_keyword_count(const mirs_item *item);
MIRS_API const char *mirs_item_keyword(const mirs_item *item, size_t i);

/* ---- Iteration ----------------------------------------------------------- */

typedef struct mirs_filter {
    size_t struct_size;      /* sizeof(mirs_filter) */
    uint32_t categories;     /* bit (1u << MIRS_CATEGORY_*) set = kept; 0 = all */
    uint32_t relations;      /* bit (1u << MIRS_RELATION_*); 0 = all */
    uint32_t groups;         /* bit (1u << MIRS_GROUP_*); 0 = all */
    const char *const *keys; /* keep only these keys (unknown keys are ignored); NULL = all */
    size_t key_count;
    uint32_t shard_index; /* keep the items whose mirs_key_shard(key, shard_count) == shard_index */
    uint32_t shard_count; /* 0 or 1 = no sharding */
    int32_t shuffle;      /* non-zero: seeded order instead of dataset order */
    uint64_t seed;
} mirs_filter;

#define MIRS_FILTER_INIT                                                                                               \
    {                                                                                                                  \
        sizeof(mirs_filter), 0, 0, 0, NULL, 0, 0, 0, 0, 0                                                              \
    }
/* Writes the defaults into the first `size` bytes of *filter and sets its
 * struct_size to size (pass sizeof(mirs_filter)); never writes past size bytes,
 * so a program built against another version's header stays safe.
 * MIRS_OK, or MIRS_E_INVALID_ARGUMENT (NULL; size below sizeof(size_t) or
 * above 64 KiB). For bindings; C code can use the _INIT macro. */
MIRS_API int mirs_filter_init(mirs_filter *filter, size_t size);

/* The stable 64-bit hash of a key (FNV-1a over its UTF-8 bytes, then the
 * splitmix64 finaliser): the same on every machine and every run. */
MIRS_API uint64_t mirs_key_hash(const char *key);
/* The shard of a key: mirs_key_hash(key) % shard_count (0 if shard_count is 0). */
MIRS_API uint32_t mirs_key_shard(const char *key, uint32_t shard_count);

/* A new iterator over the items that pass every filter (filter may be NULL).
 * Filters combine with AND; an item of an unknown category (relation)
 * passes only when no category (relation or group) bit is set. Order: dataset order, or with shuffle the order
 * of splitmix64(seed ^ mirs_key_hash(key)) then key, which is the same on
 * every machine and keeps the relative order of any subset. Iterators are
 * one-thread-at-a-time; make one per thread. The dataset must outlive it.
 * Errors: MIRS_E_INVALID_ARGUMENT (a set bit beyond the known categories,
 * relations or groups; keys NULL with key_count > 0; struct_size too small),
 * MIRS_E_RANGE (shard_index >= shard_count, or non-zero without a shard
 * count), MIRS_E_NO_MEMORY. */
MIRS_API int mirs_iter_new(const mirs_dataset *ds, const mirs_filter *filter, mirs_iter **out);
/* MIRS_OK with the next borrowed item (lives as long as the dataset), or
 * MIRS_DONE at the end (*out untouched). */
MIRS_API int mirs_iter_next(mirs_iter *it, const mirs_item **out);
/* Number of items the iterator yields in all, and back to the first one. */
MIRS_API size_t mirs_iter_count(const mirs_iter *it);
MIRS_API void mirs_iter_reset(mirs_iter *it);
MIRS_API void mirs_iter_free(mirs_iter *it);

/* ---- Names of the constant groups ------------------------------------------ */

/* For each group, mirs_<group>_name(value) gives the static canonical name
 * (NULL for a value outside the group) and mirs_<group>_from_name(name, &out)
 * the value of a name, ignoring ASCII case, spaces, '_' and '-' (MIRS_OK;
 * MIRS_E_NOT_FOUND with the choices in the message; MIRS_E_INVALID_ARGUMENT
 * for NULL). Thread-safe. */
/* MIRS_DATASET_FORMAT_*: "auto", "official", "jsonl". */
MIRS_API const char *mirs_dataset_format_name(int32_t value);
MIRS_API int mirs_dataset_format_from_name(const char *name, int32_t *out);
/* MIRS_DATASET_ODDITIES_*: "accept", "refuse". */
MIRS_API const char *mirs_dataset_oddities_name(int32_t value);
MIRS_API int mirs_dataset_oddities_from_name(const char *name, int32_t *out);
/* MIRS_CHECKSUM_*: "metadata", "images". */
MIRS_API const char *mirs_checksum_name(int32_t value);
MIRS_API int mirs_checksum_from_name(const char *name, int32_t *out);

#ifdef __cplusplus
}
#endif

#endif
