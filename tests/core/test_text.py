from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.text import Analyzer, SentenceSplitter, TypoIndex, clean_invisible, near_stopword, stopwords


def test_terms_are_stems_without_stopwords():
    a = Analyzer()
    assert a.terms("What did the Secretary-General announce about demilitarization?") == [
        "secretari",
        "general",
        "announc",
        "demilitar",
    ]


def test_highlight_spans_mark_words_by_stem():
    a = Analyzer()
    text = "NATO's **Space** Centers, the centre"
    spans = a.highlight_spans(text, frozenset({"nato", "space", "center"}))
    assert [text[x:y] for x, y in spans] == ["NATO", "Space", "Centers"]


def test_zero_width_and_markdown_do_not_split_words():
    a = Analyzer()
    assert a.terms("Ram\u200bstein") == ["ramstein"]
    assert a.terms("__Stoltenberg__ `said`") == ["stoltenberg", "said"]
    assert clean_invisible("ﬁle\u200d") == "file"
    assert clean_invisible("\u3164Ram\uffa0stein\u115f\u1160") == "Ramstein"  # Hangul fillers are blank


def test_stopword_list_ships_with_package():
    sw = stopwords()
    assert {"the", "what", "why", "how", "is"} <= sw
    assert "nato" not in sw


def test_double_consonant_stems_meet():
    a = Analyzer()
    assert a.stem("staff") == a.stem("staffing")


def test_sentences_keep_abbreviations():
    s = SentenceSplitter()
    text = "Part of the U.S. Air Force is here. Dr. Smith came on Jan. 5. Then he left."
    assert s.split(text) == ["Part of the U.S. Air Force is here.", "Dr. Smith came on Jan. 5.", "Then he left."]


def test_typo_index_finds_close_terms():
    a = Analyzer()
    vocab = [a.stem(w) for w in ["rumstein", "stoltenberg", "demilitarization", "satellite", "modernization"]]
    ti = TypoIndex(vocab)

    def best(word):
        m = ti.lookup(a.stem(word), limit=1)
        return vocab[m[0].term_id] if m else None

    assert best("Ramstein") == a.stem("rumstein")
    assert best("Stoltenbreg") == a.stem("stoltenberg")
    assert best("demilitarisation") == a.stem("demilitarization")
    assert best("satelite") == a.stem("satellite")
    # Short words and far-off words do not match: "moderator" is not "modernization".
    assert best("moderator") is None
    assert best("camera") is None


def test_near_stopword_catches_mistyped_fillers():
    sw = stopwords()
    assert near_stopword("wat", sw) and near_stopword("whta", sw) and near_stopword("teh", sw)
    assert not near_stopword("tokyo", sw) and not near_stopword("nato", sw)


