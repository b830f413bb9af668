/* SPDX-License-Identifier: BSD-3-Clause */
/* C helpers of the Go binding: callbacks and flags that C keeps, which
 * must live in C memory (cgo pointer rules). */
#ifndef HMGO_SHIM_H
#define HMGO_SHIM_H

#include <stdint.h>
#include <stdlib.h>

#include <hashmatch.h>

/* Route a list load's per-line errors to the Go function registered under
 * the cgo.Handle `handle`. */
void hmgo_list_opts_set_callback(hm_list_load_opts *o, uintptr_t handle);

/* Make the video's interrupt callback poll *flag (C memory). */
void hmgo_video_opts_set_flag(hm_video_opts *o, int *flag);
/* Raise the flag (from any thread). */
void hmgo_flag_set(int *flag);

/* Where a writer call stages: the index's shared change set (txn NULL)
 * or a change set of its own, so that the binding has one implementation
 * of each writer call for Index and Txn. */
typedef struct hmgo_target {
    hm_index *idx;
    hm_txn *txn;
} hmgo_target;

hm_status hmgo_add(hmgo_target t, uint32_t list, const hm_hash *h, const char *id,
                   const char *labels);
hm_status hmgo_remove(hmgo_target t, uint32_t list, const char *id, uint64_t *n);
hm_status hmgo_list_clear(hmgo_target t, uint32_t list, uint64_t *n);
hm_status hmgo_set_threshold(hmgo_target t, uint32_t list, int type, int threshold);
hm_status hmgo_set_enabled(hmgo_target t, uint32_t list, int enabled);
hm_status hmgo_rename(hmgo_target t, uint32_t list, const char *name);
hm_status hmgo_commit(hmgo_target t);
hm_status hmgo_load_list(hmgo_target t, const char *path, const hm_list_load_opts *o,
                         hm_list_load_report *r);
hm_status hmgo_load_list_memory(hmgo_target t, const void *data, size_t size,
                                const char *name, const hm_list_load_opts *o,
                                hm_list_load_report *r);
hm_status hmgo_add_video(hmgo_target t, uint32_t list, const hm_video_frame *f, size_t n,
                         const char *id, const char *labels, size_t *added);
hm_status hmgo_add_tmk(hmgo_target t, uint32_t list, const hm_tmk *h, const char *id,
                       const char *labels);
hm_status hmgo_set_tmk_threshold(hmgo_target t, uint32_t list, int level, float threshold);

#endif
