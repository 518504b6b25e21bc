"""Builds a knowledge base's vectors in the background and hands them over when ready.

Lexical answers are served at once after a start or a reload; `VectorWorker.start` reuses
every vector whose passage text is unchanged (from the last build in memory, else from
disk), and if any are missing embeds them in batches on a background thread, saves them
and calls `on_ready` with the finished `SemanticIndex`. A newer start cancels an older one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..knowledge import KnowledgeBase
from .dense import DenseIndex
from .embedder import Embedder
from .search import SemanticIndex
from .texts import passage_text
from .vectors import CHECKPOINT_SECONDS, Cancelled, VectorSet, build_vectors, load_vectors, save_vectors, text_hashes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SemanticStatus:
    """Where semantic matching stands for the knowledge base just (re)loaded."""

    model: str | None  # None: semantic matching is off
    ready: bool = False  # hybrid answers now; else lexical until the vectors are built
    embedding: int = 0  # texts being embedded in the background (new or changed)
    reused: int = 0  # texts whose saved vectors were kept


def _texts(kb: KnowledgeBase, sentences: bool) -> tuple[list[str], list[str], np.ndarray]:
    passages = [passage_text(p) for p in kb.passages]
    sents: list[str] = []
    ptr = np.zeros(len(kb.passages) + 1, dtype=np.int64)
    if sentences:
        for i, p in enumerate(kb.passages):
            sents.extend(p.sentences)
            ptr[i + 1] = len(sents)
    return passages, sents, ptr


class VectorWorker:
    """One per knowledge service: keeps the latest vectors and builds the next ones."""

    def __init__(self, embedder: Embedder, folder: Path | None, sentences: bool = True) -> None:
        self.embedder = embedder
        self.folder = folder  # where vectors are kept between runs (None: memory only)
        self.sentences = sentences
        self._sets: dict[str, VectorSet | None] = {"passages": None, "sentences": None}
        self._cancel: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()  # start() may finish the build itself, inside the lock
        self.checkpoint_seconds = CHECKPOINT_SECONDS

    def _previous(self, kind: str) -> VectorSet | None:
        vs = self._sets.get(kind)
        if vs is None and self.folder is not None:
            vs = load_vectors(self.folder / kind, self.embedder.model_id)
        return vs

    @staticmethod
    def _missing(previous: VectorSet | None, texts: Sequence[str]) -> int:
        if not texts:
            return 0
        if previous is None:
            return len(texts)
        return int((~np.isin(text_hashes(texts), previous.hashes)).sum())

    def start(self, kb: KnowledgeBase, on_ready: Callable[[SemanticIndex], None]) -> SemanticStatus:
        """Make the vectors of `kb`: at once when none are missing (on_ready is called before
        this returns), else in the background. Never raises."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()  # the older build's knowledge base is gone
            passages, sents, ptr = _texts(kb, self.sentences)
            prev_p, prev_s = self._previous("passages"), self._previous("sentences")
            todo = self._missing(prev_p, passages) + self._missing(prev_s, sents)
            total = len(passages) + len(sents)
            cancel = threading.Event()
            self._cancel = cancel
            job = (passages, sents, ptr, prev_p, prev_s, cancel, on_ready)
            if todo == 0:
                self._build(*job)
                return SemanticStatus(self.embedder.model_id, ready=True, reused=total)
            thread = threading.Thread(target=self._build, args=job, name="vectors", daemon=True)
            self._thread = thread
            thread.start()
            return SemanticStatus(self.embedder.model_id, ready=False, embedding=todo, reused=total - todo)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build to finish (for one-shot CLI commands and tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _keeping(
        self, kind: str, cancel: threading.Event
    ) -> tuple[Callable[[int, int], None], Callable[[VectorSet], None] | None, float]:
        """Progress logging and checkpoints for one build_vectors call: a knowledge base
        that takes hours to embed says how far it is, and a restart resumes from the last
        checkpoint instead of starting over."""
        t0 = time.perf_counter()
        logged = [t0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - logged[0] < 60.0 or done >= total:
                return
            logged[0] = now
            rate = done / max(now - t0, 1e-9)
            log.info("embedding %s: %d of %d, about %.0f min left", kind, done, total, (total - done) / rate / 60)

        def checkpoint(partial: VectorSet) -> None:
            if self.folder is None or cancel.is_set():
                return
            try:
                save_vectors(self.folder / kind, partial)
            except OSError as exc:
                log.warning("could not save a checkpoint of the %s vectors: %s", kind, exc)

        return progress, checkpoint if self.folder is not None else None, self.checkpoint_seconds

    def _build(
        self,
        passages: list[str],
        sents: list[str],
        ptr: np.ndarray,
        prev_p: VectorSet | None,
        prev_s: VectorSet | None,
        cancel: threading.Event,
        on_ready: Callable[[SemanticIndex], None],
    ) -> None:
        t0 = time.perf_counter()
        try:
            progress, checkpoint, every = self._keeping("passages", cancel)
            vp, n_p = build_vectors(self.embedder, passages, prev_p, cancel, progress, checkpoint, every)
            if n_p and checkpoint is not None and self.sentences:
                checkpoint(vp)  # the sentences may take longer still: keep the passages done
            vs, n_s = (
                build_vectors(self.embedder, sents, prev_s, cancel, *self._keeping("sentences", cancel))
                if self.sentences
                else (None, 0)
            )
        except Cancelled:
            log.info("vector build cancelled: a newer reload replaced it")
            return
        except Exception:  # the model failed: lexical answers go on
            log.exception("building passage vectors failed; answers stay lexical")
            return
        with self._lock:
            if cancel.is_set():
                return
            self._sets["passages"], self._sets["sentences"] = vp, vs
        if self.folder is not None and (n_p or n_s):
            try:
                save_vectors(self.folder / "passages", vp)
                if vs is not None:
                    save_vectors(self.folder / "sentences", vs)
            except OSError as exc:
                log.warning("could not save the passage vectors: %s", exc)
        index = SemanticIndex(
            self.embedder,
            DenseIndex(vp.vectors, vp.model_id),
            DenseIndex(vs.vectors, vs.model_id, storage="rows") if vs is not None else None,
            ptr if vs is not None else None,
        )
        if n_p or n_s:
            log.info(
                "embedded %d passages and %d sentences in %.1f s (%s)",
                n_p,
                n_s,
                time.perf_counter() - t0,
                self.embedder.model_id,
            )
        on_ready(index)
