"""Passages as Discord Markdown that reads as written: the snippet of an answer and the
whole passage, from `Passage.markdown` (safe Markdown blocks, see bot/knowledge.py).

- The snippet is the answer's plain-text sentences found again in the passage's Markdown,
  so inline code, bold and italics are kept; matched words are bolded only outside code and
  outside existing markup. A sentence that leads in to code ("Install it with:") brings
  the code block with it.
- Code blocks keep their fence and language and are shortened only at line ends, with a
  note of how many lines were left out; fences are always closed.
- A passage without display Markdown (`markdown == ""`) shows its plain text escaped, as
  before; text from .txt/HTML arrives escaped by its reader, so no document can inject
  links or mentions either way (and fit_reply defuses mentions last).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Literal, overload

from ..knowledge import Passage
from ..retrieval.snippets import Snippet
from .markdown import (
    BOLD,
    CODE,
    FENCE,
    ITALIC,
    MARK,
    closers,
    markup_states,
    openers,
    truncate,
    units,
)

SNIPPET_CODE_LINES = 15  # a lead-in's code in an answer: enough to copy a typical command block
SNIPPET_CODE_UNITS = 1200
_FENCE_OPEN = re.compile(r" *(`{3,})([^\n`]*)$")
_LIST_LINE = re.compile(r" *(?:[-*+]|\d{1,9}[.)]) ")


@dataclass(frozen=True, slots=True)
class Block:
    """One block of a passage's display Markdown, with its place in that text."""

    kind: str  # "text" | "code" | "list" | "quote"
    start: int
    end: int
    md: str
    lang: str = ""  # code: the fence's language ("" for none, tables)
    fence: str = "```"

    @property
    def code_lines(self) -> list[str]:
        """The lines inside a code block's fences."""
        lines = self.md.split("\n")
        body = lines[1:-1] if len(lines) > 1 and lines[-1].strip().startswith(self.fence) else lines[1:]
        return body


def parse_blocks(md: str) -> list[Block]:
    """Split display Markdown into blocks at blank lines outside code fences."""
    out: list[Block] = []
    pos = 0
    start = None
    fence = ""
    lines = md.split("\n")
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        line = lines[i]
        if start is None:
            if not line.strip():
                i += 1
                continue
            start = i
        m = _FENCE_OPEN.match(line)
        if fence:
            if line.strip() == fence or (line.strip().startswith(fence) and not line.strip().strip("`")):
                fence = ""
        elif m:
            fence = m.group(1)
        i += 1
        at_end = i >= len(lines)
        if not fence and (at_end or not lines[i].strip()):
            a = offsets[start]
            b = offsets[i - 1] + len(lines[i - 1])
            out.append(_block(md[a:b], a, b))
            start = None
    if start is not None:  # an unclosed fence runs to the end
        a = offsets[start]
        out.append(_block(md[a:], a, len(md)))
    return out


def _block(text: str, a: int, b: int) -> Block:
    first = text.split("\n", 1)[0]
    m = _FENCE_OPEN.match(first)
    if m and not first.startswith(" "):
        return Block("code", a, b, text, m.group(2).strip(), m.group(1))
    if _LIST_LINE.match(first):
        return Block("list", a, b, text)
    if first.startswith(">"):
        return Block("quote", a, b, text)
    return Block("text", a, b, text)


def fit_code(block: Block, max_lines: int, max_units: int, *, note: bool = True) -> str:
    """A code block, shortened at line ends to fit: whole lines only, the fence closed and
    "… N more lines" after it when lines were left out."""
    lines = block.code_lines
    opener = block.md.split("\n", 1)[0]
    closer = block.fence
    if len(lines) <= max_lines and units(block.md) <= max_units and block.md.rstrip().endswith(closer):
        return block.md
    kept: list[str] = []
    used = units(opener) + units(closer) + 2 + 30  # 30: room for the note
    for line in lines[:max_lines]:
        if used + units(line) + 1 > max_units:
            break
        kept.append(line)
        used += units(line) + 1
    if not kept and lines:
        # One line longer than the room: a terminal-style cut is better than no code.
        kept = [truncate(lines[0], max(10, max_units - used))]
    left = len(lines) - len(kept)
    out = "\n".join([opener, *kept, closer])
    if left and note:
        out += f"\n-# … {left} more line{'s' * (left != 1)}"
    return out


