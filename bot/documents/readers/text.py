"""Plain text (.txt), often scraped from the web: a title line, a `source: URL` line,
paragraphs on blank lines, mangled tags and entities, page junk at the end.

Plain-text documentation marks its headings the one way text allows: a line underlined by a
line of one repeated mark ("Usage" over "=====": Markdown's setext headings, reStructuredText's
and AsciiDoc's two-line titles, as git's .txt docs write them), the same mark above it too, or a
rule across the page over a title line (Vim's help files). Levels go by the order the marks
first appear, as reStructuredText has it; a document that opens with one has it as its title.
A rule alone separates and shows nothing. Text without such lines (a scraped article) has
everything in the root section, a passage per paragraph.

A paragraph that leads in to code ("enter this command:", Vim's "Example: >") and is followed
by lines set in deeper is followed by that code: a code block, verbatim (shown, not indexed),
over blank lines until a line is not set in, unless a line of it reads on in words as prose
(an indented table of descriptions stays text to find). Lines between two same lines of 4 or
more dashes are a code block too: AsciiDoc's listing block, as git's docs fence commands.

A Vim help file (its modeline says "ft=help") reads by Vim's rules, see VIM_HEADER.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from ...rendering import errors as wording
from .. import inline
from ..decode import decode_text
from ..model import Code, DocTree, Paragraph, ReadOptions, Section
from ..scraped import (
    find_junk,
    fold_spaces,
    source_line,
    strip_inline_tags,
    strip_tags,
)
from ..treebuild import OpenSection

log = logging.getLogger(__name__)

_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")
_SOURCE_LINE_WITHIN = 5  # a `source:` line may stand among the first lines
_TITLE_MAX_CHARS = 120  # a headline, not a paragraph (the PDF reader's bound too)
# A line of one mark repeated: an underline, an overline or a rule. RST's punctuation marks
# but "." ":" "`" "'" '"' (an ellipsis or quotes on a line are text).
_MARKS = re.compile(r"[ \t]{0,3}+([=\-~^*+#_])\1{2,}+[ \t]*+")
_MARK_CHARS = "=-~^*+#_"
_BANNER_MIN = 40  # a rule across the page, not a short delimiter ("----" around a listing)
_UNDERLINE_SLACK = 2  # AsciiDoc lets an underline be 2 marks shorter than its title
_MAX_LEVEL = 6
LISTING = "listing"  # the mark _items gives an AsciiDoc listing block's text
# Vim's help files (`:help help-writing`), the docs of Vim and of its plugins: the modeline
# "vim:tw=78:ts=8:ft=help:norl:" ends them; sections are "=" rules over a title, subsections
# "-" rules, and a line ending in "~" is a header below them; "|tag|" is a link and "*tag*" a
# tag, both shown without their marks, and a line ending in ">" (">vim", ">lua") opens code.
VIM_HEADER = "~"
VIM_CODE = "vim code"  # the mark _items gives a Vim help code block's text
_VIM_OPEN = re.compile(r"(?:^|\s)>[a-z]{0,20}[ \t]*$")
_VIM_LEVELS = (("=o", 1), ("-o", 2), (VIM_HEADER, 3))
# A modeline may end the last line of text ("Copyright: see |manual-copyright|  vim:ft=help:").
_VIM_HELP = re.compile(r"(?:^|[ \t])vim?:[^\n]{0,200}\b(?:ft|filetype)=help\b[^\n]{0,200}\s*\Z", re.MULTILINE)
_MODELINE_WITHIN = 500  # the modeline is the last line
# "|tag|" or "*tag*" standing as a word (not "a|b|c" or "2*3*4").
_VIM_LINK = re.compile(r"(?<![^\s(])([|*])([^\s|*]{1,100})\1(?![^\s.,;:)!?])")
_VIM_CODE = re.compile(r"\s>[a-z]{1,20}\Z")
# A paragraph ending so leads in to an indented code block: "enter this command:", Vim help's
# "Example: >" (`:help help-writing`). Not AsciiDoc's "term::", whose indented text is prose.
_LEAD_INS = (":", " >")
# Five words in a row: prose, not code (code has them only in a comment). \b and possessive
# quantifiers keep the search linear on a line of one huge word.
_WORD_RUN = re.compile(r"\b(?:[A-Za-z]++[,.;'’)]?+[ \t]++){4}[A-Za-z]{2}")


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

    modeline = vim_modeline(text)
    if modeline:  # a Vim help file: its modeline says so, and is no text to find
        text = text[: modeline.start()]
    if modeline and title:
        title = _vim_marks(title)
    root, heading_title = _tree(_chunks(text), title is None, vim_help=modeline is not None)
    return DocTree(title=title or heading_title, root=root, source=source, notes=tuple(notes))


def vim_modeline(text: str) -> re.Match[str] | None:
    """The modeline that ends a Vim help file ("vim:tw=78:ts=8:ft=help:norl:"), or None."""
    return _VIM_HELP.search(text, max(0, len(text) - _MODELINE_WITHIN))


def _tree(chunks: Iterator[str], want_title: bool, vim_help: bool = False) -> tuple[Section, str | None]:
    """The sections the chunks' headings open, and the title: the heading the text opens with
    (when `want_title`: no first line was taken for it)."""
    root = OpenSection(heading="", level=0)
    path = [root]  # the open sections, outermost first
    # A heading mark's level, in the order marks first appear; Vim's help has its own order.
    levels: dict[str, int] = dict(_VIM_LEVELS) if vim_help else {}
    title = None
    started = False  # whether anything has been read (a title opens the text)
    lead: int | None = None  # the margin of the lead-in (or code) just before, when a code block may follow
    code: list[str] = []  # the pieces of the code block being read, between its blank lines

    def end_code() -> None:
        if code:
            path[-1].blocks.append(Code(text=_dedent("\n\n".join(code))))
            code.clear()

    for mark, text in (item for chunk in chunks for item in _items(chunk, vim_help)):
        if mark is None and lead is not None and _indented_code(text, lead):
            code.append(text)
            continue
        if mark == VIM_CODE:
            code.append(text)
            lead = 0  # indented lines after a blank line go on with it
            continue
        end_code()
        if mark == LISTING:
            path[-1].blocks.append(Code(text=_dedent(text)))
            lead, started = None, True
            continue
        if mark is None:
            blocks = path[-1].blocks
            if _has_alnum(para := fold_spaces(_vim_marks(text) if vim_help else text)):
                if lead_in := para.endswith(_LEAD_INS) and not para.endswith("::"):
                    para = para.removesuffix(" >")  # Vim's code marker: its help hides it
                elif vim_help and (marker := _VIM_CODE.search(para)):  # ">vim": code in Vim script
                    lead_in, para = True, para[: marker.start()]
                blocks.append(Paragraph(md=inline.escape(para)))
                lead = _indent(text) if lead_in else None
                started = True
            continue
        lead = None
        heading = fold_spaces(_vim_marks(text) if vim_help else text)
        if want_title and not started:
            title, started = heading, True
            continue
        started = True
        level = levels.setdefault(mark, min(len(levels) + 1, _MAX_LEVEL))
        while path[-1].level >= level:
            path.pop()
        section = OpenSection(heading=heading, level=level)
        path[-1].children.append(section)
        path.append(section)
    end_code()
    return root.freeze(), title


def _items(chunk: str, vim_help: bool = False) -> Iterator[tuple[str | None, str]]:
    """A chunk's paragraphs (None, text) and headings (mark, title), in order. The mark names
    the heading's kind: "=" underlined, "=o" overlined and underlined (or a banner), VIM_HEADER
    a Vim help header."""
    if "\n" not in chunk:  # one line: no underline (most scraped paragraphs are one line)
        if vim_help and (header := _vim_header(chunk)):
            yield VIM_HEADER, header
        elif not _mark_line(chunk):
            yield None, chunk
        return
    lines = chunk.split("\n")
    n = len(lines)
    closers = _listing_closers(lines)
    start = i = 0  # the paragraph being collected is lines[start:i]
    after_rule = False
    while i < n:
        rule = _mark_line(lines[i])
        heading: tuple[str, str] | None = None
        skip = 1
        if (end := closers.get(i)) is not None:
            if start < i:
                yield None, "\n".join(lines[start:i])
            yield LISTING, "\n".join(lines[i + 1 : end])
            start = i = end + 1
            after_rule = False
            continue
        if vim_help and (opener := _VIM_OPEN.search(lines[i])) and i + 1 < n and lines[i + 1][:1] in " \t":
            # Code follows a line ending in ">" up to a line at the margin; a "<" there ends it.
            yield None, "\n".join([*lines[start:i], lines[i][: opener.start()]])
            j = i + 1
            while j < n and lines[j][:1] in " \t":
                j += 1
            yield VIM_CODE, "\n".join(lines[i + 1 : j])
            if j < n and lines[j].startswith("<"):
                lines[j] = lines[j][1:]
            start = i = j
            after_rule = False
            continue
        if vim_help and not rule and (header := _vim_header(lines[i])):
            heading = (VIM_HEADER, header)
        elif rule and i + 1 < n and _heading_like(title := lines[i + 1]):
            # A line between two lines of dashes is a listing (AsciiDoc's "----" block, the
            # usual fence of a command in plain text), not an overlined title.
            if i + 2 < n and lines[i + 2].strip() == rule and len(rule) >= len(title.strip()) and rule[0] != "-":
                heading, skip = (rule[0] + "o", title), 3
            elif i + 2 == n and len(rule) >= _BANNER_MIN:
                heading, skip = (rule[0] + "o", title), 2
        elif not rule and i == start and not after_rule and i + 1 < n and (under := _mark_line(lines[i + 1])):
            if _heading_like(lines[i]) and len(under) >= len(lines[i].strip()) - _UNDERLINE_SLACK:
                heading, skip = (under[0], lines[i]), 2
        after_rule = bool(rule) and not heading  # what a rule opens is no title (a listing's line)
        if rule or heading:
            if start < i:
                yield None, "\n".join(lines[start:i])
            if heading:
                yield heading[0], heading[1].removesuffix("~").rstrip() if vim_help else heading[1]
            i += skip
            start = i
        else:
            i += 1
    if start < n:
        yield None, "\n".join(lines[start:])


def _listing_closers(lines: list[str]) -> dict[int, int]:
    """Where each AsciiDoc listing block of the chunk opens and closes: a line of 4 or more
    dashes, then lines with text, then the same line of dashes (as git's docs fence a
    command). Found in one pass, each opener paired with the next identical line."""
    opened: dict[str, int] = {}  # a line of dashes waiting for its closer -> where it stands
    pairs: dict[int, int] = {}
    for j, line in enumerate(lines):
        if line[:1] != "-" or len(dashes := line.rstrip()) < 4 or dashes.strip("-"):
            continue
        if (i := opened.pop(dashes, None)) is not None and any(lines[k].strip() for k in range(i + 1, j)):
            pairs[i] = j
        else:
            opened[dashes] = j
    # Blocks do not nest: an opener inside an earlier block is that block's text.
    kept: dict[int, int] = {}
    end = -1
    for i in sorted(pairs):
        if i > end:
            kept[i] = end = pairs[i]
    return kept


def _vim_marks(text: str) -> str:
    """Vim help text as its help shows it: links and tags without their "|" and "*"."""
    return _VIM_LINK.sub(r"\2", text) if ("|" in text or "*" in text) else text


def _vim_header(line: str) -> str:
    """A Vim help header line's text ending in its "~" ("Options ~"), "" for any other line:
    at the margin, a title, no tab (a table's column heads "Name<tab>Meaning ~" are no header)."""
    line = line.rstrip()
    if not line.endswith("~") or "\t" in line or len(line) < 3 or line[:1].isspace():
        return ""
    return line if _title_like(line.removesuffix("~")) else ""


def _mark_line(line: str) -> str:
    """The marks of a line of one repeated mark ("=====", stripped), "" for any other line."""
    first = line.lstrip(" \t")[:1]
    if not first or first not in _MARK_CHARS:  # most lines: no regex run at all
        return ""
    return line.strip() if _MARKS.fullmatch(line) else ""


def _heading_like(line: str) -> bool:
    """A title line: at the margin (at most 3 spaces in), reads as a headline."""
    return not line.startswith(("    ", "\t")) and _title_like(line) and not _mark_line(line)


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


def _indent(text: str) -> int:
    """The columns before the first line's text (a tab to the next multiple of 8)."""
    line = text[: text.find("\n")] if "\n" in text else text
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def _indented_code(text: str, lead: int) -> bool:
    """Whether the paragraph after a lead-in is its code: every line set in deeper than the
    lead-in (by 2 columns at least), and no line running on in words as prose does."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    return bool(lines) and all(_indent(ln) >= max(lead + 1, 2) and not _WORD_RUN.search(ln) for ln in lines)


def _dedent(text: str) -> str:
    """The code's lines without their common indentation (tabs expanded) or trailing spaces."""
    lines = [ln.expandtabs(8).rstrip() for ln in text.split("\n")]
    margin = min((len(ln) - len(ln.lstrip()) for ln in lines if ln), default=0)
    return "\n".join(ln[margin:] for ln in lines).strip("\n")
