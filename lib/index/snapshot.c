/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Snapshots: what readers see.  Making one, its lock-free publication
 * (protocol in index_internal.h), and what it tells about its lists and
 * itself.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

/* ---- life --------------------------------------------------------------------- */

void hm_ix_shared_unref(hm_shared *sh) {
    if (sh && atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) == 1)
        free(sh);
}

static void snapshot_free(hm_snapshot *s) {
    for (uint32_t i = 0; i < s->nsegs; i++) {
        hm_segment_unref(s->segs[i]);
        hm_tomb_unref(s->tombs[i]);
    }
    for (uint32_t i = 0; i < s->tmk.n; i++) {
        hm_tmk_seg_unref(s->tmk.segs[i]);
        hm_tomb_unref(s->tmk.tombs[i]);
    }
    free(s->tmk.segs);
    free(s->tmk.tombs);
    free(s->segs);
    free(s->tombs);
    free(s->lists);
    hm_ix_names_unref(s->names);
    hm_ix_shared_unref(s->shared);
    free(s);
}

void hm_snapshot_release(hm_snapshot *s) {
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
        snapshot_free(s);
}

int hm_ix_snapshot_make(hm_index *idx, const hm_list_rec *lists, uint32_t nlists,
                        hm_segment **segs, hm_tomb **tombs, uint32_t nsegs,
                        const hm_tmk_part *tp, hm_snapshot **out) {
    hm_snapshot *s = calloc(1, sizeof *s);
    const uint32_t ntsegs = tp ? tp->n : 0;
    *out = NULL;
    if (!s) return HM_E_NO_MEMORY;
    atomic_init(&s->refs, 1);
    s->lists = malloc((size_t)nlists * sizeof *s->lists + 1);
    s->segs = malloc((size_t)nsegs * sizeof *s->segs + 1);
    s->tombs = malloc((size_t)nsegs * sizeof *s->tombs + 1);
    s->tmk.segs = malloc((size_t)ntsegs * sizeof *s->tmk.segs + 1);
    s->tmk.tombs = malloc((size_t)ntsegs * sizeof *s->tmk.tombs + 1);
    if (!s->lists || !s->segs || !s->tombs || !s->tmk.segs || !s->tmk.tombs) {
        free(s->tmk.segs);
        free(s->tmk.tombs);
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
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) s->max_thr[t] = s->max_thr_all[t] = -1;
    for (uint32_t l = 0; l < nlists; l++) {
        s->lists[l].entries = 0;
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
            if (lists[l].thr[t] > s->max_thr_all[t]) s->max_thr_all[t] = lists[l].thr[t];
            if (lists[l].enabled && lists[l].thr[t] > s->max_thr[t])
                s->max_thr[t] = lists[l].thr[t];
        }
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
                const hm_seg_entry *en = &segs[i]->entries[e];
                s->live++;
                s->live_by_type[HM_TC_TYPE(en->tc)]++;
                s->lists[en->list].entries++;
            }
    }
    s->tmk.n = ntsegs;
    for (uint32_t i = 0; i < ntsegs; i++) {
        const hm_tmk_seg *sg = s->tmk.segs[i] = hm_tmk_seg_ref(tp->segs[i]);
        const hm_tomb *tb = s->tmk.tombs[i] = hm_tomb_ref(tp->tombs[i]);
        s->bytes += sg->bytes;
        if (tb) s->bytes += sizeof *tb + ((size_t)tb->nbits + 63) / 64 * 8;
        for (uint32_t e = 0; e < sg->n; e++)
            if (!hm_tomb_dead(tb, e)) {
                s->live++;
                s->tmk_live++;
                s->lists[sg->ents[e].list].entries++;
            }
    }
    *out = s;
    return HM_OK;
}

/* ---- publication ---------------------------------------------------------------- */

hm_snapshot *hm_ix_acquire(hm_index *idx) {
    const unsigned e = atomic_load(&idx->epoch) & 1;
    atomic_fetch_add(&idx->readers[e], 1);
    hm_snapshot *s = atomic_load(&idx->current);
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    atomic_fetch_sub(&idx->readers[e], 1);
    return s;
}

/* Once this returns, no reader can still be about to take a reference to
 * a snapshot that was current before the call. */
