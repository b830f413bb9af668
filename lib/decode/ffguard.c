/* SPDX-License-Identifier: BSD-3-Clause */
/* The guard of FFmpeg decoders: pixel limit and picture memory (ffguard.h). */
#include "ffguard.h"

#include <stdio.h>

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

#define MB (1024.0 * 1024.0)

/* A picture buffer the guard counts: the decoder's buffer, wrapped so
 * that its release is seen. */
typedef struct held_buf {
    hm_ffguard *g;
    AVBufferRef *inner;
} held_buf;

static void held_free(void *opaque, uint8_t *data) {
    held_buf *b = opaque;
    (void)data;
    b->g->held -= b->inner->size;
    av_buffer_unref(&b->inner);
    av_free(b);
}

/* Reference frames assumed for a decoder whose pictures never pass
 * through get_buffer2 (no AV_CODEC_CAP_DR1: libdav1d for AV1): AV1's 8
 * reference slots. */
#define UNSEEN_REFS 8

static int refuse(hm_ffguard *g) {
    g->refused = HM_E_LIMIT;
    return AVERROR(ENOMEM);
}

/* The cap against what a stream declares: `refs` reference frames,
 * `delay` frames of reordering, the picture being decoded and the one
 * being returned, each w x h in `fmt` (8-bit 4:2:0, the smallest video
 * layout, when the format is not known yet). */
static int check_declared(hm_ffguard *g, int w, int h, enum AVPixelFormat fmt, int refs,
                          int delay) {
    if (!g->max_bytes) return HM_OK;
    const int n = refs + delay + 2;
    const int per = av_image_get_buffer_size(fmt != AV_PIX_FMT_NONE ? fmt : AV_PIX_FMT_YUV420P,
                                             w, h, 1);
    if (per <= 0 || (uint64_t)per * (uint64_t)n <= g->max_bytes) return HM_OK;
    const char *name = av_get_pix_fmt_name(fmt);
    g->refused = HM_E_LIMIT;
    return hm_fail(HM_E_LIMIT,
                   "%s: the decoder would hold %d pictures of %dx%d %s (%d reference, %d "
                   "reordering) = %.1f MB, over the limit of %.1f MB (max_memory)",
                   g->name, n, w, h, name ? name : "yuv420p", refs, delay,
                   (double)per * n / MB, (double)g->max_bytes / MB);
}

static int guard_get_buffer(AVCodecContext *c, AVFrame *f, int flags) {
    hm_ffguard *g = c->opaque;
    /* the displayed size (the coded one may be rounded up to blocks) */
    const uint64_t w = (uint64_t)(c->width > 0 ? c->width : f->width);
    const uint64_t h = (uint64_t)(c->height > 0 ? c->height : f->height);
    char what[64];
    snprintf(what, sizeof what, "%s: a frame", g->name);
    if (hm_check_dims(w, h, &g->o, what) != HM_OK) return refuse(g);
    /* H.264 sets `refs` from its sequence parameter set before the first
     * picture; other decoders leave FFmpeg's default of 1 */
    if (!g->started && check_declared(g, f->width, f->height, f->format, c->refs > 0 ? c->refs : 1,
                                      c->has_b_frames > 0 ? c->has_b_frames : 0) != HM_OK)
        return refuse(g);
    g->started = 1;
    int ret = avcodec_default_get_buffer2(c, f, flags);
    if (ret < 0) return ret;
    uint64_t add = 0;
    for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++) add += f->buf[i]->size;
    if (g->max_bytes && g->held + add > g->max_bytes) {
        av_frame_unref(f);
        hm_err_set("%s: the decoder's pictures would take more than %.1f MB (max_memory; "
                   "%.1f MB held, %.1f MB more asked)",
                   g->name, (double)g->max_bytes / MB, (double)g->held / MB, (double)add / MB);
        return refuse(g);
    }
    for (int i = 0; i < AV_NUM_DATA_POINTERS && f->buf[i]; i++) {
        held_buf *b = av_malloc(sizeof *b);
        AVBufferRef *wrap =
            b ? av_buffer_create(f->buf[i]->data, f->buf[i]->size, held_free, b, 0) : NULL;
        if (!wrap) {
            av_free(b);
            av_frame_unref(f);
            return AVERROR(ENOMEM);
        }
        b->g = g;
        b->inner = f->buf[i];
        g->held += b->inner->size;
        f->buf[i] = wrap;
    }
    return 0;
}

int hm_ffguard_attach(hm_ffguard *g, AVCodecContext *c) {
    g->held = 0;
    g->started = g->refused = 0;
    c->opaque = g;
    c->get_buffer2 = guard_get_buffer;
    /* the decoder's messages stay out of the host's log: a per-context
     * offset past the most verbose level (the global level is left to
     * the application) */
    c->log_level_offset = AV_LOG_TRACE + 8;
    if (c->codec && (c->codec->capabilities & AV_CODEC_CAP_DR1)) {
        c->max_pixels = hm_ffguard_backstop(g->o.max_pixels);
        return HM_OK;
    }
    /* pictures the guard never sees: the decoder's own limit is the exact
     * one (libdav1d compares width x height), memory is checked now */
    c->max_pixels = (int64_t)(g->o.max_pixels > INT64_MAX ? INT64_MAX : g->o.max_pixels);
    if (c->width <= 0 || c->height <= 0) return HM_OK;
    return check_declared(g, c->width, c->height, c->pix_fmt, UNSEEN_REFS, 0);
}

int64_t hm_ffguard_backstop(uint64_t max_pixels) {
    /* FFALIGN(w, a) * h <= 2 * w * h whenever w >= a - 1 (a <= 64) */
    return max_pixels > (uint64_t)INT64_MAX / 2 ? INT64_MAX : (int64_t)(2 * max_pixels);
}
