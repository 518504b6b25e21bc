"""Spooled bytes: appended to a file, mapped back, and saved from the file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from bot import spool
from bot.service import KnowledgeService
from bot.spool import ByteSpool
from bot.store import cache_dir
from tests.conftest import KNOWLEDGE, SEED_NAME


def test_spool_maps_what_was_appended_and_copies_it(tmp_path: Path):
    s = ByteSpool(tmp_path / "spool")
    s.append(b"hello ")
    s.append(np.frombuffer("wörld".encode(), dtype=np.uint8))
    s.append(b"")
    arr = s.array()
    assert arr.tobytes().decode() == "hello wörld"
    assert not list((tmp_path / "spool").iterdir())  # the file has no name: nothing to clean up
    out = io.BytesIO()
    assert spool.copy_to(arr, out) and out.getvalue() == arr.tobytes()
    assert not spool.copy_to(np.array(arr), io.BytesIO())  # a plain copy is not spooled
    assert ByteSpool().array().shape == (0,)


def test_saved_text_comes_from_the_spool_file(tmp_path: Path, monkeypatch):
    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    (kdir / SEED_NAME).write_bytes((KNOWLEDGE / SEED_NAME).read_bytes())
    copied = []
    real = spool.copy_to
    monkeypatch.setattr(spool, "copy_to", lambda arr, out: copied.append(arr.shape) or real(arr, out))
    first = KnowledgeService.open(kdir)
    assert copied and (cache_dir(kdir) / "blob.npy").exists()
    again = KnowledgeService.open(kdir)
    assert again.built.saved
    assert [p.text for p in again.knowledge.passages] == [p.text for p in first.knowledge.passages]


def _resident_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_typed_spool_is_read_in_pieces_and_copied_from_any_view(tmp_path: Path):
    s = ByteSpool(tmp_path)
    for i in range(8):
        s.append(np.arange(i * 1_000_000, (i + 1) * 1_000_000, dtype=np.int32))
    arr = s.array(np.int32)
    assert arr.dtype == np.int32 and arr.shape == (8_000_000,)
    before = _resident_kb()
    total = sum(int(piece.sum()) for _, piece in spool.pieces(arr, 100_000))
    assert total == sum(range(8_000_000))
    # The 32 MB were read, but their pages went back after each piece.
    assert _resident_kb() - before < 8_000
    view = np.ascontiguousarray(arr)[5:1005]  # a plain-ndarray view of the mapping
    out = io.BytesIO()
    assert spool.copy_to(view, out) and out.getvalue() == np.arange(5, 1005, dtype=np.int32).tobytes()
    s.append(b"x")
    with pytest.raises(ValueError):
        s.array(np.int32)  # 32,000,001 bytes are no int32 array


def test_a_view_keeps_the_mapping_and_its_file_after_the_spool_and_array_go(tmp_path: Path):
    import gc

    s = ByteSpool(tmp_path)
    s.append(b"0123456789" * 100_000)
    arr = s.array()
    view = arr[10:30]
    del s, arr
    gc.collect()
    out = io.BytesIO()
    assert spool.copy_to(view, out) and out.getvalue() == b"0123456789" * 2  # its file is still open
    spool.release(view)  # pages handed back are read again from the file
    assert view.tobytes() == b"0123456789" * 2
    before = len(spool._FILES)
    del view
    gc.collect()
    assert len(spool._FILES) == before - 1  # the last view gone: the mapping and its file closed


def test_release_leaves_every_kind_of_array_as_it_was(tmp_path: Path):
    from bot.store import checksum

    values = (np.arange(3_000_000, dtype=np.int64) * 7919) % 1_000_003
    np.save(tmp_path / "x.npy", values)
    loaded = np.load(tmp_path / "x.npy", mmap_mode="r").view(np.ndarray)  # as the store opens one
    assert checksum(loaded) == checksum(values) == checksum(loaded)  # the store's checksum releases
    spool.release(loaded[12_345:], 7, 100_000)
    plain = values.copy()
    for arr in (plain, plain[::3], np.zeros(0)):  # not mapped: nothing happens
        spool.release(arr)
    assert np.array_equal(loaded, values) and np.array_equal(plain, values)
