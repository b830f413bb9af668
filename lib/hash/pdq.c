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
 * `window + 1` rows, and the second row pass only divides at the 64
 * sampled columns.  Memory is O(width * window) instead of O(width *
 * height), and per column the sequence of float additions, subtractions
 * and divisions is the reference's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "pdq_stream.h"

#define PDQ_MIN_DIM 5
#define PDQ_CPP_PRESCALE 512

static const float kLumaR = 0.299f;
static const float kLumaG = 0.587f;
static const float kLumaB = 0.114f;

/* ---- DCT matrix ---------------------------------------------------- */

static float g_dct[16][64];
static int g_dct_ready; /* written once; see hm_pdq_init */

/* Filled at library load (constructor) so no lazy init races. */
__attribute__((constructor)) static void hm_pdq_init(void) {
    const double scale = sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++)
            g_dct[i][j] =
                (float)(scale * cos((M_PI / 2 / 64.0) * (i + 1) * (2 * j + 1)));
    g_dct_ready = 1;
}

/* ---- 1-D box filter pieces ----------------------------------------- */

/* Box filter along `count` (<= GROUP) rows of n floats: the reference's
 * running sum (same phases, same operation order per row), with the rows
 * interleaved so their independent dependency chains overlap (one row's
 * chain of dependent additions is latency-bound).  With `xs` NULL every
 * output is written; otherwise only the outputs at positions xs[0..63]
 * (non-decreasing) are divided and kept, into out[g][0..63]. */
#define GROUP 8
static inline void box_rows(float *const in[GROUP], float *const out[GROUP],
                            const int count, int n, int win, const int *xs) {
    const int half = (win + 2) / 2;
    int ri = 0, li = 0, oi = 0, cnt = 0, k = 0;
    float sum[GROUP] = {0};
#define EMIT()                                                         \
    do {                                                                \
        const float c_ = (float)cnt;                                    \
        if (!xs) {                                                      \
            for (int g = 0; g < count; g++) out[g][oi] = sum[g] / c_;   \
        } else {                                                        \
            while (k < 64 && xs[k] == oi) {                             \
                for (int g = 0; g < count; g++) out[g][k] = sum[g] / c_; \
                k++;                                                    \
            }                                                           \
        }                                                               \
        oi++;                                                           \
    } while (0)
    for (int i = 0; i < half - 1; i++, ri++) {
        for (int g = 0; g < count; g++) sum[g] += in[g][ri];
        cnt++;
    }
    for (int i = 0; i < win - half + 1; i++, ri++) {
        for (int g = 0; g < count; g++) sum[g] += in[g][ri];
        cnt++;
        EMIT();
    }
    for (int i = 0; i < n - win; i++, ri++, li++) {
        for (int g = 0; g < count; g++) {
            sum[g] += in[g][ri];
            sum[g] -= in[g][li];
        }
        EMIT();
    }
    for (int i = 0; i < half - 1; i++, li++) {
        for (int g = 0; g < count; g++) sum[g] -= in[g][li];
        cnt--;
        EMIT();
    }
#undef EMIT
}

/* Column box filter over rows pushed one at a time (width n). */
typedef struct colbox {
    int n, win, half, len;
    int ri, cnt, li;
    float *sum;  /* n */
    float *ring; /* (win + 1) * n */
    float *out;  /* n, the row emitted last */
} colbox;

static int colbox_init(colbox *cb, int n, int win, int len) {
    memset(cb, 0, sizeof *cb);
    cb->n = n;
    cb->win = win;
    cb->half = (win + 2) / 2;
    cb->len = len;
    cb->sum = calloc((size_t)n, sizeof(float));
    cb->ring = malloc((size_t)(win + 1) * (size_t)n * sizeof(float));
    cb->out = malloc((size_t)n * sizeof(float));
    return (cb->sum && cb->ring && cb->out) ? HM_OK : HM_E_NO_MEMORY;
}

static void colbox_free(colbox *cb) {
    free(cb->sum);
    free(cb->ring);
    free(cb->out);
    memset(cb, 0, sizeof *cb);
}

