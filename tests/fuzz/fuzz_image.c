/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: decode and hash an image from memory, every perceptual hash
 * plus the digests, the EXIF orientation applied and not, fast mode; with
 * the second hasher also the dihedral variants, the trimmed image and the
 * crops (the full-image buffer path), and hm_find_content on the pixels.
 * Built once auto-detecting the format, and once per format
 * (HM_FUZZ_FORMAT), where inputs of other formats are skipped so that the
 * fuzzer stays inside one decoder.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashmatch.h"

#ifndef HM_FUZZ_FORMAT
#define HM_FUZZ_FORMAT HM_FORMAT_UNKNOWN
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hm_hasher *h[2];
    if (HM_FUZZ_FORMAT != HM_FORMAT_UNKNOWN && hm_detect_format(data, size) != HM_FUZZ_FORMAT)
        return 0;
    if (!h[0]) {
        for (int i = 0; i < 2; i++) {
            hm_hasher_create(&h[i]);
            /* large enough for real images, small enough to stay fast */
            hm_hasher_set(h[i], HM_HASHER_MAX_PIXELS, 4000000);
        }
        hm_hasher_set(h[1], HM_HASHER_APPLY_EXIF_ORIENTATION, 1);
        hm_hasher_set(h[1], HM_HASHER_FAST, 1);
        hm_hasher_set(h[1], HM_HASHER_PDQ_FLAVOUR, HM_PDQ_CPP_512);
    }
    hm_hash out[HM_HASH_RESULTS_MAX];
    size_t n;
    hm_image_info info;
    const unsigned types = (size & 1) ? HM_TYPES_ALL | HM_TYPES_PHASHORG | HM_WANT_DIHEDRAL |
                                            HM_WANT_TRIMMED | HM_WANT_CROPS
                                      : HM_TYPES_ALL | HM_TYPES_PHASHORG | HM_WANT_DIHEDRAL;
    hm_hash_memory(h[size & 1], data, size, types, out, HM_HASH_RESULTS_MAX, &n, &info);
    hm_pixels px;
    if (hm_decode_memory(h[0], data, size, &px, &info) == HM_OK) {
        hm_rect r;
        hm_find_content(px.data, px.width, px.height, px.stride, (hm_pixel_format)px.format, &r);
        hm_pixels_free(&px);
    }
    return 0;
}
