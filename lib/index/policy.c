/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The match policy (hm_index_decide): one decision per known item from
 * every hash type the query and the item both have.
 *
 *  1. Candidates: one search of the query's hashes (hm_ix_snapshot_query),
 *     each type within the largest of the lists' thresholds and the radius
 *     beyond which no fused match can lie (search_radius), digests for
 *     equality.
 *  2. Each candidate item (list, entry id) is read whole: its entries in
 *     every segment (they are sorted by id), and for every type the
 *     smallest distance over the query's needles and the item's entries.
 *  3. The rules of the header decide; the fused score and its threshold
 *     come from the model in policy_model.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "policy_model.h"

void hm_decide_opts_init(hm_decide_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->min_quality = HM_DEFAULT_PDQ_MIN_QUALITY;
    o->max_score = HM_DECIDE_SCORE_FPR_1E4;
}

/* The query's needles of one type. */
typedef struct tneedles {
    uint64_t *w;   /* words per needle: (bits + 63) / 64 */
    size_t n, cap;
} tneedles;

/* One item found by the candidate search. */
typedef struct cand {
    uint32_t list;
    const char *id, *labels;
    size_t seq; /* order found: types ascending, each type's hits closest first */
} cand;

/* A decision's working memory, kept in its results for the next one. */
struct hm_decide_buf {
    hm_results *hits; /* the candidate search's */
    tneedles nd[HM_HASH_TYPE_MAX + 1];
    cand *c;
    size_t ncand, candcap;
};

void hm_ix_decide_buf_free(struct hm_decide_buf *b) {
    if (!b) return;
    hm_results_free(b->hits);
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) free(b->nd[t].w);
    free(b->c);
    free(b);
}

typedef struct dctx {
    hm_snapshot *s;
    const hm_decide_opts *o;
    struct hm_decide_buf *b;
} dctx;

/* Position of a type in the model's tables, or -1. */
static int fused_slot(int type) {
    for (int k = 0; k < HM_FUSED_TYPES; k++)
        if (hm_fused_type[k] == type) return k;
    return -1;
}

/* The distance within which `type` must be searched so that no fused
 * match is missed.  A fused match over a set A of types has
 * sum(z) <= max_score * sqrt(C_A) (C_A: the sum of A's correlations), so
 * some type of A has z <= max_score * sqrt(C_A) / |A|; every type of A
 * is searched that far (its distance for that z), and a type's radius is
 * the widest over the sets of two or more types that hold it. */
static int search_radius(int type, double max_score) {
    const int k = fused_slot(type);
    double z = -INFINITY;
    for (unsigned set = 1; set < (1u << HM_FUSED_TYPES); set++) {
        if (!(set & (1u << k)) || !(set & (set - 1))) continue;
        double c = 0;
        int n = 0;
        for (int i = 0; i < HM_FUSED_TYPES; i++) {
            if (!(set & (1u << i))) continue;
            n++;
            for (int j = 0; j < HM_FUSED_TYPES; j++)
                if (set & (1u << j)) c += hm_fused_corr[i][j];
        }
        const double b = max_score * sqrt(c) / n;
        if (b > z) z = b;
    }
    const double d = floor(hm_fused_mean[k] + hm_fused_sd[k] * z);
    const int bits = (int)hm_hash_bits(type);
    return d < 0 ? 0 : d > bits ? bits : (int)d;
}

static int push_needles(tneedles *t, const uint64_t *nd, unsigned nv, unsigned words) {
    if (HM_RESERVE(t->w, t->cap, (t->n + nv) * words, 64) != HM_OK) return HM_E_NO_MEMORY;
    memcpy(t->w + t->n * words, nd, (size_t)nv * words * sizeof *nd);
    t->n += nv;
    return HM_OK;
}

/* Every hash of q, with its variants, as needles per type (PDQ below the
 * quality gate left out). */
