# SPDX-License-Identifier: BSD-3-Clause
"""Columns in, columns out: hashing and matching whole Arrow arrays.

What a data engine hands a worker is a batch of rows in Arrow's layout
(Spark's ``mapInArrow``, Ray Data's ``map_batches``, a Parquet file read
with pyarrow).  The functions here take such a column and return a
``pyarrow.Table``, with no Python work per row on the way:

- the items of the C batch (``hm_hash_batch``) are built from the
  column's own offsets and data buffers with numpy (the bytes are not
  copied), and hashed in one C call on the library's threads with the GIL
  released;
- the results are read back as columns (``hm_batch_columns_get``) and the
  hex strings made with numpy;
- a hash column is parsed with numpy and matched in one query call
  (``hm_index_query``); only hits, rows that failed and hash strings that
  do not parse are touched one at a time.

``hash_array`` gives one row per input: a column per requested type (the
canonical hex string), ``pdq_quality`` when PDQ is asked for, and
``error`` (null when the row was hashed).  ``match_array`` and
``match_hashes`` give one row per hit (``row`` is the input's position),
and one row per input that could not be hashed or parsed (its ``error``
set, the match fields null).  A bad input (corrupt, empty, over the
hasher's limits, a missing file, null) is a row with an error, never an
exception.  MD5 and SHA-256 are taken of any input's bytes, also of one
that fails to decode, as ``hashcheck match`` does: such a row has both
its digests and its error.

Needs pyarrow and numpy (``pip install hashmatch[arrow]``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
from numpy.typing import NDArray
import pyarrow as pa
import pyarrow.compute as pc

from ._batch import run_batch
from ._errors import BadHashString, raise_for
from ._hash import Hash
from ._hasher import Hasher, _request, default_hasher
from ._index import _make_query_opts, _run_query_c
from ._native import ffi, lib
from ._types import HashType, TypesArg, types_mask

if TYPE_CHECKING:  # pragma: no cover
    from ._index import Index, Snapshot

__all__ = ["hash_array", "match_array", "match_hashes", "hash_table", "match_table",
           "match_hashes_table", "hash_schema", "match_schema", "kept_columns", "media_kept",
           "MATCH_SCHEMA", "ERROR_COLUMN"]

#: The column that says why a row failed (null when it did not).
ERROR_COLUMN = "error"

#: The columns of a match table (``match_array``, ``match_hashes``).
MATCH_SCHEMA = pa.schema([
    ("row", pa.int64()),        # the input's position in the column
    ("type", pa.string()),      # hash type of the hit
    ("distance", pa.int32()),
    ("threshold", pa.int32()),  # the list's threshold, or the radius
    ("list", pa.string()),
    ("entry_id", pa.string()),
    ("labels", pa.string()),
    (ERROR_COLUMN, pa.string()),
])

# ---- C layouts as numpy dtypes ---------------------------------------------------


def _dtype(ctype: str, fields: Sequence[Tuple[str, Any]]) -> np.dtype[Any]:
    """A numpy dtype laid out as the C struct `ctype`: every field, at
    cffi's offsets, with no gap (numpy copies fields, not gaps, so a gap
    could carry garbage into a reserved field)."""
    d = np.dtype({"names": [f for f, _ in fields], "formats": [t for _, t in fields],
                  "offsets": [ffi.offsetof(ctype, f) for f, _ in fields],
                  "itemsize": ffi.sizeof(ctype)})
    if sum(d[f].itemsize for f, _ in fields) != d.itemsize:  # pragma: no cover
        raise ImportError("the numpy layout of %s does not cover the struct" % ctype)
    return d


_ITEM = _dtype("hm_batch_item", [("data", np.uintp), ("size", np.uintp), ("path", np.uintp),
                                 ("reserved", (np.uint64, 2))])
_HASH = _dtype("hm_hash", [("type", np.int32), ("quality", np.int16), ("variant", np.uint8),
                           ("reserved", np.uint8), ("bytes", (np.uint8, lib.HM_HASH_BYTES_MAX))])

_DIGESTS = (1 << HashType.MD5) | (1 << HashType.SHA256)
# two lowercase hex digits per byte value, and the value of each ASCII hex
# digit (either case; 255: not a digit): the canonical string form is the
# bytes in order, two digits each (docs/format.md; Hash.__str__)
_HEX_PAIRS = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), np.uint8).reshape(256, 2)
_HEX_VALUE = np.full(256, 255, np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX_VALUE[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX_VALUE[_c] = 10 + _i


def _ptr(ctype: str, arr: NDArray[Any]) -> Any:
    return ffi.cast(ctype, arr.ctypes.data) if arr.size else ffi.NULL


def _c_array(ptr: Any, dtype: np.dtype[Any], n: int) -> NDArray[Any]:
    """A copy of n elements of `dtype` at a C pointer."""
    if n == 0 or ptr == ffi.NULL:
        return np.zeros(n, dtype)
    return np.frombuffer(ffi.buffer(ptr, n * dtype.itemsize), dtype).copy()


# ---- inputs -----------------------------------------------------------------------


def _chunked(values: Any) -> pa.ChunkedArray:
    """A pyarrow Array or ChunkedArray as a ChunkedArray."""
    if isinstance(values, pa.ChunkedArray):
        return values
    if isinstance(values, pa.Array):
        return pa.chunked_array([values])
    raise TypeError("expected a pyarrow Array or ChunkedArray, not %s" % type(values).__name__)


def _offsets(a: pa.Array) -> NDArray[Any]:
    large = pa.types.is_large_binary(a.type) or pa.types.is_large_string(a.type)
    buf = a.buffers()[1]
    if buf is None:  # an array of length 0
        return np.zeros(len(a) + 1, np.int64)
    off = np.frombuffer(buf, np.int64 if large else np.int32)
    return off[a.offset:a.offset + len(a) + 1].astype(np.int64)


def _address(buf: Optional[pa.Buffer]) -> int:
    return buf.address if buf is not None and buf.size else 0


_FILE_SCHEME = "^file:(//)?/"


def _path_bytes(a: pa.Array) -> Tuple[NDArray[Any], NDArray[Any]]:
    """NUL-terminated copies of a string column's paths, one buffer, and
    where each begins.  ``file:`` URIs (Spark's ``binaryFile`` paths) are
    read as the local paths they name."""
    a = pc.replace_substring_regex(a, _FILE_SCHEME, "/")
    off = _offsets(a)
    lengths = np.diff(off)
    n = len(a)
    data = a.buffers()[2]
    src = (np.frombuffer(data, np.uint8)[off[0]:off[-1]] if data is not None and data.size
           else np.zeros(0, np.uint8))
    # path i moves right by i bytes: room for the NULs before it
    out = np.zeros(int(lengths.sum()) + n, np.uint8)
    out[np.arange(src.size) + np.repeat(np.arange(n), lengths)] = src
    return out, off[:-1] - off[0] + np.arange(n)


def _items(values: Any) -> Tuple[NDArray[Any], Dict[int, str], List[Any]]:
    """The C items of a column (bytes, or paths for a string column), the
    rows not to hash with the error each gets instead (a null; a path
    with a NUL byte, which would name another file), and what must
    outlive the C call."""
    items: List[NDArray[Any]] = []
    refused: Dict[int, str] = {}
    keep: List[Any] = []
    start = 0
    for a in _chunked(values).chunks:
        t = a.type
        it = np.zeros(len(a), _ITEM)
        bad = np.zeros(len(a), bool)
        if _is_binary(t):
            off = _offsets(a)
            it["data"] = _address(a.buffers()[2]) + off[:-1]
            it["size"] = np.diff(off)
            keep.append(a)
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            buf, starts = _path_bytes(a)
            it["path"] = buf.ctypes.data + starts
            keep.append(buf)
            nul = pc.fill_null(pc.match_substring(a, "\0"), False)
            for i in np.flatnonzero(nul.to_numpy(zero_copy_only=False)):
                refused[start + int(i)] = "path contains a NUL byte"
                bad[i] = True
        else:
            raise TypeError("expected a binary column (encoded media) or a string column "
                            "(paths), not %s" % t)
        null = np.asarray(a.is_null().to_numpy(zero_copy_only=False), bool)
        for i in np.flatnonzero(null):
            refused[start + int(i)] = "null value"
        bad |= null
        it[bad] = np.zeros(1, _ITEM)  # an empty item: not hashed (its error is ours)
        items.append(it)
        start += len(a)
    if not items:
        return np.zeros(0, _ITEM), refused, keep
    return np.concatenate(items), refused, keep


# ---- the batch ------------------------------------------------------------------


class _Batch:
    """The results of one hm_hash_batch call, copied out as numpy
    columns: ``hashes`` (n, stride) of _HASH, ``counts``, ``status``, and
    ``errors``, the message of each row that failed (few: read one by
    one)."""

    def __init__(self, hasher: Hasher, items: NDArray[Any], mask: int, threads: int) -> None:
        n = len(items)
        b = run_batch(hasher, _ptr("hm_batch_item *", items), n, mask, threads)
        try:
            cols = ffi.new("hm_batch_columns *")
            if lib.hm_batch_columns_get(b, cols) != lib.HM_OK:  # pragma: no cover
                raise_for(lib.HM_E_INVALID_ARGUMENT)
            stride = int(cols.stride)
            self.hashes = _c_array(cols.hashes, _HASH, n * stride).reshape(n, stride)
            self.counts = _c_array(cols.counts, np.dtype(np.uint32), n)
            self.status = _c_array(cols.status, np.dtype(np.int32), n)
            self.errors: Dict[int, str] = {}
            r = ffi.new("hm_batch_result *")
            for i in np.flatnonzero(self.status != lib.HM_OK):
                lib.hm_batch_get(b, int(i), r)
                self.errors[int(i)] = ffi.string(r.error).decode("utf-8", "replace")
        finally:
            lib.hm_batch_free(b)

    def present(self) -> NDArray[Any]:
        """(n, stride) booleans: which places of ``hashes`` hold a hash."""
        return np.arange(self.hashes.shape[1])[None, :] < self.counts[:, None]


def _hash_column(values: Any, mask: int, hasher: Optional[Hasher], threads: int) -> _Batch:
    """Hash a column's rows (`mask` as the single calls take it, with
    `hasher` or the default one); then the digests asked for of the rows
    that failed to decode (they need no decoding), which keep their error.
    Nulls and paths with a NUL get their own message."""
    h = hasher or default_hasher()
    items, refused, keep = _items(values)
    b = _Batch(h, items, mask, threads)
    b.errors.update(refused)
    failed = np.setdiff1d(np.flatnonzero(b.status != lib.HM_OK),
                          np.fromiter(refused, np.int64, len(refused)))
    digests = mask & _DIGESTS
    if failed.size and digests:
        d = _Batch(h, items[failed], digests, threads)
        ok = d.status == lib.HM_OK
        b.hashes[failed[ok], :d.hashes.shape[1]] = d.hashes[ok]
        b.counts[failed[ok]] = d.counts[ok]
    del keep  # the C calls are over: the buffers the items point into may go
    return b


def _hex_column(raw: NDArray[Any], valid: NDArray[Any]) -> pa.Array:
    """Canonical strings of hashes (rows of bytes), null where not valid."""
    n, width = raw.shape
    digits = _HEX_PAIRS[raw].reshape(n, 2 * width)
    offsets = np.arange(n + 1, dtype=np.int32) * (2 * width)
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(digits.tobytes()))
    return pc.if_else(pa.array(valid), arr, pa.scalar(None, pa.string()))


def _errors_column(n: int, errors: Dict[int, str]) -> pa.Array:
    """The error column: null but in the failed rows (only they are
    touched one by one)."""
    rows = sorted(errors)
    mask = np.zeros(n, bool)
    mask[rows] = True
    return pc.replace_with_mask(pa.nulls(n, pa.string()), pa.array(mask),
                                pa.array([errors[i] for i in rows], pa.string()))


def _types_of(mask: int) -> List[HashType]:
    return [t for t in HashType if mask & (1 << int(t))]


def hash_schema(types: TypesArg = "pdq") -> pa.Schema:
    """The columns ``hash_array`` returns for `types`: one string column
    per type in type order, ``pdq_quality`` (int16) after ``pdq``, then
    ``error``."""
    fields: List[Tuple[str, pa.DataType]] = []
    for t in _types_of(types_mask(types)):
        fields.append((str(t), pa.string()))
        if t == HashType.PDQ:
            fields.append(("pdq_quality", pa.int16()))
    fields.append((ERROR_COLUMN, pa.string()))
    return pa.schema(fields)


def hash_array(values: Any, types: TypesArg = "pdq", *, hasher: Optional[Hasher] = None,
               threads: int = 0) -> pa.Table:
    """Hash every row of a column in one call on the library's threads.

    Args:
        values: a pyarrow (Chunked)Array, binary or large_binary (encoded
            images), or string or large_string (paths the library opens;
            ``file:`` URIs such as Spark's ``binaryFile`` paths are read as
            local paths).
        types: the hash types, as ``Hasher.hash`` takes them.
        hasher: whose parameters and limits apply (default: the shared
            default hasher).
        threads: threads that hash (0: the CPUs online).

    Returns:
        a table with ``hash_schema(types)``, one row per input in order.
    """
    mask = types_mask(types)
    b = _hash_column(values, _request(mask, False, False, False), hasher, threads)
    n = len(b.counts)
    cols: List[pa.Array] = []
    present = b.present()
    for t in _types_of(mask):
        hit = present & (b.hashes["type"] == int(t)) & (b.hashes["variant"] == 0)
        valid = hit.any(axis=1)
        pos = hit.argmax(axis=1)
        rows = b.hashes[np.arange(n), pos] if n else np.zeros(0, _HASH)
        cols.append(_hex_column(rows["bytes"][:, :t.bits // 8], valid))
        if t == HashType.PDQ:
            q = rows["quality"]
            cols.append(pa.array(q, pa.int16(), mask=~valid | (q < 0)))
    cols.append(_errors_column(n, b.errors))
    return pa.Table.from_arrays(cols, schema=hash_schema(types))


# ---- matching ---------------------------------------------------------------------

IndexLike = Union["Index", "Snapshot"]


def _match_table(target: IndexLike, queries: NDArray[Any], query_rows: NDArray[Any],
                 errors: Dict[int, str], opts: Any) -> pa.Table:
    """Query all `queries` (an array of _HASH) in one call; the hits as
    rows of MATCH_SCHEMA (``row`` from query_rows), then the error rows."""
    handle, call = target._query_call()
    with handle as ptr:
        hits = _run_query_c(call, ptr, _ptr("hm_hash *", queries), len(queries), opts)
    rows = [int(query_rows[m.query]) for m in hits] + sorted(errors)
    nh = len(hits)
    none: List[Optional[Any]] = [None] * len(errors)
    return pa.Table.from_arrays([
        pa.array(rows, pa.int64()),
        pa.array([str(m.type) for m in hits] + none, pa.string()),
        pa.array([m.distance for m in hits] + none, pa.int32()),
        pa.array([m.threshold for m in hits] + none, pa.int32()),
        pa.array([m.list_name for m in hits] + none, pa.string()),
        pa.array([m.entry_id for m in hits] + none, pa.string()),
        pa.array([m.labels for m in hits] + none, pa.string()),
        pa.array([None] * nh + [errors[i] for i in sorted(errors)], pa.string()),
    ], schema=MATCH_SCHEMA)


def _index_types(target: IndexLike) -> int:
    """The perceptual and digest types the index holds (what hashcheck
    match hashes with by default); PDQ when it holds none."""
    by_type = target.stats().entries_by_type
    mask = sum(1 << int(t) for t in HashType if by_type.get(str(t)))
    return mask or (1 << HashType.PDQ)


def match_array(index: IndexLike, values: Any, *, types: Optional[TypesArg] = None,
                hasher: Optional[Hasher] = None, threads: int = 0,
                radius: Optional[int] = None, dihedral: bool = False,
                min_quality: Optional[int] = None,
                include_disabled: bool = False) -> pa.Table:
    """Hash every row of a column (as ``hash_array``) and match all the
    hashes against `index` in one query call, as ``hashcheck match`` does
    for files: the types the index holds unless `types` says, each list's
    threshold unless `radius`, PDQ below `min_quality` (default 50) not
    matched, `dihedral` for rotations and mirrors (the exact variants are
    hashed).

    Returns:
        a table with ``MATCH_SCHEMA``: one row per hit (ordered by input
        row, then distance, list and entry), then one row per input that
        failed (``error`` set; such a row's digests are still matched).
    """
    mask = types_mask(types) if types is not None else _index_types(index)
    opts = _make_query_opts(radius, 0, dihedral, None, min_quality, include_disabled)
    b = _hash_column(values, _request(mask, dihedral, False, False), hasher, threads)
    queries = b.hashes[b.present()]  # row by row, in each row's order
    query_rows = np.repeat(np.arange(len(b.counts)), b.counts.astype(np.int64))
    return _match_table(index, queries, query_rows, b.errors, opts)


def _parse_hashes(values: Any, t: HashType) -> Tuple[NDArray[Any], NDArray[Any], Dict[int, str]]:
    """The hashes of a column of canonical strings of type t: the bytes
    of the rows that parse, their row numbers, and the others' errors."""
    arr = _chunked(values)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        raise TypeError("expected a string column of hashes, not %s" % arr.type)
    a = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    n, width = len(a), t.bits // 4
    off = _offsets(a)
    data = a.buffers()[2]
    src = (np.frombuffer(data, np.uint8) if data is not None and data.size
           else np.zeros(1, np.uint8))
    null = np.asarray(a.is_null().to_numpy(zero_copy_only=False), bool)
    right = (np.diff(off) == width) & ~null
    rows = np.flatnonzero(right)
    digits = (src[off[rows][:, None] + np.arange(width)[None, :]] if rows.size
              else np.zeros((0, width), np.uint8))
    values_ = _HEX_VALUE[digits]
    good = (values_ != 255).all(axis=1)
    raw = (values_[good, 0::2] << 4) | values_[good, 1::2]
    errors: Dict[int, str] = {int(i): "null value" for i in np.flatnonzero(null)}
    for i in np.concatenate([np.flatnonzero(~right & ~null), rows[~good]]):
        try:  # the library's own message for a string that does not parse
            Hash(t, a[int(i)].as_py())
        except BadHashString as e:
            errors[int(i)] = str(e)
        else:  # pragma: no cover (the rule above is the library's)
            raise AssertionError("row %d parses in the library but not here" % i)
    return raw.astype(np.uint8), rows[good], errors


def match_hashes(index: IndexLike, hashes: Any, type: Union[HashType, str, int], *,
                 quality: Any = None, radius: Optional[int] = None, dihedral: bool = False,
                 min_quality: Optional[int] = None,
                 include_disabled: bool = False) -> pa.Table:
    """Match a column of hashes of one type (canonical strings, as lists
    and ``hash_array`` write them) against `index` in one query call.

    Args:
        hashes: a pyarrow string (Chunked)Array.
        type: their hash type.
        quality: PDQ qualities (an integer column, or None: unknown, so
            every PDQ hash may match); below `min_quality` nothing matches.
        radius, dihedral, min_quality, include_disabled: as ``Index.query``.

    Returns:
        a table with ``MATCH_SCHEMA``: a row per hit, then a row per input
        that is null or not a hash of the type (``error`` set).
    """
    t = HashType.coerce(type)
    raw, rows, errors = _parse_hashes(hashes, t)
    q = np.zeros(len(rows), _HASH)
    q["type"] = int(t)
    q["quality"] = -1
    q["bytes"][:, :raw.shape[1]] = raw
    if quality is not None:
        qcol = _chunked(quality)
        if len(qcol) != len(hashes):
            raise ValueError("quality has %d rows, hashes %d" % (len(qcol), len(hashes)))
        q["quality"] = pc.fill_null(qcol, -1).to_numpy().astype(np.int64)[rows]
    opts = _make_query_opts(radius, 0, dihedral, None, min_quality, include_disabled)
    return _match_table(index, q, rows, errors, opts)


# ---- tables: a media column in, the other columns carried along --------------------


def kept_columns(names: Sequence[str], used: Sequence[str], keep: Optional[Iterable[str]],
                 added: Sequence[str], drop: Optional[Sequence[str]] = None) -> List[str]:
    """The input columns carried to the output beside the `added` ones:
    `keep`, or every column but `drop` (default: those `used` as the
    input) and those named as an added column (e.g. the ``error`` of a
    table of hashes being matched).  Each is checked against `names`; a
    kept column named as an added one is refused."""
    for c in used:
        if c not in names:
            raise KeyError("no column %r in the input (columns: %s)" % (c, ", ".join(names)))
    skip = set(used if drop is None else drop) | set(added)
    cols = [c for c in names if c not in skip] if keep is None else list(keep)
    for c in cols:
        if c not in names:
            raise KeyError("no column %r in the input to keep" % c)
        if c in added:
            raise ValueError("column %r cannot be kept: the output has a column of that name "
                             "(rename it first)" % c)
    return cols


def media_kept(names: Sequence[str], content: str, content_is_binary: bool,
               keep: Optional[Iterable[str]], added: Sequence[str]) -> List[str]:
    """The columns carried beside a media column's results (`added`):
    `keep`, or every column but the media bytes (a column of paths is
    carried: it names the rows)."""
    return kept_columns(names, [content], keep, added, [content] if content_is_binary else [])


def _is_binary(t: pa.DataType) -> bool:
    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t))


