/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public TMK+PDQF API (hashmatch.h), through the shared library only:
 *  - hashing: hm_tmk_hash_file and hm_tmk_hash_memory give the reference
 *    tool's .tmk bytes for all 14 reference videos (tests/data/tmk), and
 *    its frame-feature counts, whatever vPDQ's frame options say; the
 *    video info; without FFmpeg, HM_E_UNSUPPORTED;
 *  - files: .tmk bytes and base64 round trips, the sizes, the
 *    output-buffer rule (HM_E_LIMIT and the size needed), damaged input
 *    refused with HM_E_PARSE and no hash;
 *  - scores: every pair of expected/pair-scores.csv to its six printed
 *    decimals; level 1 or level 2 alone the same; b against a the same
 *    (level 2 to 1e-6); level 1 the
 *    cosine of hm_tmk_get_average's features; the default thresholds;
 *  - every argument of every function validated;
 *  - limits: each video limit (frames, decoded frames, duration, work,
 *    memory, time, interruption) and the hasher's (bytes, pixels); a
 *    0-frame, a 1-frame and a 10-hour video; what is no video.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_tmk_data.h"

static hm_tmk *g_ref[NVIDEOS]; /* the reference's .tmk files, read */
static hm_tmk *const kJunk = (hm_tmk *)&g_ref; /* an *out the calls must reset */

/* t's .tmk bytes equal `want` (HM_TMK_FILE_SIZE of them). */
static int same_bytes(const hm_tmk *t, const unsigned char *want) {
    static unsigned char got[HM_TMK_FILE_SIZE];
    size_t len = 0;
    if (hm_tmk_to_bytes(t, got, sizeof got, &len) != HM_OK || len != HM_TMK_FILE_SIZE) return 0;
    return memcmp(got, want, HM_TMK_FILE_SIZE) == 0;
}

/* ---- files ---------------------------------------------------------------- */

