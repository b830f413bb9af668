// SPDX-License-Identifier: BSD-3-Clause

//go:build go1.24

package hashmatch

import "runtime"

// leakNet frees a C object whose Go owner became unreachable without
// Close: a safety net only. Cleanups run late, in no particular order and
// maybe never (not at exit), and the garbage collector does not see C
// memory, so Close is the API.
type leakNet struct {
	c     runtime.Cleanup
	armed bool
}

// armLeakNet arranges for free(arg) to run once obj is unreachable. arg
// must not reference obj.
func armLeakNet[T, A any](obj *T, free func(A), arg A) leakNet {
	return leakNet{c: runtime.AddCleanup(obj, free, arg), armed: true}
}

// disarm cancels the net (Close has freed the object). obj is the owner
// that armLeakNet was given.
func (l *leakNet) disarm(obj any) {
	if l.armed {
		l.c.Stop()
		l.armed = false
	}
}
