# SPDX-License-Identifier: BSD-3-Clause
"""The matching index: known hashes in lists, lock-free queries."""
from __future__ import annotations

import builtins
import contextlib
import os
import threading
import weakref
from typing import (Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional,
                    Sequence, Tuple, Union)

from ._errors import raise_for
from ._handle import Handle
from ._hash import Hash, HashResult
from ._native import ffi, lib
from ._tmk import Tmk, TmkMatch, tmk_ptr
from ._types import Dihedral, HashType, ListFormat, Rule, Structure, coerce_enum
from ._video import Frame, VideoMatch, frames_to_c

__all__ = ["Index", "Snapshot", "Transaction", "Match", "Decision", "ListInfo", "LoadReport",
           "IndexStats", "QueryInput", "ListRef", "DECIDE_SCORE_FPR_1E4", "DECIDE_SCORE_FPR_1E6"]

#: Fused-score thresholds of ``decide`` calibrated at a false-match rate of
#: 1e-4 (the default) and 1e-6 per (query, known image) pair (docs/matching.md).
DECIDE_SCORE_FPR_1E4: float = lib.HM_DECIDE_SCORE_FPR_1E4
DECIDE_SCORE_FPR_1E6: float = lib.HM_DECIDE_SCORE_FPR_1E6

#: A list, by name (created when absent where that makes sense) or by id.
ListRef = Union[str, int]
#: What queries take: a Hash, a HashResult, or an iterable of those.
QueryInput = Union[Hash, HashResult, Iterable[Union[Hash, HashResult]]]


def _check(st: int) -> None:
    """Raise for a failed C call, with this thread's message of it."""
    if st != lib.HM_OK:
        raise_for(st)


def _s(p: Any) -> str:
    """A C string as str (NULL -> ""); bytes that are not UTF-8 are kept
    as surrogate escapes, so they round-trip through the index."""
    if p == ffi.NULL:
        return ""
    return str(ffi.string(p).decode("utf-8", "surrogateescape"))


def _b(s: Optional[str], what: str) -> Any:
    if s is None:
        return ffi.NULL
    if not isinstance(s, str):
        raise TypeError("%s must be a str, not %s" % (what, type(s).__name__))
    b = s.encode("utf-8", "surrogateescape")
    if b"\0" in b:
        raise ValueError("%s must not contain NUL characters" % what)
    return b


def _cbuf(s: Optional[str], what: str) -> Any:
    """A char[] cdata (or NULL) for a char * struct field."""
    b = _b(s, what)
    return ffi.NULL if b == ffi.NULL else ffi.new("char[]", b)


class Match(NamedTuple):
    """One hit of a query."""

    query: int            #: index of the query hash (the group's first with dihedral)
    type: HashType
    distance: int
    threshold: int        #: the threshold applied: the list's or the query radius
    list_id: int
    list_name: str
    entry_id: str
    labels: str
    hash: Hash            #: the known hash that matched
    variant: Dihedral     #: the query variant that matched best (ORIGINAL without dihedral)
    frame_time: Optional[float]  #: time in its video when the known hash is a video frame


class Decision(NamedTuple):
    """``decide``'s decision on one known item (the entries of one list
    that share an entry id) that matched."""

    list_id: int
    list_name: str
    entry_id: str
    labels: str                 #: the labels of the item's entry that found it
    rule: Rule                  #: why it matched
    types: Tuple[HashType, ...]   #: the types compared (both sides have them)
    agreed: Tuple[HashType, ...]  #: of those, the ones within the list's own threshold
    distances: Dict[HashType, int]  #: smallest distance of each type compared
    score: Optional[float]      #: fused score of the perceptual types (lower is closer)
    threshold: float            #: the fused threshold for these comparisons
    comparisons: int            #: most hash pairs compared for one type


def _types_of(mask: int) -> Tuple[HashType, ...]:
    return tuple(t for t in HashType if mask & (1 << int(t)))


class ListInfo(NamedTuple):
    """A list as a snapshot sees it."""

    name: str
    id: int
    enabled: bool
    thresholds: Dict[str, int]  #: by type name
    entries: int                #: live entries
    hits: int                   #: matches reported since the index was created


class LoadReport(NamedTuple):
    """What ``Index.load_list`` did."""

    lines: int
    added: int
    duplicates: int
    #: bad lines skipped (lenient mode)
    rejected: int
    #: lines of python-threatexchange signal types not indexed (url, ...)
    unsupported: int
    negative: int
    format: ListFormat
    first_bad_line: int
    #: (source, line, message) of rejected lines, at most ``max_errors``
    errors: List[Tuple[str, int, str]]
    #: of the rejected lines, those naming an unknown hash type ("pdg")
    unknown_type: int


class IndexStats(NamedTuple):
    """Counters of an index (``Index.stats``)."""

    entries: int
    entries_by_type: Dict[str, int]
    unique_hashes: int
    bytes: int
    bytes_structures: int
    queries: int
    hits: int
    generation: int
    lists: int
    segments: int
    #: live TMK+PDQF entries (``Index.add_tmk``); ``entries`` counts them
    #: too, ``entries_by_type`` does not
    tmk_entries: int


def _stats_from_c(c: Any) -> IndexStats:
    return IndexStats(int(c.entries), {str(t): int(c.entries_by_type[t]) for t in HashType},
                      int(c.unique_hashes), int(c.bytes), int(c.bytes_structures),
                      int(c.queries), int(c.hits), int(c.generation), c.lists, c.segments,
                      int(c.tmk_entries))


def _list_info_from_c(c: Any) -> ListInfo:
    return ListInfo(_s(c.name), c.id, bool(c.enabled),
                    {str(t): int(c.threshold[t]) for t in HashType},
                    int(c.entries), int(c.hits))


