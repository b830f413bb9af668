/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hashmatch.h — the public API of libhashmatch.
 *
 * libhashmatch decodes untrusted images and computes the perceptual and
 * cryptographic hashes that hash-sharing programmes exchange (PDQ, imagehash
 * aHash/dHash/pHash, MD5, SHA-256), bit-for-bit equal to the reference tools.
 *
 * This header is the manual: every function is documented where it is
 * declared.  Conventions:
 *
 *  - Every fallible call returns an hm_status: HM_OK (0) or a negative code.
 *    Codes are fixed forever; new ones are only appended.  hm_strerror()
 *    gives a static description of a code, hm_status_name() its name, and
 *    hm_last_error() the detail message of the calling thread's last call
 *    (which file, which line, which limit), as errno and dlerror() do: see
 *    "Status codes".
 *  - Names: functions are hm_<object>_<action> (hm_index_add); the
 *    parameters that an object's set and get functions take are
 *    HM_<OBJECT>_<NAME> (HM_HASHER_MAX_PIXELS, HM_INDEX_MAX_LINE).
 *    Getters take their object const (hm_hasher_get, hm_index_get,
 *    hm_snapshot_list_info, hm_results_get, ...); calls that take a
 *    reference or count a use (queries, hm_index_acquire, statistics,
 *    saves) take it as it is.
 *  - Values the library does not know: passed in (a value outside its
 *    enum, a parameter, a flag bit or a type bit it does not define) they
 *    are HM_E_INVALID_ARGUMENT.  Asked for by name: *_name() functions
 *    return NULL for a value outside their enum; *_from_name() functions
 *    return 0, which is never a valid value; hm_hash_bits() returns 0;
 *    hm_strerror() never returns NULL ("unknown status code").
 *  - Output buffers: a function that writes into a caller's buffer or
 *    array takes its capacity; when what it must write does not fit, it
 *    returns HM_E_LIMIT (and the buffer's content is unspecified).  A NULL
 *    buffer is HM_E_INVALID_ARGUMENT.
 *  - Handles are opaque, each released by its own function:
 *    hm_hasher_create / hm_hasher_free, hm_index_create / hm_index_free,
 *    hm_results_create / hm_results_free, hm_txn_begin / hm_txn_free,
 *    hm_index_acquire / hm_snapshot_release, hm_hash_batch /
 *    hm_batch_free, hm_video_open_* /
 *    hm_video_close, hm_tmk_hash_* and hm_tmk_from_* / hm_tmk_free;
 *    memory the library returns by hm_pixels_free and hm_free.  Releasing
 *    NULL is a no-op.
 *  - Binary compatibility: libhashmatch.so.1 only grows.  Public structs
 *    never change layout: options structs are filled by their *_init
 *    function and carry reserved fields (zero) for what later versions
 *    add; arrays indexed by hash type have HM_HASH_TYPE_SLOTS slots;
 *    hm_match and hm_video_match are allocated by the library and reached
 *    through their getters.  scripts/check-abi.sh checks every change
 *    against the stored baseline (abi/libhashmatch.so.1.xml).
 *  - The library never prints, never calls exit() or abort(), and keeps no
 *    global mutable state of its own.  Its one piece of per-thread state is
 *    the calling thread's error message (hm_last_error()), which lives in
 *    thread-local storage and goes with its thread.  It changes one
 *    process-wide setting of a library beneath it: FFmpeg's log level, set
 *    to quiet when the first video is opened (never at load time), and only
 *    while the application has left it at FFmpeg's default and the
 *    environment variable HM_FFMPEG_LOG is unset.
 *
 * Thread safety (per object):
 *  - Functions that take no handle (hm_strerror, hm_last_error,
 *    hm_version*, hm_hash_* helpers) are safe to call from any thread at
 *    any time.
 *  - An hm_hasher is used by one thread at a time.  Different hashers may be
 *    used concurrently from different threads without locking.  A hasher may
 *    move between threads as long as calls do not overlap.
 *  - hm_hash values are plain data: copy them freely.
 *  - hm_hash_batch hashes on threads of its own, each with a copy of the
 *    hasher; an hm_batch it returns is immutable and may be read by any
 *    number of threads at once.
 *  - An hm_tmk is immutable once made: any number of threads may read and
 *    score it at once.
 *  - An hm_index serialises its writers internally and serves queries
 *    without locks from immutable snapshots; see "Matching index" below.
 */
#ifndef HASHMATCH_H
#define HASHMATCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(HM_STATIC_DEFINE)
#define HM_API
#elif defined(__GNUC__) || defined(__clang__)
#define HM_API __attribute__((visibility("default")))
#else
#define HM_API
#endif

/* ------------------------------------------------------------------------ */
/* Version                                                                  */
/* ------------------------------------------------------------------------ */

#define HM_VERSION_MAJOR 0
#define HM_VERSION_MINOR 1
#define HM_VERSION_PATCH 0
/** The header's version as one number: MAJOR*10000 + MINOR*100 + PATCH. */
#define HM_VERSION_NUMBER \
    (HM_VERSION_MAJOR * 10000 + HM_VERSION_MINOR * 100 + HM_VERSION_PATCH)

/** Version of the library actually linked, as HM_VERSION_NUMBER. */
HM_API unsigned hm_version_number(void);
/** Version of the library actually linked, e.g. "0.1.0".  Static string. */
HM_API const char *hm_version_string(void);

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

typedef enum hm_status {
    HM_OK = 0,
    HM_E_INVALID_ARGUMENT = -1, /**< NULL pointer, bad size, a value the
                                     library does not know */
    HM_E_NO_MEMORY = -2,        /**< an allocation failed */
    HM_E_IO = -3,               /**< a file could not be opened or read */
    HM_E_UNKNOWN_FORMAT = -4,   /**< content matches no supported format */
    HM_E_DECODE = -5,           /**< corrupt, truncated or unsupported media */
    HM_E_LIMIT = -6,            /**< a limit was exceeded: a configured one
                                     (input size, pixels, entries, ...) or
                                     the capacity of an output buffer */
    HM_E_PARSE = -7,            /**< malformed text: a hash string, a
                                     hash-list line, vPDQ */
    HM_E_TYPE_MISMATCH = -8,    /**< hashes of different types compared */
    HM_E_UNSUPPORTED = -9,      /**< valid request this build cannot serve */
    HM_E_INTERNAL = -10,        /**< a bug in libhashmatch; please report */
    HM_E_CORRUPT = -11,         /**< an index file is corrupt, truncated or
                                     of an unknown version */
    HM_E_NOT_FOUND = -12,       /**< no such list */
    HM_E_CANCELLED = -13        /**< the caller's interrupt callback asked
                                     to stop, or a change set outlived the
                                     content it was begun on */
} hm_status;

/** Static, human-readable description of a status code (never NULL:
 *  "unknown status code" for a value that is none). */
HM_API const char *hm_strerror(int status);

/** The name of a status code, as in this header ("HM_E_LIMIT"), or NULL
 *  for a value that is no code.  Static string. */
HM_API const char *hm_status_name(int status);

/**
 * The detail message of the last libhashmatch call that the calling
 * thread made: which file, which line, which limit, what the decoder said.
 * Every function that returns an hm_status (and hm_hash_distance) sets
 * it: empty ("") when the call succeeded, a message (never empty) when it
 * failed, hm_strerror()'s text when there is nothing more to say.
 * Functions that return nothing, a count, a pointer or a name
 * (hm_*_free, hm_results_count, hm_strerror, ...) leave it as it is, so
 * cleaning up after a failure keeps its message.
 *
 * The message is the calling thread's own: calls made by other threads at
 * the same time, on the same objects or not, never change it.  The pointer
 * stays valid, and the text unchanged, until the thread's next call that
 * sets it; it is never NULL.  Bindings whose code can move between OS
 * threads (Go's goroutines) read it on the thread that made the call.
 *
 * A callback the library calls (hm_list_error_fn, the video interrupt)
 * may call libhashmatch; the call in progress sets its own message when it
 * returns.
 */
HM_API const char *hm_last_error(void);

/* ------------------------------------------------------------------------ */
/* Hash values                                                              */
/* ------------------------------------------------------------------------ */

/** Hash kinds.  Values are fixed forever; new kinds take the next free
 *  number, always below HM_HASH_TYPE_SLOTS. */
typedef enum hm_hash_type {
    HM_HASH_PDQ = 1,    /**< Meta PDQ, 256 bits, with quality 0..100 */
    HM_HASH_PHASH = 2,  /**< imagehash 4.x phash, 64 bits */
    HM_HASH_DHASH = 3,  /**< imagehash 4.x dhash, 64 bits */
    HM_HASH_AHASH = 4,  /**< imagehash 4.x average_hash, 64 bits */
    HM_HASH_MD5 = 5,    /**< MD5 of the input bytes, 128 bits */
    HM_HASH_SHA256 = 6, /**< SHA-256 of the input bytes, 256 bits */
    /** pHash.org's DCT image hash (ph_dct_imagehash), 64 bits, packed as
     *  releases up to 0.9.x pack it: coefficient i at bit i.  The three
     *  HM_HASH_PHASHORG_* types are one value in the packings its versions
     *  gave it; each is its own type, so that no distance is ever taken
     *  across packings (hm_hash_convert converts; docs/format.md). */
    HM_HASH_PHASHORG_V09 = 7,
    /** pHash.org's hash packed as its master did from 2014 to 2022:
     *  coefficient i at bit 64 - i; coefficient 0 is shifted out and bit 0
     *  is always 0 (63 bits carry the value). */
    HM_HASH_PHASHORG_2014 = 8,
    /** pHash.org's hash packed as since its PR #48 (2026): coefficient i
     *  at bit 63 - i. */
    HM_HASH_PHASHORG_2026 = 9
} hm_hash_type;

/** The highest hash type this header knows.  It grows when a type is
 *  added: loop with it, never size a stored or exchanged array with it. */
#define HM_HASH_TYPE_MAX 9

/**
 * Room for hash types, fixed forever: types are numbered 1 to
 * HM_HASH_TYPE_SLOTS - 1 (so that HM_TYPE_BIT(t) fits bits 0 to 15 of a
 * request mask, below the request flags from bit 16), and the arrays of
 * the public structs that hold a value per type (hm_list_info.threshold,
 * hm_index_stats.entries_by_type) have this many slots, indexed by type,
 * so that their layout never changes when a type is added.
 */
#define HM_HASH_TYPE_SLOTS 16

/** Bit for a type in a request mask: HM_TYPE_BIT(HM_HASH_PDQ) | ... */
#define HM_TYPE_BIT(t) (1u << (unsigned)(t))
/** PDQ and imagehash's three: the perceptual types of the first release.
 *  This set and HM_TYPES_ALL keep their members (a request for them gives
 *  as many hashes as it always did); pHash.org's packings are asked for
 *  by name or with HM_TYPES_PHASHORG. */
#define HM_TYPES_PERCEPTUAL                                          \
    (HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_PHASH) |         \
     HM_TYPE_BIT(HM_HASH_DHASH) | HM_TYPE_BIT(HM_HASH_AHASH))
/** The packings of pHash.org's hash (perceptual types too). */
#define HM_TYPES_PHASHORG                                            \
    (HM_TYPE_BIT(HM_HASH_PHASHORG_V09) | HM_TYPE_BIT(HM_HASH_PHASHORG_2014) | \
     HM_TYPE_BIT(HM_HASH_PHASHORG_2026))
#define HM_TYPES_ALL                                                 \
    (HM_TYPES_PERCEPTUAL | HM_TYPE_BIT(HM_HASH_MD5) |                \
     HM_TYPE_BIT(HM_HASH_SHA256))
#if defined(__GNUC__) || defined(__clang__)
#define HM_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define HM_DEPRECATED(msg)
#endif
/**
 * Deprecated request flag (bit 16, never reused): the PDQ hash and its 7
 * dihedral variants.  Use HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL,
 * which gives the same hashes (and, unlike this flag, turns the other
 * perceptual types asked for too).  Still accepted; using it warns.
 */
enum { hm_want_pdq_dihedral_ HM_DEPRECATED("use HM_TYPE_BIT(HM_HASH_PDQ) | HM_WANT_DIHEDRAL") =
           1 << 16 };
#define HM_WANT_PDQ_DIHEDRAL ((unsigned)hm_want_pdq_dihedral_)
/**
 * Request flag: follow every requested perceptual hash (PDQ, pHash, dHash,
 * aHash, pHash.org's) by its 7 dihedral variants: the hashes of the image
 * rotated by 90, 180 and 270 degrees and mirrored four ways
 * (hm_hash.variant says which).  They are computed from the image once:
 * PDQ, pHash and pHash.org's by signs
 * and transposition in the DCT domain, aHash by moving bits, dHash from a
 * second 8x9 downscale; each equals the hash of the rotated image up to
 * the rounding of the downscale (docs/robustness.md gives the distances).
 * Match them with HM_QUERY_DIHEDRAL.
 */