static void test_files(void) {
    static unsigned char buf[HM_TMK_FILE_SIZE + 8];
    char *text = malloc(HM_TMK_BASE64_LEN + 2);
    size_t size = 0, len = 0;
    CHECK(text != NULL);
    if (!text) return;
    for (size_t i = 0; i < NVIDEOS; i++) {
        unsigned char *b = expected_tmk(kVideos[i], &size);
        hm_tmk *t = kJunk, *u = kJunk;
        CHECK(b && size == HM_TMK_FILE_SIZE);
        if (!b) continue;
        /* bytes: a file read writes the same bytes back */
        CHECK_INT(hm_tmk_from_bytes(b, size, &t), HM_OK);
        CHECK(t != kJunk && t != NULL);
        CHECK(same_bytes(t, b));
        /* base64: padded, of the documented length, and back */
        len = 0;
        CHECK_INT(hm_tmk_to_base64(t, text, HM_TMK_BASE64_LEN + 1, &len), HM_OK);
        CHECK_INT(len, HM_TMK_BASE64_LEN);
        CHECK_INT(strlen(text), HM_TMK_BASE64_LEN);
        CHECK(text[HM_TMK_BASE64_LEN - 1] == '=' || HM_TMK_FILE_SIZE % 3 == 0);
        CHECK_INT(hm_tmk_from_base64(text, len, &u), HM_OK);
        CHECK(u && same_bytes(u, b));
        hm_tmk_free(u);
        /* the info is the file's header */
        hm_tmk_info info;
        memset(&info, 0xff, sizeof info);
        CHECK_INT(hm_tmk_get_info(t, &info), HM_OK);
        CHECK_INT(info.frames, expected_count(kVideos[i]));
        CHECK_INT(info.fps, 15);
        CHECK_INT(info.periods, 4);
        CHECK_INT(info.coefficients, 32);
        CHECK_INT(info.dimension, HM_TMK_DIM);
        CHECK(info.reserved0 == 0 && info.reserved[0] == 0 && info.reserved[3] == 0);
        g_ref[i] = t;
        free(b);
    }
    hm_tmk *t = g_ref[0], *u = kJunk;
    if (!t) return;
    /* output buffers: the size needed, HM_E_LIMIT when short, never more
     * written than cap (the byte after it stays) */
    memset(buf, 0xab, sizeof buf);
    len = 0;
    CHECK_INT(hm_tmk_to_bytes(t, buf, HM_TMK_FILE_SIZE - 1, &len), HM_E_LIMIT);
    CHECK_INT(len, HM_TMK_FILE_SIZE);
    CHECK(strstr(hm_last_error(), "263344") != NULL);
    CHECK_INT(hm_tmk_to_bytes(t, buf, sizeof buf, NULL), HM_OK); /* len may be NULL */
    CHECK(buf[HM_TMK_FILE_SIZE] == 0xab);
    len = 0;
    CHECK_INT(hm_tmk_to_base64(t, text, HM_TMK_BASE64_LEN, &len), HM_E_LIMIT); /* no NUL room */
    CHECK_INT(len, HM_TMK_BASE64_LEN);
    CHECK_INT(hm_tmk_to_base64(t, text, HM_TMK_BASE64_LEN + 2, NULL), HM_OK);
    /* damaged input: HM_E_PARSE, a message, no hash */
    CHECK_INT(hm_tmk_from_bytes(buf, HM_TMK_FILE_SIZE - 1, &u), HM_E_PARSE);
    CHECK(u == NULL && strstr(hm_last_error(), "truncated") != NULL);
    u = kJunk;
    CHECK_INT(hm_tmk_from_bytes(buf, HM_TMK_FILE_SIZE + 1, &u), HM_E_PARSE);
    CHECK(u == NULL && strstr(hm_last_error(), "too long") != NULL);
    buf[0] = 'X';
    u = kJunk;
    CHECK_INT(hm_tmk_from_bytes(buf, HM_TMK_FILE_SIZE, &u), HM_E_PARSE);
    CHECK(u == NULL && strstr(hm_last_error(), "magic") != NULL);
    const float nan = NAN;
    CHECK_INT(hm_tmk_to_bytes(t, buf, sizeof buf, NULL), HM_OK);
    memcpy(buf + 176 + 4 * 10, &nan, 4); /* a pure-average value */
    u = kJunk;
    CHECK_INT(hm_tmk_from_bytes(buf, HM_TMK_FILE_SIZE, &u), HM_E_PARSE);
    CHECK(u == NULL);
    u = kJunk;
    CHECK_INT(hm_tmk_from_base64(text, HM_TMK_BASE64_LEN - 4, &u), HM_E_PARSE);
    CHECK(u == NULL);
    text[100] = '-'; /* base64url */
    u = kJunk;
    CHECK_INT(hm_tmk_from_base64(text, HM_TMK_BASE64_LEN, &u), HM_E_PARSE);
    CHECK(u == NULL && strstr(hm_last_error(), "base64") != NULL);
    u = kJunk;
    CHECK_INT(hm_tmk_from_base64("", 0, &u), HM_E_PARSE);
    CHECK(u == NULL);
    free(text);
}

/* ---- scores ----------------------------------------------------------------- */

static float cosine(const float *a, const float *b) {
    float ab = 0, aa = 0, bb = 0; /* the reference's float sums, in order */
    for (int k = 0; k < HM_TMK_DIM; k++) ab += a[k] * b[k];
    for (int k = 0; k < HM_TMK_DIM; k++) aa += a[k] * a[k];
    for (int k = 0; k < HM_TMK_DIM; k++) bb += b[k] * b[k];
    return ab / (sqrtf(aa) * sqrtf(bb));
}

static float g_asym; /* the largest |level 2 (a, b) - level 2 (b, a)| */

