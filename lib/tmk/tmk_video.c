/* SPDX-License-Identifier: BSD-3-Clause */
/* A video to its TMK+PDQF: the frames the ffmpeg tool would print at 15
 * fps and 64x64 (lib/video/cli_frames.c), under the video stage's limits,
 * aggregated as tmk.c does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../hash/pdq_stream.h"
#include "../video/video_internal.h"
#include "tmk.h"

typedef struct sink {
    hm_tmk *t;
    hm_simd_level level; /* PDQ's kernel set, chosen once per video */
} sink;

/* One 15 fps frame into t: the one rule of both ways of hashing a video. */
static int add_to(hm_tmk *t, hm_simd_level level, const uint8_t *rgb) {
    if (t->frames == INT32_MAX) /* a .tmk file counts frames in an int32 */
        return hm_fail(HM_E_LIMIT, "video: more than %d frames to hash", INT32_MAX);
    hm_tmk_add_frame(t, level, rgb);
    return HM_OK;
}

static int add_frame(void *user, const uint8_t *rgb) {
    sink *k = user;
    return add_to(k->t, k->level, rgb);
}

static void restart(void *user) { hm_tmk_begin(((sink *)user)->t); }

int hm_tmk_hash_video(hm_hasher *h, const char *path, const void *data, size_t size,
                      const hm_video_opts *opts, hm_tmk *out, hm_video_info *info) {
    hm_video_opts o;
    if (info) memset(info, 0, sizeof *info);
    if (!h || !out || (!path && !data)) return HM_E_INVALID_ARGUMENT;
    if (opts) o = *opts;
    else hm_video_opts_init(&o);
    /* every frame decoded; nothing of vPDQ's frame choice applies */
    o.mode = HM_FRAMES_ALL;
    o.tmk = 0; /* the frames are TMK's here, not a second consumer's */
    o.types = HM_TYPE_BIT(HM_HASH_PDQ);
    o.downscale = 0;
    o.trim_borders = 0;
    o.apply_rotation = 0;
    sink k = {out, hm_simd_best(hm_pdq_isa_available)};
    hm_tmk_begin(out);
    int st = hm_video_cli_run(h, path, data, size, &o, HM_TMK_FRAME_SIDE, HM_TMK_FRAME_SIDE,
                              HM_TMK_FPS, HM_CLI_SKIP_PREDICTED, add_frame, restart, &k, info);
    if (st == HM_OK && out->frames == 0)
        st = hm_fail(HM_E_DECODE,
                     "video: no frame falls at a 15 fps output time (nothing to hash)");
    if (st != HM_OK) return st;
    hm_tmk_finish(out);
    return HM_OK;
}

/* ---- beside vPDQ: the same decoding ------------------------------------- */

static int video_frame(void *user, const uint8_t *rgb) {
    hm_video *v = user;
    return add_to(v->tmk, (hm_simd_level)v->tmk_level, rgb);
}

int hm_tmk_video_attach(hm_video *v) {
    if (!(v->tmk = malloc(sizeof *v->tmk))) return hm_fail(HM_E_NO_MEMORY, "out of memory");
    hm_tmk_begin(v->tmk);
    v->tmk_level = (int)hm_simd_best(hm_pdq_isa_available);
    return hm_cli_new(v, HM_TMK_FRAME_SIDE, HM_TMK_FRAME_SIDE, HM_TMK_FPS, HM_CLI_SKIP_NONE, 1,
                      video_frame, v, &v->cli);
}

int hm_tmk_video_take(hm_video *v, hm_tmk **out) {
    if (out) *out = NULL;
    if (!v || !out) return hm_fail(HM_E_INVALID_ARGUMENT, "NULL video or out");
    if (!v->o.tmk) return hm_fail(HM_E_INVALID_ARGUMENT, "video: not opened with the tmk option");
    if (v->tmk_taken) return hm_fail(HM_E_INVALID_ARGUMENT, "video: its TMK+PDQF hash was taken");
    if (!v->done || !v->cli_ended)
        return hm_fail(HM_E_INVALID_ARGUMENT,
                       "video: not read to its end (hm_video_next gives the last frame first)");
    if (v->tmk->frames == 0)
        return hm_fail(HM_E_DECODE,
                       "video: no frame falls at a 15 fps output time (nothing to hash)");
    hm_tmk_finish(v->tmk);
    *out = v->tmk;
    v->tmk = NULL;
    v->tmk_taken = 1;
    return HM_OK;
}
