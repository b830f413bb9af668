/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF entries of the index (tmk_index.c): what is kept where.
 *
 *  - In memory, for every live entry: its list, entry id and labels, its
 *    frame count, its level-1 feature (the 256 floats and the level-1
 *    filter's compact form, lib/tmk/tmk_filter.h) and where its level-2
 *    features are.
 *  - The level-2 features (the cosine and sine features, 256 KiB of the
 *    257 KiB) are read only for the entries that pass level 1.  They lie
 *    in an hm_tmk_src: one added hash, held in memory until the index is
 *    saved to a file or loaded again (so nothing unsaved is ever only on
 *    disk); or the level-2 section of an index file, read with pread at
 *    each use (loaded with hm_index_load, or just written by
 *    hm_index_save), or a copy of that section in memory
 *    (hm_index_load_memory, which keeps nothing of its input).  Every
 *    read from a file is checked against the entry's checksum: the load
 *    does not read the section, so a file damaged there, or cut or
 *    changed after the load, gives an error at the query or save that
 *    reads the entry, never a wrong score or a signal.
 *
 * TMK entries sit in TMK segments beside the hash segments, immutable
 * and shared between snapshots as those are, with tombstones of their
 * own; a commit adds at most one, and merges them as it merges segments.
 *
 * A save to a file moves level 2 to it without touching a segment that a
 * snapshot holds: hm_index_save publishes the current snapshot again
 * (same content, same generation) with each segment replaced by a
 * rebinding (hm_tmk_seg_rebind: new entry records, the same strings and
 * filter) whose entries read from the file just written; snapshots taken
 * before keep the old segments and their sources until released
 * (commit.c, hm_ix_tmk_rebind).
 */
#ifndef HM_TMK_INDEX_H
#define HM_TMK_INDEX_H

#include <stdatomic.h>

#include "../common/common.h"
#include "../tmk/tmk.h"
#include "../tmk/tmk_filter.h"

struct hm_tomb;

/* Bytes of an entry's level-2 features: the cosine then the sine
 * features, little-endian floats, as hm_tmk holds them from `cos`. */
#define HM_TMK_L2_BYTES (2 * sizeof(((hm_tmk *)0)->cos))
_Static_assert(sizeof(((hm_tmk *)0)->sin) == sizeof(((hm_tmk *)0)->cos), "cos and sin");
_Static_assert(offsetof(hm_tmk, sin) == offsetof(hm_tmk, cos) + sizeof(((hm_tmk *)0)->cos),
               "sin follows cos");

/* Where level-2 features lie (see above).  Shared, counted. */
typedef struct hm_tmk_src {
    atomic_uint refs;
    int fd;         /* >= 0: an index file, read with pread */
    uint64_t size;  /* its size when it was loaded (for messages) */
    uint8_t *mem;   /* else: the level-2 section in memory, or NULL */
    hm_tmk *one;    /* else: one whole hash */
    char *name;     /* the file's path, for messages */
} hm_tmk_src;

hm_tmk_src *hm_tmk_src_one(hm_tmk *t); /* takes t; NULL (t freed) when out of memory */
hm_tmk_src *hm_tmk_src_file(int fd, const char *name, uint64_t size); /* takes fd */
hm_tmk_src *hm_tmk_src_mem(uint8_t *mem);              /* takes mem */
hm_tmk_src *hm_tmk_src_ref(hm_tmk_src *s);
void hm_tmk_src_unref(hm_tmk_src *s);

/* One entry. */
typedef struct hm_tmk_ent {
    uint64_t key;    /* hm_seg_id_key(list, id): entries are sorted by it */
    uint64_t sum;    /* XXH3-64 of its level-2 bytes */
    uint64_t off;    /* of those bytes in src (file or section copy) */
    hm_tmk_src *src; /* a reference per entry */
    uint32_t list;
    int32_t frames;
    uint32_t id_off, labels_off; /* into the segment's strings; 0: none */
} hm_tmk_ent;

/* What never changes about a segment's entries, shared by the segment
 * and its rebindings (hm_tmk_seg_rebind): their strings and filter. */
typedef struct hm_tmk_fixed {
    atomic_uint refs;
    char *strings;
    hm_tmk_filter *filter;
} hm_tmk_fixed;

/* An immutable set of entries; feature i of the filter is entry i's. */
typedef struct hm_tmk_seg {
    atomic_uint refs;
    uint32_t n;
    hm_tmk_ent *ents;
    hm_tmk_fixed *fixed; /* owns strings and filter (a reference) */
    char *strings;       /* offset 0 is "" */
    size_t strings_len;
    hm_tmk_filter *filter;
    size_t bytes;
} hm_tmk_seg;

/* What a segment is built from (strings and avg are copied; a reference
 * to src is taken). */
typedef struct hm_tmk_in {
    uint32_t list;
    int32_t frames;
    const char *id, *labels;
    const float *avg;
    hm_tmk_src *src;
    uint64_t off, sum;
} hm_tmk_in;

int hm_tmk_seg_build(const hm_tmk_in *in, size_t n, hm_tmk_seg **out);
hm_tmk_seg *hm_tmk_seg_ref(hm_tmk_seg *s);
void hm_tmk_seg_unref(hm_tmk_seg *s);
static inline const char *hm_tmk_seg_str(const hm_tmk_seg *s, uint32_t off) {
    return s->strings + off;
}
/* Entry e as an input to another build. */
void hm_tmk_seg_input(const hm_tmk_seg *s, uint32_t e, hm_tmk_in *x);
/* The entries (list, id): [*first, *first + *count). */
void hm_tmk_seg_find_id(const hm_tmk_seg *s, uint32_t list, const char *id, uint32_t *first,
                        uint32_t *count);
/* Entry e's level-2 bytes into *t (its cos and sin), or, when they are in
 * memory, *l2 pointed at a hash holding them (t untouched).  HM_E_IO,
 * HM_E_CORRUPT (short read, checksum) with a message. */
int hm_tmk_seg_level2(const hm_tmk_seg *s, uint32_t e, hm_tmk *t, const hm_tmk **l2);

/* The TMK segments of a snapshot (or of a commit being built). */
typedef struct hm_tmk_part {
    hm_tmk_seg **segs;
    struct hm_tomb **tombs; /* per segment; NULL when nothing was removed */
    uint32_t n;
} hm_tmk_part;

/* Where a save to a file put an entry's level-2 bytes: the entry's source
 * and offset, and the offset in the file. */
typedef struct hm_tmk_moved {
    const hm_tmk_src *src;
    uint64_t off, at;
} hm_tmk_moved;

/* The places of tp's live entries in a level-2 section at `base`, in the
 * order a save writes them (persist.c's write_tmk), sorted for
 * hm_tmk_seg_rebind; *out NULL when there are none. */
int hm_tmk_moved_of(const hm_tmk_part *tp, uint64_t base, hm_tmk_moved **out, size_t *n);
/* A copy of s, in the same order (its tombstones apply to it) and sharing
 * its strings and filter, whose entries found in `moved` read their
 * level 2 from `to` at their place there; the others keep their source.
 * *out is NULL when no entry is found (nothing to do). */
int hm_tmk_seg_rebind(const hm_tmk_seg *s, const hm_tmk_moved *moved, size_t n,
                      hm_tmk_src *to, hm_tmk_seg **out);

/* A TMK add staged in a change set (changes.c): the set's copy of the
 * hash is src->one (a reference the set holds). */
typedef struct hm_tmk_staged {
    uint64_t key;
    uint64_t sum;
    uint32_t list;
    uint8_t dead;
    uint8_t present; /* the base held it: not counted as a new entry */
    hm_tmk_src *src;
    size_t id_off, labels_off;
} hm_tmk_staged;

/* Is the entry (list, id) with this level-2 checksum, frame count and
 * average live in tp? */
int hm_ix_tmk_find_live(const hm_tmk_part *tp, uint32_t list, const char *id, uint64_t sum,
                        int32_t frames, const float *avg);

/* XXH3-64 of a hash's level-2 bytes. */
uint64_t hm_tmk_l2_sum(const hm_tmk *t);

#endif
