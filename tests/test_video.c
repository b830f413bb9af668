/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video hashing: vPDQ compatibility against the upstream sample hashes
 * (frame numbers and timestamps equal, hashes within 31 bits where both
 * frames have quality >= 50), the reference tool's own lines, byte for
 * byte, for clips whose decoded frames differ in size from the stream's,
 * the three frame modes against each other,
 * memory input, rotation, animated GIF/WebP, the vPDQ line format,
 * limits, cancellation, refused inputs, and damaged files (truncated and
 * bit-flipped copies) that must give an error or a partial result, never
 * a crash or a hang.
 */
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "hashmatch.h"
#include "test_util.h"

#define VID HM_TEST_DATA "/video/"
#define VPDQ HM_TEST_DATA "/pdq-reference/threatexchange/vpdq/sample-hashes/"
#define VREF VID "vpdq-reference/"

#define MAXF 400

typedef struct frames {
    hm_video_frame f[MAXF];
    int n;
    hm_status st;
    hm_video_info info;
    char msg[512]; /* the hasher's message at the end */
} frames;

/* Hash a whole video (from a file, or from memory when data != NULL)
 * with a hasher whose pixel limit is max_pixels (0: the default). */
static void run_px(const char *path, const void *data, size_t size, const hm_video_opts *o,
                   int64_t max_pixels, frames *out) {
    hm_hasher *h;
    hm_video *v;
    int got;
    hm_hasher_create(&h);
    if (max_pixels) hm_hasher_set(h, HM_HASHER_MAX_PIXELS, max_pixels);
    memset(out, 0, sizeof *out);
    out->st = data || size ? hm_video_open_memory(h, data, size, o, &v)
                           : hm_video_open_file(h, path, o, &v);
    if (out->st == HM_OK) {
        while (out->n < MAXF && (out->st = hm_video_next(v, &out->f[out->n], &got)) == HM_OK &&
               got)
            out->n++;
        snprintf(out->msg, sizeof out->msg, "%s", hm_last_error()); /* before the next call */
        hm_video_get_info(v, &out->info);
        hm_video_close(v);
    } else {
        snprintf(out->msg, sizeof out->msg, "%s", hm_last_error());
    }
    hm_hasher_free(h);
}

static void run(const char *path, const void *data, size_t size, const hm_video_opts *o,
                frames *out) {
    run_px(path, data, size, o, 0, out);
}

static void opts(hm_video_opts *o, int mode, double interval) {
    hm_video_opts_init(o);
    o->mode = mode;
    o->interval = interval;
}

/* Upstream vPDQ output, parsed with hm_vpdq_parse_line. */
static int load_vpdq(const char *path, hm_video_frame *f, int max) {
    FILE *fp = fopen(path, "r");
    char line[256];
    int n = 0;
    while (fp && n < max && fgets(line, sizeof line, fp))
        if (hm_vpdq_parse_line(line, &f[n]) == HM_OK) n++;
    if (fp) fclose(fp);
    return n;
}

static void against_upstream(const char *video, const char *ref, int downscale) {
    static hm_video_frame want[MAXF];
    static frames got;
    hm_video_opts o;
    opts(&o, HM_FRAMES_ALL, 0);
    o.downscale = downscale;
    run(video, NULL, 0, &o, &got);
    int n = load_vpdq(ref, want, MAXF), meta = 0, within = 0, compared = 0, exact = 0;
    CHECK_INT(got.st, HM_OK);
    CHECK_INT(got.n, n);
    for (int i = 0; i < n && i < got.n; i++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%.3f", got.f[i].timestamp);
        snprintf(b, sizeof b, "%.3f", want[i].timestamp);
        if (got.f[i].frame_number == want[i].frame_number && strcmp(a, b) == 0) meta++;
        int d = hm_hash_distance(&got.f[i].hashes[0], &want[i].hashes[0]);
        if (d == 0) exact++;
        if (got.f[i].hashes[0].quality >= 50 && want[i].hashes[0].quality >= 50) {
            compared++;
            if (d <= 31) within++;
        }
    }
    printf("%s (size %d): %d frames, %d compared at quality >= 50, %d exact\n",
           strrchr(video, '/') + 1, downscale, n, compared, exact);
    CHECK_INT(meta, n);
    CHECK_INT(within, compared);
    CHECK(compared > 0);
}

/* Lines made once by the reference vpdq-hash-video itself (its command in
 * tests/data/video/README.md): the library's frames, in vPDQ's line
 * format, are the same lines, byte for byte.  The clips' decoded frames
 * differ in size from the stream's (theora-offset: 218x160 frames for a
 * 214x160 stream; size-change: 160x120, then 192x120 frames), where the
 * reference reads the frame's top-left corner at the decoder's opened
 * size and scales it to the stream's size. */
