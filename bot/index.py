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
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .surface import SurfaceFeatures, SurfaceFn
from .text import Analyzer, TypoIndex, TypoMatch, near_stopword, transpositions

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
    sentence_weight: float = 0.3  # best sentence's share of the question's idf weight
    sentence_count_weight: float = 0.0  # best sentence's share of the question's words
    pair_weight: float = 0.2  # question word pairs found side by side
    coverage_weight: float = 0.2  # paragraph's share of the question's idf weight
    # Surface evidence (bot/surface.py), when the caller supplies the passages' text:
    exact_weight: float = 0.4  # share of the question's weight found in the words as typed
    sentence_exact_weight: float = 0.1  # the same within the best sentence
    answer_type_weight: float = 0.15  # best sentence has the kind of answer asked for
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
        tokens: np.ndarray,
        sentence_ptr: np.ndarray,
        passage_sentence_ptr: np.ndarray,
        params: BM25Params,
        postings: dict[str, np.ndarray] | None = None,
        typo: TypoIndex | None = None,
    ) -> None:
        self.params = params
        self.vocabulary = vocabulary
        self.term_ids = {t: i for i, t in enumerate(vocabulary)}
        self.tokens = tokens  # all passages' term ids, in reading order
        self.sentence_ptr = sentence_ptr  # sentence s: tokens[sentence_ptr[s]:sentence_ptr[s+1]]
        self.passage_sentence_ptr = passage_sentence_ptr  # passage p's sentences
        self.token_ptr = sentence_ptr[passage_sentence_ptr]  # passage p's tokens
        self.doc_len = np.diff(self.token_ptr).astype(np.int32)  # stopwords excluded
        self.size = int(self.doc_len.shape[0])
        self.avgdl = float(self.doc_len.mean()) if self.size else 0.0
        if postings is None:
            postings = self._build_postings()
        self.df = postings["df"]
        self.idf = postings["idf"]
        self.post_docs = postings["post_docs"]  # term t's passages: post_docs[term_ptr[t]:term_ptr[t+1]]
        self.post_weights = postings["post_weights"]  # and their BM25 weights
        self.term_ptr = postings["term_ptr"]
        # The largest weight in each term's postings: its most a passage can gain from it.
        self.term_max = postings.get("term_max")
        if self.term_max is None:
            self.term_max = _segment_max(self.post_weights, self.term_ptr)
        self.typo = typo if typo is not None else TypoIndex(vocabulary)
        self._scratch = threading.local()

    # -- construction -----------------------------------------------------------------

    @classmethod
    def build(
        cls,
        passages_sentences: Iterable[Sequence[Sequence[str]]],
        params: BM25Params | None = None,
    ) -> Index:
        """Build from each passage's sentences' terms (lists of stems)."""
        vocab: dict[str, int] = {}
        intern = vocab.setdefault
        ids = array("i")
        sent_lens = array("i")
        sents_per_passage = array("i")
        for sentences in passages_sentences:
            sents_per_passage.append(len(sentences))
            for sent in sentences:
                sent_lens.append(len(sent))
                ids.extend([intern(t, len(vocab)) for t in sent])
        return cls.from_ids(np.frombuffer(ids, dtype=np.int32), np.frombuffer(sent_lens, dtype=np.int32),
                            np.frombuffer(sents_per_passage, dtype=np.int32), list(vocab), params)

    @classmethod
    def from_ids(
        cls,
        tokens: np.ndarray,
        sentence_lengths: np.ndarray,
        sentences_per_passage: np.ndarray,
        vocabulary: Sequence[str],
        params: BM25Params | None = None,
    ) -> Index:
        """Build from term ids into `vocabulary`; terms no passage uses are dropped."""
        used = np.unique(tokens)
        if used.shape[0] != len(vocabulary):
            remap = np.full(len(vocabulary), -1, dtype=np.int32)
            remap[used] = np.arange(used.shape[0], dtype=np.int32)
            tokens = remap[tokens]
            vocabulary = [vocabulary[i] for i in used.tolist()]
        sentence_ptr = np.zeros(sentence_lengths.shape[0] + 1, dtype=np.int64)
        np.cumsum(sentence_lengths, out=sentence_ptr[1:])
        passage_sentence_ptr = np.zeros(sentences_per_passage.shape[0] + 1, dtype=np.int64)
        np.cumsum(sentences_per_passage, out=passage_sentence_ptr[1:])
        return cls(list(vocabulary), np.ascontiguousarray(tokens, dtype=np.int32), sentence_ptr,
                   passage_sentence_ptr, params or BM25Params())

    def _build_postings(self) -> dict[str, np.ndarray]:
        n_terms = len(self.vocabulary)
        n = max(self.size, 1)
        p = self.params
        doc_of_token = np.repeat(np.arange(self.size, dtype=np.int64), self.doc_len)
        # One sort by (term, passage) yields term frequencies and CSR order at once.
        keys = self.tokens.astype(np.int64) * n + doc_of_token
        del doc_of_token
        keys.sort()
        if keys.shape[0] == 0:  # passages of stopwords only: nothing to search
            return {"df": np.zeros(n_terms, dtype=np.int32), "idf": np.zeros(n_terms),
                    "post_docs": np.zeros(0, dtype=np.int32), "post_weights": np.zeros(0, dtype=np.float32),
                    "term_ptr": np.zeros(n_terms + 1, dtype=np.int64)}
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        tf = np.diff(np.append(starts, keys.shape[0])).astype(np.float64)
        pairs = keys[starts]
        del keys
        terms = (pairs // n).astype(np.int32)
        docs = (pairs % n).astype(np.int32)
        df = np.bincount(terms, minlength=n_terms).astype(np.int32)
        # BM25Plus idf as rank-bm25 computes it.
        idf = np.log((self.size + 1) / np.maximum(df, 1)).astype(np.float64)
        norm = p.k1 * (1 - p.b + p.b * self.doc_len[docs] / self.avgdl) if self.size else 0
        weights = idf[terms] * (tf * (p.k1 + 1)) / (norm + tf)
        term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=term_ptr[1:])
        return {"df": df, "idf": idf, "post_docs": docs, "post_weights": weights.astype(np.float32),
                "term_ptr": term_ptr}

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild this index without recomputing it (for saving)."""
        keys, ids = self.typo.arrays
        return {"tokens": self.tokens, "sentence_ptr": self.sentence_ptr,
                "passage_sentence_ptr": self.passage_sentence_ptr, "df": self.df, "idf": self.idf,
                "post_docs": self.post_docs, "post_weights": self.post_weights,
                "term_ptr": self.term_ptr, "term_max": self.term_max, "typo_keys": keys, "typo_ids": ids}

    @classmethod
    def from_arrays(cls, vocabulary: list[str], arrays: dict[str, np.ndarray], params: BM25Params) -> Index:
        """The inverse of `arrays()`."""
        typo = TypoIndex.from_arrays(vocabulary, arrays["typo_keys"], arrays["typo_ids"])
        postings = {k: arrays[k] for k in ("df", "idf", "post_docs", "post_weights", "term_ptr", "term_max")
                    if k in arrays}
        return cls(vocabulary, arrays["tokens"], arrays["sentence_ptr"], arrays["passage_sentence_ptr"],
                   params, postings, typo)

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

    def _top_bm25(self, term_counts: Sequence[tuple[int, int]], m: int) -> tuple[np.ndarray, np.ndarray]:
        """The m best passages by BM25 (without the constant part): (passages, scores).

        Exact, with MaxScore pruning: terms are added rarest-first (largest possible
        contribution first) into a per-thread scratch array. Once the terms still to come
        could add at most R to any passage and the m-th best score so far exceeds R, no
        passage untouched so far can reach the top m; the remaining (common, long) terms
        are then only looked up for the passages that still can, by binary search in
        their postings instead of a scan.
        """
        scratch = getattr(self._scratch, "scores", None)
        if scratch is None or scratch.shape[0] != self.size:
            scratch = self._scratch.scores = np.zeros(self.size, dtype=np.float32)
        try:
            return self._top_bm25_into(scratch, term_counts, m)
        except BaseException:
            scratch.fill(0.0)  # never leave stale scores for this thread's next question
            raise

    def _top_bm25_into(self, scratch: np.ndarray, term_counts: Sequence[tuple[int, int]], m: int,
                       ) -> tuple[np.ndarray, np.ndarray]:
        plan = sorted(((float(self.term_max[t]) * c, t, c) for t, c in term_counts), reverse=True)
        bounds = [0.0] * (len(plan) + 1)  # bounds[i]: most that terms i.. can add
        for i in range(len(plan) - 1, -1, -1):
            bounds[i] = bounds[i + 1] + plan[i][0]
        lengths = [int(self.term_ptr[t + 1] - self.term_ptr[t]) for _, t, _ in plan]
        touched: list[np.ndarray] = []
        n_touched = 0
        for i, (_, tid, count) in enumerate(plan):
            rest = sum(lengths[i:])
            if touched and n_touched >= m * len(touched) and rest > n_touched:
                cat = touched[0] if len(touched) == 1 else np.concatenate(touched)
                vals = scratch[cat]
                # cat repeats a passage once per term that hit it, so the entry ranked
                # (m-1)*k+1 (k terms so far) is at most the m-th best passage's score:
                # a safe threshold without a unique over everything touched.
                r = (m - 1) * len(touched) + 1
                theta = float(np.partition(vals, vals.shape[0] - r)[vals.shape[0] - r])
                if theta > bounds[i]:
                    keep = vals + np.float32(bounds[i]) >= theta
                    alive, first = np.unique(cat[keep], return_index=True)
                    alive_vals = vals[keep][first]
                    scratch[cat] = 0.0
                    return self._lookup_rest(alive, alive_vals, plan[i:], m)
            a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
            docs = self.post_docs[a:b]
            if count == 1:
                scratch[docs] += self.post_weights[a:b]
            else:
                scratch[docs] += self.post_weights[a:b] * count
            touched.append(docs)
            n_touched += docs.shape[0]
        if not touched:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        if n_touched > self.size // 2 and self.size > m:
            # Common words only: a pass over the whole array beats gathering repeats.
            top = np.argpartition(scratch, self.size - m)[self.size - m:]
            vals = scratch[top]
            scratch.fill(0.0)
            hit = vals > 0
            return top[hit].astype(np.int32), vals[hit]
        cat = touched[0] if len(touched) == 1 else np.concatenate(touched)
        vals = scratch[cat]
        scratch[cat] = 0.0
        # Each passage appears once per term that hit it, so the best m * terms entries
        # hold the best m distinct passages: no sort or unique over everything touched.
        keep = m * len(touched)
        if cat.shape[0] > keep:
            top = np.argpartition(vals, cat.shape[0] - keep)[cat.shape[0] - keep:]
            cat, vals = cat[top], vals[top]
        if len(touched) > 1:
            cat, first = np.unique(cat, return_index=True)
            vals = vals[first]
        return _best(cat, vals, m)

    def _lookup_rest(self, alive: np.ndarray, vals: np.ndarray, rest: Sequence[tuple[float, int, int]],
                     m: int) -> tuple[np.ndarray, np.ndarray]:
        """Add the remaining terms' weights to the passages still in the running.

        A term whose postings are much longer than the running set is looked up by binary
        search (postings are sorted by passage); a shorter one is scattered into the
        (cleared) scratch array and read back. After each term, passages that can no longer
        reach the m-th best score, even with every remaining term, drop out.
        """
        scratch = self._scratch.scores
        remaining = sum(ub for ub, _, _ in rest)
        for ub, tid, count in rest:
            a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
            seg = self.post_docs[a:b]
            if alive.shape[0] * 16 < seg.shape[0]:
                pos = np.searchsorted(seg, alive)
                pos[pos == seg.shape[0]] = 0
                hit = seg[pos] == alive
                vals[hit] += self.post_weights[a + pos[hit]] * count
            else:
                scratch[seg] = self.post_weights[a:b] * count
                vals += scratch[alive]
                scratch[seg] = 0.0
            remaining -= ub
            if alive.shape[0] > m:
                theta = np.partition(vals, alive.shape[0] - m)[alive.shape[0] - m]
                keep = vals + np.float32(max(remaining, 0.0)) >= theta
                alive, vals = alive[keep], vals[keep]
        return _best(alive, vals, m)

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
        by_id: dict[int, int] = {}  # term id -> position in terms
        for stem, count in counts.items():
            word = first_word[stem]
            tid = self.term_ids.get(stem, -1)
            if tid >= 0:
                term = QueryTerm(word, stem, tid, count, self.idf_of(tid))
            else:
                matches = self.typo.lookup(stem, limit=1) or (
                    self.typo.lookup(word, limit=1) if word != stem else []) or self._swapped(word)
                if matches:
                    m = matches[0]
                    term = QueryTerm(word, self.vocabulary[m.term_id], m.term_id, count,
                                     self.idf_of(m.term_id) * rank.typo_discount, typo=True)
                elif stop and near_stopword(word, stop):
                    continue  # "wat", "teh": a mistyped filler word, not a missing topic
                else:
                    terms.append(QueryTerm(word, stem, -1, count, self.idf_of(-1)))
                    continue
            seen = by_id.get(term.term_id)
            if seen is None:
                by_id[term.term_id] = len(terms)
                terms.append(term)
            else:  # "recieve receive": one word, typed twice; keep the exact spelling's weight
                old = terms[seen]
                keep = old if not old.typo else term
                terms[seen] = QueryTerm(keep.word, keep.stem, keep.term_id, old.count + term.count,
                                        max(old.weight, term.weight), old.typo and term.typo)
        return Query(text, tuple(terms))

    def _swapped(self, word: str) -> list[TypoMatch]:
        """A short word (4-5 letters) matches a vocabulary term it equals with two
        neighbouring letters swapped; longer words go through the typo table. Not numbers
        (1756 is no typo of 1576) nor three-letter words, where swaps mostly make other
        real words ("ned", "end")."""
        if not (4 <= len(word) <= 5 and word.isalpha()):
            return []
        for variant in transpositions(word):
            tid = self.term_ids.get(variant, -1)
            if tid >= 0:
                return [TypoMatch(tid, 1)]
        return []

    def search(self, query: Query, k: int, rank: RankParams, surface: SurfaceFn | None = None) -> list[Hit]:
        """Top-k passages: BM25 first, then re-ranked with sentence-level evidence and,
        when `surface` reads the candidates' text, with surface evidence."""
        batch = self._rank(query, max(rank.candidates, k))
        if batch is None:
            return []
        # BM25+ scores (with their constant part) relative to the best candidate's.
        best = float(batch.bm25.max()) or 1.0
        scores = (batch.bm25 / best
                  + rank.sentence_weight * batch.sent_w
                  + rank.sentence_count_weight * batch.sent_n
                  + rank.pair_weight * batch.pairs
                  + rank.coverage_weight * batch.cov_w)
        if surface is not None:
            batch.surface = surface(batch.docs, batch.best_sentence)
            scores += (rank.exact_weight * batch.surface.exact
                       + rank.sentence_exact_weight * batch.surface.sentence_exact
                       + rank.answer_type_weight * batch.surface.answer_type)
        order = np.lexsort((batch.docs, -scores))[:k]
        return [Hit(int(batch.docs[i]), float(scores[i]), float(batch.bm25[i]), batch.evidence(int(i)))
                for i in order]

    def sentence_terms(self, doc: int) -> list[set[int]]:
        """The distinct term ids of each sentence of a passage."""
        s0, s1 = int(self.passage_sentence_ptr[doc]), int(self.passage_sentence_ptr[doc + 1])
        bounds = self.sentence_ptr[s0:s1 + 1].tolist()
        toks = self.tokens[bounds[0]:bounds[-1]].tolist()
        base = bounds[0]
        return [set(toks[bounds[i] - base:bounds[i + 1] - base]) for i in range(s1 - s0)]

    def _rank(self, query: Query, m: int) -> _Batch | None:
        """BM25 candidates and their evidence, computed for all candidates at once."""
        known = query.known
        if not known or self.size == 0:
            return None
        docs, raw = self._top_bm25([(t.term_id, t.count) for t in known], m)
        if docs.shape[0] == 0:
            return None
        by_doc = np.argsort(docs)  # passage order makes token positions increase throughout
        docs, raw = docs[by_doc], raw[by_doc]
        # Query terms as positions 0..Q-1 in a sorted id array, for vectorised membership.
        qids = np.array(sorted({t.term_id for t in known}), dtype=np.int32)
        nq = qids.shape[0]
        weight_by_id = {t.term_id: t.weight for t in known}
        qw = np.array([weight_by_id[int(t)] for t in qids], dtype=np.float64)
        total_w = query.total_weight or 1.0
        total_n = len(query.terms)
        unknown = total_n - len(known)
        c = docs.shape[0]

        # Gather the candidates' tokens (ragged slices of one array) and keep the matches.
        starts = self.token_ptr[docs]
        lens = self.token_ptr[docs + 1] - starts
        n_tok = int(lens.sum())
        ends = np.cumsum(lens)
        gpos = np.arange(n_tok, dtype=np.int64) + np.repeat(starts - (ends - lens), lens)
        toks = self.tokens[gpos]
        qpos = np.searchsorted(qids, toks)
        qpos[qpos == nq] = 0
        hit = qids[qpos] == toks
        gpos, q = gpos[hit], qpos[hit].astype(np.int64)
        cand = np.repeat(np.arange(c, dtype=np.int64), lens)[hit]

        # Passage level: distinct question words found, and their weight.
        pk = np.unique(cand * nq + q)
        matched = np.bincount(pk // nq, minlength=c)
        cov_w = np.bincount(pk // nq, weights=qw[pk % nq], minlength=c) / total_w

        # Sentence level: the best sentence of each candidate (most words and weight).
        sent = np.searchsorted(self.sentence_ptr, gpos, side="right") - 1
        sk = np.unique(sent * nq + q)
        s_id, s_inv = np.unique(sk // nq, return_inverse=True)
        s_w = np.bincount(s_inv, weights=qw[sk % nq]) / total_w
        s_n = np.bincount(s_inv).astype(np.float64) / total_n
        s_cand = cand[np.searchsorted(sent, s_id)]  # sent is sorted, as gpos increases
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
        best_sent[bc] = s_id[best_rows] - self.passage_sentence_ptr[docs[bc]]

        # Adjacent question word pairs that stand within two tokens of each other.
        pairs = np.zeros(c)
        pair_ids = _adjacent_pairs(query)
        if pair_ids and gpos.shape[0] > 1:
            index_of = {int(t): i for i, t in enumerate(qids)}
            wanted = np.array(sorted({min(index_of[a], index_of[b]) * nq + max(index_of[a], index_of[b])
                                      for a, b in pair_ids}), dtype=np.int64)
            found_c, found_k = [], []
            for step in (1, 2):
                a_c, b_c = cand[:-step], cand[step:]
                a_q, b_q = q[:-step], q[step:]
                key = np.minimum(a_q, b_q) * nq + np.maximum(a_q, b_q)
                ok = (a_c == b_c) & (gpos[step:] - gpos[:-step] <= 2) & (a_q != b_q) & np.isin(key, wanted)
                found_c.append(a_c[ok])
                found_k.append(key[ok])
            fk = np.unique(np.concatenate(found_c) * (nq * nq) + np.concatenate(found_k))
            # Out of all adjacent pairs of the question: a pair with a word the index lacks
            # cannot be found, and should not make the pairs that can count for more.
            pairs = np.bincount(fk // (nq * nq), minlength=c) / max(1, len(query.terms) - 1)

        constant = sum(float(self.idf[t.term_id]) * self.params.delta * t.count for t in known)
        return _Batch(docs, raw.astype(np.float64) + constant, constant, cov_w, matched / total_n,
                      sent_w, sent_n, pairs, best_sent, matched, total_n, unknown)


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


def answer_share(ev: Evidence, rank: RankParams) -> float:
    """The found words' share of the question, missing known words counting less."""
    denom = ev.matched + rank.missing_known_weight * ev.missing_known + ev.missing_unknown
    return ev.matched / denom if denom else 0.0


def covers(ev: Evidence, rank: RankParams) -> bool:
    """Whether a passage really covers the question (the confidence rule)."""
    return answer_share(ev, rank) > rank.min_answer_share


def _segment_max(values: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Maximum of each non-empty segment values[ptr[i]:ptr[i+1]] (0 for empty ones)."""
    out = np.zeros(ptr.shape[0] - 1, dtype=np.float32)
    nonempty = np.flatnonzero(np.diff(ptr) > 0)
    if nonempty.size:
        out[nonempty] = np.maximum.reduceat(values, ptr[:-1][nonempty])
    return out


def _best(docs: np.ndarray, vals: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The m highest-scoring entries (in no particular order)."""
    if docs.shape[0] > m:
        top = np.argpartition(vals, docs.shape[0] - m)[docs.shape[0] - m:]
        return docs[top], vals[top]
    return docs, vals


def _adjacent_pairs(query: Query) -> list[tuple[int, int]]:
    ids = [t.term_id for t in query.terms]
    return [(a, b) for a, b in zip(ids, ids[1:]) if a >= 0 and b >= 0 and a != b]
