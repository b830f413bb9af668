/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Change sets: what staging records.
 *
 * A change set is made against a base snapshot (the current one when its
 * first change is staged): adds are checked for duplicates against it,
 * removals count what it holds.  Each change is recorded in the form that
 * commit.c can apply to whatever snapshot is current when the set is
 * committed, in the order the changes were made:
 *  - an add: the entry, unless the base holds it (then a hm_dup: only
 *    built if someone else's commit removed it meanwhile) or this set
 *    staged it already;
 *  - a removal: earlier adds of the set are marked dead at once, and the
 *    (list, id) is recorded to remove it from the committed entries;
 *  - clearing a list: the same for every entry of the list;
 *  - settings: the new values, per list.
 * An entry of the base counts as present unless the set removed it, so a
 * set that removes an entry and adds it back builds it anew.
 *
 * The index's own change set is the one the hm_index_* writer calls stage
 * into, shared by every thread that calls them; an hm_txn has its own.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../hash/hash.h"

/* ---- the key map ------------------------------------------------------------------ */

/* Room for n values: cap stays at least twice that. */
static int keymap_reserve(hm_keymap *m, size_t n) {
    if (2 * n <= m->cap) return HM_OK;
    size_t cap = m->cap ? m->cap : 1024;
    while (cap < 2 * n) cap *= 2;
    uint64_t *k = malloc(cap * sizeof *k);
    uint32_t *v = calloc(cap, sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return HM_E_NO_MEMORY;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->vals[i]) continue;
        size_t p = m->keys[i] & (cap - 1);
        while (v[p]) p = (p + 1) & (cap - 1);
        k[p] = m->keys[i];
        v[p] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return HM_OK;
}

/* After keymap_reserve: it cannot fail. */
static void keymap_put(hm_keymap *m, uint64_t key, uint32_t i) {
    size_t p = key & (m->cap - 1);
    while (m->vals[p]) p = (p + 1) & (m->cap - 1);
    m->keys[p] = key;
    m->vals[p] = i + 1;
}

static void keymap_clear(hm_keymap *m) {
    if (m->cap) memset(m->vals, 0, m->cap * sizeof *m->vals);
}

static void keymap_free(hm_keymap *m) {
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Every value i stored under `key`. */
#define KEYMAP_FOR(m, key, i)                                                   \
    for (size_t p_ = (m)->cap ? (key) & ((m)->cap - 1) : 0;                    \
         (m)->cap && (m)->vals[p_]; p_ = (p_ + 1) & ((m)->cap - 1))             \
        if ((m)->keys[p_] == (key) && (((i) = (m)->vals[p_] - 1), 1))

/* ---- a change set's life ------------------------------------------------------------ */

void hm_ix_changes_init(hm_changes *cs, uint64_t loads) {
    memset(cs, 0, sizeof *cs);
    cs->loads = loads;
    cs->arena_len = 1; /* offset 0 means "no labels" */
}

/* Drop the set's TMK adds from the i-th on. */
static void drop_tmk(hm_changes *cs, size_t i) {
    for (; cs->ntmk > i; cs->ntmk--) hm_tmk_src_unref(cs->tmk[cs->ntmk - 1].src);
}

void hm_ix_changes_reset(hm_changes *cs) {
    hm_snapshot_release(cs->base);
    cs->base = NULL;
    drop_tmk(cs, 0);
    cs->nlists = cs->nstaged = cs->nrm = cs->ndups = 0;
    cs->arena_len = 1;
    cs->dirty = 0;
    keymap_clear(&cs->smap);
    keymap_clear(&cs->rmap);
    keymap_clear(&cs->tmap);
    if (cs->staged_cap > 65536 || cs->rm_cap > 65536 || cs->dups_cap > 65536 ||
        cs->tmk_cap > 65536) {
        /* after a bulk load, give the memory back: it would otherwise
         * double the resident size of a large index */
        const uint64_t loads = cs->loads;
        hm_ix_changes_free(cs);
        hm_ix_changes_init(cs, loads);
    }
}

void hm_ix_changes_free(hm_changes *cs) {
    hm_snapshot_release(cs->base);
    drop_tmk(cs, 0);
    free(cs->tmk);
    keymap_free(&cs->tmap);
    free(cs->lists);
    free(cs->staged);
    free(cs->rm);
    free(cs->dups);
    free(cs->arena);
    keymap_free(&cs->smap);
    keymap_free(&cs->rmap);
    memset(cs, 0, sizeof *cs);
}

/* The set's first change fixes its base. */
static void begin(hm_writer *w) {
    hm_changes *cs = w->cs;
    if (cs->base) return;
    cs->base = hm_ix_acquire(w->idx);
    cs->live = cs->base->live;
}

static int arena_put(hm_changes *cs, const char *s, size_t *off) {
    const size_t n = strlen(s) + 1;
    if (HM_RESERVE(cs->arena, cs->arena_cap, cs->arena_len + n, 4096) != HM_OK)
        return HM_E_NO_MEMORY;
    cs->arena[0] = '\0';
    memcpy(cs->arena + cs->arena_len, s, n);
    *off = cs->arena_len;
    cs->arena_len += n;
    return HM_OK;
}

/* Settings of list l in this set, created unchanged on first use. */
static hm_list_change *list_change(hm_writer *w, uint32_t l) {
    hm_changes *cs = w->cs;
    if (HM_RESERVE(cs->lists, cs->lists_cap, (size_t)l + 1, 16) != HM_OK) return NULL;
    for (; cs->nlists <= l; cs->nlists++) {
        hm_list_change *c = &cs->lists[cs->nlists];
        for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) c->thr_set[t] = HM_KEEP;
        c->tmk_set[0] = c->tmk_set[1] = HM_KEEP;
        c->enabled = HM_KEEP;
        c->cleared = 0;
        c->rename_off = 0;
    }
    return &cs->lists[l];
}

static int cleared(const hm_changes *cs, uint32_t l) {
    return l < cs->nlists && cs->lists[l].cleared;
}

static int removal_of(const hm_changes *cs, uint32_t list, const char *id) {
    const uint64_t key = hm_seg_id_key(list, id);
    size_t i;
    KEYMAP_FOR(&cs->rmap, key, i)
        if (cs->rm[i].list == list && strcmp(cs->arena + cs->rm[i].id_off, id) == 0) return 1;
    return 0;
}

int hm_ix_changes_gone(const hm_changes *cs, uint32_t list, const char *id) {
    return cleared(cs, list) ||
           (cs->nrm && (removal_of(cs, list, id) || removal_of(cs, HM_ALL_LISTS, id)));
}

/* ---- writer calls ----------------------------------------------------------------- */

int hm_ix_write_index(hm_index *idx, hm_writer *w) {
    hm_err_clear();
    if (!idx) return hm_fail(HM_E_INVALID_ARGUMENT, "index is NULL");
    pthread_mutex_lock(&idx->wlock);
    w->idx = idx;
    w->cs = &idx->cs;
    return HM_OK;
}

int hm_ix_write_txn(hm_txn *t, hm_writer *w) {
    hm_err_clear();
    if (!t) return hm_fail(HM_E_INVALID_ARGUMENT, "change set is NULL");
    pthread_mutex_lock(&t->idx->wlock);
    w->idx = t->idx;
    w->cs = &t->cs;
    if (t->cs.loads != t->idx->loads) {
        pthread_mutex_unlock(&t->idx->wlock);
        return hm_fail(HM_E_CANCELLED,
                       "the index was replaced by hm_index_load after this change set "
                       "began: its changes cannot apply");
    }
    return HM_OK;
}

int hm_ix_write_end(hm_writer *w, int st) {
    pthread_mutex_unlock(&w->idx->wlock);
    return hm_err_done(st);
}

static int check_list(hm_writer *w, uint32_t list) {
    if (list >= w->idx->nlists)
        return hm_fail(HM_E_NOT_FOUND, "no list with id %u (%u lists)", list,
                       w->idx->nlists);
    return HM_OK;
}

/* ---- adds ------------------------------------------------------------------------- */

/* The list, entry id and labels of an add. */
static int check_entry(hm_writer *w, uint32_t list, const char *id, const char *labels) {
    int st;
    if ((st = check_list(w, list)) != HM_OK) return st;
    if (!id || !hm_ix_valid_text(id, HM_MAX_ENTRY_ID, 0))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "entry ids are 1 to %d bytes without control characters",
                       HM_MAX_ENTRY_ID);
    if (labels && !hm_ix_valid_text(labels, HM_MAX_LABELS, 1))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "labels are at most %d bytes without control characters",
                       HM_MAX_LABELS);
    return HM_OK;
}

