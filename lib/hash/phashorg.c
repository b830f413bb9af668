/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pHash.org's DCT image hash (ph_dct_imagehash), exact to the reference
 * library built with CImg, and the packings its versions gave the value
 * (docs/format.md, "pHash.org"):
 *
 *   1. Y of CImg's RGB -> YCbCr: (66 R + 129 G + 25 B + 128) / 256 + 16,
 *      truncated (grey images: the grey value; the alpha is ignored);
 *   2. the unnormalised 7x7 box sum (49 pixels), edges replicated;
 *   3. CImg's nearest-neighbour resize to 32x32: output x samples input
 *      floor(x W / 32), likewise for y;
 *   4. C img C^T with C the orthonormal 32x32 DCT-II matrix in float,
 *      each product rounded to float and summed in double, as CImg's
 *      matrix product does;
 *   5. the 8x8 block of frequencies 1..8 on both axes, row-major
 *      (vertical frequency outer): coefficient i;
 *   6. bit i = coefficient i > the float mean of the 32nd and 33rd
 *      smallest (CImg's median).
 *
 * Streaming: only the 32 sampled rows and columns of the box sum are
 * needed, so each decoded row adds its 7-wide sums at the 32 sampled
 * columns to the sampled rows whose 7-row window holds it.
 */
#include "phashorg_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 32, BOX = 3 /* half the 7x7 box */, BLOCK = 8 };

struct hm_pho_stream {
    int w, h, row;
    int xs[N], ys[N];   /* sampled columns and rows */
    int32_t acc[N][N]; /* box sums at the sampled points (exact) */
};

static int clampi(int v, int hi) { return v < 0 ? 0 : v > hi ? hi : v; }

int hm_pho_stream_create(int w, int h, hm_pho_stream **out) {
    hm_pho_stream *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) return HM_E_NO_MEMORY;
    s->w = w;
    s->h = h;
    for (int k = 0; k < N; k++) {
        s->xs[k] = (int)((int64_t)k * w / N);
        s->ys[k] = (int)((int64_t)k * h / N);
    }
    *out = s;
    return HM_OK;
}

void hm_pho_stream_free(hm_pho_stream *s) { free(s); }

/* CImg's Y of pixel x of a row (grey: the value itself). */
static int luma(const uint8_t *row, int x, int bpp, int channels) {
    const uint8_t *p = row + (size_t)x * (size_t)bpp;
    if (channels == 1) return p[0];
    return ((66 * p[0] + 129 * p[1] + 25 * p[2] + 128) >> 8) + 16;
}

void hm_pho_stream_push(hm_pho_stream *s, const uint8_t *row, int bpp, int channels) {
    const int r = s->row++;
    int32_t hsum[N];
    int have = 0;
    for (int k = 0; k < N; k++) {
        /* how many of the 7 window rows of sampled row k are row r (the
         * edge row stands in for the rows beyond it) */
        int times = 0;
        for (int d = -BOX; d <= BOX; d++) times += clampi(s->ys[k] + d, s->h - 1) == r;
        if (!times) continue;
        if (!have) {
            for (int c = 0; c < N; c++) {
                int32_t sum = 0;
                for (int d = -BOX; d <= BOX; d++)
                    sum += luma(row, clampi(s->xs[c] + d, s->w - 1), bpp, channels);
                hsum[c] = sum;
            }
            have = 1;
        }
        for (int c = 0; c < N; c++) s->acc[k][c] += times * hsum[c];
    }
}

/* Rows 1..8 of the orthonormal DCT-II matrix as the reference makes it
 * in float (row 0, the DC, is not needed). */
static void dct_rows(float c[BLOCK + 1][N]) {
    const float c1 = (float)sqrt(2.0 / N);
    for (int y = 1; y <= BLOCK; y++)
        for (int x = 0; x < N; x++)
            c[y][x] = (float)(c1 * cos(M_PI / 2 / N * y * (2 * x + 1)));
}

/* Coefficients (1..8, 1..8) of C img C^T, as CImg's product computes
 * each element: float products summed in double, stored as float. */
static void block(const hm_pho_stream *s, float out[BLOCK][BLOCK]) {
    float c[BLOCK + 1][N], t[BLOCK + 1][N];
    dct_rows(c);
    for (int y = 1; y <= BLOCK; y++) /* t = C img, rows 1..8 */
        for (int k = 0; k < N; k++) {
            double v = 0;
            for (int m = 0; m < N; m++) v += (float)(c[y][m] * (float)s->acc[m][k]);
            t[y][k] = (float)v;
        }
    for (int y = 1; y <= BLOCK; y++) /* t C^T, columns 1..8 */
        for (int x = 1; x <= BLOCK; x++) {
            double v = 0;
            for (int k = 0; k < N; k++) v += (float)(t[y][k] * c[x][k]);
            out[y - 1][x - 1] = (float)v;
        }
}

