"""The command line's and the local console's own lines: usage hints, progress of `index`
and `gaps`, argument errors. Pure, like the rest of bot/rendering; what the bot answers is
rendered by messages.py and kb.py and drawn by terminal.py, as on Discord."""

from __future__ import annotations

from .messages import render_notice
from .reply import ReplyData

PROMPT = "ask> "
CONSOLE_COMMANDS = (
    "/help, /sources, /reload, /full [N], /more, /good, /bad, /gaps [7|30] [PAGE], "
    "/teach QUESTION | ANSWER, /kb list [PAGE], /kb show DOCUMENT, /kb add PATH [replace], "
    "/kb remove DOCUMENT, /forget-me, /quit"
)
BUTTONS_HINT = "(buttons: /full [N], /more, /good, /bad)\n\n"


# `python -m bot --help`: the program, each command, and each option ("ask --json").
CLI_HELP = {
    "": "Answer questions from a knowledge base, on Discord or locally.",
    "--knowledge": "knowledge directory (default: $KNOWLEDGE_DIR or ./knowledge)",
    "start": "the bot if DISCORD_TOKEN is set, else the console",
    "run": "run the Discord bot",
    "console": "local mock client: ask and see the replies as embeds",
    "ask": "answer a question (or '-' for one per line on stdin)",
    "ask question": "the question, or - to read one question per line from stdin",
    "ask --json": "print one JSON object per question",
    "eval": "measure answers against a question file (JSONL)",
    "eval file": "JSONL with q, paras, gold (see ../shared/eval/article-questions.jsonl)",
    "index": "build the index and save it beside the knowledge directory",
    "gaps": "questions the bot could not answer or that got 👎, grouped",
    "gaps --days": "how many days back (default 7)",
    "gaps --csv": "also write every gap to FILE as CSV",
}


def no_command(prog: str) -> str:
    """`python -m bot` alone: the commands, one line each, and the two to begin with
    (README's), instead of argparse's bare "the following arguments are required"."""
    names = [k for k in CLI_HELP if k.isalpha()]  # the commands; options and arguments have spaces or dashes
    width = max(map(len, names))
    lines = [f"  {name.ljust(width)}  {CLI_HELP[name]}" for name in names]
    return (
        f"usage: {prog} COMMAND [options]  ({prog} COMMAND --help for a command's options)\n\n"
        f"{CLI_HELP['']}\n\ncommands:\n" + "\n".join(lines) + "\n\n"
        "To begin:\n"
        f"  make run  (or {prog} start): the Discord bot when DISCORD_TOKEN is set, else the console\n"
        f"  {prog} console: try questions locally, the replies drawn as on Discord"
    )


def top_k_help(maximum: int) -> str:
    return f"how many passages, 1 to {maximum} (default: $TOP_K or 3)"


def count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


# ---------------------------------------------------------------------------- console


def console_welcome(documents: int, paragraphs: int) -> str:
    return (
        f"Knowledge base: {count(documents, 'document')}, {count(paragraphs, 'paragraph')}. "
        f"Type a question, /help for commands, Ctrl-D to quit.\n\n"
    )


def render_ask_needs_question() -> ReplyData:
    return render_notice("Type your question after /ask.")


def render_unknown_command(cmd: str) -> ReplyData:
    return render_notice(f"Unknown command {cmd}. Commands: {CONSOLE_COMMANDS}. Anything else is asked as a question.")


def render_no_last_answer() -> ReplyData:
    return render_notice("Ask a question first: the buttons act on the last answer.")


def render_full_range(n: int) -> ReplyData:
    return render_notice(f"/full takes a result number from 1 to {n}.")


def render_gaps_usage() -> ReplyData:
    return render_notice("Usage: /gaps [7|30] [PAGE], e.g. `/gaps 30 2`.")


def render_teach_usage() -> ReplyData:
    return render_notice("Usage: /teach QUESTION | ANSWER, e.g. `/teach Where do I park? | Behind building 3.`")


def render_kb_usage() -> ReplyData:
    return render_notice("Usage: /kb list [PAGE] · /kb show DOCUMENT · /kb add PATH [replace] · /kb remove DOCUMENT")


def render_cannot_read(path: str, why: str) -> ReplyData:
    return render_notice(f"Cannot read {path}: {why}")


def gaps_next_page(days: int, page: int) -> str:
    """Typed commands stand in for the page and CSV buttons in the console."""
    return f"(next page: /gaps {days} {page}; all as CSV: python -m bot gaps --csv FILE)\n\n"


def kb_next_page(page: int) -> str:
    return f"(next page: /kb list {page})\n\n"


# ---------------------------------------------------------------------------- command line


def index_up_to_date(what: str, folder: str, seconds: float) -> str:
    return f"the saved index of {what} in {folder} is up to date (built in {seconds:.1f} s)\n"


def index_built(what: str, seconds: float, path: str, save_seconds: float) -> str:
    return f"built the index of {what} in {seconds:.1f} s; saved it to {path} in {save_seconds:.1f} s\n"


def index_unsaved(folder: str, why: str) -> str:
    return f"could not save the index to {folder}: {why}"


def question_log_unreadable(folder: str, why: str) -> str:
    return f"cannot read the question log in {folder}: {why}"


def cannot_write(path: str, why: str) -> str:
    return f"cannot write {path}: {why}"


def gaps_written(n: int, path: str) -> str:
    return f"wrote {count(n, 'gap')} to {path}\n"


def console_log_unwritable(path: str, why: str) -> str:
    return f"note: cannot write the console log {path}: {why}"


def bad_top_k(maximum: int) -> str:
    return f"error: --top-k must be between 1 and {maximum} (the range TOP_K allows)"


def bad_days(maximum: int) -> str:
    return f"error: --days must be between 1 and {maximum}"


def cli_error(problem: str) -> str:
    return f"error: {problem}"
