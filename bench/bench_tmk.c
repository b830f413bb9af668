/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TMK+PDQF benchmark (issue #16; run it through bench/run_tmk.sh).  It
 * calls the library's internal TMK modules (lib/tmk), so it links the
 * static library.
 *
 *   bench_tmk hash [-r ROUNDS] VIDEO...
 *       per video and round: name, seconds of video, frames hashed, CPU
 *       seconds (user + system) of hm_tmk_hash_video; and with -f, the
 *       same for the frames alone (decode, scale, output rate: no PDQF),
 *       as hashing gets them ("frames": dropped non-reference frames not
 *       decoded) and decoding every frame ("frames-all"), and for the
 *       decoder alone on every frame ("decode": the floor of a hasher
 *       that decodes every frame; the frames column counts decoded ones);
 *   bench_tmk score [-t SECONDS] [-l LEVEL] TMK...
 *       level-2 scores of every pair (i < j) of the files, repeated for at
 *       least SECONDS of CPU (default 3): pairs, CPU seconds, pairs per
 *       CPU second; the same for level 1.  -l: the SIMD level of the
 *       sweep (portable, avx2, avx512; default the highest usable);
 *       exit 3 when it is not usable here.
 * Output: TSV on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hashmatch.h"
#include "tmk/tmk.h"
#include "video/video_ff.h"

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec * 1e-6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec * 1e-6;
}

