/* SPDX-License-Identifier: BSD-3-Clause */
/* Exact-match digests of the input bytes, through libavutil. */
#include <libavutil/md5.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "hash.h"

/* FFmpeg 4.x takes the length of av_md5_update as an int and that of
 * av_sha_update as an unsigned int (size_t from FFmpeg 5 on): both are fed
 * in chunks that fit either, so buffers over 2 GiB are hashed whole. */
#define DIGEST_CHUNK ((size_t)1 << 30)

static size_t next_chunk(size_t left) { return left > DIGEST_CHUNK ? DIGEST_CHUNK : left; }

int hm_digest_md5(const void *data, size_t size, hm_hash *out) {
    struct AVMD5 *ctx = av_md5_alloc();
    if (!ctx) return HM_E_NO_MEMORY;
    hm_hash_init(out, HM_HASH_MD5);
    av_md5_init(ctx);
    for (const uint8_t *p = data; size > 0;) {
        size_t n = next_chunk(size);
        av_md5_update(ctx, p, (int)n);
        p += n;
        size -= n;
    }
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
    for (const uint8_t *p = data; size > 0;) {
        size_t n = next_chunk(size);
        av_sha_update(ctx, p, (unsigned)n);
        p += n;
        size -= n;
    }
    av_sha_final(ctx, out->bytes);
    av_free(ctx);
    return HM_OK;
}
