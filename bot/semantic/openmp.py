"""How the e5 engine's OpenMP threads wait, and how many of them work on one question.

Measured on 2 cores (bench/semantic_cost.py docstring): a question embedded by two threads
that sleep at every barrier (OMP_WAIT_POLICY=PASSIVE alone) takes as long as one thread,
~24 ms, because each of the model's many small barriers pays a futex wake-up. A ~10 us spin
before sleeping (GOMP_SPINCOUNT=1000) halves it on a quiet host (~12 ms) but makes it slower
than one thread when another process holds a core (~30 vs ~25 ms). Which one wins depends on
the host's load at the time, so `TeamChooser` picks the team size per question from the
model's own recent timings.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# libgomp reads these once, when the engine loads. With PASSIVE, GOMP_SPINCOUNT is the spin
# before sleeping; when more OpenMP threads exist than cores (a background build beside a
# question) libgomp drops it to PASSIVE's 0 by itself.
SPIN_COUNT = 1000
PROBE_EVERY = 16  # one question in this many runs on the team size not in favour
SMOOTHING = 0.3  # weight of the newest timing in a team size's running average
CLAMP = 2.0  # a timing counts as at most this many times its size's running average
SIZE_OFFSET = 16  # a call's fixed cost in characters' worth: short questions are not all overhead


def configure(threads: int | None) -> None:
    """Wait-policy defaults for the OpenMP runtime; an operator's own settings win (an
    explicit GOMP_SPINCOUNT would override the spin their OMP_WAIT_POLICY implies, so none
    is set beside theirs)."""
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
        os.environ["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    if threads:
        os.environ.setdefault("OMP_NUM_THREADS", str(min(threads, _cores())))


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def widest_team(threads: int | None) -> int:
    """The threads one call may use: OMP_NUM_THREADS (the operator's, else what `configure`
    set), else `threads` (at most the usable cores), else the usable cores."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        pass
    return min(threads, _cores()) if threads and threads > 0 else _cores()


def thread_setter(library: Any) -> Callable[[int], None] | None:
    """`omp_set_num_threads` as reached through a loaded engine library (dlsym searches its
    dependencies, so this is the engine's own OpenMP runtime), or None where it is absent."""
    if not isinstance(library, ctypes.CDLL):
        return None
    try:
        fn = library.omp_set_num_threads
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = None
    return fn


class TeamChooser:
    """Picks the team size for a short call (one question) from earlier calls' timings: the
    size whose running average of seconds per character is lower, with every PROBE_EVERY-th
    call run on the other size, so a change in the host's load is noticed. A size's first
    call is not counted: it starts the team's threads."""

    def __init__(self, widest: int, probe_every: int = PROBE_EVERY) -> None:
        self.sizes = (widest, 1) if widest > 1 else (1,)
        self._probe_every = probe_every
        self._cost: dict[int, float] = {}
        self._calls = 0
        self._started: set[int] = set()
        self._lock = threading.Lock()

    def pick(self) -> int:
        with self._lock:
            self._calls += 1
            if len(self.sizes) == 1:
                return 1
            best = self.favoured()
            other = next(s for s in self.sizes if s != best)
            if other not in self._cost or self._calls % self._probe_every == 0:
                return other
            return best

    def favoured(self) -> int:
        """The size now in favour (the widest until both have been timed)."""
        known = [s for s in self.sizes if s in self._cost]
        if len(known) < len(self.sizes):
            return self.sizes[0]
        return min(self.sizes, key=lambda s: self._cost[s])

    def record(self, size: int, seconds: float, characters: int) -> None:
        cost = seconds / (characters + SIZE_OFFSET)
        with self._lock:
            if size not in self._started:
                self._started.add(size)
                return
            before = self.favoured()
            old = self._cost.get(size)
            if old is not None:
                # One stall (a page fault, the GIL, a burst elsewhere) counts as at most twice
                # the average: unclamped, it kept a size out of favour for ~60 questions, and
                # the size out of favour is timed only every PROBE_EVERY-th.
                cost = old + SMOOTHING * (min(cost, CLAMP * old) - old)
            self._cost[size] = cost
            after = self.favoured()
        if after != before:
            log.debug("questions now embedded by %d thread(s)", after)