static int check_room(const hm_writer *w) {
    if (w->cs->live >= w->idx->max_entries)
        return hm_fail(HM_E_LIMIT,
                       "the index holds its maximum of %llu entries "
                       "(HM_INDEX_MAX_ENTRIES)",
                       (unsigned long long)w->idx->max_entries);
    return HM_OK;
}

int hm_ix_add_locked(hm_writer *w, uint32_t list, int type, const uint8_t *bytes,
                     const char *id, const char *labels, uint32_t aux, int *added) {
    hm_changes *cs = w->cs;
    const unsigned nb = hm_hash_bits(type) / 8;
    uint32_t seg, entry;
    size_t i;
    int st;
    *added = 0;
    if (!nb) return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d", type);
    if ((st = hm_hash_value_check(type, bytes)) != HM_OK) return st;
    if ((st = check_entry(w, list, id, labels)) != HM_OK) return st;
    begin(w);
    const uint64_t key = hm_seg_id_key(list, id);
    KEYMAP_FOR(&cs->smap, key, i) {
        const hm_staged *se = &cs->staged[i];
        if (!se->dead && se->list == list && se->type == type &&
            memcmp(se->bytes, bytes, nb) == 0 && strcmp(cs->arena + se->id_off, id) == 0)
            return HM_OK; /* staged already */
    }
    if (!hm_ix_changes_gone(cs, list, id) &&
        hm_ix_find_live(cs->base, cs->base->tombs, list, type, bytes, id, &seg, &entry)) {
        if (HM_RESERVE(cs->dups, cs->dups_cap, cs->ndups + 1, 1024) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        cs->dups[cs->ndups++] = (hm_dup){seg, entry};
        return HM_OK; /* present already: a change only if someone removes it */
    }
    if ((st = check_room(w)) != HM_OK) return st;
    hm_staged *e;
    if (HM_RESERVE(cs->staged, cs->staged_cap, cs->nstaged + 1, 1024) != HM_OK ||
        keymap_reserve(&cs->smap, cs->nstaged + 1) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    e = &cs->staged[cs->nstaged];
    memset(e, 0, sizeof *e);
    e->key = key;
    e->list = list;
    e->type = (uint8_t)type;
    e->aux = aux;
    memcpy(e->bytes, bytes, nb);
    if (arena_put(cs, id, &e->id_off) != HM_OK ||
        (labels && *labels && arena_put(cs, labels, &e->labels_off) != HM_OK))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    keymap_put(&cs->smap, key, (uint32_t)cs->nstaged++);
    cs->live++;
    cs->dirty = 1;
    *added = 1;
    return HM_OK;
}

static int stage_add(hm_writer *w, uint32_t list, const hm_hash *hash, const char *id,
                     const char *labels) {
    char hex[HM_HASH_STRING_MAX];
    int added;
    if (!hash) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash");
    if (!id && hm_hash_to_string(hash, hex, sizeof hex) == HM_OK) id = hex;
    return hm_ix_add_locked(w, list, hash->type, hash->bytes, id, labels, HM_NO_AUX, &added);
}

hm_status hm_index_add(hm_index *idx, uint32_t list, const hm_hash *hash,
                       const char *entry_id, const char *labels) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_add(&w, list, hash, entry_id, labels));
}