#define HM_WANT_DIHEDRAL (1u << 17)
/**
 * Request flag: also hash the image with uniform borders trimmed (frames,
 * letterbox and pillarbox bars, a screenshot's flat surround; the rule is
 * hm_find_content's).  When a border is found, each requested perceptual
 * hash (with its dihedral variants when asked) is repeated for the
 * trimmed image after all the others, with HM_VARIANT_TRIMMED set in
 * hm_hash.variant; when none is found nothing is added.  Query both: the
 * plain hashes match lists built from untrimmed originals, the trimmed
 * ones match an original that was framed or letterboxed.  The image is
 * then buffered whole while it is hashed (width x height x 3 bytes).
 */
#define HM_WANT_TRIMMED (1u << 18)

/**
 * Request flag, for building lists from known media: also hash 9 crops of
 * the image, each 90% of its width and height, anchored at the corners,
 * the middles of the edges and the centre (x and y offsets 0, 1/2 and 1 of
 * the 10% removed; row by row from the top-left).  After all the other
 * results come, for each crop in that order, its perceptual hashes (no
 * dihedral variants), with HM_VARIANT_CROP set.  Added to a list beside
 * the plain hashes they let copies cropped by up to about 10% match
 * (docs/robustness.md has the measured gain and cost); queries do not
 * need them.  The image is buffered whole, as for HM_WANT_TRIMMED.
 */
#define HM_WANT_CROPS (1u << 19)

/**
 * Request flag, for queries: also hash the image turned by small angles,
 * so that a copy rotated by a few degrees matches a list of plain hashes
 * (lists need nothing more).  The image is shrunk to at most
 * HM_ROTATION_SIDE pixels a side (bilinear, aspect kept; smaller images
 * as they are), then, for each angle of HM_ROTATION_ANGLES in that order,
 * turned about its centre by the angle (bilinear sampling, size kept,
 * black where the turned frame leaves the image; the whole frame is
 * hashed, black corners included) and hashed: its perceptual hashes in
 * ascending type order, no dihedral variants, with HM_VARIANT_ROTATED
 * set and the angle's index in HM_ROTATION_ANGLES in bits 3-4 of
 * hm_hash.variant (HM_VARIANT_ROTATION_INDEX reads it; the low 3 bits
 * are 0).  They come after all the other results.  The image is buffered
 * whole, as for HM_WANT_TRIMMED.  docs/robustness.md has the recall they
 * give and their cost (4 more hashes per type per query).
 */
#define HM_WANT_ROTATIONS (1u << 20)

/**
 * Request flag, for building lists from known media: also hash 25 crops
 * of the image, each 80% of its width and height, on a 5 x 5 grid evenly
 * spaced from corner to corner (x and y offsets 0, 1/4, 1/2, 3/4 and all
 * of the 20% removed; row by row from the top-left).  For each crop in
 * that order come its perceptual hashes (no dihedral variants), with
 * HM_VARIANT_CROP | HM_VARIANT_FINE set, after the crops of HM_WANT_CROPS
 * and before the turned images of HM_WANT_ROTATIONS.  Added to a list
 * beside the plain hashes and HM_WANT_CROPS's, they let copies cropped by
 * up to about 20% match (docs/robustness.md has the measured gain and
 * cost).  The image is buffered whole, as for HM_WANT_TRIMMED.
 */
#define HM_WANT_CROPS_FINE (1u << 21)

/** hm_hash.variant bit: the hash of the image with its borders trimmed. */
#define HM_VARIANT_TRIMMED 0x80u
/** hm_hash.variant bit: the hash of a crop (HM_WANT_CROPS,
 *  HM_WANT_CROPS_FINE). */
#define HM_VARIANT_CROP 0x40u
/** hm_hash.variant bit: the hash of the image turned by a small angle
 *  (HM_WANT_ROTATIONS); bits 3-4 hold the angle's index. */
#define HM_VARIANT_ROTATED 0x20u
/** hm_hash.variant bit, with HM_VARIANT_CROP: the crop is one of
 *  HM_WANT_CROPS_FINE's 25 of 80% (without it, one of HM_WANT_CROPS's 9 of
 *  90%).  Bits 3-4 hold a turned hash's angle index instead when
 *  HM_VARIANT_ROTATED is set; the library never sets both marks. */
#define HM_VARIANT_FINE 0x10u
/** The index in HM_ROTATION_ANGLES of a HM_VARIANT_ROTATED hash's angle
 *  (bits 3-4 of hm_hash.variant). */
#define HM_VARIANT_ROTATION_INDEX(variant) (((unsigned)(variant) >> 3) & 3u)
/** Number of crops HM_WANT_CROPS hashes. */
#define HM_CROPS 9
/** Number of crops HM_WANT_CROPS_FINE hashes (a 5 x 5 grid). */
#define HM_CROPS_FINE 25
/** Number of angles HM_WANT_ROTATIONS turns the image by. */
#define HM_ROTATIONS 4
/** The angles of HM_WANT_ROTATIONS in degrees, in result order, as an
 *  initializer: -8, -4, +4, +8.  Positive turns counter-clockwise (as
 *  Pillow's Image.rotate), so the hash at +4 matches an original that the
 *  query shows turned 4 degrees clockwise.  hm_rotation_angle() returns
 *  them too. */
#define HM_ROTATION_ANGLES {-8, -4, 4, 8}
/** The longest side HM_WANT_ROTATIONS shrinks an image to before it is
 *  turned. */
#define HM_ROTATION_SIDE 512

/** Hashes one call can return at most (every type, dihedral variants,
 *  trimmed copies, crops, fine crops and rotations: 56 + 2 + 56 + 63 + 175
 *  + 28).  16 suffice without HM_WANT_DIHEDRAL, HM_WANT_TRIMMED,
 *  HM_WANT_CROPS, HM_WANT_CROPS_FINE and HM_WANT_ROTATIONS.  It grows when
 *  a type or a request flag is added, but a request for the types and
 *  flags of this header never needs more. */
#define HM_HASH_RESULTS_MAX 380

/** Dihedral variants (the low 3 bits of hm_hash.variant), in
 *  pdqhash-python's compute_dihedral order. */
typedef enum hm_dihedral {
    HM_DIH_ORIGINAL = 0,
    HM_DIH_ROT90 = 1,       /**< rotated 90 degrees counter-clockwise */
    HM_DIH_ROT180 = 2,
    HM_DIH_ROT270 = 3,      /**< rotated 90 degrees clockwise */
    HM_DIH_FLIPX = 4,       /**< mirrored top <-> bottom */
    HM_DIH_FLIPY = 5,       /**< mirrored left <-> right */
    HM_DIH_FLIPPLUS1 = 6,   /**< transposed (main diagonal) */
    HM_DIH_FLIPMINUS1 = 7   /**< anti-transposed */
} hm_dihedral;

/**
 * One hash value.  Plain data, 40 bytes, fixed forever.
 *
 * `bytes` holds the value in canonical order: the order of the canonical
 * hex string, most significant byte first (see docs/format.md).  Only the
 * first hm_hash_bits(type)/8 bytes are used; the rest are zero.  Every
 * type carried in an hm_hash has at most HM_HASH_BYTES_MAX bytes (256
 * bits); signatures that are longer or not bit strings (TMK's vectors)
 * will have their own value type and calls, never a larger hm_hash.
 */
typedef struct hm_hash {
    int32_t type;      /**< an hm_hash_type */
    int16_t quality;   /**< PDQ quality 0..100; -1 for types without one */
    uint8_t variant;   /**< an hm_dihedral, | HM_VARIANT_TRIMMED for the
                            hash of the trimmed image, HM_VARIANT_CROP
                            (| HM_VARIANT_FINE) for a crop's,
                            HM_VARIANT_ROTATED | the angle's index << 3
                            for a turned image's; 0 for a plain hash */
    uint8_t reserved;  /**< zero */
    uint8_t bytes[32]; /**< HM_HASH_BYTES_MAX */
} hm_hash;

/** Bytes of hm_hash.bytes: the longest hash an hm_hash holds. */
#define HM_HASH_BYTES_MAX 32

/** Maximum length of a canonical hash string, including the NUL. */
#define HM_HASH_STRING_MAX 65

/** Bits in a hash of this type (64, 128 or 256), or 0 for an unknown type. */
HM_API unsigned hm_hash_bits(int type);

/** Short lowercase name ("pdq", "phash", ...), or NULL for an unknown type. */
HM_API const char *hm_hash_type_name(int type);

/** Type for a name as hm_hash_type_name() prints it; 0 if unknown. */
HM_API int hm_hash_type_from_name(const char *name);

/**
 * Write the canonical string of `h` into `buf` (capacity `cap`, at least
 * HM_HASH_STRING_MAX to fit any type; HM_E_LIMIT when it is short for the
 * type): lowercase hex, as the reference tool prints it (PDQ: 64 digits;
 * phash/dhash/ahash: 16 digits as imagehash 4.x prints them; md5: 32;
 * sha256: 64; the pHash.org packings: the 64-bit value as 16 digits, as
 * printf's %016llx prints it).  Quality is not part of the string.
 */
HM_API hm_status hm_hash_to_string(const hm_hash *h, char *buf, size_t cap);

/**
 * Parse a canonical string of the given type into `out`.  Accepts exactly
 * the number of hex digits of the type, either case; rejects anything else
 * with HM_E_PARSE, and so a HM_HASH_PHASHORG_2014 value with bit 0 set
 * (no version with that packing makes one: the value is in another
 * packing).  `out->quality` is set to -1 (unknown).
 */
HM_API hm_status hm_hash_from_string(int type, const char *str, hm_hash *out);

/**
 * Hamming distance between two hashes of the same type: 0..bits.  Returns
 * HM_E_INVALID_ARGUMENT for NULL arguments or an unknown type and
 * HM_E_TYPE_MISMATCH when the types differ (both negative).
 */
HM_API int hm_hash_distance(const hm_hash *a, const hm_hash *b);

/**
 * Convert a hash to another packing of the same value: between the
 * HM_HASH_PHASHORG_* types (or a copy, when `to_type` is `in`'s type).
 * Returns the number of bits of the result that are not known: 0, or 1
 * from HM_HASH_PHASHORG_2014, which does not hold coefficient 0 (that bit
 * is set 0, so distances to the true value may be 1 too high).  Converting
 * to HM_HASH_PHASHORG_2014 drops coefficient 0, as that version did.
 * `out` may be `in`.
 * Negative on error: HM_E_INVALID_ARGUMENT (NULL, unknown type),
 * HM_E_TYPE_MISMATCH (types that are not packings of one value).
 */
HM_API int hm_hash_convert(const hm_hash *in, int to_type, hm_hash *out);

/* ------------------------------------------------------------------------ */
/* Hasher: decode and hash                                                  */
/* ------------------------------------------------------------------------ */

/** Opaque.  Holds options and limits. */
typedef struct hm_hasher hm_hasher;

/** Settable parameters of a hasher (hm_hasher_set / hm_hasher_get). */
typedef enum hm_hasher_param {
    /** Largest input accepted, in bytes.  Default 256 MiB. */
    HM_HASHER_MAX_INPUT_BYTES = 1,
    /** Largest image accepted, in pixels (width * height), checked from the
     *  header before pixel memory is allocated.  Default 100,000,000. */
    HM_HASHER_MAX_PIXELS = 2,
    /** PDQ flavour, an hm_pdq_flavour.  Default HM_PDQ_FULLRES. */
    HM_HASHER_PDQ_FLAVOUR = 3,
    /** 1: apply the EXIF orientation of JPEG files before hashing.
     *  Default 0, as every reference tool does. */
    HM_HASHER_APPLY_EXIF_ORIENTATION = 4,
    /** 1: fast mode.  Large JPEGs are decoded at a reduced DCT scale
     *  (1/2, 1/4 or 1/8, keeping the short side >= HM_FAST_MIN_SIDE;
     *  JPEGs with a short side under 2 * HM_FAST_MIN_SIDE are decoded exactly).
     *  Hashes then differ slightly from the exact ones; see docs/format.md
     *  for measured distances.  Default 0 (exact). */
    HM_HASHER_FAST = 5
} hm_hasher_param;

/** PDQ pre-scaling flavours. */
typedef enum hm_pdq_flavour {
    /** Full-resolution luma: pdqhash-python, python-threatexchange, HMA,
     *  the Java and Rust ports.  The format of GIFCT/TCAP lists. */
    HM_PDQ_FULLRES = 0,
    /** The C++ reference CLI (pdq-photo-hasher): images with a side over
     *  512 are first squashed to 512x512 by nearest neighbour. */
    HM_PDQ_CPP_512 = 1
} hm_pdq_flavour;

/** Short side that fast mode keeps at least (in pixels). */
#define HM_FAST_MIN_SIDE 768

/** Create a hasher with default parameters.  Free with hm_hasher_free. */
HM_API hm_status hm_hasher_create(hm_hasher **out);

/** Free a hasher and everything it holds.  NULL is a no-op. */
HM_API void hm_hasher_free(hm_hasher *h);

/** Set a parameter; HM_E_INVALID_ARGUMENT for an unknown one or a value
 *  out of range (limits must be > 0). */
HM_API hm_status hm_hasher_set(hm_hasher *h, hm_hasher_param param,
                               int64_t value);

