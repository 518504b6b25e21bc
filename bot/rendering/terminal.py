"""Drawing a reply in a terminal the way Discord would show it: Markdown to ANSI, display
width, word wrap, boxes."""

from __future__ import annotations

import importlib
import re
import unicodedata
from dataclasses import dataclass, field
from types import ModuleType

from .reply import ReplyData


def _load_wcwidth() -> ModuleType | None:
    """wcwidth knows emoji sequences and new wide characters; without it (it is a runtime
    dependency, but a broken install must not stop the console) unicodedata estimates."""
    try:
        return importlib.import_module("wcwidth")
    except ImportError:
        return None


_WCWIDTH = _load_wcwidth()

_MD_TOKEN = re.compile(
    r"`([^`\n]+)`|\\(.)|\*\*|(?<![\\*\w])\*(?=\S)|(?<=\S)\*(?![*\w])"
    r"|(?<!\\)\[((?:\\.|[^\]\\\n])*)\]\(([^)\s]+)\)|^-# ",
    re.MULTILINE,
)
_FENCE = re.compile(r"^( *)(`{3,})([^`]*)$")
_LIST_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)]) (.*)$")
CODE_COLOR = "\x1b[36m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
BOLD, DIM, ITALIC, RESET = "\x1b[1m", "\x1b[2m", "\x1b[3m", "\x1b[0m"


def markdown_to_terminal(text: str, color: bool = False) -> str:
    """Discord Markdown as a terminal shows it: escapes removed, bold as ANSI bold (or
    plain), links as `label <url>`, inline code as is (in colour, or kept in backticks)."""
    out: list[str] = []
    pos = 0
    bold = italic = False
    for m in _MD_TOKEN.finditer(text):
        out.append(text[pos : m.start()])
        tok = m.group(0)
        if m.group(1) is not None:
            out.append(f"{CODE_COLOR}{m.group(1)}{RESET}{_restore(bold, italic)}" if color else tok)
        elif m.group(2) is not None:
            out.append(m.group(2))
        elif tok == "**":
            bold = not bold
            if color:
                out.append(BOLD if bold else RESET + (ITALIC if italic else ""))
        elif tok == "*":
            italic = not italic
            if color:
                out.append(ITALIC if italic else RESET + (BOLD if bold else ""))
        elif m.group(4) is not None:
            label = markdown_to_terminal(m.group(3), color)
            out.append(f"{label} <{m.group(4)}>")
        pos = m.end()
    out.append(text[pos:])
    if color and (bold or italic):
        out.append(RESET)
    return "".join(out)


