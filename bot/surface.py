"""Evidence the stemmed index cannot see: the question's words as typed, and the kind of
answer a question asks for.

Stems merge "operational" with "operations" and "responsible" with "response": good for
recall, but a passage that uses the question's own word form is more often the one the
question was written against. And "when ..." wants a date, "how many ..." a number,
"where ..." a place. Both signals are read from the top candidates' text at query time, so
the index stores nothing extra. Their weights were fitted on SQuAD articles 0-23 only and
checked on 24-47 (bench/squad.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .text import WORD_PATTERN, clean_invisible

# Question openings and the answer each asks for.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|long|far|old|large|big|tall|high|fast|often)\b"
            r"|\bwhat (?:percentage|percent|number|proportion|amount)\b"
        ),
    ),
    # "When did/is ...", not "what happens when the base is attacked".
    (
        "date",
        re.compile(
            r"^when\b|\bwhen (?:did|does|do|is|was|were|will|are|has|have|had|can|could|would|"
            r"should|might|may)\b|\b(?:since|until|till) when\b"
            r"|\b(?:what|which) (?:year|date|day|month|century|decade|time)\b"
        ),
    ),
    ("place", re.compile(r"\bwhere\b")),
)
_MONTHS = "January February March April May June July August September October November December"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion trillion dozen half"
)
_WORD = re.compile(WORD_PATTERN)


def _words(alternatives: str) -> str:
    return r"(?<![^\W_])(?:" + alternatives + r")(?![^\W_])"


# Where each kind of answer may stand in a sentence; the word found (the last group, if
# any) must not be the question's own. A place is a capitalised name after "in", "at"...:
# capitalised words alone, tried for "who" and "where", are too common in prose to tell
# passages apart and lowered SQuAD top-1 on both halves.
_ANSWER_WORDS: dict[str, re.Pattern[str]] = {
    "number": re.compile(_words(r"\d[^\W_]*|" + _NUMBER_WORDS.replace(" ", "|")), re.IGNORECASE),
    # Month names only capitalised: "may", "march" and "august" are also ordinary words.
    "date": re.compile(_words(r"1\d{3}s?|20\d{2}s?|[Cc]entury|[Dd]ecade|" + _MONTHS.replace(" ", "|"))),
    "place": re.compile(
        r"\b(?:in|at|near|from|into|across|throughout|outside|inside|within|between|"
        r"located|based|situated)\s+(?:the\s+|a\s+)?([A-ZÀ-ÖØ-Þ][^\W_]*)"
    ),
}


def answer_kind(question: str) -> str | None:
    """'number', 'date' or 'place' when the question's wording asks for one, else None."""
    text = " ".join(w.casefold() for w in _WORD.findall(clean_invisible(question)))
    for kind, pattern in _KINDS:
        if pattern.search(text):
            return kind
    return None


@dataclass(frozen=True)
class SurfaceFeatures:
    """One array entry per candidate passage."""

    exact: np.ndarray  # share of the question's weight found as typed in the passage
    sentence_exact: np.ndarray  # the same within the passage's best sentence
    answer_type: np.ndarray  # 1.0 when the best sentence holds the kind of answer asked for


@dataclass(frozen=True)
class TermPresence:
    """Which question terms each candidate's own words contain, as the index's tokens
    show (the heading field aside): a word can only be found as typed where its term is."""

    qids: np.ndarray  # the question's distinct term ids, sorted
    found: np.ndarray  # bool (candidates, len(qids)): candidate i's words hold term qids[j]

    def rows(self, which: np.ndarray) -> TermPresence:
        """The same for some of the candidates, in the given order."""
        return TermPresence(self.qids, self.found[which])


