"""Questions in, cited answers out: the answer engine every adapter calls.

`AnswerEngine` owns one knowledge base and its index (immutable once built); `ask` turns a
question into an `Answer`: ranked passages with citations and highlighted snippets, and
an honest `answered` flag saying whether the best passage really covers the question.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from .builder import Built
from .documents.links import incoming_anchors
from .knowledge import KnowledgeBase, Passage, PassageTable, continued_passages, fenced_passages, release_passages
from .retrieval.anchors import AnchorField
from .retrieval.answerability import AnswerModel, AnswerParams, answer_model, covers, signals
from .retrieval.bm25 import BM25Params, Index
from .retrieval.chat import SmallTalk, small_talk
from .retrieval.fusion import FusionParams, fusion_for
from .retrieval.query import Query, analyse, without_links, without_trace
from .retrieval.rerank import Hit, RankParams, search
from .retrieval.snippets import (
    SentenceScorer,
    Snippet,
    SnippetInput,
    SnippetParams,
    make_snippet,
)
from .semantic.search import DenseMatch, SemanticIndex
from .surface import SurfaceFeatures, SurfaceFn, SurfaceMatcher, TermPresence
from .text import Analyzer, clean_invisible

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # longer questions are cut here (members paste whole articles)
MAX_PASTE_CHARS = 20_000  # what is read of a message at all (Discord's longest is 4,000)


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a passage comes from, in a form a reader can check."""

    document: str  # path relative to the knowledge directory
    title: str
    paragraph: int  # 1-based passage number within the document
    source: str | None = None
    section: tuple[str, ...] = ()  # heading path of the passage
    url: str | None = None  # deep link to the passage's place, else None
    page: int | None = None  # PDF page


# Why a question got no answer: it had no letters or digits, no searchable words once stop
# and filler words are gone, or the knowledge base does not answer it.
NoAnswer = Literal["not_a_question", "no_words", "no_answer"]


@dataclass(frozen=True, slots=True)
class Result:
    """One ranked passage of an answer."""

    passage: Passage
    citation: Citation
    snippet: Snippet
    score: float  # final ranking score (what orders the results)
    bm25: float  # the paragraph's BM25+ score
    coverage: float  # share of the question's weight the paragraph contains, 0..1


@dataclass(frozen=True)
class Answer:
    """The reply to one question, before any rendering."""

    question: str
    answered: bool
    results: tuple[Result, ...]
    confidence: float  # hybrid: probability the knowledge base answers (calibrated); else the words' share
    reason: NoAnswer | None = None  # why there is no answer (rendering words it)
    covers: tuple[str, ...] = ()  # document titles, shown when there is no answer
    elapsed_ms: float = 0.0
    signals: Mapping[str, float] = field(default_factory=dict)  # the answerability model's inputs
    hybrid: bool = False  # dense matching took part
    small_talk: SmallTalk | None = None  # "thanks"/"greeting"/"poll": not for the knowledge base, nothing searched
    further: tuple[Result, ...] = ()  # ranked below `results`, down to the depth asked for (else none)

    @property
    def best(self) -> Result | None:
        return self.results[0] if self.results else None


@dataclass(frozen=True)
class EngineConfig:
    top_k: int = 3
    bm25: BM25Params = field(default_factory=BM25Params)
    rank: RankParams = field(default_factory=RankParams)
    answer: AnswerParams = field(default_factory=AnswerParams)
    snippet: SnippetParams = field(default_factory=SnippetParams)
    fusion: FusionParams | None = None  # None: the weights fitted for the embedding model


