"""reStructuredText (docutils, with Sphinx's markup tolerated) to a document tree.

docutils is the reference parser for reStructuredText (sections by underline style, grid and
simple tables, nested lists, directives, roles, substitutions); `_rst_sphinx` registers
permissive handlers for Sphinx's roles and directives and for any unknown name the source
uses, so no markup fails a file.

Kept: sections (heading, docutils' id as the anchor, source line), paragraphs, literal and
code blocks (language from the directive), bullet/enumerated/definition/field/option lists,
tables, admonitions (note … danger, generic `.. admonition:: Title`, seealso, version notes),
block quotes, topics and sidebars (as boxes), line blocks, figure captions, footnotes and
citations (as "[label] text" paragraphs where they stand), literalinclude (the file's code,
when the loader may open it: documents/related.py), autodoc directives with content
written under them (as an object description). Dropped: comments, targets, substitution
definitions, images, raw, tables of contents (`.. contents::`, toctree), autodoc without
content, system messages (docutils' error reports never become prose) and a file-wide field
list at the very top (Sphinx metadata such as `:orphan:`).

A `:ref:` without a title of its own shows the title of the section its label names, from
this file or from ReadOptions.ref_titles (every file's labels: documents/reftitles.py), and
a `:doc:` without one the page's title (from the same map; else its file name, as before).

Markup docutils gives up on (a malformed table, a directive with an error, a section title
it cannot place) leaves only an error report holding the source lines: their text is kept
as plain text (a table's cells as a table when its rows can be split) and the file's notes
say so, once per kind, with the first one's line.

Title as Sphinx takes it: the first top-level section's title; that section's content goes to
the root and its subsections become top-level sections (docutils' own title promotion is off
because it also swallows a lone subsection as a "subtitle").

Bounded: the parser checks `options.timeout_s` on every source line it consumes (through
the document's line observer), the tree walk every few hundred nodes, and a watchdog
interrupts one step that runs away by itself (see deadline.py). docutils' inline parse,
quadratic in a long paragraph, is given one in pieces, and a file whose inline markup is
far denser than prose is refused before it runs out of time (see _INLINE_PIECE).
"""

from __future__ import annotations

import heapq
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from docutils import nodes, utils
from docutils.core import publish_doctree
from docutils.parsers import rst as rst_parser
from docutils.parsers.rst import states, tableparser
from docutils.transforms import Transform

from ...errors import KnowledgeError, NoTextError, ReaderTimeout
from ...rendering import errors as wording
from .. import reftitles
from ..deadline import Deadline
from ..decode import decode_text, drop_controls
from ..inline import code_span, escape
from ..model import (
    Admonition,
    Block,
    Code,
    DocTree,
    ListBlock,
    Paragraph,
    Quote,
    ReadOptions,
    Section,
    Table,
)
from ..treebuild import OpenSection, term_item, too_uneven
from ..urls import LABEL_REF, linkable_href
from . import _rst_sphinx

log = logging.getLogger(__name__)

_SETTINGS: dict[str, Any] = {
    "report_level": 5,  # never print warnings
    "halt_level": 5,  # never stop on them either
    "exit_status_level": 5,
    "traceback": True,  # let exceptions reach us instead of docutils' own report
    "file_insertion_enabled": False,  # a document must not read other files
    "raw_enabled": False,
    "_disable_config": True,  # no docutils.conf from the working or home directory
    "syntax_highlight": "none",  # code stays plain text, no Pygments tokens
    "doctitle_xform": False,  # the title is taken as Sphinx does (see module doc)
    "docinfo_xform": False,
    "sectsubtitle_xform": False,
    "smart_quotes": False,
    "line_length_limit": 10_000_000,  # long lines are bounded by the time limit instead
    "warning_stream": False,
    "embed_stylesheet": False,
}

