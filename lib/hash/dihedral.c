/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dihedral variants of hashes: where PDQ's and pHash's coefficients go
 * when the image turns, and the variants of PDQ and aHash hashes derived
 * from their bits alone (for queries that come without the exact ones).
 * Pixels turn by hm_dihedral_src (lib/common).
 */
#include <string.h>

#include "hash.h"

int hm_dct_dihedral(int v, int i, int j, int odd_at_even, int *si, int *sj) {
    /* 1 where the coefficient's frequency is odd: antisymmetric under the
     * flip along its axis */
    const int oi = (i & 1) ^ odd_at_even, oj = (j & 1) ^ odd_at_even;
    const int t = hm_dihedral_transposes(v);
    *si = t ? j : i;
    *sj = t ? i : j;
    switch (v) {
    case HM_DIH_ROT90:
    case HM_DIH_FLIPX: return oi;
    case HM_DIH_ROT270:
    case HM_DIH_FLIPY: return oj;
    case HM_DIH_ROT180:
    case HM_DIH_FLIPMINUS1: return oi ^ oj;
    default: return 0;
    }
}

/* PDQ: bit (i, j) is coefficient (i, j) > median.  The reference's
 * transforms transpose the coefficients and change the sign of some; on
 * the bits a sign change flips the bit, which is exact except for
 * coefficients near the median (the median itself moves). */
static void pdq_from_bits(const uint8_t *in, int v, uint8_t *out) {
    memset(out, 0, 32);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            int si, sj;
            const int neg = hm_dct_dihedral(v, i, j, 1, &si, &sj);
            const int bit = (in[hm_pdq_byte(si, sj)] & hm_pdq_mask(sj)) != 0;
            if (bit ^ neg) out[hm_pdq_byte(i, j)] |= hm_pdq_mask(j);
        }
}

/* aHash: bits are the cells of its 8x8 grid against the mean, which a
 * turn does not change: the variant moves the bits (exact). */
static void ahash_from_bits(const uint8_t *in, int v, uint8_t *out) {
    memset(out, 0, 8);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) {
            int sy, sx;
            hm_dihedral_src(v, 8, 8, y, x, &sy, &sx);
            if (in[sy] & hm_grid64_mask(sx)) out[y] |= hm_grid64_mask(x);
        }
}

int hm_variant_derivable(int type) { return type == HM_HASH_PDQ || type == HM_HASH_AHASH; }

void hm_variant_from_bits(int type, const uint8_t *in, int v, uint8_t *out) {
    if (type == HM_HASH_PDQ) pdq_from_bits(in, v, out);
    else if (type == HM_HASH_AHASH) ahash_from_bits(in, v, out);
}
