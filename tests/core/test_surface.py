"""Surface evidence: the question's words as typed, and the kind of answer it asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import AnswerEngine
from bot.documents.loader import load_knowledge
from bot.surface import SurfaceMatcher, answer_kind


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many staff will the centre have?", "number"),
        ("how much did it cost", "number"),
        ("What percentage of voters agreed?", "number"),
        ("When did NATO declare space a domain?", "date"),
        ("In what year was it founded?", "date"),
        ("so when is the launch", "date"),
        ("What happens when the base is attacked?", None),
        ("How old was he when he left?", "number"),
        ("Who is the secretary general?", None),
        ("where is the base", "place"),
        ("why Ramstein?", None),
        ("what did Stoltenberg say?", None),
        ("", None),
        ("🚀🚀", None),
    ],
)
def test_answer_kind(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


def matcher(question: str, weights: dict[str, float]) -> SurfaceMatcher:
    return SurfaceMatcher(question, weights, sum(weights.values()))


def test_exact_share_counts_whole_words_case_aside() -> None:
    m = matcher("operational domain", {"operational": 1.0, "domain": 3.0})
    assert m.exact_share("An OPERATIONAL area.") == 0.25
    # "operations" shares the stem but is not the word as typed; "subdomain" is another word.
    assert m.exact_share("space operations in a subdomain") == 0.0
    assert m.exact_share("domain-specific operational rules") == 1.0


def test_sentence_share_is_read_from_the_best_sentence_itself() -> None:
    # The best sentence also occurs inside an earlier, longer one ("key" in "keyboard").
    m = matcher("press the key", {"press": 1.0, "key": 1.0})
    f = m.features([("Press the keyboard. Press the key", "Press the key")])
    assert (f.exact[0], f.sentence_exact[0]) == (1.0, 1.0)
    f = m.features([("Press the keyboard. Press the key", "Press the keyboard.")])
    assert f.sentence_exact[0] == 0.5


def test_answer_type_ignores_the_questions_own_words() -> None:
    m = matcher("What happened in June 2019?", {"happened": 1.0, "june": 1.0, "2019": 1.0})
    assert m.kind is None
    when = matcher("When did it happen in June?", {"happen": 1.0, "june": 1.0})
    assert when.has_answer_kind("It happened in June.") == 0.0  # June is the question's word
    assert when.has_answer_kind("It happened in 1998.") == 1.0
    assert when.has_answer_kind("It happened in the 1990s.") == 1.0
    assert when.has_answer_kind("It happened long ago, with 12345 votes.") == 0.0
    assert when.has_answer_kind("Members may sign it; they march in August.") == 1.0  # August only
    assert when.has_answer_kind("Members may sign it; they march on.") == 0.0
    where = matcher("Where is the base?", {"base": 1.0})
    assert where.has_answer_kind("The base is in Germany.") == 1.0
    assert where.has_answer_kind("The base is in good shape. Germany agreed.") == 0.0
    assert matcher("Where in Germany?", {"germany": 1.0}).has_answer_kind("It is in Germany.") == 0.0
    many = matcher("How many staff?", {"staff": 1.0})
    assert many.has_answer_kind("It will have 120 staff.") == 1.0
    assert many.has_answer_kind("It will have twelve staff.") == 1.0
    assert many.has_answer_kind("Staffing is unknown.") == 0.0


def test_the_word_as_typed_breaks_a_stem_tie(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Notes\n\nThe agency reported on operations at the harbour last spring.\n\n"
        "The agency reported on operational plans at the harbour last spring.\n",
        encoding="utf-8",
    )
    engine = AnswerEngine(load_knowledge(tmp_path))
    for question, paragraph in (("operational harbour agency", 2), ("harbour agency operations", 1)):
        best = engine.ask(question).best
        assert best is not None and best.citation.paragraph == paragraph, question


def test_a_date_question_prefers_the_passage_with_a_date(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(
        "Notes\n\nThe treaty was signed by the council after long talks.\n\n"
        "The treaty was signed by the council in 1987 after talks.\n",
        encoding="utf-8",
    )
    engine = AnswerEngine(load_knowledge(tmp_path))
    assert engine.ask("When was the treaty signed?").best.citation.paragraph == 2
    # Without a question about time the paragraphs tie and keep their reading order.
    assert engine.ask("Was the treaty signed?").best.citation.paragraph == 1


def test_term_presence_only_skips_words_that_cannot_be_there() -> None:
    import numpy as np

    from bot.surface import TermPresence

    m = SurfaceMatcher(
        "operational domain café",
        {"operational": 1.0, "domain": 3.0, "café": 1.0},
        5.0,
        {"operational": 7, "domain": 9, "café": 11},
    )
    texts = [
        ("An operational domain. Nothing else.", "An operational domain."),
        ("Operational rules apply.", "Operational rules apply."),
        ("Un café, an operational domain.", "Un café, an operational domain."),  # non-ASCII: every word looked for
    ]
    # Rows: which of the terms (7, 9, 11) each passage's tokens hold.
    presence = TermPresence(
        np.array([7, 9, 11]), np.array([[True, True, False], [False, False, False], [False, False, False]])
    )
    f = m.features(texts, presence)
    assert f.exact.tolist() == [0.8, 0.0, 1.0]  # passage 2's tokens lack the term: not searched
    assert f.sentence_exact.tolist() == [0.8, 0.0, 1.0]
    assert m.exact_share("Operational rules apply.", {9}) == 0.0
    assert m.exact_share("Operational rules apply.", {7}) == 0.2
    assert m.exact_share("Operational rules apply.") == 0.2


def test_caps_bound_the_features() -> None:
    import numpy as np

    from bot.surface import TermPresence

    m = SurfaceMatcher(
        "when did the operational domain open",
        {"operational": 1.0, "domain": 3.0},
        5.0,
        {"operational": 7, "domain": 9},
    )
    texts = ["An operational domain opened in 1990.", "Operational rules.", "Un café, an operational domain."]
    presence = TermPresence(np.array([7, 9]), np.array([[True, True], [True, False], [False, False]]))
    f = m.features([(t, t) for t in texts], presence)
    caps = m.caps([t.isascii() for t in texts], presence)
    assert caps.exact.tolist() == [0.8, 0.2, 0.8]  # non-ASCII: every word may be there
    assert (f.exact <= caps.exact).all() and (f.sentence_exact <= caps.sentence_exact).all()
    assert caps.answer_type.tolist() == [1.0, 1.0, 1.0] and f.answer_type.tolist() == [1.0, 0.0, 0.0]


def test_search_reads_only_candidates_that_can_reach_the_top(tmp_path: Path) -> None:
    """Skipping passages whose capped score cannot reach the top k leaves the hits exactly
    as reading every candidate gives."""
    import random

    from bot.retrieval.query import analyse
    from bot.retrieval.rerank import search

    rng = random.Random(3)
    words = [f"w{i}" for i in range(60)] + ["operate", "operations", "operational", "1990", "harbour"]
    paras = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 30))) + "." for _ in range(120)]
    (tmp_path / "a.txt").write_text("Notes\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
    engine = AnswerEngine(load_knowledge(tmp_path))
    read: list[int] = []

    class Counting:  # counts the candidates read
        def __init__(self, inner, lift: float = 0.0) -> None:
            self.inner, self.lift = inner, lift

        def __call__(self, docs, best, presence):
            read.append(docs.shape[0])
            return self.inner(docs, best, presence)

        def caps(self, docs, presence):
            c = self.inner.caps(docs, presence)
            return type(c)(c.exact + self.lift, c.sentence_exact + self.lift, c.answer_type + self.lift)

    skipped = 0
    for _ in range(60):
        question = " ".join(rng.sample(words, 3))
        if rng.random() < 0.3:
            question = "when " + question
        query = analyse(engine.index, question, engine.analyzer)
        matcher = SurfaceMatcher(
            question,
            {t.word: t.weight for t in query.terms},
            query.total_weight,
            {t.word: t.term_id for t in query.terms},
        )
        for k in (1, 3, 10):
            # Caps so high that every candidate is read, then the real ones.
            full = search(engine.index, query, k, engine.config.rank, Counting(engine._surface(matcher), 10.0))
            n_full = sum(read)
            read.clear()
            lazy = search(engine.index, query, k, engine.config.rank, Counting(engine._surface(matcher)))
            assert [(h.passage, h.score, h.evidence) for h in lazy] == [(h.passage, h.score, h.evidence) for h in full]
            skipped += sum(read) < n_full
            read.clear()
    assert skipped > 20  # the shortcut did run


def test_the_table_tells_ascii_passages_without_reading_them(tmp_path: Path) -> None:
    import numpy as np

    from bot.builder import build_knowledge
    from bot.knowledge import PassageTable

    (tmp_path / "a.txt").write_text(
        "Notes\n\nPlain words only. Two sentences.\n\nUn café au lait. Deux phrases.\n\nA last plain one.\n",
        encoding="utf-8",
    )
    table = build_knowledge(tmp_path, workers=1).kb.passages
    assert isinstance(table, PassageTable)
    docs = np.arange(len(table))
    surely = table.surely_ascii(docs).tolist()
    assert surely == [table.text(int(d)).isascii() for d in docs] == [True, False, True]

    # And the engine answers through the table (caps from its offsets).
    engine = AnswerEngine.from_built(build_knowledge(tmp_path, workers=1))
    assert engine.ask("café phrases").best.citation.paragraph == 2
