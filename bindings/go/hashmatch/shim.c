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

hm_status hmgo_add(hmgo_target t, uint32_t list, const hm_hash *h, const char *id,
                   const char *labels) {
    return t.txn ? hm_txn_add(t.txn, list, h, id, labels) : hm_index_add(t.idx, list, h, id, labels);
}

hm_status hmgo_remove(hmgo_target t, uint32_t list, const char *id, uint64_t *n) {
    return t.txn ? hm_txn_remove(t.txn, list, id, n) : hm_index_remove(t.idx, list, id, n);
}

hm_status hmgo_list_clear(hmgo_target t, uint32_t list, uint64_t *n) {
    return t.txn ? hm_txn_list_clear(t.txn, list, n) : hm_index_list_clear(t.idx, list, n);
}

hm_status hmgo_set_threshold(hmgo_target t, uint32_t list, int type, int threshold) {
    return t.txn ? hm_txn_list_set_threshold(t.txn, list, type, threshold)
                 : hm_index_list_set_threshold(t.idx, list, type, threshold);
}

hm_status hmgo_set_enabled(hmgo_target t, uint32_t list, int enabled) {
    return t.txn ? hm_txn_list_set_enabled(t.txn, list, enabled)
                 : hm_index_list_set_enabled(t.idx, list, enabled);
}

hm_status hmgo_rename(hmgo_target t, uint32_t list, const char *name) {
    return t.txn ? hm_txn_list_rename(t.txn, list, name) : hm_index_list_rename(t.idx, list, name);
}

hm_status hmgo_commit(hmgo_target t) {
    return t.txn ? hm_txn_commit(t.txn) : hm_index_commit(t.idx);
}

hm_status hmgo_load_list(hmgo_target t, const char *path, const hm_list_load_opts *o,
                         hm_list_load_report *r) {
    return t.txn ? hm_txn_load_list(t.txn, path, o, r) : hm_index_load_list(t.idx, path, o, r);
}

hm_status hmgo_load_list_memory(hmgo_target t, const void *data, size_t size,
                                const char *name, const hm_list_load_opts *o,
                                hm_list_load_report *r) {
    return t.txn ? hm_txn_load_list_memory(t.txn, data, size, name, o, r)
                 : hm_index_load_list_memory(t.idx, data, size, name, o, r);
}

hm_status hmgo_add_video(hmgo_target t, uint32_t list, const hm_video_frame *f, size_t n,
                         const char *id, const char *labels, size_t *added) {
    return t.txn ? hm_txn_add_video(t.txn, list, f, n, id, labels, added)
                 : hm_index_add_video(t.idx, list, f, n, id, labels, added);
}

hm_status hmgo_add_tmk(hmgo_target t, uint32_t list, const hm_tmk *h, const char *id,
                       const char *labels) {
    return t.txn ? hm_txn_add_tmk(t.txn, list, h, id, labels)
                 : hm_index_add_tmk(t.idx, list, h, id, labels);
}

hm_status hmgo_set_tmk_threshold(hmgo_target t, uint32_t list, int level, float threshold) {
    return t.txn ? hm_txn_list_set_tmk_threshold(t.txn, list, level, threshold)
                 : hm_index_list_set_tmk_threshold(t.idx, list, level, threshold);
}
