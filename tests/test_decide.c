/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hm_index_decide against a brute-force oracle: every known item is read
 * and decided by the rules of the header, written here a second time, and
 * the library's decisions (found through its candidate searches) must be
 * exactly the oracle's: the same items, rules, distances, scores and
 * thresholds.  Items are made near the queries in every mix of types, so
 * that matches and misses by each rule, and fused scores on both sides of
 * the threshold, all occur (counted and checked).  Also: PDQ-only lists
 * match exactly as hm_index_query does, exact dihedral groups, digests,
 * removed entries, disabled lists, and the arguments.
 */
#include <math.h>

#include "test_util.h"
#include "index/policy_model.h"

#define NITEMS 400
#define MAXE 3 /* entries of one type an item may have */

static const int PERC[4] = {HM_HASH_PDQ, HM_HASH_PHASH, HM_HASH_DHASH, HM_HASH_AHASH};

typedef struct item {
    char id[16];
    uint32_t list;
    int removed;
    int n[HM_HASH_TYPE_MAX + 1];
    hm_hash h[HM_HASH_TYPE_MAX + 1][MAXE];
} item;

static item g_items[NITEMS];

/* A copy of `src` with `flips` distinct bits flipped. */
static void flip(hm_hash *dst, const hm_hash *src, unsigned flips) {
    const unsigned bits = hm_hash_bits(src->type);
    *dst = *src;
    for (unsigned done = 0; done < flips;) {
        const unsigned b = (unsigned)(test_rand() % bits);
        const uint8_t m = (uint8_t)(1u << (b & 7));
        hm_hash tmp = *dst;
        tmp.bytes[b >> 3] ^= m;
        if (hm_hash_distance(&tmp, src) == (int)done + 1) {
            *dst = tmp;
            done++;
        }
    }
}

/* Distances near the fused threshold for a type: the mean minus 1 to 4.5
 * standard deviations, now and then a very close or an unrelated one. */
static unsigned near_flips(int k) {
    const unsigned r = (unsigned)(test_rand() % 10);
    if (r == 0) return (unsigned)(test_rand() % 4);
    if (r == 1) return (unsigned)hm_fused_mean[k];
    const double z = 1.0 + (double)(test_rand() % 1000) / 1000.0 * 3.5;
    const double d = hm_fused_mean[k] - z * hm_fused_sd[k];
    return d < 0 ? 0 : (unsigned)d;
}

/* The rules of hm_index_decide, from the header. */
typedef struct oracle {
    int rule;
    uint32_t types, agreed, comparisons;
    int32_t dist[HM_HASH_TYPE_SLOTS];
    double score, thr;
} oracle;

static oracle decide(const item *it, const hm_hash *q, size_t nq, const int thr[],
                     double max_score) {
    oracle o;
    memset(&o, 0, sizeof o);
    for (int t = 0; t < HM_HASH_TYPE_SLOTS; t++) o.dist[t] = -1;
    int nqt[HM_HASH_TYPE_MAX + 1] = {0};
    for (size_t i = 0; i < nq; i++) {
        if (q[i].type == HM_HASH_PDQ && q[i].quality >= 0 &&
            q[i].quality < HM_DEFAULT_PDQ_MIN_QUALITY)
            continue;
        nqt[q[i].type]++;
        for (int e = 0; e < it->n[q[i].type]; e++) {
            int d = hm_hash_distance(&q[i], &it->h[q[i].type][e]);
            if (q[i].type == HM_HASH_MD5 || q[i].type == HM_HASH_SHA256) d = d != 0;
            if (o.dist[q[i].type] < 0 || d < o.dist[q[i].type]) o.dist[q[i].type] = d;
        }
    }
    int exact = 0;
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        if (!nqt[t] || !it->n[t]) continue;
        o.types |= HM_TYPE_BIT(t);
        if (o.dist[t] <= thr[t]) o.agreed |= HM_TYPE_BIT(t);
        if (t == HM_HASH_MD5 || t == HM_HASH_SHA256) exact |= o.dist[t] == 0;
        else if ((uint32_t)(nqt[t] * it->n[t]) > o.comparisons)
            o.comparisons = (uint32_t)(nqt[t] * it->n[t]);
    }
    double sum = 0, var = 0;
    int nperc = 0;
    for (int j = 0; j < 4; j++) {
        if (!(o.types & HM_TYPE_BIT(PERC[j]))) continue;
        nperc++;
        sum += (o.dist[PERC[j]] - hm_fused_mean[j]) / hm_fused_sd[j];
        for (int k = 0; k < 4; k++)
            if (o.types & HM_TYPE_BIT(PERC[k])) var += hm_fused_corr[j][k];
    }
    o.score = nperc ? sum / sqrt(var) : NAN;
    o.thr = max_score - HM_FUSED_PER_LN_COMPARISONS * log(o.comparisons ? o.comparisons : 1);
    if (exact) o.rule = HM_RULE_EXACT;
    else if (o.agreed & HM_TYPE_BIT(HM_HASH_PDQ)) o.rule = HM_RULE_PDQ;
    else if (nperc == 1) o.rule = (o.agreed & o.types & HM_TYPES_PERCEPTUAL) ? HM_RULE_SINGLE : 0;
    else if (nperc >= 2 && o.score <= o.thr) o.rule = HM_RULE_FUSED;
    return o;
}

