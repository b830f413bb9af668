/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: hash-list ingest.  The first byte picks the format, strict
 * or lenient mode and the plain-line type; the rest is the list.  The
 * staged entries are committed and queried, so that what a hostile list
 * puts in the index is exercised too.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    hm_index *idx;
    hm_results *res;
    if (hm_index_create(&idx) != HM_OK) return 0;
    hm_results_create(&res);
    hm_index_set(idx, HM_INDEX_MAX_LINE, 4096);
    hm_index_set(idx, HM_INDEX_MAX_ENTRIES, 100000);
    hm_list_load_opts o;
    hm_list_load_opts_init(&o);
    o.format = data[0] % 5;
    o.strict = (data[0] >> 3) & 1;
    o.hash_type = (data[0] >> 4) % (HM_HASH_TYPE_MAX + 1);
    o.include_negative = (data[0] >> 7) & 1;
    hm_list_load_report r;
    hm_index_load_list_memory(idx, data + 1, size - 1, "fuzz.csv", &o, &r);
    hm_index_commit(idx);
    hm_hash q[HM_HASH_TYPE_MAX];
    for (int t = 1; t <= HM_HASH_TYPE_MAX; t++) {
        q[t - 1] = (hm_hash){0};
        q[t - 1].type = t;
        q[t - 1].quality = -1;
        for (unsigned i = 0; i < hm_hash_bits(t) / 8 && i + 1 < size; i++)
            q[t - 1].bytes[i] = data[size - 1 - i];
    }
    hm_query_opts qo;
    hm_query_opts_init(&qo);
    qo.flags = HM_QUERY_DIHEDRAL;
    hm_index_query(idx, q, HM_HASH_TYPE_MAX, &qo, res);
    qo.k = 3;
    hm_index_query(idx, q, HM_HASH_TYPE_MAX, &qo, res);
    hm_results_free(res);
    hm_index_free(idx);
    return 0;
}
