# SPDX-License-Identifier: BSD-3-Clause
"""hashmatch.arrow (and the engine-neutral pieces Spark and Ray use): a
column hashed in one call gives, row by row, what the single calls give;
bad rows are rows with the single call's error; matches equal the index's
own query of each row's hashes; hash strings parse as the library parses
them; the worker-side index cache loads once and reloads a replaced file.
"""
import hashlib
import pickle

import pytest

pa = pytest.importorskip("pyarrow")
np = pytest.importorskip("numpy")

import hashmatch  # noqa: E402
from hashmatch import arrow  # noqa: E402
from hashmatch._workers import IndexSource, hasher_for  # noqa: E402
from hashmatch.ray import HashImages, MatchImages  # noqa: E402

from conftest import DATA, PDQ_DATA, real_images  # noqa: E402

ALL = "pdq,phash,dhash,ahash,md5,sha256"
TYPES = ALL.split(",")
KNOWN = DATA / "example" / "known.csv"


@pytest.fixture(scope="module")
def images():
    return real_images()


@pytest.fixture(scope="module")
def bad():
    """Inputs that must fail alone, with the single call's message."""
    jpeg = (PDQ_DATA / "bridge-mods" / "blur-a-lot.jpg").read_bytes()
    return [b"", b"not an image at all", jpeg[:4000], jpeg[:20] + b"\0" * 5000]


def expected_row(src, types=ALL):
    """The row hash_array must give for one source, from the single call."""
    try:
        r = hashmatch.hash(src, types)
    except hashmatch.Error as e:
        row = {t: None for t in types.split(",")}
        row["error"] = str(e)
        data = src if isinstance(src, bytes) else None
        if data is not None and data:  # digests of bytes that do not decode
            if "md5" in row:
                row["md5"] = hashlib.md5(data).hexdigest()
            if "sha256" in row:
                row["sha256"] = hashlib.sha256(data).hexdigest()
        if "pdq" in row:
            row["pdq_quality"] = None
        return row
    row = {str(h.type): str(h) for h in r.all}
    if "pdq" in row:
        row["pdq_quality"] = r.pdq.quality
    row["error"] = None
    return row


def test_hash_array_equals_single_calls(images, bad):
    data = [p.read_bytes() for p in images] + bad
    table = arrow.hash_array(pa.array(data, pa.binary()), ALL)
    assert table.schema == arrow.hash_schema(ALL)
    assert table.num_rows == len(data)
    rows = table.to_pylist()
    for src, row in zip(data, rows):
        assert row == expected_row(src)
    assert sum(r["error"] is None for r in rows) == len(images)
    # an empty input has no digest: the library refuses it before hashing
    assert rows[len(images)]["md5"] is None


def test_layouts_give_the_same_table(images, tmp_path):
    data = [p.read_bytes() for p in images[:9]]
    want = arrow.hash_array(pa.array(data, pa.binary()), ALL)
    # large offsets, several chunks, a slice (an offset into the buffers)
    assert arrow.hash_array(pa.array(data, pa.large_binary()), ALL).equals(want)
    chunked = pa.chunked_array([pa.array(data[:4], pa.binary()), pa.array([], pa.binary()),
                                pa.array(data[4:], pa.binary())])
    assert arrow.hash_array(chunked, ALL).equals(want)
    padded = pa.array([b"x"] + data + [b"y"], pa.binary()).slice(1, len(data))
    assert arrow.hash_array(padded, ALL).equals(want)
    # paths, plain and as file: URIs (Spark's binaryFile), sliced
    paths = [str(p) for p in images[:9]]
    for col in (pa.array(paths), pa.array(["file:" + p for p in paths], pa.large_string()),
                pa.array(["file://" + p for p in paths]),
                pa.array(["zz"] + paths, pa.string()).slice(1)):
        assert arrow.hash_array(col, ALL).equals(want)
    # the library's threads change nothing
    for threads in (1, 2, 5):
        assert arrow.hash_array(pa.array(data, pa.binary()), ALL, threads=threads).equals(want)
    assert arrow.hash_array(pa.array([], pa.binary()), ALL).num_rows == 0


