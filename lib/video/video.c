/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video: options, limits and the frames' way to the hashes, whatever the
 * source.  Two sources: FFmpeg (video_ffmpeg.c: demux and decode,
 * allow-listed containers and codecs) and, for animated WebP, which
 * FFmpeg 5.1 cannot decode, libwebp's demux API (here).  Frames are
 * turned upright when asked, trimmed when asked, and hashed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <webp/demux.h>

#include "../tmk/tmk.h"
#include "video_internal.h"

_Static_assert(sizeof(hm_video_frame) == 384, "hm_video_frame's layout is fixed (callers allocate it)");

/* Defaults of hm_video_opts (hashmatch.h says why). */
#define DEFAULT_MAX_MEMORY ((uint64_t)512 << 20)
#define DEFAULT_MAX_WORK_PIXELS UINT64_C(50000000000)
#define DEFAULT_TIME_BUDGET 120.0

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
    o->time_budget = DEFAULT_TIME_BUDGET;
    o->max_memory = DEFAULT_MAX_MEMORY;
    o->max_work_pixels = DEFAULT_MAX_WORK_PIXELS;
}

/* ---- interruption ---------------------------------------------------- */

int hm_video_stop_now(hm_video *v) {
    if (v->o.interrupt && v->o.interrupt(v->o.user)) v->cancelled = 1;
    if (v->deadline > 0 && now() > v->deadline) v->timed_out = 1;
    return v->cancelled || v->timed_out;
}

int hm_video_stopped(hm_video *v) {
    if (v->cancelled)
        return hm_fail(HM_E_CANCELLED, "video: cancelled by the caller");
    return hm_fail(HM_E_LIMIT, "video: time budget of %.0f s spent",
                   v->o.time_budget);
}

/* ---- open -------------------------------------------------------------- */