static int g_by_rule[5], g_fused_miss;
static uint32_t g_lb; /* the list that is disabled, with its own pHash threshold */

/* The library's decisions for q equal the oracle's over every item. */
static void check_query(hm_index *idx, hm_results *res, const hm_hash *q, size_t nq,
                        const hm_decide_opts *opts, int thr[2][HM_HASH_TYPE_MAX + 1],
                        int include_b) {
    CHECK_INT(hm_index_decide(idx, q, nq, opts, res), HM_OK);
    size_t expected = 0;
    for (int i = 0; i < NITEMS; i++) {
        const item *it = &g_items[i];
        if (it->removed || (it->list == g_lb && !include_b)) continue;
        const oracle o = decide(it, q, nq, thr[it->list == g_lb],
                                opts ? opts->max_score : HM_DECIDE_SCORE_FPR_1E4);
        const hm_decision *d = NULL;
        for (size_t j = 0; j < hm_results_decision_count(res); j++) {
            const hm_decision *x = hm_results_decision_get(res, j);
            if (x->list == it->list && !strcmp(x->entry_id, it->id)) d = x;
        }
        if (!o.rule) {
            if (d) fprintf(stderr, "item %s: decided %d, the oracle says no match\n", it->id, d->rule);
            CHECK(d == NULL);
            if (!isnan(o.score) && o.score > o.thr && (o.types & HM_TYPES_PERCEPTUAL)) g_fused_miss++;
            continue;
        }
        expected++;
        g_by_rule[o.rule]++;
        if (!d) fprintf(stderr, "item %s: not decided, the oracle says rule %d (score %.3f <= %.3f)\n",
                        it->id, o.rule, o.score, o.thr);
        CHECK(d != NULL);
        if (!d) continue;
        CHECK_INT(d->rule, o.rule);
        CHECK_INT(d->types, o.types);
        CHECK_INT(d->agreed, o.agreed);
        CHECK_INT(d->comparisons, o.comparisons);
        CHECK(memcmp(d->distance, o.dist, sizeof o.dist) == 0);
        CHECK(isnan(o.score) ? isnan(d->score) : fabs(d->score - o.score) < 1e-9);
        CHECK(fabs(d->threshold - o.thr) < 1e-9);
    }
    CHECK_INT(hm_results_decision_count(res), expected);
    CHECK_INT(hm_results_count(res), 0);
    /* ordered by rule, then score */
    for (size_t j = 1; j < hm_results_decision_count(res); j++) {
        const hm_decision *a = hm_results_decision_get(res, j - 1), *b = hm_results_decision_get(res, j);
        CHECK(a->rule < b->rule || (a->rule == b->rule && (isnan(b->score) || a->score <= b->score)));
    }
}

