/* SPDX-License-Identifier: BSD-3-Clause */
/* Synthetic TMK level-1 features; see bench_tmk_synth.h. */
#include "bench_tmk_synth.h"

#include <math.h>
#include <string.h>

#define D BENCH_TMK_DIM

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static const float (*g_real)[D];
static int g_nreal;
static double g_rms[D];

uint64_t bench_rnd(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
double bench_uni01(void) { return (double)((bench_rnd() >> 11) + 1) * 0x1p-53; }
double bench_gauss(void) {
    return sqrt(-2.0 * log(bench_uni01())) * cos(6.283185307179586 * bench_uni01());
}

static double sumsq(const float *v) {
    double s = 0;
    for (int k = 0; k < D; k++) s += (double)v[k] * v[k];
    return s;
}

void bench_tmk_synth_init(const float (*real)[D], int nreal) {
    g_real = real;
    g_nreal = nreal;
    memset(g_rms, 0, sizeof g_rms);
    for (int i = 0; i < nreal; i++) {
        const double nn = sumsq(real[i]);
        for (int k = 0; k < D; k++) g_rms[k] += (double)real[i][k] * real[i][k] / nn / nreal;
    }
    /* flattened halfway to white */
    for (int k = 0; k < D; k++) g_rms[k] = sqrt(0.5 * g_rms[k] + 0.5 / D);
}

int bench_tmk_synth_known(float *out) {
    const int src = (int)(bench_rnd() % (uint64_t)g_nreal);
    const float *r = g_real[src];
    const double nr = sqrt(sumsq(r));
    const double w = 0.25 * bench_uni01(), scale = 500.0 + 4000.0 * bench_uni01();
    for (int k = 0; k < D; k++)
        out[k] = (float)(scale * (w * r[k] / nr + (1.0 - w) * g_rms[k] * bench_gauss()));
    return src;
}

void bench_tmk_synth_copy(const float *base, float *out) {
    const double noise = 1.2 * bench_uni01() * sqrt(sumsq(base));
    for (int k = 0; k < D; k++) out[k] = (float)(base[k] + noise * g_rms[k] * bench_gauss());
}
