/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the index: snapshots (what readers see), the writer's
 * staged state, and the shared counters.
 *
 * Concurrency: a snapshot is immutable once published.  Readers take a
 * reference with hm_index_acquire(), which is lock-free: the index keeps
 * two reader counters; a reader bumps the counter of the current epoch
 * parity, loads the snapshot pointer, takes its reference and drops the
 * counter again.  The writer publishes by swapping the pointer, then
 * waits (a few nanoseconds in practice) until no reader can still be
 * between loading the old pointer and referencing it, by flipping the
 * epoch and draining each parity in turn, before it drops its own
 * reference.  Whoever drops the last reference frees the snapshot.
 */
#ifndef HM_INDEX_INTERNAL_H
#define HM_INDEX_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "segment.h"

#define HM_LIST_CHUNK 256

/* What never changes about a list, shared by every snapshot: its name and
 * its hit counter. */
typedef struct hm_list_core {
    char *name;
    atomic_uint_least64_t hits;
} hm_list_core;

/* The index's counters, shared by it and all its snapshots; freed with
 * the last of them. */
typedef struct hm_shared {
    atomic_uint refs;
    atomic_uint_least64_t queries, hits;
} hm_shared;

/* Names and hit counters of a set of lists.  Chunks are allocated by the
 * writer before a snapshot naming their lists is published, and never
 * move; hm_index_load() starts a new set. */
typedef struct hm_names {
    atomic_uint refs;
    hm_list_core *chunks[(HM_MAX_LISTS + HM_LIST_CHUNK) / HM_LIST_CHUNK];
} hm_names;

static inline hm_list_core *hm_list_core_of(hm_names *nm, uint32_t id) {
    return &nm->chunks[id / HM_LIST_CHUNK][id % HM_LIST_CHUNK];
}

/* A list as one snapshot sees it. */
typedef struct hm_list_rec {
    int16_t thr[HM_HASH_TYPE_MAX + 1]; /* effective thresholds */
    int16_t thr_set[HM_HASH_TYPE_MAX + 1]; /* as set; -1 = default */
    int32_t enabled;
    uint64_t entries;
} hm_list_rec;

struct hm_snapshot {
    atomic_uint refs;
    hm_shared *shared;
    hm_names *names;
    uint64_t generation;
    uint32_t nlists;
    hm_list_rec *lists;
    int16_t max_thr[HM_HASH_TYPE_MAX + 1];     /* over enabled lists */
    int16_t max_thr_all[HM_HASH_TYPE_MAX + 1]; /* over every list */
    uint32_t nsegs;
    hm_segment **segs;
    hm_tomb **tombs; /* per segment; NULL when nothing was removed */
    uint64_t live;
    uint64_t live_by_type[HM_HASH_TYPE_MAX + 1];
    int default_structure;
    size_t bytes, bytes_structures;
};

/* An entry staged for the next commit. */
typedef struct hm_staged {
    uint64_t key;   /* hm_seg_id_key(list, id) */
    uint32_t list;
    uint8_t type;
    uint8_t dead;
    uint8_t bytes[32];
    uint32_t aux;   /* see hm_seg_entry */
    size_t id_off, labels_off; /* into the arena; labels_off 0 = none */
} hm_staged;

struct hm_index {
    pthread_mutex_t wlock;
    _Atomic(hm_snapshot *) current;
    atomic_uint epoch;
    atomic_long readers[2];
    hm_shared *shared;
    hm_names *names; /* of the staged lists */
    hm_err err;
    /* parameters */
    unsigned structures;
    int default_structure;
    uint64_t max_line;
    uint64_t max_entries;
    /* staged state, guarded by wlock */
    uint32_t nlists, lists_cap;
    hm_list_rec *wlists;
    hm_tomb **wtombs;   /* per segment of the current snapshot (own refs) */
    uint8_t *wowned;    /* 1: wtombs[i] is a private copy */
    uint64_t wlive;     /* live entries after the staged changes */
    hm_staged *staged;
    size_t nstaged, staged_cap;
    char *arena;
    size_t arena_len, arena_cap;
    /* (list, id) key -> staged entries: open addressing, linear probing,
     * one slot per staged entry (equal keys in successive slots) */
    uint64_t *mkeys;
    uint32_t *midx; /* staged index + 1; 0 = empty slot */
    size_t mcap;
    int dirty;
    uint64_t generation;
};

/* The text rules of hm_index_list and hm_index_add: entry ids and labels
 * are at most `max` bytes (at least 1 unless allow_empty) without control
 * characters; list names are 1 to HM_MAX_NAME such bytes and UTF-8. */
int hm_ix_valid_text(const char *s, size_t max, int allow_empty);
int hm_ix_valid_list_name(const char *name);

/* Writer internals shared by index.c, ingest.c and persist.c.  The caller
 * holds wlock. */
int hm_ix_list_locked(hm_index *idx, const char *name, uint32_t *id);
/* Stage one entry; *added = 0 when it duplicates a live one. */
int hm_ix_add_locked(hm_index *idx, uint32_t list, int type,
                     const uint8_t *bytes, const char *id, const char *labels,
                     uint32_t aux, int *added);
typedef struct hm_ix_mark {
    size_t nstaged, arena_len;
    uint32_t nlists;
    uint64_t wlive;
} hm_ix_mark;
void hm_ix_mark_take(const hm_index *idx, hm_ix_mark *m);
/* Undo every add and list creation since the mark (strict loads). */
void hm_ix_rollback(hm_index *idx, const hm_ix_mark *m);
int hm_ix_commit_locked(hm_index *idx);
/* Replace everything (staged and committed) with these lists and one
 * segment (may be NULL), and publish it.  Takes the `lists` array and the
 * name strings (names[l] set to NULL) on success. */
int hm_ix_replace_locked(hm_index *idx, char **names, hm_list_rec *lists,
                         uint32_t nlists, hm_segment *seg);

void hm_snapshot_stats_fill(const hm_snapshot *s, hm_index_stats *out);

/* An entry hit before it becomes an hm_match. */
typedef struct rhit {
    uint32_t seg, entry;
    uint16_t dist;
    uint8_t variant;
} rhit;

struct hm_results {
    hm_snapshot *snap; /* the matches point into it */
    hm_match *v;
    size_t n, cap;
    hm_err err;
    int structure;
    hm_hitbuf hb;
    rhit *raw;
    size_t nraw, rawcap;
    hm_video_match *vm; /* video matches */
    size_t nvm, vmcap;
    hm_time_range *ranges; /* their time ranges */
    size_t nranges, rcap;
};

/* Entries that are frames of known videos within `radius` of a PDQ hash
 * (canonical bytes), into r->raw. */
int hm_ix_collect_frames(hm_results *r, const hm_snapshot *s, const uint8_t *pdq,
                         unsigned radius, int include_disabled);

#endif
