"""AsciiDoc (.adoc, .asciidoc): git's Documentation, Asciidoctor's and Antora sites' pages.

A line-based reader of what real pages use (the AsciiDoc Language documentation,
docs.asciidoctor.org/asciidoc/latest): no maintained pure-Python parser exists (asciidoc-py is
the legacy toolchain, asciidoctrine an alpha), and the format is line-oriented by design.

- Header: the document title (`= Title`, or a title underlined by `=` as git's pages write it),
  then author/revision lines and `:name: value` attribute entries up to a blank line. An
  attribute entry anywhere sets the attribute; `{name}` shows its value (unknown ones stay as
  written, the built-in character references such as `{nbsp}` become their character).
- Preprocessor: `include::path[]` reads the file through ReadOptions.related (`tag=`/`tags=`
  keep the tagged lines; an Antora resource ID `partial$x.adoc` names a file of the page's
  component, documents/antora.py), or is left out with a note; the component's antora.yml
  attributes are set first; `ifdef::`/`ifndef::`/`ifeval::`/`endif::`
  lines are dropped, their content kept; `//` comment lines are dropped.
- Sections: `==` .. `======` (and Markdown's `##`), or a title over an underline of `-` `~` `^`
  `+` within one character of its length (git's "NAME" over "----"). Inside a delimited block
  a heading is a bold paragraph (sections cannot nest there).
- Blocks: paragraphs (to a blank line, a delimiter or a block attribute line), lines set in
  (a literal paragraph: code), `*`/`-` and `.` lists nested by marker, description lists
  (`term::`, `:::`, `::::`, `;;`; terms in a row share one description, as git lists an
  option's spellings), `+` list continuations, delimited blocks `----` listing, `....` literal,
  ```` ``` ```` fences, `====` example, `****` sidebar, `____` quote, `--` open, `|===` tables,
  `++++` passthrough and `////` comments (both dropped), admonitions (`NOTE: text`, `[TIP]`
  over a paragraph or a `====` block). A block attribute line (`[source,python]`, `[NOTE]`,
  `[quote]`, `[%header]`) shapes the block after it; a `.Title` line labels it (a bold
  paragraph before it, or an admonition's title); `[[id]]`/`[#id]` over a heading is its anchor.
- Inline: `*bold*`/`_em_` kept as safe Markdown, `` `mono` `` as code, other marks (`#mark#`,
  `^sup^`, `~sub~`, `+literal+`) dropped; URL, `link:`, `xref:` macros and `<<id,text>>` show
  their text; `image:` its alt text; any other macro (`kbd:[..]`, git's `linkgit:git-add[1]`)
  its target and text.

Every scan is one pass over the lines; a delimited block's content is read again only as its
own blocks, at most _MAX_DEPTH levels deep. Regexes are bounded and anchored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ...errors import KnowledgeError
from ...rendering import errors as wording
from .. import antora, inline
from ..deadline import Deadline
from ..decode import decode_text
from ..model import Admonition, Block, Code, DocTree, ListBlock, Paragraph, Quote, ReadOptions, Table
from ..outline import Heading, build_sections
from ..treebuild import term_item

log = logging.getLogger(__name__)

_MAX_DEPTH = 8  # nested delimited blocks and lists
_MAX_INCLUDE_DEPTH = 4  # Asciidoctor's default max-include-depth is 64; docs nest 2 or 3
_ADMONITIONS = ("NOTE", "TIP", "IMPORTANT", "CAUTION", "WARNING")
_CHECK_EVERY = 512  # lines between deadline checks
_MAX_ATTRIBUTE = 10_000  # characters of one attribute's value
_MAX_SUBSTITUTED = 2_000_000  # characters attribute references may add to one page
_TERM_MARKS = ("::", ":::", "::::", ";;")

_ATTR_ENTRY = re.compile(r":(!?[A-Za-z0-9_][\w-]{0,80}!?):(?:[ \t]+(.*))?")
_HEADING = re.compile(r"(={1,6}|#{1,6})[ \t]+(\S.*)")
_SETEXT_LEVELS = {"=": 0, "-": 1, "~": 2, "^": 3, "+": 4}
_INCLUDE = re.compile(r"include::([^\[\s][^\[]{0,500})\[([^\]\n]{0,500})\][ \t]*")
_CONDITIONAL = re.compile(r"(?:ifn?def|ifeval|endif)::[^\[\n]{0,500}\[([^\]\n]{0,500})\][ \t]*")
_TAG_MARK = re.compile(r"\b(?:tag|end)::[\w-]{1,100}\[\]")
_ANCHOR_LINE = re.compile(r"\[\[([A-Za-z_:][\w:.-]{0,200})(?:,[^\]\n]{0,200})?\]\][ \t]*")
_ATTR_LINE = re.compile(r"\[([^\[\]\n]{0,500})\][ \t]*")
_BLOCK_TITLE = re.compile(r"\.([^ \t.].*)")
_LIST_ITEM = re.compile(r"[ \t]*(\*{1,5}|-|\.{1,5}|\d{1,9}\.|[a-zA-Z]\.|[ivxIVX]{1,6}\))[ \t]+(\S.*)")
_CHECKBOX = re.compile(r"\[[ xX*]\][ \t]+")
_ADMONITION_PARA = re.compile(r"(NOTE|TIP|IMPORTANT|CAUTION|WARNING):[ \t]+(.*)")
_BLOCK_MACRO = re.compile(r"[a-z][\w-]{0,30}::[^\[\s]{0,500}\[[^\n]{0,1000}\][ \t]*")
_FENCE = re.compile(r"```[ \t]*([\w+#.-]{0,40})[ \t]*")
_DELIMS = {"-": "listing", ".": "literal", "=": "example", "*": "sidebar", "_": "quote", "+": "pass", "/": "comment"}
_TABLE_OPEN = re.compile(r"([|,:!])={3,}[ \t]*")
_CELL_SPEC = re.compile(r"(?:\d+[*+])?(?:\d+(?:\.\d+)?\+)?[<^>]?(?:\.[<^>])?[adehlmsv]?")
_COLS_REPEAT = re.compile(r"(\d{1,3})\*")

# Inline markup.
_ATTR_REF = re.compile(r"(\\?)\{([A-Za-z0-9_][\w-]{0,80})\}")
_CHAR_REFS = {
    "nbsp": "\u00a0", "sp": " ", "empty": "", "zwsp": "", "plus": "+", "amp": "&", "lt": "<",
    "gt": ">", "startsb": "[", "endsb": "]", "vbar": "|", "caret": "^", "asterisk": "*",
    "tilde": "~", "apos": "'", "apostrophe": "'", "backslash": "\\", "backtick": "`",
    "two-colons": "::", "two-semicolons": ";;", "quot": '"', "cpp": "C++", "pp": "++",
    "deg": "°", "ldquo": "“", "rdquo": "”", "lsquo": "‘", "rsquo": "’", "brvbar": "¦",
}  # fmt: skip
# Asciidoctor's order: passthroughs are taken out first (their text is literal), then
# macros (their text may hold code spans: xref:cli:index.adoc[`asciidoctor`]), then code
# spans and emphasis.
_PASSTHROUGH = re.compile(
    r"(?<![\w`])`\+(?P<ctext>[^\n]{1,500}?)\+`(?![\w`])"
    r"|\+\+\+(?P<p3>[^\n]{1,500}?)\+\+\+|\+\+(?P<p2>[^\n]{1,500}?)\+\+"
    r"|(?<![\w+])\+(?P<p1>[^+\s](?:[^+\n]{0,500}?[^+\s])?)\+(?![\w+])"
    r"|pass:[a-z,]{0,20}\[(?P<pm>[^\]\n]{0,500})\]"
)
_CODE = re.compile(r"(?<![\w`])`([^`\n]{1,500}?)`(?![\w`])")
_ID_ATTR = re.compile(r"\[[^\]#\n]{0,200}#([A-Za-z_][\w:.-]{0,200})")
_INLINE_ANCHOR = re.compile(r"\[\[\[?[A-Za-z_:][\w:.-]{0,200}(?:,[^\]\n]{0,200})?\]\]\]?")
_MACRO = re.compile(
    r"(?P<name>https?|ftp|irc|mailto|link|xref|image|footnote|[a-z][\w-]{0,30}):"
    r"(?P<target>[^\s\[\]]{0,500})\[(?P<text>[^\]\n]{0,500})\]"
    r"|<<(?P<ref>[^,<>\s]{1,200})(?:,[ \t]*(?P<rtext>[^<>\n]{1,300}))?>>"
)
_EMPHASIS = re.compile(
    r"\*\*(?P<b2>[^\n]{1,500}?)\*\*|(?<![\w*\\])\*(?P<b1>[^*\s](?:[^*\n]{0,500}?[^*\s])?)\*(?![\w*])"
    r"|__(?P<i2>[^\n]{1,500}?)__|(?<![\w\\])_(?P<i1>[^_\s](?:[^_\n]{0,500}?[^_\s])?)_(?!\w)"
)
_MARKS = re.compile(r"(?<![\w\\])([#^~])([^\s#^~](?:[^\n#^~]{0,500}?[^\s#^~])?)\1(?!\w)|\[\.[\w-]{1,60}\](?=[#*_])")
_LEGACY_QUOTES = re.compile(r"``([^`'\n]{1,500})''")
# Curved quotes: "`text`" and '`text`' (docs.asciidoctor.org, "Quotation marks").
_CURVED_QUOTES = re.compile(r"([\"'])`([^`\n]{1,500})`\1")
_HARD_BREAK = re.compile(r"[ \t]\+$", re.MULTILINE)


@dataclass
class _Attrs:
    """What a block attribute line, a `.Title` line and an anchor line say of the next block."""

    style: str = ""
    positional: tuple[str, ...] = ()
    named: dict[str, str] = field(default_factory=dict)
    options: set[str] = field(default_factory=set)
    title: str | None = None
    anchor: str | None = None


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    """The file's document tree; KnowledgeError says why it cannot be used."""
    text = decode_text(data)
    notes: list[str] = []
    with Deadline(options.timeout_s) as deadline:
        lines = _preprocess(text.split("\n"), antora.opener(path, options.related), notes, deadline)
        reader = _Reader(lines, deadline, notes)
        reader.attributes.update(antora.component_attributes(path, options.related))
        title, start = reader.header()
        events = reader.blocks(start, len(lines), 0, sections=True)
    root = build_sections(events)
    if not root.blocks and not root.children:
        raise KnowledgeError(wording.ASCIIDOC_NO_TEXT)
    log.debug("%s: read %d top-level sections", path, len(root.children))
    return DocTree(title=title, root=root, notes=tuple(dict.fromkeys(notes)))


