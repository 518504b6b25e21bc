"""Plain text (.txt), often scraped from the web: a title line, a `source: URL` line,
paragraphs on blank lines, mangled tags and entities, page junk at the end.

Everything lives in the root section: plain text has no reliable headings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from ...rendering import errors as wording
from .. import inline
from ..decode import decode_text
from ..model import DocTree, Paragraph, ReadOptions, Section
from ..scraped import (
    find_junk,
    fold_spaces,
    source_line,
    strip_inline_tags,
    strip_tags,
)

log = logging.getLogger(__name__)

_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")
_SOURCE_LINE_WITHIN = 5  # a `source:` line may stand among the first lines
_TITLE_MAX_CHARS = 120  # a headline, not a paragraph (the PDF reader's bound too)


_NON_SPACE = re.compile(r"\S")  # the complement of str.strip()'s whitespace


class _Head:
    """The first lines of a text, split off one at a time as they are looked at: the
    source line and the title stand there, and a 100 MB file is never split into lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines: list[str] = []
        self.numbers: list[int] = []  # source line of each kept line
        self.pos = 0  # where the text not yet split off starts (past the end: none left)
        self.split = 0  # lines split off so far

    def have(self, n: int) -> int:
        """Split off lines until `n` are kept (or the text ends); how many are kept."""
        text = self.text
        while len(self.lines) < n and self.pos <= len(text):
            end = text.find("\n", self.pos)
            if end < 0:
                end = len(text)
            self.lines.append(text[self.pos : end])
            self.split += 1
            self.numbers.append(self.split)
            self.pos = end + 1
        return len(self.lines)

    def drop(self, i: int) -> None:
        del self.lines[i], self.numbers[i]

    def rest_has_text(self, start: int) -> bool:
        """Whether kept line `start` or anything after it has a non-space character."""
        return any(ln.strip() for ln in self.lines[start:]) or bool(_NON_SPACE.search(self.text, self.pos))

    def body(self) -> str:
        """The kept lines and the rest of the text, joined (built in one allocation)."""
        text = self.text
        if self.pos > len(text):
            return "\n".join(self.lines)
        if not self.lines:
            return text[self.pos :]
        # Replacing the (small) split-off head by the kept lines copies the rest only once;
        # the head's first occurrence is at 0, the only one replaced.
        return text.replace(text[: self.pos], "\n".join(self.lines) + "\n", 1)

    def original_line(self, line: int) -> int:
        """The file's line number of 1-based line `line` of body()."""
        if line <= len(self.lines):
            return self.numbers[line - 1]
        return self.split + line - len(self.lines)


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    head = _Head(decode_text(data))

    source = None
    for i in range(min(head.have(_SOURCE_LINE_WITHIN), _SOURCE_LINE_WITHIN)):
        m = _SOURCE_LINE.match(head.lines[i])
        if m:
            source = m.group(1)
            head.drop(i)
            break
    while head.have(1) and not head.lines[0].strip():
        head.drop(0)

    title = None
    # The first line is the title when a blank line and then more text follow it and it
    # reads like one; a first paragraph written on one line stays a searchable passage.
    if head.have(3) >= 3 and head.lines[0].strip() and not head.lines[1].strip() and head.rest_has_text(2):
        first = strip_inline_tags(head.lines[0])
        if _title_like(first):
            title = first
            head.drop(0)

    raw_body = head.body()
    text = strip_tags(raw_body)
    notes: list[str] = []
    junk = find_junk(text, options.junk_markers)
    if junk is not None:
        pos, marker = junk
        note = wording.note_junk_cut(head.original_line(source_line(raw_body, text, pos, marker)), marker)
        log.info("%s: %s", path, note)
        notes.append(note)
        text = text[:pos]
    del raw_body, head  # a huge file's raw text goes before its paragraphs are made

    blocks = tuple(
        Paragraph(md=inline.escape(p)) for p in (fold_spaces(chunk) for chunk in _chunks(text)) if _has_alnum(p)
    )
    return DocTree(title=title, root=Section(heading="", level=0, blocks=blocks), source=source, notes=tuple(notes))


def _chunks(text: str) -> Iterator[str]:
    """The text's pieces between blank lines, one at a time (not a list of them all)."""
    start = 0
    for m in _BLANK_LINES.finditer(text):
        yield text[start : m.start()]
        start = m.end()
    yield text[start:]


def _title_like(line: str) -> bool:
    """Short, with a letter, and not ending like a sentence or a lead-in ("." "," ";" ":");
    a headline may end with "?" or "!"."""
    line = line.strip()
    return (
        0 < len(line) <= _TITLE_MAX_CHARS
        and not line.endswith((".", ",", ";", ":"))
        and any(ch.isalpha() for ch in line)
    )


def _has_alnum(p: str) -> bool:
    return any(ch.isalnum() for ch in p)
