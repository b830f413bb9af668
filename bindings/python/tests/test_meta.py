# SPDX-License-Identifier: BSD-3-Clause
"""The binding covers the whole C API, is typed and documented."""
import importlib.util
import inspect
import pathlib
import re

import pytest

import hashmatch as hm
from conftest import ROOT

HERE = pathlib.Path(__file__).resolve().parents[1]


def test_cdef_declares_every_public_function():
    header = (ROOT / "include" / "hashmatch.h").read_text()
    cdef = (HERE / "ffi" / "hashmatch.cdef").read_text()
    public = set(re.findall(r"HM_API\b[^;(]*?\b(hm_\w+)\s*\(", header))
    declared = set(re.findall(r"\b(hm_\w+)\s*\(", cdef))
    assert len(public) > 70
    assert public - declared == set(), "functions of hashmatch.h missing from the cdef"
    from hashmatch._native import lib
    for name in public:
        assert callable(getattr(lib, name)), name


def test_struct_layouts_match_the_header():
    """cffi checks a struct's fields against the compiler's layout on first
    use: use every struct of the cdef once."""
    from hashmatch._native import ffi
    cdef = (HERE / "ffi" / "hashmatch.cdef").read_text()
    structs = re.findall(r"typedef struct (hm_\w+) \{", cdef)
    assert len(structs) >= 15
    for name in structs:
        assert ffi.sizeof(name) > 0, name


def test_constants_match_the_header():
    from hashmatch._native import lib
    assert hm.PDQ_THRESHOLD == 31 and hm.THRESHOLD_64BIT == 10 and hm.PDQ_MIN_QUALITY == 50
    assert lib.HM_VERSION_NUMBER == lib.hm_version_number()
    assert hm.LIBRARY_VERSION == "%d.%d.%d" % (lib.HM_VERSION_MAJOR, lib.HM_VERSION_MINOR,
                                               lib.HM_VERSION_PATCH)
    assert [int(t) for t in hm.HashType] == list(range(1, lib.HM_HASH_TYPE_MAX + 1))
    assert hm.HashType.PDQ.default_threshold == hm.PDQ_THRESHOLD
    assert hm.HashType.PHASH.default_threshold == hm.THRESHOLD_64BIT
    assert hm.HashType.MD5.default_threshold == 0


def test_py_typed_is_installed():
    assert (pathlib.Path(hm.__file__).parent / "py.typed").is_file()


def test_everything_public_is_documented_and_annotated():
    missing = []
    for name in hm.__all__:
        obj = getattr(hm, name)
        if isinstance(obj, (str, int)):
            continue
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not callable(member) and not isinstance(member, property):
                    continue
                if not inspect.getdoc(member):
                    missing.append("%s.%s" % (name, attr))
        if inspect.isfunction(obj):
            sig = inspect.signature(obj)
            if sig.return_annotation is inspect.Signature.empty:
                missing.append(name + " (return annotation)")
    assert not missing, "undocumented: %s" % missing


USER_CODE = """
from typing import List, Optional
import hashmatch as hm

r: hm.HashResult = hm.hash("x.jpg", "pdq,phash", dihedral=True)
pdq: Optional[hm.Hash] = r.pdq
d: int = r["pdq"] - hm.Hash.parse("pdq", "0" * 64)
q: Optional[int] = r["pdq"].quality
idx = hm.Index()
idx.add(r, "known", "id-1", "labels")
idx.commit()
hits: List[hm.Match] = idx.query(r, dihedral=True)
batch: List[List[hm.Match]] = idx.query_batch([r, r])
name: str = hits[0].entry_id if hits else ""
frames: List[hm.Frame] = hm.hash_video("v.mp4", mode="keyframes")
vm: List[hm.VideoMatch] = idx.match_video(frames)
with hm.Hasher(max_pixels=10**6) as h:
    for f in h.video("v.mp4"):
        t: float = f.timestamp
tmk: hm.Tmk = hm.hash_tmk("v.mp4", max_duration=600.0)
known = hm.Tmk.from_base64(tmk.to_base64())
scores: hm.TmkScores = tmk.scores(hm.Tmk.from_bytes(bytes(known)))
both: bool = scores.matches() and tmk.matches(known, level1=0.9, level2=0.9)
l1: float = tmk.level1(known) + scores.level2 + hm.TMK_LEVEL1_THRESHOLD
n: int = tmk.info.frames + tmk.frames + len(tmk.average)
vi: Optional[hm.VideoInfo] = tmk.video_info
with hm.video_frames("v.mp4", tmk=True) as reader:
    both_frames: List[hm.Frame] = list(reader)
    beside: hm.Tmk = reader.take_tmk()
skipped: int = reader.info.frames_skipped
try:
    hm.hash(b"...")
except hm.DecodeError as e:
    status: int = e.status
"""


USER_PYTX_CODE = """
from typing import Dict, List, Sequence
from threatexchange.signal_type.index import IndexMatch
from threatexchange.signal_type.signal_base import SignalType
import hashmatch.pytx as hx

types: List[type[SignalType]] = list(hx.SIGNAL_TYPES)
s: str = hx.PdqSignal.hash_from_bytes(b"...")
idx: hx.PdqIndex[Dict[str, int]] = hx.PdqIndex([(s, {"id": 1})], threshold=20)
hits = idx.query(s)
d: int = hits[0].similarity_info.distance
meta: Dict[str, int] = hits[0].metadata
v: hx.VpdqIndex[str] = hx.VpdqIndex.build([("[]", "v")], query_match_threshold_pct=50)
vm: List[IndexMatch[str]] = v.query("[]")
tm: Sequence[IndexMatch[str]] = hx.TmkIndex[str]().query("...")
match: bool = hx.TmkPdqfSignal.compare_hash("a", "b", level1_threshold=0.8).match
"""


def test_mypy_strict_if_available(tmp_path):
    api = pytest.importorskip("mypy.api")
    has_pytx = importlib.util.find_spec("threatexchange") is not None
    if has_pytx:
        targets = ["-p", "hashmatch"]
    else:  # hashmatch.pytx needs threatexchange to be checked
        targets = [a for p in sorted(pathlib.Path(hm.__file__).parent.glob("*.py"))
                   for a in ("-m", "hashmatch" if p.stem == "__init__" else "hashmatch." + p.stem)]
    out, err, status = api.run(["--strict", "--ignore-missing-imports", "--no-incremental",
                                *targets])
    assert status == 0, out + err
    for name, code in [("user.py", USER_CODE), ("user_pytx.py", USER_PYTX_CODE)][:1 + has_pytx]:
        user = tmp_path / name
        user.write_text(code)
        out, err, status = api.run(["--strict", "--no-incremental", str(user)])
        assert status == 0, out + err
