/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PDQ, computed bit-for-bit as Meta's reference does (ThreatExchange
 * pdq/cpp), from facts in docs/format.md.  Written from the algorithm's
 * description; no reference code is copied.
 *
 * The reference filters a whole float luma image with four 1-D box passes
 * (rows, columns, rows, columns), then samples 64x64 points.  Each pass is
 * a running float sum whose operation order decides the last bits, so we
 * keep that order exactly, but stream it: rows arrive one at a time, the
 * column passes keep a running sum per column and a ring of the last
 * rows, and the second row pass only divides at the 64 sampled columns.
 * Memory is O(width * window) instead of O(width * height), and per output
 * the sequence of float additions, subtractions and divisions is the
 * reference's.
 *
 * Speed comes from vector lanes without changing any lane's arithmetic: a
 * row pass runs 16 rows at once, one per lane, over their columns
 * transposed into a small ring; a column pass runs 16 columns per vector.
 * The pass loops and the transposes' loops are written once (GCC vector
 * extensions, PDQ_KERNELS and PDQ_TRANSPOSES) and compiled for each
 * instruction set (portable, AVX2, AVX-512F); only the in-register
 * transposes, and AVX-512's luma, are written per set with intrinsics.
 * The best set the CPU runs and HM_SIMD allows is picked for each stream
 * (lib/common/simd.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pdq_stream.h"

#define PDQ_MIN_DIM 5
#define PDQ_CPP_PRESCALE 512

static const float kLumaR = 0.299f;
static const float kLumaG = 0.587f;
static const float kLumaB = 0.114f;

/* Written once, when the first stream is created or PDQF computed
 * (dct_once), then only read. */
static pthread_once_t g_dct_once = PTHREAD_ONCE_INIT;
static float g_dct[16][64];
static float g_dct_t[64][16]; /* transposed */

/* ---- lanes ----------------------------------------------------------- */

/* A row pass filters LANES rows at once, one per vector lane; a column
 * pass LANES columns per vector.  Buffered rows are padded to a multiple
 * of LANES floats so whole vectors can be read and written. */
#define LANES 16
typedef float vlane __attribute__((vector_size(LANES * sizeof(float))));

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

/* A stream's buffers are carved, 64-byte aligned, out of one allocation:
 * laid out once with base NULL to measure, then again on the block.  One
 * block per image also keeps malloc from handing its pages back to the
 * system after every image (page faults cost more than the hash of a
 * small image). */
typedef struct arena {
    char *base;
    size_t used;
} arena;

static void *carve(arena *a, size_t bytes) {
    void *p = a->base ? a->base + a->used : NULL;
    a->used += (bytes + 63) / 64 * 64;
    return p;
}

static float *carve_floats(arena *a, size_t n) {
    return carve(a, n * sizeof(float));
}

/* A 1-D running-sum box pass as the reference runs it: window `win`,
 * output o is the mean of inputs [o - half + 1, o - half + win], clipped to
 * [0, n), and is complete after step s = o + half - 1.  Every step is one
 * uniform "add the entering value, subtract the leaving one", with +0.0f
 * for values outside [0, n).  The running sum starts at +0.0f and can only
 * return to zero as x - x = +0.0f, never -0.0f, so adding or subtracting
 * +0.0f leaves it bit-identical: the uniform step is the reference's three
 * phases (grow, slide, shrink) without their branches. */
typedef struct boxdim {
    int n, win, lag; /* lag = half - 1 */
    float *cnt;      /* n: the window's size at output o, the divisor */
} boxdim;

static void boxdim_layout(boxdim *d, int n, arena *a) {
    d->n = n;
    d->win = (n + 127) / 128;
    d->lag = (d->win + 2) / 2 - 1;
    if (!(d->cnt = carve_floats(a, (size_t)n))) return;
    for (int o = 0; o < n; o++) {
        const int s = o + d->lag;
        const int hi = s < n - 1 ? s : n - 1, lo = s - d->win;
        d->cnt[o] = (float)(hi - (lo > -1 ? lo : -1));
    }
}

/* Row pass state: LANES rows' columns transposed into a ring, LANES floats
 * per column; zero columns stand for positions outside the row. */
#define CHUNK 128 /* outputs per call into the step kernels */
typedef struct rowpass {
    boxdim d;
    float *ring;   /* (mask + 1) columns */
    unsigned mask; /* ring length - 1, a power of two >= LANES */
    float *obuf;   /* CHUNK columns: outputs before the transpose back */
} rowpass;

/* Column pass state: running sums per column over rows pushed into a ring
 * (rows s and s - win are read at step s). */
typedef struct colpass {
    boxdim d;
    int stride, slots; /* floats per row; rows in the ring */
    float *ring, *sum, *junk;
    int in, step; /* rows received; steps run */
} colpass;

/* ---- kernels: written once, compiled per instruction set -------------- */

HM_INLINE void vload(vlane *v, const float *p) { memcpy(v, p, sizeof *v); }
HM_INLINE void vstore(float *p, const vlane *v) { memcpy(p, v, sizeof *v); }

/* One step of a row pass's running sum: add the entering column, subtract
 * the leaving one (ring, mask and win of the pass). */
HM_INLINE void rowstep(const float *ring, unsigned mask, int win, vlane *acc,
                       int s) {
    vlane a, b;
    vload(&a, ring + ((unsigned)s & mask) * LANES);
    vload(&b, ring + ((unsigned)(s - win) & mask) * LANES);
    *acc = *acc + a;
    *acc = *acc - b;
}

/* Row-pass steps for outputs [o0, o1) of up to two passes over rows of the
 * same width, in lockstep so that their dependency chains overlap (one
 * chain alone is latency-bound).  Pass p1 (when `full`, a constant)
 * writes every output to obuf (column o - o0); pass p2 (when `sampled`)
 * divides only the outputs o == xs[*k], into samp[*k]. */
HM_INLINE void rowsteps_body(const int full, const rowpass *p1, float *sum1,
                             float *obuf, const int sampled, const rowpass *p2,
                             float *sum2, const int *xs, int *k,
                             float (*samp)[LANES], int o0, int o1) {
    /* locals: the vector stores (memcpy) may alias anything */
    const boxdim *d = full ? &p1->d : &p2->d;
    const float *cnt = d->cnt;
    const float *ring1 = full ? p1->ring : NULL, *ring2 = sampled ? p2->ring : NULL;
    const unsigned mask1 = full ? p1->mask : 0, mask2 = sampled ? p2->mask : 0;
    const int win = d->win, lag = d->lag;
    int kk = sampled ? *k : 0, next = sampled && kk < 64 ? xs[kk] : -1;
    vlane acc1 = {0}, acc2 = {0}, q;
    if (full) vload(&acc1, sum1);
    if (sampled) vload(&acc2, sum2);
    for (int o = o0; o < o1; o++) {
        if (full) {
            rowstep(ring1, mask1, win, &acc1, o + lag);
            q = acc1 / cnt[o];
            vstore(obuf + (size_t)(o - o0) * LANES, &q);
        }
        if (sampled) {
            rowstep(ring2, mask2, win, &acc2, o + lag);
            for (; next == o; next = ++kk < 64 ? xs[kk] : -1) {
                q = acc2 / cnt[o];
                vstore(samp[kk], &q);
            }
        }
    }
    if (full) vstore(sum1, &acc1);
    if (sampled) {
        vstore(sum2, &acc2);
        *k = kk;
    }
}

/* One column-pass step over n (a multiple of LANES) columns. */
HM_INLINE void colstep_body(float *restrict sum, const float *add,
                            const float *sub, float cnt, float *restrict out,
                            int n) {
    for (int j = 0; j < n; j += LANES) {
        vlane v, a, b;
        vload(&v, sum + j);
        vload(&a, add + j);
        vload(&b, sub + j);
        v = v + a;
        v = v - b;
        vstore(sum + j, &v);
        v = v / cnt;
        vstore(out + j, &v);
    }
}

/* Packed RGB: the reference's per-pixel float products and sums,
 * (R*r + G*g) + B*b, written so the compiler vectorises them (each lane
 * does the same IEEE operations in the same order; FMA contraction is
 * off). */
HM_INLINE void luma_body(const uint8_t *restrict row, int n,
                         float *restrict out) {
    for (int x = 0; x < n; x++)
        out[x] = kLumaR * (float)row[3 * x] + kLumaG * (float)row[3 * x + 1] +
                 kLumaB * (float)row[3 * x + 2];
}

/* Where a row pass reads its LANES input rows: stored rows, or (rows
 * NULL) the next LANES steps of a column pass, run as the row pass reads
 * their columns, so that the column pass's output is never stored.
 * Column step g adds row add[g], subtracts row sub[g] and divides by
 * cnt[g]; sum holds the column pass's running sums. */
typedef struct rowsrc {
    const float *const *rows;
    const float *add[LANES], *sub[LANES];
    float cnt[LANES];
    float *sum;
} rowsrc;

/* tin copies columns from rx on of LANES rows into the ring, as columns
 * [x0, x1) (multiples of LANES), column x at slot x & mask. */
typedef void (*tin_fn)(const float *const *rows, int rx, int x0, int x1,
                       float *ring, unsigned mask);

/* tin with a column pass as the source (see rowsrc), a block of LANES
 * columns at a time. */
HM_INLINE void tincol_body(const rowsrc *src, int x0, int x1, float *ring,
                           unsigned mask, tin_fn tin) {
    _Alignas(64) float blk[LANES][LANES];
    const float *rows[LANES];
    for (int g = 0; g < LANES; g++) rows[g] = blk[g];
    for (int x = x0; x < x1; x += LANES) {
        vlane v, a, b, q;
        vload(&v, src->sum + x);
        for (int g = 0; g < LANES; g++) {
            vload(&a, src->add[g] + x);
            vload(&b, src->sub[g] + x);
            v = v + a;
            v = v - b;
            q = v / src->cnt[g];
            vstore(blk[g], &q);
        }
        vstore(src->sum + x, &v);
        tin(rows, 0, x, x + LANES, ring, mask);
    }
}

/* The 16x16 corner of the 2-D DCT of the 64x64 samples, D A D^T with D =
 * g_dct: every output sums its 64 products from zero in the reference's
 * order; the loops run across outputs so that they vectorise. */
HM_INLINE void dct_body(const float (*a)[64], float (*out)[16]) {
    float t[16][64];
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 64; j++) t[i][j] = 0.0f;
        for (int k = 0; k < 64; k++)
            for (int j = 0; j < 64; j++) t[i][j] += g_dct[i][k] * a[k][j];
    }
    for (int i = 0; i < 16; i++) {
        for (int j = 0; j < 16; j++) out[i][j] = 0.0f;
        for (int k = 0; k < 64; k++)
            for (int j = 0; j < 16; j++) out[i][j] += t[i][k] * g_dct_t[k][j];
    }
}