static void test_oracle(void) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    uint32_t la, lb;
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_results_create(&res), HM_OK);
    CHECK_INT(hm_index_list(idx, "a", &la), HM_OK);
    CHECK_INT(hm_index_list(idx, "b", &lb), HM_OK);
    g_lb = lb;
    CHECK_INT(hm_index_list_set_threshold(idx, lb, HM_HASH_PHASH, 14), HM_OK);
    int thr[2][HM_HASH_TYPE_MAX + 1];
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) thr[0][t] = thr[1][t] = hm_default_threshold(t);
    thr[1][HM_HASH_PHASH] = 14;

    enum { NQ = 60 };
    hm_hash base[NQ][4];
    for (int b = 0; b < NQ; b++)
        for (int k = 0; k < 4; k++) test_random_hash(&base[b][k], PERC[k]);
    for (int i = 0; i < NITEMS; i++) {
        item *it = &g_items[i];
        snprintf(it->id, sizeof it->id, "item%d", i);
        it->list = (i % 7 == 0) ? lb : la;
        const int b = (int)(test_rand() % NQ);
        /* which types: all four, PDQ only, pHash only, PDQ + pHash, three */
        const unsigned mix = (unsigned)(test_rand() % 6);
        for (int k = 0; k < 4; k++) {
            const int want = mix == 0 || mix == 5 || (mix == 1 && k == 0) || (mix == 2 && k == 1) ||
                             (mix == 3 && k < 2) || (mix == 4 && k != 3);
            if (!want) continue;
            const int ne = test_rand() % 5 == 0 ? 1 + (int)(test_rand() % MAXE) : 1;
            for (int e = 0; e < ne; e++) {
                hm_hash *h = &it->h[PERC[k]][it->n[PERC[k]]];
                flip(h, &base[b][k], near_flips(k));
                int dup = 0;
                for (int x = 0; x < it->n[PERC[k]]; x++)
                    dup |= !memcmp(it->h[PERC[k]][x].bytes, h->bytes, sizeof h->bytes);
                if (dup) continue;
                CHECK_INT(hm_index_add(idx, it->list, h, it->id, "lab"), HM_OK);
                it->n[PERC[k]]++;
            }
        }
        if (i % 5 == 0) { /* an MD5 equal to the base's for some */
            hm_hash *h = &it->h[HM_HASH_MD5][0];
            memset(h, 0, sizeof *h);
            h->type = HM_HASH_MD5;
            h->quality = -1;
            memcpy(h->bytes, base[b][0].bytes, 16);
            if (i % 10 == 0) h->bytes[0] ^= 1;
            CHECK_INT(hm_index_add(idx, it->list, h, it->id, NULL), HM_OK);
            it->n[HM_HASH_MD5] = 1;
        }
    }
    CHECK_INT(hm_index_commit(idx), HM_OK);
    /* remove some items: they never match */
    for (int i = 3; i < NITEMS; i += 37) {
        CHECK_INT(hm_index_remove(idx, g_items[i].list, g_items[i].id, NULL), HM_OK);
        g_items[i].removed = 1;
    }
    CHECK_INT(hm_index_list_set_enabled(idx, lb, 0), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);

    hm_decide_opts opts;
    hm_decide_opts_init(&opts);
    CHECK(opts.max_score == HM_DECIDE_SCORE_FPR_1E4);
    for (int b = 0; b < NQ; b++) {
        hm_hash q[5];
        size_t nq = 0;
        for (int k = 0; k < 4; k++) q[nq++] = base[b][k];
        if (b % 5 == 0) q[0].quality = 20; /* PDQ below the gate: not compared */
        if (b % 3 == 0) { /* the MD5 too */
            memset(&q[nq], 0, sizeof q[nq]);
            q[nq].type = HM_HASH_MD5;
            q[nq].quality = -1;
            memcpy(q[nq].bytes, base[b][0].bytes, 16);
            nq++;
        }
        opts.include_disabled = b % 2;
        check_query(idx, res, q, nq, &opts, thr, b % 2);
        if (b % 4 == 0) { /* fewer types in the query */
            check_query(idx, res, q + 1, 2, &opts, thr, b % 2);
            check_query(idx, res, q, 1, &opts, thr, b % 2);
        }
        if (b % 6 == 0) { /* a stricter and a looser level: other search radii */
            opts.max_score = HM_DECIDE_SCORE_FPR_1E6;
            check_query(idx, res, q, nq, &opts, thr, b % 2);
            opts.max_score = -4.0;
            check_query(idx, res, q, nq, &opts, thr, b % 2);
            opts.max_score = HM_DECIDE_SCORE_FPR_1E4;
        }
    }
    fprintf(stderr, "decisions by rule: exact %d, pdq %d, single %d, fused %d; fused misses %d\n",
            g_by_rule[1], g_by_rule[2], g_by_rule[3], g_by_rule[4], g_fused_miss);
    for (int r = 1; r <= 4; r++) CHECK(g_by_rule[r] > 5);
    CHECK(g_fused_miss > 20);
    hm_results_free(res);
    hm_index_free(idx);
}

