#!/usr/bin/env python3
"""Video part of the robustness evaluation: edited copies of real clips made
with the FFmpeg CLI, hashed and matched with vPDQ through the binding.

    python bench/robustness/video.py LIST.tsv OUTDIR OUT.json [--jobs J]

LIST.tsv is corpus.py's --list output: rows of role "video" are the known
clips, rows of role "video-copy" other encodes of a known clip that its
package ships (real transcode positives).  Edited copies go to
OUTDIR/<sha256[:16]>/<edit>.<ext> (kept between runs).  Every clip and copy
is hashed with hashmatch.hash_video (vPDQ's default frame selection), the
originals are added to an index (Index.add_video) and every copy and
original is matched with Index.match_video, vPDQ's rule with the library's
defaults (frames within PDQ distance 31, >= 80 % of the query's unique
frames of quality >= 50).  A copy is found when its own clip is among the
matches; a false match is any other clip among them.  With a handful of
clips there are too few unrelated pairs for an FPR threshold: the report
gives counts.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import hashmatch as hm

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
}


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

    def hv(path):
        t0 = time.perf_counter()
        try:
            return hm.hash_video(path), time.perf_counter() - t0, None
        except hm.Error as e:
            return None, time.perf_counter() - t0, f"{type(e).__name__}: {e}"

    paths = [r["file"] for r in clips] + [q[2] for q in queries]
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        hashed = list(ex.map(lambda p: hv(p) if os.path.exists(p) else (None, 0.0, "missing"), paths))
    H_orig, H_q = hashed[:len(clips)], hashed[len(clips):]
    idx = hm.Index()
    for i, (fr, _, err) in enumerate(H_orig):
        if fr is not None:
            idx.add_video(fr, str(i), list="videos")
    idx.commit()
    results = []
    # originals as queries too: unrelated pairs (and a sanity check that each finds itself)
    allq = [(i, "original", clips[i]["file"]) for i in range(len(clips))] + queries
    allh = H_orig + H_q
    for (i, cls, path), (fr, t, err) in zip(allq, allh):
        rec = {"clip": i, "class": cls, "file": os.path.basename(path), "hash_s": t, "error": err,
               "frames": len(fr) if fr else 0}
        if fr is not None:
            ms = idx.match_video(fr)
            rec["found"] = any(m.video_id == str(i) for m in ms)
            rec["false"] = sorted(int(m.video_id) for m in ms if m.video_id != str(i))
            # the shares against the own clip, whether or not it passed the 80 % rule
            own = [m for m in idx.match_video(fr, query_percent=0.0) if m.video_id == str(i)]
            rec["own_query_percent"] = own[0].query_percent if own else 0.0
            others = [m.query_percent for m in idx.match_video(fr, query_percent=0.0) if m.video_id != str(i)]
            rec["max_other_query_percent"] = max(others) if others else 0.0
        else:
            rec["found"], rec["false"] = False, []
        results.append(rec)
    meta = {"clips": [{"file": os.path.basename(r["file"]), "package": r["package"],
                       "size": f"{r['width']}x{r['height']}", "duration_s": round(duration(r["file"]), 1)}
                      for r in clips],
            "edit_classes": list(EDITS) + (["package_transcode"] if copies else []),
            "ffmpeg_failed": len(failed), "runtime_s": time.time() - t_start,
            "ffmpeg": subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]}
    with open(a.out, "w") as fh:
        json.dump({"meta": meta, "results": results}, fh, indent=0)
    say(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