# ---- list-loading error callback -------------------------------------------

class _ErrorSink:
    __slots__ = ("items", "limit")

    def __init__(self, limit: int) -> None:
        self.items: List[Tuple[str, int, str]] = []
        self.limit = limit


def _list_error(user: Any, source: Any, line: int, message: Any) -> None:
    sink = ffi.from_handle(user)
    if len(sink.items) < sink.limit:
        sink.items.append((_s(source), int(line), _s(message)))


# The C side of hm_list_load_opts.on_error (extern "Python" in the cdef).
ffi.def_extern(name="hmpy_list_error")(_list_error)


# ---- queries (shared by Index and Snapshot) ---------------------------------

def _of_result(r: HashResult, dihedral: bool) -> List[Hash]:
    # A HashResult's dihedral variants take part only in dihedral queries
    # (where the C library uses them as the exact variants); its trimmed
    # hashes always do.
    if dihedral:
        return builtins.list(r.all)
    return [h for h in r.all if not h.variant]


def _flatten(hashes: QueryInput, dihedral: bool = False) -> List[Hash]:
    if isinstance(hashes, Hash):
        return [hashes]
    if isinstance(hashes, HashResult):
        return _of_result(hashes, dihedral)
    out: List[Hash] = []
    for h in hashes:
        if isinstance(h, Hash):
            out.append(h)
        elif isinstance(h, HashResult):
            out.extend(_of_result(h, dihedral))
        else:
            raise TypeError("queries are Hash or HashResult objects, not %s"
                            % type(h).__name__)
    return out


def _c_hashes(hashes: Sequence[Hash]) -> Any:
    if len(hashes) == 1:
        return hashes[0]._cstruct()  # no copy for the common single query
    arr = ffi.new("hm_hash[]", max(1, len(hashes)))
    for i, h in enumerate(hashes):
        arr[i] = h._cstruct()[0]
    return arr


_OPTS: Dict[Tuple[Any, ...], Any] = {}


def _query_opts(radius: Optional[int], k: int, dihedral: bool,
                structure: Union[Structure, str, int, None], min_quality: Optional[int],
                include_disabled: bool) -> Any:
    """An hm_query_opts cdata; the C library only reads it, so one object
    per combination of options is shared by every call and thread."""
    key = (radius, k, dihedral, structure, min_quality, include_disabled)
    try:
        return _OPTS[key]
    except (KeyError, TypeError):
        pass
    o = _make_query_opts(radius, k, dihedral, structure, min_quality, include_disabled)
    if len(_OPTS) < 64:
        _OPTS[key] = o
    return o


def _make_query_opts(radius: Optional[int], k: int, dihedral: bool,
                     structure: Union[Structure, str, int, None], min_quality: Optional[int],
                     include_disabled: bool) -> Any:
    o = ffi.new("hm_query_opts *")
    lib.hm_query_opts_init(o)
    if radius is not None:
        if radius < 0:
            raise ValueError("radius must be >= 0 (None: the lists' thresholds)")
        o.radius = radius
    if k:
        if k < 0:
            raise ValueError("k must be >= 0")
        o.k = k
    if dihedral:
        o.flags |= lib.HM_QUERY_DIHEDRAL
    if structure is not None:
        o.structure = coerce_enum(Structure, structure, "structure")
    if min_quality is not None:
        o.min_quality = min_quality
    o.include_disabled = 1 if include_disabled else 0
    return o


@contextlib.contextmanager
def _results() -> Iterator[Any]:
    """A new hm_results, freed when the block ends."""
    rp = ffi.new("hm_results **")
    _check(lib.hm_results_create(rp))
    try:
        yield rp[0]
    finally:
        lib.hm_results_free(rp[0])


def _run_query(call: Callable[..., int], target: Any, hashes: Sequence[Hash],
               opts: Any) -> List[Match]:
    return _run_query_c(call, target, _c_hashes(hashes), len(hashes), opts)


def _run_query_c(call: Callable[..., int], target: Any, arr: Any, n: int,
                 opts: Any) -> List[Match]:
    """The hits of `n` hashes at `arr` (hm_hash *), one query call."""
    with _results() as res:
        _check(call(target, arr, n, opts, res))
        out: List[Match] = []
        names: Dict[int, str] = {}
        for i in range(lib.hm_results_count(res)):
            m = lib.hm_results_get(res, i)
            lid = m.list
            name = names.get(lid)
            if name is None:
                name = names[lid] = _s(m.list_name)
            ft = m.frame_time
            out.append(Match(m.query, _TYPE_OF[m.type], m.distance, m.threshold, lid, name,
                             _s(m.entry_id), _s(m.labels), Hash._from_c(m.hash),
                             _DIH[m.variant], None if ft < 0 else ft))
        return out


def _distances_and_ids(index: "Index", h: Hash, radius: int) -> List[Tuple[int, bytes]]:
    """(distance, entry id as bytes) of every entry within ``radius`` of
    ``h``, any list, quality not checked: what ``hashmatch.pytx``'s indexes
    need of a query, without the ``Match`` objects (a hit costs a quarter of
    one)."""
    opts = _query_opts(radius, 0, False, None, 0, True)
    handle, fn = index._query_call()
    with handle as ptr, _results() as res:
        _check(fn(ptr, _c_hashes([h]), 1, opts, res))
        get, string = lib.hm_results_get, ffi.string
        out: List[Tuple[int, bytes]] = []
        for i in range(lib.hm_results_count(res)):
            m = get(res, i)
            out.append((m.distance, string(m.entry_id)))
        return out