static void synchronize(hm_index *idx) {
    for (int round = 0; round < 2; round++) {
        const unsigned e = atomic_fetch_add(&idx->epoch, 1) & 1;
        while (atomic_load(&idx->readers[e]) != 0) sched_yield();
    }
}

void hm_ix_publish(hm_index *idx, hm_snapshot *s) {
    hm_snapshot *old = atomic_exchange(&idx->current, s);
    synchronize(idx);
    hm_snapshot_release(old);
}

static int index_acquire(hm_index *idx, hm_snapshot **out) {
    if (!idx || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or out");
    *out = hm_ix_acquire(idx);
    return HM_OK;
}

hm_status hm_index_acquire(hm_index *idx, hm_snapshot **out) {
    return HM_CALL(index_acquire(idx, out));
}

/* ---- contents --------------------------------------------------------------------- */

int hm_ix_find_live(const hm_snapshot *s, hm_tomb *const *tombs, uint32_t list, int type,
                    const uint8_t *bytes, const char *id, uint32_t *seg, uint32_t *entry) {
    const unsigned nb = hm_hash_bits(type) / 8;
    for (uint32_t i = 0; i < s->nsegs; i++) {
        const hm_segment *sg = s->segs[i];
        uint32_t first, count;
        hm_seg_find_id(sg, list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++) {
            const hm_seg_entry *en = &sg->entries[e];
            if (HM_TC_TYPE(en->tc) == type && !hm_tomb_dead(tombs[i], e) &&
                memcmp(hm_seg_entry_bytes(sg, en), bytes, nb) == 0) {
                *seg = i;
                *entry = e;
                return 1;
            }
        }
    }
    return 0;
}

uint32_t hm_snapshot_list_count(const hm_snapshot *s) { return s ? s->nlists : 0; }

static int list_info(const hm_snapshot *s, uint32_t list, hm_list_info *out) {
    if (!s || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or out");
    if (list >= s->nlists)
        return hm_fail(HM_E_NOT_FOUND, "no list with id %u (%u lists)", list, s->nlists);
    memset(out, 0, sizeof *out);
    hm_list_core *core = hm_list_core_of(s->names, list);
    out->name = s->lists[list].name;
    out->id = list;
    out->enabled = s->lists[list].enabled;
    for (int t = 0; t < HM_HASH_TYPE_SLOTS; t++)
        out->threshold[t] = t >= 1 && t <= HM_HASH_TYPE_MAX ? s->lists[list].thr[t] : -1;
    out->entries = s->lists[list].entries;
    out->hits = atomic_load_explicit(&core->hits, memory_order_relaxed);
    return HM_OK;
}

hm_status hm_snapshot_list_info(const hm_snapshot *s, uint32_t list, hm_list_info *out) {
    return HM_CALL(list_info(s, list, out));
}

static int list_find(const hm_snapshot *s, const char *name, uint32_t *list) {
    if (!s || !name || !list) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot, name or list");
    for (uint32_t l = 0; l < s->nlists; l++)
        if (strcmp(s->lists[l].name, name) == 0) {
            *list = l;
            return HM_OK;
        }
    return hm_fail(HM_E_NOT_FOUND, "no list named \"%.*s\"", HM_MAX_NAME, name);
}

hm_status hm_snapshot_list_find(const hm_snapshot *s, const char *name, uint32_t *list) {
    return HM_CALL(list_find(s, name, list));
}

void hm_snapshot_stats_fill(const hm_snapshot *s, hm_index_stats *out) {
    memset(out, 0, sizeof *out);
    out->entries = s->live;
    memcpy(out->entries_by_type, s->live_by_type, sizeof s->live_by_type);
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
    out->tmk_entries = s->tmk_live;
}

static int snapshot_stats(const hm_snapshot *s, hm_index_stats *out) {
    if (!s || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or out");
    hm_snapshot_stats_fill(s, out);
    return HM_OK;
}

hm_status hm_snapshot_stats(const hm_snapshot *s, hm_index_stats *out) {
    return HM_CALL(snapshot_stats(s, out));
}

static int index_stats(hm_index *idx, hm_index_stats *out) {
    if (!idx || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL index or out");
    hm_snapshot *s = hm_ix_acquire(idx);
    hm_snapshot_stats_fill(s, out);
    hm_snapshot_release(s);
    return HM_OK;
}

hm_status hm_index_stats_get(hm_index *idx, hm_index_stats *out) {
    return HM_CALL(index_stats(idx, out));
}
