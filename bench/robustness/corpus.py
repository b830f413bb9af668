#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Fetch the robustness corpus (bench/robustness/manifest.tsv) into the cache.

    python3 bench/robustness/corpus.py [--list OUT.tsv]

Cache: ${HM_CORPUS_DIR:-${XDG_CACHE_HOME:-~/.cache}/hashmatch-corpus}/files/PACKAGE/PATH,
the layout bench/fetch_corpus.sh uses, so photos it already fetched are reused.
A missing file is copied from the index benchmark's extraction
(index-media/pkg/PACKAGE/PATH, bench/make_real_hashes.sh) when its SHA-256
matches, otherwise its package is fetched with `apt-get download` (never
installed) and only the manifest's paths are extracted.  Every file's SHA-256
is checked; mismatches are deleted.

Writes the verified rows (manifest columns plus the absolute file path) to
--list.  Exit status 0: every file present; 3: some missing (the rest are
listed); 77: none available (callers skip).  Standard library only.
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def cache_root() -> str:
    d = os.environ.get("HM_CORPUS_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        d = os.path.join(base, "hashmatch-corpus")
    return d


def read_manifest(path=os.path.join(HERE, "manifest.tsv")):
    rows = []
    header = None
    with open(path) as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            r = dict(zip(header, cols))
            r["width"], r["height"] = int(r["width"]), int(r["height"])
            rows.append(r)
    return rows


def read_list(path: str):
    """The rows of a list written by `corpus.py --list` (TSV with a header),
    as dicts."""
    with open(path) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        return [dict(zip(head, l.rstrip("\n").split("\t"))) for l in fh]


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def say(msg: str) -> None:
    print(f"corpus: {msg}", file=sys.stderr, flush=True)


def local_path(cache: str, r) -> str:
    return os.path.join(cache, "files", r["package"], r["path"].lstrip("./"))


def ok(path: str, digest: str) -> bool:
    return os.path.isfile(path) and sha256(path) == digest


def fetch_package(cache: str, pkg: str, paths) -> None:
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        say(f"apt-get/dpkg-deb not found; cannot fetch {pkg}")
        return
    os.makedirs(os.path.join(cache, "files", pkg), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix="dl.") as tmp:
        def download() -> bool:
            p = subprocess.run(["apt-get", "download", pkg], cwd=tmp,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            return p.returncode == 0
        if not download():
            if os.geteuid() == 0:
                say(f"apt-get download {pkg} failed; running apt-get update and retrying")
                subprocess.run(["apt-get", "update"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            if not download():
                say(f"apt-get download {pkg} failed; its photos are skipped")
                return
        debs = [f for f in os.listdir(tmp) if f.endswith(".deb")]
        say(f"extracting {len(paths)} files from {debs[0]}")
        deb = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", os.path.join(tmp, debs[0])],
                               stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-x", "-C", os.path.join(cache, "files", pkg)] + list(paths),
                             stdin=deb.stdout, stderr=subprocess.PIPE, text=True)
        deb.wait()
        if tar.returncode != 0:
            say(f"tar: {tar.stderr.strip()[:300]}")


def provide(cache: str, rows: list[dict]) -> list[tuple[dict, str]]:
    """The rows whose file is in the cache and verified, as (row, path)
    pairs: missing files are seeded from the index benchmark's extraction
    or fetched from their packages first; mismatching files are removed."""
    need: dict[str, list[str]] = {}
    for r in rows:
        dst = local_path(cache, r)
        if ok(dst, r["sha256"]):
            continue
        seed = os.path.join(cache, "index-media", "pkg", r["package"], r["path"].lstrip("./"))
        if ok(seed, r["sha256"]):
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(seed, dst)
            continue
        need.setdefault(r["package"], []).append(r["path"])
    for pkg, paths in sorted(need.items()):
        say(f"fetching {pkg} ({len(paths)} files) into {cache}")
        fetch_package(cache, pkg, paths)
    good = []
    for r in rows:
        dst = local_path(cache, r)
        if ok(dst, r["sha256"]):
            good.append((r, dst))
        elif os.path.exists(dst):
            say(f"SHA-256 mismatch, removed: {r['package']} {r['path']}")
            os.remove(dst)
    return good


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", help="write verified rows (TSV) here")
    args = ap.parse_args()
    cache = cache_root()
    try:
        os.makedirs(os.path.join(cache, "files"), exist_ok=True)
    except OSError as e:
        say(f"cannot create the cache {cache}: {e}; skipping")
        return 77
    rows = read_manifest()
    good = provide(cache, rows)
    if args.list:
        with open(args.list, "w") as fh:
            fh.write("package\tpath\tsha256\twidth\theight\tgroup\trole\tfile\n")
            for r, dst in good:
                fh.write("\t".join(str(r[k]) for k in
                                   ("package", "path", "sha256", "width", "height", "group", "role"))
                         + "\t" + dst + "\n")
    if not good:
        say(f"no corpus file available (0/{len(rows)}); skipping")
        return 77
    if len(good) < len(rows):
        say(f"only {len(good)} of {len(rows)} files available; going on with those")
        return 3
    say(f"{len(good)}/{len(rows)} files verified in {cache}/files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
