"""Query analysis: what of a question is searched (a pasted link's page words, an error
report without its stack frames, an unknown camel-case identifier as its words), and its
content words mapped to index terms, with the typo policy (a closest vocabulary term within
the typo distance, swapped letters in short words, mistyped filler words dropped)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..text import Analyzer, TypoMatch, near_stopword, transpositions
from .bm25 import Index
from .chat import FILLER

TYPO_DISCOUNT = 0.8  # a typo match counts a little less than the real word (RankParams default)


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
    # A follow-up's: the words of the question it follows that it lacks itself. They count
    # in BM25's first stage only, never as evidence (see analyse).
    context: tuple[QueryTerm, ...] = ()

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


# A web address a member pastes ("https://example.org/docs/cli/#add", "<https://...>" as
# Discord writes a link without a preview).
_LINK = re.compile(r"<?\b(?:(?:https?|ftp)://|www\.)[^\s<>]*[^\s<>.,;:!?)\]}'\"]>?", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[([^\]\n]{0,300})\]\(\s*<?(?:https?|ftp)://[^\s()\[\]<>]{0,2000}>?\s*\)", re.IGNORECASE)
_PAGE_SUFFIX = re.compile(r"\.(?:html?|php|aspx?|md|mdx|rst|txt)$", re.IGNORECASE)
_NO_NAME = re.compile(r"[0-9a-f]{7,}|\d+|index|default|main|latest|stable|en", re.IGNORECASE)


def without_links(question: str) -> str:
    """The question with each web address it holds replaced by the words that name the
    page: its fragment (a section: "#add"), else its last path segment
    ("managing-dependencies.html"). The scheme and host only say which site ("https",
    "github", "com", which every passage about URLs has), and numbers and hashes (an issue
    or a commit) say nothing the knowledge base can match. A Markdown link keeps its text."""
    if "://" not in question and "www." not in question.lower():
        return question
    text = _MARKDOWN_LINK.sub(lambda m: m.group(1), question)
    return " ".join(_LINK.sub(lambda m: f" {_page_words(m.group(0))} ", text).split())


def _page_words(link: str) -> str:
    link = link.strip("<>")
    rest = link.split("://", 1)[-1]
    path, _, fragment = rest.partition("#")
    path = path.split("?", 1)[0]
    segments = [s for s in path.split("/")[1:] if s]  # the host goes
    names = [fragment] if fragment else segments[-1:]
    words = []
    for name in names:
        name = _PAGE_SUFFIX.sub("", name)
        if name and not _NO_NAME.fullmatch(name):
            words.append(re.sub(r"[-_+.%]+", " ", name))
    return " ".join(words)


# A pasted error report: the trace says where the program was, not what went wrong; its
# last line (the error and its message) and the member's own words say that.
_TRACE_HEAD = re.compile(r"Traceback \(most recent call last\):?", re.IGNORECASE)
_PY_FRAME = re.compile(r'File "[^"\n]{0,500}", line \d+(?:, in [^\s,]{1,200})?')
_AT_FRAME = re.compile(
    r"\bat [\w.$<>\[\]/\\-]{1,300} ?\([^()\n]{0,500}:\d+(?::\d+)?\)|\bat [\w:-]{0,200}[./\\][\w.:/\\-]{0,500}:\d+:\d+"
)
_PATH = re.compile(
    r"(?<![\w/\\])(?:[A-Za-z]:|~)?(?:[\\/][\w.@+-]{1,200}){2,}[\\/]?|(?<![\w/\\])[\w.@+-]{1,200}(?:[\\/][\w.@+-]{1,200}){2,}"
)


def without_trace(question: str) -> str:
    """The question without the stack frames of a pasted error report: Python's
    "Traceback (most recent call last):" and `File "...", line 287, in run` (with the
    source line under it, when the report keeps its lines), JavaScript's and Java's
    "at fn (file.js:12:5)". A file path counts as its file's name (pyproject.toml), not as
    every folder on the way (usr, lib, site-packages)."""
    if "/" not in question and "\\" not in question and 'File "' not in question and " at " not in question:
        return question
    lines = question.split("\n")
    kept: list[str] = []
    after_frame = False
    for line in lines:
        if after_frame and line[:1].isspace() and not _PY_FRAME.search(line):
            after_frame = False  # the frame's source line
            continue
        stripped = _PY_FRAME.sub(" ", _TRACE_HEAD.sub(" ", line))
        after_frame = stripped != line and not stripped.strip()
        stripped = _AT_FRAME.sub(" ", stripped)
        kept.append(_PATH.sub(_file_name, stripped))
    return "\n".join(line for line in kept if line.strip())


def _file_name(m: re.Match[str]) -> str:
    text = m.group(0)
    parts = [p for p in re.split(r"[\\/]", text) if p]
    # A relative path names a file ("src/pkg/cli.py"); "npm/yarn/pnpm" is a list of names.
    if not text.startswith(("/", "\\", "~")) and text[1:2] != ":" and "." not in (parts[-1] if parts else ""):
        return text
    return f" {parts[-1]} " if parts else " "


# An identifier in camel case: "KeyringError", "useEffect", "HTTPError".
_CAMEL = re.compile(r"\b[A-Za-z][a-z0-9]*(?:[A-Z]+[a-z0-9]+)+\b|\b[A-Z]{2,}[a-z][a-z0-9]*(?:[A-Z]+[a-z0-9]+)*\b")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")


def analyse(
    index: Index, question: str, analyzer: Analyzer, typo_discount: float = TYPO_DISCOUNT, context: str | None = None
) -> Query:
    """Map a question's content words to index terms, with typo tolerance. `context`: the
    question a follow-up follows ("how do I install it?" before "and on windows?"): its
    words the knowledge base has help find where the follow-up is asked about (they count
    in BM25's first stage, Query.context, and so in the fused scores and their margin), but
    are no evidence: the coverage, exact-word and pair signals the answer is judged on are
    the follow-up's own. A follow-up with no words of its own asks about the same:
    the context's words are its words."""
    content = _content_words(index, analyzer, question)
    # One call stems the words not met before (in one C call): a question's new words.
    asked = query(index, question, list(zip(content, analyzer.stems(content))), typo_discount, analyzer.stopwords)
    if not context:
        return asked
    if not asked.terms:  # "why there?", "and then?": it asks about the same, again
        return analyse(index, f"{context} {question}", analyzer, typo_discount)
    own = {t.term_id for t in asked.terms}
    extra: dict[int, QueryTerm] = {}
    words = _content_words(index, analyzer, context)
    for word, stem in zip(words, analyzer.stems(words)):
        tid = index.term_ids.get(stem, -1)
        if tid >= 0 and tid not in own and tid not in extra:
            extra[tid] = QueryTerm(word, stem, tid, 1, index.idf_of(tid))
    return Query(question, asked.terms, tuple(extra.values()))


def _content_words(index: Index, analyzer: Analyzer, text: str) -> list[str]:
    stop = analyzer.stopwords
    return [
        w
        for w in analyzer.words(_unknown_identifiers_split(index, analyzer, text))
        if w not in stop and w not in FILLER
    ]


def _unknown_identifiers_split(index: Index, analyzer: Analyzer, question: str) -> str:
    """The question with each camel-case identifier the knowledge base lacks as a word
    written as its words: "ModuleNotFoundError" asks about a module not found, and the
    documents say so in words. One the knowledge base has ("drawImage") stays whole."""
    if question.islower() or question.isupper():
        return question

    def split(m: re.Match[str]) -> str:
        word = m.group(0)
        parts = _CAMEL_PART.findall(word)
        # A one-letter part is a name's styling ("OAuth", "iPhone"), not a word of its own.
        if any(len(p) == 1 and p.isalpha() for p in parts) or analyzer.stem(word.casefold()) in index.term_ids:
            return word
        return " ".join(parts)

    return _CAMEL.sub(split, question)


def query(
    index: Index,
    text: str,
    words: Sequence[tuple[str, str]],
    typo_discount: float = TYPO_DISCOUNT,
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
        tid = index.term_ids.get(stem, -1)
        if tid >= 0:
            term = QueryTerm(word, stem, tid, count, index.idf_of(tid))
        else:
            matches = (
                index.typo.lookup(stem, limit=1)
                or (index.typo.lookup(word, limit=1) if word != stem else [])
                or _swapped(index, word)
                or _abbreviated(index, word, stem)
            )
            if matches:
                m = matches[0]
                term = QueryTerm(
                    word,
                    index.vocabulary[m.term_id],
                    m.term_id,
                    count,
                    index.idf_of(m.term_id) * typo_discount,
                    typo=True,
                )
            elif stop and near_stopword(word, stop):
                continue  # "wat", "teh": a mistyped filler word, not a missing topic
            else:
                terms.append(QueryTerm(word, stem, -1, count, index.idf_of(-1)))
                continue
        seen = by_id.get(term.term_id)
        if seen is None:
            by_id[term.term_id] = len(terms)
            terms.append(term)
        else:  # "recieve receive": one word, typed twice; keep the exact spelling's weight
            old = terms[seen]
            keep = old if not old.typo else term
            terms[seen] = QueryTerm(
                keep.word,
                keep.stem,
                keep.term_id,
                old.count + term.count,
                max(old.weight, term.weight),
                old.typo and term.typo,
            )
    return Query(text, tuple(terms))


def _swapped(index: Index, word: str) -> list[TypoMatch]:
    """A short word (4-5 letters) matches a vocabulary term it equals with two
    neighbouring letters swapped; longer words go through the typo table. Not numbers
    (1756 is no typo of 1576) nor three-letter words, where swaps mostly make other
    real words ("ned", "end")."""
    if not (4 <= len(word) <= 5 and word.isalpha()):
        return []
    for variant in transpositions(word):
        tid = index.term_ids.get(variant, -1)
        if tid >= 0:
            return [TypoMatch(tid, 1)]
    return []


ABBREVIATION_MIN, ABBREVIATION_MAX = 3, 5  # "deps", "vars", "prod": members' short forms
ABBREVIATION_MIN_DF = 3  # passages that use the long form
ABBREVIATION_DOMINANCE = 2.0  # the long form's passages per passage of the next candidate
_BEYOND = "\U0010ffff"  # sorts after every character a word can hold
_PREFIXES: weakref.WeakKeyDictionary[Index, tuple[np.ndarray, np.ndarray, np.ndarray]] = weakref.WeakKeyDictionary()


def _abbreviated(index: Index, word: str, stem: str) -> list[TypoMatch]:
    """A short word the knowledge base lacks ("deps", "vars", "prod") stands for the most
    used vocabulary term it begins ("depend", "variabl", "product"): members shorten the
    documents' words. Only alphabetic words of 3-5 letters, and only terms at least two
    letters longer (a one-letter ending is an inflection, which the stemmer handles)."""
    key = stem if len(stem) >= ABBREVIATION_MIN else word
    if not (ABBREVIATION_MIN <= len(key) <= ABBREVIATION_MAX and key.isalpha()):
        return []
    prefixes, ids, lengths = _vocabulary_prefixes(index)
    lo = int(np.searchsorted(prefixes, key, side="left"))
    # Every term beginning with `key` has a prefix from `key` up to `key` + more letters.
    hi = int(np.searchsorted(prefixes, key + _BEYOND if len(key) < ABBREVIATION_MAX else key, side="right"))
    cand = ids[lo:hi]
    cand = cand[lengths[cand] >= len(key) + 2]
    if cand.shape[0] == 0:
        return []
    df = index.df[cand]
    best = int(np.argmax(df))
    top = int(df[best])
    runner_up = int(np.partition(df, df.shape[0] - 2)[df.shape[0] - 2]) if df.shape[0] > 1 else 0
    # Only a clear favourite: "dep" is "depend" in a manual, but "pro" begins "project",
    # "provide" and "protect" alike, and a guess would make an unrelated question match.
    # (A tie at the top is never one, so which of the tied terms comes first does not matter.)
    if top < ABBREVIATION_MIN_DF or top < ABBREVIATION_DOMINANCE * runner_up:
        return []
    return [TypoMatch(int(cand[best]), 1)]


def _vocabulary_prefixes(index: Index) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each term's first ABBREVIATION_MAX characters in sorted order (the terms beginning
    with a short word are then one range), their term ids, and every term's length by id;
    made once per index, on the first short word it lacks. A numpy string sort of the
    prefixes: several times faster than sorting the whole terms in Python (~25 against
    ~80 ms for 57k terms), and that first question waits for it."""
    got = _PREFIXES.get(index)
    if got is None:
        vocabulary = index.vocabulary
        prefixes = np.array([t[:ABBREVIATION_MAX] for t in vocabulary], dtype=f"U{ABBREVIATION_MAX}")
        order = np.argsort(prefixes, kind="stable")
        lengths = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
        got = (prefixes[order], order, lengths)
        _PREFIXES[index] = got
    return got