/** Read a parameter into *value. */
HM_API hm_status hm_hasher_get(const hm_hasher *h, hm_hasher_param param,
                               int64_t *value);

/** Image container formats, detected from content (never the file name). */
typedef enum hm_format {
    HM_FORMAT_UNKNOWN = 0,
    HM_FORMAT_JPEG = 1,
    HM_FORMAT_PNG = 2,
    HM_FORMAT_GIF = 3,
    HM_FORMAT_WEBP = 4,
    HM_FORMAT_BMP = 5,
    HM_FORMAT_TIFF = 6
} hm_format;

/** Detect the format of a buffer from its first bytes. */
HM_API hm_format hm_detect_format(const void *data, size_t size);

/** Short name of a format ("jpeg", ..., "unknown" for HM_FORMAT_UNKNOWN),
 *  or NULL for a value outside hm_format. */
HM_API const char *hm_format_name(int format);

/** What the decoder found; filled by the hashing calls when non-NULL. */
typedef struct hm_image_info {
    uint32_t width;     /**< as hashed (after EXIF orientation if applied) */
    uint32_t height;
    int32_t format;     /**< an hm_format */
    int32_t channels;   /**< colour channels hashed: 1 (grey) or 3 */
    int32_t exif_orientation; /**< 1..8 from the file, 0 when absent */
    int32_t reserved[3];
} hm_image_info;

/**
 * Decode an image file and compute the requested hashes in one pass.
 *
 * `types` is a mask of HM_TYPE_BIT(...) values, optionally with
 * HM_WANT_DIHEDRAL, HM_WANT_TRIMMED, HM_WANT_CROPS, HM_WANT_CROPS_FINE
 * and HM_WANT_ROTATIONS.  Results are written to `out` in this
 * order, each perceptual hash followed by its dihedral variants when asked
 * (PDQ, phash, dhash, ahash, the pHash.org packings, md5, sha256: the
 * perceptual types, then the digests), then the trimmed image's
 * perceptual hashes in the same order when asked and a border was found,
 * then the crops' when asked (the 9 of 90%, then the 25 of 80%), then the
 * turned images' when asked; `cap` is the capacity of `out`
 * (HM_HASH_RESULTS_MAX always suffices, 16 without those five flags;
 * HM_E_LIMIT when it is
 * less than the most hashes the request can give) and `*n_out` receives
 * the number written.  `info` may be NULL.
 *
 * When only md5 and/or sha256 are asked for, the bytes are not decoded:
 * any content is accepted and `info` reports only the detected format.
 *
 * Errors: HM_E_IO, HM_E_UNKNOWN_FORMAT, HM_E_DECODE, HM_E_LIMIT,
 * HM_E_NO_MEMORY, HM_E_INVALID_ARGUMENT; details in hm_last_error().
 */
HM_API hm_status hm_hash_file(hm_hasher *h, const char *path, unsigned types,
                              hm_hash *out, size_t cap, size_t *n_out,
                              hm_image_info *info);

/** As hm_hash_file, from an encoded image in memory (not retained). */
HM_API hm_status hm_hash_memory(hm_hasher *h, const void *data, size_t size,
                                unsigned types, hm_hash *out, size_t cap,
                                size_t *n_out, hm_image_info *info);

/** The angle in degrees, counter-clockwise, of HM_WANT_ROTATIONS's turn
 *  number `index` (0 to HM_ROTATIONS - 1, in HM_ROTATION_ANGLES's order;
 *  HM_VARIANT_ROTATION_INDEX reads it from a hash), or 0 for an index out
 *  of range. */
HM_API int hm_rotation_angle(unsigned index);

/** Layouts of raw pixel buffers, 8 bits per channel. */
typedef enum hm_pixel_format {
    HM_PIXEL_GRAY8 = 1,
    HM_PIXEL_RGB24 = 2,
    HM_PIXEL_RGBA32 = 3  /**< alpha is ignored, as by the reference tools */
} hm_pixel_format;

/**
 * Hash a raw pixel buffer that the caller decoded: `width` x `height`
 * pixels, rows `stride` bytes apart (stride >= width * bytes per pixel).
 * MD5 and SHA-256 hash encoded bytes and cannot be requested here
 * (HM_E_INVALID_ARGUMENT).  The pixel limit applies.
 */
HM_API hm_status hm_hash_pixels(hm_hasher *h, const void *pixels,
                                uint32_t width, uint32_t height,
                                size_t stride, hm_pixel_format fmt,
                                unsigned types, hm_hash *out, size_t cap,
                                size_t *n_out);

/** A rectangle of an image, in pixels from its top-left corner. */
typedef struct hm_rect {
    uint32_t x, y, width, height;
} hm_rect;

/**
 * Find the content of an image inside uniform borders: the rectangle left
 * after stripping rows from the top and the bottom, then columns from the
 * left and the right, while they are flat (at least 90% of their pixels
 * within 12 levels, in every channel, of the line's median colour; judged
 * on every k-th row and column so that at most 1024 are looked at on a
 * side).  Borders, letterbox bars and a title or status bar with a little
 * text go, and so does a photo's own flat margin (a plain sky, a studio
 * backdrop) as far as its lines pass the test.  When
 * less than 20% of the width or the height would remain, or nothing is
 * flat, `out` is the whole image.  This is the rule HM_WANT_TRIMMED
 * applies.  Returns HM_E_INVALID_ARGUMENT for bad arguments.
 */
HM_API hm_status hm_find_content(const void *pixels, uint32_t width,
                                 uint32_t height, size_t stride,
                                 hm_pixel_format fmt, hm_rect *out);

/**
 * Decoded pixels, as the hashes see them: 8-bit grey (HM_PIXEL_GRAY8) or
 * RGB (HM_PIXEL_RGB24), alpha dropped, EXIF orientation applied only when
 * the hasher asks for it.  `data` is owned by the struct: release it with
 * hm_pixels_free().
 */
typedef struct hm_pixels {
    uint8_t *data;
    uint32_t width;
    uint32_t height;
    size_t stride;     /**< bytes between rows */
    int32_t format;    /**< an hm_pixel_format */
    int32_t reserved;
} hm_pixels;

/**
 * Decode an encoded image into pixels with the hasher's limits and
 * options (the same decode the hashing calls run).  On success `out` owns
 * new memory; on failure it is zeroed.  Errors as hm_hash_memory.
 */
HM_API hm_status hm_decode_memory(hm_hasher *h, const void *data, size_t size,
                                  hm_pixels *out, hm_image_info *info);

/** Release the memory of decoded pixels (NULL or empty is a no-op). */
HM_API void hm_pixels_free(hm_pixels *p);

/* ---- batch hashing ------------------------------------------------------ */

/*
 * Hash many inputs in one call on the library's own threads: what a data
 * engine (Spark's mapInArrow, Ray's map_batches) or a binding that
 * releases its interpreter lock once per batch needs.  Each item is hashed
 * exactly as hm_hash_memory or hm_hash_file would hash it alone, with the
 * hasher's parameters and limits, so its hashes, info, status and message
 * are those of the single call, for any thread count.  A bad item (corrupt,
 * missing, over a limit) gets its own status and message and never fails
 * the batch.
 */

/** One input of a batch: encoded bytes in memory, or a file to read. */
typedef struct hm_batch_item {
    const void *data;  /**< encoded bytes (not kept), when path is NULL */
    size_t size;       /**< bytes at data */
    const char *path;  /**< a file to read (data NULL and size 0), or NULL */
    uint64_t reserved[2]; /**< zero: an item with any set is refused
                               (its status HM_E_INVALID_ARGUMENT) */
} hm_batch_item;

/** Options of a batch.  Initialise with hm_batch_opts_init(). */
typedef struct hm_batch_opts {
    /** Threads that hash (the calling thread is one of them): 0 (default)
     *  for the CPUs online; never more than the items. */
    uint32_t threads;
    uint32_t reserved0;    /**< zero: a batch with any reserved field */
    uint64_t reserved[7];  /**< set fails with HM_E_INVALID_ARGUMENT */
} hm_batch_opts;

HM_API void hm_batch_opts_init(hm_batch_opts *o);

/** The results of a batch, one per item in item order: opaque, allocated
 *  by hm_hash_batch, released with hm_batch_free.  Read by any number of
 *  threads at once. */
typedef struct hm_batch hm_batch;

/** One item's results, as hm_batch_get gives them. */
typedef struct hm_batch_result {
    const hm_hash *hashes; /**< `count` hashes in hm_hash_memory's order
                                (none when status is not HM_OK); point
                                into the batch, valid until hm_batch_free */
    size_t count;
    const char *error;     /**< "" when status is HM_OK; else the message
                                hm_last_error() gives after the single
                                call (a file's begins with its path);
                                valid until hm_batch_free */
    int32_t status;        /**< the item's hm_status */
    int32_t reserved0;
    hm_image_info info;    /**< as the single call fills it */
    uint64_t reserved[4];
} hm_batch_result;

/**
 * Hash `n` items with the hasher's parameters and limits, `types` as
 * hm_hash_file takes it (the flags included).  `opts` may be NULL (the
 * defaults).  On success *out is a new hm_batch of n results (n may be 0);
 * on failure NULL.  The hasher is read once at the start (each thread
 * hashes with a copy of it) and must not be used by others during the
 * call.  Errors (the batch's, never an item's): HM_E_INVALID_ARGUMENT
 * (NULL hasher or out, NULL items with n > 0, a bad type mask, reserved
 * options set), HM_E_NO_MEMORY.
 */
HM_API hm_status hm_hash_batch(hm_hasher *h, const hm_batch_item *items,
                               size_t n, unsigned types,
                               const hm_batch_opts *opts, hm_batch **out);

/** Items in a batch (0 for NULL). */
HM_API size_t hm_batch_count(const hm_batch *b);

/** Item i's results into *r; HM_E_INVALID_ARGUMENT for NULL or i out of
 *  range.  Returns HM_OK also when the item itself failed: read
 *  r->status. */
HM_API hm_status hm_batch_get(const hm_batch *b, size_t i,
                              hm_batch_result *r);

/** Every item's results at once, as columns: what a binding that moves
 *  columns (Arrow, numpy) reads without a call per item.  The pointers
 *  point into the batch (NULL when it has no items) and are valid until
 *  hm_batch_free.  An item's message is read with hm_batch_get. */
typedef struct hm_batch_columns {
    const hm_hash *hashes;      /**< item i's counts[i] hashes begin at
                                     hashes[i * stride] */
    size_t stride;              /**< the most hashes the request can give */
    const uint32_t *counts;     /**< n: hashes of each item (0 if failed) */
    const int32_t *status;      /**< n: each item's hm_status */
    const hm_image_info *info;  /**< n: as hm_batch_get gives it */
    uint64_t reserved[4];
} hm_batch_columns;

/** The columns of a batch into *c; HM_E_INVALID_ARGUMENT for NULL. */
HM_API hm_status hm_batch_columns_get(const hm_batch *b, hm_batch_columns *c);

/** Release a batch's results (NULL is a no-op). */
HM_API void hm_batch_free(hm_batch *b);

/* ------------------------------------------------------------------------ */
/* Matching index                                                           */
/* ------------------------------------------------------------------------ */

/*
 * An hm_index holds known hashes (entries) grouped in lists and answers
 * "which known hashes lie within distance r of this one".  It keeps one
 * code space per hash type: a pHash never matches a dHash.
 *
 * Model:
 *  - A *list* has a name, a distance threshold per hash type and an
 *    enabled flag.  Default thresholds: PDQ 31, pHash/dHash/aHash 10,
 *    MD5/SHA-256 0 (exact).  Lists are numbered from 0 in creation order.
 *  - An *entry* is (list, hash, entry id, labels).  The entry id is the
 *    string id the hash list gave (e.g. the exchange's id); labels are a
 *    free string.  One entry id may carry several hashes (say a PDQ and an
 *    MD5).  Adding an entry equal in list, id, type and hash to one already
 *    present does nothing.
 *  - Changes (add, remove, list settings, loading lists) are staged in a
 *    *change set* and become visible together when it is committed, which
 *    publishes a new *snapshot*.  The hm_index_* writer calls stage into
 *    the index's own change set, which all threads share, and
 *    hm_index_commit() publishes it; a writer that needs its changes to
 *    appear together and alone (replacing an entry, reloading a list)
 *    stages them in a change set of its own, an hm_txn (below).
 *  - A snapshot is immutable.  Queries run on a snapshot without locks;
 *    any number of threads may query while a writer builds and publishes
 *    the next one.  A snapshot lives until its last reader releases it.
 *
 * Thread safety:
 *  - Query functions (hm_index_query, hm_index_match_video,
 *    hm_index_acquire, hm_snapshot_*, hm_index_stats_get) may be called
 *    from any number of
 *    threads at once, concurrently with writers.  They take no lock; a
 *    query sees exactly one snapshot.
 *  - Writer functions (hm_index_list*, hm_index_add, hm_index_remove,
 *    hm_index_load_list*, hm_index_commit, hm_index_load, hm_index_set and
 *    the hm_txn_* calls) are serialised by a mutex inside the index, so
 *    any thread may call them.  Staging into the index's own change set
 *    is shared: hm_index_commit() from any thread publishes what every
 *    thread staged there, also another thread's half-done series of
 *    calls.  Changes staged in an hm_txn are its own until
 *    hm_txn_commit().  Each thread reads its own calls' messages with
 *    hm_last_error(), however many threads write.
 *  - Saving (hm_index_save*, hm_snapshot_save*) takes no writer lock:
 *    writers and commits go on while a save writes and syncs its file.
 *    hm_index_save then takes it for a moment, to publish the current
 *    snapshot again with TMK level 2 read from the file written: new
 *    snapshot, same content; a snapshot a reader holds is not changed.
 *  - An hm_results object, and an hm_txn, is used by one thread at a
 *    time.
 *  - hm_index_free() must not race with any other call on the index or
 *    its change sets; snapshots and results still held stay valid after
 *    it, and a change set may still be freed (hm_txn_free), nothing else.
 */
