/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commit: a change set applied to the snapshot current at that moment,
 * published as the next snapshot; the merge policy that keeps segments
 * few; hm_index_load's wholesale replacement; and, after hm_index_save,
 * the current snapshot again with TMK level 2 read from the saved file.
 *
 * The set was staged against its base snapshot.  When no other commit
 * came between (the base is still current), its adds were checked for
 * duplicates against exactly what is current.  Otherwise its removals and
 * clears are applied as recorded, and its adds are checked again against
 * what is current: an entry someone else added meanwhile is not added
 * twice, and an entry this set found present (a hm_dup) that someone
 * else removed meanwhile is built anew.  Either way the result is what
 * the set's changes, in order, make of the current content.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"

#define MAX_SEGMENTS 8

/* The segments and tombstones of the next snapshot while it is built:
 * tombstones are copied before their first change. */
typedef struct work {
    hm_segment **segs;
    hm_tomb **tombs;
    uint8_t *owned;
    uint32_t n;
    uint64_t killed;
    /* the same for the TMK segments */
    hm_tmk_part tp;
    uint8_t *towned;
} work;

static void work_free(work *wk) {
    for (uint32_t i = 0; i < wk->n; i++) {
        hm_segment_unref(wk->segs[i]);
        hm_tomb_unref(wk->tombs[i]);
    }
    for (uint32_t i = 0; i < wk->tp.n; i++) {
        hm_tmk_seg_unref(wk->tp.segs[i]);
        hm_tomb_unref(wk->tp.tombs[i]);
    }
    free(wk->segs);
    free(wk->tombs);
    free(wk->owned);
    free(wk->tp.segs);
    free(wk->tp.tombs);
    free(wk->towned);
}

/* The current segments, and room for one more. */
static int work_start(work *wk, const hm_snapshot *cur) {
    memset(wk, 0, sizeof *wk);
    wk->segs = malloc(((size_t)cur->nsegs + 1) * sizeof *wk->segs);
    wk->tombs = malloc(((size_t)cur->nsegs + 1) * sizeof *wk->tombs);
    wk->owned = calloc((size_t)cur->nsegs + 1, 1);
    wk->tp.segs = malloc(((size_t)cur->tmk.n + 1) * sizeof *wk->tp.segs);
    wk->tp.tombs = malloc(((size_t)cur->tmk.n + 1) * sizeof *wk->tp.tombs);
    wk->towned = calloc((size_t)cur->tmk.n + 1, 1);
    if (!wk->segs || !wk->tombs || !wk->owned || !wk->tp.segs || !wk->tp.tombs ||
        !wk->towned) {
        work_free(wk);
        return HM_E_NO_MEMORY;
    }
    for (; wk->n < cur->nsegs; wk->n++) {
        wk->segs[wk->n] = hm_segment_ref(cur->segs[wk->n]);
        wk->tombs[wk->n] = hm_tomb_ref(cur->tombs[wk->n]);
    }
    for (; wk->tp.n < cur->tmk.n; wk->tp.n++) {
        wk->tp.segs[wk->tp.n] = hm_tmk_seg_ref(cur->tmk.segs[wk->tp.n]);
        wk->tp.tombs[wk->tp.n] = hm_tomb_ref(cur->tmk.tombs[wk->tp.n]);
    }
    return HM_OK;
}

/* Set bit e of tombstone *t (of nbits), copying it first unless *owned. */
static int kill_bit(hm_tomb **t, uint8_t *owned, uint32_t nbits, uint32_t e) {
    if (hm_tomb_dead(*t, e)) return HM_OK;
    if (!*owned) {
        hm_tomb *c = hm_tomb_copy(*t, nbits);
        if (!c) return HM_E_NO_MEMORY;
        hm_tomb_unref(*t);
        *t = c;
        *owned = 1;
    }
    (*t)->bits[e >> 6] |= 1ull << (e & 63);
    (*t)->ndead++;
    return HM_OK;
}

static int kill(work *wk, uint32_t s, uint32_t e) {
    if (hm_tomb_dead(wk->tombs[s], e)) return HM_OK;
    wk->killed++;
    return kill_bit(&wk->tombs[s], &wk->owned[s], wk->segs[s]->nentries, e);
}

