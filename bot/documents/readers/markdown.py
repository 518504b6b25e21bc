"""Markdown (CommonMark + tables, MkDocs/Hugo/Jekyll flavours) to a document tree.

markdown-it-py parses CommonMark exactly (fences with blank lines, lazy continuation, nested
lists, setext headings, reference links) where a line splitter cannot; mdit-py-plugins add
the extensions documentation sites use: `!!! note "Title"` / `??? tip` admonitions, `:::`
containers, footnotes and definition lists. Site-generator syntax no parser knows (front
matter, shortcodes, mkdocstrings) is taken out first by `_markdown_source`.

What is kept and dropped:
- headings make the Section tree (the first heading, when it is an H1 and there is no other
  front-matter title, is the title and its content the root section; a
  trailing `{#id}` / `{: #id}` becomes the anchor); headings inside boxes, lists or quotes
  read as bold paragraphs;
- paragraphs, lists, tables, quotes, code, admonitions/containers (and GitHub `> [!NOTE]`
  alerts) become blocks; content tabs (MkDocs `=== "Tab"`, Hugo `{{< tab >}}`) become a
  bold label paragraph followed by the tab's blocks; definition lists become lists of "**term** — definition";
- footnotes become a final paragraph "[label] text" each, at the end of the section whose
  lines hold the definition;
- dropped: HTML blocks (but a `<details>` box's `<summary>` label stays, bold) and inline
  HTML (comments too), images (an image-only paragraph goes
  altogether), link targets and reference definitions, thematic breaks, tables of contents
  (`[TOC]`, `[[_TOC_]]`, `{:toc}`), kramdown attribute lines (`{: .class}`).
- MyST (Sphinx's Markdown; read as such only in a file that writes its syntax, so a "%" line
  elsewhere stays text): `{role}`text`` reads as Sphinx shows it (code roles as code,
  `{ref}` a link to its label), a `(label)=` target names the section it precedes, `%` lines
  are comments, and ```` ```{directive} ```` / `:::{directive}` fences read as the RST reader
  reads that directive (bot/documents/sphinx.py): boxes and version notes as boxes with a
  Markdown body, tabs and cards unboxed behind their label, code-blocks as code,
  literalinclude as the part of the file its options pick (documents/literalinclude.py, when
  the loader may open the file), autodoc with content as an object description, toctree,
  contents and autodoc without content dropped, any other name kept as code, as before.
  A `{ref}` or `{doc}` without a title shows the title of the section or page it names, as
  the RST reader's do: from this file's targets or every file's (documents/reftitles.py);
  so does a link without text (`[](#label)`, `[](../usage.md)`, `<project:#label>`), else
  its destination, as MyST-Parser shows it (its "implicit text").

Bounded: the parse checks `options.timeout_s` at every block and every few paragraphs of
inline parsing, and a watchdog interrupts a single step that runs away (see deadline.py);
the pre-pass's patterns are length-bounded so no regular expression runs away; files over
`_CHUNK_CHARS` are parsed in pieces (split before top-level headings, between the rows of
a long table, before a first-column paragraph of a long stretch without headings; see
`_chunks`) so the token list, about 25 times the text's size (hundreds of times for a
table of short cells), never exists for the whole file at once; text markdown-it drops at
its nesting limit is noted; link
reference labels are collected from the whole text first so a piece can use a later one; a
`[` no `]` closes is not tried as a link label (see _unclosed_brackets); a file whose tables
hold over _MAX_TABLE_CELLS cells is refused before they are built (see _bounded_table).
Linear but slow, and left so (cProfile's count of Python calls per character, flat from 20 to
80 kB; seconds for 900 kB on a busy 2-core box): `**x` repeated ~24 calls/char (15 s),
`[a](` ~38 (88 and 23 s before _link_destination: each `[` scans ~130 characters of
destination up to markdown-it's 32-bracket limit), nested `[`/`]` ~86 (4 s per 80 kB), a table of short cells ~18-24.
"""

from __future__ import annotations

import bisect
import dataclasses
import html
import logging
import re
import types
import urllib.parse
from collections.abc import Callable, Iterator, Sequence

from markdown_it import MarkdownIt, helpers
from markdown_it.common.html_re import HTML_TAG_RE
from markdown_it.common.utils import normalizeReference, unescapeAll
from markdown_it.helpers import parseLinkDestination
from markdown_it.helpers.parse_link_destination import _Result
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.autolink import AUTOLINK_RE, EMAIL_RE
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

from ...errors import KnowledgeError
from ...rendering import errors as wording
from .. import literalinclude, reftitles, sphinx
from ..deadline import Deadline
from ..decode import decode_text
from ..inline import code_span, escape, to_plain
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
from ..treebuild import OpenSection, term_item
from ..urls import LABEL_REF, linkable_href
from ._markdown_source import prepare

# A private rule of the plugin: should an upgrade move it, colon code fences read as boxes again.
colon_fence_rule: Callable[[StateBlock, int, int, bool], bool] | None
try:
    from mdit_py_plugins.colon_fence import _rule as colon_fence_rule
except ImportError:  # pragma: no cover - depends on the installed plugin
    colon_fence_rule = None

log = logging.getLogger(__name__)

_DEADLINE = "_bot_deadline"  # key of the Deadline in markdown-it's env
_KEEP_NOTES = "_bot_keep_notes"  # env key: keep footnotes no reference in this piece uses
_INLINE_CHECK_EVERY = 64  # inline tokens parsed between deadline checks
_UNCLOSED = "_bot_unclosed"  # env key: (inline text, offsets of its `[` no `]` closes)
_UNCLOSED_MIN = 4  # fewer unclosed brackets in a run are left to markdown-it (see _unclosed_brackets)
_CHUNK_CHARS = 1 << 18  # parse files larger than this in pieces (memory, see module doc)
_TABLE_CELLS = "_bot_table_cells"  # env key: [cells of the tables read so far], one list for all pieces
# Table cells a file may have. A cell costs ~50 µs (a dozen tokens) and a short row is
# filled up to the header's width, so a wide header over one-character rows made a 3.8 MB
# file of 1.5 M cells that ran into the time limit; the largest table of the bench sets has 444.
_MAX_TABLE_CELLS = 50_000

