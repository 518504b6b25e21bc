from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from bot.retrieval.bm25 import Index
from bot.retrieval.query import query as make_query
from bot.retrieval.rerank import RankParams, search


def random_corpus(rng: np.random.Generator, n_docs: int, vocab: int):
    words = [f"w{i}" for i in range(vocab)]
    probs = 1 / np.arange(1, vocab + 1) ** 1.1
    probs /= probs.sum()
    corpus = []
    for _ in range(n_docs):
        length = int(rng.integers(1, 40))
        toks = [words[i] for i in rng.choice(vocab, size=length, p=probs)]
        cut = int(rng.integers(0, length + 1))
        corpus.append([toks[:cut], toks[cut:]])  # two "sentences"
    return words, corpus


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bm25_scores_equal_rank_bm25(seed):
    rng = np.random.default_rng(seed)
    words, corpus = random_corpus(rng, 300, 200)
    index = Index.build(corpus)
    reference = BM25Plus([s[0] + s[1] for s in corpus])
    for _ in range(25):
        query = [words[i] for i in rng.integers(0, 200, size=int(rng.integers(1, 6)))]
        query += ["not-in-corpus"]
        ours = index.bm25_scores(query)
        theirs = reference.get_scores(query)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_term_in_half_the_documents_still_counts():
    # rank-bm25's Okapi idf would be 0 here; BM25+ keeps it positive.
    corpus = [[["germany", "base"]], [["germany"]], [["germany", "x"]], [["y"]], [["z"]], [["base"]]]
    index = Index.build(corpus)
    scores = index.bm25_scores(["germany"])
    assert scores[0] > scores[3]
    assert index.idf[index.term_ids["germany"]] > 0


def test_search_ranks_sentence_evidence_and_reports_coverage():
    corpus = [
        [["space", "center", "ramstein"], ["germany", "base"]],
        [["space"], ["center"], ["weather"]],
        [["unrelated", "words"]],
    ]
    index = Index.build(corpus)
    rank = RankParams()
    q = make_query(index, "q", [(w, w) for w in ["space", "center", "ramstein"]])
    hits = search(index, q, 3, rank)
    assert [h.passage for h in hits] == [0, 1]
    assert hits[0].evidence.coverage == pytest.approx(1.0)
    assert hits[0].evidence.sentence_count_coverage == pytest.approx(1.0)
    assert hits[1].evidence.count_coverage == pytest.approx(2 / 3)


def test_unknown_terms_weigh_in_coverage_but_not_bm25():
    corpus = [[["alpha", "beta"]], [["gamma"]]]
    index = Index.build(corpus)
    rank = RankParams()
    q = make_query(index, "q", [("alpha", "alpha"), ("zeta", "zeta")])
    assert [t.term_id >= 0 for t in q.terms] == [True, False]
    hit = search(index, q, 1, rank)[0]
    assert 0 < hit.evidence.coverage < 0.5
    assert hit.evidence.count_coverage == pytest.approx(0.5)


def test_empty_query_finds_nothing():
    index = Index.build([[["a"]]])
    assert search(index, make_query(index, "", []), 3, RankParams()) == []


@pytest.mark.parametrize("seed", [0, 1])
def test_pruned_top_m_equals_exhaustive_ranking(seed, monkeypatch):
    """MaxScore pruning must not change which passages make the BM25 top m."""
    rng = np.random.default_rng(seed)
    words, corpus = random_corpus(rng, 4000, 3000)
    index = Index.build(corpus)
    pruned = 0
    calls = []
    original = Index._lookup_rest
    monkeypatch.setattr(Index, "_lookup_rest", lambda self, *a: calls.append(1) or original(self, *a))
    for _ in range(200):
        # A rare word with common ones (pruning kicks in), or common words only (a dense pass).
        query = [words[int(rng.integers(100, 3000))]] if rng.random() < 0.7 else []
        query += [words[int(i)] for i in rng.integers(0, 8, size=3)]
        exhaustive = index.bm25_scores(query)
        for m in (1, 5, 40):
            docs, vals = index.top_bm25(
                [(index.term_ids[w], query.count(w)) for w in dict.fromkeys(query) if w in index.term_ids], m
            )
            expected = np.sort(exhaustive)[::-1][:m]
            constant = sum(float(index.idf[index.term_ids[w]]) for w in query if w in index.term_ids)
            np.testing.assert_allclose(
                np.sort(vals.astype(np.float64) + constant)[::-1][: len(docs)],
                expected[: len(docs)],
                rtol=1e-5,
                atol=1e-4,
            )
            np.testing.assert_allclose(vals + constant, exhaustive[docs], rtol=1e-5, atol=1e-4)
        touched = sum(
            int(index.term_ptr[index.term_ids[w] + 1] - index.term_ptr[index.term_ids[w]])
            for w in set(query)
            if w in index.term_ids
        )
        pruned += touched > 2000
    assert pruned > 50  # the queries did exercise long postings
    assert len(calls) > 60  # and the pruned path ran


def test_dense_pruning_with_common_words_only(monkeypatch):
    """Queries of common words touch most passages; pruning and the dense pass stay exact."""
    rng = np.random.default_rng(5)
    words, corpus = random_corpus(rng, 6000, 3000)
    index = Index.build(corpus)
    calls = []
    original = Index._lookup_rest
    monkeypatch.setattr(Index, "_lookup_rest", lambda self, *a: calls.append(1) or original(self, *a))
    for _ in range(100):
        query = [words[int(i)] for i in rng.integers(0, 6, size=5)]
        exhaustive = index.bm25_scores(query)
        constant = sum(float(index.idf[index.term_ids[w]]) for w in query)
        for m in (1, 5, 40):
            docs, vals = index.top_bm25([(index.term_ids[w], query.count(w)) for w in dict.fromkeys(query)], m)
            np.testing.assert_allclose(
                np.sort(vals + constant)[::-1], np.sort(exhaustive)[::-1][: len(docs)], rtol=1e-5, atol=1e-4
            )
    assert len(calls) > 100


def test_postings_built_in_chunks_equal_one_pass(monkeypatch):
    import bot.retrieval.bm25 as bm25

    rng = np.random.default_rng(9)
    _, corpus = random_corpus(rng, 500, 300)
    whole = Index.build(corpus)
    monkeypatch.setattr(bm25, "_CHUNK_TOKENS", 37)  # dozens of chunks
    chunked = Index.build(corpus)
    assert len(chunked._chunks()) > 50
    for name, arr in whole.arrays().items():
        got = chunked.arrays()[name]
        assert got.dtype == arr.dtype and np.array_equal(got, arr), name
