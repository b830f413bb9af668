/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * WebP through libwebp (the reference decoder, also what Pillow uses):
 * still images with WebPDecodeRGBInto, animated ones by their first
 * composited frame through the animation decoder.  Alpha is ignored.
 */
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

#include "decode.h"

static int decode_animated(const uint8_t *data, size_t size,
                           const hm_sink *sink) {
    WebPData wd = {data, size};
    WebPAnimDecoderOptions opt;
    WebPAnimDecoder *dec;
    WebPAnimInfo ai;
    uint8_t *frame;
    int ts, st;
    if (!WebPAnimDecoderOptionsInit(&opt))
        return hm_fail(HM_E_INTERNAL, "WebP: libwebp version mismatch");
    opt.color_mode = MODE_RGBA;
    opt.use_threads = 0;
    dec = WebPAnimDecoderNew(&wd, &opt);
    if (!dec) return hm_fail(HM_E_DECODE, "WebP: invalid animation");
    if (!WebPAnimDecoderGetInfo(dec, &ai) ||
        !WebPAnimDecoderGetNext(dec, &frame, &ts)) {
        WebPAnimDecoderDelete(dec);
        return hm_fail(HM_E_DECODE, "WebP: cannot decode first frame");
    }
    st = hm_sink_push_image(sink, frame, ai.canvas_width, ai.canvas_height,
                            (size_t)ai.canvas_width * 4, 3, 4);
    WebPAnimDecoderDelete(dec);
    return st;
}

int hm_decode_webp(const uint8_t *data, size_t size, const hm_decode_opts *o,
                   const hm_sink *sink) {
    WebPBitstreamFeatures f;
    uint8_t *px;
    size_t stride, total;
    int st;
    if (WebPGetFeatures(data, size, &f) != VP8_STATUS_OK)
        return hm_fail(HM_E_DECODE, "WebP: invalid or truncated header");
    st = hm_check_dims((uint64_t)f.width, (uint64_t)f.height, o, "WebP");
    if (st != HM_OK) return st;
    if (f.has_animation) return decode_animated(data, size, sink);
    stride = (size_t)f.width * 3;
    total = stride * (size_t)f.height;
    px = malloc(total);
    if (!px) return hm_fail(HM_E_NO_MEMORY, "WebP: out of memory");
    if (!WebPDecodeRGBInto(data, size, px, total, (int)stride)) {
        free(px);
        return hm_fail(HM_E_DECODE, "WebP: corrupt or truncated data");
    }
    st = hm_sink_push_image(sink, px, (uint32_t)f.width, (uint32_t)f.height,
                            stride, 3, 3);
    free(px);
    return st;
}