def _preprocess(
    raw: list[str], related: Callable[[str], str | None] | None, notes: list[str], deadline: Deadline
) -> list[tuple[str, int]]:
    """The lines with includes read in (each line keeps the number of the line it stands
    for in this file), conditional directives and `//` comment lines taken out."""
    out: list[tuple[str, int]] = []
    left_out: dict[str, tuple[int, int]] = {}  # include target -> (first line, times), one note each
    # (lines, next index, line number in this file or None to use the include's, depth)
    stack: list[tuple[list[str], int, int | None, int]] = [(raw, 0, None, 0)]
    while stack:
        lines, i, at, depth = stack.pop()
        while i < len(lines):
            if i % _CHECK_EVERY == 0:
                deadline.check()
            line = lines[i].rstrip()
            number = at if at is not None else i + 1
            i += 1
            if line.startswith("//") and not line.startswith("///"):
                continue
            if line.startswith("include::") and (m := _INCLUDE.fullmatch(line)):
                body = related(m.group(1)) if related is not None and depth < _MAX_INCLUDE_DEPTH else None
                if body is None:
                    first, times = left_out.get(m.group(1), (number, 0))
                    left_out[m.group(1)] = (first, times + 1)
                    continue
                stack.append((lines, i, at, depth))
                lines, i, at, depth = _tagged(body.split("\n"), m.group(2)), 0, number, depth + 1
                continue
            if (line.startswith(("ifdef::", "ifndef::", "ifeval::", "endif::"))) and _CONDITIONAL.fullmatch(line):
                continue
            out.append((line, number))
    notes.extend(wording.note_asciidoc_include(target, first, times) for target, (first, times) in left_out.items())
    return out


