/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF (issue #16), internal modules (lib/tmk, lib/video/cli_frames.c):
 *  - frames: for every reference video and a set of generated ones (frame
 *    rates that round each way, audio or none, gaps, rotations, a size
 *    change, MPEG-TS, GIF), the 64x64 RGB frames equal byte for byte what
 *    the ffmpeg command of the reference hasher prints (run when
 *    /usr/bin/ffmpeg is there; said and skipped when not), and their count
 *    the reference's frame count;
 *  - hashes: the .tmk bytes of all 14 reference videos equal the reference
 *    tool's (tests/data/tmk/expected);
 *  - scores: every pair of expected/pair-scores.csv to its six printed
 *    decimals (each SIMD level against the portable one: test_tmk_levels.c);
 *  - files: round trips, and every malformed field (size, magics, header,
 *    periods, coefficients, frame count, non-finite values, damaged
 *    norms, base64) refused with HM_E_PARSE and a message;
 *  - a 1-frame video's frame as the tool prints it.
 * Hashing from memory, the video info, the limits and the 0-frame and
 * 10-hour videos are tested through the public API (test_tmk_api.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash/pdq_stream.h"
#include "test_tmk_data.h"
#include "test_util.h"
#include "tmk/tmk.h"
#include "video/video_internal.h"

#define FRAME_BYTES (HM_TMK_FRAME_SIDE * HM_TMK_FRAME_SIDE * 3)
#define FFMPEG "/usr/bin/ffmpeg"

static int g_have_ffmpeg;
static char g_tmp[64]; /* generated videos */

/* ---- frames ------------------------------------------------------------- */

typedef struct frames {
    uint8_t *px;
    size_t n, cap;
    hm_tmk *tmk; /* also aggregated here when set */
} frames;

static int collect(void *user, const uint8_t *rgb) {
    frames *f = user;
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        uint8_t *p = realloc(f->px, cap * FRAME_BYTES);
        if (!p) return HM_E_NO_MEMORY;
        f->px = p;
        f->cap = cap;
    }
    memcpy(f->px + f->n++ * FRAME_BYTES, rgb, FRAME_BYTES);
    if (f->tmk) hm_tmk_add_frame(f->tmk, hm_simd_best(hm_pdq_isa_available), rgb);
    return HM_OK;
}

static void restart(void *user) {
    frames *f = user;
    f->n = 0;
    if (f->tmk) hm_tmk_begin(f->tmk);
}

/* Our frames of a file, not decoding the frames `skip` says (status
 * returned, message in h; info: the last run's). */
static int our_frames(hm_hasher *h, const char *path, const hm_video_opts *opts,
                      hm_cli_skip skip, frames *out, hm_video_info *info) {
    hm_video_opts o;
    if (opts) o = *opts;
    else hm_video_opts_init(&o);
    o.mode = HM_FRAMES_ALL;
    return hm_video_cli_run(h, path, NULL, 0, &o, HM_TMK_FRAME_SIDE, HM_TMK_FRAME_SIDE,
                            HM_TMK_FPS, skip, collect, restart, out, info);
}

/* What the reference hasher's ffmpeg command prints. */
static int tool_frames(const char *path, frames *out) {
    char cmd[1200];
    uint8_t buf[FRAME_BYTES];
    snprintf(cmd, sizeof cmd,
             FFMPEG " -loglevel error -nostdin -i '%s' -s 64:64 -an -f rawvideo -c:v rawvideo "
                    "-pix_fmt rgb24 -r 15 pipe:1",
             path);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) == sizeof buf) collect(out, buf);
    return pclose(p) == 0 && got == 0;
}

/* Frames not decoded over the runs of compare_with_tool, by skip mode,
 * and the runs that had to decode again. */
static uint64_t g_skipped[3], g_redone[3];

/* Our frames (not decoding what `skip` says) against the tool's; returns
 * the frame count (-1 on error). */
