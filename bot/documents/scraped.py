"""Helpers for scraped text (.txt and HTML readers): page-junk markers and tags that survive
scraping mangled (`< / P > < p >`). Markdown, RST and PDF never use these."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

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
_TAG_REST = r"(?:\s+[^<>=]{0,100}=[^<>]{0,400}?)?\s*/?\s*>"
_BLOCK_NAMES = "p|div|br|h[1-6]|li|ul|ol|section|article|blockquote|tr|table|pre|hr"
_INLINE_NAMES = ("a|abbr|b|big|cite|code|del|dfn|em|font|i|img|ins|kbd|mark|q|s|samp|small|span|strike|"
                 "strong|sub|sup|time|tt|u|var|wbr|meta|link|label|figure|figcaption|picture|source|"
                 "nav|header|footer|main|aside|html|head|body|title|center|td|th|thead|tbody|dl|dt|dd")
# One pass over the text: a comment, a block tag (a paragraph break) or another tag (a space).
_MARKUP = re.compile(
    r"(?P<comment><!--.*?-->)"
    r"|(?P<block><\s*/?\s*(?:" + _BLOCK_NAMES + r")\b" + _TAG_REST + ")"
    r"|(?P<inline><\s*/?\s*(?:" + _INLINE_NAMES + r")\b" + _TAG_REST + ")",
    re.IGNORECASE | re.DOTALL,
)


def fold_spaces(text: str) -> str:
    # str.split() splits on exactly what \s matches (checked over all of Unicode), 5x faster.
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Stripped:
    """Text with tags turned into breaks/spaces and entities decoded, plus where each piece
    of it came from, so a position in it can be named as a source line."""

    text: str
    # (offset in text, 1-based source line) at the start of every piece, ascending.
    anchors: tuple[tuple[int, int], ...]

    def line_at(self, pos: int) -> int:
        """The source line of position `pos` of `text`."""
        line, start = 1, 0
        for offset, src_line in self.anchors:
            if offset > pos:
                break
            start, line = offset, src_line
        return line + self.text.count("\n", start, pos)


def strip_tags(text: str, first_line: int = 1) -> Stripped:
    """Block tags become paragraph breaks, other tags and comments a space; entities are
    decoded once (text between tags only, so `&lt;p&gt;` stays the text "<p>")."""
    out: list[str] = []
    anchors: list[tuple[int, int]] = []
    size = 0
    line = first_line
    pos = 0

    def piece(s: str, src_line: int) -> None:
        nonlocal size
        anchors.append((size, src_line))
        out.append(s)
        size += len(s)

    for m in _MARKUP.finditer(text):
        if m.start() > pos:
            piece(html.unescape(text[pos:m.start()]), line)
            line += text.count("\n", pos, m.start())
        piece(PARA_BREAK if m.lastgroup == "block" else " ", line)
        line += text.count("\n", m.start(), m.end())
        pos = m.end()
    if pos < len(text):
        piece(html.unescape(text[pos:]), line)
    return Stripped("".join(out), tuple(anchors))


def strip_inline_tags(text: str) -> str:
    """A one-line string (a title) without any tags, entities decoded, spaces folded."""
    return fold_spaces(html.unescape(_MARKUP.sub(" ", text)))


def find_junk(text: str, markers: Sequence[str]) -> tuple[int, str] | None:
    """(position, marker) of the first junk marker in the second half of `text`, or None.

    Page furniture trails the article; a marker early in a document ("Read more about
    tokens below") is ordinary text and stays.
    """
    best: tuple[int, str] | None = None
    half = len(text) // 2
    for marker in markers:
        if not marker:
            continue
        pos = text.find(marker, half)
        if pos >= 0 and (best is None or pos < best[0]):
            best = (pos, marker)
    return best


def junk_note(line: int, marker: str) -> str:
    """The DocTree note for a junk cut (listed in the reload report)."""
    return f"cut page junk from line {line} ({marker!r})"
