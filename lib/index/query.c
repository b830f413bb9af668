/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queries on a snapshot: per query (or dihedral group), per segment, pick
 * a structure, collect the codes within the radius, expand them to their
 * live entries in lists that apply, and turn those into hm_match records.
 */
#include <stdlib.h>
#include <string.h>

#include "index_internal.h"
#include "../hash/hash.h"

#define SCAN_CHUNK 8192 /* codes per kernel call: bounds the hit buffer */


/* ---- results object ---------------------------------------------------- */

static int results_create(hm_results **out) {
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = calloc(1, sizeof **out);
    return *out ? HM_OK : hm_fail(HM_E_NO_MEMORY, "out of memory");
}

hm_status hm_results_create(hm_results **out) { return HM_CALL(results_create(out)); }

void hm_results_free(hm_results *r) {
    if (!r) return;
    hm_snapshot_release(r->snap);
    free(r->v);
    free(r->raw);
    free(r->vm);
    free(r->ranges);
    free(r->tm);
    free(r->l1);
    free(r->l2buf);
    free(r->dec);
    hm_ix_decide_buf_free(r->dbuf);
    hm_hitbuf_free(&r->hb);
    free(r);
}

/* Also the start of every query and video match: whatever the results
 * held before goes, so nothing can point into a snapshot they no longer
 * hold. */
void hm_results_clear(hm_results *r) {
    if (!r) return;
    r->n = r->nvm = r->nranges = r->nraw = r->ntm = r->nl1 = r->ndec = 0;
    r->structure = HM_STRUCT_AUTO;
    hm_snapshot_release(r->snap);
    r->snap = NULL;
}

/* Each kind of result's getters: its count (0 for NULL results) and its
 * i-th (NULL past the end). */
#define RESULT_GETTERS(count_fn, get_fn, type, n, v)                                  \
    size_t count_fn(const hm_results *r) { return r ? r->n : 0; }                  \
    const type *get_fn(const hm_results *r, size_t i) {                            \
        return r && i < r->n ? &r->v[i] : NULL;                                     \
    }
RESULT_GETTERS(hm_results_count, hm_results_get, hm_match, n, v)
RESULT_GETTERS(hm_results_video_count, hm_results_video_get, hm_video_match, nvm, vm)
RESULT_GETTERS(hm_results_tmk_count, hm_results_tmk_get, hm_tmk_match, ntm, tm)
RESULT_GETTERS(hm_results_decision_count, hm_results_decision_get, hm_decision, ndec, dec)

int hm_results_structure(const hm_results *r) { return r ? r->structure : 0; }

void hm_query_opts_init(hm_query_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->radius = -1;
    o->structure = HM_STRUCT_AUTO;
    o->min_quality = HM_DEFAULT_PDQ_MIN_QUALITY;
}

/* ---- structures ------------------------------------------------------------ */

static int run_scan(hm_results *r, const hm_code_table *tab,
                    const uint64_t *nd, unsigned nv, unsigned radius) {
    const hm_scan_kernels *k = hm_scan_kernels_best();
    const hm_scan_fn fn = tab->words == 1 ? k->scan64 : k->scan256;
    unsigned radii[HM_SCAN_MAX_NEEDLES];
    for (unsigned v = 0; v < nv; v++) radii[v] = radius;
    for (uint32_t off = 0; off < tab->ncodes; off += SCAN_CHUNK) {
        uint32_t cnt = tab->ncodes - off < SCAN_CHUNK ? tab->ncodes - off : SCAN_CHUNK;
        if (hm_hitbuf_reserve(&r->hb, (size_t)cnt * nv) != HM_OK) return HM_E_NO_MEMORY;
        r->hb.n += fn(tab->codes + (size_t)off * tab->words, cnt, nd, radii, nv,
                      off, r->hb.v + r->hb.n);
    }
    return HM_OK;
}

