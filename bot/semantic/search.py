"""The semantic side of one knowledge base: its passage vectors (and optionally sentence
vectors) with the model that made them, matched against an embedded question."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dense import DenseIndex
from .embedder import Embedder
from .questions import ModelStalled, QuestionEmbedder


@dataclass(frozen=True)
class SemanticIndex:
    """Passage vectors in passage order; sentence vectors (sentence_ptr[p]:sentence_ptr[p+1]
    are passage p's) when the best-sentence cosine is used."""

    embedder: Embedder
    passages: DenseIndex
    sentences: DenseIndex | None = None
    sentence_ptr: np.ndarray | None = None
    # Embeds questions with a time limit (one per model, kept across rebuilds); None: directly.
    questions: QuestionEmbedder | None = None

    @property
    def model_id(self) -> str:
        return self.embedder.model_id

    def query(self, question: str, m: int) -> DenseMatch | None:
        """Embed the question (never a passage) and find its m nearest passages; None when
        the model is stalled (the question is answered from words alone)."""
        if self.questions is None:
            vector = self.embedder.embed_queries([question])[0]
        else:
            try:
                vector = self.questions.embed(question)
            except ModelStalled:
                return None
        rows, _ = self.passages.top(vector, m)
        return DenseMatch(self, vector, rows)


@dataclass(frozen=True)
class DenseMatch:
    """A question's vector and nearest passages (bot/retrieval/fusion.py DenseQuery)."""

    index: SemanticIndex
    vector: np.ndarray
    candidates: np.ndarray

    def passage_cosines(self, docs: np.ndarray) -> np.ndarray:
        return self.index.passages.cosines(self.vector, docs)

    def sentences_of(self, doc: int) -> np.ndarray | None:
        """Cosine of each of one passage's sentences (for its snippet); None without
        sentence vectors for it."""
        sents, ptr = self.index.sentences, self.index.sentence_ptr
        if sents is None or ptr is None or doc + 1 >= ptr.shape[0]:
            return None
        start, end = int(ptr[doc]), int(ptr[doc + 1])
        if end <= start:
            return None
        return sents.cosines(self.vector, np.arange(start, end))

    def sentence_cosines(self, docs: np.ndarray, best_sentence: np.ndarray) -> np.ndarray | None:
        """Cosine of each passage's best sentence (the one the lexical evidence chose)."""
        sents, ptr = self.index.sentences, self.index.sentence_ptr
        if sents is None or ptr is None:
            return None
        start, end = ptr[docs], ptr[docs + 1]
        rows = np.minimum(start + best_sentence, np.maximum(end - 1, start))
        cos = sents.cosines(self.vector, rows)
        # A passage without sentence vectors falls back to its own cosine.
        empty = end <= start
        if empty.any():
            cos[empty] = self.passage_cosines(docs[empty])
        return cos
