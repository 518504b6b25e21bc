"""HTML pages (.html, .htm): the main content as a section tree.

The stdlib parser builds a small element tree (with the implied end tags browsers add for
`<p>`, `<li>`, table cells); from it only the main content is read: `<main>` (or
`role="main"`), else Sphinx's div.body, else Doxygen's div.contents, else the longest
`<article>`, else `<body>`, always without page furniture (nav, header, footer, aside,
forms, scripts, ...); only a page that marks none of these is also filtered by
trafilatura's boilerplate scoring. Headings h1-h6 open sections (their `id` is the anchor),
and p/div text, lists, `<pre>` code (and Doxygen's div.fragment of div.line), tables, block
quotes and admonition boxes become blocks. Inline: strong/b bold, em/i italic, code a code
span, the rest text.
Text nested more than _MAX_DEPTH elements deep is left out with a note, as Markdown does;
a page with nothing readable above that depth is refused.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

from ...errors import KnowledgeError, ReaderTimeout
from ...rendering import errors as wording
from .. import inline
from ..boilerplate import MainText, main_text
from ..deadline import Deadline
from ..decode import decode_page
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
from ..outline import Heading, SectionEnd, build_sections
from ..scraped import find_junk, fold_spaces
from ..treebuild import term_item, too_uneven
from ..urls import linkable_href

log = logging.getLogger(__name__)


def _words(names: str) -> frozenset[str]:
    return frozenset(names.split())


_VOID = _words("area base br col embed hr img input keygen link meta param source track wbr")
# Never content: page furniture, code, controls.
_DROP = _words(
    "nav header footer aside script style noscript template svg math form button select textarea "
    "input option head iframe object embed canvas dialog audio video map"
)
# "tab": a tab's label is a control; its panel is led by it instead (see tab_panel), so a
# tab list of links (<a role="tab">) does not say each label twice.
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert", "tab"})
# Class/id words of page furniture that sites put inside the content area (the fallback
# when trafilatura is not installed; readability's "unlikely candidates" in small).
_FURNITURE = _words(
    "comment comments cookie cookies consent share sharing social related newsletter "
    "subscribe sidebar breadcrumb breadcrumbs advert advertisement ad ads promo "
    "footer menu navbar navigation masthead colophon widget skip meta toc toctree"
)  # toctree: Sphinx's list of the pages below, navigation (the RST reader drops it too)
_NAME_PARTS = re.compile(r"[\s_-]+")
# Elements whose id a documentation generator makes from their content (Sphinx: a section's
# from its heading, a dt's from the API name it documents): "cookies", "set-cookie-options",
# "flask.Response.set_cookie" name the topic, not a banner, so only their classes count.
_DEFINITION_TAGS = _words("dl dt dd")
_HEADING_TAGS = _words("h1 h2 h3 h4 h5 h6")
_SLUG = re.compile(r"[^a-z0-9]+")
# A documentation generator's page: its main content is trusted whole (see read()).
_META_GENERATOR = re.compile(r"<meta\s[^>]{0,300}?generator[^>]{0,300}>", re.I)
_HEAD_CHARS = 50_000  # where a page's <meta> tags are looked for
_DOCS_GENERATOR = re.compile(
    r"sphinx|mkdocs|docusaurus|vitepress|vuepress|docfx|pkgdown|doxygen|jupyter.?book|gitbook|mdbook|antora", re.I
)
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
# Elements that end a run of inline text; anything else is read as inline.
_BLOCKS = _words(
    "address article blockquote body center dd details dialog div dl dt fieldset figcaption figure "
    "footer h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary table tbody "
    "td tfoot th thead tr ul"
)
# An open element of the first kind is closed by a start tag of a second-kind element, looking
# down the stack no further than a third-kind element (the implied end tags of HTML).
_IMPLIED_END: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
_ALWAYS_SCOPE = _words("html template svg math object caption")  # implied ends never cross these
_P_CLOSERS = (
    "address article aside blockquote details div dl fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table ul"
)
for _t in _P_CLOSERS.split():
    _IMPLIED_END[_t] = (frozenset({"p"}), _words("li td th div section article main body blockquote button"))
_IMPLIED_END["li"] = (frozenset({"li", "p"}), frozenset({"ul", "ol", "body"}))
_IMPLIED_END["dt"] = _IMPLIED_END["dd"] = (frozenset({"dt", "dd", "p"}), frozenset({"dl", "body"}))
_IMPLIED_END["tr"] = (frozenset({"tr", "td", "th", "p"}), frozenset({"table", "thead", "tbody", "tfoot"}))
_IMPLIED_END["td"] = _IMPLIED_END["th"] = (frozenset({"td", "th", "p"}), frozenset({"tr", "table"}))
for _t in ("thead", "tbody", "tfoot"):
    _IMPLIED_END[_t] = (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th", "p"}), frozenset({"table"}))
_IMPLIED_END["option"] = (frozenset({"option"}), frozenset({"select", "body"}))

_BOLD = frozenset({"strong", "b"})
_ITALIC = frozenset({"em", "i", "cite", "dfn"})
_CODE = frozenset({"code", "kbd", "samp", "tt", "var"})
_LANG_CLASS = re.compile(r"^(?:language|lang|highlight)-([\w+#.-]+)$")
_ADMONITION_KINDS = (
    "note",
    "tip",
    "hint",
    "warning",
    "caution",
    "danger",
    "attention",
    "important",
    "error",
    "seealso",
)
# Sphinx object descriptions (`<dl class="py method">`; other domains the same): each one a
# section named by its object, so a class with 60 members is not one 60,000-character item.
_OBJECT_TYPES = _words(
    "class method function attribute data exception property classmethod staticmethod decorator "
    "decoratormethod module describe object type member macro var enum enumerator struct union"
)
_FEED_CHARS = 256 * 1024
# Elements nested deeper than this are left out (with a note): the tree walk recurses a few
# frames per level, and Python's recursion limit (1000) must hold at the deepest one. Real
# pages nest a few dozen levels; Markdown's limit is about ten (see markdown.py).
_MAX_DEPTH = 150
# How far down the open elements an implied end looks for its element: what is further down
# stays open, so a page of 100,000 unclosed elements is not quadratic. (An end tag finds its
# element at any depth, through _TreeBuilder._open.)
_SCAN_DEPTH = 2 * _MAX_DEPTH
_LXML_DEPTH = 255  # libxml2's HTML parser's nesting limit (without XML_PARSE_HUGE)
_HEADING_LINK_MARKS = "¶#§🔗\uf0c1 "


# Elements whose content is never text: not kept in the tree (inline scripts, styles and SVG
# icons are a large share of a page's markup; kept, they were most of its nodes).
_UNREAD = _words("script style template svg math noscript")
_NO_ATTRS: dict[str, str] = {}  # shared by every element without attributes (never changed)
# The attributes the reader looks at; the rest (style, title, data-*, ...) are not kept.
_READ_ATTRS = _words("class id name href role hidden aria-hidden aria-labelledby aria-controls start colspan rel")


@dataclass(eq=False, slots=True)  # slots: a page makes a node per element and per text run
class _Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Node | _Text] = field(default_factory=list)
    parent: _Node | None = None

    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def elements(self) -> Iterator[_Node]:
        """Descendant elements, document order."""
        for child in self.children:
            if isinstance(child, _Node):
                yield child
                yield from child.elements()


@dataclass(eq=False, slots=True)
class _Text:
    data: str
    line: int


class _TreeBuilder(HTMLParser):
    """An element tree with the end tags HTML lets authors leave out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # entities are decoded once, here
        self.root = _Node("#document", {}, 1)
        self._stack: list[_Node] = [self.root]
        # tag -> the stack positions of its open elements, deepest last: an end tag closes its
        # element however many unclosed ones lie above it (`<section>`, 400 unclosed spans,
        # `</section>`), in constant time, each element's entry pushed and popped once.
        self._open: dict[str, list[int]] = {}
        self._unread = 0  # open elements of _UNREAD: what is inside them is not kept
        self.too_deep = False  # whether text was left out below _MAX_DEPTH
        self.deepest = 0  # the most elements ever open at once

    def _kept(self) -> bool:
        """Whether what opens or appears now goes into the tree; an element below the depth
        limit is still put on the stack (its end tag must close it), outside the tree."""
        return not self._unread and len(self._stack) <= _MAX_DEPTH

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        implied = _IMPLIED_END.get(tag)
        if implied is not None:
            closes, scope = implied
            # The deepest closable element within scope: a new <tr> ends the open row and
            # its cell, a new <li> the open item and its paragraph, not the innermost only.
            cut = 0
            for i in range(len(self._stack) - 1, max(0, len(self._stack) - 1 - _SCAN_DEPTH), -1):
                name = self._stack[i].tag
                if name in scope or name in _ALWAYS_SCOPE:
                    break
                if name in closes:
                    cut = i
            if cut:
                self._pop(cut)
        parent = self._stack[-1]
        # Tag and attribute names interned: a page repeats a few dozen of them.
        kept = {sys.intern(k): v or "" for k, v in attrs if k in _READ_ATTRS} or _NO_ATTRS
        node = _Node(sys.intern(tag), kept, self.getpos()[0], parent=parent)
        if self._kept():
            parent.children.append(node)  # else it only keeps the stack right
        if tag not in _VOID:
            self._open.setdefault(node.tag, []).append(len(self._stack))
            self._stack.append(node)
            self.deepest = max(self.deepest, len(self._stack))
            self._unread += tag in _UNREAD

    def handle_endtag(self, tag: str) -> None:
        where = self._open.get(tag)
        if where:
            self._pop(where[-1])

    def _pop(self, i: int) -> None:
        """Close the open elements from stack position `i` up."""
        closed = self._stack[i:]
        if self._unread:
            self._unread -= sum(n.tag in _UNREAD for n in closed)
        for node in closed:
            self._open[node.tag].pop()
        del self._stack[i:]

    def handle_data(self, data: str) -> None:
        if self._kept():
            self._stack[-1].children.append(_Text(data, self.getpos()[0]))
        elif not self._unread and not data.isspace():
            self.too_deep = True


