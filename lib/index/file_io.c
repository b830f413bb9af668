/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Index files on disk: atomic replacement, the cleaning of stale
 * temporaries, reading with pread (file_io.h).
 *
 * A new file is written where nobody can see it: an unnamed file of the
 * target's directory (O_TMPFILE), so a writer killed at any moment
 * leaves nothing behind; once complete and synced it is linked as
 * PATH.tmp.XXXXXX and renamed over PATH.  Where the file system has no
 * unnamed files (or /proc is missing, through which one is linked), the
 * temporary has its name from the start (mkstemp).  Either way the
 * writer holds an exclusive flock on it while it lives, which is how a
 * later save tells a temporary of a dead writer (unlocked: removed) from
 * one that is being written (locked: left alone).
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "file_io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define TMP_SUFFIX ".tmp."
#define TMP_RANDOM 6

static const char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* ---- cleaning ------------------------------------------------------------------------- */

/* Is `name` BASE.tmp.XXXXXX? */
static int temp_name_of(const char *name, const char *base) {
    const size_t nb = strlen(base), ns = strlen(TMP_SUFFIX);
    if (strncmp(name, base, nb) != 0 || strncmp(name + nb, TMP_SUFFIX, ns) != 0) return 0;
    const char *r = name + nb + ns;
    if (strlen(r) != TMP_RANDOM) return 0;
    for (int i = 0; i < TMP_RANDOM; i++)
        if (!memchr(kAlnum, r[i], sizeof kAlnum - 1)) return 0;
    return 1;
}

/* Remove `name` of directory dfd if it is a temporary of a dead writer. */
static int clean_one(int dfd, const char *name, const char *magic, size_t magic_len) {
    struct stat st, again;
    char head[64];
    int removed = 0;
    const int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
        magic_len <= sizeof head &&
        (st.st_size == 0 ||
         (pread(fd, head, magic_len, 0) == (ssize_t)magic_len &&
          memcmp(head, magic, magic_len) == 0)) &&
        flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        /* still the same file under that name: no one replaced it */
        fstatat(dfd, name, &again, AT_SYMLINK_NOFOLLOW) == 0 && again.st_dev == st.st_dev &&
        again.st_ino == st.st_ino)
        removed = unlinkat(dfd, name, 0) == 0;
    close(fd); /* and its lock, held until the name was gone */
    return removed;
}

/* Split `path` into a directory (malloc'ed) and a base name within it. */
static char *dir_of(const char *path, const char **base) {
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    char *d = malloc((size_t)(slash - path) + 1);
    if (d) {
        memcpy(d, path, (size_t)(slash - path));
        d[slash - path] = '\0';
    }
    return d;
}

int hm_newfile_clean(const char *path, const char *magic, size_t magic_len) {
    const char *base;
    char *dir = dir_of(path, &base);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (temp_name_of(e->d_name, base)) n += clean_one(dirfd(d), e->d_name, magic, magic_len);
    if (d) closedir(d);
    free(dir);
    return n;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* A fresh PATH.tmp.XXXXXX into nf->tmp. */
static void random_name(hm_newfile *nf, unsigned attempt) {
    struct timespec ts;
    static _Atomic unsigned counter;
    uint64_t seed[4];
    clock_gettime(CLOCK_REALTIME, &ts);
    seed[0] = (uint64_t)getpid();
    seed[1] = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    seed[2] = counter++;
    seed[3] = attempt;
    uint64_t r = XXH3_64bits(seed, sizeof seed);
    char *p = nf->tmp + snprintf(nf->tmp, strlen(nf->path) + 32, "%s" TMP_SUFFIX, nf->path);
    for (int i = 0; i < TMP_RANDOM; i++, r /= sizeof kAlnum - 1) p[i] = kAlnum[r % (sizeof kAlnum - 1)];
    p[TMP_RANDOM] = '\0';
}

/* The temporary with a name from the start: created, locked, and checked
 * to be still ours (a cleaner may have taken it before the lock). */
static int open_named(hm_newfile *nf) {
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        struct stat a, b;
        snprintf(nf->tmp, strlen(nf->path) + 32, "%s" TMP_SUFFIX "XXXXXX", nf->path);
        const int fd = mkstemp(nf->tmp);
        if (fd < 0) return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &a) == 0 && stat(nf->tmp, &b) == 0 &&
            a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
            nf->named = 1;
            return fd;
        }
        close(fd);
    }
    errno = EEXIST;
    return -1;
}

int hm_newfile_open(hm_newfile *nf, const char *path, const char *magic, size_t magic_len) {
    const char *base;
    struct stat old;
    memset(nf, 0, sizeof *nf);
    nf->fd = -1;
    nf->path = strdup(path);
    nf->tmp = malloc(strlen(path) + 32);
    nf->dir = dir_of(path, &base);
    if (!nf->path || !nf->tmp || !nf->dir) {
        hm_newfile_abort(nf);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    hm_newfile_clean(path, magic, magic_len);
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) == 0 &&
        (nf->fd = open(nf->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600)) >= 0 &&
        flock(nf->fd, LOCK_EX) != 0) {
        close(nf->fd);
        nf->fd = -1;
    }
