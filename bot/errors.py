"""Errors a user or admin can cause. Each carries a message fit to show them as is, worded
in bot/rendering/errors.py."""

from __future__ import annotations

from .rendering import errors as wording


class BotError(Exception):
    """Root of every error the bot reports to a person instead of crashing."""


class KnowledgeError(BotError):
    """The knowledge directory or one of its files cannot be used."""


class ConfigError(BotError):
    """A configuration value is missing or invalid (the message names the key)."""


class IndexFormatError(BotError):
    """A saved index is unreadable or from another format version."""


class ReaderTimeout(KnowledgeError):
    """Parsing one file took longer than its time limit and was abandoned."""

    def __init__(self, message: str = wording.READING_TOO_LONG) -> None:
        super().__init__(message)
