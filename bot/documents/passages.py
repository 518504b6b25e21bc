"""The passage builder: a document tree in, the passages that are indexed and cited out.

It never knows the file format. The rules (issue 9):

- a prose paragraph travels with the blocks that belong to it: a list, table or code block
  after a lead-in ("Install it with:") joins that paragraph; a code-, list- or table-only
  stretch at the start of a section joins the first prose after it;
- a code block is never split;
- a short section is one passage; a long one is split on block boundaries into parts of
  about `max_prose` characters of prose, each keeping the section's heading path; a
  document without headings has one passage per paragraph (and what belongs to it);
- a section without blocks yields nothing, but its heading stays in its children's paths;
- one paragraph longer than the limit is cut at sentence ends (a linear scan, not Punkt, so
  a 12 MB one-line file cannot hang the build); a paragraph too long to be prose makes the
  file unusable (PassageError names why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from wcwidth import wcswidth

from ..errors import KnowledgeError
from ..rendering import errors as wording
from . import inline
from .model import (
    Admonition,
    Block,
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    Quote,
    Section,
    Table,
    walk_sections,
)

MAX_PROSE = 1200  # characters of prose per passage, about
# A paragraph is kept whole up to this many times MAX_PROSE (an author's long paragraph is
# one thought); beyond it, it is no paragraph anyone reads whole and is cut at sentence ends.
LONG_PARAGRAPH_FACTOR = 4
# Beyond this a single "paragraph" is no prose anyone wrote (a dump, a minified file): the
# file is skipped instead of becoming thousands of passages.
MAX_PARAGRAPH = 1_000_000
_SENTENCE_END = re.compile(r"[.!?…。](?:[\"')\]»”’]*)\s+")


class PassageError(KnowledgeError):
    """A document that cannot be cut into passages (the reason says why)."""


@dataclass(frozen=True, slots=True)
class PassageDraft:
    """One passage of one document, before sentence splitting and indexing."""

    section: int  # index of its section in walk_sections(tree.root) order
    path: tuple[str, ...]  # heading path, the document title not included
    pieces: tuple[str, ...]  # plain text units (a paragraph, a list item, a table row, ...)
    markdown: str  # display form (see Passage.markdown)
    page: int | None = None

    @property
    def text(self) -> str:
        return " ".join(self.pieces)


@dataclass(frozen=True)
class ShapeOptions:
    """How passages are cut; fitted on the docs development set (see README)."""

    max_prose: int = MAX_PROSE
    # Whether code lines are part of the indexed text. Code shows in the passage's Markdown
    # either way; indexed, its words ("poetry env use") find the passage too.
    index_code: bool = False


def build_passages(tree: DocTree, title: str, options: ShapeOptions | None = None) -> list[PassageDraft]:
    """The passages of a document, in reading order."""
    opts = options or ShapeOptions()
    out: list[PassageDraft] = []
    # Without headings nothing says which paragraphs belong together (a scraped article, a
    # plain-text FAQ): each paragraph, with what belongs to it, is a passage of its own.
    flat = not tree.root.children
    # The title's own H1 is not part of the path; an H2 that repeats the title is a heading.
    title_h1 = {id(c) for c in tree.root.children if c.level == 1 and _same(c.heading, title)}
    top: Section | None = None
    for number, (path, section) in enumerate(walk_sections(tree.root)):
        if section.level and section.heading and len(path) == 1:  # not a continuation
            top = section
        if not section.blocks:
            continue
        shown = path[1:] if path and top is not None and id(top) in title_h1 else path
        paras = [b for b in section.blocks if isinstance(b, Paragraph)] if flat else []
        limit = opts.max_prose * LONG_PARAGRAPH_FACTOR
        if paras and len(paras) == len(section.blocks) and all(len(b.md) <= limit and not _is_label(b) for b in paras):
            # Plain paragraphs only (every .txt file): each is a passage of its own, as
            # the general path below would make it, without its per-block objects.
            for b in paras:
                text = inline.to_plain(b.md)
                if text:
                    out.append(PassageDraft(number, shown, (text,), b.md, b.page))
            continue
        units = _units(section.blocks, opts)
        for group in _flat_groups(units, opts.max_prose) if flat else _split(units, opts.max_prose):
            blocks = [b for unit in group for b in unit.blocks]
            pieces = tuple(p for unit in group for p in unit.pieces)
            if not pieces:
                continue
            out.append(PassageDraft(number, shown, pieces, render_blocks(blocks), _page(blocks)))
    return out


def _same(heading: str, title: str) -> bool:
    return heading.strip().casefold() == title.strip().casefold()


@dataclass
class _Unit:
    """Blocks that stay together: prose and what belongs to it."""

    blocks: list[Block]
    pieces: list[str]
    prose: int  # characters of prose


def _is_prose(block: Block) -> bool:
    return isinstance(block, (Paragraph, Admonition, Quote)) and not _is_label(block)


_LABEL = re.compile(r"\*\*(?:(?!\*\*).){1,100}\*\*")


def _is_label(block: Block) -> bool:
    """A paragraph that is only a short bold label (a tab's, a <summary>'s, an author's
    "**Step 2**"): it names what follows and travels with it (alone only when nothing
    follows it in its section)."""
    return isinstance(block, Paragraph) and _LABEL.fullmatch(block.md) is not None


def _units(blocks: tuple[Block, ...], opts: ShapeOptions) -> list[_Unit]:
    units: list[_Unit] = []
    pending: list[Block] = []  # non-prose (and labels) waiting for the prose they lead to
    for n, block in enumerate(blocks):
        cut = False
        if isinstance(block, Paragraph) and len(block.md) > opts.max_prose * LONG_PARAGRAPH_FACTOR:
            parts: list[Block] = [Paragraph(md, block.page) for md in cut_paragraph(block.md, opts.max_prose)]
        elif isinstance(block, (ListBlock, Table)) and (
            sum(map(len, block_pieces(block))) > opts.max_prose * LONG_PARAGRAPH_FACTOR
        ):
            parts, cut = _cut_block(block, opts.max_prose), True
        else:
            parts = [block]
        for i, part in enumerate(parts):
            if cut and i:  # a later piece of a cut list or table is a unit of its own
                if pending:
                    units.append(_Unit(pending, [], 0))
                    pending = []
                units.append(_Unit([part], [], 0))
            elif _is_prose(part):
                units.append(_Unit([*pending, part], [], 0))
                pending = []
            elif units and not pending and (not _is_label(part) or _labels_code_after(units[-1], blocks, n)):
                units[-1].blocks.append(part)
            else:  # before the first prose, or after a label: it waits for the prose it leads to
                pending.append(part)
    if pending:  # a section of code or lists only, or labelled blocks with no prose after them
        units.append(_Unit(pending, [], 0))
    for unit in units:
        for block in unit.blocks:
            texts = block_pieces(block, opts.index_code)
            unit.pieces.extend(texts)
            if not isinstance(block, Code):
                unit.prose += sum(len(t) for t in texts)
    return units


def _labels_code_after(unit: _Unit, blocks: tuple[Block, ...], n: int) -> bool:
    """Whether the label blocks[n] names code (or a list, a table) that follows a lead-in
    ("Install it with:", then "**npm**" and its command): it stays with the lead-in, as the
    command alone would. A label over prose (a tab's text) leads that prose instead."""
    lead = next((b for b in reversed(unit.blocks) if _is_prose(b)), None)
    after = blocks[n + 1] if n + 1 < len(blocks) else None
    return (
        isinstance(lead, Paragraph)
        and lead.md.rstrip().endswith(":")
        and after is not None
        and not _is_prose(after)
        and not _is_label(after)
    )


def _cut_block(block: ListBlock | Table, limit: int) -> list[Block]:
    """A huge list or table as consecutive lists (numbering carried on) or tables (each with
    the header) of about `limit` characters of text each, cut between items or rows: a
    glossary of 20,000 terms is not one passage that BM25's length norm buries."""
    if isinstance(block, ListBlock):
        sizes = [sum(len(t) for b in item for t in block_pieces(b)) for item in block.items]
    else:
        sizes = [sum(len(c) for c in row) for row in block.rows]
        if not sizes:
            return [block]  # all header: nothing to cut between
    out: list[Block] = []
    start = size = 0
    for i, n in enumerate(sizes):
        size += n
        if size >= limit or i == len(sizes) - 1:
            if isinstance(block, ListBlock):
                out.append(replace(block, items=block.items[start : i + 1], start=block.start + start))
            else:
                out.append(replace(block, rows=block.rows[start : i + 1]))
            start, size = i + 1, 0
    return out


def _flat_groups(units: list[_Unit], limit: int) -> list[list[_Unit]]:
    """A page without headings: a passage per paragraph (with what belongs to it), except
    that a label (a step's or a tab's title) holds the paragraphs after it, up to the next
    label or about `limit` characters of prose: they are that step's text."""
    out: list[list[_Unit]] = []
    size = 0
    for unit in units:
        if out and _is_label(out[-1][0].blocks[0]) and not _is_label(unit.blocks[0]) and size + unit.prose <= limit:
            out[-1].append(unit)
            size += unit.prose
        else:
            out.append([unit])
            size = unit.prose
    return out


def _split(units: list[_Unit], limit: int) -> list[list[_Unit]]:
    """Consecutive units packed into parts of at most about `limit` prose characters, the
    parts of similar size (1,500 characters make two of 750, not 1,200 and 300)."""
    total = sum(u.prose for u in units)
    if total <= limit or len(units) == 1:
        return [units] if units else []
    parts = -(-total // limit)
    target = total / parts
    out: list[list[_Unit]] = [[]]
    size = 0
    for unit in units:
        if out[-1] and (size + unit.prose > limit or size >= target):
            out.append([])
            size = 0
        out[-1].append(unit)
        size += unit.prose
    return out


def cut_paragraph(md: str, limit: int) -> list[str]:
    """A long paragraph in pieces of at most about `limit` characters, cut after a sentence
    end, else at a space; PassageError when it is too long to be prose."""
    if len(md) > MAX_PARAGRAPH:  # the text itself is never longer than its escaped form
        chars = len(inline.to_plain(md))  # the text's, not its escaped form's: "(x)" is "\(x\)"
        if chars > MAX_PARAGRAPH:
            raise PassageError(wording.paragraph_too_long(chars))
    out: list[str] = []
    start = 0
    while len(md) - start > limit:
        window = md[start : start + limit]
        cut = -1
        for m in _SENTENCE_END.finditer(window, limit // 3):
            cut = m.end()
        if cut < 0:
            cut = window.rfind(" ", limit // 3) + 1
        if cut <= 0:
            cut = limit
        out.append(md[start : start + cut].strip())
        start += cut
    out.append(md[start:].strip())
    return [p for p in out if p]


# -- plain text ---------------------------------------------------------------------------


def block_pieces(block: Block, index_code: bool = False) -> list[str]:
    """The plain-text units of a block, each split into sentences on its own."""
    if isinstance(block, Paragraph):
        text = inline.to_plain(block.md)
        return [text] if text else []
    if isinstance(block, Code):
        if not index_code:
            return []
        text = " ".join(block.text.split())
        return [text] if text else []
    if isinstance(block, ListBlock):
        out: list[str] = []
        for item in block.items:
            for b in item:
                out.extend(block_pieces(b, index_code))
        return out
    if isinstance(block, Table):
        rows = [block.header, *block.rows] if block.header else list(block.rows)
        out = []
        for row in rows:
            text = " ".join(c for c in (inline.to_plain(cell) for cell in row) if c)
            if text:
                out.append(text)
        return out
    if isinstance(block, (Admonition, Quote)):
        out = []
        if isinstance(block, Admonition) and block.title:
            title = inline.to_plain(block.title)
            if title:
                out.append(title)
        for b in block.blocks:
            out.extend(block_pieces(b, index_code))
        return out
    return []


def _page(blocks: list[Block]) -> int | None:
    for b in blocks:
        if b.page is not None:
            return b.page
    return None


# -- display Markdown ---------------------------------------------------------------------


def render_blocks(blocks: list[Block] | tuple[Block, ...]) -> str:
    """Blocks as the display Markdown described at Passage.markdown."""
    return "\n\n".join(r for r in (render_block(b) for b in blocks) if r)


def render_block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return block.md
    if isinstance(block, Code):
        return fence(block.text, block.lang)
    if isinstance(block, ListBlock):
        return _render_list(block)
    if isinstance(block, Table):
        return _render_table(block)
    if isinstance(block, Admonition):
        label = f"**{block.title or inline.escape(block.kind.capitalize())}:**"
        rest = list(block.blocks)
        lead = rest[0] if rest else None
        if isinstance(lead, Paragraph):
            first = f"{label} {lead.md}"
            rest = rest[1:]
        else:
            first = label
        return "\n\n".join([first, *(r for r in (render_block(b) for b in rest) if r)])
    if isinstance(block, Quote):
        inner = render_blocks(block.blocks)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    return ""


def fence(text: str, lang: str | None = None) -> str:
    """A fenced code block, its fence longer than any backtick run inside."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    info = re.sub(r"[^\w+#.-]", "", lang or "")
    return f"{ticks}{info}\n{text.rstrip()}\n{ticks}"


def _render_list(block: ListBlock) -> str:
    lines: list[str] = []
    for n, item in enumerate(block.items, start=block.start):
        marker = f"{n}. " if block.ordered else "- "
        body = render_blocks(item) if item else ""
        item_lines = body.split("\n") if body else [""]
        lines.append(marker + item_lines[0])
        # Continuation and nested blocks indented by two spaces; blank lines inside an item
        # (between its blocks) are kept out so the list stays one block.
        lines.extend("  " + ln for ln in item_lines[1:] if ln.strip())
    return "\n".join(lines)


def _render_table(block: Table) -> str:
    rows = [list(block.header)] if block.header else []
    rows += [list(r) for r in block.rows]
    if not rows:
        return ""
    plain = [[inline.to_plain(c) for c in r] for r in rows]
    width = max(len(r) for r in plain)
    for r in plain:
        r.extend([""] * (width - len(r)))
    cols = [max(_width(r[i]) for r in plain) for i in range(width)]

    def line(r: list[str]) -> str:
        return "  ".join(c + " " * (cols[i] - _width(c)) for i, c in enumerate(r)).rstrip()

    out = [line(r) for r in plain]
    if block.header:
        out.insert(1, "  ".join("-" * w for w in cols))
    return fence("\n".join(out))


def _width(text: str) -> int:
    w = wcswidth(text)
    return w if w >= 0 else len(text)
