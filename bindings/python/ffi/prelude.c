/* SPDX-License-Identifier: BSD-3-Clause */
/* C prelude of the cffi module hashmatch._native (API mode). */
#include <hashmatch.h>

/* hm_video_opts.interrupt: returns the flag, which hmpy_flag_set() (called
 * from another Python thread) raises to cancel a video in progress. */
static int hmpy_interrupt(void *flag) {
    return __atomic_load_n((const int *)flag, __ATOMIC_RELAXED);
}

static void hmpy_flag_set(int *flag, int value) {
    __atomic_store_n(flag, value, __ATOMIC_RELAXED);
}