/* One instruction set's kernels.  tout writes obuf's first n columns
 * (and possibly up to the next multiple of LANES) back to the rows from
 * column x0 on. */
typedef struct pdq_isa {
    unsigned need; /* the HM_CPU_* features the set uses */
    tin_fn tin;
    void (*tincol)(const rowsrc *src, int x0, int x1, float *ring,
                   unsigned mask);
    void (*tout)(const float *obuf, int n, float *const *rows, int x0);
    /* rowsteps_body with both passes, the first alone, the second alone */
    void (*rowsteps)(const rowpass *p1, float *sum1, float *obuf,
                     const rowpass *p2, float *sum2, const int *xs, int *k,
                     float (*samp)[LANES], int o0, int o1);
    void (*rowsteps_full)(const rowpass *p1, float *sum1, float *obuf, int o0,
                          int o1);
    void (*rowsteps_sampled)(const rowpass *p2, float *sum2, const int *xs,
                             int *k, float (*samp)[LANES], int o0, int o1);
    void (*colstep)(float *sum, const float *add, const float *sub, float cnt,
                    float *out, int n);
    void (*luma)(const uint8_t *row, int n, float *out);
    void (*dct)(const float (*a)[64], float (*out)[16]);
} pdq_isa;

/* The shared kernels of one instruction set, from the bodies above. */
#define PDQ_KERNELS(sfx, attr)                                               \
    attr static void tincol_##sfx(const rowsrc *src, int x0, int x1,        \
                                  float *ring, unsigned mask) {             \
        tincol_body(src, x0, x1, ring, mask, tin_##sfx);                     \
    }                                                                        \
    attr static void rowsteps_##sfx(                                         \
        const rowpass *p1, float *sum1, float *obuf, const rowpass *p2,     \
        float *sum2, const int *xs, int *k, float (*samp)[LANES], int o0,   \
        int o1) {                                                            \
        rowsteps_body(1, p1, sum1, obuf, 1, p2, sum2, xs, k, samp, o0, o1);  \
    }                                                                        \
    attr static void rowsteps_full_##sfx(const rowpass *p1, float *sum1,    \
                                         float *obuf, int o0, int o1) {     \
        rowsteps_body(1, p1, sum1, obuf, 0, NULL, NULL, NULL, NULL, NULL, o0, \
                      o1);                                                   \
    }                                                                        \
    attr static void rowsteps_sampled_##sfx(                                 \
        const rowpass *p2, float *sum2, const int *xs, int *k,              \
        float (*samp)[LANES], int o0, int o1) {                              \
        rowsteps_body(0, NULL, NULL, NULL, 1, p2, sum2, xs, k, samp, o0, o1); \
    }                                                                        \
    attr static void colstep_##sfx(float *sum, const float *add,            \
                                   const float *sub, float cnt, float *out, \
                                   int n) {                                  \
        colstep_body(sum, add, sub, cnt, out, n);                            \
    }                                                                        \
    attr static void dct_##sfx(const float (*a)[64], float (*out)[16]) {    \
        dct_body(a, out);                                                    \
    }
