/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the index.  Where each rule is decided:
 *
 *  - snapshot.c: what readers see (immutable snapshots), their lock-free
 *    publication, list information and statistics;
 *  - lists.c: the list registry (names, ids), list settings' defaults and
 *    ranges, the text rules of names, ids and labels;
 *  - changes.c: change sets (the index's shared one and hm_txn), what
 *    staging an add, a removal or a setting records, and its rollback;
 *  - commit.c: applying a change set to the current snapshot (tombstones,
 *    duplicates, the new segment), the merge policy, and load's wholesale
 *    replacement;
 *  - index.c: the index object and its parameters;
 *  - segment.c, query.c, video_match.c, ingest.c, persist.c: segments,
 *    queries, videos, hash-list files, index files.
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
 * Writers (staging, commits, list creation, loads) hold the index's
 * writer lock; saves hold only a lock of their own while they write, then
 * the writer lock (save lock, then writer lock: never the other way) to
 * publish the current snapshot again with TMK level 2 read from the file
 * written (hm_ix_tmk_rebind): new segments, the old ones untouched, so a
 * reader's snapshot stays as it was.
 */
#ifndef HM_INDEX_INTERNAL_H
#define HM_INDEX_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "segment.h"
#include "tmk_index.h"

#define HM_LIST_CHUNK 256

/* ---- lists (lists.c) --------------------------------------------------------- */

/* What every snapshot shares about a list: its hit counter, and its name
 * as writers see it (the name of its latest published rename, or the one
 * it was created with; only writers read it, under the writer lock:
 * readers take a snapshot's hm_list_rec.name). */
typedef struct hm_list_core {
    const char *name;
    char *created; /* the name it was created with (owned) */
    atomic_uint_least64_t hits;
} hm_list_core;

/* The name a rename gave: snapshots may point at it after another rename
 * replaced it, so it lives as long as the registry. */
typedef struct hm_name_node {
    struct hm_name_node *next;
    char name[];
} hm_name_node;

/* Names and hit counters of a set of lists (the registry).  Chunks are
 * allocated by a writer before a snapshot naming their lists is
 * published, and never move; hm_index_load() starts a new set. */
typedef struct hm_names {
    atomic_uint refs;
    hm_list_core *chunks[(HM_MAX_LISTS + HM_LIST_CHUNK) / HM_LIST_CHUNK];
    hm_name_node *renamed; /* every name a published rename gave */
} hm_names;

static inline hm_list_core *hm_list_core_of(hm_names *nm, uint32_t id) {
    return &nm->chunks[id / HM_LIST_CHUNK][id % HM_LIST_CHUNK];
}

hm_names *hm_ix_names_new(void);
void hm_ix_names_unref(hm_names *nm);

/* A list as one snapshot sees it. */
typedef struct hm_list_rec {
    const char *name; /* owned by the registry (hm_names) */
    int16_t thr[HM_HASH_TYPE_MAX + 1]; /* effective thresholds */
    int16_t thr_set[HM_HASH_TYPE_MAX + 1]; /* as set; -1 = default */
    int32_t enabled;
    uint64_t entries;
    float tmk_thr[2];     /* effective TMK thresholds, levels 1 and 2 */
    float tmk_set[2];     /* as set; -1 = default */
} hm_list_rec;

/* Is `threshold` one a list may have for `type`: -1 (the default) or 0 to
 * the type's bits, only 0 for the exact types (digests)? */
int hm_ix_threshold_ok(int type, int threshold);
/* Is `threshold` one a list may have for a TMK level: -1 (the default)
 * or 0 to 1. */
int hm_ix_tmk_threshold_ok(float threshold);
/* A new list's settings: enabled, default thresholds. */
void hm_ix_list_rec_init(hm_list_rec *rec);
/* The effective thresholds from those set. */
void hm_ix_list_rec_settle(hm_list_rec *rec);

/* The text rules: entry ids and labels are at most `max` bytes (at least
 * 1 unless allow_empty) without control characters; list names are 1 to
 * HM_MAX_NAME such bytes and UTF-8; so are the labels a list load gives
 * (hm_ix_valid_utf8_text). */
int hm_ix_valid_text(const char *s, size_t max, int allow_empty);
int hm_ix_valid_utf8_text(const char *s, size_t max, int allow_empty);
int hm_ix_valid_list_name(const char *name);
/* HM_OK for a valid list name, else HM_E_INVALID_ARGUMENT saying the rule
 * (NULL is not a name). */
int hm_ix_check_list_name(const char *name);

/* ---- snapshots (snapshot.c) ------------------------------------------------------ */

/* The index's counters, shared by it and all its snapshots; freed with
 * the last of them. */
typedef struct hm_shared {
    atomic_uint refs;
    atomic_uint_least64_t queries, hits;
} hm_shared;

void hm_ix_shared_unref(hm_shared *sh);

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
    hm_tmk_part tmk; /* TMK entries (tmk_index.c) */
    uint64_t tmk_live;
};

