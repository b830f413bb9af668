/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The index object: lists, staged changes, commit, and the lock-free
 * publication of snapshots (see index_internal.h for the protocol).
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../common/utf8.h"

#define DEFAULT_MAX_LINE 65536
#define DEFAULT_MAX_ENTRIES 1000000000ull
#define MAX_SEGMENTS 8

/* ---- shared blocks ------------------------------------------------------ */

static void shared_unref(hm_shared *sh) {
    if (sh && atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) == 1)
        free(sh);
}

static hm_names *names_new(void) {
    hm_names *nm = calloc(1, sizeof *nm);
    if (nm) atomic_init(&nm->refs, 1);
    return nm;
}

static void names_unref(hm_names *nm) {
    if (!nm || atomic_fetch_sub_explicit(&nm->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t c = 0; c < sizeof nm->chunks / sizeof nm->chunks[0]; c++) {
        if (!nm->chunks[c]) continue;
        for (int i = 0; i < HM_LIST_CHUNK; i++) free(nm->chunks[c][i].name);
        free(nm->chunks[c]);
    }
    free(nm);
}

/* ---- snapshots ---------------------------------------------------------- */

static void snapshot_free(hm_snapshot *s) {
    for (uint32_t i = 0; i < s->nsegs; i++) {
        hm_segment_unref(s->segs[i]);
        hm_tomb_unref(s->tombs[i]);
    }
    free(s->segs);
    free(s->tombs);
    free(s->lists);
    names_unref(s->names);
    shared_unref(s->shared);
    free(s);
}

void hm_snapshot_release(hm_snapshot *s) {
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        snapshot_free(s);
}

/* Effective threshold of a list for a type. */
static int16_t default_threshold(int type) {
    switch (type) {
    case HM_HASH_PDQ: return HM_DEFAULT_PDQ_THRESHOLD;
    case HM_HASH_PHASH:
    case HM_HASH_DHASH:
    case HM_HASH_AHASH: return HM_DEFAULT_64BIT_THRESHOLD;
    default: return 0;
    }
}

/* A new snapshot over the given lists and segments (references taken). */
static int snapshot_make(hm_index *idx, const hm_list_rec *lists,
                         uint32_t nlists, hm_segment **segs, hm_tomb **tombs,
                         uint32_t nsegs, hm_snapshot **out) {
    hm_snapshot *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) return HM_E_NO_MEMORY;
    atomic_init(&s->refs, 1);
    s->lists = malloc((size_t)nlists * sizeof *s->lists + 1);
    s->segs = malloc((size_t)nsegs * sizeof *s->segs + 1);
    s->tombs = malloc((size_t)nsegs * sizeof *s->tombs + 1);
    if (!s->lists || !s->segs || !s->tombs) {
        free(s->lists);
        free(s->segs);
        free(s->tombs);
        free(s);
        return HM_E_NO_MEMORY;
    }
    atomic_fetch_add(&idx->shared->refs, 1);
    s->shared = idx->shared;
    atomic_fetch_add(&idx->names->refs, 1);
    s->names = idx->names;
    s->generation = ++idx->generation;
    s->default_structure = idx->default_structure;
    s->nlists = nlists;
    if (nlists) memcpy(s->lists, lists, (size_t)nlists * sizeof *lists);
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++)
        s->max_thr[t] = s->max_thr_all[t] = -1;
    for (uint32_t l = 0; l < nlists; l++)
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
            if (lists[l].thr[t] > s->max_thr_all[t])
                s->max_thr_all[t] = lists[l].thr[t];
            if (lists[l].enabled && lists[l].thr[t] > s->max_thr[t])
                s->max_thr[t] = lists[l].thr[t];
        }
    s->nsegs = nsegs;
    s->bytes = sizeof *s + (size_t)nlists * sizeof *lists;
    for (uint32_t i = 0; i < nsegs; i++) {
        s->segs[i] = hm_segment_ref(segs[i]);
        s->tombs[i] = hm_tomb_ref(tombs[i]);
        s->bytes += segs[i]->bytes;
        s->bytes_structures += segs[i]->bytes_structures;
        if (tombs[i]) s->bytes += sizeof *tombs[i] + ((size_t)tombs[i]->nbits + 63) / 64 * 8;
        for (uint32_t e = 0; e < segs[i]->nentries; e++)
            if (!hm_tomb_dead(tombs[i], e)) {
                s->live++;
                s->live_by_type[HM_TC_TYPE(segs[i]->entries[e].tc)]++;
            }
    }
    *out = s;
    return HM_OK;
}

/* Reader side: lock-free acquisition (protocol in index_internal.h). */
static hm_snapshot *acquire(hm_index *idx) {
    const unsigned e = atomic_load(&idx->epoch) & 1;
    atomic_fetch_add(&idx->readers[e], 1);
    hm_snapshot *s = atomic_load(&idx->current);
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    atomic_fetch_sub(&idx->readers[e], 1);
    return s;
}