#define PDQ_LUMA(sfx, attr)                                                  \
    attr static void luma_##sfx(const uint8_t *row, int n, float *out) {    \
        luma_body(row, n, out);                                              \
    }
/* tin and tout of one instruction set: columns B at a time, as LANES / B
 * blocks of B x B floats, each loaded as B vectors (LD: B floats into a
 * VT), turned in registers by the set's own transpose TR, and stored (ST).
 * The portable set moves 1 x 1 blocks. */
#define PDQ_TRANSPOSES(sfx, attr, B, VT, LD, ST, TR)                         \
    attr static void tin_##sfx(const float *const *rows, int rx, int x0,    \
                               int x1, float *ring, unsigned mask) {        \
        for (int x = x0; x < x1; x += B)                                     \
            for (int h = 0; h < LANES; h += B) {                             \
                VT r[B];                                                     \
                for (int i = 0; i < B; i++)                                  \
                    r[i] = LD(rows[h + i] + rx + (x - x0));                  \
                TR(r);                                                       \
                for (int j = 0; j < B; j++)                                  \
                    ST(ring + ((unsigned)(x + j) & mask) * LANES + h, r[j]); \
            }                                                                \
    }                                                                        \
    attr static void tout_##sfx(const float *obuf, int n, float *const *rows, \
                                int x0) {                                    \
        for (int j0 = 0; j0 < n; j0 += B)                                    \
            for (int h = 0; h < LANES; h += B) {                             \
                VT r[B];                                                     \
                for (int i = 0; i < B; i++)                                  \
                    r[i] = LD(obuf + (size_t)(j0 + i) * LANES + h);          \
                TR(r);                                                       \
                for (int g = 0; g < B; g++) ST(rows[h + g] + x0 + j0, r[g]); \
            }                                                                \
    }
