#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Line-by-line check of `hashcheck video --vpdq-out` against Meta's vpdq-hash-video.

    python3 bench/vpdq_sweep.py [--hashcheck PATH] [--ref PATH] [--interval S]
                                [--size N] [--out DIR] [--also VIDEO...]

Every video of the test media packages (../shared/docs/test-media.md, Videos):
the rows of role video and video-copy of bench/robustness/manifest.tsv, those
of bench/vpdq-sweep-extra.tsv, and libdlib19.1's 151 video_frames JPEGs
assembled into one MJPEG AVI at 25 fps (`ffmpeg -framerate 25 -start_number
100 -i frame_%06d.jpg -c:v copy`, no re-encoding).  They are fetched on demand
into ${HM_CORPUS_DIR:-~/.cache/hashmatch-corpus}/files by
bench/robustness/corpus.py (apt-get download, never installed; SHA-256
checked).  Each is hashed by `HASHCHECK video --vpdq-out --interval S [--size N]`
and by `REF -i VIDEO -o OUT -r S [-s N]` (ThreatExchange vpdq/cpp, built outside
the project: ../shared/peers/threatexchange-vpdq/build.sh).

Prints one row per video (lines of each tool, lines that differ, the largest
Hamming distance between hashes of the same frame) and the number of videos
whose output is line-for-line identical.  --out keeps both outputs per video;
--also adds videos of your own (e.g. tests/data/video's theora-offset.ogv and
size-change.h264), counted on their own line.

--ref defaults to $VPDQ_HASH_VIDEO; --hashcheck to $HASHCHECK, else
build/tools/hashcheck.  Exit status: 0 every video agrees, 1 some differ,
77 (skip, with a message) when the reference tool, hashcheck, ffmpeg or the
corpus is missing.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from types import ModuleType

HERE = os.path.dirname(os.path.abspath(__file__))


def load_corpus() -> ModuleType:
    """bench/robustness/corpus.py, by path: bench/corpus/ beside this file
    is a folder of the same name."""
    spec = importlib.util.spec_from_file_location(
        "corpus", os.path.join(HERE, "robustness", "corpus.py"))
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


corpus = load_corpus()

EXTRA = os.path.join(HERE, "vpdq-sweep-extra.tsv")


def say(msg: str) -> None:
    print(f"vpdq_sweep: {msg}", file=sys.stderr, flush=True)


def executable(path: str | None) -> str | None:
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def dlib_clip(cache: str, frames: list[str]) -> str | None:
    """libdlib's video frames as one MJPEG AVI (the JPEGs copied, not re-encoded)."""
    if len(frames) < 2:
        return None
    out = os.path.join(cache, "vpdq-sweep", "dlib-video_frames.avi")
    if os.path.isfile(out):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    src = os.path.dirname(frames[0])
    first = min(int(os.path.basename(f)[6:12]) for f in frames)
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-framerate", "25",
                        "-start_number", str(first), "-i", os.path.join(src, "frame_%06d.jpg"),
                        "-c:v", "copy", out + ".tmp.avi"], capture_output=True, text=True)
    if p.returncode != 0:
        say(f"cannot assemble the dlib frames: {p.stderr.strip()[:200]}")
        return None
    os.replace(out + ".tmp.avi", out)
    return out


def videos(cache: str) -> list[tuple[str, str]]:
    """(name, path) of every sweep video the cache holds or can be given."""
    rows = [r for r in corpus.read_manifest() if r["role"] in ("video", "video-copy")]
    rows += corpus.read_manifest(EXTRA)
    frames = [r for r in corpus.read_manifest() if r["group"] == "dlib-video"]
    good = corpus.provide(cache, rows + frames)
    out, seen = [], set()
    for r, path in good:
        if r["role"] == "frame" or r["sha256"] in seen:
            continue
        seen.add(r["sha256"])
        out.append((f'{r["package"]}:{os.path.basename(path)}', path))
    have = sorted(p for r, p in good if r["role"] == "frame")
    clip = dlib_clip(cache, have) if len(have) == len(frames) else None  # no gaps
    if clip:
        out.append(("libdlib19.1:video_frames", clip))
    missing = len(rows) + 1 - len(out)
    if missing > 0:
        say(f"{missing} of {len(rows) + 1} videos unavailable; going on with {len(out)}")
    return out


