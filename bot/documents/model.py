"""The document tree every reader produces and the passage builder consumes.

A reader (one module per file format) turns a file's bytes into a `DocTree`: a title, an
optional source URL and a tree of `Section`s whose bodies are `Block`s. Nothing here knows
about formats, the index or Discord.

Inline text is *safe Markdown*: a small, fixed subset that every reader emits and every
renderer understands:

- literal text with Markdown-special characters escaped by `inline.escape` (so a document
  can never inject links, mentions or formatting of its own),
- ``**bold**``, ``*italic*`` and `` `code` `` (a code span holds its text as is; a backtick
  inside it is replaced by ``'``),
- nothing else: links keep only their text, images are dropped (or their alt text kept
  where it is the only content), HTML is dropped. (A link to a place in the documentation
  is also recorded, apart from the text, in its section's `links`: documents/links.py.)

`inline.to_plain` turns safe Markdown back into the plain text that is indexed and split
into sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Prose: one paragraph of safe-Markdown inline text."""

    md: str
    page: int | None = None  # 1-based PDF page the paragraph starts on


@dataclass(frozen=True, slots=True)
class Code:
    """A literal/fenced code block, never split; `text` is verbatim (not escaped)."""

    text: str
    lang: str | None = None
    page: int | None = None


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A bullet or numbered list; each item is a sequence of blocks (its first block is
    usually a Paragraph; nested lists and code follow it)."""

    items: tuple[tuple[Block, ...], ...]
    ordered: bool = False
    start: int = 1
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A table; cells are safe-Markdown inline text. `header` may be empty."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Admonition:
    """A note/tip/warning box (MkDocs `!!! note "Title"`, RST `.. note::`, Hugo `{{% note %}}`)."""

    kind: str  # lower-case: "note", "tip", "warning", ...
    title: str | None  # safe Markdown; None when the source gave none
    blocks: tuple[Block, ...]
    page: int | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    """A block quote."""

    blocks: tuple[Block, ...]
    page: int | None = None


Block = Paragraph | Code | ListBlock | Table | Admonition | Quote


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level.

    The root section of a document has level 0 and an empty heading; its blocks are what
    comes before the first heading. A child with an empty heading continues its parent
    after the children before it (outline.SectionEnd: the prose after an API entry).
    """

    heading: str  # plain text (no Markdown), "" for the root
    level: int  # 0 for the root, 1..6 for headings
    blocks: tuple[Block, ...] = ()
    children: tuple[Section, ...] = ()
    anchor: str | None = None  # the id the source gives the heading ({#id}, RST target, HTML id)
    line: int | None = None  # 1-based source line of the heading, when known
    # Links from this section's own blocks to places in the documentation, (href as
    # written, link text as plain text): other pages' words for what they link to.
    links: tuple[tuple[str, str], ...] = ()
    # Further names links may use for this section besides `anchor` (RST target labels).
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DocTree:
    """One file, read: what a reader returns."""

    title: str | None  # None: the loader makes one from the file name
    root: Section
    source: str | None = None  # a URL the file names for itself (`source:` line, canonical link)
    # What the reader dropped or cut, for the reload report ("cut page junk at line 40").
    notes: tuple[str, ...] = field(default=())
    paged: bool = False  # True for formats with pages (PDF): citations show "p. N"
    # Sphinx labels (RST `.. _label:`) with the titles of the sections they name, and the
    # labels of other files this one's text shows the titles of, with the title shown (None:
    # not known, the label shown): documents/reftitles.py.
    label_titles: tuple[tuple[str, str], ...] = ()
    ref_titles: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Settings a reader may need."""

    # Markers of page furniture in scraped text (.txt, HTML): text from the first marker in
    # the second half of the file on is cut. Never applied to Markdown, RST or PDF.
    junk_markers: tuple[str, ...] = ()
    timeout_s: float = 30.0  # parsing that takes longer is abandoned (ReaderTimeout)
    # Opens another file the document names (literalinclude) by the path written in it:
    # its text, or None (not in the knowledge folder, too big, not text); see related.py.
    related: Callable[[str], str | None] | None = None
    # Every file's Sphinx labels -> the titles of their sections, for a `:ref:` without a
    # title to show the title as Sphinx does (documents/reftitles.py).
    ref_titles: Mapping[str, str] | None = None


def walk_sections(section: Section, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Section]]:
    """Every section in reading order with its heading path (root first, path ())."""
    here = (*path, section.heading) if section.heading else path
    out = [(here, section)]
    for child in section.children:
        out.extend(walk_sections(child, here))
    return out