#define PDQ_ISA(sfx, need)                                                   \
    {need,           tin_##sfx,          tincol_##sfx,                       \
     tout_##sfx,     rowsteps_##sfx,     rowsteps_full_##sfx,                \
     rowsteps_sampled_##sfx,             colstep_##sfx,                      \
     luma_##sfx,     dct_##sfx}

/* Portable: 1 x 1 blocks, nothing to turn. */
#define LD_C(p) (*(p))
#define ST_C(p, v) (*(p) = (v))
#define TR_C(r) (void)(r)
PDQ_TRANSPOSES(c, , 1, float, LD_C, ST_C, TR_C)
PDQ_KERNELS(c, )
PDQ_LUMA(c, )

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define PDQ_X86 1
#include <immintrin.h>

#define HM_AVX2 __attribute__((target("avx2")))
#if defined(__clang__)
#define HM_AVX512 __attribute__((target("avx512f")))
#else
/* GCC otherwise prefers 256-bit vectors for the auto-vectorised luma */
#define HM_AVX512 __attribute__((target("avx512f,prefer-vector-width=512")))
#endif

/* The in-register transposes are each set's own: AVX-512's 16x16 starts
 * with the same two in-lane stages as AVX2's 8x8, but on other types and
 * intrinsics, and crosses 128-bit lanes differently (no common form).
 *
 * 8x8 transpose of r[0..7] in place (three shuffle stages). */
HM_AVX2 HM_INLINE void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; i++) {
        /* u[4i + c], 128-bit lane L: column 4L + c of rows 4i..4i+3 */
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
        r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
}

/* AVX2 moves 8 columns at a time, as two 8x8 blocks (rows 0-7, 8-15). */
PDQ_TRANSPOSES(avx2, HM_AVX2, 8, __m256, _mm256_loadu_ps, _mm256_storeu_ps,
               transpose8)

/* 16x16 transpose of r[0..15] in place: the 8x8 scheme's two in-lane
 * stages, then a 4x4 transpose of 128-bit lanes in two stages. */
HM_AVX512 HM_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        /* u[4i + c], 128-bit lane L: column 4L + c of rows 4i..4i+3 */
        u[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int c = 0; c < 4; c++) {
        /* column 4L + c = lane L of u[c], u[4 + c], u[8 + c], u[12 + c] */
        const __m512 v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44);
        const __m512 v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
        const __m512 v3 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
        r[c] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[4 + c] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[8 + c] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[12 + c] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}

PDQ_TRANSPOSES(avx512, HM_AVX512, 16, __m512, _mm512_loadu_ps,
               _mm512_storeu_ps, transpose16)

/* Packed RGB, 16 pixels at a time: the compilers' own vectorisation of
 * the stride-3 loads is slow here.  Bytes are widened to 32 bits and the
 * channels gathered with two-table permutes; the float arithmetic is
 * luma_body's, lane by lane. */
HM_AVX512 static void luma_avx512(const uint8_t *row, int n, float *out) {
    /* channel c of pixel i is byte 3i + c of 48: from the first two
     * 16-byte loads while 3i + c < 32, then from the third */
    __m512i lo[3], hi[3];
    for (int c = 0; c < 3; c++) {
        int a[16], b[16];
        for (int i = 0; i < 16; i++) {
            const int k = 3 * i + c;
            a[i] = k < 32 ? k : 0;
            b[i] = k < 32 ? i : 16 + k - 32;
        }
        lo[c] = _mm512_loadu_si512(a);
        hi[c] = _mm512_loadu_si512(b);
    }
    const __m512 kr = _mm512_set1_ps(kLumaR), kg = _mm512_set1_ps(kLumaG),
                 kb = _mm512_set1_ps(kLumaB);
    int x = 0;
    for (; x + 16 <= n; x += 16) {
        const uint8_t *p = row + 3 * (size_t)x;
        const __m512i d0 = _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)p));
        const __m512i d1 =
            _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(p + 16)));
        const __m512i d2 =
            _mm512_cvtepu8_epi32(_mm_loadu_si128((const void *)(p + 32)));
        __m512 ch[3];
        for (int c = 0; c < 3; c++)
            ch[c] = _mm512_cvtepi32_ps(_mm512_permutex2var_epi32(
                _mm512_permutex2var_epi32(d0, lo[c], d1), hi[c], d2));
        const __m512 y = _mm512_add_ps(
            _mm512_add_ps(_mm512_mul_ps(kr, ch[0]), _mm512_mul_ps(kg, ch[1])),
            _mm512_mul_ps(kb, ch[2]));
        _mm512_storeu_ps(out + x, y);
    }
    luma_body(row + 3 * (size_t)x, n - x, out + x);
}

