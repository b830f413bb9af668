/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decompression bombs and resource exhaustion: small inputs that claim or
 * expand to something huge.  Each case runs in its own child process so
 * that its peak memory (ru_maxrss) and CPU time are its own; each must end
 * with the expected status, quickly, in bounded memory.  The table printed
 * is the one docs/security.md records.
 *
 * `test_bombs --long` also runs the long forms: the hostile videos at the
 * default limits where the short forms (what ctest runs) lower a limit to
 * stay within seconds, and the cases that need gigabytes.  Their figures
 * are in docs/security.md too.
 */
#include <stdint.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "hashmatch.h"
#include "test_util.h"

#define BOMBS HM_TEST_DATA "/bombs/"

static unsigned char *g_buf; /* inputs built before fork, shared read-only */
static size_t g_len;

static void put32be(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A PNG chunk appended to m (type, data, CRC). */
static size_t png_chunk(unsigned char *m, size_t at, const char *type,
                        const unsigned char *data, uint32_t n) {
    put32be(m + at, n);
    memcpy(m + at + 4, type, 4);
    if (n) memcpy(m + at + 8, data, n);
    put32be(m + at + 8 + n, (uint32_t)crc32(crc32(0, (const Bytef *)type, 4), data, n));
    return at + 12 + n;
}

/* A valid 8x8 grey PNG carrying a zTXt or iCCP chunk whose compressed
 * payload inflates to `inflated` bytes. */
static void png_with_bomb(const char *type, size_t inflated) {
    unsigned char *zeros = calloc(1, inflated);
    uLongf zlen = compressBound((uLong)inflated);
    unsigned char *z = malloc(zlen + 64);
    compress2(z + 64, &zlen, zeros, (uLong)inflated, 9);
    free(zeros);
    /* keyword, NUL, method 0, then the stream */
    const char *kw = strcmp(type, "iCCP") == 0 ? "icc" : "Comment";
    size_t kl = strlen(kw) + 2;
    memcpy(z + 64 - kl, kw, kl - 2);
    z[64 - 2] = 0;
    z[64 - 1] = 0;
    unsigned char raw[8 * 9], idat[256];
    memset(raw, 0, sizeof raw);
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) raw[y * 9 + 1 + x] = (unsigned char)(x * 30 + y);
    uLongf il = sizeof idat;
    compress2(idat, &il, raw, sizeof raw, 9);
    g_buf = malloc(zlen + 512);
    memcpy(g_buf, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13] = {0, 0, 0, 8, 0, 0, 0, 8, 8, 0, 0, 0, 0};
    size_t at = png_chunk(g_buf, 8, "IHDR", ihdr, 13);
    at = png_chunk(g_buf, at, type, z + 64 - kl, (uint32_t)(zlen + kl));
    at = png_chunk(g_buf, at, "IDAT", idat, (uint32_t)il);
    g_len = png_chunk(g_buf, at, "IEND", NULL, 0);
    free(z);
}

typedef int (*case_fn)(void);

/* g_buf as an image. */
static int image_status(void) {
    hm_hasher *h;
    hm_hash out[8];
    size_t n;
    hm_hasher_create(&h);
    int st = hm_hash_memory(h, g_buf, g_len, HM_TYPES_PERCEPTUAL, out, 8, &n, NULL);
    printf("    %s\n", st == HM_OK ? "hashed; the chunk was refused or skipped" : hm_last_error());
    hm_hasher_free(h);
    return st;
}

static int c_jpeg(const char *path) {
    hm_hasher *h;
    hm_hash out[4];
    size_t n;
    hm_hasher_create(&h);
    int st = hm_hash_file(h, path, HM_TYPES_PERCEPTUAL, out, 4, &n, NULL);
    printf("    %s\n", st == HM_OK ? "hashed" : hm_last_error());
    hm_hasher_free(h);
    return st;
}
static int c_jpeg_10000(void) { return c_jpeg(BOMBS "progressive-10000x10000.jpg"); }
static int c_jpeg_2500(void) { return c_jpeg(BOMBS "progressive-2500x2500.jpg"); }

static char g_list[64];
static int c_long_line(void) {
    hm_index *idx;
    hm_list_load_report r;
    hm_index_create(&idx);
    int st = hm_index_load_list(idx, g_list, NULL, &r);
    printf("    %s\n", hm_last_error());
    hm_index_free(idx);
    return st;
}

typedef struct bomb {
    const char *what;
    case_fn fn;
    int want; /* expected status */
    long max_kb; /* peak resident memory allowed */
    double max_cpu; /* CPU seconds allowed; 0: 20 */
} bomb;

static void run(const bomb *b) {
    struct rusage ru;
    int status = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int st = b->fn();
        fflush(stdout);
        _exit(st == b->want ? 0 : 1);
    }
    wait4(pid, &status, 0, &ru);
    const double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("| %s | %s | %.0f MB | %.2f s |\n", b->what, hm_strerror(b->want),
           ru.ru_maxrss / 1024.0, cpu);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!SANITIZED) CHECK(ru.ru_maxrss <= b->max_kb);
    CHECK(cpu < (b->max_cpu > 0 ? b->max_cpu : 20));
}

