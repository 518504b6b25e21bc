"""Whether a .txt file is reStructuredText, from its own first lines.

Django's docs (docs/*.txt), older Sphinx projects (`source_suffix = '.txt'`) and the older
PEPs write reStructuredText in .txt files; plain text, a scraped article, Vim's help files and
git's AsciiDoc docs use .txt too. Underlined headings and a line ending in "::" over indented
lines are no proof (AsciiDoc and Markdown underline titles too; "--quiet::" over its indented
text is an AsciiDoc term), so they only back up what only reStructuredText writes: explicit
markup at the margin (".. note::", ".. _label:", ".. |name| image::", ".. [1] text",
".. __: url", the spec's "Explicit Markup Blocks") and interpreted text with a role
(":doc:`x`", Django's ":setting:`DEBUG`") or a hyperlink reference ("`Django <url>`_").

A file is reStructuredText when its first SCAN_CHARS characters hold explicit markup and
roles or references, or several of one of them, or one of them beside an underlined heading
or a "::" literal block; or inline literals ("``code``") under an overlined title (the same
line over and under it: only reStructuredText writes that), or several under an underlined
one; or when it opens with a PEP's header saying "Content-Type: text/x-rst" (PEP 1). A Vim
help file (its modeline says so) never is. The scan is bounded and its patterns cannot backtrack
more than a bounded amount per character.
"""

from __future__ import annotations

import re

from .readers.text import vim_modeline

SCAN_CHARS = 32_000  # a page's opening is enough: its first section or two
_SEVERAL = 3  # this many of one kind of markup decides alone
# Explicit markup at the margin: a directive ("code-block::", "py:function::", "versionadded::"),
# a target (".. _label:", ".. __: url"), a substitution definition, a footnote or citation.
_EXPLICIT = re.compile(
    r"\.\. (?:[A-Za-z][\w.+-]{0,40}(?::[A-Za-z][\w.+-]{0,40})?::(?:[ \t]|$)"
    r"|_[^\s:`][^:`\n]{0,200}:(?:[ \t]|$)|__:(?:[ \t]|$)"
    r"|\|[^|\s][^|\n]{0,100}\|[ \t]+[A-Za-z][\w-]{0,40}::"
    r"|\[(?:\d{1,4}|#[\w-]{0,40}|\*|[A-Za-z][\w.-]{0,40})\][ \t])"
)
# A role with its interpreted text (":ref:`x`", ":py:func:`f`"), or a hyperlink reference
# ("`text <url>`_", "`text`__"), standing as a word.
_INLINE = re.compile(
    r"(?<![\w`:]):[A-Za-z][\w+.-]{0,30}(?::[A-Za-z][\w+.-]{0,30})?:`[^`\n]{1,300}`"
    r"|(?<![\w`])`[^`\s][^`\n]{0,300}`__?(?![\w])"
)
# An inline literal, "``text``" (AsciiDoc's ``quoted'' closes with quotes, Markdown's
# code span seldom doubles its backticks).
_LITERAL = re.compile(r"(?<![\w`])``[^`\s][^`\n]{0,300}``(?![\w`])")
_UNDERLINE = re.compile(r"([=\-~^\"'`#*+_.:<>])\1{2,}[ \t]*")
_PEP_RST = re.compile(r"(?m)^Content-Type:[ \t]*text/x-rst[ \t]*$")
_HEADER_CHARS = 2_000  # a PEP's header is its first dozen lines
_TAIL_BYTES = 1_000  # a Vim help file's modeline ends it


def looks_like_rst(data: bytes) -> bool:
    """Whether the file whose bytes are `data` reads as reStructuredText (see module doc)."""
    text = data[:SCAN_CHARS].decode("utf-8", errors="ignore").removeprefix("\ufeff")
    if _pep_header(text[:_HEADER_CHARS]):
        return True
    if vim_modeline(data[-_TAIL_BYTES:].decode("utf-8", errors="ignore")):
        return False  # Vim's help format, whatever its text holds (quickref's "``" is a key)
    lines = text.splitlines()
    explicit = sum(1 for line in lines if _EXPLICIT.match(line))
    inline = sum(1 for _ in _INLINE.finditer(text))
    if explicit >= _SEVERAL or inline >= _SEVERAL or (explicit and inline):
        return True
    underlined, overlined = _titles(lines)
    if explicit or inline:
        return underlined or _literal_block(lines)
    literals = sum(1 for _ in _LITERAL.finditer(text))
    return (literals >= _SEVERAL and underlined) or (literals > 0 and overlined)


def _pep_header(head: str) -> bool:
    """A PEP's RFC 822 header ("PEP: 8" first) says its body is reStructuredText."""
    return head.startswith("PEP:") and _PEP_RST.search(head.split("\n\n", 1)[0]) is not None


def _titles(lines: list[str]) -> tuple[bool, bool]:
    """Whether a line of words stands under a line of one mark at least as long as it, and
    whether one also has the same line over it (reStructuredText's overlined title)."""
    underlined = False
    for above, line, below in zip(["", *lines], lines, lines[1:], strict=False):
        title = line.strip()
        if title and not line[:1].isspace() and _UNDERLINE.fullmatch(below) and len(below.rstrip()) >= len(title):
            if above.rstrip() == below.rstrip():
                return True, True
            underlined = underlined or not above.strip()
    return underlined, False


def _literal_block(lines: list[str]) -> bool:
    """A paragraph ending "::" after words (not an AsciiDoc "term::") over indented lines."""
    for line, below, after in zip(lines, lines[1:], lines[2:], strict=False):
        end = line.rstrip()
        if end.endswith("::") and (end == "::" or " " in end.strip()) and not below.strip() and after[:1].isspace():
            return True
    return False