def _tagged(lines: list[str], attrlist: str) -> list[str]:
    """The lines an include's `tag=`/`tags=` pick (all when it names none), tag marks out."""
    tags = {
        t.strip()
        for a in attrlist.split(",")
        if a.strip().startswith(("tag=", "tags="))
        for t in a.split("=", 1)[1].split(";")
    }
    tags.discard("")
    picked: list[str] = []
    inside = 0
    for line in lines:
        mark = _TAG_MARK.search(line)
        if mark:
            name = mark.group(0).split("::", 1)[1][:-2]
            if name in tags:
                inside += 1 if mark.group(0).startswith("tag") else -1
            continue
        if not tags or inside > 0:
            picked.append(line)
    return picked


class _Reader:
    def __init__(self, lines: list[tuple[str, int]], deadline: Deadline, notes: list[str]) -> None:
        self.lines = [line for line, _ in lines]
        self.numbers = [n for _, n in lines]
        self.deadline = deadline
        self.notes = notes
        self.attributes: dict[str, str] = {}
        self.substituted = 0  # characters attribute references have added (see _substitute)
        self.over_budget = False
        self.steps = 0
        self.section_ids: dict[str, str] = {}  # read by inline() while they are gathered
        self.section_ids = self._section_ids()

    def _section_ids(self) -> dict[str, str]:
        """Every section's id -> its title, for `<<id>>` without text, which shows the title
        (Asciidoctor's auto ids: idprefix "_", idseparator "_", unless the file sets them)."""
        prefix, separator = "_", "_"
        for line in self.lines:
            if line.startswith((":idprefix:", ":idseparator:")) and (m := _ATTR_ENTRY.fullmatch(line)):
                value = (m.group(2) or "").strip()
                if m.group(1) == "idprefix":
                    prefix = value
                else:
                    separator = value[:1]
        ids: dict[str, str] = {}
        for i, line in enumerate(self.lines):
            m = _HEADING.fullmatch(line) if line[:1] in "=#" else None
            if m is None and self._setext(i) is None:
                continue
            title = m.group(2).rstrip(" =#") if m else line.strip()
            plain = inline.to_plain(self.inline(title))
            above = self.lines[i - 1] if i else ""
            anchor = _ANCHOR_LINE.fullmatch(above) or _ID_ATTR.search(above) if above.startswith("[") else None
            key = anchor.group(1) if anchor else _auto_id(plain, prefix, separator)
            ids.setdefault(key, plain)
        return ids

    # -- the header -------------------------------------------------------------------
    def header(self) -> tuple[str | None, int]:
        """The document title and the index of the first line after the header."""
        lines, i = self.lines, 0
        while i < len(lines) and (not lines[i].strip() or self._attribute_entry(lines[i])):
            i += 1
        if i >= len(lines):
            return None, i
        title: str | None = None
        m = _HEADING.fullmatch(lines[i])
        if m and len(m.group(1)) == 1:
            title, i = m.group(2), i + 1
        elif self._setext(i) == 0:
            title, i = lines[i], i + 2
        if title is None:
            return None, i
        # Author and revision lines, then attribute entries, up to the first blank line.
        while i < len(lines) and lines[i].strip():
            if not self._attribute_entry(lines[i]) and self._starts_block(lines[i]):
                break
            i += 1
        return inline.to_plain(self.inline(title)) or None, i

    def _attribute_entry(self, line: str) -> bool:
        m = _ATTR_ENTRY.fullmatch(line) if line.startswith(":") else None
        if not m:
            return False
        name, value = m.group(1), (m.group(2) or "").rstrip(" \\+")
        if name.startswith("!") or name.endswith("!"):
            self.attributes.pop(name.strip("!").lower(), None)
        else:
            self.attributes[name.lower()] = self._substitute(value)[:_MAX_ATTRIBUTE]
        return True

    def _starts_block(self, line: str) -> bool:
        # A header's author and revision lines are plain text; a block marker ends the header.
        return bool(_HEADING.fullmatch(line) or _delimiter(line) or line.startswith(("[", ".")))

    # -- blocks -------------------------------------------------------------------------
    def blocks(self, lo: int, hi: int, depth: int, sections: bool = False) -> list[tuple[int | None, Block | Heading]]:
        """The blocks (and, where `sections`, headings) of lines lo..hi."""
        out: list[tuple[int | None, Block | Heading]] = []
        attrs = _Attrs()
        i = lo
        while i < hi:
            self._tick()
            line = self.lines[i]
            if not line.strip():
                i += 1
                continue
            if self._attribute_entry(line):
                i += 1
                continue
            if m := _ANCHOR_LINE.fullmatch(line):
                attrs.anchor = m.group(1)
                i += 1
                continue
            if line.startswith("[") and not _LIST_ITEM.match(line) and (m := _ATTR_LINE.fullmatch(line)):
                _parse_attrlist(m.group(1), attrs)
                i += 1
                continue
            if line.startswith(".") and not line.startswith("..") and (m := _BLOCK_TITLE.fullmatch(line)):
                if not _LIST_ITEM.fullmatch(line):
                    attrs.title = m.group(1)
                    i += 1
                    continue
            level = self._heading_level(i, hi)
            if level is not None:
                text = _HEADING.fullmatch(line)
                heading = text.group(2).rstrip(" =#") if text else line.strip()
                plain = inline.to_plain(self.inline(heading))
                if sections:
                    out.append((self.numbers[i], Heading(max(level, 1), plain, attrs.anchor)))
                elif plain:
                    out.append((self.numbers[i], Paragraph(f"**{inline.escape(plain)}**")))
                i += 1 if text else 2
                attrs = _Attrs()
                continue
            blocks, i = self.block(i, hi, depth, attrs)
            out.extend((self.numbers[min(i, hi) - 1] if i > lo else None, b) for b in blocks)
            attrs = _Attrs()
        return out

    def _heading_level(self, i: int, hi: int) -> int | None:
        m = _HEADING.fullmatch(self.lines[i])
        if m:
            return len(m.group(1)) - 1
        return self._setext(i) if i + 1 < hi else None

    def _setext(self, i: int) -> int | None:
        """The level of a two-line title at line i (Asciidoctor's rule: an underline of one
        mark within one character of the title's length, a title with a letter or digit and
        not starting with "." or being a block line itself)."""
        if i + 1 >= len(self.lines):
            return None
        title, under = self.lines[i], self.lines[i + 1]
        if len(under) < 2 or under[0] not in _SETEXT_LEVELS or under.strip(under[0]):
            return None
        if abs(len(title) - len(under)) > 1 or title.startswith((".", "[", " ", "\t", "/")):
            return None
        if not any(c.isalnum() for c in title) or _delimiter(title) or _LIST_ITEM.match(title):
            return None
        return _SETEXT_LEVELS[under[0]]

    def block(self, i: int, hi: int, depth: int, attrs: _Attrs, outer: tuple[str, ...] = ()) -> tuple[list[Block], int]:
        """The block starting at line i (its attribute lines already read into `attrs`);
        `outer`: the markers of the lists it is attached to (a "+" ends its paragraphs, and
        their items end it)."""
        line = self.lines[i]
        kind = _delimiter(line)
        if kind is not None:
            return self._delimited(i, hi, depth, attrs, kind)
        if item := _list_marker(line):
            if depth < _MAX_DEPTH:
                block, j = self._list(i, hi, depth + 1, item, outer)
                return self._titled([block], attrs), j
        if _BLOCK_MACRO.fullmatch(line):  # image::, toc::, video:: ... (an unread include too)
            return [], i + 1
        if line in ("'''", "<<<", "***", "---", "- - -", "* * *"):
            return [], i + 1
        if line[0] in " \t":  # a literal paragraph
            j = self._paragraph_end(i, hi, literal=True, in_list=bool(outer))
            return self._titled([Code(_dedent(self.lines[i:j]))], attrs), j
        j = self._paragraph_end(i, hi, in_list=bool(outer))
        return self._paragraph(self.lines[i:j], attrs), j

    def _paragraph_end(self, i: int, hi: int, literal: bool = False, in_list: bool = False) -> int:
        j = i + 1
        while j < hi:
            line = self.lines[j]
            if (
                not line.strip()
                or _delimiter(line)
                or (not literal and line.startswith("[") and _ATTR_LINE.fullmatch(line))
            ):
                break
            if in_list and (line == "+" or _list_marker(line)):
                break
            j += 1
        return j

    def _paragraph(self, lines: list[str], attrs: _Attrs) -> list[Block]:
        style = attrs.style.lower()
        if style in ("source", "listing", "literal"):
            return self._titled([Code(_dedent(lines), _lang(attrs))], attrs)
        if style in ("pass", "comment", "stem", "latexmath", "asciimath"):
            return []
        text = "\n".join(lines)
        if style.upper() in _ADMONITIONS:
            return [Admonition(style, self._title(attrs), (Paragraph(self.inline(text)),))]
        m = _ADMONITION_PARA.match(lines[0])
        if m and not style:
            body = "\n".join([m.group(2), *lines[1:]])
            return [Admonition(m.group(1).lower(), self._title(attrs), (Paragraph(self.inline(body)),))]
        if style in ("quote", "verse"):
            return self._titled([Quote((Paragraph(self.inline(text)),))], attrs)
        md = self.inline(text)
        return self._titled([Paragraph(md)] if md else [], attrs)

    def _titled(self, blocks: list[Block], attrs: _Attrs) -> list[Block]:
        """A `.Title` over a block: a bold label paragraph before it."""
        title = self._title(attrs)
        return [Paragraph(f"**{title}**"), *blocks] if title and blocks else blocks

    def _title(self, attrs: _Attrs) -> str | None:
        return self.inline(attrs.title) or None if attrs.title else None

    # -- delimited blocks ---------------------------------------------------------------
    def _delimited(self, i: int, hi: int, depth: int, attrs: _Attrs, kind: str) -> tuple[list[Block], int]:
        opener = self.lines[i]
        fence = opener.startswith("```")
        j = i + 1
        while j < hi and not (self.lines[j].startswith("```") if fence else self.lines[j] == opener):
            j += 1
            if j % _CHECK_EVERY == 0:
                self.deadline.check()
        end = min(j + 1, hi)  # an unclosed block runs to the end, as in Asciidoctor
        body = self.lines[i + 1 : j]
        style = attrs.style.lower()
        if kind in ("comment", "pass") or style in ("comment", "pass", "stem", "latexmath", "asciimath"):
            return [], end
        if kind == "table":
            return self._titled(self._table(body, opener[0], attrs), attrs), end
        if kind in ("listing", "literal", "fence") or style in ("source", "listing", "literal"):
            lang = _lang(attrs) or (m.group(1) or None if fence and (m := _FENCE.fullmatch(opener)) else None)
            code = "\n".join(body)
            if "attributes" in attrs.named.get("subs", ""):
                code = self._substitute(code)
            return self._titled([Code(code, lang)] if code.strip() else [], attrs), end
        if depth >= _MAX_DEPTH:
            self.notes.append(wording.NOTE_ASCIIDOC_TOO_DEEP)
            return self._titled([Code("\n".join(body))], attrs), end
        if style == "verse":
            return self._titled([Quote((Paragraph(self.inline("\n".join(body))),))], attrs), end
        inner = [b for _, b in self.blocks(i + 1, j, depth + 1) if not isinstance(b, Heading)]
        if style.upper() in _ADMONITIONS:
            return [Admonition(style, self._title(attrs), tuple(inner))], end
        if kind == "quote" or style == "quote":
            return self._titled([Quote(tuple(inner))] if inner else [], attrs), end
        return self._titled(inner, attrs), end  # example, sidebar, open: their blocks

    def _table(self, body: list[str], sep: str, attrs: _Attrs) -> list[Block]:
        sep = "|" if sep == ":" else sep  # DSV's ":" is rare; read as PSV
        cells: list[str] = []
        first = next((n for n, line in enumerate(body) if line.strip()), None)
        if first is None:
            return []
        first_cells = 0
        for n, line in enumerate(body):
            if not line.strip():
                continue
            parts = _split_cells(line, sep)
            if sep == "|":
                lead = parts.pop(0).strip()
                # Text before a line's first "|": the cell before goes on, unless it is the
                # spec of the cell that follows ("2+|", "a|").
                if lead and cells and not _is_spec(lead):
                    cells[-1] = f"{cells[-1]} {lead}"
            cells.extend(parts)
            if n == first:
                first_cells = len(cells)
        cells = [_strip_spec(c) for c in cells]
        width = _cols(attrs) or first_cells or 1
        rows = [tuple(self.inline(c.strip()) for c in cells[k : k + width]) for k in range(0, len(cells), width)]
        if not rows:
            return []
        rows[-1] = rows[-1] + ("",) * (width - len(rows[-1]))
        # A header row: said so, or the first line holds a whole row and a blank line follows it.
        implicit = first_cells == width and first + 1 < len(body) and not body[first + 1].strip()
        if ("header" in attrs.options or (implicit and "noheader" not in attrs.options)) and len(rows) > 1:
            return [Table(rows[0], tuple(rows[1:]))]
        return [Table((), tuple(rows))]

    # -- lists --------------------------------------------------------------------------
    def _list(self, i: int, hi: int, depth: int, marker: str, outer: tuple[str, ...]) -> tuple[Block, int]:
        """The list whose first item (marker `marker`) is at line i, and the line after it.
        An item with a marker the list has not used nests; one an outer list uses ends it."""
        items: list[tuple[Block, ...]] = []
        described = marker in _TERM_MARKS
        ordered = marker[0] == "." or marker[0].isdigit() or (len(marker) == 2 and marker[1] == ".")
        start = int(marker[:-1]) if marker[0].isdigit() else 1
        terms: list[str] = []
        while i < hi:
            self._tick()
            head = self._item_text(self.lines[i], marker)
            term = _split_term(self.lines[i])[0] if described else ""
            j = self._paragraph_end(i, hi, in_list=True)
            rest = [s.strip() for s in self.lines[i + 1 : j]]
            first = [head, *rest] if head else rest
            if described and not head and j == i + 1:
                # A term with no text: its description may follow after blank lines (set in,
                # as git writes them), or the next term shares it.
                k = j
                while k < hi and not self.lines[k].strip():
                    k += 1
                if k < hi and _list_marker(self.lines[k]) == marker and not self._item_text(self.lines[k], marker):
                    terms.append(self.inline(term))
                    i = k
                    continue
                if k < hi and self.lines[k][:1] in (" ", "\t") and not _list_marker(self.lines[k]):
                    j = self._paragraph_end(k, hi, in_list=True)
                    first = [s.strip() for s in self.lines[k:j]]
            blocks: list[Block] = [Paragraph(self.inline("\n".join(first)))] if any(first) else []
            i = j
            while i < hi:
                k = i
                while k < hi and not self.lines[k].strip():
                    k += 1
                if k >= hi:
                    i = k
                    break
                line = self.lines[k]
                if line == "+" and k == i:  # a list continuation: the next block joins the item
                    n = k + 1
                    attrs = _Attrs()
                    while n < hi and (
                        m := _ATTR_LINE.fullmatch(self.lines[n]) if self.lines[n].startswith("[") else None
                    ):
                        _parse_attrlist(m.group(1), attrs)
                        n += 1
                    if (
                        n < hi
                        and self.lines[n].startswith(".")
                        and (t := _BLOCK_TITLE.fullmatch(self.lines[n]))
                        and not _list_marker(self.lines[n])
                    ):
                        attrs.title = t.group(1)
                        n += 1
                    if n >= hi or not self.lines[n].strip():
                        i = n
                        continue
                    more, i = self.block(n, hi, depth, attrs, (*outer, marker))
                    blocks.extend(more)
                    continue
                other = _list_marker(line)
                if other is None or other == marker or other in outer:
                    i = k
                    break
                if depth >= _MAX_DEPTH:
                    i = k
                    break
                nested, i = self._list(k, hi, depth + 1, other, (*outer, marker))
                blocks.append(nested)
            if described:
                items.append(term_item(", ".join([*terms, self.inline(term)]), blocks))
                terms = []
            elif blocks:
                items.append(tuple(blocks))
            if i >= hi or _list_marker(self.lines[i]) != marker:
                break
        return ListBlock(tuple(i for i in items if i), ordered=ordered, start=start), i

    def _item_text(self, line: str, marker: str) -> str:
        """The text an item's first line holds after its marker (a description's after its term)."""
        if marker in _TERM_MARKS:
            return _split_term(line)[1]
        m = _LIST_ITEM.fullmatch(line)
        text = m.group(2) if m else line.strip()
        return _CHECKBOX.sub("", text, count=1) if text.startswith("[") else text

    # -- inline -------------------------------------------------------------------------
    def _substitute(self, text: str) -> str:
        """`{name}` references replaced by their values, within a budget: values that hold
        references to values that hold references (39 lines of ":a1: {a0}{a0}" make a
        terabyte) stop at _MAX_ATTRIBUTE chars each and _MAX_SUBSTITUTED in all; past it a
        reference stays as written."""
        if "{" not in text:
            return text
        out = _ATTR_REF.sub(self._attribute_value, text)
        self.substituted += max(0, len(out) - len(text))
        return out

    def _attribute_value(self, m: re.Match[str]) -> str:
        if m.group(1):
            return m.group(0)[1:]
        name = m.group(2).lower()
        if name in self.attributes:
            value = self.attributes[name]
            if self.substituted + len(value) > _MAX_SUBSTITUTED:
                if not self.over_budget:
                    self.over_budget = True
                    self.notes.append(wording.NOTE_ASCIIDOC_ATTRIBUTES_TOO_BIG)
                return m.group(0)
            self.substituted += len(value)
            return value
        return _CHAR_REFS.get(name, m.group(0))

    def inline(self, text: str) -> str:
        """AsciiDoc inline text as safe Markdown."""
        text = _HARD_BREAK.sub("", self._substitute(text))
        text = _LEGACY_QUOTES.sub(r'"\1"', text)
        text = _CURVED_QUOTES.sub(lambda m: ("“%s”" if m.group(1) == '"' else "‘%s’") % m.group(2), text)
        out: list[str] = []
        pos = 0
        for m in _PASSTHROUGH.finditer(text):
            out.append(_marked(text[pos : m.start()], self.section_ids))
            if m.group("ctext") is not None:
                out.append(inline.code_span(m.group("ctext")))
            else:
                out.append(inline.escape(m.group("p3") or m.group("p2") or m.group("p1") or m.group("pm") or ""))
            pos = m.end()
        out.append(_marked(text[pos:], self.section_ids))
        return " ".join("".join(out).split())

    def _tick(self) -> None:
        self.steps += 1
        if self.steps % _CHECK_EVERY == 0:
            self.deadline.check()


