"""`python -m bot eval` on the docs format: document + gold phrase, folded."""

from __future__ import annotations

import json
from pathlib import Path

from bot.answer import Answer, Citation, Result
from bot.evaluate import evaluate, fold, read_questions
from bot.knowledge import Passage
from bot.retrieval.snippets import Snippet


def result(doc: str, text: str, snippet: str | None = None) -> Result:
    p = Passage(doc, "T", None, 1, text, (text,))
    return Result(p, Citation(doc, "T", 1), Snippet(snippet or text), 1.0, 1.0, 1.0)


class Fixed:
    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        return self.answers[question]


def test_docs_format_hits_on_document_and_folded_gold(tmp_path: Path):
    f = tmp_path / "q.jsonl"
    f.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"q": "install only deps", "document": "basic-usage.md", "gold": "install the `dependencies` only"},
                {
                    "q": "git refs",
                    "document": "cli.md",
                    "gold": "specific branch",
                    "also": [{"document": "deps.md", "gold": "a tag"}],
                },
                {"q": "anyone here?", "document": None, "gold": None},
            ]
        )
    )
    qs = read_questions(f)
    assert qs[1].targets == (("cli.md", "specific branch"), ("deps.md", "a tag"))
    answers = {
        "install only deps": Answer(
            "install only deps",
            True,
            (
                result("cli.md", "install the dependencies only"),  # wrong document
                result("basic-usage.md", "If you want to **install the dependencies\n only**, run"),
            ),
            0.9,
        ),
        "git refs": Answer("git refs", False, (result("deps.md", "Pin a TAG like this."),), 0.3),
        "anyone here?": Answer("anyone here?", False, (), 0.0),
    }
    r = evaluate(Fixed(answers), qs)
    assert (r.answerable, r.unanswerable) == (2, 1)
    assert r.hit1 == 1 and r.hit3 == 2  # 'also' counts; the first is found at rank 2
    assert r.rejected_unanswerable == 1 and r.false_rejections == 1
    assert r.snippet_gold == 1
    # Odd lines (1 and 3) and even lines (2) are reported apart and add up to the whole.
    odd, even = r.halves
    assert (odd.answerable, odd.unanswerable, odd.hit3, odd.rejected_unanswerable) == (1, 1, 1, 1)
    assert (even.answerable, even.hit1, even.hit3, even.false_rejections) == (1, 1, 1, 1)
    assert odd.hit1 + even.hit1 == r.hit1 and not odd.misses and not even.misses


def test_fold_ignores_case_space_stars_and_backticks():
    assert fold("Run  `poetry **install**`\n NOW") == "run poetry install now"