#if HM_TEST_WITH_FFMPEG
/* An animated GIF on a w x h screen of `frames` 1x1 frames with no delay
 * (23 bytes a frame; the decoder composes each onto the whole screen). */
static void gif_frames(unsigned w, unsigned h, size_t frames) {
    static const unsigned char head[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff"
                                        "\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00";
    static const unsigned char frame[] = "\x21\xf9\x04\x00\x00\x00\x00\x00"  /* GCE, delay 0 */
                                         "\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00"
                                         "\x02\x02\x44\x01\x00";
    g_len = sizeof head - 1 + frames * (sizeof frame - 1) + 1;
    g_buf = malloc(g_len);
    memcpy(g_buf, head, sizeof head - 1);
    g_buf[6] = (unsigned char)w;
    g_buf[7] = (unsigned char)(w >> 8);
    g_buf[8] = (unsigned char)h;
    g_buf[9] = (unsigned char)(h >> 8);
    size_t at = sizeof head - 1;
    for (size_t i = 0; i < frames; i++, at += sizeof frame - 1)
        memcpy(g_buf + at, frame, sizeof frame - 1);
    g_buf[at] = ';';
}

/* The video options of the next case: the defaults, then what the case
 * changes (set before it forks). */
static hm_video_opts g_vo;
static void vopts(int mode) {
    hm_video_opts_init(&g_vo);
    g_vo.mode = mode;
}

/* Every frame of a video from a file, or from g_buf when path is NULL. */
static int video_status(const char *path) {
    hm_hasher *h;
    hm_video *v;
    hm_video_frame f;
    int got, st;
    hm_hasher_create(&h);
    st = path ? hm_video_open_file(h, path, &g_vo, &v)
              : hm_video_open_memory(h, g_buf, g_len, &g_vo, &v);
    if (st == HM_OK) {
        while ((st = hm_video_next(v, &f, &got)) == HM_OK && got) {
        }
        hm_video_info info;
        hm_video_get_info(v, &info);
        printf("    %llu frames decoded, %llu hashed\n", (unsigned long long)info.frames_decoded,
               (unsigned long long)info.frames_hashed);
        hm_video_close(v);
    }
    printf("    %s\n", hm_last_error());
    hm_hasher_free(h);
    return st;
}

static int c_avi_dims(void) { return video_status(BOMBS "huge-mjpeg.avi"); }
static int c_mp4_duration(void) { return video_status(BOMBS "long-duration.mp4"); }
static int c_avi_frames(void) { return video_status(BOMBS "many-frames.avi"); }
static int c_h264_refs(void) { return video_status(BOMBS "h264-9984x9984-16refs.mkv"); }
static int c_hevc_refs(void) { return video_status(BOMBS "hevc-256x256-6refs.mp4"); }
static int c_gif(void) { return video_status(NULL); }

/* The hostile videos (FFmpeg's). */
static void video_bombs(int long_form) {
    const bomb videos[] = {
        {"AVI/MJPEG claiming 65000x65000 frames", c_avi_dims, HM_E_LIMIT, 150 * 1024, 0},
        {"MP4 claiming a 50-day duration", c_mp4_duration, HM_E_LIMIT, 150 * 1024, 0},
        {"AVI claiming 2^31 frames", c_avi_frames, HM_E_LIMIT, 150 * 1024, 0},
        /* stream probing decodes its keyframe (150 MB of pictures); the
         * guard refuses the first picture of the decoder */
        {"H.264 of 71 KB: 9984x9984 frames declaring 16 reference frames", c_h264_refs,
         HM_E_LIMIT, 320 * 1024, 0},
    };
    for (size_t i = 0; i < sizeof videos / sizeof videos[0]; i++) {
        vopts(HM_FRAMES_ALL);
        run(&videos[i]);
    }
    /* a decoder that keeps more pictures than the stream says (HEVC does
     * not report its reference frames): counted as they are allocated */
    vopts(HM_FRAMES_ALL);
    g_vo.max_memory = 400 * 1000;
    bomb hevc = {"HEVC of 3.6 KB keeping 7 pictures of 256x256, max_memory 400 KB",
                 c_hevc_refs, HM_E_LIMIT, 100 * 1024, 0};
    run(&hevc);
    gif_frames(1, 1, 300000);
    vopts(HM_FRAMES_ALL);
    bomb gif = {"GIF of 300,000 frames (7 MB)", c_gif, HM_E_LIMIT, 150 * 1024, 0};
    run(&gif);
    g_vo.max_frames = 1000;
    g_vo.max_duration = 1e6;
    bomb gif2 = {"the same, max_duration raised: stopped by max_frames (1000)", c_gif,
                 HM_E_LIMIT, 150 * 1024, 0};
    run(&gif2);
    free(g_buf);
    /* 1x1 frames on a huge screen (issue #15): each decoded frame is the
     * whole screen.  The decoder's three pictures of 9000x9000 BGRA are
     * over max_memory */
    gif_frames(9000, 9000, 6000);
    vopts(HM_FRAMES_INTERVAL);
    bomb gif9000 = {"GIF of 138 KB: 6000 frames on a 9000x9000 screen", c_gif, HM_E_LIMIT,
                    100 * 1024, 0};
    run(&gif9000);
    if (long_form) {
        g_vo.max_memory = (uint64_t)2 << 30;
        bomb l = {"the same, max_memory 2 GiB: stopped by max_work_pixels", c_gif,
                  HM_E_LIMIT, 1200 * 1024, 600};
        run(&l);
        vopts(HM_FRAMES_ALL);
        g_vo.max_memory = (uint64_t)2 << 30;
        bomb l2 = {"the same, every frame hashed", c_gif, HM_E_LIMIT, 1200 * 1024, 600};
        run(&l2);
    }
    free(g_buf);
    gif_frames(4000, 4000, 6000);
    vopts(HM_FRAMES_INTERVAL);
    g_vo.max_work_pixels = 5000000000u;
    bomb gif4000 = {"GIF of 138 KB: 6000 frames on a 4000x4000 screen, max_work_pixels 5e9",
                    c_gif, HM_E_LIMIT, 250 * 1024, 0};
    run(&gif4000);
    vopts(HM_FRAMES_INTERVAL);
    g_vo.time_budget = 1;
    g_vo.max_work_pixels = UINT64_MAX;
    bomb gif4000t = {"the same, time_budget 1 s", c_gif, HM_E_LIMIT, 250 * 1024, 3};
    run(&gif4000t);
    if (long_form) {
        vopts(HM_FRAMES_INTERVAL);
        bomb l = {"the same at the defaults: stopped by max_work_pixels", c_gif, HM_E_LIMIT,
                  250 * 1024, 600};
        run(&l);
        vopts(HM_FRAMES_ALL);
        g_vo.max_memory = UINT64_MAX;
        bomb l2 = {"H.264 9984x9984, 16 reference frames, max_memory none (as before)",
                   c_h264_refs, HM_OK, 5000 * 1024, 600};
        run(&l2);
    }
    free(g_buf);
    if (long_form) { /* a picture at exactly the default pixel limit */
        gif_frames(10000, 10000, 1);
        bomb l = {"GIF of 62 bytes: a 10000x10000 screen, as an image", image_status, HM_OK,
                  1000 * 1024, 0};
        run(&l);
        vopts(HM_FRAMES_INTERVAL);
        bomb l2 = {"the same as a video", c_gif, HM_E_LIMIT, 100 * 1024, 0};
        run(&l2);
        free(g_buf);
    }
}
#endif

int main(int argc, char **argv) {
    const int long_form = argc > 1 && strcmp(argv[1], "--long") == 0;
    printf("| input | outcome | peak memory (process) | CPU time |\n|---|---|---|---|\n");
#if HM_TEST_WITH_FFMPEG
    video_bombs(long_form);
#else
    (void)long_form; /* built without FFmpeg: no video to refuse */
#endif
    /* progressive JPEGs of 13 KB claiming huge frames: libjpeg allocates
     * coefficient buffers for the whole frame before decoding */
    bomb j1 = {"progressive JPEG of 1.7 KB claiming 10000x10000", c_jpeg_10000, HM_E_DECODE,
               100 * 1024, 0};
    run(&j1);
    bomb j2 = {"the same claiming 2500x2500 (just plausible: decoded)", c_jpeg_2500, HM_OK,
               400 * 1024, 0};
    run(&j2);
    /* PNG chunks that inflate to 512 MB: libpng's chunk limit (8 MiB)
     * stops them; the image still hashes */
    png_with_bomb("zTXt", 512u << 20);
    bomb ztxt = {"PNG zTXt inflating to 512 MB (0.5 MB file)", image_status, HM_OK,
                 150 * 1024, 0};
    run(&ztxt);
    free(g_buf);
    png_with_bomb("iCCP", 512u << 20);
    bomb iccp = {"PNG iCCP inflating to 512 MB", image_status, HM_OK, 150 * 1024, 0};
    run(&iccp);
    free(g_buf);
    /* a hash list whose one line is 64 MB: the reader keeps at most
     * HM_INDEX_MAX_LINE bytes of it */
    snprintf(g_list, sizeof g_list, "/tmp/hm_bomb_list_XXXXXX");
    int fd = mkstemp(g_list);
    if (fd >= 0) {
        char chunk[65536];
        memset(chunk, 'a', sizeof chunk);
        if (write(fd, "pdq ", 4) != 4) CHECK(0);
        for (int i = 0; i < 1024; i++)
            if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) CHECK(0);
        close(fd);
        bomb line = {"hash list with a 64 MB line", c_long_line, HM_E_LIMIT, 100 * 1024, 0};
        run(&line);
        unlink(g_list);
    }
    return test_summary("test_bombs");
}