def _dropped(node: _Node) -> bool:
    role = node.attrs.get("role", "").lower()
    if (
        (node.tag in _DROP and not _footnotes(node))
        # A tab panel is hidden until its tab is chosen (sphinx-tabs): one of several
        # alternatives, all of them content.
        or ("hidden" in node.attrs and role != "tabpanel")
        or (node.attrs.get("aria-hidden") == "true" and role != "tabpanel")
        or role in _DROP_ROLES
        # Sphinx's "¶" permalink after a heading, a dt term or a code caption: a mark, no text.
        or (node.tag == "a" and "headerlink" in node.classes())
        # Doxygen's tooltips (div.ttc, display: none in doxygen.css): each repeats the
        # declaration and brief of a name used in a source listing.
        or (node.tag == "div" and "ttc" in node.classes())
    ):
        return True
    if _furniture_names(node.attrs.get("class", "")):
        return True
    # An id is asked about only when it names furniture: _content_id may look into the element.
    return _furniture_names(node.attrs.get("id", "")) and not _content_id(node)


def _furniture_names(names: str) -> bool:
    names = names.lower()
    return bool(names.strip()) and not _FURNITURE.isdisjoint(_NAME_PARTS.split(names))


def _footnotes(node: _Node) -> bool:
    """docutils >= 0.18 writes footnotes as `<aside class="footnote">` in an
    `<aside class="footnote-list">`: content, unlike the sidebars other asides are."""
    return node.tag == "aside" and any(c in ("footnote", "footnote-list") for c in node.classes())


