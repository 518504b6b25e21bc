"""Answerability: whether the best passage really covers the question, and the share of
the question it shows (the confidence). A counting rule today; meant to be replaced by a
calibrated model without touching retrieval."""

from __future__ import annotations

from dataclasses import dataclass

from .rerank import Evidence


@dataclass(frozen=True)
class AnswerParams:
    """The confidence rule: an answer needs the question's words found in the passage to
    outweigh those missing from it. A missing word the knowledge base has elsewhere counts
    half (the passage may say it in other words); a word it has never seen counts fully.
    Counts, not idf, so the rule means the same for 6 paragraphs or 2 million."""

    missing_known_weight: float = 0.5
    min_answer_share: float = 0.5  # the found words' share must exceed this


def answer_share(ev: Evidence, rule: AnswerParams) -> float:
    """The found words' share of the question, missing known words counting less."""
    denom = ev.matched + rule.missing_known_weight * ev.missing_known + ev.missing_unknown
    return ev.matched / denom if denom else 0.0


def covers(ev: Evidence, rule: AnswerParams) -> bool:
    """Whether a passage really covers the question (the confidence rule)."""
    return answer_share(ev, rule) > rule.min_answer_share