PDQ_KERNELS(avx2, HM_AVX2)
PDQ_LUMA(avx2, HM_AVX2)
PDQ_KERNELS(avx512, HM_AVX512)
#endif

/* Indexed by level; `need` is what HM_AVX2 and HM_AVX512 target. */
static const pdq_isa kIsa[HM_SIMD_LEVELS] = {
    [HM_SIMD_PORTABLE] = PDQ_ISA(c, 0),
#ifdef PDQ_X86
    [HM_SIMD_AVX2] = PDQ_ISA(avx2, HM_CPU_AVX2),
    [HM_SIMD_AVX512] = PDQ_ISA(avx512, HM_CPU_AVX512F),
#endif
};

/* The DCT matrix (see g_dct). */
static void dct_once(void) {
    /* the reference keeps the scale in a float (then multiplies it, made
     * double again, by the double cosine): 112 of the 1,024 entries
     * differ in their last bit from a double scale */
    const float scale = (float)sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++)
            g_dct[i][j] = g_dct_t[j][i] =
                (float)(scale * cos((M_PI / 2 / 64.0) * (i + 1) * (2 * j + 1)));
}

/* ---- row and column passes -------------------------------------------- */

static void rowpass_layout(rowpass *p, int n, arena *a) {
    unsigned len = LANES;
    boxdim_layout(&p->d, n, a);
    /* columns from s - win (the oldest read) to the last one transposed in
     * ahead, and the initial zeros at s - win < 0 must survive that */
    while (len < (unsigned)(p->d.win + p->d.lag + CHUNK + 2 * LANES)) len *= 2;
    p->mask = len - 1;
    p->ring = carve_floats(a, (size_t)len * LANES);
    /* past the row, tout writes stale columns of obuf (then ignored) */
    if ((p->obuf = carve_floats(a, (size_t)CHUNK * LANES)))
        memset(p->obuf, 0, (size_t)CHUNK * LANES * sizeof(float));
}

/* Make columns up to `upto` (exclusive) present in the ring. */
static void rowpass_fill(const pdq_isa *isa, const rowpass *p,
                         const rowsrc *src, int *next, int upto) {
    const int x0 = *next, x1 = round_up(upto, LANES);
    const int real = round_up(p->d.n, LANES), end = x1 < real ? x1 : real;
    if (x1 <= x0) return;
    if (x0 < end) {
        if (src->rows) isa->tin(src->rows, x0, x0, end, p->ring, p->mask);
        else isa->tincol(src, x0, end, p->ring, p->mask);
    }
    for (int x = x0 > p->d.n ? x0 : p->d.n; x < x1; x++)
        memset(p->ring + ((unsigned)x & p->mask) * LANES, 0,
               LANES * sizeof(float));
    *next = x1;
}

/* Start a row pass: the ring's columns before the row (every later one
 * is written before it is read), and the steps before the first output. */
static void rowpass_begin(const pdq_isa *isa, const rowpass *p,
                          const rowsrc *src, float *sum, int *next) {
    const int win = p->d.win;
    memset(p->ring + (size_t)(p->mask + 1 - (unsigned)win) * LANES, 0,
           (size_t)win * LANES * sizeof(float));
    rowpass_fill(isa, p, src, next, p->d.lag);
    for (int s = 0; s < p->d.lag; s++) {
        const float *a = p->ring + ((unsigned)s & p->mask) * LANES;
        const float *b = p->ring + ((unsigned)(s - win) & p->mask) * LANES;
        for (int g = 0; g < LANES; g++) {
            sum[g] += a[g];
            sum[g] -= b[g];
        }
    }
}

static void colpass_layout(colpass *c, int n, int len, arena *a) {
    boxdim_layout(&c->d, len, a);
    c->stride = round_up(n, LANES);
    /* Steps read back to row s - win, and a row pass writes LANES rows
     * ahead of them; in the first column pass, the steps that need the
     * previous LANES rows run while those are written (see flush_luma). */
    c->slots = c->d.win + 2 * LANES;
    c->ring = carve_floats(a, (size_t)c->slots * (size_t)c->stride);
    if ((c->sum = carve_floats(a, (size_t)c->stride)))
        memset(c->sum, 0, (size_t)c->stride * sizeof(float));
    c->junk = carve_floats(a, (size_t)c->stride);
}

