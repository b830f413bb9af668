/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: loading an index file from hostile bytes.  Whatever loads
 * must answer queries.
 *
 * The format puts an XXH3 checksum over every byte (docs/index-format.md),
 * so nearly every mutation stops at the first checksum and the parser
 * behind them would never be reached.  Each input is therefore loaded
 * twice: as it is, and with its checksums and its size field made right
 * (header, then every section that lies inside the input, then the
 * section table), as a writer that produced those bytes would have.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../index_file.h"
#include "hashmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_and_query(hm_index *idx, hm_results *res, const uint8_t *data,
                           size_t size) {
    if (hm_index_load_memory(idx, data, size) != HM_OK) return;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static hm_index *idx;
    static hm_results *res;
    if (!idx) {
        hm_index_create(&idx);
        hm_results_create(&res);
    }
    load_and_query(idx, res, data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    ixf_fix_checksums(copy, size);
    load_and_query(idx, res, copy, size);
    free(copy);
    return 0;
}
