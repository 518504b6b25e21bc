"""MDX (Docusaurus, Mintlify, Starlight) as the Markdown pre-pass sees it, line by line.

MDX is Markdown with JSX: module statements (`import … from '…'`, `export const …`) and
components (`<Note>`, `<Steps><Step title="Install">`, `<Tabs><TabItem label="npm">`,
`<ParamField path="id" type="string">`) whose content is Markdown. CommonMark reads a
component line as an HTML block and drops it with the text up to the next blank line, which
lost most of a Mintlify page. Here a component line is classified, for _markdown_source to
turn into what the Markdown reader knows: a callout into a box, a titled component into a
labelled tab (its title leads its content), any other component line into a blank line.
Tags are matched only alone on their lines (one tag may span up to `_TAG_LINES` lines; a
titled one may hold its text on its line) and only with a PascalCase name, which outside
MDX must be no HTML element, so `<div>` and `<Details>` keep CommonMark's reading and
`<YOUR_API_KEY>` stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A module statement opening a block; an import must name its module to count, so "import
# your data first." stays prose.
_MODULE_START = re.compile(r"^(?:import\s*[\w{*'\"]|export\s+(?:default|const|let|var|function|class|async)\b)")
_IMPORT_FROM = re.compile(r"^import\s*['\"][^'\"]+['\"]|(?:^|[\s}])from\s*['\"][^'\"]+['\"]\s*;?\s*$")
_MODULE_LINES = 200  # a longer run before a blank line is not a module statement

# A component's name is PascalCase (a lower-case letter in it, no "_"): "<YOUR_API_KEY>" and
# "<T>" are an author's placeholders, kept as text.
_NAME = r"[A-Z][A-Za-z0-9]{0,60}(?:\.[A-Za-z][A-Za-z0-9]{0,60})*"
_OPEN = re.compile(rf"\s*<({_NAME})(?=[\s/>]|$)")
_CLOSE = re.compile(rf"\s*</({_NAME})\s*>\s*$")
# What a tag may follow on its line: the markers of the quotes and the list item it is written
# in ("- <Note>", "> <Note>", "> 1. <Step title=…>"), each ">" optionally spaced.
_PREFIX = re.compile(r"(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?")
_TAG_LINES = 200  # a tag's attributes (JSX expressions too) spread over at most this many lines
_TAG_CHARS = 20_000
_COMMENT_LINES = 1000
_ATTR = re.compile(
    r"([A-Za-z_][\w-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'"
    r"|\{\s*(?:\"([^\"]*)\"|'([^']*)'|`([^`]*)`)\s*\})"
)

# Callouts: the component's name is the box's kind (the generic ones name it in an attribute).
_CALLOUTS = {
    "note": "note",
    "tip": "tip",
    "info": "info",
    "warning": "warning",
    "warn": "warning",
    "caution": "caution",
    "danger": "danger",
    "important": "important",
    "check": "tip",
    "success": "tip",
    "error": "danger",
}
_GENERIC_CALLOUTS = frozenset({"admonition", "callout", "aside", "alert", "banner"})
_LABEL_ATTRS = ("title", "label", "name", "heading", "summary")
_FIELD_ATTRS = ("path", "query", "body", "header", "name", "param", "field")
# Element names CommonMark knows as HTML (any case): never read as components. Not "aside" or
# "param": <Aside> is Starlight's callout and <Param> Mintlify's field, and HTML writes both
# in lower case.
_HTML = frozenset(
    "a abbr address article audio b blockquote body br button canvas caption center code col "
    "colgroup dd del details dfn dialog div dl dt em embed fieldset figcaption figure font footer form "
    "h1 h2 h3 h4 h5 h6 head header hr html i iframe img input ins kbd label legend li link main mark "
    "menu meta nav noscript object ol optgroup option output p picture pre q s samp script "
    "section select small source span strong style sub summary sup table tbody td template textarea "
    "tfoot th thead time title tr track u ul var video wbr".split()
)


def _is_html(name: str, mdx: bool) -> bool:
    """Whether a PascalCase tag name is CommonMark's HTML element rather than a component: in
    MDX, as in JSX, a capital letter makes any name a component (Starlight's <Code code=…/>),
    but for <Details> with its <summary> label; elsewhere HTML names are HTML in any case."""
    return name in _HTML and (not mdx or name in ("details", "summary"))


def module_start(lines: list[str], i: int) -> bool:
    """Whether line i may open a module statement: it starts as one and opens a block."""
    return bool(_MODULE_START.match(lines[i])) and (i == 0 or not lines[i - 1].strip())


class Modules:
    """Finds module statements opening blocks, in one pass over a page's lines."""

    def __init__(self) -> None:
        # Lines an unfinished export already ran over: an export there ends at its first
        # blank line, so a page of "export const a = {" blocks costs one long scan, not one each.
        self._blind_until = 0

    def end(self, lines: list[str], i: int, end: int) -> int | None:
        """The line after the module statements opening a block at line i, or None when line
        i opens none. An export runs to the first blank line where it is complete, as MDX
        reads it (a template literal or a function's body may hold blank lines); an import
        ends at the line naming its module, so prose right below it stays prose."""
        if not module_start(lines, i):
            return None
        limit = min(end, i + _MODULE_LINES)
        j = i
        while j < limit and _MODULE_START.match(lines[j]):
            if lines[j].startswith("export"):
                complete = _complete_at(lines, j, limit) if j >= self._blind_until else None
                if complete is not None:
                    return complete
                self._blind_until = max(self._blind_until, limit)
                return next((k for k in range(j, limit) if not lines[k].strip()), None if limit < end else end)
            done = next((k + 1 for k in range(j, limit) if not lines[k].strip() or _IMPORT_FROM.search(lines[k])), None)
            if done is None or not lines[done - 1].strip():
                return None if j == i else j  # no module named before a blank line: not an import
            j = done
        return j


def _complete_at(lines: list[str], i: int, limit: int) -> int | None:
    """The first blank line (or `limit`, the end) after line i where the statement opened
    there is complete: its brackets closed and no template literal open, by a line at the
    margin ending in a closing bracket or backtick ("}", "})", "~~~`"), as a statement's last
    line is. None when it is not complete by then. A quote other than a template literal
    ends with its line, so an apostrophe in JSX text cannot carry on into the page's prose."""
    depth = 0
    template = False
    complete = False
    for k in range(i, limit):
        line = lines[k]
        if not line.strip():
            if k > i and complete:
                return k
            continue
        quote = ""
        n = 0
        while n < len(line):
            c = line[n]
            if c == "\\":
                n += 2
                continue
            if template:
                template = c != "`"
            elif quote:
                quote = "" if c == quote else quote
            elif c == "`":
                template = True
            elif c in "\"'":
                quote = c
            elif c == "/" and line.startswith("//", n):
                break  # a comment to the end of the line
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            n += 1
        ending = line.rstrip().rstrip(";")
        complete = depth == 0 and not template and (k == i or (not line[0].isspace() and ending[-1:] in ")]}`"))
        if depth < 0:
            return None
    return limit if complete and limit == len(lines) else None


@dataclass(frozen=True)
class Component:
    """A component tag alone on its line(s), and what the Markdown reader makes of it."""

    name: str  # lower case
    closing: bool
    kind: str | None  # a box's kind ("note", ... or "tab" for a labelled one); None: no box
    title: str | None = None
    # The labels a tab set gives its tabs in order (Nextra's <Tabs items={['npm', 'yarn']}>);
    # None for an item that is no string.
    items: tuple[str | None, ...] = ()
    # A titled component opened and closed on one line: the Markdown between its tags.
    inline: str | None = None
    # A self-closing card linking to a page (Starlight's <LinkCard title href description />,
    # Nextra's <Cards.Card title href />): the page shows its title as a link, and the text.
    href: str | None = None
    description: str | None = None


class Comments:
    """Finds JSX comments that open a line and close on a later one, fences of code inside
    them included (authors comment out whole examples)."""

    def __init__(self) -> None:
        self._close = -1  # the next line holding "*/}" after the last line asked about

    def end(self, lines: list[str], i: int) -> int | None:
        """The line after the comment opening line i, or None when none opens there."""
        if not lines[i].lstrip().startswith("{/*") or "*/}" in lines[i]:
            return None
        if self._close <= i:  # found once per stretch, so a page of "{/*" lines costs one scan
            self._close = next((k for k in range(i + 1, len(lines)) if "*/}" in lines[k]), len(lines))
        close = self._close
        if close >= len(lines) or close - i > _COMMENT_LINES or not lines[close].rstrip().endswith("*/}"):
            return None
        return close + 1


class Components:
    """Finds component tags alone on their lines, in one pass over a page's lines."""

    def __init__(self) -> None:
        # Lines an unfinished tag already ran over: no tag is looked for there again, so a page
        # of "<Card {" lines costs one scan, not one per line.
        self._blind_until = 0

    def at(self, lines: list[str], i: int, end: int, mdx: bool) -> tuple[int, Component, str] | None:
        """The component tag on line i: the line after it, the tag, and the quote and list
        markers it follows on its line (the tag's replacement keeps them, so a box stays in
        the quote or item it is written in). None when there is none. Indented four spaces
        or more it counts only in what already reads as MDX (`mdx`): elsewhere that is an
        indented code block showing JSX."""
        line = lines[i]
        if i < self._blind_until or "<" not in line or (not mdx and line.startswith(("    ", "\t"))):
            return None
        lead = _PREFIX.match(line).end()  # type: ignore[union-attr]  # it matches the empty string
        prefix = line[:lead]
        if m := _CLOSE.match(line, lead):
            name = m.group(1).lower()
            return (i + 1, Component(name, True, None), prefix) if not _is_html(name, mdx) else None
        m = _OPEN.match(line, lead)
        if m is None or _is_html(m.group(1).lower(), mdx):
            return None
        found = self._tag_end(lines, i, m.end(), end, m.group(1))
        if found is None:
            return None
        stop, attrs_text, inline = found
        name = m.group(1).lower()
        attrs = {a.group(1).lower(): next((v for v in a.groups()[1:] if v), "") for a in _ATTR.finditer(attrs_text)}
        if attrs_text.rstrip().endswith("/") and inline is None:  # self-closing: it holds nothing to read
            return stop, _link_card(name, attrs), prefix
        comp = _classify(name, attrs)
        if inline is not None:
            if comp.title is None:  # "<Tip>Keep it short.</Tip>": CommonMark's reading, its text
                self._blind_until = stop
                return None
            return stop, Component(name, False, None, comp.title, inline=inline), prefix
        if comp.kind is None and (items := _items(attrs_text)):
            comp = Component(name, False, None, items=items)
        return stop, comp, prefix

    def _tag_end(self, lines: list[str], i: int, pos: int, end: int, name: str) -> tuple[int, str, str | None] | None:
        """(line after the tag, its attribute text, None) when the tag's ">" (outside quotes
        and {expressions}) ends its line, or with the text after it when the rest of the line
        is that and the tag's closing tag (`<Step title="Install">Run it.</Step>`); None when
        the tag goes on in other text or never ends."""
        depth = 0
        quote = ""
        parts: list[str] = []
        chars = 0
        limit = min(end, i + _TAG_LINES)
        for j in range(i, limit):
            text = lines[j]
            # A tag spans a blank line only inside a template literal (of Markdown, as in
            # Starlight's <Code code={`…`} />); elsewhere a broken "{" must not hide the page.
            if j > i and not text.strip() and quote != "`":
                limit = j
                break
            start = pos if j == i else 0
            chars += len(text) - start
            if chars > _TAG_CHARS:
                break
            for k in range(start, len(text)):
                c = text[k]
                if quote:
                    if c == quote:
                        quote = ""
                elif c in "\"'" or (c == "`" and depth):
                    quote = c
                elif c == "{":
                    depth += 1
                elif c == "}":
                    depth = max(0, depth - 1)
                elif c == ">" and not depth:
                    parts.append(text[start:k])
                    rest = text[k + 1 :].strip()
                    if not rest:
                        return j + 1, "\n".join(parts), None
                    inner = rest.removesuffix(f"</{name}>")
                    if inner != rest and inner.strip() and f"<{name}" not in inner and f"</{name}" not in inner:
                        return j + 1, "\n".join(parts), inner.strip()
                    self._blind_until = j + 1
                    return None  # "<Tip>Keep it short.</Tip> More.": an inline tag in a paragraph
            parts.append(text[start:])
        self._blind_until = limit
        return None


_ITEMS = re.compile(r"\bitems\s*=\s*\{\s*\[")
_STRING = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)'|`([^`$]*)`)\s*""")


