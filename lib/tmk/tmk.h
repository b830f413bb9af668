/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF video hashes (internal interface), computed, stored and scored
 * bit for bit as Meta's reference tools do (facebook/ThreatExchange tmk/;
 * facts in docs/tmk.md):
 *  - tmk.c: the frame feature (PDQF) and the aggregation over frames;
 *  - tmk_file.c: the .tmk file, read and written, and its base64 form;
 *  - tmk_score.c: level-1 and level-2 scores;
 *  - tmk_video.c: a video to its TMK (frames as the ffmpeg tool makes
 *    them: lib/video/cli_frames.c);
 *  - tmk_api.c: the public calls (hashmatch.h), an hm_tmk being this
 *    hm_tmk on the heap.
 */
#ifndef HM_TMK_H
#define HM_TMK_H

#include "../common/common.h"
#include "../common/simd.h"

/* The one set of parameters TMK+PDQF files use (the reference's Poullot
 * periods and Fourier coefficients, 15 frames per second, 64x64 frames,
 * PDQ's 256 DCT coefficients per frame). */
#define HM_TMK_FPS 15
#define HM_TMK_FRAME_SIDE 64
#define HM_TMK_PERIODS 4
#define HM_TMK_COEFFS 32
extern const int32_t hm_tmk_periods[HM_TMK_PERIODS];
extern const float hm_tmk_coeffs[HM_TMK_COEFFS];

/* The .tmk file: a 32-byte header, the periods, the coefficients, the
 * pure-average feature (level 1 needs the file up to there), then the
 * cosine and sine features (level 2).  Little-endian int32 and float32. */
#define HM_TMK_HEADER_SIZE 32
#define HM_TMK_LEVEL1_SIZE \
    (HM_TMK_HEADER_SIZE + 4 * (HM_TMK_PERIODS + HM_TMK_COEFFS + HM_TMK_DIM)) /* 1,200 */
/* HM_TMK_FILE_SIZE, HM_TMK_BASE64_LEN and HM_TMK_DIM (256) are public
 * (hashmatch.h); they follow from the layout: */
_Static_assert(HM_TMK_FILE_SIZE ==
                   HM_TMK_LEVEL1_SIZE + 2 * 4 * HM_TMK_PERIODS * HM_TMK_COEFFS * HM_TMK_DIM,
               "the .tmk layout");
_Static_assert(HM_TMK_BASE64_LEN == (HM_TMK_FILE_SIZE + 2) / 3 * 4, "its base64");

/* A TMK+PDQF hash: what a .tmk file holds beyond its fixed parameters. */
typedef struct hm_tmk {
    int32_t frames;                                      /* frame features aggregated */
    float avg[HM_TMK_DIM];                               /* pure average */
    float cos[HM_TMK_PERIODS][HM_TMK_COEFFS][HM_TMK_DIM]; /* [period][j] */
    float sin[HM_TMK_PERIODS][HM_TMK_COEFFS][HM_TMK_DIM];
} hm_tmk;

/* ---- computing (tmk.c) -------------------------------------------------- */

/* Start aggregating into t (zeroed). */
void hm_tmk_begin(hm_tmk *t);
/* One more frame: its PDQF feature from a packed 64x64 RGB24 frame, with
 * PDQ's kernel set of `level` (usable: hm_pdq_isa_available). */
void hm_tmk_add_frame(hm_tmk *t, hm_simd_level level, const uint8_t *rgb);
/* One more frame feature (frame number t->frames). */
void hm_tmk_add_feature(hm_tmk *t, const float f[HM_TMK_DIM]);
/* After the last frame: the average and the normalisations. */
void hm_tmk_finish(hm_tmk *t);

/* ---- files (tmk_file.c) ------------------------------------------------- */

/* The .tmk bytes of t (HM_TMK_FILE_SIZE of them). */
void hm_tmk_write(const hm_tmk *t, uint8_t *out);
/* Read a .tmk file of `size` bytes, checked field by field: exactly
 * HM_TMK_FILE_SIZE bytes, the magics, the parameters above, a frame
 * count >= 0, every float finite, the average within what 8-bit frames
 * can give and each cosine and sine feature of the norm the aggregation
 * gives it (0 or the square root of its coefficient).  HM_OK, or
 * HM_E_PARSE with the first fault as the message (hm_fail). */
int hm_tmk_read(const void *buf, size_t size, hm_tmk *t);
/* The level-1 part only: the first HM_TMK_LEVEL1_SIZE bytes (`size` may
 * be larger, the rest is not read), the same checks. */
int hm_tmk_read_level1(const void *buf, size_t size, int32_t *frames, float avg[HM_TMK_DIM]);
/* Base64 of the file (TCAP's form): HM_TMK_BASE64_LEN characters and a
 * NUL into out; and back (`len` characters), checked as hm_tmk_read does.
 * HM_E_NO_MEMORY when the file's bytes cannot be had. */
int hm_tmk_write_base64(const hm_tmk *t, char *out);
int hm_tmk_read_base64(const char *text, size_t len, hm_tmk *t);

/* ---- scores (tmk_score.c) ----------------------------------------------- */

/* Level 1: cosine similarity of the pure averages, as the reference's
 * float arithmetic gives it (0 when either is all zero: the reference
 * gives 0 when both are and NaN when one is). */
float hm_tmk_level1(const float a[HM_TMK_DIM], const float b[HM_TMK_DIM]);
/* Level 2: the best time-shift match over every offset of every period,
 * normalised so that a hash scores 1 against itself. */
float hm_tmk_level2(const hm_tmk *a, const hm_tmk *b);
/* The sweep has a kernel set per SIMD level (simd.h): 1 when the set of
 * `level` is usable here.  hm_tmk_level2 takes the highest. */
int hm_tmk_level2_usable(hm_simd_level level);
/* Level 2 with the set of `level` (every set gives the same bits); -1
 * when it is not usable.  For the tests, which compare the sets. */
float hm_tmk_level2_at(const hm_tmk *a, const hm_tmk *b, hm_simd_level level);

/* ---- videos (tmk_video.c) ----------------------------------------------- */

/* The TMK of a video (a file when path is set, else `size` bytes at
 * data), under the video limits of opts (NULL: the defaults; mode, types
 * and the frame options are ignored: TMK reads every frame as the ffmpeg
 * tool prints them at 15 fps and 64x64).  Errors as hm_video_open_file's
 * and hm_video_next's, messages in the hasher.  HM_E_DECODE when the
 * video gives no frame at all.  info (may be NULL) gets the video's
 * hm_video_info (frames_hashed: the frame features; partial: damaged
 * packets or concealed frames), also on failure after the open. */
int hm_tmk_hash_video(hm_hasher *h, const char *path, const void *data, size_t size,
                      const hm_video_opts *opts, hm_tmk *out, hm_video_info *info);

/* hm_video_opts.tmk: the TMK of an opened video from its own decoding
 * (every decoded frame goes through the ffmpeg tool's frames to the hash:
 * v->cli, v->tmk); called by the video stage's open. */
struct hm_video;
int hm_tmk_video_attach(struct hm_video *v);
/* The hash of a video so opened, once it is read to its end (*out: the
 * caller's, hm_tmk_free). */
int hm_tmk_video_take(struct hm_video *v, hm_tmk **out);

#endif
