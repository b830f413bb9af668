/* SPDX-License-Identifier: BSD-3-Clause */
/* SIMD levels: the CPU's features and the HM_SIMD cap, read once. */
#include "simd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const char *const kNames[HM_SIMD_LEVELS] = {"portable", "avx2",
                                                   "avx512"};

/* Set once by read_once, then only read. */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static unsigned g_cpu; /* HM_CPU_* bits */
static hm_simd_level g_cap;

static void read_once(void) {
    const int cap = hm_simd_parse(getenv("HM_SIMD"));
    g_cap = cap >= 0 ? (hm_simd_level)cap : HM_SIMD_LEVELS - 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    g_cpu = (__builtin_cpu_supports("popcnt") ? HM_CPU_POPCNT : 0u) |
            (__builtin_cpu_supports("avx2") ? HM_CPU_AVX2 : 0u) |
            (__builtin_cpu_supports("avx512f") ? HM_CPU_AVX512F : 0u) |
            (__builtin_cpu_supports("avx512vpopcntdq") ? HM_CPU_AVX512VPOPCNTDQ
                                                       : 0u) |
            (__builtin_cpu_supports("avx512bw") ? HM_CPU_AVX512BW : 0u);
#endif
}

int hm_simd_usable(hm_simd_level level, unsigned need) {
    pthread_once(&g_once, read_once);
    return level <= g_cap && (g_cpu & need) == need;
}

hm_simd_level hm_simd_cap(void) {
    pthread_once(&g_once, read_once);
    return g_cap;
}

hm_simd_level hm_simd_best(hm_simd_usable_fn usable) {
    int l = HM_SIMD_LEVELS - 1;
    while (l > HM_SIMD_PORTABLE && !usable((hm_simd_level)l)) l--;
    return (hm_simd_level)l;
}

const char *hm_simd_name(int level) {
    return level >= 0 && level < HM_SIMD_LEVELS ? kNames[level] : NULL;
}

int hm_simd_parse(const char *name) {
    for (int l = 0; name && l < HM_SIMD_LEVELS; l++)
        if (strcmp(name, kNames[l]) == 0) return l;
    return -1;
}
