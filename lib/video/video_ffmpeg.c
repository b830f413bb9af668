/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FFmpeg source of videos: demux and decode with FFmpeg (local input
 * only, allow-listed containers and codecs, probing and time limits, an
 * interrupt callback), the decoder under the guard (pixel limit, picture
 * memory: lib/decode/ffguard.h), frames picked by vPDQ's interval rule,
 * as keyframes or all, and converted to RGB24 as vPDQ does (swscale, area
 * filter).  Built only with FFmpeg (HM_WITH_FFMPEG).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include "video_ff.h"

#define AVIO_BUF 65536
/* Most packets the decoder may reject before the stream counts as damaged
 * beyond use (the frames returned so far stay valid). */
#define MAX_DECODE_ERRORS 64

static int interrupt_cb(void *opaque) { return hm_video_stop_now(opaque); }

/* Containers (demuxer names) and codecs a video may use.  Everything else,
 * in particular playlists (hls, dash), concat and image2 sequences, which
 * open further files or URLs, is refused. */
static const char kFormats[] =
    "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpeg,mpegts,mpegvideo,ogg,"
    "flv,asf,gif,m4v,h264,hevc,ivf,mjpeg,obu";
static const enum AVCodecID kCodecs[] = {
    AV_CODEC_ID_H264,       AV_CODEC_ID_HEVC,       AV_CODEC_ID_VP8,
    AV_CODEC_ID_VP9,        AV_CODEC_ID_AV1,        AV_CODEC_ID_MPEG4,
    AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_ID_MPEG1VIDEO, AV_CODEC_ID_MJPEG,
    AV_CODEC_ID_THEORA,     AV_CODEC_ID_MSMPEG4V3,  AV_CODEC_ID_MSMPEG4V2,
    AV_CODEC_ID_H263,       AV_CODEC_ID_CINEPAK,    AV_CODEC_ID_GIF,
    AV_CODEC_ID_WMV2,       AV_CODEC_ID_WMV3,       AV_CODEC_ID_VC1,
    AV_CODEC_ID_FLV1,       AV_CODEC_ID_VP6F};

/* The library never prints, but FFmpeg's demuxers log damaged input to
 * stderr, and their log level is process-wide (decoders are quieted per
 * context).  When the first video is opened, and only if the level is
 * still FFmpeg's default (the application has not chosen one) and
 * HM_FFMPEG_LOG is unset, it is set to quiet; nothing is done at load. */
static pthread_once_t g_log_once = PTHREAD_ONCE_INIT;
static void quiet_ffmpeg_log(void) {
    if (!getenv("HM_FFMPEG_LOG") && av_log_get_level() == AV_LOG_INFO)
        av_log_set_level(AV_LOG_QUIET);
}

/* ---- memory input ------------------------------------------------------ */

static int mem_read(void *opaque, uint8_t *buf, int size) {
    hm_video *v = opaque;
    size_t left = v->mem_size - v->ff->mem_pos;
    if (!left) return AVERROR_EOF;
    if ((size_t)size > left) size = (int)left;
    memcpy(buf, v->mem + v->ff->mem_pos, (size_t)size);
    v->ff->mem_pos += (size_t)size;
    return size;
}

static int64_t mem_seek(void *opaque, int64_t off, int whence) {
    hm_video *v = opaque;
    int64_t base;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return (int64_t)v->mem_size;
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)v->ff->mem_pos; break;
    case SEEK_END: base = (int64_t)v->mem_size; break;
    default: return AVERROR(EINVAL);
    }
    if (off > (int64_t)v->mem_size - base || base + off < 0) return AVERROR(EINVAL);
    v->ff->mem_pos = (size_t)(base + off);
    return (int64_t)v->ff->mem_pos;
}

/* ---- open -------------------------------------------------------------- */

static int codec_allowed(enum AVCodecID id) {
    for (size_t i = 0; i < sizeof kCodecs / sizeof kCodecs[0]; i++)
        if (kCodecs[i] == id) return 1;
    return 0;
}

static int rotation_of(const AVStream *st) {
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!m) return 0;
    double a = av_display_rotation_get((const int32_t *)m);
    if (isnan(a)) return 0;
    int deg = (int)lround(a / 90.0) * 90 % 360;
    return deg < 0 ? deg + 360 : deg;
}

