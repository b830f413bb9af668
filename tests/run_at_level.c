/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * run_at_level LEVEL PROGRAM [ARGS...]: run PROGRAM, a test of the public
 * API, with the index's scan kernels of SIMD level LEVEL.  When they are
 * usable here, PROGRAM runs with HM_SIMD=LEVEL, so the library picks them;
 * otherwise this prints why and exits TEST_SKIP (ctest: skipped).  For
 * tests that cannot see the kernels themselves (tests/test_simd.h).
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/hamming.h"
#include "test_simd.h"

int main(int argc, char **argv) {
    hm_simd_level level;
    if (argc < 3) {
        fprintf(stderr, "usage: run_at_level LEVEL PROGRAM [ARGS...]\n");
        return 2;
    }
    const char *slash = strrchr(argv[2], '/');
    test_simd_levels(slash ? slash + 1 : argv[2], argv[1], hm_scan_usable, &level);
    if (setenv("HM_SIMD", hm_simd_name(level), 1) != 0) {
        perror("run_at_level: setenv");
        return 1;
    }
    execv(argv[2], argv + 2);
    perror(argv[2]);
    return 1;
}
