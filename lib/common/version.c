/* SPDX-License-Identifier: BSD-3-Clause */
/* The version of the library actually linked (hashmatch.h's HM_VERSION_*). */
#include "common.h"

unsigned hm_version_number(void) { return HM_VERSION_NUMBER; }

const char *hm_version_string(void) {
#define HM_STR2(x) #x
#define HM_STR(x) HM_STR2(x)
    return HM_STR(HM_VERSION_MAJOR) "." HM_STR(HM_VERSION_MINOR) "." HM_STR(
        HM_VERSION_PATCH);
}
