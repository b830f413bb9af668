/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A library built without FFmpeg (HM_WITH_FFMPEG=OFF): videos other than
 * animated WebP and GIF/BMP/TIFF images are HM_E_UNSUPPORTED with a
 * message that names the build option; animated WebP (libwebp), JPEG, PNG
 * and the digests work as in the full build.  (test_decode checks the
 * GIF, BMP and TIFF images in both builds.)
 */
#include "hashmatch.h"
#include "test_util.h"

#define VID HM_TEST_DATA "/video/"

int main(void) {
    hm_hasher *h;
    hm_video *v = NULL;
    hm_video_frame f;
    hm_hash out[8];
    size_t n = 0, size = 0;
    int got, frames = 0;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    /* videos through FFmpeg: refused, from a file and from memory */
    CHECK_INT(hm_video_open_file(h, VID "test-padded-dimensions.mp4", NULL, &v), HM_E_UNSUPPORTED);
    CHECK(strstr(hm_last_error(), "HM_WITH_FFMPEG=OFF") != NULL);
    CHECK(v == NULL);
    unsigned char *mp4 = read_all(VID "test-padded-dimensions.mp4", &size);
    CHECK(mp4 != NULL);
    if (mp4) CHECK_INT(hm_video_open_memory(h, mp4, size, NULL, &v), HM_E_UNSUPPORTED);
    free(mp4);
    CHECK_INT(hm_video_open_file(h, VID "anim.gif", NULL, &v), HM_E_UNSUPPORTED);
    /* animated WebP: libwebp, every frame */
    hm_video_opts o;
    hm_video_opts_init(&o);
    o.mode = HM_FRAMES_ALL;
    CHECK_INT(hm_video_open_file(h, VID "anim.webp", &o, &v), HM_OK);
    if (v) {
        while (hm_video_next(v, &f, &got) == HM_OK && got) frames++;
        hm_video_close(v);
    }
    CHECK_INT(frames, 10);
    /* images without FFmpeg, and the digests (no longer libavutil's) */
    CHECK_INT(hm_hash_file(h, HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg",
                           HM_TYPES_ALL, out, 8, &n, NULL), HM_OK);
    CHECK_INT(n, 6);
    CHECK_INT(hm_hash_file(h, VID "anim.gif", HM_TYPES_PERCEPTUAL, out, 8, &n, NULL),
              HM_E_UNSUPPORTED);
    CHECK(strstr(hm_last_error(), "gif") && strstr(hm_last_error(), "HM_WITH_FFMPEG=OFF"));
    CHECK_INT(hm_hash_file(h, VID "anim.gif", HM_TYPE_BIT(HM_HASH_MD5), out, 8, &n, NULL), HM_OK);
    hm_hasher_free(h);
    return test_summary("test_no_ffmpeg");
}