static float *ring_row(const colbox *cb, int r) {
    return cb->ring + (size_t)(r % (cb->win + 1)) * (size_t)cb->n;
}

static void colbox_divide(colbox *cb) {
    const float c = (float)cb->cnt;
    for (int j = 0; j < cb->n; j++) cb->out[j] = cb->sum[j] / c;
}

/* Push the next input row; returns 1 when a row was emitted into cb->out. */
static int colbox_push(colbox *cb, const float *row) {
    const int ri = cb->ri++;
    float *slot = ring_row(cb, ri);
    float *sum = cb->sum;
    memcpy(slot, row, (size_t)cb->n * sizeof(float));
    if (ri < cb->win) {
        for (int j = 0; j < cb->n; j++) sum[j] += row[j];
        cb->cnt++;
        if (ri < cb->half - 1) return 0;
    } else {
        const float *old = ring_row(cb, ri - cb->win);
        for (int j = 0; j < cb->n; j++) {
            sum[j] += row[j];
            sum[j] -= old[j];
        }
        cb->li++;
    }
    colbox_divide(cb);
    return 1;
}

/* After the last input row: emit the trailing half-1 rows one by one.
 * Returns 1 while it emitted a row. */
static int colbox_drain(colbox *cb) {
    if (cb->li >= cb->len - cb->win + cb->half - 1) return 0;
    const float *old = ring_row(cb, cb->li++);
    for (int j = 0; j < cb->n; j++) cb->sum[j] -= old[j];
    cb->cnt--;
    colbox_divide(cb);
    return 1;
}

/* ---- the streaming state ------------------------------------------- */

struct hm_pdq_stream {
    int flavour;
    int in_w, in_h; /* rows pushed are in_w wide, in_h of them */
    int w, h;       /* dimensions PDQ runs on (512x512 when prescaled) */
    int prescale;
    int degenerate;
    int direct; /* exactly 64x64: the reference skips the filter */
    int win_rows, win_cols; /* along rows (from w), along cols (from h) */
    int in_row;             /* input rows received */
    int out_row;            /* hashed rows produced (prescale) */
    int *xs_pre;            /* prescale column map, w entries */
    float *luma[GROUP], *r1[GROUP]; /* rows waiting for the first row pass */
    float *c1[GROUP];       /* rows waiting for the second row pass */
    float r2[GROUP][64];
    int nluma, nc1;
    colbox cb1, cb2;
    int xs[64], ys[64];
    int c2_row, next_y;
    float buf64[64][64];
};

static int dim_index(int k, int n) {
    /* sample centres, as the reference: (int)(((k + 0.5) * n) / 64) */
    return (int)(((k + 0.5) * n) / 64);
}

void hm_pdq_stream_free(hm_pdq_stream *s) {
    if (!s) return;
    free(s->xs_pre);
    for (int g = 0; g < GROUP; g++) {
        free(s->luma[g]);
        free(s->r1[g]);
        free(s->c1[g]);
    }
    colbox_free(&s->cb1);
    colbox_free(&s->cb2);
    free(s);
}

int hm_pdq_stream_create(int in_w, int in_h, int flavour,
                         hm_pdq_stream **out) {
    hm_pdq_stream *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) return HM_E_NO_MEMORY;
    s->flavour = flavour;
    s->in_w = in_w;
    s->in_h = in_h;
    s->w = in_w;
    s->h = in_h;
    if (flavour == HM_PDQ_CPP_512 &&
        (in_w > PDQ_CPP_PRESCALE || in_h > PDQ_CPP_PRESCALE)) {
        s->prescale = 1;
        s->w = s->h = PDQ_CPP_PRESCALE;
    }
    if (s->w < PDQ_MIN_DIM || s->h < PDQ_MIN_DIM) {
        s->degenerate = 1;
        *out = s;
        return HM_OK;
    }
    if (s->w == 64 && s->h == 64) {
        s->direct = 1;
        *out = s;
        return HM_OK;
    }
    s->win_rows = (s->w + 127) / 128;
    s->win_cols = (s->h + 127) / 128;
    if (s->prescale) {
        s->xs_pre = malloc((size_t)s->w * sizeof(int));
        if (!s->xs_pre) goto nomem;
        /* CImg nearest-neighbour: output x reads input floor(x*W/512) */
        for (int x = 0; x < s->w; x++)
            s->xs_pre[x] = (int)(((int64_t)x * in_w) / PDQ_CPP_PRESCALE);
    }
    for (int g = 0; g < GROUP; g++) {
        s->luma[g] = malloc((size_t)s->w * sizeof(float));
        s->r1[g] = malloc((size_t)s->w * sizeof(float));
        s->c1[g] = malloc((size_t)s->w * sizeof(float));
        if (!s->luma[g] || !s->r1[g] || !s->c1[g]) goto nomem;
    }
    if (colbox_init(&s->cb1, s->w, s->win_cols, s->h) != HM_OK ||
        colbox_init(&s->cb2, 64, s->win_cols, s->h) != HM_OK)
        goto nomem;
    for (int k = 0; k < 64; k++) {
        s->xs[k] = dim_index(k, s->w);
        s->ys[k] = dim_index(k, s->h);
    }
    *out = s;
    return HM_OK;