class AnswerEngine:
    """An indexed knowledge base that answers questions. Immutable once built, so many
    threads may ask at once and a reload simply builds a new engine."""

    def __init__(
        self,
        kb: KnowledgeBase,
        config: EngineConfig | None = None,
        analyzer: Analyzer | None = None,
        index: Index | None = None,
        semantic: SemanticIndex | None = None,
        *,
        sentence_scorer: SentenceScorer | None = None,
    ) -> None:
        self.kb = kb
        self._titles: tuple[str, ...] | None = None
        # Optional per-sentence scores for the snippet (e.g. dense similarity; see snippets.py).
        self.sentence_scorer = sentence_scorer
        self.config = config or EngineConfig()
        # Dense matching, when passage vectors are ready; None: words only.
        self.semantic = semantic
        model_id = semantic.model_id if semantic is not None else None
        self.fusion = self.config.fusion or fusion_for(model_id)
        self.answerability: AnswerModel = answer_model(model_id)
        if self.answerability.dense != (semantic is not None):  # a model fitted without cosines
            self.answerability = answer_model(None)
        self.analyzer = analyzer or Analyzer()
        self.index = index or Index.build(
            [[self.analyzer.terms(s) for s in p.sentences] for p in kb.passages],
            self.config.bm25,
        )
        self.index.prepare_dense()  # large indexes: the common terms' dense columns
        # Which passages show a code block or table (a ranking signal, rerank.RankParams).
        self.fenced = fenced_passages(kb.passages) if self.config.rank.fence_weight else None
        # Which passages are release history (counted less, rerank.RankParams.release_weight).
        self.releases = release_passages(kb.passages) if self.config.rank.release_weight else None
        # Which passages continue a section (counted less, RankParams.continuation_weight).
        self.continued = continued_passages(kb.passages) if self.config.rank.continuation_weight else None
        # The words of the links pointing at passages (a ranking signal where the fusion
        # weighs it: bot/retrieval/anchors.py).
        self.anchors = AnchorField.build(incoming_anchors(kb), self.analyzer) if self.fusion.anchor_weight else None

    @classmethod
    def from_built(
        cls,
        built: Built,
        config: EngineConfig | None = None,
        analyzer: Analyzer | None = None,
        semantic: SemanticIndex | None = None,
    ) -> AnswerEngine:
        """An engine over a knowledge base and index made by build_knowledge or loaded."""
        return cls(built.kb, config, analyzer, built.index, semantic)

    @property
    def passages(self) -> Sequence[Passage]:
        return self.kb.passages

    def _covers(self) -> tuple[str, ...]:
        if self._titles is None:  # the knowledge base never changes: list its titles once
            self._titles = tuple(d.title for d in self.kb.documents)
        return self._titles

    def ask(
        self,
        question: str,
        top_k: int | None = None,
        *,
        depth: int | None = None,
        exclude: Callable[[Passage], bool] | None = None,
        context: str | None = None,
    ) -> Answer:
        """Answer one question; never raises for any string. `depth`: also rank down to that
        many passages in the same pass, into `further`; the answer itself (results, verdict,
        confidence) stays exactly what asking for top_k gives. A follow-up's: `context`, the
        question it follows (its words help find the passage, query.analyse), and `exclude`,
        passages not to answer with (the one its member already read), judged among the
        ranked ones only."""
        t0 = time.perf_counter()
        k = max(1, min(top_k or self.config.top_k, 50))
        deepest = max(k, min(depth or 0, 50))
        text = _searched(question)
        if not any(ch.isalnum() for ch in text):
            return Answer(
                question,
                False,
                (),
                0.0,
                reason="not_a_question",
                covers=self._covers(),
                elapsed_ms=_ms(t0),
            )
        talk = small_talk(text)
        if talk is not None:
            return Answer(question, False, (), 0.0, covers=self._covers(), elapsed_ms=_ms(t0), small_talk=talk)
        rank = self.config.rank
        follows = _searched(context) if context else None
        query = analyse(self.index, text, self.analyzer, rank.typo_discount, context=follows)
        if not query.terms:
            return Answer(
                question,
                False,
                (),
                0.0,
                reason="no_words",
                covers=self._covers(),
                elapsed_ms=_ms(t0),
            )
        matcher = SurfaceMatcher(
            text, {t.word: t.weight for t in query.terms}, query.total_weight, {t.word: t.term_id for t in query.terms}
        )
        # The runner-up is a signal too. The candidates re-ranked are those asking for k
        # re-ranks, however deep it goes: more would compete for the top k and move it.
        extra = 1 if exclude is not None else 0  # one more, in case the shown one is among them
        # The dense side reads the follow-up in its context, as a member would.
        said = f"{follows} {text}" if follows else text
        ranked, dense = self._search(said, query, max(deepest, 2) + extra, matcher, pool=max(k, 2) + extra)
        if exclude is not None:
            ranked = [h for h in ranked if not exclude(self.kb.passages[h.passage])][: max(deepest, 2)]
        # The verdict reads the hits asking for k finds (the runner-ups' cosines among them),
        # not the deeper ones; within one pool the top k does not depend on how deep it goes.
        hits = ranked[: max(k, 2)]
        results = tuple(self._result(h, query, matcher, dense) for h in hits[:k])
        further = tuple(self._result(h, query, matcher, dense) for h in ranked[k:deepest])
        found = signals(query, hits, self.config.answer) if hits else {}
        rule = self.config.answer
        hybrid = bool(hits) and hits[0].cosine is not None
        # The variant with cosines only when this question has them: when its embedding
        # failed, a dense variant would read every cosine as 0 and refuse the question.
        model = self.answerability if hybrid or not self.answerability.dense else answer_model(None)
        # Without a dense variant (no model, or one fitted for nothing) the verdict is the
        # words-only one, with no dense signal in it: the fused scores' margin is not the
        # margin the words-only model was fitted on.
        judged = found if model.dense or not hybrid else {**found, "margin": self._lexical_margin(hits)}
        if not model.dense and rule.lexical_rule and rule.threshold is None:
            confidence = found["share"] if hits else 0.0
            answered = bool(hits) and covers(hits[0], rule)
        else:
            confidence = model.probability(judged) if hits else 0.0
            answered = bool(hits) and model.answers(confidence, hits[0], rule)
        return Answer(
            question,
            answered,
            results,
            confidence,
            reason=None if answered else "no_answer",
            covers=self._covers(),
            elapsed_ms=_ms(t0),
            signals=found,
            hybrid=hybrid,
            further=further,
        )

    def _lexical_margin(self, hits: Sequence[Hit]) -> float:
        """signals()' margin as the words alone give it: the top's lexical score (the fused
        one less the weighted cosines) over the next hit's that has any of the words (the
        words alone find no other); reciprocal-rank fusion keeps no lexical score."""

        def lexical(h: Hit) -> float:
            f = self.fusion
            if f.method != "linear":
                return h.score
            score = h.score - f.cosine_weight * (h.cosine or 0.0)
            if h.sentence_cosine is not None and f.sentence_weight:
                score -= f.sentence_weight * h.sentence_cosine
            return score

        top = lexical(hits[0])
        others = [lexical(h) for h in hits[1:] if h.evidence.matched]
        return top - max(others) if others else top

    def _search(
        self, text: str, query: Query, k: int, matcher: SurfaceMatcher, *, pool: int | None = None
    ) -> tuple[list[Hit], DenseMatch | None]:
        """The ranked hits, and the question's dense match (None: words only); `pool`:
        rerank.search."""
        dense = None
        if self.semantic is not None:
            try:
                dense = self.semantic.query(text, self.fusion.candidates)
            except Exception:  # the model failed on this text: answer from words alone
                log.exception("embedding a question failed; answering lexically")
        hits = search(
            self.index,
            query,
            k,
            self.config.rank,
            self._surface(matcher),
            dense,
            self.fusion if dense is not None else None,
            self.fenced,
            self.anchors,
            self.releases,
            self.continued,
            pool=pool,
        )
        return hits, dense

    def _surface(self, matcher: SurfaceMatcher) -> SurfaceFn:
        """Reads surface evidence from the candidates' text for search."""
        return _SurfaceReader(self.kb.passages, matcher)

    def _result(
        self, hit: Hit, query: Query, matcher: SurfaceMatcher | None = None, dense: DenseMatch | None = None
    ) -> Result:
        p = self.kb.passages[hit.passage]
        return Result(
            passage=p,
            citation=Citation(p.document, p.title, p.number, p.source, p.section, p.url, p.page),
            snippet=self.snippet(hit.passage, hit.best_sentence, query, matcher, p, dense),
            score=hit.score,
            bm25=hit.bm25,
            coverage=hit.coverage,
        )

    def snippet(
        self,
        passage_no: int,
        best: int,
        query: Query,
        matcher: SurfaceMatcher | None = None,
        passage: Passage | None = None,
        dense: DenseMatch | None = None,
    ) -> Snippet:
        """What to show of a ranked passage (bot/retrieval/snippets.py chooses); `passage`:
        kb.passages[passage_no] when the caller has it already; `dense`: the question's
        dense match, whose sentence cosines count where the model's fusion weighs them."""
        passage = passage or self.kb.passages[passage_no]
        sents = passage.sentences or (passage.text,)
        # Per-sentence scores: a configured scorer (with config.snippet.extra_weight), else
        # the dense sentence cosines, weighted as the model's fusion says (fitted per model).
        params = self.config.snippet
        extra: Sequence[float] | None = None
        if self.sentence_scorer:
            extra = self.sentence_scorer(query.text, passage)
        elif dense is not None and self.fusion.snippet_weight and passage.sentences:
            cosines = dense.sentences_of(passage_no)
            if cosines is not None and cosines.shape[0] == len(sents):
                extra = cosines.tolist()
                params = replace(params, extra_weight=self.fusion.snippet_weight)
        tokens = self.index.sentence_tokens(passage_no)
        inp = SnippetInput(
            sentences=sents,
            sentence_terms=[set(t) for t in tokens],
            weights={t.term_id: t.weight for t in query.known},
            total_weight=query.total_weight,
            stems=query.matched_stems,
            best=best,
            exact=matcher.exact_share if matcher else None,
            extra=extra,
            sentence_tokens=tokens if passage.sentences else None,
        )
        return make_snippet(inp, params, self.analyzer)


