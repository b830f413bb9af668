/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF entries of the index: their segments, where their level-2
 * features lie (tmk_index.h), and the TMK query: the level-1 filter over
 * every live entry, level 2 for its survivors only.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* close */
#include <xxhash.h>

#include "file_io.h"
#include "index_internal.h"

/* ---- sources of level-2 features -------------------------------------------- */

static hm_tmk_src *src_new(void) {
    hm_tmk_src *s = calloc(1, sizeof *s);
    if (s) {
        atomic_init(&s->refs, 1);
        s->fd = -1;
    }
    return s;
}

hm_tmk_src *hm_tmk_src_one(hm_tmk *t) {
    hm_tmk_src *s = src_new();
    if (!s) free(t);
    else s->one = t;
    return s;
}

hm_tmk_src *hm_tmk_src_file(int fd, const char *name, uint64_t size) {
    hm_tmk_src *s = src_new();
    char *n = strdup(name);
    if (!s || !n) {
        free(s);
        free(n);
        close(fd);
        return NULL;
    }
    s->fd = fd;
    s->size = size;
    s->name = n;
    return s;
}

hm_tmk_src *hm_tmk_src_mem(uint8_t *mem) {
    hm_tmk_src *s = src_new();
    if (!s) free(mem);
    else s->mem = mem;
    return s;
}

hm_tmk_src *hm_tmk_src_ref(hm_tmk_src *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void hm_tmk_src_unref(hm_tmk_src *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    if (s->fd >= 0) close(s->fd);
    free(s->mem);
    free(s->one);
    free(s->name);
    free(s);
}

uint64_t hm_tmk_l2_sum(const hm_tmk *t) { return XXH3_64bits(t->cos, HM_TMK_L2_BYTES); }

/* ---- segments ------------------------------------------------------------------ */

static void fixed_unref(hm_tmk_fixed *f) {
    if (!f || atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1) return;
    free(f->strings);
    hm_tmk_filter_free(f->filter);
    free(f);
}

/* Bytes of level-2 features an entry of this source holds in memory
 * (none from a file). */
static size_t l2_held(const hm_tmk_src *src) {
    return src->one ? sizeof *src->one : src->mem ? HM_TMK_L2_BYTES : 0;
}

hm_tmk_seg *hm_tmk_seg_ref(hm_tmk_seg *s) {
    if (s) atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return s;
}

void hm_tmk_seg_unref(hm_tmk_seg *s) {
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1) return;
    for (uint32_t i = 0; i < s->n; i++) hm_tmk_src_unref(s->ents[i].src);
    free(s->ents);
    fixed_unref(s->fixed);
    free(s);
}

static int cmp_in(const void *pa, const void *pb, void *ctx) {
    const hm_tmk_in *a = pa, *b = pb;
    (void)ctx;
    const uint64_t ka = hm_seg_id_key(a->list, a->id), kb = hm_seg_id_key(b->list, b->id);
    if (ka != kb) return ka < kb ? -1 : 1;
    if (a->list != b->list) return a->list < b->list ? -1 : 1;
    return strcmp(a->id, b->id);
}

