// SPDX-License-Identifier: BSD-3-Clause

package hmaserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// Content types, named as HMA names them: the multipart field of an upload
// and the content_type of its signal types.
const (
	contentPhoto = "photo"
	contentVideo = "video"
)

// signalKind says how a signal type's values are parsed, indexed and
// matched.
type signalKind int

const (
	kindHash signalKind = iota // one hash of the index (Query)
	kindVPDQ                   // a video's frames (MatchVideo)
	kindTMK                    // a TMK+PDQF hash (MatchTmk)
)

// signalType is one signal type of the API. The names are
// python-threatexchange's (pdq, md5, video_md5, vpdq, tmk); phash, dhash,
// ahash and the pHash.org packings (the library's type names:
// phashorg_v09, phashorg_2014, phashorg_2026; HMA has no pHash.org
// signal type) are ours.
type signalType struct {
	Name    string
	Alias   string             // another name lookups accept ("" for none)
	Content string             // contentPhoto or contentVideo
	Kind    signalKind         // how values are matched
	Hash    hashmatch.HashType // the index's hash type (kindHash)
	Default bool               // hashed by /h/hash when no types= is given
}

// signalTypes is the one table of the server's signal types, in the order
// the API lists them. md5 and video_md5 are both the MD5 of the file's
// bytes: they share the index's MD5 entries.
var signalTypes = []signalType{
	{Name: "pdq", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.PDQ, Default: true},
	{Name: "md5", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.MD5, Default: true},
	{Name: "phash", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.PHash},
	{Name: "dhash", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.DHash},
	{Name: "ahash", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.AHash},
	// pHash.org's hash, one signal type per packing: values of different
	// packings never match each other (the index keeps them apart).
	{Name: "phashorg_v09", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.PHashOrgV09},
	{Name: "phashorg_2014", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.PHashOrg2014},
	{Name: "phashorg_2026", Content: contentPhoto, Kind: kindHash, Hash: hashmatch.PHashOrg2026},
	{Name: "video_md5", Content: contentVideo, Kind: kindHash, Hash: hashmatch.MD5, Default: true},
	{Name: "vpdq", Content: contentVideo, Kind: kindVPDQ, Default: true},
	// video_tmk_pdqf: the name of hashmatch.pytx's TMK+PDQF signal type,
	// which an HMA configured with that extension uses (docs/pytx.md).
	{Name: "tmk", Alias: "video_tmk_pdqf", Content: contentVideo, Kind: kindTMK, Default: true},
}

func findSignalType(name string) *signalType {
	for i := range signalTypes {
		if signalTypes[i].Name == name || (signalTypes[i].Alias != "" && signalTypes[i].Alias == name) {
			return &signalTypes[i]
		}
	}
	return nil
}

// signalTypeConfig is HMA's entry of GET /c/signal_type.
type signalTypeConfig struct {
	Name         string  `json:"name"`
	EnabledRatio float64 `json:"enabled_ratio"`
}

