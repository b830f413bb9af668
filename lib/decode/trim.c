/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Border trimming: the content rectangle of an image inside uniform
 * borders (frames, letterbox bars, a screenshot's flat surround).
 *
 * A line (row or column) is flat when at least 90% of its pixels lie
 * within TOL levels, in every channel, of the line's median colour.  Rows
 * are stripped from the top and the bottom while flat, then columns from
 * the left and the right of the rows left.  Lines are sampled every
 * `step` pixels so that at most PROBE are looked at on a side.  Measured
 * on the robustness corpus (docs/robustness.md) before it was written here.
 */
#include <string.h>

#include "decode.h"

enum { TOL = 12, FLAT_PERCENT = 90, PROBE = 1024, MIN_KEEP_PERCENT = 20 };

typedef struct probe {
    const uint8_t *px;
    size_t stride;
    int bpp, channels;
    uint32_t step;
} probe;

/* Is the line of n samples starting at pixel (y, x), moving (dy, dx)
 * pixels per sample, flat? */
static int line_flat(const probe *p, uint32_t y, uint32_t x, uint32_t dy,
                     uint32_t dx, uint32_t n) {
    uint32_t hist[3][256], med[3];
    uint32_t close = 0;
    const int ch = p->channels;
    memset(hist, 0, sizeof hist);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *q = p->px + (size_t)(y + i * dy) * p->stride +
                           (size_t)(x + i * dx) * (size_t)p->bpp;
        for (int c = 0; c < ch; c++) hist[c][q[c]]++;
    }
    for (int c = 0; c < ch; c++) { /* the lower median */
        uint32_t seen = 0, v = 0;
        while ((seen += hist[c][v]) <= (n - 1) / 2) v++;
        med[c] = v;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *q = p->px + (size_t)(y + i * dy) * p->stride +
                           (size_t)(x + i * dx) * (size_t)p->bpp;
        int ok = 1;
        for (int c = 0; c < ch; c++) {
            const int d = (int)q[c] - (int)med[c];
            ok &= d <= TOL && d >= -TOL;
        }
        close += (uint32_t)ok;
    }
    return (uint64_t)close * 100 >= (uint64_t)FLAT_PERCENT * n;
}

/* The lines of one pass: rows across all columns, or columns across the
 * rows from y0 on; `along` samples each. */
typedef struct lines {
    const probe *p;
    int rows;
    uint32_t y0, along;
} lines;

static int flat(const lines *l, uint32_t i) {
    const uint32_t s = l->p->step;
    return l->rows ? line_flat(l->p, i * s, 0, 0, s, l->along)
                   : line_flat(l->p, l->y0, i * s, s, 0, l->along);
}

/* [*lo, *hi): the lines 0..n-1 left after stripping flat ones from both
 * ends. */
static void strip(const lines *l, uint32_t n, uint32_t *lo, uint32_t *hi) {
    uint32_t a = 0, b = n;
    while (a < n && flat(l, a)) a++;
    while (b > a && flat(l, b - 1)) b--;
    *lo = a;
    *hi = b;
}

void hm_trim_rect(const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                  int channels, int bpp, hm_rect *out) {
    const uint32_t side = w > h ? w : h;
    const probe p = {px, stride, bpp, channels, (side + PROBE - 1) / PROBE};
    const uint32_t s = p.step, nr = (h + s - 1) / s, nc = (w + s - 1) / s;
    uint32_t top, bottom, left, right;
    *out = (hm_rect){0, 0, w, h};
    strip(&(lines){&p, 1, 0, nc}, nr, &top, &bottom);
    if ((uint64_t)(bottom - top) * 100 < (uint64_t)MIN_KEEP_PERCENT * nr) return;
    const uint32_t y0 = top * s, y1 = bottom * s < h ? bottom * s : h;
    strip(&(lines){&p, 0, y0, (y1 - y0 + s - 1) / s}, nc, &left, &right);
    if ((uint64_t)(right - left) * 100 < (uint64_t)MIN_KEEP_PERCENT * nc) return;
    const uint32_t x0 = left * s, x1 = right * s < w ? right * s : w;
    *out = (hm_rect){x0, y0, x1 - x0, y1 - y0};
}
