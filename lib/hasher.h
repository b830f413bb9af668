/* SPDX-License-Identifier: BSD-3-Clause */
/* What stages after hashing need from a hasher: its limits (the struct itself stays private to hasher.c). */
#ifndef HM_HASHER_H
#define HM_HASHER_H

#include "common/common.h"

uint64_t hm_hasher_max_input(const hm_hasher *h);
uint64_t hm_hasher_max_pixels(const hm_hasher *h);

#endif