/* Writer side: once this returns, no reader can still be about to take a
 * reference to a snapshot that was current before the call. */
static void synchronize(hm_index *idx) {
    for (int round = 0; round < 2; round++) {
        const unsigned e = atomic_fetch_add(&idx->epoch, 1) & 1;
        while (atomic_load(&idx->readers[e]) != 0) sched_yield();
    }
}

static void publish(hm_index *idx, hm_snapshot *s) {
    hm_snapshot *old = atomic_exchange(&idx->current, s);
    synchronize(idx);
    hm_snapshot_release(old);
}

hm_status hm_index_acquire(hm_index *idx, hm_snapshot **out) {
    if (!idx || !out) return HM_E_INVALID_ARGUMENT;
    *out = acquire(idx);
    return HM_OK;
}

/* ---- create / free / parameters ----------------------------------------- */

/* Working tombstones follow the segments of the current snapshot. */
static int adopt_tombs(hm_index *idx, const hm_snapshot *s) {
    hm_tomb **t = calloc((size_t)s->nsegs + 1, sizeof *t);
    uint8_t *o = calloc((size_t)s->nsegs + 1, 1);
    if (!t || !o) {
        free(t);
        free(o);
        return HM_E_NO_MEMORY;
    }
    const hm_snapshot *cur = atomic_load(&idx->current);
    for (uint32_t i = 0; cur && i < cur->nsegs; i++) hm_tomb_unref(idx->wtombs[i]);
    free(idx->wtombs);
    free(idx->wowned);
    for (uint32_t i = 0; i < s->nsegs; i++) t[i] = hm_tomb_ref(s->tombs[i]);
    idx->wtombs = t;
    idx->wowned = o;
    return HM_OK;
}

static void staged_clear(hm_index *idx) {
    idx->nstaged = 0;
    idx->arena_len = 1; /* offset 0 means "no labels" */
    if (idx->staged_cap > 65536) {
        /* after a bulk load, give the staging memory back: it would
         * otherwise double the resident size of a large index */
        free(idx->staged);
        free(idx->mkeys);
        free(idx->midx);
        idx->staged = NULL;
        idx->mkeys = NULL;
        idx->midx = NULL;
        idx->staged_cap = idx->mcap = 0;
        char *a = realloc(idx->arena, 4096);
        if (a) {
            idx->arena = a;
            idx->arena_cap = 4096;
        }
    } else if (idx->midx) {
        memset(idx->midx, 0, idx->mcap * sizeof *idx->midx);
    }
}

hm_status hm_index_create(hm_index **out) {
    hm_index *idx;
    hm_snapshot *s = NULL;
    if (!out) return HM_E_INVALID_ARGUMENT;
    *out = NULL;
    idx = calloc(1, sizeof *idx);
    if (!idx) return HM_E_NO_MEMORY;
    idx->shared = calloc(1, sizeof *idx->shared);
    idx->names = names_new();
    idx->arena = malloc(4096);
    if (!idx->shared || !idx->names || !idx->arena ||
        pthread_mutex_init(&idx->wlock, NULL) != 0) {
        free(idx->shared);
        names_unref(idx->names);
        free(idx->arena);
        free(idx);
        return HM_E_NO_MEMORY;
    }
    atomic_init(&idx->shared->refs, 1);
    idx->arena_cap = 4096;
    idx->arena[0] = '\0';
    idx->arena_len = 1;
    idx->structures = 1u << HM_STRUCT_MIH;
    idx->default_structure = HM_STRUCT_AUTO;
    idx->max_line = DEFAULT_MAX_LINE;
    idx->max_entries = DEFAULT_MAX_ENTRIES;
    atomic_init(&idx->current, NULL);
    atomic_init(&idx->epoch, 0);
    atomic_init(&idx->readers[0], 0);
    atomic_init(&idx->readers[1], 0);
    if (snapshot_make(idx, NULL, 0, NULL, NULL, 0, &s) != HM_OK ||
        adopt_tombs(idx, s) != HM_OK) {
        if (s) hm_snapshot_release(s);
        hm_index_free(idx);
        return HM_E_NO_MEMORY;
    }
    atomic_store(&idx->current, s);
    *out = idx;
    return HM_OK;
}

void hm_index_free(hm_index *idx) {
    if (!idx) return;
    hm_snapshot *cur = atomic_load(&idx->current);
    for (uint32_t i = 0; cur && i < cur->nsegs; i++) hm_tomb_unref(idx->wtombs[i]);
    free(idx->wtombs);
    free(idx->wowned);
    hm_snapshot_release(cur);
    free(idx->wlists);
    free(idx->staged);
    free(idx->arena);
    free(idx->mkeys);
    free(idx->midx);
    names_unref(idx->names);
    shared_unref(idx->shared);
    pthread_mutex_destroy(&idx->wlock);
    free(idx);
}