static float *col_slot(const colpass *c, int r) {
    return c->ring + (size_t)(r % c->slots) * (size_t)c->stride;
}

/* Whether the next step's rows have arrived. */
static int col_ready(const colpass *c) {
    return c->step < (c->in == c->d.n ? c->d.n + c->d.lag : c->in);
}

/* Run the next step; returns the output row it completed (written to out)
 * or -1.  `zero` is a row of zeros for positions outside the image. */
static int col_step(const pdq_isa *isa, colpass *c, const float *zero,
                    float *out) {
    const int s = c->step++, o = s - c->d.lag;
    isa->colstep(c->sum, s < c->d.n ? col_slot(c, s) : zero,
                 s >= c->d.win ? col_slot(c, s - c->d.win) : zero,
                 o >= 0 ? c->d.cnt[o] : 1.0f, o >= 0 ? out : c->junk,
                 c->stride);
    return o;
}

/* ---- the streaming state ------------------------------------------- */

struct hm_pdq_stream {
    const pdq_isa *isa;
    int flavour;
    int in_w, in_h; /* rows pushed are in_w wide, in_h of them */
    int w, h;       /* dimensions PDQ runs on (512x512 when prescaled) */
    int prescale;
    int degenerate;
    int direct; /* exactly 64x64: the reference skips the filter */
    int in_row;  /* input rows received */
    int out_row; /* hashed rows produced (prescale) */
    int *xs_pre; /* prescale column map, w entries */
    float *luma[LANES]; /* rows waiting for the first row pass */
    float *zero;        /* a row of zeros: lanes past a partial group */
    int nluma;
    rowpass rp1, rp2; /* the two row passes */
    colpass cb1, cb2;
    float (*samp)[LANES]; /* [64]: second row pass at the sampled columns */
    int xs[64], ys[64];
    int next_y;
    float (*buf64)[64]; /* [64]: the filtered image at the sample points */
};

static int dim_index(int k, int n) {
    /* sample centres, as the reference: (int)(((k + 0.5) * n) / 64) */
    return (int)(((k + 0.5) * n) / 64);
}

void hm_pdq_stream_free(hm_pdq_stream *s) { free(s); }

int hm_pdq_isa_available(hm_simd_level isa) {
    return (unsigned)isa < HM_SIMD_LEVELS && kIsa[isa].tin &&
           hm_simd_usable(isa, kIsa[isa].need);
}

/* Every buffer of a stream whose dimensions are set (see arena). */
static void stream_layout(hm_pdq_stream *s, arena *a) {
    const size_t stride = (size_t)round_up(s->w, LANES);
    carve(a, sizeof *s);
    if (s->degenerate) return;
    s->buf64 = carve(a, 64 * sizeof *s->buf64);
    if (s->direct) return;
    if ((s->xs_pre = s->prescale ? carve(a, (size_t)s->w * sizeof(int)) : NULL))
        /* CImg nearest-neighbour: output x reads input floor(x*W/512) */
        for (int x = 0; x < s->w; x++)
            s->xs_pre[x] = (int)(((int64_t)x * s->in_w) / PDQ_CPP_PRESCALE);
    for (int g = 0; g < LANES; g++)
        /* the padding is read (and then ignored) */
        if ((s->luma[g] = carve_floats(a, stride)))
            memset(s->luma[g] + s->w, 0, (stride - (size_t)s->w) * sizeof(float));
    /* the zero row also stands in for the second column pass's 64 */
    if ((s->zero = carve_floats(a, stride > 64 ? stride : 64)))
        memset(s->zero, 0, (stride > 64 ? stride : 64) * sizeof(float));
    s->samp = carve(a, 64 * sizeof *s->samp);
    rowpass_layout(&s->rp1, s->w, a);
    rowpass_layout(&s->rp2, s->w, a);
    colpass_layout(&s->cb1, s->w, s->h, a);
    colpass_layout(&s->cb2, 64, s->h, a);
}

int hm_pdq_stream_create_isa(int in_w, int in_h, int flavour,
                             hm_simd_level isa, hm_pdq_stream **out) {
    hm_pdq_stream d = {0}, *s;
    arena a = {NULL, 0};
    *out = NULL;
    if (!hm_pdq_isa_available(isa)) return HM_E_INVALID_ARGUMENT;
    pthread_once(&g_dct_once, dct_once);
    d.isa = &kIsa[isa];
    d.flavour = flavour;
    d.in_w = d.w = in_w;
    d.in_h = d.h = in_h;
    if (flavour == HM_PDQ_CPP_512 &&
        (in_w > PDQ_CPP_PRESCALE || in_h > PDQ_CPP_PRESCALE)) {
        d.prescale = 1;
        d.w = d.h = PDQ_CPP_PRESCALE;
    }
    d.degenerate = d.w < PDQ_MIN_DIM || d.h < PDQ_MIN_DIM;
    d.direct = d.w == 64 && d.h == 64; /* the reference skips the filter */
    for (int k = 0; k < 64; k++) {
        d.xs[k] = dim_index(k, d.w);
        d.ys[k] = dim_index(k, d.h);
    }
    stream_layout(&d, &a);
    if (!(s = aligned_alloc(64, a.used))) return HM_E_NO_MEMORY;
    *s = d;
    a.base = (char *)s;
    a.used = 0;
    stream_layout(s, &a);
    *out = s;
    return HM_OK;
}

