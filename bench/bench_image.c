/*
 * bench_image FILE [RUNS]: single-thread time per image of libjpeg-turbo's
 * plain decode (the floor) and of libhashmatch hashing the same in-memory
 * JPEG: PDQ, pHash, all perceptual hashes, and fast-mode PDQ.  Prints the
 * median of RUNS runs (default 9) for each.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <jpeglib.h>

#include "hashmatch.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void decode_only(const unsigned char *d, size_t n) {
    struct jpeg_decompress_struct ci;
    struct jpeg_error_mgr je;
    unsigned char *row;
    ci.err = jpeg_std_error(&je);
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, d, (unsigned long)n);
    jpeg_read_header(&ci, TRUE);
    ci.out_color_space = JCS_RGB;
    jpeg_start_decompress(&ci);
    row = malloc((size_t)ci.output_width * 3);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW rp = row;
        jpeg_read_scanlines(&ci, &rp, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    free(row);
}

int main(int argc, char **argv) {
    static const struct { const char *name; unsigned types; int fast; } kCases[] = {
        {"pdq", HM_TYPE_BIT(HM_HASH_PDQ), 0},
        {"phash", HM_TYPE_BIT(HM_HASH_PHASH), 0},
        {"dhash", HM_TYPE_BIT(HM_HASH_DHASH), 0},
        {"all-perceptual", HM_TYPES_PERCEPTUAL, 0},
        {"pdq-fast", HM_TYPE_BIT(HM_HASH_PDQ), 1}};
    const int runs = argc > 2 ? atoi(argv[2]) : 9;
    double t[101], base;
    FILE *f;
    long n;
    unsigned char *d;
    hm_hasher *h = NULL;
    if (argc < 2 || runs < 1 || runs > 101) {
        fprintf(stderr, "usage: bench_image FILE.jpg [RUNS<=101]\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0) return 1;
    rewind(f);
    d = malloc((size_t)n);
    if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    for (int r = 0; r < runs; r++) {
        double a = now();
        decode_only(d, (size_t)n);
        t[r] = now() - a;
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp);
    base = t[runs / 2];
    printf("%-16s %8.2f ms  1.00x decode\n", "jpeg-decode", base * 1e3);
    hm_hasher_create(&h);
    for (size_t c = 0; c < sizeof kCases / sizeof kCases[0]; c++) {
        hm_hash out[8];
        size_t k;
        hm_hasher_set(h, HM_PARAM_FAST, kCases[c].fast);
        for (int r = 0; r < runs; r++) {
            double a = now();
            if (hm_hash_memory(h, d, (size_t)n, kCases[c].types, out, 8, &k, NULL) != HM_OK) {
                fprintf(stderr, "%s\n", hm_hasher_errmsg(h));
                return 1;
            }
            t[r] = now() - a;
        }
        qsort(t, (size_t)runs, sizeof t[0], cmp);
        printf("%-16s %8.2f ms  %.2fx decode\n", kCases[c].name, t[runs / 2] * 1e3,
               t[runs / 2] / base);
    }
    hm_hasher_free(h);
    free(d);
    return 0;
}
