"""A time limit for parsing one file.

Parsers here are pure Python running in the caller's thread. Two guards:

- `check()`, called by a reader at points it passes often (every block, every source line),
  raises ReaderTimeout once the time is up: the clean, usual way out;
- used as a context manager, a watchdog timer also interrupts the thread shortly after the
  limit (CPython's PyThreadState_SetAsyncExc raises ReaderTimeout at its next bytecode), for
  one step that runs away on its own — docutils' inline parsing of a pathological paragraph
  is quadratic and no check is reached inside it. A single C call (one regular-expression
  search) cannot be interrupted, so readers keep their own patterns bounded. Nor is the
  thread interrupted while it is in logging, the import system, threading or this
  `__exit__`: the exception would leave a lock held there (logging's module lock: every
  other thread's getLogger would hang) or the watchdog armed; it waits until they are left.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from types import FrameType, TracebackType
from typing import Self

from ..errors import ReaderTimeout
from ..rendering import errors as wording

_GRACE_S = 1.0  # the watchdog leaves the cooperative check this long to act first
# A broad `except Exception` inside a parser can swallow the interruption, so it is raised
# again this often until the block is left.
_REPEAT_S = 0.5
_RETRY_S = 0.01  # how soon to look again while the thread is where it must not be interrupted
# Top-level packages whose code takes locks an exception could leave held.
_UNSAFE_PACKAGES = frozenset({"logging", "importlib", "threading"})


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
        self._frame: FrameType | None = None  # the one the block runs in
        self._timer: threading.Timer | None = None

    def check(self) -> None:
        if time.monotonic() > self._end:
            raise self._error()

    def _error(self) -> ReaderTimeout:
        return ReaderTimeout(wording.reading_took_longer(self._seconds))

    def __enter__(self) -> Self:
        self._thread = threading.get_ident()
        self._frame = sys._getframe(1)
        self._armed = True
        remaining = max(self._end - time.monotonic(), 0.0)
        self._timer = threading.Timer(remaining + _GRACE_S, self._interrupt)
        self._timer.daemon = True
        self._timer.start()
        return self

    def _interrupt(self) -> None:
        with self._lock:  # never while __exit__ is disarming
            if self._armed:
                # The exception is raised where the thread stands now: it waits for the GIL
                # this timer holds (or returns from a C call into the frame seen).
                unsafe = _in_unsafe_code(self._thread, self._frame)
                if not unsafe:
                    self._fired = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(self._thread), ctypes.py_object(ReaderTimeout)
                    )
                self._timer = threading.Timer(_RETRY_S if unsafe else _REPEAT_S, self._interrupt)
                self._timer.daemon = True
                self._timer.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            self._armed = False
            self._frame = None
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


def _in_unsafe_code(thread: int, block: FrameType | None) -> bool:
    """Whether the thread is running code an exception must not land in (see the module
    docstring), in what the block's frame has called: the frames below it are the caller's
    (a worker thread's stack starts in threading)."""
    frame = sys._current_frames().get(thread)
    while frame is not None and frame is not block:
        if frame.f_code is Deadline.__exit__.__code__:
            return True
        if str(frame.f_globals.get("__name__", "")).partition(".")[0] in _UNSAFE_PACKAGES:
            return True
        frame = frame.f_back
    return False
