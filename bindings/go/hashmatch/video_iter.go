// SPDX-License-Identifier: BSD-3-Clause

//go:build go1.23

package hashmatch

import (
	"io"
	"iter"
)

// Frames iterates over the remaining frames. An error ends the iteration
// after being yielded once (with a zero Frame); the end of the video is
// not an error.
//
//	for f, err := range v.Frames() {
//		if err != nil { ... }
//		...
//	}
func (v *Video) Frames() iter.Seq2[Frame, error] {
	return func(yield func(Frame, error) bool) {
		for {
			f, err := v.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(Frame{}, err)
				return
			}
			if !yield(f, nil) {
				return
			}
		}
	}
}
