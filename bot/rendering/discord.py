"""Wording that only the Discord adapter shows: the teaching modal, and why an attached file
could not be fetched. Pure, like the other render modules."""

from __future__ import annotations

from dataclasses import dataclass

from .markdown import truncate
from .messages import render_notice
from .reply import ReplyData

MODAL_TITLE_LIMIT = 45  # Discord's limits for a modal title and a text input's label
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100


@dataclass(frozen=True, slots=True)
class TeachModalText:
    title: str
    question_label: str
    question_placeholder: str
    answer_label: str
    answer_placeholder: str


def render_teach_modal() -> TeachModalText:
    return TeachModalText(
        title="Teach KB Bot",
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