def _content_id(node: _Node) -> bool:
    """Whether the element's id names its content rather than its role on the page: a
    definition's (Sphinx's `<dt id="SESSION_COOKIE_NAME">`), a dotted API name, or a section's
    or heading's id made from its own heading ("Set-Cookie options" -> set-cookie-options).
    A news page's `<section id="comments">` under "3 Comments" is no such id."""
    ident = node.attrs.get("id", "")
    if not ident or node.tag in _DEFINITION_TAGS or "." in ident:
        return True
    if node.tag in _HEADING_TAGS:
        heading: _Node | None = node
    elif _is_section(node):
        heading = next((n for n in node.elements() if n.tag in _HEADING_TAGS), None)
    else:
        return False
    if heading is None:
        return False
    slug = _SLUG.sub("-", fold_spaces(_raw_text(heading, drop=False)).lower()).strip("-")
    # Sphinx numbers a repeated id ("cookies-1").
    return bool(slug) and re.sub(r"-\d+$", "", ident.lower()) in (slug, re.sub(r"-\d+$", "", slug))


def _docs_generator(markup: str, doc: _Node) -> bool:
    """Whether a documentation generator made the page (its <meta name="generator"> in the
    head, which the tree leaves out, or Sphinx's div.document): such a page's marked main
    content is the docs, whole."""
    if any(_DOCS_GENERATOR.search(tag) for tag in _generator_tags(markup)):
        return True
    return any(n.tag == "div" and "document" in n.classes() for n in doc.elements())


def _raw_text(node: _Node, drop: bool = True) -> str:
    """All text under `node` as written (for code and sizes); dropped elements skipped."""
    parts: list[str] = []
    for child in node.children:
        if isinstance(child, _Text):
            parts.append(child.data)
        elif child.tag == "br":
            parts.append("\n")
        elif not (drop and _dropped(child)):
            parts.append(_raw_text(child, drop))
    return "".join(parts)


def _find(node: _Node, tag: str) -> _Node | None:
    return next((n for n in node.elements() if n.tag == tag), None)


def _generator_tags(markup: str) -> list[str]:
    """The page's `<meta name="generator">` tags, as written (the tree leaves out the head)."""
    return [m.group(0) for m in _META_GENERATOR.finditer(markup, 0, min(len(markup), _HEAD_CHARS))]


def _main_content(doc: _Node, markup: str) -> _Node:
    """`<main>` or role=main, else Sphinx's div.body (inside div.document, beside its
    sidebar), else Doxygen's div.contents (after its project banner, menus, breadcrumbs and
    div.header, whose title the page's <title> repeats), else the longest top-level
    `<article>`, else `<body>`."""
    for n in doc.elements():
        if n.tag == "main" or n.attrs.get("role", "").lower() == "main":
            return n
    for n in doc.elements():
        if n.tag == "div" and "body" in n.classes() and _inside_class(n, "document"):
            return n
    if any("doxygen" in tag.lower() for tag in _generator_tags(markup)):
        for n in doc.elements():
            if n.tag == "div" and "contents" in n.classes():
                return n
    articles = [n for n in doc.elements() if n.tag == "article" and not _inside(n, "article")]
    if articles:
        return max(articles, key=lambda a: len(fold_spaces(_raw_text(a))))
    return _find(doc, "body") or doc


def _inside_class(node: _Node, cls: str) -> bool:
    p = node.parent
    while p is not None:
        if cls in p.classes():
            return True
        p = p.parent
    return False


def _inside(node: _Node, tag: str) -> bool:
    p = node.parent
    while p is not None:
        if p.tag == tag:
            return True
        p = p.parent
    return False


_Event = Block | Heading | SectionEnd