_DIH = tuple(Dihedral)
_TYPE_OF = {int(t): t for t in HashType}


def _split_batch(groups: Iterable[QueryInput],
                 dihedral: bool) -> Tuple[List[Hash], List[int]]:
    flat: List[Hash] = []
    starts: List[int] = []
    for g in groups:
        starts.append(len(flat))
        flat.extend(_flatten(g, dihedral))
    return flat, starts


def _regroup(matches: List[Match], starts: List[int]) -> List[List[Match]]:
    import bisect

    out: List[List[Match]] = [[] for _ in starts]
    for m in matches:
        g = bisect.bisect_right(starts, m.query) - 1
        out[g].append(m._replace(query=m.query - starts[g]))
    return out


class _Queryable:
    """Query methods shared by Index and Snapshot."""

    def _query_call(self) -> Tuple[Handle, Callable[..., int]]:  # pragma: no cover
        raise NotImplementedError

    def _video_call(self) -> Tuple[Handle, Callable[..., int]]:  # pragma: no cover
        raise NotImplementedError

    def _tmk_call(self) -> Tuple[Handle, Callable[..., int]]:  # pragma: no cover
        raise NotImplementedError

    def _decide_call(self) -> Tuple[Handle, Callable[..., int]]:  # pragma: no cover
        raise NotImplementedError

    def query(self, hashes: QueryInput, *, radius: Optional[int] = None, k: int = 0,
              dihedral: bool = False, structure: Union[Structure, str, int, None] = None,
              min_quality: Optional[int] = None,
              include_disabled: bool = False) -> List[Match]:
        """Find the known hashes near the query hashes (one C call; the GIL is
        released while it runs, and queries never lock the index).

        Args:
            hashes: a Hash, a HashResult (its hashes; with ``dihedral`` also
                the variants it holds, so the exact ones are used) or an
                iterable of those; any mix of types, each compared with
                known hashes of its type.
            radius: None (default): each list's threshold for the type;
                N >= 0: every entry within N, list thresholds ignored.
            k: 0 (default) for a range query; k > 0 for the k nearest
                entries (within ``radius`` if given).
            dihedral: match PDQ hashes in all 8 rotations and mirrors.
            structure: force "scan", "mih" or "bktree" (default: the cost
                model picks); all return the same hits.
            min_quality: PDQ queries of known quality below this match
                nothing (default 50; 0 disables).
            include_disabled: include disabled lists.

        Returns:
            hits ordered by query, distance, list id, entry id.  ``query`` is
            the position of the query hash in the flattened input.
        """
        flat = _flatten(hashes, dihedral)
        opts = _query_opts(radius, k, dihedral, structure, min_quality, include_disabled)
        handle, fn = self._query_call()
        with handle as ptr:
            return _run_query(fn, ptr, flat, opts)

    def decide(self, hashes: QueryInput, *, dihedral: bool = False,
               min_quality: Optional[int] = None, include_disabled: bool = False,
               max_score: Optional[float] = None) -> List[Decision]:
        """One decision per known item from every hash type the query and
        the item both have (``hm_index_decide``): an equal MD5/SHA-256, PDQ
        within the list's threshold, the only type compared within the
        list's threshold, or a fused score of two or more types within the
        calibrated threshold (docs/matching.md).  Pass every hash of one
        image (a HashResult of several types).  Returns the items that
        matched, by rule, then score.

        Args:
            hashes: one image's hashes (as ``query`` takes them).
            dihedral: compare the perceptual hashes in their 8 rotations
                and mirrors.
            min_quality: PDQ hashes of known quality below this are not
                compared (default 50; 0 disables).
            include_disabled: include disabled lists.
            max_score: the fused-score threshold for one comparison per
                type, negative (default ``DECIDE_SCORE_FPR_1E4``).
        """
        flat = _flatten(hashes, dihedral)
        o = ffi.new("hm_decide_opts *")
        lib.hm_decide_opts_init(o)
        if dihedral:
            o.flags |= lib.HM_QUERY_DIHEDRAL
        if min_quality is not None:
            o.min_quality = min_quality
        o.include_disabled = 1 if include_disabled else 0
        if max_score is not None:
            o.max_score = max_score
        handle, fn = self._decide_call()
        with handle as ptr, _results() as res:
            _check(fn(ptr, _c_hashes(flat), len(flat), o, res))
            out: List[Decision] = []
            for i in range(lib.hm_results_decision_count(res)):
                d = lib.hm_results_decision_get(res, i)
                types = _types_of(d.types)
                out.append(Decision(d.list, _s(d.list_name), _s(d.entry_id), _s(d.labels),
                                    Rule(d.rule), types, _types_of(d.agreed),
                                    {t: int(d.distance[int(t)]) for t in types},
                                    None if d.score != d.score else float(d.score),
                                    float(d.threshold), int(d.comparisons)))
            return out

    def query_batch(self, groups: Iterable[QueryInput], **options: Any) -> List[List[Match]]:
        """Query many items at once, in one C call: ``groups`` is an iterable
        of query inputs (one per image: a HashResult, a Hash or a list of
        hashes).  Returns one list of hits per group; ``Match.query`` is
        the position within the group.  Options as ``query``."""
        flat, starts = _split_batch(groups, bool(options.get("dihedral")))
        if not starts:
            return []
        hits = self.query(flat, **options)
        return _regroup(hits, starts)

    def match_video(self, frames: Iterable[Frame], *, distance: int = 31,
                    min_quality: int = 50, query_percent: float = 80.0,
                    target_percent: float = 0.0, range_gap: float = 2.0,
                    include_disabled: bool = False, dihedral: bool = False) -> List[VideoMatch]:
        """Match a video's frames against the known videos with vPDQ's rule:
        query frames below ``min_quality`` dropped, identical hashes once;
        a known video matches when at least ``query_percent`` % of the unique
        query frames have a known frame within ``distance`` and at least
        ``target_percent`` % of its own frames were matched.  Returns the
        matches, best first, with both shares and the matched time ranges
        (frames less than ``range_gap`` seconds apart join one range).  With
        ``dihedral`` the query is also matched mirrored and rotated (its
        frames' variants derived from their PDQ bits); each known video is
        reported once, in its best orientation (``VideoMatch.variant``).  The
        GIL is released while it runs."""
        arr, n = frames_to_c(frames)
        o = ffi.new("hm_video_match_opts *")
        lib.hm_video_match_opts_init(o)
        o.distance = distance
        o.min_quality = min_quality
        o.query_percent = query_percent
        o.target_percent = target_percent
        o.range_gap = range_gap
        o.include_disabled = 1 if include_disabled else 0
        o.flags = lib.HM_QUERY_DIHEDRAL if dihedral else 0
        handle, fn = self._video_call()
        with _results() as res:
            with handle as target:
                st = fn(target, arr, n, o, res)
            _check(st)
            out: List[VideoMatch] = []
            for i in range(lib.hm_results_video_count(res)):
                m = lib.hm_results_video_get(res, i)
                out.append(VideoMatch(
                    _s(m.video_id), _s(m.list_name), _s(m.labels), m.list,
                    m.query_frames, m.query_matched, m.target_frames, m.target_matched,
                    m.query_percent, m.target_percent,
                    tuple((m.query_ranges[j].start, m.query_ranges[j].end)
                          for j in range(m.n_query_ranges)),
                    tuple((m.target_ranges[j].start, m.target_ranges[j].end)
                          for j in range(m.n_target_ranges)), Dihedral(m.variant)))
            return out

    def match_tmk(self, tmk: Tmk, *, level1: Optional[float] = None,
                  level2: Optional[float] = None,
                  include_disabled: bool = False) -> List[TmkMatch]:
        """Match a video's TMK+PDQF hash against the known videos' (``add_tmk``):
        a known video matches when both scores of ``tmk.scores(known)`` reach
        its list's TMK thresholds (``set_tmk_threshold``), or ``level1`` /
        ``level2`` when given (0 to 1, for every list).  Level 1 filters
        every entry, level 2 is computed only for those that pass it; the
        matches are exactly those of scoring every pair (docs/tmk.md).
        Returns them ordered by level 2, then level 1, descending, then
        list id and video id.  The GIL is released while it runs."""
        q = tmk_ptr(tmk)
        o = ffi.new("hm_tmk_match_opts *")
        lib.hm_tmk_match_opts_init(o)
        if level1 is not None:
            o.level1 = level1
        if level2 is not None:
            o.level2 = level2
        o.include_disabled = 1 if include_disabled else 0
        handle, fn = self._tmk_call()
        with _results() as res:
            with handle as target:
                st = fn(target, q, o, res)
            _check(st)
            out: List[TmkMatch] = []
            for i in range(lib.hm_results_tmk_count(res)):
                m = lib.hm_results_tmk_get(res, i)
                out.append(TmkMatch(_s(m.video_id), _s(m.list_name), _s(m.labels), int(m.list),
                                    float(m.level1), float(m.level2), float(m.threshold1),
                                    float(m.threshold2)))
            return out


