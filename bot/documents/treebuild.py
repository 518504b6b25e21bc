"""Helpers readers share to build a tree: a section still being filled, and list items that
pair a term with its definition. (Readers never import each other; they import this.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .model import Block, Paragraph, Section


@dataclass
class OpenSection:
    """A Section while a reader is still adding blocks and subsections to it."""

    heading: str
    level: int
    anchor: str | None = None
    line: int | None = None
    blocks: list[Block] = field(default_factory=list)
    children: list[OpenSection] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    labels: tuple[str, ...] = ()

    def freeze(self) -> Section:
        return Section(
            heading=self.heading,
            level=self.level,
            blocks=tuple(self.blocks),
            children=tuple(c.freeze() for c in self.children),
            anchor=self.anchor,
            line=self.line,
            links=tuple(self.links),
            labels=self.labels,
        )


def term_item(term: str, blocks: list[Block]) -> tuple[Block, ...]:
    """A definition-list entry as a list item: "**term** — definition", further blocks after
    it; () when there is neither term nor definition. `term` is safe Markdown."""
    lead = f"**{term}**" if term else ""
    if lead and blocks and isinstance(blocks[0], Paragraph):
        return (Paragraph(f"{lead} — {blocks[0].md}"), *blocks[1:])
    if lead:
        return (Paragraph(lead), *blocks)
    return tuple(blocks)


def too_uneven(row_widths: Sequence[int]) -> bool:
    """Rows this uneven are no table: padding them to the widest would more than double the
    cells (one row of 10,000 cells over 2,000 rows of one became 20 million cells). Readers
    keep each row's text as a line instead."""
    return max(row_widths, default=0) * len(row_widths) > 2 * sum(row_widths)
