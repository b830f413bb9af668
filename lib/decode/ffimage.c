/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GIF (first frame), BMP and TIFF through FFmpeg's decoders.  The whole
 * file is one packet; the decoder parses its own container header.  The
 * pixel limit is checked from the header where it is cheap to read, and
 * the guard (ffguard.h) applies it again to the picture the decoder
 * allocates.  The frame is converted to 8-bit grey or RGB by libswscale.
 */
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "ffguard.h"

/* Dimensions from the header, 0 when they cannot be read there. */
static void header_dims(const uint8_t *p, size_t n, hm_format fmt,
                        uint64_t *w, uint64_t *h) {
    *w = *h = 0;
    if (fmt == HM_FORMAT_GIF && n >= 10) {
        *w = (uint64_t)(p[6] | p[7] << 8);
        *h = (uint64_t)(p[8] | p[9] << 8);
    } else if (fmt == HM_FORMAT_BMP && n >= 26) {
        uint32_t hdr = (uint32_t)p[14] | (uint32_t)p[15] << 8 |
                       (uint32_t)p[16] << 16 | (uint32_t)p[17] << 24;
        if (hdr == 12) {
            *w = (uint64_t)(p[18] | p[19] << 8);
            *h = (uint64_t)(p[20] | p[21] << 8);
        } else {
            int32_t sw = (int32_t)((uint32_t)p[18] | (uint32_t)p[19] << 8 |
                                   (uint32_t)p[20] << 16 | (uint32_t)p[21] << 24);
            int32_t sh = (int32_t)((uint32_t)p[22] | (uint32_t)p[23] << 8 |
                                   (uint32_t)p[24] << 16 | (uint32_t)p[25] << 24);
            *w = sw < 0 ? (uint64_t)(-(int64_t)sw) : (uint64_t)sw;
            *h = sh < 0 ? (uint64_t)(-(int64_t)sh) : (uint64_t)sh;
        }
    } else if (fmt == HM_FORMAT_TIFF) {
        hm_tiff_dims(p, n, w, h); /* the first IFD, the image FFmpeg decodes */
    }
}

/* The stored colour of the first frame's transparent palette index, as
 * 0xRRGGBB, or -1 when it has none.  FFmpeg's GIF decoder replaces that
 * entry by its "trans_color" option (white by default); Pillow, and so
 * imagehash and pdqhash, keep the stored colour, and alpha is ignored
 * everywhere, so we hand the stored colour back to the decoder. */
static long gif_transparent_rgb(const uint8_t *p, size_t n) {
    size_t pos = 13, gct = 0;
    int trans = -1;
    if (n < 13) return -1;
    if (p[10] & 0x80) gct = 3u << ((p[10] & 7) + 1);
    const size_t gct_pos = pos;
    pos += gct;
    while (pos < n) {
        if (p[pos] == 0x21 && pos + 1 < n) { /* extension */
            const uint8_t label = p[pos + 1];
            pos += 2;
            if (label == 0xF9 && pos + 5 < n && p[pos] == 4)
                trans = (p[pos + 1] & 1) ? p[pos + 4] : -1;
            while (pos < n && p[pos] != 0) pos += 1 + (size_t)p[pos];
            pos++;
        } else if (p[pos] == 0x2C && pos + 10 <= n) { /* first image */
            const uint8_t flags = p[pos + 9];
            size_t pal = gct_pos, entries = gct / 3;
            if (flags & 0x80) {
                pal = pos + 10;
                entries = (size_t)1 << ((flags & 7) + 1);
            }
            if (trans < 0 || (size_t)trans >= entries ||
                pal + 3 * (size_t)trans + 3 > n)
                return -1;
            pal += 3 * (size_t)trans;
            return (long)p[pal] << 16 | (long)p[pal + 1] << 8 | p[pal + 2];
        } else {
            return -1;
        }
    }
    return -1;
}

static int is_gray(enum AVPixelFormat f) {
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f);
    return d && d->nb_components <= 2 && !(d->flags & AV_PIX_FMT_FLAG_PAL) &&
           !(d->flags & AV_PIX_FMT_FLAG_RGB);
}