class SurfaceMatcher:
    """Reads the surface evidence of one question from candidate passages' text."""

    def __init__(
        self,
        question: str,
        word_weights: dict[str, float],
        total_weight: float,
        word_terms: dict[str, int] | None = None,
    ) -> None:
        # word_weights: each content word as typed (lower-cased) -> its weight in the query;
        # word_terms: the same words -> their index term id (-1: not in the index).
        self.weights = word_weights
        self.total = total_weight or 1.0
        self.kind = answer_kind(question)
        self.question_words = frozenset(w.casefold() for w in _WORD.findall(clean_invisible(question)))
        self.terms = word_terms
        self._word_terms = [(w, word_terms.get(w, -1)) for w in word_weights] if word_terms is not None else []
        self._cols: tuple[np.ndarray, list[tuple[str, int]]] | None = None

    def exact_share(self, text: str, terms: AbstractSet[int] | None = None) -> float:
        """Weight share of the question words found in `text` as whole words, case aside.
        `terms`: the question term ids that `text`'s index tokens hold, when known; in ASCII
        text only their words are looked for (see `features`)."""
        words: Iterable[str] = self.weights
        if terms is not None and self.terms is not None and text.isascii():
            words = [w for w, t in self._word_terms if t in terms] if terms else ()
            if not words:
                return 0.0
        return self._share_of(self._whole(text.casefold(), words))

    def _share_of(self, found: list[str]) -> float:
        return sum(map(self.weights.__getitem__, found)) / self.total if found else 0.0

    @staticmethod
    def _whole(low: str, words: Iterable[str]) -> list[str]:
        """The words found in the (case-folded) text as whole words, in the given order."""
        n, found = len(low), []
        for word in words:
            i = low.find(word)
            while i >= 0:  # str.find plus a word-boundary check: far cheaper than a regex
                end = i + len(word)
                if (i == 0 or not low[i - 1].isalnum()) and (end == n or not low[end].isalnum()):
                    found.append(word)
                    break
                i = low.find(word, i + 1)
        return found

    def has_answer_kind(self, sentence: str) -> float:
        """1.0 when the sentence holds a word of the kind of answer asked for."""
        pattern = _ANSWER_WORDS.get(self.kind) if self.kind else None
        if pattern is None:
            return 0.0
        qwords = self.question_words
        for m in pattern.finditer(sentence):
            if m.group(m.lastindex or 0).casefold() not in qwords:
                return 1.0
        return 0.0

    def features(self, passages: Sequence[tuple[str, str]], presence: TermPresence | None = None) -> SurfaceFeatures:
        """Features of (passage text, best sentence text) pairs. With `presence` (and the
        words' term ids), an ASCII passage is searched only for the words whose term its
        tokens hold, and its best sentence only for the words found in the passage: the
        index's tokens are the ASCII text's words, so the others cannot be there. Non-ASCII
        text is searched for every word (the index reads it after NFKC normalisation)."""
        n = len(passages)
        exact, sent_exact, typed = np.zeros(n), np.zeros(n), np.zeros(n)
        rows = None
        if presence is not None and self.terms is not None:
            cols = self._columns(presence.qids)
            rows = presence.found.tolist()
        whole = self._whole
        for i, (text, sentence) in enumerate(passages):
            if rows is not None and text.isascii():
                row = rows[i]
                words = [w for w, j in cols if j >= 0 and row[j]]
                found = whole(text.lower(), words) if words else words
                if found:
                    exact[i] = self._share_of(found)
                    sent_exact[i] = self._share_of(whole(sentence.lower(), found))
            else:
                exact[i] = self.exact_share(text)
                sent_exact[i] = self.exact_share(sentence)
            typed[i] = self.has_answer_kind(sentence)
        return SurfaceFeatures(exact, sent_exact, typed)

    def caps(self, ascii: Sequence[bool] | np.ndarray, presence: TermPresence | None = None) -> SurfaceFeatures:
        """Upper bounds of what `features` finds in passages, without searching them (`ascii`:
        whether each passage's text is ASCII; False when unsure): the weight share of the
        words it would look for (in an ASCII passage those whose term its tokens hold, else
        every word; its best sentence can hold no more), and 1.0 for the answer kind when the
        question asks for one."""
        n = len(ascii)
        exact = np.full(n, self._share_of(list(self.weights)))
        if presence is not None and self.terms is not None:
            weights = [0.0] * presence.qids.shape[0]  # per column (Python floats: no numpy scalar per word)
            for w, j in self._columns(presence.qids):
                if j >= 0:
                    weights[j] += self.weights[w]
            exact = np.where(np.asarray(ascii, dtype=bool), presence.found @ np.array(weights) / self.total, exact)
        typed = np.full(n, 1.0 if self.kind in _ANSWER_WORDS else 0.0)
        return SurfaceFeatures(exact, exact, typed)

    def _columns(self, qids: np.ndarray) -> list[tuple[str, int]]:
        """Each word with the column of its term in `qids` (-1: none); made once."""
        got = self._cols
        if got is None or got[0] is not qids:
            column = {int(t): j for j, t in enumerate(qids.tolist())}
            got = self._cols = (qids, [(w, column.get(t, -1)) for w, t in self._word_terms])
        return got[1]


class SurfaceFn(Protocol):
    """What the re-ranker calls with its candidates (passage numbers, best sentence of
    each, and which question terms each one's words hold): the surface features, and
    cheap upper bounds of them, so passages that cannot reach the top are never read."""

    def __call__(self, docs: np.ndarray, best: np.ndarray, presence: TermPresence | None, /) -> SurfaceFeatures: ...

    def caps(self, docs: np.ndarray, presence: TermPresence | None, /) -> SurfaceFeatures: ...