class _SurfaceReader:
    """The candidates' text for the surface evidence of one question (SurfaceFn); each
    passage's text is read once however often search asks."""

    def __init__(self, passages: Sequence[Passage], matcher: SurfaceMatcher) -> None:
        self.passages, self.matcher = passages, matcher
        self.texts: dict[int, str] = {}

    def _text(self, doc: int) -> str:
        text = self.texts.get(doc)
        if text is None:
            passages = self.passages
            text = self.texts[doc] = passages.text(doc) if isinstance(passages, PassageTable) else passages[doc].text
        return text

    def caps(self, docs: np.ndarray, presence: TermPresence | None) -> SurfaceFeatures:
        passages = self.passages
        if isinstance(passages, PassageTable):  # ASCII-ness without reading the texts
            return self.matcher.caps(passages.surely_ascii(docs), presence)
        return self.matcher.caps([self._text(d).isascii() for d in docs.tolist()], presence)

    def __call__(self, docs: np.ndarray, best: np.ndarray, presence: TermPresence | None) -> SurfaceFeatures:
        passages, pairs = self.passages, []
        for d, b in zip(docs.tolist(), best.tolist()):
            if isinstance(passages, PassageTable):  # the saved/built table: no Passage objects
                text = self._text(d)
                pairs.append((text, passages.sentence_of(d, b, text)))
            else:
                p = passages[d]
                sents = p.sentences or (p.text,)
                pairs.append((p.text, sents[min(b, len(sents) - 1)]))
        return self.matcher.features(pairs, presence)


def _searched(question: str) -> str:
    """What of a question is searched: without a pasted link's host and ids, or an error
    report's stack frames, taken out before the cut, since a report ends with what went wrong."""
    text = without_trace(without_links(clean_invisible(question or "")[:MAX_PASTE_CHARS])).strip()
    return text[:MAX_QUESTION_CHARS]


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000