_ADMONITIONS = frozenset(
    {
        "note",
        "warning",
        "tip",
        "important",
        "caution",
        "danger",
        "attention",
        "hint",
        "error",
    }
)
_DROPPED = (
    nodes.comment,
    nodes.target,
    nodes.substitution_definition,
    nodes.system_message,
    nodes.raw,
    nodes.image,
    nodes.pending,
    nodes.transition,
    nodes.docinfo,
    nodes.decoration,
    nodes.meta,
    nodes.title,
    nodes.subtitle,
    nodes.problematic,
)
_SUBSTITUTION = re.compile(r"\|[^|\s][^|]*\|_{0,2}")
_INCLUDE = re.compile(r"^\s*\.\.\s+(?:literal)?include::", re.MULTILINE)
_CHECK_EVERY = 256  # nodes walked between deadline checks
_MAX_LEVEL = 6


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    """The file's document tree; KnowledgeError says why it cannot be used."""
    text = decode_text(data)
    _rst_sphinx.prepare(text)  # outside the time limit: an interrupted registration would stick
    with Deadline(options.timeout_s) as deadline:
        try:
            settings = {**_SETTINGS, _rst_sphinx.RELATED_SETTING: options.related}
            doc = publish_doctree(
                text, source_path=path, parser=_GuardedParser(deadline, len(text)), settings_overrides=settings
            )
        except (KnowledgeError, ReaderTimeout):
            raise
        except RecursionError:
            raise KnowledgeError(wording.RST_TOO_DEEP) from None
        except Exception as exc:  # docutils or a directive gave up: the file is unusable, say why
            log.debug("%s: docutils failed", path, exc_info=True)
            raise KnowledgeError(wording.rst_unparsable(exc)) from None
        if _UNICODE_DIRECTIVE in text:
            _clean_text_nodes(doc)
        own_titles, used_titles = _ref_titles(doc, options.ref_titles or {})
        _drop_signatures_over_their_heading(doc)
        walker = _Walker(deadline)
        title, root = walker.document(doc)
    if not root.blocks and not root.children:
        if _INCLUDE.search(text):
            raise NoTextError(wording.RST_ONLY_INCLUDES)
        raise NoTextError(wording.RST_NO_TEXT)
    notes = list(walker.notes)
    for kind, (line, detail, count) in walker.salvaged.items():
        note = wording.note_rst_salvaged(kind, line, detail, count - 1)
        log.info("%s: %s", path, note)
        notes.append(note)
    return DocTree(
        title=title,
        root=root,
        notes=tuple(notes),
        label_titles=tuple(own_titles.items()),
        ref_titles=tuple(sorted(used_titles.items())),
    )


# The one way docutils makes a character the source does not hold: "|x| unicode:: U+D800"
# (a lone surrogate UTF-8 cannot encode, so the index could not be saved) or a control one.
_UNICODE_DIRECTIVE = "unicode::"

# docutils cuts each grid-table cell from its lines after listing the index of every
# character of each line that is not a combining one: quadratic in a wide row (10 s for a
# 48 kB table of 4000 columns). An ASCII line has none (str.isascii() is a flag lookup):
# its indices are a range, the same answer at once.
_column_indices = utils.column_indices


def _ascii_column_indices(text: str) -> Sequence[int]:
    return range(len(text)) if text.isascii() else _column_indices(text)


utils.column_indices = _ascii_column_indices


class _GridTableParser(tableparser.GridTableParser):
    """docutils' grid-table parser (0.23's parse_table), its queue of cell corners a heap:
    docutils keeps a list it sorts again after every cell and pops from the front, and in a
    wide row that list holds a corner per column, so a row of n cells took n sorts of n
    (5 s for 6,000 columns). The same corners come out in the same order."""

    def parse_table(self) -> None:
        self.stripped_block = [utils.strip_combining_chars(line) for line in self.block]
        corners = [(0, 0)]
        while corners:
            top, left = heapq.heappop(corners)
            if top == self.bottom or left == self.right or top <= self.done[left]:
                continue
            result = self.scan_cell(top, left)
            if not result:
                continue
            bottom, right, rowseps, colseps = result
            tableparser.update_dict_of_lists(self.rowseps, rowseps)
            tableparser.update_dict_of_lists(self.colseps, colseps)
            self.mark_done(top, left, bottom, right)
            cellblock = self.block.get_2D_block(top + 1, left + 1, bottom, right)
            cellblock.disconnect()  # lines in cell can't sync with parent
            cellblock.replace(self.double_width_pad_char, "")
            self.cells.append((top, left, bottom, right, cellblock))
            heapq.heappush(corners, (top, right))
            heapq.heappush(corners, (bottom, left))
        if not self.check_parse_complete():
            raise tableparser.TableMarkupError("Malformed table; parse incomplete.")


tableparser.GridTableParser = _GridTableParser  # docutils' states look it up here


def _clean_text_nodes(doc: nodes.document) -> None:
    for node in list(doc.findall(nodes.Text)):
        clean = drop_controls(str(node))
        if clean != node and node.parent is not None:
            node.parent.replace(node, nodes.Text(clean))


