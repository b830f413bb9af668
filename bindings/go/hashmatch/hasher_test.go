// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	_ "image/jpeg"
	"image/png"
	"os"
	"strconv"
	"sync"
	"testing"
)

const (
	bridgePDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	bridgeMD5 = "d35c785545392755e7e4164457657269"
)

func TestHashFileBridge(t *testing.T) {
	h := mustHasher(t, nil)
	hs, info, err := h.HashFileInfo("testdata/bridge.jpg", WantAll)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		t HashType
		s string
	}{{PDQ, bridgePDQ}, {PHash, "aca29c1c33dc23d7"}, {DHash, "b7b78fa7173336d6"},
		{AHash, "43d3e3010110fa3a"}, {MD5, bridgeMD5}}
	if len(hs) != 6 {
		t.Fatalf("%d hashes", len(hs))
	}
	for i, w := range want {
		if hs[i].Type != w.t || hs[i].String() != w.s {
			t.Errorf("hash %d: %v %s, want %v %s", i, hs[i].Type, hs[i], w.t, w.s)
		}
	}
	if hs[0].Quality != 100 || hs[1].Quality != -1 {
		t.Errorf("quality %d %d", hs[0].Quality, hs[1].Quality)
	}
	if hs[5].Type != SHA256 || len(hs[5].Bytes()) != 32 {
		t.Errorf("sha256 %v", hs[5])
	}
	if info.Width != 1600 || info.Height != 1004 || info.Format != FormatJPEG || info.Channels != 3 {
		t.Errorf("info %+v", info)
	}
	if info.Format.String() != "jpeg" {
		t.Errorf("format name %q", info.Format)
	}
	// Same through memory and through the pooled package-level calls.
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if DetectFormat(data) != FormatJPEG {
		t.Error("DetectFormat")
	}
	for name, fn := range map[string]func() (Hashes, error){
		"HashBytes":         func() (Hashes, error) { return h.HashBytes(data, WantAll) },
		"package HashFile":  func() (Hashes, error) { return HashFile("testdata/bridge.jpg", WantAll) },
		"package HashBytes": func() (Hashes, error) { return HashBytes(data, WantAll) },
	} {
		got, err := fn()
		if err != nil || len(got) != len(hs) {
			t.Fatalf("%s: %v %v", name, got, err)
		}
		for i := range got {
			if got[i] != hs[i] {
				t.Errorf("%s: hash %d %v, want %v", name, i, got[i], hs[i])
			}
		}
	}
	if p, ok := hs.Get(PHash); !ok || p.String() != "aca29c1c33dc23d7" {
		t.Error("Hashes.Get")
	}
	if _, ok := Hashes(hs[:1]).Get(MD5); ok {
		t.Error("Hashes.Get absent")
	}
}

// The reference vectors, as the C suite checks them (tests/test_reference.c),
// through the binding: every flavour and type reaches the C library intact.
func TestReferenceVectors(t *testing.T) {
	for _, c := range []struct {
		csv     string
		flavour PDQFlavour
	}{{"pdq-fullres-core.csv", PDQFullRes}, {"pdq-cpp-cli-512prescale.csv", PDQCpp512}} {
		h := mustHasher(t, &HasherOptions{PDQFlavour: c.flavour})
		n := 0
		for _, row := range readCSV(t, c.csv) {
			path := refPath(t, row[0])
			if !exists(path) {
				continue
			}
			n++
			hs, err := h.HashFile(path, WantPDQ)
			if err != nil {
				t.Fatal(err)
			}
			q, _ := strconv.Atoi(row[2])
			if hs[0].String() != row[1] || hs[0].Quality != q {
				t.Errorf("%s %s: %s q%d, want %s q%d", c.csv, row[0], hs[0], hs[0].Quality, row[1], q)
			}
		}
		if n < 30 {
			t.Errorf("%s: only %d images", c.csv, n)
		}
	}
	h := mustHasher(t, nil)
	n := 0
	for _, row := range readCSV(t, "imagehash-4.3.2-pillow-9.4.0.csv") {
		path := refPath(t, row[0])
		if !exists(path) {
			continue
		}
		n++
		hs, err := h.HashFile(path, WantAHash|WantPHash|WantDHash)
		if err != nil {
			t.Fatal(err)
		}
		if hs[0].String() != row[4] || hs[1].String() != row[5] || hs[2].String() != row[3] {
			t.Errorf("%s: %v, want phash %s dhash %s ahash %s", row[0], hs, row[4], row[5], row[3])
		}
	}
	if n < 36 {
		t.Errorf("imagehash: only %d images", n)
	}
}

