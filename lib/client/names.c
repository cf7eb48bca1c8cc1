/* The names of the client header's constant groups (the rule: util.h, MIRS__NAME_PAIR). */
#include "util/util.h"

#include <mirsafety/client.h>

static const mirs__name client_api_names[] = {
    {"auto", MIRS_CLIENT_API_AUTO},
    {"chat", MIRS_CLIENT_API_OPENAI_CHAT},
    {"completions", MIRS_CLIENT_API_OPENAI_COMPLETIONS},
    {"anthropic", MIRS_CLIENT_API_ANTHROPIC},
    {"openai-chat", MIRS_CLIENT_API_OPENAI_CHAT},
    {"openai-completions", MIRS_CLIENT_API_OPENAI_COMPLETIONS},
};
MIRS__NAME_PAIR(client_api, client_api_names, "client API")

static const mirs__name client_output_names[] = {
    {"responses", MIRS_CLIENT_OUTPUT_RESPONSES},
    {"judge", MIRS_CLIENT_OUTPUT_JUDGE},
};
MIRS__NAME_PAIR(client_output, client_output_names, "client output")

static const mirs__name client_durability_names[] = {
    {"write", MIRS_CLIENT_DURABLE_WRITE},
    {"fsync", MIRS_CLIENT_DURABLE_FSYNC},
};
MIRS__NAME_PAIR(client_durability, client_durability_names, "client durability")
