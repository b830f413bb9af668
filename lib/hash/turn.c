/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The geometry of HM_WANT_ROTATIONS (turn.h): shrink the buffered image
 * with the Pillow BILINEAR resize of pillow.c, one colour plane at a time,
 * then turn it by small angles with bilinear sampling.  The angles live in
 * the public header (HM_ROTATION_ANGLES); hm_rotation_angle reads them.
 */
#include "turn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pillow.h"

static const int kAngles[] = HM_ROTATION_ANGLES;
_Static_assert(sizeof kAngles / sizeof kAngles[0] == HM_ROTATIONS,
               "HM_ROTATION_ANGLES has HM_ROTATIONS angles");
_Static_assert(HM_ROTATIONS <= 4, "the angle's index takes 2 bits of hm_hash.variant");

int hm_rotation_angle(unsigned index) { return index < HM_ROTATIONS ? kAngles[index] : 0; }

/* The size of a w x h image shrunk to fit side x side, aspect kept. */
static void fit(uint32_t w, uint32_t h, uint32_t side, uint32_t *ow, uint32_t *oh) {
    *ow = w;
    *oh = h;
    if (w <= side && h <= side) return;
    if (w >= h) {
        *ow = side;
        *oh = (uint32_t)(((uint64_t)h * side + w / 2) / w);
    } else {
        *oh = side;
        *ow = (uint32_t)(((uint64_t)w * side + h / 2) / h);
    }
    if (*ow == 0) *ow = 1;
    if (*oh == 0) *oh = 1;
}

int hm_image_shrink(const hm_image *img, uint32_t side, hm_image *out) {
    const int ch = img->channels;
    uint32_t ow, oh;
    hm_pillow_axis ax = {0}, ay = {0};
    uint8_t *dst, *line = NULL, *wide = NULL, *plane = NULL;
    int st = HM_OK;
    fit(img->w, img->h, side, &ow, &oh);
    if (ow == img->w && oh == img->h && img->bpp == ch) { /* fits, packed: a view */
        *out = *img;
        out->owned = NULL;
        return HM_OK;
    }
    if (hm_image_alloc(out, ow, oh, ch, ch) != HM_OK) return HM_E_NO_MEMORY;
    dst = out->owned;
    if (ow == img->w && oh == img->h) { /* fits: packed copy */
        for (uint32_t y = 0; y < oh; y++)
            for (uint32_t x = 0; x < ow; x++)
                memcpy(dst + y * out->stride + (size_t)x * (size_t)ch,
                       img->px + (size_t)y * img->stride + (size_t)x * (size_t)img->bpp,
                       (size_t)ch);
        return HM_OK;
    }
    /* one plane at a time: its rows across (img->h rows of ow), then down */
    line = malloc(img->w);
    wide = malloc((size_t)img->h * ow);
    plane = malloc((size_t)oh * ow);
    if (!line || !wide || !plane ||
        hm_pillow_axis_init(&ax, (int)img->w, (int)ow, HM_PILLOW_BILINEAR) != HM_OK ||
        hm_pillow_axis_init(&ay, (int)img->h, (int)oh, HM_PILLOW_BILINEAR) != HM_OK) {
        st = HM_E_NO_MEMORY;
        goto done;
    }
    for (int c = 0; c < ch; c++) {
        for (uint32_t y = 0; y < img->h; y++) {
            const uint8_t *row = img->px + (size_t)y * img->stride + c;
            for (uint32_t x = 0; x < img->w; x++) line[x] = row[(size_t)x * (size_t)img->bpp];
            hm_pillow_hpass(&ax, line, wide + (size_t)y * ow);
        }
        hm_pillow_vpass(&ay, wide, (int)ow, plane);
        for (size_t i = 0; i < (size_t)oh * ow; i++) dst[i * (size_t)ch + (size_t)c] = plane[i];
    }
done:
    hm_pillow_axis_free(&ax);
    hm_pillow_axis_free(&ay);
    free(line);
    free(wide);
    free(plane);
    if (st != HM_OK) hm_image_release(out);
    return st;
}

/* Bits of fraction of a sampling position; the bilinear weights are
 * 0..256. */
#define FRAC 8
#define ONE (1 << FRAC)

/* One row of hm_image_turn: pixel x samples the source (w x h, `ch`
 * channels packed, rows `stride` apart) at (x0 + ca x, y0 + sa x), in
 * pixels from its top-left corner.  `ch` is a constant where it is
 * inlined, so that the channel loop unrolls; the fields are copied out of
 * the hm_image so that the stores need not reload them. */
static inline void turn_row(const uint8_t *restrict px, uint32_t w, uint32_t h, size_t stride,
                            double x0, double y0, double ca, double sa, size_t ch,
                            uint8_t *restrict o) {
    const int32_t wmax = (int32_t)w - 1, hmax = (int32_t)h - 1;
    for (uint32_t x = 0; x < w; x++, o += ch) {
        const double sx = x0 + ca * x, sy = y0 + sa * x;
        if (!(sx >= 0.0 && sx < w && sy >= 0.0 && sy < h)) {
            memset(o, 0, ch);
            continue;
        }
        /* between the four pixel centres around it (clamped at the edges),
         * in fixed point: the position less half a pixel, >= -0.5, floored */
        const int32_t fx = (int32_t)((sx - 0.5) * ONE + ONE) - ONE;
        const int32_t fy = (int32_t)((sy - 0.5) * ONE + ONE) - ONE;
        const int32_t ix = fx >> FRAC, iy = fy >> FRAC;
        const int32_t tx = fx & (ONE - 1), ty = fy & (ONE - 1);
        const size_t xa = (size_t)(ix < 0 ? 0 : ix) * ch;
        const size_t xb = (size_t)(ix + 1 > wmax ? wmax : ix + 1) * ch;
        const uint8_t *ra = px + (size_t)(iy < 0 ? 0 : iy) * stride;
        const uint8_t *rb = px + (size_t)(iy + 1 > hmax ? hmax : iy + 1) * stride;
        for (size_t c = 0; c < ch; c++) {
            const int32_t top = ra[xa + c] * (ONE - tx) + ra[xb + c] * tx;
            const int32_t bot = rb[xa + c] * (ONE - tx) + rb[xb + c] * tx;
            o[c] = (uint8_t)((top * (ONE - ty) + bot * ty + (1 << (2 * FRAC - 1))) >> (2 * FRAC));
        }
    }
}

void hm_image_turn(const hm_image *src, double deg, const hm_image *dst) {
    const double a = deg * M_PI / 180.0, ca = cos(a), sa = sin(a);
    const double cx = src->w / 2.0, cy = src->h / 2.0;
    const size_t ch = (size_t)src->channels;
    for (uint32_t y = 0; y < src->h; y++) {
        /* the point of the source that lands on the centre of pixel (x, y)
         * is (x0 + ca x, y0 + sa x) */
        const double dy = y + 0.5 - cy;
        const double x0 = cx - ca * (cx - 0.5) - sa * dy, y0 = cy - sa * (cx - 0.5) + ca * dy;
        uint8_t *o = dst->owned + (size_t)y * dst->stride;
        if (ch == 3) turn_row(src->px, src->w, src->h, src->stride, x0, y0, ca, sa, 3, o);
        else turn_row(src->px, src->w, src->h, src->stride, x0, y0, ca, sa, 1, o);
    }
}