def _marked(text: str, titles: Mapping[str, str]) -> str:
    """Text outside passthroughs: macros to their text, then code spans and emphasis."""
    if not text:
        return ""
    text = _INLINE_ANCHOR.sub("", _MACRO.sub(lambda m: _macro_text(m, titles), text))
    out: list[str] = []
    pos = 0
    for m in _CODE.finditer(text):
        out.append(_rich(text[pos : m.start()]))
        out.append(inline.code_span(m.group(1)))
        pos = m.end()
    out.append(_rich(text[pos:]))
    return "".join(out)


def _rich(text: str) -> str:
    """Text outside code spans: emphasis kept, other marks dropped."""
    if not text:
        return ""
    text = _MARKS.sub(lambda m: m.group(2) or "", text)
    out: list[str] = []
    pos = 0
    for m in _EMPHASIS.finditer(text):
        out.append(_plain(text[pos : m.start()]))
        inner = m.group("b2") or m.group("b1") or m.group("i2") or m.group("i1") or ""
        mark = "**" if (m.group("b2") or m.group("b1")) else "*"
        body = _plain(inner.replace("*", "").replace("_", " ").strip() if mark == "*" else inner.replace("*", ""))
        out.append(f"{mark}{body}{mark}" if body else "")
        pos = m.end()
    out.append(_plain(text[pos:]))
    return "".join(out)