static void reference_lines(const char *video, const char *ref, int mode, double interval,
                            int downscale) {
    static frames got;
    hm_video_opts o;
    opts(&o, mode, interval);
    o.downscale = downscale;
    run(video, NULL, 0, &o, &got);
    CHECK_INT(got.st, HM_OK);
    FILE *fp = fopen(ref, "r");
    CHECK(fp != NULL);
    char want[256], line[256];
    int n = 0, same = 0;
    while (fp && fgets(want, sizeof want, fp)) {
        want[strcspn(want, "\r\n")] = 0;
        if (n < got.n && hm_vpdq_format_line(&got.f[n], line, sizeof line) == HM_OK &&
            strcmp(line, want) == 0)
            same++;
        else
            fprintf(stderr, "%s line %d: want %s, got %s\n", ref, n + 1, want,
                    n < got.n ? line : "(no frame)");
        n++;
    }
    if (fp) fclose(fp);
    printf("%s: %d of %d reference lines equal\n", strrchr(ref, '/') + 1, same, n);
    CHECK(n > 0);
    CHECK_INT(got.n, n);
    CHECK_INT(same, n);
}

/* Where the reference's reading is undefined, the whole picture at the
 * stream's size.  shrink.h264 goes from 192x144 to 160x120: vpdq-hash-video
 * reads past the smaller frames' rows, and its last 192x144 frames come out
 * of the decoder when the context is already 120 high (a partial slice):
 * its lines differ from run to run.  The library scales the smaller frames
 * to 192x144; they are size-change.h264's first 30 pictures (the same
 * bitstream), so their hashes stay within a few bits of those (garbage or
 * a crop would be about 128 bits away). */
static void undefined_geometry(void) {
    static frames shrink, small;
    hm_video_opts o;
    opts(&o, HM_FRAMES_ALL, 0);
    run(VID "shrink.h264", NULL, 0, &o, &shrink);
    run(VID "size-change.h264", NULL, 0, &o, &small);
    CHECK_INT(shrink.st, HM_OK);
    CHECK_INT(shrink.n, 60);
    CHECK(shrink.info.width == 192 && shrink.info.height == 144);
    int worst = 0;
    for (int i = 0; i < 30 && 30 + i < shrink.n && i < small.n; i++) {
        int d = hm_hash_distance(&shrink.f[30 + i].hashes[0], &small.f[i].hashes[0]);
        if (d > worst) worst = d;
    }
    printf("shrink.h264: 160x120 frames scaled to 192x144 within %d bits\n", worst);
    CHECK(worst <= 31);
}

/* Every hashed frame of a mode equals the every-frame decode's hash of the
 * same frame: interval picks exact frames; keyframes decoded alone are the
 * same pictures, not garbage (exactly by default, with the RGB conversion;
 * within a few bits from the luma plane, which skips its rounding). */
static void modes_agree(const char *video) {
    static frames all, sel;
    hm_video_opts o;
    opts(&o, HM_FRAMES_ALL, 0);
    run(video, NULL, 0, &o, &all);
    CHECK_INT(all.st, HM_OK);
    for (int pass = 0; pass < 3; pass++) {
        const int mode = pass == 0 ? HM_FRAMES_INTERVAL : HM_FRAMES_KEYFRAMES;
        const int tolerance = pass == 2 ? 4 : 0;
        opts(&o, mode, mode == HM_FRAMES_INTERVAL ? 1.0 : 0);
        if (pass == 2) o.rgb_exact = 0; /* pass 1: keyframes as by default, through RGB */
        run(video, NULL, 0, &o, &sel);
        CHECK_INT(sel.st, HM_OK);
        CHECK(sel.n > 0);
        int bad = 0, worst = 0;
        for (int i = 0; i < sel.n; i++) {
            uint64_t k = sel.f[i].frame_number;
            int d = k < (uint64_t)all.n ? hm_hash_distance(&sel.f[i].hashes[0], &all.f[k].hashes[0])
                                        : 256;
            if (d > worst) worst = d;
            if (d > tolerance) bad++;
            if (mode == HM_FRAMES_INTERVAL && k % (uint64_t)(all.info.fps + 0.5) != 0) bad++;
        }
        if (pass == 2) printf("%s: keyframes from the luma plane within %d bits\n",
                              strrchr(video, '/') + 1, worst);
        if (bad) fprintf(stderr, "%s pass %d: %d frames differ\n", video, pass, bad);
        CHECK_INT(bad, 0);
        if (mode == HM_FRAMES_KEYFRAMES)
            CHECK(sel.info.frames_decoded < all.info.frames_decoded / 4); /* key only */
    }
}

