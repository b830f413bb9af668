// SPDX-License-Identifier: BSD-3-Clause

package hashmatch_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/libhashmatch/libhashmatch/bindings/go/hashmatch"
)

// Hash an image file: PDQ (with its quality), pHash and MD5 in one pass.
func ExampleHashFile() {
	hashes, err := hashmatch.HashFile("testdata/bridge.jpg",
		hashmatch.WantPDQ|hashmatch.WantPHash|hashmatch.WantMD5)
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hashes {
		fmt.Println(h.Type, h, h.Quality)
	}
	// Output:
	// pdq f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 100
	// phash aca29c1c33dc23d7 -1
	// md5 d35c785545392755e7e4164457657269 -1
}

// Match an upload against a hash list: load, commit, query. A rotated
// copy matches with dihedral matching.
func ExampleIndex() {
	idx, err := hashmatch.NewIndex()
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	if _, err := idx.LoadList("testdata/known.csv", nil); err != nil {
		log.Fatal(err)
	}
	if err := idx.Commit(); err != nil { // publish: queries see it now
		log.Fatal(err)
	}
	hashes, err := hashmatch.HashFile("testdata/bridge-rotate-90.jpg",
		hashmatch.WantPDQ|hashmatch.WantDihedral|hashmatch.WantMD5)
	if err != nil {
		log.Fatal(err)
	}
	matches, err := idx.Query(hashes, hashmatch.WithDihedral())
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range matches {
		fmt.Printf("%s %s in %s at distance %d/%d (as %s)\n",
			m.Type, m.EntryID, m.ListName, m.Distance, m.Threshold, m.Variant)
	}
	// Output:
	// pdq example-bridge in example-known at distance 0/31 (as rot270)
}

// Decide with every hash type at once: one decision per known item, which
// says why it matched, which types agreed and at what distance.
func ExampleIndex_Decide() {
	idx, err := hashmatch.NewIndex()
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	if _, err := idx.LoadList("testdata/known.csv", nil); err != nil {
		log.Fatal(err)
	}
	if err := idx.Commit(); err != nil {
		log.Fatal(err)
	}
	hashes, err := hashmatch.HashFile("testdata/bridge-rotate-90.jpg",
		hashmatch.WantAll|hashmatch.WantDihedral)
	if err != nil {
		log.Fatal(err)
	}
	decisions, err := idx.Decide(hashes, hashmatch.WithDihedral())
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range decisions {
		fmt.Printf("%s in %s by rule %s: compared %v, agreed %v, pdq %d, phash %d\n",
			d.EntryID, d.ListName, d.Rule, d.Types, d.Agreed, d.Distances[hashmatch.PDQ],
			d.Distances[hashmatch.PHash])
		fmt.Printf("score %.2f, threshold %.2f over %d comparisons\n", d.Score, d.Threshold, d.Comparisons)
	}
	// Output:
	// example-bridge in example-known by rule pdq: compared [pdq phash md5], agreed [pdq phash], pdq 0, phash 0
	// score -14.10, threshold -6.04 over 8 comparisons
}

