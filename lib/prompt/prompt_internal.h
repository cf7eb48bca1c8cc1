/* Internal core of the prompt module: what every text format renders, as
 * plain strings, so the chat formats and the template language do not
 * depend on where the item came from. */
#ifndef MIRS_PROMPT_INTERNAL_H
#define MIRS_PROMPT_INTERNAL_H

#include <mirsafety/prompt.h>

#include "util/util.h"

typedef struct mirs__prompt_ctx {
    const char *system;        /* NULL = not given */
    const char *const *images; /* image references in the order sent */
    size_t image_count;
    const char *text;     /* the user text sent */
    const char *prompt;   /* the item's revised prompt (or the text) */
    const char *question; /* the original question, "" if none */
    const char *key, *id;
    const char *relation, *relation_display, *relation_description; /* "" when unknown */
    const char *category, *category_display, *group;
    bool labels;             /* resolved: per-image labels on */
    int32_t labels_mode;     /* MIRS_PROMPT_LABELS_* as asked (templates see it raw) */
    const char *placeholder; /* PLAIN / template image marker */
} mirs__prompt_ctx;

/* Resolves MIRS_PROMPT_LABELS_AUTO for a format and an image count. */
bool mirs__prompt_labels(int32_t format, int32_t labels, size_t image_count);

/* Appends the rendering of a built-in text format (QWEN2_VL .. PLAIN). */
int mirs__chat_render(int32_t format, const mirs__prompt_ctx *c, mirs__sb *out);

/* Appends the rendering of a template. */
int mirs__template_render(const mirs_template *t, const mirs__prompt_ctx *c, mirs__sb *out);

/* Fills the taxonomy names of a context from codes (-1 = unknown). */
void mirs__prompt_ctx_names(mirs__prompt_ctx *c, int32_t relation, int32_t category);

/* Reads the options with defaults filled for an older/shorter struct. */
int mirs__prompt_options_get(const mirs_prompt_options *in, mirs_prompt_options *out);

/* InternVL2.5's own system message (internvl2_5 conversation template). */
#define MIRS__INTERNVL_DEFAULT_SYSTEM                                                                                  \
    "你是书生·万象，英文名是InternVL，是由上海人工智能实验室、清华大学及多家合作单位联合开发的多模态大语言模型。"

#endif