/* A list of PDQ hashes only: the decisions are the items hm_index_query
 * matches, by PDQ's rule. */
static void test_pdq_only(void) {
    hm_index *idx = NULL;
    hm_results *res = NULL, *hits = NULL;
    uint32_t l;
    hm_hash base, h;
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_results_create(&res), HM_OK);
    CHECK_INT(hm_results_create(&hits), HM_OK);
    CHECK_INT(hm_index_list(idx, "gifct", &l), HM_OK);
    test_random_hash(&base, HM_HASH_PDQ);
    for (int i = 0; i < 200; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        flip(&h, &base, (unsigned)(test_rand() % 70));
        CHECK_INT(hm_index_add(idx, l, &h, id, NULL), HM_OK);
    }
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_hash q[4];
    q[0] = base;
    test_random_hash(&q[1], HM_HASH_PHASH); /* types the list lacks change nothing */
    test_random_hash(&q[2], HM_HASH_DHASH);
    test_random_hash(&q[3], HM_HASH_AHASH);
    CHECK_INT(hm_index_query(idx, q, 1, NULL, hits), HM_OK);
    CHECK_INT(hm_index_decide(idx, q, 4, NULL, res), HM_OK);
    CHECK(hm_results_count(hits) > 20);
    CHECK_INT(hm_results_decision_count(res), hm_results_count(hits));
    /* a decision counts as one query, its decisions as hits, in the index's
     * and the list's counters; its candidate searches count nothing */
    const hm_index_stats before = test_stats(idx);
    hm_list_info li0, li1;
    hm_snapshot *snap = NULL;
    CHECK_INT(hm_index_acquire(idx, &snap), HM_OK);
    CHECK_INT(hm_snapshot_list_info(snap, l, &li0), HM_OK);
    CHECK_INT(hm_index_decide(idx, q, 4, NULL, res), HM_OK);
    const hm_index_stats after = test_stats(idx);
    CHECK_INT(hm_snapshot_list_info(snap, l, &li1), HM_OK);
    hm_snapshot_release(snap);
    CHECK_INT(after.queries - before.queries, 1);
    CHECK_INT(after.hits - before.hits, hm_results_decision_count(res));
    CHECK_INT(li1.hits - li0.hits, hm_results_decision_count(res));
    for (size_t i = 0; i < hm_results_count(hits); i++) {
        const hm_match *m = hm_results_get(hits, i);
        int found = 0;
        for (size_t j = 0; j < hm_results_decision_count(res); j++) {
            const hm_decision *d = hm_results_decision_get(res, j);
            if (!strcmp(d->entry_id, m->entry_id)) {
                found = 1;
                CHECK_INT(d->rule, HM_RULE_PDQ);
                CHECK_INT(d->distance[HM_HASH_PDQ], m->distance);
                CHECK_INT(d->types, HM_TYPE_BIT(HM_HASH_PDQ));
                CHECK_INT(d->distance[HM_HASH_PHASH], -1);
            }
        }
        CHECK(found);
    }
    hm_results_free(hits);
    hm_results_free(res);
    hm_index_free(idx);
}

/* HM_QUERY_DIHEDRAL: an item stored turned is found through the query's
 * exact dihedral group of each type; the plain hashes alone miss it. */
