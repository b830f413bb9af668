// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"reflect"
	"testing"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// An upload that asks for vpdq and tmk gets them from one decoding: the
// same text as each hashed alone (two decodings), the tmk the reference's
// .tmk file; in keyframe mode too (every frame is then decoded, and vPDQ
// takes the keyframes).
func TestHashContentVPDQAndTMKFromOneDecoding(t *testing.T) {
	ctx := context.Background()
	video := readData(t, "video", "test-padded-dimensions.mp4")
	refTmk := readData(t, "tmk", "expected", "tmk", "test-padded-dimensions.tmk")
	vpdq, tmk := findSignalType("vpdq"), findSignalType("tmk")
	for _, vopts := range []*hashmatch.VideoOptions{nil, {Mode: hashmatch.FramesAll},
		{Mode: hashmatch.FramesKeyframes}} {
		both, err := hashContent(ctx, contentVideo, []*signalType{vpdq, tmk}, video, vopts)
		if err != nil {
			t.Fatalf("%+v: vpdq and tmk: %v", vopts, err)
		}
		aloneVPDQ, err := hashContent(ctx, contentVideo, []*signalType{vpdq}, video, vopts)
		if err != nil {
			t.Fatal(err)
		}
		aloneTMK, err := hashContent(ctx, contentVideo, []*signalType{tmk}, video, vopts)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"vpdq": aloneVPDQ["vpdq"], "tmk": aloneTMK["tmk"]}
		if !reflect.DeepEqual(both, want) {
			t.Errorf("%+v: one decoding %.80v, apart %.80v", vopts, both, want)
		}
		if frames, err := hashmatch.ParseVPDQCompact(both["vpdq"]); err != nil || len(frames) == 0 {
			t.Errorf("%+v: vpdq %.80q: %d frames (%v)", vopts, both["vpdq"], len(frames), err)
		}
		if raw, err := base64.StdEncoding.DecodeString(both["tmk"]); err != nil || !bytes.Equal(raw, refTmk) {
			t.Errorf("%+v: tmk is not the reference .tmk in base64 (%v)", vopts, err)
		}
	}
	// the one decoding's functions directly: the same as the two apart
	v, tm, err := hashVPDQAndTMK(ctx, video, nil)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := hashVPDQ(ctx, video, nil)
	if err != nil {
		t.Fatal(err)
	}
	tm2, err := hashTMK(ctx, video, nil)
	if err != nil || v != v2 || tm != tm2 {
		t.Errorf("hashVPDQAndTMK differs from hashVPDQ and hashTMK (%v)", err)
	}
	// errors of the one decoding reach the caller: not a video, a limit
	// that TMK's frames hit
	if _, _, err := hashVPDQAndTMK(ctx, []byte("not a video at all"), nil); !errors.Is(err, hashmatch.ErrUnknownFormat) {
		t.Errorf("not a video: %v", err)
	}
	_, err = hashContent(ctx, contentVideo, []*signalType{vpdq, tmk}, video, &hashmatch.VideoOptions{MaxFrames: 10})
	if !errors.Is(err, hashmatch.ErrLimit) {
		t.Errorf("max frames: %v", err)
	}
}