def fit_passage(md: str, limit: int) -> tuple[str, bool]:
    """The whole passage's blocks in order within `limit` units; returns the text and
    whether anything was left out. Code is shortened at line ends, prose on words."""
    parts: list[str] = []
    used = 0
    shortened = False
    blocks = parse_blocks(md)
    for n, b in enumerate(blocks):
        sep = 2 if parts else 0
        room = limit - used - sep
        if room < 40:
            shortened = True
            break
        if units(b.md) <= room:
            text = b.md
        elif b.kind == "code":
            first = b.code_lines[:1]
            if room < units(b.md.split("\n", 1)[0]) + sum(units(x) for x in first) + 40:
                shortened = True  # not even one whole line fits: never cut a code line
                break
            text = fit_code(b, len(b.code_lines), room)
            shortened = True
        else:
            text = truncate(b.md, room)
            shortened = True
        parts.append(text)
        used += sep + units(text)
        if shortened and n + 1 < len(blocks):
            break
    return "\n\n".join(parts), shortened


# --------------------------------------------------------------------------- snippets


def _key(text: str, states: list[int] | None = None) -> tuple[str, list[int]]:
    """The letters and digits of `text` lower-cased, with their positions: what a plain
    sentence and its Markdown have in common whatever the markers and escapes."""
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(text):
        if not ch.isalnum() or (states is not None and states[i] & MARK):
            continue
        low = ch.lower()
        chars.append(low if len(low) == 1 else ch)
        pos.append(i)
    return "".join(chars), pos


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int  # in snippet.text
    end: int


def _pieces(text: str) -> tuple[str, list[_Piece], str]:
    """The snippet's runs of contiguous text: it joins non-adjacent sentences with " … "
    and marks a crop with a leading "… " / trailing " …"."""
    lead = "… " if text.startswith("… ") else ""
    trail = " …" if text.endswith(" …") and len(text) > 2 else ""
    body_start, body_end = len(lead), len(text) - len(trail)
    pieces: list[_Piece] = []
    pos = body_start
    while True:
        j = text.find(" … ", pos, body_end)
        if j < 0:
            pieces.append(_Piece(pos, body_end))
            break
        pieces.append(_Piece(pos, j))
        pos = j + 3
    return lead, [p for p in pieces if p.end > p.start], trail


@overload
def snippet_markdown(
    passage: Passage, snippet: Snippet, *, code_lines: int = ..., code_units: int = ..., fallback: Literal[True] = ...
) -> str: ...
@overload
def snippet_markdown(
    passage: Passage, snippet: Snippet, *, code_lines: int = ..., code_units: int = ..., fallback: Literal[False]
) -> str | None: ...
def snippet_markdown(
    passage: Passage,
    snippet: Snippet,
    *,
    code_lines: int = SNIPPET_CODE_LINES,
    code_units: int = SNIPPET_CODE_UNITS,
    fallback: bool = True,
) -> str | None:
    """The snippet as the passage wrote it (see the module docstring); falls back to the
    escaped plain snippet when the sentences cannot be found in the display Markdown (or
    returns None then, with fallback=False)."""
    md = passage.markdown
    out = None
    if md:
        try:
            out = _structured(md, snippet, code_lines, code_units)
        except (ValueError, IndexError):
            out = None
    if out is None and fallback:
        return snippet.markdown()
    return out


ANCHOR = 12  # letters a piece of a sentence must share with the Markdown to be placed