class Snapshot(_Queryable):
    """An immutable view of an index at one commit (``Index.snapshot()``).

    Queries on one snapshot see the same content however many commits
    happen meanwhile.  Release it with ``close()`` or a ``with`` block.
    """

    def __init__(self, ptr: Any) -> None:
        self._handle = Handle(ptr, lib.hm_snapshot_release, "the snapshot")

    def _query_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_snapshot_query

    def _video_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_snapshot_match_video

    def _tmk_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_snapshot_match_tmk

    def _decide_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_snapshot_decide

    def lists(self) -> List[ListInfo]:
        """Every list in this snapshot, by id."""
        with self._handle as s:
            return _snapshot_lists(s)

    def find_list(self, name: str) -> Optional[int]:
        """The id of the list called ``name``, or None."""
        with self._handle as s:
            return _snapshot_find(s, name)

    def tmk_thresholds(self, list: ListRef) -> Tuple[float, float]:
        """The TMK thresholds (level 1, level 2) that ``match_tmk`` applies to
        the entries of ``list`` (a name or an id): the list's own, or the
        defaults (``TMK_LEVEL1_THRESHOLD``, ``TMK_LEVEL2_THRESHOLD``)."""
        with self._handle as s:
            lid = _snapshot_find(s, list) if isinstance(list, str) else list
            if lid is None:
                raise_for(lib.HM_E_NOT_FOUND, "no list named %r" % (list,))
            t = ffi.new("float *")
            out = []
            for level in (1, 2):
                _check(lib.hm_snapshot_list_tmk_threshold(s, lid, level, t))
                out.append(float(t[0]))
        return out[0], out[1]

    def stats(self) -> IndexStats:
        """Statistics of this snapshot (the counters are the index's)."""
        c = ffi.new("hm_index_stats *")
        with self._handle as s:
            st = lib.hm_snapshot_stats(s, c)
        if st != lib.HM_OK:
            raise_for(st)
        return _stats_from_c(c)

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write this snapshot to an index file, atomically (temporary file,
        fsync, rename)."""
        with self._handle as s:
            _save(s, path)

    def to_bytes(self) -> bytes:
        """This snapshot in the index file format, as bytes (``Index.load``
        and ``Index(bytes)`` read them back)."""
        with self._handle as s:
            return _save_bytes(s)

    def close(self) -> None:
        """Release the snapshot."""
        self._handle.close()

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _snapshot_lists(s: Any) -> List[ListInfo]:
    n = lib.hm_snapshot_list_count(s)
    c = ffi.new("hm_list_info *")
    out = []
    for i in range(n):
        st = lib.hm_snapshot_list_info(s, i, c)
        if st != lib.HM_OK:
            raise_for(st)
        out.append(_list_info_from_c(c))
    return out


def _snapshot_find(s: Any, name: str) -> Optional[int]:
    lid = ffi.new("uint32_t *")
    st = lib.hm_snapshot_list_find(s, _b(name, "list name"), lid)
    if st == lib.HM_E_NOT_FOUND:
        return None
    if st != lib.HM_OK:
        raise_for(st)
    return int(lid[0])


def _save(s: Any, path: Union[str, "os.PathLike[str]"]) -> None:
    st = lib.hm_snapshot_save(s, os.fsencode(path))
    if st != lib.HM_OK:
        raise_for(st)


def _save_bytes(s: Any) -> bytes:
    data = ffi.new("void **")
    size = ffi.new("size_t *")
    st = lib.hm_snapshot_save_memory(s, data, size)
    if st != lib.HM_OK:
        raise_for(st)
    try:
        out: bytes = ffi.buffer(data[0], size[0])[:]
        return out
    finally:
        lib.hm_free(data[0])


class _Calls(NamedTuple):
    """The C calls of one kind of change set: the Index's shared one or a
    Transaction's."""

    set_threshold: Callable[..., int]
    set_enabled: Callable[..., int]
    clear: Callable[..., int]
    add: Callable[..., int]
    remove: Callable[..., int]
    commit: Callable[..., int]
    load_list: Callable[..., int]
    load_list_memory: Callable[..., int]
    add_video: Callable[..., int]
    add_tmk: Callable[..., int]
    set_tmk_threshold: Callable[..., int]
    rename: Callable[..., int]