/* A new snapshot of the next generation over these lists (copied; their
 * entry counts are computed), segments and TMK segments (references
 * taken; tp may be NULL: none). */
int hm_ix_snapshot_make(hm_index *idx, const hm_list_rec *lists, uint32_t nlists,
                        hm_segment **segs, hm_tomb **tombs, uint32_t nsegs,
                        const hm_tmk_part *tp, hm_snapshot **out);
/* A reference to the current snapshot (lock-free). */
hm_snapshot *hm_ix_acquire(hm_index *idx);
/* Make s current (the caller's reference passes to the index) and drop
 * the index's reference to the previous one.  The caller holds wlock. */
void hm_ix_publish(hm_index *idx, hm_snapshot *s);
void hm_snapshot_stats_fill(const hm_snapshot *s, hm_index_stats *out);

/* The live entry (list, type, bytes, id) of snapshot s under tombstones
 * `tombs` (one per segment): 1 with its place, or 0. */
int hm_ix_find_live(const hm_snapshot *s, hm_tomb *const *tombs, uint32_t list, int type,
                    const uint8_t *bytes, const char *id, uint32_t *seg, uint32_t *entry);

/* ---- change sets (changes.c) ------------------------------------------------------ */

/* A key -> indices multimap over 64-bit keys: open addressing, linear
 * probing, one slot per value (equal keys in successive slots). */
typedef struct hm_keymap {
    uint64_t *keys;
    uint32_t *vals; /* index + 1; 0 = empty slot */
    size_t cap;     /* a power of two, at least twice the values */
} hm_keymap;

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

/* A staged removal of an entry id from one list, or from every list
 * (list HM_ALL_LISTS). */
typedef struct hm_removal {
    uint64_t key; /* hm_seg_id_key(list, id) */
    uint32_t list;
    size_t id_off;
} hm_removal;

/* An add of an entry the base snapshot held already: nothing to build
 * unless someone else's commit removes it before this set's. */
typedef struct hm_dup {
    uint32_t seg, entry; /* in the base snapshot */
} hm_dup;

/* Settings a change set gives a list; HM_KEEP: left as they are. */
#define HM_KEEP (-2)
typedef struct hm_list_change {
    int16_t thr_set[HM_HASH_TYPE_MAX + 1];
    float tmk_set[2]; /* HM_KEEP: left as they are */
    int8_t enabled;
    uint8_t cleared; /* every entry the base held is removed */
    size_t rename_off; /* the new name in the set's arena; 0: none */
} hm_list_change;

/* A change set: changes staged against a base snapshot, applied to the
 * snapshot current at commit (docs/index.md, "Updates and snapshots").
 * The index has one that its hm_index_* writer calls share; every hm_txn
 * has its own. */
typedef struct hm_changes {
    hm_snapshot *base; /* NULL until something is staged */
    uint64_t loads;    /* the index's load count when the set began */
    hm_list_change *lists;
    size_t nlists, lists_cap;
    hm_staged *staged;
    size_t nstaged, staged_cap;
    hm_keymap smap; /* key -> staged */
    hm_removal *rm;
    size_t nrm, rm_cap;
    hm_keymap rmap; /* key -> rm */
    hm_dup *dups;
    size_t ndups, dups_cap;
    hm_tmk_staged *tmk; /* TMK adds */
    size_t ntmk, tmk_cap;
    hm_keymap tmap;     /* key -> tmk */
    char *arena;    /* entry ids and labels; offset 0 is "" */
    size_t arena_len, arena_cap;
    uint64_t live;  /* entries the index would hold (the entry limit's count) */
    int dirty;      /* staged something besides duplicates */
} hm_changes;

