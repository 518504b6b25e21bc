"""The per-file time limit: cooperative check and the watchdog for a step that runs away."""

from __future__ import annotations

import time

import pytest

from bot.documents.deadline import Deadline
from bot.errors import ReaderTimeout


def test_deadline_interrupts_a_step_that_runs_away() -> None:
    # No check() inside the loop: only the watchdog can stop it (bounded if it fails).
    end = time.monotonic() + 10
    with pytest.raises(ReaderTimeout, match="longer than 0.05 s"), Deadline(0.05):
        while time.monotonic() < end:
            time.sleep(0.01)
        pytest.fail("the watchdog did not interrupt the loop")


def test_deadline_disarmed_after_the_block() -> None:
    with Deadline(0.0) as deadline:
        pass  # a quick block: neither guard fires
    with pytest.raises(ReaderTimeout):
        deadline.check()  # the limit has passed; only check() says so now
    time.sleep(1.3)  # past the watchdog's grace: nothing may arrive out of the blue


def test_swallowed_interruption_is_raised_again() -> None:
    # A parser's broad `except` may swallow the first interruption; the watchdog repeats it.
    swallowed = 0
    end = time.monotonic() + 10  # bounded if the watchdog fails
    with pytest.raises(ReaderTimeout), Deadline(0.05):
        while time.monotonic() < end:
            try:
                while time.monotonic() < end:
                    pass
            except Exception:
                swallowed += 1
                if swallowed > 1:
                    raise
    assert swallowed == 2


def test_a_timeout_a_parser_turned_into_its_own_error_is_still_a_timeout() -> None:
    # docutils' broad handler can catch check()'s ReaderTimeout and raise its own error; out
    # of the block past the limit, that is the timeout, not "the file could not be parsed".
    with pytest.raises(ReaderTimeout), Deadline(0.01) as deadline:
        time.sleep(0.02)
        try:
            deadline.check()
        except ReaderTimeout as exc:
            raise ValueError("the parser's own failure") from exc


def test_an_error_within_the_limit_stays_itself() -> None:
    with pytest.raises(ValueError), Deadline(10):
        raise ValueError("a real parse failure")


def _logging_lock_free() -> bool:
    """Whether another thread can take logging's module lock (getLogger, addHandler)."""
    import logging
    import threading

    got: list[bool] = []

    def take() -> None:
        ok = logging._lock.acquire(timeout=1.0)  # type: ignore[attr-defined]
        if ok:
            logging._lock.release()  # type: ignore[attr-defined]
        got.append(ok)

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return got == [True]


def test_the_interruption_never_lands_inside_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """pypdf logs (logging.getLogger per warning) inside the watched block: an interruption
    between logging's lock acquire and its try left the module lock held by the reading
    thread, and every other thread's getLogger/addHandler (the next PDF) then hung."""
    import logging

    from bot.documents import deadline as module

    monkeypatch.setattr(module, "_GRACE_S", 0.0)  # many tries, quickly
    try:
        for _ in range(40):
            end = time.monotonic() + 5  # bounded if the watchdog fails
            with pytest.raises(ReaderTimeout), Deadline(0.02):
                while time.monotonic() < end:
                    logging.getLogger("some.library").debug("an oddity")
            assert _logging_lock_free()
    finally:
        while logging._lock._is_owned():  # type: ignore[attr-defined]  # not to hang the rest of the run
            logging._lock.release()  # type: ignore[attr-defined]


def test_the_watchdog_still_interrupts_in_a_worker_thread() -> None:
    # A worker's stack starts in threading: only what the block calls counts as "in threading".
    import threading

    outcome: list[str] = []

    def work() -> None:
        end = time.monotonic() + 5
        try:
            with Deadline(0.05):
                while time.monotonic() < end:
                    pass
        except ReaderTimeout:
            outcome.append("interrupted")
        else:
            outcome.append("ran on")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["interrupted"]
