"""Which sentences of a ranked passage to show: the snippet.

Ranking picks the passage; this module only picks what to show from it. Section passages
run to ~1,200 characters of prose plus lists and code, so the answer is often not the
sentence that best matched the question. The snippet is the contiguous window of one to
four sentences (list items count as sentences) within `SnippetParams.max_chars` that
scores best on:

- coverage: the idf weight of the question's terms the window holds, as a share of the
  question's weight;
- density: the best single sentence's coverage (the question's words close together);
- exact: the question's words found as typed (bot/surface.py), not only by stem;
- a small bonus per further sentence of context, and a cost per sentence shown before the
  densest one (documentation states a point, then explains it);
- `extra`: an optional per-sentence score from elsewhere (e.g. dense sentence similarity),
  added with weight `extra_weight`. This is the hook for semantic retrieval.

Short units (labels such as "[tool.poetry]", table rows, headings) do not count against the
sentence budget, only against the characters. Tried and left out because they changed no
choice on the dev data: discounting terms the heading path shows, a bonus for the re-ranker's
best sentence, a cost for distance from the passage start, a bonus for lead-ins ending ":".

Weights were fitted on the docs-poetry dev questions and SQuAD articles 0-23 (snippet
contains the gold/answer text, bench/snippets.py); SQuAD 24-47 and the article set are
reported, not fitted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import accumulate
from typing import TYPE_CHECKING, Protocol

from ..text import Analyzer

if TYPE_CHECKING:
    from ..knowledge import Passage

SNIPPET_CHARS = 600  # about five lines in a Discord embed
_MIN_WORDS = 4  # a shorter sentence (label, heading, table row) does not count as one of the window's
# ASCII letters lower-cased, digits kept, every other ASCII character a space.
_ASCII_LOWER_WORDS = str.maketrans({i: (chr(i).lower() if chr(i).isalnum() else " ") for i in range(128)})
_MARKDOWN_SPECIAL = re.compile(r"([\\*_`~|>\[\]()#])")


def escape_markdown(text: str) -> str:
    """Escape characters Discord would read as Markdown, so passages render as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


@dataclass(frozen=True, slots=True)
class Snippet:
    """The sentence(s) of a passage that answer the question, with matched words marked."""

    text: str
    highlights: tuple[tuple[int, int], ...] = ()

    def markdown(self) -> str:
        """Discord Markdown: special characters escaped, matched words in bold."""
        out, pos = [], 0
        for start, end in self.highlights:
            out.append(escape_markdown(self.text[pos:start]))
            out.append(f"**{escape_markdown(self.text[start:end])}**")
            pos = end
        out.append(escape_markdown(self.text[pos:]))
        return "".join(out)


@dataclass(frozen=True)
class SnippetParams:
    """Weights fitted on docs-poetry + SQuAD 0-23 (bench/snippets.py --fit)."""

    max_chars: int = SNIPPET_CHARS
    # Sentences of at least _MIN_WORDS words; shorter ones ride along. 4, not 3, within the
    # same characters: the snippet holds the answer more often (bench/snippets.py, e5: docs
    # 0.417 -> 0.517, both halves +3 questions; SQuAD 0-23 0.830 -> 0.835, held-out 24-47
    # 0.860 -> 0.868; words only docs 0.350 -> 0.367, SQuAD 24-47 0.817 -> 0.823) for ~80
    # more characters on average (docs 338 -> 420); 5 and more add one docs question at most.
    max_sentences: int = 4
    density: float = 0.5  # weight of the best single sentence's coverage (words close together)
    exact: float = 0.3  # weight of the question's words found as typed
    per_sentence: float = -0.05  # negative: a further sentence of context is worth a little
    before: float = 0.03  # cost per sentence shown before the window's densest sentence
    extra_weight: float = 0.0  # weight of SnippetInput.extra (0: unused)


class ExactShare(Protocol):
    """Share of the question's words found as typed in a text; `terms`, when given, are the
    question term ids the text's index tokens hold (SurfaceMatcher.exact_share)."""

    def __call__(self, text: str, terms: AbstractSet[int] | None = None, /) -> float: ...


@dataclass(frozen=True)
class SnippetInput:
    """What the chooser needs about one ranked passage and the question."""

    sentences: Sequence[str]
    sentence_terms: Sequence[set[int]]  # distinct term ids of each sentence
    weights: dict[int, float]  # question term id -> weight
    total_weight: float  # the question's whole weight (unknown words included)
    stems: frozenset[str]  # matched stems, for highlighting
    best: int  # the re-ranker's best sentence: the fallback when nothing scores
    exact: ExactShare | None = None  # share of question words as typed in a text
    extra: Sequence[float] | None = None  # optional score per sentence (hook, e.g. dense cosine)
    # The index's term ids of each sentence's non-stopword words, in order: highlights then
    # need no stemming (None: the words are stemmed).
    sentence_tokens: Sequence[Sequence[int]] | None = None