static void formats_and_options(void) {
    static frames a, b;
    hm_video_opts o;
    size_t size;
    /* memory input gives what the file gives */
    unsigned char *mp4 = read_all(VID "test-padded-dimensions.mp4", &size);
    opts(&o, HM_FRAMES_INTERVAL, 0.5);
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    run(NULL, mp4, size, &o, &b);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(b.st, HM_OK);
    CHECK_INT(a.n, 10);
    CHECK_INT(b.n, a.n);
    CHECK(a.n == b.n && memcmp(a.f, b.f, sizeof a.f[0] * (size_t)a.n) == 0);
    CHECK_STR(a.info.codec, "h264", "codec");
    CHECK(a.info.fps > 29.9 && a.info.fps < 30.1 && a.info.duration > 4.9);
    /* pHash/dHash on request, PDQ first */
    opts(&o, HM_FRAMES_INTERVAL, 2);
    o.types = HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_PHASH) | HM_TYPE_BIT(HM_HASH_DHASH);
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK(a.n == 3 && a.f[0].nhashes == 3 && a.f[0].hashes[0].type == HM_HASH_PDQ &&
          a.f[0].hashes[1].type == HM_HASH_PHASH && a.f[0].hashes[2].type == HM_HASH_DHASH);
    /* the rest of the frame (reserved fields, unused hash slots) is zero */
    {
        static const hm_hash zero_hash;
        CHECK(a.f[0].reserved0 == 0 && a.f[0].reserved[0] == 0 && a.f[0].reserved[3] == 0);
        for (int i = 3; i < HM_FRAME_HASHES; i++)
            CHECK(memcmp(&a.f[0].hashes[i], &zero_hash, sizeof zero_hash) == 0);
    }
    /* rotation metadata: reported; applied on request (then the frame is
     * the original turned: far from the unrotated hash, as PDQ is not
     * rotation-invariant) */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    run(VID "rotated-90.mp4", NULL, 0, &o, &a);
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &b);
    CHECK_INT(a.info.rotation, 90);
    CHECK(a.n == b.n && hm_hash_distance(&a.f[1].hashes[0], &b.f[1].hashes[0]) == 0);
    o.apply_rotation = 1;
    run(VID "rotated-90.mp4", NULL, 0, &o, &a);
    CHECK(a.n == b.n && hm_hash_distance(&a.f[1].hashes[0], &b.f[1].hashes[0]) > 40);
    /* animated GIF and WebP are videos; not when asked otherwise */
    opts(&o, HM_FRAMES_ALL, 0);
    run(VID "anim.gif", NULL, 0, &o, &a);
    run(VID "anim.webp", NULL, 0, &o, &b);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(b.st, HM_OK);
    CHECK_INT(a.n, 10);
    CHECK_INT(b.n, 10);
    CHECK(b.n > 5 && b.f[5].timestamp > 0.45 && b.f[5].timestamp < 0.55);
    /* the two encodings of the same frames stay close */
    CHECK(a.n == b.n && hm_hash_distance(&a.f[3].hashes[0], &b.f[3].hashes[0]) <= 31);
    o.animated_images = 0;
    run(VID "anim.gif", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_UNKNOWN_FORMAT);
    run(VID "anim.webp", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_UNKNOWN_FORMAT);
    free(mp4);
}

static int g_calls;
static int cancel_after_some(void *user) {
    (void)user;
    return ++g_calls > 50;
}

static void limits_and_refusals(void) {
    static frames a;
    hm_video_opts o;
    hm_hasher *h;
    hm_video *v;
    /* frames, duration, decoded frames, time, cancellation */
    opts(&o, HM_FRAMES_ALL, 0);
    o.max_frames = 7;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    CHECK_INT(a.n, 7);
    opts(&o, HM_FRAMES_ALL, 0);
    o.max_duration = 2;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    opts(&o, HM_FRAMES_INTERVAL, 1);
    o.max_decoded = 40;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    CHECK_INT(a.n, 2);
    opts(&o, HM_FRAMES_ALL, 0);
    o.time_budget = 1e-6;
    run(VID "cockatoo.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    opts(&o, HM_FRAMES_ALL, 0);
    o.interrupt = cancel_after_some;
    run(VID "cockatoo.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_CANCELLED);
    /* the hasher's limits: pixels per frame, input bytes */
    hm_hasher_create(&h);
    hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 1000 * 1000);
    CHECK_INT(hm_video_open_file(h, VID "test-padded-dimensions.mp4", NULL, &v), HM_E_LIMIT);
    CHECK(strstr(hm_last_error(), "HM_HASHER_MAX_PIXELS") != NULL);
    hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 100000000);
    hm_hasher_set(h, HM_HASHER_MAX_INPUT_BYTES, 1000);
    CHECK_INT(hm_video_open_file(h, VID "test-padded-dimensions.mp4", NULL, &v), HM_E_LIMIT);
    hm_hasher_set(h, HM_HASHER_MAX_INPUT_BYTES, 1 << 28);
    /* refused inputs: images, playlists and concat lists that would open
     * other files, missing files, bad options */
    CHECK_INT(hm_video_open_file(h, HM_TEST_DATA "/pdq-reference/threatexchange/pdq/data/misc-images/wee.jpg",
                                 NULL, &v), HM_E_UNKNOWN_FORMAT);
    const char *m3u = "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" VID "test-padded-dimensions.mp4\n#EXT-X-ENDLIST\n";
    CHECK_INT(hm_video_open_memory(h, m3u, strlen(m3u), NULL, &v), HM_E_UNKNOWN_FORMAT);
    const char *concat = "ffconcat version 1.0\nfile '" VID "test-padded-dimensions.mp4'\n";
    CHECK_INT(hm_video_open_memory(h, concat, strlen(concat), NULL, &v), HM_E_UNKNOWN_FORMAT);
    CHECK_INT(hm_video_open_file(h, "/nonexistent.mp4", NULL, &v), HM_E_IO);
    CHECK_INT(hm_video_open_memory(h, "", 0, NULL, &v), HM_E_DECODE);
    opts(&o, HM_FRAMES_ALL, 0);
    o.types = HM_TYPE_BIT(HM_HASH_MD5);
    CHECK_INT(hm_video_open_file(h, VID "test-padded-dimensions.mp4", &o, &v), HM_E_INVALID_ARGUMENT);
    CHECK_INT(hm_video_open_file(NULL, VID "test-padded-dimensions.mp4", NULL, &v),
              HM_E_INVALID_ARGUMENT);
    hm_video_close(NULL);
    hm_hasher_free(h);
}

