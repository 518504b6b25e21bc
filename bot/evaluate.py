"""Measure answers against a JSONL question file (`python -m bot eval FILE`).

Each line: {"q": question, "paras": [acceptable 1-based paragraph numbers] (empty when the
knowledge base cannot answer), "gold": phrase the snippet must contain (or null),
optionally "document": path relative to the knowledge directory}. Without "document",
only paragraph numbers are compared, which suits a knowledge base of one article.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .answer import Answer
from .errors import BotError


class Asker(Protocol):
    def ask(self, question: str, top_k: int | None = None) -> Answer: ...


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    paras: tuple[int, ...]
    gold: str | None
    document: str | None = None


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
    misses: list[str] = field(default_factory=list)

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


def read_questions(path: Path) -> list[EvalQuestion]:
    """Parse the question file; BotError names the line of a malformed entry."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BotError(f"cannot read question file {path}: {exc}") from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            out.append(EvalQuestion(str(obj["q"]), tuple(int(p) for p in obj.get("paras") or ()),
                                    obj.get("gold"), obj.get("document")))
        except (ValueError, KeyError, TypeError) as exc:
            raise BotError(f"{path}:{n}: not a question entry ({exc})") from None
    if not out:
        raise BotError(f"question file {path} has no questions")
    return out


def evaluate(asker: Asker, questions: list[EvalQuestion]) -> EvalReport:
    report = EvalReport()
    for q in questions:
        answer = asker.ask(q.q, 10)

        def ok(i: int) -> bool:
            c = answer.results[i].citation
            return c.paragraph in q.paras and (q.document is None or c.document == q.document)

        if not q.paras:
            report.unanswerable += 1
            if not answer.answered:
                report.rejected_unanswerable += 1
            else:
                report.misses.append(f"answered an unanswerable question: {q.q!r} -> "
                                     f"{answer.results[0].citation.label}")
            continue
        report.answerable += 1
        rank = next((i + 1 for i in range(len(answer.results)) if ok(i)), None)
        if rank == 1:
            report.hit1 += 1
        if rank is not None and rank <= 3:
            report.hit3 += 1
        if rank is not None:
            report.rr += 1 / rank
        top = answer.results[0] if answer.results else None
        has_gold = bool(top and q.gold and q.gold.casefold() in top.snippet.text.casefold())
        if has_gold and rank == 1:
            report.snippet_gold += 1
        if not answer.answered:
            report.false_rejections += 1
        problems = []
        if rank != 1:
            got = top.citation.label if top else "nothing"
            problems.append(f"top passage {got}, expected ¶{'/¶'.join(map(str, q.paras))}"
                            + (f" (found at rank {rank})" if rank else ""))
        elif not has_gold:
            problems.append(f"snippet lacks {q.gold!r}")
        if not answer.answered:
            problems.append(f"no answer given (confidence {answer.confidence:.2f})")
        if problems:
            report.misses.append(f"{q.q!r}: " + "; ".join(problems))
    return report


def evaluate_file(asker: Asker, path: Path) -> EvalReport:
    return evaluate(asker, read_questions(path))


def format_report(report: EvalReport) -> str:
    lines = [f"{report.answerable} answerable, {report.unanswerable} unanswerable questions"]
    for name, value in report.figures().items():
        lines.append(f"  {name:<24}{value:6.3f}")
    if report.misses:
        lines.append(f"misses ({len(report.misses)}):")
        lines.extend(f"  - {m}" for m in report.misses)
    else:
        lines.append("no misses")
    return "\n".join(lines)
