// SPDX-License-Identifier: BSD-3-Clause

package hashmatch

// The C library's own hash helpers, for the tests to check the Go
// implementations of String, Parse and Distance against, and the C calls
// alone, looped in C, for the benchmarks to measure the binding's
// overhead against. Not part of the API.

/*
#include <stdlib.h>
#include <hashmatch.h>

// HM_WANT_PDQ_DIHEDRAL is deprecated: its value, without the warning its
// name gives.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static unsigned want_pdq_dihedral(void) { return HM_WANT_PDQ_DIHEDRAL; }
#pragma GCC diagnostic pop

static int bench_hash_memory(hm_hasher *h, const void *data, size_t size,
                             unsigned types, int iters) {
    hm_hash out[16];
    size_t n;
    for (int i = 0; i < iters; i++)
        if (hm_hash_memory(h, data, size, types, out, 16, &n, NULL) != HM_OK) return -1;
    return 0;
}

// iters calls of per_call hashes each, taken in turn from q[0..nq).
static long bench_query(hm_index *idx, const hm_hash *q, size_t nq,
                        size_t per_call, int iters) {
    hm_results *res;
    hm_query_opts o;
    long hits = 0;
    size_t at = 0;
    if (hm_results_create(&res) != HM_OK) return -1;
    hm_query_opts_init(&o);
    for (int i = 0; i < iters; i++) {
        if (at + per_call > nq) at = 0;
        if (hm_index_query(idx, q + at, per_call, &o, res) != HM_OK) { hits = -1; break; }
        at += per_call;
        hits += (long)hm_results_count(res);
    }
    hm_results_free(res);
    return hits;
}
*/
import "C"

import "unsafe"

func cHashString(h Hash) string {
	var c C.hm_hash
	h.toC(&c)
	var buf [C.HM_HASH_STRING_MAX]C.char
	if C.hm_hash_to_string(&c, &buf[0], C.size_t(len(buf))) != C.HM_OK {
		return ""
	}
	return C.GoString(&buf[0])
}

func cHashParse(t HashType, s string) (Hash, Status) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var c C.hm_hash
	st := C.hm_hash_from_string(C.int(t), cs, &c)
	return hashFromC(&c), Status(st)
}

func cHashDistance(a, b Hash) int {
	var ca, cb C.hm_hash
	a.toC(&ca)
	b.toC(&cb)
	return int(C.hm_hash_distance(&ca, &cb))
}

func cHashTypeName(t HashType) string {
	p := C.hm_hash_type_name(C.int(t))
	if p == nil {
		return ""
	}
	return C.GoString(p)
}

// cBenchCalls makes iters calls of hm_hash_distance on a and a (distance
// 0, so HM_OK), the cheapest call of the library, from Go: through call
// (the goroutine locked to its OS thread, the status checked) when
// checked is set, else bare, as the binding made calls before the library
// kept its messages per thread. It returns the failures.
func cBenchCalls(a Hash, iters int, checked bool) int {
	var ca C.hm_hash
	a.toC(&ca)
	bad := 0
	for i := 0; i < iters; i++ {
		if checked {
			if call("Distance", func() C.hm_status { return C.hm_status(C.hm_hash_distance(&ca, &ca)) }) != nil {
				bad++
			}
		} else if C.hm_hash_distance(&ca, &ca) != 0 {
			bad++
		}
	}
	return bad
}

// cBenchHashMemory runs hm_hash_memory iters times in a C loop.
func cBenchHashMemory(h *Hasher, data []byte, types Types, iters int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return C.bench_hash_memory(h.p, unsafe.Pointer(&data[0]), C.size_t(len(data)), C.uint(types), C.int(iters)) == 0
}

// cBenchQuery runs iters calls of hm_index_query in a C loop (one results
// object, no copying), each on perCall hashes taken in turn from hs, and
// returns the hits.
func cBenchQuery(ix *Index, hs []Hash, perCall, iters int) int64 {
	cq := hashesToC(hs)
	return int64(C.bench_query(ix.p, &cq[0], C.size_t(len(cq)), C.size_t(perCall), C.int(iters)))
}

