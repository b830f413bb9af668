/* SPDX-License-Identifier: BSD-3-Clause */
/* The images HM_WANT_ROTATIONS hashes (turn.c): the buffered image shrunk
 * to at most HM_ROTATION_SIDE a side, then turned by each angle of
 * HM_ROTATION_ANGLES. */
#ifndef HM_HASH_TURN_H
#define HM_HASH_TURN_H

#include "../common/common.h"

/* `img` shrunk with Pillow's BILINEAR resize so that neither side exceeds
 * `side` (aspect kept, each side at least 1; copied as it is when it
 * fits), into an owned packed image (bpp == channels) that
 * hm_image_release frees.  HM_E_NO_MEMORY. */
int hm_image_shrink(const hm_image *img, uint32_t side, hm_image *out);

/* `src` (packed: bpp == channels) turned by `deg` degrees counter-
 * clockwise about its centre into `dst` (the same size and layout):
 * bilinear sampling, black where the turned frame leaves the image. */
void hm_image_turn(const hm_image *src, double deg, uint8_t *dst);

#endif