# Attribute lists (Python-Markdown attr_list, kramdown): one led by `.class` or `#id`, or
# made only of `.class`, `#id` and `key=value` items (`{ loading=lazy .off-glb }`). A
# placeholder the text means is none: `{name}`, `{env:PATH}`, `${VAR=default}`, f"{x=}",
# `{PATH=/usr/bin}` (an unquoted value is one plain token).
_ATTR_ITEM = r"(?:[.#][\w-]+|[\w-]+=(?:\"[^\"\n]*\"|'[^'\n]*'|[\w.%:-]+))"
_ATTR_BODY = r"(?:[.#][^{}\n]*|" + _ATTR_ITEM + r"(?:\s+" + _ATTR_ITEM + r")*\s*)"
_HEADING_ATTRS = re.compile(r"(?<!\$)\{:?\s*(" + _ATTR_BODY + r")\}\s*$")
_CLOSING_HASHES = re.compile(r"(?:^|\s+)#+\s*$")
_ATTR_ID = re.compile(r"(?:^|\s)#([\w\-.:]+)")
_TOC_MARKERS = frozenset(
    {"[toc]", "[[toc]]", "[[_toc_]]", "[_toc_]", "{:toc}", "toc {:toc}", "${toc}", "{{toc}}", "[[_toc_]] {:toc}"}
)
_KRAMDOWN_IAL = re.compile(r"^\{:[^{}]*\}$")
_GITHUB_ALERT = re.compile(r"^\\\[!(\w+)\\\]\s*")
_SPACES = re.compile(r"[ \t]+")
_CONTAINER_INFO = re.compile(r"^\{?\.?([\w-]+)\}?(?:\[(.*)\])?\s*(.*)$", re.DOTALL)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
# MyST: a directive fence's info ("{note} Title", "{code-block} python") and the options that
# open its body (":class: tip", or a YAML block between "---" lines).
_DIRECTIVE = re.compile(r"^\{([\w][\w:.+-]{0,63})\}\s*(.*)$", re.DOTALL)
_DIRECTIVE_OPTIONS = re.compile(
    r"\A(?:[ \t]*\n)*(?:---[ \t]*\n(?:(?!---)[^\n]*\n){0,50}?---[ \t]*(?:\n|\Z)|(?:[ \t]*:[\w-]+:(?:[ \t][^\n]*)?(?:\n|\Z))+)"
)
# A MyST colon fence's opening line: ":::{code-block} python".
_COLON_DIRECTIVE = re.compile(r":{3,}\{([\w][\w:.+-]{0,63})\}")
_DIRECTIVE_DEPTH = 8  # directives inside directives read as Markdown this deep; deeper, as code
# A MyST file: it writes a directive fence, a target or a Sphinx role somewhere ("{func}`x`";
# "`{wheel}`" or "{dest_dir} {wheel}`" in a shell line is a placeholder, not a role). A
# target's label may name a path ("(syntax/roles)=", as MyST-Parser's own docs write them).
_MYST_SIGNS = re.compile(
    r"^[ \t]{0,3}(?:`{3,}|:{3,})\{(?P<directive>[\w][\w:.+-]{0,63})\}|^[ \t]{0,3}\([\w.:/-]{1,100}\)=[ \t]*$"
    r"|(?<![`\w$])\{(?P<role>[A-Za-z][\w:+-]{0,35})\}`[^`\n]",
    re.MULTILINE,
)
_MYST_ONLY_ROLES = frozenset({"pep", "rfc", "math", "sub", "sup", "abbr"})
# Directives MyST files write that no table in sphinx.py names: code cells, embedded RST, tables.
_MYST_PROSE = frozenset({"margin", "exercise", "solution"})  # the book theme's and sphinx-exercise's
_MYST_DIRECTIVES = (
    frozenset({"code", "code-cell", "eval-rst", "math", "list-table", "csv-table", "table", "literalinclude"})
    | _MYST_PROSE
)
_SHOWN = "bot_shown"  # a myst_role or link_open token's meta key: the title it shows
_DESTINATION = "bot_destination"  # ... a link_open's: the destination it shows, its title unknown
_LABELS = re.compile(
    r"<summary\b[^>]{0,200}>(.{0,2000}?)</summary\s*>"
    r"|<TabItem\b[^>]{0,500}?\blabel=[\"']([^\"'>]{1,200})[\"']",
    re.IGNORECASE | re.DOTALL,
)
_TAG = re.compile(r"<[^<>]{0,500}>")
# MkDocs decorations in running text: icon shortcodes and attribute lists ("{ .md-button }",
# an image's "{ loading=lazy .off-glb }"); they are left as text where nothing takes them.
_DECORATION = re.compile(
    r":(?:material|octicons|fontawesome|simple)-[\w-]+:"
    r"|(?<!\$)\{\s*:?\s*" + _ATTR_BODY + r"\}|\{:[^{}\n]*\}"
)


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    """The file's document tree; KnowledgeError says why it cannot be used."""
    with Deadline(options.timeout_s) as deadline:
        # No name is kept for the decoded text: memory.
        prepared = prepare(decode_text(data), _keeps_code, mdx=path.lower().endswith(".mdx"))
        myst = _is_myst(prepared.text)
        parser = _parser(myst, mdx=prepared.mdx)
        shown = reftitles.Shown(options.ref_titles or {})
        builder = _Builder(
            deadline,
            prepared.title,
            parser,
            mdx=prepared.mdx,
            here=path,
            shown=shown,
            related=options.related,
            myst=myst,
        )
        # A piece may use a link reference defined in a later one: known to all in advance.
        refs = _reference_labels(prepared.text) if len(prepared.text) > _CHUNK_CHARS else {}
        # So may a MyST directive's body, parsed on its own: every note is known to all.
        notes = _footnote_labels(prepared.text) if myst or len(prepared.text) > _CHUNK_CHARS else None
        too_deep = False
        cells = [0]
        for offset, chunk in _chunks(prepared.text):
            env: dict[str, object] = {_DEADLINE: deadline, "references": refs, _TABLE_CELLS: cells}
            if notes is not None:  # the plugin's own state, as if every note were defined here
                env["footnotes"] = {"refs": dict.fromkeys(notes, -1), "list": {}}
                env[_KEEP_NOTES] = True
            tokens = parser.parse(chunk, env)
            too_deep = too_deep or _cut_at_nesting_limit(tokens)
            builder.feed(tokens, offset, env)
            del tokens
        root, h1 = builder.finish()
    title = prepared.title or h1
    if not root.blocks and not root.children:
        if too_deep:
            raise KnowledgeError(wording.MARKDOWN_NESTED_TOO_DEEPLY)
        raise KnowledgeError(wording.MARKDOWN_NO_TEXT)
    if too_deep:
        prepared.notes.append(wording.NOTE_MARKDOWN_TOO_DEEP)
    if prepared.description:
        root = _lead_with(root, prepared.description)
    log.debug("%s: read %d top-level sections", path, len(root.children))
    return DocTree(
        title=title,
        root=root,
        source=prepared.source,
        notes=tuple(prepared.notes),
        label_titles=tuple(shown.own.items()),
        ref_titles=tuple(sorted(shown.used.items())),
    )


# --- the parser ---------------------------------------------------------------------------

_MD_INSTANCES: dict[tuple[bool, bool], MarkdownIt] = {}


def _parser(myst: bool = False, mdx: bool = False) -> MarkdownIt:
    """One configured parser per process and flavour (configuring costs more than a small
    file). MyST's syntax is only read in a MyST file: elsewhere a line starting with "%"
    ("%APPDATA% holds…") is text, not a comment. MDX (a .mdx file, or Markdown that imports
    components as Docusaurus parses it) has no indented code: text indented inside a
    component (<TabItem>) is prose."""
    md = _MD_INSTANCES.get((myst, mdx))
    if md is None:
        md = MarkdownIt("commonmark", {"maxNesting": 20}).enable(["table", "strikethrough"])
        md.use(admon_plugin).use(footnote_plugin).use(deflist_plugin)
        # Any `::: kind Title` is a box; the bare `:::` that closes it never validates.
        md.use(container_plugin, name="box", validate=lambda params, *_: bool(params.strip()))
        # Before it, ":::{code-block}": a fence of code, read as ```{code-block} is in any file.
        md.block.ruler.before(
            "container_box",
            "colon_code_fence",
            _colon_code_fence,
            {"alt": ["paragraph", "reference", "blockquote", "list", "footnote_def"]},
        )
        if myst:
            md.use(myst_role_plugin).use(myst_block_plugin)  # {role}`text`, (label)=, % comments
        md.block.ruler.before("table", "deadline", _block_deadline)
        table = next(r for r in md.block.ruler.__rules__ if r.name == "table")
        md.block.ruler.at("table", _bounded_table(table.fn), {"alt": list(table.alt)})  # still ends a paragraph
        md.core.ruler.at("inline", _inline_with_deadline)
        for name, offset in (("link", 0), ("image", 1), ("footnote_inline", 1)):
            rule = next(r.fn for r in md.inline.ruler.__rules__ if r.name == name)
            md.inline.ruler.at(name, _label_rule(rule, offset))
        md.core.ruler.before("footnote_tail", "keep_notes", _keep_footnotes)
        md.helpers = _HELPERS  # the link and image rules call md.helpers.parseLinkDestination
        if mdx:
            md.disable("code")
            listing = next(r for r in md.block.ruler.__rules__ if r.name == "list")
            md.block.ruler.at("list", _mdx_list(listing.fn), {"alt": list(listing.alt)})
        _MD_INSTANCES[(myst, mdx)] = md
    return md