static int choose(const hm_code_table *tab, unsigned radius, unsigned nv,
                  int forced) {
    if (forced == HM_STRUCT_SCAN) return HM_STRUCT_SCAN;
    if (forced == HM_STRUCT_MIH) return tab->mih ? HM_STRUCT_MIH : HM_STRUCT_SCAN;
    if (forced == HM_STRUCT_BKTREE) return tab->bk ? HM_STRUCT_BKTREE : HM_STRUCT_SCAN;
    /* a multi-needle scan reads the codes once but does nv times the
     * arithmetic, which costs about a quarter of the memory time each */
    double best = hm_scan_cost(tab->ncodes, tab->words) * (0.75 + 0.25 * nv);
    int s = HM_STRUCT_SCAN;
    if (tab->mih) {
        double c = hm_mih_cost(tab->mih, radius) * nv;
        if (c < best) {
            best = c;
            s = HM_STRUCT_MIH;
        }
    }
    if (tab->bk && hm_bktree_cost(tab->bk, radius) * nv < best) s = HM_STRUCT_BKTREE;
    return s;
}

/* Codes of one table within `radius` of the nv needles, into r->hb. */
static int table_hits(hm_results *r, const hm_code_table *tab, const uint64_t *nd,
                      unsigned nv, unsigned radius, int forced, int *used) {
    const size_t mark = r->hb.n;
    int s = choose(tab, radius, nv, forced), st = HM_OK;
    if (s == HM_STRUCT_MIH) {
        /* each needle may cost at most its share of one scan */
        const double give_up = forced == HM_STRUCT_MIH
                                   ? -1.0
                                   : hm_scan_cost(tab->ncodes, tab->words) *
                                         (0.75 + 0.25 * nv) / nv;
        for (unsigned v = 0; v < nv && st == HM_OK; v++) {
            int ret = hm_mih_query(tab->mih, tab->codes, nd + (size_t)v * tab->words,
                                   radius, give_up, v, &r->hb);
            if (ret == 1) { /* crowded buckets: scanning is cheaper */
                r->hb.n = mark;
                s = HM_STRUCT_SCAN;
                break;
            }
            st = ret;
        }
    } else if (s == HM_STRUCT_BKTREE) {
        for (unsigned v = 0; v < nv && st == HM_OK; v++)
            st = hm_bktree_query(tab->bk, nd + (size_t)v * tab->words, radius, v,
                                 &r->hb, NULL);
    }
    if (s == HM_STRUCT_SCAN) st = run_scan(r, tab, nd, nv, radius);
    *used = s;
    return st;
}

/* ---- one query (or dihedral group) ------------------------------------------- */

typedef struct qctx {
    const hm_snapshot *s;
    const hm_query_opts *o;
    int type;
    unsigned nv;
    uint64_t nd[HM_NEEDLE_WORDS]; /* needles, canonical bytes */
    int knn;    /* list thresholds are not applied */
    int frames_only; /* only frames of known videos count */
    int uncounted; /* the index's and lists' query and hit counters left alone */
    const int *radii; /* a range query's radius by type instead of opts' (NULL) */
    int forced;
    size_t biggest; /* codes of the largest table searched */
} qctx;

static int push_raw(hm_results *r, uint32_t seg, uint32_t entry, unsigned dist,
                    unsigned variant) {
    if (HM_RESERVE(r->raw, r->rawcap, r->nraw + 1, 256) != HM_OK) return HM_E_NO_MEMORY;
    r->raw[r->nraw++] = (rhit){seg, entry, (uint16_t)dist, (uint8_t)variant};
    return HM_OK;
}

