"""Anchor text: the words other pages use when they link to a section.

Documentation pages link to each other's sections ("see [Dependency groups](…#dependency-
groups)", Hugo's `relref`, `#anchor`, `page.md#anchor`, HTML hrefs, Sphinx's :ref:); the link
text says what the linked section is about in other words, as web search has long used it.
`incoming_anchors` resolves every document's links (Document.links, recorded by the readers)
to the first passage of the section each names — by the names the source gives headings
(Document.labels: ids, RST labels) or the anchors site generators make of them (urls.py) —
and returns that passage's incoming link texts. Links to a whole page, to nowhere known and from
inside the linked section itself are left out (bench/anchor_trials.py measured them).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Sequence
from urllib.parse import unquote

import numpy as np

from ..knowledge import Document, KnowledgeBase, PassageTable
from .urls import LABEL_REF, URL_STYLES, anchors

log = logging.getLogger(__name__)

# File types whose pages link to each other by name with or without their suffix.
_SUFFIXES = (".md", ".markdown", ".mdx", ".rst", ".txt", ".html", ".htm")
_INDEX_NAMES = ("_index", "index", "readme")

Target = tuple[int, tuple[str, ...]]  # (passage number in the knowledge base, heading path)


def incoming_anchors(kb: KnowledgeBase) -> dict[int, tuple[str, ...]]:
    """Passage number -> the texts of the links pointing at the section it opens ({} when
    no document links anywhere). Loops over documents and links only, never over every
    passage, so a large knowledge base without links costs next to nothing."""
    docs = kb.documents
    if not any(d.links for d in docs):
        return {}
    starts = _starts(kb)
    pages = _page_keys(docs)
    targets: dict[int, _Anchors] = {}
    found: dict[tuple[str, str], int | None] = {}  # (page as written, folder) -> document
    labels: dict[str, tuple[int, Target]] | None = None  # every page's labels, once needed
    out: dict[int, list[str]] = {}
    unresolved = 0
    for d, doc in enumerate(docs):
        here = posixpath.dirname(doc.path)
        for href, text, source in doc.links:
            if href.startswith(LABEL_REF):  # Sphinx's :ref: names a label on any page
                if labels is None:
                    labels = _all_labels(kb, starts)
                got = labels.get(href[len(LABEL_REF) :].strip().casefold())
                if got is None:
                    unresolved += 1
                else:
                    _add(out, kb, d, int(starts[d]) + source - 1 if source else -1, got[0], got[1], text)
                continue
            page, _, fragment = href.partition("#")
            page = page.split("?", 1)[0]  # "?v=2#x": a query alone is the page itself
            anchor = unquote(fragment).strip()
            if not anchor:
                continue  # a whole page: its first passage gains nothing measurable
            if not page:
                t: int | None = d
            else:
                key = (page, here)
                if key not in found:
                    found[key] = _page(page, here, pages)
                t = found[key]
            if t is None:
                unresolved += 1
                continue
            table = targets.get(t)
            if table is None:
                table = targets[t] = _Anchors(*_headings(kb, t, starts))
            hit = table.get(anchor)
            if hit is None:
                unresolved += 1
                continue
            _add(out, kb, d, int(starts[d]) + source - 1 if source else -1, t, hit, text)
    if unresolved:
        log.debug("%d internal link(s) point at no known section", unresolved)
    return {p: tuple(texts) for p, texts in out.items()}


def _add(out: dict[int, list[str]], kb: KnowledgeBase, d: int, source: int, t: int, target: Target, text: str) -> None:
    """The link text goes to the target passage, unless the link is inside the section."""
    passage, path = target
    if t == d and source >= 0 and _section(kb, d, source)[: len(path)] == path:
        return  # a link from inside the section repeats the section's own words
    out.setdefault(passage, []).append(text)


def _all_labels(kb: KnowledgeBase, starts: np.ndarray) -> dict[str, tuple[int, Target]]:
    """Every page's heading names (case-folded, as Sphinx labels are) -> (document, target);
    the first page to use a name keeps it."""
    out: dict[str, tuple[int, Target]] = {}
    for d, doc in enumerate(kb.documents):
        for name, number in doc.labels:
            key = name.casefold()
            if key not in out:
                p = int(starts[d]) + number - 1
                out[key] = (d, (p, _section(kb, d, p)))
    return out


def _starts(kb: KnowledgeBase) -> np.ndarray:
    """First passage number of each document (and the total at the end)."""
    if isinstance(kb.passages, PassageTable):
        return kb.passages.doc_ptr
    sizes = [len(d.paragraphs) for d in kb.documents]
    return np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))


def _key(path: str) -> str:
    """A page's name as links write it: no suffix, no index file name, lower case."""
    path = path.strip("/")
    if path in (".", ""):
        return ""  # "./": the folder's own index page (here the root's)
    stem, ext = posixpath.splitext(path)
    if ext.lower() in _SUFFIXES:
        path = stem
    head, name = posixpath.split(path)
    if name.lower() in _INDEX_NAMES:
        path = head
    return path.casefold()


