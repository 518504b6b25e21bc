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