func TestDihedral64AndTrimmed(t *testing.T) {
	h := mustHasher(t, nil)
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := h.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// the photo in a white frame of 30 columns and 40 rows
	const bx, by = 30, 40
	w, ht := img.Bounds().Dx(), img.Bounds().Dy()
	cw, ch := w+2*bx, ht+2*by
	framed := make([]byte, cw*ch*3)
	for i := range framed {
		framed[i] = 250
	}
	plain := make([]byte, w*ht*3)
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			px := []byte{byte(r >> 8), byte(g >> 8), byte(b >> 8)}
			copy(plain[(y*w+x)*3:], px)
			copy(framed[((y+by)*cw+x+bx)*3:], px)
		}
	}
	x, y, cw2, ch2, err := FindContent(framed, cw, ch, cw*3, RGB24)
	if err != nil || x != bx || y != by || cw2 != w || ch2 != ht {
		t.Fatalf("FindContent: %d %d %d %d %v", x, y, cw2, ch2, err)
	}
	want, err := h.HashPixels(plain, w, ht, w*3, RGB24, WantPHash|WantAHash)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := h.HashPixels(framed, cw, ch, cw*3, RGB24, WantPHash|WantAHash|WantDihedral|WantTrimmed)
	if err != nil || len(hs) != 32 {
		t.Fatalf("%d hashes, %v", len(hs), err)
	}
	for i, x := range hs {
		if x.Variant != Dihedral(i%8) || x.Trimmed != (i >= 16) {
			t.Errorf("hash %d: variant %v trimmed %v", i, x.Variant, x.Trimmed)
		}
	}
	if !hs[16].Equal(want[0]) || !hs[24].Equal(want[1]) {
		t.Errorf("trimmed %v %v, want %v", hs[16], hs[24], want)
	}
	// the trimmed mark survives the trip through C
	idx := mustIndex(t)
	if _, err := idx.Query(hs, WithDihedral()); err != nil {
		t.Fatal(err)
	}
	// crops: 9 times the types asked, marked, after the plain hashes
	hs, err = h.HashPixels(plain, w, ht, w*3, RGB24, WantPDQ|WantCrops)
	if err != nil || len(hs) != 10 || hs[0].Cropped || !hs[9].Cropped {
		t.Fatalf("crops: %v %v", hs, err)
	}
	hs, err = h.HashPixels(plain, w, ht, w*3, RGB24, WantPDQ|WantCrops|WantCropsFine)
	if err != nil || len(hs) != 35 || hs[9].FineCrop || !hs[10].Cropped || !hs[10].FineCrop {
		t.Fatalf("fine crops: %d hashes, %v", len(hs), err)
	}
	if back := cRoundTrip(hs[34]); back != hs[34] {
		t.Errorf("fine crop %+v back as %+v", hs[34], back)
	}
}

// WantRotations: the hashes of the image turned by each angle, marked with
// it, through the C struct and back.
func TestRotations(t *testing.T) {
	h := mustHasher(t, nil)
	const w, ht = 96, 64
	px := make([]byte, w*ht*3)
	for i := range px {
		px[i] = byte(i * 7 % 251)
	}
	if a := RotationAngles(); len(a) != 4 || a[0] != -8 || a[1] != -4 || a[2] != 4 || a[3] != 8 {
		t.Fatalf("RotationAngles() = %v", a)
	}
	hs, err := h.HashPixels(px, w, ht, w*3, RGB24, WantPDQ|WantPHash|WantRotations)
	if err != nil || len(hs) != 2+2*len(RotationAngles()) {
		t.Fatalf("%d hashes, %v", len(hs), err)
	}
	for i, x := range hs {
		want := 0
		if i >= 2 {
			want = RotationAngles()[(i-2)/2]
		}
		if x.Rotation != want || x.Variant != Original {
			t.Errorf("hash %d: rotation %d variant %v, want %d", i, x.Rotation, x.Variant, want)
		}
		if back := cRoundTrip(x); back != x {
			t.Errorf("hash %d: %+v back as %+v", i, x, back)
		}
	}
}