static int gather_needles(dctx *c, const hm_hash *q, size_t n) {
    uint64_t nd[HM_NEEDLE_WORDS];
    for (size_t i = 0; i < n;) {
        unsigned nv;
        const size_t take = hm_ix_needles(q, i, n, c->o->flags, nd, &nv);
        const unsigned words = (hm_hash_bits(q[i].type) + 63) / 64;
        if (!hm_ix_pdq_gated(&q[i], c->o->min_quality) &&
            push_needles(&c->b->nd[q[i].type], nd, nv, words) != HM_OK)
            return HM_E_NO_MEMORY;
        i += take;
    }
    return HM_OK;
}

static int same_item(const cand *x, const cand *y) {
    return x->list == y->list && !strcmp(x->id, y->id);
}

static int cmp_cand(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->list != y->list) return x->list < y->list ? -1 : 1;
    const int c = strcmp(x->id, y->id);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The items near any of q's hashes into c->b->c (sorted, one per item):
 * one search, each perceptual type within the larger of the lists'
 * thresholds and search_radius, digests for equality. */
static int find_candidates(dctx *c, const hm_hash *q, size_t n) {
    struct hm_decide_buf *b = c->b;
    int radii[HM_HASH_TYPE_MAX + 1] = {0};
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(HM_TYPE_BIT(t) & HM_TYPES_PIXEL)) continue;
        const int lists = c->o->include_disabled ? c->s->max_thr_all[t] : c->s->max_thr[t];
        const int fused = fused_slot(t) >= 0 ? search_radius(t, c->o->max_score) : 0;
        radii[t] = lists > fused ? lists : fused;
    }
    hm_query_opts qo;
    hm_query_opts_init(&qo);
    qo.flags = c->o->flags;
    qo.min_quality = c->o->min_quality;
    qo.include_disabled = c->o->include_disabled;
    int st = hm_ix_snapshot_query(c->s, q, n, &qo, radii, 0, b->hits);
    if (st != HM_OK) return st;
    b->ncand = 0;
    if (HM_RESERVE(b->c, b->candcap, b->hits->n, 64) != HM_OK) return HM_E_NO_MEMORY;
    for (size_t i = 0; i < b->hits->n; i++) {
        const hm_match *m = &b->hits->v[i];
        b->c[b->ncand] = (cand){m->list, m->entry_id, m->labels, b->ncand};
        b->ncand++;
    }
    /* one per item, with the labels of its first hit (of the lowest type
     * that found it, at its closest distance) */
    if (b->ncand > 1) qsort(b->c, b->ncand, sizeof *b->c, cmp_cand);
    size_t w = 0;
    for (size_t i = 0; i < b->ncand; i++)
        if (!w || !same_item(&b->c[w - 1], &b->c[i])) b->c[w++] = b->c[i];
    b->ncand = w;
    return HM_OK;
}

/* The fused score of the types in `mask` at distances d[], or NAN. */
static double fused_score(uint32_t mask, const int32_t *d) {
    double sum = 0, var = 0;
    int any = 0;
    for (int j = 0; j < HM_FUSED_TYPES; j++) {
        if (!(mask & HM_TYPE_BIT(hm_fused_type[j]))) continue;
        any = 1;
        sum += (d[hm_fused_type[j]] - hm_fused_mean[j]) / hm_fused_sd[j];
        for (int k = 0; k < HM_FUSED_TYPES; k++)
            if (mask & HM_TYPE_BIT(hm_fused_type[k])) var += hm_fused_corr[j][k];
    }
    return any ? sum / sqrt(var) : NAN;
}

