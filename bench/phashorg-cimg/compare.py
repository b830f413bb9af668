# SPDX-License-Identifier: BSD-3-Clause
"""Compare the CImg program's pHash.org values with hashcheck's (and, for the
reference set, with the reference CSV); print counts, the distance
distribution and the differing files grouped by what they are.

usage: compare.py NAME CIMG_TSV HASHCHECK_CSV [EXPECTED_TSV]

CIMG_TSV is check's output (path, v09, 2014, spectrum, format, detail);
HASHCHECK_CSV is `hashcheck hash --types phashorg_2014` csv output;
EXPECTED_TSV (optional) holds path and the expected 2014 value.
"""

from __future__ import annotations

import collections
import csv
import sys


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def read_cimg(path: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rows[cols[0]] = cols[1:]
    return rows


def read_hashcheck(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8", newline="") as f:
        return {
            r["file"]: r["hash"]
            for r in csv.DictReader(f)
            if r["type"] == "phashorg_2014"
        }


def read_expected(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(line.rstrip("\n").split("\t")[:2] for line in f if line.strip())


def kind(fmt: str, detail: str, spectrum: str) -> str:
    """The file's group: format, and the header facts that can matter."""
    parts = detail.split(",")
    keep = [
        p
        for p in parts
        if p != "gAMA" and p != "exif-orientation=0" and p != "exif-orientation=1"
    ]
    return f"{fmt}:{'/'.join(keep)} (CImg spectrum {spectrum})"


def compare(
    name: str, cimg: dict[str, list[str]], other: dict[str, str], label: str
) -> None:
    same = 0
    dists: collections.Counter[int] = collections.Counter()
    by_kind: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    diffs: list[tuple[int, str, str]] = []
    missing = []
    for path, (v09, h2014, spectrum, fmt, detail) in cimg.items():
        if fmt == "skip" or h2014 == "-":
            continue
        if path not in other:
            missing.append(path)
            continue
        k = kind(fmt, detail, spectrum)
        d = distance(h2014, other[path])
        if d == 0:
            same += 1
            by_kind[k][0] += 1
        else:
            dists[d] += 1
            by_kind[k][1] += 1
            diffs.append((d, k, path))
    total = same + sum(dists.values())
    print(f"## {name}: CImg against {label}")
    print(f"compared {total}: identical {same}, different {total - same}")
    if dists:
        print(
            "distance distribution: "
            + ", ".join(f"{d}: {n}" for d, n in sorted(dists.items()))
        )
    for path in missing:
        print(f"no {label} value: {path}")
    print("by kind (identical / different):")
    for k, (s, n) in sorted(by_kind.items()):
        print(f"  {k}: {s} / {n}")
    for d, k, path in sorted(diffs, key=lambda t: (t[1], -t[0], t[2])):
        print(f"  diff {d:2d}  {k}  {path}")
    print()


def main() -> None:
    name, cimg_tsv, hashcheck_csv = sys.argv[1:4]
    cimg = read_cimg(cimg_tsv)
    skipped = collections.Counter(
        f"{cols[3]}: {cols[4]}" for cols in cimg.values() if cols[1] == "-"
    )
    print(f"# {name}: {len(cimg)} files")
    for why, n in skipped.items():
        print(f"not hashed by CImg ({why}): {n}")
    print()
    if len(sys.argv) > 4:
        compare(
            name, cimg, read_expected(sys.argv[4]), "the reference CSV (2014 column)"
        )
    compare(name, cimg, read_hashcheck(hashcheck_csv), "hashcheck phashorg_2014")


if __name__ == "__main__":
    main()