nomem:
    hm_pdq_stream_free(s);
    return HM_E_NO_MEMORY;
}

/* A row of the second column pass is ready in cb2.out. */
static void take_c2_row(hm_pdq_stream *s) {
    const int r = s->c2_row++;
    while (s->next_y < 64 && s->ys[s->next_y] == r)
        memcpy(s->buf64[s->next_y++], s->cb2.out, sizeof s->buf64[0]);
}

/* Second row pass over the buffered first-column-pass rows. */
static void flush_c1(hm_pdq_stream *s) {
    float *out[GROUP];
    for (int g = 0; g < GROUP; g++) out[g] = s->r2[g];
    /* a constant count lets the compiler unroll the full-group case */
    if (s->nc1 == GROUP)
        box_rows(s->c1, out, GROUP, s->w, s->win_rows, s->xs);
    else
        box_rows(s->c1, out, s->nc1, s->w, s->win_rows, s->xs);
    for (int g = 0; g < s->nc1; g++)
        if (colbox_push(&s->cb2, s->r2[g])) take_c2_row(s);
    s->nc1 = 0;
}

/* A row of the first column pass is ready in cb1.out. */
static void take_c1_row(hm_pdq_stream *s) {
    memcpy(s->c1[s->nc1++], s->cb1.out, (size_t)s->w * sizeof(float));
    if (s->nc1 == GROUP) flush_c1(s);
}

/* First row pass over the buffered luma rows, then the column pass. */
static void flush_luma(hm_pdq_stream *s) {
    if (s->nluma == GROUP)
        box_rows(s->luma, s->r1, GROUP, s->w, s->win_rows, NULL);
    else
        box_rows(s->luma, s->r1, s->nluma, s->w, s->win_rows, NULL);
    for (int g = 0; g < s->nluma; g++)
        if (colbox_push(&s->cb1, s->r1[g])) take_c1_row(s);
    s->nluma = 0;
}

/* The luma row s->luma[s->nluma] is filled. */
static void process_luma_row(hm_pdq_stream *s) {
    if (++s->nluma == GROUP) flush_luma(s);
}

/* Packed RGB: the reference's per-pixel float products and sums, written
 * so the compiler vectorises them (each lane does the same IEEE
 * operations in the same order; FMA contraction is off). */
HM_CLONES static void luma_rgb24(const uint8_t *restrict row, int n,
                                 float *restrict out) {
    for (int x = 0; x < n; x++)
        out[x] = kLumaR * (float)row[3 * x] + kLumaG * (float)row[3 * x + 1] +
                 kLumaB * (float)row[3 * x + 2];
}

static void luma_row(const uint8_t *row, int n, int bpp, int channels,
                     const int *xmap, float *out) {
    if (channels == 1) {
        for (int x = 0; x < n; x++) {
            const uint8_t *p = row + (size_t)(xmap ? xmap[x] : x) * bpp;
            out[x] = (float)p[0];
        }
        return;
    }
    /* (R*r + G*g) + B*b, the reference's order */
    if (!xmap && bpp == 3) {
        luma_rgb24(row, n, out);
        return;
    }
    for (int x = 0; x < n; x++) {
        const uint8_t *p = row + (size_t)(xmap ? xmap[x] : x) * bpp;
        out[x] = kLumaR * (float)p[0] + kLumaG * (float)p[1] + kLumaB * (float)p[2];
    }
}

