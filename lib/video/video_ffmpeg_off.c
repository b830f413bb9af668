/* SPDX-License-Identifier: BSD-3-Clause */
/* The FFmpeg source of videos in a library built without FFmpeg
 * (HM_WITH_FFMPEG=OFF): every video but animated WebP (libwebp, video.c)
 * is HM_E_UNSUPPORTED. */
#include "video_internal.h"

int hm_video_ff_open(hm_video *v, const char *path, const char *name) {
    (void)path;
    return hm_fail(HM_E_UNSUPPORTED, "%s: %s; only animated WebP is read as video",
                   name, HM_NO_FFMPEG);
}

int hm_video_ff_next(hm_video *v, hm_video_frame *f, int *got) {
    (void)f;
    *got = 0;
    return hm_fail(HM_E_INTERNAL, "video: no FFmpeg source is open");
}

void hm_video_ff_close(hm_video *v) { (void)v; }

int hm_video_cli_frames(hm_video *v, int w, int h, int fps, hm_cli_skip skip,
                        hm_cli_frame_fn fn, void *user, int *redo) {
    (void)v, (void)w, (void)h, (void)fps, (void)skip, (void)fn, (void)user;
    *redo = 0;
    return hm_fail(HM_E_UNSUPPORTED, "video: %s", HM_NO_FFMPEG);
}

int hm_cli_new(hm_video *v, int w, int h, int fps, hm_cli_skip skip, int shared,
               hm_cli_frame_fn fn, void *user, hm_cli **out) {
    (void)v, (void)w, (void)h, (void)fps, (void)skip, (void)shared, (void)fn, (void)user;
    *out = NULL;
    return hm_fail(HM_E_UNSUPPORTED, "video: %s", HM_NO_FFMPEG);
}

int hm_cli_push(hm_cli *s, const struct AVFrame *fr, int *redo) {
    (void)s, (void)fr;
    *redo = 0;
    return hm_fail(HM_E_INTERNAL, "video: no FFmpeg source is open");
}

int hm_cli_end(hm_cli *s, int *redo) {
    (void)s;
    *redo = 0;
    return hm_fail(HM_E_INTERNAL, "video: no FFmpeg source is open");
}

void hm_cli_free(hm_cli *s) { (void)s; }