typedef struct hm_index hm_index;
/** An immutable view of an index.  Reference-counted. */
typedef struct hm_snapshot hm_snapshot;
/** Query results: an array of hm_match plus the snapshot they point into. */
typedef struct hm_results hm_results;

/** Search structures.  All of them return exactly the same results. */
typedef enum hm_structure {
    HM_STRUCT_AUTO = 0,   /**< chosen per query by a cost model (default) */
    HM_STRUCT_SCAN = 1,   /**< SIMD linear scan (AVX-512/AVX2/portable) */
    HM_STRUCT_MIH = 2,    /**< exact multi-index hashing */
    HM_STRUCT_BKTREE = 3  /**< BK-tree (built only when asked for) */
} hm_structure;

/** Index parameters (hm_index_set / hm_index_get). */
typedef enum hm_index_param {
    /** Bit mask of structures to build besides the scan, which always
     *  exists: (1 << HM_STRUCT_MIH) | (1 << HM_STRUCT_BKTREE).  Default
     *  (1 << HM_STRUCT_MIH).  Takes effect for segments built afterwards. */
    HM_INDEX_STRUCTURES = 1,
    /** Structure that queries use when their options say HM_STRUCT_AUTO.
     *  Default HM_STRUCT_AUTO. */
    HM_INDEX_DEFAULT_STRUCTURE = 2,
    /** Longest line accepted in a hash list, in bytes.  Default 65536.
     *  A TMK+PDQF row's hash field (HM_TMK_BASE64_LEN) is not counted
     *  (docs/hashlist-formats.md). */
    HM_INDEX_MAX_LINE = 3,
    /** Most entries the index accepts in total.  Default 1,000,000,000. */
    HM_INDEX_MAX_ENTRIES = 4
} hm_index_param;

/** Create an empty index.  Free with hm_index_free(). */
HM_API hm_status hm_index_create(hm_index **out);

/** Free the index (NULL is a no-op).  Snapshots and results that readers
 *  still hold stay valid until they are released. */
HM_API void hm_index_free(hm_index *idx);

HM_API hm_status hm_index_set(hm_index *idx, hm_index_param p, int64_t v);
HM_API hm_status hm_index_get(const hm_index *idx, hm_index_param p,
                              int64_t *v);

/* ---- lists (staged until hm_index_commit) ------------------------------ */

/** Most lists in one index. */
#define HM_MAX_LISTS 65535
/** Longest list name, entry id and labels string, in bytes (without NUL). */
#define HM_MAX_NAME 255
#define HM_MAX_ENTRY_ID 1024
#define HM_MAX_LABELS 4096

/** Default distance thresholds (hm_default_threshold() gives a type's). */
#define HM_DEFAULT_PDQ_THRESHOLD 31
#define HM_DEFAULT_64BIT_THRESHOLD 10
/** pHash.org's hash, every packing: the largest distance with at most 1e-4
 *  of the unrelated pairs of the robustness corpus within it, for the 64
 *  bits of phashorg_2026 and the 63 of phashorg_2014 alike (docs/robustness.md,
 *  "pHash.org's hash"). The 22 its users often apply matched 1.5e-2 there. */
#define HM_DEFAULT_PHASHORG_THRESHOLD 13

/**
 * The default distance threshold of a hash type, the one a new list
 * starts with: HM_DEFAULT_PDQ_THRESHOLD for PDQ, HM_DEFAULT_64BIT_THRESHOLD
 * for pHash, dHash and aHash, HM_DEFAULT_PHASHORG_THRESHOLD for every
 * packing of pHash.org's hash, 0 (exact) for MD5 and SHA-256; -1 for a value
 * that is no hash type.  The one place this rule lives: the index, the
 * tools and the bindings ask here.
 */
HM_API int hm_default_threshold(int type);
/** Default minimum PDQ quality of a query hash (see hm_query_opts). */
#define HM_DEFAULT_PDQ_MIN_QUALITY 50

/**
 * Find the list called `name`, creating it (enabled, default thresholds)
 * when it does not exist, and write its id to *list.  Names are 1 to
 * HM_MAX_NAME bytes of UTF-8 without control characters (others:
 * HM_E_INVALID_ARGUMENT).  A new list's id is fixed at once and is the
 * same for every change set; the list, empty, appears in the next
 * snapshot that any commit publishes.
 */
HM_API hm_status hm_index_list(hm_index *idx, const char *name,
                               uint32_t *list);

/** Set a list's threshold for one hash type (0..bits of the type; -1
 *  restores the default), or for every type when `type` is 0. */
HM_API hm_status hm_index_list_set_threshold(hm_index *idx, uint32_t list,
                                             int type, int threshold);

/** Enable (1) or disable (0) a list.  Disabled lists never match. */
HM_API hm_status hm_index_list_set_enabled(hm_index *idx, uint32_t list,
                                           int enabled);

/**
 * Rename a list (the rules of hm_index_list() for names).  Staged as its
 * settings are: snapshots, results and hm_index_list() know the list by
 * its old name until the commit publishes the new one; snapshots taken
 * before keep the old name.  No two lists share a name: a name another
 * list has, or is being renamed to in the same change set, is refused
 * (HM_E_INVALID_ARGUMENT), here and again at commit (where another writer
 * may have taken it since; the commit then fails and publishes nothing).
 * Renaming a list to its own name is a no-op; the list keeps its id,
 * settings, entries and hit counter.  Names a list had stay in memory
 * (snapshots may point at them) until hm_index_load() or hm_index_free().
 */
HM_API hm_status hm_index_list_rename(hm_index *idx, uint32_t list,
                                      const char *name);

/** Remove every entry of a list (the list itself, its settings and its
 *  counters stay).  *n_removed (may be NULL) receives the count. */
HM_API hm_status hm_index_list_clear(hm_index *idx, uint32_t list,
                                     uint64_t *n_removed);

/** A list as a snapshot sees it. */
typedef struct hm_list_info {
    const char *name;      /**< valid while the snapshot is held */
    uint32_t id;
    int32_t enabled;
    int16_t threshold[HM_HASH_TYPE_SLOTS]; /**< by hm_hash_type; -1 in the
                                                slots of no type ([0] and
                                                those above
                                                HM_HASH_TYPE_MAX) */
    uint64_t entries;      /**< live entries */
    uint64_t hits;         /**< matches reported since the index was created
                                (hits, and hm_index_decide's decisions;
                                shared by all snapshots) */
    uint64_t reserved[4];
} hm_list_info;

/* ---- entries (staged until hm_index_commit) ---------------------------- */

/**
 * Stage one entry: `hash` (any type) in `list`, with `entry_id` (1 to
 * HM_MAX_ENTRY_ID bytes; NULL uses the hash's canonical string) and
 * `labels` (NULL or up to HM_MAX_LABELS bytes).  The hash's quality and
 * variant are not stored.
 */
HM_API hm_status hm_index_add(hm_index *idx, uint32_t list,
                              const hm_hash *hash, const char *entry_id,
                              const char *labels);

/**
 * Stage the removal of every hash of `entry_id` in `list`, or in every list
 * when `list` is HM_ALL_LISTS.  Applies to committed entries and to entries
 * staged before this call.  *n_removed (may be NULL) receives the count;
 * removing an id that is not there is not an error.
 */
#define HM_ALL_LISTS 0xffffffffu
HM_API hm_status hm_index_remove(hm_index *idx, uint32_t list,
                                 const char *entry_id, uint64_t *n_removed);

/**
 * Publish the staged changes as a new snapshot, atomically: queries that
 * start afterwards see all of them, queries already running finish on the
 * snapshot they started with.  Builds search structures for the new
 * entries and merges segments when needed (so its time grows with what
 * changed, plus occasional merges).  Without staged changes it does
 * nothing.
 */
HM_API hm_status hm_index_commit(hm_index *idx);

/* ---- hash lists -------------------------------------------------------- */

/** Hash-list file formats (docs/hashlist-formats.md). */
typedef enum hm_list_format {
    HM_LIST_AUTO = 0,      /**< detected from the first data line */
    HM_LIST_PLAIN = 1,     /**< one hash per line; type from the options or
                                from the length where that is unambiguous */
    HM_LIST_TYPED = 2,     /**< "<type> <hash>" per line (pytx local file;
                                tmk and video_tmk_pdqf take a TMK+PDQF
                                hash as in canonical CSV) */
    HM_LIST_PYTX_CSV = 3,  /**< python-threatexchange dataset CSV, with a
                                header naming signal_type, signal_str,
                                collab, category, tags (video_tmk_pdqf
                                rows: TMK entries) */
    HM_LIST_CANONICAL = 4  /**< hash_type,hash,entry_id,list,labels; the
                                hash_type tmk (or video_tmk_pdqf) takes a
                                TMK+PDQF hash as the base64 of its .tmk
                                file (a TMK entry; with no entry_id, the
                                SHA-256 of the .tmk file is its id) */
} hm_list_format;

/** Called for each rejected line (lenient mode) or for the failing line
 *  (strict mode).  `source` is the path or the name given. */
typedef void (*hm_list_error_fn)(void *user, const char *source,
                                 uint64_t line, const char *message);

/** Options for loading a hash list.  Initialise with
 *  hm_list_load_opts_init(); unset fields keep their defaults. */
typedef struct hm_list_load_opts {
    int32_t format;        /**< an hm_list_format; default HM_LIST_AUTO */
    int32_t hash_type;     /**< type of plain lines; 0: from the length
                                (32 hex digits: md5; 16 and 64 digits are
                                ambiguous: the load fails with
                                HM_E_INVALID_ARGUMENT without this field) */
    int32_t strict;        /**< 1: the first bad line fails the load and
                                nothing of the file is staged (default);
                                0: bad lines are skipped and counted */
    int32_t include_negative; /**< pytx CSV: 1 keeps NEGATIVE_CLASS rows
                                   (default 0: skipped and counted) */
    const char *list;      /**< list for lines that name none; default:
                                the file's base name without extension
                                (bytes that are not UTF-8 text written as
                                U+FFFD), or "default" */
    const char *labels;    /**< labels for lines that carry none (UTF-8) */
    hm_list_error_fn on_error; /**< may be NULL */
    void *user;
    uint64_t reserved[6];
} hm_list_load_opts;

HM_API void hm_list_load_opts_init(hm_list_load_opts *o);

/** What a load did.  Filled in on failure too (counts up to the failing
 *  line; `added` is then 0, as nothing stays staged). */
typedef struct hm_list_load_report {
    uint64_t lines;        /**< lines read, comments and blanks included */
    uint64_t added;        /**< entries staged */
    uint64_t duplicates;   /**< entries already present (nothing staged) */
    uint64_t rejected;     /**< bad lines skipped (lenient mode) */
    uint64_t unsupported;  /**< well-formed lines of a python-threatexchange
                                signal type this library does not read
                                from lists (url, raw_text, vpdq, ...: the
                                list in docs/hashlist-formats.md) */
    uint64_t negative;     /**< pytx NEGATIVE_CLASS rows skipped */
    int32_t format;        /**< the format used (after detection) */
    int32_t reserved0;
    uint64_t first_bad_line; /**< line number of the first rejected line */
    uint64_t unknown_type; /**< of the rejected lines, those naming a hash
                                type nobody knows (a typo such as "pdg") */
    uint64_t reserved[3];
} hm_list_load_report;

/**
 * Stage every entry of a hash-list file (formats above and in
 * docs/hashlist-formats.md).  Lines starting with '#' and blank lines are
 * skipped; CRLF and a UTF-8 byte-order mark are accepted.  Every line must
 * be UTF-8 text: a NUL byte or a malformed UTF-8 sequence makes the line
 * bad, as does a type name that is neither indexed nor a known signal type.
 * A bad line fails the load in strict mode and is skipped and counted in
 * lenient mode.  Errors name the file and line in hm_last_error().
 * `report` may be NULL.
 *
 * A file with content (lines other than blanks, comments and a header)
 * from which nothing loads fails in either mode with HM_E_UNKNOWN_FORMAT:
 * every line was rejected, or every line is of a type not indexed.
 * Reloading a file whose entries are all present already (duplicates) and
 * a file of only skipped NEGATIVE_CLASS rows are not failures; an empty or
 * comment-only file loads nothing and succeeds.
 *
 * Errors: HM_E_IO; HM_E_PARSE (a bad line, strict mode);
 * HM_E_UNKNOWN_FORMAT (nothing loaded, above); HM_E_INVALID_ARGUMENT (bad
 * options, or bare hashes of a length several types share, such as 64
 * hex digits, without `hash_type`); HM_E_LIMIT (a line longer than
 * HM_INDEX_MAX_LINE in strict mode, too many entries); HM_E_NO_MEMORY.
 */