static void score_pair(void *user, int a, int b, const char *l1, const char *l2) {
    float s1 = -9, s2 = -9, only1 = -9, only2 = -9, r1 = -9, r2 = -9;
    char t1[32], t2[32];
    (void)user;
    CHECK_INT(hm_tmk_scores(g_ref[a], g_ref[b], &s1, &s2), HM_OK);
    snprintf(t1, sizeof t1, "%.6f", (double)s1);
    snprintf(t2, sizeof t2, "%.6f", (double)s2);
    CHECK_STR(t1, l1, kVideos[a]);
    CHECK_STR(t2, l2, kVideos[b]);
    /* each level alone: the same bits */
    CHECK_INT(hm_tmk_scores(g_ref[a], g_ref[b], &only1, NULL), HM_OK);
    CHECK_INT(hm_tmk_scores(g_ref[a], g_ref[b], NULL, &only2), HM_OK);
    CHECK(only1 == s1 && only2 == s2);
    /* b against a: level 1 the same; time runs the other way in level 2,
     * whose last bits may differ */
    CHECK_INT(hm_tmk_scores(g_ref[b], g_ref[a], &r1, &r2), HM_OK);
    CHECK(r1 == s1);
    CHECK(fabsf(r2 - s2) <= 1e-6f);
    if (fabsf(r2 - s2) > g_asym) g_asym = fabsf(r2 - s2);
    /* level 1 is the cosine of the averages the getter gives */
    float va[HM_TMK_DIM], vb[HM_TMK_DIM + 1];
    CHECK_INT(hm_tmk_get_average(g_ref[a], va, HM_TMK_DIM), HM_OK);
    CHECK_INT(hm_tmk_get_average(g_ref[b], vb, HM_TMK_DIM + 1), HM_OK);
    CHECK(cosine(va, vb) == s1);
}

static void test_scores(void) {
    if (!g_ref[NVIDEOS - 1]) return;
    CHECK_INT(tmk_pairs(score_pair, NULL), NVIDEOS * (NVIDEOS - 1) / 2);
    printf("test_tmk_api: level 2 of b against a differs by %.2g at most\n", (double)g_asym);
    for (size_t i = 0; i < NVIDEOS; i++) {
        float s1 = 0, s2 = 0;
        CHECK_INT(hm_tmk_scores(g_ref[i], g_ref[i], &s1, &s2), HM_OK);
        CHECK(fabsf(s1 - 1) < 1e-6f && fabsf(s2 - 1) < 1e-5f);
    }
    /* the reference's defaults */
    CHECK(hm_tmk_default_threshold(1) == 0.7f && hm_tmk_default_threshold(2) == 0.7f);
    CHECK(hm_tmk_default_threshold(1) == HM_TMK_DEFAULT_LEVEL1_THRESHOLD);
    CHECK(hm_tmk_default_threshold(2) == HM_TMK_DEFAULT_LEVEL2_THRESHOLD);
    CHECK(hm_tmk_default_threshold(0) == -1 && hm_tmk_default_threshold(3) == -1);
}

/* ---- arguments -------------------------------------------------------------- */

#define INVALID(call)                                        \
    do {                                                     \
        CHECK_INT((call), HM_E_INVALID_ARGUMENT);            \
        CHECK(hm_last_error()[0] != '\0');                   \
    } while (0)

static void test_arguments(hm_hasher *h) {
    static unsigned char buf[HM_TMK_FILE_SIZE];
    char text[16];
    hm_tmk *t = g_ref[0], *u = kJunk;
    hm_video_info vi;
    hm_tmk_info ti;
    float f[HM_TMK_DIM];
    char path[1024];
    video_path("chair-19-sd-bar", path, sizeof path);
    if (!t) return;
    INVALID(hm_tmk_hash_file(NULL, path, NULL, &u, &vi));
    CHECK(u == NULL);
    u = kJunk;
    INVALID(hm_tmk_hash_file(h, NULL, NULL, &u, &vi));
    CHECK(u == NULL);
    INVALID(hm_tmk_hash_file(h, path, NULL, NULL, &vi));
    u = kJunk;
    INVALID(hm_tmk_hash_memory(NULL, buf, sizeof buf, NULL, &u, NULL));
    CHECK(u == NULL);
    u = kJunk;
    INVALID(hm_tmk_hash_memory(h, NULL, 10, NULL, &u, NULL));
    CHECK(u == NULL && strstr(hm_last_error(), "data") != NULL);
    INVALID(hm_tmk_hash_memory(h, buf, sizeof buf, NULL, NULL, NULL));
    /* video options out of range are refused as for vPDQ */
    hm_video_opts o;
    hm_video_opts_init(&o);
    o.max_frames = 0;
    u = kJunk;
    INVALID(hm_tmk_hash_file(h, path, &o, &u, NULL));
    CHECK(u == NULL);
    u = kJunk;
    INVALID(hm_tmk_from_bytes(NULL, HM_TMK_FILE_SIZE, &u));
    CHECK(u == NULL);
    INVALID(hm_tmk_from_bytes(buf, sizeof buf, NULL));
    u = kJunk;
    INVALID(hm_tmk_from_base64(NULL, 4, &u));
    CHECK(u == NULL);
    INVALID(hm_tmk_from_base64("AAAA", 4, NULL));
    INVALID(hm_tmk_to_bytes(NULL, buf, sizeof buf, NULL));
    INVALID(hm_tmk_to_bytes(t, NULL, sizeof buf, NULL));
    INVALID(hm_tmk_to_base64(NULL, text, sizeof text, NULL));
    INVALID(hm_tmk_to_base64(t, NULL, HM_TMK_BASE64_LEN + 1, NULL));
    INVALID(hm_tmk_get_info(NULL, &ti));
    INVALID(hm_tmk_get_info(t, NULL));
    INVALID(hm_tmk_get_average(NULL, f, HM_TMK_DIM));
    INVALID(hm_tmk_get_average(t, NULL, HM_TMK_DIM));
    CHECK_INT(hm_tmk_get_average(t, f, HM_TMK_DIM - 1), HM_E_LIMIT);
    float s = 0;
    INVALID(hm_tmk_scores(NULL, t, &s, &s));
    INVALID(hm_tmk_scores(t, NULL, &s, &s));
    INVALID(hm_tmk_scores(t, t, NULL, NULL));
    hm_tmk_free(NULL); /* a no-op */
}