def _items(attrs_text: str) -> tuple[str | None, ...]:
    """The elements of an `items={[…]}` attribute, in order: a string's text, None for any
    other expression. One pass, brackets and quotes tracked, over the tag's bounded text."""
    m = _ITEMS.search(attrs_text)
    if m is None:
        return ()
    elements: list[str] = []
    depth = 0
    quote = ""
    start = m.end()
    for k in range(m.end(), len(attrs_text)):
        c = attrs_text[k]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "[{(":
            depth += 1
        elif c in ")}" or (c == "]" and depth):
            depth -= 1
        elif c in ",]" and not depth:
            elements.append(attrs_text[start:k])
            start = k + 1
            if c == "]":
                break
    else:
        return ()  # the array never ends: no labels to trust
    if elements and not elements[-1].strip():
        elements.pop()  # a trailing comma
    found = [_STRING.fullmatch(e) for e in elements]
    return tuple(" ".join(next(g for g in f.groups() if g is not None).split()) if f else None for f in found)


def _link_card(name: str, attrs: dict[str, str]) -> Component:
    """A self-closing tag: a link when it has a title and a page to link to, else nothing."""
    title = " ".join(next((attrs[a] for a in _LABEL_ATTRS if attrs.get(a)), "").split())
    href = attrs.get("href", "").strip()
    if not title or not href or any(c in href for c in "<>\n"):
        return Component(name, False, None)
    return Component(
        name, False, None, title, href=href, description=" ".join(attrs.get("description", "").split()) or None
    )


def _classify(name: str, attrs: dict[str, str]) -> Component:
    attrs = {k: " ".join(v.split()) for k, v in attrs.items()}
    title = next((attrs[a] for a in _LABEL_ATTRS if attrs.get(a)), None)
    if title is None and name == "tabitem":
        title = attrs.get("value") or None  # Docusaurus shows a tab's value when it has no label
    if name in _CALLOUTS:
        return Component(name, False, _CALLOUTS[name], title)
    if name in _GENERIC_CALLOUTS:
        kind = (attrs.get("type") or attrs.get("variant") or attrs.get("kind") or "note").lower()
        return Component(name, False, _CALLOUTS.get(kind, "note"), title)
    if name.endswith("field") or name in ("property", "param"):
        field = next((attrs[a] for a in _FIELD_ATTRS if attrs.get(a)), None)
        if field:
            kind = attrs.get("type", "")
            return Component(name, False, "tab", f"{field} ({kind})" if kind else field)
    if title:
        return Component(name, False, "tab", title)
    return Component(name, False, None)
