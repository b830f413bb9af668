/* SPDX-License-Identifier: BSD-3-Clause */
/* Pillow-exact grey conversion and LANCZOS (or BILINEAR) resampling (see
 * pillow.c). */
#ifndef HM_PILLOW_H
#define HM_PILLOW_H

#include <stdint.h>

/* Fixed-point filter taps of one axis of a Pillow resize. */
typedef struct hm_pillow_axis {
    int in, out, ksize;
    int *bounds;  /* out * 2: first input index, number of taps */
    int32_t *k;   /* out * ksize taps, 22 fraction bits */
} hm_pillow_axis;

/* The filters of a resize: Pillow's LANCZOS (imagehash's) and BILINEAR
 * (a triangle of support 1, widened as LANCZOS's when shrinking). */
typedef enum hm_pillow_filter { HM_PILLOW_LANCZOS, HM_PILLOW_BILINEAR } hm_pillow_filter;

int hm_pillow_axis_init(hm_pillow_axis *a, int in, int out, hm_pillow_filter f);
void hm_pillow_axis_free(hm_pillow_axis *a);

/* Horizontal pass over one row: in (a->in pixels) -> out (a->out). */
void hm_pillow_hpass(const hm_pillow_axis *a, const uint8_t *in,
                     uint8_t *out);
/* Vertical pass: `src` holds a->in rows of `w` pixels (packed); writes
 * a->out rows of `w` pixels to `dst`. */
void hm_pillow_vpass(const hm_pillow_axis *a, const uint8_t *src, int w,
                     uint8_t *dst);

/* Pillow "L" of one row: bpp 1 (grey, copied) or 3/4 (R, G, B first). */
void hm_pillow_l_row(const uint8_t *in, int n, int bpp, int channels,
                     uint8_t *out);

#endif