/* The limits of issue #15: frames at exactly the pixel limit decode
 * (FFmpeg checks the width rounded up to its stride alignment, which
 * once refused them as undecodable), the decoder's picture memory, the
 * decoding work in pixels, and their defaults. */
static void limits_at_the_edge(void) {
    static frames a, b;
    hm_video_opts o;
    const int64_t px = 1080 * 1080; /* test-padded-dimensions.mp4; 1080 -> 1088 aligned */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &b);
    CHECK_INT(b.st, HM_OK);
    run_px(VID "test-padded-dimensions.mp4", NULL, 0, &o, px, &a);
    CHECK_INT(a.st, HM_OK);
    CHECK(a.n == b.n && b.n > 0 && memcmp(a.f, b.f, sizeof a.f[0] * (size_t)a.n) == 0);
    run_px(VID "test-padded-dimensions.mp4", NULL, 0, &o, px - 1, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    CHECK(strstr(a.msg, "HM_HASHER_MAX_PIXELS") != NULL);
    /* the same for GIF (96 -> 128 aligned) */
    opts(&o, HM_FRAMES_ALL, 0);
    run_px(VID "anim.gif", NULL, 0, &o, 96 * 96, &a);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(a.n, 10);
    run_px(VID "anim.gif", NULL, 0, &o, 96 * 96 - 1, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    /* work in pixels: 150 frames of 1080 x 1080 decoded, 5 of them hashed */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    o.max_work_pixels = 155 * (uint64_t)px;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(a.info.frames_decoded, 150);
    o.max_work_pixels = 155 * (uint64_t)px - 1;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT); /* the 150th frame decoded, after the 5th hash */
    CHECK_INT(a.n, 5);
    o.max_work_pixels = 40 * (uint64_t)px;
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    CHECK_INT(a.n, 2); /* frames 0 and 30 hashed; frame 38 decoded was one too many */
    CHECK_INT(a.info.frames_decoded, 39);
    CHECK(strstr(a.msg, "max_work_pixels") != NULL);
    /* the decoder's picture memory: 1 byte refuses the first picture, from
     * what the stream declares; a cap that fits lets the video through */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    o.max_memory = 1;
    run(VID "cockatoo.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_E_LIMIT);
    CHECK_INT(a.n, 0);
    CHECK(strstr(a.msg, "max_memory") != NULL && strstr(a.msg, "reference") != NULL);
    o.max_memory = 64u << 20;
    run(VID "cockatoo.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(a.n, 14);
    /* defaults; and 0 in the fields older callers left reserved is the
     * default, not "nothing" */
    hm_video_opts_init(&o);
    CHECK(o.time_budget == 120);
    CHECK(o.max_memory == (uint64_t)512 << 20);
    CHECK(o.max_work_pixels == UINT64_C(50000000000));
    o.max_memory = 0;
    o.max_work_pixels = 0;
    run(VID "cockatoo.mp4", NULL, 0, &o, &a);
    CHECK_INT(a.st, HM_OK);
    CHECK_INT(a.n, 14);
}

/* FFmpeg's process-wide log level after opening a video in a fresh
 * process, which first sets it to `preset` (0: leaves it) and
 * HM_FFMPEG_LOG to `env` (NULL: unset). */
static int log_level_after_open(int preset, const char *env) {
    int status = 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        hm_hasher *h;
        hm_video *v;
        if (env) setenv("HM_FFMPEG_LOG", env, 1);
        else unsetenv("HM_FFMPEG_LOG");
        if (preset) av_log_set_level(preset);
        hm_hasher_create(&h);
        if (hm_video_open_file(h, VID "anim.gif", NULL, &v) == HM_OK) hm_video_close(v);
        hm_hasher_free(h);
        _exit(av_log_get_level() - AV_LOG_QUIET); /* levels from -8 up: 0.. */
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) + AV_LOG_QUIET : -100;
}

/* The library never prints: FFmpeg's log level is set to quiet when the
 * first video is opened, not when the library is loaded, and only when
 * the application left it at FFmpeg's default and HM_FFMPEG_LOG is unset. */
static void ffmpeg_log_level(int level_at_start) {
    CHECK_INT(level_at_start, AV_LOG_INFO);
    CHECK_INT(log_level_after_open(0, NULL), AV_LOG_QUIET);
    CHECK_INT(log_level_after_open(AV_LOG_ERROR, NULL), AV_LOG_ERROR);
    CHECK_INT(log_level_after_open(0, "1"), AV_LOG_INFO);
}

/* Truncated and bit-flipped copies: an error code or frames (flagged
 * partial when the stream ended early), never a crash or a hang. */
static void damaged(const char *name, int reports_damage) {
    static frames a;
    char path[512];
    size_t size;
    snprintf(path, sizeof path, VID "%s", name);
    unsigned char *buf = read_all(path, &size), *copy = malloc(size);
    int errors = 0, partial = 0, complete = 0, runs = 0;
    hm_video_opts o;
    opts(&o, HM_FRAMES_INTERVAL, 0.5);
    o.time_budget = 20;
    for (int k = 1; k <= 24; k++) { /* truncations */
        size_t n = size * (size_t)k / 25;
        run(NULL, buf, n, &o, &a);
        runs++;
        if (a.st != HM_OK) errors++;
        else if (a.info.partial) partial++;
        else complete++;
        CHECK(a.st == HM_OK || a.st == HM_E_DECODE || a.st == HM_E_UNKNOWN_FORMAT ||
              a.st == HM_E_UNSUPPORTED || a.st == HM_E_LIMIT);
    }
    for (int k = 0; k < 30; k++) { /* bit flips, a few at a time */
        memcpy(copy, buf, size);
        for (int f = 0; f < 1 + k % 8; f++) {
            size_t at = (size_t)(test_rand() % size);
            copy[at] ^= (unsigned char)(1u << (test_rand() % 8));
        }
        run(NULL, copy, size, &o, &a);
        runs++;
        if (a.st != HM_OK) errors++;
        else if (a.info.partial) partial++;
        else complete++;
        CHECK(a.st != HM_E_INTERNAL && a.st != HM_E_NO_MEMORY);
    }
    /* H.264 reports concealed errors; lossy WebP data has no checks */
    if (reports_damage) CHECK(partial > 0);
    printf("%s damaged: %d runs, %d errors, %d partial, %d complete\n", name, runs, errors,
           partial, complete);
    free(buf);
    free(copy);
}

static void vpdq_lines(void) {
    hm_video_frame f;
    char buf[160];
    const char *line = "7,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.233\n";
    CHECK_INT(hm_vpdq_parse_line(line, &f), HM_OK);
    CHECK_INT(f.frame_number, 7);
    CHECK_INT(f.hashes[0].quality, 100);
    CHECK_INT(hm_vpdq_format_line(&f, buf, sizeof buf), HM_OK);
    CHECK(strncmp(buf, line, strlen(line) - 1) == 0 && strlen(buf) == strlen(line) - 1);
    CHECK_INT(hm_vpdq_parse_line("7,100,dadb,0.233", &f), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_line("x,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.2", &f), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_line("7,101,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.2", &f), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_line("7,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,", &f), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_line("7,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,1 x", &f), HM_E_PARSE);
    CHECK_INT(hm_vpdq_format_line(&f, buf, sizeof buf), HM_E_INVALID_ARGUMENT); /* zeroed */
    CHECK_INT(hm_vpdq_parse_line(line, &f), HM_OK);
    CHECK_INT(hm_vpdq_format_line(&f, buf, 10), HM_E_LIMIT); /* as every short output buffer */

    /* python-threatexchange's compact form: Python's format(t, ".3") */
    CHECK_INT(hm_vpdq_parse_line(line, &f), HM_OK);
    static const double ts[] = {0.0, 0.033, 1.0, 10.0, 12.34, 99.95, 123.456, 0.0001};
    static const char *py[] = {"0.0", "0.033", "1.0", "10.0", "12.3", "1e+02", "1.23e+02", "0.0001"};
    hm_video_frame fr[8], back[8];
    char json[2048], want[2048] = "[";
    size_t len, n;
    for (int i = 0; i < 8; i++) {
        fr[i] = f;
        fr[i].timestamp = ts[i];
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s\"%s,100,%s\"",
                 i ? ", " : "", "dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c", py[i]);
    }
    strcat(want, "]");
    CHECK_INT(hm_vpdq_format_compact(fr, 8, json, sizeof json, &len), HM_OK);
    CHECK_STR(json, want, "compact vPDQ");
    CHECK_INT(len, strlen(want));
    CHECK_INT(hm_vpdq_parse_compact(json, back, 8, &n), HM_OK);
    CHECK_INT(n, 8);
    CHECK(n == 8 && back[6].timestamp == 123.0 && back[7].hashes[0].quality == 100 &&
          hm_hash_distance(&back[3].hashes[0], &f.hashes[0]) == 0);
    CHECK_INT(hm_vpdq_parse_compact(json, back, 7, &n), HM_E_LIMIT);
    /* a short buffer: HM_E_LIMIT, and the length it must hold (less the
     * NUL); that much and one more is enough */
    len = 0;
    CHECK_INT(hm_vpdq_format_compact(fr, 8, json, 100, &len), HM_E_LIMIT);
    CHECK_INT(len, strlen(want));
    CHECK_INT(hm_vpdq_format_compact(fr, 8, json, len, &len), HM_E_LIMIT);
    CHECK_INT(hm_vpdq_format_compact(fr, 8, json, len + 1, &len), HM_OK);
    CHECK_STR(json, want, "compact vPDQ in a buffer of exactly its size");
    CHECK_INT(hm_vpdq_parse_compact(" [ ] ", back, 8, &n), HM_OK);
    CHECK_INT(n, 0);
    CHECK_INT(hm_vpdq_parse_compact("[\"dadb,1,2\"]", back, 8, &n), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_compact("[", back, 8, &n), HM_E_PARSE);
    CHECK_INT(hm_vpdq_parse_compact("[\"x\"] junk", back, 8, &n), HM_E_PARSE);
}