class _Content:
    """Walks the main content into (source line, block or heading) events."""

    def __init__(self, article_headers: bool, deadline: Deadline) -> None:
        self.article_headers = article_headers  # the content is a <main>/<article>, not the page
        self.deadline = deadline
        self._has_block: dict[int, bool] = {}
        self.pending: list[tuple[str, str]] = []  # links read since the last block was made
        self.links: dict[int, list[tuple[str, str]]] = {}  # id(block) -> its links
        self.level = 0  # the level of the last heading met: object sections go below it
        self._tabs: dict[int, _TabPlan] = {}  # id(tab set) -> which panel each tab leads

    def take_links(self, event: _Event) -> None:
        """The links read since the last top-level event belong to this one (a heading's own
        links, such as its permalink, to none; a section's end leaves them to the next block)."""
        if isinstance(event, SectionEnd):
            return
        if self.pending and not isinstance(event, Heading):
            self.links.setdefault(id(event), []).extend(self.pending)
        self.pending = []

    # -- blocks -------------------------------------------------------------------------

    def walk(self, node: _Node, out: list[tuple[int, _Event]], nested: bool) -> None:
        """The children of a block container; runs of inline children become paragraphs."""
        run: list[_Node | _Text] = []
        for child in node.children:
            if isinstance(child, _Node) and child.tag == "br" and _ends_with_br(run):
                self._flush(run, out)  # "<br><br>": how old pages and forums mark paragraphs
                run = []
                continue
            if isinstance(child, _Node) and child.tag == "label" and "sd-tab-label" in child.classes():
                # sphinx-design's tab: a radio input, this label, then the tab's content
                # (div.sd-tab-content); the label leads it in bold, as a tab panel's does,
                # its inline markup kept (a label `cmd.exe` stays code).
                self._flush(run, out)
                run = []
                label = fold_spaces(self._inline(child.children, bold=True, italic=False))  # no bold in bold
                if any(ch.isalnum() for ch in label):
                    out.append((child.line, Paragraph(md=_wrap(label, "**"))))
                continue
            if isinstance(child, _Node) and (orphan := self.orphan_tab(child)):
                self._flush(run, out)
                run = []
                out.append((child.line, Paragraph(md=inline.escape(orphan))))
                continue
            if isinstance(child, _Text) or not (child.tag in _BLOCKS or self.has_block(child)):
                if isinstance(child, _Text) or not _dropped(child):
                    run.append(child)
                continue
            self._flush(run, out)
            run = []
            if not _dropped(child):
                self.block(child, out, nested)
            elif child.tag == "header" and self.article_headers and not nested:
                # An article's own header holds its title: keep its headings, not its byline.
                for h in child.elements():
                    if h.tag in _HEADINGS and not _dropped(h):
                        self.block(h, out, nested)
        self._flush(run, out)

    def block(self, node: _Node, out: list[tuple[int, _Event]], nested: bool) -> None:
        self.deadline.check()
        tag = node.tag
        if tag in _HEADINGS:
            text = self.heading_text(node)
            if not text:
                return
            if nested:
                out.append((node.line, Paragraph(md=f"**{inline.escape(text)}**")))
            else:
                self.level = _HEADINGS[tag]
                out.append((node.line, Heading(self.level, text, _anchor(node))))
        elif tag == "pre":
            code = _raw_text(node).removeprefix("\n").rstrip()
            if code.strip():
                out.append((node.line, Code(text=_dedent(code), lang=_code_lang(node))))
        elif _is_fragment(node):
            code = _fragment_code(node)
            if code.strip():
                out.append((node.line, Code(text=_dedent(code), lang=None)))
        elif tag in ("ul", "ol"):
            self.list_block(node, out)
        elif tag == "dl" and not nested and _is_object(node):
            self.object_entry(node, out)
        elif tag == "dl":
            self.definition_list(node, out)
        elif tag == "table":
            self.table(node, out, nested)
        elif tag == "blockquote":
            inner = self.nested_blocks(node)
            if inner:
                out.append((node.line, Quote(blocks=inner)))
        elif (kind := _admonition_kind(node)) is not None:
            self.admonition(node, kind, out)
        elif tag == "aside" and "footnote" in node.classes():
            self.footnote(node, out)
        elif node.attrs.get("role", "").lower() == "tabpanel":
            self.tab_panel(node, out, nested)
        elif tag == "hr":
            return
        else:
            self.walk(node, out, nested)

    def nested_blocks(self, node: _Node) -> tuple[Block, ...]:
        out: list[tuple[int, _Event]] = []
        self.walk(node, out, nested=True)
        return tuple(b for _, b in out if not isinstance(b, (Heading, SectionEnd)))

    def list_block(self, node: _Node, out: list[tuple[int, _Event]]) -> None:
        items: list[tuple[Block, ...]] = []
        for child in node.children:
            if isinstance(child, _Node) and not _dropped(child):
                blocks = (
                    self.nested_blocks(child)
                    if child.tag == "li"
                    else self.nested_blocks(_Node("li", {}, child.line, [child]))
                )
                if blocks:
                    items.append(blocks)
        if items:
            start = node.attrs.get("start", "1").strip()
            out.append(
                (
                    node.line,
                    ListBlock(items=tuple(items), ordered=node.tag == "ol", start=int(start) if start.isdigit() else 1),
                )
            )

    def definition_list(self, node: _Node, out: list[tuple[int, _Event]]) -> None:
        """<dl>: a list whose items are "**term** — definition" (as the other readers do)."""
        items: list[tuple[Block, ...]] = []
        term = ""
        for child in node.children:
            if not isinstance(child, _Node) or _dropped(child):
                continue
            if child.tag == "dt":
                if term:  # a term without a definition of its own
                    items.append(term_item(term, []))
                term = self.inline_md(child.children)
            elif child.tag == "dd":
                item = term_item(term, list(self.nested_blocks(child)))
                term = ""
                if item:
                    items.append(item)
        if term:
            items.append(term_item(term, []))
        if items:
            out.append((node.line, ListBlock(items=tuple(items))))

    def object_entry(self, node: _Node, out: list[tuple[int, _Event]]) -> None:
        """A Sphinx object description as a section one level below the heading it is under,
        named by the object ("flask.Flask.route"): its signature in bold, then its body,
        where member descriptions go one level further down. What follows the entry (prose
        after it, a note closing the section) goes back to the section it is in: as a list
        item it made that section one passage of 10,000 characters, and the entry's own body
        could not be cut into passages of normal size."""
        # Below level 1 even without a heading before it: an object never names the page.
        level = min(max(self.level, 1) + 1, 6)
        opened = False  # several signatures (overloads) before one body share a section
        for child in node.children:
            if not isinstance(child, _Node) or _dropped(child):
                continue
            if child.tag == "dt":
                sig = self.inline_md(child.children)
                if not opened:
                    name = _object_name(child, sig)
                    out.append((child.line, Heading(level, name, child.attrs.get("id"))))
                    opened = True
                if sig:
                    out.append((child.line, Paragraph(md=f"**{sig}**")))
            elif child.tag == "dd":
                outer, self.level = self.level, level
                self.walk(child, out, nested=False)
                self.level, opened = outer, False
        out.append((node.line, SectionEnd(level)))

    def table(self, node: _Node, out: list[tuple[int, _Event]], nested: bool) -> None:
        rows: list[tuple[bool, list[_Node]]] = []  # (in thead or all th, cells)
        for tr in (n for n in node.elements() if n.tag == "tr"):
            if _nearest(tr, "table") is not node:
                continue
            cells = [c for c in tr.children if isinstance(c, _Node) and c.tag in ("td", "th")]
            # A cell spanning k columns fills them: its text in the first, then empty ones.
            cells = [x for c in cells for x in [c, *[_Node(c.tag, {}, c.line)] * (_span(c) - 1)]]
            if cells:
                head = _inside(tr, "thead") or all(c.tag == "th" for c in cells)
                rows.append((head, cells))
        width = max((len(cells) for _, cells in rows), default=0)
        layout = width < 2 or any(_find(c, "table") for _, cells in rows for c in cells)
        if layout:  # a table used for layout: read what is in it
            self.walk(node, out, nested)
            return
        if too_uneven([len(cells) for _, cells in rows]):  # 75 kB of such rows padded took 420 MB
            lines = [" ".join(t for t in (self.cell(c) for c in cells) if t) for _, cells in rows]
            text = "\n".join(line for line in lines if line)
            if text:
                out.append((node.line, Paragraph(md=text)))
            return
        header: tuple[str, ...] = ()
        if rows and rows[0][0]:
            header = _pad(tuple(self.cell(c) for c in rows.pop(0)[1]), width)
        body = tuple(_pad(tuple(self.cell(c) for c in cells), width) for _, cells in rows)
        if header or body:
            out.append((node.line, Table(header=header, rows=body)))

    def cell(self, node: _Node) -> str:
        return self.inline_md(node.children)

    def admonition(self, node: _Node, kind: str, out: list[tuple[int, _Event]]) -> None:
        title_node = next((n for n in node.elements() if "admonition-title" in n.classes() or n.tag == "summary"), None)
        title = None
        if title_node is not None:
            title_node.parent.children.remove(title_node)  # type: ignore[union-attr]
            title = self.inline_md(title_node.children) or None
            if title is not None and inline.to_plain(title).casefold() == kind:
                title = None  # Sphinx writes "Note" for a note without a title
        blocks = self.nested_blocks(node)
        if blocks or title:
            out.append((node.line, Admonition(kind=kind, title=title, blocks=blocks)))

    def tab_panel(self, node: _Node, out: list[tuple[int, _Event]], nested: bool) -> None:
        """A tab's panel led by its label in bold, as the Markdown reader shows content tabs
        (the tab buttons themselves are controls, dropped)."""
        label = ""
        # The tabs are beside the panels or, as Bootstrap writes them (ul.nav-tabs beside
        # div.tab-content), beside the panels' container.
        for tab_set in _ancestors(node, 2):
            label = self.tab_plan(tab_set).leads.get(id(node), "")
            if label:
                break
        if label:
            out.append((node.line, Paragraph(md=f"**{inline.escape(label)}**")))
        self.walk(node, out, nested)

    def tab_plan(self, tab_set: _Node) -> _TabPlan:
        key = id(tab_set)
        if key not in self._tabs:  # once per tab set: its panels and tabs share the lookup
            self._tabs[key] = _tab_plan(tab_set)
        return self._tabs[key]

    def orphan_tab(self, node: _Node) -> str:
        """The label of a tab (role="tab") that leads no panel, else "": no tab panel names it
        or stands at its place (tabs that show plain divs), so its label is kept as text."""
        if node.attrs.get("role", "").lower() != "tab":
            return ""
        # Up to the tab set: the tab list, then the set (Bootstrap: li, ul, then the set).
        if any(id(node) in self.tab_plan(a).led for a in _ancestors(node, 3)):
            return ""
        label = fold_spaces(_raw_text(node, drop=False))
        return label if any(ch.isalnum() for ch in label) else ""

    def footnote(self, node: _Node, out: list[tuple[int, _Event]]) -> None:
        """A footnote as one paragraph "[label] text", as the Markdown reader shows them."""
        label_node = next((n for n in node.elements() if "label" in n.classes()), None)
        label = ""
        if label_node is not None:
            label_node.parent.children.remove(label_node)  # type: ignore[union-attr]
            label = fold_spaces(_raw_text(label_node)).strip("[]")
        blocks = self.nested_blocks(node)
        texts = [b.md for b in blocks if isinstance(b, Paragraph)]
        lead = inline.escape(f"[{label}]") if label else ""
        if texts or (lead and blocks):
            out.append((node.line, Paragraph(md=" ".join([lead, *texts]).strip())))
        # A list, code or table in a footnote follows its text.
        out.extend((node.line, b) for b in blocks if not isinstance(b, Paragraph))

    def _flush(self, run: list[_Node | _Text], out: list[tuple[int, _Event]]) -> None:
        md = self.inline_md(run)
        if any(ch.isalnum() for ch in md):
            out.append((_first_line(run), Paragraph(md=md)))

    def has_block(self, node: _Node) -> bool:
        key = id(node)
        known = self._has_block.get(key)
        if known is None:
            known = self._has_block[key] = any(
                isinstance(c, _Node) and (c.tag in _BLOCKS or self.has_block(c)) for c in node.children
            )
        return known

    # -- inline -------------------------------------------------------------------------

    def inline_md(self, nodes: list[_Node | _Text]) -> str:
        return fold_spaces(self._inline(nodes, bold=False, italic=False))

    def _inline(self, nodes: list[_Node | _Text], bold: bool, italic: bool) -> str:
        parts: list[str] = []
        for n in nodes:
            if isinstance(n, _Text):
                parts.append(inline.escape(n.data))
            elif _dropped(n) or n.tag in ("img", "sup") and "footnote-ref" in n.classes():
                continue
            elif n.tag == "br":
                parts.append(" ")
            elif n.tag in _CODE:
                parts.append(_spaced(_raw_text(n), inline.code_span(_raw_text(n))))
            elif n.tag in _BOLD and not bold:
                parts.append(_wrap(self._inline(n.children, True, italic), "**"))
            elif n.tag in _ITALIC and not italic:
                parts.append(_wrap(self._inline(n.children, bold, True), "*"))
            elif n.tag in _BLOCKS:  # a block inside a table cell or an inline element
                parts.append(" " + self._inline(n.children, bold, italic) + " ")
            elif n.tag == "a" and linkable_href(n.attrs.get("href") or ""):
                md = self._inline(n.children, bold, italic)
                parts.append(md)
                label = " ".join(inline.to_plain(md).split())
                if any(ch.isalnum() for ch in label):  # not a bare permalink mark
                    self.pending.append((n.attrs["href"].strip(), label))
            else:
                parts.append(self._inline(n.children, bold, italic))
        return "".join(parts)

    def heading_text(self, node: _Node) -> str:
        parts = [
            c
            for c in node.children
            if isinstance(c, _Text) or "headerlink" not in c.classes() and "anchor" not in c.classes()
        ]
        return inline.to_plain(self.inline_md(parts)).rstrip(_HEADING_LINK_MARKS).strip()