hm_status hm_txn_add(hm_txn *txn, uint32_t list, const hm_hash *hash, const char *entry_id,
                     const char *labels) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_add(&w, list, hash, entry_id, labels));
}

/* ---- TMK adds ------------------------------------------------------------------------- */

/* Is x the add of (list, id) with hash t? */
static int same_tmk(const hm_changes *cs, const hm_tmk_staged *x, uint32_t list, const char *id,
                    const hm_tmk *t, uint64_t sum) {
    const hm_tmk *y = x->src->one;
    return x->list == list && x->sum == sum && y->frames == t->frames &&
           memcmp(y->avg, t->avg, sizeof t->avg) == 0 && strcmp(cs->arena + x->id_off, id) == 0;
}

static int stage_add_tmk(hm_writer *w, uint32_t list, const hm_tmk *t, const char *id,
                         const char *labels, int *added) {
    hm_changes *cs = w->cs;
    size_t i;
    int st;
    *added = 0;
    if (!t) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL TMK hash");
    if ((st = check_entry(w, list, id, labels)) != HM_OK) return st;
    begin(w);
    const uint64_t key = hm_seg_id_key(list, id), sum = hm_tmk_l2_sum(t);
    KEYMAP_FOR(&cs->tmap, key, i)
        if (!cs->tmk[i].dead && same_tmk(cs, &cs->tmk[i], list, id, t, sum))
            return HM_OK; /* staged already */
    /* present already: staged all the same (commit adds it only if it is
     * gone by then), not counted */
    const int present = !hm_ix_changes_gone(cs, list, id) &&
                        hm_ix_tmk_find_live(&cs->base->tmk, list, id, sum, t->frames, t->avg);
    if (!present && (st = check_room(w)) != HM_OK) return st;
    hm_tmk *copy = malloc(sizeof *copy);
    if (copy) memcpy(copy, t, sizeof *copy);
    hm_tmk_src *src = copy ? hm_tmk_src_one(copy) : NULL;
    if (!src || HM_RESERVE(cs->tmk, cs->tmk_cap, cs->ntmk + 1, 64) != HM_OK ||
        keymap_reserve(&cs->tmap, cs->ntmk + 1) != HM_OK) {
        hm_tmk_src_unref(src);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    hm_tmk_staged *x = &cs->tmk[cs->ntmk];
    memset(x, 0, sizeof *x);
    x->key = key;
    x->sum = sum;
    x->list = list;
    x->present = (uint8_t)present;
    x->src = src;
    if (arena_put(cs, id, &x->id_off) != HM_OK ||
        (labels && *labels && arena_put(cs, labels, &x->labels_off) != HM_OK)) {
        hm_tmk_src_unref(src);
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    }
    keymap_put(&cs->tmap, key, (uint32_t)cs->ntmk++);
    if (!present) cs->live++;
    *added = !present;
    cs->dirty = 1;
    return HM_OK;
}

hm_status hm_index_add_tmk(hm_index *idx, uint32_t list, const hm_tmk *t, const char *video_id,
                           const char *labels) {
    hm_writer w;
    int added, st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_add_tmk(&w, list, t, video_id, labels, &added));
}

