/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The model of hm_index_decide's fused score (docs/matching.md): for each
 * perceptual type, the mean and standard deviation of the distance
 * between unrelated images, and the correlations of those distances
 * between types.  Measured by bench/robustness/policy.py (`calibrate`) on
 * the robustness corpus: 233 photos, 5,825 queries (originals and edited
 * copies), 1,320,750 unrelated pairs, libhashmatch git 10984fe, 2026-12-07.
 * The fused-score thresholds that go with it are HM_DECIDE_SCORE_FPR_* in
 * include/hashmatch.h, and the tightening per comparison below; all three
 * are measured together, so change them together.
 */
#ifndef HM_INDEX_POLICY_MODEL_H
#define HM_INDEX_POLICY_MODEL_H

#include "hashmatch.h"

/* The perceptual types the score fuses, in the order of the tables. */
#define HM_FUSED_TYPES 4
static const int hm_fused_type[HM_FUSED_TYPES] = {HM_HASH_PDQ, HM_HASH_PHASH,
                                                  HM_HASH_DHASH, HM_HASH_AHASH};
static const double hm_fused_mean[HM_FUSED_TYPES] = {127.87, 31.25, 30.85, 30.71};
static const double hm_fused_sd[HM_FUSED_TYPES] = {8.24, 4.15, 5.36, 7.79};
/* Every correlation is >= 0: hm_index_decide's search radii rely on it. */
static const double hm_fused_corr[HM_FUSED_TYPES][HM_FUSED_TYPES] = {
    {1.000, 0.336, 0.130, 0.047},
    {0.336, 1.000, 0.290, 0.254},
    {0.130, 0.290, 1.000, 0.356},
    {0.047, 0.254, 0.356, 1.000},
};
/* The threshold for m comparisons of one type: max_score - this x ln(m)
 * (measured: 8 dihedral variants -6.03, 9 crops of 90% plus the plain
 * hash -6.09, against -5.52 for one). */
#define HM_FUSED_PER_LN_COMPARISONS 0.25

#endif