HM_API hm_status hm_index_load_list(hm_index *idx, const char *path,
                                    const hm_list_load_opts *opts,
                                    hm_list_load_report *report);

/** As hm_index_load_list, from memory; `name` is used in messages and as
 *  the default list name. */
HM_API hm_status hm_index_load_list_memory(hm_index *idx, const void *data,
                                           size_t size, const char *name,
                                           const hm_list_load_opts *opts,
                                           hm_list_load_report *report);

/* ---- change sets (transactions) ------------------------------------------ */

/**
 * A change set of one writer: changes staged privately and published
 * together by hm_txn_commit(), in one snapshot, without any other
 * writer's changes mixed in (e.g. the removal of an entry and the add of
 * its replacement, or clearing a list and loading its new file).
 *
 * The calls below stage as their hm_index_* counterparts do (same
 * arguments, rules and errors), into the change set instead of the
 * index's shared one.  Lists are named with hm_index_list(), whose ids all
 * change sets share.  Staging checks duplicates and counts removals
 * against the snapshot current at the set's first change; hm_txn_commit()
 * applies the changes, in the order they were made, to the snapshot
 * current at commit: whatever other writers committed meanwhile stays,
 * changed only where this set changes it, and the counts reported while
 * staging may then differ from what the commit does (an entry another
 * writer added meanwhile is not added twice; one this set found present
 * that another writer removed meanwhile is added back).
 *
 * An hm_txn is used by one thread at a time; staging and committing take
 * the index's writer lock.  After hm_index_load() replaced the index's
 * content, the calls on a change set begun before return
 * HM_E_CANCELLED.  hm_txn_free() may come before or after hm_index_free();
 * any other call on a change set needs its index.
 */
typedef struct hm_txn hm_txn;

/** Begin an empty change set on `idx`.  Free it with hm_txn_free(). */
HM_API hm_status hm_txn_begin(hm_index *idx, hm_txn **out);
/** Discard what is staged in the change set and free it (NULL is a
 *  no-op). */
HM_API void hm_txn_free(hm_txn *txn);
/** Publish the set's changes as a new snapshot (atomically, as
 *  hm_index_commit).  The set is then empty and may be used again; on
 *  failure nothing is published and its changes stay staged. */
HM_API hm_status hm_txn_commit(hm_txn *txn);
/** As hm_index_add, into the change set. */
HM_API hm_status hm_txn_add(hm_txn *txn, uint32_t list, const hm_hash *hash,
                            const char *entry_id, const char *labels);
/** As hm_index_remove, into the change set (HM_ALL_LISTS also removes the
 *  id from lists named before the commit). */
HM_API hm_status hm_txn_remove(hm_txn *txn, uint32_t list,
                               const char *entry_id, uint64_t *n_removed);
/** As hm_index_list_clear, into the change set. */
HM_API hm_status hm_txn_list_clear(hm_txn *txn, uint32_t list,
                                   uint64_t *n_removed);
/** As hm_index_list_set_threshold, into the change set. */
HM_API hm_status hm_txn_list_set_threshold(hm_txn *txn, uint32_t list,
                                           int type, int threshold);
/** As hm_index_list_set_enabled, into the change set. */
HM_API hm_status hm_txn_list_set_enabled(hm_txn *txn, uint32_t list,
                                         int enabled);
/** As hm_index_list_rename, into the change set. */
HM_API hm_status hm_txn_list_rename(hm_txn *txn, uint32_t list,
                                    const char *name);
/** As hm_index_load_list, into the change set. */
HM_API hm_status hm_txn_load_list(hm_txn *txn, const char *path,
                                  const hm_list_load_opts *opts,
                                  hm_list_load_report *report);
/** As hm_index_load_list_memory, into the change set. */
HM_API hm_status hm_txn_load_list_memory(hm_txn *txn, const void *data,
                                         size_t size, const char *name,
                                         const hm_list_load_opts *opts,
                                         hm_list_load_report *report);

/* ---- persistence ------------------------------------------------------- */

/**
 * Save a snapshot to `path` (format: docs/index-format.md; versioned, with
 * checksums).  Atomic: the data goes to a new file in the same directory
 * (unnamed until complete where the file system allows), which is
 * fsync'ed, renamed over `path` as PATH.tmp.XXXXXX, and the directory is
 * fsync'ed; a crash leaves either the old file or the new one.  Each save
 * first removes the temporaries of `path` that writers killed during a
 * save left (docs/index-format.md gives the rule: only unlocked ones, of
 * this user, with the index magic).  Safe while other threads query the
 * snapshot.  TMK+PDQF entries' level-2 features are copied from where
 * they lie (memory, or the file they were loaded from, checked: a file
 * cut or changed since its load makes the save fail with HM_E_CORRUPT);
 * a snapshot saved this way goes on reading them from there (but see
 * hm_index_save).
 */
HM_API hm_status hm_snapshot_save(hm_snapshot *snap, const char *path);

/**
 * Save the index's current snapshot (as hm_snapshot_save), without taking
 * the writer lock while it writes: writers and commits go on meanwhile.
 * Saves of one index run one at a time, each of the snapshot current when
 * it starts writing.
 *
 * Then the index reads the TMK+PDQF level-2 features of every entry the
 * file holds from the file just written (as if loaded from it, with the
 * same check of each entry at each read), so the copies held in memory
 * (an added hash's 257 KiB, a section loaded by hm_index_load_memory) and
 * earlier files are let go: the index's current snapshot is published
 * again, with the same content and generation, taking the writer lock for
 * that moment.  Snapshots taken before the save (by readers, results,
 * change sets) keep reading from where they did until they are released;
 * entries added while the save wrote keep their copy until the next save.
 * The new file stays open (a descriptor of the index's own) while
 * anything reads from it.  When memory or a descriptor runs short for
 * this, the save still succeeds and the entries keep their sources.
 */
HM_API hm_status hm_index_save(hm_index *idx, const char *path);

/**
 * Save a snapshot into memory, in the file format (for a database blob or
 * a network copy; hm_index_load_memory reads it back).  On success *data
 * is a new buffer of *size bytes, released with hm_free(); on failure
 * *data is NULL.  Safe while other threads query the snapshot.
 */
HM_API hm_status hm_snapshot_save_memory(hm_snapshot *snap, void **data,
                                         size_t *size);

/** Save the index's current snapshot into memory (as
 *  hm_snapshot_save_memory). */
HM_API hm_status hm_index_save_memory(hm_index *idx, void **data,
                                      size_t *size);

/** Release memory the library returned (hm_*_save_memory).  NULL is a
 *  no-op. */
HM_API void hm_free(void *p);

/**
 * Replace the whole content of the index (lists and entries, staged or
 * committed) with the file's, and publish it.  A corrupt, truncated or
 * unknown-version file gives HM_E_CORRUPT and leaves the index unchanged.
 * The file is read, not mapped: a file cut or changed while it is read
 * gives HM_E_CORRUPT and a read error HM_E_IO, never a signal.  Reading
 * and building take no lock; writers wait only for the final swap.
 * Change sets (hm_txn) begun before cannot commit afterwards.  Reads
 * format versions 1 and 2 (docs/index-format.md).  A file with TMK+PDQF
 * entries stays open (a descriptor of the index's own) while anything of
 * this load is in use: their level-2 features (256 KiB each) are not read
 * by the load but read from it, and checked against the entry's
 * checksum, only for the entries a TMK query's level 1 lets through and
 * by a save; a damaged entry there, or a file cut or changed in place
 * afterwards, makes such a query or save fail with HM_E_CORRUPT, never
 * score wrongly (replacing the file by rename, as hm_index_save does, is
 * safe).  Everything else in the file is checked by the load.
 */
HM_API hm_status hm_index_load(hm_index *idx, const char *path);

/** As hm_index_load, from the bytes of an index file in memory (not
 *  retained), e.g. a blob kept in a database; it checks every byte,
 *  the TMK level-2 features included (a copy of them is kept). */
HM_API hm_status hm_index_load_memory(hm_index *idx, const void *data,
                                      size_t size);

/* ---- queries ----------------------------------------------------------- */

/** Query flags. */
#define HM_QUERY_DIHEDRAL 1u /**< match any of the 8 rotations/mirrors */

/** Options of a query.  Initialise with hm_query_opts_init(). */
typedef struct hm_query_opts {
    /** -1 (default): each list's own threshold for the hash type.
     *  0 to the bits of each query's type: every entry within this
     *  distance, list thresholds ignored. */
    int32_t radius;
    /** 0 (default): range query.  k > 0: the k nearest entries (within
     *  `radius` when it is >= 0, at any distance otherwise). */
    uint32_t k;
    /** HM_QUERY_* flags. */
    uint32_t flags;
    /** An hm_structure; HM_STRUCT_AUTO uses the index's default. */
    int32_t structure;
    /** PDQ queries whose quality is known (>= 0) and below this match
     *  nothing.  Default HM_DEFAULT_PDQ_MIN_QUALITY; 0 disables. */
    int32_t min_quality;
    /** Include disabled lists (default 0). */
    int32_t include_disabled;
    uint64_t reserved[6];
} hm_query_opts;

HM_API void hm_query_opts_init(hm_query_opts *o);

/** One hit.  The library allocates hits (reach each with hm_results_get,
 *  never by indexing from another: the struct may grow at its end). */
typedef struct hm_match {
    uint32_t query;        /**< index of the query hash in the call; with
                                HM_QUERY_DIHEDRAL, of the group's original */
    int32_t type;          /**< hm_hash_type */
    int32_t distance;
    int32_t threshold;     /**< the threshold applied: the list's, or the
                                query radius */
    uint32_t list;         /**< list id */
    uint8_t variant;       /**< hm_dihedral of the query variant that
                                matched best (0 without HM_QUERY_DIHEDRAL) */
    uint8_t reserved[3];
    const char *list_name; /**< these point into the snapshot held by the */
    const char *entry_id;  /**< results object: valid until it is reused  */
    const char *labels;    /**< or freed                                  */
    hm_hash hash;          /**< the known hash that matched */
    double frame_time;     /**< when the known hash is a frame of a known
                                video (hm_index_add_video): its time in
                                seconds; -1 otherwise */
    uint64_t reserved2[2];
} hm_match;

/** Create a results object (reusable across queries).  Every query and
 *  video match on it replaces everything it held (hits, video matches and
 *  the snapshot they point into), also when the call fails: it is then
 *  empty. */
HM_API hm_status hm_results_create(hm_results **out);
/** Free results and release the snapshot they hold.  NULL is a no-op. */
HM_API void hm_results_free(hm_results *r);
/** Forget the last query's hits and release the snapshot they point into
 *  (results kept between queries would otherwise keep an old snapshot
 *  alive).  NULL is a no-op. */
HM_API void hm_results_clear(hm_results *r);
/** Number of hits of the last query. */
HM_API size_t hm_results_count(const hm_results *r);
/** Hit i (0-based), or NULL when out of range.  Hits are ordered by query,
 *  then distance, then list id, then entry id. */
HM_API const hm_match *hm_results_get(const hm_results *r, size_t i);
/** The structure the last query used for its largest share of work (an
 *  hm_structure), for diagnostics and benchmarks. */
HM_API int hm_results_structure(const hm_results *r);

/**
 * Match `n` query hashes (any mix of types) against the index's current
 * snapshot and write the hits to `res` (replacing what it held; it keeps
 * a reference to the snapshot so the strings stay valid).  `opts` may be
 * NULL for defaults.
 *
 * With HM_QUERY_DIHEDRAL, each perceptual query is matched in its 8
 * dihedral variants and an entry is reported once, at its best distance.
 * If a query with dihedral variant 0 is directly followed by the 7
 * variants that hm_hash_file() returns for HM_WANT_DIHEDRAL (same type,
 * variants 1..7, the same HM_VARIANT_TRIMMED bit), those exact variants
 * are used and the group counts as one query (`query` names its first
 * hash).  Otherwise the variants are derived from the hash's bits: for
 * PDQ by a transposition and sign flips in the DCT domain (0-14 bits from
 * the exact variants on the reference photos), for aHash by moving its
 * bits (exact).  pHash and dHash cannot be derived from their bits: such
 * a query without its variants is matched as it is.
 *
 * Errors: HM_E_INVALID_ARGUMENT (an unknown type; a radius above the bits
 * of a query's type, e.g. 65 for a 64-bit hash), HM_E_NO_MEMORY.
 */
HM_API hm_status hm_index_query(hm_index *idx, const hm_hash *queries,
                                size_t n, const hm_query_opts *opts,
                                hm_results *res);

/* ---- the match policy: one decision per known item ------------------------- */

