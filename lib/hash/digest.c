/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match digests of the input bytes (MD5, SHA-256) through OpenSSL's
 * libcrypto (the EVP interface): a well-kept implementation with the CPU's
 * SHA and vector instructions, and no FFmpeg, so the library's digests are
 * the same with and without HM_WITH_FFMPEG.  EVP takes a size_t length, so
 * buffers of any size are hashed whole in one update.
 */
#include <openssl/evp.h>

#include "hash.h"

static int digest(const EVP_MD *md, int type, const void *data, size_t size, hm_hash *out) {
    unsigned len = 0;
    hm_hash_init(out, type);
    if (!md) return HM_E_INTERNAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return HM_E_NO_MEMORY;
    int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
             (size == 0 || EVP_DigestUpdate(ctx, data, size) == 1) &&
             EVP_DigestFinal_ex(ctx, out->bytes, &len) == 1 && len == hm_hash_bits(type) / 8;
    EVP_MD_CTX_free(ctx);
    return ok ? HM_OK : HM_E_INTERNAL;
}

int hm_digest_md5(const void *data, size_t size, hm_hash *out) {
    return digest(EVP_md5(), HM_HASH_MD5, data, size, out);
}

int hm_digest_sha256(const void *data, size_t size, hm_hash *out) {
    return digest(EVP_sha256(), HM_HASH_SHA256, data, size, out);
}
