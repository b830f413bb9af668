/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests run once per SIMD level (lib/common/simd.h): ctest passes the
 * level's name as the first argument (hm_add_test's LEVELS in
 * tests/CMakeLists.txt).  A level this machine cannot run makes the test
 * exit with TEST_SKIP, which ctest reports as skipped, not passed.
 * Needs the static library (the levels are internal).
 */
#ifndef HM_TEST_SIMD_H
#define HM_TEST_SIMD_H

#include <stdio.h>
#include <stdlib.h>

#include "common/simd.h"

#define TEST_SKIP 77 /* ctest's SKIP_RETURN_CODE */

/* The levels to test, into levels[HM_SIMD_LEVELS]; returns how many.
 * With `name` (argv[1]), that level: an unknown name exits 2, a level
 * `usable` refuses prints why and exits TEST_SKIP.  Without, every level
 * `usable` accepts. */
static inline int test_simd_levels(const char *prog, const char *name,
                                   hm_simd_usable_fn usable,
                                   hm_simd_level *levels) {
    int n = 0;
    if (!name) {
        for (int l = 0; l < HM_SIMD_LEVELS; l++)
            if (usable((hm_simd_level)l)) levels[n++] = (hm_simd_level)l;
        return n;
    }
    const int l = hm_simd_parse(name);
    if (l < 0) {
        fprintf(stderr, "%s: unknown SIMD level '%s' (portable, avx2, avx512)\n",
                prog, name);
        exit(2);
    }
    if (!usable((hm_simd_level)l)) {
        if (l > (int)hm_simd_cap())
            printf("%s: skipped: level %s is not usable here: HM_SIMD=%s caps "
                   "the level\n",
                   prog, name, hm_simd_name(hm_simd_cap()));
        else
            printf("%s: skipped: level %s is not usable here: this CPU (or "
                   "build) lacks it\n",
                   prog, name);
        exit(TEST_SKIP);
    }
    levels[0] = (hm_simd_level)l;
    return 1;
}

#endif