int hm_pdq_stream_create(int in_w, int in_h, int flavour,
                         hm_pdq_stream **out) {
    return hm_pdq_stream_create_isa(in_w, in_h, flavour,
                                    hm_simd_best(hm_pdq_isa_available), out);
}

/* Second column pass: run the steps its rows allow, keeping sampled rows. */
static void drain_cb2(hm_pdq_stream *s) {
    float row[64];
    while (col_ready(&s->cb2)) {
        const int o = col_step(s->isa, &s->cb2, s->zero, row);
        while (o >= 0 && s->next_y < 64 && s->ys[s->next_y] == o)
            memcpy(s->buf64[s->next_y++], row, sizeof row);
    }
}

/* The box passes along LANES rows: the first row pass (src1, or NULL)
 * writes every output to out1[g]; the second (src2, or NULL) only its
 * outputs at columns xs[0..63], into samp[k][g]. */
static void box_rows(const pdq_isa *isa, hm_pdq_stream *s,
                     const rowsrc *src1, float *const *out1,
                     const rowsrc *src2) {
    const rowpass *p1 = src1 ? &s->rp1 : NULL, *p2 = src2 ? &s->rp2 : NULL;
    float sum1[LANES] = {0}, sum2[LANES] = {0};
    int next1 = 0, next2 = 0, k = 0;
    const int n = s->rp1.d.n, lag = s->rp1.d.lag;
    if (p1) rowpass_begin(isa, p1, src1, sum1, &next1);
    if (p2) rowpass_begin(isa, p2, src2, sum2, &next2);
    for (int o0 = 0; o0 < n; o0 += CHUNK) {
        const int o1 = o0 + CHUNK < n ? o0 + CHUNK : n;
        if (p1) rowpass_fill(isa, p1, src1, &next1, o1 + lag);
        if (p2) rowpass_fill(isa, p2, src2, &next2, o1 + lag);
        if (p1 && p2)
            isa->rowsteps(p1, sum1, p1->obuf, p2, sum2, s->xs, &k, s->samp,
                          o0, o1);
        else if (p1)
            isa->rowsteps_full(p1, sum1, p1->obuf, o0, o1);
        else
            isa->rowsteps_sampled(p2, sum2, s->xs, &k, s->samp, o0, o1);
        if (p1) isa->tout(p1->obuf, o1 - o0, out1, o0);
    }
}

/* One pass over the columns for LANES new luma rows (fewer or none at the
 * end): the first row pass writes them into the first column pass's ring,
 * and, in lockstep with it, the second row pass reads the column steps
 * the rows before them allow (up to LANES), running those steps column
 * block by column block as it reads them (see rowsrc).  The two passes
 * are independent, so their dependency chains overlap.  The second row
 * pass's sampled outputs go to the second column pass. */
static void flush_luma(hm_pdq_stream *s) {
    colpass *c = &s->cb1;
    const int len = c->d.n, lag = c->d.lag, win = c->d.win;
    const float *in[LANES];
    float *out1[LANES], *out2[LANES];
    rowsrc src1 = {.rows = in}, src2 = {.rows = NULL, .sum = c->sum};
    const int steps = (c->in == len ? len + lag : c->in) - c->step;
    const int count = steps < LANES ? steps : LANES;
    const int first = lag - c->step > 0 ? lag - c->step : 0; /* with output */
    for (int g = 0; g < LANES; g++) {
        const int real1 = g < s->nluma, st = c->step + g, real2 = g < count;
        in[g] = real1 ? s->luma[g] : s->zero;
        out1[g] = real1 ? col_slot(c, c->in + g) : c->junk;
        src2.add[g] = real2 && st < len ? col_slot(c, st) : s->zero;
        src2.sub[g] = real2 && st >= win ? col_slot(c, st - win) : s->zero;
        src2.cnt[g] = real2 && g >= first ? c->d.cnt[st - lag] : 1.0f;
        out2[g] = real2 && g >= first ? col_slot(&s->cb2, s->cb2.in + g - first)
                                      : s->cb2.junk;
    }
    if (!s->nluma && count <= 0) return;
    box_rows(s->isa, s, s->nluma ? &src1 : NULL, out1,
             count > 0 ? &src2 : NULL);
    c->in += s->nluma;
    s->nluma = 0;
    if (count <= 0) return;
    c->step += count;
    if (count > first) {
        s->isa->tout(&s->samp[0][0], 64, out2, 0);
        s->cb2.in += count - first;
        drain_cb2(s);
    }
}