/* Read item `it` whole and decide; a match is appended to r->dec. */
static int decide_item(dctx *c, const cand *it, hm_results *r) {
    const hm_snapshot *s = c->s;
    const hm_list_rec *l = &s->lists[it->list];
    int32_t dist[HM_HASH_TYPE_SLOTS];
    uint32_t entries[HM_HASH_TYPE_MAX + 1] = {0};
    uint32_t types = 0, agreed = 0;
    int exact = 0;
    for (int t = 0; t < HM_HASH_TYPE_SLOTS; t++) dist[t] = -1;
    for (uint32_t si = 0; si < s->nsegs; si++) {
        const hm_segment *sg = s->segs[si];
        uint32_t first, count;
        hm_seg_find_id(sg, it->list, it->id, &first, &count);
        for (uint32_t e = first; e < first + count; e++) {
            const hm_seg_entry *en = &sg->entries[e];
            const int t = HM_TC_TYPE(en->tc);
            const tneedles *tn = &c->b->nd[t];
            if (hm_tomb_dead(s->tombs[si], e) || !tn->n) continue;
            const unsigned words = (hm_hash_bits(t) + 63) / 64;
            uint64_t code[4] = {0};
            memcpy(code, hm_seg_entry_bytes(sg, en), hm_hash_bits(t) / 8);
            const int digest = !(HM_TYPE_BIT(t) & HM_TYPES_PIXEL);
            for (size_t k = 0; k < tn->n; k++) {
                int d = (int)hm_code_dist(code, tn->w + k * words, words);
                if (digest) d = d != 0; /* equal or not */
                if (dist[t] < 0 || d < dist[t]) dist[t] = d;
            }
            entries[t]++;
            types |= HM_TYPE_BIT(t);
        }
    }
    uint32_t comparisons = 0;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!(types & HM_TYPE_BIT(t))) continue;
        if (dist[t] <= l->thr[t]) agreed |= HM_TYPE_BIT(t);
        if (!(HM_TYPE_BIT(t) & HM_TYPES_PIXEL)) {
            exact |= dist[t] == 0;
            continue;
        }
        if (fused_slot(t) < 0) continue; /* not in the fused model */
        const uint64_t m = (uint64_t)c->b->nd[t].n * entries[t];
        if (m > comparisons) comparisons = m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
    }
    /* the types of the fused model, and those outside it (pHash.org's),
     * which decide by their own threshold for items without the others */
    const uint32_t perceptual = types & HM_TYPES_PERCEPTUAL;
    const uint32_t unmodelled = types & HM_TYPES_PIXEL & ~HM_TYPES_PERCEPTUAL;
    const double score = fused_score(perceptual, dist);
    const double thr = c->o->max_score -
                       HM_FUSED_PER_LN_COMPARISONS * log(comparisons ? comparisons : 1);
    int rule = 0;
    if (exact) rule = HM_RULE_EXACT;
    else if ((agreed & HM_TYPE_BIT(HM_HASH_PDQ))) rule = HM_RULE_PDQ;
    else if (perceptual && !(perceptual & (perceptual - 1))) rule = (agreed & perceptual) ? HM_RULE_SINGLE : 0;
    else if (perceptual && score <= thr) rule = HM_RULE_FUSED;
    else if (!perceptual && (agreed & unmodelled)) rule = HM_RULE_SINGLE;
    if (!rule) return HM_OK;
    if (HM_RESERVE(r->dec, r->deccap, r->ndec + 1, 16) != HM_OK) return HM_E_NO_MEMORY;
    hm_decision *o = &r->dec[r->ndec++];
    memset(o, 0, sizeof *o);
    o->list = it->list;
    o->rule = rule;
    o->list_name = l->name;
    o->entry_id = it->id;
    o->labels = it->labels;
    o->types = types;
    o->agreed = agreed;
    o->score = score;
    o->threshold = thr;
    o->comparisons = comparisons;
    memcpy(o->distance, dist, sizeof dist);
    return HM_OK;
}

static int cmp_decision(const void *a, const void *b) {
    const hm_decision *x = a, *y = b;
    if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
    const int xn = isnan(x->score), yn = isnan(y->score);
    if (xn != yn) return xn - yn;
    if (!xn && x->score != y->score) return x->score < y->score ? -1 : 1;
    if (x->list != y->list) return x->list < y->list ? -1 : 1;
    return strcmp(x->entry_id, y->entry_id);
}