void hm_pdq_stream_push(hm_pdq_stream *s, const uint8_t *row, int bpp,
                        int channels) {
    const int r = s->in_row++;
    if (s->degenerate) return;
    if (s->direct) {
        luma_row(row, 64, bpp, channels, NULL, s->buf64[r]);
        return;
    }
    if (!s->prescale) {
        luma_row(row, s->w, bpp, channels, NULL, s->luma[s->nluma]);
        process_luma_row(s);
        return;
    }
    /* Nearest neighbour: output row y reads input row floor(y*H/512); an
     * input row may feed zero, one or several output rows. */
    while (s->out_row < s->h &&
           (int)(((int64_t)s->out_row * s->in_h) / PDQ_CPP_PRESCALE) == r) {
        luma_row(row, s->w, bpp, channels, s->xs_pre, s->luma[s->nluma]);
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

static void dct64to16(const float a[64][64], float out[16][16]) {
    float t[16][64];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++) {
            float acc = 0.0f;
            for (int k = 0; k < 64; k++) acc += g_dct[i][k] * a[k][j];
            t[i][j] = acc;
        }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float acc = 0.0f;
            for (int k = 0; k < 64; k++) acc += t[i][k] * g_dct[j][k];
            out[i][j] = acc;
        }
}

int hm_pdq_stream_finish(hm_pdq_stream *s, hm_pdq_dct *out) {
    memset(out, 0, sizeof *out);
    if (s->degenerate) {
        out->degenerate = 1;
        return HM_OK;
    }
    if (s->in_row != s->in_h || !g_dct_ready) return HM_E_INTERNAL;
    if (s->direct) s->next_y = 64;
    else {
        flush_luma(s);
    while (colbox_drain(&s->cb1)) take_c1_row(s);
    flush_c1(s);
    while (colbox_drain(&s->cb2)) take_c2_row(s);
    }
    if (s->next_y != 64) return HM_E_INTERNAL;
    out->quality = quality_metric((const float(*)[64])s->buf64);
    dct64to16((const float(*)[64])s->buf64, out->c);
    return HM_OK;
}

static int cmp_float(const void *a, const void *b) {
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Dihedral variants act on the DCT: transpose and/or negate entries
 * according to the parity of their frequencies (index even = odd
 * frequency, antisymmetric under the matching flip). */
static float dih_value(const float a[16][16], int variant, int i, int j) {
    /* value of variant matrix at (i, j) */
    switch (variant) {
    case HM_DIH_ORIGINAL: return a[i][j];
    case HM_DIH_ROT90: /* B[j][i] = A[i][j], negated where j even */
        return (i & 1) ? a[j][i] : -a[j][i];
    case HM_DIH_ROT180: return ((i + j) & 1) ? -a[i][j] : a[i][j];
    case HM_DIH_ROT270: /* B[j][i] = A[i][j], negated where i even */
        return (j & 1) ? a[j][i] : -a[j][i];
    case HM_DIH_FLIPX: return (i & 1) ? a[i][j] : -a[i][j];
    case HM_DIH_FLIPY: return (j & 1) ? a[i][j] : -a[i][j];
    case HM_DIH_FLIPPLUS1: return a[j][i];
    default: /* HM_DIH_FLIPMINUS1 */
        return ((i + j) & 1) ? -a[j][i] : a[j][i];
    }
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
    qsort(sorted, 256, sizeof(float), cmp_float);
    /* Torben's median as the reference uses it: the 128th smallest. */
    const float median = sorted[127];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++)
            if (m[i][j] > median) {
                /* bit k = 16i + j lives in word i; words print high first */
                const int byte = 2 * (15 - i) + (j < 8 ? 1 : 0);
                out->bytes[byte] |= (uint8_t)(1u << (j & 7));
            }
}