hm_status hm_txn_add_tmk(hm_txn *txn, uint32_t list, const hm_tmk *t, const char *video_id,
                         const char *labels) {
    hm_writer w;
    int added, st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_add_tmk(&w, list, t, video_id, labels, &added));
}

int hm_ix_add_tmk_locked(hm_writer *w, uint32_t list, const hm_tmk *t, const char *id,
                         const char *labels, int *added) {
    return stage_add_tmk(w, list, t, id, labels, added);
}

/* Kill a staged TMK add; 1 when it counted as an entry. */
static int kill_staged_tmk(hm_changes *cs, hm_tmk_staged *x) {
    x->dead = 1;
    if (x->present) return 0;
    cs->live--;
    return 1;
}

void hm_ix_mark_take(const hm_writer *w, hm_ix_mark *m) {
    const hm_changes *cs = w->cs;
    m->ntmk = cs->ntmk;
    m->nstaged = cs->nstaged;
    m->ndups = cs->ndups;
    m->arena_len = cs->arena_len;
    m->nlists = w->idx->nlists;
    m->live = cs->live;
    m->dirty = cs->dirty;
    m->had_base = cs->base != NULL;
}

void hm_ix_rollback(hm_writer *w, const hm_ix_mark *m) {
    hm_changes *cs = w->cs;
    cs->nstaged = m->nstaged;
    cs->ndups = m->ndups;
    cs->arena_len = m->arena_len;
    cs->live = m->live;
    cs->dirty = m->dirty;
    /* lists named since the mark: no commit can have published them (the
     * writer lock was held throughout) */
    w->idx->nlists = m->nlists;
    if (!m->had_base) {
        hm_snapshot_release(cs->base);
        cs->base = NULL;
    }
    /* the map pointed at the dropped entries too: rebuilt in place, with
     * no allocation, so a rollback cannot fail */
    keymap_clear(&cs->smap);
    for (size_t i = 0; i < cs->nstaged; i++) keymap_put(&cs->smap, cs->staged[i].key, (uint32_t)i);
    drop_tmk(cs, m->ntmk);
    keymap_clear(&cs->tmap);
    for (size_t i = 0; i < cs->ntmk; i++) keymap_put(&cs->tmap, cs->tmk[i].key, (uint32_t)i);
}