// contentTypeConfig is HMA's entry of GET /c/content_type.
type contentTypeConfig struct {
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// signalTypeConfigs lists the signal types as HMA's GET /c/signal_type
// does: every one is enabled (ratio 1); the server has no per-type switch.
func signalTypeConfigs() []signalTypeConfig {
	out := make([]signalTypeConfig, len(signalTypes))
	for i, st := range signalTypes {
		out[i] = signalTypeConfig{Name: st.Name, EnabledRatio: 1}
	}
	return out
}

// contentTypeConfigs lists the content types as HMA's GET /c/content_type.
func contentTypeConfigs() []contentTypeConfig {
	return []contentTypeConfig{{Name: contentPhoto, Enabled: true}, {Name: contentVideo, Enabled: true}}
}

// contentSignalTypes selects the signal types of an upload of the given
// content type: those named in types (HMA's comma-separated `types`
// parameter), or the content type's defaults when types is empty.
func contentSignalTypes(content, types string) ([]*signalType, error) {
	if content != contentPhoto && content != contentVideo {
		return nil, fmt.Errorf("no such content_type: '%s'", content)
	}
	var out []*signalType
	if types == "" {
		for i := range signalTypes {
			if st := &signalTypes[i]; st.Content == content && st.Default {
				out = append(out, st)
			}
		}
		return out, nil
	}
	for _, name := range strings.Split(types, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		st := findSignalType(name)
		if st == nil || st.Content != content {
			return nil, fmt.Errorf("signal type '%s' doesn't exist or is disabled", name)
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty signal type selection")
	}
	return out, nil
}

// signal is a parsed signal value. Close releases a TMK hash's C memory.
type signal struct {
	Type   *signalType
	Hash   hashmatch.Hash    // kindHash
	Frames []hashmatch.Frame // kindVPDQ
	Tmk    *hashmatch.Tmk    // kindTMK
}

func (s signal) Close() {
	if s.Tmk != nil {
		s.Tmk.Close()
	}
}

// parseSignal parses a signal value in its type's text form: hex for the
// hashes, python-threatexchange's compact JSON list for vPDQ, TCAP's
// base64 of the .tmk file for TMK.
func parseSignal(st *signalType, value string) (signal, error) {
	s := signal{Type: st}
	var err error
	switch st.Kind {
	case kindHash:
		s.Hash, err = hashmatch.Parse(st.Hash, strings.TrimSpace(value))
	case kindVPDQ:
		s.Frames, err = hashmatch.ParseVPDQCompact(value)
		if err == nil && len(s.Frames) == 0 {
			err = fmt.Errorf("no frames")
		}
	case kindTMK:
		s.Tmk, err = hashmatch.ParseTmkBase64(strings.TrimSpace(value))
	}
	if err != nil {
		return signal{}, fmt.Errorf("invalid %s signal: %v", st.Name, err)
	}
	return s, nil
}

// hashContent hashes an upload of one content type to the text form of
// each asked signal type, as /h/hash returns it.
func hashContent(ctx context.Context, content string, types []*signalType,
	data []byte, vopts *hashmatch.VideoOptions) (map[string]string, error) {
	out := make(map[string]string, len(types))
	hashes, err := hashSignals(data, types)
	if err != nil {
		return nil, err
	}
	for name, h := range hashes {
		out[name] = h.String()
	}
	var vpdq, tmk *signalType
	for _, st := range types {
		switch st.Kind {
		case kindVPDQ:
			vpdq = st
		case kindTMK:
			tmk = st
		}
	}
	switch {
	case vpdq != nil && tmk != nil:
		out[vpdq.Name], out[tmk.Name], err = hashVPDQAndTMK(ctx, data, vopts)
	case vpdq != nil:
		out[vpdq.Name], err = hashVPDQ(ctx, data, vopts)
	case tmk != nil:
		// alone, TMK skips the frames its 15 fps output drops
		out[tmk.Name], err = hashTMK(ctx, data, vopts)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// hashSignals computes the signals of types that are one hash (image
// hashes and MD5), in one call of the library, by signal type name; the
// others are skipped.
func hashSignals(data []byte, types []*signalType) (map[string]hashmatch.Hash, error) {
	var want hashmatch.Types
	for _, st := range types {
		if st.Kind == kindHash {
			want |= st.Hash.Want()
		}
	}
	out := map[string]hashmatch.Hash{}
	if want == 0 {
		return out, nil
	}
	// A video's MD5 reads its bytes only: the library decodes nothing
	// when only digests are asked for.
	hashes, err := hashmatch.HashBytes(data, want)
	if err != nil {
		return nil, err
	}
	for _, st := range types {
		if st.Kind != kindHash {
			continue
		}
		h, ok := hashes.Get(st.Hash)
		if !ok {
			return nil, fmt.Errorf("no %s hash computed", st.Name)
		}
		out[st.Name] = h
	}
	return out, nil
}

// readVideo decodes a video once: its vPDQ frames, and with tmk its
// TMK+PDQF hash too (the caller closes it).
func readVideo(ctx context.Context, data []byte, vopts *hashmatch.VideoOptions, tmk bool) ([]hashmatch.Frame, *hashmatch.Tmk, error) {
	var o hashmatch.VideoOptions
	if vopts != nil {
		o = *vopts
	}
	o.Tmk = tmk
	v, err := hashmatch.OpenVideoBytes(ctx, data, &o)
	if err != nil {
		return nil, nil, err
	}
	defer v.Close()
	frames, err := v.ReadAll()
	if err != nil || !tmk {
		return frames, nil, err
	}
	t, err := v.TakeTmk()
	return frames, t, err
}

func hashVPDQ(ctx context.Context, data []byte, vopts *hashmatch.VideoOptions) (string, error) {
	frames, _, err := readVideo(ctx, data, vopts, false)
	if err != nil {
		return "", err
	}
	return hashmatch.FormatVPDQCompact(frames)
}

func hashTMK(ctx context.Context, data []byte, vopts *hashmatch.VideoOptions) (string, error) {
	t, _, err := hashmatch.HashTmkBytes(ctx, data, vopts)
	if err != nil {
		return "", err
	}
	defer t.Close()
	return t.Base64()
}

// hashVPDQAndTMK gives both signals of a video from one decoding.
func hashVPDQAndTMK(ctx context.Context, data []byte, vopts *hashmatch.VideoOptions) (vpdq, tmk string, err error) {
	frames, t, err := readVideo(ctx, data, vopts, true)
	if err != nil {
		return "", "", err
	}
	defer t.Close()
	if vpdq, err = hashmatch.FormatVPDQCompact(frames); err != nil {
		return "", "", err
	}
	if tmk, err = t.Base64(); err != nil {
		return "", "", err
	}
	return vpdq, tmk, nil
}
