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

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..processes import alive
from .embedder import Embedder

log = logging.getLogger(__name__)

FORMAT = 1
BATCH = 32  # texts per model call: big enough to keep both cores busy, small to stop quickly
# A big knowledge base takes hours to embed (bench/semantic_cost.py: ~4 passages/s with e5 on
# 2 cores); what is done is saved this often, so a restart or a crash resumes, not restarts.
CHECKPOINT_SECONDS = 300.0
_SLICE = 65536  # rows per write of a partial set (a few MB)


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


def save_vectors(folder: Path, vs: VectorSet, rows: np.ndarray | None = None) -> None:
    """Write atomically: a reader sees the old files or the new ones. `rows` (ascending
    indices): save only those rows, written a slice at a time so a checkpoint of a big set
    never holds a second copy of its vectors."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vectors = vs.vectors if rows is None else None
    count = int(vs.vectors.shape[0] if rows is None else rows.shape[0])
    meta = {
        "format": FORMAT,
        "model": vs.model_id,
        "dim": int(vs.vectors.shape[1]) if vs.vectors.ndim == 2 else 0,
        "count": count,
    }
    hashes = vs.hashes if rows is None else vs.hashes[rows]
    temps: list[tuple[str, str]] = []
    try:
        # Every file is written before any is replaced: a crash between the replaces (a few
        # microseconds, not a whole write) is the only way to leave the folder mixed.
        for name in ("vectors", "hashes", "meta"):
            fd, tmp = tempfile.mkstemp(prefix=f".{name}-{os.getpid()}-", dir=folder)
            temps.append((tmp, name))
            with os.fdopen(fd, "wb") as f:
                if name == "meta":
                    f.write(json.dumps(meta).encode("utf-8"))
                elif name == "hashes":
                    np.save(f, np.ascontiguousarray(hashes.astype(np.uint64, copy=False)), allow_pickle=False)
                elif vectors is not None:
                    np.save(f, np.ascontiguousarray(vectors.astype(np.float16, copy=False)), allow_pickle=False)
                else:
                    _write_rows(f, vs.vectors, rows)
        # meta last: it vouches for the arrays replaced before it.
        for tmp, name in temps:
            os.replace(tmp, folder / (f"{name}.json" if name == "meta" else f"{name}.npy"))
    except BaseException:
        for tmp, _ in temps:  # a full disk must not keep the half-written copies too
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _write_rows(f: BinaryIO, vectors: np.ndarray, rows: np.ndarray | None) -> None:
    """`vectors[rows]` as float16 .npy, one slice of rows at a time."""
    assert rows is not None
    shape = (int(rows.shape[0]), *vectors.shape[1:])
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(f, header)
    for a in range(0, rows.shape[0], _SLICE):
        f.write(np.ascontiguousarray(vectors[rows[a : a + _SLICE]].astype(np.float16, copy=False)).tobytes())


_TEMP = re.compile(r"\.(?:vectors|hashes|meta)-(\d+)-")


def clean_stale_temps(folder: Path) -> int:
    """Remove the half-written files of saves whose process died (killed mid-checkpoint:
    each would keep up to a whole set's size on disk for good); how many went."""
    removed = 0
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return 0
    for path in entries:
        m = _TEMP.match(path.name)
        if m is None or int(m.group(1)) == os.getpid() or alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    if removed:
        log.info("removed %d unfinished vector file%s from %s", removed, "s" * (removed != 1), folder)
    return removed


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
    """The build was asked to stop (a newer reload superseded it). `partial`: the vectors
    done so far (reused and new), for the next build to start from."""

    def __init__(self, partial: VectorSet | None = None) -> None:
        super().__init__("vector build cancelled")
        self.partial = partial


class ModelFailed(Exception):
    """The model raised while embedding (its error is the __cause__). `partial`: the vectors
    done before it, so the next build does not embed them again."""

    def __init__(self, partial: VectorSet) -> None:
        super().__init__("the embedding model failed")
        self.partial = partial


def _compact(out: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`out[rows]` (rows ascending) moved to the front of `out` itself, a slice at a time:
    a cancelled build hands over what it did without a second copy of its vectors. Safe in
    place because rows[i] >= i: a slice only reads rows no earlier slice has written."""
    for a in range(0, rows.shape[0], _SLICE):
        idx = rows[a : a + _SLICE]
        out[a : a + idx.shape[0]] = out[idx]
    # A view keeps all of `out` alive until the next build is done: copied when that is
    # mostly rows never done (the copy is at most half of `out`, for a moment).
    return out[: rows.shape[0]] if 2 * rows.shape[0] > out.shape[0] else out[: rows.shape[0]].copy()


_WAIT = 0.05  # how often a build waiting on a model call looks whether it was given up


def _embed(embedder: Embedder, texts: list[str], abandon: threading.Event | None) -> np.ndarray:
    """One model call. With `abandon`, the call runs on a thread of its own: a thread
    cannot be stopped, so when the model hangs and the build is given up, the build
    returns (Cancelled, nothing handed on) and lets its knowledge base, texts and buffer
    go; only the hung call stays, holding its batch."""
    if abandon is None:
        return embedder.embed_passages(texts)
    box: list[np.ndarray] = []
    failed: list[BaseException] = []

    def call() -> None:
        try:
            box.append(embedder.embed_passages(texts))
        except BaseException as exc:  # handed to the build, which reports it
            failed.append(exc)

    thread = threading.Thread(target=call, name="vectors-call", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(_WAIT)
        if abandon.is_set() and thread.is_alive():
            raise Cancelled()
    if failed:
        raise failed[0]
    return box[0]


def build_vectors(
    embedder: Embedder,
    texts: Sequence[str],
    previous: VectorSet | Sequence[VectorSet] | None = None,
    cancel: threading.Event | None = None,
    progress: Callable[[int, int], None] | None = None,
    checkpoint: Callable[[VectorSet, np.ndarray], None] | None = None,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
    abandon: threading.Event | None = None,
) -> tuple[VectorSet, int]:
    """Vectors of `texts`, reusing `previous` ones (a set, or several tried in turn) whose
    text hash matches; returns the set and how many texts were embedded. Raises Cancelled
    (with the vectors done so far) if `cancel` is set meanwhile.

    `checkpoint`, every `checkpoint_seconds` while embedding, gets the set being made and
    the rows of it that are done (reused and new, ascending): saved, they are the
    `previous` of the next build, which then embeds only the rest. A model error raises
    ModelFailed with the vectors done so far, like Cancelled. `abandon` set (a hung model
    given up) stops it even inside a model call, with nothing handed on (`_embed`)."""
    hashes = text_hashes(texts)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float16)
    todo = np.arange(len(texts))
    sets = [previous] if isinstance(previous, VectorSet) else list(previous or ())
    for prev in sets:
        if todo.shape[0] == 0 or prev.model_id != embedder.model_id or prev.vectors.shape[1:] != (embedder.dim,):
            continue
        order = np.argsort(prev.hashes, kind="stable")
        sorted_h = prev.hashes[order]
        if sorted_h.shape[0] == 0:
            continue
        want = hashes[todo]
        pos = np.searchsorted(sorted_h, want)
        pos[pos == sorted_h.shape[0]] = 0
        found = sorted_h[pos] == want
        out[todo[found]] = prev.vectors[order[pos[found]]]
        todo = todo[~found]
    total = int(todo.shape[0])
    last = time.monotonic()
    done = 0

    def finished_rows() -> np.ndarray:
        keep = np.ones(len(texts), dtype=bool)
        keep[todo[done:]] = False
        return np.flatnonzero(keep)

    for a in range(0, total, BATCH):
        if cancel is not None and cancel.is_set():
            rows = finished_rows()
            raise Cancelled(VectorSet(embedder.model_id, _compact(out, rows), hashes[rows]))
        batch = todo[a : a + BATCH]
        try:
            out[batch] = _embed(embedder, [texts[i] for i in batch.tolist()], abandon)
        except Cancelled:
            raise
        except Exception as exc:
            rows = finished_rows()
            raise ModelFailed(VectorSet(embedder.model_id, _compact(out, rows), hashes[rows])) from exc
        done = min(a + BATCH, total)
        if progress is not None:
            progress(done, total)
        if checkpoint is not None and done < total and time.monotonic() - last >= checkpoint_seconds:
            checkpoint(VectorSet(embedder.model_id, out, hashes), finished_rows())
            last = time.monotonic()
    return VectorSet(embedder.model_id, out, hashes), total
