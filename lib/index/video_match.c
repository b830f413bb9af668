/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known videos in the index, and matching a video against them with
 * vPDQ's rule (vpdq/README.md, python-threatexchange vpdq_util): frames of
 * quality below the minimum are dropped, identical hashes count once, and
 * a known video matches when enough of the query's unique frames and
 * enough of its own frames have a counterpart within the distance.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../hash/hash.h"

void hm_video_match_opts_init(hm_video_match_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->distance = hm_default_threshold(HM_HASH_PDQ);
    o->min_quality = HM_DEFAULT_PDQ_MIN_QUALITY;
    o->query_percent = 80.0;
    o->target_percent = 0.0;
    o->range_gap = 2.0;
}

/* Frame indices by their frames' (ctx) PDQ hash, then time. */
static int cmp_frame(const void *a, const void *b, void *ctx) {
    const hm_video_frame *frames = ctx;
    const hm_video_frame *x = &frames[*(const size_t *)a];
    const hm_video_frame *y = &frames[*(const size_t *)b];
    int c = memcmp(x->hashes[0].bytes, y->hashes[0].bytes, 32);
    if (c) return c;
    return (x->timestamp > y->timestamp) - (x->timestamp < y->timestamp);
}

static int usable(const hm_video_frame *f, int min_quality) {
    return f->nhashes >= 1 && f->hashes[0].type == HM_HASH_PDQ &&
           (f->hashes[0].quality < 0 || f->hashes[0].quality >= min_quality);
}

/* The indices of the usable frames into ord (room for n), sorted by hash
 * then time, so that equal hashes are adjacent; returns their number. */
static size_t usable_sorted(const hm_video_frame *frames, size_t n, int min_quality,
                            size_t *ord) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (usable(&frames[i], min_quality)) ord[m++] = i;
    hm_sort(ord, m, sizeof *ord, cmp_frame, (void *)frames);
    return m;
}

static int add_video(hm_writer *w, uint32_t list, const hm_video_frame *frames, size_t n,
                     const char *video_id, const char *labels, size_t *n_added) {
    size_t *ord, m = 0, added = 0;
    hm_ix_mark mark;
    int st = HM_OK;
    if (!frames && n) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL frames");
    if (!video_id) return hm_fail(HM_E_INVALID_ARGUMENT, "a video needs an id");
    if (!(ord = malloc((n + 1) * sizeof *ord)))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    m = usable_sorted(frames, n, HM_DEFAULT_PDQ_MIN_QUALITY, ord);
    hm_ix_mark_take(w, &mark);
    for (size_t k = 0; k < m && st == HM_OK; k++) {
        const hm_video_frame *f = &frames[ord[k]];
        if (k && memcmp(f->hashes[0].bytes, frames[ord[k - 1]].hashes[0].bytes, 32) == 0)
            continue; /* the same hash again: kept once, at its first time */
        double ms = f->timestamp * 1000.0;
        uint32_t aux = !(ms >= 0) ? 0 : ms >= (double)(HM_NO_AUX - 1) ? HM_NO_AUX - 1
                                                                    : (uint32_t)llround(ms);
        int a;
        st = hm_ix_add_locked(w, list, HM_HASH_PDQ, f->hashes[0].bytes, video_id, labels, aux,
                              &a);
        added += (size_t)a;
    }
    if (st != HM_OK) { /* all frames or none */
        hm_ix_rollback(w, &mark);
        added = 0;
    }
    free(ord);
    *n_added = added;
    return st;
}

