// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

import (
	"context"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The cost of reading C errors on the thread that made the call: the
// cheapest C call (hm_hash_distance) made bare, and through call, which
// locks the goroutine to its OS thread for the call and checks its status.
func BenchmarkCall(b *testing.B) {
	h, err := Parse(PDQ, strings.Repeat("5a", 32))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("bare", func(b *testing.B) {
		if cBenchCalls(h, b.N, false) != 0 {
			b.Fatal("a call failed")
		}
	})
	b.Run("checked", func(b *testing.B) {
		if cBenchCalls(h, b.N, true) != 0 {
			b.Fatal("a call failed")
		}
	})
}

// Hashing: the binding against the same C call looped in C ("C"), per
// image kind and hash types.
func BenchmarkHash(b *testing.B) {
	files := []struct{ name, path string }{
		{"jpeg1600x1004", "testdata/bridge.jpg"},
		{"png", "testdata/pen-and-coaster.png"},
	}
	kinds := []struct {
		name  string
		types Types
	}{{"PDQ", WantPDQ}, {"PHash", WantPHash}, {"All", WantAll}}
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range kinds {
			b.Run(f.name+"/"+k.name+"/HashBytes", func(b *testing.B) {
				h := mustHasher(b, nil)
				b.SetBytes(int64(len(data)))
				for i := 0; i < b.N; i++ {
					if _, err := h.HashBytes(data, k.types); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(f.name+"/"+k.name+"/C", func(b *testing.B) {
				h := mustHasher(b, nil)
				b.SetBytes(int64(len(data)))
				if !cBenchHashMemory(h, data, k.types, b.N) {
					b.Fatal("C loop failed")
				}
			})
		}
		b.Run(f.name+"/PDQ/HashFile", func(b *testing.B) {
			h := mustHasher(b, nil)
			for i := 0; i < b.N; i++ {
				if _, err := h.HashFile(f.path, WantPDQ); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// HashImage on decoded pixels: the hash stage without the decode, with
// the Go-side conversion for image types the C library does not take.
func BenchmarkHashImage(b *testing.B) {
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		b.Fatal(err)
	}
	h := mustHasher(b, nil)
	img, _, err := h.Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("RGBA/PDQ", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := h.HashImage(img, WantPDQ); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RGBA/PHash", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := h.HashImage(img, WantPHash); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Package-level HashBytes on every CPU (GOMAXPROCS goroutines, pooled
// hashers).
func BenchmarkHashBytesParallel(b *testing.B) {
	data, err := os.ReadFile("testdata/bridge.jpg")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := HashBytes(data, WantPDQ); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// Indexes of uniformly random hashes, built once per size and type. Real
// hashes are less uniform (bench/RESULTS.md, "Matching index"), which
// costs MIH more: these figures measure the binding, not the structures.
var (
	benchMu   sync.Mutex
	benchIdx  = map[string]*Index{}
	benchKeys = map[string][]Hash{}
)

func benchIndex(b *testing.B, t HashType, n int) (*Index, []Hash) {
	key := t.String() + strconv.Itoa(n)
	benchMu.Lock()
	defer benchMu.Unlock()
	if ix, ok := benchIdx[key]; ok {
		return ix, benchKeys[key]
	}
	b.StopTimer()
	defer b.StartTimer()
	r := rand.New(rand.NewSource(int64(n)))
	ix, err := NewIndex()
	if err != nil {
		b.Fatal(err)
	}
	list, _ := ix.List("bench")
	keys := make([]Hash, n)
	buf := make([]byte, t.Bits()/8)
	for i := range keys {
		r.Read(buf)
		keys[i], _ = NewHash(t, buf)
		if err := ix.Add(list, keys[i], "", ""); err != nil {
			b.Fatal(err)
		}
	}
	if err := ix.Commit(); err != nil {
		b.Fatal(err)
	}
	benchIdx[key], benchKeys[key] = ix, keys
	return ix, keys
}

// benchQueries: hashes a few bits from known ones (one hit each) or random
// (misses).
func benchQueries(keys []Hash, n, flip int, hit bool) []Hash {
	r := rand.New(rand.NewSource(99))
	out := make([]Hash, n)
	for i := range out {
		if hit {
			out[i] = flipBits(keys[r.Intn(len(keys))], flip, r)
		} else {
			b := make([]byte, keys[0].Type.Bits()/8)
			r.Read(b)
			out[i], _ = NewHash(keys[0].Type, b)
		}
	}
	return out
}

func BenchmarkQuery(b *testing.B) {
	for _, c := range []struct {
		t    HashType
		n    int
		flip int
	}{{PDQ, 1000, 16}, {PDQ, 100_000, 16}, {PDQ, 1_000_000, 16}, {PHash, 1_000_000, 4}} {
		for _, hit := range []bool{true, false} {
			name := c.t.String() + "/" + strconv.Itoa(c.n/1000) + "k/"
			if hit {
				name += "hit"
			} else {
				name += "miss"
			}
			b.Run(name+"/Query", func(b *testing.B) {
				ix, keys := benchIndex(b, c.t, c.n)
				qs := benchQueries(keys, 256, c.flip, hit)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					ms, err := ix.Query(qs[i%len(qs) : i%len(qs)+1])
					if err != nil || (hit && len(ms) == 0) {
						b.Fatal(err, len(ms))
					}
				}
			})
			b.Run(name+"/C", func(b *testing.B) {
				ix, keys := benchIndex(b, c.t, c.n)
				qs := benchQueries(keys, 256, c.flip, hit)
				b.ResetTimer()
				if cBenchQuery(ix, qs, 1, b.N) < 0 {
					b.Fatal("C loop failed")
				}
			})
			b.Run(name+"/Parallel", func(b *testing.B) {
				ix, keys := benchIndex(b, c.t, c.n)
				qs := benchQueries(keys, 256, c.flip, hit)
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					i := 0
					for pb.Next() {
						if _, err := ix.Query(qs[i%len(qs) : i%len(qs)+1]); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
		}
	}
}

// 1000 hashes per call, half of them hits; ns/op is per batch.
func BenchmarkQueryBatch(b *testing.B) {
	ix, keys := benchIndex(b, PDQ, 1_000_000)
	qs := append(benchQueries(keys, 500, 16, true), benchQueries(keys, 500, 0, false)...)
	b.Run("Query", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := ix.Query(qs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("QueryBatch", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := ix.QueryBatch(context.Background(), qs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("C", func(b *testing.B) {
		if cBenchQuery(ix, qs, len(qs), b.N) < 0 {
			b.Fatal("C loop failed")
		}
	})
}

func BenchmarkHashValues(b *testing.B) {
	const s = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
	h := MustParse(PDQ, s)
	o := MustParse(PDQ, "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22")
	b.Run("Parse", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := Parse(PDQ, s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("String", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = h.String()
		}
	})
	b.Run("Distance", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := h.Distance(o); err != nil {
				b.Fatal(err)
			}
		}
	})
}
