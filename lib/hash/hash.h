/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interface of the hash stage: pixel rows / bytes -> hash values. */
#ifndef HM_HASH_H
#define HM_HASH_H

#include "../common/common.h"

/* The 16x16 DCT of an image as PDQ computes it, plus its quality. */
typedef struct hm_pdq_dct {
    float c[16][16];
    int quality;
    int degenerate; /* image side < 5: all-zero hash, quality 0 */
} hm_pdq_dct;

/* Hash bits of dihedral variant `variant` (an hm_dihedral) of a PDQ DCT. */
void hm_pdq_hash(const hm_pdq_dct *d, int variant, hm_hash *out);

/* MD5 / SHA-256 of a byte buffer (libavutil). */
int hm_digest_md5(const void *data, size_t size, hm_hash *out);
int hm_digest_sha256(const void *data, size_t size, hm_hash *out);

/* Start a hash value of a type: zero bytes, quality -1, variant 0. */
void hm_hash_init(hm_hash *h, int type);

#endif
