/* Every constant group has its name pair: mirs_<group>_name(value) and
 * mirs_<group>_from_name(name) are inverse on the whole group, ignore case
 * and separators, give NULL outside the group, and refuse an unknown name
 * with the choices in the message (issue #23). */
#include <mirsafety/mirsafety.h>

#include "../testutil.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

typedef struct pair {
    const char *group;
    const char *(*name)(int32_t);
    int (*from_name)(const char *, int32_t *);
    int32_t first, count; /* the group's values: first .. first + count - 1 */
} pair;

static const pair pairs[] = {
    {"dataset_format", mirs_dataset_format_name, mirs_dataset_format_from_name, 0, 3},
    {"dataset_oddities", mirs_dataset_oddities_name, mirs_dataset_oddities_from_name, 0, 2},
    {"checksum", mirs_checksum_name, mirs_checksum_from_name, 0, 2},
    {"category", mirs_category_name, mirs_category_from_name, 0, MIRS_CATEGORY_COUNT},
    {"relation", mirs_relation_name, mirs_relation_from_name, 0, MIRS_RELATION_COUNT},
    {"group", mirs_group_name, mirs_group_from_name, 0, MIRS_GROUP_COUNT},
    {"image_format", mirs_image_format_name, mirs_image_format_from_name, 0, 3},
    {"layout", mirs_layout_name, mirs_layout_from_name, 0, 3},
    {"jpeg_warnings", mirs_jpeg_warnings_name, mirs_jpeg_warnings_from_name, 0, 2},
    {"jpeg_dct", mirs_jpeg_dct_name, mirs_jpeg_dct_from_name, 0, 2},
    {"jpeg_subsampling", mirs_jpeg_subsampling_name, mirs_jpeg_subsampling_from_name, 0, 3},
    {"resize", mirs_resize_name, mirs_resize_from_name, 0, 3},
    {"composite", mirs_composite_name, mirs_composite_from_name, 0, 3},
    {"prompt_labels", mirs_prompt_labels_name, mirs_prompt_labels_from_name, 0, 3},
    {"prompt_image", mirs_prompt_image_name, mirs_prompt_image_from_name, 0, 3},
    {"prompt_profile", mirs_prompt_profile_name, mirs_prompt_profile_from_name, 0, 3},
    {"prompt_format", mirs_prompt_format_name, mirs_prompt_format_from_name, 0, MIRS_PROMPT_FORMAT_COUNT},
    {"prompt_variant", mirs_prompt_variant_name, mirs_prompt_variant_from_name, 0, MIRS_PROMPT_VARIANT_COUNT},
    {"strip_mode", mirs_strip_mode_name, mirs_strip_mode_from_name, 0, 5},
    {"strip_unterminated", mirs_strip_unterminated_name, mirs_strip_unterminated_from_name, 0, 3},
    {"parse_mode", mirs_parse_mode_name, mirs_parse_mode_from_name, 0, 3},
    {"response_status", mirs_response_status_name, mirs_response_status_from_name, 0, 3},
    {"responses_format", mirs_responses_format_name, mirs_responses_format_from_name, 0, 4},
    {"response_origin", mirs_response_origin_name, mirs_response_origin_from_name, 0, 3},
    {"durability", mirs_durability_name, mirs_durability_from_name, 0, 4},
    {"torn", mirs_torn_name, mirs_torn_from_name, 0, 2},
    {"merge_policy", mirs_merge_policy_name, mirs_merge_policy_from_name, 0, 2},
    {"denominator", mirs_denominator_name, mirs_denominator_from_name, 0, 2},
    {"report_format", mirs_report_format_name, mirs_report_format_from_name, 0, 5},
    {"mwu_method", mirs_mwu_method_name, mirs_mwu_method_from_name, 0, 3},
    {"entropy_dtype", mirs_entropy_dtype_name, mirs_entropy_dtype_from_name, 1, 4},
    {"entropy_policy", mirs_entropy_policy_name, mirs_entropy_policy_from_name, 0, 3},
    {"entropy_kernel", mirs_entropy_kernel_name, mirs_entropy_kernel_from_name, 0, 5},
    {"entropy_label", mirs_entropy_label_name, mirs_entropy_label_from_name, 0, 2},
    {"entropy_threshold", mirs_entropy_threshold_name, mirs_entropy_threshold_from_name, 0, 2},
    {"category", mirs_category_name, mirs_category_from_name, 0, MIRS_CATEGORY_COUNT},
    {"relation", mirs_relation_name, mirs_relation_from_name, 0, MIRS_RELATION_COUNT},
    {"group", mirs_group_name, mirs_group_from_name, 0, MIRS_GROUP_COUNT},
    {"prompt_format", mirs_prompt_format_name, mirs_prompt_format_from_name, 0, MIRS_PROMPT_FORMAT_COUNT},
    {"prompt_variant", mirs_prompt_variant_name, mirs_prompt_variant_from_name, 0, MIRS_PROMPT_VARIANT_COUNT},
    {"preset", mirs_preset_name, mirs_preset_from_name, 0, MIRS_PRESET_COUNT},
    {"judge", mirs_judge_name, mirs_judge_from_name, 0, MIRS_JUDGE_COUNT},
    {"verdict", mirs_verdict_name, mirs_verdict_from_name, 0, MIRS_VERDICT_COUNT},
    {"response_type", mirs_response_type_name, mirs_response_type_from_name, 0, MIRS_RTYPE_COUNT},
};