def _is_object(node: _Node) -> bool:
    """A Sphinx object description: `<dl class="py method">` whose terms have ids or are
    Sphinx's signatures (dt.sig-object: an entry written with :no-index: has no id)."""
    if node.tag != "dl" or _OBJECT_TYPES.isdisjoint(node.classes()):
        return False
    dts = [c for c in node.children if isinstance(c, _Node) and c.tag == "dt"]
    return bool(dts) and all(dt.attrs.get("id") or "sig-object" in dt.classes() for dt in dts)


def _object_name(dt: _Node, sig: str) -> str:
    """An entry's name: its id ("flask.Flask.route"), else its signature's module prefix
    and name (sig-prename, sig-name) without the parameters, else the signature's text."""
    if dt.attrs.get("id"):
        return dt.attrs["id"]
    parts = [n for n in dt.elements() if not {"sig-prename", "sig-name"}.isdisjoint(n.classes())]
    name = fold_spaces("".join(_raw_text(n) for n in parts)).strip()
    return name or inline.to_plain(sig)


def _is_fragment(node: _Node) -> bool:
    """Doxygen's code block: `<div class="fragment">` holding one `<div class="line">` per
    line (a source listing, an example), not a `<pre>`."""
    return node.tag == "div" and "fragment" in node.classes() and any(_is_code_line(n) for n in node.elements())


