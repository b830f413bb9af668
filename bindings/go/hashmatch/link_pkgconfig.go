// SPDX-License-Identifier: BSD-3-Clause

//go:build !hashmatch_nopkgconfig

package hashmatch

// The library is found through pkg-config (hashmatch.pc, installed by
// `cmake --install`). Point PKG_CONFIG_PATH at <prefix>/lib/pkgconfig for
// a library installed outside the system paths. Build with the tag
// hashmatch_nopkgconfig to give the flags yourself (CGO_CFLAGS,
// CGO_LDFLAGS), e.g. against a CMake build tree.

// #cgo pkg-config: hashmatch
import "C"