const char *hm_index_errmsg(hm_index *idx) {
    return idx ? idx->err.msg : "index is NULL";
}

hm_status hm_index_set(hm_index *idx, hm_index_param p, int64_t v) {
    int st = HM_OK;
    if (!idx) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    switch (p) {
    case HM_INDEX_STRUCTURES:
        if (v & ~(int64_t)((1u << HM_STRUCT_MIH) | (1u << HM_STRUCT_BKTREE)))
            st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                         "structures: only MIH and BK-tree bits may be set");
        else idx->structures = (unsigned)v;
        break;
    case HM_INDEX_DEFAULT_STRUCTURE:
        if (v < HM_STRUCT_AUTO || v > HM_STRUCT_BKTREE)
            st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                         "unknown structure %lld", (long long)v);
        else idx->default_structure = (int)v;
        break;
    case HM_INDEX_MAX_LINE:
    case HM_INDEX_MAX_ENTRIES:
        if (v <= 0)
            st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                         "limits must be positive (got %lld)", (long long)v);
        else if (p == HM_INDEX_MAX_LINE) idx->max_line = (uint64_t)v;
        else idx->max_entries = (uint64_t)v;
        break;
    default:
        st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT, "unknown parameter %d",
                     (int)p);
    }
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

hm_status hm_index_get(hm_index *idx, hm_index_param p, int64_t *v) {
    int st = HM_OK;
    if (!idx || !v) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    switch (p) {
    case HM_INDEX_STRUCTURES: *v = idx->structures; break;
    case HM_INDEX_DEFAULT_STRUCTURE: *v = idx->default_structure; break;
    case HM_INDEX_MAX_LINE: *v = (int64_t)idx->max_line; break;
    case HM_INDEX_MAX_ENTRIES: *v = (int64_t)idx->max_entries; break;
    default: st = HM_E_INVALID_ARGUMENT;
    }
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

/* ---- lists ---------------------------------------------------------------- */

int hm_ix_valid_text(const char *s, size_t max, int allow_empty) {
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c == 0x7f || n >= max) return 0;
    }
    return allow_empty || n > 0;
}

int hm_ix_valid_list_name(const char *name) {
    return hm_ix_valid_text(name, HM_MAX_NAME, 0) &&
           hm_utf8_invalid_at(name, strlen(name)) == strlen(name);
}

int hm_ix_list_locked(hm_index *idx, const char *name, uint32_t *id) {
    if (!name || !hm_ix_valid_list_name(name))
        return hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                       "list names are 1 to %d bytes of UTF-8 without control "
                       "characters",
                       HM_MAX_NAME);
    for (uint32_t l = 0; l < idx->nlists; l++)
        if (strcmp(hm_list_core_of(idx->names, l)->name, name) == 0) {
            *id = l;
            return HM_OK;
        }
    if (idx->nlists >= HM_MAX_LISTS)
        return hm_fail(&idx->err, HM_E_LIMIT, "too many lists (at most %d)",
                       HM_MAX_LISTS);
    const uint32_t l = idx->nlists;
    hm_list_core **chunk = &idx->names->chunks[l / HM_LIST_CHUNK];
    if (!*chunk && !(*chunk = calloc(HM_LIST_CHUNK, sizeof **chunk)))
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    if (idx->nlists == idx->lists_cap) {
        uint32_t cap = idx->lists_cap ? 2 * idx->lists_cap : 16;
        hm_list_rec *v = realloc(idx->wlists, cap * sizeof *v);
        if (!v) return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
        idx->wlists = v;
        idx->lists_cap = cap;
    }
    hm_list_core *core = &(*chunk)[l % HM_LIST_CHUNK];
    free(core->name); /* left by a rolled-back load */
    if (!(core->name = strdup(name)))
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    atomic_store_explicit(&core->hits, 0, memory_order_relaxed);
    hm_list_rec *rec = &idx->wlists[l];
    memset(rec, 0, sizeof *rec);
    rec->enabled = 1;
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) {
        rec->thr_set[t] = -1;
        rec->thr[t] = t ? default_threshold(t) : -1;
    }
    idx->nlists++;
    idx->dirty = 1;
    *id = l;
    return HM_OK;
}

