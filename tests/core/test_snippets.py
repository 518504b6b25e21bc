"""Snippet choice within one passage (bot/retrieval/snippets.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.retrieval.snippets import (
    SnippetInput,
    SnippetParams,
    choose_window,
    make_snippet,
)
from bot.text import Analyzer

SENTS = (
    "Poetry manages the dependencies of projects.",  # 0: no question word
    "It keeps a lock file next to the project.",  # 1: term 1
    "To remove a virtual environment, run the env remove command.",  # 2: terms 2, 3
    "The command deletes the environment folder.",  # 3: term 3
    "Other tools work differently.",  # 4
)
TERMS = ({10}, {1, 11}, {2, 3, 12}, {3, 13}, {14})


def _inp(**kw) -> SnippetInput:
    base = {
        "sentences": SENTS,
        "sentence_terms": TERMS,
        "weights": {1: 0.5, 2: 2.0, 3: 1.0},
        "total_weight": 3.5,
        "stems": frozenset({"remov", "environ"}),
        "best": 2,
    }
    base.update(kw)
    return SnippetInput(**base)  # type: ignore[arg-type]


def test_window_is_contiguous_and_holds_the_densest_sentence():
    w = choose_window(_inp(), SnippetParams())
    assert 2 in w and w == list(range(w[0], w[-1] + 1)) and len(w) <= SnippetParams().max_sentences


def test_window_respects_the_character_limit():
    w = choose_window(_inp(), SnippetParams(max_chars=70))
    assert w == [2]  # only the one sentence fits; it is the one with the question's words


def test_short_labels_do_not_use_up_the_sentence_budget():
    sents = ("Install it:", "[project]", "[tool.poetry]", "Then lock the dependencies with poetry lock.")
    terms = ({1}, set(), set(), {2})
    w = choose_window(SnippetInput(sents, terms, {1: 1.0, 2: 1.0}, 2.0, frozenset(), 0), SnippetParams(max_sentences=2))
    assert w == [0, 1, 2, 3]  # both question words, the labels between them come free


def test_extra_sentence_scores_can_move_the_window():
    far = (*SENTS, "An unrelated closing remark about something else entirely.")
    terms = (*TERMS, set())
    params = SnippetParams(max_sentences=1, extra_weight=10.0)
    extra = [0.0] * 5 + [1.0]
    assert choose_window(_inp(sentences=far, sentence_terms=terms), params) == [2]
    assert choose_window(_inp(sentences=far, sentence_terms=terms, extra=extra), params) == [5]
    # a score list of the wrong length is ignored rather than misread
    assert choose_window(_inp(sentences=far, sentence_terms=terms, extra=[1.0]), params) == [2]


def test_snippet_marks_the_question_words_and_fits():
    snip = make_snippet(_inp(), SnippetParams(max_chars=80), Analyzer())
    assert len(snip.text) <= 80 + 4
    marked = {snip.text[a:b].casefold() for a, b in snip.highlights}
    assert {"remove", "environment"} <= marked


def test_empty_and_odd_inputs_do_not_fail():
    assert choose_window(SnippetInput((), (), {}, 0.0, frozenset(), 0), SnippetParams()) == []
    # best out of range and sentence terms missing: still one valid window
    w = choose_window(SnippetInput(("One sentence here.",), (), {1: 1.0}, 1.0, frozenset(), 7), SnippetParams())
    assert w == [0]
    assert make_snippet(SnippetInput((), (), {}, 0.0, frozenset(), 0), SnippetParams(), Analyzer()).text == ""


def _tokens(analyzer: Analyzer, sentences, term_ids: dict[str, int]):
    return [[term_ids.setdefault(t, len(term_ids)) for t in analyzer.terms(s)] for s in sentences]


def test_highlights_read_from_index_tokens_equal_stemmed_highlights():
    analyzer = Analyzer()
    sents = (
        "Removing the environments removes their folders.",
        "The remover ran; environment variables stayed.",
        "Nothing else here at all.",
    )
    ids: dict[str, int] = {}
    tokens = _tokens(analyzer, sents, ids)
    wanted = {ids[analyzer.stem("remove")]: 1.0, ids[analyzer.stem("environment")]: 1.0}
    stems = frozenset({analyzer.stem("remove"), analyzer.stem("environment")})
    base = {"sentences": sents, "sentence_terms": [set(t) for t in tokens], "weights": wanted, "total_weight": 2.0}
    params = SnippetParams(max_sentences=3)
    stemmed = make_snippet(SnippetInput(**base, stems=stems, best=0), params, analyzer)
    read = make_snippet(SnippetInput(**base, stems=frozenset(), best=0, sentence_tokens=tokens), params, analyzer)
    assert read == stemmed and len(read.highlights) >= 4


def test_highlights_fall_back_to_stems_when_tokens_do_not_line_up():
    analyzer = Analyzer()
    sents = ("Remove the environment.", "Café owners remove nothing.")
    stems = frozenset({analyzer.stem("remove")})
    # tokens that do not match the words (one too few), and a non-ASCII sentence
    bad = [[0], [0]]
    inp = SnippetInput(sents, [{0}, {0}], {0: 1.0}, 1.0, stems, 0, sentence_tokens=bad)
    snip = make_snippet(inp, SnippetParams(max_sentences=3), analyzer)
    assert {snip.text[a:b] for a, b in snip.highlights} == {"Remove", "remove"}


_ASCII_TEXT = st.text(
    alphabet=st.sampled_from(list("abcxyz RIVERSrivers019.,;:!?'()-_\t\n*#")), min_size=1, max_size=60
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ASCII_TEXT, min_size=1, max_size=4), st.sampled_from(["rivers", "abc", "x", "river 19"]))
def test_highlights_read_from_tokens_equal_stemmed_ones_on_any_ascii_text(sents, question):
    analyzer = Analyzer()
    ids: dict[str, int] = {}
    tokens = _tokens(analyzer, sents, ids)
    stems = frozenset(analyzer.terms(question))
    wanted = {ids[s]: 1.0 for s in stems if s in ids}
    base = {
        "sentences": tuple(sents),
        "sentence_terms": [set(t) for t in tokens],
        "weights": wanted,
        "total_weight": 1.0,
    }
    params = SnippetParams(max_sentences=4, max_chars=10_000)
    stemmed = make_snippet(SnippetInput(**base, stems=stems, best=0), params, analyzer)
    read = make_snippet(SnippetInput(**base, stems=frozenset(), best=0, sentence_tokens=tokens), params, analyzer)
    assert read == stemmed
