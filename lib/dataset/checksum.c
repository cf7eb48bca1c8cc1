/* The dataset content checksum: CRC-64/XZ over a canonical, length-prefixed
 * serialization of every item (docs/dataset.md gives the exact layout), with
 * image bytes streamed in when asked. It detects accidental change, not
 * tampering. */
#define _GNU_SOURCE
#include "dataset_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t put_u64(uint64_t crc, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return mirs__crc64(crc, b, 8);
}

static uint64_t put_str(uint64_t crc, const char *s)
{
    size_t n = strlen(s);
    crc = put_u64(crc, n);
    return mirs__crc64(crc, s, n);
}

static uint64_t put_list(uint64_t crc, const char *const *v, uint32_t n)
{
    crc = put_u64(crc, n);
    for (uint32_t i = 0; i < n; i++) crc = put_str(crc, v[i]);
    return crc;
}

static int put_file(uint64_t *crc, const mirs_item *it, size_t k, unsigned char *buf, size_t bufsize)
{
    const char *path = it->image_files[k];
    int fd;
    struct stat st;
    int rc = mirs__open_regular(AT_FDCWD, path, NULL, O_RDONLY, 0, &fd, &st);
    if (rc == MIRS_E_NOT_FOUND) rc = mirs__fail_errno(MIRS_E_IO, ENOENT, "%s: cannot open", path);
    if (rc != MIRS_OK) return mirs__error_prefix("%s: image %zu", it->key, k);
    uint64_t c = put_u64(*crc, (uint64_t)st.st_size);
    uint64_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf, bufsize);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return mirs__fail_errno(MIRS_E_IO, e, "%s: image %zu \"%s\": read failed", it->key, k, path);
        }
        c = mirs__crc64(c, buf, (size_t)r);
        got += (uint64_t)r;
    }
    close(fd);
    if (got != (uint64_t)st.st_size)
        return mirs__fail(MIRS_E_IO, "%s: image %zu \"%s\": changed size while being read", it->key, k, path);
    *crc = c;
    return MIRS_OK;
}

MIRS_API int mirs_dataset_checksum(const mirs_dataset *ds, int32_t flags, uint64_t *out)
{
    MIRS_CHECK_ARG(ds != NULL, "ds must not be NULL");
    MIRS_CHECK_ARG(out != NULL, "out must not be NULL");
    MIRS_CHECK_ARG(flags == MIRS_CHECKSUM_METADATA || flags == MIRS_CHECKSUM_IMAGES,
                   "flags must be MIRS_CHECKSUM_METADATA or MIRS_CHECKSUM_IMAGES");
    unsigned char buf[65536];
    uint64_t crc = put_str(0, "mirsafety-dataset-checksum-v1");
    crc = put_u64(crc, (uint64_t)flags);
    crc = put_u64(crc, ds->count);
    for (size_t i = 0; i < ds->count; i++) {
        const mirs_item *it = &ds->items[i];
        crc = put_str(crc, it->key);
        crc = put_str(crc, it->id);
        crc = put_u64(crc, (uint64_t)it->id_is_int);
        crc = put_str(crc, it->category_name); /* the official names for known ones, as before */
        crc = put_str(crc, it->relation_name);
        crc = put_str(crc, it->relationship_type);
        crc = put_str(crc, it->original_question);
        crc = put_str(crc, it->revised_prompt);
        crc = put_u64(crc, (uint64_t)it->iteration);
        crc = put_list(crc, it->image_paths, it->nimages);
        crc = put_list(crc, it->descriptions, it->ndesc);
        crc = put_list(crc, it->keywords, it->nkw);
        if (flags & MIRS_CHECKSUM_IMAGES)
            for (size_t k = 0; k < it->nimages; k++) {
                int st = put_file(&crc, it, k, buf, sizeof buf);
                if (st != MIRS_OK) return st;
            }
    }
    *out = crc;
    return MIRS_OK;
}