int main(void)
{
    for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++) {
        const pair *x = &pairs[p];
        for (int32_t v = -3; v < x->first + x->count + 40; v++) {
            const char *n = x->name(v);
            bool in = v >= x->first && v < x->first + x->count;
            if (!in) {
                if (n) fprintf(stderr, "%s: value %d outside the group has the name %s\n", x->group, (int)v, n);
                CHECK(n == NULL);
                continue;
            }
            if (!n) fprintf(stderr, "%s: value %d has no name\n", x->group, (int)v);
            CHECK(n != NULL);
            if (!n) continue;
            int32_t back = -99;
            CHECK_OK(x->from_name(n, &back));
            if (back != v) fprintf(stderr, "%s: %s reads back as %d, not %d\n", x->group, n, (int)back, (int)v);
            CHECK(back == v);
            /* Case and separators do not matter. */
            char loud[128];
            size_t k = 0;
            for (const char *c = n; *c && k + 1 < sizeof loud; c++)
                loud[k++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
            loud[k] = 0;
            back = -99;
            CHECK_OK(x->from_name(loud, &back));
            CHECK(back == v);
            /* The names of a group differ. */
            for (int32_t w = x->first; w < v; w++) CHECK(strcmp(x->name(w), n) != 0);
        }
        int32_t out = 1234;
        CHECK(x->from_name("no-such-name", &out) == MIRS_E_NOT_FOUND);
        CHECK(out == 1234);
        CHECK(strstr(mirs_error_last(), "no-such-name") != NULL);
        CHECK(x->from_name("", &out) == MIRS_E_NOT_FOUND);
        CHECK(x->from_name(NULL, &out) == MIRS_E_INVALID_ARGUMENT);
        CHECK(x->from_name(x->name(x->first), NULL) == MIRS_E_INVALID_ARGUMENT);
    }
    /* The new pairs list their choices; aliases read as their value. */
    int32_t v = -1;
    CHECK(mirs_strip_mode_from_name("bogus", &v) == MIRS_E_NOT_FOUND);
    CHECK(strstr(mirs_error_last(), "choices: mir, glm, tags, whitespace, glm-raw") != NULL);
    CHECK_OK(mirs_strip_mode_from_name("none", &v));
    CHECK(v == MIRS_STRIP_WHITESPACE);
    CHECK_OK(mirs_entropy_dtype_from_name("bfloat16", &v));
    CHECK(v == MIRS_ENTROPY_BF16);
    CHECK_OK(mirs_torn_from_name("repair", &v));
    CHECK(v == MIRS_TORN_TRUNCATE);
    CHECK(strcmp(mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), "avx512") == 0 ||
          strcmp(mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), "avx2") == 0 ||
          strcmp(mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), "sse2") == 0 ||
          strcmp(mirs_entropy_kernel_name(mirs_entropy_auto_kernel()), "generic") == 0);
    return test_summary("names");
}