def _plain(text: str) -> str:
    # Backslash escapes of AsciiDoc marks (\*, \_, \{) show the mark.
    return inline.escape(text.replace("\\*", "*").replace("\\_", "_").replace("\\#", "#"))


def _macro_text(m: re.Match[str], titles: Mapping[str, str]) -> str:
    if m.group("ref") is not None:
        ref = m.group("ref")
        return m.group("rtext") or titles.get(ref) or ref.lstrip("_").replace("_", " ").replace("-", " ")
    name, target, text = m.group("name"), m.group("target"), m.group("text")
    # A trailing "^" asks for a new window (docs.asciidoctor.org, "Link macro").
    label = text.split(",", 1)[0].strip().strip('"').removesuffix("^") if text else ""
    if "=" in label:  # only named attributes (window=_blank): no text of its own
        label = ""
    if name in ("http", "https", "ftp", "irc", "mailto"):
        return label or f"{name}:{target}"
    if name in ("link", "xref", "image"):
        return label or (target if name != "image" else "")
    if name == "footnote":
        return f" ({text})" if text else ""
    if not target:
        return text  # kbd:[Ctrl+T], btn:[Save], pass-like macros without a target
    return f"{target}({text})" if text else target  # git's linkgit:git-add[1] shows "git-add(1)"


