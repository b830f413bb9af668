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
 *    loaded again (so nothing unsaved is ever only on disk); or the
 *    level-2 section of an index file, read with pread at each use
 *    (loaded with hm_index_load), or a copy of that section in memory
 *    (hm_index_load_memory, which keeps nothing of its input).  Every
 *    read from a file is checked against the entry's checksum: the load
 *    does not read the section, so a file damaged there, or cut or
 *    changed after the load, gives an error at the query or save that
 *    reads the entry, never a wrong score or a signal.
 *
 * TMK entries sit in TMK segments beside the hash segments, immutable
 * and shared between snapshots as those are, with tombstones of their
 * own; a commit adds at most one, and merges them as it merges segments.
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

/* An immutable set of entries; feature i of the filter is entry i's. */
typedef struct hm_tmk_seg {
    atomic_uint refs;
    uint32_t n;
    hm_tmk_ent *ents;
    char *strings; /* offset 0 is "" */
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