hm_status hm_index_list(hm_index *idx, const char *name, uint32_t *list) {
    int st;
    if (!idx || !list) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    st = hm_ix_list_locked(idx, name, list);
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

static int check_list(hm_index *idx, uint32_t list) {
    if (list >= idx->nlists)
        return hm_fail(&idx->err, HM_E_NOT_FOUND, "no list with id %u (%u lists)",
                       list, idx->nlists);
    return HM_OK;
}

hm_status hm_index_list_set_threshold(hm_index *idx, uint32_t list, int type,
                                      int threshold) {
    int st;
    if (!idx) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if ((st = check_list(idx, list)) != HM_OK) goto out;
    if (type != 0 && !hm_hash_bits(type)) {
        st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT, "unknown hash type %d", type);
        goto out;
    }
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (type != 0 && t != type) continue;
        const int exact = t == HM_HASH_MD5 || t == HM_HASH_SHA256;
        if (exact && type == 0) continue;
        if (threshold < -1 || threshold > (int)hm_hash_bits(t) ||
            (exact && threshold > 0)) {
            st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                         "threshold %d out of range for %s (-1 for the "
                         "default, 0..%u%s)",
                         threshold, hm_hash_type_name(t),
                         exact ? 0 : hm_hash_bits(t),
                         exact ? "; digests match exactly" : "");
            goto out;
        }
    }
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (type != 0 && t != type) continue;
        if (type == 0 && (t == HM_HASH_MD5 || t == HM_HASH_SHA256)) continue;
        idx->wlists[list].thr_set[t] = (int16_t)threshold;
        idx->wlists[list].thr[t] =
            threshold < 0 ? default_threshold(t) : (int16_t)threshold;
    }
    idx->dirty = 1;
out:
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

hm_status hm_index_list_set_enabled(hm_index *idx, uint32_t list, int enabled) {
    int st;
    if (!idx) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if ((st = check_list(idx, list)) == HM_OK) {
        if (enabled != 0 && enabled != 1)
            st = hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                         "enabled must be 0 or 1 (got %d)", enabled);
        else {
            idx->wlists[list].enabled = enabled;
            idx->dirty = 1;
        }
    }
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

/* ---- staged entries --------------------------------------------------------- */

static int arena_put(hm_index *idx, const char *s, size_t *off) {
    size_t n = strlen(s) + 1;
    if (idx->arena_len + n > idx->arena_cap) {
        size_t cap = idx->arena_cap;
        while (cap < idx->arena_len + n) cap *= 2;
        char *a = realloc(idx->arena, cap);
        if (!a) return HM_E_NO_MEMORY;
        idx->arena = a;
        idx->arena_cap = cap;
    }
    memcpy(idx->arena + idx->arena_len, s, n);
    *off = idx->arena_len;
    idx->arena_len += n;
    return HM_OK;
}

static void map_put(hm_index *idx, uint64_t key, uint32_t i) {
    size_t p = key & (idx->mcap - 1);
    while (idx->midx[p]) p = (p + 1) & (idx->mcap - 1);
    idx->mkeys[p] = key;
    idx->midx[p] = i + 1;
}

/* (Re)build the map over all staged entries with `cap` slots (a power of
 * two, at least twice the entries). */
static int map_build(hm_index *idx, size_t cap) {
    uint64_t *k = malloc(cap * sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return HM_E_NO_MEMORY;
    }
    free(idx->mkeys);
    free(idx->midx);
    idx->mkeys = k;
    idx->midx = v;
    idx->mcap = cap;
    for (size_t i = 0; i < idx->nstaged; i++) map_put(idx, idx->staged[i].key, (uint32_t)i);
    return HM_OK;
}

/* Every staged entry whose key is `key`. */
#define FOR_STAGED(idx, key, e)                                                  \
    for (size_t p_ = (idx)->mcap ? (key) & ((idx)->mcap - 1) : 0;               \
         (idx)->mcap && (idx)->midx[p_]; p_ = (p_ + 1) & ((idx)->mcap - 1))     \
        if ((idx)->mkeys[p_] == (key) && ((e) = &(idx)->staged[(idx)->midx[p_] - 1]))

static const char *staged_id(const hm_index *idx, const hm_staged *e) {
    return idx->arena + e->id_off;
}

/* Is (list, id, type, bytes) live in the current segments, after the
 * staged removals? */
static int committed_has(hm_index *idx, uint32_t list, int type,
                         const uint8_t *bytes, const char *id) {
    const hm_snapshot *cur = atomic_load(&idx->current);
    const unsigned nb = hm_hash_bits(type) / 8;
    for (uint32_t i = 0; i < cur->nsegs; i++) {
        const hm_segment *sg = cur->segs[i];
        uint32_t first, count;
        hm_seg_find_id(sg, list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++) {
            const hm_seg_entry *en = &sg->entries[e];
            if (HM_TC_TYPE(en->tc) == type && !hm_tomb_dead(idx->wtombs[i], e) &&
                memcmp(hm_seg_entry_bytes(sg, en), bytes, nb) == 0)
                return 1;
        }
    }
    return 0;
}

