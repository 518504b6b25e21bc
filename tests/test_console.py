"""The local mock client: piped and interactive use, commands, button stand-ins."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.console import PROMPT, run_console
from bot.rendering.terminal import display_width
from bot.service import KnowledgeService
from tests.handler_fakes import make_knowledge

ROOT = Path(__file__).resolve().parents[1]


def _run(tmp_path: Path, text: str, stdin: io.TextIOBase | None = None, **settings) -> tuple[int, str, KnowledgeService]:
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", **settings)
    out = io.StringIO()
    status = run_console(service, s, stdin or io.StringIO(text), out)
    return status, out.getvalue(), service


def test_piped_question_exits_zero_without_prompt_noise():
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from bot.config import Settings; "
         "from bot.service import KnowledgeService; from bot.console import run_console; "
         "sys.exit(run_console(KnowledgeService.open(Path('knowledge')), Settings(feedback_file=Path('/dev/null'))))"],
        input="why Ramstein?\n", capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert PROMPT not in proc.stdout and "\x1b" not in proc.stdout
    assert "New progress in NATO’s space force construction · ¶3" in proc.stdout
    assert "[ Full passage ] [ More results ] [ 👍 ] [ 👎 ]" in proc.stdout
    assert all(display_width(line) <= 80 for line in proc.stdout.splitlines())


def test_commands_and_button_stand_ins(tmp_path):
    status, out, _ = _run(tmp_path, "\n".join([
        "why Ramstein?", "/full", "/full 2", "/full 9", "/more", "/sources", "/help", "/bogus", "", "/ask",
    ]) + "\n")
    assert status == 0
    assert out.count("· ¶3") >= 2  # answer and full passage
    assert "/full takes a result number from 1 to" in out
    assert "More results: why Ramstein?" in out
    assert "Sources" in out and "6 paragraphs" in out
    assert "/more" in out and "/good" in out  # help lists the button commands
    assert "Unknown command /bogus" in out
    assert "Type your question after /ask" in out


def test_buttons_before_any_answer(tmp_path):
    _, out, _ = _run(tmp_path, "/more\n/full\n/good\n")
    assert out.count("Ask a question first") == 3


def test_feedback_is_recorded_once(tmp_path):
    _, out, _ = _run(tmp_path, "why Ramstein?\n/good\n/bad\n")
    assert "Thanks for the 👍" in out and "already rated" in out
    [line] = (tmp_path / "fb.jsonl").read_text().splitlines()
    rec = json.loads(line)
    assert rec["vote"] == "up" and rec["cited"][0]["paragraph"] == 3 and rec["user"] is None


def test_reload_success_and_rollback(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl")
    (kdir / "more.txt").write_text("More\n\nThe orbital relay has twelve engineers.\n")
    out = io.StringIO()
    run_console(service, s, io.StringIO("/reload\n"), out)
    assert "1 document added" in out.getvalue()
    for p in kdir.iterdir():
        p.unlink()
    out = io.StringIO()
    run_console(service, s, io.StringIO("/reload\nwhy Ramstein?\n"), out)
    text = out.getvalue()
    assert "Reload failed" in text and "still answering" in text
    assert "· ¶3" in text  # the old knowledge base still answers


def test_quit_stops_reading(tmp_path):
    status, out, _ = _run(tmp_path, "/quit\nwhy Ramstein?\n")
    assert status == 0 and out == ""


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_shows_banner_prompt_and_hint(tmp_path):
    status, out, _ = _run(tmp_path, "", stdin=_TTY("why Ramstein?\n"))
    assert status == 0
    assert out.startswith("Knowledge base: 1 documents, 6 paragraphs")
    assert out.count(PROMPT) == 2
    assert "(buttons: /full [N], /more, /good, /bad)" in out


def test_ascii_only_terminal_does_not_crash(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    status = run_console(KnowledgeService.open(kdir), Settings(knowledge_dir=kdir, feedback_file=tmp_path / "f"),
                         io.StringIO("why Ramstein?\n"), out)
    out.flush()
    assert status == 0
    text = raw.getvalue().decode("ascii")
    assert text.startswith("+---") and "why Ramstein?" in text


def test_auto_reload_in_console(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", auto_reload=True)

    class Lines(io.StringIO):
        def readline(self, *a):  # add a document between two questions
            line = super().readline(*a)
            if line.startswith("/sources"):
                (kdir / "more.txt").write_text("More\n\nThe orbital relay has twelve engineers.\n")
            return line

    out = io.StringIO()
    run_console(service, s, Lines("why Ramstein?\n/sources\n"), out)
    assert "Knowledge base reloaded" in out.getvalue() and "2 documents" in out.getvalue()