def _page_keys(docs: Sequence[Document]) -> dict[str, int]:
    """Documents by path key and, where no two share it, by bare name (Hugo's relref finds
    a page by its name from anywhere)."""
    keys: dict[str, int] = {}
    names: dict[str, int | None] = {}
    for d, doc in enumerate(docs):
        key = _key(doc.path)
        keys.setdefault(key, d)
        name = posixpath.basename(key)
        names[name] = d if name not in names else None  # two pages of that name: by path only
    for name, only in names.items():
        if only is not None:
            keys.setdefault("\0" + name, only)
    return keys


def _page(page: str, here: str, keys: dict[str, int]) -> int | None:
    """The document a link's page part names, from a document in folder `here`."""
    page = unquote(page).strip()
    relative = posixpath.normpath(posixpath.join(here, page)) if not page.startswith("/") else page
    for candidate in (relative, page):
        d = keys.get(_key(candidate))
        if d is not None:
            return d
    return keys.get("\0" + posixpath.basename(_key(page)))


def _section(kb: KnowledgeBase, d: int, passage: int) -> tuple[str, ...]:
    """Heading path of a passage of document d (from the table's rows: no text decoded)."""
    passages = kb.passages
    if isinstance(passages, PassageTable):
        rows = passages.sections[d]
        row = int(passages.sec_ids[passage])
        return tuple(rows[row][0]) if row < len(rows) else ()
    return tuple(passages[passage].section)


# Slug styles tried in turn ("html" slugs as "mkdocs" does).
_STYLES = tuple(s for s in URL_STYLES if s != "html")


class _Anchors:
    """One document's anchors -> (first passage, heading path): its deep links' own, then
    each site generator's slugs of its headings, made only when a link is not found yet
    (most sites use one style; a page's table is made once for all links to it)."""

    def __init__(self, heads: list[tuple[str, tuple[str, ...], int]], table: dict[str, Target]) -> None:
        self.heads, self.table = heads, table
        self.folded: dict[str, Target] = {}
        self.styles = list(_STYLES)

    def get(self, anchor: str) -> Target | None:
        while True:
            hit = self.table.get(anchor) or self.folded.get(anchor.casefold())
            if hit is not None or not self.styles:
                return hit
            style = self.styles.pop(0)
            for (_, path, first), a in zip(self.heads, anchors([(h, None) for h, _, _ in self.heads], style)):
                if a:
                    self.table.setdefault(a, (first, path))
            self.folded = {}
            for a, target in self.table.items():
                self.folded.setdefault(a.casefold(), target)


def _headings(
    kb: KnowledgeBase, d: int, starts: np.ndarray
) -> tuple[list[tuple[str, tuple[str, ...], int]], dict[str, Target]]:
    """Every heading of document d that has passages under it as (heading, path, first
    passage), in reading order, and the names the source (ids, labels) and its deep links
    give them."""
    a, b = int(starts[d]), int(starts[d + 1])
    heads: list[tuple[str, tuple[str, ...], int]] = []
    seen: set[tuple[str, ...]] = set()
    table: dict[str, Target] = {}
    for name, number in kb.documents[d].labels:  # the source's own names come first
        table.setdefault(name, (a + number - 1, _section(kb, d, a + number - 1)))
    for path, url, first in _rows(kb, d, a, b):
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in seen:
                seen.add(prefix)
                heads.append((prefix[-1], prefix, first))
        if url and "#" in url:
            table.setdefault(unquote(url.rsplit("#", 1)[1]), (first, path))
    return heads, table


def _rows(kb: KnowledgeBase, d: int, a: int, b: int) -> list[tuple[tuple[str, ...], str | None, int]]:
    """(heading path, deep link, first passage) of each section of document d that holds
    passages, in reading order."""
    passages = kb.passages
    if isinstance(passages, PassageTable):
        ids = passages.sec_ids[a:b]
        rows, first = np.unique(ids, return_index=True)
        table = passages.sections[d]
        out = [(*table[r], a + int(f)) for r, f in zip(rows.tolist(), first.tolist()) if r < len(table)]
        out.sort(key=lambda row: row[2])
        return [(tuple(path), url, f) for path, url, f in out]
    result: list[tuple[tuple[str, ...], str | None, int]] = []
    last: tuple[tuple[str, ...], str | None] | None = None
    for p in range(a, b):
        passage = passages[p]
        key = (tuple(passage.section), passage.url)
        if key != last:
            result.append((key[0], key[1], p))
            last = key
    return result