int hm_tmk_seg_build(const hm_tmk_in *in, size_t n, hm_tmk_seg **out) {
    hm_tmk_seg *s = calloc(1, sizeof *s);
    hm_tmk_in *v = malloc(n * sizeof *v + 1);
    size_t slen = 1, cap = 1;
    int st = HM_E_NO_MEMORY;
    *out = NULL;
    if (n >= UINT32_MAX) {
        free(s);
        free(v);
        return hm_fail(HM_E_LIMIT, "too many TMK entries in one segment");
    }
    if (!s || !v) goto fail;
    atomic_init(&s->refs, 1);
    memcpy(v, in, n * sizeof *v);
    hm_sort(v, n, sizeof *v, cmp_in, NULL);
    for (size_t i = 0; i < n; i++)
        cap += strlen(v[i].id) + 1 + (v[i].labels && *v[i].labels ? strlen(v[i].labels) + 1 : 0);
    if (cap >= UINT32_MAX) {
        st = hm_fail(HM_E_LIMIT, "TMK entry ids and labels exceed 4 GiB");
        goto fail;
    }
    if (!(s->fixed = calloc(1, sizeof *s->fixed))) goto fail;
    atomic_init(&s->fixed->refs, 1);
    if (!(s->strings = s->fixed->strings = malloc(cap)) ||
        !(s->ents = calloc(n + 1, sizeof *s->ents)) ||
        !(s->filter = s->fixed->filter = hm_tmk_filter_new()) ||
        hm_tmk_filter_reserve(s->filter, n) != HM_OK)
        goto fail;
    s->strings[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        hm_tmk_ent *e = &s->ents[i];
        if ((st = hm_tmk_filter_add(s->filter, v[i].avg)) != HM_OK) goto fail;
        e->key = hm_seg_id_key(v[i].list, v[i].id);
        e->sum = v[i].sum;
        e->off = v[i].off;
        e->src = hm_tmk_src_ref(v[i].src);
        e->list = v[i].list;
        e->frames = v[i].frames;
        s->n = (uint32_t)i + 1;
        const size_t il = strlen(v[i].id) + 1;
        memcpy(s->strings + slen, v[i].id, il);
        e->id_off = (uint32_t)slen;
        slen += il;
        if (v[i].labels && *v[i].labels) {
            const size_t ll = strlen(v[i].labels) + 1;
            memcpy(s->strings + slen, v[i].labels, ll);
            e->labels_off = (uint32_t)slen;
            slen += ll;
        }
    }
    s->strings_len = slen;
    s->bytes = sizeof *s + n * (sizeof *s->ents + hm_tmk_filter_bytes_per_feature()) + slen;
    for (size_t i = 0; i < n; i++) s->bytes += l2_held(v[i].src);
    free(v);
    *out = s;
    return HM_OK;
fail:
    free(v);
    hm_tmk_seg_unref(s);
    return st == HM_E_NO_MEMORY ? hm_fail(st, "out of memory building TMK entries") : st;
}

static int cmp_moved(const void *pa, const void *pb) {
    const hm_tmk_moved *a = pa, *b = pb;
    if (a->src != b->src) return (uintptr_t)a->src < (uintptr_t)b->src ? -1 : 1;
    return a->off < b->off ? -1 : a->off > b->off;
}

int hm_tmk_moved_of(const hm_tmk_part *tp, uint64_t base, hm_tmk_moved **out, size_t *n) {
    size_t total = 0, k = 0;
    *out = NULL;
    *n = 0;
    for (uint32_t i = 0; i < tp->n; i++) total += tp->segs[i]->n;
    if (!total) return HM_OK;
    hm_tmk_moved *m = malloc(total * sizeof *m);
    if (!m) return HM_E_NO_MEMORY;
    for (uint32_t i = 0; i < tp->n; i++)
        for (uint32_t e = 0; e < tp->segs[i]->n; e++) {
            if (hm_tomb_dead(tp->tombs[i], e)) continue;
            m[k].src = tp->segs[i]->ents[e].src;
            m[k].off = tp->segs[i]->ents[e].off;
            m[k].at = base + k * HM_TMK_L2_BYTES;
            k++;
        }
    qsort(m, k, sizeof *m, cmp_moved); /* (src, off) is one entry's: no ties */
    *out = m;
    *n = k;
    return HM_OK;
}