def _auto_id(title: str, prefix: str, separator: str) -> str:
    """Asciidoctor's id for a section title: lower case, each run of other characters than
    letters, digits, "-" and "." one separator, none at the ends."""
    words = re.split(r"[^\w.-]+|_+", title.lower())
    return prefix + separator.join(w for w in words if w)


def _delimiter(line: str) -> str | None:
    """The kind of delimited block a line opens, or None."""
    if len(line) < 2:
        return None
    if line == "--":
        return "open"
    if line.startswith("```") and _FENCE.fullmatch(line):
        return "fence"
    if _TABLE_OPEN.fullmatch(line):
        return "table"
    c = line[0]
    if c in _DELIMS and len(line) >= 4 and not line.strip(c):
        return _DELIMS[c]
    return None


def _list_marker(line: str) -> str | None:
    """The marker of a list item or description-list term the line is, or None."""
    m = _LIST_ITEM.fullmatch(line)
    if m:
        marker = m.group(1)
        if marker[0].isdigit():
            return "1."
        if len(marker) == 2 and marker[1] == "." and marker[0].isalpha():
            return "a."
        if marker.endswith(")"):
            return "i)"
        return marker
    if line[:1] in (" ", "\t", "/", "[", "."):
        return None
    term, _ = _split_term(line)
    if not term:
        return None
    rest = line[len(term) :].lstrip(" \t")
    for mark in ("::::", ":::", "::", ";;"):
        if rest.startswith(mark):
            return mark
    return None


