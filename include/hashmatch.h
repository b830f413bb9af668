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
 *    gives a static description; objects that carry state also keep a detail
 *    message for their last failure (hm_hasher_errmsg()).
 *  - Handles are opaque, created by *_create and released by *_free;
 *    *_free(NULL) is a no-op.
 *  - The library never prints, never calls exit() or abort(), and keeps no
 *    global mutable state.
 *
 * Thread safety (per object):
 *  - Functions that take no handle (hm_strerror, hm_version*, hm_hash_*
 *    helpers) are safe to call from any thread at any time.
 *  - An hm_hasher is used by one thread at a time.  Different hashers may be
 *    used concurrently from different threads without locking.  A hasher may
 *    move between threads as long as calls do not overlap.
 *  - hm_hash values are plain data: copy them freely.
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
    HM_E_INVALID_ARGUMENT = -1, /**< NULL pointer, bad size, bad enum value */
    HM_E_NO_MEMORY = -2,        /**< an allocation failed */
    HM_E_IO = -3,               /**< a file could not be opened or read */
    HM_E_UNKNOWN_FORMAT = -4,   /**< content matches no supported format */
    HM_E_DECODE = -5,           /**< corrupt, truncated or unsupported media */
    HM_E_LIMIT = -6,            /**< a configured limit was exceeded */
    HM_E_PARSE = -7,            /**< a malformed hash string */
    HM_E_TYPE_MISMATCH = -8,    /**< hashes of different types compared */
    HM_E_UNSUPPORTED = -9,      /**< valid request this build cannot serve */
    HM_E_INTERNAL = -10         /**< a bug in libhashmatch; please report */
} hm_status;

/** Static, human-readable description of a status code (never NULL). */
HM_API const char *hm_strerror(int status);

/* ------------------------------------------------------------------------ */
/* Hash values                                                              */
/* ------------------------------------------------------------------------ */

/** Hash kinds.  Values are fixed forever. */
typedef enum hm_hash_type {
    HM_HASH_PDQ = 1,    /**< Meta PDQ, 256 bits, with quality 0..100 */
    HM_HASH_PHASH = 2,  /**< imagehash 4.x phash, 64 bits */
    HM_HASH_DHASH = 3,  /**< imagehash 4.x dhash, 64 bits */
    HM_HASH_AHASH = 4,  /**< imagehash 4.x average_hash, 64 bits */
    HM_HASH_MD5 = 5,    /**< MD5 of the input bytes, 128 bits */
    HM_HASH_SHA256 = 6  /**< SHA-256 of the input bytes, 256 bits */
} hm_hash_type;

#define HM_HASH_TYPE_MAX 6

/** Bit for a type in a request mask: HM_TYPE_BIT(HM_HASH_PDQ) | ... */
#define HM_TYPE_BIT(t) (1u << (unsigned)(t))
#define HM_TYPES_PERCEPTUAL                                          \
    (HM_TYPE_BIT(HM_HASH_PDQ) | HM_TYPE_BIT(HM_HASH_PHASH) |         \
     HM_TYPE_BIT(HM_HASH_DHASH) | HM_TYPE_BIT(HM_HASH_AHASH))
#define HM_TYPES_ALL                                                 \
    (HM_TYPES_PERCEPTUAL | HM_TYPE_BIT(HM_HASH_MD5) |                \
     HM_TYPE_BIT(HM_HASH_SHA256))
/**
 * Request flag: besides the PDQ hash, return its 7 dihedral variants
 * (computed in the DCT domain, as the reference does).  Implies PDQ.
 */
#define HM_WANT_PDQ_DIHEDRAL (1u << 16)

/** PDQ dihedral variants, in pdqhash-python's compute_dihedral order. */
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
 * One hash value.  Plain data.
 *
 * `bytes` holds the value in canonical order: the order of the canonical
 * hex string, most significant byte first (see docs/format.md).  Only the
 * first hm_hash_bits(type)/8 bytes are used; the rest are zero.
 */
typedef struct hm_hash {
    int32_t type;      /**< an hm_hash_type */
    int16_t quality;   /**< PDQ quality 0..100; -1 for types without one */
    uint8_t variant;   /**< PDQ: an hm_dihedral; 0 otherwise */
    uint8_t reserved;  /**< zero */
    uint8_t bytes[32];
} hm_hash;

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
 * HM_HASH_STRING_MAX to fit any type): lowercase hex, as the reference tool
 * prints it (PDQ: 64 digits; phash/dhash/ahash: 16 digits as imagehash 4.x
 * prints them; md5: 32; sha256: 64).  Quality is not part of the string.
 */
