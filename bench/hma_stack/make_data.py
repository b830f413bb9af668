# SPDX-License-Identifier: BSD-3-Clause
"""Data of the hashmatchd / HMA benchmark (bench/run_hashmatchd.sh).

Writes, into OUT:
  hashes.npy   N x 32 uint8: the indexed PDQ hashes; row i has content id
               ID_BASE + i, in the bank BENCH;
  list.csv     the same as a canonical-CSV hash list (docs/hashlist-formats.md)
               that hashmatchd --list reads: pdq,HEX,ID,BENCH;
  queries.txt  the query hashes, one per line: each has one planted
               near-duplicate in the list at 0-15 bits (i % 16), so every
               lookup has a hit;
  photos.txt   the photos uploaded by the hash+match runs; each one's PDQ
               hash (python-threatexchange's PdqSignal) is planted as is.

Random bits otherwise: at 256 bits a random hash lies within 31 bits of
another with probability ~1e-40, so the planted entries are the only hits.
Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np
from threatexchange.signal_type.pdq.signal import PdqSignal

ID_BASE = 10_000_000  # ids of 8 digits for N <= 10M: fixed-width lines
BANK = "BENCH"


def hex_rows(codes: np.ndarray) -> np.ndarray:
    """N x 32 bytes -> N x 64 ASCII hex digits (uint8)."""
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    out = np.empty((codes.shape[0], 64), dtype=np.uint8)
    out[:, 0::2] = digits[codes >> 4]
    out[:, 1::2] = digits[codes & 15]
    return out


def flip_bits(code: np.ndarray, nbits: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(code)
    idx = rng.choice(256, size=nbits, replace=False)
    bits[idx] ^= 1
    return np.packbits(bits)


def write_list(path: pathlib.Path, codes: np.ndarray) -> None:
    """pdq,HEX,ID,BENCH lines, built as one fixed-width byte matrix per chunk."""
    suffix = f",{BANK}\n".encode()
    width = 4 + 64 + 1 + 8 + len(suffix)
    with open(path, "wb") as f:
        f.write(b"hash_type,hash,entry_id,list\n")
        for start in range(0, codes.shape[0], 1_000_000):
            chunk = codes[start : start + 1_000_000]
            n = chunk.shape[0]
            ids = np.arange(ID_BASE + start, ID_BASE + start + n, dtype=np.int64)
            lines = np.empty((n, width), dtype=np.uint8)
            lines[:, 0:4] = np.frombuffer(b"pdq,", dtype=np.uint8)
            lines[:, 4:68] = hex_rows(chunk)
            lines[:, 68] = ord(",")
            for k in range(8):
                lines[:, 69 + k] = ord("0") + (ids // 10 ** (7 - k)) % 10
            lines[:, 77:] = np.frombuffer(suffix, dtype=np.uint8)
            f.write(lines.tobytes())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, required=True, help="hashes indexed (<= 10M)")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--photos", type=pathlib.Path, required=True,
                    help="file naming the photos to upload, one path per line")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("out", type=pathlib.Path)
    a = ap.parse_args()
    if not 0 < a.queries < a.size <= 10_000_000:
        ap.error("need 0 < queries < size <= 10,000,000")
    rng = np.random.default_rng(a.seed)
    codes = rng.integers(0, 256, size=(a.size, 32), dtype=np.uint8)
    photos = [p for p in a.photos.read_text().split("\n") if p]
    planted = rng.choice(a.size, size=a.queries + len(photos), replace=False)
    queries = rng.integers(0, 256, size=(a.queries, 32), dtype=np.uint8)
    for i in range(a.queries):
        codes[planted[i]] = flip_bits(queries[i], i % 16, rng)
    for j, photo in enumerate(photos):
        pdq = PdqSignal.hash_from_file(pathlib.Path(photo))
        codes[planted[a.queries + j]] = np.frombuffer(bytes.fromhex(pdq), dtype=np.uint8)
    a.out.mkdir(parents=True, exist_ok=True)
    np.save(a.out / "hashes.npy", codes)
    write_list(a.out / "list.csv", codes)
    (a.out / "queries.txt").write_bytes(b"".join(r.tobytes() + b"\n" for r in hex_rows(queries)))
    (a.out / "photos.txt").write_text("".join(p + "\n" for p in photos))


if __name__ == "__main__":
    main()