/* Stream probing decodes frames with FFmpeg's own decoder, which the
 * guard cannot reach: it decodes keyframes only (a probe needs the
 * parameter sets and one picture, not the reference chain behind it),
 * under the pixel backstop.  Returns the per-stream options, or NULL. */
static AVDictionary **probe_options(const hm_video *v, unsigned n) {
    AVDictionary **o = av_calloc(n ? n : 1, sizeof *o);
    for (unsigned i = 0; o && i < n; i++)
        if (av_dict_set(&o[i], "skip_frame", "nokey", 0) < 0 ||
            av_dict_set_int(&o[i], "max_pixels", hm_ffguard_backstop(v->ff->guard.o.max_pixels),
                            0) < 0) {
            for (unsigned j = 0; j <= i; j++) av_dict_free(&o[j]);
            av_freep(&o);
        }
    return o;
}

static int open_ffmpeg(hm_video *v, const char *path, const char *name) {
    AVDictionary *opts = NULL;
    int ret, st;
    char why[128], what[HM_ERRMSG_MAX];
    pthread_once(&g_log_once, quiet_ffmpeg_log);
    if (!(v->ff->fmt = avformat_alloc_context()))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    v->ff->fmt->interrupt_callback.callback = interrupt_cb;
    v->ff->fmt->interrupt_callback.opaque = v;
    v->ff->fmt->probesize = 5 << 20;
    v->ff->fmt->max_analyze_duration = 10 * AV_TIME_BASE;
    if (!path) {
        uint8_t *buf = av_malloc(AVIO_BUF);
        if (!buf || !(v->ff->avio = avio_alloc_context(buf, AVIO_BUF, 0, v, mem_read,
                                                   NULL, mem_seek))) {
            av_free(buf);
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        }
        v->ff->fmt->pb = v->ff->avio;
        v->ff->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    av_dict_set(&opts, "format_whitelist", kFormats, 0);
    /* paths may only be local files; memory input opens nothing at all */
    av_dict_set(&opts, "protocol_whitelist", path ? "file" : "none", 0);
    ret = avformat_open_input(&v->ff->fmt, path ? path : "", NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        v->ff->fmt = NULL; /* freed by avformat_open_input on failure */
        if (hm_video_stop_now(v)) return hm_video_stopped(v);
        av_strerror(ret, why, sizeof why);
        return hm_fail(ret == AVERROR(ENOENT) || ret == AVERROR(EACCES)
                                   ? HM_E_IO : HM_E_UNKNOWN_FORMAT,
                       "%s: not a readable video in an allowed container (%s)",
                       name, why);
    }
    /* frame sizes the container claims, before any frame is decoded
     * (stream probing below decodes a keyframe) */
    for (unsigned i = 0; i < v->ff->fmt->nb_streams; i++) {
        const AVCodecParameters *cp = v->ff->fmt->streams[i]->codecpar;
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO && cp->width > 0 && cp->height > 0) {
            snprintf(what, sizeof what, "%s: the container's frame size", name);
            if ((st = hm_check_dims((uint64_t)cp->width, (uint64_t)cp->height, &v->px,
                                    what)) != HM_OK)
                return st;
        }
    }
    const unsigned nprobe = v->ff->fmt->nb_streams; /* streams found later get none */
    AVDictionary **probe = probe_options(v, nprobe);
    if (!probe) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    ret = avformat_find_stream_info(v->ff->fmt, probe);
    for (unsigned i = 0; i < nprobe; i++) av_dict_free(&probe[i]);
    av_free(probe);
    if (ret < 0) {
        if (hm_video_stop_now(v)) return hm_video_stopped(v);
        av_strerror(ret, why, sizeof why);
        return hm_fail(HM_E_DECODE, "%s: cannot read stream info (%s)", name, why);
    }
    v->ff->stream = av_find_best_stream(v->ff->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (v->ff->stream < 0)
        return hm_fail(HM_E_UNKNOWN_FORMAT, "%s: no video stream", name);
    AVStream *s = v->ff->fmt->streams[v->ff->stream];
    const AVCodecParameters *par = s->codecpar;
    snprintf(v->info.container, sizeof v->info.container, "%s", v->ff->fmt->iformat->name);
    snprintf(v->info.codec, sizeof v->info.codec, "%s", avcodec_get_name(par->codec_id));
    if (!codec_allowed(par->codec_id))
        return hm_fail(HM_E_UNSUPPORTED, "%s: video codec %s is not allowed",
                       name, v->info.codec);
    if (par->width <= 0 || par->height <= 0)
        return hm_fail(HM_E_DECODE, "%s: video has no frame size", name);
    snprintf(what, sizeof what, "%s: a frame", name);
    if ((st = hm_check_dims((uint64_t)par->width, (uint64_t)par->height, &v->px, what)) != HM_OK)
        return st;
    v->info.width = (uint32_t)par->width;
    v->info.height = (uint32_t)par->height;
    v->info.rotation = rotation_of(s);
    AVRational fr = s->avg_frame_rate.num > 0 && s->avg_frame_rate.den > 0
                        ? s->avg_frame_rate : s->r_frame_rate;
    v->info.fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0;
    if (v->info.fps <= 0 || v->info.fps > 1000) v->info.fps = 25; /* unknown */
    if (v->ff->fmt->duration > 0) v->info.duration = (double)v->ff->fmt->duration / AV_TIME_BASE;
    else if (s->duration > 0) v->info.duration = (double)s->duration * av_q2d(s->time_base);
    if (v->info.duration > v->o.max_duration)
        return hm_fail(HM_E_LIMIT,
                       "%s: %.0f s long, over the limit of %.0f s (max_duration)",
                       name, v->info.duration, v->o.max_duration);
    v->ff->tb = av_q2d(s->time_base);
    v->ff->start_pts = s->start_time != AV_NOPTS_VALUE ? s->start_time : 0;

    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return hm_fail(HM_E_UNSUPPORTED, "%s: this FFmpeg cannot decode %s",
                       name, v->info.codec);
    if (!(v->ff->dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(v->ff->dec, par) < 0)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    v->ff->dec->thread_count = 1; /* callers scale with one video per thread */
    v->ff->dec->pkt_timebase = s->time_base;
    if ((st = hm_ffguard_attach(&v->ff->guard, v->ff->dec)) != HM_OK) return st;
    if (v->o.mode == HM_FRAMES_KEYFRAMES) {
        if (v->o.tmk) {
            v->ff->mark_key_packets = 1;
#if LIBAVCODEC_VERSION_MAJOR >= 60
            v->ff->dec->flags |= AV_CODEC_FLAG_COPY_OPAQUE;
#endif
        } else {
            v->ff->key_packets_only = 1;
            v->ff->dec->skip_frame = AVDISCARD_NONKEY;
        }
    }
    for (unsigned i = 0; i < v->ff->fmt->nb_streams; i++)
        if ((int)i != v->ff->stream) v->ff->fmt->streams[i]->discard = AVDISCARD_ALL;
    if ((ret = avcodec_open2(v->ff->dec, codec, NULL)) < 0) {
        av_strerror(ret, why, sizeof why);
        return hm_fail(HM_E_DECODE, "%s: cannot open the %s decoder (%s)", name,
                       v->info.codec, why);
    }
    /* opening may set the size from the codec's own headers (Theora) */
    v->ff->open_w = v->ff->dec->width;
    v->ff->open_h = v->ff->dec->height;
    v->ff->open_fmt = v->ff->dec->pix_fmt;
    if (!(v->ff->pkt = av_packet_alloc()) || !(v->ff->frame = av_frame_alloc()))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    return HM_OK;
}

int hm_video_ff_open(hm_video *v, const char *path, const char *name) {
    if (!(v->ff = calloc(1, sizeof *v->ff)))
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    v->ff->stream = -1;
    v->ff->guard.o = v->px;
    v->ff->guard.max_bytes = v->o.max_memory;
    v->ff->guard.name = "video"; /* as hm_video_next's messages: the path may be gone */
    int st = open_ffmpeg(v, path, name);
    if (st == HM_OK && !v->o.animated_images && strcmp(v->ff->fmt->iformat->name, "gif") == 0)
        st = hm_fail(HM_E_UNKNOWN_FORMAT, "%s: a GIF image, not a video", name);
    return st;
}

void hm_video_ff_close(hm_video *v) {
    hm_ffsrc *s = v->ff;
    if (!s) return;
    sws_freeContext(s->sws);
    av_frame_free(&s->frame);
    av_packet_free(&s->pkt);
    avcodec_free_context(&s->dec);
    if (s->fmt) avformat_close_input(&s->fmt);
    if (s->avio) {
        av_freep(&s->avio->buffer);
        avio_context_free(&s->avio);
    }
    free(s);
    v->ff = NULL;
}

/* ---- frames ------------------------------------------------------------- */

/* 1 for 8-bit YUV formats whose first plane is the luma; *full: full range
 * (the JPEG "J" formats, as swscale reads them). */
static int luma_plane(enum AVPixelFormat fmt, int *full) {
    switch (fmt) {
    case AV_PIX_FMT_YUVJ420P: case AV_PIX_FMT_YUVJ422P: case AV_PIX_FMT_YUVJ444P:
        *full = 1;
        return 1;
    case AV_PIX_FMT_YUV420P: case AV_PIX_FMT_YUV422P: case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_NV12: case AV_PIX_FMT_NV21:
        *full = 0;
        return 1;
    default:
        return 0;
    }
}

/* What of a decoded frame is hashed, and at which size: vPDQ's rule,
 * the one home for it.  vpdq-hash-video (ThreatExchange vpdq/cpp,
 * ffmpegwrapper.cpp createSwsContext, filehasher.cpp) makes one scaler
 * when the decoder is opened: from the decoder context's size and pixel
 * format at that moment to the stream parameters' size (or N x N with
 * -s N), RGB24, area filter; every frame's planes go through it with the
 * context's current height as the slice height.  So a frame larger than
 * the context is read from its top-left corner at the context's size (a
 * Theora picture offset that FFmpeg cannot crop on the left leaves 218
 * wide frames for a 214 wide context), and a context size other than the
 * stream's is resampled to the stream's.  Where that reading is defined
 * (the frame at least the opened size, in its pixel format, the context's
 * height unchanged) the library reads the same; where it is not (a frame
 * that shrank, whose rows it reads past, or changed format, a context
 * that grew taller, whose slice swscale refuses, leaving the output
 * unwritten, or shorter, a partial slice) the frame's whole picture is
 * scaled to the output size. */
typedef struct {
    int w, h, fmt;    /* the top-left w x h of the frame, read as fmt */
    int out_w, out_h; /* the RGB24 picture hashed */
} vpdq_geom;

static vpdq_geom vpdq_geometry(const hm_video *v, const AVFrame *fr) {
    const struct hm_ffsrc *ff = v->ff;
    vpdq_geom g = {fr->width, fr->height, fr->format, (int)v->info.width, (int)v->info.height};
    if (v->o.downscale) g.out_w = g.out_h = v->o.downscale;
    if (ff->open_w > 0 && ff->open_h > 0 && fr->format == ff->open_fmt &&
        fr->width >= ff->open_w && fr->height >= ff->open_h && ff->dec->height == ff->open_h) {
        g.w = ff->open_w;
        g.h = ff->open_h;
    }
    return g;
}

/* Keyframe mode's fast path: the luma the hashes compute from RGB
 * (0.299 R + 0.587 G + 0.114 B) is BT.601's Y', which the decoder already
 * holds; expand the top-left W x H of it to full range and skip the RGB
 * conversion.  Only rounding and per-channel clipping of the RGB path
 * differ. */
static int hash_luma(hm_video *v, const AVFrame *fr, int W, int H, int full,
                     hm_video_frame *f) {
    if (full)
        return hm_video_hash_buf(v, fr->data[0], (uint32_t)W, (uint32_t)H,
                                 (size_t)fr->linesize[0], HM_PIXEL_GRAY8, f);
    uint8_t lut[256];
    for (int y = 0; y < 256; y++) {
        int g = (int)lround((y - 16) * 255.0 / 219.0);
        lut[y] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
    }
    const size_t w = (size_t)W, h = (size_t)H;
    if (HM_RESERVE(v->rgb, v->rgb_cap, w * h + 64, w * h + 64) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "out of memory");
    for (size_t y = 0; y < h; y++) {
        const uint8_t *src = fr->data[0] + y * (size_t)fr->linesize[0];
        uint8_t *dst = v->rgb + y * w;
        for (size_t x = 0; x < w; x++) dst[x] = lut[src[x]];
    }
    return hm_video_hash_buf(v, v->rgb, (uint32_t)w, (uint32_t)h, w, HM_PIXEL_GRAY8, f);
}

/* FFmpeg frame -> RGB24 (area filter, vPDQ's geometry), then hashes. */
static int hash_avframe(hm_video *v, const AVFrame *fr, hm_video_frame *f) {
    int full;
    int st = hm_check_dims((uint64_t)fr->width, (uint64_t)fr->height, &v->px,
                           "video: a frame");
    if (st != HM_OK) return st;
    const vpdq_geom g = vpdq_geometry(v, fr);
    if (v->o.mode == HM_FRAMES_KEYFRAMES && !v->o.rgb_exact && g.out_w == g.w &&
        g.out_h == g.h && luma_plane(g.fmt, &full))
        return hash_luma(v, fr, g.w, g.h, full, f);
    v->ff->sws = sws_getCachedContext(v->ff->sws, g.w, g.h, g.fmt, g.out_w, g.out_h,
                                      AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    const size_t stride = ((size_t)g.out_w * 3 + 63) / 64 * 64;
    const size_t need = stride * (size_t)g.out_h + 64;
    if (!v->ff->sws || HM_RESERVE(v->rgb, v->rgb_cap, need, need) != HM_OK)
        return hm_fail(HM_E_NO_MEMORY, "video: cannot convert %s frames",
                       av_get_pix_fmt_name(fr->format) ? av_get_pix_fmt_name(fr->format) : "?");
    uint8_t *dst[4] = {v->rgb, NULL, NULL, NULL};
    int dst_stride[4] = {(int)stride, 0, 0, 0};
    sws_scale(v->ff->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, g.h, dst,
              dst_stride);
    return hm_video_hash_buf(v, v->rgb, (uint32_t)g.out_w, (uint32_t)g.out_h, stride,
                             HM_PIXEL_RGB24, f);
}

/* Was this frame made from a key packet (mark_key_packets)? */
static int from_key_packet(const struct hm_ffsrc *ff, const AVFrame *fr) {
#if LIBAVCODEC_VERSION_MAJOR >= 60
    return fr->opaque == ff;
#else
    (void)ff;
    return fr->reordered_opaque == 1;
#endif
}

/* Does this decoded frame stand on its own (keyframe mode), as a decoding
 * of the key packets alone gives it? */
static int clean_keyframe(const struct hm_ffsrc *ff, const AVFrame *fr) {
    return fr->key_frame && fr->pict_type == AV_PICTURE_TYPE_I &&
           !(fr->flags & AV_FRAME_FLAG_CORRUPT) && !fr->decode_error_flags &&
           (!ff->mark_key_packets || from_key_packet(ff, fr));
}

int hm_video_ff_decode(hm_video *v, int *got) {
    char why[128];
    *got = 0;
    for (;;) {
        if (hm_video_stop_now(v)) return hm_video_stopped(v);
        int ret = avcodec_receive_frame(v->ff->dec, v->ff->frame);
        if (ret == 0) {
            const AVFrame *fr = v->ff->frame;
            v->info.frames_decoded++;
            int st = hm_video_count_decoded(v, (uint64_t)fr->width * (uint64_t)fr->height);
            const int64_t pts = fr->best_effort_timestamp;
            if (st == HM_OK && pts != AV_NOPTS_VALUE &&
                (double)(pts - v->ff->start_pts) * v->ff->tb > v->o.max_duration)
                st = hm_fail(HM_E_LIMIT, "video: timestamps run past %.0f s "
                             "(max_duration)", v->o.max_duration);
            if (st != HM_OK) {
                av_frame_unref(v->ff->frame);
                return st;
            }
            *got = 1;
            return HM_OK;
        }
        if (ret == AVERROR_EOF) {
            v->done = 1;
            if (!v->info.frames_decoded)
                return hm_fail(HM_E_DECODE, "video: no frame could be decoded");
            return HM_OK;
        }
        if (v->ff->guard.refused) return v->ff->guard.refused;
        if (ret != AVERROR(EAGAIN)) { /* a damaged frame: counted, skipped */
            v->info.partial = 1;
            if (++v->info.decode_errors > MAX_DECODE_ERRORS) goto damaged;
            continue;
        }
        if (v->ff->flushing) { /* the decoder wants input but there is none */
            v->done = 1;
            return HM_OK;
        }
        ret = av_read_frame(v->ff->fmt, v->ff->pkt);
        if (ret < 0) {
            if (hm_video_stop_now(v)) return hm_video_stopped(v);
            if (ret != AVERROR_EOF) v->info.partial = 1; /* truncated or damaged */
            v->ff->flushing = 1;
            avcodec_send_packet(v->ff->dec, NULL);
            continue;
        }
        const int key = (v->ff->pkt->flags & AV_PKT_FLAG_KEY) != 0;
        if (v->ff->pkt->stream_index != v->ff->stream || (v->ff->key_packets_only && !key)) {
            av_packet_unref(v->ff->pkt);
            continue;
        }
        if (v->ff->mark_key_packets) { /* carried to the packet's frame */
#if LIBAVCODEC_VERSION_MAJOR >= 60
            v->ff->pkt->opaque = key ? v->ff : NULL;
#else
            v->ff->dec->reordered_opaque = key;
#endif
        }
        if (v->ff->may_skip)
            v->ff->dec->skip_frame = v->ff->may_skip(v->ff->may_skip_user, v->ff->pkt)
                                         ? AVDISCARD_NONREF
                                         : AVDISCARD_DEFAULT;
        ret = avcodec_send_packet(v->ff->dec, v->ff->pkt);
        av_packet_unref(v->ff->pkt);
        if (v->ff->guard.refused) return v->ff->guard.refused;
        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            if (ret == AVERROR(ENOMEM)) return hm_fail(HM_E_NO_MEMORY, "out of memory");
            v->info.partial = 1;
            if (++v->info.decode_errors > MAX_DECODE_ERRORS) goto damaged;
        }
    }
damaged:
    v->info.partial = 1;
    v->done = 1;
    if (!v->info.frames_decoded) {
        av_strerror(AVERROR_INVALIDDATA, why, sizeof why);
        return hm_fail(HM_E_DECODE, "video: undecodable stream (%s)", why);
    }
    return HM_OK;
}

int hm_video_ff_next(hm_video *v, hm_video_frame *f, int *got) {
    for (;;) {
        int dec, redo, st = hm_video_ff_decode(v, &dec);
        if (st == HM_OK && v->cli && !v->cli_ended) { /* TMK+PDQF beside (opts.tmk) */
            if (dec) {
                st = hm_cli_push(v->cli, v->ff->frame, &redo);
                if (st != HM_OK) av_frame_unref(v->ff->frame);
            } else {
                st = hm_cli_end(v->cli, &redo);
                v->cli_ended = 1;
            }
        }
        if (st != HM_OK || !dec) return st;
        const AVFrame *fr = v->ff->frame;
        const uint64_t n = v->info.frames_decoded - 1;
        const int64_t pts = fr->best_effort_timestamp;
        const double pts_s =
            pts != AV_NOPTS_VALUE ? (double)(pts - v->ff->start_pts) * v->ff->tb : -1;
        int take;
        if (v->o.mode == HM_FRAMES_KEYFRAMES) {
            take = clean_keyframe(v->ff, fr) && pts_s >= 0 &&
                   pts_s - v->last_key_ts >= v->o.interval - 1e-9;
            if (take) {
                v->last_key_ts = pts_s;
                f->timestamp = pts_s;
                f->frame_number = (uint64_t)llround(pts_s * v->info.fps);
            }
        } else {
            take = (int64_t)(n % (uint64_t)v->frame_mod) == 0;
            f->frame_number = n;
            /* vPDQ's time: the frame number over the frame rate in single
             * precision (vpdq/cpp hasher.h), which its 3 decimals show
             * (at 24000/1001 fps frame 36 is 1.502 s, not 1.501) */
            f->timestamp = (double)((float)n / (float)v->info.fps);
        }
        if (!take) {
            av_frame_unref(v->ff->frame);
            continue;
        }
        f->keyframe = fr->key_frame;
        if ((fr->flags & AV_FRAME_FLAG_CORRUPT) || fr->decode_error_flags) {
            f->damaged = 1; /* hashed anyway: concealed, not missing */
            v->info.partial = 1;
        }
        st = hash_avframe(v, fr, f);
        av_frame_unref(v->ff->frame);
        if (st != HM_OK) return st;
        *got = 1;
        return HM_OK;
    }
}
