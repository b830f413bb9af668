// SPDX-License-Identifier: BSD-3-Clause

//go:build linux && cgo

package hmaserver

// #include <malloc.h>
// #include <stdlib.h>
// static void limit_arenas(int n) {
//     if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, n);
// }
import "C"

// LimitArenas caps glibc's malloc arenas at 2 (unless MALLOC_ARENA_MAX is
// set): call it first thing in main. cgo calls run on many threads, and
// glibc gives threads arenas of their own (up to 8 per CPU); an index
// loaded on one thread and freed on another leaves free pages spread over
// arenas that malloc_trim cannot all hand back, so without the cap the
// resident size of a server that reloads rose by about one index's size
// over 150 reloads before it levelled off (bench/RESULTS.md); with it,
// it stays flat.
func LimitArenas() { C.limit_arenas(2) }

// releaseFreedMemory hands the C heap's free memory back to the system
// (glibc's malloc_trim, every arena). A freed index's memory is free to
// the C allocator, but glibc keeps it in the arena of the thread that
// allocated it, and cgo calls run on many threads: without a trim the
// resident size climbs by steps across reloads (one arena after another
// holding an index's worth of free pages) before it levels off.
func releaseFreedMemory() { C.malloc_trim(0) }
