/* SPDX-License-Identifier: BSD-3-Clause */
/* What other stages need from a hasher: its limits, and copies for threads (the struct itself stays private to hasher.c). */
#ifndef HM_HASHER_H
#define HM_HASHER_H

#include "common/common.h"

uint64_t hm_hasher_max_input(const hm_hasher *h);
uint64_t hm_hasher_max_pixels(const hm_hasher *h);
/* A new hasher with h's parameters (hm_hasher_free), or NULL when out of
 * memory: each thread of a batch hashes with its own. */
hm_hasher *hm_hasher_copy(const hm_hasher *h);

#endif
