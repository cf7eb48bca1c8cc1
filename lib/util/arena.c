/* The bump allocator (see util.h). */
#include "util.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (256 * 1024)

static void *arena_alloc(mirs__arena *a, size_t n, size_t align)
{
    mirs__arena_block *b = a->head;
    if (b) {
        size_t at = (b->used + align - 1) & ~(align - 1);
        if (at <= b->cap && b->cap - at >= n) {
            b->used = at + n;
            return (char *)b->data + at;
        }
    }
    /* A new block; an oversized request gets a block of its own placed
     * behind the current one, so the current block's free space stays usable. */
    bool big = n > ARENA_BLOCK / 4;
    size_t cap = big ? n : ARENA_BLOCK, bytes;
    if (!mirs__add_ok(cap, sizeof(mirs__arena_block), &bytes)) {
        mirs__fail(MIRS_E_OVERFLOW, "arena: allocation of %zu bytes overflows", n);
        return NULL;
    }
    mirs__arena_block *nb = mirs__malloc(bytes);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = n;
    a->total += bytes;
    if (big && b) {
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    return (char *)nb->data;
}

void *mirs__arena_alloc(mirs__arena *a, size_t n) { return arena_alloc(a, n ? n : 1, sizeof(void *)); }

char *mirs__arena_strndup(mirs__arena *a, const char *s, size_t n)
{
    size_t n1;
    if (!mirs__add_ok(n, 1, &n1)) {
        mirs__fail(MIRS_E_OVERFLOW, "arena: string of %zu bytes overflows", n);
        return NULL;
    }
    char *p = arena_alloc(a, n1, 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void mirs__arena_free(mirs__arena *a)
{
    mirs__arena_block *b = a->head;
    while (b) {
        mirs__arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void mirs__arena_reset(mirs__arena *a)
{
    mirs__arena_block *keep = NULL, *b = a->head;
    while (b) {
        mirs__arena_block *n = b->next;
        if (!keep && b->cap == ARENA_BLOCK) {
            keep = b;
        } else {
            a->total -= b->cap + sizeof *b;
            free(b);
        }
        b = n;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
}
