"""A time limit that long-running parsing checks cooperatively.

Parsers here are pure Python and run in the caller's thread, so they cannot be interrupted
from outside without killing the thread; instead each reader calls `check()` at points it
passes often (every block, every few inline runs), which bounds the run-away to one step.
"""

from __future__ import annotations

import time

from ..errors import ReaderTimeout


class Deadline:
    """Raises ReaderTimeout from `check()` once `seconds` have passed since creation."""

    __slots__ = ("_end", "_seconds")

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise ReaderTimeout(f"reading it took longer than {self._seconds:g} s, so it was abandoned")