func TestDihedralAndFlavour(t *testing.T) {
	rows := readCSV(t, "pdq-dihedral-bridge-1-original.csv")
	names := map[string]Dihedral{"orig": Original, "rot90": Rot90, "rot180": Rot180, "rot270": Rot270,
		"flipx": FlipX, "flipy": FlipY, "flipp": FlipPlus1, "flipm": FlipMinus1}
	checked := 0
	for _, fl := range []PDQFlavour{PDQFullRes, PDQCpp512} {
		h := mustHasher(t, &HasherOptions{PDQFlavour: fl})
		hs, err := h.HashFile("testdata/bridge.jpg", WantPDQ|WantDihedral)
		if err != nil || len(hs) != 8 {
			t.Fatalf("%v %v", hs, err)
		}
		for i, x := range hs {
			if x.Variant != Dihedral(i) || x.Type != PDQ {
				t.Errorf("variant %d: %v", i, x.Variant)
			}
		}
		flName := "fullres"
		if fl == PDQCpp512 {
			flName = "cpp-cli-512prescale"
		}
		for _, r := range rows {
			v, ok := names[r[1]]
			if !ok || (r[0] == "cpp-cli-512prescale") != (fl == PDQCpp512) {
				continue
			}
			checked++
			if hs[v].String() != r[4] {
				t.Errorf("%s %s: %s, want %s", flName, r[1], hs[v], r[4])
			}
		}
	}
	if checked != 16 {
		t.Errorf("%d rows checked", checked)
	}
	if Rot90.String() != "rot90" || Dihedral(9).String() != "Dihedral(9)" {
		t.Error("Dihedral names")
	}
}

func TestHasherOptions(t *testing.T) {
	h := mustHasher(t, nil)
	o, err := h.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o != (HasherOptions{MaxInputBytes: DefaultMaxInputBytes, MaxPixels: DefaultMaxPixels}) {
		t.Errorf("defaults %+v", o)
	}
	set := HasherOptions{MaxInputBytes: 1 << 20, MaxPixels: 1000, PDQFlavour: PDQCpp512,
		ApplyEXIFOrientation: true, Fast: true}
	if err := h.SetOptions(set); err != nil {
		t.Fatal(err)
	}
	if o, _ := h.Options(); o != set {
		t.Errorf("read back %+v", o)
	}
	_, err = h.HashFile("testdata/bridge.jpg", WantPDQ)
	wantStatus(t, err, ErrLimit)
	var e *Error
	errors.As(err, &e)
	if e.Detail == "" || e.Op != "HashFile" {
		t.Errorf("limit error %#v", e)
	}
	// Only the digest: not decoded, so the pixel limit does not apply,
	// but the byte limit does.
	if _, err := h.HashFile("testdata/bridge.jpg", WantMD5); err != nil {
		t.Errorf("md5 under a pixel limit: %v", err)
	}
	h.SetOptions(HasherOptions{MaxInputBytes: 1000})
	_, err = h.HashFile("testdata/bridge.jpg", WantMD5)
	wantStatus(t, err, ErrLimit)
	if _, err := NewHasher(&HasherOptions{MaxPixels: -5}); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("negative limit: %v", err)
	}
	// Fast mode on a JPEG too small for it: exact.
	f := mustHasher(t, &HasherOptions{Fast: true})
	hs, err := f.HashFile("testdata/bridge.jpg", WantPDQ)
	if err != nil || hs[0].String() != bridgePDQ {
		t.Errorf("fast mode on 1600x1004: %v %v", hs, err)
	}
}

func TestHashErrors(t *testing.T) {
	h := mustHasher(t, nil)
	_, err := h.HashFile("testdata/does-not-exist.jpg", WantPDQ)
	wantStatus(t, err, ErrIO)
	_, err = h.HashBytes([]byte("definitely not an image"), WantPDQ)
	wantStatus(t, err, ErrUnknownFormat)
	data, _ := os.ReadFile("testdata/bridge.jpg")
	_, err = h.HashBytes(data[:2000], WantPDQ)
	wantStatus(t, err, ErrDecode)
	_, err = h.HashBytes(nil, WantPDQ)
	if err == nil {
		t.Error("empty input accepted")
	}
	_, err = h.HashFile("bad\x00path", WantPDQ)
	wantStatus(t, err, ErrInvalidArgument)
	// The hasher is fine after errors.
	if hs, err := h.HashBytes(data, WantPDQ); err != nil || hs[0].String() != bridgePDQ {
		t.Errorf("after errors: %v %v", hs, err)
	}
	h.Close()
	if _, err := h.HashFile("testdata/bridge.jpg", WantPDQ); err != ErrClosed {
		t.Errorf("closed: %v", err)
	}
	if err := h.Close(); err != nil {
		t.Error("second Close")
	}
}