static long compare_with_tool(hm_hasher *h, const char *what, const char *path, hm_tmk *tmk,
                              hm_cli_skip skip) {
    frames ours = {.tmk = tmk}, tool = {0};
    hm_video_info info;
    int st = our_frames(h, path, NULL, skip, &ours, &info);
    if (st != HM_OK) {
        fprintf(stderr, "%s: %s\n", what, hm_last_error());
        CHECK_INT(st, HM_OK);
        free(ours.px);
        return -1;
    }
    /* a run that decoded again reports the second run: nothing skipped */
    g_skipped[skip] += info.frames_skipped;
    g_redone[skip] += skip != HM_CLI_SKIP_NONE && info.frames_skipped == 0;
    if (skip == HM_CLI_SKIP_NONE) CHECK_INT(info.frames_skipped, 0);
    if (g_have_ffmpeg) {
        CHECK(tool_frames(path, &tool));
        size_t first = 0;
        while (first < ours.n && first < tool.n &&
               memcmp(ours.px + first * FRAME_BYTES, tool.px + first * FRAME_BYTES,
                      FRAME_BYTES) == 0)
            first++;
        if (ours.n != tool.n || first != ours.n)
            fprintf(stderr, "%s (skip mode %d): %zu frames, the ffmpeg tool %zu; first "
                    "difference at %zu\n", what, (int)skip, ours.n, tool.n, first);
        CHECK_INT(ours.n, tool.n);
        CHECK_INT(first, ours.n);
    }
    free(ours.px);
    free(tool.px);
    return (long)ours.n;
}

/* Every reference video: frames as the tool's, count as the reference's,
 * .tmk bytes as the reference's. */
static void test_reference_videos(hm_hasher *h) {
    static hm_tmk t;
    static uint8_t bytes[HM_TMK_FILE_SIZE];
    int identical = 0;
    for (size_t i = 0; i < NVIDEOS; i++) {
        char path[1024];
        size_t size = 0;
        hm_tmk_begin(&t);
        long n = compare_with_tool(h, kVideos[i], video_path(kVideos[i], path, sizeof path), &t,
                                   HM_CLI_SKIP_PREDICTED);
        CHECK_INT(n, expected_count(kVideos[i]));
        hm_tmk_finish(&t);
        hm_tmk_write(&t, bytes);
        unsigned char *want = expected_tmk(kVideos[i], &size);
        CHECK(want != NULL);
        const int same = want && size == HM_TMK_FILE_SIZE && memcmp(want, bytes, size) == 0;
        if (!same) fprintf(stderr, "%s: .tmk bytes differ from the reference's\n", kVideos[i]);
        identical += same;
        free(want);
    }
    CHECK_INT(identical, NVIDEOS);
    printf("test_tmk: %d of %zu reference videos byte-identical to the reference .tmk%s\n",
           identical, NVIDEOS,
           g_have_ffmpeg ? ", frames identical to the ffmpeg tool's" : "");
}

/* ---- generated videos against the tool ----------------------------------- */

static int make(const char *name, const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, FFMPEG " -loglevel error -y -nostdin %s %s/%s", args, g_tmp, name);
    return system(cmd) == 0;
}

