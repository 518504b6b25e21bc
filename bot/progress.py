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


class _ClearBarFirst(logging.Filter):
    """Blanks a half-drawn bar before a log line goes to the same terminal, so the line
    starts at the left edge (the next update draws the bar again)."""

    def __init__(self) -> None:
        super().__init__()
        self.bar: TerminalProgress | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        bar = self.bar
        if bar is not None and bar._drawn and bar._width:
            bar.stream.write("\r" + " " * bar._width + "\r")
            bar.stream.flush()
            bar._width = 0
        return True


_CLEAR_BAR = _ClearBarFirst()


def _watch_log_lines(bar: TerminalProgress) -> None:
    _CLEAR_BAR.bar = bar
    for handler in logging.getLogger().handlers:
        if (
            isinstance(handler, logging.StreamHandler)
            and handler.stream is bar.stream
            and _CLEAR_BAR not in handler.filters
        ):
            handler.addFilter(_CLEAR_BAR)


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
        if not self._drawn:
            _watch_log_lines(self)
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