/**
 * Fused-score thresholds of hm_index_decide, calibrated on the robustness
 * corpus (docs/matching.md: 233 photos, 1.32 million unrelated pairs,
 * bench/robustness/policy.py): the largest score at which unrelated pairs
 * match at a false-match rate of 1e-4 (the default) or 1e-6 per pair of
 * a query and a known image, for one hash of each type on each side.
 */
#define HM_DECIDE_SCORE_FPR_1E4 (-5.52)
#define HM_DECIDE_SCORE_FPR_1E6 (-6.94)

/** Options of hm_index_decide.  Initialise with hm_decide_opts_init(). */
typedef struct hm_decide_opts {
    /** HM_QUERY_DIHEDRAL: the query's perceptual hashes count in their 8
     *  dihedral variants, as in hm_index_query. */
    uint32_t flags;
    /** PDQ query hashes whose quality is known (>= 0) and below this are
     *  not compared.  Default HM_DEFAULT_PDQ_MIN_QUALITY; 0 disables. */
    int32_t min_quality;
    /** Include disabled lists (default 0). */
    int32_t include_disabled;
    int32_t reserved0;
    /** The fused-score threshold for one comparison per type, < 0
     *  (default HM_DECIDE_SCORE_FPR_1E4); hm_decision.threshold says how
     *  it is tightened for more comparisons. */
    double max_score;
    uint64_t reserved[6];
} hm_decide_opts;

HM_API void hm_decide_opts_init(hm_decide_opts *o);

/** hm_decision.rule: why a known item matched. */
#define HM_RULE_EXACT 1  /**< an MD5 or SHA-256 of the query equals one of the item's */
#define HM_RULE_PDQ 2    /**< PDQ within the list's PDQ threshold: PDQ's own rule */
#define HM_RULE_SINGLE 3 /**< the one perceptual type both sides have, within
                              the list's threshold for it */
#define HM_RULE_FUSED 4  /**< two or more perceptual types, fused score at
                              most hm_decision.threshold */

/** The decision on one known item (the entries of one list with one entry
 *  id).  Allocated by the library (reach each with hm_results_decision_get:
 *  the struct may grow at its end). */
typedef struct hm_decision {
    uint32_t list;          /**< list id */
    int32_t rule;           /**< HM_RULE_*: the first of them that holds */
    const char *list_name;  /**< these point into the snapshot held by the */
    const char *entry_id;   /**< results object, as hm_match's            */
    const char *labels;     /**< (the labels of the item's closest entry) */
    uint32_t types;         /**< HM_TYPE_BIT mask of the types compared:
                                 those both the query and the item have
                                 (PDQ only when its quality passes) */
    uint32_t agreed;        /**< of those, the types within the list's own
                                 threshold for them */
    double score;           /**< fused score of the perceptual types
                                 compared (lower is closer; see
                                 docs/matching.md); NAN when none */
    double threshold;       /**< the fused threshold for this item's
                                 comparisons (max_score tightened for
                                 `comparisons` > 1) */
    uint32_t comparisons;   /**< the most hash pairs compared for one type:
                                 query hashes x item entries of that type */
    uint32_t reserved0;
    int32_t distance[HM_HASH_TYPE_SLOTS]; /**< by hm_hash_type: the smallest
                                 distance of the type (over the query's
                                 hashes and variants and the item's
                                 entries); for MD5 and SHA-256 0 when
                                 equal, else 1; -1 when not compared */
    uint64_t reserved[4];
} hm_decision;

/**
 * Decide, for one image hashed with several types (every hash of one
 * hm_hash_file call: PDQ, pHash, dHash, aHash, MD5, SHA-256, with their
 * variants), which known items match, using every hash type both the
 * query and the item have (one item: the entries of one list that share
 * an entry id).  An item matches when, in this order:
 *  - an MD5 or SHA-256 of the query equals one of the item's
 *    (HM_RULE_EXACT);
 *  - its PDQ distance is within the list's PDQ threshold (HM_RULE_PDQ):
 *    every item hm_index_query matches by PDQ matches here too, so lists
 *    that carry only PDQ (GIFCT's) keep PDQ's rule;
 *  - only one of PDQ, pHash, dHash and aHash is compared and its
 *    distance is within the list's threshold for it (HM_RULE_SINGLE);
 *  - two or more of PDQ, pHash, dHash and aHash (HM_TYPES_PERCEPTUAL,
 *    the fused model's types) are compared and their fused score
 *    is at most the threshold (HM_RULE_FUSED).  The score is Stouffer's:
 *    each type's smallest distance d becomes z = (d - mean) / sd, the
 *    mean and spread of that type's distance between unrelated images;
 *    the score is the sum of the z's divided by the standard deviation
 *    of that sum for unrelated images (the square root of the sum of the
 *    types' correlations).  The threshold is max_score - 0.25 ln(m) for
 *    m comparisons of one type (dihedral variants, crops or rotations on
 *    either side), which keeps the false-match rate near its target;
 *  - none of those four is compared, and a pHash.org packing is within
 *    the list's threshold for it (HM_RULE_SINGLE).  pHash.org's hash is
 *    outside the fused model: for items with other perceptual hashes its
 *    distance is reported, not used.
 * The calibration, the recall it gives per edit and the false-match rates
 * measured are in docs/matching.md.
 *
 * Decisions replace whatever `res` held (hm_results_count is then 0);
 * read them with hm_results_decision_count / hm_results_decision_get,
 * ordered by rule, then score, then list id, then entry id.  Lists'
 * thresholds and enabled state are the snapshot's.  Known items are
 * found by searching each perceptual type within a radius that no
 * fused match can lie beyond (docs/matching.md), so a decision costs
 * more than a query with the lists' thresholds.
 *
 * Errors: HM_E_INVALID_ARGUMENT (unknown type or flags, max_score not
 * negative and finite, reserved fields not zero), HM_E_NO_MEMORY.
 */
HM_API hm_status hm_index_decide(hm_index *idx, const hm_hash *hashes, size_t n,
                                 const hm_decide_opts *opts, hm_results *res);
/** As hm_index_decide, on a given snapshot. */
HM_API hm_status hm_snapshot_decide(hm_snapshot *s, const hm_hash *hashes, size_t n,
                                    const hm_decide_opts *opts, hm_results *res);
/** Number of decisions (matched items) of the last hm_index_decide. */
HM_API size_t hm_results_decision_count(const hm_results *r);
/** Decision i (0-based), or NULL when out of range. */
HM_API const hm_decision *hm_results_decision_get(const hm_results *r, size_t i);

/** Take a reference to the current snapshot (never NULL on HM_OK).
 *  Lock-free; release with hm_snapshot_release(). */
HM_API hm_status hm_index_acquire(hm_index *idx, hm_snapshot **out);
/** Drop a reference; the last one frees the snapshot.  NULL is a no-op. */
HM_API void hm_snapshot_release(hm_snapshot *s);
/** As hm_index_query, on a given snapshot. */
HM_API hm_status hm_snapshot_query(hm_snapshot *s, const hm_hash *queries,
                                   size_t n, const hm_query_opts *opts,
                                   hm_results *res);
/** Number of lists in the snapshot. */
HM_API uint32_t hm_snapshot_list_count(const hm_snapshot *s);
/** Information on list `list` as the snapshot sees it. */
HM_API hm_status hm_snapshot_list_info(const hm_snapshot *s, uint32_t list,
                                       hm_list_info *out);
/** Find a list by name in the snapshot: HM_E_NOT_FOUND when absent. */
HM_API hm_status hm_snapshot_list_find(const hm_snapshot *s,
                                       const char *name, uint32_t *list);

/* ---- statistics -------------------------------------------------------- */

/** Counters pulled from an index. */
typedef struct hm_index_stats {
    uint64_t entries;                      /**< live entries, all types
                                                (hashes and TMK+PDQF) */
    uint64_t entries_by_type[HM_HASH_TYPE_SLOTS]; /**< by hm_hash_type
                                                (0 in the slots of no
                                                type; TMK+PDQF entries
                                                are in tmk_entries) */
    uint64_t unique_hashes;                /**< distinct (type, hash) codes,
                                                summed over segments */
    uint64_t bytes;                        /**< memory of the snapshot */
    uint64_t bytes_structures;             /**< of which codes and search
                                                structures (MIH, BK-tree) */
    uint64_t queries;                      /**< query hashes served since
                                                the index was created (a
                                                decision counts one) */
    uint64_t hits;                         /**< hits and decisions reported
                                                since then */
    uint64_t generation;                   /**< commits published */
    uint32_t lists;
    uint32_t segments;                     /**< immutable parts searched */
    uint64_t tmk_entries;                  /**< live TMK+PDQF entries
                                                (hm_index_add_tmk): entries
                                                less those by type */
    uint64_t reserved[7];
} hm_index_stats;

/** Statistics of the current snapshot and the index's counters. */
HM_API hm_status hm_index_stats_get(hm_index *idx, hm_index_stats *out);
/** Statistics of a given snapshot (counters are the index's). */
HM_API hm_status hm_snapshot_stats(const hm_snapshot *s, hm_index_stats *out);

/* ------------------------------------------------------------------------ */
/* Video                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Videos are hashed frame by frame (PDQ, optionally pHash/dHash/aHash)
 * through FFmpeg, as vPDQ does: frames converted to RGB24 at the stream's
 * frame size (or an N x N downscale) with swscale's area filter, hashed
 * with full-resolution PDQ; frames whose decoded size differs from the
 * stream's are read as vpdq-hash-video reads them (docs/video.md, "Frame
 * geometry").  Input is local only: a path or a memory buffer;
 * no network protocol, playlist or concat demuxer is ever opened, and only
 * the containers and codecs listed in docs/video.md are allowed.
 *
 * Thread safety: an hm_video is used by one thread at a time, and so is
 * the hasher it was opened with, until hm_video_close().
 *
 * Memory and work: the decoder's pictures are capped by max_memory (its
 * reference and reordering frames, checked from what the stream declares
 * before the first picture and at every picture), each frame by the
 * hasher's HM_HASHER_MAX_PIXELS, the work by max_work_pixels and the
 * time_budget; docs/security.md gives measured peaks.
 *
 * FFmpeg's demuxers log damaged input through FFmpeg's process-wide log
 * level: libhashmatch sets it to quiet when the first video is opened,
 * unless the application has chosen a level of its own (anything but
 * FFmpeg's default, AV_LOG_INFO) or HM_FFMPEG_LOG is set.  Decoders are
 * silenced per context and never touch it.
 */
typedef struct hm_video hm_video;

/** Which frames are hashed. */
typedef enum hm_frame_mode {
    /** vPDQ's rule: frame n (0-based, decode order) is hashed when
     *  n % max(1, (int)(interval * fps)) == 0; timestamp = n / fps
     *  (in single precision, as vPDQ computes it).
     *  Every frame is decoded.  interval 0 hashes every frame. */
    HM_FRAMES_INTERVAL = 0,
    /** Keyframes only: non-key frames are not decoded at all, so the cost
     *  grows with the number of keyframes (unless hm_video_opts.tmk asks
     *  for TMK+PDQF, which needs every frame: then every frame is decoded
     *  and the same keyframes are hashed).  Frames that do not decode
     *  cleanly on their own are skipped.  `interval` is then the minimum
     *  time between two hashed keyframes. */
    HM_FRAMES_KEYFRAMES = 1,
    /** Every frame (the vpdq-hash-video CLI's default). */
    HM_FRAMES_ALL = 2
} hm_frame_mode;

