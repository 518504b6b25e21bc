"""The report of `python -m bot eval`: the figures, the odd and even lines apart, and a line
for each miss. Pure, like the rest of bot/rendering: bot/evaluate.py measures, this words."""

from __future__ import annotations

from ..evaluate import EvalReport, Miss, Problem
from .citation import citation_label


def render_eval_report(report: EvalReport) -> str:
    lines = [f"{report.answerable} answerable, {report.unanswerable} unanswerable questions"]
    counts = {
        "unanswerable rejected": (report.rejected_unanswerable, report.unanswerable),
        "false rejections": (report.false_rejections, report.answerable),
    }
    for name, value in report.figures().items():
        n = counts.get(name)
        lines.append(f"  {name:<24}{value:6.3f}" + (f"  ({n[0]} of {n[1]})" if n else ""))
    if report.halves is not None:
        for label, half in zip(("odd lines", "even lines"), report.halves):
            f = half.figures()
            lines.append(
                f"  {label:<11} hit@1 {f['hit@1']:.3f}  hit@3 {f['hit@3']:.3f}  MRR {f['MRR']:.3f}"
                f"  rejected {half.rejected_unanswerable} of {half.unanswerable}"
                f"  false rejections {half.false_rejections} of {half.answerable}"
            )
    if report.misses:
        lines.append(f"misses ({len(report.misses)}):")
        lines.extend(f"  - {render_miss(m)}" for m in report.misses)
    else:
        lines.append("no misses")
    return "\n".join(lines)


def render_miss(miss: Miss) -> str:
    """One line: the question, then what went wrong ("; " between two problems)."""
    q = miss.question.q
    if Problem.ANSWERED_UNANSWERABLE in miss.problems:
        return f"answered an unanswerable question: {q!r} -> {_top(miss)}"
    return f"{q!r}: " + "; ".join(_problem(p, miss) for p in miss.problems)


def _problem(problem: Problem, miss: Miss) -> str:
    q = miss.question
    if problem is Problem.SNIPPET_LACKS_GOLD:
        return f"snippet lacks {q.gold!r}"
    if problem is Problem.NOT_ANSWERED:
        return f"no answer given (confidence {miss.confidence:.2f})"
    # Problem.WRONG_TOP (an answered unanswerable question is a line of its own, above)
    want = f"¶{'/¶'.join(map(str, q.paras))}" if q.paras else " or ".join(f"{d} with {g!r}" for d, g in q.targets)
    return f"top passage {_top(miss)}, expected {want}" + (f" (found at rank {miss.rank})" if miss.rank else "")


def _top(miss: Miss) -> str:
    return citation_label(miss.top) if miss.top is not None else "nothing"
