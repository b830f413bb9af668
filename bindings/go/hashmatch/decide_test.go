// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// Index.Decide / Snapshot.Decide (the C library's hm_index_decide, whose
// rules tests/test_decide.c checks against a brute-force oracle): here,
// real photos and copies re-encoded by Go's image/jpeg through the
// binding, the fields of a Decision against the hashes themselves,
// PDQ-only lists against Query, snapshots, options and arguments.

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	_ "image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

// photo is a reference photo and its hashes of every type.
type photo struct {
	name, path string
	hashes     Hashes
}

var photoCache struct {
	sync.Mutex
	photos []photo
}

// decidePhotos hashes the repository's reference JPEG and PNG images
// (sorted by path; those that both the library and Go decode), once.
func decidePhotos(t *testing.T) []photo {
	t.Helper()
	root := dataPath(t, "pdq-reference")
	photoCache.Lock()
	defer photoCache.Unlock()
	if photoCache.photos == nil {
		photoCache.photos = hashPhotos(t, root)
	}
	return photoCache.photos
}

func hashPhotos(t *testing.T, root string) []photo {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".jpg", ".jpeg", ".png":
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var out []photo
	for _, p := range paths {
		if _, err := decodeFile(p); err != nil {
			continue
		}
		hs, err := HashFile(p, WantAll)
		if err != nil {
			continue
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, photo{rel, p, hs})
	}
	if len(out) < 10 {
		t.Fatalf("only %d photos hashed under %s", len(out), root)
	}
	return out
}

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// reencode decodes a photo with Go's decoders and encodes it again as a
// JPEG of the given quality.
func reencode(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func reencodeFile(t *testing.T, path string, quality int) Hashes {
	t.Helper()
	img, err := decodeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := HashBytes(reencode(t, img, quality), WantAll)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// decideIndex is an index of one list, "known", with every hash of each
// photo under the photo's name, labelled "lab:NAME"; with only, the hashes
// of that type alone.
func decideIndex(t *testing.T, photos []photo, only HashType) *Index {
	t.Helper()
	ix := mustIndex(t)
	list, err := ix.List("known")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range photos {
		for _, h := range p.hashes {
			if only != 0 && h.Type != only {
				continue
			}
			if err := ix.Add(list, h, p.name, "lab:"+p.name); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	return ix
}

func mustDecide(t *testing.T, ix interface {
	Decide([]Hash, ...DecideOption) ([]Decision, error)
}, q []Hash, opts ...DecideOption) []Decision {
	t.Helper()
	ds, err := ix.Decide(q, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func findDecision(ds []Decision, entry string) *Decision {
	for i := range ds {
		if ds[i].EntryID == entry {
			return &ds[i]
		}
	}
	return nil
}

func hasType(ts []HashType, t HashType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func perceptual(t HashType) bool { return t.Want()&WantPerceptual != 0 }

// checkDecision checks a decision on a photo against the hashes of the
// query and of the photo: the types compared, the distances, the types
// that agreed, the rule and the score against its threshold.
func checkDecision(t *testing.T, d *Decision, q, orig Hashes) {
	t.Helper()
	qpdq, _ := q.Get(PDQ)
	for _, ty := range []HashType{PDQ, PHash, DHash, AHash, MD5, SHA256} {
		want := ty != PDQ || qpdq.Quality >= DefaultPDQMinQuality
		if got := hasType(d.Types, ty); got != want {
			t.Errorf("%s: %s compared %v, want %v (types %v)", d.EntryID, ty, got, want, d.Types)
		}
	}
	if len(d.Distances) != len(d.Types) {
		t.Errorf("%s: distances %v for types %v", d.EntryID, d.Distances, d.Types)
	}
	var nperc int
	for _, ty := range d.Types {
		a, _ := q.Get(ty)
		b, _ := orig.Get(ty)
		dist, err := a.Distance(b)
		if err != nil {
			t.Fatal(err)
		}
		if (ty == MD5 || ty == SHA256) && dist != 0 {
			dist = 1 // a decision's digests: equal (0) or not (1)
		}
		if d.Distances[ty] != dist {
			t.Errorf("%s: %s distance %d, the hashes' %d", d.EntryID, ty, d.Distances[ty], dist)
		}
		if agreed := dist <= ty.DefaultThreshold(); hasType(d.Agreed, ty) != agreed {
			t.Errorf("%s: %s at %d agreed %v (agreed %v)", d.EntryID, ty, dist, !agreed, d.Agreed)
		}
		if perceptual(ty) {
			nperc++
		}
	}
	for _, ty := range d.Agreed {
		if !hasType(d.Types, ty) {
			t.Errorf("%s: %s agreed but not compared", d.EntryID, ty)
		}
	}
	if d.HasScore != (nperc > 0) || (!d.HasScore && d.Score != 0) {
		t.Errorf("%s: score %v (has %v) with %d perceptual types", d.EntryID, d.Score, d.HasScore, nperc)
	}
	switch d.Rule {
	case RuleExact:
		if !hasType(d.Agreed, MD5) && !hasType(d.Agreed, SHA256) {
			t.Errorf("%s: exact without an equal digest (%v)", d.EntryID, d.Agreed)
		}
	case RulePDQ:
		if !hasType(d.Agreed, PDQ) {
			t.Errorf("%s: rule pdq without PDQ agreeing", d.EntryID)
		}
	case RuleSingle:
		if nperc != 1 {
			t.Errorf("%s: rule single with %d perceptual types", d.EntryID, nperc)
		}
	case RuleFused:
		if nperc < 2 || !(d.Score <= d.Threshold) {
			t.Errorf("%s: fused with %d types, score %v over %v", d.EntryID, nperc, d.Score, d.Threshold)
		}
	default:
		t.Errorf("%s: rule %v", d.EntryID, d.Rule)
	}
}

func TestDecideReencodedCopiesFindTheirOriginal(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos, 0)
	for _, p := range photos {
		q := reencodeFile(t, p.path, 40)
		ds := mustDecide(t, ix, q)
		d := findDecision(ds, p.name)
		if d == nil {
			t.Errorf("%s: its copy at quality 40 decides %d items, not it", p.name, len(ds))
			continue
		}
		if d.ListName != "known" || d.List != 0 || d.Labels != "lab:"+p.name {
			t.Errorf("%s: list %d %q, labels %q", p.name, d.List, d.ListName, d.Labels)
		}
		// the copy's digests differ: the perceptual types decide
		if d.Rule == RuleExact {
			t.Errorf("%s: a re-encoded copy matched by a digest", p.name)
		}
		checkDecision(t, d, q, p.hashes)
		if d.Distances[PDQ] <= DefaultPDQThreshold && hasType(d.Types, PDQ) && d.Rule != RulePDQ {
			t.Errorf("%s: PDQ at %d decided by rule %v", p.name, d.Distances[PDQ], d.Rule)
		}
		if d.Threshold != DecideScoreFPR1e4 || d.Comparisons != 1 {
			t.Errorf("%s: threshold %v over %d comparisons, want %v over 1",
				p.name, d.Threshold, d.Comparisons, DecideScoreFPR1e4)
		}
		// ordered by rule, then score
		for i := 1; i < len(ds); i++ {
			a, b := ds[i-1], ds[i]
			if a.Rule > b.Rule || (a.Rule == b.Rule && a.HasScore && b.HasScore && a.Score > b.Score) {
				t.Errorf("%s: decisions out of order: %v %v then %v %v", p.name, a.Rule, a.Score, b.Rule, b.Score)
			}
		}
	}
}

func TestDecideTheOriginalIsExact(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos, 0)
	for _, p := range photos[:5] {
		ds := mustDecide(t, ix, p.hashes)
		if len(ds) == 0 || ds[0].EntryID != p.name || ds[0].Rule != RuleExact {
			t.Fatalf("%s: decisions %+v", p.name, ds)
		}
		checkDecision(t, &ds[0], p.hashes, p.hashes)
		if ds[0].Distances[MD5] != 0 || ds[0].Distances[SHA256] != 0 {
			t.Errorf("%s: digest distances %v", p.name, ds[0].Distances)
		}
	}
}

func TestDecidePDQOnlyListKeepsPDQsRule(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos, PDQ)
	found := 0
	for _, p := range photos {
		q := reencodeFile(t, p.path, 30)
		pdq, _ := q.Get(PDQ)
		ms, err := ix.Query([]Hash{pdq})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{} // entry -> distance
		for _, m := range ms {
			want[m.EntryID] = m.Distance
		}
		ds := mustDecide(t, ix, q)
		got := map[string]int{}
		for _, d := range ds {
			got[d.EntryID] = d.Distances[PDQ]
			if d.Rule != RulePDQ || !reflect.DeepEqual(d.Types, []HashType{PDQ}) ||
				!reflect.DeepEqual(d.Agreed, []HashType{PDQ}) {
				t.Errorf("%s: %s decided by %v on %v (agreed %v)", p.name, d.EntryID, d.Rule, d.Types, d.Agreed)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Decide gives %v, Query %v", p.name, got, want)
		}
		found += len(got)
	}
	if found < len(photos)/2 {
		t.Errorf("only %d decisions for %d copies: the test checks little", found, len(photos))
	}
}

func TestDecideSnapshotDecidesAsTheIndex(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos[1:], 0)
	snap, err := ix.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	for _, p := range photos[1:6] {
		q := reencodeFile(t, p.path, 60)
		a, b := mustDecide(t, snap, q), mustDecide(t, ix, q)
		if len(a) == 0 || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: snapshot %+v, index %+v", p.name, a, b)
		}
	}
	// The snapshot keeps its state when the index changes.
	list, _ := ix.List("known")
	for _, h := range photos[0].hashes {
		if err := ix.Add(list, h, photos[0].name, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if findDecision(mustDecide(t, ix, photos[0].hashes), photos[0].name) == nil {
		t.Errorf("the index does not decide the item just added")
	}
	if findDecision(mustDecide(t, snap, photos[0].hashes), photos[0].name) != nil {
		t.Errorf("the snapshot decides an item added after it")
	}
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := snap.Decide(photos[0].hashes); !errors.Is(err, ErrClosed) {
		t.Errorf("Decide on a closed snapshot: %v", err)
	}
}

func TestDecideStricterThresholdGivesASubset(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos, 0)
	for _, p := range photos[:8] {
		q := reencodeFile(t, p.path, 20)
		loose := map[string]bool{}
		for _, d := range mustDecide(t, ix, q) {
			loose[d.EntryID] = true
		}
		for _, d := range mustDecide(t, ix, q, WithMaxScore(DecideScoreFPR1e6)) {
			if !loose[d.EntryID] {
				t.Errorf("%s: %s decided at 1e-6, not at 1e-4", p.name, d.EntryID)
			}
			if d.Threshold != DecideScoreFPR1e6 || (d.Rule == RuleFused && d.Score > DecideScoreFPR1e6) {
				t.Errorf("%s: %s %v score %v threshold %v", p.name, d.EntryID, d.Rule, d.Score, d.Threshold)
			}
		}
	}
}

func TestDecideOptions(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos, 0)
	// A mirrored copy: found with WithDihedral only, over 8 variants.
	var p photo
	for _, x := range photos {
		if strings.Contains(x.name, "pen-and-coaster") {
			p = x
		}
	}
	if p.path == "" {
		t.Fatal("pen-and-coaster.png not among the photos")
	}
	img, err := decodeFile(p.path)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	mirror := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			mirror.Set(b.Max.X-1-(x-b.Min.X), y, img.At(x, y))
		}
	}
	q, err := HashBytes(reencode(t, mirror, 95), WantPerceptual|WantDihedral)
	if err != nil {
		t.Fatal(err)
	}
	var originals []Hash
	for _, h := range q {
		if h.Variant == Original {
			originals = append(originals, h)
		}
	}
	if d := findDecision(mustDecide(t, ix, originals), p.name); d != nil {
		t.Errorf("a mirrored copy decided without dihedral matching: %+v", d)
	}
	d := findDecision(mustDecide(t, ix, q, WithDihedral()), p.name)
	if d == nil || d.Comparisons != 8 {
		t.Fatalf("a mirrored copy with WithDihedral: %+v", d)
	}
	if d.Threshold >= DecideScoreFPR1e4 {
		t.Errorf("threshold %v not tightened for 8 comparisons", d.Threshold)
	}

	// WithMinQuality(101) leaves PDQ out; WithMinQuality(0) keeps it.
	r := reencodeFile(t, p.path, 40)
	if d := findDecision(mustDecide(t, ix, r, WithMinQuality(101)), p.name); d == nil || hasType(d.Types, PDQ) {
		t.Errorf("WithMinQuality(101): %+v", d)
	}
	if d := findDecision(mustDecide(t, ix, r, WithMinQuality(0)), p.name); d == nil || !hasType(d.Types, PDQ) {
		t.Errorf("WithMinQuality(0): %+v", d)
	}

	// A disabled list decides nothing unless WithDisabledLists.
	if err := ix.SetEnabled(0, false); err != nil {
		t.Fatal(err)
	}
	if err := ix.Commit(); err != nil {
		t.Fatal(err)
	}
	if ds := mustDecide(t, ix, p.hashes); len(ds) != 0 {
		t.Errorf("a disabled list decided %d items", len(ds))
	}
	if d := findDecision(mustDecide(t, ix, p.hashes, WithDisabledLists()), p.name); d == nil || d.Rule != RuleExact {
		t.Errorf("WithDisabledLists: %+v", d)
	}
}

func TestDecideBadArguments(t *testing.T) {
	photos := decidePhotos(t)
	ix := decideIndex(t, photos[:2], 0)
	for _, bad := range []float64{0, 1.5, math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := ix.Decide(photos[0].hashes, WithMaxScore(bad))
		wantStatus(t, err, ErrInvalidArgument)
		if !strings.Contains(err.Error(), "max_score") {
			t.Errorf("max score %v: %v", bad, err)
		}
	}
	_, err := ix.Decide([]Hash{{Type: HashTypeMax + 1}})
	wantStatus(t, err, ErrInvalidArgument)
	if ds, err := ix.Decide(nil); err != nil || len(ds) != 0 {
		t.Errorf("no hashes: %v, %v", ds, err)
	}
	ix.Close()
	if _, err := ix.Decide(photos[0].hashes); !errors.Is(err, ErrClosed) {
		t.Errorf("Decide on a closed index: %v", err)
	}
}

func TestRuleString(t *testing.T) {
	for r, want := range map[Rule]string{RuleExact: "exact", RulePDQ: "pdq", RuleSingle: "single",
		RuleFused: "fused", 0: "Rule(0)", 9: "Rule(9)"} {
		if r.String() != want {
			t.Errorf("%d: %q, want %q", int(r), r.String(), want)
		}
	}
	if !(DecideScoreFPR1e6 < DecideScoreFPR1e4 && DecideScoreFPR1e4 < 0) {
		t.Errorf("thresholds %v, %v", DecideScoreFPR1e4, DecideScoreFPR1e6)
	}
}