static int kill_tmk(work *wk, uint32_t s, uint32_t e) {
    return kill_bit(&wk->tp.tombs[s], &wk->towned[s], wk->tp.segs[s]->n, e);
}

static int kill_id(work *wk, uint32_t list, const char *id) {
    int st = HM_OK;
    for (uint32_t s = 0; s < wk->n && st == HM_OK; s++) {
        uint32_t first, count;
        hm_seg_find_id(wk->segs[s], list, id, &first, &count);
        for (uint32_t e = first; e < first + count && st == HM_OK; e++) st = kill(wk, s, e);
    }
    for (uint32_t s = 0; s < wk->tp.n && st == HM_OK; s++) {
        uint32_t first, count;
        hm_tmk_seg_find_id(wk->tp.segs[s], list, id, &first, &count);
        for (uint32_t e = first; e < first + count && st == HM_OK; e++) st = kill_tmk(wk, s, e);
    }
    return st;
}

/* The set's removals and clears, on the committed entries. */
static int apply_removals(hm_writer *w, work *wk) {
    const hm_changes *cs = w->cs;
    int st = HM_OK;
    for (uint32_t l = 0; l < cs->nlists && st == HM_OK; l++) {
        if (!cs->lists[l].cleared) continue;
        for (uint32_t s = 0; s < wk->n && st == HM_OK; s++)
            for (uint32_t e = 0; e < wk->segs[s]->nentries && st == HM_OK; e++)
                if (wk->segs[s]->entries[e].list == l) st = kill(wk, s, e);
        for (uint32_t s = 0; s < wk->tp.n && st == HM_OK; s++)
            for (uint32_t e = 0; e < wk->tp.segs[s]->n && st == HM_OK; e++)
                if (wk->tp.segs[s]->ents[e].list == l) st = kill_tmk(wk, s, e);
    }
    for (size_t i = 0; i < cs->nrm && st == HM_OK; i++) {
        const hm_removal *r = &cs->rm[i];
        const char *id = cs->arena + r->id_off;
        if (r->list != HM_ALL_LISTS) st = kill_id(wk, r->list, id);
        else
            for (uint32_t l = 0; l < w->idx->nlists && st == HM_OK; l++) st = kill_id(wk, l, id);
    }
    return st;
}

/* The lists of the next snapshot: the current ones, lists named since
 * (defaults), and the set's settings and renames (*v NULL on failure). */
static int next_lists(const hm_writer *w, const hm_snapshot *cur, hm_list_rec **out) {
    const uint32_t n = w->idx->nlists;
    hm_list_rec *v = malloc((size_t)n * sizeof *v + 1);
    *out = NULL;
    if (!v) return hm_fail(HM_E_NO_MEMORY, "out of memory committing");
    for (uint32_t l = 0; l < n; l++) {
        if (l < cur->nlists) {
            v[l] = cur->lists[l];
        } else {
            hm_ix_list_rec_init(&v[l]);
            v[l].name = hm_list_core_of(w->idx->names, l)->name;
        }
        if (l >= w->cs->nlists) continue;
        const hm_list_change *c = &w->cs->lists[l];
        for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
            if (c->thr_set[t] != HM_KEEP) v[l].thr_set[t] = c->thr_set[t];
        for (int k = 0; k < 2; k++)
            if (c->tmk_set[k] != HM_KEEP) v[l].tmk_set[k] = c->tmk_set[k];
        if (c->enabled != HM_KEEP) v[l].enabled = c->enabled;
        hm_ix_list_rec_settle(&v[l]);
    }
    const int st = hm_ix_renames_take(w, v);
    if (st != HM_OK) {
        free(v);
        return st;
    }
    *out = v;
    return HM_OK;
}

/* Entry en of segment sg as an input to another build. */
static void input_of(hm_seg_input *x, const hm_segment *sg, const hm_seg_entry *en) {
    x->list = en->list;
    x->type = HM_TC_TYPE(en->tc);
    x->bytes = hm_seg_entry_bytes(sg, en);
    x->id = hm_seg_str(sg, en->id_off);
    x->labels = en->labels_off ? hm_seg_str(sg, en->labels_off) : NULL;
    x->aux = en->aux;
}

