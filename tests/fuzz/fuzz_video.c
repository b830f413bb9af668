/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: open a video (or animated GIF/WebP) from memory and hash its
 * frames in the three selection modes, under tight limits so that every
 * input finishes quickly.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hm_hasher *h;
    if (!h) {
        hm_hasher_create(&h);
        hm_hasher_set(h, HM_HASHER_MAX_PIXELS, 1000000);
    }
    hm_video_opts o;
    hm_video_opts_init(&o);
    o.mode = (int)(size % 3);
    o.interval = 0.2;
    o.max_frames = 40;
    o.max_decoded = 400;
    o.max_duration = 600;
    o.time_budget = 5;
    o.types = HM_TYPE_BIT(HM_HASH_PDQ) | (size & 4 ? HM_TYPE_BIT(HM_HASH_PHASH) : 0);
    o.apply_rotation = (int)(size >> 3) & 1;
    hm_video *v;
    if (hm_video_open_memory(h, data, size, &o, &v) != HM_OK) return 0;
    hm_video_frame f;
    int got;
    char line[160];
    while (hm_video_next(v, &f, &got) == HM_OK && got)
        hm_vpdq_format_line(&f, line, sizeof line);
    hm_video_info info;
    hm_video_get_info(v, &info);
    hm_video_close(v);
    return 0;
}