_INDEX_CALLS = _Calls(lib.hm_index_list_set_threshold, lib.hm_index_list_set_enabled,
                      lib.hm_index_list_clear, lib.hm_index_add, lib.hm_index_remove,
                      lib.hm_index_commit, lib.hm_index_load_list, lib.hm_index_load_list_memory,
                      lib.hm_index_add_video, lib.hm_index_add_tmk,
                      lib.hm_index_list_set_tmk_threshold, lib.hm_index_list_rename)
_TXN_CALLS = _Calls(lib.hm_txn_list_set_threshold, lib.hm_txn_list_set_enabled,
                    lib.hm_txn_list_clear, lib.hm_txn_add, lib.hm_txn_remove, lib.hm_txn_commit,
                    lib.hm_txn_load_list, lib.hm_txn_load_list_memory, lib.hm_txn_add_video,
                    lib.hm_txn_add_tmk, lib.hm_txn_list_set_tmk_threshold,
                    lib.hm_txn_list_rename)


class _Writer:
    """Staging methods, shared by Index (its change set, which every thread
    shares) and Transaction (a change set of its own)."""

    _calls: _Calls
    _renamed = False  # a rename is staged: names cached before may be stale

    def _index(self) -> "Index":  # pragma: no cover
        raise NotImplementedError

    def _writing(self) -> "contextlib.AbstractContextManager[Tuple[Any, Any]]":  # pragma: no cover
        """Enter the index and the change set: (index pointer, target pointer)."""
        raise NotImplementedError

    # ---- lists ------------------------------------------------------------------

    def list_id(self, name: str, *, thresholds: Optional[Dict[Union[str, HashType], Optional[int]]] = None,
                enabled: Optional[bool] = None) -> int:
        """The id of list ``name``, created (enabled, default thresholds) when
        absent; optionally set its thresholds (``{"pdq": 20, "phash": 8}``;
        None restores a default) and enabled flag.  Staged until commit."""
        with self._writing() as (idx, _):
            lid = self._index()._list_id(idx, name)
        assert lid is not None
        for t, v in (thresholds or {}).items():
            self.set_threshold(lid, t, v)
        if enabled is not None:
            self.set_enabled(lid, enabled)
        return lid

    def set_threshold(self, list: ListRef, type: Union[HashType, str, int, None],
                      threshold: Optional[int]) -> None:
        """Set a list's distance threshold for one hash type (``type`` None:
        every type); ``threshold`` None restores the default.  Staged."""
        t = 0 if type is None else int(HashType.coerce(type))
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            _check(self._calls.set_threshold(
                w, lid, t, -1 if threshold is None else int(threshold)))

    def set_enabled(self, list: ListRef, enabled: bool) -> None:
        """Enable or disable a list (disabled lists never match unless a query
        includes them).  Staged."""
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            _check(self._calls.set_enabled(w, lid, 1 if enabled else 0))

    def rename(self, list: ListRef, name: str) -> None:
        """Rename a list (it keeps its id, entries and settings).  Staged:
        queries and ``list_id`` know it by its old name until the commit.
        A name another list has is refused (``InvalidArgumentError``), when
        staged and again at commit; a name that is no list's raises
        ``NotFoundError``."""
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list, create=False)
            if lid is None:
                raise_for(lib.HM_E_NOT_FOUND, "no list named %r" % (list,))
            _check(self._calls.rename(w, lid, _b(name, "list name")))
            self._renamed = True  # names cached stay true until the commit

    def clear(self, list: ListRef) -> int:
        """Remove every entry of a list (the list and its settings stay).
        Returns the number removed.  Staged."""
        n = ffi.new("uint64_t *")
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            _check(self._calls.clear(w, lid, n))
        return int(n[0])

    # ---- entries ----------------------------------------------------------------

    def add(self, hash: Union[Hash, HashResult], list: ListRef = "default",
            entry_id: Optional[str] = None, labels: Optional[str] = None) -> None:
        """Stage a known hash (or every hash of a HashResult, dihedral
        variants excepted: its trimmed and crop hashes too) in ``list`` with
        ``entry_id`` (default: the hash's string) and ``labels``.  Visible
        after ``commit()``.  Adding an entry already present does nothing."""
        if isinstance(hash, HashResult):
            hashes = [h for h in hash.all if not h.variant]
        elif isinstance(hash, Hash):
            hashes = [hash]
        else:
            raise TypeError("add takes a Hash or a HashResult, not %s" % type(hash).__name__)
        eid = _b(entry_id, "entry_id")
        lab = _b(labels, "labels")
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            for h in hashes:
                _check(self._calls.add(w, lid, h._cstruct(), eid, lab))

    def add_many(self, entries: Iterable[Union[Hash, Tuple[Any, ...]]],
                 list: ListRef = "default", labels: Optional[str] = None) -> int:
        """Stage many entries: each a Hash or a tuple (hash, entry_id) or
        (hash, entry_id, labels).  Returns the number of items staged."""
        n = 0
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            for e in entries:
                if isinstance(e, Hash):
                    h, eid, lab = e, None, labels
                else:
                    h, eid = e[0], e[1]
                    lab = e[2] if len(e) > 2 else labels
                if not isinstance(h, Hash):
                    raise TypeError("entries hold Hash objects, not %s" % type(h).__name__)
                _check(self._calls.add(w, lid, h._cstruct(), _b(eid, "entry_id"),
                                               _b(lab, "labels")))
                n += 1
        return n

    def remove(self, entry_id: str, list: Optional[ListRef] = None) -> int:
        """Stage the removal of every hash of ``entry_id`` in ``list`` (None:
        in every list).  Returns how many entries that removes; an id that is
        not there is not an error."""
        n = ffi.new("uint64_t *")
        with self._writing() as (idx, w):
            if list is None:
                lid: Optional[int] = lib.HM_ALL_LISTS
            else:
                lid = self._index()._list_id(idx, list, create=False)
                if lid is None:
                    return 0
            _check(self._calls.remove(w, lid, _b(entry_id, "entry_id"), n))
        return int(n[0])

    def commit(self) -> None:
        """Publish every staged change as a new snapshot, atomically.  Queries
        already running finish on the snapshot they started with."""
        with self._writing() as (_, w):
            _check(self._calls.commit(w))
            if self._renamed:
                self._renamed = False
                self._index()._forget_names()

    # ---- hash lists ---------------------------------------------------------------

    def load_list(self, source: Union[str, "os.PathLike[str]", bytes, bytearray, memoryview],
                  *, format: Union[ListFormat, str, int] = ListFormat.AUTO,
                  hash_type: Union[HashType, str, int, None] = None, strict: bool = True,
                  include_negative: bool = False, list: Optional[str] = None,
                  labels: Optional[str] = None, name: Optional[str] = None,
                  max_errors: int = 100) -> LoadReport:
        """Stage every entry of a hash-list file or buffer (formats:
        docs/hashlist-formats.md: plain, "<type> <hash>", python-threatexchange
        CSV, canonical CSV; detected by default).

        Args:
            source: a path, or the list's content as bytes.
            format: "auto", "plain", "typed", "pytx_csv", "canonical".
            hash_type: type of plain lines where the length is ambiguous.
            strict: True (default): the first bad line (a malformed hash,
                an unknown type name, a NUL byte or bytes that are not
                UTF-8) raises ``BadHashString`` and nothing is staged;
                False: bad lines are skipped and reported.
            include_negative: keep pytx NEGATIVE_CLASS rows.
            list: list for lines that name none (default: the file's base
                name, or ``name``).
            labels: labels for lines that carry none.
            name: for bytes: the name used in messages and as default list.
            max_errors: most rejected lines kept in ``report.errors``.

        Returns a LoadReport.  Visible after ``commit()``.

        Raises:
            BadHashString: a bad line (strict mode).
            UnknownFormatError: nothing loaded from a source with content
                (every line rejected, or of types not indexed), in either
                mode; nothing is staged.
            InvalidArgumentError: bare hashes of a length several types
                share (16 or 64 hex digits) without ``hash_type``; a list
                name or labels that are not UTF-8 text.
            FileIOError: the file cannot be read.
        """
        o = ffi.new("hm_list_load_opts *")
        lib.hm_list_load_opts_init(o)
        o.format = coerce_enum(ListFormat, format, "list format")
        if hash_type is not None:
            o.hash_type = HashType.coerce(hash_type)
        o.strict = 1 if strict else 0
        o.include_negative = 1 if include_negative else 0
        keep = [_cbuf(list, "list"), _cbuf(labels, "labels")]  # alive until the call ends
        o.list, o.labels = keep
        sink = _ErrorSink(max_errors)
        handle = ffi.new_handle(sink)
        o.on_error = ffi.addressof(lib, "hmpy_list_error")
        o.user = handle
        rep = ffi.new("hm_list_load_report *")
        with self._writing() as (_, w):
            if isinstance(source, (str, os.PathLike)):
                st = self._calls.load_list(w, os.fsencode(source), o, rep)
            else:
                buf = ffi.from_buffer(source)
                st = self._calls.load_list_memory(w, buf, len(buf),
                                                  _b(name or "memory", "name"), o, rep)
            _check(st)
        return LoadReport(int(rep.lines), int(rep.added), int(rep.duplicates),
                          int(rep.rejected), int(rep.unsupported), int(rep.negative),
                          ListFormat(rep.format), int(rep.first_bad_line), sink.items,
                          int(rep.unknown_type))

    # ---- video -----------------------------------------------------------------------

    def add_video(self, frames: Iterable[Frame], video_id: str, list: ListRef = "default",
                  labels: Optional[str] = None) -> int:
        """Stage the frames of a known video (from ``VideoReader`` or parsed
        vPDQ text) as entries of ``list`` with entry id ``video_id``: PDQ
        hashes of quality >= 50, identical hashes once, each keeping its
        frame time.  Returns the frames kept.  Visible after ``commit()``."""
        arr, n = frames_to_c(frames)
        out = ffi.new("size_t *")
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            _check(self._calls.add_video(w, lid, arr, n, _b(video_id, "video_id"),
                                                 _b(labels, "labels"), out))
        return int(out[0])

    # ---- TMK+PDQF ----------------------------------------------------------------------

    def add_tmk(self, tmk: Tmk, video_id: str, list: ListRef = "default",
                labels: Optional[str] = None) -> None:
        """Stage a known video's TMK+PDQF hash as an entry of ``list`` with
        entry id ``video_id`` (``match_tmk`` finds it; ``remove`` and
        ``clear`` remove it).  The hash is copied; adding the same hash
        with the same id to the same list again changes nothing.  Visible
        after ``commit()``."""
        t = tmk_ptr(tmk)
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            _check(self._calls.add_tmk(w, lid, t, _b(video_id, "video_id"),
                                       _b(labels, "labels")))

    def set_tmk_threshold(self, list: ListRef, level: Optional[int],
                          threshold: Optional[float]) -> None:
        """Set a list's TMK threshold of ``level`` 1 or 2 (None: both), 0 to
        1; ``threshold`` None restores the default (0.7).  A known video
        matches when both its scores reach its list's thresholds.  Staged."""
        levels = (1, 2) if level is None else (level,)
        t = -1.0 if threshold is None else threshold
        with self._writing() as (idx, w):
            lid = self._index()._list_id(idx, list)
            for lv in levels:
                _check(self._calls.set_tmk_threshold(w, lid, lv, t))


