/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TMK level-1 filter (internal): a growable set of known videos'
 * pure-average features (level 1) and a query that returns every one
 * whose level-1 score (hm_tmk_level1) against a query reaches a
 * threshold, exactly the set a scan of every pair with hm_tmk_level1
 * gives, ties included, with those scores (hm_tmk_level1's bits).  The
 * caller then scores level 2 for these survivors only.
 *
 * Each feature is kept twice: its 256 floats (for the exact scores) and a
 * compact form, the feature's direction quantised to 256 int8 with a
 * step and a bound of the quantisation error (264 bytes).  A query
 * streams the compact forms only (a quarter of the floats' bytes), bounds
 * each score from above, and computes hm_tmk_level1 for the features
 * whose bound reaches the threshold.  The bound and its proof:
 * tmk_filter.c; the design: docs/tmk.md ("The level-1 filter").
 */
#ifndef HM_TMK_FILTER_H
#define HM_TMK_FILTER_H

#include "tmk.h"

typedef struct hm_tmk_filter hm_tmk_filter;

/* A match: the feature's position (in the order added) and its level-1
 * score, hm_tmk_level1(query, feature). */
typedef struct hm_tmk_l1_hit {
    uint32_t idx;
    float level1;
} hm_tmk_l1_hit;

/* What a query did (for tests and benchmarks). */
typedef struct hm_tmk_filter_stats {
    size_t candidates; /* features scored exactly (bound >= threshold) */
    int exact_scan;    /* 1: the query was scored against every feature */
} hm_tmk_filter_stats;

/* An empty set; NULL when out of memory. */
hm_tmk_filter *hm_tmk_filter_new(void);
void hm_tmk_filter_free(hm_tmk_filter *f);
/* Append a feature (it gets position hm_tmk_filter_count() before the
 * call).  HM_E_INVALID_ARGUMENT (hm_fail) for a non-finite value or a set
 * of 2^32 - 1 features; HM_E_NO_MEMORY, the set unchanged. */
int hm_tmk_filter_add(hm_tmk_filter *f, const float avg[HM_TMK_DIM]);
/* Make room for `n` features in all (a build's known count). */
int hm_tmk_filter_reserve(hm_tmk_filter *f, size_t n);
size_t hm_tmk_filter_count(const hm_tmk_filter *f);
/* The floats of feature i (i < count). */
const float *hm_tmk_filter_avg(const hm_tmk_filter *f, size_t i);
/* Bytes the set holds per feature (floats and compact form). */
size_t hm_tmk_filter_bytes_per_feature(void);

/* The bound's kernel has a set per SIMD level (simd.h): 1 when the set of
 * `level` is usable here. */
int hm_tmk_filter_usable(hm_simd_level level);

/* Every feature i with hm_tmk_level1(q, feature i) >= threshold, in
 * increasing i, into *hits from its start (a growable array of capacity
 * *cap, hm_reserve's, reused across queries; *n hits on return; the
 * caller frees *hits), using the
 * kernel set of `level` (hm_simd_best(hm_tmk_filter_usable) for the
 * best).  st may be NULL.  HM_E_INVALID_ARGUMENT (hm_fail) for a
 * non-finite q or threshold or a level not usable here; HM_E_NO_MEMORY
 * (the hits found so far kept). */
int hm_tmk_filter_query(const hm_tmk_filter *f, const float q[HM_TMK_DIM], float threshold,
                        hm_simd_level level, hm_tmk_l1_hit **hits, size_t *n, size_t *cap,
                        hm_tmk_filter_stats *st);

/* For the tests: the upper bound of hm_tmk_level1(q, feature i) the
 * query computes (+inf for a query it scans exactly: zero or outside the
 * bound's range). */
float hm_tmk_filter_bound(const hm_tmk_filter *f, const float q[HM_TMK_DIM], size_t i);

#endif