/* Animated WebP through libwebp: every frame, timestamps from the file. */
static int open_webp(hm_video *v, const char *name) {
    WebPAnimDecoderOptions opt;
    WebPData wd = {v->mem, v->mem_size};
    WebPAnimInfo ai;
    if (!WebPAnimDecoderOptionsInit(&opt))
        return hm_fail(HM_E_INTERNAL, "WebP: libwebp version mismatch");
    opt.color_mode = MODE_RGBA;
    opt.use_threads = 0;
    if (!(v->webp = WebPAnimDecoderNew(&wd, &opt)) || !WebPAnimDecoderGetInfo(v->webp, &ai))
        return hm_fail(HM_E_DECODE, "%s: corrupt WebP", name);
    char what[HM_ERRMSG_MAX];
    snprintf(what, sizeof what, "%s: the canvas", name);
    int st = hm_check_dims(ai.canvas_width, ai.canvas_height, &v->px, what);
    if (st != HM_OK) return st;
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
    if (!out) return hm_fail(HM_E_INVALID_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!h) return hm_fail(HM_E_INVALID_ARGUMENT, "hasher is NULL");
    if (!(v = calloc(1, sizeof *v))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    v->h = h;
    v->last_key_ts = -1e300;
    if (opts) v->o = *opts;
    else hm_video_opts_init(&v->o);
    const unsigned hashable = HM_TYPES_PERCEPTUAL;
    if (!v->o.types || (v->o.types & ~hashable) || v->o.mode < HM_FRAMES_INTERVAL ||
        v->o.mode > HM_FRAMES_ALL || !(v->o.interval >= 0) || v->o.interval > 1e6 ||
        v->o.downscale < 0 || v->o.downscale > 4096 || !(v->o.max_duration > 0) ||
        !(v->o.time_budget >= 0) || !v->o.max_frames || !v->o.max_decoded) {
        free(v);
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "bad video options (types may be pdq, phash, dhash, ahash)");
    }
    /* fields that were reserved before: 0 (what older callers left
     * there) is the default */
    if (!v->o.max_memory) v->o.max_memory = DEFAULT_MAX_MEMORY;
    if (!v->o.max_work_pixels) v->o.max_work_pixels = DEFAULT_MAX_WORK_PIXELS;
    v->px.max_pixels = hm_hasher_max_pixels(h);
    if (v->o.time_budget > 0) v->deadline = now() + v->o.time_budget;
    if (path) { /* the byte limit applies to files too */
        struct stat sb;
        if (stat(path, &sb) != 0) {
            st = hm_fail(HM_E_IO, "%s: %s", path, strerror(errno));
            goto fail;
        }
        if (!S_ISREG(sb.st_mode)) {
            st = hm_fail(HM_E_IO, "%s: not a regular file", path);
            goto fail;
        }
        size = (size_t)sb.st_size;
    }
    if (size > hm_hasher_max_input(h)) {
        st = hm_fail(HM_E_LIMIT,
                     "%s: %zu bytes, over the limit of %llu bytes (HM_HASHER_MAX_INPUT_BYTES)",
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
            st = hm_fail(HM_E_UNKNOWN_FORMAT, "%s: a WebP image, not a video", name);
            goto fail;
        }
        if (path) {
            FILE *f = fopen(path, "rb");
            file = malloc(size ? size : 1);
            if (!f || !file || fread(file, 1, size, f) != size) {
                if (f) fclose(f);
                st = hm_fail(HM_E_IO, "%s: read error", path);
                goto fail;
            }
            fclose(f);
            v->mem = file;
        }
        v->owned = file; /* WebPAnimDecoder keeps pointers into the data */
        file = NULL;
        st = open_webp(v, name);
    } else {
        st = hm_video_ff_open(v, path, name);
    }
    if (st == HM_OK && v->o.tmk) st = hm_tmk_video_attach(v);
    if (st != HM_OK) goto fail;
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

static int open_file(hm_hasher *h, const char *path, const hm_video_opts *opts,
                     hm_video **out) {
    if (!path) return hm_fail(HM_E_INVALID_ARGUMENT, "path is NULL");
    return open_common(h, path, NULL, 0, opts, out);
}

hm_status hm_video_open_file(hm_hasher *h, const char *path,
                             const hm_video_opts *opts, hm_video **out) {
    return HM_CALL(open_file(h, path, opts, out));
}

static int open_memory(hm_hasher *h, const void *data, size_t size,
                       const hm_video_opts *opts, hm_video **out) {
    if (!data && size) return hm_fail(HM_E_INVALID_ARGUMENT, "data is NULL");
    if (!size) return hm_fail(h ? HM_E_DECODE : HM_E_INVALID_ARGUMENT, "video in memory: empty");
    return open_common(h, NULL, data, size, opts, out);
}

hm_status hm_video_open_memory(hm_hasher *h, const void *data, size_t size,
                               const hm_video_opts *opts, hm_video **out) {
    return HM_CALL(open_memory(h, data, size, opts, out));
}

void hm_video_close(hm_video *v) {
    if (!v) return;
    hm_cli_free(v->cli); /* before the source it reads */
    free(v->tmk);
    hm_video_ff_close(v);
    if (v->webp) WebPAnimDecoderDelete(v->webp);
    free(v->rgb);
    free(v->rot);
    free(v->owned);
    free(v);
}

static int get_info(const hm_video *v, hm_video_info *info) {
    if (!v || !info) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL video or info");
    *info = v->info;
    return HM_OK;
}

hm_status hm_video_get_info(const hm_video *v, hm_video_info *info) {
    return HM_CALL(get_info(v, info));
}

/* The work done, in pixels, against max_work_pixels: every decoded frame
 * counts its size, every hashed frame its hashed size once more. */
static int add_work(hm_video *v, uint64_t pixels) {
    v->work_pixels += pixels;
    if (v->work_pixels <= v->o.max_work_pixels) return HM_OK;
    return hm_fail(HM_E_LIMIT,
                   "video: more than %llu pixels of work (max_work_pixels: pixels decoded and "
                   "hashed; %llu frames decoded, %llu hashed)",
                   (unsigned long long)v->o.max_work_pixels,
                   (unsigned long long)v->info.frames_decoded,
                   (unsigned long long)v->info.frames_hashed);
}

/* ---- frames ------------------------------------------------------------- */

/* Rotate a w x h image of `bpp` bytes per pixel by the metadata's
 * degrees counter-clockwise into v->rot (when asked for), so the hash
 * sees the picture upright. */
static const uint8_t *upright(hm_video *v, const uint8_t *src, uint32_t *w,
                              uint32_t *h, size_t *stride, unsigned bpp) {
    const int deg = v->o.apply_rotation ? v->info.rotation : 0;
    if (!deg) return src;
    const int var = deg == 90 ? HM_DIH_ROT90 : deg == 180 ? HM_DIH_ROT180 : HM_DIH_ROT270;
    const size_t need = (size_t)*w * *h * bpp;
    if (HM_RESERVE(v->rot, v->rot_cap, need, need) != HM_OK) return NULL;
    hm_turn_image(src, *w, *h, *stride, (int)bpp, var, v->rot);
    if (deg != 180) {
        const uint32_t t = *w;
        *w = *h;
        *h = t;
    }
    *stride = (size_t)*w * bpp;
    return v->rot;
}

int hm_video_hash_buf(hm_video *v, const uint8_t *px, uint32_t w, uint32_t h,
                      size_t stride, hm_pixel_format fmt, hm_video_frame *f) {
    const unsigned bpp = fmt == HM_PIXEL_GRAY8 ? 1 : 3;
    size_t n = 0;
    int st = add_work(v, (uint64_t)w * h);
    if (st != HM_OK) return st;
    px = upright(v, px, &w, &h, &stride, bpp);
    if (!px) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    if (v->o.trim_borders) {
        hm_rect r;
        hm_find_content(px, w, h, stride, fmt, &r);
        px += (size_t)r.y * stride + (size_t)r.x * bpp;
        w = r.width;
        h = r.height;
    }
    st = hm_hash_pixels(v->h, px, w, h, stride, fmt, v->o.types, f->hashes, HM_FRAME_HASHES, &n);
    f->nhashes = (int32_t)n;
    return st;
}

/* max_frames, before hashing one more frame. */
static int frames_left(hm_video *v) {
    if (v->info.frames_hashed < v->o.max_frames) return HM_OK;
    return hm_fail(HM_E_LIMIT, "video: more than %u frames hashed (max_frames)",
                   v->o.max_frames);
}

int hm_video_count_hashed(hm_video *v, uint64_t pixels) {
    int st = frames_left(v);
    if (st == HM_OK) st = add_work(v, pixels);
    if (st == HM_OK) v->info.frames_hashed++;
    return st;
}

int hm_video_count_work(hm_video *v, uint64_t pixels, int64_t nth) {
    if ((uint64_t)nth > v->o.max_frames)
        return hm_fail(HM_E_LIMIT, "video: more than %u TMK+PDQF frames (max_frames)",
                       v->o.max_frames);
    return add_work(v, pixels);
}

int hm_video_count_decoded(hm_video *v, uint64_t pixels) {
    if (v->info.frames_decoded > v->o.max_decoded)
        return hm_fail(HM_E_LIMIT, "video: more than %llu frames decoded (max_decoded)",
                       (unsigned long long)v->o.max_decoded);
    return add_work(v, pixels);
}

static int next_webp(hm_video *v, hm_video_frame *f, int *got) {
    uint8_t *rgba;
    int ts;
    for (;;) {
        if (hm_video_stop_now(v)) return hm_video_stopped(v);
        if (!WebPAnimDecoderHasMoreFrames(v->webp)) {
            v->done = 1;
            return HM_OK;
        }
        if (!WebPAnimDecoderGetNext(v->webp, &rgba, &ts)) {
            v->info.partial = 1;
            v->done = 1;
            if (!v->info.frames_decoded)
                return hm_fail(HM_E_DECODE, "video: corrupt animated WebP");
            return HM_OK;
        }
        /* a frame's timestamp in libwebp is its end time */
        const double start = v->webp_prev_ts / 1000.0;
        v->webp_prev_ts = ts;
        const uint64_t n = v->info.frames_decoded++;
        int st = hm_video_count_decoded(v, (uint64_t)v->info.width * v->info.height);
        if (st != HM_OK) return st;
        if (start > v->o.max_duration)
            return hm_fail(HM_E_LIMIT, "video: longer than %.0f s (max_duration)",
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
        if (HM_RESERVE(v->rgb, v->rgb_cap, np * 3, np * 3) != HM_OK)
            return hm_fail(HM_E_NO_MEMORY, "out of memory");
        for (size_t i = 0; i < np; i++) memcpy(v->rgb + 3 * i, rgba + 4 * i, 3);
        st = hm_video_hash_buf(v, v->rgb, v->info.width, v->info.height,
                               (size_t)v->info.width * 3, HM_PIXEL_RGB24, f);
        if (st != HM_OK) return st;
        *got = 1;
        return HM_OK;
    }
}

static int video_next(hm_video *v, hm_video_frame *f, int *got) {
    int st;
    if (!v || !f || !got) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL video, frame or got");
    *got = 0;
    memset(f, 0, sizeof *f);
    if (v->done) return HM_OK;
    if ((st = frames_left(v)) != HM_OK) return st;
    st = v->webp ? next_webp(v, f, got) : hm_video_ff_next(v, f, got);
    if (st == HM_OK && *got) v->info.frames_hashed++;
    return st;
}

hm_status hm_video_next(hm_video *v, hm_video_frame *f, int *got) {
    return HM_CALL(video_next(v, f, got));
}

/* Frames as the ffmpeg tool prints them (cli_frames.c), with the redo
 * that skipping frames may need. */
int hm_video_cli_run(hm_hasher *h, const char *path, const void *data, size_t size,
                     const hm_video_opts *o, int w, int hh, int fps, hm_cli_skip skip,
                     hm_cli_frame_fn fn, void (*restart)(void *), void *user,
                     hm_video_info *info) {
    hm_video *v;
    int redo = 0;
    double deadline = 0;
    if (info) memset(info, 0, sizeof *info);
    for (int pass = 0; pass < 2; pass++) {
        int st = path ? hm_video_open_file(h, path, o, &v) : hm_video_open_memory(h, data, size, o, &v);
        if (st != HM_OK) return st;
        if (pass) { /* the same time budget for both passes */
            v->deadline = deadline;
            restart(user);
        }
        st = hm_video_cli_frames(v, w, hh, fps, pass ? HM_CLI_SKIP_NONE : skip, fn, user, &redo);
        deadline = v->deadline;
        if (info) *info = v->info; /* not hm_video_get_info: a public call clears the message */
        hm_video_close(v);
        if (st != HM_OK || !redo) return st;
    }
    return hm_fail(HM_E_INTERNAL, "video: frames not decoded were needed twice");
}