def _align(md_key: str, p_key: str, pos: int) -> list[tuple[int, int, int]] | None:
    """Place a snippet piece's key in the Markdown's key at or after `pos`, allowing gaps:
    the plain text leaves out code blocks and labels ("Note:") that the Markdown shows
    between its sentences. Returns (piece index, markdown index, length) chunks, in order;
    each chunk is the longest run found for its anchor."""
    whole = md_key.find(p_key, pos)
    if whole >= 0:
        return [(0, whole, len(p_key))]
    chunks: list[tuple[int, int, int]] = []
    i = 0
    while i < len(p_key):
        anchor = p_key[i : i + ANCHOR]
        best: tuple[int, int] | None = None
        k = md_key.find(anchor, pos)
        tries = 0
        while k >= 0 and tries < 64:
            n = len(anchor)
            while i + n < len(p_key) and k + n < len(md_key) and md_key[k + n] == p_key[i + n]:
                n += 1
            if best is None or n > best[1]:
                best = (k, n)
            if i + n == len(p_key):
                break
            k = md_key.find(anchor, k + 1)
            tries += 1
        if best is None:
            return None
        chunks.append((i, best[0], best[1]))
        i += best[1]
        pos = best[0] + best[1]
    return chunks


def _block_of(blocks: list[Block], i: int) -> int:
    for n, blk in enumerate(blocks):
        if blk.start <= i < blk.end:
            return n
    return -1


