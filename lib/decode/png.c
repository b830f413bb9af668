/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PNG through libpng: 1/2/4/8/16-bit grey, palette, RGB, with or without
 * alpha, interlaced or not.  Output is 8-bit grey or RGB: palettes are
 * expanded, 16-bit samples keep their high byte (as Pillow does for RGB),
 * alpha and tRNS are ignored (as every reference tool does), gamma and
 * ICC profiles are not applied.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "decode.h"

#define PNG_CHUNK_MALLOC_MAX (8u << 20) /* ancillary chunks (text, ICC) */
#define PNG_CHUNK_CACHE_MAX 1000

typedef struct png_src {
    const uint8_t *data;
    size_t size, pos;
    char msg[256];
} png_src;

static void on_read(png_structp png, png_bytep out, size_t n) {
    png_src *s = png_get_io_ptr(png);
    if (n > s->size - s->pos) png_error(png, "unexpected end of data (truncated file)");
    memcpy(out, s->data + s->pos, n);
    s->pos += n;
}

static void on_error(png_structp png, png_const_charp msg) {
    png_src *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

int hm_decode_png(const uint8_t *data, size_t size, const hm_decode_opts *o,
                  const hm_sink *sink) {
    png_src src = {data, size, 0, {0}};
    png_structp png;
    png_infop info = NULL;
    uint8_t *volatile buf = NULL;
    volatile int st = HM_OK;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error,
                                 on_warning);
    if (!png) return hm_fail(HM_E_NO_MEMORY, "PNG: out of memory");
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return hm_fail(HM_E_NO_MEMORY, "PNG: out of memory");
    }
    if (setjmp(png_jmpbuf(png))) {
        if (st == HM_OK) st = hm_fail(HM_E_DECODE, "PNG: %s", src.msg);
        goto done;
    }
    png_set_read_fn(png, &src, on_read);
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
    png_set_chunk_malloc_max(png, PNG_CHUNK_MALLOC_MAX);
    png_set_chunk_cache_max(png, PNG_CHUNK_CACHE_MAX);
    png_read_info(png, info);
    {
        const png_uint_32 w = png_get_image_width(png, info);
        const png_uint_32 h = png_get_image_height(png, info);
        const int ctype = png_get_color_type(png, info);
        const int depth = png_get_bit_depth(png, info);
        int passes, channels;
        size_t rowbytes;

        st = hm_check_dims(w, h, o, "PNG");
        if (st != HM_OK) goto done;
        if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8)
            png_set_expand_gray_1_2_4_to_8(png);
        if (depth == 16) png_set_strip_16(png);
        png_set_strip_alpha(png);
        passes = png_set_interlace_handling(png);
        png_read_update_info(png, info);
        channels = png_get_channels(png, info);
        rowbytes = png_get_rowbytes(png, info);
        if ((channels != 1 && channels != 3) || rowbytes != (size_t)w * channels) {
            st = hm_fail(HM_E_INTERNAL, "PNG: unexpected layout");
            goto done;
        }
        /* Interlaced images need every row before the first is final. */
        buf = malloc(passes > 1 ? rowbytes * h : rowbytes);
        if (!buf) {
            st = hm_fail(HM_E_NO_MEMORY, "PNG: out of memory for %ux%u",
                         (unsigned)w, (unsigned)h);
            goto done;
        }
        if (passes > 1) {
            for (int p = 0; p < passes; p++)
                for (png_uint_32 y = 0; y < h; y++)
                    png_read_row(png, buf + rowbytes * y, NULL);
            st = hm_sink_push_image(sink, buf, w, h, rowbytes, channels,
                                    channels);
            goto done;
        }
        st = sink->begin(sink->ctx, w, h, channels, channels);
        if (st != HM_OK) goto done;
        for (png_uint_32 y = 0; y < h; y++) {
            png_read_row(png, buf, NULL);
            sink->row(sink->ctx, buf);
        }
    }
    st = HM_OK;
done:
    png_destroy_read_struct(&png, &info, NULL);
    free(buf);
    return st;
}
