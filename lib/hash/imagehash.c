/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * imagehash 4.x average_hash, dhash and phash (hash_size 8), exact to the
 * Python package with Pillow >= 7: grey "L" conversion, LANCZOS resize to
 * 8x8 / 9x8 / 32x32, then mean, horizontal gradient, or the top-left 8x8
 * of an unnormalised 2-D DCT-II compared with its median.
 *
 * Streaming: each L row goes through the horizontal resize passes at once,
 * so only (output width x height) bytes per target are kept.
 */
#include "imagehash_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pillow.h"

/* RS_DHASH_T: the 8 wide x 9 tall downscale whose transpose is the dHash
 * grid of the image turned by a transposing dihedral variant. */
enum { RS_PHASH, RS_DHASH, RS_AHASH, RS_DHASH_T, RS_COUNT };
static const int kOutW[RS_COUNT] = {32, 9, 8, 8};
static const int kOutH[RS_COUNT] = {32, 8, 8, 9};

typedef struct resize_target {
    int active, need_h, need_v;
    hm_pillow_axis ax_h, ax_v;
    uint8_t *tmp; /* ow x h: rows after the horizontal pass */
} resize_target;

struct hm_ih_stream {
    int w, h, row;
    uint8_t *lrow;
    resize_target t[RS_COUNT];
};

void hm_ih_stream_free(hm_ih_stream *s) {
    if (!s) return;
    for (int i = 0; i < RS_COUNT; i++) {
        hm_pillow_axis_free(&s->t[i].ax_h);
        hm_pillow_axis_free(&s->t[i].ax_v);
        free(s->t[i].tmp);
    }
    free(s->lrow);
    free(s);
}

int hm_ih_stream_create(int w, int h, unsigned types, hm_ih_stream **out) {
    hm_ih_stream *s = calloc(1, sizeof *s);
    static const int kType[RS_COUNT] = {HM_HASH_PHASH, HM_HASH_DHASH,
                                        HM_HASH_AHASH, HM_HASH_DHASH};
    *out = NULL;
    if (!s) return HM_E_NO_MEMORY;
    s->w = w;
    s->h = h;
    s->lrow = malloc((size_t)w);
    if (!s->lrow) goto nomem;
    for (int i = 0; i < RS_COUNT; i++) {
        resize_target *t = &s->t[i];
        if (!(types & HM_TYPE_BIT(kType[i]))) continue;
        if (i == RS_DHASH_T && !(types & HM_WANT_DIHEDRAL)) continue;
        t->active = 1;
        t->need_h = kOutW[i] != w;
        t->need_v = kOutH[i] != h;
        if (t->need_h && hm_pillow_axis_init(&t->ax_h, w, kOutW[i], HM_PILLOW_LANCZOS) != HM_OK)
            goto nomem;
        if (t->need_v && hm_pillow_axis_init(&t->ax_v, h, kOutH[i], HM_PILLOW_LANCZOS) != HM_OK)
            goto nomem;
        t->tmp = malloc((size_t)kOutW[i] * (size_t)h);
        if (!t->tmp) goto nomem;
    }
    *out = s;
    return HM_OK;
nomem:
    hm_ih_stream_free(s);
    return HM_E_NO_MEMORY;
}

void hm_ih_stream_push(hm_ih_stream *s, const uint8_t *row, int bpp,
                       int channels) {
    const int r = s->row++;
    hm_pillow_l_row(row, s->w, bpp, channels, s->lrow);
    for (int i = 0; i < RS_COUNT; i++) {
        resize_target *t = &s->t[i];
        uint8_t *dst;
        if (!t->active) continue;
        dst = t->tmp + (size_t)r * (size_t)kOutW[i];
        if (t->need_h)
            hm_pillow_hpass(&t->ax_h, s->lrow, dst);
        else
            memcpy(dst, s->lrow, (size_t)s->w);
    }
}

/* Final small image of target i into out (kOutW x kOutH). */
static void finish_target(const hm_ih_stream *s, int i, uint8_t *out) {
    const resize_target *t = &s->t[i];
    if (t->need_v)
        hm_pillow_vpass(&t->ax_v, t->tmp, kOutW[i], out);
    else
        memcpy(out, t->tmp, (size_t)kOutW[i] * (size_t)kOutH[i]);
}

static void set_bit64(hm_hash *h, int r, int c) { h->bytes[r] |= hm_grid64_mask(c); }

static void ahash(const uint8_t p[64], hm_hash *out) {
    unsigned sum = 0;
    hm_hash_init(out, HM_HASH_AHASH);
    for (int i = 0; i < 64; i++) sum += p[i];
    /* p > mean  <=>  64 p > sum  (the float64 mean is sum / 64 exactly) */
    for (int i = 0; i < 64; i++)
        if (64u * p[i] > sum) set_bit64(out, i / 8, i % 8);
}

