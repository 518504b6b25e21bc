"""Text analysis: tokens, stems, stopwords, sentences and a typo-tolerant vocabulary.

Everything here works offline: the Snowball English stemmer (PyStemmer, Snowball's own
C implementation), nltk's Punkt with hand-given parameters and an edit distance need no
downloaded data, and the stopword list ships inside the package.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import islice

import nltk
import numpy as np
from nltk.stem.snowball import SnowballStemmer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

try:
    import Stemmer  # PyStemmer: Snowball's own C code, ~50x faster than nltk's Python port
except ImportError:  # no wheel for this platform (building it needs a C compiler)
    Stemmer = None

log = logging.getLogger(__name__)

# Letters and digits; "_" is excluded so Markdown like __bold__ doesn't glue to words.
# The same pattern nltk's RegexpTokenizer would take, compiled with the standard `re`:
# nltk 3.10 wraps every regex call in a ReDoS time-out guard that triples tokenising
# time, and this pattern (one character class, no nesting) cannot backtrack.
WORD_PATTERN = r"[^\W_]+"  # letters and digits: what a word is, in every script
_WORD = re.compile(WORD_PATTERN)
_DOUBLES = frozenset("bdfglmnprstz")
_ANALYSIS_BATCH = 5_000  # sentences whose words are held at once in analyse_sentences
# Zero-width and other invisible format characters members paste by accident, and the
# Hangul fillers (U+3164 and its kin, letters to Unicode but blank) used as invisible text.
_INVISIBLE = re.compile(r"[\u00ad\u115f\u1160\u200b-\u200f\u202a-\u202e\u2060-\u2064\u3164\ufeff\uffa0]")
# Sentence-splitting fast path (SentenceSplitter): Punkt's candidate marks, the characters
# its period-context pattern treats as non-word punctuation, and a word of letters only.
_PUNKT_NON_WORD = ")\";}]*:@'({[\u2018\u2019\u201c\u201d\xab\xbb?!"
# A mark that Punkt must judge: punctuation or whitespace other than a space right after it,
# or spaces and then anything but a letter or digit ([^\W_] is exactly str.isalnum). One
# pattern per mark, each starting with its mark (see SentenceSplitter._fast_split).
_PUNKT_CASES = tuple(
    re.compile(re.escape(mark) + r"(?:[" + re.escape(_PUNKT_NON_WORD) + r"]|[^\S ]| +(?:[^\w ]|_))") for mark in ".?!"
)
# The other candidates: a mark, spaces, then a letter or digit (not consumed).
_CANDIDATES = tuple(re.compile(re.escape(mark) + r" +(?=[^\W_])") for mark in ".?!")
_CLOSERS = frozenset(')"]}')  # single-character Punkt tokens: a "." after them stands alone
_OPENERS = '("[{'  # the same at a word's start: split off before the word is looked at
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD_CHAIN = re.compile(r"[^\W\d_]+(?:[-.][^\W\d_]+)*")
_WORD_THEN_MARK = re.compile(r"[^\W\d_]+[.?!]")

# Abbreviations Punkt should not end a sentence on (it is not trained, so it knows none).
_ABBREVIATIONS = (
    "u.s u.k u.n e.u e.g i.e etc vs mr mrs ms dr prof st jr sr inc ltd co corp no nos fig "
    "gen col lt sgt capt adm gov sen rep dept est approx jan feb mar apr jun jul aug sep sept "
    "oct nov dec mt ft a.m p.m ph.d"
).split()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The shipped English stopword list (NLTK's, plus question filler)."""
    raw = resources.files("bot").joinpath("data/stopwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def clean_invisible(text: str) -> str:
    """NFKC-normalise and drop zero-width characters, so look-alike text tokenises alike."""
    if text.isascii():
        return text  # already NFKC, and every invisible character is beyond ASCII
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


# Discord's mention syntax (users, roles, channels, custom emoji, @everyone/@here) in a
# question or a taught answer: not words of it, on whatever adapter it was typed.
MENTION_SYNTAX = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b", re.IGNORECASE)


def strip_mention_syntax(text: str) -> str:
    """The text without mention syntax, cleaned first so "@\u200beveryone" and "＠everyone"
    go too; spaces folded. Only mentions in, "" out."""
    return " ".join(MENTION_SYNTAX.sub(" ", clean_invisible(text or "")).split())


def _fix_stem(word: str, stem: str) -> str:
    if word.isdigit():
        return word
    # Snowball undoubles a final consonant only after a suffix ("staffing" -> "staf") but
    # keeps "staff" -> "staff"; undouble always, so both meet.
    if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] in _DOUBLES:
        return stem[:-1]
    return stem


