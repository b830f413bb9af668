/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal interface of the video stage: the hm_video shared by the
 * frame pump (video.c) and the FFmpeg source (video_ffmpeg.c, or
 * video_noffmpeg.c when the library is built without FFmpeg). */
#ifndef HM_VIDEO_INTERNAL_H
#define HM_VIDEO_INTERNAL_H

#include <webp/demux.h>

#include "../decode/decode.h"
#include "../hasher.h"

typedef struct hm_ffsrc hm_ffsrc; /* the FFmpeg source's state */

struct hm_video {
    hm_hasher *h;
    hm_video_opts o;
    hm_video_info info;
    hm_decode_opts px; /* the hasher's pixel limit */
    double deadline;   /* CLOCK_MONOTONIC seconds; 0 = none */
    int cancelled, timed_out;
    const uint8_t *mem; /* the input in memory (a file is read by FFmpeg) */
    size_t mem_size;
    int64_t frame_mod; /* interval mode: every frame_mod-th frame */
    int done;
    hm_ffsrc *ff; /* FFmpeg source */
    /* libwebp source (animated WebP) */
    WebPAnimDecoder *webp;
    int webp_prev_ts;
    /* RGB24 frame to hash (and its rotated copy) */
    uint8_t *rgb, *rot;
    size_t rgb_cap, rot_cap;
    uint8_t *owned; /* the file's bytes, when libwebp reads them */
    double last_key_ts;
    uint64_t work_pixels; /* pixels decoded and hashed so far (max_work_pixels) */
    /* TMK+PDQF from the same decoding (o.tmk; lib/tmk/tmk_video.c): every
     * decoded frame also goes to cli, whose frames go to tmk */
    struct hm_cli *cli;
    struct hm_tmk *tmk;
    int tmk_level;  /* PDQ's kernel set (an hm_simd_level) */
    int cli_ended;  /* cli has had the end of the stream */
    int tmk_taken;
};

/* Polled while decoding: 1 when the caller's interrupt or the time budget
 * says stop (then hm_video_stopped gives the status and message). */
int hm_video_stop_now(hm_video *v);
int hm_video_stopped(hm_video *v);
/* One more decoded frame of `pixels`, against max_decoded and
 * max_work_pixels (call after counting it in info.frames_decoded;
 * hm_video_hash_buf counts the hashing). */
int hm_video_count_decoded(hm_video *v, uint64_t pixels);
/* One more frame of `pixels` to hash outside hm_video_hash_buf: against
 * max_frames and max_work_pixels, then counted in info.frames_hashed. */
int hm_video_count_hashed(hm_video *v, uint64_t pixels);
/* The nth frame of `pixels` of a second consumer of the decoded frames
 * (TMK+PDQF beside vPDQ): against max_frames on its own count and against
 * max_work_pixels, not counted in info.frames_hashed. */
int hm_video_count_work(hm_video *v, uint64_t pixels, int64_t nth);
/* Hash one frame of 8-bit pixels into f (upright and trimmed as asked). */
int hm_video_hash_buf(hm_video *v, const uint8_t *px, uint32_t w, uint32_t h, size_t stride,
                      hm_pixel_format fmt, hm_video_frame *f);

/* The FFmpeg source: open (v->o, v->px, v->mem set; fills v->info and
 * v->ff), next frame, close (NULL v->ff is a no-op). */
int hm_video_ff_open(hm_video *v, const char *path, const char *name);
int hm_video_ff_next(hm_video *v, hm_video_frame *f, int *got);
void hm_video_ff_close(hm_video *v);

/* Frames as the ffmpeg command-line tool prints them for
 * `-s WxH -an -f rawvideo -pix_fmt rgb24 -r FPS` (cli_frames.c): each
 * packed w x h RGB24 frame, in order, to fn, which returns HM_OK to go on
 * (or a status, returned).  v opened with mode HM_FRAMES_ALL.
 * HM_E_UNSUPPORTED for animated WebP and without FFmpeg.
 * `skip`: which frames need not be decoded (cli_frames.c, "frames not
 * decoded"): none; the non-reference frames the output rate is predicted
 * to drop; or (tests) every non-reference frame.  When a frame not
 * decoded turns out to be needed, the run stops with *redo = 1: the
 * frames given to fn are void and a run decoding everything must follow
 * (hm_video_cli_run does both). */
typedef int (*hm_cli_frame_fn)(void *user, const uint8_t *rgb);
typedef enum hm_cli_skip {
    HM_CLI_SKIP_NONE = 0,
    HM_CLI_SKIP_PREDICTED,
    HM_CLI_SKIP_ANY
} hm_cli_skip;
int hm_video_cli_frames(hm_video *v, int w, int h, int fps, hm_cli_skip skip,
                        hm_cli_frame_fn fn, void *user, int *redo);
/* The same, frame by frame, for a caller that decodes (hm_video_ff_decode)
 * and gives every decoded frame to hm_cli_push (which keeps its own
 * reference: the frame stays the caller's), then calls hm_cli_end after
 * the last one.  `shared`: the caller hashes the frames too (vPDQ), so
 * these frames are counted apart (hm_video_count_work), not in
 * info.frames_hashed.  *redo as above (only with skip).  hm_cli_free
 * releases it (NULL: no-op). */
typedef struct hm_cli hm_cli;
int hm_cli_new(hm_video *v, int w, int h, int fps, hm_cli_skip skip, int shared,
               hm_cli_frame_fn fn, void *user, hm_cli **out);
struct AVFrame;
int hm_cli_push(hm_cli *s, const struct AVFrame *fr, int *redo);
int hm_cli_end(hm_cli *s, int *redo);
void hm_cli_free(hm_cli *s);
/* The frames of a file (path) or of memory (data, size) opened with
 * options o, as hm_video_cli_frames gives them, and when a redo is needed
 * a second run decoding everything, after restart(user) (the frames
 * given so far are void), under the same time budget.  info (may be
 * NULL): the last run's hm_video_info. */
int hm_video_cli_run(hm_hasher *h, const char *path, const void *data, size_t size,
                     const hm_video_opts *o, int w, int hh, int fps, hm_cli_skip skip,
                     hm_cli_frame_fn fn, void (*restart)(void *), void *user,
                     hm_video_info *info);

#endif
