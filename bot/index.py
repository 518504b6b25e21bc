"""The BM25 index: rank-bm25's BM25+ model compiled into numpy arrays, plus sentence-level
re-ranking and a coverage-based confidence.

Why BM25+: rank-bm25's Okapi idf, log((N - n + 0.5) / (n + 0.5)), is zero for a term in
exactly half of the documents and negative above, so on a six-paragraph article a real
match ("germany") can weigh nothing. BM25+'s idf, log((N + 1) / n), stays positive.

Why compiled: rank-bm25's `get_scores` walks every document in Python for every query
term. Here each term's postings (documents and precomputed BM25 weights) sit in flat
arrays, so scoring is one scatter-add per query term. `bm25_scores` equals rank-bm25's
`BM25Plus.get_scores` for the same tokens (tests check it).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .text import Analyzer, TypoIndex, near_stopword

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BM25Params:
    """rank-bm25's BM25Plus parameters (its defaults)."""

    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0


@dataclass(frozen=True)
class RankParams:
    """How the final ranking blends paragraph BM25 with sentence-level evidence."""

    candidates: int = 40  # paragraphs re-ranked after the BM25 pass
    # Weights of the evidence added to BM25 (relative to the best candidate's BM25), fitted
    # on SQuAD articles 0-23 only and checked on 24-47.
    sentence_weight: float = 0.2  # best sentence's share of the question's idf weight
    sentence_count_weight: float = 0.1  # best sentence's share of the question's words
    pair_weight: float = 0.2  # question word pairs found side by side
    coverage_weight: float = 0.2  # paragraph's share of the question's idf weight
    typo_discount: float = 0.8  # a typo match counts a little less than the real word
    # The confidence rule: an answer needs the question's words found in the passage to
    # outweigh those missing from it. A missing word the knowledge base has elsewhere counts
    # half (the passage may say it in other words); a word it has never seen counts fully.
    # Counts, not idf, so the rule means the same for 6 paragraphs or 2 million.
    missing_known_weight: float = 0.5
    min_answer_share: float = 0.5  # the found words' share must exceed this


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One distinct content word of a question, as the index sees it."""

    word: str  # as typed (lower-cased)
    stem: str
    term_id: int  # -1 when the knowledge base does not have it
    count: int  # occurrences in the question (BM25 counts repeats)
    weight: float  # its share of the question: idf, discounted for typo matches
    typo: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """A question analysed against one index."""

    text: str
    terms: tuple[QueryTerm, ...]

    @property
    def known(self) -> tuple[QueryTerm, ...]:
        return tuple(t for t in self.terms if t.term_id >= 0)

    @property
    def total_weight(self) -> float:
        return sum(t.weight for t in self.terms)

    @property
    def matched_stems(self) -> frozenset[str]:
        """Stems whose occurrences in a passage answer this question (for highlighting)."""
        return frozenset(t.stem for t in self.terms if t.term_id >= 0)


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


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked passage with the evidence behind its rank."""

    passage: int  # position in the index's passage list
    score: float  # final ranking score
    bm25: float  # rank-bm25 BM25+ score of the paragraph
    evidence: Evidence

    @property
    def coverage(self) -> float:
        return self.evidence.coverage

    @property
    def best_sentence(self) -> int:
        return self.evidence.best_sentence


