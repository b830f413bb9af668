# SPDX-License-Identifier: BSD-3-Clause
"""Helpers the Python benchmark drivers share (bench_pytx.py,
bench_spark.py): results as JSON files written atomically, the meta.tsv
that bench/meta.sh writes, medians, and the versions of the packages that
ran."""
from __future__ import annotations

import json
import os
import platform
import statistics
import typing as t


def write_json(path: str, obj: t.Any) -> None:
    """Write `obj` to `path` through a temporary file (never half written)."""
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f)
    os.replace(path + ".tmp", path)


def read_json(path: str) -> t.Any:
    with open(path) as f:
        return json.load(f)


def read_meta(out: str) -> t.Dict[str, str]:
    """The rows of OUT/meta.tsv (bench/meta.sh), {} when there is none."""
    mp = os.path.join(out, "meta.tsv")
    if not os.path.exists(mp):
        return {}
    with open(mp) as f:
        return dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)


def q50(v: t.Sequence[float]) -> float:
    """The median, NaN for no value."""
    return statistics.median(v) if v else float("nan")


def package_versions(packages: t.Iterable[str]) -> t.List[str]:
    """"python X" and "name version" of each of `packages` installed."""
    import importlib.metadata as md
    out = ["python " + platform.python_version()]
    for p in packages:
        try:
            out.append("%s %s" % (p, md.version(p)))
        except md.PackageNotFoundError:
            pass
    return out