int hm_ix_add_locked(hm_index *idx, uint32_t list, int type,
                     const uint8_t *bytes, const char *id, const char *labels,
                     uint32_t aux, int *added) {
    const unsigned nb = hm_hash_bits(type) / 8;
    int st;
    *added = 0;
    if (!nb) return hm_fail(&idx->err, HM_E_INVALID_ARGUMENT, "unknown hash type %d", type);
    if ((st = check_list(idx, list)) != HM_OK) return st;
    if (!id || !hm_ix_valid_text(id, HM_MAX_ENTRY_ID, 0))
        return hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                       "entry ids are 1 to %d bytes without control characters",
                       HM_MAX_ENTRY_ID);
    if (labels && !hm_ix_valid_text(labels, HM_MAX_LABELS, 1))
        return hm_fail(&idx->err, HM_E_INVALID_ARGUMENT,
                       "labels are at most %d bytes without control characters",
                       HM_MAX_LABELS);
    const uint64_t key = hm_seg_id_key(list, id);
    /* already staged? */
    const hm_staged *se;
    FOR_STAGED(idx, key, se)
        if (!se->dead && se->list == list && se->type == type &&
            memcmp(se->bytes, bytes, nb) == 0 && strcmp(staged_id(idx, se), id) == 0)
            return HM_OK;
    if (committed_has(idx, list, type, bytes, id)) return HM_OK;
    if (idx->wlive >= idx->max_entries)
        return hm_fail(&idx->err, HM_E_LIMIT,
                       "the index holds its maximum of %llu entries "
                       "(HM_INDEX_MAX_ENTRIES)",
                       (unsigned long long)idx->max_entries);
    if (idx->nstaged == idx->staged_cap) {
        size_t cap = idx->staged_cap ? 2 * idx->staged_cap : 1024;
        hm_staged *v = realloc(idx->staged, cap * sizeof *v);
        if (!v) return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
        idx->staged = v;
        idx->staged_cap = cap;
    }
    if (2 * (idx->nstaged + 1) > idx->mcap &&
        map_build(idx, idx->mcap ? 2 * idx->mcap : 1024) != HM_OK)
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    hm_staged *e = &idx->staged[idx->nstaged];
    memset(e, 0, sizeof *e);
    e->key = key;
    e->list = list;
    e->type = (uint8_t)type;
    e->aux = aux;
    memcpy(e->bytes, bytes, nb);
    if (arena_put(idx, id, &e->id_off) != HM_OK ||
        (labels && *labels && arena_put(idx, labels, &e->labels_off) != HM_OK))
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    map_put(idx, key, (uint32_t)idx->nstaged++);
    idx->wlists[list].entries++;
    idx->wlive++;
    idx->dirty = 1;
    *added = 1;
    return HM_OK;
}