HM_API hm_status hm_hash_to_string(const hm_hash *h, char *buf, size_t cap);

/**
 * Parse a canonical string of the given type into `out`.  Accepts exactly
 * the number of hex digits of the type, either case; rejects anything else
 * with HM_E_PARSE.  `out->quality` is set to -1 (unknown).
 */
HM_API hm_status hm_hash_from_string(int type, const char *str, hm_hash *out);

/**
 * Hamming distance between two hashes of the same type: 0..bits.  Returns
 * HM_E_INVALID_ARGUMENT for NULL arguments or an unknown type and
 * HM_E_TYPE_MISMATCH when the types differ (both negative).
 */
HM_API int hm_hash_distance(const hm_hash *a, const hm_hash *b);

/* ------------------------------------------------------------------------ */
/* Hasher: decode and hash                                                  */
/* ------------------------------------------------------------------------ */

/** Opaque.  Holds options, limits, scratch memory and the last error. */
typedef struct hm_hasher hm_hasher;

/** Settable parameters of a hasher (hm_hasher_set / hm_hasher_get). */
typedef enum hm_param {
    /** Largest input accepted, in bytes.  Default 256 MiB. */
    HM_PARAM_MAX_INPUT_BYTES = 1,
    /** Largest image accepted, in pixels (width * height), checked from the
     *  header before pixel memory is allocated.  Default 100,000,000. */
    HM_PARAM_MAX_PIXELS = 2,
    /** PDQ flavour, an hm_pdq_flavour.  Default HM_PDQ_FULLRES. */
    HM_PARAM_PDQ_FLAVOUR = 3,
    /** 1: apply the EXIF orientation of JPEG files before hashing.
     *  Default 0, as every reference tool does. */
    HM_PARAM_APPLY_EXIF_ORIENTATION = 4,
    /** 1: fast mode.  Large JPEGs are decoded at a reduced DCT scale
     *  (1/2, 1/4 or 1/8, keeping the short side >= HM_FAST_MIN_SIDE;
     *  JPEGs with a short side under 2 * HM_FAST_MIN_SIDE are decoded exactly).
     *  Hashes then differ slightly from the exact ones; see docs/format.md
     *  for measured distances.  Default 0 (exact). */
    HM_PARAM_FAST = 5
} hm_param;

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
HM_API hm_status hm_hasher_set(hm_hasher *h, hm_param param, int64_t value);

/** Read a parameter into *value. */
HM_API hm_status hm_hasher_get(const hm_hasher *h, hm_param param,
                               int64_t *value);

/**
 * Detail message of the hasher's last failed call (which file, which limit,
 * what the decoder said).  Empty string after a successful call.  The
 * pointer stays valid until the next call on the same hasher.
 */
HM_API const char *hm_hasher_errmsg(const hm_hasher *h);

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

/** Short name of a format ("jpeg", ...); "unknown" for anything else. */
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
 * HM_WANT_PDQ_DIHEDRAL.  Results are written to `out` in ascending type
 * order (PDQ first, then its dihedral variants when asked, then phash,
 * dhash, ahash, md5, sha256); `cap` is the capacity of `out` (16 always
 * suffices) and `*n_out` receives the number written.  `info` may be NULL.
 *
 * When only md5 and/or sha256 are asked for, the bytes are not decoded:
 * any content is accepted and `info` reports only the detected format.
 *
 * Errors: HM_E_IO, HM_E_UNKNOWN_FORMAT, HM_E_DECODE, HM_E_LIMIT,
 * HM_E_NO_MEMORY, HM_E_INVALID_ARGUMENT; details in hm_hasher_errmsg().
 */
HM_API hm_status hm_hash_file(hm_hasher *h, const char *path, unsigned types,
                              hm_hash *out, size_t cap, size_t *n_out,
                              hm_image_info *info);

/** As hm_hash_file, from an encoded image in memory (not retained). */
HM_API hm_status hm_hash_memory(hm_hasher *h, const void *data, size_t size,
                                unsigned types, hm_hash *out, size_t cap,
                                size_t *n_out, hm_image_info *info);

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

#ifdef __cplusplus
}
#endif

#endif /* HASHMATCH_H */
