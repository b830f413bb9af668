/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: every parser of hash text: canonical strings of each type,
 * vPDQ lines and python-threatexchange's compact vPDQ JSON.  Whatever
 * parses must print back and parse again to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hashmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        hm_hash h, back;
        char out[HM_HASH_STRING_MAX];
        if (hm_hash_from_string(t, s, &h) != HM_OK) continue;
        if (hm_hash_to_string(&h, out, sizeof out) != HM_OK ||
            hm_hash_from_string(t, out, &back) != HM_OK || hm_hash_distance(&h, &back) != 0)
            abort(); /* a round trip must hold */
        if (HM_TYPE_BIT(t) & HM_TYPES_PHASHORG) { /* and a conversion's */
            hm_hash c;
            for (int to = HM_HASH_PHASHORG_V09; to <= HM_HASH_PHASHORG_2026; to++) {
                const int lost = hm_hash_convert(&h, to, &c);
                if (lost != (t == HM_HASH_PHASHORG_2014 && to != t) ||
                    hm_hash_convert(&c, t, &back) < 0 ||
                    hm_hash_distance(&h, &back) > (to == HM_HASH_PHASHORG_2014 || lost))
                    abort();
            }
        }
    }
    hm_video_frame f, g;
    char line[160];
    if (hm_vpdq_parse_line(s, &f) == HM_OK) {
        if (hm_vpdq_format_line(&f, line, sizeof line) != HM_OK ||
            hm_vpdq_parse_line(line, &g) != HM_OK || g.frame_number != f.frame_number ||
            hm_hash_distance(&g.hashes[0], &f.hashes[0]) != 0)
            abort();
    }
    hm_video_frame frames[64];
    size_t n;
    if (hm_vpdq_parse_compact(s, frames, 64, &n) == HM_OK) {
        char *json = malloc(n * 100 + 8);
        size_t len;
        if (json && hm_vpdq_format_compact(frames, n, json, n * 100 + 8, &len) != HM_OK) abort();
        free(json);
    }
    free(s);
    return 0;
}
