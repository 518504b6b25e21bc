"""Section titles for Sphinx's `:ref:` across files, without breaking the per-file reuse.

Sphinx shows `:ref:`install-groups`` as the title of the section `.. _install-groups:` names,
whichever page holds it, and `:doc:`usage`` as that page's title. So a page's text depends on other pages' headings, while a build
reuses an unchanged file's passages as they are. The way through: the reader is given the
knowledge base's labels and their titles (ReadOptions.ref_titles) and says which of them it
showed, with the title shown (Document.ref_titles); the build reuses a file only while each
of those labels still has that title, and after a build whose labels moved, re-reads the
files that showed an old one (builder.py: up to REF_PASSES passes, as a heading may itself
show a title from elsewhere).

Both of Sphinx's source formats define labels and refer to them, and a project may mix them
(an RST page refers to a MyST page's label and back): `.. _label:` over a heading in RST,
`(label)=` over a heading in MyST Markdown; `{ref}` and `{doc}` are the same roles as `:ref:`
and `:doc:`, and MyST's Markdown link without text (`[](#label)`, `<project:#label>`) shows a
title too. So the readers share the keys (untitled_key, link_keys) and the lookup (Shown).

Which titles to start from: the previous build's labels, or on a first build a quick scan
of the RST and Markdown sources (a target over a heading), so that the second pass finds
little to re-read. Either is only a guess checked against the labels the files really define.
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from docutils.nodes import fully_normalize_name

from ..knowledge import Document
from . import sphinx
from .rstsniff import looks_like_rst

log = logging.getLogger(__name__)

Used = tuple[tuple[str, str | None], ...]
_PAGE = "doc:/"  # page keys (page_key)

_TARGET = re.compile(r"\.\.[ \t]+_([^:`\s][^:`]{0,200}):[ \t]*$")
# MyST's target line, "(label)=" (myst_parser's myst_block_plugin: no parentheses inside).
_MYST_TARGET = re.compile(r" {0,3}\(([^()\s][^()]{0,200})\)=[ \t]*")
_INLINE_MARKS = re.compile(r"``|\*\*|[*`]|\\(?=.)")
_SCAN_MAX_BYTES = 5_000_000  # a file bigger than that is left to the second pass
# Passes at most (the first included): one per link of a chain of titles showing titles (a
# page whose title shows a label whose title a third page shows); beyond, a build stops.
REF_PASSES = 3


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


def label_key(label: str) -> str:
    """A label as Sphinx looks it up (docutils' normalized name: lower case, spaces single)."""
    return fully_normalize_name(label)


def untitled_key(here: str, role: str, text: str) -> str | None:
    """The key of the section or page whose title a reference in file `here` shows because it
    gives none of its own: a `ref` role's label ("label", not "Title <label>") or a `doc`
    role's page key; None for any other reference."""
    short = role.lower().rsplit(":", 1)[-1]
    if short == "ref":
        label = sphinx.ref_label(role, text)
        return label_key(label) if label and sphinx.shown_text(text) == text else None
    if short == "doc" and text.strip() and sphinx.shown_text(text) == text.lstrip("!"):
        return page_key(here, text)
    return None


# What MyST-Parser takes for a URL rather than a place in the project: its myst_url_schemes
# by default, its own inv: and path:, and mystmd's xref:. A label may hold ":" ("margin:block").
_URL_SCHEMES = ("http:", "https:", "mailto:", "ftp:", "inv:", "path:", "xref:")
_SOURCE_SUFFIXES = (".md", ".rst", ".ipynb", ".txt")


def link_keys(here: str, target: str) -> tuple[str, ...]:
    """The keys, in the order MyST tries them, of what a Markdown link without text in file
    `here` names, whose title it then shows (MyST-Parser's "implicit text", syntax/
    cross-referencing.md): "#label" a label; a source file ("../intro.md") that page; a bare
    name ("syntax/roles") a label, else a page. None for a URL or a heading on another page
    ("intro.md#part": its anchor is not a label)."""
    target = target.removeprefix("project:")
    if target.lower().startswith(_URL_SCHEMES):
        return ()
    path, _, fragment = target.partition("#")
    if not path:
        return (label_key(fragment),) if fragment.strip() else ()
    if fragment:
        return ()
    stem, suffix = posixpath.splitext(path)
    if suffix.lower() in _SOURCE_SUFFIXES:
        return (page_key(here, stem),)
    return (label_key(path), page_key(here, path))


def link_destination(target: str) -> str:
    """What a link without text shows when the title of what it names is not known: its
    destination (MyST-Parser: "the link text will be the destination itself"), without the
    scheme of a place in a project ("project:#label", "xref:guide/math") or the "#"."""
    for scheme in ("project:", "xref:", "inv:"):
        target = target.removeprefix(scheme)
    return target.lstrip("#")


class Shown:
    """The titles one file's untitled references show: its own labels' (`own`, which the
    reader fills as it reads) first, else every file's (`elsewhere`), each of those looked up
    recorded in `used` with what was found (None: nothing), for `agrees` to check later."""

    def __init__(self, elsewhere: Mapping[str, str]) -> None:
        self.own: dict[str, str] = {}
        self.elsewhere = elsewhere
        self.used: dict[str, str | None] = {}

    def title(self, key: str) -> str | None:
        title = self.own.get(key)
        if title is None:
            title = self.used[key] = self.elsewhere.get(key)
        return title

    def first(self, keys: Iterable[str]) -> str | None:
        """The title of the first of `keys` that has one."""
        return next((title for title in map(self.title, keys) if title), None)


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
    """A first guess at the labels of the RST and Markdown files among `files` (a .txt file
    too when it is RST, as the registry reads it): each target
    line (`.. _label:`, MyST's `(label)=`) followed (past blank lines and other targets) by a
    heading, and that heading's text with its inline markup taken off; and each page's title.
    Files that cannot be read are left out."""
    out: dict[str, str] = {}
    for rel in files:
        suffix = posixpath.splitext(rel.lower())[1]
        if suffix not in (".rst", ".md", ".txt"):
            continue
        try:
            path = root / rel
            if path.stat().st_size > _SCAN_MAX_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if suffix == ".txt" and not looks_like_rst(data):
            continue
        text = data.decode("utf-8", errors="replace")
        lines = text.splitlines()
        if suffix == ".md":
            lines = _outside_fences(lines)
            pairs, first = _targets(lines, _MYST_TARGET, _atx), _first_atx(lines)
        else:
            pairs, first = _targets(lines, _TARGET, _heading), _first_heading(lines)
        for label, title in pairs:
            out.setdefault(label, title)
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


def _targets(
    lines: list[str], target: re.Pattern[str], heading: Callable[[list[str], int], str | None]
) -> Iterable[tuple[str, str]]:
    pending: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        m = target.fullmatch(line)
        if m:
            pending.append(label_key(m.group(1)))
        elif line and pending:
            title = heading(lines, i)
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


def _first_atx(lines: list[str]) -> str | None:
    """A Markdown page's title as the reader takes it: its first heading, when that is an H1
    (a front-matter title is left to the second pass)."""
    for i, line in enumerate(lines):
        if line.lstrip(" ").startswith("#"):
            title = _atx(lines, i)
            if title:
                return title if line.lstrip(" ").startswith("# ") else None
    return None


def _atx(lines: list[str], i: int) -> str | None:
    """The text of the ATX heading ("## Title ##", "# Title {#id}") at line i, if it is one
    (by string operations: a pattern for the closing hashes could backtrack)."""
    line = lines[i]
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("#"):
        return None
    text = stripped.lstrip("#")
    if len(stripped) - len(text) > 6 or (text and text[0] not in " \t"):
        return None
    text = text.strip()
    if text.endswith("}") and "{" in text:  # an attribute block: "{#id}", "{.class}"
        text = text[: text.rindex("{")].rstrip()
    bare = text.rstrip("#")
    if not bare or bare[-1] in " \t":
        text = bare.rstrip()
    return " ".join(_INLINE_MARKS.sub("", text).split()) or None


def _outside_fences(lines: list[str]) -> list[str]:
    """The lines with those of fenced code blocks (and their fences) made a line that is no
    heading or target, so that neither is seen inside code."""
    out: list[str] = []
    fence = ""
    for line in lines:
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            out.append("\x00")
            continue
        if stripped[:3] in ("```", "~~~"):
            fence = stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]
            out.append("\x00")
            continue
        out.append(line)
    return out