def _restore(bold: bool, italic: bool) -> str:
    return (BOLD if bold else "") + (ITALIC if italic else "")


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK, emoji) characters take two, combining marks and
    zero-width joiners none (wcwidth when installed, else a unicodedata estimate)."""
    text = _ANSI.sub("", text)
    if _WCWIDTH is not None:
        w = int(_WCWIDTH.wcswidth(text))
        return w if w >= 0 else sum(max(0, int(_WCWIDTH.wcwidth(ch))) for ch in text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in "\u200b\u200d\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap by display width, keeping explicit line breaks; words longer than
    a line are broken (a terminal has no other choice)."""
    lines: list[str] = []
    for para in text.split("\n"):
        current = ""
        for word in para.split(" "):
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if display_width(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while display_width(word) > width:
                cut = width
                while display_width(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


def draw_markdown(md: str, width: int, color: bool = False, ascii_only: bool = False) -> list[str]:
    """Discord Markdown as terminal lines, keeping its structure: code blocks drawn in a
    gutter, verbatim and never re-wrapped into prose; list items with hanging indents;
    quotes with a bar; everything else word-wrapped."""
    gutter = "| " if ascii_only else "│ "
    top, bottom = ("+-", "+-") if ascii_only else ("╭─", "╰─")
    bar = "| " if ascii_only else "▌ "
    out: list[str] = []
    fence = ""

    def plain(t: str) -> str:
        t = markdown_to_terminal(t, color)
        return t.encode("ascii", "replace").decode("ascii") if ascii_only else t

    def dim(t: str) -> str:
        return f"{DIM}{t}{RESET}" if color else t

    for line in md.split("\n"):
        m = _FENCE.match(line)
        if fence:
            if m and m.group(2).startswith(fence) and not m.group(3).strip():
                fence = ""
                out.append(dim(bottom))
                continue
            code = line.encode("ascii", "replace").decode("ascii") if ascii_only else line
            code = code.replace("\t", "    ")
            for part in _hard_wrap(code, width - 2) or [""]:
                out.append(dim(gutter) + (f"{CODE_COLOR}{part}{RESET}" if color else part))
            continue
        if m:
            fence = m.group(2)
            lang = m.group(3).strip()
            out.append(dim(top + (f" {lang}" if lang else "")))
            continue
        item = _LIST_ITEM.match(line)
        if item:
            indent, marker, rest = item.groups()
            bullet = ("-" if ascii_only else "•") if marker in "-*+" else marker
            head = f"{indent}{bullet} "
            hang = " " * display_width(head)
            lines = wrap(plain(rest), max(10, width - len(hang)))
            out.extend([head + lines[0]] + [hang + x for x in lines[1:]])
            continue
        if line.startswith(">"):
            out.extend(bar + x for x in wrap(plain(line[1:].lstrip()), max(10, width - 2)))
            continue
        if line.startswith("-# "):
            out.extend(dim(x) for x in wrap(plain(line[3:]), width))
            continue
        out.extend(wrap(plain(line), width))
    return out


def _hard_wrap(line: str, width: int) -> list[str]:
    """A code line cut into pieces of at most `width` columns (code is never reflowed)."""
    parts: list[str] = []
    while display_width(line) > width:
        cut = min(len(line), width)
        while cut > 1 and display_width(line[:cut]) > width:
            cut -= 1
        parts.append(line[:cut])
        line = line[cut:]
    if line or not parts:
        parts.append(line)
    return parts


@dataclass(frozen=True)
class _Box:
    tl: str = "╭"
    tr: str = "╮"
    bl: str = "╰"
    br: str = "╯"
    h: str = "─"
    v: str = "│"
    ml: str = "├"
    mr: str = "┤"


_UNICODE_BOX = _Box()
_ASCII_BOX = _Box("+", "+", "+", "+", "-", "|", "+", "+")


@dataclass
class TerminalStyle:
    width: int = 80
    color: bool = False
    ascii: bool = False
    _box: _Box = field(init=False)

    def __post_init__(self) -> None:
        self.width = max(30, self.width)
        self._box = _ASCII_BOX if self.ascii else _UNICODE_BOX


def _rgb(color: int | None) -> str:
    if color is None:
        return ""
    return f"\x1b[38;2;{(color >> 16) & 255};{(color >> 8) & 255};{color & 255}m"


def _bold(s: str, color: bool) -> str:
    return f"{BOLD}{s}{RESET}" if color else s


def render_terminal(reply: ReplyData, style: TerminalStyle | None = None) -> str:
    """Draw a reply the way Discord would show it: content, then each embed in a box
    (title, description, fields, footer), then the buttons."""
    style = style or TerminalStyle()
    b = style._box
    inner = style.width - 4
    out: list[str] = []

    def text(md: str) -> str:
        t = markdown_to_terminal(md, style.color)
        if style.ascii:
            t = t.encode("ascii", "replace").decode("ascii")
        return t

    def dim(s: str) -> str:
        return f"{DIM}{s}{RESET}" if style.color else s

    def draw(md: str, width: int) -> list[str]:
        return draw_markdown(md, width, style.color, style.ascii)

    if reply.ephemeral:
        out.append(dim("(only you can see this)"))
    if reply.content:
        out.extend(draw(reply.content, style.width))
    for e in reply.embeds:
        edge = _rgb(e.color) + b.v + RESET if style.color and e.color is not None else b.v

        def row(line: str, edge: str = edge) -> str:
            pad = inner - display_width(line)
            return f"{edge} {line}{' ' * max(0, pad)} {b.v}"

        def rule(left: str, right: str) -> str:
            return left + b.h * (style.width - 2) + right

        out.append(rule(b.tl, b.tr))
        head: list[str] = []
        if e.title:
            title = text(e.title)
            head += wrap(_bold(title, style.color), inner)
        if e.url:
            head += wrap(dim(e.url), inner)
        out += [row(x) for x in head]
        body: list[str] = []
        if e.description:
            body += draw(e.description, inner)
        i = 0
        while i < len(e.fields):
            f = e.fields[i]
            if body:
                body.append("")
            if f.inline:
                # Discord puts up to three inline fields side by side: draw them as columns.
                group = [f]
                while len(group) < 3 and i + len(group) < len(e.fields) and e.fields[i + len(group)].inline:
                    group.append(e.fields[i + len(group)])
                col = (inner - 2 * (len(group) - 1)) // len(group)
                cols = [wrap(_bold(text(g.name), style.color), col) + wrap(text(g.value), col) for g in group]
                for r in range(max(len(c) for c in cols)):
                    parts = [(c[r] if r < len(c) else "") for c in cols]
                    body.append("  ".join(p + " " * (col - display_width(p)) for p in parts).rstrip())
                i += len(group)
                continue
            body += wrap(_bold(text(f.name), style.color), inner)
            body += ["  " + x for x in draw(f.value, inner - 2)]
            i += 1
        if body:
            if head:
                out.append(rule(b.ml, b.mr))
            out += [row(x) for x in body]
        if e.footer:
            out.append(rule(b.ml, b.mr))
            out += [row(dim(x)) for x in wrap(text(e.footer), inner)]
        out.append(rule(b.bl, b.br))
    if reply.buttons:
        labels = [f"[ {text(btn.text)} ]" for btn in reply.buttons]
        out.extend(wrap(" ".join(labels), style.width))
    return "\n".join(out)


def to_text(reply: ReplyData, width: int = 80) -> str:
    """The reply as plain text (no colour), e.g. for `python -m bot ask`."""
    return render_terminal(reply, TerminalStyle(width=width))