hm_status hm_index_add(hm_index *idx, uint32_t list, const hm_hash *hash,
                       const char *entry_id, const char *labels) {
    int st, added;
    char hex[HM_HASH_STRING_MAX];
    if (!idx || !hash) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if (!entry_id && hm_hash_to_string(hash, hex, sizeof hex) == HM_OK)
        entry_id = hex;
    st = hm_ix_add_locked(idx, list, hash->type, hash->bytes, entry_id, labels,
                          HM_NO_AUX, &added);
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

void hm_ix_mark_take(const hm_index *idx, hm_ix_mark *m) {
    m->nstaged = idx->nstaged;
    m->arena_len = idx->arena_len;
    m->nlists = idx->nlists;
    m->wlive = idx->wlive;
}

void hm_ix_rollback(hm_index *idx, const hm_ix_mark *m) {
    for (size_t i = m->nstaged; i < idx->nstaged; i++) {
        const hm_staged *e = &idx->staged[i];
        if (!e->dead && e->list < idx->nlists) idx->wlists[e->list].entries--;
    }
    idx->nstaged = m->nstaged;
    idx->arena_len = m->arena_len;
    idx->nlists = m->nlists;
    idx->wlive = m->wlive;
    /* the map may point at the dropped entries: rebuild it */
    if (idx->mcap) map_build(idx, idx->mcap);
}

/* Mark entries of (list, id) dead: staged ones and committed ones. */
static int remove_one(hm_index *idx, uint32_t list, const char *id,
                      uint64_t *n) {
    const uint64_t key = hm_seg_id_key(list, id);
    hm_staged *se;
    FOR_STAGED(idx, key, se)
        if (!se->dead && se->list == list && strcmp(staged_id(idx, se), id) == 0) {
            se->dead = 1;
            idx->wlists[list].entries--;
            idx->wlive--;
            ++*n;
        }
    const hm_snapshot *cur = atomic_load(&idx->current);
    for (uint32_t s = 0; s < cur->nsegs; s++) {
        const hm_segment *sg = cur->segs[s];
        uint32_t first, count;
        hm_seg_find_id(sg, list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++) {
            if (hm_tomb_dead(idx->wtombs[s], e)) continue;
            if (!idx->wowned[s]) { /* copy on first write */
                hm_tomb *t = hm_tomb_copy(idx->wtombs[s], sg->nentries);
                if (!t) return HM_E_NO_MEMORY;
                hm_tomb_unref(idx->wtombs[s]);
                idx->wtombs[s] = t;
                idx->wowned[s] = 1;
            }
            idx->wtombs[s]->bits[e >> 6] |= 1ull << (e & 63);
            idx->wtombs[s]->ndead++;
            idx->wlists[list].entries--;
            idx->wlive--;
            ++*n;
        }
    }
    return HM_OK;
}

hm_status hm_index_remove(hm_index *idx, uint32_t list, const char *entry_id,
                          uint64_t *n_removed) {
    int st = HM_OK;
    uint64_t n = 0;
    if (!idx || !entry_id) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if (list != HM_ALL_LISTS && (st = check_list(idx, list)) != HM_OK) goto out;
    for (uint32_t l = 0; l < idx->nlists && st == HM_OK; l++)
        if (list == HM_ALL_LISTS || l == list) st = remove_one(idx, l, entry_id, &n);
    if (st != HM_OK) st = hm_fail(&idx->err, st, "out of memory");
    if (n) idx->dirty = 1;
out:
    pthread_mutex_unlock(&idx->wlock);
    if (n_removed) *n_removed = n;
    return st;
}

hm_status hm_index_list_clear(hm_index *idx, uint32_t list, uint64_t *n_removed) {
    int st;
    uint64_t n = 0;
    if (!idx) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    if ((st = check_list(idx, list)) != HM_OK) goto out;
    for (size_t i = 0; i < idx->nstaged; i++) {
        hm_staged *e = &idx->staged[i];
        if (!e->dead && e->list == list) {
            e->dead = 1;
            n++;
        }
    }
    const hm_snapshot *cur = atomic_load(&idx->current);
    for (uint32_t s = 0; s < cur->nsegs && st == HM_OK; s++) {
        const hm_segment *sg = cur->segs[s];
        for (uint32_t e = 0; e < sg->nentries; e++) {
            if (sg->entries[e].list != list || hm_tomb_dead(idx->wtombs[s], e))
                continue;
            if (!idx->wowned[s]) {
                hm_tomb *t = hm_tomb_copy(idx->wtombs[s], sg->nentries);
                if (!t) {
                    st = hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
                    break;
                }
                hm_tomb_unref(idx->wtombs[s]);
                idx->wtombs[s] = t;
                idx->wowned[s] = 1;
            }
            idx->wtombs[s]->bits[e >> 6] |= 1ull << (e & 63);
            idx->wtombs[s]->ndead++;
            n++;
        }
    }
    idx->wlive -= n;
    idx->wlists[list].entries -= n;
    if (n) idx->dirty = 1;
out:
    pthread_mutex_unlock(&idx->wlock);
    if (n_removed) *n_removed = n;
    return st;
}

/* ---- commit ------------------------------------------------------------------ */

static hm_seg_opts seg_opts(const hm_index *idx) {
    hm_seg_opts o;
    o.structures = idx->structures;
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) {
        o.radius[t] = t ? default_threshold(t) : 0;
        for (uint32_t l = 0; l < idx->nlists; l++)
            if (idx->wlists[l].thr[t] > o.radius[t]) o.radius[t] = idx->wlists[l].thr[t];
    }
    return o;
}

static uint64_t seg_live(const hm_segment *s, const hm_tomb *t) {
    return s->nentries - (t ? t->ndead : 0);
}

/* Merge segments [from, n) (live entries only) into one. */
static int merge(hm_index *idx, hm_segment **segs, hm_tomb **tombs,
                 uint32_t from, uint32_t n, hm_segment **out) {
    size_t total = 0, k = 0;
    for (uint32_t i = from; i < n; i++) total += seg_live(segs[i], tombs[i]);
    hm_seg_input *in = malloc(total * sizeof *in + 1);
    if (!in) return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory merging segments");
    for (uint32_t i = from; i < n; i++) {
        const hm_segment *sg = segs[i];
        for (uint32_t e = 0; e < sg->nentries; e++) {
            if (hm_tomb_dead(tombs[i], e)) continue;
            const hm_seg_entry *en = &sg->entries[e];
            in[k].list = en->list;
            in[k].type = HM_TC_TYPE(en->tc);
            in[k].bytes = hm_seg_entry_bytes(sg, en);
            in[k].id = hm_seg_str(sg, en->id_off);
            in[k].labels = en->labels_off ? hm_seg_str(sg, en->labels_off) : NULL;
            in[k].aux = en->aux;
            k++;
        }
    }
    hm_seg_opts o = seg_opts(idx);
    int st = hm_segment_build(in, k, &o, out, &idx->err);
    free(in);
    return st;
}

