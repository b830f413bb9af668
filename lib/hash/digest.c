/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match digests of the input bytes: MD5 (RFC 1321) and SHA-256
 * (FIPS 180-4), written here so that hashing bytes needs no FFmpeg (the
 * library builds without it: HM_WITH_FFMPEG=OFF).  Both are the same
 * Merkle-Damgard construction over 64-byte blocks: a block function, then
 * padding with 0x80, zeros and the message length in bits (little-endian
 * for MD5, big-endian for SHA-256).  The constants are computed, as the
 * standards define them: MD5's from sines, SHA-256's from the fractional
 * parts of square and cube roots of the first primes.
 */
#include <string.h>

#include "hash.h"

static uint32_t rol(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }
static uint32_t ror(uint32_t x, unsigned n) { return x >> n | x << (32 - n); }
static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* ---- MD5 ------------------------------------------------------------- */

/* floor(|sin(i + 1)| * 2^32) */
static const uint32_t kMd5K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391};

/* One step: a = b + ((a + f(b, c, d) + K[i] + m[g]) <<< s); the four
 * variables take turns as a, four steps at a time, with each round's
 * message order (m[(mul * i + add) mod 16]) and rotations. */
#define MD5_F(b, c, d) (((b) & (c)) | (~(b) & (d)))
#define MD5_G(b, c, d) (((d) & (b)) | (~(d) & (c)))
#define MD5_H(b, c, d) ((b) ^ (c) ^ (d))
#define MD5_I(b, c, d) ((c) ^ ((b) | ~(d)))
#define MD5_STEP(fn, a, b, c, d, i, g, s) (a) = (b) + rol((a) + fn(b, c, d) + kMd5K[i] + m[g], s)
#define MD5_ROUND(fn, i0, mul, add, s0, s1, s2, s3)                          \
    for (int i = i0; i < (i0) + 16; i += 4) {                                \
        MD5_STEP(fn, a, b, c, d, i, (mul * i + add) & 15, s0);               \
        MD5_STEP(fn, d, a, b, c, i + 1, (mul * (i + 1) + add) & 15, s1);     \
        MD5_STEP(fn, c, d, a, b, i + 2, (mul * (i + 2) + add) & 15, s2);     \
        MD5_STEP(fn, b, c, d, a, i + 3, (mul * (i + 3) + add) & 15, s3);     \
    }

static void md5_block(uint32_t st[8], const uint8_t *p) {
    uint32_t m[16], a = st[0], b = st[1], c = st[2], d = st[3];
    for (int i = 0; i < 16; i++) m[i] = le32(p + 4 * i);
    MD5_ROUND(MD5_F, 0, 1, 0, 7, 12, 17, 22)
    MD5_ROUND(MD5_G, 16, 5, 1, 5, 9, 14, 20)
    MD5_ROUND(MD5_H, 32, 3, 5, 4, 11, 16, 23)
    MD5_ROUND(MD5_I, 48, 7, 0, 6, 10, 15, 21)
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
}

/* ---- SHA-256 ---------------------------------------------------------- */

/* the fractional parts of the cube roots of the first 64 primes */
static const uint32_t kShaK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

/* One round: h becomes the new a and d the new e; the eight variables
 * take turns, eight rounds at a time. */
#define SHA_ROUND(a, b, c, d, e, f, g, h, i)                                                 \
    do {                                                                                     \
        const uint32_t t1 = (h) + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +                    \
                            (((e) & (f)) ^ (~(e) & (g))) + kShaK[i] + w[i];                   \
        const uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +                          \
                            (((a) & (b)) ^ ((a) & (c)) ^ ((b) & (c)));                        \
        (d) += t1;                                                                           \
        (h) = t1 + t2;                                                                       \
    } while (0)

static void sha256_block(uint32_t st[8], const uint8_t *p) {
    uint32_t w[64];
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6],
             h = st[7];
    for (int i = 0; i < 16; i++) w[i] = be32(p + 4 * i);
    for (int i = 16; i < 64; i++) {
        const uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    for (int i = 0; i < 64; i += 8) {
        SHA_ROUND(a, b, c, d, e, f, g, h, i);
        SHA_ROUND(h, a, b, c, d, e, f, g, i + 1);
        SHA_ROUND(g, h, a, b, c, d, e, f, i + 2);
        SHA_ROUND(f, g, h, a, b, c, d, e, i + 3);
        SHA_ROUND(e, f, g, h, a, b, c, d, i + 4);
        SHA_ROUND(d, e, f, g, h, a, b, c, i + 5);
        SHA_ROUND(c, d, e, f, g, h, a, b, i + 6);
        SHA_ROUND(b, c, d, e, f, g, h, a, i + 7);
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

/* ---- the construction both share --------------------------------------- */

/* Digest `size` bytes into the `words` state words `st` (initialised by
 * the caller), then write them to `out` in the algorithm's byte order. */
static void digest(void (*block)(uint32_t st[8], const uint8_t *p), int big_endian,
                   uint32_t st[8], int words, const uint8_t *p, size_t size, uint8_t *out) {
    uint8_t tail[128] = {0};
    const uint64_t bits = (uint64_t)size * 8;
    for (; size >= 64; p += 64, size -= 64) block(st, p);
    memcpy(tail, p, size);
    tail[size] = 0x80;
    const size_t len = size + 9 <= 64 ? 64 : 128;
    for (int i = 0; i < 8; i++)
        tail[len - 8 + i] = (uint8_t)(bits >> (big_endian ? 56 - 8 * i : 8 * i));
    for (size_t off = 0; off < len; off += 64) block(st, tail + off);
    for (int i = 0; i < words; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(st[i] >> (big_endian ? 24 - 8 * j : 8 * j));
}

int hm_digest_md5(const void *data, size_t size, hm_hash *out) {
    uint32_t st[8] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    hm_hash_init(out, HM_HASH_MD5);
    digest(md5_block, 0, st, 4, data, size, out->bytes);
    return HM_OK;
}

int hm_digest_sha256(const void *data, size_t size, hm_hash *out) {
    /* the fractional parts of the square roots of the first 8 primes */
    uint32_t st[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    hm_hash_init(out, HM_HASH_SHA256);
    digest(sha256_block, 1, st, 8, data, size, out->bytes);
    return HM_OK;
}
