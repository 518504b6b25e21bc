"""Per-user rate limit: at most N questions in any sliding window of S seconds."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class Cooldown:
    """A sliding-window limiter keyed by user id.

    `hit(key)` records a question and returns 0.0, or returns how many seconds the user
    must wait (and records nothing). A limit or window of 0 turns the limit off. The clock
    is injectable so tests need not sleep.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(0, int(limit))
        self.window = max(0.0, float(window))
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = {}
        self._told: dict[Hashable, float] = {}  # key -> when its current wait ends
        self._calls = 0

    @property
    def enabled(self) -> bool:
        return self.limit > 0 and self.window > 0

    def _expire(self, hits: deque[float], now: float) -> None:
        while hits and now - hits[0] >= self.window:
            hits.popleft()

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may ask again (0.0 = now), without recording anything."""
        if not self.enabled:
            return 0.0
        hits = self._hits.get(key)
        if not hits:
            return 0.0
        now = self._clock()
        self._expire(hits, now)
        if len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[0] + self.window - now)

    def hit(self, key: Hashable) -> float:
        """Record a question for `key` if allowed; else return the seconds to wait."""
        if not self.enabled:
            return 0.0
        wait = self.retry_after(key)
        if wait > 0:
            return wait
        self._hits.setdefault(key, deque()).append(self._clock())
        self._calls += 1
        if self._calls % 1000 == 0:
            self.prune()
        return 0.0

    def first_refusal(self, key: Hashable, wait: float) -> bool:
        """After `hit(key)` returned `wait` > 0: True the first time in this wait, False for
        every later refusal until `key` may ask again (so a flood gets one notice, not one
        per message)."""
        now = self._clock()
        if self._told.get(key, 0.0) > now:
            return False
        self._told[key] = now + wait
        return True

    def prune(self) -> None:
        """Forget users with no question in the window, so memory stays bounded."""
        now = self._clock()
        self._told = {k: t for k, t in self._told.items() if t > now}
        for key in list(self._hits):
            hits = self._hits[key]
            self._expire(hits, now)
            if not hits:
                del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)