// Parse hashes from strings and compare them.
func ExampleHash_Distance() {
	a, err := hashmatch.Parse(hashmatch.PDQ, "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22")
	if err != nil {
		log.Fatal(err)
	}
	b := hashmatch.MustParse(hashmatch.PDQ, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	d, err := a.Distance(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(d, d <= hashmatch.DefaultPDQThreshold)
	// Output: 6 true
}

// Errors carry the C status, usable with errors.Is, and the C library's
// detail message.
func ExampleError() {
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		log.Fatal(err)
	}
	_, err = hashmatch.HashBytes(data[:2000], hashmatch.WantPDQ) // truncated
	fmt.Println(errors.Is(err, hashmatch.ErrDecode))
	var e *hashmatch.Error
	if errors.As(err, &e) {
		fmt.Println(e.Status == hashmatch.ErrDecode, e.Detail != "")
	}
	// Output:
	// true
	// true true
}

// Hash a video's frames as vPDQ does (one frame per second), with a
// context that cancels the decode.
func ExampleOpenVideo() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := hashmatch.OpenVideo(ctx, "testdata/video.mp4", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()
	for {
		f, err := v.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		line, _ := f.VPDQLine()
		fmt.Println(line)
	}
	// Output:
	// 0,100,e6cf059c4c6696362cc9d6663cd9c263714169d98327399993363d9c3d9cc666,0.000
	// 30,100,e6ce87364c64149ce6c31ccc537368c9b3cbc363098d9333bd9c93361d366ccc,1.000
	// 60,100,c6cf85b64c6d341c94e65e4cb4f24a49d34bc1e34b09b1b31b1c95b6b5b64e4c,2.000
	// 90,100,e6cf87364c65141c86e63cd99326684971c3c32339d993263d9c973697366cd9,3.000
	// 120,100,64c4a59cc66796362cccd6731c4cc263b3cb69c9c333398cb3363d9c1d1cc673,4.000
}

// Known videos: stage their frames, then match an upload's frames with
// vPDQ's rule.
func ExampleIndex_MatchVideo() {
	ctx := context.Background()
	known, _, err := hashmatch.HashVideoFile(ctx, "testdata/video.mp4", nil)
	if err != nil {
		log.Fatal(err)
	}
	idx, err := hashmatch.NewIndex()
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	list, _ := idx.List("videos")
	if _, err := idx.AddVideo(list, known, "known-video", ""); err != nil {
		log.Fatal(err)
	}
	idx.Commit()
	upload, _, err := hashmatch.HashVideoFile(ctx, "testdata/video.mp4", nil)
	if err != nil {
		log.Fatal(err)
	}
	matches, err := idx.MatchVideo(upload)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range matches {
		fmt.Printf("%s: %.0f%% of the upload's frames, %.0f%% of the known video's\n",
			m.VideoID, m.QueryPercent, m.TargetPercent)
	}
	// Output: known-video: 100% of the upload's frames, 100% of the known video's
}

// Hash an upload to TMK+PDQF and compare it with a known video's .tmk file
// (as GIFCT shares them; ParseTmkBase64 reads TCAP's base64 form).
func ExampleHashTmkFile() {
	upload, info, err := hashmatch.HashTmkFile(context.Background(), "testdata/video.mp4", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer upload.Close()
	data, err := os.ReadFile("testdata/video.tmk")
	if err != nil {
		log.Fatal(err)
	}
	known, err := hashmatch.ParseTmk(data)
	if err != nil {
		log.Fatal(err)
	}
	defer known.Close()
	s, err := upload.Scores(known)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d frame features; level 1 %.4f, level 2 %.4f; match: %v\n",
		info.FramesHashed, s.Level1, s.Level2, s.Matches())
	// Output: 77 frame features; level 1 1.0000, level 2 1.0000; match: true
}

// Index known videos' .tmk files and match an upload's TMK+PDQF hash
// against them; each list may have its own thresholds.
func ExampleIndex_MatchTmk() {
	data, err := os.ReadFile("testdata/video.tmk")
	if err != nil {
		log.Fatal(err)
	}
	known, err := hashmatch.ParseTmk(data)
	if err != nil {
		log.Fatal(err)
	}
	defer known.Close()
	idx, err := hashmatch.NewIndex()
	if err != nil {
		log.Fatal(err)
	}
	defer idx.Close()
	list, _ := idx.List("videos")
	if err := idx.AddTmk(list, known, "known-video", ""); err != nil {
		log.Fatal(err)
	}
	idx.SetTmkThreshold(list, 0, 0.9) // both levels: near-exact copies only
	idx.Commit()
	upload, _, err := hashmatch.HashTmkFile(context.Background(), "testdata/video.mp4", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer upload.Close()
	matches, err := idx.MatchTmk(upload)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range matches {
		fmt.Printf("%s: level 1 %.4f, level 2 %.4f (thresholds %.1f, %.1f)\n",
			m.VideoID, m.Level1, m.Level2, m.Threshold1, m.Threshold2)
	}
	// Output: known-video: level 1 1.0000, level 2 1.0000 (thresholds 0.9, 0.9)
}