// Decode gives the pixels the hashes see: hashing them again gives the
// file's perceptual hashes exactly.
func TestDecodeHashImage(t *testing.T) {
	h := mustHasher(t, nil)
	for _, name := range []string{"testdata/bridge.jpg", "testdata/pen-and-coaster.png"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		img, info, err := h.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != info.Width || img.Bounds().Dy() != info.Height {
			t.Errorf("%s: bounds %v, info %+v", name, img.Bounds(), info)
		}
		want, _ := h.HashBytes(data, WantPerceptual)
		got, err := h.HashImage(img, WantPerceptual)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if !got[i].Equal(want[i]) || got[i].Quality != want[i].Quality {
				t.Errorf("%s: %v, want %v", name, got[i], want[i])
			}
		}
	}
}

// Go's own decoders: PNG is lossless, so image/png's NRGBA/RGBA gives the
// same pixels as libpng; image/jpeg's YCbCr differs a little from
// libjpeg-turbo.
func TestHashImageGoDecoders(t *testing.T) {
	f, err := os.Open("testdata/pen-and-coaster.png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := HashFile("testdata/pen-and-coaster.png", WantPerceptual)
	got, err := HashImage(img, WantPerceptual)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("image/png %T: %v, want %v", img, got[i], want[i])
		}
	}
	jf, _ := os.Open("testdata/bridge.jpg")
	jimg, _, err := image.Decode(jf)
	jf.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := jimg.(*image.YCbCr); !ok {
		t.Fatalf("image/jpeg gave %T", jimg)
	}
	got, err = HashImage(jimg, WantPDQ)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := got[0].Distance(MustParse(PDQ, bridgePDQ)); d > 16 {
		t.Errorf("image/jpeg decode: PDQ %d bits from libjpeg-turbo's", d)
	}
}

// Every image type the converter knows gives the same hashes as the
// plain RGB copy of the same pixels, sub-images included.
func TestHashImageConversions(t *testing.T) {
	const w, ht = 97, 61
	rgb := image.NewNRGBA(image.Rect(0, 0, w, ht))
	gray := image.NewGray(image.Rect(0, 0, w, ht))
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / ht), uint8((x * y) % 251), 255}
			rgb.SetNRGBA(x, y, c)
			gray.SetGray(x, y, color.Gray{uint8((x*7 + y*3) % 256)})
		}
	}
	ref, err := HashImage(rgb, WantPerceptual)
	if err != nil {
		t.Fatal(err)
	}
	same := func(name string, img image.Image, want Hashes) {
		t.Helper()
		got, err := HashImage(img, WantPerceptual)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s (%T): %v, want %v", name, img, got[i], want[i])
			}
		}
	}
	// RGBA (opaque), RGBA64, NRGBA64, Paletted, a generic image.
	rgba := image.NewRGBA(rgb.Bounds())
	rgba64 := image.NewRGBA64(rgb.Bounds())
	nrgba64 := image.NewNRGBA64(rgb.Bounds())
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			rgba.Set(x, y, rgb.At(x, y))
			rgba64.Set(x, y, rgb.At(x, y))
			nrgba64.Set(x, y, rgb.At(x, y))
		}
	}
	same("RGBA", rgba, ref)
	same("RGBA64", rgba64, ref)
	same("NRGBA64", nrgba64, ref)
	// A transparent NRGBA pixel hashes as its stored colour.
	tr := image.NewNRGBA(rgb.Bounds())
	copy(tr.Pix, rgb.Pix)
	for i := 3; i < len(tr.Pix); i += 8 {
		tr.Pix[i] = 0
	}
	same("NRGBA with alpha", tr, ref)
	// Sub-images: the offset and stride must reach C correctly.
	big := image.NewNRGBA(image.Rect(-5, -3, w+20, ht+10))
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			big.SetNRGBA(x, y, rgb.NRGBAAt(x, y))
		}
	}
	same("NRGBA sub-image", big.SubImage(image.Rect(0, 0, w, ht)), ref)
	gref, err := HashImage(gray, WantPerceptual)
	if err != nil {
		t.Fatal(err)
	}
	gbig := image.NewGray(image.Rect(0, 0, w+7, ht+2))
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			gbig.SetGray(x+7, y+2, gray.GrayAt(x, y))
		}
	}
	same("Gray sub-image", gbig.SubImage(image.Rect(7, 2, w+7, ht+2)), gref)
	g16 := image.NewGray16(gray.Bounds())
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			g16.Set(x, y, gray.At(x, y))
		}
	}
	same("Gray16", g16, gref)
	// Paletted from a small palette.
	pal := color.Palette{color.NRGBA{10, 20, 30, 255}, color.NRGBA{200, 100, 50, 255}, color.NRGBA{0, 255, 0, 128}}
	pi := image.NewPaletted(image.Rect(0, 0, w, ht), pal)
	pr := image.NewNRGBA(pi.Bounds())
	for y := 0; y < ht; y++ {
		for x := 0; x < w; x++ {
			k := uint8((x/8 + y/5) % 3)
			pi.SetColorIndex(x, y, k)
			pr.SetNRGBA(x, y, pal[k].(color.NRGBA))
		}
	}
	pref, _ := HashImage(pr, WantPerceptual)
	same("Paletted", pi, pref)
	if _, err := HashImage(image.NewGray(image.Rect(0, 0, 0, 0)), WantPDQ); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("empty image: %v", err)
	}
	if _, err := HashImage(rgb, WantMD5); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("md5 of pixels: %v", err)
	}
}

