/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interface of the hash stage: pixel rows / bytes -> hash values. */
#ifndef HM_HASH_H
#define HM_HASH_H

#include "../common/common.h"
#include "../common/simd.h"

/* The 16x16 DCT of an image as PDQ computes it, plus its quality. */
typedef struct hm_pdq_dct {
    float c[16][16];
    int quality;
    int degenerate; /* image side < 5: all-zero hash, quality 0 */
} hm_pdq_dct;

/* PDQF, TMK's frame feature: the 16x16 DCT of a 64x64 RGB24 image's
 * float luma, as PDQ computes it for an image already 64x64 (no filter,
 * no quality).  Rows `stride` bytes apart.  With the kernel set of
 * `level`, which must be usable (hm_pdq_isa_available; the caller picks
 * it when it starts work: every set gives the same bits). */
void hm_pdqf(hm_simd_level level, const uint8_t *rgb, size_t stride, float out[16][16]);

/* Hash bits of dihedral variant `variant` (an hm_dihedral) of a PDQ DCT. */
void hm_pdq_hash(const hm_pdq_dct *d, int variant, hm_hash *out);

/* Where hash bits live in the canonical bytes.  PDQ: bit k = 16i + j is
 * coefficient (i, j); word i is bytes 2(15 - i) and 2(15 - i) + 1, high
 * byte first.  pHash, dHash, aHash (imagehash 4.x): cell (r, c) of the
 * 8x8 grid is byte r, bit 7 - c. */
static inline int hm_pdq_byte(int i, int j) { return 2 * (15 - i) + (j < 8); }
static inline uint8_t hm_pdq_mask(int j) { return (uint8_t)(1u << (j & 7)); }
static inline uint8_t hm_grid64_mask(int c) { return (uint8_t)(0x80u >> c); }

/* Dihedral variant v (an hm_dihedral) of a DCT-based hash: coefficient
 * (i, j) of the turned image's DCT is coefficient (*si, *sj) of the
 * original's, negated when this returns 1.  Turning transposes the
 * coefficients when v transposes and negates those of odd frequency along
 * each mirrored axis.  odd_at_even: 1 for PDQ, whose rows start at
 * frequency 1 (odd frequencies at even indices), 0 for pHash. */
int hm_dct_dihedral(int v, int i, int j, int odd_at_even, int *si, int *sj);

/* Can a type's dihedral variants be derived from its bits?  PDQ's and
 * aHash's can; pHash's and dHash's cannot (their bits compare values the
 * turn mixes), nor can the digests'. */
int hm_variant_derivable(int type);
/* Dihedral variant v of a hash of a derivable type from its bits alone
 * (`out` gets the type's bytes). */
void hm_variant_from_bits(int type, const uint8_t *in, int v, uint8_t *out);

/* MD5 / SHA-256 of a byte buffer (libavutil). */
int hm_digest_md5(const void *data, size_t size, hm_hash *out);
int hm_digest_sha256(const void *data, size_t size, hm_hash *out);

/* Can a value of its (known) type be? HM_OK, or HM_E_INVALID_ARGUMENT
 * with a message: the one check of a value's bits beyond its length (a
 * HM_HASH_PHASHORG_2014 value has bit 0 clear). */
int hm_hash_value_check(int type, const uint8_t *bytes);

/* Start a hash value of a type: zero bytes, quality -1, variant 0. */
void hm_hash_init(hm_hash *h, int type);

#endif
