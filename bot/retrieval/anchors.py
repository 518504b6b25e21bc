"""Anchor text: the words of the links that point at a passage, as ranking evidence.

Documentation pages link to each other's sections ("see [custom certificate authority]
(repositories#...)"); a link's text names the section it points at in the words of another
page, often the words members use. Web search has used anchor text this way for decades.
Each linked section's first passage gets the texts of the links pointing at it
(bot/documents/links.py); a question's BM25 against that small field, relative to the best
candidate's, is added to the ranking with FusionParams.anchor_weight.

Measured on the docs development set (bench/anchor_trials.py): with e5 hybrid, hit@1 0.567
-> 0.600 and hit@3 0.750 -> 0.800, both halves of the question file alike; words only it
loses a hit on one half, so only the hybrid weights use it. Text without links (SQuAD,
plain .txt) has no field: nothing changes there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..text import Analyzer
from .query import Query

K1 = 1.2  # BM25 saturation for the field: a section linked ten times by the same words is not ten times as good
B = 0.75


@dataclass(frozen=True)
class AnchorField:
    """Per linked passage: the stems of the links' texts with their counts."""

    counts: Mapping[int, Mapping[str, int]]  # passage number -> stem -> occurrences
    lengths: Mapping[int, int]
    average: float  # mean field length over the linked passages

    @classmethod
    def build(cls, anchors: Mapping[int, Sequence[str]], analyzer: Analyzer) -> AnchorField | None:
        """The field of these link texts (passage -> texts); None when no passage has any."""
        counts: dict[int, dict[str, int]] = {}
        for passage, texts in anchors.items():
            acc: dict[str, int] = {}
            for text in texts:
                for stem in analyzer.terms(text):
                    acc[stem] = acc.get(stem, 0) + 1
            if acc:
                counts[passage] = acc
        if not counts:
            return None
        lengths = {p: sum(c.values()) for p, c in counts.items()}
        return cls(counts, lengths, sum(lengths.values()) / len(lengths))

    def scores(self, docs: np.ndarray, query: Query, idf: np.ndarray) -> np.ndarray:
        """Each candidate's field BM25 for the question's known words, relative to the best
        candidate's (0 for passages no link points at)."""
        out = np.zeros(docs.shape[0])
        known = query.known
        if not known:
            return out
        for i, d in enumerate(docs.tolist()):
            tf = self.counts.get(d)
            if tf is None:
                continue
            norm = K1 * (1 - B + B * self.lengths[d] / self.average)
            s = 0.0
            for t in known:
                x = tf.get(t.stem, 0)
                if x:
                    s += t.count * float(idf[t.term_id]) * x * (K1 + 1) / (x + norm)
            out[i] = s
        best = float(out.max()) if out.shape[0] else 0.0
        return out / best if best > 0 else out
