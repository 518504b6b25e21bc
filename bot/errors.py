"""Errors a user or admin can cause. Each carries a message fit to show them as is, worded
in bot/rendering/errors.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .rendering import errors as wording


class BotError(Exception):
    """Root of every error the bot reports to a person instead of crashing."""


class KnowledgeError(BotError):
    """The knowledge directory or one of its files cannot be used."""


@dataclass(frozen=True, slots=True)
class FolderProblem:
    """What is wrong with the knowledge directory itself, as data: the message of the
    error says it for the command line, and an adapter whose user cannot set KNOWLEDGE_DIR
    or pass --knowledge (Discord's /reload) words it for them."""

    kind: Literal["missing", "not_a_dir", "unlistable"]
    root: Path
    why: str | None = None  # the OS's reason, when it cannot be listed


class KnowledgeDirError(KnowledgeError):
    """The knowledge directory is missing, not a directory, or cannot be listed."""

    def __init__(self, message: str, problem: FolderProblem) -> None:
        super().__init__(message)
        self.problem = problem

    def __reduce__(self) -> tuple[type[KnowledgeDirError], tuple[str, FolderProblem]]:
        return type(self), (str(self), self.problem)  # two arguments: the default pickles one


def folder_problem(exc: BaseException) -> FolderProblem | None:
    """What is wrong with the knowledge directory, when that is why `exc` was raised."""
    return exc.problem if isinstance(exc, KnowledgeDirError) else None


class ConfigError(BotError):
    """A configuration value is missing or invalid (the message names the key)."""


class IndexFormatError(BotError):
    """A saved index is unreadable or from another format version."""


class NoTextError(KnowledgeError):
    """A file was read as its format says and holds no text of its own (markup only)."""


class ReaderTimeout(KnowledgeError):
    """Parsing one file took longer than its time limit and was abandoned."""

    def __init__(self, message: str = wording.READING_TOO_LONG) -> None:
        super().__init__(message)
