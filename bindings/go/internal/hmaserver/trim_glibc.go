// SPDX-License-Identifier: BSD-3-Clause

//go:build linux && cgo

package hmaserver

// #include <malloc.h>
import "C"

// releaseFreedMemory hands the C heap's free memory back to the system
// (glibc's malloc_trim, every arena). A freed index's memory is free to
// the C allocator, but glibc keeps it in the arena of the thread that
// allocated it, and cgo calls run on many threads: without a trim the
// resident size climbs by steps across reloads (one arena after another
// holding an index's worth of free pages) before it levels off.
func releaseFreedMemory() { C.malloc_trim(0) }
