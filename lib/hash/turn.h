/* SPDX-License-Identifier: BSD-3-Clause */
/* The images HM_WANT_ROTATIONS hashes (turn.c): the buffered image shrunk
 * to at most HM_ROTATION_SIDE a side, then turned by each angle of
 * HM_ROTATION_ANGLES. */
#ifndef HM_HASH_TURN_H
#define HM_HASH_TURN_H

#include "../common/common.h"

/* `img` shrunk with Pillow's BILINEAR resize so that neither side exceeds
 * `side` (aspect kept, each side at least 1), into a packed image (bpp ==
 * channels) that hm_image_release frees: when it fits, `img` itself (a
 * view, nothing owned) or, when its pixels are padded, a packed copy.
 * HM_E_NO_MEMORY. */
int hm_image_shrink(const hm_image *img, uint32_t side, hm_image *out);

/* `src` (packed pixels: bpp == channels) turned by `deg` degrees counter-
 * clockwise about its centre into the owned image `dst` (the same size,
 * channels and pixels, its rows `dst->stride` apart): bilinear sampling, black where
 * the turned frame leaves the image. */
void hm_image_turn(const hm_image *src, double deg, const hm_image *dst);

#endif