#endif
    if (nf->fd < 0) nf->fd = open_named(nf);
    if (nf->fd < 0) {
        const int e = errno;
        hm_newfile_abort(nf);
        return hm_fail(HM_E_IO, "%s: cannot create a temporary file: %s", path, strerror(e));
    }
    /* the permissions of the file it replaces, else rw-r--r-- */
    if (fchmod(nf->fd, stat(path, &old) == 0 ? (old.st_mode & 0777) : 0644) != 0) {
        const int e = errno;
        hm_newfile_abort(nf);
        return hm_fail(HM_E_IO, "%s: %s", path, strerror(e));
    }
    return HM_OK;
}

/* Give the unnamed file its temporary name. */
static int link_named(hm_newfile *nf) {
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", nf->fd);
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        random_name(nf, attempt);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, nf->tmp, AT_SYMLINK_FOLLOW) == 0) {
            nf->named = 1;
            return 0;
        }
        if (errno != EEXIST) return -1;
    }
    return -1;
}

int hm_newfile_commit(hm_newfile *nf) {
    const char *what = NULL;
    if (fsync(nf->fd) != 0) what = "sync";
    else if (!nf->named && link_named(nf) != 0) what = "link";
    else if (rename(nf->tmp, nf->path) != 0) what = "rename";
    if (what) {
        const int st = hm_fail(HM_E_IO, "%s: %s failed: %s", nf->path, what, strerror(errno));
        hm_newfile_abort(nf);
        return st;
    }
    nf->named = 0; /* the temporary name is gone: nothing to remove */
    /* make the rename itself durable */
    const int dfd = open(nf->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    hm_newfile_abort(nf); /* closes, frees */
    return HM_OK;
}

int hm_newfile_reader(const hm_newfile *nf) {
    char proc[64];
    struct stat a, b;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", nf->fd);
    /* the unnamed file has only its descriptor's name; a named one is
     * checked to be still ours (same device and inode) */
    const int fd = open(nf->named ? nf->tmp : proc, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &a) != 0 || fstat(nf->fd, &b) != 0 || a.st_dev != b.st_dev ||
        a.st_ino != b.st_ino) {
        close(fd);
        errno = ESTALE;
        return -1;
    }
    return fd;
}

void hm_newfile_abort(hm_newfile *nf) {
    if (nf->named) unlink(nf->tmp);
    if (nf->fd >= 0) close(nf->fd);
    free(nf->path);
    free(nf->tmp);
    free(nf->dir);
    memset(nf, 0, sizeof *nf);
    nf->fd = -1;
}

/* ---- reading ------------------------------------------------------------------------------ */

int hm_file_pread(int fd, uint8_t *buf, uint64_t n, uint64_t off, uint64_t size,
                  const char *path) {
    uint64_t got = 0;
    while (got < n) {
        const uint64_t left = n - got;
        const size_t want = left > (1u << 30) ? (1u << 30) : (size_t)left;
        const ssize_t r = pread(fd, buf + got, want, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return hm_fail(HM_E_IO, "%s: read failed at byte %llu: %s", path,
                           (unsigned long long)(off + got), strerror(errno));
        if (r == 0)
            return hm_fail(HM_E_CORRUPT,
                           "%s: the file changed while it was read: it ended at byte %llu "
                           "of %llu",
                           path, (unsigned long long)(off + got), (unsigned long long)size);
        got += (uint64_t)r;
    }
    return HM_OK;
}

int hm_file_open_read(const char *path, int *fd, uint64_t *size) {
    struct stat st;
    *size = 0;
    if ((*fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(*fd, &st) != 0) {
        const int e = errno;
        if (*fd >= 0) close(*fd);
        *fd = -1;
        return hm_fail(HM_E_IO, "%s: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return hm_fail(HM_E_IO, "%s: not a regular file", path);
    }
    *size = (uint64_t)st.st_size;
    return HM_OK;
}

int hm_file_read(const char *path, uint8_t **data, uint64_t *size) {
    uint8_t *buf = NULL;
    uint64_t n;
    int fd, st;
    *data = NULL;
    *size = 0;
    if ((st = hm_file_open_read(path, &fd, &n)) != HM_OK) return st;
    if (n >= SIZE_MAX || !(buf = malloc((size_t)n + 1)))
        st = hm_fail(HM_E_NO_MEMORY, "%s: out of memory for %llu bytes", path,
                     (unsigned long long)n);
    else st = hm_file_pread(fd, buf, n, 0, n, path);
    close(fd);
    if (st != HM_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *size = n;
    return HM_OK;
}
