"""The per-user sliding-window cooldown, with an injected clock."""

from __future__ import annotations

import pytest

from bot.cooldown import Cooldown


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_n_per_window_then_says_how_long_to_wait():
    clock = Clock()
    cd = Cooldown(5, 60, clock)
    for _ in range(5):
        assert cd.hit("u") == 0.0
        clock.now += 1
    assert cd.hit("u") == pytest.approx(55.0)  # the first question leaves the window at 1060
    clock.now = 1059.9
    assert cd.hit("u") == pytest.approx(0.1)
    clock.now = 1060.0
    assert cd.hit("u") == 0.0  # a slot freed up...
    assert cd.hit("u") > 0  # ...and is taken again


def test_refusals_do_not_extend_the_wait():
    clock = Clock()
    cd = Cooldown(1, 10, clock)
    assert cd.hit(1) == 0.0
    for _ in range(5):
        clock.now += 1
        cd.hit(1)
    clock.now = 1010.0
    assert cd.hit(1) == 0.0


def test_users_are_independent():
    cd = Cooldown(1, 60, Clock())
    assert cd.hit(1) == 0.0
    assert cd.hit(1) > 0
    assert cd.hit(2) == 0.0


def test_retry_after_records_nothing():
    cd = Cooldown(1, 60, Clock())
    assert cd.retry_after(1) == 0.0
    assert cd.retry_after(1) == 0.0
    assert cd.hit(1) == 0.0
    assert cd.retry_after(1) == pytest.approx(60.0)


@pytest.mark.parametrize("limit,window", [(0, 60), (5, 0)])
def test_zero_turns_the_limit_off(limit, window):
    cd = Cooldown(limit, window, Clock())
    assert not cd.enabled
    assert all(cd.hit(1) == 0.0 for _ in range(100))


def test_prune_forgets_idle_users():
    clock = Clock()
    cd = Cooldown(2, 10, clock)
    for user in range(50):
        cd.hit(user)
    assert len(cd) == 50
    clock.now += 11
    cd.prune()
    assert len(cd) == 0


def test_only_the_first_refusal_of_a_wait_is_announced():
    clock = Clock()
    cd = Cooldown(1, 10, clock)
    assert cd.hit("u") == 0.0
    wait = cd.hit("u")
    assert wait > 0 and cd.first_refusal("u", wait)
    clock.now += 3
    assert not cd.first_refusal("u", cd.hit("u"))  # a flood: still the same wait
    assert cd.first_refusal("v", 5.0)  # per member
    clock.now = 1010.0
    assert cd.hit("u") == 0.0
    assert cd.first_refusal("u", cd.hit("u"))  # a new wait: told again