struct hm_txn {
    hm_index *idx;
    hm_changes cs;
};

/* A writer call: the index (locked) and the change set it stages into. */
typedef struct hm_writer {
    hm_index *idx;
    hm_changes *cs;
} hm_writer;

/* Start a writer call on the index's shared change set or on a change set
 * of its own: clears the calling thread's message (the call's entry, as
 * HM_CALL's) and takes the writer lock.  On failure (NULL, or a change
 * set begun before hm_index_load) the lock is not held and the message is
 * set. */
int hm_ix_write_index(hm_index *idx, hm_writer *w);
int hm_ix_write_txn(hm_txn *t, hm_writer *w);
/* End it: releases the lock and returns st through hm_err_done. */
int hm_ix_write_end(hm_writer *w, int st);

void hm_ix_changes_init(hm_changes *cs, uint64_t loads);
/* Drop everything staged (and the base). */
void hm_ix_changes_reset(hm_changes *cs);
void hm_ix_changes_free(hm_changes *cs);
/* Has the set removed every entry (list, id) of its base? */
int hm_ix_changes_gone(const hm_changes *cs, uint32_t list, const char *id);

/* Find or create the list called `name` (lists.c). */
int hm_ix_list_locked(hm_writer *w, const char *name, uint32_t *id);
/* Renames (lists.c).  The name list l has once the set's renames are
 * published (its staged one, or its current one). */
const char *hm_ix_next_name(const hm_writer *w, uint32_t l);
/* The list other than `except` that would be called `name` once the
 * set's renames are published, or UINT32_MAX. */
uint32_t hm_ix_name_owner(const hm_writer *w, const char *name, uint32_t except);
/* At commit: check the set's renames against the names lists have now
 * (another writer may have taken one since it was staged), and give
 * v[l].name each renamed list's new name (allocated; then either
 * published by hm_ix_renames_publish, or freed by hm_ix_renames_drop). */
int hm_ix_renames_take(const hm_writer *w, hm_list_rec *v);
void hm_ix_renames_publish(hm_writer *w, const hm_list_rec *v);
void hm_ix_renames_drop(const hm_writer *w, const hm_list_rec *v);
/* Stage one entry; *added = 0 when it duplicates one present. */
int hm_ix_add_locked(hm_writer *w, uint32_t list, int type, const uint8_t *bytes,
                     const char *id, const char *labels, uint32_t aux, int *added);

/* Stage a TMK entry (ingest.c's tmk rows); *added: 0 when it was staged
 * or present already (a duplicate). */
int hm_ix_add_tmk_locked(hm_writer *w, uint32_t list, const hm_tmk *t, const char *id,
                         const char *labels, int *added);

/* Loads of hash lists and video adds are all or nothing: a mark before,
 * and a rollback of every add and list creation since (it cannot fail). */
typedef struct hm_ix_mark {
    size_t nstaged, ndups, ntmk, arena_len;
    uint32_t nlists;
    uint64_t live;
    int dirty, had_base;
} hm_ix_mark;
void hm_ix_mark_take(const hm_writer *w, hm_ix_mark *m);
void hm_ix_rollback(hm_writer *w, const hm_ix_mark *m);

/* ---- commit (commit.c) ------------------------------------------------------------ */

/* How segments over these lists are built: the structures asked for, MIH
 * tuned for the largest threshold of each type. */
hm_seg_opts hm_ix_seg_opts(unsigned structures, const hm_list_rec *lists, uint32_t nlists);
/* Apply the writer's change set to the current snapshot and publish. */
int hm_ix_commit_locked(hm_writer *w);
/* Replace everything (the registry, the shared change set, what is
 * committed) with these lists and one segment (may be NULL), and publish
 * it; change sets begun before can no longer commit.  Takes the `lists`
 * array and the name strings (names[l] set to NULL) on success. */
int hm_ix_replace_locked(hm_index *idx, char **names, hm_list_rec *lists,
                         uint32_t nlists, hm_segment *seg, hm_tmk_seg *tseg);

/* After a save of `saved` to a file whose level-2 section (at `base`)
 * `to` reads: the current snapshot published again, the same content and
 * generation, with every TMK entry that file holds reading its level 2
 * from it (hm_tmk_seg_rebind), so that the memory of added hashes and of
 * sections loaded into memory goes once the snapshots before are
 * released, and earlier files are closed.  Nothing when no entry is
 * found (another load came between) or memory runs out (the save stands;
 * the entries keep their sources).  Takes the writer lock. */
