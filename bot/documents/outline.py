"""From a flat run of headings and blocks, in reading order, to the section tree
(for readers whose source is flat: HTML, PDF)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .model import Block, Section
from .treebuild import OpenSection


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading met in reading order: it opens a section."""

    level: int  # 1..6
    text: str  # plain text
    anchor: str | None = None


def build_sections(
    events: Iterable[tuple[int | None, Block | Heading]],
    links: Mapping[int, Sequence[tuple[str, str]]] | None = None,
) -> Section:
    """The root section of (source line, heading or block) events: a heading holds what
    follows it up to the next heading of the same or a higher level. `links`: the links
    (href, text) found in a block, by id() of the block, for Section.links."""
    root = OpenSection("", 0)
    stack = [root]
    for line, event in events:
        if isinstance(event, Heading):
            while stack[-1].level >= event.level:
                stack.pop()
            section = OpenSection(event.text, event.level, event.anchor, line)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(event)
            if links:
                stack[-1].links.extend(links.get(id(event), ()))
    return root.freeze()