class Index(_Queryable, _Writer):
    """Known hashes, grouped in lists, matched exactly and without locks.

    Changes (``add``, ``add_video``, ``add_tmk``, ``remove``, ``load_list``,
    list settings) are *staged*
    and become visible together at ``commit()``; queries see the last
    commit.  Any number of threads may query while one adds and commits
    (queries take no lock and release the GIL); writers are serialised
    inside the index.  The Index's staging methods share one change set
    among all threads, so ``commit()`` publishes whatever any thread
    staged; a writer whose changes must appear together and alone uses a
    ``transaction()``.

    Lists have a name, a distance threshold per hash type (defaults: PDQ
    31, pHash/dHash/aHash 10, pHash.org 13, MD5/SHA-256 exact), two TMK+PDQF score
    thresholds (default 0.7 each) and an enabled flag.
    Wherever a list is named, a string is its name (the list is created
    when it does not exist yet) and an int is its id.

    Args:
        path: an index file to load (``Index.save``), or its bytes.
        structures: search structures to build besides the scan, e.g.
            ("mih",) (default) or ("mih", "bktree").
        default_structure: what queries use by default ("auto").
        max_line: longest hash-list line accepted, bytes (default 65536).
        max_entries: most entries accepted (default 10**9).
    """

    _calls = _INDEX_CALLS

    def __init__(self, path: Union[str, "os.PathLike[str]", bytes, None] = None, *,
                 structures: Optional[Iterable[Union[Structure, str, int]]] = None,
                 default_structure: Union[Structure, str, int, None] = None,
                 max_line: Optional[int] = None, max_entries: Optional[int] = None) -> None:
        p = ffi.new("hm_index **")
        st = lib.hm_index_create(p)
        if st != lib.HM_OK:
            raise_for(st)
        self._handle = Handle(p[0], lib.hm_index_free, "the index")
        self._ids: Dict[str, int] = {}
        self._ids_epoch = 0
        self._ids_lock = threading.Lock()
        self._txns: "weakref.WeakSet[Transaction]" = weakref.WeakSet()
        self._txns_lock = threading.Lock()
        if structures is not None:
            mask = 0
            for s in structures:
                mask |= 1 << int(coerce_enum(Structure, s, "structure"))
            self._set(lib.HM_INDEX_STRUCTURES, mask)
        if default_structure is not None:
            self._set(lib.HM_INDEX_DEFAULT_STRUCTURE,
                      coerce_enum(Structure, default_structure, "structure"))
        if max_line is not None:
            self._set(lib.HM_INDEX_MAX_LINE, max_line)
        if max_entries is not None:
            self._set(lib.HM_INDEX_MAX_ENTRIES, max_entries)
        if path is not None:
            self.load(path)

    # ---- plumbing -------------------------------------------------------------

    def _query_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_index_query

    def _video_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_index_match_video

    def _tmk_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_index_match_tmk

    def _decide_call(self) -> Tuple[Handle, Callable[..., int]]:
        return self._handle, lib.hm_index_decide

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Tuple[Any, Any]]:
        with self._handle as idx:
            yield idx, idx

    def _set(self, p: int, v: int) -> None:
        with self._handle as idx:
            _check(lib.hm_index_set(idx, p, int(v)))

    def _list_id(self, idx: Any, ref: ListRef, create: bool = True) -> Optional[int]:
        if isinstance(ref, int) and not isinstance(ref, bool):
            return ref
        if not isinstance(ref, str):
            raise TypeError("a list is named by a str or an int id, not %s"
                            % type(ref).__name__)
        lid = self._ids.get(ref)
        if lid is not None:
            return lid
        if not create:
            sp = ffi.new("hm_snapshot **")
            _check(lib.hm_index_acquire(idx, sp))
            try:
                return _snapshot_find(sp[0], ref)
            finally:
                lib.hm_snapshot_release(sp[0])
        out = ffi.new("uint32_t *")
        epoch = self._ids_epoch
        _check(lib.hm_index_list(idx, _b(ref, "list name"), out))
        with self._ids_lock:
            if self._ids_epoch == epoch:  # no rename published meanwhile
                self._ids[ref] = int(out[0])
        return int(out[0])

    def _forget_names(self) -> None:
        """Drop the cache of names to ids (a rename changes them)."""
        with self._ids_lock:
            self._ids_epoch += 1
            self._ids.clear()

    def _index(self) -> "Index":
        return self

    def close(self) -> None:
        """Free the index now (after queries in progress finish).  Snapshots
        still held stay valid; its open transactions are discarded."""
        with self._txns_lock:
            txns = builtins.list(self._txns)
        for tx in txns:
            tx.close()
        self._handle.close()

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._handle.closed

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def lists(self) -> List[ListInfo]:
        """Every list as of the last commit, by id."""
        with self.snapshot() as s:
            return s.lists()

    def tmk_thresholds(self, list: ListRef) -> Tuple[float, float]:
        """A list's TMK thresholds (level 1, level 2) as of the last commit
        (``Snapshot.tmk_thresholds``)."""
        with self.snapshot() as s:
            return s.tmk_thresholds(list)

    def transaction(self) -> "Transaction":
        """A change set of this writer's own: what it stages is published by
        its ``commit()`` alone, in one snapshot, never half done by another
        thread's commit (the Index's own methods share one change set among
        all threads).  As a context manager it commits when the block ends
        normally and discards its changes when it raises::

            with idx.transaction() as tx:
                tx.remove("e1", "known")
                tx.add(new_hash, "known", "e1")

        It must be used by one thread at a time."""
        tx = Transaction(self)
        with self._txns_lock:
            self._txns.add(tx)
        return tx

    # ---- persistence ---------------------------------------------------------------

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write the last commit to an index file, atomically (temporary file,
        fsync, rename).  Safe while other threads query."""
        with self.snapshot() as s:
            s.save(path)

    def to_bytes(self) -> bytes:
        """The last commit in the index file format, as bytes (for a
        database blob; ``load`` reads them back)."""
        with self.snapshot() as s:
            return s.to_bytes()

    def load(self, source: Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]) -> None:
        """Replace the whole content (lists, entries, staged or committed)
        with an index file's, and publish it.  ``source`` is a path or the
        file's bytes (e.g. a blob kept in a database).  A corrupt file
        raises ``CorruptIndexError`` and leaves the index unchanged."""
        with self._handle as idx:
            if isinstance(source, (str, os.PathLike)):
                st = lib.hm_index_load(idx, os.fsencode(source))
            else:
                buf = ffi.from_buffer(source)
                st = lib.hm_index_load_memory(idx, buf, len(buf))
            _check(st)
            self._forget_names()

    @classmethod
    def open(cls, source: Union[str, "os.PathLike[str]", bytes], **options: Any) -> "Index":
        """A new index loaded from a file or its bytes (same as ``Index(source)``)."""
        return cls(source, **options)

    # ---- snapshots and statistics ----------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The current snapshot, held until released (``with idx.snapshot() as s``)."""
        sp = ffi.new("hm_snapshot **")
        with self._handle as idx:
            _check(lib.hm_index_acquire(idx, sp))
        return Snapshot(sp[0])

    def stats(self) -> IndexStats:
        """Statistics of the current snapshot and the index's counters."""
        c = ffi.new("hm_index_stats *")
        with self._handle as idx:
            _check(lib.hm_index_stats_get(idx, c))
        return _stats_from_c(c)

    def __len__(self) -> int:
        """Live entries as of the last commit."""
        return self.stats().entries