static int check_opts(const hm_decide_opts *o) {
    if (o->flags & ~HM_QUERY_DIHEDRAL)
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown decide flags 0x%x",
                       o->flags & ~HM_QUERY_DIHEDRAL);
    if (!isfinite(o->max_score) || o->max_score >= 0)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "max_score %g is not a negative number (default %g)", o->max_score,
                       HM_DECIDE_SCORE_FPR_1E4);
    if (o->reserved0 || !HM_ZERO_WORDS(o->reserved))
        return hm_fail(HM_E_INVALID_ARGUMENT, "reserved fields of the options are not zero");
    return HM_OK;
}

static int snapshot_decide(hm_snapshot *s, const hm_hash *q, size_t n,
                           const hm_decide_opts *opts, hm_results *r) {
    hm_decide_opts defaults;
    dctx c;
    int st;
    if (!r) return hm_fail(HM_E_INVALID_ARGUMENT, "results is NULL");
    hm_results_clear(r);
    if (!s || (!q && n)) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or hashes");
    if (!opts) {
        hm_decide_opts_init(&defaults);
        opts = &defaults;
    }
    if ((st = check_opts(opts)) != HM_OK || (st = hm_ix_check_hashes(q, n, -1)) != HM_OK)
        return st;
    if (!r->dbuf) {
        r->dbuf = calloc(1, sizeof *r->dbuf);
        if (!r->dbuf || hm_results_create(&r->dbuf->hits) != HM_OK) {
            hm_ix_decide_buf_free(r->dbuf);
            r->dbuf = NULL;
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        }
    }
    c = (dctx){s, opts, r->dbuf};
    for (int t = 0; t <= HM_HASH_TYPE_MAX; t++) c.b->nd[t].n = 0;
    st = gather_needles(&c, q, n);
    if (st == HM_OK) st = find_candidates(&c, q, n);
    if (st == HM_OK) hm_ix_results_hold(r, s); /* the decisions point into s */
    for (size_t i = 0; i < c.b->ncand && st == HM_OK; i++) st = decide_item(&c, &c.b->c[i], r);
    hm_results_clear(c.b->hits); /* its snapshot reference goes */
    if (st != HM_OK) {
        r->ndec = 0;
        return hm_fail(st, "out of memory during the decision");
    }
    if (r->ndec > 1) qsort(r->dec, r->ndec, sizeof *r->dec, cmp_decision);
    /* one query (none without hashes); its hits are the items decided */
    atomic_fetch_add_explicit(&s->shared->queries, n ? 1 : 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->shared->hits, r->ndec, memory_order_relaxed);
    for (size_t i = 0; i < r->ndec; i++)
        atomic_fetch_add_explicit(&hm_list_core_of(s->names, r->dec[i].list)->hits, 1,
                                  memory_order_relaxed);
    return HM_OK;
}

hm_status hm_snapshot_decide(hm_snapshot *s, const hm_hash *q, size_t n,
                             const hm_decide_opts *opts, hm_results *r) {
    return HM_CALL(snapshot_decide(s, q, n, opts, r));
}

static int index_decide(hm_index *idx, const hm_hash *q, size_t n,
                        const hm_decide_opts *opts, hm_results *r) {
    hm_snapshot *s;
    int st = hm_ix_query_begin(idx, r, &s);
    if (st == HM_OK) st = snapshot_decide(s, q, n, opts, r);
    hm_snapshot_release(s); /* the results keep their own reference */
    return st;
}

hm_status hm_index_decide(hm_index *idx, const hm_hash *q, size_t n,
                          const hm_decide_opts *opts, hm_results *r) {
    return HM_CALL(index_decide(idx, q, n, opts, r));
}
