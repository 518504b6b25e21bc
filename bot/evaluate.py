"""Measure answers against a JSONL question file (`python -m bot eval FILE`).

Two formats, told apart per line:

- article format: {"q": question, "paras": [acceptable 1-based paragraph numbers] (empty
  when the knowledge base cannot answer), "gold": phrase the snippet must contain (or
  null), optionally "document": path relative to the knowledge directory}. Without
  "document", only paragraph numbers are compared (a knowledge base of one article).
- docs format (no "paras"): {"q", "document" (null: unanswerable), "gold": a phrase of
  the answering passage, optionally "also": [{"document", "gold"}] other passages that
  answer it}. A result is a hit when its document matches and its passage text contains
  the gold phrase, whitespace and case folded, `*` and backticks ignored.

The report is figures and misses as data; bot/rendering/evaluation.py words it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import Enum, auto
from pathlib import Path
from typing import Protocol

from .answer import Answer, Citation, Result
from .errors import BotError
from .rendering import errors as wording


class Asker(Protocol):
    def ask(self, question: str, top_k: int | None = None) -> Answer: ...


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    paras: tuple[int, ...]
    gold: str | None
    document: str | None = None
    # docs format: (document, gold phrase) pairs any of which answers; empty for the article format
    targets: tuple[tuple[str, str], ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.paras or self.targets)


class Problem(Enum):
    """What went wrong with one question; bot/rendering/evaluation.py words each."""

    ANSWERED_UNANSWERABLE = auto()  # the knowledge base cannot answer it, yet the bot answered
    WRONG_TOP = auto()  # the top passage is not a right one
    SNIPPET_LACKS_GOLD = auto()  # the right passage came first, its snippet lacks the gold phrase
    NOT_ANSWERED = auto()  # answerable, yet the bot gave no answer


@dataclass(frozen=True)
class Miss:
    """A question the bot got wrong, as data: the report's rendering words it."""

    question: EvalQuestion  # what was expected: paragraphs or (document, gold) targets, gold phrase
    problems: tuple[Problem, ...]
    top: Citation | None  # the top passage's citation; None when nothing was found
    rank: int | None  # 1-based rank of the first right passage among the results; None: not among them
    confidence: float


@dataclass
class EvalReport:
    answerable: int = 0
    unanswerable: int = 0
    hit1: int = 0
    hit3: int = 0
    rr: float = 0.0
    snippet_gold: int = 0
    rejected_unanswerable: int = 0
    false_rejections: int = 0
    misses: list[Miss] = field(default_factory=list)
    halves: tuple[EvalReport, EvalReport] | None = None  # odd and even lines of the file

    def figures(self) -> dict[str, float]:
        a = self.answerable or 1
        u = self.unanswerable or 1
        return {
            "hit@1": self.hit1 / a,
            "hit@3": self.hit3 / a,
            "MRR": self.rr / a,
            "snippet contains gold": self.snippet_gold / a,
            "unanswerable rejected": self.rejected_unanswerable / u,
            "false rejections": self.false_rejections / a,
        }


_JSON_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


def read_questions(path: Path) -> list[EvalQuestion]:
    """Parse the question file; BotError names the line of a malformed entry."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BotError(wording.question_file_unreadable(path, exc)) from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):  # a list or a bare string: no fields to read
                raise BotError(wording.question_entry_not_an_object(path, n, _JSON_KINDS.get(type(obj), "value")))
            for key, optional in (("q", False), ("gold", True)):
                value = obj.get(key)
                if not isinstance(value, str) and not (optional and value is None):
                    raise BotError(wording.question_field_not_text(path, n, key, optional))
            if "paras" in obj:
                out.append(
                    EvalQuestion(
                        str(obj["q"]),
                        tuple(int(p) for p in obj.get("paras") or ()),
                        obj.get("gold"),
                        obj.get("document"),
                    )
                )
            else:
                targets = []
                if obj.get("document") is not None:
                    targets.append((str(obj["document"]), str(obj["gold"])))
                    targets += [(str(a["document"]), str(a["gold"])) for a in obj.get("also") or ()]
                out.append(EvalQuestion(str(obj["q"]), (), obj.get("gold"), obj.get("document"), tuple(targets)))
        except (ValueError, KeyError, TypeError) as exc:
            raise BotError(wording.not_a_question_entry(path, n, exc)) from None
    if not out:
        raise BotError(wording.no_questions(path))
    return out


def is_hit(q: EvalQuestion, r: Result) -> bool:
    """Whether a result answers the question (see the module docstring)."""
    c = r.citation
    if q.targets:
        text = fold(r.passage.text)
        return any(c.document == doc and fold(gold) in text for doc, gold in q.targets)
    return c.paragraph in q.paras and (q.document is None or c.document == q.document)


def evaluate(asker: Asker, questions: list[EvalQuestion]) -> EvalReport:
    """Every question asked once; the figures for all of them and for the odd and even
    lines of the file apart (fit on one half, check on the other)."""
    report = EvalReport()
    report.halves = (EvalReport(), EvalReport())
    for i, q in enumerate(questions):
        answer = asker.ask(q.q, 10)
        _score(report, q, answer, misses=True)
        _score(report.halves[i % 2], q, answer, misses=False)
    return report


def _score(report: EvalReport, q: EvalQuestion, answer: Answer, misses: bool) -> None:
    top = answer.results[0] if answer.results else None
    cited = top.citation if top else None
    if not q.answerable:
        report.unanswerable += 1
        if not answer.answered:
            report.rejected_unanswerable += 1
        elif misses:
            report.misses.append(Miss(q, (Problem.ANSWERED_UNANSWERABLE,), cited, None, answer.confidence))
        return
    report.answerable += 1
    rank = next((i + 1 for i, r in enumerate(answer.results) if is_hit(q, r)), None)
    if rank == 1:
        report.hit1 += 1
    if rank is not None and rank <= 3:
        report.hit3 += 1
    if rank is not None:
        report.rr += 1 / rank
    has_gold = bool(top and q.gold and _snippet_has_gold(q, top.snippet.text))
    if has_gold and rank == 1:
        report.snippet_gold += 1
    if not answer.answered:
        report.false_rejections += 1
    if not misses:
        return
    problems = []
    if rank != 1:
        problems.append(Problem.WRONG_TOP)
    elif not has_gold:
        problems.append(Problem.SNIPPET_LACKS_GOLD)
    if not answer.answered:
        problems.append(Problem.NOT_ANSWERED)
    if problems:
        report.misses.append(Miss(q, tuple(problems), cited, rank, answer.confidence))


_FOLD_DROP = re.compile(r"[*`]")
_FOLD_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Text as the docs format compares it: case and whitespace folded, `*` and backticks gone."""
    return _FOLD_SPACE.sub(" ", _FOLD_DROP.sub("", text)).strip().casefold()


def _snippet_has_gold(q: EvalQuestion, snippet: str) -> bool:
    if q.targets:
        s = fold(snippet)
        return any(fold(gold) in s for _, gold in q.targets)
    return bool(q.gold) and q.gold.casefold() in snippet.casefold()  # type: ignore[union-attr]


def evaluate_file(asker: Asker, path: Path) -> EvalReport:
    return evaluate(asker, read_questions(path))
