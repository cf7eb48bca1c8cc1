/* The MIR-SafetyBench taxonomy: official names, display names, groups and
 * lenient name parsing. Everything here is static data: thread-safe. */
#include "dataset_internal.h"

#include <mirsafety/dataset.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const category_names[MIRS_CATEGORY_COUNT] = {
    "Hate_Speech", "Violence", "Self-Harm", "Illegal_Activities", "Harassment", "Privacy",
};
static const char *const category_display[MIRS_CATEGORY_COUNT] = {
    "Hate Speech", "Violence", "Self-Harm", "Illegal Activities", "Harassment", "Privacy",
};
static const char *const relation_names[MIRS_RELATION_COUNT] = {
    "Temporal_Continuity",
    "Temporal_Jump",
    "Spatial_Juxtaposition",
    "Spatial_Embedding",
    "Relevance",
    "Complementarity",
    "Analogy",
    "Causality",
    "Decomposition",
};
static const char *const relation_display[MIRS_RELATION_COUNT] = {
    "Temporal Continuity",
    "Temporal Jump",
    "Spatial Juxtaposition",
    "Spatial Embedding",
    "Relevance",
    "Complementarity",
    "Analogy",
    "Causality",
    "Decomposition",
};
static const char *const relation_desc[MIRS_RELATION_COUNT] = {
    "The images are consecutive moments of one process; the answer follows them step by step.",
    "The images are moments far apart in time; the answer has to infer what happened in between.",
    "The images show scenes side by side; the answer relates what appears next to what.",
    "One image zooms into or sits inside another; the answer connects the detail to the whole.",
    "The images share a theme; the answer draws on what links them.",
    "Each image holds part of the information; only together do they answer the request.",
    "One image pair sets up a pattern; the answer carries it over to the remaining images.",
    "One image shows a cause and another its effect; the answer explains the link between them.",
    "The images break a whole into its parts; the answer puts the parts back together.",
};
static const int32_t relation_groups[MIRS_RELATION_COUNT] = {
    MIRS_GROUP_TEMPORAL, MIRS_GROUP_TEMPORAL, MIRS_GROUP_SPATIAL, MIRS_GROUP_SPATIAL, MIRS_GROUP_SEMANTIC,
    MIRS_GROUP_SEMANTIC, MIRS_GROUP_LOGICAL,  MIRS_GROUP_LOGICAL, MIRS_GROUP_LOGICAL,
};
static const char *const group_names[MIRS_GROUP_COUNT] = {"Temporal", "Spatial", "Semantic", "Logical"};

MIRS_API const char *mirs_category_name(int32_t c)
{
    return c >= 0 && c < MIRS_CATEGORY_COUNT ? category_names[c] : NULL;
}
MIRS_API const char *mirs_relation_name(int32_t r)
{
    return r >= 0 && r < MIRS_RELATION_COUNT ? relation_names[r] : NULL;
}
MIRS_API const char *mirs_group_name(int32_t g) { return g >= 0 && g < MIRS_GROUP_COUNT ? group_names[g] : NULL; }
MIRS_API const char *mirs_category_display_name(int32_t c)
{
    return c >= 0 && c < MIRS_CATEGORY_COUNT ? category_display[c] : NULL;
}
MIRS_API const char *mirs_relation_display_name(int32_t r)
{
    return r >= 0 && r < MIRS_RELATION_COUNT ? relation_display[r] : NULL;
}
MIRS_API const char *mirs_relation_description(int32_t r)
{
    return r >= 0 && r < MIRS_RELATION_COUNT ? relation_desc[r] : NULL;
}
MIRS_API int32_t mirs_relation_group(int32_t r) { return r >= 0 && r < MIRS_RELATION_COUNT ? relation_groups[r] : -1; }

/* Compares two names ignoring ASCII case, spaces, '_' and '-'. */
static bool loose_equal(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '_' || *a == '-') a++;
        while (*b == ' ' || *b == '_' || *b == '-') b++;
        if (!*a || !*b) return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
        a++, b++;
    }
}

static int parse_in(const char *name, const char *const *names, int32_t n, int32_t *out, const char *what)
{
    if (!name || !out) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: NULL argument", what);
    /* An empty or separator-only name must not match (loose_equal would need both empty). */
    for (int32_t i = 0; i < n; i++)
        if (loose_equal(name, names[i])) {
            *out = i;
            return MIRS_OK;
        }
    char choices[512];
    size_t at = 0;
    choices[0] = '\0';
    for (int32_t i = 0; i < n && at < sizeof choices; i++) {
        int w = snprintf(choices + at, sizeof choices - at, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        at += (size_t)w;
    }
    return mirs__fail(MIRS_E_NOT_FOUND, "unknown %s \"%.200s\" (choices: %s)", what, name, choices);
}

MIRS_API int mirs_category_from_name(const char *name, int32_t *out)
{
    return parse_in(name, category_names, MIRS_CATEGORY_COUNT, out, "category");
}
MIRS_API int mirs_relation_from_name(const char *name, int32_t *out)
{
    return parse_in(name, relation_names, MIRS_RELATION_COUNT, out, "relation");
}
MIRS_API int mirs_group_from_name(const char *name, int32_t *out)
{
    return parse_in(name, group_names, MIRS_GROUP_COUNT, out, "group");
}

static int32_t exact(const char *const *names, int32_t count, const char *s, size_t n)
{
    for (int32_t i = 0; i < count; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return i;
    return -1;
}

int32_t mirs__category_exact(const char *s, size_t n) { return exact(category_names, MIRS_CATEGORY_COUNT, s, n); }

int32_t mirs__relation_exact(const char *s, size_t n) { return exact(relation_names, MIRS_RELATION_COUNT, s, n); }

void mirs__key_cell(const char *key, int32_t *category, int32_t *relation)
{
    *category = *relation = -1;
    const char *a = strchr(key, '/');
    if (!a) return;
    const char *b = strchr(a + 1, '/');
    if (!b) return;
    *category = mirs__category_exact(key, (size_t)(a - key));
    *relation = mirs__relation_exact(a + 1, (size_t)(b - a - 1));
}
