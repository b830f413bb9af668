/*
 * Fuzz target: loading an index file from hostile bytes.  Whatever loads
 * must answer queries and save again.
 */
#include <stddef.h>
#include <stdint.h>

#include "hashmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hm_index *idx;
    static hm_results *res;
    if (!idx) {
        hm_index_create(&idx);
        hm_results_create(&res);
    }
    if (hm_index_load_memory(idx, data, size) != HM_OK) return 0;
    hm_index_stats st;
    hm_index_stats_get(idx, &st);
    hm_hash q = {0};
    q.type = HM_HASH_PDQ;
    q.quality = -1;
    hm_query_opts o;
    hm_query_opts_init(&o);
    o.radius = 128;
    hm_index_query(idx, &q, 1, &o, res);
    for (size_t i = 0; i < hm_results_count(res); i++) (void)hm_results_get(res, i)->entry_id[0];
    return 0;
}