/* ---- hashing ---------------------------------------------------------------- */

static int stop_now(void *user) {
    (void)user;
    return 1;
}

/* Hash `path` with o, expecting `status` and `word` in the message, with
 * and without the info (whose filling must keep the message). */
static void expect(hm_hasher *h, const char *path, const hm_video_opts *o, int status,
                   const char *word) {
    hm_video_info info;
    for (int with_info = 0; with_info < 2; with_info++) {
        hm_tmk *t = kJunk;
        CHECK_INT(hm_tmk_hash_file(h, path, o, &t, with_info ? &info : NULL), status);
        if (status != HM_OK) CHECK(t == NULL);
        hm_tmk_free(status == HM_OK ? t : NULL);
        if (word && !strstr(hm_last_error(), word))
            fprintf(stderr, "%s: message '%s' lacks '%s'%s\n", path, hm_last_error(), word,
                    with_info ? " (with info)" : "");
        CHECK(!word || strstr(hm_last_error(), word) != NULL);
    }
}

static void test_reference_videos(hm_hasher *h) {
    char path[1024];
    hm_video_info info;
    int same = 0;
    for (size_t i = 0; i < NVIDEOS; i++) {
        size_t size = 0;
        unsigned char *want = expected_tmk(kVideos[i], &size);
        hm_tmk *t = kJunk;
        hm_tmk_info ti;
        CHECK_INT(hm_tmk_hash_file(h, video_path(kVideos[i], path, sizeof path), NULL, &t, &info),
                  HM_OK);
        CHECK(t != kJunk);
        if (t && t != kJunk && want) {
            const int ok = same_bytes(t, want);
            if (!ok) fprintf(stderr, "%s: .tmk bytes differ from the reference's\n", kVideos[i]);
            CHECK(ok);
            same += ok;
            CHECK_INT(hm_tmk_get_info(t, &ti), HM_OK);
            CHECK_INT(ti.frames, expected_count(kVideos[i]));
            CHECK_INT(info.frames_hashed, (uint64_t)ti.frames);
            hm_tmk_free(t);
        }
        free(want);
    }
    printf("test_tmk_api: %d of %zu reference videos hashed to the reference's .tmk bytes\n",
           same, NVIDEOS);
    /* from memory: the same bytes; the info */
    const char *name = "test-padded-dimensions";
    size_t size = 0, vsize = 0;
    unsigned char *want = expected_tmk(name, &size);
    unsigned char *video = read_all(video_path(name, path, sizeof path), &vsize);
    hm_tmk *t = kJunk;
    CHECK(want && video);
    memset(&info, 0x55, sizeof info);
    CHECK_INT(hm_tmk_hash_memory(h, video, vsize, NULL, &t, &info), HM_OK);
    CHECK(t != kJunk && want && same_bytes(t, want));
    /* 5 s at 30 fps: every frame decoded, or not needed */
    CHECK_INT(info.frames_decoded + info.frames_skipped, 150);
    CHECK_INT(info.frames_hashed, 77);
    CHECK_INT(info.partial, 0);
    CHECK_INT(info.width, 1080);
    hm_tmk_free(t);
    t = kJunk;
    CHECK_INT(hm_tmk_hash_memory(h, video, 0, NULL, &t, NULL), HM_E_DECODE); /* empty */
    CHECK(t == NULL);
    free(want);
    free(video);
    /* vPDQ's frame choice does not apply: the same bytes with it set */
    hm_video_opts o;
    hm_video_opts_init(&o);
    o.mode = HM_FRAMES_KEYFRAMES;
    o.downscale = 32;
    o.trim_borders = 1;
    want = expected_tmk("chair-19-sd-bar", &size);
    t = NULL;
    CHECK_INT(hm_tmk_hash_file(h, video_path("chair-19-sd-bar", path, sizeof path), &o, &t, NULL),
              HM_OK);
    CHECK(t && want && same_bytes(t, want));
    hm_tmk_free(t);
    free(want);
}