def _ref_titles(doc: nodes.document, elsewhere: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str | None]]:
    """A `:ref:` written without a title shows the title of the section its label names, as
    Sphinx shows it: from this file when the label (`.. _label:` before a heading) is here,
    else from `elsewhere` (every other file's labels, ReadOptions.ref_titles); a `:doc:`
    without a title shows the page's title (from `elsewhere`). Returns this
    file's labels with their titles, and the labels looked up elsewhere with what was found
    (None: nothing), which a build checks before it reuses the file (documents/reftitles.py)."""
    shown = reftitles.Shown(elsewhere)
    for section in doc.findall(nodes.section):
        for name in section.get("names", ()):
            if doc.nametypes.get(name):  # an explicit target, not the heading's own name
                shown.own.setdefault(name, " ".join(_title_text(section).split()))
    for ref in doc.findall(lambda n: isinstance(n, (nodes.reference, nodes.inline))):
        assert isinstance(ref, nodes.Element)
        key = ref.get(_rst_sphinx.UNTITLED)
        title = shown.title(key) if key else None
        if title:
            ref.children = []
            ref += nodes.Text(title)
    return shown.own, shown.used


def _drop_signatures_over_their_heading(doc: nodes.document) -> None:
    """A description (or unknown) directive without content right before a heading or a
    definition term of the same text (Scrapy's and Django's ".. setting:: NAME" over the
    heading "NAME", Scrapy's ".. stat:: NAME" over the term) marks it as a cross-reference
    target: Sphinx shows nothing there for such target directives, and the name, kept,
    ended the section before, as if it belonged there, or led each term twice."""
    if not any(n.get(_rst_sphinx.BARE_SIGNATURE) for n in doc.findall(nodes.paragraph)):
        return
    marked: nodes.paragraph | None = None
    drop: list[nodes.paragraph] = []
    for node in doc.findall(lambda n: isinstance(n, (nodes.section, nodes.Body)) and not _quiet(n)):
        if marked is not None:
            if _names(node) == marked.astext().strip():
                drop.append(marked)
            marked = None
        if isinstance(node, nodes.paragraph) and node.get(_rst_sphinx.BARE_SIGNATURE):
            marked = node
    # After the walk (removing a node while findall walks its list skips the next), a parent
    # at a time (one by one, each removal looks the node up: quadratic in a long list).
    by_parent: dict[int, tuple[nodes.Element, set[int]]] = {}
    for node in drop:
        by_parent.setdefault(id(node.parent), (node.parent, set()))[1].add(id(node))
    for parent, ids in by_parent.values():
        parent.children = _without_targets(parent.children, ids)


def _without_targets(children: list[nodes.Node], ids: set[int]) -> list[nodes.Node]:
    """`children` without the target directives `ids`; a definition list that only such a
    target parted from the one before it joins it (Scrapy's stats reference: one term per
    target, one list on the page), so a long one is cut between items like any list."""
    kept: list[nodes.Node] = []
    last: nodes.Node | None = None  # the last child kept that shows something
    parted = False
    for child in children:
        if id(child) in ids:
            parted = True
            continue
        if parted and isinstance(child, nodes.definition_list) and isinstance(last, nodes.definition_list):
            last.extend(list(child.children))
            continue
        if not isinstance(child, nodes.Invisible):
            last, parted = child, False
        kept.append(child)
    return kept


def _names(node: nodes.Node) -> str | None:
    """The text a heading or a definition list starts with: what a target above it names."""
    if isinstance(node, nodes.section):
        return _title_text(node)
    if isinstance(node, nodes.definition_list):
        term = node.next_node(nodes.term)
        return term.astext().strip() if term is not None else None
    return None


def _quiet(node: nodes.Node) -> bool:
    """Nodes that show nothing between a directive and the heading after it."""
    return isinstance(node, (nodes.Invisible, nodes.system_message))


def _as_written(refs: list[nodes.Element]) -> None:
    """Each reference becomes a problematic node with its text as written, as docutils makes
    a reference it cannot resolve, but a paragraph at a time: docutils replaces them one by
    one, each replacement looking the node up in its parent's list (quadratic: 4 s for a
    24 kB paragraph of such references). Its error report per reference is dropped here anyway."""
    by_parent: dict[int, tuple[nodes.Element, set[int]]] = {}
    for ref in refs:
        if ref.parent is not None:
            by_parent.setdefault(id(ref.parent), (ref.parent, set()))[1].add(id(ref))
    for parent, ids in by_parent.values():
        children = [nodes.problematic(c.rawsource, c.rawsource) if id(c) in ids else c for c in parent.children]
        parent.children = []
        parent.extend(children)


