/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF aggregation, bit for bit as the reference (ThreatExchange
 * tmk/cpp/algo/tmkfv.cpp; facts in docs/tmk.md), written from the
 * algorithm's description.  The types decide the last bits, so they are
 * the reference's: frame features, averages, norms and the final
 * features are float; the Fourier weights of frame t are double
 * (cos and sin of 2*pi*j*t/T), and a frame's weighted contribution is
 * added in double to the float accumulator and rounded back to float.
 * Sums run in the reference's order (sequentially over the 256
 * coefficients); the loops across coefficients vectorise without
 * changing any element's arithmetic (FMA contraction is off).
 */
#include <math.h>
#include <string.h>

#include "../hash/hash.h"
#include "tmk.h"

const int32_t hm_tmk_periods[HM_TMK_PERIODS] = {2731, 4391, 9767, 14653};

/* The "Poullot" coefficients a_j = I_j(32) / sinh(32) (a_0 halved, less
 * e^-32), as the reference tabulates them (as floats). */
const float hm_tmk_coeffs[HM_TMK_COEFFS] = {
    0.0708041893112f,   0.13937789309f,     0.132897260304f,    0.122765735552f,
    0.109878684888f,    0.09529606433f,     0.0800986647852f,   0.0652590650356f,
    0.0515478238322f,   0.0394851531195f,   0.0293374252025f,   0.0211492623679f,
    0.0147973073245f,   0.0100512818746f,   0.0066306408014f,   0.00424947117334f,
    0.0026467615764f,   0.00160270959695f,  0.000943882629639f, 0.000540841638603f,
    0.000301633183798f, 0.000163800158855f, 8.66454753015e-05f, 4.46626303151e-05f,
    2.24429442235e-05f, 1.09982139799e-05f, 5.25823487999e-06f, 2.45358229988e-06f,
    1.11781474895e-06f, 4.97406489221e-07f, 2.16265487234e-07f, 9.19087006565e-08f};

static const double kPi = 3.14159265358979323846;

/* The reference's vector norm: float squares summed in order, float root. */
static float norm(const float *v) {
    float s = 0.0f;
    for (int k = 0; k < HM_TMK_DIM; k++) s += v[k] * v[k];
    return sqrtf(s);
}

static void scale_down(float *v, float by) {
    for (int k = 0; k < HM_TMK_DIM; k++) v[k] /= by;
}

static void l2_normalise(float *v) {
    const float n = norm(v);
    if (n > 0.0f) scale_down(v, n);
}

void hm_tmk_begin(hm_tmk *t) { memset(t, 0, sizeof *t); }

/* acc += f * w, each element through double (the reference's float +=
 * float * double). */
static void add_weighted(float *restrict acc, const float *restrict f, double w) {
    for (int k = 0; k < HM_TMK_DIM; k++) acc[k] = (float)((double)acc[k] + (double)f[k] * w);
}

void hm_tmk_add_feature(hm_tmk *t, const float f[HM_TMK_DIM]) {
    float unit[HM_TMK_DIM];
    const double frame = (double)t->frames;
    for (int k = 0; k < HM_TMK_DIM; k++) t->avg[k] += f[k];
    memcpy(unit, f, sizeof unit);
    l2_normalise(unit);
    for (int p = 0; p < HM_TMK_PERIODS; p++) {
        for (int k = 0; k < HM_TMK_DIM; k++) t->cos[p][0][k] += unit[k];
        for (int j = 1; j < HM_TMK_COEFFS; j++) {
            const double arg = 2.0 * kPi * (double)j * frame / (double)hm_tmk_periods[p];
            add_weighted(t->cos[p][j], unit, cos(arg));
            add_weighted(t->sin[p][j], unit, sin(arg));
        }
    }
    t->frames++;
}

void hm_tmk_add_frame(hm_tmk *t, hm_simd_level level, const uint8_t *rgb) {
    float f[HM_TMK_DIM]; /* the 16x16 coefficients, row by row */
    hm_pdqf(level, rgb, (size_t)HM_TMK_FRAME_SIDE * 3, (float(*)[16])f);
    hm_tmk_add_feature(t, f);
}

void hm_tmk_finish(hm_tmk *t) {
    if (t->frames <= 0) return; /* the reference leaves every feature zero */
    scale_down(t->avg, (float)t->frames);
    for (int p = 0; p < HM_TMK_PERIODS; p++)
        for (int j = 0; j < HM_TMK_COEFFS; j++) {
            const float w = sqrtf(hm_tmk_coeffs[j]);
            l2_normalise(t->cos[p][j]);
            l2_normalise(t->sin[p][j]);
            for (int k = 0; k < HM_TMK_DIM; k++) {
                t->cos[p][j][k] *= w;
                t->sin[p][j][k] *= w;
            }
        }
}