/* A video's frames (hm_video_next to the end), with opts.tmk: the hash
 * taken after the last frame (*t; NULL when not asked or on error). */
typedef struct vframes {
    hm_video_frame f[64];
    size_t n;
    hm_video_info info;
} vframes;

/* Fields taken from reserved space keep every other field where it was
 * (scripts/check-abi.sh, the rule for reserved fields). */
_Static_assert(offsetof(hm_video_opts, tmk) == offsetof(hm_video_opts, trim_borders) + 4,
               "hm_video_opts.tmk where reserved0 was");
_Static_assert(offsetof(hm_video_opts, max_memory) == offsetof(hm_video_opts, tmk) + 4,
               "hm_video_opts.max_memory after it");
_Static_assert(offsetof(hm_video_info, frames_skipped) == offsetof(hm_video_info, codec) + 32,
               "hm_video_info.frames_skipped where reserved[0] was");
_Static_assert(sizeof(hm_video_info) == offsetof(hm_video_info, frames_skipped) + 32,
               "hm_video_info keeps its size");

static char g_why[256]; /* read_frames' last error message */

static int read_frames(hm_hasher *h, const char *path, const hm_video_opts *o, vframes *out,
                       hm_tmk **t) {
    hm_video *v;
    hm_video_frame f;
    int got = 0, st = hm_video_open_file(h, path, o, &v);
    out->n = 0;
    if (t) *t = NULL;
    if (st != HM_OK) return st;
    while ((st = hm_video_next(v, &f, &got)) == HM_OK && got)
        if (out->n < 64) out->f[out->n++] = f;
    snprintf(g_why, sizeof g_why, "%s", hm_last_error()); /* before a call clears it */
    hm_video_get_info(v, &out->info);
    if (st == HM_OK && t) {
        CHECK_INT(hm_video_take_tmk(v, t), HM_OK);
        hm_tmk *again = kJunk; /* once per video */
        CHECK_INT(hm_video_take_tmk(v, &again), HM_E_INVALID_ARGUMENT);
        CHECK(again == NULL);
    }
    hm_video_close(v);
    return st;
}

/* opts.tmk: the frames of vPDQ and the TMK+PDQF hash from one decoding,
 * each as it is alone, in every frame mode (keyframes too: then every
 * frame is decoded for TMK, and vPDQ takes those of key packets, as a
 * decoding of the key packets alone gives them). */
