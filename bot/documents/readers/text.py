"""Plain text (.txt), often scraped from the web: a title line, a `source: URL` line,
paragraphs on blank lines, mangled tags and entities, page junk at the end.

Everything lives in the root section: plain text has no reliable headings.
"""

from __future__ import annotations

import logging
import re

from .. import inline
from ..decode import decode_text
from ..model import DocTree, Paragraph, ReadOptions, Section
from ..scraped import (
    find_junk,
    fold_spaces,
    junk_note,
    source_line,
    strip_inline_tags,
    strip_tags,
)

log = logging.getLogger(__name__)

_SOURCE_LINE = re.compile(r"^\s*source\s*:\s*(https?://\S+)\s*$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")
_SOURCE_LINE_WITHIN = 5  # a `source:` line may stand among the first lines


def read(path: str, data: bytes, options: ReadOptions) -> DocTree:
    lines = decode_text(data).split("\n")
    numbers = list(range(1, len(lines) + 1))  # source line of each kept line

    source = None
    for i, line in enumerate(lines[:_SOURCE_LINE_WITHIN]):
        m = _SOURCE_LINE.match(line)
        if m:
            source = m.group(1)
            del lines[i], numbers[i]
            break
    while lines and not lines[0].strip():
        del lines[0], numbers[0]

    title = None
    # The first line is the title when a blank line and then more text follow it.
    if len(lines) >= 3 and lines[0].strip() and not lines[1].strip() and any(ln.strip() for ln in lines[2:]):
        title = strip_inline_tags(lines[0]) or None
        del lines[0], numbers[0]

    raw_body = "\n".join(lines)
    text = strip_tags(raw_body)
    notes: list[str] = []
    junk = find_junk(text, options.junk_markers)
    if junk is not None:
        pos, marker = junk
        note = junk_note(numbers[source_line(raw_body, text, pos, marker) - 1], marker)
        log.info("%s: %s", path, note)
        notes.append(note)
        text = text[:pos]

    blocks = tuple(
        Paragraph(md=inline.escape(p))
        for p in (fold_spaces(chunk) for chunk in _BLANK_LINES.split(text))
        if any(ch.isalnum() for ch in p)
    )
    return DocTree(title=title, root=Section(heading="", level=0, blocks=blocks), source=source, notes=tuple(notes))