class Transaction(_Writer):
    """A change set of one writer (``Index.transaction()``): ``add``,
    ``remove``, ``clear``, ``load_list``, ``add_video``, ``add_tmk`` and the list
    settings stage into it, as the Index's methods of the same names do
    into the Index's shared change set; ``commit()`` publishes them together
    in one snapshot, without any other writer's changes mixed in.

    Staging checks duplicates and counts removals against the snapshot
    current at the first change; the commit applies the changes, in order,
    to whatever is current then (what other writers committed meanwhile
    stays).  After ``commit()`` the transaction is empty and may be used
    again; ``close()`` (or leaving a ``with`` block by an exception)
    discards what is staged.  After ``Index.load()`` a transaction begun
    before raises ``CancelledError``.
    """

    _calls = _TXN_CALLS

    def __init__(self, index: Index) -> None:
        self._idx = index
        p = ffi.new("hm_txn **")
        with index._handle as idx:
            st = lib.hm_txn_begin(idx, p)
        if st != lib.HM_OK:
            raise_for(st)
        self._handle = Handle(p[0], lib.hm_txn_free, "the transaction")

    def _index(self) -> Index:
        return self._idx

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Tuple[Any, Any]]:
        with self._idx._handle as idx, self._handle as txn:
            yield idx, txn

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called."""
        return self._handle.closed

    def close(self) -> None:
        """Discard what is staged and free the transaction."""
        self._handle.close()

    def __enter__(self) -> "Transaction":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()
