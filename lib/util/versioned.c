/*
 * The struct_size rule shared by every versioned public struct (util.h,
 * docs/c-api.md "Struct versions"). Keeping it in one place means every
 * struct accepts the same sizes and explains a refusal the same way.
 */
#include "util/versioned.h"
#include "util/util.h"

#include <string.h>

/* A struct_size beyond this is not the size of any version of a struct: it
 * is refused before the bytes past the library's layout are read, so an
 * uninitialised size cannot make the check scan far beyond the struct. */
#define STRUCT_MAX_SIZE 65536u

static int check_size(size_t size, size_t lib_size, size_t oldest_size, const char *type_name)
{
    if (size < oldest_size || size < sizeof(size_t) || size > STRUCT_MAX_SIZE)
        return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                          "%s: struct_size %zu is not a size of this struct (this library accepts %zu to its own "
                          "%zu; set struct_size = sizeof(%s), or use the init function or macro)",
                          type_name, size, oldest_size, lib_size, type_name);
    return MIRS_OK;
}

static int check_struct(const void *user, size_t lib_size, size_t oldest_size, const char *type_name)
{
    size_t size = *(const size_t *)user;
    int rc = check_size(size, lib_size, oldest_size, type_name);
    if (rc) return rc;
    if (size > lib_size) {
        const unsigned char *p = (const unsigned char *)user;
        for (size_t i = lib_size; i < size; i++)
            if (p[i] != 0)
                return mirs__fail(MIRS_E_INVALID_ARGUMENT,
                                  "%s: struct_size %zu is larger than this library's %zu and byte %zu is not zero "
                                  "(a field of a newer version that this library cannot honour)",
                                  type_name, size, lib_size, i);
    }
    return MIRS_OK;
}

int mirs__struct_in(const void *user, void *local, size_t lib_size, size_t oldest_size, const char *type_name)
{
    if (!user) return MIRS_OK;
    int rc = check_struct(user, lib_size, oldest_size, type_name);
    if (rc) return rc;
    size_t size = *(const size_t *)user;
    size_t n = size < lib_size ? size : lib_size;
    memcpy((unsigned char *)local + sizeof(size_t), (const unsigned char *)user + sizeof(size_t), n - sizeof(size_t));
    return MIRS_OK;
}

int mirs__struct_out_check(const void *user, size_t lib_size, size_t oldest_size, const char *type_name)
{
    if (!user) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: the output struct is NULL", type_name);
    return check_struct(user, lib_size, oldest_size, type_name);
}

void mirs__struct_out(void *user, const void *local, size_t lib_size)
{
    size_t size = *(const size_t *)user;
    size_t n = size < lib_size ? size : lib_size;
    memcpy((unsigned char *)user + sizeof(size_t), (const unsigned char *)local + sizeof(size_t), n - sizeof(size_t));
}

int mirs__struct_init(void *user, size_t size, const void *defaults, size_t lib_size, size_t oldest_size,
                      const char *type_name)
{
    if (!user) return mirs__fail(MIRS_E_INVALID_ARGUMENT, "%s: the struct to initialise is NULL", type_name);
    int rc = check_size(size, lib_size, oldest_size, type_name);
    if (rc) return rc;
    size_t n = size < lib_size ? size : lib_size;
    memcpy(user, defaults, n);
    if (size > n) memset((unsigned char *)user + n, 0, size - n);
    memcpy(user, &size, sizeof size);
    return MIRS_OK;
}
