/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JPEG through libjpeg-turbo's libjpeg API, with the defaults the
 * reference tools use (accurate integer IDCT, fancy upsampling, no DCT
 * scaling unless fast mode), errors turned into status codes by longjmp,
 * and the pixel limit checked from the header before decompression.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "decode.h"

#define MAX_SCANS 500 /* progressive-scan bomb guard */

typedef struct jerr {
    struct jpeg_error_mgr mgr;
    jmp_buf jmp;
    int status;
    int all_rows; /* every scanline was decoded */
    char msg[JMSG_LENGTH_MAX];
} jerr;

static void on_error(j_common_ptr c) {
    jerr *e = (jerr *)c->err;
    c->err->format_message(c, e->msg);
    e->status = HM_E_DECODE;
    longjmp(e->jmp, 1);
}

static void on_message(j_common_ptr c, int level) {
    jerr *e = (jerr *)c->err;
    /* A premature end of data is only a warning to libjpeg, which pads the
     * image with grey; a hash of that would be wrong, so it is an error.
     * Once every row is decoded, a missing EOI marker is harmless. */
    if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF && !e->all_rows) {
        c->err->format_message(c, e->msg);
        e->status = HM_E_DECODE;
        longjmp(e->jmp, 1);
    }
    if (level < 0) c->err->num_warnings++;
}

static void on_progress(j_common_ptr c) {
    j_decompress_ptr d = (j_decompress_ptr)c;
    jerr *e = (jerr *)c->err;
    if (d->input_scan_number > MAX_SCANS) {
        snprintf(e->msg, sizeof e->msg,
                 "more than %d progressive scans (scan-count limit)",
                 MAX_SCANS);
        e->status = HM_E_LIMIT;
        longjmp(e->jmp, 1);
    }
}

static int find_orientation(j_decompress_ptr d) {
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && m->data_length > 6 &&
            memcmp(m->data, "Exif\0\0", 6) == 0)
            return hm_exif_orientation(m->data + 6, m->data_length - 6);
    return 0;
}

/* Pillow's CMYK JPEG -> RGB: Adobe-inverted samples, then
 * R = 255 - K' - C'(255 - K')/255 with MULDIV255 rounding. */
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, JDIMENSION n) {
    for (JDIMENSION x = 0; x < n; x++) {
        const int nk = in[4 * x + 3]; /* = 255 - (255 - stored K) */
        for (int c = 0; c < 3; c++) {
            int v = 255 - in[4 * x + c];
            int t = v * nk + 128;
            int r = nk - (((t >> 8) + t) >> 8);
            out[3 * x + c] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
        }
    }
}

int hm_decode_jpeg(const uint8_t *data, size_t size, const hm_decode_opts *o,
                   const hm_sink *sink, int *orientation) {
    struct jpeg_decompress_struct d;
    struct jpeg_progress_mgr prog;
    jerr e;
    /* volatile: modified between setjmp and longjmp */
    uint8_t *volatile row = NULL;
    uint8_t *volatile rgb = NULL;
    int st;

    *orientation = 0;
    if (size > (size_t)(unsigned long)-1)
        return hm_fail(HM_E_LIMIT, "JPEG: input too large");
    memset(&d, 0, sizeof d);
    d.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = on_error;
    e.mgr.emit_message = on_message;
    e.status = HM_OK;
    e.all_rows = 0;
    e.msg[0] = '\0';
    if (setjmp(e.jmp)) {
        st = e.status;
        hm_err_set("JPEG: %s", e.msg);
        goto done;
    }
    jpeg_create_decompress(&d);
    prog.progress_monitor = on_progress;
    d.progress = &prog;
    jpeg_mem_src(&d, data, (unsigned long)size);
    jpeg_save_markers(&d, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&d, TRUE);
    *orientation = find_orientation(&d);
    st = hm_check_dims(d.image_width, d.image_height, o, "JPEG");
    if (st != HM_OK) goto done;
    /* Huffman coding spends at least a bit on every 8x8 block (a DC code,
     * or an EOB), so a file far smaller than the blocks it claims is a
     * decompression bomb: libjpeg would allocate and decode the whole
     * frame (for progressive files, ~6 bytes a pixel up front) from
     * padding.  Eight times that minimum is allowed. */
    if (!d.arith_code) {
        const uint64_t blocks = ((uint64_t)d.image_width + 7) / 8 * (((uint64_t)d.image_height + 7) / 8);
        if ((uint64_t)size * 64 < blocks) {
            st = hm_fail(HM_E_DECODE,
                         "JPEG: claims %ux%u pixels (%llu blocks) but holds only %zu bytes",
                         d.image_width, d.image_height, (unsigned long long)blocks, size);
            goto done;
        }
    }

    switch (d.jpeg_color_space) {
    case JCS_GRAYSCALE: d.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: d.out_color_space = JCS_CMYK; break;
    default: d.out_color_space = JCS_RGB; break;
    }
    d.dct_method = JDCT_ISLOW;
    d.do_fancy_upsampling = TRUE;
    if (o->fast_min_side > 0) {
        const unsigned short_side =
            d.image_width < d.image_height ? d.image_width : d.image_height;
        unsigned denom = 8;
        while (denom > 1 && short_side / denom < (unsigned)o->fast_min_side)
            denom /= 2;
        d.scale_num = 1;
        d.scale_denom = denom;
    }
    jpeg_start_decompress(&d);
    {
        const JDIMENSION w = d.output_width, h = d.output_height;
        const int comps = d.output_components;
        const int channels = comps == 1 ? 1 : 3;
        row = malloc((size_t)w * (size_t)comps);
        if (comps == 4) rgb = malloc((size_t)w * 3);
        if (!row || (comps == 4 && !rgb)) {
            st = hm_fail(HM_E_NO_MEMORY, "JPEG: out of memory");
            goto done;
        }
        st = sink->begin(sink->ctx, w, h, channels, channels);
        if (st != HM_OK) goto done;
        while (d.output_scanline < h) {
            JSAMPROW rp = row;
            jpeg_read_scanlines(&d, &rp, 1);
            if (comps == 4) {
                cmyk_to_rgb(row, rgb, w);
                sink->row(sink->ctx, rgb);
            } else {
                sink->row(sink->ctx, row);
            }
        }
    }
    e.all_rows = 1;
    jpeg_finish_decompress(&d);
    st = HM_OK;
done:
    jpeg_destroy_decompress(&d);
    free(row);
    free(rgb);
    return st;
}