/* A copy of s's entry records, a reference to each source. */
static hm_tmk_seg *seg_copy(const hm_tmk_seg *s) {
    hm_tmk_seg *r = calloc(1, sizeof *r);
    hm_tmk_ent *ents = malloc(((size_t)s->n + 1) * sizeof *ents);
    if (!r || !ents) {
        free(r);
        free(ents);
        return NULL;
    }
    atomic_init(&r->refs, 1);
    r->n = s->n;
    r->fixed = s->fixed;
    atomic_fetch_add_explicit(&s->fixed->refs, 1, memory_order_relaxed);
    r->strings = s->strings;
    r->strings_len = s->strings_len;
    r->filter = s->filter;
    r->bytes = s->bytes;
    memcpy(ents, s->ents, (size_t)s->n * sizeof *ents);
    for (uint32_t e = 0; e < s->n; e++) hm_tmk_src_ref(ents[e].src);
    r->ents = ents;
    return r;
}

int hm_tmk_seg_rebind(const hm_tmk_seg *s, const hm_tmk_moved *moved, size_t n,
                      hm_tmk_src *to, hm_tmk_seg **out) {
    hm_tmk_seg *r = NULL;
    *out = NULL;
    for (uint32_t e = 0; e < s->n && n; e++) {
        const hm_tmk_moved key = {s->ents[e].src, s->ents[e].off, 0};
        const hm_tmk_moved *m = bsearch(&key, moved, n, sizeof *moved, cmp_moved);
        if (!m || key.src == to) continue;
        if (!r && !(r = seg_copy(s))) return HM_E_NO_MEMORY;
        hm_tmk_ent *x = &r->ents[e];
        r->bytes -= l2_held(x->src);
        hm_tmk_src_unref(x->src);
        x->src = hm_tmk_src_ref(to);
        x->off = m->at;
    }
    *out = r;
    return HM_OK;
}

void hm_tmk_seg_input(const hm_tmk_seg *s, uint32_t e, hm_tmk_in *x) {
    const hm_tmk_ent *en = &s->ents[e];
    x->list = en->list;
    x->frames = en->frames;
    x->id = hm_tmk_seg_str(s, en->id_off);
    x->labels = en->labels_off ? hm_tmk_seg_str(s, en->labels_off) : NULL;
    x->avg = hm_tmk_filter_avg(s->filter, e);
    x->src = en->src;
    x->off = en->off;
    x->sum = en->sum;
}

void hm_tmk_seg_find_id(const hm_tmk_seg *s, uint32_t list, const char *id, uint32_t *first,
                        uint32_t *count) {
    const uint64_t key = hm_seg_id_key(list, id);
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (s->ents[mid].key < key) lo = mid + 1;
        else hi = mid;
    }
    /* equal keys are sorted by list, then id: (list, id) is one run */
    while (lo < s->n && s->ents[lo].key == key &&
           (s->ents[lo].list != list || strcmp(hm_tmk_seg_str(s, s->ents[lo].id_off), id) != 0))
        lo++;
    hi = lo;
    while (hi < s->n && s->ents[hi].key == key && s->ents[hi].list == list &&
           strcmp(hm_tmk_seg_str(s, s->ents[hi].id_off), id) == 0)
        hi++;
    *first = lo;
    *count = hi - lo;
}

int hm_tmk_seg_level2(const hm_tmk_seg *s, uint32_t e, hm_tmk *t, const hm_tmk **l2) {
    const hm_tmk_ent *en = &s->ents[e];
    const hm_tmk_src *src = en->src;
    if (src->one) {
        *l2 = src->one;
        return HM_OK;
    }
    if (src->mem) {
        memcpy(t->cos, src->mem + en->off, HM_TMK_L2_BYTES);
    } else {
        const int st = hm_file_pread(src->fd, (uint8_t *)t->cos, HM_TMK_L2_BYTES, en->off,
                                     src->size, src->name);
        if (st != HM_OK) return st;
    }
    if (hm_tmk_l2_sum(t) != en->sum)
        return hm_fail(HM_E_CORRUPT,
                       "%s: TMK level-2 features of \"%s\" do not match their checksum "
                       "(the file is damaged or changed since the index was loaded)",
                       src->name ? src->name : "index", hm_tmk_seg_str(s, en->id_off));
    *l2 = t;
    return HM_OK;
}

