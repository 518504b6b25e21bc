"""Answerability: the probability that the best passage answers the question, from a small
calibrated model (logistic regression, fitted by bench/fit_answerability.py) over signals
the ranking already has. Retrieval does not depend on it, nor it on how retrieval ranks.

bot/data/answerability.json holds fitted variants: "lexical" (semantic matching off) and
one per embedding model (adds the dense cosines of that model; cosines of different models
are not comparable). Each carries the threshold chosen on its fitting data for at most 3 %
false rejections; ANSWER_THRESHOLD (AnswerParams.threshold) overrides it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .fitted import fitted_key
from .logistic import Logistic
from .query import Query
from .rerank import Hit

log = logging.getLogger(__name__)

LEXICAL_SIGNALS = (
    "coverage",
    "count_coverage",
    "share",
    "exact",
    "sentence_coverage",
    "unknown_share",
    "typo_share",
    "margin",
    "log_terms",
)
DENSE_SIGNALS = ("cosine", "sentence_cosine", "cosine_margin")
FLOOR_REJECTION = 0.90  # share of the fitting negatives the floor must still reject
PRODUCT = "*"  # a fitted feature "a*b" is the product of signals a and b


def feature_value(signals: Mapping[str, float], feature: str) -> float:
    """One input of a fitted model: a signal, or the product of signals ("cosine*share":
    pairwise products let a linear model weigh one signal by another)."""
    if PRODUCT not in feature:
        return signals.get(feature, 0.0)
    return math.prod(signals.get(part, 0.0) for part in feature.split(PRODUCT))


@dataclass(frozen=True)
class AnswerParams:
    threshold: float | None = None  # answer when the probability reaches this; None: fitted default
    # The old counting rule survives as one signal ("share"): a missing word the knowledge
    # base has elsewhere counts half (the passage may say it in other words).
    missing_known_weight: float = 0.5
    min_answer_share: float = 0.5
    # Without an embedding model the bot answers exactly as before semantic matching: by the
    # word-count rule (share > min_answer_share). The fitted words-only variant refused more
    # of the short member questions of the development sets (see the issue 10 report); it is
    # used only when ANSWER_THRESHOLD is set.
    lexical_rule: bool = True


@dataclass(frozen=True)
class AnswerModel:
    """One fitted variant and its default threshold."""

    name: str
    model: Logistic
    threshold: float
    # Members' short questions score lower than SQuAD's well-formed ones, so the fitted
    # threshold refused some that the knowledge base answers. When the question's found
    # words weigh at least as much as the missing ones (the word-count rule, ties included),
    # a probability down to `floor` still answers; `floor` is fitted as the lowest that keeps rejecting at least
    # FLOOR_REJECTION of the fitting data's cross-knowledge-base negatives.
    floor: float | None = None

    @property
    def dense(self) -> bool:
        return any(part in DENSE_SIGNALS for f in self.model.features for part in f.split(PRODUCT))

    def probability(self, signals: dict[str, float]) -> float:
        return self.model.probability([feature_value(signals, f) for f in self.model.features])

    def answers(self, probability: float, hit: Hit, rule: AnswerParams) -> bool:
        """The verdict: the probability reaches the threshold (ANSWER_THRESHOLD when set,
        which then is the only rule), or at least half the question's words are found and
        it reaches the floor."""
        if rule.threshold is not None:
            return probability >= rule.threshold
        if probability >= self.threshold:
            return True
        # The floor's word rule takes a tie ("how many people will work at the space
        # center?": space and center found, people and work not in the article at all).
        return self.floor is not None and probability >= self.floor and answer_share(hit, rule) >= rule.min_answer_share


def answer_share(hit: Hit, rule: AnswerParams) -> float:
    """The found words' share of the question, missing known words counting less."""
    ev = hit.evidence
    denom = ev.matched + rule.missing_known_weight * ev.missing_known + ev.missing_unknown
    return ev.matched / denom if denom else 0.0


def covers(hit: Hit, rule: AnswerParams) -> bool:
    """The word-count rule: the question's words found outweigh those missing."""
    return answer_share(hit, rule) > rule.min_answer_share


def signals(query: Query, hits: Sequence[Hit], rule: AnswerParams) -> dict[str, float]:
    """The model's inputs for the best hit (`hits` best first, at least one)."""
    top = hits[0]
    ev = top.evidence
    n = max(len(query.terms), 1)
    nxt = hits[1] if len(hits) > 1 else None
    out = {
        "coverage": ev.coverage,
        "count_coverage": ev.count_coverage,
        "share": answer_share(top, rule),
        "exact": ev.exact,
        "sentence_coverage": ev.sentence_coverage,
        "unknown_share": ev.missing_unknown / n,
        "typo_share": sum(t.typo for t in query.terms) / n,
        # How clearly the best passage beats the next one.
        "margin": top.score - nxt.score if nxt is not None else top.score,
        "log_terms": math.log1p(len(query.terms)),
    }
    if top.cosine is not None:
        out["cosine"] = top.cosine
        out["sentence_cosine"] = top.sentence_cosine if top.sentence_cosine is not None else top.cosine
        others = [h.cosine for h in hits[1:] if h.cosine is not None]
        out["cosine_margin"] = top.cosine - max(others) if others else 0.0
    return out


@lru_cache(maxsize=1)
def _fitted() -> dict:
    text = resources.files("bot").joinpath("data/answerability.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=8)
def answer_model(model_id: str | None) -> AnswerModel:
    """The variant for an embedding model (None: semantic matching off); the lexical one
    when no variant was fitted for that model."""
    data = _fitted()
    variants = data["variants"]
    name: str = fitted_key(model_id, (k for k in variants if k != "lexical")) or "lexical"
    if model_id is not None and name == "lexical":
        log.warning(
            "no answerability model fitted for %s: answers are judged on words only, as with semantic matching off",
            model_id,
        )
    v = variants[name]
    floor = v.get("floor")
    return AnswerModel(
        name, Logistic.from_json(v["model"]), float(v["threshold"]), None if floor is None else float(floor)
    )