static int cmp_float(const void *a, const void *b) {
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The 64 bits of variant v (an hm_dihedral) in coefficient order: bit i
 * is coefficient i of the turned image's block against its median. */
static uint64_t coefficient_bits(const float d[BLOCK][BLOCK], int v) {
    float m[64], sorted[64];
    uint64_t bits = 0;
    for (int i = 0; i < BLOCK; i++)
        for (int j = 0; j < BLOCK; j++) {
            int si, sj; /* frequencies are the block's indices + 1 */
            const int neg = hm_dct_dihedral(v, i + 1, j + 1, 0, &si, &sj);
            const float x = d[si - 1][sj - 1];
            m[i * BLOCK + j] = neg ? -x : x;
        }
    memcpy(sorted, m, sizeof sorted);
    qsort(sorted, 64, sizeof(float), cmp_float);
    const float median = (sorted[31] + sorted[32]) / 2.0f;
    for (int i = 0; i < 64; i++)
        if (m[i] > median) bits |= 1ull << i;
    return bits;
}

static uint64_t reverse64(uint64_t v) {
    uint64_t r = 0;
    for (int i = 0; i < 64; i++, v >>= 1) r = r << 1 | (v & 1);
    return r;
}

/* ---- packings: the one home of where coefficient i goes ------------- */

int hm_pho_is_packing(int type) {
    return type == HM_HASH_PHASHORG_V09 || type == HM_HASH_PHASHORG_2014 ||
           type == HM_HASH_PHASHORG_2026;
}

uint64_t hm_pho_pack(uint64_t bits, int type) {
    switch (type) {
    case HM_HASH_PHASHORG_V09: return bits;                    /* i -> i */
    case HM_HASH_PHASHORG_2014: return reverse64(bits) << 1;   /* i -> 64 - i */
    default: return reverse64(bits);                           /* i -> 63 - i */
    }
}

uint64_t hm_pho_unpack(uint64_t value, int type) {
    switch (type) {
    case HM_HASH_PHASHORG_V09: return value;
    case HM_HASH_PHASHORG_2014: return reverse64(value >> 1); /* coefficient 0: 0 */
    default: return reverse64(value);
    }
}

uint64_t hm_pho_value(const hm_hash *h) { return hm_load_be64(h->bytes); }

void hm_pho_set(hm_hash *h, int type, uint64_t value) {
    hm_hash_init(h, type);
    hm_store_be64(h->bytes, value);
}

size_t hm_pho_stream_finish(hm_pho_stream *s, unsigned types, hm_hash *out) {
    const int nv = (types & HM_WANT_DIHEDRAL) ? 8 : 1;
    float d[BLOCK][BLOCK];
    uint64_t bits[8];
    size_t n = 0;
    block(s, d);
    for (int v = 0; v < nv; v++) bits[v] = coefficient_bits(d, v);
    for (int t = HM_HASH_PHASHORG_V09; t <= HM_HASH_PHASHORG_2026; t++) {
        if (!(types & HM_TYPE_BIT(t))) continue;
        for (int v = 0; v < nv; v++) {
            hm_pho_set(&out[n], t, hm_pho_pack(bits[v], t));
            out[n++].variant = (uint8_t)v;
        }
    }
    return n;
}

/* ---- conversion between packings (public) --------------------------- */

static int convert(const hm_hash *in, int to, hm_hash *out) {
    if (!in || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL hash or out");
    if (!hm_hash_bits(in->type) || !hm_hash_bits(to))
        return hm_fail(HM_E_INVALID_ARGUMENT, "unknown hash type %d",
                       hm_hash_bits(in->type) ? to : (int)in->type);
    if (in->type == to) {
        *out = *in;
        return 0;
    }
    if (!hm_pho_is_packing(in->type) || !hm_pho_is_packing(to))
        return hm_fail(HM_E_TYPE_MISMATCH, "a %s hash cannot be converted to %s",
                       hm_hash_type_name(in->type), hm_hash_type_name(to));
    const hm_hash src = *in; /* out may be in */
    hm_pho_set(out, to, hm_pho_pack(hm_pho_unpack(hm_pho_value(&src), src.type), to));
    out->variant = src.variant;
    /* the 2014 packing has no room for coefficient 0: from it, that bit
     * is unknown (set 0); to it, the bit is dropped */
    return src.type == HM_HASH_PHASHORG_2014;
}

int hm_hash_convert(const hm_hash *in, int to_type, hm_hash *out) {
    return HM_CALL(convert(in, to_type, out));
}