/* Does entry e of segment si count, at distance d? */
static int entry_ok(const qctx *c, uint32_t si, uint32_t e, unsigned d) {
    const hm_snapshot *s = c->s;
    if (hm_tomb_dead(s->tombs[si], e)) return 0;
    if (c->frames_only && s->segs[si]->entries[e].aux == HM_NO_AUX) return 0;
    const uint32_t l = s->segs[si]->entries[e].list;
    if (!c->o->include_disabled && !s->lists[l].enabled) return 0;
    if (c->knn || c->o->radius >= 0 || c->radii) return 1;
    return (int)d <= s->lists[l].thr[c->type];
}

/* Every entry within `radius` of the needles, into r->raw. */
static int collect(hm_results *r, qctx *c, unsigned radius) {
    const hm_snapshot *s = c->s;
    const int exact = c->type == HM_HASH_MD5 || c->type == HM_HASH_SHA256;
    for (uint32_t si = 0; si < s->nsegs; si++) {
        const hm_segment *sg = s->segs[si];
        const hm_code_table *tab = &sg->tab[c->type];
        if (!tab->ncodes) continue;
        r->hb.n = 0;
        if (exact) {
            int64_t code = hm_seg_find_code(sg, c->type, (const uint8_t *)c->nd);
            if (code >= 0) {
                if (hm_hitbuf_reserve(&r->hb, 1) != HM_OK) return HM_E_NO_MEMORY;
                r->hb.v[r->hb.n++] = (hm_hit){(uint32_t)code, 0, 0};
            }
        } else {
            int used, st = table_hits(r, tab, c->nd, c->nv, radius, c->forced, &used);
            if (st != HM_OK) return st;
            if (tab->ncodes >= c->biggest) {
                c->biggest = tab->ncodes;
                r->structure = used;
            }
        }
        for (size_t h = 0; h < r->hb.n; h++) {
            const hm_hit *hit = &r->hb.v[h];
            for (uint32_t p = tab->code_start[hit->idx]; p < tab->code_start[hit->idx + 1]; p++) {
                const uint32_t e = tab->code_entries[p];
                if (entry_ok(c, si, e, hit->dist) &&
                    push_raw(r, si, e, hit->dist, hit->needle) != HM_OK)
                    return HM_E_NO_MEMORY;
            }
        }
    }
    return HM_OK;
}

static int cmp_raw_entry(const void *a, const void *b) {
    const rhit *x = a, *y = b;
    if (x->seg != y->seg) return x->seg < y->seg ? -1 : 1;
    if (x->entry != y->entry) return x->entry < y->entry ? -1 : 1;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    return (int)x->variant - (int)y->variant;
}

/* The documented order of hits; ctx: the snapshot they are in. */
static int cmp_raw_rank(const void *a, const void *b, void *ctx) {
    const hm_snapshot *s = ctx;
    const rhit *x = a, *y = b;
    if (x->dist != y->dist) return x->dist < y->dist ? -1 : 1;
    const hm_segment *sx = s->segs[x->seg], *sy = s->segs[y->seg];
    const hm_seg_entry *ex = &sx->entries[x->entry], *ey = &sy->entries[y->entry];
    if (ex->list != ey->list) return ex->list < ey->list ? -1 : 1;
    int c = strcmp(hm_seg_str(sx, ex->id_off), hm_seg_str(sy, ey->id_off));
    if (c) return c;
    return memcmp(hm_seg_entry_bytes(sx, ex), hm_seg_entry_bytes(sy, ey),
                  hm_hash_bits(HM_TC_TYPE(ex->tc)) / 8);
}

/* Smallest distance D such that at least k entries lie within D (or the
 * largest distance present): a full scan counting entries per distance. */
