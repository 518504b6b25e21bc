"""Command line: `python -m bot start | run | console | ask | eval | index | gaps`.

The only place that reads .env. Every command builds the knowledge service once and is a
thin adapter over it; errors a user can cause print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from .answer import Answer, EngineConfig
from .config import TOP_K_MAX, Settings
from .documents.decode import drop_controls
from .documents.loader import LoadConfig
from .errors import BotError, KnowledgeError
from .progress import default_progress
from .rendering.cli import (
    CLI_HELP,
    bad_days,
    bad_top_k,
    cannot_write,
    cli_error,
    console_log_unwritable,
    count,
    gaps_written,
    index_built,
    index_unsaved,
    index_up_to_date,
    no_command,
    question_log_unreadable,
    top_k_help,
)
from .rendering.startup import CONSOLE_INSTEAD, RUN_WITHOUT_TOKEN
from .retrieval.answerability import AnswerParams
from .semantic.embedder import load_embedder
from .service import KnowledgeService

log = logging.getLogger(__name__)

MAX_DAYS = 3650  # --days: ten years back is already more than any question log keeps


def _settings(args: argparse.Namespace) -> Settings:
    from dotenv import load_dotenv

    # .env fills in what the environment lacks; real environment variables win.
    load_dotenv(Path.cwd() / ".env", override=False)
    env = dict(os.environ)
    if getattr(args, "knowledge", None):
        env["KNOWLEDGE_DIR"] = str(args.knowledge)
    settings = Settings.from_env(env)
    # Messages about the folder (missing, empty, unreadable) then name the absolute path:
    # a relative KNOWLEDGE_DIR depends on where the command was started.
    settings = dataclasses.replace(settings, knowledge_dir=settings.knowledge_dir.absolute())
    # The bot logs at LOG_LEVEL (INFO by default); one-shot commands stay quiet unless asked.
    explicit = "LOG_LEVEL" in env or args.command in ("run", "start")
    _setup_logging(settings.log_level if explicit else "WARNING")
    return settings


class _PlainFormatter(logging.Formatter):
    """Log lines without terminal escapes or control characters: a logged file name (from a
    knowledge folder someone else filled) must not run in the terminal reading the log."""

    def format(self, record: logging.LogRecord) -> str:
        return drop_controls(super().format(record))


def _setup_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PlainFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def open_service(settings: Settings) -> KnowledgeService:
    """The one service every command adapts; builds over two seconds show progress."""
    embedder = load_embedder(settings.semantic_model, threads=2)
    if embedder is None and settings.semantic_model != "off":
        from .rendering.messages import semantic_off_notice

        print(semantic_off_notice(settings.semantic_model), file=sys.stderr)  # once, at start-up
    return KnowledgeService.open(
        settings.knowledge_dir,
        EngineConfig(top_k=settings.top_k, answer=AnswerParams(threshold=settings.answer_threshold)),
        LoadConfig.with_extra_markers(settings.junk_markers, settings.max_file_mb),
        progress=default_progress,
        build_workers=settings.build_workers,
        embedder=embedder,
        cache_root=Path(settings.data_dir) / "kb-cache",  # used when the knowledge folder is read-only
    )


def answer_json(answer: Answer) -> dict:
    """The stable JSON shape of `ask --json` (one object per question)."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "results": [
            {
                "document": r.citation.document,
                "title": r.citation.title,
                "paragraph": r.citation.paragraph,
                "score": round(r.score, 6),
                "text": r.passage.text,
                "snippet": r.snippet.text,
                "section": list(r.citation.section),
                "url": r.citation.url,
            }
            for r in answer.results
        ],
    }


def _questions(question: str, stdin: TextIO) -> Iterable[str]:
    """The question, or with "-" one per line of stdin, decoded leniently: a stray invalid
    byte becomes U+FFFD instead of ending the run, and a BOM or CR never reaches the JSON."""
    if question != "-":
        yield question
        return
    raw = getattr(stdin, "buffer", None)
    lines = (b.decode("utf-8", errors="replace") for b in raw) if raw is not None else stdin
    for line in lines:
        line = line.lstrip("\ufeff").rstrip("\r\n")
        if line.strip():
            yield line


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    from .text import strip_mention_syntax  # mentions are not words of a question (as App.ask)

    settings = _settings(args)
    service = open_service(settings)
    service.wait_semantic()  # one-shot: answer as well as a running bot would
    top_k = args.top_k or settings.top_k
    if args.json:
        for q in _questions(args.question, sys.stdin):
            out.write(json.dumps(answer_json(service.ask(strip_mention_syntax(q), top_k)), ensure_ascii=False) + "\n")
            out.flush()
        return 0
    from .rendering.messages import render_answer
    from .rendering.terminal import to_text

    for q in _questions(args.question, sys.stdin):
        out.write(to_text(render_answer(service.ask(strip_mention_syntax(q), top_k))) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from .evaluate import evaluate_file
    from .rendering.evaluation import render_eval_report

    settings = _settings(args)
    service = open_service(settings)
    service.wait_semantic()
    report = evaluate_file(service, Path(args.file))
    out.write(render_eval_report(report) + "\n")
    return 0


def _setup_console_logging(settings: Settings) -> None:
    """In the console the replies are the output: only warnings go to stderr; a LOG_LEVEL
    below WARNING, when asked for, goes to a file instead of between the replies."""
    from .console import log_path

    requested = logging.getLevelName(settings.log_level) if "LOG_LEVEL" in os.environ else logging.WARNING
    requested = requested if isinstance(requested, int) else logging.WARNING
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.WARNING)
    handlers: list[logging.Handler] = [stderr]
    if requested < logging.WARNING:
        path = log_path(settings)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(logging.FileHandler(path, encoding="utf-8"))
        except OSError as exc:
            print(console_log_unwritable(str(path), str(exc)), file=sys.stderr)
    for h in handlers:
        h.setFormatter(fmt)
    logging.basicConfig(level=min(requested, logging.WARNING), handlers=handlers, force=True)