static void test_dihedral(void) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    uint32_t l;
    hm_hash q[16];
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_results_create(&res), HM_OK);
    CHECK_INT(hm_index_list(idx, "l", &l), HM_OK);
    for (int g = 0; g < 2; g++) /* pHash and dHash groups of 8 */
        for (int v = 0; v < 8; v++) {
            test_random_hash(&q[g * 8 + v], g ? HM_HASH_DHASH : HM_HASH_PHASH);
            q[g * 8 + v].variant = (uint8_t)v;
        }
    hm_hash a, b;
    flip(&a, &q[5], 11); /* variant 5 of pHash, 11 bits away: alone not within 10 */
    flip(&b, &q[8 + 5], 5);
    CHECK_INT(hm_index_add(idx, l, &a, "turned", NULL), HM_OK);
    CHECK_INT(hm_index_add(idx, l, &b, "turned", NULL), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);
    hm_decide_opts o;
    hm_decide_opts_init(&o);
    const hm_hash plain[2] = {q[0], q[8]};
    CHECK_INT(hm_index_decide(idx, plain, 2, &o, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 0);
    o.flags = HM_QUERY_DIHEDRAL;
    CHECK_INT(hm_index_decide(idx, q, 16, &o, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 1);
    const hm_decision *d = hm_results_decision_get(res, 0);
    CHECK(d != NULL);
    if (d) {
        CHECK_INT(d->rule, HM_RULE_FUSED);
        CHECK_INT(d->distance[HM_HASH_PHASH], 11);
        CHECK_INT(d->distance[HM_HASH_DHASH], 5);
        CHECK_INT(d->comparisons, 8);
        CHECK(fabs(d->threshold - (HM_DECIDE_SCORE_FPR_1E4 - HM_FUSED_PER_LN_COMPARISONS * log(8.0))) < 1e-12);
        CHECK_STR(d->entry_id, "turned", "entry id");
        CHECK_STR(d->list_name, "l", "list name");
        CHECK_INT(d->agreed, HM_TYPE_BIT(HM_HASH_DHASH)); /* dHash 5 is within 10 */
    }
    hm_results_free(res);
    hm_index_free(idx);
}

static void test_arguments(void) {
    hm_index *idx = NULL;
    hm_results *res = NULL;
    hm_decide_opts o;
    hm_hash h;
    test_random_hash(&h, HM_HASH_PDQ);
    CHECK_INT(hm_index_create(&idx), HM_OK);
    CHECK_INT(hm_results_create(&res), HM_OK);
    CHECK_INT(hm_index_decide(NULL, &h, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_decide(idx, &h, 1, NULL, NULL), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_decide(idx, NULL, 1, NULL, res), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_index_decide(idx, NULL, 0, NULL, res), HM_OK);
    CHECK_INT(hm_results_decision_count(res), 0);
    hm_decide_opts_init(&o);
    o.flags = 2;
    CHECK_INT(hm_index_decide(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
    CHECK(strstr(hm_last_error(), "flags") != NULL);
    const double bad[] = {0.0, 1.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        hm_decide_opts_init(&o);
        o.max_score = bad[i];
        CHECK_INT(hm_index_decide(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
        CHECK(strstr(hm_last_error(), "max_score") != NULL);
    }
    hm_decide_opts_init(&o);
    o.reserved[5] = 1;
    CHECK_INT(hm_index_decide(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
    hm_decide_opts_init(&o);
    h.type = 99;
    CHECK_INT(hm_index_decide(idx, &h, 1, &o, res), HM_E_INVALID_ARGUMENT);
    CHECK(hm_results_decision_get(res, 0) == NULL);
    CHECK(hm_results_decision_get(NULL, 0) == NULL);
    CHECK_INT(hm_results_decision_count(NULL), 0);
    hm_decide_opts_init(NULL); /* a no-op */
    hm_results_free(res);
    hm_index_free(idx);
}

int main(void) {
    test_oracle();
    test_pdq_only();
    test_dihedral();
    test_arguments();
    return test_summary("test_decide");
}