class _AnonymousMismatch(Transform):
    """docutils' AnonymousHyperlinks when `text`__ references and `.. __:` targets do not
    pair up: every anonymous reference is read as written. Runs just before it."""

    default_priority = 439  # docutils' AnonymousHyperlinks: 440

    def apply(self) -> None:
        refs = [n for n in self.document.findall(nodes.reference) if n.get("anonymous")]
        targets = sum(1 for n in self.document.findall(nodes.target) if n.get("anonymous"))
        if refs and len(refs) != targets:
            _as_written(refs)


class _DanglingReferences(Transform):
    """docutils' DanglingReferences for a reference to no target (`Foo_` with no `.. _Foo:`):
    read as written. Runs just before it."""

    default_priority = 849  # docutils' DanglingReferences: 850

    def apply(self) -> None:
        document = self.document
        if document.transformer.unknown_reference_resolvers:  # not used here; docutils' way then
            return
        dangling: list[nodes.Element] = []
        kinds = (nodes.reference, nodes.footnote_reference, nodes.citation_reference)
        for node in document.findall(lambda n: isinstance(n, kinds)):
            assert isinstance(node, nodes.Element)
            if getattr(node, "resolved", False) or not node.hasattr("refname"):
                continue
            if not document.nameids.get(node["refname"], ""):  # else a target: docutils resolves it
                dangling.append(node)
        _as_written(dangling)


# docutils parses a paragraph's inline markup by cutting each construct off the front of the
# text still to read, copying that rest every time: quadratic in a long paragraph of many
# constructs (48 kB of "x_ " took 4.6 s, 900 kB hit the 30 s limit). One longer than this is
# parsed in pieces of about this size, cut after a line or word (see _inline_pieces).
_INLINE_PIECE = 16_384
# docutils spends ~100 us on each piece of inline markup (its nodes, the text around it, the
# transforms), so 900 kB of "x_ " (300,000 references) runs past the time limit. Documentation
# has ~5-15 per kB (pytest's 533 kB changelog: about 7,000); a file far denser than that is
# markup, not prose, and is refused after a few seconds instead of at the limit.
_INLINE_NODES_MIN = 25_000
_INLINE_NODES_PER_KB = 100


