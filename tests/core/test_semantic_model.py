"""The real embedding model on the seed article (skipped where the semantic extra is not
installed): members' own words reach the right paragraph, and unrelated documents added
beside the article do not take its answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.semantic.embedder import DEFAULT_MODEL, load_embedder
from bot.service import KnowledgeService
from tests.conftest import KNOWLEDGE, SEED_NAME

MIXED = Path(__file__).parent / "data" / "mixed"
# Words the article does not use ("pick", "react", "work"): issue 10's examples.
OWN_WORDS = {"why did they pick ramstein": 3, "how will russia react?": 6,
             "how many people will work at the space center?": 2}


@pytest.fixture(scope="module")
def embedder():
    e = load_embedder(DEFAULT_MODEL, threads=2)
    if e is None:
        pytest.skip(f"embedding model {DEFAULT_MODEL} not installed (pip install '.[semantic]')")
    return e


def test_members_words_find_the_article_paragraph_among_unrelated_documents(tmp_path: Path, embedder):
    folder = tmp_path / "k"
    folder.mkdir()
    shutil.copy(KNOWLEDGE / SEED_NAME, folder / SEED_NAME)
    alone = KnowledgeService.open(folder, embedder=embedder, use_saved_index=False)
    assert alone.wait_semantic(120) and alone.semantic.ready
    for f in MIXED.iterdir():
        shutil.copy(f, folder / f.name)
    mixed = KnowledgeService.open(folder, embedder=embedder, use_saved_index=False)
    assert mixed.wait_semantic(120)
    for service in (alone, mixed):
        for question, paragraph in OWN_WORDS.items():
            a = service.ask(question)
            # The right paragraph first; whether it is *answered* is the answerability model's
            # call, which still refuses some of these (known gap, issue 10 report).
            assert a.hybrid, question
            assert (a.best.citation.document, a.best.citation.paragraph) == (SEED_NAME, paragraph), question
    assert not mixed.ask("what time is it in tokyo").answered
