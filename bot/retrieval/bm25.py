"""BM25 over passages: rank-bm25's BM25+ model compiled into numpy arrays, with exact
MaxScore top-m. The stable, speed-critical part of retrieval; query analysis, re-ranking
and answerability live beside it (query.py, rerank.py, answerability.py).

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
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice, pairwise

import numpy as np

from ..spool import pieces, release
from ..text import TypoIndex

log = logging.getLogger(__name__)

_CHUNK_TOKENS = 1_000_000  # tokens per postings-building chunk: ~50 MB of temporaries
_POSTING_THREADS = 2  # chunks computed ahead while the postings are placed
# Query time: a term in at least 1/_DENSE_SHARE of the passages (of an index of at least
# _DENSE_MIN_PASSAGES) is added from a dense column; once the touched postings pass
# 1/_WIDE of the passages, thresholds come from a sample of _SAMPLE passages.
_DENSE_SHARE = 4  # a column (4 bytes a passage) is then at most twice the postings (8 bytes each)
_DENSE_MIN_PASSAGES = 20_000
_WIDE = 8
_SAMPLE = 8192


@dataclass(frozen=True)
class BM25Params:
    """rank-bm25's BM25Plus parameters (its defaults)."""

    k1: float = 1.5
    b: float = 0.75
    delta: float = 1.0
    # BM25F: a passage's heading path is a second field. Its term frequencies, normalised by
    # its own length (head_b), count head_weight times a body occurrence. Fitted on the docs
    # development set (docs-poetry questions; even and odd lines agree): hit@3 0.53 with
    # weight 0 -> 0.63-0.65 for 3 to 20, best hit@1 and MRR at 8 (re-checked after the
    # readers' last changes). Text without headings (SQuAD, articles) scores as before.
    head_weight: float = 8.0
    head_b: float = 0.75


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
        head_tokens: np.ndarray | None = None,
        head_ptr: np.ndarray | None = None,
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
        # The heading field: passage p's heading-path terms are head_tokens[head_ptr[p]:head_ptr[p+1]].
        self.head_tokens = head_tokens if head_tokens is not None else np.zeros(0, dtype=np.int32)
        self.head_ptr = head_ptr if head_ptr is not None else np.zeros(self.size + 1, dtype=np.int64)
        if postings is None:
            postings = self._build_postings()
        self.df = postings["df"]
        self.idf = postings["idf"]
        self.post_docs = postings["post_docs"]  # term t's passages: post_docs[term_ptr[t]:term_ptr[t+1]]
        self.post_weights = postings["post_weights"]  # and their BM25 weights
        self.term_ptr = postings["term_ptr"]
        # The largest weight in each term's postings: its most a passage can gain from it.
        term_max = postings.get("term_max")
        self.term_max: np.ndarray = term_max if term_max is not None else _segment_max(self.post_weights, self.term_ptr)
        self.typo = typo if typo is not None else TypoIndex(vocabulary)
        self._scratch = threading.local()
        self._dense: dict[int, np.ndarray] = {}  # see prepare_dense

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
        return cls.from_ids(
            np.frombuffer(ids, dtype=np.int32),
            np.frombuffer(sent_lens, dtype=np.int32),
            np.frombuffer(sents_per_passage, dtype=np.int32),
            list(vocab),
            params,
        )

    @classmethod
    def from_ids(
        cls,
        tokens: np.ndarray,
        sentence_lengths: np.ndarray,
        sentences_per_passage: np.ndarray,
        vocabulary: Sequence[str],
        params: BM25Params | None = None,
        head_tokens: np.ndarray | None = None,
        heads_per_passage: np.ndarray | None = None,
    ) -> Index:
        """Build from term ids into `vocabulary`; terms no passage uses are dropped.
        `head_tokens` / `heads_per_passage`: the heading field's term ids and counts."""
        if head_tokens is None or heads_per_passage is None:
            head_tokens = np.zeros(0, dtype=np.int32)
            heads_per_passage = np.zeros(sentences_per_passage.shape[0], dtype=np.int64)
        # Term counts in pieces: the tokens may be a file mapping (a build's spool), whose
        # pages then never all sit in memory at once.
        counts = np.bincount(head_tokens, minlength=len(vocabulary))
        for _, piece in pieces(tokens, _CHUNK_TOKENS):
            counts += np.bincount(piece, minlength=len(vocabulary))
        used = np.flatnonzero(counts)
        del counts
        if used.shape[0] != len(vocabulary):
            remap = np.full(len(vocabulary), -1, dtype=np.int32)
            remap[used] = np.arange(used.shape[0], dtype=np.int32)
            out = np.empty(tokens.shape[0], dtype=np.int32)
            for start, piece in pieces(tokens, _CHUNK_TOKENS):
                out[start : start + piece.shape[0]] = remap[piece]
            tokens = out
            head_tokens = remap[head_tokens]
            vocabulary = [vocabulary[i] for i in used.tolist()]
        head_ptr = np.zeros(heads_per_passage.shape[0] + 1, dtype=np.int64)
        np.cumsum(heads_per_passage, out=head_ptr[1:])
        sentence_ptr = np.zeros(sentence_lengths.shape[0] + 1, dtype=np.int64)
        np.cumsum(sentence_lengths, out=sentence_ptr[1:])
        passage_sentence_ptr = np.zeros(sentences_per_passage.shape[0] + 1, dtype=np.int64)
        np.cumsum(sentences_per_passage, out=passage_sentence_ptr[1:])
        return cls(
            list(vocabulary),
            np.ascontiguousarray(tokens, dtype=np.int32),
            sentence_ptr,
            passage_sentence_ptr,
            params or BM25Params(),
            head_tokens=np.ascontiguousarray(head_tokens, dtype=np.int32),
            head_ptr=head_ptr,
        )

    def _build_postings(self) -> dict[str, np.ndarray]:
        """CSR postings by term, built in chunks of passages so memory stays bounded:
        a first pass counts each term's passages (df), a second writes every chunk's
        (term, passage) pairs at their place. Each chunk is one sort by (term, passage),
        which yields term frequencies and the order at once."""
        n_terms = len(self.vocabulary)
        if self.tokens.shape[0] == 0 and not self._heads:  # passages of stopwords only: nothing to search
            return {
                "df": np.zeros(n_terms, dtype=np.int32),
                "idf": np.zeros(n_terms),
                "post_docs": np.zeros(0, dtype=np.int32),
                "post_weights": np.zeros(0, dtype=np.float32),
                "term_ptr": np.zeros(n_terms + 1, dtype=np.int64),
            }
        chunks = self._chunks()
        df = np.zeros(n_terms, dtype=np.int64)
        for terms, *_ in self._chunk_pairs(chunks):
            df += np.bincount(terms, minlength=n_terms)
        term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df, out=term_ptr[1:])
        # BM25Plus idf as rank-bm25 computes it.
        idf = np.log((self.size + 1) / np.maximum(df, 1)).astype(np.float64)
        post_docs = np.empty(int(term_ptr[-1]), dtype=np.int32)
        post_weights = np.empty(int(term_ptr[-1]), dtype=np.float32)
        cursor = term_ptr[:-1].copy()  # where each term's next passage goes
        # Only placing each chunk's postings depends on the chunks before it (the cursor):
        # the rest is computed ahead, chunk by chunk, in other threads.
        for terms, offsets, run_terms, run_len, docs, weights in self._chunk_pairs(chunks, idf):
            pos = cursor[terms] + offsets
            cursor[run_terms] += run_len
            post_docs[pos] = docs
            post_weights[pos] = weights
        return {
            "df": df.astype(np.int32),
            "idf": idf,
            "post_docs": post_docs,
            "post_weights": post_weights,
            "term_ptr": term_ptr,
        }

    def _chunks(self) -> list[tuple[int, int]]:
        """Passage ranges of about _CHUNK_TOKENS tokens each (a passage is never split)."""
        marks = np.arange(_CHUNK_TOKENS, int(self.token_ptr[-1]), _CHUNK_TOKENS)
        cuts = np.unique(np.concatenate(([0], np.searchsorted(self.token_ptr, marks), [self.size])))
        return [(int(a), int(b)) for a, b in pairwise(cuts.tolist()) if b > a]

    def _weighted(self, d0: int, d1: int, idf: np.ndarray) -> tuple[np.ndarray, ...]:
        """Passages d0..d1's postings, ready to place: (terms, each pair's offset within its
        term's run, the runs' terms and lengths, passages, BM25 weights)."""
        p = self.params
        terms, docs, tf = self._pairs(d0, d1)
        run = _run_starts(terms)
        run_len = np.diff(np.append(run, terms.shape[0]))
        offsets = np.arange(terms.shape[0]) - np.repeat(run, run_len)
        if self._heads:
            # BM25F: tf is already each field's frequency over its own length norm, summed
            # with the field weight; it is saturated once.
            weights = idf[terms] * (tf * (p.k1 + 1)) / (p.k1 + tf)
        else:
            norm = p.k1 * (1 - p.b + p.b * self.doc_len[docs] / self.avgdl)
            weights = idf[terms] * (tf * (p.k1 + 1)) / (norm + tf)
        return terms, offsets, terms[run], run_len, docs, weights.astype(np.float32)

    def _chunk_pairs(
        self, chunks: list[tuple[int, int]], idf: np.ndarray | None = None
    ) -> Iterator[tuple[np.ndarray, ...]]:
        """_pair_terms of each chunk (with `idf`: _weighted), in order. The next chunks are
        computed ahead in other threads (numpy releases the GIL while it sorts and
        computes), so building the postings of a large index uses every core while the
        caller places the last chunk."""

        def work(d0: int, d1: int) -> tuple[np.ndarray, ...]:
            return self._pair_terms(d0, d1) if idf is None else self._weighted(d0, d1, idf)

        if len(chunks) < 2:
            for d0, d1 in chunks:
                yield work(d0, d1)
                self._release_tokens(d0, d1)
            return
        with ThreadPoolExecutor(_POSTING_THREADS, thread_name_prefix="postings") as pool:
            ahead: deque[tuple[tuple[int, int], Future]] = deque()
            todo = iter(chunks)
            for chunk in islice(todo, _POSTING_THREADS):
                ahead.append((chunk, pool.submit(work, *chunk)))
            while ahead:
                chunk, future = ahead.popleft()
                nxt = next(todo, None)
                if nxt is not None:
                    ahead.append((nxt, pool.submit(work, *nxt)))
                yield future.result()
                self._release_tokens(*chunk)

    def _release_tokens(self, d0: int, d1: int) -> None:
        """Hand back the memory pages of passages d0..d1's tokens when they are file-mapped."""
        release(self.tokens, int(self.token_ptr[d0]), int(self.token_ptr[d1]))

    def _pairs(self, d0: int, d1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct (term, passage) pairs of passages d0..d1, sorted, with term frequencies."""
        nd = d1 - d0
        toks = self.tokens[int(self.token_ptr[d0]) : int(self.token_ptr[d1])]
        pairs, tf = _field_pairs(toks, self.doc_len[d0:d1], nd)
        if self._heads:
            return self._with_heads(d0, d1, pairs, tf)
        return (pairs // nd).astype(np.int64), (pairs % nd + d0).astype(np.int32), tf

    def _pair_terms(self, d0: int, d1: int) -> tuple[np.ndarray]:
        """The term of each distinct (term, passage) pair of passages d0..d1, as _pairs has
        them: all the counting pass needs (df), without the frequencies and BM25F merge."""
        nd = d1 - d0
        toks = self.tokens[int(self.token_ptr[d0]) : int(self.token_ptr[d1])]
        keys, _ = _field_pairs(toks, self.doc_len[d0:d1], nd)
        if self._heads:
            h0, h1 = int(self.head_ptr[d0]), int(self.head_ptr[d1])
            head_keys, _ = _field_pairs(self.head_tokens[h0:h1], np.diff(self.head_ptr[d0 : d1 + 1]), nd)
            keys = _distinct(np.concatenate((keys, head_keys)))
        return ((keys // nd).astype(np.int64),)

    @property
    def _heads(self) -> bool:
        """Whether the heading field counts (BM25F) in this index."""
        return self.params.head_weight > 0 and self.head_tokens.shape[0] > 0

    def _with_heads(
        self,
        d0: int,
        d1: int,
        body_keys: np.ndarray,
        body_tf: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BM25F pairs of passages d0..d1: the (term, passage) pairs of either field, with
        the combined frequency body_tf / body_norm + head_weight * head_tf / head_norm."""
        p = self.params
        nd = d1 - d0
        h0, h1 = int(self.head_ptr[d0]), int(self.head_ptr[d1])
        head_len = np.diff(self.head_ptr[d0 : d1 + 1])
        head_keys, head_tf = _field_pairs(self.head_tokens[h0:h1], head_len, nd)
        avg_head = float(self.head_ptr[-1]) / max(self.size, 1) or 1.0
        body_norm = 1 - p.b + p.b * self.doc_len[d0:d1] / (self.avgdl or 1.0)
        head_norm = 1 - p.head_b + p.head_b * head_len / avg_head
        # Not np.union1d: with numpy 2.4 it took ~0.75 s a chunk (np.unique), against ~10 ms
        # for a sort; the postings of a 1M-passage Markdown index were mostly that.
        pairs = _distinct(np.concatenate((body_keys, head_keys)))
        tf = np.zeros(pairs.shape[0], dtype=np.float64)
        tf[np.searchsorted(pairs, body_keys)] = body_tf / body_norm[body_keys % nd]
        tf[np.searchsorted(pairs, head_keys)] += p.head_weight * head_tf / head_norm[head_keys % nd]
        return (pairs // nd).astype(np.int64), (pairs % nd + d0).astype(np.int32), tf

    def head_matches(self, docs: np.ndarray, qids: np.ndarray) -> np.ndarray:
        """Keys candidate * len(qids) + position in qids of the (sorted) query term ids
        found in each candidate passage's heading field."""
        starts = self.head_ptr[docs]
        lens = self.head_ptr[docs + 1] - starts
        if not int(lens.sum()):
            return np.zeros(0, dtype=np.int64)
        ends = np.cumsum(lens)
        pos = np.arange(int(ends[-1]), dtype=np.int64) + np.repeat(starts - (ends - lens), lens)
        toks = self.head_tokens[pos]
        nq = qids.shape[0]
        qpos = np.searchsorted(qids, toks)
        qpos[qpos == nq] = 0
        hit = qids[qpos] == toks
        cand = np.repeat(np.arange(docs.shape[0], dtype=np.int64), lens)[hit]
        return cand * nq + qpos[hit].astype(np.int64)

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild this index without recomputing it (for saving)."""
        keys, ids = self.typo.arrays
        return {
            "tokens": self.tokens,
            "sentence_ptr": self.sentence_ptr,
            "passage_sentence_ptr": self.passage_sentence_ptr,
            "df": self.df,
            "idf": self.idf,
            "post_docs": self.post_docs,
            "post_weights": self.post_weights,
            "term_ptr": self.term_ptr,
            "term_max": self.term_max,
            "typo_keys": keys,
            "typo_ids": ids,
            "head_tokens": self.head_tokens,
            "head_ptr": self.head_ptr,
        }

    @classmethod
    def from_arrays(cls, vocabulary: list[str], arrays: dict[str, np.ndarray], params: BM25Params) -> Index:
        """The inverse of `arrays()`."""
        typo = TypoIndex.from_arrays(vocabulary, arrays["typo_keys"], arrays["typo_ids"])
        postings: dict[str, np.ndarray] = {
            k: arrays[k] for k in ("df", "idf", "post_docs", "post_weights", "term_ptr", "term_max") if k in arrays
        }
        return cls(
            vocabulary,
            arrays["tokens"],
            arrays["sentence_ptr"],
            arrays["passage_sentence_ptr"],
            params,
            postings,
            typo,
            arrays.get("head_tokens"),
            arrays.get("head_ptr"),
        )

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

    def bm25_of(self, docs: np.ndarray, term_counts: Sequence[tuple[int, int]]) -> np.ndarray:
        """BM25 (without the constant part) of the given passages, as top_bm25 scores them:
        for candidates another retriever found. Binary search in each term's postings."""
        docs = np.asarray(docs, dtype=np.int32)
        out = np.zeros(docs.shape[0], dtype=np.float32)
        if docs.shape[0] == 0:
            return out
        for tid, count in term_counts:
            a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
            if a == b:
                continue
            seg = self.post_docs[a:b]
            pos = np.searchsorted(seg, docs)
            pos[pos == seg.shape[0]] = 0
            hit = seg[pos] == docs
            out[hit] += self.post_weights[a + pos[hit]] * count
        return out

    def top_bm25(self, term_counts: Sequence[tuple[int, int]], m: int) -> tuple[np.ndarray, np.ndarray]:
        """The m best passages by BM25 (without the constant part): (passages, scores).

        Exact, with MaxScore pruning: terms are added rarest-first (largest possible
        contribution first) into a per-thread scratch array. Once the terms still to come
        could add at most R to any passage and the m-th best score so far exceeds R, no
        passage untouched so far can reach the top m; the remaining (common, long) terms
        are then only looked up for the passages that still can, by binary search in
        their postings instead of a scan.
        """
        if m <= 0:  # the thresholds below take the m-th best
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        scratch = getattr(self._scratch, "scores", None)
        if scratch is None or scratch.shape[0] != self.size:
            scratch = self._scratch.scores = np.zeros(self.size, dtype=np.float32)
        try:
            return self._top_bm25_into(scratch, term_counts, m)
        except BaseException:
            scratch.fill(0.0)  # never leave stale scores for this thread's next question
            raise

    def _top_bm25_into(
        self,
        scratch: np.ndarray,
        term_counts: Sequence[tuple[int, int]],
        m: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        plan = sorted(((float(self.term_max[t]) * c, t, c) for t, c in term_counts), reverse=True)
        bounds = [0.0] * (len(plan) + 1)  # bounds[i]: most that terms i.. can add
        for i in range(len(plan) - 1, -1, -1):
            bounds[i] = bounds[i + 1] + plan[i][0]
        lengths = [int(self.term_ptr[t + 1] - self.term_ptr[t]) for _, t, _ in plan]
        touched: list[np.ndarray] = []
        n_touched = 0
        wide = self.size // _WIDE  # past this many touched entries, work on the whole array
        for i, (_, tid, count) in enumerate(plan):
            rest = sum(lengths[i:])
            if touched and n_touched >= m * len(touched) and rest > n_touched:
                if n_touched > wide:
                    theta, sample = self._sampled_threshold(scratch, m)
                    bound = np.float32(bounds[i])
                    # Only when few passages stay in the running (as the sample says): else
                    # adding the remaining terms to the whole array is cheaper.
                    if theta > bounds[i] and np.count_nonzero(sample + bound >= theta) * _WIDE <= sample.shape[0]:
                        alive = np.flatnonzero(scratch + bound >= theta).astype(np.int32)
                        alive_vals = scratch.take(alive)
                        scratch.fill(0.0)
                        return self._lookup_rest(alive, alive_vals, plan[i:], m)
                else:
                    cat = touched[0] if len(touched) == 1 else np.concatenate(touched)
                    vals = scratch.take(cat)
                    # cat repeats a passage once per term that hit it, so the entry ranked
                    # (m-1)*k+1 (k terms so far) is at most the m-th best passage's score:
                    # a safe threshold without a unique over everything touched.
                    r = (m - 1) * len(touched) + 1
                    theta = float(np.partition(vals, vals.shape[0] - r)[vals.shape[0] - r])
                    if theta > bounds[i]:
                        keep = vals + np.float32(bounds[i]) >= theta
                        if len(touched) == 1:  # one term's postings: sorted, no repeats
                            alive, alive_vals = cat[keep], vals[keep]
                        else:  # a passage's repeats carry the same score: read it once
                            alive = _distinct(cat[keep])
                            alive_vals = scratch.take(alive)
                        scratch[cat] = 0.0
                        return self._lookup_rest(alive, alive_vals, plan[i:], m)
            self._add_term(scratch, tid, count)
            a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
            touched.append(self.post_docs[a:b])
            n_touched += lengths[i]
        if not touched:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
        if n_touched > wide and self.size > m:
            # Common words: one pass over the whole array beats gathering repeats.
            theta, _ = self._sampled_threshold(scratch, m)
            top = np.flatnonzero(scratch >= theta) if theta > 0 else np.flatnonzero(scratch)
            vals = scratch.take(top)
            scratch.fill(0.0)
            docs, vals = _best(top.astype(np.int32), vals, m)
            return docs, vals
        every = cat = touched[0] if len(touched) == 1 else np.concatenate(touched)
        vals = scratch.take(cat)
        # Each passage appears once per term that hit it, so the best m * terms entries
        # (and any tied with the last of them) hold the best m distinct passages: no sort
        # or unique over everything touched.
        n_keep = m * len(touched)
        if cat.shape[0] > n_keep:
            top = vals >= np.partition(vals, cat.shape[0] - n_keep)[cat.shape[0] - n_keep]
            cat, vals = cat[top], vals[top]
        if len(touched) > 1:  # a passage's repeats carry the same score: read it once
            cat = _distinct(cat)
            vals = scratch.take(cat)
        scratch[every] = 0.0
        return _best(cat, vals, m)

    def _add_term(self, scratch: np.ndarray, tid: int, count: int) -> None:
        """scratch += the term's weights (times its count in the question), from its dense
        column when it has one. Either way each passage gets the same float32 sum."""
        dense = self._dense_column(tid)
        if dense is not None:
            if count == 1:
                np.add(scratch, dense, out=scratch)
            else:
                scratch += dense * np.float32(count)
            return
        a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
        weights = self.post_weights[a:b]
        # np.add.at: a passage occurs once per term, and it is several times faster than
        # scratch[docs] += weights (no gather, temporary and scatter).
        np.add.at(scratch, self.post_docs[a:b], weights if count == 1 else weights * np.float32(count))

    def _dense_column(self, tid: int) -> np.ndarray | None:
        """The term's weights over every passage (0 where it is absent) once
        prepare_dense has made them, else None."""
        return self._dense.get(tid)

    def prepare_dense(self) -> int:
        """Make the dense columns of the terms in at least 1/_DENSE_SHARE of the passages
        (once; returns how many were made). Adding a contiguous column, or reading it at
        the passages still in the running, is an order of magnitude faster than scattering
        or searching the postings; a column takes at most twice their memory (1M synthetic
        passages: 38 terms, 152 MB against 157 MB of their postings, ~0.3 s; 100k: 15 MB).
        Terms in a quarter to a half of the passages are the ones that set the 1M p99: at
        a half, p99 was ~10-13 ms instead of ~8-10."""
        if self.size < _DENSE_MIN_PASSAGES or self._dense:
            return 0
        df = self.df.astype(np.int64)
        terms = np.flatnonzero(df * _DENSE_SHARE >= self.size).tolist()
        for tid in terms:
            a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
            dense = np.zeros(self.size, dtype=np.float32)
            dense[self.post_docs[a:b]] = self.post_weights[a:b]
            self._dense[tid] = dense
        if terms:
            log.debug("dense columns of %d common terms (%.0f MB)", len(terms), len(terms) * self.size * 4 / 2**20)
        return len(terms)

    def _sampled_threshold(self, scratch: np.ndarray, m: int) -> tuple[float, np.ndarray]:
        """A lower bound of the m-th best score in scratch: the m-th best of an evenly
        spaced sample of passages (they are m distinct passages with those scores), and
        the sample."""
        sample = scratch[:: max(1, self.size // _SAMPLE)]
        if sample.shape[0] < m:
            return 0.0, sample
        return float(np.partition(sample, sample.shape[0] - m)[sample.shape[0] - m]), sample

    def _lookup_rest(
        self, alive: np.ndarray, vals: np.ndarray, rest: Sequence[tuple[float, int, int]], m: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Add the remaining terms' weights to the passages still in the running.

        A term with a dense column is read at those passages; one whose postings are much
        longer than the running set is looked up by binary search (postings are sorted by
        passage); a shorter one is scattered into the (cleared) scratch array and read
        back. After each term, passages that can no longer reach the m-th best score, even
        with every remaining term, drop out.
        """
        scratch = self._scratch.scores
        remaining = sum(ub for ub, _, _ in rest)
        for ub, tid, count in rest:
            dense = self._dense_column(tid)
            a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
            seg = self.post_docs[a:b]
            if dense is not None:
                vals += dense.take(alive) if count == 1 else dense.take(alive) * np.float32(count)
            elif alive.shape[0] * 4 < seg.shape[0]:  # measured: binary search wins up to ~1/5
                pos = seg.searchsorted(alive)
                pos[pos == seg.shape[0]] = 0
                hit = seg[pos] == alive
                vals[hit] += self.post_weights[a + pos[hit]] * count
            else:
                scratch[seg] = self.post_weights[a:b] * count
                vals += scratch.take(alive)
                scratch[seg] = 0.0
            remaining -= ub
            if alive.shape[0] > m:
                theta = np.partition(vals, alive.shape[0] - m)[alive.shape[0] - m]
                keep = vals + np.float32(max(remaining, 0.0)) >= theta
                alive, vals = alive[keep], vals[keep]
        return _best(alive, vals, m)

    def query_slots(self, qids: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Each token's position in the query term ids `qids` (distinct), -1 for any other
        term: one gather from a per-thread table over the vocabulary, cheaper than a
        binary search per token."""
        table = getattr(self._scratch, "slots", None)
        if table is None or table.shape[0] != len(self.vocabulary):
            table = self._scratch.slots = np.full(len(self.vocabulary), -1, dtype=np.int32)
        table[qids] = np.arange(qids.shape[0], dtype=np.int32)
        try:
            return table.take(tokens)  # take: faster than [] for int32 indices
        finally:
            table[qids] = -1  # clean for this thread's next question

    def sentence_tokens(self, doc: int) -> list[list[int]]:
        """The term ids of each sentence of a passage, in reading order."""
        s0, s1 = int(self.passage_sentence_ptr[doc]), int(self.passage_sentence_ptr[doc + 1])
        bounds = self.sentence_ptr[s0 : s1 + 1].tolist()
        toks = self.tokens[bounds[0] : bounds[-1]].tolist()
        base = bounds[0]
        return [toks[bounds[i] - base : bounds[i + 1] - base] for i in range(s1 - s0)]

    def sentence_terms(self, doc: int) -> list[set[int]]:
        """The distinct term ids of each sentence of a passage."""
        return [set(t) for t in self.sentence_tokens(doc)]


def _run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array (none in an empty one: a
    chunk of passages may hold no body tokens, e.g. stopword-only passages at the end)."""
    if sorted_keys.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))


def _field_pairs(toks: np.ndarray, lens: np.ndarray, nd: int) -> tuple[np.ndarray, np.ndarray]:
    """One field's distinct keys term * nd + passage (passages numbered from 0 in a chunk
    of nd, each with lens[i] of the tokens), sorted, and each key's frequency."""
    keys = toks.astype(np.int64) * nd + np.repeat(np.arange(nd, dtype=np.int64), lens)
    keys.sort()
    starts = _run_starts(keys)
    return keys[starts], np.diff(np.append(starts, keys.shape[0])).astype(np.float64)


def _segment_max(values: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """Maximum of each non-empty segment values[ptr[i]:ptr[i+1]] (0 for empty ones)."""
    out = np.zeros(ptr.shape[0] - 1, dtype=np.float32)
    nonempty = np.flatnonzero(np.diff(ptr) > 0)
    if nonempty.size:
        out[nonempty] = np.maximum.reduceat(values, ptr[:-1][nonempty])
    return out


def _distinct(values: np.ndarray) -> np.ndarray:
    """np.unique(values) (sorted, each once) by a sort and a comparison: on the query path's
    passage numbers np.unique was several times slower (~320 against ~50 us for 3,000)."""
    ordered = np.sort(values)
    first = np.empty(ordered.shape[0], dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def _best(docs: np.ndarray, vals: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """The m highest-scoring entries (in no particular order); of passages tied at the
    m-th score, the first ones. Every path of top_bm25 keeps all such ties to here, so
    the top m never depends on which path ran."""
    n = docs.shape[0]
    if n <= m:
        return docs, vals
    kth = np.partition(vals, n - m)[n - m]
    above = (vals > kth).nonzero()[0]
    tied = (vals == kth).nonzero()[0]
    if above.shape[0] + tied.shape[0] > m:
        tied = tied[np.argsort(docs[tied], kind="stable")[: m - above.shape[0]]]
    top = np.concatenate((above, tied))
    return docs[top], vals[top]
