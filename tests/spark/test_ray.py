# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch.ray in a local Ray (2 CPUs): a folder read with
read_binary_files, hashed and matched by the map_batches callables,
equals hashcheck on the same files; bad files are rows with an error.
With HM_REQUIRE_RAY=1 (scripts/test-spark.sh sets it when Ray could be
installed) a missing Ray is a failure, not a skip."""
import os
import pathlib

import pytest

from conftest import BAD, KNOWN, run_json

if os.environ.get("HM_REQUIRE_RAY") != "1":
    pytest.importorskip("ray.data")
import ray  # noqa: E402
import ray.data  # noqa: E402

import hashmatch  # noqa: E402
from hashmatch.ray import HashImages, MatchImages  # noqa: E402


@pytest.fixture(scope="module")
def dataset(media):
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             ignore_reinit_error=True)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    yield ray.data.read_binary_files(str(media), include_paths=True)
    ray.shutdown()


def name(path: str) -> str:
    return pathlib.PurePosixPath(path).name


# One actor: on 2 CPUs, two actors of 1 CPU each would leave no CPU for the
# read tasks that feed them (a cluster sizes `concurrency` to its CPUs).
def test_hash_and_match_equal_hashcheck(dataset, media, tmp_path):
    rows = dataset.map_batches(HashImages, fn_constructor_kwargs={"types": "pdq,md5"},
                               batch_format="pyarrow", batch_size=4, concurrency=1).take_all()
    want = run_json("hash", "--types", "pdq,md5", str(media))
    assert {name(r["path"]) for r in rows} == set(want)
    for r in rows:
        w = want[name(r["path"])]
        if "error" in w:
            assert r["error"] and r["pdq"] is None
        else:
            assert r["error"] is None
            assert {h["type"]: h["hash"] for h in w["hashes"]} == {"pdq": r["pdq"],
                                                                     "md5": r["md5"]}
    assert {name(r["path"]) for r in rows if r["error"]} == set(BAD)

    idx = hashmatch.Index()
    idx.load_list(str(KNOWN))
    idx.commit()
    saved = tmp_path / "known.hmi"
    idx.save(saved)
    hits = dataset.map_batches(MatchImages, fn_constructor_args=(str(saved),),
                               fn_constructor_kwargs={"dihedral": True},
                               batch_format="pyarrow", batch_size=4, concurrency=1).take_all()
    got = {(name(r["path"]), r["type"], r["distance"], r["list"], r["entry_id"])
           for r in hits if r["error"] is None}
    expected = {(n, m["type"], m["distance"], m["list"], m["entry_id"])
                for n, r in run_json("match", "--list", str(KNOWN), "--dihedral",
                                     str(media)).items() for m in r.get("matches", [])}
    assert got == expected and len(got) >= 8
    assert {name(r["path"]) for r in hits if r["error"]} == set(BAD)
