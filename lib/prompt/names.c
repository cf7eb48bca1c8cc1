/* The names of the prompt header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/prompt.h>

static const mirs__name prompt_labels_names[] = {
    {"auto", MIRS_PROMPT_LABELS_AUTO},
    {"on", MIRS_PROMPT_LABELS_ON},
    {"off", MIRS_PROMPT_LABELS_OFF},
};
MIRS__NAME_PAIR(prompt_labels, prompt_labels_names, "image labels mode")

static const mirs__name prompt_image_names[] = {
    {"original", MIRS_PROMPT_IMAGE_ORIGINAL},
    {"png", MIRS_PROMPT_IMAGE_PNG},
    {"jpeg", MIRS_PROMPT_IMAGE_JPEG},
    {"jpg", MIRS_PROMPT_IMAGE_JPEG},
};
MIRS__NAME_PAIR(prompt_image, prompt_image_names, "request image format")

static const mirs__name prompt_profile_names[] = {
    {"none", MIRS_PROMPT_PROFILE_NONE},
    {"qwen2.5-vl", MIRS_PROMPT_PROFILE_QWEN2_5_VL},
    {"glm-4.1v-thinking", MIRS_PROMPT_PROFILE_GLM4_1V_THINKING},
};
MIRS__NAME_PAIR(prompt_profile, prompt_profile_names, "run profile")