static int knn_radius(hm_results *r, qctx *c, unsigned k, unsigned limit,
                      unsigned *out) {
    uint64_t hist[257] = {0};
    const unsigned bits = hm_hash_bits(c->type);
    for (uint32_t si = 0; si < c->s->nsegs; si++) {
        const hm_code_table *tab = &c->s->segs[si]->tab[c->type];
        if (!tab->ncodes) continue;
        r->hb.n = 0;
        if (run_scan(r, tab, c->nd, c->nv, limit) != HM_OK) return HM_E_NO_MEMORY;
        /* hits come in code order, needles within a code: count each
         * code once, at its best distance over the needles */
        for (size_t h = 0; h < r->hb.n;) {
            const hm_hit *hit = &r->hb.v[h];
            unsigned d = hit->dist;
            size_t g = h + 1;
            for (; g < r->hb.n && r->hb.v[g].idx == hit->idx; g++)
                if (r->hb.v[g].dist < d) d = r->hb.v[g].dist;
            for (uint32_t p = tab->code_start[hit->idx]; p < tab->code_start[hit->idx + 1]; p++)
                if (entry_ok(c, si, tab->code_entries[p], d)) hist[d]++;
            h = g;
        }
    }
    uint64_t acc = 0;
    *out = limit;
    for (unsigned d = 0; d <= bits && d <= limit; d++) {
        acc += hist[d];
        if (acc >= k) {
            *out = d;
            break;
        }
    }
    return HM_OK;
}

/* With several needles an entry can be hit once per needle: keep its
 * best. */
static void dedupe_raw(hm_results *r, const qctx *c) {
    if (c->nv < 2 || r->nraw < 2) return;
    qsort(r->raw, r->nraw, sizeof *r->raw, cmp_raw_entry);
    size_t w = 1;
    for (size_t i = 1; i < r->nraw; i++)
        if (r->raw[i].seg != r->raw[w - 1].seg || r->raw[i].entry != r->raw[w - 1].entry)
            r->raw[w++] = r->raw[i];
    r->nraw = w;
}

static int run_group(hm_results *r, qctx *c, uint32_t qi) {
    const hm_query_opts *o = c->o;
    const hm_snapshot *s = c->s;
    const unsigned bits = hm_hash_bits(c->type);
    const int exact = c->type == HM_HASH_MD5 || c->type == HM_HASH_SHA256;
    int st;
    r->nraw = 0;
    if (!o->k) {
        int radius = c->radii ? c->radii[c->type]
                     : o->radius >= 0 ? o->radius
                     : o->include_disabled ? s->max_thr_all[c->type]
                                           : s->max_thr[c->type];
        if (radius < 0) return HM_OK; /* no list could match */
        if ((st = collect(r, c, exact ? 0 : (unsigned)radius)) != HM_OK) return st;
    } else {
        const unsigned limit = o->radius >= 0 ? (unsigned)o->radius : bits;
        unsigned radius = (unsigned)hm_default_threshold(c->type); /* 0 for digests */
        if (radius > limit) radius = limit;
        c->knn = 1;
        for (;;) {
            r->nraw = 0;
            if ((st = collect(r, c, radius)) != HM_OK) return st;
            dedupe_raw(r, c);
            if (r->nraw >= o->k || radius >= limit || exact) break;
            if (2 * radius + 1 <= bits / 4) {
                radius = 2 * radius + 1 < limit ? 2 * radius + 1 : limit;
                continue;
            }
            /* beyond a quarter of the bits every structure reads nearly
             * everything: find the radius with one counting scan */
            if ((st = knn_radius(r, c, o->k, limit, &radius)) != HM_OK) return st;
            r->nraw = 0;
            if ((st = collect(r, c, radius)) != HM_OK) return st;
            break;
        }
    }
    dedupe_raw(r, c);
    hm_sort(r->raw, r->nraw, sizeof *r->raw, cmp_raw_rank, (void *)s);
    if (o->k && r->nraw > o->k) r->nraw = o->k;
    if (HM_RESERVE(r->v, r->cap, r->n + r->nraw, 64) != HM_OK) return HM_E_NO_MEMORY;
    for (size_t i = 0; i < r->nraw; i++) {
        const rhit *h = &r->raw[i];
        const hm_segment *sg = s->segs[h->seg];
        const hm_seg_entry *e = &sg->entries[h->entry];
        hm_list_core *core = hm_list_core_of(s->names, e->list);
        hm_match *m = &r->v[r->n++];
        memset(m, 0, sizeof *m);
        m->query = qi;
        m->type = c->type;
        m->distance = h->dist;
        m->threshold = c->radii ? c->radii[c->type]
                       : o->radius >= 0 && !o->k ? o->radius
                                                 : s->lists[e->list].thr[c->type];
        m->list = e->list;
        m->variant = c->nv > 1 ? h->variant : 0;
        m->list_name = s->lists[e->list].name;
        m->entry_id = hm_seg_str(sg, e->id_off);
        m->labels = hm_seg_str(sg, e->labels_off);
        m->hash.type = c->type;
        m->hash.quality = -1;
        memcpy(m->hash.bytes, hm_seg_entry_bytes(sg, e), bits / 8);
        m->frame_time = e->aux == HM_NO_AUX ? -1.0 : e->aux / 1000.0;
        if (!c->uncounted) atomic_fetch_add_explicit(&core->hits, 1, memory_order_relaxed);
    }
    return HM_OK;
}

