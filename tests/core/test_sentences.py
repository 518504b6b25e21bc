"""The sentence splitter's fast path must make exactly Punkt's decisions."""

from __future__ import annotations

import json
import re
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text import SentenceSplitter
from tests.conftest import KNOWLEDGE, shared_file

SPLITTER = SentenceSplitter()

# Words that exercise every rule of the fast path: abbreviations, initials, numbers,
# hyphens, brackets and quotes around words, marks of every kind.
_TOKENS = st.sampled_from(
    [
        "word",
        "Word",
        "etc",
        "Dr",
        "U.S",
        "e.g",
        "a",
        "A",
        "Z",
        "x",
        "1990",
        "3,5",
        "12.5",
        "Jan",
        "well-known",
        "anti-etc",
        "(see",
        "(etc",
        "said)",
        '"quote"',
        "[1]",
        "it's",
        "Über",
        "ß",
        "İstanbul",
        "...",
        "--",
        "-",
        "“curly”",
        "'tick'",
        "no",
        "No",
        "ph.d",
        "7",
        "x.y",
        "Foo.bar",
        "東京",
    ]
)
_MARKS = st.sampled_from(["", "", "", ".", ".", "?", "!", ".)", '."', "?!", ".,", ":", ";", ".."])
_SPACES = st.sampled_from([" ", " ", " ", "  ", "\n", "\t"])


@st.composite
def prose(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 14))):
        parts.append(draw(_TOKENS) + draw(_MARKS))
        parts.append(draw(_SPACES))
    return "".join(parts).strip() if draw(st.booleans()) else "".join(parts)


@settings(max_examples=400, deadline=None)  # 30,000 passed once offline
@given(prose())
def test_fast_path_equals_punkt_on_generated_text(text):
    fast = SPLITTER._fast_split(text)
    if fast is not None:
        assert fast == SPLITTER.punkt_split(text)
    assert SPLITTER.split(text) == SPLITTER.punkt_split(text)


def test_fast_path_takes_plain_prose_and_the_article():
    assert SPLITTER._fast_split("One sentence here. Another one? Yes! And Dr. Who came.") == [
        "One sentence here.",
        "Another one?",
        "Yes!",
        "And Dr. Who came.",
    ]
    text = (KNOWLEDGE / "nato-space-center-ramstein.txt").read_text(encoding="utf-8")
    for para in (p for p in re.split(r"\n\s*\n", text) if p.strip()):
        para = re.sub(r"\s+", " ", para).strip()
        assert SPLITTER.split(para) == SPLITTER.punkt_split(para)


def test_fast_path_equals_punkt_on_squad_paragraphs():
    with zipfile.ZipFile(shared_file("squad-v1.1-dev.json.zip")) as z:
        name = next(n for n in z.namelist() if n.endswith(".json"))
        data = json.loads(z.read(name))
    paras = [re.sub(r"\s+", " ", p["context"]).strip() for a in data["data"] for p in a["paragraphs"]]
    fast = 0
    for p in paras:
        got = SPLITTER._fast_split(p)
        if got is not None:
            fast += 1
            assert got == SPLITTER.punkt_split(p), p
    assert fast > len(paras) * 0.7  # the fast path does carry most real prose