/* The entries the new segment is built from. */
static int new_entries(const hm_writer *w, const hm_snapshot *cur, const work *wk,
                       hm_seg_input **out, size_t *n) {
    const hm_changes *cs = w->cs;
    const int rebase = cs->base && cs->base != cur;
    hm_seg_input *in = malloc((cs->nstaged + (rebase ? cs->ndups : 0)) * sizeof *in + 1);
    size_t k = 0;
    uint32_t s, e;
    if (!in) return HM_E_NO_MEMORY;
    for (size_t i = 0; i < cs->nstaged; i++) {
        const hm_staged *x = &cs->staged[i];
        const char *id = cs->arena + x->id_off;
        if (x->dead ||
            (rebase && hm_ix_find_live(cur, wk->tombs, x->list, x->type, x->bytes, id, &s, &e)))
            continue;
        hm_seg_input *y = &in[k++];
        y->list = x->list;
        y->type = x->type;
        y->bytes = x->bytes;
        y->id = id;
        y->labels = x->labels_off ? cs->arena + x->labels_off : NULL;
        y->aux = x->aux;
    }
    for (size_t i = 0; rebase && i < cs->ndups; i++) {
        const hm_segment *sg = cs->base->segs[cs->dups[i].seg];
        hm_seg_input *y = &in[k];
        input_of(y, sg, &sg->entries[cs->dups[i].entry]);
        if (!hm_ix_changes_gone(cs, y->list, y->id) &&
            !hm_ix_find_live(cur, wk->tombs, y->list, y->type, y->bytes, y->id, &s, &e))
            k++;
    }
    *out = in;
    *n = k;
    return HM_OK;
}

/* The set's TMK adds (those not live already) as a new TMK segment in
 * wk. */
static int new_tmk_segment(const hm_changes *cs, work *wk) {
    hm_tmk_in *in = malloc(cs->ntmk * sizeof *in + 1);
    size_t k = 0;
    int st = HM_OK;
    if (!in) return hm_fail(HM_E_NO_MEMORY, "out of memory committing");
    for (size_t i = 0; i < cs->ntmk; i++) {
        const hm_tmk_staged *x = &cs->tmk[i];
        const char *id = cs->arena + x->id_off;
        if (x->dead || hm_ix_tmk_find_live(&wk->tp, x->list, id, x->sum, x->src->one->frames,
                                           x->src->one->avg))
            continue;
        hm_tmk_in *y = &in[k++];
        y->list = x->list;
        y->frames = x->src->one->frames;
        y->id = id;
        y->labels = x->labels_off ? cs->arena + x->labels_off : NULL;
        y->avg = x->src->one->avg;
        y->off = 0;
        y->sum = x->sum;
        y->src = x->src; /* the segment takes its own reference */
    }
    if (k && (st = hm_tmk_seg_build(in, k, &wk->tp.segs[wk->tp.n])) == HM_OK) {
        wk->tp.tombs[wk->tp.n] = NULL;
        wk->towned[wk->tp.n++] = 0;
    }
    free(in);
    return st;
}

/* ---- merge policy ----------------------------------------------------------------- */

hm_seg_opts hm_ix_seg_opts(unsigned structures, const hm_list_rec *lists, uint32_t nlists) {
    hm_seg_opts o;
    o.structures = structures;
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) {
        o.radius[t] = t ? hm_default_threshold(t) : 0;
        for (uint32_t l = 0; l < nlists; l++)
            if (lists[l].thr[t] > o.radius[t]) o.radius[t] = lists[l].thr[t];
    }
    return o;
}

static uint64_t seg_live(const hm_segment *s, const hm_tomb *t) {
    return s->nentries - (t ? t->ndead : 0);
}

/* Merge segments [from, to) (live entries only) into one, in their
 * place. */
