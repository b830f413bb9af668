/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIMD levels of the hand-vectorised kernels: the index's scan kernels
 * (lib/index/hamming.c), PDQ's filter (lib/hash/pdq.c), TMK's level-2
 * sweep (lib/tmk/tmk_score.c) and level-1 filter (lib/tmk/tmk_filter.c).
 * Each of them has a kernel set per level, written once and compiled per
 * target (see those files), and says which CPU features its set of a
 * level needs.
 *
 * A kernel set is usable when this build has it, the CPU has the features
 * it needs, and the environment variable HM_SIMD allows its level:
 * HM_SIMD=portable, avx2 or avx512 caps the level, so that the library
 * behaves as on a CPU without the levels above (other values are
 * ignored).  It is for diagnosis and benchmarks, and for the tests, which
 * run each level in turn and check that a level the machine cannot run is
 * reported as skipped (tests/CMakeLists.txt).
 *
 * Where the choice is made: the CPU's features and HM_SIMD are read once,
 * at the first call of hm_simd_usable (pthread_once), never at load time;
 * each user then picks the highest usable level when it starts work (a
 * query's scan, a PDQ stream).  Nothing is written after that first call.
 * The compiler-cloned loops (HM_CLONES in common.h) are resolved by the
 * dynamic loader from the CPU alone; HM_SIMD does not cap them.
 */
#ifndef HM_SIMD_H
#define HM_SIMD_H

typedef enum hm_simd_level {
    HM_SIMD_PORTABLE = 0,
    HM_SIMD_AVX2 = 1,
    HM_SIMD_AVX512 = 2,
    HM_SIMD_LEVELS
} hm_simd_level;

/* CPU features a kernel set may need (x86-64; none elsewhere). */
enum {
    HM_CPU_POPCNT = 1u << 0,
    HM_CPU_AVX2 = 1u << 1,
    HM_CPU_AVX512F = 1u << 2,
    HM_CPU_AVX512VPOPCNTDQ = 1u << 3,
    HM_CPU_AVX512BW = 1u << 4
};

/* 1 when a kernel set of `level` that needs the CPU features `need`
 * (HM_CPU_* bits) may run here: the CPU has them and HM_SIMD allows the
 * level.  Whether this build has the set is the caller's to check.
 * Thread-safe. */
int hm_simd_usable(hm_simd_level level, unsigned need);
/* Whether a kernel user's set of a level is usable (hm_scan_usable,
 * hm_pdq_isa_available). */
typedef int (*hm_simd_usable_fn)(hm_simd_level level);
/* The highest level whose set `usable` accepts (the portable one always
 * is).  Thread-safe. */
hm_simd_level hm_simd_best(hm_simd_usable_fn usable);
/* The level HM_SIMD allows at most (HM_SIMD_LEVELS - 1 when unset). */
hm_simd_level hm_simd_cap(void);
/* "portable", "avx2", "avx512" (the values of HM_SIMD); NULL for others. */
const char *hm_simd_name(int level);
/* The level `name` names, or -1. */
int hm_simd_parse(const char *name);

/* A function that must be inlined into each target's kernels, so that it
 * is compiled for that target (the bodies written once). */
#define HM_INLINE static inline __attribute__((always_inline))

#endif
