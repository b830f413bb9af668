/* SPDX-License-Identifier: BSD-3-Clause */
/* The FFmpeg source's state and decoding loop, shared by vPDQ's frame
 * pump (video_ffmpeg.c) and TMK's frames (tmk_frames.c).  Built only
 * with FFmpeg (HM_WITH_FFMPEG). */
#ifndef HM_VIDEO_FF_H
#define HM_VIDEO_FF_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "../decode/ffguard.h"
#include "video_internal.h"

struct hm_ffsrc {
    size_t mem_pos; /* read position in hm_video.mem */
    AVFormatContext *fmt;
    AVIOContext *avio;
    AVCodecContext *dec;
    hm_ffguard guard; /* pixel limit and picture memory of the decoder */
    int stream;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    /* The decoder context's size and pixel format once it is opened,
     * before any frame: what vPDQ's scaler is made for (vpdq_geometry). */
    int open_w, open_h, open_fmt;
    double tb;         /* stream time base, seconds */
    int64_t start_pts; /* stream start, time-base units */
    int flushing;
    /* Asked before each packet of the stream is sent to the decoder: 1
     * lets the decoder drop it if it is a non-reference frame
     * (AVDISCARD_NONREF; the decoder runs on one thread, so the setting
     * applies to that packet).  NULL: every frame is decoded. */
    int (*may_skip)(void *user, const AVPacket *pkt);
    void *may_skip_user;
    /* Keyframes mode (HM_FRAMES_KEYFRAMES) decodes key packets alone, or,
     * beside TMK+PDQF (hm_video_opts.tmk), which needs every frame, every
     * packet, with each frame marked by whether its packet was a key one
     * (the decoder carries the mark from packet to frame), so that vPDQ
     * takes the frames a decoding of the key packets alone gives. */
    int key_packets_only, mark_key_packets;
};

/* The next decoded frame, in v->ff->frame (*got = 1; the caller unrefs
 * it), counted against max_decoded and max_work_pixels, with its
 * timestamp checked against max_duration; *got = 0 at the end of the
 * stream (v->done set).  Damaged packets are counted and skipped (the
 * stream is given up after too many). */
int hm_video_ff_decode(hm_video *v, int *got);

#endif
