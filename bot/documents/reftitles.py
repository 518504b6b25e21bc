"""Section titles for Sphinx's `:ref:` across files, without breaking the per-file reuse.

Sphinx shows `:ref:`install-groups`` as the title of the section `.. _install-groups:` names,
whichever page holds it, and `:doc:`usage`` as that page's title. So a page's text depends on other pages' headings, while a build
reuses an unchanged file's passages as they are. The way through: the reader is given the
knowledge base's labels and their titles (ReadOptions.ref_titles) and says which of them it
showed, with the title shown (Document.ref_titles); the build reuses a file only while each
of those labels still has that title, and after a build whose labels moved, re-reads the
files that showed an old one (builder.py: at most a second pass; the titles a second pass
shows come from headings, which hold no such references in practice).

Which titles to start from: the previous build's labels, or on a first build a quick scan
of the RST sources (`.. _label:` over a heading), so that the second pass finds little to
re-read. Either is only a guess checked against the labels the files really define.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from docutils.nodes import fully_normalize_name

from ..knowledge import Document

log = logging.getLogger(__name__)

Used = tuple[tuple[str, str | None], ...]
_PAGE = "doc:/"  # page keys (page_key)

_TARGET = re.compile(r"\.\.[ \t]+_([^:`\s][^:`]{0,200}):[ \t]*$")
_INLINE_MARKS = re.compile(r"``|\*\*|[*`]|\\(?=.)")
_SCAN_MAX_BYTES = 5_000_000  # a file bigger than that is left to the second pass


def label_map(documents: Iterable[Document]) -> dict[str, str]:
    """Every label the documents define -> its section's title (the first page in path
    order to use a label keeps it, as links.py resolves it), and every page's key
    (page_key) -> its title."""
    out: dict[str, str] = {}
    for doc in documents:
        out[_PAGE + _stem(doc.path)] = doc.title
        for label, title in doc.label_titles:
            out.setdefault(label, title)
    return out


def page_key(here: str, page: str) -> str:
    """The key of the page a `:doc:` in file `here` names: Sphinx's document name, the
    path from the knowledge folder without its suffix ("/usage" from the top, "../usage"
    from here's folder). A label never holds "/" and ":" at once, so keys do not clash."""
    page = page.strip()
    joined = page.lstrip("/") if page.startswith("/") else posixpath.join(posixpath.dirname(here), page)
    return _PAGE + posixpath.normpath(joined)


def _stem(path: str) -> str:
    stem, ext = posixpath.splitext(path)
    return stem if ext else path


def agrees(used: Used, titles: Mapping[str, str]) -> bool:
    """Whether every label a document looked up elsewhere still has the title it showed."""
    return all(titles.get(label) == title for label, title in used)


def scan_titles(root: Path, files: Iterable[str]) -> dict[str, str]:
    """A first guess at the labels of the RST files among `files`: each `.. _label:` line
    followed (past blank lines and other labels) by a heading, and that heading's text with
    its inline markup taken off. Files that cannot be read are left out."""
    out: dict[str, str] = {}
    for rel in files:
        if not rel.lower().endswith(".rst"):
            continue
        try:
            path = root / rel
            if path.stat().st_size > _SCAN_MAX_BYTES:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        lines = text.splitlines()
        for label, title in _targets(lines):
            out.setdefault(label, title)
        first = _first_heading(lines)
        if first:
            out[_PAGE + _stem(rel)] = first
    return out


def _first_heading(lines: list[str]) -> str | None:
    """The page's title as Sphinx takes it: its first heading (an indented line is inside a
    directive or a literal block)."""
    for i, line in enumerate(lines):
        if line.strip() and not line[:1].isspace() and not line.startswith(".."):
            title = _heading(lines, i)
            if title:
                return title
    return None


def _targets(lines: list[str]) -> Iterable[tuple[str, str]]:
    pending: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        m = _TARGET.fullmatch(line)
        if m:
            pending.append(fully_normalize_name(m.group(1)))
        elif line and pending:
            title = _heading(lines, i)
            if title:
                yield from ((label, title) for label in pending)
            pending = []
        i += 1


def _heading(lines: list[str], i: int) -> str | None:
    """The heading that starts at line i (an underlined one, or over- and underlined)."""
    first = lines[i].strip()
    if _rule(first) and i + 2 < len(lines) and _rule(lines[i + 2].strip()):
        text = lines[i + 1].strip()
    elif i + 1 < len(lines) and _rule(lines[i + 1].strip()) and len(lines[i + 1].strip()) >= len(first):
        text = first
    else:
        return None
    return " ".join(_INLINE_MARKS.sub("", text).split()) or None


def _rule(line: str) -> bool:
    return len(line) >= 2 and len(set(line)) == 1 and not line[0].isalnum() and not line[0].isspace()