static void test_beside_vpdq(hm_hasher *h) {
    char path[1024];
    static vframes alone, both;
    int same = 0;
    size_t keyframes = 0;
    hm_video_opts o;
    hm_video_opts_init(&o);
    o.types = HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_PHASH);
    for (size_t run = 0; run < 2 * NVIDEOS; run++) {
        const size_t i = run % NVIDEOS;
        size_t size = 0;
        unsigned char *want = expected_tmk(kVideos[i], &size);
        hm_tmk *t = NULL;
        video_path(kVideos[i], path, sizeof path);
        o.mode = run >= NVIDEOS ? HM_FRAMES_KEYFRAMES : i % 2 ? HM_FRAMES_ALL : HM_FRAMES_INTERVAL;
        o.interval = o.mode == HM_FRAMES_KEYFRAMES ? 0 : 1; /* every keyframe */
        o.tmk = 0;
        CHECK_INT(read_frames(h, path, &o, &alone, NULL), HM_OK);
        o.tmk = 1;
        CHECK_INT(read_frames(h, path, &o, &both, &t), HM_OK);
        CHECK_INT(both.n, alone.n);
        CHECK(both.n > 0 && memcmp(both.f, alone.f, both.n * sizeof both.f[0]) == 0);
        CHECK_INT(both.info.frames_hashed, alone.info.frames_hashed);
        if (o.mode == HM_FRAMES_KEYFRAMES) {
            CHECK(both.info.frames_decoded > alone.info.frames_decoded); /* all of them */
            keyframes += alone.n;
        } else {
            CHECK_INT(both.info.frames_decoded, alone.info.frames_decoded);
        }
        const int ok = t && want && same_bytes(t, want);
        if (!ok)
            fprintf(stderr, "%s (mode %d): TMK beside vPDQ differs from the reference's\n",
                    kVideos[i], (int)o.mode);
        same += ok;
        hm_tmk_free(t);
        free(want);
    }
    CHECK_INT(same, 2 * (int)NVIDEOS);
    printf("test_tmk_api: %d of %zu reference videos, twice (the second time in keyframes "
           "mode, %zu keyframes): vPDQ frames and the reference's .tmk bytes from one "
           "decoding\n", same / 2, NVIDEOS, keyframes);
    o.interval = 1;

    /* misuse and limits */
    video_path("chair-19-sd-bar", path, sizeof path);
    hm_video *v;
    hm_video_frame f;
    hm_tmk *t = kJunk;
    int got;
    CHECK_INT(hm_video_take_tmk(NULL, &t), HM_E_INVALID_ARGUMENT);
    CHECK(t == NULL); /* failures leave *out NULL */
    o.mode = HM_FRAMES_INTERVAL;
    o.tmk = 0; /* not asked */
    CHECK_INT(hm_video_open_file(h, path, &o, &v), HM_OK);
    t = kJunk;
    CHECK_INT(hm_video_take_tmk(v, &t), HM_E_INVALID_ARGUMENT);
    CHECK(t == NULL);
    hm_video_close(v);
    o.tmk = 1; /* before the end */
    CHECK_INT(hm_video_open_file(h, path, &o, &v), HM_OK);
    CHECK_INT(hm_video_next(v, &f, &got), HM_OK);
    CHECK_INT(hm_video_take_tmk(v, NULL), HM_E_INVALID_ARGUMENT);
    t = kJunk;
    CHECK_INT(hm_video_take_tmk(v, &t), HM_E_INVALID_ARGUMENT);
    CHECK(t == NULL && strstr(hm_last_error(), "end") != NULL);
    hm_video_close(v); /* closing before the end releases the hash in the making */
    /* max_frames counts TMK's 15 fps frames on their own: 4 vPDQ frames
     * at one per 5 s pass, 284 TMK frames do not */
    o.interval = 5;
    o.max_frames = 10;
    CHECK_INT(read_frames(h, path, &o, &both, &t), HM_E_LIMIT);
    CHECK(strstr(g_why, "TMK+PDQF") != NULL);
    o.tmk = 0;
    CHECK_INT(read_frames(h, path, &o, &both, NULL), HM_OK);
    CHECK_INT(both.n, 4);
}

