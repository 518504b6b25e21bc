"""The local mock client: piped and interactive use, commands, button stand-ins."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from bot.config import Settings
from bot.console import PROMPT, LineReader, run_console
from bot.rendering.terminal import display_width
from bot.service import KnowledgeService
from bot.storage import Store
from tests.fakes.handler_fakes import make_knowledge

ROOT = Path(__file__).resolve().parents[2]


def _run(
    tmp_path: Path, text: str, stdin: io.TextIOBase | None = None, **settings
) -> tuple[int, str, KnowledgeService]:
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    settings.setdefault("data_dir", tmp_path / "data")
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", **settings)
    out = io.StringIO()
    status = run_console(service, s, stdin or io.StringIO(text), out)
    return status, out.getvalue(), service


def test_piped_question_exits_zero_without_prompt_noise(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from bot.config import Settings; "
            "from bot.service import KnowledgeService; from bot.console import run_console; "
            "sys.exit(run_console(KnowledgeService.open(Path('knowledge')), Settings(feedback_file=Path('/dev/null'), "
            f"data_dir=Path({str(tmp_path / 'data')!r}))))",
        ],
        input="why Ramstein?\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "SEMANTIC_MODEL": "off"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert PROMPT not in proc.stdout and "\x1b" not in proc.stdout
    assert "New progress in NATO’s space force construction · ¶3" in proc.stdout
    assert "[ Full passage ] [ More results ] [ 👍 ] [ 👎 ]" in proc.stdout
    assert all(display_width(line) <= 80 for line in proc.stdout.splitlines())


def test_commands_and_button_stand_ins(tmp_path):
    status, out, _ = _run(
        tmp_path,
        "\n".join(
            [
                "why Ramstein?",
                "/full",
                "/full 2",
                "/full 9",
                "/more",
                "/sources",
                "/help",
                "/bogus",
                "",
                "/ask",
            ]
        )
        + "\n",
    )
    assert status == 0
    assert out.count("· ¶3") >= 2  # answer and full passage
    assert "/full takes a result number from 1 to" in out
    assert "More results: why Ramstein?" in out
    assert "Sources" in out and "6 paragraphs" in out
    assert "/more" in out and "/good" in out  # help lists the button commands
    assert "Unknown command /bogus" in out
    assert "Type your question after /ask" in out


def test_buttons_before_any_answer(tmp_path):
    _, out, _ = _run(tmp_path, "/more\n/full\n/good\n/reply and why?\n")
    assert out.count("Ask a question first") == 4


def test_reply_follows_the_last_answer_up(tmp_path):
    """As a reply under an answer on Discord: read in its context, and not the passage the
    answer already showed."""
    _, out, _ = _run(tmp_path, "what is nato planning in germany?\n/reply and why there?\n/reply\n")
    first, _, rest = out.partition("what is nato planning in germany? → and why there?")
    assert "— New progress in NATO’s space force construction · ¶1" in first and rest, out
    # The reasons for the place, not ¶1 again.
    assert "— New progress in NATO’s space force construction · ¶3" in rest and "· ¶1" not in rest
    assert "Type your question after /ask" in rest


def test_feedback_is_recorded_once(tmp_path):
    _, out, _ = _run(tmp_path, "why Ramstein?\n/good\n/bad\n")
    assert "Thanks for the 👍" in out and "already rated" in out
    [rec] = Store.in_dir(tmp_path / "data").votes()
    assert rec["vote"] == "up" and rec["cited"][0]["paragraph"] == 3 and len(rec["user"]) == 64


def test_reload_success_and_rollback(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", data_dir=tmp_path / "data")
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


def test_a_console_reload_without_the_knowledge_folder_keeps_the_command_line_advice(tmp_path):
    # The console's user runs the bot: KNOWLEDGE_DIR and --knowledge are theirs to set.
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", data_dir=tmp_path / "data")
    shutil.rmtree(kdir)
    out = io.StringIO()
    run_console(service, s, io.StringIO("/reload\n"), out)
    text = " ".join(out.getvalue().replace("│", " ").split())  # the box's lines, joined
    assert "does not exist" in text and "set KNOWLEDGE_DIR (or pass --knowledge DIR)" in text


def test_console_changes_without_the_knowledge_folder_keep_the_command_line_advice(tmp_path):
    # As for /reload: /kb add, /kb remove and /teach word the folder for whoever runs the bot.
    kdir = make_knowledge(tmp_path / "knowledge")
    upload = tmp_path / "guide.md"
    upload.write_text("# Guide\n\nParking is behind building 3.\n", encoding="utf-8")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", data_dir=tmp_path / "data")
    shutil.rmtree(kdir)
    for command in (f"/kb add {upload}", "/kb remove nato-space-center-ramstein.txt", "/teach where? | Here."):
        out = io.StringIO()
        run_console(service, s, io.StringIO(command + "\n"), out)
        text = " ".join(out.getvalue().replace("│", " ").split())  # the box's lines, joined
        assert "does not exist" in text and "set KNOWLEDGE_DIR (or pass --knowledge DIR)" in text, (command, text)
        assert "Nothing was changed" in text and not kdir.exists()


def test_quit_stops_reading(tmp_path):
    status, out, _ = _run(tmp_path, "/quit\nwhy Ramstein?\n")
    assert status == 0 and out == ""


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_interactive_shows_banner_prompt_and_hint(tmp_path):
    status, out, _ = _run(tmp_path, "", stdin=_TTY("why Ramstein?\n"))
    assert status == 0
    assert out.startswith("Knowledge base: 1 document, 6 paragraphs.")  # not "1 documents"
    assert out.count(PROMPT) == 2
    assert "(buttons: /full [N], /more, /good, /bad)" in out


def test_ascii_only_terminal_does_not_crash(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    status = run_console(
        KnowledgeService.open(kdir),
        Settings(knowledge_dir=kdir, feedback_file=tmp_path / "f", data_dir=tmp_path / "data"),
        io.StringIO("why Ramstein?\n"),
        out,
    )
    out.flush()
    assert status == 0
    text = raw.getvalue().decode("ascii")
    assert text.startswith("+---") and "why Ramstein?" in text


def test_auto_reload_in_console(tmp_path):
    kdir = make_knowledge(tmp_path / "knowledge")
    service = KnowledgeService.open(kdir)
    s = Settings(knowledge_dir=kdir, feedback_file=tmp_path / "fb.jsonl", data_dir=tmp_path / "data", auto_reload=True)

    class Lines(io.StringIO):
        def readline(self, *a):  # add a document between two questions
            line = super().readline(*a)
            if line.startswith("/sources"):
                (kdir / "more.txt").write_text("More\n\nThe orbital relay has twelve engineers.\n")
            return line

    out = io.StringIO()
    run_console(service, s, Lines("why Ramstein?\n/sources\n"), out)
    assert "Knowledge base reloaded" in out.getvalue() and "2 documents" in out.getvalue()


# ---------------------------------------------------------------------------- issue 11 commands


def test_teaching_flow_in_the_console(tmp_path):
    status, out, service = _run(
        tmp_path,
        "\n".join(
            [
                "where do I park my car?",
                "/gaps",
                "/teach Where do I park my car? | Visitors park behind building 3.",
                "where can I park?",
                "/gaps",
                "/teach only a question",
                "/teach Q? | ",
            ]
        )
        + "\n",
    )
    assert status == 0
    gaps_before, rest = out.split("Learned: thanks!", 1)
    assert "Knowledge gaps · last 7 days" in gaps_before and "where do I park my car?" in gaps_before
    assert "1 time (1 unanswered)" in gaps_before
    assert "learned/where-do-i-park-" in rest
    assert "Visitors park behind building 3." in rest and "Learned answer · taught on" in rest
    assert "No knowledge gaps in the last 7 days" in rest
    assert "Usage: /teach QUESTION | ANSWER" in rest and "the answer is empty" in rest
    learned = (service.knowledge_dir / "learned" / "where-do-i-park-my-car.md").read_text()
    assert 'source: "console"' in learned


def test_kb_commands_in_the_console(tmp_path):
    doc = tmp_path / "Parking Guide.md"
    doc.write_text("# Parking guide\n\nVisitors park behind building 3.\n")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    status, out, service = _run(
        tmp_path,
        "\n".join(
            [
                f"/kb add {doc}",
                "/kb list",
                f"/kb add {doc}",
                f"/kb add {binary}",
                f"/kb add {tmp_path}/missing.md",
                "/kb show Parking-Guide.md",
                "where do visitors park?",
                "/kb remove uploads/Parking-Guide.md",
                "/kb list",
                "/kb",
                "/kb remove nothing",
            ]
        )
        + "\n",
    )
    assert status == 0
    assert "Added uploads/Parking-Guide.md" in out and "1 document added" in out
    assert "Parking guide — 1 passage · uploaded" in out
    assert "already exists: set replace to true" in out
    assert "looks binary" in out and "Nothing was changed" in out
    assert "Cannot read" in out and "missing.md" in out
    assert "Parking guide · ¶1" in out
    assert "Removed uploads/Parking-Guide.md" in out
    assert "Usage: /kb list" in out and "there is no document `nothing`" in out
    assert not (service.knowledge_dir / "uploads" / "Parking-Guide.md").exists()


def test_kb_add_of_a_pipe_or_a_folder_is_refused_without_waiting(tmp_path):
    # Opening a named pipe for reading waits for a writer that may never come.
    pipe = tmp_path / "notes.md"
    os.mkfifo(pipe)
    result: list[str] = []
    text = f"/kb add {pipe}\n/kb add {tmp_path}\n"
    worker = threading.Thread(target=lambda: result.append(_run(tmp_path, text)[1]), daemon=True)
    worker.start()
    worker.join(30)
    assert result, "/kb add of a named pipe hung"
    out = " ".join(result[0].split())
    assert f"Cannot read {pipe}: it is not a regular file" in out
    assert f"Cannot read {tmp_path}: it is not a regular file" in out
    assert not (tmp_path / "knowledge" / "uploads").exists()


def test_forget_me_in_the_console(tmp_path):
    _, out, _ = _run(tmp_path, "why Ramstein?\n/bad\nwhere do I park?\n/forget-me\n/forget-me\n")
    assert "Done: I deleted 3 rows about you" in out
    assert "I hold nothing about you" in out


def test_help_quit_and_exit_typed_without_the_slash(tmp_path):
    """What a newcomer types first: "help" shows the help (it was searched, answered "no
    answer" and logged as a knowledge gap), "exit" leaves as /quit does."""
    status, out, _ = _run(tmp_path, "help\nexit\nwhy Ramstein?\n")
    assert status == 0
    assert "How to ask" in out and "/sources" in out and "has no answer to that" not in out
    assert "¶3" not in out  # nothing was read after "exit"
    store = Store.in_dir(tmp_path / "data")
    assert store.gap_rows(7) == []
    status, out, _ = _run(tmp_path, "Quit\nwhy Ramstein?\n")
    assert status == 0 and out == ""


def test_help_lists_the_new_commands(tmp_path):
    _, out, _ = _run(tmp_path, "/help\n")
    for cmd in ("/gaps", "/teach QUESTION | ANSWER", "/kb list", "/kb add PATH", "/kb remove DOCUMENT", "/forget-me"):
        assert cmd in out


def _pty_console(tmp_path: Path, keys: list[bytes], env_extra: dict[str, str]) -> str:
    """Run `python -m bot console` on a pseudo-terminal, type `keys` (one line each, after
    each prompt) and return everything the terminal showed."""
    import os
    import pty
    import select
    import time

    kdir = make_knowledge(tmp_path / "knowledge")
    master, slave = pty.openpty()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TERM": "xterm",
        "NO_COLOR": "1",
        "PYTHONPATH": str(ROOT),
        "SEMANTIC_MODEL": "off",
        **env_extra,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--knowledge", str(kdir)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60

    def read_until_prompts(n: int) -> None:
        nonlocal seen
        while seen.count(PROMPT.encode()) < n and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    return

    try:
        for i, key in enumerate(keys, start=1):
            read_until_prompts(i)
            os.write(master, key)
        read_until_prompts(len(keys) + 1)
        os.write(master, b"\x04")  # Ctrl-D
        proc.wait(timeout=30)
        while True:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return seen.decode("utf-8", "replace")


def test_terminal_console_edits_lines_remembers_history_and_keeps_logs_out(tmp_path):
    import importlib.util

    if importlib.util.find_spec("readline") is None:
        import pytest

        pytest.skip("no readline on this platform: the console reads plain lines there")
    # "why Ramstein?", then Up-arrow + Enter recalls it; Left-arrow edits inside a line.
    shown = _pty_console(
        tmp_path, [b"why Ramstein?\r", b"\x1b[A\r", b"why Ramstein\x1b[D\x1b[Cx\x7f?\r"], {"LOG_LEVEL": "INFO"}
    )
    assert shown.count("New progress in NATO’s space force construction · ¶3") == 3, shown[-3000:]
    assert "^[[A" not in shown
    assert " INFO " not in shown  # no log lines between replies...
    assert (tmp_path / "data" / "console.log").exists()  # ...LOG_LEVEL=INFO goes to a file under DATA_DIR
    history = (tmp_path / "data" / "console_history").read_text(encoding="utf-8")
    assert "why Ramstein?" in history


def test_line_reader_without_a_terminal_reads_plain_lines(tmp_path):
    history = tmp_path / "history"
    reader = LineReader(io.StringIO("a\nb\n"), io.StringIO(), False, history)
    assert [reader.read(), reader.read(), reader.read()] == ["a\n", "b\n", ""]
    reader.close()
    assert not history.exists()  # piped input is not remembered
