// SPDX-License-Identifier: BSD-3-Clause

// Package hashmatch is the Go binding of libhashmatch: it decodes
// untrusted images and videos, computes the perceptual and cryptographic
// hashes that hash-sharing programmes exchange (PDQ, vPDQ, TMK+PDQF,
// imagehash pHash/dHash/aHash, pHash.org's DCT hash, MD5, SHA-256), bit for bit equal to the reference
// tools, and matches them against millions of known hashes in an exact,
// lock-free index.
//
// It wraps the C library through cgo (#cgo pkg-config: hashmatch); see the
// README beside this package for building against an installed library or
// a build tree.
//
// # Objects and concurrency
//
//   - Hash values are plain data.
//   - A Hasher decodes and hashes. Its calls are serialised (the C hasher
//     serves one thread at a time); use one per goroutine to hash in
//     parallel, or the package-level HashFile, HashBytes and HashImage,
//     which draw hashers from a pool.
//   - An Index is safe for concurrent use: queries run without locks on
//     immutable snapshots while writers stage changes and Commit publishes
//     them. Snapshots are immutable and safe for concurrent use.
//   - A Video is used by one goroutine at a time (calls are serialised) and
//     owns its Hasher until Close. Its context cancels long decodes.
//   - A Tmk (a TMK+PDQF video hash) is immutable and safe for concurrent
//     use.
//
// # Resources
//
// Hasher, Index, Snapshot, Video and Tmk hold C memory that the Go garbage
// collector does not see: Close them. A cleanup frees a forgotten object
// eventually, as a safety net only.
//
// # Errors
//
// Errors from the C library are *Error values carrying the C status (a
// Status) and the C detail message. The Status constants (ErrDecode,
// ErrLimit, ErrParse, ErrIO, ErrCancelled, ...) work with errors.Is.
package hashmatch
