"""`python -m bot console`: try the bot locally, without Discord.

Each reply goes through the same service and rendering code as Discord and is drawn the
way the embed would look. Works interactively and piped:

    echo "why Ramstein?" | python -m bot console

The prompt only appears on a terminal; at end of input it exits with status 0.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import shutil
import stat
import sys
from pathlib import Path
from types import ModuleType
from typing import TextIO

from .app import App, fingerprint
from .config import Settings
from .errors import KnowledgeError
from .outcomes import CONSOLE_ACTOR, RELOAD_FAILED, Asked, FullPassage, Refused, Stale
from .rendering.cli import (
    BUTTONS_HINT,
    PROMPT,
    console_welcome,
    gaps_next_page,
    kb_next_page,
    render_ask_needs_question,
    render_cannot_read,
    render_full_range,
    render_gaps_usage,
    render_kb_usage,
    render_no_last_answer,
    render_teach_usage,
    render_unknown_command,
)
from .rendering.errors import NOT_A_REGULAR_FILE
from .rendering.kb import (
    render_forgotten,
    render_gaps,
    render_kb_added,
    render_kb_list,
    render_kb_removed,
    render_kb_show,
    render_refused,
    render_reload_refused,
    render_reloaded,
    render_taught,
    render_vote,
)
from .rendering.messages import (
    example_question,
    render_answer,
    render_error,
    render_full_passage,
    render_help,
    render_more_results,
    render_notice,
    render_sources,
)
from .rendering.reply import ACTION_DOWN, ACTION_UP, ReplyData
from .rendering.terminal import TerminalStyle, render_terminal
from .retrieval.chat import asks_for_help
from .service import KnowledgeService
from .watch import KnowledgeWatcher

log = logging.getLogger(__name__)

ACTOR = CONSOLE_ACTOR  # the console user is a local admin
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


HISTORY_LENGTH = 1000


def history_path(settings: Settings) -> Path:
    """Where typed lines are remembered between sessions: beside the bot's database."""
    return Path(settings.data_dir) / "console_history"


def log_path(settings: Settings) -> Path:
    """Where the console writes log lines below WARNING (they would interleave with replies)."""
    return Path(settings.data_dir) / "console.log"


class LineReader:
    """Input lines with editing and history (readline) on a terminal; a plain read of the
    stream when piped, when the streams are not the process's own terminal, or when
    readline is missing (Windows without pyreadline)."""

    def __init__(self, stdin: TextIO, stdout: TextIO, interactive: bool, history: Path | None) -> None:
        self.stdin, self.stdout, self.interactive = stdin, stdout, interactive
        self.history = history
        self._readline: ModuleType | None = None
        if interactive and stdin is sys.stdin and stdout is sys.stdout:
            try:
                self._readline = importlib.import_module("readline")
            except ImportError:
                pass  # no line editing: plain reads
        if self._readline is not None and history is not None:
            try:
                self._readline.read_history_file(history)
            except (OSError, ValueError):
                pass  # no history yet, or unreadable: start without
            self._readline.set_history_length(HISTORY_LENGTH)

    def read(self) -> str:
        """One line with its newline, or "" at end of input."""
        if self._readline is not None:
            try:
                return input(PROMPT) + "\n"  # input() uses readline on a terminal
            except EOFError:
                return ""
        if self.interactive:
            self.stdout.write(PROMPT)
            self.stdout.flush()
        return self.stdin.readline()

    def close(self) -> None:
        if self._readline is None or self.history is None:
            return
        try:
            self.history.parent.mkdir(parents=True, exist_ok=True)
            self._readline.write_history_file(self.history)
        except OSError as exc:
            log.warning("could not save the console history to %s: %s", self.history, exc)


