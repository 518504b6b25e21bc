"""Re-ranking: BM25 candidates (bm25.py) re-scored with sentence-level evidence (best
sentence, word pairs, coverage) and, when the caller reads the candidates' text, surface
evidence (bot/surface.py), blended with weights fitted on SQuAD articles 0-23."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import numpy as np

from ..surface import SurfaceFeatures, SurfaceFn, TermPresence
from .anchors import AnchorField
from .bm25 import Index
from .fusion import DenseQuery, FusionParams, fuse
from .query import TYPO_DISCOUNT, Query


class PassageFlags(Protocol):
    """One flag per passage, read for a question's candidates: `flags[docs]` (a numpy
    array, or flags judged as they are first read: knowledge.ReleaseFlags)."""

    def __getitem__(self, docs: np.ndarray, /) -> np.ndarray: ...


@dataclass(frozen=True)
class RankParams:
    """How the final ranking blends paragraph BM25 with sentence-level evidence."""

    candidates: int = 30  # paragraphs re-ranked after the BM25 pass (40 ranked SQuAD, docs and article alike)
    # Weights of the evidence added to BM25 (relative to the best candidate's BM25), fitted
    # on SQuAD articles 0-23 only and checked on 24-47.
    sentence_weight: float = 0.3  # best sentence's share of the question's idf weight
    sentence_count_weight: float = 0.0  # best sentence's share of the question's words
    pair_weight: float = 0.2  # question word pairs found side by side
    coverage_weight: float = 0.2  # paragraph's share of the question's idf weight
    # Surface evidence (bot/surface.py), when the caller supplies the passages' text:
    exact_weight: float = 0.4  # share of the question's weight found in the words as typed
    sentence_exact_weight: float = 0.1  # the same within the best sentence
    answer_type_weight: float = 0.15  # best sentence has the kind of answer asked for
    # A passage that shows a fenced block (code example, command, table; knowledge.py
    # fenced_passages) gets this much: in documentation members ask how to do things and the
    # passage with the example answers, where settings lists and overviews only share the
    # words. Fitted on the docs development set, both halves apart (bench/rank_trials.py:
    # hit@1 0.483 -> 0.567, odd and even lines alike; words only and MiniLM gain too);
    # SQuAD and plain text have no fences, so their ranking does not change.
    fence_weight: float = 0.3
    # Release history (changelogs, release notes and announcements: documents/releases.py)
    # counts this much less: it names every feature in a line and matches the question, where
    # the page that explains the feature is what a member needs. Poetry's docs (the
    # development set) have none, so it was chosen on two held-out sets with release
    # history, hatch and tox (bench/docs_holdout.py): 0.3 is the least weight at which both
    # gain (e5 hatch hit@1 0.300 -> 0.333, tox hit@3 0.533 -> 0.567; words only hatch
    # 0.333 -> 0.367); higher weights score the same or better. SQuAD and the article have none.
    release_weight: float = 0.3
    # A passage that continues the section the passage before it began (a long section cut
    # in parts, knowledge.continued_passages) counts this much less: each part carries the
    # heading, so a question naming it found the shortest part first, where the first part
    # is what the heading introduces. Fitted on the docs development set (e5 hit@1 0.600 ->
    # 0.617, hit@3 0.800 -> 0.817, the even half's hit@3 too; words only 0.467 -> 0.483;
    # 0.1-0.4 alike) and checked on the held-out sets (bench/heldout.py: cibuildwheel e5
    # hit@1 0.467 -> 0.500, hit@3 0.567 -> 0.600; click words only 0.367 -> 0.400; build
    # words only hit@3 0.700 -> 0.733; none lower). SQuAD and plain text have no headings.
    continuation_weight: float = 0.2
    typo_discount: float = TYPO_DISCOUNT  # a typo match counts a little less than the real word
    heading_coverage: bool = True  # question words in the passage's heading path count as found


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a passage shows of a question, beyond its BM25 score."""

    coverage: float  # share of the question's idf weight found in the passage
    count_coverage: float  # share of the question's distinct words found in the passage
    sentence_coverage: float  # share of the idf weight found in the best sentence
    sentence_count_coverage: float  # share of the words found in the best sentence
    pairs: float  # share of the question's adjacent word pairs found near each other
    best_sentence: int  # index of the best sentence within the paragraph
    matched: int  # distinct question words found in the passage
    missing_known: int  # question words not in the passage but elsewhere in the index
    missing_unknown: int  # question words the index does not have at all
    exact: float = 0.0  # share of the idf weight found as typed (0 without surface evidence)
    sentence_exact: float = 0.0  # the same within the best sentence
    answer_type: float = 0.0  # 1.0 when the best sentence has the kind of answer asked for


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage with the evidence behind its rank."""

    passage: int  # position in the index's passage list
    score: float  # final ranking score
    bm25: float  # rank-bm25 BM25+ score of the paragraph
    evidence: Evidence
    cosine: float | None = None  # dense cosine of question and passage (None: no model)
    sentence_cosine: float | None = None  # the same for the best sentence (None: not stored)

    @property
    def coverage(self) -> float:
        return self.evidence.coverage

    @property
    def best_sentence(self) -> int:
        return self.evidence.best_sentence


def search(
    index: Index,
    query: Query,
    k: int,
    rank: RankParams,
    surface: SurfaceFn | None = None,
    dense: DenseQuery | None = None,
    fusion: FusionParams | None = None,
    fenced: PassageFlags | None = None,
    anchors: AnchorField | None = None,
    releases: PassageFlags | None = None,
    continued: PassageFlags | None = None,
    *,
    pool: int | None = None,
) -> list[Hit]:
    """Top-k passages: BM25 candidates (plus the dense nearest neighbours), re-ranked with
    sentence-level evidence, surface evidence when `surface` reads the candidates' text,
    the dense cosines when a `dense` match is given (fused as fusion.py says), and
    rank.fence_weight for the passages `fenced` marks (one flag per passage), the words of
    the links pointing at a passage (`anchors`, fusion.anchor_weight), and less by
    rank.release_weight for the release history `releases` marks and by
    rank.continuation_weight for the sections' later parts `continued` marks. `pool`: the BM25
    candidates are those asking for that many would take (default k), so asking for more
    ranks further down without changing the top `pool` (fewer than k when the candidates
    run out)."""
    fusion = fusion or FusionParams()
    extra = dense.candidates[: fusion.candidates] if dense is not None else None
    batch = evidence_batch(index, query, max(rank.candidates, pool or k), rank.heading_coverage, extra)
    if batch is None:
        return []
    # BM25+ scores (with their constant part) relative to the best candidate's.
    best = float(batch.bm25.max()) or 1.0
    scores = (
        batch.bm25 / best
        + rank.sentence_weight * batch.sent_w
        + rank.sentence_count_weight * batch.sent_n
        + rank.pair_weight * batch.pairs
        + rank.coverage_weight * batch.cov_w
    )
    if fenced is not None and rank.fence_weight:
        scores += rank.fence_weight * fenced[batch.docs]
    if releases is not None and rank.release_weight:
        scores -= rank.release_weight * releases[batch.docs]
    if continued is not None and rank.continuation_weight:
        scores -= rank.continuation_weight * continued[batch.docs]
    if anchors is not None and fusion.anchor_weight:
        scores += fusion.anchor_weight * anchors.scores(batch.docs, query, index.idf)
    cos = sent_cos = None
    fused: Callable[[np.ndarray], np.ndarray] | None = None  # lexical scores -> final ones
    if dense is not None:
        cos = dense.passage_cosines(batch.docs)
        sent_cos = dense.sentence_cosines(batch.docs, batch.best_sentence)
        fused = partial(fuse, cosine=cos, sentence=sent_cos, params=fusion)
    if surface is not None:
        monotone = fused is None or fusion.method == "linear"
        batch.surface = _surface_of_top(batch, scores, surface, rank, k, fused, monotone)
        scores += _surface_bonus(batch.surface, rank)
    if fused is not None:
        scores = fused(scores)
    order = np.lexsort((batch.docs, -scores))[:k]
    return [
        Hit(
            int(batch.docs[i]),
            float(scores[i]),
            float(batch.bm25[i]),
            batch.evidence(int(i)),
            None if cos is None else float(cos[i]),
            None if sent_cos is None else float(sent_cos[i]),
        )
        for i in order
    ]


def _surface_bonus(features: SurfaceFeatures, rank: RankParams) -> np.ndarray:
    return (
        rank.exact_weight * features.exact
        + rank.sentence_exact_weight * features.sentence_exact
        + rank.answer_type_weight * features.answer_type
    )


def _surface_of_top(
    batch: _Batch,
    scores: np.ndarray,
    surface: SurfaceFn,
    rank: RankParams,
    k: int,
    fused: Callable[[np.ndarray], np.ndarray] | None,
    monotone: bool,
) -> SurfaceFeatures:
    """The candidates' surface features, read only where they can change the top k: in
    the order of the best score a candidate could reach (its score with every feature at
    its cap), until the k-th best final score found beats every candidate not yet read.
    The others keep features of 0 and stay below the top k, which is then exactly what
    reading every candidate gives. `fused`: the final score of lexical scores (dense
    fusion), `monotone` when it never lowers a score for a higher lexical one."""
    docs, best, presence = batch.docs, batch.best_sentence, batch.presence
    c = docs.shape[0]
    if c <= k or not monotone:
        return surface(docs, best, presence)

    def final(lexical: np.ndarray) -> np.ndarray:
        return lexical if fused is None else fused(lexical)

    reach = final(scores + _surface_bonus(surface.caps(docs, presence), rank))
    order = np.argsort(-reach, kind="stable")
    exact, sent_exact, typed = np.zeros(c), np.zeros(c), np.zeros(c)
    done = 0
    while done < c:
        # k at a time: on the 100k pipeline questions 4.4 reads settle the top k on
        # average (56 % need only the first k); reading k more each round instead of 2k
        # reads 5.0 instead of 6.1 for 1.7 instead of 1.5 rounds.
        take = order[done : done + k]
        part = surface(docs[take], best[take], None if presence is None else presence.rows(take))
        exact[take], sent_exact[take], typed[take] = part.exact, part.sentence_exact, part.answer_type
        done += take.shape[0]
        if done < c:
            got = final(scores + _surface_bonus(SurfaceFeatures(exact, sent_exact, typed), rank))[order[:done]]
            kth = np.partition(got, done - k)[done - k]
            if kth > reach[order[done]] + 1e-9:  # a margin for rounding in the caps
                break
    return SurfaceFeatures(exact, sent_exact, typed)


def evidence_batch(
    index: Index, query: Query, m: int, heading_coverage: bool = True, extra: np.ndarray | None = None
) -> _Batch | None:
    """The m best BM25 candidates, plus the `extra` passages another retriever found (dense
    nearest neighbours), and their evidence, computed for all candidates at once."""
    known = query.known
    if index.size == 0:
        return None
    # A follow-up's context words help find candidates; the evidence below is its own words'.
    counted = (*known, *query.context)
    term_counts = [(t.term_id, t.count) for t in counted]
    if counted:
        docs, raw = index.top_bm25(term_counts, m)
    else:
        docs, raw = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    if extra is not None and extra.shape[0]:
        # The dense candidates BM25 did not find, sorted (as np.setdiff1d gives them: a
        # set of ~40 ints is ~20x cheaper than its sort-based way).
        have = set(docs.tolist())
        more = np.array(sorted({d for d in extra.tolist() if d not in have}), dtype=np.int32)
        docs = np.concatenate([docs.astype(np.int32), more])
        raw = np.concatenate([raw.astype(np.float32), index.bm25_of(more, term_counts)])
    if docs.shape[0] == 0:
        return None
    by_doc = docs.argsort()  # passage order makes token positions increase throughout
    docs, raw = docs[by_doc], raw[by_doc]
    # Query terms as positions 0..Q-1 in a sorted id array, for vectorised membership.
    weight_by_id = {t.term_id: t.weight for t in known}
    ids = sorted(weight_by_id)
    qids = np.array(ids, dtype=np.int32)
    nq = qids.shape[0]
    qw = np.array([weight_by_id[t] for t in ids], dtype=np.float64)
    total_w = query.total_weight or 1.0
    total_n = len(query.terms)
    unknown = total_n - len(known)
    c = docs.shape[0]
    if nq == 0:  # no question word is in the index: dense candidates, without word evidence
        zero = np.zeros(c)
        return _Batch(
            docs,
            zero.copy(),
            0.0,
            zero,
            zero,
            zero,
            zero,
            zero,
            np.zeros(c, dtype=np.int64),
            np.zeros(c, dtype=np.int64),
            total_n,
            unknown,
        )

    # Gather the candidates' tokens (ragged slices of one array) and keep the matches.
    # (Array methods rather than np.* functions below: no Python dispatch, ~1 us a call.)
    token_ptr = index.token_ptr
    starts = token_ptr[docs]
    lens = token_ptr[docs + 1] - starts
    ends = lens.cumsum()
    toks = index.tokens[np.arange(int(ends[-1]), dtype=np.int64) + (starts - (ends - lens)).repeat(lens)]
    slot = index.query_slots(qids, toks)  # position in qids, -1 for other terms
    local = (slot >= 0).nonzero()[0]  # matches, as positions in the gathered tokens
    q = slot[local].astype(np.int64)
    cand = ends.searchsorted(local, side="right")  # which candidate each match is in
    gpos = local + (starts - (ends - lens))[cand]  # position in index.tokens

    # Passage level: distinct question words found, and their weight; a word of the
    # passage's heading path counts as found ("Activating the environment" above it).
    # Dense (candidate, word) tables: nonzero() lists them in key order, as unique() did.
    seen = np.zeros(c * nq, dtype=bool)
    seen[cand * nq + q] = True
    presence = TermPresence(qids, seen.reshape(c, nq).copy())  # the passages' own words
    if heading_coverage and index.head_tokens.shape[0]:
        seen[index.head_matches(docs, qids)] = True
    pk = seen.nonzero()[0]
    matched = np.bincount(pk // nq, minlength=c)
    cov_w = np.bincount(pk // nq, weights=qw[pk % nq], minlength=c) / total_w

    # Sentence level: the best sentence of each candidate (most words and weight). The
    # candidates' sentences are numbered 0..S-1 in passage order, so a match's sentence is
    # a binary search in their few starts rather than in every sentence of the index.
    ps0 = index.passage_sentence_ptr[docs]
    n_sent = index.passage_sentence_ptr[docs + 1] - ps0
    s_ends = n_sent.cumsum()
    s_first = s_ends - n_sent  # candidate i's sentences: s_first[i]..s_ends[i]-1
    sent_start = index.sentence_ptr[np.arange(int(s_ends[-1]), dtype=np.int64) + (ps0 - s_first).repeat(n_sent)]
    sent = sent_start.searchsorted(gpos, side="right") - 1
    s_seen = np.zeros(int(s_ends[-1]) * nq, dtype=bool)
    s_seen[sent * nq + q] = True
    sk = s_seen.nonzero()[0]
    rows = sk // nq  # sorted, so each sentence starts where the row changes
    new_row = np.empty(rows.shape[0], dtype=bool)
    new_row[:1] = True
    np.not_equal(rows[1:], rows[:-1], out=new_row[1:])
    s_id = rows[new_row]
    s_inv = new_row.cumsum() - 1
    s_w = np.bincount(s_inv, weights=qw[sk % nq]) / total_w
    s_n = np.bincount(s_inv).astype(np.float64) / total_n
    s_cand = cand[sent.searchsorted(s_id)]  # sent is sorted, as gpos increases
    order = np.lexsort((-s_id, s_w, s_w + s_n, s_cand))  # ties: the earliest sentence
    last = np.ones(order.shape[0], dtype=bool)
    last[:-1] = s_cand[order][1:] != s_cand[order][:-1]
    best_rows = order[last]
    sent_w = np.zeros(c)
    sent_n = np.zeros(c)
    best_sent = np.zeros(c, dtype=np.int64)
    bc = s_cand[best_rows]
    sent_w[bc] = s_w[best_rows]
    sent_n[bc] = s_n[best_rows]
    best_sent[bc] = s_id[best_rows] - s_first[bc]

    # Adjacent question word pairs that stand within two tokens of each other.
    pairs = np.zeros(c)
    pair_ids = _adjacent_pairs(query)
    if pair_ids and gpos.shape[0] > 1:
        col = {t: i for i, t in enumerate(ids)}  # term id -> its position in qids
        wanted = np.zeros(nq * nq, dtype=bool)  # (lower, higher) word positions -> asked for
        # a != b, so never the diagonal
        wanted[[min(col[a], col[b]) * nq + max(col[a], col[b]) for a, b in pair_ids]] = True
        hit = np.zeros(c * nq * nq, dtype=bool)  # (candidate, pair) found: a dense table, as above
        for step in (1, 2):
            a_c, b_c = cand[:-step], cand[step:]
            a_q, b_q = q[:-step], q[step:]
            key = np.minimum(a_q, b_q) * nq + np.maximum(a_q, b_q)
            ok = (a_c == b_c) & (gpos[step:] - gpos[:-step] <= 2) & wanted[key]
            hit[a_c[ok] * (nq * nq) + key[ok]] = True
        fk = hit.nonzero()[0]
        # Out of all adjacent pairs of the question: a pair with a word the index lacks
        # cannot be found, and should not make the pairs that can count for more.
        pairs = np.bincount(fk // (nq * nq), minlength=c) / max(1, len(query.terms) - 1)

    constant = sum(float(index.idf[t.term_id]) * index.params.delta * t.count for t in counted)
    return _Batch(
        docs,
        raw.astype(np.float64) + constant,
        constant,
        cov_w,
        matched / total_n,
        sent_w,
        sent_n,
        pairs,
        best_sent,
        matched,
        total_n,
        unknown,
        presence=presence,
    )


@dataclass
class _Batch:
    """Evidence for a set of candidate passages, one array entry per candidate."""

    docs: np.ndarray
    bm25: np.ndarray  # rank-bm25 BM25+ scores
    constant: float  # the part of every BM25+ score that does not depend on the passage
    cov_w: np.ndarray
    cov_n: np.ndarray
    sent_w: np.ndarray
    sent_n: np.ndarray
    pairs: np.ndarray
    best_sentence: np.ndarray
    matched: np.ndarray
    total_n: int
    unknown: int
    surface: SurfaceFeatures | None = None
    presence: TermPresence | None = None  # which question terms each candidate's words hold

    def evidence(self, i: int) -> Evidence:
        matched = int(self.matched[i])
        sf = self.surface
        return Evidence(
            coverage=float(self.cov_w[i]),
            count_coverage=float(self.cov_n[i]),
            sentence_coverage=float(self.sent_w[i]),
            sentence_count_coverage=float(self.sent_n[i]),
            pairs=float(self.pairs[i]),
            best_sentence=int(self.best_sentence[i]),
            matched=matched,
            missing_known=self.total_n - self.unknown - matched,
            missing_unknown=self.unknown,
            exact=float(sf.exact[i]) if sf else 0.0,
            sentence_exact=float(sf.sentence_exact[i]) if sf else 0.0,
            answer_type=float(sf.answer_type[i]) if sf else 0.0,
        )


def _adjacent_pairs(query: Query) -> list[tuple[int, int]]:
    ids = [t.term_id for t in query.terms]
    return [(a, b) for a, b in zip(ids, ids[1:]) if a >= 0 and b >= 0 and a != b]
