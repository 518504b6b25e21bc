from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


def _small_index_takes_large_paths(monkeypatch) -> None:
    """Dense columns and sampled thresholds, which only large indexes use, in a small one."""
    import bot.retrieval.bm25 as bm25

    monkeypatch.setattr(bm25, "_DENSE_MIN_PASSAGES", 0)
    monkeypatch.setattr(bm25, "_SAMPLE", 300)


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_pruned_top_m_equals_exhaustive_ranking(seed, large, monkeypatch):
    """MaxScore pruning must not change which passages make the BM25 top m."""
    if large:
        _small_index_takes_large_paths(monkeypatch)
    rng = np.random.default_rng(seed)
    words, corpus = random_corpus(rng, 4000, 3000)
    index = Index.build(corpus)
    if large:
        assert index.prepare_dense() > 0
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


@pytest.mark.parametrize("large", [False, True])
def test_dense_pruning_with_common_words_only(large, monkeypatch):
    """Queries of common words touch most passages; pruning and the dense pass stay exact."""
    if large:
        _small_index_takes_large_paths(monkeypatch)
    rng = np.random.default_rng(5)
    words, corpus = random_corpus(rng, 6000, 3000)
    index = Index.build(corpus)
    if large:
        assert index.prepare_dense() > 0 and index.prepare_dense() == 0  # made once
        assert index._dense_column(index.term_ids[words[0]]) is not None  # the dense path runs
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
    assert len(calls) > 20  # the pruned path ran


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


def _naive_evidence(corpus, doc, weights, pairs_wanted, total_w, total_n):
    """Evidence of one passage, the slow obvious way (the reference for evidence_batch)."""
    sents = corpus[doc]
    flat = [t for s in sents for t in s]
    found = {t for t in flat if t in weights}
    best, best_key = 0, None
    for i, s in enumerate(sents):
        ws = {t for t in s if t in weights}
        if not ws:
            continue
        key = (sum(weights[t] for t in ws) / total_w + len(ws) / total_n, sum(weights[t] for t in ws) / total_w)
        if best_key is None or key > best_key:
            best, best_key = i, key
    near = {
        frozenset((flat[i], flat[j]))
        for i in range(len(flat))
        for j in range(i + 1, min(i + 3, len(flat)))
        if flat[i] != flat[j] and frozenset((flat[i], flat[j])) in pairs_wanted
    }
    return sum(weights[t] for t in found) / total_w, len(found), best, len(near)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_evidence_batch_equals_naive_evidence(seed):
    from bot.retrieval.rerank import evidence_batch

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(30)]
    corpus = []
    for _ in range(120):  # passages of 0-4 sentences, some sentences empty (all stopwords)
        corpus.append(
            [
                [words[i] for i in rng.integers(0, 30, size=int(rng.integers(0, 8)))]
                for _ in range(int(rng.integers(0, 5)))
            ]
        )
    index = Index.build(corpus)
    for _ in range(30):
        picked = [words[i] for i in rng.integers(0, 30, size=int(rng.integers(1, 6)))] + ["not-in-corpus"] * int(
            rng.integers(0, 2)
        )
        q = make_query(index, "q", [(w, w) for w in picked])
        batch = evidence_batch(index, q, 40, heading_coverage=False)
        if batch is None:
            continue
        weights = {t.stem: t.weight for t in q.known}
        ids = [t.stem for t in q.terms]
        wanted = {frozenset(p) for p in zip(ids, ids[1:]) if p[0] != p[1] and p[0] in weights and p[1] in weights}
        total_w, total_n = q.total_weight, len(q.terms)
        for i, doc in enumerate(batch.docs.tolist()):
            cov, matched, best, near = _naive_evidence(corpus, doc, weights, wanted, total_w, total_n)
            assert batch.cov_w[i] == pytest.approx(cov)
            assert int(batch.matched[i]) == matched
            assert int(batch.best_sentence[i]) == best
            assert batch.pairs[i] == pytest.approx(near / max(1, total_n - 1))


def test_query_slots_leave_no_trace_between_questions():
    index = Index.build([[["a", "b", "c"]], [["c", "d"]]])
    ids = np.array([index.term_ids[t] for t in "abcd"], dtype=np.int32)
    first = index.query_slots(np.array([ids[0], ids[2]], dtype=np.int32), ids)
    assert first.tolist() == [0, -1, 1, -1]
    again = index.query_slots(np.array([ids[3]], dtype=np.int32), ids)
    assert again.tolist() == [-1, -1, -1, 0]


# -- top_bm25 against a brute-force ranking, on every path -----------------------------------


