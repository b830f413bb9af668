// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// #include <stdlib.h>
// #include <hashmatch.h>
import "C"

import (
	"bufio"
	"errors"
	"io"
	"strconv"
	"strings"
	"unsafe"
)

// VPDQLine returns vPDQ's text line for the frame:
// "frameNumber,quality,pdqhex,timestamp", the timestamp at 3 decimals,
// without a newline.
func (f Frame) VPDQLine() (string, error) {
	var c C.hm_video_frame
	if err := f.toC("VPDQLine", &c); err != nil {
		return "", err
	}
	var buf [256]C.char
	if err := call("VPDQLine", func() C.hm_status {
		return C.hm_vpdq_format_line(&c, &buf[0], C.size_t(len(buf)))
	}); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

// ParseVPDQLine parses one vPDQ line (a trailing newline is allowed) into
// a frame with its PDQ hash.
func ParseVPDQLine(line string) (Frame, error) {
	cl, err := cString("ParseVPDQLine", "line", line)
	if err != nil {
		return Frame{}, err
	}
	defer C.free(unsafe.Pointer(cl))
	var c C.hm_video_frame
	if err := call("ParseVPDQLine", func() C.hm_status { return C.hm_vpdq_parse_line(cl, &c) }); err != nil {
		e := err.(*Error)
		e.Detail += ": " + strconv.Quote(line)
		return Frame{}, e
	}
	return frameFromC(&c), nil
}

// WriteVPDQ writes frames as vPDQ lines, one per frame.
func WriteVPDQ(w io.Writer, frames []Frame) error {
	bw := bufio.NewWriter(w)
	for _, f := range frames {
		line, err := f.VPDQLine()
		if err != nil {
			return err
		}
		bw.WriteString(line)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ReadVPDQ reads a vPDQ file (one line per frame; blank lines are
// skipped). A bad line gives an ErrParse error naming its line number.
func ReadVPDQ(r io.Reader) ([]Frame, error) {
	sc := bufio.NewScanner(r)
	var frames []Frame
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		f, err := ParseVPDQLine(line)
		if err != nil {
			return nil, errorf(ErrParse, "ReadVPDQ", "line "+strconv.Itoa(n)+": "+strconv.Quote(line))
		}
		frames = append(frames, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return frames, nil
}

// FormatVPDQCompact writes python-threatexchange's compact vPDQ signal: a
// JSON list of "pdqhex,quality,timestamp" strings, the timestamp as
// Python's format(t, ".3") prints it.
func FormatVPDQCompact(frames []Frame) (string, error) {
	cf, err := framesToC("FormatVPDQCompact", frames)
	if err != nil {
		return "", err
	}
	var fp *C.hm_video_frame
	if len(cf) > 0 {
		fp = &cf[0]
	}
	size := C.size_t(96*len(frames) + 16)
	for try := 0; ; try++ {
		buf := (*C.char)(C.malloc(size))
		var n C.size_t
		err := call("FormatVPDQCompact", func() C.hm_status {
			return C.hm_vpdq_format_compact(fp, C.size_t(len(cf)), buf, size, &n)
		})
		if err == nil {
			s := C.GoStringN(buf, C.int(n))
			C.free(unsafe.Pointer(buf))
			return s, nil
		}
		C.free(unsafe.Pointer(buf))
		if !errors.Is(err, ErrLimit) || try > 0 {
			return "", err
		}
		size = n + 1 // on ErrLimit, n is what the buffer must hold less its NUL
	}
}

// ParseVPDQCompact parses the compact form into frames (Number is the
// position in the list).
func ParseVPDQCompact(s string) ([]Frame, error) {
	cs, err := cString("ParseVPDQCompact", "input", s)
	if err != nil {
		return nil, err
	}
	defer C.free(unsafe.Pointer(cs))
	// Every frame is one quoted string.
	capacity := strings.Count(s, `"`)/2 + 1
	cf := make([]C.hm_video_frame, capacity)
	var n C.size_t
	if err := call("ParseVPDQCompact", func() C.hm_status {
		return C.hm_vpdq_parse_compact(cs, &cf[0], C.size_t(capacity), &n)
	}); err != nil {
		return nil, err
	}
	frames := make([]Frame, int(n))
	for i := range frames {
		frames[i] = frameFromC(&cf[i])
	}
	return frames, nil
}
