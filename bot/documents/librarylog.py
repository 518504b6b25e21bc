"""A third-party library's log records, collected while it reads one file: pypdf and
trafilatura log WARNING/ERROR lines that name no file ("empty HTML tree: None") for oddities
the reader then handles, or reports, in its own words with the file's name."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# One collector per logger at a time: each saves and restores its `propagate`. Made at import
# for the loggers the readers use, so no lock is needed to make one.
_LOCKS = {name: threading.Lock() for name in ("pypdf", "trafilatura")}


@contextmanager
def collected(name: str, level: int = logging.WARNING) -> Iterator[list[str]]:
    """The messages the logger `name` ("pypdf" or "trafilatura") and its children
    ("pypdf._reader") log at `level` or above while the block runs, kept from the
    application's handlers. One block per logger at a time (a second thread waits)."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    with _LOCKS[name]:
        parent = logging.getLogger(name)
        collect = _Collect(level)
        propagate = parent.propagate
        parent.addHandler(collect)
        parent.propagate = False
        try:
            yield messages
        finally:
            parent.removeHandler(collect)
            parent.propagate = propagate