static void dhash(const uint8_t p[72], hm_hash *out) {
    hm_hash_init(out, HM_HASH_DHASH);
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++)
            if (p[r * 9 + c + 1] > p[r * 9 + c]) set_bit64(out, r, c);
}

static int cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* scipy.fftpack.dct type II, norm=None: y[k] = 2 sum x[n] cos(pi k
 * (2n+1) / 2N).  Computed by the even/odd split of a fast DCT: the even
 * outputs are the half-length DCT of x[n] + x[N-1-n], the odd ones sums
 * over x[n] - x[N-1-n].  Like scipy's FFT, this gives exact zeros where
 * the input is symmetric (flat images, mirrored content), so those
 * coefficients sit exactly at the median as in imagehash instead of
 * scattering around it as rounding noise. */
static void dct2(const double *x, int n, double *y) {
    double u[16] = {0}, v[16] = {0}, ye[16] = {0};
    if (n == 1) {
        y[0] = 2.0 * x[0];
        return;
    }
    for (int i = 0; i < n / 2; i++) {
        u[i] = x[i] + x[n - 1 - i];
        v[i] = x[i] - x[n - 1 - i];
    }
    dct2(u, n / 2, ye);
    for (int m = 0; m < n / 2; m++) {
        double acc = 0.0;
        y[2 * m] = ye[m];
        for (int i = 0; i < n / 2; i++)
            acc += v[i] * cos(M_PI * (2 * m + 1) * (2 * i + 1) / (2.0 * n));
        y[2 * m + 1] = 2.0 * acc;
    }
}

/* Top-left 8x8 of the 2-D DCT (axis 0, then axis 1) of a 32x32 image. */
static void phash_dct(const uint8_t p[1024], double d[8][8]) {
    double col[32], colout[32], t[8][32];
    for (int c = 0; c < 32; c++) {
        for (int r = 0; r < 32; r++) col[r] = p[r * 32 + c];
        dct2(col, 32, colout);
        for (int k = 0; k < 8; k++) t[k][c] = colout[k];
    }
    for (int k = 0; k < 8; k++) {
        dct2(t[k], 32, colout);
        for (int l = 0; l < 8; l++) d[k][l] = colout[l];
    }
}

/* Coefficient (k, l) of the DCT of the image turned by variant v (k:
 * vertical, l: horizontal frequency, as scipy's axis 0 and 1). */
static double dih_coef(const double d[8][8], int v, int k, int l) {
    int sk, sl;
    const int neg = hm_dct_dihedral(v, k, l, 0, &sk, &sl);
    return neg ? -d[sk][sl] : d[sk][sl];
}

/* pHash of variant v: bits of the turned DCT against its own median. */
static void phash(const double d[8][8], int v, hm_hash *out) {
    double m[64], sorted[64];
    for (int k = 0; k < 8; k++)
        for (int l = 0; l < 8; l++) m[k * 8 + l] = dih_coef(d, v, k, l);
    memcpy(sorted, m, sizeof sorted);
    qsort(sorted, 64, sizeof(double), cmp_double);
    const double median = (sorted[31] + sorted[32]) / 2.0;
    hm_hash_init(out, HM_HASH_PHASH);
    out->variant = (uint8_t)v;
    for (int i = 0; i < 64; i++)
        if (m[i] > median) set_bit64(out, i / 8, i % 8);
}

size_t hm_ih_stream_finish(hm_ih_stream *s, unsigned types, hm_hash *out) {
    const int nv = (types & HM_WANT_DIHEDRAL) ? 8 : 1;
    uint8_t buf[1024], turned[72];
    size_t n = 0;
    if (types & HM_TYPE_BIT(HM_HASH_PHASH)) {
        double d[8][8];
        finish_target(s, RS_PHASH, buf);
        phash_dct(buf, d);
        for (int v = 0; v < nv; v++) phash(d, v, &out[n++]);
    }
    if (types & HM_TYPE_BIT(HM_HASH_DHASH)) {
        uint8_t tgrid[72];
        finish_target(s, RS_DHASH, buf);
        if (nv > 1) finish_target(s, RS_DHASH_T, tgrid);
        for (int v = 0; v < nv; v++) {
            if (hm_dihedral_transposes(v)) hm_turn_image(tgrid, 8, 9, 8, 1, v, turned);
            else hm_turn_image(buf, 9, 8, 9, 1, v, turned);
            dhash(turned, &out[n]);
            out[n++].variant = (uint8_t)v;
        }
    }
    if (types & HM_TYPE_BIT(HM_HASH_AHASH)) {
        finish_target(s, RS_AHASH, buf);
        for (int v = 0; v < nv; v++) {
            hm_turn_image(buf, 8, 8, 8, 1, v, turned);
            ahash(turned, &out[n]);
            out[n++].variant = (uint8_t)v;
        }
    }
    return n;
}