def test_bad_rows_are_rows(tmp_path):
    missing = str(tmp_path / "no-such.jpg")
    table = arrow.hash_array(pa.array([None, missing, str(tmp_path)]), "pdq,md5")
    rows = table.to_pylist()
    assert rows[0] == {"pdq": None, "pdq_quality": None, "md5": None, "error": "null value"}
    for src, row in zip([missing, str(tmp_path)], rows[1:]):
        with pytest.raises(hashmatch.Error) as e:
            hashmatch.hash(src, "pdq,md5")
        assert row["error"] == str(e.value) and row["md5"] is None
    # a NUL would end the path early: the row is refused, not hashed
    good = str(PDQ_DATA / "bridge-mods" / "blur-a-lot.jpg")
    rows = arrow.hash_array(pa.array([good + "\0.txt", good]), "md5").to_pylist()
    assert rows[0] == {"md5": None, "error": "path contains a NUL byte"}
    assert rows[1]["error"] is None and rows[1]["md5"]
    binary_nulls = arrow.hash_array(pa.array([None, b"x"], pa.binary()), "md5").to_pylist()
    assert binary_nulls[0]["error"] == "null value" and binary_nulls[1]["md5"] is not None
    # the hasher's limits apply to every row
    small = hashmatch.Hasher(max_pixels=100 * 100)
    big = (PDQ_DATA / "bridge-mods" / "blur-a-lot.jpg").read_bytes()
    row = arrow.hash_array(pa.array([big], pa.binary()), "pdq", hasher=small).to_pylist()[0]
    with pytest.raises(hashmatch.Error) as e:
        small.hash(big, "pdq")
    assert row["error"] == str(e.value) and row["pdq"] is None


def test_argument_errors():
    with pytest.raises(TypeError, match="binary column"):
        arrow.hash_array(pa.array([1, 2]), "pdq")
    with pytest.raises(TypeError, match="pyarrow Array"):
        arrow.hash_array([b"x"], "pdq")
    with pytest.raises(ValueError):
        arrow.hash_array(pa.array([b"x"]), "nosuchtype")
    with pytest.raises(ValueError, match="threads"):
        arrow.hash_array(pa.array([b"x"]), "pdq", threads=-1)
    t = pa.table({"content": pa.array([b"x"]), "path": ["a"]})
    with pytest.raises(KeyError, match="no column 'bytes'"):
        arrow.hash_table(t, content="bytes")
    with pytest.raises(KeyError, match="to keep"):
        arrow.hash_table(t, keep=["nope"])
    with pytest.raises(TypeError, match="string column of hashes"):
        arrow.match_hashes(hashmatch.Index(), pa.array([b"x"]), "pdq")


@pytest.fixture(scope="module")
def index():
    idx = hashmatch.Index()
    idx.load_list(str(KNOWN))
    # and every bridge edit's pHash under another list, a wide threshold
    lst = idx.list_id("edits", thresholds={"phash": 20})
    for p in sorted((PDQ_DATA / "bridge-mods").glob("*.jpg"))[:4]:
        idx.add(hashmatch.hash(p, "phash").phash, lst, entry_id=p.name)
    idx.commit()
    return idx


def query_rows(index, results, **options):
    """(row, type, distance, list, entry) of each row's own query."""
    out = set()
    for i, r in enumerate(results):
        if r is None:
            continue
        for m in index.query(r, **options):
            out.add((i, str(m.type), m.distance, m.threshold, m.list_name, m.entry_id, m.labels))
    return out


def hit_set(table):
    return {(r["row"], r["type"], r["distance"], r["threshold"], r["list"], r["entry_id"],
             r["labels"]) for r in table.to_pylist() if r["error"] is None}


