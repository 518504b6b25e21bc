"""Wording of the `python -m bot eval` report: bot/evaluate.py records each miss as data
(a Miss and its problems), bot/rendering/evaluation.py words it; the text is pinned here so
that moving the wording changed no byte of it."""

from __future__ import annotations

from bot.answer import Answer, Citation, Result
from bot.evaluate import EvalQuestion, Miss, Problem, evaluate
from bot.knowledge import Passage
from bot.rendering.evaluation import render_eval_report
from bot.retrieval.snippets import Snippet


def result(doc: str, paragraph: int, text: str) -> Result:
    p = Passage(doc, "T", None, paragraph, text, (text,))
    return Result(p, Citation(doc, "T", paragraph), Snippet(text), 1.0, 1.0, 1.0)


class Fixed:
    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        return self.answers[question]


QUESTIONS = [
    EvalQuestion("first?", (3,), "the gold"),  # right, snippet has the gold: no miss
    EvalQuestion("second?", (3, 5), "the gold"),  # found at rank 2, and not answered
    EvalQuestion("lacks?", (1,), "missing words"),  # right passage, snippet lacks the gold
    EvalQuestion("found nothing?", (), "a tag", "cli.md", (("cli.md", "a tag"), ("deps.md", "git ref"))),
    EvalQuestion("unanswerable?", (), None),  # answered anyway
]
ANSWERS = {
    "first?": Answer("first?", True, (result("a.md", 3, "here is the gold"),), 0.9),
    "second?": Answer("second?", False, (result("a.md", 4, "no"), result("a.md", 5, "the gold")), 0.314),
    "lacks?": Answer("lacks?", True, (result("a.md", 1, "other words"),), 0.8),
    "found nothing?": Answer("found nothing?", True, (), 0.7),
    "unanswerable?": Answer("unanswerable?", True, (result("a.md", 2, "x"),), 0.6),
}


def test_misses_are_data():
    report = evaluate(Fixed(ANSWERS), QUESTIONS)
    assert [(m.question.q, m.problems, m.top, m.rank) for m in report.misses] == [
        ("second?", (Problem.WRONG_TOP, Problem.NOT_ANSWERED), Citation("a.md", "T", 4), 2),
        ("lacks?", (Problem.SNIPPET_LACKS_GOLD,), Citation("a.md", "T", 1), 1),
        ("found nothing?", (Problem.WRONG_TOP,), None, None),
        ("unanswerable?", (Problem.ANSWERED_UNANSWERABLE,), Citation("a.md", "T", 2), None),
    ]
    assert all(isinstance(m, Miss) for m in report.misses)


def test_the_report_reads_as_before():
    """The text the wording had in bot/evaluate.py (checked against it when it moved)."""
    report = evaluate(Fixed(ANSWERS), QUESTIONS)
    assert render_eval_report(report) == "\n".join(
        [
            "4 answerable, 1 unanswerable questions",
            "  hit@1                    0.500",
            "  hit@3                    0.750",
            "  MRR                      0.625",
            "  snippet contains gold    0.250",
            "  unanswerable rejected    0.000  (0 of 1)",
            "  false rejections         0.250  (1 of 4)",
            "  odd lines   hit@1 1.000  hit@3 1.000  MRR 1.000  rejected 0 of 1  false rejections 0 of 2",
            "  even lines  hit@1 0.000  hit@3 0.500  MRR 0.250  rejected 0 of 0  false rejections 1 of 2",
            "misses (4):",
            "  - 'second?': top passage T · ¶4, expected ¶3/¶5 (found at rank 2); no answer given (confidence 0.31)",
            "  - 'lacks?': snippet lacks 'missing words'",
            "  - 'found nothing?': top passage nothing, expected cli.md with 'a tag' or deps.md with 'git ref'",
            "  - answered an unanswerable question: 'unanswerable?' -> T · ¶2",
        ]
    )


def test_no_misses():
    report = evaluate(Fixed(ANSWERS), QUESTIONS[:1])
    assert render_eval_report(report).endswith("\nno misses")
