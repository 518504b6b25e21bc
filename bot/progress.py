"""Progress reporting for long builds: a bar on a terminal, log lines elsewhere.

Both stay silent for the first two seconds, so small knowledge bases build quietly.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

log = logging.getLogger(__name__)

QUIET_SECONDS = 2.0


class TerminalProgress:
    """Draws `stage [#####.....] done/total` on one line of a terminal."""

    def __init__(self, stream: TextIO | None = None, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet_seconds
        self.t0 = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._width = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.t0 < self.quiet or (now - self._last < 0.1 and done < total):
            return
        self._last = now
        width = 30
        filled = width * done // max(total, 1)
        line = f"{stage:<9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {now - self.t0:5.1f}s"
        # Blank out what a longer previous line leaves behind ("15.6s3s").
        self.stream.write("\r" + line + " " * max(0, self._width - len(line)))
        self._width = len(line)
        self._drawn = True
        if done >= total and stage == "indexing":
            self.stream.write("\n")
            self._drawn = False
            self._width = 0
        self.stream.flush()


class LogProgress:
    """Logs progress every tenth of the way once a build has run for two seconds."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.quiet = quiet_seconds
        self.t0 = time.monotonic()
        self._next: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if time.monotonic() - self.t0 < self.quiet:
            return
        step = max(total // 10, 1)
        if done >= self._next.get(stage, 0) or done == total:
            self._next[stage] = done + step
            log.info("%s: %d/%d (%.0f s)", stage, done, total, time.monotonic() - self.t0)


def default_progress(stream: TextIO | None = None) -> TerminalProgress | LogProgress:
    """A bar when `stream` (stderr by default) is a terminal, log lines otherwise."""
    stream = stream or sys.stderr
    return TerminalProgress(stream) if stream.isatty() else LogProgress()