# Which stemmer made the terms: part of the saved index's key, so an index built with one
# is never read with the other (nltk's Snowball English is the older algorithm: 58 of the
# 81,658 distinct words of SQuAD, the docs and the article stem differently).
STEMMER = f"pystemmer-{Stemmer.version()}" if Stemmer is not None else f"nltk-snowball-{nltk.__version__}"


class Analyzer:
    """Turns text into index terms: lower-cased Snowball stems without stopwords."""

    def __init__(self, extra_stopwords: Iterable[str] = ()) -> None:
        # No PyStemmer cache (maxCacheSize 0): this class caches each word's stem itself, and
        # PyStemmer's own cache made stemming new words ~7x slower (5.8 against 0.8 us a word).
        self._fast = Stemmer.Stemmer("english", 0) if Stemmer is not None else None
        self._nltk = SnowballStemmer("english")
        # A Stemmer keeps state while it works: one thread at a time (a reload builds in a
        # worker thread while questions are answered).
        self._stem_lock = threading.Lock()
        self._extra = tuple(sorted({w.casefold() for w in extra_stopwords}))
        self.stopwords = stopwords() | set(self._extra)
        self._cache: dict[str, str] = {}
        self._analysis_lock = threading.Lock()
        self._vocab: _Vocabulary | None = None  # analyse_sentences's word numbering
        # (session, vocabulary serial) -> which vocabulary terms analyse_terms has reported
        self._sent: dict[tuple[str, int], np.ndarray] = {}

    def __reduce__(self) -> tuple:
        # For build worker processes: the settings travel, the stem cache does not.
        return (Analyzer, (self._extra,))

    def stem(self, word: str) -> str:
        """Stem one lower-cased word (memoised: corpora repeat words a lot)."""
        stem = self._cache.get(word)
        if stem is None:
            stem = self.stems([word])[0]
        return stem

    def stems(self, words: list[str]) -> list[str]:
        """Stems of many words, the ones not seen before in one C call."""
        cache = self._cache
        new = [w for w in dict.fromkeys(words) if w not in cache]
        if not new:
            return [cache[w] for w in words]
        got = dict(zip(new, self._stem_new(new)))
        if len(cache) < 2_000_000:
            cache.update(got)
        return [got[w] if w in got else cache[w] for w in words]

    def _stem_new(self, words: list[str]) -> list[str]:
        """Stems of distinct words, without the cache."""
        low = [w.lower() for w in words]  # as nltk's stemmer did: "Ramstein" stems as "ramstein"
        if self._fast is None:
            raw = [self._nltk.stem(w) for w in low]
        else:
            with self._stem_lock:
                raw = self._fast.stemWords(low)
        return list(map(_fix_stem, words, raw))

    def words(self, text: str) -> list[str]:
        """Lower-cased words of a text, stopwords included."""
        return [w.casefold() for w in _WORD.findall(clean_invisible(text))]

    def terms(self, text: str) -> list[str]:
        """Index terms of a text: stems of its non-stopwords, in order."""
        stop = self.stopwords
        return [self.stem(w) for w in self.words(text) if w not in stop]

    def analyse_sentences(self, sentences: Iterable[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Terms of many sentences at once, equal to `terms` of each: (the distinct terms in
        order of first use, each token as an index into them, the number of tokens of each
        sentence).

        Words are looked up in a vocabulary of every word this analyzer has met (kept
        across calls: a build worker stems and checks each distinct word once, not once
        per file). ASCII sentences are tokenised as bytes with numpy and looked up by their
        bytes in a hash table, with no Python object per token; other sentences take the
        exact per-word path (see _Vocabulary). Sentences are read a batch at a time, so a
        huge file stays in bounds (`sentences` may be a generator)."""
        with self._analysis_lock:
            vocab, ids, tokens, lengths = self._analyse(sentences)
            return list(map(vocab.terms.__getitem__, ids.tolist())), tokens, lengths

    def analyse_terms(self, sentences: Iterable[str], session: str) -> AnalysedTerms:
        """analyse_sentences with the terms as numbers in this analyzer's vocabulary, and
        as text only those not reported before in `session` (one build): a worker sends a
        term's text to the build once, not once per file that uses it."""
        with self._analysis_lock:
            vocab, ids, tokens, lengths = self._analyse(sentences)
            sent = self._sent.pop((session, vocab.serial), None)
            if sent is None or sent.shape[0] < len(vocab.terms):
                grown = np.zeros(len(vocab.terms) + 1024, dtype=bool)
                if sent is not None:
                    grown[: sent.shape[0]] = sent
                sent = grown
            new = ids[~sent[ids]]
            sent[new] = True
            self._sent[(session, vocab.serial)] = sent
            while len(self._sent) > 4:  # sessions long over
                del self._sent[next(iter(self._sent))]
            names = "\n".join(map(vocab.terms.__getitem__, new.tolist()))
            return AnalysedTerms(f"{os.getpid()}-{vocab.serial}", ids, new, names, tokens, lengths)

    def _analyse(self, sentences: Iterable[str]) -> tuple[_Vocabulary, np.ndarray, np.ndarray, np.ndarray]:
        """(the vocabulary, the vocabulary numbers of the distinct terms in order of first
        use, each token as an index into those, tokens per sentence). Under the lock."""
        if self._vocab is None or len(self._vocab.words) > _MAX_VOCAB_WORDS:
            self._vocab = _Vocabulary()
        vocab = self._vocab
        order = array("i")  # vocabulary numbers of this call's terms, in order of first use
        local = np.full(1024, -1, dtype=np.int32)  # vocabulary number -> index into order
        # Kept tokens grow in one buffer, not as pieces joined at the end (which would hold
        # a huge file's tokens twice).
        kept = array("i")
        lengths = array("q")
        source = iter(sentences)
        while batch := list(islice(source, _ANALYSIS_BATCH)):
            ids, counts = vocab.batch_terms(batch, self)
            del batch
            lengths.frombytes(counts.astype(np.int64).tobytes())
            if len(vocab.terms) > local.shape[0]:
                local = np.concatenate([local, np.full(len(vocab.terms), -1, dtype=np.int32)])
            new = ids[local[ids] < 0]
            if new.shape[0]:
                # This call's new terms, numbered in order of first use: each one's first
                # position, by an unbuffered minimum (no sort of the tokens).
                first = np.full(len(vocab.terms), _NEVER, dtype=np.int64)
                np.minimum.at(first, new, np.arange(new.shape[0]))
                uniq = np.flatnonzero(first != _NEVER)
                uniq = uniq[np.argsort(first[uniq])].astype(np.int32)
                local[uniq] = np.arange(len(order), len(order) + uniq.shape[0], dtype=np.int32)
                order.frombytes(uniq.tobytes())
            kept.frombytes(local[ids].tobytes())
        return vocab, _ints(order, np.int32), _ints(kept, np.int32), _ints(lengths, np.int64)

    def highlight_spans(self, text: str, stems: frozenset[str]) -> list[tuple[int, int]]:
        """Character spans of the words of `text` whose stems are in `stems`."""
        stop, cache = self.stopwords, self._cache
        spans = []
        for m in _WORD.finditer(text):
            word = m.group().casefold()
            if word in stop:
                continue
            stem = cache.get(word) or self.stem(word)
            if stem in stems:
                spans.append(m.span())
        return spans


# analyse_sentences: a batch of sentences is joined with " \n " and split into words in one
# pass; each "\n" becomes this separator word (no text yields it: every other control
# character turns into a space, and a sentence with a newline of its own takes the slow path).
_SEPARATOR = "\x00"
# ASCII letters and digits stay, every other ASCII character becomes a space: for ASCII text,
# text.translate(_ASCII_WORDS).split() is _WORD.findall(text), several times faster.
_ASCII_WORDS = str.maketrans({i: (chr(i) if chr(i).isalnum() else " ") for i in range(128)} | {ord("\n"): _SEPARATOR})


class Numbering(dict[str, int]):
    """Numbers strings in order of first use: d[s] is its number, a new string gets the
    next one (one C-level look-up per item; Python runs only for new strings). `order`
    lists them by number."""

    def __init__(self, order: Iterable[str] = ()) -> None:
        self.order: list[str] = list(order)
        super().__init__(zip(self.order, range(len(self.order))))

    def __missing__(self, word: str) -> int:
        n = self[word] = len(self.order)
        self.order.append(word)
        return n


_SEP_ID = -2  # _Vocabulary.term_ids of the separator word (-1: a stopword)
_UNKNOWN = -3  # _KeyTable.lookup of a word the table lacks
_NEVER = np.iinfo(np.int64).max
_SMALL_BATCH_CHARS = 4096  # below this, batch_terms goes word by word
_WORD_BYTES = np.zeros(256, dtype=np.int8)  # 1 for the bytes of lower-case ASCII words
_WORD_BYTES[[ord(c) for c in "abcdefghijklmnopqrstuvwxyz0123456789"]] = 1
_ALL = (1 << 64) - 1
# By a word's length (clipped to 16): the bytes of its first and second 8 that are its own.
_MASK_LO = np.array([(1 << 8 * min(n, 8)) - 1 if n < 8 else _ALL for n in range(17)], dtype=np.uint64)
_MASK_HI = np.array(
    [(1 << 8 * (n - 8)) - 1 if 8 < n < 16 else (_ALL if n == 16 else 0) for n in range(17)], dtype=np.uint64
)


def _mix(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each (lo, hi) pair, never 0 (0 marks an empty _KeyTable slot)."""
    h = lo * np.uint64(0x9E3779B97F4A7C15) ^ (hi + np.uint64(0x632BE59BD9B4E019)) * np.uint64(0xC2B2AE3D27D4EB4F)
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xD6E8FEB86659FD93)
    h ^= h >> np.uint64(32)
    h[h == 0] = 1
    return h


class _KeyTable:
    """An open-addressing hash table in numpy arrays: (hash, lo, hi) -> term number, looked
    up for a whole batch of words at once. Each entry keeps the exact 16-byte key, so a
    hash collision never merges two words (a look-up compares all three)."""

    def __init__(self, bits: int = 16) -> None:
        self._bits = bits
        size = 1 << bits
        self._hash = np.zeros(size, dtype=np.uint64)  # 0: empty
        self._lo = np.zeros(size, dtype=np.uint64)
        self._hi = np.zeros(size, dtype=np.uint64)
        self._term = np.zeros(size, dtype=np.int32)
        self._count = 0

    def _home(self, h: np.ndarray) -> np.ndarray:
        return (h >> np.uint64(64 - self._bits)).astype(np.int64)

    def lookup(self, h: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """The term number of each key, _UNKNOWN where the table lacks it (linear probing:
        a key is found before the first empty slot after its home slot)."""
        mask = (1 << self._bits) - 1
        pos = self._home(h)
        # Most keys sit in their home slot: the first probe over whole arrays.
        th = self._hash[pos]
        found = (th == h) & (self._lo[pos] == lo) & (self._hi[pos] == hi)
        out = np.where(found, self._term[pos], _UNKNOWN).astype(np.int32)
        todo = np.flatnonzero(~found & (th != 0))
        pos[todo] = (pos[todo] + 1) & mask
        while todo.shape[0]:
            slot = pos[todo]
            th = self._hash[slot]
            found = (th == h[todo]) & (self._lo[slot] == lo[todo]) & (self._hi[slot] == hi[todo])
            out[todo[found]] = self._term[slot[found]]
            todo = todo[~found & (th != 0)]
            pos[todo] = (pos[todo] + 1) & mask
        return out

    def insert(self, h: np.ndarray, lo: np.ndarray, hi: np.ndarray, term: np.ndarray) -> None:
        """Add distinct keys the table lacks."""
        if (self._count + h.shape[0]) * 2 > (1 << self._bits):
            self._grow(self._count + h.shape[0])
        mask = (1 << self._bits) - 1
        pos = self._home(h)
        todo = np.arange(h.shape[0])
        while todo.shape[0]:
            slot = pos[todo]
            free = self._hash[slot] == 0
            # One key per free slot this round; the others probe on.
            claimed, first = np.unique(slot[free], return_index=True)
            won = todo[free][first]
            self._hash[claimed] = h[won]
            self._lo[claimed] = lo[won]
            self._hi[claimed] = hi[won]
            self._term[claimed] = term[won]
            placed = np.zeros(h.shape[0], dtype=bool)
            placed[won] = True
            todo = todo[~placed[todo]]
            pos[todo] = (pos[todo] + 1) & mask
        self._count += h.shape[0]

    def _grow(self, entries: int) -> None:
        used = np.flatnonzero(self._hash)
        old = self._hash[used], self._lo[used], self._hi[used], self._term[used]
        bits = self._bits
        while entries * 2 > (1 << bits):
            bits += 1
        self.__init__(bits)  # type: ignore[misc]
        self.insert(*old)


_MAX_VOCAB_WORDS = 1_000_000  # distinct words an analyzer keeps numbered (~150 MB), then starts over


@dataclass(frozen=True)
class AnalysedTerms:
    """Analyzer.analyse_terms: sentences' terms as numbers in one analyzer's vocabulary."""

    source: str  # the vocabulary (process and instance): its numbers mean nothing elsewhere
    term_ids: np.ndarray  # int32 vocabulary numbers of the distinct terms, in order of first use
    new_ids: np.ndarray  # int32: those not reported before in the session, in the same order
    new_terms: str  # their text, one per line (terms are letters and digits only)
    tokens: np.ndarray  # int32 indexes into term_ids, in reading order
    lengths: np.ndarray  # int64 tokens of each sentence


def _ints(buf: array, dtype: type[np.generic]) -> np.ndarray:
    return np.frombuffer(buf, dtype=dtype) if buf else np.zeros(0, dtype=dtype)


_SERIALS = itertools.count()


class _Vocabulary:
    """Every word an Analyzer has analysed, numbered, with the index term it yields."""

    def __init__(self) -> None:
        self.serial = next(_SERIALS)
        self.words = Numbering()
        self.term_of_word = np.zeros(0, dtype=np.int32)  # word number -> term number, or -1 / _SEP_ID
        self.terms: list[str] = []  # term number -> stem
        self._term_num: dict[str, int] = {}
        self._keys = _KeyTable()  # ASCII words of up to 16 bytes -> term number

    def batch_terms(self, batch: list[str], analyzer: Analyzer) -> tuple[np.ndarray, np.ndarray]:
        """(the term numbers of the batch's tokens, stopwords dropped; tokens per sentence)."""
        joined = " \n ".join(batch)
        if len(joined) < _SMALL_BATCH_CHARS:
            return self._word_terms(batch, analyzer)  # numpy's overhead would outweigh it
        if joined.isascii() and joined.count("\n") == len(batch) - 1:
            return self._ascii_terms(joined, len(batch), analyzer)
        # Plain ASCII sentences by bytes, all at once; any other sentence word by word; then
        # the two sets of tokens back in sentence order.
        plain = [i for i, sent in enumerate(batch) if sent.isascii() and "\n" not in sent]
        if not plain:
            return self._word_terms(batch, analyzer)
        plain_set = set(plain)
        other = [i for i in range(len(batch)) if i not in plain_set]
        ids_a, counts_a = self._ascii_terms(" \n ".join([batch[i] for i in plain]), len(plain), analyzer)
        ids_b, counts_b = self._word_terms([batch[i] for i in other], analyzer)
        where = np.concatenate([np.repeat(plain, counts_a), np.repeat(other, counts_b)])
        order = np.argsort(where, kind="stable")
        counts = np.zeros(len(batch), dtype=np.int64)
        counts[plain] = counts_a
        counts[other] = counts_b
        return np.concatenate([ids_a, ids_b])[order], counts

    def _word_terms(self, batch: list[str], analyzer: Analyzer) -> tuple[np.ndarray, np.ndarray]:
        """batch_terms word by word (any text): each word one look-up in `words`."""
        ids = self.term_ids(_batch_words(batch, analyzer.words), analyzer)
        sep = ids == _SEP_ID
        keep = ids >= 0
        # Each word's sentence: the separators before it (the words end with one).
        sentence_of = np.cumsum(sep) - sep
        return ids[keep], np.bincount(sentence_of[keep], minlength=len(batch))

    def _ascii_terms(self, joined: str, n_sent: int, analyzer: Analyzer) -> tuple[np.ndarray, np.ndarray]:
        """batch_terms of ASCII sentences joined with " \n " (none containing a newline).

        The lower-cased bytes are classified with a lookup table; each word's first 16
        bytes are read as two 64-bit integers (unaligned loads at every word start), which
        identify a word of up to 16 letters exactly; a hash of the pair finds its term in
        `_KeyTable`. Words the table lacks, and longer ones, take the word-by-word path
        (they are then added, so a worker meets each one there once)."""
        text = joined.lower() + " \n"
        data = np.frombuffer(text.encode("ascii") + bytes(16), dtype=np.uint8)
        n = len(text)
        edges = np.diff(_WORD_BYTES[data[:n]], prepend=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)  # the text ends with a non-word byte
        sentence_of = np.searchsorted(np.flatnonzero(data[:n] == 10), starts)
        size = ends - starts
        clipped = np.minimum(size, 16)
        words8 = np.ndarray((n + 9,), dtype="<u8", buffer=data, strides=(1,))  # 8 bytes at each offset
        lo = words8[starts] & _MASK_LO[clipped]
        hi = words8[starts + 8] & _MASK_HI[clipped]
        key = _mix(lo, hi)
        ids = self._keys.lookup(key, lo, hi)
        ids[size > 16] = _UNKNOWN
        missing = np.flatnonzero(ids == _UNKNOWN)
        if missing.shape[0]:
            words = [text[a:b] for a, b in zip(starts[missing].tolist(), ends[missing].tolist())]
            ids[missing] = self.term_ids(words, analyzer)
            short = missing[size[missing] <= 16]
            _, first = np.unique(key[short], return_index=True)
            new = short[first]
            self._keys.insert(key[new], lo[new], hi[new], ids[new])
        keep = ids >= 0
        return ids[keep], np.bincount(sentence_of[keep], minlength=n_sent)

    def term_ids(self, words: list[str], analyzer: Analyzer) -> np.ndarray:
        """The term number of each word (-1 for a stopword, _SEP_ID for the separator)."""
        numbers = np.fromiter(map(self.words.__getitem__, words), dtype=np.int32, count=len(words))
        known = self.term_of_word.shape[0]
        fresh = self.words.order[known:]
        if fresh:
            stop = analyzer.stopwords
            content = [w for w in fresh if w not in stop and w != _SEPARATOR]
            it = iter(analyzer._stem_new(content))
            add = np.empty(len(fresh), dtype=np.int32)
            term_num = self._term_num
            for i, w in enumerate(fresh):
                if w == _SEPARATOR:
                    add[i] = _SEP_ID
                elif w in stop:
                    add[i] = -1
                else:
                    stem = next(it)
                    t = term_num.get(stem)
                    if t is None:
                        t = term_num[stem] = len(self.terms)
                        self.terms.append(stem)
                    add[i] = t
            self.term_of_word = np.concatenate([self.term_of_word, add])
        return self.term_of_word[numbers]


def _batch_words(batch: list[str], words: Callable[[str], list[str]]) -> list[str]:
    """The lower-cased words of each sentence, each sentence followed by _SEPARATOR."""
    joined = " \n ".join(batch)
    if joined.isascii() and joined.count("\n") == len(batch) - 1:
        # ASCII text is already NFKC and has no invisible characters; lower() is casefold.
        out = joined.lower().translate(_ASCII_WORDS).split()
        out.append(_SEPARATOR)
        return out
    out = []
    for sent in batch:
        if sent.isascii() and "\n" not in sent:
            out.extend(sent.lower().translate(_ASCII_WORDS).split())
        else:
            out.extend(words(sent))
        out.append(_SEPARATOR)
    return out


class SentenceSplitter:
    """Offline sentence splitting: Punkt with common abbreviations given up front.

    Plain prose takes a fast path that makes exactly Punkt's decisions without running it
    (Punkt was ~40 % of a build): with these parameters (no training, so no collocations,
    sentence starters or orthographic context), a "." after a word of two or more letters
    ends a sentence unless the word is a known abbreviation, and "?" or "!" after a letter
    always does, when whitespace and another token follow. A paragraph with any other
    candidate (numbers, initials, quotes, brackets, ellipses, "?!") goes to Punkt whole;
    tests compare both on generated and real text.
    """

    def __init__(self, extra_abbreviations: Iterable[str] = ()) -> None:
        params = PunktParameters()
        self._extra = tuple(sorted({a.lower().rstrip(".") for a in extra_abbreviations}))
        params.abbrev_types = set(_ABBREVIATIONS) | set(self._extra)
        self._abbrev = frozenset(params.abbrev_types)
        self._punkt = PunktSentenceTokenizer(params)

    def __reduce__(self) -> tuple:
        return (SentenceSplitter, (self._extra,))

    def split(self, text: str) -> list[str]:
        """Sentences of a paragraph, in order, stripped."""
        fast = self._fast_split(text)
        if fast is not None:
            return fast
        return self.punkt_split(text)

    def punkt_split(self, text: str) -> list[str]:
        """Punkt alone (the reference the fast path must equal)."""
        return [s.strip() for s in self._punkt.tokenize(text) if s.strip()]

    def _fast_split(self, text: str) -> list[str] | None:
        """Punkt's sentences for plain prose, or None when Punkt must decide.

        A mark Punkt treats specially (punctuation or a line break right after it, or
        spaces and then something other than a letter or digit) sends the paragraph to
        Punkt. The remaining candidates are the marks followed by spaces and a letter or
        digit, each decided from the word before it and the first character after. Every
        scan is a regex that starts with its mark: the re engine then skips ahead to each
        occurrence of that one character, several times faster than one scan for [.?!]."""
        # "?" and "!" are rare: a substring test (C, no regex) skips their scans.
        marks = [i for i, mark in enumerate(".?!") if mark in text]
        for i in marks:
            if _PUNKT_CASES[i].search(text):
                return None
        candidates = [m.span() for i in marks for m in _CANDIDATES[i].finditer(text)]
        if len(marks) > 1:
            candidates.sort()
        out: list[str] = []
        abbrev = self._abbrev
        start = 0  # where the current sentence starts
        for i, k in candidates:  # the mark at i, the next word at k
            if text[i] == "." and i > 0 and text[i - 1] not in _CLOSERS:
                word = text[text.rfind(" ", 0, i) + 1 : i].lstrip(_OPENERS)
                nxt = text[k]
                if word.isalpha():
                    if word.lower() in abbrev:
                        is_break = False
                    else:
                        # An initial breaks only before a digit; a word always does.
                        is_break = len(word) > 1 or not (nxt.islower() or nxt.isupper())
                elif _NUMBER.fullmatch(word):
                    # Punkt's orthographic heuristic knows no words, so only a lower-case
                    # next word says "not a sentence start".
                    is_break = not nxt.islower()
                elif not _WORD_CHAIN.fullmatch(word):
                    return None  # anything else: Punkt's heuristics
                else:
                    low = word.lower()
                    if low in abbrev or low.split("-")[-1] in abbrev:
                        is_break = False
                    else:
                        is_break = len(word) > 1 or not (nxt.islower() or nxt.isupper())
                if not is_break:
                    end = text.find(" ", k)
                    token = text[k : end if end >= 0 else len(text)]
                    # Punkt may still break on a mark inside the next token ("Dr. x.y"),
                    # but not on one that only ends a word ("Dr. Smith."): that mark is
                    # the next candidate.
                    if ("." in token or "?" in token or "!" in token) and not _WORD_THEN_MARK.fullmatch(token):
                        return None
                    continue
            # "?", "!", and "." after a closing bracket or quote (a token of its own) break.
            sentence = text[start : i + 1].strip()
            if sentence:
                out.append(sentence)
            start = k
        sentence = text[start:].strip()
        if sentence:
            out.append(sentence)
        return out

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character spans of the sentences of a paragraph."""
        return list(self._punkt.span_tokenize(text))


def max_typo_distance(term: str) -> int:
    """How many edits a word may have and still match: none for short words, where a
    single edit already turns one real word into another."""
    n = len(term)
    if n < 6:
        return 0
    return 1 if n < 10 else 2


_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK64 = (1 << 64) - 1
_MAX_TYPO_TERM = 40  # longer "words" (URLs, hashes) are not worth typo-matching


def _hash(s: str) -> int:
    """64-bit FNV-1a over code points; deterministic across processes (unlike hash()),
    so a saved table works, and computable in bulk with numpy (see _hash_rows)."""
    h = _FNV_OFFSET
    for ch in s:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _MASK64
    return h


def _hash_rows(rows: np.ndarray) -> np.ndarray:
    """_hash of every row of a (words x length) array of code points."""
    h = np.full(rows.shape[0], _FNV_OFFSET, dtype=np.uint64)
    prime = np.uint64(_FNV_PRIME)
    for j in range(rows.shape[1]):
        h ^= rows[:, j]
        h *= prime  # wraps modulo 2**64, as in _hash
    return h


def bounded_distance(a: str, b: str, k: int) -> int:
    """Optimal-string-alignment distance (edits, with adjacent swaps counting one) if it is
    at most k, else k + 1. Only a diagonal band of width 2k+1 is filled, and the scan stops
    as soon as every cell of a row exceeds k: fast enough to check hundreds of candidates."""
    if abs(len(a) - len(b)) > k:
        return k + 1
    if a == b:
        return 0
    big = k + 1
    la, lb = len(a), len(b)
    prev2: list[int] = []
    prev = [j if j <= k else big for j in range(lb + 1)]
    for i in range(1, la + 1):
        cur = [big] * (lb + 1)
        if i <= k:
            cur[0] = i
        lo, hi = max(1, i - k), min(lb, i + k)
        ai = a[i - 1]
        row_min = cur[0]
        for j in range(lo, hi + 1):
            cost = 0 if ai == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v if v < big else big
            if cur[j] < row_min:
                row_min = cur[j]
        if row_min > k:
            return big
        prev2, prev = prev, cur
    return prev[lb] if prev[lb] <= k else big


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class TypoMatch:
    """A vocabulary term standing in for a word the vocabulary lacks."""

    term_id: int
    distance: int


class TypoIndex:
    """Finds vocabulary terms within a small edit distance of an unknown word.

    Symmetric-delete lookup (as in SymSpell): every term is filed under itself and each of
    its one-character deletions; a query word's own deletions (up to two) are looked up there
    and the few candidates are checked with a real edit distance. The table is two sorted
    numpy arrays of 64-bit hashes and term ids, so a million-word vocabulary costs about
    130 MB and a look-up is a handful of binary searches.
    """

    def __init__(self, vocabulary: Sequence[str]) -> None:
        self.vocabulary = vocabulary
        # Terms grouped by length become (n x length) code-point arrays, so each deletion
        # position is one numpy column drop and one vectorised hash for the whole group.
        by_len: dict[int, list[int]] = {}
        for term_id, term in enumerate(vocabulary):
            if 6 <= len(term) <= _MAX_TYPO_TERM:  # shorter words never match by typo
                by_len.setdefault(len(term), []).append(term_id)
        keys: list[np.ndarray] = []
        ids: list[np.ndarray] = []
        for length, group in by_len.items():
            text = "".join(vocabulary[i] for i in group)
            rows = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).reshape(len(group), length)
            rows = rows.astype(np.uint64)
            group_ids = np.asarray(group, dtype=np.int32)
            keys.append(_hash_rows(rows))
            ids.append(group_ids)
            for i in range(length):
                keys.append(_hash_rows(np.delete(rows, i, axis=1)))
                ids.append(group_ids)
        key_arr = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
        order = np.argsort(key_arr, kind="stable")
        self._keys = key_arr[order]
        self._ids = (np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32))[order]

    @classmethod
    def from_arrays(cls, vocabulary: Sequence[str], keys: np.ndarray, ids: np.ndarray) -> TypoIndex:
        """Rebuild from saved arrays without recomputing the deletions."""
        self = cls.__new__(cls)
        self.vocabulary = vocabulary
        self._keys = keys
        self._ids = ids
        return self

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self._keys, self._ids

    def lookup(self, word: str, limit: int = 2) -> list[TypoMatch]:
        """Closest vocabulary terms to `word` (best first), at most `limit` of them."""
        max_d = max_typo_distance(word)
        # Nothing longer than the longest filed term (plus the allowed edits) can match, and
        # the number of deletion variants grows fast with length: refuse early.
        if max_d == 0 or self._keys.size == 0 or len(word) > _MAX_TYPO_TERM + max_d:
            return []
        variants = {word} | _deletes(word)
        if max_d >= 2:
            variants |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
        probe = np.fromiter((_hash(v) for v in variants), dtype=np.uint64, count=len(variants))
        lo = np.searchsorted(self._keys, probe, side="left")
        hi = np.searchsorted(self._keys, probe, side="right")
        found = [self._ids[a:b] for a, b in zip(lo.tolist(), hi.tolist()) if b > a]
        if not found:
            return []
        matches = []
        for term_id in np.unique(np.concatenate(found)).tolist():
            term = self.vocabulary[term_id]
            if abs(len(term) - len(word)) > max_d or term == word:
                continue
            d = bounded_distance(word, term, max_d)
            if d <= max_d:
                matches.append(TypoMatch(term_id, d))
        matches.sort(key=lambda m: m.distance)
        return matches[:limit]


def transpositions(word: str) -> list[str]:
    """The word with two neighbouring letters swapped ("spcae" -> "space"), each once.

    Short words get no general typo matching (one edit turns one real word into another),
    but a swap of neighbours is the commonest slip and rarely makes a real word."""
    out = []
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            if swapped not in out:
                out.append(swapped)
    return out


def _edits1(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    )


def near_stopword(word: str, stop: frozenset[str]) -> bool:
    """True when an unknown word is one edit from a stopword ("wat" for "what"), so a typo
    in a filler word is not mistaken for a topic the knowledge base lacks."""
    if not 3 <= len(word) <= 16:  # stopwords are short: a long word is never one
        return False
    return any(len(s) >= 3 and s in stop for s in _edits1(word))