def _is_code_line(node: _Node) -> bool:
    return node.tag == "div" and "line" in node.classes()


def _fragment_code(fragment: _Node) -> str:
    """A Doxygen fragment's lines, without the line numbers of a source listing
    (`<span class="lineno">`, and the no-break space Doxygen 1.8 puts after one); lines in
    code-folding wrappers (div.foldopen, Doxygen 1.9.7) are lines too."""
    lines: list[str] = []
    stack = [c for c in reversed(fragment.children) if isinstance(c, _Node)]
    while stack:  # document order, without recursion: a listing is thousands of lines
        node = stack.pop()
        if _is_code_line(node):
            numbered = any("lineno" in c.classes() for c in node.children if isinstance(c, _Node))
            text = "".join(
                c.data if isinstance(c, _Text) else "\n" if c.tag == "br" else _raw_text(c)
                for c in node.children
                if isinstance(c, _Text) or not ("lineno" in c.classes() or _dropped(c))
            )
            lines.append(text.removeprefix("\xa0") if numbered else text)
        elif not _dropped(node):
            stack.extend(c for c in reversed(node.children) if isinstance(c, _Node))
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _is_section(node: _Node) -> bool:
    """A `<section>`, or docutils < 0.18's `<div class="section">`."""
    return node.tag == "section" or (node.tag == "div" and "section" in node.classes())


@dataclass(frozen=True, slots=True)
class _TabPlan:
    """The tabs of a tab set and the panels they lead."""

    leads: dict[int, str]  # id(panel) -> its tab's label
    led: frozenset[int]  # id() of the tabs that lead a panel


def _tab_plan(tab_set: _Node) -> _TabPlan:
    """Which tab (role="tab") of a tab set leads which panel (role="tabpanel"): by name
    first (a panel names its tab by aria-labelledby, or a tab its panel by aria-controls or
    a link to it), then the unnamed ones in order, when as many tabs as panels are left
    (tabs and panels that name nothing, or names that do not match)."""
    tabs: list[tuple[_Node, str]] = []
    panels: list[_Node] = []
    by_key: dict[str, int] = {}  # tab id, or id of the panel it controls -> index in tabs
    for n in tab_set.elements():
        role = n.attrs.get("role", "").lower()
        if role == "tab":
            href = n.attrs.get("href", "").strip()
            for key in (n.attrs.get("id"), n.attrs.get("aria-controls"), href[1:] if href[:1] == "#" else None):
                if key:
                    by_key.setdefault(key, len(tabs))
            tabs.append((n, fold_spaces(_raw_text(n, drop=False))))
        elif role == "tabpanel":
            panels.append(n)
    leads: dict[int, str] = {}
    used: set[int] = set()
    unnamed: list[_Node] = []
    for panel in panels:
        keys = (panel.attrs.get("aria-labelledby", ""), panel.attrs.get("id", ""))
        k = next((by_key[key] for key in keys if key in by_key), None)
        if k is None:
            unnamed.append(panel)
        else:
            leads[id(panel)] = tabs[k][1]
            used.add(k)
    left = [k for k in range(len(tabs)) if k not in used]
    if unnamed and len(left) == len(unnamed):
        for panel, k in zip(unnamed, left):
            leads[id(panel)] = tabs[k][1]
            used.add(k)
    return _TabPlan(leads, frozenset(id(tabs[k][0]) for k in used))