def _brute_top(index: Index, term_counts: list[tuple[int, int]], m: int) -> tuple[list[int], list[float]]:
    """Every passage scored with all query terms (float32, terms added rarest-first as
    top_bm25 adds them, so the sums are the same floats), the m best kept, of passages tied
    at the m-th score the first ones; passages no term touches are never candidates."""
    scores = np.zeros(index.size, dtype=np.float32)
    hit = np.zeros(index.size, dtype=bool)
    for _, tid, count in sorted(((float(index.term_max[t]) * c, t, c) for t, c in term_counts), reverse=True):
        a, b = index.term_ptr[tid], index.term_ptr[tid + 1]
        column = np.zeros(index.size, dtype=np.float32)
        column[index.post_docs[a:b]] = index.post_weights[a:b] * np.float32(count)
        scores += column
        hit[index.post_docs[a:b]] = True
    docs = np.flatnonzero(hit)
    order = sorted(docs.tolist(), key=lambda d: (-scores[d], d))[:m]
    return order, [float(scores[d]) for d in order]


@st.composite
def _corpus_and_queries(draw):
    """A small corpus whose first words are in a third to nearly all of the passages (dense
    columns, wide queries), the rest rarer; queries of a few rare terms (often repeated, so
    MaxScore prunes) and common ones."""
    n_docs = draw(st.integers(1, 400))
    common = draw(st.integers(1, 6))
    vocab = common + draw(st.integers(0, 150))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    share = np.where(np.arange(vocab) < common, rng.uniform(0.3, 0.95, vocab), rng.uniform(0.005, 0.25, vocab))
    corpus = []
    for _ in range(n_docs):
        present = np.flatnonzero(rng.random(vocab) < share)
        toks = [f"w{i}" for i in present for _ in range(int(rng.integers(1, 4)))]
        rng.shuffle(toks)
        cut = int(rng.integers(0, len(toks) + 1))
        corpus.append([toks[:cut], toks[cut:]])
    terms = st.dictionaries(st.integers(0, vocab - 1), st.integers(1, 3), max_size=4)
    commons = st.dictionaries(st.integers(0, common - 1), st.integers(1, 3), max_size=4)
    queries = draw(st.lists(st.builds(lambda a, b: a | b, terms, commons), min_size=1, max_size=8))
    return corpus, queries


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_corpus_and_queries(), st.booleans(), st.sampled_from([1, 2, 3, 5, 10, 30, 1000]))
def test_top_bm25_equals_brute_force_on_every_path(data, large, m):
    """The pruned, dense-column, sampled-threshold and plain paths all return exactly the
    brute-force top m: the same passages (ties at the m-th score to the first ones) with the
    same float32 scores, which are BM25+ without its constant part."""
    import bot.retrieval.bm25 as bm25

    corpus, queries = data
    with pytest.MonkeyPatch.context() as mp:
        if large:  # what only big indexes do, in a small one
            mp.setattr(bm25, "_DENSE_MIN_PASSAGES", 0)
            mp.setattr(bm25, "_SAMPLE", 16)
        index = Index.build(corpus)
        if large:
            index.prepare_dense()
        for q in queries:
            term_counts = [(index.term_ids[f"w{w}"], c) for w, c in q.items() if f"w{w}" in index.term_ids]
            if not term_counts:
                continue
            docs, vals = index.top_bm25(term_counts, m)
            got = sorted(zip(docs.tolist(), vals.tolist()), key=lambda p: (-p[1], p[0]))
            want_docs, want_vals = _brute_top(index, term_counts, m)
            assert [d for d, _ in got] == want_docs
            assert [v for _, v in got] == want_vals
            query = [index.vocabulary[t] for t, c in term_counts for _ in range(c)]
            constant = sum(float(index.idf[t]) * c for t, c in term_counts)
            np.testing.assert_allclose(
                np.asarray(want_vals) + constant, index.bm25_scores(query)[want_docs], rtol=1e-5, atol=1e-5
            )


def test_top_bm25_of_no_passages_is_empty():
    index = Index.build([[["a", "b"]], [["a"]], [["c"]]])
    for m in (0, -1):
        docs, vals = index.top_bm25([(0, 1), (1, 1)], m)
        assert docs.shape == vals.shape == (0,)
    docs, _ = index.top_bm25([(0, 1), (1, 1)], 3)  # and the scratch array is still clean
    assert sorted(docs.tolist()) == [0, 1]


