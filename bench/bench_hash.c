/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_hash: single-thread time per image of a plain decode (libjpeg-turbo
 * or libpng: the floor) and of libhashmatch hashing the same in-memory
 * files, exact and fast, one hash type at a time and together (pHash.org's
 * hash as phashorg_2026: its packings are one computation).  The
 * floor is also timed at the reduced DCT scale fast mode picks
 * ("decode-fast"), and the hash stage alone on pixels decoded beforehand
 * ("*-pixels").
 *
 *   bench_hash [-r RUNS] [-t MIN_SAMPLE_S] [-c CLASS] [-m M1,M2,...]
 *              [-H HASHES.tsv] [-o OUT.tsv] FILE...
 *
 * Every file is read into memory first.  Each method gets one untimed
 * warm-up pass over the files, which also sets how many passes one timed
 * sample holds (enough for MIN_SAMPLE_S seconds, default 0.2).  Then RUNS
 * rounds (default 7) each time every method once, interleaved, so that
 * drift in the machine's speed hits all methods alike.  Prints one TSV
 * line per method:
 *
 *   class  method  images  median_s  min_s  max_s  runs  passes
 *
 * with times in seconds per image (sample time / passes / images).
 * -o writes the lines to OUT.tsv instead of stdout.
 * -m times only the named methods (default: all of kMethods below).
 * -H writes the exact and fast hashes of every file, for checking against
 * the Python references.  Pin it to one core yourself (taskset -c 0).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "hashmatch.h"

enum kind { FLOOR, FLOOR_FAST, HASH_MEMORY, HASH_PIXELS };

typedef struct method {
    const char *name;
    enum kind kind;
    unsigned types;
    int fast;
} method;

#define PH HM_TYPE_BIT(HM_HASH_PHASH)
#define DH HM_TYPE_BIT(HM_HASH_DHASH)
#define PDQ HM_TYPE_BIT(HM_HASH_PDQ)
/* pHash.org's hash: its packings are one computation, so one stands for all */
#define PHO HM_TYPE_BIT(HM_HASH_PHASHORG_2026)

static const method kMethods[] = {
    {"decode", FLOOR, 0, 0},
    /* libjpeg-turbo at the DCT scale fast mode picks: its floor */
    {"decode-fast", FLOOR_FAST, 0, 0},
    {"pdq", HASH_MEMORY, PDQ, 0},
    {"phash", HASH_MEMORY, PH, 0},
    {"dhash", HASH_MEMORY, DH, 0},
    {"phash+dhash", HASH_MEMORY, PH | DH, 0},
    {"phashorg", HASH_MEMORY, PHO, 0},
    {"all", HASH_MEMORY, HM_TYPES_PERCEPTUAL, 0},
    {"pdq-fast", HASH_MEMORY, PDQ, 1},
    {"phash-fast", HASH_MEMORY, PH, 1},
    {"dhash-fast", HASH_MEMORY, DH, 1},
    {"all-fast", HASH_MEMORY, HM_TYPES_PERCEPTUAL, 1},
    /* the hash stage alone, on pixels decoded beforehand */
    {"pdq-pixels", HASH_PIXELS, PDQ, 0},
    {"phash+dhash-pixels", HASH_PIXELS, PH | DH, 0},
    {"phash-pixels", HASH_PIXELS, PH, 0},
    {"phashorg-pixels", HASH_PIXELS, PHO, 0},
};
#define NMETHODS (sizeof kMethods / sizeof kMethods[0])
#define MAX_RUNS 101

static bench_file *g_files;
static hm_pixels *g_pixels;
static unsigned *g_fast_denom; /* DCT scale fast mode uses, per file */
static size_t g_nfiles;
static hm_hasher *g_h;

static void die_hm(const char *what, const char *path) {
    fprintf(stderr, "bench_hash: %s %s: %s\n", what, path, hm_last_error());
    exit(1);
}