def _inline_budget(chars: int) -> int:
    return max(_INLINE_NODES_MIN, _INLINE_NODES_PER_KB * chars // 1000)


_SENTENCE_LINE_END = re.compile(r"[.!?:;][\"')\]]*\n")


def _inline_pieces(text: str, size: int = 0) -> list[str]:
    """`text` in consecutive pieces of at most `size` characters (one if it is shorter), each
    cut in its second half after a line ending a sentence, else a line, else a space, else at
    `size`: markup is cut in two only where it spans that break (it then reads as written).
    `size` 0 is _INLINE_PIECE."""
    size = size or _INLINE_PIECE
    out: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        half = size // 2
        cut = -1
        for m in _SENTENCE_LINE_END.finditer(window, half):
            cut = m.end()
        if cut < 0:
            cut = window.rfind("\n", half) + 1 or window.rfind(" ", half) + 1
        if cut <= 0:
            cut = size - 1 if window.endswith("\\") else size  # keep an escape with its character
        out.append(window[:cut])
        start += cut
    out.append(text[start:])
    return out


def _piecewise_inliner(deadline: Deadline, chars: int) -> states.Inliner:
    """docutils' inline parser, a long text parsed a piece at a time (see _INLINE_PIECE), and
    KnowledgeError once the file's inline markup passes _inline_budget(chars). Its parse is
    wrapped on the instance: docutils builds its patterns from the class's own attributes,
    which a subclass would not have."""
    inliner = states.Inliner()
    whole = inliner.parse
    budget = _inline_budget(chars)
    made = 0

    def parse(text: str, lineno: int, memo: Any, parent: nodes.Element) -> tuple[list[nodes.Node], list[Any]]:
        nonlocal made
        out: list[nodes.Node] = []
        messages: list[Any] = []
        for piece in _inline_pieces(text):
            deadline.check()
            piece_nodes, piece_messages = whole(piece, lineno, memo, parent)
            out += piece_nodes
            messages += piece_messages
            lineno += piece.count("\n")
            made += sum(not isinstance(node, nodes.Text) for node in piece_nodes)
            if made > budget:
                raise KnowledgeError(wording.rst_markup_too_dense(made, chars))
        return out, messages

    inliner.parse = parse
    return inliner


class _GuardedParser(rst_parser.Parser):
    """docutils' parser with the time limit checked on every line it reads (and on every piece
    of a long paragraph's inline parse)."""

    def __init__(self, deadline: Deadline, chars: int) -> None:
        super().__init__(inliner=_piecewise_inliner(deadline, chars))
        self._deadline = deadline

    def get_transforms(self) -> list[type[Transform]]:
        return [*super().get_transforms(), _AnonymousMismatch, _DanglingReferences]

    def parse(self, inputstring: str, document: nodes.document) -> None:
        # Every state machine, nested ones too, reports each line it reads to the
        # document's note_source; wrapping it on this one document costs one clock read.
        original = document.note_source
        deadline = self._deadline

        def note_source(source: str | None, offset: int | None) -> None:
            deadline.check()
            original(source, offset)

        document.note_source = note_source
        super().parse(inputstring, document)


class _Walker:
    """docutils' node tree to sections and blocks."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.count = 0
        self.notes: list[str] = []
        # Markup docutils gave up on whose text was kept: kind -> (first line, its
        # message, how many), one note per kind (see _salvage).
        self.salvaged: dict[str, tuple[int | None, str, int]] = {}

    def document(self, doc: nodes.document) -> tuple[str | None, Section]:
        root = OpenSection(heading="", level=0)
        children = [c for c in doc.children if not _is_system_messages(c)]
        # Sphinx page metadata: a field list before anything else.
        first = next((c for c in children if not isinstance(c, (nodes.comment, nodes.target))), None)
        if isinstance(first, nodes.field_list):
            children.remove(first)
            self.notes.append(wording.NOTE_FIELD_LIST)
        title: str | None = None
        for child in children:
            if isinstance(child, nodes.section):
                if title is None and not root.children:
                    title = _title_text(child) or None
                    if title is not None:
                        self._section_body(child, root, level=1)
                        continue
                root.children.append(self._section(child, level=1))
            else:
                root.blocks.extend(self.blocks([child]))
                _links(child, root.links)
        return title, root.freeze()

    def _section(self, node: nodes.section, level: int) -> OpenSection:
        title_node = node.next_node(nodes.title)
        line = title_node.line if title_node is not None and title_node.line else None
        ids = node.get("ids") or []
        sec = OpenSection(
            heading=_title_text(node),
            level=min(level, _MAX_LEVEL),
            anchor=ids[0] if ids else None,
            line=(line - 1 if line and line > 1 else line),
            # A target before the heading (".. _install-groups:") adds its id and name.
            labels=tuple(dict.fromkeys(x for x in (*ids[1:], *(node.get("names") or [])) if x)),
        )
        self._section_body(node, sec, level + 1)
        return sec

    def _section_body(self, node: nodes.section, into: OpenSection, level: int) -> None:
        for child in node.children:
            if isinstance(child, nodes.section):
                if not _is_system_messages(child):
                    into.children.append(self._section(child, level))
            elif not isinstance(child, nodes.title):
                into.blocks.extend(self.blocks([child]))
                _links(child, into.links)

    def blocks(self, children: list[nodes.Node]) -> list[Block]:
        out: list[Block] = []
        for node in children:
            self.count += 1
            if self.count % _CHECK_EVERY == 0:
                self.deadline.check()
            out.extend(self._block(node))
        return out

    def _block(self, node: nodes.Node) -> list[Block]:
        if isinstance(node, nodes.system_message):
            return self._salvage(node)
        if isinstance(node, _DROPPED) or not isinstance(node, nodes.Element):
            return []
        if isinstance(node, nodes.paragraph):
            md = _inline(node)
            return [Paragraph(md)] if md else []
        if isinstance(node, (nodes.literal_block, nodes.doctest_block, nodes.math_block)):
            return _code(node)
        if isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            items = [tuple(b) for item in node.children if (b := self.blocks(item.children))]
            if not items:
                return []
            ordered = isinstance(node, nodes.enumerated_list)
            return [ListBlock(items=tuple(items), ordered=ordered, start=int(node.get("start", 1)))]
        if isinstance(node, nodes.definition_list):
            return self._pairs(
                (_inline_all(item, (nodes.term, nodes.classifier), " : "), item.next_node(nodes.definition))
                for item in node.children
            )
        if isinstance(node, nodes.field_list):
            return self._pairs(
                (_inline_all(f, (nodes.field_name,), " "), f.next_node(nodes.field_body)) for f in node.children
            )
        if isinstance(node, nodes.option_list):
            return self._pairs(
                (
                    code_span(item.next_node(nodes.option_group).astext())
                    if item.next_node(nodes.option_group)
                    else "",
                    item.next_node(nodes.description),
                )
                for item in node.children
            )
        if isinstance(node, nodes.table):
            return self._table(node)
        if node.tagname in _ADMONITIONS:
            return [Admonition(kind=node.tagname, title=None, blocks=tuple(self.blocks(node.children)))]
        if isinstance(node, (nodes.admonition, nodes.topic, nodes.sidebar)):
            if isinstance(node, nodes.topic) and "contents" in node.get("classes", ()):
                self.notes.append(wording.NOTE_CONTENTS)
                return []
            kind = node.get("kind") or (node.tagname if not isinstance(node, nodes.admonition) else "note")
            title = node.next_node(nodes.title)
            body = [c for c in node.children if not isinstance(c, (nodes.title, nodes.subtitle))]
            return [
                Admonition(
                    kind=str(kind).lower(),
                    title=(_inline(title) or None) if title else None,
                    blocks=tuple(self.blocks(body)),
                )
            ]
        if isinstance(node, nodes.block_quote):
            body = self.blocks(node.children)
            return [Quote(blocks=tuple(body))] if body else []
        if isinstance(node, nodes.attribution):
            md = _inline(node)
            return [Paragraph(f"— {md}")] if md else []
        if isinstance(node, nodes.rubric):
            md = _inline(node)
            return [Paragraph(f"**{md}**")] if md else []
        if isinstance(node, nodes.line_block):
            lines = [_inline(line) for line in node.findall(nodes.line)]
            md = "\n".join(ln for ln in lines if ln)
            return [Paragraph(md)] if md else []
        if isinstance(node, (nodes.footnote, nodes.citation)):
            label = node.next_node(nodes.label)
            texts = [
                b.md
                for b in self.blocks([c for c in node.children if not isinstance(c, nodes.label)])
                if isinstance(b, Paragraph)
            ]
            prefix = escape(f"[{label.astext()}]") + " " if label is not None else ""
            return [Paragraph(prefix + " ".join(texts))] if texts else []
        # Any other text element holds inline nodes only (docutils' TextElement): a figure's
        # or image's :target: link (a reference holding the image), a caption.
        if isinstance(node, (nodes.caption, nodes.TextElement)):
            md = _inline(node)
            return [Paragraph(md)] if md else []
        # figure, container, compound and any other wrapper: what it holds.
        return self.blocks(node.children)

    def _salvage(self, node: nodes.system_message) -> list[Block]:
        """The text of markup docutils gave up on: an error report that holds the source
        lines (a literal block) is all that is left of them. Warnings, and errors about
        text that stays where it was (inline markup), are dropped as before."""
        literal = node.next_node(nodes.literal_block)
        if node.get("level", 0) < _ERROR_LEVEL or literal is None or literal.parent is not node:
            return []
        source = literal.astext()
        message = node.next_node(nodes.paragraph)
        detail = " ".join(message.astext().split()) if message is not None else ""
        if _SUBSTITUTION_SOURCE.match(source):
            return []  # a substitution definition: dropped anyway
        if detail.startswith(_MALFORMED_TABLE):
            kind = "table"
            blocks = _grid_table(source) if source.lstrip().startswith("+") else _plain_lines(source, rows=True)
        elif detail.startswith(_TITLE_ERRORS):
            kind = "title"
            heading = " ".join(ln.strip() for ln in source.splitlines() if not _markup_only(ln))
            blocks = [Paragraph(f"**{escape(heading)}**")] if heading else []
        elif _DIRECTIVE_SOURCE.match(source):
            kind = "directive"
            blocks = _plain_lines(_directive_text(source))
        else:
            kind = "markup"
            blocks = _plain_lines(source)
        if blocks:
            line = node.get("line")
            first, first_detail, count = self.salvaged.get(kind, (line, detail[:_DETAIL_CHARS], 0))
            self.salvaged[kind] = (first, first_detail, count + 1)
        return blocks

    def _pairs(self, pairs: Any) -> list[Block]:
        """Term/definition pairs as list items "**term** — definition"."""
        items: list[tuple[Block, ...]] = []
        for term, body in pairs:
            item = term_item(term, self.blocks(body.children) if body is not None else [])
            if item:
                items.append(item)
        return [ListBlock(items=tuple(items))] if items else []

    def _table(self, node: nodes.table) -> list[Block]:
        out: list[Block] = []
        title = node.next_node(nodes.title)
        if title is not None and title.parent is node and _inline(title):
            out.append(Paragraph(f"**{_inline(title)}**"))
        header: tuple[str, ...] = ()
        rows: list[tuple[str, ...]] = []
        for part in node.findall(lambda n: isinstance(n, (nodes.thead, nodes.tbody))):
            for row in part.children:
                if not isinstance(row, nodes.row):
                    continue
                cells = tuple(self._cell(entry) for entry in row.children)
                if isinstance(part, nodes.thead) and not header:
                    header = cells
                else:
                    rows.append(cells)
        if rows or any(header):
            out.append(Table(header=header, rows=tuple(rows)))
        return out

    def _cell(self, entry: nodes.Node) -> str:
        parts: list[str] = []
        for block in self.blocks(list(entry.children)):
            parts.extend(_cell_texts(block))
        return " ".join(p for p in parts if p)


def _cell_texts(block: Block) -> list[str]:
    """A table cell is one line of inline text: its blocks' text, flattened."""
    if isinstance(block, Paragraph):
        return [block.md]
    if isinstance(block, Code):
        return [code_span(block.text)]
    if isinstance(block, ListBlock):
        return [t for item in block.items for b in item for t in _cell_texts(b)]
    if isinstance(block, (Admonition, Quote)):
        return [t for b in block.blocks for t in _cell_texts(b)]
    if isinstance(block, Table):
        return [" ".join(row) for row in block.rows]
    return []


_ERROR_LEVEL = 3  # docutils' ERROR: the markup it reports is not in the tree
_DETAIL_CHARS = 160
_MALFORMED_TABLE = "Malformed table."
_TITLE_ERRORS = (
    "Inconsistent title style",
    "Unexpected section title",
    "Incomplete section title",
    "Missing matching underline",
    "Title overline & underline mismatch",
    "Invalid section title",
    "Title level inconsistent",
)
_SUBSTITUTION_SOURCE = re.compile(r"\s*\.\.\s+\|")
# ".. name::", or "name::" alone: a directive in a substitution definition.
_DIRECTIVE_SOURCE = re.compile(r"\s*(?:\.\.\s+)?[\w.:+-]+::")
_DIRECTIVE_LINE = re.compile(r"\s*(?:\.\.\s+)?[\w.:+-]+::[ \t]*(.*)")
_OPTION_LINE = re.compile(r"\s*:[^:\s][^:]*:(?:\s|$)")
_BULLETS = re.compile(r"^\s*(?:[-*+\u2022]\s+)+")
# A line of markup only: a table border or rule ("+---+", "=====  ====="), a title's
# under- or overline (one punctuation character repeated), empty cells.
# Sets, not one regex: "[+=-]*[=-][+=-]*" backtracks quadratically on a long "----x".
_RULE_CHARS = frozenset(" \t+=:|-")


def _markup_only(line: str) -> bool:
    chars = set(line.strip())
    return chars <= _RULE_CHARS or len(chars) == 1 and not line.strip().isalnum()


def _grid_table(source: str) -> list[Block]:
    """A malformed grid table's cells, split at its "|" and "+---+" lines as far as they go:
    a row whose columns do not line up gets as many cells as it has "|"s."""
    rows: list[list[list[str]]] = []  # row -> column -> its lines' text
    open_row: list[list[str]] | None = None
    header_rows = 0
    for line in source.splitlines():
        if _markup_only(line):
            if open_row is not None:
                rows.append(open_row)
                open_row = None
            if "=" in line and not header_rows:
                header_rows = len(rows)
            continue
        cells = line.strip().removeprefix("|").removesuffix("|").split("|")
        if open_row is None:
            open_row = []
        for i, cell in enumerate(cells):
            if i == len(open_row):
                open_row.append([])
            if cell.strip():
                open_row[i].append(" ".join(cell.split()))
    if open_row is not None:
        rows.append(open_row)
    texts = [tuple(escape(" ".join(col)) for col in row) for row in rows]
    texts = [row for row in texts if any(row)]
    if not texts:
        return []
    width = max(len(row) for row in texts)
    if too_uneven([len(row) for row in texts]):
        return [Paragraph("\n".join(" ".join(c for c in row if c) for row in texts))]
    padded = [row + ("",) * (width - len(row)) for row in texts]
    header = padded.pop(0) if header_rows and len(padded) > 1 else ()
    return [Table(header=header, rows=tuple(padded))]


def _directive_text(source: str) -> str:
    """A directive's source without its markup: the argument after "name::", then the
    content; its options (":name: value" lines right below) and list bullets go."""
    lines = source.splitlines()
    first = _DIRECTIVE_LINE.match(lines[0]) if lines else None
    out = [first.group(1)] if first is not None else lines[:1]
    rest = lines[1:]
    while rest and _OPTION_LINE.match(rest[0]):
        rest.pop(0)
    out.append("")
    out.extend(_BULLETS.sub("", ln) for ln in rest)
    return "\n".join(out)


def _plain_lines(source: str, rows: bool = False) -> list[Block]:
    """Source lines as paragraphs (split at blank lines), markup-only lines left out; with
    `rows` each line stays a line (a simple table's rows)."""
    out: list[Block] = []
    para: list[str] = []
    for line in [*source.splitlines(), ""]:
        if line.strip() and not _markup_only(line):
            para.append(escape(" ".join(line.split())))
        elif not line.strip() and para:
            out.append(Paragraph(("\n" if rows else " ").join(para)))
            para = []
    return out


def _links(node: nodes.Node, out: list[tuple[str, str]]) -> None:
    """(href, text) of the links to places in the documentation in a block: `:ref:`
    labels, hyperlinks to pages of the site and docutils' references to a section of the
    page itself ("`Other section`_", as "#id")."""
    if isinstance(node, _DROPPED) or not isinstance(node, nodes.Element):
        return
    for ref in node.findall(nodes.reference):
        uri = ref.get("refuri")
        href = uri if uri and (uri.startswith(LABEL_REF) or linkable_href(uri)) else None
        if href is None and not uri and ref.get("refid"):
            href = "#" + ref["refid"]
        text = " ".join(ref.astext().split())
        if href and text:
            out.append((href, text))


def _is_system_messages(node: nodes.Node) -> bool:
    return isinstance(node, nodes.Element) and "system-messages" in node.get("classes", ())


def _title_text(section: nodes.section) -> str:
    title = section.next_node(nodes.title)
    return title.astext().strip() if title is not None else ""


def _code(node: nodes.Element) -> list[Block]:
    text = node.astext()
    if not text.strip():
        return []
    if isinstance(node, nodes.doctest_block):
        lang: str | None = "pycon"
    elif isinstance(node, nodes.math_block):
        lang = "latex"
    else:
        classes = [c for c in node.get("classes", ()) if c != "code"]
        lang = node.get("language") or (classes[0] if classes else None)
    return [Code(text=text, lang=lang)]


def _inline_all(node: nodes.Element, kinds: tuple[type[nodes.Node], ...], sep: str) -> str:
    return sep.join(md for child in node.children if isinstance(child, kinds) and (md := _inline(child)))


def _inline(node: nodes.Node) -> str:
    """A text element's content as safe Markdown (see model.py)."""
    return _inline_parts(node).strip()


def _inline_parts(node: nodes.Node) -> str:
    out: list[str] = []
    for child in node.children if isinstance(node, nodes.Element) else [node]:
        if isinstance(child, nodes.Text):
            out.append(escape(child.astext().replace("\n", " ")))
        elif isinstance(child, (nodes.system_message, nodes.image, nodes.raw, nodes.comment)):
            continue
        elif isinstance(child, (nodes.literal, nodes.math)):
            out.append(code_span(child.astext()))
        elif isinstance(child, nodes.strong):
            inner = _inline_parts(child).strip()
            out.append(f"**{inner}**" if inner else "")
        elif isinstance(child, (nodes.emphasis, nodes.title_reference)):
            inner = _inline_parts(child).strip()
            out.append(f"*{inner}*" if inner else "")
        elif isinstance(child, (nodes.footnote_reference, nodes.citation_reference)):
            out.append(escape(f"[{child.astext()}]"))
        elif isinstance(child, nodes.problematic):
            # Markup docutils gave up on reads as written, except a substitution only Sphinx
            # defines (|version|), which has no text of its own here.
            text = child.astext()
            if not _SUBSTITUTION.fullmatch(text):
                out.append(escape(text.replace("\n", " ")))
        elif isinstance(child, nodes.Element):
            out.append(_inline_parts(child))
    md = "".join(out)
    while "  " in md:
        md = md.replace("  ", " ")
    return md
