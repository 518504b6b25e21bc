"""Knowledge gaps: the questions the bot could not answer (or that got 👎), grouped when
they say the same thing after analysis, for admins to fill."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from .outcomes import Gap, GapsPage
from .storage import QuestionRow
from .text import Analyzer


def terms_key(analyzer: Analyzer, question: str) -> str:
    """The content terms of a question, de-duplicated and sorted: "Why Ramstein?" and
    "ramstein, why" share a key; stopwords and word order do not count."""
    return " ".join(sorted(set(analyzer.terms(question))))


def group_gaps(rows: Iterable[QuestionRow]) -> list[Gap]:
    """One Gap per terms key (rows newest first), most asked first, then most recent.
    Questions with no content terms at all are grouped by their lower-cased text."""
    groups: dict[str, list[QuestionRow]] = {}
    for row in rows:
        key = row.terms or "\0" + row.question.strip().casefold()
        groups.setdefault(key, []).append(row)
    gaps = []
    for members in groups.values():
        members.sort(key=lambda r: r.asked_at, reverse=True)
        wordings: list[str] = []
        for r in members:
            if r.question not in wordings:
                wordings.append(r.question)
        link = next((r.jump_url for r in members if r.jump_url), None)
        gaps.append(
            Gap(
                question=members[0].question,
                terms=members[0].terms,
                count=len(members),
                last_asked=members[0].asked_at,
                jump_url=link,
                unanswered=sum(not r.answered for r in members),
                wordings=tuple(wordings),
            )
        )
    gaps.sort(key=lambda g: g.last_asked, reverse=True)
    gaps.sort(key=lambda g: -g.count)  # stable: equal counts stay most recent first
    return gaps


def page_of(items: Sequence[Gap], page: int, per_page: int) -> tuple[tuple[Gap, ...], int, int]:
    """(the items of `page`, the page actually shown (clamped), number of pages)."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(1, page), pages)
    start = (page - 1) * per_page
    return tuple(items[start : start + per_page]), page, pages


def gaps_page(gaps: Sequence[Gap], days: int, page: int = 1, per_page: int | None = None) -> GapsPage:
    """One page of gaps (all of them when `per_page` is None)."""
    shown, page, pages = page_of(gaps, page, per_page or max(1, len(gaps)))
    return GapsPage(days, shown, page, pages, len(gaps), sum(g.count for g in gaps))


CSV_COLUMNS = ("question", "count", "unanswered", "downvoted", "last_asked", "jump_url", "terms", "wordings")


def gaps_csv(gaps: Sequence[Gap]) -> str:
    """Every gap as CSV (one row each; other wordings joined by " | ")."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for g in gaps:
        w.writerow(
            [
                _cell(g.question),
                g.count,
                g.unanswered,
                g.count - g.unanswered,
                g.last_asked,
                g.jump_url or "",
                g.terms,
                _cell(" | ".join(g.wordings[1:])),
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