void hm_ix_tmk_rebind(hm_index *idx, const hm_snapshot *saved, hm_tmk_src *to, uint64_t base);

/* ---- the index (index.c) ------------------------------------------------------------ */

struct hm_index {
    pthread_mutex_t wlock;     /* writers */
    pthread_mutex_t save_lock; /* hm_index_save*: one at a time, in order */
    _Atomic(hm_snapshot *) current;
    atomic_uint epoch;
    atomic_long readers[2];
    hm_shared *shared;
    hm_names *names; /* the registry: every list's name */
    uint32_t nlists; /* lists in the registry (some perhaps not yet published) */
    hm_changes cs;   /* the change set of the hm_index_* writer calls */
    uint64_t loads;  /* hm_index_load* calls that replaced the content */
    uint64_t generation;
    /* parameters */
    unsigned structures;
    int default_structure;
    uint64_t max_line;
    uint64_t max_entries;
};

/* ---- queries (query.c, video_match.c) ------------------------------------------------ */

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
    int structure;
    hm_hitbuf hb;
    rhit *raw;
    size_t nraw, rawcap;
    hm_video_match *vm; /* video matches */
    size_t nvm, vmcap;
    hm_time_range *ranges; /* their time ranges */
    size_t nranges, rcap;
    hm_tmk_match *tm; /* TMK matches */
    size_t ntm, tmcap;
    hm_tmk_l1_hit *l1; /* the level-1 filter's survivors */
    size_t nl1, l1cap;
    struct hm_tmk *l2buf; /* level-2 features read from a file */
    hm_decision *dec; /* decisions (policy.c) */
    size_t ndec, deccap;
    struct hm_decide_buf *dbuf; /* a decision's working memory, kept for the
                                   next; NULL until needed (policy.c) */
};

/* Free a decision's working memory (NULL is a no-op). */
void hm_ix_decide_buf_free(struct hm_decide_buf *b);

/* Words of the needles of one query: 8 dihedral variants of 256 bits. */
#define HM_NEEDLE_WORDS (HM_SCAN_MAX_NEEDLES * 4)

/* hm_snapshot_query without the last-error bookkeeping of HM_CALL.  For
 * a decision's candidate searches: `radii` (NULL: none), a range query's
 * radius per hash type (every entry within it is a hit, list thresholds
 * ignored) in place of opts->radius; `counted` 0 leaves the index's query
 * and hit counters and the lists' hit counters alone. */
int hm_ix_snapshot_query(hm_snapshot *s, const hm_hash *q, size_t n,
                         const hm_query_opts *opts, const int *radii, int counted,
                         hm_results *r);
/* The needles of query q[i] (canonical bytes, as many words each as the
 * type needs) into nd[HM_NEEDLE_WORDS], their number into *nv: 1, or with
 * HM_QUERY_DIHEDRAL in `flags` the 8 dihedral variants (the exact ones
 * that follow q[i], else derived from its bits where they can be).
 * Returns how many hashes of q they take. */
size_t hm_ix_needles(const hm_hash *q, size_t i, size_t n, unsigned flags, uint64_t *nd,
                     unsigned *nv);
/* HM_E_INVALID_ARGUMENT (set as the last error) for a hash of an unknown
 * type or a radius above a hash's bits (radius -1: none). */
int hm_ix_check_hashes(const hm_hash *q, size_t n, int radius);
/* Is h a PDQ hash whose known quality is below min_quality (it matches
 * nothing)? */
int hm_ix_pdq_gated(const hm_hash *h, int min_quality);
/* Results now point into s: take a reference, drop the previous one. */
void hm_ix_results_hold(hm_results *r, hm_snapshot *s);

/* The start of a query on the index's current snapshot: *s acquired (the
 * caller releases it; results take their own reference), or an error for
 * NULL results or index (the results cleared). */
int hm_ix_query_begin(hm_index *idx, hm_results *r, hm_snapshot **s);

/* Entries that are frames of known videos within `radius` of a PDQ hash
 * (canonical bytes), into r->raw. */
int hm_ix_collect_frames(hm_results *r, const hm_snapshot *s, const uint8_t *pdq,
                         unsigned radius, int include_disabled);

#endif