def test_match_array_equals_the_index_query(index, images, bad):
    data = [p.read_bytes() for p in images] + bad
    types = "pdq,phash,md5"
    single = []
    for d in data:
        try:
            single.append(hashmatch.hash(d, types))
        except hashmatch.Error:
            single.append(None)
    for options in ({}, {"dihedral": True}, {"radius": 40}, {"min_quality": 101}):
        dihedral = options.get("dihedral", False)
        want = query_rows(index, [hashmatch.hash(d, types, dihedral=True) if s and dihedral
                                  else s for d, s in zip(data, single)], **options)
        got = arrow.match_array(index, pa.array(data, pa.binary()), **options)
        assert got.schema == arrow.MATCH_SCHEMA
        assert hit_set(got) == want
        assert want or options.get("min_quality") == 101
        errors = {r["row"]: r["error"] for r in got.to_pylist() if r["error"] is not None}
        assert set(errors) == {i for i, s in enumerate(single) if s is None}
    # the types the index holds by default (pdq, phash and md5 here)
    assert hit_set(arrow.match_array(index, pa.array(data, pa.binary()))) == \
        hit_set(arrow.match_array(index, pa.array(data, pa.binary()), types=types))


def test_digests_of_undecodable_rows_match(tmp_path):
    junk = b"GIF89a but not really an image" * 10
    idx = hashmatch.Index()
    idx.add(hashmatch.Hash("md5", hashlib.md5(junk).hexdigest()), "digests", entry_id="junk")
    idx.commit()
    rows = arrow.match_array(idx, pa.array([junk], pa.binary()), types="pdq,md5").to_pylist()
    assert [(r["type"], r["entry_id"], r["error"] is None) for r in rows] == \
        [("md5", "junk", True), (None, None, False)]
    # hashed with the index's types alone (MD5), the row does not fail
    rows = arrow.match_array(idx, pa.array([junk], pa.binary())).to_pylist()
    assert [(r["type"], r["entry_id"], r["error"]) for r in rows] == [("md5", "junk", None)]


def test_match_hashes(index, images):
    results = [hashmatch.hash(p, "pdq,phash") for p in images]
    pdq = pa.array([str(r.pdq) for r in results])
    quality = pa.array([r.pdq.quality for r in results], pa.int32())
    want = query_rows(index, [(r.pdq,) for r in results], min_quality=0)
    assert hit_set(arrow.match_hashes(index, pdq, "pdq")) == want
    # the qualities take part: none passes a gate of 101
    assert not hit_set(arrow.match_hashes(index, pdq, "pdq", quality=quality, min_quality=101))
    assert hit_set(arrow.match_hashes(index, pdq, "pdq", quality=quality)) == \
        query_rows(index, [(r.pdq,) for r in results])
    phash = pa.chunked_array([pa.array([str(r.phash).upper() for r in results[:3]]),
                              pa.array([str(r.phash) for r in results[3:]])])
    want = query_rows(index, [(r.phash,) for r in results])
    assert want and hit_set(arrow.match_hashes(index, phash, "phash")) == want
    large = pa.array([str(r.phash) for r in results], pa.large_string()).slice(0)
    assert hit_set(arrow.match_hashes(index, large, "phash")) == want
    bad = ["zz", None, "f" * 63, "g" * 16, "0123456789abcdef"]
    got = arrow.match_hashes(index, pa.array(bad), "phash").to_pylist()
    errors = {r["row"]: r["error"] for r in got if r["error"] is not None}
    assert set(errors) == {0, 1, 2, 3}
    assert errors[1] == "null value"
    for i in (0, 2, 3):
        with pytest.raises(hashmatch.BadHashString) as e:
            hashmatch.Hash("phash", bad[i])
        assert errors[i] == str(e.value)
    with pytest.raises(ValueError, match="quality has"):
        arrow.match_hashes(index, pdq, "pdq", quality=quality.slice(1))


