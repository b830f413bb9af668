/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the benchmark programs; see bench_common.h. */
#define _POSIX_C_SOURCE 200809L
#include "bench_common.h"

#include <inttypes.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <png.h>

double bench_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int bench_cmp_double(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

uint64_t bench_rss_trimmed(void) {
    FILE *f;
    char line[256];
    uint64_t kb = 0;
    malloc_trim(0);
    if (!(f = fopen("/proc/self/status", "r"))) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %" SCNu64, &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

void bench_load(bench_file *f, const char *path) {
    FILE *fp = fopen(path, "rb");
    long n;
    f->path = path;
    if (!fp || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) <= 0) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    rewind(fp);
    f->size = (size_t)n;
    f->data = malloc(f->size);
    if (!f->data || fread(f->data, 1, f->size, fp) != f->size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fclose(fp);
}

int bench_is_jpeg(const bench_file *f) {
    return f->size > 3 && f->data[0] == 0xFF && f->data[1] == 0xD8 &&
           f->data[2] == 0xFF;
}

int bench_is_png(const bench_file *f) {
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return f->size > 8 && memcmp(f->data, sig, 8) == 0;
}

/* ---- libjpeg-turbo ------------------------------------------------------ */

typedef struct bench_jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
} bench_jerr;

static void bench_jpeg_error_exit(j_common_ptr c) {
    bench_jerr *e = (bench_jerr *)c->err;
    longjmp(e->jmp, 1);
}

int bench_jpeg_decode(const bench_file *f, unsigned denom, unsigned char **img,
                      unsigned *w, unsigned *h, int *comps) {
    static unsigned char *row;
    static size_t row_cap;
    struct jpeg_decompress_struct d;
    bench_jerr e;
    unsigned char *volatile out = NULL;
    d.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = bench_jpeg_error_exit;
    if (setjmp(e.jmp)) {
        jpeg_destroy_decompress(&d);
        free(out);
        return -1;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, f->data, (unsigned long)f->size);
    jpeg_read_header(&d, TRUE);
    if (d.jpeg_color_space == JCS_CMYK || d.jpeg_color_space == JCS_YCCK)
        longjmp(e.jmp, 1); /* not in the corpus */
    d.out_color_space = d.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    d.dct_method = JDCT_ISLOW;
    d.do_fancy_upsampling = TRUE;
    d.scale_num = 1;
    d.scale_denom = denom;
    jpeg_start_decompress(&d);
    {
        const size_t stride = (size_t)d.output_width * (size_t)d.output_components;
        if (img) {
            out = malloc(stride * d.output_height);
            if (!out) longjmp(e.jmp, 1);
        } else if (row_cap < stride) {
            free(row);
            row = malloc(stride);
            row_cap = row ? stride : 0;
            if (!row) longjmp(e.jmp, 1);
        }
        while (d.output_scanline < d.output_height) {
            JSAMPROW rp = img ? out + stride * d.output_scanline : row;
            jpeg_read_scanlines(&d, &rp, 1);
        }
    }
    if (img) {
        *img = out;
        *w = d.output_width;
        *h = d.output_height;
        *comps = d.output_components;
    }
    jpeg_finish_decompress(&d);
    jpeg_destroy_decompress(&d);
    return 0;
}

/* ---- libpng ------------------------------------------------------------- */

typedef struct bench_png_src {
    const unsigned char *p;
    size_t left;
} bench_png_src;

static void bench_png_read(png_structp png, png_bytep dst, png_size_t n) {
    bench_png_src *s = png_get_io_ptr(png);
    if (n > s->left) png_error(png, "truncated");
    memcpy(dst, s->p, n);
    s->p += n;
    s->left -= n;
}

static void bench_png_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg; /* e.g. "known incorrect sRGB profile": harmless here */
}

int bench_png_decode(const bench_file *f) {
    static unsigned char *buf;
    static size_t buf_cap;
    bench_png_src src = {f->data, f->size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
                                             bench_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &src, bench_png_read);
    png_read_info(png, info);
    {
        const int ctype = png_get_color_type(png, info);
        const int depth = png_get_bit_depth(png, info);
        int passes;
        png_uint_32 h;
        size_t rowbytes, need;
        /* Deliberately the library's PNG transforms, written out here so
         * the floor measures libpng alone, not libhashmatch's decoder. */
        if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
            png_set_expand_gray_1_2_4_to_8(png);
        if (depth == 16) png_set_strip_16(png);
        png_set_strip_alpha(png);
        passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        h = png_get_image_height(png, info);
        rowbytes = png_get_rowbytes(png, info);
        need = passes > 1 ? rowbytes * h : rowbytes;
        if (buf_cap < need) {
            free(buf);
            buf = malloc(need);
            buf_cap = buf ? need : 0;
            if (!buf) png_error(png, "out of memory");
        }
        for (int p = 0; p < passes; p++)
            for (png_uint_32 y = 0; y < h; y++)
                png_read_row(png, passes > 1 ? buf + rowbytes * y : buf, NULL);
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

