/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pillow's grey conversion and LANCZOS resize, reproduced exactly so that
 * aHash/dHash/pHash equal Python imagehash's (facts: docs/format.md); the
 * same resize with a BILINEAR (triangle) filter shrinks images for
 * HM_WANT_ROTATIONS.
 *
 * Resize is separable, horizontal pass first into an 8-bit intermediate,
 * with per-output double-precision Lanczos-3 weights normalised to sum 1
 * and then rounded to 22-bit fixed point.  Integer accumulation makes the
 * result independent of summation order, so the inner loop may be
 * vectorised freely.
 */
#include "pillow.h"

#include <math.h>
#include <stdlib.h>

#include "../common/common.h"

#define PRECISION_BITS (32 - 8 - 2)
#define LANCZOS_SUPPORT 3.0
#define BILINEAR_SUPPORT 1.0

static double sinc(double x) {
    if (x == 0.0) return 1.0;
    x *= M_PI;
    return sin(x) / x;
}

static double lanczos(double x) {
    if (-3.0 <= x && x < 3.0) return sinc(x) * sinc(x / 3.0);
    return 0.0;
}

static double triangle(double x) {
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

void hm_pillow_axis_free(hm_pillow_axis *a) {
    free(a->bounds);
    free(a->k);
    a->bounds = NULL;
    a->k = NULL;
}

int hm_pillow_axis_init(hm_pillow_axis *a, int in, int out, hm_pillow_filter f) {
    double scale = (double)((float)in - 0.0f) / out;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double (*const filter)(double) = f == HM_PILLOW_BILINEAR ? triangle : lanczos;
    double support = (f == HM_PILLOW_BILINEAR ? BILINEAR_SUPPORT : LANCZOS_SUPPORT) * filterscale;
    double *w;
    a->in = in;
    a->out = out;
    a->ksize = (int)ceil(support) * 2 + 1;
    a->bounds = malloc((size_t)out * 2 * sizeof(int));
    a->k = malloc((size_t)out * (size_t)a->ksize * sizeof(int32_t));
    w = malloc((size_t)a->ksize * sizeof(double));
    if (!a->bounds || !a->k || !w) {
        free(w);
        hm_pillow_axis_free(a);
        return HM_E_NO_MEMORY;
    }
    for (int xx = 0; xx < out; xx++) {
        double center = 0.0 + (xx + 0.5) * scale;
        double ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        int xmax = (int)(center + support + 0.5);
        int32_t *k = a->k + (size_t)xx * (size_t)a->ksize;
        if (xmin < 0) xmin = 0;
        if (xmax > in) xmax = in;
        xmax -= xmin;
        for (int x = 0; x < xmax; x++) {
            w[x] = filter((x + xmin - center + 0.5) * ss);
            ww += w[x];
        }
        for (int x = 0; x < a->ksize; x++) {
            double v = 0.0;
            if (x < xmax) v = ww != 0.0 ? w[x] / ww : w[x];
            k[x] = v < 0 ? (int32_t)(-0.5 + v * (1 << PRECISION_BITS))
                         : (int32_t)(0.5 + v * (1 << PRECISION_BITS));
        }
        a->bounds[2 * xx] = xmin;
        a->bounds[2 * xx + 1] = xmax;
    }
    free(w);
    return HM_OK;
}

static inline uint8_t clip8(int32_t v) {
    if (v >= (1 << PRECISION_BITS << 8)) return 255;
    if (v <= 0) return 0;
    return (uint8_t)(v >> PRECISION_BITS);
}

HM_CLONES static int32_t dot_u8_i32(const uint8_t *p, const int32_t *k,
                                    int n) {
    int32_t s = 0;
    for (int x = 0; x < n; x++) s += (int32_t)p[x] * k[x];
    return s;
}

void hm_pillow_hpass(const hm_pillow_axis *a, const uint8_t *in,
                     uint8_t *out) {
    for (int xx = 0; xx < a->out; xx++) {
        const int xmin = a->bounds[2 * xx], n = a->bounds[2 * xx + 1];
        const int32_t *k = a->k + (size_t)xx * (size_t)a->ksize;
        out[xx] = clip8((1 << (PRECISION_BITS - 1)) + dot_u8_i32(in + xmin, k, n));
    }
}

void hm_pillow_vpass(const hm_pillow_axis *a, const uint8_t *src, int w,
                     uint8_t *dst) {
    for (int yy = 0; yy < a->out; yy++) {
        const int ymin = a->bounds[2 * yy], n = a->bounds[2 * yy + 1];
        const int32_t *k = a->k + (size_t)yy * (size_t)a->ksize;
        for (int x = 0; x < w; x++) {
            int32_t s = 1 << (PRECISION_BITS - 1);
            for (int y = 0; y < n; y++)
                s += (int32_t)src[(size_t)(ymin + y) * (size_t)w + (size_t)x] *
                     k[y];
            dst[(size_t)yy * (size_t)w + (size_t)x] = clip8(s);
        }
    }
}

void hm_pillow_l_row(const uint8_t *in, int n, int bpp, int channels,
                     uint8_t *out) {
    if (channels == 1) {
        for (int x = 0; x < n; x++) out[x] = in[(size_t)x * bpp];
        return;
    }
    /* ITU-R 601-2 in 16.16 fixed point, rounded (Pillow >= 7.0 "L24") */
    for (int x = 0; x < n; x++) {
        const uint8_t *p = in + (size_t)x * bpp;
        out[x] = (uint8_t)((p[0] * 19595u + p[1] * 38470u + p[2] * 7471u +
                            0x8000u) >> 16);
    }
}
