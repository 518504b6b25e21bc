"""Build progress: silent for short builds, a bar on terminals, log lines elsewhere."""

from __future__ import annotations

import io
import logging

from bot import progress as progress_module
from bot.progress import LogProgress, TerminalProgress, default_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_quiet_for_short_builds_then_a_bar(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    out = io.StringIO()
    bar = TerminalProgress(out)
    bar("reading", 1, 10)
    assert out.getvalue() == ""  # under two seconds: nothing
    clock.now = 2.5
    bar("reading", 5, 10)
    assert "reading" in out.getvalue() and "5/10" in out.getvalue() and "#" in out.getvalue()
    clock.now = 3.0
    bar("indexing", 1, 1)
    assert out.getvalue().endswith("\n")


def test_log_progress_every_tenth(monkeypatch, caplog):
    clock = FakeClock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    log = LogProgress()
    clock.now = 3.0
    with caplog.at_level(logging.INFO, logger="bot.progress"):
        for done in range(1, 101):
            log("reading", done, 100)
    lines = [r for r in caplog.records if "reading" in r.getMessage()]
    assert 9 <= len(lines) <= 12


def test_default_progress_picks_by_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(default_progress(Tty()), TerminalProgress)
    assert isinstance(default_progress(io.StringIO()), LogProgress)


def test_a_shorter_line_leaves_no_fragment_of_a_longer_one(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    out = io.StringIO()
    bar = TerminalProgress(out)
    clock.now = 115.3
    bar("reading", 9999, 10000)
    clock.now = 115.6
    bar("indexing", 0, 1)
    # What a terminal shows: the last "\r" rewrites the line from its start.
    shown = out.getvalue().split("\r")[-1]
    assert shown.rstrip().endswith("0/1 115.6s")
    assert len(shown) >= len(out.getvalue().split("\r")[-2])  # the longer line is covered


def test_a_log_line_during_the_bar_starts_on_a_clean_line(monkeypatch):
    # `python -m bot index` on a terminal: "reading [#...] 1/26   2.1s2026-12-01 ... WARNING
    # skipped guide.docx" — the warning was written after the half-drawn bar.
    clock = FakeClock()
    monkeypatch.setattr(progress_module.time, "monotonic", clock)
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        bar = TerminalProgress(out)
        clock.now = 2.5
        bar("reading", 1, 26)
        logging.getLogger("bot.builder").warning("skipped guide.docx")
        clock.now = 3.0
        bar("reading", 2, 26)
    finally:
        root.removeHandler(handler)
    text = out.getvalue()
    assert "s\rskipped" not in text and "sskipped" not in text
    line_with_warning = text.split("\n")[0].split("\r")[-1]
    assert line_with_warning == "skipped guide.docx"
    assert text.rstrip().split("\r")[-1].startswith("reading") and "2/26" in text  # redrawn after