class Index:
    """BM25+ over passages, stored as flat numpy arrays (CSR postings by term)."""

    def __init__(
        self,
        vocabulary: list[str],
        doc_len: np.ndarray,
        tokens: np.ndarray,
        token_ptr: np.ndarray,
        sentence_ptr: np.ndarray,
        passage_sentence_ptr: np.ndarray,
        params: BM25Params,
        typo: TypoIndex | None = None,
    ) -> None:
        self.params = params
        self.vocabulary = vocabulary
        self.term_ids = {t: i for i, t in enumerate(vocabulary)}
        self.doc_len = doc_len  # tokens per passage (stopwords excluded)
        self.tokens = tokens  # all passages' term ids, in reading order
        self.token_ptr = token_ptr  # passage p's tokens: tokens[token_ptr[p]:token_ptr[p+1]]
        self.sentence_ptr = sentence_ptr  # sentence s: tokens[sentence_ptr[s]:sentence_ptr[s+1]]
        self.passage_sentence_ptr = passage_sentence_ptr  # passage p's sentences
        self.size = int(doc_len.shape[0])
        self.avgdl = float(doc_len.mean()) if self.size else 0.0
        self._build_postings()
        self.typo = typo if typo is not None else TypoIndex(vocabulary)
        self._scratch = threading.local()

    # -- construction -----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        passages_sentences: Sequence[Sequence[Sequence[str]]],
        params: BM25Params | None = None,
    ) -> Index:
        """Build from each passage's sentences' terms (lists of stems)."""
        vocab: dict[str, int] = {}
        ids: list[int] = []
        sent_lens: list[int] = []
        sents_per_passage: list[int] = []
        for sentences in passages_sentences:
            sents_per_passage.append(len(sentences))
            for sent in sentences:
                sent_lens.append(len(sent))
                for term in sent:
                    tid = vocab.get(term)
                    if tid is None:
                        tid = vocab[term] = len(vocab)
                    ids.append(tid)
        tokens = np.asarray(ids, dtype=np.int32)
        sentence_ptr = np.zeros(len(sent_lens) + 1, dtype=np.int64)
        np.cumsum(np.asarray(sent_lens, dtype=np.int64), out=sentence_ptr[1:])
        passage_sentence_ptr = np.zeros(len(sents_per_passage) + 1, dtype=np.int64)
        np.cumsum(np.asarray(sents_per_passage, dtype=np.int64), out=passage_sentence_ptr[1:])
        token_ptr = sentence_ptr[passage_sentence_ptr]
        doc_len = np.diff(token_ptr).astype(np.int32)
        return cls(list(vocab), doc_len, tokens, token_ptr, sentence_ptr, passage_sentence_ptr,
                   params or BM25Params())

    def _build_postings(self) -> None:
        n_terms = len(self.vocabulary)
        p = self.params
        doc_of_token = np.repeat(np.arange(self.size, dtype=np.int64), self.doc_len)
        keys = doc_of_token * max(n_terms, 1) + self.tokens.astype(np.int64)
        pairs, tf = np.unique(keys, return_counts=True)  # sorted by (doc, term)
        docs = (pairs // max(n_terms, 1)).astype(np.int32)
        terms = (pairs % max(n_terms, 1)).astype(np.int32)
        self.df = np.bincount(terms, minlength=n_terms).astype(np.int32)
        # BM25Plus idf as rank-bm25 computes it.
        self.idf = np.log((self.size + 1) / np.maximum(self.df, 1)).astype(np.float64)
        norm = p.k1 * (1 - p.b + p.b * self.doc_len[docs] / self.avgdl) if self.size else 0
        weights = self.idf[terms] * (tf * (p.k1 + 1)) / (norm + tf)
        order = np.argsort(terms, kind="stable")
        self.post_docs = docs[order]
        self.post_weights = weights[order].astype(np.float32)
        self.term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(self.df.astype(np.int64), out=self.term_ptr[1:])

    # -- BM25 ---------------------------------------------------------------------------

    def idf_of(self, term_id: int) -> float:
        """BM25+ idf; a term the corpus lacks weighs as if half a document had it."""
        if term_id < 0:
            return math.log((self.size + 1) / 0.5)
        return float(self.idf[term_id])

    def bm25_scores(self, query_terms: Sequence[str]) -> np.ndarray:
        """Scores of every passage, equal to rank-bm25 BM25Plus.get_scores(query_terms)."""
        scores = np.zeros(self.size, dtype=np.float64)
        constant = 0.0
        for term in query_terms:
            tid = self.term_ids.get(term)
            if tid is None:
                continue
            a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
            scores[self.post_docs[a:b]] += self.post_weights[a:b]
            # rank-bm25 adds idf * delta to every document, matched or not.
            constant += self.idf[tid] * self.params.delta
        return scores + constant

    def _accumulate(self, term_counts: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        """Scatter-add BM25 weights; returns (touched passages, their scores).

        A per-thread scratch array avoids allocating and clearing N floats per question.
        """
        scratch = getattr(self._scratch, "scores", None)
        if scratch is None or scratch.shape[0] != self.size:
            scratch = self._scratch.scores = np.zeros(self.size, dtype=np.float32)
        touched = []
        for tid, count in term_counts:
            a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
            docs = self.post_docs[a:b]
            scratch[docs] += self.post_weights[a:b] * count
            touched.append(docs)
        if not touched:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        cand = touched[0] if len(touched) == 1 else np.unique(np.concatenate(touched))
        vals = scratch[cand].copy()
        scratch[cand] = 0.0
        return cand, vals

    # -- queries ------------------------------------------------------------------------

    def analyse(self, question: str, analyzer: Analyzer, rank: RankParams) -> Query:
        """Map a question's content words to index terms, with typo tolerance."""
        stop = analyzer.stopwords
        words = [(w, analyzer.stem(w)) for w in analyzer.words(question) if w not in stop]
        return self.query(question, words, rank, stop)

    def query(
        self,
        text: str,
        words: Sequence[tuple[str, str]],
        rank: RankParams,
        stop: frozenset[str] = frozenset(),
    ) -> Query:
        """Build a query from (word, stem) pairs of content words, in question order.

        A stem the index lacks is replaced by the closest vocabulary term within the typo
        distance; failing that, a word one edit from a stopword is dropped as a mistyped
        filler word, and anything else stays as a term the knowledge base does not have.
        """
        counts: dict[str, int] = {}
        first_word: dict[str, str] = {}
        for word, stem in words:
            counts[stem] = counts.get(stem, 0) + 1
            first_word.setdefault(stem, word)
        terms: list[QueryTerm] = []
        for stem, count in counts.items():
            word = first_word[stem]
            tid = self.term_ids.get(stem, -1)
            if tid >= 0:
                terms.append(QueryTerm(word, stem, tid, count, self.idf_of(tid)))
                continue
            matches = self.typo.lookup(stem, limit=1) or (
                self.typo.lookup(word, limit=1) if word != stem else [])
            if matches:
                m = matches[0]
                terms.append(QueryTerm(word, self.vocabulary[m.term_id], m.term_id, count,
                                       self.idf_of(m.term_id) * rank.typo_discount, typo=True))
            elif stop and near_stopword(word, stop):
                continue  # "wat", "teh": a mistyped filler word, not a missing topic
            else:
                terms.append(QueryTerm(word, stem, -1, count, self.idf_of(-1)))
        return Query(text, tuple(terms))

    def candidates(self, query: Query, m: int) -> list[tuple[int, float, Evidence]]:
        """The m best passages by BM25, each with its sentence-level evidence."""
        known = query.known
        if not known or self.size == 0:
            return []
        cand, bm25 = self._accumulate([(t.term_id, t.count) for t in known])
        m = min(m, cand.shape[0])
        if m < cand.shape[0]:
            top = np.argpartition(-bm25, m - 1)[:m]
            cand, bm25 = cand[top], bm25[top]
        # rank-bm25 adds idf * delta per query term to every passage alike.
        constant = sum(float(self.idf[t.term_id]) * self.params.delta * t.count for t in known)
        weights = {t.term_id: t.weight for t in known}
        total_w = query.total_weight or 1.0
        total_n = len(query.terms)
        unknown = total_n - len(known)
        pairs = _adjacent_pairs(query)
        return [
            (doc, raw + constant, self._evidence(doc, weights, total_w, total_n, unknown, pairs))
            for doc, raw in zip(cand.tolist(), bm25.tolist())
        ]

    def search(self, query: Query, k: int, rank: RankParams) -> list[Hit]:
        """Top-k passages: BM25 first, then re-ranked with sentence-level evidence."""
        cands = self.candidates(query, max(rank.candidates, k))
        if not cands:
            return []
        best = max(raw for _, raw, _ in cands) or 1.0
        hits = [Hit(doc, score_of(raw / best, ev, rank), raw, ev) for doc, raw, ev in cands]
        hits.sort(key=lambda h: (-h.score, h.passage))
        return hits[:k]

    def sentence_terms(self, doc: int) -> list[set[int]]:
        """The distinct term ids of each sentence of a passage."""
        s0, s1 = int(self.passage_sentence_ptr[doc]), int(self.passage_sentence_ptr[doc + 1])
        bounds = self.sentence_ptr[s0:s1 + 1].tolist()
        toks = self.tokens[bounds[0]:bounds[-1]].tolist()
        base = bounds[0]
        return [set(toks[bounds[i] - base:bounds[i + 1] - base]) for i in range(s1 - s0)]

    def _evidence(
        self,
        doc: int,
        weight_of: dict[int, float],
        total_w: float,
        total_n: int,
        unknown: int,
        pairs: list[tuple[int, int]],
    ) -> Evidence:
        s0, s1 = int(self.passage_sentence_ptr[doc]), int(self.passage_sentence_ptr[doc + 1])
        base = int(self.sentence_ptr[s0])
        toks = self.tokens[base:int(self.sentence_ptr[s1])].tolist()
        bounds = self.sentence_ptr[s0:s1 + 1].tolist()
        seen: set[int] = set()
        best_w = best_n = 0.0
        best_key, best_i = (-1.0, -1.0), 0
        for i in range(s1 - s0):
            sent_terms = {t for t in toks[bounds[i] - base:bounds[i + 1] - base] if t in weight_of}
            seen |= sent_terms
            w = sum(weight_of[t] for t in sent_terms) / total_w
            n = len(sent_terms) / total_n
            if (w + n, w) > best_key:
                best_key, best_i, best_w, best_n = (w + n, w), i, w, n
        pair_frac = 0.0
        if pairs:
            positions: dict[int, list[int]] = {}
            for pos, t in enumerate(toks):
                if t in weight_of:
                    positions.setdefault(t, []).append(pos)
            found = 0
            for a, b in pairs:
                pa, pb = positions.get(a), positions.get(b)
                if pa and pb and any(abs(x - y) <= 2 for x in pa for y in pb):
                    found += 1
            pair_frac = found / len(pairs)
        return Evidence(
            coverage=sum(weight_of[t] for t in seen) / total_w,
            count_coverage=len(seen) / total_n,
            sentence_coverage=best_w,
            sentence_count_coverage=best_n,
            pairs=pair_frac,
            best_sentence=best_i,
            matched=len(seen),
            missing_known=total_n - unknown - len(seen),
            missing_unknown=unknown,
        )


def answer_share(ev: Evidence, rank: RankParams) -> float:
    """The found words' share of the question, missing known words counting less."""
    denom = ev.matched + rank.missing_known_weight * ev.missing_known + ev.missing_unknown
    return ev.matched / denom if denom else 0.0


def covers(ev: Evidence, rank: RankParams) -> bool:
    """Whether a passage really covers the question (the confidence rule)."""
    return answer_share(ev, rank) > rank.min_answer_share


def score_of(bm25_ratio: float, ev: Evidence, rank: RankParams) -> float:
    """The final ranking score: BM25 relative to the best candidate, plus evidence."""
    return (bm25_ratio
            + rank.sentence_weight * ev.sentence_coverage
            + rank.sentence_count_weight * ev.sentence_count_coverage
            + rank.pair_weight * ev.pairs
            + rank.coverage_weight * ev.coverage)


def _adjacent_pairs(query: Query) -> list[tuple[int, int]]:
    ids = [t.term_id for t in query.terms]
    return [(a, b) for a, b in zip(ids, ids[1:]) if a >= 0 and b >= 0 and a != b]
