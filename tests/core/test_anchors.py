"""Anchor text as ranking evidence: the words of the links pointing at a passage."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bot.answer import AnswerEngine, EngineConfig
from bot.builder import build_knowledge
from bot.retrieval.anchors import AnchorField
from bot.retrieval.fusion import FusionParams
from bot.retrieval.query import Query, QueryTerm
from bot.semantic.dense import DenseIndex
from bot.semantic.embedder import HashEmbedder
from bot.semantic.search import SemanticIndex
from bot.semantic.texts import passage_text
from bot.text import Analyzer


def _query(*stems_ids: tuple[str, int]) -> Query:
    return Query("q", tuple(QueryTerm(s, s, i, 1, 1.0) for s, i in stems_ids))


def test_field_scores_relative_to_best_candidate_and_zero_without_links():
    an = Analyzer()
    field = AnchorField.build({2: ("custom certificate authority",), 5: ("certificate", "settings")}, an)
    assert field is not None
    cert, auth = an.stem("certificate"), an.stem("authority")
    idf = np.array([1.0, 3.0])
    q = _query((cert, 0), (auth, 1))
    s = field.scores(np.array([0, 2, 5, 7]), q, idf)
    assert s[1] == 1.0  # the best candidate's is 1
    assert 0 < s[2] < s[1]  # one of the words, and the rarer one missing
    assert s[0] == s[3] == 0.0  # no link points at these
    assert not field.scores(np.array([0, 7]), q, idf).any()  # none linked: all 0, no division by 0


def test_no_field_without_link_words():
    an = Analyzer()
    assert AnchorField.build({}, an) is None
    assert AnchorField.build({3: ("", "the")}, an) is None  # stopwords only: nothing to match


def test_unknown_question_words_score_nothing():
    field = AnchorField.build({0: ("offline install",)}, Analyzer())
    assert field is not None
    q = Query("q", (QueryTerm("zzz", "zzz", -1, 1, 1.0),))
    assert not field.scores(np.array([0]), q, np.array([1.0])).any()


GUIDE = """\
# Guide

## Mirrors

Poetry can verify servers with a bundle of trusted roots from a mirror.

## Certificates

Poetry can verify servers with trusted roots.
"""

CONFIG = """\
# Config

## Settings

Each setting has a default. For your own [root CA bundle](guide.md#certificates) read the guide.
"""


def _engine(tmp_path: Path, anchor_weight: float) -> AnswerEngine:
    (tmp_path / "guide.md").write_text(GUIDE, encoding="utf-8")
    (tmp_path / "config.md").write_text(CONFIG, encoding="utf-8")
    built = build_knowledge(tmp_path)
    embedder = HashEmbedder()
    vectors = embedder.embed_passages([passage_text(p) for p in built.kb.passages])
    semantic = SemanticIndex(embedder, DenseIndex(vectors, embedder.model_id))
    config = EngineConfig(top_k=5, fusion=FusionParams(anchor_weight=anchor_weight))
    return AnswerEngine.from_built(built, config, semantic=semantic)


def _guide_order(engine: AnswerEngine, question: str) -> list[str]:
    ans = engine.ask(question)
    return [r.citation.section[-1] for r in ans.results if r.citation.document == "guide.md"]


def test_a_section_other_pages_link_to_by_the_questions_words_ranks_higher(tmp_path: Path):
    question = "where do i put a root CA bundle"
    # "bundle" is in the Mirrors section's own words; the link names Certificates so.
    assert _guide_order(_engine(tmp_path, 0.0), question) == ["Mirrors", "Certificates"]
    with_links = _engine(tmp_path, 1.0)
    assert with_links.anchors is not None
    assert _guide_order(with_links, question) == ["Certificates", "Mirrors"]
    # A question the link's words do not hold is ranked as without them.
    assert _guide_order(with_links, "verify servers from a mirror") == ["Mirrors", "Certificates"]


def test_no_field_without_links_or_without_a_weight(tmp_path: Path):
    (tmp_path / "a.txt").write_text("Plain text.\n\nNo links here at all.\n", encoding="utf-8")
    built = build_knowledge(tmp_path)
    assert AnswerEngine.from_built(built, EngineConfig(fusion=FusionParams(anchor_weight=1.0))).anchors is None
    linked = tmp_path / "linked"
    linked.mkdir()
    assert _engine(linked, 0.0).anchors is None  # a model whose fusion does not weigh links