int hm_decode_ffmpeg(const uint8_t *data, size_t size, hm_format fmt,
                     const hm_decode_opts *o, const hm_sink *sink) {
    const char *name = hm_format_name(fmt);
    enum AVCodecID id = fmt == HM_FORMAT_GIF   ? AV_CODEC_ID_GIF
                        : fmt == HM_FORMAT_BMP ? AV_CODEC_ID_BMP
                                               : AV_CODEC_ID_TIFF;
    const AVCodec *codec = avcodec_find_decoder(id);
    AVCodecContext *ctx = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL;
    struct SwsContext *sws = NULL;
    uint8_t *row = NULL;
    AVDictionary *opts = NULL;
    uint64_t hw, hh;
    hm_ffguard guard = {.o = *o, .name = name}; /* no memory cap: one picture */
    int st = HM_OK, ret;

    if (size > INT32_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
        return hm_fail(HM_E_LIMIT, "%s: input too large", name);
    header_dims(data, size, fmt, &hw, &hh);
    if (hw && hh && (st = hm_check_dims(hw, hh, o, name)) != HM_OK)
        return st;
    if (!codec)
        return hm_fail(HM_E_UNSUPPORTED,
                       "%s: this FFmpeg has no decoder for it", name);
    ctx = avcodec_alloc_context3(codec);
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    if (!ctx || !pkt || !frame) {
        st = hm_fail(HM_E_NO_MEMORY, "%s: out of memory", name);
        goto done;
    }
    ctx->thread_count = 1;
    if ((st = hm_ffguard_attach(&guard, ctx)) != HM_OK) goto done;
    if (fmt == HM_FORMAT_GIF) {
        long rgb = gif_transparent_rgb(data, size);
        if (rgb >= 0) av_dict_set_int(&opts, "trans_color", rgb, 0);
    }
    ret = avcodec_open2(ctx, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        st = hm_fail(HM_E_INTERNAL, "%s: cannot open decoder", name);
        goto done;
    }
    if (av_new_packet(pkt, (int)size) < 0) {
        st = hm_fail(HM_E_NO_MEMORY, "%s: out of memory", name);
        goto done;
    }
    memcpy(pkt->data, data, size);
    ret = avcodec_send_packet(ctx, pkt);
    if (ret >= 0) {
        avcodec_send_packet(ctx, NULL); /* flush: one image only */
        ret = avcodec_receive_frame(ctx, frame);
    }
    if (guard.refused) {
        st = guard.refused;
        goto done;
    }
    if (ret < 0) {
        char e[AV_ERROR_MAX_STRING_SIZE] = {0};
        av_strerror(ret, e, sizeof e);
        st = hm_fail(HM_E_DECODE, "%s: corrupt or truncated (%s)", name, e);
        goto done;
    }
    if ((st = hm_check_dims((uint64_t)frame->width, (uint64_t)frame->height, o,
                            name)) != HM_OK)
        goto done;
    {
        const int gray = is_gray((enum AVPixelFormat)frame->format);
        const int ch = gray ? 1 : 3;
        const enum AVPixelFormat outf = gray ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
        uint8_t *dst[4] = {0};
        int dst_stride[4] = {0};
        sws = sws_getContext(frame->width, frame->height,
                             (enum AVPixelFormat)frame->format, frame->width,
                             frame->height, outf,
                             SWS_POINT | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT |
                                 SWS_BITEXACT,
                             NULL, NULL, NULL);
        /* whole frame at once: slices of one row break on formats with
         * vertically subsampled chroma */
        row = malloc((size_t)frame->width * (size_t)ch * (size_t)frame->height);
        if (!sws || !row) {
            st = hm_fail(HM_E_NO_MEMORY, "%s: cannot convert pixels", name);
            goto done;
        }
        dst[0] = row;
        dst_stride[0] = frame->width * ch;
        sws_scale(sws, (const uint8_t *const *)frame->data, frame->linesize, 0,
                  frame->height, dst, dst_stride);
        st = hm_sink_push_image(sink, row, (uint32_t)frame->width,
                                (uint32_t)frame->height, (size_t)dst_stride[0],
                                ch, ch);
    }
done:
    sws_freeContext(sws);
    free(row);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    return st;
}
