"""`python -m bot console`: try the bot locally, without Discord.

Each reply goes through the same service and rendering code as Discord and is drawn the
way the embed would look. Works interactively and piped:

    echo "why Ramstein?" | python -m bot console

The prompt only appears on a terminal; at end of input it exits with status 0.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import TextIO

from .answer import Answer
from .config import Settings
from .discord.feedback import FeedbackLog
from .errors import KnowledgeError
from .rendering.messages import (
    MORE_RESULTS_K,
    render_answer,
    render_error,
    render_feedback_thanks,
    render_full_passage,
    render_help,
    render_more_results,
    render_notice,
    render_reload,
    render_reload_error,
    render_sources,
)
from .rendering.reply import ACTION_DOWN, ACTION_UP, ReplyData
from .rendering.terminal import TerminalStyle, render_terminal
from .service import KnowledgeService
from .watch import KnowledgeWatcher

log = logging.getLogger(__name__)

PROMPT = "ask> "
COMMANDS = "/help, /sources, /reload, /full [N], /more, /good, /bad, /quit"
_BOX_PROBE = "╭─│👍¶·…’"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _style_for(stdout: TextIO) -> TerminalStyle:
    tty = _is_tty(stdout)
    width = 80
    if tty:
        width = max(40, min(100, shutil.get_terminal_size((80, 24)).columns))
    encoding = getattr(stdout, "encoding", None) or "utf-8"
    try:
        _BOX_PROBE.encode(encoding)
        ascii_only = False
    except (UnicodeEncodeError, LookupError):
        ascii_only = True
    color = tty and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    return TerminalStyle(width=width, color=color, ascii=ascii_only)


class Console:
    """The REPL state: the last answer, so `/full` and `/more` act like its buttons."""

    def __init__(self, service: KnowledgeService, settings: Settings, stdout: TextIO,
                 interactive: bool) -> None:
        self.service = service
        self.settings = settings
        self.stdout = stdout
        self.interactive = interactive
        self.style = _style_for(stdout)
        self.last: Answer | None = None
        self.voted = False
        self.feedback = FeedbackLog(settings.feedback_file)
        self.watcher = KnowledgeWatcher(service.knowledge_dir) if settings.auto_reload else None

    def show(self, reply: ReplyData) -> None:
        self.stdout.write(render_terminal(reply, self.style) + "\n\n")
        self.stdout.flush()

    def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        if self.watcher is not None and self.watcher.poll(settle=False):
            self.reload(auto=True)
        if not line.startswith("/"):
            self.ask(line)
            return True
        cmd, _, arg = line.partition(" ")
        cmd = cmd.lower()
        arg = arg.strip()
        if cmd in ("/quit", "/exit", "/q"):
            return False
        if cmd == "/ask":
            self.ask(arg) if arg else self.show(render_notice("Type your question after /ask."))
        elif cmd == "/help":
            self.show(render_help(console=True))
        elif cmd == "/sources":
            self.show(render_sources(self.service.sources()))
        elif cmd == "/reload":
            self.reload()
        elif cmd == "/full":
            self.full(arg)
        elif cmd == "/more":
            self.more()
        elif cmd in ("/good", "/up", "/👍"):
            self.vote(ACTION_UP)
        elif cmd in ("/bad", "/down", "/👎"):
            self.vote(ACTION_DOWN)
        else:
            self.show(render_notice(f"Unknown command {cmd}. Commands: {COMMANDS}. "
                                    "Anything else is asked as a question."))
        return True

    def ask(self, question: str) -> None:
        answer = self.service.ask(question, self.settings.top_k)
        reply = render_answer(answer)
        if reply.buttons:
            self.last, self.voted = answer, False
        self.show(reply)
        if reply.buttons and self.interactive:
            self.stdout.write("(buttons: /full [N], /more, /good, /bad)\n\n")

    def _need_answer(self) -> Answer | None:
        if self.last is None:
            self.show(render_notice("Ask a question first: the buttons act on the last answer."))
        return self.last

    def full(self, arg: str) -> None:
        answer = self._need_answer()
        if answer is None:
            return
        n = len(answer.results)
        try:
            i = int(arg) if arg else 1
        except ValueError:
            i = 0
        if not 1 <= i <= n:
            self.show(render_notice(f"/full takes a result number from 1 to {n}."))
            return
        self.show(render_full_passage(answer.results[i - 1]))

    def more(self) -> None:
        answer = self._need_answer()
        if answer is not None:
            self.show(render_more_results(self.service.ask(answer.question, MORE_RESULTS_K)))

    def vote(self, vote: str) -> None:
        answer = self._need_answer()
        if answer is None:
            return
        if self.voted:
            self.show(render_feedback_thanks(vote, already=True))
            return
        try:
            self.feedback.record(question=answer.question, results=answer.results, vote=vote,
                                 user_id=None, answer=answer)
        except OSError as exc:
            self.show(render_notice(f"Could not write feedback to {self.feedback.path}: {exc.strerror or exc}"))
            return
        self.voted = True
        self.show(render_feedback_thanks(vote))

    def reload(self, auto: bool = False) -> None:
        try:
            report = self.service.reload()
        except KnowledgeError as exc:
            self.show(render_reload_error(exc))
            return
        self.show(render_reload(report))


def run_console(
    service: KnowledgeService,
    settings: Settings,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Read questions and commands until end of input; returns the exit status."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    for stream in (stdin, stdout):
        # Odd bytes in a pipe or a terminal that can't show a character must not crash.
        try:
            stream.reconfigure(errors="replace")  # type: ignore[attr-defined]
        except (AttributeError, ValueError, OSError):
            pass
    interactive = _is_tty(stdin)
    console = Console(service, settings, stdout, interactive)
    if interactive:
        kb = service.knowledge
        stdout.write(f"Knowledge base: {len(kb.documents)} documents, {len(kb.passages)} paragraphs. "
                     f"Type a question, /help for commands, Ctrl-D to quit.\n\n")
    try:
        while True:
            if interactive:
                stdout.write(PROMPT)
                stdout.flush()
            line = stdin.readline()
            if not line:
                if interactive:
                    stdout.write("\n")
                return 0
            try:
                if not console.handle(line):
                    return 0
            except KnowledgeError as exc:
                console.show(render_notice(str(exc)))
            except Exception:
                log.exception("console command failed: %r", line[:200])
                console.show(render_error())
    except KeyboardInterrupt:
        stdout.write("\n")
        return 130
    finally:
        stdout.flush()
