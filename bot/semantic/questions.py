"""Embedding members' questions with a time limit.

A question embeds in ~20 ms (p99 ~40 ms with e5 on 2 cores). A model that hangs would hold
the thread of every question asked after it, until the adapters' threads run out and not
even words-only answers are given. So questions are embedded on threads of their own: one
that takes longer than `timeout` is answered from words alone (the caller falls back), and
while that call has not returned the next questions skip the model at once instead of each
waiting out the limit; once it returns, questions are embedded again.

The last `RECENT` questions' vectors are kept: "more results" asks its question again, a
restart's button asks it again, and a teach asks the open gaps again. A vector depends on the
model and the text only (the model is deterministic), so it holds across reloads.
"""

from __future__ import annotations

import logging
import queue
import threading
import weakref
from collections import OrderedDict

import numpy as np

from .embedder import Embedder

log = logging.getLogger(__name__)

QUESTION_TIMEOUT = 10.0  # seconds: hundreds of times a question's usual cost
RECENT = 512  # questions whose vectors are kept (1.5 KB each at 384 dimensions)


class ModelStalled(RuntimeError):
    """The model did not embed a question in time, or has not returned from one yet."""


class _Call:
    """One question to embed, and its outcome."""

    def __init__(self, question: str) -> None:
        self.question = question
        self.done = threading.Event()
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None

    def run(self, embedder: Embedder) -> None:
        try:
            self.vector = embedder.embed_queries([self.question])[0]
        except BaseException as exc:  # handed to the asker, who answers from words alone
            self.error = exc
        finally:
            self.done.set()


class QuestionEmbedder:
    """One per embedding model; thread-safe. Its threads are daemons, started on first use:
    a call stuck in the model must not hold up the process's exit. They hold the model, not
    this object, and end once it is dropped, so a dropped one frees its model."""

    def __init__(self, embedder: Embedder, timeout: float | None = None, workers: int = 2) -> None:
        self.embedder = embedder
        self.timeout = QUESTION_TIMEOUT if timeout is None else timeout
        self.workers = workers  # questions embedded at once (MiniLM runs them side by side)
        self._jobs: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._threads = 0
        self._lock = threading.Lock()
        self._stalled: _Call | None = None  # a call past its time, still running
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()  # question -> vector, oldest first
        weakref.finalize(self, _stop, self._jobs, workers)

    def embed(self, question: str) -> np.ndarray:
        """The question's vector; ModelStalled when the model is too slow or still stuck,
        and whatever the model raised."""
        with self._lock:
            known = self._recent.get(question)
            if known is not None:  # asked lately: no model call (even while it is stalled)
                self._recent.move_to_end(question)
                return known
            stalled = self._stalled
            if stalled is not None:
                if not stalled.done.is_set():
                    raise ModelStalled("the embedding model has not returned from an earlier question")
                self._stalled = None
                log.info("the %s model answers again: questions are embedded again", self.embedder.model_id)
            if self._threads < self.workers:
                self._threads += 1
                args = (self._jobs, self.embedder)
                threading.Thread(target=_serve, args=args, name="embed-question", daemon=True).start()
        call = _Call(question)
        self._jobs.put(call)
        if not call.done.wait(self.timeout):
            with self._lock:
                if self._stalled is None:
                    self._stalled = call
                    log.warning(
                        "the %s model took over %.0f s to embed a question: answering from words only until it returns",
                        self.embedder.model_id,
                        self.timeout,
                    )
            raise ModelStalled("the embedding model did not embed the question in time")
        if call.error is not None:
            if not isinstance(call.error, Exception):
                # An interrupt or exit raised on the model's thread is not the asker's: in
                # an adapter thread it would end the bot, not one question's cosines.
                raise RuntimeError(f"the embedding model raised {call.error!r}") from call.error
            raise call.error
        assert call.vector is not None
        vector = call.vector
        vector.setflags(write=False)  # shared by every later asker of the question
        with self._lock:
            self._recent[question] = vector
            if len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return vector

    def forget(self, question: str) -> None:
        """Drop `question`'s kept vector, if any: its next `embed` asks the model again."""
        with self._lock:
            self._recent.pop(question, None)


def _serve(jobs: queue.SimpleQueue[_Call | None], embedder: Embedder) -> None:
    while (call := jobs.get()) is not None:
        call.run(embedder)


def _stop(jobs: queue.SimpleQueue[_Call | None], threads: int) -> None:
    for _ in range(threads):
        jobs.put(None)