hm_status hm_index_add_video(hm_index *idx, uint32_t list, const hm_video_frame *frames,
                             size_t n, const char *video_id, const char *labels,
                             size_t *n_added) {
    hm_writer w;
    size_t dummy;
    int st;
    if (!n_added) n_added = &dummy;
    *n_added = 0;
    if ((st = hm_ix_write_index(idx, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, add_video(&w, list, frames, n, video_id, labels, n_added));
}

hm_status hm_txn_add_video(hm_txn *txn, uint32_t list, const hm_video_frame *frames, size_t n,
                           const char *video_id, const char *labels, size_t *n_added) {
    hm_writer w;
    size_t dummy;
    int st;
    if (!n_added) n_added = &dummy;
    *n_added = 0;
    if ((st = hm_ix_write_txn(txn, &w)) != HM_OK) return st;
    return hm_ix_write_end(&w, add_video(&w, list, frames, n, video_id, labels, n_added));
}

/* ---- matching ------------------------------------------------------------ */

/* A hit of unique query frame u on a known frame. */
typedef struct vhit {
    uint64_t key; /* hm_seg_id_key(list, video id) */
    uint32_t seg, entry, u;
} vhit;

static const hm_seg_entry *entry_of(const hm_snapshot *s, const vhit *h) {
    return &s->segs[h->seg]->entries[h->entry];
}

/* Hits by known video (list, id) in snapshot s, then query frame. */
static int cmp_video(const hm_snapshot *s, const vhit *a, const vhit *b) {
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    const hm_seg_entry *x = entry_of(s, a), *y = entry_of(s, b);
    if (x->list != y->list) return x->list < y->list ? -1 : 1;
    return strcmp(hm_seg_str(s->segs[a->seg], x->id_off), hm_seg_str(s->segs[b->seg], y->id_off));
}

static int same_video(const hm_snapshot *s, const vhit *a, const vhit *b) {
    return cmp_video(s, a, b) == 0;
}

/* ctx: the snapshot the hits are in */
static int cmp_vhit(const void *pa, const void *pb, void *ctx) {
    const vhit *a = pa, *b = pb;
    int c = cmp_video(ctx, a, b);
    if (c) return c;
    if (a->u != b->u) return a->u < b->u ? -1 : 1;
    if (a->seg != b->seg) return a->seg < b->seg ? -1 : 1;
    return (a->entry > b->entry) - (a->entry < b->entry);
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_match(const void *a, const void *b) {
    const hm_video_match *x = a, *y = b;
    if (x->target_percent != y->target_percent) return x->target_percent > y->target_percent ? -1 : 1;
    if (x->query_percent != y->query_percent) return x->query_percent > y->query_percent ? -1 : 1;
    if (x->list != y->list) return x->list < y->list ? -1 : 1;
    return strcmp(x->video_id, y->video_id);
}

/* Sorted times -> ranges joined across gaps below `gap`, appended to r. */
static int add_ranges(hm_results *r, double *t, size_t n, double gap, size_t *first,
                      size_t *count) {
    if (n > 1) qsort(t, n, sizeof *t, cmp_double);
    *first = r->nranges;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (*count && t[i] - r->ranges[r->nranges - 1].end <= gap) {
            r->ranges[r->nranges - 1].end = t[i];
            continue;
        }
        if (HM_RESERVE(r->ranges, r->rcap, r->nranges + 1, 64) != HM_OK)
            return HM_E_NO_MEMORY;
        r->ranges[r->nranges++] = (hm_time_range){t[i], t[i]};
        ++*count;
    }
    return HM_OK;
}

/* Frames of (list, id) in the snapshot: live PDQ frame entries. */
static uint32_t target_frames(const hm_snapshot *s, uint32_t list, const char *id) {
    uint32_t n = 0;
    for (uint32_t si = 0; si < s->nsegs; si++) {
        uint32_t first, count;
        hm_seg_find_id(s->segs[si], list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++) {
            const hm_seg_entry *en = &s->segs[si]->entries[e];
            if (en->aux != HM_NO_AUX && HM_TC_TYPE(en->tc) == HM_HASH_PDQ &&
                !hm_tomb_dead(s->tombs[si], e))
                n++;
        }
    }
    return n;
}

/* Append the known videos that the frames match, in orientation
 * `variant`, to r->vm; their ranges stay offsets into r->ranges until
 * finish() turns them into pointers. */
static int match(hm_results *r, const hm_snapshot *s, const hm_video_frame *frames,
                 size_t n, const hm_video_match_opts *o, unsigned variant) {
    size_t *ord = malloc((n + 1) * sizeof *ord), m = 0, nu = 0, nh = 0, hcap = 0;
    uint32_t *uniq_of = malloc((n + 1) * sizeof *uniq_of); /* position -> unique */
    vhit *hits = NULL;
    double *times = NULL;
    uint64_t *fkeys = NULL;
    int st = HM_E_NO_MEMORY;
    if (!ord || !uniq_of) goto out;
    m = usable_sorted(frames, n, o->min_quality, ord);
    /* one search per distinct hash */
    for (size_t k = 0; k < m; k++) {
        const hm_video_frame *f = &frames[ord[k]];
        if (k && memcmp(f->hashes[0].bytes, frames[ord[k - 1]].hashes[0].bytes, 32) == 0) {
            uniq_of[k] = uniq_of[k - 1];
            continue;
        }
        uniq_of[k] = (uint32_t)nu++;
        if ((st = hm_ix_collect_frames(r, s, f->hashes[0].bytes, (unsigned)o->distance,
                                       o->include_disabled)) != HM_OK)
            goto out;
        for (size_t j = 0; j < r->nraw; j++) {
            if (HM_RESERVE(hits, hcap, nh + 1, 256) != HM_OK) goto nomem;
            const hm_segment *sg = s->segs[r->raw[j].seg];
            const hm_seg_entry *e = &sg->entries[r->raw[j].entry];
            hits[nh++] = (vhit){hm_seg_id_key(e->list, hm_seg_str(sg, e->id_off)),
                                r->raw[j].seg, r->raw[j].entry, uniq_of[k]};
        }
    }
    r->nraw = 0;
    hm_sort(hits, nh, sizeof *hits, cmp_vhit, (void *)s);
    if (!(times = malloc((nh + m + 1) * sizeof *times))) goto nomem;
    char *umatched = calloc(nu + 1, 1);
    if (!umatched || !(fkeys = malloc((nh + 1) * sizeof *fkeys))) {
        free(umatched);
        goto nomem;
    }
    for (size_t a = 0; a < nh;) { /* one group of hits per known video */
        size_t b = a + 1;
        while (b < nh && same_video(s, &hits[a], &hits[b])) b++;
        const hm_segment *sg = s->segs[hits[a].seg];
        const hm_seg_entry *e = entry_of(s, &hits[a]);
        const char *id = hm_seg_str(sg, e->id_off);
        uint32_t qm = 0, tm = 0, tf = target_frames(s, e->list, id);
        memset(umatched, 0, nu);
        for (size_t i = a; i < b; i++) {
            if (!umatched[hits[i].u]) qm++;
            umatched[hits[i].u] = 1;
        }
        /* distinct known frames among the hits */
        size_t nt = 0;
        for (size_t i = a; i < b; i++) fkeys[i - a] = (uint64_t)hits[i].seg << 32 | hits[i].entry;
        qsort(fkeys, b - a, sizeof *fkeys, cmp_u64);
        for (size_t i = 0; i < b - a; i++) {
            if (i && fkeys[i] == fkeys[i - 1]) continue;
            tm++;
            times[nt++] = s->segs[fkeys[i] >> 32]->entries[(uint32_t)fkeys[i]].aux / 1000.0;
        }
        const double qp = nu ? 100.0 * qm / (double)nu : 0;
        const double tp = tf ? 100.0 * tm / (double)tf : 0;
        if (qp + 1e-9 >= o->query_percent && tp + 1e-9 >= o->target_percent) {
            if (HM_RESERVE(r->vm, r->vmcap, r->nvm + 1, 16) != HM_OK) {
                free(umatched);
                goto nomem;
            }
            hm_video_match *vm = &r->vm[r->nvm++];
            memset(vm, 0, sizeof *vm);
            vm->video_id = id;
            vm->list = e->list;
            vm->list_name = s->lists[e->list].name;
            vm->labels = hm_seg_str(sg, e->labels_off);
            vm->query_frames = (uint32_t)nu;
            vm->query_matched = qm;
            vm->target_frames = tf;
            vm->target_matched = tm;
            vm->variant = variant;
            vm->query_percent = qp;
            vm->target_percent = tp;
            size_t f0, fc;
            /* ranges are stored as offsets until all are appended */
            if (add_ranges(r, times, nt, o->range_gap, &f0, &fc) != HM_OK) {
                free(umatched);
                goto nomem;
            }
            vm->target_ranges = (const hm_time_range *)(uintptr_t)f0;
            vm->n_target_ranges = fc;
            size_t nq = 0;
            for (size_t k = 0; k < m; k++)
                if (umatched[uniq_of[k]]) times[nq++] = frames[ord[k]].timestamp;
            if (add_ranges(r, times, nq, o->range_gap, &f0, &fc) != HM_OK) {
                free(umatched);
                goto nomem;
            }
            vm->query_ranges = (const hm_time_range *)(uintptr_t)f0;
            vm->n_query_ranges = fc;
            atomic_fetch_add_explicit(&hm_list_core_of(s->names, e->list)->hits, 1,
                                      memory_order_relaxed);
        }
        a = b;
    }
    free(umatched);
    st = HM_OK;
    goto out;
nomem:
    st = HM_E_NO_MEMORY;
out:
    free(ord);
    free(uniq_of);
    free(hits);
    free(times);
    free(fkeys);
    return st;
}

/* The query in its 7 other orientations; a known video found in several
 * keeps the one with the most query frames matched (then known frames,
 * then the lower variant).  Hit counters count each video once. */
static int match_turned(hm_results *r, const hm_snapshot *s, const hm_video_frame *frames,
                        size_t n, const hm_video_match_opts *o) {
    hm_video_frame *t = malloc((n + 1) * sizeof *t);
    int st = HM_OK;
    if (!t) return HM_E_NO_MEMORY;
    memcpy(t, frames, n * sizeof *t);
    for (unsigned v = 1; v < 8 && st == HM_OK; v++) {
        for (size_t i = 0; i < n; i++)
            if (frames[i].nhashes >= 1 && frames[i].hashes[0].type == HM_HASH_PDQ)
                hm_variant_from_bits(HM_HASH_PDQ, frames[i].hashes[0].bytes, (int)v,
                                     t[i].hashes[0].bytes);
        st = match(r, s, t, n, o, v);
    }
    free(t);
    size_t keep = 0;
    for (size_t i = 0; i < r->nvm; i++) {
        size_t j = 0;
        for (; j < keep; j++)
            if (r->vm[j].list == r->vm[i].list &&
                strcmp(r->vm[j].video_id, r->vm[i].video_id) == 0)
                break;
        if (j == keep) {
            r->vm[keep++] = r->vm[i];
            continue;
        }
        atomic_fetch_sub_explicit(&hm_list_core_of(s->names, r->vm[i].list)->hits, 1,
                                  memory_order_relaxed);
        const hm_video_match *a = &r->vm[i], *b = &r->vm[j];
        if (a->query_matched > b->query_matched ||
            (a->query_matched == b->query_matched && a->target_matched > b->target_matched))
            r->vm[j] = r->vm[i];
    }
    r->nvm = keep;
    return st;
}

/* Range offsets to pointers, then the documented order. */
static void finish(hm_results *r) {
    for (size_t i = 0; i < r->nvm; i++) {
        r->vm[i].target_ranges = r->ranges + (uintptr_t)r->vm[i].target_ranges;
        r->vm[i].query_ranges = r->ranges + (uintptr_t)r->vm[i].query_ranges;
    }
    if (r->nvm > 1) qsort(r->vm, r->nvm, sizeof *r->vm, cmp_match);
}

static int snapshot_match_video(hm_snapshot *s, const hm_video_frame *frames, size_t n,
                                const hm_video_match_opts *opts, hm_results *r) {
    hm_video_match_opts defaults;
    if (!r) return hm_fail(HM_E_INVALID_ARGUMENT, "results is NULL");
    hm_results_clear(r);
    if (!s || (!frames && n))
        return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or frames");
    if (!opts) {
        hm_video_match_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->distance < 0 || opts->distance > 256 || opts->query_percent < 0 ||
        opts->query_percent > 100 || opts->target_percent < 0 || opts->target_percent > 100 ||
        !(opts->range_gap >= 0))
        return hm_fail(HM_E_INVALID_ARGUMENT, "bad video match options");
    if (opts->flags & ~HM_QUERY_DIHEDRAL)
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown video match flags 0x%x",
                       opts->flags & ~HM_QUERY_DIHEDRAL);
    /* the results keep a reference to the snapshot their strings point into */
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    hm_snapshot_release(r->snap);
    r->snap = s;
    int st = match(r, s, frames, n, opts, HM_DIH_ORIGINAL);
    if (st == HM_OK && (opts->flags & HM_QUERY_DIHEDRAL))
        st = match_turned(r, s, frames, n, opts);
    if (st == HM_OK) finish(r);
    atomic_fetch_add_explicit(&s->shared->queries, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->shared->hits, r->nvm, memory_order_relaxed);
    if (st != HM_OK) {
        r->nvm = 0;
        return hm_fail(st, "out of memory matching a video");
    }
    return HM_OK;
}

hm_status hm_snapshot_match_video(hm_snapshot *s, const hm_video_frame *frames, size_t n,
                                  const hm_video_match_opts *opts, hm_results *r) {
    return HM_CALL(snapshot_match_video(s, frames, n, opts, r));
}

static int index_match_video(hm_index *idx, const hm_video_frame *frames, size_t n,
                             const hm_video_match_opts *opts, hm_results *r) {
    hm_snapshot *s;
    int st = hm_ix_query_begin(idx, r, &s);
    if (st == HM_OK) st = snapshot_match_video(s, frames, n, opts, r);
    hm_snapshot_release(s); /* the results keep their own reference */
    return st;
}

hm_status hm_index_match_video(hm_index *idx, const hm_video_frame *frames, size_t n,
                               const hm_video_match_opts *opts, hm_results *r) {
    return HM_CALL(index_match_video(idx, frames, n, opts, r));
}
