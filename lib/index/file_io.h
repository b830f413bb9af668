/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Files of the index: a new file put in place of an old one atomically,
 * the rule for cleaning temporaries that crashed writers left, and
 * reading a file without ever taking a signal for it (docs/index-format.md,
 * "Writing" and "Reading").
 */
#ifndef HM_INDEX_FILE_IO_H
#define HM_INDEX_FILE_IO_H

#include <stdint.h>

#include "../common/common.h"

/* A file being written to replace `path`. */
typedef struct hm_newfile {
    int fd;
    int named;  /* 1: it is `tmp` already; 0: it has no name yet (O_TMPFILE) */
    char *path; /* the target */
    char *tmp;  /* PATH.tmp.XXXXXX */
    char *dir;  /* the target's directory */
} hm_newfile;

/* Start a file that will replace `path`: a temporary in the same
 * directory (without a name where the system allows it), locked for as
 * long as it is open, with the permissions of the file it replaces, else
 * rw-r--r--.  Stale temporaries of `path` are removed first
 * (hm_newfile_clean).  HM_OK, HM_E_IO or HM_E_NO_MEMORY. */
int hm_newfile_open(hm_newfile *nf, const char *path, const char *magic, size_t magic_len);
/* Sync it, put it in place of the target (rename) and sync the directory;
 * then close it.  On failure the target is untouched and the temporary
 * gone. */
int hm_newfile_commit(hm_newfile *nf);
/* A descriptor of its own (read-only, close-on-exec) of the file being
 * written, which reads the same file whatever becomes of the names (after
 * hm_newfile_commit it is the target's content); -1 with errno set. */
int hm_newfile_reader(const hm_newfile *nf);
/* Give it up: the temporary is removed and closed. */
void hm_newfile_abort(hm_newfile *nf);

/* Remove the temporaries of `path` that writers which died left behind:
 * files of the same directory named PATH.tmp.XXXXXX (six letters or
 * digits), regular, owned by this user, empty or starting with `magic`,
 * and not locked (a writer holds its temporary's lock until it is done).
 * Returns how many were removed. */
int hm_newfile_clean(const char *path, const char *magic, size_t magic_len);

/* The whole of a regular file into *data (malloc'ed, *size bytes), read
 * with pread: a file cut or changed while it is read, or a failing disk,
 * is an error (HM_E_CORRUPT when it ended early, HM_E_IO), never a
 * signal as a mapping gives.  (Media files are read by the hasher's own
 * reader, which also takes pipes and applies HM_HASHER_MAX_INPUT_BYTES.) */
int hm_file_read(const char *path, uint8_t **data, uint64_t *size);
/* The same rules in parts: open a regular file for reading (*fd, its
 * *size), and read n bytes at `off` of it (size: the file's, for the
 * message). */
int hm_file_open_read(const char *path, int *fd, uint64_t *size);
int hm_file_pread(int fd, uint8_t *buf, uint64_t n, uint64_t off, uint64_t size,
                  const char *path);

#endif