func TestHashPixelsChecksBuffer(t *testing.T) {
	h := mustHasher(t, nil)
	pix := make([]byte, 10*10*3)
	if _, err := h.HashPixels(pix, 10, 10, 30, RGB24, WantPDQ); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ w, h, stride int }{{10, 11, 30}, {11, 10, 33}, {10, 10, 29}, {0, 10, 30}, {10, -1, 30}} {
		_, err := h.HashPixels(pix, c.w, c.h, c.stride, RGB24, WantPDQ)
		wantStatus(t, err, ErrInvalidArgument)
	}
	if _, err := h.HashPixels(pix, 10, 10, 30, PixelFormat(9), WantPDQ); !errors.Is(err, ErrInvalidArgument) {
		t.Error("bad pixel format")
	}
	if _, err := h.HashPixels(pix[:1], 1, 1, 1, Gray8, WantPDQ); err != nil {
		t.Errorf("1x1: %v", err)
	}
}

// Package-level functions from many goroutines (pooled hashers), and one
// Hasher shared by many goroutines (serialised): run with -race.
func TestConcurrentHashing(t *testing.T) {
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		t.Fatal(err)
	}
	shared := mustHasher(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 4; i++ {
				var hs Hashes
				var err error
				switch (g + i) % 3 {
				case 0:
					hs, err = HashBytes(data, WantPDQ)
				case 1:
					hs, err = shared.HashBytes(data, WantPDQ)
				default:
					hs, err = HashFile("testdata/bridge.jpg", WantPDQ)
				}
				if err != nil {
					errs <- err
					return
				}
				if hs[0].String() != bridgePDQ {
					errs <- errors.New("wrong hash " + hs[0].String())
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEncodeRoundTripGray(t *testing.T) {
	// A grey PNG made by Go: libpng and image/png agree on its pixels.
	g := image.NewGray(image.Rect(0, 0, 64, 48))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 13 % 256)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, g); err != nil {
		t.Fatal(err)
	}
	fromFile, info, err := mustHasher(t, nil).HashBytesInfo(buf.Bytes(), WantPerceptual)
	if err != nil {
		t.Fatal(err)
	}
	if info.Channels != 1 || info.Format != FormatPNG {
		t.Errorf("info %+v", info)
	}
	fromImage, err := HashImage(g, WantPerceptual)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fromFile {
		if !fromFile[i].Equal(fromImage[i]) {
			t.Errorf("%v: file %v, image %v", fromFile[i].Type, fromFile[i], fromImage[i])
		}
	}
}
