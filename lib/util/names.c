/* Name <-> value tables of the public constant groups (see util.h). */
#include "util.h"

#include <string.h>

bool mirs__name_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '_' || *a == '-') a++;
        while (*b == ' ' || *b == '_' || *b == '-') b++;
        if (!*a || !*b) return !*a && !*b;
        unsigned char x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x | 0x20);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y | 0x20);
        if (x != y) return false;
        a++, b++;
    }
}

const char *mirs__name_of(const mirs__name *t, size_t n, int32_t value)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == value) return t[i].name;
    return NULL;
}

/* True when t[i] is the first entry of its value (the canonical name). */
static bool canonical(const mirs__name *t, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (t[k].value == t[i].value) return false;
    return true;
}

int mirs__from_name(const mirs__name *t, size_t n, const char *name, const char *what, int32_t *out)
{
    if (!name || !out) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: name and out must not be NULL", what);
    bool blank = true;
    for (const char *p = name; *p; p++) blank &= *p == ' ' || *p == '_' || *p == '-';
    for (size_t i = 0; !blank && i < n; i++)
        if (mirs__name_eq(name, t[i].name)) {
            *out = t[i].value;
            return MIRS_OK;
        }
    char choices[512];
    size_t at = 0;
    choices[0] = '\0';
    for (size_t i = 0; i < n && at < sizeof choices; i++)
        if (canonical(t, i)) {
            int w = snprintf(choices + at, sizeof choices - at, "%s%s", at ? ", " : "", t[i].name);
            if (w < 0) break;
            at += (size_t)w;
        }
    return mirs__fail(MIRS_E_NOT_FOUND, "unknown %s \"%.200s\" (choices: %s)", what, name, choices);
}

static const mirs__name read_mode_names[] = {
    {"strict", MIRS_READ_STRICT},
    {"lenient", MIRS_READ_LENIENT},
};
MIRS__NAME_PAIR(read_mode, read_mode_names, "read mode")

int mirs__read_mode_check(int32_t mode, const char *what)
{
    if (mirs_read_mode_name(mode)) return MIRS_OK;
    return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: mode %d is not MIRS_READ_STRICT or MIRS_READ_LENIENT", what,
                      (int)mode);
}