static void test_limits(hm_hasher *h) {
    char one[1024], none[1024], ten[1024], ref[1024], p[1024];
    hm_video_opts o;
    hm_tmk *t = NULL;
    snprintf(one, sizeof one, "%s/tmk/limits/one-frame.mp4", HM_TEST_DATA);
    snprintf(none, sizeof none, "%s/tmk/limits/no-frames.avi", HM_TEST_DATA);
    snprintf(ten, sizeof ten, "%s/tmk/limits/ten-hours.mkv", HM_TEST_DATA);
    video_path("chair-19-sd-bar", ref, sizeof ref);
    /* one frame: a hash of one frame; it leaves every sine feature zero
     * (t = 0): against itself, (a_0 + sum a_j) / (a_0 + 2 sum a_j) =
     * 0.51835 at level 2, as the reference */
    CHECK_INT(hm_tmk_hash_file(h, one, NULL, &t, NULL), HM_OK);
    if (t) {
        hm_tmk_info ti;
        float s2 = 0;
        CHECK_INT(hm_tmk_get_info(t, &ti), HM_OK);
        CHECK_INT(ti.frames, 1);
        CHECK_INT(hm_tmk_scores(t, t, NULL, &s2), HM_OK);
        CHECK(fabsf(s2 - 0.5183507f) < 1e-5f);
        hm_tmk_free(t);
    }
    /* no frame at all: an error, not an empty hash */
    expect(h, none, NULL, HM_E_DECODE, "no frame");
    /* ten hours claimed: the duration limit at open; raised, the frames
     * the tool would print (540,001) hit max_frames */
    expect(h, ten, NULL, HM_E_LIMIT, "max_duration");
    hm_video_opts_init(&o);
    o.max_duration = 40000;
    o.max_frames = 1000;
    expect(h, ten, &o, HM_E_LIMIT, "max_frames");
    /* each limit */
    hm_video_opts_init(&o);
    o.max_frames = 100;
    expect(h, ref, &o, HM_E_LIMIT, "max_frames");
    hm_video_opts_init(&o);
    o.max_decoded = 50;
    expect(h, ref, &o, HM_E_LIMIT, "max_decoded");
    hm_video_opts_init(&o);
    o.max_duration = 5;
    expect(h, ref, &o, HM_E_LIMIT, "max_duration");
    hm_video_opts_init(&o);
    o.max_work_pixels = 20000000;
    expect(h, ref, &o, HM_E_LIMIT, "max_work_pixels");
    hm_video_opts_init(&o);
    o.max_memory = 1 << 20;
    expect(h, ref, &o, HM_E_LIMIT, "max_memory");
    hm_video_opts_init(&o);
    o.time_budget = 1e-9;
    expect(h, ref, &o, HM_E_LIMIT, "time budget");
    hm_video_opts_init(&o);
    o.interrupt = stop_now;
    expect(h, ref, &o, HM_E_CANCELLED, "cancelled");
    hm_hasher *small;
    CHECK_INT(hm_hasher_create(&small), HM_OK);
    CHECK_INT(hm_hasher_set(small, HM_HASHER_MAX_INPUT_BYTES, 100000), HM_OK);
    expect(small, ref, NULL, HM_E_LIMIT, "HM_HASHER_MAX_INPUT_BYTES");
    CHECK_INT(hm_hasher_set(small, HM_HASHER_MAX_INPUT_BYTES, 1 << 30), HM_OK);
    CHECK_INT(hm_hasher_set(small, HM_HASHER_MAX_PIXELS, 100000), HM_OK);
    expect(small, ref, NULL, HM_E_LIMIT, "pixel");
    hm_hasher_free(small);
    /* what the ffmpeg tool cannot read as video either, or is no video */
    snprintf(p, sizeof p, "%s/video/anim.webp", HM_TEST_DATA);
    expect(h, p, NULL, HM_E_UNSUPPORTED, "WebP");
    snprintf(p, sizeof p, "%s/tmk/expected/tmk/chair-19-sd-bar.tmk", HM_TEST_DATA);
    expect(h, p, NULL, HM_E_UNKNOWN_FORMAT, NULL);
    snprintf(p, sizeof p, "%s/tmk/no-such-video.mp4", HM_TEST_DATA);
    expect(h, p, NULL, HM_E_IO, NULL);
}

int main(void) {
    hm_hasher *h;
    CHECK_INT(hm_hasher_create(&h), HM_OK);
    test_files();
    test_scores();
    test_arguments(h);
#if HM_TEST_WITH_FFMPEG
    test_reference_videos(h);
    test_beside_vpdq(h);
    test_limits(h);
#else
    {
        char path[1024];
        hm_tmk *t = kJunk;
        CHECK_INT(hm_tmk_hash_file(h, video_path("chair-19-sd-bar", path, sizeof path), NULL, &t,
                                   NULL),
                  HM_E_UNSUPPORTED);
        CHECK(t == NULL && strstr(hm_last_error(), "FFmpeg") != NULL);
        (void)test_reference_videos, (void)test_beside_vpdq, (void)test_limits;
    }
#endif
    for (size_t i = 0; i < NVIDEOS; i++) hm_tmk_free(g_ref[i]);
    hm_hasher_free(h);
    return test_summary("test_tmk_api");
}