static const char *base(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int count_frame(void *user, const uint8_t *rgb) {
    (void)rgb;
    ++*(long *)user;
    return HM_OK;
}

static void recount(void *user) { *(long *)user = 0; }

/* Video options of every measurement: every frame, and limits out of the
 * way of long HD files (the time budget would count the machine's load). */
static void bench_opts(hm_video_opts *o) {
    hm_video_opts_init(o);
    o->mode = HM_FRAMES_ALL;
    o->time_budget = 0;
    o->max_work_pixels = (uint64_t)1 << 50;
}

/* The frames alone (what the ffmpeg command line does), not decoding
 * what `skip` says. */
static int frames_only(hm_hasher *h, const char *path, hm_cli_skip skip, long *n) {
    hm_video_opts o;
    bench_opts(&o);
    return hm_video_cli_run(h, path, NULL, 0, &o, HM_TMK_FRAME_SIDE, HM_TMK_FRAME_SIDE,
                            HM_TMK_FPS, skip, count_frame, recount, n, NULL);
}

/* Every frame decoded and nothing else: the decoder's own time, the floor
 * of any hasher that decodes every frame. */
static int decode_only(hm_hasher *h, const char *path, long *n) {
    hm_video_opts o;
    hm_video *v;
    int st, got;
    bench_opts(&o);
    if ((st = hm_video_open_file(h, path, &o, &v)) != HM_OK) return st;
    while ((st = hm_video_ff_decode(v, &got)) == HM_OK && got) {
        av_frame_unref(v->ff->frame);
        ++*n;
    }
    hm_video_close(v);
    return st;
}

static double duration_of(hm_hasher *h, const char *path) {
    hm_video *v;
    hm_video_info info = {0};
    if (hm_video_open_file(h, path, NULL, &v) != HM_OK) return 0;
    hm_video_get_info(v, &info);
    hm_video_close(v);
    return info.duration;
}

static int cmd_hash(int argc, char **argv) {
    int rounds = 1, frames = 0, opt;
    while ((opt = getopt(argc, argv, "r:f")) != -1) {
        if (opt == 'r') rounds = atoi(optarg);
        else if (opt == 'f') frames = 1;
        else return 2;
    }
    hm_hasher *h;
    hm_tmk *t = malloc(sizeof *t);
    hm_video_opts o;
    if (!t || hm_hasher_create(&h) != HM_OK) return 1;
    hm_hasher_set(h, HM_HASHER_MAX_INPUT_BYTES, (int64_t)1 << 40); /* the 274 MB HD file */
    bench_opts(&o);
    printf("video\tseconds\tframes\tround\twhat\tcpu_s\n");
    for (int r = 0; r < rounds; r++)
        for (int i = optind; i < argc; i++) {
            const double secs = duration_of(h, argv[i]);
            double c0 = cpu_seconds();
            int st = hm_tmk_hash_video(h, argv[i], NULL, 0, &o, t, NULL);
            double c1 = cpu_seconds();
            if (st != HM_OK) {
                fprintf(stderr, "%s: %s\n", argv[i], hm_last_error());
                return 1;
            }
            printf("%s\t%.3f\t%d\t%d\ttmk\t%.4f\n", base(argv[i]), secs, t->frames, r, c1 - c0);
            if (!frames) continue;
            static const char *const kWhat[] = {"frames", "frames-all", "decode"};
            for (int w = 0; w < 3; w++) {
                long n = 0;
                c0 = cpu_seconds();
                st = w == 2 ? decode_only(h, argv[i], &n)
                            : frames_only(h, argv[i],
                                          w ? HM_CLI_SKIP_NONE : HM_CLI_SKIP_PREDICTED, &n);
                c1 = cpu_seconds();
                if (st != HM_OK) {
                    fprintf(stderr, "%s: %s\n", argv[i], hm_last_error());
                    return 1;
                }
                printf("%s\t%.3f\t%ld\t%d\t%s\t%.4f\n", base(argv[i]), secs, n, r, kWhat[w],
                       c1 - c0);
            }
        }
    hm_hasher_free(h);
    free(t);
    return 0;
}

static int cmd_score(int argc, char **argv) {
    double min_s = 3;
    int level = hm_simd_best(hm_tmk_level2_usable), opt;
    while ((opt = getopt(argc, argv, "t:l:")) != -1) {
        if (opt == 't') min_s = atof(optarg);
        else if (opt == 'l' && (level = hm_simd_parse(optarg)) < 0) return 2;
        else if (opt != 'l') return 2;
    }
    if (!hm_tmk_level2_usable((hm_simd_level)level)) {
        fprintf(stderr, "bench_tmk: level %s is not usable here\n", hm_simd_name(level));
        return 3;
    }
    const int n = argc - optind;
    hm_tmk *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
    if (!t || n < 2) return 2;
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(argv[optind + i], "rb");
        static uint8_t b[HM_TMK_FILE_SIZE + 1];
        size_t got = f ? fread(b, 1, sizeof b, f) : 0;
        if (f) fclose(f);
        if (hm_tmk_read(b, got, &t[i]) != HM_OK) {
            fprintf(stderr, "%s: %s\n", argv[optind + i], hm_err_msg());
            return 1;
        }
    }
    float sink = 0; /* printed, so that no score is optimised away */
    long pairs = 0;
    double c0 = cpu_seconds(), c1;
    do {
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, pairs++)
                sink += hm_tmk_level2_at(&t[i], &t[j], (hm_simd_level)level);
    } while ((c1 = cpu_seconds()) - c0 < min_s);
    printf("what\tpairs\tcpu_s\tpairs_per_s\n");
    printf("level2\t%ld\t%.4f\t%.1f\n", pairs, c1 - c0, (double)pairs / (c1 - c0));
    pairs = 0;
    c0 = cpu_seconds();
    do {
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++, pairs++) sink += hm_tmk_level1(t[i].avg, t[j].avg);
    } while ((c1 = cpu_seconds()) - c0 < min_s / 3);
    printf("level1\t%ld\t%.4f\t%.1f\n", pairs, c1 - c0, (double)pairs / (c1 - c0));
    fprintf(stderr, "(sum of scores %g)\n", (double)sink);
    free(t);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "hash") == 0) return cmd_hash(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "score") == 0) return cmd_score(argc - 1, argv + 1);
    fprintf(stderr, "usage: bench_tmk hash [-r ROUNDS] [-f] VIDEO... | "
                    "bench_tmk score [-t SECONDS] [-l LEVEL] TMK...\n");
    return 2;
}