/* Known videos in an index, matched with the vPDQ rule. */
static void video_matching(void) {
    static frames tpd, door, cock, q;
    hm_video_opts o;
    hm_index *idx;
    hm_results *res;
    uint32_t l;
    size_t added;
    opts(&o, HM_FRAMES_ALL, 0);
    run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &tpd);
    run(VID "doorknob-hd-no-bar.mp4", NULL, 0, &o, &door);
    opts(&o, HM_FRAMES_INTERVAL, 0.5);
    run(VID "cockatoo.mp4", NULL, 0, &o, &cock);
    hm_index_create(&idx);
    hm_results_create(&res);
    hm_index_list(idx, "known-videos", &l);
    CHECK_INT(hm_index_add_video(idx, l, tpd.f, (size_t)tpd.n, "tpd", "clip a", &added), HM_OK);
    CHECK(added > 10 && added <= (size_t)tpd.n);
    const size_t tpd_frames = added;
    CHECK_INT(hm_index_add_video(idx, l, door.f, (size_t)door.n, "door", NULL, &added), HM_OK);
    CHECK(added <= 60); /* half of doorknob's frames have quality < 50 */
    CHECK_INT(hm_index_add_video(idx, l, cock.f, (size_t)cock.n, "cockatoo", NULL, &added), HM_OK);
    CHECK_INT(hm_index_commit(idx), HM_OK);

    /* the same clip sampled every second: 100% of the query */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    run(VID "rotated-90.mp4", NULL, 0, &o, &q);
    CHECK_INT(hm_index_match_video(idx, q.f, (size_t)q.n, NULL, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    const hm_video_match *m = hm_results_video_get(res, 0);
    CHECK(m && strcmp(m->video_id, "tpd") == 0 && strcmp(m->labels, "clip a") == 0 &&
          strcmp(m->list_name, "known-videos") == 0);
    if (m) {
        CHECK_INT(m->query_frames, 5);
        CHECK_INT(m->query_matched, 5);
        CHECK(m->query_percent > 99.9);
        CHECK_INT(m->target_frames, tpd_frames);
        CHECK(m->target_matched >= 5 && m->target_percent > 0);
        /* time ranges: the whole query; the known clip from start to end */
        CHECK(m->n_query_ranges == 1 && m->query_ranges[0].start == 0 &&
              m->query_ranges[0].end == 4.0);
        CHECK(m->n_target_ranges >= 1 && m->target_ranges[0].start < 0.5);
    }
    /* a trimmed copy (the first second): all of the query, a fifth of the
     * known clip; rejected when the known clip's share must reach 50% */
    hm_video_match_opts mo;
    hm_video_match_opts_init(&mo);
    CHECK_INT(hm_index_match_video(idx, tpd.f, 30, &mo, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    m = hm_results_video_get(res, 0);
    CHECK(m && m->query_percent > 99.9 && m->target_percent < 50 &&
          m->n_query_ranges == 1 && m->query_ranges[0].end < 1.0 &&
          m->target_ranges[0].start == 0);
    mo.target_percent = 50;
    CHECK_INT(hm_index_match_video(idx, tpd.f, 30, &mo, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 0);
    /* the same clip turned upright by its rotation metadata is the known
     * clip rotated 90 degrees counter-clockwise: found only by dihedral
     * matching, in the orientation that turns it back (clockwise, ROT270);
     * unturned, the original orientation wins */
    opts(&o, HM_FRAMES_INTERVAL, 1);
    o.apply_rotation = 1;
    run(VID "rotated-90.mp4", NULL, 0, &o, &q);
    hm_video_match_opts_init(&mo);
    CHECK_INT(hm_index_match_video(idx, q.f, (size_t)q.n, &mo, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 0);
    mo.flags = HM_QUERY_DIHEDRAL;
    CHECK_INT(hm_index_match_video(idx, q.f, (size_t)q.n, &mo, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    m = hm_results_video_get(res, 0);
    CHECK(m && strcmp(m->video_id, "tpd") == 0 && m->query_percent > 79);
    if (m) CHECK_INT(m->variant, HM_DIH_ROT270);
    CHECK_INT(hm_index_match_video(idx, tpd.f, 30, &mo, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    if (hm_results_video_count(res)) CHECK_INT(hm_results_video_get(res, 0)->variant, 0);
    hm_video_match_opts_init(&mo);
    /* the first 2 s pillarboxed into 16:9 at a third of the size (the clip
     * has bars of its own): found when both sides hash each frame inside
     * its borders (its frames are then 16-36 bits from the known ones,
     * 74-86 untrimmed; distance 40) */
    {
        static frames known_trimmed;
        hm_index *ti;
        uint32_t tl;
        hm_index_create(&ti);
        hm_index_list(ti, "known-videos", &tl);
        opts(&o, HM_FRAMES_ALL, 0);
        o.trim_borders = 1;
        run(VID "test-padded-dimensions.mp4", NULL, 0, &o, &known_trimmed);
        CHECK_INT(hm_index_add_video(ti, tl, tpd.f, (size_t)tpd.n, "tpd", NULL, NULL), HM_OK);
        CHECK_INT(hm_index_add_video(ti, tl, known_trimmed.f, (size_t)known_trimmed.n,
                                     "tpd-trimmed", NULL, NULL), HM_OK);
        CHECK_INT(hm_index_commit(ti), HM_OK);
        opts(&o, HM_FRAMES_INTERVAL, 0.5);
        run(VID "pillarbox.mp4", NULL, 0, &o, &q);
        CHECK_INT(q.n, 4);
        mo.distance = 40;
        CHECK_INT(hm_index_match_video(ti, q.f, (size_t)q.n, &mo, res), HM_OK);
        CHECK_INT(hm_results_video_count(res), 0);
        o.trim_borders = 1;
        run(VID "pillarbox.mp4", NULL, 0, &o, &q);
        CHECK_INT(hm_index_match_video(ti, q.f, (size_t)q.n, &mo, res), HM_OK);
        CHECK_INT(hm_results_video_count(res), 1);
        CHECK(hm_results_video_count(res) && hm_results_video_get(res, 0)->query_percent > 99.9 &&
              strcmp(hm_results_video_get(res, 0)->video_id, "tpd-trimmed") == 0);
        hm_video_match_opts_init(&mo);
        hm_index_free(ti);
    }
    /* on a snapshot: the same answer, and still after the index changes */
    {
        hm_snapshot *snap;
        CHECK_INT(hm_index_acquire(idx, &snap), HM_OK);
        CHECK_INT(hm_snapshot_match_video(snap, tpd.f, 30, &mo, res), HM_OK);
        CHECK_INT(hm_results_video_count(res), 1);
        uint64_t gone = 0;
        CHECK_INT(hm_index_remove(idx, l, "tpd", &gone), HM_OK);
        CHECK(gone > 0);
        CHECK_INT(hm_index_commit(idx), HM_OK);
        CHECK_INT(hm_index_match_video(idx, tpd.f, 30, &mo, res), HM_OK);
        CHECK_INT(hm_results_video_count(res), 0);
        CHECK_INT(hm_snapshot_match_video(snap, tpd.f, 30, &mo, res), HM_OK);
        CHECK_INT(hm_results_video_count(res), 1);
        CHECK(hm_results_video_count(res) &&
              strcmp(hm_results_video_get(res, 0)->video_id, "tpd") == 0);
        hm_snapshot_release(snap); /* the results keep it alive */
        CHECK(hm_results_video_count(res) &&
              strcmp(hm_results_video_get(res, 0)->labels, "clip a") == 0);
        CHECK_INT(hm_snapshot_match_video(NULL, tpd.f, 30, &mo, res), HM_E_INVALID_ARGUMENT);
        CHECK_INT(hm_index_add_video(idx, l, tpd.f, (size_t)tpd.n, "tpd", "clip a", NULL), HM_OK);
        CHECK_INT(hm_index_commit(idx), HM_OK);
    }
    /* the GIF made from the first second, at 96x96 and 10 fps */
    opts(&o, HM_FRAMES_ALL, 0);
    run(VID "anim.gif", NULL, 0, &o, &q);
    CHECK_INT(hm_index_match_video(idx, q.f, (size_t)q.n, NULL, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    CHECK(hm_results_video_count(res) && strcmp(hm_results_video_get(res, 0)->video_id, "tpd") == 0);
    /* an unrelated video matches nothing */
    CHECK_INT(hm_index_match_video(idx, cock.f, (size_t)cock.n, NULL, res), HM_OK);
    CHECK(hm_results_video_count(res) == 1 &&
          strcmp(hm_results_video_get(res, 0)->video_id, "cockatoo") == 0);
    CHECK_INT(hm_index_match_video(idx, q.f, 0, NULL, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 0);
    /* an image query that hits a frame reports the frame's time; the time
     * survives saving and loading */
    hm_index_query(idx, &tpd.f[30].hashes[0], 1, NULL, res);
    CHECK(hm_results_count(res) >= 1 && hm_results_get(res, 0)->frame_time == 1.0);
    char path[] = "/tmp/hm_video_idx_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_INT(hm_index_save(idx, path), HM_OK);
    hm_index *back;
    hm_index_create(&back);
    CHECK_INT(hm_index_load(back, path), HM_OK);
    hm_index_query(back, &tpd.f[30].hashes[0], 1, NULL, res);
    CHECK(hm_results_count(res) >= 1 && hm_results_get(res, 0)->frame_time == 1.0);
    opts(&o, HM_FRAMES_INTERVAL, 1);
    run(VID "rotated-90.mp4", NULL, 0, &o, &q);
    CHECK_INT(hm_index_match_video(back, q.f, (size_t)q.n, NULL, res), HM_OK);
    CHECK_INT(hm_results_video_count(res), 1);
    remove(path);
    hm_index_free(back);
    hm_results_free(res);
    hm_index_free(idx);
}

int main(void) {
    const int level_at_start = av_log_get_level(); /* before anything is opened */
    ffmpeg_log_level(level_at_start);
    against_upstream(VID "test-padded-dimensions.mp4", VPDQ "test-padded-dimensions.txt", 0);
    against_upstream(VID "doorknob-hd-no-bar.mp4", VPDQ "doorknob-hd-no-bar.txt", 0);
    against_upstream(VID "doorknob-hd-no-bar.mp4", VPDQ "doorknob-hd-no-bar-128x128.txt", 128);
    /* the reference tool built with Debian's FFmpeg 5.1.9, every frame:
     * line for line (tests/data/pdq-reference/README.md) */
#define DEB HM_TEST_DATA "/pdq-reference/expected/vpdq/debian-ffmpeg-5.1.9--"
    reference_lines(VID "test-padded-dimensions.mp4", DEB "test-padded-dimensions.txt",
                    HM_FRAMES_ALL, 0, 0);
    reference_lines(VID "doorknob-hd-no-bar.mp4", DEB "doorknob-hd-no-bar.txt", HM_FRAMES_ALL, 0,
                    0);
    reference_lines(VID "doorknob-hd-no-bar.mp4", DEB "doorknob-hd-no-bar-128x128.txt",
                    HM_FRAMES_ALL, 0, 128);
    modes_agree(VID "test-padded-dimensions.mp4");
    modes_agree(VID "cockatoo.mp4");
    reference_lines(VID "theora-offset.ogv", VREF "theora-offset-r0.txt", HM_FRAMES_ALL, 0, 0);
    reference_lines(VID "theora-offset.ogv", VREF "theora-offset-r1.txt", HM_FRAMES_INTERVAL, 1,
                    0);
    reference_lines(VID "theora-offset.ogv", VREF "theora-offset-r0-s64.txt", HM_FRAMES_ALL, 0,
                    64);
    reference_lines(VID "size-change.h264", VREF "size-change-r0.txt", HM_FRAMES_INTERVAL, 0, 0);
    reference_lines(VID "size-change.h264", VREF "size-change-r0-s64.txt", HM_FRAMES_ALL, 0, 64);
    modes_agree(VID "theora-offset.ogv");
    undefined_geometry();
    /* timestamps in vPDQ's single precision (24000/1001 fps: frame 36 at 1.502 s) */
    reference_lines(VID "ntsc-film.mp4", VREF "ntsc-film-r0.txt", HM_FRAMES_ALL, 0, 0);
    formats_and_options();
    limits_and_refusals();
    limits_at_the_edge();
    damaged("test-padded-dimensions.mp4", 1);
    damaged("anim.webp", 0);
    vpdq_lines();
    video_matching();
    return test_summary("test_video");
}