/* ---- removals --------------------------------------------------------------------- */

/* Record the removal of (list, id) from the committed entries. */
static int record_removal(hm_writer *w, uint32_t list, const char *id) {
    hm_changes *cs = w->cs;
    hm_removal *r;
    if (HM_RESERVE(cs->rm, cs->rm_cap, cs->nrm + 1, 64) != HM_OK ||
        keymap_reserve(&cs->rmap, cs->nrm + 1) != HM_OK)
        return HM_E_NO_MEMORY;
    r = &cs->rm[cs->nrm];
    r->key = hm_seg_id_key(list, id);
    r->list = list;
    if (arena_put(cs, id, &r->id_off) != HM_OK) return HM_E_NO_MEMORY;
    keymap_put(&cs->rmap, r->key, (uint32_t)cs->nrm++);
    cs->dirty = 1;
    return HM_OK;
}

/* Count (into *n) and kill the entries (list, id) the set would hold. */
static void remove_counted(hm_writer *w, uint32_t list, const char *id, uint64_t *n) {
    hm_changes *cs = w->cs;
    const hm_snapshot *base = cs->base;
    const uint64_t key = hm_seg_id_key(list, id);
    size_t i;
    KEYMAP_FOR(&cs->smap, key, i) {
        hm_staged *se = &cs->staged[i];
        if (!se->dead && se->list == list && strcmp(cs->arena + se->id_off, id) == 0) {
            se->dead = 1;
            cs->live--;
            ++*n;
        }
    }
    KEYMAP_FOR(&cs->tmap, key, i) {
        hm_tmk_staged *x = &cs->tmk[i];
        if (!x->dead && x->list == list && strcmp(cs->arena + x->id_off, id) == 0)
            *n += (uint64_t)kill_staged_tmk(cs, x);
    }
    if (hm_ix_changes_gone(cs, list, id)) return;
    for (uint32_t s = 0; s < base->tmk.n; s++) {
        uint32_t first, count;
        hm_tmk_seg_find_id(base->tmk.segs[s], list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++)
            if (!hm_tomb_dead(base->tmk.tombs[s], e)) {
                cs->live--;
                ++*n;
            }
    }
    for (uint32_t s = 0; s < base->nsegs; s++) {
        uint32_t first, count;
        hm_seg_find_id(base->segs[s], list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++)
            if (!hm_tomb_dead(base->tombs[s], e)) {
                cs->live--;
                ++*n;
            }
    }
}

static int stage_remove(hm_writer *w, uint32_t list, const char *id, uint64_t *n_removed) {
    uint64_t n = 0;
    int st;
    if (!id) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL entry id");
    if (list != HM_ALL_LISTS && (st = check_list(w, list)) != HM_OK) return st;
    begin(w);
    if (list != HM_ALL_LISTS) {
        const int gone = hm_ix_changes_gone(w->cs, list, id);
        remove_counted(w, list, id, &n);
        st = gone ? HM_OK : record_removal(w, list, id);
    } else {
        for (uint32_t l = 0; l < w->idx->nlists; l++) remove_counted(w, l, id, &n);
        /* one record for every list, including those named later */
        st = removal_of(w->cs, HM_ALL_LISTS, id) ? HM_OK : record_removal(w, HM_ALL_LISTS, id);
    }
    if (n) w->cs->dirty = 1;
    if (n_removed) *n_removed = n;
    return st ? hm_fail(st, "out of memory") : HM_OK;
}

