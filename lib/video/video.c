/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video: demux and decode with FFmpeg (local input only, allow-listed
 * containers and codecs, probing and time limits, an interrupt callback),
 * pick frames (vPDQ's interval rule, keyframes, or all), convert each to
 * RGB24 as vPDQ does (swscale, area filter) and hash it.  Animated WebP,
 * which FFmpeg 5.1 cannot decode, goes through libwebp's demux API.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <webp/demux.h>

#include "../hasher.h"

#define AVIO_BUF 65536
/* Most packets the decoder may reject before the stream counts as damaged
 * beyond use (the frames returned so far stay valid). */
#define MAX_DECODE_ERRORS 64

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

struct hm_video {
    hm_hasher *h;
    hm_err *err;
    hm_video_opts o;
    hm_video_info info;
    double deadline; /* CLOCK_MONOTONIC seconds; 0 = none */
    int cancelled, timed_out;
    /* FFmpeg source */
    const uint8_t *mem;
    size_t mem_size, mem_pos;
    AVFormatContext *fmt;
    AVIOContext *avio;
    AVCodecContext *dec;
    int stream;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    double tb;         /* stream time base, seconds */
    int64_t start_pts; /* stream start, time-base units */
    int64_t frame_mod;
    int flushing, done;
    /* libwebp source (animated WebP) */
    WebPAnimDecoder *webp;
    int webp_prev_ts;
    /* RGB24 frame to hash (and its rotated copy) */
    uint8_t *rgb, *rot;
    size_t rgb_cap, rot_cap;
    uint8_t *owned; /* the file's bytes, when libwebp reads them */
    double last_key_ts;
};

/* The library never prints, but FFmpeg logs decoding trouble to stderr by
 * default.  Its log level is process-wide: silence it at load time unless
 * HM_FFMPEG_LOG is set (an application that wants FFmpeg's messages may
 * also raise the level again with av_log_set_level after loading). */
__attribute__((constructor)) static void hm_video_init(void) {
    if (!getenv("HM_FFMPEG_LOG")) av_log_set_level(AV_LOG_QUIET);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void hm_video_opts_init(hm_video_opts *o) {
    if (!o) return;
    memset(o, 0, sizeof *o);
    o->mode = HM_FRAMES_INTERVAL;
    o->interval = 1.0;
    o->types = HM_TYPE_BIT(HM_HASH_PDQ);
    o->animated_images = 1;
    o->rgb_exact = 1;
    o->max_frames = 100000;
    o->max_decoded = 2000000;
    o->max_duration = 14400;
    o->time_budget = 600;
}

/* ---- interruption ---------------------------------------------------- */

static int stop_now(hm_video *v) {
    if (v->o.interrupt && v->o.interrupt(v->o.user)) v->cancelled = 1;
    if (v->deadline > 0 && now() > v->deadline) v->timed_out = 1;
    return v->cancelled || v->timed_out;
}

static int interrupt_cb(void *opaque) { return stop_now(opaque); }

static int stopped_status(hm_video *v) {
    if (v->cancelled)
        return hm_fail(v->err, HM_E_CANCELLED, "video: cancelled by the caller");
    return hm_fail(v->err, HM_E_LIMIT, "video: time budget of %.0f s spent",
                   v->o.time_budget);
}

/* ---- memory input ------------------------------------------------------ */

static int mem_read(void *opaque, uint8_t *buf, int size) {
    hm_video *v = opaque;
    size_t left = v->mem_size - v->mem_pos;
    if (!left) return AVERROR_EOF;
    if ((size_t)size > left) size = (int)left;
    memcpy(buf, v->mem + v->mem_pos, (size_t)size);
    v->mem_pos += (size_t)size;
    return size;
}

static int64_t mem_seek(void *opaque, int64_t off, int whence) {
    hm_video *v = opaque;
    int64_t base;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return (int64_t)v->mem_size;
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)v->mem_pos; break;
    case SEEK_END: base = (int64_t)v->mem_size; break;
    default: return AVERROR(EINVAL);
    }
    if (off > (int64_t)v->mem_size - base || base + off < 0) return AVERROR(EINVAL);
    v->mem_pos = (size_t)(base + off);
    return (int64_t)v->mem_pos;
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

static int open_ffmpeg(hm_video *v, const char *path, const char *name) {
    AVDictionary *opts = NULL;
    int ret, st;
    char why[128];
    if (!(v->fmt = avformat_alloc_context()))
        return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
    v->fmt->interrupt_callback.callback = interrupt_cb;
    v->fmt->interrupt_callback.opaque = v;
    v->fmt->probesize = 5 << 20;
    v->fmt->max_analyze_duration = 10 * AV_TIME_BASE;
    if (!path) {
        uint8_t *buf = av_malloc(AVIO_BUF);
        if (!buf || !(v->avio = avio_alloc_context(buf, AVIO_BUF, 0, v, mem_read,
                                                   NULL, mem_seek))) {
            av_free(buf);
            return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
        }
        v->fmt->pb = v->avio;
        v->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    }
    av_dict_set(&opts, "format_whitelist", kFormats, 0);
    /* paths may only be local files; memory input opens nothing at all */
    av_dict_set(&opts, "protocol_whitelist", path ? "file" : "none", 0);
    ret = avformat_open_input(&v->fmt, path ? path : "", NULL, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        v->fmt = NULL; /* freed by avformat_open_input on failure */
        if (stop_now(v)) return stopped_status(v);
        av_strerror(ret, why, sizeof why);
        return hm_fail(v->err, ret == AVERROR(ENOENT) || ret == AVERROR(EACCES)
                                   ? HM_E_IO : HM_E_UNKNOWN_FORMAT,
                       "%s: not a readable video in an allowed container (%s)",
                       name, why);
    }
    /* frame sizes the container claims, before any frame is decoded
     * (stream probing below decodes a few) */
    for (unsigned i = 0; i < v->fmt->nb_streams; i++) {
        const AVCodecParameters *cp = v->fmt->streams[i]->codecpar;
        if (cp->codec_type == AVMEDIA_TYPE_VIDEO && cp->width > 0 && cp->height > 0 &&
            (uint64_t)cp->width * (uint64_t)cp->height > hm_hasher_max_pixels(v->h))
            return hm_fail(v->err, HM_E_LIMIT,
                           "%s: the container claims %dx%d frames, over the pixel limit "
                           "of %llu (HM_PARAM_MAX_PIXELS)",
                           name, cp->width, cp->height,
                           (unsigned long long)hm_hasher_max_pixels(v->h));
    }
    if ((ret = avformat_find_stream_info(v->fmt, NULL)) < 0) {
        if (stop_now(v)) return stopped_status(v);
        av_strerror(ret, why, sizeof why);
        return hm_fail(v->err, HM_E_DECODE, "%s: cannot read stream info (%s)", name, why);
    }
    v->stream = av_find_best_stream(v->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (v->stream < 0)
        return hm_fail(v->err, HM_E_UNKNOWN_FORMAT, "%s: no video stream", name);
    AVStream *s = v->fmt->streams[v->stream];
    const AVCodecParameters *par = s->codecpar;
    snprintf(v->info.container, sizeof v->info.container, "%s", v->fmt->iformat->name);
    snprintf(v->info.codec, sizeof v->info.codec, "%s", avcodec_get_name(par->codec_id));
    if (!codec_allowed(par->codec_id))
        return hm_fail(v->err, HM_E_UNSUPPORTED, "%s: video codec %s is not allowed",
                       name, v->info.codec);
    if (par->width <= 0 || par->height <= 0)
        return hm_fail(v->err, HM_E_DECODE, "%s: video has no frame size", name);
    if ((uint64_t)par->width * (uint64_t)par->height > hm_hasher_max_pixels(v->h))
        return hm_fail(v->err, HM_E_LIMIT,
                       "%s: frames of %dx%d exceed the pixel limit of %llu "
                       "(HM_PARAM_MAX_PIXELS)",
                       name, par->width, par->height,
                       (unsigned long long)hm_hasher_max_pixels(v->h));
    v->info.width = (uint32_t)par->width;
    v->info.height = (uint32_t)par->height;
    v->info.rotation = rotation_of(s);
    AVRational fr = s->avg_frame_rate.num > 0 && s->avg_frame_rate.den > 0
                        ? s->avg_frame_rate : s->r_frame_rate;
    v->info.fps = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 0;
    if (v->info.fps <= 0 || v->info.fps > 1000) v->info.fps = 25; /* unknown */
    if (v->fmt->duration > 0) v->info.duration = (double)v->fmt->duration / AV_TIME_BASE;
    else if (s->duration > 0) v->info.duration = (double)s->duration * av_q2d(s->time_base);
    if (v->info.duration > v->o.max_duration)
        return hm_fail(v->err, HM_E_LIMIT,
                       "%s: %.0f s long, over the limit of %.0f s (max_duration)",
                       name, v->info.duration, v->o.max_duration);
    v->tb = av_q2d(s->time_base);
    v->start_pts = s->start_time != AV_NOPTS_VALUE ? s->start_time : 0;

    const AVCodec *codec = avcodec_find_decoder(par->codec_id);
    if (!codec)
        return hm_fail(v->err, HM_E_UNSUPPORTED, "%s: this FFmpeg cannot decode %s",
                       name, v->info.codec);
    if (!(v->dec = avcodec_alloc_context3(codec)) ||
        avcodec_parameters_to_context(v->dec, par) < 0)
        return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
    v->dec->thread_count = 1; /* callers scale with one video per thread */
    v->dec->max_pixels = (int64_t)hm_hasher_max_pixels(v->h);
    v->dec->pkt_timebase = s->time_base;
    if (v->o.mode == HM_FRAMES_KEYFRAMES) v->dec->skip_frame = AVDISCARD_NONKEY;
    for (unsigned i = 0; i < v->fmt->nb_streams; i++)
        if ((int)i != v->stream) v->fmt->streams[i]->discard = AVDISCARD_ALL;
    if ((ret = avcodec_open2(v->dec, codec, NULL)) < 0) {
        av_strerror(ret, why, sizeof why);
        return hm_fail(v->err, HM_E_DECODE, "%s: cannot open the %s decoder (%s)", name,
                       v->info.codec, why);
    }
    if (!(v->pkt = av_packet_alloc()) || !(v->frame = av_frame_alloc()))
        return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
    st = HM_OK;
    return st;
}

/* Animated WebP through libwebp: every frame, timestamps from the file. */
static int open_webp(hm_video *v, const char *name) {
    WebPAnimDecoderOptions opt;
    WebPData wd = {v->mem, v->mem_size};
    WebPAnimInfo ai;
    if (!WebPAnimDecoderOptionsInit(&opt))
        return hm_fail(v->err, HM_E_INTERNAL, "WebP: libwebp version mismatch");
    opt.color_mode = MODE_RGBA;
    opt.use_threads = 0;
    if (!(v->webp = WebPAnimDecoderNew(&wd, &opt)) || !WebPAnimDecoderGetInfo(v->webp, &ai))
        return hm_fail(v->err, HM_E_DECODE, "%s: corrupt WebP", name);
    if ((uint64_t)ai.canvas_width * ai.canvas_height > hm_hasher_max_pixels(v->h))
        return hm_fail(v->err, HM_E_LIMIT,
                       "%s: %ux%u canvas exceeds the pixel limit (HM_PARAM_MAX_PIXELS)",
                       name, ai.canvas_width, ai.canvas_height);
    v->info.width = ai.canvas_width;
    v->info.height = ai.canvas_height;
    v->info.fps = 0;
    snprintf(v->info.container, sizeof v->info.container, "webp");
    snprintf(v->info.codec, sizeof v->info.codec, "webp");
    return HM_OK;
}

static int open_common(hm_hasher *h, const char *path, const uint8_t *data,
                       size_t size, const hm_video_opts *opts, hm_video **out) {
    hm_video *v;
    uint8_t *file = NULL;
    const char *name = path ? path : "video in memory";
    int st;
    if (!h || !out) return HM_E_INVALID_ARGUMENT;
    *out = NULL;
    hm_err *err = hm_hasher_err(h);
    hm_err_clear(err);
    if (!(v = calloc(1, sizeof *v))) return hm_fail(err, HM_E_NO_MEMORY, "out of memory");
    v->h = h;
    v->err = err;
    v->stream = -1;
    v->last_key_ts = -1e300;
    if (opts) v->o = *opts;
    else hm_video_opts_init(&v->o);
    const unsigned hashable = HM_TYPES_PERCEPTUAL;
    if (!v->o.types || (v->o.types & ~hashable) || v->o.mode < HM_FRAMES_INTERVAL ||
        v->o.mode > HM_FRAMES_ALL || !(v->o.interval >= 0) || v->o.interval > 1e6 ||
        v->o.downscale < 0 || v->o.downscale > 4096 || !(v->o.max_duration > 0) ||
        !(v->o.time_budget >= 0) || !v->o.max_frames || !v->o.max_decoded) {
        free(v);
        return hm_fail(err, HM_E_INVALID_ARGUMENT,
                       "bad video options (types may be pdq, phash, dhash, ahash)");
    }
    if (v->o.time_budget > 0) v->deadline = now() + v->o.time_budget;
    if (path) { /* the byte limit applies to files too */
        struct stat sb;
        if (stat(path, &sb) != 0) {
            st = hm_fail(err, HM_E_IO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        if (!S_ISREG(sb.st_mode)) {
            st = hm_fail(err, HM_E_IO, "%s: not a regular file", path);
            goto fail;
        }
        size = (size_t)sb.st_size;
    }
    if (size > hm_hasher_max_input(h)) {
        st = hm_fail(err, HM_E_LIMIT,
                     "%s: %zu bytes, over the limit of %llu bytes (HM_PARAM_MAX_INPUT_BYTES)",
                     name, size, (unsigned long long)hm_hasher_max_input(h));
        goto fail;
    }
    v->mem = data;
    v->mem_size = size;
    /* animated WebP: libwebp; it needs the bytes in memory */
    uint8_t head[12] = {0};
    if (path) {
        FILE *f = fopen(path, "rb");
        if (f) {
            size_t got = fread(head, 1, sizeof head, f);
            (void)got;
            fclose(f);
        }
    } else if (size >= 12) {
        memcpy(head, data, 12);
    }
    if (memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0) {
        if (!v->o.animated_images) {
            st = hm_fail(err, HM_E_UNKNOWN_FORMAT, "%s: a WebP image, not a video", name);
            goto fail;
        }
        if (path) {
            FILE *f = fopen(path, "rb");
            file = malloc(size ? size : 1);
            if (!f || !file || fread(file, 1, size, f) != size) {
                if (f) fclose(f);
                st = hm_fail(err, HM_E_IO, "%s: read error", path);
                goto fail;
            }
            fclose(f);
            v->mem = file;
        }
        v->owned = file; /* WebPAnimDecoder keeps pointers into the data */
        file = NULL;
        st = open_webp(v, name);
    } else {
        st = open_ffmpeg(v, path, name);
    }
    if (st != HM_OK) goto fail;
    if (!v->o.animated_images && v->fmt && strcmp(v->fmt->iformat->name, "gif") == 0) {
        st = hm_fail(err, HM_E_UNKNOWN_FORMAT, "%s: a GIF image, not a video", name);
        goto fail;
    }
    v->frame_mod = 1;
    if (v->o.mode == HM_FRAMES_INTERVAL) {
        double m = v->o.interval * (v->info.fps > 0 ? v->info.fps : 1);
        v->frame_mod = m >= 1 ? (int64_t)m : 1;
    }
    *out = v;
    return HM_OK;
fail:
    free(file);
    hm_video_close(v);
    return st;
}

hm_status hm_video_open_file(hm_hasher *h, const char *path,
                             const hm_video_opts *opts, hm_video **out) {
    if (!path) return HM_E_INVALID_ARGUMENT;
    return open_common(h, path, NULL, 0, opts, out);
}

hm_status hm_video_open_memory(hm_hasher *h, const void *data, size_t size,
                               const hm_video_opts *opts, hm_video **out) {
    if (!data && size) return HM_E_INVALID_ARGUMENT;
    if (!size) {
        if (h) hm_fail(hm_hasher_err(h), HM_E_DECODE, "video in memory: empty");
        return h ? HM_E_DECODE : HM_E_INVALID_ARGUMENT;
    }
    return open_common(h, NULL, data, size, opts, out);
}

void hm_video_close(hm_video *v) {
    if (!v) return;
    sws_freeContext(v->sws);
    av_frame_free(&v->frame);
    av_packet_free(&v->pkt);
    avcodec_free_context(&v->dec);
    if (v->fmt) avformat_close_input(&v->fmt);
    if (v->avio) {
        av_freep(&v->avio->buffer);
        avio_context_free(&v->avio);
    }
    if (v->webp) WebPAnimDecoderDelete(v->webp);
    free(v->rgb);
    free(v->rot);
    free(v->owned);
    free(v);
}

hm_status hm_video_get_info(const hm_video *v, hm_video_info *info) {
    if (!v || !info) return HM_E_INVALID_ARGUMENT;
    *info = v->info;
    return HM_OK;
}

/* ---- frames ------------------------------------------------------------- */

static int grow(uint8_t **p, size_t *cap, size_t need) {
    if (need <= *cap) return HM_OK;
    uint8_t *n = realloc(*p, need);
    if (!n) return HM_E_NO_MEMORY;
    *p = n;
    *cap = need;
    return HM_OK;
}

/* Rotate a w x h image of `bpp` bytes per pixel by the metadata's
 * degrees counter-clockwise into v->rot (when asked for), so the hash
 * sees the picture upright. */
static const uint8_t *upright(hm_video *v, const uint8_t *src, uint32_t *w,
                              uint32_t *h, size_t *stride, unsigned bpp) {
    const int deg = v->o.apply_rotation ? v->info.rotation : 0;
    if (!deg) return src;
    const int var = deg == 90 ? HM_DIH_ROT90 : deg == 180 ? HM_DIH_ROT180 : HM_DIH_ROT270;
    if (grow(&v->rot, &v->rot_cap, (size_t)*w * *h * bpp) != HM_OK) return NULL;
    hm_turn_image(src, *w, *h, *stride, (int)bpp, var, v->rot);
    if (deg != 180) {
        const uint32_t t = *w;
        *w = *h;
        *h = t;
    }
    *stride = (size_t)*w * bpp;
    return v->rot;
}

static int hash_buf(hm_video *v, const uint8_t *px, uint32_t w, uint32_t h,
                    size_t stride, hm_pixel_format fmt, hm_video_frame *f) {
    const unsigned bpp = fmt == HM_PIXEL_GRAY8 ? 1 : 3;
    size_t n = 0;
    px = upright(v, px, &w, &h, &stride, bpp);
    if (!px) return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
    if (v->o.trim_borders) {
        hm_rect r;
        hm_find_content(px, w, h, stride, fmt, &r);
        px += (size_t)r.y * stride + (size_t)r.x * bpp;
        w = r.width;
        h = r.height;
    }
    int st = hm_hash_pixels(v->h, px, w, h, stride, fmt, v->o.types, f->hashes, 4, &n);
    f->nhashes = (int32_t)n;
    return st;
}

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

/* Keyframe mode's fast path: the luma the hashes compute from RGB
 * (0.299 R + 0.587 G + 0.114 B) is BT.601's Y', which the decoder already
 * holds; expand it to full range and skip the RGB conversion.  Only
 * rounding and per-channel clipping of the RGB path differ. */
static int hash_luma(hm_video *v, const AVFrame *fr, int full, hm_video_frame *f) {
    if (full)
        return hash_buf(v, fr->data[0], (uint32_t)fr->width, (uint32_t)fr->height,
                        (size_t)fr->linesize[0], HM_PIXEL_GRAY8, f);
    uint8_t lut[256];
    for (int y = 0; y < 256; y++) {
        int g = (int)lround((y - 16) * 255.0 / 219.0);
        lut[y] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
    }
    const size_t W = (size_t)fr->width, H = (size_t)fr->height;
    if (grow(&v->rgb, &v->rgb_cap, W * H + 64) != HM_OK)
        return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
    for (size_t y = 0; y < H; y++) {
        const uint8_t *src = fr->data[0] + y * (size_t)fr->linesize[0];
        uint8_t *dst = v->rgb + y * W;
        for (size_t x = 0; x < W; x++) dst[x] = lut[src[x]];
    }
    return hash_buf(v, v->rgb, (uint32_t)W, (uint32_t)H, W, HM_PIXEL_GRAY8, f);
}

/* FFmpeg frame -> RGB24 (area filter, as vPDQ), then hashes. */
static int hash_avframe(hm_video *v, const AVFrame *fr, hm_video_frame *f) {
    const int ow = v->o.downscale ? v->o.downscale : fr->width;
    const int oh = v->o.downscale ? v->o.downscale : fr->height;
    int full;
    if ((uint64_t)fr->width * (uint64_t)fr->height > hm_hasher_max_pixels(v->h))
        return hm_fail(v->err, HM_E_LIMIT, "video: a %dx%d frame exceeds the pixel limit",
                       fr->width, fr->height);
    if (v->o.mode == HM_FRAMES_KEYFRAMES && !v->o.downscale && !v->o.rgb_exact &&
        luma_plane(fr->format, &full))
        return hash_luma(v, fr, full, f);
    v->sws = sws_getCachedContext(v->sws, fr->width, fr->height, fr->format, ow, oh,
                                  AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    const size_t stride = ((size_t)ow * 3 + 63) / 64 * 64;
    if (!v->sws || grow(&v->rgb, &v->rgb_cap, stride * (size_t)oh + 64) != HM_OK)
        return hm_fail(v->err, HM_E_NO_MEMORY, "video: cannot convert %s frames",
                       av_get_pix_fmt_name(fr->format) ? av_get_pix_fmt_name(fr->format) : "?");
    uint8_t *dst[4] = {v->rgb, NULL, NULL, NULL};
    int dst_stride[4] = {(int)stride, 0, 0, 0};
    sws_scale(v->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst,
              dst_stride);
    return hash_buf(v, v->rgb, (uint32_t)ow, (uint32_t)oh, stride, HM_PIXEL_RGB24, f);
}

/* Does this decoded frame stand on its own (keyframe mode)? */
static int clean_keyframe(const AVFrame *fr) {
    return fr->key_frame && fr->pict_type == AV_PICTURE_TYPE_I &&
           !(fr->flags & AV_FRAME_FLAG_CORRUPT) && !fr->decode_error_flags;
}

static int next_ffmpeg(hm_video *v, hm_video_frame *f, int *got) {
    char why[128];
    for (;;) {
        if (stop_now(v)) return stopped_status(v);
        int ret = avcodec_receive_frame(v->dec, v->frame);
        if (ret == 0) {
            const AVFrame *fr = v->frame;
            const uint64_t n = v->info.frames_decoded++;
            if (v->info.frames_decoded > v->o.max_decoded) {
                av_frame_unref(v->frame);
                return hm_fail(v->err, HM_E_LIMIT, "video: more than %llu frames decoded "
                               "(max_decoded)", (unsigned long long)v->o.max_decoded);
            }
            const int64_t pts = fr->best_effort_timestamp;
            const double pts_s = pts != AV_NOPTS_VALUE ? (double)(pts - v->start_pts) * v->tb : -1;
            if (pts_s > v->o.max_duration) {
                av_frame_unref(v->frame);
                return hm_fail(v->err, HM_E_LIMIT, "video: timestamps run past %.0f s "
                               "(max_duration)", v->o.max_duration);
            }
            int take;
            if (v->o.mode == HM_FRAMES_KEYFRAMES) {
                take = clean_keyframe(fr) && pts_s >= 0 &&
                       pts_s - v->last_key_ts >= v->o.interval - 1e-9;
                if (take) {
                    v->last_key_ts = pts_s;
                    f->timestamp = pts_s;
                    f->frame_number = (uint64_t)llround(pts_s * v->info.fps);
                }
            } else {
                take = (int64_t)(n % (uint64_t)v->frame_mod) == 0;
                f->frame_number = n;
                f->timestamp = (double)n / v->info.fps;
            }
            if (!take) {
                av_frame_unref(v->frame);
                continue;
            }
            f->keyframe = fr->key_frame;
            if ((fr->flags & AV_FRAME_FLAG_CORRUPT) || fr->decode_error_flags) {
                f->damaged = 1; /* hashed anyway: concealed, not missing */
                v->info.partial = 1;
            }
            int st = hash_avframe(v, fr, f);
            av_frame_unref(v->frame);
            if (st != HM_OK) return st;
            *got = 1;
            return HM_OK;
        }
        if (ret == AVERROR_EOF) {
            v->done = 1;
            if (!v->info.frames_decoded)
                return hm_fail(v->err, HM_E_DECODE, "video: no frame could be decoded");
            return HM_OK;
        }
        if (ret != AVERROR(EAGAIN)) { /* a damaged frame: counted, skipped */
            v->info.partial = 1;
            if (++v->info.decode_errors > MAX_DECODE_ERRORS) goto damaged;
            continue;
        }
        if (v->flushing) { /* the decoder wants input but there is none */
            v->done = 1;
            return HM_OK;
        }
        ret = av_read_frame(v->fmt, v->pkt);
        if (ret < 0) {
            if (stop_now(v)) return stopped_status(v);
            if (ret != AVERROR_EOF) v->info.partial = 1; /* truncated or damaged */
            v->flushing = 1;
            avcodec_send_packet(v->dec, NULL);
            continue;
        }
        if (v->pkt->stream_index != v->stream ||
            (v->o.mode == HM_FRAMES_KEYFRAMES && !(v->pkt->flags & AV_PKT_FLAG_KEY))) {
            av_packet_unref(v->pkt);
            continue;
        }
        ret = avcodec_send_packet(v->dec, v->pkt);
        av_packet_unref(v->pkt);
        if (ret < 0 && ret != AVERROR(EAGAIN)) {
            if (ret == AVERROR(ENOMEM)) return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
            v->info.partial = 1;
            if (++v->info.decode_errors > MAX_DECODE_ERRORS) goto damaged;
        }
    }
damaged:
    v->info.partial = 1;
    v->done = 1;
    if (!v->info.frames_decoded) {
        av_strerror(AVERROR_INVALIDDATA, why, sizeof why);
        return hm_fail(v->err, HM_E_DECODE, "video: undecodable stream (%s)", why);
    }
    return HM_OK;
}

static int next_webp(hm_video *v, hm_video_frame *f, int *got) {
    uint8_t *rgba;
    int ts;
    for (;;) {
        if (stop_now(v)) return stopped_status(v);
        if (!WebPAnimDecoderHasMoreFrames(v->webp)) {
            v->done = 1;
            return HM_OK;
        }
        if (!WebPAnimDecoderGetNext(v->webp, &rgba, &ts)) {
            v->info.partial = 1;
            v->done = 1;
            if (!v->info.frames_decoded)
                return hm_fail(v->err, HM_E_DECODE, "video: corrupt animated WebP");
            return HM_OK;
        }
        /* a frame's timestamp in libwebp is its end time */
        const double start = v->webp_prev_ts / 1000.0;
        v->webp_prev_ts = ts;
        const uint64_t n = v->info.frames_decoded++;
        if (v->info.frames_decoded > v->o.max_decoded)
            return hm_fail(v->err, HM_E_LIMIT, "video: more than %llu frames decoded",
                           (unsigned long long)v->o.max_decoded);
        if (start > v->o.max_duration)
            return hm_fail(v->err, HM_E_LIMIT, "video: longer than %.0f s (max_duration)",
                           v->o.max_duration);
        int take = v->o.mode == HM_FRAMES_ALL ||
                   start - v->last_key_ts >= v->o.interval - 1e-9;
        if (!take) continue;
        v->last_key_ts = start;
        f->frame_number = n;
        f->timestamp = start;
        f->keyframe = 1;
        /* RGBA -> RGB: alpha is ignored, as for still images */
        const size_t np = (size_t)v->info.width * v->info.height;
        if (grow(&v->rgb, &v->rgb_cap, np * 3) != HM_OK)
            return hm_fail(v->err, HM_E_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < np; i++) memcpy(v->rgb + 3 * i, rgba + 4 * i, 3);
        int st = hash_buf(v, v->rgb, v->info.width, v->info.height,
                          (size_t)v->info.width * 3, HM_PIXEL_RGB24, f);
        if (st != HM_OK) return st;
        *got = 1;
        return HM_OK;
    }
}

hm_status hm_video_next(hm_video *v, hm_video_frame *f, int *got) {
    int st;
    if (!v || !f || !got) return HM_E_INVALID_ARGUMENT;
    *got = 0;
    memset(f, 0, sizeof *f);
    hm_err_clear(v->err);
    if (v->done) return HM_OK;
    if (v->info.frames_hashed >= v->o.max_frames)
        return hm_fail(v->err, HM_E_LIMIT, "video: more than %u frames hashed (max_frames)",
                       v->o.max_frames);
    st = v->webp ? next_webp(v, f, got) : next_ffmpeg(v, f, got);
    if (st == HM_OK && *got) v->info.frames_hashed++;
    return st;
}
