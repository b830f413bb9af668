/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Synthetic TMK+PDQF level-1 features with realistic correlation, shared by
 * bench_tmk_filter and bench_tmk_index (issue #16; RESULTS.md, "TMK
 * level-1 filter", gives the score distributions they produce).
 *
 * A known video is a random mixture of one real feature's direction
 * (weight w uniform in [0, 0.25]) and Gaussian noise shaped like the real
 * features (per coefficient, their RMS, flattened halfway to white),
 * scaled to 500 to 4,500 (the real averages' norms), so that unrelated
 * videos score as real unrelated pairs do.  A query "copy" is a known
 * feature plus noise of up to 1.2 times its norm (level-1 scores of 0.5
 * to 1 against it).  One deterministic generator (xorshift64) drives it
 * all, so a run is reproducible.
 */
#ifndef HM_BENCH_TMK_SYNTH_H
#define HM_BENCH_TMK_SYNTH_H

#include <stdint.h>

#define BENCH_TMK_DIM 256

uint64_t bench_rnd(void);
/* Uniform in (0, 1]. */
double bench_uni01(void);
double bench_gauss(void);

/* The noise's shape from `nreal` real features (nreal >= 1). */
void bench_tmk_synth_init(const float (*real)[BENCH_TMK_DIM], int nreal);
/* A synthetic known feature into out; returns the index of the real
 * feature whose direction it mixes in. */
int bench_tmk_synth_known(float *out);
/* A perturbed copy of `base` into out. */
void bench_tmk_synth_copy(const float *base, float *out);

#endif
