"""Markdown source as site generators write it, made plain CommonMark before parsing.

Site generators add syntax that no Markdown parser knows: front matter (YAML `---` or Hugo's
TOML `+++`), Hugo shortcodes (`{{% note %}}`, `{{< tab "x" >}}`), Jekyll/Liquid tags
(`{% raw %}`, `{% highlight py %}`), mkdocstrings directives (`::: package.function` with
indented options) and a `source: URL` line. This pass removes them line by line, outside
fenced code and inline code spans, keeping every line (a removed line becomes blank) so the
parser's line numbers still point into the file. MkDocs content tabs (`=== "Tab"`) become
`!!! tab` admonitions, paired shortcodes (`{{% note %}}…{{% /note %}}`, `{{< tab >}}`) `:::`
containers and highlight tags fences, so the parser sees their structure (the tree builder
unboxes tabs again behind their label). The options opening a MyST colon fence's body
(`:::{tip}` then `:class: hint`, or YAML between `---` lines) go too; a colon fence whose
body is code (`:::{code-block}`, the caller says which names) is left as written, like a fence.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field

from ..inline import escape
from . import _mdx

# Existing convention (bot/knowledge.py): the file names its own URL on an early line.
_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
_SOURCE_SCAN_LINES = 5
_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
# mkdocstrings: "::: dotted.identifier" (a `:::` container names a kind, not a dotted path).
_MKDOCSTRINGS = re.compile(r"^:::\s+([A-Za-z_][\w.:-]*)\s*$")
# pymdownx: content tabs (=== "Tab") parsed as boxes; snippet includes and /// block fences go.
_TABBED = re.compile(r'^(\s*)===[+!]*\s+(".*")\s*$')
_SNIPPET = re.compile(r"^\s*;?-{1,2}8<-{1,2}")
_BLOCK_FENCE = re.compile(r"^\s*/{3,}(?:\s.*)?$")
_CONTAINER_CLOSE = re.compile(r"^\s*:{3,}\s*$")
# MyST's colon fence (":::{note}") and the ":key: value" options that may open its body.
_MYST_COLON_FENCE = re.compile(r"^\s*(:{3,})\{([\w][\w:.+-]{0,63})\}")
_MYST_OPTION = re.compile(r"^\s*:[\w-]+:(?:\s.*)?$")
_INDENTED_OPTION = re.compile(r"^\s+[\w-]+\s*:")
# Hugo `{{< … >}}` / `{{% … %}}` and Jekyll `{% … %}`; a tag never spans a blank line.
# Code spans are matched first so a shortcode written inside backticks stays as written.
# A tag body never holds the start of another tag and is bounded: an unclosed "{{<" must not
# make each later position scan to the end of the text (quadratic, one uninterruptible call).
_TAG_OR_CODE = re.compile(
    r"(?P<code>(?<!`)(?P<ticks>`++)[^\n]{0,2000}?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<tag>\{\{<(?:(?!\{[{%])[^\n]|\n(?!\s*\n)){0,1000}?>\}\}"
    r"|\{\{%(?:(?!\{[{%])[^\n]|\n(?!\s*\n)){0,1000}?%\}\}"
    r"|\{%(?:(?!\{[{%])[^\n]|\n(?!\s*\n)){0,1000}?%\}"
    # Liquid/Jinja output, "[docs]({{ '/docs/' | relative_url }})": one line, no braces.
    r"|\{\{(?![<%])[^{}\n]{1,300}\}\})"
    # An MDX (JSX) comment, "{/* draft */}": a note to the authors.
    r"|(?P<jsx>\{/\*(?:(?!\{/\*)[^\n]|\n(?!\s*\n)){0,2000}?\*/\})"
    # In MDX only: a JSX string, "{'Become a Sponsor'}" or "{' '}" (Prettier's space between
    # elements), is its text; a fragment's "<>" / "</>" wraps its content and shows nothing.
    r"""|(?P<string>\{\s{0,20}(?P<q>['"])(?P<said>[^'"\n{}\\]{0,500})(?P=q)\s{0,20}\})"""
    r"|(?P<fragment></?>)"
)
_TAG_INNER = re.compile(r"^\{\{?[<%]-?\s*(?:/\*)?\s*(?P<inner>.*?)\s*(?:\*/)?\s*-?[%>]\}?\}$", re.DOTALL)
_RAW_LINE = re.compile(r"^\s*\{%-?\s*(?:raw|endraw)\s*-?%\}\s*$")
# A reference definition's label, up to where its target starts: "  [Blog]: ".
_DEFINITION_HEAD = re.compile(r" {0,3}\[(?:[^\]\\\n]|\\.)+\]:[ \t]*$")
_PARAM = re.compile(r'(\w+)\s*=\s*"([^"]*)"|(\w+)\s*=\s*(\S+)|"([^"]*)"|(\S+)')

# Hugo's cross-reference shortcodes: in a link destination they stand for the page named.
_REF_SHORTCODES = frozenset({"relref", "ref"})
# Shortcodes that are boxes; for the generic ones the kind is their first argument.
_BOX_SHORTCODES = frozenset(
    {
        "note",
        "tip",
        "info",
        "warning",
        "caution",
        "danger",
        "important",
        "attention",
        "hint",
        "alert",
        "notice",
        "callout",
        "admonition",
        "notebox",
        "warningbox",
    }
)
_GENERIC_BOXES = frozenset({"hint", "alert", "notice", "callout", "admonition"})
_HIGHLIGHT = frozenset({"highlight", "code"})
# Container markers for converted boxes: long and one shorter per nesting level, so a box's
# closing line can never close a `:::` container the author wrote, nor an outer box.
_BOX_MARKER_LEN = 24

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """The source ready for the parser, and what was taken out of it."""

    text: str
    title: str | None = None
    # The front matter's one-line summary of the page (Docusaurus, Mintlify, Starlight, Hugo,
    # Jekyll and MkDocs all name it `description`): sites show it under the title.
    description: str | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)
    mdx: bool = False  # a .mdx file, or one that imports modules as MDX does (Docusaurus)


def prepare(text: str, verbatim: Callable[[str], bool] = lambda name: False, mdx: bool = False) -> Prepared:
    """Front matter, `source:` line, shortcodes and mkdocstrings directives taken out.
    `verbatim(name)`: whether a `:::{name}` colon fence's body is code, kept as written;
    `mdx`: the file is MDX by its name (else an import statement in it says so)."""
    lines = text.replace(_PLACEHOLDER, "\ufffd").split("\n")
    del text  # the caller may hold none: the lines are the only copy from here on
    out = Prepared(text="", mdx=mdx)
    _take_front_matter(lines, out)
    out.source = _take_source_line(lines) or out.source
    _Tags(lines, out, verbatim).run()
    out.text = "\n".join(lines)
    return out


def _take_front_matter(lines: list[str], out: Prepared) -> None:
    """Front matter blanked out; its `title`, `description` and `source` (a URL) kept in `out`."""
    if not lines or lines[0].rstrip() not in ("---", "+++"):
        return
    marker = lines[0].rstrip()
    ends = ("---", "...") if marker == "---" else ("+++",)
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ends:
            break
    else:
        return  # a lone "---" on the first line is a rule, not front matter
    body = lines[1:end]
    if marker == "---" and not any(":" in ln for ln in body):
        return  # "---" text "---" with no keys: rules around a paragraph
    for i in range(end + 1):
        lines[i] = ""
    log.debug("dropped front matter (lines 1-%d)", end + 1)  # metadata, not a cut: no report note
    values = _toml_values(body) if marker == "+++" else {k: _yaml_scalar(body, k) for k in _FRONT_KEYS}
    out.title = values.get("title") or None
    out.description = values.get("description") or None
    source = values.get("source") or ""
    if re.match(r"https?://\S+$", source):
        out.source = source


_FRONT_KEYS = ("title", "description", "source")


def _yaml_scalar(body: list[str], key: str) -> str | None:
    # Only three top-level keys are needed, so a full YAML parser would add a dependency for
    # them; plain, quoted and folded (`>`/`|`) scalars are handled, over several lines too
    # (Prettier wraps a long description onto indented lines).
    for i, line in enumerate(body):
        m = re.match(rf"^{key}\s*:\s*(.*?)\s*$", line)
        if not m:
            continue
        value = m.group(1)
        cont = []
        for nxt in body[i + 1 :]:
            if nxt and not nxt[0].isspace():
                break
            cont.append(nxt.strip())
        if value in ("", ">", "|", ">-", "|-", ">+", "|+"):
            return " ".join(c for c in cont if c) or None
        if value[0] not in "\"'":
            value = re.sub(r"\s+#.*$", "", value)  # a trailing YAML comment
        value = " ".join([value, *(c for c in cont if c)])
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            if m.group(1)[0] == "'":
                value = value.replace("''", "'")
            else:
                value = value.replace('\\"', '"')
        return value.strip() or None
    return None


def _toml_values(body: list[str]) -> dict[str, str]:
    try:
        data = tomllib.loads("\n".join(body))
    except tomllib.TOMLDecodeError:
        return {}
    return {k: v.strip() for k, v in data.items() if k in _FRONT_KEYS and isinstance(v, str)}


def _take_source_line(lines: list[str]) -> str | None:
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        m = _SOURCE_LINE.match(line)
        if m:
            lines[i] = ""
            return m.group(1)
        seen += 1
        if seen >= _SOURCE_SCAN_LINES:
            break
    return None


@dataclass
class _Box:
    name: str
    info: str
    opener: str | None = None  # the container line, once the box's closing tag is found


class _Tags:
    """One pass over the lines: fences tracked, tags outside them removed or converted."""

    def __init__(self, lines: list[str], out: Prepared, verbatim: Callable[[str], bool]) -> None:
        self.lines = lines
        self.out = out
        self.verbatim = verbatim
        self.boxes: list[_Box] = []  # every box opened, by placeholder number
        self.open_boxes: list[int] = []
        self.dropped = 0
        self.last_close: int | None = None  # line of the file's last bare ":::", once needed
        self.tab_names: dict[str, str] = {}  # tab id -> label, from the last `tabs` shortcode
        self.components = _mdx.Components()
        self.comments = _mdx.Comments()
        self.modules = _mdx.Modules()
        self.open_by_name: dict[str, list[int]] = {}  # box name -> its open boxes' places in open_boxes
        # Open MDX tab sets that label their tabs in order: (name, the labels not yet given).
        self.tab_sets: list[tuple[str, list[str | None]]] = []

    def run(self) -> None:
        lines = self.lines
        i = 0
        n = len(lines)
        while i < n:
            if (stop := self.comments.end(lines, i)) is not None:
                lines[i:stop] = [""] * (stop - i)
                i = stop
                continue
            # Before fences: a module statement's template literal may hold a fence's line
            # ("~~~`" closing a string of Markdown, as Nextra's pages compile examples).
            if (stop := self.modules.end(lines, i, n)) is not None:
                lines[i:stop] = [""] * (stop - i)
                self.out.mdx = True
                i = stop
                continue
            marker = self._fence_marker(lines[i])
            if marker:
                i = self._skip_fence(i, marker)
                continue
            start = i
            i += 1
            while i < n and not self._fence_marker(lines[i]) and not self._stops_prose(i):
                i += 1
            self._prose(start, i)
        if self.boxes:
            # Opening placeholders become container lines; a box never closed was no box.
            for j, line in enumerate(lines):
                if _PLACEHOLDER in line:
                    lines[j] = _PLACEHOLDER_RE.sub(lambda m: self.boxes[int(m.group(1))].opener or "", line)
        if self.dropped:
            log.debug("dropped %d shortcode/template tag(s)", self.dropped)

    def _stops_prose(self, i: int) -> bool:
        """Whether a comment or a module statement opens at line i."""
        return self.comments.end(self.lines, i) is not None or _mdx.module_start(self.lines, i)

    def _fence_marker(self, line: str) -> str | None:
        """The marker of a fence opening on this line: backticks, tildes, or the colons of a
        colon fence of code (its template tags are code too, as in its backtick form)."""
        marker = _fence_marker(line)
        if marker is None and (m := _MYST_COLON_FENCE.match(line)) and self.verbatim(m.group(2).lower()):
            return m.group(1)
        return marker

    def _skip_fence(self, i: int, marker: str) -> int:
        """Past a fenced block; Jekyll's {% raw %} lines inside it go, the rest stays."""
        # The closing fence may be indented at most 3 columns more than the opening one
        # (CommonMark); a deeper one is content, e.g. a fence quoted inside a fence.
        indent = len(self.lines[i]) - len(self.lines[i].lstrip())
        close = re.compile(rf"^ {{0,{indent + 3}}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
        i += 1
        while i < len(self.lines):
            line = self.lines[i]
            if close.match(line):
                return i + 1
            if _RAW_LINE.match(line):
                self.lines[i] = ""
            i += 1
        return i

    def _prose(self, start: int, end: int) -> None:
        """Lines [start, end) hold no fence opening: mkdocstrings, then tags."""
        lines = self.lines
        i = start
        while i < end:
            m = _MKDOCSTRINGS.match(lines[i])
            if m and self._is_mkdocstrings(i, end, m.group(1)):
                lines[i] = ""
                i += 1
                while i < end and lines[i][:1].isspace() and lines[i].strip():
                    lines[i] = ""  # its indented YAML options
                    i += 1
                log.debug("dropped mkdocstrings directive %r", m.group(1))
                continue
            if _MYST_COLON_FENCE.match(lines[i]):
                i += 1
                if i < end and lines[i].strip() == "---":  # the options as YAML between "---" lines
                    close = next((j for j in range(i + 1, min(end, i + 52)) if lines[j].strip() == "---"), None)
                    if close is not None:
                        lines[i : close + 1] = [""] * (close + 1 - i)
                        i = close + 1
                while i < end and _MYST_OPTION.match(lines[i]):
                    lines[i] = ""  # ":class: tip" opening a MyST directive's body is no text
                    i += 1
                continue
            tab = _TABBED.match(lines[i])
            if tab:
                lines[i] = f"{tab.group(1)}!!! tab {tab.group(2)}"
            elif _SNIPPET.match(lines[i]) or _BLOCK_FENCE.match(lines[i]):
                lines[i] = ""
            elif (tag := self.components.at(lines, i, end, self.out.mdx)) is not None:
                stop, comp, prefix = tag
                lines[i:stop] = [prefix + self._component(comp)] + [""] * (stop - i - 1)
                i = stop
                continue
            i += 1
        if not any(
            "{" in lines[j] or (self.out.mdx and ("<>" in lines[j] or "</>" in lines[j])) for j in range(start, end)
        ):
            return
        text = "\n".join(lines[start:end])
        lines[start:end] = _TAG_OR_CODE.sub(lambda mt: self._replace(mt, text), text).split("\n")

    def _is_mkdocstrings(self, i: int, end: int, name: str) -> bool:
        if "." in name:
            return True
        if i + 1 < end and _INDENTED_OPTION.match(self.lines[i + 1]):
            return True
        # "::: note" with a closing ":::" later is a container, not an autodoc directive.
        if self.last_close is None:
            self.last_close = max((j for j, ln in enumerate(self.lines) if _CONTAINER_CLOSE.match(ln)), default=-1)
        return self.last_close <= i

    def _replace(self, m: re.Match[str], text: str) -> str:
        if m.group("code"):
            return m.group(0)
        if m.group("jsx"):
            self.dropped += 1
            return "\n" * m.group("jsx").count("\n")
        if m.group("string") or m.group("fragment"):
            if not self.out.mdx:
                return m.group(0)
            return escape(m.group("said") or "")  # a string is text, never Markdown
        tag = m.group("tag")
        keep_lines = "\n" * tag.count("\n")
        alone = _alone_on_line(text, m.start(), m.end())
        inner_m = _TAG_INNER.match(tag)
        inner = inner_m.group("inner") if inner_m else ""
        closing = inner.startswith("/") or (inner.startswith("end") and tag.startswith("{%"))
        name = (inner.lstrip("/").split(None, 1) or [""])[0].lower()
        if closing and not inner.startswith("/"):
            name = name[3:]  # Jekyll {% endhighlight %}
        if alone and name in _HIGHLIGHT:
            # A highlight block becomes a fence, read as code. Its lines were scanned as
            # prose, so a tag written inside it is lost: rare enough to accept.
            if closing:
                return "```" + keep_lines
            args = _params(inner)[1:]
            lang = next((v for k, v in args if k in ("", "lang", "language")), "")
            return "```" + lang + keep_lines
        if alone and name in _BOX_SHORTCODES and tag.startswith("{{"):
            return self._box(name, inner, closing) + keep_lines
        if alone and name == "tabs" and not closing and tag.startswith("{{"):
            self._tab_labels(inner)
        elif alone and name == "tab" and tag.startswith("{{"):
            # A box of kind "tab", which the tree builder unboxes behind its label.
            return self._box(name, inner, closing, title=None if closing else self._tab_label(inner)) + keep_lines
        if name in _REF_SHORTCODES and not alone and tag.startswith(("{{<", "{{%")):
            # Hugo's `[text]({{< relref "page#anchor" >}})` (or `{{% relref %}}`): the page it
            # names is the link's destination (documents/links.py finds the section it names).
            target = next((v for k, v in _params(inner)[1:] if k in ("", "path")), "")
            at_destination = text.endswith("](", 0, m.start()) or _definition_target(text, m.start())
            if at_destination and target and not any(c in target for c in " \t<>()"):
                return target + keep_lines
        self.dropped += 1
        if not alone and _definition_target(text, m.start()):
            # `[Blog]: {{< ref "/blog" >}}`: an empty target would end the definition (and all
            # after it) as paragraph text; `<>` is CommonMark's empty link destination.
            return "<>" + keep_lines
        return keep_lines  # its line breaks too, inside a line: the pass walks the lines by number

    def _tab_labels(self, inner: str) -> None:
        """Tabs that name only an id get their label from the enclosing `tabs` shortcode
        (tabID1="x" tabName1="With pipx")."""
        params = _params(inner)[1:]
        ids = {k[5:]: v for k, v in params if k.startswith("tabid")}
        names = {k[7:]: v for k, v in params if k.startswith("tabname")}
        self.tab_names = {ids[n]: names[n] for n in ids if n in names}

    def _tab_label(self, inner: str) -> str | None:
        """A tab's label: its own argument (`{{< tab "Linux" >}}`, header=, name=, title=)
        or the one its id was given by `tabs`."""
        params = _params(inner)[1:]
        for key, value in params:
            if key in ("", "header", "name", "title", "label") and value:
                return value
        tab_id = next((v for k, v in params if k in ("tabid", "id")), None)
        return self.tab_names.get(tab_id) if tab_id else None

    def _component(self, comp: _mdx.Component) -> str:
        """An MDX component's line: a box opened or closed, else blank (its content stays)."""
        name = "jsx:" + comp.name  # never the name of a shortcode's box
        if comp.inline is not None and comp.title:
            # One line: its title leads its text as a definition list's term does.
            return f"**{escape(comp.title)}** — {comp.inline}"
        if comp.href and comp.title:
            link = f"[{escape(comp.title)}](<{comp.href}>)"
            return f"{link} — {escape(comp.description)}" if comp.description else link
        if comp.items:
            self.tab_sets.append((comp.name, list(reversed(comp.items))))
        elif self.tab_sets and comp.name == self.tab_sets[-1][0] and comp.closing:
            self.tab_sets.pop()
        elif self.tab_sets and comp.kind is None and not comp.closing and _is_tab_of(comp.name, self.tab_sets[-1][0]):
            labels = self.tab_sets[-1][1]
            label = labels.pop() if labels else None
            if label:  # a tab takes the label its set gives it in that place, as the set shows it
                comp = _mdx.Component(comp.name, False, "tab", label)
        if comp.closing:
            return self._box(name, "", True)
        if comp.kind is None:
            self.dropped += 1
            return ""
        return self._box(name, "", False, title=comp.title, kind=comp.kind)

    def _box(self, name: str, inner: str, closing: bool, title: str | None = None, kind: str | None = None) -> str:
        if closing:
            places = self.open_by_name.get(name)
            if not places:
                self.dropped += 1
                return ""
            k = places[-1]  # the innermost open box of that name, found without a search
            box = self.boxes[self.open_boxes[k]]
            for j in self.open_boxes[k:]:  # boxes opened inside and never closed end here
                self.open_by_name[self.boxes[j].name].pop()
            del self.open_boxes[k:]
            marker = ":" * (_BOX_MARKER_LEN - min(k, _BOX_MARKER_LEN - 4))
            box.opener = f"{marker} {box.info}"
            return marker
        if kind is not None:  # given by the caller: no arguments to read it from
            return self._open(_Box(name=name, info=f"{kind} {title or ''}".strip()))
        kind = name
        for key, value in [] if name == "tab" else _params(inner)[1:]:
            if key == "title":
                title = value
            elif key in ("", "type", "color", "kind") and name in _GENERIC_BOXES and kind == name:
                kind = value.lower()
        if kind in _GENERIC_BOXES:
            kind = "note"
        kind = kind.removesuffix("box") or "note"
        return self._open(_Box(name=name, info=f"{kind} {title or ''}".strip()))

    def _open(self, box: _Box) -> str:
        """A box opened: its placeholder, until its closing tag shows it really is a box."""
        self.boxes.append(box)
        self.open_by_name.setdefault(box.name, []).append(len(self.open_boxes))
        self.open_boxes.append(len(self.boxes) - 1)
        return f"{_PLACEHOLDER}{len(self.boxes) - 1}{_PLACEHOLDER}"


def _is_tab_of(name: str, tab_set: str) -> bool:
    """Whether component `name` is a tab of set `tab_set`: Nextra's <Tabs.Tab> (or <Tab>)."""
    return name in (tab_set + ".tab", "tab", tab_set.removesuffix("s"))


# Stands for a box's opening line until its closing tag shows it really is a box.
_PLACEHOLDER = "\x00"
_PLACEHOLDER_RE = re.compile("\x00(\\d+)\x00")


def _definition_target(text: str, pos: int) -> bool:
    """Whether `pos` is where a reference definition's target starts. Only a bounded stretch
    before it is looked at (labels are at most 999 characters), so a long line of tags stays
    linear."""
    start = max(0, pos - 1010)
    line_start = text.rfind("\n", start, pos) + 1
    if line_start == 0 and start > 0:
        return False
    return _DEFINITION_HEAD.match(text, line_start, pos) is not None


def _fence_marker(line: str) -> str | None:
    m = _FENCE_OPEN.match(line)
    if not m or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None
    return m.group(1)


def _alone_on_line(text: str, start: int, end: int) -> bool:
    """Only blanks between the line's ends and text[start:end] (stepping over blanks only,
    so a long line full of tags stays linear)."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    if i >= 0 and text[i] != "\n":
        return False
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    return j == len(text) or text[j] == "\n"


def _params(inner: str) -> list[tuple[str, str]]:
    """Shortcode arguments: ("", positional) or (key, value)."""
    out = []
    for m in _PARAM.finditer(inner):
        if m.group(1):
            out.append((m.group(1).lower(), m.group(2)))
        elif m.group(3):
            out.append((m.group(3).lower(), m.group(4)))
        else:
            out.append(("", m.group(5) if m.group(5) is not None else m.group(6)))
    return out