int hm_ix_commit_locked(hm_index *idx) {
    hm_snapshot *cur = atomic_load(&idx->current), *snap = NULL;
    const uint32_t nold = cur->nsegs;
    hm_segment **segs = malloc(((size_t)nold + 1) * sizeof *segs);
    hm_tomb **tombs = malloc(((size_t)nold + 1) * sizeof *tombs);
    hm_seg_input *in = NULL;
    uint32_t nsegs = 0;
    int st = HM_E_NO_MEMORY;
    if (!idx->dirty) {
        free(segs);
        free(tombs);
        return HM_OK;
    }
    if (!segs || !tombs) goto fail;
    /* the current segments, minus those emptied by removals */
    for (uint32_t i = 0; i < nold; i++) {
        if (!seg_live(cur->segs[i], idx->wtombs[i])) continue;
        segs[nsegs] = hm_segment_ref(cur->segs[i]);
        tombs[nsegs] = hm_tomb_ref(idx->wtombs[i]);
        nsegs++;
    }
    /* a new segment from the staged entries */
    size_t k = 0;
    in = malloc(idx->nstaged * sizeof *in + 1);
    if (!in) goto fail;
    for (size_t i = 0; i < idx->nstaged; i++) {
        const hm_staged *e = &idx->staged[i];
        if (e->dead) continue;
        in[k].list = e->list;
        in[k].type = e->type;
        in[k].bytes = e->bytes;
        in[k].id = idx->arena + e->id_off;
        in[k].labels = e->labels_off ? idx->arena + e->labels_off : NULL;
        in[k].aux = e->aux;
        k++;
    }
    if (k) {
        hm_seg_opts o = seg_opts(idx);
        if ((st = hm_segment_build(in, k, &o, &segs[nsegs], &idx->err)) != HM_OK)
            goto fail;
        tombs[nsegs++] = NULL;
    }
    free(in);
    in = NULL;
    /* rebuild segments that are mostly tombstones */
    for (uint32_t i = 0; i < nsegs; i++) {
        if (!tombs[i] || 2 * tombs[i]->ndead <= segs[i]->nentries) continue;
        hm_segment *m;
        if ((st = merge(idx, segs, tombs, i, i + 1, &m)) != HM_OK) goto fail;
        hm_segment_unref(segs[i]);
        hm_tomb_unref(tombs[i]);
        segs[i] = m;
        tombs[i] = NULL;
    }
    /* keep few segments: merge the newest into its predecessor while it
     * is at least half as large (sizes then fall geometrically), or while
     * there are too many */
    while (nsegs >= 2 &&
           (2 * seg_live(segs[nsegs - 1], tombs[nsegs - 1]) >=
                seg_live(segs[nsegs - 2], tombs[nsegs - 2]) ||
            nsegs > MAX_SEGMENTS)) {
        hm_segment *m;
        if ((st = merge(idx, segs, tombs, nsegs - 2, nsegs, &m)) != HM_OK)
            goto fail;
        for (uint32_t i = nsegs - 2; i < nsegs; i++) {
            hm_segment_unref(segs[i]);
            hm_tomb_unref(tombs[i]);
        }
        nsegs -= 2;
        segs[nsegs] = m;
        tombs[nsegs++] = NULL;
    }
    if ((st = snapshot_make(idx, idx->wlists, idx->nlists, segs, tombs, nsegs,
                            &snap)) != HM_OK)
        goto fail;
    for (uint32_t i = 0; i < nsegs; i++) {
        hm_segment_unref(segs[i]);
        hm_tomb_unref(tombs[i]);
    }
    free(segs);
    free(tombs);
    if (adopt_tombs(idx, snap) != HM_OK) {
        hm_snapshot_release(snap);
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    }
    publish(idx, snap);
    staged_clear(idx);
    idx->dirty = 0;
    return HM_OK;
fail:
    free(in);
    for (uint32_t i = 0; segs && i < nsegs; i++) {
        hm_segment_unref(segs[i]);
        hm_tomb_unref(tombs[i]);
    }
    free(segs);
    free(tombs);
    if (st == HM_E_NO_MEMORY && !idx->err.msg[0])
        hm_fail(&idx->err, st, "out of memory committing");
    return st;
}

hm_status hm_index_commit(hm_index *idx) {
    int st;
    if (!idx) return HM_E_INVALID_ARGUMENT;
    pthread_mutex_lock(&idx->wlock);
    hm_err_clear(&idx->err);
    st = hm_ix_commit_locked(idx);
    pthread_mutex_unlock(&idx->wlock);
    return st;
}