// cConstants pairs every exported constant with the C value it mirrors.
func cConstants() []struct {
	name   string
	go_, c int64
} {
	return []struct {
		name   string
		go_, c int64
	}{
		{"ErrInvalidArgument", int64(ErrInvalidArgument), int64(C.HM_E_INVALID_ARGUMENT)},
		{"ErrNoMemory", int64(ErrNoMemory), int64(C.HM_E_NO_MEMORY)},
		{"ErrIO", int64(ErrIO), int64(C.HM_E_IO)},
		{"ErrUnknownFormat", int64(ErrUnknownFormat), int64(C.HM_E_UNKNOWN_FORMAT)},
		{"ErrDecode", int64(ErrDecode), int64(C.HM_E_DECODE)},
		{"ErrLimit", int64(ErrLimit), int64(C.HM_E_LIMIT)},
		{"ErrParse", int64(ErrParse), int64(C.HM_E_PARSE)},
		{"ErrTypeMismatch", int64(ErrTypeMismatch), int64(C.HM_E_TYPE_MISMATCH)},
		{"ErrUnsupported", int64(ErrUnsupported), int64(C.HM_E_UNSUPPORTED)},
		{"ErrInternal", int64(ErrInternal), int64(C.HM_E_INTERNAL)},
		{"ErrCorrupt", int64(ErrCorrupt), int64(C.HM_E_CORRUPT)},
		{"ErrNotFound", int64(ErrNotFound), int64(C.HM_E_NOT_FOUND)},
		{"ErrCancelled", int64(ErrCancelled), int64(C.HM_E_CANCELLED)},
		{"PDQ", int64(PDQ), int64(C.HM_HASH_PDQ)},
		{"PHash", int64(PHash), int64(C.HM_HASH_PHASH)},
		{"DHash", int64(DHash), int64(C.HM_HASH_DHASH)},
		{"AHash", int64(AHash), int64(C.HM_HASH_AHASH)},
		{"MD5", int64(MD5), int64(C.HM_HASH_MD5)},
		{"SHA256", int64(SHA256), int64(C.HM_HASH_SHA256)},
		{"PHashOrgV09", int64(PHashOrgV09), int64(C.HM_HASH_PHASHORG_V09)},
		{"PHashOrg2014", int64(PHashOrg2014), int64(C.HM_HASH_PHASHORG_2014)},
		{"PHashOrg2026", int64(PHashOrg2026), int64(C.HM_HASH_PHASHORG_2026)},
		{"HashTypeMax", int64(HashTypeMax), int64(C.HM_HASH_TYPE_MAX)},
		{"WantPDQ", int64(WantPDQ), int64(1) << C.HM_HASH_PDQ},
		{"WantPHash", int64(WantPHash), int64(1 << C.HM_HASH_PHASH)},
		{"WantDHash", int64(WantDHash), int64(1 << C.HM_HASH_DHASH)},
		{"WantAHash", int64(WantAHash), int64(1 << C.HM_HASH_AHASH)},
		{"WantMD5", int64(WantMD5), int64(1 << C.HM_HASH_MD5)},
		{"WantSHA256", int64(WantSHA256), int64(1 << C.HM_HASH_SHA256)},
		{"WantPHashOrgV09", int64(WantPHashOrgV09), int64(1 << C.HM_HASH_PHASHORG_V09)},
		{"WantPHashOrg2014", int64(WantPHashOrg2014), int64(1 << C.HM_HASH_PHASHORG_2014)},
		{"WantPHashOrg2026", int64(WantPHashOrg2026), int64(1 << C.HM_HASH_PHASHORG_2026)},
		{"WantPHashOrg", int64(WantPHashOrg), int64(C.HM_TYPES_PHASHORG)},
		{"WantPerceptual", int64(WantPerceptual), int64(C.HM_TYPES_PERCEPTUAL)},
		{"WantAll", int64(WantAll), int64(C.HM_TYPES_ALL)},
		{"WantPDQDihedral", int64(WantPDQDihedral), int64(C.want_pdq_dihedral())},
		{"WantDihedral", int64(WantDihedral), int64(C.HM_WANT_DIHEDRAL)},
		{"WantTrimmed", int64(WantTrimmed), int64(C.HM_WANT_TRIMMED)},
		{"WantCrops", int64(WantCrops), int64(C.HM_WANT_CROPS)},
		{"WantRotations", int64(WantRotations), int64(C.HM_WANT_ROTATIONS)},
		{"WantCropsFine", int64(WantCropsFine), int64(C.HM_WANT_CROPS_FINE)},
		{"Original", int64(Original), int64(C.HM_DIH_ORIGINAL)},
		{"Rot90", int64(Rot90), int64(C.HM_DIH_ROT90)},
		{"Rot180", int64(Rot180), int64(C.HM_DIH_ROT180)},
		{"Rot270", int64(Rot270), int64(C.HM_DIH_ROT270)},
		{"FlipX", int64(FlipX), int64(C.HM_DIH_FLIPX)},
		{"FlipY", int64(FlipY), int64(C.HM_DIH_FLIPY)},
		{"FlipPlus1", int64(FlipPlus1), int64(C.HM_DIH_FLIPPLUS1)},
		{"FlipMinus1", int64(FlipMinus1), int64(C.HM_DIH_FLIPMINUS1)},
		{"PDQFullRes", int64(PDQFullRes), int64(C.HM_PDQ_FULLRES)},
		{"PDQCpp512", int64(PDQCpp512), int64(C.HM_PDQ_CPP_512)},
		{"FastMinSide", int64(FastMinSide), int64(C.HM_FAST_MIN_SIDE)},
		{"FormatUnknown", int64(FormatUnknown), int64(C.HM_FORMAT_UNKNOWN)},
		{"FormatJPEG", int64(FormatJPEG), int64(C.HM_FORMAT_JPEG)},
		{"FormatPNG", int64(FormatPNG), int64(C.HM_FORMAT_PNG)},
		{"FormatGIF", int64(FormatGIF), int64(C.HM_FORMAT_GIF)},
		{"FormatWebP", int64(FormatWebP), int64(C.HM_FORMAT_WEBP)},
		{"FormatBMP", int64(FormatBMP), int64(C.HM_FORMAT_BMP)},
		{"FormatTIFF", int64(FormatTIFF), int64(C.HM_FORMAT_TIFF)},
		{"Gray8", int64(Gray8), int64(C.HM_PIXEL_GRAY8)},
		{"RGB24", int64(RGB24), int64(C.HM_PIXEL_RGB24)},
		{"RGBA32", int64(RGBA32), int64(C.HM_PIXEL_RGBA32)},
		{"AllLists", int64(AllLists), int64(C.HM_ALL_LISTS)},
		{"MaxLists", int64(MaxLists), int64(C.HM_MAX_LISTS)},
		{"MaxName", int64(MaxName), int64(C.HM_MAX_NAME)},
		{"MaxEntryID", int64(MaxEntryID), int64(C.HM_MAX_ENTRY_ID)},
		{"MaxLabels", int64(MaxLabels), int64(C.HM_MAX_LABELS)},
		{"DefaultPDQThreshold", int64(DefaultPDQThreshold), int64(C.HM_DEFAULT_PDQ_THRESHOLD)},
		{"Default64BitThreshold", int64(Default64BitThreshold), int64(C.HM_DEFAULT_64BIT_THRESHOLD)},
		{"DefaultPHashOrgThreshold", int64(DefaultPHashOrgThreshold), int64(C.HM_DEFAULT_PHASHORG_THRESHOLD)},
		{"DefaultPDQMinQuality", int64(DefaultPDQMinQuality), int64(C.HM_DEFAULT_PDQ_MIN_QUALITY)},
		{"StructAuto", int64(StructAuto), int64(C.HM_STRUCT_AUTO)},
		{"StructScan", int64(StructScan), int64(C.HM_STRUCT_SCAN)},
		{"StructMIH", int64(StructMIH), int64(C.HM_STRUCT_MIH)},
		{"StructBKTree", int64(StructBKTree), int64(C.HM_STRUCT_BKTREE)},
		{"IndexStructures", int64(IndexStructures), int64(C.HM_INDEX_STRUCTURES)},
		{"IndexDefaultStructure", int64(IndexDefaultStructure), int64(C.HM_INDEX_DEFAULT_STRUCTURE)},
		{"IndexMaxLine", int64(IndexMaxLine), int64(C.HM_INDEX_MAX_LINE)},
		{"IndexMaxEntries", int64(IndexMaxEntries), int64(C.HM_INDEX_MAX_ENTRIES)},
		{"ListAuto", int64(ListAuto), int64(C.HM_LIST_AUTO)},
		{"ListPlain", int64(ListPlain), int64(C.HM_LIST_PLAIN)},
		{"ListTyped", int64(ListTyped), int64(C.HM_LIST_TYPED)},
		{"ListPytxCSV", int64(ListPytxCSV), int64(C.HM_LIST_PYTX_CSV)},
		{"ListCanonical", int64(ListCanonical), int64(C.HM_LIST_CANONICAL)},
		{"FramesInterval", int64(FramesInterval), int64(C.HM_FRAMES_INTERVAL)},
		{"FramesKeyframes", int64(FramesKeyframes), int64(C.HM_FRAMES_KEYFRAMES)},
		{"FramesAll", int64(FramesAll), int64(C.HM_FRAMES_ALL)},
		{"TmkFileSize", int64(TmkFileSize), int64(C.HM_TMK_FILE_SIZE)},
		{"TmkBase64Len", int64(TmkBase64Len), int64(C.HM_TMK_BASE64_LEN)},
		{"TmkDim", int64(TmkDim), int64(C.HM_TMK_DIM)},
	}
}

// cRoundTrip is h through the C struct and back, as every call that takes
// a hash sees it.
func cRoundTrip(h Hash) Hash {
	var c C.hm_hash
	h.toC(&c)
	return hashFromC(&c)
}