def test_chunk_of_stopword_only_passages_builds(monkeypatch):
    """The last chunk of the postings build can hold passages without a body token (the
    passage before them crossed the last chunk mark): it adds no postings, and no crash."""
    import bot.retrieval.bm25 as bm25

    corpus = [[["a"] * 3 + ["b"] * 12], [[]], [[]]]
    whole = Index.build(corpus)
    monkeypatch.setattr(bm25, "_CHUNK_TOKENS", 10)
    chunked = Index.build(corpus)
    assert chunked._chunks() == [(0, 1), (1, 3)]
    for name, arr in whole.arrays().items():
        assert np.array_equal(chunked.arrays()[name], arr), name
    heads = Index.from_ids(  # and with heading paths, in that chunk too
        np.zeros(15, dtype=np.int32),
        np.array([15, 0, 0]),
        np.array([1, 1, 1]),
        ["a", "kubernetes"],
        head_tokens=np.array([1, 1], dtype=np.int32),
        heads_per_passage=np.array([0, 1, 1]),
    )
    assert heads.df.tolist() == [1, 2]


def test_headings_count_when_every_body_is_stopwords():
    index = Index.from_ids(
        np.zeros(0, dtype=np.int32),
        np.array([0, 0]),
        np.array([1, 1]),
        ["kubernetes", "deploy"],
        head_tokens=np.array([0, 0, 1], dtype=np.int32),  # "kubernetes" | "kubernetes deploy"
        heads_per_passage=np.array([1, 2]),
    )
    docs, vals = index.top_bm25([(index.term_ids["deploy"], 1)], 5)
    assert docs.tolist() == [1] and vals[0] > 0
    docs, _ = index.top_bm25([(index.term_ids["kubernetes"], 1)], 5)
    assert sorted(docs.tolist()) == [0, 1]


def _headed_index(seed: int) -> tuple[Index, list[list[int]], list[list[int]]]:
    """An index with a heading field over random passages (some without a heading)."""
    rng = np.random.default_rng(seed)
    words, corpus = random_corpus(rng, 300, 120)
    term = {w: i for i, w in enumerate(words)}
    bodies = [[term[t] for s in sents for t in s] for sents in corpus]
    heads = [rng.choice(len(words), size=int(rng.integers(0, 4))).tolist() for _ in corpus]
    index = Index.from_ids(
        np.array([t for b in bodies for t in b], dtype=np.int32),
        np.array([len(b) for b in bodies]),
        np.ones(len(bodies), dtype=np.int64),
        words,
        head_tokens=np.array([t for h in heads for t in h], dtype=np.int32),
        heads_per_passage=np.array([len(h) for h in heads]),
    )
    return index, bodies, heads


@pytest.mark.parametrize("seed", [0, 1])
def test_bm25f_postings_equal_the_formula_pair_by_pair(seed):
    index, bodies, heads = _headed_index(seed)
    p = index.params
    avgdl = sum(map(len, bodies)) / len(bodies)
    avg_head = sum(map(len, heads)) / len(heads)
    words = {w: i for i, w in enumerate(index.vocabulary)}  # unused terms were dropped
    expect: dict[tuple[int, int], float] = {}
    for doc, (body, head) in enumerate(zip(bodies, heads)):
        body_norm = 1 - p.b + p.b * len(body) / avgdl
        head_norm = 1 - p.head_b + p.head_b * len(head) / avg_head
        for t in set(body) | set(head):
            tf = body.count(t) / body_norm + p.head_weight * head.count(t) / head_norm
            expect[(words[f"w{t}"], doc)] = tf
    got = {}
    for tid in range(len(index.vocabulary)):
        a, b = int(index.term_ptr[tid]), int(index.term_ptr[tid + 1])
        assert index.post_docs[a:b].tolist() == sorted(index.post_docs[a:b].tolist())
        for doc, w in zip(index.post_docs[a:b].tolist(), index.post_weights[a:b].tolist()):
            got[(tid, doc)] = w
    assert len(got) == index.post_docs.shape[0]  # each (term, passage) once
    assert got.keys() == expect.keys()
    for (tid, doc), tf in expect.items():
        w = index.idf[tid] * tf * (p.k1 + 1) / (p.k1 + tf)
        assert got[(tid, doc)] == pytest.approx(w, rel=1e-6)


def test_bm25f_postings_built_in_chunks_equal_one_pass(monkeypatch):
    import bot.retrieval.bm25 as bm25

    whole, _, _ = _headed_index(3)
    monkeypatch.setattr(bm25, "_CHUNK_TOKENS", 29)
    chunked, _, _ = _headed_index(3)
    assert len(chunked._chunks()) > 50
    for name, arr in whole.arrays().items():
        got = chunked.arrays()[name]
        assert got.dtype == arr.dtype and np.array_equal(got, arr), name