static void run_one(const method *m, size_t i) {
    const bench_file *f = &g_files[i];
    hm_hash out[16];
    size_t n;
    switch (m->kind) {
    case FLOOR:
        if (bench_is_jpeg(f) ? bench_jpeg_decode(f, 1, NULL, NULL, NULL, NULL)
                             : bench_png_decode(f)) {
            fprintf(stderr, "bench_hash: decode failed: %s\n", f->path);
            exit(1);
        }
        break;
    case FLOOR_FAST:
        if (bench_is_jpeg(f) ? bench_jpeg_decode(f, g_fast_denom[i], NULL, NULL, NULL, NULL)
                             : bench_png_decode(f)) {
            fprintf(stderr, "bench_hash: decode failed: %s\n", f->path);
            exit(1);
        }
        break;
    case HASH_MEMORY:
        if (hm_hash_memory(g_h, f->data, f->size, m->types, out, 16, &n, NULL) != HM_OK)
            die_hm("hash", f->path);
        break;
    case HASH_PIXELS: {
        const hm_pixels *p = &g_pixels[i];
        if (hm_hash_pixels(g_h, p->data, p->width, p->height, p->stride,
                           (hm_pixel_format)p->format, m->types, out, 16, &n) != HM_OK)
            die_hm("hash pixels", f->path);
        break;
    }
    }
}

/* One sample: `passes` passes over every file; seconds per image. */
static double sample(const method *m, int passes) {
    double t0;
    hm_hasher_set(g_h, HM_HASHER_FAST, m->fast);
    t0 = bench_now();
    for (int p = 0; p < passes; p++)
        for (size_t i = 0; i < g_nfiles; i++) run_one(m, i);
    return (bench_now() - t0) / ((double)passes * (double)g_nfiles);
}

static void write_hashes(const char *out_path) {
    FILE *o = fopen(out_path, "w");
    if (!o) {
        perror(out_path);
        exit(1);
    }
    fprintf(o, "path\tmode\twidth\theight\tpdq\tquality\tphash\tdhash\tahash\n");
    for (int fast = 0; fast <= 1; fast++) {
        hm_hasher_set(g_h, HM_HASHER_FAST, fast);
        for (size_t i = 0; i < g_nfiles; i++) {
            hm_hash out[16];
            hm_image_info info;
            size_t n;
            char s[4][HM_HASH_STRING_MAX];
            if (hm_hash_memory(g_h, g_files[i].data, g_files[i].size,
                               HM_TYPES_PERCEPTUAL, out, 16, &n, &info) != HM_OK ||
                n != 4)
                die_hm("hash", g_files[i].path);
            for (int k = 0; k < 4; k++) hm_hash_to_string(&out[k], s[k], sizeof s[k]);
            fprintf(o, "%s\t%s\t%u\t%u\t%s\t%d\t%s\t%s\t%s\n", g_files[i].path,
                    fast ? "fast" : "exact", (unsigned)info.width,
                    (unsigned)info.height, s[0], out[0].quality, s[1], s[2], s[3]);
        }
    }
    fclose(o);
}