_DESTINATION_RUN = re.compile(r"[^\x00-\x20\x7f()\\]+")  # what a bare link destination goes over as is


def _link_destination(src: str, pos: int, maximum: int) -> _Result:
    """markdown-it's parseLinkDestination, the same result, stepping over the characters
    it only walks past with one regular expression: its character-by-character loop made
    each `[a](` of a 900 kB line of them scan ~130 characters (to its 32-bracket limit) in
    ~270 Python calls, a third of the line's time."""
    if pos < maximum and src[pos] == "<":
        return parseLinkDestination(src, pos, maximum)
    start, level = pos, 0
    result = _Result()
    while pos < maximum:
        run = _DESTINATION_RUN.match(src, pos, maximum)
        if run is not None:
            pos = run.end()
            if pos >= maximum:
                break
        c = src[pos]
        if c == "\\":
            if pos + 1 < maximum:
                if src[pos + 1] == " ":
                    break
                pos += 2
                continue
        elif c == "(":
            level += 1
            if level > 32:
                return result
        elif c == ")":
            if level == 0:
                break
            level -= 1
        else:  # a space or a control character
            break
        pos += 1
    if start == pos or level != 0:
        return result
    result.str = unescapeAll(src[start:pos])
    result.pos = pos
    result.ok = True
    return result


_HELPERS = types.ModuleType("markdown_it.helpers")  # markdown-it's helpers but that one
_HELPERS.__dict__.update({name: getattr(helpers, name) for name in helpers.__all__})
_HELPERS.parseLinkDestination = _link_destination  # type: ignore[attr-defined]