def _split_term(line: str) -> tuple[str, str]:
    """A description-list line as (term, text after it); term "" when it is none."""
    for mark in ("::", ";;"):
        k = line.find(mark)
        while k > 0:
            end = k + len(mark)
            while end < len(line) and line[end] == mark[0] and end - k < 4:
                end += 1
            if end == len(line) or line[end] in " \t":
                return line[:k].rstrip(), line[end:].strip()
            k = line.find(mark, end)
    return "", ""


def _parse_attrlist(text: str, attrs: _Attrs) -> None:
    """A block attribute line's style, positional and named attributes, %options and #id."""
    positional: list[str] = []
    for n, part in enumerate(p.strip() for p in _split_attrlist(text)):
        if "=" in part:
            key, _, value = part.partition("=")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            attrs.named[key] = value
            if key in ("options", "opts"):
                attrs.options.update(o.strip() for o in value.split(","))
            continue
        if n == 0:
            style, *rest = re.split(r"(?=[#%.])", part) if part else [""]
            for piece in rest:
                if piece.startswith("#"):
                    attrs.anchor = piece[1:]
                elif piece.startswith("%"):
                    attrs.options.add(piece[1:])
            attrs.style = style
        positional.append(part)
    attrs.positional = tuple(positional)


def _split_attrlist(text: str) -> list[str]:
    """An attribute list split at its commas, but not at those inside double quotes
    (`cols="1,2"`)."""
    parts: list[str] = []
    start, quoted = 0, False
    for k, c in enumerate(text):
        if c == '"':
            quoted = not quoted
        elif c == "," and not quoted:
            parts.append(text[start:k])
            start = k + 1
    parts.append(text[start:])
    return parts