/** Video options.  Initialise with hm_video_opts_init(). */
typedef struct hm_video_opts {
    int32_t mode;          /**< an hm_frame_mode; default HM_FRAMES_INTERVAL */
    double interval;       /**< seconds; default 1.0 (vpdq's default) */
    uint32_t types;        /**< HM_TYPE_BIT of pdq/phash/dhash/ahash;
                                default PDQ */
    int32_t downscale;     /**< 0: native size (default); N: N x N, as
                                vpdq's -s N */
    int32_t apply_rotation;/**< 1: turn frames upright by the stream's
                                rotation metadata.  Default 0, as vPDQ */
    int32_t animated_images; /**< 1: an animated GIF or WebP is read as a
                                video; default 1 */
    int32_t rgb_exact;     /**< 1 (default): keyframe mode converts frames
                                to RGB as the other modes do, so its hashes
                                equal vPDQ's for the same frames; 0 hashes
                                the decoder's luma plane directly (BT.601
                                Y', equal up to rounding: 0-10 bits apart),
                                which measured no faster */
    uint32_t max_frames;   /**< most frames hashed; default 100,000 */
    uint64_t max_decoded;  /**< most frames decoded; default 2,000,000 */
    double max_duration;   /**< longest media accepted, seconds; default
                                14,400 (4 h); checked from the container
                                and again from timestamps */
    double time_budget;    /**< wall-clock seconds for open + all frames;
                                default 120 (an upload path: about 16 min
                                of 1080p30 H.264 on one core, measured in
                                docs/security.md); 0: none */
    /** Called often during decoding; return non-zero to cancel (the call
     *  in progress returns HM_E_CANCELLED).  May be NULL. */
    int (*interrupt)(void *user);
    void *user;
    /** 1: hash each frame's content inside uniform borders (letterbox and
     *  pillarbox bars; hm_find_content's rule, frame by frame) instead of
     *  the whole frame.  Default 0, as vPDQ. */
    int32_t trim_borders;
    /** 1: also compute the video's TMK+PDQF hash from the same decoding
     *  (no second pass over the file), taken with hm_video_take_tmk once
     *  hm_video_next has given the last frame.  Any mode: in
     *  HM_FRAMES_KEYFRAMES every frame is then decoded (TMK needs them
     *  all; hm_video_info.frames_decoded counts them) and the frames given
     *  are still those of key packets, as without tmk.  Needs a video
     *  FFmpeg decodes (HM_E_UNSUPPORTED for an animated WebP).  Its 15 fps frames
     *  count against max_frames on their own and against max_work_pixels,
     *  not in hm_video_info.frames_hashed.  The hash equals
     *  hm_tmk_hash_file's.  Default 0 (the field was reserved0). */
    int32_t tmk;
    /** Most bytes of decoded pictures the decoder may hold at once (its
     *  reference and reordering frames).  Checked at the first picture
     *  from what the stream declares (frame size and format, H.264's
     *  reference frames and reorder delay), then at every picture the
     *  decoder allocates; HM_E_LIMIT when over.  Default 512 MiB (3
     *  pictures at the default pixel limit; 4K 10-bit with 16 references);
     *  0: the default; UINT64_MAX: none.  The process also holds one RGB
     *  copy of the frame being hashed (3 bytes per pixel) and the hashes'
     *  work buffers: docs/security.md gives measured totals. */
    uint64_t max_memory;
    /** Most pixels of work: every decoded frame counts its width x height
     *  and every hashed frame its hashed size once more (the decoding and
     *  hashing work, whatever the machine; HM_E_LIMIT when over).  Default
     *  5 x 10^10: 13 minutes of 1080p30 in interval mode (about 100 s of
     *  one core, docs/security.md), 3 minutes of 4K30; 0: the default. */
    uint64_t max_work_pixels;
    uint64_t reserved[5];
} hm_video_opts;

HM_API void hm_video_opts_init(hm_video_opts *o);

/** What the demuxer and decoder found. */
typedef struct hm_video_info {
    uint32_t width, height;   /**< the stream's frame size (its codec
                                   parameters), the size frames are hashed
                                   at without downscale */
    double fps;               /**< avg_frame_rate, else r_frame_rate */
    double duration;          /**< seconds; 0 when the container has none */
    int32_t rotation;         /**< degrees counter-clockwise, 0/90/180/270 */
    int32_t partial;          /**< 1: the stream is damaged or truncated:
                                   it ended early, packets were rejected, or
                                   frames were concealed (see
                                   hm_video_frame.damaged); what is missing
                                   is missing, the rest is valid */
    uint64_t frames_decoded;  /**< frames the decoder produced so far */
    uint64_t frames_hashed;
    uint64_t decode_errors;   /**< packets the decoder rejected */
    char container[32];       /**< e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
    char codec[32];           /**< e.g. "h264" */
    uint64_t frames_skipped;  /**< frames not decoded because nothing needs
                                   them (TMK+PDQF: non-reference frames its
                                   15 fps output drops); 0 for vPDQ (taken
                                   from reserved[0]) */
    uint64_t reserved[3];
} hm_video_info;

/** Hashes one hm_video_frame holds at most: the 4 per-frame types of
 *  today (PDQ, pHash, dHash, aHash) and room for more.  Fixed forever. */
#define HM_FRAME_HASHES 8

/**
 * One hashed frame.  Callers allocate arrays of them, so the layout is
 * fixed (384 bytes); what later versions add goes into the reserved
 * fields.  A frame the caller fills in itself (to add or match frames it
 * did not get from hm_video_next or the vPDQ parsers, which fill every
 * field) must be zeroed whole first (memset, or = {0}): the reserved
 * fields must be zero, and so must the hashes past nhashes.
 */
typedef struct hm_video_frame {
    uint64_t frame_number;  /**< 0-based in decode order (keyframe mode:
                                 from the timestamp, round(t * fps)) */
    double timestamp;       /**< seconds (interval/all modes: frame_number /
                                 fps, as vPDQ; keyframe mode: the PTS) */
    int32_t keyframe;       /**< 1 when the decoder marked it a keyframe */
    int32_t damaged;        /**< 1: the decoder concealed errors in it */
    int32_t nhashes;        /**< hashes used, 0 to HM_FRAME_HASHES */
    int32_t reserved0;      /**< zero */
    hm_hash hashes[HM_FRAME_HASHES]; /**< PDQ (with quality) first, then
                                 pHash, dHash, aHash as requested */
    uint64_t reserved[4];   /**< zero */
} hm_video_frame;

/**
 * Open a video for hashing with the hasher's limits (max input bytes;
 * max pixels per frame) and `opts` (NULL for defaults).  The hasher must
 * stay alive and unused by others until hm_video_close().
 * Errors: HM_E_IO, HM_E_UNKNOWN_FORMAT (no allowed container or no video
 * stream), HM_E_UNSUPPORTED (codec not allowed), HM_E_LIMIT, HM_E_DECODE,
 * HM_E_CANCELLED, HM_E_NO_MEMORY; details in hm_last_error().
 */
HM_API hm_status hm_video_open_file(hm_hasher *h, const char *path,
                                    const hm_video_opts *opts, hm_video **out);
/** As hm_video_open_file, from memory (not copied: keep it alive until
 *  hm_video_close). */
HM_API hm_status hm_video_open_memory(hm_hasher *h, const void *data,
                                      size_t size, const hm_video_opts *opts,
                                      hm_video **out);

/**
 * The next hashed frame: *got = 1 and `frame` filled, or *got = 0 at the
 * end (check hm_video_get_info().partial).  Errors: HM_E_LIMIT (a limit
 * hit: frames returned so far stay valid), HM_E_CANCELLED, HM_E_DECODE
 * (nothing decodable at all), HM_E_NO_MEMORY.
 */
HM_API hm_status hm_video_next(hm_video *v, hm_video_frame *frame, int *got);

HM_API hm_status hm_video_get_info(const hm_video *v, hm_video_info *info);

/** Close the video (NULL is a no-op). */
HM_API void hm_video_close(hm_video *v);

/**
 * vPDQ's text line for a frame: "frameNumber,quality,pdqhex,timestamp"
 * with the timestamp at 3 decimals, no newline.  `cap` >= 128 suffices;
 * HM_E_LIMIT when the line does not fit.
 */
HM_API hm_status hm_vpdq_format_line(const hm_video_frame *f, char *buf,
                                     size_t cap);
/** Parse a vPDQ line (a trailing newline is allowed) into `f` (PDQ only).
 *  Timestamps must lie within 0 .. 366 days. */
HM_API hm_status hm_vpdq_parse_line(const char *line, hm_video_frame *f);

/**
 * python-threatexchange's compact vPDQ signal: a JSON list of
 * "pdqhex,quality,timestamp" strings, the timestamp as Python's
 * format(t, ".3") prints it (3 significant digits, e.g. "1.23e+02").
 * Writes at most `cap` bytes with the NUL; HM_E_LIMIT when that is short.
 * *len (may be NULL) receives the length without the NUL: of what was
 * written, or on HM_E_LIMIT of what the buffer must hold (less one).
 */
HM_API hm_status hm_vpdq_format_compact(const hm_video_frame *frames, size_t n,
                                        char *buf, size_t cap, size_t *len);
/** Parse the compact form into up to `cap` frames (frame_number is the
 *  position in the list); HM_E_PARSE on malformed input, HM_E_LIMIT when
 *  there are more than `cap` frames. */
HM_API hm_status hm_vpdq_parse_compact(const char *json, hm_video_frame *frames,
                                       size_t cap, size_t *n);

/* ---- video matching (vPDQ rule) ------------------------------------------ */

/**
 * Stage the frames of a known video as entries of `list`, all with the
 * entry id `video_id` (and `labels`): PDQ hashes of quality >= 50 (as
 * vPDQ's rule drops the others), identical hashes kept once (the first
 * time they occur).  Each entry keeps its frame's time, so image queries
 * that hit a frame report it (hm_match.frame_time) and video matches can
 * report time ranges.  *n_added (may be NULL) receives the frames kept.
 */
HM_API hm_status hm_index_add_video(hm_index *idx, uint32_t list,
                                    const hm_video_frame *frames, size_t n,
                                    const char *video_id, const char *labels,
                                    size_t *n_added);

/** As hm_index_add_video, into a change set (hm_txn). */
HM_API hm_status hm_txn_add_video(hm_txn *txn, uint32_t list,
                                  const hm_video_frame *frames, size_t n,
                                  const char *video_id, const char *labels,
                                  size_t *n_added);

/** Options of a video match.  Initialise with hm_video_match_opts_init(). */
typedef struct hm_video_match_opts {
    int32_t distance;        /**< frame distance threshold; default 31 */
    int32_t min_quality;     /**< query frames below are dropped; default 50 */
    double query_percent;    /**< share of unique query frames that must
                                  match; default 80 (python-threatexchange) */
    double target_percent;   /**< share of the known video's frames that
                                  must match; default 0 */
    double range_gap;        /**< matched frames less than this many seconds
                                  apart join one time range; default 2.0 */
    int32_t include_disabled;
    /** HM_QUERY_DIHEDRAL: also match the query turned each of the 7 other
     *  dihedral ways (mirrored, rotated), its frames' variants derived from
     *  their PDQ bits; a known video is reported once, in the orientation
     *  with the most query frames matched (hm_video_match.variant). */
    uint32_t flags;
    uint64_t reserved[6];
} hm_video_match_opts;

HM_API void hm_video_match_opts_init(hm_video_match_opts *o);

/** A span of time, seconds. */
typedef struct hm_time_range {
    double start, end;
} hm_time_range;

/** One known video that matched.  Allocated by the library, as hm_match
 *  (reach each with hm_results_video_get). */
typedef struct hm_video_match {
    const char *video_id;     /**< these point into the snapshot held by  */
    const char *list_name;    /**< the results: valid until they are      */
    const char *labels;       /**< reused or freed                        */
    uint32_t list;
    uint32_t query_frames;    /**< unique query frames of quality >= min */
    uint32_t query_matched;   /**< of which had a known frame within distance */
    uint32_t target_frames;   /**< frames of the known video in the index */
    uint32_t target_matched;  /**< of which matched some query frame */
    uint32_t variant;         /**< hm_dihedral of the query orientation that
                                   matched (0 without HM_QUERY_DIHEDRAL) */
    double query_percent;     /**< 100 * query_matched / query_frames */
    double target_percent;    /**< 100 * target_matched / target_frames */
    const hm_time_range *query_ranges;  /**< where the query matched */
    size_t n_query_ranges;
    const hm_time_range *target_ranges; /**< where the known video matched */
    size_t n_target_ranges;
    uint64_t reserved[4];
} hm_video_match;

/**
 * Match a video's frames (from hm_video_next, or parsed vPDQ lines)
 * against the known videos in the index with vPDQ's rule: drop query
 * frames below min_quality, keep identical hashes once, find for every
 * unique query frame the known frames within `distance`, and report each
 * known video whose shares of matched query frames and of matched known
 * frames reach the thresholds.  Results replace what `res` held (read them
 * with hm_results_video_count / hm_results_video_get), ordered by target
 * share, then query share, descending.
 */
HM_API hm_status hm_index_match_video(hm_index *idx,
                                      const hm_video_frame *frames, size_t n,
                                      const hm_video_match_opts *opts,
                                      hm_results *res);
/** As hm_index_match_video, on a given snapshot (hm_index_acquire). */
HM_API hm_status hm_snapshot_match_video(hm_snapshot *snap,
                                         const hm_video_frame *frames, size_t n,
                                         const hm_video_match_opts *opts,
                                         hm_results *res);
HM_API size_t hm_results_video_count(const hm_results *r);
HM_API const hm_video_match *hm_results_video_get(const hm_results *r,
                                                  size_t i);

/* ------------------------------------------------------------------------ */
/* TMK+PDQF video hashes                                                    */
/* ------------------------------------------------------------------------ */

/*
 * TMK+PDQF is the whole-video hash of Meta's ThreatExchange (tmk/), the
 * one GIFCT's hash-sharing database and Tech Against Terrorism's TCAP
 * (hash_type "TMK") exchange.  libhashmatch computes, reads, writes and
 * scores it bit for bit as the reference tools do (tmk-hash-video,
 * tmk-two-level-score): the frames the reference's ffmpeg command prints
 * (upright, 64x64 RGB, 15 frames per second), PDQ's float DCT of each
 * (PDQF), and their time-weighted Fourier sums over four periods.
 * docs/tmk.md gives the algorithm, the file layout and what was checked.
 *
 * An hm_tmk is a hash: the .tmk file's content, about 257 KiB.  It is
 * immutable once made, so one may be read by many threads at once
 * (hm_tmk_scores, hm_tmk_to_bytes, ...); release it with hm_tmk_free.
 *
 * Two videos compare in two levels: level 1, the cosine similarity of
 * their average frame features (cheap), and level 2, the best time-shift
 * match of their Fourier features (about 200 microseconds on one core).
 * Both are in [-1, 1], 1 for a video against itself; the reference's rule
 * calls two videos a match when level 1 >= 0.7 and level 2 >= 0.7
 * (hm_tmk_default_threshold), and suggests 0.9 on both for near-exact
 * copies.  TMK matches whole videos (re-encodes, resizes, logos, bars); it
 * is weak at clips cut out of a longer video (vPDQ finds those).
 */
