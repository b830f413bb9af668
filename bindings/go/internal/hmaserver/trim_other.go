// SPDX-License-Identifier: BSD-3-Clause

//go:build !(linux && cgo)

package hmaserver

// releaseFreedMemory: glibc's malloc_trim is Linux's; elsewhere the
// allocator keeps its own policy.
func releaseFreedMemory() {}

// LimitArenas: a glibc setting (see trim_glibc.go); nothing elsewhere.
func LimitArenas() {}