int hm_ix_collect_frames(hm_results *r, const hm_snapshot *s, const uint8_t *pdq,
                        unsigned radius, int include_disabled) {
    hm_query_opts o;
    qctx c;
    hm_query_opts_init(&o);
    o.radius = (int)radius;
    o.include_disabled = include_disabled;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.o = &o;
    c.type = HM_HASH_PDQ;
    c.nv = 1;
    c.frames_only = 1;
    c.forced = s->default_structure;
    memcpy(c.nd, pdq, 32);
    r->nraw = 0;
    return collect(r, &c, radius);
}

/* A hash of dihedral variant 0 followed by its 7 exact variants, as
 * hm_hash_file returns them with HM_WANT_DIHEDRAL. */
static int exact_group(const hm_hash *q, size_t i, size_t n) {
    const unsigned base = q[i].variant;
    if ((base & 7u) != 0 || i + 8 > n) return 0;
    for (unsigned v = 1; v < 8; v++)
        if (q[i + v].type != q[i].type || q[i + v].variant != (base | v))
            return 0;
    return 1;
}

size_t hm_ix_needles(const hm_hash *q, size_t i, size_t n, unsigned flags, uint64_t *nd,
                     unsigned *nv) {
    const hm_hash *h = &q[i];
    const unsigned words = (hm_hash_bits(h->type) + 63) / 64;
    size_t take = 1;
    memset(nd, 0, HM_NEEDLE_WORDS * sizeof *nd);
    memcpy(nd, h->bytes, hm_hash_bits(h->type) / 8);
    *nv = 1;
    const int exact = (flags & HM_QUERY_DIHEDRAL) &&
                      (HM_TYPE_BIT(h->type) & HM_TYPES_PIXEL) && exact_group(q, i, n);
    /* pHash and dHash variants cannot be derived from their bits: without
     * the exact ones such a query is matched as it is */
    if (exact || ((flags & HM_QUERY_DIHEDRAL) && hm_variant_derivable(h->type))) {
        *nv = 8;
        for (unsigned v = 1; v < 8; v++) {
            uint8_t *dst = (uint8_t *)(nd + v * words);
            if (exact) memcpy(dst, q[i + v].bytes, hm_hash_bits(h->type) / 8);
            else hm_variant_from_bits(h->type, h->bytes, (int)v, dst);
        }
        if (exact) take = 8;
    }
    return take;
}

int hm_ix_check_hashes(const hm_hash *q, size_t n, int radius) {
    for (size_t i = 0; i < n; i++) {
        const unsigned bits = hm_hash_bits(q[i].type);
        if (!bits)
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "query %zu has unknown hash type %d", i, (int)q[i].type);
        if (radius > (int)bits)
            return hm_fail(HM_E_INVALID_ARGUMENT,
                           "radius %d is above the %u bits of query %zu (%s)",
                           radius, bits, i, hm_hash_type_name(q[i].type));
    }
    return HM_OK;
}

