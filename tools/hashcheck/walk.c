/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Expanding FILE|DIR arguments into an ordered list of inputs.
 *
 * Order: arguments as given; a directory's entries sorted by name (byte
 * order) and walked depth first, so the order never depends on the file
 * system or on the thread count.  Only regular files are taken from
 * directories.  Symbolic links named on the command line are followed;
 * links met inside directories are skipped (and counted) unless `follow`
 * is set.  Every directory entered is remembered by (device, inode) and
 * never entered again, so link loops and bind-mount loops end.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hc.h"

typedef struct dirid {
    dev_t dev;
    ino_t ino;
} dirid;

typedef struct walker {
    hc_inputs *in;
    int follow;
    dirid *seen; /* set of directories entered */
    char *used;
    size_t nseen, capseen;
} walker;

#define MAX_DEPTH 256

int hc_inputs_add(hc_inputs *in, const char *path, const char *err, int is_hash) {
    if (in->n == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 64;
        hc_input *v = realloc(in->v, cap * sizeof *v);
        if (!v) return -1;
        in->v = v;
        in->cap = cap;
    }
    hc_input *x = &in->v[in->n];
    x->path = strdup(path);
    x->err = err ? strdup(err) : NULL;
    x->is_hash = is_hash;
    if (!x->path || (err && !x->err)) {
        free(x->path);
        free(x->err);
        return -1;
    }
    in->n++;
    return 0;
}

void hc_inputs_free(hc_inputs *in) {
    for (size_t i = 0; i < in->n; i++) {
        free(in->v[i].path);
        free(in->v[i].err);
    }
    free(in->v);
    memset(in, 0, sizeof *in);
}

static uint64_t dir_hash(dev_t dev, ino_t ino) {
    uint64_t x = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
    return x ^ (x >> 29);
}

/* 1 when the directory was seen before; else remembers it. -1: no memory.
 * An open-addressing set, kept at most half full. */
static int seen_before(walker *w, const struct stat *sb) {
    if (2 * (w->nseen + 1) > w->capseen) {
        size_t cap = w->capseen ? 2 * w->capseen : 64;
        dirid *v = calloc(cap, sizeof *v);
        char *used = calloc(cap, 1);
        if (!v || !used) {
            free(v);
            free(used);
            return -1;
        }
        for (size_t k = 0; k < w->capseen; k++) {
            if (!w->used[k]) continue;
            size_t j = dir_hash(w->seen[k].dev, w->seen[k].ino) & (cap - 1);
            while (used[j]) j = (j + 1) & (cap - 1);
            v[j] = w->seen[k];
            used[j] = 1;
        }
        free(w->seen);
        free(w->used);
        w->seen = v;
        w->used = used;
        w->capseen = cap;
    }
    size_t j = dir_hash(sb->st_dev, sb->st_ino) & (w->capseen - 1);
    for (; w->used[j]; j = (j + 1) & (w->capseen - 1))
        if (w->seen[j].dev == sb->st_dev && w->seen[j].ino == sb->st_ino) return 1;
    w->seen[j] = (dirid){sb->st_dev, sb->st_ino};
    w->used[j] = 1;
    w->nseen++;
    return 0;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_err(walker *w, const char *path, int errnum) {
    return hc_inputs_add(w->in, path, strerror(errnum), 0);
}

static int walk_dir(walker *w, const char *dir, const struct stat *dsb, int depth);

/* An entry found inside a directory. */
static int walk_entry(walker *w, const char *path, int depth) {
    struct stat sb;
    if (lstat(path, &sb) != 0) return add_err(w, path, errno);
    if (S_ISLNK(sb.st_mode)) {
        if (!w->follow) {
            w->in->skipped_links++;
            return 0;
        }
        if (stat(path, &sb) != 0)
            return hc_inputs_add(w->in, path, "broken symbolic link", 0);
    }
    if (S_ISDIR(sb.st_mode)) return walk_dir(w, path, &sb, depth + 1);
    if (S_ISREG(sb.st_mode)) return hc_inputs_add(w->in, path, NULL, 0);
    w->in->skipped_special++;
    return 0;
}

static int walk_dir(walker *w, const char *dir, const struct stat *dsb, int depth) {
    int r = seen_before(w, dsb);
    if (r < 0) return -1;
    if (r) {
        w->in->skipped_loops++;
        return 0;
    }
    if (depth > MAX_DEPTH)
        return hc_inputs_add(w->in, dir, "directory tree too deep (over 256 levels)", 0);
    DIR *d = opendir(dir);
    if (!d) return add_err(w, dir, errno);
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    int rc = 0;
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 32;
            char **v = realloc(names, cap * sizeof *v);
            if (!v) {
                rc = -1;
                break;
            }
            names = v;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        n++;
        errno = 0;
    }
    int read_errno = rc == 0 && !e ? errno : 0;
    closedir(d);
    if (rc == 0 && read_errno) rc = add_err(w, dir, read_errno);
    if (rc == 0 && n > 1) qsort(names, n, sizeof *names, cmp_name);
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    for (size_t k = 0; k < n && rc == 0; k++) {
        size_t nl = strlen(names[k]);
        char *path = malloc(dl + nl + 2);
        if (!path) {
            rc = -1;
            break;
        }
        memcpy(path, dir, dl);
        if (!slash) path[dl] = '/';
        memcpy(path + dl + !slash, names[k], nl + 1);
        rc = walk_entry(w, path, depth);
        free(path);
    }
    for (size_t k = 0; k < n; k++) free(names[k]);
    free(names);
    return rc;
}

int hc_walk(hc_inputs *in, char **args, int n, int follow, int hash_args) {
    walker w = {in, follow, NULL, NULL, 0, 0};
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        struct stat sb;
        hm_hash h;
        if (hash_args && hc_parse_hash_arg(args[k], &h)) {
            rc = hc_inputs_add(in, args[k], NULL, 1);
        } else if (stat(args[k], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            rc = walk_dir(&w, args[k], &sb, 0);
        } else {
            /* files, and anything else named explicitly: the hashing step
             * reports what is wrong with it (missing, unreadable, ...) */
            rc = hc_inputs_add(in, args[k], NULL, 0);
        }
    }
    free(w.seen);
    free(w.used);
    return rc;
}
