/* SPDX-License-Identifier: BSD-3-Clause */
#include "shim.h"

#include "_cgo_export.h"

static void list_error(void *user, const char *source, uint64_t line,
                       const char *message) {
    hmgoListError((uintptr_t)user, (char *)source, line, (char *)message);
}

void hmgo_list_opts_set_callback(hm_list_load_opts *o, uintptr_t handle) {
    o->on_error = list_error;
    o->user = (void *)handle;
}

/* Polled by libhashmatch during open and decoding: an atomic load, no
 * call into Go. */
static int video_interrupt(void *user) {
    return __atomic_load_n((int *)user, __ATOMIC_ACQUIRE);
}

void hmgo_video_opts_set_flag(hm_video_opts *o, int *flag) {
    o->interrupt = video_interrupt;
    o->user = flag;
}

void hmgo_flag_set(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }
