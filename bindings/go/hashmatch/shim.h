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

#endif