def _ancestors(node: _Node, n: int) -> Iterator[_Node]:
    """The first `n` elements above `node`, nearest first."""
    p = node.parent
    for _ in range(n):
        if p is None:
            return
        yield p
        p = p.parent


def _span(cell: _Node) -> int:
    value = cell.attrs.get("colspan", "1").strip()
    return min(int(value), 50) if value.isdigit() and int(value) > 0 else 1


def _pad(cells: tuple[str, ...], width: int) -> tuple[str, ...]:
    return cells + ("",) * (width - len(cells))  # rows short of cells (colspan): same width


def _wrap(md: str, mark: str) -> str:
    inner = md.strip()
    if not any(ch.isalnum() for ch in inner):
        return md
    return _spaced(md, f"{mark}{inner}{mark}")


def _spaced(original: str, md: str) -> str:
    """Keep the spaces around an inline element outside its markers ("a<b> x </b>b")."""
    if not md:
        return original if original.isspace() else ""
    lead = " " if original[:1].isspace() else ""
    trail = " " if original[-1:].isspace() else ""
    return f"{lead}{md}{trail}"


def _ends_with_br(run: list[_Node | _Text]) -> bool:
    for n in reversed(run):
        if isinstance(n, _Text) and not n.data.strip():
            continue
        return isinstance(n, _Node) and n.tag == "br"
    return False


def _first_line(run: list[_Node | _Text]) -> int:
    for n in run:
        if isinstance(n, _Node) or n.data.strip():
            return n.line
    return run[0].line if run else 0


def _nearest(node: _Node, tag: str) -> _Node | None:
    p = node.parent
    while p is not None and p.tag != tag:
        p = p.parent
    return p


def _code_lang(pre: _Node) -> str | None:
    """From a class "language-x" / "lang-x" / "highlight-x" on the <pre>, its <code>, or the
    two wrappers above it (Sphinx: div.highlight-python > div.highlight > pre)."""
    code = next((c for c in pre.children if isinstance(c, _Node) and c.tag == "code"), None)
    near = [pre, code, pre.parent, pre.parent.parent if pre.parent else None]
    for node in near:
        for cls in node.classes() if node is not None else ():
            m = _LANG_CLASS.match(cls)
            if m and m.group(1).lower() not in ("default", "none", "text", "plain", "plaintext"):
                return m.group(1).lower()
    return None


def _anchor(node: _Node) -> str | None:
    """The heading's id, an id/name on a link inside it, or the id of the section it opens."""
    if node.attrs.get("id"):
        return node.attrs["id"]
    for n in node.elements():
        if n.tag == "a" and (n.attrs.get("id") or n.attrs.get("name")):
            return n.attrs.get("id") or n.attrs["name"]
    parent = node.parent
    if parent is not None and parent.tag in ("section", "div") and parent.attrs.get("id"):
        # The section the heading opens: nothing with text before it (Sphinx puts empty
        # <span id="label"> targets there).
        first = next((c for c in parent.children if isinstance(c, _Node) and _raw_text(c).strip()), None)
        if first is node:
            return parent.attrs["id"]
    return None


def _admonition_kind(node: _Node) -> str | None:
    classes = [c.lower() for c in node.classes()]
    kind = next((c for c in classes if c in _ADMONITION_KINDS), None)
    if kind is None and "admonition" not in classes:
        return None
    return kind or "note"


