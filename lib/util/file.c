/* Whole-file reads with limits, atomic writes and lexical path checks. */
#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one place files are opened. O_NONBLOCK keeps open() from waiting for
 * a writer on a FIFO (or for carrier on a tty); fstat then refuses anything
 * that is not a regular file before a read() could block on it. O_NONBLOCK
 * is then cleared so the caller holds an ordinary blocking descriptor. */
int mirs__open_regular(int dir_fd, const char *path, const char *disp, int flags, unsigned mode, int *fd_out,
                       struct stat *st_out)
{
    if (!disp) disp = path;
    int fd = openat(dir_fd, path, flags | O_NONBLOCK | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        int e = errno;
        /* O_WRONLY|O_NONBLOCK on a FIFO with no reader. */
        if (e == ENXIO) return mirs__fail(MIRS_E_IO, "%s: not a regular file", disp);
        if (flags & O_CREAT) return mirs__fail_errno(MIRS_E_IO, e, "%s: cannot create", disp);
        return mirs__fail_errno(e == ENOENT ? MIRS_E_NOT_FOUND : MIRS_E_IO, e, "%s: cannot open", disp);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return mirs__fail_errno(MIRS_E_IO, e, "%s: cannot stat", disp);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return mirs__fail(MIRS_E_IO, "%s: not a regular file", disp);
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return mirs__fail_errno(MIRS_E_IO, e, "%s: cannot clear O_NONBLOCK", disp);
    }
    *fd_out = fd;
    if (st_out) *st_out = st;
    return MIRS_OK;
}

int mirs__read_file(const char *path, size_t limit, char **data, size_t *len)
{
    int fd;
    struct stat st;
    int rc = mirs__open_regular(AT_FDCWD, path, path, O_RDONLY, 0, &fd, &st);
    if (rc != MIRS_OK) return rc;
    if ((uint64_t)st.st_size > (uint64_t)limit) {
        close(fd);
        return mirs__fail(MIRS_E_LIMIT, "%s: %lld bytes exceeds the limit of %zu bytes", path, (long long)st.st_size,
                          limit);
    }
    size_t cap = (size_t)st.st_size;
    char *buf = mirs__malloc(cap + 1);
    if (!buf) {
        close(fd);
        return MIRS_E_NO_MEMORY;
    }
    size_t got = 0;
    for (;;) {
        if (got == cap) {
            /* The file may have grown since fstat: read on, within the limit. */
            char probe;
            ssize_t r = read(fd, &probe, 1);
            if (r == 0) break;
            if (r < 0) {
                if (errno == EINTR) continue;
                int e = errno;
                free(buf);
                close(fd);
                return mirs__fail_errno(MIRS_E_IO, e, "%s: read failed", path);
            }
            if (cap >= limit) {
                free(buf);
                close(fd);
                return mirs__fail(MIRS_E_LIMIT, "%s: grew past the limit of %zu bytes while reading", path, limit);
            }
            size_t ncap = cap * 2 + 4096;
            if (ncap > limit) ncap = limit;
            char *nb = mirs__realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                close(fd);
                return MIRS_E_NO_MEMORY;
            }
            buf = nb;
            buf[got++] = probe;
            cap = ncap;
            continue;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(buf);
            close(fd);
            return mirs__fail_errno(MIRS_E_IO, e, "%s: read failed", path);
        }
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return MIRS_OK;
}

int mirs__write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int mirs__open_special_output(const char *path, int *fd_out)
{
    *fd_out = -1;
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode)) return 0;
    if (S_ISDIR(st.st_mode)) return mirs__fail(MIRS_E_IO, "%s: is a folder, not a file to write", path);
    /* A device, FIFO or socket is written in place: a temporary file renamed over it would replace it (as root,
     * over /dev/null itself). O_NONBLOCK: a FIFO nobody reads fails at once (ENXIO) instead of hanging. */
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return mirs__fail_errno(MIRS_E_IO, errno, "%s: cannot open for writing", path);
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return mirs__fail_errno(MIRS_E_IO, e, "%s: cannot clear O_NONBLOCK", path);
    }
    *fd_out = fd;
    return 1;
}

int mirs__write_file_atomic(const char *path, const void *data, size_t len)
{
    int dfd0;
    int special = mirs__open_special_output(path, &dfd0);
    if (special < 0) return special;
    if (special) {
        int st = mirs__write_all(dfd0, data, len) != 0 ? mirs__fail_errno(MIRS_E_IO, errno, "%s: write failed", path)
                                                       : MIRS_OK;
        close(dfd0);
        return st;
    }
    mirs__sb tmp;
    mirs__sb_init(&tmp);
    if (!mirs__sb_printf(&tmp, "%s.tmp.%ld", path, (long)getpid())) {
        mirs__sb_free(&tmp);
        return MIRS_E_NO_MEMORY;
    }
    int fd;
    int st = mirs__open_regular(AT_FDCWD, tmp.data, NULL, O_WRONLY | O_CREAT | O_TRUNC, 0644, &fd, NULL);
    if (st != MIRS_OK) {
        mirs__sb_free(&tmp);
        return st;
    }
    if (mirs__write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp.data);
        st = mirs__fail_errno(MIRS_E_IO, e, "%s: write failed", tmp.data);
        mirs__sb_free(&tmp);
        return st;
    }
    close(fd);
    if (rename(tmp.data, path) != 0) {
        int e = errno;
        unlink(tmp.data);
        mirs__sb_free(&tmp);
        return mirs__fail_errno(MIRS_E_IO, e, "%s: rename failed", path);
    }
    mirs__sb_free(&tmp);
    char *dir = mirs__path_dirname(path);
    if (dir) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return MIRS_OK;
}

char *mirs__path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/') la--;
    char *p = mirs__malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    size_t o = la;
    if (la && a[la - 1] != '/') p[o++] = '/';
    memcpy(p + o, b, lb);
    p[o + lb] = '\0';
    return p;
}

bool mirs__path_is_contained(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/') return false;
    const char *p = rel;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') return false;
        if (!e) break;
        p = e + 1;
    }
    /* Backslashes are ordinary file name bytes on POSIX; NUL cannot occur. */
    return true;
}

char *mirs__path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return mirs__strdup(".");
    if (slash == path) return mirs__strdup("/");
    return mirs__strndup(path, (size_t)(slash - path));
}