static int merge(work *wk, uint32_t from, uint32_t to, const hm_seg_opts *o) {
    size_t total = 0, k = 0;
    hm_segment *m;
    for (uint32_t i = from; i < to; i++) total += seg_live(wk->segs[i], wk->tombs[i]);
    hm_seg_input *in = malloc(total * sizeof *in + 1);
    if (!in) return hm_fail(HM_E_NO_MEMORY, "out of memory merging segments");
    for (uint32_t i = from; i < to; i++) {
        const hm_segment *sg = wk->segs[i];
        for (uint32_t e = 0; e < sg->nentries; e++)
            if (!hm_tomb_dead(wk->tombs[i], e)) input_of(&in[k++], sg, &sg->entries[e]);
    }
    int st = k ? hm_segment_build(in, k, o, &m) : HM_E_INTERNAL;
    free(in);
    if (st != HM_OK) return st;
    for (uint32_t i = from; i < to; i++) {
        hm_segment_unref(wk->segs[i]);
        hm_tomb_unref(wk->tombs[i]);
    }
    wk->segs[from] = m;
    wk->tombs[from] = NULL;
    wk->owned[from] = 0;
    for (uint32_t i = to; i < wk->n; i++) { /* close the gap */
        wk->segs[from + 1 + i - to] = wk->segs[i];
        wk->tombs[from + 1 + i - to] = wk->tombs[i];
        wk->owned[from + 1 + i - to] = wk->owned[i];
    }
    wk->n -= to - from - 1;
    return HM_OK;
}

/* Drop segments that removals emptied; rebuild those that are mostly
 * tombstones; then merge the newest into its predecessor while it is at
 * least half as large (sizes then fall geometrically, so there are
 * O(log n) segments), or while there are more than MAX_SEGMENTS. */
static int settle_segments(work *wk, const hm_seg_opts *o) {
    int st;
    for (uint32_t i = 0; i < wk->n;) {
        if (seg_live(wk->segs[i], wk->tombs[i])) {
            i++;
            continue;
        }
        hm_segment_unref(wk->segs[i]);
        hm_tomb_unref(wk->tombs[i]);
        memmove(wk->segs + i, wk->segs + i + 1, (wk->n - i - 1) * sizeof *wk->segs);
        memmove(wk->tombs + i, wk->tombs + i + 1, (wk->n - i - 1) * sizeof *wk->tombs);
        memmove(wk->owned + i, wk->owned + i + 1, wk->n - i - 1);
        wk->n--;
    }
    for (uint32_t i = 0; i < wk->n; i++)
        if (wk->tombs[i] && 2 * wk->tombs[i]->ndead > wk->segs[i]->nentries &&
            (st = merge(wk, i, i + 1, o)) != HM_OK)
            return st;
    while (wk->n >= 2 && (2 * seg_live(wk->segs[wk->n - 1], wk->tombs[wk->n - 1]) >=
                              seg_live(wk->segs[wk->n - 2], wk->tombs[wk->n - 2]) ||
                          wk->n > MAX_SEGMENTS))
        if ((st = merge(wk, wk->n - 2, wk->n, o)) != HM_OK) return st;
    return HM_OK;
}

static uint64_t tseg_live(const work *wk, uint32_t i) {
    return wk->tp.segs[i]->n - (wk->tp.tombs[i] ? wk->tp.tombs[i]->ndead : 0);
}

/* Merge TMK segments [from, to) into one, in their place. */
static int tmk_merge(work *wk, uint32_t from, uint32_t to) {
    size_t total = 0, k = 0;
    hm_tmk_seg *m;
    for (uint32_t i = from; i < to; i++) total += tseg_live(wk, i);
    hm_tmk_in *in = malloc(total * sizeof *in + 1);
    if (!in) return hm_fail(HM_E_NO_MEMORY, "out of memory merging TMK entries");
    for (uint32_t i = from; i < to; i++)
        for (uint32_t e = 0; e < wk->tp.segs[i]->n; e++)
            if (!hm_tomb_dead(wk->tp.tombs[i], e)) hm_tmk_seg_input(wk->tp.segs[i], e, &in[k++]);
    int st = k ? hm_tmk_seg_build(in, k, &m) : HM_E_INTERNAL;
    free(in);
    if (st != HM_OK) return st;
    for (uint32_t i = from; i < to; i++) {
        hm_tmk_seg_unref(wk->tp.segs[i]);
        hm_tomb_unref(wk->tp.tombs[i]);
    }
    wk->tp.segs[from] = m;
    wk->tp.tombs[from] = NULL;
    wk->towned[from] = 0;
    for (uint32_t i = to; i < wk->tp.n; i++) {
        wk->tp.segs[from + 1 + i - to] = wk->tp.segs[i];
        wk->tp.tombs[from + 1 + i - to] = wk->tp.tombs[i];
        wk->towned[from + 1 + i - to] = wk->towned[i];
    }
    wk->tp.n -= to - from - 1;
    return HM_OK;
}

