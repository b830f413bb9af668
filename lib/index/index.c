/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The index object: creation and parameters.  What it holds is described in index_internal.h.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#define DEFAULT_MAX_LINE 65536
#define DEFAULT_MAX_ENTRIES 1000000000ull

static int index_create(hm_index **out) {
    hm_index *idx;
    hm_snapshot *s = NULL;
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!(idx = calloc(1, sizeof *idx))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    idx->shared = calloc(1, sizeof *idx->shared);
    idx->names = hm_ix_names_new();
    if (!idx->shared || !idx->names || pthread_mutex_init(&idx->wlock, NULL) != 0) {
        free(idx->shared);
        hm_ix_names_unref(idx->names);
        free(idx);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    if (pthread_mutex_init(&idx->save_lock, NULL) != 0) {
        pthread_mutex_destroy(&idx->wlock);
        free(idx->shared);
        hm_ix_names_unref(idx->names);
        free(idx);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    atomic_init(&idx->shared->refs, 1);
    hm_ix_changes_init(&idx->cs, 0);
    idx->structures = 1u << HM_STRUCT_MIH;
    idx->default_structure = HM_STRUCT_AUTO;
    idx->max_line = DEFAULT_MAX_LINE;
    idx->max_entries = DEFAULT_MAX_ENTRIES;
    atomic_init(&idx->current, NULL);
    atomic_init(&idx->epoch, 0);
    atomic_init(&idx->readers[0], 0);
    atomic_init(&idx->readers[1], 0);
    if (hm_ix_snapshot_make(idx, NULL, 0, NULL, NULL, 0, NULL, &s) != HM_OK) {
        hm_index_free(idx);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    atomic_store(&idx->current, s);
    *out = idx;
    return HM_OK;
}

hm_status hm_index_create(hm_index **out) { return HM_CALL(index_create(out)); }

void hm_index_free(hm_index *idx) {
    if (!idx) return;
    hm_snapshot_release(atomic_load(&idx->current));
    hm_ix_changes_free(&idx->cs);
    hm_ix_names_unref(idx->names);
    hm_ix_shared_unref(idx->shared);
    pthread_mutex_destroy(&idx->save_lock);
    pthread_mutex_destroy(&idx->wlock);
    free(idx);
}

static int set_param(hm_writer *w, hm_index_param p, int64_t v) {
    hm_index *idx = w->idx;
    switch (p) {
    case HM_INDEX_STRUCTURES:
        if (v & ~(int64_t)((1u << HM_STRUCT_MIH) | (1u << HM_STRUCT_BKTREE)))
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "structures: only MIH and BK-tree bits may be set");
        idx->structures = (unsigned)v;
        return HM_OK;
    case HM_INDEX_DEFAULT_STRUCTURE:
        if (v < HM_STRUCT_AUTO || v > HM_STRUCT_BKTREE)
            return hm_fail(HM_E_INVALID_ARGUMENT, "unknown structure %lld", (long long)v);
        idx->default_structure = (int)v;
        return HM_OK;
    case HM_INDEX_MAX_LINE:
    case HM_INDEX_MAX_ENTRIES:
        if (v <= 0)
            return hm_fail(HM_E_INVALID_ARGUMENT, "limits must be positive (got %lld)",
                           (long long)v);
        if (p == HM_INDEX_MAX_LINE) idx->max_line = (uint64_t)v;
        else idx->max_entries = (uint64_t)v;
        return HM_OK;
    default: return hm_fail(HM_E_INVALID_ARGUMENT, "unknown parameter %d", (int)p);
    }
}

hm_status hm_index_set(hm_index *idx, hm_index_param p, int64_t v) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, set_param(&w, p, v));
}

static int index_get(const hm_index *idx, hm_index_param p, int64_t *v) {
    pthread_mutex_t *wlock;
    int st = HM_OK;
    if (!idx || !v) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or value");
    /* the writer lock guards the parameters; taking it changes nothing the
     * caller can see, so the index is const to the caller */
    wlock = (pthread_mutex_t *)&idx->wlock;
    pthread_mutex_lock(wlock);
    switch (p) {
    case HM_INDEX_STRUCTURES: *v = idx->structures; break;
    case HM_INDEX_DEFAULT_STRUCTURE: *v = idx->default_structure; break;
    case HM_INDEX_MAX_LINE: *v = (int64_t)idx->max_line; break;
    case HM_INDEX_MAX_ENTRIES: *v = (int64_t)idx->max_entries; break;
    default: st = hm_fail(HM_E_INVALID_ARGUMENT, "unknown parameter %d", (int)p);
    }
    pthread_mutex_unlock(wlock);
    return st;
}

hm_status hm_index_get(const hm_index *idx, hm_index_param p, int64_t *v) {
    return HM_CALL(index_get(idx, p, v));
}