hm_status hm_index_remove(hm_index *idx, uint32_t list, const char *entry_id,
                          uint64_t *n_removed) {
    hm_writer w;
    int st;
    if (n_removed) *n_removed = 0;
    if ((st = hm_ix_write_index(idx, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, stage_remove(&w, list, entry_id, n_removed));
}

hm_status hm_txn_remove(hm_txn *txn, uint32_t list, const char *entry_id,
                        uint64_t *n_removed) {
    hm_writer w;
    int st;
    if (n_removed) *n_removed = 0;
    if ((st = hm_ix_write_txn(txn, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, stage_remove(&w, list, entry_id, n_removed));
}

static int stage_clear(hm_writer *w, uint32_t list, uint64_t *n_removed) {
    hm_changes *cs = w->cs;
    hm_list_change *c;
    uint64_t n = 0;
    int st;
    if ((st = check_list(w, list)) != HM_OK) return st;
    if (!(c = list_change(w, list))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    begin(w);
    for (size_t i = 0; i < cs->nstaged; i++) {
        hm_staged *e = &cs->staged[i];
        if (!e->dead && e->list == list) {
            e->dead = 1;
            n++;
        }
    }
    uint64_t ntmk = 0; /* cs->live counts them down itself */
    for (size_t i = 0; i < cs->ntmk; i++)
        if (!cs->tmk[i].dead && cs->tmk[i].list == list)
            ntmk += (uint64_t)kill_staged_tmk(cs, &cs->tmk[i]);
    if (!c->cleared) {
        const hm_snapshot *base = cs->base;
        for (uint32_t s = 0; s < base->nsegs; s++) {
            const hm_segment *sg = base->segs[s];
            for (uint32_t e = 0; e < sg->nentries; e++)
                if (sg->entries[e].list == list && !hm_tomb_dead(base->tombs[s], e) &&
                    !hm_ix_changes_gone(cs, list, hm_seg_str(sg, sg->entries[e].id_off)))
                    n++;
        }
        for (uint32_t s = 0; s < base->tmk.n; s++) {
            const hm_tmk_seg *sg = base->tmk.segs[s];
            for (uint32_t e = 0; e < sg->n; e++)
                if (sg->ents[e].list == list && !hm_tomb_dead(base->tmk.tombs[s], e) &&
                    !hm_ix_changes_gone(cs, list, hm_tmk_seg_str(sg, sg->ents[e].id_off)))
                    n++;
        }
        c->cleared = 1;
        cs->dirty = 1;
    }
    cs->live -= n;
    n += ntmk;
    if (n_removed) *n_removed = n;
    return HM_OK;
}

hm_status hm_index_list_clear(hm_index *idx, uint32_t list, uint64_t *n_removed) {
    hm_writer w;
    int st;
    if (n_removed) *n_removed = 0;
    if ((st = hm_ix_write_index(idx, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, stage_clear(&w, list, n_removed));
}

hm_status hm_txn_list_clear(hm_txn *txn, uint32_t list, uint64_t *n_removed) {
    hm_writer w;
    int st;
    if (n_removed) *n_removed = 0;
    if ((st = hm_ix_write_txn(txn, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, stage_clear(&w, list, n_removed));
}

/* ---- settings ------------------------------------------------------------------------ */

static int is_exact(int t) { return t == HM_HASH_MD5 || t == HM_HASH_SHA256; }

/* Type 0 sets every type's threshold but the digests'. */
static int threshold_applies(int type, int t) { return type ? t == type : !is_exact(t); }

static int stage_threshold(hm_writer *w, uint32_t list, int type, int threshold) {
    hm_list_change *c;
    int st;
    if ((st = check_list(w, list)) != HM_OK) return st;
    if (type != 0 && !hm_hash_bits(type))
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d", type);
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (threshold_applies(type, t) && !hm_ix_threshold_ok(t, threshold))
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "threshold %d out of range for %s (-1 for the default, 0..%u%s)",
                           threshold, hm_hash_type_name(t), is_exact(t) ? 0 : hm_hash_bits(t),
                           is_exact(t) ? "; digests match exactly" : "");
    if (!(c = list_change(w, list))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++)
        if (threshold_applies(type, t)) c->thr_set[t] = (int16_t)threshold;
    w->cs->dirty = 1;
    return HM_OK;
}

hm_status hm_index_list_set_threshold(hm_index *idx, uint32_t list, int type, int threshold) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_threshold(&w, list, type, threshold));
}

hm_status hm_txn_list_set_threshold(hm_txn *txn, uint32_t list, int type, int threshold) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_threshold(&w, list, type, threshold));
}

static int stage_enabled(hm_writer *w, uint32_t list, int enabled) {
    hm_list_change *c;
    int st;
    if ((st = check_list(w, list)) != HM_OK) return st;
    if (enabled != 0 && enabled != 1)
        return hm_fail(HM_E_INVALID_ARGUMENT, "enabled must be 0 or 1 (got %d)",
                       enabled);
    if (!(c = list_change(w, list))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    c->enabled = (int8_t)enabled;
    w->cs->dirty = 1;
    return HM_OK;
}

hm_status hm_index_list_set_enabled(hm_index *idx, uint32_t list, int enabled) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_enabled(&w, list, enabled));
}

hm_status hm_txn_list_set_enabled(hm_txn *txn, uint32_t list, int enabled) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_enabled(&w, list, enabled));
}

static int stage_rename(hm_writer *w, uint32_t list, const char *name) {
    hm_list_change *c;
    int st;
    if ((st = check_list(w, list)) != HM_OK || (st = hm_ix_check_list_name(name)) != HM_OK)
        return st;
    const uint32_t owner = hm_ix_name_owner(w, name, list);
    if (owner != UINT32_MAX)
        return hm_fail(HM_E_INVALID_ARGUMENT, "cannot rename list %u to \"%s\": list %u %s",
                       list, name, owner,
                       strcmp(hm_list_core_of(w->idx->names, owner)->name, name) == 0
                           ? "has that name"
                           : "is being renamed to it in this change set");
    if (!(c = list_change(w, list)) || arena_put(w->cs, name, &c->rename_off) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    w->cs->dirty = 1;
    return HM_OK;
}

hm_status hm_index_list_rename(hm_index *idx, uint32_t list, const char *name) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_rename(&w, list, name));
}