typedef struct hm_tmk hm_tmk;

/** Bytes of a .tmk file (every TMK+PDQF file has this size). */
#define HM_TMK_FILE_SIZE 263344
/** Characters of a .tmk file's base64 (padded), without the NUL. */
#define HM_TMK_BASE64_LEN 351128
/** Floats of a TMK+PDQF level-1 feature (hm_tmk_get_average). */
#define HM_TMK_DIM 256
/** The reference's default thresholds of level 1 and level 2. */
#define HM_TMK_DEFAULT_LEVEL1_THRESHOLD 0.7f
#define HM_TMK_DEFAULT_LEVEL2_THRESHOLD 0.7f

/**
 * The default threshold of TMK's level `level` (1 or 2): two videos match
 * when both scores reach their level's threshold.  -1 for another level.
 * The one place this rule lives: the tools and the bindings ask here.
 */
HM_API float hm_tmk_default_threshold(int level);

/**
 * Hash a video to TMK+PDQF, with the hasher's limits (max input bytes,
 * max pixels per frame) and the video limits of `opts` (NULL: the
 * defaults of hm_video_opts_init): max_frames (here the 15-fps frames
 * hashed, repeated frames included: the default 100,000 is 1 h 51 min),
 * max_decoded, max_duration, time_budget, max_memory, max_work_pixels
 * (decoded pixels, plus 4,096 per frame hashed: the default stops 1080p30
 * near 13 minutes) and the interrupt callback apply as for vPDQ, and
 * animated_images (an animated GIF is a video).  The frame choice of vPDQ
 * does not: mode, interval, types, downscale, rgb_exact, trim_borders and
 * apply_rotation are ignored (TMK reads every frame, turns it upright by
 * the stream's rotation as the ffmpeg tool does, and scales it to 64x64).
 * The hasher must not be used by others during the call.
 *
 * On success *out is a new hash (hm_tmk_free); on failure NULL.  `info`
 * (may be NULL) receives what hm_video_get_info would give: frames_hashed
 * is the frame features aggregated, partial is set for damaged streams
 * (the hash is then of the frames that decoded); it is filled on failure
 * too once the video was opened.
 * Errors: as hm_video_open_file and hm_video_next (HM_E_IO,
 * HM_E_UNKNOWN_FORMAT, HM_E_UNSUPPORTED: a codec not allowed, animated
 * WebP, or a build without FFmpeg; HM_E_LIMIT, HM_E_CANCELLED,
 * HM_E_NO_MEMORY); HM_E_DECODE when no frame decodes or none falls at a
 * 15 fps output time.
 */
HM_API hm_status hm_tmk_hash_file(hm_hasher *h, const char *path,
                                  const hm_video_opts *opts, hm_tmk **out,
                                  hm_video_info *info);
/** As hm_tmk_hash_file, from `size` bytes in memory (not kept). */
HM_API hm_status hm_tmk_hash_memory(hm_hasher *h, const void *data,
                                    size_t size, const hm_video_opts *opts,
                                    hm_tmk **out, hm_video_info *info);

/**
 * The TMK+PDQF hash of a video opened with hm_video_opts.tmk, after
 * hm_video_next has returned *got == 0 (the end): *out is a new hash
 * (hm_tmk_free), the video's from the same decoding as its frames.  Once
 * per video.  Errors: HM_E_INVALID_ARGUMENT (NULL, the video not opened
 * with .tmk, not read to its end, or taken already), HM_E_DECODE (no frame
 * falls at a 15 fps output time), or the error that stopped the frames.
 */
HM_API hm_status hm_video_take_tmk(hm_video *v, hm_tmk **out);

/** Release a hash (NULL is a no-op). */
HM_API void hm_tmk_free(hm_tmk *t);

/**
 * Read a .tmk file's `size` bytes (as tmk-hash-video writes them, and as
 * GIFCT exchanges them), checked field by field: exactly HM_TMK_FILE_SIZE
 * bytes, the magics, TMK+PDQF's parameters (15 fps, the reference's
 * periods and coefficients: files made with others cannot be compared),
 * a frame count >= 0, every float finite and of the magnitude or norm the
 * algorithm gives it.  So a damaged file is refused rather than scored
 * wrongly, and an accepted one always scores finitely.  On success *out
 * is a new hash (hm_tmk_free); on failure NULL.  Errors: HM_E_PARSE with
 * the first fault named in hm_last_error(), HM_E_NO_MEMORY.
 */
HM_API hm_status hm_tmk_from_bytes(const void *data, size_t size,
                                   hm_tmk **out);
/**
 * The .tmk file of a hash, HM_TMK_FILE_SIZE bytes, into buf (`cap`
 * bytes); HM_E_LIMIT when cap is smaller.  *len (may be NULL) receives
 * HM_TMK_FILE_SIZE: the bytes written, or on HM_E_LIMIT the bytes the
 * buffer must hold.  A hash read from a file writes the same bytes back.
 */
HM_API hm_status hm_tmk_to_bytes(const hm_tmk *t, void *buf, size_t cap,
                                 size_t *len);
/**
 * Read the base64 of a .tmk file (TCAP's form for hash_type "TMK": the
 * standard alphabet, '=' padding, which may be left out), `len`
 * characters (no NUL needed; no white space, line breaks or base64url),
 * then checked as hm_tmk_from_bytes does.  Errors: HM_E_PARSE,
 * HM_E_NO_MEMORY.
 */
HM_API hm_status hm_tmk_from_base64(const char *text, size_t len,
                                    hm_tmk **out);
/**
 * The base64 of the hash's .tmk file (padded, HM_TMK_BASE64_LEN
 * characters) and a NUL into buf (`cap` bytes, at least
 * HM_TMK_BASE64_LEN + 1); HM_E_LIMIT when that is short.  *len (may be
 * NULL) receives HM_TMK_BASE64_LEN: the length written without the NUL,
 * or on HM_E_LIMIT what the buffer must hold less one.
 */
HM_API hm_status hm_tmk_to_base64(const hm_tmk *t, char *buf, size_t cap,
                                  size_t *len);

/** What a hash holds beyond its features (the .tmk file's header). */
typedef struct hm_tmk_info {
    int32_t frames;       /**< frame features aggregated: the video's
                               frames at 15 per second */
    int32_t fps;          /**< frames per second of the features: 15 */
    int32_t periods;      /**< Fourier periods: 4 */
    int32_t coefficients; /**< Fourier coefficients per period: 32 */
    int32_t dimension;    /**< floats per feature: HM_TMK_DIM */
    int32_t reserved0;
    uint64_t reserved[4];
} hm_tmk_info;

HM_API hm_status hm_tmk_get_info(const hm_tmk *t, hm_tmk_info *info);
/**
 * The hash's level-1 feature (the average PDQF frame feature, HM_TMK_DIM
 * floats; hm_tmk_scores' level 1 is the cosine similarity of two of them)
 * into out (`n` floats: HM_E_LIMIT when fewer than HM_TMK_DIM), e.g. for
 * a vector database's nearest-neighbour search.
 */
HM_API hm_status hm_tmk_get_average(const hm_tmk *t, float *out, size_t n);

/**
 * Score two hashes as tmk-two-level-score does, to the bit: *level1 the
 * cosine similarity of their average features (0 when either video's is
 * all zero, where the reference gives NaN for one), *level2 the best
 * time-shift match over every offset of every period, normalised so that
 * a hash scores 1 against itself (a one-frame video scores 0.518 against
 * itself: it has no motion to match).  Either pointer may be NULL (not
 * both): level 1 alone costs a few hundred times less than level 2, so a
 * caller may filter by it first.  Level 1 is symmetric in a and b; level 2
 * of b against a may differ from a against b in the last bits of the float
 * (time runs the other way in the sweep: 1.8e-7 apart at most over the
 * reference videos' pairs), so a caller that needs one answer for a pair
 * passes its hashes in a fixed order.
 */
HM_API hm_status hm_tmk_scores(const hm_tmk *a, const hm_tmk *b,
                               float *level1, float *level2);

/* ---- TMK+PDQF in the index ---------------------------------------------- */

/**
 * Stage a known video's TMK+PDQF hash as an entry of `list`, with the
 * entry id `video_id` (1 to HM_MAX_ENTRY_ID bytes) and `labels` (NULL or
 * up to HM_MAX_LABELS bytes).  The hash is copied.  Adding the same hash
 * with the same id to the same list again changes nothing; hm_index_remove
 * and hm_index_list_clear remove TMK entries as they remove others.  Each
 * entry counts one toward HM_INDEX_MAX_ENTRIES and the entry counts of
 * hm_list_info and hm_index_stats (not entries_by_type: TMK is no
 * hm_hash_type).
 *
 * Memory: an entry keeps its level-1 feature in memory (about 1.4 KiB
 * with its id); the level-2 features (256 KiB) stay in memory until the
 * index is saved to a file (hm_index_save) or loaded from one
 * (hm_index_load); from then on they are read from the file only for the
 * entries that pass level 1 (docs/index.md).
 */
HM_API hm_status hm_index_add_tmk(hm_index *idx, uint32_t list,
                                  const hm_tmk *t, const char *video_id,
                                  const char *labels);
/** As hm_index_add_tmk, into a change set (hm_txn). */
HM_API hm_status hm_txn_add_tmk(hm_txn *txn, uint32_t list, const hm_tmk *t,
                                const char *video_id, const char *labels);

/**
 * Set a list's TMK threshold of level `level` (1 or 2): 0 to 1, or -1 to
 * restore the default (hm_tmk_default_threshold).  A known video matches
 * a query when both its scores reach its list's thresholds.
 */
HM_API hm_status hm_index_list_set_tmk_threshold(hm_index *idx, uint32_t list,
                                                 int level, float threshold);
/** As hm_index_list_set_tmk_threshold, into a change set. */
HM_API hm_status hm_txn_list_set_tmk_threshold(hm_txn *txn, uint32_t list,
                                               int level, float threshold);
/** A list's effective TMK threshold of level `level` (1 or 2) as the
 *  snapshot sees it. */
HM_API hm_status hm_snapshot_list_tmk_threshold(const hm_snapshot *s,
                                                uint32_t list, int level,
                                                float *threshold);

/** Options of a TMK match.  Initialise with hm_tmk_match_opts_init(). */
typedef struct hm_tmk_match_opts {
    /** -1 (default): each list's own threshold of the level; 0 to 1: this
     *  threshold for every list. */
    float level1;
    float level2;
    int32_t include_disabled; /**< include disabled lists (default 0) */
    uint32_t reserved0;       /**< zero: a match with any reserved field */
    uint64_t reserved[6];     /**< set fails with HM_E_INVALID_ARGUMENT */
} hm_tmk_match_opts;

HM_API void hm_tmk_match_opts_init(hm_tmk_match_opts *o);

/** One known video whose TMK matched.  Allocated by the library, as
 *  hm_match (reach each with hm_results_tmk_get). */
typedef struct hm_tmk_match {
    const char *video_id;  /**< these point into the snapshot held by the */
    const char *list_name; /**< results: valid until they are reused or  */
    const char *labels;    /**< freed; labels may be NULL                */
    uint32_t list;
    float level1;          /**< hm_tmk_scores(query, known), to the bit */
    float level2;
    float threshold1;      /**< the thresholds applied */
    float threshold2;
    uint32_t reserved0;
    uint64_t reserved[4];
} hm_tmk_match;

/**
 * Match a video's TMK+PDQF hash against every TMK entry of the index:
 * level 1 over all of them (an exact filter: docs/tmk.md), level 2 only
 * for those whose level-1 score reaches the threshold, and a match for
 * each whose two scores reach their thresholds (the list's, or opts').
 * Its matches are exactly those of scoring every pair with
 * hm_tmk_scores(q, known) against the thresholds.  Results replace what
 * `res` held (read them with hm_results_tmk_count / hm_results_tmk_get),
 * ordered by level 2, then level 1, descending, then list id and entry
 * id.  Errors: HM_E_INVALID_ARGUMENT; HM_E_IO or HM_E_CORRUPT when level-2
 * features cannot be read back from the index file (cut or changed since
 * the load); HM_E_NO_MEMORY.
 */
HM_API hm_status hm_index_match_tmk(hm_index *idx, const hm_tmk *q,
                                    const hm_tmk_match_opts *opts,
                                    hm_results *res);
/** As hm_index_match_tmk, on a given snapshot (hm_index_acquire). */
HM_API hm_status hm_snapshot_match_tmk(hm_snapshot *s, const hm_tmk *q,
                                       const hm_tmk_match_opts *opts,
                                       hm_results *res);
HM_API size_t hm_results_tmk_count(const hm_results *r);
HM_API const hm_tmk_match *hm_results_tmk_get(const hm_results *r, size_t i);

#ifdef __cplusplus
}
#endif

#endif /* HASHMATCH_H */