def choose_window(inp: SnippetInput, params: SnippetParams) -> list[int]:
    """Indices of the contiguous sentences to show (at least one)."""
    sents = inp.sentences
    n = len(sents)
    if n == 0:
        return []
    best = min(max(inp.best, 0), n - 1)
    total = inp.total_weight or sum(inp.weights.values()) or 1.0
    w = inp.weights
    found = [terms & w.keys() for terms in inp.sentence_terms]
    known: Sequence[AbstractSet[int] | None] = found  # the terms each sentence's tokens hold
    if len(found) != n:
        found = [set(w) for _ in sents]
        known = [None] * n
    weight = w.__getitem__
    single = [sum(map(weight, f)) / total if f else 0.0 for f in found]
    # Each sentence's question terms go along: only their words can be there as typed.
    exact = [inp.exact(s, f) for s, f in zip(sents, known, strict=True)] if inp.exact and params.exact else [0.0] * n
    extra = list(inp.extra) if inp.extra is not None and len(inp.extra) == n else None
    # Labels and table cells ("[tool.poetry]", "Requirement Versions") ride along free.
    # (Splitting past the _MIN_WORDS-th word would only make strings to count.)
    counts = [len(s.split(None, _MIN_WORDS - 1)) >= _MIN_WORDS for s in sents]
    before = [0]  # before[k]: counted sentences among 0..k-1
    for c in counts:
        before.append(before[-1] + c)
    lens = [len(s) + 1 for s in sents]
    max_chars, max_units = params.max_chars, params.max_sentences
    p_density, p_before, p_exact = params.density, params.before, params.exact
    p_extra, p_per = params.extra_weight, params.per_sentence
    # Products that do not change with the window, made once (the same floats).
    density = [p_density * x for x in single]
    per = [p_per * d for d in range(n)]
    best_i, best_j, best_score = best, best, float("-inf")
    # Every window i..j, extended one sentence at a time with running union, densest
    # sentence (the first of equals) and maxima.
    for i in range(n):
        before_i = before[i]
        union: set[int] = set()
        union_w = 0.0  # the weight of union
        length, units = -1, 0
        dense, top_exact = i, exact[i]
        top_extra = extra[i] if extra is not None else 0.0
        for j in range(i, n):
            length += lens[j]
            units += counts[j]
            if j > i and (length > max_chars or units > max_units):
                break
            if not found[j] <= union:  # a subset adds nothing (and needs no new set)
                added = found[j] - union
                union_w += sum(map(weight, added))
                union |= added
            if single[j] > single[dense]:
                dense = j
            if exact[j] > top_exact:
                top_exact = exact[j]
            if extra is not None and extra[j] > top_extra:
                top_extra = extra[j]
            score = (
                union_w / total
                + density[dense]
                - p_before * (before[dense] - before_i)
                + p_exact * top_exact
                + p_extra * top_extra
                - per[j - i]
            )
            if score > best_score + 1e-12:
                best_i, best_j, best_score = i, j, score
    return list(range(best_i, best_j + 1))


def make_snippet(inp: SnippetInput, params: SnippetParams, analyzer: Analyzer) -> Snippet:
    """The chosen sentences as one text, matched words marked, cut to fit an embed."""
    chosen = choose_window(inp, params) or [0]
    sents = inp.sentences
    text = " ".join(sents[i] for i in chosen) if sents else ""
    spans = _highlight(inp, chosen, analyzer) if sents else []
    if spans is None:
        spans = analyzer.highlight_spans(text, inp.stems)
    if len(text) > params.max_chars:
        text, spans = _crop(text, spans, params.max_chars)
    return Snippet(text, tuple(spans))


def _highlight(inp: SnippetInput, chosen: Sequence[int], analyzer: Analyzer) -> list[tuple[int, int]] | None:
    """Spans of the chosen sentences' words (joined by spaces) whose index term is a
    question term, read off the index's tokens, which are each sentence's non-stopword
    words in order, so no word is stemmed again. None when the tokens are not given or do
    not line up with the words (non-ASCII text, which the index reads after NFKC
    normalisation, or text analysed differently): then the caller stems the words."""
    tokens = inp.sentence_tokens
    if tokens is None or len(tokens) != len(inp.sentences):
        return None
    stop, wanted = analyzer.stopwords, inp.weights
    spans: list[tuple[int, int]] = []
    offset = 0
    for i in chosen:
        sent, toks = inp.sentences[i], tokens[i]
        if not sent.isascii():
            return None
        # The sentence's words as the index read them: in ASCII text, the runs of letters
        # and digits, lower-cased (lower() is casefold() there). Each other character
        # becomes one space, so every character stays where it was and the pieces between
        # single spaces are the words (or empty): a piece's place is the lengths before it
        # plus one a space. (About 4x faster than splitting with the word regex.)
        parts = sent.translate(_ASCII_LOWER_WORDS).split(" ")
        kept = [m for m, w in enumerate(parts) if w and w not in stop]  # pieces that are index tokens
        if len(kept) != len(toks):
            return None
        marked = [m for m, t in zip(kept, toks, strict=True) if t in wanted]  # ascending
        if marked:
            starts = list(accumulate([len(w) + 1 for w in parts], initial=offset))  # starts[m]: where parts[m] begins
            spans.extend((starts[m], starts[m] + len(parts[m])) for m in marked)
        offset += len(sent) + 1
    return spans


def _crop(text: str, spans: list[tuple[int, int]], limit: int) -> tuple[str, list[tuple[int, int]]]:
    """Cut `text` to about `limit` characters around the first highlight, on word boundaries."""
    centre = spans[0][0] if spans else 0
    start = max(0, min(centre - limit // 4, len(text) - limit))
    if start > 0:
        nxt = text.find(" ", start)
        start = nxt + 1 if 0 <= nxt < start + 40 else start
    end = min(len(text), start + limit)
    if end < len(text):
        prev = text.rfind(" ", start, end)
        end = prev if prev > start else end
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]
    return prefix + text[start:end] + suffix, kept


# An optional source of per-sentence scores: (question, passage) -> one float per sentence
# of passage.sentences (same order), higher = closer to the question. Wired in by
# AnswerEngine(sentence_scorer=...); used with SnippetParams.extra_weight.
SentenceScorer = Callable[[str, "Passage"], Sequence[float]]
