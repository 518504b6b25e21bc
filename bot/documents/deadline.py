"""A time limit for parsing one file.

Parsers here are pure Python running in the caller's thread. Two guards:

- `check()`, called by a reader at points it passes often (every block, every source line),
  raises ReaderTimeout once the time is up: the clean, usual way out;
- used as a context manager, a watchdog timer also interrupts the thread shortly after the
  limit (CPython's PyThreadState_SetAsyncExc raises ReaderTimeout at its next bytecode), for
  one step that runs away on its own — docutils' inline parsing of a pathological paragraph
  is quadratic and no check is reached inside it. A single C call (one regular-expression
  search) cannot be interrupted, so readers keep their own patterns bounded.
"""

from __future__ import annotations

import ctypes
import threading
import time
from types import TracebackType
from typing import Self

from ..errors import ReaderTimeout
from ..rendering import errors as wording

_GRACE_S = 1.0  # the watchdog leaves the cooperative check this long to act first
# A broad `except Exception` inside a parser can swallow the interruption, so it is raised
# again this often until the block is left.
_REPEAT_S = 0.5


class Deadline:
    """Raises ReaderTimeout from `check()` once `seconds` have passed since creation, and
    from anywhere in the `with` block a little later."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._armed = False
        self._fired = False
        self._thread = 0
        self._timer: threading.Timer | None = None

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise self._error()

    def _error(self) -> ReaderTimeout:
        return ReaderTimeout(wording.reading_took_longer(self._seconds))

    def __enter__(self) -> Self:
        self._thread = threading.get_ident()
        self._armed = True
        remaining = max(self._end - time.monotonic(), 0.0)
        self._timer = threading.Timer(remaining + _GRACE_S, self._interrupt)
        self._timer.daemon = True
        self._timer.start()
        return self

    def _interrupt(self) -> None:
        with self._lock:  # never while __exit__ is disarming
            if self._armed:
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread), ctypes.py_object(ReaderTimeout)
                )
                self._timer = threading.Timer(_REPEAT_S, self._interrupt)
                self._timer.daemon = True
                self._timer.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._armed = False
            if self._fired:
                # One fired but not raised yet (or a repeat): withdraw it so it cannot hit
                # the caller later.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread), None)
        if self._timer is not None:
            self._timer.cancel()
        # An error leaving the block after the limit is the timeout too: a parser's broad
        # handler may have turned check()'s ReaderTimeout into its own error (seen once on a
        # loaded host: docutils' failure came out as "could not be parsed").
        late = exc_type is not None and time.monotonic() > self._end
        if self._fired or late or (exc_type is not None and issubclass(exc_type, ReaderTimeout)):
            raise self._error() from None