def test_tables_carry_their_columns(index, images):
    data = [p.read_bytes() for p in images[:6]] + [b"junk"]
    names = [p.name for p in images[:6]] + ["junk"]
    t = pa.table({"name": names, "content": pa.array(data, pa.binary()),
                  "n": list(range(len(data)))})
    hashed = arrow.hash_table(t, "pdq")
    assert hashed.column_names == ["name", "n", "pdq", "pdq_quality", "error"]
    assert hashed.column("name").to_pylist() == names
    matched = arrow.match_table(index, t, keep=["name"])
    hits = arrow.match_array(index, t.column("content"))
    assert matched.column("name").to_pylist() == [names[i] for i in
                                                  hits.column("row").to_pylist()]
    assert matched.column_names == ["name"] + arrow.match_schema().names
    # a column of paths is carried (it names the rows); bytes are not
    paths = pa.table({"path": [str(p) for p in images[:6]]})
    assert arrow.hash_table(paths, content="path").column_names[0] == "path"
    by_hash = arrow.match_hashes_table(index, hashed, "pdq", quality="pdq_quality")
    # the table of hashes' own error column is not carried (the output has one)
    assert by_hash.column_names == ["name", "n"] + arrow.match_schema().names
    with pytest.raises(ValueError, match="cannot be kept"):
        arrow.match_hashes_table(index, hashed, "pdq", keep=["name", "error"])
    assert {r["name"] for r in by_hash.to_pylist() if r["error"] is None} == \
        {r["name"] for r in matched.to_pylist() if r["type"] == "pdq"}


def test_index_source_loads_once(index, tmp_path):
    path = tmp_path / "known.hmi"
    index.save(path)
    src = IndexSource.file(path)
    a = src.load()
    assert src.load() is a
    # a copy that travelled (pickled) finds the process's loaded index
    assert pickle.loads(pickle.dumps(src)).load() is a
    # a replaced file is loaded again
    other = hashmatch.Index()
    other.add(hashmatch.Hash("md5", "0" * 32), "x")
    other.commit()
    other.save(tmp_path / "new.hmi")
    (tmp_path / "new.hmi").replace(path)
    b = src.load()
    assert b is not a and b.stats().entries == 1
    shipped = IndexSource.shipped(index.to_bytes())
    assert shipped.load() is shipped.load()
    assert shipped.load().stats().entries == index.stats().entries

    class Broadcast:  # what Spark's broadcast variables look like
        value = index.to_bytes()

    assert IndexSource.shipped(Broadcast()).load().stats().entries == index.stats().entries
    with pytest.raises(ValueError):
        IndexSource()
    # IndexSource.of: as it is, a path, or bytes (through `ship` when given)
    assert IndexSource.of(src) is src
    assert IndexSource.of(path).path == str(path)
    shipped_via = IndexSource.of(index, ship=lambda b: Broadcast())
    assert isinstance(shipped_via.data, Broadcast)
    assert shipped_via.load().stats().entries == index.stats().entries
    assert hasher_for({"max_pixels": 10}) is hasher_for({"max_pixels": 10})
    assert hasher_for(None) is not hasher_for({"max_pixels": 10})


def test_ray_callables_are_the_arrow_layer(index, images, tmp_path):
    """The Ray classes as Ray calls them, one table per batch (Ray itself
    runs them in tests/spark/test_ray.py when installed)."""
    t = pa.table({"bytes": pa.array([p.read_bytes() for p in images[:5]] + [b"x"]),
                  "path": [str(p) for p in images[:5]] + ["x"]})
    assert HashImages("pdq,md5")(t).equals(arrow.hash_table(t, "pdq,md5", content="bytes"))
    path = tmp_path / "i.hmi"
    index.save(path)
    for source in (str(path), index.to_bytes(), IndexSource.file(path), index):
        got = MatchImages(source, dihedral=True)(t)
        assert got.equals(arrow.match_table(index, t, content="bytes", dihedral=True))
    with pytest.raises(ValueError):
        HashImages("nosuchtype")


def test_engine_modules_are_documented():
    """The engine modules import without their engines, and everything
    they export is documented (as test_meta checks for the package)."""
    import inspect

    import hashmatch.ray
    import hashmatch.spark

    for mod in (arrow, hashmatch.spark, hashmatch.ray):
        assert inspect.getdoc(mod)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj):
                assert inspect.getdoc(obj), "%s.%s" % (mod.__name__, name)
