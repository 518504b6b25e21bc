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


@dataclass(frozen=True, slots=True)
class SectionEnd:
    """Where the open sections of `level` and deeper end without a heading to end them: what
    follows goes back to the section that holds them (the HTML reader's API entries are
    sections, and the prose after one belongs to the section the entry is in)."""

    level: int  # 1..6


def build_sections(
    events: Iterable[tuple[int | None, Block | Heading | SectionEnd]],
    links: Mapping[int, Sequence[tuple[str, str]]] | None = None,
) -> Section:
    """The root section of (source line, heading or block) events: a heading holds what
    follows it up to the next heading of the same or a higher level, or to a SectionEnd of
    its level or a higher one. Blocks after that belong to the section left open, but come
    after its subsections on the page, and a Section holds its blocks before its children:
    they go into a continuation, a child without a heading (walk_sections keeps its
    parent's path), so reading order stays the page's. `links`: the links (href, text)
    found in a block, by id() of the block, for Section.links."""
    root = OpenSection("", 0)
    stack = [root]
    for line, event in events:
        if isinstance(event, Heading):
            while stack[-1].level >= event.level:
                stack.pop()
            section = OpenSection(event.text, event.level, event.anchor, line)
            stack[-1].children.append(section)
            stack.append(section)
        elif isinstance(event, SectionEnd):
            while stack[-1].level >= max(event.level, 1):  # never the root
                stack.pop()
        else:
            if stack[-1].children:  # back in a section after a SectionEnd
                rest = OpenSection("", stack[-1].level + 1, None, line)
                stack[-1].children.append(rest)
                stack.append(rest)
            stack[-1].blocks.append(event)
            if links:
                stack[-1].links.extend(links.get(id(event), ()))
    return root.freeze()
