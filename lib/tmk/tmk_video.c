/* SPDX-License-Identifier: BSD-3-Clause */
/* A video to its TMK+PDQF: the frames the ffmpeg tool would print at 15
 * fps and 64x64 (lib/video/cli_frames.c), under the video stage's limits,
 * aggregated as tmk.c does. */
#include <stdint.h>
#include <string.h>

#include "../hash/pdq_stream.h"
#include "../video/video_internal.h"
#include "tmk.h"

typedef struct sink {
    hm_tmk *t;
    hm_simd_level level; /* PDQ's kernel set, chosen once per video */
} sink;

static int add_frame(void *user, const uint8_t *rgb) {
    sink *k = user;
    if (k->t->frames == INT32_MAX) /* a .tmk file counts frames in an int32 */
        return hm_fail(HM_E_LIMIT, "video: more than %d frames to hash", INT32_MAX);
    hm_tmk_add_frame(k->t, k->level, rgb);
    return HM_OK;
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