def lines(cmd: list[str], path: str | None = None) -> tuple[list[str], str]:
    p = subprocess.run(cmd, capture_output=True, text=True)
    text = p.stdout
    if path is not None and os.path.isfile(path):
        with open(path) as fh:
            text = fh.read()
    err = "" if p.returncode == 0 else f"exit {p.returncode}: {p.stderr.strip()[:200]}"
    return [l for l in text.splitlines() if l.strip()], err


def distance(a: str, b: str) -> int:
    """Hamming distance of the PDQ hex fields of two vPDQ lines; -1 if unparsable."""
    try:
        return bin(int(a.split(",")[2], 16) ^ int(b.split(",")[2], 16)).count("1")
    except (IndexError, ValueError):
        return -1


def sweep(vids: list[tuple[str, str]], ref: str, hc: str, interval: str, size: int,
          work: str) -> int:
    """Compares both tools on each (name, path), prints a row per video;
    returns how many agree line for line."""
    agree = 0
    for name, path in vids:
        stem = os.path.join(work, name.strip("/").replace(":", "__").replace("/", "_"))
        want, werr = lines([ref, "-i", path, "-o", stem + ".ref.txt", "-r", interval]
                           + (["-s", str(size)] if size else []), stem + ".ref.txt")
        got, gerr = lines([hc, "video", "-q", "--vpdq-out", "--interval", interval]
                          + (["--size", str(size)] if size else []) + [path])
        with open(stem + ".ours.txt", "w") as fh:
            fh.write("".join(l + "\n" for l in got))
        differ = sum(1 for a, b in zip(want, got) if a != b) + abs(len(want) - len(got))
        bits = max((distance(a, b) for a, b in zip(want, got)), default=0)
        note = "; ".join(e for e in (werr and "ref " + werr, gerr and "hashcheck " + gerr) if e)
        if not differ and not werr and not gerr and want:
            agree += 1
        print(f"{name}\t{len(want)}\t{len(got)}\t{differ}\t{bits}\t{note}", flush=True)
    return agree


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hashcheck", default=os.environ.get("HASHCHECK")
                    or os.path.join(HERE, "..", "build", "tools", "hashcheck"))
    ap.add_argument("--ref", default=os.environ.get("VPDQ_HASH_VIDEO"),
                    help="vpdq-hash-video (default $VPDQ_HASH_VIDEO)")
    ap.add_argument("--interval", default="1", help="seconds per hash, both tools (default 1)")
    ap.add_argument("--size", type=int, default=0, help="frames scaled to N x N (vpdq's -s)")
    ap.add_argument("--out", help="keep each video's two outputs here")
    ap.add_argument("--also", nargs="*", default=[], help="more videos to compare")
    args = ap.parse_args()
    ref, hc = executable(args.ref), executable(args.hashcheck)
    if not ref:
        say("the reference vpdq-hash-video is not available (--ref or $VPDQ_HASH_VIDEO; build it "
            "with ../shared/peers/threatexchange-vpdq/build.sh OUT); skipping")
        return 77
    if not hc:
        say(f"hashcheck not found at {args.hashcheck} (--hashcheck); skipping")
        return 77
    if not shutil.which("ffmpeg"):
        say("ffmpeg not found; skipping")
        return 77
    cache = corpus.cache_root()
    try:
        os.makedirs(os.path.join(cache, "files"), exist_ok=True)
    except OSError as e:
        say(f"cannot create the cache {cache}: {e}; skipping")
        return 77
    vids = videos(cache)
    if not vids:
        say("no video of the corpus is available; skipping")
        return 77
    work = args.out or tempfile.mkdtemp(prefix="vpdq_sweep.")
    os.makedirs(work, exist_ok=True)
    print("video\tref_lines\tours_lines\tlines_differ\tmax_bits\tnote")
    corpus_agree = sweep(vids, ref, hc, args.interval, args.size, work)
    also = [(p, p) for p in args.also]
    also_agree = sweep(also, ref, hc, args.interval, args.size, work)
    sz = (f" --size {args.size}", f" -s {args.size}") if args.size else ("", "")
    how = (f"hashcheck video --vpdq-out --interval {args.interval}{sz[0]} vs "
           f"vpdq-hash-video -r {args.interval}{sz[1]}")
    print(f"# test media: {corpus_agree} of {len(vids)} videos line-for-line identical ({how})")
    if also:
        print(f"# --also: {also_agree} of {len(also)} videos line-for-line identical")
    if not args.out:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if corpus_agree + also_agree == len(vids) + len(also) else 1


if __name__ == "__main__":
    sys.exit(main())
