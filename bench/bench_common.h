/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the benchmark programs: clock, file loading, and the
 * plain libjpeg-turbo / libpng decodes that are the floor of the timings.
 */
#ifndef HM_BENCH_COMMON_H
#define HM_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_file {
    const char *path;
    unsigned char *data;
    size_t size;
} bench_file;

/* Monotonic wall clock in seconds. */
double bench_now(void);
/* qsort comparator for doubles. */
int bench_cmp_double(const void *a, const void *b);
/* VmRSS of this process in bytes, after giving freed heap memory back to
 * the kernel (malloc_trim); 0 when /proc/self/status cannot be read. */
uint64_t bench_rss_trimmed(void);
/* Read a whole file into memory; exits with a message on failure. */
void bench_load(bench_file *f, const char *path);
int bench_is_jpeg(const bench_file *f);
int bench_is_png(const bench_file *f);

/*
 * Plain libjpeg-turbo decode of an in-memory JPEG with the library
 * defaults (JDCT_ISLOW, fancy upsampling), RGB output (grey stays grey),
 * at DCT scale 1/denom.  With `img` NULL, rows go one at a time into a
 * reused row buffer: the cheapest way to produce every pixel, the decode
 * floor (libhashmatch also consumes rows one at a time).  With `img`
 * non-NULL, the whole image is returned in *img (malloc'd; *w, *h, *comps
 * set).  Returns 0 on success.
 */
int bench_jpeg_decode(const bench_file *f, unsigned denom, unsigned char **img,
                      unsigned *w, unsigned *h, int *comps);

/*
 * Plain libpng decode from memory with the transforms libhashmatch applies
 * (palette and low-depth grey expanded to 8 bits, 16-bit and alpha
 * stripped), row by row into a reused buffer.  Returns 0 on success.
 */
int bench_png_decode(const bench_file *f);

#endif
