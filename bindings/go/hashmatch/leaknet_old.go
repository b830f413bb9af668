// SPDX-License-Identifier: BSD-3-Clause

//go:build !go1.24

package hashmatch

import "runtime"

// leakNet: before Go 1.24 (runtime.AddCleanup) a finalizer does the same
// job. See leaknet_go124.go.
type leakNet struct{}

func armLeakNet[T, A any](obj *T, free func(A), arg A) leakNet {
	runtime.SetFinalizer(obj, func(*T) { free(arg) })
	return leakNet{}
}

func (l *leakNet) disarm(obj any) { runtime.SetFinalizer(obj, nil) }