def _lang(attrs: _Attrs) -> str | None:
    if attrs.style.lower() == "source" and len(attrs.positional) > 1:
        return attrs.positional[1] or None
    return attrs.named.get("language") or None


def _cols(attrs: _Attrs) -> int:
    spec = attrs.named.get("cols", "")
    if not spec:
        return 0
    m = _COLS_REPEAT.match(spec.strip())
    if m:
        return min(int(m.group(1)), 100)
    return min(spec.count(",") + 1, 100) if spec.strip() else 0


def _split_cells(line: str, sep: str) -> list[str]:
    """A table line split at its separators (a backslash-escaped one is text). Each cell's
    pieces are joined once (joining as it went was quadratic in a line of escapes)."""
    out: list[list[str]] = []
    for part in line.split(sep):
        if out and out[-1][-1].endswith("\\"):
            out[-1][-1] = out[-1][-1][:-1]
            out[-1].append(part)
        else:
            out.append([part])
    return [sep.join(pieces) for pieces in out]


def _is_spec(word: str) -> bool:
    """Whether a word is a cell spec ("2+", "a", "^.^h", "3*"): what stands before a "|"."""
    return bool(word) and _CELL_SPEC.fullmatch(word) is not None


def _strip_spec(cell: str) -> str:
    """A cell without the spec of the next cell, which stands before that cell's "|" (a spec
    of digits or alignment marks only: a lone letter there is more likely the cell's word)."""
    words = cell.rstrip().rsplit(None, 1)
    if len(words) == 2 and _is_spec(words[1]) and any(c.isdigit() or c in "<^>+*" for c in words[1]):
        return words[0]
    return cell


def _dedent(lines: list[str]) -> str:
    width = min((len(s) - len(s.lstrip()) for s in lines if s.strip()), default=0)
    return "\n".join(s[width:] for s in lines).strip("\n")