def cmd_console(args: argparse.Namespace, out: TextIO) -> int:
    from .console import run_console

    settings = _settings(args)
    _setup_console_logging(settings)
    service = open_service(settings)
    return run_console(service, settings, sys.stdin, out)


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    settings = _settings(args)
    if not settings.discord_token:
        print(RUN_WITHOUT_TOKEN, file=sys.stderr)
        return 2
    from .discord.client import run_bot

    service = open_service(settings)
    return run_bot(settings, service)


def cmd_start(args: argparse.Namespace, out: TextIO) -> int:
    """`make run`: the bot when a token is configured, else the local console."""
    settings = _settings(args)
    if settings.discord_token:
        return cmd_run(args, out)
    print(CONSOLE_INSTEAD, file=sys.stderr)
    return cmd_console(args, out)


def cmd_index(args: argparse.Namespace, out: TextIO) -> int:
    """Build (or load) the index and save it; start-up and /reload then use it."""
    settings = _settings(args)
    service = open_service(settings)
    service.wait_semantic()  # the passage vectors are saved beside the index too
    built = service.built
    kb = service.knowledge
    what = f"{count(len(kb.documents), 'document')}, {count(len(kb.passages), 'paragraph')}"
    if built.saved:
        out.write(index_up_to_date(what, str(service.saved_folder), built.seconds))
        return 0
    if service.last_save is None:  # the automatic save failed: try again, and say why
        try:
            service.last_save = service.save_index()
        except OSError as exc:
            raise KnowledgeError(index_unsaved(str(service.saved_folder), str(exc.strerror or exc))) from None
    path, save_s = service.last_save
    out.write(index_built(what, built.seconds, str(path), save_s))
    return 0


def cmd_gaps(args: argparse.Namespace, out: TextIO) -> int:
    """The knowledge gaps from the database, as text (and as CSV with --csv FILE). Needs
    no knowledge base: it only reads the question log."""
    from .gaps import gaps_csv, gaps_page, group_gaps
    from .rendering.kb import gaps_text
    from .storage import Store, StoreError

    settings = _settings(args)
    store = Store.in_dir(settings.data_dir, warn=False)  # a problem is reported below, in one line
    try:
        gaps = group_gaps(store.gap_rows(args.days))
        store.audit(
            actor=store.hash_user("cli"),
            action="gaps",
            target=f"{args.days} days",
            result="ok",
            detail=f"csv {args.csv}" if args.csv else None,
        )
    except StoreError as exc:
        raise BotError(question_log_unreadable(str(settings.data_dir), str(exc))) from None
    finally:
        store.close()
    out.write(gaps_text(gaps_page(gaps, args.days)) + "\n")
    if args.csv:
        try:
            Path(args.csv).write_text(gaps_csv(gaps), encoding="utf-8", newline="")
        except OSError as exc:
            raise BotError(cannot_write(args.csv, str(exc.strerror or exc))) from None
        out.write(gaps_written(len(gaps), args.csv))
    return 0


def build_parser() -> argparse.ArgumentParser:
    h = CLI_HELP
    ap = argparse.ArgumentParser(prog="python -m bot", description=h[""])
    # Not required: with no command main() prints the overview instead of argparse's error.
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")

    def with_knowledge(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--knowledge", metavar="DIR", help=h["--knowledge"])
        return p

    with_knowledge(sub.add_parser("start", help=h["start"])).set_defaults(func=cmd_start)
    with_knowledge(sub.add_parser("run", help=h["run"])).set_defaults(func=cmd_run)
    with_knowledge(sub.add_parser("console", help=h["console"])).set_defaults(func=cmd_console)
    p = with_knowledge(sub.add_parser("ask", help=h["ask"]))
    p.add_argument("question", help=h["ask question"])
    p.add_argument("--json", action="store_true", help=h["ask --json"])
    p.add_argument("--top-k", type=int, default=None, metavar="K", help=top_k_help(TOP_K_MAX))
    p.set_defaults(func=cmd_ask)
    p = with_knowledge(sub.add_parser("eval", help=h["eval"]))
    p.add_argument("file", help=h["eval file"])
    p.set_defaults(func=cmd_eval)
    with_knowledge(sub.add_parser("index", help=h["index"])).set_defaults(func=cmd_index)
    p = sub.add_parser("gaps", help=h["gaps"])
    p.add_argument("--days", type=int, default=7, metavar="N", help=h["gaps --days"])
    p.add_argument("--csv", metavar="FILE", help=h["gaps --csv"])
    p.set_defaults(func=cmd_gaps)
    return ap


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        print(no_command(parser.prog), file=sys.stderr)
        return 2  # still an error for a script that forgot the command
    if getattr(args, "top_k", None) is not None and not 1 <= args.top_k <= TOP_K_MAX:
        print(bad_top_k(TOP_K_MAX), file=sys.stderr)
        return 2
    if getattr(args, "days", None) is not None and not 1 <= args.days <= MAX_DAYS:
        print(bad_days(MAX_DAYS), file=sys.stderr)
        return 2
    out = out or sys.stdout
    try:
        return args.func(args, out)
    except BotError as exc:
        print(cli_error(str(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