int hm_ix_pdq_gated(const hm_hash *h, int min_quality) {
    return h->type == HM_HASH_PDQ && h->quality >= 0 && h->quality < min_quality;
}

void hm_ix_results_hold(hm_results *r, hm_snapshot *s) {
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    hm_snapshot_release(r->snap);
    r->snap = s;
}

int hm_ix_snapshot_query(hm_snapshot *s, const hm_hash *q, size_t n,
                         const hm_query_opts *opts, const int *radii, int counted,
                         hm_results *r) {
    hm_query_opts defaults;
    uint64_t groups = 0;
    int st = HM_OK;
    if (!r) return hm_fail(HM_E_INVALID_ARGUMENT, "results is NULL");
    hm_results_clear(r);
    if (!s || (!q && n))
        return hm_fail(HM_E_INVALID_ARGUMENT, "NULL snapshot or queries");
    if (!opts) {
        hm_query_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->radius < -1 || opts->radius > 256)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "radius %d out of range (-1 or 0..256)", opts->radius);
    if (opts->structure < HM_STRUCT_AUTO || opts->structure > HM_STRUCT_BKTREE)
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown structure %d",
                       opts->structure);
    if (opts->flags & ~HM_QUERY_DIHEDRAL)
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown query flags 0x%x",
                       opts->flags & ~HM_QUERY_DIHEDRAL);
    if ((st = hm_ix_check_hashes(q, n, opts->radius)) != HM_OK) return st;
    /* the results now point into this snapshot */
    hm_ix_results_hold(r, s);
    qctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.o = opts;
    c.forced = opts->structure != HM_STRUCT_AUTO ? opts->structure : s->default_structure;
    c.uncounted = !counted;
    c.radii = radii;
    for (size_t i = 0; i < n && st == HM_OK;) {
        c.type = q[i].type;
        c.knn = 0;
        const size_t take = hm_ix_needles(q, i, n, opts->flags, c.nd, &c.nv);
        groups++;
        if (!hm_ix_pdq_gated(&q[i], opts->min_quality)) st = run_group(r, &c, (uint32_t)i);
        i += take;
    }
    if (counted) {
        atomic_fetch_add_explicit(&s->shared->queries, groups, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->shared->hits, r->n, memory_order_relaxed);
    }
    if (st != HM_OK) {
        r->n = 0;
        return hm_fail(st, "out of memory during the query");
    }
    return HM_OK;
}

hm_status hm_snapshot_query(hm_snapshot *s, const hm_hash *q, size_t n,
                            const hm_query_opts *opts, hm_results *r) {
    return HM_CALL(hm_ix_snapshot_query(s, q, n, opts, NULL, 1, r));
}

int hm_ix_query_begin(hm_index *idx, hm_results *r, hm_snapshot **s) {
    *s = NULL;
    if (!r) return hm_fail(HM_E_INVALID_ARGUMENT, "results is NULL");
    if (!idx) {
        hm_results_clear(r);
        return hm_fail(HM_E_INVALID_ARGUMENT, "index is NULL");
    }
    *s = hm_ix_acquire(idx);
    return HM_OK;
}

static int index_query(hm_index *idx, const hm_hash *q, size_t n, const hm_query_opts *opts,
                       hm_results *r) {
    hm_snapshot *s;
    int st = hm_ix_query_begin(idx, r, &s);
    if (st == HM_OK) st = hm_ix_snapshot_query(s, q, n, opts, NULL, 1, r);
    hm_snapshot_release(s); /* the results keep their own reference */
    return st;
}

hm_status hm_index_query(hm_index *idx, const hm_hash *q, size_t n,
                         const hm_query_opts *opts, hm_results *r) {
    return HM_CALL(index_query(idx, q, n, opts, r));
}