def _content_binary(table: pa.Table, content: str) -> bool:
    return content in table.column_names and _is_binary(table.schema.field(content).type)


def _beside(table: pa.Table, kept: List[str], hits: pa.Table) -> pa.Table:
    """Match rows with the kept columns of their input row instead of
    the row number."""
    carried = table.select(kept).take(hits.column("row"))
    rest = hits.drop_columns(["row"])
    return pa.Table.from_arrays(carried.columns + rest.columns, names=kept + rest.column_names)


def hash_table(table: pa.Table, types: TypesArg = "pdq", *, content: str = "content",
               keep: Optional[Iterable[str]] = None, hasher: Optional[Hasher] = None,
               threads: int = 0) -> pa.Table:
    """``hash_array`` of a table's `content` column (media bytes or
    paths), beside the columns `keep` names (default: all but the media
    bytes, e.g. ``path`` of Spark's ``binaryFile``): one row per input
    row."""
    kept = media_kept(table.column_names, content, _content_binary(table, content), keep,
                      hash_schema(types).names)
    hashes = hash_array(table.column(content), types, hasher=hasher, threads=threads)
    return pa.Table.from_arrays([table.column(c) for c in kept] + hashes.columns,
                                names=kept + hashes.column_names)


def match_table(index: IndexLike, table: pa.Table, *, content: str = "content",
                keep: Optional[Iterable[str]] = None, **options: Any) -> pa.Table:
    """``match_array`` of a table's `content` column, each hit and error
    row beside the columns `keep` names of its input row (default: all
    but the media bytes) instead of the row number.  `options` are
    ``match_array``'s."""
    kept = media_kept(table.column_names, content, _content_binary(table, content), keep,
                      match_schema().names)
    return _beside(table, kept, match_array(index, table.column(content), **options))


def match_hashes_table(index: IndexLike, table: pa.Table, column: str,
                       type: Union[HashType, str, int, None] = None, *,
                       quality: Optional[str] = None, keep: Optional[Iterable[str]] = None,
                       **options: Any) -> pa.Table:
    """``match_hashes`` of a table's `column` of hashes of `type`
    (default: the type the column is named after, as ``hash_table`` names
    them), with the PDQ qualities of column `quality`, each hit and error
    row beside the columns `keep` names (default: all but `column` and
    `quality`).  `options` are ``match_hashes``'."""
    used = [column] + ([quality] if quality else [])
    kept = kept_columns(table.column_names, used, keep, match_schema().names)
    hits = match_hashes(index, table.column(column), column if type is None else type,
                        quality=table.column(quality) if quality else None, **options)
    return _beside(table, kept, hits)


def match_schema() -> pa.Schema:
    """MATCH_SCHEMA less ``row``: what ``match_table`` and
    ``match_hashes_table`` add to the kept columns."""
    return pa.schema([f for f in MATCH_SCHEMA if f.name != "row"])