int hm_ix_tmk_find_live(const hm_tmk_part *tp, uint32_t list, const char *id, uint64_t sum,
                        int32_t frames, const float *avg) {
    for (uint32_t s = 0; s < tp->n; s++) {
        const hm_tmk_seg *sg = tp->segs[s];
        uint32_t first, count;
        hm_tmk_seg_find_id(sg, list, id, &first, &count);
        for (uint32_t e = first; e < first + count; e++)
            if (!hm_tomb_dead(tp->tombs[s], e) && sg->ents[e].sum == sum &&
                sg->ents[e].frames == frames &&
                memcmp(hm_tmk_filter_avg(sg->filter, e), avg, HM_TMK_DIM * sizeof *avg) == 0)
                return 1;
    }
    return 0;
}

static int list_tmk_threshold(const hm_snapshot *s, uint32_t list, int level, float *out) {
    if (out) *out = -1.0f;
    if (!s || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or threshold");
    if (list >= s->nlists) return hm_fail(HM_E_NOT_FOUND, "no list with id %u", list);
    if (level != 1 && level != 2)
        return hm_fail(HM_E_INVALID_ARGUMENT, "TMK levels are 1 and 2 (got %d)", level);
    *out = s->lists[list].tmk_thr[level - 1];
    return HM_OK;
}

hm_status hm_snapshot_list_tmk_threshold(const hm_snapshot *s, uint32_t list, int level,
                                         float *threshold) {
    return HM_CALL(list_tmk_threshold(s, list, level, threshold));
}

/* ---- the query ----------------------------------------------------------------------- */

void hm_tmk_match_opts_init(hm_tmk_match_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->level1 = o->level2 = -1.0f;
}

static int cmp_tm(const void *pa, const void *pb) {
    const hm_tmk_match *a = pa, *b = pb;
    if (a->level2 != b->level2) return a->level2 > b->level2 ? -1 : 1;
    if (a->level1 != b->level1) return a->level1 > b->level1 ? -1 : 1;
    if (a->list != b->list) return a->list < b->list ? -1 : 1;
    return strcmp(a->video_id, b->video_id);
}

static int opts_ok(const hm_tmk_match_opts *o) {
    return hm_ix_tmk_threshold_ok(o->level1) && hm_ix_tmk_threshold_ok(o->level2) &&
           o->reserved0 == 0 && HM_ZERO_WORDS(o->reserved);
}

/* The thresholds list l applies (opts' or its own); 0 when it does not
 * take part. */
static int list_thresholds(const hm_snapshot *s, uint32_t l, const hm_tmk_match_opts *o,
                           float thr[2]) {
    const hm_list_rec *rec = &s->lists[l];
    if (!rec->enabled && !o->include_disabled) return 0;
    thr[0] = o->level1 >= 0 ? o->level1 : rec->tmk_thr[0];
    thr[1] = o->level2 >= 0 ? o->level2 : rec->tmk_thr[1];
    return 1;
}

static int match_segment(hm_results *r, const hm_snapshot *s, uint32_t si, const hm_tmk *q,
                         const hm_tmk_match_opts *o, float t1, hm_simd_level level) {
    const hm_tmk_seg *sg = s->tmk.segs[si];
    const struct hm_tomb *tomb = s->tmk.tombs[si];
    int st = hm_tmk_filter_query(sg->filter, q->avg, t1, level, &r->l1, &r->nl1, &r->l1cap,
                                 NULL);
    if (st != HM_OK) return st;
    for (size_t h = 0; h < r->nl1; h++) {
        const uint32_t e = r->l1[h].idx;
        const hm_tmk_ent *en = &sg->ents[e];
        float thr[2];
        if (hm_tomb_dead(tomb, e) || !list_thresholds(s, en->list, o, thr) ||
            !(r->l1[h].level1 >= thr[0]))
            continue;
        const hm_tmk *known = NULL;
        if (!r->l2buf && !(r->l2buf = malloc(sizeof *r->l2buf)))
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        if ((st = hm_tmk_seg_level2(sg, e, r->l2buf, &known)) != HM_OK) return st;
        const float l2 = hm_tmk_level2(q, known);
        if (!(l2 >= thr[1])) continue;
        if (HM_RESERVE(r->tm, r->tmcap, r->ntm + 1, 16) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        hm_tmk_match *m = &r->tm[r->ntm++];
        memset(m, 0, sizeof *m);
        m->video_id = hm_tmk_seg_str(sg, en->id_off);
        m->list_name = s->lists[en->list].name;
        m->labels = en->labels_off ? hm_tmk_seg_str(sg, en->labels_off) : NULL;
        m->list = en->list;
        m->level1 = r->l1[h].level1;
        m->level2 = l2;
        m->threshold1 = thr[0];
        m->threshold2 = thr[1];
    }
    return HM_OK;
}

static int snapshot_match_tmk(hm_snapshot *s, const hm_tmk *q, const hm_tmk_match_opts *opts,
                              hm_results *r) {
    hm_tmk_match_opts defaults;
    int st = HM_OK;
    if (!r) return hm_fail(HM_E_INVALID_ARGUMENT, "results is NULL");
    hm_results_clear(r);
    if (!s || !q) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or hash");
    if (!opts) {
        hm_tmk_match_opts_init(&defaults);
        opts = &defaults;
    }
    if (!opts_ok(opts))
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "bad TMK match options: thresholds are -1 (the lists') or 0 to 1, "
                       "reserved fields 0 (hm_tmk_match_opts_init)");
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    r->snap = s;
    /* the filter's threshold: the lowest level-1 threshold that applies */
    float t1 = INFINITY, thr[2];
    for (uint32_t l = 0; l < s->nlists; l++)
        if (s->lists[l].entries && list_thresholds(s, l, opts, thr) && thr[0] < t1) t1 = thr[0];
    const hm_simd_level level = hm_simd_best(hm_tmk_filter_usable);
    for (uint32_t i = 0; i < s->tmk.n && isfinite(t1) && st == HM_OK; i++)
        st = match_segment(r, s, i, q, opts, t1, level);
    if (st == HM_OK && r->ntm > 1) qsort(r->tm, r->ntm, sizeof *r->tm, cmp_tm);
    atomic_fetch_add_explicit(&s->shared->queries, 1, memory_order_relaxed);
    if (st != HM_OK) {
        r->ntm = 0;
        return st;
    }
    atomic_fetch_add_explicit(&s->shared->hits, r->ntm, memory_order_relaxed);
    for (size_t i = 0; i < r->ntm; i++)
        atomic_fetch_add_explicit(&hm_list_core_of(s->names, r->tm[i].list)->hits, 1,
                                  memory_order_relaxed);
    return HM_OK;
}

hm_status hm_snapshot_match_tmk(hm_snapshot *s, const hm_tmk *q, const hm_tmk_match_opts *opts,
                                hm_results *r) {
    return HM_CALL(snapshot_match_tmk(s, q, opts, r));
}

static int index_match_tmk(hm_index *idx, const hm_tmk *q, const hm_tmk_match_opts *opts,
                           hm_results *r) {
    hm_snapshot *s;
    int st = hm_ix_query_begin(idx, r, &s);
    if (st == HM_OK) st = snapshot_match_tmk(s, q, opts, r);
    hm_snapshot_release(s); /* the results keep their own reference */
    return st;
}

hm_status hm_index_match_tmk(hm_index *idx, const hm_tmk *q, const hm_tmk_match_opts *opts,
                             hm_results *r) {
    return HM_CALL(index_match_tmk(idx, q, opts, r));
}