class Console:
    """The REPL state: the last answer's key, so `/full` and `/more` act like its buttons.
    Every command is dispatched to the application layer and its result rendered."""

    def __init__(
        self, service: KnowledgeService, settings: Settings, stdout: TextIO, interactive: bool, app: App | None = None
    ) -> None:
        self.service = service
        self.settings = settings
        self.stdout = stdout
        self.interactive = interactive
        self.style = _style_for(stdout)
        self.app = app or App(service, settings)
        self.last: str | None = None  # key of the last answer with buttons
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
            # What a newcomer types first, without the slash: the commands, not a search.
            if line.lower().rstrip(".!") in ("quit", "exit"):
                return False
            if asks_for_help(line):
                self.help()
                return True
            self.ask(line)
            return True
        cmd, _, arg = line.partition(" ")
        cmd = cmd.lower()
        arg = arg.strip()
        if cmd in ("/quit", "/exit", "/q"):
            return False
        if cmd == "/ask":
            self.ask(arg) if arg else self.show(render_ask_needs_question())
        elif cmd == "/help":
            self.help()
        elif cmd == "/sources":
            self.show(render_sources(self.service.sources()))
        elif cmd == "/reload":
            self.reload()
        elif cmd == "/full":
            self.full(arg)
        elif cmd == "/more":
            self.more()
        elif cmd == "/reply":
            self.reply(arg) if arg else self.show(render_ask_needs_question())
        elif cmd in ("/good", "/up", "/👍"):
            self.vote(ACTION_UP)
        elif cmd in ("/bad", "/down", "/👎"):
            self.vote(ACTION_DOWN)
        elif cmd == "/gaps":
            self.gaps(arg)
        elif cmd == "/teach":
            self.teach(arg)
        elif cmd == "/kb":
            self.kb(arg)
        elif cmd in ("/forget-me", "/forgetme"):
            self.show(render_forgotten(self.app.forget_me(ACTOR)))
        else:
            self.show(render_unknown_command(cmd))
        return True

    def help(self) -> None:
        example = example_question(self.service.sources(), self.settings.example_question)
        self.show(render_help(console=True, example=example))

    def ask(self, question: str, follows: str | None = None, read: str | None = None) -> None:
        outcome = self.app.ask(ACTOR, question, self.app.new_key(), rate_limit=False, follows=follows, read=read)
        assert isinstance(outcome, Asked)  # no rate limit on the local console
        reply = render_answer(outcome.answer, learned=outcome.learned)
        if reply.buttons:
            self.last = outcome.key
        self.show(reply)
        if reply.buttons and self.interactive:
            self.stdout.write(BUTTONS_HINT)

    def reply(self, question: str) -> None:
        """A reply to the last answer, as on Discord: its question read in that context, and
        the passage it showed not shown again as the answer."""
        key = self._need_answer()
        state = self.app.answer_state(key) if key is not None else None
        if state is None:
            return
        best = state.answer.best
        if not state.answer.answered or best is None:  # as on Discord: a no-answer is where teachers answer
            self.show(render_no_last_answer())
            return
        self.ask(question, state.question, fingerprint(best))

    def _need_answer(self) -> str | None:
        if self.last is None or self.app.answer_state(self.last) is None:
            self.show(render_no_last_answer())
            return None
        return self.last

    def full(self, arg: str) -> None:
        key = self._need_answer()
        if key is None:
            return
        state = self.app.answer_state(key)
        n = len(state.answer.results) if state is not None else 0
        try:
            i = int(arg) if arg else 1
        except ValueError:
            i = 0
        full = self.app.full(key, i)
        if not isinstance(full, FullPassage) or full.result is None:
            self.show(render_full_range(n))
            return
        self.show(render_full_passage(full.result, learned=full.learned))

    def more(self) -> None:
        key = self._need_answer()
        if key is None:
            return
        more = self.app.more(key)
        if not isinstance(more, Stale):
            self.show(render_more_results(more.answer, learned=more.learned))

    def vote(self, vote: str) -> None:
        key = self._need_answer()
        if key is not None:
            self.show(render_vote(self.app.vote(ACTOR, key, vote)))

    def reload(self, auto: bool = False) -> None:
        outcome = self.app.reload(ACTOR)
        if isinstance(outcome, Refused):
            if outcome.reason == RELOAD_FAILED:
                self.show(render_reload_refused(outcome))
            else:
                self.show(render_refused(outcome))
            return
        self.show(render_reloaded(outcome))

    def gaps(self, arg: str) -> None:
        """`/gaps [7|30] [PAGE]`."""
        parts = arg.split()
        if any(not p.isdigit() for p in parts) or len(parts) > 2:
            self.show(render_gaps_usage())
            return
        days = int(parts[0]) if parts else 7
        page = int(parts[1]) if len(parts) > 1 else 1
        result = self.app.gaps(ACTOR, max(1, min(days, 365)), page)
        if isinstance(result, Refused):
            self.show(render_refused(result))
            return
        # Typed commands stand in for the page and CSV buttons here.
        self.show(dataclasses.replace(render_gaps(result), buttons=()))
        if result.pages > 1 and result.page < result.pages:
            self.stdout.write(gaps_next_page(result.days, result.page + 1))

    def teach(self, arg: str) -> None:
        """`/teach QUESTION | ANSWER`."""
        question, bar, answer = arg.partition("|")
        if not bar:
            self.show(render_teach_usage())
            return
        result = self.app.teach(ACTOR, question.strip(), answer.strip(), "console")
        self.show(render_refused(result) if isinstance(result, Refused) else render_taught(result))

    def kb(self, arg: str) -> None:
        """`/kb list [PAGE]`, `/kb show DOCUMENT`, `/kb add PATH [replace]`, `/kb remove DOCUMENT`."""
        sub, _, rest = arg.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        if sub == "list":
            page = int(rest) if rest.isdigit() else 1
            result = self.app.kb_list(ACTOR, page)
            if isinstance(result, Refused):
                self.show(render_refused(result))
                return
            self.show(dataclasses.replace(render_kb_list(result), buttons=()))
            if result.page < result.pages:
                self.stdout.write(kb_next_page(result.page + 1))
        elif sub == "show" and rest:
            shown = self.app.kb_show(ACTOR, rest)
            self.show(render_refused(shown) if isinstance(shown, Refused) else render_kb_show(shown))
        elif sub == "add" and rest:
            self.kb_add(rest)
        elif sub == "remove" and rest:
            removed = self.app.kb_remove(ACTOR, rest)
            self.show(render_refused(removed) if isinstance(removed, Refused) else render_kb_removed(removed))
        else:
            self.show(render_kb_usage())

    def kb_add(self, rest: str) -> None:
        replace = False
        if rest.lower().endswith(" replace"):
            rest, replace = rest[: -len(" replace")].rstrip(), True
        path = Path(rest.strip("\"'")).expanduser()
        try:
            data = _read_upload(path, self.app.max_file_bytes + 1)  # one byte over is enough to be refused
        except OSError as exc:
            self.show(render_cannot_read(str(path), str(exc.strerror or exc)))
            return
        if data is None:
            self.show(render_cannot_read(str(path), NOT_A_REGULAR_FILE))
            return
        added = self.app.kb_add(ACTOR, path.name, data, replace)
        self.show(render_refused(added) if isinstance(added, Refused) else render_kb_added(added))


def _read_upload(path: Path, limit: int) -> bytes | None:
    """Up to `limit` bytes of the file at `path`; None when it is not a regular file. Opened
    without waiting: a named pipe would otherwise block until a writer comes, maybe never."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None  # a pipe, a device, a folder
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(limit)
    finally:
        os.close(fd)


def run_console(
    service: KnowledgeService,
    settings: Settings,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    app: App | None = None,
) -> int:
    """Read questions and commands until end of input; returns the exit status."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    for stream in (stdin, stdout):
        # Odd bytes in a pipe or a terminal that can't show a character must not crash.
        try:
            reconfigure = getattr(stream, "reconfigure", None)  # TextIOWrapper has it; test doubles may not
            if reconfigure is not None:
                reconfigure(errors="replace")
        except (ValueError, OSError):
            pass
    interactive = _is_tty(stdin)
    console = Console(service, settings, stdout, interactive, app)
    reader = LineReader(stdin, stdout, interactive, history_path(settings))
    if interactive:
        kb = service.knowledge
        stdout.write(console_welcome(len(kb.documents), len(kb.passages)))
    try:
        while True:
            line = reader.read()
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
        reader.close()
        stdout.flush()
