"""Wording that only the Discord adapter shows: its commands' descriptions in Discord's command
list, the teaching modal, why an attached file could not be fetched, and why /reload, /kb add,
/kb remove or teaching found no usable knowledge directory. Pure, like the other render modules."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..documents.registry import supported_list
from ..errors import FolderProblem
from ..outcomes import Refused
from .kb import render_refused, render_reload_refused
from .markdown import truncate
from .messages import render_notice
from .reply import ReplyData

MODAL_TITLE_LIMIT = 45  # Discord's limits for a modal title and a text input's label
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
COMMAND_DESCRIPTION_LIMIT = 100  # Discord's limit for a command's or an option's description

# The message command (right-click a message → Apps) that teaches from it; also the modal's title.
TEACH_COMMAND = "Teach KB Bot"

# What Discord lists for each slash command (and `!ask`), by its name ("kb add": a subcommand).
COMMAND_HELP = {
    "ask": "Ask a question about the knowledge base",
    "reload": "Reload the knowledge base from disk (admins only)",
    "sources": "List the documents the bot answers from",
    "help": "How to ask the bot",
    "gaps": "Questions the bot could not answer or that got 👎 (admins only)",
    "kb": "Manage the documents the bot answers from (admins only)",
    "kb add": "Add a document from an attached file (admins only)",
    "kb remove": "Remove a document (admins only)",
    "kb list": "The documents the bot answers from, a page at a time (admins only)",
    "kb show": "One document: title, sections, passages, source (admins only)",
    "forget-me": "Delete the questions and votes the bot keeps about you",
}
_DOCUMENT = {"document": "The document's file or title"}


def file_option_help(supported: str) -> str:
    """The /kb add file option's help, naming the types the readers take (from the registry,
    so a new reader shows up here); should the list outgrow Discord's limit, a truthful
    shorter text: a file of another type is refused with the full list."""
    listed = f"A document file: {supported}"
    if len(listed) <= COMMAND_DESCRIPTION_LIMIT:
        return listed
    return "A document file (a type the bot cannot read is refused with the list of those it can)"


# What Discord shows under each option of a command.
OPTION_HELP: dict[str, dict[str, str]] = {
    "ask": {
        "question": "What do you want to know?",
        "private": "Only you see the answer (default: everyone in the channel)",
    },
    "gaps": {"days": "How far back to look", "csv": "Also attach the full list as a CSV file"},
    "kb add": {"file": file_option_help(supported_list()), "replace": "Replace a file with the same name"},
    "kb remove": _DOCUMENT,
    "kb show": _DOCUMENT,
}


@dataclass(frozen=True, slots=True)
class TeachModalText:
    title: str
    question_label: str
    question_placeholder: str
    answer_label: str
    answer_placeholder: str


def render_teach_modal() -> TeachModalText:
    return TeachModalText(
        title=TEACH_COMMAND,
        question_label="Question",
        question_placeholder="The question this answers, as a member would ask it",
        answer_label="Answer",
        answer_placeholder="The answer members should get (you can edit it)",
    )


def render_download_failed(detail: str) -> ReplyData:
    """The attachment could not be fetched from Discord; nothing was changed."""
    return render_notice(
        truncate(
            f"Sorry, I could not download that file from Discord ({detail}). "
            "Nothing was changed: try attaching it again.",
            1900,
        )
    )


# An admin in Discord can neither set KNOWLEDGE_DIR nor pass --knowledge (the command line's
# advice): what they can do is tell whoever runs the bot, and what that person would do.
_MOVED = "or to set KNOWLEDGE_DIR to where the documents are now and restart the bot"


def knowledge_dir_problem(problem: FolderProblem) -> str:
    """Why the knowledge directory cannot be read, for an admin in Discord. It was there
    when the bot started (it does not start without it): something on the bot's host changed."""
    root = problem.root
    if problem.kind == "missing":
        return (
            f"the knowledge directory {root} is no longer on the bot's host (moved, deleted or unmounted "
            f"since the bot started): ask whoever runs the bot to put it back, {_MOVED}"
        )
    if problem.kind == "not_a_dir":
        return (
            f"the knowledge directory {root} on the bot's host is now a file, not a folder: ask whoever "
            f"runs the bot to put the folder back, {_MOVED}"
        )
    return (
        f"the bot cannot list its knowledge directory {root} ({problem.why}): ask whoever runs the bot "
        "to let the bot's user read that folder on its host, or to set KNOWLEDGE_DIR to a folder it can "
        "read and restart the bot"
    )


def render_discord_reload_failed(refused: Refused) -> ReplyData:
    """/reload failed: the reason as the console gives it, except for a knowledge directory
    that is gone or unreadable, which is worded for an admin in Discord (above)."""
    if refused.folder is not None:
        return render_reload_refused(replace(refused, detail=knowledge_dir_problem(refused.folder)))
    return render_reload_refused(refused)


def render_discord_refused(refused: Refused) -> ReplyData:
    """A refusal as render_refused words it for the console, except that what only whoever
    runs the bot can fix on its host (a knowledge directory that is gone or unreadable, as
    /reload words it, or an uploads folder that cannot be listed) is worded for an admin in
    Discord; so is the reload after undoing a change, when the folder was its problem."""
    reread = refused.reread
    if reread is not None and reread.folder is not None:
        refused = replace(refused, reread=replace(reread, why=knowledge_dir_problem(reread.folder)))
    if refused.folder is None:
        return render_refused(refused, remote=True)
    return render_refused(replace(refused, detail=knowledge_dir_problem(refused.folder)), remote=True)