def osa(a: str, b: str) -> int:
    """Plain full-table optimal string alignment distance, as a reference."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_bounded_distance_is_banded_osa():
    import random

    from nltk.metrics.distance import edit_distance

    from bot.text import bounded_distance

    rng = random.Random(3)
    for _ in range(3000):
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 9)))
        b = "".join(rng.choice("abcd") for _ in range(rng.randint(0, 9)))
        k = rng.randint(0, 3)
        d = osa(a, b)
        assert bounded_distance(a, b, k) == (d if d <= k else k + 1), (a, b, k)
        # Within one edit it agrees with nltk's Damerau-Levenshtein distance.
        if d <= 1:
            assert edit_distance(a, b, transpositions=True) == d


def test_transpositions_swap_neighbours_once_each():
    from bot.text import transpositions

    assert transpositions("spcae") == ["pscae", "scpae", "space", "spcea"]
    assert transpositions("aab") == ["aba"]  # equal neighbours give nothing new
    assert transpositions("a") == [] and transpositions("") == []


def test_without_pystemmer_nltk_stems_and_the_saved_index_knows_which(monkeypatch):
    from bot import store, text
    from bot.documents.loader import LoadConfig
    from bot.retrieval.bm25 import BM25Params

    fast = Analyzer()
    assert fast.terms("Running satellites, Ramstein") == ["run", "satellit", "ramstein"]
    monkeypatch.setattr(text, "Stemmer", None)
    slow = Analyzer()
    assert slow.terms("Running satellites, Ramstein") == ["run", "satellit", "ramstein"]
    # The two Snowball versions differ on a few words: an index made by one is not read by the other.
    assert fast.stem("organization") != slow.stem("organization")
    key = store.settings_key(LoadConfig(), BM25Params())
    monkeypatch.setattr(store, "STEMMER", "nltk-snowball-x")
    assert store.settings_key(LoadConfig(), BM25Params()) != key


def _sentences_of_every_kind(n: int) -> list[str]:
    """Sentences of ASCII words of every length (beyond the byte path's 16), digits,
    underscores, punctuation, non-ASCII and invisible characters, and newlines."""
    import random

    rng = random.Random(13)
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    odd = ["Straße", "ﬁle", "Ram\u200bstein", "İstanbul", "naïve", "x_y", "__init__", "3.14", "it's", "line\nbreak"]
    out = []
    for _ in range(n):
        words = []
        for _ in range(rng.randrange(0, 12)):
            if rng.random() < 0.05:
                words.append(rng.choice(odd))
            else:
                words.append(
                    "".join(
                        rng.choice(letters + "0123456789")
                        for _ in range(rng.choice([1, 2, 7, 8, 9, 15, 16, 17, 24, 40]))
                    )
                )
        out.append(rng.choice([" ", ", ", " - ", "; "]).join(words) + rng.choice(["", ".", "?"]))
    # Words that share their first 8 or 16 bytes, and end where the byte path's words do.
    out += ["abcdefgh abcdefghi abcdefghij abcdefghik abcdefghijklmnop abcdefghijklmnopq abcdefghijklmnopr"]
    out += ["", "   ", "the and of", "THE"]
    return out


def test_analyse_sentences_equals_terms_of_each_sentence():
    sentences = _sentences_of_every_kind(3000)
    a = Analyzer()
    for batch in (sentences, [s for s in sentences if s.isascii() and "\n" not in s]):
        for _ in range(2):  # the second time every word is known
            terms, tokens, lengths = a.analyse_sentences(batch)
            assert lengths.tolist() == [len(a.terms(s)) for s in batch]
            assert [terms[t] for t in tokens.tolist()] == [t for s in batch for t in a.terms(s)]
            assert len(set(terms)) == len(terms)
            assert terms == list(dict.fromkeys(terms[t] for t in tokens.tolist()))  # in order of first use


def test_analysis_hash_collisions_never_merge_words(monkeypatch):
    import numpy as np

    from bot import text

    # Every word the same hash: the table must still tell them apart by their bytes.
    monkeypatch.setattr(text, "_mix", lambda lo, hi: np.ones(lo.shape[0], dtype=np.uint64))
    sentences = [f"alpha beta gamma{i % 50} delta{i % 7} epsilon" for i in range(600)]
    a = Analyzer()
    for _ in range(2):
        terms, tokens, _ = a.analyse_sentences(sentences)
        assert [terms[t] for t in tokens.tolist()] == [t for s in sentences for t in a.terms(s)]


# -- the byte path (Analyzer.analyse_sentences on ASCII) against Analyzer.terms -------------


_PIECES = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=40),
    st.sampled_from(["the", "The", "AND", "of", "it's", "don't", "well-known", "x_y", "__init__", "3.14", "a.m."]),
    # Words sharing their first 8 or 16 bytes, of every length around the byte path's 16.
    st.builds(
        str.__add__,
        st.sampled_from(["abcdefgh", "ABCDEFGH", "abcdefghijklmnop", "0" * 8]),
        st.text(alphabet="abcdefghijklmnop0123456789", max_size=10),
    ),
    st.text(alphabet=" \t\r\x0b\x0c\x1f\x00\x7f.,;:!?'\"-_()[]{}<>/\\|@#$%^&*+=~`", max_size=4),
    st.sampled_from(["Straße", "ﬁle", "Ram\u200bstein", "İstanbul", "naïve", "café", "\u00a0", "line\nbreak", "\n"]),
)
_SENTENCE = st.lists(_PIECES, max_size=12).map(" ".join)


def _check_analysis(a: Analyzer, batch: list[str]) -> None:
    terms, tokens, lengths = a.analyse_sentences(batch)
    expected = [a.terms(s) for s in batch]
    assert lengths.tolist() == [len(e) for e in expected]
    assert [terms[t] for t in tokens.tolist()] == [t for e in expected for t in e]
    assert terms == list(dict.fromkeys(t for e in expected for t in e))  # distinct, in order of first use


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_SENTENCE, max_size=30), st.lists(_SENTENCE, max_size=30))
def test_byte_path_analysis_equals_terms_of_each_sentence(first, second):
    """Any text, analysed in batches by bytes (ASCII), word by word (the rest) or both mixed,
    gives each sentence's `terms`; a second batch meets known and new words alike."""
    from bot import text

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(text, "_SMALL_BATCH_CHARS", 0)  # the byte path however short the batch
        a = Analyzer(extra_stopwords=["Well", "abcdefgh"])
        for batch in (first, second, first + second, [s for s in first + second if s.isascii()]):
            _check_analysis(a, batch)


@pytest.mark.parametrize("weak", ["start", "end", "same"])
def test_byte_path_table_grows_under_many_colliding_words(weak, monkeypatch):
    """Thousands of distinct words through a 4-slot table that must grow again and again,
    with hashes whose home slots crowd into the table's first or last 1/256 (long probe
    runs, wrapping round its end), or only three hash values at all: every word keeps
    its own term."""
    from bot import text

    real_table, real_mix = text._KeyTable, text._mix
    monkeypatch.setattr(text, "_KeyTable", lambda: real_table(2))
    monkeypatch.setattr(text, "_SMALL_BATCH_CHARS", 0)
    top = np.uint64(0xFF << 56)
    weak_mix = {
        "start": lambda lo, hi: (real_mix(lo, hi) >> np.uint64(8)) | np.uint64(1),
        "end": lambda lo, hi: real_mix(lo, hi) | top,
        "same": lambda lo, hi: (lo % np.uint64(3)) + np.uint64(1),
    }
    monkeypatch.setattr(text, "_mix", weak_mix[weak])
    rng = np.random.default_rng(3)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    words = ["".join(rng.choice(letters, size=int(n))) for n in rng.integers(1, 20, size=3000)]
    a = Analyzer()
    for _ in range(3):
        sentences = [" ".join(rng.choice(words, size=8).tolist()) for _ in range(400)]
        _check_analysis(a, sentences)
    table = a._vocab._keys
    assert table._count * 2 <= 1 << table._bits
    if weak != "same":  # (one word per hash value and batch enters the table)
        assert table._bits >= 12 and table._count > 2000
