// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <hashmatch.h>
import "C"

import (
	"errors"
	"runtime"
	"strings"
)

// Status is a libhashmatch status code (the C hm_status). Codes are fixed
// forever. Each non-zero Status is an error value in its own right, so the
// constants below work as sentinels with errors.Is:
//
//	if errors.Is(err, hashmatch.ErrDecode) { ... }
//
// Errors returned by this package are *Error values that carry the Status
// and the C library's detail message; use errors.As to read them.
type Status int

// The C library's status codes (hm_status), as sentinel errors.
const (
	ErrInvalidArgument Status = -1  // NULL pointer, bad size, bad value
	ErrNoMemory        Status = -2  // an allocation failed
	ErrIO              Status = -3  // a file could not be opened or read
	ErrUnknownFormat   Status = -4  // content matches no supported format
	ErrDecode          Status = -5  // corrupt, truncated or unsupported media
	ErrLimit           Status = -6  // a limit was exceeded (configured, or an output capacity)
	ErrParse           Status = -7  // a malformed hash string or list line
	ErrTypeMismatch    Status = -8  // hashes of different types compared
	ErrUnsupported     Status = -9  // a valid request this build cannot serve
	ErrInternal        Status = -10 // a bug in libhashmatch
	ErrCorrupt         Status = -11 // a corrupt or unknown-version index file
	ErrNotFound        Status = -12 // no such list
	ErrCancelled       Status = -13 // cancelled (context done)
)

// Error returns the C library's static description of the code.
func (s Status) Error() string {
	return C.GoString(C.hm_strerror(C.int(s)))
}

// Name returns the code's C name ("HM_E_LIMIT"), or "" for a value that is
// no code.
func (s Status) Name() string {
	if p := C.hm_status_name(C.int(s)); p != nil {
		return C.GoString(p)
	}
	return ""
}

// Errors of the Go binding itself (no C status behind them).
var (
	// ErrClosed: a method was called on an object after its Close.
	ErrClosed = errors.New("hashmatch: object is closed")
	// ErrHasherBusy: the Hasher is in use by an open Video, which owns it
	// until Video.Close.
	ErrHasherBusy = errors.New("hashmatch: hasher is in use by an open video")
)

// Error is a failed libhashmatch call: the C status, the operation and the
// C library's detail message of the call (which file, which line, which
// limit). errors.Is(err, ErrDecode) and the like compare Status; Unwrap
// gives the cause when there is one (context.Canceled or
// context.DeadlineExceeded for a cancelled video).
type Error struct {
	Status Status // the C status code
	Op     string // the operation, e.g. "HashFile"
	Detail string // the C library's detail message; may be empty
	cause  error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hashmatch: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Status.Error())
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Is reports whether target is this error's Status.
func (e *Error) Is(target error) bool {
	s, ok := target.(Status)
	return ok && s == e.Status
}

// Unwrap returns the cause (a context error), or nil.
func (e *Error) Unwrap() error { return e.cause }

// call makes one libhashmatch call and returns its error, if any, with
// the C library's message of it. The message is per OS thread
// (hm_last_error) and a goroutine may move to another thread between two
// cgo calls, so the goroutine stays locked to its thread from the call to
// the reading of the message. Every C call that returns a status goes
// through call.
func call(op string, c func() C.hm_status) error {
	runtime.LockOSThread()
	st := c()
	var err error
	if st != C.HM_OK {
		err = &Error{Status: Status(st), Op: op, Detail: C.GoString(C.hm_last_error())}
	}
	runtime.UnlockOSThread()
	return err
}

func errorf(st Status, op, detail string) error {
	return &Error{Status: st, Op: op, Detail: detail}
}
