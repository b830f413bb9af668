/* SPDX-License-Identifier: BSD-3-Clause */
/* Exact-match digests of the input bytes, through libavutil. */
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "hash.h"

int hm_digest_md5(const void *data, size_t size, hm_hash *out) {
    struct AVMD5 *ctx = av_md5_alloc();
    if (!ctx) return HM_E_NO_MEMORY;
    hm_hash_init(out, HM_HASH_MD5);
    av_md5_init(ctx);
    av_md5_update(ctx, data, size);
    av_md5_final(ctx, out->bytes);
    av_free(ctx);
    return HM_OK;
}

int hm_digest_sha256(const void *data, size_t size, hm_hash *out) {
    struct AVSHA *ctx = av_sha_alloc();
    if (!ctx) return HM_E_NO_MEMORY;
    hm_hash_init(out, HM_HASH_SHA256);
    if (av_sha_init(ctx, 256) < 0) {
        av_free(ctx);
        return HM_E_INTERNAL;
    }
    /* av_sha_update takes an unsigned int length in FFmpeg 4.x: feed in
     * chunks so buffers over 4 GiB are hashed whole. */
    const uint8_t *p = data;
    while (size > 0) {
        unsigned n = size > (1u << 30) ? (1u << 30) : (unsigned)size;
        av_sha_update(ctx, p, n);
        p += n;
        size -= n;
    }
    av_sha_final(ctx, out->bytes);
    av_free(ctx);
    return HM_OK;
}