def _mdx_list(rule: Callable[[StateBlock, int, int, bool], bool]) -> Callable[[StateBlock, int, int, bool], bool]:
    """markdown-it's list rule for MDX. CommonMark reads "    - two" after the item
    "    - one" as the item's text (four spaces past the list's own indent would be code);
    with no indented code, as in MDX, where a component's content is indented, it is the
    next item. The rule's check for that case is skipped by hiding the list's indent."""

    def mdx_list(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        outer = state.listIndent
        if outer >= 0 and state.sCount[start] < state.blkIndent:
            state.listIndent = -1
        try:
            return rule(state, start, end, silent)
        finally:
            state.listIndent = outer

    return mdx_list


def _colon_code_fence(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A MyST colon fence whose directive's body is not prose (":::{code-block} python") taken
    as a fence, its body as written, as its backtick form is; the container rule would parse
    that body as Markdown. A box (":::{note}") is left to the container rule."""
    pos = state.bMarks[start_line] + state.tShift[start_line]
    m = _COLON_DIRECTIVE.match(state.src, pos, state.eMarks[start_line])
    if colon_fence_rule is None or m is None or not _keeps_code(m.group(1).lower()):
        return False
    return bool(colon_fence_rule(state, start_line, end_line, silent))  # a "colon_fence" token


def _cut_at_nesting_limit(tokens: list[Token]) -> bool:
    """Whether markdown-it dropped text at its nesting limit: it stops there without a
    word, leaving a list item or quote opened at the deepest level with nothing in it."""
    deepest = _parser().options["maxNesting"] - 1
    return any(
        tokens[i].nesting == 1 and tokens[i].level >= deepest and tokens[i + 1].nesting == -1
        for i in range(len(tokens) - 1)
    )


def _block_deadline(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """First block rule, tried at every block start: only checks the time, matches nothing."""
    deadline = state.env.get(_DEADLINE)
    if deadline is not None:
        deadline.check()
    return False


def _bounded_table(rule: Callable[[StateBlock, int, int, bool], bool]) -> Callable[[StateBlock, int, int, bool], bool]:
    """markdown-it's table rule, refusing the file (KnowledgeError) before it builds a table
    that takes the file's cells over _MAX_TABLE_CELLS: a table is as wide as its header
    everywhere, however few cells a row writes (markdown-it stops filling short rows
    only after 65,536 empty cells, and that budget starts again in every piece)."""

    def table(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if not rule(state, start_line, end_line, True):
            return False
        if silent:
            return True
        counter = state.env.get(_TABLE_CELLS)
        if isinstance(counter, list):
            counter[0] += _table_cells(state, start_line, end_line)
            if counter[0] > _MAX_TABLE_CELLS:
                raise KnowledgeError(wording.markdown_table_too_big(_MAX_TABLE_CELLS))
        return rule(state, start_line, end_line, False)

    return table


def _table_cells(state: StateBlock, start_line: int, end_line: int) -> int:
    """At most the cells of the table whose header is at start_line: the columns of its
    delimiter row (only `|`, `-`, `:` and spaces, as many as the header's) times its
    lines up to a blank one (a table ends there or sooner)."""
    rule = state.src[state.bMarks[start_line + 1] + state.tShift[start_line + 1] : state.eMarks[start_line + 1]].strip()
    columns = rule.removeprefix("|").removesuffix("|").count("|") + 1
    line = start_line
    while line < end_line and not state.isEmpty(line):
        line += 1
    return columns * (line - start_line)


def _inline_with_deadline(state: StateCore) -> None:
    """markdown-it's own inline phase, with a time check every few inline runs."""
    deadline = state.env.get(_DEADLINE)
    plain = state.md.inline.terminator_re  # the characters any inline rule starts at
    count = 0
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if plain.search(token.content) is None:
                # Plain text (most table cells): markdown-it's text rule would take it whole,
                # as one text token. Parsing it cost ~25 us, a third of a short cell's time.
                if token.content:
                    text = Token("text", "", 0)
                    text.content = token.content
                    token.children.append(text)
            else:
                state.env[_UNCLOSED] = (token.content, _unclosed_brackets(token.content))
                state.md.inline.parse(token.content, state.md, state.env, token.children)
            count += 1
            if deadline is not None and count % _INLINE_CHECK_EVERY == 0:
                deadline.check()


_CODE_RUN = re.compile(r"`+")
_ANGLED = re.compile(r"<([^<>]*)>")


def _unclosed_brackets(src: str) -> frozenset[int]:
    """Offsets of the `[` in an inline run that no later `]` closes, escapes, code spans, HTML
    tags and autolinks left out as markdown-it leaves them out of a link label: when there
    are at least _UNCLOSED_MIN. markdown-it tries each `[` as a link label, and a label that
    never closes walks every token up to the end of the run or until `maxNesting` labels are
    open, so each `[` costs about maxNesting steps (80 for `![`, 40 µs): a run of them took
    ~26 s a 900 kB line. They cannot start a link, so _label_rule fails them at once."""
    if src.count("[") < _UNCLOSED_MIN:
        return frozenset()
    runs: dict[int, list[int]] = {}  # backtick run length -> starts, to find a span's closing run
    for run in _CODE_RUN.finditer(src):
        runs.setdefault(run.end() - run.start(), []).append(run.start())
    opened: list[int] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            j = i
            while j < n and src[j] == "`":
                j += 1
            starts = runs[j - i]
            k = bisect.bisect_left(starts, j)
            i = starts[k] + j - i if k < len(starts) else j  # a code span, or literal backticks
            continue
        if c == "<":
            tag = HTML_TAG_RE.match(src, i) or _ANGLED.match(src, i)
            if tag is not None and (tag.re is HTML_TAG_RE or AUTOLINK_RE.search(tag[1]) or EMAIL_RE.search(tag[1])):
                i = tag.end()
                continue
        if c == "[":
            opened.append(i)
        elif c == "]" and opened:
            opened.pop()
        i += 1
    return frozenset(opened) if len(opened) >= _UNCLOSED_MIN else frozenset()


def _label_rule(rule: Callable[[StateInline, bool], bool], offset: int) -> Callable[[StateInline, bool], bool]:
    """markdown-it's link, image or inline-footnote rule, failing at once at a `[` (`offset`
    characters into the construct) that _unclosed_brackets found no `]` for."""

    def label_rule(state: StateInline, silent: bool) -> bool:
        unclosed = state.env.get(_UNCLOSED)
        if unclosed is not None and unclosed[0] is state.src and state.pos + offset in unclosed[1]:
            return False
        return rule(state, silent)

    return label_rule


_TOP_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TABLE_ROW = re.compile(r"^ {0,3}\|")
_PARAGRAPH_START = re.compile(r"[^\W\d_]")  # a letter in the first column: nothing above goes on
_RAW_HTML = re.compile(r" {0,3}<(pre|script|style|textarea)\b", re.IGNORECASE)  # blocks blank lines do not end
_TABLE_RULE = re.compile(r"^ {0,3}\|(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*$")


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) pieces, split before a top-level ATX heading outside
    fences and `:::` containers, each at least _CHUNK_CHARS long (one piece if small).
    A table longer than that is split between rows too, each piece led by the table's
    header and rule lines: markdown-it makes a few tokens of a few hundred bytes per cell,
    so a big table of short cells would otherwise take hundreds of times its size. Twice
    that long without a heading, a piece ends before a paragraph that starts in the first
    column after a blank line (outside HTML comments and <pre>-like blocks): such a line
    ends every list, quote and indented block above it.
    Lazy, and walking the text by offsets, so only one piece is copied out at a time."""
    if len(text) <= _CHUNK_CHARS:
        yield 0, text
        return
    start = start_line = line_no = pos = 0
    fence: str | None = None
    containers = 0
    lead = ""  # the table header a piece that starts inside a table is led by
    table: str | None = None  # the header and rule lines of the table being walked
    previous = ""  # the line before this one
    comment = False  # inside an HTML comment
    raw: str | None = None  # the end tag of the <pre>-like HTML block being walked
    n = len(text)
    while pos < n:
        end = text.find("\n", pos)
        if end < 0:
            end = n
        line = text[pos:end]
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = None
        elif m:
            fence = m.group(1)
        elif line.startswith(":::"):
            containers = max(containers + (1 if line.strip(": \t") else -1), 0)
        elif pos - start >= _CHUNK_CHARS and containers == 0 and _TOP_HEADING.match(line):
            yield start_line, lead + text[start : pos - 1]
            start, start_line, lead = pos, line_no, ""
        elif table is not None and _TABLE_ROW.match(line):
            if pos - start >= _CHUNK_CHARS and containers == 0:
                yield start_line, lead + text[start : pos - 1]
                start, start_line, lead = pos, line_no - 2, table  # the two lead lines: the last piece's
        elif (
            pos - start >= 2 * _CHUNK_CHARS
            and containers == 0
            and not comment
            and raw is None
            and not previous.strip()
            and _PARAGRAPH_START.match(line)
        ):
            yield start_line, lead + text[start : pos - 1]
            start, start_line, lead = pos, line_no, ""
        if fence is None:
            if comment:
                comment = "-->" not in line or "<!--" in line[line.rfind("-->") :]
            elif "<!--" in line:
                comment = "-->" not in line[line.rfind("<!--") :]
            if raw is not None:
                raw = None if raw in line.lower() else raw
            elif (r := _RAW_HTML.match(line)) and f"</{r.group(1).lower()}" not in line.lower():
                raw = f"</{r.group(1).lower()}"
        if fence is None and table is None and _TABLE_RULE.match(line) and _TABLE_ROW.match(previous):
            table = f"{previous}\n{line}\n"
        elif table is not None and not _TABLE_ROW.match(line):
            table = None
        previous = line
        pos = end + 1
        line_no += 1
    yield start_line, lead + text[start:]


# Not "[^n]:", a footnote (read before references, so never one).
_REFERENCE_DEF = re.compile(r"^ {0,3}\[(?!\^)((?:[^\]\\\n]|\\.){1,999})\]:[ \t]*(?=\S)", re.MULTILINE)


_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]{1,999})\]:", re.MULTILINE)


def _footnote_labels(text: str) -> list[str]:
    """Footnote labels as the footnote plugin keys them, for a file read in pieces."""
    return [":" + m.group(1) for m in _FOOTNOTE_DEF.finditer(text)]


def _keep_footnotes(state: StateCore) -> None:
    """In a file read in pieces, a footnote's reference may be in another piece: list
    every note this piece defines, or footnote_tail drops it as unreferenced."""
    if not state.env.get(_KEEP_NOTES):
        return
    data = state.env.get("footnotes") or {}
    listed = {note.get("label") for note in data.get("list", {}).values()}
    for tok in state.tokens:
        if tok.type == "footnote_reference_open" and tok.meta["label"] not in listed:
            listed.add(tok.meta["label"])
            data["list"][len(data["list"])] = {"label": tok.meta["label"], "count": 0}


def _reference_labels(text: str) -> dict[str, dict[str, str]]:
    """Link reference definitions as markdown-it records them: the label, and the target
    (links.py resolves it; markdown-it keeps the first definition, so must this)."""
    parser = _parser()
    refs: dict[str, dict[str, str]] = {}
    for m in _REFERENCE_DEF.finditer(text):
        dest = parseLinkDestination(text, m.end(), min(len(text), m.end() + 2000))
        href = parser.normalizeLink(dest.str) if dest.ok else ""
        refs.setdefault(normalizeReference(m.group(1)), {"href": href, "title": ""})
    return refs


# --- tokens to the tree -------------------------------------------------------------------


class _Builder:
    """Turns markdown-it's flat token stream into nested sections and blocks."""

    def __init__(
        self,
        deadline: Deadline,
        front_title: str | None,
        parser: MarkdownIt | None = None,
        mdx: bool = False,
        here: str = "",
        shown: reftitles.Shown | None = None,
        related: Callable[[str], str | None] | None = None,
        myst: bool = False,
    ) -> None:
        self.deadline = deadline
        # MyST's `{ref}`/`{doc}` without a title show the title of what they name: this file's
        # labels (`(label)=` over a heading) or every file's (documents/reftitles.py).
        self.here = here
        self.shown = shown or reftitles.Shown({})
        self.myst = myst  # links without text show a title only in a MyST file
        self.related = related  # opens a literalinclude's file (documents/related.py)
        self.mdx = mdx  # a fence's words after its language are its title (Mintlify's code groups)
        self.front_title = front_title
        self.parser = parser or _parser()
        self.env: dict[str, object] = {_DEADLINE: deadline}
        self.labels: list[str] = []  # MyST `(label)=` targets waiting for what they label
        self.directive_depth = 0  # MyST directives being read inside one another
        self.root = OpenSection(heading="", level=0)
        self.stack: list[OpenSection] = [self.root]
        self.starts: list[int] = [0]  # 0-based first line of each section, in order
        self.sections: list[OpenSection] = [self.root]
        self.footnotes: list[tuple[int, Paragraph]] = []
        self.noted: set[str] = set()  # footnote labels kept: a directive's body may list one again
        self.h1: str | None = None
        self.seen_heading = False
        self.offset = 0
        self.steps = 0  # top-level blocks built, for the time checks

    def feed(self, tokens: list[Token], offset: int, env: dict[str, object] | None = None) -> None:
        self.offset = offset
        if env is not None:
            self.env = env
        for label, title in _section_labels(tokens):  # before the text: a reference may come first
            self.shown.own.setdefault(label, title)
        self._show_titles(tokens)
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            if tok.type == "heading_open":
                self._heading(tok, tokens[i + 1])
                i += 3
            elif tok.type == "footnote_block_open":
                i = self._footnotes(tokens, i + 1)
            elif tok.type == "myst_target":
                self.labels.append(tok.content.strip())
                i += 1
            else:
                start = i
                self._label_here()
                block, i = self._block(tokens, i)
                if block is not None:
                    _add(self.stack[-1].blocks, block)
                    _links(tokens, start, i, self.stack[-1].links)
            self.steps += 1
            if self.steps % 64 == 0:
                self.deadline.check()

    def _show_titles(self, tokens: Sequence[Token]) -> None:
        """Marks each `{ref}` and `{doc}` without a title of its own among the tokens (and the
        inline runs they hold) with the title it shows, when that is known; and gives each
        link without text (`[](#label)`, `<project:#label>`) the text MyST shows."""
        for i, tok in enumerate(tokens):
            if tok.type == "inline" and tok.children and _may_refer(tok.content):
                self._show_titles(tok.children)
            elif tok.type == "link_open" and self.myst and i + 1 < len(tokens):
                self._implicit_text(tok, tokens[i + 1])
            elif tok.type == "myst_role":
                key = reftitles.untitled_key(self.here, str(tok.meta.get("name", "")), tok.content)
                title = self.shown.title(key) if key else None
                if title:
                    tok.meta[_SHOWN] = title

    def _implicit_text(self, link: Token, after: Token) -> None:
        """A link written without text, or a `project:` autolink, shows the title of what it
        names, else its destination (MyST-Parser: "the link text will be the destination
        itself")."""
        href = urllib.parse.unquote(str(link.attrGet("href") or ""))
        if link.markup == "autolink":
            if after.type == "text" and href.startswith("project:"):
                title = self.shown.first(reftitles.link_keys(self.here, href))
                after.content = title or reftitles.link_destination(href)
        elif after.type == "link_close" and href:
            title = self.shown.first(reftitles.link_keys(self.here, href))
            link.meta[_SHOWN if title else _DESTINATION] = title or reftitles.link_destination(href)

    def _label_here(self) -> None:
        """Targets before a paragraph (not a heading) name the section that holds it, as
        links to them land there."""
        if self.labels:
            sec = self.stack[-1]
            sec.labels = (*sec.labels, *self.labels)
            self.labels.clear()

    def finish(self) -> tuple[Section, str | None]:
        self._label_here()
        for line, para in self.footnotes:
            k = bisect.bisect_right(self.starts, line) - 1
            self.sections[max(k, 0)].blocks.append(para)
        return self.root.freeze(), self.h1

    def _heading(self, tok: Token, inline: Token) -> None:
        text, anchor = _heading_text(inline)
        level = int(tok.tag[1])
        line = (tok.map[0] if tok.map else 0) + self.offset
        if (
            level == 1
            and not self.seen_heading
            and text
            and (self.front_title is None or _same_text(text, self.front_title))
        ):
            self.seen_heading = True
            self.h1 = text
            self._label_here()  # a target before the title names the page
            return  # the title: what follows it belongs to the root section
        self.seen_heading = True
        while self.stack[-1].level >= level:
            self.stack.pop()
        sec = OpenSection(heading=text, level=level, anchor=anchor, line=line + 1, labels=tuple(self.labels))
        self.labels.clear()
        self.stack[-1].children.append(sec)
        self.stack.append(sec)
        self.starts.append(line)
        self.sections.append(sec)

    def _footnotes(self, tokens: list[Token], i: int) -> int:
        """Each footnote as one paragraph "[label] text", remembered with its source line."""
        while i < len(tokens) and tokens[i].type != "footnote_block_close":
            tok = tokens[i]
            if tok.type != "footnote_open":
                i += 1
                continue
            named = tok.meta.get("label")  # None: an inline note (^[text]), shown by its number
            label = str(named if named is not None else tok.meta.get("id", ""))
            body = i + 1
            blocks, i = self._blocks_until(tokens, body, "footnote_close")
            line = next((t.map[0] for t in tokens[body:i] if t.map), 0) + self.offset
            texts = [b.md for b in blocks if isinstance(b, Paragraph)]
            if texts and (named is None or label not in self.noted):
                self.noted.add(label)
                self.footnotes.append((line, Paragraph(f"{escape('[' + label + ']')} {' '.join(texts)}")))
        return i + 1

    def _blocks_until(self, tokens: list[Token], i: int, close: str) -> tuple[list[Block], int]:
        """Blocks from tokens[i] up to the token of type `close`; returns the index after it."""
        out: list[Block] = []
        while i < len(tokens) and tokens[i].type != close:
            if tokens[i].type == "heading_open":
                text, _ = _heading_text(tokens[i + 1])
                if text:
                    out.append(Paragraph(f"**{escape(text)}**"))
                i += 3
                continue
            block, i = self._block(tokens, i)
            if block is not None:
                _add(out, block)
        return out, i + 1

    def _block(self, tokens: list[Token], i: int) -> tuple[Block | None, int]:
        """The block starting at tokens[i] (None when it is dropped) and the index after it."""
        tok = tokens[i]
        kind = tok.type
        if kind == "paragraph_open":
            return _paragraph(tokens[i + 1]), i + 3
        if kind == "myst_target":  # inside a box or a list: it names the section holding that
            self.labels.append(tok.content.strip())
            self._label_here()
            return None, i + 1
        if kind in ("fence", "colon_fence") and (directive := _DIRECTIVE.match(tok.info.strip())):
            line = (tok.map[0] if tok.map else 0) + self.offset
            return self._directive(directive.group(1), directive.group(2).strip(), tok.content, line), i + 1
        if kind in ("fence", "code_block"):
            return _code(tok, self.mdx), i + 1
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self._list(tokens, i)
        if kind == "table_open":
            return _table(tokens, i)
        if kind == "blockquote_open":
            blocks, j = self._blocks_until(tokens, i + 1, "blockquote_close")
            return _quote_or_alert(blocks), j
        if kind == "admonition_open":
            return self._admonition(tokens, i)
        if kind == "container_box_open":
            # "warning Be careful", Docusaurus' "tip[My title]" and "{.note}" all name the kind first.
            m = _CONTAINER_INFO.match(tok.info.strip())
            blocks, j = self._blocks_until(tokens, i + 1, "container_box_close")
            directive = _DIRECTIVE.match(tok.info.strip())
            if directive:  # MyST's colon fence, ":::{note}"
                argument = directive.group(2).strip()
                return _directive_block(directive.group(1), argument, self._inline_text(argument), blocks), j
            box_kind = (m.group(1) if m else "note").lower()
            raw_title = ((m.group(2) or m.group(3)) if m else "").strip()
            title = _title(self._inline_text(raw_title)) or None
            return (Admonition(kind=box_kind, title=title, blocks=tuple(blocks)) if blocks or title else None), j
        if kind == "dl_open":
            return self._deflist(tokens, i)
        if kind == "html_block":
            return _summary(tok.content), i + 1
        # html_block, hr, and anything unknown: dropped, with whatever it encloses.
        return None, _skip(tokens, i)

    def _directive(self, name: str, argument: str, body: str, line: int = 0) -> Block | None:
        """A MyST directive fence (```{note}) at 0-based `line`: code stays code, a box's body
        is Markdown, its footnotes kept like the file's own."""
        key = name.lower()
        options, text = _directive_options(body)
        text = text.strip("\n")
        if key == "literalinclude":
            return self._literalinclude(argument, options)
        if _dropped(key, bool(text.strip())):
            return None
        if key in sphinx.CODE_DIRECTIVES or key in ("code", "code-cell"):
            return Code(text=text, lang=argument.split(None, 1)[0] if argument else "") if text.strip() else None
        if not _reads_as_text(key) or self.directive_depth >= _DIRECTIVE_DEPTH:
            return Code(text=text, lang=key) if text.strip() else None  # as before: its body is shown as written
        self.directive_depth += 1
        offset, self.offset = self.offset, line  # the body's line numbers start at the fence
        try:
            tokens = self.parser.parse(text, self.env)
            self._show_titles(tokens)
            blocks, i = self._blocks_until(tokens, 0, "footnote_block_open")  # the notes come last
            if i <= len(tokens):
                self._footnotes(tokens, i)
            _links(tokens, 0, len(tokens), self.stack[-1].links)
        finally:
            self.directive_depth -= 1
            self.offset = offset
        return _directive_block(name, argument, self._inline_text(argument), blocks)

    def _inline_text(self, raw: str) -> str:
        """Text written on a fence's line ("{admonition} My *title*") as safe Markdown, its
        markup read as a paragraph's is, not shown as asterisks."""
        if not raw:
            return ""
        children: list[Token] = []
        self.parser.inline.parse(raw, self.parser, {}, children)  # its own env: no note or link recorded
        self._show_titles(children)
        return _inline(children)

    def _literalinclude(self, argument: str, options: dict[str, str]) -> Block | None:
        """The part of the named file its options pick (as the RST reader shows it), as code
        in its language under its caption; nothing when the loader may not open the file."""
        text = literalinclude.include(self.related, argument, options)
        if text is None:
            return None
        code = Code(text=text, lang=options.get("language", "").strip() or None)
        caption = self._inline_text(options.get("caption", "").strip())
        return Admonition(kind="tab", title=_title(caption), blocks=(code,)) if caption else code

    def _list(self, tokens: list[Token], i: int) -> tuple[Block | None, int]:
        tok = tokens[i]
        ordered = tok.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        start = int(tok.attrs.get("start", 1)) if ordered else 1
        items: list[tuple[Block, ...]] = []
        i += 1
        while tokens[i].type != close:
            if tokens[i].type == "list_item_open":
                blocks, i = self._blocks_until(tokens, i + 1, "list_item_close")
                if blocks:
                    items.append(tuple(blocks))
            else:
                i = _skip(tokens, i)
        if not items:
            return None, i + 1
        return ListBlock(items=tuple(items), ordered=ordered, start=start), i + 1

    def _admonition(self, tokens: list[Token], i: int) -> tuple[Block | None, int]:
        tok = tokens[i]
        kind = str(tok.meta.get("tag") or "note").lower()
        i += 1
        title: str | None = None
        if tokens[i].type == "admonition_title_open":
            # The plugin invents "Note" when no title is written; only a written one counts.
            params = tok.info.strip().split(None, 1)
            if len(params) > 1 and params[1].strip() not in ('""', "''"):
                title = _inline(tokens[i + 1].children or []) or None
            i += 3
        blocks, i = self._blocks_until(tokens, i, "admonition_close")
        return Admonition(kind=kind, title=title, blocks=tuple(blocks)), i

    def _deflist(self, tokens: list[Token], i: int) -> tuple[Block | None, int]:
        items: list[tuple[Block, ...]] = []
        term = ""
        i += 1
        while tokens[i].type != "dl_close":
            t = tokens[i]
            if t.type == "dt_open":
                term = _inline(tokens[i + 1].children or [])
                i += 3
            elif t.type == "dd_open":
                blocks, i = self._blocks_until(tokens, i + 1, "dd_close")
                item = term_item(term, blocks)
                if item:
                    items.append(item)
            else:
                i = _skip(tokens, i)
        return (ListBlock(items=tuple(items)) if items else None), i + 1


def _may_refer(text: str) -> bool:
    """Whether an inline run may hold a role, a link or a `project:` autolink (most do not)."""
    return "}`" in text or "](" in text or "<project:" in text


def _directive_options(body: str) -> tuple[dict[str, str], str]:
    """The options that open a MyST directive's body (":lines: 1-5" lines, or `key: value`
    lines of a YAML block between "---" lines) and the rest of the body. A flag option
    (":dedent:") has the value ""; a YAML value's quotes are taken off."""
    m = _DIRECTIVE_OPTIONS.match(body)
    if m is None:
        return {}, body
    options: dict[str, str] = {}
    for line in m.group(0).splitlines():
        line = line.strip()
        if line == "---" or not line:
            continue
        if line.startswith(":"):
            name, _, value = line[1:].partition(":")
        else:
            name, _, value = line.partition(":")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        options.setdefault(name.strip().lower(), value)
    return options, body[m.end() :]


def _is_myst(text: str) -> bool:
    """Whether the file is MyST Markdown (then its roles, targets and comments are read)."""
    for m in _MYST_SIGNS.finditer(text):
        role, directive = m.group("role"), m.group("directive")
        if directive is not None:
            # A known directive, or one in a domain ("{py:function}"): "```{python}" is
            # Quarto's or R Markdown's code fence, not MyST.
            if _is_directive(directive.lower()):
                return True
            continue
        if role is None:
            return True
        name = role.lower()
        if name in _MYST_ONLY_ROLES or name in sphinx.TEXT_ROLES or sphinx.role_is_code(name):
            return True
    return False


def _is_directive(name: str) -> bool:
    """Whether a fence's "{name}" is a Sphinx or MyST directive (so the file is MyST)."""
    return (
        ":" in name
        or _reads_as_text(name)
        or name in sphinx.CODE_DIRECTIVES
        or name in sphinx.DROP_DIRECTIVES
        or name in _MYST_DIRECTIVES
    )


# Colon fences whose body is code (or raw input), kept as written. MyST recommends colon
# fences for directives whose body is Markdown, so an unknown name (`:::{div}`,
# `:::{prf:theorem}`) stays prose, unlike an unknown backtick fence.
_COLON_VERBATIM = frozenset({"code", "code-cell", "literalinclude", "math", "mermaid", "graphviz", "raw", "eval-rst"})


def _keeps_code(name: str) -> bool:
    """Whether a `:::{name}` colon fence's body is kept as written (code, or dropped whole),
    not parsed as Markdown: the pre-pass and the parser both ask."""
    known = name in sphinx.CODE_DIRECTIVES or name in sphinx.DROP_DIRECTIVES or name in _COLON_VERBATIM
    return known and not _reads_as_text(name)


def _reads_as_text(name: str) -> bool:
    """Whether a directive's body is prose to read as Markdown (a box, a version note, a tab,
    a card, an API description); other names keep their body as a code block."""
    short = name.rsplit(":", 1)[-1]
    return (
        name in sphinx.ADMONITIONS
        or name in sphinx.VERSION_TITLES
        or name in sphinx.BOX_DIRECTIVES
        or name in sphinx.BODY_DIRECTIVES
        or name in sphinx.CONTENT_DIRECTIVES
        or name in ("figure", "topic", "sidebar", "rubric", "epigraph", "container")
        or name in _MYST_PROSE
        or short in sphinx.OBJECT_TYPES
        or short in sphinx.AUTODOC_DIRECTIVES  # with content (_dropped)
    )


def _dropped(name: str, content: bool) -> bool:
    """Whether a directive shows nothing: navigation, settings, autodoc without content (its
    docstring is not in the source; what is written under it is, and Sphinx shows it after
    the docstring, as an object description)."""
    short = name.rsplit(":", 1)[-1]
    if short in sphinx.AUTODOC_DIRECTIVES:
        return not content
    return name in sphinx.DROP_DIRECTIVES or short in sphinx.DROP_DIRECTIVES


def _directive_block(name: str, argument: str, arg: str, blocks: list[Block]) -> Block | None:
    """What a MyST directive becomes, once its body is blocks (as the RST reader reads the
    same directive, bot/documents/sphinx.py): a box, a version note titled as Sphinx titles it,
    a tab or card unboxed behind its label, or its body alone. `arg`: the argument as safe
    Markdown, its markup read."""
    key = name.lower()
    short = key.rsplit(":", 1)[-1]
    title = _title(arg)
    if _dropped(key, bool(blocks)):
        return None
    if key in sphinx.VERSION_TITLES:
        version = argument.partition(" ")[0]
        rest = arg.partition(" ")[2].strip()  # a version has no markup: "4.0 The *tuple* form"
        body = [Paragraph(rest), *blocks] if rest else blocks
        version_title = escape(f"{sphinx.VERSION_TITLES[key]} {version}".strip())
        return Admonition(kind="note", title=version_title, blocks=tuple(body))
    if key == "admonition" or key in sphinx.BOX_DIRECTIVES:
        box_title = title or escape(sphinx.BOX_DIRECTIVES.get(key, "")) or None
        return Admonition(kind="note", title=box_title, blocks=tuple(blocks)) if blocks or box_title else None
    if key in sphinx.ADMONITIONS:
        body = [Paragraph(arg), *blocks] if arg else blocks  # "```{note} Text": the text is its body
        return Admonition(kind=key, title=None, blocks=tuple(body)) if body else None
    if (short in sphinx.OBJECT_TYPES or short in sphinx.AUTODOC_DIRECTIVES) and argument:
        return Admonition(kind="tab", title=code_span(argument), blocks=tuple(blocks))
    if key in sphinx.CONTENT_DIRECTIVES or key == "figure":  # the argument is a condition or an image
        return Admonition(kind="tab", title=None, blocks=tuple(blocks)) if blocks else None
    # tab-item, card, dropdown, topic, …: their label leads their body, like a content tab.
    return Admonition(kind="tab", title=title or None, blocks=tuple(blocks)) if blocks or title else None


def _title(md: str) -> str:
    """A box's title or a tab's label as plain text (safe Markdown), as a heading is: it is
    shown in bold, where emphasis or code inside would not read as such."""
    return escape(to_plain(md)) if md else ""


def _add(blocks: list[Block], block: Block) -> None:
    """A block appended; a content tab (one of several alternatives, often a whole how-to)
    is no box: its label leads its blocks, so long tabs can be split like any prose."""
    if isinstance(block, Admonition) and block.kind == "tab":
        if block.title:
            blocks.append(Paragraph(f"**{block.title}**"))
        blocks.extend(block.blocks)
    else:
        blocks.append(block)


def _lead_with(root: Section, description: str) -> Section:
    """The page's front-matter description leads what comes before its first heading (or is
    all of it), as sites show it under the title; it adds nothing when the first paragraph
    already says it (authors often copy one into the other). It only leads: a page of
    front matter alone still has no text."""
    first = next((b for b in root.blocks if isinstance(b, Paragraph)), None)
    if (
        first is not None
        and " ".join(description.split()).casefold() in " ".join(to_plain(first.md).split()).casefold()
    ):
        return root
    return dataclasses.replace(root, blocks=(Paragraph(escape(description)), *root.blocks))


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _skip(tokens: Sequence[Token], i: int) -> int:
    """Index after the token at i and, if it opens something, after its matching close."""
    depth: int = tokens[i].nesting
    i += 1
    while depth > 0 and i < len(tokens):
        depth += tokens[i].nesting
        i += 1
    return i


def _section_labels(tokens: Sequence[Token]) -> Iterator[tuple[str, str]]:
    """(label, heading text) of each MyST target `(label)=` right before a heading (past other
    targets), as Sphinx names a section by it: the section _Builder gives those labels. A
    target before anything else names no section."""
    pending: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.level != 0 or tok.nesting < 0:
            continue
        if tok.type == "myst_target":
            pending.append(reftitles.label_key(tok.content.strip()))
        elif tok.type == "heading_open" and pending:
            text, _ = _heading_text(tokens[i + 1])
            if text:
                yield from ((label, text) for label in pending)
            pending = []
        elif tok.type != "footnote_block_open":
            pending = []


def _heading_text(inline: Token) -> tuple[str, str | None]:
    """Plain heading text and the id of a trailing `{#id}` attribute block, if any."""
    anchor = None
    text = to_plain(_inline(inline.children or []))
    m = _HEADING_ATTRS.search(inline.content)  # raw source: attribute blocks are not text
    if m:
        id_m = _ATTR_ID.search(m.group(1))
        anchor = id_m.group(1) if id_m else None
        # `## 1.18.0 - 2026-08-11 ## {: #v1.18.0 }`: before the block, the closing hashes are
        # not at the line's end, so markdown-it keeps them as text; MkDocs drops them.
        text = _CLOSING_HASHES.sub("", text)
    return text, anchor


def _summary(html_text: str) -> Paragraph | None:
    """HTML is dropped, except visible labels of what holds Markdown: a `<details>` box's
    `<summary>` (FAQ pages put their questions there) and an MDX `<TabItem label="…">`."""
    labels = []
    for m in _LABELS.finditer(html_text):
        label = " ".join(html.unescape(_TAG.sub(" ", m.group(1) or m.group(2) or "")).split())
        if label:
            labels.append(f"**{escape(label)}**")
    return Paragraph(" ".join(labels)) if labels else None


def _paragraph(inline: Token) -> Paragraph | None:
    md = _inline(_without_box_markers(inline.children or []))
    if not md:
        return None  # only images, HTML or removed shortcodes
    raw = " ".join(inline.content.split())
    if raw.lower() in _TOC_MARKERS or _KRAMDOWN_IAL.match(raw):
        return None
    return Paragraph(md)


def _without_box_markers(children: list[Token]) -> list[Token]:
    """A paragraph's inline tokens without lines that are a container's closing marker: one
    outside its container is text (a box opened in a list item or a quote and closed after it
    ended, "- <Note>" … "</Note>" at the margin), lazily continuing the paragraph above."""
    if not any(t.type == "text" and len(t.content) >= 4 and not t.content.strip(": ") for t in children):
        return children
    out: list[Token] = []
    for k, t in enumerate(children):
        breaks = (
            k == 0 or children[k - 1].type == "softbreak",
            k + 1 == len(children) or children[k + 1].type == "softbreak",
        )
        if t.type == "text" and len(t.content.strip()) >= 4 and not t.content.strip(": ") and all(breaks):
            if out and out[-1].type == "softbreak":
                out.pop()
            continue
        out.append(t)
    return out


# A fence's title: `title=` (Docusaurus, Expressive Code, rehype-pretty-code) or Nextra's
# `filename=`.
_FENCE_TITLE = re.compile(r"""\b(?:title|filename)=(?:"([^"]{1,200})"|'([^']{1,200})'|(\S{1,200}))""")
# What else a fence's meta may hold besides MDX's title words: line ranges ({1,3}), options
# (key=value), text and word markers ('text' / "text" / /word/ in Expressive Code and
# rehype-pretty-code, Starlight's and Nextra's highlighters) and the flags those, Docusaurus
# and Mintlify document.
_FENCE_META = re.compile(
    r"""\{[^}]{0,200}\}|[\w-]+=(?:"[^"]*"|'[^']*'|\{[^}]{0,200}\}|\S*)|"[^"]*"|'[^']*'"""
    r"|(?<!\S)/[^/\s]{1,200}/[\d,-]*(?!\S)"
    r"|(?<!\S)(?:showLineNumbers|copy|npm2yarn|twoslash|wrap|lines|expandable)(?!\S)"
)


def _code(tok: Token, mdx: bool = False) -> Block | None:
    """A fence or indented code; a fence's title (`title="jest.config.js"`, or in MDX the
    words after the language, "bash npm") leads it as a label, as the page shows it."""
    text = tok.content.removesuffix("\n")
    if not text.strip():
        return None
    info = tok.info.strip() if tok.type == "fence" else ""
    # "python title='x'", "{.python}", "{python}" all name the language first.
    lang, meta = (info.split(None, 1) + [""])[:2] if info else ("", "")
    code = Code(text=text, lang=lang.strip("{}.").split(",")[0] or None)
    m = _FENCE_TITLE.search(meta)
    title = (
        next((g for g in m.groups() if g), "") if m else (" ".join(_FENCE_META.sub(" ", meta).split()) if mdx else "")
    )
    return Admonition(kind="tab", title=escape(title), blocks=(code,)) if title else code


def _table(tokens: list[Token], i: int) -> tuple[Block | None, int]:
    header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = []
    in_head = False
    cells: list[str] = []
    i += 1
    while tokens[i].type != "table_close":
        t = tokens[i].type
        if t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            cells = []
        elif t in ("th_open", "td_open"):
            cells.append(_inline(tokens[i + 1].children or []).replace("\n", " "))  # one line
            i += 2  # the inline and the close
        elif t == "tr_close":
            if in_head:
                header = tuple(cells)
            else:
                rows.append(tuple(cells))
        i += 1
    if not rows and not any(header):
        return None, i + 1
    return Table(header=header, rows=tuple(rows)), i + 1


def _quote_or_alert(blocks: list[Block]) -> Block | None:
    """A block quote; GitHub's `> [!NOTE]` alert reads as the admonition it is."""
    if not blocks:
        return None
    first = blocks[0]
    if isinstance(first, Paragraph):
        m = _GITHUB_ALERT.match(first.md)
        if m:
            rest = first.md[m.end() :].strip()
            body = ([Paragraph(rest)] if rest else []) + blocks[1:]
            return Admonition(kind=m.group(1).lower(), title=None, blocks=tuple(body))
    return Quote(blocks=tuple(blocks))


def _links(tokens: Sequence[Token], start: int, end: int, out: list[tuple[str, str]]) -> None:
    """(href, plain link text) of every link to a place in the documentation in
    tokens[start:end] (a block and all it holds)."""
    for tok in tokens[start:end]:
        if tok.type != "inline" or not tok.children or ("[" not in tok.content and "}`" not in tok.content):
            continue  # no link without a bracket or a role: most inline runs are passed over at once
        href: str | None = None
        text: list[str] = []
        for child in tok.children:
            if child.type == "myst_role":
                # {ref}`Title <label>`: a link to the section a label names, on any page.
                name = str(child.meta.get("name", ""))
                label = sphinx.ref_label(name, child.content)
                if label:
                    out.append(
                        (LABEL_REF + label, str(child.meta.get(_SHOWN) or sphinx.role_text(name, child.content)))
                    )
            elif child.type == "link_open":
                href, text = str(child.attrGet("href") or ""), [str(child.meta.get(_SHOWN) or "")]
            elif child.type == "link_close":
                label = " ".join("".join(text).split())
                if href is not None and label and linkable_href(href):
                    out.append((href, label))
                href = None
            elif href is not None and child.type in ("text", "code_inline"):
                text.append(child.content)
            elif href is not None and child.type == "softbreak":
                text.append(" ")


# rehype-pretty-code's (Nextra's) language for inline code, "`search: false{:js}`", or the
# token colour it takes ("{:.string}"); shown highlighted, never as written.
_INLINE_CODE_LANG = re.compile(r"(?<=\S)\{:\.?[\w+#-]{1,30}\}$")


def _inline(children: Sequence[Token]) -> str:
    """Inline tokens as safe Markdown (see model.py): text escaped, emphasis and code kept,
    link text without its target, images and HTML dropped."""
    out: list[str] = []
    for tok in children:
        t = tok.type
        if t == "text":
            out.append(escape(_DECORATION.sub("", tok.content)))
        elif t == "code_inline":
            out.append(code_span(_INLINE_CODE_LANG.sub("", tok.content)))
        elif t == "softbreak":
            out.append(" ")
        elif t == "hardbreak":
            out.append("\n")
        elif t in ("strong_open", "strong_close"):
            out.append("**")
        elif t in ("em_open", "em_close"):
            out.append("*")
        elif t == "footnote_ref":
            out.append(escape(f"[{tok.meta.get('label', tok.meta.get('id', ''))}]"))
        elif t == "myst_role":
            name = str(tok.meta.get("name", ""))
            shown = str(tok.meta.get(_SHOWN) or sphinx.role_text(name, tok.content))
            out.append(code_span(shown) if sphinx.role_is_code(name) else escape(shown))
        elif t == "html_inline":
            if _BR.match(tok.content):
                out.append("\n")  # <br> is a line break, not nothing
        elif t == "link_open" and (tok.meta.get(_SHOWN) or tok.meta.get(_DESTINATION)):
            # a link without text: MyST's implicit text
            out.append(escape(str(tok.meta.get(_SHOWN) or tok.meta[_DESTINATION])))
        elif t in ("link_open", "link_close", "image", "s_open", "s_close"):
            continue
        elif tok.children:
            out.append(_inline(tok.children))
        elif tok.content and tok.nesting == 0:
            out.append(escape(tok.content))
    md = "".join(out)
    # Emphasis around something dropped (a bold image) leaves bare markers behind.
    md = md.replace("****", "")
    md = "\n".join(_SPACES.sub(" ", ln).strip() for ln in md.split("\n"))
    return md.strip()