def _dedent(code: str) -> str:
    lines = code.split("\n")
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    cut = min(indents, default=0)
    return "\n".join(ln[cut:] for ln in lines)


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    deadline = Deadline(options.timeout_s)
    markup = decode_page(data)
    builder = _TreeBuilder()
    try:
        for start in range(0, len(markup), _FEED_CHARS):  # in pieces, to check the time between
            builder.feed(markup[start : start + _FEED_CHARS])
            deadline.check()
        builder.close()
    except (AssertionError, ValueError) as exc:  # html.parser gives up on some broken markup
        raise KnowledgeError(wording.html_unparsable(exc)) from None
    doc = builder.root
    too_deep = builder.too_deep
    # libxml2, which trafilatura parses with, stops reading at its depth limit: its scores
    # would leave out all that follows (a <section> of 400 unclosed spans lost the next <p>).
    scorable = builder.deepest < _LXML_DEPTH
    del builder
    try:
        title_node = _find(doc, "title")
        page_title = fold_spaces(_raw_text(title_node, drop=False)) if title_node is not None else ""
        source = _canonical(doc)
        content = _main_content(doc, markup)
        # The page marks its main content: what the tag rule leaves of it is the content.
        marked = content.tag not in ("body", "#document")
        docs = marked and _docs_generator(markup, doc)  # asked only where it decides something
        walker = _Content(article_headers=marked, deadline=deadline)
        made = _Events(walker)
        walker.walk(content, made, nested=False)
        # `made` stays alive until the tree is built: walker.links are keyed by id(block),
        # which a block made later (a cut paragraph) must not take over from a dropped one.
        events: list[tuple[int, _Event]] = list(made)
    except RecursionError:  # not expected below _MAX_DEPTH; a file refused, not a crash
        log.warning("%s: tree walk hit the recursion limit", path)
        raise KnowledgeError(wording.HTML_TOO_DEEP) from None
    _release(doc)  # the element tree is read: its memory goes before the sections are made
    del doc, content, title_node

    # Boilerplate scoring unless a docs generator's page marks its content: inside that,
    # trafilatura dropped real docs (changelog items, link lists, code captions, and a
    # "Cookies" section as a cookie notice). A blog's <article> or <main> is still scored:
    # its comments and related links carry no furniture words the tag rule knows.
    main = None if (marked and docs) or not scorable else _scored(markup, path, options.timeout_s)
    del markup
    if main is not None:
        kept = [(line, e) for line, e in events if _is_mark(e) or main.covers(_event_text(e))]
        if any(not _is_mark(e) for _, e in kept):  # else trafilatura read another page
            events = kept
        else:
            main = None

    notes: list[str] = []
    if too_deep:
        if not any(not _is_mark(e) for _, e in events):
            raise KnowledgeError(wording.HTML_TOO_DEEP)
        log.info("%s: %s", path, wording.NOTE_HTML_TOO_DEEP)
        notes.append(wording.NOTE_HTML_TOO_DEEP)
    cut = _cut_junk(events, options.junk_markers)
    if cut is not None:
        events, line, marker = cut
        note = wording.note_junk_cut(line, marker)
        log.info("%s: %s", path, note)
        notes.append(note)

    h1 = next((e.text for _, e in events if isinstance(e, Heading) and e.level == 1), None)
    root = build_sections(events, walker.links)
    if main is not None:
        root = _prune(root, main)
    return DocTree(title=h1 or page_title or None, root=root, source=source, notes=tuple(notes))


# Share of the time limit trafilatura's boilerplate scoring may take. Its fallback (jusText)
# is quadratic in a long run of short blocks: a 70 kB page of headings took 13 s. Past it,
# the page is read whole, as one too big for scoring is.
_SCORING_SHARE = 0.25


def _scored(markup: str, path: str, timeout_s: float) -> MainText | None:
    """main_text() within its share of the time limit; None when that runs out."""
    try:
        with Deadline(timeout_s * _SCORING_SHARE):  # its watchdog interrupts trafilatura
            return main_text(markup, path)
    except ReaderTimeout:
        log.info("%s: boilerplate scoring took too long; reading the whole content area", path)
        return None


def _release(doc: _Node) -> None:
    """Unlink every node from its parent and children: the tree is cycles (children and
    parent point both ways), which refcounting alone never frees; unlinked, a page's
    nodes go at once instead of at some later full garbage collection."""
    stack = [doc]
    while stack:
        node = stack.pop()
        stack.extend(c for c in node.children if isinstance(c, _Node))
        node.children = []
        node.parent = None


class _Events(list[tuple[int, _Event]]):
    """The top-level event list: each event appended takes the links read while it was
    made (blocks nested in it were made into plain lists, so theirs wait for it)."""

    def __init__(self, walker: _Content) -> None:
        super().__init__()
        self.walker = walker

    def append(self, item: tuple[int, _Event]) -> None:
        super().append(item)
        self.walker.take_links(item[1])


def _canonical(doc: _Node) -> str | None:
    for n in doc.elements():
        if n.tag == "link" and "canonical" in n.attrs.get("rel", "").lower().split() and n.attrs.get("href"):
            return n.attrs["href"].strip()
    return None


def _is_mark(event: _Event) -> bool:
    """A heading or a section's end: where sections begin and end, no content."""
    return isinstance(event, (Heading, SectionEnd))


def _event_text(event: _Event) -> str:
    if isinstance(event, Heading):
        return event.text
    if isinstance(event, SectionEnd):
        return ""
    if isinstance(event, Paragraph):
        return inline.to_plain(event.md)
    if isinstance(event, Code):
        return event.text
    if isinstance(event, Table):
        return " ".join(inline.to_plain(c) for row in (event.header, *event.rows) for c in row)
    if isinstance(event, ListBlock):
        return " ".join(_event_text(b) for item in event.items for b in item)
    if isinstance(event, Admonition):
        return " ".join([inline.to_plain(event.title or ""), *(_event_text(b) for b in event.blocks)])
    return " ".join(_event_text(b) for b in event.blocks)


def _cut_junk(
    events: list[tuple[int, _Event]], markers: tuple[str, ...]
) -> tuple[list[tuple[int, _Event]], int, str] | None:
    """Events up to the first junk marker in the second half of the page's text, the source
    line of the cut and the marker; None when there is none. Text before the marker in the
    paragraph it stands in stays (as plain text)."""
    texts = [_event_text(e) for _, e in events]
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    found = find_junk("\n".join(texts), markers)
    if found is None:
        return None
    at, marker = found
    i = max(k for k, s in enumerate(starts) if s <= at)
    line, event = events[i]
    kept = events[:i]
    before = texts[i][: at - starts[i]]
    if isinstance(event, Paragraph) and any(ch.isalnum() for ch in before):
        kept.append((line, Paragraph(md=inline.escape(fold_spaces(before)))))
    return kept, line, marker


def _prune(section: Section, main: MainText) -> Section:
    """Without the sections that boilerplate filtering emptied ("Comments (3)" once its
    comments are gone); a heading trafilatura kept stays even when nothing is under it."""
    children = tuple(
        c for c in (_prune(c, main) for c in section.children) if c.blocks or c.children or main.covers(c.heading)
    )
    return replace(section, children=children)