/* The policy of settle_segments, for the TMK segments. */
static int settle_tmk(work *wk) {
    int st;
    for (uint32_t i = 0; i < wk->tp.n;) {
        if (tseg_live(wk, i)) {
            i++;
            continue;
        }
        hm_tmk_seg_unref(wk->tp.segs[i]);
        hm_tomb_unref(wk->tp.tombs[i]);
        const size_t rest = wk->tp.n - i - 1;
        memmove(wk->tp.segs + i, wk->tp.segs + i + 1, rest * sizeof *wk->tp.segs);
        memmove(wk->tp.tombs + i, wk->tp.tombs + i + 1, rest * sizeof *wk->tp.tombs);
        memmove(wk->towned + i, wk->towned + i + 1, rest);
        wk->tp.n--;
    }
    for (uint32_t i = 0; i < wk->tp.n; i++)
        if (wk->tp.tombs[i] && 2 * wk->tp.tombs[i]->ndead > wk->tp.segs[i]->n &&
            (st = tmk_merge(wk, i, i + 1)) != HM_OK)
            return st;
    while (wk->tp.n >= 2 && (2 * tseg_live(wk, wk->tp.n - 1) >= tseg_live(wk, wk->tp.n - 2) ||
                             wk->tp.n > MAX_SEGMENTS))
        if ((st = tmk_merge(wk, wk->tp.n - 2, wk->tp.n)) != HM_OK) return st;
    return HM_OK;
}

/* ---- commit ------------------------------------------------------------------------- */

int hm_ix_commit_locked(hm_writer *w) {
    hm_index *idx = w->idx;
    hm_snapshot *cur = atomic_load(&idx->current), *snap = NULL;
    hm_list_rec *lists = NULL;
    hm_seg_input *in = NULL;
    size_t nin = 0;
    work wk;
    int st;
    if (!w->cs->dirty && !(w->cs->ndups && w->cs->base != cur) && idx->nlists == cur->nlists) {
        hm_ix_changes_reset(w->cs); /* nothing that changes what is current */
        return HM_OK;
    }
    if ((st = work_start(&wk, cur)) != HM_OK)
        return hm_fail(st, "out of memory committing");
    if ((st = next_lists(w, cur, &lists)) != HM_OK) goto out;
    if ((st = apply_removals(w, &wk)) != HM_OK ||
        (st = new_entries(w, cur, &wk, &in, &nin)) != HM_OK) {
        st = hm_fail(HM_E_NO_MEMORY, "out of memory committing");
        goto out;
    }
    const hm_seg_opts o = hm_ix_seg_opts(idx->structures, lists, idx->nlists);
    if (nin) {
        if ((st = hm_segment_build(in, nin, &o, &wk.segs[wk.n])) != HM_OK) goto out;
        wk.tombs[wk.n++] = NULL;
    }
    if ((st = settle_segments(&wk, &o)) != HM_OK) goto out;
    if ((st = new_tmk_segment(w->cs, &wk)) != HM_OK || (st = settle_tmk(&wk)) != HM_OK)
        goto out;
    if (hm_ix_snapshot_make(idx, lists, idx->nlists, wk.segs, wk.tombs, wk.n, &wk.tp, &snap) !=
        HM_OK) {
        st = hm_fail(HM_E_NO_MEMORY, "out of memory committing");
        goto out;
    }
    hm_ix_publish(idx, snap);
    hm_ix_renames_publish(w, lists);
    hm_ix_changes_reset(w->cs);
    free(lists);
    lists = NULL;
out:
    if (lists) hm_ix_renames_drop(w, lists);
    free(in);
    free(lists);
    work_free(&wk);
    return st;
}

