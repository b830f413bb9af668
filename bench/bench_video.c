/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Video hashing benchmark (issue #4); run it through bench/run_video.sh.
 *
 *   bench_video [-r RUNS] [-m MODES] [-l LABEL] [-o TIMING.tsv]
 *               [-H PREFIX] FILE
 *
 * Times, on FILE, each mode in MODES (comma list; default all of them),
 * RUNS rounds (default 1), the modes interleaved within a round:
 *
 *   key        libhashmatch, HM_FRAMES_KEYFRAMES with its defaults (1 s
 *              minimum spacing, RGB24 conversion as vPDQ)
 *   key-luma   the same with rgb_exact = 0 (the decoder's luma plane hashed
 *              directly; the default until the first run of this benchmark)
 *   interval   libhashmatch, HM_FRAMES_INTERVAL, 1 s (vPDQ's rule, the
 *              default of vpdq.computeHash)
 *   all        libhashmatch, HM_FRAMES_ALL
 *   floor-key  libavformat + libavcodec directly: only key packets sent to
 *              the decoder, skip_frame = AVDISCARD_NONKEY; no conversion,
 *              no hashing (what keyframe mode cannot go below)
 *   floor-all  the same decoding every frame (the floor of interval / all)
 *
 * Everything single-threaded (thread_count = 1, as the library decodes).
 * Each measurement covers open, every frame, close.  CPU time is the
 * process's (CLOCK_PROCESS_CPUTIME_ID; user and sys from getrusage), wall
 * time CLOCK_MONOTONIC.  Output, one TSV row per measurement:
 *   label file mode run cpu_s user_s sys_s wall_s decoded hashed keyframes
 *     width height fps duration
 * -H PREFIX: the first round's hashes of each hashing mode are written in
 * vPDQ's line format to PREFIX.MODE.vpdq.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include "hashmatch.h"

typedef struct sample {
    double cpu, user, sys, wall;
    uint64_t decoded, hashed, keyframes;
    unsigned width, height;
    double fps, duration;
} sample;

static double ts_sec(const struct timespec *t) {
    return (double)t->tv_sec + (double)t->tv_nsec * 1e-9;
}
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return ts_sec(&t);
}
static double wall_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ts_sec(&t);
}
static void rusage_now(double *user, double *sys) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    *user = (double)r.ru_utime.tv_sec + (double)r.ru_utime.tv_usec * 1e-6;
    *sys = (double)r.ru_stime.tv_sec + (double)r.ru_stime.tv_usec * 1e-6;
}

static void die(const char *what, int ret) {
    char buf[128];
    av_strerror(ret, buf, sizeof buf);
    fprintf(stderr, "bench_video: %s: %s\n", what, buf);
    exit(1);
}

/* ---- the floor: FFmpeg's own decode, no conversion, no hashing ---------- */

static void floor_decode(const char *path, int keyonly, sample *s) {
    AVFormatContext *fmt = NULL;
    const AVCodec *codec = NULL;
    int ret;
    if ((ret = avformat_open_input(&fmt, path, NULL, NULL)) < 0) die(path, ret);
    if ((ret = avformat_find_stream_info(fmt, NULL)) < 0) die("stream info", ret);
    const int st = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (st < 0 || !codec) die("no video stream", st);
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        if ((int)i != st) fmt->streams[i]->discard = AVDISCARD_ALL;
    AVCodecContext *dec = avcodec_alloc_context3(codec);
    if (!dec || avcodec_parameters_to_context(dec, fmt->streams[st]->codecpar) < 0)
        die("codec context", AVERROR(ENOMEM));
    dec->thread_count = 1;
    dec->pkt_timebase = fmt->streams[st]->time_base;
    if (keyonly) dec->skip_frame = AVDISCARD_NONKEY;
    if ((ret = avcodec_open2(dec, codec, NULL)) < 0) die("avcodec_open2", ret);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    if (!pkt || !fr) die("alloc", AVERROR(ENOMEM));
    int eof = 0;
    while (!eof) {
        ret = av_read_frame(fmt, pkt);
        if (ret < 0) {
            eof = 1;
            avcodec_send_packet(dec, NULL);
        } else {
            if (pkt->stream_index != st || (keyonly && !(pkt->flags & AV_PKT_FLAG_KEY))) {
                av_packet_unref(pkt);
                continue;
            }
            ret = avcodec_send_packet(dec, pkt);
            av_packet_unref(pkt);
            if (ret < 0 && ret != AVERROR(EAGAIN)) continue; /* damaged: skip */
        }
        while ((ret = avcodec_receive_frame(dec, fr)) == 0) {
            s->decoded++;
            if (fr->key_frame) s->keyframes++;
            av_frame_unref(fr);
        }
    }
    s->width = (unsigned)dec->width;
    s->height = (unsigned)dec->height;
    const AVStream *vs = fmt->streams[st];
    s->fps = av_q2d(vs->avg_frame_rate.num > 0 ? vs->avg_frame_rate : vs->r_frame_rate);
    s->duration = fmt->duration > 0 ? (double)fmt->duration / AV_TIME_BASE : 0;
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
}

/* ---- libhashmatch ----------------------------------------------------------- */

