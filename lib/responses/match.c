/* Matching responses to dataset items: by item key, or for official
 * results by (category, relation, position in the dataset file). */
#include "util/util.h"

#include <mirsafety/responses.h>

#include <stdlib.h>
#include <string.h>

struct mirs_response_match {
    const mirs_item **item_of; /* per response */
    size_t nresp, matched;
    mirs__strvec unknown, missing, dups;
};

void mirs_response_match_free(mirs_response_match *m)
{
    if (!m) return;
    free(m->item_of);
    mirs__strvec_free(&m->unknown);
    mirs__strvec_free(&m->missing);
    mirs__strvec_free(&m->dups);
    free(m);
}

/* By names, not codes: official results of an unknown category folder or
 * relation file (accepted dataset oddities) match by position too. */
typedef struct pos_entry {
    const char *cat, *rel;
    int64_t idx;
    const mirs_item *item;
} pos_entry;

static int cmp_pos(const void *a, const void *b)
{
    const pos_entry *x = a, *y = b;
    int c = strcmp(x->cat, y->cat);
    if (!c) c = strcmp(x->rel, y->rel);
    if (c) return c < 0 ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* "<Category>/<Relation>/#<n>" -> (cat, rel, n) with the names copied into
 * cbuf and rbuf (256 bytes each); false for other keys. */
static bool positional_key(const char *key, char *cbuf, char *rbuf, int64_t *idx)
{
    const char *a = strchr(key, '/');
    if (!a) return false;
    const char *b = strchr(a + 1, '/');
    if (!b || b[1] != '#' || !b[2]) return false;
    int64_t v = 0;
    for (const char *p = b + 2; *p; p++) {
        if (*p < '0' || *p > '9' || v > INT64_MAX / 10 - 10) return false;
        v = v * 10 + (*p - '0');
    }
    size_t cn = (size_t)(a - key), rn = (size_t)(b - a - 1);
    if (!cn || !rn || cn >= 256 || rn >= 256) return false;
    memcpy(cbuf, key, cn);
    cbuf[cn] = '\0';
    memcpy(rbuf, a + 1, rn);
    rbuf[rn] = '\0';
    *idx = v;
    return true;
}

int mirs_responses_match(const mirs_responses *r, const mirs_dataset *ds, mirs_response_match **out)
{
    MIRS_CHECK_ARG(r && ds && out, "r, ds and out must not be NULL");
    size_t nitems = mirs_dataset_count(ds), nresp = mirs_responses_count(r);
    mirs_response_match *m = mirs__calloc(1, sizeof *m);
    pos_entry *pos = mirs__calloc(nitems ? nitems : 1, sizeof *pos);
    uint32_t *hits = mirs__calloc(nitems ? nitems : 1, sizeof *hits);
    int st = MIRS_OK;
    if (!m || !pos || !hits || !(m->item_of = mirs__calloc(nresp ? nresp : 1, sizeof *m->item_of))) {
        st = MIRS_E_NO_MEMORY;
        goto done;
    }
    m->nresp = nresp;
    for (size_t i = 0; i < nitems; i++) {
        const mirs_item *it = mirs_dataset_get(ds, i);
        pos[i].cat = mirs_item_category_name(it);
        pos[i].rel = mirs_item_relation_name(it);
        pos[i].idx = mirs_item_source_index(it);
        pos[i].item = it;
    }
    qsort(pos, nitems, sizeof *pos, cmp_pos);
    for (size_t i = 0; i < nresp; i++) {
        const mirs_response *x = mirs_responses_get(r, i);
        const mirs_item *it = NULL;
        pos_entry want;
        char cbuf[256], rbuf[256];
        want.cat = cbuf;
        want.rel = rbuf;
        if (positional_key(x->key, cbuf, rbuf, &want.idx)) {
            const pos_entry *hit = bsearch(&want, pos, nitems, sizeof *pos, cmp_pos);
            if (hit) it = hit->item;
        } else if (mirs_dataset_find(ds, x->key, &it) != MIRS_OK)
            it = NULL;
        m->item_of[i] = it;
        if (!it) {
            if ((st = mirs__strvec_push(&m->unknown, x->key, strlen(x->key)))) goto done;
            continue;
        }
        size_t at = mirs_item_index(it);
        if (at < nitems && hits[at] < UINT32_MAX) hits[at]++;
    }
    mirs_error_clear();
    mirs__strvec_sort_unique(&m->unknown);
    for (size_t i = 0; i < nitems; i++) {
        const mirs_item *it = mirs_dataset_get(ds, i);
        const char *k = mirs_item_key(it);
        if (hits[i] == 0 && (st = mirs__strvec_push(&m->missing, k, strlen(k)))) goto done;
        if (hits[i] > 1 && (st = mirs__strvec_push(&m->dups, k, strlen(k)))) goto done;
        m->matched += hits[i] > 0;
    }
    mirs__strvec_sort_unique(&m->dups);
    *out = m;
    m = NULL;
done:
    free(pos);
    free(hits);
    mirs_response_match_free(m);
    return st;
}

size_t mirs_response_match_matched_count(const mirs_response_match *m) { return m ? m->matched : 0; }
const mirs_item *mirs_response_match_item(const mirs_response_match *m, size_t i)
{
    return m && i < m->nresp ? m->item_of[i] : NULL;
}
size_t mirs_response_match_unknown_count(const mirs_response_match *m) { return m ? m->unknown.n : 0; }
const char *mirs_response_match_unknown(const mirs_response_match *m, size_t i)
{
    return m && i < m->unknown.n ? m->unknown.v[i] : NULL;
}
size_t mirs_response_match_missing_count(const mirs_response_match *m) { return m ? m->missing.n : 0; }
const char *mirs_response_match_missing(const mirs_response_match *m, size_t i)
{
    return m && i < m->missing.n ? m->missing.v[i] : NULL;
}
size_t mirs_response_match_duplicate_count(const mirs_response_match *m) { return m ? m->dups.n : 0; }
const char *mirs_response_match_duplicate(const mirs_response_match *m, size_t i)
{
    return m && i < m->dups.n ? m->dups.v[i] : NULL;
}

int mirs_responses_latest(const mirs_responses *r, size_t i)
{
    const mirs_response *x = mirs_responses_get(r, i), *last = NULL;
    return x && mirs_responses_find(r, x->key, &last) == MIRS_OK && last == x;
}
