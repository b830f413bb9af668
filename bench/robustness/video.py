#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Video part of the robustness evaluation: edited copies of real clips made
with the FFmpeg CLI, hashed and matched with vPDQ through the binding.

    python bench/robustness/video.py LIST.tsv OUTDIR OUT.json [--jobs J]

LIST.tsv is corpus.py's --list output: rows of role "video" are the known
clips, rows of role "video-copy" other encodes of a known clip that its
package ships (real transcode positives).  Edited copies go to
OUTDIR/<sha256[:16]>/<edit>.<ext> (kept between runs).  Each mode of MODES
hashes the originals and the queries (every copy and original) with
hashmatch.hash_video its own way (vPDQ's default: one frame a second), adds
the originals to an index (Index.add_video) and matches every query with
Index.match_video and the mode's rule.  A copy is found when its own clip is
among the matches; a false match is any other clip among them.  With a
handful of clips there are too few unrelated clip pairs for an FPR
threshold: the report gives counts, and per mode the frame-level figures
(query frames against the indexed frames of unrelated clips).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import hashmatch as hm
import numpy as np

import corpus  # bench/robustness/corpus.py, beside this file

H264 = ["-c:v", "libx264", "-crf", "23", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
EVEN = "scale=trunc(iw/2)*2:trunc(ih/2)*2"
# name -> (ffmpeg output options, extension); {d} is the clip's duration in seconds
EDITS = {
    "h264_crf28": (["-vf", EVEN, "-c:v", "libx264", "-crf", "28", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p"], "mp4"),
    "hevc_crf30": (["-vf", EVEN, "-c:v", "libx265", "-crf", "30", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-x265-params", "log-level=error"], "mp4"),
    "vp9_crf40": (["-c:v", "libvpx-vp9", "-crf", "40", "-b:v", "0", "-deadline", "realtime",
                   "-cpu-used", "8"], "webm"),
    "av1_crf45": (["-vf", EVEN, "-c:v", "libsvtav1", "-crf", "45", "-preset", "10"], "mkv"),
    "mpeg4_q8": (["-c:v", "mpeg4", "-q:v", "8"], "avi"),
    "trim_middle_half": (["-ss", "{q1}", "-t", "{half}", "-vf", EVEN] + H264, "mp4"),
    "trim_3s": (["-ss", "{q1}", "-t", "3", "-vf", EVEN] + H264, "mp4"),
    "scale_50": (["-vf", "scale=trunc(iw/4)*2:-2"] + H264, "mp4"),
    "crop_90": (["-vf", "crop=trunc(iw*0.45)*2:trunc(ih*0.45)*2"] + H264, "mp4"),
    "mirror": (["-vf", "hflip," + EVEN] + H264, "mp4"),
    "fps_15": (["-vf", "fps=15," + EVEN] + H264, "mp4"),
    # black bars of 1/8 of the height above and below / of the width left and right
    "letterbox": (["-vf", EVEN + ",pad=iw:ih+2*trunc(ih/16)*2:0:trunc(ih/16)*2:black"] + H264, "mp4"),
    "pillarbox": (["-vf", EVEN + ",pad=iw+2*trunc(iw/16)*2:ih:trunc(iw/16)*2:0:black"] + H264, "mp4"),
}

# name -> (how the originals are hashed, how the queries are hashed, match options)
MODES = {
    "default": ({}, {}, {}),  # the library's vPDQ defaults: 1 s, distance 31, 80 % of the query frames
    "loose": ({}, {}, {"distance": 48, "query_percent": 50.0}),  # lists of 1 s vPDQ hashes
    "quarter": ({"interval": 0.25}, {}, {"distance": 48, "query_percent": 50.0}),
    "dense": ({"mode": "all"}, {}, {}),  # every frame of the original, default rule
    "dense-q0.5": ({"mode": "all"}, {"interval": 0.5}, {}),  # and queries every 0.5 s
    # and the query in all 8 orientations (HM_QUERY_DIHEDRAL): mirrored copies
    "dense-q0.5-dih": ({"mode": "all"}, {"interval": 0.5}, {"dihedral": True}),
    # and each query frame inside its uniform borders (trim_borders): letterboxed copies
    "dense-q0.5-trimq": ({"mode": "all"}, {"interval": 0.5, "trim_borders": True}, {}),
    # and the originals too
    "dense-q0.5-trim": ({"mode": "all", "trim_borders": True}, {"interval": 0.5, "trim_borders": True}, {}),
}  # and dense-q0.5-both, derived below: dense-q0.5 or dense-q0.5-trim
POP = np.array([bin(i).count("1") for i in range(256)], np.uint16)


def pdq_rows(frames, min_quality=50):
    """The unique PDQ hashes of quality >= min_quality (what the index keeps
    and the rule counts), as a uint8 array of 32-byte rows."""
    seen = dict.fromkeys(bytes(f.pdq) for f in frames if f.pdq.quality >= min_quality)
    return np.frombuffer(b"".join(seen), np.uint8).reshape(-1, 32)


def _bit(i, j):
    """Position of PDQ bit (i, j) (word i, bit j) in np.unpackbits(hash,
    bitorder="little"): words print high first, low byte second."""
    return (2 * (15 - i) + (j < 8)) * 8 + (j & 7)


def _variant_maps():
    """For each dihedral variant: where each bit goes and whether it flips,
    as the index derives variants from the bits (lib/index/query.c)."""
    src = np.zeros((8, 256), np.int64)
    neg = np.zeros((8, 256), np.uint8)
    for v in range(8):
        for i in range(16):
            for j in range(16):
                turn = v in (1, 3, 6, 7)
                n = {1: j % 2 == 0, 2: (i + j) % 2 == 1, 3: i % 2 == 0, 4: i % 2 == 0,
                     5: j % 2 == 0, 7: (i + j) % 2 == 1}.get(v, False)
                out = _bit(j, i) if turn else _bit(i, j)
                src[v, out], neg[v, out] = _bit(i, j), n
    return src, neg


VSRC, VNEG = _variant_maps()


def pdq_variants(rows):
    """(n, 32) PDQ hashes -> (8, n, 32): their dihedral variants from the bits."""
    bits = np.unpackbits(rows, axis=1, bitorder="little")
    return np.stack([np.packbits(bits[:, VSRC[v]] ^ VNEG[v], axis=1, bitorder="little")
                     for v in range(8)])


def frame_stats(q_rows, q_clip, t_rows, t_clip, distance, dihedral=False):
    """Query frames (in their best orientation with dihedral) against the
    indexed frames of unrelated clips: frame pairs, those within distance,
    the nearest distance, the largest distance at which at most 1e-4 of the
    pairs fall; (query frame, clip) pairs and those with a frame of the clip
    within distance."""
    hist = np.zeros(257, np.int64)
    fc_pairs = fc_within = 0
    for rows, i in zip(q_rows, q_clip):
        if not len(rows):
            continue
        d = None
        for r in (pdq_variants(rows) if dihedral else [rows]):
            dv = POP[r[:, None, :] ^ t_rows[None, :, :]].sum(2, dtype=np.int64)
            d = dv if d is None else np.minimum(d, dv)
        for j in set(t_clip) - {i}:
            dj = d[:, t_clip == j]
            hist += np.bincount(dj.ravel(), minlength=257)
            fc_pairs += len(rows)
            fc_within += int((dj.min(1) <= distance).sum())
    cum = np.cumsum(hist)
    return {"frame_pairs": int(cum[-1]), "frame_pairs_within": int(cum[distance]),
            "nearest": int(np.argmax(hist > 0)),
            "t_1e-4": int(np.searchsorted(cum, 1e-4 * cum[-1], side="right")) - 1,
            "frame_clip_pairs": fc_pairs, "frame_clip_within": fc_within}


def duration(path):
    p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path],
                       capture_output=True, text=True)
    try:
        return float(p.stdout.strip().split(",")[0])
    except ValueError:
        return 0.0


def make_edit(job):
    src, dst, opts = job
    if os.path.exists(dst):
        return dst, None
    tmp = dst + ".tmp." + os.path.splitext(dst)[1].lstrip(".")
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-threads", "1"]
    # -ss before -i seeks on input (fast, frame-accurate with re-encoding)
    if opts[:1] == ["-ss"]:
        cmd += opts[:2] + ["-i", src] + opts[2:]
    else:
        cmd += ["-i", src] + opts
    cmd += ["-an", tmp]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return dst, p.stderr.strip()[-300:]
    os.replace(tmp, dst)
    return dst, None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("list")
    ap.add_argument("outdir")
    ap.add_argument("out")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    t_start = time.time()
    say = lambda m: print(f"[video {time.time() - t_start:6.0f}s] {m}", file=sys.stderr, flush=True)
    rows = corpus.read_list(a.list)
    clips = [r for r in rows if r["role"] == "video"]
    copies = [r for r in rows if r["role"] == "video-copy"]
    if not clips:
        say("no video clips in the list; skipping")
        return 77
    jobs, queries = [], []  # queries: (clip index, class, file)
    for i, r in enumerate(clips):
        d = duration(r["file"])
        od = os.path.join(a.outdir, r["sha256"][:16])
        os.makedirs(od, exist_ok=True)
        for e, (opts, ext) in EDITS.items():
            if e.startswith("trim") and d < 4:
                continue  # too short to trim meaningfully
            o = [x.format(q1="%.3f" % (d / 4), half="%.3f" % (d / 2)) for x in opts]
            dst = os.path.join(od, f"{e}.{ext}")
            jobs.append((r["file"], dst, o))
            queries.append((i, e, dst))
    gi = {r["group"]: i for i, r in enumerate(clips)}
    for r in copies:
        if r["group"] in gi:
            queries.append((gi[r["group"]], "package_transcode", r["file"]))
    say(f"{len(jobs)} edited copies of {len(clips)} clips (ffmpeg, {a.jobs} at a time)")
    failed = {}
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        for dst, err in ex.map(make_edit, jobs):
            if err:
                failed[dst] = err
                say(f"ffmpeg failed for {dst}: {err}")
    say("hashing (vPDQ)")

    def hv(path, **opts):
        t0 = time.perf_counter()
        try:
            return hm.hash_video(path, **opts), time.perf_counter() - t0, None
        except hm.Error as e:
            return None, time.perf_counter() - t0, f"{type(e).__name__}: {e}"

    def hash_all(paths, **opts):
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            return list(ex.map(lambda p: hv(p, **opts) if os.path.exists(p) else (None, 0.0, "missing"), paths))

    # originals as queries too: unrelated pairs (and a sanity check that each finds itself)
    allq = [(i, "original", clips[i]["file"]) for i in range(len(clips))] + queries
    hashed = {}  # (hash options, n) -> what hash_all gave for allq[:n]

    def hashed_with(opts, n=len(allq)):
        key = json.dumps(opts, sort_keys=True)
        if (key, len(allq)) in hashed:
            return hashed[key, len(allq)][:n]
        if (key, n) not in hashed:
            hashed[key, n] = hash_all([q[2] for q in allq[:n]], **opts)
        return hashed[key, n]

    allh = hashed_with({})
    results = [{"clip": i, "class": cls, "file": os.path.basename(path), "hash_s": t, "error": err,
                "frames": len(fr) if fr else 0, "modes": {}}
               for (i, cls, path), (fr, t, err) in zip(allq, allh)]
    modes = {}
    for name, (hopts, qopts, mopts) in MODES.items():
        say(f"mode {name}: originals {hopts or 'default'}, queries {qopts or 'default'}, rule {mopts or 'default'}")
        H_orig = hashed_with(hopts, len(clips))
        allh = hashed_with(qopts)
        idx = hm.Index()
        kept = 0
        for i, (fr, _, err) in enumerate(H_orig):
            if fr is not None:
                kept += idx.add_video(fr, str(i), list="videos")
        idx.commit()
        t_match = 0.0
        for (i, cls, path), (fr, _, err), rec in zip(allq, allh, results):
            if fr is None:
                rec["modes"][name] = {"found": False, "false": []}
                continue
            t0 = time.perf_counter()
            ms = idx.match_video(fr, **mopts)
            t_match += time.perf_counter() - t0
            # the share against the own clip, whether or not it passed the rule
            own = [m for m in idx.match_video(fr, **dict(mopts, query_percent=0.0)) if m.video_id == str(i)]
            rec["modes"][name] = {"found": any(m.video_id == str(i) for m in ms),
                                  "false": sorted(int(m.video_id) for m in ms if m.video_id != str(i)),
                                  "own_query_percent": own[0].query_percent if own else 0.0}
        t_rows = [pdq_rows(fr) if fr else pdq_rows([]) for fr, _, _ in H_orig]
        ok = [k for k, (fr, _, _) in enumerate(allh) if fr is not None]
        modes[name] = dict(frame_stats([pdq_rows(allh[k][0], mopts.get("min_quality", 50)) for k in ok],
                                       [allq[k][0] for k in ok], np.concatenate(t_rows),
                                       np.repeat(np.arange(len(clips)), [len(r) for r in t_rows]),
                                       mopts.get("distance", 31), mopts.get("dihedral", False)),
                           hash_options=hopts, query_options=qopts, match_options=mopts, frames_indexed=kept,
                           query_frames=sum(len(fr) for fr, _, _ in allh if fr),
                           hash_originals_s=sum(t for _, t, _ in H_orig),
                           hash_queries_s=sum(t for _, t, _ in allh[len(clips):]), match_s=t_match)
    # plain or trimmed: the list holds both hashings of each original, a query is
    # hashed both ways and matched twice; found when either pass finds its clip
    a_, b_, name = "dense-q0.5", "dense-q0.5-trim", "dense-q0.5-both"
    for rec in results:
        x, y = rec["modes"][a_], rec["modes"][b_]
        rec["modes"][name] = {"found": x["found"] or y["found"],
                              "false": sorted(set(x["false"]) | set(y["false"])),
                              "own_query_percent": max(x.get("own_query_percent", 0.0),
                                                       y.get("own_query_percent", 0.0))}
    x, y = modes[a_], modes[b_]
    modes[name] = dict({k: x[k] + y[k] for k in ("frame_pairs", "frame_pairs_within", "frame_clip_pairs",
                                                 "frame_clip_within", "frames_indexed", "query_frames",
                                                 "hash_originals_s", "hash_queries_s", "match_s")},
                       nearest=min(x["nearest"], y["nearest"]), **{"t_1e-4": min(x["t_1e-4"], y["t_1e-4"])},
                       hash_options={"mode": "all", "trim_borders": "and not"},
                       query_options={"interval": 0.5, "trim_borders": "and not"}, match_options={})
    meta = {"clips": [{"file": os.path.basename(r["file"]), "package": r["package"],
                       "size": f"{r['width']}x{r['height']}", "duration_s": round(duration(r["file"]), 1)}
                      for r in clips],
            "edit_classes": list(EDITS) + (["package_transcode"] if copies else []), "modes": modes,
            "ffmpeg_failed": len(failed), "runtime_s": time.time() - t_start,
            "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]}
    with open(a.out, "w") as fh:
        json.dump({"meta": meta, "results": results}, fh, indent=0)
    say(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