hm_status hm_index_commit(hm_index *idx) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, hm_ix_commit_locked(&w));
}

hm_status hm_txn_commit(hm_txn *txn) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, hm_ix_commit_locked(&w));
}

/* ---- load: everything replaced ----------------------------------------------------------- */

int hm_ix_replace_locked(hm_index *idx, char **names, hm_list_rec *lists, uint32_t nlists,
                         hm_segment *seg, hm_tmk_seg *tseg) {
    hm_names *nm = hm_ix_names_new(), *old_names = idx->names;
    hm_snapshot *snap = NULL;
    hm_tomb *none = NULL, *tnone = NULL;
    const hm_tmk_part tp = {&tseg, &tnone, tseg ? 1 : 0};
    if (!nm) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (uint32_t l = 0; l < nlists; l++) {
        hm_list_core **chunk = &nm->chunks[l / HM_LIST_CHUNK];
        if (!*chunk && !(*chunk = calloc(HM_LIST_CHUNK, sizeof **chunk))) {
            hm_ix_names_unref(nm);
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        }
    }
    for (uint32_t l = 0; l < nlists; l++) {
        hm_ix_list_rec_settle(&lists[l]);
        lists[l].name = names[l]; /* moved into nm below */
    }
    idx->names = nm; /* the snapshot takes the names of the new lists */
    if (hm_ix_snapshot_make(idx, lists, nlists, &seg, &none, seg ? 1 : 0, &tp, &snap) != HM_OK) {
        idx->names = old_names;
        hm_ix_names_unref(nm);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    for (uint32_t l = 0; l < nlists; l++) {
        hm_list_core *core = &nm->chunks[l / HM_LIST_CHUNK][l % HM_LIST_CHUNK];
        core->name = core->created = names[l];
        names[l] = NULL;
    }
    hm_ix_names_unref(old_names);
    free(lists);
    idx->nlists = nlists;
    idx->loads++;
    hm_ix_changes_reset(&idx->cs);
    idx->cs.loads = idx->loads;
    hm_ix_publish(idx, snap);
    return HM_OK;
}

/* ---- save: TMK level 2 from the file just written ------------------------------------------ */

void hm_ix_tmk_rebind(hm_index *idx, const hm_snapshot *saved, hm_tmk_src *to, uint64_t base) {
    hm_tmk_moved *moved;
    size_t n;
    if (hm_tmk_moved_of(&saved->tmk, base, &moved, &n) != HM_OK || !n) return;
    pthread_mutex_lock(&idx->wlock);
    /* writers went on during the save: the current snapshot may hold
     * entries the file does not (they keep their sources), lack some it
     * does, or be another load's (then nothing is found) */
    hm_snapshot *cur = atomic_load(&idx->current), *snap = NULL;
    const uint32_t nt = cur->tmk.n;
    hm_tmk_seg **segs = calloc((size_t)nt + 1, sizeof *segs);
    int st = segs ? HM_OK : HM_E_NO_MEMORY, changed = 0;
    for (uint32_t i = 0; i < nt && st == HM_OK; i++) {
        st = hm_tmk_seg_rebind(cur->tmk.segs[i], moved, n, to, &segs[i]);
        changed |= segs[i] != NULL;
    }
    if (st == HM_OK && changed) {
        for (uint32_t i = 0; i < nt; i++)
            if (!segs[i]) segs[i] = hm_tmk_seg_ref(cur->tmk.segs[i]);
        const hm_tmk_part tp = {segs, cur->tmk.tombs, nt}; /* same order: same tombstones */
        if (hm_ix_snapshot_make(idx, cur->lists, cur->nlists, cur->segs, cur->tombs, cur->nsegs,
                                &tp, &snap) == HM_OK) {
            /* the same content: the same generation */
            snap->generation = cur->generation;
            idx->generation--;
            hm_ix_publish(idx, snap);
        }
    }
    pthread_mutex_unlock(&idx->wlock);
    for (uint32_t i = 0; segs && i < nt; i++) hm_tmk_seg_unref(segs[i]);
    free(segs);
    free(moved);
}