int main(int argc, char **argv) {
    int runs = 7, opt, passes[NMETHODS], use[NMETHODS];
    double min_sample = 0.2;
    const char *cls = "-", *hashes = NULL;
    char *only = NULL;
    FILE *tsv = stdout;
    static double t[NMETHODS][MAX_RUNS];

    while ((opt = getopt(argc, argv, "r:t:c:m:H:o:")) != -1) {
        switch (opt) {
        case 'r': runs = atoi(optarg); break;
        case 't': min_sample = atof(optarg); break;
        case 'c': cls = optarg; break;
        case 'H': hashes = optarg; break;
        case 'm': only = optarg; break;
        case 'o':
            if (!(tsv = fopen(optarg, "w"))) {
                perror(optarg);
                return 1;
            }
            break;
        default: goto usage;
        }
    }
    if (optind >= argc || runs < 1 || runs > MAX_RUNS || min_sample < 0) goto usage;
    for (size_t m = 0; m < NMETHODS; m++) use[m] = only == NULL;
    for (char *tok = only ? strtok(only, ",") : NULL; tok; tok = strtok(NULL, ",")) {
        size_t m = 0;
        while (m < NMETHODS && strcmp(kMethods[m].name, tok) != 0) m++;
        if (m == NMETHODS) {
            fprintf(stderr, "bench_hash: unknown method %s\n", tok);
            goto usage;
        }
        use[m] = 1;
    }

    g_nfiles = (size_t)(argc - optind);
    g_files = calloc(g_nfiles, sizeof *g_files);
    g_pixels = calloc(g_nfiles, sizeof *g_pixels);
    g_fast_denom = calloc(g_nfiles, sizeof *g_fast_denom);
    if (!g_files || !g_pixels || !g_fast_denom || hm_hasher_create(&g_h) != HM_OK) return 1;
    for (size_t i = 0; i < g_nfiles; i++) {
        bench_load(&g_files[i], argv[optind + (int)i]);
        if (!bench_is_jpeg(&g_files[i]) && !bench_is_png(&g_files[i])) {
            fprintf(stderr, "bench_hash: not a JPEG or PNG: %s\n", g_files[i].path);
            return 1;
        }
        if (hm_decode_memory(g_h, g_files[i].data, g_files[i].size, &g_pixels[i],
                             NULL) != HM_OK)
            die_hm("decode", g_files[i].path);
        { /* the scale fast mode picks, as the library reports it */
            hm_hash out[16];
            hm_image_info info;
            size_t n;
            hm_hasher_set(g_h, HM_HASHER_FAST, 1);
            if (hm_hash_memory(g_h, g_files[i].data, g_files[i].size, PDQ, out, 16,
                               &n, &info) != HM_OK || info.width == 0)
                die_hm("hash", g_files[i].path);
            g_fast_denom[i] = (g_pixels[i].width + info.width / 2) / info.width;
            hm_hasher_set(g_h, HM_HASHER_FAST, 0);
        }
    }
    if (hashes) write_hashes(hashes);

    /* warm-up pass, which also calibrates the passes per sample */
    for (size_t m = 0; m < NMETHODS; m++) {
        if (!use[m]) continue;
        const double per_pass = sample(&kMethods[m], 1) * (double)g_nfiles;
        int p = per_pass > 0 ? (int)(min_sample / per_pass) + 1 : 1;
        passes[m] = p < 1 ? 1 : p > 1000 ? 1000 : p;
    }
    for (int r = 0; r < runs; r++)
        for (size_t m = 0; m < NMETHODS; m++)
            if (use[m]) t[m][r] = sample(&kMethods[m], passes[m]);

    for (size_t m = 0; m < NMETHODS; m++) {
        if (!use[m]) continue;
        qsort(t[m], (size_t)runs, sizeof t[m][0], bench_cmp_double);
        fprintf(tsv, "%s\t%s\t%zu\t%.6e\t%.6e\t%.6e\t%d\t%d\n", cls, kMethods[m].name,
               g_nfiles,
               runs % 2 ? t[m][runs / 2] : 0.5 * (t[m][runs / 2 - 1] + t[m][runs / 2]),
               t[m][0], t[m][runs - 1], runs, passes[m]);
        fflush(tsv);
    }
    if (tsv != stdout) fclose(tsv);
    for (size_t i = 0; i < g_nfiles; i++) {
        hm_pixels_free(&g_pixels[i]);
        free(g_files[i].data);
    }
    free(g_pixels);
    free(g_fast_denom);
    free(g_files);
    hm_hasher_free(g_h);
    return 0;

usage:
    fprintf(stderr,
            "usage: bench_hash [-r RUNS<=%d] [-t MIN_SAMPLE_S] [-c CLASS] "
            "[-m M1,M2,...] [-H HASHES.tsv] [-o OUT.tsv] FILE...\n",
            MAX_RUNS);
    return 2;
}