def _groups(md: str, blocks: list[Block], spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Markdown spans of one piece merged where the passage reads on: within one block,
    or across at most two code/list blocks (the code between two sentences is shown)."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out:
            pa, pb = out[-1]
            first, last = _block_of(blocks, pb - 1), _block_of(blocks, a)
            between = blocks[first + 1 : last] if first >= 0 and last >= 0 else []
            if first == last or (last - first - 1 <= 2 and all(x.kind in ("code", "list") for x in between)):
                out[-1] = (pa, max(pb, b))
                continue
        out.append((a, b))
    return out


def _structured(md: str, snippet: Snippet, code_lines: int, code_units: int) -> str | None:
    states = markup_states(md)
    # The plain text holds no code blocks: leave them out of the key so sentences on either
    # side of one still meet; a sentence inside a code block is looked for in a full key.
    keys = [_key(md, [s | (MARK if s & FENCE else 0) for s in states]), _key(md, states)]
    blocks = parse_blocks(md)
    lead, pieces, trail = _pieces(snippet.text)
    ranges: list[tuple[int, int, set[tuple[int, int]]]] = []
    search = [0, 0]
    for piece in pieces:
        p_key, p_pos = _key(snippet.text[piece.start : piece.end])
        if not p_key:
            continue
        for which, (md_key, md_pos) in enumerate(keys):  # noqa: B007 (md_pos is read after the break)
            chunks = _align(md_key, p_key, search[which]) or _align(md_key, p_key, 0)
            if chunks:
                break
        else:
            return None
        search[which] = chunks[-1][1] + chunks[-1][2]
        k_pos = [md_pos[k + j] for _, k, n in chunks for j in range(n)]
        bold = _highlight_positions(md, states, snippet, piece, p_pos, k_pos)
        spans = [_widen(md, md_pos[k], md_pos[k + n - 1] + 1) for _, k, n in chunks]
        ranges.extend((a, b, bold) for a, b in _groups(md, blocks, spans))
    if not ranges:
        return None
    rendered: list[str] = []
    shown: set[int] = set()  # indexes of blocks already shown
    ends_with_block = False
    for a, b, bold in ranges:
        rendered.append(_render_range(md, states, blocks, a, b, bold, code_lines, code_units))
        shown.update(i for i, blk in enumerate(blocks) if blk.start < b and blk.end > a)
        follow = _lead_in_block(md, blocks, b)
        ends_with_block = False
        if follow is not None and follow[0] not in shown:
            i, blk = follow
            body = fit_code(blk, code_lines, code_units) if blk.kind == "code" else truncate(blk.md, code_units)
            rendered.append(body)
            shown.add(i)
            ends_with_block = True
    text = _join(rendered)
    return f"{lead}{text}" if ends_with_block else f"{lead}{text}{trail}"


def _join(parts: list[str]) -> str:
    """Rendered ranges in order: prose runs of one line joined by " … " as the plain
    snippet does; anything with block structure stays a block of its own."""
    out = parts[0]
    for prev, p in itertools.pairwise(parts):
        inline = _is_prose_line(prev) and _is_prose_line(p)
        out += (" … " if inline else "\n\n") + p
    return out


def _is_prose_line(text: str) -> bool:
    return "\n" not in text and not _LIST_LINE.match(text) and not text.startswith((">", "-# ", "```"))


def _widen(md: str, a: int, b: int) -> tuple[int, int]:
    """Take in the markers and punctuation touching the sentence (up to whitespace)."""
    while a > 0 and not md[a - 1].isspace():
        a -= 1
    while b < len(md) and not md[b].isspace():
        b += 1
    return a, b


def _highlight_positions(
    md: str, states: list[int], snippet: Snippet, piece: _Piece, p_pos: list[int], k_pos: list[int]
) -> set[tuple[int, int]]:
    """Markdown ranges of the snippet's highlights that may be bolded: not in code, not
    inside bold/italic already, not spanning any marker."""
    out: set[tuple[int, int]] = set()
    for hs, he in snippet.highlights:
        if hs < piece.start or he > piece.end:
            continue
        idx = [i for i, p in enumerate(p_pos) if hs - piece.start <= p < he - piece.start]
        if not idx:
            continue
        x, y = k_pos[idx[0]], k_pos[idx[-1]] + 1
        if y - x > 2 * (he - hs) + 8:
            continue  # the word straddles a gap (code, a label): leave it plain
        if any(states[i] & (FENCE | CODE | BOLD | ITALIC) for i in range(x, y)):
            continue
        if any(states[i] & MARK and md[i] != "\\" for i in range(x, y)):
            continue
        out.add((x, y))
    return out


def _emit(md: str, a: int, b: int, bold: set[tuple[int, int]]) -> str:
    marks: dict[int, str] = {}
    for x, y in bold:
        if a <= x and y <= b:
            marks[x] = marks.get(x, "") + "**"
            marks[y] = "**" + marks.get(y, "")
    out: list[str] = []
    for i in range(a, b):
        if i in marks:
            out.append(marks[i])
        out.append(md[i])
    if b in marks:
        out.append(marks[b])
    return "".join(out).replace("****", "")  # adjacent highlights merge


def _render_range(
    md: str,
    states: list[int],
    blocks: list[Block],
    a: int,
    b: int,
    bold: set[tuple[int, int]],
    code_lines: int,
    code_units: int,
) -> str:
    """The Markdown of md[a:b], block by block: prose sliced (markup reopened and closed),
    list items and code blocks whole (code shortened at line ends)."""
    parts: list[str] = []
    for blk in blocks:
        if blk.end <= a or blk.start >= b:
            continue
        if blk.kind == "code":
            parts.append(fit_code(blk, code_lines, code_units))
            continue
        x, y = max(a, blk.start), min(b, blk.end)
        if blk.kind == "list":
            x = md.rfind("\n", blk.start, x) + 1 if md.rfind("\n", blk.start, x) >= 0 else blk.start
            nl = md.find("\n", y, blk.end)
            y = blk.end if nl < 0 else nl
            parts.append(_emit(md, x, y, bold) + closers(md[x:y]))
            continue
        text = openers(states[x] & ~(MARK | FENCE)) + _emit(md, x, y, bold)
        if blk.kind == "quote" and x > blk.start and md[x - 1] != "\n":
            text = "> " + text
        parts.append(text + closers(text))
    return "\n\n".join(parts)


def _lead_in_block(md: str, blocks: list[Block], end: int) -> tuple[int, Block] | None:
    """The code (or list) block right after a prose block whose last sentence, ending at
    `end`, is a lead-in: it ends with ":"."""
    for i, blk in enumerate(blocks):
        if blk.kind in ("text", "quote") and blk.start < end <= blk.end:
            rest = md[end : blk.end]
            if rest.strip(" *`") or not md[blk.start : end].rstrip(" *`").endswith(":"):
                return None
            if i + 1 < len(blocks) and blocks[i + 1].kind in ("code", "list"):
                return i + 1, blocks[i + 1]
            return None
    return None
