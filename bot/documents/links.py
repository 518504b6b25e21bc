"""Anchor text: the words other pages use when they link to a section.

Documentation pages link to each other's sections ("see [Dependency groups](…#dependency-
groups)", Hugo's `relref`, `#anchor`, `page.md#anchor`); the link text says what the linked
section is about in other words, as web search has long used it. `incoming_anchors` resolves
every document's links (Document.links, recorded by the readers) to the first passage of
the section each names, with the anchors site generators give headings (urls.py), and
returns that passage's incoming link texts. Links to a whole page, to nowhere known and from
inside the linked section itself are left out (bench/anchor_trials.py measured them).
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Sequence
from urllib.parse import unquote

import numpy as np

from ..knowledge import Document, KnowledgeBase, PassageTable
from .urls import URL_STYLES, anchors

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
    targets: dict[int, dict[str, Target]] = {}
    out: dict[int, list[str]] = {}
    unresolved = 0
    for d, doc in enumerate(docs):
        for href, text, source in doc.links:
            page, _, fragment = href.partition("#")
            anchor = unquote(fragment).strip()
            if not anchor:
                continue  # a whole page: its first passage gains nothing measurable
            t = _page(page, doc.path, d, pages)
            if t is None:
                unresolved += 1
                continue
            table = targets.get(t)
            if table is None:
                table = targets[t] = _anchor_table(kb, t, starts)
            hit = table.get(anchor) or table.get(anchor.casefold())
            if hit is None:
                unresolved += 1
                continue
            passage, path = hit
            if t == d and source and _section(kb, starts[d] + source - 1)[: len(path)] == path:
                continue  # a link from inside the section repeats the section's own words
            out.setdefault(passage, []).append(text)
    if unresolved:
        log.debug("%d internal link(s) point at no known section", unresolved)
    return {p: tuple(texts) for p, texts in out.items()}


def _starts(kb: KnowledgeBase) -> np.ndarray:
    """First passage number of each document (and the total at the end)."""
    if isinstance(kb.passages, PassageTable):
        return kb.passages.doc_ptr
    sizes = [len(d.paragraphs) for d in kb.documents]
    return np.concatenate(([0], np.cumsum(sizes, dtype=np.int64)))


def _key(path: str) -> str:
    """A page's name as links write it: no suffix, no index file name, lower case."""
    path = path.strip("/")
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


def _page(page: str, source: str, own: int, keys: dict[str, int]) -> int | None:
    """The document a link's page part names (its own document when it names none)."""
    page = unquote(page.split("?", 1)[0]).strip()
    if not page or page in (".", "./"):
        return own
    here = posixpath.dirname(source)
    relative = posixpath.normpath(posixpath.join(here, page)) if not page.startswith("/") else page
    for candidate in (relative, page):
        d = keys.get(_key(candidate))
        if d is not None:
            return d
    return keys.get("\0" + posixpath.basename(_key(page)))


def _section(kb: KnowledgeBase, passage: int) -> tuple[str, ...]:
    return tuple(kb.passages[passage].section)


def _anchor_table(kb: KnowledgeBase, d: int, starts: np.ndarray) -> dict[str, Target]:
    """Anchor -> (first passage, heading path) for every heading of document d that has
    passages under it, as each site generator would name it (and as its deep links do)."""
    a, b = int(starts[d]), int(starts[d + 1])
    rows = _rows(kb, d, a, b)
    heads: list[tuple[str, tuple[str, ...], int]] = []  # (heading, path, first passage)
    seen: set[tuple[str, ...]] = set()
    table: dict[str, Target] = {}
    for path, url, first in rows:
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in seen:
                seen.add(prefix)
                heads.append((prefix[-1], prefix, first))
        if url and "#" in url:
            table.setdefault(unquote(url.rsplit("#", 1)[1]), (first, path))
    for style in URL_STYLES:
        for (_, path, first), anchor in zip(heads, anchors([(h, None) for h, _, _ in heads], style)):
            if anchor:
                table.setdefault(anchor, (first, path))
    for anchor, target in list(table.items()):
        table.setdefault(anchor.casefold(), target)
    return table


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