static void luma_row(const pdq_isa *isa, const uint8_t *row, int n, int bpp,
                     int channels, const int *xmap, float *out) {
    if (channels == 1) {
        for (int x = 0; x < n; x++) {
            const uint8_t *p = row + (size_t)(xmap ? xmap[x] : x) * bpp;
            out[x] = (float)p[0];
        }
        return;
    }
    if (!xmap && bpp == 3) {
        isa->luma(row, n, out);
        return;
    }
    for (int x = 0; x < n; x++) { /* (R*r + G*g) + B*b, the reference's order */
        const uint8_t *p = row + (size_t)(xmap ? xmap[x] : x) * bpp;
        out[x] = kLumaR * (float)p[0] + kLumaG * (float)p[1] + kLumaB * (float)p[2];
    }
}

/* The luma row s->luma[s->nluma] is filled. */
static void process_luma_row(hm_pdq_stream *s) {
    if (++s->nluma == LANES) flush_luma(s);
}

void hm_pdq_stream_push(hm_pdq_stream *s, const uint8_t *row, int bpp,
                        int channels) {
    const int r = s->in_row++;
    if (s->degenerate) return;
    if (s->direct) {
        luma_row(s->isa, row, 64, bpp, channels, NULL, s->buf64[r]);
        return;
    }
    if (!s->prescale) {
        luma_row(s->isa, row, s->w, bpp, channels, NULL, s->luma[s->nluma]);
        process_luma_row(s);
        return;
    }
    /* Nearest neighbour: output row y reads input row floor(y*H/512); an
     * input row may feed zero, one or several output rows. */
    while (s->out_row < s->h &&
           (int)(((int64_t)s->out_row * s->in_h) / PDQ_CPP_PRESCALE) == r) {
        luma_row(s->isa, row, s->w, bpp, channels, s->xs_pre,
                 s->luma[s->nluma]);
        process_luma_row(s);
        s->out_row++;
    }
}

/* ---- quality, DCT, median, bits ------------------------------------ */

static int quality_metric(const float b[64][64]) {
    int sum = 0;
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 64; j++) {
            int d = (int)(((b[i][j] - b[i + 1][j]) * 100) / 255);
            sum += abs(d);
        }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 63; j++) {
            int d = (int)(((b[i][j] - b[i][j + 1]) * 100) / 255);
            sum += abs(d);
        }
    int q = sum / 90;
    return q > 100 ? 100 : q;
}

int hm_pdq_stream_finish(hm_pdq_stream *s, hm_pdq_dct *out) {
    memset(out, 0, sizeof *out);
    if (s->degenerate) {
        out->degenerate = 1;
        return HM_OK;
    }
    if (s->in_row != s->in_h) return HM_E_INTERNAL;
    if (s->direct) s->next_y = 64;
    else {
        do flush_luma(s); /* the last rows, then the remaining steps */
        while (s->cb1.step < s->cb1.d.n + s->cb1.d.lag);
    }
    if (s->next_y != 64) return HM_E_INTERNAL;
    out->quality = quality_metric((const float(*)[64])s->buf64);
    s->isa->dct((const float(*)[64])s->buf64, out->c);
    return HM_OK;
}

void hm_pdqf(hm_simd_level level, const uint8_t *rgb, size_t stride, float out[16][16]) {
    const pdq_isa *isa = &kIsa[level];
    pthread_once(&g_dct_once, dct_once);
    _Alignas(64) float luma[64][64];
    for (int y = 0; y < 64; y++) isa->luma(rgb + (size_t)y * stride, 64, luma[y]);
    isa->dct((const float(*)[64])luma, out);
}

/* The k-th smallest of a[0..n-1] (reordered), the value sorting would
 * put at index k: Hoare's selection. */
static float select_kth(float *a, int n, int k) {
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        const float pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                const float t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j) hi = j;
        else if (k >= i) lo = i;
        else break; /* between j and i everything equals the pivot */
    }
    return a[k];
}

/* Value (i, j) of the coefficients of variant `variant`. */
static float dih_value(const float a[16][16], int variant, int i, int j) {
    int si, sj;
    const int neg = hm_dct_dihedral(variant, i, j, 1, &si, &sj);
    return neg ? -a[si][sj] : a[si][sj];
}

void hm_pdq_hash(const hm_pdq_dct *d, int variant, hm_hash *out) {
    float m[16][16], sorted[256];
    hm_hash_init(out, HM_HASH_PDQ);
    out->variant = (uint8_t)variant;
    out->quality = (int16_t)d->quality;
    if (d->degenerate) return;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) m[i][j] = dih_value(d->c, variant, i, j);
    memcpy(sorted, m, sizeof sorted);
    /* Torben's median as the reference uses it: the 128th smallest. */
    const float median = select_kth(sorted, 256, 127);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            if (m[i][j] > median) out->bytes[hm_pdq_byte(i, j)] |= hm_pdq_mask(j);
}
