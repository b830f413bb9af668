/* SPDX-License-Identifier: BSD-3-Clause */
/* GIF, BMP and TIFF in a library built without FFmpeg (HM_WITH_FFMPEG=OFF):
 * detected, then refused as HM_E_UNSUPPORTED. */
#include "decode.h"

int hm_decode_ffmpeg(const uint8_t *data, size_t size, hm_format fmt,
                     const hm_decode_opts *o, const hm_sink *sink) {
    (void)data, (void)size, (void)o, (void)sink;
    return hm_fail(HM_E_UNSUPPORTED, "%s: %s", hm_format_name(fmt), HM_NO_FFMPEG);
}
