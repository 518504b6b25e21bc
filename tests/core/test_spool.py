"""Spooled bytes: appended to a file, mapped back, and saved from the file."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

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