static void hash_video(hm_hasher *h, const char *path, int mode, int luma,
                       FILE *hashes, sample *s) {
    hm_video_opts o;
    hm_video *v = NULL;
    hm_video_frame f;
    hm_video_info info;
    int got;
    hm_video_opts_init(&o);
    o.mode = mode;
    if (luma) o.rgb_exact = 0; /* else the library's default */
    o.time_budget = 0;
    hm_status st = hm_video_open_file(h, path, &o, &v);
    if (st != HM_OK) {
        fprintf(stderr, "bench_video: %s: %s (%s)\n", path, hm_strerror(st),
                hm_last_error());
        exit(1);
    }
    for (;;) {
        st = hm_video_next(v, &f, &got);
        if (st != HM_OK) {
            fprintf(stderr, "bench_video: %s: %s (%s)\n", path, hm_strerror(st),
                    hm_last_error());
            exit(1);
        }
        if (!got) break;
        if (f.keyframe) s->keyframes++;
        if (hashes) {
            char line[160];
            if (hm_vpdq_format_line(&f, line, sizeof line) == HM_OK)
                fprintf(hashes, "%s\n", line);
        }
    }
    hm_video_get_info(v, &info);
    s->decoded = info.frames_decoded;
    s->hashed = info.frames_hashed;
    s->width = info.width;
    s->height = info.height;
    s->fps = info.fps;
    s->duration = info.duration;
    if (info.partial) fprintf(stderr, "bench_video: %s: flagged partial\n", path);
    hm_video_close(v);
}

/* ---- main ------------------------------------------------------------------------ */

static const char *const kModes[] = {"key", "key-luma", "interval", "all", "floor-key",
                                     "floor-all"};
enum { NMODES = sizeof kModes / sizeof kModes[0] };

static void usage(void) {
    fprintf(stderr, "usage: bench_video [-r RUNS] [-m MODES] [-l LABEL] [-o OUT.tsv] "
                    "[-H PREFIX] FILE\nmodes: key,key-luma,interval,all,floor-key,floor-all\n");
    exit(2);
}

int main(int argc, char **argv) {
    int runs = 1, opt;
    const char *label = "-", *out_path = NULL, *hash_prefix = NULL;
    char modes_arg[256] = "key,key-luma,interval,all,floor-key,floor-all";
    while ((opt = getopt(argc, argv, "r:m:l:o:H:")) != -1) {
        switch (opt) {
        case 'r': runs = atoi(optarg); break;
        case 'm': snprintf(modes_arg, sizeof modes_arg, "%s", optarg); break;
        case 'l': label = optarg; break;
        case 'o': out_path = optarg; break;
        case 'H': hash_prefix = optarg; break;
        default: usage();
        }
    }
    if (optind != argc - 1 || runs < 1) usage();
    const char *path = argv[optind];
    int modes[NMODES], nmodes = 0;
    for (char *tok = strtok(modes_arg, ","); tok; tok = strtok(NULL, ",")) {
        int m = -1;
        for (int i = 0; i < NMODES; i++)
            if (strcmp(tok, kModes[i]) == 0) m = i;
        if (m < 0 || nmodes == NMODES) usage();
        modes[nmodes++] = m;
    }
    FILE *out = out_path ? fopen(out_path, "a") : stdout;
    if (!out) {
        perror(out_path);
        return 1;
    }
    hm_hasher *h = NULL;
    if (hm_hasher_create(&h) != HM_OK) return 1;
    hm_hasher_set(h, HM_HASHER_MAX_INPUT_BYTES, (int64_t)4 << 30);

    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < nmodes; k++) {
            const int m = modes[k];
            sample s;
            memset(&s, 0, sizeof s);
            FILE *hashes = NULL;
            if (hash_prefix && r == 0 && m <= 3) {
                char p[4096];
                snprintf(p, sizeof p, "%s.%s.vpdq", hash_prefix, kModes[m]);
                if (!(hashes = fopen(p, "w"))) {
                    perror(p);
                    return 1;
                }
            }
            double u0, s0, u1, s1;
            rusage_now(&u0, &s0);
            const double c0 = cpu_now(), w0 = wall_now();
            switch (m) {
            case 0: hash_video(h, path, HM_FRAMES_KEYFRAMES, 0, hashes, &s); break;
            case 1: hash_video(h, path, HM_FRAMES_KEYFRAMES, 1, hashes, &s); break;
            case 2: hash_video(h, path, HM_FRAMES_INTERVAL, 0, hashes, &s); break;
            case 3: hash_video(h, path, HM_FRAMES_ALL, 0, hashes, &s); break;
            case 4: floor_decode(path, 1, &s); break;
            default: floor_decode(path, 0, &s); break;
            }
            s.wall = wall_now() - w0;
            s.cpu = cpu_now() - c0;
            rusage_now(&u1, &s1);
            s.user = u1 - u0;
            s.sys = s1 - s0;
            if (hashes) fclose(hashes);
            fprintf(out, "%s\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t%llu\t%llu\t%llu\t%u\t%u\t%.4f\t%.3f\n",
                    label, path, kModes[m], r, s.cpu, s.user, s.sys, s.wall,
                    (unsigned long long)s.decoded, (unsigned long long)s.hashed,
                    (unsigned long long)s.keyframes, s.width, s.height, s.fps, s.duration);
            fflush(out);
        }
    }
    hm_hasher_free(h);
    if (out != stdout) fclose(out);
    return 0;
}
