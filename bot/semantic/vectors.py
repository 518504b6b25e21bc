"""Passage vectors built once and kept: saved beside the index, re-embedded only for new or
changed passages.

Layout of `<knowledge parent>/.kb-cache/<knowledge dir name>.vectors/`:
    meta.json     format, model id, dimension, count
    vectors.npy   float16 (n, dim), one unit vector per passage (halves the file and the
                  memory of float32; cosines change by < 1e-3)
    hashes.npy    uint64 (n,), a hash of each passage's embedded text

A sibling of the saved index's folder (the index folder is replaced whole on every save),
so vectors survive index rebuilds: passages whose text did not change keep their vector.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedder import Embedder

log = logging.getLogger(__name__)

FORMAT = 1
BATCH = 32  # texts per model call: big enough to keep both cores busy, small to stop quickly
# A big knowledge base takes hours to embed (bench/semantic_cost.py: ~4 passages/s with e5 on
# 2 cores); what is done is saved this often, so a restart or a crash resumes, not restarts.
CHECKPOINT_SECONDS = 300.0


@dataclass(frozen=True)
class VectorSet:
    """One vector per passage, in passage order, from one model."""

    model_id: str
    vectors: np.ndarray  # float16 (n, dim)
    hashes: np.ndarray  # uint64 (n,)


def text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def text_hashes(texts: Sequence[str]) -> np.ndarray:
    return np.fromiter((text_hash(t) for t in texts), dtype=np.uint64, count=len(texts))


def vectors_dir(index_dir: Path) -> Path:
    """Where the vectors of a saved index's knowledge directory live."""
    d = Path(index_dir)
    return d.with_name(d.name + ".vectors")


def save_vectors(folder: Path, vs: VectorSet) -> None:
    """Write atomically: a reader sees the old files or the new ones."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "model": vs.model_id,
        "dim": int(vs.vectors.shape[1]) if vs.vectors.ndim == 2 else 0,
        "count": int(vs.vectors.shape[0]),
    }
    for name, arr in (
        ("vectors", vs.vectors.astype(np.float16, copy=False)),
        ("hashes", vs.hashes.astype(np.uint64, copy=False)),
    ):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".npy", dir=folder)
        with os.fdopen(fd, "wb") as f:
            np.save(f, np.ascontiguousarray(arr), allow_pickle=False)
        os.replace(tmp, folder / f"{name}.npy")
    # meta last: it vouches for the arrays written before it.
    fd, tmp = tempfile.mkstemp(prefix=".meta-", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(meta, f)
    os.replace(tmp, folder / "meta.json")


def load_vectors(folder: Path, model_id: str) -> VectorSet | None:
    """Saved vectors of `model_id`, or None when absent, of another model or unreadable."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or meta.get("model") != model_id:
            return None
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        hashes = np.load(folder / "hashes.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if vectors.ndim != 2 or hashes.shape != (vectors.shape[0],) or vectors.shape[0] != meta.get("count"):
        log.warning("saved vectors in %s are inconsistent; they will be rebuilt", folder)
        return None
    return VectorSet(model_id, vectors, hashes)


class Cancelled(Exception):
    """The build was asked to stop (a newer reload superseded it)."""


def build_vectors(
    embedder: Embedder,
    texts: Sequence[str],
    previous: VectorSet | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Callable[[VectorSet], None] | None = None,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
) -> tuple[VectorSet, int]:
    """Vectors of `texts`, reusing `previous` ones whose text hash matches; returns the set
    and how many texts were embedded. Raises Cancelled if `cancel` is set meanwhile.

    `checkpoint`, every `checkpoint_seconds` while embedding, gets the vectors made so far
    (reused and new, without the rows still to do): saved, they are the `previous` of the
    next build, which then embeds only the rest."""
    hashes = text_hashes(texts)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float16)
    todo = np.arange(len(texts))
    if (
        previous is not None
        and previous.model_id == embedder.model_id
        and previous.vectors.shape[1:] == (embedder.dim,)
    ):
        order = np.argsort(previous.hashes, kind="stable")
        sorted_h = previous.hashes[order]
        pos = np.searchsorted(sorted_h, hashes)
        pos[pos == sorted_h.shape[0]] = 0
        found = (sorted_h[pos] == hashes) if sorted_h.shape[0] else np.zeros(len(texts), dtype=bool)
        out[found] = previous.vectors[order[pos[found]]]
        todo = np.flatnonzero(~found)
    last = time.monotonic()
    for a in range(0, todo.shape[0], BATCH):
        if cancel is not None and cancel.is_set():
            raise Cancelled
        rows = todo[a : a + BATCH]
        out[rows] = embedder.embed_passages([texts[i] for i in rows.tolist()])
        done = min(a + BATCH, todo.shape[0])
        if progress is not None:
            progress(done, todo.shape[0])
        if checkpoint is not None and done < todo.shape[0] and time.monotonic() - last >= checkpoint_seconds:
            keep = np.ones(len(texts), dtype=bool)
            keep[todo[done:]] = False
            checkpoint(VectorSet(embedder.model_id, out[keep], hashes[keep]))
            last = time.monotonic()
    return VectorSet(embedder.model_id, out, hashes), int(todo.shape[0])