static void test_generated(hm_hasher *h) {
    static const struct {
        const char *name, *args;
    } kGen[] = {
        /* packet durations of 0.6 output frames round to 1 (lrintf) */
        {"r25.mp4", "-f lavfi -i testsrc=size=320x240:rate=25 -t 3 -c:v libx264 -pix_fmt yuv420p"},
        /* 0.5005 rounds to 1, 0.5 to 0; audio makes the sync "cfr" */
        {"r2997a.mp4", "-f lavfi -i testsrc=size=320x240:rate=30000/1001 -f lavfi -i sine -t 3 "
                       "-c:v libx264 -pix_fmt yuv420p -c:a aac -shortest"},
        {"r60.mkv", "-f lavfi -i testsrc=size=320x240:rate=60 -t 2 -c:v libx264"},
        /* every frame written 15 times */
        {"r1.mp4", "-f lavfi -i testsrc=size=320x240:rate=1 -t 4 -c:v libx264"},
        /* gaps: copies of the frame before, and at the end */
        {"gaps.mkv", "-f lavfi -i \"testsrc=size=320x240:rate=30,setpts='(N+if(gt(N,10),60,0)+"
                     "if(gt(N,40),95,0))/30/TB'\" -t 6 -vsync passthrough -c:v libx264"},
        /* video starting 0.5 s after the audio: the initial gap filled */
        {"late.mp4", "-itsoffset 0.5 -f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine "
                     "-t 3 -c:v libx264 -c:a aac"},
        /* MPEG-TS (timestamp discontinuities allowed): start of the video */
        {"a.ts", "-f lavfi -i testsrc=size=320x240:rate=30 -f lavfi -i sine -t 2 -c:v libx264 "
                 "-c:a mp2"},
        {"odd444.mkv", "-f lavfi -i testsrc=size=321x239:rate=50 -t 2 -c:v libx264 -pix_fmt "
                       "yuv444p"},
        {"vp9.webm", "-f lavfi -i testsrc=size=320x240:rate=10 -t 3 -c:v libvpx-vp9"},
    };
    char path[1200], args[1400], src[1024];
    if (!g_have_ffmpeg) return;
    int done = 0;
    for (size_t i = 0; i < sizeof kGen / sizeof kGen[0]; i++) {
        if (!make(kGen[i].name, kGen[i].args)) {
            printf("test_tmk: could not make %s with %s (encoder missing?): skipped\n",
                   kGen[i].name, FFMPEG);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", g_tmp, kGen[i].name);
        for (int skip = HM_CLI_SKIP_NONE; skip <= HM_CLI_SKIP_ANY; skip++)
            CHECK(compare_with_tool(h, kGen[i].name, path, NULL, (hm_cli_skip)skip) > 0);
        done++;
    }
    /* rotations (display matrices) of a reference clip, remuxed */
    video_path("test-padded-dimensions", src, sizeof src);
    static const char *const kRot[] = {"90", "180", "270", "45"};
    for (size_t i = 0; i < sizeof kRot / sizeof kRot[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "rot%s.mp4", kRot[i]);
        snprintf(args, sizeof args, "-i '%s' -c copy -metadata:s:v:0 rotate=%s", src, kRot[i]);
        if (!make(name, args)) continue;
        snprintf(path, sizeof path, "%s/%s", g_tmp, name);
        CHECK(compare_with_tool(h, name, path, NULL, HM_CLI_SKIP_PREDICTED) > 0);
        done++;
    }
    /* a frame-size change mid-stream (two clips joined, timestamps continuous) */
    snprintf(args, sizeof args, "-f lavfi -i testsrc2=size=176x144:rate=30 -t 2 -c:v libx264");
    FILE *list;
    snprintf(path, sizeof path, "%s/list.txt", g_tmp);
    if (make("b.ts", args) && (list = fopen(path, "w"))) {
        fprintf(list, "file '%s/a.ts'\nfile '%s/b.ts'\n", g_tmp, g_tmp);
        fclose(list);
        snprintf(args, sizeof args, "-f concat -safe 0 -i '%s' -c copy", path);
        if (make("sizes.ts", args)) {
            snprintf(path, sizeof path, "%s/sizes.ts", g_tmp);
            for (int skip = HM_CLI_SKIP_NONE; skip <= HM_CLI_SKIP_ANY; skip++)
                CHECK(compare_with_tool(h, "sizes.ts", path, NULL, (hm_cli_skip)skip) > 0);
            done++;
        }
    }
    snprintf(path, sizeof path, "%s/video/anim.gif", HM_TEST_DATA);
    CHECK(compare_with_tool(h, "anim.gif", path, NULL, HM_CLI_SKIP_PREDICTED) > 0);
    printf("test_tmk: %d generated videos, frames identical to the ffmpeg tool's\n", done + 1);
    /* the skipping is at work, and its checks too: allowed to drop every
     * non-reference frame, some runs had to decode again */
    CHECK(g_skipped[HM_CLI_SKIP_PREDICTED] > 0);
    CHECK(g_redone[HM_CLI_SKIP_ANY] > 0);
    printf("test_tmk: frames not decoded: %llu predicted, %llu when any may be (%llu runs "
           "decoded again)\n", (unsigned long long)g_skipped[HM_CLI_SKIP_PREDICTED],
           (unsigned long long)g_skipped[HM_CLI_SKIP_ANY],
           (unsigned long long)g_redone[HM_CLI_SKIP_ANY]);
}

/* ---- scores ----------------------------------------------------------- */

typedef struct scored {
    hm_tmk *t;
    int same; /* pairs whose printed scores are the reference's */
} scored;

static void score_pair(void *user, int a, int b, const char *l1, const char *l2) {
    scored *s = user;
    char s1[32], s2[32];
    hm_snprintf_c(s1, sizeof s1, "%.6f", (double)hm_tmk_level1(s->t[a].avg, s->t[b].avg));
    hm_snprintf_c(s2, sizeof s2, "%.6f", (double)hm_tmk_level2(&s->t[a], &s->t[b]));
    CHECK_STR(s1, l1, kVideos[a]);
    CHECK_STR(s2, l2, kVideos[b]);
    s->same += strcmp(s1, l1) == 0 && strcmp(s2, l2) == 0;
    /* symmetric, as the reference's are */
    CHECK(hm_tmk_level1(s->t[b].avg, s->t[a].avg) == hm_tmk_level1(s->t[a].avg, s->t[b].avg));
}

static void test_scores(void) {
    static hm_tmk t[NVIDEOS];
    for (size_t i = 0; i < NVIDEOS; i++) {
        size_t size = 0;
        unsigned char *b = expected_tmk(kVideos[i], &size);
        CHECK(b && hm_tmk_read(b, size, &t[i]) == HM_OK);
        free(b);
    }
    scored s = {t, 0};
    const int pairs = tmk_pairs(score_pair, &s);
    CHECK_INT(pairs, NVIDEOS * (NVIDEOS - 1) / 2);
    CHECK_INT(s.same, pairs);
    printf("test_tmk: %d of %d reference pairs' scores reproduced to 6 decimals\n", s.same, pairs);
    /* a hash against itself: 1 at both levels */
    for (size_t i = 0; i < NVIDEOS; i++) {
        CHECK(fabsf(hm_tmk_level1(t[i].avg, t[i].avg) - 1.0f) < 1e-6f);
        CHECK(fabsf(hm_tmk_level2(&t[i], &t[i]) - 1.0f) < 1e-5f);
    }
    /* an all-zero average scores 0, not NaN */
    static const float zero[HM_TMK_DIM];
    CHECK(hm_tmk_level1(zero, t[0].avg) == 0.0f);
    CHECK(hm_tmk_level1(zero, zero) == 0.0f);
}

/* ---- files --------------------------------------------------------------- */

static void put_i32(uint8_t *p, int32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

static void put_f32(uint8_t *p, float f) {
    int32_t v;
    memcpy(&v, &f, 4);
    put_i32(p, v);
}

/* A copy of `good` changed by `edit` must be refused with a message
 * containing `word`. */
static void refused(const uint8_t *good, size_t size, size_t at, const uint8_t *with, size_t n,
                    const char *word) {
    static uint8_t b[HM_TMK_FILE_SIZE + 16];
    static hm_tmk t;
    memcpy(b, good, HM_TMK_FILE_SIZE);
    if (with) memcpy(b + at, with, n);
    const int st = hm_tmk_read(b, size, &t);
    CHECK_INT(st, HM_E_PARSE);
    const char *msg = hm_last_error();
    if (!strstr(msg, word)) fprintf(stderr, "message '%s' lacks '%s'\n", msg, word);
    CHECK(strstr(msg, word) != NULL);
}

static void test_files(void) {
    static hm_tmk t, u;
    static uint8_t again[HM_TMK_FILE_SIZE + 16], b[4];
    size_t size = 0;
    uint8_t *good = expected_tmk("chair-19-sd-bar", &size);
    CHECK(good && size == HM_TMK_FILE_SIZE);
    if (!good || size != HM_TMK_FILE_SIZE) return;
    /* round trip */
    CHECK_INT(hm_tmk_read(good, size, &t), HM_OK);
    CHECK_INT(t.frames, 284);
    hm_tmk_write(&t, again);
    CHECK(memcmp(again, good, size) == 0);
    /* level 1 from the first 1,200 bytes alone */
    int32_t count = 0;
    float avg[HM_TMK_DIM];
    CHECK_INT(hm_tmk_read_level1(good, HM_TMK_LEVEL1_SIZE, &count, avg), HM_OK);
    CHECK(count == 284 && memcmp(avg, t.avg, sizeof avg) == 0);
    CHECK_INT(hm_tmk_read_level1(good, HM_TMK_LEVEL1_SIZE - 1, &count, avg), HM_E_PARSE);
    /* sizes */
    refused(good, 0, 0, NULL, 0, "truncated");
    refused(good, HM_TMK_LEVEL1_SIZE, 0, NULL, 0, "truncated");
    refused(good, HM_TMK_FILE_SIZE - 1, 0, NULL, 0, "truncated");
    refused(good, HM_TMK_FILE_SIZE + 1, 0, NULL, 0, "too long");
    /* magics */
    refused(good, size, 0, (const uint8_t *)"TMK2", 4, "magic");
    refused(good, size, 4, (const uint8_t *)"FEAT", 4, "magic");
    refused(good, size, 8, (const uint8_t *)"PDQ2", 4, "PDQF");
    /* header values */
    static const struct {
        size_t at;
        int32_t v;
        const char *word;
    } kHead[] = {{12, 30, "frames per second"}, {16, 3, "period count"},
                 {20, 16, "Fourier coefficient count"}, {24, 128, "dimension"},
                 {28, -1, "negative frame count"}, {32, 2732, "period 0"},
                 {44, 0, "period 3"}};
    for (size_t i = 0; i < sizeof kHead / sizeof kHead[0]; i++) {
        put_i32(b, kHead[i].v);
        refused(good, size, kHead[i].at, b, 4, kHead[i].word);
    }
    put_f32(b, nextafterf(hm_tmk_coeffs[0], 1.0f)); /* a_0 one ulp off */
    refused(good, size, 48, b, 4, "coefficients");
    /* values */
    const size_t avg_at = 48 + 4 * HM_TMK_COEFFS, cos_at = HM_TMK_LEVEL1_SIZE,
                 sin_at = cos_at + sizeof t.cos;
    put_f32(b, NAN);
    refused(good, size, avg_at + 4 * 7, b, 4, "pure-average");
    put_f32(b, INFINITY);
    refused(good, size, avg_at, b, 4, "pure-average");
    put_f32(b, 1e6f);
    refused(good, size, avg_at + 4 * 255, b, 4, "pure-average");
    put_f32(b, -INFINITY);
    refused(good, size, cos_at + 4 * 1000, b, 4, "non-finite");
    put_f32(b, NAN);
    refused(good, size, sin_at + sizeof t.sin - 4, b, 4, "non-finite");
    put_f32(b, 3.0f); /* a cosine feature no longer of its norm */
    refused(good, size, cos_at + 4 * 300, b, 4, "norm");
    /* zero features are what a hash of no frames has: accepted */
    memcpy(again, good, size);
    memset(again + sin_at, 0, 4 * HM_TMK_DIM);
    CHECK_INT(hm_tmk_read(again, size, &u), HM_OK);
    /* every single-byte change of the header is refused or read as it is */
    for (size_t at = 0; at < HM_TMK_LEVEL1_SIZE; at += 7) {
        memcpy(again, good, size);
        again[at] ^= 0x40;
        const int st = hm_tmk_read(again, size, &u);
        CHECK(st == HM_E_PARSE || (st == HM_OK && at >= 28 &&
                                   (at < 32 || at >= avg_at)));
    }
    /* base64 */
    char *text = malloc(HM_TMK_BASE64_LEN + 1);
    CHECK(text != NULL);
    if (!text) return;
    CHECK_INT(hm_tmk_write_base64(&t, text), HM_OK);
    CHECK_INT(strlen(text), HM_TMK_BASE64_LEN);
    CHECK_INT(strlen(text), 351128); /* 4 * ceil(263,344 / 3) */
    CHECK(text[strlen(text) - 1] == '=' && text[strlen(text) - 2] == '=');
    CHECK(strncmp(text, "VE1LMUZWRUNQRFFG", 16) == 0); /* "TMK1FVECPDQF" */
    const size_t len = strlen(text);
    memset(&u, 0, sizeof u);
    CHECK_INT(hm_tmk_read_base64(text, len, &u), HM_OK);
    hm_tmk_write(&u, again);
    CHECK(memcmp(again, good, size) == 0);
    CHECK_INT(hm_tmk_read_base64(text, len - 2, &u), HM_OK); /* unpadded */
    CHECK_INT(hm_tmk_read_base64(text, len - 1, &u), HM_E_PARSE); /* half padded */
    CHECK_INT(hm_tmk_read_base64(text, len - 4, &u), HM_E_PARSE); /* truncated */
    CHECK(strstr(hm_last_error(), "truncated") != NULL);
    CHECK_INT(hm_tmk_read_base64(text, 0, &u), HM_E_PARSE);
    const char last = text[len - 3];
    text[len - 3] = 'B'; /* bits after the last byte (value 1) */
    CHECK_INT(hm_tmk_read_base64(text, len, &u), HM_E_PARSE);
    text[len - 3] = last;
    text[100] = '\n';
    CHECK_INT(hm_tmk_read_base64(text, len, &u), HM_E_PARSE);
    text[100] = '-'; /* base64url is not the form */
    CHECK_INT(hm_tmk_read_base64(text, len, &u), HM_E_PARSE);
    CHECK(strstr(hm_last_error(), "base64") != NULL);
    text[100] = 'A'; /* valid base64, a damaged file: the checks of hm_tmk_read */
    CHECK_INT(hm_tmk_read_base64(text, len, &u), HM_E_PARSE);
    free(text);
    free(good);
}

/* ---- one frame ------------------------------------------------------------- */

/* One frame: a hash of one frame, as the tool prints one (its scores and
 * the other limits, through the public API: test_tmk_api.c). */
static void test_one_frame(hm_hasher *h) {
    static hm_tmk t;
    char one[1024];
    snprintf(one, sizeof one, "%s/tmk/limits/one-frame.mp4", HM_TEST_DATA);
    CHECK_INT(hm_tmk_hash_video(h, one, NULL, 0, NULL, &t, NULL), HM_OK);
    CHECK_INT(t.frames, 1);
    CHECK_INT(compare_with_tool(h, "one-frame.mp4", one, NULL, HM_CLI_SKIP_PREDICTED), 1);
}

int main(void) {
    hm_hasher *h;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    test_files();
    test_scores();
#if !HM_TEST_WITH_FFMPEG
    {
        static hm_tmk t;
        char path[1024];
        CHECK_INT(hm_tmk_hash_video(h, video_path("chair-19-sd-bar", path, sizeof path), NULL, 0,
                                    NULL, &t, NULL),
                  HM_E_UNSUPPORTED);
        hm_hasher_free(h);
        return test_summary("test_tmk");
    }
#endif
    g_have_ffmpeg = access(FFMPEG, X_OK) == 0;
    if (!g_have_ffmpeg)
        printf("test_tmk: %s not found: the frame-by-frame comparisons with the ffmpeg tool "
               "and the generated videos are skipped\n", FFMPEG);
    snprintf(g_tmp, sizeof g_tmp, "/tmp/test_tmk.XXXXXX");
    if (g_have_ffmpeg && !mkdtemp(g_tmp)) g_have_ffmpeg = 0;
    test_reference_videos(h);
    test_generated(h);
    test_one_frame(h);
    hm_hasher_free(h);
    if (g_have_ffmpeg) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
        CHECK(system(cmd) == 0);
    }
    return test_summary("test_tmk");
}
