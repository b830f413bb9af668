# SPDX-License-Identifier: BSD-3-Clause
"""hash_batch: one C call for many inputs; each result equals the single
call's, for any thread count; bad inputs come back as errors in place."""
import pytest

import hashmatch as hm
from conftest import DATA, real_images


def sources():
    """Paths and bytes of the reference images, mixed, then bad inputs."""
    imgs = real_images()[:12]
    assert len(imgs) == 12
    good = []
    for i, p in enumerate(imgs):
        good.append(p if i % 2 else p.read_bytes())
        good.append(str(p))
    jpeg = imgs[0].read_bytes() if imgs[0].suffix == ".jpg" else (
        next(p for p in imgs if p.suffix == ".jpg").read_bytes())
    corrupt = jpeg[:600] + b"\x5a" * 4000
    bad = [corrupt, DATA / "no-such-file.jpg", b"", bytearray(b"not an image")]
    return good, bad


def single(h, src, types):
    """The single call's result or exception for a source."""
    try:
        return h.hash(src, types), None
    except hm.Error as e:
        return None, e


@pytest.mark.parametrize("threads", [1, 2, 8, 0])
def test_equal_to_single_calls(threads):
    good, bad = sources()
    srcs = good + bad + good[:3]
    h = hm.Hasher()
    out = h.hash_batch(srcs, "all", threads=threads)
    assert len(out) == len(srcs)
    for src, got in zip(srcs, out):
        want, err = single(h, src, "all")
        if err is None:
            assert got.ok and got.error is None
            assert got.result.all == want.all
            assert got.result.info == want.info
        else:
            assert not got.ok and got.result is None
            assert type(got.error) is type(err)
            assert str(got.error) == str(err)
            assert got.error.status == err.status
    assert sum(r.ok for r in out) == len(good) + 3
    assert isinstance(out[len(good)].error, hm.DecodeError)
    assert isinstance(out[len(good) + 1].error, hm.FileIOError)


def test_flags_and_hasher_parameters():
    good, _ = sources()
    h = hm.Hasher(pdq_flavour="cpp_512", max_pixels=300_000)
    out = h.hash_batch(good, "perceptual", dihedral=True, trim=True, threads=2)
    kinds = {r.ok for r in out}
    assert kinds == {True, False}, "the pixel limit should stop some images, not all"
    for src, got in zip(good, out):
        try:
            want = h.hash(src, "perceptual", dihedral=True, trim=True)
        except hm.LimitExceeded:
            assert isinstance(got.error, hm.LimitExceeded)
        else:
            assert got.result.all == want.all


def test_module_level_and_arguments():
    good, _ = sources()
    out = hm.hash_batch(good[:2], "pdq,md5")
    assert [r.result.all for r in out] == [hm.hash(s, "pdq,md5").all for s in good[:2]]
    assert hm.hash_batch([]) == []
    with pytest.raises(ValueError):
        hm.hash_batch(good[:1], "no-such-type")
    with pytest.raises(TypeError):
        hm.hash_batch([12])
    with pytest.raises(ValueError):
        hm.hash_batch(good[:1], threads=-1)
