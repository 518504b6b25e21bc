"""Helpers for scraped text (.txt and HTML readers): page-junk markers and tags that survive
scraping mangled (`< / P > < p >`). Markdown, RST and PDF never use these."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# Where scraped pages stop being the article. Everything from the marker on is dropped.
DEFAULT_JUNK_MARKERS: tuple[str, ...] = (
    "Continue Reading",
    "Continue reading",
    "Read more",
    "Read More",
    "READ MORE",
    "Related Articles",
    "Related articles",
    "Recommended for you",
    "Share this article",
)

PARA_BREAK = "\n\n"

# What may follow a tag name: nothing, or attributes with "=" (so "a<b and c>d" or
# "Vec<String>" in plain text are not mistaken for tags). Scrapers put spaces inside tags
# ("< / P >", "< p >"), so spaces are allowed everywhere.
# (Possessive: "<b and c>d" fails at once instead of backtracking through 100 characters.)
_TAG_REST = r"(?:\s++[^<>=]{0,100}+=[^<>]{0,400}?)?\s*/?\s*>"
_BLOCK_NAMES = "p|div|br|h[1-6]|li|ul|ol|section|article|blockquote|tr|table|pre|hr"
_INLINE_NAMES = (
    "a|abbr|b|big|cite|code|del|dfn|em|font|i|img|ins|kbd|mark|q|s|samp|small|span|strike|"
    "strong|sub|sup|time|tt|u|var|wbr|meta|link|label|figure|figcaption|picture|source|"
    "nav|header|footer|main|aside|html|head|body|title|center|td|th|thead|tbody|dl|dt|dd"
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:" + _BLOCK_NAMES + r")\b" + _TAG_REST, re.IGNORECASE)
_ANY_TAG = re.compile(r"<\s*/?\s*(?:" + _INLINE_NAMES + r")\b" + _TAG_REST, re.IGNORECASE)


def fold_spaces(text: str) -> str:
    # str.split() splits on exactly what \s matches (checked over all of Unicode), 5x faster.
    return " ".join(text.split())


def strip_tags(text: str) -> str:
    """Block tags become paragraph breaks, other tags and comments a space; entities are
    decoded once (after the tags are gone, so `&lt;p&gt;` stays the text "<p>")."""
    text = _COMMENT.sub(" ", text)
    text = _BLOCK_TAG.sub(PARA_BREAK, text)
    return html.unescape(_ANY_TAG.sub(" ", text))


def strip_inline_tags(text: str) -> str:
    """A one-line string (a title) without any tags, entities decoded, spaces folded."""
    return fold_spaces(strip_tags(text))


def source_line(raw: str, stripped: str, pos: int, marker: str) -> int:
    """The 1-based line of `raw` where the marker found at `pos` of `strip_tags(raw)` stands.

    Tags and entities change offsets but not the marker's text, so the marker's n-th
    occurrence in one is its n-th in the other; when decoding made the marker (rare), the
    line at the same share of the text is the estimate.
    """
    nth = stripped.count(marker, 0, pos)
    at = -1
    for _ in range(nth + 1):
        at = raw.find(marker, at + 1)
        if at < 0:
            at = int(len(raw) * pos / max(len(stripped), 1))
            break
    return raw.count("\n", 0, at) + 1


def find_junk(text: str, markers: Sequence[str]) -> tuple[int, str] | None:
    """(position, marker) of the first junk marker in the second half of `text`, or None.

    Page furniture trails the article; a marker early in a document ("Read more about
    tokens below") is ordinary text and stays. So does one that opens a sentence going on
    after it ("Read more about coverage."): a marker is furniture standing alone or running
    into the link text after it ("Read more »", "Continue Reading: news", "Readinggather").
    """
    best: tuple[int, str] | None = None
    half = len(text) // 2
    for marker in markers:
        if not marker:
            continue
        pos = text.find(marker, half)
        while pos >= 0 and _goes_on(text, pos + len(marker)):
            pos = text.find(marker, pos + 1)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, marker)
    return best


# Words after a marker that make it a teaser, not a sentence ("Read more stories like this",
# "Read more from Jane Doe", "Share this article on ...").
_TEASER_WORDS = frozenset("from stories articles article posts post news on like at here by below".split())
_SENTENCE_END = ".!?"


def _goes_on(text: str, end: int) -> bool:
    """Whether a sentence goes on at `end`: spaces on the same line, a lowercase word that is
    no teaser's, and the line ends as a sentence does ("Read more about coverage.")."""
    stop = text.find("\n", end, end + 300)
    line = text[end : stop if stop >= 0 else end + 300]
    words = line.lstrip(" \t\xa0")
    if len(words) == len(line) or not words[:1].islower():
        return False
    first = words.split(None, 1)[0].strip(",;:")
    return first not in _TEASER_WORDS and words.rstrip()[-1:] in _SENTENCE_END
