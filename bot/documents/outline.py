"""From a flat run of headings and blocks, in reading order, to the section tree
(for readers whose source is flat: HTML, PDF)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Block, Section


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading met in reading order: it opens a section."""

    level: int  # 1..6
    text: str  # plain text
    anchor: str | None = None


@dataclass(eq=False)
class _Open:
    heading: str
    level: int
    anchor: str | None
    line: int | None
    blocks: list[Block] = field(default_factory=list)
    children: list[_Open] = field(default_factory=list)

    def freeze(self) -> Section:
        return Section(heading=self.heading, level=self.level, blocks=tuple(self.blocks),
                       children=tuple(c.freeze() for c in self.children), anchor=self.anchor,
                       line=self.line)


def build_sections(events: Iterable[tuple[int | None, Block | Heading]]) -> Section:
    """The root section of (source line, heading or block) events: a heading holds what
    follows it up to the next heading of the same or a higher level."""
    root = _Open("", 0, None, None)
    stack = [root]
    for line, event in events:
        if isinstance(event, Heading):
            while stack[-1].level >= event.level:
                stack.pop()
            section = _Open(event.text, event.level, event.anchor, line)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(event)
    return root.freeze()