int hm_ix_replace_locked(hm_index *idx, char **names, hm_list_rec *lists,
                         uint32_t nlists, hm_segment *seg) {
    hm_names *nm = names_new(), *old_names = idx->names;
    hm_snapshot *snap = NULL;
    hm_tomb *none = NULL;
    if (!nm) return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    for (uint32_t l = 0; l < nlists; l++) {
        hm_list_core **chunk = &nm->chunks[l / HM_LIST_CHUNK];
        if (!*chunk && !(*chunk = calloc(HM_LIST_CHUNK, sizeof **chunk))) {
            names_unref(nm);
            return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
        }
    }
    for (uint32_t l = 0; l < nlists; l++) {
        hm_list_rec *rec = &lists[l];
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            rec->thr[t] = rec->thr_set[t] < 0 ? default_threshold(t) : rec->thr_set[t];
        rec->thr[0] = -1;
        rec->entries = 0;
    }
    if (seg)
        for (uint32_t e = 0; e < seg->nentries; e++) lists[seg->entries[e].list].entries++;
    idx->names = nm; /* the snapshot takes the names of the new lists */
    if (snapshot_make(idx, lists, nlists, &seg, &none, seg ? 1 : 0, &snap) != HM_OK ||
        adopt_tombs(idx, snap) != HM_OK) {
        idx->names = old_names;
        names_unref(nm);
        if (snap) hm_snapshot_release(snap);
        return hm_fail(&idx->err, HM_E_NO_MEMORY, "out of memory");
    }
    for (uint32_t l = 0; l < nlists; l++) {
        nm->chunks[l / HM_LIST_CHUNK][l % HM_LIST_CHUNK].name = names[l];
        names[l] = NULL;
    }
    names_unref(old_names);
    free(idx->wlists);
    idx->wlists = lists;
    idx->nlists = idx->lists_cap = nlists;
    idx->wlive = snap->live;
    staged_clear(idx);
    idx->dirty = 0;
    publish(idx, snap);
    return HM_OK;
}

/* ---- snapshot accessors and statistics ----------------------------------------- */

uint32_t hm_snapshot_list_count(const hm_snapshot *s) { return s ? s->nlists : 0; }

hm_status hm_snapshot_list_info(const hm_snapshot *s, uint32_t list,
                                hm_list_info *out) {
    if (!s || !out) return HM_E_INVALID_ARGUMENT;
    if (list >= s->nlists) return HM_E_NOT_FOUND;
    memset(out, 0, sizeof *out);
    hm_list_core *core = hm_list_core_of(s->names, list);
    out->name = core->name;
    out->id = list;
    out->enabled = s->lists[list].enabled;
    memcpy(out->threshold, s->lists[list].thr, sizeof out->threshold);
    out->threshold[0] = -1;
    out->entries = s->lists[list].entries;
    out->hits = atomic_load_explicit(&core->hits, memory_order_relaxed);
    return HM_OK;
}

hm_status hm_snapshot_list_find(const hm_snapshot *s, const char *name,
                                uint32_t *list) {
    if (!s || !name || !list) return HM_E_INVALID_ARGUMENT;
    for (uint32_t l = 0; l < s->nlists; l++)
        if (strcmp(hm_list_core_of(s->names, l)->name, name) == 0) {
            *list = l;
            return HM_OK;
        }
    return HM_E_NOT_FOUND;
}

void hm_snapshot_stats_fill(const hm_snapshot *s, hm_index_stats *out) {
    memset(out, 0, sizeof *out);
    out->entries = s->live;
    memcpy(out->entries_by_type, s->live_by_type, sizeof out->entries_by_type);
    for (uint32_t i = 0; i < s->nsegs; i++)
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            out->unique_hashes += s->segs[i]->tab[t].ncodes;
    out->bytes = s->bytes;
    out->bytes_structures = s->bytes_structures;
    out->queries = atomic_load_explicit(&s->shared->queries, memory_order_relaxed);
    out->hits = atomic_load_explicit(&s->shared->hits, memory_order_relaxed);
    out->generation = s->generation;
    out->lists = s->nlists;
    out->segments = s->nsegs;
}

hm_status hm_snapshot_stats(const hm_snapshot *s, hm_index_stats *out) {
    if (!s || !out) return HM_E_INVALID_ARGUMENT;
    hm_snapshot_stats_fill(s, out);
    return HM_OK;
}

hm_status hm_index_stats_get(hm_index *idx, hm_index_stats *out) {
    if (!idx || !out) return HM_E_INVALID_ARGUMENT;
    hm_snapshot *s = acquire(idx);
    hm_snapshot_stats_fill(s, out);
    hm_snapshot_release(s);
    return HM_OK;
}
