// SPDX-License-Identifier: BSD-3-Clause

//go:build hashmatch_nopkgconfig

package hashmatch

// Without pkg-config: CGO_CFLAGS must name the include directory
// (-I<repo>/include) and CGO_LDFLAGS the library's directory
// (-L<build> and, for running, -Wl,-rpath,<build>).

// #cgo LDFLAGS: -lhashmatch
import "C"