hm_status hm_txn_list_rename(hm_txn *txn, uint32_t list, const char *name) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_rename(&w, list, name));
}

static int stage_tmk_threshold(hm_writer *w, uint32_t list, int level, float threshold) {
    hm_list_change *c;
    int st;
    if ((st = check_list(w, list)) != HM_OK) return st;
    if (level != 1 && level != 2)
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK levels are 1 and 2 (got %d)", level);
    if (!hm_ix_tmk_threshold_ok(threshold))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "TMK threshold %g out of range (-1 for the default, 0 to 1)",
                       (double)threshold);
    if (!(c = list_change(w, list))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    c->tmk_set[level - 1] = threshold;
    w->cs->dirty = 1;
    return HM_OK;
}

hm_status hm_index_list_set_tmk_threshold(hm_index *idx, uint32_t list, int level,
                                          float threshold) {
    hm_writer w;
    int st = hm_ix_write_index(idx, &w);
    return st ? st : hm_ix_write_end(&w, stage_tmk_threshold(&w, list, level, threshold));
}

hm_status hm_txn_list_set_tmk_threshold(hm_txn *txn, uint32_t list, int level,
                                        float threshold) {
    hm_writer w;
    int st = hm_ix_write_txn(txn, &w);
    return st ? st : hm_ix_write_end(&w, stage_tmk_threshold(&w, list, level, threshold));
}

/* ---- hm_txn ---------------------------------------------------------------------------- */

static int txn_begin(hm_index *idx, hm_txn **out) {
    hm_txn *t;
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!idx) return hm_fail(HM_E_INVALID_ARGUMENT, "index is NULL");
    if (!(t = calloc(1, sizeof *t))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    t->idx = idx;
    pthread_mutex_lock(&idx->wlock);
    hm_ix_changes_init(&t->cs, idx->loads);
    pthread_mutex_unlock(&idx->wlock);
    *out = t;
    return HM_OK;
}

hm_status hm_txn_begin(hm_index *idx, hm_txn **out) { return HM_CALL(txn_begin(idx, out)); }

void hm_txn_free(hm_txn *txn) {
    if (!txn) return;
    hm_ix_changes_free(&txn->cs);
    free(txn);
}

